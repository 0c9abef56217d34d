/* cooc.h - chapter 02: the word-word co-occurrence matrix GloVe is trained on (see cooc.c).
 *
 * X[i][j] = sum over the occurrences of word i of 1/d for each occurrence of word j at distance
 * d = 1..window on either side, within one line. The matrix is symmetric (X[i][j] = X[j][i]) and
 * stored as its non-zero entries sorted by (i, j). */
#ifndef W2V_COOC_H
#define W2V_COOC_H

#include <stddef.h>
#include <stdint.h>

#include "word2vec.h"

typedef struct {
    int32_t i, j; /* word (row) and context (column) ids */
    float x;      /* the weighted count X[i][j] > 0 */
} CoocEntry;

typedef struct {
    int V;
    CoocEntry *e;      /* (n) non-zero entries, sorted by (i, j), each (i, j) once */
    size_t n;
    int chunks;        /* sorted chunks spilled to disk and merged (0: counted in memory alone) */
    size_t table_peak; /* bytes of the counting table at its largest (what max_bytes bounds) */
} Cooc;

/* Count the corpus's co-occurrences over a symmetric window of `window` words (1..64), weights
 * 1/distance, never across a line (W2V_EOL).
 *   max_bytes = 0: the counting table (a hash of (i, j) -> sum) grows as needed, in memory.
 *   max_bytes > 0: the table never exceeds max_bytes (at least COOC_MIN_BYTES); when it is full
 *     its entries are sorted and written to a temporary file under tmpdir (NULL: $TMPDIR or /tmp),
 *     and the sorted files are merged at the end, summing equal (i, j): what GloVe's `cooccur`
 *     does with its -memory flag. The files are deleted as soon as they are opened.
 * Either way the result (12 bytes per non-zero) is returned in memory, for training.
 * Returns 0, or -1 with err set (bad window, a temporary file that cannot be written, more than
 * COOC_MAX_CHUNKS chunks: raise the bound). */
#define COOC_MIN_BYTES ((size_t)1 << 14)
#define COOC_MAX_CHUNKS 1000
int cooc_count(Cooc *m, const W2vCorpus *c, int window, size_t max_bytes, const char *tmpdir, char *err);
void cooc_free(Cooc *m);
/* X[i][j] by binary search (0 when absent). */
float cooc_get(const Cooc *m, int32_t i, int32_t j);

#endif
