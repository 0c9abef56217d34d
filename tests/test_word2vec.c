/* test_word2vec.c - chapter 02: the sampling tables and the Huffman tree against hand-computed
 * values, the window model against finite differences and PyTorch (tests/fixtures/word2vec.txt,
 * from tests/make_fixtures_word2vec.py), the fast kernel against the reference, the corpus reader,
 * and training on a corpus with a planted structure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "02_word2vec/word2vec.h"
#include "gradcheck.h"
#include "testutil.h"
#include "util.h"

#define REF FIXTURE("word2vec.txt")

/* ---- tables ------------------------------------------------------------------------------------ */

START_TEST(keep_probs_by_hand) {
    /* total 1000, t = 0.01: t*total = 10. keep = sqrt(10/c) + 10/c, capped at 1:
     *   c = 40: 0.5 + 0.25 = 0.75;  c = 90: 1/3 + 1/9 = 0.4444;  c = 10: 1 + 1 -> 1;  c = 860: */
    int64_t counts[4] = {860, 90, 40, 10};
    float *k = w2v_keep_probs(counts, 4, 0.01);
    ck_assert_float_eq_tol(k[0], (float)(sqrt(10.0 / 860) + 10.0 / 860), 1e-6f);
    ck_assert_float_eq_tol(k[1], 1.0f / 3 + 1.0f / 9, 1e-6f);
    ck_assert_float_eq_tol(k[2], 0.75f, 1e-6f);
    ck_assert_float_eq(k[3], 1.0f);
    free(k);
    k = w2v_keep_probs(counts, 4, 0); /* sample 0: everything kept */
    for (int i = 0; i < 4; i++) ck_assert_float_eq(k[i], 1.0f);
    free(k);
}
END_TEST

START_TEST(unigram_table_by_hand) {
    /* weights 100^0.75 = 31.6228, 10^0.75 = 5.6234, 1; sum 38.2462. Cumulative shares 0.826824,
     * 0.973854, 1 -> entries [0, 826), [826, 973), [973, 1000): 826, 147, 27. */
    int64_t counts[3] = {100, 10, 1};
    int32_t *t = w2v_unigram_table(counts, 3, 0.75, 1000);
    int n[3] = {0, 0, 0};
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_ge(t[i], 0); ck_assert_int_lt(t[i], 3);
        if (i > 0) ck_assert_int_ge(t[i], t[i - 1]); /* in id order */
        n[t[i]]++;
    }
    ck_assert_int_eq(n[0], 826); ck_assert_int_eq(n[1], 147); ck_assert_int_eq(n[2], 27);
    free(t);
    /* power 1: plain unigram, 100/111 of 1000 = 900.9 -> 900, 990.99 -> 990 */
    t = w2v_unigram_table(counts, 3, 1.0, 1000);
    ck_assert_int_eq(t[899], 0); ck_assert_int_eq(t[900], 1); ck_assert_int_eq(t[989], 1); ck_assert_int_eq(t[990], 2);
    free(t);
}
END_TEST

START_TEST(huffman_by_hand) {
    /* The textbook counts 45 16 13 12 9 5 (CLRS 16.3), built the word2vec.c way. Internal nodes
     * in order of creation (ids 0..4): 0 = {5,9}:14, 1 = {12,13}:25, 2 = {14,16}:30,
     * 3 = {25,30}:55, 4 = {45,55}:100 (the root). The second of each joined pair is the 1-branch.
     * Paths from the root, as (node, bit):
     *   45: (4,0)                      16: (4,1) (3,1) (2,1)
     *   13: (4,1) (3,0) (1,1)          12: (4,1) (3,0) (1,0)
     *    9: (4,1) (3,1) (2,0) (0,1)     5: (4,1) (3,1) (2,0) (0,0) */
    int64_t counts[6] = {45, 16, 13, 12, 9, 5};
    W2vHuffman h;
    w2v_huffman_build(&h, counts, 6);
    static const int len[6] = {1, 3, 3, 3, 4, 4};
    static const int pt[6][4] = {{4}, {4, 3, 2}, {4, 3, 1}, {4, 3, 1}, {4, 3, 2, 0}, {4, 3, 2, 0}};
    static const int code[6][4] = {{0}, {1, 1, 1}, {1, 0, 1}, {1, 0, 0}, {1, 1, 0, 1}, {1, 1, 0, 0}};
    for (int w = 0; w < 6; w++) {
        ck_assert_int_eq(h.off[w + 1] - h.off[w], len[w]);
        for (int k = 0; k < len[w]; k++) {
            ck_assert_msg(h.point[h.off[w] + k] == pt[w][k], "word %d node %d: %d", w, k, h.point[h.off[w] + k]);
            ck_assert_msg(h.code[h.off[w] + k] == code[w][k], "word %d bit %d", w, k);
        }
    }
    w2v_huffman_free(&h);
    /* two words: one decision at the root; the rarer word is joined first, so it takes bit 0 */
    int64_t two[2] = {3, 1};
    w2v_huffman_build(&h, two, 2);
    ck_assert_int_eq(h.off[1], 1); ck_assert_int_eq(h.off[2], 2);
    ck_assert_int_eq(h.point[0], 0); ck_assert_int_eq(h.point[1], 0);
    ck_assert_int_eq(h.code[0], 1); ck_assert_int_eq(h.code[1], 0);
    w2v_huffman_free(&h);
}
END_TEST

