/* model.h - BERT (Devlin et al. 2019): embeddings, a stack of post-norm encoder blocks, the pooler,
 * and the two pretraining heads (masked LM, next-sentence prediction), forward and backward.
 *
 * What it teaches (the article's BERT section, claims C22-C24, C29, C30):
 *  - The input of position t is the SUM of three learned vectors: its token (WordPiece id), its
 *    segment (0 for sentence A, 1 for sentence B) and its position (0..max_position_embeddings-1),
 *    then a layer norm and dropout (C22). Nothing else tells the model which sentence a token is in
 *    or where it stands.
 *  - The encoder is chapter 06's encoder block unchanged (06_transformer/blocks.h): post-norm, GELU
 *    in its erf form, dropout on the attention weights, the layer-norm epsilon from the config.
 *    Every position attends to every non-padding position of its sequence, left AND right: that is
 *    what "bidirectional" means, and why BERT cannot be trained as a left-to-right LM (C29).
 *  - The masked-LM head predicts the original token at the masked positions only: dense (C,C),
 *    GELU, layer norm, then the decoder, which is the word-embedding matrix itself (tied: one
 *    (V,C) matrix both reads tokens in and scores them out) plus an output bias (C23). Computing
 *    it on the ~15% chosen positions instead of all T is also most of the head's cost saved.
 *  - The pooler is tanh(W h_[CLS] + b): the [CLS] position's last hidden state, one more layer;
 *    the next-sentence head is a (2,C) linear layer on it (label 0 = B follows A, 1 = random B, as
 *    Hugging Face's next_sentence_label) (C24). Fine-tuning puts its classifier on the same vector.
 *
 * Parameters live in one Params (common/tensor.h) named exactly as Hugging Face's
 * BertForPreTraining state dict, in its order:
 *   bert.embeddings.word_embeddings.weight (V,C), .position_embeddings.weight (P,C),
 *   .token_type_embeddings.weight (TV,C), bert.embeddings.LayerNorm.weight/bias (C);
 *   per layer N: bert.encoder.layer.N.attention.self.{query,key,value}.{weight (C,C), bias (C)},
 *   .attention.output.dense.{weight,bias}, .attention.output.LayerNorm.{weight,bias},
 *   .intermediate.dense.{weight (F,C), bias (F)}, .output.dense.{weight (C,F), bias (C)},
 *   .output.LayerNorm.{weight,bias}; with relative positions also
 *   .attention.self.distance_embedding.weight (2*max_rel+1, C/NH);
 *   bert.pooler.dense.{weight (C,C), bias}; cls.predictions.bias (V),
 *   cls.predictions.transform.dense.{weight,bias}, cls.predictions.transform.LayerNorm.{weight,bias},
 *   cls.seq_relationship.{weight (2,C), bias (2)}.
 * The layer tensors come in the field order of chapter 06's EncoderBlockWeights (query, key,
 * value, output dense = MhaWeights; attention LayerNorm = norm1; intermediate, output dense = Ffn;
 * output LayerNorm = norm2), so the blocks read them through the same struct of pointers.
 * The MLM decoder (cls.predictions.decoder.weight) is not a parameter of its own: it is the word
 * embedding matrix (tied), and cls.predictions.decoder.bias is cls.predictions.bias.
 *
 * Conventions: (B,T,C) row-major float32; backward functions ACCUMULATE (+=) into m->p.grad and
 * into the caller's gradient arrays; the caller zeroes m->p.grad (params_zero_grad) per step.
 * Positions in a batch are flat: b*T + t.
 *
 * Builds on: 06_transformer/blocks.h (encoder block), layers.h (embed_forward, LnWeights, SpecList),
 * common/layernorm.h, common/activations.h (GELU, tanh, dropout), common/matmul.h,
 * common/softmax.h. Leaves out: the attention-mask shapes other than padding, the token-type
 * embeddings beyond type_vocab_size segments, half precision, head pruning. */
#ifndef BERT_MODEL_H
#define BERT_MODEL_H

#include <stddef.h>

#include "06_transformer/blocks.h"
#include "06_transformer/layers.h"
#include "rng.h"
#include "tensor.h"

/* ---- configuration (Hugging Face's config.json names in the comments) ------------------------ */
typedef enum {
    BERT_POS_ABSOLUTE, /* "absolute": one learned vector per position, added to the input (BERT) */
    BERT_POS_RELATIVE  /* "relative_key": no position table; each layer adds q_i . E[clip(j - i)] to
                        * the attention scores (Shaw et al. 2018; C30). Not loadable from HF. */
} BertPosKind;

typedef struct {
    int vocab_size;     /* vocab_size */
    int hidden;         /* hidden_size C */
    int layers;         /* num_hidden_layers L */
    int heads;          /* num_attention_heads NH (hidden must be a multiple) */
    int intermediate;   /* intermediate_size F */
    int max_pos;        /* max_position_embeddings P: the longest input */
    int type_vocab;     /* type_vocab_size (2: sentence A / B) */
    float ln_eps;       /* layer_norm_eps (1e-12) */
    float hidden_dropout; /* hidden_dropout_prob (0.1) */
    float attn_dropout; /* attention_probs_dropout_prob (0.1) */
    float init_range;   /* initializer_range (0.02): std of the normal initialisation */
    BertPosKind position; /* position_embedding_type */
    int max_rel;        /* relative only: distances clipped to [-max_rel, max_rel] */
} BertConfig;

