/* vec.h - small vector operations the chapters share: dot products, norms, cosine similarity,
 * Euclidean distance, and the top-k search that nearest-neighbour queries are made of. */
#ifndef COMMON_VEC_H
#define COMMON_VEC_H

#include <stddef.h>

double vec_dot(const float *a, const float *b, size_t n);
double vec_norm(const float *a, size_t n);
/* a.b / (|a||b|); 0 when either vector is all zeros (rather than NaN). */
double vec_cosine(const float *a, const float *b, size_t n);
double vec_euclidean(const float *a, const float *b, size_t n);
/* Scale a to unit length in place (left as is if it is all zeros). */
void vec_normalize(float *a, size_t n);

/* The k largest scores (k <= n): writes their indices into idx, best first. Indices for which
 * skip(idx, ctx) is true are passed over (skip may be NULL). Returns how many were found. */
int top_k(const float *scores, int n, int k, int *idx, int (*skip)(int i, void *ctx), void *ctx);

#endif
