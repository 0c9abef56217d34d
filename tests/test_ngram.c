/* test_ngram.c - chapter 03's data split and Kneser-Ney model: the split is reproducible and
 * complete, histories stop at sentence starts, counts of a tiny corpus and the probabilities they
 * give are the hand-computed ones, every distribution sums to 1, and the mixture weight is the
 * likelihood's maximum. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "03_nnlm/interp.h"
#include "03_nnlm/lmdata.h"
#include "03_nnlm/ngram.h"
#include "testutil.h"
#include "util.h"

/* ids of the hand-computed corpus: </s> 0, <unk> 1, a 2, b 3, c 4 */
enum { EOS = 0, UNK = 1, A = 2, B = 3, C = 4, V5 = 5 };
/* "a b", "a b", "a c", "b c": each sentence ends in </s> */
static const int TINY[] = {A, B, EOS, A, B, EOS, A, C, EOS, B, C, EOS};
#define NTINY ((long)(sizeof TINY / sizeof *TINY))

START_TEST(history_stops_at_sentence_start) {
    int ctx[4];
    /* position 0: nothing before, all padding; one boundary counts as history */
    ck_assert_int_eq(lm_history(TINY, 0, ctx, 4), 1);
    for (int k = 0; k < 4; k++) ck_assert_int_eq(ctx[k], EOS);
    /* position 4 ("b" of the second sentence): </s> a */
    ck_assert_int_eq(lm_history(TINY, 4, ctx, 4), 2);
    int want[4] = {EOS, EOS, EOS, A};
    ck_assert_int_eq(memcmp(ctx, want, sizeof want), 0);
    /* position 5 (the </s> after "a b"): a b, and the previous sentence stays invisible */
    ck_assert_int_eq(lm_history(TINY, 5, ctx, 2), 2);
    ck_assert_int_eq(ctx[0], A);
    ck_assert_int_eq(ctx[1], B);
    ck_assert_int_eq(lm_history(TINY, 5, ctx, 4), 3);
    int want5[4] = {EOS, EOS, A, B};
    ck_assert_int_eq(memcmp(ctx, want5, sizeof want5), 0);
}
END_TEST

static const char *TEXT = "the cat sat\nthe dog sat\n\nthe cat ran\na dog ran far\nthe end\nthe cat sat on the mat\n"
                          "a cat\nthe dog\nthe rare zebra\nthe cat sat\nand so on\nthe dog ran\n";

START_TEST(split_is_seeded_complete_and_train_only) {
    LmSplitOptions o = lm_split_defaults();
    o.min_count = 1, o.valid_frac = 0.25, o.test_frac = 0.25, o.seed = 5; /* 5, 4 and 3 sentences */
    char err[ERR_LEN];
    LmData d1, d2, d3;
    ck_assert_msg(lmdata_from_text(&d1, TEXT, strlen(TEXT), &o, err) == 0, "%s", err);
    ck_assert_msg(lmdata_from_text(&d2, TEXT, strlen(TEXT), &o, err) == 0, "%s", err);
    /* the same seed: the same streams */
    for (int p = 0; p < LM_NSPLITS; p++) {
        ck_assert_int_eq(d1.ntok[p], d2.ntok[p]);
        ck_assert_int_gt(d1.ntok[p], 0);
        ck_assert_int_eq(memcmp(d1.tok[p], d2.tok[p], sizeof(int) * (size_t)d1.ntok[p]), 0);
    }
    /* 12 non-empty lines, each in exactly one part; 37 words + 12 </s> */
    ck_assert_int_eq(d1.nsent[0] + d1.nsent[1] + d1.nsent[2], 12);
    ck_assert_int_eq(d1.ntok[0] + d1.ntok[1] + d1.ntok[2], 37 + 12);
    ck_assert_str_eq(d1.vocab->words[LM_EOS], "</s>");
    ck_assert_str_eq(d1.vocab->words[LM_UNK], "<unk>");
    /* a word of the held-out parts that training never saw is <unk>, and counted */
    long unk = 0;
    for (int p = 1; p < LM_NSPLITS; p++)
        for (long i = 0; i < d1.ntok[p]; i++) {
            int id = d1.tok[p][i];
            ck_assert(id >= 0 && id < d1.V);
            unk += id == LM_UNK;
        }
    ck_assert_int_eq(unk, d1.nunk[1] + d1.nunk[2]);
    ck_assert_int_eq(d1.nunk[0], 0); /* min count 1: every training word is in the vocabulary */
    /* another seed: another split (these seeds give different training parts) */
    int differs = 0;
    for (uint64_t s = 6; s < 10 && !differs; s++) {
        o.seed = s;
        ck_assert(lmdata_from_text(&d3, TEXT, strlen(TEXT), &o, err) == 0);
        differs = d3.ntok[0] != d1.ntok[0] || (d1.ntok[0] > 0 && memcmp(d3.tok[0], d1.tok[0], sizeof(int) * (size_t)d1.ntok[0]) != 0);
        lmdata_free(&d3);
    }
    ck_assert(differs);
    /* min count: training words seen once become <unk> in training too */
    o.seed = 5, o.min_count = 2;
    ck_assert(lmdata_from_text(&d3, TEXT, strlen(TEXT), &o, err) == 0);
    ck_assert_int_gt(d3.nunk[0], 0);
    ck_assert_int_lt(d3.V, d1.V);
    lmdata_free(&d1), lmdata_free(&d2), lmdata_free(&d3);
    /* errors are reported, not fatal */
    o.min_count = 1000;
    ck_assert_int_eq(lmdata_from_text(&d1, TEXT, strlen(TEXT), &o, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "min count"));
    o.min_count = 1, o.valid_frac = 0.6, o.test_frac = 0.5;
    ck_assert_int_eq(lmdata_from_text(&d1, TEXT, strlen(TEXT), &o, err), -1);
    ck_assert_int_eq(lmdata_load(&d1, "tests/no/such/corpus.txt", &o, err), -1);
}
END_TEST