START_TEST(sigmoid_table_error) {
    float t[W2V_SIGMOID_SIZE];
    w2v_sigmoid_table_init(t);
    double worst = 0;
    for (int i = -7000; i <= 7000; i++) {
        float x = i / 1000.0f;
        double e = fabs(w2v_sigmoid_lookup(t, x) - 1 / (1 + exp(-(double)x)));
        if (e > worst) worst = e;
    }
    ck_assert_msg(worst < 0.0026, "sigmoid table error %g", worst); /* saturation at 6: 1 - s(6) = 0.0025 */
    ck_assert_float_eq(w2v_sigmoid_lookup(t, 6.5f), 1.0f);
    ck_assert_float_eq(w2v_sigmoid_lookup(t, -6.5f), 0.0f);
    ck_assert_float_eq_tol(w2v_sigmoid_lookup(t, 0.0f), 0.5f, 0.0015f);
}
END_TEST

/* ---- the window model: finite differences --------------------------------------------------- */

typedef struct {
    float *in, *out, *labels, *logits, *dlogits;
    int M, N, d;
} WinCtx;

static double win_loss(void *p) {
    WinCtx *c = p;
    w2v_scores_forward(c->logits, c->in, c->out, c->M, c->N, c->d);
    return w2v_logistic_loss(c->dlogits, c->logits, c->labels, c->M, c->N);
}

START_TEST(window_gradcheck) {
    enum { M = 3, N = 5, D = 7 };
    float in[M * D], out[N * D], labels[N] = {1, 0, 0, 1, 0}, logits[M * N], dl[M * N];
    float din[M * D] = {0}, dout[N * D] = {0};
    fill_uniform(in, M * D, -1, 1, 11), fill_uniform(out, N * D, -1, 1, 12);
    WinCtx c = {in, out, labels, logits, dl, M, N, D};
    win_loss(&c);
    w2v_scores_backward(din, dout, dl, in, out, M, N, D);
    GradCheck g = gradcheck(win_loss, &c, in, din, M * D, 1e-3, 1e-3, 1e-2, 0);
    ck_assert_msg(g.worst <= 1, "d/din[%zu]: %g vs %g", g.worst_index, g.analytic, g.numeric);
    g = gradcheck(win_loss, &c, out, dout, N * D, 1e-3, 1e-3, 1e-2, 0);
    ck_assert_msg(g.worst <= 1, "d/dout[%zu]: %g vs %g", g.worst_index, g.analytic, g.numeric);
    /* backward accumulates: a second call doubles the gradient */
    float din2[M * D];
    memcpy(din2, din, sizeof din);
    win_loss(&c); /* dlogits at the unperturbed point again */
    w2v_scores_backward(din2, NULL, dl, in, out, M, N, D);
    for (int i = 0; i < M * D; i++) ck_assert_float_eq_tol(din2[i], 2 * din[i], 1e-6f);
}
END_TEST

typedef struct {
    float *ctx, *h, *r;
    int M, d;
} MeanCtx;

static double mean_loss(void *p) {
    MeanCtx *c = p;
    w2v_mean_forward(c->h, c->ctx, c->M, c->d);
    return dot_loss(c->h, c->r, (size_t)c->d);
}

