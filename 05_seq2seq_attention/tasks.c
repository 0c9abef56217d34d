/* tasks.c - the Tatoeba translation pairs and the synthetic length-controlled task (see tasks.h).
 * Chapter 05; chapter 06 reuses it for C20. Depends on common/ only. */
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "rng.h"
#include "utf8.h"
#include "util.h"

const char *const TASK_SPECIALS[TASK_NSPECIAL] = {"<pad>", "<bos>", "<eos>", "<unk>"};

TatoebaOptions tatoeba_defaults(void) {
    return (TatoebaOptions){.reverse = 0, .max_len = 30, .dev_frac = 0.05, .test_frac = 0.05, .min_count = 2, .seed = 1};
}

SynthOptions synth_defaults(void) {
    return (SynthOptions){.kind = TASK_REVERSE, .symbols = 20, .min_len = 2, .max_len = 30,
                          .n_train = 60000, .n_dev = 500, .n_test_per_len = 100, .seed = 1};
}

const char *task_kind_name(TaskKind k) {
    switch (k) {
    case TASK_TATOEBA: return "tatoeba";
    case TASK_REVERSE: return "reverse";
    case TASK_COPY: return "copy";
    case TASK_SORT: return "sort";
    }
    return "?";
}

int synth_parse_kind(const char *s, TaskKind *k) {
    if (!strcmp(s, "reverse")) *k = TASK_REVERSE;
    else if (!strcmp(s, "copy")) *k = TASK_COPY;
    else if (!strcmp(s, "sort")) *k = TASK_SORT;
    else return -1;
    return 0;
}

void task_free(Task *t) {
    if (t->src_vocab) vocab_free(t->src_vocab);
    if (t->tgt_vocab) vocab_free(t->tgt_vocab);
    free(t->ids), free(t->text), free(t->all);
    memset(t, 0, sizeof *t);
}

/* The examples of one split are a contiguous slice of t->all; ordered by source_id so that the
 * targets of one source sentence (its references) sit together. */
static int by_source_then_line(const void *a, const void *b) {
    const TaskExample *x = a, *y = b;
    if (x->source_id != y->source_id) return x->source_id < y->source_id ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static void update_max_lengths(Task *t) {
    t->max_src_len = t->max_tgt_len = 0;
    const TaskSplit *sp[3] = {&t->train, &t->dev, &t->test};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < sp[k]->n; i++) {
            const TaskExample *e = &sp[k]->ex[i];
            if (e->src_len > t->max_src_len) t->max_src_len = e->src_len;
            if (e->tgt_len > t->max_tgt_len) t->max_tgt_len = e->tgt_len;
        }
}

/* ==== task 1: Tatoeba ============================================================================ */

/* A number in [0, 1) that depends only on the sentence and the seed: FNV-1a of the bytes, mixed
 * with the seed by SplitMix64's finaliser. */
static double split_draw(const char *s, uint64_t seed) {
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) h = (h ^ *p) * 1099511628211ULL;
    Rng r;
    rng_seed(&r, h ^ (seed * 0x9E3779B97F4A7C15ULL));
    return (double)(rng_u64(&r) >> 11) / 9007199254740992.0;
}

/* Tokens of every kept pair, both sides, in one list each; pair i owns [start, start + count). */
typedef struct {
    char *src, *tgt, *attr;
    int line, src_start, src_count, tgt_start, tgt_count, split, source_id;
} RawPair;

static int only_space(const char *s) {
    for (; *s; s++)
        if (*s != ' ') return 0;
    return 1;
}

static int check_tatoeba_options(const TatoebaOptions *o, char *err) {
    if (o->max_len < 1) return set_err(err, "tatoeba: max_len must be at least 1");
    if (o->dev_frac < 0 || o->test_frac <= 0 || o->dev_frac + o->test_frac >= 1)
        return set_err(err, "tatoeba: dev and test shares must be in [0, 1) with some room left for training");
    return 0;
}

/* The pairs of text (from corpus_read or corpus_parse, owned by t from here on; called path in
 * the messages). */
