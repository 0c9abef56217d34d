/* test_w2v_vectors.c - chapter 02's vector files and tools: the word2vec bin and txt formats
 * (byte layout, bit-exact round trips, every rejection), lookups, analogies and the two
 * evaluations on hand-made vectors with known answers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "02_word2vec/vectors.h"
#include "testutil.h"
#include "util.h"

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

static char *slurp(const char *path, size_t *n) {
    char err[ERR_LEN];
    char *s = read_file(path, n, err);
    ck_assert_msg(s != NULL, "%s", err);
    return s;
}

/* A small table with awkward values: negative zero, a denormal, the largest float, 1/3. */
static WordVectors *sample_vectors(void) {
    static const float v[3][3] = {{1.0f, -0.0f, 1.401298464e-45f}, {3.4028235e38f, -1.0f / 3, 1e-7f}, {0.5f, 2.0f, -7.25f}};
    static const char *w[3] = {"king", "王后", "o'clock"};
    WordVectors *wv = wv_new(3, 3);
    char err[ERR_LEN];
    for (int i = 0; i < 3; i++) ck_assert_int_eq(wv_set(wv, i, w[i], v[i], err), 0);
    wv_finish(wv);
    return wv;
}

START_TEST(bin_byte_layout) {
    /* "N DIM\n", then per word: the word, a space, DIM little-endian float32, '\n' */
    WordVectors *wv = wv_new(2, 2);
    char err[ERR_LEN];
    float a[2] = {1.0f, -2.0f}, b[2] = {0.5f, 0.0f};
    wv_set(wv, 0, "ab", a, err), wv_set(wv, 1, "c", b, err);
    wv_finish(wv);
    char *path = temp_path(".bin");
    ck_assert_int_eq(wv_save(wv, path, WV_BIN, err), 0);
    size_t n;
    unsigned char *s = (unsigned char *)slurp(path, &n);
    static const unsigned char want[] = {'2', ' ', '2', '\n', 'a', 'b', ' ', 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00,
                                         0xC0, '\n', 'c', ' ', 0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x00, 0x00, '\n'};
    ck_assert_uint_eq(n, sizeof want);
    ck_assert_int_eq(memcmp(s, want, n), 0);
    free(s);
    ck_assert_int_eq(wv_save(wv, path, WV_TXT, err), 0);
    s = (unsigned char *)slurp(path, &n);
    ck_assert_str_eq((char *)s, "2 2\nab 1 -2\nc 0.5 0\n");
    free(s), remove(path), free(path);
    wv_free(wv);
}
END_TEST

START_TEST(round_trips_bit_for_bit) {
    WordVectors *wv = sample_vectors();
    char err[ERR_LEN], *path = temp_path(".vec");
    for (int f = 0; f < 2; f++) {
        WvFormat fmt = f ? WV_TXT : WV_BIN, got;
        ck_assert_int_eq(wv_save(wv, path, fmt, err), 0);
        WordVectors *back = wv_load(path, &got, err);
        ck_assert_msg(back != NULL, "%s", err);
        ck_assert_int_eq(got, fmt);
        ck_assert_int_eq(back->n, 3); ck_assert_int_eq(back->dim, 3);
        for (int i = 0; i < 3; i++) ck_assert_str_eq(back->words[i], wv->words[i]);
        ck_assert_int_eq(memcmp(back->vec, wv->vec, sizeof(float) * 9), 0);
        ck_assert_int_eq(wv_find(back, "王后"), 1);
        wv_free(back);
    }
    remove(path), free(path);
    wv_free(wv);
}
END_TEST

START_TEST(reads_other_tools_files) {
    /* word2vec.c's text output ends each line with a space; fastText's .vec too; CRLF from Windows */
    char err[ERR_LEN], *path = temp_path(".txt");
    const char *t = "2 3\r\nthe 0.1 0.2 0.3 \r\nof -1 2.5e-1 3\r\n";
    write_bytes(path, t, strlen(t));
    WvFormat f;
    WordVectors *wv = wv_load(path, &f, err);
    ck_assert_msg(wv != NULL, "%s", err);
    ck_assert_int_eq(f, WV_TXT);
    ck_assert_float_eq(wv->vec[4], 0.25f);
    wv_free(wv);
    /* a binary file whose vectors happen to contain '\n' and ' ' bytes */
    const unsigned char b[] = {'1', ' ', '2', '\n', 'x', ' ', 0x0A, 0x20, 0x20, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, '\n'};
    write_bytes(path, b, sizeof b);
    wv = wv_load(path, &f, err);
    ck_assert_msg(wv != NULL, "%s", err);
    ck_assert_int_eq(f, WV_BIN);
    uint32_t u;
    memcpy(&u, &wv->vec[0], 4);
    ck_assert_uint_eq(u, 0x0A20200Au);
    wv_free(wv);
    remove(path), free(path);
}
END_TEST

