/* test_crossling.c - chapter 02, claim C28: the least-squares and the orthogonal map recover a
 * known map exactly; the orthogonal one stays orthogonal with fewer pairs than dimensions; a space
 * that is a rotated copy of another is translated perfectly from a seed dictionary; the dictionary
 * reader rejects malformed files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "02_word2vec/crossling.h"
#include "rng.h"
#include "testutil.h"
#include "util.h"

static void randn(double *x, size_t n, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    for (size_t k = 0; k < n; k++) x[k] = rng_normal(&r);
}

/* A random orthogonal d x d matrix: Gram-Schmidt on the rows of a Gaussian matrix. */
static void random_rotation(double *Q, int d, uint64_t seed) {
    randn(Q, (size_t)d * d, seed);
    for (int i = 0; i < d; i++) {
        for (int p = 0; p < i; p++) {
            double t = 0;
            for (int k = 0; k < d; k++) t += Q[i * d + k] * Q[p * d + k];
            for (int k = 0; k < d; k++) Q[i * d + k] -= t * Q[p * d + k];
        }
        double n = 0;
        for (int k = 0; k < d; k++) n += Q[i * d + k] * Q[i * d + k];
        for (int k = 0; k < d; k++) Q[i * d + k] /= sqrt(n);
    }
}

static void matmul_d(const double *A, const double *B, double *C, int n, int k, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double t = 0;
            for (int p = 0; p < k; p++) t += A[i * k + p] * B[p * m + j];
            C[i * m + j] = t;
        }
}

static double max_abs_diff(const double *a, const double *b, size_t n) {
    double m = 0;
    for (size_t k = 0; k < n; k++) m = fmax(m, fabs(a[k] - b[k]));
    return m;
}

START_TEST(lstsq_recovers_a_known_map) {
    enum { N = 50, DS = 8, DT = 6 };
    double X[N * DS], W[DS * DT], Z[N * DT], got[DS * DT];
    randn(X, N * DS, 1), randn(W, DS * DT, 2);
    matmul_d(X, W, Z, N, DS, DT);
    ck_assert_int_eq(xl_fit_lstsq(X, Z, N, DS, DT, 0, got), 0);
    ck_assert_double_le(max_abs_diff(got, W, DS * DT), 1e-10);
    /* fewer pairs than dimensions: singular without a ridge, solvable with one */
    ck_assert_int_eq(xl_fit_lstsq(X, Z, 5, DS, DT, 0, got), -1);
    ck_assert_int_eq(xl_fit_lstsq(X, Z, 5, DS, DT, 0.01, got), 0);
    /* the ridge shrinks the map */
    double shrunk[DS * DT], n0 = 0, n1 = 0;
    ck_assert_int_eq(xl_fit_lstsq(X, Z, N, DS, DT, 100, shrunk), 0);
    for (int k = 0; k < DS * DT; k++) n0 += W[k] * W[k], n1 += shrunk[k] * shrunk[k];
    ck_assert_double_lt(n1, n0);
}
END_TEST

START_TEST(orthogonal_recovers_a_rotation) {
    enum { N = 40, D = 8 };
    double X[N * D], Q[D * D], Z[N * D], W[D * D];
    randn(X, N * D, 3);
    random_rotation(Q, D, 4);
    matmul_d(X, Q, Z, N, D, D);
    xl_fit_orthogonal(X, Z, N, D, W);
    ck_assert_double_le(max_abs_diff(W, Q, D * D), 1e-9);
    /* with noise on Z, still exactly orthogonal, and close to Q */
    Rng r;
    rng_seed(&r, 5);
    for (int k = 0; k < N * D; k++) Z[k] += 0.05 * rng_normal(&r);
    xl_fit_orthogonal(X, Z, N, D, W);
    double WtW[D * D], Wt[D * D], I[D * D];
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++) Wt[j * D + i] = W[i * D + j], I[i * D + j] = i == j;
    matmul_d(Wt, W, WtW, D, D, D);
    ck_assert_double_le(max_abs_diff(WtW, I, D * D), 1e-9);
    ck_assert_double_le(max_abs_diff(W, Q, D * D), 0.05);
}
END_TEST

