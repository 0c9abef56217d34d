/* nnlm.h - chapter 03: Bengio et al.'s neural probabilistic language model (2003); see nnlm.c. */
#ifndef NNLM_NNLM_H
#define NNLM_NNLM_H

#include <stdint.h>

#include "lmdata.h"
#include "optim.h"
#include "rng.h"
#include "tensor.h"

typedef struct {
    int V;       /* vocabulary: rows of the embedding table and size of the softmax */
    int context; /* n-1: how many previous words the model reads */
    int dim;     /* m: the width of a word's feature vector (embedding) */
    int hidden;  /* h: tanh units */
    int direct;  /* 1: the output layer also reads the concatenated embeddings (Bengio's W) */
} NnlmConfig;

/* The parameters, in the order of their specs in the flat buffer (tensor.h). */
typedef struct {
    float *emb;              /* (V, dim)                    C in the paper */
    float *hid_w, *hid_b;    /* (hidden, context*dim), (hidden)   H, d */
    float *out_w, *out_b;    /* (V, hidden [+ context*dim]), (V)  [U W], b */
} NnlmWeights;

typedef struct {
    NnlmConfig cfg;
    int in;   /* context*dim: the concatenated embeddings */
    int feat; /* what the output layer reads: hidden, plus in with direct connections */
    Params params;
    NnlmWeights w, g; /* weights and their gradients, carved from params */
    /* Dropout (Srivastava et al. 2014; not in the 2003 paper): while `training` is set, each
     * forward zeroes this fraction of x and of h at random (rng), a regulariser against the
     * overfitting a 2-million-parameter model shows on a 750k-word text. 0 at evaluation. */
    float dropout;
    int training;
    Rng rng;
    /* activations of the last forward, for up to max_batch contexts */
    int max_batch;
    const int *ctx;      /* (B, context) the ids read by the last forward */
    float *x;            /* (B, in)     concatenated embeddings */
    float *xd, *mask_x;  /* (B, in)     x after dropout (== x without), its mask */
    float *h;            /* (B, hidden) tanh(xd H^T + d) */
    float *hd, *mask_h;  /* (B, hidden) h after dropout (== h without), its mask */
    float *f;            /* (B, feat)   [hd, xd]: the output layer's input (== hd without direct) */
    float *out;          /* (B, V)      logits after nnlm_forward; probabilities after nnlm_loss */
    float *dout, *df;    /* gradients of out, f */
    float *dxd, *dx;     /* of xd, x (the same buffer without dropout) */
    float *dhd, *dh, *dpre; /* of hd, h (the same buffer without dropout), the tanh's input */
} Nnlm;

/* Allocate a model for batches of up to max_batch contexts; the weights start at zero. */
void nnlm_init(Nnlm *m, const NnlmConfig *cfg, int max_batch);
void nnlm_free(Nnlm *m);
/* Random initial weights: embeddings N(0, emb_std), layers uniform(+-1/sqrt(fan_in)) as PyTorch's
 * nn.Linear, biases 0, except the output bias: log of the unigram frequencies in counts (V), when
 * given, so training starts from the unigram model instead of a uniform guess. */
void nnlm_init_weights(Nnlm *m, Rng *rng, float emb_std, const int64_t *counts);

/* ---- the model ----
 * out (B,V) = logits for ctx (B, context) ids; keeps what the backward needs. */
void nnlm_forward(Nnlm *m, const int *ctx, int B);
/* Softmax of m->out in place and the mean cross-entropy of targets (B) in nats. */
float nnlm_loss(Nnlm *m, const int *targets, int B);
/* Gradients of that mean loss, ACCUMULATED into m->g (call after nnlm_forward + nnlm_loss with
 * the same batch; m->out must still hold the probabilities). */
void nnlm_backward(Nnlm *m, const int *targets, int B);

/* ln P of every token of a stream, each from its own (padded) history. */
void nnlm_stream_logprobs(Nnlm *m, const int *tok, long n, double *lp);
/* The distribution over the next word for one context, at a temperature: probs (V) =
 * softmax(logits / T). T = 0 puts all the mass on the most likely word. */
void nnlm_next_distribution(Nnlm *m, const int *ctx, float temperature, float *probs);
/* Draw a sentence (ids into out, at most max_len, </s> not included); returns its length. */
int nnlm_sample(Nnlm *m, float temperature, Rng *rng, int *out, int max_len);

/* ---- training ---- */
typedef struct {
    int max_epochs;      /* passes over the training text */
    int batch;           /* contexts per step */
    float lr;            /* Adam's learning rate */
    float weight_decay;  /* AdamW's decoupled decay of the weight matrices */
    float clip;          /* gradient clipping by global norm (0: none) */
    int patience;        /* after an epoch that does not improve validation: restore the best
                            weights, halve the learning rate; stop after this many such epochs */
    double max_seconds;  /* training-time budget (0: none); a final validation runs when it ends */
    int log_every;       /* steps between progress lines (0: none) */
    int verbose;         /* 1: a line per epoch (validation perplexity, speed); 0: silent */
    float dropout;       /* the fraction of x and h zeroed in training (0: none) */
    uint64_t seed;       /* the order of the examples */
    const char *checkpoint; /* save the best weights here after each improving epoch (NULL: no) */
    const char *const *meta; int nmeta; /* extra checkpoint metadata */
} NnlmTrainOptions;
NnlmTrainOptions nnlm_train_defaults(void);

#define NNLM_MAX_EPOCHS 1000
typedef struct {
    int epochs;                         /* evaluations done (the last one may be a partial epoch) */
    double valid_ppl[NNLM_MAX_EPOCHS];  /* after each */
    double train_loss[NNLM_MAX_EPOCHS]; /* mean training loss during each */
    double epoch_fraction[NNLM_MAX_EPOCHS]; /* passes over the training text at each evaluation */
    int best;                           /* index of the best validation */
    double best_ppl;
    long steps, tokens;
    double seconds;                     /* training time, validations excluded */
    double tokens_per_sec;
} NnlmTrainResult;
/* Train on d's training stream with Adam, validating on its validation stream; returns with the
 * best weights in m. */
void nnlm_train(Nnlm *m, const LmData *d, const NnlmTrainOptions *o, NnlmTrainResult *r);

/* ---- checkpoints (safetensors through common/checkpoint.h) ---- */
#define NNLM_FORMAT "nlpc-nnlm"
#define NNLM_FORMAT_VERSION 1
/* The configuration is saved in the metadata (V, context, dim, hidden, direct) beside meta. */
int nnlm_save(const Nnlm *m, const char *path, const char *const *meta, int nmeta, char *err);
/* Read the configuration from path's metadata, build the model (batches of max_batch) and load
 * its weights. Returns 0, or -1 with err set (m left unallocated). */
int nnlm_load(Nnlm *m, const char *path, int max_batch, char *err);

#endif