START_TEST(mean_gradcheck) {
    enum { M = 4, D = 6 };
    float ctx[M * D], h[D], r[D], dctx[M * D] = {0};
    fill_uniform(ctx, M * D, -1, 1, 21), fill_uniform(r, D, -1, 1, 22);
    MeanCtx c = {ctx, h, r, M, D};
    mean_loss(&c);
    w2v_mean_backward(dctx, r, M, D);
    GradCheck g = gradcheck(mean_loss, &c, ctx, dctx, M * D, 1e-3, 1e-4, 1e-3, 0);
    ck_assert_msg(g.worst <= 1, "mean: %g vs %g", g.analytic, g.numeric);
}
END_TEST

/* ---- the window model: PyTorch ----------------------------------------------------------------- */

static void check_window_fixture(const char *p) {
    char name[64];
#define LOAD(var, suffix) snprintf(name, sizeof name, "%s_%s", p, suffix), var = fixture_load(REF, name, &nd, shape)
    int nd, shape[8];
    float *in, *out, *labels, *logits, *loss, *din, *dout, *in_after, *out_after;
    LOAD(in, "in");
    int M = shape[0], D = shape[1];
    LOAD(out, "out");
    int N = shape[0];
    LOAD(labels, "labels");
    LOAD(logits, "logits");
    LOAD(loss, "loss");
    LOAD(din, "din");
    LOAD(dout, "dout");
    LOAD(in_after, "in_after");
    LOAD(out_after, "out_after");
#undef LOAD
    float *lr = fixture_load(REF, "lr", NULL, NULL);
    float *z = malloc(sizeof(float) * (size_t)(M * N)), *dz = malloc(sizeof(float) * (size_t)(M * N));
    float *gi = calloc((size_t)(M * D), sizeof(float)), *go = calloc((size_t)(N * D), sizeof(float));
    w2v_scores_forward(z, in, out, M, N, D);
    ck_assert_allclose(z, logits, (size_t)(M * N), 1e-6, 1e-5);
    double L = w2v_logistic_loss(dz, z, labels, M, N);
    ck_assert_double_eq_tol(L, loss[0], 1e-5 * fabs(loss[0]));
    w2v_scores_backward(gi, go, dz, in, out, M, N, D);
    ck_assert_allclose(gi, din, (size_t)(M * D), 1e-6, 1e-5);
    ck_assert_allclose(go, dout, (size_t)(N * D), 1e-6, 1e-5);
    double L2 = w2v_step_reference(in, out, labels, M, N, D, lr[0]);
    ck_assert_double_eq_tol(L2, loss[0], 1e-5 * fabs(loss[0]));
    ck_assert_allclose(in, in_after, (size_t)(M * D), 1e-6, 1e-5);
    ck_assert_allclose(out, out_after, (size_t)(N * D), 1e-6, 1e-5);
    free(in), free(out), free(labels), free(logits), free(loss), free(din), free(dout), free(in_after),
        free(out_after), free(lr), free(z), free(dz), free(gi), free(go);
}

START_TEST(window_matches_pytorch) {
    check_window_fixture("sg"); /* negative sampling labels */
    check_window_fixture("hs"); /* tree labels */
}
END_TEST

START_TEST(cbow_matches_pytorch) {
    int nd, shape[8];
    float *ctx = fixture_load(REF, "cbow_ctx", &nd, shape);
    int M = shape[0], D = shape[1];
    float *out = fixture_load(REF, "cbow_out", &nd, shape);
    int N = shape[0];
    float *labels = fixture_load(REF, "cbow_labels", NULL, NULL), *h_ref = fixture_load(REF, "cbow_h", NULL, NULL);
    float *loss = fixture_load(REF, "cbow_loss", NULL, NULL), *dh_ref = fixture_load(REF, "cbow_dh", NULL, NULL);
    float *dctx_ref = fixture_load(REF, "cbow_dctx", NULL, NULL), *dout_ref = fixture_load(REF, "cbow_dout", NULL, NULL);
    float h[64], z[64], dz[64], dh[64] = {0}, *dctx = calloc((size_t)(M * D), sizeof(float));
    float *dout = calloc((size_t)(N * D), sizeof(float));
    w2v_mean_forward(h, ctx, M, D);
    ck_assert_allclose(h, h_ref, (size_t)D, 1e-6, 1e-5);
    w2v_scores_forward(z, h, out, 1, N, D);
    double L = w2v_logistic_loss(dz, z, labels, 1, N);
    ck_assert_double_eq_tol(L, loss[0], 1e-5 * fabs(loss[0]));
    w2v_scores_backward(dh, dout, dz, h, out, 1, N, D);
    ck_assert_allclose(dh, dh_ref, (size_t)D, 1e-6, 1e-5);
    ck_assert_allclose(dout, dout_ref, (size_t)(N * D), 1e-6, 1e-5);
    w2v_mean_backward(dctx, dh, M, D);
    ck_assert_allclose(dctx, dctx_ref, (size_t)(M * D), 1e-6, 1e-5);
    free(ctx), free(out), free(labels), free(h_ref), free(loss), free(dh_ref), free(dctx_ref), free(dout_ref),
        free(dctx), free(dout);
}
END_TEST

