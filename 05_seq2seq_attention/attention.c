/* attention.c - dot-product and additive attention, forward and backward (see attention.h).
 * Chapter 05, claims C14 and C15.
 *
 * Both variants share the second half: softmax over the source positions, then the weighted sum
 * of the encoder states. Its backward, for one decoder state (one row t, b):
 *   dalpha_s = dctx . e_s                       (ctx = sum_s alpha_s e_s)
 *   de_s    += alpha_s dctx
 *   dscore_s = alpha_s (dalpha_s - sum_k alpha_k dalpha_k)     (the softmax's Jacobian)
 * and each variant pushes dscore back through its own score. */
#include "attention.h"

#include <math.h>
#include <string.h>

#include "04_rnn_lstm/cells.h"
#include "matmul.h"

const char *attn_name(AttnKind k) {
    switch (k) {
    case ATTN_NONE: return "none";
    case ATTN_DOT: return "dot";
    case ATTN_ADDITIVE: return "additive";
    }
    return "?";
}

int attn_parse(const char *s, AttnKind *k) {
    if (!strcmp(s, "none")) *k = ATTN_NONE;
    else if (!strcmp(s, "dot") || !strcmp(s, "luong")) *k = ATTN_DOT;
    else if (!strcmp(s, "additive") || !strcmp(s, "bahdanau")) *k = ATTN_ADDITIVE;
    else return -1;
    return 0;
}

/* Rows are independent in the forward (each writes its own alpha and ctx), and the backward runs
 * one sentence b per iteration (its rows of denc collect from all t); threads only pay off when
 * there is enough work to share. */
#define WORTH_THREADS(n) ((long)(n) >= 200000L)

/* ---- the shared half: softmax and weighted sum ------------------------------------------------ */

/* One row: a (S) holds the scores on entry and the weights on exit; ctx (H) = sum_s a_s e_s. */
static void softmax_mix_row(float *ctx, float *a, const float *enc, int b, int S, int B, int H) {
    float mx = a[0];
    for (int s = 1; s < S; s++) mx = a[s] > mx ? a[s] : mx;
    double sum = 0;
    for (int s = 0; s < S; s++) a[s] = expf(a[s] - mx), sum += a[s];
    float inv = (float)(1.0 / sum);
    for (int s = 0; s < S; s++) a[s] *= inv;
    memset(ctx, 0, (size_t)H * sizeof(float));
    for (int s = 0; s < S; s++) {
        const float *e = enc + ((size_t)s * B + b) * H;
        float w = a[s];
        for (int h = 0; h < H; h++) ctx[h] += w * e[h];
    }
}

/* One row's backward through the mix: writes ds (S) = dscore, adds alpha_s dctx into denc. */
static void softmax_mix_row_backward(float *ds, float *denc, const float *dctx, const float *a, const float *enc, int b,
                                     int S, int B, int H) {
    double dot = 0;
    for (int s = 0; s < S; s++) {
        const float *e = enc + ((size_t)s * B + b) * H;
        float *de = denc + ((size_t)s * B + b) * H;
        float da = 0, w = a[s];
        for (int h = 0; h < H; h++) da += dctx[h] * e[h], de[h] += w * dctx[h];
        ds[s] = da;
        dot += (double)w * da;
    }
    for (int s = 0; s < S; s++) ds[s] = a[s] * (ds[s] - (float)dot);
}

/* ---- dot-product ------------------------------------------------------------------------------ */

void dot_attention_forward(float *ctx, float *alpha, const float *q, const float *enc, int T, int S, int B, int H) {
    long rows = (long)T * B;
#pragma omp parallel for schedule(static) if (WORTH_THREADS(rows * S * H))
    for (long r = 0; r < rows; r++) {
        int b = (int)(r % B);
        const float *qr = q + r * H;
        float *a = alpha + r * S;
        for (int s = 0; s < S; s++) {
            const float *e = enc + ((size_t)s * B + b) * H;
            float d = 0;
            for (int h = 0; h < H; h++) d += qr[h] * e[h];
            a[s] = d;
        }
        softmax_mix_row(ctx + r * H, a, enc, b, S, B, H);
    }
}

