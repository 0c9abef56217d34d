/* test_bert_pretrain.c - chapter 07's pretraining inputs and loop: the corpus document rules,
 * sentence pairs (NSP balance, real next sentences, truncation), the 15% / 80-10-10 masking
 * statistics, batches, and exact resume (N steps = N/2 + resume + N/2, bit for bit). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "07_bert/pretrain.h"
#include "testutil.h"
#include "util.h"

/* A toy tokenizer for the document rules: each white-space separated word is one id, 5 + its
 * length (so the test can check which words arrived). */
static int toy_encode(void *ctx, const char *text, size_t len, int *out, int cap) {
    (void)ctx;
    int n = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && (text[i] == ' ' || text[i] == '\t')) i++;
        size_t j = i;
        while (j < len && text[j] != ' ' && text[j] != '\t') j++;
        if (j > i) {
            if (n < cap) out[n] = 5 + (int)(j - i);
            n++;
        }
        i = j;
    }
    return n;
}

static void check_docs(const BertDocs *d, int ndoc, const int *sents_per_doc) {
    ck_assert_int_eq(d->ndoc, ndoc);
    for (int k = 0; k < ndoc; k++)
        ck_assert_msg(d->doc_first[k + 1] - d->doc_first[k] == sents_per_doc[k], "document %d: %d sentences, %d expected",
                      k, d->doc_first[k + 1] - d->doc_first[k], sents_per_doc[k]);
}

START_TEST(documents_split_on_blank_lines) {
    /* blank lines (also white space only, also several) separate documents; leading blanks ignored */
    const char *text = "\n  \nab c\nd\n\nefg hi\n \t \n\n\nj\nklm\n";
    BertDocs d;
    bert_docs_init(&d);
    bert_docs_from_text(&d, text, strlen(text), 2, toy_encode, NULL);
    int want[] = {2, 1, 2};
    check_docs(&d, 3, want);
    ck_assert_int_eq(d.nsent, 5);
    ck_assert_int_eq(bert_docs_sent_len(&d, 0), 2);
    ck_assert_int_eq(d.ids[0], 7);
    ck_assert_int_eq(d.ids[1], 6);
    bert_docs_free(&d);
}
END_TEST

START_TEST(documents_of_fixed_lines_without_blank_lines) {
    /* no blank line anywhere (the final newline does not count): documents of doc_lines lines */
    const char *text = "a\nb\nc\nd\ne\nf\ng\n";
    BertDocs d;
    bert_docs_init(&d);
    bert_docs_from_text(&d, text, strlen(text), 3, toy_encode, NULL);
    int want[] = {3, 3, 1};
    check_docs(&d, 3, want);
    bert_docs_free(&d);
    /* without a final newline, too */
    bert_docs_init(&d);
    bert_docs_from_text(&d, text, strlen(text) - 1, 7, toy_encode, NULL);
    int want1[] = {7};
    check_docs(&d, 1, want1);
    bert_docs_free(&d);
}
END_TEST

