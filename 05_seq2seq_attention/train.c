/* train.c - batches, the training loop, evaluation (see train.h). Chapter 05, claims C13 and C14. */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "optim.h"
#include "platform.h"
#include "progress.h"
#include "search.h"
#include "util.h"

/* ==== batches ==================================================================================== */

void s2s_plan_batches(S2SBatchPlan *p, const TaskSplit *s, const int *which, int n, int maxB, Rng *rng) {
    if (maxB < 1) die("s2s_plan_batches: batch size %d", maxB);
    memset(p, 0, sizeof *p);
    int maxS = 0;
    for (int i = 0; i < n; i++) {
        int L = s->ex[which ? which[i] : i].src_len;
        if (L > maxS) maxS = L;
    }
    /* counting sort by source length: bucket L holds order[first[L] .. first[L+1]) */
    int *first = xcalloc((size_t)maxS + 2, sizeof *first), *fill = xcalloc((size_t)maxS + 2, sizeof *fill);
    for (int i = 0; i < n; i++) first[s->ex[which ? which[i] : i].src_len + 1]++;
    for (int L = 1; L <= maxS + 1; L++) first[L] += first[L - 1];
    p->order = xmalloc(xmul((size_t)(n ? n : 1), sizeof *p->order));
    for (int i = 0; i < n; i++) {
        int L = s->ex[which ? which[i] : i].src_len;
        p->order[first[L] + fill[L]++] = which ? which[i] : i;
    }
    int nb = 0;
    for (int L = 0; L <= maxS; L++) nb += (first[L + 1] - first[L] + maxB - 1) / maxB;
    p->start = xmalloc(xmul((size_t)nb + 1, sizeof *p->start));
    int *len = xmalloc(xmul((size_t)(nb ? nb : 1), sizeof *len));
    for (int L = 0; L <= maxS; L++) {
        int a = first[L], z = first[L + 1];
        if (rng && z > a) rng_shuffle(rng, p->order + a, (size_t)(z - a));
        for (int i = a; i < z; i += maxB) {
            p->start[p->nbatches] = i;
            len[p->nbatches++] = z - i < maxB ? z - i : maxB;
        }
    }
    if (rng && nb > 1) { /* shuffle the batches: permute (start, len) pairs together */
        int *perm = xmalloc(xmul((size_t)nb, sizeof *perm)), *o2 = xmalloc(xmul((size_t)(n ? n : 1), sizeof *o2));
        for (int i = 0; i < nb; i++) perm[i] = i;
        rng_shuffle(rng, perm, (size_t)nb);
        int at = 0;
        int *st2 = xmalloc(xmul((size_t)nb, sizeof *st2));
        for (int i = 0; i < nb; i++) {
            memcpy(o2 + at, p->order + p->start[perm[i]], (size_t)len[perm[i]] * sizeof(int));
            st2[i] = at;
            at += len[perm[i]];
        }
        free(p->order), p->order = o2;
        memcpy(p->start, st2, (size_t)nb * sizeof(int));
        free(perm), free(st2);
    }
    p->start[nb] = n;
    free(first), free(fill), free(len);
}

void s2s_plan_free(S2SBatchPlan *p) {
    free(p->order), free(p->start);
    memset(p, 0, sizeof *p);
}

/* Pointers to the examples of batch i. */
static int batch_examples(const S2SBatchPlan *p, const TaskSplit *s, int i, const TaskExample **ex) {
    int B = p->start[i + 1] - p->start[i];
    for (int k = 0; k < B; k++) ex[k] = &s->ex[p->order[p->start[i] + k]];
    return B;
}

/* ==== training =================================================================================== */

/* CPU time of the whole process (every thread), from the C library's clock(). */
static double cpu_seconds(void) { return (double)clock() / CLOCKS_PER_SEC; }

S2STrainOptions s2s_train_defaults(void) {
    return (S2STrainOptions){.batch = 32, .steps = 0, .seconds = 30, .lr = 3e-3f, .cosine = 0, .clip = 5.0f,
                             .print_every = 200, .seed = 1};
}

