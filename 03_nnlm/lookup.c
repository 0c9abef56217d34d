/* lookup.c - chapter 03, claim C8: multiplying a one-hot vector by the embedding matrix extracts
 * one row, so a table lookup gives the same vector far cheaper.
 *
 * onehot(w) (1,V) @ C (V,m) = sum over i of onehot(w)_i C_i = C_w: every other term is 0 times a
 * row. In floating point the sum is exact too (0 x finite = 0, and adding zeros changes nothing), so
 * the product and the lookup agree bit for bit, and the check below demands exact equality. The
 * product spends 2 V m operations and a V-float vector to produce m numbers; the lookup copies m
 * floats. That is why the NNLM's first layer is embedding_forward (common/embedding.h) and why
 * "the embedding layer" is, in every framework, a lookup table and not a matrix multiply.
 *
 * Builds on: common/matmul.h (the fast kernel, so the product gets its best chance),
 * common/embedding.h. Leaves out: sparse matrix formats (a CSR one-hot product is a lookup in
 * disguise).
 */
#include "lookup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "embedding.h"
#include "matmul.h"
#include "platform.h"
#include "util.h"

void lookup_compare(const float *table, int V, int dim, const int *ids, int n, int repeats, LookupResult *r) {
    memset(r, 0, sizeof *r);
    r->n = n, r->V = V, r->dim = dim;
    float *onehot = xcalloc(xmul((size_t)n, (size_t)V), sizeof(float));
    for (int i = 0; i < n; i++) onehot[(size_t)i * V + ids[i]] = 1.0f;
    float *prod = xmalloc(xmul((size_t)n * dim, sizeof(float))), *rows = xmalloc(xmul((size_t)n * dim, sizeof(float)));
    r->sec_matmul = r->sec_lookup = INFINITY;
    for (int k = 0; k < repeats; k++) {
        double t0 = now_seconds();
        /* prod (n,dim) = onehot (n,V) @ table (V,dim) */
        matmul(0, 0, n, dim, V, 1.0f, onehot, V, table, dim, 0.0f, prod, dim);
        double t1 = now_seconds();
        embedding_forward(rows, ids, table, n, V, dim);
        double t2 = now_seconds();
        r->sec_matmul = fmin(r->sec_matmul, t1 - t0);
        r->sec_lookup = fmin(r->sec_lookup, t2 - t1);
    }
    for (size_t i = 0; i < (size_t)n * dim; i++) {
        float d = fabsf(prod[i] - rows[i]);
        if (!(d <= r->max_abs_diff)) r->max_abs_diff = isnan(d) ? INFINITY : d;
    }
    r->onehot_bytes = (double)n * V * sizeof(float);
    r->flops_matmul = 2.0 * n * V * dim;
    free(onehot), free(prod), free(rows);
}
