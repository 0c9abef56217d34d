/* test_tsne.c - exact t-SNE: the affinities' structure, the KL gradient against finite
 * differences, and two separated clusters staying separated on the map. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "tsne.h"
#include "testutil.h"

START_TEST(affinities_structure) {
    enum { N = 9, D = 3 };
    float x[N * D];
    fill_uniform(x, N * D, -1, 1, 3);
    double P[N * N], sum = 0;
    ck_assert_int_eq(tsne_affinities(x, N, D, 3.0, P), 0);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            sum += P[i * N + j];
            ck_assert_double_eq_tol(P[i * N + j], P[j * N + i], 1e-15);
            if (i == j) ck_assert_double_eq(P[i * N + j], 0);
            else ck_assert(P[i * N + j] > 0);
        }
    ck_assert_double_eq_tol(sum, 1, 1e-12);
    /* equidistant points (the corners of a simplex): every pair equally likely */
    float e[4 * 4] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    double Q[16];
    ck_assert_int_eq(tsne_affinities(e, 4, 4, 2.0, Q), 0);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) ck_assert_double_eq_tol(Q[i * 4 + j], i == j ? 0 : 1.0 / 12, 1e-12);
    /* nearer pairs are more likely: points at 0, 1, 3, 7 on a line */
    float l[4] = {0, 1, 3, 7};
    ck_assert_int_eq(tsne_affinities(l, 4, 1, 1.5, Q), 0);
    ck_assert(Q[0 * 4 + 1] > Q[0 * 4 + 2] && Q[0 * 4 + 2] > Q[0 * 4 + 3]);
    ck_assert_int_eq(tsne_affinities(l, 4, 1, 3.0, Q), -1); /* perplexity must be below n - 1 */
    ck_assert_int_eq(tsne_affinities(l, 4, 1, 0.5, Q), -1);
}
END_TEST

typedef struct {
    const double *P;
    float *y;
    int n;
} KlCtx;

static double kl_loss(void *p) {
    KlCtx *c = p;
    double y[2 * 16], g[2 * 16];
    for (int i = 0; i < 2 * c->n; i++) y[i] = c->y[i];
    return tsne_kl_gradient(c->P, y, c->n, g);
}

START_TEST(kl_gradient_check) {
    enum { N = 8 };
    float x[N * 4], yf[2 * N];
    fill_uniform(x, N * 4, -1, 1, 8), fill_uniform(yf, 2 * N, -2, 2, 9);
    double P[N * N], y[2 * N], g[2 * N];
    ck_assert_int_eq(tsne_affinities(x, N, 4, 2.5, P), 0);
    for (int i = 0; i < 2 * N; i++) y[i] = yf[i];
    double kl = tsne_kl_gradient(P, y, N, g);
    ck_assert(kl > 0);
    float gf[2 * N];
    for (int i = 0; i < 2 * N; i++) gf[i] = (float)g[i];
    KlCtx c = {P, yf, N};
    GradCheck r = gradcheck(kl_loss, &c, yf, gf, 2 * N, 1e-3, 1e-4, 1e-2, 0);
    ck_assert_msg(r.worst <= 1, "dKL/dy[%zu]: %g vs %g", r.worst_index, r.analytic, r.numeric);
}
END_TEST

START_TEST(clusters_stay_apart) {
    enum { N = 24, D = 6 };
    float x[N * D];
    fill_uniform(x, N * D, -0.3f, 0.3f, 17);
    for (int i = 0; i < N; i++) x[i * D + (i < N / 2 ? 0 : 1)] += 5; /* two clusters */
    TsneOpts o = tsne_defaults(N);
    o.iterations = 400;
    ck_assert_double_eq_tol(o.perplexity, (N - 1) / 3.0, 1e-12);
    double y[2 * N];
    double kl = tsne_2d(x, N, D, &o, y);
    ck_assert(kl >= 0 && kl < 2);
    for (int i = 0; i < N; i++) {
        int best = -1;
        double bd = INFINITY;
        for (int j = 0; j < N; j++) {
            double d = pow(y[2 * i] - y[2 * j], 2) + pow(y[2 * i + 1] - y[2 * j + 1], 2);
            if (j != i && d < bd) bd = d, best = j;
        }
        ck_assert_msg((best < N / 2) == (i < N / 2), "point %d's nearest neighbour %d is in the other cluster", i, best);
    }
    /* same seed, same map */
    double y2[2 * N];
    tsne_2d(x, N, D, &o, y2);
    ck_assert_int_eq(memcmp(y, y2, sizeof y), 0);
}
END_TEST

Suite *tsne_suite(void) {
    Suite *s = suite_create("tsne");
    TCase *t = tcase_create("tsne");
    tcase_set_timeout(t, 30); /* 0.2 s of CPU under ASan; room for a loaded machine */
    tcase_add_test(t, affinities_structure);
    tcase_add_test(t, kl_gradient_check);
    tcase_add_test(t, clusters_stay_apart);
    suite_add_tcase(s, t);
    return s;
}
