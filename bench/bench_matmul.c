/* bench_matmul.c - GFLOP/s of the naive loop, our blocked kernel and OpenBLAS, side by side.
 *
 *   bin/bench_matmul            full table (about a minute on 2 cores)
 *   bin/bench_matmul --quick    fewer repetitions, a few seconds
 *
 * Every multiply is C = A @ B (no transposes, alpha 1, beta 0), row-major float32. Each time is the
 * best of several repetitions (clock_gettime(CLOCK_MONOTONIC)): on a shared, noisy machine the
 * minimum is the most repeatable estimate of what the code can do; only compare numbers from the
 * same run. "all threads" means OMP_NUM_THREADS, or every core when that is unset.
 * OpenBLAS columns appear when built with -DHAVE_OPENBLAS (the Makefile does so whenever
 * pkg-config finds openblas); its single-thread number is the yardstick of the targets printed at
 * the end: our kernel at >= 50% of single-thread OpenBLAS for the square sizes 256-1024, and
 * >= 10x the naive loop.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef HAVE_OPENBLAS
#include <cblas.h>
#endif

#include "matmul.h"
#include "platform.h"
#include "util.h"

typedef void (*MatmulFn)(int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);

#ifdef HAVE_OPENBLAS
static void blas_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A,
                       int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
#endif


static void set_threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
#ifdef HAVE_OPENBLAS
    openblas_set_num_threads(n);
#endif
}

/* Seeded values in [-1, 1): the benchmark's own generator, so runs are identical. */
static void fill(float *x, size_t n, uint64_t seed) {
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        x[i] = (float)((double)(s >> 40) / 8388608.0 - 1.0);
    }
}

/* Best time of `reps` runs, after a warm-up run (which also faults in C's pages) if `warmup`. */
static double best_time(MatmulFn fn, int M, int N, int K, const float *A, const float *B, float *C,
                        int reps, int warmup) {
    if (warmup) fn(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = now_seconds();
        fn(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
        double t = now_seconds() - t0;
        if (t < best) best = t;
    }
    return best;
}

/* Repetitions that fit in about `budget` seconds given a first guess of one run's time. */
static int reps_for(double seconds_per_run, double budget) {
    int reps = (int)(budget / (seconds_per_run > 1e-9 ? seconds_per_run : 1e-9));
    return reps < 3 ? 3 : reps > 200 ? 200 : reps;
}

static double max_rel_diff(const float *a, const float *b, size_t n) {
    double worst = 0, scale = 0;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs((double)b[i]));
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - (double)b[i]));
    return scale > 0 ? worst / scale : worst;
}

typedef struct {
    const char *what;
    int M, N, K;
    int square; /* counts towards the OpenBLAS target */
} Shape;

int main(int argc, char **argv) {
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else {
            fprintf(stderr, "usage: %s [--quick]\n  GFLOP/s of matmul_naive, matmul_fast and "
                            "OpenBLAS (when built with it) on square and model-sized shapes\n",
                    argv[0]);
            return strcmp(argv[i], "--help") == 0 ? 0 : 1;
        }
    }
    const Shape shapes[] = {
        {"square 128", 128, 128, 128, 0},
        {"square 256", 256, 256, 256, 1},
        {"square 512", 512, 512, 512, 1},
        {"square 1024", 1024, 1024, 1024, 1},
        {"ffn up, 4096 tokens", 4096, 1024, 256, 0},
        {"attn proj, 512 tok", 512, 768, 768, 0},
        {"ffn down, 128 tok", 128, 768, 3072, 0},
    };
    const int nshapes = (int)(sizeof shapes / sizeof shapes[0]);
    /* Seconds of timing per cell, and the longest a single naive run may take. */
    const double budget = quick ? 0.15 : 0.6, naive_max = quick ? 0.5 : 2.0;

    int all_threads = 1;
#ifdef _OPENMP
    all_threads = omp_get_max_threads();
