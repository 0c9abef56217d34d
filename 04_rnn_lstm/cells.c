/* cells.c - the vanilla RNN, LSTM and GRU cells: one time step, forward and backward (see cells.h
 * for the equations, the weight layout and how it maps to PyTorch's).
 *
 * Chapter 04, claims C9-C11: these three cells are all the chapter's models are made of. Each
 * backward below is the chain rule applied to its forward's equations, line for line; the comment
 * above each backward lists the derivatives it uses. */
#include "cells.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fastexp.h"
#include "matmul.h"
#include "util.h"

/* Element-wise loops run over the B rows of a step in parallel only when a step is big: once
 * vectorised, a step of the chapter's LSTM (32 rows of 4 x 256 gates) takes microseconds, less
 * than waking a second thread costs (each row writes only its own outputs). */
#define ROWS_PARALLEL(B, H) ((long)(B) * (H) >= 65536)

/* e^x inline, so the gate loops vectorise (glibc's expf is a call per element, which kept them
 * scalar): common/fastexp.h's exp_fast_inline. */
#define gate_exp exp_fast_inline
static inline float sigm(float x) { return 1.0f / (1.0f + gate_exp(-x)); }
/* tanh through one exponential (see cells.h); for a far below 0, e^(-2a) saturates and the
 * result is -1 to the last bit, as it should be. */
static inline float tanh_fast(float a) { return 2.0f / (1.0f + gate_exp(-2.0f * a)) - 1.0f; }
float cell_tanh(float a) { return tanh_fast(a); }

void cell_transpose_wh(float *wht, const float *wh, int GH, int H) {
    /* in 32 x 32 tiles, so that both the rows read and the rows written stay in the cache */
    enum { TILE = 32 };
    for (int i0 = 0; i0 < GH; i0 += TILE)
        for (int j0 = 0; j0 < H; j0 += TILE)
            for (int i = i0; i < GH && i < i0 + TILE; i++)
                for (int j = j0; j < H && j < j0 + TILE; j++) wht[(size_t)j * GH + i] = wh[(size_t)i * H + j];
}

const char *cell_name(CellType t) {
    switch (t) {
    case CELL_RNN: return "rnn";
    case CELL_LSTM: return "lstm";
    case CELL_GRU: return "gru";
    }
    return "?";
}

int cell_parse(const char *s, CellType *t) {
    for (int i = CELL_RNN; i <= CELL_GRU; i++)
        if (!strcmp(s, cell_name((CellType)i))) {
            *t = (CellType)i;
            return 0;
        }
    return -1;
}

int cell_gates(CellType t) { return t == CELL_LSTM ? 4 : t == CELL_GRU ? 3 : 1; }

int cell_cache_width(CellType t, int H) { return t == CELL_LSTM ? 5 * H : t == CELL_GRU ? 4 * H : 0; }

void spec_add(SpecList *l, const char *name, int ndim, int d0, int d1, int no_decay) {
    if (l->n == SPEC_LIST_MAX) die("spec_add: more than %d parameter tensors", SPEC_LIST_MAX);
    if (strlen(name) >= SPEC_NAME_MAX) die("spec_add: parameter name '%s' too long", name);
    strcpy(l->names[l->n], name);
    ParamSpec *s = &l->specs[l->n];
    memset(s, 0, sizeof *s);
    s->name = l->names[l->n];
    s->ndim = ndim;
    s->shape[0] = d0;
    if (ndim > 1) s->shape[1] = d1;
    s->no_decay = no_decay;
    l->n++;
}

void cell_add_specs(SpecList *l, CellType t, const char *prefix, int C, int H) {
    int G = cell_gates(t);
    char name[SPEC_NAME_MAX];
    snprintf(name, sizeof name, "%s.wx", prefix), spec_add(l, name, 2, G * H, C, 0);
    snprintf(name, sizeof name, "%s.wh", prefix), spec_add(l, name, 2, G * H, H, 0);
    snprintf(name, sizeof name, "%s.b", prefix), spec_add(l, name, 1, G * H, 0, 1);
    if (t == CELL_GRU) snprintf(name, sizeof name, "%s.bhn", prefix), spec_add(l, name, 1, H, 0, 1);
}

