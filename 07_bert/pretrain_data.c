/* pretrain_data.c - the inputs of BERT's pretraining: documents, sentence pairs for next-sentence
 * prediction, masking for the masked LM, batches. The contract is in pretrain.h; the training loop
 * is in pretrain.c. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "07_bert/pretrain.h"
#include "corpus.h"
#include "tokenize.h"
#include "utf8.h"
#include "util.h"

/* ================================================================================================
 * Documents
 * ================================================================================================ */

void bert_docs_init(BertDocs *d) {
    memset(d, 0, sizeof *d);
    d->cap_sent = 64, d->cap_doc = 16, d->cap_ids = 1024;
    d->ids = xmalloc(sizeof(int) * d->cap_ids);
    d->sent_off = xmalloc(sizeof(size_t) * ((size_t)d->cap_sent + 1));
    d->doc_first = xmalloc(sizeof(int) * ((size_t)d->cap_doc + 1));
    d->sent_off[0] = 0, d->doc_first[0] = 0;
}

void bert_docs_free(BertDocs *d) {
    free(d->ids), free(d->sent_off), free(d->doc_first);
    memset(d, 0, sizeof *d);
}

void bert_docs_add_sentence(BertDocs *d, const int *ids, int n) {
    if (n <= 0) return;
    if (d->nids + (size_t)n > d->cap_ids) {
        while (d->nids + (size_t)n > d->cap_ids) d->cap_ids *= 2;
        d->ids = xrealloc(d->ids, xmul(d->cap_ids, sizeof(int)));
    }
    if (d->nsent + 1 > d->cap_sent) {
        d->cap_sent *= 2;
        d->sent_off = xrealloc(d->sent_off, xmul((size_t)d->cap_sent + 1, sizeof(size_t)));
    }
    memcpy(d->ids + d->nids, ids, sizeof(int) * (size_t)n);
    d->nids += (size_t)n;
    d->sent_off[++d->nsent] = d->nids;
    d->open_sents++;
}

void bert_docs_end_document(BertDocs *d) {
    if (!d->open_sents) return;
    if (d->ndoc + 1 > d->cap_doc) {
        d->cap_doc *= 2;
        d->doc_first = xrealloc(d->doc_first, xmul((size_t)d->cap_doc + 1, sizeof(int)));
    }
    d->doc_first[++d->ndoc] = d->nsent;
    d->open_sents = 0;
}

static int is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v') return 0;
    return 1;
}

int bert_docs_from_text(BertDocs *d, const char *text, size_t len, int doc_lines, BertEncodeFn enc, void *ctx) {
    /* First pass: does the file separate documents with blank lines? */
    int blank_mode = 0;
    for (size_t i = 0; i < len && !blank_mode;) {
        size_t j = i;
        while (j < len && text[j] != '\n') j++;
        /* a blank line between two lines of text (not the trailing newline of the file) */
        if (is_blank(text + i, j - i) && j < len) blank_mode = 1;
        i = j + 1;
    }
    if (doc_lines < 1) doc_lines = 1;
    int cap = 256;
    int *buf = xmalloc(sizeof(int) * (size_t)cap);
    long lines_in_doc = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n') j++;
        if (is_blank(text + i, j - i)) {
            if (blank_mode) bert_docs_end_document(d);
        } else {
            int n = enc(ctx, text + i, j - i, buf, cap);
            if (n > cap) {
                cap = n;
                buf = xrealloc(buf, sizeof(int) * (size_t)cap);
                n = enc(ctx, text + i, j - i, buf, cap);
            }
            bert_docs_add_sentence(d, buf, n);
            if (!blank_mode && ++lines_in_doc == doc_lines) {
                bert_docs_end_document(d);
                lines_in_doc = 0;
            }
        }
        i = j + 1;
    }
    bert_docs_end_document(d);
    free(buf);
    return d->ndoc;
}

/* ---- keeping evaluation text out of the pretraining text ------------------------------------------
 * A model pretrained on the sentences it is later tested on has seen the test set, even without the
 * labels. So a sentence is left out of the corpus when it shares a run of characters (white space
 * ignored) with any excluded text: the test sentences of the four-novels set are cut from the novels
 * at other places than the corpus splits them, and a shared run catches a sentence however the two
 * were cut. How long a run: 8 characters when it holds a CJK ideograph (8 characters of Chinese are
 * most of a clause), 32 otherwise (8 letters are one English word or two, "ofthelor", which every
 * other sentence shares; 32 are six words or so); and a text shorter than that is matched whole
 * (a short SMS against an identical one). The runs are kept as 64-bit hashes in an open-addressing
 * set. */