static int tatoeba_from_text(Task *t, char *text, const char *path, const TatoebaOptions *o, char *err) {
    t->kind = TASK_TATOEBA;
    t->text = text;
    const int rev = o->reverse;
    t->src_mode = rev ? TOK_CHARS : TOK_WORDS, t->tgt_mode = rev ? TOK_WORDS : TOK_CHARS;
    t->src_join = rev ? JOIN_ZH : JOIN_WORDS, t->tgt_join = rev ? JOIN_WORDS : JOIN_ZH;
    snprintf(t->name, sizeof t->name, "tatoeba %s", rev ? "zh->en" : "en->zh");

    /* Pass 1: cut the lines into fields in place, check them, tokenize both sides. */
    int cap = 1024, n = 0;
    RawPair *raw = xmalloc(xmul((size_t)cap, sizeof *raw));
    TokenList stoks = {0}, ttoks = {0};
    Vocab *sources = vocab_new(); /* distinct source sentences -> source_id */
    int line = 0, ret = -1;
    char *p = text;
    while (*p) {
        line++;
        char *eol = strchr(p, '\n'), *next = eol ? eol + 1 : p + strlen(p);
        if (eol) *eol = '\0';
        if (only_space(p)) { /* blank lines carry nothing; skipped */
            p = next;
            continue;
        }
        char *f[3];
        int nf = 1;
        f[0] = p;
        for (char *q = p; *q; q++)
            if (*q == '\t') {
                if (nf < 3) f[nf] = q + 1;
                nf++;
                *q = '\0';
            }
        if (nf != 3) {
            set_err(err, "%s:%d: expected 3 tab-separated fields (english, chinese, attribution), found %d", path, line,
                    nf);
            goto done;
        }
        static const char *const field_name[3] = {"English sentence", "Chinese sentence", "attribution"};
        for (int k = 0; k < 3; k++)
            if (only_space(f[k])) {
                set_err(err, "%s:%d: the %s (field %d) is empty", path, line, field_name[k], k + 1);
                goto done;
            }
        char *src = rev ? f[1] : f[0], *tgt = rev ? f[0] : f[1];
        size_t s0 = stoks.n, t0 = ttoks.n;
        size_t ns = tokenize_list(src, strlen(src), t->src_mode, &stoks);
        size_t nt = tokenize_list(tgt, strlen(tgt), t->tgt_mode, &ttoks);
        if (ns == 0 || nt == 0) { /* e.g. nothing but control characters */
            int src_field = rev ? 1 : 0, field = ns == 0 ? src_field : 1 - src_field;
            set_err(err, "%s:%d: the %s has no tokens", path, line, field_name[field]);
            goto done;
        }
        t->lines++;
        if ((int)ns > o->max_len || (int)nt > o->max_len) { /* too long: left out, tokens dropped */
            for (size_t i = s0; i < stoks.n; i++) free(stoks.tok[i]);
            for (size_t i = t0; i < ttoks.n; i++) free(ttoks.tok[i]);
            stoks.n = s0, ttoks.n = t0;
            t->dropped_long++;
            p = next;
            continue;
        }
        if (n == cap) cap *= 2, raw = xrealloc(raw, xmul((size_t)cap, sizeof *raw));
        double u = split_draw(src, o->seed);
        raw[n] = (RawPair){src, tgt, f[2], line, (int)s0, (int)ns, (int)t0, (int)nt,
                           u < o->test_frac ? 2 : u < o->test_frac + o->dev_frac ? 1 : 0,
                           vocab_add(sources, src, strlen(src), 1)};
        n++;
        p = next;
    }
    if (n == 0) {
        set_err(err, "%s: no pairs%s", path, t->lines ? " shorter than the length limit" : "");
        goto done;
    }

    /* Pass 2: vocabularies of the training split only (a test word unseen in training is <unk>). */
    t->src_vocab = vocab_new(), t->tgt_vocab = vocab_new();
    for (int i = 0; i < n; i++) {
        if (raw[i].split != 0) continue;
        for (int k = 0; k < raw[i].src_count; k++) {
            const char *w = stoks.tok[raw[i].src_start + k];
            vocab_add(t->src_vocab, w, strlen(w), 1);
        }
        for (int k = 0; k < raw[i].tgt_count; k++) {
            const char *w = ttoks.tok[raw[i].tgt_start + k];
            vocab_add(t->tgt_vocab, w, strlen(w), 1);
        }
    }
    vocab_finalize(t->src_vocab, o->min_count, TASK_SPECIALS, TASK_NSPECIAL);
    vocab_finalize(t->tgt_vocab, o->min_count, TASK_SPECIALS, TASK_NSPECIAL);

    /* Pass 3: ids, and the examples split by split. */
    t->ids = xmalloc(xmul(stoks.n + ttoks.n, sizeof *t->ids));
    t->all = xmalloc(xmul((size_t)n, sizeof *t->all));
    int count[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) count[raw[i].split]++;
    TaskExample *base[3] = {t->all, t->all + count[0], t->all + count[0] + count[1]};
    int fill[3] = {0, 0, 0};
    int *id = t->ids;
    for (int i = 0; i < n; i++) {
        const RawPair *r = &raw[i];
        TaskExample *e = &base[r->split][fill[r->split]++];
        *e = (TaskExample){.src = id, .src_len = r->src_count, .line = r->line, .source_id = r->source_id,
                           .src_text = r->src, .tgt_text = r->tgt, .attribution = r->attr};
        for (int k = 0; k < r->src_count; k++) {
            int v = vocab_find_str(t->src_vocab, stoks.tok[r->src_start + k]);
            *id++ = v < 0 ? TASK_UNK : v;
        }
        e->tgt = id, e->tgt_len = r->tgt_count;
        for (int k = 0; k < r->tgt_count; k++) {
            int v = vocab_find_str(t->tgt_vocab, ttoks.tok[r->tgt_start + k]);
            *id++ = v < 0 ? TASK_UNK : v;
        }
    }
    TaskSplit *sp[3] = {&t->train, &t->dev, &t->test};
    for (int k = 0; k < 3; k++) {
        sp[k]->ex = base[k], sp[k]->n = count[k];
        qsort(sp[k]->ex, (size_t)sp[k]->n, sizeof *sp[k]->ex, by_source_then_line);
    }
    update_max_lengths(t);
    if (t->train.n == 0 || t->test.n == 0) {
        set_err(err, "%s: %d pairs are too few to split (train %d, test %d)", path, n, t->train.n, t->test.n);
        goto done;
    }
    ret = 0;
done:
    free(raw);
    token_list_free(&stoks), token_list_free(&ttoks);
    vocab_free(sources);
    if (ret) task_free(t);
    return ret;
}

