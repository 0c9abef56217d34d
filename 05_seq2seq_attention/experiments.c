/* experiments.c - the demonstrations of chapter 05 (see experiments.h): translation with BLEU,
 * examples and the attention heatmap (C13-C15), accuracy against input length (C14), time against
 * sequence length (C16). */
#include "experiments.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "plot.h"
#include "search.h"
#include "utf8.h"
#include "util.h"

/* ==== shared pieces ============================================================================== */

static const char *cell_upper(CellType t) { return t == CELL_LSTM ? "LSTM" : t == CELL_GRU ? "GRU" : "RNN"; }

static void print_model(const S2SConfig *c, AttnKind a, size_t nparams) {
    char extra[64] = "";
    if (a == ATTN_ADDITIVE) snprintf(extra, sizeof extra, " (hidden width %d)", c->attn_dim);
    printf("model: %s encoder (%d layer%s, %s, hidden %d%s), %s decoder (hidden %d), emb %d, attention %s%s, "
           "%.2fM parameters\n",
           cell_upper(c->cell), c->layers, c->layers > 1 ? "s" : "", c->bidir ? "bidirectional" : "left to right",
           c->bidir ? c->hidden / 2 : c->hidden, c->bidir ? " per direction" : "", cell_upper(c->cell), c->hidden,
           c->emb, attn_name(a), extra, nparams / 1e6);
}

/* Build and train one variant on the task; the model stays alive for decoding. */
static void train_variant(const ExpCommon *o, const Task *t, AttnKind a, S2SModel *m, S2STrainResult *r) {
    S2SConfig c = o->model;
    c.attn = a, c.src_vocab = t->src_vocab->n, c.tgt_vocab = t->tgt_vocab->n;
    int maxB = o->train.batch > o->beam ? o->train.batch : o->beam;
    Rng rng;
    rng_seed(&rng, o->train.seed);
    s2s_init(m, &c, maxB, t->max_src_len, t->max_tgt_len + 1, 2 * t->max_src_len + 10, &rng);
    print_model(&c, a, s2s_num_params(m));
    printf("training: batches of %d pairs, Adam lr %g%s, budget", o->train.batch, o->train.lr,
           o->train.cosine ? " with cosine decay" : "");
    if (o->train.steps > 0) printf(" %ld steps", o->train.steps);
    if (o->train.seconds > 0) printf(" %.0f s", o->train.seconds);
    if (o->train.cpu_seconds > 0) printf(" %.0f CPU s", o->train.cpu_seconds);
    printf(" (whichever ends first), %d thread%s\n", num_threads(), num_threads() > 1 ? "s" : "");
    fflush(stdout);
    s2s_train(m, &t->train, &o->train, r);
    printf("trained: %ld steps (%d epoch%s begun), %.1f s (%.1f CPU s), %.0f target tokens/s; loss %.3f -> %.3f "
           "nats/token\n",
           r->steps, r->epochs, r->epochs == 1 ? "" : "s", r->seconds, r->cpu_seconds,
           r->tokens / (r->seconds > 0 ? r->seconds : 1), r->first_loss, r->last_loss);
}

/* Print s padded to w terminal columns (CJK counts two). */
static void pad(const char *s, int w) { utf8_print_padded(stdout, s, w); }

/* ==== C13-C15: translation ======================================================================= */

/* Source-length buckets for BLEU by length (tokens, punctuation included). */
static const int BUCKET_LO[] = {1, 5, 7, 9, 11, 14};
static const int BUCKET_HI[] = {4, 6, 8, 10, 13, 1000};
#define NBUCKETS 6


typedef struct {
    S2SModel m;
    S2STrainResult tr;
    S2SDecoded greedy, beam;
    double dev_loss, bleu, bleu_beam, bleu_greedy_subset;
    BleuStats bucket[NBUCKETS];
} Variant;

