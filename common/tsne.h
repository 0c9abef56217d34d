/* tsne.h - exact t-SNE (van der Maaten & Hinton 2008): a 2-D map of a few hundred points that
 * keeps each point's near neighbours near, for looking at embedding spaces.
 *
 * How it works, in the three functions below:
 *  1. tsne_affinities: around each point a Gaussian over the others, its width found by bisection
 *     so that the distribution has the chosen perplexity (about "how many neighbours count");
 *     then symmetrised into joint probabilities P (n,n) that sum to 1.
 *  2. tsne_kl_gradient: the map's own similarities Q use a Student-t kernel 1 / (1 + |yi-yj|^2),
 *     whose heavy tail lets far clusters drift apart; the cost is KL(P || Q) and its gradient is
 *     4 sum_j (p_ij - q_ij) (y_i - y_j) / (1 + |y_i - y_j|^2).
 *  3. tsne_2d: gradient descent with momentum and per-coordinate gains, P multiplied by 12 for the
 *     first 250 steps ("early exaggeration") so that clusters form before they settle.
 * Exact means O(n^2) per step: right for the hundreds of points these maps show, not for 10^5
 * (Barnes-Hut is left out). Distances are Euclidean on the given rows: pass unit vectors to map
 * by cosine. */
#ifndef COMMON_TSNE_H
#define COMMON_TSNE_H

#include <stdint.h>

typedef struct {
    double perplexity;    /* 5..50 typical; must be below n - 1 */
    int iterations;       /* 1000 is the usual */
    double learning_rate; /* 200 is the usual */
    uint64_t seed;        /* the initial map is drawn from N(0, 1e-4) with it */
} TsneOpts;
/* perplexity 30 (or less for small n), 1000 iterations, learning rate 200, seed 1 */
TsneOpts tsne_defaults(int n);

/* P (n,n), symmetric, zero diagonal, summing to 1, from x (n,d). Returns 0, or -1 if
 * perplexity is not in (1, n-1). */
int tsne_affinities(const float *x, int n, int d, double perplexity, double *P);
/* KL(P || Q) for the map y (n,2); writes its gradient into grad (n,2) (written, not accumulated). */
double tsne_kl_gradient(const double *P, const double *y, int n, double *grad);
/* The map: y (n,2). Returns the final KL divergence, or -1 for bad arguments (n < 3, bad
 * perplexity). */
double tsne_2d(const float *x, int n, int d, const TsneOpts *o, double *y);

#endif
