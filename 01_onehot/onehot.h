/* onehot.h - chapter 01: one-hot word vectors (see onehot.c for the lesson). */
#ifndef ONEHOT_H
#define ONEHOT_H

#include <stdio.h>

/* v (V) = the one-hot code of word `id`: all zeros but v[id] = 1. */
void onehot_encode(float *v, int V, int id);

/* Bytes needed to hold the codes of a whole vocabulary of V words, three ways. */
typedef struct {
    double table;   /* V x V float32 matrix, one row per word: what "a V-dim vector per word" costs */
    double indices; /* one int32 index per word: all a one-hot code really carries */
    double dense;   /* V x d float32 embedding matrix (chapter 02's word vectors) */
} OneHotMemory;
OneHotMemory onehot_memory(double V, int d);

/* Print a V-dim vector compactly, around its non-zero entries: "[0 0 ... 0 1 0 ... 0]". */
void onehot_print(FILE *f, const float *v, int V);

/* The k x k tables of Euclidean distance and cosine similarity between the one-hot vectors of
 * ids[0..k), computed on the real V-dimensional vectors (not from the formula). */
void onehot_distances(const int *ids, int k, int V, double *euclid, double *cosine);

#endif
