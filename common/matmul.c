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
 * What it leaves out: intrinsics or assembly (the plain C kernel already runs at 90-100% of
 * OpenBLAS's AVX2 kernel when built for AVX2, and about 1.8x that with AVX-512: see
 * bench/bench_matmul.c), run-time CPU dispatch (the tile is fixed at compile time by the -march
 * flags), and any precision other than float32.
 */
#include "matmul.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef USE_OPENBLAS
#include <cblas.h>
#endif

#include "util.h"

/* "#pragma X" only when compiled with OpenMP: gcc -Wall warns about every ignored omp pragma. */
#ifdef _OPENMP
#define OMP(x) _Pragma(#x)
#else
#define OMP(x)
#endif

/* ---- tile and block sizes ------------------------------------------------------------------- */
/* The micro-kernel's accumulators (MR*NR floats) must fit in the vector registers with room for
 * the NR/VEC vectors of one row of B and a broadcast of A: AVX-512 has 32 registers of 16 floats
 * (12x32 tile: 24 accumulators), AVX2 16 registers of 8 floats (4x24: 12 accumulators; the
 * textbook 6x16 measured half as fast here, gcc and clang both spill with it), SSE/NEON 16+
 * registers of 4 floats (6x8: 12 accumulators). Measured with bench/bench_matmul.c. */
#if defined(__AVX512F__)
#define MR_DEFAULT 12
#define NR_DEFAULT 32
#elif defined(__AVX__)
#define MR_DEFAULT 4
#define NR_DEFAULT 24
#else
#define MR_DEFAULT 6
#define NR_DEFAULT 8
#endif
/* -DMATMUL_MR=... etc. override them (used to tune; see bench/bench_matmul.c). */
#ifdef MATMUL_MR
#define MR MATMUL_MR
#else
#define MR MR_DEFAULT
#endif
#ifdef MATMUL_NR
#define NR MATMUL_NR
#else
#define NR NR_DEFAULT
#endif
/* KC: depth of one packed block; KC*NR floats of B (32 KiB for 256x32) stay in L1.
 * MC: rows of A packed at once; MC*KC floats (96 KiB for 96x256) stay in L2.
 * NC: columns of B packed at once; KC*NC floats (4 MiB) in the last-level cache. */
#ifndef MATMUL_KC
#define MATMUL_KC 256
#endif
#ifndef MATMUL_MC
#define MATMUL_MC 96
#endif
#ifndef MATMUL_NC
#define MATMUL_NC 4096
#endif
#define KC MATMUL_KC
#define MC_MAX (((MATMUL_MC + MR - 1) / MR) * MR)
#define NC (((MATMUL_NC + NR - 1) / NR) * NR)
/* Below this many multiply-adds (M*N*K) a parallel region costs more than it saves. */
#define PARALLEL_MIN_WORK (64LL * 64 * 64)

/* MR <= 16: the kernel's row loop is unrolled with "GCC unroll 16" below */
_Static_assert(MR >= 1 && MR <= 16 && NR >= 1 && KC >= 1, "tile sizes out of range");

/* Fused multiply-add where the hardware has one: gcc in ISO C mode (-std=c11) never contracts
 * a*b+c into an FMA by itself (-ffp-contract=off), which would halve the kernel's speed; it says
 * fmaf is a single instruction by defining __FP_FAST_FMAF. (clang does not define it, but fuses
 * a*b+c within one expression by default.) An FMA rounds once, so it is at least as accurate. */
#if defined(__FP_FAST_FMAF)
#define MADD(a, b, c) fmaf((a), (b), (c))
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif

/* Unroll the kernel's row loop completely. Without it gcc 12 sometimes interchanges the row and
 * depth loops, and the accumulators go back to memory on every step. */
#if defined(__GNUC__)
#define UNROLL_ROWS _Pragma("GCC unroll 16")
#else
#define UNROLL_ROWS
#endif

