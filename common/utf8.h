/* utf8.h - UTF-8 decoding, encoding and validation, and the few Unicode classes the tokenizer and
 * the plots need (CJK ideographs, CJK punctuation, white space, terminal column width).
 *
 * What it teaches: UTF-8 is a variable-length code (1-4 bytes per code point) whose rules are
 * strict: every code point has exactly one encoding, so "overlong" forms (0xC0 0x80 for NUL), the
 * UTF-16 surrogate range U+D800-DFFF and anything above U+10FFFF are invalid, as are truncated
 * sequences and continuation bytes (0x80-0xBF) with no lead byte. Readers of outside text check all
 * of that once (utf8_validate), so the code after them may assume valid input.
 *
 * What it leaves out: normalisation (NFC/NFKC), full Unicode property tables and grapheme
 * clustering. The classes below are small hand-written range lists, enough for English and
 * Chinese text; each function says what it covers.
 */
#ifndef COMMON_UTF8_H
#define COMMON_UTF8_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/* Decode one code point from s[0..len). Returns the number of bytes it took (1-4) and stores the
 * code point in *cp, or returns -1 (cp untouched) for an invalid or truncated sequence: a stray
 * continuation byte, an overlong form, a surrogate, a value above U+10FFFF, a lead byte without
 * enough continuation bytes (or len == 0). */
int utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp into out; returns the bytes written (1-4), or 0 for a surrogate or a value above
 * U+10FFFF (nothing written). out is not NUL-terminated. */
int utf8_encode(uint32_t cp, char out[4]);

/* Check that buf[0..len) is valid UTF-8. Returns 0 if it is; otherwise -1 with the byte offset of
 * the start of the first invalid sequence in *bad_offset and its 1-based line number (count of
 * '\n' before it, plus one) in *bad_line. Either pointer may be NULL. */
int utf8_validate(const char *buf, size_t len, size_t *bad_offset, size_t *bad_line);

/* CJK ideographs: Unified Ideographs (U+4E00-9FFF), Extension A (U+3400-4DBF), planes 2 and 3
 * (Extensions B-I and the compatibility supplement: nothing but ideographs live there), the
 * compatibility ideographs U+F900-FAFF, and the two ideographic marks of running Chinese text:
 * 々 U+3005 (iteration mark) and 〇 U+3007 (ideographic zero, as in 二〇二四年). */
int utf8_is_cjk(uint32_t cp);

/* Full-width and CJK punctuation: CJK Symbols and Punctuation U+3001-303F (less 々 and 〇 above,
 * the Hangzhou numerals and kana repeat marks), the vertical, compatibility and small forms
 * U+FE10-FE19 and U+FE30-FE6F, and the punctuation and symbols of the full-width block
 * U+FF01-FF65 and U+FFE0-FFEE (its letters and digits are not punctuation). The ideographic space
 * U+3000 is white space, not punctuation. The curly quotes “” ‘’ that Chinese text also uses are
 * General Punctuation (U+2018-201D), not included here. */
int utf8_is_cjk_punct(uint32_t cp);

/* White space: ASCII space, tab, CR, LF, VT, FF, and the Unicode spaces U+0085, U+00A0 (no-break
 * space), U+1680, U+2000-200A, U+2028-2029, U+202F, U+205F, U+3000 (ideographic space), and the
 * byte-order mark U+FEFF when it turns up inside a text. */
int utf8_is_space(uint32_t cp);

/* Number of code points in s[0..len): the count of bytes that are not continuation bytes, which
 * is exact for valid UTF-8. */
size_t utf8_count(const char *s, size_t len);

/* Terminal columns a code point takes, as wcwidth() would say on a modern terminal: 2 for CJK
 * ideographs, kana, Hangul syllables, full-width forms and most emoji; 0 for combining marks,
 * variation selectors, zero-width characters and control characters; 1 otherwise. */
int utf8_width(uint32_t cp);

/* Columns of a whole (valid) string: the sum of utf8_width; invalid bytes count 1 each. Plots use
 * it to pad labels like "国王 king" to a common width. */
size_t utf8_str_width(const char *s, size_t len);

/* Print s padded with spaces to `width` terminal columns (CJK counts two), left-aligned, or
 * right-aligned when width is negative: printf's %-10s counts bytes and misaligns Chinese tables. */
void utf8_print_padded(FILE *f, const char *s, int width);

#endif