/* bert-base's settings except the sizes, which are small (vocab 8000, C 256, L 4, NH 4, F 1024,
 * P 128): the shape this chapter pretrains on two cores. */
BertConfig bert_config_default(void);
/* 0, or -1 with err naming the first absurd value (zero or negative sizes, hidden not a multiple of
 * heads, sizes so large the model would not fit in memory, eps or dropout out of range, ...). */
int bert_config_check(const BertConfig *c, char *err);
/* Number of floats in the parameters of a configuration. */
size_t bert_num_params(const BertConfig *c);

/* ---- the model -------------------------------------------------------------------------------- */

/* Pointers into the flat buffer (weights, or the same layout in the gradients). */
typedef struct {
    float *word, *pos, *type;    /* (V,C), (P,C) (NULL with relative positions), (TV,C) */
    LnWeights emb_ln;            /* (C) */
    EncoderBlockWeights *layer;  /* L blocks */
    float **rel;                 /* L distance tables (2*max_rel+1, C/NH), relative only; else NULL */
    float *pool_w, *pool_b;      /* (C,C), (C) */
    float *mlm_bias;             /* (V) cls.predictions.bias */
    float *mlm_w, *mlm_b;        /* (C,C), (C) cls.predictions.transform.dense */
    LnWeights mlm_ln;            /* (C) cls.predictions.transform.LayerNorm */
    float *nsp_w, *nsp_b;        /* (2,C), (2) cls.seq_relationship */
} BertWeights;

/* Which parts of the weights hold trained values (bert_load_dir clears the bits of parts missing
 * from an encoder-only checkpoint; those keep their random initial values). */
enum { BERT_HAS_POOLER = 1, BERT_HAS_MLM = 2, BERT_HAS_NSP = 4, BERT_HAS_ALL = 7 };

typedef struct {
    BertConfig cfg;
    int maxB, maxT;
    Params p;                    /* weights and gradients, Hugging Face names */
    BertWeights w, g;
    int has;                     /* BERT_HAS_* */
    EncoderBlock *blk;           /* L blocks' activations (see "Memory" below) */
    EncoderBlock *blk_own;       /* the blocks as encoder_block_init made them, for bert_free */
    int att_layer, ffn_layer;    /* whose attention core / GELU output the shared buffers hold (-1: none) */
    /* the last forward */
    int B, T, dropped;
    const int *ids, *segs;       /* the caller's arrays, kept by pointer until the backward */
    const unsigned char *pad;
    float *emb;                  /* (B,T,C) word + position + type, before the layer norm (C22) */
    float *emb_mean, *emb_rstd, *emb_mask; /* embedding layer norm and dropout */
    float *xs;                   /* (L+1) x (B,T,C): each block's input; xs + L*B*T*C is the output */
    float *hidden;               /* (B,T,C) the last layer's hidden states (points into xs) */
    float *cls;                  /* (B,C) hidden at t = 0 */
    float *pooled;               /* (B,C) tanh(W cls + b) */
    /* the MLM head's last forward: npos positions, grown on demand */
    int mlm_n, mlm_cap;
    const int *mlm_pos, *mlm_targets;
    float *mlm_in, *mlm_h, *mlm_g, *mlm_t, *mlm_mean, *mlm_rstd; /* (n,C): gathered, dense, GELU, LN */
    float *mlm_logits, *mlm_probs; /* (n,V): scores and their softmax; see bert_mlm_forward */
    float *mlm_pbuf;             /* the softmax's own buffer (without targets only) */
    float *mlm_dt, *mlm_dg, *mlm_dh, *mlm_din;
    /* the NSP head's last forward */
    const int *nsp_labels;
    float *nsp_out, *nsp_probs;  /* (B,2) */
    /* backward scratch */
    float *dhidden, *dpooled;    /* (B,T,C), (B,C): what the heads send down; see bert_zero_dheads */
    float *dx[2], *dcls;
} Bert;

/* Memory. What a backward needs is kept per layer: the block's input, q, k, v, the FFN's input
 * to its GELU, the layer norms' inputs and statistics, the dropout masks of the residual paths.
 * Everything else is shared by the L blocks, because only one block runs at a time: the forward's
 * temporaries, the backward's scratch, and the attention core of a layer (the T x T weights, their
 * dropout masks and the heads' outputs, 3 x B*NH*T*T + B*T*C floats), which the backward recomputes
 * from the kept q, k, v and the dropout seed, exactly (same function, same seed). The GELU's output
 * is recomputed from its input the same way. This is FlashAttention's trade (recompute rather than
 * store the attention matrix) in its simplest form: a few percent more work (three more attention
 * forwards and GELUs in a 4-layer step) and, with the shared scratch and the MLM head's in-place
 * softmax, half the peak memory of the benchmark's step (bench/bench_bert.c: 915 -> 458 MiB). So after a forward, m->blk[l].attn.att holds the last
 * layer's attention weights only; bert_attention_weights gives any layer's. (Code that runs a
 * block of m->blk itself, as a demo may, sets m->att_layer = m->ffn_layer = -1 afterwards.) */