#define EXCLUDE_RUN_CJK 8
#define EXCLUDE_RUN_OTHER 32

struct BertExclude {
    uint64_t *slot; /* 0 = empty */
    size_t cap, n;
};

typedef struct {
    char *b;
    size_t *off, cap;
    int *cjk;   /* cjk[i]: CJK ideographs among the first i characters */
    size_t ncp;
} Squeezed;

static void squeeze(Squeezed *q, const char *s, size_t n) {
    if (n + 1 > q->cap) {
        q->cap = n + 1;
        q->b = xrealloc(q->b, q->cap), q->off = xrealloc(q->off, sizeof(size_t) * q->cap);
        q->cjk = xrealloc(q->cjk, sizeof(int) * q->cap);
    }
    size_t nb = 0;
    q->ncp = 0;
    q->cjk[0] = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k < 1) k = 1, cp = (unsigned char)s[i]; /* a stray byte counts as one character */
        if (!utf8_is_space(cp)) {
            q->off[q->ncp] = nb;
            q->cjk[q->ncp + 1] = q->cjk[q->ncp] + (utf8_is_cjk(cp) ? 1 : 0);
            q->ncp++;
            memcpy(q->b + nb, s + i, (size_t)k), nb += (size_t)k;
        }
        i += (size_t)k;
    }
    q->off[q->ncp] = nb;
}

/* FNV-1a of characters [first, first + len), tagged with the length so the kinds never collide */
static uint64_t run_hash(const Squeezed *q, size_t first, size_t len) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)len;
    for (size_t i = q->off[first]; i < q->off[first + len]; i++) h = (h ^ (unsigned char)q->b[i]) * 1099511628211ULL;
    return h ? h : 1;
}

/* Call fn on every run of q the rule above uses: the 8-character runs that hold a CJK ideograph,
 * the 32-character runs that hold none, and the whole text when it is shorter than 32 characters
 * and has no 8-character run with CJK. Stops early (returns 1) when fn returns 1. */
static int for_each_run(const Squeezed *q, int (*fn)(void *, uint64_t), void *ctx) {
    int any = 0;
    for (size_t i = 0; i + EXCLUDE_RUN_CJK <= q->ncp; i++)
        if (q->cjk[i + EXCLUDE_RUN_CJK] > q->cjk[i]) {
            any = 1;
            if (fn(ctx, run_hash(q, i, EXCLUDE_RUN_CJK))) return 1;
        }
    for (size_t i = 0; i + EXCLUDE_RUN_OTHER <= q->ncp; i++)
        if (q->cjk[i + EXCLUDE_RUN_OTHER] == q->cjk[i]) {
            any = 1;
            if (fn(ctx, run_hash(q, i, EXCLUDE_RUN_OTHER))) return 1;
        }
    if (!any && q->ncp > 0 && q->ncp < EXCLUDE_RUN_OTHER) return fn(ctx, run_hash(q, 0, q->ncp));
    return 0;
}

static void exclude_insert(BertExclude *x, uint64_t h) {
    if (2 * (x->n + 1) > x->cap) { /* keep it at most half full */
        BertExclude old = *x;
        x->cap = old.cap ? 2 * old.cap : 1024;
        x->slot = xcalloc(x->cap, sizeof(uint64_t));
        x->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slot[i]) exclude_insert(x, old.slot[i]);
        free(old.slot);
    }
    size_t i = (size_t)(h * 0x9E3779B97F4A7C15ULL >> 20) & (x->cap - 1);
    while (x->slot[i] && x->slot[i] != h) i = (i + 1) & (x->cap - 1);
    if (!x->slot[i]) x->slot[i] = h, x->n++;
}

static int exclude_has(const BertExclude *x, uint64_t h) {
    if (!x->cap) return 0;
    size_t i = (size_t)(h * 0x9E3779B97F4A7C15ULL >> 20) & (x->cap - 1);
    while (x->slot[i]) {
        if (x->slot[i] == h) return 1;
        i = (i + 1) & (x->cap - 1);
    }
    return 0;
}

