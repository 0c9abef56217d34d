/* test_utf8.c - UTF-8 decoding against tables of valid and invalid sequences (one row per class of
 * error), exhaustive checks of every 2- and 3-byte sequence against the rules written out
 * independently, the encode/decode round trip over all code points, validation offsets and line
 * numbers, and the CJK classes and terminal widths. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "utf8.h"

typedef struct {
    const char *bytes;
    size_t len;
    uint32_t cp; /* expected code point (valid rows) */
    int n;       /* expected return value */
} DecodeCase;

START_TEST(decode_valid_table) {
    static const DecodeCase cases[] = {
        {"A", 1, 0x41, 1},
        {"\0", 1, 0x00, 1},
        {"\x7F", 1, 0x7F, 1},
        {"\xC2\x80", 2, 0x80, 2},             /* smallest 2-byte */
        {"\xDF\xBF", 2, 0x7FF, 2},            /* largest 2-byte */
        {"\xE0\xA0\x80", 3, 0x800, 3},        /* smallest 3-byte */
        {"\xED\x9F\xBF", 3, 0xD7FF, 3},       /* just below the surrogates */
        {"\xEE\x80\x80", 3, 0xE000, 3},       /* just above them */
        {"\xEF\xBF\xBF", 3, 0xFFFF, 3},
        {"\xE4\xB8\xAD", 3, 0x4E2D, 3},       /* 中 */
        {"\xEF\xBC\x8E", 3, 0xFF0E, 3},       /* ． */
        {"\xF0\x90\x80\x80", 4, 0x10000, 4},  /* smallest 4-byte */
        {"\xF0\x9F\x98\x80", 4, 0x1F600, 4},  /* 😀 */
        {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF, 4}, /* largest code point */
        {"\xE4\xB8\xADx", 4, 0x4E2D, 3},      /* stops after one code point */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cp = 0xDEADBEEF;
        int n = utf8_decode(cases[i].bytes, cases[i].len, &cp);
        ck_assert_msg(n == cases[i].n, "row %zu: returned %d, expected %d", i, n, cases[i].n);
        ck_assert_msg(cp == cases[i].cp, "row %zu: U+%04X, expected U+%04X", i, (unsigned)cp,
                      (unsigned)cases[i].cp);
    }
}
END_TEST

