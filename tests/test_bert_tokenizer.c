/* test_bert_tokenizer.c - chapter 07's tokenizer against an independent Python implementation of
 * Hugging Face's BertTokenizer (tests/make_fixtures_bert_tokenizer.py: 34 texts, each lower-cased
 * and cased, compared word for word and id for id), WordPiece training against the same script's
 * slow trainer (vocabularies compared token for token), the hand-checked first merges of a tiny
 * corpus, and every rule of reading and writing vocab.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "07_bert/tokenizer.h"
#include "testutil.h"
#include "util.h"

#define VOCAB FIXTURE("bert_vocab.txt")
#define CASES FIXTURE("bert_tokenizer.txt")

static void write_text(const char *path, const char *s, size_t n) {
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(s, 1, n, f), n);
    fclose(f);
}

/* ---- the fixture file ------------------------------------------------------------------------ */

typedef struct {
    char **lines;
    int n;
    char *buf;
} Lines;

static Lines read_lines(const char *path) {
    char err[ERR_LEN];
    size_t len;
    Lines L = {0};
    L.buf = read_file(path, &len, err);
    ck_assert_msg(L.buf != NULL, "%s", err);
    int cap = 256;
    L.lines = xmalloc(xmul((size_t)cap, sizeof *L.lines));
    for (char *p = L.buf; *p;) {
        char *e = strchr(p, '\n');
        if (e)
            *e = '\0';
        if (L.n == cap) {
            cap *= 2;
            L.lines = xrealloc(L.lines, xmul((size_t)cap, sizeof *L.lines));
        }
        if (*p != '#')
            L.lines[L.n++] = p;
        if (!e)
            break;
        p = e + 1;
    }
    return L;
}

static void free_lines(Lines *L) {
    free(L->lines);
    free(L->buf);
}

/* Decode hex ("-" = empty) into a malloc'd buffer. */
static char *unhex(const char *h, size_t *len) {
    size_t n = strcmp(h, "-") == 0 ? 0 : strlen(h) / 2;
    char *s = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
        s[i] = (char)v;
    }
    s[n] = '\0';
    *len = n;
    return s;
}

/* Split "KEY N f1 ... fN" in place; returns the fields (malloc'd array), checks the count. */
static char **fields(char *line, const char *key, int *n) {
    size_t kl = strlen(key);
    ck_assert_msg(strncmp(line, key, kl) == 0 && line[kl] == ' ', "expected '%s': %.60s", key,
                  line);
    char *p = line + kl + 1;
    *n = (int)strtol(p, &p, 10);
    char **f = xmalloc(xmul((size_t)*n + 1, sizeof *f));
    for (int i = 0; i < *n; i++) {
        ck_assert_msg(*p == ' ', "'%s': %d fields expected", key, *n);
        *p++ = '\0'; /* ends the previous field */
        f[i] = p;
        while (*p && *p != ' ')
            p++;
    }
    ck_assert_msg(*p == '\0', "'%s': more than %d fields", key, *n);
    return f;
}

/* ---- basic tokenizer and BertTokenizer cases ------------------------------------------------ */

typedef struct {
    char **w;
    int n, cap;
} WordList;

static void collect(const char *word, size_t len, void *ctx) {
    WordList *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->w = xrealloc(l->w, xmul((size_t)l->cap, sizeof *l->w));
    }
    l->w[l->n] = xmalloc(len + 1);
    memcpy(l->w[l->n], word, len);
    l->w[l->n][len] = '\0';
    l->n++;
}

static void wordlist_free(WordList *l) {
    for (int i = 0; i < l->n; i++)
        free(l->w[i]);
    free(l->w);
}

