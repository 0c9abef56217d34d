/* attention.c - see attention.h: scaled dot-product attention with masks, and multi-head
 * attention built from it and four linear layers. */
#include "attention.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "matmul.h"
#include "util.h"

/* Below this much work (multiply-adds) one thread does all heads: starting threads costs more. */
#define ATT_PARALLEL_MIN_WORK (1LL << 20)

/* How the per-head products are computed: plain loops (the reference, and the faster choice for
 * short sequences, where a matmul call's packing costs more than the product), or the blocked
 * matmul kernel with strided heads (long sequences). -1 chooses by size. */
static int att_kernel_mode = -1;
void attention_set_kernel(int mode) { att_kernel_mode = mode < 0 ? -1 : mode > 0; }
static int use_matmul(int Tq, int Tk, int hd) {
    if (att_kernel_mode >= 0) return att_kernel_mode;
    return (long long)Tq * Tk * hd >= 64LL * 64 * 32;
}

/* Is key j visible to query i of sequence b? */
static int visible(const unsigned char *key_pad, int causal, int b, int Tk, int i, int j) {
    if (causal && j > i) return 0;
    return !(key_pad && key_pad[(size_t)b * Tk + j]);
}

/* How many keys query i may look at before the causal mask cuts: keys j < key_end(i). */
static int key_end(int causal, int i, int Tk) { return causal && i + 1 < Tk ? i + 1 : Tk; }

/* y[0..n) += a * x[0..n) */
static inline void axpy(float *y, float a, const float *x, int n) {
    for (int j = 0; j < n; j++) y[j] += a * x[j];
}
static inline float dotf(const float *a, const float *b, int n) {
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < n; j++) s += a[j] * b[j];
    return s;
}

/* xT (hd, T) = the head's (T, hd) matrix at x with row stride D, transposed. The loop kernels work
 * on transposed keys and values so that their inner loops run along the keys, contiguous in
 * memory: that is what the compiler turns into vector instructions. */
static void transpose_head(float *xT, const float *x, int T, int hd, int D) {
    for (int j = 0; j < T; j++)
        for (int d = 0; d < hd; d++) xT[(size_t)d * T + j] = x[(size_t)j * D + d];
}

/* attention_forward, and attention_forward_biased when biased = 1 (att holds an additive term of
 * the scores on entry). */