void s2s_train(S2SModel *m, const TaskSplit *train, const S2STrainOptions *o, S2STrainResult *r) {
    if (o->steps <= 0 && o->seconds <= 0 && o->cpu_seconds <= 0) die("s2s_train: give a step or a time budget");
    if (o->batch < 1 || o->batch > m->maxB) die("s2s_train: batch %d outside [1, %d]", o->batch, m->maxB);
    if (train->n < 1) die("s2s_train: no training pairs");
    memset(r, 0, sizeof *r);
    Rng rng;
    rng_seed(&rng, o->seed);
    S2SBatch b;
    s2s_batch_alloc(&b, m->maxB, m->maxS, m->maxT);
    const TaskExample **ex = xmalloc(xmul((size_t)o->batch, sizeof *ex));
    AdamState adam;
    adam_init(&adam, m->p.total);
    AdamConfig ac = adam_defaults();
    Progress pr;
    progress_start(&pr, o->steps, "tok");
    S2SBatchPlan plan = {0};
    int next = 0;
    double window_loss = 0;
    long window_n = 0, window = o->print_every > 0 ? o->print_every : 100;
    int first_window = 1;
    double cpu0 = cpu_seconds();
    while ((o->steps <= 0 || r->steps < o->steps) && (o->seconds <= 0 || progress_elapsed(&pr) < o->seconds) &&
           (o->cpu_seconds <= 0 || cpu_seconds() - cpu0 < o->cpu_seconds)) {
        if (next >= plan.nbatches) { /* a new epoch */
            s2s_plan_free(&plan);
            s2s_plan_batches(&plan, train, NULL, train->n, o->batch, &rng);
            next = 0, r->epochs++;
        }
        int B = batch_examples(&plan, train, next++, ex);
        s2s_batch_make(&b, ex, B);
        params_zero_grad(&m->p);
        float loss = s2s_forward(m, &b, 1, &rng);
        s2s_backward(m);
        float norm = o->clip > 0 ? clip_grad_norm(m->p.grad, m->p.total, o->clip) : 0;
        if (!isfinite(loss) || !isfinite(norm)) { /* stop before the bad step reaches the weights */
            const char *bad = params_nonfinite(&m->p, 1);
            die("training diverged at step %ld (loss %g, first non-finite gradient: %s); lower --lr or --clip",
                r->steps + 1, loss, bad ? bad : "none");
        }
        float lr = o->lr;
        if (o->cosine) { /* the fraction of the budget used decides, so a time budget decays too */
            double f = o->steps > 0 ? (double)r->steps / o->steps
                       : o->seconds > 0 ? progress_elapsed(&pr) / o->seconds
                                        : (cpu_seconds() - cpu0) / o->cpu_seconds;
            lr = o->lr * (float)(0.05 + 0.95 * 0.5 * (1 + cos(3.14159265358979 * (f < 1 ? f : 1))));
        }
        adam_step(&adam, &ac, lr, &m->p);
        r->steps++, r->tokens += b.ntok;
        window_loss += loss, window_n++;
        if (r->steps % window == 0) {
            if (o->print_every > 0) progress_line(&pr, r->steps, window_loss / window_n, lr, r->tokens);
            if (first_window) r->first_loss = window_loss / window_n, first_window = 0;
            r->last_loss = window_loss / window_n;
            window_loss = 0, window_n = 0;
        }
    }
    if (window_n > 0 && (first_window || 2 * window_n >= window)) { /* a tail of at least half a window */
        r->last_loss = window_loss / window_n;
        if (first_window) r->first_loss = r->last_loss;
    }
    r->seconds = progress_elapsed(&pr);
    r->cpu_seconds = cpu_seconds() - cpu0;
    s2s_plan_free(&plan);
    adam_free(&adam);
    s2s_batch_free(&b);
    free(ex);
}

double s2s_eval_loss(S2SModel *m, const TaskSplit *s) {
    S2SBatchPlan plan;
    s2s_plan_batches(&plan, s, NULL, s->n, m->maxB, NULL);
    S2SBatch b;
    s2s_batch_alloc(&b, m->maxB, m->maxS, m->maxT);
    const TaskExample **ex = xmalloc(xmul((size_t)m->maxB, sizeof *ex));
    double sum = 0, ntok = 0;
    for (int i = 0; i < plan.nbatches; i++) {
        int B = batch_examples(&plan, s, i, ex);
        s2s_batch_make(&b, ex, B);
        sum += (double)s2s_forward(m, &b, 0, NULL) * b.ntok;
        ntok += b.ntok;
    }
    s2s_plan_free(&plan), s2s_batch_free(&b), free(ex);
    return ntok > 0 ? sum / ntok : 0;
}

/* ==== decoding a split =========================================================================== */

