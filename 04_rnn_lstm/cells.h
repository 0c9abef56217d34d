/* cells.h - the three recurrent cells of chapter 04 (vanilla tanh RNN, LSTM, GRU), one time step
 * over a batch, each a forward/backward pair written out in full.
 *
 * This is the API later chapters link (05's encoder and decoder, 07's forward LSTM for C29); the
 * sequence layer that runs a cell through time (BPTT) is in rnn_layer.h.
 *
 * The equations are PyTorch's (nn.RNN, nn.LSTM, nn.GRU), so the same weights give the same numbers
 * (tests/test_rnn.c checks it against tests/fixtures/rnn.txt). With x (B,C) the input, hprev (B,H)
 * the previous hidden state and G gate blocks of H rows each:
 *
 *   RNN  (G = 1)  h = tanh(Wx x + b + Wh hprev)
 *   LSTM (G = 4)  gates in PyTorch's order i, f, g, o:
 *                 i = sig(.), f = sig(.), g = tanh(.), o = sig(.)   of  Wx x + b + Wh hprev
 *                 c = f * cprev + i * g          (the cell state: a sum, not a squashing)
 *                 h = o * tanh(c)
 *   GRU  (G = 3)  gates in PyTorch's order r, z, n:
 *                 r = sig(Wx_r x + b_r + Wh_r hprev),  z = sig(Wx_z x + b_z + Wh_z hprev)
 *                 n = tanh(Wx_n x + b_n + r * (Wh_n hprev + bhn))
 *                 h = (1 - z) * n + z * hprev
 *
 * Weights and biases, and how they map to PyTorch's (weight_ih_l0, weight_hh_l0, bias_ih_l0,
 * bias_hh_l0, each with the gate blocks stacked in the order above):
 *   wx  (G*H, C) = weight_ih          wh (G*H, H) = weight_hh
 *   b   (G*H)    = bias_ih + bias_hh  (two biases added before the same nonlinearity are one bias)
 *                  except in the GRU's n block, where b_n = bias_ih[n] alone, because
 *   bhn (H)      = bias_hh[n], GRU only: it sits inside r * (...), so it is not redundant.
 *
 * How the work is split, and why:
 *  - The input projection x Wx^T + b does not depend on the previous step, so a layer computes it
 *    for all T time steps of a batch in ONE matmul (linear_forward over T*B rows) before the loop.
 *    The cell functions below take it (as `pre`) and do only what must be sequential: the
 *    recurrent matmul hprev Wh^T, added into pre in place, and the element-wise gates.
 *  - The recurrent product reads Wh^T, a transposed copy (H, G*H) that the layer makes once per
 *    sequence (cell_transpose_wh), so that each step's matmul reads its right operand row by row
 *    instead of transposing 1 MB of weights on every step (for H = 256, LSTM).
 *  - In the same way the weight gradients are sums over time steps, so they are taken once, over
 *    all T*B rows, by cell_weight_backward, not step by step. A step's backward produces the
 *    gradient of its pre-activations (dxp for the input side, dhp for the recurrent side; the two
 *    differ only in the GRU's n block) and pushes the gradient on to hprev (and cprev).
 *  - sigmoid and tanh (= 2 sigmoid(2a) - 1) go through a polynomial exponential that the compiler
 *    vectorises (cells.c): glibc's tanhf alone took a quarter of the training time. Absolute
 *    errors stay below 2e-7; the PyTorch comparisons in the tests bound them.
 *
 * Conventions: row-major float32, shapes in comments; a "step" is B rows. Gradients of earlier
 * states and of weights ACCUMULATE (+=); the per-step pre-activation gradients dxp/dhp are written
 * (=), since they are the step's own scratch with a single consumer.
 */
#ifndef RNN_CELLS_H
#define RNN_CELLS_H

#include <stddef.h>

#include "rng.h"
#include "tensor.h"

typedef enum { CELL_RNN, CELL_LSTM, CELL_GRU } CellType;

/* "rnn", "lstm", "gru" */
const char *cell_name(CellType t);
/* Parse one of those names; 0 on success, -1 otherwise. */
int cell_parse(const char *s, CellType *t);
/* Gate blocks G: 1, 4, 3. */
int cell_gates(CellType t);

/* One cell's parameters: pointers into a Params buffer (weights or gradients). bhn is NULL except
 * for the GRU. */
typedef struct {
    float *wx;  /* (G*H, C) */
    float *wh;  /* (G*H, H) */
    float *b;   /* (G*H) */
    float *bhn; /* (H), GRU only */
} CellWeights;

/* A list of parameter specs under construction, with storage for their names (ParamSpec holds a
 * pointer; params_init copies the names, so the list may be dropped after it). */
#define SPEC_LIST_MAX 128
#define SPEC_NAME_MAX 96
typedef struct {
    ParamSpec specs[SPEC_LIST_MAX];
    char names[SPEC_LIST_MAX][SPEC_NAME_MAX];
    int n;
} SpecList;
/* Append one spec (1 or 2 dimensions; d1 ignored when ndim is 1). Dies when the list is full or
 * the name too long. */
void spec_add(SpecList *l, const char *name, int ndim, int d0, int d1, int no_decay);

/* Append the specs of one cell under prefix: "<prefix>.wx", ".wh", ".b" and, for the GRU, ".bhn". */
void cell_add_specs(SpecList *l, CellType t, const char *prefix, int C, int H);
/* Look the cell's tensors up by name in p; base is p->data (weights) or p->grad (gradients).
 * Dies if one is missing. */