static int insert_run(void *x, uint64_t h) {
    exclude_insert(x, h);
    return 0;
}
static int has_run(void *x, uint64_t h) { return exclude_has(x, h); }

BertExclude *bert_exclude_load(const char *const *paths, int n, char *err) {
    BertExclude *x = xcalloc(1, sizeof *x);
    Squeezed q = {0};
    for (int f = 0; f < n; f++) {
        size_t len;
        char *text = corpus_read(paths[f], &len, err);
        if (!text) {
            free(q.b), free(q.off), free(q.cjk), bert_exclude_free(x);
            return NULL;
        }
        for (size_t p = 0; p < len;) {
            size_t e = p;
            while (e < len && text[e] != '\n') e++;
            /* label<TAB>text[<TAB>text_b]: every column after the first; a line without a tab: all of it */
            const char *tab = memchr(text + p, '\t', e - p);
            for (size_t c = tab ? (size_t)(tab - text) + 1 : p; c < e;) {
                size_t d = c;
                while (d < e && text[d] != '\t') d++;
                squeeze(&q, text + c, d - c);
                for_each_run(&q, insert_run, x);
                c = d + 1;
            }
            p = e + 1;
        }
        free(text);
    }
    free(q.b), free(q.off), free(q.cjk);
    return x;
}

void bert_exclude_free(BertExclude *x) {
    if (x) free(x->slot), free(x);
}

int bert_exclude_hits(const BertExclude *x, const char *s, size_t n) {
    if (!x || !x->n) return 0;
    Squeezed q = {0};
    squeeze(&q, s, n);
    int hit = for_each_run(&q, has_run, (void *)x);
    free(q.b), free(q.off), free(q.cjk);
    return hit;
}

typedef struct {
    FILE *f;
    int any;
    const BertExclude *ex;
    BertCorpusStats *st;
} SentOut;
static void write_sentence(const char *s, size_t n, void *ctx) {
    SentOut *o = ctx;
    if (bert_exclude_hits(o->ex, s, n)) {
        o->st->dropped++, o->st->dropped_bytes += n;
        return;
    }
    o->st->kept++;
    fwrite(s, 1, n, o->f);
    fputc('\n', o->f);
    o->any = 1;
}

int bert_corpus_join(const char *const *inputs, int n, int doc_lines, const BertExclude *ex, const char *out,
                     BertCorpusStats *st, char *err) {
    BertCorpusStats dummy;
    if (!st) st = &dummy;
    memset(st, 0, sizeof *st);
    AtomicFile af;
    if (doc_lines < 1) doc_lines = 1;
    if (atomic_open(&af, out, err)) return -1;
    int docs = 0;
    for (int i = 0; i < n; i++) {
        size_t len;
        char *text = corpus_read(inputs[i], &len, err);
        if (!text) {
            atomic_abort(&af);
            return -1;
        }
        int blank_mode = 0;
        for (size_t p = 0; p < len && !blank_mode;) {
            size_t q = p;
            while (q < len && text[q] != '\n') q++;
            if (is_blank(text + p, q - p) && q < len) blank_mode = 1;
            p = q + 1;
        }
        SentOut so = {af.f, 0, ex, st};
        long lines = 0;
        for (size_t p = 0; p < len;) {
            size_t q = p;
            while (q < len && text[q] != '\n') q++;
            if (is_blank(text + p, q - p)) {
                if (blank_mode && so.any) fputc('\n', af.f), so.any = 0, docs++;
            } else if (blank_mode) {
                split_sentences(text + p, q - p, write_sentence, &so);
            } else {
                write_sentence(text + p, q - p, &so);
                if (++lines % doc_lines == 0) fputc('\n', af.f), so.any = 0, docs++;
            }
            p = q + 1;
        }
        if (so.any) fputc('\n', af.f), docs++;
        free(text);
    }
    if (atomic_commit(&af, err)) return -1;
    return docs;
}

/* ================================================================================================
 * Examples: [CLS] A [SEP] B [SEP], then masking
 * ================================================================================================ */

static int max_predictions(int max_len) { return (int)(max_len * 0.15) + 1; } /* 128 -> 20, as Google */