void s2s_decode_split(S2SModel *m, const TaskSplit *s, int beam, float len_alpha, int max_groups, S2SDecoded *d) {
    memset(d, 0, sizeof *d);
    d->head = xmalloc(xmul((size_t)(s->n ? s->n : 1), sizeof *d->head));
    for (int i = 0; i < s->n && (max_groups <= 0 || d->n < max_groups); i = task_group_end(s, i)) d->head[d->n++] = i;
    d->max_len = m->maxDecode;
    d->len = xcalloc((size_t)(d->n ? d->n : 1), sizeof *d->len);
    d->ids = xcalloc(xmul((size_t)(d->n ? d->n : 1), (size_t)d->max_len), sizeof *d->ids);
    double t0 = now_seconds();
    if (beam > 1) {
        for (int g = 0; g < d->n; g++) {
            const TaskExample *e = &s->ex[d->head[g]];
            d->len[g] = s2s_beam(m, e->src, e->src_len, beam, s2s_max_output(m, e->src_len), len_alpha,
                                 d->ids + (size_t)g * d->max_len, NULL);
        }
    } else {
        /* greedy in batches of equal source length; slot[k] maps batch rows back to groups */
        int *slot_of = xmalloc(xmul((size_t)(s->n ? s->n : 1), sizeof *slot_of));
        for (int g = 0; g < d->n; g++) slot_of[d->head[g]] = g;
        S2SBatchPlan plan;
        s2s_plan_batches(&plan, s, d->head, d->n, m->maxB, NULL);
        int *src = xmalloc(xmul((size_t)m->maxS * m->maxB, sizeof *src));
        int *out = xmalloc(xmul((size_t)m->maxB * d->max_len, sizeof *out)), *len = xmalloc((size_t)m->maxB * sizeof *len);
        for (int i = 0; i < plan.nbatches; i++) {
            int a = plan.start[i], B = plan.start[i + 1] - a, S = s->ex[plan.order[a]].src_len;
            for (int k = 0; k < B; k++)
                for (int t = 0; t < S; t++) src[t * B + k] = s->ex[plan.order[a + k]].src[t];
            int L = s2s_max_output(m, S);
            s2s_greedy(m, src, S, B, L, out, len, NULL, NULL);
            for (int k = 0; k < B; k++) {
                int g = slot_of[plan.order[a + k]];
                d->len[g] = len[k];
                memcpy(d->ids + (size_t)g * d->max_len, out + (size_t)k * L, (size_t)len[k] * sizeof(int));
            }
        }
        s2s_plan_free(&plan);
        free(slot_of), free(src), free(out), free(len);
    }
    d->seconds = now_seconds() - t0;
}

void s2s_decoded_free(S2SDecoded *d) {
    free(d->head), free(d->len), free(d->ids);
    memset(d, 0, sizeof *d);
}

double s2s_bleu(const Task *t, const TaskSplit *s, const S2SDecoded *d, BleuStats *st, BleuStats *by_len, int max_len) {
    BleuStats all;
    bleu_init(&all);
    if (by_len)
        for (int L = 0; L <= max_len; L++) bleu_init(&by_len[L]);
    for (int g = 0; g < d->n; g++) {
        const int *hyp = d->ids + (size_t)g * d->max_len;
        task_bleu_add(&all, t, s, d->head[g], hyp, d->len[g]);
        if (by_len) {
            int L = s->ex[d->head[g]].src_len;
            task_bleu_add(&by_len[L < max_len ? L : max_len], t, s, d->head[g], hyp, d->len[g]);
        }
    }
    if (st) *st = all;
    return bleu_score(&all, NULL, NULL);
}

double s2s_exact_match(const TaskSplit *s, const S2SDecoded *d, int *correct, int *total, int max_len) {
    if (correct) memset(correct, 0, (size_t)(max_len + 1) * sizeof *correct);
    if (total) memset(total, 0, (size_t)(max_len + 1) * sizeof *total);
    int right = 0;
    for (int g = 0; g < d->n; g++) {
        const TaskExample *e = &s->ex[d->head[g]];
        int ok = d->len[g] == e->tgt_len && !memcmp(d->ids + (size_t)g * d->max_len, e->tgt, (size_t)e->tgt_len * sizeof(int));
        right += ok;
        int L = e->src_len < max_len ? e->src_len : max_len;
        if (correct) correct[L] += ok;
        if (total) total[L]++;
    }
    return d->n ? (double)right / d->n : 0;
}
