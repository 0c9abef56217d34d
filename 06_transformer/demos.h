/* demos.h - the printed demonstrations of chapter 06, each a function bin/transformer calls:
 *   C17 the article's self-attention worked example, step by step, with the numbers it quotes;
 *   C18 multi-head attention with 8 heads of 3 dims on 4-dim inputs, every shape printed;
 *   C19 self-attention without positions cannot tell "北京 到 上海" from "上海 到 北京".
 * They run the chapter's real code (attention.h) and print, beside it, the same computation written
 * out by hand, so the reader sees that the library does exactly what the article describes. */
#ifndef TRANSFORMER_DEMOS_H
#define TRANSFORMER_DEMOS_H

#include <stdint.h>

/* The toy weights of C17: x (2,4) the embeddings of "Thinking" and "Machines", wq/wk/wv (4,3) in
 * the article's orientation (q = x Wq). Chosen so that q1.k1 = 112 and q1.k2 = 96. */
extern const float C17_X[2][4], C17_WQ[4][3], C17_WK[4][3], C17_WV[4][3];

/* The worked example's numbers, computed with attention_forward for a given divisor of the scores
 * (8 as in the article; sqrt(3), the toy's own key size): scores (2,2) before scaling, weights
 * (2,2), z (2,3). Used by the demo and the tests. */
void c17_compute(float divisor, float scores[2][2], float weights[2][2], float z[2][3]);

/* Print the C17 walk-through. */
void demo_worked_example(void);
/* Print (verbose != 0) the C18 walk-through with weights drawn from seed; returns the largest difference between
 * the by-hand heads and mha_forward (a float rounding, ~1e-7). */
double demo_multihead(uint64_t seed, int verbose);
/* Print (verbose != 0) the C19 experiment with embeddings and weights drawn from seed (model width C, NH heads);
 * returns the largest difference of 北京's vector between the two orders without positions (and
 * stores the one with sinusoidal positions in *with_pe). */
double demo_order(uint64_t seed, int C, int NH, double *with_pe, int verbose);

#endif
