/* test_matmul.c - matmul_fast and matmul against the naive triple loop on awkward shapes, every
 * transpose and alpha/beta case; nn.Linear forward/backward against written-out loops and central
 * finite differences; the PyTorch fixture when tests/fixtures/reference.txt exists; and the
 * argument checks (die() with a message naming the bad argument). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "matmul.h"
#include "testutil.h"
#include "util.h"

typedef void (*MatmulFn)(int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);

/* One multiply on seeded inputs: op(A) (M,K), op(B) (K,N), C (M,N), each stored with `pad` extra
 * columns so leading dimensions larger than the row length are exercised. C starts as seeded
 * values, or NaN (nan_c) to prove beta == 0 never reads it. Returns the max scaled error of `fn`
 * against matmul_naive over the M x N results (the tolerance grows with K, float summation error
 * being O(K eps)), or +inf if either touched a padding column of C. */
static double compare_to_naive(MatmulFn fn, int transA, int transB, int M, int N, int K,
                               float alpha, float beta, int pad, int nan_c, uint64_t seed) {
    int a_rows = transA ? K : M, a_cols = transA ? M : K;
    int b_rows = transB ? N : K, b_cols = transB ? K : N;
    int lda = a_cols + pad, ldb = b_cols + pad, ldc = N + pad;
    size_t na = (size_t)a_rows * lda, nb = (size_t)b_rows * ldb, nc = (size_t)M * ldc;
    float *A = xmalloc(na * sizeof(float) + 1), *B = xmalloc(nb * sizeof(float) + 1);
    float *C = xmalloc(nc * sizeof(float) + 1), *Cref = xmalloc(nc * sizeof(float) + 1);
    float *C0 = xmalloc(nc * sizeof(float) + 1);
    fill_uniform(A, na, -1, 1, seed);
    fill_uniform(B, nb, -1, 1, seed + 1);
    if (nan_c)
        for (size_t i = 0; i < nc; i++) C0[i] = NAN;
    else
        fill_uniform(C0, nc, -1, 1, seed + 2);
    memcpy(C, C0, nc * sizeof(float));
    memcpy(Cref, C0, nc * sizeof(float));
    fn(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    matmul_naive(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, Cref, ldc);
    double err = 0;
    for (int i = 0; i < M; i++) {
        size_t row = (size_t)i * ldc;
        double e = max_scaled_err(C + row, Cref + row, (size_t)N, 5e-7 * (K + 1), 1e-5);
        if (!(e <= err)) err = e;
        if (memcmp(C + row + N, C0 + row + N, sizeof(float) * pad) != 0 ||
            memcmp(Cref + row + N, C0 + row + N, sizeof(float) * pad) != 0)
            err = INFINITY;
    }
    free(A), free(B), free(C), free(Cref), free(C0);
    return err;
}

static void check_shape(MatmulFn fn, int M, int N, int K, float alpha, float beta, int nan_c) {
    for (int t = 0; t < 4; t++) {
        int transA = t & 1, transB = t >> 1;
        double err = compare_to_naive(fn, transA, transB, M, N, K, alpha, beta, (M + N + K) % 3,
                                      nan_c, (uint64_t)(M * 131 + N * 17 + K + t));
        ck_assert_msg(err <= 1.0,
                      "M=%d N=%d K=%d transA=%d transB=%d alpha=%g beta=%g: scaled error %g", M, N,
                      K, transA, transB, alpha, beta, err);
    }
}

/* The kernels every CPU-dependent test runs in turn (a loop test: _i indexes this list). One the
 * CPU cannot run is skipped with a note; matmul_isa_list() says which ran. */
static const char *const isas[] = {"generic", "avx2", "avx512"};
enum { NISAS = sizeof isas / sizeof isas[0] };
static int use_isa(int i) { return matmul_set_isa(isas[i]) == 0; }

START_TEST(fast_matches_naive_on_awkward_shapes) {
    if (!use_isa(_i)) {
        fprintf(stderr, "(matmul: this CPU has no %s: its kernel's tests skipped)\n", isas[_i]);
        return;
    }
    static const int shapes[][3] = {{1, 1, 1},  {7, 13, 5}, {1, 300, 1}, {300, 1, 1},
                                    {1, 1, 300}, {65, 33, 129}, {2, 3, 1}, {17, 1, 40}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        check_shape(matmul_fast, shapes[s][0], shapes[s][1], shapes[s][2], 1.0f, 0.0f, 0);
}
END_TEST

/* Sizes one below, at and one above every block edge: the micro-tile (mr, nr), the A block (mc),
 * the depth block (kc, where later blocks must add to C rather than apply beta again) and the
 * B block (nc). */
START_TEST(fast_matches_naive_at_block_boundaries) {
    if (!use_isa(_i)) return;
    int mr, nr, mc, kc, nc;
    matmul_fast_blocking(&mr, &nr, &mc, &kc, &nc);
    for (int d = -1; d <= 1; d++) {
        check_shape(matmul_fast, mr + d, nr + d, 3, 1.0f, 0.0f, 0);
        check_shape(matmul_fast, mc + d, 2 * nr + d, kc + d, 1.0f, 0.0f, 0);
        check_shape(matmul_fast, 2 * mc + d, 5, 2 * kc + d, 1.0f, 0.5f, 0);
        check_shape(matmul_fast, 3, nc + d, 7, 1.0f, 0.5f, 0);
    }
}
END_TEST

START_TEST(fast_matches_naive_256_cube) {
    if (!use_isa(_i)) return;
    check_shape(matmul_fast, 256, 256, 256, 1.0f, 0.0f, 0);
}
END_TEST

START_TEST(fast_handles_alpha_and_beta) {
    if (!use_isa(_i)) return;
    int mr, nr, mc, kc, nc;
    matmul_fast_blocking(&mr, &nr, &mc, &kc, &nc);
    static const float alphas[] = {1.0f, -0.5f, 2.0f}, betas[] = {0.0f, 1.0f, 0.25f, -1.0f};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 4; b++)
            check_shape(matmul_fast, 37, 45, kc + 3, alphas[a], betas[b], 0); /* two depth blocks */
}
END_TEST

/* beta == 0 must overwrite C, not multiply it: 0 * NaN is NaN. */
START_TEST(beta_zero_overwrites_nan) {
    if (!use_isa(_i)) return;
    check_shape(matmul_fast, 29, 41, 19, 1.0f, 0.0f, 1);
    check_shape(matmul_fast, 29, 41, 19, -2.0f, 0.0f, 1);
    check_shape(matmul_naive, 3, 4, 5, 1.0f, 0.0f, 1); /* the reference too, against itself */
    /* ... the same with a padded C: results finite, padding untouched */
    float C[2 * 3];
    for (int i = 0; i < 6; i++) C[i] = NAN;
    const float A[2] = {1, 2}, B[2] = {3, 4}; /* (2,1) @ (1,2) */
    matmul_fast(0, 0, 2, 2, 1, 1.0f, A, 1, B, 2, 0.0f, C, 3);
    const float want[6] = {3, 4, NAN, 6, 8, NAN};
    for (int i = 0; i < 6; i++)
        ck_assert_msg(i % 3 == 2 ? isnan(C[i]) : C[i] == want[i], "C[%d] = %g", i, C[i]);
}
END_TEST

/* alpha == 0 and K == 0: C = beta * C, and A and B are not read (NaN in them must not leak). */
START_TEST(alpha_zero_and_empty_k_scale_c) {
    MatmulFn fns[3] = {matmul_naive, matmul_fast, matmul};
    for (int f = 0; f < 3; f++) {
        float A[6], B[6], C[4] = {1, 2, NAN, 4};
        for (int i = 0; i < 6; i++) A[i] = B[i] = NAN;
        fns[f](0, 0, 2, 2, 3, 0.0f, A, 3, B, 2, 0.0f, C, 2);
        for (int i = 0; i < 4; i++) ck_assert_msg(C[i] == 0.0f, "fn %d: C[%d] = %g", f, i, C[i]);
        float D[4] = {1, 2, 3, 4};
        fns[f](0, 0, 2, 2, 3, 0.0f, A, 3, B, 2, 2.0f, D, 2);
        for (int i = 0; i < 4; i++) ck_assert_float_eq(D[i], 2.0f * (float)(i + 1));
        float E[4] = {1, 2, 3, 4};
        fns[f](0, 0, 2, 2, 0, 1.0f, A, 1, B, 2, -1.0f, E, 2);
        for (int i = 0; i < 4; i++) ck_assert_float_eq(E[i], -(float)(i + 1));
        fns[f](0, 0, 0, 0, 5, 1.0f, A, 5, B, 1, 0.0f, E, 1); /* empty C: nothing to do */
    }
}
END_TEST

/* Small integers are exact in float whatever the summation order: every implementation must give
 * exactly these numbers, for each transpose (the operands re-laid out by hand). */
START_TEST(exact_small_product) {
    const float A[2 * 3] = {1, 2, 3, 4, 5, 6};         /* (2,3) */
    const float At[3 * 2] = {1, 4, 2, 5, 3, 6};        /* A^T stored (3,2) */
    const float B[3 * 2] = {7, 8, 9, 10, 11, 12};      /* (3,2) */
    const float Bt[2 * 3] = {7, 9, 11, 8, 10, 12};     /* B^T stored (2,3) */
    const float want[4] = {1 * 7 + 2 * 9 + 3 * 11, 1 * 8 + 2 * 10 + 3 * 12,
                           4 * 7 + 5 * 9 + 6 * 11, 4 * 8 + 5 * 10 + 6 * 12}; /* 58 64 139 154 */
    MatmulFn fns[3] = {matmul_naive, matmul_fast, matmul};
    for (int f = 0; f < 3; f++)
        for (int t = 0; t < 4; t++) {
            int ta = t & 1, tb = t >> 1;
            float C[4] = {1, 1, 1, 1};
            fns[f](ta, tb, 2, 2, 3, 2.0f, ta ? At : A, ta ? 2 : 3, tb ? Bt : B, tb ? 3 : 2, 3.0f,
                   C, 2);
            for (int i = 0; i < 4; i++)
                ck_assert_msg(C[i] == 2 * want[i] + 3, "fn %d trans %d: C[%d] = %g, want %g", f,
                              t, i, C[i], 2 * want[i] + 3);
        }
}
END_TEST

/* The blocked kernel sums each element in the same order whatever the thread count. */
START_TEST(fast_is_independent_of_thread_count) {
    if (!use_isa(_i)) return;
#ifdef _OPENMP
    int M = 150, N = 170, K = 600; /* K: three depth blocks */
    float *A = xmalloc(sizeof(float) * M * K), *B = xmalloc(sizeof(float) * K * N);
    float *C1 = xmalloc(sizeof(float) * M * N), *C2 = xmalloc(sizeof(float) * M * N);
    fill_uniform(A, (size_t)M * K, -1, 1, 5);
    fill_uniform(B, (size_t)K * N, -1, 1, 6);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    matmul_fast(0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C1, N);
    omp_set_num_threads(3); /* more threads than blocks on some steps, on purpose */
    matmul_fast(0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C2, N);
    omp_set_num_threads(saved);
    ck_assert_int_eq(memcmp(C1, C2, sizeof(float) * M * N), 0);
    free(A), free(B), free(C1), free(C2);
#endif
}
END_TEST

/* Run fn in a child process with stderr captured; it must exit(1) with a message containing
 * `needle`. (die() ends the process, so this is the only way to read what it printed.) */
static void expect_death(void (*fn)(void), const char *needle) {
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(stdout), fflush(stderr);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        fn();
        _exit(0); /* not reached when fn dies as it should */
    }
    close(fds[1]);
    char msg[1024];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof msg - 1 && (r = read(fds[0], msg + len, sizeof msg - 1 - len)) > 0)
        len += (size_t)r;
    msg[len] = '\0';
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "expected exit(1); stderr: %s",
                  msg);
    ck_assert_msg(strstr(msg, needle) != NULL, "message '%s' should mention '%s'", msg, needle);
}

