/* test_checkpoint.c - a parameter buffer survives a save/load bit for bit; wrong files are refused. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "testutil.h"
#include "util.h"

static const ParamSpec SPECS[2] = {{"emb.weight", 2, {7, 3}, 0}, {"emb.bias", 1, {3}, 1}};

static void make_params(Params *p, uint64_t seed) {
    params_init(p, SPECS, 2);
    fill_uniform(p->data, p->total, -1, 1, seed);
}

START_TEST(round_trip_bit_exact) {
    char err[ERR_LEN];
    char *path = temp_path(".safetensors");
    Params a, b;
    make_params(&a, 1);
    const char *meta[2] = {"step", "42"};
    ck_assert_msg(checkpoint_save(&a, path, "nlpc-test", 1, meta, 1, err) == 0, "%s", err);
    params_init(&b, SPECS, 2);
    SafeTensors st;
    ck_assert_msg(checkpoint_load(&b, path, "nlpc-test", 1, &st, err) == 0, "%s", err);
    ck_assert_int_eq(memcmp(a.data, b.data, a.total * sizeof(float)), 0);
    ck_assert_str_eq(st_meta(&st, "step"), "42");
    st_free(&st);
    params_free(&a), params_free(&b);
    remove(path), free(path);
}
END_TEST

START_TEST(rejects_wrong_format_shape_missing_truncated) {
    char err[ERR_LEN];
    char *path = temp_path(".safetensors");
    Params a, b;
    make_params(&a, 2);
    ck_assert(checkpoint_save(&a, path, "nlpc-test", 1, NULL, 0, err) == 0);
    params_init(&b, SPECS, 2);
    ck_assert_int_eq(checkpoint_load(&b, path, "nlpc-other", 1, NULL, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a nlpc-other checkpoint"));
    ck_assert_int_eq(checkpoint_load(&b, path, "nlpc-test", 2, NULL, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "version"));
    params_free(&b);
    /* a model whose embedding is wider: the shape mismatch is named */
    ParamSpec wide[2] = {{"emb.weight", 2, {7, 4}, 0}, {"emb.bias", 1, {3}, 1}};
    params_init(&b, wide, 2);
    ck_assert_int_eq(checkpoint_load(&b, path, "nlpc-test", 1, NULL, err), -1);
    ck_assert_msg(strstr(err, "emb.weight") != NULL, "%s", err);
    params_free(&b);
    /* a model with one more tensor: reported missing */
    ParamSpec more[3] = {SPECS[0], SPECS[1], {"head.weight", 1, {2}, 0}};
    params_init(&b, more, 3);
    ck_assert_int_eq(checkpoint_load(&b, path, "nlpc-test", 1, NULL, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "'head.weight' is missing"));
    params_free(&b);
    /* a model with one tensor fewer: the extra one is reported */
    params_init(&b, SPECS, 1);
    ck_assert_int_eq(checkpoint_load(&b, path, "nlpc-test", 1, NULL, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "unexpected tensor 'emb.bias'"));
    params_free(&b);
    /* every truncation is refused */
    size_t len;
    char *bytes = read_file(path, &len, err);
    params_init(&b, SPECS, 2);
    for (size_t cut = 0; cut < len; cut += 7) {
        FILE *f = fopen(path, "wb");
        fwrite(bytes, 1, cut, f);
        fclose(f);
        ck_assert_msg(checkpoint_load(&b, path, "nlpc-test", 1, NULL, err) == -1, "a file cut at %zu loaded", cut);
    }
    free(bytes);
    params_free(&a), params_free(&b);
    remove(path), free(path);
}
END_TEST

START_TEST(failed_save_keeps_previous_file) {
    char err[ERR_LEN];
    char *path = temp_path(".safetensors");
    Params a;
    make_params(&a, 3);
    ck_assert(checkpoint_save(&a, path, "nlpc-test", 1, NULL, 0, err) == 0);
    /* saving into a directory that does not exist fails and leaves nothing behind */
    ck_assert_int_eq(checkpoint_save(&a, "/nonexistent-dir/x.safetensors", "nlpc-test", 1, NULL, 0, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir"));
    Params b;
    params_init(&b, SPECS, 2);
    ck_assert(checkpoint_load(&b, path, "nlpc-test", 1, NULL, err) == 0);
    params_free(&a), params_free(&b);
    remove(path), free(path);
}
END_TEST

Suite *checkpoint_suite(void) {
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, round_trip_bit_exact);
    tcase_add_test(tc, rejects_wrong_format_shape_missing_truncated);
    tcase_add_test(tc, failed_save_keeps_previous_file);
    suite_add_tcase(s, tc);
    return s;
}