START_TEST(decode_invalid_table) {
    static const struct {
        const char *bytes;
        size_t len;
        const char *why;
    } cases[] = {
        {"", 0, "empty input"},
        {"\x80", 1, "stray continuation byte"},
        {"\xBF\x41", 2, "stray continuation byte"},
        {"\xC0\x80", 2, "overlong 2-byte NUL"},
        {"\xC1\xBF", 2, "overlong 2-byte U+007F"},
        {"\xE0\x80\x80", 3, "overlong 3-byte NUL"},
        {"\xE0\x9F\xBF", 3, "overlong 3-byte U+07FF"},
        {"\xF0\x80\x80\x80", 4, "overlong 4-byte NUL"},
        {"\xF0\x8F\xBF\xBF", 4, "overlong 4-byte U+FFFF"},
        {"\xED\xA0\x80", 3, "surrogate U+D800"},
        {"\xED\xBF\xBF", 3, "surrogate U+DFFF"},
        {"\xF4\x90\x80\x80", 4, "U+110000"},
        {"\xF5\x80\x80\x80", 4, "lead byte F5"},
        {"\xFF", 1, "byte FF"},
        {"\xFE", 1, "byte FE"},
        {"\xC2", 1, "truncated 2-byte"},
        {"\xE4\xB8", 2, "truncated 3-byte"},
        {"\xF0\x9F\x98", 3, "truncated 4-byte"},
        {"\xE4\xB8\xAD", 2, "len cuts a valid 3-byte sequence"},
        {"\xC2\x41", 2, "ASCII where a continuation should be"},
        {"\xE4\x41\xAD", 3, "ASCII in second place"},
        {"\xE4\xB8\x41", 3, "ASCII in third place"},
        {"\xF0\x9F\x98\xC0", 4, "lead byte in fourth place"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cp = 0x12345;
        int n = utf8_decode(cases[i].bytes, cases[i].len, &cp);
        ck_assert_msg(n == -1, "%s: accepted (returned %d)", cases[i].why, n);
        ck_assert_msg(cp == 0x12345, "%s: wrote to cp on failure", cases[i].why);
    }
}
END_TEST

/* Every 2- and 3-byte sequence, checked against the definition: the right continuation bytes,
 * and the value in the range of its length (not overlong) and not a surrogate. */
START_TEST(decode_exhaustive_two_and_three_bytes) {
    unsigned char b[3];
    for (unsigned b0 = 0xC0; b0 <= 0xDF; b0++)
        for (unsigned b1 = 0; b1 <= 0xFF; b1++) {
            b[0] = (unsigned char)b0, b[1] = (unsigned char)b1;
            uint32_t v = ((b0 & 0x1F) << 6) | (b1 & 0x3F), cp = 0;
            int ok = (b1 & 0xC0) == 0x80 && v >= 0x80;
            int n = utf8_decode((const char *)b, 2, &cp);
            ck_assert_msg(n == (ok ? 2 : -1), "%02x %02x: %d", b0, b1, n);
            if (ok) ck_assert_uint_eq(cp, v);
        }
    for (unsigned b0 = 0xE0; b0 <= 0xEF; b0++)
        for (unsigned b1 = 0; b1 <= 0xFF; b1++)
            for (unsigned b2 = 0; b2 <= 0xFF; b2++) {
                b[0] = (unsigned char)b0, b[1] = (unsigned char)b1, b[2] = (unsigned char)b2;
                uint32_t v = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F), cp = 0;
                int ok = (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && v >= 0x800 &&
                         !(v >= 0xD800 && v <= 0xDFFF);
                int n = utf8_decode((const char *)b, 3, &cp);
                if (n != (ok ? 3 : -1) || (ok && cp != v))
                    ck_abort_msg("%02x %02x %02x: returned %d (U+%04X)", b0, b1, b2, n, (unsigned)cp);
            }
}
END_TEST

START_TEST(encode_round_trip_all_code_points) {
    char buf[4];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            ck_assert_int_eq(utf8_encode(cp, buf), 0);
            continue;
        }
        int want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        int n = utf8_encode(cp, buf);
        uint32_t back = 0;
        int m = utf8_decode(buf, (size_t)n, &back);
        if (n != want || m != n || back != cp)
            ck_abort_msg("U+%04X: encoded to %d bytes (want %d), decoded %d bytes to U+%04X",
                         (unsigned)cp, n, want, m, (unsigned)back);
    }
    ck_assert_int_eq(utf8_encode(0x110000, buf), 0);
    ck_assert_int_eq(utf8_encode(0xFFFFFFFF, buf), 0);
    /* the exact bytes of two known characters */
    ck_assert_int_eq(utf8_encode(0x4E2D, buf), 3);
    ck_assert_mem_eq(buf, "\xE4\xB8\xAD", 3);
    ck_assert_int_eq(utf8_encode(0x1F600, buf), 4);
    ck_assert_mem_eq(buf, "\xF0\x9F\x98\x80", 4);
}
END_TEST

