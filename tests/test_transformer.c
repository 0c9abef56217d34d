/* test_transformer.c - chapter 06's layers: finite-difference gradient checks of attention (with
 * and without masks, with attention dropout), multi-head attention, the feed-forward network, the
 * residual + layer-norm connection (post- and pre-norm), the encoder and decoder blocks and the
 * label-smoothed loss; the masks' promises; and agreement with PyTorch's nn.MultiheadAttention,
 * nn.TransformerEncoderLayer and nn.TransformerDecoderLayer given the same weights
 * (tests/fixtures/transformer.txt, written by tests/make_fixtures_transformer.py). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "06_transformer/attention.h"
#include "06_transformer/blocks.h"
#include "06_transformer/layers.h"
#include "gradcheck.h"
#include "softmax.h"
#include "testutil.h"
#include "util.h"

#define REF FIXTURE("transformer.txt")
/* As in test_kernels.c: h = 1e-3 in float keeps round-off and truncation near 1e-4. */
#define H 1e-3
#define ATOL 2e-3
#define RTOL 2e-2

/* ---- scaled dot-product attention ---------------------------------------------------------- */
typedef struct {
    float *q, *k, *v, *out, *att, *attd, *dmask, *r;
    const unsigned char *pad;
    int causal, B, Tq, Tk, NH, hd;
    float p;
} AttCtx;

static double att_loss(void *ctx) {
    AttCtx *c = ctx;
    attention_forward(c->out, c->att, c->attd, c->dmask, c->q, c->k, c->v, c->pad, c->causal, c->B, c->Tq, c->Tk,
                      c->NH, c->hd, 1.0f / sqrtf((float)c->hd), c->p, 77);
    return dot_loss(c->out, c->r, (size_t)c->B * c->Tq * c->NH * c->hd);
}

/* Check dq, dk, dv of one configuration. */
static void check_attention(int B, int Tq, int Tk, int NH, int hd, const unsigned char *pad, int causal, float p,
                            uint64_t seed) {
    int D = NH * hd;
    size_t nq = (size_t)B * Tq * D, nk = (size_t)B * Tk * D, na = (size_t)B * NH * Tq * Tk;
    float *q = xmalloc(nq * 4), *k = xmalloc(nk * 4), *v = xmalloc(nk * 4), *out = xmalloc(nq * 4);
    float *r = xmalloc(nq * 4), *att = xmalloc(na * 4), *attd = xmalloc(na * 4), *dmask = xmalloc(na * 4);
    float *scratch = xmalloc(na * 4), *dq = xcalloc(nq, 4), *dk = xcalloc(nk, 4), *dv = xcalloc(nk, 4);
    fill_uniform(q, nq, -1.5f, 1.5f, seed), fill_uniform(k, nk, -1.5f, 1.5f, seed + 1);
    fill_uniform(v, nk, -1, 1, seed + 2), fill_uniform(r, nq, -1, 1, seed + 3);
    AttCtx c = {q, k, v, out, att, attd, dmask, r, pad, causal, B, Tq, Tk, NH, hd, p};
    att_loss(&c);
    attention_backward(dq, dk, dv, scratch, r, q, k, v, att, attd, dmask, B, Tq, Tk, NH, hd, 1.0f / sqrtf((float)hd), p);
    float *xs[3] = {q, k, v}, *gs[3] = {dq, dk, dv};
    size_t ns[3] = {nq, nk, nk};
    for (int i = 0; i < 3; i++) {
        GradCheck g = gradcheck(att_loss, &c, xs[i], gs[i], ns[i], H, ATOL, RTOL, 0);
        ck_assert_msg(g.worst <= 1, "attention (pad %d causal %d p %.1f) input %d: grad[%zu] %g vs %g (err %g)",
                      pad != NULL, causal, p, i, g.worst_index, g.analytic, g.numeric, g.worst);
    }
    free(q), free(k), free(v), free(out), free(r), free(att), free(attd), free(dmask), free(scratch);
    free(dq), free(dk), free(dv);
}

START_TEST(attention_gradcheck) {
    unsigned char pad[2 * 5] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1}; /* sequence 1 has 2 real keys */
    check_attention(2, 3, 5, 2, 3, NULL, 0, 0, 100);    /* cross-attention shapes, no mask */
    check_attention(2, 3, 5, 2, 3, pad, 0, 0, 110);     /* padding mask */
    check_attention(2, 5, 5, 2, 3, NULL, 1, 0, 120);    /* causal */
    check_attention(2, 5, 5, 2, 3, pad, 1, 0, 130);     /* both */
    check_attention(2, 4, 5, 2, 3, pad, 0, 0.3f, 140);  /* with attention dropout (fixed seed) */
}
END_TEST

