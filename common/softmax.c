/* softmax.c - see softmax.h. */
#include "softmax.h"

#include <math.h>
#include <stddef.h>

#include "util.h"

void softmax_forward(float *probs, const float *logits, int N, int V) {
#pragma omp parallel for if ((size_t)N * V > 32768)
    for (int i = 0; i < N; i++) {
        const float *x = logits + (size_t)i * V;
        float *p = probs + (size_t)i * V;
        float maxv = -INFINITY;
        for (int j = 0; j < V; j++) maxv = fmaxf(maxv, x[j]);
        double sum = 0;
        for (int j = 0; j < V; j++) {
            p[j] = expf(x[j] - maxv);
            sum += p[j];
        }
        float inv = (float)(1.0 / sum);
        for (int j = 0; j < V; j++) p[j] *= inv;
    }
}

void softmax_backward(float *dlogits, const float *probs, const float *dprobs, int N, int V) {
    for (int i = 0; i < N; i++) {
        const float *p = probs + (size_t)i * V, *dp = dprobs + (size_t)i * V;
        float *dx = dlogits + (size_t)i * V;
        double dot = 0;
        for (int j = 0; j < V; j++) dot += (double)p[j] * dp[j];
        for (int j = 0; j < V; j++) dx[j] += p[j] * (dp[j] - (float)dot);
    }
}

void log_softmax_forward(float *out, const float *logits, int N, int V) {
    for (int i = 0; i < N; i++) {
        const float *x = logits + (size_t)i * V;
        float *o = out + (size_t)i * V;
        float maxv = -INFINITY;
        for (int j = 0; j < V; j++) maxv = fmaxf(maxv, x[j]);
        double sum = 0;
        for (int j = 0; j < V; j++) sum += exp((double)(x[j] - maxv));
        float lse = maxv + (float)log(sum);
        for (int j = 0; j < V; j++) o[j] = x[j] - lse;
    }
}

float crossentropy_forward(float *probs, const float *logits, const int *targets, int N, int V) {
    softmax_forward(probs, logits, N, V);
    double loss = 0;
    int count = 0;
    for (int i = 0; i < N; i++) {
        int t = targets[i];
        if (t < 0) continue;
        if (t >= V) die("cross-entropy: target id %d out of range (vocabulary of %d)", t, V);
        /* log of the probability, floored: a probability that underflowed to 0 gives a large
         * finite loss instead of infinity. */
        loss -= log(fmax((double)probs[(size_t)i * V + t], 1e-30));
        count++;
    }
    return count ? (float)(loss / count) : 0.0f;
}

void crossentropy_backward(float *dlogits, const float *probs, const int *targets, int N, int V, float dloss) {
    int count = 0;
    for (int i = 0; i < N; i++) count += targets[i] >= 0;
    if (!count) return;
    float scale = dloss / (float)count;
#pragma omp parallel for if ((size_t)N * V > 32768)
    for (int i = 0; i < N; i++) {
        int t = targets[i];
        if (t < 0) continue;
        const float *p = probs + (size_t)i * V;
        float *dx = dlogits + (size_t)i * V;
        for (int j = 0; j < V; j++) dx[j] += scale * (p[j] - (j == t ? 1.0f : 0.0f));
    }
}
