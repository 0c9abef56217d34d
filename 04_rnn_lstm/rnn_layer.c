/* rnn_layer.c - backpropagation through time, the bidirectional wrapper and layer stacks (see
 * rnn_layer.h). Chapter 04, claims C9-C12. */
#include "rnn_layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "matmul.h"
#include "util.h"

static float *falloc(size_t rows, size_t width) { return xcalloc(xmul(rows, width), sizeof(float)); }
static void fcopy(float *dst, const float *src, size_t n) { memcpy(dst, src, n * sizeof(float)); }

/* ==== one layer ================================================================================ */

void rnn_layer_init(RnnLayer *l, CellType t, int C, int H, int reverse, int maxT, int maxB) {
    if (C < 1 || H < 1 || maxT < 1 || maxB < 1)
        die("rnn_layer_init: sizes must be positive (C %d, H %d, T %d, B %d)", C, H, maxT, maxB);
    memset(l, 0, sizeof *l);
    l->type = t, l->C = C, l->H = H, l->G = cell_gates(t), l->reverse = reverse;
    l->maxT = maxT, l->maxB = maxB;
    size_t rows = (size_t)maxT * maxB, GH = (size_t)l->G * H;
    l->x = falloc(rows, (size_t)C);
    l->xp = falloc(rows, GH);
    l->wht = falloc((size_t)H, GH);
    l->hs = falloc(rows + (size_t)maxB, (size_t)H);
    if (t == CELL_LSTM) l->cs = falloc(rows + (size_t)maxB, (size_t)H);
    if (cell_cache_width(t, H) > 0) l->cache = falloc(rows, (size_t)cell_cache_width(t, H));
    l->dxp = falloc(rows, GH);
    l->dhp = t == CELL_GRU ? falloc(rows, GH) : l->dxp;
    for (int i = 0; i < 2; i++) l->dh[i] = falloc((size_t)maxB, (size_t)H), l->dc[i] = falloc((size_t)maxB, (size_t)H);
    if (reverse) l->dxbuf = falloc(rows, (size_t)C);
}

void rnn_layer_free(RnnLayer *l) {
    free(l->x), free(l->xp), free(l->wht), free(l->hs), free(l->cs), free(l->cache), free(l->dxp);
    if (l->dhp != l->dxp) free(l->dhp);
    for (int i = 0; i < 2; i++) free(l->dh[i]), free(l->dc[i]);
    free(l->dxbuf);
    memset(l, 0, sizeof *l);
}

/* Position read at step k. */
static int pos_of(const RnnLayer *l, int k) { return l->reverse ? l->T - 1 - k : k; }

void rnn_layer_begin(RnnLayer *l, const CellWeights *w, int B, const float *h0, const float *c0) {
    if (B < 1 || B > l->maxB) die("rnn_layer: batch %d outside the capacity [1, %d]", B, l->maxB);
    l->B = B, l->T = 0;
    cell_transpose_wh(l->wht, w->wh, l->G * l->H, l->H);
    size_t n = (size_t)B * l->H;
    if (h0) fcopy(l->hs, h0, n);
    else memset(l->hs, 0, n * sizeof(float));
    if (l->cs) {
        if (c0) fcopy(l->cs, c0, n);
        else memset(l->cs, 0, n * sizeof(float));
    }
}

/* Step k of the recurrence, its input projection already in xp[k]. */
static void run_step(RnnLayer *l, const CellWeights *w, int k) {
    int B = l->B, H = l->H;
    size_t sH = (size_t)B * H, sG = sH * l->G, sK = (size_t)B * cell_cache_width(l->type, H);
    cell_forward(l->type, w, l->wht, B, H, l->hs + (k + 1) * sH, l->cs ? l->cs + (k + 1) * sH : NULL,
                 l->cache ? l->cache + k * sK : NULL, l->xp + k * sG, l->hs + k * sH, l->cs ? l->cs + k * sH : NULL);
}

const float *rnn_layer_step(RnnLayer *l, const CellWeights *w, const float *x_t) {
    if (l->reverse) die("rnn_layer_step: a right-to-left layer needs the whole sequence (rnn_layer_forward)");
    if (l->T >= l->maxT) die("rnn_layer_step: more than %d steps (the capacity)", l->maxT);
    int k = l->T++;
    size_t sx = (size_t)l->B * l->C, sG = (size_t)l->B * l->G * l->H;
    fcopy(l->x + k * sx, x_t, sx);
    linear_forward(l->xp + k * sG, l->x + k * sx, w->wx, w->b, l->B, l->C, l->G * l->H);
    run_step(l, w, k);
    return l->hs + (size_t)(k + 1) * l->B * l->H;
}

