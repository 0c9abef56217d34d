/* encdec.c - the encoder-decoder: parameters, the teacher-forced forward and its backward, and
 * the step-by-step decoder (see encdec.h for the equations). Chapter 05, claims C13-C16. */
#include "encdec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "embedding.h"
#include "matmul.h"
#include "softmax.h"
#include "util.h"

S2SConfig s2s_defaults(void) {
    return (S2SConfig){.cell = CELL_GRU, .attn = ATTN_DOT, .layers = 1, .bidir = 1, .emb = 64, .hidden = 128,
                       .attn_dim = 128, .dropout = 0, .src_vocab = 0, .tgt_vocab = 0};
}

static float *falloc(size_t rows, size_t width) { return xcalloc(xmul(rows, width), sizeof(float)); }

/* ==== batches ==================================================================================== */

void s2s_batch_alloc(S2SBatch *b, int maxB, int maxS, int maxT) {
    memset(b, 0, sizeof *b);
    b->maxB = maxB, b->maxS = maxS, b->maxT = maxT;
    b->src = xmalloc(xmul(xmul((size_t)maxS, (size_t)maxB), sizeof(int)));
    b->tgt_in = xmalloc(xmul(xmul((size_t)maxT, (size_t)maxB), sizeof(int)));
    b->tgt_out = xmalloc(xmul(xmul((size_t)maxT, (size_t)maxB), sizeof(int)));
}

void s2s_batch_free(S2SBatch *b) {
    free(b->src), free(b->tgt_in), free(b->tgt_out);
    memset(b, 0, sizeof *b);
}

void s2s_batch_make(S2SBatch *b, const TaskExample *const *ex, int B) {
    if (B < 1 || B > b->maxB) die("s2s_batch_make: %d pairs (capacity %d)", B, b->maxB);
    int S = ex[0]->src_len, T = 0;
    for (int i = 0; i < B; i++) {
        if (ex[i]->src_len != S) die("s2s_batch_make: sources of lengths %d and %d in one batch", S, ex[i]->src_len);
        if (ex[i]->tgt_len + 1 > T) T = ex[i]->tgt_len + 1;
    }
    if (S > b->maxS || T > b->maxT) die("s2s_batch_make: source %d / target %d beyond the capacity %d / %d", S, T - 1, b->maxS, b->maxT - 1);
    b->B = B, b->S = S, b->T = T, b->ntok = 0;
    for (int i = 0; i < B; i++) {
        const TaskExample *e = ex[i];
        for (int s = 0; s < S; s++) b->src[s * B + i] = e->src[s];
        for (int t = 0; t < T; t++) {
            b->tgt_in[t * B + i] = t == 0 ? TASK_BOS : t <= e->tgt_len ? e->tgt[t - 1] : TASK_PAD;
            b->tgt_out[t * B + i] = t < e->tgt_len ? e->tgt[t] : t == e->tgt_len ? TASK_EOS : -1;
        }
        b->ntok += e->tgt_len + 1;
    }
}

/* ==== the model ================================================================================== */

static float *param(const Params *p, float *base, const char *name) {
    int i = params_index(p, name);
    return i < 0 ? NULL : base + p->offsets[i];
}

/* U(-k, k) as nn.Linear's default, k = 1/sqrt(fan_in). */
static void fill_linear(float *w, size_t n, int fan_in, Rng *rng) {
    float k = 1.0f / sqrtf((float)fan_in);
    rng_fill_uniform(rng, w, n, -k, k);
}

