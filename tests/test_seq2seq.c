/* test_seq2seq.c - chapter 05: finite-difference checks of both attention variants and of whole
 * small encoder-decoders (every variant, GRU and LSTM); agreement with PyTorch for the attention
 * layers and three whole models (tests/fixtures/seq2seq.txt, written by
 * tests/make_fixtures_seq2seq.py); the step-by-step decoder against teacher forcing; beam search
 * of width 1 against greedy search; BLEU against hand-computed values and against nltk; the
 * Tatoeba reader on good and bad files; the synthetic task; the batch plan; a short training run
 * that must learn to reverse strings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "05_seq2seq_attention/attention.h"
#include "05_seq2seq_attention/bleu.h"
#include "05_seq2seq_attention/encdec.h"
#include "05_seq2seq_attention/search.h"
#include "05_seq2seq_attention/tasks.h"
#include "05_seq2seq_attention/train.h"
#include "gradcheck.h"
#include "platform.h"
#include "testutil.h"
#include "util.h"

#define REF FIXTURE("seq2seq.txt")
/* Central differences in float32 (as tests/test_rnn.c argues): h = 5e-3 keeps round-off and
 * truncation near 1e-4; a 10% error in a gradient of 1e-2 still fails. */
#define H_FD 5e-3
#define ATOL 3e-4
#define RTOL 1e-2

static float *fbuf(size_t n) { return xcalloc(n ? n : 1, sizeof(float)); }

/* ==== attention layers ========================================================================== */

typedef struct {
    AttnKind kind;
    int T, S, B, H, A;
    float *q, *enc, *wq, *wk, *va, *R, *ctx, *alpha, *qp, *u, *kp;
} AttnCtx;

static void attn_setup(AttnCtx *c, AttnKind kind, int T, int S, int B, int H, int A, uint64_t seed) {
    memset(c, 0, sizeof *c);
    c->kind = kind, c->T = T, c->S = S, c->B = B, c->H = H, c->A = A;
    c->q = fbuf((size_t)T * B * H), c->enc = fbuf((size_t)S * B * H), c->R = fbuf((size_t)T * B * H);
    c->ctx = fbuf((size_t)T * B * H), c->alpha = fbuf((size_t)T * B * S);
    fill_uniform(c->q, (size_t)T * B * H, -1, 1, seed), fill_uniform(c->enc, (size_t)S * B * H, -1, 1, seed + 1);
    fill_uniform(c->R, (size_t)T * B * H, -1, 1, seed + 2);
    if (kind == ATTN_ADDITIVE) {
        c->wq = fbuf((size_t)A * H), c->wk = fbuf((size_t)A * H), c->va = fbuf((size_t)A);
        fill_uniform(c->wq, (size_t)A * H, -0.8f, 0.8f, seed + 3), fill_uniform(c->wk, (size_t)A * H, -0.8f, 0.8f, seed + 4);
        fill_uniform(c->va, (size_t)A, -1, 1, seed + 5);
        c->qp = fbuf((size_t)T * B * A), c->u = fbuf((size_t)T * B * S * A), c->kp = fbuf((size_t)S * B * A);
    }
}

static void attn_teardown(AttnCtx *c) {
    float *b[] = {c->q, c->enc, c->wq, c->wk, c->va, c->R, c->ctx, c->alpha, c->qp, c->u, c->kp};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) free(b[i]);
}

static void attn_run(AttnCtx *c) {
    if (c->kind == ATTN_DOT) dot_attention_forward(c->ctx, c->alpha, c->q, c->enc, c->T, c->S, c->B, c->H);
    else {
        additive_attention_keys(c->kp, c->enc, c->wk, c->S, c->B, c->H, c->A);
        additive_attention_forward(c->ctx, c->alpha, c->qp, c->u, c->q, c->enc, c->kp, c->wq, c->va, c->T, c->S, c->B,
                                   c->H, c->A);
    }
}

static double attn_loss(void *ctx) {
    AttnCtx *c = ctx;
    attn_run(c);
    return dot_loss(c->ctx, c->R, (size_t)c->T * c->B * c->H);
}

/* Gradients of sum(ctx * R) into dq, denc, dwq, dwk, dva (zeroed first). */
static void attn_grads(AttnCtx *c, float *dq, float *denc, float *dwq, float *dwk, float *dva) {
    int T = c->T, S = c->S, B = c->B, H = c->H, A = c->A;
    attn_run(c);
    float *dscore = fbuf((size_t)T * B * S);
    memset(dq, 0, (size_t)T * B * H * sizeof(float)), memset(denc, 0, (size_t)S * B * H * sizeof(float));
    if (c->kind == ATTN_DOT) dot_attention_backward(dq, denc, dscore, c->R, c->alpha, c->q, c->enc, T, S, B, H);
    else {
        memset(dwq, 0, (size_t)A * H * sizeof(float)), memset(dwk, 0, (size_t)A * H * sizeof(float));
        memset(dva, 0, (size_t)A * sizeof(float));
        float *dqp = fbuf((size_t)T * B * A), *dkp = fbuf((size_t)S * B * A);
        additive_attention_backward(dq, denc, dwq, dwk, dva, dscore, dqp, dkp, c->R, c->alpha, c->u, c->q, c->enc, c->wq,
                                    c->wk, c->va, T, S, B, H, A);
        free(dqp), free(dkp);
    }
    free(dscore);
}

