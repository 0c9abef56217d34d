/* layers.h - the pieces a transformer block is made of, besides attention (attention.h):
 * token embeddings with positional encodings (sinusoidal or learned), the position-wise
 * feed-forward network, the residual connection with layer norm (post-norm as in the original
 * paper and BERT, or pre-norm as in GPT-2), label-smoothed cross-entropy, and the list of named
 * parameter shapes a model is declared with. Chapter 07 (BERT) links these unchanged.
 *
 * What it teaches (the article's transformer section; "Attention is all you need", sections 3.3-3.5
 * and 5.4):
 *  - Self-attention is blind to order (C19): permute the inputs and the outputs permute the same
 *    way. Adding a position vector to each token's embedding is what tells "北京 到 上海" from
 *    "上海 到 北京". The paper's fixed sinusoids PE(t, 2i) = sin(t / 10000^(2i/C)),
 *    PE(t, 2i+1) = cos(t / 10000^(2i/C)) need no training and extend to any length; BERT and GPT
 *    learn one vector per position instead, up to a maximum length.
 *  - The feed-forward network FFN(x) = W2 act(W1 x + b1) + b2 acts on every position separately
 *    with the same weights (a 1x1 convolution), widening C to F (usually 4C) and back; ReLU in the
 *    paper, GELU in BERT and GPT.
 *  - Every sub-layer (attention or FFN) is wrapped in a residual connection and a layer norm.
 *    Post-norm (the paper, BERT): out = LN(x + Dropout(Sublayer(x))). Pre-norm (GPT-2 and most
 *    models since): out = x + Dropout(Sublayer(LN(x))), with one more LN after the last block; the
 *    residual path then carries the input untouched from bottom to top, which trains deep stacks
 *    without a warm-up. The Residual type below does either, so the blocks read the same.
 *  - Label smoothing (section 5.4, eps = 0.1): the target distribution puts 1 - eps on the right
 *    token and spreads eps evenly over all V tokens, so the model is never pushed to infinite
 *    confidence; it "hurts perplexity, ... but improves accuracy and BLEU".
 *
 * Builds on: common/matmul.h (linear layers), common/layernorm.h, common/activations.h (ReLU, GELU,
 * dropout), common/embedding.h, common/softmax.h, common/tensor.h (the flat parameter buffer).
 * Conventions: (N,C) or (B,T,C) row-major float32; backward functions ACCUMULATE (+=) into
 * gradients; scratch buffers are allocated by *_init for the largest N and freed by *_free. */
#ifndef TRANSFORMER_LAYERS_H
#define TRANSFORMER_LAYERS_H

#include <stddef.h>

#include "rng.h"
#include "tensor.h"
#include "util.h"

/* ---- declaring a model's parameters ---------------------------------------------------------
 * A model lists its tensors (name, shape, how to initialise them) in a SpecList, in the order of
 * its struct of pointers; params_init (common/tensor.h) lays them out in one flat buffer, and
 * specs_init_values fills them. */
typedef enum {
    INIT_ZERO,   /* biases */
    INIT_ONE,    /* layer-norm gains */
    INIT_XAVIER, /* uniform in +-sqrt(6 / (fan_in + fan_out)): nn.Transformer's choice for matrices */
    INIT_NORMAL  /* normal(0, std): embeddings, and GPT/BERT's matrices (std 0.02) */
} InitKind;

typedef struct {
    ParamSpec *specs; /* names owned by the list */
    InitKind *init;
    float *std;       /* for INIT_NORMAL */
    int n, cap;
} SpecList;

/* Append one tensor of ndim (1 or 2) dims d0 (, d1) named by printf(fmt, ...). Biases and
 * layer-norm parameters should pass no_decay = 1 (AdamW leaves them alone). */
void specs_add(SpecList *l, InitKind init, float std, int no_decay, int ndim, int d0, int d1, const char *fmt, ...)
    PRINTF_LIKE(8, 9);
/* Fill p's data (p built from l's specs, same order) as each spec says. */
void specs_init_values(const SpecList *l, Params *p, Rng *rng);
void specs_free(SpecList *l);

/* Copy the next count pointers of ptrs (a carved Params, see params_carve) into a struct made only
 * of float pointers (MhaWeights, FfnWeights, ...), advancing *next. size = sizeof the struct. */
void carve_struct(void *dst, size_t size, float *const *ptrs, int *next, int n);

/* ---- token embeddings and positions --------------------------------------------------------- */

/* pe (T,C): the paper's sinusoids, PE(t, 2i) = sin(t / 10000^(2i/C)), PE(t, 2i+1) = cos(same). */
void sinusoidal_positions(float *pe, int T, int C);

/* out (B,T,C) = scale * table[ids[b,t]] + pos[t]  (ids (B,T), table (V,C), pos (>= T, C) or NULL).
 * The paper multiplies the embeddings by sqrt(C) so that, with its small initial embeddings, the
 * token and the sinusoid (values in [-1, 1]) are of similar size; BERT and GPT use scale 1. */
void embed_forward(float *out, const int *ids, const float *table, const float *pos, int B, int T, int V, int C,
                   float scale);