void bert_example_init(BertExample *e, int max_len) {
    memset(e, 0, sizeof *e);
    e->max_len = max_len;
    e->max_pred = max_predictions(max_len);
    e->tokens = xmalloc(sizeof(int) * (size_t)max_len);
    e->segs = xmalloc(sizeof(int) * (size_t)max_len);
    e->mlm_pos = xmalloc(sizeof(int) * (size_t)e->max_pred);
    e->mlm_target = xmalloc(sizeof(int) * (size_t)e->max_pred);
    e->mlm_kind = xmalloc(sizeof(int) * (size_t)e->max_pred);
}

void bert_example_free(BertExample *e) {
    free(e->tokens), free(e->segs), free(e->mlm_pos), free(e->mlm_target), free(e->mlm_kind);
    memset(e, 0, sizeof *e);
}

void bert_truncate_pair(int *a, int *na, int *b, int *nb, int max_tokens, Rng *rng) {
    while (*na + *nb > max_tokens) {
        int *t = *na > *nb ? a : b;
        int *nt = *na > *nb ? na : nb;
        /* Google: "We want to sometimes truncate from the front and sometimes from the back to add
         * more randomness and avoid biases." */
        if (rng_uniform(rng) < 0.5f) memmove(t, t + 1, sizeof(int) * (size_t)(*nt - 1));
        (*nt)--;
    }
}

void bert_mask_example(BertExample *e, const BertSpecials *sp, float mask_prob, Rng *rng) {
    /* candidates: every position that is not a special token */
    int cand[4096], *c = e->n <= 4096 ? cand : xmalloc(sizeof(int) * (size_t)e->n);
    int nc = 0;
    for (int i = 0; i < e->n; i++)
        if (e->tokens[i] >= sp->first_normal || (e->tokens[i] != sp->cls && e->tokens[i] != sp->sep &&
                                                 e->tokens[i] != sp->pad && e->tokens[i] != sp->mask))
            c[nc++] = i;
    int want = (int)lround(nc * (double)mask_prob);
    if (want < 1) want = 1;
    if (want > e->max_pred) want = e->max_pred;
    if (want > nc) want = nc;
    /* the first `want` of a Fisher-Yates shuffle: a uniform choice without replacement */
    for (int i = 0; i < want; i++) {
        int j = i + (int)rng_below(rng, (uint64_t)(nc - i));
        int t = c[i];
        c[i] = c[j], c[j] = t;
    }
    /* ascending positions, as Google sorts its predictions */
    for (int i = 1; i < want; i++)
        for (int j = i; j > 0 && c[j - 1] > c[j]; j--) {
            int t = c[j];
            c[j] = c[j - 1], c[j - 1] = t;
        }
    e->npred = want;
    for (int k = 0; k < want; k++) {
        int p = c[k];
        e->mlm_pos[k] = p;
        e->mlm_target[k] = e->tokens[p];
        if (rng_uniform(rng) < 0.8f) {
            e->tokens[p] = sp->mask, e->mlm_kind[k] = 0;
        } else if (rng_uniform(rng) < 0.5f) {
            e->mlm_kind[k] = 2;  /* kept: the model must also check tokens that look fine */
        } else {
            e->tokens[p] = sp->first_normal + (int)rng_below(rng, (uint64_t)(sp->vocab_size - sp->first_normal));
            e->mlm_kind[k] = 1;
        }
    }
    if (c != cand) free(c);
}

/* ================================================================================================
 * The stream of pairs
 * ================================================================================================ */

static void shuffle_epoch(BertPairStream *s) {
    memcpy(s->order, s->doc_list, sizeof(int) * (size_t)s->ndocs);
    Rng r;
    rng_seed(&r, s->seed * 0x9E3779B97F4A7C15ull + (uint64_t)s->epoch + 1);
    rng_shuffle(&r, s->order, (size_t)s->ndocs);
}

