/* tokenizer.c - chapter 07: BERT's tokenizer: the basic tokenizer, WordPiece, and training a
 * WordPiece vocabulary from a corpus.
 *
 * What it teaches (article, the BERT section: "WordPiece"; claims C22-C23 use it): BERT reads
 * neither words (chapter 02: a fixed word list, everything else is unknown) nor characters
 * (chapter 04: long sequences, little meaning per step) but sub-word pieces. A vocabulary of a
 * few tens of thousands of pieces covers any text: frequent words are one piece ("the"), rare
 * ones are spelled from pieces ("un ##want ##ed"), and only characters never seen at all become
 * [UNK]. The pieces are chosen from the corpus: start from single characters and repeatedly
 * glue together the pair whose union is most surprising, count(ab) / (count(a) count(b)), the
 * likelihood gain of WordPiece (Schuster & Nakajima 2012; as Hugging Face's course describes it).
 *
 * Builds on: common/utf8 (decoding), common/vocab (word counts while training), common/util
 * (atomic writes, error messages), and unicode_tables.c, generated from Python's unicodedata so
 * that every character class below is the one Hugging Face's Python code sees.
 *
 * Compatibility, step by step with transformers' BertTokenizer.tokenize (see tokenizer.h):
 *  - PreTrainedTokenizer.tokenize lower-cases the text ONE CHARACTER AT A TIME (a regular
 *    expression that keeps the special tokens), before anything else; BasicTokenizer lower-cases
 *    each word again. Per character means a capital sigma is always σ, never the final ς that
 *    str.lower() writes at the end of a word (BasicTokenizer alone, bert_basic_tokenize, does).
 *  - The special tokens are cut out of the text first (a trie over [PAD] [UNK] [CLS] [SEP] [MASK])
 *    and kept whole; the rest goes through BasicTokenizer then WordpieceTokenizer.
 *  - Invalid UTF-8 bytes are dropped (Python would have decoded them to U+FFFD, which
 *    _clean_text drops).
 *
 * What it leaves out: the offsets of each token in the original text, other special tokens than
 * the five above (added tokens), strip_accents as a separate switch (it follows do_lower_case, the
 * default), and the Rust "fast" tokenizer's variants.
 */
#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "unicode_tables.h"
#include "utf8.h"
#include "util.h"
#include "vocab.h"

static const char *const SPECIALS[5] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

/* ===================================================================================== */
/* Code point buffers                                                                    */
/* ===================================================================================== */

typedef struct {
    uint32_t *v;
    size_t n, cap;
} Cps;

static void cps_push(Cps *b, uint32_t c) {
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->v = xrealloc(b->v, xmul(b->cap, sizeof *b->v));
    }
    b->v[b->n++] = c;
}

static void cps_free(Cps *b) {
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
}

/* ===================================================================================== */
/* Character classes: Hugging Face's _is_whitespace, _is_control, _is_punctuation,       */
/* _is_chinese_char                                                                      */
/* ===================================================================================== */

static int is_whitespace(uint32_t c) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        return 1;
    return c >= 0x80 && (uc_flags(c) & UC_ZS);
}

static int is_control(uint32_t c) {
    if (c == '\t' || c == '\n' || c == '\r')
        return 0;
    if (c < 0x80)
        return c < 0x20 || c == 0x7F;
    return (uc_flags(c) & UC_CONTROL) != 0;
}

/* BERT counts the ASCII symbols ($ + < = > ^ ` | ~) as punctuation; Unicode calls them S*. */
static int is_punctuation(uint32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
        (c >= 123 && c <= 126))
        return 1;
    if (c < 0x80)
        return 0;
    return (uc_flags(c) & UC_PUNCT) != 0;
}

/* Python's str.isspace(), what whitespace_tokenize's str.split() splits on. */
static int is_py_space(uint32_t c) {
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
    return (uc_flags(c) & UC_SPACE) != 0;
}

int bert_is_chinese_char(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* ===================================================================================== */
/* Unicode normalisation: NFD (for accent stripping) and NFC (so that "e" + U+0301 and   */
/* the precomposed "é" are the same word)                                                */
/* ===================================================================================== */

/* out = NFD(in): every code point fully decomposed, then each run of combining marks put in
 * canonical order (a stable sort by combining class). */
static void nfd_into(const uint32_t *in, size_t n, Cps *out) {
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t d[4];
        int k = uc_decompose(in[i], d);
        if (k == 0)
            cps_push(out, in[i]);
        for (int j = 0; j < k; j++)
            cps_push(out, d[j]);
    }
    for (size_t i = 1; i < out->n; i++) { /* insertion sort, only among non-starters */
        uint32_t c = out->v[i];
        int cc = uc_ccc(c);
        if (cc == 0)
            continue;
        size_t j = i;
        while (j > 0 && uc_ccc(out->v[j - 1]) > cc) {
            out->v[j] = out->v[j - 1];
            j--;
        }
        out->v[j] = c;
    }
}

/* w = NFC(w): decompose, then compose each mark with the last starter unless something between
 * them blocks it (a starter, or a mark of the same or a higher class). */