START_TEST(lines_without_tokens_are_dropped) {
    /* a line the tokenizer turns into nothing is not a sentence (and not a document boundary) */
    BertDocs d;
    bert_docs_init(&d);
    int ids[] = {9, 9};
    bert_docs_add_sentence(&d, ids, 2);
    bert_docs_add_sentence(&d, ids, 0);
    bert_docs_end_document(&d);
    bert_docs_end_document(&d); /* an empty document is not made */
    bert_docs_add_sentence(&d, ids, 1);
    bert_docs_end_document(&d);
    int want[] = {1, 1};
    check_docs(&d, 2, want);
    bert_docs_free(&d);
}
END_TEST

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(exclude_keeps_test_sentences_out_of_the_corpus) {
    /* The test set cuts its sentences elsewhere than the corpus does ("“" starts one; another runs
     * over two corpus sentences): a shared run of 8 characters, white space ignored, is enough. */
    char *test = temp_path(".tsv"), *novel = temp_path(".txt"), *out = temp_path(".txt");
    write_text(test, "a\t”众军见了，无不惊畏，不敢追赶。\n"
                     "b\t他 说 道 ： 今 日 天 气 甚 好\n"
                     "c\tleft\t宝玉听了，忙笑道：你们只管去罢。我便来了，你们先走\n");
    write_text(novel, "    众将大喜。“众军见了，无不惊畏，不敢追赶。”次日收兵。\n\n"
                      "他说道：今日天气甚好。何不出游？\n\n"
                      "宝玉听了，忙笑道：你们只管去罢。我便来了，你们先走一步。\n\n"
                      "话说天下大势，分久必合，合久必分。\n");
    char err[ERR_LEN];
    const char *xs[] = {test};
    BertExclude *ex = bert_exclude_load(xs, 1, err);
    ck_assert_msg(ex != NULL, "%s", err);
    ck_assert(bert_exclude_hits(ex, "众军见了，无不惊畏，不敢追赶", strlen("众军见了，无不惊畏，不敢追赶")));
    ck_assert(bert_exclude_hits(ex, "众军见了，无不惊", strlen("众军见了，无不惊")));
    ck_assert(!bert_exclude_hits(ex, "众军见了，无不", strlen("众军见了，无不"))); /* 7 characters are not enough */
    ck_assert(!bert_exclude_hits(ex, "a\tb", 3)); /* the label column is not a text */
    const char *ins[] = {novel};
    BertCorpusStats st;
    int docs = bert_corpus_join(ins, 1, 20, ex, out, &st, err);
    ck_assert_msg(docs >= 0, "%s", err);
    size_t len;
    char *got = read_file(out, &len, err);
    ck_assert_msg(got != NULL, "%s", err);
    ck_assert_msg(!strstr(got, "不敢追赶") && !strstr(got, "天气甚好") && !strstr(got, "只管去罢") &&
                      !strstr(got, "先走一步"), "a test sentence is still in the corpus:\n%s", got);
    ck_assert_msg(strstr(got, "众将大喜。") && strstr(got, "次日收兵。") && strstr(got, "何不出游？") &&
                      strstr(got, "分久必合，合久必分。"), "a sentence that is not in the test set was lost:\n%s", got);
    ck_assert_int_eq(st.dropped, 4);
    ck_assert_int_eq(st.kept, 4);
    /* without the exclusion everything stays */
    ck_assert_int_ge(bert_corpus_join(ins, 1, 20, NULL, out, &st, err), 0);
    ck_assert_int_eq(st.dropped, 0);
    ck_assert_int_eq(st.kept, 8);
    /* English: a run of 32 characters (about six words), not 8 ("ofthelor" is everywhere) */
    write_text(test, "kjv\tAnd the LORD spake unto Moses in the wilderness of Sinai, saying\n"
                     "ham\tOk lar... Joking wif u oni...\n");
    bert_exclude_free(ex);
    ex = bert_exclude_load(xs, 1, err);
    ck_assert_msg(ex != NULL, "%s", err);
#define HITS(t) bert_exclude_hits(ex, t, strlen(t))
    ck_assert(HITS("Then the LORD spake unto Moses in the wilderness of Sinai."));
    ck_assert(!HITS("And the LORD spake unto Moses, saying, Speak unto the children of Israel."));
    ck_assert(HITS("Ok lar... Joking wif u oni...")); /* a short text: matched whole */
    ck_assert(!HITS("Ok lar..."));
#undef HITS
    const char *missing[] = {"/nonexistent/test.tsv"};
    ck_assert_ptr_null(bert_exclude_load(missing, 1, err));
    ck_assert_msg(strstr(err, "/nonexistent/test.tsv") != NULL, "%s", err);
    bert_exclude_free(ex);
    free(got);
    remove(test), remove(novel), remove(out);
    free(test), free(novel), free(out);
}
END_TEST

/* A synthetic corpus in which every token says where it comes from: document d, sentence s,
 * token k -> id 5 + d*1000 + s*20 + k. Sentence lengths vary from 1 to 19. */