static void attention_forward_impl(float *out, float *att, float *attd, float *dmask, const float *q, const float *k,
                                   const float *v, const unsigned char *key_pad, int causal, int B, int Tq, int Tk,
                                   int NH, int hd, float scale, float p_drop, uint64_t seed, int biased) {
    int D = NH * hd, mm = use_matmul(Tq, Tk, hd);
    long long work = (long long)B * NH * Tq * Tk * hd;
    (void)work; /* read only by the OpenMP pragma */
    /* Each (sequence, head) writes its own slice of att and its own columns of out: the iterations
     * are independent. The matmul calls inside run on one thread each (no nested parallelism). */
#pragma omp parallel for schedule(static) if (work >= ATT_PARALLEL_MIN_WORK)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        /* head h of sequence b: (T,hd) matrices with row stride D */
        const float *qh = q + (size_t)b * Tq * D + (size_t)h * hd;
        const float *kh = k + (size_t)b * Tk * D + (size_t)h * hd;
        const float *vh = v + (size_t)b * Tk * D + (size_t)h * hd;
        float *oh = out + (size_t)b * Tq * D + (size_t)h * hd;
        float *S = att + (size_t)bh * Tq * Tk; /* (Tq,Tk) */
        float *kT = mm ? NULL : xmalloc(sizeof(float) * 2 * (size_t)hd * Tk), *vT = mm ? NULL : kT + (size_t)hd * Tk;

        /* 1. scores S (Tq,Tk) = scale * qh (Tq,hd) @ kh^T (hd,Tk): every query against every key */
        if (mm) {
            matmul(0, 1, Tq, Tk, hd, scale, qh, D, kh, D, biased ? 1.0f : 0.0f, S, Tk);
        } else {
            transpose_head(kT, kh, Tk, hd, D), transpose_head(vT, vh, Tk, hd, D);
            for (int i = 0; i < Tq; i++) {
                float *row = S + (size_t)i * Tk;
                if (!biased) memset(row, 0, sizeof(float) * (size_t)Tk);
                int je = key_end(causal, i, Tk);
                for (int d = 0; d < hd; d++) axpy(row, scale * qh[(size_t)i * D + d], kT + (size_t)d * Tk, je);
            }
        }

        /* 2. softmax of each row over the visible keys; masked keys get weight 0 exactly (the
         * same as a score of -infinity, without the NaN a fully masked row would give). */
        for (int i = 0; i < Tq; i++) {
            float *row = S + (size_t)i * Tk;
            float maxv = -INFINITY;
            for (int j = 0; j < Tk; j++)
                if (visible(key_pad, causal, b, Tk, i, j) && row[j] > maxv) maxv = row[j];
            if (maxv == -INFINITY) { /* nothing visible */
                memset(row, 0, sizeof(float) * (size_t)Tk);
                continue;
            }
            double sum = 0;
            for (int j = 0; j < Tk; j++) {
                row[j] = visible(key_pad, causal, b, Tk, i, j) ? expf(row[j] - maxv) : 0.0f;
                sum += row[j];
            }
            float inv = (float)(1.0 / sum);
            for (int j = 0; j < Tk; j++) row[j] *= inv;
        }

        /* 3. optional dropout on the weights (BERT drops whole attention links in training) */
        const float *A = S;
        if (p_drop > 0) {
            Rng r;
            rng_seed(&r, seed + 0x9E3779B97F4A7C15ull * (uint64_t)(bh + 1));
            float *Ad = attd + (size_t)bh * Tq * Tk;
            dropout_forward(Ad, dmask + (size_t)bh * Tq * Tk, S, (size_t)Tq * Tk, p_drop, &r);
            A = Ad;
        }

        /* 4. the weighted sum of the values: oh (Tq,hd) = A (Tq,Tk) @ vh (Tk,hd), written into this
         * head's columns of out, which concatenates the heads at no cost. */
        if (mm) {
            matmul(0, 0, Tq, hd, Tk, 1.0f, A, Tk, vh, D, 0.0f, oh, D);
        } else {
            /* Summed in double: a float product is exact in double, so the result does not depend
             * on the order of the keys (C19 shows permuted inputs giving bit-identical outputs). */
            for (int i = 0; i < Tq; i++) {
                const float *a = A + (size_t)i * Tk;
                int je = key_end(causal, i, Tk);
                for (int d = 0; d < hd; d++) {
                    const float *vd = vT + (size_t)d * Tk;
                    double acc = 0;
#pragma omp simd reduction(+ : acc)
                    for (int j = 0; j < je; j++) acc += (double)a[j] * vd[j];
                    oh[(size_t)i * D + d] = (float)acc;
                }
            }
        }
        free(kT);
    }
}

void attention_forward(float *out, float *att, float *attd, float *dmask, const float *q, const float *k,
                       const float *v, const unsigned char *key_pad, int causal, int B, int Tq, int Tk, int NH,
                       int hd, float scale, float p_drop, uint64_t seed) {
    attention_forward_impl(out, att, attd, dmask, q, k, v, key_pad, causal, B, Tq, Tk, NH, hd, scale, p_drop, seed, 0);
}

void attention_forward_biased(float *out, float *att, float *attd, float *dmask, const float *q, const float *k,
                              const float *v, const unsigned char *key_pad, int causal, int B, int Tq, int Tk, int NH,
                              int hd, float scale, float p_drop, uint64_t seed) {
    attention_forward_impl(out, att, attd, dmask, q, k, v, key_pad, causal, B, Tq, Tk, NH, hd, scale, p_drop, seed, 1);
}

/* ---- relative positions ------------------------------------------------------------------------ */

static int rel_index(int i, int j, int R) {
    int d = j - i;
    return (d < -R ? -R : d > R ? R : d) + R;
}

void relpos_scores(float *bias, const float *q, const float *E, int R, int B, int Tq, int Tk, int NH, int hd,
                   float scale) {
    int D = NH * hd, nr = 2 * R + 1;
#pragma omp parallel for schedule(static) if ((long long)B * NH * Tq * nr * hd >= ATT_PARALLEL_MIN_WORK)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        float *qe = xmalloc(sizeof(float) * (size_t)nr);
        for (int i = 0; i < Tq; i++) {
            const float *qi = q + ((size_t)b * Tq + i) * D + (size_t)h * hd;
            /* the 2R+1 products q_i . E[r] once, then spread over the keys by distance */
            int rlo = rel_index(i, 0, R), rhi = rel_index(i, Tk - 1, R);
            for (int r = rlo; r <= rhi; r++) qe[r] = scale * dotf(qi, E + (size_t)r * hd, hd);
            float *row = bias + ((size_t)bh * Tq + i) * Tk;
            for (int j = 0; j < Tk; j++) row[j] = qe[rel_index(i, j, R)];
        }
        free(qe);
    }
}

