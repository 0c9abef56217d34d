/* test_kernels.c - every layer of common/ with a backward: finite-difference gradient checks on
 * seeded random inputs, and forward/backward values against PyTorch (tests/fixtures/reference.txt,
 * written by tests/make_fixtures.py). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "embedding.h"
#include "gradcheck.h"
#include "layernorm.h"
#include "softmax.h"
#include "testutil.h"
#include "util.h"

#define REF FIXTURE("reference.txt")
/* Finite differences in float: h = 1e-3 keeps round-off (~1e-7 |L| / h) and truncation (~h^2)
 * both near 1e-4; the tolerance leaves a margin above that, far below any real error. */
#define H 1e-3
#define ATOL 2e-3
#define RTOL 2e-2

/* ---- element-wise activations: loss = sum(f(x) * r) ---- */
typedef enum { ACT_TANH, ACT_SIGMOID, ACT_RELU, ACT_GELU } Act;
typedef struct {
    Act act;
    float *x, *y, *r;
    size_t n;
} ActCtx;

static void act_forward(ActCtx *c) {
    switch (c->act) {
    case ACT_TANH: tanh_forward(c->y, c->x, c->n); break;
    case ACT_SIGMOID: sigmoid_forward(c->y, c->x, c->n); break;
    case ACT_RELU: relu_forward(c->y, c->x, c->n); break;
    case ACT_GELU: gelu_forward(c->y, c->x, c->n); break;
    }
}

static double act_loss(void *ctx) {
    ActCtx *c = ctx;
    act_forward(c);
    return dot_loss(c->y, c->r, c->n);
}

static void act_backward(ActCtx *c, float *dx) {
    switch (c->act) {
    case ACT_TANH: tanh_backward(dx, c->y, c->r, c->n); break;
    case ACT_SIGMOID: sigmoid_backward(dx, c->y, c->r, c->n); break;
    case ACT_RELU: relu_backward(dx, c->y, c->r, c->n); break;
    case ACT_GELU: gelu_backward(dx, c->x, c->r, c->n); break;
    }
}

START_TEST(activations_gradcheck) {
    enum { N = 64 };
    float x[N], y[N], r[N], dx[N];
    for (int a = ACT_TANH; a <= ACT_GELU; a++) {
        fill_uniform(x, N, -3, 3, 10 + (uint64_t)a);
        fill_uniform(r, N, -1, 1, 20 + (uint64_t)a);
        /* ReLU has a kink at 0: keep inputs away from it, as ggml does, or the difference quotient
         * straddles the corner. */
        if (a == ACT_RELU)
            for (int i = 0; i < N; i++)
                if (fabsf(x[i]) < 0.01f) x[i] = 0.5f;
        ActCtx c = {(Act)a, x, y, r, N};
        act_forward(&c);
        memset(dx, 0, sizeof dx);
        act_backward(&c, dx);
        GradCheck g = gradcheck(act_loss, &c, x, dx, N, H, ATOL, RTOL, 0);
        ck_assert_msg(g.worst <= 1, "activation %d: grad[%zu] analytic %g numeric %g", a, g.worst_index,
                      g.analytic, g.numeric);
    }
}
END_TEST

START_TEST(backward_accumulates) {
    /* Backward adds into the gradient: run it twice and get twice the gradient. */
    float x[8], y[8], r[8], once[8] = {0}, twice[8] = {0};
    fill_uniform(x, 8, -2, 2, 1), fill_uniform(r, 8, -1, 1, 2);
    gelu_forward(y, x, 8);
    gelu_backward(once, x, r, 8);
    gelu_backward(twice, x, r, 8);
    gelu_backward(twice, x, r, 8);
    for (int i = 0; i < 8; i++) ck_assert_float_eq_tol(twice[i], 2 * once[i], 1e-6);
}
END_TEST

