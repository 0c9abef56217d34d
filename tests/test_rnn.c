/* test_rnn.c - chapter 04's cells and layers: finite-difference gradient checks of each cell over
 * several time steps (weights, inputs and initial states), of the bidirectional wrapper and of a
 * stack with dropout; the step-by-step and chunked (truncated BPTT) forwards against the whole
 * sequence; and agreement with PyTorch's nn.RNN, nn.LSTM and nn.GRU (tests/fixtures/rnn.txt,
 * written by tests/make_fixtures_rnn.py) with the weight layout mapped explicitly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "04_rnn_lstm/cells.h"
#include "04_rnn_lstm/rnn_layer.h"
#include "gradcheck.h"
#include "testutil.h"
#include "util.h"

#define REF FIXTURE("rnn.txt")
/* Central differences in float32. The losses here are sums of a few dozen terms, so round-off in
 * L(x+h) - L(x-h) is ~1e-6 absolute, and h = 5e-3 keeps it ~1e-4 in the quotient while the
 * truncation error (~h^2/6 times the third derivative) stays smaller still. Tighter than
 * test_kernels.c's bounds, because the gradients of these small models are small (~1e-2): a 10%
 * error in one of them must fail (gradcheck_catches_a_wrong_cell_backward). */
#define H_FD 5e-3
#define ATOL 3e-4
#define RTOL 1e-2

static const CellType CELLS[3] = {CELL_RNN, CELL_LSTM, CELL_GRU};

/* ---- one layer through several steps: loss = sum(out*R) + sum(h_T*Rh) [+ sum(c_T*Rc)] ---- */
typedef struct {
    RnnLayer l;
    Params p;
    CellWeights w, g;
    float *x, *h0, *c0, *out, *R, *Rh, *Rc, *hT, *cT;
    int T, B, C, H;
} LayerCtx;

static void layer_setup(LayerCtx *c, CellType t, int reverse, int T, int B, int C, int H, uint64_t seed) {
    memset(c, 0, sizeof *c);
    c->T = T, c->B = B, c->C = C, c->H = H;
    SpecList s = {0};
    cell_add_specs(&s, t, "cell", C, H);
    params_init(&c->p, s.specs, s.n);
    c->w = cell_weights(&c->p, c->p.data, t, "cell");
    c->g = cell_weights(&c->p, c->p.grad, t, "cell");
    /* weights larger than the usual init, so the gates leave their linear middle */
    fill_uniform(c->p.data, c->p.total, -0.8f, 0.8f, seed);
    rnn_layer_init(&c->l, t, C, H, reverse, T, B);
    size_t nx = (size_t)T * B * C, nh = (size_t)T * B * H, ns = (size_t)B * H;
    c->x = xmalloc(nx * sizeof(float)), c->out = xmalloc(nh * sizeof(float)), c->R = xmalloc(nh * sizeof(float));
    c->h0 = xmalloc(ns * sizeof(float)), c->c0 = xmalloc(ns * sizeof(float));
    c->Rh = xmalloc(ns * sizeof(float)), c->Rc = xmalloc(ns * sizeof(float));
    c->hT = xmalloc(ns * sizeof(float)), c->cT = xmalloc(ns * sizeof(float));
    fill_uniform(c->x, nx, -1, 1, seed + 1), fill_uniform(c->R, nh, -1, 1, seed + 2);
    fill_uniform(c->h0, ns, -0.5f, 0.5f, seed + 3), fill_uniform(c->c0, ns, -0.5f, 0.5f, seed + 4);
    fill_uniform(c->Rh, ns, -1, 1, seed + 5), fill_uniform(c->Rc, ns, -1, 1, seed + 6);
}

static void layer_teardown(LayerCtx *c) {
    rnn_layer_free(&c->l), params_free(&c->p);
    free(c->x), free(c->out), free(c->R), free(c->h0), free(c->c0), free(c->Rh), free(c->Rc), free(c->hT), free(c->cT);
}

static double layer_loss(void *ctx) {
    LayerCtx *c = ctx;
    rnn_layer_forward(&c->l, &c->w, c->out, c->x, c->h0, c->c0, c->T, c->B);
    rnn_layer_final_state(&c->l, c->hT, c->cT);
    size_t ns = (size_t)c->B * c->H;
    double L = dot_loss(c->out, c->R, (size_t)c->T * c->B * c->H) + dot_loss(c->hT, c->Rh, ns);
    if (c->l.type == CELL_LSTM) L += dot_loss(c->cT, c->Rc, ns);
    return L;
}