/* dtable (V,C) += scale * dout into row ids[b,t]; dpos (T,C) += sum over b of dout (learned
 * positions; NULL for fixed sinusoids). */
void embed_backward(float *dtable, float *dpos, const float *dout, const int *ids, int B, int T, int C, float scale);

/* ---- layer norm weights --------------------------------------------------------------------- */
typedef struct {
    float *w, *b; /* gain and bias (C) */
} LnWeights;

/* ---- the position-wise feed-forward network -------------------------------------------------- */
typedef enum { FFN_RELU, FFN_GELU } FfnAct;

/* nn.Linear layout: w1 (F,C), b1 (F), w2 (C,F), b2 (C). */
typedef struct {
    float *w1, *b1, *w2, *b2;
} FfnWeights;

typedef struct {
    int C, F, maxN;
    FfnAct act;
    int N;          /* rows of the last forward */
    float *h, *a;   /* (N,F): W1 x + b1, and act(h) */
    float *da, *dh; /* backward scratch */
} Ffn;

void ffn_init(Ffn *f, int C, int F, int maxN, FfnAct act);
void ffn_free(Ffn *f);
/* out (N,C) = W2 act(W1 x + b1) + b2 for each of the N rows of x (N,C). */
void ffn_forward(Ffn *f, const FfnWeights *w, float *out, const float *x, int N);
/* dx (N,C) += and g += from dout (N,C); x is the forward's input. */
void ffn_backward(Ffn *f, const FfnWeights *w, FfnWeights *g, float *dx, const float *dout, const float *x);
/* "relu" / "gelu" */
const char *ffn_act_name(FfnAct a);

/* ---- residual connection with layer norm ----------------------------------------------------
 * One sub-layer connection, used in two halves around the sub-layer:
 *     in  = residual_in_forward(r, ln, x)        x itself (post-norm), or LN(x) (pre-norm)
 *     sub = Sublayer(in)                          attention or FFN, computed by the caller
 *     residual_out_forward(r, ln, out, x, sub)    out = LN(x + Dropout(sub))  (post-norm)
 *                                                 out = x + Dropout(sub)      (pre-norm)
 * and backward in the reverse order: residual_out_backward, the sub-layer's backward,
 * residual_in_backward. */
typedef struct {
    int C, maxN, prenorm;
    float p_drop, eps;
    int N, dropped;      /* the last forward's rows; whether dropout was applied */
    float *normed;       /* pre-norm: LN(x) (N,C), the sub-layer's input */
    float *sum;          /* post-norm: x + Dropout(sub) (N,C), the layer norm's input */
    float *mean, *rstd;  /* (N) saved by the layer norm */
    float *dmask;        /* (N,C) dropout factors */
    float *dsum;         /* backward scratch (N,C) */
} Residual;

void residual_init(Residual *r, int C, int maxN, int prenorm, float p_drop, float eps);
void residual_free(Residual *r);
const float *residual_in_forward(Residual *r, const LnWeights *ln, const float *x, int N);
/* rng: dropout's source; NULL (evaluation) or p_drop == 0 means no dropout. out may equal x only
 * in post-norm. */
void residual_out_forward(Residual *r, const LnWeights *ln, float *out, const float *x, const float *sub, int N,
                          Rng *rng);
/* dx (N,C) += and dsub (N,C) += from dout; g (the layer norm's gradients) += in post-norm. */
void residual_out_backward(Residual *r, const LnWeights *ln, LnWeights *g, float *dx, float *dsub,
                           const float *dout);
/* dx += the gradient through the sub-layer's input: dsubin itself (post-norm) or through LN(x)
 * (pre-norm, g += there). x is the forward's x. */
void residual_in_backward(Residual *r, const LnWeights *ln, LnWeights *g, float *dx, const float *dsubin,
                          const float *x);

/* ---- label-smoothed cross-entropy ----------------------------------------------------------- */

/* The mean over rows with target >= 0 (negative = padding, ignored) of
 *     -(1 - eps) log p[target] - (eps / V) sum_j log p[j],
 * which is the cross-entropy against the target distribution (1 - eps) onehot + eps / V
 * (PyTorch's F.cross_entropy(..., label_smoothing=eps)). probs (N,V) receives the softmax of
 * logits (N,V) for the backward. *nll (may be NULL) receives the plain mean -log p[target], the
 * number to report as loss/perplexity. eps = 0 is the ordinary cross-entropy. */
float ls_crossentropy_forward(float *probs, double *nll, const float *logits, const int *targets, int N, int V,
                              float eps);
/* dlogits (N,V) += dloss * (probs - target distribution) / count. */
void ls_crossentropy_backward(float *dlogits, const float *probs, const int *targets, int N, int V, float eps,
                              float dloss);

/* Specs of the common pieces, named "<prefix>.<part>" in the order of their weight structs:
 * q_proj, k_proj, v_proj, out_proj (.weight, .bias); linear1, linear2; a layer norm. */
void mha_specs(SpecList *l, const char *prefix, int C, int D, InitKind init, float std);
void ffn_specs(SpecList *l, const char *prefix, int C, int F, InitKind init, float std);
void ln_specs(SpecList *l, const char *prefix, int C);

#endif
