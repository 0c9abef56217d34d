/* experiments.h - the measurements behind chapter 04's claims C10-C12:
 *   C10  gradients vanish through time in a vanilla RNN: the norm of dLoss/dh_t against the
 *        distance from the loss, for RNN, LSTM and GRU trained on the same text;
 *   C11  an LSTM (and a GRU) learns a dependency L steps back that a vanilla RNN does not: the
 *        "remember the first symbol" task, accuracy against L for the three cells;
 *   C12  ELMo: a bidirectional LSTM language model gives the same word different vectors in two
 *        different sentences (and, in its left-to-right half, bit-identical vectors when only the
 *        words after it differ, which is chapter 07's C29 for the forward LSTM).
 * Each function prints its evidence and writes one plot (out/<name>_*.png); it returns 0, or 1 if
 * a plot could not be written (the numbers are printed all the same). */
#ifndef RNN_EXPERIMENTS_H
#define RNN_EXPERIMENTS_H

#include "cells.h"

typedef struct {
    const char *corpus;  /* the text all three models train and are measured on */
    int T;               /* the distance range: sequences of T steps, the loss at the last one */
    int B, hidden, embed;
    long steps;          /* training steps before measuring (0: measure the untrained models) */
    float lr;
    unsigned long long seed;
    const char *name;    /* plot file prefix */
} GradNormConfig;
int exp_gradnorm(const GradNormConfig *c);

#define LONGRANGE_MAX_LENGTHS 16
typedef struct {
    int lengths[LONGRANGE_MAX_LENGTHS], nlengths; /* the distances L to test */
    int symbols;      /* K: the first token is one of K symbols; the noise uses K others */
    int hidden, embed, B;
    float keep_bias;  /* initial bias of the LSTM's forget gate and the GRU's update gate */
    long steps;       /* training steps per cell, length and learning rate */
    float lrs[4];     /* Adam learning rates tried in turn until one solves the task: each cell */
    int nlrs;         /* gets its best, so that no cell fails for a badly chosen rate */
    int test;         /* fresh sequences to measure the accuracy on */
    unsigned long long seed;
    const char *name;
} LongRangeConfig;
int exp_longrange(const LongRangeConfig *c);

typedef struct {
    const char *corpus;
    int unit;         /* LmUnit: UNIT_WORDS or UNIT_CHARS */
    int min_count;    /* rarer tokens become <unk> */
    int hidden, embed, T, B;
    long steps;
    double seconds;   /* training time limit (0: steps only) */
    float lr;
    unsigned long long seed;
    const char *word[2];    /* the word compared in each pair */
    const char *sent[4];    /* two pairs of sentences, each containing its pair's word (NULL: fewer) */
    const char *name;
} ElmoConfig;
int exp_elmo(const ElmoConfig *c);

#endif
