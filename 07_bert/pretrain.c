/* pretrain.c - BERT's pretraining loop: corpus -> WordPiece vocabulary -> documents -> masked
 * sentence pairs -> AdamW steps, with the trainer state saved for an exact resume. The contract
 * is in pretrain.h; the inputs (pairs, masking, batches) are in pretrain_data.c. */
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "07_bert/bertdir.h"
#include "07_bert/dist.h"
#include "07_bert/pretrain.h"
#include "corpus.h"
#include "optim.h"
#include "platform.h"
#include "progress.h"
#include "safetensors.h"
#include "util.h"

#define TRAINER_FORMAT "nlpc-bert-trainer"
#define TRAINER_VERSION "1"
#define TRAINER_FILE "trainer_state.safetensors"

PretrainOptions pretrain_defaults(void) {
    PretrainOptions o;
    memset(&o, 0, sizeof o);
    o.layers = 2, o.hidden = 128, o.heads = 2, o.intermediate = 512, o.vocab_size = 8000, o.max_seq_len = 128;
    o.do_lower_case = 1, o.min_count = 1, o.min_pair_count = 2, o.merge_by_frequency = 1;
    o.batch = 32, o.doc_lines = 20, o.threads = 0;
    o.steps = 0, o.warmup = 100, o.log_every = 0; /* steps 0: 1000, or the saved total on resume */
    o.lr = 1e-3, o.weight_decay = 0.01, o.dropout = 0.1;
    o.seed = 1;
    o.holdout_every = 20;
    o.eval_every = 0, o.eval_pairs = 1000;
    return o;
}

static volatile sig_atomic_t stop_requested;
void bert_pretrain_request_stop(void) { stop_requested = 1; }

/* ---- the tokenizer as the documents' callback ------------------------------------------------ */
typedef struct {
    const BertTokenizer *tok;
    BertIds ids;
} EncodeCtx;

static int encode_line(void *ctx, const char *text, size_t len, int *out, int cap) {
    EncodeCtx *c = ctx;
    c->ids.n = 0;
    bert_tok_encode(c->tok, text, len, &c->ids);
    int n = c->ids.n < cap ? c->ids.n : cap;
    memcpy(out, c->ids.ids, sizeof(int) * (size_t)n);
    return c->ids.n;
}

/* ---- evaluation on held-out pairs ------------------------------------------------------------ */
void bert_evaluate(Bert *m, BertPairStream *s, BertBatch *b, BertExample *e, int npairs, int B, BertEval *out) {
    memset(out, 0, sizeof *out);
    while (out->pairs < npairs) {
        int nb = npairs - (int)out->pairs < B ? npairs - (int)out->pairs : B;
        bert_batch_fill(b, s, e, nb);
        bert_forward(m, b->ids, b->segs, b->pad, b->B, b->T, NULL);
        double macc, nacc;
        float ml = bert_mlm_forward(m, b->mlm_pos, b->mlm_target, b->n_mlm, &macc);
        float nl = bert_nsp_forward(m, b->nsp, &nacc);
        out->mlm_loss += ml * b->n_mlm, out->mlm_acc += macc * b->n_mlm;
        out->nsp_loss += nl * nb, out->nsp_acc += nacc * nb;
        out->pairs += nb, out->predictions += b->n_mlm;
    }
    if (out->predictions) out->mlm_loss /= out->predictions, out->mlm_acc /= out->predictions;
    if (out->pairs) out->nsp_loss /= out->pairs, out->nsp_acc /= out->pairs;
}

/* The held-out line of the training log: the same pairs each time (the stream rewound to start). */
static void eval_held(Bert *m, BertPairStream *held, const char *start, BertBatch *b, BertExample *e, int npairs,
                      int B, long step, int quiet, BertEval *out) {
    BertEval ev;
    char err[ERR_LEN];
    if (bert_stream_set_state(held, start, err)) die("held-out stream: %s", err); /* its own state: cannot fail */
    bert_evaluate(m, held, b, e, npairs, B, &ev);
    if (!quiet)
        fprintf(stderr, "held-out at step %ld (%ld pairs, %ld predictions): MLM loss %.4f accuracy %.1f%% | NSP loss "
                "%.4f accuracy %.1f%%\n", step, ev.pairs, ev.predictions, ev.mlm_loss, 100 * ev.mlm_acc, ev.nsp_loss,
                100 * ev.nsp_acc);
    if (out) *out = ev;
}

