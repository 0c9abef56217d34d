/* test_glove.c - chapter 02, GloVe: the co-occurrence counts of a hand-made text against
 * hand-computed values (1/distance weights, lines, windows), the disk-merge path against the
 * in-memory one, the objective's gradient against finite differences and PyTorch
 * (tests/fixtures/glove.txt from tests/make_fixtures_glove.py), the first AdaGrad step against the
 * reference gradient, and the loss of a small problem going down. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "02_word2vec/cooc.h"
#include "02_word2vec/glove.h"
#include "gradcheck.h"
#include "rng.h"
#include "testutil.h"
#include "util.h"

#define REF FIXTURE("glove.txt")

static void corpus_of(W2vCorpus *c, const char *text) {
    char err[ERR_LEN];
    ck_assert_msg(w2v_corpus_build(c, text, strlen(text), TOK_WORDS, 0, 1, err) == 0, "%s", err);
}

static float X(const Cooc *m, const W2vCorpus *c, const char *a, const char *b) {
    return cooc_get(m, vocab_find_str(c->vocab, a), vocab_find_str(c->vocab, b));
}

/* ---- counting ---------------------------------------------------------------------------------- */

START_TEST(cooc_by_hand) {
    /* Window 2. Line 1 "a b c": (a,b) at 1, (b,c) at 1, (a,c) at 2. Line 2 "b a": (b,a) at 1; the
     * line break keeps c and b (line 1's last, line 2's first) apart. Line 3 "a d a": (a,d) twice
     * at 1, and (a,a) at 2, counted both ways. Each pair adds 1/d to X[u][v] and to X[v][u]:
     *   X[a][b] = 1 + 1 = 2, X[b][c] = 1, X[a][c] = 1/2, X[a][d] = 2, X[a][a] = 1/2 + 1/2 = 1. */
    W2vCorpus c;
    corpus_of(&c, "a b c\nb a\na d a\n");
    Cooc m;
    char err[ERR_LEN];
    ck_assert_int_eq(cooc_count(&m, &c, 2, 0, NULL, err), 0);
    ck_assert_int_eq((int)m.n, 9);
    ck_assert_int_eq(m.chunks, 0);
    ck_assert_float_eq(X(&m, &c, "a", "b"), 2.0f); ck_assert_float_eq(X(&m, &c, "b", "a"), 2.0f);
    ck_assert_float_eq(X(&m, &c, "b", "c"), 1.0f); ck_assert_float_eq(X(&m, &c, "c", "b"), 1.0f);
    ck_assert_float_eq(X(&m, &c, "a", "c"), 0.5f); ck_assert_float_eq(X(&m, &c, "c", "a"), 0.5f);
    ck_assert_float_eq(X(&m, &c, "a", "d"), 2.0f); ck_assert_float_eq(X(&m, &c, "d", "a"), 2.0f);
    ck_assert_float_eq(X(&m, &c, "a", "a"), 1.0f);
    ck_assert_float_eq(X(&m, &c, "c", "d"), 0.0f); ck_assert_float_eq(X(&m, &c, "b", "b"), 0.0f);
    for (size_t k = 1; k < m.n; k++) /* sorted by (i, j), each pair once */
        ck_assert(m.e[k - 1].i < m.e[k].i || (m.e[k - 1].i == m.e[k].i && m.e[k - 1].j < m.e[k].j));
    cooc_free(&m);
    /* Window 1: the pairs at distance 2 drop out. */
    ck_assert_int_eq(cooc_count(&m, &c, 1, 0, NULL, err), 0);
    ck_assert_int_eq((int)m.n, 6);
    ck_assert_float_eq(X(&m, &c, "a", "c"), 0.0f);
    ck_assert_float_eq(X(&m, &c, "a", "a"), 0.0f);
    ck_assert_float_eq(X(&m, &c, "a", "d"), 2.0f);
    cooc_free(&m);
    /* Distances 1..4 weigh 1, 1/2, 1/3, 1/4 */
    W2vCorpus c2;
    corpus_of(&c2, "p q r s t\n");
    ck_assert_int_eq(cooc_count(&m, &c2, 4, 0, NULL, err), 0);
    ck_assert_float_eq(X(&m, &c2, "p", "q"), 1.0f);
    ck_assert_float_eq(X(&m, &c2, "p", "r"), 0.5f);
    ck_assert_float_eq(X(&m, &c2, "p", "s"), (float)(1.0 / 3));
    ck_assert_float_eq(X(&m, &c2, "t", "p"), 0.25f);
    ck_assert_int_eq((int)m.n, 20); /* every ordered pair of 5 distinct words */
    cooc_free(&m);
    ck_assert_int_eq(cooc_count(&m, &c2, 0, 0, NULL, err), -1); /* bad window */
    ck_assert_ptr_nonnull(strstr(err, "window"));
    w2v_corpus_free(&c), w2v_corpus_free(&c2);
}
END_TEST

