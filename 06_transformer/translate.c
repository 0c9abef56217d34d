/* translate.c - see translate.h: the transformer beside chapter 05's RNN with attention, on chapter
 * 05's tasks, for the same wall-clock time. */
#include "translate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "plot.h"
#include "progress.h"
#include "utf8.h"
#include "util.h"

/* ---- chapter 05's pairs as the transformer's ---------------------------------------------------- */

void pairs_from_split(const TaskSplit *s, PairSet *ps) {
    ps->n = s->n;
    ps->pairs = xmalloc(sizeof *ps->pairs * (size_t)(s->n ? s->n : 1));
    for (int i = 0; i < s->n; i++) {
        const TaskExample *e = &s->ex[i];
        ps->pairs[i] = (Pair){e->src, e->tgt, e->src_len, e->tgt_len};
    }
}

static int same_vocab(const Vocab *a, const Vocab *b) {
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->words[i], b->words[i])) return 0;
    return 1;
}

Seq2SeqConfig tf_config_for_task(const Task *t, const Seq2SeqConfig *base) {
    Seq2SeqConfig c = *base;
    c.src_vocab = t->src_vocab->n, c.tgt_vocab = t->tgt_vocab->n;
    c.max_src = t->max_src_len;
    /* outputs may run past the longest reference (a model that has not learned to stop); 10 tokens
     * of slack, and room for EOS */
    c.max_tgt = t->max_tgt_len + 10 + 1;
    c.shared_emb = same_vocab(t->src_vocab, t->tgt_vocab);
    c.pad_id = TASK_PAD, c.bos_id = TASK_BOS, c.eos_id = TASK_EOS;
    return c;
}

int tf_max_output(const Seq2Seq *m, int S) {
    int L = 2 * S + 10, cap = m->cfg.max_tgt - 1;
    return L < cap ? L : cap;
}

void tf_decode_split(Seq2Seq *m, const TaskSplit *s, Outputs *d) {
    outputs_alloc(d, s, m->cfg.max_tgt - 1);
    int *slot_of = xmalloc(sizeof *slot_of * (size_t)(s->n ? s->n : 1));
    for (int g = 0; g < d->n; g++) slot_of[d->head[g]] = g;
    double t0 = now_seconds();
    EqualLengthBatches plan;
    ch05_plan(&plan, s, d->head, d->n, m->maxB);
    int B = m->maxB, S = m->cfg.max_src;
    int *src = xmalloc(sizeof *src * (size_t)B * S), *out = xmalloc(sizeof *out * (size_t)B * d->max_len);
    int *len = xmalloc(sizeof *len * (size_t)B);
    unsigned char *pad = xcalloc((size_t)B * S, 1); /* equal source lengths: nothing is padding */
    for (int i = 0; i < plan.nbatches; i++) {
        int a = plan.start[i], nb = plan.start[i + 1] - a, Sb = s->ex[plan.order[a]].src_len;
        for (int k = 0; k < nb; k++) memcpy(src + k * Sb, s->ex[plan.order[a + k]].src, sizeof *src * (size_t)Sb);
        int L = tf_max_output(m, Sb);
        seq2seq_greedy(m, src, pad, nb, Sb, L, out, len);
        for (int k = 0; k < nb; k++) {
            int g = slot_of[plan.order[a + k]];
            d->len[g] = len[k];
            memcpy(d->ids + (size_t)g * d->max_len, out + (size_t)k * L, sizeof(int) * (size_t)len[k]);
        }
    }
    d->seconds = now_seconds() - t0;
    ch05_plan_free(&plan);
    free(slot_of), free(src), free(out), free(len), free(pad);
}

/* ---- the comparison ---------------------------------------------------------------------------- */

