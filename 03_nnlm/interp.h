/* interp.h - chapter 03: mixing two language models, P = lambda P_a + (1 - lambda) P_b, with one
 * weight tuned on validation text, as Bengio et al. mixed their network with an n-gram model. */
#ifndef NNLM_INTERP_H
#define NNLM_INTERP_H

/* The lambda in [0, 1] that maximises the likelihood of n tokens whose log probabilities under
 * the two models are lp_a and lp_b. EM (SRILM's compute-best-mix): each step sets lambda to the
 * mean posterior share of model a; the likelihood never decreases and, being concave in lambda,
 * has one maximum. Stops when lambda moves less than 1e-7 (or after 1000 steps). */
double interp_tune(const double *lp_a, const double *lp_b, long n);
/* out[i] = ln(lambda e^lp_a[i] + (1 - lambda) e^lp_b[i]), computed without underflow. */
void interp_logprobs(const double *lp_a, const double *lp_b, long n, double lambda, double *out);

#endif
