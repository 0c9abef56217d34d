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
#include "07_bert/hfdir.h"
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

Suite *bert_finetune_suite(void) {
    Suite *s = suite_create("bert_finetune");
    TCase *tc = tcase_create("data");
    tcase_add_test(tc, tsv_two_columns);
    tcase_add_test(tc, tsv_three_columns_no_final_newline);
    tcase_add_test(tc, tsv_bad_lines);
    tcase_add_test(tc, tsv_files);
    tcase_add_test(tc, unknown_test_label);
    tcase_add_test(tc, metrics_exact);
    suite_add_tcase(s, tc);
    return s;
}