enum { TOY_DOCS = 40, TOY_V = 5 + TOY_DOCS * 1000 };
static void toy_corpus(BertDocs *D, uint64_t seed) {
    bert_docs_init(D);
    Rng r;
    rng_seed(&r, seed);
    for (int d = 0; d < TOY_DOCS; d++) {
        int ns = 1 + (int)rng_below(&r, 30);
        for (int s = 0; s < ns; s++) {
            int n = 1 + (int)rng_below(&r, 19), ids[20];
            for (int k = 0; k < n; k++) ids[k] = 5 + d * 1000 + s * 20 + k;
            bert_docs_add_sentence(D, ids, n);
        }
        bert_docs_end_document(D);
    }
}
static const BertSpecials TOY_SP = {0, 2, 3, 4, 5, TOY_V};
static int tok_doc(int id) { return (id - 5) / 1000; }
static int tok_sent(int id) { return (id - 5) % 1000 / 20; }

START_TEST(pairs_are_well_formed_and_balanced) {
    BertDocs D;
    toy_corpus(&D, 1);
    BertPairStream s;
    char err[ERR_LEN];
    ck_assert_int_eq(bert_stream_init(&s, &D, 0, 0, 32, &TOY_SP, 7, err), 0);
    BertExample e;
    bert_example_init(&e, 32);
    int nrand = 0, N = 4000, short_ones = 0;
    double len_sum[2] = {0, 0};
    for (int i = 0; i < N; i++) {
        bert_stream_next_pair(&s, &e);
        ck_assert_int_le(e.n, 32);
        ck_assert_int_eq(e.tokens[0], TOY_SP.cls);
        ck_assert_int_eq(e.tokens[e.n - 1], TOY_SP.sep);
        int sep = -1;
        for (int t = 1; t < e.n - 1; t++)
            if (e.tokens[t] == TOY_SP.sep) {
                ck_assert_int_eq(sep, -1); /* exactly one [SEP] inside */
                sep = t;
            }
        ck_assert_int_ge(sep, 2);       /* A has at least one token */
        ck_assert_int_le(sep, e.n - 3); /* and so has B */
        for (int t = 0; t < e.n; t++) ck_assert_int_eq(e.segs[t], t > sep);
        int da = tok_doc(e.tokens[1]), db = tok_doc(e.tokens[sep + 1]);
        for (int t = 1; t < sep; t++) ck_assert_int_eq(tok_doc(e.tokens[t]), da);
        for (int t = sep + 1; t < e.n - 1; t++) ck_assert_int_eq(tok_doc(e.tokens[t]), db);
        if (e.is_random) {
            nrand++;
            ck_assert_int_ne(da, db);
        } else {
            /* B continues A: same document, and B's first sentence comes right after A's last */
            ck_assert_int_eq(da, db);
            int last_a = tok_sent(e.tokens[sep - 1]), first_b = tok_sent(e.tokens[sep + 1]);
            ck_assert_msg(first_b > last_a, "IsNext: A ends in sentence %d, B starts at %d", last_a, first_b);
            /* untruncated (shorter than the limit): B starts with the very next sentence */
            if (e.n < 32)
                ck_assert_msg(first_b == last_a + 1, "IsNext: A ends in sentence %d, B starts at %d", last_a, first_b);
        }
        if (e.n < 20) short_ones++;
        len_sum[e.is_random] += e.n;
    }
    /* the length of a pair must not tell NotNext from IsNext (a random B is cut to the true B's length) */
    double mean_next = len_sum[0] / (N - nrand), mean_rand = len_sum[1] / nrand;
    ck_assert_msg(fabs(mean_rand - mean_next) < 0.05 * mean_next, "mean length IsNext %.2f, NotNext %.2f", mean_next,
                  mean_rand);
    double frac = (double)nrand / N;
    /* 4000 fair coins: standard deviation 0.0079; 0.47..0.53 is almost 4 sigma */
    ck_assert_msg(fabs(frac - 0.5) < 0.03, "NotNext fraction %.3f, 0.5 expected", frac);
    ck_assert_int_gt(short_ones, 0);
    bert_example_free(&e);
    bert_stream_free(&s);
    bert_docs_free(&D);
}
END_TEST

