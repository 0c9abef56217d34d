/* word2vec.c - chapter 02: dense word vectors learned by skip-gram and CBOW.
 *
 * What it teaches (the article's "word embedding" section, claims C2-C5): a word is known by the
 * company it keeps. Give every word a short dense vector, slide a window over a corpus, and nudge
 * the vectors so that a word and its neighbours score high together while random words score
 * low. Words used in the same contexts end up close (C2), regular relations become parallel
 * offsets (C3), and the two ways to pose the task - CBOW predicts the centre word from its
 * averaged context, skip-gram predicts each context word from the centre (C4) - train on the same
 * windows at different speed and quality. Each word still gets ONE vector whatever its sense (C5).
 *
 * What it builds, as word2vec.c (Mikolov et al. 2013) does:
 *   - sub-sampling: very frequent words are dropped at random, which both speeds training up and
 *     lets rarer, more informative neighbours into the window;
 *   - the "shrunk" window: each centre word draws a window of 1..W, so near words count more;
 *   - two ways around a V-way softmax: negative sampling (the true word against K words drawn
 *     from the unigram distribution raised to 0.75) or hierarchical softmax (log2 V binary
 *     decisions down a Huffman tree);
 *   - a learning rate that falls linearly to zero over the run;
 *   - "Hogwild" threads: each thread trains on its own slice of the corpus with its own random
 *     generator and writes into the shared weights without any lock. Two threads rarely touch
 *     the same row at the same moment, and when they do the lost update is noise SGD shrugs off.
 *     (This is a data race by the letter of C11; word2vec.c, fastText and gensim all do it.)
 *
 * Where it departs from word2vec.c, for speed (Ji et al. 2016, "Parallelizing word2vec in shared
 * and distributed memory"): the K negative samples are drawn once per centre word and shared by
 * all the context words of its window. A window then pairs M context vectors with the same N =
 * K+1 output vectors, and its SGD step is three small matrix products (logits = In Out^T, then
 * the two gradient products) computed from the values before the step, instead of 2W separate
 * vector-by-vector updates that reload the output rows each time. The loss is the same; the
 * samples of one window are correlated, which the paper (and chapter README's benchmark) finds
 * costs nothing in quality. As in word2vec.c, skip-gram's code predicts the centre from each
 * context word (the pair loss is symmetric, and this is the order that lets a window share its
 * outputs); rows are padded to 16 floats so that every loop runs over whole SIMD vectors.
 *
 * Builds on: common/ (tokenizer, vocabulary, corpus reader, rng, platform clock).
 * Leaves out: sub-word vectors (fastText), phrases, and the original's file reading per thread
 * (the corpus is read once and kept as ids; each thread takes its slice of that array).
 */
#include "word2vec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "corpus.h"
#include "platform.h"
#include "rng.h"
#include "utf8.h"
#include "util.h"

/* ==== the corpus as ids ========================================================================= */

int w2v_is_word_token(const char *tok, size_t len) {
    uint32_t cp;
    if (len == 0 || utf8_decode(tok, len, &cp) < 0) return 0;
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    if (utf8_is_cjk(cp)) return 1;
    if (utf8_is_cjk_punct(cp)) return 0;
    /* Latin-1 punctuation, general punctuation to the misc. symbols, emoji: the tokenizer makes
     * these one-symbol tokens. Any other first code point starts a word of some alphabet. */
    if ((cp >= 0xA1 && cp <= 0xBF && cp != 0xAA && cp != 0xB5 && cp != 0xBA) || cp == 0xD7 || cp == 0xF7) return 0;
    if (cp >= 0x2000 && cp <= 0x2BFF) return 0;
    if (cp >= 0x1F000 && cp <= 0x1FBFF) return 0;
    return 1;
}

typedef struct {
    Vocab *vocab;
    int32_t *ids;
    size_t n, cap;
    int keep_punct;
    int64_t tokens;
} Builder;

static void push_id(Builder *b, int32_t id) {
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 1 << 16;
        b->ids = xrealloc(b->ids, xmul(b->cap, sizeof *b->ids));
    }
    b->ids[b->n++] = id;
}

static void add_token(const char *tok, size_t len, void *ctx) {
    Builder *b = ctx;
    b->tokens++;
    if (!b->keep_punct && !w2v_is_word_token(tok, len)) return;
    push_id(b, vocab_add(b->vocab, tok, len, 1));
}