START_TEST(orthogonal_with_fewer_pairs_than_dimensions) {
    /* 3 pairs in 8 dimensions: X^T Z has rank 3, the rotation is free on the other 5 directions;
     * the result must still be orthogonal and carry the 3 seeds exactly onto their targets. */
    enum { N = 3, D = 8 };
    double X[N * D], Q[D * D], Z[N * D], W[D * D], XW[N * D];
    randn(X, N * D, 6);
    random_rotation(Q, D, 7);
    matmul_d(X, Q, Z, N, D, D);
    xl_fit_orthogonal(X, Z, N, D, W);
    double Wt[D * D], WtW[D * D], I[D * D];
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++) Wt[j * D + i] = W[i * D + j], I[i * D + j] = i == j;
    matmul_d(Wt, W, WtW, D, D, D);
    ck_assert_double_le(max_abs_diff(WtW, I, D * D), 1e-8);
    matmul_d(X, W, XW, N, D, D);
    ck_assert_double_le(max_abs_diff(XW, Z, N * D), 1e-8);
}
END_TEST

/* Two vocabularies: s0..s39 with random vectors, and t0..t39 the same vectors rotated (plus a
 * little noise), in a shuffled order; the dictionary pairs s_k with t_k. */
static void rotated_spaces(WordVectors **src, WordVectors **tgt, double noise) {
    enum { N = 40, D = 8 };
    double Q[D * D], x[D];
    random_rotation(Q, D, 8);
    *src = wv_new(N, D), *tgt = wv_new(N, D);
    Rng r;
    rng_seed(&r, 9);
    char err[ERR_LEN], w[16];
    float u[N][D];
    for (int i = 0; i < N; i++) {
        float v[D];
        for (int k = 0; k < D; k++) x[k] = rng_normal(&r), v[k] = (float)x[k];
        for (int j = 0; j < D; j++) {
            double t = 0;
            for (int k = 0; k < D; k++) t += x[k] * Q[k * D + j];
            u[i][j] = (float)(t + noise * rng_normal(&r));
        }
        snprintf(w, sizeof w, "s%d", i);
        ck_assert_int_eq(wv_set(*src, i, w, v, err), 0);
    }
    for (int row = 0; row < N; row++) { /* target row `row` holds word t_i, i = 7 row mod 40: shuffled */
        int i = (7 * row) % N;
        snprintf(w, sizeof w, "t%d", i);
        ck_assert_int_eq(wv_set(*tgt, row, w, u[i], err), 0);
    }
    wv_finish(*src), wv_finish(*tgt);
}

static char *write_dict(const char *body) {
    char *path = temp_path(".dict");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(body, f);
    fclose(f);
    return path;
}