/* NLP_ISA picks the kernel; one the CPU lacks, or a misspelt one, stops the program with a
 * message that lists what it runs. */
static void force_bogus_isa(void) {
    setenv("NLP_ISA", "avx9000", 1);
    float a = 1, b = 2, c = 0;
    matmul_fast(0, 0, 1, 1, 1, 1, &a, 1, &b, 1, 0, &c, 1);
}
START_TEST(nlp_isa_chooses_the_kernel) {
    expect_death(force_bogus_isa, "NLP_ISA=avx9000");
    ck_assert_ptr_nonnull(strstr(matmul_isa_list(), "generic"));
    ck_assert_int_eq(matmul_set_isa("avx9000"), -1);
    ck_assert_int_eq(matmul_set_isa("generic"), 0);
    ck_assert_str_eq(matmul_isa(), "generic");
}
END_TEST

START_TEST(dispatcher_matches_naive) {
    const char *backend = matmul_backend();
#ifdef USE_OPENBLAS
    ck_assert_str_eq(backend, "openblas");
#else
    ck_assert_str_eq(backend, "own");
#endif
    check_shape(matmul, 33, 70, 90, 0.5f, 0.0f, 1);
    check_shape(matmul, 33, 70, 90, 1.0f, 1.0f, 0);
}
END_TEST

