/* json.c - see json.h. A recursive-descent parser: one function per grammar rule of RFC 8259,
 * each reading from Parser.pos and never past Parser.len.
 *
 * Ownership rule that keeps error paths simple: a parse_* function that fails leaves its output
 * value holding nothing that needs freeing (it frees what it built), so a caller only ever frees
 * the values that parsed completely.
 */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

/* The document: the root value comes first, so json_free can turn the root pointer back into the
 * document (C11 6.7.2.1: a pointer to a struct, suitably converted, points to its first member). */
typedef struct {
    JsonValue root;
    char *strings; /* every decoded string and key, back to back, NUL-terminated */
} JsonDoc;

typedef struct {
    const unsigned char *s;
    size_t len, pos;
    char *strings; /* len + 1 bytes: see parse_string for why that is always enough */
    size_t used;
    int depth;
    char *err;
    /* The members of the containers still open, innermost last (keys: NULL for array elements).
     * A container's members are pushed here as they parse and moved into one allocation of the
     * exact size when it closes: one malloc per container, none wasted on a doubling. */
    JsonValue *members;
    char **member_keys;
    size_t top, members_cap;
} Parser;

static const char *const EXPECTED_VALUE =
    "a value (object, array, string, number, true, false or null)";

/* ---- errors --------------------------------------------------------------------------------- */

/* "'x'", "byte 0x0a" or "end of input": what stands at offset `at`, for messages. */
static void describe_at(const Parser *p, size_t at, char *buf, size_t n) {
    if (at >= p->len) {
        snprintf(buf, n, "end of input");
    } else {
        unsigned char c = p->s[at];
        if (c >= 0x20 && c < 0x7f) snprintf(buf, n, "'%c'", c);
        else snprintf(buf, n, "byte 0x%02x", c);
    }
}

static int fail_expected(Parser *p, size_t at, const char *expected) {
    char found[32];
    describe_at(p, at, found, sizeof found);
    return set_err(p->err, "byte %zu: expected %s, found %s", at, expected, found);
}

/* ---- freeing -------------------------------------------------------------------------------- */

/* Free what v owns (strings live in the document's arena; an object's keys array shares the
 * allocation of its items, see close_container) and leave it a JSON_NULL. Recursion is bounded by
 * JSON_MAX_DEPTH. */
static void free_value(JsonValue *v) {
    if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
        for (size_t i = 0; i < v->count; i++) free_value(&v->items[i]);
        free(v->items);
    }
    memset(v, 0, sizeof *v);
    v->type = JSON_NULL;
}

void json_free(JsonValue *v) {
    if (!v) return;
    JsonDoc *doc = (JsonDoc *)v;
    free_value(&doc->root);
    free(doc->strings);
    free(doc);
}

/* ---- lexical pieces ------------------------------------------------------------------------- */

static void skip_ws(Parser *p) {
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Length (2-4) of the well-formed UTF-8 sequence at s, or 0 if it is not one (utf8.h rules out
 * overlong forms, encoded surrogates and code points above U+10FFFF). */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail) {
    uint32_t cp;
    int n = utf8_decode((const char *)s, avail, &cp);
    return n >= 2 ? (size_t)n : 0;
}

