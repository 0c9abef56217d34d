/* activations.h - element-wise layers as forward/backward pairs: bias add, tanh, sigmoid, ReLU,
 * GELU (erf form, as BERT and PyTorch's default nn.GELU), dropout.
 *
 * Conventions (as everywhere in the project): arrays are float32, row-major; `n` is the element
 * count; backward functions ACCUMULATE (+=) into the input gradient, so a value used twice (a
 * residual connection) gets both contributions, and one zero_grad clears everything. out may equal
 * inp in the forward functions. */
#ifndef COMMON_ACTIVATIONS_H
#define COMMON_ACTIVATIONS_H

#include <stddef.h>

#include "rng.h"

/* out (N,C) += bias (C) broadcast over rows; dbias (C) += column sums of dout (N,C). */
void bias_forward(float *out, const float *bias, int N, int C);
void bias_backward(float *dbias, const float *dout, int N, int C);

/* The backward passes take the forward's OUTPUT where the derivative is cheapest from it:
 * tanh' = 1 - y^2, sigmoid' = y (1 - y), relu' = [y > 0]. GELU needs the input. */
void tanh_forward(float *out, const float *inp, size_t n);
void tanh_backward(float *dinp, const float *out, const float *dout, size_t n);
void sigmoid_forward(float *out, const float *inp, size_t n);
void sigmoid_backward(float *dinp, const float *out, const float *dout, size_t n);
void relu_forward(float *out, const float *inp, size_t n);
void relu_backward(float *dinp, const float *out, const float *dout, size_t n);
/* gelu(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). out must not alias inp for the backward. */
void gelu_forward(float *out, const float *inp, size_t n);
void gelu_backward(float *dinp, const float *inp, const float *dout, size_t n);

/* Inverted dropout: each element is zeroed with probability p and the survivors are scaled by
 * 1/(1-p), so the expected activation is unchanged and evaluation needs no rescaling. mask (n) keeps
 * the per-element factor (0 or 1/(1-p)) for the backward. p = 0 copies. */
void dropout_forward(float *out, float *mask, const float *inp, size_t n, float p, Rng *rng);
void dropout_backward(float *dinp, const float *mask, const float *dout, size_t n);

/* A numerically safe scalar sigmoid, for code that needs one value. */
float sigmoidf(float x);

#endif