/* ---- the fast kernel against the reference -------------------------------------------------- */

/* Rows of `d` values padded with zeros to a 16-float stride, as the trainer lays them out. */
static float *padded(const float *x, int rows, int d, int stride) {
    float *p = aligned_alloc(64, sizeof(float) * (size_t)rows * (size_t)stride);
    memset(p, 0, sizeof(float) * (size_t)rows * (size_t)stride);
    for (int r = 0; r < rows; r++) memcpy(p + (size_t)r * stride, x + (size_t)r * d, sizeof(float) * (size_t)d);
    return p;
}

START_TEST(fast_kernel_matches_reference) {
    enum { M = 6, N = 6, D = 37, S = 48 };
    float in[M * D], out[N * D], labels[N] = {1, 0, 0, 0, 0, 0};
    fill_uniform(in, M * D, -0.5f, 0.5f, 31), fill_uniform(out, N * D, -0.5f, 0.5f, 32);
    float *pin = padded(in, M, D, S), *pout = padded(out, N, D, S);
    float *rows_in[M], *rows_out[N], table[W2V_SIGMOID_SIZE], scratch[M * N];
    float *grad_in = aligned_alloc(64, sizeof(float) * M * S);
    for (int m = 0; m < M; m++) rows_in[m] = pin + m * S;
    for (int n = 0; n < N; n++) rows_out[n] = pout + n * S;
    w2v_sigmoid_table_init(table);
    const float lr = 0.5f;
    double loss = 0;
    w2v_update_window(rows_in, M, rows_out, labels, N, S, lr, table, grad_in, scratch, &loss);
    for (int m = 0; m < M; m++)
        for (int j = 0; j < S; j++) pin[m * S + j] += grad_in[m * S + j];
    double ref_loss = w2v_step_reference(in, out, labels, M, N, D, lr);
    ck_assert_double_eq_tol(loss, ref_loss, 1e-5 * ref_loss); /* the loss is exact, not tabled */
    /* the sigmoid table is off by at most 0.0015 per logit: each coordinate's step by at most
     * lr * 0.0015 * (sum of N (or M) values below 0.5) = 0.0023 */
    float got_in[M * D], got_out[N * D];
    for (int m = 0; m < M; m++) memcpy(got_in + m * D, pin + m * S, sizeof(float) * D);
    for (int n = 0; n < N; n++) memcpy(got_out + n * D, pout + n * S, sizeof(float) * D);
    ck_assert_allclose(got_in, in, M * D, 2.5e-3, 0);
    ck_assert_allclose(got_out, out, N * D, 2.5e-3, 0);
    for (int m = 0; m < M; m++) /* the padding stays zero */
        for (int j = D; j < S; j++) ck_assert_float_eq(pin[m * S + j], 0.0f);
    free(pin), free(pout), free(grad_in);
}
END_TEST

