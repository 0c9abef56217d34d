/* rnnlm.h - a recurrent language model: characters (or words) -> embedding -> a stack of RNN,
 * LSTM or GRU layers -> a softmax over the vocabulary, trained by truncated BPTT with Adam and
 * gradient clipping; evaluation in nats and bits per token, checkpoints, sampling with a
 * temperature from a prompt.
 *
 * Chapter 04, claim C9 (an RNN carries a memory of the history: it trains and samples text), and
 * the models behind C10 and C12. The same code path serves characters (every code point a token,
 * spaces, line breaks and capitals included) and words (common/tokenize.h's words, as chapter 03
 * used them), so the two can be compared; the unit only changes how text becomes ids and back.
 *
 * Builds on: cells.h and rnn_layer.h (this chapter), common/embedding.h, matmul.h's linear layer,
 * softmax.h's cross-entropy, optim.h (Adam, clipping), checkpoint.h, vocab.h.
 * Leaves out: sampled or hierarchical softmax (chapter 02 has them), weight tying, beam search.
 */
#ifndef RNNLM_H
#define RNNLM_H

#include <stddef.h>

#include "cells.h"
#include "rnn_layer.h"
#include "rng.h"
#include "tensor.h"
#include "vocab.h"

typedef enum { UNIT_CHARS, UNIT_WORDS } LmUnit;

#define LM_UNK "<unk>" /* id 0 in every vocabulary: a character or word the training text lacks */
#define LM_FORMAT "nlpc-rnnlm"
#define LM_FORMAT_VERSION 1

/* ---- text <-> ids ---------------------------------------------------------------------------- */
/* The tokens of text in order: chars = every UTF-8 code point (invalid bytes are dropped, as
 * corpus_read never lets them in); words = tokenize(TOK_WORDS). Returns a TokenList. */
void lm_tokenize(const char *text, size_t len, LmUnit unit, TokenList *out);
/* A vocabulary of the tokens seen at least min_count times, most frequent first, <unk> at id 0. */
Vocab *lm_build_vocab(const TokenList *toks, LmUnit unit, int min_count);
/* ids[i] = id of toks->tok[i] or 0 (<unk>). Returns the number of <unk>s. */
size_t lm_encode(const Vocab *v, const TokenList *toks, int *ids);
/* Append the text of token id to buf (NUL-terminated, at most cap bytes): characters as they are,
 * words with a space before each one except between Chinese characters or before punctuation. */
void lm_append_token(const Vocab *v, LmUnit unit, int id, char *buf, size_t cap);

/* Mean cross-entropy over the rows whose target is >= 0, with softmax.h's crossentropy_forward
 * contract (probs (N,V) written, may equal logits), but the softmax goes through common/fastexp.h's
 * vectorised exp: with 4,500 Chinese characters the V-way softmax was a fifth of the training time. */
float lm_crossentropy(float *probs, const float *logits, const int *targets, int N, int V);

/* ---- the model ------------------------------------------------------------------------------ */
typedef struct {
    CellType cell;
    LmUnit unit;
    int layers, hidden, embed;
    float dropout;
} LmConfig;

typedef struct {
    LmConfig cfg;
    Vocab *vocab; /* owned */
    int V;
    Params p;
    float *emb;            /* (V, E) */
    float *head_w, *head_b; /* (V, H), (V) */
    float *demb, *dhead_w, *dhead_b;
    RnnStack stack; /* prefix "rnn" */
    int maxT, maxB, T, B;
    /* one chunk's activations */
    int *ids, *targets; /* (T, B) time-major */
    float *x;           /* (T*B, E) embeddings */
    const float *hid;   /* (T*B, H) the stack's output (owned by the stack) */
    float *probs;       /* (T*B, V) softmax */
    float *dhid, *dx;   /* (T*B, H), (T*B, E) */
    float *dlogits;     /* (T*B, V) */
} RnnLm;

/* Build the model for vocabulary v (ownership passes to m), with room for chunks of up to maxT
 * steps of maxB sequences. Weights are zero: call rnnlm_init_weights or load a checkpoint. */
void rnnlm_init(RnnLm *m, const LmConfig *cfg, Vocab *v, int maxT, int maxB);
void rnnlm_free(RnnLm *m);
/* Embedding N(0, 1) like nn.Embedding, cells as cell_init (forget bias 1), head like nn.Linear. */
void rnnlm_init_weights(RnnLm *m, Rng *rng);

/* One chunk: ids and targets (T,B) time-major (a target < 0 is not counted). Starts from the
 * stack's current initial state (zero it with rnn_stack_reset, or carry it with
 * rnn_stack_carry). Returns the mean cross-entropy in nats. train != 0 applies dropout. */
float rnnlm_forward(RnnLm *m, const int *ids, const int *targets, int T, int B, int train, Rng *rng);
/* Gradients of the last forward's mean loss, accumulated into m->p.grad. */
void rnnlm_backward(RnnLm *m);

