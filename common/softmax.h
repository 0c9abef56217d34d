/* softmax.h - softmax, log-softmax and the cross-entropy loss, numerically stable.
 *
 * Stability: softmax(x) = softmax(x - max x), so the largest exponent is e^0 = 1 and nothing
 * overflows, however large the logits. Shapes: N rows of V values (a batch of distributions). */
#ifndef COMMON_SOFTMAX_H
#define COMMON_SOFTMAX_H

/* probs (N,V) = softmax of each row of logits (N,V). probs may equal logits. */
void softmax_forward(float *probs, const float *logits, int N, int V);
/* dlogits (N,V) += J^T dprobs, i.e. p * (dp - sum(dp * p)), row by row. */
void softmax_backward(float *dlogits, const float *probs, const float *dprobs, int N, int V);
/* out (N,V) = log softmax of each row; the log-sum-exp is taken after subtracting the max. */
void log_softmax_forward(float *out, const float *logits, int N, int V);

/* Mean cross-entropy -log p[target] over the rows whose target is >= 0 (a negative target, e.g.
 * -100 as in PyTorch, marks a position that does not count: padding, unmasked tokens). Writes the
 * softmax into probs (N,V) for the backward. Returns the mean loss in nats (0 if no row counts).
 * Targets must be < V (checked: dies on a bad id, which would otherwise read out of bounds). */
float crossentropy_forward(float *probs, const float *logits, const int *targets, int N, int V);
/* dlogits (N,V) += dloss * (probs - onehot(target)) / count, for the rows that counted. */
void crossentropy_backward(float *dlogits, const float *probs, const int *targets, int N, int V, float dloss);

#endif