static void nfc_inplace(Cps *w, Cps *tmp) {
    int plain = 1;
    for (size_t i = 0; i < w->n && plain; i++)
        plain = w->v[i] < 0x300; /* Latin-1 and friends: NFC changes nothing */
    if (plain)
        return;
    nfd_into(w->v, w->n, tmp);
    size_t n = 0;
    ptrdiff_t starter = -1;
    int last_cc = -1; /* class of the last char kept after the starter; -1: none (adjacent) */
    for (size_t i = 0; i < tmp->n; i++) {
        uint32_t c = tmp->v[i];
        int cc = uc_ccc(c);
        if (starter >= 0 && (last_cc == -1 || last_cc < cc)) {
            uint32_t comp = uc_compose(w->v[starter], c);
            if (comp) {
                w->v[starter] = comp;
                continue;
            }
        }
        if (cc == 0) {
            starter = (ptrdiff_t)n;
            last_cc = -1;
        } else {
            last_cc = cc;
        }
        if (n == w->cap) { /* NFC never lengthens a string that was NFD'd from w, but be safe */
            w->cap = w->cap ? 2 * w->cap : 64;
            w->v = xrealloc(w->v, xmul(w->cap, sizeof *w->v));
        }
        w->v[n++] = c;
    }
    w->n = n;
}

/* ===================================================================================== */
/* The basic tokenizer                                                                   */
/* ===================================================================================== */

typedef struct {
    Cps text, word, tmp;
    char *bytes;
    size_t cap_bytes;
} Scratch;

static void scratch_free(Scratch *s) {
    cps_free(&s->text);
    cps_free(&s->word);
    cps_free(&s->tmp);
    free(s->bytes);
}

/* _clean_text and _tokenize_chinese_chars on one code point (after the per-character lowering
 * of PreTrainedTokenizer.tokenize when lower is set, see basic_tokenize). */
static void clean_push(Cps *out, uint32_t c, int lower) {
    uint32_t l[3];
    int k = 1;
    l[0] = c;
    if (lower)
        k = uc_lower(c, l);
    for (int j = 0; j < k; j++) {
        c = l[j];
        if (c == 0 || c == 0xFFFD || is_control(c))
            continue;
        if (is_whitespace(c)) {
            cps_push(out, ' ');
        } else if (bert_is_chinese_char(c)) {
            cps_push(out, ' ');
            cps_push(out, c);
            cps_push(out, ' ');
        } else {
            cps_push(out, c);
        }
    }
}

/* Hand one word piece (code points) to fn as UTF-8. */
static void emit(Scratch *s, const uint32_t *c, size_t n, BertWordFn fn, void *ctx) {
    size_t need = 4 * n + 1;
    if (need > s->cap_bytes) {
        s->cap_bytes = need * 2;
        s->bytes = xrealloc(s->bytes, s->cap_bytes);
    }
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)utf8_encode(c[i], s->bytes + len);
    s->bytes[len] = '\0';
    fn(s->bytes, len, ctx);
}

/* Python's str.lower() turns a capital sigma into the final ς when a cased letter precedes it
 * and none follows (case-ignorable characters, like an apostrophe or a combining mark, skipped
 * on both sides): CPython's handle_capital_sigma. */
static int final_sigma(const uint32_t *w, size_t n, size_t i) {
    size_t j = i;
    while (j > 0 && (uc_flags(w[j - 1]) & UC_CASE_IGN))
        j--;
    if (j == 0 || !(uc_flags(w[j - 1]) & UC_CASED))
        return 0;
    for (j = i + 1; j < n && (uc_flags(w[j]) & UC_CASE_IGN); j++)
        ;
    return j == n || !(uc_flags(w[j]) & UC_CASED);
}

/* One whitespace-separated word: NFC, lower-case and strip accents, split off punctuation. */
static int basic_word(Scratch *s, int lower, BertWordFn fn, void *ctx) {
    Cps *w = &s->word;
    nfc_inplace(w, &s->tmp);
    if (lower) {
        /* token.lower(), then _run_strip_accents: NFD and drop the nonspacing marks */
        s->tmp.n = 0;
        for (size_t i = 0; i < w->n; i++) {
            uint32_t l[3];
            int k = uc_lower(w->v[i], l);
            if (w->v[i] == 0x3A3 && final_sigma(w->v, w->n, i))
                l[0] = 0x3C2;
            for (int j = 0; j < k; j++)
                cps_push(&s->tmp, l[j]);
        }
        nfd_into(s->tmp.v, s->tmp.n, w);
        size_t n = 0;
        for (size_t i = 0; i < w->n; i++)
            if (w->v[i] < 0x300 || !(uc_flags(w->v[i]) & UC_MN))
                w->v[n++] = w->v[i];
        w->n = n;
    }
    /* _run_split_on_punc: each punctuation character is a word of its own */
    int count = 0;
    size_t start = 0;
    for (size_t i = 0; i < w->n; i++) {
        if (is_punctuation(w->v[i])) {
            if (i > start) {
                emit(s, w->v + start, i - start, fn, ctx);
                count++;
            }
            emit(s, w->v + i, 1, fn, ctx);
            count++;
            start = i + 1;
        }
    }
    if (w->n > start) {
        emit(s, w->v + start, w->n - start, fn, ctx);
        count++;
    }
    return count;
}

/* prelower: PreTrainedTokenizer.tokenize's per-character lowering, done before the basic
 * tokenizer by BertTokenizer (never a final ς then), not by BasicTokenizer used alone. */
static int basic_tokenize(Scratch *s, const char *text, size_t len, int prelower, int lower,
                          BertWordFn fn, void *ctx) {
    s->text.n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        int k = utf8_decode(text + i, len - i, &c);
        if (k < 0) { /* invalid byte: Python's U+FFFD, which _clean_text drops */
            i++;
            continue;
        }
        i += (size_t)k;
        clean_push(&s->text, c, prelower);
    }
    int count = 0;
    const uint32_t *t = s->text.v;
    size_t n = s->text.n;
    for (size_t i = 0; i < n;) {
        while (i < n && is_py_space(t[i]))
            i++;
        size_t a = i;
        while (i < n && !is_py_space(t[i]))
            i++;
        if (i > a) {
            s->word.n = 0;
            for (size_t j = a; j < i; j++)
                cps_push(&s->word, t[j]);
            count += basic_word(s, lower, fn, ctx);
        }
    }
    return count;
}