int bert_eval_corpus(Bert *m, const BertTokenizer *t, const char *corpus, int doc_lines, int holdout_every,
                     int npairs, uint64_t seed, char *err) {
    size_t len;
    char *text = corpus_read(corpus, &len, err);
    if (!text) return -1;
    BertDocs docs;
    bert_docs_init(&docs);
    EncodeCtx ectx = {t, {0}};
    bert_docs_from_text(&docs, text, len, doc_lines, encode_line, &ectx);
    bert_ids_free(&ectx.ids);
    free(text);
    BertSpecials sp = {t->pad_id, t->cls_id, t->sep_id, t->mask_id, 5, t->n};
    if (t->pad_id != 0 || t->unk_id != 1 || t->cls_id != 2 || t->sep_id != 3 || t->mask_id != 4) sp.first_normal = 0;
    int maxT = m->maxT, B = m->maxB;
    BertPairStream held;
    if (bert_stream_init(&held, &docs, holdout_every, 1, maxT, &sp, seed + 7919, err)) {
        bert_docs_free(&docs);
        return -1;
    }
    BertBatch batch;
    BertExample ex;
    bert_batch_init(&batch, B, maxT);
    bert_example_init(&ex, maxT);
    BertEval ev;
    bert_evaluate(m, &held, &batch, &ex, npairs, B, &ev);
    printf("held-out documents: %d of %d (every %d-th), never seen in pretraining\n", held.ndocs, docs.ndoc,
           holdout_every);
    printf("pairs: %ld, half of them with a random sentence B; max_seq_len %d\n", ev.pairs, maxT);
    printf("NSP accuracy: %.1f%% (loss %.4f; chance: 50%%)\n", 100 * ev.nsp_acc, ev.nsp_loss);
    printf("MLM accuracy: %.1f%% over %ld predicted tokens (loss %.4f; perplexity %.1f)\n", 100 * ev.mlm_acc,
           ev.predictions, ev.mlm_loss, exp(ev.mlm_loss));
    bert_batch_free(&batch);
    bert_example_free(&ex);
    bert_stream_free(&held);
    bert_docs_free(&docs);
    return 0;
}

/* ---- the trainer state ------------------------------------------------------------------------ */

/* FNV-1a over the weights' bytes: the trainer state names the model it belongs to, so a model
 * saved after a state that never got written (a crash in between) is noticed on resume. */
