/* test_bert_finetune.c - chapter 07's fine-tuning: the TSV reader (good and bad files), the split,
 * labels, the scores on hand-made predictions (exact values), the gradient of the classification
 * head through bert_backward for the three poolings, a tiny model learning a separable set, and
 * save/load/predict round trips. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "07_bert/finetune.h"
#include "07_bert/bertdir.h"
#include "gradcheck.h"
#include "testutil.h"
#include "util.h"

/* ---- TSV --------------------------------------------------------------------------------------- */

static int parse_str(const char *s, TsvData *d, char *err) { return tsv_parse(s, strlen(s), "x.tsv", d, err); }

START_TEST(tsv_two_columns) {
    TsvData d;
    char err[ERR_LEN];
    ck_assert_int_eq(parse_str("spam\tWin now!\n\nham\tsee you at 5\r\nham\t晚上见\n", &d, err), 0);
    ck_assert_int_eq(d.n, 3);
    ck_assert_int_eq(d.pairs, 0);
    ck_assert_ptr_null(d.text_b);
    ck_assert_str_eq(d.label_name[1], "ham");
    ck_assert_str_eq(d.text_a[1], "see you at 5"); /* CR stripped */
    ck_assert_str_eq(d.text_a[2], "晚上见");
    ck_assert_int_eq(d.line[2], 4); /* the blank line counts */
    LabelSet ls;
    labelset_from(&ls, &d);
    ck_assert_int_eq(ls.n, 2);
    ck_assert_str_eq(ls.names[0], "ham"); /* sorted, not in order of appearance */
    ck_assert_str_eq(ls.names[1], "spam");
    ck_assert_int_eq(tsv_assign_labels(&d, &ls, "x.tsv", err), 0);
    ck_assert_int_eq(d.label[0], 1);
    ck_assert_int_eq(d.label[1], 0);
    ck_assert_int_eq(d.label[2], 0);
    labelset_free(&ls);
    tsv_keep_first(&d, 5); /* more than there are: unchanged */
    ck_assert_int_eq(d.n, 3);
    tsv_keep_first(&d, 1);
    ck_assert_int_eq(d.n, 1);
    ck_assert_str_eq(d.text_a[0], "Win now!");
    tsv_free(&d);
}
END_TEST

START_TEST(tsv_three_columns_no_final_newline) {
    TsvData d;
    char err[ERR_LEN];
    ck_assert_int_eq(parse_str("1\tA man is eating.\tSomeone eats.\n0\tA cat\tA car", &d, err), 0);
    ck_assert_int_eq(d.n, 2);
    ck_assert_int_eq(d.pairs, 1);
    ck_assert_str_eq(d.text_b[0], "Someone eats.");
    ck_assert_str_eq(d.text_b[1], "A car");
    tsv_free(&d);
}
END_TEST

/* Each bad input is refused with a message naming the line (or the file). */
static void expect_bad(const char *text, const char *want) {
    TsvData d;
    char err[ERR_LEN] = "";
    ck_assert_int_eq(parse_str(text, &d, err), -1);
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
    ck_assert_int_eq(d.n, 0);
}

START_TEST(tsv_bad_lines) {
    expect_bad("ham\tok\nno tab here\n", "x.tsv:2: 1 field (no TAB)");
    expect_bad("a\tb\tc\td\n", "x.tsv:1: 4 fields");
    expect_bad("a\tb\nc\td\te\n", "x.tsv:2: 3 fields, but the first example (line 1) has 2");
    expect_bad("\thello\n", "x.tsv:1: empty label");
    expect_bad("ham\t\n", "x.tsv:1: empty text");
    expect_bad("1\tx\t \n", "x.tsv:1: empty text_b");
    expect_bad("\n\n  \n", "no examples");
    expect_bad("", "no examples");
}
END_TEST