static void check_grad(const char *what, LayerCtx *c, float *x, const float *g, size_t n) {
    GradCheck r = gradcheck(layer_loss, c, x, g, n, H_FD, ATOL, RTOL, 0);
    ck_assert_msg(r.worst <= 1, "%s %s: grad[%zu] analytic %g numeric %g (worst %g)", cell_name(c->l.type), what,
                  r.worst_index, r.analytic, r.numeric, r.worst);
}

START_TEST(cells_gradcheck_through_time) {
    /* every cell, both directions, T = 5 steps: weights, inputs, initial h and c */
    for (int ci = 0; ci < 3; ci++)
        for (int reverse = 0; reverse < 2; reverse++) {
            LayerCtx c;
            layer_setup(&c, CELLS[ci], reverse, 5, 2, 3, 4, 100 + (uint64_t)(10 * ci + reverse));
            size_t ns = (size_t)c.B * c.H, nx = (size_t)c.T * c.B * c.C;
            float *dx = xcalloc(nx, sizeof(float)), *dh0 = xcalloc(ns, sizeof(float)), *dc0 = xcalloc(ns, sizeof(float));
            layer_loss(&c);
            params_zero_grad(&c.p);
            rnn_layer_backward(&c.l, &c.w, &c.g, dx, dh0, dc0, c.R, c.Rh, CELLS[ci] == CELL_LSTM ? c.Rc : NULL);
            check_grad("weights", &c, c.p.data, c.p.grad, c.p.total);
            check_grad("x", &c, c.x, dx, nx);
            check_grad("h0", &c, c.h0, dh0, ns);
            if (CELLS[ci] == CELL_LSTM) check_grad("c0", &c, c.c0, dc0, ns);
            free(dx), free(dh0), free(dc0);
            layer_teardown(&c);
        }
}
END_TEST

START_TEST(gradcheck_catches_a_wrong_cell_backward) {
    /* The check must be able to fail: a forget-gate gradient off by 10% in one weight is caught. */
    LayerCtx c;
    layer_setup(&c, CELL_LSTM, 0, 4, 2, 3, 4, 7);
    layer_loss(&c);
    params_zero_grad(&c.p);
    rnn_layer_backward(&c.l, &c.w, &c.g, NULL, NULL, NULL, c.R, c.Rh, c.Rc);
    /* the largest gradient of wh's forget-gate block (rows H..2H), so the error is well above atol */
    size_t k = (size_t)c.H * c.H;
    for (size_t i = k; i < (size_t)2 * c.H * c.H; i++)
        if (fabsf(c.g.wh[i]) > fabsf(c.g.wh[k])) k = i;
    c.g.wh[k] *= 1.10f;
    GradCheck r = gradcheck(layer_loss, &c, c.w.wh, c.g.wh, (size_t)4 * c.H * c.H, H_FD, ATOL, RTOL, 0);
    ck_assert_msg(r.worst > 1 && r.worst_index == k, "a 10%% error passed (worst %g at %zu)", r.worst, r.worst_index);
    layer_teardown(&c);
}
END_TEST

START_TEST(backward_accumulates_into_weights) {
    LayerCtx c;
    layer_setup(&c, CELL_GRU, 0, 3, 2, 3, 4, 9);
    layer_loss(&c);
    params_zero_grad(&c.p);
    rnn_layer_backward(&c.l, &c.w, &c.g, NULL, NULL, NULL, c.R, NULL, NULL);
    float *once = xmalloc(c.p.total * sizeof(float));
    memcpy(once, c.p.grad, c.p.total * sizeof(float));
    rnn_layer_backward(&c.l, &c.w, &c.g, NULL, NULL, NULL, c.R, NULL, NULL);
    for (size_t i = 0; i < c.p.total; i++) ck_assert_float_eq_tol(c.p.grad[i], 2 * once[i], 1e-5f * (1 + fabsf(once[i])));
    free(once);
    layer_teardown(&c);
}
END_TEST