START_TEST(matches_reference_cases) {
    char err[ERR_LEN];
    BertTokenizer tok[2];
    ck_assert_msg(bert_tok_load(&tok[0], VOCAB, 0, err) == 0, "%s", err);
    ck_assert_msg(bert_tok_load(&tok[1], VOCAB, 1, err) == 0, "%s", err);
    Lines L = read_lines(CASES);
    int ncases = 0;
    for (int i = 0; i < L.n; i++) {
        if (strncmp(L.lines[i], "case ", 5) != 0)
            continue;
        char name[128], hex[8192];
        int lower;
        ck_assert_int_eq(sscanf(L.lines[i], "case %127s %d %8191s", name, &lower, hex), 3);
        size_t len;
        char *text = unhex(hex, &len);
        int nw, nid;
        char **want_words = fields(L.lines[i + 1], "words", &nw);
        char **want_ids = fields(L.lines[i + 2], "ids", &nid);

        WordList got = {0};
        int count = bert_basic_tokenize(text, len, lower, collect, &got);
        ck_assert_int_eq(count, got.n);
        ck_assert_msg(got.n == nw, "case %s lower=%d: %d words, want %d", name, lower, got.n, nw);
        for (int k = 0; k < nw; k++)
            ck_assert_msg(strcmp(got.w[k], want_words[k]) == 0,
                          "case %s lower=%d word %d: '%s', want '%s'", name, lower, k, got.w[k],
                          want_words[k]);

        BertIds ids = {0};
        int added = bert_tok_encode(&tok[lower], text, len, &ids);
        ck_assert_int_eq(added, ids.n);
        ck_assert_msg(ids.n == nid, "case %s lower=%d: %d ids, want %d", name, lower, ids.n, nid);
        for (int k = 0; k < nid; k++)
            ck_assert_msg(ids.ids[k] == atoi(want_ids[k]),
                          "case %s lower=%d token %d: %s, want %s", name, lower, k,
                          bert_tok_token(&tok[lower], ids.ids[k]),
                          bert_tok_token(&tok[lower], atoi(want_ids[k])));
        for (int k = 1; k < ids.n; k++) /* word indices never go down, step at most 1 */
            ck_assert(ids.word[k] == ids.word[k - 1] || ids.word[k] == ids.word[k - 1] + 1);
        bert_ids_free(&ids);
        wordlist_free(&got);
        free(want_words);
        free(want_ids);
        free(text);
        ncases++;
    }
    ck_assert_int_ge(ncases, 60);
    free_lines(&L);
    bert_tok_free(&tok[0]);
    bert_tok_free(&tok[1]);
}
END_TEST

START_TEST(wordpiece_is_greedy_longest_first) {
    const char *list[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "unwant", "##want",
                          "##ed", "##e", "##d", "want", "a", "##a", "runn", "##ing", "##in", "##g"};
    char err[ERR_LEN];
    BertTokenizer t;
    ck_assert_msg(bert_tok_from_list(&t, list, 18, 1, err) == 0, "%s", err);
    ck_assert_int_eq(t.n, 18);
    ck_assert_int_eq(t.pad_id, 0);
    ck_assert_int_eq(t.unk_id, 1);
    ck_assert_int_eq(t.cls_id, 2);
    ck_assert_int_eq(t.sep_id, 3);
    ck_assert_int_eq(t.mask_id, 4);
    BertIds ids = {0};
    /* "unwanted": "unwant" (longest) then "##ed", not "un ##want ##ed" */
    bert_tok_wordpiece(&t, "unwanted", 8, 7, &ids);
    ck_assert_int_eq(ids.n, 2);
    ck_assert_str_eq(bert_tok_token(&t, ids.ids[0]), "unwant");
    ck_assert_str_eq(bert_tok_token(&t, ids.ids[1]), "##ed");
    ck_assert_int_eq(ids.word[1], 7);
    ids.n = 0;
    bert_tok_wordpiece(&t, "running", 7, 0, &ids); /* runn ##ing */
    ck_assert_int_eq(ids.n, 2);
    ck_assert_str_eq(bert_tok_token(&t, ids.ids[1]), "##ing");
    ids.n = 0;
    /* "wantx": the greedy path dead-ends at "x": the whole word is one [UNK] */
    ck_assert_int_eq(bert_tok_wordpiece(&t, "wantx", 5, 0, &ids), 1);
    ck_assert_int_eq(ids.ids[0], t.unk_id);
    ids.n = 0;
    char word[102];
    memset(word, 'a', sizeof word);
    ck_assert_int_eq(bert_tok_wordpiece(&t, word, 100, 0, &ids), 100); /* a ##a x 99 */
    ids.n = 0;
    ck_assert_int_eq(bert_tok_wordpiece(&t, word, 101, 0, &ids), 1); /* too long */
    ck_assert_int_eq(ids.ids[0], t.unk_id);
    ids.n = 0;
    ck_assert_int_eq(bert_tok_wordpiece(&t, "", 0, 0, &ids), 0);

    /* decode joins the pieces back */
    int seq[] = {2, 5, 7, 8, 12, 13, 4, 1, 3, 0};
    char *s = bert_tok_decode(&t, seq, 10, 0);
    ck_assert_str_eq(s, "[CLS] unwanted aa [MASK] [UNK] [SEP] [PAD]");
    free(s);
    s = bert_tok_decode(&t, seq, 10, 1);
    ck_assert_str_eq(s, "unwanted aa [MASK] [UNK]");
    free(s);
    s = bert_tok_decode(&t, seq, 0, 1);
    ck_assert_str_eq(s, "");
    free(s);
    bert_ids_free(&ids);

    /* word indices across calls: "[CLS] unwanted a [SEP]" */
    const char *text = "[CLS] unwanted, a[SEP]";
    bert_tok_encode(&t, text, strlen(text), &ids);
    int want_ids[] = {2, 6, 8, 1, 12, 3}, want_words[] = {0, 1, 1, 2, 3, 4};
    ck_assert_int_eq(ids.n, 6); /* "," is not in this vocabulary: [UNK] */
    for (int k = 0; k < 6; k++) {
        ck_assert_int_eq(ids.ids[k], want_ids[k]);
        ck_assert_int_eq(ids.word[k], want_words[k]);
    }
    ck_assert_int_eq(ids.nwords, 5);
    bert_tok_encode(&t, "a", 1, &ids);
    ck_assert_int_eq(ids.word[6], 5);
    bert_ids_free(&ids);
    bert_tok_free(&t);
}
END_TEST