/* ---- nn.Linear ------------------------------------------------------------------------------- */
/* out (N,OC) = inp (N,C) @ weight (OC,C)^T + bias, in double */
static void linear_reference(double *out, const float *inp, const float *weight, const float *bias,
                             int N, int C, int OC) {
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) {
            double s = bias ? bias[o] : 0.0;
            for (int c = 0; c < C; c++) s += (double)inp[n * C + c] * weight[o * C + c];
            out[n * OC + o] = s;
        }
}

static void to_float(float *dst, const double *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)src[i];
}

START_TEST(linear_forward_matches_loops) {
    enum { N = 37, C = 70, OC = 29 };
    float *inp = xmalloc(sizeof(float) * N * C), *w = xmalloc(sizeof(float) * OC * C);
    float bias[OC], *out = xmalloc(sizeof(float) * N * OC), *want = xmalloc(sizeof(float) * N * OC);
    double *ref = xmalloc(sizeof(double) * N * OC);
    fill_uniform(inp, N * C, -1, 1, 11);
    fill_uniform(w, OC * C, -1, 1, 12);
    fill_uniform(bias, OC, -1, 1, 13);
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        for (int i = 0; i < N * OC; i++) out[i] = NAN; /* out is written, never read */
        linear_forward(out, inp, w, with_bias ? bias : NULL, N, C, OC);
        linear_reference(ref, inp, w, with_bias ? bias : NULL, N, C, OC);
        to_float(want, ref, N * OC);
        ck_assert_allclose(out, want, N * OC, 1e-5, 1e-5);
    }
    free(inp), free(w), free(out), free(want), free(ref);
}
END_TEST

