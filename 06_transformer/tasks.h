/* tasks.h - a synthetic sequence-to-sequence task for the encoder-decoder: reverse a string of
 * digits ("3 1 4 1 5" -> "5 1 4 1 3").
 *
 * Why this task: the answer is known exactly, so accuracy means something after seconds of
 * training; the right alignment is visible (output i must look at input n-1-i, an anti-diagonal in
 * the encoder-decoder attention map); and its difficulty grows with the length, which is the axis
 * of chapter 05's fixed-context bottleneck (C14). Chapter 05's own tasks plug into the same PairSet
 * interface (seq2seq.h) for the C20 comparison.
 *
 * Vocabulary (shared by source and target): 0 [PAD], 1 [BOS], 2 [EOS], then the digits 0-9 as
 * ids 3-12. */
#ifndef TRANSFORMER_TASKS_H
#define TRANSFORMER_TASKS_H

#include "rng.h"
#include "seq2seq.h"

#define TOY_VOCAB 13
#define TOY_FIRST_DIGIT 3

typedef struct {
    PairSet set;
    int *ids; /* the storage the pairs point into */
} ToyPairs;

/* n pairs with source lengths uniform in [min_len, max_len], digits uniform. */
void toy_reverse_make(ToyPairs *t, int n, int min_len, int max_len, Rng *rng);
void toy_pairs_free(ToyPairs *t);
/* "31415" from ids (specials printed as <pad> <bos> <eos>) into buf; returns buf. */
const char *toy_ids_str(const int *ids, int n, char *buf, size_t buflen);
/* Parse a string of digits into ids; returns the count, or -1 on a non-digit or if longer than max. */
int toy_parse(const char *s, int *ids, int max);

#endif