START_TEST(attention_masks_hide_keys) {
    enum { B = 2, T = 5, NH = 2, hd = 3, D = NH * hd };
    float q[B * T * D], k[B * T * D], v[B * T * D], out[B * T * D], out2[B * T * D], att[B * NH * T * T];
    fill_uniform(q, B * T * D, -1, 1, 1), fill_uniform(k, B * T * D, -1, 1, 2), fill_uniform(v, B * T * D, -1, 1, 3);
    int len[B] = {5, 3};
    unsigned char pad[B * T];
    padding_mask_from_lengths(pad, len, B, T);
    ck_assert_int_eq(pad[1 * T + 2], 0);
    ck_assert_int_eq(pad[1 * T + 3], 1);
    attention_forward(out, att, NULL, NULL, q, k, v, pad, 1, B, T, T, NH, hd, 0.5f, 0, 0);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int i = 0; i < T; i++) {
                const float *row = att + (((size_t)b * NH + h) * T + i) * T;
                double sum = 0;
                for (int j = 0; j < T; j++) {
                    if (j > i || j >= len[b]) ck_assert_msg(row[j] == 0.0f, "masked weight %g != 0", row[j]);
                    sum += row[j];
                }
                ck_assert_double_eq_tol(sum, 1.0, 1e-6);
            }
    /* Change the keys and values where they are hidden: padding of sequence 1, and the future of
     * query 1 in sequence 0. The outputs they are hidden from must stay bit-identical. */
    for (int c = 0; c < D; c++) {
        k[(1 * T + 4) * D + c] += 5.0f, v[(1 * T + 3) * D + c] -= 7.0f;
        k[(0 * T + 3) * D + c] += 3.0f, v[(0 * T + 2) * D + c] += 2.0f;
    }
    attention_forward(out2, att, NULL, NULL, q, k, v, pad, 1, B, T, T, NH, hd, 0.5f, 0, 0);
    for (int t = 0; t < T; t++)
        for (int c = 0; c < D; c++) ck_assert_float_eq(out2[(1 * T + t) * D + c], out[(1 * T + t) * D + c]);
    for (int t = 0; t < 2; t++)
        for (int c = 0; c < D; c++) ck_assert_float_eq(out2[(0 * T + t) * D + c], out[(0 * T + t) * D + c]);
    /* ...and the test can fail: a query that does see the change moves */
    ck_assert(fabsf(out2[(0 * T + 4) * D] - out[(0 * T + 4) * D]) > 1e-3f);
    /* a row with nothing visible gives zeros, not NaN */
    unsigned char all[B * T];
    memset(all, 1, sizeof all);
    attention_forward(out, att, NULL, NULL, q, k, v, all, 0, B, T, T, NH, hd, 0.5f, 0, 0);
    for (int i = 0; i < B * T * D; i++) ck_assert_float_eq(out[i], 0.0f);
}
END_TEST

START_TEST(causal_mask_matrix_is_lower_triangular) {
    unsigned char m[16];
    causal_mask_matrix(m, 4);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) ck_assert_int_eq(m[i * 4 + j], j <= i);
}
END_TEST

/* ---- a model-shaped harness: a Params buffer for one layer, and a loss over its output -------- */
typedef struct {
    SpecList specs;
    Params p;
    float **ptrs;
} Layer;

static void layer_make(Layer *L, uint64_t seed) {
    params_init(&L->p, L->specs.specs, L->specs.n);
    /* every parameter random (unit gains and zero biases would leave paths untested) */
    fill_uniform(L->p.data, L->p.total, -0.5f, 0.5f, seed);
    L->ptrs = xmalloc(sizeof(float *) * (size_t)L->p.n);
}
static void layer_carve(Layer *L, float *base, void *dst, size_t size) {
    params_carve(&L->p, base, L->ptrs);
    int next = 0;
    carve_struct(dst, size, L->ptrs, &next, L->p.n);
    ck_assert_int_eq(next, L->p.n);
}
static void layer_free(Layer *L) {
    params_free(&L->p), specs_free(&L->specs), free(L->ptrs);
}

/* ---- multi-head attention ------------------------------------------------------------------- */
typedef struct {
    Mha m;
    MhaWeights w;
    float *xq, *xkv, *out, *r;
    const unsigned char *pad;
    int B, Tq, Tk, causal, self;
} MhaCtx;

static double mha_loss(void *ctx) {
    MhaCtx *c = ctx;
    mha_forward(&c->m, &c->w, c->out, c->xq, c->self ? c->xq : c->xkv, c->B, c->Tq, c->Tk, c->pad, c->causal, NULL);
    return dot_loss(c->out, c->r, (size_t)c->B * c->Tq * c->m.C);
}