int bert_basic_tokenize(const char *text, size_t len, int do_lower_case, BertWordFn fn,
                        void *ctx) {
    Scratch s = {0};
    int n = basic_tokenize(&s, text, len, 0, do_lower_case, fn, ctx);
    scratch_free(&s);
    return n;
}

/* ===================================================================================== */
/* The vocabulary: tokens by id, and a hash table from token to id                       */
/* ===================================================================================== */

static uint64_t fnv1a(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Slot of token s[0..len): the one holding it, or the empty one where it would go. */
static size_t find_slot(const BertTokenizer *t, const char *s, size_t len) {
    size_t mask = t->table_size - 1;
    size_t i = (size_t)fnv1a(s, len) & mask;
    for (;;) {
        int32_t id = t->table[i];
        if (id < 0 || (t->lens[id] == len && memcmp(t->tokens[id], s, len) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

int bert_tok_id_len(const BertTokenizer *t, const char *token, size_t len) {
    if (!t->table)
        return -1;
    return t->table[find_slot(t, token, len)];
}

int bert_tok_id(const BertTokenizer *t, const char *token) {
    return bert_tok_id_len(t, token, strlen(token));
}

const char *bert_tok_token(const BertTokenizer *t, int id) {
    return (id >= 0 && id < t->n) ? t->tokens[id] : NULL;
}

/* Take ownership of tokens[0..n) (malloc'd strings) and index them. A token listed twice maps
 * to its later id, as a Python dict filled line by line does. */
static int tok_init(BertTokenizer *t, char **tokens, uint32_t *lens, int n, int lower,
                    const char *what, char *err) {
    memset(t, 0, sizeof *t);
    t->n = n;
    t->tokens = tokens;
    t->lens = lens;
    t->do_lower_case = lower;
    t->table_size = 16;
    while (t->table_size < 2 * (size_t)n + 1)
        t->table_size *= 2;
    t->table = xmalloc(xmul(t->table_size, sizeof *t->table));
    memset(t->table, 0xff, t->table_size * sizeof *t->table);
    for (int id = 0; id < n; id++)
        t->table[find_slot(t, tokens[id], lens[id])] = id;
    int *ids[5] = {&t->pad_id, &t->unk_id, &t->cls_id, &t->sep_id, &t->mask_id};
    for (int k = 0; k < 5; k++)
        *ids[k] = bert_tok_id(t, SPECIALS[k]);
    if (t->unk_id < 0) {
        set_err(err, "%s: the vocabulary has no [UNK] token (%d tokens)", what, n);
        bert_tok_free(t);
        return -1;
    }
    return 0;
}

void bert_tok_free(BertTokenizer *t) {
    if (!t)
        return;
    for (int i = 0; i < t->n; i++)
        free(t->tokens[i]);
    free(t->tokens);
    free(t->lens);
    free(t->table);
    memset(t, 0, sizeof *t);
    t->pad_id = t->unk_id = t->cls_id = t->sep_id = t->mask_id = -1;
}

int bert_tok_from_list(BertTokenizer *t, const char *const *list, int n, int do_lower_case,
                       char *err) {
    memset(t, 0, sizeof *t);
    if (n <= 0)
        return set_err(err, "empty token list");
    for (int i = 0; i < n; i++) {
        size_t len = strlen(list[i]);
        if (memchr(list[i], '\n', len) || memchr(list[i], '\r', len))
            return set_err(err, "token %d holds a line break", i);
        if (utf8_validate(list[i], len, NULL, NULL) != 0)
            return set_err(err, "token %d is not valid UTF-8", i);
    }
    char **tokens = xmalloc(xmul((size_t)n, sizeof *tokens));
    uint32_t *lens = xmalloc(xmul((size_t)n, sizeof *lens));
    for (int i = 0; i < n; i++) {
        tokens[i] = xstrdup(list[i]);
        lens[i] = (uint32_t)strlen(list[i]);
    }
    return tok_init(t, tokens, lens, n, do_lower_case, "token list", err);
}

int bert_tok_parse(BertTokenizer *t, const char *buf, size_t len, const char *path, int do_lower_case,
                   char *err) {
    memset(t, 0, sizeof *t);
    if (len == 0)
        return set_err(err, "%s: empty file; a vocab.txt holds one token per line", path);
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        size_t line = 1;
        for (const char *p = buf; p < nul; p++)
            line += *p == '\n';
        return set_err(err, "%s:%zu: NUL byte; this is not a vocab.txt", path, line);
    }
    size_t bad_off, bad_line;
    if (utf8_validate(buf, len, &bad_off, &bad_line) != 0)
        return set_err(err, "%s:%zu: invalid UTF-8 at byte offset %zu", path, bad_line, bad_off);
    /* Lines end in LF, CRLF or CR (Python's universal newlines); a last line without its
     * newline counts, an empty remainder after the last newline does not. */
    int n = 0, cap = 1024;
    char **tokens = xmalloc(xmul((size_t)cap, sizeof *tokens));
    uint32_t *lens = xmalloc(xmul((size_t)cap, sizeof *lens));
    for (size_t i = 0; i < len;) {
        size_t a = i;
        while (i < len && buf[i] != '\n' && buf[i] != '\r')
            i++;
        size_t b = i;
        if (i < len && buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
            i += 2;
        else if (i < len)
            i++;
        if (n == INT32_MAX / 2) {
            for (int k = 0; k < n; k++)
                free(tokens[k]);
            free(tokens);
            free(lens);
            return set_err(err, "%s: too many lines", path);
        }
        if (n == cap) {
            cap *= 2;
            tokens = xrealloc(tokens, xmul((size_t)cap, sizeof *tokens));
            lens = xrealloc(lens, xmul((size_t)cap, sizeof *lens));
        }
        tokens[n] = xmalloc(b - a + 1);
        memcpy(tokens[n], buf + a, b - a);
        tokens[n][b - a] = '\0';
        lens[n] = (uint32_t)(b - a);
        n++;
    }
    return tok_init(t, tokens, lens, n, do_lower_case, path, err);
}

int bert_tok_load(BertTokenizer *t, const char *path, int do_lower_case, char *err) {
    memset(t, 0, sizeof *t);
    size_t len;
    char *buf = read_file(path, &len, err);
    if (!buf)
        return -1;
    int rc = bert_tok_parse(t, buf, len, path, do_lower_case, err);
    free(buf);
    return rc;
}

int bert_tok_save(const BertTokenizer *t, const char *path, char *err) {
    for (int i = 0; i < t->n; i++)
        if (memchr(t->tokens[i], '\n', t->lens[i]) || memchr(t->tokens[i], '\r', t->lens[i]))
            return set_err(err, "cannot save '%s': token %d holds a line break", path, i);
    AtomicFile af;
    if (atomic_open(&af, path, err) != 0)
        return -1;
    for (int i = 0; i < t->n; i++) {
        fwrite(t->tokens[i], 1, t->lens[i], af.f);
        fputc('\n', af.f);
    }
    return atomic_commit(&af, err);
}

/* ===================================================================================== */
/* WordPiece and encoding                                                                */
/* ===================================================================================== */

void bert_ids_push(BertIds *b, int id, int word) {
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->ids = xrealloc(b->ids, xmul((size_t)b->cap, sizeof *b->ids));
        b->word = xrealloc(b->word, xmul((size_t)b->cap, sizeof *b->word));
    }
    b->ids[b->n] = id;
    b->word[b->n] = word;
    b->n++;
}

void bert_ids_free(BertIds *b) {
    free(b->ids);
    free(b->word);
    memset(b, 0, sizeof *b);
}

/* Greedy longest-match-first: at each position take the longest piece in the vocabulary (with
 * "##" after the first), or give up on the whole word. Quadratic in the word's length, which is
 * at most 100 characters. */
int bert_tok_wordpiece(const BertTokenizer *t, const char *word, size_t len, int word_index,
                       BertIds *out) {
    int bounds[BERT_MAX_WORD_CHARS + 1]; /* byte offset where each character starts, and len */
    int nchars = 0;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)word[i] & 0xC0) == 0x80)
            continue;
        if (nchars == BERT_MAX_WORD_CHARS) { /* a 101st character: too long */
            bert_ids_push(out, t->unk_id, word_index);
            return 1;
        }
        bounds[nchars++] = (int)i;
    }
    if (nchars == 0)
        return 0;
    bounds[nchars] = (int)len;
    char buf[2 + 4 * BERT_MAX_WORD_CHARS];
    buf[0] = buf[1] = '#';
    int first = out->n, start = 0;
    while (start < nchars) {
        int end = nchars, id = -1;
        for (; end > start; end--) {
            size_t a = (size_t)bounds[start], b = (size_t)bounds[end];
            if (start == 0) {
                id = bert_tok_id_len(t, word, b);
            } else {
                memcpy(buf + 2, word + a, b - a);
                id = bert_tok_id_len(t, buf, 2 + b - a);
            }
            if (id >= 0)
                break;
        }
        if (id < 0) { /* no piece fits here: the whole word is unknown */
            out->n = first;
            bert_ids_push(out, t->unk_id, word_index);
            return 1;
        }
        bert_ids_push(out, id, word_index);
        start = end;
    }
    return out->n - first;
}