/* dinp += dout @ weight, dweight += dout^T @ inp, dbias += column sums of dout, each added to
 * what the buffers already held; NULL skips a gradient. */
START_TEST(linear_backward_matches_loops_and_accumulates) {
    enum { N = 23, C = 41, OC = 70 }; /* OC > 64: more than one dbias chunk */
    float *dout = xmalloc(sizeof(float) * N * OC), *inp = xmalloc(sizeof(float) * N * C);
    float *w = xmalloc(sizeof(float) * OC * C);
    float *dinp = xmalloc(sizeof(float) * N * C), *dw = xmalloc(sizeof(float) * OC * C);
    float dbias[OC], dinp0[N * C], dw0[OC * C], dbias0[OC];
    float want_dinp[N * C], want_dw[OC * C], want_dbias[OC];
    fill_uniform(dout, N * OC, -1, 1, 21);
    fill_uniform(inp, N * C, -1, 1, 22);
    fill_uniform(w, OC * C, -1, 1, 23);
    fill_uniform(dinp0, N * C, -1, 1, 24);
    fill_uniform(dw0, OC * C, -1, 1, 25);
    fill_uniform(dbias0, OC, -1, 1, 26);
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) {
            double s = dinp0[n * C + c];
            for (int o = 0; o < OC; o++) s += (double)dout[n * OC + o] * w[o * C + c];
            want_dinp[n * C + c] = (float)s;
        }
    for (int o = 0; o < OC; o++) {
        for (int c = 0; c < C; c++) {
            double s = dw0[o * C + c];
            for (int n = 0; n < N; n++) s += (double)dout[n * OC + o] * inp[n * C + c];
            want_dw[o * C + c] = (float)s;
        }
        double s = dbias0[o];
        for (int n = 0; n < N; n++) s += dout[n * OC + o];
        want_dbias[o] = (float)s;
    }
    memcpy(dinp, dinp0, sizeof dinp0), memcpy(dw, dw0, sizeof dw0);
    memcpy(dbias, dbias0, sizeof dbias0);
    linear_backward(dinp, dw, dbias, dout, inp, w, N, C, OC);
    ck_assert_allclose(dinp, want_dinp, N * C, 1e-5, 1e-5);
    ck_assert_allclose(dw, want_dw, OC * C, 1e-5, 1e-5);
    ck_assert_allclose(dbias, want_dbias, OC, 1e-5, 1e-5);
    /* skipping: only dbias asked for, the others untouched */
    memcpy(dinp, dinp0, sizeof dinp0), memcpy(dw, dw0, sizeof dw0);
    memcpy(dbias, dbias0, sizeof dbias0);
    linear_backward(NULL, NULL, dbias, dout, inp, w, N, C, OC);
    ck_assert_allclose(dbias, want_dbias, OC, 1e-5, 1e-5);
    ck_assert_int_eq(memcmp(dinp, dinp0, sizeof dinp0), 0);
    ck_assert_int_eq(memcmp(dw, dw0, sizeof dw0), 0);
    linear_backward(dinp, NULL, NULL, dout, inp, w, N, C, OC);
    ck_assert_allclose(dinp, want_dinp, N * C, 1e-5, 1e-5);
    ck_assert_int_eq(memcmp(dw, dw0, sizeof dw0), 0);
    free(dout), free(inp), free(w), free(dinp), free(dw);
}
END_TEST