static void check_mha(int self, int causal, int C, int D, int NH) {
    enum { B = 2, Tq = 4 };
    int Tk = self ? Tq : 3;
    unsigned char pad[B * 4] = {0, 0, 0, 0, 0, 0, 1, 1};
    Layer L = {0};
    mha_specs(&L.specs, "attn", C, D, INIT_XAVIER, 0);
    layer_make(&L, 50 + (uint64_t)self);
    MhaCtx c = {0};
    mha_init(&c.m, C, D, NH, B, Tq, Tk, 0);
    layer_carve(&L, L.p.data, &c.w, sizeof c.w);
    MhaWeights g;
    layer_carve(&L, L.p.grad, &g, sizeof g);
    size_t nq = (size_t)B * Tq * C, nk = (size_t)B * Tk * C;
    c.xq = xmalloc(nq * 4), c.xkv = xmalloc(nk * 4), c.out = xmalloc(nq * 4), c.r = xmalloc(nq * 4);
    fill_uniform(c.xq, nq, -1, 1, 61), fill_uniform(c.xkv, nk, -1, 1, 62), fill_uniform(c.r, nq, -1, 1, 63);
    c.pad = pad, c.B = B, c.Tq = Tq, c.Tk = Tk, c.causal = causal, c.self = self;
    float *dxq = xcalloc(nq, 4), *dxkv = xcalloc(nk, 4);
    mha_loss(&c);
    params_zero_grad(&L.p);
    mha_backward(&c.m, &c.w, &g, dxq, self ? dxq : dxkv, c.r, c.xq, self ? c.xq : c.xkv);
    GradCheck gc = gradcheck(mha_loss, &c, c.xq, dxq, nq, H, ATOL, RTOL, 0);
    ck_assert_msg(gc.worst <= 1, "mha self %d dxq[%zu] %g vs %g", self, gc.worst_index, gc.analytic, gc.numeric);
    if (!self) {
        gc = gradcheck(mha_loss, &c, c.xkv, dxkv, nk, H, ATOL, RTOL, 0);
        ck_assert_msg(gc.worst <= 1, "mha dxkv[%zu] %g vs %g", gc.worst_index, gc.analytic, gc.numeric);
    }
    gc = gradcheck(mha_loss, &c, L.p.data, L.p.grad, L.p.total, H, ATOL, RTOL, 0);
    ck_assert_msg(gc.worst <= 1, "mha self %d weight grad[%zu] %g vs %g", self, gc.worst_index, gc.analytic, gc.numeric);
    mha_free(&c.m), layer_free(&L);
    free(c.xq), free(c.xkv), free(c.out), free(c.r), free(dxq), free(dxkv);
}

START_TEST(mha_gradcheck) {
    check_mha(0, 0, 6, 6, 2);  /* encoder-decoder attention, padded keys */
    check_mha(1, 1, 6, 6, 3);  /* causal self-attention: xq and xkv are one array */
    check_mha(1, 0, 4, 24, 8); /* the article's 8 heads of 3 dims on 4-dim inputs: D != C */
}
END_TEST

/* ---- feed-forward --------------------------------------------------------------------------- */
typedef struct {
    Ffn f;
    FfnWeights w;
    float *x, *out, *r;
    int N;
} FfnCtx;
static double ffn_loss(void *ctx) {
    FfnCtx *c = ctx;
    ffn_forward(&c->f, &c->w, c->out, c->x, c->N);
    return dot_loss(c->out, c->r, (size_t)c->N * c->f.C);
}

START_TEST(ffn_gradcheck) {
    enum { N = 5, C = 4, F = 8 };
    for (int act = FFN_RELU; act <= FFN_GELU; act++) {
        Layer L = {0};
        ffn_specs(&L.specs, "ffn", C, F, INIT_XAVIER, 0);
        layer_make(&L, 70 + (uint64_t)act);
        FfnCtx c = {0};
        ffn_init(&c.f, C, F, N, (FfnAct)act);
        layer_carve(&L, L.p.data, &c.w, sizeof c.w);
        FfnWeights g;
        layer_carve(&L, L.p.grad, &g, sizeof g);
        float x[N * C], out[N * C], r[N * C], dx[N * C] = {0};
        fill_uniform(x, N * C, -1, 1, 71), fill_uniform(r, N * C, -1, 1, 72);
        c.x = x, c.out = out, c.r = r, c.N = N;
        ffn_loss(&c);
        /* ReLU's kink: no hidden pre-activation may sit within the step of 0 */
        for (int i = 0; i < N * F; i++) ck_assert(fabsf(c.f.h[i]) > 0.01f || act == FFN_GELU);
        ffn_backward(&c.f, &c.w, &g, dx, r, x);
        GradCheck gc = gradcheck(ffn_loss, &c, x, dx, N * C, H, ATOL, RTOL, 0);
        ck_assert_msg(gc.worst <= 1, "ffn %s dx[%zu] %g vs %g", ffn_act_name((FfnAct)act), gc.worst_index, gc.analytic,
                      gc.numeric);
        gc = gradcheck(ffn_loss, &c, L.p.data, L.p.grad, L.p.total, H, ATOL, RTOL, 0);
        ck_assert_msg(gc.worst <= 1, "ffn %s weights[%zu] %g vs %g", ffn_act_name((FfnAct)act), gc.worst_index,
                      gc.analytic, gc.numeric);
        ffn_free(&c.f), layer_free(&L);
    }
}
END_TEST