START_TEST(tsv_files) {
    char err[ERR_LEN] = "";
    TsvData d;
    char *p = temp_path(".tsv");
    FILE *f = fopen(p, "wb");
    fputs("ok\tfine\nbad\t\xff\xfe text\n", f); /* invalid UTF-8 on line 2 */
    fclose(f);
    ck_assert_int_eq(tsv_read(p, &d, err), -1);
    ck_assert_msg(strstr(err, ":2: invalid UTF-8") != NULL, "%s", err);
    f = fopen(p, "wb");
    fclose(f);
    ck_assert_int_eq(tsv_read(p, &d, err), -1); /* empty */
    ck_assert_msg(strstr(err, "empty") != NULL, "%s", err);
    unlink(p);
    ck_assert_int_eq(tsv_read(p, &d, err), -1); /* missing */
    ck_assert_msg(strstr(err, p) != NULL, "%s", err);
    free(p);
    /* The embedded sets read cleanly, with the documented sizes and labels. */
    ck_assert_int_eq(tsv_read("data/cls/sms-spam.tsv", &d, err), 0);
    ck_assert_int_eq(d.n, 5574);
    LabelSet ls;
    labelset_from(&ls, &d);
    ck_assert_int_eq(ls.n, 2);
    ck_assert_int_eq(tsv_assign_labels(&d, &ls, "sms", err), 0);
    int spam = 0;
    for (int i = 0; i < d.n; i++) spam += d.label[i] == 1;
    ck_assert_int_eq(spam, 747);
    TsvData tr, te;
    tsv_split_every(&d, 5, &tr, &te);
    ck_assert_int_eq(tr.n, 4460);
    ck_assert_int_eq(te.n, 1114);
    ck_assert_int_eq(te.line[0], 5); /* lines 5, 10, ...: awk 'NR % 5 == 0' */
    ck_assert_int_eq(te.line[1], 10);
    ck_assert_int_eq(tr.line[4], 6);
    ck_assert_str_eq(te.text_a[0], d.text_a[4]);
    ck_assert_int_eq(te.label[0], d.label[4]);
    tsv_free(&tr), tsv_free(&te), tsv_free(&d), labelset_free(&ls);
}
END_TEST

START_TEST(unknown_test_label) {
    TsvData tr, te;
    char err[ERR_LEN];
    ck_assert_int_eq(parse_str("ham\ta\nspam\tb\n", &tr, err), 0);
    ck_assert_int_eq(tsv_parse("ham\tc\nspma\td\n", 13, "test.tsv", &te, err), 0);
    LabelSet ls;
    labelset_from(&ls, &tr);
    ck_assert_int_eq(tsv_assign_labels(&te, &ls, "test.tsv", err), -1);
    ck_assert_str_eq(err, "test.tsv:2: label 'spma' is not one of the training labels: ham, spam");
    labelset_free(&ls), tsv_free(&tr), tsv_free(&te);
}
END_TEST

/* ---- scores ---------------------------------------------------------------------------------------- */