/* The attention heatmap (C15) of one sentence: source words across, output characters down. */
static void heatmap(const TranslateOpts *o, const Task *t, S2SModel *m, const char *sentence) {
    int S = task_encode_source(t, sentence, NULL, 0);
    if (S < 1 || S > m->maxS) {
        printf("heatmap: '%s' has %d tokens (the model takes 1-%d); skipped\n", sentence, S, m->maxS);
        return;
    }
    int *src = xmalloc((size_t)S * sizeof *src);
    task_encode_source(t, sentence, src, S);
    int L = s2s_max_output(m, S), n, rows;
    int *out = xmalloc((size_t)L * sizeof *out);
    float *alpha = xmalloc((size_t)(L + 1) * S * sizeof *alpha);
    s2s_greedy(m, src, S, 1, L, out, &n, alpha, &rows);
    char text[1024];
    task_ids_text(t, 1, out, n, text, sizeof text);
    printf("\nsource: %s\noutput: %s\n", sentence, text);
    /* labels: the source as typed (unknown words marked), the output tokens and <eos> */
    TokenList words = {0};
    if (t->src_join == JOIN_NONE)
        for (const char *p = sentence; *p; p++) token_list_add(p, 1, &words);
    else
        tokenize_list(sentence, strlen(sentence), t->src_mode, &words);
    char **col = xmalloc((size_t)S * sizeof *col), **row = xmalloc((size_t)rows * sizeof *row);
    for (int s = 0; s < S; s++) {
        col[s] = xmalloc(strlen(words.tok[s]) + 8);
        sprintf(col[s], "%s%s", words.tok[s], src[s] == TASK_UNK ? "(?)" : "");
    }
    for (int r = 0; r < rows; r++) row[r] = xstrdup(r < n ? task_token(t, 1, out[r]) : "<eos>");
    double *mat = xmalloc((size_t)rows * S * sizeof *mat);
    for (int i = 0; i < rows * S; i++) mat[i] = alpha[i];
    /* the same in text: each output token, the source word it attends to most */
    printf("alignment (each output token: the source token with the largest weight):\n ");
    for (int r = 0; r < rows; r++) {
        int best = 0;
        for (int s = 1; s < S; s++)
            if (alpha[r * S + s] > alpha[r * S + best]) best = s;
        printf(" %s->%s(%.2f)", row[r], col[best], alpha[r * S + best]);
    }
    printf("\n");
    char name[256], title[2200];
    snprintf(name, sizeof name, "%s_attention", o->c.name);
    snprintf(title, sizeof title, "%s attention: %s -> %s", attn_name(m->cfg.attn), sentence, text);
    PlotOpts po = {.title = title, .xlabel = "source tokens", .ylabel = "output tokens"};
    plot_heatmap(name, &po, mat, rows, S, (const char *const *)row, (const char *const *)col);
    for (int s = 0; s < S; s++) free(col[s]);
    for (int r = 0; r < rows; r++) free(row[r]);
    free(col), free(row), free(mat), free(src), free(out), free(alpha);
    token_list_free(&words);
}

/* A default sentence for the heatmap: the first test source of 7-9 tokens whose greedy output
 * is not shorter than 4 tokens. */
static const char *pick_heatmap_sentence(const Task *t, const Variant *v) {
    for (int g = 0; g < v->greedy.n; g++) {
        const TaskExample *e = &t->test.ex[v->greedy.head[g]];
        if (e->src_len >= 7 && e->src_len <= 9 && v->greedy.len[g] >= 4) return e->src_text;
    }
    return t->test.n ? t->test.ex[0].src_text : NULL;
}