/* ---- residual + layer norm: out = LN(x + W in(x)) or x + W LN(x), a linear map W standing in for the
 * sub-layer, so that both halves of the connection are exercised together ---- */
typedef struct {
    Residual r;
    LnWeights ln;
    float *x, *W, *sub, *out, *rr;
    int N, C;
    uint64_t seed;
} ResCtx;
static void res_forward(ResCtx *c) {
    const float *in = residual_in_forward(&c->r, &c->ln, c->x, c->N);
    for (int i = 0; i < c->N; i++)
        for (int o = 0; o < c->C; o++) {
            float s = 0;
            for (int j = 0; j < c->C; j++) s += c->W[o * c->C + j] * in[i * c->C + j];
            c->sub[i * c->C + o] = s;
        }
    Rng rng;
    rng_seed(&rng, c->seed); /* the same dropout mask at every evaluation */
    residual_out_forward(&c->r, &c->ln, c->out, c->x, c->sub, c->N, &rng);
}
static double res_loss(void *ctx) {
    ResCtx *c = ctx;
    res_forward(c);
    return dot_loss(c->out, c->rr, (size_t)c->N * c->C);
}

START_TEST(residual_layernorm_gradcheck) {
    enum { N = 4, C = 6 };
    for (int pre = 0; pre <= 1; pre++)
        for (int drop = 0; drop <= 1; drop++) {
            float x[N * C], W[C * C], sub[N * C], out[N * C], rr[N * C], lnw[C], lnb[C];
            float dx[N * C] = {0}, dsub[N * C] = {0}, dsubin[N * C] = {0}, dlnw[C] = {0}, dlnb[C] = {0};
            fill_uniform(x, N * C, -1, 1, 81), fill_uniform(W, C * C, -0.5f, 0.5f, 82);
            fill_uniform(rr, N * C, -1, 1, 83), fill_uniform(lnw, C, 0.5f, 1.5f, 84), fill_uniform(lnb, C, -.5f, .5f, 85);
            ResCtx c = {0};
            residual_init(&c.r, C, N, pre, drop ? 0.25f : 0.0f, 1e-5f);
            c.ln = (LnWeights){lnw, lnb};
            c.x = x, c.W = W, c.sub = sub, c.out = out, c.rr = rr, c.N = N, c.C = C, c.seed = 9;
            res_forward(&c);
            LnWeights g = {dlnw, dlnb};
            residual_out_backward(&c.r, &c.ln, &g, dx, dsub, rr);
            /* through W: dsubin = dsub @ W */
            for (int i = 0; i < N; i++)
                for (int j = 0; j < C; j++)
                    for (int o = 0; o < C; o++) dsubin[i * C + j] += dsub[i * C + o] * W[o * C + j];
            residual_in_backward(&c.r, &c.ln, &g, dx, dsubin, x);
            float *xs[3] = {x, lnw, lnb}, *gs[3] = {dx, dlnw, dlnb};
            int ns[3] = {N * C, C, C};
            for (int k = 0; k < 3; k++) {
                GradCheck gc = gradcheck(res_loss, &c, xs[k], gs[k], (size_t)ns[k], H, ATOL, RTOL, 0);
                ck_assert_msg(gc.worst <= 1, "residual pre %d drop %d input %d: grad[%zu] %g vs %g", pre, drop, k,
                              gc.worst_index, gc.analytic, gc.numeric);
            }
            residual_free(&c.r);
        }
}
END_TEST

/* ---- encoder and decoder blocks --------------------------------------------------------------- */
typedef struct {
    EncoderBlock e;
    DecoderBlock d;
    EncoderBlockWeights ew;
    DecoderBlockWeights dw;
    int decoder, B, T, S, causal;
    float *x, *mem, *out, *r;
    const unsigned char *pad, *spad;
    uint64_t seed;
} BlockCtx;

static double block_loss(void *ctx) {
    BlockCtx *c = ctx;
    Rng rng;
    rng_seed(&rng, c->seed);
    Rng *rp = c->seed ? &rng : NULL;
    if (c->decoder)
        decoder_block_forward(&c->d, &c->dw, c->out, c->x, c->mem, c->B, c->T, c->S, c->pad, c->spad, rp);
    else
        encoder_block_forward(&c->e, &c->ew, c->out, c->x, c->B, c->T, c->pad, c->causal, rp);
    return dot_loss(c->out, c->r, (size_t)c->B * c->T * (c->decoder ? c->d.cfg.C : c->e.cfg.C));
}

