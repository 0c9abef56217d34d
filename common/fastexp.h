/* fastexp.h - an exp the compiler can vectorise, and the softmax over a large vocabulary built on it.
 *
 * Why: a language model's output layer ends in a softmax over every word of the vocabulary, for
 * every position of every batch (V = 6,000 words x 512 positions = 3 million exponentials a step).
 * The C library's expf is a function call per element, which no compiler turns into vector code
 * without -ffast-math (that the project does not use: it breaks NaN checks). exp_fast is the
 * classic Cephes single-precision algorithm written as straight-line arithmetic: split
 * x = n ln2 + r with |r| <= ln2/2, a degree-7 polynomial for e^r, and 2^n put straight into the
 * exponent bits. Measured against exp() in double, its relative error stays below 2e-7 (about 1.5
 * float ulp; expf itself is correctly rounded to 1 ulp), on the whole range.
 *
 * The edges follow expf's, except for the denormals: x < -87.3 (where e^x drops below the smallest
 * normal float) gives exactly 0 instead of a denormal; x > 88.72 gives +inf; NaN gives NaN.
 *
 * softmax_forward_fast has softmax_forward's contract (softmax.h) and differs from it by that error
 * only (the tests compare the two); chapter 03's NNLM uses it for its V-way output layer.
 */
#ifndef COMMON_FASTEXP_H
#define COMMON_FASTEXP_H

#include <stdint.h>
#include <string.h>

/* e^x for one float, inline, so that a loop calling it still vectorises (a function call per
 * element would defeat the purpose): x = n ln2 + r, a degree-7 polynomial for e^r, 2^n written into
 * the exponent bits (see the top of this file for the error and the edges). Needs IEEE arithmetic
 * (no -ffast-math): the 1.5 * 2^23 addition is the rounding. */
static inline float exp_fast_inline(float x) {
    /* the range where e^x is a normal float (written so that NaN lands inside it too) */
    float xc = x > -87.33654f ? x : -87.33654f;
    xc = xc < 88.72283f ? xc : 88.72283f;
    /* n = round(x / ln2), read from the low bits of t */
    float t = xc * 1.44269504088896341f + 12582912.0f;
    int32_t tbits;
    memcpy(&tbits, &t, sizeof tbits);
    float n = t - 12582912.0f;
    /* r = x - n ln2, with ln2 in two parts so that n * ln2_hi is exact */
    float r = xc - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    /* e^r = 1 + r + r^2 P(r) on |r| <= ln2/2 (Cephes expf) */
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    /* 2^n with n in [-126, 128]: as 2^n1 * 2^n2, each written straight into a float's exponent
     * field (n + 127), so that neither end of the range falls off it. */
    int32_t ni = tbits - 0x4B400000, n1 = ni / 2, n2 = ni - n1;
    int32_t b1 = (n1 + 127) << 23, b2 = (n2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    float y = p * s1 * s2;
    y = x < -87.33654f ? 0.0f : y;
    y = x > 88.72283f ? 1.0f / 0.0f : y;
    return x != x ? x : y; /* NaN in, NaN out */
}

/* The same as a function. */
float exp_fast(float x);

/* y[i] = e^x[i] for i < n; y may equal x. */
void exp_fast_array(float *y, const float *x, int n);

/* probs (N,V) = softmax of each row of logits (N,V), rows in parallel; probs may equal logits. */
void softmax_forward_fast(float *probs, const float *logits, int N, int V);

#endif
