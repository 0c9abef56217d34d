/* test_safetensors.c - checkpoints: bit-exact round trips, the exact bytes of small files (the same
 * bytes the reference Rust writer produces), atomic writes, conversions from F16/BF16/F64, and
 * every rejection of a bad file, built byte by byte here, with the message it must give. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rng.h"
#include "safetensors.h"
#include "testutil.h"
#include "util.h"

/* ---- helpers -------------------------------------------------------------------------------- */

/* A file: the 8-byte length of `header` (unpadded), the header, then data_len data bytes (a byte
 * pattern, or `data` when given). Caller frees. */
static unsigned char *make_file(const char *header, const unsigned char *data, size_t data_len,
                                size_t *len) {
    size_t n = strlen(header);
    *len = 8 + n + data_len;
    unsigned char *buf = xmalloc(*len);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, header, n);
    for (size_t i = 0; i < data_len; i++)
        buf[8 + n + i] = data ? data[i] : (unsigned char)(i * 37 + 1);
    return buf;
}

/* st_parse on an exact-size copy (so AddressSanitizer sees any over-read); 0 or -1. */
static int parse_copy(const unsigned char *buf, size_t len, SafeTensors *st, char *err) {
    unsigned char *copy = xmalloc(len);
    if (len) memcpy(copy, buf, len);
    int rc = st_parse(copy, len, st, err);
    /* the entries never point into the buffer, except data: re-point it before freeing the copy */
    if (rc == 0) st->data = buf + (st->data - copy);
    free(copy);
    return rc;
}

