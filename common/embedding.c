/* embedding.c - see embedding.h. */
#include "embedding.h"

#include <stddef.h>
#include <string.h>

#include "util.h"

void embedding_forward(float *out, const int *ids, const float *table, int N, int V, int C) {
    for (int i = 0; i < N; i++) {
        if (ids[i] < 0 || ids[i] >= V) die("embedding: id %d at position %d outside the vocabulary [0, %d)", ids[i], i, V);
        memcpy(out + (size_t)i * C, table + (size_t)ids[i] * C, sizeof(float) * (size_t)C);
    }
}

void embedding_backward(float *dtable, const int *ids, const float *dout, int N, int C) {
    for (int i = 0; i < N; i++) {
        float *row = dtable + (size_t)ids[i] * C;
        const float *d = dout + (size_t)i * C;
        for (int j = 0; j < C; j++) row[j] += d[j];
    }
}
