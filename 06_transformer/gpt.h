/* gpt.h - a decoder-only transformer language model (GPT): token and position embeddings, a
 * stack of encoder blocks run with the causal mask, a final layer norm, and the output layer tied
 * to the token embedding. Character-level here, trained on the same text as chapter 04's character
 * LM; sampling with a temperature from a prompt (Chinese included); checkpoints.
 *
 * What it teaches (claim C21; Radford et al. 2018/2019):
 *  - A GPT is the transformer's decoder without the encoder-decoder attention: the very same blocks
 *    as the encoder (blocks.h), with the causal mask, so position t is predicted from positions
 *    < t only. Training predicts every position of a window at once, in parallel; generation is
 *    one token at a time.
 *  - Pre-norm (GPT-2) with a last layer norm before the output layer; learned position vectors
 *    (one per position of the context window); GELU.
 *
 * Data: every UTF-8 code point is a token (spaces, line breaks and capitals included); the last
 * valid_frac of the text is held out (contiguous, as chapter 04 does, so the two chapters' numbers
 * are on the same held-out text); the vocabulary is the characters of the training part seen at
 * least min_count times, most frequent first, with <unk> at id 0 for the rest.
 *
 * Builds on: blocks.h, layers.h, common/vocab.h, common/utf8.h, common/checkpoint.h, optim.h. */
#ifndef TRANSFORMER_GPT_H
#define TRANSFORMER_GPT_H

#include <stddef.h>
#include <stdio.h>

#include "blocks.h"
#include "optim.h"
#include "vocab.h"

#define GPT_FORMAT "nlpc-gpt"
#define GPT_FORMAT_VERSION 1
#define GPT_UNK "<unk>"

/* ---- characters <-> ids ----------------------------------------------------------------------- */
typedef struct {
    Vocab *vocab;          /* <unk> at 0, then characters by frequency */
    int *ids;              /* the whole text as ids */
    size_t n, ntrain;      /* tokens; the first ntrain are for training, the rest held out */
    size_t unk_train, unk_valid; /* <unk>s in each part */
} CharText;

/* Read path (common/corpus.h's checks) and split it as described above. Returns 0, or -1 with err
 * set. */
int chartext_load(CharText *t, const char *path, double valid_frac, int min_count, char *err);
void chartext_free(CharText *t);
/* Ids of the characters of s (unknown ones become 0); returns the count, at most max. */
int chars_encode(const Vocab *v, const char *s, int *ids, int max);
/* Append the characters of ids[0..n) to f (<unk> as U+FFFD). */
void chars_print(FILE *f, const Vocab *v, const int *ids, int n);

/* ---- the model -------------------------------------------------------------------------------- */
typedef struct {
    int V, C, NH, F, L;   /* vocabulary, width, heads, feed-forward width, blocks */
    int T;                /* context window (positions) */
    FfnAct act;           /* GELU (GPT) */
    int prenorm;          /* 1 (GPT-2); 0 gives post-norm blocks (GPT-1), no final LN */
    int learned_pos;      /* 1 (GPT); 0: the paper's sinusoids */
    float dropout;
} GptConfig;
GptConfig gpt_defaults(void);

typedef struct {
    GptConfig cfg;
    int maxB;
    Params p;
    float **ptrs, **gptrs;
    float *wte, *wpe, *gwte, *gwpe;  /* (V,C), (T,C) or NULL with sinusoids */
    EncoderBlockWeights *w, *g;      /* L blocks */
    LnWeights lnf, glnf;             /* pre-norm only */
    float *pe;                       /* (T,C) sinusoids */
    EncoderBlock *blk;
    /* the last forward */
    int B, T, dropped;
    const int *ids, *targets;
    float *xs;                       /* (L+1) x (B,T,C): the residual stream at each block's input */
    float *xf_buf, *lnf_mean, *lnf_rstd, *dmask;
    const float *xf;                 /* (B,T,C): the top of the stack (after the final LN) */
    float *logits, *probs;           /* (B,T,V) */
    float *dx[2], *dxf, *dlogits;
} Gpt;

/* Build the model for batches of up to maxB windows; weights N(0, 0.02) (GPT-2), biases 0, gains 1;
 * rng may be NULL when a checkpoint will be loaded. */
void gpt_init(Gpt *m, const GptConfig *c, int maxB, Rng *rng);
void gpt_free(Gpt *m);

/* ids (B,T), T <= cfg.T: run the model; logits (B,T,V) score the next token at each position.
 * With targets (B,T) (negative = not counted) returns the mean cross-entropy in nats; else 0.
 * rng: dropout (NULL to evaluate). */
float gpt_forward(Gpt *m, const int *ids, const int *targets, int B, int T, Rng *rng);
/* Gradients of the last forward's loss into m->p.grad (+=). */
void gpt_backward(Gpt *m);

/* Mean cross-entropy (nats/token) over ids[0..n): the text is cut into consecutive windows of T+1
 * tokens (overlapping by one), each predicting its last T tokens from the ones before within the
 * window; at most max_windows windows (0: all), spread evenly over the text. */
double gpt_evaluate(Gpt *m, const int *ids, size_t n, int max_windows);

/* Continue prompt[0..np) (np >= 1) by n tokens into out: each drawn from softmax(logits /
 * temperature) over the last cfg.T tokens (temperature 0: the most likely one); <unk> is never
 * drawn. Returns n. */
int gpt_sample(Gpt *m, const int *prompt, int np, int *out, int n, float temperature, Rng *rng);

/* Checkpoints: parameters plus the configuration and vocabulary (its characters in id order) in
 * the metadata, so gpt_load needs nothing else. extra: nextra more key/value pairs. */
int gpt_save(const Gpt *m, const Vocab *v, const char *path, const char *const *extra, int nextra, char *err);
/* Load into a fresh model for batches of maxB; *v receives a new vocabulary (caller frees). */
int gpt_load(Gpt *m, Vocab **v, const char *path, int maxB, char *err);

/* ---- training --------------------------------------------------------------------------------- */
typedef struct {
    int B, T;             /* windows per step, their length (<= cfg.T) */
    long steps;           /* optimiser steps (0: until max_seconds) */
    double max_seconds;   /* training-time budget (0: until steps) */
    float lr;             /* peak learning rate after the warm-up */
    long warmup;          /* linear warm-up steps, then lr * sqrt(warmup / step) (the paper's decay) */
    float weight_decay;   /* AdamW's (biases and norms excluded) */
    float clip;           /* global gradient-norm clipping (0: none) */
    long eval_every;      /* steps between validations (0: only at the end) */
    int eval_windows;     /* windows per validation during training (0: all); the last uses all */
    long log_every;       /* steps between progress lines (0: none) */
    uint64_t seed;
    int quiet;            /* no validation lines */
} GptTrainOptions;
GptTrainOptions gpt_train_defaults(void);

typedef struct {
    long steps;
    double seconds, tokens;     /* training time (validation excluded) and tokens trained on */
    double final_valid;         /* nats/token on the whole held-out part (NAN if none) */
    int n;                      /* validation points */
    double step[256], valid[256], train[256];
} GptTrainStats;

/* Train on train[0..ntrain) with random windows, validating on valid[0..nvalid). */
void gpt_train(Gpt *m, const int *train, size_t ntrain, const int *valid, size_t nvalid, const GptTrainOptions *o,
               GptTrainStats *st);

#endif