int w2v_corpus_build(W2vCorpus *c, const char *text, size_t len, TokMode mode, int keep_punct,
                     long min_count, char *err) {
    memset(c, 0, sizeof *c);
    Builder b = {vocab_new(), NULL, 0, 0, keep_punct, 0};
    /* Line by line: a window never reaches across a line (a verse, a sentence of the novel). */
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t before = b.n;
        tokenize(text + pos, end - pos, mode, add_token, &b);
        if (b.n > before) push_id(&b, W2V_EOL);
        pos = end + 1;
    }
    /* Keep the frequent words, renumbered most frequent first; map the old ids onto the new. */
    int nold = b.vocab->n;
    char **old = xmalloc(xmul((size_t)(nold ? nold : 1), sizeof *old));
    for (int i = 0; i < nold; i++) old[i] = xstrdup(b.vocab->words[i]);
    vocab_finalize(b.vocab, min_count, NULL, 0);
    int32_t *map = xmalloc(xmul((size_t)(nold ? nold : 1), sizeof *map));
    for (int i = 0; i < nold; i++) map[i] = vocab_find_str(b.vocab, old[i]), free(old[i]);
    free(old);
    size_t n = 0;
    int64_t words = 0;
    for (size_t i = 0; i < b.n; i++) {
        int32_t id = b.ids[i];
        if (id == W2V_EOL) {
            if (n > 0 && b.ids[n - 1] != W2V_EOL) b.ids[n++] = W2V_EOL; /* no empty lines */
        } else if (map[id] >= 0) {
            b.ids[n++] = map[id];
            words++;
        }
    }
    free(map);
    if (words == 0) {
        int ntypes = nold;
        vocab_free(b.vocab), free(b.ids);
        if (ntypes == 0) return set_err(err, "the text holds no words (only punctuation or symbols)");
        return set_err(err, "no word is seen %ld times or more (%d distinct words); lower --min-count", min_count,
                       ntypes);
    }
    c->vocab = b.vocab;
    c->ids = b.ids;
    c->n = n;
    c->words = words;
    c->tokens = b.tokens;
    return 0;
}

int w2v_corpus_read(W2vCorpus *c, const char *path, TokMode mode, int keep_punct, long min_count, char *err) {
    size_t len;
    char *text = corpus_read(path, &len, err);
    if (!text) return -1;
    char inner[ERR_LEN];
    int rc = w2v_corpus_build(c, text, len, mode, keep_punct, min_count, inner);
    free(text);
    if (rc) return set_err(err, "%s: %s", path, inner);
    return 0;
}

void w2v_corpus_free(W2vCorpus *c) {
    if (c->vocab) vocab_free(c->vocab);
    free(c->ids);
    memset(c, 0, sizeof *c);
}

/* ==== sampling tables =========================================================================== */

float *w2v_keep_probs(const int64_t *counts, int V, double sample) {
    float *keep = xmalloc(xmul((size_t)(V ? V : 1), sizeof *keep));
    double total = 0;
    for (int i = 0; i < V; i++) total += (double)counts[i];
    for (int i = 0; i < V; i++) {
        double p = 1.0;
        if (sample > 0 && counts[i] > 0) {
            double ratio = sample * total / (double)counts[i]; /* t / f */
            p = sqrt(ratio) + ratio;
        }
        keep[i] = p < 1.0 ? (float)p : 1.0f;
    }
    return keep;
}

int32_t *w2v_unigram_table(const int64_t *counts, int V, double power, int size) {
    int32_t *table = xmalloc(xmul((size_t)size, sizeof *table));
    double total = 0, cum = 0;
    for (int i = 0; i < V; i++) total += pow((double)counts[i], power);
    int start = 0;
    for (int i = 0; i < V && start < size; i++) {
        cum += pow((double)counts[i], power);
        int end = i == V - 1 ? size : (int)floor((double)size * (cum / total));
        if (end > size) end = size;
        for (int k = start; k < end; k++) table[k] = i;
        if (end > start) start = end;
    }
    return table;
}

/* ==== the Huffman tree ========================================================================== */

