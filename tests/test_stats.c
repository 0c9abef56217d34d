/* test_stats.c - average ranks with ties, Pearson and Spearman against hand-computed values. */
#include <math.h>

#include "stats.h"
#include "testutil.h"

START_TEST(ranks_with_ties) {
    double x[6] = {30, 10, 20, 20, 50, 20}, r[6];
    ranks_average(x, 6, r);
    /* sorted: 10 (1), 20 20 20 (2,3,4 -> 3), 30 (5), 50 (6) */
    const double want[6] = {5, 1, 3, 3, 6, 3};
    for (int i = 0; i < 6; i++) ck_assert_double_eq(r[i], want[i]);
}
END_TEST

START_TEST(pearson_by_hand) {
    double x[4] = {1, 2, 3, 4}, y[4] = {2, 4, 6, 8.5};
    /* dx = -1.5 -0.5 0.5 1.5; y mean 5.125, dy = -3.125 -1.125 0.875 3.375;
     * sxy = 4.6875 + 0.5625 + 0.4375 + 5.0625 = 10.75; sxx = 5; syy = 23.1875 */
    ck_assert_double_eq_tol(pearson(x, y, 4), 10.75 / sqrt(5 * 23.1875), 1e-12);
    double c[3] = {1, 1, 1};
    ck_assert(isnan(pearson(x, c, 3)));
    ck_assert(isnan(pearson(x, y, 1)));
}
END_TEST

START_TEST(spearman_by_hand) {
    /* monotone but not linear: rho = 1; reversed: -1 */
    double x[5] = {1, 2, 3, 4, 5}, y[5] = {1, 4, 9, 16, 1000}, z[5] = {5, 4, 3, 2, 1};
    ck_assert_double_eq_tol(spearman(x, y, 5), 1.0, 1e-12);
    ck_assert_double_eq_tol(spearman(x, z, 5), -1.0, 1e-12);
    /* with ties (scipy.stats.spearmanr([1,2,3,4,5],[2,1,2,4,3]) = 7 / sqrt(95) = 0.7181848464596079) */
    double a[5] = {1, 2, 3, 4, 5}, b[5] = {2, 1, 2, 4, 3};
    ck_assert_double_eq_tol(spearman(a, b, 5), 7 / sqrt(95.0), 1e-12);
    ck_assert(isnan(spearman(a, b, 1)));
}
END_TEST

Suite *stats_suite(void) {
    Suite *s = suite_create("stats");
    TCase *t = tcase_create("rank statistics");
    tcase_add_test(t, ranks_with_ties);
    tcase_add_test(t, pearson_by_hand);
    tcase_add_test(t, spearman_by_hand);
    suite_add_tcase(s, t);
    return s;
}
