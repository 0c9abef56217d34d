/* vectors.c - chapter 02: word vectors as files, and the questions one asks of them.
 *
 * What it teaches: a trained embedding is just a table of words and rows of numbers, so it
 * travels in the simplest of formats (word2vec's own, which gensim, fastText's .vec and most tools
 * read), and everything one asks of it is cosine similarity: the nearest neighbours of a word
 * (C2), the analogy a : b = c : ? answered by the word nearest to b - a + c (C3, "3CosAdd"), and
 * the correlation between cosines and human similarity judgements.
 *
 * A file from outside is checked once, at the door: every malformed header, truncated vector,
 * unparseable number or duplicate word is reported with the path and where, never read as
 * garbage.
 *
 * Builds on: common/ (vocabulary hash for lookups, vec top_k, matmul for batched analogy scores,
 * stats for Spearman, corpus reader for the evaluation files, atomic writes).
 */
#include "vectors.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "matmul.h"
#include "stats.h"
#include "tokenize.h"
#include "utf8.h"
#include "util.h"
#include "vec.h"

#define MAX_WORD_BYTES 1000
#define MAX_ROWS 100000000L
#define MAX_DIM 100000L

/* ==== the table ================================================================================= */

WordVectors *wv_new(int n, int dim) {
    WordVectors *wv = xcalloc(1, sizeof *wv);
    wv->n = n;
    wv->dim = dim;
    wv->words = xcalloc((size_t)(n > 0 ? n : 1), sizeof *wv->words);
    wv->vec = xcalloc(xmul((size_t)(n > 0 ? n : 1), (size_t)dim), sizeof(float));
    wv->index = vocab_new();
    return wv;
}

int wv_set(WordVectors *wv, int i, const char *word, const float *v, char *err) {
    size_t len = strlen(word);
    if (len == 0) return set_err(err, "row %d: empty word", i + 1);
    for (size_t k = 0; k < len; k++)
        if (isspace((unsigned char)word[k])) return set_err(err, "row %d: the word '%s' holds white space", i + 1, word);
    int have = vocab_find(wv->index, word, len);
    if (have >= 0) return set_err(err, "row %d: the word '%s' is already row %d", i + 1, word, have + 1);
    if (vocab_add(wv->index, word, len, 0) != i) die("wv_set: rows must be set in order (row %d)", i);
    wv->words[i] = xstrdup(word);
    if (v) memcpy(wv->vec + (size_t)i * wv->dim, v, sizeof(float) * (size_t)wv->dim);
    return 0;
}

void wv_finish(WordVectors *wv) {
    free(wv->unit);
    wv->unit = xmalloc(xmul(xmul((size_t)(wv->n > 0 ? wv->n : 1), (size_t)wv->dim), sizeof(float)));
    memcpy(wv->unit, wv->vec, sizeof(float) * (size_t)wv->n * (size_t)wv->dim);
    for (int i = 0; i < wv->n; i++) vec_normalize(wv->unit + (size_t)i * wv->dim, (size_t)wv->dim);
}

void wv_free(WordVectors *wv) {
    if (!wv) return;
    for (int i = 0; i < wv->n; i++) free(wv->words[i]);
    free(wv->words), free(wv->vec), free(wv->unit);
    vocab_free(wv->index);
    free(wv);
}

WordVectors *wv_from_rows(char *const *words, const float *rows, int n, int dim, int stride) {
    WordVectors *wv = wv_new(n, dim);
    char err[ERR_LEN];
    for (int i = 0; i < n; i++)
        if (wv_set(wv, i, words[i], rows + (size_t)i * stride, err)) die("%s", err);
    wv_finish(wv);
    return wv;
}

/* ==== the word2vec formats ====================================================================== */

int wv_save(const WordVectors *wv, const char *path, WvFormat fmt, char *err) {
    AtomicFile af;
    if (atomic_open(&af, path, err)) return -1;
    fprintf(af.f, "%d %d\n", wv->n, wv->dim);
    for (int i = 0; i < wv->n; i++) {
        const float *v = wv->vec + (size_t)i * wv->dim;
        fputs(wv->words[i], af.f);
        if (fmt == WV_BIN) {
            fputc(' ', af.f);
            /* little-endian bytes whatever the machine, as word2vec.c writes them on x86 */
            for (int j = 0; j < wv->dim; j++) {
                uint32_t u;
                memcpy(&u, &v[j], 4);
                unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                                      (unsigned char)(u >> 24)};
                fwrite(b, 1, 4, af.f);
            }
        } else {
            for (int j = 0; j < wv->dim; j++) fprintf(af.f, " %.9g", v[j]);
        }
        fputc('\n', af.f);
    }
    if (ferror(af.f)) {
        atomic_abort(&af);
        return set_err(err, "%s: write failed", path);
    }
    return atomic_commit(&af, err);
}