CompareOpts compare_defaults(void) {
    CompareOpts o = {0};
    o.data = "data/parallel/tatoeba-cmn-eng.tsv";
    o.tatoeba = tatoeba_defaults();
    o.synth = synth_defaults();
    o.seconds = 20;
    o.tf = seq2seq_defaults();
    /* pre-norm: with post-norm and a peak of 6.3e-3 the loss rose again after the warm-up
     * (README); pre-norm trains stably at 4e-3 */
    o.tf.C = 128, o.tf.NH = 4, o.tf.F = 512, o.tf.n_enc = o.tf.n_dec = 2, o.tf.prenorm = 1;
    o.tf_train = seq2seq_train_defaults();
    o.tf_train.batch = 32, o.tf_train.warmup = 200, o.tf_train.lr_factor = 0.64f, o.tf_train.buckets = 50;
    o.tf_train.epochs = SEQ2SEQ_MAX_EPOCHS, o.tf_train.log_every = 200;
    o.rnn = 1;
    o.rnn_cfg = ch05_defaults();
    o.examples = 6;
    o.name = "06_translate";
    return o;
}

/* One model's results, whichever kind. */
typedef struct {
    char label[32];
    size_t params;
    long steps;
    double seconds, cpu_seconds, epoch_seconds, epochs, tokens_per_s, dev_loss;
    Outputs dec;
    double score;          /* BLEU (Tatoeba) or exact match in % (synthetic) */
} Result;

/* Source-length buckets for BLEU by length, as chapter 05 prints them (tokens, punctuation included). */
static const int BUCKET_LO[] = {1, 5, 7, 9, 11, 14};
static const int BUCKET_HI[] = {4, 6, 8, 10, 13, 1000};
#define NBUCKETS 6


static int train_rnn(const CompareOpts *o, const Task *t, Ch05Model **m, Result *r) {
    Ch05Trained tr;
    char err[ERR_LEN];
    printf("\n---- chapter 05's model: %s %s attention ----\n", o->rnn_cfg.cell, o->rnn_cfg.attention);
    fflush(stdout);
    *m = ch05_train(t, &o->rnn_cfg, o->seconds, o->cpu_seconds, o->steps, &tr, err);
    if (!*m) {
        fprintf(stderr, "error: %s\n", err);
        return -1;
    }
    printf("%s: %zu parameters; batches of %d pairs of equal source length, Adam lr %g%s, clip %g\n",
           tr.description, tr.params, o->rnn_cfg.batch, o->rnn_cfg.lr,
           o->rnn_cfg.cosine ? " with cosine decay over the budget" : "", o->rnn_cfg.clip);
    int per_epoch = ch05_batches_per_epoch(&t->train, o->rnn_cfg.batch);
    snprintf(r->label, sizeof r->label, "%s", tr.label);
    r->params = tr.params, r->steps = tr.steps, r->seconds = tr.seconds, r->cpu_seconds = tr.cpu_seconds;
    r->epochs = (double)tr.steps / per_epoch;
    r->epoch_seconds = tr.steps ? tr.seconds * per_epoch / tr.steps : 0;
    r->tokens_per_s = tr.tokens / (tr.seconds > 0 ? tr.seconds : 1);
    r->dev_loss = ch05_eval_loss(*m, &t->dev);
    ch05_decode(*m, &t->test, &r->dec);
    return 0;
}