static float *find_tensor(const Params *p, float *base, const char *prefix, const char *suffix) {
    char name[SPEC_NAME_MAX + 8];
    snprintf(name, sizeof name, "%s.%s", prefix, suffix);
    int i = params_index(p, name);
    if (i < 0) die("cell_weights: no parameter '%s' in the model", name);
    return base + p->offsets[i];
}

CellWeights cell_weights(const Params *p, float *base, CellType t, const char *prefix) {
    CellWeights w = {find_tensor(p, base, prefix, "wx"), find_tensor(p, base, prefix, "wh"),
                     find_tensor(p, base, prefix, "b"), NULL};
    if (t == CELL_GRU) w.bhn = find_tensor(p, base, prefix, "bhn");
    return w;
}

void cell_init(CellType t, const CellWeights *w, int C, int H, float forget_bias, Rng *rng) {
    int G = cell_gates(t);
    float k = 1.0f / sqrtf((float)H);
    rng_fill_uniform(rng, w->wx, (size_t)G * H * C, -k, k);
    rng_fill_uniform(rng, w->wh, (size_t)G * H * H, -k, k);
    rng_fill_uniform(rng, w->b, (size_t)G * H, -k, k);
    if (w->bhn) rng_fill_uniform(rng, w->bhn, (size_t)H, -k, k);
    if (forget_bias != 0 && t != CELL_RNN)
        for (int j = 0; j < H; j++) w->b[H + j] = forget_bias; /* block 1: LSTM's f, GRU's z */
}

/* The element-wise work of each cell is written per row (one sequence of the batch) in a function
 * of its own with restrict pointers, kept out of line: that is what lets the compiler vectorise it
 * (inlined into the OpenMP loop body it could not prove the arrays apart). */
#if defined(__GNUC__) || defined(__clang__)
#define ROW_FN __attribute__((noinline)) static
#else
#define ROW_FN static
#endif

/* ==== vanilla RNN ============================================================================= */

ROW_FN void rnn_row_forward(int H, float *restrict h, const float *restrict pre) {
    for (int j = 0; j < H; j++) h[j] = tanh_fast(pre[j]);
}

void rnn_cell_forward(float *h, float *pre, const float *hprev, const float *wht, int B, int H) {
    /* pre (B,H) += hprev (B,H) @ wht (H,H) */
    matmul(0, 0, B, H, H, 1.0f, hprev, H, wht, H, 1.0f, pre, H);
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, H))
    for (int r = 0; r < B; r++) rnn_row_forward(H, h + (size_t)r * H, pre + (size_t)r * H);
}

/* d tanh(a)/da = 1 - tanh(a)^2 = 1 - h^2; the pre-activation feeds hprev through wh. */
ROW_FN void rnn_row_backward(int H, float *restrict dxp, const float *restrict dh, const float *restrict h) {
    for (int j = 0; j < H; j++) dxp[j] = dh[j] * (1.0f - h[j] * h[j]);
}

void rnn_cell_backward(float *dxp, float *dhprev, const float *dh, const float *h, const float *wh, int B,
                       int H) {
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, H))
    for (int r = 0; r < B; r++) rnn_row_backward(H, dxp + (size_t)r * H, dh + (size_t)r * H, h + (size_t)r * H);
    if (dhprev) matmul(0, 0, B, H, H, 1.0f, dxp, H, wh, H, 1.0f, dhprev, H);
}

/* ==== LSTM ==================================================================================== */

/* a: the row's pre-activations [i f g o]; k: its cache [i f g o tanh(c)]. */
ROW_FN void lstm_row_forward(int H, float *restrict h, float *restrict c, float *restrict k, const float *restrict a,
                             const float *restrict cprev) {
    for (int j = 0; j < H; j++) {
        float i = sigm(a[j]), f = sigm(a[H + j]), g = tanh_fast(a[2 * H + j]), o = sigm(a[3 * H + j]);
        float cj = f * cprev[j] + i * g; /* c = f * cprev + i * g */
        float tc = tanh_fast(cj);
        k[j] = i, k[H + j] = f, k[2 * H + j] = g, k[3 * H + j] = o, k[4 * H + j] = tc;
        c[j] = cj;
        h[j] = o * tc; /* h = o * tanh(c) */
    }
}

