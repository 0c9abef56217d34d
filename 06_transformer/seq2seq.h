/* seq2seq.h - the full transformer: an encoder stack and a decoder stack, trained on pairs of
 * (source ids, target ids), and greedy decoding.
 *
 * What it teaches (claim C20; "Attention is all you need", figure 1 and sections 3.4, 5.3, 5.4):
 *  - The source sentence is embedded (times sqrt(C)), given positions, and passed through N
 *    encoder blocks; every source position is computed at once. The result, one vector per source
 *    token ("memory"), is what every decoder block's encoder-decoder attention looks at.
 *  - Training is "teacher forcing" done in parallel: the decoder reads the whole target shifted
 *    right (BOS y1 ... yn) and predicts y1 ... yn EOS at every position in one pass; the causal
 *    mask makes position t blind to y_t and later, so this equals n separate left-to-right steps.
 *  - The output layer is the target embedding transposed (the paper shares one matrix between the
 *    embeddings and the pre-softmax projection); with shared_emb the source uses the same table
 *    (one joint vocabulary, as the paper's byte-pair vocabulary).
 *  - The loss is label-smoothed cross-entropy; the optimiser Adam (beta2 0.98, eps 1e-9) with the
 *    paper's schedule lrate = C^-0.5 * min(step^-0.5, step * warmup^-1.5): a linear warm-up, then
 *    decay as 1/sqrt(step) (LR_INV_SQRT of common/optim.h, with base rate (C * warmup)^-0.5).
 *  - Generation is sequential again: greedy decoding feeds each predicted token back in, one step
 *    at a time (here by recomputing the decoder over the prefix, projecting only the last
 *    position onto the vocabulary; a key/value cache would avoid the rest, see attention.h).
 *
 * The task is not part of this file: anything that yields pairs of id sequences trains (the digit
 * reversal of tasks.h; chapter 05's translation and synthetic tasks through translate.h, C20).
 * Target ids must leave room for the three special ids of the config (pad, BOS, EOS).
 *
 * Builds on: blocks.h, layers.h, common/optim.h, common/progress.h. */
#ifndef TRANSFORMER_SEQ2SEQ_H
#define TRANSFORMER_SEQ2SEQ_H

#include "blocks.h"
#include "optim.h"

typedef struct {
    int src_vocab, tgt_vocab; /* sizes, special ids included */
    int C, NH, F;             /* width, heads, feed-forward width */
    int n_enc, n_dec;         /* blocks in each stack */
    int max_src, max_tgt;     /* longest source; longest target with BOS or EOS added */
    FfnAct act;
    int prenorm;              /* 0: post-norm (the paper); 1: pre-norm, with a final LN on each stack */
    float dropout;            /* on embeddings and sub-layer outputs (paper: 0.1) */
    float label_smoothing;    /* paper: 0.1 */
    int shared_emb;           /* 1: one table for source and target (src_vocab must equal tgt_vocab) */
    int learned_pos;          /* 0: sinusoids (the paper); 1: learned position vectors */
    int pad_id, bos_id, eos_id; /* pad_id is also the source's padding id */
} Seq2SeqConfig;

Seq2SeqConfig seq2seq_defaults(void); /* a small model: C 64, 4 heads, F 256, 2 + 2 blocks */

/* One pair, without BOS/EOS; the ids belong to whoever made the pair. */
typedef struct {
    const int *src, *tgt;
    int src_len, tgt_len;
} Pair;

typedef struct {
    Pair *pairs;
    int n;
} PairSet;

/* A padded batch, ready for the model. */
typedef struct {
    int B, S, T;              /* sequences, source length, target length (the longest of the batch) */
    int *src;                 /* (B,S) source ids, pad_id after the end */
    unsigned char *src_pad;   /* (B,S) 1 at padding */
    int *tgt_in;              /* (B,T) BOS y1 .. yn, then pad_id: what the decoder reads */
    int *tgt_out;             /* (B,T) y1 .. yn EOS, then -1: what it must predict (-1 = ignored) */
    unsigned char *tgt_pad;   /* (B,T) */
    int ntokens;              /* predicted tokens (EOS included) */
    int maxB, maxS, maxT;
} Seq2SeqBatch;

void seq2seq_batch_alloc(Seq2SeqBatch *b, int maxB, int maxS, int maxT);
void seq2seq_batch_free(Seq2SeqBatch *b);
/* Pad B pairs into b. Dies on a pair longer than the config allows or an id out of range. */
void seq2seq_batch_make(Seq2SeqBatch *b, const Seq2SeqConfig *c, const Pair *const *pairs, int B);

typedef struct {
    Seq2SeqConfig cfg;
    int maxB;
    float emb_scale;                 /* sqrt(C) */
    Params p;
    float **ptrs;                    /* p carved: weights... */
    float **gptrs;                   /* ...and gradients, in spec order */
    /* weights and gradients (src_emb == tgt_emb when shared; *_pos NULL with sinusoids) */
    float *src_emb, *tgt_emb, *src_pos, *tgt_pos, *gsrc_emb, *gtgt_emb, *gsrc_pos, *gtgt_pos;
    EncoderBlockWeights *encw, *encg;
    DecoderBlockWeights *decw, *decg;
    LnWeights enc_norm, dec_norm, genc_norm, gdec_norm; /* pre-norm only */
    float *pe;                       /* (max(max_src, max_tgt), C) sinusoids */
    EncoderBlock *enc;
    DecoderBlock *dec;
    /* activations of the last forward */
    int B, S, T, enc_dropped, dec_dropped;
    const int *src_ids, *tgt_in, *tgt_out;
    const unsigned char *src_pad, *tgt_pad;
    float *xs;                       /* (n_enc + 1) x (B,S,C): the encoder's stream, layer by layer */
    float *ys;                       /* (n_dec + 1) x (B,T,C) */
    float *mem_buf, *yout_buf;       /* pre-norm: the final layer norms' outputs */
    const float *mem, *yout;         /* the encoder's output; the decoder's, before the projection */
    float *enc_mean, *enc_rstd, *dec_mean, *dec_rstd;
    float *src_dmask, *tgt_dmask;    /* embedding dropout */
    float *logits, *probs;           /* (B,T,V) */
    /* gradient scratch */
    float *dx[2], *dy[2], *dmem, *dyout, *dlogits;
} Seq2Seq;