START_TEST(fast_kernel_repeated_rows_accumulate) {
    /* A word twice in one window (the same row pointer twice) gets both contributions, exactly as
     * if two copies were stepped and their changes added. */
    enum { N = 3, S = 16 };
    float a[S] = {0}, o[N][S], labels[N] = {1, 0, 0}, table[W2V_SIGMOID_SIZE], scratch[2 * N];
    float grad_in[2 * S];
    for (int j = 0; j < 5; j++) a[j] = 0.1f * (float)(j + 1);
    for (int n = 0; n < N; n++)
        for (int j = 0; j < S; j++) o[n][j] = j < 5 ? 0.05f * (float)(n - j) : 0;
    float o2[N][S];
    memcpy(o2, o, sizeof o);
    w2v_sigmoid_table_init(table);
    float *in[2] = {a, a}, *out[N] = {o[0], o[1], o[2]};
    w2v_update_window(in, 2, out, labels, N, S, 0.2f, table, grad_in, scratch, NULL);
    float *in1[1] = {a}, *out1[N] = {o2[0], o2[1], o2[2]}, g1[S];
    w2v_update_window(in1, 1, out1, labels, N, S, 0.2f, table, g1, scratch, NULL);
    for (int j = 0; j < S; j++) { /* each copy's input step is the single step */
        ck_assert_float_eq_tol(grad_in[j], g1[j], 1e-7f);
        ck_assert_float_eq_tol(grad_in[S + j], g1[j], 1e-7f);
    }
    for (int n = 0; n < N; n++) /* each output moved twice as far as after the single step */
        for (int j = 0; j < S; j++) {
            float orig = j < 5 ? 0.05f * (float)(n - j) : 0;
            ck_assert_float_eq_tol(o[n][j] - orig, 2 * (o2[n][j] - orig), 1e-6f);
        }
    ck_assert(fabsf(o[0][0] - 0.0f) > 1e-3f); /* and they did move */
}
END_TEST

/* ---- corpus ------------------------------------------------------------------------------------ */

START_TEST(corpus_ids_and_lines) {
    const char *text = "the cat sat.\n\nThe dog sat, the cat ran!\nzebra\n";
    W2vCorpus c;
    char err[ERR_LEN];
    ck_assert_int_eq(w2v_corpus_build(&c, text, strlen(text), TOK_WORDS, 0, 2, err), 0);
    /* counts: the 3, cat 2, sat 2, dog 1, ran 1, zebra 1 -> kept (min 2): the, cat, sat */
    ck_assert_int_eq(c.vocab->n, 3);
    ck_assert_str_eq(c.vocab->words[0], "the");
    ck_assert_str_eq(c.vocab->words[1], "cat"); ck_assert_str_eq(c.vocab->words[2], "sat");
    /* line 1: the cat sat | line 3: the sat the cat | zebra's line is empty after min-count */
    static const int32_t want[] = {0, 1, 2, W2V_EOL, 0, 2, 0, 1, W2V_EOL};
    ck_assert_uint_eq(c.n, sizeof want / sizeof *want);
    for (size_t i = 0; i < c.n; i++) ck_assert_int_eq(c.ids[i], want[i]);
    ck_assert_int_eq(c.words, 7);
    ck_assert_int_eq(c.tokens, 13); /* 10 words and 3 punctuation marks */
    w2v_corpus_free(&c);
    /* punctuation kept on request */
    ck_assert_int_eq(w2v_corpus_build(&c, text, strlen(text), TOK_WORDS, 1, 1, err), 0);
    ck_assert_int_ge(vocab_find_str(c.vocab, ","), 0);
    w2v_corpus_free(&c);
}
END_TEST

START_TEST(corpus_chinese_words_and_chars) {
    const char *text = "宝玉 笑道 ： 好 妹妹\n黛玉 笑道 。\n";
    W2vCorpus c;
    char err[ERR_LEN];
    ck_assert_int_eq(w2v_corpus_build(&c, text, strlen(text), TOK_WORDS, 0, 1, err), 0);
    ck_assert_int_eq(c.words, 6); /* 宝玉 笑道 好 妹妹 | 黛玉 笑道 : the marks dropped */
    ck_assert_int_eq(c.vocab->counts[vocab_find_str(c.vocab, "笑道")], 2);
    ck_assert_int_lt(vocab_find_str(c.vocab, "："), 0);
    w2v_corpus_free(&c);
    ck_assert_int_eq(w2v_corpus_build(&c, text, strlen(text), TOK_CHARS, 0, 1, err), 0);
    ck_assert_int_eq(c.words, 11); /* 宝 玉 笑 道 好 妹 妹 | 黛 玉 笑 道 */
    ck_assert_int_eq(c.vocab->counts[vocab_find_str(c.vocab, "玉")], 2);
    w2v_corpus_free(&c);
}
END_TEST