CellWeights cell_weights(const Params *p, float *base, CellType t, const char *prefix);
/* PyTorch's initialisation, U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias, with one change
 * when forget_bias != 0: the bias of the gate that keeps the old state starts at forget_bias, the
 * LSTM's forget gate f and the GRU's update gate z (both block 1). 1 is the usual choice for the
 * LSTM (Jozefowicz et al. 2015): f = sig(1) = 0.73 keeps most of the cell state from the first
 * step, so gradients reach further back before training has learnt to keep them. */
void cell_init(CellType t, const CellWeights *w, int C, int H, float forget_bias, Rng *rng);

/* wht (H, G*H) = wh^T (G*H, H): the layout the forward steps read (see above). */
void cell_transpose_wh(float *wht, const float *wh, int GH, int H);
/* tanh(a) = 2 sigmoid(2a) - 1 = 2 / (1 + e^(-2a)) - 1 as the cells compute it, absolute error
 * below 2e-7. */
float cell_tanh(float a);

/* Floats per row that a step keeps for its backward beside h (and c): RNN 0, LSTM 5H (the four
 * activated gates and tanh c), GRU 4H (the three activated gates and Wh_n hprev + bhn). */
int cell_cache_width(CellType t, int H);

/* ---- vanilla RNN ---------------------------------------------------------------------------- */
/* pre (B,H): on entry x Wx^T + b; hprev @ wh^T is added to it in place (wht = wh^T, (H,H)).
 * h (B,H) = tanh(pre). */
void rnn_cell_forward(float *h, float *pre, const float *hprev, const float *wht, int B, int H);
/* dh (B,H): the whole gradient reaching h (from the output and from the next step).
 * dxp (B,H) = dh * (1 - h^2)   (written; it is also dhp, the recurrent side's gradient)
 * dhprev (B,H) += dxp @ wh     (NULL: skipped) */
void rnn_cell_backward(float *dxp, float *dhprev, const float *dh, const float *h, const float *wh, int B,
                       int H);

/* ---- LSTM ----------------------------------------------------------------------------------- */
/* pre (B,4H): on entry x Wx^T + b, then hprev @ wh^T is added in place (wht (H,4H)); hprev, cprev
 * (B,H). Writes h, c (B,H) and the cache (B,5H): per row the activated gates i f g o (4H) then
 * tanh(c) (H). */
void lstm_cell_forward(float *h, float *c, float *cache, float *pre, const float *hprev, const float *cprev,
                       const float *wht, int B, int H);
/* dh (B,H): gradient reaching h; dc (B,H): gradient reaching c from the next step (NULL: none).
 * dxp (B,4H) written (= dhp); dhprev += dxp @ wh and dcprev += dc_total * f (either NULL: skipped). */
void lstm_cell_backward(float *dxp, float *dhprev, float *dcprev, const float *dh, const float *dc,
                        const float *cache, const float *cprev, const float *wh, int B, int H);

/* ---- GRU ------------------------------------------------------------------------------------ */
/* pre (B,3H): on entry x Wx^T + b; the r and z blocks get hprev @ wh_rz^T added in place (wht
 * (H,3H)). hprev (B,H). Writes h (B,H) and the cache (B,4H): per row r z n (3H) then
 * hn = Wh_n hprev + bhn (H), which the backward needs for dr. */
void gru_cell_forward(float *h, float *cache, float *pre, const float *hprev, const float *wht,
                      const float *bhn, int B, int H);
/* dh (B,H): gradient reaching h. Writes dxp (B,3H) (input side) and dhp (B,3H) (recurrent side:
 * equal to dxp in the r and z blocks, r * dxp in the n block); dhprev += dh * z + dhp @ wh. */
void gru_cell_backward(float *dxp, float *dhp, float *dhprev, const float *dh, const float *cache,
                       const float *hprev, const float *wh, int B, int H);

/* ---- any cell ------------------------------------------------------------------------------- */
/* One step of any cell. c, cprev, dc, dcprev are used by the LSTM only (may be NULL otherwise);
 * cache has cell_cache_width(t, H) floats per row; dhp is used by the GRU only (for the others the
 * recurrent gradient is dxp itself). wht = w->wh transposed (cell_transpose_wh). */
void cell_forward(CellType t, const CellWeights *w, const float *wht, int B, int H, float *h, float *c,
                  float *cache, float *pre, const float *hprev, const float *cprev);
void cell_backward(CellType t, const CellWeights *w, int B, int H, float *dxp, float *dhp, float *dhprev,
                   float *dcprev, const float *dh, const float *dc, const float *h, const float *cache,
                   const float *hprev, const float *cprev);

/* The weight gradients of N rows at once (one step, or all T*B rows of a sequence):
 *   g->wx += dxp^T @ x        g->b += column sums of dxp       dx += dxp @ wx (dx may be NULL)
 *   g->wh += dhp^T @ hprev    g->bhn += column sums of dhp's n block (GRU)
 * x (N,C), hprev (N,H), dxp and dhp (N,G*H); dhp may equal dxp (it does except for the GRU). */
void cell_weight_backward(CellType t, const CellWeights *w, const CellWeights *g, float *dx, const float *dxp,
                          const float *dhp, const float *x, const float *hprev, int N, int C, int H);

#endif
