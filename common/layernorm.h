/* layernorm.h - layer normalisation (Ba et al. 2016), as the transformer and BERT use it:
 * y = (x - mean) / sqrt(var + eps) * weight + bias over the last dimension (C) of each row.
 * var is the biased variance (divided by C), as in PyTorch's nn.LayerNorm. */
#ifndef COMMON_LAYERNORM_H
#define COMMON_LAYERNORM_H

/* out (N,C); mean (N) and rstd (N) = 1/sqrt(var+eps) are saved for the backward. */
void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                       const float *bias, int N, int C, float eps);
/* Accumulates into dinp (N,C), dweight (C), dbias (C). */
void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C);

#endif