START_TEST(pair_length_does_not_reveal_nsp) {
    /* short documents (3 sentences of 4-8 tokens, all shorter than max_len): a true B ends with its
     * document; a random B must not be longer on average, or the length alone answers NSP */
    BertDocs D;
    bert_docs_init(&D);
    Rng r;
    rng_seed(&r, 9);
    for (int d = 0; d < 200; d++) {
        for (int s = 0; s < 3; s++) {
            int n = 4 + (int)rng_below(&r, 5), ids[8];
            for (int k = 0; k < n; k++) ids[k] = 5 + d * 1000 + s * 20 + k;
            bert_docs_add_sentence(&D, ids, n);
        }
        bert_docs_end_document(&D);
    }
    BertPairStream s;
    char err[ERR_LEN];
    ck_assert_int_eq(bert_stream_init(&s, &D, 0, 0, 64, &TOY_SP, 3, err), 0);
    BertExample e;
    bert_example_init(&e, 64);
    double sum[2] = {0, 0};
    int cnt[2] = {0, 0};
    for (int i = 0; i < 4000; i++) {
        bert_stream_next_pair(&s, &e);
        sum[e.is_random] += e.n, cnt[e.is_random]++;
    }
    double next = sum[0] / cnt[0], rnd = sum[1] / cnt[1];
    ck_assert_msg(fabs(rnd - next) < 0.03 * next, "mean length IsNext %.2f, NotNext %.2f", next, rnd);
    bert_example_free(&e);
    bert_stream_free(&s);
    bert_docs_free(&D);
}
END_TEST

START_TEST(truncation_cuts_the_longer_side) {
    Rng r;
    rng_seed(&r, 3);
    for (int trial = 0; trial < 50; trial++) {
        int a[10], b[3], na = 10, nb = 3;
        for (int i = 0; i < 10; i++) a[i] = 100 + i;
        for (int i = 0; i < 3; i++) b[i] = 200 + i;
        bert_truncate_pair(a, &na, b, &nb, 8, &r);
        ck_assert_int_eq(na, 5); /* all five from the longer side */
        ck_assert_int_eq(nb, 3);
        for (int i = 1; i < na; i++) ck_assert_int_eq(a[i], a[i - 1] + 1); /* a contiguous piece */
        for (int i = 0; i < nb; i++) ck_assert_int_eq(b[i], 200 + i);
        /* equal lengths: b first, then alternating */
        int c[5] = {1, 2, 3, 4, 5}, d[5] = {6, 7, 8, 9, 10}, nc = 5, nd = 5;
        bert_truncate_pair(c, &nc, d, &nd, 7, &r);
        ck_assert_int_eq(nc, 4);
        ck_assert_int_eq(nd, 3);
    }
    /* nothing to cut */
    int a[2] = {1, 2}, b[2] = {3, 4}, na = 2, nb = 2;
    bert_truncate_pair(a, &na, b, &nb, 4, &r);
    ck_assert_int_eq(na + nb, 4);
}
END_TEST

START_TEST(long_sentences_are_truncated_to_max_len) {
    /* documents of one 50-token sentence each: every pair must be cut to 16 tokens */
    BertDocs D;
    bert_docs_init(&D);
    int ids[50];
    for (int d = 0; d < 4; d++) {
        for (int k = 0; k < 50; k++) ids[k] = 5 + d * 1000 + k;
        bert_docs_add_sentence(&D, ids, 50);
        bert_docs_add_sentence(&D, ids, 50);
        bert_docs_end_document(&D);
    }
    BertPairStream s;
    char err[ERR_LEN];
    ck_assert_int_eq(bert_stream_init(&s, &D, 0, 0, 16, &TOY_SP, 1, err), 0);
    BertExample e;
    bert_example_init(&e, 16);
    int full = 0;
    for (int i = 0; i < 200; i++) {
        bert_stream_next_pair(&s, &e);
        ck_assert_int_le(e.n, 16);
        full += e.n == 16;
    }
    ck_assert_int_gt(full, 150); /* all but the short-target ones fill the length */
    bert_example_free(&e);
    bert_stream_free(&s);
    bert_docs_free(&D);
}
END_TEST

