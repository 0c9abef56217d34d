/* tokenize.c - see tokenize.h for the rules. Each code point gets a class (space, letter,
 * ideograph, symbol, mark that extends the previous character, zero-width joiner, flag half);
 * tokens are runs of classes. The class lists are hand-written ranges: this is not a full Unicode
 * word-break implementation (UAX #29), just the part that English and Chinese text exercise.
 */
#include "tokenize.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

/* Returned for an invalid byte; classified as white space, so it is dropped. */
#define BAD_CP 0xFFFFFFFFu

typedef enum {
    C_SPACE,  /* separates, dropped */
    C_WORD,   /* letter or digit: runs form words */
    C_IDEO,   /* CJK ideograph */
    C_SYMBOL, /* punctuation, symbol, emoji: one token each */
    C_EXTEND, /* combining mark, variation selector, skin tone: joins the previous character */
    C_ZWJ,    /* zero-width joiner: joins the previous and the next character */
    C_FLAG,   /* regional indicator: two of them make a flag */
} CharClass;

/* Decode at s[i]; an invalid byte becomes BAD_CP and is stepped over alone. */
static inline int next_cp(const char *s, size_t len, size_t i, uint32_t *cp) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int n = utf8_decode(s + i, len - i, cp);
    if (n < 0) {
        *cp = BAD_CP;
        return 1;
    }
    return n;
}

static int is_extend(uint32_t cp) {
    return (cp >= 0x0300 && cp <= 0x036F) || cp == 0x00AD || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || cp == 0x200C || (cp >= 0x20D0 && cp <= 0x20FF) ||
           (cp >= 0x3099 && cp <= 0x309A) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0xFE20 && cp <= 0xFE2F) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
           (cp >= 0xE0020 && cp <= 0xE007F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

/* Control characters and invisible format marks: dropped like white space. */
static int is_invisible(uint32_t cp) {
    return cp < 0xA0 || cp == 0x200B || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) || cp == BAD_CP;
}

/* Punctuation and symbols outside ASCII. Everything not listed (and not space, mark or
 * ideograph) counts as a letter of some alphabet. */
static int is_symbol(uint32_t cp) {
    if (cp < 0x100)
        return (cp >= 0xA1 && cp <= 0xBF && cp != 0xAA && cp != 0xB5 && cp != 0xBA) || cp == 0xD7 ||
               cp == 0xF7;
    if (cp < 0x2000) /* the sentence marks of Greek, Armenian, Hebrew, Arabic, Devanagari, Thai */
        return cp == 0x037E || cp == 0x0387 || (cp >= 0x055A && cp <= 0x055F) || cp == 0x0589 ||
               cp == 0x05BE || cp == 0x05C0 || cp == 0x05C3 || cp == 0x05F3 || cp == 0x05F4 ||
               cp == 0x060C || cp == 0x061B || cp == 0x061F || (cp >= 0x066A && cp <= 0x066D) ||
               cp == 0x06D4 || cp == 0x0964 || cp == 0x0965 || cp == 0x0E4F || cp == 0x0E5A ||
               cp == 0x0E5B;
    if (cp < 0x3000) /* general punctuation, currency, letterlike, arrows, maths, box drawing,
                        shapes, dingbats, supplemental punctuation, radicals; not the super- and
                        subscripts (2070-209F) or number forms (2150-218F) */
        return (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205E) ||
               (cp >= 0x20A0 && cp <= 0x214F) || cp >= 0x2190;
    if (cp < 0x3100) return utf8_is_cjk_punct(cp) || cp == 0x30A0 || cp == 0x30FB;
    if (cp >= 0x3200 && cp <= 0x33FF) return 1; /* enclosed CJK, squared units */
    if (cp >= 0xE000 && cp <= 0xF8FF) return 1; /* private use */
    if (cp >= 0xFE10 && cp <= 0xFFEF) return utf8_is_cjk_punct(cp);
    if (cp >= 0xFFF0 && cp <= 0xFFFF) return 1; /* specials, e.g. U+FFFD */
    return cp >= 0x1F000 && cp <= 0x1FBFF;      /* emoji, mahjong, cards, legacy symbols */
}

static CharClass classify(uint32_t cp) {
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
            return C_WORD;
        return cp <= ' ' || cp == 0x7F ? C_SPACE : C_SYMBOL;
    }
    if (utf8_is_space(cp) || is_invisible(cp)) return C_SPACE;
    if (cp == 0x200D) return C_ZWJ;
    if (is_extend(cp)) return C_EXTEND;
    if (utf8_is_cjk(cp)) return C_IDEO;
    if (cp >= 0x1F1E6 && cp <= 0x1F1FF) return C_FLAG;
    return is_symbol(cp) ? C_SYMBOL : C_WORD;
}

