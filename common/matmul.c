/* matmul.c - see matmul.h.
 *
 * What this file teaches: why a matrix multiply written as three loops runs at a few percent of
 * what the processor can do, and the three steps that recover most of the rest, in plain C:
 *   1. register blocking: a micro-kernel computes an MR x NR tile of C in local accumulators that
 *      the compiler keeps in vector registers, so each loaded value of A and B feeds many
 *      multiply-adds instead of one;
 *   2. packing: the panels of A and B the micro-kernel reads are copied into contiguous buffers in
 *      exactly the order it reads them (any transpose handled here, once), zero-padded to whole
 *      tiles so the kernel has no edge cases inside its loop;
 *   3. cache blocking (Goto / BLIS): a KC x NC block of B stays in the last-level cache, an MC x KC
 *      block of A in L2, one KC x NR sliver of B in L1 while the kernel sweeps A past it.
 * OpenMP splits the blocks of C (rows, and columns when there are few rows) between threads; each
 * block is written by exactly one thread.
 * The micro-kernel and the packing are plain C in matmul_kernel.h, compiled once per instruction
 * set (here for the build's own flags, in matmul_x86.c for AVX2 and AVX-512); the first call picks
 * the widest one the CPU has and sizes the blocks from the caches it reports, so one binary built
 * for plain x86-64 is as fast as one built with -march=native.
 * What it leaves out: intrinsics or assembly (the plain C kernel runs at 0.9-1.0x OpenBLAS's
 * AVX2 kernel: see bench/bench_matmul.c), and any precision other than float32.
 */
#include "matmul.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef USE_OPENBLAS
#include <cblas.h>
#endif

#include "matmul_internal.h"
#include "platform.h"
#include "util.h"

/* "#pragma X" only when compiled with OpenMP: gcc -Wall warns about every ignored omp pragma. */
#ifdef _OPENMP
#define OMP(x) _Pragma(#x)
#else
#define OMP(x)
#endif

/* ---- argument checks, shared by every backend --------------------------------------------- */
static void check_args(const char *fn, int transA, int transB, int M, int N, int K, int lda,
                       int ldb, int ldc) {
    if (M < 0 || N < 0 || K < 0) die("%s: negative size M=%d N=%d K=%d", fn, M, N, K);
    /* BLAS's rule: a leading dimension is at least the stored row length, and at least 1 */
    int a_cols = transA ? M : K, b_cols = transB ? K : N;
    if (lda < (a_cols > 1 ? a_cols : 1))
        die("%s: lda=%d is less than the %d columns of A as stored (transA=%d)", fn, lda, a_cols,
            transA);
    if (ldb < (b_cols > 1 ? b_cols : 1))
        die("%s: ldb=%d is less than the %d columns of B as stored (transB=%d)", fn, ldb, b_cols,
            transB);
    if (ldc < (N > 1 ? N : 1)) die("%s: ldc=%d is less than N=%d", fn, ldc, N);
}

/* C = beta * C, the whole result when alpha == 0 or K == 0. beta == 0 writes zeros, so garbage
 * (NaN) in C does not survive. */
static void scale_c(int M, int N, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++) {
        float *c = C + (ptrdiff_t)i * ldc;
        for (int j = 0; j < N; j++) c[j] = beta == 0.0f ? 0.0f : beta * c[j];
    }
}

/* ---- the reference -------------------------------------------------------------------------- */
void matmul_naive(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                  const float *B, int ldb, float beta, float *C, int ldc) {
    check_args("matmul_naive", transA, transB, M, N, K, lda, ldb, ldc);
    if (alpha == 0.0f || K == 0) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            float sum = 0.0f;
            for (int p = 0; p < K; p++) {
                float a = transA ? A[(ptrdiff_t)p * lda + i] : A[(ptrdiff_t)i * lda + p];
                float b = transB ? B[(ptrdiff_t)j * ldb + p] : B[(ptrdiff_t)p * ldb + j];
                sum += a * b;
            }
            float *c = &C[(ptrdiff_t)i * ldc + j];
            *c = beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
        }
    }
}