int exp_translate(const TranslateOpts *o) {
    char err[ERR_LEN];
    Task t;
    double t0 = now_seconds();
    if (task_load_tatoeba(&t, o->data, &o->tatoeba, err)) {
        fprintf(stderr, "error: %s\n", err);
        return -1;
    }
    int groups = 0;
    for (int i = 0; i < t.test.n; i = task_group_end(&t.test, i)) groups++;
    printf("%s: %d pairs read from %s in %.2f s (%d left out for a side longer than %d tokens)\n", t.name, t.lines,
           o->data, now_seconds() - t0, t.dropped_long, o->tatoeba.max_len);
    printf("split by source sentence (seed %llu): train %d pairs, dev %d, test %d pairs = %d source sentences "
           "(%.2f references each)\n",
           (unsigned long long)o->tatoeba.seed, t.train.n, t.dev.n, t.test.n, groups, (double)t.test.n / groups);
    printf("vocabularies (tokens seen >= %d times in train): source %d, target %d (4 specials included)\n",
           o->tatoeba.min_count, t.src_vocab->n, t.tgt_vocab->n);
    printf("BLEU: corpus BLEU-4 on the %s test sentences, %s tokens, all references of a sentence used\n",
           t.tgt_join == JOIN_ZH ? "Chinese" : "English",
           t.tgt_join == JOIN_ZH ? "character" : "word");

    Variant *v = xcalloc((size_t)o->c.nvariants, sizeof *v);
    int attn_variant = -1;
    for (int k = 0; k < o->c.nvariants; k++) {
        AttnKind a = o->c.variants[k];
        printf("\n---- %s ----\n", attn_name(a));
        train_variant(&o->c, &t, a, &v[k].m, &v[k].tr);
        v[k].dev_loss = s2s_eval_loss(&v[k].m, &t.dev);
        s2s_decode_split(&v[k].m, &t.test, 1, 1.0f, 0, &v[k].greedy);
        BleuStats st, by_len[1001];
        int maxL = t.max_src_len < 1000 ? t.max_src_len : 1000;
        v[k].bleu = s2s_bleu(&t, &t.test, &v[k].greedy, &st, by_len, maxL);
        for (int b = 0; b < NBUCKETS; b++) {
            bleu_init(&v[k].bucket[b]);
            for (int L = BUCKET_LO[b]; L <= BUCKET_HI[b] && L <= maxL; L++) bleu_merge(&v[k].bucket[b], &by_len[L]);
        }
        double p[BLEU_N], bp;
        bleu_score(&st, p, &bp);
        printf("dev loss %.3f nats/token; test BLEU (greedy) %.2f  [p1..p4 %.1f/%.1f/%.1f/%.1f %%, BP %.3f, "
               "hyp/ref length %.0f/%.0f], decoding %.2f ms per sentence\n",
               v[k].dev_loss, v[k].bleu, 100 * p[0], 100 * p[1], 100 * p[2], 100 * p[3], bp, st.hyp_len, st.ref_len,
               1000 * v[k].greedy.seconds / (v[k].greedy.n ? v[k].greedy.n : 1));
        if (o->c.beam > 1) {
            s2s_decode_split(&v[k].m, &t.test, o->c.beam, o->c.len_alpha, o->c.beam_sentences, &v[k].beam);
            v[k].bleu_beam = s2s_bleu(&t, &t.test, &v[k].beam, NULL, NULL, 0);
            /* greedy on the same sentences, for a fair comparison */
            S2SDecoded sub = v[k].greedy;
            sub.n = v[k].beam.n;
            v[k].bleu_greedy_subset = s2s_bleu(&t, &t.test, &sub, NULL, NULL, 0);
            printf("beam search (width %d, length normalisation alpha %.1f) on the first %d test sentences: BLEU %.2f "
                   "(greedy on the same sentences %.2f), %.2f ms per sentence\n",
                   o->c.beam, o->c.len_alpha, v[k].beam.n, v[k].bleu_beam, v[k].bleu_greedy_subset,
                   1000 * v[k].beam.seconds / (v[k].beam.n ? v[k].beam.n : 1));
        }
        if (a != ATTN_NONE) attn_variant = k;
        fflush(stdout);
    }

    /* ---- the summary table ---- */
    printf("\n==== test BLEU, %d sentences (%s) ====\n", groups, t.name);
    printf("%-10s %10s %8s %9s %9s %10s %12s", "attention", "parameters", "steps", "train s", "CPU s", "dev loss",
           "BLEU greedy");
    if (o->c.beam > 1) { /* beam search may run on the first sentences only: greedy on the same ones beside it */
        char g[48], b[48];
        snprintf(g, sizeof g, "greedy, first %d", v[0].beam.n);
        snprintf(b, sizeof b, "beam %d, first %d", o->c.beam, v[0].beam.n);
        printf(" %18s %18s", g, b);
    }
    printf("\n");
    for (int k = 0; k < o->c.nvariants; k++) {
        printf("%-10s %9.2fM %8ld %9.1f %9.1f %10.3f %12.2f", attn_name(o->c.variants[k]),
               s2s_num_params(&v[k].m) / 1e6, v[k].tr.steps, v[k].tr.seconds, v[k].tr.cpu_seconds, v[k].dev_loss,
               v[k].bleu);
        if (o->c.beam > 1) printf(" %18.2f %18.2f", v[k].bleu_greedy_subset, v[k].bleu_beam);
        printf("\n");
    }

    /* ---- BLEU by source length (C14 on real sentences) ---- */
    printf("\nBLEU by source length (tokens; sentences per bucket in brackets):\n%-10s", "attention");
    for (int b = 0; b < NBUCKETS; b++) {
        char lab[32];
        if (BUCKET_HI[b] >= 1000) snprintf(lab, sizeof lab, "%d+ (%d)", BUCKET_LO[b], v[0].bucket[b].sentences);
        else snprintf(lab, sizeof lab, "%d-%d (%d)", BUCKET_LO[b], BUCKET_HI[b], v[0].bucket[b].sentences);
        printf(" %12s", lab);
    }
    printf("\n");
    PlotSeries series[EXP_MAX_VARIANTS];
    double xs[NBUCKETS], ys[EXP_MAX_VARIANTS][NBUCKETS];
    int nb = 0;
    for (int b = 0; b < NBUCKETS; b++)
        if (v[0].bucket[b].sentences > 0) nb = b + 1;
    for (int b = 0; b < nb; b++) xs[b] = BUCKET_HI[b] >= 1000 ? BUCKET_LO[b] + 1 : 0.5 * (BUCKET_LO[b] + BUCKET_HI[b]);
    for (int k = 0; k < o->c.nvariants; k++) {
        printf("%-10s", attn_name(o->c.variants[k]));
        for (int b = 0; b < nb; b++) {
            ys[k][b] = bleu_score(&v[k].bucket[b], NULL, NULL);
            printf(" %12.2f", ys[k][b]);
        }
        printf("\n");
        series[k] = (PlotSeries){attn_name(o->c.variants[k]), xs, ys[k], nb};
    }
    char name[256], title[256];
    snprintf(name, sizeof name, "%s_bleu_by_length", o->c.name);
    snprintf(title, sizeof title, "Tatoeba %s: test BLEU against source length", t.tgt_join == JOIN_ZH ? "en->zh" : "zh->en");
    PlotOpts po = {.title = title, .xlabel = "source length (tokens)", .ylabel = "BLEU"};
    plot_lines(name, &po, series, o->c.nvariants);

    /* ---- examples (C13) ---- */
    if (o->examples > 0) {
        int step = groups / o->examples > 1 ? groups / o->examples : 1;
        printf("\n==== example translations (%d test sentences, evenly spaced) ====\n", o->examples);
        for (int e = 0, g = step / 2; e < o->examples && g < groups; e++, g += step) {
            const TaskExample *x = &t.test.ex[v[0].greedy.head[g]];
            printf("\n  source     %s\n", x->src_text);
            int end = task_group_end(&t.test, v[0].greedy.head[g]);
            for (int r = v[0].greedy.head[g]; r < end; r++) {
                printf("  reference  ");
                pad(t.test.ex[r].tgt_text, 0);
                printf("   [%s]\n", t.test.ex[r].attribution);
            }
            for (int k = 0; k < o->c.nvariants; k++) {
                char text[1024];
                task_ids_text(&t, 1, v[k].greedy.ids + (size_t)g * v[k].greedy.max_len, v[k].greedy.len[g], text,
                              sizeof text);
                printf("  %-10s %s\n", attn_name(o->c.variants[k]), text);
            }
        }
    }

    /* ---- the heatmap (C15) and a sentence of the user's ---- */
    if (attn_variant >= 0) {
        const char *s = o->heatmap_sentence ? o->heatmap_sentence : pick_heatmap_sentence(&t, &v[attn_variant]);
        printf("\n==== attention weights of the %s model for one sentence ====", attn_name(o->c.variants[attn_variant]));
        if (s) heatmap(o, &t, &v[attn_variant].m, s);
    }
    if (o->translate) {
        printf("\n==== your sentence ====\n%s\n", o->translate);
        int S = task_encode_source(&t, o->translate, NULL, 0);
        for (int k = 0; k < o->c.nvariants; k++) {
            S2SModel *m = &v[k].m;
            if (S < 1 || S > m->maxS) {
                printf("  (%d tokens: the model takes 1-%d)\n", S, m->maxS);
                break;
            }
            int *src = xmalloc((size_t)S * sizeof *src), L = s2s_max_output(m, S), n;
            int *out = xmalloc((size_t)L * sizeof *out);
            task_encode_source(&t, o->translate, src, S);
            if (o->c.beam > 1) n = s2s_beam(m, src, S, o->c.beam, L, o->c.len_alpha, out, NULL);
            else s2s_greedy(m, src, S, 1, L, out, &n, NULL, NULL);
            char text[1024];
            printf("  %-10s %s\n", attn_name(o->c.variants[k]), task_ids_text(&t, 1, out, n, text, sizeof text));
            free(src), free(out);
        }
    }
    for (int k = 0; k < o->c.nvariants; k++) {
        s2s_decoded_free(&v[k].greedy), s2s_decoded_free(&v[k].beam);
        s2s_free(&v[k].m);
    }
    free(v);
    task_free(&t);
    return 0;
}

