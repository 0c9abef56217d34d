/* lmdata.h - chapter 03: the text a language model is trained and measured on.
 *
 * A language model is only as honest as its held-out text. This file cuts a corpus into sentences
 * (one per line: a KJV verse, a 红楼梦 sentence), sends each sentence to the training, validation
 * or test part by a seeded draw (so the split is the same on every machine for the same seed),
 * builds the vocabulary from the TRAINING part only (a word first seen in the test text is unknown
 * to every model alike), and turns each part into a stream of ids.
 *
 * The stream: every sentence's tokens followed by </s> (id 0). </s> is also what the models see
 * before a sentence's first word (Mikolov's RNNLM convention), so one token marks both edges and
 * needs no second "start" symbol; it is predicted at a sentence's end like any word. Words seen
 * fewer than min_count times in training become <unk> (id 1), an ordinary token both models
 * predict, so perplexities are over the same closed vocabulary of V tokens.
 */
#ifndef NNLM_LMDATA_H
#define NNLM_LMDATA_H

#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"
#include "vocab.h"

#define LM_EOS 0 /* </s>: a sentence's end, and the padding before its start */
#define LM_UNK 1 /* <unk>: any word outside the vocabulary */

enum { LM_TRAIN, LM_VALID, LM_TEST, LM_NSPLITS };
extern const char *const LM_SPLIT_NAMES[LM_NSPLITS]; /* "train", "valid", "test" */

typedef struct {
    Vocab *vocab; /* ids 0 </s>, 1 <unk>, then the training words by frequency */
    int V;        /* vocab->n: the size of every model's output distribution */
    int *tok[LM_NSPLITS];  /* id streams, each sentence ending in LM_EOS */
    long ntok[LM_NSPLITS]; /* tokens, the </s> of each sentence included (what perplexity averages) */
    long nsent[LM_NSPLITS];
    long nunk[LM_NSPLITS]; /* tokens that became <unk> */
} LmData;

typedef struct {
    TokMode mode;
    long min_count;    /* training words seen fewer times become <unk> */
    uint64_t seed;     /* the split's seed */
    double valid_frac, test_frac; /* each sentence goes to valid / test with these probabilities */
} LmSplitOptions;
LmSplitOptions lm_split_defaults(void); /* words, min count 3, seed 1, 10% / 10% */

/* Split text[0..len) (one sentence per line; empty lines skipped). Returns 0, or -1 with err set
 * when the training part is empty or no word reaches min_count. */
int lmdata_from_text(LmData *d, const char *text, size_t len, const LmSplitOptions *o, char *err);
/* The same for a file read with corpus_read (its checks: UTF-8, not binary, not empty). */
int lmdata_load(LmData *d, const char *path, const LmSplitOptions *o, char *err);
void lmdata_free(LmData *d);

/* The n tokens before position i of a stream (oldest first) as the models see them: the words of
 * the sentence so far, and </s> in place of everything before its start. Returns how many of them
 * are real history for an n-gram: the words since the sentence start plus the one </s> boundary,
 * capped at n. (The NNLM reads all n; an n-gram model must not count padding as seen context.) */
int lm_history(const int *tok, long i, int *ctx, int n);

/* exp of minus the mean of n natural-log probabilities: the perplexity. */
double perplexity_from_logprobs(const double *lp, long n);

#endif
