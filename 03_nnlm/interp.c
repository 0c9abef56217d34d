/* interp.c - see interp.h.
 *
 * Why mixing helps (the paper's Table 1 and 2 "mixture" rows): the n-gram model and the network
 * make different mistakes. The n-gram model is sharp on phrases it has seen many times and falls
 * back to word frequencies elsewhere; the network is smooth, spreading probability over words that
 * behave alike. A weighted average of the two probabilities is better than either, as long as
 * the weight is set on text that neither model was trained on (the validation part). */
#include "interp.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

/* ln(a e^x + b e^y) for a, b >= 0, factored around the larger exponent. */
static double log_mix(double x, double y, double a, double b) {
    double m = x > y ? x : y;
    return m + log(a * exp(x - m) + b * exp(y - m));
}

double interp_tune(const double *lp_a, const double *lp_b, long n) {
    if (n <= 0) return 0.5;
    /* Only the ratio P_a / P_b of each token matters (clamped so that e^x stays finite). */
    double *ratio = xmalloc(sizeof(double) * (size_t)n);
    for (long i = 0; i < n; i++) ratio[i] = exp(fmax(-700, fmin(700, lp_a[i] - lp_b[i])));
    double lambda = 0.5;
    for (int it = 0; it < 1000; it++) {
        /* E step: the posterior that model a produced token i,
         *   lambda P_a / (lambda P_a + (1 - lambda) P_b);  M step: lambda = their mean. */
        double share = 0;
        for (long i = 0; i < n; i++) share += lambda * ratio[i] / (lambda * ratio[i] + (1 - lambda));
        double next = share / (double)n;
        int done = fabs(next - lambda) < 1e-7;
        lambda = next;
        if (done || lambda <= 0 || lambda >= 1) break;
    }
    free(ratio);
    return lambda;
}

void interp_logprobs(const double *lp_a, const double *lp_b, long n, double lambda, double *out) {
    for (long i = 0; i < n; i++) out[i] = log_mix(lp_a[i], lp_b[i], lambda, 1 - lambda);
}
