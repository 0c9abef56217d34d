/* layers.c - see layers.h: embeddings and positions, the feed-forward network, residual + layer
 * norm, label-smoothed cross-entropy, and the parameter list helpers. */
#include "layers.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "embedding.h"
#include "layernorm.h"
#include "matmul.h"
#include "softmax.h"
#include "util.h"

/* ---- parameter lists ------------------------------------------------------------------------ */

void specs_add(SpecList *l, InitKind init, float std, int no_decay, int ndim, int d0, int d1, const char *fmt, ...) {
    if (ndim < 1 || ndim > 2) die("specs_add: %d dimensions; 1 or 2 expected", ndim);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->specs = xrealloc(l->specs, xmul((size_t)l->cap, sizeof *l->specs));
        l->init = xrealloc(l->init, xmul((size_t)l->cap, sizeof *l->init));
        l->std = xrealloc(l->std, xmul((size_t)l->cap, sizeof *l->std));
    }
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (len < 0 || len >= (int)sizeof name) die("specs_add: parameter name too long");
    ParamSpec *s = &l->specs[l->n];
    memset(s, 0, sizeof *s);
    s->name = xstrdup(name);
    s->ndim = ndim;
    s->shape[0] = d0;
    if (ndim == 2) s->shape[1] = d1;
    s->no_decay = no_decay;
    l->init[l->n] = init;
    l->std[l->n] = std;
    l->n++;
}

void specs_init_values(const SpecList *l, Params *p, Rng *rng) {
    if (p->n != l->n) die("specs_init_values: %d tensors in the buffer, %d in the list", p->n, l->n);
    for (int i = 0; i < l->n; i++) {
        const ParamSpec *s = &l->specs[i];
        float *x = p->data + p->offsets[i];
        size_t n = shape_numel(s->ndim, s->shape);
        switch (l->init[i]) {
        case INIT_ZERO: memset(x, 0, n * sizeof(float)); break;
        case INIT_ONE:
            for (size_t j = 0; j < n; j++) x[j] = 1.0f;
            break;
        case INIT_XAVIER: {
            /* weight (out, in): fan_out = shape[0], fan_in = shape[1] */
            int fan_out = s->shape[0], fan_in = s->ndim == 2 ? s->shape[1] : 1;
            float a = sqrtf(6.0f / (float)(fan_in + fan_out));
            rng_fill_uniform(rng, x, n, -a, a);
            break;
        }
        case INIT_NORMAL: rng_fill_normal(rng, x, n, 0.0f, l->std[i]); break;
        }
    }
}

void specs_free(SpecList *l) {
    for (int i = 0; i < l->n; i++) free((char *)l->specs[i].name);
    free(l->specs), free(l->init), free(l->std);
    memset(l, 0, sizeof *l);
}

void carve_struct(void *dst, size_t size, float *const *ptrs, int *next, int n) {
    int count = (int)(size / sizeof(float *));
    if (size % sizeof(float *) || *next + count > n) die("carve_struct: %zu bytes from tensor %d of %d", size, *next, n);
    memcpy(dst, ptrs + *next, size);
    *next += count;
}

void mha_specs(SpecList *l, const char *prefix, int C, int D, InitKind init, float std) {
    static const char *const proj[3] = {"q_proj", "k_proj", "v_proj"};
    for (int i = 0; i < 3; i++) {
        specs_add(l, init, std, 0, 2, D, C, "%s.%s.weight", prefix, proj[i]);
        specs_add(l, INIT_ZERO, 0, 1, 1, D, 0, "%s.%s.bias", prefix, proj[i]);
    }
    specs_add(l, init, std, 0, 2, C, D, "%s.out_proj.weight", prefix);
    specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "%s.out_proj.bias", prefix);
}

void ffn_specs(SpecList *l, const char *prefix, int C, int F, InitKind init, float std) {
    specs_add(l, init, std, 0, 2, F, C, "%s.linear1.weight", prefix);
    specs_add(l, INIT_ZERO, 0, 1, 1, F, 0, "%s.linear1.bias", prefix);
    specs_add(l, init, std, 0, 2, C, F, "%s.linear2.weight", prefix);
    specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "%s.linear2.bias", prefix);
}

void ln_specs(SpecList *l, const char *prefix, int C) {
    specs_add(l, INIT_ONE, 0, 1, 1, C, 0, "%s.weight", prefix);
    specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "%s.bias", prefix);
}

/* ---- embeddings and positions --------------------------------------------------------------- */