START_TEST(metrics_exact) {
    /* gold 0 0 0 0 1 1 2 2 2 2, pred 0 0 1 2 1 1 2 2 0 0:
     * class 0: tp 2, predicted 4 -> p 0.5; actual 4 -> r 0.5; F1 0.5
     * class 1: tp 2, predicted 3 -> p 2/3; actual 2 -> r 1;   F1 0.8
     * class 2: tp 2, predicted 3 -> p 2/3; actual 4 -> r 0.5; F1 4/7
     * class 3: never occurs, never predicted -> 0 0 0. accuracy 6/10. */
    int gold[] = {0, 0, 0, 0, 1, 1, 2, 2, 2, 2}, pred[] = {0, 0, 1, 2, 1, 1, 2, 2, 0, 0};
    ClsMetrics m;
    cls_metrics(&m, gold, pred, 10, 4);
    ck_assert_double_eq_tol(m.accuracy, 0.6, 1e-15);
    ck_assert_double_eq_tol(m.precision[0], 0.5, 1e-15);
    ck_assert_double_eq_tol(m.recall[0], 0.5, 1e-15);
    ck_assert_double_eq_tol(m.f1[0], 0.5, 1e-15);
    ck_assert_double_eq_tol(m.precision[1], 2.0 / 3, 1e-15);
    ck_assert_double_eq_tol(m.recall[1], 1.0, 1e-15);
    ck_assert_double_eq_tol(m.f1[1], 0.8, 1e-15);
    ck_assert_double_eq_tol(m.precision[2], 2.0 / 3, 1e-15);
    ck_assert_double_eq_tol(m.recall[2], 0.5, 1e-15);
    ck_assert_double_eq_tol(m.f1[2], 4.0 / 7, 1e-15);
    ck_assert_double_eq(m.f1[3], 0.0);
    ck_assert_int_eq(m.support[0], 4);
    ck_assert_int_eq(m.support[3], 0);
    ck_assert_int_eq(m.confusion[2 * 4 + 0], 2); /* gold 2 predicted 0 */
    ck_assert_double_eq_tol(m.macro_f1, (0.5 + 0.8 + 4.0 / 7) / 4, 1e-15);
    cls_metrics_free(&m);
    /* The always-ham classifier on a skewed set: high accuracy, F1 0 for spam. */
    int g2[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, p2[10] = {0};
    cls_metrics(&m, g2, p2, 10, 2);
    ck_assert_double_eq_tol(m.accuracy, 0.9, 1e-15);
    ck_assert_double_eq(m.precision[1], 0.0);
    ck_assert_double_eq(m.recall[1], 0.0);
    ck_assert_double_eq(m.f1[1], 0.0);
    ck_assert_double_eq_tol(m.f1[0], 2 * 0.9 / 1.9, 1e-15);
    cls_metrics_free(&m);
}
END_TEST


/* ---- examples as ids ----------------------------------------------------------------------------- */

static const char *const TOY_VOCAB[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "d", "e",
                                        "apple", "pear", "plum", "car", "bus", "train", "good", "bad", "."};
enum { TOY_V = (int)(sizeof TOY_VOCAB / sizeof *TOY_VOCAB) };

static void toy_tokenizer(BertTokenizer *t) {
    char err[ERR_LEN];
    ck_assert_msg(bert_tok_from_list(t, TOY_VOCAB, TOY_V, 1, err) == 0, "%s", err);
}

START_TEST(encode_and_truncate) {
    BertTokenizer t;
    toy_tokenizer(&t);
    TsvData d;
    char err[ERR_LEN];
    ck_assert_int_eq(parse_str("x\ta b c d e\tapple pear\ny\ta\tb c d e apple pear plum\n", &d, err), 0);
    BertExamples e;
    bert_examples_encode(&e, &t, &d, 8); /* room for 5 tokens of text */
    /* 5 + 2 -> the longer side loses: a b c (3) + apple pear (2) */
    int want0[] = {2, 5, 6, 7, 3, 10, 11, 3}, seg0[] = {0, 0, 0, 0, 0, 1, 1, 1};
    ck_assert_int_eq(e.len[0], 8);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(e.ids[0][i], want0[i]);
        ck_assert_int_eq(e.segs[0][i], seg0[i]);
    }
    /* 1 + 7 -> a + b c d e (4) */
    int want1[] = {2, 5, 3, 6, 7, 8, 9, 3};
    for (int i = 0; i < 8; i++) ck_assert_int_eq(e.ids[1][i], want1[i]);
    ck_assert_int_eq(e.truncated, 2);
    ck_assert_int_eq(e.label[0], -1); /* labels not assigned yet */
    bert_examples_free(&e);
    /* long enough: nothing cut */
    bert_examples_encode(&e, &t, &d, 64);
    ck_assert_int_eq(e.truncated, 0);
    ck_assert_int_eq(e.len[0], 3 + 7);
    ck_assert_int_eq(e.len[1], 3 + 8);
    bert_examples_free(&e);
    tsv_free(&d);
    bert_tok_free(&t);
}
END_TEST

