/* stats.h - rank statistics for evaluations: average ranks with ties, Pearson's and Spearman's
 * correlation.
 *
 * Word-similarity benchmarks (WS-353, SimLex, MEN) and most "does the model agree with people"
 * scores are Spearman's rho: the Pearson correlation of the ranks, ties given the average of the
 * ranks they span (what scipy.stats.spearmanr computes). */
#ifndef COMMON_STATS_H
#define COMMON_STATS_H

/* rank[i] (n) = 1-based rank of x[i] in ascending order; equal values share the mean of their
 * ranks ({10, 20, 20, 30} -> {1, 2.5, 2.5, 4}). */
void ranks_average(const double *x, int n, double *rank);
/* Pearson's correlation of x and y (n). NAN when n < 2 or either is constant. */
double pearson(const double *x, const double *y, int n);
/* Spearman's rank correlation: pearson of ranks_average(x) and ranks_average(y). */
double spearman(const double *x, const double *y, int n);

#endif