static void check_block(int decoder, int prenorm, FfnAct act, int causal, float dropout, uint64_t seed) {
    enum { B = 2, T = 4, S = 3, C = 6, NH = 2, F = 12 };
    BlockConfig cfg = {C, NH, F, act, prenorm, dropout, dropout, 1e-5f};
    unsigned char pad[B * T] = {0, 0, 0, 1, 0, 0, 0, 0}, spad[B * S] = {0, 0, 0, 0, 0, 1};
    Layer L = {0};
    if (decoder) decoder_block_specs(&L.specs, "l", &cfg, INIT_XAVIER, 0);
    else encoder_block_specs(&L.specs, "l", &cfg, INIT_XAVIER, 0);
    layer_make(&L, seed);
    BlockCtx c = {0};
    c.decoder = decoder, c.B = B, c.T = T, c.S = S, c.causal = causal, c.pad = pad, c.spad = spad;
    c.seed = dropout > 0 ? seed : 0;
    size_t n = (size_t)B * T * C, ns = (size_t)B * S * C;
    c.x = xmalloc(n * 4), c.mem = xmalloc(ns * 4), c.out = xmalloc(n * 4), c.r = xmalloc(n * 4);
    fill_uniform(c.x, n, -1, 1, seed + 1), fill_uniform(c.mem, ns, -1, 1, seed + 2), fill_uniform(c.r, n, -1, 1, seed + 3);
    float *dx = xcalloc(n, 4), *dmem = xcalloc(ns, 4);
    EncoderBlockWeights eg;
    DecoderBlockWeights dg;
    if (decoder) {
        decoder_block_init(&c.d, &cfg, B, T, S);
        layer_carve(&L, L.p.data, &c.dw, sizeof c.dw), layer_carve(&L, L.p.grad, &dg, sizeof dg);
    } else {
        encoder_block_init(&c.e, &cfg, B, T);
        layer_carve(&L, L.p.data, &c.ew, sizeof c.ew), layer_carve(&L, L.p.grad, &eg, sizeof eg);
    }
    block_loss(&c);
    params_zero_grad(&L.p);
    if (decoder) decoder_block_backward(&c.d, &c.dw, &dg, dx, dmem, c.r, c.x, c.mem);
    else encoder_block_backward(&c.e, &c.ew, &eg, dx, c.r, c.x);
    const char *what = decoder ? "decoder" : "encoder";
    GradCheck g = gradcheck(block_loss, &c, c.x, dx, n, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "%s (pre %d drop %.1f) dx[%zu] %g vs %g", what, prenorm, dropout, g.worst_index,
                  g.analytic, g.numeric);
    if (decoder) {
        g = gradcheck(block_loss, &c, c.mem, dmem, ns, H, ATOL, RTOL, 0);
        ck_assert_msg(g.worst <= 1, "decoder dmem[%zu] %g vs %g", g.worst_index, g.analytic, g.numeric);
    }
    g = gradcheck(block_loss, &c, L.p.data, L.p.grad, L.p.total, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "%s (pre %d drop %.1f) weight %zu of %zu: %g vs %g", what, prenorm, dropout,
                  g.worst_index, L.p.total, g.analytic, g.numeric);
    if (decoder) decoder_block_free(&c.d);
    else encoder_block_free(&c.e);
    layer_free(&L);
    free(c.x), free(c.mem), free(c.out), free(c.r), free(dx), free(dmem);
}

START_TEST(encoder_block_gradcheck) {
    check_block(0, 0, FFN_GELU, 0, 0, 200);    /* post-norm, padding mask (BERT's block) */
    check_block(0, 1, FFN_GELU, 1, 0, 210);    /* pre-norm, causal (GPT's block) */
    check_block(0, 0, FFN_GELU, 0, 0.2f, 220); /* with both dropouts, fixed seed */
}
END_TEST

START_TEST(decoder_block_gradcheck) {
    check_block(1, 0, FFN_GELU, 1, 0, 300);
    check_block(1, 1, FFN_GELU, 1, 0, 310);
    check_block(1, 0, FFN_GELU, 1, 0.2f, 320);
}
END_TEST

/* ---- label smoothing -------------------------------------------------------------------------- */
typedef struct {
    float *x, *p;
    const int *t;
    int N, V;
    float eps;
} LsCtx;
static double ls_loss(void *ctx) {
    LsCtx *c = ctx;
    return ls_crossentropy_forward(c->p, NULL, c->x, c->t, c->N, c->V, c->eps);
}

