/* glove.c - chapter 02: GloVe (Pennington, Socher and Manning 2014), the count-based way to the
 * same kind of vectors skip-gram learns.
 *
 * What it teaches (the article names word2vec and GloVe together as the ways to learn word
 * vectors from unlabelled text): word2vec predicts a word's neighbours window by window; GloVe
 * first counts, over the whole corpus, how much each pair of words occurs together (cooc.c), and
 * then asks the vectors to explain the logarithm of those counts:
 *
 *     w_i . c_j + bw_i + bc_j  ~  log X_ij     for every non-zero X_ij,
 *
 * in a weighted least-squares sense. The weight f(X_ij) = (X_ij / x_max)^0.75, capped at 1, keeps
 * the rare pairs (mostly noise) from counting as much as the frequent ones, and keeps "the" and
 * "and" from dominating. Why logarithms: a ratio of co-occurrence probabilities, P(k|ice) /
 * P(k|steam), large for k = solid and small for k = gas, becomes a difference of dot products, so
 * the meaningful ratios become directions in the space - the offsets of claim C3 again.
 * Each word gets two vectors (as a word, w, and as a context, c); by symmetry they learn the same
 * thing from different starting points, and the paper saves their sum, which is slightly better
 * than either.
 *
 * How it trains, as glove.c does: AdaGrad (each parameter's step divided by the root of the sum of
 * its past squared steps, so frequent words' rows take small steps and rare words' large ones),
 * over the non-zero entries shuffled once, each thread taking its slice of the shuffled array and
 * updating the shared rows without locks (the "Hogwild" argument of word2vec.c: two threads
 * rarely touch the same row at once). The step of each term is clipped at 100, as glove.c does.
 *
 * Builds on: cooc.c (the counts), word2vec.c (the corpus and vocabulary), vectors.c (the saved
 * format, identical to word2vec's). Leaves out: glove.c's reading of the shuffled file from disk
 * (the non-zeros are in memory here).
 */
#include "glove.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "platform.h"
#include "progress.h"
#include "rng.h"
#include "util.h"

/* ==== the parameters ============================================================================ */

size_t glove_model_size(const GloveModel *m) { return (size_t)m->V * (2 * (size_t)m->dim + 2); }

void glove_model_init(GloveModel *m, int V, int dim, int random, uint64_t seed) {
    m->V = V, m->dim = dim;
    size_t n = glove_model_size(m);
    m->data = xcalloc(n ? n : 1, sizeof(float));
    m->w = m->data;
    m->c = m->w + (size_t)V * dim;
    m->bw = m->c + (size_t)V * dim;
    m->bc = m->bw + V;
    if (random) {
        Rng r;
        rng_seed(&r, seed);
        for (size_t k = 0; k < n; k++) m->data[k] = (rng_uniform(&r) - 0.5f) / (float)dim;
    }
}

void glove_model_free(GloveModel *m) {
    free(m->data);
    memset(m, 0, sizeof *m);
}

/* ==== the objective: the reference forward and backward ======================================= */

double glove_weight(double x, double x_max, double power) { return x < x_max ? pow(x / x_max, power) : 1.0; }

/* w_i . c_j + bw_i + bc_j - log x: how far the model is from the log count */
static double residual(const GloveModel *m, const CoocEntry *e) {
    const float *w = m->w + (size_t)e->i * m->dim, *c = m->c + (size_t)e->j * m->dim;
    double s = 0;
    for (int k = 0; k < m->dim; k++) s += (double)w[k] * c[k];
    return s + m->bw[e->i] + m->bc[e->j] - log(e->x);
}

double glove_loss(const GloveModel *m, const CoocEntry *e, size_t n, double x_max, double power) {
    double J = 0;
    for (size_t k = 0; k < n; k++) {
        double r = residual(m, &e[k]);
        J += 0.5 * glove_weight(e[k].x, x_max, power) * r * r;
    }
    return J;
}

void glove_backward(const GloveModel *m, GloveModel *grad, const CoocEntry *e, size_t n, double x_max,
                    double power) {
    const int d = m->dim;
    for (size_t k = 0; k < n; k++) {
        /* dJ/d(residual) = f r; the residual is linear in every parameter */
        float g = (float)(glove_weight(e[k].x, x_max, power) * residual(m, &e[k]));
        const float *w = m->w + (size_t)e[k].i * d, *c = m->c + (size_t)e[k].j * d;
        float *gw = grad->w + (size_t)e[k].i * d, *gc = grad->c + (size_t)e[k].j * d;
        for (int t = 0; t < d; t++) gw[t] += g * c[t], gc[t] += g * w[t];
        grad->bw[e[k].i] += g;
        grad->bc[e[k].j] += g;
    }
}

/* ==== training ================================================================================== */

GloveConfig glove_config_default(void) {
    GloveConfig c;
    c.dim = 100;
    c.epochs = 15;
    c.threads = 2;
    c.x_max = 100;
    c.power = 0.75;
    c.eta = 0.05;
    c.seed = 1;
    c.verbose = 1;
    return c;
}

#define GRAD_CLIP 100.0f /* glove.c's grad_clip_value */

static inline float clip(float v) { return v > GRAD_CLIP ? GRAD_CLIP : v < -GRAD_CLIP ? -GRAD_CLIP : v; }

/* 1/sqrt(x) for x >= 1 (AdaGrad's accumulators start at 1 and only grow), from the bit pattern's
 * first guess and two Newton steps: within 2e-7 of 1/sqrtf(x). Why not sqrtf: C's sqrtf must set
 * errno for a negative argument, and that possible library call stops gcc from vectorising the
 * loop below (measured: training 3-4x slower with sqrtf; -fno-math-errno would fix it, but the
 * project's flags are the same for every file). */