static uint32_t lower_cp(uint32_t cp) {
    if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    if (cp >= 0xC0 && cp <= 0xDE) return cp == 0xD7 ? cp : cp + 32;
    if (cp >= 0x100 && cp <= 0x17F) { /* Latin Extended-A: mostly upper/lower pairs */
        if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F) return cp;
        if (cp == 0x178) return 0xFF;
        if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) return cp & 1 ? cp + 1 : cp;
        return cp & 1 ? cp : cp + 1;
    }
    if (cp >= 0x386 && cp <= 0x3A9) { /* Greek */
        if (cp >= 0x391) return cp == 0x3A2 ? cp : cp + 32;
        if (cp == 0x386) return 0x3AC;
        if (cp >= 0x388 && cp <= 0x38A) return cp + 37;
        if (cp == 0x38C) return 0x3CC;
        if (cp == 0x38E || cp == 0x38F) return cp + 63;
        return cp;
    }
    if (cp >= 0x400 && cp <= 0x42F) return cp < 0x410 ? cp + 80 : cp + 32; /* Cyrillic */
    if (cp >= 0xFF21 && cp <= 0xFF3A) return cp + 32;                      /* full-width A-Z */
    return cp;
}

/* ---- token boundaries ------------------------------------------------------------------------ */

static int is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

/* End of the word that starts at i: letters, digits and marks, plus an apostrophe between two
 * letters/digits and a '.' or ',' between two ASCII digits. */
static size_t scan_word(const char *s, size_t len, size_t i) {
    int prev_letter = 0;
    while (i < len) {
        uint32_t cp;
        int n = next_cp(s, len, i, &cp);
        CharClass c = classify(cp);
        if (c == C_WORD || c == C_EXTEND || c == C_ZWJ) {
            prev_letter = c != C_ZWJ;
            i += (size_t)n;
            continue;
        }
        if ((cp == '\'' || cp == 0x2019) && prev_letter && i + (size_t)n < len) {
            uint32_t next;
            int m = next_cp(s, len, i + (size_t)n, &next);
            if (classify(next) == C_WORD) {
                i += (size_t)(n + m);
                continue;
            }
        }
        if ((cp == '.' || cp == ',') && i > 0 && is_ascii_digit(s[i - 1]) && i + 1 < len &&
            is_ascii_digit(s[i + 1])) {
            i += 2;
            continue;
        }
        break;
    }
    return i;
}

/* After a single-character token: swallow the marks that belong to it, and the characters that
 * a zero-width joiner glues on (emoji sequences such as 👨‍👩‍👧). */
static size_t scan_extend(const char *s, size_t len, size_t i) {
    while (i < len) {
        uint32_t cp;
        int n = next_cp(s, len, i, &cp);
        CharClass c = classify(cp);
        if (c == C_EXTEND) {
            i += (size_t)n;
        } else if (c == C_ZWJ) {
            i += (size_t)n;
            if (i < len) {
                int m = next_cp(s, len, i, &cp);
                c = classify(cp);
                if (c == C_SYMBOL || c == C_FLAG) i += (size_t)m;
            }
        } else {
            break;
        }
    }
    return i;
}

static size_t scan_ideographs(const char *s, size_t len, size_t i) {
    while (i < len) {
        uint32_t cp;
        int n = next_cp(s, len, i, &cp);
        CharClass c = classify(cp);
        if (c != C_IDEO && c != C_EXTEND) break;
        i += (size_t)n;
    }
    return i;
}

/* ---- emitting ---------------------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t cap;
} Scratch;

static char *scratch_reserve(Scratch *sc, size_t n) {
    if (n > sc->cap) {
        while (sc->cap < n) sc->cap = sc->cap ? sc->cap * 2 : 256;
        sc->buf = xrealloc(sc->buf, sc->cap);
    }
    return sc->buf;
}

/* Copy a word lower-cased, with ’ written as '. None of the case pairs handled by lower_cp changes
 * the encoded length and ’ shrinks from 3 bytes to 1, so len + 1 bytes always suffice. */
static size_t copy_word(Scratch *sc, const char *s, size_t len) {
    char *out = scratch_reserve(sc, len + 1);
    size_t o = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            i++;
            continue;
        }
        uint32_t cp;
        int n = next_cp(s, len, i, &cp);
        cp = cp == 0x2019 ? '\'' : lower_cp(cp);
        o += (size_t)utf8_encode(cp, out + o);
        i += (size_t)n;
    }
    out[o] = '\0';
    return o;
}