START_TEST(corpus_rejections) {
    W2vCorpus c;
    char err[ERR_LEN];
    ck_assert_int_eq(w2v_corpus_build(&c, "a b c\n", 6, TOK_WORDS, 0, 5, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "min-count"));
    ck_assert_int_eq(w2v_corpus_build(&c, "... !!! ,,\n", 11, TOK_WORDS, 0, 1, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "no words"));
    ck_assert_int_eq(w2v_corpus_read(&c, "tests/no-such-file.txt", TOK_WORDS, 0, 1, err), -1);
    /* invalid UTF-8 and binary data are refused at the door by corpus_read */
    char *path = temp_path(".txt");
    FILE *f = fopen(path, "wb");
    fputs("good words\nbad \xC3\x28 bytes\n", f);
    fclose(f);
    ck_assert_int_eq(w2v_corpus_read(&c, path, TOK_WORDS, 0, 1, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "UTF-8"));
    f = fopen(path, "wb");
    fclose(f);
    ck_assert_int_eq(w2v_corpus_read(&c, path, TOK_WORDS, 0, 1, err), -1);
    remove(path), free(path);
}
END_TEST

START_TEST(word_tokens) {
    ck_assert(w2v_is_word_token("king", 4));
    ck_assert(w2v_is_word_token("king's", 6));
    ck_assert(w2v_is_word_token("3.14", 4));
    ck_assert(w2v_is_word_token("宝玉", strlen("宝玉")));
    ck_assert(w2v_is_word_token("café", strlen("café")));
    ck_assert(!w2v_is_word_token(",", 1));
    ck_assert(!w2v_is_word_token("。", strlen("。")));
    ck_assert(!w2v_is_word_token("“", strlen("“")));
    ck_assert(!w2v_is_word_token("\xF0\x9F\x98\x80", 4)); /* an emoji */
}
END_TEST

/* ---- training on a planted structure ----------------------------------------------------------- */

/* Two groups of eight words; each line uses words of one group only. After training, words of a
 * group must be clearly closer to each other than to the other group's words. */
static char *planted_text(void) {
    static const char *g[2][8] = {{"ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen"},
                                  {"oak", "elm", "ash", "fir", "yew", "bay", "box", "ivy"}};
    size_t cap = 1 << 18, n = 0;
    char *t = malloc(cap);
    uint64_t s = 12345;
    for (int line = 0; line < 1500; line++) {
        int grp = line % 2;
        for (int k = 0; k < 10; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            n += (size_t)snprintf(t + n, cap - n, "%s%s", k ? " " : "", g[grp][(s >> 33) % 8]);
        }
        t[n++] = '\n';
    }
    t[n] = 0;
    return t;
}

static void group_cosines(const W2vWeights *w, const Vocab *v, double *within, double *across) {
    *within = *across = 0;
    int nw = 0, na = 0;
    for (int i = 0; i < v->n; i++)
        for (int j = i + 1; j < v->n; j++) {
            const float *a = w->in + (size_t)i * w->stride, *b = w->in + (size_t)j * w->stride;
            double dot = 0, na2 = 0, nb2 = 0;
            for (int k = 0; k < w->dim; k++) dot += a[k] * b[k], na2 += a[k] * a[k], nb2 += b[k] * b[k];
            double c = dot / sqrt(na2 * nb2);
            /* group of a word: is it one of the animals? */
            const char *animals = " ant bee cat dog eel fox gnu hen ";
            char wi[8], wj[8];
            snprintf(wi, sizeof wi, " %s ", v->words[i]), snprintf(wj, sizeof wj, " %s ", v->words[j]);
            int gi = strstr(animals, wi) != NULL, gj = strstr(animals, wj) != NULL;
            if (gi == gj) *within += c, nw++;
            else *across += c, na++;
        }
    *within /= nw, *across /= na;
}

static void train_planted(W2vArch arch, int hs, double *within, double *across) {
    char *text = planted_text(), err[ERR_LEN];
    W2vCorpus c;
    ck_assert_int_eq(w2v_corpus_build(&c, text, strlen(text), TOK_WORDS, 0, 1, err), 0);
    ck_assert_int_eq(c.vocab->n, 16);
    W2vConfig cfg = w2v_config_default(arch);
    cfg.hs = hs, cfg.dim = 16, cfg.epochs = 3, cfg.threads = 1, cfg.verbose = 0, cfg.sample = 0;
    W2vWeights w;
    W2vStats st;
    w2v_train(&c, &cfg, &w, &st);
    ck_assert_int_eq(st.words, 3 * 15000);
    group_cosines(&w, c.vocab, within, across);
    w2v_weights_free(&w);
    w2v_corpus_free(&c);
    free(text);
}