void w2v_huffman_build(W2vHuffman *h, const int64_t *counts, int V) {
    if (V < 2) die("w2v_huffman_build: a tree needs at least 2 words, got %d", V);
    /* Nodes 0..V-1 are the words (sorted by count, descending), V..2V-2 the internal nodes in the
     * order they are made. Two queues, both sorted: the words from the rarest up (pos1 going
     * down) and the new nodes (pos2 going up, each at least as heavy as the last). Each step joins
     * the two lightest; the second of them is the 1-branch. */
    size_t n2 = xmul(2, (size_t)V);
    int64_t *count = xmalloc(xmul(n2, sizeof *count));
    int32_t *parent = xmalloc(xmul(n2, sizeof *parent));
    uint8_t *bit = xcalloc(n2, 1);
    for (int i = 0; i < V; i++) count[i] = counts[i];
    for (size_t i = (size_t)V; i < n2; i++) count[i] = INT64_MAX / 4;
    int pos1 = V - 1, pos2 = V;
    for (int a = 0; a < V - 1; a++) {
        int m[2];
        for (int k = 0; k < 2; k++)
            m[k] = (pos1 >= 0 && count[pos1] < count[pos2]) ? pos1-- : pos2++;
        count[V + a] = count[m[0]] + count[m[1]];
        parent[m[0]] = parent[m[1]] = V + a;
        bit[m[1]] = 1;
    }
    /* Walk from each leaf to the root, then store the path root first. */
    h->V = V;
    h->off = xmalloc(xmul((size_t)V + 1, sizeof *h->off));
    size_t total = 0;
    for (int i = 0; i < V; i++) {
        h->off[i] = (int32_t)total;
        for (int b = i; b != 2 * V - 2; b = parent[b]) total++;
    }
    h->off[V] = (int32_t)total;
    h->point = xmalloc(xmul(total, sizeof *h->point));
    h->code = xmalloc(total);
    for (int i = 0; i < V; i++) {
        int len = h->off[i + 1] - h->off[i], k = len;
        for (int b = i; b != 2 * V - 2; b = parent[b]) {
            k--;
            h->code[h->off[i] + k] = bit[b];
            h->point[h->off[i] + k] = parent[b] - V; /* the node that decides this branch */
        }
    }
    free(count), free(parent), free(bit);
}

void w2v_huffman_free(W2vHuffman *h) {
    free(h->off), free(h->point), free(h->code);
    memset(h, 0, sizeof *h);
}

/* ==== the model of one window: reference forward/backward ======================================= */

void w2v_scores_forward(float *logits, const float *in, const float *out, int M, int N, int d) {
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += (double)in[m * d + j] * out[n * d + j];
            logits[m * N + n] = (float)s;
        }
}

void w2v_scores_backward(float *din, float *dout, const float *dlogits, const float *in,
                         const float *out, int M, int N, int d) {
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            float g = dlogits[m * N + n];
            for (int j = 0; j < d; j++) {
                if (din) din[m * d + j] += g * out[n * d + j];
                if (dout) dout[n * d + j] += g * in[m * d + j];
            }
        }
}

double w2v_logistic_loss(float *dlogits, const float *logits, const float *labels, int M, int N) {
    double loss = 0;
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double z = logits[m * N + n], y = labels[n];
            /* -log sigmoid(z) for y = 1, -log sigmoid(-z) for y = 0; log1p(exp(-|z|)) is stable */
            loss += fmax(z, 0.0) - z * y + log1p(exp(-fabs(z)));
            dlogits[m * N + n] = (float)(1.0 / (1.0 + exp(-z)) - y);
        }
    return loss;
}

void w2v_mean_forward(float *h, const float *ctx, int M, int d) {
    for (int j = 0; j < d; j++) {
        double s = 0;
        for (int m = 0; m < M; m++) s += ctx[m * d + j];
        h[j] = (float)(s / M);
    }
}

void w2v_mean_backward(float *dctx, const float *dh, int M, int d) {
    for (int m = 0; m < M; m++)
        for (int j = 0; j < d; j++) dctx[m * d + j] += dh[j] / (float)M;
}

