/* matmul_kernel.h - the packing routines and the micro-kernel of matmul_fast for one tile size,
 * written once in plain C and compiled once per instruction set (see matmul.c and matmul_x86.c).
 *
 * This is a template: the file that includes it first defines
 *   MK_MR, MK_NR    the tile of C the micro-kernel keeps in registers (rows x columns)
 *   MK_NAME(x)      the name of each function for this instance, e.g. x##_avx2
 *   MK_TARGET       a function attribute naming the instruction set (empty for the default one)
 *   MK_FMA          1 when that instruction set has fused multiply-add
 * and gets three static functions, MK_NAME(pack_a), MK_NAME(pack_b) and MK_NAME(kernel), with the
 * signatures of MatmulKernel (matmul_internal.h). The C is the same for every instance: only the
 * compiler's target changes, so the plain version the tests compare against is the fast one.
 */

/* Fused multiply-add where the target has it: one rounding, one instruction. (gcc in ISO C mode
 * never fuses a*b+c by itself, which would halve the kernel's speed; fmaf becomes vfmadd inside a
 * function whose target has FMA, and would be a slow library call where it has not.) */
#if MK_FMA
#define MK_MADD(a, b, c) fmaf((a), (b), (c))
#else
#define MK_MADD(a, b, c) ((a) * (b) + (c))
#endif
#if defined(__GNUC__) || defined(__clang__)
#define MK_UNROLL _Pragma("GCC unroll 16")
#define MK_NOINLINE __attribute__((noinline))
#else
#define MK_UNROLL
#define MK_NOINLINE
#endif

/* Rows [i0, i0+mc) and depth [p0, p0+kc) of op(A), as ceil(mc/MR) panels one after another; panel
 * r holds element (row r*MR+i, depth p) at [p*MR + i]. Rows past mc are zero. */
MK_TARGET static void MK_NAME(pack_a)(int transA, const float *A, int lda, int i0, int p0, int mc,
                                       int kc, float *restrict Ap) {
    for (int ir = 0; ir < mc; ir += MK_MR) {
        int mr = mc - ir < MK_MR ? mc - ir : MK_MR;
        float *dst = Ap + (ptrdiff_t)ir * kc;
        if (!transA) { /* A(i,p) = A[i*lda + p]: read along rows */
            for (int i = 0; i < mr; i++) {
                const float *src = A + (ptrdiff_t)(i0 + ir + i) * lda + p0;
                for (int p = 0; p < kc; p++) dst[p * MK_MR + i] = src[p];
            }
            for (int i = mr; i < MK_MR; i++)
                for (int p = 0; p < kc; p++) dst[p * MK_MR + i] = 0.0f;
        } else { /* A(i,p) = A[p*lda + i] */
            for (int p = 0; p < kc; p++) {
                const float *src = A + (ptrdiff_t)(p0 + p) * lda + i0 + ir;
                for (int i = 0; i < mr; i++) dst[p * MK_MR + i] = src[i];
                for (int i = mr; i < MK_MR; i++) dst[p * MK_MR + i] = 0.0f;
            }
        }
    }
}

/* Columns [j0, j0+nr) and depth [p0, p0+kc) of op(B) as one panel: element (depth p, column j)
 * at [p*NR + j]. Columns nr..NR-1 are zero. */
MK_TARGET static void MK_NAME(pack_b)(int transB, const float *B, int ldb, int p0, int j0, int kc,
                                       int nr, float *restrict dst) {
    if (!transB) { /* B(p,j) = B[p*ldb + j] */
        for (int p = 0; p < kc; p++) {
            const float *src = B + (ptrdiff_t)(p0 + p) * ldb + j0;
            if (nr == MK_NR) /* constant bounds: one vector copy */
                for (int j = 0; j < MK_NR; j++) dst[p * MK_NR + j] = src[j];
            else {
                for (int j = 0; j < nr; j++) dst[p * MK_NR + j] = src[j];
                for (int j = nr; j < MK_NR; j++) dst[p * MK_NR + j] = 0.0f;
            }
        }
    } else { /* B(p,j) = B[j*ldb + p] */
        for (int j = 0; j < nr; j++) {
            const float *src = B + (ptrdiff_t)(j0 + j) * ldb + p0;
            for (int p = 0; p < kc; p++) dst[p * MK_NR + j] = src[p];
        }
        for (int j = nr; j < MK_NR; j++)
            for (int p = 0; p < kc; p++) dst[p * MK_NR + j] = 0.0f;
    }
}

/* c (mr x nr, row stride ldc) = alpha * a_panel (MR x kc) @ b_panel (kc x NR) + beta * c, with
 * only the top-left mr x nr of the full tile stored. The accumulator array has constant bounds
 * and the row loop is unrolled, so the compiler keeps it in MR*NR/VEC vector registers and turns
 * the j loop into vector FMAs with one broadcast of a[i]: per step of p, NR/VEC loads of B and
 * MR broadcasts of A feed MR*NR/VEC multiply-adds. (Kept a function of its own: inlined into the
 * OpenMP region, clang 14 stops keeping the accumulators in registers.) */
MK_TARGET MK_NOINLINE static void MK_NAME(kernel)(int kc, const float *restrict a,
                                                   const float *restrict b, float *restrict c,
                                                   ptrdiff_t ldc, int mr, int nr, float alpha,
                                                   float beta) {
    float acc[MK_MR][MK_NR] = {{0.0f}};
    for (int p = 0; p < kc; p++) {
        MK_UNROLL
        for (int i = 0; i < MK_MR; i++) {
            float ai = a[i];
            for (int j = 0; j < MK_NR; j++) acc[i][j] = MK_MADD(ai, b[j], acc[i][j]);
        }
        a += MK_MR;
        b += MK_NR;
    }
    if (mr == MK_MR && nr == MK_NR) { /* the common case, with constant bounds so it vectorises */
        for (int i = 0; i < MK_MR; i++) {
            float *ci = c + i * ldc;
            if (beta == 0.0f)
                for (int j = 0; j < MK_NR; j++) ci[j] = alpha * acc[i][j];
            else
                for (int j = 0; j < MK_NR; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];
        }
    } else {
        for (int i = 0; i < mr; i++) {
            float *ci = c + i * ldc;
            for (int j = 0; j < nr; j++)
                ci[j] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * ci[j];
        }
    }
}

#undef MK_MADD
#undef MK_UNROLL
#undef MK_NOINLINE