START_TEST(masking_statistics) {
    BertDocs D;
    toy_corpus(&D, 2);
    BertPairStream s;
    char err[ERR_LEN];
    ck_assert_int_eq(bert_stream_init(&s, &D, 0, 0, 64, &TOY_SP, 11, err), 0);
    BertExample e, orig;
    bert_example_init(&e, 64);
    bert_example_init(&orig, 64);
    long normal = 0, chosen = 0, kind[3] = {0, 0, 0};
    for (int i = 0; i < 5000; i++) {
        bert_stream_next_pair(&s, &e);
        memcpy(orig.tokens, e.tokens, sizeof(int) * (size_t)e.n);
        int nn = 0;
        for (int t = 0; t < e.n; t++) nn += e.tokens[t] >= TOY_SP.first_normal;
        bert_mask_example(&e, &TOY_SP, 0.15f, &s.rng);
        int want = (int)lround(0.15 * nn);
        if (want < 1) want = 1;
        if (want > e.max_pred) want = e.max_pred;
        ck_assert_int_eq(e.npred, want);
        normal += nn, chosen += e.npred;
        for (int k = 0; k < e.npred; k++) {
            int p = e.mlm_pos[k];
            if (k) ck_assert_int_gt(p, e.mlm_pos[k - 1]);
            ck_assert_int_ge(orig.tokens[p], TOY_SP.first_normal); /* never [CLS] or [SEP] */
            ck_assert_int_eq(e.mlm_target[k], orig.tokens[p]);
            kind[e.mlm_kind[k]]++;
            if (e.mlm_kind[k] == 0) ck_assert_int_eq(e.tokens[p], TOY_SP.mask);
            if (e.mlm_kind[k] == 1) ck_assert_int_ge(e.tokens[p], TOY_SP.first_normal);
            if (e.mlm_kind[k] == 2) ck_assert_int_eq(e.tokens[p], orig.tokens[p]);
        }
        /* positions not chosen are untouched */
        int k = 0;
        for (int t = 0; t < e.n; t++) {
            if (k < e.npred && e.mlm_pos[k] == t) {
                k++;
                continue;
            }
            ck_assert_int_eq(e.tokens[t], orig.tokens[t]);
        }
    }
    double f = (double)chosen / normal, total = (double)chosen;
    ck_assert_msg(fabs(f - 0.15) < 0.01, "chose %.4f of the tokens, 0.15 expected", f);
    ck_assert_msg(fabs(kind[0] / total - 0.8) < 0.01, "[MASK] share %.4f", kind[0] / total);
    ck_assert_msg(fabs(kind[1] / total - 0.1) < 0.01, "random share %.4f", kind[1] / total);
    ck_assert_msg(fabs(kind[2] / total - 0.1) < 0.01, "unchanged share %.4f", kind[2] / total);
    bert_example_free(&e);
    bert_example_free(&orig);
    bert_stream_free(&s);
    bert_docs_free(&D);
}
END_TEST

/* A stream started elsewhere and set to state gives the 20 examples recorded in first/n. */
static void expect_resumed(const BertDocs *D, const char *state, int first[20][48], const int *n, uint64_t seed) {
    BertPairStream r;
    BertExample e;
    char err[ERR_LEN];
    ck_assert_int_eq(bert_stream_init(&r, D, 5, 0, 48, &TOY_SP, seed, err), 0);
    ck_assert_msg(bert_stream_set_state(&r, state, err) == 0, "%s", err);
    bert_example_init(&e, 48);
    for (int i = 0; i < 20; i++) {
        bert_stream_next(&r, &e);
        ck_assert_int_eq(e.n, n[i]);
        ck_assert_mem_eq(e.tokens, first[i], sizeof(int) * (size_t)e.n);
    }
    bert_example_free(&e);
    bert_stream_free(&r);
}