void relpos_scores_backward(float *dq, float *dE, const float *dS, const float *q, const float *E, int R, int B,
                            int Tq, int Tk, int NH, int hd, float scale) {
    int D = NH * hd, nr = 2 * R + 1, nbh = B * NH;
    /* per (sequence, head): dqe[r] = sum over keys at distance r of dS; dq_i += scale dqe . E;
     * the table's gradient is summed over everything, so each thread keeps its own and they are
     * added at the end in a fixed order (the result does not depend on the thread count) */
    float *dqe_all = xcalloc((size_t)nbh * Tq * nr, sizeof(float));
#pragma omp parallel for schedule(static) if ((long long)nbh * Tq * nr * hd >= ATT_PARALLEL_MIN_WORK)
    for (int bh = 0; bh < nbh; bh++) {
        int b = bh / NH, h = bh % NH;
        for (int i = 0; i < Tq; i++) {
            const float *row = dS + ((size_t)bh * Tq + i) * Tk;
            float *dqe = dqe_all + ((size_t)bh * Tq + i) * nr;
            for (int j = 0; j < Tk; j++) dqe[rel_index(i, j, R)] += row[j];
            float *dqi = dq + ((size_t)b * Tq + i) * D + (size_t)h * hd;
            int rlo = rel_index(i, 0, R), rhi = rel_index(i, Tk - 1, R);
            for (int r = rlo; r <= rhi; r++) axpy(dqi, scale * dqe[r], E + (size_t)r * hd, hd);
        }
    }
    /* dE[r] += scale sum_(b,h,i) dqe[r] q_i: in parallel over r, each r summed in a fixed order */
#pragma omp parallel for schedule(static) if ((long long)nbh * Tq * nr * hd >= ATT_PARALLEL_MIN_WORK)
    for (int r = 0; r < nr; r++) {
        float *de = dE + (size_t)r * hd;
        for (int bh = 0; bh < nbh; bh++) {
            int b = bh / NH, h = bh % NH;
            for (int i = 0; i < Tq; i++) {
                float c = dqe_all[((size_t)bh * Tq + i) * nr + r];
                if (c != 0.0f) axpy(de, scale * c, q + ((size_t)b * Tq + i) * D + (size_t)h * hd, hd);
            }
        }
    }
    free(dqe_all);
}