double w2v_step_reference(float *in, float *out, const float *labels, int M, int N, int d, float lr) {
    float *logits = xmalloc(xmul((size_t)M * N, sizeof(float))), *dlogits = xmalloc(xmul((size_t)M * N, sizeof(float)));
    float *din = xcalloc((size_t)M * d, sizeof(float)), *dout = xcalloc((size_t)N * d, sizeof(float));
    w2v_scores_forward(logits, in, out, M, N, d);
    double loss = w2v_logistic_loss(dlogits, logits, labels, M, N);
    w2v_scores_backward(din, dout, dlogits, in, out, M, N, d);
    for (int i = 0; i < M * d; i++) in[i] -= lr * din[i];
    for (int i = 0; i < N * d; i++) out[i] -= lr * dout[i];
    free(logits), free(dlogits), free(din), free(dout);
    return loss;
}

/* ==== the fast kernel =========================================================================== */

void w2v_sigmoid_table_init(float *table) {
    /* Entry i holds the sigmoid at the middle of its cell, so the lookup error is at most half a
     * cell times the largest slope: 12/1024/2 * 0.25 = 0.0015. */
    for (int i = 0; i < W2V_SIGMOID_SIZE; i++) {
        double x = ((i + 0.5) / W2V_SIGMOID_SIZE * 2.0 - 1.0) * W2V_MAX_EXP;
        table[i] = (float)(1.0 / (1.0 + exp(-x)));
    }
}

static inline float sigmoid_lookup(const float *table, float x) {
    if (x >= W2V_MAX_EXP) return 1.0f;
    if (x <= -W2V_MAX_EXP) return 0.0f;
    int i = (int)((x + W2V_MAX_EXP) * (W2V_SIGMOID_SIZE / (2.0f * W2V_MAX_EXP)));
    return table[i < W2V_SIGMOID_SIZE ? i : W2V_SIGMOID_SIZE - 1];
}

float w2v_sigmoid_lookup(const float *table, float x) { return sigmoid_lookup(table, x); }

/* Rows are a whole number of 16-float blocks, so every loop below runs over whole SIMD vectors
 * with no tail. The dot product keeps 8 separate partial sums: a plain `s += a[j] * b[j]` must add
 * in order and is never vectorised without -ffast-math. */
static inline float dot_row(const float *restrict a, const float *restrict b, int n) {
    float acc[8] = {0};
    for (int j = 0; j < n; j += 8)
        for (int k = 0; k < 8; k++) acc[k] += a[j + k] * b[j + k];
    return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

/* y (n) += g * x (n) */
static inline void axpy_row(float *restrict y, float g, const float *restrict x, int n) {
    for (int j = 0; j < n; j++) y[j] += g * x[j];
}

void w2v_update_window(float *const *in, int M, float *const *out, const float *labels, int N,
                       int stride, float lr, const float *sigmoid_table, float *grad_in,
                       float *scratch, double *loss) {
    /* 1. logits and the scaled gradient g (M,N) = lr * (label - sigmoid(logit)): the direction
     *    that lowers the loss, as word2vec.c's `g`. */
    float *g = scratch;
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            float z = dot_row(in[m], out[n], stride);
            if (loss) {
                double zz = labels[n] > 0.5f ? z : -z; /* -log sigmoid(zz), computed stably */
                *loss += zz > 0 ? log1p(exp(-zz)) : -zz + log1p(exp(zz));
            }
            g[m * N + n] = (labels[n] - sigmoid_lookup(sigmoid_table, z)) * lr;
        }
    /* 2. the inputs' step (M, stride) = g @ Out, from the outputs before they move */
    for (int m = 0; m < M; m++) {
        float *gi = grad_in + (size_t)m * stride;
        memset(gi, 0, sizeof(float) * (size_t)stride);
        for (int n = 0; n < N; n++) axpy_row(gi, g[m * N + n], out[n], stride);
    }
    /* 3. the outputs' step, applied: Out += g^T @ In */
    for (int n = 0; n < N; n++)
        for (int m = 0; m < M; m++) axpy_row(out[n], g[m * N + n], in[m], stride);
}

/* ==== training ================================================================================== */

W2vConfig w2v_config_default(W2vArch arch) {
    W2vConfig c;
    c.arch = arch;
    c.hs = 0;
    c.dim = 100;
    c.window = 5;
    c.negative = 5;
    c.epochs = 5;
    c.threads = 2;
    c.sample = 1e-3;
    /* word2vec.c starts skip-gram at 0.025, tuned on billion-word corpora; on a corpus of a
     * million words and 5 epochs 0.05 (fastText's default) does clearly better (README). */
    c.alpha = 0.05;
    c.seed = 1;
    c.verbose = 1;
    return c;
}

