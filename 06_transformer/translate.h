/* translate.h - claim C20 on chapter 05's own tasks: the encoder-decoder transformer of seq2seq.h
 * and chapter 05's recurrent encoder-decoder with attention, trained back to back in one process
 * for the same wall-clock time on the same machine, then scored by the same code.
 *
 * What it teaches: "the same task, the same time" is the only fair way to compare two
 * architectures whose steps cost different amounts. Both models see chapter 05's pairs (tasks.h:
 * the Tatoeba English -> Chinese split, vocabularies and references, or the synthetic string task
 * whose length the program controls); both are scored by chapter 05's train.h (corpus BLEU of
 * bleu.h with all references, BLEU by source length, exact match by length), so the numbers differ
 * only because the models do. The transformer computes every position of a sentence at once; the
 * RNN must walk through it (C16), which is what its time per epoch shows.
 *
 * What it reuses rather than copies: chapter 05's tasks.h (data, split, tokenisation), bleu.h and
 * train.h (training chapter 05's model, the batch plan of equal source length, decoding a split,
 * BLEU and exact match), and chapter 04's cells inside chapter 05's model, all through ch05.h.
 *
 * Builds on: seq2seq.h (the transformer), ch05.h (chapter 05), common/plot.h. */
#ifndef TRANSFORMER_TRANSLATE_H
#define TRANSFORMER_TRANSLATE_H

#include "05_seq2seq_attention/tasks.h"
#include "ch05.h"
#include "seq2seq.h"

/* ---- chapter 05's pairs as the transformer's ---------------------------------------------------- */
/* The pairs of a split as a PairSet (the ids stay the Task's; free ps->pairs). Chapter 05's ids
 * 0, 1, 2 (<pad> <bos> <eos>) are the transformer's pad, BOS and EOS ids. */
void pairs_from_split(const TaskSplit *s, PairSet *ps);
/* The transformer's configuration for a task: base's sizes and choices, the task's vocabularies,
 * lengths (max_tgt leaves room for chapter 05's decoding limit, 2 S + 10 tokens) and special ids;
 * separate embeddings unless both sides share one vocabulary (the synthetic task). */
Seq2SeqConfig tf_config_for_task(const Task *t, const Seq2SeqConfig *base);
/* The longest output decoded for a source of S tokens (chapter 05's rule, capped by the model). */
int tf_max_output(const Seq2Seq *m, int S);
/* Greedy decoding of the first example of every group of s (one source sentence with all its
 * references), in batches of equal source length (chapter 05's plan: no padding), into d, which
 * chapter 05's BLEU and exact match score (ch05.h). Free with outputs_free. */
void tf_decode_split(Seq2Seq *m, const TaskSplit *s, Outputs *d);

/* ---- the comparison ---------------------------------------------------------------------------- */
typedef struct {
    int synthetic;               /* 0: Tatoeba (BLEU); 1: chapter 05's synthetic task (exact match) */
    const char *data;            /* the Tatoeba TSV */
    TatoebaOptions tatoeba;
    SynthOptions synth;
    double seconds;              /* training time of EACH model, wall clock (0: none) */
    double cpu_seconds;          /* or CPU time of the process (0: none) */
    long steps;                  /* or steps (0: none); whichever budget ends first */
    Seq2SeqConfig tf;            /* sizes and choices; vocabularies and lengths come from the task */
    Seq2SeqTrainOptions tf_train;
    int rnn;                     /* 1: train chapter 05's model too (first) */
    Ch05Config rnn_cfg;          /* chapter 05's model and its training */
    int examples;                /* example outputs printed */
    const char *heatmap;         /* the sentence (or string) whose attention is drawn; NULL: a test one */
    const char *name;            /* prefix of the plots */
} CompareOpts;
CompareOpts compare_defaults(void);

/* Train, decode, score and print; returns 0, or -1 after printing why (unreadable data). */
int compare_run(const CompareOpts *o);

#endif