/* A parse position over the whole file in memory. */
typedef struct {
    const char *s;
    size_t len, pos;
    const char *path;
} Reader;

/* Parse "N DIM" and the end of the header line. */
static int read_header(Reader *r, long *n, long *dim, char *err) {
    size_t eol = r->pos;
    while (eol < r->len && r->s[eol] != '\n') eol++;
    if (eol == r->len) return set_err(err, "%s: not a word-vector file: no header line 'COUNT DIM'", r->path);
    char line[128];
    size_t ll = eol - r->pos < sizeof line - 1 ? eol - r->pos : sizeof line - 1;
    memcpy(line, r->s + r->pos, ll);
    line[ll] = 0;
    char extra;
    if (sscanf(line, "%ld %ld %c", n, dim, &extra) != 2 || *n < 1 || *n > MAX_ROWS || *dim < 1 || *dim > MAX_DIM)
        return set_err(err, "%s: bad header '%.60s': expected 'COUNT DIM' (1..%ld words, 1..%ld dims)", r->path, line,
                       MAX_ROWS, MAX_DIM);
    r->pos = eol + 1;
    return 0;
}

/* The word of the next entry: bytes up to a space. Sets *w (not terminated) and *wl. */
static int read_word(Reader *r, long row, const char **w, size_t *wl, char *err) {
    while (r->pos < r->len && r->s[r->pos] == '\n') r->pos++; /* the '\n' ending the last vector */
    size_t start = r->pos;
    while (r->pos < r->len && r->s[r->pos] != ' ' && r->s[r->pos] != '\n') {
        if (r->pos - start >= MAX_WORD_BYTES)
            return set_err(err, "%s: entry %ld: word longer than %d bytes (a binary file read as text, or corrupt)",
                           r->path, row + 1, MAX_WORD_BYTES);
        r->pos++;
    }
    if (r->pos == r->len) return set_err(err, "%s: truncated: the file ends in entry %ld", r->path, row + 1);
    if (r->pos == start || r->s[r->pos] != ' ')
        return set_err(err, "%s: entry %ld: expected a word followed by a space", r->path, row + 1);
    size_t bad;
    if (utf8_validate(r->s + start, r->pos - start, &bad, NULL))
        return set_err(err, "%s: entry %ld: the word is not valid UTF-8", r->path, row + 1);
    *w = r->s + start;
    *wl = r->pos - start;
    r->pos++; /* the space */
    return 0;
}

/* Is the file text? Look at the rest of the first entry's line, after its word: text has
 * something on it, and only printable ASCII (numbers, spaces, tabs, a CR). Binary floats put a
 * control byte or a byte >= 0x80 in the first few bytes, or a '\n' byte right away (an empty
 * line), far more often than not; a real text file that then fails to parse gets a text error. */
static int looks_like_text(const Reader *r0) {
    Reader r = *r0;
    const char *w;
    size_t wl;
    char err[ERR_LEN];
    if (read_word(&r, 0, &w, &wl, err)) return 0;
    int content = 0;
    for (size_t p = r.pos; p < r.len && r.s[p] != '\n'; p++) {
        unsigned char ch = (unsigned char)r.s[p];
        if (ch >= 0x7F || (ch < 0x20 && ch != '\t' && ch != '\r')) return 0;
        content |= ch != ' ' && ch != '\t' && ch != '\r';
    }
    return content;
}

static int parse_float(const char *tok, float *out) {
    char *end;
    errno = 0;
    float v = strtof(tok, &end);
    if (end == tok || *end) return -1;
    if (!isfinite(v)) return -2;
    *out = v;
    return 0;
}

