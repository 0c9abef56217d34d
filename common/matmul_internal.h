/* matmul_internal.h - what matmul.c's blocked driver needs from a micro-kernel, so that one driver
 * runs the kernel compiled for whichever instruction set the CPU has (matmul_x86.c). Not part of
 * the API: the models call matmul() (matmul.h). */
#ifndef COMMON_MATMUL_INTERNAL_H
#define COMMON_MATMUL_INTERNAL_H

#include <stddef.h>

typedef struct {
    const char *isa; /* "generic", "avx2", "avx512" */
    int mr, nr;      /* the tile of C kept in registers */
    /* pack rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into MR-row panels */
    void (*pack_a)(int transA, const float *A, int lda, int i0, int p0, int mc, int kc,
                   float *restrict Ap);
    /* pack depth [p0, p0+kc) x columns [j0, j0+nr) of op(B) into one NR-column panel */
    void (*pack_b)(int transB, const float *B, int ldb, int p0, int j0, int kc, int nr,
                   float *restrict dst);
    /* c (mr x nr) = alpha * a_panel @ b_panel + beta * c */
    void (*kernel)(int kc, const float *restrict a, const float *restrict b, float *restrict c,
                   ptrdiff_t ldc, int mr, int nr, float alpha, float beta);
} MatmulKernel;

/* The x86-64 instances (matmul_x86.c); NULL on other machines or compilers. */
const MatmulKernel *matmul_kernel_avx2(void);
const MatmulKernel *matmul_kernel_avx512(void);

#endif
