/* activations.c - see activations.h. */
#include "activations.h"

#include <math.h>

#include "fastexp.h"

void bias_forward(float *out, const float *bias, int N, int C) {
#pragma omp parallel for if ((size_t)N * C > 65536)
    for (int i = 0; i < N; i++)
        for (int j = 0; j < C; j++) out[(size_t)i * C + j] += bias[j];
}

void bias_backward(float *dbias, const float *dout, int N, int C) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < C; j++) dbias[j] += dout[(size_t)i * C + j];
}

void tanh_forward(float *out, const float *inp, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = tanhf(inp[i]);
}

void tanh_backward(float *dinp, const float *out, const float *dout, size_t n) {
    for (size_t i = 0; i < n; i++) dinp[i] += (1.0f - out[i] * out[i]) * dout[i];
}

float sigmoidf(float x) {
    /* exp of a negative number only, so neither branch overflows. */
    if (x >= 0) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

void sigmoid_forward(float *out, const float *inp, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = sigmoidf(inp[i]);
}

void sigmoid_backward(float *dinp, const float *out, const float *dout, size_t n) {
    for (size_t i = 0; i < n; i++) dinp[i] += out[i] * (1.0f - out[i]) * dout[i];
}

void relu_forward(float *out, const float *inp, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0 ? inp[i] : 0.0f;
}

void relu_backward(float *dinp, const float *out, const float *dout, size_t n) {
    for (size_t i = 0; i < n; i++) dinp[i] += out[i] > 0 ? dout[i] : 0.0f;
}

#define INV_SQRT2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f

/* Phi(x), the standard normal CDF, as 0.5 erfc(-x / sqrt 2) with erfc from Numerical Recipes'
 * Chebyshev fit (erfcc: relative error below 1.2e-7 for every argument), whose one exponential is
 * exp_fast_inline: no library call, so the GELU loops vectorise (erff and expf are calls per element,
 * and erf was a quarter of a small GPT's training time). Computing the small tail directly also
 * keeps its relative accuracy, where 1 + erff(x / sqrt 2) cancels for x below about -3 (and is 0
 * below about -5.9). Measured against the double-precision formula: see tests/test_kernels.c. */
static inline float normal_cdf(float x) {
    float z = (x < 0 ? -x : x) * INV_SQRT2;
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float half_erfc = 0.5f * t * exp_fast_inline(p - z * z); /* 0.5 erfc(|x| / sqrt 2) */
    return x < 0 ? half_erfc : 1.0f - half_erfc;
}

void gelu_forward(float *out, const float *inp, size_t n) {
#pragma omp parallel for if (n > 65536)
    for (size_t i = 0; i < n; i++) out[i] = inp[i] * normal_cdf(inp[i]);
}

void gelu_backward(float *dinp, const float *inp, const float *dout, size_t n) {
    /* d/dx [x Phi(x)] = Phi(x) + x phi(x), phi the standard normal density. */
#pragma omp parallel for if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        float pdf = INV_SQRT_2PI * exp_fast_inline(-0.5f * x * x);
        dinp[i] += (normal_cdf(x) + x * pdf) * dout[i];
    }
}

void dropout_forward(float *out, float *mask, const float *inp, size_t n, float p, Rng *rng) {
    float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    for (size_t i = 0; i < n; i++) {
        mask[i] = (p > 0 && rng_uniform(rng) < p) ? 0.0f : scale;
        out[i] = inp[i] * mask[i];
    }
}

void dropout_backward(float *dinp, const float *mask, const float *dout, size_t n) {
    for (size_t i = 0; i < n; i++) dinp[i] += mask[i] * dout[i];
}
