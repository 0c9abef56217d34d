/* test_nnlm.c - chapter 03's neural language model: finite-difference gradients of the whole
 * model on a tiny vocabulary, forward and every gradient against PyTorch
 * (tests/fixtures/nnlm.txt, written by tests/make_fixtures_nnlm.py), the uniform model's perplexity,
 * the checkpoint round trip, sampling with a temperature, the one-hot product, and the 北京/上海
 * experiment's outcome. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "03_nnlm/cities.h"
#include "03_nnlm/lmdata.h"
#include "03_nnlm/lookup.h"
#include "03_nnlm/nnlm.h"
#include "checkpoint.h"
#include "gradcheck.h"
#include "safetensors.h"
#include "testutil.h"
#include "util.h"

#define FIX FIXTURE("nnlm.txt")

/* ---- the whole model against finite differences ---- */
typedef struct {
    Nnlm *m;
    const int *ctx, *targets;
    int B;
} LossCtx;

static double model_loss(void *p) {
    LossCtx *c = p;
    nnlm_forward(c->m, c->ctx, c->B);
    return nnlm_loss(c->m, c->targets, c->B);
}

static void tiny_model(Nnlm *m, int direct, uint64_t seed) {
    NnlmConfig cfg = {7, 3, 4, 5, direct};
    nnlm_init(m, &cfg, 8);
    /* weights large enough that the tanh units are neither linear nor saturated */
    fill_uniform(m->params.data, m->params.total, -0.8f, 0.8f, seed);
}

START_TEST(whole_model_gradcheck) {
    /* contexts with a sentence start (all </s>) and a word read twice in one context */
    const int ctx[6 * 3] = {0, 0, 0, 3, 3, 1, 6, 2, 5, 1, 4, 4, 2, 6, 0, 5, 5, 5};
    const int targets[6] = {2, 0, 6, 3, 1, 4};
    for (int direct = 0; direct <= 1; direct++) {
        Nnlm m;
        tiny_model(&m, direct, 11 + (uint64_t)direct);
        LossCtx c = {&m, ctx, targets, 6};
        model_loss(&c);
        params_zero_grad(&m.params);
        nnlm_backward(&m, targets, 6);
        /* every parameter of every tensor: embedding, hidden, output, biases */
        GradCheck g = gradcheck(model_loss, &c, m.params.data, m.params.grad, m.params.total, 1e-3, 1e-4, 1e-2, 0);
        ck_assert_msg(g.worst <= 1, "direct=%d: param %zu analytic %g numeric %g", direct, g.worst_index, g.analytic,
                      g.numeric);
        ck_assert_int_eq(g.checked, m.params.total);
        /* and it can fail: one embedding gradient off by 10% */
        int row = 3 * 4 + 1; /* word 3's second feature, read twice above */
        m.params.grad[row] *= 1.1f;
        g = gradcheck(model_loss, &c, m.params.data, m.params.grad, m.params.total, 1e-3, 1e-4, 1e-2, 0);
        ck_assert_msg(g.worst > 1 && g.worst_index == (size_t)row, "a 10%% error passed (worst %g at %zu)", g.worst,
                      g.worst_index);
        nnlm_free(&m);
    }
}
END_TEST

/* With dropout the loss must see the same masks at every perturbation: reseed before each forward. */
static double model_loss_dropout(void *p) {
    LossCtx *c = p;
    rng_seed(&c->m->rng, 99);
    return model_loss(p);
}

START_TEST(gradcheck_with_dropout) {
    const int ctx[5 * 3] = {0, 0, 0, 3, 3, 1, 6, 2, 5, 1, 4, 4, 2, 6, 0};
    const int targets[5] = {2, 0, 6, 3, 1};
    Nnlm m;
    tiny_model(&m, 1, 31);
    m.dropout = 0.3f, m.training = 1;
    LossCtx c = {&m, ctx, targets, 5};
    model_loss_dropout(&c);
    int zeros = 0;
    for (int i = 0; i < 5 * m.in; i++) zeros += m.mask_x[i] == 0;
    ck_assert_int_gt(zeros, 0); /* some inputs really were dropped */
    params_zero_grad(&m.params);
    nnlm_backward(&m, targets, 5);
    GradCheck g = gradcheck(model_loss_dropout, &c, m.params.data, m.params.grad, m.params.total, 1e-3, 1e-4, 1e-2, 0);
    ck_assert_msg(g.worst <= 1, "param %zu analytic %g numeric %g", g.worst_index, g.analytic, g.numeric);
    /* evaluation ignores dropout: two forwards agree */
    m.training = 0;
    nnlm_forward(&m, ctx, 5);
    float first = m.out[3];
    nnlm_forward(&m, ctx, 5);
    ck_assert_float_eq(first, m.out[3]);
    nnlm_free(&m);
}
END_TEST

