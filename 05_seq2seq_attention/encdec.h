/* encdec.h - the RNN encoder-decoder of chapter 05 ("seq2seq"), with no attention, dot-product
 * attention or additive attention on the same code.
 *
 * What it teaches (the article's seq2seq section; claims C13-C16):
 *  - C13: two RNNs map a sequence to a sequence of another length. The ENCODER (chapter 04's
 *    layer stack: GRU or LSTM, optionally bidirectional) reads the source x_1..x_S into states
 *    e_1..e_S. The DECODER (one more recurrent layer) starts from the encoder's final state and
 *    writes the target one token at a time, each step reading the token before it, until it
 *    writes <eos>: so the output length is the decoder's own decision.
 *  - Training is teacher forcing: the decoder reads the TRUE previous token (<bos> y_1 .. y_n)
 *    rather than its own guess, so all T steps of a batch are known in advance and run through
 *    chapter 04's BPTT layer in one go; the loss is the cross-entropy of y_1 .. y_n <eos>.
 *    Decoding (search.h) has no true tokens, so it feeds its own output back, one step at a time.
 *  - C14: the three variants differ in ONE place, the context vector ctx_t that the output layer
 *    sees beside the decoder state h_t:
 *        none      ctx_t = c, the encoder's final state, the same for every t (the bottleneck)
 *        dot       ctx_t = attention over e_1..e_S with score h_t . e_s       (Luong et al.)
 *        additive  ctx_t = attention with score va . tanh(Wq h_t + Wk e_s)    (Bahdanau et al.)
 *    Everything else is shared, and the no-attention model is not handicapped: c is also its
 *    decoder's initial state and part of its input at every step (Cho et al. 2014).
 *
 * One step of the decoder, for every variant (B sentences at once; H the hidden size):
 *     c          = [e_S (forward half) ; e_1 (backward half)]   (B,H)  the encoder's summary
 *     h_0        = c                        (LSTM: the cell state starts at 0)
 *     h_t        = cell(h_{t-1}, [emb(y_{t-1}) ; c])             (B,H)
 *     ctx_t      = c, or attention(h_t, e_1..e_S)                 (B,H)
 *     o_t        = tanh(Wo [h_t ; ctx_t] + bo)                    (B,H)  Luong's "attentional state"
 *     p(y_t | .) = softmax(Wv o_t + bv)                           (B,V)
 * The attention reads the CURRENT state h_t (Luong's order) in both scores; Bahdanau's paper
 * scores the previous state and feeds ctx into the cell, which ties every step's input to the
 * step before and would stop the decoder from running as one chapter-04 layer during training.
 * The dot score needs e_s and h_t of equal width, so a bidirectional encoder gets hidden/2 per
 * direction: its two halves side by side are H wide, like the decoder.
 *
 * Batches: the B sources of a batch have the same length S (batches are cut from groups of equal
 * source length, see train.h), so the encoder needs no padding and the attention no mask. Targets
 * differ in length: positions after a target's <eos> are ignored by the loss (target -1).
 *
 * Shapes are time-major like chapter 04's: (S,B,.) for the source, (T,B,.) for the target.
 *
 * Builds on: 04_rnn_lstm (cells.h, rnn_layer.h), attention.h, tasks.h (the special ids),
 * common/embedding.h, matmul.h (linear), activations.h, softmax.h.
 * Leaves out: input feeding (Luong's o_{t-1} as input), coverage, subword units, multi-layer
 * decoders, scheduled sampling.
 */
#ifndef S2S_ENCDEC_H
#define S2S_ENCDEC_H

#include "04_rnn_lstm/cells.h"
#include "04_rnn_lstm/rnn_layer.h"
#include "attention.h"
#include "rng.h"
#include "tasks.h"
#include "tensor.h"

typedef struct {
    CellType cell;   /* the encoder's and the decoder's cell: CELL_GRU or CELL_LSTM (CELL_RNN works too) */
    AttnKind attn;
    int layers;      /* encoder layers; the decoder has one */
    int bidir;       /* 1: every encoder layer reads both ways, hidden/2 per direction */
    int emb, hidden, attn_dim; /* attn_dim: the additive score's hidden width A */
    float dropout;   /* on each encoder layer's output, training only */
    int src_vocab, tgt_vocab;
} S2SConfig;
S2SConfig s2s_defaults(void); /* GRU, dot, 1 layer, bidirectional, emb 64, hidden 128, A 128, no dropout */