START_TEST(stream_state_round_trip_and_holdout) {
    BertDocs D;
    toy_corpus(&D, 3);
    BertPairStream s, h;
    char err[ERR_LEN], state[256];
    ck_assert_int_eq(bert_stream_init(&s, &D, 5, 0, 48, &TOY_SP, 5, err), 0);
    ck_assert_int_eq(bert_stream_init(&h, &D, 5, 1, 48, &TOY_SP, 5, err), 0);
    ck_assert_int_eq(s.ndocs + h.ndocs, TOY_DOCS);
    ck_assert_int_eq(h.ndocs, TOY_DOCS / 5);
    BertExample e;
    bert_example_init(&e, 48);
    for (int i = 0; i < 300; i++) {
        bert_stream_next_pair(&h, &e);
        ck_assert_int_eq(tok_doc(e.tokens[1]) % 5, 4); /* held-out documents only */
        bert_stream_next_pair(&s, &e);
        ck_assert_int_ne(tok_doc(e.tokens[1]) % 5, 4);
    }
    bert_stream_get_state(&s, state, sizeof state);
    int first[20][48], n[20];
    for (int i = 0; i < 20; i++) {
        bert_stream_next(&s, &e);
        memcpy(first[i], e.tokens, sizeof(int) * (size_t)e.n), n[i] = e.n;
    }
    expect_resumed(&D, state, first, n, 999);
    /* a resume in the middle of a pool: the pool is made again and the rest handed out the same */
    bert_stream_get_state(&s, state, sizeof state);
    int docs_seen[TOY_DOCS] = {0}, distinct = 0;
    for (int i = 0; i < 20; i++) {
        bert_stream_next(&s, &e);
        memcpy(first[i], e.tokens, sizeof(int) * (size_t)e.n), n[i] = e.n;
        if (!docs_seen[tok_doc(e.tokens[1])]++) distinct++;
    }
    /* the pool mixes documents: 20 consecutive examples from many of the 32 training documents (in
     * corpus order they would come from a handful) */
    ck_assert_msg(distinct >= 10, "20 examples from only %d documents", distinct);
    expect_resumed(&D, state, first, n, 7);
    BertPairStream s2;
    ck_assert_int_eq(bert_stream_init(&s2, &D, 5, 0, 48, &TOY_SP, 999, err), 0);
    ck_assert_int_eq(bert_stream_set_state(&s2, "1 2 3", err), -1);
    ck_assert_int_eq(bert_stream_set_state(&s2, "1 0 9999 0 5 0", err), -1);
    ck_assert_int_eq(bert_stream_set_state(&s2, "1 0 0 0 5 99999", err), -1);
    bert_example_free(&e);
    bert_stream_free(&s), bert_stream_free(&s2), bert_stream_free(&h);
    bert_docs_free(&D);
}
END_TEST

START_TEST(one_document_is_refused) {
    BertDocs D;
    bert_docs_init(&D);
    int ids[3] = {7, 8, 9};
    bert_docs_add_sentence(&D, ids, 3);
    bert_docs_add_sentence(&D, ids, 3);
    bert_docs_end_document(&D);
    BertPairStream s;
    char err[ERR_LEN];
    ck_assert_int_eq(bert_stream_init(&s, &D, 0, 0, 32, &TOY_SP, 1, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "at least 2"));
    bert_docs_free(&D);
}
END_TEST

START_TEST(batches_pad_to_the_longest) {
    BertDocs D;
    toy_corpus(&D, 4);
    BertPairStream s, s2;
    char err[ERR_LEN];
    ck_assert_int_eq(bert_stream_init(&s, &D, 0, 0, 40, &TOY_SP, 9, err), 0);
    ck_assert_int_eq(bert_stream_init(&s2, &D, 0, 0, 40, &TOY_SP, 9, err), 0);
    BertBatch b;
    BertExample e;
    bert_batch_init(&b, 8, 40);
    bert_example_init(&e, 40);
    for (int round = 0; round < 20; round++) {
        bert_batch_fill(&b, &s, &e, 8);
        ck_assert_int_le(b.T, 40);
        int maxn = 0, k = 0;
        long real = 0;
        for (int i = 0; i < 8; i++) {
            bert_stream_next(&s2, &e); /* the same examples, one by one */
            if (e.n > maxn) maxn = e.n;
            real += e.n;
            ck_assert_int_eq(b.len[i], e.n);
            ck_assert_int_eq(b.nsp[i], e.is_random);
            ck_assert_mem_eq(b.ids + i * b.T, e.tokens, sizeof(int) * (size_t)e.n);
            ck_assert_mem_eq(b.segs + i * b.T, e.segs, sizeof(int) * (size_t)e.n);
            for (int t = 0; t < b.T; t++) {
                ck_assert_int_eq(b.pad[i * b.T + t], t >= e.n);
                if (t >= e.n) ck_assert_int_eq(b.ids[i * b.T + t], TOY_SP.pad);
            }
            for (int j = 0; j < e.npred; j++, k++) {
                ck_assert_int_eq(b.mlm_pos[k], i * b.T + e.mlm_pos[j]);
                ck_assert_int_eq(b.mlm_target[k], e.mlm_target[j]);
            }
        }
        ck_assert_int_eq(k, b.n_mlm);
        ck_assert_int_eq(b.T, maxn);
        ck_assert_int_eq(b.real_tokens, real);
    }
    bert_batch_free(&b);
    bert_example_free(&e);
    bert_stream_free(&s), bert_stream_free(&s2);
    bert_docs_free(&D);
}
END_TEST