int bert_stream_init(BertPairStream *s, const BertDocs *docs, int holdout_every, int heldout, int max_len,
                     const BertSpecials *sp, uint64_t seed, char *err) {
    memset(s, 0, sizeof *s);
    if (max_len < 8) return set_err(err, "max_seq_len %d is too short (at least 8)", max_len);
    if (sp->vocab_size <= sp->first_normal)
        return set_err(err, "vocabulary of %d has no ordinary token", sp->vocab_size);
    s->doc_list = xmalloc(sizeof(int) * (size_t)(docs->ndoc > 0 ? docs->ndoc : 1));
    for (int d = 0; d < docs->ndoc; d++) {
        int held = holdout_every > 0 && d % holdout_every == holdout_every - 1;
        if (held == heldout) s->doc_list[s->ndocs++] = d;
    }
    if (s->ndocs < 2) {
        free(s->doc_list);
        s->doc_list = NULL;
        return set_err(err, "%s: %d document%s, at least 2 are needed (NotNext takes B from another document)%s",
                       heldout ? "held-out set" : "corpus", s->ndocs, s->ndocs == 1 ? "" : "s",
                       heldout ? "" : "; separate documents with blank lines, or lower --doc-lines");
    }
    s->docs = docs;
    s->order = xmalloc(sizeof(int) * (size_t)s->ndocs);
    s->max_len = max_len;
    s->short_seq_prob = 0.1f;
    s->mask_prob = 0.15f;
    s->sp = *sp;
    s->seed = seed;
    s->pool_size = BERT_POOL;
    rng_seed(&s->rng, seed);
    shuffle_epoch(s);
    return 0;
}

void bert_stream_free(BertPairStream *s) {
    if (s->pool)
        for (int i = 0; i < s->pool_size; i++) bert_example_free(&s->pool[i]);
    free(s->pool), free(s->pool_order);
    free(s->doc_list), free(s->order);
    memset(s, 0, sizeof *s);
}

static void advance(BertPairStream *s, int nsent) {
    int d = s->order[s->pos];
    s->sent += nsent;
    if (s->sent >= s->docs->doc_first[d + 1] - s->docs->doc_first[d]) {
        s->sent = 0;
        if (++s->pos == s->ndocs) {
            s->pos = 0, s->epoch++;
            shuffle_epoch(s);
        }
    }
}

/* Copy sentence s's ids to dst (room for cap), return how many were copied. */
static int copy_sentence(const BertDocs *d, int s, int *dst, int cap) {
    int n = bert_docs_sent_len(d, s);
    if (n > cap) n = cap;
    memcpy(dst, d->ids + d->sent_off[s], sizeof(int) * (size_t)n);
    return n;
}

void bert_stream_next_pair(BertPairStream *s, BertExample *e) {
    const BertDocs *D = s->docs;
    int max_tokens = s->max_len - 3; /* [CLS], [SEP], [SEP] */
    /* Google: usually fill the whole length, but sometimes (10%) aim shorter, so that the model also
     * sees the short sequences of fine-tuning. */
    int is_random = rng_uniform(&s->rng) < 0.5f;
    int target = max_tokens;
    if (rng_uniform(&s->rng) < s->short_seq_prob) target = 2 + (int)rng_below(&s->rng, (uint64_t)(max_tokens - 1));
    /* A and B are built in buffers up to the whole length; truncation cuts them down. A generous cap
     * for a chunk: sentences are added while shorter than target, so at most target + one sentence. */
    int cap = 2 * s->max_len;
    int abuf[2 * 4096], *a = abuf, *b;
    int *heap = NULL;
    if (2 * cap > (int)(sizeof abuf / sizeof *abuf)) heap = a = xmalloc(sizeof(int) * 2 * (size_t)cap);
    b = a + cap;
    int na = 0, nb = 0;
    for (;;) {
        int d = s->order[s->pos];
        int first = D->doc_first[d], nsd = D->doc_first[d + 1] - first;
        /* the chunk: sentences from s->sent until the target length or the end of the document */
        int chunk = 0, len = 0;
        while (s->sent + chunk < nsd && (chunk == 0 || len < target)) len += bert_docs_sent_len(D, first + s->sent + chunk++);
        if (!is_random && chunk == 1) {
            if (s->sent + 1 < nsd) {
                chunk = 2; /* one sentence already as long as the target: pair it with the next anyway */
            } else {
                advance(s, 1); /* a lone last sentence cannot have a true next one: go on */
                continue;
            }
        }
        int a_end = chunk == 1 ? 1 : 1 + (int)rng_below(&s->rng, (uint64_t)(chunk - 1));
        na = 0;
        for (int k = 0; k < a_end; k++) na += copy_sentence(D, first + s->sent + k, a + na, cap - na);
        nb = 0;
        if (is_random) {
            /* B as long as the true continuation would have been (the rest of the chunk), so that the
             * pair's length does not give the answer away: with Google's target - |A|, a NotNext B
             * is filled to the full length while a true B ends with its (short) document. */
            int rest = 0;
            for (int k = a_end; k < chunk; k++) rest += bert_docs_sent_len(D, first + s->sent + k);
            int target_b = rest > 0 ? rest : target - na;
            if (target_b < 1) target_b = 1;
            /* a random document other than this one (Google tries 10 times; with >= 2 documents in
             * the list, drawing among the others is direct) */
            int r = (int)rng_below(&s->rng, (uint64_t)(s->ndocs - 1));
            int rd = s->doc_list[r];
            if (rd == d) rd = s->doc_list[s->ndocs - 1];
            int rfirst = D->doc_first[rd], rn = D->doc_first[rd + 1] - rfirst;
            int start = (int)rng_below(&s->rng, (uint64_t)rn);
            for (int k = start; k < rn && nb < target_b && nb < cap; k++) nb += copy_sentence(D, rfirst + k, b + nb, cap - nb);
            if (rest > 0 && nb > rest) nb = rest; /* cut at the true B's length */
            /* the sentences of the chunk not used for A stay in the stream ("put them back") */
            advance(s, a_end);
        } else {
            for (int k = a_end; k < chunk; k++) nb += copy_sentence(D, first + s->sent + k, b + nb, cap - nb);
            advance(s, chunk);
        }
        break;
    }
    bert_truncate_pair(a, &na, b, &nb, max_tokens, &s->rng);
    int n = 0;
    e->tokens[n] = s->sp.cls, e->segs[n++] = 0;
    for (int i = 0; i < na; i++) e->tokens[n] = a[i], e->segs[n++] = 0;
    e->tokens[n] = s->sp.sep, e->segs[n++] = 0;
    for (int i = 0; i < nb; i++) e->tokens[n] = b[i], e->segs[n++] = 1;
    e->tokens[n] = s->sp.sep, e->segs[n++] = 1;
    e->n = n;
    e->is_random = is_random;
    e->npred = 0;
    free(heap);
}