static size_t copy_plain(Scratch *sc, const char *s, size_t len) {
    char *out = scratch_reserve(sc, len + 1);
    memcpy(out, s, len);
    out[len] = '\0';
    return len;
}

size_t tokenize(const char *text, size_t len, TokMode mode, TokenFn emit, void *ctx) {
    Scratch sc = {NULL, 0};
    size_t i = 0, count = 0;
    while (i < len) {
        uint32_t cp;
        int n = next_cp(text, len, i, &cp);
        CharClass c = classify(cp);
        size_t start = i, end = i + (size_t)n;
        int word = 0;
        switch (c) {
        case C_SPACE:
            i = end;
            continue;
        case C_WORD:
        case C_EXTEND: /* a mark with nothing before it: starts a word (it has to go somewhere) */
        case C_ZWJ:
            end = scan_word(text, len, start);
            word = 1;
            break;
        case C_IDEO:
            end = mode == TOK_WORDS ? scan_ideographs(text, len, end) : scan_extend(text, len, end);
            break;
        case C_FLAG:
            if (end < len) {
                uint32_t next;
                int m = next_cp(text, len, end, &next);
                if (classify(next) == C_FLAG) end += (size_t)m;
            }
            end = scan_extend(text, len, end);
            break;
        case C_SYMBOL:
            end = scan_extend(text, len, end);
            break;
        }
        if (emit) {
            size_t n_out = word ? copy_word(&sc, text + start, end - start)
                                : copy_plain(&sc, text + start, end - start);
            emit(sc.buf, n_out, ctx);
        }
        count++;
        i = end;
    }
    free(sc.buf);
    return count;
}

/* ---- token lists ------------------------------------------------------------------------------- */

void token_list_add(const char *tok, size_t len, void *list) {
    TokenList *l = list;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->tok = xrealloc(l->tok, xmul(l->cap, sizeof *l->tok));
    }
    char *copy = xmalloc(len + 1);
    memcpy(copy, tok, len);
    copy[len] = '\0';
    l->tok[l->n++] = copy;
}

size_t tokenize_list(const char *text, size_t len, TokMode mode, TokenList *out) {
    return tokenize(text, len, mode, token_list_add, out);
}

void token_list_free(TokenList *l) {
    for (size_t i = 0; i < l->n; i++) free(l->tok[i]);
    free(l->tok);
    l->tok = NULL;
    l->n = l->cap = 0;
}

/* ---- sentences --------------------------------------------------------------------------------- */

/* Marks that end a sentence wherever they stand (Chinese text has no spaces to look at). */
static int is_cjk_stop(uint32_t cp) {
    return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF0E || cp == 0xFF61 ||
           cp == 0x203C || (cp >= 0x2047 && cp <= 0x2049);
}
static int is_ascii_stop(uint32_t cp) { return cp == '.' || cp == '!' || cp == '?'; }
static int is_ellipsis(uint32_t cp) { return cp == 0x2026 || cp == 0x22EF; }

static int is_closer(uint32_t cp) {
    switch (cp) {
    case '\'': case ')': case ']': case '}': case 0xBB: case 0x2019: case 0x201D: case 0x3009:
    case 0x300B: case 0x300D: case 0x300F: case 0x3011: case 0x3015: case 0x3017: case 0x3019:
    case 0x301B: case 0xFF02: case 0xFF07: case 0xFF09: case 0xFF3D: case 0xFF5D:
        return 1;
    default:
        return 0;
    }
}

static int is_opener(uint32_t cp) {
    switch (cp) {
    case '"': case '\'': case '(': case '[': case '{': case 0xAB: case 0x2018: case 0x201C:
    case 0x3008: case 0x300A: case 0x300C: case 0x300E: case 0x3010: case 0xFF08:
        return 1;
    default:
        return 0;
    }
}

static int is_line_end(uint32_t cp) { return cp == '\n' || cp == 0x2028 || cp == 0x2029; }

/* Is the '.' at s[dot] the end of a title ("Mr.") or an initial ("J.")? */
static int after_abbreviation(const char *s, size_t dot) {
    static const char *const titles[] = {"Mr",  "Mrs", "Ms",  "Dr", "St", "Jr",  "Sr",  "Prof",
                                         "Rev", "Gen", "Col", "Capt", "Lt", "Sgt", "Hon", "Mt",
                                         "Messrs"};
    size_t b = dot;
    while (b > 0 && ((s[b - 1] >= 'a' && s[b - 1] <= 'z') || (s[b - 1] >= 'A' && s[b - 1] <= 'Z')))
        b--;
    size_t n = dot - b;
    if (n == 1) return s[b] >= 'A' && s[b] <= 'Z' && s[b] != 'I';
    for (size_t t = 0; t < sizeof titles / sizeof titles[0]; t++)
        if (strlen(titles[t]) == n && memcmp(titles[t], s + b, n) == 0) return 1;
    return 0;
}

