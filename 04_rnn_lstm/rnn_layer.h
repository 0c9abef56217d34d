/* rnn_layer.h - a recurrent cell run through time: backpropagation through time (BPTT) over a
 * batch of sequences, a right-to-left direction, the bidirectional wrapper, and stacks of layers
 * with dropout and a hidden state that can be carried from one chunk of text to the next
 * (truncated BPTT).
 *
 * Layout: sequences are time-major, x (T,B,C): position t of all B sequences is one contiguous
 * (B,C) block, so a time step is a plain matmul over B rows, and all T steps together are one
 * (T*B, C) matrix for the input projection and the weight gradients (see cells.h).
 *
 * BPTT, in one paragraph: unrolled through T steps, a recurrent layer is a T-layer network whose
 * layers share one set of weights. The backward pass walks the steps from last to first carrying
 * dh, the gradient reaching the hidden state (and dc, the LSTM's cell state): at step t it adds
 * what the output at t received, pushes the sum through the cell, and hands the part for h_{t-1}
 * on to step t-1. The shared weights get the sum of all steps' contributions. Truncated BPTT
 * (for long texts) cuts the text into chunks of T steps: the hidden state flows on from one chunk
 * to the next (rnn_stack_carry), the gradient does not.
 *
 * Chapter 05 drives a decoder one step at a time (its input at step t depends on step t-1's output):
 * rnn_layer_begin + rnn_layer_step record the same caches as rnn_layer_forward, so the same
 * rnn_layer_backward runs after either.
 */
#ifndef RNN_LAYER_H
#define RNN_LAYER_H

#include "cells.h"
#include "rng.h"
#include "tensor.h"

/* ---- one layer, one direction --------------------------------------------------------------- */
typedef struct {
    CellType type;
    int C, H, G;      /* input size, hidden size, gate blocks */
    int reverse;      /* 1: reads the sequence from position T-1 down to 0 */
    int maxT, maxB;   /* capacity */
    int T, B;         /* of the last forward */
    /* caches, all in processing order (step k reads position k, or T-1-k when reverse): */
    float *x;         /* (maxT, maxB, C) the inputs */
    float *xp;        /* (maxT, maxB, G*H) x Wx^T + b, then (in place) the pre-activations */
    float *wht;       /* (H, G*H) Wh^T, refreshed at every forward (cells.h says why) */
    float *hs;        /* (maxT+1, maxB, H): hs[0] the initial state, hs[k+1] the state after step k */
    float *cs;        /* LSTM: (maxT+1, maxB, H), the same for the cell state */
    float *cache;     /* (maxT, maxB, cell_cache_width) gates etc. */
    float *dxp, *dhp; /* (maxT, maxB, G*H) pre-activation gradients; dhp == dxp except for the GRU */
    float *dh[2], *dc[2]; /* (maxB, H) the running state gradients, this step's and the previous one's */
    float *dxbuf;     /* reverse: (maxT, maxB, C) dx in processing order */
    /* Optional, caller-owned (T,B,H) by position: when set, the backward stores there the whole
     * gradient dLoss/dh_t reaching every hidden state (chapter 04's C10 plots its norm). */
    float *dh_record;
} RnnLayer;

void rnn_layer_init(RnnLayer *l, CellType t, int C, int H, int reverse, int maxT, int maxB);
void rnn_layer_free(RnnLayer *l);

/* x (T,B,C) by position; h0, c0 (B,H) the state before the first step (NULL: zeros; c0 is read
 * by the LSTM only). out (T,B,H) by position: out[t] is the state after reading position t (after
 * x[0..t], or after x[T-1..t] when reverse). Dies if T or B exceeds the capacity. */
void rnn_layer_forward(RnnLayer *l, const CellWeights *w, float *out, const float *x, const float *h0,
                       const float *c0, int T, int B);
/* The state after the last step (B,H) (c: LSTM only; either may be NULL). */
void rnn_layer_final_state(const RnnLayer *l, float *h, float *c);

/* Step by step (left to right only): begin sets the initial state and T = 0; each step appends one
 * position x_t (B,C) and returns the new h (B,H), valid until the next begin or forward. */
void rnn_layer_begin(RnnLayer *l, const CellWeights *w, int B, const float *h0, const float *c0);
const float *rnn_layer_step(RnnLayer *l, const CellWeights *w, const float *x_t);

/* BPTT through the steps of the last forward. dout (T,B,H) by position: the gradient the outputs
 * received (NULL: none); dhT, dcT (B,H): the gradient reaching the final state from outside (a
 * decoder that started from it; NULL: none). Accumulates (+=) into the weight gradients g, into dx
 * (T,B,C) by position, and into dh0, dc0 (B,H), the gradients of the initial state (each may be
 * NULL). */