static void walk_state(const BertPairStream *s, char *buf, size_t n) {
    snprintf(buf, n, "%" PRIu64 " %ld %d %d %" PRIu64, s->seed, s->epoch, s->pos, s->sent, s->rng.state);
}

/* pool_size examples in corpus order, masked, then an order to hand them out in */
static void pool_fill(BertPairStream *s) {
    if (s->pool_size < 1) s->pool_size = 1;
    if (!s->pool) {
        s->pool = xmalloc(sizeof(BertExample) * (size_t)s->pool_size);
        for (int i = 0; i < s->pool_size; i++) bert_example_init(&s->pool[i], s->max_len);
        s->pool_order = xmalloc(sizeof(int) * (size_t)s->pool_size);
    }
    walk_state(s, s->pool_state, sizeof s->pool_state);
    for (int i = 0; i < s->pool_size; i++) {
        bert_stream_next_pair(s, &s->pool[i]);
        bert_mask_example(&s->pool[i], &s->sp, s->mask_prob, &s->rng);
        s->pool_order[i] = i;
    }
    rng_shuffle(&s->rng, s->pool_order, (size_t)s->pool_size);
    s->pool_n = s->pool_size, s->pool_next = 0;
}

void bert_stream_next(BertPairStream *s, BertExample *e) {
    if (s->pool_next >= s->pool_n) pool_fill(s);
    const BertExample *p = &s->pool[s->pool_order[s->pool_next++]];
    memcpy(e->tokens, p->tokens, sizeof(int) * (size_t)p->n);
    memcpy(e->segs, p->segs, sizeof(int) * (size_t)p->n);
    memcpy(e->mlm_pos, p->mlm_pos, sizeof(int) * (size_t)p->npred);
    memcpy(e->mlm_target, p->mlm_target, sizeof(int) * (size_t)p->npred);
    memcpy(e->mlm_kind, p->mlm_kind, sizeof(int) * (size_t)p->npred);
    e->n = p->n, e->npred = p->npred, e->is_random = p->is_random;
}

void bert_stream_get_state(const BertPairStream *s, char *buf, size_t n) {
    /* where the current pool began (a resume makes it again) and how much of it was used */
    char walk[128];
    if (s->pool_n) snprintf(buf, n, "%s %d", s->pool_state, s->pool_next);
    else walk_state(s, walk, sizeof walk), snprintf(buf, n, "%s 0", walk);
}