typedef struct {
    const BertTokenizer *t;
    BertIds *out;
} EncodeCtx;

static void encode_word(const char *w, size_t len, void *vctx) {
    EncodeCtx *c = vctx;
    bert_tok_wordpiece(c->t, w, len, c->out->nwords++, c->out);
}

/* Length of the special token written at text[0..len), or 0; its index in SPECIALS in *which. */
static size_t special_at(const char *text, size_t len, int *which) {
    if (len < 5 || text[0] != '[')
        return 0;
    for (int k = 0; k < 5; k++) {
        size_t l = strlen(SPECIALS[k]);
        if (l <= len && memcmp(text, SPECIALS[k], l) == 0) {
            *which = k;
            return l;
        }
    }
    return 0;
}

int bert_tok_encode(const BertTokenizer *t, const char *text, size_t len, BertIds *out) {
    int before = out->n;
    const int special_ids[5] = {t->pad_id, t->unk_id, t->cls_id, t->sep_id, t->mask_id};
    Scratch s = {0};
    EncodeCtx ctx = {t, out};
    size_t chunk = 0;
    for (size_t i = 0; i <= len; i++) {
        int which = -1;
        size_t l = i < len ? special_at(text + i, len - i, &which) : 0;
        if (i < len && l == 0)
            continue;
        basic_tokenize(&s, text + chunk, i - chunk, t->do_lower_case, t->do_lower_case,
                       encode_word, &ctx);
        if (l > 0) {
            int id = special_ids[which];
            bert_ids_push(out, id >= 0 ? id : t->unk_id, out->nwords++);
            i += l - 1;
            chunk = i + 1;
        }
    }
    scratch_free(&s);
    return out->n - before;
}