START_TEST(planted_groups_separate) {
    static const struct {
        W2vArch arch;
        int hs;
        const char *name;
    } cases[4] = {{W2V_SKIPGRAM, 0, "skip-gram NS"}, {W2V_CBOW, 0, "CBOW NS"}, {W2V_SKIPGRAM, 1, "skip-gram HS"},
                  {W2V_CBOW, 1, "CBOW HS"}};
    for (int k = 0; k < 4; k++) {
        double within, across;
        train_planted(cases[k].arch, cases[k].hs, &within, &across);
        /* measured: within 0.94-0.98, across -0.36 to 0.10 */
        ck_assert_msg(within > 0.8 && across < 0.3, "%s: within-group cosine %.3f, across %.3f", cases[k].name, within,
                      across);
    }
}
END_TEST

START_TEST(one_thread_is_deterministic) {
    char *text = planted_text(), err[ERR_LEN];
    W2vCorpus c;
    ck_assert_int_eq(w2v_corpus_build(&c, text, strlen(text), TOK_WORDS, 0, 1, err), 0);
    W2vConfig cfg = w2v_config_default(W2V_SKIPGRAM);
    cfg.dim = 16, cfg.epochs = 1, cfg.threads = 1, cfg.verbose = 0;
    W2vWeights a, b, d;
    w2v_train(&c, &cfg, &a, NULL);
    w2v_train(&c, &cfg, &b, NULL);
    size_t bytes = sizeof(float) * (size_t)a.V * (size_t)a.stride;
    ck_assert_int_eq(memcmp(a.in, b.in, bytes), 0);
    ck_assert_int_eq(memcmp(a.out, b.out, bytes), 0);
    cfg.seed = 2;
    w2v_train(&c, &cfg, &d, NULL);
    ck_assert_int_ne(memcmp(a.in, d.in, bytes), 0);
    w2v_weights_free(&a), w2v_weights_free(&b), w2v_weights_free(&d);
    w2v_corpus_free(&c);
    free(text);
}
END_TEST

START_TEST(threads_cover_the_corpus) {
    /* With several threads every word is still read once per epoch. */
    char *text = planted_text(), err[ERR_LEN];
    W2vCorpus c;
    ck_assert_int_eq(w2v_corpus_build(&c, text, strlen(text), TOK_WORDS, 0, 1, err), 0);
    W2vConfig cfg = w2v_config_default(W2V_CBOW);
    cfg.dim = 16, cfg.epochs = 2, cfg.threads = 3, cfg.verbose = 0;
    W2vWeights w;
    W2vStats st;
    w2v_train(&c, &cfg, &w, &st);
    ck_assert_int_eq(st.words, 2 * c.words);
    ck_assert(st.loss > 0 && st.loss < 1);
    w2v_weights_free(&w);
    w2v_corpus_free(&c);
    free(text);
}
END_TEST

Suite *word2vec_suite(void) {
    Suite *s = suite_create("word2vec");
    TCase *t = tcase_create("tables");
    tcase_add_test(t, keep_probs_by_hand);
    tcase_add_test(t, unigram_table_by_hand);
    tcase_add_test(t, huffman_by_hand);
    tcase_add_test(t, sigmoid_table_error);
    suite_add_tcase(s, t);
    t = tcase_create("model");
    tcase_add_test(t, window_gradcheck);
    tcase_add_test(t, mean_gradcheck);
    tcase_add_test(t, window_matches_pytorch);
    tcase_add_test(t, cbow_matches_pytorch);
    tcase_add_test(t, fast_kernel_matches_reference);
    tcase_add_test(t, fast_kernel_repeated_rows_accumulate);
    suite_add_tcase(s, t);
    t = tcase_create("corpus");
    tcase_add_test(t, corpus_ids_and_lines);
    tcase_add_test(t, corpus_chinese_words_and_chars);
    tcase_add_test(t, corpus_rejections);
    tcase_add_test(t, word_tokens);
    suite_add_tcase(s, t);
    t = tcase_create("training");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, planted_groups_separate);
    tcase_add_test(t, one_thread_is_deterministic);
    tcase_add_test(t, threads_cover_the_corpus);
    suite_add_tcase(s, t);
    return s;
}
