/* layernorm.c - see layernorm.h. */
#include "layernorm.h"

#include <math.h>
#include <stddef.h>

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                       const float *bias, int N, int C, float eps) {
#pragma omp parallel for if ((size_t)N * C > 65536)
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C;
        float *y = out + (size_t)i * C;
        /* Two passes (mean, then variance about it) in double: the one-pass E[x^2] - E[x]^2 loses
         * every digit when the mean is large against the spread. */
        double m = 0, v = 0;
        for (int j = 0; j < C; j++) m += x[j];
        m /= C;
        for (int j = 0; j < C; j++) v += (x[j] - m) * (x[j] - m);
        v /= C;
        float s = (float)(1.0 / sqrt(v + eps));
        for (int j = 0; j < C; j++) y[j] = ((float)(x[j] - m) * s) * weight[j] + bias[j];
        mean[i] = (float)m;
        rstd[i] = s;
    }
}

void layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                        const float *weight, const float *mean, const float *rstd, int N, int C) {
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C, *dy = dout + (size_t)i * C;
        float *dx = dinp + (size_t)i * C;
        float m = mean[i], s = rstd[i];
        /* With xhat = (x - m) s and g = dy * weight:
         * dx = s * (g - mean(g) - xhat * mean(g * xhat)). */
        double gmean = 0, gxmean = 0;
        for (int j = 0; j < C; j++) {
            float xhat = (x[j] - m) * s, g = dy[j] * weight[j];
            gmean += g;
            gxmean += g * xhat;
        }
        gmean /= C;
        gxmean /= C;
        for (int j = 0; j < C; j++) {
            float xhat = (x[j] - m) * s, g = dy[j] * weight[j];
            dx[j] += s * (g - (float)gmean - xhat * (float)gxmean);
            dweight[j] += dy[j] * xhat;
            dbias[j] += dy[j];
        }
    }
}
