/* test_rnnlm.c - chapter 04's language model: a finite-difference check of the whole model's
 * gradient (embedding, two stacked layers, head, cross-entropy), checkpoints that round-trip bit
 * for bit and refuse other files, deterministic sampling at temperature 0, training that learns a
 * periodic text, left-to-right states that ignore what comes later (C29), tokenisation and the
 * gates' fast tanh. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "04_rnn_lstm/cells.h"
#include "04_rnn_lstm/rnnlm.h"
#include "checkpoint.h"
#include "gradcheck.h"
#include "softmax.h"
#include "testutil.h"
#include "util.h"

/* A tiny model over the characters of text. */
static void tiny_model(RnnLm *m, CellType cell, int layers, const char *text, int maxT, int maxB, uint64_t seed) {
    TokenList t = {0};
    lm_tokenize(text, strlen(text), UNIT_CHARS, &t);
    Vocab *v = lm_build_vocab(&t, UNIT_CHARS, 1);
    token_list_free(&t);
    LmConfig cfg = {cell, UNIT_CHARS, layers, 5, 3, 0.0f};
    rnnlm_init(m, &cfg, v, maxT, maxB);
    Rng rng;
    rng_seed(&rng, seed);
    rnnlm_init_weights(m, &rng);
}

typedef struct {
    RnnLm *m;
    int *ids, *tgt, T, B;
    float *state; /* the initial state, restored before every forward */
} LmCtx;

static double lm_loss(void *ctx) {
    LmCtx *c = ctx;
    rnnlm_state_set(c->m, c->state);
    return rnnlm_forward(c->m, c->ids, c->tgt, c->T, c->B, 0, NULL);
}

START_TEST(whole_model_gradcheck) {
    /* two stacked layers, a carried (non-zero) initial state and an ignored target */
    for (int ci = CELL_RNN; ci <= CELL_GRU; ci++) {
        RnnLm m;
        tiny_model(&m, (CellType)ci, 2, "abcdefg", 4, 2, 11);
        enum { T = 4, B = 2 };
        int ids[T * B] = {1, 2, 3, 4, 5, 6, 7, 1}, tgt[T * B] = {2, 3, 4, -1, 6, 7, 1, 2};
        float *state = xmalloc(sizeof(float) * rnnlm_state_size(&m));
        fill_uniform(state, rnnlm_state_size(&m), -0.5f, 0.5f, 3);
        LmCtx c = {&m, ids, tgt, T, B, state};
        lm_loss(&c);
        params_zero_grad(&m.p);
        rnnlm_backward(&m);
        GradCheck g = gradcheck(lm_loss, &c, m.p.data, m.p.grad, m.p.total, 5e-3, 3e-4, 1e-2, 0);
        ck_assert_msg(g.worst <= 1, "%s LM: grad[%zu] analytic %g numeric %g", cell_name((CellType)ci), g.worst_index,
                      g.analytic, g.numeric);
        free(state);
        rnnlm_free(&m);
    }
}
END_TEST