/* Does a run of ASCII marks s[run..k) (closers included) end a sentence? See tokenize.h. */
static int ascii_stop_ends(const char *s, size_t len, size_t run, size_t run_n, size_t k) {
    if (k >= len) return 1;
    uint32_t cp;
    int n = next_cp(s, len, k, &cp);
    if (utf8_is_cjk(cp) || utf8_is_cjk_punct(cp) || cp == 0x201C || cp == 0x2018) return 1;
    if (!utf8_is_space(cp)) return 0; /* "3.14", "e.g.", "U.S.A" */
    /* Look past the white space, line breaks included: where a line break ends the sentence
     * anyway, splitting here too gives the same sentences; in wrapped text it is only a space. */
    size_t p = k;
    while (utf8_is_space(cp) || is_line_end(cp)) {
        p += (size_t)n;
        if (p >= len) return 1;
        n = next_cp(s, len, p, &cp);
    }
    while (is_opener(cp) && p + (size_t)n < len) {
        p += (size_t)n;
        n = next_cp(s, len, p, &cp);
    }
    if (cp >= 'a' && cp <= 'z') return 0;
    if (run_n == 1 && s[run] == '.' && after_abbreviation(s, run)) return 0;
    return 1;
}

/* Start of the code point that ends s[..end). */
static size_t prev_start(const char *s, size_t begin, size_t end) {
    size_t i = end - 1;
    while (i > begin && ((unsigned char)s[i] & 0xC0) == 0x80 && end - i < 4) i--;
    return i;
}

static size_t emit_trimmed(const char *s, size_t a, size_t b, TokenFn emit, void *ctx) {
    while (a < b) {
        uint32_t cp;
        int n = next_cp(s, b, a, &cp);
        if (!utf8_is_space(cp)) break;
        a += (size_t)n;
    }
    while (b > a) {
        size_t p = prev_start(s, a, b);
        uint32_t cp;
        if (next_cp(s, b, p, &cp) != (int)(b - p) || !utf8_is_space(cp)) break;
        b = p;
    }
    if (a == b) return 0;
    if (emit) emit(s + a, b - a, ctx);
    return 1;
}

/* Does the line break at s[i] end a paragraph: is the line after it blank (or the text over)? */
static int blank_line_follows(const char *s, size_t len, size_t i) {
    for (i++; i < len; i++) {
        if (s[i] == '\n') return 1;
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    }
    return 1;
}

size_t split_sentences_ex(const char *text, size_t len, SentBreak brk, TokenFn emit, void *ctx) {
    size_t start = 0, i = 0, count = 0;
    int quotes = 0; /* double quotes open on this line: “ opens, ” closes, '"' does either */
    while (i < len) {
        uint32_t cp;
        int n = next_cp(text, len, i, &cp);
        if (is_line_end(cp) &&
            !(brk == SENT_BLANK_LINES && cp == '\n' && !blank_line_follows(text, len, i))) {
            count += emit_trimmed(text, start, i, emit, ctx);
            i += (size_t)n;
            start = i;
            quotes = 0;
            continue;
        }
        if (cp == 0x201C || (cp == '"' && quotes == 0)) quotes++;
        else if ((cp == 0x201D || cp == '"') && quotes > 0) quotes--;
        if (!is_cjk_stop(cp) && !is_ascii_stop(cp)) {
            i += (size_t)n;
            continue;
        }
        /* The run of marks ("?!", "。……"), then the closing quotes and brackets. */
        size_t run = i, run_n = 0, j = i;
        int cjk = 0;
        while (j < len) {
            uint32_t c;
            int m = next_cp(text, len, j, &c);
            if (is_cjk_stop(c)) cjk = 1;
            else if (!is_ascii_stop(c) && !is_ellipsis(c)) break;
            run_n++;
            j += (size_t)m;
        }
        size_t k = j;
        while (k < len) {
            uint32_t c;
            int m = next_cp(text, len, k, &c);
            if ((c == '"' || c == 0x201D) && quotes > 0) quotes--;
            else if (!is_closer(c)) break;
            k += (size_t)m;
        }
        if (cjk || ascii_stop_ends(text, len, run, run_n, k)) {
            count += emit_trimmed(text, start, k, emit, ctx);
            start = k;
        }
        i = k;
    }
    count += emit_trimmed(text, start, len, emit, ctx);
    return count;
}

size_t split_sentences(const char *text, size_t len, TokenFn emit, void *ctx) {
    return split_sentences_ex(text, len, SENT_LINE_BREAKS, emit, ctx);
}
