/* test_tensor.c - shapes and the flat parameter buffer. */
#include <math.h>
#include <string.h>

#include "tensor.h"
#include "testutil.h"

typedef struct {
    float *wte, *bias, *ln;
} Toy;

START_TEST(params_carve_layout) {
    ParamSpec specs[3] = {{"wte", 2, {5, 3}, 0}, {"bias", 1, {3}, 1}, {"ln", 1, {4}, 1}};
    Params p;
    params_init(&p, specs, 3);
    ck_assert_uint_eq(p.total, 15 + 3 + 4);
    Toy w, g;
    params_carve(&p, p.data, (float **)&w);
    params_carve(&p, p.grad, (float **)&g);
    ck_assert_ptr_eq(w.wte, p.data);
    ck_assert_ptr_eq(w.bias, p.data + 15);
    ck_assert_ptr_eq(w.ln, p.data + 18);
    ck_assert_ptr_eq(g.ln, p.grad + 18);
    ck_assert_int_eq(params_index(&p, "bias"), 1);
    ck_assert_int_eq(params_index(&p, "nope"), -1);
    for (size_t i = 0; i < p.total; i++) ck_assert_float_eq(p.data[i], 0.0f);
    g.bias[2] = 3.0f;
    params_zero_grad(&p);
    ck_assert_float_eq(g.bias[2], 0.0f);
    params_free(&p);
}
END_TEST

START_TEST(shapes) {
    int s[3] = {2, 3, 4};
    ck_assert_uint_eq(shape_numel(3, s), 24);
    ck_assert_uint_eq(shape_numel(0, s), 1); /* a scalar */
    char buf[64];
    ck_assert_str_eq(shape_str(3, s, buf, sizeof buf), "[2, 3, 4]");
    Tensor t = tensor_zeros(3, s);
    ck_assert_uint_eq(t.size, 24);
    ck_assert_float_eq(t.data[23], 0.0f);
    tensor_free(&t);
    ck_assert_ptr_null(t.data);
}
END_TEST

START_TEST(nonfinite_named) {
    ParamSpec specs[] = {{"a", 1, {5}, 0}, {"b", 2, {3, 4}, 0}, {"c", 1, {2}, 1}};
    Params p;
    params_init(&p, specs, 3);
    ck_assert_ptr_null(params_nonfinite(&p, 0));
    ck_assert_ptr_null(params_nonfinite(&p, 1));
    p.grad[p.offsets[1] + 11] = INFINITY; /* the last value of b */
    ck_assert_str_eq(params_nonfinite(&p, 1), "b");
    ck_assert_ptr_null(params_nonfinite(&p, 0));
    p.data[p.offsets[2] + 1] = NAN;
    ck_assert_str_eq(params_nonfinite(&p, 0), "c");
    p.data[p.offsets[0]] = -INFINITY;
    ck_assert_str_eq(params_nonfinite(&p, 0), "a");
    p.data[p.offsets[0]] = 3e38f; /* large but finite */
    ck_assert_str_eq(params_nonfinite(&p, 0), "c");
    params_free(&p);
}
END_TEST

Suite *tensor_suite(void) {
    Suite *s = suite_create("tensor");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, params_carve_layout);
    tcase_add_test(tc, shapes);
    tcase_add_test(tc, nonfinite_named);
    suite_add_tcase(s, tc);
    return s;
}