static void check_fd(const char *what, LossFn f, void *ctx, float *x, const float *g, size_t n) {
    GradCheck r = gradcheck(f, ctx, x, g, n, H_FD, ATOL, RTOL, 0);
    ck_assert_msg(r.worst <= 1, "%s: grad[%zu] analytic %g numeric %g (worst %g)", what, r.worst_index, r.analytic,
                  r.numeric, r.worst);
}

START_TEST(attention_gradcheck) {
    for (int k = 0; k < 2; k++) {
        AttnKind kind = k ? ATTN_ADDITIVE : ATTN_DOT;
        AttnCtx c;
        attn_setup(&c, kind, 3, 5, 2, 6, 4, 100 + k);
        float *dq = fbuf(36), *denc = fbuf(60), *dwq = fbuf(24), *dwk = fbuf(24), *dva = fbuf(4);
        attn_grads(&c, dq, denc, dwq, dwk, dva);
        check_fd("dq", attn_loss, &c, c.q, dq, 36);
        check_fd("denc", attn_loss, &c, c.enc, denc, 60);
        if (kind == ATTN_ADDITIVE) {
            check_fd("dwq", attn_loss, &c, c.wq, dwq, 24);
            check_fd("dwk", attn_loss, &c, c.wk, dwk, 24);
            check_fd("dva", attn_loss, &c, c.va, dva, 4);
        }
        /* the weights are a distribution over the source for every row */
        for (int r = 0; r < 6; r++) {
            double s = 0;
            for (int j = 0; j < 5; j++) s += c.alpha[r * 5 + j], ck_assert(c.alpha[r * 5 + j] > 0);
            ck_assert_msg(fabs(s - 1) < 1e-6, "row %d of alpha sums to %g", r, s);
        }
        free(dq), free(denc), free(dwq), free(dwk), free(dva);
        attn_teardown(&c);
    }
}
END_TEST

START_TEST(attention_gradcheck_catches_a_wrong_backward) {
    /* a 10% error in one coordinate of dq must fail the check, or the check proves nothing */
    AttnCtx c;
    attn_setup(&c, ATTN_ADDITIVE, 2, 4, 1, 5, 3, 7);
    float *dq = fbuf(10), *denc = fbuf(20), *dwq = fbuf(15), *dwk = fbuf(15), *dva = fbuf(3);
    attn_grads(&c, dq, denc, dwq, dwk, dva);
    dq[3] *= 1.1f;
    GradCheck r = gradcheck(attn_loss, &c, c.q, dq, 10, H_FD, ATOL, RTOL, 0);
    ck_assert_msg(r.worst > 1, "a wrong gradient passed (worst %g)", r.worst);
    free(dq), free(denc), free(dwq), free(dwk), free(dva);
    attn_teardown(&c);
}
END_TEST

static float *ref_load(const char *name, size_t expect) {
    int nd, shape[8];
    float *x = fixture_load(REF, name, &nd, shape);
    size_t n = 1;
    for (int i = 0; i < nd; i++) n *= (size_t)shape[i];
    ck_assert_msg(n == expect, "fixture %s has %zu values, expected %zu", name, n, expect);
    return x;
}

START_TEST(attention_matches_pytorch) {
    const char *tags[2] = {"dot", "add"};
    for (int k = 0; k < 2; k++) {
        int T = 3, S = 5, B = 2, H = 6, A = 4;
        AttnCtx c;
        attn_setup(&c, k ? ATTN_ADDITIVE : ATTN_DOT, T, S, B, H, A, 1);
        char name[64];
#define LOAD_INTO(dst, field, n)                                                                                       \
    do {                                                                                                               \
        snprintf(name, sizeof name, "%s_%s", tags[k], field);                                                          \
        float *v_ = ref_load(name, (n));                                                                               \
        memcpy((dst), v_, (n) * sizeof(float));                                                                        \
        free(v_);                                                                                                      \
    } while (0)
        LOAD_INTO(c.q, "q", (size_t)T * B * H);
        LOAD_INTO(c.enc, "enc", (size_t)S * B * H);
        LOAD_INTO(c.R, "R", (size_t)T * B * H);
        if (k) {
            LOAD_INTO(c.wq, "wq", (size_t)A * H);
            LOAD_INTO(c.wk, "wk", (size_t)A * H);
            LOAD_INTO(c.va, "va", (size_t)A);
        }
        float *dq = fbuf(36), *denc = fbuf(60), *dwq = fbuf(24), *dwk = fbuf(24), *dva = fbuf(4);
        attn_grads(&c, dq, denc, dwq, dwk, dva);
        struct { const char *field; const float *got; size_t n; } cmp[] = {
            {"alpha", c.alpha, 30}, {"ctx", c.ctx, 36}, {"dq", dq, 36}, {"denc", denc, 60},
            {"dwq", dwq, 24}, {"dwk", dwk, 24}, {"dva", dva, 4}};
        for (size_t i = 0; i < (k ? 7u : 4u); i++) {
            snprintf(name, sizeof name, "%s_%s", tags[k], cmp[i].field);
            float *want = ref_load(name, cmp[i].n);
            double e = max_scaled_err(cmp[i].got, want, cmp[i].n, 1e-5, 1e-4);
            ck_assert_msg(e <= 1, "%s differs from PyTorch (worst scaled error %g)", name, e);
            free(want);
        }
        free(dq), free(denc), free(dwq), free(dwk), free(dva);
        attn_teardown(&c);
    }
}
END_TEST

/* ==== whole models ============================================================================== */

