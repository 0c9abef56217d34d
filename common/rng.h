/* rng.h - the project's own seeded random generator (SplitMix64), so that a seed gives the same
 * run on every machine and every C library (rand() differs between systems).
 *
 * One Rng per thread: the generator is a single 64-bit state, cheap to copy; threads get their own
 * with rng_seed(&r, seed + thread_id) rather than sharing one (sharing would race and make runs
 * irreproducible). */
#ifndef COMMON_RNG_H
#define COMMON_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t state;
} Rng;

void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_u64(Rng *r);
uint32_t rng_u32(Rng *r);
/* Uniform in [0, 1), 24 random bits (every float value equally spaced). */
float rng_uniform(Rng *r);
/* Uniform integer in [0, n), without modulo bias. n must be > 0. */
uint64_t rng_below(Rng *r, uint64_t n);
/* Standard normal N(0, 1) (Box-Muller). */
float rng_normal(Rng *r);
void rng_fill_uniform(Rng *r, float *x, size_t n, float lo, float hi);
void rng_fill_normal(Rng *r, float *x, size_t n, float mean, float std);
/* Fisher-Yates shuffle of an int array. */
void rng_shuffle(Rng *r, int *a, size_t n);
/* Draw an index from non-negative weights w[0..n-1] (need not sum to 1). Returns n-1 if all are 0. */
int rng_sample(Rng *r, const float *w, int n);

#endif