#endif
    int mr, nr, mc, kc, nc;
    matmul_fast_blocking(&mr, &nr, &mc, &kc, &nc);
    printf("matmul benchmark: C = A @ B, float32, GFLOP/s (best of several runs)%s\n",
           quick ? ", --quick" : "");
    printf("CPU: %s (runs: %s)\n", cpu_model_name(), matmul_isa_list());
    printf("own kernel: %s, tile %dx%d, blocks mc=%d kc=%d nc=%d; all threads = %d; OpenBLAS: %s\n",
           matmul_isa(), mr, nr, mc, kc, nc, all_threads,
#ifdef HAVE_OPENBLAS
           "linked"
#else
           "not built in (install libopenblas-dev and rebuild)"
#endif
    );
    printf("%-20s %5s %5s %5s | %7s %8s %8s %8s %8s | %9s %9s | %s\n", "shape", "M", "N", "K",
           "naive", "fast 1t", "fast Nt", "blas 1t", "blas Nt", "fast/blas", "fast/naive",
           "max rel diff");

    double worst_blas_ratio = INFINITY, worst_naive_ratio = INFINITY;
    int naive_skipped = 0;
    double naive_rate = 0; /* GFLOP/s of the last naive run, to predict the next one's time */
    for (int s = 0; s < nshapes; s++) {
        const Shape *sh = &shapes[s];
        int M = sh->M, N = sh->N, K = sh->K;
        double flops = 2.0 * M * N * K;
        float *A = xmalloc(xmul((size_t)M * K, sizeof(float)));
        float *B = xmalloc(xmul((size_t)K * N, sizeof(float)));
        float *C = xmalloc(xmul((size_t)M * N, sizeof(float)));
        float *Cref = xmalloc(xmul((size_t)M * N, sizeof(float)));
        fill(A, (size_t)M * K, 1 + (uint64_t)s);
        fill(B, (size_t)K * N, 100 + (uint64_t)s);

        /* naive: single-threaded by nature; best of 3 when quick, one cold run when slow, skipped
         * when predicted too slow. The prediction doubles the time at the last shape's rate,
         * since the rate falls as B's columns stop fitting in the cache. */
        double g_naive = NAN;
        double predicted = naive_rate > 0 ? 2 * flops / (naive_rate * 1e9) : 0.0;
        if (predicted <= naive_max) {
            int quick_run = predicted < 0.2;
            double t = best_time(matmul_naive, M, N, K, A, B, Cref, quick_run ? 3 : 1, quick_run);
            g_naive = flops / t * 1e-9;
            naive_rate = g_naive;
        } else {
            naive_skipped++;
        }

        /* a first single-thread run sets the repetition counts of the rest */
        set_threads(1);
        double t1 = best_time(matmul_fast, M, N, K, A, B, C, 1, 1);
        int reps1 = reps_for(t1, budget), repsn = reps_for(t1 / all_threads, budget);
        double g_fast1 = flops / best_time(matmul_fast, M, N, K, A, B, C, reps1, 0) * 1e-9;
        set_threads(all_threads);
        double g_fastn = flops / best_time(matmul_fast, M, N, K, A, B, C, repsn, 1) * 1e-9;
        double g_blas1 = NAN, g_blasn = NAN;
#ifdef HAVE_OPENBLAS
        set_threads(1);
        g_blas1 = flops / best_time(blas_sgemm, M, N, K, A, B, Cref, reps1, 1) * 1e-9;
        set_threads(all_threads);
        g_blasn = flops / best_time(blas_sgemm, M, N, K, A, B, Cref, repsn, 1) * 1e-9;
#endif
        /* C holds our result, Cref OpenBLAS's (or the naive one): a broken kernel shows here */
        double diff = isnan(g_naive) && isnan(g_blas1) ? NAN : max_rel_diff(C, Cref, (size_t)M * N);

        double r_blas = g_fast1 / g_blas1, r_naive = g_fast1 / g_naive;
        if (sh->square && !isnan(r_blas) && r_blas < worst_blas_ratio) worst_blas_ratio = r_blas;
        if (!isnan(r_naive) && r_naive < worst_naive_ratio) worst_naive_ratio = r_naive;

        char naive_s[16], blas1_s[16], blasn_s[16], rb_s[16], rn_s[16];
        snprintf(naive_s, sizeof naive_s, isnan(g_naive) ? "skip" : "%.2f", g_naive);
        snprintf(blas1_s, sizeof blas1_s, isnan(g_blas1) ? "-" : "%.1f", g_blas1);
        snprintf(blasn_s, sizeof blasn_s, isnan(g_blasn) ? "-" : "%.1f", g_blasn);
        snprintf(rb_s, sizeof rb_s, isnan(r_blas) ? "-" : "%.2f", r_blas);
        snprintf(rn_s, sizeof rn_s, isnan(r_naive) ? "-" : "%.1fx", r_naive);
        printf("%-20s %5d %5d %5d | %7s %8.1f %8.1f %8s %8s | %9s %9s | %.1e\n", sh->what, M, N, K,
               naive_s, g_fast1, g_fastn, blas1_s, blasn_s, rb_s, rn_s, diff);
        fflush(stdout);
        free(A), free(B), free(C), free(Cref);
    }
    if (naive_skipped)
        printf("naive: skipped on %d shape%s where one run was predicted to take over %.1f s "
               "(twice the time at the last measured rate)\n",
               naive_skipped, naive_skipped > 1 ? "s" : "", naive_max);
    printf("fast/blas and fast/naive compare single-thread numbers.\n");

    if (isinf(worst_blas_ratio))
        printf("target fast >= 50%% of OpenBLAS (1 thread, sizes 256-1024): not measured (no "
               "OpenBLAS)\n");
    else
        printf("target fast >= 50%% of OpenBLAS (1 thread, sizes 256-1024): %s (worst %.0f%%)\n",
               worst_blas_ratio >= 0.5 ? "MET" : "NOT MET", 100 * worst_blas_ratio);
    if (isinf(worst_naive_ratio))
        printf("target fast >= 10x naive: not measured\n");
    else
        printf("target fast >= 10x naive: %s (worst %.1fx)\n",
               worst_naive_ratio >= 10 ? "MET" : "NOT MET", worst_naive_ratio);
    return 0;
}