START_TEST(backward_accumulates) {
    const int ctx[2 * 3] = {1, 2, 3, 4, 5, 6}, targets[2] = {0, 3};
    Nnlm m;
    tiny_model(&m, 1, 5);
    nnlm_forward(&m, ctx, 2);
    nnlm_loss(&m, targets, 2);
    params_zero_grad(&m.params);
    nnlm_backward(&m, targets, 2);
    float *once = xmalloc(sizeof(float) * m.params.total);
    memcpy(once, m.params.grad, sizeof(float) * m.params.total);
    nnlm_backward(&m, targets, 2);
    for (size_t i = 0; i < m.params.total; i++) ck_assert_float_eq_tol(m.params.grad[i], 2 * once[i], 1e-6);
    free(once);
    nnlm_free(&m);
}
END_TEST

/* ---- against PyTorch ---- */
static void load_into(const char *name, float *dst, size_t n) {
    int nd, shape[8];
    float *src = fixture_load(FIX, name, &nd, shape);
    size_t count = 1;
    for (int i = 0; i < nd; i++) count *= (size_t)shape[i];
    ck_assert_msg(count == n, "%s: %zu values, expected %zu", name, count, n);
    memcpy(dst, src, sizeof(float) * n);
    free(src);
}

static void check_against(const char *name, const float *got, size_t n, double atol, double rtol) {
    float *want = xmalloc(sizeof(float) * n);
    load_into(name, want, n);
    double e = max_scaled_err(got, want, n, atol, rtol);
    ck_assert_msg(e <= 1, "%s differs from PyTorch: worst scaled error %g", name, e);
    free(want);
}

static void pytorch_variant(const char *pre, int direct) {
    enum { V = 11, CTX = 3, DIM = 5, HID = 6, B = 8 };
    NnlmConfig cfg = {V, CTX, DIM, HID, direct};
    Nnlm m;
    nnlm_init(&m, &cfg, B);
    const char *names[5] = {"emb", "hid_w", "hid_b", "out_w", "out_b"};
    float *w[5] = {m.w.emb, m.w.hid_w, m.w.hid_b, m.w.out_w, m.w.out_b};
    float *g[5] = {m.g.emb, m.g.hid_w, m.g.hid_b, m.g.out_w, m.g.out_b};
    char key[64];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "%s%s", pre, names[i]);
        load_into(key, w[i], m.params.specs[i].shape[0] * (size_t)(m.params.specs[i].ndim > 1 ? m.params.specs[i].shape[1] : 1));
    }
    float fctx[B * CTX], ftgt[B];
    snprintf(key, sizeof key, "%sctx", pre), load_into(key, fctx, B * CTX);
    snprintf(key, sizeof key, "%stargets", pre), load_into(key, ftgt, B);
    int ctx[B * CTX], tgt[B];
    for (int i = 0; i < B * CTX; i++) ctx[i] = (int)fctx[i];
    for (int i = 0; i < B; i++) tgt[i] = (int)ftgt[i];

    nnlm_forward(&m, ctx, B);
    snprintf(key, sizeof key, "%slogits", pre), check_against(key, m.out, (size_t)B * V, 1e-6, 1e-5);
    float loss = nnlm_loss(&m, tgt, B);
    snprintf(key, sizeof key, "%sloss", pre), check_against(key, &loss, 1, 1e-6, 1e-6);
    params_zero_grad(&m.params);
    nnlm_backward(&m, tgt, B);
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "%sgrad_%s", pre, names[i]);
        check_against(key, g[i], m.params.specs[i].shape[0] * (size_t)(m.params.specs[i].ndim > 1 ? m.params.specs[i].shape[1] : 1),
                      1e-6, 1e-4);
    }
    nnlm_free(&m);
}