void lstm_cell_forward(float *h, float *c, float *cache, float *pre, const float *hprev, const float *cprev,
                       const float *wht, int B, int H) {
    const int G = 4 * H, W = 5 * H;
    /* the four gates' pre-activations: pre (B,4H) += hprev (B,H) @ wht (H,4H) */
    matmul(0, 0, B, G, H, 1.0f, hprev, H, wht, G, 1.0f, pre, G);
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, G))
    for (int r = 0; r < B; r++)
        lstm_row_forward(H, h + (size_t)r * H, c + (size_t)r * H, cache + (size_t)r * W, pre + (size_t)r * G,
                         cprev + (size_t)r * H);
}

/* With dc_t = dc + dh * o * (1 - tanh(c)^2), the whole gradient reaching c:
 *   do = dh * tanh(c)     di = dc_t * g     df = dc_t * cprev     dg = dc_t * i
 *   dcprev += dc_t * f    (the cell state's path: a product of forget gates, no squashing, C10)
 * and through the nonlinearities sig' = s (1 - s), tanh' = 1 - t^2. dc and dcprev may be NULL. */
ROW_FN void lstm_row_backward(int H, float *restrict d, float *restrict dcprev, const float *restrict dh,
                              const float *restrict dc, const float *restrict k, const float *restrict cprev) {
    for (int j = 0; j < H; j++) {
        float i = k[j], f = k[H + j], g = k[2 * H + j], o = k[3 * H + j], tc = k[4 * H + j];
        float dct = dh[j] * o * (1.0f - tc * tc) + (dc ? dc[j] : 0.0f);
        d[j] = dct * g * i * (1.0f - i);
        d[H + j] = dct * cprev[j] * f * (1.0f - f);
        d[2 * H + j] = dct * i * (1.0f - g * g);
        d[3 * H + j] = dh[j] * tc * o * (1.0f - o);
        if (dcprev) dcprev[j] += dct * f;
    }
}

void lstm_cell_backward(float *dxp, float *dhprev, float *dcprev, const float *dh, const float *dc,
                        const float *cache, const float *cprev, const float *wh, int B, int H) {
    const int G = 4 * H, W = 5 * H;
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, G))
    for (int r = 0; r < B; r++)
        lstm_row_backward(H, dxp + (size_t)r * G, dcprev ? dcprev + (size_t)r * H : NULL, dh + (size_t)r * H,
                          dc ? dc + (size_t)r * H : NULL, cache + (size_t)r * W, cprev + (size_t)r * H);
    if (dhprev) matmul(0, 0, B, H, G, 1.0f, dxp, G, wh, H, 1.0f, dhprev, H);
}

/* ==== GRU ===================================================================================== */

/* x: the row's input side [r z n] (r and z with the recurrent product added); k: its cache
 * [r z n hn], hn holding Wh_n hprev on entry. */
ROW_FN void gru_row_forward(int H, float *restrict h, float *restrict k, const float *restrict x,
                            const float *restrict hprev, const float *restrict bhn) {
    for (int j = 0; j < H; j++) {
        float r = sigm(x[j]), z = sigm(x[H + j]);
        float hn = k[3 * H + j] + bhn[j];
        float n = tanh_fast(x[2 * H + j] + r * hn); /* n = tanh(Wx_n x + b_n + r (Wh_n h + bhn)) */
        k[j] = r, k[H + j] = z, k[2 * H + j] = n, k[3 * H + j] = hn;
        h[j] = (1.0f - z) * n + z * hprev[j]; /* h = (1 - z) n + z hprev */
    }
}

void gru_cell_forward(float *h, float *cache, float *pre, const float *hprev, const float *wht,
                      const float *bhn, int B, int H) {
    const int G = 3 * H, W = 4 * H;
    /* r and z: pre[:, 0:2H] += hprev @ wht[:, 0:2H]. The n block's recurrent part must stay apart
     * (r multiplies it): hn = hprev @ wht[:, 2H:3H] (+ bhn below), into the cache's hn slot. */
    matmul(0, 0, B, 2 * H, H, 1.0f, hprev, H, wht, G, 1.0f, pre, G);
    matmul(0, 0, B, H, H, 1.0f, hprev, H, wht + 2 * H, G, 0.0f, cache + 3 * H, W);
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, G))
    for (int r = 0; r < B; r++)
        gru_row_forward(H, h + (size_t)r * H, cache + (size_t)r * W, pre + (size_t)r * G, hprev + (size_t)r * H, bhn);
}