/* ---- the default micro-kernel -------------------------------------------------------------- */
/* matmul_kernel.h holds the packing and the micro-kernel, written once; here it is compiled for
 * whatever the build targets (plain x86-64 = SSE2, or -march=native, or another architecture);
 * matmul_x86.c compiles the same C again for AVX2 and AVX-512, and choose_kernel() below takes
 * the widest the CPU has. The accumulators (MR*NR floats) must fit in the vector registers with
 * room for one row of B and a broadcast of A: 16 registers of 4 floats (SSE, NEON): 6x8, 12
 * accumulators; with AVX2 or AVX-512 in the build flags, the tiles of matmul_x86.c. */
#if defined(__AVX512F__)
#define MK_MR 12
#define MK_NR 32
#elif defined(__AVX__)
#define MK_MR 4
#define MK_NR 24
#else
#define MK_MR 6
#define MK_NR 8
#endif
#define MK_NAME(x) x##_default
#define MK_TARGET
#if defined(__FP_FAST_FMAF) || defined(__FMA__) || defined(__aarch64__)
#define MK_FMA 1
#else
#define MK_FMA 0
#endif
#include "matmul_kernel.h"

static const MatmulKernel kernel_generic = {"generic", MK_MR, MK_NR, pack_a_default,
                                            pack_b_default, kernel_default};

/* Below this many multiply-adds (M*N*K) a parallel region costs more than it saves. */
#define PARALLEL_MIN_WORK (64LL * 64 * 64)

static int min_int(int a, int b) { return a < b ? a : b; }
static int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* ---- choosing the kernel and the blocks ------------------------------------------------------ */
/* Once per process: the widest kernel the CPU runs (or the one NLP_ISA names: generic, avx2,
 * avx512, for tests and benchmarks), and cache blocks sized from the caches it reports:
 *   KC: depth of one packed block, so that one KC x NR sliver of B fills about 3/4 of L1 (256 for
 *       AVX2's 4x24 tile in 32 KiB: measured best of 128-384 on a Zen 2 with bench_matmul);
 *   MC: rows of A packed at once, an MC x KC block taking about half of L2;
 *   NC: columns of B packed at once, a KC x NC block taking about half the last-level cache's
 *       share of one core (the block is shared by the threads, the cache by the cores). */
typedef struct {
    const MatmulKernel *k;
    int mc, kc, nc;
} Blocking;
static Blocking blocking;
static pthread_once_t blocking_once = PTHREAD_ONCE_INIT;

static const MatmulKernel *kernel_named(const char *isa) {
    const CpuFeatures *f = cpu_features();
    if (strcmp(isa, "generic") == 0) return &kernel_generic;
    if (strcmp(isa, "avx2") == 0) return f->avx2_fma ? matmul_kernel_avx2() : NULL;
    if (strcmp(isa, "avx512") == 0) return f->avx512 ? matmul_kernel_avx512() : NULL;
    return NULL;
}

static int clamp_int(long v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : (int)v; }

static void set_blocking(const MatmulKernel *k) {
    size_t l1 = cpu_cache_bytes(1), l2 = cpu_cache_bytes(2), l3 = cpu_cache_bytes(3);
    if (l1 == 0) l1 = 32 << 10; /* what nearly every x86-64 and ARM core of the last decade has */
    if (l2 == 0) l2 = 512 << 10;
    if (l3 == 0) l3 = 8 << 20;
    int cores = num_threads() > 0 ? num_threads() : 1;
    long kc = (long)(l1 * 3 / 4 / (sizeof(float) * (size_t)k->nr));
    kc = clamp_int(kc / 16 * 16, 64, 512);
    long mc = (long)(l2 / 2 / (sizeof(float) * (size_t)kc));
    mc = clamp_int(mc / k->mr * k->mr, k->mr, 64 * k->mr);
    long nc = (long)(l3 / (size_t)cores / 2 / (sizeof(float) * (size_t)kc));
    nc = clamp_int(nc / k->nr * k->nr, 8 * k->nr, 1024 * k->nr);
    blocking = (Blocking){k, (int)mc, (int)kc, (int)nc};
}