/* The 4 hex digits at offset `at` (just after "\u"). */
static int read_hex4(Parser *p, size_t at, unsigned *out) {
    unsigned v = 0;
    for (size_t i = at; i < at + 4; i++) {
        if (i >= p->len) return fail_expected(p, i, "4 hex digits after \\u");
        unsigned char c = p->s[i];
        unsigned d;
        if (is_digit(c)) d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return fail_expected(p, i, "4 hex digits after \\u");
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

/* ---- values --------------------------------------------------------------------------------- */

static int parse_value(Parser *p, JsonValue *out);

/* A string starting at the '"' under p->pos, decoded into the arena. The arena (len + 1 bytes) is
 * always big enough: a decoded string plus its NUL is never longer than its quoted text (raw bytes
 * copy 1:1, "\n" becomes 1 byte, "\uXXXX" at most 3, a surrogate pair of 12 becomes 4), and the
 * quoted texts of different strings do not overlap. *has_nul reports a decoded "\u0000". */
static int parse_string(Parser *p, char **out, size_t *out_len, int *has_nul) {
    size_t start = p->pos++;
    char *dst = p->strings + p->used;
    size_t k = 0;
    *has_nul = 0;
    for (;;) {
        if (p->pos >= p->len)
            return set_err(p->err, "byte %zu: unterminated string (it starts at byte %zu)", p->pos,
                           start);
        unsigned char c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20)
            return set_err(p->err,
                           "byte %zu: control character 0x%02x inside a string (JSON requires it "
                           "escaped, e.g. \\n or \\u00%02x)",
                           p->pos, c, c);
        if (c >= 0x80) {
            size_t n = utf8_sequence_length(p->s + p->pos, p->len - p->pos);
            if (n == 0) return set_err(p->err, "byte %zu: invalid UTF-8 inside a string", p->pos);
            memcpy(dst + k, p->s + p->pos, n);
            k += n;
            p->pos += n;
            continue;
        }
        if (c != '\\') {
            dst[k++] = (char)c;
            p->pos++;
            continue;
        }
        size_t esc = p->pos++; /* the backslash */
        if (p->pos >= p->len)
            return set_err(p->err, "byte %zu: unterminated string (it starts at byte %zu)", p->pos,
                           start);
        c = p->s[p->pos++];
        switch (c) {
        case '"':
        case '\\':
        case '/': dst[k++] = (char)c; break;
        case 'b': dst[k++] = '\b'; break;
        case 'f': dst[k++] = '\f'; break;
        case 'n': dst[k++] = '\n'; break;
        case 'r': dst[k++] = '\r'; break;
        case 't': dst[k++] = '\t'; break;
        case 'u': {
            unsigned cp = 0;
            if (read_hex4(p, p->pos, &cp) != 0) return -1;
            p->pos += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return set_err(p->err,
                               "byte %zu: lone low surrogate \\u%04X (it must follow a high "
                               "surrogate \\uD800-\\uDBFF)",
                               esc, cp);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* UTF-16 encodes code points above U+FFFF as a pair; half a pair is no character */
                unsigned lo = 0;
                int paired = p->pos + 1 < p->len && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u';
                if (paired && read_hex4(p, p->pos + 2, &lo) != 0) return -1;
                if (!paired || lo < 0xDC00 || lo > 0xDFFF)
                    return set_err(p->err,
                                   "byte %zu: lone high surrogate \\u%04X (expected a low "
                                   "surrogate \\uDC00-\\uDFFF right after it)",
                                   esc, cp);
                p->pos += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0) *has_nul = 1;
            k += (size_t)utf8_encode((uint32_t)cp, dst + k);
            break;
        }
        default:
            if (c >= 0x20 && c < 0x7f)
                return set_err(p->err,
                               "byte %zu: invalid escape '\\%c' (valid: \\\" \\\\ \\/ \\b \\f \\n "
                               "\\r \\t \\uXXXX)",
                               esc, c);
            return set_err(p->err, "byte %zu: invalid escape: backslash followed by byte 0x%02x",
                           esc, c);
        }
    }
    dst[k] = '\0';
    p->used += k + 1;
    *out = dst;
    *out_len = k;
    return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; the value by strtod (correctly rounded in glibc;
 * the programs never call setlocale, so the decimal point is '.'), and exactly as int64_t when it
 * is written as an integer that fits. */
static int parse_number(Parser *p, JsonValue *out) {
    const unsigned char *s = p->s;
    size_t start = p->pos, i = p->pos, n = p->len;
    int negative = 0, integral = 1, fits = 1;
    uint64_t magnitude = 0;
    if (s[i] == '-') negative = 1, i++;
    if (i >= n || !is_digit(s[i])) return fail_expected(p, i, "a digit");
    if (s[i] == '0') {
        i++;
        if (i < n && is_digit(s[i]))
            return set_err(p->err, "byte %zu: leading zeros are not allowed in JSON numbers",
                           start);
    } else {
        for (; i < n && is_digit(s[i]); i++) {
            unsigned d = s[i] - '0';
            if (magnitude > (UINT64_MAX - d) / 10) fits = 0;
            else magnitude = magnitude * 10 + d;
        }
    }
    if (i < n && s[i] == '.') {
        integral = 0;
        i++;
        if (i >= n || !is_digit(s[i]))
            return fail_expected(p, i, "a digit after the decimal point");
        while (i < n && is_digit(s[i])) i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        integral = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= n || !is_digit(s[i])) return fail_expected(p, i, "a digit in the exponent");
        while (i < n && is_digit(s[i])) i++;
    }

    /* strtod needs a NUL-terminated copy: the text may go on with more digits of something else */
    char local[64], *copy = local;
    size_t k = i - start;
    if (k >= sizeof local) copy = xmalloc(k + 1);
    memcpy(copy, s + start, k);
    copy[k] = '\0';
    double v = strtod(copy, NULL);
    if (copy != local) free(copy);
    if (isinf(v)) /* strtod gave +-HUGE_VAL: the JSON grammar has no infinity */
        return set_err(p->err, "byte %zu: number %.*s is out of the range of a double", start,
                       (int)(k < 40 ? k : 40), (const char *)s + start);

    out->type = JSON_NUMBER;
    out->number = v;
    out->is_int = 0;
    out->integer = 0;
    if (integral && fits) {
        if (!negative && magnitude <= (uint64_t)INT64_MAX) {
            out->is_int = 1;
            out->integer = (int64_t)magnitude;
        } else if (negative && magnitude <= (uint64_t)INT64_MAX + 1) {
            out->is_int = 1;
            /* -(2^63) does not fit the positive side, so negate through INT64_MIN's neighbour */
            out->integer = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
        }
    }
    p->pos = i;
    return 0;
}

