/* test_optim.c - SGD, Adam, AdamW and clipping against PyTorch's optimisers (same start, same
 * gradients, three steps), the no_decay flag, and the learning-rate schedules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "testutil.h"
#include "util.h"

#define REF FIXTURE("reference.txt")
enum { NW = 6 };

static void load_grads(float *g[3]) {
    g[0] = fixture_load(REF, "opt_g0", NULL, NULL);
    g[1] = fixture_load(REF, "opt_g1", NULL, NULL);
    g[2] = fixture_load(REF, "opt_g2", NULL, NULL);
}

START_TEST(sgd_momentum_matches_pytorch) {
    float *w = fixture_load(REF, "opt_w0", NULL, NULL), *ref = fixture_load(REF, "opt_sgd", NULL, NULL), *g[3];
    load_grads(g);
    float vel[NW] = {0};
    for (int s = 0; s < 3; s++) sgd_step(w, g[s], vel, NW, 0.1f, 0.9f, 0.01f);
    ck_assert_allclose(w, ref, NW, 1e-6, 1e-5);
    free(w), free(ref), free(g[0]), free(g[1]), free(g[2]);
}
END_TEST

static void adam_case(const char *refname, float wd, int decoupled) {
    float *w0 = fixture_load(REF, "opt_w0", NULL, NULL), *ref = fixture_load(REF, refname, NULL, NULL), *g[3];
    load_grads(g);
    ParamSpec spec = {"w", 1, {NW}, 0};
    Params p;
    params_init(&p, &spec, 1);
    memcpy(p.data, w0, sizeof(float) * NW);
    AdamState st;
    adam_init(&st, p.total);
    AdamConfig c = adam_defaults();
    c.weight_decay = wd;
    c.decoupled = decoupled;
    for (int s = 0; s < 3; s++) {
        memcpy(p.grad, g[s], sizeof(float) * NW);
        adam_step(&st, &c, 0.01f, &p);
    }
    ck_assert_allclose(p.data, ref, NW, 1e-6, 1e-5);
    adam_free(&st), params_free(&p);
    free(w0), free(ref), free(g[0]), free(g[1]), free(g[2]);
}

START_TEST(adam_matches_pytorch) { adam_case("opt_adam", 0.01f, 0); }
END_TEST
START_TEST(adamw_matches_pytorch) { adam_case("opt_adamw", 0.1f, 1); }
END_TEST

START_TEST(adamw_skips_no_decay_params) {
    /* With zero gradients, AdamW only decays: the decayed tensor shrinks, the no_decay one stays. */
    ParamSpec specs[2] = {{"w", 1, {4}, 0}, {"b", 1, {4}, 1}};
    Params p;
    params_init(&p, specs, 2);
    for (size_t i = 0; i < p.total; i++) p.data[i] = 1.0f;
    AdamState st;
    adam_init(&st, p.total);
    AdamConfig c = adam_defaults();
    c.weight_decay = 0.5f;
    c.decoupled = 1;
    adam_step(&st, &c, 0.1f, &p);
    for (int i = 0; i < 4; i++) {
        ck_assert_float_eq_tol(p.data[i], 0.95f, 1e-6);
        ck_assert_float_eq(p.data[4 + i], 1.0f);
    }
    adam_free(&st), params_free(&p);
}
END_TEST

START_TEST(clip_matches_pytorch) {
    float *g = fixture_load(REF, "clip_g", NULL, NULL), *nref = fixture_load(REF, "clip_norm", NULL, NULL);
    float *after = fixture_load(REF, "clip_g_after", NULL, NULL);
    float norm = clip_grad_norm(g, 8, 1.0f);
    ck_assert_float_eq_tol(norm, nref[0], 1e-5 * nref[0]);
    ck_assert_allclose(g, after, 8, 1e-7, 1e-5);
    /* below the threshold nothing changes; a NaN is reported, not spread */
    float small[3] = {0.1f, 0.2f, 0.2f};
    ck_assert_float_eq_tol(clip_grad_norm(small, 3, 1.0f), 0.3f, 1e-6);
    ck_assert_float_eq(small[1], 0.2f);
    float bad[2] = {NAN, 1.0f};
    ck_assert(isnan(clip_grad_norm(bad, 2, 1.0f)));
    ck_assert_float_eq(bad[1], 1.0f);
    free(g), free(nref), free(after);
}
END_TEST

START_TEST(lr_schedules) {
    LrSchedule s = {1.0f, 10, 110, LR_LINEAR};
    ck_assert_float_eq_tol(lr_at(&s, 0), 0.1f, 1e-6);  /* warm-up: (step+1)/warmup */
    ck_assert_float_eq_tol(lr_at(&s, 9), 1.0f, 1e-6);
    ck_assert_float_eq_tol(lr_at(&s, 60), 0.5f, 1e-6); /* halfway through the decay */
    ck_assert_float_eq_tol(lr_at(&s, 110), 0.0f, 1e-6);
    ck_assert_float_eq_tol(lr_at(&s, 500), 0.0f, 1e-6);
    s.decay = LR_COSINE;
    ck_assert_float_eq_tol(lr_at(&s, 60), 0.5f, 1e-5);
    ck_assert_float_eq_tol(lr_at(&s, 10), 1.0f, 1e-6);
    s.decay = LR_INV_SQRT;
    ck_assert_float_eq_tol(lr_at(&s, 39), 0.5f, 1e-6); /* sqrt(10/40) */
    s.decay = LR_CONSTANT;
    ck_assert_float_eq(lr_at(&s, 1000), 1.0f);
}
END_TEST

Suite *optim_suite(void) {
    Suite *s = suite_create("optim");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, sgd_momentum_matches_pytorch);
    tcase_add_test(tc, adam_matches_pytorch);
    tcase_add_test(tc, adamw_matches_pytorch);
    tcase_add_test(tc, adamw_skips_no_decay_params);
    tcase_add_test(tc, clip_matches_pytorch);
    tcase_add_test(tc, lr_schedules);
    suite_add_tcase(s, tc);
    return s;
}