START_TEST(label_smoothing_gradcheck_and_values) {
    enum { N = 4, V = 7 };
    float x[N * V], p[N * V], dx[N * V] = {0};
    int t[N] = {2, -1, 6, 0};
    fill_uniform(x, N * V, -3, 3, 91);
    LsCtx c = {x, p, t, N, V, 0.1f};
    double nll;
    float loss = ls_crossentropy_forward(p, &nll, x, t, N, V, 0.1f);
    ls_crossentropy_backward(dx, p, t, N, V, 0.1f, 1.0f);
    GradCheck g = gradcheck(ls_loss, &c, x, dx, N * V, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "label smoothing grad[%zu] %g vs %g", g.worst_index, g.analytic, g.numeric);
    for (int j = 0; j < V; j++) ck_assert_float_eq(dx[1 * V + j], 0.0f); /* the ignored row */
    /* eps = 0 is the plain cross-entropy, and then loss == nll */
    float l0 = ls_crossentropy_forward(p, &nll, x, t, N, V, 0.0f);
    ck_assert_double_eq_tol(l0, nll, 1e-6);
    /* the definition, term by term, from common/softmax.h's log-softmax */
    float lp[N * V];
    log_softmax_forward(lp, x, N, V);
    double want = 0;
    for (int i = 0; i < N; i++) {
        if (t[i] < 0) continue;
        double mean_lp = 0;
        for (int j = 0; j < V; j++) mean_lp += lp[i * V + j] / V;
        want += (-(1 - 0.1) * lp[i * V + t[i]] - 0.1 * mean_lp) / 3; /* 3 rows count */
    }
    ck_assert_double_eq_tol(loss, want, 1e-5);
    /* uniform logits: every log p is -log V, whatever eps */
    float u[V] = {0};
    int t1 = 3;
    ck_assert_double_eq_tol(ls_crossentropy_forward(p, NULL, u, &t1, 1, V, 0.3f), log(V), 1e-6);
}
END_TEST

/* ---- positions -------------------------------------------------------------------------------- */
START_TEST(sinusoids_match_reference) {
    int nd, s[8];
    float *ref = fixture_load(REF, "pe_50x16", &nd, s);
    float pe[50 * 16];
    sinusoidal_positions(pe, s[0], s[1]);
    ck_assert_allclose(pe, ref, 50 * 16, 1e-6, 1e-5);
    ck_assert_float_eq(pe[0], 0.0f); /* sin 0 */
    ck_assert_float_eq(pe[1], 1.0f); /* cos 0 */
    free(ref);
}
END_TEST

/* ---- against PyTorch -------------------------------------------------------------------------- */

/* Load the fixture tensors "<tag>:<spec name>" into a Params buffer built from the same specs. */
static void load_params(Params *p, const char *tag) {
    for (int i = 0; i < p->n; i++) {
        char name[300];
        snprintf(name, sizeof name, "%s:%s", tag, p->specs[i].name);
        int nd, s[8];
        float *t = fixture_load(REF, name, &nd, s);
        ck_assert_int_eq(nd, p->specs[i].ndim);
        for (int d = 0; d < nd; d++) ck_assert_int_eq(s[d], p->specs[i].shape[d]);
        memcpy(p->data + p->offsets[i], t, sizeof(float) * shape_numel(nd, s));
        free(t);
    }
}

/* Compare every gradient of p with the fixture tensors "<tag>:<name>". */
static void compare_grads(const Params *p, const char *tag, double atol, double rtol) {
    for (int i = 0; i < p->n; i++) {
        char name[300];
        snprintf(name, sizeof name, "%s:%s", tag, p->specs[i].name);
        float *t = fixture_load(REF, name, NULL, NULL);
        size_t n = shape_numel(p->specs[i].ndim, p->specs[i].shape);
        double e = max_scaled_err(p->grad + p->offsets[i], t, n, atol, rtol);
        ck_assert_msg(e <= 1, "gradient of %s differs from PyTorch's (scaled error %g)", p->specs[i].name, e);
        free(t);
    }
}

static unsigned char *load_mask(const char *name, int *n) {
    int nd, s[8];
    float *f = fixture_load(REF, name, &nd, s);
    *n = (int)shape_numel(nd, s);
    unsigned char *m = xmalloc((size_t)*n);
    for (int i = 0; i < *n; i++) m[i] = f[i] != 0;
    free(f);
    return m;
}

