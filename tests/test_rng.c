/* test_rng.c - the generator is reproducible, uniform enough, and its helpers are unbiased. */
#include <math.h>
#include <stdlib.h>

#include "rng.h"
#include "testutil.h"

START_TEST(same_seed_same_stream) {
    Rng a, b, c;
    rng_seed(&a, 7), rng_seed(&b, 7), rng_seed(&c, 8);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = rng_u64(&a);
        ck_assert_uint_eq(x, rng_u64(&b));
        differ += x != rng_u64(&c);
    }
    ck_assert_int_ge(differ, 99);
    /* SplitMix64's published first output for seed 0 (Vigna's reference splitmix64.c) */
    Rng z;
    rng_seed(&z, 0);
    ck_assert_uint_eq(rng_u64(&z), 0xE220A8397B1DCDAFull);
}
END_TEST

START_TEST(uniform_and_normal_moments) {
    Rng r;
    rng_seed(&r, 123);
    enum { N = 200000 };
    double s = 0, s2 = 0, n1 = 0, n2 = 0;
    float lo = 1, hi = 0;
    for (int i = 0; i < N; i++) {
        float u = rng_uniform(&r);
        lo = fminf(lo, u), hi = fmaxf(hi, u);
        s += u, s2 += u * u;
        float z = rng_normal(&r);
        n1 += z, n2 += z * z;
    }
    ck_assert(lo >= 0 && hi < 1);
    ck_assert_double_eq_tol(s / N, 0.5, 0.005);
    ck_assert_double_eq_tol(s2 / N - (s / N) * (s / N), 1.0 / 12, 0.002);
    ck_assert_double_eq_tol(n1 / N, 0.0, 0.01);
    ck_assert_double_eq_tol(n2 / N, 1.0, 0.02);
}
END_TEST

START_TEST(below_shuffle_sample) {
    Rng r;
    rng_seed(&r, 9);
    int hist[3] = {0};
    for (int i = 0; i < 30000; i++) hist[rng_below(&r, 3)]++;
    for (int k = 0; k < 3; k++) ck_assert_int_lt(abs(hist[k] - 10000), 400);
    int a[50], seen[50] = {0};
    for (int i = 0; i < 50; i++) a[i] = i;
    rng_shuffle(&r, a, 50);
    int moved = 0;
    for (int i = 0; i < 50; i++) seen[a[i]]++, moved += a[i] != i;
    for (int i = 0; i < 50; i++) ck_assert_int_eq(seen[i], 1); /* a permutation */
    ck_assert_int_gt(moved, 30);
    float w[4] = {0.0f, 1.0f, 3.0f, 0.0f}; /* unnormalised */
    int counts[4] = {0};
    for (int i = 0; i < 40000; i++) counts[rng_sample(&r, w, 4)]++;
    ck_assert_int_eq(counts[0], 0);
    ck_assert_int_eq(counts[3], 0);
    ck_assert_int_lt(abs(counts[2] - 30000), 500);
}
END_TEST

Suite *rng_suite(void) {
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, same_seed_same_stream);
    tcase_add_test(tc, uniform_and_normal_moments);
    tcase_add_test(tc, below_shuffle_sample);
    suite_add_tcase(s, tc);
    return s;
}
