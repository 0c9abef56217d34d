/* tensor.h - float32 arrays with a shape, and the flat parameter buffer every model uses.
 *
 * Why one flat buffer (the llm.c pattern): a model declares its parameters as a table of named
 * shapes; all of them live in one contiguous float array, and the model reads them through a struct
 * of pointers carved out of it. Zeroing the gradients, an optimiser step, a checkpoint and a gradient
 * check are then each one loop over one array, whatever the model. */
#ifndef COMMON_TENSOR_H
#define COMMON_TENSOR_H

#include <stddef.h>

#define TENSOR_MAX_DIMS 4

typedef struct {
    float *data;
    int ndim;
    int shape[TENSOR_MAX_DIMS];
    size_t size; /* product of the shape */
} Tensor;

/* Product of a shape; dies on overflow or a negative dimension. */
size_t shape_numel(int ndim, const int *shape);
/* A zero-filled tensor; free with tensor_free. */
Tensor tensor_zeros(int ndim, const int *shape);
void tensor_free(Tensor *t);
/* "[3, 4]" into buf. */
const char *shape_str(int ndim, const int *shape, char *buf, size_t buflen);

/* ---- the parameter buffer ---- */
typedef struct {
    const char *name; /* as saved in checkpoints, e.g. "encoder.layer.0.attention.query.weight" */
    int ndim;
    int shape[TENSOR_MAX_DIMS];
    int no_decay; /* 1 for biases and layer-norm weights: AdamW leaves them undecayed */
} ParamSpec;

typedef struct {
    int n;            /* number of parameter tensors */
    ParamSpec *specs; /* copies, names owned */
    size_t *offsets;  /* offset of each tensor in data/grad */
    size_t total;     /* number of floats */
    float *data;      /* all parameters, zero-initialised */
    float *grad;      /* their gradients, same layout */
} Params;

void params_init(Params *p, const ParamSpec *specs, int n);
void params_free(Params *p);
/* Fill ptrs[i] = base + offsets[i]: with base = p->data it carves the weights, with p->grad the
 * gradients. A model's struct of `float *` fields, declared in spec order, is passed as ptrs. */
void params_carve(const Params *p, float *base, float **ptrs);
/* Index of a named tensor or -1. */
int params_index(const Params *p, const char *name);
void params_zero_grad(Params *p);
/* The name of the first tensor whose weights (grad = 0) or gradients (grad = 1) hold a NaN or an
 * infinity, or NULL when every value is finite: what a training loop names when it stops on a
 * diverged step, before the bad values reach the weights or a checkpoint. */
const char *params_nonfinite(const Params *p, int grad);

#endif