static uint64_t weights_hash(const Params *p) {
    const unsigned char *b = (const unsigned char *)p->data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < p->total * sizeof(float); i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

typedef struct {
    long step, adam_t, steps, warmup;
    int batch, max_seq_len, doc_lines, holdout_every;
    double lr, weight_decay, dropout;
    uint64_t seed, dropout_rng, hash;
    char data[256];
    char corpus[320];
} TrainerState;

typedef struct {
    const char *kv[2 * 20];
    char val[20][320];
    int n;
} Meta;
static void meta_add(Meta *m, const char *key, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void meta_add(Meta *m, const char *key, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->val[m->n], sizeof m->val[m->n], fmt, ap);
    va_end(ap);
    m->kv[2 * m->n] = key, m->kv[2 * m->n + 1] = m->val[m->n];
    m->n++;
}

static int save_state(const char *dir, const TrainerState *ts, const AdamState *adam, char *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, TRAINER_FILE);
    Meta mt;
    mt.n = 0;
    meta_add(&mt, "format", "%s", TRAINER_FORMAT);
    meta_add(&mt, "version", "%s", TRAINER_VERSION);
    meta_add(&mt, "step", "%ld", ts->step);
    meta_add(&mt, "adam_t", "%ld", ts->adam_t);
    meta_add(&mt, "steps", "%ld", ts->steps);
    meta_add(&mt, "warmup", "%ld", ts->warmup);
    meta_add(&mt, "batch", "%d", ts->batch);
    meta_add(&mt, "max_seq_len", "%d", ts->max_seq_len);
    meta_add(&mt, "doc_lines", "%d", ts->doc_lines);
    meta_add(&mt, "holdout_every", "%d", ts->holdout_every);
    meta_add(&mt, "lr", "%.17g", ts->lr);
    meta_add(&mt, "weight_decay", "%.17g", ts->weight_decay);
    meta_add(&mt, "dropout", "%.17g", ts->dropout);
    meta_add(&mt, "seed", "%" PRIu64, ts->seed);
    meta_add(&mt, "dropout_rng", "%" PRIu64, ts->dropout_rng);
    meta_add(&mt, "model_hash", "%016" PRIx64, ts->hash);
    meta_add(&mt, "data", "%s", ts->data);
    meta_add(&mt, "corpus", "%.300s", ts->corpus);
    int64_t shape[1] = {(int64_t)adam->n};
    StTensorRef t[2] = {{"adam.m", adam->m, 1, shape}, {"adam.v", adam->v, 1, shape}};
    return st_save(path, t, 2, mt.kv, mt.n, err);
}

static int meta_long(const SafeTensors *st, const char *key, long *out, const char *path, char *err) {
    const char *s = st_meta(st, key);
    char *end;
    if (!s) return set_err(err, "%s: no '%s' in the metadata", path, key);
    long long v = strtoll(s, &end, 10);
    if (*end || end == s) return set_err(err, "%s: '%s' = '%s' is not a number", path, key, s);
    *out = (long)v;
    return 0;
}
static int meta_u64(const SafeTensors *st, const char *key, uint64_t *out, int base, const char *path, char *err) {
    const char *s = st_meta(st, key);
    char *end;
    if (!s) return set_err(err, "%s: no '%s' in the metadata", path, key);
    *out = (uint64_t)strtoull(s, &end, base);
    if (*end || end == s) return set_err(err, "%s: '%s' = '%s' is not a number", path, key, s);
    return 0;
}
static int meta_double(const SafeTensors *st, const char *key, double *out, const char *path, char *err) {
    const char *s = st_meta(st, key);
    char *end;
    if (!s) return set_err(err, "%s: no '%s' in the metadata", path, key);
    *out = strtod(s, &end);
    if (*end || end == s) return set_err(err, "%s: '%s' = '%s' is not a number", path, key, s);
    return 0;
}