static S2SConfig tiny_config(CellType cell, AttnKind attn, int layers, int bidir) {
    S2SConfig c = s2s_defaults();
    c.cell = cell, c.attn = attn, c.layers = layers, c.bidir = bidir;
    c.emb = 4, c.hidden = 6, c.attn_dim = 5, c.src_vocab = 10, c.tgt_vocab = 11;
    return c;
}

/* Two pairs with sources of length 4 and targets of lengths 5 and 2 (so the loss skips padding). */
static const int SRC_IDS[2][4] = {{4, 5, 6, 7}, {8, 4, 9, 5}};
static const int TGT_IDS[2][5] = {{4, 7, 5, 9, 6}, {8, 5, 0, 0, 0}};
static const int TGT_LEN[2] = {5, 2};

static void tiny_batch(S2SBatch *b) {
    static TaskExample ex[2];
    for (int i = 0; i < 2; i++) ex[i] = (TaskExample){.src = SRC_IDS[i], .tgt = TGT_IDS[i], .src_len = 4, .tgt_len = TGT_LEN[i]};
    const TaskExample *p[2] = {&ex[0], &ex[1]};
    s2s_batch_alloc(b, 4, 6, 8);
    s2s_batch_make(b, p, 2);
}

typedef struct {
    S2SModel m;
    S2SBatch b;
} ModelCtx;

static double model_loss(void *ctx) {
    ModelCtx *c = ctx;
    return s2s_forward(&c->m, &c->b, 0, NULL);
}

START_TEST(model_gradcheck_every_variant) {
    /* every parameter of small models: each attention, both cells, a 2-layer and a 1-way encoder */
    struct { CellType cell; AttnKind attn; int layers, bidir; } cases[] = {
        {CELL_GRU, ATTN_NONE, 1, 1}, {CELL_GRU, ATTN_DOT, 1, 1}, {CELL_GRU, ATTN_ADDITIVE, 1, 1},
        {CELL_LSTM, ATTN_DOT, 2, 0}, {CELL_LSTM, ATTN_ADDITIVE, 1, 1}, {CELL_LSTM, ATTN_NONE, 2, 1}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        ModelCtx c;
        S2SConfig cfg = tiny_config(cases[k].cell, cases[k].attn, cases[k].layers, cases[k].bidir);
        Rng rng;
        rng_seed(&rng, 40 + k);
        s2s_init(&c.m, &cfg, 4, 6, 8, 20, &rng);
        /* weights larger than the init, so that the gates and the softmaxes leave their middles */
        fill_uniform(c.m.p.data, c.m.p.total, -0.6f, 0.6f, 50 + k);
        tiny_batch(&c.b);
        params_zero_grad(&c.m.p);
        s2s_forward(&c.m, &c.b, 0, NULL);
        s2s_backward(&c.m);
        for (int i = 0; i < c.m.p.n; i++) {
            size_t n = shape_numel(c.m.p.specs[i].ndim, c.m.p.specs[i].shape);
            GradCheck r = gradcheck(model_loss, &c, c.m.p.data + c.m.p.offsets[i], c.m.p.grad + c.m.p.offsets[i], n,
                                    H_FD, 1e-4, RTOL, 0);
            ck_assert_msg(r.worst <= 1, "%s %s %s: %s[%zu] analytic %g numeric %g", cell_name(cfg.cell),
                          attn_name(cfg.attn), cfg.bidir ? "bidir" : "1-way", c.m.p.specs[i].name, r.worst_index,
                          r.analytic, r.numeric);
        }
        s2s_batch_free(&c.b);
        s2s_free(&c.m);
    }
}
END_TEST

START_TEST(model_matches_pytorch) {
    struct { const char *tag; CellType cell; AttnKind attn; int layers, bidir; } cases[] = {
        {"m1", CELL_GRU, ATTN_ADDITIVE, 1, 1}, {"m2", CELL_LSTM, ATTN_DOT, 2, 0}, {"m3", CELL_GRU, ATTN_NONE, 1, 1}};
    for (size_t k = 0; k < 3; k++) {
        S2SConfig cfg = tiny_config(cases[k].cell, cases[k].attn, cases[k].layers, cases[k].bidir);
        S2SModel m;
        Rng rng;
        rng_seed(&rng, 1);
        s2s_init(&m, &cfg, 4, 6, 8, 20, &rng);
        char name[128];
        for (int i = 0; i < m.p.n; i++) { /* the reference's weights, by the chapter's names */
            size_t n = shape_numel(m.p.specs[i].ndim, m.p.specs[i].shape);
            snprintf(name, sizeof name, "%s_%s", cases[k].tag, m.p.specs[i].name);
            float *w = ref_load(name, n);
            memcpy(m.p.data + m.p.offsets[i], w, n * sizeof(float));
            free(w);
        }
        S2SBatch b;
        tiny_batch(&b);
        /* the batch the reference was given is this one */
        snprintf(name, sizeof name, "%s_tgt_out", cases[k].tag);
        float *tout = ref_load(name, (size_t)b.T * b.B);
        for (int i = 0; i < b.T * b.B; i++) ck_assert_int_eq((int)tout[i], b.tgt_out[i]);
        free(tout);
        params_zero_grad(&m.p);
        float loss = s2s_forward(&m, &b, 0, NULL);
        snprintf(name, sizeof name, "%s_loss", cases[k].tag);
        float *want = ref_load(name, 1);
        ck_assert_msg(fabsf(loss - want[0]) <= 1e-5f * fabsf(want[0]) + 1e-6f, "%s loss %.7f, PyTorch %.7f",
                      cases[k].tag, loss, want[0]);
        free(want);
        snprintf(name, sizeof name, "%s_logits", cases[k].tag);
        want = ref_load(name, (size_t)b.T * b.B * cfg.tgt_vocab);
        ck_assert_msg(max_scaled_err(m.logits, want, (size_t)b.T * b.B * cfg.tgt_vocab, 1e-5, 1e-4) <= 1,
                      "%s logits differ from PyTorch", cases[k].tag);
        free(want);
        s2s_backward(&m);
        for (int i = 0; i < m.p.n; i++) {
            size_t n = shape_numel(m.p.specs[i].ndim, m.p.specs[i].shape);
            snprintf(name, sizeof name, "%s_g.%s", cases[k].tag, m.p.specs[i].name);
            want = ref_load(name, n);
            double e = max_scaled_err(m.p.grad + m.p.offsets[i], want, n, 1e-5, 1e-3);
            ck_assert_msg(e <= 1, "%s gradient of %s differs from PyTorch (worst scaled error %g)", cases[k].tag,
                          m.p.specs[i].name, e);
            free(want);
        }
        s2s_batch_free(&b);
        s2s_free(&m);
    }
}
END_TEST

