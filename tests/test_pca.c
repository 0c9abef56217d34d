/* test_pca.c - the Jacobi eigensolver and PCA on data with known principal axes, through both
 * paths (scatter matrix when n > d, Gram matrix when n < d). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pca.h"
#include "testutil.h"

START_TEST(eigen_2x2) {
    double a[4] = {2, 1, 1, 2}, w[2], v[4];
    symmetric_eigen(a, 2, w, v);
    ck_assert_double_eq_tol(w[0], 3, 1e-12); ck_assert_double_eq_tol(w[1], 1, 1e-12);
    ck_assert_double_eq_tol(fabs(v[0]), sqrt(0.5), 1e-12); ck_assert_double_eq_tol(v[0], v[1], 1e-12);
    ck_assert_double_eq_tol(v[2], -v[3], 1e-12);
}
END_TEST

START_TEST(eigen_random_symmetric) {
    enum { M = 7 };
    float r[M * M];
    fill_uniform(r, M * M, -1, 1, 5);
    double a[M * M], orig[M * M], w[M], v[M * M];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) a[i * M + j] = orig[i * M + j] = r[i * M + j] + r[j * M + i];
    symmetric_eigen(a, M, w, v);
    for (int k = 0; k < M; k++) {
        if (k) ck_assert(w[k] <= w[k - 1]);
        for (int i = 0; i < M; i++) { /* A v_k = w_k v_k */
            double s = 0;
            for (int j = 0; j < M; j++) s += orig[i * M + j] * v[k * M + j];
            ck_assert_double_eq_tol(s, w[k] * v[k * M + i], 1e-9);
        }
        for (int l = 0; l < M; l++) { /* orthonormal */
            double d = 0;
            for (int j = 0; j < M; j++) d += v[k * M + j] * v[l * M + j];
            ck_assert_double_eq_tol(d, k == l, 1e-9);
        }
    }
}
END_TEST

/* n (even) points x_i = c + t1_i e_2 + t2_i e_0 in d dims, on a grid so that t1 and t2 are
 * uncorrelated, t1 spread wider: PC1 = +e_2, PC2 = +e_0 and the coordinates are the centred t1,
 * t2 exactly. */
static void check_axes(int n, int d) {
    float *x = malloc(sizeof(float) * (size_t)(n * d));
    double t1[64], t2[64], m1 = 0, m2 = 0, v1 = 0, v2 = 0;
    for (int i = 0; i < n; i++) {
        t1[i] = 3.0 * (i / 2) - 1.5 * (n / 2 - 1), t2[i] = i % 2 ? 1 : -1;
        for (int j = 0; j < d; j++) x[i * d + j] = (float)(0.25 * j);
        x[i * d + 2] += (float)t1[i], x[i * d + 0] += (float)t2[i];
        m1 += t1[i] / n, m2 += t2[i] / n;
    }
    for (int i = 0; i < n; i++) v1 += pow(t1[i] - m1, 2), v2 += pow(t2[i] - m2, 2);
    ck_assert(v1 > v2);
    double proj[128], comp[2 * 16], ex[2];
    ck_assert_int_eq(pca(x, n, d, 2, proj, comp, ex), 0);
    for (int i = 0; i < n; i++) {
        ck_assert_double_eq_tol(proj[2 * i], t1[i] - m1, 1e-5);
        ck_assert_double_eq_tol(proj[2 * i + 1], t2[i] - m2, 1e-5);
    }
    for (int j = 0; j < d; j++) {
        ck_assert_double_eq_tol(comp[j], j == 2, 1e-6);
        ck_assert_double_eq_tol(comp[d + j], j == 0, 1e-6);
    }
    ck_assert_double_eq_tol(ex[0], v1 / (v1 + v2), 1e-6); ck_assert_double_eq_tol(ex[1], v2 / (v1 + v2), 1e-6);
    free(x);
}

START_TEST(pca_known_axes) {
    check_axes(40, 5); /* scatter matrix path */
    check_axes(6, 12); /* Gram matrix path */
}
END_TEST

START_TEST(pca_bad_sizes) {
    float x[6] = {0};
    double p[6];
    ck_assert_int_eq(pca(x, 3, 2, 3, p, NULL, NULL), -1);
    ck_assert_int_eq(pca(x, 0, 2, 1, p, NULL, NULL), -1);
    ck_assert_int_eq(pca(x, 3, 2, 0, p, NULL, NULL), -1);
}
END_TEST

Suite *pca_suite(void) {
    Suite *s = suite_create("pca");
    TCase *t = tcase_create("pca");
    tcase_add_test(t, eigen_2x2);
    tcase_add_test(t, eigen_random_symmetric);
    tcase_add_test(t, pca_known_axes);
    tcase_add_test(t, pca_bad_sizes);
    suite_add_tcase(s, t);
    return s;
}