char *bert_tok_decode(const BertTokenizer *t, const int *ids, int n, int skip_special) {
    size_t cap = 1, len = 0;
    for (int i = 0; i < n; i++)
        if (ids[i] >= 0 && ids[i] < t->n)
            cap += t->lens[ids[i]] + 1;
    char *s = xmalloc(cap);
    int kept = 0;
    for (int i = 0; i < n; i++) {
        int id = ids[i];
        if (id < 0 || id >= t->n)
            continue;
        if (skip_special && (id == t->pad_id || id == t->cls_id || id == t->sep_id))
            continue;
        if (kept++ > 0)
            s[len++] = ' ';
        memcpy(s + len, t->tokens[id], t->lens[id]);
        len += t->lens[id];
    }
    s[len] = '\0';
    /* .replace(" ##", "") then .strip() */
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (i + 3 <= len && memcmp(s + i, " ##", 3) == 0) {
            i += 3;
            continue;
        }
        s[o++] = s[i++];
    }
    size_t a = 0;
    while (a < o && (s[a] == ' ' || s[a] == '\t' || s[a] == '\n' || s[a] == '\r'))
        a++;
    while (o > a && (s[o - 1] == ' ' || s[o - 1] == '\t' || s[o - 1] == '\n' || s[o - 1] == '\r'))
        o--;
    memmove(s, s + a, o - a);
    s[o - a] = '\0';
    return s;
}

/* ===================================================================================== */
/* Training a WordPiece vocabulary                                                       */
/* ===================================================================================== */
/*
 * The corpus is reduced to its word types with their counts (basic tokenizer), each word
 * spelled as a list of symbols: its first character, then "##"-prefixed characters. A merge
 * of the pair (a, b) replaces every adjacent a b by the symbol ab, and the pair chosen is the
 * one with the highest score count(ab) / (count(a) count(b)), counts weighted by word frequency.
 * A pair of frequent symbols that often meet scores low (the pair is no surprise); a pair whose
 * parts hardly ever occur apart scores high. BPE would take the most frequent pair instead.
 *
 * Speed: recounting every pair after every merge (what the course's example code does) costs
 * a pass over the corpus per merge. Here the pair counts are kept up to date: each pair knows
 * the words it occurs in, so a merge touches only those words; and since a merge changes only
 * the counts of a, b and ab, only the scores of pairs holding one of them change; those pairs
 * are pushed again onto a max-heap with a new stamp, and outdated heap entries are skipped when
 * popped. Ties go to the higher pair count, then to the lower ids (a, then b), so the result
 * does not depend on hash order.
 */

BertTrainOpts bert_train_defaults(void) {
    BertTrainOpts o = {.vocab_size = 8000, .do_lower_case = 1, .min_count = 1, .min_pair_count = 1,
                       .verbose = 0};
    return o;
}

typedef struct {
    int *v;
    int n, cap;
} IntVec;

static void iv_push(IntVec *b, int x) {
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 4;
        b->v = xrealloc(b->v, xmul((size_t)b->cap, sizeof *b->v));
    }
    b->v[b->n++] = x;
}

typedef struct {
    double score;
    int64_t count;
    int32_t a, b, pair;
    uint32_t stamp;
} HeapEntry;

/* Is x a better merge than y? */
static int better(const HeapEntry *x, const HeapEntry *y) {
    if (x->score != y->score)
        return x->score > y->score;
    if (x->count != y->count)
        return x->count > y->count;
    if (x->a != y->a)
        return x->a < y->a;
    return x->b < y->b;
}

typedef struct {
    /* word types: the symbols of word w are sym[beg[w] .. beg[w] + len[w]) */
    int nwords;
    int64_t *freq;
    size_t *beg;
    int *len;
    int32_t *sym;
    int *mark; /* the last merge that rewrote the word */
    /* symbols, which are the vocabulary's entries (ids of sv) */
    Vocab *sv;
    int64_t *scount; /* occurrences of each symbol in the corpus */
    int by_frequency; /* 1: score = count(ab), as BPE and Hugging Face's WordPieceTrainer */
    IntVec *spairs;  /* pairs that hold the symbol */
    int scap;
    /* pairs of adjacent symbols */
    int npairs, pcap;
    int32_t *pa, *pb;
    int64_t *pcount;
    uint32_t *pstamp; /* stamp of the pair's current heap entry */
    int *pmark;       /* the last merge that re-pushed it */
    IntVec *pwords;   /* words it occurs in (may hold stale or repeated entries) */
    int32_t *ptable;  /* hash (a, b) -> pair index, -1 = empty */
    size_t ptable_size;
    /* max-heap of candidate merges */
    HeapEntry *heap;
    size_t hn, hcap;
} Trainer;

static void grow_symbols(Trainer *tr) {
    if (tr->sv->n <= tr->scap)
        return;
    int old = tr->scap;
    tr->scap = tr->sv->n * 2 + 64;
    tr->scount = xrealloc(tr->scount, xmul((size_t)tr->scap, sizeof *tr->scount));
    tr->spairs = xrealloc(tr->spairs, xmul((size_t)tr->scap, sizeof *tr->spairs));
    memset(tr->scount + old, 0, (size_t)(tr->scap - old) * sizeof *tr->scount);
    memset(tr->spairs + old, 0, (size_t)(tr->scap - old) * sizeof *tr->spairs);
}

static size_t pair_hash(int32_t a, int32_t b) {
    uint64_t k = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) * 0x9E3779B97F4A7C15ULL;
    return (size_t)(k ^ (k >> 29));
}