START_TEST(checkpoint_round_trip) {
    /* the vocabulary holds a space, a line break and Chinese characters: all must survive */
    const char *text = "Hi there,\n宝玉笑道：好 hi!\n";
    RnnLm a, b;
    tiny_model(&a, CELL_LSTM, 2, text, 8, 2, 5);
    char err[ERR_LEN];
    char *path = temp_path(".safetensors");
    const char *extra[2] = {"step", "7"};
    ck_assert_msg(rnnlm_save(&a, path, extra, 1, err) == 0, "%s", err);
    ck_assert_msg(rnnlm_load(&b, path, 4, 1, err) == 0, "%s", err);
    ck_assert_int_eq(b.V, a.V);
    ck_assert_int_eq(b.cfg.cell, CELL_LSTM);
    ck_assert_int_eq(b.cfg.layers, 2);
    ck_assert_int_eq(b.cfg.unit, UNIT_CHARS);
    ck_assert_uint_eq(b.p.total, a.p.total);
    ck_assert_int_eq(memcmp(a.p.data, b.p.data, a.p.total * sizeof(float)), 0);
    for (int i = 0; i < a.V; i++) ck_assert_str_eq(a.vocab->words[i], b.vocab->words[i]);
    /* and the loaded model writes the same text */
    int np, *prompt = lm_encode_prompt(&a, "宝", &np), outa[20], outb[20];
    Rng r1, r2;
    rng_seed(&r1, 9), rng_seed(&r2, 9);
    rnnlm_sample(&a, prompt, np, outa, 20, 0.7f, &r1);
    rnnlm_sample(&b, prompt, np, outb, 20, 0.7f, &r2);
    ck_assert_int_eq(memcmp(outa, outb, sizeof outa), 0);
    free(prompt);
    rnnlm_free(&b);
    /* refusals: another format, a missing file */
    ck_assert_int_eq(checkpoint_save(&a.p, path, "nlpc-other", 1, NULL, 0, err), 0);
    ck_assert_int_eq(rnnlm_load(&b, path, 4, 1, err), -1);
    ck_assert_msg(strstr(err, "not a nlpc-rnnlm checkpoint") != NULL, "%s", err);
    remove(path);
    ck_assert_int_eq(rnnlm_load(&b, path, 4, 1, err), -1);
    rnnlm_free(&a);
    free(path);
}
END_TEST

START_TEST(checkpoint_with_damaged_metadata_is_refused) {
    RnnLm a, b;
    tiny_model(&a, CELL_GRU, 1, "abcab", 4, 1, 5);
    char err[ERR_LEN];
    char *path = temp_path(".safetensors");
    /* the right format, but a vocabulary string that lies about its lengths */
    const char *bad[][2] = {{"vocab", "5:<unk>9:a"}, {"vocab", "x:abc"}, {"vocab", "1:a1:a"}};
    for (int i = 0; i < 3; i++) {
        const char *meta[12] = {"cell", "gru", "unit", "chars", "layers", "1", "hidden", "5", "embed", "3",
                                bad[i][0], bad[i][1]};
        ck_assert_int_eq(checkpoint_save(&a.p, path, LM_FORMAT, LM_FORMAT_VERSION, meta, 6, err), 0);
        ck_assert_int_eq(rnnlm_load(&b, path, 4, 1, err), -1);
        ck_assert_msg(strstr(err, "vocabulary") != NULL, "case %d: %s", i, err);
    }
    /* a hidden size that does not match the tensors */
    const char *meta[12] = {"cell", "gru", "unit", "chars", "layers", "1", "hidden", "6", "embed", "3", "vocab",
                            "5:<unk>1:a1:b1:c"};
    ck_assert_int_eq(checkpoint_save(&a.p, path, LM_FORMAT, LM_FORMAT_VERSION, meta, 6, err), 0);
    ck_assert_int_eq(rnnlm_load(&b, path, 4, 1, err), -1);
    /* a cell the program does not know */
    meta[1] = "transformer";
    ck_assert_int_eq(checkpoint_save(&a.p, path, LM_FORMAT, LM_FORMAT_VERSION, meta, 6, err), 0);
    ck_assert_int_eq(rnnlm_load(&b, path, 4, 1, err), -1);
    ck_assert_msg(strstr(err, "cell") != NULL, "%s", err);
    remove(path), free(path);
    rnnlm_free(&a);
}
END_TEST

START_TEST(temperature_zero_is_deterministic) {
    RnnLm m;
    tiny_model(&m, CELL_LSTM, 1, "the cat sat on the mat", 4, 1, 21);
    int np, *prompt = lm_encode_prompt(&m, "the", &np), a[30], b[30], c[30];
    Rng r1, r2;
    rng_seed(&r1, 1), rng_seed(&r2, 2);
    rnnlm_sample(&m, prompt, np, a, 30, 0.0f, &r1);
    rnnlm_sample(&m, prompt, np, b, 30, 0.0f, &r2); /* another seed: no effect at temperature 0 */
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    for (int i = 0; i < 30; i++) ck_assert_int_ne(a[i], 0); /* <unk> is never written */
    /* negative case: at temperature 1.5 two seeds do give different texts */
    rng_seed(&r1, 1), rng_seed(&r2, 2);
    rnnlm_sample(&m, prompt, np, b, 30, 1.5f, &r1);
    rnnlm_sample(&m, prompt, np, c, 30, 1.5f, &r2);
    ck_assert_msg(memcmp(b, c, sizeof b) != 0, "two seeds gave the same sample at temperature 1.5");
    free(prompt);
    rnnlm_free(&m);
}
END_TEST

