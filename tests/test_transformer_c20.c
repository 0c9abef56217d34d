/* test_transformer_c20.c - chapter 06's C20 comparison on chapter 05's tasks (translate.h, ch05.h):
 * chapter 05's pairs feed the transformer as they should (specials, shifts, vocabularies, on the real
 * Tatoeba file), the split decodes in batches exactly as sentence by sentence, the greedy decoder's
 * last-position shortcut picks the same tokens as the full decoder, the training budgets and length
 * buckets, and chapter 05's model and scores through the wrapper. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "06_transformer/ch05.h"
#include "06_transformer/seq2seq.h"
#include "06_transformer/tasks.h"
#include "06_transformer/translate.h"
#include "testutil.h"
#include "util.h"

static Seq2SeqConfig small_cfg(void) {
    Seq2SeqConfig b = seq2seq_defaults();
    b.C = 16, b.NH = 2, b.F = 32, b.n_enc = b.n_dec = 1, b.dropout = 0, b.label_smoothing = 0;
    return b;
}

static void small_synth(Task *t) {
    SynthOptions so = synth_defaults();
    so.symbols = 5, so.min_len = 2, so.max_len = 5, so.n_train = 200, so.n_dev = 10, so.n_test_per_len = 3;
    char err[ERR_LEN];
    ck_assert_msg(task_make_synthetic(t, &so, err) == 0, "%s", err);
}

START_TEST(c20_tatoeba_batches_feed_the_transformer) {
    Task t;
    char err[ERR_LEN];
    TatoebaOptions o = tatoeba_defaults();
    ck_assert_msg(task_load_tatoeba(&t, "data/parallel/tatoeba-cmn-eng.tsv", &o, err) == 0, "%s", err);
    Seq2SeqConfig base = small_cfg(), c = tf_config_for_task(&t, &base);
    ck_assert_int_eq(c.src_vocab, t.src_vocab->n);
    ck_assert_int_eq(c.tgt_vocab, t.tgt_vocab->n);
    ck_assert_int_eq(c.shared_emb, 0); /* English words, Chinese characters */
    ck_assert_int_eq(c.pad_id, TASK_PAD);
    ck_assert_int_eq(c.bos_id, TASK_BOS);
    ck_assert_int_eq(c.eos_id, TASK_EOS);
    ck_assert_int_eq(c.max_src, t.max_src_len);
    PairSet ps;
    pairs_from_split(&t.train, &ps);
    ck_assert_int_eq(ps.n, t.train.n);
    for (int i = 0; i < ps.n; i++) { /* every pair fits, and is the task's own ids */
        ck_assert(ps.pairs[i].src == t.train.ex[i].src && ps.pairs[i].tgt == t.train.ex[i].tgt);
        ck_assert(ps.pairs[i].src_len <= c.max_src && ps.pairs[i].tgt_len + 1 <= c.max_tgt);
    }
    enum { B = 6 };
    const Pair *bp[B];
    for (int i = 0; i < B; i++) bp[i] = &ps.pairs[100 * i + 7];
    Seq2SeqBatch b;
    seq2seq_batch_alloc(&b, B, c.max_src, c.max_tgt);
    seq2seq_batch_make(&b, &c, bp, B);
    int ntok = 0;
    for (int i = 0; i < B; i++) {
        const TaskExample *e = &t.train.ex[100 * i + 7];
        for (int s = 0; s < b.S; s++) {
            ck_assert_int_eq(b.src[i * b.S + s], s < e->src_len ? e->src[s] : TASK_PAD);
            ck_assert_int_eq(b.src_pad[i * b.S + s], s >= e->src_len);
        }
        ck_assert_int_eq(b.tgt_in[i * b.T], TASK_BOS);
        for (int k = 0; k < e->tgt_len; k++) {
            ck_assert_int_eq(b.tgt_in[i * b.T + k + 1], e->tgt[k]); /* shifted right */
            ck_assert_int_eq(b.tgt_out[i * b.T + k], e->tgt[k]);
        }
        ck_assert_int_eq(b.tgt_out[i * b.T + e->tgt_len], TASK_EOS);
        ntok += e->tgt_len + 1;
    }
    ck_assert_int_eq(b.ntokens, ntok);
    /* an untrained model on these batches: finite loss near a uniform guess over the characters */
    Rng rng;
    rng_seed(&rng, 1);
    Seq2Seq m;
    seq2seq_init(&m, &c, B, &rng);
    double nll;
    seq2seq_forward(&m, &b, NULL, &nll);
    ck_assert_msg(fabs(nll - log((double)c.tgt_vocab)) < 1.0, "untrained loss %g, ln V = %g", nll, log((double)c.tgt_vocab));
    /* chapter 05's scores through the wrapper: the first reference of every test sentence as output */
    Outputs d;
    outputs_alloc(&d, &t.test, c.max_tgt - 1);
    for (int g = 0; g < d.n; g++) {
        const TaskExample *e = &t.test.ex[d.head[g]];
        d.len[g] = e->tgt_len;
        memcpy(d.ids + (size_t)g * d.max_len, e->tgt, sizeof(int) * (size_t)e->tgt_len);
    }
    /* chapter 05's tasks.h directly, group by group, gives the same corpus BLEU; below 100 only
     * because a character the vocabulary calls <unk> never matches its reference */
    BleuStats bs;
    bleu_init(&bs);
    for (int g = 0; g < d.n; g++) task_bleu_add(&bs, &t, &t.test, d.head[g], d.ids + (size_t)g * d.max_len, d.len[g]);
    double bleu = ch05_bleu(&t, &t.test, &d, NULL, 0);
    ck_assert_double_eq_tol(bleu, bleu_score(&bs, NULL, NULL), 1e-12);
    ck_assert_msg(bleu > 95 && bleu < 100, "BLEU of the references themselves: %g", bleu);
    ck_assert_double_eq_tol(ch05_exact_match(&t.test, &d, NULL, NULL, 0), 1.0, 1e-12);
    d.len[0] = 0; /* one empty output: no longer perfect */
    ck_assert(ch05_bleu(&t, &t.test, &d, NULL, 0) < bleu);
    outputs_free(&d), seq2seq_free(&m), seq2seq_batch_free(&b), free(ps.pairs), task_free(&t);
}
END_TEST

