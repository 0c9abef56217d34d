/* test_vocab.c - counting, lookup of present and missing words, the frequency order with its
 * byte-order tie-break, min_count, special tokens, growth of the hash table past 100k words,
 * building from text, and the save/load round trip with every rejection of a malformed file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util.h"
#include "vocab.h"

static void write_text(const char *path, const char *s, size_t n) {
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(s, 1, n, f), n);
    fclose(f);
}

START_TEST(add_counts_and_finds) {
    Vocab *v = vocab_new();
    ck_assert_int_eq(vocab_add(v, "king", 4, 1), 0);
    ck_assert_int_eq(vocab_add(v, "queen", 5, 2), 1);
    ck_assert_int_eq(vocab_add(v, "king", 4, 3), 0); /* existing: count added, same id */
    ck_assert_int_eq(vocab_add(v, "kingdom", 4, 1), 0); /* only the first len bytes count */
    ck_assert_int_eq(vocab_add(v, "\xE5\x9B\xBD\xE7\x8E\x8B", 6, 7), 2); /* 国王 */
    ck_assert_int_eq(v->n, 3);
    ck_assert_int_eq(v->counts[0], 5);
    ck_assert_int_eq(v->counts[1], 2);
    ck_assert_str_eq(v->words[0], "king");
    ck_assert_int_eq(vocab_find(v, "queen", 5), 1);
    ck_assert_int_eq(vocab_find_str(v, "\xE5\x9B\xBD\xE7\x8E\x8B"), 2);
    ck_assert_int_eq(vocab_find_str(v, "kin"), -1);    /* prefix */
    ck_assert_int_eq(vocab_find_str(v, "kings"), -1);  /* extension */
    ck_assert_int_eq(vocab_find_str(v, "King"), -1);   /* case matters here */
    ck_assert_int_eq(vocab_find_str(v, ""), -1);
    ck_assert_int_eq(vocab_total(v), 14);
    vocab_free(v);
}
END_TEST

/* Adds the same (word, count) pairs in the given order. */
static Vocab *build(const char *const *words, const int *counts, int n, const int *order) {
    Vocab *v = vocab_new();
    for (int k = 0; k < n; k++) {
        int i = order[k];
        vocab_add(v, words[i], strlen(words[i]), counts[i]);
    }
    return v;
}

