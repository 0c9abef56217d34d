/* optim.h - optimisers over a flat parameter buffer: SGD with momentum, Adam and AdamW,
 * gradient clipping by global norm, and learning-rate schedules (warm-up, then decay).
 *
 * Each step is one loop over all parameters, which the flat buffer (tensor.h) makes possible. */
#ifndef COMMON_OPTIM_H
#define COMMON_OPTIM_H

#include <stddef.h>

#include "tensor.h"

/* ---- SGD with (heavy-ball) momentum, as PyTorch's optim.SGD:
 *      v = momentum * v + (g + wd * w);  w -= lr * v.  velocity may be NULL when momentum is 0. */
void sgd_step(float *w, const float *g, float *velocity, size_t n, float lr, float momentum, float weight_decay);

/* ---- Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019).
 * decoupled = 0: Adam with L2, the decay is added to the gradient (PyTorch optim.Adam).
 * decoupled = 1: AdamW, w -= lr * wd * w apart from the adaptive step (PyTorch optim.AdamW); BERT's
 * optimiser. Parameters whose spec says no_decay (biases, layer norms) are never decayed. */
typedef struct {
    float beta1, beta2, eps, weight_decay;
    int decoupled;
} AdamConfig;
AdamConfig adam_defaults(void); /* 0.9, 0.999, 1e-8, wd 0, Adam */

typedef struct {
    float *m, *v; /* first and second moment estimates, one per parameter */
    size_t n;
    long t; /* steps taken, for the bias correction */
} AdamState;
void adam_init(AdamState *s, size_t n);
void adam_free(AdamState *s);
/* One step over every parameter of p with learning rate lr. */
void adam_step(AdamState *s, const AdamConfig *c, float lr, Params *p);
/* The same on a bare array (uniform weight decay), for code without a Params. */
void adam_step_array(AdamState *s, const AdamConfig *c, float lr, float *w, const float *g, size_t n);

/* ---- Gradient clipping: if the L2 norm of all of g exceeds max_norm, scale g down to it.
 * Returns the norm before clipping (log it: a rising norm is the first sign of divergence). A
 * non-finite norm is returned as is and g left untouched, so the caller can stop on it. */
float clip_grad_norm(float *g, size_t n, float max_norm);

/* ---- Learning-rate schedules: linear warm-up over `warmup` steps, then one of: */
typedef enum {
    LR_CONSTANT,
    LR_LINEAR,     /* to 0 at total_steps (BERT) */
    LR_COSINE,     /* to 0 at total_steps */
    LR_INV_SQRT    /* base * sqrt(warmup / step) after warm-up ("Attention is all you need") */
} LrDecay;
typedef struct {
    float base_lr;
    long warmup, total_steps;
    LrDecay decay;
} LrSchedule;
/* Learning rate for step (0-based). */
float lr_at(const LrSchedule *s, long step);

#endif