START_TEST(c20_decode_split_equals_one_by_one) {
    Task t;
    small_synth(&t);
    Seq2SeqConfig base = small_cfg(), c = tf_config_for_task(&t, &base);
    ck_assert_int_eq(c.shared_emb, 1); /* letters on both sides: one table */
    Rng rng;
    rng_seed(&rng, 2);
    Seq2Seq m;
    seq2seq_init(&m, &c, 4, &rng); /* 3 strings per length: batches of up to 4 of equal length */
    Outputs d;
    tf_decode_split(&m, &t.test, &d);
    ck_assert_int_eq(d.n, t.test.n); /* synthetic: one example per group */
    ck_assert_int_eq(d.max_len, c.max_tgt - 1);
    unsigned char pad[8] = {0};
    int out[64], n;
    for (int g = 0; g < d.n; g++) {
        const TaskExample *e = &t.test.ex[d.head[g]];
        seq2seq_greedy(&m, e->src, pad, 1, e->src_len, tf_max_output(&m, e->src_len), out, &n);
        ck_assert_int_eq(d.len[g], n);
        for (int k = 0; k < n; k++) ck_assert_int_eq(d.ids[(size_t)g * d.max_len + k], out[k]);
    }
    outputs_free(&d), seq2seq_free(&m), task_free(&t);
}
END_TEST

/* seq2seq_greedy projects only the last position; the full decoder's argmax must agree */
START_TEST(c20_greedy_shortcut_equals_full_decoder) {
    Task t;
    small_synth(&t);
    Seq2SeqConfig base = small_cfg(), c = tf_config_for_task(&t, &base);
    Rng rng;
    rng_seed(&rng, 5);
    Seq2Seq m;
    seq2seq_init(&m, &c, 2, &rng);
    for (size_t i = 0; i < m.p.total; i++) m.p.data[i] *= 3; /* sharper, less uniform predictions */
    const TaskExample *e = &t.test.ex[t.test.n - 1];
    unsigned char pad[8] = {0};
    int L = tf_max_output(&m, e->src_len), out[64], n;
    seq2seq_greedy(&m, e->src, pad, 1, e->src_len, L, out, &n);
    int in[64] = {TASK_BOS}, want[64], nw = 0, V = c.tgt_vocab;
    for (int step = 1; step <= L; step++) {
        seq2seq_encode(&m, e->src, pad, 1, e->src_len, NULL);
        seq2seq_decode(&m, in, NULL, step, NULL);
        const float *lg = m.logits + (size_t)(step - 1) * V;
        int best = 0;
        for (int v = 1; v < V; v++)
            if (lg[v] > lg[best]) best = v;
        if (best == TASK_EOS) break;
        want[nw++] = best, in[step] = best;
    }
    ck_assert_int_eq(n, nw);
    for (int k = 0; k < n; k++) ck_assert_int_eq(out[k], want[k]);
    seq2seq_free(&m), task_free(&t);
}
END_TEST

