/* attention.h - how a decoder state gets its context vector: the three variants of chapter 05,
 * each a forward/backward pair written out.
 *
 * What it teaches (claims C14, C15; Bahdanau et al. 2015, Luong et al. 2015): without attention
 * the decoder sees the source only through ONE vector, the encoder's final state, whatever the
 * length of the sentence (ATTN_NONE; the model in encdec.h uses it as the context of every step).
 * With attention, every output step t looks at all S encoder states e_1..e_S again:
 *
 *     score(t, s)  = how well state e_s fits the decoder state q_t
 *     alpha(t, .)  = softmax over s of score(t, .)     (weights >= 0 that sum to 1: the alignment)
 *     ctx_t        = sum_s alpha(t, s) e_s              (a fresh context for each output step)
 *
 * and the two variants differ only in the score:
 *     dot (Luong):         score = q_t . e_s                       (no parameters; needs equal widths)
 *     additive (Bahdanau): score = va . tanh(Wq q_t + Wk e_s)      (a one-hidden-layer network of width A)
 * The alpha matrix of one sentence is the heatmap of C15.
 *
 * Shapes: time-major like chapter 04's layers. q (T,B,H): T decoder states of B sentences;
 * enc (S,B,H): the encoder states (keys and values alike); alpha (T,B,S); ctx (T,B,H). Training
 * calls these with all T teacher-forced states at once, decoding with T = 1 at every step. The B
 * sentences of a batch all have S real source positions (chapter 05 batches sources of equal
 * length), so no position is masked.
 *
 * Backward functions ACCUMULATE (+=) into dq, denc and the weight gradients; the scratch arrays
 * they take are written.
 */
#ifndef S2S_ATTENTION_H
#define S2S_ATTENTION_H

typedef enum { ATTN_NONE, ATTN_DOT, ATTN_ADDITIVE } AttnKind;

/* "none", "dot", "additive" */
const char *attn_name(AttnKind k);
/* Those names, or "luong" (= dot) and "bahdanau" (= additive); 0, or -1 for anything else. */
int attn_parse(const char *s, AttnKind *k);

/* ---- dot-product (Luong) --------------------------------------------------------------------- */
/* alpha (T,B,S) = softmax_s(q_t . e_s);  ctx (T,B,H) = alpha @ enc. */
void dot_attention_forward(float *ctx, float *alpha, const float *q, const float *enc, int T, int S, int B, int H);
/* dctx (T,B,H) -> dq (T,B,H) +=, denc (S,B,H) +=. dscore (T,B,S) scratch. */
void dot_attention_backward(float *dq, float *denc, float *dscore, const float *dctx, const float *alpha, const float *q,
                            const float *enc, int T, int S, int B, int H);

/* ---- additive (Bahdanau) --------------------------------------------------------------------- */
/* kp (S,B,A) = enc Wk^T, wk (A,H): the keys' half of the hidden layer, computed once per source
 * (a decoder reuses it at every step). */
void additive_attention_keys(float *kp, const float *enc, const float *wk, int S, int B, int H, int A);
/* qp (T,B,A) = q Wq^T (written), u (T,B,S,A) = tanh(qp_t + kp_s) (written, kept for the backward),
 * alpha (T,B,S) = softmax_s(u . va), ctx (T,B,H) = alpha @ enc. wq (A,H), va (A). */
void additive_attention_forward(float *ctx, float *alpha, float *qp, float *u, const float *q, const float *enc,
                                const float *kp, const float *wq, const float *va, int T, int S, int B, int H, int A);
/* dctx (T,B,H) -> dq +=, denc +=, dwq (A,H) +=, dwk (A,H) +=, dva (A) +=.
 * Scratch: dscore (T,B,S), dqp (T,B,A), dkp (S,B,A). */
void additive_attention_backward(float *dq, float *denc, float *dwq, float *dwk, float *dva, float *dscore, float *dqp,
                                 float *dkp, const float *dctx, const float *alpha, const float *u, const float *q,
                                 const float *enc, const float *wq, const float *wk, const float *va, int T, int S,
                                 int B, int H, int A);

#endif
