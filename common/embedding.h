/* embedding.h - the embedding lookup: row ids[i] of a (V,C) table, for every position.
 *
 * This is the one-hot vector times the embedding matrix (chapter 03, C8) done the cheap way: the
 * product picks out one row, so the lookup copies that row instead of multiplying by V-1 zeros.
 * The backward adds each position's gradient into the row it came from (a word seen twice in the
 * batch gets both contributions). */
#ifndef COMMON_EMBEDDING_H
#define COMMON_EMBEDDING_H

/* out (N,C) = table[ids[i]] for i < N; table (V,C). Dies on an id outside [0, V). */
void embedding_forward(float *out, const int *ids, const float *table, int N, int V, int C);
/* dtable (V,C) += dout[i] into row ids[i]. Serial: two positions may share a row. */
void embedding_backward(float *dtable, const int *ids, const float *dout, int N, int C);

#endif