/* The stack's initial states, to put the training stream's state aside while evaluating or
 * sampling: a buffer of rnnlm_state_size floats. */
size_t rnnlm_state_size(const RnnLm *m);
void rnnlm_state_get(const RnnLm *m, float *buf);
void rnnlm_state_set(RnnLm *m, const float *buf);

/* Mean loss in nats per token over ids[0..n): the text is cut into B streams read in chunks of T
 * with the state carried across chunks, as in training, so each token (after the first of each
 * stream) is predicted from everything before it in its stream. Leaves the model's state zeroed. */
double rnnlm_evaluate(RnnLm *m, const int *ids, size_t n, int T, int B);

/* Feed prompt[0..np) (np >= 1) to the model from a zero state, then draw n more tokens into out
 * (n ints), each from softmax(logits / temperature); temperature 0 takes the most likely token
 * (deterministic). <unk> is never drawn. Returns n. */
int rnnlm_sample(RnnLm *m, const int *prompt, int np, int *out, int n, float temperature, Rng *rng);

/* The hidden state (of the top layer) after each token of ids[0..n) from a zero state: out (n, H).
 * Chapter 07 (C29) reads a word's vector from the forward LSTM with it. */
void rnnlm_hidden_states(RnnLm *m, const int *ids, int n, float *out);

/* Checkpoints: the parameters plus the configuration and vocabulary in the metadata, so that
 * rnnlm_load needs nothing else. extra: nextra more key/value pairs (step, validation loss). */
int rnnlm_save(const RnnLm *m, const char *path, const char *const *extra, int nextra, char *err);
/* Load a checkpoint into a fresh model with room for maxT x maxB chunks. */
int rnnlm_load(RnnLm *m, const char *path, int maxT, int maxB, char *err);

/* ---- training -------------------------------------------------------------------------------- */
typedef struct {
    int T, B;             /* steps per chunk (truncated BPTT length), parallel streams */
    long steps;           /* optimiser steps (0: until time_limit) */
    double time_limit;    /* seconds of training (0: until steps) */
    float lr, clip;       /* Adam's learning rate; clip the global gradient norm at clip (0: off) */
    float anneal;         /* the learning rate falls to 0 along a cosine over the last `anneal`
                           * fraction of the run (0: constant; 1: the whole run), measured in
                           * steps, or in time when steps is 0 (then not exactly reproducible) */
    int restart_every;    /* each stream restarts from a zero state every this many chunks (0: only
                           * at the start of an epoch); see rnnlm_train */
    long eval_every;      /* steps between validation passes (0: only at the end) */
    size_t eval_tokens;   /* validate on the first eval_tokens tokens of the held-out text (0: all) */
    long print_every;     /* steps between progress lines */
    long sample_every;    /* steps between samples besides those before and after training (0: none) */
    int sample_len;       /* tokens per sample (0: no samples at all) */
    float temperature;
    const char *prompt;   /* for the samples ("" or NULL: a line break) */
    const char *save;     /* checkpoint path, written at each validation that improves (NULL: none) */
    unsigned long long seed;
    int quiet;            /* print nothing (tests) */
} TrainConfig;

/* The curve a run leaves behind, for the plots and the README. */
typedef struct {
    int n, cap;
    double *step, *seconds, *train_loss, *val_loss;
    long steps_done;
    double seconds_total, tokens_per_sec, best_val, final_val;
} TrainLog;
void train_log_free(TrainLog *log);

/* Train on train[0..ntrain), validate on val[0..nval) (nval may be 0). Prints the progress lines,
 * the validation results in nats and bits per token, and the samples.
 *
 * The text is read as B streams, each a contiguous slice, in chunks of T steps; the hidden state
 * of each stream flows from one chunk into the next (truncated BPTT), so the model learns from
 * contexts longer than T. But then it almost never sees the zero state that sampling and
 * evaluation start from, and early in training it maps that state to a near-uniform distribution
 * (measured: after 86 steps on 红楼梦, top probability 0.0005 after "宝玉" from zero, 0.16 after a
 * warm-up text). So stream b restarts from zero every restart_every chunks (the streams take turns,
 * b + chunk = 0 mod restart_every), as if a new text began there. */
void rnnlm_train(RnnLm *m, const TrainConfig *tc, const int *train, size_t ntrain, const int *val, size_t nval,
                 TrainLog *log);

/* Encode a prompt (UTF-8 text) into ids with the model's unit; returns a malloc'd array and its
 * length in *n (at least 1: an empty prompt becomes a line break or, for words, <unk>). */
int *lm_encode_prompt(const RnnLm *m, const char *prompt, int *n);
/* Print ids as text after a prefix. */
void lm_print_tokens(const RnnLm *m, const char *prefix, const int *ids, int n);

#endif