/* Read the trainer state; the moments go to adam (allocated for n parameters). */
static int load_state(const char *dir, TrainerState *ts, AdamState *adam, char *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, TRAINER_FILE);
    SafeTensors st;
    if (st_load(path, &st, err)) return -1;
    int rc = -1;
    long v;
    const char *fmt = st_meta(&st, "format"), *ver = st_meta(&st, "version"), *s;
    if (!fmt || strcmp(fmt, TRAINER_FORMAT) || !ver || strcmp(ver, TRAINER_VERSION)) {
        set_err(err, "%s: not a trainer state of this program (format '%s' version '%s')", path, fmt ? fmt : "?",
                ver ? ver : "?");
        goto done;
    }
    if (meta_long(&st, "step", &ts->step, path, err) || meta_long(&st, "adam_t", &ts->adam_t, path, err) ||
        meta_long(&st, "steps", &ts->steps, path, err) || meta_long(&st, "warmup", &ts->warmup, path, err) ||
        meta_double(&st, "lr", &ts->lr, path, err) || meta_double(&st, "weight_decay", &ts->weight_decay, path, err) ||
        meta_double(&st, "dropout", &ts->dropout, path, err) || meta_u64(&st, "seed", &ts->seed, 10, path, err) ||
        meta_u64(&st, "dropout_rng", &ts->dropout_rng, 10, path, err) ||
        meta_u64(&st, "model_hash", &ts->hash, 16, path, err))
        goto done;
    if (meta_long(&st, "batch", &v, path, err)) goto done;
    ts->batch = (int)v;
    if (meta_long(&st, "max_seq_len", &v, path, err)) goto done;
    ts->max_seq_len = (int)v;
    if (meta_long(&st, "doc_lines", &v, path, err)) goto done;
    ts->doc_lines = (int)v;
    if (meta_long(&st, "holdout_every", &v, path, err)) goto done;
    ts->holdout_every = (int)v;
    if (!(s = st_meta(&st, "data"))) {
        set_err(err, "%s: no 'data' position in the metadata", path);
        goto done;
    }
    snprintf(ts->data, sizeof ts->data, "%s", s);
    snprintf(ts->corpus, sizeof ts->corpus, "%s", (s = st_meta(&st, "corpus")) ? s : "");
    if (ts->step < 0 || ts->batch < 1 || ts->max_seq_len < 8) {
        set_err(err, "%s: step %ld, batch %d, max_seq_len %d make no sense", path, ts->step, ts->batch,
                ts->max_seq_len);
        goto done;
    }
    int64_t shape[1] = {(int64_t)adam->n};
    if (st_read_f32(&st, "adam.m", adam->m, 1, shape, err) || st_read_f32(&st, "adam.v", adam->v, 1, shape, err))
        goto done;
    adam->t = ts->adam_t;
    rc = 0;
done:
    st_free(&st);
    return rc;
}

static int save_all(const char *dir, const Bert *m, const BertTokenizer *tok, TrainerState *ts,
                    const AdamState *adam, char *err) {
    /* the model first, the state last: a state always describes a model already on disk */
    if (bert_dir_save(dir, m, tok, NULL, 0, err)) return -1;
    ts->hash = weights_hash(&m->p);
    return save_state(dir, ts, adam, err);
}

/* Data parallelism (dist.h, issue 10): every process draws the whole batch from the same stream,
 * so example i of step s, its sentence pair and its masks are the same whatever the number of
 * processes; each process then computes only its slice of the batch, weighting its two losses by
 * its share of the batch's masked positions and sequences, and the summed gradients are the whole
 * batch's. The cost of drawing examples nobody here computes is small (well under 1% of a step).
 * Dropout masks are drawn per process, so with dropout the runs agree in distribution only. */