START_TEST(gradcheck_catches_a_wrong_backward) {
    /* The checker must be able to fail: give it tanh's gradient for a GELU. */
    enum { N = 32 };
    float x[N], y[N], r[N], dx[N] = {0};
    fill_uniform(x, N, -2, 2, 5), fill_uniform(r, N, -1, 1, 6);
    ActCtx c = {ACT_GELU, x, y, r, N};
    tanh_forward(y, x, N);
    tanh_backward(dx, y, r, N);
    GradCheck g = gradcheck(act_loss, &c, x, dx, N, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst > 1, "a wrong gradient passed the check (worst %g)", g.worst);
    /* and a gradient that is right except for one element, off by 5% */
    memset(dx, 0, sizeof dx);
    act_forward(&c);
    gelu_backward(dx, x, r, N);
    dx[7] *= 1.05f;
    g = gradcheck(act_loss, &c, x, dx, N, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst > 1 && g.worst_index == 7, "a 5%% error in one element passed (worst %g at %zu)", g.worst,
                  g.worst_index);
}
END_TEST

/* GELU's erf-free normal CDF (activations.c) against the formula in double precision, on a dense
 * grid over [-12, 12]: relative error, since the tail values are tiny but still meaningful. */
START_TEST(gelu_matches_double_precision) {
    enum { N = 24001 };
    float *x = xmalloc(sizeof(float) * N), *y = xmalloc(sizeof(float) * N), *dx = xcalloc(N, sizeof(float));
    float *one = xmalloc(sizeof(float) * N);
    for (int i = 0; i < N; i++) x[i] = -12.0f + 0.001f * (float)i, one[i] = 1.0f;
    gelu_forward(y, x, N);
    gelu_backward(dx, x, one, N);
    double worst_y = 0, worst_dx = 0;
    for (int i = 0; i < N; i++) {
        double v = x[i], cdf = 0.5 * erfc(-v / sqrt(2.0)), pdf = exp(-0.5 * v * v) / sqrt(2 * 3.14159265358979324);
        double ry = v * cdf, rdx = cdf + v * pdf;
        double ey = fabs(y[i] - ry) / (fabs(ry) + 1e-30), edx = fabs(dx[i] - rdx) / (fabs(rdx) + 0.05); /* the derivative crosses 0 near x = -0.75 */
        if (fabs(ry) > 1e-30 && ey > worst_y) worst_y = ey;
        if (edx > worst_dx) worst_dx = edx;
    }
    ck_assert_msg(worst_y < 2e-5, "GELU relative error %g", worst_y);
    ck_assert_msg(worst_dx < 5e-6, "GELU derivative relative error %g", worst_dx);
    /* and the edges: 0 at 0, x for large x, 0 (not NaN) far below, NaN stays NaN */
    float e[4] = {0.0f, 30.0f, -100.0f, NAN}, ey[4];
    gelu_forward(ey, e, 4);
    ck_assert(ey[0] == 0.0f && ey[1] == 30.0f && ey[2] == 0.0f && isnan(ey[3]));
    free(x), free(y), free(dx), free(one);
}
END_TEST

START_TEST(activations_match_pytorch) {
    int nd, shape[8];
    float *x = fixture_load(REF, "gelu_x", &nd, shape);
    int n = shape[0];
    float *y = xmalloc(sizeof(float) * (size_t)n), *dx = xcalloc((size_t)n, sizeof(float));
    float *gy = fixture_load(REF, "gelu_y", NULL, NULL), *gdy = fixture_load(REF, "gelu_dy", NULL, NULL);
    float *gdx = fixture_load(REF, "gelu_dx", NULL, NULL);
    gelu_forward(y, x, (size_t)n);
    ck_assert_allclose(y, gy, (size_t)n, 1e-6, 1e-5);
    gelu_backward(dx, x, gdy, (size_t)n);
    ck_assert_allclose(dx, gdx, (size_t)n, 1e-6, 1e-5);
    float *ty = fixture_load(REF, "tanh_y", NULL, NULL), *sy = fixture_load(REF, "sigmoid_y", NULL, NULL);
    tanh_forward(y, x, (size_t)n);
    ck_assert_allclose(y, ty, (size_t)n, 1e-7, 1e-6);
    sigmoid_forward(y, x, (size_t)n);
    ck_assert_allclose(y, sy, (size_t)n, 1e-7, 1e-6);
    free(x), free(y), free(dx), free(gy), free(gdy), free(gdx), free(ty), free(sy);
}
END_TEST