#define MAX_SENTENCE 1000  /* a longer line is cut into pieces of this many kept words */
#define MAX_WINDOW 64      /* the largest window the command line accepts */
#define LR_UPDATE_WORDS 10000 /* words between updates of the shared word count, as word2vec.c */
#define LOSS_EVERY 32     /* sample the exact loss on one window in this many */
#define UNIGRAM_POWER 0.75

typedef struct {
    const W2vCorpus *c;
    const W2vConfig *cfg;
    W2vWeights *w;
    const float *keep;       /* (V) sub-sampling keep probabilities */
    const int32_t *table;    /* unigram^0.75 table, 1 << table_bits entries */
    int table_bits;
    const W2vHuffman *tree;
    float sigmoid[W2V_SIGMOID_SIZE];
    int64_t total_words;     /* words * epochs: where the learning rate reaches its floor */
    int64_t words_done;      /* shared by the threads, updated atomically every LR_UPDATE_WORDS */
    int64_t next_report;     /* next words_done at which a progress line is due */
    double t0;
    double loss_sum, loss_pairs; /* of the last report interval (thread 0's sample) */
} Trainer;

/* A uniform integer in [0, n) from 32 random bits: bias below n / 2^32, and no division. */
static inline uint32_t below(Rng *r, uint32_t n) { return (uint32_t)(((rng_u64(r) >> 32) * n) >> 32); }
static inline float uniform01(Rng *r) { return (float)(rng_u64(r) >> 40) * (1.0f / 16777216.0f); }

/* Where thread t's slice of ids begins: at t/T of the array, moved on to the start of a line. */
static size_t slice_start(const W2vCorpus *c, int t, int T) {
    if (t <= 0) return 0;
    if (t >= T) return c->n;
    size_t p = (size_t)((double)c->n * t / T);
    while (p < c->n && c->ids[p - 1] != W2V_EOL) p++;
    return p;
}

static double current_alpha(const Trainer *tr, int64_t done) {
    double a = tr->cfg->alpha * (1.0 - (double)done / (double)(tr->total_words + 1));
    return a > tr->cfg->alpha * 1e-4 ? a : tr->cfg->alpha * 1e-4;
}

static void report(Trainer *tr, int64_t done, double loss) {
    double t = now_seconds() - tr->t0;
    fprintf(stderr, "step %6.1f%% | loss %.4f | lr %.1e | %6.1f s | %.1fk words/s\n",
            100.0 * (double)done / (double)tr->total_words, loss, current_alpha(tr, done), t,
            t > 0 ? (double)done / t / 1e3 : 0.0);
}

