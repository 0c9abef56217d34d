/* matmul.h - single-precision matrix multiply (the one hot spot of every model here) and the
 * nn.Linear layer built on it.
 *
 * All matrices are row-major float32, with the BLAS sgemm argument convention so that the
 * OpenBLAS backend is a 1:1 call to cblas_sgemm(CblasRowMajor, ...):
 *
 *     C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C[M,N]
 *
 *   op(A) = A   (transA == 0): A is stored (M,K), row i at A + i*lda, lda >= K
 *   op(A) = A^T (transA != 0): A is stored (K,M), lda >= M
 *   op(B) = B   (transB == 0): B is stored (K,N), ldb >= N
 *   op(B) = B^T (transB != 0): B is stored (N,K), ldb >= K
 *   C is stored (M,N), ldc >= N.
 *
 * As in BLAS: beta == 0 overwrites C (whatever it held, NaN included, is never read) and
 * alpha == 0 (or K == 0) does not read A or B. Bad sizes or leading dimensions are programming
 * errors: die() names the argument.
 *
 * Three implementations, same arguments:
 *   matmul_naive - the plain triple loop; the reference the tests compare against.
 *   matmul_fast  - cache-blocked, packed panels, a register-blocked micro-kernel in plain C that
 *                  the compiler vectorises, for the instruction set the CPU has (chosen at run
 *                  time); OpenMP over independent blocks of C. Each element of C is summed in the
 *                  same order whatever the thread count, so results do not depend on
 *                  OMP_NUM_THREADS (they do depend on the kernel and the cache sizes).
 *   matmul       - what the models call: matmul_fast, or cblas_sgemm when compiled -DUSE_OPENBLAS
 *                  (make BLAS=openblas).
 */
#ifndef COMMON_MATMUL_H
#define COMMON_MATMUL_H

/* C (M,N) = alpha * op(A) (M,K) @ op(B) (K,N) + beta * C, op and the storage as described above */
void matmul_naive(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                  const float *B, int ldb, float beta, float *C, int ldc);
void matmul_fast(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc);
void matmul(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
            const float *B, int ldb, float beta, float *C, int ldc);

/* "own" or "openblas": which implementation matmul() uses. */
const char *matmul_backend(void);

/* The instruction set of matmul_fast's micro-kernel, chosen on the first call: the widest the CPU
 * runs ("avx512", "avx2"), else "generic" (the kernel compiled for the build's own flags: SSE2 on
 * plain x86-64, NEON on arm64, whatever -march=native gives). The environment variable
 * NLP_ISA=generic|avx2|avx512 forces one (a program dies with a message if the CPU lacks it). */
const char *matmul_isa(void);
/* The instruction sets this CPU can run, space separated ("generic avx2"). */
const char *matmul_isa_list(void);
/* Switch to another kernel (tests: every path in turn); -1 if the CPU cannot run it. Not while
 * another thread multiplies. */
int matmul_set_isa(const char *isa);

/* matmul_fast's blocking for the kernel in use: the micro-kernel tile mr x nr (of C, kept in
 * registers) and the cache blocks mc (rows of A), kc (depth), nc (columns of B), sized from the
 * CPU's caches. For the benchmark's print-out and the tests' boundary sizes. */
void matmul_fast_blocking(int *mr, int *nr, int *mc, int *kc, int *nc);

/* nn.Linear, PyTorch's layout: weight is (OC, C), bias is (OC) or NULL.
 * out (N,OC) = inp (N,C) @ weight^T + bias */
void linear_forward(float *out, const float *inp, const float *weight, const float *bias, int N,
                    int C, int OC);
/* Gradients of linear_forward, ACCUMULATED (+=) into dinp (N,C), dweight (OC,C), dbias (OC);
 * any of the three may be NULL to skip it. dout is (N,OC), inp (N,C), weight (OC,C).
 *   dinp    += dout @ weight
 *   dweight += dout^T @ inp
 *   dbias   += sum over rows of dout */
void linear_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                     const float *weight, int N, int C, int OC);

#endif
