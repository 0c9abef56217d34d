/* attention.h - scaled dot-product attention and multi-head attention, forward and backward, with
 * padding and causal masks. Chapter 06's first lesson, and the attention that chapter 07 (BERT)
 * links unchanged.
 *
 * What it teaches (the article's transformer section, claims C17 and C18):
 *  - Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V. Every query row is compared with every key
 *    row by a dot product, the scores are divided by sqrt(d_k) so that their spread does not grow
 *    with the key size (without it the softmax saturates and its gradient vanishes), turned into
 *    weights by a softmax, and the output is the weighted sum of the value rows.
 *  - Masks decide which keys a query may see, by removing them from the softmax (their weight is
 *    exactly 0): a padding mask hides the filler positions of shorter sequences in a batch; the
 *    causal mask hides the future (query i sees keys j <= i), which is what makes a decoder or a
 *    GPT a left-to-right model.
 *  - Multi-head attention projects the input into NH smaller query/key/value spaces of hd dims
 *    each, attends in each independently, concatenates the NH outputs (NH*hd = D values) and
 *    projects them back to the model width C with one more matrix (the article's 8 heads of 3
 *    dims -> 24 -> a 24 x 4 matrix -> 4).
 *
 * Layout (llm.c's): activations are (B,T,C) row-major, B sequences of T positions of C values.
 * The heads are not copied out: q (B,T,D) is read as (B,T,NH,hd), so head h of sequence b is the
 * (T,hd) matrix starting at q + b*T*D + h*hd with row stride D. That strided view IS the "split
 * into heads", and each head writing its (T,hd) result into its own column slice of ctx (B,T,D)
 * IS the "concatenate"; the matmul kernel takes the row stride as its leading dimension.
 *
 * Builds on: common/matmul.h (matmul with strides; linear_forward/backward in nn.Linear's layout),
 * common/activations.h (dropout), common/rng.h.
 * Leaves out: key/value caching for fast generation (generation here recomputes the prefix; fine
 * for the short sequences of this chapter), fused or flash kernels, relative positions (C30 adds
 * them in chapter 07).
 *
 * Conventions: float32; backward functions ACCUMULATE (+=) into input and weight gradients, as
 * everywhere in the project. A key_pad array is (B,Tk) bytes, 1 marking a padding key that no
 * query may see (PyTorch's key_padding_mask with True = ignore); NULL means no padding. A query
 * row whose every key is masked gets all-zero weights and a zero output (PyTorch gives NaN). */
#ifndef TRANSFORMER_ATTENTION_H
#define TRANSFORMER_ATTENTION_H

#include <stdint.h>

#include "rng.h"
#include "tensor.h"

/* ---- scaled dot-product attention over NH heads --------------------------------------------- */

/* out (B,Tq,D) = softmax(mask(scale * q k^T)) v, head by head, D = NH*hd.
 * q (B,Tq,D), k and v (B,Tk,D) hold the heads side by side as described above.
 * att (B,NH,Tq,Tk) receives the attention weights (each row sums to 1 over the visible keys, the
 * masked ones are exactly 0): kept for the backward and for heat maps.
 * causal: query i sees keys j <= i only. scale is usually 1/sqrt(hd).
 * Attention dropout (BERT's attention_probs_dropout): when p_drop > 0, the weights used for the
 * sum are att * dmask, dmask (B,NH,Tq,Tk) the inverted-dropout factors drawn from seed (one stream
 * per sequence and head, so the result does not depend on the thread count), and attd
 * (B,NH,Tq,Tk) holds those dropped weights. With p_drop == 0 dmask and attd are not touched and
 * may be NULL. */
void attention_forward(float *out, float *att, float *attd, float *dmask, const float *q, const float *k,
                       const float *v, const unsigned char *key_pad, int causal, int B, int Tq, int Tk, int NH,
                       int hd, float scale, float p_drop, uint64_t seed);

/* The same with an additive term on the scores: att holds, on entry, bias (B,NH,Tq,Tk), and the
 * weights are softmax(mask(scale * q k^T + bias)). Relative positions (below) use it. */
void attention_forward_biased(float *out, float *att, float *attd, float *dmask, const float *q, const float *k,
                              const float *v, const unsigned char *key_pad, int causal, int B, int Tq, int Tk, int NH,
                              int hd, float scale, float p_drop, uint64_t seed);

/* Gradients of attention_forward: dq (B,Tq,D), dk and dv (B,Tk,D) += from dout (B,Tq,D).
 * att, attd, dmask and the arguments are those of the forward. scratch is (B,NH,Tq,Tk), written:
 * it holds the gradient of the scores (scale * q k^T + bias) on return, which is the gradient of
 * attention_forward_biased's bias. */
void attention_backward(float *dq, float *dk, float *dv, float *scratch, const float *dout, const float *q,
                        const float *k, const float *v, const float *att, const float *attd, const float *dmask,
                        int B, int Tq, int Tk, int NH, int hd, float scale, float p_drop);

/* The per-head products are plain loops for short sequences and the blocked matmul kernel (heads
 * as strided views) for long ones; both compute the same thing (tests/test_transformer.c compares
 * them). mode 0 forces the loops, 1 the matmul, -1 (the default) chooses by size. Process-wide:
 * set it before any threads run, as the tests and benchmarks do. */
void attention_set_kernel(int mode);