static void ptable_rebuild(Trainer *tr, size_t size) {
    free(tr->ptable);
    tr->ptable_size = size;
    tr->ptable = xmalloc(xmul(size, sizeof *tr->ptable));
    memset(tr->ptable, 0xff, size * sizeof *tr->ptable);
    for (int p = 0; p < tr->npairs; p++) {
        size_t i = pair_hash(tr->pa[p], tr->pb[p]) & (size - 1);
        while (tr->ptable[i] >= 0)
            i = (i + 1) & (size - 1);
        tr->ptable[i] = p;
    }
}

static int pair_get(Trainer *tr, int32_t a, int32_t b) {
    size_t mask = tr->ptable_size - 1;
    size_t i = pair_hash(a, b) & mask;
    for (; tr->ptable[i] >= 0; i = (i + 1) & mask) {
        int p = tr->ptable[i];
        if (tr->pa[p] == a && tr->pb[p] == b)
            return p;
    }
    if (2 * (size_t)(tr->npairs + 1) > tr->ptable_size) {
        ptable_rebuild(tr, tr->ptable_size * 2);
        return pair_get(tr, a, b);
    }
    if (tr->npairs == tr->pcap) {
        tr->pcap = tr->pcap ? 2 * tr->pcap : 1024;
        size_t c = (size_t)tr->pcap;
        tr->pa = xrealloc(tr->pa, xmul(c, sizeof *tr->pa));
        tr->pb = xrealloc(tr->pb, xmul(c, sizeof *tr->pb));
        tr->pcount = xrealloc(tr->pcount, xmul(c, sizeof *tr->pcount));
        tr->pstamp = xrealloc(tr->pstamp, xmul(c, sizeof *tr->pstamp));
        tr->pmark = xrealloc(tr->pmark, xmul(c, sizeof *tr->pmark));
        tr->pwords = xrealloc(tr->pwords, xmul(c, sizeof *tr->pwords));
    }
    int p = tr->npairs++;
    tr->pa[p] = a;
    tr->pb[p] = b;
    tr->pcount[p] = 0;
    tr->pstamp[p] = 0;
    tr->pmark[p] = -1;
    memset(&tr->pwords[p], 0, sizeof tr->pwords[p]);
    tr->ptable[i] = p;
    iv_push(&tr->spairs[a], p);
    if (b != a)
        iv_push(&tr->spairs[b], p);
    return p;
}

/* count(a b) += delta; note word w (if >= 0) as one where the pair occurs. */
static void pair_add(Trainer *tr, int32_t a, int32_t b, int64_t delta, int w) {
    int p = pair_get(tr, a, b);
    tr->pcount[p] += delta;
    if (w >= 0)
        iv_push(&tr->pwords[p], w);
}

