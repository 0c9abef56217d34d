/* experiments.h - the demonstrations of chapter 05, one function per command of bin/seq2seq:
 *
 *   exp_translate  C13, C14, C15 on real data: train the chosen variants on Tatoeba English ->
 *                  Chinese (or back) for the same budget each, report corpus BLEU on the test
 *                  split (greedy, and beam search when asked), BLEU by source length (one curve
 *                  per variant), example translations beside their references, and the attention
 *                  heatmap of one sentence.
 *   exp_lengths    C14 under control: the synthetic task, exact-match accuracy against input
 *                  length for every variant, one plot with all the curves.
 *   exp_timing     C16: time per sequence against its length, with one and two threads and with a
 *                  batch of sequences: the steps of a sequence wait for each other.
 *
 * Builds on: encdec.h, search.h, train.h, tasks.h, common/plot.h.
 */
#ifndef S2S_EXPERIMENTS_H
#define S2S_EXPERIMENTS_H

#include "encdec.h"
#include "tasks.h"
#include "train.h"

#define EXP_MAX_VARIANTS 3

/* What every command shares: the model, its training and its decoding. */
typedef struct {
    S2SConfig model;              /* vocabulary sizes are filled in from the task */
    AttnKind variants[EXP_MAX_VARIANTS];
    int nvariants;
    S2STrainOptions train;
    int beam;                     /* > 1: also decode with beam search of this width */
    float len_alpha;              /* beam search's length normalisation exponent */
    int beam_sentences;           /* beam search on the first N test sentences only (0: all) */
    const char *name;             /* prefix of the plots' file names */
} ExpCommon;

typedef struct {
    ExpCommon c;
    const char *data;
    TatoebaOptions tatoeba;
    int examples;                 /* example translations printed */
    const char *heatmap_sentence; /* NULL: a test sentence of 6-9 tokens */
    const char *translate;        /* NULL, or a sentence to translate after training */
} TranslateOpts;

typedef struct {
    ExpCommon c;
    SynthOptions synth;
    int examples;
} LengthsOpts;

typedef struct {
    CellType cell;
    int hidden, emb, vocab, batch, repeats;
    int lengths[16], nlengths;
    const char *name;
} TimingOpts;

/* Each returns 0, or -1 after printing why (a data file that cannot be read). */
int exp_translate(const TranslateOpts *o);
int exp_lengths(const LengthsOpts *o);
int exp_timing(const TimingOpts *o);

#endif
