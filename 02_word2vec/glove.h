/* glove.h - chapter 02: GloVe, word vectors fitted to the co-occurrence counts (see glove.c). */
#ifndef W2V_GLOVE_H
#define W2V_GLOVE_H

#include <stddef.h>
#include <stdint.h>

#include "cooc.h"

/* The parameters, one flat buffer carved into four arrays:
 *   w (V,dim) word vectors, c (V,dim) context vectors, bw (V) word biases, bc (V) context biases. */
typedef struct {
    int V, dim;
    float *data;         /* V * (2 * dim + 2) floats: w, then c, bw, bc */
    float *w, *c, *bw, *bc;
} GloveModel;

/* Zeroed (init = 0) or drawn as glove.c draws them: uniform in [-0.5, 0.5) / dim. */
void glove_model_init(GloveModel *m, int V, int dim, int random, uint64_t seed);
void glove_model_free(GloveModel *m);
size_t glove_model_size(const GloveModel *m); /* floats in data */

/* The weighting function f(x) = (x / x_max)^power below x_max, 1 above: rare pairs (noisy) count
 * less, and the very frequent ones (the, and) no more than x_max's. */
double glove_weight(double x, double x_max, double power);

/* The objective over entries e[0..n):
 *     J = 1/2 sum_e f(x_e) (w_i . c_j + bw_i + bc_j - log x_e)^2
 * glove_loss returns J; glove_backward ADDS dJ/d(each parameter) into grad (a model of the same
 * shape, e.g. from glove_model_init(..., 0, ..)). The reference the AdaGrad kernel is tested on. */
double glove_loss(const GloveModel *m, const CoocEntry *e, size_t n, double x_max, double power);
void glove_backward(const GloveModel *m, GloveModel *grad, const CoocEntry *e, size_t n, double x_max,
                    double power);

typedef struct {
    int dim, epochs, threads;
    double x_max, power; /* the weighting function: 100 and 0.75 (the paper's) */
    double eta;          /* AdaGrad's learning rate: 0.05 (glove.c's) */
    uint64_t seed;
    int verbose;         /* progress lines on stderr */
} GloveConfig;
GloveConfig glove_config_default(void); /* dim 100, 15 epochs, x_max 100, power 0.75, eta 0.05 */

typedef struct {
    double wall_s;
    double loss;      /* mean of f(x)(...)^2 / 2 per non-zero over the last epoch */
    double first_loss; /* the same over the first epoch */
    double entries_per_s;
    int threads;
} GloveStats;

/* Train with AdaGrad over the non-zeros of X, shuffled once IN PLACE (x->e is no longer sorted
 * afterwards: GloVe shuffles its file the same way, and a copy would double the memory), each
 * thread on its own slice of them, lock-free as in glove.c. One thread and a seed repeat a run
 * exactly. m is allocated here. */
void glove_train(Cooc *x, const GloveConfig *cfg, GloveModel *m, GloveStats *st);
/* The vectors to keep: w + c (the paper's recommendation), (V, dim) malloc'd. */
float *glove_vectors(const GloveModel *m);

#endif
