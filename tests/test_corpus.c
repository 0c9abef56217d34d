/* test_corpus.c - corpus_read: every rejection (missing file, directory, empty, white space only,
 * binary, UTF-16, invalid UTF-8 with its exact line and byte offset) and the two repairs (the
 * byte-order mark is removed, CRLF and CR become LF). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "testutil.h"
#include "util.h"

/* Write n bytes to a fresh temporary file; the caller frees and removes the path. */
static char *temp_file(const char *s, size_t n) {
    char *path = temp_path(".txt");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(s, 1, n, f), n);
    fclose(f);
    return path;
}

/* corpus_read must refuse s[0..n) with a message that starts with want_prefix (where "%s" stands
 * for the path) and contains want_also (if non-NULL). */
static void check_rejected(const char *s, size_t n, const char *want_prefix, const char *want_also) {
    char *path = temp_file(s, n);
    char err[ERR_LEN] = "", want[ERR_LEN];
    size_t len = 12345;
    snprintf(want, sizeof want, want_prefix, path);
    char *text = corpus_read(path, &len, err);
    ck_assert_msg(text == NULL, "accepted a file that should be refused (%s)", want);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "message '%s'\n  should start '%s'", err,
                  want);
    if (want_also) ck_assert_msg(strstr(err, want_also) != NULL, "'%s' lacks '%s'", err, want_also);
    ck_assert_uint_eq(len, 12345); /* untouched */
    remove(path);
    free(path);
}

/* corpus_read must accept s[0..n) and return exactly want[0..want_n). */
static void check_read(const char *s, size_t n, const char *want, size_t want_n) {
    char *path = temp_file(s, n);
    char err[ERR_LEN] = "";
    size_t len = 0;
    char *text = corpus_read(path, &len, err);
    ck_assert_msg(text != NULL, "refused: %s", err);
    ck_assert_uint_eq(len, want_n);
    ck_assert_mem_eq(text, want, want_n);
    ck_assert_int_eq(text[len], '\0');
    free(text);
    remove(path);
    free(path);
}

START_TEST(rejects_missing_files_and_directories) {
    char err[ERR_LEN];
    size_t len;
    ck_assert_ptr_null(corpus_read("/nonexistent/corpus.txt", &len, err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/corpus.txt"));
    ck_assert_ptr_nonnull(strstr(err, "No such file"));
    ck_assert_ptr_null(corpus_read("/tmp", &len, err));
    ck_assert_ptr_nonnull(strstr(err, "'/tmp' is a directory"));
}
END_TEST

START_TEST(rejects_empty_and_blank_files) {
    check_rejected("", 0, "'%s' is empty", NULL);
    check_rejected(" \n\t\r\n\xE3\x80\x80\xC2\xA0\n", 11, "'%s' holds only white space", NULL);
    check_rejected("\xEF\xBB\xBF", 3, "'%s' holds only white space", NULL); /* a BOM alone */
}
END_TEST

START_TEST(rejects_binary_data) {
    check_rejected("abc\0def", 7, "'%s' looks binary: NUL byte at offset 3", NULL);
    check_rejected("\x7F" "ELF\x02\x01\x01\0\0", 9, "'%s' looks binary: NUL byte at offset 7", NULL);
    /* UTF-16 little-endian "hi": the hint names the conversion */
    check_rejected("\xFF\xFEh\0i\0", 6, "'%s' looks binary: NUL byte at offset 3", "UTF-16");
}
END_TEST

START_TEST(rejects_invalid_utf8_with_line_and_offset) {
    /* "line one\n" (9) + "line two\n" (9) + "中文 " (7): the stray byte is at offset 25, line 3 */
    const char *s = "line one\nline two\n\xE4\xB8\xAD\xE6\x96\x87 \xB8 bad\n";
    check_rejected(s, strlen(s), "%s:3: invalid UTF-8 at byte offset 25", "b8");
    /* 你好 in GBK: the first byte already fails */
    check_rejected("\xC4\xE3\xBA\xC3\n", 5, "%s:1: invalid UTF-8 at byte offset 0", "GBK");
    /* Latin-1 é in the middle of line 2 */
    check_rejected("caf\xC3\xA9\nna\xEFve\n", 12, "%s:2: invalid UTF-8 at byte offset 8", NULL);
    /* offsets count the BOM: they are positions in the file as it is on disk */
    check_rejected("\xEF\xBB\xBF" "ab\xC0\x80", 7, "%s:1: invalid UTF-8 at byte offset 5", NULL);
    /* a surrogate on line 4 after CRLF lines */
    check_rejected("a\r\nb\r\nc\r\n\xED\xA0\x80", 12, "%s:4: invalid UTF-8 at byte offset 9", NULL);
    /* a sequence cut off by the end of the file */
    check_rejected("end\n\xE4\xB8", 6, "%s:2: invalid UTF-8 at byte offset 4", NULL);
}
END_TEST

START_TEST(strips_bom_and_normalises_line_ends) {
    check_read("\xEF\xBB\xBFhello\n", 9, "hello\n", 6);
    check_read("a\r\nb\rc\n\r\n", 9, "a\nb\nc\n\n", 7);
    check_read("\xEF\xBB\xBF\xE7\xBA\xA2\r\n", 8, "\xE7\xBA\xA2\n", 4);
    /* a BOM in the middle is text, not a file marker: kept */
    check_read("a\xEF\xBB\xBF" "b", 5, "a\xEF\xBB\xBF" "b", 5);
    /* ordinary Chinese text with full-width punctuation comes back byte for byte */
    const char *zh = "  \xE6\xAD\xA4\xE5\xBC\x80\xE5\x8D\xB7\xEF\xBC\x8E\n";
    check_read(zh, strlen(zh), zh, strlen(zh));
}
END_TEST

Suite *corpus_suite(void) {
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rejects_missing_files_and_directories);
    tcase_add_test(tc, rejects_empty_and_blank_files);
    tcase_add_test(tc, rejects_binary_data);
    tcase_add_test(tc, rejects_invalid_utf8_with_line_and_offset);
    tcase_add_test(tc, strips_bom_and_normalises_line_ends);
    suite_add_tcase(s, tc);
    return s;
}