void rnn_layer_forward(RnnLayer *l, const CellWeights *w, float *out, const float *x, const float *h0,
                       const float *c0, int T, int B) {
    if (T < 1 || T > l->maxT) die("rnn_layer_forward: %d steps outside the capacity [1, %d]", T, l->maxT);
    rnn_layer_begin(l, w, B, h0, c0);
    l->T = T;
    size_t sx = (size_t)B * l->C, sH = (size_t)B * l->H;
    for (int k = 0; k < T; k++) fcopy(l->x + k * sx, x + (size_t)pos_of(l, k) * sx, sx);
    /* every step's input projection in one matmul over T*B rows: it does not depend on h */
    linear_forward(l->xp, l->x, w->wx, w->b, T * B, l->C, l->G * l->H);
    for (int k = 0; k < T; k++) run_step(l, w, k);
    for (int k = 0; k < T; k++) fcopy(out + (size_t)pos_of(l, k) * sH, l->hs + (k + 1) * sH, sH);
}

void rnn_layer_final_state(const RnnLayer *l, float *h, float *c) {
    size_t sH = (size_t)l->B * l->H;
    if (h) fcopy(h, l->hs + (size_t)l->T * sH, sH);
    if (c && l->cs) fcopy(c, l->cs + (size_t)l->T * sH, sH);
}

void rnn_layer_backward(RnnLayer *l, const CellWeights *w, const CellWeights *g, float *dx, float *dh0,
                        float *dc0, const float *dout, const float *dhT, const float *dcT) {
    int T = l->T, B = l->B, H = l->H;
    if (T < 1) die("rnn_layer_backward: no forward to go back through");
    size_t sH = (size_t)B * H, sG = sH * l->G, sK = (size_t)B * cell_cache_width(l->type, H);
    float *dh = l->dh[0], *dhn = l->dh[1], *dc = l->dc[0], *dcn = l->dc[1];
    if (dhT) fcopy(dh, dhT, sH);
    else memset(dh, 0, sH * sizeof(float));
    if (dcT) fcopy(dc, dcT, sH);
    else memset(dc, 0, sH * sizeof(float));
    for (int k = T - 1; k >= 0; k--) {
        size_t p = (size_t)pos_of(l, k);
        /* the whole gradient reaching h at this step: from the output, plus from step k+1 */
        if (dout)
            for (size_t i = 0; i < sH; i++) dh[i] += dout[p * sH + i];
        if (l->dh_record) fcopy(l->dh_record + p * sH, dh, sH);
        memset(dhn, 0, sH * sizeof(float));
        if (l->cs) memset(dcn, 0, sH * sizeof(float));
        cell_backward(l->type, w, B, H, l->dxp + k * sG, l->dhp + k * sG, dhn, l->cs ? dcn : NULL, dh,
                      l->cs ? dc : NULL, l->hs + (k + 1) * sH, l->cache ? l->cache + k * sK : NULL, l->hs + k * sH,
                      l->cs ? l->cs + k * sH : NULL);
        float *t = dh;
        dh = dhn, dhn = t;
        t = dc, dc = dcn, dcn = t;
    }
    if (dh0)
        for (size_t i = 0; i < sH; i++) dh0[i] += dh[i];
    if (dc0 && l->cs)
        for (size_t i = 0; i < sH; i++) dc0[i] += dc[i];
    /* The weights are shared by all steps: their gradients are sums over the T*B rows, taken in
     * one go. hs[0..T-1] is exactly the (T*B, H) matrix of "previous states". */
    size_t sx = (size_t)B * l->C;
    float *dxk = NULL;
    if (dx && !l->reverse) dxk = dx;
    else if (dx) dxk = l->dxbuf, memset(dxk, 0, (size_t)T * sx * sizeof(float));
    cell_weight_backward(l->type, w, g, dxk, l->dxp, l->dhp, l->x, l->hs, T * B, l->C, H);
    if (dx && l->reverse)
        for (int k = 0; k < T; k++) {
            float *d = dx + (size_t)pos_of(l, k) * sx;
            const float *s = l->dxbuf + k * sx;
            for (size_t i = 0; i < sx; i++) d[i] += s[i];
        }
}

/* ==== the bidirectional wrapper ================================================================ */