START_TEST(step_by_step_equals_whole_sequence) {
    /* rnn_layer_step (chapter 05's decoder) computes bit for bit what rnn_layer_forward does,
     * and the same backward runs after it. */
    for (int ci = 0; ci < 3; ci++) {
        LayerCtx c;
        layer_setup(&c, CELLS[ci], 0, 4, 3, 2, 5, 40 + (uint64_t)ci);
        layer_loss(&c);
        params_zero_grad(&c.p);
        rnn_layer_backward(&c.l, &c.w, &c.g, NULL, NULL, NULL, c.R, NULL, NULL);
        float *gwhole = xmalloc(c.p.total * sizeof(float));
        memcpy(gwhole, c.p.grad, c.p.total * sizeof(float));
        size_t sx = (size_t)c.B * c.C, sh = (size_t)c.B * c.H;
        rnn_layer_begin(&c.l, &c.w, c.B, c.h0, c.c0);
        for (int t = 0; t < c.T; t++) {
            const float *h = rnn_layer_step(&c.l, &c.w, c.x + t * sx);
            ck_assert_int_eq(memcmp(h, c.out + t * sh, sh * sizeof(float)), 0);
        }
        params_zero_grad(&c.p);
        rnn_layer_backward(&c.l, &c.w, &c.g, NULL, NULL, NULL, c.R, NULL, NULL);
        ck_assert_allclose(c.p.grad, gwhole, c.p.total, 1e-6, 1e-5);
        free(gwhole);
        layer_teardown(&c);
    }
}
END_TEST

START_TEST(carried_state_equals_one_long_sequence) {
    /* Truncated BPTT's forward: two chunks with the state carried over give the same outputs as
     * one chunk of twice the length (the gradient is what truncation cuts, not the state). */
    for (int ci = 0; ci < 3; ci++) {
        LayerCtx c;
        layer_setup(&c, CELLS[ci], 0, 6, 2, 3, 4, 60 + (uint64_t)ci);
        layer_loss(&c);
        size_t sx = (size_t)c.B * c.C, sh = (size_t)c.B * c.H;
        float *half = xmalloc(3 * sh * sizeof(float)), *h = xmalloc(sh * sizeof(float)), *cc = xmalloc(sh * sizeof(float));
        rnn_layer_forward(&c.l, &c.w, half, c.x, c.h0, c.c0, 3, c.B);
        rnn_layer_final_state(&c.l, h, cc);
        ck_assert_allclose(half, c.out, 3 * sh, 1e-6, 1e-5);
        rnn_layer_forward(&c.l, &c.w, half, c.x + 3 * sx, h, cc, 3, c.B);
        ck_assert_allclose(half, c.out + 3 * sh, 3 * sh, 1e-6, 1e-5);
        free(half), free(h), free(cc);
        layer_teardown(&c);
    }
}
END_TEST

/* ---- the bidirectional wrapper and a stack with dropout ---- */
typedef struct {
    RnnStack s;
    Params p;
    float *x, *R;
    int T, B, C;
    uint64_t drop_seed;
} StackCtx;

static double stack_loss(void *ctx) {
    StackCtx *c = ctx;
    Rng rng;
    rng_seed(&rng, c->drop_seed); /* the same dropout mask at every evaluation */
    const float *out = rnn_stack_forward(&c->s, c->x, c->T, c->B, 1, &rng);
    return dot_loss(out, c->R, (size_t)c->T * c->B * c->s.D * c->s.H);
}

static void stack_gradcheck(CellType t, int L, int D, float dropout, uint64_t seed) {
    StackCtx c = {.T = 4, .B = 2, .C = 3, .drop_seed = seed};
    int H = 3;
    SpecList sl = {0};
    rnn_stack_add_specs(&sl, "rnn", t, L, D, c.C, H);
    params_init(&c.p, sl.specs, sl.n);
    fill_uniform(c.p.data, c.p.total, -0.8f, 0.8f, seed);
    rnn_stack_init(&c.s, t, L, D, c.C, H, dropout, c.T, c.B);
    rnn_stack_bind(&c.s, &c.p, "rnn");
    size_t nx = (size_t)c.T * c.B * c.C, no = (size_t)c.T * c.B * D * H;
    c.x = xmalloc(nx * sizeof(float)), c.R = xmalloc(no * sizeof(float));
    fill_uniform(c.x, nx, -1, 1, seed + 1), fill_uniform(c.R, no, -1, 1, seed + 2);
    float *dx = xcalloc(nx, sizeof(float));
    stack_loss(&c);
    params_zero_grad(&c.p);
    rnn_stack_backward(&c.s, dx, c.R);
    GradCheck r = gradcheck(stack_loss, &c, c.p.data, c.p.grad, c.p.total, H_FD, ATOL, RTOL, 0);
    ck_assert_msg(r.worst <= 1, "%s L=%d D=%d: weight grad[%zu] %g vs %g", cell_name(t), L, D, r.worst_index,
                  r.analytic, r.numeric);
    r = gradcheck(stack_loss, &c, c.x, dx, nx, H_FD, ATOL, RTOL, 0);
    ck_assert_msg(r.worst <= 1, "%s L=%d D=%d: dx[%zu] %g vs %g", cell_name(t), L, D, r.worst_index, r.analytic,
                  r.numeric);
    free(dx), free(c.x), free(c.R);
    rnn_stack_free(&c.s), params_free(&c.p);
}