void attention_backward(float *dq, float *dk, float *dv, float *scratch, const float *dout, const float *q,
                        const float *k, const float *v, const float *att, const float *attd, const float *dmask,
                        int B, int Tq, int Tk, int NH, int hd, float scale, float p_drop) {
    int D = NH * hd, mm = use_matmul(Tq, Tk, hd);
    long long work = (long long)B * NH * Tq * Tk * hd;
    (void)work; /* read only by the OpenMP pragma */
#pragma omp parallel for schedule(static) if (work >= ATT_PARALLEL_MIN_WORK)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        size_t qo = (size_t)b * Tq * D + (size_t)h * hd, ko = (size_t)b * Tk * D + (size_t)h * hd;
        const float *P = att + (size_t)bh * Tq * Tk;
        const float *A = p_drop > 0 ? attd + (size_t)bh * Tq * Tk : P;
        float *dS = scratch + (size_t)bh * Tq * Tk;
        const float *m = p_drop > 0 ? dmask + (size_t)bh * Tq * Tk : NULL;

        if (mm) {
            /* out = A v:  dA (Tq,Tk) = dout_h (Tq,hd) @ vh^T;  dv_h (Tk,hd) += A^T @ dout_h */
            matmul(0, 1, Tq, Tk, hd, 1.0f, dout + qo, D, v + ko, D, 0.0f, dS, Tk);
            matmul(1, 0, Tk, hd, Tq, 1.0f, A, Tk, dout + qo, D, 1.0f, dv + ko, D);
            if (m)
                for (size_t i = 0; i < (size_t)Tq * Tk; i++) dS[i] *= m[i];
            /* softmax, row by row and in place: dS = P * (dA - sum_j P dA). Masked keys have P = 0
             * and so get no gradient, as they had no influence. */
            for (int i = 0; i < Tq; i++) {
                const float *p = P + (size_t)i * Tk;
                float *d = dS + (size_t)i * Tk;
                double dt = 0;
                for (int j = 0; j < Tk; j++) dt += (double)p[j] * d[j];
                for (int j = 0; j < Tk; j++) d[j] = p[j] * (d[j] - (float)dt);
            }
            /* S = scale q k^T:  dq_h += scale dS @ kh;  dk_h += scale dS^T @ qh */
            matmul(0, 0, Tq, hd, Tk, scale, dS, Tk, k + ko, D, 1.0f, dq + qo, D);
            matmul(1, 0, Tk, hd, Tq, scale, dS, Tk, q + qo, D, 1.0f, dk + ko, D);
            continue;
        }

        /* The same, row by row, with transposed keys and values and transposed accumulators for
         * their gradients, every inner loop along the keys. A query row needs the keys up to its
         * last non-zero weight only: with the causal mask that is the diagonal, which halves the
         * work. */
        float *kT = xmalloc(sizeof(float) * 4 * (size_t)hd * Tk), *vT = kT + (size_t)hd * Tk;
        float *dkT = vT + (size_t)hd * Tk, *dvT = dkT + (size_t)hd * Tk;
        transpose_head(kT, k + ko, Tk, hd, D), transpose_head(vT, v + ko, Tk, hd, D);
        memset(dkT, 0, sizeof(float) * 2 * (size_t)hd * Tk);
        for (int i = 0; i < Tq; i++) {
            const float *p = P + (size_t)i * Tk, *a = A + (size_t)i * Tk, *g = dout + qo + (size_t)i * D;
            const float *qi = q + qo + (size_t)i * D;
            float *dqi = dq + qo + (size_t)i * D, *d = dS + (size_t)i * Tk;
            int je = Tk;
            while (je > 0 && p[je - 1] == 0.0f) je--; /* masked (or underflowed) keys at the end */
            memset(d, 0, sizeof(float) * (size_t)Tk);
            for (int dd = 0; dd < hd; dd++) {
                axpy(d, g[dd], vT + (size_t)dd * Tk, je);              /* dA_i = g . v_j */
                axpy(dvT + (size_t)dd * Tk, g[dd], a, je);             /* dv_j += A_ij g */
            }
            if (m)
                for (int j = 0; j < je; j++) d[j] *= m[(size_t)i * Tk + j];
            double dt = 0;
            for (int j = 0; j < je; j++) dt += (double)p[j] * d[j];
            for (int j = 0; j < je; j++) d[j] = p[j] * (d[j] - (float)dt);
            for (int dd = 0; dd < hd; dd++) {
                dqi[dd] += scale * dotf(d, kT + (size_t)dd * Tk, je);  /* dq_i += scale dS_i k */
                axpy(dkT + (size_t)dd * Tk, scale * qi[dd], d, je);    /* dk_j += scale dS_ij q_i */
            }
        }
        for (int j = 0; j < Tk; j++)
            for (int dd = 0; dd < hd; dd++) {
                dk[ko + (size_t)j * D + dd] += dkT[(size_t)dd * Tk + j];
                dv[ko + (size_t)j * D + dd] += dvT[(size_t)dd * Tk + j];
            }
        free(kT);
    }
}

void causal_mask_matrix(unsigned char *m, int T) {
    for (int i = 0; i < T; i++)
        for (int j = 0; j < T; j++) m[(size_t)i * T + j] = j <= i;
}

void padding_mask_from_lengths(unsigned char *key_pad, const int *len, int B, int T) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) key_pad[(size_t)b * T + t] = t >= len[b];
}

/* ---- multi-head attention ------------------------------------------------------------------- */

static float *fbuf(size_t n) { return xcalloc(n ? n : 1, sizeof(float)); }

void mha_init(Mha *m, int C, int D, int NH, int maxB, int maxTq, int maxTk, float p_drop) {
    if (C <= 0 || D <= 0 || NH <= 0 || D % NH != 0)
        die("mha_init: attention width D = %d must be a positive multiple of the heads (%d); C = %d", D, NH, C);
    memset(m, 0, sizeof *m);
    m->C = C, m->D = D, m->NH = NH, m->hd = D / NH;
    m->maxB = maxB, m->maxTq = maxTq, m->maxTk = maxTk, m->p_drop = p_drop;
    size_t nq = (size_t)maxB * maxTq * D, nk = (size_t)maxB * maxTk * D;
    size_t na = (size_t)maxB * NH * maxTq * maxTk;
    m->q = fbuf(nq), m->k = fbuf(nk), m->v = fbuf(nk), m->ctx = fbuf(nq);
    m->att = fbuf(na), m->scratch = fbuf(na);
    if (p_drop > 0) m->attd = fbuf(na), m->dmask = fbuf(na);
    m->dq = fbuf(nq), m->dk = fbuf(nk), m->dv = fbuf(nk), m->dctx = fbuf(nq);
}