/* ==== decoding ================================================================================== */

START_TEST(stepping_equals_teacher_forcing) {
    /* feeding <bos> y_1 .. one step at a time gives the teacher-forced logits, for every variant */
    for (int a = 0; a < 3; a++)
        for (int cl = 0; cl < 2; cl++) {
            S2SConfig cfg = tiny_config(cl ? CELL_LSTM : CELL_GRU, (AttnKind)a, 1, 1);
            S2SModel m;
            Rng rng;
            rng_seed(&rng, 3 + a);
            s2s_init(&m, &cfg, 4, 6, 8, 20, &rng);
            S2SBatch b;
            tiny_batch(&b);
            s2s_forward(&m, &b, 0, NULL);
            size_t n = (size_t)b.T * b.B * cfg.tgt_vocab;
            float *tf = fbuf(n), *alpha_tf = fbuf((size_t)b.T * b.B * b.S);
            memcpy(tf, m.logits, n * sizeof(float));
            memcpy(alpha_tf, m.alpha, (size_t)b.T * b.B * b.S * sizeof(float));
            s2s_encode(&m, b.src, b.S, b.B);
            for (int t = 0; t < b.T; t++) {
                const float *lg = s2s_decoder_step(&m, b.tgt_in + t * b.B);
                size_t row = (size_t)b.B * cfg.tgt_vocab;
                ck_assert_msg(max_scaled_err(lg, tf + t * row, row, 1e-6, 1e-5) <= 1, "%s/%s: step %d differs",
                              cell_name(cfg.cell), attn_name(cfg.attn), t);
                if (cfg.attn != ATTN_NONE)
                    ck_assert(max_scaled_err(m.alpha, alpha_tf + (size_t)t * b.B * b.S, (size_t)b.B * b.S, 1e-6, 1e-5) <= 1);
            }
            free(tf), free(alpha_tf);
            s2s_batch_free(&b);
            s2s_free(&m);
        }
}
END_TEST

/* A model with big random weights, so that its outputs vary with the input and are far from
 * uniform (an untrained model at the usual init tends to print one token forever). */
static void random_model(S2SModel *m, AttnKind attn, CellType cell, int V, uint64_t seed) {
    S2SConfig cfg = s2s_defaults();
    cfg.cell = cell, cfg.attn = attn, cfg.emb = 8, cfg.hidden = 12, cfg.attn_dim = 6, cfg.src_vocab = 12, cfg.tgt_vocab = V;
    Rng rng;
    rng_seed(&rng, seed);
    s2s_init(m, &cfg, 8, 10, 12, 24, &rng);
    fill_uniform(m->p.data, m->p.total, -1.0f, 1.0f, seed);
    m->bv[TASK_EOS] += 1.5f; /* so that most outputs end before the length limit */
}

START_TEST(beam_width_one_is_greedy) {
    int out_g[24], out_b[24], len_g;
    for (int k = 0; k < 12; k++) {
        S2SModel m;
        random_model(&m, (AttnKind)(k % 3), k % 2 ? CELL_LSTM : CELL_GRU, 9, 200 + k);
        int src[6];
        for (int i = 0; i < 6; i++) src[i] = 4 + (k * 7 + i * 3) % 8;
        s2s_greedy(&m, src, 6, 1, 22, out_g, &len_g, NULL, NULL);
        int len_b = s2s_beam(&m, src, 6, 1, 22, 1.0f, out_b, NULL);
        ck_assert_int_eq(len_b, len_g);
        for (int i = 0; i < len_g; i++) ck_assert_int_eq(out_b[i], out_g[i]);
        s2s_free(&m);
    }
}
END_TEST

/* The log probability of target under teacher forcing: -(mean loss) * tokens. */
static double target_logprob(S2SModel *m, const int *src, int S, const int *tgt, int n) {
    TaskExample e = {.src = src, .tgt = tgt, .src_len = S, .tgt_len = n};
    const TaskExample *p = &e;
    S2SBatch b;
    s2s_batch_alloc(&b, 1, m->maxS, m->maxT);
    s2s_batch_make(&b, &p, 1);
    double lp = -(double)s2s_forward(m, &b, 0, NULL) * b.ntok;
    s2s_batch_free(&b);
    return lp;
}