void birnn_init(BiRnn *b, CellType t, int C, int H, int D, int maxT, int maxB) {
    if (D != 1 && D != 2) die("birnn_init: %d directions (1 or 2)", D);
    memset(b, 0, sizeof *b);
    b->D = D, b->C = C, b->H = H;
    size_t rows = (size_t)maxT * maxB;
    for (int d = 0; d < D; d++) {
        rnn_layer_init(&b->dir[d], t, C, H, d == 1, maxT, maxB);
        b->o[d] = falloc(rows, (size_t)H);
    }
    if (D == 2) {
        b->out = falloc(rows, 2 * (size_t)H);
        b->dsplit = falloc(rows, (size_t)H);
    } else
        b->out = b->o[0];
}

void birnn_free(BiRnn *b) {
    for (int d = 0; d < b->D; d++) rnn_layer_free(&b->dir[d]), free(b->o[d]);
    if (b->D == 2) free(b->out), free(b->dsplit);
    memset(b, 0, sizeof *b);
}

const float *birnn_forward(BiRnn *b, const CellWeights *w, const float *x, float *const *h0,
                           float *const *c0, int T, int B) {
    for (int d = 0; d < b->D; d++)
        rnn_layer_forward(&b->dir[d], &w[d], b->o[d], x, h0 ? h0[d] : NULL, c0 ? c0[d] : NULL, T, B);
    if (b->D == 2) {
        size_t rows = (size_t)T * B, H = (size_t)b->H;
        for (size_t r = 0; r < rows; r++) {
            fcopy(b->out + r * 2 * H, b->o[0] + r * H, H);
            fcopy(b->out + r * 2 * H + H, b->o[1] + r * H, H);
        }
    }
    return b->out;
}

void birnn_backward(BiRnn *b, const CellWeights *w, const CellWeights *g, float *dx, float *const *dh0,
                    float *const *dc0, const float *dout) {
    if (b->D == 1) {
        rnn_layer_backward(&b->dir[0], &w[0], &g[0], dx, dh0 ? dh0[0] : NULL, dc0 ? dc0[0] : NULL, dout, NULL, NULL);
        return;
    }
    size_t rows = (size_t)b->dir[0].T * b->dir[0].B, H = (size_t)b->H;
    for (int d = 0; d < 2; d++) {
        /* each direction gets its half of every row of dout */
        for (size_t r = 0; r < rows; r++) fcopy(b->dsplit + r * H, dout + r * 2 * H + (size_t)d * H, H);
        rnn_layer_backward(&b->dir[d], &w[d], &g[d], dx, dh0 ? dh0[d] : NULL, dc0 ? dc0[d] : NULL, b->dsplit, NULL,
                           NULL);
    }
}

/* ==== stacks =================================================================================== */

static void layer_prefix(char *buf, size_t n, const char *prefix, int l, int d) {
    snprintf(buf, n, "%s.l%d%s", prefix, l, d ? "r" : "");
}

void rnn_stack_add_specs(SpecList *s, const char *prefix, CellType t, int L, int D, int C, int H) {
    char name[SPEC_NAME_MAX];
    for (int l = 0; l < L; l++)
        for (int d = 0; d < D; d++) {
            layer_prefix(name, sizeof name, prefix, l, d);
            cell_add_specs(s, t, name, l == 0 ? C : D * H, H);
        }
}

void rnn_stack_init(RnnStack *s, CellType t, int L, int D, int C, int H, float dropout, int maxT, int maxB) {
    if (L < 1) die("rnn_stack_init: %d layers", L);
    memset(s, 0, sizeof *s);
    s->type = t, s->L = L, s->D = D, s->C = C, s->H = H, s->dropout = dropout, s->maxT = maxT, s->maxB = maxB;
    s->layer = xcalloc((size_t)L, sizeof *s->layer);
    s->w = xcalloc((size_t)(L * D), sizeof *s->w);
    s->g = xcalloc((size_t)(L * D), sizeof *s->g);
    s->h0 = xcalloc((size_t)(L * D), sizeof(float *));
    s->c0 = xcalloc((size_t)(L * D), sizeof(float *));
    s->dh0 = xcalloc((size_t)(L * D), sizeof(float *));
    s->dc0 = xcalloc((size_t)(L * D), sizeof(float *));
    s->mask = xcalloc((size_t)L, sizeof(float *));
    s->dropped = xcalloc((size_t)L, sizeof(float *));
    size_t rows = (size_t)maxT * maxB, width = (size_t)D * H;
    for (int l = 0; l < L; l++) {
        birnn_init(&s->layer[l], t, l == 0 ? C : D * H, H, D, maxT, maxB);
        for (int d = 0; d < D; d++) {
            int i = l * D + d;
            s->h0[i] = falloc((size_t)maxB, (size_t)H), s->c0[i] = falloc((size_t)maxB, (size_t)H);
            s->dh0[i] = falloc((size_t)maxB, (size_t)H), s->dc0[i] = falloc((size_t)maxB, (size_t)H);
        }
        if (dropout > 0) s->mask[l] = falloc(rows, width), s->dropped[l] = falloc(rows, width);
    }
    size_t dwidth = width > (size_t)C ? width : (size_t)C;
    s->dbuf[0] = falloc(rows, dwidth), s->dbuf[1] = falloc(rows, dwidth);
}