/* ---- the training loop ------------------------------------------------------------------------- */

/* A small corpus of 12 documents of 6 sentences, written to a temporary file. */
static char *write_toy_corpus(void) {
    static const char *const words[] = {"the", "king", "river", "bank", "money", "went", "said", "unto", "him", "and",
                                        "water", "land", "gold", "silver", "city", "house"};
    char *path = temp_path(".txt");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    Rng r;
    rng_seed(&r, 5);
    for (int d = 0; d < 12; d++) {
        for (int s = 0; s < 6; s++) {
            int n = 3 + (int)rng_below(&r, 8);
            for (int k = 0; k < n; k++) fprintf(f, "%s%s", k ? " " : "", words[rng_below(&r, 16)]);
            fprintf(f, ".\n");
        }
        fprintf(f, "\n");
    }
    fclose(f);
    return path;
}

static PretrainOptions tiny_options(const char *corpus, const char *out) {
    PretrainOptions o = pretrain_defaults();
    o.corpus = corpus, o.out = out;
    o.layers = 1, o.hidden = 16, o.heads = 2, o.intermediate = 32, o.vocab_size = 60, o.max_seq_len = 24;
    o.batch = 4, o.steps = 8, o.warmup = 2, o.lr = 3e-3, o.threads = 1, o.quiet = 1, o.holdout_every = 0;
    return o;
}

static unsigned char *slurp(const char *dir, const char *file, size_t *len) {
    char path[1024], err[ERR_LEN];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    unsigned char *b = (unsigned char *)read_file(path, len, err);
    ck_assert_msg(b != NULL, "%s", err);
    return b;
}

static void rm_dir(const char *dir) {
    static const char *const files[] = {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json",
                                        "trainer_state.safetensors"};
    char path[1024];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    rmdir(dir);
}

START_TEST(resume_is_bit_identical) {
    char *corpus = write_toy_corpus(), *one = temp_path("-one"), *two = temp_path("-two"), err[ERR_LEN];
    PretrainResult r;
    /* 8 steps in one run */
    PretrainOptions o = tiny_options(corpus, one);
    ck_assert_msg(bert_pretrain(&o, &r, err) == 0, "%s", err);
    ck_assert_int_eq(r.steps_done, 8);
    /* 4 steps, stop, resume for the other 4 */
    o = tiny_options(corpus, two);
    o.stop_at = 4;
    ck_assert_msg(bert_pretrain(&o, &r, err) == 0, "%s", err);
    ck_assert_int_eq(r.steps_done, 4);
    size_t la, lb;
    unsigned char *a = slurp(one, "model.safetensors", &la), *b = slurp(two, "model.safetensors", &lb);
    ck_assert_msg(la != lb || memcmp(a, b, la), "the half run should differ from the whole one");
    free(b);
    PretrainOptions res = pretrain_defaults();
    res.resume = two, res.threads = 1, res.quiet = 1;
    ck_assert_msg(bert_pretrain(&res, &r, err) == 0, "%s", err);
    ck_assert_int_eq(r.steps_done, 8);
    b = slurp(two, "model.safetensors", &lb);
    ck_assert_int_eq(la, lb);
    ck_assert_msg(!memcmp(a, b, la), "weights after 4 + resume + 4 steps differ from 8 steps in one run");
    free(a), free(b);
    a = slurp(one, "trainer_state.safetensors", &la), b = slurp(two, "trainer_state.safetensors", &lb);
    ck_assert_int_eq(la, lb);
    ck_assert_msg(!memcmp(a, b, la), "trainer states differ");
    free(a), free(b);
    /* nothing left to do: refused with a message */
    ck_assert_int_eq(bert_pretrain(&res, &r, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "already done"));
    rm_dir(one), rm_dir(two);
    remove(corpus);
    free(corpus), free(one), free(two);
}
END_TEST

