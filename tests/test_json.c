/* test_json.c - the JSON parser: valid documents, every escape, numbers, and each rejection, with
 * the message it must give (byte offset and what was expected). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "testutil.h"
#include "util.h"

/* Parse a string that must be valid; the test fails with the parser's message otherwise. The text
 * is copied into a buffer of exactly its length, so AddressSanitizer catches any read past it. */
static JsonValue *parse_ok_n(const char *text, size_t len) {
    char err[ERR_LEN] = "";
    char *copy = xmalloc(len);
    memcpy(copy, text, len);
    JsonValue *v = json_parse(copy, len, err);
    free(copy);
    ck_assert_msg(v != NULL, "rejected valid JSON %s: %s", text, err);
    return v;
}
static JsonValue *parse_ok(const char *text) { return parse_ok_n(text, strlen(text)); }

/* Must be rejected, with a message that contains `needle`. */
static void reject_n(const char *text, size_t len, const char *needle) {
    char err[ERR_LEN] = "";
    char *copy = xmalloc(len);
    memcpy(copy, text, len);
    JsonValue *v = json_parse(copy, len, err);
    free(copy);
    if (v) json_free(v);
    ck_assert_msg(v == NULL, "accepted invalid JSON: %.*s", (int)len, text);
    ck_assert_msg(strstr(err, needle) != NULL, "for %.*s: message '%s' lacks '%s'", (int)len, text,
                  err, needle);
}
static void reject(const char *text, const char *needle) { reject_n(text, strlen(text), needle); }

START_TEST(parses_document_in_key_order) {
    JsonValue *v = parse_ok(" {\"name\": \"bert\", \"layers\": 12, \"ratio\": 0.5, \"on\": true,\n"
                            "\"off\": false, \"none\": null, \"dims\": [1, -2, 3e0],\t\"nested\": "
                            "{\"a\": {\"b\": []}}, \"empty\": {}} \r\n");
    ck_assert_int_eq(v->type, JSON_OBJECT);
    ck_assert_uint_eq(v->count, 9);
    const char *keys[] = {"name", "layers", "ratio",  "on",   "off",
                          "none", "dims",   "nested", "empty"};
    for (int i = 0; i < 9; i++) ck_assert_str_eq(v->keys[i], keys[i]);

    const char *s;
    int64_t n;
    double d;
    int b;
    ck_assert_int_eq(json_get_string(v, "name", &s), 0);
    ck_assert_str_eq(s, "bert");
    ck_assert_int_eq(json_get_int(v, "layers", &n), 0);
    ck_assert_int_eq(n, 12);
    ck_assert_int_eq(json_get_number(v, "ratio", &d), 0);
    ck_assert(d == 0.5);
    ck_assert_int_eq(json_get_bool(v, "on", &b), 0);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(json_get_bool(v, "off", &b), 0);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(json_get(v, "none")->type, JSON_NULL);

    const JsonValue *dims = json_get(v, "dims");
    ck_assert_int_eq(dims->type, JSON_ARRAY);
    ck_assert_uint_eq(dims->count, 3);
    ck_assert_ptr_null(dims->keys);
    ck_assert(dims->items[0].is_int && dims->items[0].integer == 1);
    ck_assert(dims->items[1].is_int && dims->items[1].integer == -2);
    ck_assert(!dims->items[2].is_int && dims->items[2].number == 3.0);

    const JsonValue *b_arr = json_get(json_get(json_get(v, "nested"), "a"), "b");
    ck_assert_ptr_nonnull(b_arr);
    ck_assert_int_eq(b_arr->type, JSON_ARRAY);
    ck_assert_uint_eq(b_arr->count, 0);
    ck_assert_int_eq(json_get(v, "empty")->type, JSON_OBJECT);
    ck_assert_uint_eq(json_get(v, "empty")->count, 0);
    json_free(v);

    /* scalars are documents too */
    v = parse_ok("\"x\"");
    ck_assert_int_eq(v->type, JSON_STRING);
    json_free(v);
    v = parse_ok(" null ");
    ck_assert_int_eq(v->type, JSON_NULL);
    json_free(v);
    json_free(NULL);
}
END_TEST