START_TEST(beam_scores_are_the_model_log_probabilities) {
    /* the score beam search reports for its output is the model's own log p(output <eos> | source),
     * and no ended output it saw scores better (len_alpha 0: exhaustive over the beam) */
    int compared = 0;
    for (int k = 0; k < 12; k++) {
        S2SModel m;
        random_model(&m, (AttnKind)(k % 3), k % 2 ? CELL_LSTM : CELL_GRU, 7, 300 + k);
        int src[5] = {4 + k % 5, 5, 11, 6, 4 + (k * 3) % 8}, out[24];
        double score;
        int n = s2s_beam(&m, src, 5, 1 + k % 4, 20, 0.0f, out, &score);
        double lp = n < 20 ? target_logprob(&m, src, 5, out, n) : 0; /* n == 20: cut without <eos> */
        s2s_free(&m);
        if (n == 20) continue;
        ck_assert_msg(fabs(score - lp) < 1e-4 * (1 + fabs(lp)), "beam score %g, teacher-forced log p %g", score, lp);
        compared++;
    }
    ck_assert_int_ge(compared, 8);
}
END_TEST

START_TEST(greedy_batch_equals_one_by_one) {
    /* rows of a batch never see each other: B sources decoded together = each decoded alone */
    S2SModel m;
    random_model(&m, ATTN_ADDITIVE, CELL_LSTM, 9, 77);
    int S = 4, B = 5, src[20], out[5 * 22], len[5], one[22], n1;
    for (int b = 0; b < B; b++)
        for (int s = 0; s < S; s++) src[s * B + b] = 4 + (b * 5 + s * 3) % 8;
    s2s_greedy(&m, src, S, B, 22, out, len, NULL, NULL);
    for (int b = 0; b < B; b++) {
        int col[4];
        for (int s = 0; s < S; s++) col[s] = src[s * B + b];
        s2s_greedy(&m, col, S, 1, 22, one, &n1, NULL, NULL);
        ck_assert_int_eq(n1, len[b]);
        for (int i = 0; i < n1; i++) ck_assert_int_eq(one[i], out[b * 22 + i]);
    }
    s2s_free(&m);
}
END_TEST

/* ==== BLEU ====================================================================================== */

/* Split "a b c | d e f | ..." into token arrays (at most 8 parts of 64 tokens), in place. */
typedef struct {
    char buf[1024];
    const char *tok[8][64];
    int len[8], n;
} Sent;
static void sent_parse(Sent *s, const char *line) {
    memset(s, 0, sizeof *s);
    snprintf(s->buf, sizeof s->buf, "%s", line);
    for (char *p = strtok(s->buf, " "); p; p = strtok(NULL, " ")) {
        if (!strcmp(p, "|")) s->n++;
        else s->tok[s->n][s->len[s->n]++] = p;
    }
    s->n++;
}
static double corpus_bleu(const char *const *lines, int n, BleuStats *st) {
    bleu_init(st);
    for (int i = 0; i < n; i++) {
        Sent s;
        sent_parse(&s, lines[i]);
        const char *const *refs[7];
        for (int k = 1; k < s.n; k++) refs[k - 1] = s.tok[k];
        bleu_add(st, s.tok[0], s.len[0], refs, s.len + 1, s.n - 1);
    }
    return bleu_score(st, NULL, NULL);
}

START_TEST(bleu_known_values) {
    BleuStats st;
    /* identical: 100 */
    const char *same[] = {"a b c d e | a b c d e"};
    ck_assert(fabs(corpus_bleu(same, 1, &st) - 100) < 1e-9);
    /* one token short: every p_n = 1, BP = exp(1 - 6/5) */
    const char *short1[] = {"a b c d e | a b c d e f"};
    ck_assert(fabs(corpus_bleu(short1, 1, &st) - 100 * exp(-0.2)) < 1e-9);
    /* no 4-gram in common: 0 (no smoothing), although p_1 = 1 */
    const char *no4[] = {"a b c d | d c b a"};
    double p[4], bp;
    ck_assert(corpus_bleu(no4, 1, &st) == 0);
    bleu_score(&st, p, &bp);
    ck_assert(p[0] == 1 && p[3] == 0 && bp == 1);
    /* Papineni's clipping: "the" x7 against two references: p_1 = 2/7 */
    const char *the[] = {"the the the the the the the | the cat is on the mat | there is a cat on the mat"};
    corpus_bleu(the, 1, &st);
    bleu_score(&st, p, &bp);
    ck_assert(fabs(p[0] - 2.0 / 7) < 1e-12);
    /* the closest reference length (the shorter on a tie): hyp 4 tokens, refs 3 and 5 -> r = 3 */
    const char *tie[] = {"a b c d | a b c | a b c d e"};
    corpus_bleu(tie, 1, &st);
    ck_assert(st.ref_len == 3 && st.hyp_len == 4);
    /* corpus counts are summed before the geometric mean: not the mean of sentence scores */
    const char *two[] = {"a b c d e f | a b c d e f", "x y | z w"};
    double b = corpus_bleu(two, 2, &st);
    ck_assert(st.match[0] == 6 && st.total[0] == 8 && st.match[3] == 3 && st.total[3] == 3);
    ck_assert(fabs(b - 100 * pow(6.0 / 8 * 5.0 / 6 * 4.0 / 4 * 3.0 / 3, 0.25)) < 1e-9);
    /* an empty hypothesis scores 0 and does not crash */
    const char *empty[] = {"| a b"};
    ck_assert(corpus_bleu(empty, 1, &st) == 0);
}
END_TEST