/* A text of 6,000 words drawn from a skewed distribution over 400 words, in lines of 5-24. */
static char *random_text(uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    size_t cap = 80000, len = 0;
    char *text = xmalloc(cap);
    for (int w = 0; w < 6000; w++) {
        int id = (int)(400 * pow(rng_uniform(&r), 3)); /* small ids frequent */
        len += (size_t)snprintf(text + len, cap - len, "w%d%s", id, rng_below(&r, 15) == 0 ? "\n" : " ");
    }
    text[len] = 0;
    return text;
}

START_TEST(cooc_disk_merge_equals_memory) {
    char *text = random_text(3);
    W2vCorpus c;
    corpus_of(&c, text);
    Cooc mem, disk;
    char err[ERR_LEN];
    ck_assert_int_eq(cooc_count(&mem, &c, 5, 0, NULL, err), 0);
    ck_assert_int_eq(mem.chunks, 0);
    ck_assert_int_eq(cooc_count(&disk, &c, 5, COOC_MIN_BYTES, NULL, err), 0);
    ck_assert_int_gt(disk.chunks, 10); /* the bound really forced many chunks */
    ck_assert_int_le((int)disk.table_peak, (int)COOC_MIN_BYTES);
    ck_assert_int_gt((int)mem.table_peak, 8 * (int)COOC_MIN_BYTES);
    ck_assert_int_eq((int)disk.n, (int)mem.n);
    ck_assert_int_gt((int)mem.n, 5000);
    int differ = 0;
    for (size_t k = 0; k < mem.n; k++) {
        ck_assert_int_eq(disk.e[k].i, mem.e[k].i);
        ck_assert_int_eq(disk.e[k].j, mem.e[k].j);
        /* sums of 1/d in double, added in another order: equal as floats, or within one ulp */
        ck_assert_float_eq_tol(disk.e[k].x, mem.e[k].x, 1e-6f * mem.e[k].x);
        differ += disk.e[k].x != mem.e[k].x;
    }
    ck_assert_int_le(differ, (int)(mem.n / 1000));
    /* symmetric */
    for (size_t k = 0; k < mem.n; k += 97) ck_assert_float_eq(cooc_get(&mem, mem.e[k].j, mem.e[k].i), mem.e[k].x);
    cooc_free(&disk);
    /* an unwritable chunk directory is an error, not a crash */
    ck_assert_int_eq(cooc_count(&disk, &c, 5, COOC_MIN_BYTES, "/nonexistent-dir-nlpc", err), -1);
    ck_assert_ptr_nonnull(strstr(err, "temporary file"));
    cooc_free(&mem);
    w2v_corpus_free(&c);
    free(text);
}
END_TEST

/* ---- the objective ----------------------------------------------------------------------------- */

START_TEST(weight_function) {
    ck_assert_double_eq_tol(glove_weight(100, 100, 0.75), 1.0, 1e-12);
    ck_assert_double_eq_tol(glove_weight(1000, 100, 0.75), 1.0, 1e-12);
    ck_assert_double_eq_tol(glove_weight(10, 100, 0.75), pow(0.1, 0.75), 1e-12); /* 0.17783 */
    ck_assert_double_eq_tol(glove_weight(10, 100, 0.75), 0.177827941, 1e-9);
    ck_assert_double_eq_tol(glove_weight(50, 100, 1.0), 0.5, 1e-12);
}
END_TEST

typedef struct {
    GloveModel *m;
    const CoocEntry *e;
    size_t n;
} LossCtx;
static double loss_of(void *ctx) {
    LossCtx *c = ctx;
    return glove_loss(c->m, c->e, c->n, 10, 0.75);
}

/* 7 words, dim 5, 12 entries with counts below and above x_max = 10, one word paired with itself. */
static const CoocEntry small_entries[12] = {{0, 1, 3.0f}, {1, 0, 3.0f}, {0, 2, 0.5f},  {2, 3, 25.0f},
                                            {3, 2, 25.0f}, {4, 4, 1.0f}, {5, 6, 7.5f},  {6, 0, 0.25f},
                                            {1, 5, 12.0f}, {3, 1, 2.0f}, {2, 6, 9.99f}, {6, 6, 40.0f}};

START_TEST(glove_gradcheck) {
    GloveModel m, g;
    glove_model_init(&m, 7, 5, 1, 11);
    for (size_t k = 0; k < glove_model_size(&m); k++) m.data[k] *= 20; /* residuals of order 1 */
    glove_model_init(&g, 7, 5, 0, 0);
    glove_backward(&m, &g, small_entries, 12, 10, 0.75);
    LossCtx ctx = {&m, small_entries, 12};
    GradCheck r = gradcheck(loss_of, &ctx, m.data, g.data, glove_model_size(&m), 1e-3, 1e-4, 1e-3, 0);
    ck_assert_msg(r.worst <= 1, "worst %g at %zu: analytic %g numeric %g", r.worst, r.worst_index, r.analytic,
                  r.numeric);
    ck_assert_int_eq((int)r.checked, (int)glove_model_size(&m));
    /* backward accumulates: a second call doubles the gradient */
    float first = g.w[0];
    glove_backward(&m, &g, small_entries, 12, 10, 0.75);
    ck_assert_float_eq_tol(g.w[0], 2 * first, 1e-6f * fabsf(first) + 1e-9f);
    glove_model_free(&m), glove_model_free(&g);
}
END_TEST