/* loss = sum(out * R), so dloss/dout = R; linear_backward's gradients must match central
 * differences of that loss computed through linear_forward itself. The loss is linear in each
 * single parameter, so the difference quotient has no truncation error: what remains is float
 * rounding of the forward pass, about 1e-7 * |loss| / h (a few 1e-6 here). */
static double loss_of(const float *inp, const float *w, const float *b, const float *R, float *out,
                      int N, int C, int OC) {
    linear_forward(out, inp, w, b, N, C, OC);
    double s = 0;
    for (int i = 0; i < N * OC; i++) s += (double)out[i] * R[i];
    return s;
}

static void check_fd(float *param, const float *grad, int n, const char *name, const float *inp,
                     const float *w, const float *b, const float *R, float *out, int N, int C,
                     int OC) {
    const float h = 1e-2f;
    for (int i = 0; i < n; i++) {
        float saved = param[i];
        param[i] = saved + h;
        double lp = loss_of(inp, w, b, R, out, N, C, OC);
        param[i] = saved - h;
        double lm = loss_of(inp, w, b, R, out, N, C, OC);
        param[i] = saved;
        double fd = (lp - lm) / (2.0 * (double)h);
        ck_assert_msg(fabs(fd - grad[i]) <= 1e-4 + 1e-4 * fabs(fd),
                      "%s[%d]: analytic %.7g, finite difference %.7g", name, i, grad[i], fd);
    }
}

START_TEST(linear_backward_matches_finite_differences) {
    enum { N = 3, C = 5, OC = 4 };
    float inp[N * C], w[OC * C], b[OC], R[N * OC], out[N * OC];
    float dinp[N * C] = {0}, dw[OC * C] = {0}, db[OC] = {0};
    fill_uniform(inp, N * C, -1, 1, 31);
    fill_uniform(w, OC * C, -1, 1, 32);
    fill_uniform(b, OC, -1, 1, 33);
    fill_uniform(R, N * OC, -1, 1, 34);
    linear_backward(dinp, dw, db, R, inp, w, N, C, OC);
    check_fd(inp, dinp, N * C, "dinp", inp, w, b, R, out, N, C, OC);
    check_fd(w, dw, OC * C, "dweight", inp, w, b, R, out, N, C, OC);
    check_fd(b, db, OC, "dbias", inp, w, b, R, out, N, C, OC);
}
END_TEST

