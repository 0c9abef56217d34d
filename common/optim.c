/* optim.c - see optim.h. */
#include "optim.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

void sgd_step(float *w, const float *g, float *velocity, size_t n, float lr, float momentum, float weight_decay) {
    for (size_t i = 0; i < n; i++) {
        float d = g[i] + weight_decay * w[i];
        if (velocity) {
            velocity[i] = momentum * velocity[i] + d;
            d = velocity[i];
        }
        w[i] -= lr * d;
    }
}

AdamConfig adam_defaults(void) {
    AdamConfig c = {0.9f, 0.999f, 1e-8f, 0.0f, 0};
    return c;
}

void adam_init(AdamState *s, size_t n) {
    s->m = xcalloc(n, sizeof(float));
    s->v = xcalloc(n, sizeof(float));
    s->n = n;
    s->t = 0;
}

void adam_free(AdamState *s) {
    free(s->m), free(s->v);
    s->m = s->v = NULL;
}

/* The update of one slice [off, off+n) with weight decay wd; t already incremented. */
static void adam_update(AdamState *s, const AdamConfig *c, float lr, float *w, const float *g, size_t off,
                        size_t n, float wd) {
    float bc1 = 1.0f - powf(c->beta1, (float)s->t), bc2 = 1.0f - powf(c->beta2, (float)s->t);
#pragma omp parallel for if (n > 65536)
    for (size_t i = off; i < off + n; i++) {
        float grad = g[i];
        if (!c->decoupled) grad += wd * w[i];
        s->m[i] = c->beta1 * s->m[i] + (1.0f - c->beta1) * grad;
        s->v[i] = c->beta2 * s->v[i] + (1.0f - c->beta2) * grad * grad;
        float mhat = s->m[i] / bc1, vhat = s->v[i] / bc2;
        if (c->decoupled) w[i] -= lr * wd * w[i];
        w[i] -= lr * mhat / (sqrtf(vhat) + c->eps);
    }
}

void adam_step(AdamState *s, const AdamConfig *c, float lr, Params *p) {
    if (s->n != p->total) die("adam_step: optimiser state has %zu values, model %zu", s->n, p->total);
    s->t++;
    for (int k = 0; k < p->n; k++) {
        size_t n = shape_numel(p->specs[k].ndim, p->specs[k].shape);
        adam_update(s, c, lr, p->data, p->grad, p->offsets[k], n, p->specs[k].no_decay ? 0.0f : c->weight_decay);
    }
}

void adam_step_array(AdamState *s, const AdamConfig *c, float lr, float *w, const float *g, size_t n) {
    if (s->n != n) die("adam_step_array: optimiser state has %zu values, array %zu", s->n, n);
    s->t++;
    adam_update(s, c, lr, w, g, 0, n, c->weight_decay);
}

float clip_grad_norm(float *g, size_t n, float max_norm) {
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += (double)g[i] * g[i];
    float norm = (float)sqrt(ss);
    if (!isfinite(norm)) return norm;
    if (max_norm > 0 && norm > max_norm) {
        float scale = max_norm / (norm + 1e-6f);
        for (size_t i = 0; i < n; i++) g[i] *= scale;
    }
    return norm;
}

float lr_at(const LrSchedule *s, long step) {
    if (s->warmup > 0 && step < s->warmup) return s->base_lr * (float)(step + 1) / (float)s->warmup;
    long after = step - s->warmup, span = s->total_steps - s->warmup;
    switch (s->decay) {
    case LR_LINEAR:
        if (span <= 0) return s->base_lr;
        return s->base_lr * fmaxf(0.0f, 1.0f - (float)after / (float)span);
    case LR_COSINE:
        if (span <= 0) return s->base_lr;
        if (after >= span) return 0.0f;
        return s->base_lr * 0.5f * (1.0f + cosf(3.14159265f * (float)after / (float)span));
    case LR_INV_SQRT:
        return s->base_lr * sqrtf((float)(s->warmup > 0 ? s->warmup : 1) / (float)(step + 1));
    case LR_CONSTANT:
    default:
        return s->base_lr;
    }
}