START_TEST(adjusted_counts_by_hand) {
    /* A trigram model of TINY. The top order and every n-gram that starts at a sentence start
     * keep raw counts; other bigrams and unigrams count distinct preceding words. */
    KnModel *m = kn_train(TINY, NTINY, V5, 3);
    const int s_a[2] = {EOS, A}, s_b[2] = {EOS, B}, ab[2] = {A, B}, ac[2] = {A, C}, b_e[2] = {B, EOS}, bc[2] = {B, C},
              c_e[2] = {C, EOS}, sab[3] = {EOS, A, B}, abe[3] = {A, B, EOS};
    ck_assert_uint_eq(kn_adjusted_count(m, s_a, 2), 3); /* raw: 3 sentences start with a */
    ck_assert_uint_eq(kn_adjusted_count(m, s_b, 2), 1);
    ck_assert_uint_eq(kn_adjusted_count(m, ab, 2), 1);  /* seen twice, always after </s> */
    ck_assert_uint_eq(kn_adjusted_count(m, ac, 2), 1);
    ck_assert_uint_eq(kn_adjusted_count(m, b_e, 2), 1);
    ck_assert_uint_eq(kn_adjusted_count(m, bc, 2), 1);
    ck_assert_uint_eq(kn_adjusted_count(m, c_e, 2), 2); /* after a and after b */
    ck_assert_uint_eq(kn_adjusted_count(m, sab, 3), 2);
    ck_assert_uint_eq(kn_adjusted_count(m, abe, 3), 2);
    const int a[1] = {A}, b[1] = {B}, c[1] = {C}, e[1] = {EOS}, u[1] = {UNK};
    ck_assert_uint_eq(kn_adjusted_count(m, a, 1), 1); /* only ever after </s> */
    ck_assert_uint_eq(kn_adjusted_count(m, b, 1), 2); /* after a and </s> */
    ck_assert_uint_eq(kn_adjusted_count(m, c, 1), 2);
    ck_assert_uint_eq(kn_adjusted_count(m, e, 1), 2);
    ck_assert_uint_eq(kn_adjusted_count(m, u, 1), 0);
    ck_assert_uint_eq(kn_num_grams(m, 2), 7);
    kn_free(m);
}
END_TEST