/* ---- bias ---- */
typedef struct {
    float *base, *bias, *out, *r;
    int N, C;
} BiasCtx;
static double bias_loss(void *ctx) {
    BiasCtx *c = ctx;
    memcpy(c->out, c->base, sizeof(float) * (size_t)c->N * c->C);
    bias_forward(c->out, c->bias, c->N, c->C);
    return dot_loss(c->out, c->r, (size_t)c->N * c->C);
}
START_TEST(bias_gradcheck) {
    enum { N = 5, C = 6 };
    float base[N * C], bias[C], out[N * C], r[N * C], db[C] = {0};
    fill_uniform(base, N * C, -1, 1, 1), fill_uniform(bias, C, -1, 1, 2), fill_uniform(r, N * C, -1, 1, 3);
    BiasCtx c = {base, bias, out, r, N, C};
    bias_backward(db, r, N, C);
    GradCheck g = gradcheck(bias_loss, &c, bias, db, C, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "bias grad[%zu] %g vs %g", g.worst_index, g.analytic, g.numeric);
}
END_TEST

/* ---- dropout ---- */
START_TEST(dropout_statistics_and_backward) {
    enum { N = 100000 };
    float *x = xmalloc(N * sizeof(float)), *y = xmalloc(N * sizeof(float)), *m = xmalloc(N * sizeof(float));
    float *dx = xcalloc(N, sizeof(float));
    for (int i = 0; i < N; i++) x[i] = 1.0f;
    Rng rng;
    rng_seed(&rng, 42);
    dropout_forward(y, m, x, N, 0.1f, &rng);
    double kept = 0, mean = 0;
    for (int i = 0; i < N; i++) kept += m[i] != 0, mean += y[i];
    /* 10% dropped within 4 standard deviations (sd = sqrt(N p (1-p)) ~ 95) */
    ck_assert_msg(fabs(kept - 0.9 * N) < 400, "kept %g of %d", kept, N);
    ck_assert_msg(fabs(mean / N - 1.0) < 0.01, "mean after dropout %g, expected ~1", mean / N);
    dropout_backward(dx, m, x, N);
    for (int i = 0; i < N; i++) ck_assert_float_eq(dx[i], m[i]);
    dropout_forward(y, m, x, N, 0.0f, &rng); /* p = 0 is the identity */
    for (int i = 0; i < N; i++) ck_assert_float_eq(y[i], x[i]);
    free(x), free(y), free(m), free(dx);
}
END_TEST

/* ---- softmax and cross-entropy ---- */
typedef struct {
    float *x, *p, *r;
    const int *t;
    int N, V;
} SmCtx;
static double softmax_loss(void *ctx) {
    SmCtx *c = ctx;
    softmax_forward(c->p, c->x, c->N, c->V);
    return dot_loss(c->p, c->r, (size_t)c->N * c->V);
}
static double ce_loss(void *ctx) {
    SmCtx *c = ctx;
    return crossentropy_forward(c->p, c->x, c->t, c->N, c->V);
}

START_TEST(softmax_gradcheck) {
    enum { N = 3, V = 9 };
    float x[N * V], p[N * V], r[N * V], dx[N * V] = {0};
    fill_uniform(x, N * V, -3, 3, 7), fill_uniform(r, N * V, -1, 1, 8);
    SmCtx c = {x, p, r, NULL, N, V};
    softmax_forward(p, x, N, V);
    softmax_backward(dx, p, r, N, V);
    GradCheck g = gradcheck(softmax_loss, &c, x, dx, N * V, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "softmax grad[%zu] %g vs %g", g.worst_index, g.analytic, g.numeric);
}
END_TEST

START_TEST(crossentropy_gradcheck) {
    enum { N = 4, V = 11 };
    float x[N * V], p[N * V], dx[N * V] = {0};
    int t[N] = {3, -100, 10, 0};
    fill_uniform(x, N * V, -3, 3, 9);
    SmCtx c = {x, p, NULL, t, N, V};
    crossentropy_forward(p, x, t, N, V);
    crossentropy_backward(dx, p, t, N, V, 1.0f);
    for (int j = 0; j < V; j++) ck_assert_float_eq(dx[1 * V + j], 0.0f); /* ignored row */
    GradCheck g = gradcheck(ce_loss, &c, x, dx, N * V, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "cross-entropy grad[%zu] %g vs %g", g.worst_index, g.analytic, g.numeric);
}
END_TEST