/* ---- the head's gradient, through the encoder ------------------------------------------------------- */
#define H 1e-3
#define ATOL 2e-3
#define RTOL 2e-2

static BertConfig tiny_config(int vocab, int hidden, int layers, int max_pos, float dropout) {
    BertConfig c = bert_config_default();
    c.vocab_size = vocab, c.hidden = hidden, c.layers = layers, c.heads = 2, c.intermediate = 2 * hidden;
    c.max_pos = max_pos, c.type_vocab = 2, c.ln_eps = 1e-5f;
    c.hidden_dropout = c.attn_dropout = dropout;
    return c;
}

enum { GB = 2, GT = 5, GK = 3 };
static const int G_IDS[GB * GT] = {2, 5, 7, 3, 0, 2, 9, 4, 10, 3};
static const int G_SEGS[GB * GT] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
static const unsigned char G_PAD[GB * GT] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
static const int G_LAB[GB] = {2, 0};

static double cls_loss(void *ctx) {
    return bert_cls_forward(ctx, G_IDS, G_SEGS, G_PAD, GB, GT, G_LAB, NULL, NULL);
}

START_TEST(head_gradient) {
    for (int pool = POOL_CLS; pool <= POOL_FIRST; pool++) {
        BertConfig cfg = tiny_config(11, 8, 1, 6, 0.0f);
        cfg.init_range = 0.4f; /* large weights: a gradient check of tiny ones tests little */
        Bert m;
        char err[ERR_LEN];
        ck_assert_msg(bert_init(&m, &cfg, GB, GT, err) == 0, "%s", err);
        Rng r;
        rng_seed(&r, 7);
        bert_init_weights(&m, &r);
        BertClassifier c;
        bert_cls_init(&c, &m, GK, (BertPool)pool, 0.1f, &r);
        rng_fill_uniform(&r, c.b, GK, -0.5f, 0.5f);
        params_zero_grad(&m.p), params_zero_grad(&c.head);
        double acc;
        float loss = bert_cls_forward(&c, G_IDS, G_SEGS, G_PAD, GB, GT, G_LAB, NULL, &acc);
        ck_assert(loss > 0 && isfinite(loss));
        bert_cls_backward(&c, 1.0f);
        GradCheck g = gradcheck(cls_loss, &c, c.head.data, c.head.grad, c.head.total, H, ATOL, RTOL, 0);
        ck_assert_msg(g.worst <= 1, "pool %s, head: %zu (%g vs %g)", bert_pool_name((BertPool)pool), g.worst_index,
                      g.analytic, g.numeric);
        g = gradcheck(cls_loss, &c, m.p.data, m.p.grad, m.p.total, H, ATOL, RTOL, 0);
        ck_assert_msg(g.worst <= 1, "pool %s, encoder parameter %zu of %zu (%g vs %g)", bert_pool_name((BertPool)pool),
                      g.worst_index, m.p.total, g.analytic, g.numeric);
        /* the word gradient is not zero everywhere: the head reached the embeddings */
        double s = 0;
        for (size_t i = 0; i < (size_t)11 * 8; i++) s += fabs(m.g.word[i]);
        ck_assert(s > 1e-4);
        /* the padding position of example 0 (t = 4, id 0 = [PAD]) must get no gradient through
         * mean pooling: its row of the word table has no other use */
        if (pool == POOL_MEAN)
            for (int i = 0; i < 8; i++) ck_assert_float_eq(m.g.word[0 * 8 + i], 0.0f);
        bert_cls_free(&c);
        bert_free(&m);
    }
}
END_TEST

/* ---- a tiny model learns a separable set; the saved model predicts the same --------------------------- */