START_TEST(probabilities_by_hand) {
    /* A bigram model of TINY with hand-picked discounts D1 = 0.5, D2 = 1, D3+ = 1.5 at both orders.
     * Unigram (continuation) counts: a 1, b 2, c 2, </s> 2, <unk> 0; total 7; N1 = 1, N2 = 3, so the
     * mass given to the uniform 1/5 is 0.5 + 3 = 3.5:
     *   P1(a) = (1 - 0.5 + 3.5/5) / 7 = 1.2/7,  P1(b) = P1(c) = P1(</s>) = 1.7/7,  P1(<unk>) = 0.7/7.
     * Bigrams after a: a b 2, a c 1 (total 3, N1 = 1, N2 = 1: backoff mass 1.5):
     *   P(b | a) = (2 - 1 + 1.5 P1(b)) / 3,  P(c | a) = (1 - 0.5 + 1.5 P1(c)) / 3,  P(a | a) = 1.5 P1(a) / 3.
     * At a sentence start: </s> a 3, </s> b 1 (N1 = 1, N3+ = 1: mass 0.5 + 1.5 = 2):
     *   P(a | </s>) = (3 - 1.5 + 2 P1(a)) / 4.
     * An unseen history (<unk>) leaves the unigram: P(b | <unk>) = P1(b). */
    KnModel *m = kn_train(TINY, NTINY, V5, 2);
    kn_set_discounts(m, 1, 0.5, 1.0, 1.5);
    kn_set_discounts(m, 2, 0.5, 1.0, 1.5);
    const int h_a[1] = {A}, h_s[1] = {EOS}, h_u[1] = {UNK};
    double p1a = 1.2 / 7, p1b = 1.7 / 7, p1u = 0.7 / 7;
    ck_assert_double_eq_tol(kn_prob(m, NULL, 0, A), p1a, 1e-12);
    ck_assert_double_eq_tol(kn_prob(m, NULL, 0, B), p1b, 1e-12);
    ck_assert_double_eq_tol(kn_prob(m, NULL, 0, UNK), p1u, 1e-12);
    ck_assert_double_eq_tol(kn_prob(m, h_a, 1, B), (2 - 1 + 1.5 * p1b) / 3, 1e-12);
    ck_assert_double_eq_tol(kn_prob(m, h_a, 1, C), (1 - 0.5 + 1.5 * p1b) / 3, 1e-12);
    ck_assert_double_eq_tol(kn_prob(m, h_a, 1, A), 1.5 * p1a / 3, 1e-12);
    ck_assert_double_eq_tol(kn_prob(m, h_s, 1, A), (3 - 1.5 + 2 * p1a) / 4, 1e-12);
    ck_assert_double_eq_tol(kn_prob(m, h_u, 1, B), p1b, 1e-12);
    kn_free(m);
}
END_TEST

START_TEST(discounts_from_counts_of_counts) {
    /* n1..n4 = 100, 40, 20, 10: Y = 100/180, D1 = 1 - 2Y 40/100, D2 = 2 - 3Y 20/40, D3 = 3 - 4Y 10/20 */
    const long n[5] = {0, 100, 40, 20, 10};
    double D[4], Y = 100.0 / 180;
    kn_discounts_from_counts(n, D);
    ck_assert_double_eq_tol(D[1], 1 - 2 * Y * 0.4, 1e-12);
    ck_assert_double_eq_tol(D[2], 2 - 3 * Y * 0.5, 1e-12);
    ck_assert_double_eq_tol(D[3], 3 - 4 * Y * 0.5, 1e-12);
    /* a corpus too small for the formula (no count of 2) falls back to c/2 */
    const long few[5] = {0, 5, 0, 0, 0};
    kn_discounts_from_counts(few, D);
    ck_assert_double_eq_tol(D[1], 0.5, 1e-12);
    ck_assert_double_eq_tol(D[3], 1.5, 1e-12);
}
END_TEST

/* sum over the vocabulary of P(w | hist) */
static double total_mass(const KnModel *m, const int *hist, int hlen) {
    double s = 0;
    for (int w = 0; w < m->V; w++) s += kn_prob(m, hist, hlen, w);
    return s;
}