START_TEST(bleu_matches_nltk) {
    /* the corpora of tests/make_fixtures_seq2seq.py, scored there by nltk and by hand */
    const char *papineni[] = {
        "it is a guide to action which ensures that the military always obeys the commands of the party"
        " | it is a guide to action that ensures that the military will forever heed party commands"
        " | it is the guiding principle which guarantees the military forces always being under the command of the party"
        " | it is the practical guide for the army always to heed the directions of the party"};
    const char *chars[] = {"我 很 喜 欢 这 本 书 。 | 我 非 常 喜 欢 这 本 书 。",
                           "他 明 天 会 来 吗 ？ | 他 明 天 来 吗 ？ | 明 天 他 会 来 吗 ？"};
    const char *shorter[] = {"the cat sat on the mat | the cat sat on the red mat today", "a b c d e | a b c d e f g"};
    const char *longer[] = {"the the the cat is on the mat mat | the cat is on the mat"};
    struct { const char *name; const char *const *lines; int n; } cases[] = {
        {"bleu_papineni", papineni, 1}, {"bleu_chars", chars, 2}, {"bleu_short", shorter, 2}, {"bleu_long", longer, 1}};
    for (int k = 0; k < 4; k++) {
        BleuStats st;
        double got = corpus_bleu(cases[k].lines, cases[k].n, &st);
        float *want = ref_load(cases[k].name, 1);
        ck_assert_msg(fabs(got - want[0]) < 1e-4, "%s: BLEU %.6f, reference %.6f", cases[k].name, got, want[0]);
        free(want);
    }
}
END_TEST

/* ==== tasks ===================================================================================== */

static char *write_temp(const char *text) {
    char *path = temp_path(".tsv");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

START_TEST(tatoeba_reads_pairs_and_attribution) {
    char *path = write_temp("Hi.\t嗨。\tCC-BY 2.0 (France) Attribution: tatoeba.org #1 (a) & #2 (b)\n"
                            "Hi.\t你好。\tCC-BY 2.0 (France) Attribution: tatoeba.org #1 (a) & #3 (c)\n"
                            "\n"
                            "I love Tom.\t我爱Tom。\tCC-BY 2.0 (France) Attribution: tatoeba.org #4 (d) & #5 (e)\n"
                            "Run!\t跑！\tCC-BY 2.0 (France) Attribution: tatoeba.org #6 (f) & #7 (g)\n");
    TatoebaOptions o = tatoeba_defaults();
    o.test_frac = 0.5, o.dev_frac = 0, o.min_count = 1;
    char err[ERR_LEN];
    Task t;
    /* With a 50% test share the seed decides which of the 3 source sentences go to test: the split
     * must change with the seed (it depends only on the seed and the sentence, so both "Hi." pairs
     * always land together), and some seed leaves sentences on both sides. */
    int distinct_sizes = 0, seen[5] = {0};
    uint64_t good_seed = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        o.seed = seed;
        int rc = task_load_tatoeba(&t, path, &o, err);
        ck_assert_msg(rc == 0 || strstr(err, "too few"), "%s", err);
        if (rc == 0) {
            if (!seen[t.test.n]++) distinct_sizes++;
            if (!good_seed) good_seed = seed;
            task_free(&t);
        }
    }
    ck_assert_int_ge(distinct_sizes, 2);
    ck_assert(good_seed > 0);
    o.seed = good_seed;
    ck_assert_int_eq(task_load_tatoeba(&t, path, &o, err), 0);
    ck_assert_int_eq(t.lines, 4);
    ck_assert_int_eq(t.train.n + t.dev.n + t.test.n, 4);
    const TaskSplit *sp[2] = {&t.train, &t.test};
    int found_hi = 0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < sp[k]->n; i++) {
            const TaskExample *e = &sp[k]->ex[i];
            ck_assert_ptr_nonnull(strstr(e->attribution, "tatoeba.org #"));
            if (!strcmp(e->src_text, "Hi.")) {
                found_hi++;
                /* both translations of "Hi." in one group: the references of one source */
                ck_assert_int_eq(task_group_end(sp[k], i) - i, found_hi == 1 ? 2 : 1);
            }
            if (e->line == 4) { /* "I love Tom." -> i love tom . ; 我爱Tom。 -> 我 爱 tom 。 */
                ck_assert_int_eq(e->src_len, 4);
                ck_assert_int_eq(e->tgt_len, 4);
                ck_assert_str_eq(e->tgt_text, "我爱Tom。");
                if (k == 0) {
                    char buf[64];
                    ck_assert_str_eq(task_ids_text(&t, 1, e->tgt, e->tgt_len, buf, sizeof buf), "我爱tom。");
                    ck_assert_str_eq(task_ids_text(&t, 0, e->src, e->src_len, buf, sizeof buf), "i love tom.");
                }
            }
        }
    ck_assert_int_eq(found_hi, 2);
    task_free(&t);
    /* the reverse direction swaps the sides (its sources are the 4 Chinese sentences) */
    o.reverse = 1;
    int loaded = 0;
    for (o.seed = 1; o.seed <= 20 && !loaded; o.seed++) loaded = task_load_tatoeba(&t, path, &o, err) == 0;
    ck_assert(loaded);
    ck_assert(t.src_mode == TOK_CHARS && t.tgt_mode == TOK_WORDS && t.src_join == JOIN_ZH);
    task_free(&t);
    remove(path);
    free(path);
}
END_TEST