START_TEST(bidirectional_wrapper_gradcheck) {
    for (int ci = 0; ci < 3; ci++) stack_gradcheck(CELLS[ci], 1, 2, 0.0f, 200 + (uint64_t)ci);
}
END_TEST

START_TEST(stack_with_dropout_gradcheck) {
    stack_gradcheck(CELL_LSTM, 3, 1, 0.25f, 300);
    stack_gradcheck(CELL_GRU, 2, 2, 0.25f, 310);
}
END_TEST

/* ---- agreement with PyTorch ---- */

/* Load tag_<name> from the fixture. */
static float *ref(const char *tag, const char *name) {
    char full[128];
    snprintf(full, sizeof full, "%s_%s", tag, name);
    return fixture_load(REF, full, NULL, NULL);
}

/* PyTorch's parameters of one layer/direction (suffix "l0", "l1_reverse", ...) into the chapter's
 * layout, explicitly:
 *   wx = weight_ih, wh = weight_hh: the same (G*H, C) and (G*H, H) matrices, the same gate order
 *        (LSTM i f g o, GRU r z n), so they copy over unchanged;
 *   b  = bias_ih + bias_hh, except the GRU's n block, b_n = bias_ih[n] alone,
 *   bhn = bias_hh[n] (GRU): r multiplies (Wh_n h + bias_hh[n]), so that bias cannot be merged.
 * merge_gru_bias != 0 merges it anyway (the mistake the test shows to matter). */
static void load_pytorch_layer(CellType t, const char *tag, const char *suffix, const CellWeights *w, int C, int H,
                               int merge_gru_bias) {
    int G = cell_gates(t);
    char n[64];
    snprintf(n, sizeof n, "weight_ih_%s", suffix);
    float *wih = ref(tag, n);
    snprintf(n, sizeof n, "weight_hh_%s", suffix);
    float *whh = ref(tag, n);
    snprintf(n, sizeof n, "bias_ih_%s", suffix);
    float *bih = ref(tag, n);
    snprintf(n, sizeof n, "bias_hh_%s", suffix);
    float *bhh = ref(tag, n);
    memcpy(w->wx, wih, sizeof(float) * (size_t)G * H * C);
    memcpy(w->wh, whh, sizeof(float) * (size_t)G * H * H);
    for (int j = 0; j < G * H; j++) w->b[j] = bih[j] + bhh[j];
    if (t == CELL_GRU && !merge_gru_bias)
        for (int j = 0; j < H; j++) w->b[2 * H + j] = bih[2 * H + j], w->bhn[j] = bhh[2 * H + j];
    if (t == CELL_GRU && merge_gru_bias) memset(w->bhn, 0, sizeof(float) * (size_t)H);
    free(wih), free(whh), free(bih), free(bhh);
}

/* The gradients of one layer/direction against PyTorch's, mapped the same way: our b receives
 * what bias_ih receives (bias_hh receives the same, except in the GRU's n block, which is bhn). */
static void compare_pytorch_grads(CellType t, const char *tag, const char *suffix, const CellWeights *g, int C,
                                  int H) {
    int G = cell_gates(t);
    char n[64];
    snprintf(n, sizeof n, "d_weight_ih_%s", suffix);
    float *dwih = ref(tag, n);
    snprintf(n, sizeof n, "d_weight_hh_%s", suffix);
    float *dwhh = ref(tag, n);
    snprintf(n, sizeof n, "d_bias_ih_%s", suffix);
    float *dbih = ref(tag, n);
    snprintf(n, sizeof n, "d_bias_hh_%s", suffix);
    float *dbhh = ref(tag, n);
    ck_assert_allclose(g->wx, dwih, (size_t)G * H * C, 1e-5, 1e-4);
    ck_assert_allclose(g->wh, dwhh, (size_t)G * H * H, 1e-5, 1e-4);
    ck_assert_allclose(g->b, dbih, (size_t)G * H, 1e-5, 1e-4);
    if (t == CELL_GRU) ck_assert_allclose(g->bhn, dbhh + 2 * H, (size_t)H, 1e-5, 1e-4);
    free(dwih), free(dwhh), free(dbih), free(dbhh);
}

