/* tensor.c - see tensor.h. */
#include "tensor.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

size_t shape_numel(int ndim, const int *shape) {
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) die("negative dimension %d in a tensor shape", shape[i]);
        n = xmul(n, (size_t)shape[i]);
    }
    return n;
}

Tensor tensor_zeros(int ndim, const int *shape) {
    if (ndim < 0 || ndim > TENSOR_MAX_DIMS) die("tensor with %d dimensions (at most %d)", ndim, TENSOR_MAX_DIMS);
    Tensor t = {0};
    t.ndim = ndim;
    memcpy(t.shape, shape, sizeof(int) * (size_t)ndim);
    t.size = shape_numel(ndim, shape);
    t.data = xcalloc(t.size, sizeof(float));
    return t;
}

void tensor_free(Tensor *t) {
    free(t->data);
    t->data = NULL;
    t->size = 0;
}

const char *shape_str(int ndim, const int *shape, char *buf, size_t buflen) {
    size_t used = (size_t)snprintf(buf, buflen, "[");
    for (int i = 0; i < ndim && used < buflen; i++)
        used += (size_t)snprintf(buf + used, buflen - used, i ? ", %d" : "%d", shape[i]);
    if (used < buflen) snprintf(buf + used, buflen - used, "]");
    return buf;
}

void params_init(Params *p, const ParamSpec *specs, int n) {
    memset(p, 0, sizeof *p);
    p->n = n;
    p->specs = xcalloc((size_t)n, sizeof(ParamSpec));
    p->offsets = xcalloc((size_t)n, sizeof(size_t));
    for (int i = 0; i < n; i++) {
        p->specs[i] = specs[i];
        p->specs[i].name = xstrdup(specs[i].name);
        if (specs[i].ndim < 0 || specs[i].ndim > TENSOR_MAX_DIMS)
            die("parameter '%s' has %d dimensions (at most %d)", specs[i].name, specs[i].ndim, TENSOR_MAX_DIMS);
        p->offsets[i] = p->total;
        size_t numel = shape_numel(specs[i].ndim, specs[i].shape);
        if (p->total > SIZE_MAX - numel) die("model too large: parameter count overflows");
        p->total += numel;
    }
    p->data = xcalloc(p->total, sizeof(float));
    p->grad = xcalloc(p->total, sizeof(float));
}

void params_free(Params *p) {
    for (int i = 0; i < p->n; i++) free((char *)p->specs[i].name);
    free(p->specs), free(p->offsets), free(p->data), free(p->grad);
    memset(p, 0, sizeof *p);
}

void params_carve(const Params *p, float *base, float **ptrs) {
    for (int i = 0; i < p->n; i++) ptrs[i] = base + p->offsets[i];
}

int params_index(const Params *p, const char *name) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->specs[i].name, name) == 0) return i;
    return -1;
}

void params_zero_grad(Params *p) { memset(p->grad, 0, p->total * sizeof(float)); }

const char *params_nonfinite(const Params *p, int grad) {
    const float *base = grad ? p->grad : p->data;
    for (int i = 0; i < p->n; i++) {
        size_t n = 1;
        for (int d = 0; d < p->specs[i].ndim; d++) n *= (size_t)p->specs[i].shape[d];
        const float *x = base + p->offsets[i];
        /* x - x is 0 for a finite x and NaN for NaN or an infinity: one test, vectorisable */
        float acc = 0;
        for (size_t j = 0; j < n; j++) acc += x[j] - x[j];
        if (acc != 0 || acc != acc) return p->specs[i].name;
    }
    return NULL;
}
