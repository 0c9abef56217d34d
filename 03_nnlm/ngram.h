/* ngram.h - chapter 03: the count-based n-gram language model with interpolated modified
 * Kneser-Ney smoothing (Chen & Goodman 1998), the baseline every language model is measured against.
 * See ngram.c for the lesson.
 */
#ifndef NNLM_NGRAM_H
#define NNLM_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#define KN_MAX_ORDER 8

/* An open-addressing hash table from a fixed-length key of `klen` ids to `nval` counters. */
typedef struct {
    int klen, nval;
    size_t cap, n;    /* slots (a power of two), entries */
    int32_t *keys;    /* cap * klen */
    uint32_t *vals;   /* cap * nval */
    uint8_t *used;    /* cap */
} GramTable;

typedef struct {
    int order, V;
    /* grams[k] (k = 1..order): the adjusted count a(g) of each k-gram g: its raw count at the
     * highest order and for a k-gram that starts at a sentence's start; elsewhere its continuation
     * count, the number of distinct words seen before it. */
    GramTable grams[KN_MAX_ORDER + 1];
    /* ctxs[k]: for each history h of k-1 ids: {sum over w of a(h w), N1, N2, N3+}, the number of
     * words w whose a(h w) is 1, 2, >= 3 (what the discounts take away from h, given back as the
     * weight of the lower order). */
    GramTable ctxs[KN_MAX_ORDER + 1];
    double D[KN_MAX_ORDER + 1][4];   /* D[k][c]: the discount of an adjusted count c (c >= 3 uses D[k][3]); D[k][0] = 0 */
    long coc[KN_MAX_ORDER + 1][5];   /* coc[k][c]: number of k-grams with adjusted count c, c = 1..4 */
} KnModel;

/* Count the n-grams of an id stream (lmdata.h's layout: sentences ending in id 0, which also marks
 * the start) up to `order` (1..KN_MAX_ORDER) over a vocabulary of V ids, and estimate the
 * discounts from the counts of counts. */
KnModel *kn_train(const int *tok, long n, int V, int order);
void kn_free(KnModel *m);

/* Chen & Goodman's estimates from the counts of counts n1..n4 of one order:
 *   Y = n1 / (n1 + 2 n2),  D1 = 1 - 2Y n2/n1,  D2 = 2 - 3Y n3/n2,  D3+ = 3 - 4Y n4/n3,
 * each kept within [0, c] (a corpus too small for the formula falls back to D = 0.5 c). */
void kn_discounts_from_counts(const long n[5], double D[4]);
/* Replace order k's discounts (tests use hand-picked values). */
void kn_set_discounts(KnModel *m, int k, double D1, double D2, double D3);

/* P(w | hist) where hist[0..hlen) are the preceding ids, oldest first (only the last order-1 are
 * read; lm_history gives hlen for a stream position). Exactly normalised over the V ids. */
double kn_prob(const KnModel *m, const int *hist, int hlen, int w);
/* ln P of every token of a stream (lp has n entries), each given its own sentence's history. */
void kn_stream_logprobs(const KnModel *m, const int *tok, long n, double *lp);

/* The adjusted count of the k-gram ids[0..k), 0 if unseen. */
uint32_t kn_adjusted_count(const KnModel *m, const int *ids, int k);
/* Number of distinct k-grams counted. */
size_t kn_num_grams(const KnModel *m, int k);

#endif