/* Thread `tid` of `nthreads`: every epoch over its slice of the corpus. */
static void train_slice(Trainer *tr, int tid, int nthreads) {
    const W2vConfig *cfg = tr->cfg;
    const W2vCorpus *c = tr->c;
    const int stride = tr->w->stride, cbow = cfg->arch == W2V_CBOW;
    int maxout = cfg->negative + 1;
    if (cfg->hs)
        for (int i = 0; i < tr->tree->V; i++)
            if (tr->tree->off[i + 1] - tr->tree->off[i] > maxout) maxout = tr->tree->off[i + 1] - tr->tree->off[i];
    const int maxin = cbow ? 1 : 2 * cfg->window;
    float **in = xmalloc(sizeof(float *) * (size_t)(2 * cfg->window + 1));
    float **out = xmalloc(sizeof(float *) * (size_t)maxout);
    float *labels = xmalloc(sizeof(float) * (size_t)maxout);
    float *scratch = xmalloc(sizeof(float) * (size_t)maxin * (size_t)maxout);
    float *grad_in = aligned_alloc(64, sizeof(float) * (size_t)maxin * (size_t)stride);
    float *hidden = aligned_alloc(64, sizeof(float) * (size_t)stride);
    int32_t *sentence = xmalloc(sizeof(int32_t) * MAX_SENTENCE);
    int32_t *ctx = xmalloc(sizeof(int32_t) * (size_t)(2 * cfg->window));
    if (!grad_in || !hidden) die("out of memory for a training thread's buffers");
    Rng rng;
    rng_seed(&rng, cfg->seed * 0x9E3779B97F4A7C15ull + 1 + (uint64_t)tid);
    const size_t lo = slice_start(c, tid, nthreads), hi = slice_start(c, tid + 1, nthreads);
    const int V = c->vocab->n;
    int64_t local = 0, windows = 0;
    double alpha = cfg->alpha, loss_sum = 0, loss_pairs = 0;
    for (int epoch = 0; epoch < cfg->epochs; epoch++) {
        size_t pos = lo;
        while (pos < hi) {
            /* One sentence: read up to the end of the line, keeping each word with its
             * sub-sampling probability. The kept words close up, so the window reaches further. */
            int len = 0;
            while (pos < hi && len < MAX_SENTENCE) {
                int32_t id = c->ids[pos++];
                if (id == W2V_EOL) break;
                local++;
                if (tr->keep[id] >= 1.0f || uniform01(&rng) < tr->keep[id]) sentence[len++] = id;
            }
            if (local >= LR_UPDATE_WORDS) {
                int64_t done;
#pragma omp atomic capture
                done = tr->words_done += local;
                local = 0;
                alpha = current_alpha(tr, done);
                if (tid == 0 && cfg->verbose && done >= tr->next_report) {
                    report(tr, done, loss_pairs > 0 ? loss_sum / loss_pairs : 0);
                    loss_sum = loss_pairs = 0;
                    tr->next_report = done + tr->total_words / 10;
                }
            }
            for (int i = 0; i < len; i++) {
                const int32_t word = sentence[i];
                const int win = cfg->window - (int)below(&rng, (uint32_t)cfg->window);
                int M = 0;
                for (int j = i - win; j <= i + win; j++)
                    if (j != i && j >= 0 && j < len) ctx[M++] = sentence[j];
                if (M == 0) continue;
                /* The outputs: the word itself and K negatives sharing this window, or the nodes of
                 * its path down the Huffman tree. */
                int N = 0;
                if (cfg->hs) {
                    const W2vHuffman *h = tr->tree;
                    for (int k = h->off[word]; k < h->off[word + 1]; k++) {
                        out[N] = tr->w->out + (size_t)h->point[k] * stride;
                        labels[N++] = 1.0f - (float)h->code[k];
                    }
                } else {
                    out[N] = tr->w->out + (size_t)word * stride, labels[N++] = 1.0f;
                    for (int k = 0; k < cfg->negative; k++) {
                        int32_t neg = word;
                        for (int tries = 0; neg == word && tries < 8; tries++)
                            neg = tr->table[rng_u64(&rng) >> (64 - tr->table_bits)];
                        if (neg == word) neg = (int32_t)below(&rng, (uint32_t)V);
                        if (neg == word) continue;
                        out[N] = tr->w->out + (size_t)neg * stride, labels[N++] = 0.0f;
                    }
                }
                double wl = 0, *lossp = (++windows % LOSS_EVERY == 0) ? &wl : NULL;
                if (cbow) {
                    /* h = mean of the context vectors; its gradient goes to each of them whole,
                     * not divided by M: word2vec.c and fastText do so (a larger step for the
                     * inputs, which trains better than the exact gradient of the mean). */
                    memset(hidden, 0, sizeof(float) * (size_t)stride);
                    for (int m = 0; m < M; m++) axpy_row(hidden, 1.0f, tr->w->in + (size_t)ctx[m] * stride, stride);
                    float invM = 1.0f / (float)M;
                    for (int j = 0; j < stride; j++) hidden[j] *= invM;
                    in[0] = hidden;
                    w2v_update_window(in, 1, out, labels, N, stride, (float)alpha, tr->sigmoid, grad_in, scratch,
                                      lossp);
                    for (int m = 0; m < M; m++) axpy_row(tr->w->in + (size_t)ctx[m] * stride, 1.0f, grad_in, stride);
                    if (lossp) loss_sum += wl, loss_pairs += N;
                } else {
                    for (int m = 0; m < M; m++) in[m] = tr->w->in + (size_t)ctx[m] * stride;
                    w2v_update_window(in, M, out, labels, N, stride, (float)alpha, tr->sigmoid, grad_in, scratch,
                                      lossp);
                    for (int m = 0; m < M; m++) axpy_row(in[m], 1.0f, grad_in + (size_t)m * stride, stride);
                    if (lossp) loss_sum += wl, loss_pairs += (double)M * N;
                }
            }
        }
    }
    int64_t done;
#pragma omp atomic capture
    done = tr->words_done += local;
    (void)done;
    if (tid == 0) {
        tr->loss_sum = loss_sum;
        tr->loss_pairs = loss_pairs;
    }
    free(in), free(out), free(labels), free(scratch), free(grad_in), free(hidden), free(sentence), free(ctx);
}

