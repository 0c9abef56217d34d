/* vocab.c - see vocab.h. */
#include "vocab.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

#define VOCAB_MIN_TABLE 16

/* FNV-1a, 64-bit: one xor and one multiply per byte, and good enough spread for words. */
static uint64_t fnv1a(const char *s, size_t len) {
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Smallest power of two with n <= 0.7 * size. */
static size_t table_size_for(size_t n) {
    size_t size = VOCAB_MIN_TABLE;
    while (n * 10 > size * 7) size *= 2;
    return size;
}

static void table_rebuild(Vocab *v, size_t size) {
    free(v->table);
    v->table = xmalloc(xmul(size, sizeof *v->table));
    memset(v->table, 0xFF, size * sizeof *v->table); /* all -1 */
    v->table_size = size;
    size_t mask = size - 1;
    for (int id = 0; id < v->n; id++) {
        size_t slot = (size_t)v->hashes[id] & mask;
        while (v->table[slot] >= 0) slot = (slot + 1) & mask;
        v->table[slot] = id;
    }
}

Vocab *vocab_new(void) {
    Vocab *v = xcalloc(1, sizeof *v);
    v->cap = 64;
    v->words = xmalloc(xmul((size_t)v->cap, sizeof *v->words));
    v->counts = xmalloc(xmul((size_t)v->cap, sizeof *v->counts));
    v->lens = xmalloc(xmul((size_t)v->cap, sizeof *v->lens));
    v->hashes = xmalloc(xmul((size_t)v->cap, sizeof *v->hashes));
    table_rebuild(v, VOCAB_MIN_TABLE);
    return v;
}

void vocab_free(Vocab *v) {
    if (!v) return;
    for (int i = 0; i < v->n; i++) free(v->words[i]);
    free(v->words);
    free(v->counts);
    free(v->lens);
    free(v->hashes);
    free(v->table);
    free(v);
}

/* The slot holding w, or the empty slot where it would go. */
static size_t find_slot(const Vocab *v, const char *w, size_t len, uint64_t h) {
    size_t mask = v->table_size - 1, slot = (size_t)h & mask;
    for (;;) {
        int32_t id = v->table[slot];
        if (id < 0) return slot;
        if (v->hashes[id] == h && v->lens[id] == len && memcmp(v->words[id], w, len) == 0)
            return slot;
        slot = (slot + 1) & mask;
    }
}

int vocab_find(const Vocab *v, const char *w, size_t len) {
    if (len > UINT32_MAX) return -1;
    return v->table[find_slot(v, w, len, fnv1a(w, len))];
}

int vocab_find_str(const Vocab *v, const char *w) { return vocab_find(v, w, strlen(w)); }

int vocab_add(Vocab *v, const char *w, size_t len, int64_t count) {
    if (count < 0) die("vocab_add: negative count %" PRId64 " for '%.*s'", count, (int)(len > 64 ? 64 : len), w);
    if (len > UINT32_MAX) die("vocab_add: a word of %zu bytes is too long", len);
    uint64_t h = fnv1a(w, len);
    size_t slot = find_slot(v, w, len, h);
    int32_t id = v->table[slot];
    if (id >= 0) {
        v->counts[id] += count;
        return id;
    }
    if (v->n == INT_MAX) die("vocab_add: more than %d words", INT_MAX);
    if (v->n == v->cap) {
        v->cap = v->cap > INT_MAX / 2 ? INT_MAX : v->cap * 2;
        v->words = xrealloc(v->words, xmul((size_t)v->cap, sizeof *v->words));
        v->counts = xrealloc(v->counts, xmul((size_t)v->cap, sizeof *v->counts));
        v->lens = xrealloc(v->lens, xmul((size_t)v->cap, sizeof *v->lens));
        v->hashes = xrealloc(v->hashes, xmul((size_t)v->cap, sizeof *v->hashes));
    }
    id = v->n++;
    char *copy = xmalloc(len + 1);
    memcpy(copy, w, len);
    copy[len] = '\0';
    v->words[id] = copy;
    v->counts[id] = count;
    v->lens[id] = (uint32_t)len;
    v->hashes[id] = h;
    if ((size_t)v->n * 10 > v->table_size * 7) table_rebuild(v, v->table_size * 2);
    else v->table[slot] = id;
    return id;
}

int64_t vocab_total(const Vocab *v) {
    int64_t t = 0;
    for (int i = 0; i < v->n; i++) t += v->counts[i];
    return t;
}

/* ---- finalize ------------------------------------------------------------------------------ */

/* What the sort sees of a word: everything it compares, so the comparator needs no context
 * (C11's qsort has no context argument, and a global would not be thread safe). */
typedef struct {
    int64_t count;
    const char *word;
    uint32_t len;
    int id;
} SortKey;

static int by_count_then_bytes(const void *pa, const void *pb) {
    const SortKey *a = pa, *b = pb;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    int c = memcmp(a->word, b->word, a->len < b->len ? a->len : b->len);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len; /* words are unique: never 0 for two words */
}

int vocab_finalize(Vocab *v, int64_t min_count, const char *const *specials, int nspecial) {
    int *special_of = xmalloc(xmul((size_t)(v->n ? v->n : 1), sizeof *special_of));
    for (int i = 0; i < v->n; i++) special_of[i] = 0;
    for (int s = 0; s < nspecial; s++) {
        for (int t = 0; t < s; t++)
            if (strcmp(specials[s], specials[t]) == 0)
                die("vocab_finalize: special token '%s' is listed twice", specials[s]);
        int id = vocab_find_str(v, specials[s]);
        if (id >= 0) special_of[id] = 1;
    }
    /* The words that survive, in their new order. */
    SortKey *keep = xmalloc(xmul((size_t)(v->n ? v->n : 1), sizeof *keep));
    int nkeep = 0;
    for (int i = 0; i < v->n; i++)
        if (!special_of[i] && v->counts[i] >= min_count)
            keep[nkeep++] = (SortKey){v->counts[i], v->words[i], v->lens[i], i};
    qsort(keep, (size_t)nkeep, sizeof *keep, by_count_then_bytes);

    int n = nspecial + nkeep, cap = n > 64 ? n : 64;
    char **words = xmalloc(xmul((size_t)cap, sizeof *words));
    int64_t *counts = xmalloc(xmul((size_t)cap, sizeof *counts));
    uint32_t *lens = xmalloc(xmul((size_t)cap, sizeof *lens));
    uint64_t *hashes = xmalloc(xmul((size_t)cap, sizeof *hashes));
    for (int s = 0; s < nspecial; s++) {
        int id = vocab_find_str(v, specials[s]);
        size_t len = strlen(specials[s]);
        words[s] = xstrdup(specials[s]);
        counts[s] = id >= 0 ? v->counts[id] : 0;
        lens[s] = (uint32_t)len;
        hashes[s] = fnv1a(specials[s], len);
    }
    for (int k = 0; k < nkeep; k++) {
        int id = keep[k].id, to = nspecial + k;
        words[to] = v->words[id];
        v->words[id] = NULL; /* moved */
        counts[to] = v->counts[id];
        lens[to] = v->lens[id];
        hashes[to] = v->hashes[id];
    }
    for (int i = 0; i < v->n; i++) free(v->words[i]); /* the dropped words and old specials */
    free(v->words), free(v->counts), free(v->lens), free(v->hashes);
    free(keep), free(special_of);
    v->words = words, v->counts = counts, v->lens = lens, v->hashes = hashes;
    v->n = n, v->cap = cap;
    table_rebuild(v, table_size_for((size_t)n));
    return n;
}

/* ---- building from text ---------------------------------------------------------------------- */

static void count_token(const char *tok, size_t len, void *ctx) { vocab_add(ctx, tok, len, 1); }

Vocab *vocab_from_text(const char *text, size_t len, TokMode mode) {
    Vocab *v = vocab_new();
    tokenize(text, len, mode, count_token, v);
    return v;
}

/* ---- files ------------------------------------------------------------------------------------- */

#define VOCAB_MAGIC "#nlpc-vocab"
#define VOCAB_VERSION 1

int vocab_save(const Vocab *v, const char *path, char *err) {
    for (int i = 0; i < v->n; i++) {
        if (v->lens[i] == 0) return set_err(err, "cannot save '%s': word %d is empty", path, i);
        if (strcspn(v->words[i], " \t\r\n") != v->lens[i])
            return set_err(err, "cannot save '%s': word %d ('%s') holds white space or a NUL byte",
                           path, i, v->words[i]);
    }
    AtomicFile af;
    if (atomic_open(&af, path, err) != 0) return -1;
    fprintf(af.f, "%s v%d %d\n", VOCAB_MAGIC, VOCAB_VERSION, v->n);
    for (int i = 0; i < v->n; i++) fprintf(af.f, "%s %" PRId64 "\n", v->words[i], v->counts[i]);
    return atomic_commit(&af, err);
}

/* Parse a count: decimal digits only, fits in int64. */
static int parse_count(const char *s, size_t n, int64_t *out) {
    if (n == 0 || n > 19) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        int d = s[i] - '0';
        if (v > (INT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

Vocab *vocab_parse(const char *buf, size_t len, const char *path, char *err) {
    size_t bad_off, bad_line;
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        set_err(err, "%s: NUL byte at offset %zu; this is not a vocabulary file", path,
                (size_t)(nul - buf));
        return NULL;
    }
    if (utf8_validate(buf, len, &bad_off, &bad_line) != 0) {
        set_err(err, "%s:%zu: invalid UTF-8 at byte offset %zu", path, bad_line, bad_off);
        return NULL;
    }
    Vocab *v = vocab_new();
    long expect = -1; /* words promised by the header, or -1 for a headerless file */
    size_t line = 0, first_word_line = 1;
    for (size_t pos = 0; pos < len;) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        line++;
        if (n > 0 && s[n - 1] == '\r') n--; /* CRLF */
        if (line == 1 && n >= strlen(VOCAB_MAGIC) && memcmp(s, VOCAB_MAGIC, strlen(VOCAB_MAGIC)) == 0) {
            char hdr[64];
            int version;
            long count;
            char extra;
            snprintf(hdr, sizeof hdr, "%.*s", (int)(n < 63 ? n : 63), s);
            if (sscanf(hdr, VOCAB_MAGIC " v%d %ld %c", &version, &count, &extra) != 2 || count < 0) {
                set_err(err, "%s:1: bad header '%s'; expected '" VOCAB_MAGIC " v%d N'", path, hdr,
                        VOCAB_VERSION);
                goto fail;
            }
            if (version != VOCAB_VERSION) {
                set_err(err, "%s:1: vocabulary format version %d; this program reads version %d",
                        path, version, VOCAB_VERSION);
                goto fail;
            }
            expect = count;
            first_word_line = 2;
            continue;
        }
        /* word, blanks, count, nothing else */
        size_t a = 0;
        while (a < n && !is_blank(s[a])) a++;
        size_t b = a;
        while (b < n && is_blank(s[b])) b++;
        size_t c = b;
        while (c < n && !is_blank(s[c])) c++;
        size_t d = c;
        while (d < n && is_blank(s[d])) d++;
        int64_t count;
        if (n == 0) {
            set_err(err, "%s:%zu: empty line; expected 'word count'", path, line);
            goto fail;
        }
        if (a == 0 || b == a || c == b || d != n) {
            set_err(err, "%s:%zu: expected 'word count', got '%.*s'", path, line,
                    (int)(n > 80 ? 80 : n), s);
            goto fail;
        }
        if (parse_count(s + b, c - b, &count) != 0) {
            set_err(err, "%s:%zu: count '%.*s' is not a non-negative integer", path, line,
                    (int)(c - b > 40 ? 40 : c - b), s + b);
            goto fail;
        }
        int prev = vocab_find(v, s, a);
        if (prev >= 0) {
            set_err(err, "%s:%zu: duplicate word '%.*s' (first on line %zu)", path, line,
                    (int)(a > 80 ? 80 : a), s, first_word_line + (size_t)prev);
            goto fail;
        }
        vocab_add(v, s, a, count);
    }
    if (expect >= 0 && expect != v->n) {
        set_err(err, "%s: the header promises %ld words but the file holds %d (truncated?)", path,
                expect, v->n);
        goto fail;
    }
    return v;
fail:
    vocab_free(v);
    return NULL;
}

Vocab *vocab_load(const char *path, char *err) {
    size_t len;
    char *buf = read_file(path, &len, err);
    if (!buf) return NULL;
    Vocab *v = vocab_parse(buf, len, path, err);
    free(buf);
    return v;
}
