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

/* e^x for one float (the loops below inline it; a call per element would defeat the purpose). */
float exp_fast(float x);

/* y[i] = e^x[i] for i < n; y may equal x. */
void exp_fast_array(float *y, const float *x, int n);

/* probs (N,V) = softmax of each row of logits (N,V), rows in parallel; probs may equal logits. */
void softmax_forward_fast(float *probs, const float *logits, int N, int V);

#endif