/* Keep the micro-kernel a function of its own: inlined into the OpenMP region, clang 14 stops
 * keeping the accumulators in registers. The call costs nothing next to its KC-deep loop. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

static int min_int(int a, int b) { return a < b ? a : b; }
static int ceil_div(int a, int b) { return (a + b - 1) / b; }

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

/* ---- packing -------------------------------------------------------------------------------- */
/* Rows [i0, i0+mc) and depth [p0, p0+kc) of op(A), as ceil(mc/MR) panels one after another; panel
 * r holds element (row r*MR+i, depth p) at [p*MR + i]. Rows past mc are zero. */
static void pack_A(int transA, const float *A, int lda, int i0, int p0, int mc, int kc,
                   float *restrict Ap) {
    for (int ir = 0; ir < mc; ir += MR) {
        int mr = min_int(MR, mc - ir);
        float *dst = Ap + (ptrdiff_t)ir * kc;
        if (!transA) { /* A(i,p) = A[i*lda + p]: read along rows */
            for (int i = 0; i < mr; i++) {
                const float *src = A + (ptrdiff_t)(i0 + ir + i) * lda + p0;
                for (int p = 0; p < kc; p++) dst[p * MR + i] = src[p];
            }
            for (int i = mr; i < MR; i++)
                for (int p = 0; p < kc; p++) dst[p * MR + i] = 0.0f;
        } else { /* A(i,p) = A[p*lda + i] */
            for (int p = 0; p < kc; p++) {
                const float *src = A + (ptrdiff_t)(p0 + p) * lda + i0 + ir;
                for (int i = 0; i < mr; i++) dst[p * MR + i] = src[i];
                for (int i = mr; i < MR; i++) dst[p * MR + i] = 0.0f;
            }
        }
    }
}

/* Columns [j0, j0+nr) and depth [p0, p0+kc) of op(B) as one panel: element (depth p, column j)
 * at [p*NR + j]. Columns nr..NR-1 are zero. */
static void pack_B_panel(int transB, const float *B, int ldb, int p0, int j0, int kc, int nr,
                         float *restrict dst) {
    if (!transB) { /* B(p,j) = B[p*ldb + j] */
        for (int p = 0; p < kc; p++) {
            const float *src = B + (ptrdiff_t)(p0 + p) * ldb + j0;
            for (int j = 0; j < nr; j++) dst[p * NR + j] = src[j];
            for (int j = nr; j < NR; j++) dst[p * NR + j] = 0.0f;
        }
    } else { /* B(p,j) = B[j*ldb + p] */
        for (int j = 0; j < nr; j++) {
            const float *src = B + (ptrdiff_t)(j0 + j) * ldb + p0;
            for (int p = 0; p < kc; p++) dst[p * NR + j] = src[p];
        }
        for (int j = nr; j < NR; j++)
            for (int p = 0; p < kc; p++) dst[p * NR + j] = 0.0f;
    }
}

/* ---- the micro-kernel ----------------------------------------------------------------------- */
/* c (mr x nr, row stride ldc) = alpha * a_panel (MR x kc) * b_panel (kc x NR) + beta * c, with
 * only the top-left mr x nr of the full tile stored. The accumulator array has constant bounds
 * and every loop over it is unrolled, so gcc and clang keep it in MR*NR/VEC vector registers and
 * turn the j loop into vector FMAs with one broadcast of a[i]. */