static void expect_reject_bytes(const unsigned char *buf, size_t len, const char *needle) {
    char err[ERR_LEN] = "";
    SafeTensors st;
    int rc = parse_copy(buf, len, &st, err);
    if (rc == 0) st_free(&st);
    ck_assert_msg(rc == -1, "accepted a bad file (%zu bytes): %.*s", len,
                  (int)(len > 8 ? len - 8 : 0), (const char *)buf + 8);
    ck_assert_msg(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
    /* a rejected parse leaves nothing behind */
    ck_assert_ptr_null(st.entries);
    ck_assert_ptr_null(st.data);
    ck_assert_int_eq(st.n, 0);
    ck_assert_int_eq(st.nmeta, 0);
}

static void expect_reject(const char *header, size_t data_len, const char *needle) {
    size_t len;
    unsigned char *buf = make_file(header, NULL, data_len, &len);
    expect_reject_bytes(buf, len, needle);
    free(buf);
}

static void expect_accept(const char *header, size_t data_len) {
    size_t len;
    unsigned char *buf = make_file(header, NULL, data_len, &len);
    char err[ERR_LEN] = "";
    SafeTensors st;
    ck_assert_msg(parse_copy(buf, len, &st, err) == 0, "rejected %s: %s", header, err);
    st_free(&st);
    free(buf);
}

static unsigned char *slurp(const char *path, size_t *len) {
    char err[ERR_LEN];
    char *s = read_file(path, len, err);
    ck_assert_msg(s != NULL, "%s", err);
    return (unsigned char *)s;
}

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static float float_of(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- writing and reading back --------------------------------------------------------------- */

START_TEST(round_trip_is_bit_exact) {
    char err[ERR_LEN];
    float embed[5 * 7], cube[2 * 3 * 4], scalar = 3.25f;
    fill_uniform(embed, 35, -1.0f, 1.0f, 11);
    fill_uniform(cube, 24, -100.0f, 100.0f, 12);
    /* values a text format or a careless conversion would not keep */
    float special[9] = {-0.0f,
                        INFINITY,
                        -INFINITY,
                        float_of(0x7fc00001u) /* NaN with a payload */,
                        float_of(0x00000001u) /* smallest subnormal */,
                        3.4028235e38f,
                        1.17549435e-38f,
                        0.1f,
                        -1e-45f};
    int64_t s_embed[] = {5, 7}, s_cube[] = {2, 3, 4}, s_special[] = {9}, s_empty[] = {0},
            s_empty2[] = {2, 0, 3};
    StTensorRef t[] = {
        {"embed.weight", embed, 2, s_embed}, {"scalar", &scalar, 0, NULL},
        {"special", special, 1, s_special},  {"cube", cube, 3, s_cube},
        {"empty", NULL, 1, s_empty},         {"empty2", NULL, 3, s_empty2},
    };
    int n = (int)(sizeof t / sizeof t[0]);
    const char *meta[] = {
        "format",  "nlpc",
        "version", "1",
        "note",    "quote \" backslash \\ newline \n tab \t caf\xc3\xa9 \xf0\x9f\x98\x80 \x01"};
    char *path = temp_path(".safetensors");
    ck_assert_msg(st_save(path, t, n, meta, 3, err) == 0, "%s", err);

    SafeTensors st;
    ck_assert_msg(st_load(path, &st, err) == 0, "%s", err);
    ck_assert_int_eq(st.n, n);
    ck_assert_ptr_nonnull(st.buf);
    /* the header is padded so the data region starts 8-byte aligned in the file */
    ck_assert_uint_eq((size_t)(st.data - st.buf) % 8, 0);
    for (int i = 0; i < n; i++) {
        const StEntry *e = &st.entries[i];
        ck_assert_str_eq(e->name, t[i].name); /* header order is the order given */
        ck_assert_str_eq(e->dtype, "F32");
        ck_assert_int_eq(e->ndim, t[i].ndim);
        int64_t numel = 1;
        for (int d = 0; d < e->ndim; d++) {
            ck_assert_int_eq(e->shape[d], t[i].shape[d]);
            numel *= t[i].shape[d];
        }
        ck_assert_int_eq(st_numel(e), numel);
        ck_assert_ptr_eq(st_find(&st, t[i].name), e);
        float back[64];
        memset(back, 0xAB, sizeof back);
        ck_assert_msg(st_read_f32(&st, t[i].name, back, t[i].ndim, t[i].shape, err) == 0, "%s",
                      err);
        if (numel > 0) ck_assert_int_eq(memcmp(back, t[i].data, (size_t)numel * 4), 0);
        ck_assert_uint_eq(bits_of(back[numel]), 0xABABABABu); /* wrote exactly numel floats */
    }
    /* data is laid out in the given order, tightly */
    ck_assert_uint_eq(st.entries[0].begin, 0);
    ck_assert_uint_eq(st.entries[1].begin, 35 * 4);
    ck_assert_uint_eq(st.entries[2].begin, 36 * 4);
    ck_assert_uint_eq(st.data_len, (35 + 1 + 9 + 24) * 4);
    ck_assert_int_eq(st.nmeta, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(st.meta_keys[i], meta[2 * i]);
        ck_assert_str_eq(st_meta(&st, meta[2 * i]), meta[2 * i + 1]);
    }
    ck_assert_ptr_null(st_meta(&st, "absent"));
    ck_assert_ptr_null(st_find(&st, "absent"));
    st_free(&st);
    st_free(&st); /* harmless twice: st_free empties the struct */
    remove(path);
    free(path);
}
END_TEST

/* Compare the file at path with the expected bytes, and check the expected bytes parse. */
static void check_file_bytes(const char *path, const char *expected, size_t expected_len) {
    size_t len;
    unsigned char *got = slurp(path, &len);
    ck_assert_uint_eq(len, expected_len);
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(got[i] == (unsigned char)expected[i],
                      "byte %zu: 0x%02x written, 0x%02x expected", i, got[i],
                      (unsigned char)expected[i]);
    free(got);
}

START_TEST(writes_the_exact_bytes_of_the_reference) {
    char err[ERR_LEN];
    char *path = temp_path(".safetensors");

    /* The file of the Rust crate's test_serialization_forced_alignement: one F32 tensor "attn0" of
     * shape [1,1,2,3] holding 0..5. The 65-byte header is padded with 7 spaces to 72 (0x48). */
    float v[6] = {0, 1, 2, 3, 4, 5};
    int64_t shape[] = {1, 1, 2, 3};
    StTensorRef attn = {"attn0", v, 4, shape};
    ck_assert_msg(st_save(path, &attn, 1, NULL, 0, err) == 0, "%s", err);
    static const char attn_bytes[] =
        "\x48\0\0\0\0\0\0\0"
        "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       "
        "\x00\x00\x00\x00"
        "\x00\x00\x80\x3f"
        "\x00\x00\x00\x40"
        "\x00\x00\x40\x40"
        "\x00\x00\x80\x40"
        "\x00\x00\xa0\x40";
    check_file_bytes(path, attn_bytes, sizeof attn_bytes - 1);

    /* test_empty of the same crate: no tensors, without and with metadata */
    ck_assert_msg(st_save(path, NULL, 0, NULL, 0, err) == 0, "%s", err);
    check_file_bytes(path, "\x08\0\0\0\0\0\0\0{}      ", 16);
    const char *meta[] = {"framework", "pt"};
    ck_assert_msg(st_save(path, NULL, 0, meta, 1, err) == 0, "%s", err);
    static const char empty_meta[] =
        "\x28\0\0\0\0\0\0\0{\"__metadata__\":{\"framework\":\"pt\"}}     ";
    check_file_bytes(path, empty_meta, sizeof empty_meta - 1);

    /* metadata first, then tensors with running offsets; a scalar's shape is []. 138 bytes of
     * JSON, padded to 144 (0x90). Data: 1.0f, then -2.0f and 0.5f, little-endian. */
    float s = 1.0f, vec[2] = {-2.0f, 0.5f};
    int64_t two[] = {2};
    StTensorRef t[] = {{"s", &s, 0, NULL}, {"v", vec, 1, two}};
    const char *fmt[] = {"format", "pt"};
    ck_assert_msg(st_save(path, t, 2, fmt, 1, err) == 0, "%s", err);
    static const char mixed[] =
        "\x90\0\0\0\0\0\0\0"
        "{\"__metadata__\":{\"format\":\"pt\"},\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_"
        "offsets\":"
        "[0,4]},\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}      "
        "\x00\x00\x80\x3f"
        "\x00\x00\x00\xc0"
        "\x00\x00\x00\x3f";
    check_file_bytes(path, mixed, sizeof mixed - 1);

    /* and the reader takes the reference's bytes as they are */
    SafeTensors st;
    ck_assert_msg(parse_copy((const unsigned char *)attn_bytes, sizeof attn_bytes - 1, &st, err) ==
                      0,
                  "%s", err);
    float back[6];
    ck_assert_msg(st_read_f32(&st, "attn0", back, 4, shape, err) == 0, "%s", err);
    for (int i = 0; i < 6; i++) ck_assert(back[i] == (float)i);
    ck_assert_ptr_null(st.buf); /* st_parse borrows the buffer, and owns nothing of it */
    st_free(&st);
    ck_assert_int_eq(parse_copy((const unsigned char *)empty_meta, sizeof empty_meta - 1, &st, err),
                     0);
    ck_assert_int_eq(st.n, 0);
    ck_assert_str_eq(st_meta(&st, "framework"), "pt");
    st_free(&st);
    remove(path);
    free(path);
}
END_TEST

START_TEST(save_is_atomic) {
    char err[ERR_LEN];
    char *path = temp_path(".safetensors");
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    float a[3] = {1, 2, 3};
    int64_t three[] = {3};
    StTensorRef t[] = {{"a", a, 1, three}, {"a", a, 1, three}};
    ck_assert_msg(st_save(path, t, 1, NULL, 0, err) == 0, "%s", err);
    ck_assert_int_eq(access(path, F_OK), 0);
    ck_assert_int_ne(access(tmp, F_OK), 0); /* the temporary was renamed away */
    size_t len1, len2;
    unsigned char *before = slurp(path, &len1);

    /* a failed save leaves the old file exactly as it was, and no temporary */
    ck_assert_int_eq(st_save(path, t, 2, NULL, 0, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "two tensors are called 'a'"));
    unsigned char *after = slurp(path, &len2);
    ck_assert_uint_eq(len1, len2);
    ck_assert_int_eq(memcmp(before, after, len1), 0);
    ck_assert_int_ne(access(tmp, F_OK), 0);
    free(before), free(after);

    /* other refusals, each with its reason */
    StTensorRef bad = {"__metadata__", a, 1, three};
    ck_assert_int_eq(st_save(path, &bad, 1, NULL, 0, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "may not be called \"__metadata__\""));
    int64_t neg[] = {-3};
    bad = (StTensorRef){"x", a, 1, neg};
    ck_assert_int_eq(st_save(path, &bad, 1, NULL, 0, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "negative dimension -3"));
    bad = (StTensorRef){"bad\xff utf8", a, 1, three};
    ck_assert_int_eq(st_save(path, &bad, 1, NULL, 0, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "valid UTF-8"));
    const char *dup_meta[] = {"k", "1", "k", "2"};
    ck_assert_int_eq(st_save(path, t, 1, dup_meta, 2, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "metadata key 'k' appears twice"));
    ck_assert_int_ne(access(tmp, F_OK), 0);
    ck_assert_int_eq(st_save("/nonexistent-dir/x.safetensors", t, 1, NULL, 0, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.safetensors"));
    remove(path);
    free(path);
}
END_TEST

/* ---- hostile files -------------------------------------------------------------------------- */

/* A small valid file, in memory (caller frees). */
static unsigned char *small_file(size_t *len) {
    char err[ERR_LEN];
    float w[6], b = -0.5f;
    fill_uniform(w, 6, -1, 1, 3);
    int64_t s[] = {2, 3};
    StTensorRef t[] = {{"w", w, 2, s}, {"b", &b, 0, NULL}};
    const char *meta[] = {"format", "pt"};
    char *path = temp_path(".safetensors");
    ck_assert_msg(st_save(path, t, 2, meta, 1, err) == 0, "%s", err);
    unsigned char *buf = slurp(path, len);
    remove(path);
    free(path);
    return buf;
}

START_TEST(every_truncation_is_rejected) {
    size_t len;
    unsigned char *file = small_file(&len);
    char err[ERR_LEN];
    SafeTensors st;
    ck_assert_int_eq(parse_copy(file, len, &st, err), 0);
    st_free(&st);
    for (size_t cut = 0; cut < len; cut++) {
        int rc = parse_copy(file, cut, &st, err);
        if (rc == 0) st_free(&st);
        ck_assert_msg(rc == -1, "a file cut to %zu of %zu bytes was accepted", cut, len);
        ck_assert_msg(err[0] != '\0', "no message for a cut at %zu", cut);
    }
    /* and one byte too many */
    unsigned char *longer = xmalloc(len + 1);
    memcpy(longer, file, len);
    longer[len] = 0;
    expect_reject_bytes(longer, len + 1, "trailing bytes are not allowed");
    free(longer);
    free(file);
}
END_TEST

/* Whatever st_parse accepts must be self-consistent: every tensor inside the data region. */
static void check_consistent(const SafeTensors *st) {
    for (int i = 0; i < st->n; i++) {
        const StEntry *e = &st->entries[i];
        ck_assert(e->begin <= e->end && e->end <= st->data_len);
        ck_assert_uint_eq(e->end - e->begin, (size_t)st_numel(e) * st_dtype_size(e->dtype));
    }
}

START_TEST(corrupted_bytes_never_crash) {
    size_t len;
    unsigned char *file = small_file(&len);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | file[i];
    char err[ERR_LEN];
    SafeTensors st;
    /* every single-byte corruption of the length field and the header */
    const unsigned char masks[] = {0x01, 0x02, 0x08, 0x20, 0x40, 0x80, 0xff};
    int rejected = 0, tried = 0;
    for (size_t pos = 0; pos < 8 + hlen; pos++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            file[pos] ^= masks[m];
            if (parse_copy(file, len, &st, err) == 0) {
                check_consistent(&st);
                st_free(&st);
            } else {
                rejected++;
            }
            tried++;
            file[pos] ^= masks[m];
        }
    }
    /* most corruptions break the structure; some only rename a tensor or pad differently */
    ck_assert_msg(rejected > tried / 2, "only %d of %d corruptions rejected", rejected, tried);
    /* data bytes are not checked (any bit pattern is a float) */
    file[len - 1] ^= 0xff;
    ck_assert_int_eq(parse_copy(file, len, &st, err), 0);
    st_free(&st);
    file[len - 1] ^= 0xff;

    /* seeded bursts of random bytes anywhere in the file */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    unsigned char *copy = xmalloc(len);
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(copy, file, len);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int nbytes = 1 + (int)(x % 4);
        for (int k = 0; k < nbytes; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            copy[(x >> 8) % len] = (unsigned char)x;
        }
        if (parse_copy(copy, len, &st, err) == 0) {
            check_consistent(&st);
            st_free(&st);
        }
    }
    free(copy);
    free(file);
}
END_TEST

START_TEST(rejects_bad_lengths) {
    /* shorter than the length field */
    unsigned char zeros[8] = {0};
    for (size_t len = 0; len < 8; len++) {
        char needle[64];
        snprintf(needle, sizeof needle, "file is %zu bytes long, too short", len);
        expect_reject_bytes(zeros, len, needle);
    }
    /* header length beyond the file, and absurd ones */
    unsigned char buf[32] = {0};
    buf[0] = 100;
    memcpy(buf + 8, "{}", 2);
    expect_reject_bytes(buf, 10, "header length 100 runs past the end of the file (2 bytes follow");
    memset(buf, 0, 8);
    buf[7] = 0x80; /* 2^63 */
    expect_reject_bytes(buf, 32, "header length 9223372036854775808 is absurd");
    memset(buf, 0xff, 8);
    expect_reject_bytes(buf, 32, "header length 18446744073709551615 is absurd");
    uint64_t just_over = 100000001; /* the reference's limit, plus one */
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(just_over >> (8 * i));
    expect_reject_bytes(buf, 32, "is absurd (over 100000000 bytes)");
    /* header length 0: nothing to parse */
    memset(buf, 0, 8);
    expect_reject_bytes(buf, 8, "header does not start with '{'");
}
END_TEST

START_TEST(rejects_bad_headers) {
    /* not JSON, not an object */
    expect_reject("{\"a\":", 0, "not valid JSON: byte 5: expected a value");
    expect_reject("{hello}", 0, "not valid JSON: byte 1: expected a string key or '}'");
    expect_reject("hello", 0, "header does not start with '{'");
    expect_reject("[]", 0, "header does not start with '{'");
    expect_reject(" {}", 0, "header does not start with '{'");
    expect_reject("{\"b\xff\":{}}", 0, "invalid UTF-8");
    {
        /* padding must be spaces (JSON whitespace), not NUL bytes */
        size_t len;
        unsigned char *b = make_file("{}xxxxxx", NULL, 0, &len);
        memset(b + 10, 0, 6);
        expect_reject_bytes(
            b, len, "byte 2: expected end of input after the top-level value, found byte 0x00");
        free(b);
    }
    char deep[400] = "{\"a\":";
    for (int i = 0; i < 150; i++) strcat(deep, "[");
    expect_reject(deep, 0, "nesting deeper than 128 levels");

    /* entries */
    expect_reject("{\"a\":[1]}", 0, "tensor 'a': entry is a JSON array, not an object");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
                  "tensor 'a': entry lacks \"data_offsets\"");
    expect_reject("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "lacks \"dtype\"");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "lacks \"shape\"");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
                  "tensor 'a': unexpected field 'x'");
    expect_reject("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                  "tensor 'a': unknown dtype 'F33'");
    expect_reject("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                  "unknown dtype 'f32'");
    expect_reject("{\"a\":{\"dtype\":\"F4\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
                  "unknown dtype 'F4'");
    expect_reject("{\"a\":{\"dtype\":\"F32\\u0000\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                  "unknown dtype");
    expect_reject("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                  "tensor 'a': dtype is a JSON number, not a string");
    /* shapes */
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
                  "tensor 'a': shape entry 0 is not a non-negative integer");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,2.0],\"data_offsets\":[0,8]}}", 8,
                  "shape entry 1 is not a non-negative integer");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8,
                  "shape entry 0 is not");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":{},\"data_offsets\":[0,4]}}", 4,
                  "shape is a JSON object, not an array");
    expect_reject(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
        "shape has 9 dimensions, more than the 8 supported");
    expect_reject(
        "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0,
        "tensor 'a': shape overflows: the element count is too large");
    expect_reject("{\"a\":{\"dtype\":\"U8\",\"shape\":[4611686018427387904,4611686018427387904,0],"
                  "\"data_offsets\":[0,0]}}",
                  0, "the element count is too large");
    expect_reject(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}", 0,
        "shape overflows: the byte size is too large");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
                  "tensor 'a': shape [2] of F32 needs 8 bytes, but data_offsets [0, 4] hold 4");
    expect_reject("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24,
                  "shape [2,3] of BF16 needs 12 bytes, but data_offsets [0, 24] hold 24");
    /* offsets */
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8,
                  "tensor 'a': data_offsets [8, 4] begin after they end");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
                  "tensor 'a': data_offsets [0, 8] run past the end of the data region (4 bytes)");
    expect_reject("{\"a\":{\"dtype\":\"U8\",\"shape\":[9223372036854775807],"
                  "\"data_offsets\":[0,9223372036854775807]}}",
                  4, "run past the end of the data region");
    expect_reject(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551616]}}", 4,
        "data_offsets must be non-negative integers");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
                  "data_offsets must be non-negative integers");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
                  "data_offsets must be an array [begin, end]");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4,
                  "data_offsets must be an array");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0-4\"}}", 4,
                  "data_offsets must be an array");
    /* how the tensors cover the data region */
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                  12, "tensors 'a' and 'b' overlap: bytes [0, 8) and [4, 12)");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                  8, "overlap: bytes [0, 8) and [0, 8)"); /* two names for the same bytes */
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                  12, "gap in the data region: bytes [4, 8) before tensor 'b' belong to no tensor");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
                  "gap in the data region: bytes [0, 4)");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
                  "the data region has 8 bytes but the tensors cover only the first 4");
    expect_reject("{}", 1, "the data region has 1 bytes but the tensors cover only the first 0");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                  "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                  8, "duplicate key \"a\"");
    /* metadata */
    expect_reject(
        "{\"__metadata__\":{\"k\":1}}", 0,
        "\"__metadata__\" value of 'k' is a JSON number; safetensors allows only strings");
    expect_reject("{\"__metadata__\":{\"k\":\"v\",\"n\":null}}", 0, "value of 'n' is a JSON null");
    expect_reject("{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}", 0, "value of 'k' is a JSON object");
    expect_reject("{\"__metadata__\":[\"k\"]}", 0, "\"__metadata__\" is a JSON array");
    expect_reject("{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", 0, "contains \\u0000");
    expect_reject("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "duplicate key \"k\"");
}
END_TEST