static float *alloc_rows(int rows, int stride) {
    size_t bytes = xmul(xmul((size_t)(rows > 0 ? rows : 1), (size_t)stride), sizeof(float));
    float *p = aligned_alloc(64, bytes);
    if (!p) die("out of memory: %zu bytes for %d word vectors of %d floats", bytes, rows, stride);
    memset(p, 0, bytes);
    return p;
}

void w2v_train(const W2vCorpus *c, const W2vConfig *cfg, W2vWeights *w, W2vStats *stats) {
    const int V = c->vocab->n;
    if (cfg->window < 1 || cfg->window > MAX_WINDOW) die("w2v_train: window %d outside 1..%d", cfg->window, MAX_WINDOW);
    if (cfg->hs && V < 2) die("w2v_train: hierarchical softmax needs at least 2 words in the vocabulary");
    w->V = V;
    w->dim = cfg->dim;
    w->stride = (cfg->dim + 15) / 16 * 16;
    /* Input vectors start small and random (word2vec.c's uniform +-0.5/dim), output vectors at
     * zero: every logit starts at 0, every first gradient comes from the data. */
    w->in = alloc_rows(V, w->stride);
    w->out = alloc_rows(cfg->hs ? V - 1 : V, w->stride);
    Rng init;
    rng_seed(&init, cfg->seed);
    for (int i = 0; i < V; i++)
        for (int j = 0; j < cfg->dim; j++) w->in[(size_t)i * w->stride + j] = (rng_uniform(&init) - 0.5f) / (float)cfg->dim;

    Trainer tr;
    memset(&tr, 0, sizeof tr);
    tr.c = c, tr.cfg = cfg, tr.w = w;
    float *keep = w2v_keep_probs(c->vocab->counts, V, cfg->sample);
    tr.keep = keep;
    /* A table of at least 2^20 entries and 16 per word: cheap to draw from (one shift), and
     * small enough to stay in cache, which word2vec.c's 10^8 entries do not. */
    int bits = 20;
    while (bits < 30 && (1L << bits) < 16L * V) bits++;
    int32_t *table = NULL;
    W2vHuffman tree = {0};
    if (cfg->hs) w2v_huffman_build(&tree, c->vocab->counts, V), tr.tree = &tree;
    else table = w2v_unigram_table(c->vocab->counts, V, UNIGRAM_POWER, 1 << bits), tr.table = table, tr.table_bits = bits;
    w2v_sigmoid_table_init(tr.sigmoid);
    tr.total_words = c->words * cfg->epochs;
    tr.next_report = tr.total_words / 10;
    int nthreads = cfg->threads > 0 ? cfg->threads : 1;
#ifndef _OPENMP
    if (nthreads > 1 && cfg->verbose)
        fprintf(stderr, "note: built without OpenMP, so training runs in 1 thread instead of %d\n", nthreads);
    nthreads = 1;
#endif
    int ran = 1;
    tr.t0 = now_seconds();
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        if (t == 0) ran = T;
        train_slice(&tr, t, T);
    }
#else
    train_slice(&tr, 0, 1);
#endif
    double wall = now_seconds() - tr.t0;
    if (stats) {
        stats->words = tr.words_done;
        stats->wall_s = wall;
        stats->words_per_s = wall > 0 ? (double)tr.words_done / wall : 0;
        stats->loss = tr.loss_pairs > 0 ? tr.loss_sum / tr.loss_pairs : 0;
        stats->threads = ran;
    }
    if (cfg->verbose) report(&tr, tr.words_done, stats ? stats->loss : 0);
    free(keep), free(table);
    if (cfg->hs) w2v_huffman_free(&tree);
}

void w2v_weights_free(W2vWeights *w) {
    free(w->in), free(w->out);
    memset(w, 0, sizeof *w);
}