static int parse_literal(Parser *p, JsonValue *out, const char *word, JsonType type, int b) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return set_err(p->err, "byte %zu: invalid literal (expected true, false or null)", p->pos);
    p->pos += n;
    out->type = type;
    if (type == JSON_BOOL) out->boolean = b;
    return 0;
}

/* Push a member that parsed (key NULL for an array element) onto p->members. */
static void push_member(Parser *p, const JsonValue *v, char *key) {
    if (p->top == p->members_cap) {
        p->members_cap = p->members_cap ? p->members_cap * 2 : 64;
        p->members = xrealloc(p->members, xmul(p->members_cap, sizeof *p->members));
        p->member_keys = xrealloc(p->member_keys, xmul(p->members_cap, sizeof *p->member_keys));
    }
    p->members[p->top] = *v;
    p->member_keys[p->top] = key;
    p->top++;
}

_Static_assert(sizeof(JsonValue) % _Alignof(char *) == 0, "keys after the items stay aligned");

/* Move the members pushed since base into container c: one block holding the items and, for an
 * object, the keys after them. */
static void close_container(Parser *p, JsonValue *c, size_t base) {
    size_t n = p->top - base;
    c->count = n;
    p->top = base;
    if (n == 0) return;
    size_t items = n * sizeof *c->items, keys = c->type == JSON_OBJECT ? n * sizeof *c->keys : 0;
    char *block = xmalloc(items + keys); /* no overflow: n members took at least n bytes of text */
    c->items = memcpy(block, p->members + base, items);
    if (keys) c->keys = memcpy(block + items, p->member_keys + base, keys);
}

/* After a failure: free the members pushed since base. */
static void drop_members(Parser *p, size_t base) {
    while (p->top > base) free_value(&p->members[--p->top]);
}

static int enter(Parser *p) {
    if (++p->depth > JSON_MAX_DEPTH)
        return set_err(p->err, "byte %zu: nesting deeper than %d levels (the limit of this parser)",
                       p->pos, JSON_MAX_DEPTH);
    return 0;
}

static int parse_array(Parser *p, JsonValue *out) {
    if (enter(p) != 0) return -1;
    p->pos++; /* '[' */
    out->type = JSON_ARRAY;
    size_t base = p->top;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        p->depth--;
        return 0;
    }
    for (;;) {
        JsonValue v;
        if (parse_value(p, &v) != 0) goto fail;
        push_member(p, &v, NULL);
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            break;
        }
        fail_expected(p, p->pos, "',' or ']' after an array element");
        goto fail;
    }
    close_container(p, out, base);
    p->depth--;
    return 0;
fail:
    drop_members(p, base);
    free_value(out);
    return -1;
}

static int compare_keys(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int duplicate_key(Parser *p, size_t start, const char *key) {
    return set_err(p->err,
                   "byte %zu: duplicate key \"%.80s\" in the object that starts here (rejected: "
                   "readers disagree on which copy counts)",
                   start, key);
}

/* Sorting a copy of the keys finds duplicates in O(n log n): a hostile object with a million keys
 * must not cost a trillion comparisons. The few keys of a typical object are compared pair by pair
 * instead, without the copy. */
static int check_duplicate_keys(Parser *p, const JsonValue *obj, size_t start) {
    if (obj->count < 2) return 0;
    if (obj->count <= 8) { /* the message names the first duplicate in sorted order, as below */
        const char *first = NULL;
        for (size_t i = 1; i < obj->count; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(obj->keys[j], obj->keys[i]) == 0 &&
                    (!first || strcmp(obj->keys[i], first) < 0))
                    first = obj->keys[i];
        return first ? duplicate_key(p, start, first) : 0;
    }
    char **sorted = xmalloc(xmul(obj->count, sizeof *sorted));
    memcpy(sorted, obj->keys, obj->count * sizeof *sorted);
    qsort(sorted, obj->count, sizeof *sorted, compare_keys);
    int rc = 0;
    for (size_t i = 1; i < obj->count && rc == 0; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0) rc = duplicate_key(p, start, sorted[i]);
    free(sorted);
    return rc;
}

static int parse_object(Parser *p, JsonValue *out) {
    size_t start = p->pos;
    if (enter(p) != 0) return -1;
    p->pos++; /* '{' */
    out->type = JSON_OBJECT;
    size_t base = p->top;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        p->depth--;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != '"') {
            fail_expected(p, p->pos, p->top > base ? "a string key after ','" : "a string key or '}'");
            goto fail;
        }
        size_t key_at = p->pos, key_len;
        char *key;
        int has_nul;
        if (parse_string(p, &key, &key_len, &has_nul) != 0) goto fail;
        if (has_nul) {
            set_err(p->err,
                    "byte %zu: object key contains \\u0000 (not supported: keys are C strings)",
                    key_at);
            goto fail;
        }
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') {
            fail_expected(p, p->pos, "':' after an object key");
            goto fail;
        }
        p->pos++;
        JsonValue v;
        if (parse_value(p, &v) != 0) goto fail;
        push_member(p, &v, key);
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            break;
        }
        fail_expected(p, p->pos, "',' or '}' after an object member");
        goto fail;
    }
    close_container(p, out, base);
    if (check_duplicate_keys(p, out, start) != 0) goto fail;
    p->depth--;
    return 0;