static void train_tf(const CompareOpts *o, const Task *t, Seq2Seq *m, Result *r) {
    Seq2SeqConfig c = tf_config_for_task(t, &o->tf);
    Seq2SeqTrainOptions to = o->tf_train;
    to.max_seconds = o->seconds, to.max_cpu_seconds = o->cpu_seconds;
    Rng rng;
    rng_seed(&rng, to.seed);
    seq2seq_init(m, &c, to.batch, &rng);
    snprintf(r->label, sizeof r->label, "transformer");
    r->params = seq2seq_num_params(m);
    printf("\n---- chapter 06: transformer, %d + %d blocks, width %d, %d heads, feed-forward %d, %s-norm, %s "
           "embeddings: %zu parameters ----\n",
           c.n_enc, c.n_dec, c.C, c.NH, c.F, c.prenorm ? "pre" : "post", c.shared_emb ? "shared" : "separate",
           r->params);
    printf("training: batches of %d pairs of similar length, Adam (0.9, 0.98, 1e-9), peak lr %.2e after %ld warm-up "
           "steps, then 1/sqrt(step); dropout %.2f, label smoothing %.2f\n",
           to.batch, to.lr_factor / sqrt((double)c.C * to.warmup), to.warmup, c.dropout, c.label_smoothing);
    fflush(stdout);
    PairSet tr, dv;
    pairs_from_split(&t->train, &tr);
    pairs_from_split(&t->dev, &dv);
    to.max_steps = o->steps;
    Seq2SeqTrainStats *st = xmalloc(sizeof *st);
    seq2seq_train(m, &tr, &dv, &to, st);
    r->cpu_seconds = st->cpu_seconds;
    int per_epoch = (tr.n + to.batch - 1) / to.batch;
    r->steps = st->steps, r->seconds = st->seconds;
    r->epochs = (double)st->steps / per_epoch;
    r->epoch_seconds = st->steps ? st->seconds * per_epoch / st->steps : 0;
    r->tokens_per_s = st->tokens / (st->seconds > 0 ? st->seconds : 1);
    double acc;
    seq2seq_evaluate(m, &dv, &r->dev_loss, &acc);
    tf_decode_split(m, &t->test, &r->dec);
    free(st), free(tr.pairs), free(dv.pairs);
}

/* The source tokens of a sentence as typed (unknown ones marked), for the heatmap's columns. */
static char **source_labels(const Task *t, const char *sentence, const int *src, int S) {
    TokenList words = {0};
    if (t->src_join == JOIN_NONE)
        for (const char *p = sentence; *p; p++) {
            if (*p != ' ') token_list_add(p, 1, &words);
        }
    else
        tokenize_list(sentence, strlen(sentence), t->src_mode, &words);
    char **col = xmalloc(sizeof *col * (size_t)S);
    for (int s = 0; s < S; s++) {
        const char *w = (size_t)s < words.n ? words.tok[s] : "?";
        col[s] = xmalloc(strlen(w) + 8);
        sprintf(col[s], "%s%s", w, src[s] == TASK_UNK ? "(?)" : "");
    }
    token_list_free(&words);
    return col;
}

/* The encoder-decoder attention of every head of the last decoder block for one sentence: printed
 * as each output token's strongest source token, and drawn, one heatmap per head. */