START_TEST(matches_pytorch_with_direct_connections) { pytorch_variant("d_", 1); }
END_TEST

START_TEST(matches_pytorch_without_direct_connections) { pytorch_variant("n_", 0); }
END_TEST

/* ---- perplexity, checkpoints, sampling ---- */
START_TEST(uniform_model_perplexity_is_V) {
    /* All weights 0: every logit is 0, every word gets 1/V, and the perplexity is exactly V. */
    NnlmConfig cfg = {37, 4, 3, 5, 1};
    Nnlm m;
    nnlm_init(&m, &cfg, 16);
    int tok[50];
    for (int i = 0; i < 50; i++) tok[i] = (i * 7) % 37;
    tok[49] = LM_EOS;
    double lp[50];
    nnlm_stream_logprobs(&m, tok, 50, lp);
    ck_assert_double_eq_tol(perplexity_from_logprobs(lp, 50), 37.0, 37.0 * 1e-6);
    /* Output bias = log of the stream's own word frequencies, weights 0: a unigram model, whose
     * perplexity on that stream is exp(its entropy), below V. */
    double count[37] = {0}, entropy = 0;
    for (int i = 0; i < 50; i++) count[tok[i]]++;
    for (int w = 0; w < 37; w++) {
        m.w.out_b[w] = (float)log(count[w] > 0 ? count[w] / 50 : 1e-30);
        if (count[w] > 0) entropy -= count[w] / 50 * log(count[w] / 50);
    }
    nnlm_stream_logprobs(&m, tok, 50, lp);
    ck_assert_double_eq_tol(perplexity_from_logprobs(lp, 50), exp(entropy), exp(entropy) * 1e-5);
    ck_assert(exp(entropy) < 37);
    nnlm_free(&m);
}
END_TEST