int task_load_tatoeba(Task *t, const char *path, const TatoebaOptions *o, char *err) {
    memset(t, 0, sizeof *t);
    if (check_tatoeba_options(o, err)) return -1;
    size_t len;
    char *text = corpus_read(path, &len, err);
    if (!text) return -1;
    return tatoeba_from_text(t, text, path, o, err);
}

int task_parse_tatoeba(Task *t, const char *data, size_t size, const char *name, const TatoebaOptions *o, char *err) {
    memset(t, 0, sizeof *t);
    if (check_tatoeba_options(o, err)) return -1;
    size_t len;
    char *text = corpus_parse(data, size, name, &len, err);
    if (!text) return -1;
    return tatoeba_from_text(t, text, name, o, err);
}

/* ==== task 2: synthetic ========================================================================= */

static int by_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* One pair of length L at e, its ids at *idp (advanced). Letters are ids TASK_NSPECIAL.. in
 * alphabetical order, so sorting ids sorts letters. */
static void synth_pair(TaskExample *e, int **idp, TaskKind kind, int symbols, int L, Rng *rng) {
    int *s = *idp, *g = s + L;
    for (int i = 0; i < L; i++) s[i] = TASK_NSPECIAL + (int)rng_below(rng, (uint64_t)symbols);
    for (int i = 0; i < L; i++) g[i] = kind == TASK_REVERSE ? s[L - 1 - i] : s[i];
    if (kind == TASK_SORT) qsort(g, (size_t)L, sizeof *g, by_int);
    *e = (TaskExample){.src = s, .tgt = g, .src_len = L, .tgt_len = L};
    *idp += 2 * L;
}

