/* test_vec.c - vector helpers, top-k, the progress line's number format. */
#include <math.h>

#include "progress.h"
#include "testutil.h"
#include "vec.h"

START_TEST(cosine_and_distances) {
    float a[3] = {1, 0, 0}, b[3] = {0, 1, 0}, c[3] = {2, 0, 0}, z[3] = {0, 0, 0};
    ck_assert_double_eq_tol(vec_cosine(a, b, 3), 0.0, 1e-12);
    ck_assert_double_eq_tol(vec_cosine(a, c, 3), 1.0, 1e-12);
    ck_assert_double_eq_tol(vec_euclidean(a, b, 3), sqrt(2.0), 1e-12);
    ck_assert_double_eq(vec_cosine(a, z, 3), 0.0); /* no NaN for a zero vector */
    vec_normalize(c, 3);
    ck_assert_double_eq_tol(vec_norm(c, 3), 1.0, 1e-7);
}
END_TEST

static int skip_even(int i, void *ctx) {
    (void)ctx;
    return i % 2 == 0;
}

START_TEST(top_k_order_and_skip) {
    float s[8] = {0.1f, 0.9f, 0.5f, 0.7f, 0.3f, 0.8f, 0.2f, 0.6f};
    int idx[3];
    ck_assert_int_eq(top_k(s, 8, 3, idx, NULL, NULL), 3);
    ck_assert_int_eq(idx[0], 1); ck_assert_int_eq(idx[1], 5); ck_assert_int_eq(idx[2], 3);
    ck_assert_int_eq(top_k(s, 8, 3, idx, skip_even, NULL), 3);
    ck_assert_int_eq(idx[0], 1); ck_assert_int_eq(idx[1], 5); ck_assert_int_eq(idx[2], 3);
    int all[8];
    ck_assert_int_eq(top_k(s, 3, 8, all, NULL, NULL), 3); /* fewer than k candidates */
    ck_assert_int_eq(all[0], 1); ck_assert_int_eq(all[2], 0);
}
END_TEST

START_TEST(count_format) {
    char b[32];
    ck_assert_str_eq(format_count(789, b, 32), "789");
    ck_assert_str_eq(format_count(45600, b, 32), "45.6k");
    ck_assert_str_eq(format_count(1234567, b, 32), "1.23M");
}
END_TEST

Suite *vec_suite(void) {
    Suite *s = suite_create("vec");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, cosine_and_distances);
    tcase_add_test(tc, top_k_order_and_skip);
    tcase_add_test(tc, count_format);
    suite_add_tcase(s, tc);
    return s;
}