/* Allocate the parameters (all zero) and buffers for batches up to maxB x maxT (maxT <= max_pos
 * with absolute positions). Returns 0, or -1 with err set (bad config or sizes). */
int bert_init(Bert *m, const BertConfig *c, int maxB, int maxT, char *err);
/* BERT's initialisation: every matrix and embedding N(0, init_range), biases 0, layer-norm gains 1
 * and biases 0. Sets has = BERT_HAS_ALL. */
void bert_init_weights(Bert *m, Rng *rng);
void bert_free(Bert *m);

/* Run the encoder. ids, segs (B,T) (segs may be NULL: all 0), pad (B,T) 1 at padding positions
 * (NULL: none); padding keys are hidden from every query, exactly as Hugging Face's
 * attention_mask = 0. rng: dropout's source (NULL to evaluate). The arrays must stay unchanged
 * until the backward. Afterwards m->hidden (B,T,C) and m->pooled (B,C) hold the outputs. */
void bert_forward(Bert *m, const int *ids, const int *segs, const unsigned char *pad, int B, int T, Rng *rng);
/* Gradients of the last forward into m->p.grad (+=) from dhidden (B,T,C) and dpooled (B,C), either
 * NULL. They may be m->dhidden / m->dpooled, which the heads below fill. */
void bert_backward(Bert *m, const float *dhidden, const float *dpooled);
/* Zero m->dhidden and m->dpooled for the last forward's B x T (before the heads' backwards). */
void bert_zero_dheads(Bert *m);
/* Layer l's attention weights (B,NH,T,T) of the last forward (before dropout; rows sum to 1 over
 * the non-padding keys), recomputed into the shared buffer: valid until the next forward,
 * backward or call. */
const float *bert_attention_weights(Bert *m, int l);

/* ---- the masked-LM head ----------------------------------------------------------------------
 * On npos flat positions pos[i] = b*T + t of the last forward: logits (npos,V) =
 * LN(GELU(W h + b)) E^T + bias, E the word embeddings. targets (npos) or NULL; negative targets
 * are not counted. Returns the mean cross-entropy over counted positions (0 if none) and, if acc
 * is not NULL, the fraction of them whose argmax is the target. pos and targets are kept by
 * pointer until the backward.
 * Afterwards m->mlm_probs (npos,V) holds the softmax. Without targets (fill-mask) m->mlm_logits
 * holds the logits too; with targets (training) the softmax is taken in place, so mlm_logits ==
 * mlm_probs, and the backward then overwrites them with the logits' gradient (one (npos,V) buffer
 * instead of three: 39 MB less in the benchmark). */
float bert_mlm_forward(Bert *m, const int *pos, const int *targets, int npos, double *acc);
/* d(dloss * loss): dhidden (B,T,C) += at the positions; head weights and word embeddings +=. */
void bert_mlm_backward(Bert *m, float dloss, float *dhidden);

/* ---- the next-sentence head ------------------------------------------------------------------
 * logits (B,2) = W pooled + b into m->nsp_out, softmax into m->nsp_probs. labels (B): 0 = B is
 * the real next sentence, 1 = random; NULL (or negative labels) for no loss. Returns the mean
 * cross-entropy, and the accuracy into acc if not NULL. */
float bert_nsp_forward(Bert *m, const int *labels, double *acc);
/* dpooled (B,C) += ; head weights +=. */
void bert_nsp_backward(Bert *m, float dloss, float *dpooled);

/* ---- one pretraining step's gradients --------------------------------------------------------- */
typedef struct {
    double mlm_loss, mlm_acc, nsp_loss, nsp_acc;
    int mlm_count; /* positions with a target */
} BertLosses;

/* Forward, both heads, loss = MLM + NSP (BertForPreTraining's total_loss), and the backward into
 * m->p.grad (+=; the caller zeroes it and runs the optimiser). nsp_labels may be NULL (MLM only). */
/* The same with the two losses weighted: gradient of mlm_w * MLM + nsp_w * NSP. Data-parallel
 * training (dist.h) gives each process its part of the batch with mlm_w = its masked positions /
 * the batch's, nsp_w = its sequences / the batch's, so that the processes' gradients sum to the
 * whole batch's. */
BertLosses bert_pretrain_grads_weighted(Bert *m, const int *ids, const int *segs, const unsigned char *pad, int B,
                                        int T, const int *mlm_pos, const int *mlm_targets, int npos,
                                        const int *nsp_labels, Rng *rng, float mlm_w, float nsp_w);
BertLosses bert_pretrain_grads(Bert *m, const int *ids, const int *segs, const unsigned char *pad, int B, int T,
                               const int *mlm_pos, const int *mlm_targets, int npos, const int *nsp_labels,
                               Rng *rng);

#endif
