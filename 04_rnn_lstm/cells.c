/* cells.c - the vanilla RNN, LSTM and GRU cells: one time step, forward and backward (see cells.h
 * for the equations, the weight layout and how it maps to PyTorch's).
 *
 * Chapter 04, claims C9-C11: these three cells are all the chapter's models are made of. Each
 * backward below is the chain rule applied to its forward's equations, line for line; the comment
 * above each backward lists the derivatives it uses. */
#include "cells.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "matmul.h"
#include "util.h"

/* Element-wise loops run over the B rows of a step in parallel when a step is big enough to pay
 * for waking the threads (each row writes only its own outputs). */
#define ROWS_PARALLEL(B, H) ((long)(B) * (H) >= 4096)

static inline float sigm(float x) { return 1.0f / (1.0f + expf(-x)); }

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
    if (t == CELL_LSTM && forget_bias != 0)
        for (int j = 0; j < H; j++) w->b[H + j] = forget_bias; /* block 1 of i f g o */
}

/* ==== vanilla RNN ============================================================================= */

void rnn_cell_forward(float *h, const float *xp, const float *hprev, const float *wh, int B, int H) {
    /* pre (B,H) = xp + hprev @ wh^T: copy xp into h, then add the product in place (beta = 1). */
    if (h != xp) memcpy(h, xp, sizeof(float) * (size_t)B * H);
    matmul(0, 1, B, H, H, 1.0f, hprev, H, wh, H, 1.0f, h, H);
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, H))
    for (int r = 0; r < B; r++)
        for (int j = 0; j < H; j++) h[(size_t)r * H + j] = tanhf(h[(size_t)r * H + j]);
}

/* d tanh(a)/da = 1 - tanh(a)^2 = 1 - h^2; the pre-activation feeds hprev through wh. */
void rnn_cell_backward(float *dxp, float *dhprev, const float *dh, const float *h, const float *wh, int B,
                       int H) {
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, H))
    for (int r = 0; r < B; r++)
        for (int j = 0; j < H; j++) {
            size_t k = (size_t)r * H + j;
            dxp[k] = dh[k] * (1.0f - h[k] * h[k]);
        }
    if (dhprev) matmul(0, 0, B, H, H, 1.0f, dxp, H, wh, H, 1.0f, dhprev, H);
}

/* ==== LSTM ==================================================================================== */

void lstm_cell_forward(float *h, float *c, float *cache, const float *xp, const float *hprev, const float *cprev,
                       const float *wh, int B, int H) {
    const int G = 4 * H, W = 5 * H;
    /* The four gates' pre-activations, row r at cache + r*5H: xp + hprev @ wh^T. */
    for (int r = 0; r < B; r++) memcpy(cache + (size_t)r * W, xp + (size_t)r * G, sizeof(float) * (size_t)G);
    matmul(0, 1, B, G, H, 1.0f, hprev, H, wh, H, 1.0f, cache, W);
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, G))
    for (int r = 0; r < B; r++) {
        float *a = cache + (size_t)r * W;
        float *i = a, *f = a + H, *g = a + 2 * H, *o = a + 3 * H, *tc = a + 4 * H;
        const float *cp = cprev + (size_t)r * H;
        float *cr = c + (size_t)r * H, *hr = h + (size_t)r * H;
        for (int j = 0; j < H; j++) {
            i[j] = sigm(i[j]);
            f[j] = sigm(f[j]);
            g[j] = tanhf(g[j]);
            o[j] = sigm(o[j]);
            cr[j] = f[j] * cp[j] + i[j] * g[j];
            tc[j] = tanhf(cr[j]);
            hr[j] = o[j] * tc[j];
        }
    }
}

/* With dc_t = dc + dh * o * (1 - tanh(c)^2), the whole gradient reaching c:
 *   do = dh * tanh(c)     di = dc_t * g     df = dc_t * cprev     dg = dc_t * i
 *   dcprev += dc_t * f    (the cell state's path: a product of forget gates, no squashing, C10)
 * and through the nonlinearities sig' = s (1 - s), tanh' = 1 - t^2. */