static inline float inv_sqrt(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits = 0x5F375A86u - (bits >> 1);
    float y;
    memcpy(&y, &bits, sizeof y);
    y = y * (1.5f - 0.5f * x * y * y);
    return y * (1.5f - 0.5f * x * y * y);
}

/* The AdaGrad step of one entry's two rows, from the scaled gradient g = eta f r: each
 * coordinate moves by its step divided by the root of its accumulated squared steps. restrict:
 * the four rows never overlap (w and c are different matrices), which lets the loop vectorise. */
static void adagrad_rows(float *restrict w, float *restrict c, float *restrict gw, float *restrict gc, float g, int d) {
    for (int t = 0; t < d; t++) {
        float sw = clip(g * c[t]), sc = clip(g * w[t]); /* both from the values before the step */
        w[t] -= sw * inv_sqrt(gw[t]);
        c[t] -= sc * inv_sqrt(gc[t]);
        gw[t] += sw * sw;
        gc[t] += sc * sc;
    }
}

/* One AdaGrad step on one entry, in place on the shared rows; returns f r^2 / 2 before the step.
 * gsq is the model-shaped sum of squared steps (started at 1, as glove.c). */
static double adagrad_entry(GloveModel *m, GloveModel *gsq, const CoocEntry *e, float fx, float eta) {
    const int d = m->dim;
    float *w = m->w + (size_t)e->i * d, *c = m->c + (size_t)e->j * d;
    float acc[4] = {0, 0, 0, 0};
    int t = 0;
    for (; t + 4 <= d; t += 4)
        for (int u = 0; u < 4; u++) acc[u] += w[t + u] * c[t + u];
    float dot = (acc[0] + acc[2]) + (acc[1] + acc[3]);
    for (; t < d; t++) dot += w[t] * c[t];
    float r = dot + m->bw[e->i] + m->bc[e->j] - logf(e->x);
    float g = fx * r;
    double loss = 0.5 * (double)g * r;
    g *= eta;
    adagrad_rows(w, c, gsq->w + (size_t)e->i * d, gsq->c + (size_t)e->j * d, g, d);
    m->bw[e->i] -= g * inv_sqrt(gsq->bw[e->i]);
    m->bc[e->j] -= g * inv_sqrt(gsq->bc[e->j]);
    gsq->bw[e->i] += g * g;
    gsq->bc[e->j] += g * g;
    return loss;
}

void glove_train(Cooc *x, const GloveConfig *cfg, GloveModel *m, GloveStats *st) {
    glove_model_init(m, x->V, cfg->dim, 1, cfg->seed);
    GloveModel gsq;
    glove_model_init(&gsq, x->V, cfg->dim, 0, 0);
    for (size_t k = 0; k < glove_model_size(&gsq); k++) gsq.data[k] = 1.0f;
    /* Shuffle once: consecutive entries of the sorted matrix share a word, and SGD steps on the
     * same row one after another would follow that word, not the data. */
    Rng r;
    rng_seed(&r, cfg->seed ^ 0x5DEECE66Dull);
    for (size_t k = x->n; k > 1; k--) {
        size_t j = (size_t)rng_below(&r, k);
        CoocEntry t = x->e[k - 1];
        x->e[k - 1] = x->e[j], x->e[j] = t;
    }
    int nthreads = cfg->threads > 0 ? cfg->threads : 1;
#ifndef _OPENMP
    if (nthreads > 1 && cfg->verbose)
        fprintf(stderr, "note: built without OpenMP, so training runs in 1 thread instead of %d\n", nthreads);
    nthreads = 1;
#endif
    Progress p;
    progress_start(&p, cfg->epochs, "pairs");
    double t0 = now_seconds(), loss = 0, first = 0;
    const float eta = (float)cfg->eta;
    int ran = 1;
    for (int epoch = 0; epoch < cfg->epochs; epoch++) {
        double cost = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) reduction(+ : cost)
#endif
        {
            int tid = 0, T = 1;
#ifdef _OPENMP
            tid = omp_get_thread_num(), T = omp_get_num_threads();
            if (tid == 0) ran = T;
#endif
            size_t lo = x->n * (size_t)tid / (size_t)T, hi = x->n * (size_t)(tid + 1) / (size_t)T;
            for (size_t k = lo; k < hi; k++) {
                const CoocEntry *e = &x->e[k];
                float fx = e->x < cfg->x_max ? powf(e->x / (float)cfg->x_max, (float)cfg->power) : 1.0f;
                cost += adagrad_entry(m, &gsq, e, fx, eta);
            }
        }
        loss = x->n ? cost / (double)x->n : 0;
        if (epoch == 0) first = loss;
        if (cfg->verbose) progress_line(&p, epoch + 1, loss, cfg->eta, (double)x->n * (epoch + 1));
    }
    double wall = now_seconds() - t0;
    glove_model_free(&gsq);
    if (st) {
        st->wall_s = wall;
        st->loss = loss;
        st->first_loss = first;
        st->entries_per_s = wall > 0 ? (double)x->n * cfg->epochs / wall : 0;
        st->threads = ran;
    }
}

float *glove_vectors(const GloveModel *m) {
    size_t n = (size_t)m->V * m->dim;
    float *v = xmalloc(xmul(n ? n : 1, sizeof(float)));
    for (size_t k = 0; k < n; k++) v[k] = m->w[k] + m->c[k];
    return v;
}
