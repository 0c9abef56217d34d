/* word2vec.h - chapter 02: skip-gram and CBOW word embeddings (the lesson is in word2vec.c).
 *
 * The pieces, in the order word2vec.c builds them:
 *   W2vCorpus        the training text as word ids, one line a sentence
 *   w2v_keep_probs   sub-sampling of frequent words
 *   w2v_unigram_table  the unigram^0.75 table negative samples are drawn from
 *   W2vHuffman       the Huffman tree of hierarchical softmax
 *   w2v_scores_* ... the model of one window as forward/backward pairs (the reference)
 *   w2v_update_window  the same step, fused and fast, on rows of the shared weights
 *   w2v_train        the lock-free multi-threaded training loop
 */
#ifndef W2V_WORD2VEC_H
#define W2V_WORD2VEC_H

#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"
#include "vocab.h"

/* ---- the corpus as ids ------------------------------------------------------------------------ */

typedef struct {
    Vocab *vocab;   /* words with count >= min_count, most frequent first (id 0) */
    int32_t *ids;   /* the text as vocabulary ids; W2V_EOL ends each non-empty line */
    size_t n;       /* entries of ids, end-of-line markers included */
    int64_t words;  /* tokens kept (entries that are not W2V_EOL): word2vec's train_words */
    int64_t tokens; /* tokens read, rare words and (unless kept) punctuation included */
} W2vCorpus;
#define W2V_EOL (-1)

/* Tokenize text[0..len) line by line with the shared tokenizer (tokenize.h), drop punctuation and
 * symbol tokens unless keep_punct, count, keep the words seen at least min_count times, and
 * store the text as their ids. Returns 0, or -1 with err set when no word reaches min_count. */
int w2v_corpus_build(W2vCorpus *c, const char *text, size_t len, TokMode mode, int keep_punct,
                     long min_count, char *err);
/* The same from a file, checked by corpus_read (missing, empty, binary, invalid UTF-8). */
int w2v_corpus_read(W2vCorpus *c, const char *path, TokMode mode, int keep_punct, long min_count,
                    char *err);
void w2v_corpus_free(W2vCorpus *c);
/* 1 if the tokenizer's token is a word (letters, digits or ideographs), 0 for punctuation and
 * symbols. */
int w2v_is_word_token(const char *tok, size_t len);

/* ---- sampling tables ---------------------------------------------------------------------------- */

/* keep[i] = probability that one occurrence of word i survives sub-sampling (Mikolov et al. 2013b,
 * as word2vec.c computes it): with f = counts[i] / total and threshold t = sample,
 *     keep = sqrt(t / f) + t / f, capped at 1;     sample <= 0 keeps everything.
 * Returns a malloc'd array of V floats. */
float *w2v_keep_probs(const int64_t *counts, int V, double sample);

/* The unigram table of negative sampling: size entries, word i filling a share proportional to
 * counts[i]^power (0.75 in word2vec), in id order: word i owns the entries
 * [floor(size * S(i-1)), floor(size * S(i))), S(i) = the cumulative share of words 0..i.
 * A uniform index into it draws a word from the smoothed unigram distribution. Returns size ints. */
int32_t *w2v_unigram_table(const int64_t *counts, int V, double power, int size);

/* ---- Huffman tree (hierarchical softmax) -------------------------------------------------------- */

/* Word i's path from the root to its leaf: len[i] internal nodes point[off[i] + k] (ids in
 * 0..V-2, the root is V-2) and the branch taken at each, code[off[i] + k] (0 or 1). Frequent
 * words get short codes. Built as word2vec.c builds it, so codes match the original bit for bit. */
typedef struct {
    int V;
    int32_t *off;   /* (V + 1) offsets into point/code */
    int32_t *point; /* internal node ids along each path */
    uint8_t *code;  /* the bits */
} W2vHuffman;
/* counts must be sorted in descending order (a finalized Vocab's are). V >= 2. */
void w2v_huffman_build(W2vHuffman *h, const int64_t *counts, int V);
void w2v_huffman_free(W2vHuffman *h);

/* ---- the model of one window: the reference forward/backward ------------------------------------ */
/* A window pairs M input vectors (context words, or CBOW's one averaged vector) with N output
 * vectors (the word to predict and K negative samples, or the nodes of its Huffman path) and
 * labels (1 for the true word, 0 for a negative; 1 - code for a tree node). The loss is the sum of
 * M x N binary logistic losses:  L = sum_mn  -log sigmoid(+-logit_mn). */

