/* test_onehot.c - chapter 01: codes, distances, memory arithmetic, the compact printout. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "01_onehot/onehot.h"
#include "testutil.h"

START_TEST(encode_has_one_nonzero) {
    float v[50];
    memset(v, 0x7f, sizeof v); /* garbage first: encode must clear it */
    onehot_encode(v, 50, 17);
    for (int i = 0; i < 50; i++) ck_assert_float_eq(v[i], i == 17 ? 1.0f : 0.0f);
}
END_TEST

START_TEST(all_pairs_equally_far) {
    int ids[4] = {0, 3, 999, 12};
    double eu[16], co[16];
    onehot_distances(ids, 4, 1000, eu, co);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            ck_assert_double_eq_tol(eu[i * 4 + j], i == j ? 0.0 : sqrt(2.0), 1e-12);
            ck_assert_double_eq_tol(co[i * 4 + j], i == j ? 1.0 : 0.0, 1e-12);
        }
}
END_TEST

START_TEST(memory_arithmetic) {
    OneHotMemory m = onehot_memory(12773, 300);
    ck_assert_double_eq(m.table, 12773.0 * 12773.0 * 4);
    ck_assert_double_eq(m.dense, 12773.0 * 300 * 4);
    ck_assert_double_eq(m.indices, 12773.0 * 4);
}
END_TEST

START_TEST(compact_print) {
    float v[1000];
    onehot_encode(v, 1000, 500);
    char *path = temp_path(".txt");
    FILE *f = fopen(path, "w+");
    onehot_print(f, v, 1000);
    rewind(f);
    char buf[256] = {0};
    ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
    fclose(f), remove(path), free(path);
    ck_assert_str_eq(buf, "[0 0 0 ... 0 0 1(at 500) 0 0 ... 0]");
    float small[3];
    onehot_encode(small, 3, 0);
    f = tmpfile();
    onehot_print(f, small, 3);
    rewind(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
    fclose(f);
    ck_assert_str_eq(buf, "[1 0 0]");
}
END_TEST

Suite *onehot_suite(void) {
    Suite *s = suite_create("onehot");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, encode_has_one_nonzero);
    tcase_add_test(tc, all_pairs_equally_far);
    tcase_add_test(tc, memory_arithmetic);
    tcase_add_test(tc, compact_print);
    suite_add_tcase(s, tc);
    return s;
}