static void expect_reject(const void *data, size_t n, const char *needle) {
    char err[ERR_LEN], *path = temp_path(".vec");
    write_bytes(path, data, n);
    WordVectors *wv = wv_load(path, NULL, err);
    ck_assert_msg(wv == NULL, "accepted a bad file (expected '%s')", needle);
    ck_assert_msg(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
    ck_assert_msg(strstr(err, path) != NULL, "message '%s' lacks the path", err);
    remove(path), free(path);
}
#define REJECT(lit, needle) expect_reject(lit, sizeof(lit) - 1, needle)

START_TEST(rejects_malformed_files) {
    REJECT("", "empty");
    REJECT("hello world\n", "bad header");
    REJECT("3\nx 1 2 3\n", "bad header");
    REJECT("0 5\n", "bad header");
    REJECT("2 -3\n", "bad header");
    REJECT("1000000 100\nx 1\n", "truncated");
    REJECT("2 3\na 1 2 3\n", "truncated");        /* one vector of two */
    REJECT("2 2\na 1 2\nb 1 2 3\n", "more than"); /* txt: too many numbers */
    REJECT("2 3\na 1 2 3\nb 1 2\n", "2 numbers, expected 3");
    REJECT("1 2\na 1 x\n", "not a number");
    REJECT("1 2\na 1 nan\n", "not finite");
    REJECT("2 1\na 1\na 2\n", "already row 1");
    REJECT("1 2\na 1 2\nextra 1 2\n", "data after");
    REJECT("1 1\n\xC3\x28 1\n", "UTF-8");
    REJECT("1 2\nab \x00\x00\x80\x3F\x00\x00", "truncated"); /* bin: 6 of 8 bytes */
    REJECT("1 1\nab \x00\x00\xC0\x7F\n", "not finite");          /* bin NaN */
    char err[ERR_LEN];
    ck_assert_ptr_null(wv_load("tests/no-such-vectors.bin", NULL, err));
    ck_assert_ptr_nonnull(strstr(err, "no-such-vectors.bin"));
}
END_TEST

START_TEST(set_rejects_bad_words) {
    WordVectors *wv = wv_new(2, 1);
    char err[ERR_LEN];
    float v = 1;
    ck_assert_int_eq(wv_set(wv, 0, "", &v, err), -1);
    ck_assert_int_eq(wv_set(wv, 0, "two words", &v, err), -1);
    ck_assert_int_eq(wv_set(wv, 0, "ok", &v, err), 0);
    ck_assert_int_eq(wv_set(wv, 1, "ok", &v, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "already"));
    wv_free(wv);
}
END_TEST

/* Hand-made vectors where man : woman = king : queen holds exactly (queen = king - man + woman),
 * and the distractors are never nearer. Dimension 4: (royal, female, person, noise). */
static WordVectors *toy(void) {
    static const char *w[] = {"man", "woman", "king", "queen", "prince", "princess", "apple", "stone"};
    static const float v[][4] = {{0, 0, 1, 0},   {0, 1, 1, 0},   {1, 0, 1, 0},    {1, 1, 1, 0},
                                 {1, 0, 1, 0.3f}, {1, 1, 1, 0.3f}, {0, 0, 0.1f, 1}, {0, -0.2f, 0, 1}};
    WordVectors *wv = wv_new(8, 4);
    char err[ERR_LEN];
    for (int i = 0; i < 8; i++) wv_set(wv, i, w[i], v[i], err);
    wv_finish(wv);
    return wv;
}

START_TEST(nearest_and_analogy) {
    WordVectors *wv = toy();
    int idx[3];
    float cos[3];
    int king = wv_find(wv, "king");
    int found = wv_nearest(wv, wv->vec + (size_t)king * 4, 0, 3, &king, 1, idx, cos);
    ck_assert_int_eq(found, 3);
    ck_assert_str_eq(wv->words[idx[0]], "prince");
    ck_assert_float_eq_tol(cos[0], (float)(2 / sqrt(2.0) / sqrt(2.09)), 1e-6f);
    ck_assert(cos[0] >= cos[1] && cos[1] >= cos[2]);
    found = wv_analogy(wv, wv_find(wv, "man"), wv_find(wv, "woman"), wv_find(wv, "king"), 0, 2, idx, cos);
    ck_assert_str_eq(wv->words[idx[0]], "queen");
    /* restricted to the first 3 rows, queen is out of reach and a, b, c are excluded: nothing left */
    found = wv_analogy(wv, 0, 1, 2, 3, 2, idx, cos);
    ck_assert_int_eq(found, 0);
    ck_assert_int_eq(wv_find(wv, "King"), king); /* case folded through the tokenizer */
    ck_assert_int_eq(wv_find(wv, "kingdom"), -1);
    wv_free(wv);
}
END_TEST

START_TEST(analogy_evaluation) {
    WordVectors *wv = toy();
    char err[ERR_LEN], *path = temp_path(".txt");
    const char *q = ": royals\nman woman king queen\nMan Woman Prince Princess\nking queen man apple\n"
                    ": missing\nman woman duke duchess\n\n";
    write_bytes(path, q, strlen(q));
    AnalogyReport rep;
    ck_assert_int_eq(wv_eval_analogies(wv, path, 0, &rep, err), 0);
    ck_assert_int_eq(rep.nsections, 2);
    ck_assert_str_eq(rep.sections[0].name, "royals");
    ck_assert_int_eq(rep.sections[0].total, 3); ck_assert_int_eq(rep.sections[0].covered, 3);
    ck_assert_int_eq(rep.sections[0].correct, 2); /* king:queen = man:woman, not apple */
    ck_assert_int_eq(rep.sections[1].covered, 0); ck_assert_int_eq(rep.sections[1].total, 1);
    ck_assert_int_eq(rep.correct, 2); ck_assert_int_eq(rep.covered, 3); ck_assert_int_eq(rep.total, 4);
    char *out = temp_path(".out");
    FILE *f = fopen(out, "w");
    analogy_report_print(f, &rep);
    fclose(f);
    size_t n;
    char *s = slurp(out, &n);
    ck_assert_str_eq(s, "royals: accuracy=0.6667 correct=2 covered=3/3\nmissing: accuracy=0.0000 correct=0 covered=0/1\n"
                        "accuracy=0.6667 covered=3/4\n");
    free(s), remove(out), free(out);
    analogy_report_free(&rep);
    /* restricted to the 4 most frequent rows: only the first question is covered */
    ck_assert_int_eq(wv_eval_analogies(wv, path, 4, &rep, err), 0);
    ck_assert_int_eq(rep.covered, 1); ck_assert_int_eq(rep.correct, 1);
    analogy_report_free(&rep);
    /* a malformed line names the file and line */
    const char *bad = ": s\nman woman king\n";
    write_bytes(path, bad, strlen(bad));
    ck_assert_int_eq(wv_eval_analogies(wv, path, 0, &rep, err), -1);
    ck_assert_ptr_nonnull(strstr(err, ":2:"));
    ck_assert_int_eq(wv_eval_analogies(wv, "tests/no-such-questions.txt", 0, &rep, err), -1);
    remove(path), free(path);
    wv_free(wv);
}
END_TEST

START_TEST(similarity_evaluation) {
    WordVectors *wv = toy();
    char err[ERR_LEN], *path = temp_path(".txt");
    /* cosines: king-prince 0.978, king-queen 0.816, man-king 0.707, man-apple 0.0995, king-stone 0
     * (human scores in the same order: rho = 1) */
    const char *pairs = "# word pairs\nking\tprince\t9.5\r\nking queen 8\nman king 7.0\nman apple 2\n"
                        "king stone 1\nking unicorn 5\n";
    write_bytes(path, pairs, strlen(pairs));
    SimilarityReport r;
    ck_assert_int_eq(wv_eval_similarity(wv, path, &r, err), 0);
    ck_assert_int_eq(r.covered, 5); ck_assert_int_eq(r.total, 6);
    ck_assert_double_eq_tol(r.spearman, 1.0, 1e-12);
    const char *rev = "king prince 1\nking queen 2\nman king 3\nman apple 4\nking stone 5\n";
    write_bytes(path, rev, strlen(rev));
    ck_assert_int_eq(wv_eval_similarity(wv, path, &r, err), 0);
    ck_assert_double_eq_tol(r.spearman, -1.0, 1e-12);
    const char *one = "king prince 1\nzzz yyy 2\n";
    write_bytes(path, one, strlen(one));
    ck_assert_int_eq(wv_eval_similarity(wv, path, &r, err), 0);
    ck_assert(isnan(r.spearman));
    const char *bad = "king prince 1\nking queen high\n";
    write_bytes(path, bad, strlen(bad));
    ck_assert_int_eq(wv_eval_similarity(wv, path, &r, err), -1);
    ck_assert_ptr_nonnull(strstr(err, ":2:"));
    remove(path), free(path);
    wv_free(wv);
}
END_TEST

Suite *w2v_vectors_suite(void) {
    Suite *s = suite_create("w2v_vectors");
    TCase *t = tcase_create("formats");
    tcase_add_test(t, bin_byte_layout);
    tcase_add_test(t, round_trips_bit_for_bit);
    tcase_add_test(t, reads_other_tools_files);
    tcase_add_test(t, rejects_malformed_files);
    tcase_add_test(t, set_rejects_bad_words);
    suite_add_tcase(s, t);
    t = tcase_create("tools");
    tcase_add_test(t, nearest_and_analogy);
    tcase_add_test(t, analogy_evaluation);
    tcase_add_test(t, similarity_evaluation);
    suite_add_tcase(s, t);
    return s;
}