void sinusoidal_positions(float *pe, int T, int C) {
    for (int t = 0; t < T; t++)
        for (int i = 0; i < C; i += 2) {
            /* the wavelengths form a geometric progression from 2 pi to 10000 * 2 pi */
            double angle = t / pow(10000.0, (double)i / C);
            pe[(size_t)t * C + i] = (float)sin(angle);
            if (i + 1 < C) pe[(size_t)t * C + i + 1] = (float)cos(angle);
        }
}

void embed_forward(float *out, const int *ids, const float *table, const float *pos, int B, int T, int V, int C,
                   float scale) {
    embedding_forward(out, ids, table, B * T, V, C); /* the lookup: a one-hot row times the table */
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            float *o = out + ((size_t)b * T + t) * C;
            const float *p = pos ? pos + (size_t)t * C : NULL;
            for (int c = 0; c < C; c++) o[c] = scale * o[c] + (p ? p[c] : 0.0f);
        }
}

void embed_backward(float *dtable, float *dpos, const float *dout, const int *ids, int B, int T, int C, float scale) {
    if (scale == 1.0f) {
        embedding_backward(dtable, ids, dout, B * T, C);
    } else { /* the same with the scale folded in (serial: two positions may share a row) */
        for (int i = 0; i < B * T; i++) {
            float *row = dtable + (size_t)ids[i] * C;
            const float *d = dout + (size_t)i * C;
            for (int c = 0; c < C; c++) row[c] += scale * d[c];
        }
    }
    if (dpos)
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                for (int c = 0; c < C; c++) dpos[(size_t)t * C + c] += dout[((size_t)b * T + t) * C + c];
}

/* ---- feed-forward --------------------------------------------------------------------------- */

void ffn_init(Ffn *f, int C, int F, int maxN, FfnAct act) {
    memset(f, 0, sizeof *f);
    f->C = C, f->F = F, f->maxN = maxN, f->act = act;
    size_t n = (size_t)maxN * F;
    f->h = xcalloc(n, sizeof(float)), f->a = xcalloc(n, sizeof(float));
    f->da = xcalloc(n, sizeof(float)), f->dh = xcalloc(n, sizeof(float));
}

void ffn_free(Ffn *f) {
    free(f->h), free(f->a), free(f->da), free(f->dh);
    memset(f, 0, sizeof *f);
}

const char *ffn_act_name(FfnAct a) { return a == FFN_GELU ? "gelu" : "relu"; }

void ffn_forward(Ffn *f, const FfnWeights *w, float *out, const float *x, int N) {
    if (N > f->maxN) die("ffn_forward: %d rows, buffers for %d", N, f->maxN);
    f->N = N;
    size_t n = (size_t)N * f->F;
    linear_forward(f->h, x, w->w1, w->b1, N, f->C, f->F); /* widen: (N,C) -> (N,F) */
    if (f->act == FFN_GELU) gelu_forward(f->a, f->h, n);
    else relu_forward(f->a, f->h, n);
    linear_forward(out, f->a, w->w2, w->b2, N, f->F, f->C); /* and back: (N,F) -> (N,C) */
}

void ffn_backward(Ffn *f, const FfnWeights *w, FfnWeights *g, float *dx, const float *dout, const float *x) {
    int N = f->N;
    size_t n = (size_t)N * f->F;
    memset(f->da, 0, n * sizeof(float));
    linear_backward(f->da, g->w2, g->b2, dout, f->a, w->w2, N, f->F, f->C);
    memset(f->dh, 0, n * sizeof(float));
    if (f->act == FFN_GELU) gelu_backward(f->dh, f->h, f->da, n);
    else relu_backward(f->dh, f->a, f->da, n);
    linear_backward(dx, g->w1, g->b1, f->dh, x, w->w1, N, f->C, f->F);
}

/* ---- residual + layer norm ------------------------------------------------------------------ */

void residual_init(Residual *r, int C, int maxN, int prenorm, float p_drop, float eps) {
    memset(r, 0, sizeof *r);
    r->C = C, r->maxN = maxN, r->prenorm = prenorm, r->p_drop = p_drop, r->eps = eps;
    size_t n = (size_t)maxN * C;
    r->normed = xcalloc(n, sizeof(float)), r->sum = xcalloc(n, sizeof(float));
    r->dmask = xcalloc(n, sizeof(float)), r->dsum = xcalloc(n, sizeof(float));
    r->mean = xcalloc((size_t)maxN, sizeof(float)), r->rstd = xcalloc((size_t)maxN, sizeof(float));
}