START_TEST(distributions_sum_to_one) {
    /* A random corpus over 40 ids with a skewed (Zipf-like) frequency, orders 1 to 5, with the
     * estimated discounts; histories seen, partly seen, unseen, at a sentence start. */
    enum { N = 6000, V = 40 };
    int *tok = xmalloc(sizeof(int) * N);
    float u[N];
    fill_uniform(u, N, 0, 1, 77);
    for (int i = 0; i < N; i++) {
        int w = 1 + (int)((V - 1) * u[i] * u[i] * u[i]);
        tok[i] = (i % 9 == 8 || w >= V) ? EOS : w;
    }
    tok[N - 1] = EOS;
    for (int order = 1; order <= 5; order++) {
        KnModel *m = kn_train(tok, N, V, order);
        ck_assert_double_eq_tol(total_mass(m, NULL, 0), 1.0, 1e-9);
        for (long i = 100; i < 4000; i += 431) {
            int hist[4];
            int avail = lm_history(tok, i, hist, 4);
            int hlen = avail < order - 1 ? avail : order - 1;
            double s = total_mass(m, hist + 4 - hlen, hlen);
            ck_assert_msg(fabs(s - 1) < 1e-9, "order %d at %ld: mass %.12f", order, i, s);
        }
        const int unseen[4] = {V - 1, V - 1, V - 1, V - 1}, start[1] = {EOS};
        ck_assert_double_eq_tol(total_mass(m, unseen, order - 1), 1.0, 1e-9);
        ck_assert_double_eq_tol(total_mass(m, start, 1), 1.0, 1e-9);
        kn_free(m);
    }
    free(tok);
}
END_TEST

START_TEST(higher_order_fits_training_text_better) {
    /* Perplexity on the training text itself falls with the order (a sanity check of the counts)
     * and a uniform model's perplexity is exactly V. */
    double lp[NTINY], prev = INFINITY;
    for (int order = 1; order <= 3; order++) {
        KnModel *m = kn_train(TINY, NTINY, V5, order);
        kn_stream_logprobs(m, TINY, NTINY, lp);
        double ppl = perplexity_from_logprobs(lp, NTINY);
        ck_assert_msg(ppl < prev, "order %d: %g not below %g", order, ppl, prev);
        prev = ppl;
        kn_free(m);
    }
    for (long i = 0; i < NTINY; i++) lp[i] = -log(5.0);
    ck_assert_double_eq_tol(perplexity_from_logprobs(lp, NTINY), 5.0, 1e-12);
}
END_TEST

START_TEST(interpolation_weight_is_the_maximum) {
    /* 200 tokens with per-token probabilities under two models; at the tuned lambda the
     * log-likelihood's derivative sum (pa - pb) / (lambda pa + (1 - lambda) pb) is 0, and the
     * mixture is at least as good as either model and as a lambda nearby. */
    enum { N = 200 };
    double la[N], lb[N], mix[N];
    float ua[N], ub[N];
    fill_uniform(ua, N, 0.01f, 0.9f, 3), fill_uniform(ub, N, 0.01f, 0.9f, 4);
    for (int i = 0; i < N; i++) la[i] = log(ua[i]), lb[i] = log(ub[i] * (i % 3 ? 1.0 : 0.2));
    double lambda = interp_tune(la, lb, N);
    ck_assert(lambda > 0 && lambda < 1);
    double deriv = 0;
    for (int i = 0; i < N; i++) {
        double pa = exp(la[i]), pb = exp(lb[i]);
        deriv += (pa - pb) / (lambda * pa + (1 - lambda) * pb);
    }
    ck_assert_msg(fabs(deriv) < 1e-3, "derivative %g at lambda %g", deriv, lambda);
    interp_logprobs(la, lb, N, lambda, mix);
    double pm = perplexity_from_logprobs(mix, N);
    ck_assert(pm <= perplexity_from_logprobs(la, N) && pm <= perplexity_from_logprobs(lb, N));
    interp_logprobs(la, lb, N, lambda + 0.05, mix);
    ck_assert(pm < perplexity_from_logprobs(mix, N));
    /* lambda 1 and 0 return each model unchanged */
    interp_logprobs(la, lb, N, 1.0, mix);
    ck_assert_double_eq_tol(mix[7], la[7], 1e-12);
    interp_logprobs(la, lb, N, 0.0, mix);
    ck_assert_double_eq_tol(mix[7], lb[7], 1e-12);
}
END_TEST

Suite *ngram_suite(void) {
    Suite *s = suite_create("ngram");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, history_stops_at_sentence_start);
    tcase_add_test(tc, split_is_seeded_complete_and_train_only);
    tcase_add_test(tc, adjusted_counts_by_hand);
    tcase_add_test(tc, probabilities_by_hand);
    tcase_add_test(tc, discounts_from_counts_of_counts);
    tcase_add_test(tc, distributions_sum_to_one);
    tcase_add_test(tc, higher_order_fits_training_text_better);
    tcase_add_test(tc, interpolation_weight_is_the_maximum);
    suite_add_tcase(s, tc);
    return s;
}