void mha_free(Mha *m) {
    float *bufs[] = {m->q, m->k, m->v, m->ctx, m->att, m->scratch, m->attd, m->dmask, m->dq, m->dk, m->dv, m->dctx};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    memset(m, 0, sizeof *m);
}

void mha_recompute_core(Mha *m) {
    float scale = 1.0f / sqrtf((float)m->hd);
    if (m->rel) relpos_scores(m->att, m->q, m->rel, m->rel_R, m->B, m->Tq, m->Tk, m->NH, m->hd, scale);
    (m->rel ? attention_forward_biased : attention_forward)(m->ctx, m->att, m->attd, m->dmask, m->q, m->k, m->v,
                                                           m->key_pad, m->causal, m->B, m->Tq, m->Tk, m->NH, m->hd,
                                                           scale, m->dropped ? m->p_drop : 0.0f, m->seed);
}

void mha_forward(Mha *m, const MhaWeights *w, float *out, const float *xq, const float *xkv, int B, int Tq, int Tk,
                 const unsigned char *key_pad, int causal, Rng *rng) {
    if (B > m->maxB || Tq > m->maxTq || Tk > m->maxTk || B <= 0 || Tq <= 0 || Tk <= 0)
        die("mha_forward: batch %d x %d x %d does not fit buffers made for %d x %d x %d", B, Tq, Tk, m->maxB,
            m->maxTq, m->maxTk);
    int C = m->C, D = m->D;
    m->B = B, m->Tq = Tq, m->Tk = Tk, m->causal = causal, m->key_pad = key_pad;
    m->dropped = rng && m->p_drop > 0;
    /* 1. project: q (B*Tq, D) = xq Wq^T + bq; k, v (B*Tk, D) from xkv. All heads in one matmul each. */
    linear_forward(m->q, xq, w->wq, w->bq, B * Tq, C, D);
    linear_forward(m->k, xkv, w->wk, w->bk, B * Tk, C, D);
    linear_forward(m->v, xkv, w->wv, w->bv, B * Tk, C, D);
    /* 2. attend in every head at once (heads are strided views, see attention.h); ctx (B,Tq,D) is
     * the concatenation of the NH head outputs of hd values each. */
    m->seed = m->dropped ? rng_u64(rng) : 0;
    mha_recompute_core(m);
    /* 3. mix the heads back to the model width: out (B*Tq, C) = ctx Wo^T + bo */
    linear_forward(out, m->ctx, w->wo, w->bo, B * Tq, D, C);
}

void mha_backward(Mha *m, const MhaWeights *w, MhaWeights *g, float *dxq, float *dxkv, const float *dout,
                  const float *xq, const float *xkv) {
    int C = m->C, D = m->D, B = m->B, Tq = m->Tq, Tk = m->Tk;
    size_t nq = (size_t)B * Tq * D, nk = (size_t)B * Tk * D;
    memset(m->dctx, 0, nq * sizeof(float));
    linear_backward(m->dctx, g->wo, g->bo, dout, m->ctx, w->wo, B * Tq, D, C);
    memset(m->dq, 0, nq * sizeof(float));
    memset(m->dk, 0, nk * sizeof(float));
    memset(m->dv, 0, nk * sizeof(float));
    attention_backward(m->dq, m->dk, m->dv, m->scratch, m->dctx, m->q, m->k, m->v, m->att, m->attd, m->dmask, B, Tq,
                       Tk, m->NH, m->hd, 1.0f / sqrtf((float)m->hd), m->dropped ? m->p_drop : 0.0f);
    /* scratch now holds the gradient of the scores, which is also that of a relative-position term */
    if (m->rel)
        relpos_scores_backward(m->dq, m->drel, m->scratch, m->q, m->rel, m->rel_R, B, Tq, Tk, m->NH, m->hd,
                               1.0f / sqrtf((float)m->hd));
    linear_backward(dxq, g->wq, g->bq, m->dq, xq, w->wq, B * Tq, C, D);
    linear_backward(dxkv, g->wk, g->bk, m->dk, xkv, w->wk, B * Tk, C, D);
    linear_backward(dxkv, g->wv, g->bv, m->dv, xkv, w->wv, B * Tk, C, D);
}