void rnn_stack_free(RnnStack *s) {
    for (int l = 0; l < s->L; l++) {
        birnn_free(&s->layer[l]);
        for (int d = 0; d < s->D; d++) {
            int i = l * s->D + d;
            free(s->h0[i]), free(s->c0[i]), free(s->dh0[i]), free(s->dc0[i]);
        }
        free(s->mask[l]), free(s->dropped[l]);
    }
    free(s->layer), free(s->w), free(s->g), free(s->h0), free(s->c0), free(s->dh0), free(s->dc0);
    free(s->mask), free(s->dropped), free(s->dbuf[0]), free(s->dbuf[1]);
    memset(s, 0, sizeof *s);
}

void rnn_stack_bind(RnnStack *s, const Params *p, const char *prefix) {
    char name[SPEC_NAME_MAX];
    for (int l = 0; l < s->L; l++)
        for (int d = 0; d < s->D; d++) {
            layer_prefix(name, sizeof name, prefix, l, d);
            s->w[l * s->D + d] = cell_weights(p, p->data, s->type, name);
            s->g[l * s->D + d] = cell_weights(p, p->grad, s->type, name);
        }
}

void rnn_stack_init_weights(RnnStack *s, float forget_bias, Rng *rng) {
    for (int l = 0; l < s->L; l++)
        for (int d = 0; d < s->D; d++)
            cell_init(s->type, &s->w[l * s->D + d], l == 0 ? s->C : s->D * s->H, s->H, forget_bias, rng);
}

void rnn_stack_reset(RnnStack *s) {
    for (int i = 0; i < s->L * s->D; i++) {
        memset(s->h0[i], 0, sizeof(float) * (size_t)s->maxB * s->H);
        memset(s->c0[i], 0, sizeof(float) * (size_t)s->maxB * s->H);
    }
}

const float *rnn_stack_forward(RnnStack *s, const float *x, int T, int B, int train, Rng *rng) {
    s->T = T, s->B = B, s->train = train && s->dropout > 0;
    const float *in = x;
    size_t n = (size_t)T * B * s->D * s->H;
    for (int l = 0; l < s->L; l++) {
        const float *out = birnn_forward(&s->layer[l], &s->w[l * s->D], in, &s->h0[l * s->D], &s->c0[l * s->D], T, B);
        if (s->train) {
            dropout_forward(s->dropped[l], s->mask[l], out, n, s->dropout, rng);
            out = s->dropped[l];
        }
        in = out;
    }
    return in;
}

void rnn_stack_carry(RnnStack *s) {
    for (int l = 0; l < s->L; l++)
        for (int d = 0; d < s->D; d++)
            rnn_layer_final_state(&s->layer[l].dir[d], s->h0[l * s->D + d], s->c0[l * s->D + d]);
}

void rnn_stack_backward(RnnStack *s, float *dx, const float *dout) {
    size_t n = (size_t)s->T * s->B * s->D * s->H;
    for (int i = 0; i < s->L * s->D; i++) {
        memset(s->dh0[i], 0, sizeof(float) * (size_t)s->maxB * s->H);
        memset(s->dc0[i], 0, sizeof(float) * (size_t)s->maxB * s->H);
    }
    /* d is the gradient reaching the current layer's output; each new gradient goes into the
     * scratch buffer that d is not in (they alternate). */
    const float *d = dout;
    int next = 0;
    for (int l = s->L - 1; l >= 0; l--) {
        if (s->train) { /* through the dropout on this layer's output first */
            float *t = s->dbuf[next];
            next ^= 1;
            memset(t, 0, n * sizeof(float));
            dropout_backward(t, s->mask[l], d, n);
            d = t;
        }
        float *din = dx;
        if (l > 0) {
            din = s->dbuf[next];
            next ^= 1;
            memset(din, 0, n * sizeof(float));
        }
        birnn_backward(&s->layer[l], &s->w[l * s->D], &s->g[l * s->D], din, &s->dh0[l * s->D], &s->dc0[l * s->D], d);
        d = din;
    }
}