START_TEST(glove_matches_pytorch) {
    /* the same parameters and entries through torch: loss and every gradient */
    int shape[8], nd;
    float *params = fixture_load(REF, "params", &nd, shape);
    float *loss = fixture_load(REF, "loss", NULL, NULL);
    float *grad = fixture_load(REF, "grad", NULL, NULL);
    GloveModel m, g;
    glove_model_init(&m, 7, 5, 0, 0);
    glove_model_init(&g, 7, 5, 0, 0);
    ck_assert_int_eq(shape[0], (int)glove_model_size(&m));
    memcpy(m.data, params, sizeof(float) * glove_model_size(&m));
    double J = glove_loss(&m, small_entries, 12, 10, 0.75);
    ck_assert_double_eq_tol(J, loss[0], 1e-5 * fabs(loss[0]));
    glove_backward(&m, &g, small_entries, 12, 10, 0.75);
    ck_assert_allclose(g.data, grad, glove_model_size(&m), 1e-6, 1e-4);
    glove_model_free(&m), glove_model_free(&g);
    free(params), free(loss), free(grad);
}
END_TEST

START_TEST(first_adagrad_step_is_sgd) {
    /* AdaGrad's accumulators start at 1, so the first step on a lone entry is plain SGD: every
     * parameter moves by -eta * dJ/dparam (no clipping at these sizes). */
    Cooc x = {0};
    x.V = 7;
    x.n = 1;
    x.e = xmalloc(sizeof(CoocEntry));
    x.e[0] = small_entries[3];
    GloveConfig cfg = glove_config_default();
    cfg.dim = 5, cfg.epochs = 1, cfg.threads = 1, cfg.x_max = 10, cfg.verbose = 0, cfg.seed = 5;
    GloveModel m, ref, g;
    glove_train(&x, &cfg, &m, NULL);
    glove_model_init(&ref, 7, 5, 1, 5); /* the same initial values */
    glove_model_init(&g, 7, 5, 0, 0);
    glove_backward(&ref, &g, x.e, 1, 10, 0.75);
    for (size_t k = 0; k < glove_model_size(&ref); k++) ref.data[k] -= (float)cfg.eta * g.data[k];
    ck_assert_allclose(m.data, ref.data, glove_model_size(&m), 1e-7, 1e-5);
    float *v = glove_vectors(&m); /* the saved vector is w + c */
    ck_assert_float_eq(v[2 * 5 + 3], m.w[2 * 5 + 3] + m.c[2 * 5 + 3]);
    free(v);
    glove_model_free(&m), glove_model_free(&ref), glove_model_free(&g);
    cooc_free(&x);
}
END_TEST

START_TEST(loss_decreases_and_is_deterministic) {
    char *text = random_text(9);
    W2vCorpus c;
    corpus_of(&c, text);
    Cooc x, y;
    char err[ERR_LEN];
    ck_assert_int_eq(cooc_count(&x, &c, 5, 0, NULL, err), 0);
    ck_assert_int_eq(cooc_count(&y, &c, 5, 0, NULL, err), 0);
    GloveConfig cfg = glove_config_default();
    cfg.dim = 16, cfg.epochs = 10, cfg.threads = 1, cfg.x_max = 10, cfg.verbose = 0;
    GloveModel m1, m2;
    GloveStats st;
    glove_train(&x, &cfg, &m1, &st);
    ck_assert_msg(st.loss < 0.8 * st.first_loss, "loss %g after 10 epochs, %g after the first", st.loss, st.first_loss);
    glove_train(&y, &cfg, &m2, NULL); /* one thread, same seed: the same numbers */
    ck_assert_mem_eq(m1.data, m2.data, sizeof(float) * glove_model_size(&m1));
    /* and the final loss, recomputed by the reference on the (shuffled) entries, is smaller than
     * the initial model's */
    GloveModel m0;
    glove_model_init(&m0, m1.V, 16, 1, cfg.seed);
    double J0 = glove_loss(&m0, x.e, x.n, 10, 0.75), J1 = glove_loss(&m1, x.e, x.n, 10, 0.75);
    ck_assert_msg(J1 < 0.4 * J0, "J %g -> %g", J0, J1);
    glove_model_free(&m0), glove_model_free(&m1), glove_model_free(&m2);
    cooc_free(&x), cooc_free(&y);
    w2v_corpus_free(&c);
    free(text);
}
END_TEST

Suite *glove_suite(void) {
    Suite *s = suite_create("glove");
    TCase *t = tcase_create("glove");
    tcase_add_test(t, cooc_by_hand);
    tcase_add_test(t, cooc_disk_merge_equals_memory);
    tcase_add_test(t, weight_function);
    tcase_add_test(t, glove_gradcheck);
    tcase_add_test(t, glove_matches_pytorch);
    tcase_add_test(t, first_adagrad_step_is_sgd);
    tcase_add_test(t, loss_decreases_and_is_deterministic);
    suite_add_tcase(s, t);
    return s;
}