void s2s_init(S2SModel *m, const S2SConfig *c, int maxB, int maxS, int maxT, int maxDecode, Rng *rng) {
    if (c->emb < 1 || c->hidden < 1 || c->layers < 1 || c->src_vocab <= TASK_NSPECIAL || c->tgt_vocab <= TASK_NSPECIAL)
        die("s2s_init: sizes must be positive (emb %d, hidden %d, layers %d, vocabularies %d / %d)", c->emb, c->hidden,
            c->layers, c->src_vocab, c->tgt_vocab);
    if (c->bidir && c->hidden % 2) die("s2s_init: a bidirectional encoder needs an even hidden size (%d)", c->hidden);
    if (c->attn == ATTN_ADDITIVE && c->attn_dim < 1) die("s2s_init: additive attention needs attn_dim >= 1");
    if (maxB < 1 || maxS < 1 || maxT < 1 || maxDecode < 1) die("s2s_init: capacities must be positive");
    memset(m, 0, sizeof *m);
    m->cfg = *c;
    int E = c->emb, H = c->hidden, D = c->bidir ? 2 : 1, A = c->attn_dim, Vs = c->src_vocab, Vt = c->tgt_vocab;
    m->He = H / D;
    m->maxB = maxB, m->maxS = maxS, m->maxT = maxT, m->maxDecode = maxDecode;

    SpecList s = {0};
    spec_add(&s, "src_emb", 2, Vs, E, 0);
    spec_add(&s, "tgt_emb", 2, Vt, E, 0);
    rnn_stack_add_specs(&s, "enc", c->cell, c->layers, D, E, m->He);
    cell_add_specs(&s, c->cell, "dec", E + H, H);
    if (c->attn == ATTN_ADDITIVE) {
        spec_add(&s, "attn.wq", 2, A, H, 0);
        spec_add(&s, "attn.wk", 2, A, H, 0);
        spec_add(&s, "attn.va", 1, A, 0, 0);
    }
    spec_add(&s, "out.w", 2, H, 2 * H, 0);
    spec_add(&s, "out.b", 1, H, 0, 1);
    spec_add(&s, "proj.w", 2, Vt, H, 0);
    spec_add(&s, "proj.b", 1, Vt, 0, 1);
    params_init(&m->p, s.specs, s.n);
    Params *p = &m->p;
    m->src_emb = param(p, p->data, "src_emb"), m->gsrc_emb = param(p, p->grad, "src_emb");
    m->tgt_emb = param(p, p->data, "tgt_emb"), m->gtgt_emb = param(p, p->grad, "tgt_emb");
    m->wq = param(p, p->data, "attn.wq"), m->gwq = param(p, p->grad, "attn.wq");
    m->wk = param(p, p->data, "attn.wk"), m->gwk = param(p, p->grad, "attn.wk");
    m->va = param(p, p->data, "attn.va"), m->gva = param(p, p->grad, "attn.va");
    m->wo = param(p, p->data, "out.w"), m->gwo = param(p, p->grad, "out.w");
    m->bo = param(p, p->data, "out.b"), m->gbo = param(p, p->grad, "out.b");
    m->wv = param(p, p->data, "proj.w"), m->gwv = param(p, p->grad, "proj.w");
    m->bv = param(p, p->data, "proj.b"), m->gbv = param(p, p->grad, "proj.b");

    /* the decoder layer also serves decoding, which may run longer than any training target */
    int decT = maxT > maxDecode ? maxT : maxDecode;
    rnn_stack_init(&m->enc, c->cell, c->layers, D, E, m->He, c->dropout, maxS, maxB);
    rnn_stack_bind(&m->enc, p, "enc");
    m->decw = cell_weights(p, p->data, c->cell, "dec"), m->decg = cell_weights(p, p->grad, c->cell, "dec");
    rnn_layer_init(&m->dec, c->cell, E + H, H, 0, decT, maxB);

    /* weights */
    rng_fill_normal(rng, m->src_emb, (size_t)Vs * E, 0, 1);
    rng_fill_normal(rng, m->tgt_emb, (size_t)Vt * E, 0, 1);
    rnn_stack_init_weights(&m->enc, 1.0f, rng);
    cell_init(c->cell, &m->decw, E + H, H, 1.0f, rng);
    if (c->attn == ATTN_ADDITIVE) {
        fill_linear(m->wq, (size_t)A * H, H, rng);
        fill_linear(m->wk, (size_t)A * H, H, rng);
        fill_linear(m->va, (size_t)A, A, rng);
    }
    fill_linear(m->wo, (size_t)H * 2 * H, 2 * H, rng);
    fill_linear(m->bo, (size_t)H, 2 * H, rng);
    fill_linear(m->wv, (size_t)Vt * H, H, rng);
    fill_linear(m->bv, (size_t)Vt, H, rng);

    /* activations: the T-sized ones for training batches; decoding uses their first B rows */
    size_t SB = (size_t)maxS * maxB, TB = (size_t)maxT * maxB;
    int add = c->attn == ATTN_ADDITIVE;
    m->xs = falloc(SB, (size_t)E);
    m->summary = falloc((size_t)maxB, (size_t)H);
    m->xd = falloc(TB, (size_t)(E + H));
    m->hd = falloc(TB, (size_t)H);
    m->ctx = falloc(TB, (size_t)H);
    m->alpha = falloc(TB, (size_t)maxS);
    if (add) {
        m->kp = falloc(SB, (size_t)A);
        m->qp = falloc(TB, (size_t)A);
        m->u = falloc(xmul(TB, (size_t)maxS), (size_t)A);
        m->dqp = falloc(TB, (size_t)A);
        m->dkp = falloc(SB, (size_t)A);
    }
    m->cat = falloc(TB, 2 * (size_t)H);
    m->o = falloc(TB, (size_t)H);
    m->logits = falloc(TB, (size_t)Vt);
    m->probs = falloc(TB, (size_t)Vt);
    m->dlogits = falloc(TB, (size_t)Vt);
    m->dout = falloc(TB, (size_t)H);
    m->dpre = falloc(TB, (size_t)H);
    m->dcat = falloc(TB, 2 * (size_t)H);
    m->dhd = falloc(TB, (size_t)H);
    m->dctx = falloc(TB, (size_t)H);
    m->dxd = falloc(TB, (size_t)(E + H));
    m->demb = falloc(TB, (size_t)E);
    m->dmem = falloc(SB, (size_t)H);
    m->dsummary = falloc((size_t)maxB, (size_t)H);
    m->dxs = falloc(SB, (size_t)E);
    m->dscore = falloc(TB, (size_t)maxS);
    m->state_h = falloc((size_t)maxB, (size_t)H);
    m->state_c = falloc((size_t)maxB, (size_t)H);
    m->gather_h = falloc((size_t)maxB, (size_t)H);
    m->gather_c = falloc((size_t)maxB, (size_t)H);
}