START_TEST(softmax_matches_pytorch) {
    int nd, s[8];
    float *x = fixture_load(REF, "softmax_x", &nd, s);
    int N = s[0], V = s[1];
    float *y = xmalloc(sizeof(float) * (size_t)N * V);
    float *ref = fixture_load(REF, "softmax_y", NULL, NULL), *lref = fixture_load(REF, "log_softmax_y", NULL, NULL);
    softmax_forward(y, x, N, V); /* row 2 has logits near 1000: no overflow, no NaN */
    ck_assert_allclose(y, ref, (size_t)N * V, 1e-7, 1e-5);
    log_softmax_forward(y, x, N, V);
    ck_assert_allclose(y, lref, (size_t)N * V, 1e-5, 1e-5);
    free(x), free(y), free(ref), free(lref);
}
END_TEST

START_TEST(crossentropy_matches_pytorch) {
    int nd, s[8];
    float *x = fixture_load(REF, "ce_logits", &nd, s);
    int N = s[0], V = s[1];
    float *tf = fixture_load(REF, "ce_targets", NULL, NULL), *lref = fixture_load(REF, "ce_loss", NULL, NULL);
    float *dref = fixture_load(REF, "ce_dlogits", NULL, NULL);
    int *t = xmalloc(sizeof(int) * (size_t)N);
    for (int i = 0; i < N; i++) t[i] = (int)tf[i];
    float *p = xmalloc(sizeof(float) * (size_t)N * V), *dx = xcalloc((size_t)N * V, sizeof(float));
    float loss = crossentropy_forward(p, x, t, N, V);
    ck_assert_double_eq_tol(loss, lref[0], 1e-5 * fabs(lref[0]) + 1e-6);
    crossentropy_backward(dx, p, t, N, V, 1.0f);
    ck_assert_allclose(dx, dref, (size_t)N * V, 1e-7, 1e-5);
    free(x), free(tf), free(lref), free(dref), free(t), free(p), free(dx);
}
END_TEST

/* ---- layer norm ---- */
typedef struct {
    float *x, *w, *b, *y, *mean, *rstd, *r;
    int N, C;
} LnCtx;
static double ln_loss(void *ctx) {
    LnCtx *c = ctx;
    layernorm_forward(c->y, c->mean, c->rstd, c->x, c->w, c->b, c->N, c->C, 1e-5f);
    return dot_loss(c->y, c->r, (size_t)c->N * c->C);
}

START_TEST(layernorm_gradcheck) {
    enum { N = 3, C = 8 };
    float x[N * C], w[C], b[C], y[N * C], mean[N], rstd[N], r[N * C];
    float dx[N * C] = {0}, dw[C] = {0}, db[C] = {0};
    fill_uniform(x, N * C, -2, 2, 11), fill_uniform(w, C, 0.5f, 1.5f, 12);
    fill_uniform(b, C, -1, 1, 13), fill_uniform(r, N * C, -1, 1, 14);
    LnCtx c = {x, w, b, y, mean, rstd, r, N, C};
    ln_loss(&c);
    layernorm_backward(dx, dw, db, r, x, w, mean, rstd, N, C);
    float *inputs[3] = {x, w, b}, *grads[3] = {dx, dw, db};
    size_t sizes[3] = {N * C, C, C};
    for (int k = 0; k < 3; k++) {
        GradCheck g = gradcheck(ln_loss, &c, inputs[k], grads[k], sizes[k], H, ATOL, RTOL, 0);
        ck_assert_msg(g.worst <= 1, "layernorm input %d grad[%zu] %g vs %g", k, g.worst_index, g.analytic, g.numeric);
    }
}
END_TEST