/* Texts of fruit words are "fruit", of vehicle words "vehicle"; any word order and length. */
static void make_separable(TsvData *d, int n, uint64_t seed) {
    static const char *fruit[] = {"apple", "pear", "plum"}, *veh[] = {"car", "bus", "train"};
    Rng r;
    rng_seed(&r, seed);
    size_t cap = (size_t)n * 64 + 1, used = 0;
    char *buf = malloc(cap);
    for (int i = 0; i < n; i++) {
        int cls = (int)rng_below(&r, 2), len = 1 + (int)rng_below(&r, 5);
        used += (size_t)sprintf(buf + used, "%s\t", cls ? "vehicle" : "fruit");
        for (int j = 0; j < len; j++)
            used += (size_t)sprintf(buf + used, "%s%s", j ? " " : "", (cls ? veh : fruit)[rng_below(&r, 3)]);
        used += (size_t)sprintf(buf + used, "\n");
    }
    char err[ERR_LEN];
    ck_assert_msg(tsv_parse(buf, used, "separable", d, err) == 0, "%s", err);
    free(buf);
}

START_TEST(learns_and_round_trips) {
    TsvData tr, te;
    make_separable(&tr, 64, 1);
    make_separable(&te, 40, 2);
    LabelSet ls;
    labelset_from(&ls, &tr);
    char err[ERR_LEN];
    ck_assert_int_eq(tsv_assign_labels(&tr, &ls, "tr", err), 0);
    ck_assert_int_eq(tsv_assign_labels(&te, &ls, "te", err), 0);
    BertTokenizer t;
    toy_tokenizer(&t);
    BertExamples etr, ete;
    bert_examples_encode(&etr, &t, &tr, 16);
    bert_examples_encode(&ete, &t, &te, 16);
    BertConfig cfg = tiny_config(TOY_V, 16, 1, 16, 0.1f);
    Bert m;
    ck_assert_msg(bert_init(&m, &cfg, 16, 16, err) == 0, "%s", err);
    Rng r;
    rng_seed(&r, 3);
    bert_init_weights(&m, &r);
    BertClassifier c;
    bert_cls_init(&c, &m, ls.n, POOL_CLS, 0.1f, &r);
    FtOptions o = ft_defaults();
    o.steps = 150, o.batch = 16, o.lr = 5e-3;
    FtReport rep = bert_cls_train(&c, &etr, &o);
    ck_assert_int_eq(rep.steps, 150);
    ck_assert_int_eq(rep.examples, 150 * 16);
    ck_assert_msg(rep.final_loss < 0.1, "final training loss %g", rep.final_loss);
    int pred[40], pred2[40];
    float prob[40], prob2[40];
    bert_cls_predict(&c, &ete, 7, pred, prob); /* a batch size that leaves a partial last batch */
    ClsMetrics met;
    cls_metrics(&met, ete.label, pred, ete.n, ls.n);
    ck_assert_msg(met.accuracy == 1.0, "accuracy %g", met.accuracy);
    cls_metrics_free(&met);

    /* save, load, predict: the same classes and bit-identical probabilities */
    char *dir = temp_path("-cls");
    ck_assert_msg(bert_cls_save(&c, &ls, &t, dir, err) == 0, "%s", err);
    Bert m2;
    BertClassifier c2;
    LabelSet ls2;
    BertTokenizer t2;
    ck_assert_msg(bert_cls_load(dir, &m2, &c2, &ls2, &t2, 5, 0, err) == 0, "%s", err);
    ck_assert_int_eq(ls2.n, 2);
    ck_assert_str_eq(ls2.names[0], "fruit");
    ck_assert_str_eq(ls2.names[1], "vehicle");
    ck_assert_int_eq(c2.pool, POOL_CLS);
    ck_assert_int_eq(m2.maxT, 16); /* 0 asked: max_position_embeddings */
    BertExamples ete2;
    bert_examples_encode(&ete2, &t2, &te, 16);
    bert_cls_predict(&c2, &ete2, 5, pred2, prob2);
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(pred2[i], pred[i]);
        ck_assert_msg(prob2[i] == prob[i], "example %d: %.9g after loading, %.9g before", i, prob2[i], prob[i]);
    }
    /* config.json names the labels for transformers */
    size_t len;
    char path[600];
    snprintf(path, sizeof path, "%s/config.json", dir);
    char *cfgtext = read_file(path, &len, err);
    ck_assert_ptr_nonnull(cfgtext);
    ck_assert_ptr_nonnull(strstr(cfgtext, "\"id2label\": {\"0\": \"fruit\", \"1\": \"vehicle\"}"));
    ck_assert_ptr_nonnull(strstr(cfgtext, "\"label2id\": {\"fruit\": 0, \"vehicle\": 1}"));
    ck_assert_ptr_nonnull(strstr(cfgtext, "\"BertForSequenceClassification\""));
    free(cfgtext);
    bert_examples_free(&ete2);
    bert_cls_free(&c2), bert_free(&m2), labelset_free(&ls2), bert_tok_free(&t2);

    /* a pretrained model without a head is refused by name */
    char *plain = temp_path("-plain");
    ck_assert_msg(bert_dir_save(plain, &m, &t, NULL, 0, err) == 0, "%s", err);
    ck_assert_int_eq(bert_cls_load(plain, &m2, &c2, &ls2, &t2, 5, 0, err), -1);
    ck_assert_msg(strstr(err, "not a fine-tuned classifier") != NULL, "%s", err);

    char cmd[1400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, plain);
    ck_assert_int_eq(system(cmd), 0);
    free(dir), free(plain);
    bert_cls_free(&c), bert_free(&m);
    bert_examples_free(&etr), bert_examples_free(&ete);
    bert_tok_free(&t), labelset_free(&ls), tsv_free(&tr), tsv_free(&te);
}
END_TEST