void s2s_free(S2SModel *m) {
    rnn_stack_free(&m->enc), rnn_layer_free(&m->dec), params_free(&m->p);
    float *bufs[] = {m->xs, m->summary, m->kp, m->xd, m->hd, m->ctx, m->alpha, m->qp, m->u, m->cat, m->o,
                     m->logits, m->probs, m->dlogits, m->dout, m->dpre, m->dcat, m->dhd, m->dctx, m->dxd, m->demb,
                     m->dmem, m->dsummary, m->dxs, m->dscore, m->dqp, m->dkp, m->state_h, m->state_c,
                     m->gather_h, m->gather_c};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    memset(m, 0, sizeof *m);
}

size_t s2s_num_params(const S2SModel *m) { return m->p.total; }

/* ==== forward ==================================================================================== */

/* Source ids (S,B) -> the encoder states m->mem (S,B,H), the summary c (B,H) and, for additive
 * attention, the keys Wk e_s. The summary is where each direction ENDED: the forward half after
 * the last word (position S-1), the backward half after the first (position 0). */
static void encode(S2SModel *m, const int *src, int S, int B, int train, Rng *rng) {
    if (S < 1 || S > m->maxS || B < 1 || B > m->maxB)
        die("s2s: source length %d / batch %d outside the capacity %d / %d", S, B, m->maxS, m->maxB);
    const S2SConfig *c = &m->cfg;
    int E = c->emb, H = c->hidden, He = m->He;
    m->S = S, m->B = B, m->src = src;
    embedding_forward(m->xs, src, m->src_emb, S * B, c->src_vocab, E);
    m->mem = rnn_stack_forward(&m->enc, m->xs, S, B, train, rng);
    for (int b = 0; b < B; b++) {
        memcpy(m->summary + (size_t)b * H, m->mem + ((size_t)(S - 1) * B + b) * H, (size_t)He * sizeof(float));
        if (c->bidir) memcpy(m->summary + (size_t)b * H + He, m->mem + (size_t)b * H + He, (size_t)He * sizeof(float));
    }
    if (c->attn == ATTN_ADDITIVE) additive_attention_keys(m->kp, m->mem, m->wk, S, B, H, c->attn_dim);
}