/* ==== C14: accuracy against input length ========================================================= */

int exp_lengths(const LengthsOpts *o) {
    char err[ERR_LEN];
    Task t;
    if (task_make_synthetic(&t, &o->synth, err)) {
        fprintf(stderr, "error: %s\n", err);
        return -1;
    }
    int minL = o->synth.min_len, maxL = o->synth.max_len, nL = maxL - minL + 1;
    printf("task: %s; train %d strings, test %d of every length (%d test strings also drawn for training)\n", t.name,
           t.train.n, o->synth.n_test_per_len, t.test_in_train);
    S2SModel *m = xcalloc((size_t)o->c.nvariants, sizeof *m);
    S2SDecoded *d = xcalloc((size_t)o->c.nvariants, sizeof *d);
    double *acc = xcalloc((size_t)o->c.nvariants * nL, sizeof *acc), *all = xcalloc((size_t)o->c.nvariants, sizeof *all);
    double *secs = xcalloc((size_t)o->c.nvariants, sizeof *secs), *cpus = xcalloc((size_t)o->c.nvariants, sizeof *cpus);
    long *steps = xcalloc((size_t)o->c.nvariants, sizeof *steps);
    int *correct = xcalloc((size_t)maxL + 1, sizeof *correct), *total = xcalloc((size_t)maxL + 1, sizeof *total);
    for (int k = 0; k < o->c.nvariants; k++) {
        printf("\n---- %s ----\n", attn_name(o->c.variants[k]));
        S2STrainResult r;
        train_variant(&o->c, &t, o->c.variants[k], &m[k], &r);
        secs[k] = r.seconds, cpus[k] = r.cpu_seconds, steps[k] = r.steps;
        s2s_decode_split(&m[k], &t.test, 1, 1.0f, 0, &d[k]);
        all[k] = s2s_exact_match(&t.test, &d[k], correct, total, maxL);
        for (int L = minL; L <= maxL; L++) acc[k * nL + L - minL] = total[L] ? 100.0 * correct[L] / total[L] : NAN;
        printf("exact match on the test strings: %.1f %% (greedy decoding, %.2f ms per string)\n", 100 * all[k],
               1000 * d[k].seconds / (d[k].n ? d[k].n : 1));
        fflush(stdout);
    }
    printf("\n==== exact-match accuracy (%%) against input length, %d test strings per length ====\n",
           o->synth.n_test_per_len);
    printf("%6s", "length");
    for (int k = 0; k < o->c.nvariants; k++) printf(" %10s", attn_name(o->c.variants[k]));
    printf("\n");
    for (int L = minL; L <= maxL; L++) {
        printf("%6d", L);
        for (int k = 0; k < o->c.nvariants; k++) printf(" %10.1f", acc[k * nL + L - minL]);
        printf("\n");
    }
    printf("%6s", "all");
    for (int k = 0; k < o->c.nvariants; k++) printf(" %10.1f", 100 * all[k]);
    printf("\n%6s", "steps");
    for (int k = 0; k < o->c.nvariants; k++) printf(" %10ld", steps[k]);
    printf("\n%6s", "train s");
    for (int k = 0; k < o->c.nvariants; k++) printf(" %10.1f", secs[k]);
    printf("\n%6s", "CPU s");
    for (int k = 0; k < o->c.nvariants; k++) printf(" %10.1f", cpus[k]);
    printf("\n");
    double *xs = xmalloc((size_t)nL * sizeof *xs);
    for (int L = minL; L <= maxL; L++) xs[L - minL] = L;
    PlotSeries s[EXP_MAX_VARIANTS];
    for (int k = 0; k < o->c.nvariants; k++) s[k] = (PlotSeries){attn_name(o->c.variants[k]), xs, acc + k * nL, nL};
    char name[256], title[256];
    snprintf(name, sizeof name, "%s_accuracy_by_length", o->c.name);
    snprintf(title, sizeof title, "%s: exact match against input length", t.name);
    PlotOpts po = {.title = title, .xlabel = "input length (letters)", .ylabel = "exact match (%)"};
    plot_lines(name, &po, s, o->c.nvariants);

    if (o->examples > 0) { /* strings of the longest length */
        printf("\n==== examples of length %d ====\n", maxL);
        int first = t.test.n - o->synth.n_test_per_len;
        for (int e = 0; e < o->examples && e < o->synth.n_test_per_len; e++) {
            int g = first + e;
            const TaskExample *x = &t.test.ex[g];
            char text[2048];
            printf("  source   %s\n", task_ids_text(&t, 0, x->src, x->src_len, text, sizeof text));
            printf("  target   %s\n", task_ids_text(&t, 1, x->tgt, x->tgt_len, text, sizeof text));
            for (int k = 0; k < o->c.nvariants; k++) {
                const int *out = d[k].ids + (size_t)g * d[k].max_len;
                task_ids_text(&t, 1, out, d[k].len[g], text, sizeof text);
                int ok = d[k].len[g] == x->tgt_len && !memcmp(out, x->tgt, (size_t)x->tgt_len * sizeof(int));
                printf("  %-8s %s%s\n", attn_name(o->c.variants[k]), text, ok ? "  (exact)" : "");
            }
            printf("\n");
        }
    }
    for (int k = 0; k < o->c.nvariants; k++) s2s_decoded_free(&d[k]), s2s_free(&m[k]);
    free(m), free(d), free(acc), free(all), free(secs), free(cpus), free(steps), free(correct), free(total), free(xs);
    task_free(&t);
    return 0;
}