int task_make_synthetic(Task *t, const SynthOptions *o, char *err) {
    memset(t, 0, sizeof *t);
    if (o->kind == TASK_TATOEBA) return set_err(err, "synthetic task: kind must be reverse, copy or sort");
    if (o->symbols < 2 || o->symbols > 26) return set_err(err, "synthetic task: %d symbols (2-26)", o->symbols);
    if (o->min_len < 1 || o->max_len < o->min_len || o->max_len > 1000)
        return set_err(err, "synthetic task: lengths %d-%d (need 1 <= min <= max <= 1000)", o->min_len, o->max_len);
    if (o->n_train < 1 || o->n_dev < 0 || o->n_test_per_len < 1 || o->n_train > 10000000 || o->n_dev > 10000000 ||
        o->n_test_per_len > 100000)
        return set_err(err, "synthetic task: sizes out of range (train %d, dev %d, test %d per length)", o->n_train,
                       o->n_dev, o->n_test_per_len);
    t->kind = o->kind;
    snprintf(t->name, sizeof t->name, "%s %d letters, lengths %d-%d", task_kind_name(o->kind), o->symbols, o->min_len,
             o->max_len);
    t->src_mode = t->tgt_mode = TOK_CHARS;
    t->src_join = t->tgt_join = JOIN_NONE;
    t->src_vocab = vocab_new(), t->tgt_vocab = vocab_new();
    for (int k = 0; k < o->symbols; k++) {
        char c = (char)('a' + k);
        vocab_add(t->src_vocab, &c, 1, 1), vocab_add(t->tgt_vocab, &c, 1, 1);
    }
    /* equal counts: the letters keep alphabetical order after the specials */
    vocab_finalize(t->src_vocab, 0, TASK_SPECIALS, TASK_NSPECIAL);
    vocab_finalize(t->tgt_vocab, 0, TASK_SPECIALS, TASK_NSPECIAL);

    int nlen = o->max_len - o->min_len + 1, ntest = nlen * o->n_test_per_len;
    size_t n = (size_t)o->n_train + (size_t)o->n_dev + (size_t)ntest;
    t->all = xmalloc(xmul(n, sizeof *t->all));
    t->ids = xmalloc(xmul(xmul(n, 2), (size_t)o->max_len * sizeof *t->ids));
    int *id = t->ids;
    Rng rng;
    rng_seed(&rng, o->seed);
    TaskExample *e = t->all;
    t->train.ex = e, t->train.n = o->n_train;
    for (int i = 0; i < o->n_train; i++)
        synth_pair(e++, &id, o->kind, o->symbols, o->min_len + (int)rng_below(&rng, (uint64_t)nlen), &rng);
    t->dev.ex = e, t->dev.n = o->n_dev;
    for (int i = 0; i < o->n_dev; i++)
        synth_pair(e++, &id, o->kind, o->symbols, o->min_len + (int)rng_below(&rng, (uint64_t)nlen), &rng);
    t->test.ex = e, t->test.n = ntest;
    for (int L = o->min_len; L <= o->max_len; L++)
        for (int i = 0; i < o->n_test_per_len; i++) synth_pair(e++, &id, o->kind, o->symbols, L, &rng);
    for (size_t i = 0; i < n; i++) t->all[i].source_id = (int)i; /* every string its own source */

    /* How many test strings were also drawn for training (a Vocab is a ready-made string set). */
    Vocab *seen = vocab_new();
    char buf[1001];
    for (int i = 0; i < t->train.n; i++) {
        const TaskExample *x = &t->train.ex[i];
        for (int k = 0; k < x->src_len; k++) buf[k] = (char)('a' + x->src[k] - TASK_NSPECIAL);
        vocab_add(seen, buf, (size_t)x->src_len, 1);
    }
    for (int i = 0; i < t->test.n; i++) {
        const TaskExample *x = &t->test.ex[i];
        for (int k = 0; k < x->src_len; k++) buf[k] = (char)('a' + x->src[k] - TASK_NSPECIAL);
        t->test_in_train += vocab_find(seen, buf, (size_t)x->src_len) >= 0;
    }
    vocab_free(seen);
    update_max_lengths(t);
    return 0;
}

