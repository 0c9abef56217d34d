/* test_cli.c - the shared option parser: values land in their variables, bad arguments exit 2. */
#include <stdio.h>

#include "cli.h"
#include "testutil.h"

static void no_usage(FILE *f) { fputs("usage: test\n", f); }

static const char *s_name;
static long s_dim;
static double s_lr;
static int s_flag;
static const Opt OPTS[] = {{"--name", OPT_STR, &s_name, 0, 0},
                           {"--dim", OPT_LONG, &s_dim, 1, 100},
                           {"--lr", OPT_DOUBLE, &s_lr, 0, 1},
                           {"--ascii", OPT_FLAG, &s_flag, 0, 0}};

/* Returning from a parse that should have ended the process is a failure. */
static void parse(int argc, char **argv) { cli_parse(argc, argv, 1, OPTS, 4, no_usage); }
#define PARSE_MUST_EXIT(argc, argv) (parse(argc, argv), ck_abort_msg("the parser returned instead of exiting"))

START_TEST(values_are_stored) {
    char *argv[] = {"prog", "--dim", "64", "--name", "x", "--ascii", "--lr", "0.5"};
    s_name = NULL, s_dim = 0, s_lr = 0, s_flag = 0;
    parse(8, argv);
    ck_assert_int_eq(s_dim, 64);
    ck_assert_str_eq(s_name, "x");
    ck_assert_double_eq(s_lr, 0.5);
    ck_assert_int_eq(s_flag, 1);
}
END_TEST

/* Each of these must end the process with status 2 (Check runs each in its own child). */
START_TEST(out_of_range_exits_2) {
    char *argv[] = {"prog", "--dim", "0"};
    PARSE_MUST_EXIT(3, argv);
}
END_TEST
START_TEST(garbage_number_exits_2) {
    char *argv[] = {"prog", "--lr", "abc"};
    PARSE_MUST_EXIT(3, argv);
}
END_TEST
START_TEST(unknown_option_exits_2) {
    char *argv[] = {"prog", "--nope"};
    PARSE_MUST_EXIT(2, argv);
}
END_TEST
START_TEST(missing_value_exits_2) {
    char *argv[] = {"prog", "--dim"};
    PARSE_MUST_EXIT(2, argv);
}
END_TEST
START_TEST(help_exits_0) {
    char *argv[] = {"prog", "--help"};
    PARSE_MUST_EXIT(2, argv);
}
END_TEST

Suite *cli_suite(void) {
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, values_are_stored);
    tcase_add_exit_test(tc, out_of_range_exits_2, 2);
    tcase_add_exit_test(tc, garbage_number_exits_2, 2);
    tcase_add_exit_test(tc, unknown_option_exits_2, 2);
    tcase_add_exit_test(tc, missing_value_exits_2, 2);
    tcase_add_exit_test(tc, help_exits_0, 0);
    suite_add_tcase(s, tc);
    return s;
}