START_TEST(tatoeba_rejects_bad_lines) {
    struct { const char *text, *expect; } bad[] = {
        {"Hi.\t嗨。\tattr\nOnly two\tfields\n", ":2: expected 3 tab-separated fields"},
        {"Hi.\t嗨。\tattr\tfourth\n", ":1: expected 3 tab-separated fields (english, chinese, attribution), found 4"},
        {"Hi.\t嗨。\tattr\nA.\tB。\tc\n\t空。\tattr\n", ":3: the English sentence (field 1) is empty"},
        {"Hi.\t\tattr\n", ":1: the Chinese sentence (field 2) is empty"},
        {"Hi.\t嗨。\t  \n", ":1: the attribution (field 3) is empty"},
        {"Hi.\t嗨。\tattr\nok\t\xe5\xa5\tattr\n", ":2: invalid UTF-8"},
        {"Hi.\t嗨。\tattr\n\x01\x02\t嗨\tattr\n", ":2: the English sentence has no tokens"},
        {"", "empty"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char *path = write_temp(bad[k].text);
        Task t;
        char err[ERR_LEN] = "";
        TatoebaOptions o = tatoeba_defaults();
        ck_assert_int_eq(task_load_tatoeba(&t, path, &o, err), -1);
        ck_assert_msg(strstr(err, bad[k].expect) != NULL, "case %zu: '%s' lacks '%s'", k, err, bad[k].expect);
        ck_assert_msg(strstr(err, path) != NULL, "case %zu: '%s' does not name the file", k, err);
        remove(path);
        free(path);
    }
    Task t;
    char err[ERR_LEN];
    TatoebaOptions o = tatoeba_defaults();
    ck_assert_int_eq(task_load_tatoeba(&t, "/nonexistent/x.tsv", &o, err), -1);
}
END_TEST

START_TEST(tatoeba_real_file_split_is_fixed) {
    TatoebaOptions o = tatoeba_defaults();
    char err[ERR_LEN];
    Task a, b;
    ck_assert_msg(task_load_tatoeba(&a, "data/parallel/tatoeba-cmn-eng.tsv", &o, err) == 0, "%s", err);
    ck_assert_int_eq(a.lines, 29155);
    ck_assert_int_eq(a.train.n + a.dev.n + a.test.n + a.dropped_long, 29155);
    ck_assert(a.test.n > 1000 && a.test.n < 2000);
    /* no source sentence in two splits */
    for (int i = 0; i < a.test.n; i += 97)
        for (int j = 0; j < a.train.n; j++) ck_assert(strcmp(a.test.ex[i].src_text, a.train.ex[j].src_text) != 0);
    /* the same seed: the same split */
    ck_assert_int_eq(task_load_tatoeba(&b, "data/parallel/tatoeba-cmn-eng.tsv", &o, err), 0);
    ck_assert_int_eq(a.test.n, b.test.n);
    for (int i = 0; i < a.test.n; i++) ck_assert_int_eq(a.test.ex[i].line, b.test.ex[i].line);
    task_free(&a), task_free(&b);
}
END_TEST

START_TEST(synthetic_tasks) {
    TaskKind kinds[3] = {TASK_REVERSE, TASK_COPY, TASK_SORT};
    for (int k = 0; k < 3; k++) {
        SynthOptions o = synth_defaults();
        o.kind = kinds[k], o.min_len = 3, o.max_len = 9, o.n_train = 200, o.n_dev = 10, o.n_test_per_len = 5;
        Task t;
        char err[ERR_LEN];
        ck_assert_int_eq(task_make_synthetic(&t, &o, err), 0);
        ck_assert_int_eq(t.test.n, 7 * 5);
        ck_assert_int_eq(t.max_src_len, 9);
        int per_len[10] = {0};
        for (int i = 0; i < t.test.n; i++) per_len[t.test.ex[i].src_len]++;
        for (int L = 3; L <= 9; L++) ck_assert_int_eq(per_len[L], 5);
        for (int i = 0; i < t.train.n; i++) {
            const TaskExample *e = &t.train.ex[i];
            ck_assert(e->src_len >= 3 && e->src_len <= 9 && e->tgt_len == e->src_len);
            for (int j = 0; j < e->src_len; j++) {
                ck_assert(e->src[j] >= TASK_NSPECIAL && e->src[j] < TASK_NSPECIAL + 20);
                if (kinds[k] == TASK_REVERSE) ck_assert_int_eq(e->tgt[j], e->src[e->src_len - 1 - j]);
                if (kinds[k] == TASK_COPY) ck_assert_int_eq(e->tgt[j], e->src[j]);
                if (kinds[k] == TASK_SORT && j) ck_assert(e->tgt[j - 1] <= e->tgt[j]);
            }
        }
        /* ids and text: letters in alphabetical order after the specials */
        int ids[8];
        ck_assert_int_eq(task_encode_source(&t, "cab", ids, 8), 3);
        ck_assert(ids[0] == TASK_NSPECIAL + 2 && ids[1] == TASK_NSPECIAL && ids[2] == TASK_NSPECIAL + 1);
        char buf[16];
        ck_assert_str_eq(task_ids_text(&t, 1, ids, 3, buf, sizeof buf), "cab");
        task_free(&t);
    }
    SynthOptions o = synth_defaults();
    Task t;
    char err[ERR_LEN];
    o.symbols = 30;
    ck_assert_int_eq(task_make_synthetic(&t, &o, err), -1);
    o = synth_defaults(), o.min_len = 5, o.max_len = 4;
    ck_assert_int_eq(task_make_synthetic(&t, &o, err), -1);
}
END_TEST

START_TEST(batch_plan_covers_every_example_once) {
    SynthOptions o = synth_defaults();
    o.min_len = 1, o.max_len = 12, o.n_train = 1000, o.n_dev = 0, o.n_test_per_len = 1;
    Task t;
    char err[ERR_LEN];
    ck_assert_int_eq(task_make_synthetic(&t, &o, err), 0);
    Rng rng;
    rng_seed(&rng, 9);
    S2SBatchPlan p;
    s2s_plan_batches(&p, &t.train, NULL, t.train.n, 32, &rng);
    int *seen = xcalloc((size_t)t.train.n, sizeof *seen);
    for (int b = 0; b < p.nbatches; b++) {
        int a = p.start[b], z = p.start[b + 1];
        ck_assert(z > a && z - a <= 32);
        for (int i = a; i < z; i++) {
            seen[p.order[i]]++;
            ck_assert_int_eq(t.train.ex[p.order[i]].src_len, t.train.ex[p.order[a]].src_len);
        }
    }
    for (int i = 0; i < t.train.n; i++) ck_assert_int_eq(seen[i], 1);
    free(seen);
    s2s_plan_free(&p);
    task_free(&t);
}
END_TEST

START_TEST(training_learns_to_reverse) {
    /* a small attention model must learn to reverse strings of 3-5 letters in 200 steps;
     * a broken gradient anywhere would stop it */
    SynthOptions so = synth_defaults();
    so.symbols = 6, so.min_len = 3, so.max_len = 5, so.n_train = 2000, so.n_dev = 0, so.n_test_per_len = 20;
    Task t;
    char err[ERR_LEN];
    ck_assert_int_eq(task_make_synthetic(&t, &so, err), 0);
    S2SConfig c = s2s_defaults();
    c.emb = 16, c.hidden = 32, c.src_vocab = t.src_vocab->n, c.tgt_vocab = t.tgt_vocab->n;
    S2SModel m;
    Rng rng;
    rng_seed(&rng, 1);
    s2s_init(&m, &c, 32, t.max_src_len, t.max_tgt_len + 1, 2 * t.max_src_len + 10, &rng);
    double before = s2s_eval_loss(&m, &t.test);
    S2STrainOptions o = s2s_train_defaults();
    o.batch = 32, o.steps = 200, o.seconds = 0, o.lr = 1e-2f, o.print_every = 0;
    S2STrainResult r;
    s2s_train(&m, &t.train, &o, &r);
    ck_assert_int_eq(r.steps, 200);
    double after = s2s_eval_loss(&m, &t.test);
    S2SDecoded d;
    s2s_decode_split(&m, &t.test, 1, 1.0f, 0, &d);
    double acc = s2s_exact_match(&t.test, &d, NULL, NULL, t.max_src_len);
    ck_assert_msg(after < 0.2 * before && acc > 0.8, "loss %.3f -> %.3f, exact match %.2f", before, after, acc);
    s2s_decoded_free(&d);
    s2s_free(&m);
    task_free(&t);
}
END_TEST

/* The models of these tests are tiny: their matrix products are microseconds long, and a second
 * OpenMP thread only adds a barrier per product, which costs milliseconds on a machine whose
 * cores are busy with other work (it took one training test from 1 s to 70 s). Results do not
 * depend on the thread count (common/matmul.h), so the model tests run on one thread. */
static int saved_threads;
static void one_thread(void) { saved_threads = num_threads(), set_num_threads(1); }
static void restore_threads(void) { set_num_threads(saved_threads); }

Suite *seq2seq_suite(void) {
    Suite *s = suite_create("seq2seq");
    TCase *tc = tcase_create("attention");
    tcase_add_test(tc, attention_gradcheck);
    tcase_add_test(tc, attention_gradcheck_catches_a_wrong_backward);
    tcase_add_test(tc, attention_matches_pytorch);
    suite_add_tcase(s, tc);
    tc = tcase_create("model");
    tcase_set_timeout(tc, 180); /* generous: the sanitizer build on a busy machine */
    tcase_add_checked_fixture(tc, one_thread, restore_threads);
    tcase_add_test(tc, model_gradcheck_every_variant);
    tcase_add_test(tc, model_matches_pytorch);
    tcase_add_test(tc, stepping_equals_teacher_forcing);
    tcase_add_test(tc, beam_width_one_is_greedy);
    tcase_add_test(tc, beam_scores_are_the_model_log_probabilities);
    tcase_add_test(tc, greedy_batch_equals_one_by_one);
    tcase_add_test(tc, training_learns_to_reverse);
    suite_add_tcase(s, tc);
    tc = tcase_create("bleu_and_tasks");
    tcase_set_timeout(tc, 180); /* generous: the sanitizer build on a busy machine */
    tcase_add_test(tc, bleu_known_values);
    tcase_add_test(tc, bleu_matches_nltk);
    tcase_add_test(tc, tatoeba_reads_pairs_and_attribution);
    tcase_add_test(tc, tatoeba_rejects_bad_lines);
    tcase_add_test(tc, tatoeba_real_file_split_is_fixed);
    tcase_add_test(tc, synthetic_tasks);
    tcase_add_test(tc, batch_plan_covers_every_example_once);
    suite_add_tcase(s, tc);
    return s;
}
