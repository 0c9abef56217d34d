/* matmul_x86.c - matmul_kernel.h's plain C compiled for AVX2 + FMA and for AVX-512, beside the
 * default build, so that one binary (built for plain x86-64, or with -march=native anywhere) uses
 * the widest vectors the CPU it runs on has. matmul.c picks one at run time (cpu_features()).
 *
 * Tile sizes (measured with bench/bench_matmul.c): AVX2 has 16 vector registers of 8 floats, so
 * 4x24 (12 accumulators, 3 loads of B and 4 broadcasts of A per step); AVX-512 has 32 of 16
 * floats, so 12x32 (24 accumulators). gcc's tuning for some AMD models (znver1, which KVM guests
 * often report) prefers 128-bit vectors, which halves the kernel: the target asks for full width.
 */
#include "matmul_internal.h"

#include <math.h>
#include <stddef.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#if defined(__clang__)
#define TARGET_AVX2 __attribute__((target("avx2,fma")))
#define TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#else
#define TARGET_AVX2 __attribute__((target("avx2,fma,prefer-vector-width=256")))
#define TARGET_AVX512                                                                          \
    __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,prefer-vector-width=512")))
#endif

#define MK_MR 4
#define MK_NR 24
#define MK_NAME(x) x##_avx2
#define MK_TARGET TARGET_AVX2
#define MK_FMA 1
#include "matmul_kernel.h"
#undef MK_MR
#undef MK_NR
#undef MK_NAME
#undef MK_TARGET
#undef MK_FMA

#define MK_MR 12
#define MK_NR 32
#define MK_NAME(x) x##_avx512
#define MK_TARGET TARGET_AVX512
#define MK_FMA 1
#include "matmul_kernel.h"
#undef MK_MR
#undef MK_NR
#undef MK_NAME
#undef MK_TARGET
#undef MK_FMA

const MatmulKernel *matmul_kernel_avx2(void) {
    static const MatmulKernel k = {"avx2", 4, 24, pack_a_avx2, pack_b_avx2, kernel_avx2};
    return &k;
}
const MatmulKernel *matmul_kernel_avx512(void) {
    static const MatmulKernel k = {"avx512", 12, 32, pack_a_avx512, pack_b_avx512, kernel_avx512};
    return &k;
}

#else
const MatmulKernel *matmul_kernel_avx2(void) { return NULL; }
const MatmulKernel *matmul_kernel_avx512(void) { return NULL; }
#endif