START_TEST(accessors_check_types) {
    JsonValue *v =
        parse_ok("{\"f\": 1.5, \"i\": 7, \"s\": \"12\", \"z\": \"a\\u0000b\", \"t\": true,"
                 " \"big\": 1e3, \"two\": 2.0}");
    int64_t n = -99;
    double d = -99;
    const char *s = NULL;
    int b = -99;
    ck_assert_int_eq(json_get_int(v, "f", &n), -1);   /* not an integer */
    ck_assert_int_eq(json_get_int(v, "big", &n), -1); /* written with an exponent */
    ck_assert_int_eq(json_get_int(v, "two", &n), -1); /* written with a fraction */
    ck_assert_int_eq(json_get_int(v, "s", &n), -1);   /* a string, even if it looks like one */
    ck_assert_int_eq(json_get_int(v, "absent", &n), -1);
    ck_assert_int_eq(n, -99);                         /* untouched on failure */
    ck_assert_int_eq(json_get_number(v, "i", &d), 0); /* an integer is a number */
    ck_assert(d == 7.0);
    ck_assert_int_eq(json_get_number(v, "s", &d), -1);
    ck_assert_int_eq(json_get_string(v, "i", &s), -1);
    ck_assert_int_eq(json_get_string(v, "z", &s), -1); /* would be cut at the NUL */
    ck_assert_ptr_null(s);
    ck_assert_int_eq(json_get_bool(v, "i", &b), -1);
    ck_assert_int_eq(json_get_bool(v, "t", &b), 0);
    ck_assert_int_eq(b, 1);
    /* an embedded NUL is kept, and len says where the string really ends */
    const JsonValue *z = json_get(v, "z");
    ck_assert_uint_eq(z->len, 3);
    ck_assert_int_eq(memcmp(z->string, "a\0b", 4), 0);
    /* look-ups on things that are not objects */
    ck_assert_ptr_null(json_get(NULL, "f"));
    ck_assert_ptr_null(json_get(json_get(v, "f"), "f"));
    json_free(v);
    v = parse_ok("[1, 2]");
    ck_assert_ptr_null(json_get(v, "0"));
    ck_assert_int_eq(json_get_int(v, "0", &n), -1);
    json_free(v);
    ck_assert_str_eq(json_type_name(JSON_OBJECT), "object");
    ck_assert_str_eq(json_type_name(JSON_NUMBER), "number");
}
END_TEST