fail:
    drop_members(p, base);
    free_value(out);
    return -1;
}

static int parse_value(Parser *p, JsonValue *out) {
    memset(out, 0, sizeof *out);
    out->type = JSON_NULL;
    skip_ws(p);
    if (p->pos >= p->len) return fail_expected(p, p->pos, EXPECTED_VALUE);
    unsigned char c = p->s[p->pos];
    switch (c) {
    case '{': return parse_object(p, out);
    case '[': return parse_array(p, out);
    case 't': return parse_literal(p, out, "true", JSON_BOOL, 1);
    case 'f': return parse_literal(p, out, "false", JSON_BOOL, 0);
    case 'n': return parse_literal(p, out, "null", JSON_NULL, 0);
    case '"': {
        char *s;
        size_t len;
        int has_nul;
        if (parse_string(p, &s, &len, &has_nul) != 0) return -1;
        out->type = JSON_STRING;
        out->string = s;
        out->len = len;
        return 0;
    }
    default:
        if (c == '-' || is_digit(c)) return parse_number(p, out);
        return fail_expected(p, p->pos, EXPECTED_VALUE);
    }
}

JsonValue *json_parse(const char *text, size_t len, char *err) {
    if (len > SIZE_MAX / 2) {
        set_err(err, "JSON text of %zu bytes is too large", len);
        return NULL;
    }
    Parser p = {.s = (const unsigned char *)text, .len = len, .err = err};
    p.strings = xmalloc(len + 1);
    JsonDoc *doc = xmalloc(sizeof *doc);
    if (parse_value(&p, &doc->root) != 0) goto fail;
    skip_ws(&p);
    if (p.pos != len) {
        fail_expected(&p, p.pos, "end of input after the top-level value");
        free_value(&doc->root);
        goto fail;
    }
    free(p.members), free(p.member_keys);
    doc->strings = p.strings;
    return &doc->root;
fail:
    free(p.members), free(p.member_keys);
    free(p.strings);
    free(doc);
    return NULL;
}

/* ---- reading the tree ----------------------------------------------------------------------- */

const char *json_type_name(JsonType t) {
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "unknown";
}

const JsonValue *json_get(const JsonValue *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
    return NULL;
}

int json_get_int(const JsonValue *obj, const char *key, int64_t *out) {
    const JsonValue *v = json_get(obj, key);
    if (!v || v->type != JSON_NUMBER || !v->is_int) return -1;
    *out = v->integer;
    return 0;
}

int json_get_number(const JsonValue *obj, const char *key, double *out) {
    const JsonValue *v = json_get(obj, key);
    if (!v || v->type != JSON_NUMBER) return -1;
    *out = v->number;
    return 0;
}

int json_get_string(const JsonValue *obj, const char *key, const char **out) {
    const JsonValue *v = json_get(obj, key);
    if (!v || v->type != JSON_STRING || strlen(v->string) != v->len) return -1;
    *out = v->string;
    return 0;
}

int json_get_bool(const JsonValue *obj, const char *key, int *out) {
    const JsonValue *v = json_get(obj, key);
    if (!v || v->type != JSON_BOOL) return -1;
    *out = v->boolean;
    return 0;
}

/* ---- writing -------------------------------------------------------------------------------- */

void json_write_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*c < 0x20) fprintf(f, "\\u%04x", *c);
            else fputc(*c, f);
        }
    }
    fputc('"', f);
}