/* Decoder inputs for T steps: row (t,b) = [emb(ids[t,b]) ; c_b]. */
static void decoder_inputs(S2SModel *m, const int *ids, int T) {
    int B = m->B, E = m->cfg.emb, H = m->cfg.hidden, W = E + H;
    for (int r = 0; r < T * B; r++) {
        float *x = m->xd + (size_t)r * W;
        int id = ids[r];
        if (id < 0 || id >= m->cfg.tgt_vocab) die("s2s: target id %d outside the vocabulary (%d)", id, m->cfg.tgt_vocab);
        memcpy(x, m->tgt_emb + (size_t)id * E, (size_t)E * sizeof(float));
        memcpy(x + E, m->summary + (size_t)(r % B) * H, (size_t)H * sizeof(float));
    }
}

/* From the decoder states hd (T,B,H): the contexts, then o and the logits (T*B rows). */
static void context_and_output(S2SModel *m, int T) {
    const S2SConfig *c = &m->cfg;
    int B = m->B, S = m->S, H = c->hidden, N = T * B;
    switch (c->attn) {
    case ATTN_NONE: /* the fixed context: c at every step */
        for (int r = 0; r < N; r++) memcpy(m->ctx + (size_t)r * H, m->summary + (size_t)(r % B) * H, (size_t)H * sizeof(float));
        break;
    case ATTN_DOT: dot_attention_forward(m->ctx, m->alpha, m->hd, m->mem, T, S, B, H); break;
    case ATTN_ADDITIVE:
        additive_attention_forward(m->ctx, m->alpha, m->qp, m->u, m->hd, m->mem, m->kp, m->wq, m->va, T, S, B, H,
                                   c->attn_dim);
        break;
    }
    for (int r = 0; r < N; r++) {
        memcpy(m->cat + (size_t)r * 2 * H, m->hd + (size_t)r * H, (size_t)H * sizeof(float));
        memcpy(m->cat + (size_t)r * 2 * H + H, m->ctx + (size_t)r * H, (size_t)H * sizeof(float));
    }
    linear_forward(m->o, m->cat, m->wo, m->bo, N, 2 * H, H);
    tanh_forward(m->o, m->o, (size_t)N * H);
    linear_forward(m->logits, m->o, m->wv, m->bv, N, H, c->tgt_vocab);
}

float s2s_forward(S2SModel *m, const S2SBatch *b, int train, Rng *rng) {
    if (b->T > m->maxT) die("s2s_forward: target of %d steps beyond the capacity %d", b->T, m->maxT);
    encode(m, b->src, b->S, b->B, train, rng);
    m->T = b->T, m->tgt_in = b->tgt_in, m->tgt_out = b->tgt_out;
    decoder_inputs(m, b->tgt_in, b->T);
    /* teacher forcing: every input is known, so the decoder runs as one layer over all T steps */
    rnn_layer_forward(&m->dec, &m->decw, m->hd, m->xd, m->summary, NULL, b->T, b->B);
    context_and_output(m, b->T);
    return crossentropy_forward(m->probs, m->logits, b->tgt_out, b->T * b->B, m->cfg.tgt_vocab);
}

/* ==== backward =================================================================================== */

static void zero(float *x, size_t n) { memset(x, 0, n * sizeof(float)); }