START_TEST(resume_refuses_a_foreign_state) {
    char *corpus = write_toy_corpus(), *one = temp_path("-one"), *two = temp_path("-two"), err[ERR_LEN];
    PretrainResult r;
    PretrainOptions o = tiny_options(corpus, one);
    o.stop_at = 2;
    ck_assert_msg(bert_pretrain(&o, &r, err) == 0, "%s", err);
    o = tiny_options(corpus, two);
    o.stop_at = 3;
    ck_assert_msg(bert_pretrain(&o, &r, err) == 0, "%s", err);
    /* the trainer state of run one beside the model of run two: noticed */
    size_t n;
    unsigned char *st = slurp(one, "trainer_state.safetensors", &n);
    char path[1024];
    snprintf(path, sizeof path, "%s/trainer_state.safetensors", two);
    FILE *f = fopen(path, "wb");
    fwrite(st, 1, n, f);
    fclose(f);
    free(st);
    PretrainOptions res = pretrain_defaults();
    res.resume = two, res.threads = 1, res.quiet = 1;
    ck_assert_int_eq(bert_pretrain(&res, &r, err), -1);
    ck_assert_msg(strstr(err, "does not belong") != NULL, "%s", err);
    /* no trainer state at all */
    remove(path);
    ck_assert_int_eq(bert_pretrain(&res, &r, err), -1);
    ck_assert_msg(strstr(err, "trainer_state") != NULL, "%s", err);
    rm_dir(one), rm_dir(two);
    remove(corpus);
    free(corpus), free(one), free(two);
}
END_TEST

START_TEST(nonfinite_loss_names_the_step) {
    /* an absurd learning rate sends the weights to 1e30 after the first step: the next loss overflows,
     * and the loop must stop with a message naming the step instead of training on NaN */
    char *corpus = write_toy_corpus(), *one = temp_path("-nan"), err[ERR_LEN];
    PretrainResult r;
    PretrainOptions o = tiny_options(corpus, one);
    o.lr = 1e30, o.warmup = 0, o.steps = 4, o.dropout = 0;
    ck_assert_int_eq(bert_pretrain(&o, &r, err), -1);
    ck_assert_int_eq(r.stopped_nonfinite, 1);
    ck_assert_msg(strstr(err, "step 2:") != NULL || strstr(err, "step 3:") != NULL, "%s", err);
    rm_dir(one);
    remove(corpus);
    free(corpus), free(one);
}
END_TEST

Suite *bert_pretrain_suite(void) {
    Suite *s = suite_create("bert_pretrain");
    TCase *tc = tcase_create("data");
    tcase_add_test(tc, documents_split_on_blank_lines);
    tcase_add_test(tc, documents_of_fixed_lines_without_blank_lines);
    tcase_add_test(tc, lines_without_tokens_are_dropped);
    tcase_add_test(tc, exclude_keeps_test_sentences_out_of_the_corpus);
    tcase_add_test(tc, pairs_are_well_formed_and_balanced);
    tcase_add_test(tc, pair_length_does_not_reveal_nsp);
    tcase_add_test(tc, truncation_cuts_the_longer_side);
    tcase_add_test(tc, long_sentences_are_truncated_to_max_len);
    tcase_add_test(tc, masking_statistics);
    tcase_add_test(tc, stream_state_round_trip_and_holdout);
    tcase_add_test(tc, one_document_is_refused);
    tcase_add_test(tc, batches_pad_to_the_longest);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("loop");
    tcase_set_timeout(tl, 60);
    tcase_add_test(tl, resume_is_bit_identical);
    tcase_add_test(tl, resume_refuses_a_foreign_state);
    tcase_add_test(tl, nonfinite_loss_names_the_step);
    suite_add_tcase(s, tl);
    return s;
}