static BertLosses slice_grads(Bert *m, const BertBatch *b, int *lpos, int *ltgt, Rng *drop) {
    int first, count, T = b->T;
    dist_slice(b->B, &first, &count);
    int nl = 0;
    for (int k = 0; k < b->n_mlm; k++) {
        int p = b->mlm_pos[k] - first * T;
        if (p >= 0 && p < count * T) lpos[nl] = p, ltgt[nl++] = b->mlm_target[k];
    }
    int global_pred = 0;
    for (int k = 0; k < b->n_mlm; k++) global_pred += b->mlm_target[k] >= 0;
    BertLosses L = bert_pretrain_grads_weighted(m, b->ids + (size_t)first * T, b->segs + (size_t)first * T,
                                                b->pad + (size_t)first * T, count, T, lpos, ltgt, nl,
                                                b->nsp + first, drop, global_pred ? (float)nl / global_pred : 0,
                                                (float)count / b->B);
    dist_sum_floats(m->p.grad, m->p.total);
    double s[5] = {L.mlm_loss * L.mlm_count, L.mlm_acc * L.mlm_count, L.nsp_loss * count, L.nsp_acc * count,
                   L.mlm_count};
    dist_sum_doubles(s, 5);
    L.mlm_count = (int)s[4];
    L.mlm_loss = s[4] > 0 ? s[0] / s[4] : 0, L.mlm_acc = s[4] > 0 ? s[1] / s[4] : 0;
    L.nsp_loss = s[2] / b->B, L.nsp_acc = s[3] / b->B;
    return L;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- the loop ---------------------------------------------------------------------------------- */
int bert_pretrain(const PretrainOptions *opt, PretrainResult *r, char *err) {
    PretrainOptions o = *opt;
    memset(r, 0, sizeof *r);
    r->eval_mlm_acc = r->eval_nsp_acc = -1;
    stop_requested = 0;
    if (o.threads > 0) set_num_threads(o.threads);
    if (dist_rank() != 0) o.quiet = 1; /* under MPI one process speaks (and writes, below) */
    char e2[ERR_LEN];
    int rc = -1;
    const char *from = o.resume ? o.resume : o.model;
    BertTokenizer tok;
    memset(&tok, 0, sizeof tok);
    Bert m;
    memset(&m, 0, sizeof m);
    AdamState adam;
    memset(&adam, 0, sizeof adam);
    BertDocs docs;
    bert_docs_init(&docs);
    BertPairStream train, held;
    memset(&train, 0, sizeof train), memset(&held, 0, sizeof held);
    BertBatch batch;
    memset(&batch, 0, sizeof batch);
    BertExample ex;
    memset(&ex, 0, sizeof ex);
    double *step_ms = NULL;
    int *lpos = NULL, *ltgt = NULL;
    char *text = NULL;
    TrainerState ts;
    memset(&ts, 0, sizeof ts);

    /* 1. the trainer state fixes everything that shapes the run, so the resumed half is the same
     *    run as an uninterrupted one */
    if (o.resume) {
        BertConfig c;
        if (bert_load_config(o.resume, &c, err)) goto out;
        adam_init(&adam, bert_num_params(&c));
        if (load_state(o.resume, &ts, &adam, err)) goto out;
        o.batch = ts.batch, o.max_seq_len = ts.max_seq_len, o.doc_lines = ts.doc_lines;
        o.holdout_every = ts.holdout_every, o.lr = ts.lr, o.weight_decay = ts.weight_decay, o.dropout = ts.dropout;
        o.warmup = ts.warmup, o.seed = ts.seed;
        if (o.steps <= 0) o.steps = ts.steps;
        if (!o.corpus || !*o.corpus) o.corpus = ts.corpus;
        if (ts.step >= o.steps) {
            set_err(err, "%s has already done %ld of %ld steps: give a larger --steps to go on", o.resume, ts.step,
                    o.steps);
            goto out;
        }
    }
    if (!o.out) o.out = o.resume;
    if (o.steps <= 0) o.steps = 1000;
    if (!o.corpus || !*o.corpus) {
        set_err(err, "no corpus given (--corpus FILE)");
        goto out;
    }

    /* 2. text and vocabulary */
    size_t len;
    if (!(text = corpus_read(o.corpus, &len, err))) goto out;
    double t0 = now_seconds();
    if (from) {
        if (bert_dir_open(from, &m, &tok, o.batch, o.max_seq_len, NULL, err)) goto out;
        if (m.cfg.position == BERT_POS_ABSOLUTE && o.max_seq_len > m.cfg.max_pos) {
            set_err(err, "--max-seq-len %d is longer than the model's max_position_embeddings %d", o.max_seq_len,
                    m.cfg.max_pos);
            goto out;
        }
    } else {
        if (o.vocab) {
            if (bert_tok_load(&tok, o.vocab, o.do_lower_case, err)) goto out;
        } else {
            BertTrainOpts to = bert_train_defaults();
            to.vocab_size = o.vocab_size, to.do_lower_case = o.do_lower_case, to.verbose = !o.quiet;
            to.min_count = o.min_count, to.min_pair_count = (int)o.min_pair_count;
            to.by_frequency = o.merge_by_frequency;
            if (bert_tok_train_opts(&tok, text, len, &to, err)) goto out;
        }
        BertConfig c = bert_config_default();
        c.vocab_size = tok.n, c.hidden = o.hidden, c.layers = o.layers, c.heads = o.heads;
        c.intermediate = o.intermediate, c.max_pos = o.max_seq_len;
        c.hidden_dropout = c.attn_dropout = (float)o.dropout;
        c.position = o.relative ? BERT_POS_RELATIVE : BERT_POS_ABSOLUTE;
        if (bert_config_check(&c, err) || bert_init(&m, &c, o.batch, o.max_seq_len, err)) goto out;
        Rng init;
        rng_seed(&init, o.seed);
        bert_init_weights(&m, &init);
    }
    if (o.resume && weights_hash(&m.p) != ts.hash) {
        set_err(err, "%s: the trainer state does not belong to this model.safetensors (a save interrupted between "
                "the two files?); start again or restore both", o.resume);
        goto out;
    }
    if (!o.quiet)
        fprintf(stderr, "vocabulary: %d WordPiece tokens (%s, %.1f s)\n", tok.n,
                from ? "from the model directory" : o.vocab ? o.vocab : "trained on the corpus", now_seconds() - t0);

    /* 3. documents and the two streams (held-out documents never train) */
    t0 = now_seconds();
    EncodeCtx ectx = {&tok, {0}};
    bert_docs_from_text(&docs, text, len, o.doc_lines, encode_line, &ectx);
    bert_ids_free(&ectx.ids);
    free(text), text = NULL;
    BertSpecials sp = {tok.pad_id, tok.cls_id, tok.sep_id, tok.mask_id, 5, tok.n};
    if (tok.pad_id != 0 || tok.unk_id != 1 || tok.cls_id != 2 || tok.sep_id != 3 || tok.mask_id != 4) {
        /* a published vocabulary (bert-base-chinese: [PAD]=0 [UNK]=100 [CLS]=101 ...): specials are
         * wherever they are; random replacements then may hit an unused slot, as in Google's code */
        sp.first_normal = 0;
    }
    if (tok.mask_id < 0) {
        set_err(err, "the vocabulary has no [MASK] token: it cannot be used for masked-LM pretraining");
        goto out;
    }
    if (bert_stream_init(&train, &docs, o.holdout_every, 0, o.max_seq_len, &sp, o.seed, err)) goto out;
    if (o.holdout_every > 0 && bert_stream_init(&held, &docs, o.holdout_every, 1, o.max_seq_len, &sp,
                                                o.seed + 7919, e2)) {
        if (!o.quiet) fprintf(stderr, "no held-out evaluation: %s\n", e2);
        memset(&held, 0, sizeof held);
    }
    /* every evaluation scores the same held-out pairs (and masks): the stream restarts here */
    char held_start[sizeof ts.data];
    if (held.docs) bert_stream_get_state(&held, held_start, sizeof held_start);
    if (!o.quiet)
        fprintf(stderr, "corpus %s: %d documents, %d sentences, %zu tokens (%.1f s); %d documents for training, "
                "%d held out\n", o.corpus, docs.ndoc, docs.nsent, docs.nids, now_seconds() - t0, train.ndocs,
                held.ndocs);

    /* 4. optimiser, schedule, and where we start */
    AdamConfig ac = adam_defaults();
    ac.beta1 = 0.9f, ac.beta2 = 0.999f, ac.eps = 1e-6f, ac.weight_decay = (float)o.weight_decay, ac.decoupled = 1;
    LrSchedule sched = {(float)o.lr, o.warmup, o.steps, LR_LINEAR};
    Rng drop;
    long start = 0;
    if (o.resume) {
        if (bert_stream_set_state(&train, ts.data, err)) goto out;
        drop.state = ts.dropout_rng;
        start = ts.step;
    } else {
        adam_init(&adam, m.p.total);
        rng_seed(&drop, o.seed + 1);
    }
    long stop = o.stop_at > 0 && o.stop_at < o.steps ? o.stop_at : o.steps;
    if (stop <= start) {
        set_err(err, "--stop-at %ld is not after the resumed step %ld", o.stop_at, start);
        goto out;
    }
    ts.steps = o.steps, ts.warmup = o.warmup, ts.batch = o.batch, ts.max_seq_len = o.max_seq_len;
    ts.doc_lines = o.doc_lines, ts.holdout_every = o.holdout_every, ts.lr = o.lr, ts.weight_decay = o.weight_decay;
    ts.dropout = o.dropout, ts.seed = o.seed;
    if (o.corpus != ts.corpus) snprintf(ts.corpus, sizeof ts.corpus, "%s", o.corpus);
    bert_batch_init(&batch, o.batch, o.max_seq_len);
    bert_example_init(&ex, o.max_seq_len);
    int nproc = dist_size(), rank0 = dist_rank() == 0;
    if (nproc > o.batch) {
        set_err(err, "%d processes for a batch of %d: each process needs at least one sequence", nproc, o.batch);
        goto out;
    }
    lpos = xmalloc(sizeof(int) * (size_t)o.batch * (size_t)o.max_seq_len);
    ltgt = xmalloc(sizeof(int) * (size_t)o.batch * (size_t)o.max_seq_len);
    if (!o.quiet) {
        fprintf(stderr, "model: %d layers, hidden %d, %d heads, FFN %d, vocabulary %d, max_seq_len %d, %s positions: "
                "%zu parameters\n", m.cfg.layers, m.cfg.hidden, m.cfg.heads, m.cfg.intermediate, m.cfg.vocab_size,
                o.max_seq_len, m.cfg.position == BERT_POS_RELATIVE ? "relative" : "absolute", m.p.total);
        fprintf(stderr, "training: steps %ld..%ld of %ld, batch %d, AdamW lr %.1e (warm-up %ld, linear decay), "
                "weight decay %.2g, dropout %.2g, clip 1.0, %d thread%s\n", start + 1, stop, o.steps, o.batch,
                o.lr, o.warmup, o.weight_decay, o.dropout, num_threads(), num_threads() == 1 ? "" : "s");
        if (nproc > 1)
            fprintf(stderr, "data parallel: %d processes (MPI), each computing %d or %d of the batch's %d sequences; "
                    "gradients summed by MPI_Allreduce\n", nproc, o.batch / nproc, (o.batch + nproc - 1) / nproc,
                    o.batch);
    }

    /* 5. the steps */
    long log_every = o.log_every > 0 ? o.log_every : (o.steps / 20 > 0 ? o.steps / 20 : 1);
    step_ms = xmalloc(sizeof(double) * (size_t)(stop - start));
    Progress prog;
    progress_start(&prog, o.steps, "tok");
    double tokens = 0, win[4] = {0, 0, 0, 0};
    long win_n = 0, win_pred = 0, step = start;
    while (step < stop) {
        double ts0 = now_seconds();
        bert_batch_fill(&batch, &train, &ex, o.batch);
        params_zero_grad(&m.p);
        BertLosses L = nproc > 1 ? slice_grads(&m, &batch, lpos, ltgt, o.dropout > 0 ? &drop : NULL)
                                 : bert_pretrain_grads(&m, batch.ids, batch.segs, batch.pad, batch.B, batch.T,
                                                       batch.mlm_pos, batch.mlm_target, batch.n_mlm, batch.nsp,
                                                       o.dropout > 0 ? &drop : NULL);
        if (!isfinite(L.mlm_loss) || !isfinite(L.nsp_loss)) {
            set_err(err, "step %ld: the loss is not finite (MLM %g, NSP %g); lower --lr (now %g) or raise --warmup",
                    step + 1, L.mlm_loss, L.nsp_loss, o.lr);
            r->stopped_nonfinite = 1;
            goto out;
        }
        float norm = clip_grad_norm(m.p.grad, m.p.total, 1.0f);
        if (!isfinite(norm)) {
            set_err(err, "step %ld: the gradient norm is not finite (%g); lower --lr (now %g)", step + 1, norm, o.lr);
            r->stopped_nonfinite = 1;
            goto out;
        }
        float lr = lr_at(&sched, step);
        adam_step(&adam, &ac, lr, &m.p);
        step_ms[step - start] = 1000 * (now_seconds() - ts0);
        step++;
        tokens += batch.real_tokens;
        win[0] += L.mlm_loss * L.mlm_count, win[1] += L.mlm_acc * L.mlm_count;
        win[2] += L.nsp_loss * batch.B, win[3] += L.nsp_acc * batch.B;
        win_pred += L.mlm_count, win_n += batch.B;
        if (nproc > 1) stop_requested = dist_max(stop_requested) > 0; /* all stop at the same step */
        int last = step == stop || stop_requested;
        if (step % log_every == 0 || step == start + 1 || last) {
            r->mlm_loss = win[0] / (win_pred ? win_pred : 1), r->mlm_acc = win[1] / (win_pred ? win_pred : 1);
            r->nsp_loss = win[2] / (win_n ? win_n : 1), r->nsp_acc = win[3] / (win_n ? win_n : 1);
            if (!o.quiet) {
                char rate[32];
                double el = progress_elapsed(&prog);
                fprintf(stderr, "step %6ld/%ld | mlm %.4f acc %5.1f%% | nsp %.4f acc %5.1f%% | lr %.1e | %.1f s | %s tok/s\n",
                        step, o.steps, r->mlm_loss, 100 * r->mlm_acc, r->nsp_loss, 100 * r->nsp_acc, lr, el,
                        format_count(tokens / (el > 0 ? el : 1), rate, sizeof rate));
            }
            memset(win, 0, sizeof win), win_n = win_pred = 0;
        }
        if (o.eval_every > 0 && step % o.eval_every == 0 && !last && held.ndocs >= 2 && rank0)
            eval_held(&m, &held, held_start, &batch, &ex, o.eval_pairs, o.batch, step, o.quiet, NULL);
        if (o.save_every > 0 && step % o.save_every == 0 && !last) {
            ts.step = step, ts.adam_t = adam.t, ts.dropout_rng = drop.state;
            bert_stream_get_state(&train, ts.data, sizeof ts.data);
            if (rank0 && save_all(o.out, &m, &tok, &ts, &adam, err)) goto out;
        }
        if (stop_requested) break;
    }
    r->steps_done = step;
    r->seconds = progress_elapsed(&prog);

    /* 6. save: model directory + trainer state */
    ts.step = step, ts.adam_t = adam.t, ts.dropout_rng = drop.state;
    bert_stream_get_state(&train, ts.data, sizeof ts.data);
    if (rank0 && save_all(o.out, &m, &tok, &ts, &adam, err)) goto out;
    if (!o.quiet) {
        fprintf(stderr, "saved %s (model, vocabulary, trainer state at step %ld of %ld)\n", o.out, step, o.steps);
        if (step < o.steps) fprintf(stderr, "stopped early: continue with --resume %s\n", o.out);
    }

    /* 7. held-out pairs: NSP and MLM accuracy on documents never trained on */
    if (held.ndocs >= 2 && rank0) {
        BertEval ev;
        eval_held(&m, &held, held_start, &batch, &ex, o.eval_pairs, o.batch, step, o.quiet, &ev);
        r->eval_mlm_acc = ev.mlm_acc, r->eval_nsp_acc = ev.nsp_acc;
    }
    long n = stop < step ? stop - start : step - start;
    qsort(step_ms, (size_t)n, sizeof *step_ms, cmp_double);
    r->median_step_ms = n ? (n % 2 ? step_ms[n / 2] : 0.5 * (step_ms[n / 2 - 1] + step_ms[n / 2])) : 0;
    r->peak_rss = peak_rss_bytes();
    rc = 0;
out:
    free(text), free(step_ms), free(lpos), free(ltgt);
    bert_example_free(&ex);
    bert_batch_free(&batch);
    if (train.docs) bert_stream_free(&train);
    if (held.docs) bert_stream_free(&held);
    bert_docs_free(&docs);
    adam_free(&adam);
    if (m.p.data) bert_free(&m);
    bert_tok_free(&tok);
    return rc;
}
