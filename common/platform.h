/* platform.h - the one place for what differs between systems: clocks, memory use, threads, and
 * what the processor can do (instruction sets, cache sizes). Everything else in the project is
 * plain C11 + POSIX. */
#ifndef COMMON_PLATFORM_H
#define COMMON_PLATFORM_H

#include <stddef.h>

/* Seconds from an arbitrary fixed point, monotonic (for timing, never for dates). */
double now_seconds(void);
/* Peak resident memory of this process so far, in bytes (0 if the system cannot tell). */
size_t peak_rss_bytes(void);
/* Threads OpenMP will use (1 in a build without OpenMP). Set with OMP_NUM_THREADS or below. */
int num_threads(void);
void set_num_threads(int n);

/* The absolute path of the running program (Linux: /proc/self/exe; macOS: _NSGetExecutablePath)
 * into buf[0..n). Returns 0, or -1 where the system cannot tell. */
int program_path(char *buf, size_t n);

/* ---- the processor ------------------------------------------------------------------------- */
/* What the CPU and the operating system together support, read once with cpuid/xgetbv on x86-64
 * (all zero elsewhere). AVX2 and AVX-512 also need the OS to save the wide registers (XCR0). */
typedef struct {
    int avx2_fma;    /* AVX2 + FMA3 (Haswell, Zen 1 and later) */
    int avx512;      /* AVX-512 F, BW, DQ, VL (Skylake-SP, Zen 4 and later) */
    int avx512_bf16; /* vdpbf16ps (Cooper Lake, Sapphire Rapids, Zen 4) */
    int amx_bf16;    /* AMX tiles with bf16 (Sapphire Rapids); using them needs arch_prctl first */
} CpuFeatures;
const CpuFeatures *cpu_features(void);
/* The CPU's model name, as lscpu prints it ("AMD EPYC 7B13", ...), or "unknown". */
const char *cpu_model_name(void);
/* Data cache size in bytes: level 1 and 2 for one core, level 3 for the whole chip; from sysconf,
 * else cpuid; 0 when neither tells. */
size_t cpu_cache_bytes(int level);

#endif