/* ---- PyTorch reference ---------------------------------------------------------------------- */
/* matmul_C = matmul_A @ matmul_B as computed by torch (tests/make_fixtures.py). Skipped while the
 * fixture file has not been generated. */
START_TEST(matches_pytorch_fixture) {
    const char *path = FIXTURE("reference.txt");
    if (access(path, R_OK) != 0) return;
    int nd, sa[8], sb[8], sc[8];
    float *A = fixture_load(path, "matmul_A", &nd, sa);
    ck_assert_int_eq(nd, 2);
    float *B = fixture_load(path, "matmul_B", &nd, sb);
    ck_assert_int_eq(nd, 2);
    float *Cw = fixture_load(path, "matmul_C", &nd, sc);
    ck_assert_int_eq(nd, 2);
    ck_assert_msg(sa[0] == 5 && sa[1] == 7 && sb[0] == 7 && sb[1] == 3 && sc[0] == 5 && sc[1] == 3,
                  "fixture shapes A %dx%d B %dx%d C %dx%d, want 5x7 7x3 5x3", sa[0], sa[1], sb[0],
                  sb[1], sc[0], sc[1]);
    MatmulFn fns[3] = {matmul_naive, matmul_fast, matmul};
    for (int f = 0; f < 3; f++) {
        float C[15];
        for (int i = 0; i < 15; i++) C[i] = NAN;
        fns[f](0, 0, 5, 3, 7, 1.0f, A, 7, B, 3, 0.0f, C, 3);
        ck_assert_allclose(C, Cw, 15, 1e-5, 1e-5);
    }
    free(A), free(B), free(Cw);
}
END_TEST

/* ---- argument checks ------------------------------------------------------------------------- */

static float dummy[64];
static void call_negative_m(void) {
    matmul_fast(0, 0, -1, 2, 2, 1, dummy, 2, dummy, 2, 0, dummy, 2);
}
static void call_small_lda(void) { matmul_fast(0, 0, 4, 4, 5, 1, dummy, 4, dummy, 4, 0, dummy, 4); }
static void call_small_lda_transposed(void) { /* A^T stored (K,M) = (2,6): lda must be >= 6 */
    matmul_naive(1, 0, 6, 2, 2, 1, dummy, 2, dummy, 2, 0, dummy, 2);
}
static void call_small_ldb(void) { matmul(0, 1, 2, 3, 5, 1, dummy, 5, dummy, 4, 0, dummy, 3); }
static void call_small_ldc(void) { matmul_fast(0, 0, 2, 3, 2, 1, dummy, 2, dummy, 3, 0, dummy, 2); }

START_TEST(bad_arguments_die_with_a_message) {
    expect_death(call_negative_m, "M=-1");
    expect_death(call_small_lda, "lda=4");
    expect_death(call_small_lda_transposed, "lda=2");
    expect_death(call_small_ldb, "ldb=4");
    expect_death(call_small_ldc, "ldc=2");
}
END_TEST

Suite *matmul_suite(void) {
    Suite *s = suite_create("matmul");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, fast_matches_naive_on_awkward_shapes);
    tcase_add_loop_test(tc, fast_matches_naive_at_block_boundaries, 0, NISAS);
    tcase_add_loop_test(tc, fast_matches_naive_256_cube, 0, NISAS);
    tcase_add_loop_test(tc, fast_handles_alpha_and_beta, 0, NISAS);
    tcase_add_loop_test(tc, beta_zero_overwrites_nan, 0, NISAS);
    tcase_add_test(tc, alpha_zero_and_empty_k_scale_c);
    tcase_add_test(tc, exact_small_product);
    tcase_add_loop_test(tc, fast_is_independent_of_thread_count, 0, NISAS);
    tcase_add_test(tc, nlp_isa_chooses_the_kernel);
    tcase_add_test(tc, dispatcher_matches_naive);
    tcase_add_test(tc, linear_forward_matches_loops);
    tcase_add_test(tc, linear_backward_matches_loops_and_accumulates);
    tcase_add_test(tc, linear_backward_matches_finite_differences);
    tcase_add_test(tc, matches_pytorch_fixture);
    tcase_add_test(tc, bad_arguments_die_with_a_message);
    suite_add_tcase(s, tc);
    return s;
}
