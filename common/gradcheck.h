/* gradcheck.h - finite-difference gradient checking (the ggml test-backend-ops way).
 *
 * Every backward function in the project is checked against central differences
 *     dL/dx_i ~ (L(x + h e_i) - L(x - h e_i)) / 2h
 * of a scalar loss computed by the caller (usually sum(out * R) for a fixed random R, which makes
 * every output element matter). The comparison scales with magnitude:
 *     err_i = |analytic - numeric| / (atol + rtol * max(|analytic|, |numeric|)),
 * and the check passes when the worst err_i <= 1. */
#ifndef COMMON_GRADCHECK_H
#define COMMON_GRADCHECK_H

#include <stddef.h>

/* Recompute the loss from the current values of the inputs (called with x perturbed). */
typedef double (*LossFn)(void *ctx);

typedef struct {
    double worst;       /* the largest err_i; <= 1 passes */
    size_t worst_index; /* where */
    double analytic, numeric; /* the two values there */
    size_t checked;     /* how many coordinates were compared */
} GradCheck;

/* Compare grad (n) with central differences of f over x (n): x[i] is perturbed by +-h in place and
 * restored. Checks at most max_checks coordinates spread evenly over the array (0 = all of them). */
GradCheck gradcheck(LossFn f, void *ctx, float *x, const float *grad, size_t n, double h, double atol,
                    double rtol, size_t max_checks);

/* sum_i out[i] * r[i] in double: the usual scalar loss for checks (its gradient wrt out is r). */
double dot_loss(const float *out, const float *r, size_t n);

#endif
