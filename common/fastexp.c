/* fastexp.c - see fastexp.h.
 *
 * What makes these loops vectorise under the project's strict flags (no -ffast-math): no library
 * calls inside them (fmaxf, floorf and expf are calls, or "may trap", for gcc without
 * -fno-trapping-math), rounding by the 1.5 * 2^23 trick instead of floorf, the bit copies done
 * with memcpy, sums and maxima kept in 16 separate accumulators, and each row's work in small
 * functions of their own. gcc 12 and clang 14 both turn them into AVX-512 (or AVX2) code with
 * -march=native.
 */
#include "fastexp.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define ROUND_MAGIC 12582912.0f /* 1.5 * 2^23: adding it rounds a float below 2^22 to an integer */

#define exp_inline exp_fast_inline

float exp_fast(float x) { return exp_inline(x); }

void exp_fast_array(float *y, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] = exp_inline(x[i]);
}

/* Sums and maxima in LANES independent accumulators, combined at the end: the compiler may then
 * keep each in a vector lane (a single running sum would force one addition after another, and
 * reordering it is what -ffast-math would allow). The order is fixed, so results do not change
 * from run to run. */
#define LANES 16

static float row_max(const float *restrict x, int V) {
    float acc[LANES];
    for (int k = 0; k < LANES; k++) acc[k] = -INFINITY;
    int j = 0;
    for (; j + LANES <= V; j += LANES)
        for (int k = 0; k < LANES; k++) acc[k] = x[j + k] > acc[k] ? x[j + k] : acc[k];
    float m = -INFINITY;
    for (int k = 0; k < LANES; k++) m = acc[k] > m ? acc[k] : m;
    for (; j < V; j++) m = x[j] > m ? x[j] : m;
    return m;
}

/* p = e^(x - shift) for one row (p may equal x: each element is read, then written). */
static void row_exp(float *p, const float *x, int V, float shift) {
    for (int j = 0; j < V; j++) p[j] = exp_inline(x[j] - shift);
}

static float row_sum(const float *restrict p, int V) {
    float acc[LANES] = {0};
    int j = 0;
    for (; j + LANES <= V; j += LANES)
        for (int k = 0; k < LANES; k++) acc[k] += p[j + k];
    float s = 0;
    for (int k = 0; k < LANES; k++) s += acc[k];
    for (; j < V; j++) s += p[j];
    return s;
}

static void row_scale(float *restrict p, int V, float s) {
    for (int j = 0; j < V; j++) p[j] *= s;
}

void softmax_forward_fast(float *probs, const float *logits, int N, int V) {
#pragma omp parallel for schedule(static) if ((long long)N * V > 32768)
    for (int i = 0; i < N; i++) {
        const float *x = logits + (size_t)i * V;
        float *p = probs + (size_t)i * V;
        /* subtract the max: the largest exponent is e^0 = 1, nothing overflows */
        row_exp(p, x, V, row_max(x, V));
        row_scale(p, V, 1.0f / row_sum(p, V));
    }
}
