/* test_util.c - checked I/O helpers: atomic writes, whole-file reads, number parsing. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform.h"
#include "testutil.h"
#include "util.h"

START_TEST(atomic_write_replaces_only_on_commit) {
    char err[ERR_LEN];
    char *path = temp_path(".txt");
    AtomicFile af;
    ck_assert_int_eq(atomic_open(&af, path, err), 0);
    fputs("first", af.f);
    ck_assert_int_eq(atomic_commit(&af, err), 0);
    /* a second write that is aborted leaves the first file intact and no temporary behind */
    ck_assert_int_eq(atomic_open(&af, path, err), 0);
    char *tmp = xstrdup(af.tmp);
    fputs("second, never committed", af.f);
    atomic_abort(&af);
    size_t n;
    char *s = read_file(path, &n, err);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "first");
    ck_assert_int_ne(access(tmp, F_OK), 0);
    free(s), free(tmp), remove(path), free(path);
}
END_TEST

START_TEST(read_file_rejects_missing_and_directories) {
    char err[ERR_LEN];
    size_t n;
    ck_assert_ptr_null(read_file("/nonexistent/file.txt", &n, err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/file.txt"));
    ck_assert_ptr_null(read_file("/tmp", &n, err));
    ck_assert_ptr_nonnull(strstr(err, "directory"));
}
END_TEST

START_TEST(parse_numbers_reject_garbage_and_range) {
    char err[ERR_LEN];
    long v;
    double d;
    ck_assert_int_eq(parse_long("42", 1, 100, &v, "--dim", err), 0);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(parse_long("0", 1, 100, &v, "--dim", err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--dim"));
    ck_assert_int_eq(parse_long("12abc", 1, 100, &v, "--dim", err), -1);
    ck_assert_int_eq(parse_long("1000000000000", 1, 100, &v, "--dim", err), -1);
    ck_assert_int_eq(parse_long("", 1, 100, &v, "--dim", err), -1);
    ck_assert_int_eq(parse_double("0.5", 0, 1, &d, "--lr", err), 0);
    ck_assert_int_eq(parse_double("nan", 0, 1, &d, "--lr", err), -1);
    ck_assert_int_eq(parse_double("inf", 0, 1e30, &d, "--lr", err), -1);
    ck_assert_int_eq(parse_double("-1", 0, 1, &d, "--lr", err), -1);
}
END_TEST

START_TEST(make_dirs_creates_parents) {
    char err[ERR_LEN];
    char *base = temp_path("-dirs");
    char path[512];
    snprintf(path, sizeof path, "%s/a/b", base);
    ck_assert_int_eq(make_dirs(path, err), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(make_dirs(path, err), 0); /* existing is fine */
    rmdir(path);
    snprintf(path, sizeof path, "%s/a", base);
    rmdir(path);
    rmdir(base);
    free(base);
}
END_TEST

START_TEST(platform_clock_memory_threads) {
    double t0 = now_seconds();
    double x = 0;
    for (int i = 0; i < 1000000; i++) x += i;
    double t1 = now_seconds();
    ck_assert(x > 0);
    ck_assert(t1 >= t0);
    ck_assert(t1 - t0 < 10.0); /* seconds, not nanoseconds */
    char *big = xmalloc(32u << 20);
    memset(big, 1, 32u << 20); /* touch 32 MiB: the peak must have grown past it */
    ck_assert_uint_ge(peak_rss_bytes(), 32u << 20);
    free(big);
    ck_assert_int_ge(num_threads(), 1);
}
END_TEST

Suite *util_suite(void) {
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, atomic_write_replaces_only_on_commit);
    tcase_add_test(tc, read_file_rejects_missing_and_directories);
    tcase_add_test(tc, parse_numbers_reject_garbage_and_range);
    tcase_add_test(tc, make_dirs_creates_parents);
    tcase_add_test(tc, platform_clock_memory_threads);
    suite_add_tcase(s, tc);
    return s;
}