NOINLINE static void micro_kernel(int kc, const float *restrict a, const float *restrict b,
                                  float *restrict c, ptrdiff_t ldc, int mr, int nr, float alpha,
                                  float beta) {
    float acc[MR][NR] = {{0.0f}};
    for (int p = 0; p < kc; p++) {
        UNROLL_ROWS
        for (int i = 0; i < MR; i++) {
            float ai = a[i];
            for (int j = 0; j < NR; j++) acc[i][j] = MADD(ai, b[j], acc[i][j]);
        }
        a += MR;
        b += NR;
    }
    if (mr == MR && nr == NR) { /* the common case, with constant bounds so it vectorises */
        for (int i = 0; i < MR; i++) {
            float *ci = c + i * ldc;
            if (beta == 0.0f)
                for (int j = 0; j < NR; j++) ci[j] = alpha * acc[i][j];
            else
                for (int j = 0; j < NR; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];
        }
    } else {
        for (int i = 0; i < mr; i++) {
            float *ci = c + i * ldc;
            for (int j = 0; j < nr; j++)
                ci[j] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * ci[j];
        }
    }
}

/* ---- the blocked driver --------------------------------------------------------------------- */
static float *alloc_aligned_floats(size_t n) {
    size_t bytes = xmul(n, sizeof(float));
    bytes = (bytes + 63) / 64 * 64; /* aligned_alloc wants a multiple of the alignment */
    float *p = aligned_alloc(64, bytes ? bytes : 64);
    if (!p) die("matmul_fast: out of memory allocating a %zu-byte packing buffer", bytes);
    return p;
}

void matmul_fast(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc) {
    check_args("matmul_fast", transA, transB, M, N, K, lda, ldb, ldc);
    if (M == 0 || N == 0) return;
    if (alpha == 0.0f || K == 0) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    /* Row blocks of (nearly) equal height, a multiple of MR, at most MC_MAX. */
    int mblocks = ceil_div(M, MC_MAX);
    int mc_step = ceil_div(ceil_div(M, mblocks), MR) * MR;
    mblocks = ceil_div(M, mc_step);
    int nc_max = min_int(N, NC), kc_max = min_int(K, KC);
    float *Bp = alloc_aligned_floats((size_t)kc_max * (size_t)(ceil_div(nc_max, NR) * NR));

    OMP(omp parallel if ((long long)M * N * K >= PARALLEL_MIN_WORK))
    {
        int nthreads = 1;
#ifdef _OPENMP
        nthreads = omp_get_num_threads();
#endif
        float *Ap = alloc_aligned_floats((size_t)mc_step * (size_t)kc_max);
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
                    pack_B_panel(transB, B, ldb, pc, jc + q * NR, kc, min_int(NR, nc - q * NR),
                                 Bp + (ptrdiff_t)q * NR * kc);
                /* (the implicit barrier: Bp is complete before anyone reads it) */
                OMP(omp for schedule(dynamic, 1))
                for (int item = 0; item < mblocks * nsplit; item++) {
                    int ic = (item / nsplit) * mc_step, piece = item % nsplit;
                    int mc = min_int(mc_step, M - ic);
                    int q0 = (int)((long)npanels * piece / nsplit);
                    int q1 = (int)((long)npanels * (piece + 1) / nsplit);
                    pack_A(transA, A, lda, ic, pc, mc, kc, Ap);
                    for (int q = q0; q < q1; q++) {
                        int jr = q * NR, nr = min_int(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR)
                            micro_kernel(kc, Ap + (ptrdiff_t)ir * kc, Bp + (ptrdiff_t)jr * kc,
                                         C + (ptrdiff_t)(ic + ir) * ldc + jc + jr, ldc,
                                         min_int(MR, mc - ir), nr, alpha, beta_block);
                    }
                }
                /* (the implicit barrier: nobody still reads Bp when the next block is packed) */
            }
        }
        free(Ap);
    }
    free(Bp);
}

void matmul_fast_blocking(int *mr, int *nr, int *mc, int *kc, int *nc) {
    *mr = MR, *nr = NR, *mc = MC_MAX, *kc = KC, *nc = NC;
}

/* ---- the dispatcher ------------------------------------------------------------------------- */
void matmul(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
            const float *B, int ldb, float beta, float *C, int ldc) {
#ifdef USE_OPENBLAS
    check_args("matmul", transA, transB, M, N, K, lda, ldb, ldc);
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
