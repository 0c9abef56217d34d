/* testutil.h - helpers shared by the Check suites: seeded random inputs, tolerant comparison with
 * a tolerance that scales with magnitude, and the PyTorch fixture reader.
 *
 * Fixture files (tests/fixtures/NAME.txt, written by tests/make_fixtures.py) are plain text:
 *     # comment lines
 *     tensor NAME NDIM D0 D1 ...
 *     v0 v1 v2 ...            (D0*D1*... numbers, any line breaks)
 */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Path of a file under tests/ (the suite runs from the project root). */
#define TEST_DIR "tests/"
#define FIXTURE(name) TEST_DIR "fixtures/" name

/* Fill x with uniform values in [lo, hi) from a seeded generator of its own (not common/rng, so the
 * tests of rng do not depend on themselves). */
void fill_uniform(float *x, size_t n, float lo, float hi, uint64_t seed);

/* max over i of |a[i]-b[i]| / (atol + rtol*|b[i]|); <= 1 means "all close". */
double max_scaled_err(const float *a, const float *b, size_t n, double atol, double rtol);
#define ck_assert_allclose(a, b, n, atol, rtol)                                                      \
    do {                                                                                             \
        double e_ = max_scaled_err((a), (b), (n), (atol), (rtol));                                   \
        ck_assert_msg(e_ <= 1.0, "arrays differ: worst |a-b|/(atol+rtol|b|) = %g", e_);              \
    } while (0)

/* Load tensor NAME from a fixture file; dies (test error) if missing. Returns malloc'd data;
 * shape (up to 8 dims) and ndim are written if non-NULL. */
float *fixture_load(const char *path, const char *name, int *ndim, int *shape);

/* A temporary file name unique to this process, under /tmp. Caller frees. */
char *temp_path(const char *suffix);

#endif