/* ==== C16: time against sequence length ========================================================== */

/* Seconds per call of one teacher-forced training step (forward + backward) and of one greedy-style
 * decoding (encode, then L decoder steps fed with given tokens), for B sequences of length L. */
static void time_one(S2SModel *m, int L, int B, int repeats, double *train_s, double *decode_s) {
    int *ids = xmalloc((size_t)L * B * sizeof *ids), *tgt = xmalloc((size_t)L * sizeof *tgt);
    for (int i = 0; i < L * B; i++) ids[i] = TASK_NSPECIAL + (i * 7) % (m->cfg.src_vocab - TASK_NSPECIAL);
    for (int i = 0; i < L; i++) tgt[i] = TASK_NSPECIAL + (i * 5) % (m->cfg.tgt_vocab - TASK_NSPECIAL);
    TaskExample *ex = xmalloc((size_t)B * sizeof *ex);
    const TaskExample **ep = xmalloc((size_t)B * sizeof *ep);
    for (int b = 0; b < B; b++) ex[b] = (TaskExample){.src = ids + b * L, .tgt = tgt, .src_len = L, .tgt_len = L - 1}, ep[b] = &ex[b];
    S2SBatch batch;
    s2s_batch_alloc(&batch, B, L, L);
    s2s_batch_make(&batch, ep, B);
    double best_t = INFINITY, best_d = INFINITY;
    for (int r = 0; r < repeats; r++) { /* the fastest of the repeats: the least disturbed by other work */
        double t0 = now_seconds();
        params_zero_grad(&m->p);
        s2s_forward(m, &batch, 0, NULL);
        s2s_backward(m);
        double t1 = now_seconds();
        s2s_encode(m, batch.src, L, B);
        for (int step = 0; step < L; step++) s2s_decoder_step(m, batch.tgt_in + step * B);
        double t2 = now_seconds();
        if (t1 - t0 < best_t) best_t = t1 - t0;
        if (t2 - t1 < best_d) best_d = t2 - t1;
    }
    *train_s = best_t, *decode_s = best_d;
    s2s_batch_free(&batch);
    free(ids), free(tgt), free(ex), free(ep);
}