void lstm_cell_backward(float *dxp, float *dhprev, float *dcprev, const float *dh, const float *dc,
                        const float *cache, const float *cprev, const float *wh, int B, int H) {
    const int G = 4 * H, W = 5 * H;
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, G))
    for (int r = 0; r < B; r++) {
        const float *a = cache + (size_t)r * W;
        const float *i = a, *f = a + H, *g = a + 2 * H, *o = a + 3 * H, *tc = a + 4 * H;
        const float *cp = cprev + (size_t)r * H, *dhr = dh + (size_t)r * H;
        float *d = dxp + (size_t)r * G;
        for (int j = 0; j < H; j++) {
            float dct = dhr[j] * o[j] * (1.0f - tc[j] * tc[j]);
            if (dc) dct += dc[(size_t)r * H + j];
            float d_o = dhr[j] * tc[j];
            d[j] = dct * g[j] * i[j] * (1.0f - i[j]);
            d[H + j] = dct * cp[j] * f[j] * (1.0f - f[j]);
            d[2 * H + j] = dct * i[j] * (1.0f - g[j] * g[j]);
            d[3 * H + j] = d_o * o[j] * (1.0f - o[j]);
            if (dcprev) dcprev[(size_t)r * H + j] += dct * f[j];
        }
    }
    if (dhprev) matmul(0, 0, B, H, G, 1.0f, dxp, G, wh, H, 1.0f, dhprev, H);
}

/* ==== GRU ===================================================================================== */

void gru_cell_forward(float *h, float *cache, const float *xp, const float *hprev, const float *wh,
                      const float *bhn, int B, int H) {
    const int G = 3 * H, W = 4 * H;
    /* hp (B,3H) = hprev @ wh^T into the cache's r z n slots; the n block is moved to the hn slot
     * (with bhn) before the slot is overwritten by n itself. */
    matmul(0, 1, B, G, H, 1.0f, hprev, H, wh, H, 0.0f, cache, W);
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, G))
    for (int r = 0; r < B; r++) {
        float *a = cache + (size_t)r * W;
        float *rg = a, *z = a + H, *n = a + 2 * H, *hn = a + 3 * H;
        const float *x = xp + (size_t)r * G, *hp = hprev + (size_t)r * H;
        float *hr = h + (size_t)r * H;
        for (int j = 0; j < H; j++) {
            rg[j] = sigm(x[j] + rg[j]);
            z[j] = sigm(x[H + j] + z[j]);
            hn[j] = n[j] + bhn[j];
            n[j] = tanhf(x[2 * H + j] + rg[j] * hn[j]);
            hr[j] = (1.0f - z[j]) * n[j] + z[j] * hp[j];
        }
    }
}

/* From h = (1 - z) n + z hprev and n = tanh(an), an = xp_n + r * hn:
 *   dn = dh (1 - z)      dz = dh (hprev - n)      dhprev += dh z (the direct path)
 *   dan = dn (1 - n^2)   dr = dan * hn            dhn = dan * r (the recurrent n block, and dbhn)
 * then sig' = s (1 - s) for r and z. */
void gru_cell_backward(float *dxp, float *dhp, float *dhprev, const float *dh, const float *cache,
                       const float *hprev, const float *wh, int B, int H) {
    const int G = 3 * H, W = 4 * H;
#pragma omp parallel for schedule(static) if (ROWS_PARALLEL(B, G))
    for (int r = 0; r < B; r++) {
        const float *a = cache + (size_t)r * W;
        const float *rg = a, *z = a + H, *n = a + 2 * H, *hn = a + 3 * H;
        const float *hp = hprev + (size_t)r * H, *dhr = dh + (size_t)r * H;
        float *dx = dxp + (size_t)r * G, *dr = dhp + (size_t)r * G;
        for (int j = 0; j < H; j++) {
            float dn = dhr[j] * (1.0f - z[j]);
            float dz = dhr[j] * (hp[j] - n[j]);
            float dan = dn * (1.0f - n[j] * n[j]);
            float drg = dan * hn[j] * rg[j] * (1.0f - rg[j]);
            float dzp = dz * z[j] * (1.0f - z[j]);
            dx[j] = drg, dx[H + j] = dzp, dx[2 * H + j] = dan;
            dr[j] = drg, dr[H + j] = dzp, dr[2 * H + j] = dan * rg[j];
            if (dhprev) dhprev[(size_t)r * H + j] += dhr[j] * z[j];
        }
    }
    if (dhprev) matmul(0, 0, B, H, G, 1.0f, dhp, G, wh, H, 1.0f, dhprev, H);
}

/* ==== any cell ================================================================================ */

void cell_forward(CellType t, const CellWeights *w, int B, int H, float *h, float *c, float *cache,
                  const float *xp, const float *hprev, const float *cprev) {
    switch (t) {
    case CELL_RNN: rnn_cell_forward(h, xp, hprev, w->wh, B, H); break;
    case CELL_LSTM: lstm_cell_forward(h, c, cache, xp, hprev, cprev, w->wh, B, H); break;
    case CELL_GRU: gru_cell_forward(h, cache, xp, hprev, w->wh, w->bhn, B, H); break;
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
