/* test_fastexp.c - common/fastexp: the vectorisable exp against exp() in double over its whole
 * range and at its edges, and the softmax built on it against softmax.h's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastexp.h"
#include "softmax.h"
#include "testutil.h"
#include "util.h"

START_TEST(exp_fast_relative_error) {
    /* every 1e-3 from the smallest normal result to the largest finite one, plus random points */
    double worst = 0;
    float at = 0;
    for (double x = -87.33; x <= 88.72; x += 1e-3) {
        float xf = (float)x;
        double e = fabs((double)exp_fast(xf) - exp((double)xf)) / exp((double)xf);
        if (e > worst) worst = e, at = xf;
    }
    float r[4096];
    fill_uniform(r, 4096, -80, 80, 3);
    for (int i = 0; i < 4096; i++) {
        double e = fabs((double)exp_fast(r[i]) - exp((double)r[i])) / exp((double)r[i]);
        if (e > worst) worst = e, at = r[i];
    }
    ck_assert_msg(worst < 2e-7, "relative error %g at x = %.9g", worst, at);
    ck_assert_float_eq(exp_fast(0.0f), 1.0f);
}
END_TEST

START_TEST(exp_fast_edges) {
    ck_assert_float_eq(exp_fast(-87.5f), 0.0f); /* below the normal range: 0, not a denormal */
    ck_assert_float_eq(exp_fast(-1000.0f), 0.0f);
    ck_assert_float_eq(exp_fast(-INFINITY), 0.0f);
    ck_assert(isinf(exp_fast(88.75f)) && exp_fast(88.75f) > 0);
    ck_assert(isinf(exp_fast(INFINITY)));
    ck_assert(isnan(exp_fast(NAN)));
    /* the largest finite and the smallest normal results are reached, not overflowed */
    ck_assert(isfinite(exp_fast(88.72f)) && exp_fast(88.72f) > 3.3e38f);
    ck_assert(exp_fast(-87.3f) > 0 && exp_fast(-87.3f) < 1.3e-38f);
    /* the array form: the same values, in place too */
    float x[37], y[37];
    fill_uniform(x, 37, -90, 90, 9);
    x[5] = NAN;
    exp_fast_array(y, x, 37);
    for (int i = 0; i < 37; i++) {
        float e = exp_fast(x[i]);
        ck_assert_int_eq(memcmp(&y[i], &e, sizeof e), 0);
    }
    exp_fast_array(x, x, 37);
    ck_assert_int_eq(memcmp(x, y, sizeof x), 0);
}
END_TEST

START_TEST(softmax_fast_matches_softmax) {
    /* widths around the 16-lane blocks, one row shifted by +1000 (stability), in place and not */
    const int widths[5] = {1, 15, 16, 37, 1000};
    for (int w = 0; w < 5; w++) {
        int N = 6, V = widths[w];
        size_t n = (size_t)N * V;
        float *x = xmalloc(sizeof(float) * n), *ref = xmalloc(sizeof(float) * n), *got = xmalloc(sizeof(float) * n);
        fill_uniform(x, n, -8, 8, 40 + (uint64_t)w);
        for (int j = 0; j < V; j++) x[2 * V + j] += 1000.0f;
        softmax_forward(ref, x, N, V);
        softmax_forward_fast(got, x, N, V);
        ck_assert_allclose(got, ref, n, 1e-9, 2e-6);
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (int j = 0; j < V; j++) s += got[(size_t)i * V + j];
            ck_assert_double_eq_tol(s, 1.0, 2e-6);
        }
        softmax_forward_fast(x, x, N, V);
        ck_assert_int_eq(memcmp(x, got, sizeof(float) * n), 0);
        free(x), free(ref), free(got);
    }
}
END_TEST

Suite *fastexp_suite(void) {
    Suite *s = suite_create("fastexp");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, exp_fast_relative_error);
    tcase_add_test(tc, exp_fast_edges);
    tcase_add_test(tc, softmax_fast_matches_softmax);
    suite_add_tcase(s, tc);
    return s;
}