int bert_stream_set_state(BertPairStream *s, const char *buf, char *err) {
    uint64_t seed, state;
    long epoch;
    int pos, sent, next;
    if (sscanf(buf, "%" SCNu64 " %ld %d %d %" SCNu64 " %d", &seed, &epoch, &pos, &sent, &state, &next) != 6)
        return set_err(err, "data position '%s' is not 'seed epoch pos sent rng poolnext'", buf);
    if (next < 0 || next > s->pool_size)
        return set_err(err, "data position '%s': place %d in a pool of %d examples", buf, next, s->pool_size);
    if (epoch < 0 || pos < 0 || pos >= s->ndocs || sent < 0)
        return set_err(err, "data position '%s' does not fit this corpus (%d documents): another corpus?", buf,
                       s->ndocs);
    s->seed = seed, s->epoch = epoch, s->pos = pos;
    shuffle_epoch(s);
    int d = s->order[pos];
    if (sent >= s->docs->doc_first[d + 1] - s->docs->doc_first[d])
        return set_err(err, "data position '%s' does not fit this corpus: another corpus?", buf);
    s->sent = sent;
    s->rng.state = state;
    s->pool_n = s->pool_next = 0;
    if (next > 0) pool_fill(s), s->pool_next = next;
    return 0;
}

/* ================================================================================================
 * Batches
 * ================================================================================================ */

void bert_batch_init(BertBatch *b, int maxB, int maxT) {
    memset(b, 0, sizeof *b);
    b->maxB = maxB, b->maxT = maxT, b->max_pred = max_predictions(maxT);
    size_t bt = (size_t)maxB * (size_t)maxT, bp = (size_t)maxB * (size_t)b->max_pred;
    b->ids = xmalloc(sizeof(int) * bt);
    b->segs = xmalloc(sizeof(int) * bt);
    b->pad = xmalloc(bt);
    b->mlm_pos = xmalloc(sizeof(int) * bp);
    b->mlm_target = xmalloc(sizeof(int) * bp);
    b->nsp = xmalloc(sizeof(int) * (size_t)maxB);
    b->len = xmalloc(sizeof(int) * (size_t)maxB);
}

void bert_batch_free(BertBatch *b) {
    free(b->ids), free(b->segs), free(b->pad), free(b->mlm_pos), free(b->mlm_target), free(b->nsp), free(b->len);
    memset(b, 0, sizeof *b);
}

void bert_batch_fill(BertBatch *b, BertPairStream *s, BertExample *ex, int B) {
    /* Examples are drawn first (each into its own row at the widest stride) and then packed to the
     * longest length, so short batches cost less. */
    int T = 0, maxT = b->maxT;
    b->n_mlm = 0, b->real_tokens = 0;
    for (int i = 0; i < B; i++) {
        bert_stream_next(s, ex);
        int *row = b->ids + (size_t)i * maxT, *srow = b->segs + (size_t)i * maxT;
        memcpy(row, ex->tokens, sizeof(int) * (size_t)ex->n);
        memcpy(srow, ex->segs, sizeof(int) * (size_t)ex->n);
        b->nsp[i] = ex->is_random;
        for (int k = 0; k < ex->npred; k++) {
            b->mlm_pos[b->n_mlm] = i * maxT + ex->mlm_pos[k]; /* re-based to T below */
            b->mlm_target[b->n_mlm++] = ex->mlm_target[k];
        }
        b->len[i] = ex->n;
        if (ex->n > T) T = ex->n;
        b->real_tokens += ex->n;
    }
    /* pack rows from stride maxT to stride T, pad the tails */
    for (int i = 0; i < B; i++) {
        int *row = b->ids + (size_t)i * maxT, *srow = b->segs + (size_t)i * maxT;
        int n = b->len[i];
        int *dst = b->ids + (size_t)i * T, *sdst = b->segs + (size_t)i * T;
        memmove(dst, row, sizeof(int) * (size_t)n);
        memmove(sdst, srow, sizeof(int) * (size_t)n);
        unsigned char *p = b->pad + (size_t)i * T;
        for (int t = 0; t < T; t++) p[t] = t >= n;
        for (int t = n; t < T; t++) dst[t] = s->sp.pad, sdst[t] = 0;
    }
    for (int k = 0; k < b->n_mlm; k++) b->mlm_pos[k] = (b->mlm_pos[k] / maxT) * T + b->mlm_pos[k] % maxT;
    b->B = B, b->T = T;
}