static void pytorch_single_layer(CellType t, const char *tag) {
    enum { T = 6, B = 3, C = 5, H = 4 };
    LayerCtx c;
    layer_setup(&c, t, 0, T, B, C, H, 1);
    load_pytorch_layer(t, tag, "l0", &c.w, C, H, 0);
    free(c.x), free(c.h0), free(c.c0), free(c.R), free(c.Rh), free(c.Rc);
    c.x = ref(tag, "x"), c.h0 = ref(tag, "h0"), c.R = ref(tag, "dy"), c.Rh = ref(tag, "dhn");
    c.c0 = t == CELL_LSTM ? ref(tag, "c0") : xcalloc((size_t)B * H, sizeof(float));
    c.Rc = t == CELL_LSTM ? ref(tag, "dcn") : xcalloc((size_t)B * H, sizeof(float));
    layer_loss(&c);
    float *y = ref(tag, "y"), *hn = ref(tag, "hn");
    ck_assert_allclose(c.out, y, (size_t)T * B * H, 1e-6, 1e-5);
    ck_assert_allclose(c.hT, hn, (size_t)B * H, 1e-6, 1e-5);
    if (t == CELL_LSTM) {
        float *cn = ref(tag, "cn");
        ck_assert_allclose(c.cT, cn, (size_t)B * H, 1e-6, 1e-5);
        free(cn);
    }
    float *dx = xcalloc((size_t)T * B * C, sizeof(float)), *dh0 = xcalloc((size_t)B * H, sizeof(float));
    float *dc0 = xcalloc((size_t)B * H, sizeof(float));
    params_zero_grad(&c.p);
    rnn_layer_backward(&c.l, &c.w, &c.g, dx, dh0, dc0, c.R, c.Rh, t == CELL_LSTM ? c.Rc : NULL);
    compare_pytorch_grads(t, tag, "l0", &c.g, C, H);
    float *rdx = ref(tag, "dx"), *rdh0 = ref(tag, "dh0");
    ck_assert_allclose(dx, rdx, (size_t)T * B * C, 1e-5, 1e-4);
    ck_assert_allclose(dh0, rdh0, (size_t)B * H, 1e-5, 1e-4);
    if (t == CELL_LSTM) {
        float *rdc0 = ref(tag, "dc0");
        ck_assert_allclose(dc0, rdc0, (size_t)B * H, 1e-5, 1e-4);
        free(rdc0);
    }
    free(y), free(hn), free(dx), free(dh0), free(dc0), free(rdx), free(rdh0);
    layer_teardown(&c);
}

START_TEST(rnn_matches_pytorch) { pytorch_single_layer(CELL_RNN, "rnn"); }
END_TEST
START_TEST(lstm_matches_pytorch) { pytorch_single_layer(CELL_LSTM, "lstm"); }
END_TEST
START_TEST(gru_matches_pytorch) { pytorch_single_layer(CELL_GRU, "gru"); }
END_TEST

START_TEST(gru_bias_cannot_be_merged) {
    /* Negative case: folding the GRU's bias_hh[n] into the input bias, as one may for the LSTM,
     * changes the outputs (r multiplies it). The mapping above is not a detail. */
    enum { T = 6, B = 3, C = 5, H = 4 };
    LayerCtx c;
    layer_setup(&c, CELL_GRU, 0, T, B, C, H, 1);
    load_pytorch_layer(CELL_GRU, "gru", "l0", &c.w, C, H, 1);
    float *x = ref("gru", "x"), *h0 = ref("gru", "h0"), *y = ref("gru", "y");
    rnn_layer_forward(&c.l, &c.w, c.out, x, h0, NULL, T, B);
    ck_assert_msg(max_scaled_err(c.out, y, (size_t)T * B * H, 1e-6, 1e-5) > 100, "merged GRU bias still matched");
    free(x), free(h0), free(y);
    layer_teardown(&c);
}
END_TEST

/* The bidirectional wrapper and a 2-layer bidirectional stack against nn.LSTM/nn.GRU with
 * bidirectional=True: the output rows are [forward | backward], PyTorch's layout. */