START_TEST(layernorm_matches_pytorch) {
    int nd, s[8];
    float *x = fixture_load(REF, "ln_x", &nd, s);
    int N = s[0], C = s[1];
    float *w = fixture_load(REF, "ln_w", NULL, NULL), *b = fixture_load(REF, "ln_b", NULL, NULL);
    float *yref = fixture_load(REF, "ln_y", NULL, NULL), *dy = fixture_load(REF, "ln_dy", NULL, NULL);
    float *dxr = fixture_load(REF, "ln_dx", NULL, NULL), *dwr = fixture_load(REF, "ln_dw", NULL, NULL);
    float *dbr = fixture_load(REF, "ln_db", NULL, NULL);
    size_t n = (size_t)N * C;
    float *y = xmalloc(n * sizeof(float)), *dx = xcalloc(n, sizeof(float));
    float *dw = xcalloc((size_t)C, sizeof(float)), *db = xcalloc((size_t)C, sizeof(float));
    float mean[64], rstd[64];
    layernorm_forward(y, mean, rstd, x, w, b, N, C, 1e-5f);
    ck_assert_allclose(y, yref, n, 1e-5, 1e-4); /* the inputs have mean ~50: cancellation costs digits */
    layernorm_backward(dx, dw, db, dy, x, w, mean, rstd, N, C);
    ck_assert_allclose(dx, dxr, n, 1e-4, 1e-3);
    ck_assert_allclose(dw, dwr, (size_t)C, 1e-5, 1e-4);
    ck_assert_allclose(db, dbr, (size_t)C, 1e-6, 1e-5);
    free(x), free(w), free(b), free(yref), free(dy), free(dxr), free(dwr), free(dbr);
    free(y), free(dx), free(dw), free(db);
}
END_TEST

/* ---- embedding lookup ---- */
typedef struct {
    float *table, *out, *r;
    const int *ids;
    int N, V, C;
} EmbCtx;
static double emb_loss(void *ctx) {
    EmbCtx *c = ctx;
    embedding_forward(c->out, c->ids, c->table, c->N, c->V, c->C);
    return dot_loss(c->out, c->r, (size_t)c->N * c->C);
}
START_TEST(embedding_lookup_and_gradcheck) {
    enum { N = 5, V = 4, C = 3 };
    int ids[N] = {2, 0, 2, 3, 1}; /* id 2 twice: its row gets both gradients */
    float table[V * C], out[N * C], r[N * C], dt[V * C] = {0};
    fill_uniform(table, V * C, -1, 1, 31), fill_uniform(r, N * C, -1, 1, 32);
    EmbCtx c = {table, out, r, ids, N, V, C};
    emb_loss(&c);
    for (int j = 0; j < C; j++) ck_assert_float_eq(out[2 * C + j], table[2 * C + j]);
    embedding_backward(dt, ids, r, N, C);
    ck_assert_float_eq_tol(dt[2 * C], r[0] + r[2 * C], 1e-7);
    GradCheck g = gradcheck(emb_loss, &c, table, dt, V * C, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "embedding grad[%zu] %g vs %g", g.worst_index, g.analytic, g.numeric);
}
END_TEST

Suite *kernels_suite(void) {
    Suite *s = suite_create("kernels");
    TCase *tc = tcase_create("gradients");
    tcase_add_test(tc, activations_gradcheck);
    tcase_add_test(tc, backward_accumulates);
    tcase_add_test(tc, gradcheck_catches_a_wrong_backward);
    tcase_add_test(tc, bias_gradcheck);
    tcase_add_test(tc, softmax_gradcheck);
    tcase_add_test(tc, crossentropy_gradcheck);
    tcase_add_test(tc, layernorm_gradcheck);
    tcase_add_test(tc, dropout_statistics_and_backward);
    tcase_add_test(tc, embedding_lookup_and_gradcheck);
    suite_add_tcase(s, tc);
    TCase *ref = tcase_create("pytorch");
    tcase_add_test(ref, activations_match_pytorch);
    tcase_add_test(ref, gelu_matches_double_precision);
    tcase_add_test(ref, softmax_matches_pytorch);
    tcase_add_test(ref, crossentropy_matches_pytorch);
    tcase_add_test(ref, layernorm_matches_pytorch);
    suite_add_tcase(s, ref);
    return s;
}