WordVectors *wv_parse(const char *buf, size_t len, const char *path, WvFormat *fmt, char *err) {
    if (len == 0) {
        set_err(err, "%s: empty file", path);
        return NULL;
    }
    Reader r = {buf, len, 0, path};
    long n, dim;
    if (read_header(&r, &n, &dim, err)) return NULL;
    if ((double)n * (2.0 + 2.0 * (double)dim) > (double)len) {
        /* every entry takes at least a word, a space and dim numbers of 2 bytes ("0 "): a header
         * that cannot fit is caught before allocating for it */
        set_err(err, "%s: truncated: the header promises %ld vectors of %ld dims, but the file is only %zu bytes", path,
                n, dim, len);
        return NULL;
    }
    int text = looks_like_text(&r);
    if (fmt) *fmt = text ? WV_TXT : WV_BIN;
    WordVectors *wv = wv_new((int)n, (int)dim);
    char word[MAX_WORD_BYTES + 1], inner[ERR_LEN];
    for (long i = 0; i < n; i++) {
        const char *w;
        size_t wl;
        if (r.pos >= r.len) {
            set_err(err, "%s: truncated: the header promises %ld vectors, the file holds %ld", path, n, i);
            goto fail;
        }
        if (read_word(&r, i, &w, &wl, err)) goto fail;
        memcpy(word, w, wl);
        word[wl] = 0;
        float *v = wv->vec + (size_t)i * dim;
        if (text) {
            size_t eol = r.pos;
            while (eol < r.len && r.s[eol] != '\n') eol++;
            long count = 0;
            for (size_t p = r.pos; p < eol;) {
                while (p < eol && (r.s[p] == ' ' || r.s[p] == '\t' || r.s[p] == '\r')) p++;
                if (p == eol) break;
                char num[64];
                size_t k = 0;
                while (p < eol && r.s[p] != ' ' && r.s[p] != '\t' && r.s[p] != '\r' && k < sizeof num - 1) num[k++] = r.s[p++];
                num[k] = 0;
                if (count == dim) {
                    set_err(err, "%s: line %ld ('%s'): more than %ld numbers", path, i + 2, word, dim);
                    goto fail;
                }
                int rc = parse_float(num, &v[count]);
                if (rc) {
                    set_err(err, "%s: line %ld ('%s'): %s '%s'", path, i + 2, word,
                            rc == -2 ? "value is not finite:" : "not a number:", num);
                    goto fail;
                }
                count++;
            }
            if (count != dim) {
                set_err(err, "%s: line %ld ('%s'): %ld numbers, expected %ld", path, i + 2, word, count, dim);
                goto fail;
            }
            r.pos = eol < r.len ? eol + 1 : eol;
        } else {
            size_t need = (size_t)dim * 4;
            if (r.len - r.pos < need) {
                set_err(err, "%s: truncated: entry %ld ('%s') has %zu of its %zu bytes", path, i + 1, word, r.len - r.pos,
                        need);
                goto fail;
            }
            const unsigned char *b = (const unsigned char *)r.s + r.pos;
            for (long j = 0; j < dim; j++, b += 4) {
                uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
                memcpy(&v[j], &u, 4);
                if (!isfinite(v[j])) {
                    set_err(err, "%s: entry %ld ('%s'): value %ld is not finite", path, i + 1, word, j + 1);
                    goto fail;
                }
            }
            r.pos += need;
            if (r.pos < r.len && r.s[r.pos] == '\n') r.pos++;
        }
        if (wv_set(wv, (int)i, word, NULL, inner)) {
            set_err(err, "%s: %s", path, inner);
            goto fail;
        }
    }
    while (r.pos < r.len && (r.s[r.pos] == '\n' || r.s[r.pos] == '\r' || r.s[r.pos] == ' ')) r.pos++;
    if (r.pos < r.len) {
        set_err(err, "%s: data after the %ld vectors the header announces (offset %zu)", path, n, r.pos);
        goto fail;
    }
    wv_finish(wv);
    return wv;
fail:
    wv_free(wv);
    return NULL;
}

WordVectors *wv_load(const char *path, WvFormat *fmt, char *err) {
    size_t len;
    char *buf = read_file(path, &len, err);
    if (!buf) return NULL;
    WordVectors *wv = wv_parse(buf, len, path, fmt, err);
    free(buf);
    return wv;
}

/* ==== lookups ================================================================================== */

