/* platform.h - the one place for what differs between systems: clocks, memory use, threads.
 * Everything else in the project is plain C11 + POSIX. */
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

#endif