START_TEST(validate_reports_offset_and_line) {
    static const struct {
        const char *text;
        size_t len, offset, line;
    } cases[] = {
        {"abc\x80", 4, 3, 1},                                     /* stray continuation */
        {"ab\ncd\nef\xC0\x80", 10, 8, 3},                         /* overlong */
        {"\xE4\xB8\xAD\xE6\x96\x87\n\xED\xA0\x80", 10, 7, 2},     /* 中文\n + surrogate */
        {"hello\n\xE4\xB8", 8, 6, 2},                             /* truncated at the end */
        {"line1\nline2\nline3 \xF4\x90\x80\x80 x", 24, 18, 3},   /* above U+10FFFF */
        {"\xE4\xB8\xAD\xE4\x41\xAD", 6, 3, 1},                    /* bad second byte: its lead */
        {"\n\n\n\n\n\n\n\n\n\xFF", 10, 9, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t off = 0, line = 0;
        ck_assert_int_eq(utf8_validate(cases[i].text, cases[i].len, &off, &line), -1);
        ck_assert_msg(off == cases[i].offset && line == cases[i].line,
                      "row %zu: offset %zu line %zu, expected %zu line %zu", i, off, line,
                      cases[i].offset, cases[i].line);
    }
    /* A long ASCII stretch goes through the 8-bytes-at-a-time path; the error after it must
     * still be found at its exact byte, at every alignment. */
    char buf[1100];
    for (size_t at = 990; at < 1010; at++) {
        memset(buf, 'a', sizeof buf);
        buf[500] = '\n';
        buf[at] = (char)0xC0;
        size_t off = 0, line = 0;
        ck_assert_int_eq(utf8_validate(buf, sizeof buf, &off, &line), -1);
        ck_assert_uint_eq(off, at);
        ck_assert_uint_eq(line, 2);
    }
    /* valid text, and NULL out-pointers */
    const char *ok = "Hello, 世界! 😀 \xC2\xA0\n";
    size_t off = 77, line = 77;
    ck_assert_int_eq(utf8_validate(ok, strlen(ok), &off, &line), 0);
    ck_assert_uint_eq(off, 77); /* untouched on success */
    ck_assert_int_eq(utf8_validate(ok, strlen(ok), NULL, NULL), 0);
    ck_assert_int_eq(utf8_validate("a\x80", 2, NULL, NULL), -1);
    ck_assert_int_eq(utf8_validate("", 0, NULL, NULL), 0);
}
END_TEST

START_TEST(cjk_and_punctuation_classes) {
    static const uint32_t cjk[] = {0x4E00, 0x4E2D, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A700,
                                   0x2B740, 0x2B820, 0x2CEB0, 0x30000, 0xF900, 0xFAFF, 0x2F800,
                                   0x3005, 0x3007};
    static const uint32_t not_cjk[] = {'A', '1', 0x3002, 0xFF0C, 0x3000, 0x3041, 0x30A2, 0xAC00,
                                       0x1F600, 0x4DC0, 0x2E80, 0xFF21, 0x201C, 0xE9};
    for (size_t i = 0; i < sizeof cjk / sizeof cjk[0]; i++)
        ck_assert_msg(utf8_is_cjk(cjk[i]), "U+%04X should be CJK", (unsigned)cjk[i]);
    for (size_t i = 0; i < sizeof not_cjk / sizeof not_cjk[0]; i++)
        ck_assert_msg(!utf8_is_cjk(not_cjk[i]), "U+%04X should not be CJK", (unsigned)not_cjk[i]);

    /* 。、，．？！：；《》「」～￥ and the vertical/small forms */
    static const uint32_t punct[] = {0x3002, 0x3001, 0xFF0C, 0xFF0E, 0xFF1F, 0xFF01, 0xFF1A,
                                     0xFF1B, 0x300A, 0x300B, 0x300C, 0x300D, 0xFF5E, 0xFFE5,
                                     0xFE10, 0xFE50, 0xFF08, 0xFF09, 0xFF61};
    /* ideographic space, 々 〇, full-width A and 0, an ideograph, ASCII and curly quotes */
    static const uint32_t not_punct[] = {0x3000, 0x3005, 0x3007, 0xFF21, 0xFF10, 0xFF41, 0x4E2D,
                                         ',', '.', 0x201C, 0x201D, 0x3042, 0xFF76};
    for (size_t i = 0; i < sizeof punct / sizeof punct[0]; i++)
        ck_assert_msg(utf8_is_cjk_punct(punct[i]), "U+%04X should be CJK punctuation",
                      (unsigned)punct[i]);
    for (size_t i = 0; i < sizeof not_punct / sizeof not_punct[0]; i++)
        ck_assert_msg(!utf8_is_cjk_punct(not_punct[i]), "U+%04X should not be CJK punctuation",
                      (unsigned)not_punct[i]);

    static const uint32_t space[] = {' ', '\t', '\n', '\r', 0x0B, 0x0C, 0xA0, 0x3000, 0x2003,
                                     0x202F, 0x2028, 0xFEFF};
    static const uint32_t not_space[] = {'a', 0, 0x200D, 0x4E00, 0xFF0C, 0x1F600};
    for (size_t i = 0; i < sizeof space / sizeof space[0]; i++)
        ck_assert_msg(utf8_is_space(space[i]), "U+%04X should be space", (unsigned)space[i]);
    for (size_t i = 0; i < sizeof not_space / sizeof not_space[0]; i++)
        ck_assert_msg(!utf8_is_space(not_space[i]), "U+%04X should not be space",
                      (unsigned)not_space[i]);
}
END_TEST

START_TEST(widths_and_counts) {
    static const struct {
        uint32_t cp;
        int w;
    } cases[] = {
        {'a', 1},     {' ', 1},     {0xE9, 1},    {0x3B1, 1},   {0x416, 1},   /* a é α Ж */
        {0, 0},       {'\n', 0},    {0x7F, 0},    {0x85, 0},                  /* controls */
        {0x0301, 0},  {0xFE0F, 0},  {0x200B, 0},  {0x200D, 0},  {0xE0100, 0}, /* marks */
        {0x4E2D, 2},  {0x3400, 2},  {0x20000, 2}, {0xF900, 2},                /* ideographs */
        {0xFF0C, 2},  {0x3002, 2},  {0x3000, 2},  {0xFF21, 2},                /* full-width */
        {0x3042, 2},  {0x30A2, 2},  {0xAC00, 2},                              /* kana, Hangul */
        {0x1F600, 2}, {0x1F44D, 2}, {0x1F680, 2}, {0x2705, 2},  {0x1F9E0, 2}, /* emoji */
        {0xFF61, 1},  {0xFF76, 1},  {0x2026, 1},  {0x201C, 1},  {0x303F, 1},  /* half-width */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(utf8_width(cases[i].cp) == cases[i].w, "U+%04X: width %d, expected %d",
                      (unsigned)cases[i].cp, utf8_width(cases[i].cp), cases[i].w);
    const char *label = "\xE5\x9B\xBD\xE7\x8E\x8B king"; /* 国王 king */
    ck_assert_uint_eq(utf8_str_width(label, strlen(label)), 9);
    ck_assert_uint_eq(utf8_str_width("cafe\xCC\x81", 6), 4); /* e + combining acute */
    ck_assert_uint_eq(utf8_str_width("a\xFF" "b", 3), 3);     /* invalid byte counts 1 */

    const char *s = "a\xE4\xB8\xAD\xF0\x9F\x98\x80\xC3\xA9"; /* a 中 😀 é */
    ck_assert_uint_eq(utf8_count(s, strlen(s)), 4);
    ck_assert_uint_eq(utf8_count("", 0), 0);
    ck_assert_uint_eq(utf8_count(s, 1), 1);
}
END_TEST

Suite *utf8_suite(void) {
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, decode_valid_table);
    tcase_add_test(tc, decode_invalid_table);
    tcase_add_test(tc, decode_exhaustive_two_and_three_bytes);
    tcase_add_test(tc, encode_round_trip_all_code_points);
    tcase_add_test(tc, validate_reports_offset_and_line);
    tcase_add_test(tc, cjk_and_punctuation_classes);
    tcase_add_test(tc, widths_and_counts);
    suite_add_tcase(s, tc);
    return s;
}
