/* ch05.c - see ch05.h: chapter 05's model, batches and scores, called through a narrow interface.
 * This file includes chapter 05's (and through it chapter 04's) headers and none of chapter 06's. */
#include "ch05.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "05_seq2seq_attention/encdec.h"
#include "05_seq2seq_attention/search.h"
#include "05_seq2seq_attention/train.h"
#include "util.h"

void outputs_alloc(Outputs *d, const TaskSplit *s, int max_len) {
    memset(d, 0, sizeof *d);
    d->head = xmalloc(sizeof *d->head * (size_t)(s->n ? s->n : 1));
    for (int i = 0; i < s->n; i = task_group_end(s, i)) d->head[d->n++] = i;
    d->max_len = max_len;
    d->len = xcalloc((size_t)(d->n ? d->n : 1), sizeof *d->len);
    d->ids = xcalloc((size_t)(d->n ? d->n : 1) * (size_t)(max_len ? max_len : 1), sizeof *d->ids);
}

void outputs_free(Outputs *d) {
    free(d->head), free(d->len), free(d->ids);
    memset(d, 0, sizeof *d);
}

/* The same arrays seen as chapter 05's type (nothing copied). */
static S2SDecoded as_s2s(const Outputs *d) {
    return (S2SDecoded){.n = d->n, .max_len = d->max_len, .head = d->head, .len = d->len, .ids = d->ids,
                        .seconds = d->seconds};
}

void ch05_plan(EqualLengthBatches *p, const TaskSplit *s, const int *which, int n, int maxB) {
    S2SBatchPlan q;
    s2s_plan_batches(&q, s, which, n, maxB, NULL);
    *p = (EqualLengthBatches){q.order, q.start, q.nbatches};
}

void ch05_plan_free(EqualLengthBatches *p) {
    S2SBatchPlan q = {p->order, p->start, p->nbatches};
    s2s_plan_free(&q);
    memset(p, 0, sizeof *p);
}

int ch05_batches_per_epoch(const TaskSplit *s, int maxB) {
    EqualLengthBatches p;
    ch05_plan(&p, s, NULL, s->n, maxB);
    int n = p.nbatches;
    ch05_plan_free(&p);
    return n;
}

double ch05_bleu(const Task *t, const TaskSplit *s, const Outputs *d, BleuStats *by_len, int max_len) {
    S2SDecoded x = as_s2s(d);
    return s2s_bleu(t, s, &x, NULL, by_len, max_len);
}

double ch05_exact_match(const TaskSplit *s, const Outputs *d, int *correct, int *total, int max_len) {
    S2SDecoded x = as_s2s(d);
    return s2s_exact_match(s, &x, correct, total, max_len);
}

/* ---- the model ---------------------------------------------------------------------------------- */

struct Ch05Model {
    S2SModel m;
};

Ch05Config ch05_defaults(void) {
    return (Ch05Config){.cell = "gru", .attention = "additive", .layers = 1, .bidir = 1, .emb = 64, .hidden = 256,
                        .batch = 32, .lr = 3e-3f, .clip = 5.0f, .cosine = 1, .seed = 1, .print_every = 250};
}

Ch05Model *ch05_train(const Task *t, const Ch05Config *c, double seconds, double cpu_seconds, long steps,
                      Ch05Trained *r, char *err) {
    S2SConfig sc = s2s_defaults();
    if (cell_parse(c->cell, &sc.cell) || sc.cell == CELL_RNN) {
        snprintf(err, ERR_LEN, "chapter 05's cell must be gru or lstm, not '%s'", c->cell);
        return NULL;
    }
    if (attn_parse(c->attention, &sc.attn)) {
        snprintf(err, ERR_LEN, "chapter 05's attention must be additive, dot or none, not '%s'", c->attention);
        return NULL;
    }
    if (c->bidir && c->hidden % 2) {
        snprintf(err, ERR_LEN, "a bidirectional encoder needs an even hidden size, not %d", c->hidden);
        return NULL;
    }
    if (seconds <= 0 && cpu_seconds <= 0 && steps <= 0) {
        snprintf(err, ERR_LEN, "chapter 05's training needs a time or a step budget");
        return NULL;
    }
    sc.layers = c->layers, sc.bidir = c->bidir, sc.emb = c->emb, sc.hidden = c->hidden, sc.attn_dim = c->hidden;
    sc.src_vocab = t->src_vocab->n, sc.tgt_vocab = t->tgt_vocab->n;
    Ch05Model *m = xmalloc(sizeof *m);
    Rng rng;
    rng_seed(&rng, c->seed);
    /* the same capacities as chapter 05's experiments.c */
    s2s_init(&m->m, &sc, c->batch, t->max_src_len, t->max_tgt_len + 1, 2 * t->max_src_len + 10, &rng);
    memset(r, 0, sizeof *r);
    const char *cell = sc.cell == CELL_LSTM ? "LSTM" : "GRU";
    snprintf(r->label, sizeof r->label, "RNN+%s", sc.attn == ATTN_NONE ? "no attn" : attn_name(sc.attn));
    snprintf(r->description, sizeof r->description, "%s encoder (%d layer%s, %s, hidden %d), %s decoder, %s attention",
             cell, sc.layers, sc.layers > 1 ? "s" : "", sc.bidir ? "bidirectional" : "left to right", sc.hidden, cell,
             attn_name(sc.attn));
    r->params = s2s_num_params(&m->m);
    S2STrainOptions o = s2s_train_defaults();
    o.batch = c->batch, o.steps = steps, o.seconds = seconds, o.cpu_seconds = cpu_seconds, o.lr = c->lr, o.cosine = c->cosine;
    o.clip = c->clip, o.print_every = c->print_every, o.seed = c->seed;
    S2STrainResult tr;
    s2s_train(&m->m, &t->train, &o, &tr);
    r->steps = tr.steps, r->seconds = tr.seconds, r->cpu_seconds = tr.cpu_seconds, r->tokens = tr.tokens;
    return m;
}

double ch05_eval_loss(Ch05Model *m, const TaskSplit *s) { return s2s_eval_loss(&m->m, s); }

void ch05_decode(Ch05Model *m, const TaskSplit *s, Outputs *d) {
    S2SDecoded x;
    s2s_decode_split(&m->m, s, 1, 1.0f, 0, &x);
    *d = (Outputs){.n = x.n, .max_len = x.max_len, .head = x.head, .len = x.len, .ids = x.ids, .seconds = x.seconds};
}

void ch05_free(Ch05Model *m) {
    if (!m) return;
    s2s_free(&m->m);
    free(m);
}
