/* platform.c - see platform.h. */
#include "platform.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

size_t peak_rss_bytes(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
#ifdef __APPLE__
    return (size_t)ru.ru_maxrss; /* macOS reports bytes */
#else
    return (size_t)ru.ru_maxrss * 1024; /* Linux and the BSDs report KiB */
#endif
}

int num_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void set_num_threads(int n) {
#ifdef _OPENMP
    if (n > 0) omp_set_num_threads(n);
#else
    (void)n;
#endif
}

#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif
int program_path(char *buf, size_t n) {
    if (n == 0) return -1;
#if defined(__linux__)
    ssize_t k = readlink("/proc/self/exe", buf, n - 1);
    if (k <= 0 || (size_t)k >= n - 1) return -1;
    buf[k] = '\0';
    return 0;
#elif defined(__APPLE__)
    uint32_t size = (uint32_t)n;
    return _NSGetExecutablePath(buf, &size) == 0 ? 0 : -1;
#else
    (void)buf;
    return -1;
#endif
}

/* ---- the processor ------------------------------------------------------------------------- */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define HAVE_CPUID 1

static void cpuid(unsigned leaf, unsigned sub, unsigned r[4]) {
    if (!__get_cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3])) r[0] = r[1] = r[2] = r[3] = 0;
}

/* XCR0: which register states the operating system saves on a context switch. */
static unsigned long long xgetbv0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#endif

const CpuFeatures *cpu_features(void) {
    static CpuFeatures f;
    static int done;
    if (done) return &f; /* (a race here writes the same values twice: harmless) */
#ifdef HAVE_CPUID
    unsigned r1[4], r7[4], r7s1[4];
    cpuid(1, 0, r1);
    cpuid(7, 0, r7);
    cpuid(7, 1, r7s1);
    int osxsave = (r1[2] >> 27) & 1;
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    int os_avx = (xcr0 & 0x6) == 0x6;       /* SSE and AVX state */
    int os_avx512 = (xcr0 & 0xe6) == 0xe6;  /* ... and the opmask and upper ZMM state */
    int os_amx = (xcr0 & 0x60000) == 0x60000; /* tile config and tile data */
    int fma = (r1[2] >> 12) & 1, avx = (r1[2] >> 28) & 1, avx2 = (r7[1] >> 5) & 1;
    f.avx2_fma = os_avx && avx && avx2 && fma;
    int f512 = (r7[1] >> 16) & 1, dq = (r7[1] >> 17) & 1, bw = (r7[1] >> 30) & 1,
        vl = (r7[1] >> 31) & 1;
    f.avx512 = f.avx2_fma && os_avx512 && f512 && dq && bw && vl;
    f.avx512_bf16 = f.avx512 && ((r7s1[0] >> 5) & 1);
    f.amx_bf16 = f.avx512 && os_amx && ((r7[3] >> 22) & 1) && ((r7[3] >> 24) & 1);
#endif
    done = 1;
    return &f;
}

const char *cpu_model_name(void) {
    static char name[64];
    if (name[0]) return name;
    snprintf(name, sizeof name, "unknown");
#ifdef HAVE_CPUID
    unsigned r[4];
    cpuid(0x80000000u, 0, r);
    if (r[0] >= 0x80000004u) {
        char brand[49] = {0};
        for (unsigned i = 0; i < 3; i++) {
            cpuid(0x80000002u + i, 0, r);
            memcpy(brand + 16 * i, r, 16);
        }
        /* the brand string is padded with spaces (and sometimes starts with them) */
        char *s = brand, *e = brand + strlen(brand);
        while (*s == ' ') s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\0')) *--e = '\0';
        if (*s) snprintf(name, sizeof name, "%s", s);
    }
#endif
    return name;
}

size_t cpu_cache_bytes(int level) {
    long v = 0;
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE)
    v = sysconf(level == 1 ? _SC_LEVEL1_DCACHE_SIZE
                           : level == 2 ? _SC_LEVEL2_CACHE_SIZE : _SC_LEVEL3_CACHE_SIZE);
#endif
#ifdef HAVE_CPUID
    /* cpuid's deterministic cache parameters: leaf 4 (Intel), 0x8000001D (AMD) */
    if (v <= 0) {
        unsigned r[4], leaf = 4;
        cpuid(0, 0, r);
        if (r[1] == 0x68747541u) leaf = 0x8000001Du; /* "Auth"enticAMD */
        for (unsigned sub = 0; sub < 16; sub++) {
            cpuid(leaf, sub, r);
            unsigned type = r[0] & 31, lvl = (r[0] >> 5) & 7;
            if (type == 0) break;
            if (type == 2) continue; /* instruction cache */
            if ((int)lvl != level) continue;
            size_t ways = (r[1] >> 22) + 1, parts = ((r[1] >> 12) & 1023) + 1,
                   line = (r[1] & 4095) + 1, sets = (size_t)r[2] + 1;
            v = (long)(ways * parts * line * sets);
            break;
        }
    }
#endif
    return v > 0 ? (size_t)v : 0;
}
