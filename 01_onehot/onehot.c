/* onehot.c - chapter 01: words as one-hot vectors.
 *
 * What it teaches (claim C1 of the article's first section, "one-hot"): give each of the V words
 * of a vocabulary its own dimension. The vectors are V-dimensional and as sparse as possible (one
 * non-zero among V), and any two distinct ones are orthogonal, so every pair of words is exactly as
 * far apart as every other: Euclidean sqrt(2), cosine 0. "cat" is no closer to "dog" than to
 * "stone". And a V x V table of them is mostly zeros: the real vocabulary's table is measured
 * against a dense V x d embedding, the step chapter 02 takes.
 *
 * Builds on: common/ (corpus reading, tokenizer, vocabulary, vector maths, plots).
 * Leaves out: anything learned. A one-hot code needs no training, which is why a word absent from
 * the corpus can simply be given the next free index.
 */
#include "onehot.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vec.h"

void onehot_encode(float *v, int V, int id) {
    memset(v, 0, sizeof(float) * (size_t)V);
    v[id] = 1.0f;
}

OneHotMemory onehot_memory(double V, int d) {
    OneHotMemory m;
    m.table = V * V * sizeof(float);
    m.indices = V * sizeof(int);
    m.dense = V * d * sizeof(float);
    return m;
}

void onehot_print(FILE *f, const float *v, int V) {
    /* Show the first entries, the neighbourhood of each non-zero, and the last entry, with "..."
     * for the runs of zeros in between: a 13,000-wide vector does not fit on a screen. */
    enum { EDGE = 3, AROUND = 2 };
    int last_shown = -1;
    fputc('[', f);
    for (int i = 0; i < V; i++) {
        int near_nonzero = 0;
        for (int j = i - AROUND; j <= i + AROUND; j++)
            if (j >= 0 && j < V && v[j] != 0) near_nonzero = 1;
        if (i < EDGE || i >= V - 1 || near_nonzero) {
            if (last_shown >= 0 && i != last_shown + 1) fputs(" ...", f);
            fprintf(f, last_shown >= 0 ? " %g" : "%g", v[i]);
            if (v[i] != 0 && V > 2 * EDGE + 2 * AROUND + 2) fprintf(f, "(at %d)", i);
            last_shown = i;
        }
    }
    fputc(']', f);
}

void onehot_distances(const int *ids, int k, int V, double *euclid, double *cosine) {
    float *a = xmalloc(sizeof(float) * (size_t)V), *b = xmalloc(sizeof(float) * (size_t)V);
    for (int i = 0; i < k; i++) {
        onehot_encode(a, V, ids[i]);
        for (int j = 0; j < k; j++) {
            onehot_encode(b, V, ids[j]);
            euclid[i * k + j] = vec_euclidean(a, b, (size_t)V);
            cosine[i * k + j] = vec_cosine(a, b, (size_t)V);
        }
    }
    free(a), free(b);
}