static int head_heatmaps(const CompareOpts *o, const Task *t, Seq2Seq *m, const char *sentence) {
    int S = task_encode_source(t, sentence, NULL, 0);
    if (S < 1 || S > m->cfg.max_src) {
        printf("heatmap: '%s' has %d tokens (the model takes 1-%d); skipped\n", sentence, S, m->cfg.max_src);
        return 0;
    }
    int *src = xmalloc(sizeof *src * (size_t)S);
    task_encode_source(t, sentence, src, S);
    unsigned char *pad = xcalloc((size_t)S, 1);
    int L = tf_max_output(m, S), n;
    int *out = xmalloc(sizeof *out * (size_t)L), *in = xmalloc(sizeof *in * (size_t)(L + 1));
    seq2seq_greedy(m, src, pad, 1, S, L, out, &n);
    char text[2048];
    task_ids_text(t, 1, out, n, text, sizeof text);
    /* teacher-force the decoder on its own output to read the weights of every step at once */
    int T = n + 1;
    in[0] = m->cfg.bos_id;
    memcpy(in + 1, out, sizeof *in * (size_t)n);
    seq2seq_encode(m, src, pad, 1, S, NULL);
    seq2seq_decode(m, in, NULL, T, NULL);
    const float *att = m->dec[m->cfg.n_dec - 1].cross_attn.att; /* (1,NH,T,S) */
    char **col = source_labels(t, sentence, src, S), **row = xmalloc(sizeof *row * (size_t)T);
    for (int i = 0; i < T; i++) row[i] = xstrdup(i < n ? task_token(t, 1, out[i]) : "<eos>");
    printf("\nsource: %s\noutput: %s\n", sentence, text);
    printf("encoder-decoder attention of the last decoder block, each output token's strongest source token:\n");
    double *mat = xmalloc(sizeof *mat * (size_t)T * S);
    int failed = 0;
    for (int h = 0; h < m->cfg.NH; h++) {
        const float *a = att + (size_t)h * T * S;
        printf("  head %d:", h);
        for (int i = 0; i < T; i++) {
            int best = 0;
            for (int j = 1; j < S; j++)
                if (a[i * S + j] > a[i * S + best]) best = j;
            printf(" %s->%s(%.2f)", row[i], col[best], a[i * S + best]);
        }
        printf("\n");
        for (int i = 0; i < T * S; i++) mat[i] = a[i];
        char name[300], title[2400];
        snprintf(name, sizeof name, "%s_attention_head%d", o->name, h);
        snprintf(title, sizeof title, "transformer, last decoder block, head %d: %s -> %s", h, sentence, text);
        PlotOpts po = {.title = title, .xlabel = "source tokens", .ylabel = "output tokens"};
        failed |= plot_heatmap(name, &po, mat, T, S, (const char *const *)row, (const char *const *)col) < 0;
    }
    for (int s = 0; s < S; s++) free(col[s]);
    for (int i = 0; i < T; i++) free(row[i]);
    free(col), free(row), free(mat), free(src), free(pad), free(out), free(in);
    return failed;
}