/* ==== text <-> ids ============================================================================== */

typedef struct {
    const Vocab *v;
    int *ids, cap, n;
} EncodeCtx;

static void encode_token(const char *tok, size_t len, void *ctx) {
    EncodeCtx *c = ctx;
    int id = vocab_find(c->v, tok, len);
    if (c->n < c->cap) c->ids[c->n] = id < 0 ? TASK_UNK : id;
    c->n++;
}

int task_encode_source(const Task *t, const char *text, int *ids, int cap) {
    EncodeCtx c = {t->src_vocab, ids, cap, 0};
    if (t->src_join == JOIN_NONE) { /* synthetic: every byte a letter, anything else unknown */
        for (const char *p = text; *p; p++)
            if (*p != ' ') encode_token(p, 1, &c);
        return c.n;
    }
    tokenize(text, strlen(text), t->src_mode, encode_token, &c);
    return c.n;
}

const char *task_token(const Task *t, int target, int id) {
    const Vocab *v = target ? t->tgt_vocab : t->src_vocab;
    return id >= 0 && id < v->n ? v->words[id] : "<?>";
}

/* First / last code point of a token is an ASCII letter or digit. */
static int alnum_at(const char *s, int last) {
    size_t n = strlen(s);
    if (!n) return 0;
    unsigned char c = (unsigned char)(last ? s[n - 1] : s[0]);
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int closing_punct(const char *s) { return strlen(s) == 1 && strchr(".,!?;:)%'", s[0]) != NULL; }

const char *task_ids_text(const Task *t, int target, const int *ids, int n, char *buf, size_t cap) {
    TaskJoin join = target ? t->tgt_join : t->src_join;
    size_t used = 0;
    if (cap) buf[0] = '\0';
    const char *prev = NULL;
    for (int i = 0; i < n; i++) {
        const char *w = task_token(t, target, ids[i]);
        int space = 0;
        if (prev && join == JOIN_WORDS) space = !closing_punct(w) && strcmp(prev, "(") != 0;
        if (prev && join == JOIN_ZH) space = alnum_at(prev, 1) && alnum_at(w, 0);
        size_t wl = strlen(w);
        if (used + (size_t)space + wl + 1 > cap) break;
        if (space) buf[used++] = ' ';
        memcpy(buf + used, w, wl);
        used += wl;
        buf[used] = '\0';
        prev = w;
    }
    return buf;
}

/* ==== scoring =================================================================================== */

int task_group_end(const TaskSplit *s, int i) {
    int j = i + 1;
    while (j < s->n && s->ex[j].source_id == s->ex[i].source_id) j++;
    return j;
}

void task_reference_tokens(const Task *t, const TaskExample *e, TokenList *out) {
    if (e->tgt_text) {
        tokenize_list(e->tgt_text, strlen(e->tgt_text), t->tgt_mode, out);
        return;
    }
    for (int k = 0; k < e->tgt_len; k++) {
        const char *w = task_token(t, 1, e->tgt[k]);
        token_list_add(w, strlen(w), out);
    }
}

void task_bleu_add(BleuStats *b, const Task *t, const TaskSplit *s, int i, const int *hyp, int nh) {
    int end = task_group_end(s, i), nrefs = end - i;
    TokenList *refs = xcalloc((size_t)nrefs, sizeof *refs);
    const char *const **rp = xmalloc(xmul((size_t)nrefs, sizeof *rp));
    int *rl = xmalloc(xmul((size_t)nrefs, sizeof *rl));
    for (int k = 0; k < nrefs; k++) {
        task_reference_tokens(t, &s->ex[i + k], &refs[k]);
        rp[k] = (const char *const *)refs[k].tok, rl[k] = (int)refs[k].n;
    }
    const char **h = xmalloc(xmul((size_t)(nh > 0 ? nh : 1), sizeof *h));
    for (int k = 0; k < nh; k++) h[k] = task_token(t, 1, hyp[k]);
    bleu_add(b, h, nh, rp, rl, nrefs);
    for (int k = 0; k < nrefs; k++) token_list_free(&refs[k]);
    free(refs), free(rp), free(rl), free(h);
}