void residual_free(Residual *r) {
    free(r->normed), free(r->sum), free(r->dmask), free(r->dsum), free(r->mean), free(r->rstd);
    memset(r, 0, sizeof *r);
}

const float *residual_in_forward(Residual *r, const LnWeights *ln, const float *x, int N) {
    if (N > r->maxN) die("residual: %d rows, buffers for %d", N, r->maxN);
    r->N = N;
    if (!r->prenorm) return x;
    layernorm_forward(r->normed, r->mean, r->rstd, x, ln->w, ln->b, N, r->C, r->eps);
    return r->normed;
}

void residual_out_forward(Residual *r, const LnWeights *ln, float *out, const float *x, const float *sub, int N,
                          Rng *rng) {
    if (N > r->maxN) die("residual: %d rows, buffers for %d", N, r->maxN);
    r->N = N;
    size_t n = (size_t)N * r->C;
    r->dropped = rng && r->p_drop > 0;
    float *s = r->prenorm ? out : r->sum;
    if (r->dropped) dropout_forward(s, r->dmask, sub, n, r->p_drop, rng);
    else memcpy(s, sub, n * sizeof(float));
    for (size_t i = 0; i < n; i++) s[i] += x[i]; /* the residual: the input goes around the sub-layer */
    if (!r->prenorm) layernorm_forward(out, r->mean, r->rstd, r->sum, ln->w, ln->b, N, r->C, r->eps);
}

void residual_out_backward(Residual *r, const LnWeights *ln, LnWeights *g, float *dx, float *dsub,
                           const float *dout) {
    size_t n = (size_t)r->N * r->C;
    const float *ds = dout;
    if (!r->prenorm) {
        memset(r->dsum, 0, n * sizeof(float));
        layernorm_backward(r->dsum, g->w, g->b, dout, r->sum, ln->w, r->mean, r->rstd, r->N, r->C);
        ds = r->dsum;
    }
    for (size_t i = 0; i < n; i++) dx[i] += ds[i];
    if (r->dropped) dropout_backward(dsub, r->dmask, ds, n);
    else
        for (size_t i = 0; i < n; i++) dsub[i] += ds[i];
}

void residual_in_backward(Residual *r, const LnWeights *ln, LnWeights *g, float *dx, const float *dsubin,
                          const float *x) {
    size_t n = (size_t)r->N * r->C;
    if (r->prenorm) layernorm_backward(dx, g->w, g->b, dsubin, x, ln->w, r->mean, r->rstd, r->N, r->C);
    else
        for (size_t i = 0; i < n; i++) dx[i] += dsubin[i];
}

/* ---- label-smoothed cross-entropy ----------------------------------------------------------- */

float ls_crossentropy_forward(float *probs, double *nll, const float *logits, const int *targets, int N, int V,
                              float eps) {
    softmax_forward(probs, logits, N, V);
    double loss = 0, plain = 0;
    int count = 0;
    for (int i = 0; i < N; i++) {
        int t = targets[i];
        if (t < 0) continue;
        if (t >= V) die("cross-entropy: target id %d out of range (vocabulary of %d)", t, V);
        const float *x = logits + (size_t)i * V;
        /* log p[j] = x[j] - logsumexp(x), from the logits (exact even where p underflows) */
        float maxv = -INFINITY;
        for (int j = 0; j < V; j++) maxv = x[j] > maxv ? x[j] : maxv;
        double se = 0, sx = 0;
        for (int j = 0; j < V; j++) se += exp((double)x[j] - maxv), sx += x[j];
        double lse = maxv + log(se);
        double lp_t = x[t] - lse, lp_sum = sx - V * lse;
        loss += -(1.0 - eps) * lp_t - (eps / V) * lp_sum;
        plain += -lp_t;
        count++;
    }
    if (nll) *nll = count ? plain / count : 0.0;
    return count ? (float)(loss / count) : 0.0f;
}

void ls_crossentropy_backward(float *dlogits, const float *probs, const int *targets, int N, int V, float eps,
                              float dloss) {
    int count = 0;
    for (int i = 0; i < N; i++) count += targets[i] >= 0;
    if (!count) return;
    float scale = dloss / (float)count, smooth = eps / (float)V;
#pragma omp parallel for if ((size_t)N * V > 32768)
    for (int i = 0; i < N; i++) {
        int t = targets[i];
        if (t < 0) continue;
        const float *p = probs + (size_t)i * V;
        float *dx = dlogits + (size_t)i * V;
        for (int j = 0; j < V; j++) dx[j] += scale * (p[j] - smooth - (j == t ? 1.0f - eps : 0.0f));
    }
}
