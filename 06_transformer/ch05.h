/* ch05.h - chapter 05's side of the C20 comparison, behind a small interface: its recurrent
 * encoder-decoder with attention (trained and decoded by chapter 05's own train.h and search.h),
 * its batch plan of equal source length, and its scoring (BLEU and exact match, train.h).
 *
 * Why a wrapper: chapter 05's model headers bring chapter 04's cells.h, whose SpecList is another
 * type than layers.h's of this chapter, so no file can include both. This header needs nothing but
 * chapter 05's tasks.h (which needs only common/); the model is an opaque pointer, the choices are
 * names ("gru", "additive"), and decoded outputs travel in Outputs, a copy of chapter 05's
 * S2SDecoded layout. Nothing here re-implements chapter 05: every function calls it.
 *
 * Builds on: 05_seq2seq_attention/{tasks,train,encdec,search}.h. */
#ifndef TRANSFORMER_CH05_H
#define TRANSFORMER_CH05_H

#include "05_seq2seq_attention/tasks.h"

/* Decoded outputs of a split: the first example of every group (a source sentence with all its
 * references). Row g of ids (max_len wide) holds len[g] target ids, no EOS; head[g] is the index of
 * the group's first example in the split. */
typedef struct {
    int n, max_len;
    int *head, *len, *ids;
    double seconds; /* decoding time */
} Outputs;
/* n groups of s, rows max_len wide, zero lengths. */
void outputs_alloc(Outputs *d, const TaskSplit *s, int max_len);
void outputs_free(Outputs *d);

/* Chapter 05's batches for decoding: the examples which[0..n) of s grouped by source length, in
 * batches of up to maxB (no shuffling). Batch i is order[start[i] .. start[i+1]). */
typedef struct {
    int *order, *start, nbatches;
} EqualLengthBatches;
void ch05_plan(EqualLengthBatches *p, const TaskSplit *s, const int *which, int n, int maxB);
void ch05_plan_free(EqualLengthBatches *p);
/* Batches of maxB pairs of equal source length over the whole split (an epoch of chapter 05's
 * training). */
int ch05_batches_per_epoch(const TaskSplit *s, int maxB);

/* Chapter 05's scores. BLEU: corpus BLEU-4 against every reference of each group; by_len (may be
 * NULL, max_len + 1 entries) receives the counts by source length. Exact match: the output equals
 * the target; correct/total (may be NULL) by source length. */
double ch05_bleu(const Task *t, const TaskSplit *s, const Outputs *d, BleuStats *by_len, int max_len);
double ch05_exact_match(const TaskSplit *s, const Outputs *d, int *correct, int *total, int max_len);

/* ---- chapter 05's model ---------------------------------------------------------------------- */
typedef struct {
    const char *cell;      /* "gru" or "lstm" */
    const char *attention; /* "additive", "dot" or "none" */
    int layers, bidir, emb, hidden;
    int batch;
    float lr, clip;
    int cosine;            /* decay the rate along a cosine over the budget (chapter 05's FULL runs) */
    uint64_t seed;
    long print_every;
} Ch05Config;
Ch05Config ch05_defaults(void); /* GRU, additive, 1 bidirectional layer, emb 64, hidden 256, batch 32,
                                   lr 3e-3 with cosine decay, clip 5 (chapter 05's translate) */

typedef struct {
    char label[32];        /* "RNN+additive" ... */
    char description[200]; /* the model in words */
    size_t params;
    long steps;
    double seconds, cpu_seconds, tokens; /* training time (wall clock, and CPU time of the process),
                                            target tokens trained on */
} Ch05Trained;

typedef struct Ch05Model Ch05Model;
/* Build the model for task t and train it on t->train for `seconds` of wall clock, `cpu_seconds` of
 * CPU time or `steps` steps (0: no limit; whichever ends first; one must be set). NULL with err for
 * a bad option. */
Ch05Model *ch05_train(const Task *t, const Ch05Config *c, double seconds, double cpu_seconds, long steps,
                      Ch05Trained *r, char *err);
/* Teacher-forced cross-entropy in nats per target token over s. */
double ch05_eval_loss(Ch05Model *m, const TaskSplit *s);
/* Greedy decoding of every group of s (chapter 05's s2s_decode_split). */
void ch05_decode(Ch05Model *m, const TaskSplit *s, Outputs *d);
void ch05_free(Ch05Model *m);

#endif
