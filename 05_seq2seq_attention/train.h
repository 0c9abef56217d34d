/* train.h - training the encoder-decoder and measuring it: batches of equal source length,
 * Adam with gradient clipping under a step or time budget, the teacher-forced loss, decoding a
 * whole split, BLEU and exact match.
 *
 * Batches: a split is cut into groups of equal source length, each group shuffled and cut into
 * batches, and the batches shuffled; so every batch needs no source padding (encdec.h), and the
 * order still changes every epoch. Tatoeba's lengths cluster at 4-8 words, so nearly all batches
 * are full.
 *
 * Builds on: encdec.h, search.h, tasks.h, bleu.h, common/optim.h, common/progress.h.
 */
#ifndef S2S_TRAIN_H
#define S2S_TRAIN_H

#include <stdint.h>

#include "bleu.h"
#include "encdec.h"
#include "tasks.h"

/* ---- batches ---------------------------------------------------------------------------------- */
typedef struct {
    int *order;   /* example indices, batch after batch */
    int *start;   /* batch i is order[start[i] .. start[i+1]) */
    int nbatches;
} S2SBatchPlan;
/* Plan batches of up to maxB over the examples which[0..n) of split s (which NULL: all of them),
 * equal source length within a batch. rng shuffles (NULL: in order, for evaluation). */
void s2s_plan_batches(S2SBatchPlan *p, const TaskSplit *s, const int *which, int n, int maxB, Rng *rng);
void s2s_plan_free(S2SBatchPlan *p);

/* ---- training --------------------------------------------------------------------------------- */
typedef struct {
    int batch;          /* pairs per step, at most the model's capacity */
    long steps;         /* stop after this many optimiser steps (0: no limit) */
    double seconds;     /* stop after this much training time, wall clock (0: no limit) */
    double cpu_seconds; /* stop after this much CPU time of the process, all threads (0: no limit).
                           On a machine shared with other work the wall clock runs on while this
                           program waits for a core; CPU time does not, so variants trained on the
                           same CPU budget get the same amount of computation. At least one of
                           steps, seconds and cpu_seconds must be set. */
    float lr;           /* Adam's (peak) learning rate */
    int cosine;         /* 1: decay it along a cosine to 5% over the budget (steps, else seconds) */
    float clip;         /* clip the global gradient norm (0: off) */
    long print_every;   /* steps between progress lines (0: none) */
    uint64_t seed;      /* batch order and dropout */
} S2STrainOptions;
S2STrainOptions s2s_train_defaults(void); /* batch 32, 30 s, lr 3e-3 constant, clip 5, print every 200, seed 1 */

typedef struct {
    long steps;
    int epochs;             /* passes begun */
    double seconds;         /* training time, wall clock */
    double cpu_seconds;     /* and in CPU time of the process */
    double tokens;          /* target tokens trained on */
    double first_loss, last_loss; /* mean loss of the first and the last window of steps (the
                                     print interval, or 100 steps) */
} S2STrainResult;

/* Train on train with Adam; prints the shared progress line (common/progress.h). */
void s2s_train(S2SModel *m, const TaskSplit *train, const S2STrainOptions *o, S2STrainResult *r);

/* Teacher-forced mean cross-entropy in nats per target token over s (eval mode). */
double s2s_eval_loss(S2SModel *m, const TaskSplit *s);

/* ---- decoding a split ------------------------------------------------------------------------- */
/* The output for the first example of every group (a source sentence with all its references),
 * or of the first max_groups groups. */
typedef struct {
    int n;          /* groups decoded */
    int max_len;    /* row width of ids */
    int *head;      /* (n) index in the split of the group's first example */
    int *len;       /* (n) output length */
    int *ids;       /* (n, max_len) */
    double seconds; /* decoding time */
} S2SDecoded;
/* beam <= 1: greedy (in batches of equal source length); beam K > 1: beam search, one sentence at
 * a time. */
void s2s_decode_split(S2SModel *m, const TaskSplit *s, int beam, float len_alpha, int max_groups, S2SDecoded *d);
void s2s_decoded_free(S2SDecoded *d);

/* Corpus BLEU of d against the references of every decoded group (bleu.h); st (may be NULL)
 * receives the counts. If by_len is not NULL, by_len[L] (L <= max_len) receives the counts of the
 * sentences whose source has L tokens (longer ones go to by_len[max_len]). Returns BLEU. */
double s2s_bleu(const Task *t, const TaskSplit *s, const S2SDecoded *d, BleuStats *st, BleuStats *by_len, int max_len);
/* Exact match: the output equals the (first) target token for token. correct/total (max_len + 1
 * each, may be NULL) receive the counts by source length (longer ones at max_len). Returns the
 * overall accuracy in [0, 1]. */
double s2s_exact_match(const TaskSplit *s, const S2SDecoded *d, int *correct, int *total, int max_len);

#endif