static void heap_sift_down(HeapEntry *h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && better(&h[l], &h[m]))
            m = l;
        if (r < n && better(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        HeapEntry t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_push(Trainer *tr, int p) {
    if (tr->hn == tr->hcap) {
        tr->hcap = tr->hcap ? 2 * tr->hcap : 4096;
        tr->heap = xrealloc(tr->heap, xmul(tr->hcap, sizeof *tr->heap));
    }
    HeapEntry e;
    e.a = tr->pa[p];
    e.b = tr->pb[p];
    e.count = tr->pcount[p];
    /* exact: the counts stay far below 2^53, so equal ratios give equal doubles */
    e.score = tr->by_frequency ? (double)e.count
                               : (double)e.count / ((double)tr->scount[e.a] * (double)tr->scount[e.b]);
    e.pair = p;
    e.stamp = ++tr->pstamp[p];
    size_t i = tr->hn++;
    while (i > 0 && better(&e, &tr->heap[(i - 1) / 2])) {
        tr->heap[i] = tr->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    tr->heap[i] = e;
}

static int heap_valid(const Trainer *tr, const HeapEntry *e) {
    return e->stamp == tr->pstamp[e->pair] && tr->pcount[e->pair] > 0;
}

/* Drop the outdated entries once they outnumber the live ones, so the heap stays small. */
static void heap_compact(Trainer *tr) {
    if (tr->hn < 4 * (size_t)tr->npairs + 65536)
        return;
    size_t n = 0;
    for (size_t i = 0; i < tr->hn; i++)
        if (heap_valid(tr, &tr->heap[i]))
            tr->heap[n++] = tr->heap[i];
    tr->hn = n;
    for (size_t i = n / 2; i-- > 0;)
        heap_sift_down(tr->heap, n, i);
}

/* Replace every a b in word w by c, keeping the pair and symbol counts up to date. */
static void merge_word(Trainer *tr, int w, int32_t a, int32_t b, int32_t c) {
    int32_t *s = tr->sym + tr->beg[w];
    int L = tr->len[w];
    int64_t f = tr->freq[w];
    int found = 0;
    for (int k = 0; k + 1 < L && !found; k++)
        found = s[k] == a && s[k + 1] == b;
    if (!found) /* a stale entry: an earlier merge took the pair out of this word */
        return;
    for (int k = 0; k + 1 < L; k++)
        pair_add(tr, s[k], s[k + 1], -f, -1);
    int o = 0;
    for (int k = 0; k < L; k++) {
        if (k + 1 < L && s[k] == a && s[k + 1] == b) {
            s[o++] = c;
            tr->scount[a] -= f;
            tr->scount[b] -= f;
            tr->scount[c] += f;
            k++;
        } else {
            s[o++] = s[k];
        }
    }
    tr->len[w] = o;
    for (int k = 0; k + 1 < o; k++)
        pair_add(tr, s[k], s[k + 1], f, (s[k] == c || s[k + 1] == c) ? w : -1);
}

static void trainer_free(Trainer *tr) {
    free(tr->freq);
    free(tr->beg);
    free(tr->len);
    free(tr->sym);
    free(tr->mark);
    for (int i = 0; i < tr->scap; i++)
        free(tr->spairs[i].v);
    free(tr->spairs);
    free(tr->scount);
    for (int p = 0; p < tr->npairs; p++)
        free(tr->pwords[p].v);
    free(tr->pa);
    free(tr->pb);
    free(tr->pcount);
    free(tr->pstamp);
    free(tr->pmark);
    free(tr->pwords);
    free(tr->ptable);
    free(tr->heap);
    if (tr->sv)
        vocab_free(tr->sv);
}

static void count_word(const char *w, size_t len, void *ctx) {
    vocab_add(ctx, w, len, 1);
}

typedef struct {
    const char *s; /* the character, without "##" */
    int cont;      /* 1 for the "##" form */
    int64_t count;
} AlphaEntry;

static int alpha_by_count(const void *x, const void *y) {
    const AlphaEntry *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->cont != b->cont)
        return a->cont - b->cont;
    return strcmp(a->s, b->s);
}

static int alpha_by_kind(const void *x, const void *y) {
    const AlphaEntry *a = x, *b = y;
    if (a->cont != b->cont)
        return a->cont - b->cont;
    return strcmp(a->s, b->s); /* UTF-8 byte order is code point order */
}

int bert_tok_train(BertTokenizer *t, const char *text, size_t len, int vocab_size,
                   int do_lower_case, char *err) {
    BertTrainOpts o = bert_train_defaults();
    o.vocab_size = vocab_size;
    o.do_lower_case = do_lower_case;
    return bert_tok_train_opts(t, text, len, &o, err);
}

int bert_tok_train_opts(BertTokenizer *t, const char *text, size_t len, const BertTrainOpts *opts,
                        char *err) {
    memset(t, 0, sizeof *t);
    if (opts->vocab_size < 6 || opts->vocab_size > 10000000)
        return set_err(err, "vocabulary size %d out of range [6, 10000000]", opts->vocab_size);
    int64_t min_count = opts->min_count < 1 ? 1 : opts->min_count;
    int64_t min_pair = opts->min_pair_count;

    /* 1. word types and their counts */
    Vocab *words = vocab_new();
    Scratch scratch = {0}; /* the words as bert_tok_encode will see them */
    int lower = opts->do_lower_case;
    basic_tokenize(&scratch, text, len, lower, lower, count_word, words);
    scratch_free(&scratch);
    if (words->n == 0) {
        vocab_free(words);
        return set_err(err, "no words in the training text (%zu bytes)", len);
    }

    /* 2. the alphabet: first characters of words, and "##" + the characters inside them */
    Vocab *alpha = vocab_new();
    char key[2 + 4];
    key[0] = key[1] = '#';
    size_t total_chars = 0;
    for (int w = 0; w < words->n; w++) {
        const char *s = words->words[w];
        size_t L = words->lens[w];
        if (utf8_count(s, L) > BERT_MAX_WORD_CHARS) /* [UNK] anyway */
            continue;
        total_chars += L;
        for (size_t i = 0; i < L;) {
            uint32_t c;
            int k = utf8_decode(s + i, L - i, &c);
            memcpy(key + 2, s + i, (size_t)k);
            if (i == 0)
                vocab_add(alpha, key + 2, (size_t)k, words->counts[w]);
            else
                vocab_add(alpha, key, 2 + (size_t)k, words->counts[w]);
            i += (size_t)k;
        }
    }
    AlphaEntry *ae = xmalloc(xmul((size_t)alpha->n + 1, sizeof *ae));
    int na = 0;
    for (int i = 0; i < alpha->n; i++) {
        if (alpha->counts[i] < min_count)
            continue;
        int cont = alpha->lens[i] > 2 && alpha->words[i][0] == '#' && alpha->words[i][1] == '#';
        ae[na].s = alpha->words[i] + (cont ? 2 : 0);
        ae[na].cont = cont;
        ae[na].count = alpha->counts[i];
        na++;
    }
    int dropped = 0;
    if (5 + na > opts->vocab_size) { /* keep the most frequent characters */
        qsort(ae, (size_t)na, sizeof *ae, alpha_by_count);
        dropped = na - (opts->vocab_size - 5);
        na = opts->vocab_size - 5;
    }
    qsort(ae, (size_t)na, sizeof *ae, alpha_by_kind);

    Trainer tr;
    memset(&tr, 0, sizeof tr);
    tr.sv = vocab_new();
    tr.by_frequency = opts->by_frequency;
    for (int k = 0; k < 5; k++)
        vocab_add(tr.sv, SPECIALS[k], strlen(SPECIALS[k]), 0);
    for (int i = 0; i < na; i++) {
        memcpy(key + 2, ae[i].s, strlen(ae[i].s));
        if (ae[i].cont)
            vocab_add(tr.sv, key, 2 + strlen(ae[i].s), 0);
        else
            vocab_add(tr.sv, ae[i].s, strlen(ae[i].s), 0);
    }
    int alphabet_size = na;
    free(ae);
    vocab_free(alpha);
    grow_symbols(&tr);

    /* 3. every word as symbols; words with a character outside the alphabet stay out */
    tr.freq = xmalloc(xmul((size_t)words->n, sizeof *tr.freq));
    tr.beg = xmalloc(xmul((size_t)words->n, sizeof *tr.beg));
    tr.len = xmalloc(xmul((size_t)words->n, sizeof *tr.len));
    tr.mark = xmalloc(xmul((size_t)words->n, sizeof *tr.mark));
    tr.sym = xmalloc(xmul(total_chars + 1, sizeof *tr.sym));
    size_t nsym = 0;
    int64_t unk_words = 0;
    for (int w = 0; w < words->n; w++) {
        const char *s = words->words[w];
        size_t L = words->lens[w];
        int nw = tr.nwords, ok = utf8_count(s, L) <= BERT_MAX_WORD_CHARS;
        tr.beg[nw] = nsym;
        tr.len[nw] = 0;
        for (size_t i = 0; i < L && ok;) {
            int k = utf8_decode(s + i, L - i, &(uint32_t){0});
            memcpy(key + 2, s + i, (size_t)k);
            int id = i == 0 ? vocab_find(tr.sv, key + 2, (size_t)k)
                            : vocab_find(tr.sv, key, 2 + (size_t)k);
            ok = id >= 0;
            tr.sym[tr.beg[nw] + (size_t)tr.len[nw]++] = id;
            i += (size_t)k;
        }
        if (!ok) {
            unk_words += words->counts[w];
            continue;
        }
        tr.freq[nw] = words->counts[w];
        tr.mark[nw] = -1;
        nsym += (size_t)tr.len[nw];
        tr.nwords++;
    }
    tr.ptable_size = 1024;
    ptable_rebuild(&tr, tr.ptable_size);
    for (int w = 0; w < tr.nwords; w++) {
        const int32_t *s = tr.sym + tr.beg[w];
        for (int k = 0; k < tr.len[w]; k++)
            tr.scount[s[k]] += tr.freq[w];
        for (int k = 0; k + 1 < tr.len[w]; k++)
            pair_add(&tr, s[k], s[k + 1], tr.freq[w], w);
    }
    for (int p = 0; p < tr.npairs; p++)
        heap_push(&tr, p);

    /* 4. merge until the vocabulary is full or no pair is left */
    int merges = 0;
    char *buf = NULL;
    size_t buf_cap = 0;
    while (tr.sv->n < opts->vocab_size && tr.hn > 0) {
        HeapEntry e = tr.heap[0];
        tr.heap[0] = tr.heap[--tr.hn];
        heap_sift_down(tr.heap, tr.hn, 0);
        if (!heap_valid(&tr, &e))
            continue;
        if (e.count < min_pair) /* re-pushed if its count ever grows */
            continue;
        int p = e.pair;
        int32_t a = e.a, b = e.b;
        /* the new piece: a's text, then b's without its "##" (b never starts a word) */
        size_t la = tr.sv->lens[a], lb = tr.sv->lens[b] - 2;
        if (la + lb + 1 > buf_cap) {
            buf_cap = 2 * (la + lb + 1);
            buf = xrealloc(buf, buf_cap);
        }
        memcpy(buf, tr.sv->words[a], la);
        memcpy(buf + la, tr.sv->words[b] + 2, lb);
        int32_t c = vocab_find(tr.sv, buf, la + lb);
        if (c < 0) { /* the same piece can come from two different pairs: ab+c and a+bc */
            c = vocab_add(tr.sv, buf, la + lb, 0);
            grow_symbols(&tr);
        }
        for (int k = 0; k < tr.pwords[p].n; k++) {
            int w = tr.pwords[p].v[k];
            if (tr.mark[w] == merges)
                continue;
            tr.mark[w] = merges;
            merge_word(&tr, w, a, b, c);
        }
        free(tr.pwords[p].v);
        memset(&tr.pwords[p], 0, sizeof tr.pwords[p]);
        /* the counts of a, b and c changed: so did the score of every pair that holds one */
        int32_t changed[3] = {a, b, c};
        for (int j = 0; j < 3; j++) {
            const IntVec *list = &tr.spairs[changed[j]];
            for (int k = 0; k < list->n; k++) {
                int q = list->v[k];
                if (tr.pcount[q] > 0 && tr.pmark[q] != merges) {
                    tr.pmark[q] = merges;
                    heap_push(&tr, q);
                }
            }
        }
        merges++;
        heap_compact(&tr);
        if (opts->verbose && merges % 1000 == 0)
            fprintf(stderr, "\rwordpiece: %d merges, vocabulary %d / %d", merges, tr.sv->n,
                    opts->vocab_size);
    }
    free(buf);
    if (opts->verbose)
        fprintf(stderr,
                "\rwordpiece: %d word types, alphabet %d (%d rare characters left out), %lld words"
                " left out (over %d characters or with a character left out), %d merges,"
                " vocabulary %d / %d%s\n",
                words->n, alphabet_size, dropped, (long long)unk_words, BERT_MAX_WORD_CHARS, merges,
                tr.sv->n, opts->vocab_size,
                tr.sv->n < opts->vocab_size ? " (no pair left to merge)" : "");
    vocab_free(words);

    /* 5. the vocabulary, in id order, becomes the tokenizer */
    int n = tr.sv->n;
    char **tokens = xmalloc(xmul((size_t)n, sizeof *tokens));
    uint32_t *lens = xmalloc(xmul((size_t)n, sizeof *lens));
    for (int i = 0; i < n; i++) {
        tokens[i] = tr.sv->words[i];
        lens[i] = tr.sv->lens[i];
        tr.sv->words[i] = NULL;
    }
    tr.sv->n = 0; /* the strings now belong to the tokenizer */
    trainer_free(&tr);
    return tok_init(t, tokens, lens, n, opts->do_lower_case, "trained vocabulary", err);
}