START_TEST(training_learns_a_periodic_text) {
    /* "abcd" repeated: after a little training every next character is certain, so the held-out
     * loss must fall from ln 5 = 1.6 (uniform over a, b, c, d, <unk>) to near 0 */
    char text[2001];
    for (int i = 0; i < 2000; i++) text[i] = "abcd"[i % 4];
    text[2000] = 0;
    RnnLm m;
    tiny_model(&m, CELL_GRU, 1, text, 10, 4, 2);
    TokenList t = {0};
    lm_tokenize(text, 2000, UNIT_CHARS, &t);
    int *ids = xmalloc(sizeof(int) * t.n);
    lm_encode(m.vocab, &t, ids);
    double before = rnnlm_evaluate(&m, ids + 1800, 200, 10, 4);
    TrainConfig tc = {.T = 10, .B = 4, .steps = 150, .lr = 0.02f, .clip = 5, .print_every = 1000, .seed = 1, .quiet = 1};
    TrainLog log;
    rnnlm_train(&m, &tc, ids, 1800, ids + 1800, 200, &log);
    double after = rnnlm_evaluate(&m, ids + 1800, 200, 10, 4);
    ck_assert_msg(before > 1.2 && after < 0.1, "held-out loss %g -> %g", before, after);
    ck_assert_msg(fabs(log.final_val - after) < 1e-6, "the log's final loss %g, evaluated %g", log.final_val, after);
    /* and greedy sampling continues the pattern */
    int np, *p = lm_encode_prompt(&m, "abcdab", &np), out[6];
    Rng r;
    rng_seed(&r, 1);
    rnnlm_sample(&m, p, np, out, 6, 0.0f, &r);
    char buf[64] = "";
    for (int i = 0; i < 6; i++) lm_append_token(m.vocab, UNIT_CHARS, out[i], buf, sizeof buf);
    ck_assert_str_eq(buf, "cdabcd");
    free(p), free(ids);
    token_list_free(&t);
    train_log_free(&log);
    rnnlm_free(&m);
}
END_TEST

START_TEST(left_to_right_states_ignore_the_future) {
    /* C29 for the forward LSTM: two texts that differ only after position 3 give bit-identical
     * states up to it, and different ones after */
    RnnLm m;
    tiny_model(&m, CELL_LSTM, 2, "it was too tired narrow", 16, 1, 8);
    TokenList a = {0}, b = {0};
    lm_tokenize("it was tired", 12, UNIT_CHARS, &a);
    lm_tokenize("it wax tired", 12, UNIT_CHARS, &b);
    int ia[12], ib[12];
    lm_encode(m.vocab, &a, ia), lm_encode(m.vocab, &b, ib);
    int H = m.cfg.hidden;
    float *ha = xmalloc(sizeof(float) * 12 * (size_t)H), *hb = xmalloc(sizeof(float) * 12 * (size_t)H);
    rnnlm_hidden_states(&m, ia, 12, ha);
    rnnlm_hidden_states(&m, ib, 12, hb);
    ck_assert_int_eq(memcmp(ha, hb, sizeof(float) * 5 * (size_t)H), 0); /* "it wa" */
    ck_assert_int_ne(memcmp(ha + 5 * H, hb + 5 * H, sizeof(float) * (size_t)H), 0);
    free(ha), free(hb);
    token_list_free(&a), token_list_free(&b);
    rnnlm_free(&m);
}
END_TEST