/* A batch of B pairs whose sources all have length S, time-major. */
typedef struct {
    int B, S, T;     /* T = the longest target + 1 (for <eos>) */
    int *src;        /* (S,B) */
    int *tgt_in;     /* (T,B) <bos> y_1 .. y_n, then <pad> */
    int *tgt_out;    /* (T,B) y_1 .. y_n <eos>, then -1 (ignored) */
    int ntok;        /* target tokens that count (each target's length + 1) */
    int maxB, maxS, maxT;
} S2SBatch;
void s2s_batch_alloc(S2SBatch *b, int maxB, int maxS, int maxT);
void s2s_batch_free(S2SBatch *b);
/* Fill b from ex[0..B). Dies if the sources differ in length or a pair exceeds the capacity. */
void s2s_batch_make(S2SBatch *b, const TaskExample *const *ex, int B);

typedef struct {
    S2SConfig cfg;
    int He;                     /* encoder hidden size per direction */
    int maxB, maxS, maxT, maxDecode;
    Params p;
    /* weights (wq, wk, va: additive only, else NULL) and their gradients */
    float *src_emb, *tgt_emb;   /* (Vs,E), (Vt,E) */
    float *wq, *wk, *va;        /* (A,H), (A,H), (A) */
    float *wo, *bo;             /* (H,2H), (H) */
    float *wv, *bv;             /* (Vt,H), (Vt) */
    float *gsrc_emb, *gtgt_emb, *gwq, *gwk, *gva, *gwo, *gbo, *gwv, *gbv;
    RnnStack enc;               /* parameters "enc.l<k>[r].*" */
    CellWeights decw, decg;     /* parameters "dec.*" */
    RnnLayer dec;
    /* the last forward (training) or the current decoding */
    int B, S, T;
    const int *src, *tgt_in, *tgt_out;
    float *xs;                  /* (S,B,E) source embeddings */
    const float *mem;           /* (S,B,H) encoder states, owned by enc */
    float *summary;             /* (B,H) c */
    float *kp;                  /* (S,B,A) additive keys */
    float *xd;                  /* (T,B,E+H) decoder inputs [emb(y_{t-1}) ; c] */
    float *hd;                  /* (T,B,H) decoder states */
    float *ctx, *alpha;         /* (T,B,H), (T,B,S) */
    float *qp, *u;              /* additive: (T,B,A), (T,B,S,A) */
    float *cat, *o;             /* (T,B,2H) [h ; ctx], (T,B,H) */
    float *logits, *probs;      /* (T,B,Vt) */
    /* gradient scratch */
    float *dlogits, *dout, *dpre, *dcat, *dhd, *dctx, *dxd, *demb, *dmem, *dsummary, *dxs, *dscore, *dqp, *dkp;
    float *state_h, *state_c, *gather_h, *gather_c; /* (maxB,H) decoding: states being reordered */
} S2SModel;

/* Build the model for batches of up to maxB pairs, sources up to maxS, targets up to maxT - 1
 * tokens (plus <eos>), and decoding up to maxDecode steps. Weights from rng: embeddings N(0,1),
 * cells as chapter 04 (forget/update bias 1), linear layers U(-1/sqrt(in), 1/sqrt(in)) as
 * nn.Linear. Dies on an inconsistent config (odd hidden size with bidir, sizes < 1). */
void s2s_init(S2SModel *m, const S2SConfig *c, int maxB, int maxS, int maxT, int maxDecode, Rng *rng);
void s2s_free(S2SModel *m);
size_t s2s_num_params(const S2SModel *m);

/* Teacher-forced forward: the mean cross-entropy (nats per target token) of batch b. train != 0
 * applies the encoder's dropout (rng needed then). */
float s2s_forward(S2SModel *m, const S2SBatch *b, int train, Rng *rng);
/* Gradients of the last forward's loss, accumulated into m->p.grad. */
void s2s_backward(S2SModel *m);

/* ---- step-by-step decoding (used by search.h) ---------------------------------------------- */
/* Encode src (S,B) (no dropout) and set the decoder's state to the summary. */
void s2s_encode(S2SModel *m, const int *src, int S, int B);
/* One decoder step: prev (B) the previous tokens (TASK_BOS first). Returns the logits (B,Vt);
 * m->alpha holds the attention weights (B,S) of this step (not with ATTN_NONE). */
const float *s2s_decoder_step(S2SModel *m, const int *prev);
/* Row i of the decoder state becomes row parent[i]'s (beam search keeps the best continuations).
 * Only for rows that decode the same source, since the encoder states are not moved. */
void s2s_decoder_reorder(S2SModel *m, const int *parent);

#endif
