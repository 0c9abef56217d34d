/* tsne.c - see tsne.h. */
#include "tsne.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"

TsneOpts tsne_defaults(int n) {
    TsneOpts o;
    o.perplexity = 30;
    if (o.perplexity > (n - 1) / 3.0) o.perplexity = (n - 1) / 3.0 > 2 ? (n - 1) / 3.0 : 2;
    o.iterations = 1000;
    o.learning_rate = 200;
    o.seed = 1;
    return o;
}

int tsne_affinities(const float *x, int n, int d, double perplexity, double *P) {
    if (n < 3 || !(perplexity > 1) || perplexity >= n - 1) return -1;
    double *D = xmalloc(xmul(xmul((size_t)n, (size_t)n), sizeof *D));
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) {
            double s = 0;
            for (int k = 0; k < d; k++) {
                double t = (double)x[(size_t)i * d + k] - x[(size_t)j * d + k];
                s += t * t;
            }
            D[(size_t)i * n + j] = D[(size_t)j * n + i] = s;
        }
    const double target = log(perplexity); /* entropy in nats */
    for (int i = 0; i < n; i++) {
        double *row = P + (size_t)i * n;
        const double *dist = D + (size_t)i * n;
        /* bisect on the precision beta = 1 / (2 sigma^2); distances are shifted by the smallest
         * so that exp never underflows for the nearest neighbour */
        double dmin = INFINITY;
        for (int j = 0; j < n; j++)
            if (j != i && dist[j] < dmin) dmin = dist[j];
        double beta = 1, lo = 0, hi = INFINITY;
        for (int it = 0; it < 200; it++) {
            double sum = 0, dot = 0;
            for (int j = 0; j < n; j++) {
                row[j] = j == i ? 0 : exp(-beta * (dist[j] - dmin));
                sum += row[j], dot += row[j] * (dist[j] - dmin);
            }
            double H = log(sum) + beta * dot / sum; /* entropy of row / sum */
            for (int j = 0; j < n; j++) row[j] /= sum;
            if (fabs(H - target) < 1e-10) break;
            if (H > target) lo = beta, beta = isinf(hi) ? beta * 2 : (beta + hi) / 2;
            else hi = beta, beta = (beta + lo) / 2;
        }
    }
    free(D);
    /* symmetrise: p_ij = (p_j|i + p_i|j) / 2n */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double p = (P[(size_t)i * n + j] + P[(size_t)j * n + i]) / (2.0 * n);
            P[(size_t)i * n + j] = P[(size_t)j * n + i] = p;
        }
    return 0;
}

double tsne_kl_gradient(const double *P, const double *y, int n, double *grad) {
    double *W = xmalloc(xmul(xmul((size_t)n, (size_t)n), sizeof *W));
    double Z = 0;
    for (int i = 0; i < n; i++) {
        W[(size_t)i * n + i] = 0;
        for (int j = i + 1; j < n; j++) {
            double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
            double w = 1.0 / (1.0 + dx * dx + dy * dy);
            W[(size_t)i * n + j] = W[(size_t)j * n + i] = w;
            Z += 2 * w;
        }
    }
    double kl = 0;
    for (int i = 0; i < n; i++) {
        double gx = 0, gy = 0;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            double p = P[(size_t)i * n + j], w = W[(size_t)i * n + j], q = w / Z;
            if (p > 0) kl += p * log(p / q);
            double f = 4 * (p - q) * w;
            gx += f * (y[2 * i] - y[2 * j]);
            gy += f * (y[2 * i + 1] - y[2 * j + 1]);
        }
        grad[2 * i] = gx, grad[2 * i + 1] = gy;
    }
    free(W);
    return kl;
}

double tsne_2d(const float *x, int n, int d, const TsneOpts *o, double *y) {
    size_t nn = xmul((size_t)n, (size_t)(n > 0 ? n : 1));
    double *P = xmalloc(xmul(nn, sizeof *P));
    if (tsne_affinities(x, n, d, o->perplexity, P)) return free(P), -1;
    double *grad = xmalloc(sizeof *grad * 2 * (size_t)n), *step = xcalloc(2 * (size_t)n, sizeof *step);
    double *gain = xmalloc(sizeof *gain * 2 * (size_t)n);
    Rng r;
    rng_seed(&r, o->seed);
    for (int i = 0; i < 2 * n; i++) y[i] = 1e-2 * rng_normal(&r), gain[i] = 1;
    const int exaggerate_until = o->iterations / 4 < 250 ? o->iterations / 4 : 250;
    const double exaggeration = 12;
    for (size_t k = 0; k < nn; k++) P[k] *= exaggeration;
    double kl = 0;
    for (int it = 0; it < o->iterations; it++) {
        if (it == exaggerate_until)
            for (size_t k = 0; k < nn; k++) P[k] /= exaggeration;
        kl = tsne_kl_gradient(P, y, n, grad);
        double momentum = it < exaggerate_until ? 0.5 : 0.8;
        for (int i = 0; i < 2 * n; i++) {
            /* delta-bar-delta: grow the gain where the gradient keeps pointing against the step */
            gain[i] = (grad[i] > 0) != (step[i] > 0) ? gain[i] + 0.2 : gain[i] * 0.8;
            if (gain[i] < 0.01) gain[i] = 0.01;
            step[i] = momentum * step[i] - o->learning_rate * gain[i] * grad[i];
            y[i] += step[i];
        }
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) mx += y[2 * i], my += y[2 * i + 1];
        for (int i = 0; i < n; i++) y[2 * i] -= mx / n, y[2 * i + 1] -= my / n;
    }
    if (exaggerate_until >= o->iterations) /* never undone: report the true divergence */
        for (size_t k = 0; k < nn; k++) P[k] /= exaggeration;
    kl = tsne_kl_gradient(P, y, n, grad);
    free(P), free(grad), free(step), free(gain);
    return kl;
}