void dot_attention_backward(float *dq, float *denc, float *dscore, const float *dctx, const float *alpha, const float *q,
                            const float *enc, int T, int S, int B, int H) {
#pragma omp parallel for schedule(static) if (WORTH_THREADS((long)T * B * S * H))
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            size_t r = (size_t)t * B + b;
            float *ds = dscore + r * S;
            softmax_mix_row_backward(ds, denc, dctx + r * H, alpha + r * S, enc, b, S, B, H);
            /* score = q . e_s:  dq += sum_s ds_s e_s,  de_s += ds_s q */
            const float *qr = q + r * H;
            float *dqr = dq + r * H;
            for (int s = 0; s < S; s++) {
                const float *e = enc + ((size_t)s * B + b) * H;
                float *de = denc + ((size_t)s * B + b) * H;
                float g = ds[s];
                for (int h = 0; h < H; h++) dqr[h] += g * e[h], de[h] += g * qr[h];
            }
        }
}

/* ---- additive --------------------------------------------------------------------------------- */

void additive_attention_keys(float *kp, const float *enc, const float *wk, int S, int B, int H, int A) {
    linear_forward(kp, enc, wk, NULL, S * B, H, A);
}

void additive_attention_forward(float *ctx, float *alpha, float *qp, float *u, const float *q, const float *enc,
                                const float *kp, const float *wq, const float *va, int T, int S, int B, int H, int A) {
    long rows = (long)T * B;
    linear_forward(qp, q, wq, NULL, (int)rows, H, A);
#pragma omp parallel for schedule(static) if (WORTH_THREADS(rows * S * A))
    for (long r = 0; r < rows; r++) {
        int b = (int)(r % B);
        const float *qa = qp + r * A;
        float *a = alpha + r * S;
        for (int s = 0; s < S; s++) {
            const float *ka = kp + ((size_t)s * B + b) * A;
            float *ur = u + ((size_t)r * S + s) * A;
            float d = 0;
            for (int j = 0; j < A; j++) ur[j] = cell_tanh(qa[j] + ka[j]), d += va[j] * ur[j];
            a[s] = d;
        }
        softmax_mix_row(ctx + r * H, a, enc, b, S, B, H);
    }
}

void additive_attention_backward(float *dq, float *denc, float *dwq, float *dwk, float *dva, float *dscore, float *dqp,
                                 float *dkp, const float *dctx, const float *alpha, const float *u, const float *q,
                                 const float *enc, const float *wq, const float *wk, const float *va, int T, int S,
                                 int B, int H, int A) {
    memset(dqp, 0, (size_t)T * B * A * sizeof(float));
    memset(dkp, 0, (size_t)S * B * A * sizeof(float));
#pragma omp parallel for schedule(static) if (WORTH_THREADS((long)T * B * S * A))
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            size_t r = (size_t)t * B + b;
            float *ds = dscore + r * S;
            softmax_mix_row_backward(ds, denc, dctx + r * H, alpha + r * S, enc, b, S, B, H);
            /* score = va . u, u = tanh(qp + kp):  dpre = ds * va * (1 - u^2), into both halves */
            float *dqa = dqp + r * A;
            for (int s = 0; s < S; s++) {
                const float *ur = u + (r * S + s) * A;
                float *dka = dkp + ((size_t)s * B + b) * A;
                float g = ds[s];
                for (int j = 0; j < A; j++) {
                    float dpre = g * va[j] * (1.0f - ur[j] * ur[j]);
                    dqa[j] += dpre, dka[j] += dpre;
                }
            }
        }
    /* dva += sum over all rows and positions of dscore * u: one (1 x TBS) @ (TBS x A) product */
    int n = T * B * S;
    matmul(0, 0, 1, A, n, 1.0f, dscore, n, u, A, 1.0f, dva, A);
    /* through the two projections: qp = q Wq^T, kp = enc Wk^T */
    linear_backward(dq, dwq, NULL, dqp, q, wq, T * B, H, A);
    linear_backward(denc, dwk, NULL, dkp, enc, wk, S * B, H, A);
}