int wv_find(const WordVectors *wv, const char *word) {
    int id = vocab_find_str(wv->index, word);
    if (id >= 0) return id;
    TokenList t = {0};
    tokenize_list(word, strlen(word), TOK_WORDS, &t);
    if (t.n == 1) id = vocab_find_str(wv->index, t.tok[0]);
    token_list_free(&t);
    return id;
}

typedef struct {
    const int *exclude;
    int nexclude;
} Skip;

static int skip_excluded(int i, void *ctx) {
    const Skip *s = ctx;
    for (int k = 0; k < s->nexclude; k++)
        if (s->exclude[k] == i) return 1;
    return 0;
}

int wv_nearest(const WordVectors *wv, const float *query, int limit, int k, const int *exclude, int nexclude,
               int *idx, float *cos) {
    int n = limit > 0 && limit < wv->n ? limit : wv->n, d = wv->dim;
    float *q = xmalloc(sizeof(float) * (size_t)d), *scores = xmalloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    memcpy(q, query, sizeof(float) * (size_t)d);
    vec_normalize(q, (size_t)d);
    for (int i = 0; i < n; i++) scores[i] = (float)vec_dot(wv->unit + (size_t)i * d, q, (size_t)d);
    Skip s = {exclude, nexclude};
    int found = top_k(scores, n, k < n ? k : n, idx, skip_excluded, &s);
    for (int i = 0; i < found; i++) cos[i] = scores[idx[i]];
    free(q), free(scores);
    return found;
}

/* x = unit(b) - unit(a) + unit(c): its cosine with each row is cos(., b) - cos(., a) + cos(., c)
 * divided by |x|, the same ranking. */
static void analogy_target(const WordVectors *wv, int a, int b, int c, float *x) {
    int d = wv->dim;
    for (int j = 0; j < d; j++)
        x[j] = wv->unit[(size_t)b * d + j] - wv->unit[(size_t)a * d + j] + wv->unit[(size_t)c * d + j];
}

int wv_analogy(const WordVectors *wv, int a, int b, int c, int limit, int k, int *idx, float *score) {
    float *x = xmalloc(sizeof(float) * (size_t)wv->dim);
    analogy_target(wv, a, b, c, x);
    int ex[3] = {a, b, c};
    int found = wv_nearest(wv, x, limit, k, ex, 3, idx, score);
    free(x);
    return found;
}

/* ==== evaluation ================================================================================ */

/* Split a line into at most max whitespace-separated fields (in place). Returns the count; a
 * count above max means there were more. */
static int split_fields(char *line, char **f, int max) {
    int n = 0;
    char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\r') p++;
        if (!*p) break;
        if (n < max) f[n] = p;
        n++;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r') p++;
        if (*p) *p++ = 0;
    }
    return n;
}

typedef struct {
    int q[4];
    int section;
} Question;