static void pytorch_stack(CellType t, const char *tag, int L, int T, int B, int C, int H) {
    int D = 2;
    SpecList sl = {0};
    rnn_stack_add_specs(&sl, "rnn", t, L, D, C, H);
    Params p;
    params_init(&p, sl.specs, sl.n);
    RnnStack s;
    rnn_stack_init(&s, t, L, D, C, H, 0.0f, T, B);
    rnn_stack_bind(&s, &p, "rnn");
    for (int l = 0; l < L; l++)
        for (int d = 0; d < D; d++) {
            char suffix[32];
            snprintf(suffix, sizeof suffix, "l%d%s", l, d ? "_reverse" : "");
            load_pytorch_layer(t, tag, suffix, &s.w[l * D + d], l == 0 ? C : D * H, H, 0);
        }
    float *x = ref(tag, "x"), *h0 = ref(tag, "h0"), *y = ref(tag, "y"), *dy = ref(tag, "dy");
    float *c0 = t == CELL_LSTM ? ref(tag, "c0") : NULL;
    /* PyTorch's h0 is (L*D, B, H), index l*D + d: the stack's order */
    for (int i = 0; i < L * D; i++) {
        memcpy(s.h0[i], h0 + (size_t)i * B * H, sizeof(float) * (size_t)B * H);
        if (c0) memcpy(s.c0[i], c0 + (size_t)i * B * H, sizeof(float) * (size_t)B * H);
    }
    const float *out = rnn_stack_forward(&s, x, T, B, 0, NULL);
    ck_assert_allclose(out, y, (size_t)T * B * D * H, 1e-6, 1e-5);
    float *dx = xcalloc((size_t)T * B * C, sizeof(float));
    params_zero_grad(&p);
    rnn_stack_backward(&s, dx, dy);
    /* the fixture's loss has final-state terms only for the single-layer cases */
    if (L == 1) {
        float *dhn = ref(tag, "dhn"), *dcn = c0 ? ref(tag, "dcn") : NULL;
        for (int d = 0; d < D; d++) {
            BiRnn *b = &s.layer[0];
            /* add the final-state terms: a second backward with only dhT/dcT */
            rnn_layer_backward(&b->dir[d], &s.w[d], &s.g[d], dx, s.dh0[d], s.dc0[d], NULL, dhn + (size_t)d * B * H,
                               dcn ? dcn + (size_t)d * B * H : NULL);
        }
        free(dhn), free(dcn);
    }
    for (int l = 0; l < L; l++)
        for (int d = 0; d < D; d++) {
            char suffix[32];
            snprintf(suffix, sizeof suffix, "l%d%s", l, d ? "_reverse" : "");
            compare_pytorch_grads(t, tag, suffix, &s.g[l * D + d], l == 0 ? C : D * H, H);
        }
    float *rdx = ref(tag, "dx"), *rdh0 = ref(tag, "dh0");
    ck_assert_allclose(dx, rdx, (size_t)T * B * C, 1e-5, 1e-4);
    for (int i = 0; i < L * D; i++) ck_assert_allclose(s.dh0[i], rdh0 + (size_t)i * B * H, (size_t)B * H, 1e-5, 1e-4);
    free(x), free(h0), free(y), free(dy), free(c0), free(dx), free(rdx), free(rdh0);
    rnn_stack_free(&s), params_free(&p);
}

START_TEST(bidirectional_matches_pytorch) {
    pytorch_stack(CELL_LSTM, "bilstm", 1, 5, 2, 3, 4);
    pytorch_stack(CELL_GRU, "bigru", 1, 5, 2, 3, 4);
}
END_TEST

START_TEST(two_layer_bidirectional_stack_matches_pytorch) { pytorch_stack(CELL_LSTM, "stack", 2, 4, 2, 3, 5); }
END_TEST

Suite *rnn_suite(void) {
    Suite *s = suite_create("rnn");
    TCase *tc = tcase_create("cells");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, cells_gradcheck_through_time);
    tcase_add_test(tc, gradcheck_catches_a_wrong_cell_backward);
    tcase_add_test(tc, backward_accumulates_into_weights);
    tcase_add_test(tc, step_by_step_equals_whole_sequence);
    tcase_add_test(tc, carried_state_equals_one_long_sequence);
    tcase_add_test(tc, bidirectional_wrapper_gradcheck);
    tcase_add_test(tc, stack_with_dropout_gradcheck);
    tcase_add_test(tc, rnn_matches_pytorch);
    tcase_add_test(tc, lstm_matches_pytorch);
    tcase_add_test(tc, gru_matches_pytorch);
    tcase_add_test(tc, gru_bias_cannot_be_merged);
    tcase_add_test(tc, bidirectional_matches_pytorch);
    tcase_add_test(tc, two_layer_bidirectional_stack_matches_pytorch);
    suite_add_tcase(s, tc);
    return s;
}