START_TEST(mha_matches_pytorch) {
    int nd, sq[8], sk[8], npad;
    float *xq = fixture_load(REF, "mha_xq", &nd, sq), *xkv = fixture_load(REF, "mha_xkv", &nd, sk);
    float *dout = fixture_load(REF, "mha_dout", NULL, NULL), *ref = fixture_load(REF, "mha_out", NULL, NULL);
    float *att_ref = fixture_load(REF, "mha_att", NULL, NULL);
    float *dxq_ref = fixture_load(REF, "mha_dxq", NULL, NULL), *dxkv_ref = fixture_load(REF, "mha_dxkv", NULL, NULL);
    unsigned char *pad = load_mask("mha_pad", &npad);
    int B = sq[0], Tq = sq[1], C = sq[2], Tk = sk[1], NH = 2;
    Layer L = {0};
    mha_specs(&L.specs, "attn", C, C, INIT_ZERO, 0);
    params_init(&L.p, L.specs.specs, L.specs.n);
    L.ptrs = xmalloc(sizeof(float *) * (size_t)L.p.n);
    load_params(&L.p, "mha_w");
    MhaWeights w, g;
    layer_carve(&L, L.p.data, &w, sizeof w), layer_carve(&L, L.p.grad, &g, sizeof g);
    Mha m;
    mha_init(&m, C, C, NH, B, Tq, Tk, 0);
    size_t nq = (size_t)B * Tq * C, nk = (size_t)B * Tk * C;
    float *out = xmalloc(nq * 4), *dxq = xcalloc(nq, 4), *dxkv = xcalloc(nk, 4);
    mha_forward(&m, &w, out, xq, xkv, B, Tq, Tk, pad, 0, NULL);
    ck_assert_allclose(out, ref, nq, 1e-5, 1e-4);
    ck_assert_allclose(m.att, att_ref, (size_t)B * NH * Tq * Tk, 1e-6, 1e-4);
    mha_backward(&m, &w, &g, dxq, dxkv, dout, xq, xkv);
    ck_assert_allclose(dxq, dxq_ref, nq, 1e-5, 1e-4);
    ck_assert_allclose(dxkv, dxkv_ref, nk, 1e-5, 1e-4);
    compare_grads(&L.p, "mha_g", 1e-5, 1e-4);
    mha_free(&m), layer_free(&L);
    free(xq), free(xkv), free(dout), free(ref), free(att_ref), free(dxq_ref), free(dxkv_ref), free(pad);
    free(out), free(dxq), free(dxkv);
}
END_TEST

static void check_encoder_vs_pytorch(const char *tag, int prenorm, FfnAct act) {
    char name[64];
    int nd, s[8], npad;
    snprintf(name, sizeof name, "%s_x", tag);
    float *x = fixture_load(REF, name, &nd, s);
    snprintf(name, sizeof name, "%s_dout", tag);
    float *dout = fixture_load(REF, name, NULL, NULL);
    snprintf(name, sizeof name, "%s_out", tag);
    float *ref = fixture_load(REF, name, NULL, NULL);
    snprintf(name, sizeof name, "%s_dx", tag);
    float *dx_ref = fixture_load(REF, name, NULL, NULL);
    snprintf(name, sizeof name, "%s_pad", tag);
    unsigned char *pad = load_mask(name, &npad);
    int B = s[0], T = s[1], C = s[2];
    BlockConfig cfg = {C, 2, 2 * C, act, prenorm, 0, 0, 1e-5f};
    Layer L = {0};
    encoder_block_specs(&L.specs, "l", &cfg, INIT_ZERO, 0);
    params_init(&L.p, L.specs.specs, L.specs.n);
    L.ptrs = xmalloc(sizeof(float *) * (size_t)L.p.n);
    snprintf(name, sizeof name, "%s_w", tag);
    load_params(&L.p, name);
    EncoderBlockWeights w, g;
    layer_carve(&L, L.p.data, &w, sizeof w), layer_carve(&L, L.p.grad, &g, sizeof g);
    EncoderBlock e;
    encoder_block_init(&e, &cfg, B, T);
    size_t n = (size_t)B * T * C;
    float *out = xmalloc(n * 4), *dx = xcalloc(n, 4);
    encoder_block_forward(&e, &w, out, x, B, T, pad, 0, NULL);
    /* PyTorch leaves the output at padded positions as computed (their queries still attend to the
     * real keys), so every position compares. */
    double err = max_scaled_err(out, ref, n, 1e-5, 1e-4);
    ck_assert_msg(err <= 1, "%s: output differs from nn.TransformerEncoderLayer (scaled error %g)", tag, err);
    encoder_block_backward(&e, &w, &g, dx, dout, x);
    err = max_scaled_err(dx, dx_ref, n, 1e-5, 1e-4);
    ck_assert_msg(err <= 1, "%s: dx differs from PyTorch (scaled error %g)", tag, err);
    snprintf(name, sizeof name, "%s_g", tag);
    compare_grads(&L.p, name, 1e-5, 1e-4);
    encoder_block_free(&e), layer_free(&L);
    free(x), free(dout), free(ref), free(dx_ref), free(pad), free(out), free(dx);
}

START_TEST(encoder_layer_matches_pytorch) {
    check_encoder_vs_pytorch("enc_post", 0, FFN_RELU);
    check_encoder_vs_pytorch("enc_pre", 1, FFN_GELU);
}
END_TEST