/* logits (M,N) = in (M,d) @ out (N,d)^T */
void w2v_scores_forward(float *logits, const float *in, const float *out, int M, int N, int d);
/* din (M,d) += dlogits (M,N) @ out (N,d);  dout (N,d) += dlogits^T @ in (M,d). */
void w2v_scores_backward(float *din, float *dout, const float *dlogits, const float *in,
                         const float *out, int M, int N, int d);
/* Returns L for labels (N) applied to every row, and writes dlogits (M,N) = sigmoid(logits) -
 * label (the gradient of L; written, not accumulated: it is the loss's own output). */
double w2v_logistic_loss(float *dlogits, const float *logits, const float *labels, int M, int N);
/* CBOW's hidden vector: h (d) = mean of ctx (M,d). Backward: dctx (M,d) += dh / M. */
void w2v_mean_forward(float *h, const float *ctx, int M, int d);
void w2v_mean_backward(float *dctx, const float *dh, int M, int d);
/* One plain SGD step on a window with the functions above (exact sigmoid): in (M,d) and out (N,d)
 * both move by -lr * gradient, computed from the values before the step. Returns the loss before
 * the step. The reference the fast kernel is tested against. */
double w2v_step_reference(float *in, float *out, const float *labels, int M, int N, int d, float lr);

/* ---- the fast kernel ---------------------------------------------------------------------------- */

/* The sigmoid as word2vec.c tabulates it: W2V_SIGMOID_SIZE values over (-W2V_MAX_EXP, W2V_MAX_EXP),
 * 0 below and 1 above (the gradient of a saturated pair is then exactly label - 0 or label - 1). */
#define W2V_SIGMOID_SIZE 1024
#define W2V_MAX_EXP 6.0f
void w2v_sigmoid_table_init(float *table);
float w2v_sigmoid_lookup(const float *table, float x);

/* One window's SGD step, fused, through row pointers into the shared weights (Ji et al. 2016:
 * all M inputs meet the same N outputs, so the step is three small matrix products).
 *   in[m] (stride floats each, m < M), out[n] (n < N): rows of the weight matrices.
 *   Writes grad_in (M, stride) = lr * (label - sigmoid(logits)) @ out   (the step for the inputs,
 *   NOT applied: skip-gram adds row m to in[m], CBOW adds its one row to every context word),
 *   and applies out[n] += lr * sum_m (label_n - sigmoid(logit_mn)) in[m] in place.
 * stride must be a multiple of 16 (rows padded with zeros); scratch holds M*N floats. If loss is
 * not NULL, *loss += the window's exact loss (for the progress line). */
void w2v_update_window(float *const *in, int M, float *const *out, const float *labels, int N,
                       int stride, float lr, const float *sigmoid_table, float *grad_in,
                       float *scratch, double *loss);

/* ---- training ----------------------------------------------------------------------------------- */

typedef enum { W2V_SKIPGRAM, W2V_CBOW } W2vArch;

typedef struct {
    W2vArch arch;
    int hs;          /* 1: hierarchical softmax instead of negative sampling */
    int dim;         /* vector size */
    int window;      /* largest distance to a context word; each centre draws 1..window */
    int negative;    /* negative samples per window (ignored with hs) */
    int epochs;
    int threads;
    double sample;   /* sub-sampling threshold t (0: off) */
    double alpha;    /* starting learning rate, decayed linearly to alpha * 1e-4 */
    uint64_t seed;
    int verbose;     /* progress lines on stderr */
} W2vConfig;

/* word2vec.c's defaults (dim 100, window 5, negative 5, sample 1e-3, 5 epochs), but alpha 0.05
 * for skip-gram too (word2vec.c: 0.025), and 2 threads. */
W2vConfig w2v_config_default(W2vArch arch);

typedef struct {
    int V, dim, stride; /* stride = dim rounded up to 16 floats (a 64-byte row) */
    float *in;          /* (V, stride): the word vectors (word2vec.c's syn0), what is saved */
    float *out;         /* (V, stride): output vectors (syn1neg), or the tree's V-1 nodes (syn1) */
} W2vWeights;

typedef struct {
    int64_t words;      /* tokens processed, all epochs and threads (before sub-sampling) */
    double wall_s;      /* training time, wall clock */
    double words_per_s;
    double loss;        /* mean logistic loss per (input, output) pair over the last 10% */
    int threads;        /* threads that ran */
} W2vStats;

/* Train on the corpus. The same seed and one thread give the same vectors every time; with more
 * threads the lock-free updates interleave differently on each run. */
void w2v_train(const W2vCorpus *c, const W2vConfig *cfg, W2vWeights *w, W2vStats *stats);
void w2v_weights_free(W2vWeights *w);

#endif