/* Relative position representations (Shaw et al. 2018; Hugging Face's "relative_key"; chapter
 * 07's C30). Instead of adding a position vector to each input, every attention score learns how
 * far apart the query and the key are: score_ij += q_i . E[clip(j - i, -R, R) + R], with E a
 * learned (2R+1, hd) table shared by the heads. Distances beyond R share the last entry, so the
 * model works at any length, and "B is 2 to the right of A" means the same at every offset.
 * relpos_scores writes bias (B,NH,Tq,Tk) = scale * that term (the scale of the q k^T part, as
 * transformers does), for attention_forward_biased. q (B,Tq,D) as above. */
void relpos_scores(float *bias, const float *q, const float *E, int R, int B, int Tq, int Tk, int NH, int hd,
                   float scale);
/* From dS (B,NH,Tq,Tk), the scores' gradient (attention_backward's scratch): dq (B,Tq,D) += and
 * dE (2R+1, hd) +=. */
void relpos_scores_backward(float *dq, float *dE, const float *dS, const float *q, const float *E, int R, int B,
                            int Tq, int Tk, int NH, int hd, float scale);

/* The causal mask as a matrix, for printing: m (T,T), 1 where query i may see key j (j <= i). */
void causal_mask_matrix(unsigned char *m, int T);
/* A padding mask from lengths: key_pad (B,T) = 1 at positions t >= len[b]. */
void padding_mask_from_lengths(unsigned char *key_pad, const int *len, int B, int T);

/* ---- multi-head attention ------------------------------------------------------------------- */

/* The four projections of one multi-head attention, nn.Linear's layout (weight (out, in)):
 *   wq, wk, wv (D,C) and bq, bk, bv (D): queries, keys and values, all heads side by side;
 *   wo (C,D) and bo (C): the output projection that mixes the concatenated heads back to C.
 * PyTorch's nn.MultiheadAttention packs wq;wk;wv into in_proj_weight (3D,C) and calls wo
 * out_proj.weight (tests/make_fixtures_transformer.py maps them). Pointers into a Params buffer,
 * either the weights or their gradients; the field order is the order of mha_specs (layers.h). */
typedef struct {
    float *wq, *bq, *wk, *bk, *wv, *bv, *wo, *bo;
} MhaWeights;

/* The sizes, and what one forward saves for its backward, allocated once for the largest batch.
 * Fields after the sizes are buffers; att is public for heat maps (B,NH,Tq,Tk of the last call). */
typedef struct {
    int C, D, NH, hd;             /* model width, attention width D = NH*hd, heads, head size */
    int maxB, maxTq, maxTk;       /* what the buffers hold */
    float p_drop;                 /* dropout on the attention weights (0 = none) */
    /* the last forward's shape and masks (key_pad is the caller's, kept by pointer) */
    int B, Tq, Tk, causal, dropped;
    uint64_t seed;                /* the attention-dropout seed drawn by the last forward (0 without
                                   * dropout): attention_forward with it regenerates the same masks,
                                   * so a caller may recompute att/attd/dmask/ctx for the backward
                                   * instead of keeping them (chapter 07 does, to save memory) */
    const unsigned char *key_pad;
    /* optional relative positions (NULL: none, as mha_init leaves them): the (2R+1, hd) table and
     * its gradient, pointers into the caller's parameters, set by the caller before the forward */
    const float *rel;
    float *drel;
    int rel_R;
    float *q, *k, *v;             /* (B,Tq,D), (B,Tk,D), (B,Tk,D) projections */
    float *att, *attd, *dmask;    /* (B,NH,Tq,Tk) weights; dropped weights and factors if p_drop > 0 */
    float *ctx;                   /* (B,Tq,D) the concatenated head outputs */
    float *dq, *dk, *dv, *dctx, *scratch; /* backward scratch, same shapes */
} Mha;

void mha_init(Mha *m, int C, int D, int NH, int maxB, int maxTq, int maxTk, float p_drop);
void mha_free(Mha *m);

/* out (B,Tq,C) = multi-head attention of the queries from xq (B,Tq,C) over the keys and values
 * from xkv (B,Tk,C). Self-attention passes the same array twice (Tq == Tk); encoder-decoder
 * attention passes the decoder's states as xq and the encoder's output as xkv. key_pad (B,Tk) or
 * NULL; causal as in attention_forward. rng: where attention dropout draws from; NULL for
 * evaluation (no dropout). out must not alias xq or xkv. */
void mha_forward(Mha *m, const MhaWeights *w, float *out, const float *xq, const float *xkv, int B, int Tq, int Tk,
                 const unsigned char *key_pad, int causal, Rng *rng);

/* Compute the attention core of the last mha_forward again (att, attd, dmask, ctx) from the kept
 * q, k, v, masks and dropout seed: bit-identical to what the forward computed. A caller that shares
 * those four buffers between layers calls it before each layer's mha_backward. */
void mha_recompute_core(Mha *m);

/* Gradients of the last mha_forward: dxq (B,Tq,C) and dxkv (B,Tk,C) += (they may be the same
 * array, for self-attention), and the weight gradients g +=. xq, xkv are the forward's inputs. */
void mha_backward(Mha *m, const MhaWeights *w, MhaWeights *g, float *dxq, float *dxkv, const float *dout,
                  const float *xq, const float *xkv);

#endif