START_TEST(tokens_and_text) {
    TokenList t = {0};
    lm_tokenize("Hi 你好\n", strlen("Hi 你好\n"), UNIT_CHARS, &t);
    const char *want[] = {"H", "i", " ", "你", "好", "\n"};
    ck_assert_uint_eq(t.n, 6);
    for (int i = 0; i < 6; i++) ck_assert_str_eq(t.tok[i], want[i]);
    token_list_free(&t);
    /* words: spaces between English words, none before punctuation or between Chinese words */
    const char *text = "Hello, world. 宝玉 笑道";
    lm_tokenize(text, strlen(text), UNIT_WORDS, &t);
    Vocab *v = lm_build_vocab(&t, UNIT_WORDS, 1);
    int ids[16];
    ck_assert_uint_eq(lm_encode(v, &t, ids), 0);
    char buf[128] = "";
    for (size_t i = 0; i < t.n; i++) lm_append_token(v, UNIT_WORDS, ids[i], buf, sizeof buf);
    ck_assert_str_eq(buf, "hello, world.宝玉笑道");
    ck_assert_int_eq(vocab_find_str(v, LM_UNK), 0);
    /* an unseen word is <unk> */
    TokenList u = {0};
    lm_tokenize("goodbye", 7, UNIT_WORDS, &u);
    ck_assert_uint_eq(lm_encode(v, &u, ids), 1);
    ck_assert_int_eq(ids[0], 0);
    /* the buffer's capacity is respected */
    char small[8] = "";
    for (size_t i = 0; i < t.n; i++) lm_append_token(v, UNIT_WORDS, ids[i] = (int)i + 1, small, sizeof small);
    ck_assert_uint_le(strlen(small), 7);
    token_list_free(&t), token_list_free(&u);
    vocab_free(v);
}
END_TEST

START_TEST(fast_crossentropy_matches_softmax_h) {
    enum { N = 6, V = 300 };
    float *x = xmalloc(sizeof(float) * N * V), *p1 = xmalloc(sizeof(float) * N * V), *p2 = xmalloc(sizeof(float) * N * V);
    fill_uniform(x, N * V, -8, 8, 4);
    x[7] = 90.0f; /* a huge logit: both must stay finite */
    int t[N] = {3, -1, 299, 0, 150, 7};
    float a = crossentropy_forward(p1, x, t, N, V), b = lm_crossentropy(p2, x, t, N, V);
    ck_assert_msg(fabsf(a - b) < 1e-5f * fabsf(a), "loss %g vs %g", a, b);
    ck_assert_allclose(p2, p1, (size_t)N * V, 1e-9, 1e-5);
    free(x), free(p1), free(p2);
}
END_TEST

START_TEST(fast_tanh_accuracy) {
    double worst = 0;
    for (double a = -20; a <= 20; a += 1e-3) worst = fmax(worst, fabs((double)cell_tanh((float)a) - tanh((float)a)));
    ck_assert_msg(worst < 2e-7, "cell_tanh's absolute error reaches %g", worst);
    ck_assert_float_eq(cell_tanh(-100.0f), -1.0f);
    ck_assert_float_eq(cell_tanh(100.0f), 1.0f);
    ck_assert(fabsf(cell_tanh(0.0f)) < 1e-7f);
    ck_assert(isnan(cell_tanh(NAN))); /* a diverged value stays visible */
}
END_TEST

Suite *rnnlm_suite(void) {
    Suite *s = suite_create("rnnlm");
    TCase *tc = tcase_create("lm");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, whole_model_gradcheck);
    tcase_add_test(tc, checkpoint_round_trip);
    tcase_add_test(tc, checkpoint_with_damaged_metadata_is_refused);
    tcase_add_test(tc, temperature_zero_is_deterministic);
    tcase_add_test(tc, training_learns_a_periodic_text);
    tcase_add_test(tc, left_to_right_states_ignore_the_future);
    tcase_add_test(tc, tokens_and_text);
    tcase_add_test(tc, fast_crossentropy_matches_softmax_h);
    tcase_add_test(tc, fast_tanh_accuracy);
    suite_add_tcase(s, tc);
    return s;
}