START_TEST(decoder_layer_matches_pytorch) {
    int nd, sy[8], sm[8], npad;
    float *y = fixture_load(REF, "dec_y", &nd, sy), *mem = fixture_load(REF, "dec_mem", &nd, sm);
    float *dout = fixture_load(REF, "dec_dout", NULL, NULL), *ref = fixture_load(REF, "dec_out", NULL, NULL);
    float *dy_ref = fixture_load(REF, "dec_dy", NULL, NULL), *dmem_ref = fixture_load(REF, "dec_dmem", NULL, NULL);
    unsigned char *mpad = load_mask("dec_mpad", &npad);
    int B = sy[0], T = sy[1], C = sy[2], S = sm[1];
    BlockConfig cfg = {C, 2, 2 * C, FFN_RELU, 0, 0, 0, 1e-5f};
    Layer L = {0};
    decoder_block_specs(&L.specs, "l", &cfg, INIT_ZERO, 0);
    params_init(&L.p, L.specs.specs, L.specs.n);
    L.ptrs = xmalloc(sizeof(float *) * (size_t)L.p.n);
    load_params(&L.p, "dec_w");
    DecoderBlockWeights w, g;
    layer_carve(&L, L.p.data, &w, sizeof w), layer_carve(&L, L.p.grad, &g, sizeof g);
    DecoderBlock d;
    decoder_block_init(&d, &cfg, B, T, S);
    size_t n = (size_t)B * T * C, ns = (size_t)B * S * C;
    float *out = xmalloc(n * 4), *dy = xcalloc(n, 4), *dmem = xcalloc(ns, 4);
    decoder_block_forward(&d, &w, out, y, mem, B, T, S, NULL, mpad, NULL);
    ck_assert_allclose(out, ref, n, 1e-5, 1e-4);
    decoder_block_backward(&d, &w, &g, dy, dmem, dout, y, mem);
    ck_assert_allclose(dy, dy_ref, n, 1e-5, 1e-4);
    ck_assert_allclose(dmem, dmem_ref, ns, 1e-5, 1e-4);
    compare_grads(&L.p, "dec_g", 1e-5, 1e-4);
    decoder_block_free(&d), layer_free(&L);
    free(y), free(mem), free(dout), free(ref), free(dy_ref), free(dmem_ref), free(mpad);
    free(out), free(dy), free(dmem);
}
END_TEST

START_TEST(label_smoothing_matches_pytorch) {
    int nd, s[8];
    float *x = fixture_load(REF, "ls_logits", &nd, s);
    int N = s[0], V = s[1];
    float *tf = fixture_load(REF, "ls_targets", NULL, NULL), *lref = fixture_load(REF, "ls_loss", NULL, NULL);
    float *dref = fixture_load(REF, "ls_dlogits", NULL, NULL), *nref = fixture_load(REF, "ls_nll", NULL, NULL);
    int t[16];
    for (int i = 0; i < N; i++) t[i] = (int)tf[i];
    float p[16 * 16], dx[16 * 16] = {0};
    double nll;
    float loss = ls_crossentropy_forward(p, &nll, x, t, N, V, 0.1f);
    ck_assert_double_eq_tol(loss, lref[0], 1e-5 * fabs(lref[0]));
    ck_assert_double_eq_tol(nll, nref[0], 1e-5 * fabs(nref[0]));
    ls_crossentropy_backward(dx, p, t, N, V, 0.1f, 1.0f);
    ck_assert_allclose(dx, dref, (size_t)N * V, 1e-7, 1e-5);
    free(x), free(tf), free(lref), free(dref), free(nref);
}
END_TEST

Suite *transformer_layers_suite(void) {
    Suite *s = suite_create("transformer_layers");
    TCase *tc = tcase_create("gradients");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, attention_gradcheck);
    tcase_add_test(tc, attention_masks_hide_keys);
    tcase_add_test(tc, causal_mask_matrix_is_lower_triangular);
    tcase_add_test(tc, mha_gradcheck);
    tcase_add_test(tc, ffn_gradcheck);
    tcase_add_test(tc, residual_layernorm_gradcheck);
    tcase_add_test(tc, encoder_block_gradcheck);
    tcase_add_test(tc, decoder_block_gradcheck);
    tcase_add_test(tc, label_smoothing_gradcheck_and_values);
    tcase_add_test(tc, sinusoids_match_reference);
    suite_add_tcase(s, tc);
    TCase *ref = tcase_create("pytorch");
    tcase_add_test(ref, mha_matches_pytorch);
    tcase_add_test(ref, encoder_layer_matches_pytorch);
    tcase_add_test(ref, decoder_layer_matches_pytorch);
    tcase_add_test(ref, label_smoothing_matches_pytorch);
    suite_add_tcase(s, ref);
    return s;
}