/* ---- the command line: bad arguments exit 2, bad files exit 1 ----------------------------------------- */
START_TEST(cmd_needs_train) {
    char *argv[] = {"finetune", "--epochs", "1"};
    bert_cmd_finetune(3, argv);
}
END_TEST
START_TEST(cmd_bad_pool) {
    char *argv[] = {"finetune", "--train", "x.tsv", "--pool", "max"};
    bert_cmd_finetune(5, argv);
}
END_TEST
START_TEST(cmd_bad_file) {
    char *p = temp_path(".tsv");
    FILE *f = fopen(p, "wb");
    fputs("ham\thello\njust text\n", f);
    fclose(f);
    char *argv[] = {"finetune", "--train", p, "--quiet"};
    bert_cmd_finetune(4, argv);
}
END_TEST
START_TEST(predict_needs_text) {
    char *argv[] = {"predict", "--model", "/nonexistent"};
    bert_cmd_predict(3, argv);
}
END_TEST
START_TEST(predict_bad_model) {
    char *argv[] = {"predict", "--model", "/nonexistent-dir", "--text", "hello"};
    bert_cmd_predict(5, argv);
}
END_TEST

Suite *bert_finetune_suite(void) {
    Suite *s = suite_create("bert_finetune");
    TCase *tc = tcase_create("data");
    tcase_add_test(tc, tsv_two_columns);
    tcase_add_test(tc, tsv_three_columns_no_final_newline);
    tcase_add_test(tc, tsv_bad_lines);
    tcase_add_test(tc, tsv_files);
    tcase_add_test(tc, unknown_test_label);
    tcase_add_test(tc, metrics_exact);
    tcase_add_test(tc, encode_and_truncate);
    suite_add_tcase(s, tc);
    TCase *tm = tcase_create("model");
    tcase_set_timeout(tm, 30);
    tcase_add_test(tm, head_gradient);
    tcase_add_test(tm, learns_and_round_trips);
    suite_add_tcase(s, tm);
    TCase *tcmd = tcase_create("command");
    tcase_add_exit_test(tcmd, cmd_needs_train, 2);
    tcase_add_exit_test(tcmd, cmd_bad_pool, 2);
    tcase_add_exit_test(tcmd, cmd_bad_file, 1);
    tcase_add_exit_test(tcmd, predict_needs_text, 2);
    tcase_add_exit_test(tcmd, predict_bad_model, 1);
    suite_add_tcase(s, tcmd);
    return s;
}