/* Build the model for batches of up to maxB pairs; weights initialised from rng. Dies on an
 * inconsistent config. */
void seq2seq_init(Seq2Seq *m, const Seq2SeqConfig *c, int maxB, Rng *rng);
void seq2seq_free(Seq2Seq *m);
/* Parameter count. */
size_t seq2seq_num_params(const Seq2Seq *m);

/* Encode a batch of sources (B,S) with padding mask src_pad (B,S) into m->mem (B,S,C). rng: dropout
 * (NULL to evaluate). */
void seq2seq_encode(Seq2Seq *m, const int *src, const unsigned char *src_pad, int B, int S, Rng *rng);
/* Run the decoder over tgt_in (B,T) against the last encoding; m->logits (B,T,V) holds the scores
 * of the next token at every position. */
void seq2seq_decode(Seq2Seq *m, const int *tgt_in, const unsigned char *tgt_pad, int T, Rng *rng);
/* Both, plus the loss: returns the label-smoothed loss, *nll (may be NULL) the plain cross-entropy
 * in nats per target token. */
float seq2seq_forward(Seq2Seq *m, const Seq2SeqBatch *b, Rng *rng, double *nll);
/* Gradients of the last seq2seq_forward's loss into m->p.grad (+=; zero them first). */
void seq2seq_backward(Seq2Seq *m);

/* Greedy decoding of B sources (B,S) at once: out (B,max_out) receives up to max_out target ids
 * each (EOS not included), out_len (B) their lengths. max_out < cfg.max_tgt. */
void seq2seq_greedy(Seq2Seq *m, const int *src, const unsigned char *src_pad, int B, int S, int max_out, int *out,
                    int *out_len);

/* ---- training --------------------------------------------------------------------------------- */
typedef struct {
    int epochs;          /* passes over the training pairs (a time budget may stop it earlier) */
    int batch;           /* pairs per step */
    float lr_factor;     /* the schedule's peak is lr_factor * (C * warmup)^-0.5 */
    long warmup;         /* steps of linear warm-up (paper: 4000) */
    float clip;          /* gradient norm clipping (0: none) */
    double max_seconds;  /* training-time budget (0: none) */
    double max_cpu_seconds; /* CPU-time budget of the process, all threads (0: none): on a machine
                            shared with other work the wall clock runs on while this program waits
                            for a core, CPU time does not (chapter 05's --cpu-seconds) */
    long max_steps;      /* step budget (0: none); whichever budget ends first stops training */
    int log_every;       /* steps between progress lines (0: only per epoch) */
    uint64_t seed;       /* shuffling and dropout */
    int quiet;           /* no per-epoch lines */
    int buckets;         /* 0: batches of random pairs; K > 0: every epoch, the shuffled pairs are cut
                            into chunks of K batches, each chunk sorted by length and cut into
                            batches, and the batches shuffled: pairs of similar length share a batch,
                            so little of it is padding (real sentences vary in length) */
} Seq2SeqTrainOptions;
Seq2SeqTrainOptions seq2seq_train_defaults(void);

#define SEQ2SEQ_MAX_EPOCHS 1000
typedef struct {
    int epochs;                                  /* completed (a time-stopped last one counts) */
    long steps;
    double seconds;                              /* training time, validation excluded */
    double cpu_seconds;                          /* the same in CPU time of the process */
    double epoch_seconds[SEQ2SEQ_MAX_EPOCHS];
    double train_loss[SEQ2SEQ_MAX_EPOCHS];       /* mean label-smoothed loss over the epoch */
    double valid_nll[SEQ2SEQ_MAX_EPOCHS];        /* teacher-forced cross-entropy, nats/token */
    double valid_acc[SEQ2SEQ_MAX_EPOCHS];        /* teacher-forced next-token accuracy */
    double tokens;                               /* target tokens trained on */
} Seq2SeqTrainStats;

/* Train on train, validating after every epoch on valid (may be empty). Prints the shared
 * progress line every log_every steps and one line per epoch. */
void seq2seq_train(Seq2Seq *m, const PairSet *train, const PairSet *valid, const Seq2SeqTrainOptions *o,
                   Seq2SeqTrainStats *st);

/* Teacher-forced evaluation: mean cross-entropy (nats/token) and next-token accuracy. */
void seq2seq_evaluate(Seq2Seq *m, const PairSet *set, double *nll, double *acc);

/* Greedy decoding of every pair of set: exact-match accuracy overall (returned), and per source
 * length when correct/total (max_len + 1 entries each, indexed by source length) are not NULL. */
double seq2seq_exact_match(Seq2Seq *m, const PairSet *set, int max_len, int *correct, int *total);

#endif