int compare_run(const CompareOpts *o) {
    char err[ERR_LEN];
    Task t;
    double t0 = now_seconds();
    if (o->synthetic ? task_make_synthetic(&t, &o->synth, err) : task_load_tatoeba(&t, o->data, &o->tatoeba, err)) {
        fprintf(stderr, "error: %s\n", err);
        return -1;
    }
    int groups = 0;
    for (int i = 0; i < t.test.n; i = task_group_end(&t.test, i)) groups++;
    if (o->synthetic) {
        printf("task (chapter 05's synthetic task): %s; train %d strings, test %d of every length %d-%d\n", t.name,
               t.train.n, o->synth.n_test_per_len, o->synth.min_len, o->synth.max_len);
    } else {
        printf("task (chapter 05's): %s, %d pairs read from %s in %.2f s; split by source sentence (seed %llu): train "
               "%d pairs, dev %d, test %d = %d source sentences\n",
               t.name, t.lines, o->data, now_seconds() - t0, (unsigned long long)o->tatoeba.seed, t.train.n, t.dev.n,
               t.test.n, groups);
        printf("vocabularies: source %d words, target %d characters; BLEU: chapter 05's corpus BLEU-4 on the test "
               "split, character tokens, all references\n",
               t.src_vocab->n, t.tgt_vocab->n);
    }
    char budget[96] = "";
    if (o->seconds > 0) snprintf(budget, sizeof budget, "%.0f s", o->seconds);
    if (o->cpu_seconds > 0)
        snprintf(budget + strlen(budget), sizeof budget - strlen(budget), "%s%.0f CPU s", budget[0] ? " or " : "",
                 o->cpu_seconds);
    if (o->steps > 0)
        snprintf(budget + strlen(budget), sizeof budget - strlen(budget), "%s%ld steps", budget[0] ? " or " : "",
                 o->steps);
    printf("budget: %s of training for each model%s", budget, strstr(budget, " or ") ? " (whichever ends first)" : "");
    printf(", back to back in this process, %d thread%s\n", num_threads(), num_threads() > 1 ? "s" : "");

    Result res[2];
    memset(res, 0, sizeof res);
    int nres = 0;
    Ch05Model *rnn = NULL;
    Seq2Seq tf;
    if (o->rnn && train_rnn(o, &t, &rnn, &res[nres++])) {
        task_free(&t);
        return -1;
    }
    train_tf(o, &t, &tf, &res[nres++]);

    /* scores, by the same functions for both */
    int maxL = t.max_src_len < 1000 ? t.max_src_len : 1000;
    BleuStats *by_len = xmalloc(sizeof *by_len * (size_t)(maxL + 1));
    double bucket[2][NBUCKETS], *acc_len = xcalloc((size_t)2 * (maxL + 1), sizeof *acc_len);
    int bucket_n[NBUCKETS] = {0};
    int *correct = xcalloc((size_t)maxL + 1, sizeof *correct), *total = xcalloc((size_t)maxL + 1, sizeof *total);
    for (int k = 0; k < nres; k++) {
        Result *r = &res[k];
        if (o->synthetic) {
            r->score = 100 * ch05_exact_match(&t.test, &r->dec, correct, total, maxL);
            for (int L = 0; L <= maxL; L++) acc_len[k * (maxL + 1) + L] = total[L] ? 100.0 * correct[L] / total[L] : NAN;
        } else {
            r->score = ch05_bleu(&t, &t.test, &r->dec, by_len, maxL);
            for (int b = 0; b < NBUCKETS; b++) {
                BleuStats s;
                bleu_init(&s);
                for (int L = BUCKET_LO[b]; L <= BUCKET_HI[b] && L <= maxL; L++) bleu_merge(&s, &by_len[L]);
                bucket[k][b] = bleu_score(&s, NULL, NULL), bucket_n[b] = s.sentences;
            }
        }
    }

    printf("\n==== %s: the same %s of training each ====\n", t.name, budget);
    printf("%-13s %10s %7s %8s %7s %8s %11s %10s %9s %9s %12s\n", "model", "parameters", "steps", "train s", "CPU s", "epochs",
           "s per epoch", "tokens/s", "dev loss", o->synthetic ? "exact %" : "test BLEU", "decode ms/s");
    for (int k = 0; k < nres; k++) {
        const Result *r = &res[k];
        char rate[32];
        printf("%-13s %9.2fM %7ld %8.1f %7.1f %8.2f %11.1f %10s %9.3f %9.2f %12.2f\n", r->label, r->params / 1e6,
               r->steps, r->seconds, r->cpu_seconds, r->epochs, r->epoch_seconds, format_count(r->tokens_per_s, rate, sizeof rate), r->dev_loss,
               r->score, 1000 * r->dec.seconds / (r->dec.n ? r->dec.n : 1));
    }
    printf("(train s: wall clock; CPU s: the process's CPU time meanwhile, all threads; tokens/s: target tokens trained on per second; dev loss: cross-entropy in nats per target token, "
           "teacher-forced; decoding: greedy, in batches of equal source length)\n");

    int failed = 0;
    char name[300], title[300];
    PlotSeries series[2];
    if (o->synthetic) {
        printf("\nexact match (%%) against input length, %d test strings per length:\n%-13s", o->synth.n_test_per_len,
               "length");
        int minL = o->synth.min_len, nL = maxL - minL + 1;
        for (int L = minL; L <= maxL; L++) printf(" %4d", L);
        printf("\n");
        double *xs = xmalloc(sizeof *xs * (size_t)nL);
        for (int L = minL; L <= maxL; L++) xs[L - minL] = L;
        for (int k = 0; k < nres; k++) {
            printf("%-13s", res[k].label);
            for (int L = minL; L <= maxL; L++) printf(" %4.0f", acc_len[k * (maxL + 1) + L]);
            printf("\n");
            series[k] = (PlotSeries){res[k].label, xs, acc_len + k * (maxL + 1) + minL, nL};
        }
        snprintf(name, sizeof name, "%s_accuracy_by_length", o->name);
        snprintf(title, sizeof title, "%s: exact match against input length, %s of training each", t.name, budget);
        PlotOpts po = {.title = title, .xlabel = "input length (letters)", .ylabel = "exact match (%)"};
        failed |= plot_lines(name, &po, series, nres) < 0;
        free(xs);
    } else {
        printf("\ntest BLEU by source length (tokens; sentences in brackets):\n%-13s", "model");
        int nb = 0;
        for (int b = 0; b < NBUCKETS; b++) {
            char lab[32];
            if (BUCKET_HI[b] >= 1000) snprintf(lab, sizeof lab, "%d+ (%d)", BUCKET_LO[b], bucket_n[b]);
            else snprintf(lab, sizeof lab, "%d-%d (%d)", BUCKET_LO[b], BUCKET_HI[b], bucket_n[b]);
            printf(" %12s", lab);
            if (bucket_n[b] > 0) nb = b + 1;
        }
        printf("\n");
        double xs[NBUCKETS];
        for (int b = 0; b < nb; b++) xs[b] = BUCKET_HI[b] >= 1000 ? BUCKET_LO[b] + 1 : 0.5 * (BUCKET_LO[b] + BUCKET_HI[b]);
        for (int k = 0; k < nres; k++) {
            printf("%-13s", res[k].label);
            for (int b = 0; b < nb; b++) printf(" %12.2f", bucket[k][b]);
            printf("\n");
            series[k] = (PlotSeries){res[k].label, xs, bucket[k], nb};
        }
        snprintf(name, sizeof name, "%s_bleu_by_length", o->name);
        snprintf(title, sizeof title, "Tatoeba en->zh: test BLEU against source length, %s of training each", budget);
        PlotOpts po = {.title = title, .xlabel = "source length (tokens)", .ylabel = "BLEU"};
        failed |= plot_lines(name, &po, series, nres) < 0;
    }

    /* examples: test sentences evenly spaced (synthetic: strings of the longest length) */
    if (o->examples > 0) {
        printf("\nexamples:\n");
        int first = o->synthetic ? groups - o->synth.n_test_per_len : 0, span = groups - first;
        int step = span / o->examples > 1 ? span / o->examples : 1;
        for (int e = 0, g = first + step / 2; e < o->examples && g < groups; e++, g += step) {
            const TaskExample *x = &t.test.ex[res[0].dec.head[g]];
            char text[2048];
            printf("  source       %s\n", o->synthetic ? task_ids_text(&t, 0, x->src, x->src_len, text, sizeof text)
                                                        : x->src_text);
            printf("  reference    %s\n", o->synthetic ? task_ids_text(&t, 1, x->tgt, x->tgt_len, text, sizeof text)
                                                        : x->tgt_text);
            for (int k = 0; k < nres; k++) {
                const Outputs *d = &res[k].dec;
                printf("  %-12s %s\n", res[k].label,
                       task_ids_text(&t, 1, d->ids + (size_t)g * d->max_len, d->len[g], text, sizeof text));
            }
        }
    }

    /* the heatmaps */
    const char *sentence = o->heatmap;
    char buf[256];
    if (!sentence) { /* a test source of 7-9 tokens (synthetic: 12 letters) */
        int want_lo = o->synthetic ? 12 : 7, want_hi = o->synthetic ? 12 : 9;
        for (int g = 0; g < groups && !sentence; g++) {
            const TaskExample *x = &t.test.ex[res[0].dec.head[g]];
            if (x->src_len >= want_lo && x->src_len <= want_hi)
                sentence = o->synthetic ? task_ids_text(&t, 0, x->src, x->src_len, buf, sizeof buf) : x->src_text;
        }
    }
    if (sentence) failed |= head_heatmaps(o, &t, &tf, sentence);

    for (int k = 0; k < nres; k++) outputs_free(&res[k].dec);
    ch05_free(rnn);
    seq2seq_free(&tf);
    free(by_len), free(acc_len), free(correct), free(total);
    task_free(&t);
    return failed ? 1 : 0;
}