int wv_eval_analogies(const WordVectors *wv, const char *path, int limit, AnalogyReport *rep, char *err) {
    memset(rep, 0, sizeof *rep);
    size_t len;
    char *text = corpus_read(path, &len, err);
    if (!text) return -1;
    int nrows = limit > 0 && limit < wv->n ? limit : wv->n, d = wv->dim;
    Question *qs = NULL;
    size_t nq = 0, capq = 0;
    int cap_sections = 0;
    long lineno = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        lineno++;
        char *f[5];
        int nf = split_fields(line, f, 5);
        if (nf == 0) {
            /* blank line */
        } else if (f[0][0] == ':') {
            if (rep->nsections == cap_sections) {
                cap_sections = cap_sections ? 2 * cap_sections : 16;
                rep->sections = xrealloc(rep->sections, sizeof *rep->sections * (size_t)cap_sections);
            }
            AnalogySection *s = &rep->sections[rep->nsections++];
            memset(s, 0, sizeof *s);
            const char *name = f[0][1] ? f[0] + 1 : nf > 1 ? f[1] : "(unnamed)";
            snprintf(s->name, sizeof s->name, "%s", name);
        } else if (nf != 4) {
            free(text), free(qs), analogy_report_free(rep);
            return set_err(err, "%s:%ld: expected four words 'a b c d' or a ': section' line, found %d field%s", path,
                           lineno, nf, nf == 1 ? "" : "s");
        } else {
            if (rep->nsections == 0) { /* questions before any section: one unnamed section */
                rep->sections = xrealloc(rep->sections, sizeof *rep->sections * 16);
                cap_sections = 16;
                memset(&rep->sections[0], 0, sizeof rep->sections[0]);
                snprintf(rep->sections[0].name, sizeof rep->sections[0].name, "questions");
                rep->nsections = 1;
            }
            AnalogySection *s = &rep->sections[rep->nsections - 1];
            s->total++, rep->total++;
            int ids[4], ok = 1;
            for (int k = 0; k < 4; k++) {
                ids[k] = wv_find(wv, f[k]);
                if (ids[k] < 0 || ids[k] >= nrows) ok = 0;
            }
            if (ok) {
                if (nq == capq) capq = capq ? 2 * capq : 1024, qs = xrealloc(qs, sizeof *qs * capq);
                memcpy(qs[nq].q, ids, sizeof ids);
                qs[nq++].section = rep->nsections - 1;
                s->covered++, rep->covered++;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    /* Score the covered questions in batches: targets X (B,d) against all rows, S = X U^T, one
     * matrix product instead of B * nrows dot products. */
    enum { BATCH = 256 };
    float *X = xmalloc(xmul((size_t)BATCH * d, sizeof(float)));
    float *S = xmalloc(xmul(xmul(BATCH, (size_t)nrows), sizeof(float)));
    for (size_t q0 = 0; q0 < nq; q0 += BATCH) {
        int B = (int)(nq - q0 < BATCH ? nq - q0 : BATCH);
        for (int b = 0; b < B; b++) {
            const int *q = qs[q0 + b].q;
            analogy_target(wv, q[0], q[1], q[2], X + (size_t)b * d);
        }
        matmul(0, 1, B, nrows, d, 1.0f, X, d, wv->unit, d, 0.0f, S, nrows);
        for (int b = 0; b < B; b++) {
            const Question *qu = &qs[q0 + b];
            const float *s = S + (size_t)b * nrows;
            int best = -1;
            for (int i = 0; i < nrows; i++) {
                if (i == qu->q[0] || i == qu->q[1] || i == qu->q[2]) continue;
                if (best < 0 || s[i] > s[best]) best = i;
            }
            if (best == qu->q[3]) rep->sections[qu->section].correct++, rep->correct++;
        }
    }
    free(X), free(S), free(qs);
    return 0;
}

void analogy_report_free(AnalogyReport *rep) {
    free(rep->sections);
    memset(rep, 0, sizeof *rep);
}

void analogy_report_print(FILE *f, const AnalogyReport *rep) {
    for (int i = 0; i < rep->nsections; i++) {
        const AnalogySection *s = &rep->sections[i];
        fprintf(f, "%s: accuracy=%.4f correct=%d covered=%d/%d\n", s->name,
                s->covered ? (double)s->correct / s->covered : 0.0, s->correct, s->covered, s->total);
    }
    fprintf(f, "accuracy=%.4f covered=%d/%d\n", rep->covered ? (double)rep->correct / rep->covered : 0.0,
            rep->covered, rep->total);
}

int wv_eval_similarity(const WordVectors *wv, const char *path, SimilarityReport *rep, char *err) {
    memset(rep, 0, sizeof *rep);
    size_t len;
    char *text = corpus_read(path, &len, err);
    if (!text) return -1;
    double *human = NULL, *model = NULL;
    size_t cap = 0;
    long lineno = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        lineno++;
        char *f[4];
        int nf = split_fields(line, f, 4);
        if (nf > 0 && f[0][0] != '#') {
            float score;
            if (nf != 3 || parse_float(f[2], &score)) {
                free(text), free(human), free(model);
                return set_err(err, "%s:%ld: expected 'word word score'", path, lineno);
            }
            rep->total++;
            int a = wv_find(wv, f[0]), b = wv_find(wv, f[1]);
            if (a >= 0 && b >= 0) {
                if ((size_t)rep->covered == cap) {
                    cap = cap ? 2 * cap : 256;
                    human = xrealloc(human, sizeof *human * cap), model = xrealloc(model, sizeof *model * cap);
                }
                human[rep->covered] = score;
                model[rep->covered++] = vec_dot(wv->unit + (size_t)a * wv->dim, wv->unit + (size_t)b * wv->dim,
                                                (size_t)wv->dim);
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    rep->spearman = rep->covered >= 2 ? spearman(human, model, rep->covered) : NAN;
    free(human), free(model);
    return 0;
}