/* From h = (1 - z) n + z hprev and n = tanh(an), an = xp_n + r * hn:
 *   dn = dh (1 - z)      dz = dh (hprev - n)      dhprev += dh z (the direct path)
 *   dan = dn (1 - n^2)   dr = dan * hn            dhn = dan * r (the recurrent n block, and dbhn)
 * then sig' = s (1 - s) for r and z. dhprev may be NULL. */
ROW_FN void gru_row_backward(int H, float *restrict dx, float *restrict dr, float *restrict dhprev,
                             const float *restrict dh, const float *restrict k, const float *restrict hprev) {
    for (int j = 0; j < H; j++) {
        float r = k[j], z = k[H + j], n = k[2 * H + j], hn = k[3 * H + j];
        float dan = dh[j] * (1.0f - z) * (1.0f - n * n);
        float drp = dan * hn * r * (1.0f - r);
        float dzp = dh[j] * (hprev[j] - n) * z * (1.0f - z);
        dx[j] = drp, dx[H + j] = dzp, dx[2 * H + j] = dan;
        dr[j] = drp, dr[H + j] = dzp, dr[2 * H + j] = dan * r;
        if (dhprev) dhprev[j] += dh[j] * z;
    }
}

void gru_cell_backward(float *dxp, float *dhp, float *dhprev, const float *dh, const float *cache,
                       const float *hprev, const float *wh, int B, int H) {
    const int G = 3 * H, W = 4 * H;
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, G))
    for (int r = 0; r < B; r++)
        gru_row_backward(H, dxp + (size_t)r * G, dhp + (size_t)r * G, dhprev ? dhprev + (size_t)r * H : NULL,
                         dh + (size_t)r * H, cache + (size_t)r * W, hprev + (size_t)r * H);
    if (dhprev) matmul(0, 0, B, H, G, 1.0f, dhp, G, wh, H, 1.0f, dhprev, H);
}

/* ==== any cell ================================================================================ */

void cell_forward(CellType t, const CellWeights *w, const float *wht, int B, int H, float *h, float *c,
                  float *cache, float *pre, const float *hprev, const float *cprev) {
    switch (t) {
    case CELL_RNN: rnn_cell_forward(h, pre, hprev, wht, B, H); break;
    case CELL_LSTM: lstm_cell_forward(h, c, cache, pre, hprev, cprev, wht, B, H); break;
    case CELL_GRU: gru_cell_forward(h, cache, pre, hprev, wht, w->bhn, B, H); break;
    }
}

void cell_backward(CellType t, const CellWeights *w, int B, int H, float *dxp, float *dhp, float *dhprev,
                   float *dcprev, const float *dh, const float *dc, const float *h, const float *cache,
                   const float *hprev, const float *cprev) {
    switch (t) {
    case CELL_RNN: rnn_cell_backward(dxp, dhprev, dh, h, w->wh, B, H); break;
    case CELL_LSTM: lstm_cell_backward(dxp, dhprev, dcprev, dh, dc, cache, cprev, w->wh, B, H); break;
    case CELL_GRU: gru_cell_backward(dxp, dhp, dhprev, dh, cache, hprev, w->wh, B, H); break;
    }
}

void cell_weight_backward(CellType t, const CellWeights *w, const CellWeights *g, float *dx, const float *dxp,
                          const float *dhp, const float *x, const float *hprev, int N, int C, int H) {
    const int G = cell_gates(t) * H;
    /* the input side is an nn.Linear: dx += dxp @ wx, dwx += dxp^T @ x, db += column sums */
    linear_backward(dx, g->wx, g->b, dxp, x, w->wx, N, C, G);
    /* the recurrent side: dwh (G,H) += dhp^T (G,N) @ hprev (N,H) */
    matmul(1, 0, G, H, N, 1.0f, dhp, G, hprev, H, 1.0f, g->wh, H);
    if (t == CELL_GRU && g->bhn)
        for (int r = 0; r < N; r++)
            for (int j = 0; j < H; j++) g->bhn[j] += dhp[(size_t)r * G + 2 * H + j];
}