void s2s_backward(S2SModel *m) {
    const S2SConfig *c = &m->cfg;
    int B = m->B, S = m->S, T = m->T, N = T * B, E = c->emb, H = c->hidden, He = m->He, V = c->tgt_vocab;
    /* the output layers: logits = Wv o + bv, o = tanh(Wo [h ; ctx] + bo) */
    zero(m->dlogits, (size_t)N * V);
    crossentropy_backward(m->dlogits, m->probs, m->tgt_out, N, V, 1.0f);
    zero(m->dout, (size_t)N * H);
    linear_backward(m->dout, m->gwv, m->gbv, m->dlogits, m->o, m->wv, N, H, V);
    zero(m->dpre, (size_t)N * H);
    tanh_backward(m->dpre, m->o, m->dout, (size_t)N * H);
    zero(m->dcat, (size_t)N * 2 * H);
    linear_backward(m->dcat, m->gwo, m->gbo, m->dpre, m->cat, m->wo, N, 2 * H, H);
    for (int r = 0; r < N; r++) {
        memcpy(m->dhd + (size_t)r * H, m->dcat + (size_t)r * 2 * H, (size_t)H * sizeof(float));
        memcpy(m->dctx + (size_t)r * H, m->dcat + (size_t)r * 2 * H + H, (size_t)H * sizeof(float));
    }
    /* the context: into the encoder states (attention) or the summary (none), and the queries h_t */
    zero(m->dmem, (size_t)S * B * H);
    zero(m->dsummary, (size_t)B * H);
    switch (c->attn) {
    case ATTN_NONE:
        for (int r = 0; r < N; r++) {
            float *ds = m->dsummary + (size_t)(r % B) * H;
            const float *g = m->dctx + (size_t)r * H;
            for (int h = 0; h < H; h++) ds[h] += g[h];
        }
        break;
    case ATTN_DOT: dot_attention_backward(m->dhd, m->dmem, m->dscore, m->dctx, m->alpha, m->hd, m->mem, T, S, B, H); break;
    case ATTN_ADDITIVE:
        additive_attention_backward(m->dhd, m->dmem, m->gwq, m->gwk, m->gva, m->dscore, m->dqp, m->dkp, m->dctx,
                                    m->alpha, m->u, m->hd, m->mem, m->wq, m->wk, m->va, T, S, B, H, c->attn_dim);
        break;
    }
    /* the decoder, through time; its initial state was the summary */
    zero(m->dxd, (size_t)N * (E + H));
    rnn_layer_backward(&m->dec, &m->decw, &m->decg, m->dxd, m->dsummary, NULL, m->dhd, NULL, NULL);
    /* its inputs [emb(y_{t-1}) ; c]: the embedding rows, and c once more per step */
    for (int r = 0; r < N; r++) {
        const float *g = m->dxd + (size_t)r * (E + H);
        memcpy(m->demb + (size_t)r * E, g, (size_t)E * sizeof(float));
        float *ds = m->dsummary + (size_t)(r % B) * H;
        for (int h = 0; h < H; h++) ds[h] += g[E + h];
    }
    embedding_backward(m->gtgt_emb, m->tgt_in, m->demb, N, E);
    /* the summary came from the encoder's last forward state and first backward state */
    for (int b = 0; b < B; b++) {
        const float *ds = m->dsummary + (size_t)b * H;
        float *last = m->dmem + ((size_t)(S - 1) * B + b) * H, *first = m->dmem + (size_t)b * H;
        for (int h = 0; h < He; h++) last[h] += ds[h];
        if (c->bidir)
            for (int h = He; h < H; h++) first[h] += ds[h];
    }
    zero(m->dxs, (size_t)S * B * E);
    rnn_stack_backward(&m->enc, m->dxs, m->dmem);
    embedding_backward(m->gsrc_emb, m->src, m->dxs, S * B, E);
}

/* ==== step-by-step decoding ====================================================================== */

void s2s_encode(S2SModel *m, const int *src, int S, int B) {
    encode(m, src, S, B, 0, NULL);
    rnn_layer_begin(&m->dec, &m->decw, B, m->summary, NULL);
}

const float *s2s_decoder_step(S2SModel *m, const int *prev) {
    int H = m->cfg.hidden;
    decoder_inputs(m, prev, 1);
    const float *h = rnn_layer_step(&m->dec, &m->decw, m->xd);
    memcpy(m->hd, h, (size_t)m->B * H * sizeof(float));
    context_and_output(m, 1);
    return m->logits;
}

void s2s_decoder_reorder(S2SModel *m, const int *parent) {
    int B = m->B, H = m->cfg.hidden, lstm = m->cfg.cell == CELL_LSTM;
    /* the current state, gathered by parent, then a fresh start from it (rnn_layer_begin) */
    rnn_layer_final_state(&m->dec, m->state_h, lstm ? m->state_c : NULL);
    for (int i = 0; i < B; i++) {
        if (parent[i] < 0 || parent[i] >= B) die("s2s_decoder_reorder: parent %d of row %d outside [0, %d)", parent[i], i, B);
        memcpy(m->gather_h + (size_t)i * H, m->state_h + (size_t)parent[i] * H, (size_t)H * sizeof(float));
        if (lstm) memcpy(m->gather_c + (size_t)i * H, m->state_c + (size_t)parent[i] * H, (size_t)H * sizeof(float));
    }
    rnn_layer_begin(&m->dec, &m->decw, B, m->gather_h, lstm ? m->gather_c : NULL);
}