int exp_timing(const TimingOpts *o) {
    int maxL = 0;
    for (int i = 0; i < o->nlengths; i++) maxL = o->lengths[i] > maxL ? o->lengths[i] : maxL;
    S2SConfig c = s2s_defaults();
    c.cell = o->cell, c.hidden = o->hidden, c.emb = o->emb, c.attn = ATTN_DOT, c.attn_dim = o->hidden;
    c.src_vocab = c.tgt_vocab = o->vocab;
    S2SModel m;
    Rng rng;
    rng_seed(&rng, 1);
    s2s_init(&m, &c, o->batch, maxL, maxL, maxL, &rng);
    print_model(&c, ATTN_DOT, s2s_num_params(&m));
    int threads = num_threads();
    printf("vocabulary %d; untrained weights (the time does not depend on them); the fastest of %d runs each\n",
           o->vocab, o->repeats);
    printf("(1) one sequence, 1 thread   (2) one sequence, %d thread%s   (3) a batch of %d sequences, %d thread%s, time "
           "per sequence%s\n",
           threads, threads > 1 ? "s" : "", o->batch, threads, threads > 1 ? "s" : "",
           threads > 1 ? "" : "\n(only one thread available, OMP_NUM_THREADS=1: columns 1 and 2 measure the same thing)");
    printf("%6s | %12s %12s %12s | %12s %12s %12s | %12s\n", "length", "train (1)", "train (2)", "train (3)",
           "decode (1)", "decode (2)", "decode (3)", "decode us/step (1)");
    double *xs = xmalloc((size_t)o->nlengths * sizeof *xs), *y[3];
    for (int k = 0; k < 3; k++) y[k] = xmalloc((size_t)o->nlengths * sizeof *y[k]);
    for (int i = 0; i < o->nlengths; i++) {
        int L = o->lengths[i];
        double tr[3], de[3];
        set_num_threads(1);
        time_one(&m, L, 1, o->repeats, &tr[0], &de[0]);
        set_num_threads(threads);
        time_one(&m, L, 1, o->repeats, &tr[1], &de[1]);
        time_one(&m, L, o->batch, o->repeats, &tr[2], &de[2]);
        tr[2] /= o->batch, de[2] /= o->batch;
        printf("%6d | %10.2fms %10.2fms %10.3fms | %10.2fms %10.2fms %10.3fms | %12.1f\n", L, 1e3 * tr[0], 1e3 * tr[1],
               1e3 * tr[2], 1e3 * de[0], 1e3 * de[1], 1e3 * de[2], 1e6 * de[0] / L);
        fflush(stdout);
        xs[i] = L;
        for (int k = 0; k < 3; k++) y[k][i] = 1e3 * de[k];
    }
    char l0[64], l1[64], l2[64];
    snprintf(l0, sizeof l0, "one sequence, 1 thread");
    snprintf(l1, sizeof l1, "one sequence, %d thread%s", threads, threads > 1 ? "s" : "");
    snprintf(l2, sizeof l2, "batch of %d, per sequence", o->batch);
    PlotSeries s[3] = {{l0, xs, y[0], o->nlengths}, {l1, xs, y[1], o->nlengths}, {l2, xs, y[2], o->nlengths}};
    char name[256];
    snprintf(name, sizeof name, "%s_time_by_length", o->name);
    PlotOpts po = {.title = "RNN encoder-decoder: time to encode and decode one sequence",
                   .xlabel = "sequence length (tokens)", .ylabel = "milliseconds per sequence"};
    plot_lines(name, &po, s, 3);
    free(xs);
    for (int k = 0; k < 3; k++) free(y[k]);
    s2s_free(&m);
    return 0;
}