static void choose_kernel(void) {
    const char *want = getenv("NLP_ISA");
    const MatmulKernel *k = NULL;
    if (want && *want) {
        k = kernel_named(want);
        if (!k)
            die("NLP_ISA=%s: not an instruction set this CPU (%s) runs; the choices are generic, "
                "avx2, avx512 (this one runs: %s)",
                want, cpu_model_name(), matmul_isa_list());
    } else {
        k = kernel_named("avx512");
        if (!k) k = kernel_named("avx2");
        if (!k) k = &kernel_generic;
    }
    set_blocking(k);
}

static const Blocking *get_blocking(void) {
    pthread_once(&blocking_once, choose_kernel);
    return &blocking;
}

const char *matmul_isa(void) { return get_blocking()->k->isa; }

const char *matmul_isa_list(void) {
    static char list[64];
    snprintf(list, sizeof list, "generic%s%s", kernel_named("avx2") ? " avx2" : "",
             kernel_named("avx512") ? " avx512" : "");
    return list;
}

int matmul_set_isa(const char *isa) {
    get_blocking(); /* so that a later first call does not undo this */
    const MatmulKernel *k = kernel_named(isa);
    if (!k) return -1;
    set_blocking(k);
    return 0;
}

void matmul_fast_blocking(int *mr, int *nr, int *mc, int *kc, int *nc) {
    const Blocking *b = get_blocking();
    *mr = b->k->mr, *nr = b->k->nr, *mc = b->mc, *kc = b->kc, *nc = b->nc;
}

/* ---- the blocked driver --------------------------------------------------------------------- */
/* The packing buffers live as long as the thread that uses them and only grow: the models call
 * matmul thousands of times a second with the same shapes, and a fresh aligned_alloc per call
 * (page faults on every first touch) cost up to a tenth of a small multiply. */
static _Thread_local float *tls_a, *tls_b;
static _Thread_local size_t tls_a_cap, tls_b_cap;

static float *grow_buffer(float **buf, size_t *cap, size_t n) {
    if (n <= *cap) return *buf;
    size_t bytes = xmul(n, sizeof(float));
    bytes = (bytes + 63) / 64 * 64; /* aligned_alloc wants a multiple of the alignment */
    free(*buf);
    *buf = aligned_alloc(64, bytes);
    if (!*buf) die("matmul_fast: out of memory allocating a %zu-byte packing buffer", bytes);
    *cap = bytes / sizeof(float);
    return *buf;
}

void matmul_fast(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc) {
    check_args("matmul_fast", transA, transB, M, N, K, lda, ldb, ldc);
    if (M == 0 || N == 0) return;
    if (alpha == 0.0f || K == 0) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    const Blocking *bl = get_blocking();
    const MatmulKernel *k = bl->k;
    const int MR = k->mr, NR = k->nr, KC = bl->kc, NC = bl->nc;
    /* Row blocks of (nearly) equal height, a multiple of MR, at most MC. */
    int mblocks = ceil_div(M, bl->mc);
    int mc_step = ceil_div(ceil_div(M, mblocks), MR) * MR;
    mblocks = ceil_div(M, mc_step);
    int nc_max = min_int(N, NC), kc_max = min_int(K, KC);
    /* B's block is shared by the threads of this call: the calling thread's buffer */
    float *Bp = grow_buffer(&tls_b, &tls_b_cap,
                            (size_t)kc_max * (size_t)(ceil_div(nc_max, NR) * NR));

    OMP(omp parallel if ((long long)M * N * K >= PARALLEL_MIN_WORK))
    {
        int nthreads = 1;
#ifdef _OPENMP
        nthreads = omp_get_num_threads();
#endif
        float *Ap = grow_buffer(&tls_a, &tls_a_cap, (size_t)mc_step * (size_t)kc_max);
        for (int jc = 0; jc < N; jc += NC) {
            int nc = min_int(NC, N - jc);
            int npanels = ceil_div(nc, NR);
            /* Too few row blocks to keep every thread busy: also split the columns. Each piece
             * packs its own copy of the A block, a small cost next to its multiply. */
            int nsplit = mblocks >= nthreads ? 1 : min_int(ceil_div(nthreads, mblocks), npanels);
            for (int pc = 0; pc < K; pc += KC) {
                int kc = min_int(KC, K - pc);
                /* Only the first depth block applies beta; the later ones add to it. */
                float beta_block = pc == 0 ? beta : 1.0f;
                OMP(omp for schedule(static))
                for (int q = 0; q < npanels; q++)
                    k->pack_b(transB, B, ldb, pc, jc + q * NR, kc, min_int(NR, nc - q * NR),
                              Bp + (ptrdiff_t)q * NR * kc);
                /* (the implicit barrier: Bp is complete before anyone reads it) */
                OMP(omp for schedule(dynamic, 1))
                for (int item = 0; item < mblocks * nsplit; item++) {
                    int ic = (item / nsplit) * mc_step, piece = item % nsplit;
                    int mc = min_int(mc_step, M - ic);
                    int q0 = (int)((long)npanels * piece / nsplit);
                    int q1 = (int)((long)npanels * (piece + 1) / nsplit);
                    k->pack_a(transA, A, lda, ic, pc, mc, kc, Ap);
                    for (int q = q0; q < q1; q++) {
                        int jr = q * NR, nr = min_int(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR)
                            k->kernel(kc, Ap + (ptrdiff_t)ir * kc, Bp + (ptrdiff_t)jr * kc,
                                      C + (ptrdiff_t)(ic + ir) * ldc + jc + jr, ldc,
                                      min_int(MR, mc - ir), nr, alpha, beta_block);
                    }
                }
                /* (the implicit barrier: nobody still reads Bp when the next block is packed) */
            }
        }
    }
}