void rnn_layer_backward(RnnLayer *l, const CellWeights *w, const CellWeights *g, float *dx, float *dh0,
                        float *dc0, const float *dout, const float *dhT, const float *dcT);

/* ---- the bidirectional wrapper -------------------------------------------------------------- */
/* D = 1: one left-to-right layer. D = 2: a left-to-right and a right-to-left layer read the same
 * input, and the output at each position is their two states side by side, [forward | backward]
 * (B rows of 2H), PyTorch's layout for bidirectional=True. A word in the middle of a sentence
 * then sees both its left and its right context (ELMo, C12; BERT, chapter 07, does it in one
 * model). */
typedef struct {
    int D, C, H;
    RnnLayer dir[2];
    float *o[2];   /* (maxT, maxB, H) each direction's output */
    float *out;    /* D = 2: (maxT, maxB, 2H) the concatenation; D = 1: o[0] */
    float *dsplit; /* D = 2: (maxT, maxB, H) scratch for one direction's half of dout */
} BiRnn;

void birnn_init(BiRnn *b, CellType t, int C, int H, int D, int maxT, int maxB);
void birnn_free(BiRnn *b);
/* x (T,B,C); h0[d], c0[d] (B,H) each direction's initial state (h0/c0 or any entry NULL: zeros).
 * Returns out (T,B,D*H), owned by b. */
const float *birnn_forward(BiRnn *b, const CellWeights *w, const float *x, float *const *h0,
                           float *const *c0, int T, int B);
/* dout (T,B,D*H); accumulates into g[d], dx (T,B,C), dh0[d], dc0[d] (any may be NULL). */
void birnn_backward(BiRnn *b, const CellWeights *w, const CellWeights *g, float *dx, float *const *dh0,
                    float *const *dc0, const float *dout);

/* ---- a stack of layers ---------------------------------------------------------------------- */
/* L layers of D directions; layer l > 0 reads layer l-1's output (D*H wide). Dropout (Zaremba et
 * al. 2014) is applied, when training, to every layer's output, never on the recurrent path. The
 * stack keeps each layer's initial state (h0, c0), which rnn_stack_carry replaces by the final
 * state for the next chunk of a long text, and after the backward the gradients of those initial
 * states (dh0, dc0; chapter 05 passes them to its encoder). Arrays indexed [l * D + d]. */
typedef struct {
    CellType type;
    int L, D, C, H, maxT, maxB;
    float dropout;
    BiRnn *layer;        /* L */
    CellWeights *w, *g;  /* L*D, bound to a Params by rnn_stack_bind */
    float **h0, **c0;    /* L*D, (maxB, H) */
    float **dh0, **dc0;  /* L*D, (maxB, H) */
    float **mask;        /* L, (maxT, maxB, D*H) dropout masks */
    float **dropped;     /* L, (maxT, maxB, D*H) outputs after dropout */
    float *dbuf[2];      /* (maxT, maxB, max(C, D*H)) gradient between layers */
    int T, B, train;
} RnnStack;

/* Parameter names: "<prefix>.l<layer>" and, for the right-to-left direction, "<prefix>.l<layer>r". */
void rnn_stack_add_specs(SpecList *s, const char *prefix, CellType t, int L, int D, int C, int H);
void rnn_stack_init(RnnStack *s, CellType t, int L, int D, int C, int H, float dropout, int maxT, int maxB);
void rnn_stack_free(RnnStack *s);
/* Point w and g at the stack's tensors in p (by name). */
void rnn_stack_bind(RnnStack *s, const Params *p, const char *prefix);
void rnn_stack_init_weights(RnnStack *s, float forget_bias, Rng *rng);
/* Zero the initial states (a new text begins). */
void rnn_stack_reset(RnnStack *s);
/* x (T,B,C) -> the last layer's output (T,B,D*H), owned by the stack. train != 0 applies dropout
 * (rng needed then). */
const float *rnn_stack_forward(RnnStack *s, const float *x, int T, int B, int train, Rng *rng);
/* Truncated BPTT: make each layer's final state the initial state of the next forward. */
void rnn_stack_carry(RnnStack *s);
/* dout (T,B,D*H) -> accumulates the weight gradients and dx (T,B,C) (may be NULL); overwrites
 * dh0/dc0 with the gradients of the initial states. */
void rnn_stack_backward(RnnStack *s, float *dx, const float *dout);

#endif
