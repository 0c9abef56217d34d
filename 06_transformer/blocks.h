/* blocks.h - the encoder block and the decoder block of the transformer, forward and backward.
 * Chapter 07 (BERT) stacks the encoder block; this chapter's GPT stacks it with the causal mask.
 *
 * What it teaches (the article's transformer section, claim C20; "Attention is all you need",
 * section 3.1 and figure 1):
 *
 *   encoder block                          decoder block
 *   x -> self-attention (all positions)     y -> masked self-attention (causal: no peeking ahead)
 *     -> add & norm                           -> add & norm
 *     -> feed-forward (each position)         -> encoder-decoder attention: queries from y,
 *     -> add & norm                              keys and values from the encoder's output
 *                                             -> add & norm
 *                                             -> feed-forward -> add & norm
 *
 * "add & norm" is the Residual of layers.h, post-norm (the paper, BERT) or pre-norm (GPT-2). Every
 * position is computed at once: the only sequential dependence left is the decoder's, at generation
 * time (training sees the whole target, shifted right, and the causal mask keeps it honest). That
 * is the contrast with chapter 04/05's RNNs (C16), where step t must wait for step t-1.
 *
 * Weight structs hold pointers into a Params buffer (weights or gradients), fields in the order of
 * the *_block_specs functions. Parameter names follow PyTorch's nn.TransformerEncoderLayer and
 * nn.TransformerDecoderLayer where they have one (self_attn, multihead_attn -> cross_attn,
 * linear1, linear2, norm1..3), with the packed in_proj split into q_proj, k_proj, v_proj. */
#ifndef TRANSFORMER_BLOCKS_H
#define TRANSFORMER_BLOCKS_H

#include "attention.h"
#include "layers.h"

/* The sizes and choices shared by every block of a model. */
typedef struct {
    int C;              /* model width (d_model) */
    int NH;             /* heads; C must be a multiple */
    int F;              /* feed-forward width (d_ff, usually 4C) */
    FfnAct act;         /* ReLU (paper) or GELU (BERT, GPT) */
    int prenorm;        /* 0: post-norm (paper, BERT); 1: pre-norm (GPT-2) */
    float dropout;      /* on each sub-layer's output before the residual add (paper: 0.1) */
    float attn_dropout; /* on the attention weights (BERT: 0.1; the paper: none) */
    float ln_eps;       /* layer norm epsilon (PyTorch 1e-5, BERT 1e-12) */
} BlockConfig;

/* ---- encoder block -------------------------------------------------------------------------- */
typedef struct {
    MhaWeights attn;
    LnWeights norm1;
    FfnWeights ffn;
    LnWeights norm2;
} EncoderBlockWeights;

typedef struct {
    BlockConfig cfg;
    int maxB, maxT, B, T;
    Mha attn;
    Ffn ffn;
    Residual r1, r2;
    const float *h1, *h2;        /* the sub-layers' inputs (x or LN(x)) in the last forward */
    float *a, *x1, *f;           /* (B,T,C): attention output, after the first add & norm, FFN output */
    float *dx1, *da, *df, *dh;   /* backward scratch (B,T,C) */
} EncoderBlock;

void encoder_block_specs(SpecList *l, const char *prefix, const BlockConfig *c, InitKind init, float std);
void encoder_block_init(EncoderBlock *e, const BlockConfig *c, int maxB, int maxT);
void encoder_block_free(EncoderBlock *e);
/* out (B,T,C) from x (B,T,C); key_pad (B,T) or NULL; causal = 1 turns it into a GPT block.
 * rng: dropout's source, NULL to evaluate. out must not alias x; x must stay unchanged until the
 * backward. */
void encoder_block_forward(EncoderBlock *e, const EncoderBlockWeights *w, float *out, const float *x, int B, int T,
                           const unsigned char *key_pad, int causal, Rng *rng);
/* dx (B,T,C) += from dout; g +=. x as given to the forward. */
void encoder_block_backward(EncoderBlock *e, const EncoderBlockWeights *w, EncoderBlockWeights *g, float *dx,
                            const float *dout, const float *x);

/* ---- decoder block -------------------------------------------------------------------------- */
typedef struct {
    MhaWeights self_attn;
    LnWeights norm1;
    MhaWeights cross_attn;
    LnWeights norm2;
    FfnWeights ffn;
    LnWeights norm3;
} DecoderBlockWeights;

typedef struct {
    BlockConfig cfg;
    int maxB, maxT, maxS, B, T, S;
    Mha self_attn, cross_attn;  /* cross_attn.att (B,NH,T,S) is the alignment to plot */
    Ffn ffn;
    Residual r1, r2, r3;
    const float *h1, *h2, *h3;
    float *a, *y1, *c, *y2, *f;  /* (B,T,C) */
    float *dy1, *dy2, *da, *dc, *df, *dh;
} DecoderBlock;

void decoder_block_specs(SpecList *l, const char *prefix, const BlockConfig *c, InitKind init, float std);
void decoder_block_init(DecoderBlock *d, const BlockConfig *c, int maxB, int maxT, int maxS);
void decoder_block_free(DecoderBlock *d);
/* out (B,T,C) from the target-side states y (B,T,C) and the encoder's output mem (B,S,C).
 * tgt_pad (B,T) and src_pad (B,S) may be NULL. The self-attention is always causal. */
void decoder_block_forward(DecoderBlock *d, const DecoderBlockWeights *w, float *out, const float *y,
                           const float *mem, int B, int T, int S, const unsigned char *tgt_pad,
                           const unsigned char *src_pad, Rng *rng);
/* dy (B,T,C) += and dmem (B,S,C) += from dout; g +=. */
void decoder_block_backward(DecoderBlock *d, const DecoderBlockWeights *w, DecoderBlockWeights *g, float *dy,
                            float *dmem, const float *dout, const float *y, const float *mem);

#endif