START_TEST(finalize_orders_filters_and_puts_specials_first) {
    const char *words[] = {"the", "cat", "a", "b", "ab", "zebra", "mat", "</s>", "\xE4\xB8\xAD", "z"};
    const int counts[] = {5, 2, 2, 2, 2, 1, 1, 3, 2, 2};
    const int fwd[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, rev[] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
              mixed[] = {4, 9, 0, 7, 2, 5, 8, 1, 6, 3};
    const char *const specials[] = {"<unk>", "</s>"};
    /* specials, then by count, ties by bytes: "a" < "ab" < "b" < "cat" < "z" < 中 (0xE4...) */
    const char *want[] = {"<unk>", "</s>", "the", "a", "ab", "b", "cat", "z", "\xE4\xB8\xAD"};
    const int64_t want_counts[] = {0, 3, 5, 2, 2, 2, 2, 2, 2};
    const int *orders[] = {fwd, rev, mixed};
    for (int o = 0; o < 3; o++) {
        Vocab *v = build(words, counts, 10, orders[o]);
        ck_assert_int_eq(vocab_finalize(v, 2, specials, 2), 9);
        ck_assert_int_eq(v->n, 9);
        for (int i = 0; i < 9; i++) {
            ck_assert_msg(strcmp(v->words[i], want[i]) == 0, "order %d id %d: '%s', want '%s'", o,
                          i, v->words[i], want[i]);
            ck_assert_int_eq(v->counts[i], want_counts[i]);
            ck_assert_int_eq(vocab_find_str(v, want[i]), i); /* the table was rebuilt */
        }
        ck_assert_int_eq(vocab_find_str(v, "zebra"), -1); /* dropped by min_count */
        ck_assert_int_eq(vocab_find_str(v, "mat"), -1);
        ck_assert_int_eq(vocab_find_str(v, "dog"), -1); /* never seen */
        ck_assert_int_eq(vocab_total(v), 3 + 5 + 2 * 6);
        /* still usable for adding after finalize */
        ck_assert_int_eq(vocab_add(v, "dog", 3, 1), 9);
        ck_assert_int_eq(vocab_find_str(v, "dog"), 9);
        vocab_free(v);
    }
}
END_TEST

START_TEST(finalize_keeps_rare_specials_and_handles_empty) {
    Vocab *v = vocab_new();
    vocab_add(v, "[UNK]", 5, 1); /* below min_count, but a special: kept with its count */
    vocab_add(v, "rare", 4, 1);
    vocab_add(v, "common", 6, 10);
    const char *const specials[] = {"[PAD]", "[UNK]", "[CLS]"};
    ck_assert_int_eq(vocab_finalize(v, 5, specials, 3), 4);
    ck_assert_str_eq(v->words[0], "[PAD]");
    ck_assert_str_eq(v->words[1], "[UNK]");
    ck_assert_int_eq(v->counts[1], 1);
    ck_assert_str_eq(v->words[2], "[CLS]");
    ck_assert_int_eq(v->counts[2], 0);
    ck_assert_str_eq(v->words[3], "common");
    ck_assert_int_eq(vocab_find_str(v, "rare"), -1);
    vocab_free(v);

    /* the table is sized for the words kept: 11 words fit 16 slots at 70%, 12 need 32 */
    for (int n = 11; n <= 12; n++) {
        v = vocab_new();
        for (int i = 0; i < 2 * n; i++) {
            char w[16];
            snprintf(w, sizeof w, "%c%d", 'a' + i % 26, i);
            vocab_add(v, w, strlen(w), i < n ? 2 : 1);
        }
        ck_assert_uint_ge(v->table_size, 32); /* sized for all 2n words before */
        ck_assert_int_eq(vocab_finalize(v, 2, NULL, 0), n);
        ck_assert_uint_eq(v->table_size, n == 11 ? 16 : 32);
        vocab_free(v);
    }

    v = vocab_new();
    ck_assert_int_eq(vocab_finalize(v, 1, NULL, 0), 0);
    ck_assert_int_eq(vocab_find_str(v, "x"), -1);
    ck_assert_int_eq(vocab_finalize(v, 1, specials, 3), 3);
    vocab_free(v);
}
END_TEST

START_TEST(grows_past_many_thousands_of_words) {
    enum { N = 120000 };
    Vocab *v = vocab_new();
    char w[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(w, sizeof w, "w%d", i);
        /* (plain ifs in the loops: each Check assertion costs a write to a pipe in fork mode) */
        if (vocab_add(v, w, (size_t)n, i % 7 + 1) != i) ck_abort_msg("'%s' did not get id %d", w, i);
        /* grows exactly when the 12th word would fill 16 slots past 70% */
        if (i == 10) ck_assert_uint_eq(v->table_size, 16);
        if (i == 11) ck_assert_uint_eq(v->table_size, 32);
        /* the table stays a power of two, at most 70% full */
        if ((i & 1023) == 0 || i == N - 1) {
            ck_assert_uint_eq(v->table_size & (v->table_size - 1), 0);
            ck_assert((size_t)v->n * 10 <= v->table_size * 7);
        }
    }
    ck_assert_int_eq(v->n, N);
    ck_assert_uint_eq(v->table_size, 262144); /* 120000 / 0.7 = 171429 -> 2^18 */
    for (int i = 0; i < N; i++) {
        int n = snprintf(w, sizeof w, "w%d", i);
        if (vocab_find(v, w, (size_t)n) != i) ck_abort_msg("'%s' not found at id %d", w, i);
    }
    ck_assert_int_eq(vocab_find_str(v, "w120000"), -1);
    ck_assert_int_eq(vocab_find_str(v, "w-1"), -1);
    /* counts i%7+1 >= 4 survive: i%7 in {3,4,5,6} */
    int want = 0;
    for (int i = 0; i < N; i++) want += i % 7 >= 3;
    ck_assert_int_eq(vocab_finalize(v, 4, NULL, 0), want);
    for (int i = 1; i < v->n; i++)
        if (v->counts[i - 1] < v->counts[i] ||
            (v->counts[i - 1] == v->counts[i] && strcmp(v->words[i - 1], v->words[i]) >= 0))
            ck_abort_msg("ids %d and %d out of order: %s:%lld %s:%lld", i - 1, i, v->words[i - 1],
                         (long long)v->counts[i - 1], v->words[i], (long long)v->counts[i]);
    ck_assert_str_eq(v->words[0], "w1000"); /* count 7 (i % 7 == 6), first in byte order */
    ck_assert((size_t)v->n * 10 <= v->table_size * 7);
    vocab_free(v);
}
END_TEST

START_TEST(from_text_counts_tokens) {
    const char *s = "The cat sat on the mat. THE END";
    Vocab *v = vocab_from_text(s, strlen(s), TOK_WORDS);
    ck_assert_int_eq(v->n, 7); /* the cat sat on mat . end */
    ck_assert_int_eq(vocab_total(v), 9);
    ck_assert_int_eq(vocab_find_str(v, "the"), 0);
    ck_assert_int_eq(v->counts[0], 3);
    ck_assert_int_eq(v->counts[vocab_find_str(v, ".")], 1);
    vocab_free(v);

    const char *zh = "红楼梦，红楼";
    v = vocab_from_text(zh, strlen(zh), TOK_CHARS);
    ck_assert_int_eq(v->n, 4);
    ck_assert_int_eq(v->counts[vocab_find_str(v, "红")], 2);
    ck_assert_int_eq(v->counts[vocab_find_str(v, "梦")], 1);
    ck_assert_int_eq(v->counts[vocab_find_str(v, "，")], 1);
    vocab_free(v);
}
END_TEST

START_TEST(save_load_round_trip) {
    char err[ERR_LEN];
    const char *s = "宝玉 笑道 ： 宝玉 黛玉 . the The don't 3.14 宝玉 黛玉";
    Vocab *v = vocab_from_text(s, strlen(s), TOK_WORDS);
    const char *const specials[] = {"[PAD]", "[UNK]"};
    int n = vocab_finalize(v, 1, specials, 2);
    char *path = temp_path(".vocab");
    ck_assert_int_eq(vocab_save(v, path, err), 0);
    Vocab *w = vocab_load(path, err);
    ck_assert_msg(w != NULL, "load failed: %s", err);
    ck_assert_int_eq(w->n, n);
    for (int i = 0; i < n; i++) {
        ck_assert_str_eq(w->words[i], v->words[i]);
        ck_assert_int_eq(w->counts[i], v->counts[i]);
        ck_assert_int_eq(vocab_find_str(w, v->words[i]), i);
    }
    ck_assert_str_eq(w->words[2], "宝玉");
    ck_assert_int_eq(w->counts[2], 3);
    /* the file itself: header, then "word count" lines in id order */
    size_t len;
    char *text = read_file(path, &len, err);
    ck_assert_ptr_nonnull(text);
    const char *head = "#nlpc-vocab v1 10\n[PAD] 0\n[UNK] 0\n宝玉 3\nthe 2\n黛玉 2\n. 1\n3.14 1\n";
    ck_assert_msg(strncmp(text, head, strlen(head)) == 0, "%s", text);
    free(text);
    vocab_free(w);
    /* a word with a space cannot be saved, and the old file stays as it was */
    vocab_add(v, "new york", 8, 1);
    ck_assert_int_eq(vocab_save(v, path, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "white space"));
    w = vocab_load(path, err);
    ck_assert_ptr_nonnull(w);
    ck_assert_int_eq(w->n, n);
    vocab_free(w);
    vocab_free(v);
    remove(path);
    free(path);
}
END_TEST

START_TEST(load_accepts_headerless_and_crlf) {
    char err[ERR_LEN];
    char *path = temp_path(".vocab");
    const char *s = "</s> 31102\r\nthe 63919\r\nand\t51696\r\n";
    write_text(path, s, strlen(s));
    Vocab *v = vocab_load(path, err);
    ck_assert_msg(v != NULL, "%s", err);
    ck_assert_int_eq(v->n, 3);
    ck_assert_str_eq(v->words[2], "and");
    ck_assert_int_eq(v->counts[1], 63919);
    vocab_free(v);
    remove(path);
    free(path);
}
END_TEST

START_TEST(load_rejects_malformed_files_with_line_numbers) {
    static const struct {
        const char *text;
        const char *want; /* must appear in the message, after the path */
    } cases[] = {
        {"#nlpc-vocab v1 2\nthe 5\ncat\n", ":3: expected 'word count', got 'cat'"},
        {"the 5\ncat x\n", ":2: count 'x' is not a non-negative integer"},
        {"the 5\ncat -1\n", ":2: count '-1' is not a non-negative integer"},
        {"the 5\ncat 99999999999999999999\n", ":2: count '99999999999999999999' is not"},
        {"the 5\ncat 2 extra\n", ":2: expected 'word count', got 'cat 2 extra'"},
        {"the 5\n cat 2\n", ":2: expected 'word count'"},
        {"the 5\n\ncat 2\n", ":2: empty line"},
        {"the 5\ncat 2\nthe 1\n", ":3: duplicate word 'the' (first on line 1)"},
        {"#nlpc-vocab v1 3\nthe 5\ncat 2\nthe 1\n", ":4: duplicate word 'the' (first on line 2)"},
        {"#nlpc-vocab v1 3\nthe 5\ncat 2\n", "the header promises 3 words but the file holds 2"},
        {"#nlpc-vocab v2 1\nthe 5\n", ":1: vocabulary format version 2"},
        {"#nlpc-vocab v1 x\nthe 5\n", ":1: bad header"},
        {"the 5\nca\xFFt 2\n", ":2: invalid UTF-8 at byte offset 8"},
    };
    char err[ERR_LEN];
    char *path = temp_path(".vocab");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(path, cases[i].text, strlen(cases[i].text));
        err[0] = '\0';
        Vocab *v = vocab_load(path, err);
        ck_assert_msg(v == NULL, "row %zu accepted", i);
        ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "row %zu: no path in '%s'", i, err);
        ck_assert_msg(strstr(err, cases[i].want) != NULL, "row %zu: '%s' lacks '%s'", i, err,
                      cases[i].want);
    }
    write_text(path, "the 5\0x 1\n", 10);
    ck_assert_ptr_null(vocab_load(path, err));
    ck_assert_ptr_nonnull(strstr(err, "NUL byte at offset 5"));
    remove(path);
    ck_assert_ptr_null(vocab_load(path, err));
    ck_assert_ptr_nonnull(strstr(err, path));
    free(path);
}
END_TEST

Suite *vocab_suite(void) {
    Suite *s = suite_create("vocab");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, add_counts_and_finds);
    tcase_add_test(tc, finalize_orders_filters_and_puts_specials_first);
    tcase_add_test(tc, finalize_keeps_rare_specials_and_handles_empty);
    tcase_add_test(tc, grows_past_many_thousands_of_words);
    tcase_add_test(tc, from_text_counts_tokens);
    tcase_add_test(tc, save_load_round_trip);
    tcase_add_test(tc, load_accepts_headerless_and_crlf);
    tcase_add_test(tc, load_rejects_malformed_files_with_line_numbers);
    suite_add_tcase(s, tc);
    return s;
}
