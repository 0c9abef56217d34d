/* finetune.h - fine-tuning BERT for classification (claims C25 and C31), and `predict`.
 *
 * What it teaches (the article's fine-tuning section):
 *  - BertForSequenceClassification is the pretrained encoder plus ONE new layer: a (K,C) linear
 *    map from the pooled [CLS] vector (the pooler's tanh(W h_[CLS] + b), the vector the NSP head
 *    was trained on) to K class scores, with dropout 0.1 in front of it. Every weight is trained,
 *    the encoder's included, with a small learning rate (2e-5 .. 1e-4), AdamW, warm-up then linear
 *    decay, for a few epochs: the pretrained weights are a starting point, not frozen features.
 *  - C25: the same architecture trained from random weights with the same budget shows what
 *    pretraining bought: the pretrained model starts from vectors that already know the language.
 *  - C31: [CLS] has no meaning of its own, so fine-tuning is free to make it gather the whole
 *    sentence. The same head over the mean of all token vectors, or over one word's vector (the
 *    text's first token), on the same task and budget, is the experiment (BertPool below).
 *
 * A fine-tuned model is saved in the Hugging Face layout, so transformers'
 * BertForSequenceClassification.from_pretrained reads it: bert_save_dir's config.json and
 * model.safetensors with two more tensors, classifier.weight (K,C) and classifier.bias (K),
 * "architectures": ["BertForSequenceClassification"], the labels in config.json's "id2label" and
 * "label2id" (and in labels.txt, one per line in id order, for people and shell scripts), and this
 * project's "classifier_pooling" ("cls", "mean", "first-token"; transformers knows only "cls").
 * vocab.txt and tokenizer_config.json (do_lower_case) are copied from the starting model.
 *
 * Builds on: model.h (the encoder, its backward), bertdir.h (model directories), tokenizer.h,
 * finetune_data.h (TSV files, labels, scores), common/optim.h (AdamW, schedules).
 * Leaves out: regression heads, token classification (NER), gradient accumulation, early stopping
 * on a dev set (the budget is fixed, which is what C25 compares).
 */
#ifndef BERT_FINETUNE_H
#define BERT_FINETUNE_H

#include <stdint.h>

#include "finetune_data.h"
#include "model.h"
#include "tokenizer.h"

/* ---- the classifier: which vector the head reads --------------------------------------------- */
typedef enum {
    POOL_CLS,   /* the pooler output tanh(W h_0 + b): BERT's choice */
    POOL_MEAN,  /* the mean of the last layer's vectors over the non-padding tokens ([CLS], [SEP] included) */
    POOL_FIRST  /* the last layer's vector of the first token of the text (position 1, after [CLS]) */
} BertPool;
/* "cls", "mean", "first-token"; and back (-1 for an unknown name). */
const char *bert_pool_name(BertPool p);
int bert_pool_parse(const char *s);

typedef struct {
    Bert *bert;          /* the encoder (not owned) */
    int k;               /* classes */
    BertPool pool;
    float dropout;       /* on the pooled vector before the classifier (hidden_dropout_prob: 0.1) */
    Params head;         /* classifier.weight (K,C), classifier.bias (K) */
    float *w, *b;        /* into head.data */
    float *dw, *db;      /* into head.grad */
    /* the last forward, for batches up to bert->maxB */
    int B;
    const int *labels;
    float *feat;         /* (B,C) the pooled vector */
    float *feat_drop, *drop_mask; /* (B,C) after dropout, and its mask */
    float *logits, *probs;        /* (B,K) */
    float *dfeat;                 /* (B,C) */
} BertClassifier;

/* A head of k classes on m, weights N(0, init_range), bias 0 (as transformers initialises it). */
void bert_cls_init(BertClassifier *c, Bert *m, int k, BertPool pool, float dropout, Rng *rng);
void bert_cls_free(BertClassifier *c);

/* Encoder forward, pooling, dropout (rng not NULL: training), classifier, softmax into c->probs.
 * labels (B) or NULL: returns the mean cross-entropy (0 without labels), accuracy into acc if
 * not NULL. ids/segs/pad as bert_forward. */
float bert_cls_forward(BertClassifier *c, const int *ids, const int *segs, const unsigned char *pad, int B, int T,
                       const int *labels, Rng *rng, double *acc);
/* Gradients of dloss * loss into c->head.grad and the encoder's m->p.grad (+=). */
void bert_cls_backward(BertClassifier *c, float dloss);

/* ---- examples as token ids --------------------------------------------------------------------- */
/* [CLS] a [SEP] (b [SEP]), truncated longest-first to max_len tokens, segments 0 / 1. */
typedef struct {
    int n;
    int **ids, **segs; /* n arrays */
    int *len;          /* n */
    int *label;        /* n (copied from the TsvData; -1 when unlabelled) */
    long truncated;    /* examples that were cut */
    int pad_id;        /* the tokenizer's [PAD], for batches */
} BertExamples;
void bert_examples_encode(BertExamples *e, const BertTokenizer *tok, const TsvData *d, int max_len);
void bert_examples_free(BertExamples *e);

/* ---- training and evaluation ------------------------------------------------------------------- */
typedef struct {
    double epochs;       /* passes over the training set (fractions allowed) */
    long steps;          /* if > 0, the number of steps instead of epochs */
    double seconds;      /* if > 0, stop after this much training time; the schedule follows the
                          * budget that ends first (steps or time) */
    int batch;           /* examples per step */
    double lr;           /* peak learning rate */
    double warmup;       /* fraction of the budget spent warming up (0.1) */
    double weight_decay; /* AdamW's, not on biases and layer norms (0.01) */
    double clip;         /* global gradient norm (1.0) */
    uint64_t seed;       /* shuffling and dropout */
    int verbose;         /* progress lines on stderr */
} FtOptions;
FtOptions ft_defaults(void); /* 3 epochs, batch 32, lr 1e-4, warm-up 0.1, wd 0.01, clip 1, seed 1 */

typedef struct {
    long steps;
    double seconds;      /* training time */
    double final_loss;   /* mean training loss over the last 10% of steps */
    long examples;       /* examples seen */
} FtReport;

/* Fine-tune c (encoder and head) on train. */
FtReport bert_cls_train(BertClassifier *c, const BertExamples *train, const FtOptions *o);
/* Predict every example (no dropout; batches of similar length): pred (n) ids, and prob (n) the
 * probability of the predicted class if not NULL. Returns the evaluation time in seconds. */
double bert_cls_predict(BertClassifier *c, const BertExamples *e, int batch, int *pred, float *prob);

/* ---- model directories ------------------------------------------------------------------------- */
/* Save encoder + head + labels + tokenizer into dir (see the top of this file). */
int bert_cls_save(const BertClassifier *c, const LabelSet *labels, const BertTokenizer *tok, const char *dir,
                  char *err);
/* Load a directory written by bert_cls_save (or by transformers' BertForSequenceClassification):
 * the encoder into *m (bert_init'ed here for maxB x maxT), the head into *c, the labels, the
 * tokenizer. maxT is cut to max_position_embeddings (0: that). Returns 0 or -1 with err set
 * (everything freed). */
int bert_cls_load(const char *dir, Bert *m, BertClassifier *c, LabelSet *labels, BertTokenizer *tok, int maxB,
                  int maxT, char *err);

/* ---- the subcommands (argv[0] = "finetune" / "predict"; returns the exit status) ---------------- */
int bert_cmd_finetune(int argc, char **argv);
int bert_cmd_predict(int argc, char **argv);

#endif