START_TEST(rotated_space_translated_perfectly) {
    WordVectors *src, *tgt;
    rotated_spaces(&src, &tgt, 0.01);
    char body[4096];
    size_t len = (size_t)snprintf(body, sizeof body, "# a test dictionary\n: seed\n");
    for (int i = 0; i < 30; i++) len += (size_t)snprintf(body + len, sizeof body - len, "s%d t%d\n", i, i);
    len += (size_t)snprintf(body + len, sizeof body - len, "nosuchword t1\n: test\n");
    for (int i = 30; i < 40; i++) len += (size_t)snprintf(body + len, sizeof body - len, "s%d t%d\n", i, i);
    snprintf(body + len, sizeof body - len, "s35 t0\nabsent t3\n"); /* a second answer; a missing word */
    char *path = write_dict(body), err[ERR_LEN];
    BiDict d;
    ck_assert_msg(bidict_load(&d, path, err) == 0, "%s", err);
    ck_assert_int_eq(d.n, 43);
    XlSpace s, t;
    xl_space_init(&s, src), xl_space_init(&t, tgt);
    for (int m = 0; m < 2; m++) {
        XlResult r;
        ck_assert_msg(xl_learn(&s, &t, &d, m ? XL_ORTHOGONAL : XL_LSTSQ, 0, &r, err) == 0, "%s", err);
        ck_assert_int_eq(r.seed_used, 30);
        ck_assert_int_eq(r.seed_missing, 1);
        ck_assert_int_eq(r.tested, 10); /* s35 once, though listed twice */
        ck_assert_int_eq(r.test_missing, 1);
        ck_assert_int_eq(r.at1, 10);
        ck_assert_int_eq(r.at5, 10);
        xl_result_free(&r);
    }
    /* Without the map, a source vector's nearest target word is a random one: the spaces really
     * differ by the rotation. */
    int hits = 0, idx[1];
    double cos[1];
    for (int i = 30; i < 40; i++) {
        xl_nearest(&t, s.v + (size_t)i * 8, 1, idx, cos);
        char want[16];
        snprintf(want, sizeof want, "t%d", i);
        hits += !strcmp(tgt->words[idx[0]], want);
    }
    ck_assert_int_le(hits, 2);
    xl_space_free(&s), xl_space_free(&t);
    bidict_free(&d);
    remove(path), free(path);
    wv_free(src), wv_free(tgt);
}
END_TEST

START_TEST(dictionary_rejections) {
    static const struct {
        const char *body, *expect;
    } bad[] = {
        {"a b\n", "before the first"},
        {": seed\na b c\n", "not two words"},
        {": seed\na\n", "not two words"},
        {": train\na b\n", "unknown section"},
        {": test\na b\n", "no pair under"},
        {"# only comments\n\n", "no pair under"},
    };
    char err[ERR_LEN];
    BiDict d;
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char *path = write_dict(bad[k].body);
        ck_assert_int_eq(bidict_load(&d, path, err), -1);
        ck_assert_msg(strstr(err, bad[k].expect), "case %zu: '%s'", k, err);
        remove(path), free(path);
    }
    ck_assert_int_eq(bidict_load(&d, "/nonexistent/dict.txt", err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot open"));
    /* an orthogonal map between different dimensions is refused */
    WordVectors *a = wv_new(2, 3), *b = wv_new(2, 4);
    float v[4] = {1, 2, 3, 4};
    ck_assert_int_eq(wv_set(a, 0, "x", v, err), 0);
    ck_assert_int_eq(wv_set(a, 1, "y", v + 1, err), 0);
    ck_assert_int_eq(wv_set(b, 0, "u", v, err), 0);
    ck_assert_int_eq(wv_set(b, 1, "w", v, err), 0);
    wv_finish(a), wv_finish(b);
    char *path = write_dict(": seed\nx u\n");
    ck_assert_int_eq(bidict_load(&d, path, err), 0);
    XlSpace s, t;
    xl_space_init(&s, a), xl_space_init(&t, b);
    XlResult r;
    ck_assert_int_eq(xl_learn(&s, &t, &d, XL_ORTHOGONAL, 0, &r, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "same dimension"));
    ck_assert_int_eq(xl_learn(&s, &t, &d, XL_LSTSQ, 1, &r, err), 0); /* least squares can */
    xl_result_free(&r);
    xl_space_free(&s), xl_space_free(&t);
    bidict_free(&d);
    remove(path), free(path);
    wv_free(a), wv_free(b);
}
END_TEST

Suite *crossling_suite(void) {
    Suite *s = suite_create("crossling");
    TCase *t = tcase_create("crossling");
    tcase_add_test(t, lstsq_recovers_a_known_map);
    tcase_add_test(t, orthogonal_recovers_a_rotation);
    tcase_add_test(t, orthogonal_with_fewer_pairs_than_dimensions);
    tcase_add_test(t, rotated_space_translated_perfectly);
    tcase_add_test(t, dictionary_rejections);
    suite_add_tcase(s, t);
    return s;
}