START_TEST(c20_step_budget_and_length_buckets) {
    Rng rng;
    rng_seed(&rng, 3);
    ToyPairs tr;
    toy_reverse_make(&tr, 48, 1, 3, &rng);
    Seq2SeqConfig c = seq2seq_defaults();
    c.src_vocab = c.tgt_vocab = TOY_VOCAB, c.C = 32, c.NH = 2, c.F = 64, c.n_enc = c.n_dec = 1;
    c.max_src = 3, c.max_tgt = 4, c.dropout = 0, c.shared_emb = 1;
    Seq2Seq m;
    seq2seq_init(&m, &c, 16, &rng);
    Seq2SeqTrainOptions o = seq2seq_train_defaults();
    o.epochs = 60, o.batch = 16, o.warmup = 30, o.lr_factor = 1, o.log_every = 0, o.quiet = 1, o.buckets = 2;
    o.max_steps = 7;
    Seq2SeqTrainStats st;
    seq2seq_train(&m, &tr.set, NULL, &o, &st);
    ck_assert_int_eq(st.steps, 7); /* 3 steps per epoch: stopped in the third */
    ck_assert_int_eq(st.epochs, 3);
    o.max_steps = 0;
    seq2seq_train(&m, &tr.set, NULL, &o, &st); /* with buckets it still learns the task */
    ck_assert_int_eq(st.steps, 180);
    double em = seq2seq_exact_match(&m, &tr.set, 3, NULL, NULL);
    ck_assert_msg(em >= 0.8, "only %.0f%% of the training strings reversed with length buckets", 100 * em);
    seq2seq_free(&m), toy_pairs_free(&tr);
}
END_TEST

START_TEST(c20_chapter05_model_through_the_wrapper) {
    Task t;
    small_synth(&t);
    char err[ERR_LEN];
    Ch05Trained r;
    Ch05Config c = ch05_defaults();
    c.hidden = 16, c.emb = 8, c.batch = 8, c.print_every = 0;
    c.cell = "rnn";
    ck_assert_ptr_null(ch05_train(&t, &c, 0, 0, 3, &r, err));
    ck_assert_msg(strstr(err, "gru or lstm") != NULL, "%s", err);
    c.cell = "gru", c.attention = "sideways";
    ck_assert_ptr_null(ch05_train(&t, &c, 0, 0, 3, &r, err));
    c.attention = "dot", c.hidden = 15;
    ck_assert_ptr_null(ch05_train(&t, &c, 0, 0, 3, &r, err));
    c.hidden = 16;
    ck_assert_ptr_null(ch05_train(&t, &c, 0, 0, 0, &r, err)); /* no budget */
    Ch05Model *m = ch05_train(&t, &c, 0, 0, 3, &r, err);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(r.steps, 3);
    ck_assert_str_eq(r.label, "RNN+dot");
    ck_assert(r.params > 0 && r.tokens > 0);
    ck_assert(isfinite(ch05_eval_loss(m, &t.dev)));
    Outputs d;
    ch05_decode(m, &t.test, &d);
    ck_assert_int_eq(d.n, t.test.n);
    double em = ch05_exact_match(&t.test, &d, NULL, NULL, 0);
    ck_assert(em >= 0 && em <= 1);
    ck_assert_int_eq(ch05_batches_per_epoch(&t.train, 8), ch05_batches_per_epoch(&t.train, 8));
    ck_assert(ch05_batches_per_epoch(&t.train, 8) >= (t.train.n + 7) / 8); /* equal lengths: at least */
    outputs_free(&d), ch05_free(m), task_free(&t);
}
END_TEST

Suite *transformer_c20_suite(void) {
    Suite *s = suite_create("transformer_c20");
    TCase *tc = tcase_create("c20");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, c20_tatoeba_batches_feed_the_transformer);
    tcase_add_test(tc, c20_decode_split_equals_one_by_one);
    tcase_add_test(tc, c20_greedy_shortcut_equals_full_decoder);
    tcase_add_test(tc, c20_step_budget_and_length_buckets);
    tcase_add_test(tc, c20_chapter05_model_through_the_wrapper);
    suite_add_tcase(s, tc);
    return s;
}