/* ---- the dispatcher ------------------------------------------------------------------------- */
void matmul(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
            const float *B, int ldb, float beta, float *C, int ldc) {
#ifdef USE_OPENBLAS
    check_args("matmul", transA, transB, M, N, K, lda, ldb, ldc);
#ifdef _OPENMP
    /* Inside a parallel region (attention's per-head products: one per thread at a time) the
     * threads are already busy, and Debian's OpenBLAS (its pthreads build) would start threads of
     * its own on top of OpenMP's: there the project's kernel runs, on the calling thread alone. */
    if (omp_in_parallel()) {
        matmul_fast(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#endif
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    matmul_fast(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

const char *matmul_backend(void) {
#ifdef USE_OPENBLAS
    return "openblas";
#else
    return "own";
#endif
}

/* ---- nn.Linear ------------------------------------------------------------------------------ */
void linear_forward(float *out, const float *inp, const float *weight, const float *bias, int N,
                    int C, int OC) {
    /* out starts as the bias on every row, then beta = 1 adds the product to it. */
    if (bias) {
        OMP(omp parallel for schedule(static) if ((long long)N * OC >= 65536))
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) out[(ptrdiff_t)n * OC + o] = bias[o];
    }
    /* out (N,OC) = inp (N,C) @ weight^T, weight stored (OC,C) = transB */
    matmul(0, 1, N, OC, C, 1.0f, inp, C, weight, C, bias ? 1.0f : 0.0f, out, OC);
}

void linear_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int N, int C, int OC) {
    /* dinp (N,C) += dout (N,OC) @ weight (OC,C) */
    if (dinp) matmul(0, 0, N, C, OC, 1.0f, dout, OC, weight, C, 1.0f, dinp, C);
    /* dweight (OC,C) += dout^T (OC,N) @ inp (N,C); dout is stored (N,OC) = transA */
    if (dweight) matmul(1, 0, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f, dweight, C);
    if (dbias) {
        /* Threads own separate chunks of dbias; within a chunk rows are read contiguously. */
        enum { CHUNK = 64 };
        int nchunks = ceil_div(OC, CHUNK);
        OMP(omp parallel for schedule(static) if ((long long)N * OC >= 65536))
        for (int ch = 0; ch < nchunks; ch++) {
            int o0 = ch * CHUNK, o1 = min_int(OC, o0 + CHUNK);
            for (int n = 0; n < N; n++) {
                const float *row = dout + (ptrdiff_t)n * OC;
                for (int o = o0; o < o1; o++) dbias[o] += row[o];
            }
        }
    }
}