START_TEST(chinese_char_ranges) {
    const uint32_t in[] = {0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F,
                           0x2B740, 0x2B81F, 0x2B820, 0x2CEAF, 0xF900, 0xFAFF, 0x2F800, 0x2FA1F};
    const uint32_t out[] = {0x4DFF, 0xA000, 0x33FF, 0x1FFFF, 0x2A6E0, 0x2CEB0, 0xF8FF, 0xFB00,
                            0x2F7FF, 0x2FA20, 0x3007, 0x3005, 0x3000, 0xFF01, 'a'};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        ck_assert_msg(bert_is_chinese_char(in[i]), "U+%X", in[i]);
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        ck_assert_msg(!bert_is_chinese_char(out[i]), "U+%X", out[i]);
}
END_TEST

/* ---- vocab.txt ----------------------------------------------------------------------------- */

START_TEST(vocab_file_rules) {
    char err[ERR_LEN];
    char *p = temp_path(".txt");
    BertTokenizer t;
    /* CRLF, a lone CR, an empty line (the empty token keeps its id) and no final newline */
    const char crlf[] = "[PAD]\r\n[UNK]\r\nhello\rworld\n\n##s";
    write_text(p, crlf, sizeof crlf - 1);
    ck_assert_msg(bert_tok_load(&t, p, 1, err) == 0, "%s", err);
    ck_assert_int_eq(t.n, 6);
    ck_assert_str_eq(bert_tok_token(&t, 2), "hello");
    ck_assert_str_eq(bert_tok_token(&t, 3), "world");
    ck_assert_str_eq(bert_tok_token(&t, 4), "");
    ck_assert_str_eq(bert_tok_token(&t, 5), "##s");
    ck_assert_ptr_null(bert_tok_token(&t, 6));
    ck_assert_ptr_null(bert_tok_token(&t, -1));
    ck_assert_int_eq(bert_tok_id(&t, "##s"), 5);
    ck_assert_int_eq(bert_tok_id(&t, "hello\r"), -1);
    ck_assert_int_eq(t.cls_id, -1); /* absent specials are -1 */
    ck_assert_int_eq(t.unk_id, 1);
    bert_tok_free(&t);

    /* a final newline adds no token; two add one empty token, as Python's readlines() */
    write_text(p, "[UNK]\na\n", 8);
    ck_assert(bert_tok_load(&t, p, 1, err) == 0);
    ck_assert_int_eq(t.n, 2);
    bert_tok_free(&t);
    write_text(p, "[UNK]\na\n\n", 9);
    ck_assert(bert_tok_load(&t, p, 1, err) == 0);
    ck_assert_int_eq(t.n, 3);
    bert_tok_free(&t);

    /* duplicates: both lines keep their ids; looking the token up gives the later one, as
     * Hugging Face's load_vocab (a dict filled line by line) */
    write_text(p, "a\n[UNK]\na\nb\n", 12);
    ck_assert(bert_tok_load(&t, p, 1, err) == 0);
    ck_assert_int_eq(t.n, 4);
    ck_assert_str_eq(bert_tok_token(&t, 0), "a");
    ck_assert_int_eq(bert_tok_id(&t, "a"), 2);
    bert_tok_free(&t);

    /* save writes the same file back, atomically (no temporary left behind) */
    ck_assert_msg(bert_tok_load(&t, VOCAB, 1, err) == 0, "%s", err);
    char *q = temp_path(".txt");
    ck_assert_msg(bert_tok_save(&t, q, err) == 0, "%s", err);
    size_t la, lb;
    char *a = read_file(VOCAB, &la, err), *b = read_file(q, &lb, err);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(a, b, la) == 0);
    free(a);
    free(b);
    ck_assert_int_eq(bert_tok_save(&t, "/nonexistent-dir/vocab.txt", err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/vocab.txt"));
    bert_tok_free(&t);
    remove(q);
    free(q);

    /* rejections, each with a message that says what is wrong */
    write_text(p, "", 0);
    ck_assert_int_eq(bert_tok_load(&t, p, 1, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "empty"));
    write_text(p, "[UNK]\nok\nbad\xff\n", 14);
    ck_assert_int_eq(bert_tok_load(&t, p, 1, err), -1);
    ck_assert_msg(strstr(err, ":3:") && strstr(err, "UTF-8"), "%s", err);
    write_text(p, "[UNK]\na\0b\n", 10);
    ck_assert_int_eq(bert_tok_load(&t, p, 1, err), -1);
    ck_assert_msg(strstr(err, ":2:") && strstr(err, "NUL"), "%s", err);
    write_text(p, "a\nb\n", 4);
    ck_assert_int_eq(bert_tok_load(&t, p, 1, err), -1);
    ck_assert_msg(strstr(err, "[UNK]"), "%s", err);
    ck_assert_int_eq(bert_tok_load(&t, "/nonexistent/vocab.txt", 1, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/vocab.txt"));
    const char *bad_list[] = {"[UNK]", "a\nb"};
    ck_assert_int_eq(bert_tok_from_list(&t, bad_list, 2, 1, err), -1);
    const char *no_unk[] = {"a"};
    ck_assert_int_eq(bert_tok_from_list(&t, no_unk, 1, 1, err), -1);
    remove(p);
    free(p);
}
END_TEST

/* ---- training -------------------------------------------------------------------------------- */

START_TEST(training_matches_reference) {
    Lines L = read_lines(CASES);
    int ntrain = 0;
    for (int i = 0; i < L.n; i++) {
        if (strncmp(L.lines[i], "train ", 6) != 0)
            continue;
        char name[64];
        int lower, size, min_pair, off = 0;
        ck_assert_int_eq(
            sscanf(L.lines[i], "train %63s %d %d %d %n", name, &lower, &size, &min_pair, &off), 4);
        size_t len;
        char *text = unhex(L.lines[i] + off, &len);
        int nv;
        char **want = fields(L.lines[i + 1], "vocab", &nv);
        char err[ERR_LEN];
        BertTokenizer t;
        BertTrainOpts o = bert_train_defaults();
        o.vocab_size = size;
        o.do_lower_case = lower;
        o.min_pair_count = min_pair;
        ck_assert_msg(bert_tok_train_opts(&t, text, len, &o, err) == 0, "%s", err);
        ck_assert_msg(t.n == nv, "corpus %s: %d tokens, want %d", name, t.n, nv);
        for (int k = 0; k < nv; k++)
            ck_assert_msg(strcmp(t.tokens[k], want[k]) == 0, "corpus %s token %d: '%s', want '%s'",
                          name, k, t.tokens[k], want[k]);
        bert_tok_free(&t);
        free(want);
        free(text);
        ntrain++;
    }
    ck_assert_int_eq(ntrain, 6);
    free_lines(&L);
}
END_TEST

/* Hugging Face's course corpus: hug x10, pug x5, pun x12, bun x4, hugs x5. Alphabet b h p ##g ##n
 * ##s ##u (ids 5-11). Scores: (##g,##s) = 5/(20*5) = 1/20; every other pair 1/36, so "##gs"
 * comes first. Then all pairs score 1/36 again ((p,##u) = 17/(17*36), (##u,##g) = 15/(36*15),
 * ...) and the tie goes to the most frequent pair, (p,##u) with 17: "pu". */
START_TEST(training_first_merges_by_hand) {
    const char *corpus = "hug hug hug hug hug hug hug hug hug hug pug pug pug pug pug "
                         "pun pun pun pun pun pun pun pun pun pun pun pun bun bun bun bun "
                         "hugs hugs hugs hugs hugs";
    char err[ERR_LEN];
    BertTokenizer t;
    ck_assert_msg(bert_tok_train(&t, corpus, strlen(corpus), 14, 1, err) == 0, "%s", err);
    const char *want[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "b",    "h",
                          "p",     "##g",   "##n",   "##s",   "##u",    "##gs", "pu"};
    ck_assert_int_eq(t.n, 14);
    for (int k = 0; k < 14; k++)
        ck_assert_str_eq(t.tokens[k], want[k]);
    bert_tok_free(&t);
}
END_TEST

START_TEST(training_size_determinism_and_coverage) {
    char err[ERR_LEN];
    size_t len;
    char *kjv = read_file("data/en/kjv.txt", &len, err);
    ck_assert_msg(kjv != NULL, "%s", err);
    if (len > 300000)
        len = 300000;
    BertTokenizer a, b;
    ck_assert_msg(bert_tok_train(&a, kjv, len, 1500, 1, err) == 0, "%s", err);
    ck_assert_msg(bert_tok_train(&b, kjv, len, 1500, 1, err) == 0, "%s", err);
    ck_assert_int_eq(a.n, 1500); /* size reached */
    const char *specials[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    for (int k = 0; k < 5; k++)
        ck_assert_str_eq(a.tokens[k], specials[k]);
    ck_assert_int_eq(a.pad_id, 0);
    ck_assert_int_eq(a.mask_id, 4);
    for (int k = 0; k < a.n; k++) { /* deterministic, and no token twice */
        ck_assert_str_eq(a.tokens[k], b.tokens[k]);
        ck_assert_int_eq(bert_tok_id(&a, a.tokens[k]), k);
    }
    /* the trained vocabulary covers its own corpus: no [UNK] */
    BertIds ids = {0};
    bert_tok_encode(&a, kjv, len, &ids);
    int unk = 0;
    for (int k = 0; k < ids.n; k++)
        unk += ids.ids[k] == a.unk_id;
    ck_assert_int_eq(unk, 0);
    ck_assert_int_gt(ids.n, ids.nwords);
    bert_ids_free(&ids);
    bert_tok_free(&a);
    bert_tok_free(&b);
    free(kjv);

    /* Chinese: every ideograph is a word of one character, so there is almost nothing to merge
     * and the vocabulary stays below the size asked for: specials + characters + merges of the
     * few Latin words */
    const char *zh = "满纸荒唐言，一把辛酸泪！都云作者痴，谁解其中味？ Hello 世界 hello";
    ck_assert(bert_tok_train(&a, zh, strlen(zh), 100, 1, err) == 0);
    ck_assert_int_lt(a.n, 100);
    ck_assert_int_ge(bert_tok_id(&a, "hello"), 0);
    ck_assert_int_ge(bert_tok_id(&a, "荒"), 0);
    ck_assert_int_eq(bert_tok_id(&a, "##荒"), -1);
    bert_tok_free(&a);

    ck_assert_int_eq(bert_tok_train(&a, zh, strlen(zh), 5, 1, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "size"));
    ck_assert_int_eq(bert_tok_train(&a, " \n\t ", 4, 100, 1, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "no words"));
}
END_TEST

Suite *bert_tokenizer_suite(void) {
    Suite *s = suite_create("bert_tokenizer");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, matches_reference_cases);
    tcase_add_test(tc, wordpiece_is_greedy_longest_first);
    tcase_add_test(tc, chinese_char_ranges);
    tcase_add_test(tc, vocab_file_rules);
    tcase_add_test(tc, training_matches_reference);
    tcase_add_test(tc, training_first_merges_by_hand);
    tcase_add_test(tc, training_size_determinism_and_coverage);
    suite_add_tcase(s, tc);
    return s;
}