START_TEST(accepts_valid_variations) {
    /* spaces, tabs and newlines after the header; a header without metadata; tensors listed out
     * of offset order; zero-size tensors on boundaries; a scalar; non-float dtypes */
    expect_accept("{}\t\n ", 0);
    expect_accept("{\"__metadata__\":{}}", 0);
    expect_accept("{\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[4,12]},"
                  "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                  "\"z\":{\"dtype\":\"F16\",\"shape\":[0,5],\"data_offsets\":[4,4]},"
                  "\"y\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[12,12]},"
                  "\"x\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[12,15]}}",
                  15);
    expect_accept("{\"\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
}
END_TEST

/* ---- conversions ---------------------------------------------------------------------------- */

START_TEST(converts_f16_bf16_f64) {
    char err[ERR_LEN];
    /* half floats with their exact float32 values */
    static const uint16_t f16[] = {0x0000, 0x8000, 0x3C00, 0xC000, 0x3800, 0x3555, 0x4248,
                                   0x7BFF, 0x0400, 0x03FF, 0x0001, 0x7C00, 0xFC00, 0x7E01};
    static const uint32_t f16_want[] = {0x00000000u,
                                        0x80000000u,
                                        0x3F800000u /* 1 */,
                                        0xC0000000u /* -2 */,
                                        0x3F000000u /* 0.5 */,
                                        0x3EAAA000u /* 0.333251953125 */,
                                        0x40490000u /* 3.140625 */,
                                        0x477FE000u /* 65504 */,
                                        0x38800000u /* 2^-14, smallest normal */,
                                        0x387FC000u /* 1023 * 2^-24, largest subnormal */,
                                        0x33800000u /* 2^-24, smallest subnormal */,
                                        0x7F800000u /* inf */,
                                        0xFF800000u /* -inf */,
                                        0x7FC02000u /* NaN, payload kept */};
    static const uint16_t bf16[] = {0x3F80, 0xC0A0, 0x4049, 0x7F80, 0xFF80,
                                    0x0001, 0x7F7F, 0x8000, 0x7FC1};
    static const double f64[] = {
        0.1, 3.5, -1e300, 1e300, 1e-50, 16777217.0, 1.0 + 0x1p-24, 1.0 + 3 * 0x1p-25, -0.0};
    static const uint32_t f64_want[] = {0x3DCCCCCDu /* 0.1f */,
                                        0x40600000u,
                                        0xFF800000u /* -inf */,
                                        0x7F800000u,
                                        0x00000000u,
                                        0x4B800000u /* 16777216: ties to even */,
                                        0x3F800000u /* tie: to even, 1 */,
                                        0x3F800001u /* above the tie: up */,
                                        0x80000000u};
    const int nf16 = 14, nbf16 = 9, nf64 = 9;
    /* one file, byte by byte: F16, BF16, F64, F32, I32. The F64 at offset 46 and the F32 at 118
     * are not aligned to their element size: the reader must not care. */
    unsigned char data[28 + 18 + 72 + 4 + 4];
    size_t k = 0;
    for (int i = 0; i < nf16; i++)
        data[k++] = (unsigned char)f16[i], data[k++] = (unsigned char)(f16[i] >> 8);
    for (int i = 0; i < nbf16; i++)
        data[k++] = (unsigned char)bf16[i], data[k++] = (unsigned char)(bf16[i] >> 8);
    for (int i = 0; i < nf64; i++) {
        uint64_t u;
        memcpy(&u, &f64[i], 8);
        for (int b = 0; b < 8; b++) data[k++] = (unsigned char)(u >> (8 * b));
    }
    memcpy(data + k, "\x00\x00\x20\xc1", 4); /* -10.0f */
    k += 4;
    memcpy(data + k, "\x07\x00\x00\x00", 4);
    k += 4;
    ck_assert_uint_eq(k, sizeof data);
    const char *header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[14],\"data_offsets\":[0,28]},"
                         "\"b\":{\"dtype\":\"BF16\",\"shape\":[9],\"data_offsets\":[28,46]},"
                         "\"d\":{\"dtype\":\"F64\",\"shape\":[9],\"data_offsets\":[46,118]},"
                         "\"f\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[118,122]},"
                         "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[122,126]}}";
    size_t len;
    unsigned char *file = make_file(header, data, sizeof data, &len);
    SafeTensors st;
    ck_assert_msg(st_parse(file, len, &st, err) == 0, "%s", err);

    float out[16];
    int64_t s14[] = {14}, s9[] = {9}, s1[] = {1};
    ck_assert_msg(st_read_f32(&st, "h", out, 1, s14, err) == 0, "%s", err);
    for (int i = 0; i < nf16; i++)
        ck_assert_msg(bits_of(out[i]) == f16_want[i], "F16 0x%04x: 0x%08x, want 0x%08x", f16[i],
                      bits_of(out[i]), f16_want[i]);
    ck_assert(out[7] == 65504.0f && out[5] == 0.333251953125f);
    ck_assert_msg(st_read_f32(&st, "b", out, 1, s9, err) == 0, "%s", err);
    for (int i = 0; i < nbf16; i++) ck_assert_uint_eq(bits_of(out[i]), (uint32_t)bf16[i] << 16);
    ck_assert(out[0] == 1.0f && out[1] == -5.0f && out[2] == 3.140625f && isinf(out[3]));
    ck_assert(out[5] == 0x1p-133f && out[6] == 3.3895313892515355e38f);
    ck_assert_msg(st_read_f32(&st, "d", out, 1, s9, err) == 0, "%s", err);
    for (int i = 0; i < nf64; i++)
        ck_assert_msg(bits_of(out[i]) == f64_want[i], "F64 %g: 0x%08x, want 0x%08x", f64[i],
                      bits_of(out[i]), f64_want[i]);
    ck_assert_msg(st_read_f32(&st, "f", out, 0, NULL, err) == 0, "%s", err);
    ck_assert(out[0] == -10.0f);

    /* what cannot be read, and why */
    ck_assert_int_eq(st_read_f32(&st, "i", out, 1, s1, err), -1);
    ck_assert_str_eq(
        err, "tensor 'i' has dtype I32, which is not read as float32 (F32, F16, BF16 and F64 are)");
    ck_assert_int_eq(st_read_f32(&st, "nope", out, 1, s1, err), -1);
    ck_assert_str_eq(err, "tensor 'nope' not found in the file (it has 5 tensors)");
    st_free(&st);
    free(file);
}
END_TEST

/* F16 writing: every finite half read back is itself (the conversion is exact on them), a value
 * between two halves goes to the nearer (ties to even), and what F16 cannot hold is refused. */
START_TEST(saves_f16_rounding_to_nearest) {
    char err[ERR_LEN], *path = temp_path(".safetensors");
    enum { NH = 31744 }; /* the finite halves 0x0000-0x7BFF, then the same with the sign bit */
    float *x = xmalloc(sizeof(float) * 2 * NH), *back = xmalloc(sizeof(float) * 2 * NH);
    /* every finite half, from the F16 reader (tested above) */
    unsigned char *data = xmalloc(4 * NH);
    for (int i = 0; i < 2 * NH; i++) {
        int h = i < NH ? i : 0x8000 + (i - NH);
        data[2 * (i % NH)] = (unsigned char)h, data[2 * (i % NH) + 1] = (unsigned char)(h >> 8);
        if (i % NH == NH - 1 || i == 2 * NH - 1) {
            char header[128];
            snprintf(header, sizeof header, "{\"h\":{\"dtype\":\"F16\",\"shape\":[%d],\"data_offsets\":[0,%d]}}", NH,
                     2 * NH);
            size_t len;
            unsigned char *file = make_file(header, data, 2 * NH, &len);
            SafeTensors st;
            ck_assert_msg(parse_copy(file, len, &st, err) == 0, "%s", err);
            int64_t shape[1] = {NH};
            ck_assert_msg(st_read_f32(&st, "h", x + (i / NH) * NH, 1, shape, err) == 0, "%s", err);
            st_free(&st);
            free(file);
        }
    }
    int64_t shape[1] = {2 * NH};
    StTensorRef t = {"w", x, 1, shape};
    ck_assert_msg(st_save_as(path, &t, 1, NULL, 0, "F16", err) == 0, "%s", err);
    SafeTensors st;
    ck_assert_msg(st_load(path, &st, err) == 0, "%s", err);
    ck_assert_str_eq(st_find(&st, "w")->dtype, "F16");
    ck_assert_msg(st_read_f32(&st, "w", back, 1, shape, err) == 0, "%s", err);
    st_free(&st);
    ck_assert_int_eq(memcmp(x, back, sizeof(float) * 2 * NH), 0);
    /* between neighbours: x[k] < y < x[k+1] for positive halves k, k+1 */
    Rng r;
    rng_seed(&r, 5);
    float y[4000], want[4000];
    for (int i = 0; i < 4000; i++) {
        int k = (int)(rng_uniform(&r) * (NH - 1));
        float lo = x[k], hi = x[k + 1], mid = 0.5f * (lo + hi);
        int pick = i % 4;
        y[i] = pick == 0 ? mid : pick == 1 ? nextafterf(mid, hi) : pick == 2 ? nextafterf(mid, lo)
                                                                          : lo + (hi - lo) * 0.3f;
        want[i] = pick == 0 ? ((k & 1) ? hi : lo) : pick == 1 ? hi : lo;
    }
    int64_t s4[1] = {4000};
    StTensorRef t4 = {"y", y, 1, s4};
    ck_assert_msg(st_save_as(path, &t4, 1, NULL, 0, "F16", err) == 0, "%s", err);
    ck_assert_msg(st_load(path, &st, err) == 0, "%s", err);
    ck_assert_msg(st_read_f32(&st, "y", back, 1, s4, err) == 0, "%s", err);
    st_free(&st);
    for (int i = 0; i < 4000; i++)
        ck_assert_msg(back[i] == want[i], "%d: %.9g -> %.9g, want %.9g", i, (double)y[i], (double)back[i],
                      (double)want[i]);
    /* too large, or not a number: refused, nothing written */
    remove(path);
    float big[2] = {1.0f, 65520.0f};
    int64_t s2[1] = {2};
    StTensorRef tb = {"big", big, 1, s2};
    ck_assert_int_eq(st_save_as(path, &tb, 1, NULL, 0, "F16", err), -1);
    ck_assert_msg(strstr(err, "'big' element 1") != NULL, "%s", err);
    ck_assert_int_ne(access(path, F_OK), 0);
    big[1] = NAN;
    ck_assert_int_eq(st_save_as(path, &tb, 1, NULL, 0, "F16", err), -1);
    ck_assert_int_eq(st_save_as(path, &tb, 1, NULL, 0, "I8", err), -1);
    free(x), free(back), free(data), free(path);
}
END_TEST

START_TEST(read_checks_the_shape) {
    char err[ERR_LEN];
    float w[12];
    fill_uniform(w, 12, -1, 1, 5);
    int64_t s34[] = {3, 4}, s43[] = {4, 3}, s12[] = {12}, s341[] = {3, 4, 1};
    StTensorRef t = {"w", w, 2, s34};
    char *path = temp_path(".safetensors");
    ck_assert_msg(st_save(path, &t, 1, NULL, 0, err) == 0, "%s", err);
    SafeTensors st;
    ck_assert_msg(st_load(path, &st, err) == 0, "%s", err);
    float out[12];
    ck_assert_int_eq(st_read_f32(&st, "w", out, 2, s43, err), -1);
    ck_assert_str_eq(err, "tensor 'w': shape [3,4] in file, [4,3] expected");
    ck_assert_int_eq(st_read_f32(&st, "w", out, 1, s12, err), -1); /* same size is not enough */
    ck_assert_str_eq(err, "tensor 'w': shape [3,4] in file, [12] expected");
    ck_assert_int_eq(st_read_f32(&st, "w", out, 3, s341, err), -1);
    ck_assert_str_eq(err, "tensor 'w': shape [3,4] in file, [3,4,1] expected");
    ck_assert_int_eq(st_read_f32(&st, "w", out, 0, NULL, err), -1);
    ck_assert_str_eq(err, "tensor 'w': shape [3,4] in file, [] expected");
    ck_assert_int_eq(st_read_f32(&st, "w", out, 2, s34, err), 0);
    ck_assert_int_eq(memcmp(out, w, sizeof w), 0);
    st_free(&st);
    remove(path);
    free(path);
}
END_TEST

START_TEST(load_names_the_file) {
    char err[ERR_LEN];
    SafeTensors st;
    ck_assert_int_eq(st_load("/nonexistent/model.safetensors", &st, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/model.safetensors"));
    char *path = temp_path(".safetensors");
    FILE *f = xfopen(path, "wb");
    fputs("abc", f);
    xfclose(f, path);
    ck_assert_int_eq(st_load(path, &st, err), -1);
    char want[600];
    snprintf(want, sizeof want, "'%s': file is 3 bytes long, too short", path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got: %s", err);
    ck_assert_ptr_null(st.buf);
    remove(path);
    free(path);
}
END_TEST

Suite *safetensors_suite(void) {
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, round_trip_is_bit_exact);
    tcase_add_test(tc, writes_the_exact_bytes_of_the_reference);
    tcase_add_test(tc, save_is_atomic);
    tcase_add_test(tc, every_truncation_is_rejected);
    tcase_add_test(tc, corrupted_bytes_never_crash);
    tcase_add_test(tc, rejects_bad_lengths);
    tcase_add_test(tc, rejects_bad_headers);
    tcase_add_test(tc, accepts_valid_variations);
    tcase_add_test(tc, converts_f16_bf16_f64);
    tcase_add_test(tc, saves_f16_rounding_to_nearest);
    tcase_add_test(tc, read_checks_the_shape);
    tcase_add_test(tc, load_names_the_file);
    suite_add_tcase(s, tc);
    return s;
}