START_TEST(decodes_every_escape) {
    JsonValue *v = parse_ok("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u00E9\\u20ac\\uFFFF"
                            "\\ud83d\\ude00\\uDBFF\\uDFFF|\"");
    const char want[] = "\"\\/\b\f\n\r\tA\xc3\xa9\xc3\xa9\xe2\x82\xac\xef\xbf\xbf"
                        "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf|";
    ck_assert_int_eq(v->type, JSON_STRING);
    ck_assert_uint_eq(v->len, sizeof want - 1);
    ck_assert_int_eq(memcmp(v->string, want, sizeof want), 0); /* NUL included */
    json_free(v);
    /* the smallest code points of each UTF-8 length, and U+0000 */
    v = parse_ok("\"\\u0000\\u007f\\u0080\\u07ff\\u0800\\ud800\\udc00\"");
    const char want2[] = "\x00\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xf0\x90\x80\x80";
    ck_assert_uint_eq(v->len, sizeof want2 - 1);
    ck_assert_int_eq(memcmp(v->string, want2, sizeof want2 - 1), 0);
    json_free(v);
    /* escapes in keys are decoded before look-up */
    v = parse_ok("{\"caf\\u00e9\": 1, \"a\\\"b\": 2}");
    int64_t n;
    ck_assert_int_eq(json_get_int(v, "caf\xc3\xa9", &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(json_get_int(v, "a\"b", &n), 0);
    ck_assert_int_eq(n, 2);
    json_free(v);
}
END_TEST

START_TEST(raw_utf8_passes_through) {
    /* 2-, 3- and 4-byte sequences, including the extremes of Table 3-7 */
    const char *text = "[\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e\", \"\xed\x9f\xbf\xee\x80\x80"
                       "\xf4\x8f\xbf\xbf\xc2\x80\"]";
    JsonValue *v = parse_ok(text);
    ck_assert_str_eq(v->items[0].string, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e");
    ck_assert_str_eq(v->items[1].string, "\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\xc2\x80");
    json_free(v);
}
END_TEST

START_TEST(parses_numbers) {
    struct {
        const char *text;
        double value;
        int is_int;
        int64_t integer;
    } cases[] = {
        {"0", 0.0, 1, 0},
        {"-0", -0.0, 1, 0},
        {"12", 12.0, 1, 12},
        {"-12", -12.0, 1, -12},
        {"1.5", 1.5, 0, 0},
        {"1e3", 1000.0, 0, 0},
        {"1E+3", 1000.0, 0, 0},
        {"2.5e-3", 2.5e-3, 0, 0},
        {"-1.25E-2", -1.25e-2, 0, 0},
        {"0.1", 0.1, 0, 0},
        {"1e-400", 0.0, 0, 0}, /* underflow to zero is fine; overflow is not */
        {"9007199254740993", 9007199254740992.0, 1, 9007199254740993LL}, /* 2^53+1: exact */
        {"9223372036854775807", 9223372036854775807.0, 1, INT64_MAX},
        {"-9223372036854775808", -9223372036854775808.0, 1, INT64_MIN},
        {"9223372036854775808", 9223372036854775808.0, 0, 0}, /* 2^63: a number, not an int64 */
        {"-9223372036854775809", -9223372036854775808.0, 0, 0},
        {"123456789012345678901234567890", 1.2345678901234568e29, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        JsonValue *v = parse_ok(cases[i].text);
        ck_assert_int_eq(v->type, JSON_NUMBER);
        ck_assert_msg(v->number == cases[i].value, "%s: got %.17g", cases[i].text, v->number);
        ck_assert_msg(v->is_int == cases[i].is_int, "%s: is_int %d", cases[i].text, v->is_int);
        if (cases[i].is_int) ck_assert_msg(v->integer == cases[i].integer, "%s", cases[i].text);
        json_free(v);
    }
    JsonValue *v = parse_ok("-0");
    ck_assert(signbit(v->number)); /* -0 keeps its sign as a double */
    json_free(v);
}
END_TEST

START_TEST(rejects_bad_numbers) {
    reject("01", "byte 0: leading zeros");
    reject("-01", "leading zeros");
    reject("+1", "byte 0: expected a value");
    reject(".5", "byte 0: expected a value");
    reject("1.", "byte 2: expected a digit after the decimal point, found end of input");
    reject("1.e3", "byte 2: expected a digit after the decimal point, found 'e'");
    reject("1e", "byte 2: expected a digit in the exponent");
    reject("1e+", "byte 3: expected a digit in the exponent");
    reject("-", "byte 1: expected a digit, found end of input");
    reject("-x", "byte 1: expected a digit, found 'x'");
    reject("0x10", "byte 1: expected end of input after the top-level value, found 'x'");
    reject("NaN", "byte 0: expected a value");
    reject("Infinity", "byte 0: expected a value");
    reject("-Infinity", "byte 1: expected a digit");
    reject("1e400", "out of the range of a double");
    reject("-1e400", "out of the range of a double");
    reject("[1 2]", "byte 3: expected ',' or ']' after an array element, found '2'");
}
END_TEST

START_TEST(rejects_bad_strings) {
    reject("\"abc", "byte 4: unterminated string (it starts at byte 0)");
    reject("\"abc\\", "unterminated string");
    reject("\"a\nb\"", "byte 2: control character 0x0a inside a string");
    reject("\"a\tb\"", "control character 0x09");
    reject_n("\"a\0b\"", 5, "byte 2: control character 0x00");
    reject("\"\x1f\"", "control character 0x1f");
    reject("\"\\x41\"", "byte 1: invalid escape '\\x'");
    reject("\"\\'\"", "invalid escape '\\''");
    reject("\"\\U0041\"", "invalid escape '\\U'");
    reject("\"\\\x01\"", "backslash followed by byte 0x01");
    reject("\"\\u12G4\"", "byte 5: expected 4 hex digits after \\u, found 'G'");
    reject("\"\\u12\"", "byte 5: expected 4 hex digits after \\u, found '\"'");
    reject("\"\\u12", "expected 4 hex digits after \\u, found end of input");
    /* lone surrogates: no character, so no valid UTF-8 either */
    reject("\"\\ud800\"", "byte 1: lone high surrogate \\uD800");
    reject("\"\\ud800x\"", "lone high surrogate");
    reject("\"\\ud800\\u0041\"", "lone high surrogate");
    reject("\"\\ud800\\ud800\"", "lone high surrogate");
    reject("\"\\udbff", "lone high surrogate");
    reject("\"\\ud800\\n\"", "lone high surrogate");
    reject("\"\\ud800\\uzzzz\"", "expected 4 hex digits");
    reject("\"ab\\udc00\"", "byte 3: lone low surrogate \\uDC00");
    reject("\"\\uDFFF\\uD800\"", "lone low surrogate");
    /* invalid UTF-8, byte by byte */
    const char *bad_utf8[] = {
        "\"\x80\"",             /* stray continuation byte */
        "\"\xbf\"",             /* stray continuation byte */
        "\"\xc0\x80\"",         /* overlong NUL */
        "\"\xc1\xbf\"",         /* overlong 2-byte */
        "\"\xe0\x80\x80\"",     /* overlong 3-byte */
        "\"\xe0\x9f\xbf\"",     /* overlong 3-byte, just below the limit */
        "\"\xf0\x80\x80\x80\"", /* overlong 4-byte */
        "\"\xf0\x8f\xbf\xbf\"", /* overlong 4-byte, just below the limit */
        "\"\xed\xa0\x80\"",     /* UTF-16 surrogate D800 written as UTF-8 */
        "\"\xed\xbf\xbf\"",     /* surrogate DFFF */
        "\"\xf4\x90\x80\x80\"", /* U+110000, past Unicode */
        "\"\xf5\x80\x80\x80\"", /* lead byte that can never appear */
        "\"\xff\"",
        "\"\xfe\"",
        "\"\xc3\"",         /* truncated 2-byte */
        "\"\xe2\x82\"",     /* truncated 3-byte */
        "\"\xf0\x9f\x98\"", /* truncated 4-byte */
        "\"\xc3\x41\"",     /* continuation replaced by ASCII */
        "\"\xe2\x28\xa1\"",
    };
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
        reject(bad_utf8[i], "byte 1: invalid UTF-8 inside a string");
    reject("\"\xc3", "invalid UTF-8"); /* truncated at the very end of the input */
    /* bytes outside strings are never valid */
    reject("\xc3\xa9", "byte 0: expected a value (object, array, string, number, true, false or "
                       "null), found byte 0xc3");
    reject("\xef\xbb\xbf{}", "byte 0: expected a value"); /* a byte order mark: RFC 8259 sec. 8.1 */
}
END_TEST

START_TEST(rejects_bad_structure) {
    reject("", "byte 0: expected a value (object, array, string, number, true, false or null), "
               "found end of input");
    reject("  \n", "byte 3: expected a value");
    reject("[1,2,]", "byte 5: expected a value (object, array, string, number, true, false or "
                     "null), found ']'");
    reject("[,1]", "byte 1: expected a value");
    reject("{\"a\":1,}", "byte 7: expected a string key after ',', found '}'");
    reject("{,}", "byte 1: expected a string key or '}', found ','");
    reject("{\"a\" 1}", "byte 5: expected ':' after an object key, found '1'");
    reject("{\"a\":1 \"b\":2}", "byte 7: expected ',' or '}' after an object member, found '\"'");
    reject("{a:1}", "byte 1: expected a string key or '}', found 'a'");
    reject("{1:1}", "expected a string key");
    reject("{'a':1}", "expected a string key or '}', found '''");
    reject("['a']", "byte 1: expected a value");
    reject("{} x", "byte 3: expected end of input after the top-level value, found 'x'");
    reject("{}{}", "byte 2: expected end of input");
    reject("1 2", "byte 2: expected end of input");
    reject_n("{}\0", 3, "byte 2: expected end of input after the top-level value, found byte 0x00");
    reject("[1] // comment", "byte 4: expected end of input");
    reject("/* c */ 1", "byte 0: expected a value");
    reject("tru", "byte 0: invalid literal");
    reject("nul", "invalid literal");
    reject("True", "byte 0: expected a value");
    reject("[truex]", "byte 5: expected ',' or ']'");
    reject("[fals]", "byte 1: invalid literal");
    reject("{\"a\":}", "byte 5: expected a value");
    reject("{\"a\":1,\"b\":2,\"a\":3}", "byte 0: duplicate key \"a\"");
    reject("[0, {\"x\": {\"k\": 1, \"k\": 1}}]", "byte 10: duplicate key \"k\"");
    reject("{\"caf\\u00e9\":1,\"caf\xc3\xa9\":2}", "duplicate key"); /* same key once decoded */
    reject("{\"a\\u0000b\":1}", "byte 1: object key contains \\u0000");

    /* every proper prefix of a valid document is rejected, and none crashes */
    const char *doc = "{\"k\": [1, -2.5e3, \"s\\u00e9\\n\", true, null, {\"x\": false}]}";
    size_t n = strlen(doc);
    char err[ERR_LEN];
    for (size_t len = 0; len < n; len++) {
        char *prefix = xmalloc(len + 1);
        memcpy(prefix, doc, len);
        JsonValue *v = json_parse(prefix, len, err);
        ck_assert_msg(v == NULL, "prefix of %zu bytes accepted", len);
        ck_assert_msg(strncmp(err, "byte ", 5) == 0, "message without offset: %s", err);
        free(prefix);
    }
    json_free(parse_ok(doc));
}
END_TEST

START_TEST(limits_nesting_depth) {
    /* JSON_MAX_DEPTH levels parse; one more is rejected with the limit named */
    char buf[2 * JSON_MAX_DEPTH + 3];
    int d = JSON_MAX_DEPTH;
    memset(buf, '[', (size_t)d);
    memset(buf + d, ']', (size_t)d);
    JsonValue *v = parse_ok_n(buf, 2 * (size_t)d);
    const JsonValue *inner = v;
    for (int i = 1; i < d; i++) inner = &inner->items[0];
    ck_assert_int_eq(inner->type, JSON_ARRAY);
    ck_assert_uint_eq(inner->count, 0);
    json_free(v);
    memset(buf, '[', (size_t)d + 1);
    memset(buf + d + 1, ']', (size_t)d + 1);
    reject_n(buf, 2 * (size_t)d + 2, "byte 128: nesting deeper than 128 levels");

    /* objects count too */
    char *deep = xmalloc(10 * 200 + 1);
    size_t k = 0;
    for (int i = 0; i < 200; i++) k += (size_t)sprintf(deep + k, "{\"a\":");
    reject_n(deep, k, "nesting deeper than 128 levels");
    free(deep);

    /* a hostile million brackets: rejected at the limit, no stack overflow */
    size_t big = 1000000;
    char *brackets = xmalloc(big);
    memset(brackets, '[', big);
    reject_n(brackets, big, "nesting deeper");
    free(brackets);
}
END_TEST

START_TEST(reads_only_len_bytes) {
    /* the text need not end in NUL: what follows len is not looked at */
    char err[ERR_LEN];
    JsonValue *v = json_parse("[1]xyz", 3, err);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(v->count, 1);
    json_free(v);
    v = json_parse("12345", 2, err);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->integer, 12);
    json_free(v);
    ck_assert_ptr_null(json_parse(NULL, 0, err));
    ck_assert_ptr_nonnull(strstr(err, "found end of input"));
}
END_TEST

START_TEST(large_documents_stay_fast) {
    /* 50,000 keys: finding duplicates must not be quadratic; one at the very end is found */
    size_t n = 50000;
    char *buf = xmalloc(n * 24 + 64);
    size_t k = 0;
    buf[k++] = '{';
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(buf + k, "%s\"key%zu\":%zu", i ? "," : "", i, i);
    size_t before_close = k;
    buf[k++] = '}';
    JsonValue *v = parse_ok_n(buf, k);
    ck_assert_uint_eq(v->count, n);
    int64_t x;
    ck_assert_int_eq(json_get_int(v, "key49999", &x), 0);
    ck_assert_int_eq(x, 49999);
    json_free(v);
    k = before_close;
    k += (size_t)sprintf(buf + k, ",\"key123\":0}");
    reject_n(buf, k, "duplicate key \"key123\"");
    free(buf);
}
END_TEST

/* json_write_string into a memory buffer, returned NUL-terminated (caller frees). */
static char *write_to_string(const char *s) {
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    ck_assert_ptr_nonnull(f);
    json_write_string(f, s);
    fclose(f);
    return out;
}

START_TEST(writes_escaped_strings) {
    char *out = write_to_string("a\"b\\c/\n\r\t\b\f\x01\x1f\x7f caf\xc3\xa9");
    /* the bytes Rust's serde_json writes: short escapes where JSON has them, else lowercase \u00XX;
     * '/', DEL and non-ASCII as they are */
    ck_assert_str_eq(out, "\"a\\\"b\\\\c/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f caf\xc3\xa9\"");
    free(out);
    out = write_to_string("");
    ck_assert_str_eq(out, "\"\"");
    free(out);

    /* every byte value 1..255 that forms valid UTF-8 round-trips through write and parse */
    char all[200];
    size_t k = 0;
    for (int c = 1; c < 128; c++) all[k++] = (char)c;
    memcpy(all + k, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    k += 9;
    all[k] = '\0';
    out = write_to_string(all);
    JsonValue *v = parse_ok(out);
    ck_assert_int_eq(v->type, JSON_STRING);
    ck_assert_uint_eq(v->len, k);
    ck_assert_str_eq(v->string, all);
    json_free(v);
    free(out);
}
END_TEST

Suite *json_suite(void) {
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, parses_document_in_key_order);
    tcase_add_test(tc, accessors_check_types);
    tcase_add_test(tc, decodes_every_escape);
    tcase_add_test(tc, raw_utf8_passes_through);
    tcase_add_test(tc, parses_numbers);
    tcase_add_test(tc, rejects_bad_numbers);
    tcase_add_test(tc, rejects_bad_strings);
    tcase_add_test(tc, rejects_bad_structure);
    tcase_add_test(tc, limits_nesting_depth);
    tcase_add_test(tc, reads_only_len_bytes);
    tcase_add_test(tc, large_documents_stay_fast);
    tcase_add_test(tc, writes_escaped_strings);
    suite_add_tcase(s, tc);
    return s;
}
