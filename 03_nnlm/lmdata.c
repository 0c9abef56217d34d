/* lmdata.c - see lmdata.h: the seeded sentence split, the training vocabulary, the id streams. */
#include "lmdata.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "rng.h"
#include "util.h"

const char *const LM_SPLIT_NAMES[LM_NSPLITS] = {"train", "valid", "test"};

LmSplitOptions lm_split_defaults(void) {
    LmSplitOptions o = {TOK_WORDS, 3, 1, 0.1, 0.1};
    return o;
}

/* The split of each line, drawn in line order from one generator: the same seed and text give the
 * same split whatever the vocabulary settings. -1 for a line without tokens. */
static int *assign_lines(const char *text, size_t len, const LmSplitOptions *o, long *nlines) {
    long n = 0, cap = 1024;
    int *split = xmalloc(sizeof(int) * (size_t)cap);
    Rng rng;
    rng_seed(&rng, o->seed);
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (n == cap) split = xrealloc(split, sizeof(int) * (size_t)(cap *= 2));
        /* Every line consumes one draw, empty or not, so that editing one line's words never moves
         * other lines between parts. */
        double u = rng_uniform(&rng);
        int part = u < o->test_frac ? LM_TEST : u < o->test_frac + o->valid_frac ? LM_VALID : LM_TRAIN;
        split[n++] = tokenize(text + start, end - start, o->mode, NULL, NULL) ? part : -1;
        start = end + 1;
    }
    *nlines = n;
    return split;
}

static void count_word(const char *tok, size_t len, void *vocab) { vocab_add(vocab, tok, len, 1); }

typedef struct {
    const Vocab *vocab;
    int *ids;
    long n, cap, unk;
} IdSink;

static void emit_id(const char *tok, size_t len, void *ctx) {
    IdSink *s = ctx;
    int id = vocab_find(s->vocab, tok, len);
    if (id < 0 || id == LM_EOS) id = LM_UNK, s->unk++;
    if (s->n == s->cap) s->ids = xrealloc(s->ids, sizeof(int) * (size_t)(s->cap = s->cap ? 2 * s->cap : 4096));
    s->ids[s->n++] = id;
}

int lmdata_from_text(LmData *d, const char *text, size_t len, const LmSplitOptions *o, char *err) {
    memset(d, 0, sizeof *d);
    if (o->valid_frac < 0 || o->test_frac < 0 || o->valid_frac + o->test_frac >= 1)
        return set_err(err, "valid and test fractions must be >= 0 and leave room for training");
    long nlines;
    int *split = assign_lines(text, len, o, &nlines);

    /* 1. The vocabulary, from the training sentences only. */
    Vocab *v = vocab_new();
    long line = 0;
    for (size_t start = 0; start < len; line++) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (split[line] == LM_TRAIN) tokenize(text + start, end - start, o->mode, count_word, v);
        start = end + 1;
    }
    if (v->n == 0) {
        free(split), vocab_free(v);
        return set_err(err, "the training part is empty: give a longer text or smaller valid/test fractions");
    }
    static const char *const specials[2] = {"</s>", "<unk>"};
    vocab_finalize(v, o->min_count, specials, 2);
    if (v->n <= 2) {
        free(split), vocab_free(v);
        return set_err(err, "no training word is seen %ld times or more: lower the min count", o->min_count);
    }

    /* 2. The id streams. */
    IdSink sink[LM_NSPLITS] = {{v, NULL, 0, 0, 0}, {v, NULL, 0, 0, 0}, {v, NULL, 0, 0, 0}};
    line = 0;
    for (size_t start = 0; start < len; line++) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        int part = split[line];
        if (part >= 0) {
            tokenize(text + start, end - start, o->mode, emit_id, &sink[part]);
            /* the sentence's end, through the same growth path as a word */
            IdSink *s = &sink[part];
            if (s->n == s->cap) s->ids = xrealloc(s->ids, sizeof(int) * (size_t)(s->cap = 2 * s->cap));
            s->ids[s->n++] = LM_EOS;
            d->nsent[part]++;
        }
        start = end + 1;
    }
    free(split);
    for (int p = 0; p < LM_NSPLITS; p++) {
        d->tok[p] = sink[p].ids;
        d->ntok[p] = sink[p].n;
        d->nunk[p] = sink[p].unk;
    }
    v->counts[LM_EOS] = d->nsent[LM_TRAIN];
    v->counts[LM_UNK] = d->nunk[LM_TRAIN];
    d->vocab = v;
    d->V = v->n;
    return 0;
}

int lmdata_load(LmData *d, const char *path, const LmSplitOptions *o, char *err) {
    size_t len;
    char *text = corpus_read(path, &len, err);
    if (!text) return -1;
    int rc = lmdata_from_text(d, text, len, o, err);
    free(text);
    return rc;
}

void lmdata_free(LmData *d) {
    for (int p = 0; p < LM_NSPLITS; p++) free(d->tok[p]);
    if (d->vocab) vocab_free(d->vocab);
    memset(d, 0, sizeof *d);
}

int lm_history(const int *tok, long i, int *ctx, int n) {
    int avail = 0, at_boundary = 0;
    long j = i - 1;
    for (int k = n - 1; k >= 0; k--) {
        if (!at_boundary && j >= 0 && tok[j] != LM_EOS) {
            ctx[k] = tok[j--];
            avail++;
        } else {
            ctx[k] = LM_EOS;
            if (!at_boundary) at_boundary = 1, avail++;
        }
    }
    return avail;
}

double perplexity_from_logprobs(const double *lp, long n) {
    double sum = 0;
    for (long i = 0; i < n; i++) sum += lp[i];
    return n > 0 ? exp(-sum / (double)n) : NAN;
}