START_TEST(checkpoint_round_trip) {
    char err[ERR_LEN];
    char *path = temp_path(".safetensors");
    Nnlm a, b;
    tiny_model(&a, 1, 9);
    const char *meta[2] = {"vocab_fingerprint", "abc123"};
    ck_assert_msg(nnlm_save(&a, path, meta, 1, err) == 0, "%s", err);
    ck_assert_msg(nnlm_load(&b, path, 4, err) == 0, "%s", err);
    ck_assert_int_eq(memcmp(&a.cfg, &b.cfg, sizeof a.cfg), 0);
    ck_assert_int_eq(memcmp(a.params.data, b.params.data, sizeof(float) * a.params.total), 0);
    /* the same predictions */
    int tok[12] = {1, 2, 3, 0, 4, 5, 6, 2, 0, 3, 3, 0};
    double la[12], lb[12];
    nnlm_stream_logprobs(&a, tok, 12, la);
    nnlm_stream_logprobs(&b, tok, 12, lb);
    ck_assert_int_eq(memcmp(la, lb, sizeof la), 0);
    SafeTensors st;
    ck_assert(st_load(path, &st, err) == 0);
    ck_assert_str_eq(st_meta(&st, "vocab_fingerprint"), "abc123");
    ck_assert_str_eq(st_meta(&st, "hidden"), "5");
    st_free(&st);
    nnlm_free(&b);
    /* a checkpoint of another model is refused with a message */
    Params other;
    ParamSpec spec = {"w", 1, {3}, 0};
    params_init(&other, &spec, 1);
    ck_assert(checkpoint_save(&other, path, "nlpc-other", 1, NULL, 0, err) == 0);
    ck_assert_int_eq(nnlm_load(&b, path, 4, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not an NNLM checkpoint"));
    params_free(&other);
    ck_assert_int_eq(nnlm_load(&b, "tests/no/such.safetensors", 4, err), -1);
    nnlm_free(&a);
    remove(path), free(path);
}
END_TEST

START_TEST(temperature_and_sampling) {
    Nnlm m;
    tiny_model(&m, 0, 21);
    const int ctx[3] = {0, 0, 0};
    float p0[7], p1[7], p5[7], plow[7];
    nnlm_next_distribution(&m, ctx, 0.0f, p0);
    nnlm_next_distribution(&m, ctx, 1.0f, p1);
    nnlm_next_distribution(&m, ctx, 0.2f, plow);
    nnlm_next_distribution(&m, ctx, 5.0f, p5);
    int best = 0;
    double s1 = 0, h1 = 0, hlow = 0, h5 = 0;
    for (int i = 0; i < 7; i++) {
        if (p1[i] > p1[best]) best = i;
        s1 += p1[i];
        h1 -= p1[i] * log(p1[i]), hlow -= plow[i] * log(plow[i]), h5 -= p5[i] * log(p5[i]);
    }
    ck_assert_double_eq_tol(s1, 1.0, 1e-6);
    /* T = 0: all the mass on the likeliest word; low T sharpens, high T flattens */
    ck_assert_float_eq(p0[best], 1.0f);
    ck_assert(hlow < h1 && h1 < h5);
    /* the same seed draws the same sentence */
    int s_a[20], s_b[20];
    Rng r1, r2;
    rng_seed(&r1, 4), rng_seed(&r2, 4);
    int na = nnlm_sample(&m, 1.0f, &r1, s_a, 20), nb = nnlm_sample(&m, 1.0f, &r2, s_b, 20);
    ck_assert_int_eq(na, nb);
    ck_assert_int_eq(memcmp(s_a, s_b, sizeof(int) * (size_t)na), 0);
    for (int i = 0; i < na; i++) ck_assert(s_a[i] > 0 && s_a[i] < 7);
    nnlm_free(&m);
}
END_TEST

START_TEST(onehot_product_is_the_lookup) {
    enum { V = 300, DIM = 24, N = 50 };
    float *table = xmalloc(sizeof(float) * V * DIM);
    fill_uniform(table, V * DIM, -3, 3, 8);
    int ids[N];
    for (int i = 0; i < N; i++) ids[i] = (i * 37 + 11) % V;
    LookupResult r;
    lookup_compare(table, V, DIM, ids, N, 1, &r);
    ck_assert_float_eq(r.max_abs_diff, 0.0f); /* exactly equal, not just close */
    ck_assert_double_eq(r.onehot_bytes, (double)N * V * 4);
    free(table);
}
END_TEST

START_TEST(cities_experiment_shares_across_similar_words) {
    /* C7: the context is seen only before 北京; the n-gram model gives 上海 about what it gives the
     * equally frequent 苹果, the NNLM many times more, and the two city vectors are close. */
    CitiesResult r;
    cities_run(1, 1000, 0, &r); /* a smaller text than the demo's, for speed */
    ck_assert_int_gt(r.seen_frequent, 5);
    ck_assert_int_eq(r.seen_rare, 0);
    ck_assert(r.count_rare > 0 && r.count_control > 0);
    ck_assert_msg(r.kn[1] / r.kn[2] < 2, "KN: P(上海)/P(苹果) = %g", r.kn[1] / r.kn[2]);
    ck_assert_msg(r.nnlm[1] / r.nnlm[2] > 5, "NNLM: P(上海)/P(苹果) = %g", r.nnlm[1] / r.nnlm[2]);
    ck_assert_msg(r.nnlm[1] > 5 * r.kn[1], "NNLM P(上海) %g vs KN %g", r.nnlm[1], r.kn[1]);
    ck_assert(r.cos_rare > r.cos_control + 0.3);
}
END_TEST

Suite *nnlm_suite(void) {
    Suite *s = suite_create("nnlm");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, whole_model_gradcheck);
    tcase_add_test(tc, gradcheck_with_dropout);
    tcase_add_test(tc, backward_accumulates);
    tcase_add_test(tc, matches_pytorch_with_direct_connections);
    tcase_add_test(tc, matches_pytorch_without_direct_connections);
    tcase_add_test(tc, uniform_model_perplexity_is_V);
    tcase_add_test(tc, checkpoint_round_trip);
    tcase_add_test(tc, temperature_and_sampling);
    tcase_add_test(tc, onehot_product_is_the_lookup);
    tcase_add_test(tc, cities_experiment_shares_across_similar_words);
    suite_add_tcase(s, tc);
    return s;
}
