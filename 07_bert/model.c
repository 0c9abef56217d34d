/* model.c - see model.h: BERT's embeddings, the encoder stack of chapter 06's blocks, the pooler
 * and the two pretraining heads. Each backward runs its forward's steps in reverse. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "layernorm.h"
#include "matmul.h"
#include "softmax.h"
#include "util.h"

static float *fbuf(size_t n) { return xcalloc(n ? n : 1, sizeof(float)); }
static void zero(float *x, size_t n) { memset(x, 0, n * sizeof(float)); }

/* ---- configuration ---------------------------------------------------------------------------- */

BertConfig bert_config_default(void) {
    BertConfig c;
    memset(&c, 0, sizeof c);
    c.vocab_size = 8000, c.hidden = 256, c.layers = 4, c.heads = 4, c.intermediate = 1024;
    c.max_pos = 128, c.type_vocab = 2;
    c.ln_eps = 1e-12f, c.hidden_dropout = 0.1f, c.attn_dropout = 0.1f, c.init_range = 0.02f;
    c.position = BERT_POS_ABSOLUTE, c.max_rel = 32;
    return c;
}

static void bert_specs(const BertConfig *c, SpecList *l) {
    int V = c->vocab_size, C = c->hidden, F = c->intermediate;
    float sd = c->init_range;
    specs_add(l, INIT_NORMAL, sd, 0, 2, V, C, "bert.embeddings.word_embeddings.weight");
    if (c->position == BERT_POS_ABSOLUTE)
        specs_add(l, INIT_NORMAL, sd, 0, 2, c->max_pos, C, "bert.embeddings.position_embeddings.weight");
    specs_add(l, INIT_NORMAL, sd, 0, 2, c->type_vocab, C, "bert.embeddings.token_type_embeddings.weight");
    ln_specs(l, "bert.embeddings.LayerNorm", C);
    for (int i = 0; i < c->layers; i++) {
        /* the field order of EncoderBlockWeights: attention (q, k, v, out), norm1, ffn, norm2 */
        static const char *const qkv[3] = {"query", "key", "value"};
        for (int j = 0; j < 3; j++) {
            specs_add(l, INIT_NORMAL, sd, 0, 2, C, C, "bert.encoder.layer.%d.attention.self.%s.weight", i, qkv[j]);
            specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "bert.encoder.layer.%d.attention.self.%s.bias", i, qkv[j]);
        }
        specs_add(l, INIT_NORMAL, sd, 0, 2, C, C, "bert.encoder.layer.%d.attention.output.dense.weight", i);
        specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "bert.encoder.layer.%d.attention.output.dense.bias", i);
        specs_add(l, INIT_ONE, 0, 1, 1, C, 0, "bert.encoder.layer.%d.attention.output.LayerNorm.weight", i);
        specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "bert.encoder.layer.%d.attention.output.LayerNorm.bias", i);
        specs_add(l, INIT_NORMAL, sd, 0, 2, F, C, "bert.encoder.layer.%d.intermediate.dense.weight", i);
        specs_add(l, INIT_ZERO, 0, 1, 1, F, 0, "bert.encoder.layer.%d.intermediate.dense.bias", i);
        specs_add(l, INIT_NORMAL, sd, 0, 2, C, F, "bert.encoder.layer.%d.output.dense.weight", i);
        specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "bert.encoder.layer.%d.output.dense.bias", i);
        specs_add(l, INIT_ONE, 0, 1, 1, C, 0, "bert.encoder.layer.%d.output.LayerNorm.weight", i);
        specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "bert.encoder.layer.%d.output.LayerNorm.bias", i);
        if (c->position == BERT_POS_RELATIVE)
            specs_add(l, INIT_NORMAL, sd, 0, 2, 2 * c->max_rel + 1, C / c->heads,
                      "bert.encoder.layer.%d.attention.self.distance_embedding.weight", i);
    }
    specs_add(l, INIT_NORMAL, sd, 0, 2, C, C, "bert.pooler.dense.weight");
    specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "bert.pooler.dense.bias");
    specs_add(l, INIT_ZERO, 0, 1, 1, V, 0, "cls.predictions.bias");
    specs_add(l, INIT_NORMAL, sd, 0, 2, C, C, "cls.predictions.transform.dense.weight");
    specs_add(l, INIT_ZERO, 0, 1, 1, C, 0, "cls.predictions.transform.dense.bias");
    ln_specs(l, "cls.predictions.transform.LayerNorm", C);
    specs_add(l, INIT_NORMAL, sd, 0, 2, 2, C, "cls.seq_relationship.weight");
    specs_add(l, INIT_ZERO, 0, 1, 1, 2, 0, "cls.seq_relationship.bias");
}

size_t bert_num_params(const BertConfig *c) {
    size_t C = (size_t)c->hidden, F = (size_t)c->intermediate, V = (size_t)c->vocab_size;
    size_t n = V * C + (c->position == BERT_POS_ABSOLUTE ? (size_t)c->max_pos * C : 0) + (size_t)c->type_vocab * C + 2 * C;
    size_t layer = 4 * (C * C + C) + 2 * C + (F * C + F) + (C * F + C) + 2 * C;
    if (c->position == BERT_POS_RELATIVE) layer += (size_t)(2 * c->max_rel + 1) * (C / (size_t)c->heads);
    n += (size_t)c->layers * layer;
    n += C * C + C + V + C * C + C + 2 * C + 2 * C + 2;
    return n;
}

int bert_config_check(const BertConfig *c, char *err) {
    /* generous bounds: bert-large is C 1024, L 24, F 4096; multilingual vocabularies reach 250k */
    if (c->vocab_size < 1 || c->vocab_size > 4000000) return set_err(err, "vocab_size %d out of range [1, 4000000]", c->vocab_size);
    if (c->hidden < 1 || c->hidden > 16384) return set_err(err, "hidden_size %d out of range [1, 16384]", c->hidden);
    if (c->layers < 1 || c->layers > 256) return set_err(err, "num_hidden_layers %d out of range [1, 256]", c->layers);
    if (c->heads < 1 || c->heads > c->hidden)
        return set_err(err, "num_attention_heads %d out of range [1, hidden_size %d]", c->heads, c->hidden);
    if (c->hidden % c->heads)
        return set_err(err, "hidden_size %d is not a multiple of num_attention_heads %d", c->hidden, c->heads);
    if (c->intermediate < 1 || c->intermediate > 65536)
        return set_err(err, "intermediate_size %d out of range [1, 65536]", c->intermediate);
    if (c->max_pos < 1 || c->max_pos > 65536)
        return set_err(err, "max_position_embeddings %d out of range [1, 65536]", c->max_pos);
    if (c->type_vocab < 1 || c->type_vocab > 1024) return set_err(err, "type_vocab_size %d out of range [1, 1024]", c->type_vocab);
    if (!(c->ln_eps > 0 && c->ln_eps < 1)) return set_err(err, "layer_norm_eps %g out of range (0, 1)", (double)c->ln_eps);
    if (!(c->hidden_dropout >= 0 && c->hidden_dropout < 1))
        return set_err(err, "hidden_dropout_prob %g out of range [0, 1)", (double)c->hidden_dropout);
    if (!(c->attn_dropout >= 0 && c->attn_dropout < 1))
        return set_err(err, "attention_probs_dropout_prob %g out of range [0, 1)", (double)c->attn_dropout);
    if (!(c->init_range >= 0 && c->init_range <= 1))
        return set_err(err, "initializer_range %g out of range [0, 1]", (double)c->init_range);
    if (c->position != BERT_POS_ABSOLUTE && c->position != BERT_POS_RELATIVE)
        return set_err(err, "position embedding type %d unknown", (int)c->position);
    if (c->position == BERT_POS_RELATIVE && (c->max_rel < 1 || c->max_rel > 65536))
        return set_err(err, "max_relative_position %d out of range [1, 65536]", c->max_rel);
    /* 2^32 floats = 16 GiB of weights, as much again for the gradients: beyond any machine here */
    double n = (double)bert_num_params(c);
    if (n > 4294967296.0) return set_err(err, "the model would have %.3g parameters (at most 2^32)", n);
    return 0;
}

/* ---- building --------------------------------------------------------------------------------- */

static BlockConfig block_config(const BertConfig *c) {
    BlockConfig b = {c->hidden, c->heads, c->intermediate, FFN_GELU, 0, c->hidden_dropout, c->attn_dropout, c->ln_eps};
    return b;
}

static float *xs_at(const Bert *m, int l) { return m->xs + (size_t)l * m->maxB * m->maxT * m->cfg.hidden; }

/* Point the fields of bw at the tensors of P (weights or gradients), in bert_specs' order. */
static void carve(const Bert *m, BertWeights *bw, float **P) {
    const BertConfig *c = &m->cfg;
    int n = m->p.n, next = 0;
    bw->word = P[next++];
    bw->pos = c->position == BERT_POS_ABSOLUTE ? P[next++] : NULL;
    bw->type = P[next++];
    carve_struct(&bw->emb_ln, sizeof bw->emb_ln, P, &next, n);
    for (int i = 0; i < c->layers; i++) {
        carve_struct(&bw->layer[i], sizeof bw->layer[i], P, &next, n);
        if (bw->rel) bw->rel[i] = P[next++];
    }
    bw->pool_w = P[next++], bw->pool_b = P[next++];
    bw->mlm_bias = P[next++];
    bw->mlm_w = P[next++], bw->mlm_b = P[next++];
    carve_struct(&bw->mlm_ln, sizeof bw->mlm_ln, P, &next, n);
    bw->nsp_w = P[next++], bw->nsp_b = P[next++];
    if (next != n) die("bert: carved %d of %d tensors", next, n);
}

/* Point every block's temporaries and scratch at block 0's (see "Memory" in model.h). The blocks'
 * own copies are never touched, so they cost address space but no memory (calloc'd pages are
 * mapped on first write). Which buffers may be shared follows from blocks.c, layers.c and
 * attention.c: a forward writes a, f, ctx, att, attd, dmask and the FFN's activation and reads them
 * back within the same call, except the last four (and the FFN activation) which the backward
 * reads, and which bert_backward recomputes first; the d* buffers and the residual's dsum are
 * zeroed or written before being read inside one backward. The FFN's dh may even be its
 * activation: ffn_backward reads the activation once, before it zeroes dh. */
static void share_buffers(Bert *m) {
    EncoderBlock *s = &m->blk[0];
    for (int l = 0; l < m->cfg.layers; l++) {
        EncoderBlock *e = &m->blk[l];
        e->a = s->a, e->f = s->f, e->dx1 = s->dx1, e->da = s->da, e->df = s->df, e->dh = s->dh;
        Mha *a = &e->attn;
        a->ctx = s->attn.ctx, a->att = s->attn.att, a->attd = s->attn.attd, a->dmask = s->attn.dmask;
        a->scratch = s->attn.scratch, a->dq = s->attn.dq, a->dk = s->attn.dk, a->dv = s->attn.dv;
        a->dctx = s->attn.dctx;
        e->ffn.a = s->ffn.a, e->ffn.da = s->ffn.da, e->ffn.dh = s->ffn.a;
        e->r1.dsum = e->r2.dsum = s->r1.dsum;
        if (m->w.rel) /* relative positions: the layer's distance table and its gradient */
            e->attn.rel = m->w.rel[l], e->attn.drel = m->g.rel[l], e->attn.rel_R = m->cfg.max_rel;
    }
    m->att_layer = m->ffn_layer = -1;
}

/* Put layer l's attention core (weights, dropped weights and masks, heads' outputs) back into the
 * shared buffers: attention_forward again on the kept q, k, v with the forward's seed. */
static void recompute_attention(Bert *m, int l) {
    if (m->att_layer == l) return;
    mha_recompute_core(&m->blk[l].attn);
    m->att_layer = l;
}

const float *bert_attention_weights(Bert *m, int l) {
    if (l < 0 || l >= m->cfg.layers) die("bert_attention_weights: layer %d of %d", l, m->cfg.layers);
    recompute_attention(m, l);
    return m->blk[l].attn.att;
}

int bert_init(Bert *m, const BertConfig *c, int maxB, int maxT, char *err) {
    memset(m, 0, sizeof *m);
    if (bert_config_check(c, err)) return -1;
    if (maxB < 1 || maxT < 1) return set_err(err, "bert: batch %d x %d", maxB, maxT);
    if (c->position == BERT_POS_ABSOLUTE && maxT > c->max_pos)
        return set_err(err, "bert: sequences of %d tokens, but max_position_embeddings is %d", maxT, c->max_pos);
    if ((double)maxB * maxT * c->hidden * (c->layers + 8) > 4e9)
        return set_err(err, "bert: batch %d x %d is too large for the activations", maxB, maxT);
    m->cfg = *c, m->maxB = maxB, m->maxT = maxT;
    SpecList l = {0};
    bert_specs(c, &l);
    params_init(&m->p, l.specs, l.n);
    specs_free(&l);
    float **ptrs = xmalloc(sizeof(float *) * (size_t)m->p.n);
    for (int pass = 0; pass < 2; pass++) {
        BertWeights *bw = pass ? &m->g : &m->w;
        bw->layer = xcalloc((size_t)c->layers, sizeof *bw->layer);
        bw->rel = c->position == BERT_POS_RELATIVE ? xcalloc((size_t)c->layers, sizeof *bw->rel) : NULL;
        params_carve(&m->p, pass ? m->p.grad : m->p.data, ptrs);
        carve(m, bw, ptrs);
    }
    free(ptrs);
    BlockConfig bc = block_config(c);
    m->blk = xmalloc(sizeof *m->blk * (size_t)c->layers);
    m->blk_own = xmalloc(sizeof *m->blk * (size_t)c->layers);
    for (int i = 0; i < c->layers; i++) encoder_block_init(&m->blk[i], &bc, maxB, maxT);
    memcpy(m->blk_own, m->blk, sizeof *m->blk * (size_t)c->layers);
    share_buffers(m);
    size_t N = (size_t)maxB * maxT, n = N * c->hidden, nb = (size_t)maxB * c->hidden;
    m->emb = fbuf(n), m->emb_mask = fbuf(n);
    m->emb_mean = fbuf(N), m->emb_rstd = fbuf(N);
    m->xs = fbuf(n * (size_t)(c->layers + 1));
    m->cls = fbuf(nb), m->pooled = fbuf(nb), m->dcls = fbuf(nb);
    m->nsp_out = fbuf((size_t)maxB * 2), m->nsp_probs = fbuf((size_t)maxB * 2);
    m->dhidden = fbuf(n), m->dpooled = fbuf(nb);
    m->dx[0] = fbuf(n), m->dx[1] = fbuf(n);
    m->has = 0;
    return 0;
}

void bert_init_weights(Bert *m, Rng *rng) {
    SpecList l = {0};
    bert_specs(&m->cfg, &l);
    specs_init_values(&l, &m->p, rng);
    specs_free(&l);
    m->has = BERT_HAS_ALL;
}

static void mlm_free_buffers(Bert *m) {
    float *b[] = {m->mlm_in, m->mlm_h, m->mlm_g, m->mlm_t, m->mlm_mean, m->mlm_rstd, m->mlm_logits,
                  m->mlm_pbuf, m->mlm_dt, m->mlm_dg, m->mlm_dh, m->mlm_din};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) free(b[i]);
}

void bert_free(Bert *m) {
    if (m->blk) {
        memcpy(m->blk, m->blk_own, sizeof *m->blk * (size_t)m->cfg.layers); /* their own buffers */
        for (int i = 0; i < m->cfg.layers; i++) encoder_block_free(&m->blk[i]);
    }
    free(m->blk), free(m->blk_own), free(m->w.layer), free(m->g.layer), free(m->w.rel), free(m->g.rel);
    float *b[] = {m->emb, m->emb_mask, m->emb_mean, m->emb_rstd, m->xs, m->cls, m->pooled,
                  m->dcls, m->nsp_out, m->nsp_probs, m->dhidden, m->dpooled, m->dx[0], m->dx[1]};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) free(b[i]);
    mlm_free_buffers(m);
    params_free(&m->p);
    memset(m, 0, sizeof *m);
}

/* ---- the encoder ------------------------------------------------------------------------------ */

void bert_forward(Bert *m, const int *ids, const int *segs, const unsigned char *pad, int B, int T, Rng *rng) {
    const BertConfig *c = &m->cfg;
    if (B < 1 || B > m->maxB || T < 1 || T > m->maxT) die("bert: batch %d x %d, room for %d x %d", B, T, m->maxB, m->maxT);
    int C = c->hidden, V = c->vocab_size;
    size_t N = (size_t)B * T, n = N * C;
    for (size_t i = 0; i < N; i++) {
        if (ids[i] < 0 || ids[i] >= V) die("bert: token id %d outside the vocabulary of %d", ids[i], V);
        if (segs && (segs[i] < 0 || segs[i] >= c->type_vocab))
            die("bert: segment id %d outside type_vocab_size %d", segs[i], c->type_vocab);
    }
    m->B = B, m->T = T, m->ids = ids, m->segs = segs, m->pad = pad;
    /* C22: the input is the sum of three learned vectors: token, position, segment */
    embed_forward(m->emb, ids, m->w.word, m->w.pos, B, T, V, C, 1.0f);
    for (size_t i = 0; i < N; i++) {
        const float *ty = m->w.type + (size_t)(segs ? segs[i] : 0) * C;
        float *e = m->emb + i * C;
        for (int k = 0; k < C; k++) e[k] += ty[k];
    }
    m->dropped = rng && c->hidden_dropout > 0;
    float *x = xs_at(m, 0), *normed = m->dropped ? m->dx[0] : x; /* dx[0]: free until the backward */
    layernorm_forward(normed, m->emb_mean, m->emb_rstd, m->emb, m->w.emb_ln.w, m->w.emb_ln.b, (int)N, C, c->ln_eps);
    if (m->dropped) dropout_forward(x, m->emb_mask, normed, n, c->hidden_dropout, rng);
    /* the stack: no causal mask, every position sees every non-padding position */
    for (int l = 0; l < c->layers; l++)
        encoder_block_forward(&m->blk[l], &m->w.layer[l], xs_at(m, l + 1), xs_at(m, l), B, T, pad, 0, rng);
    m->att_layer = m->ffn_layer = c->layers - 1;
    m->hidden = xs_at(m, c->layers);
    /* the pooler: the [CLS] position's state through one more tanh layer */
    for (int b = 0; b < B; b++) memcpy(m->cls + (size_t)b * C, m->hidden + (size_t)b * T * C, sizeof(float) * C);
    linear_forward(m->pooled, m->cls, m->w.pool_w, m->w.pool_b, B, C, C);
    tanh_forward(m->pooled, m->pooled, (size_t)B * C);
}

void bert_zero_dheads(Bert *m) {
    zero(m->dhidden, (size_t)m->B * m->T * m->cfg.hidden);
    zero(m->dpooled, (size_t)m->B * m->cfg.hidden);
}

void bert_backward(Bert *m, const float *dhidden, const float *dpooled) {
    const BertConfig *c = &m->cfg;
    int B = m->B, T = m->T, C = c->hidden;
    size_t N = (size_t)B * T, n = N * C;
    float *dcur = m->dx[0], *dprev = m->dx[1];
    if (dhidden) {
        if (dhidden != dcur) memcpy(dcur, dhidden, n * sizeof(float));
    } else {
        zero(dcur, n);
    }
    if (dpooled) {
        /* through tanh (its derivative from the output: 1 - y^2) and the pooler's linear layer,
         * into the [CLS] rows */
        float *dpre = m->dcls; /* (B,C) the gradient before the tanh */
        for (size_t i = 0; i < (size_t)B * C; i++) dpre[i] = dpooled[i] * (1.0f - m->pooled[i] * m->pooled[i]);
        for (int b = 0; b < B; b++)
            linear_backward(dcur + (size_t)b * T * C, NULL, NULL, dpre + (size_t)b * C, m->cls + (size_t)b * C,
                            m->w.pool_w, 1, C, C);
        linear_backward(NULL, m->g.pool_w, m->g.pool_b, dpre, m->cls, m->w.pool_w, B, C, C);
    }
    for (int l = c->layers - 1; l >= 0; l--) {
        /* the shared buffers hold the last layer's attention core and GELU output after the
         * forward; the other layers' are recomputed (see "Memory" in model.h) */
        recompute_attention(m, l);
        EncoderBlock *e = &m->blk[l];
        if (m->ffn_layer != l) gelu_forward(e->ffn.a, e->ffn.h, (size_t)N * c->intermediate);
        zero(dprev, n);
        encoder_block_backward(e, &m->w.layer[l], &m->g.layer[l], dprev, dcur, xs_at(m, l));
        m->ffn_layer = -1; /* the backward wrote its gradient over the GELU output */
        float *t = dcur;
        dcur = dprev, dprev = t;
    }
    if (m->dropped)
        for (size_t i = 0; i < n; i++) dcur[i] *= m->emb_mask[i];
    zero(dprev, n);
    layernorm_backward(dprev, m->g.emb_ln.w, m->g.emb_ln.b, dcur, m->emb, m->w.emb_ln.w, m->emb_mean, m->emb_rstd,
                       (int)N, C);
    embed_backward(m->g.word, m->g.pos, dprev, m->ids, B, T, C, 1.0f);
    for (size_t i = 0; i < N; i++) {
        float *gt = m->g.type + (size_t)(m->segs ? m->segs[i] : 0) * C;
        const float *d = dprev + i * C;
        for (int k = 0; k < C; k++) gt[k] += d[k];
    }
}

/* ---- the masked-LM head ----------------------------------------------------------------------- */

static void mlm_reserve(Bert *m, int npos) {
    if (npos <= m->mlm_cap) return;
    mlm_free_buffers(m);
    int cap = npos < 64 ? 64 : npos;
    size_t nc = (size_t)cap * m->cfg.hidden, nv = (size_t)cap * m->cfg.vocab_size;
    m->mlm_in = fbuf(nc), m->mlm_h = fbuf(nc), m->mlm_g = fbuf(nc), m->mlm_t = fbuf(nc);
    m->mlm_mean = fbuf((size_t)cap), m->mlm_rstd = fbuf((size_t)cap);
    m->mlm_logits = fbuf(nv), m->mlm_pbuf = NULL; /* the second (n,V) buffer only for fill-mask */
    m->mlm_dt = fbuf(nc), m->mlm_dg = fbuf(nc), m->mlm_dh = fbuf(nc), m->mlm_din = fbuf(nc);
    m->mlm_cap = cap;
}

static double argmax_accuracy(const float *scores, const int *targets, int N, int V) {
    int count = 0, right = 0;
    for (int i = 0; i < N; i++) {
        if (targets[i] < 0) continue;
        const float *s = scores + (size_t)i * V;
        int best = 0;
        for (int v = 1; v < V; v++)
            if (s[v] > s[best]) best = v;
        count++, right += best == targets[i];
    }
    return count ? (double)right / count : 0.0;
}

float bert_mlm_forward(Bert *m, const int *pos, const int *targets, int npos, double *acc) {
    int C = m->cfg.hidden, V = m->cfg.vocab_size;
    m->mlm_n = npos, m->mlm_pos = pos, m->mlm_targets = targets;
    if (acc) *acc = 0;
    if (npos <= 0) return 0.0f;
    mlm_reserve(m, npos);
    int N = m->B * m->T;
    for (int i = 0; i < npos; i++) {
        if (pos[i] < 0 || pos[i] >= N) die("bert_mlm_forward: position %d outside the batch of %d", pos[i], N);
        memcpy(m->mlm_in + (size_t)i * C, m->hidden + (size_t)pos[i] * C, sizeof(float) * C);
    }
    size_t nc = (size_t)npos * C;
    linear_forward(m->mlm_h, m->mlm_in, m->w.mlm_w, m->w.mlm_b, npos, C, C);
    gelu_forward(m->mlm_g, m->mlm_h, nc);
    layernorm_forward(m->mlm_t, m->mlm_mean, m->mlm_rstd, m->mlm_g, m->w.mlm_ln.w, m->w.mlm_ln.b, npos, C,
                      m->cfg.ln_eps);
    /* tied decoder: the scores of every word are dot products with its input embedding */
    linear_forward(m->mlm_logits, m->mlm_t, m->w.word, m->w.mlm_bias, npos, C, V);
    if (!targets) {
        if (!m->mlm_pbuf) m->mlm_pbuf = fbuf((size_t)m->mlm_cap * V);
        m->mlm_probs = m->mlm_pbuf;
        softmax_forward(m->mlm_probs, m->mlm_logits, npos, V);
        return 0.0f;
    }
    m->mlm_probs = m->mlm_logits; /* in place: training needs the probabilities only */
    float loss = crossentropy_forward(m->mlm_probs, m->mlm_logits, targets, npos, V);
    if (acc) *acc = argmax_accuracy(m->mlm_probs, targets, npos, V);
    return loss;
}

void bert_mlm_backward(Bert *m, float dloss, float *dhidden) {
    int n = m->mlm_n, C = m->cfg.hidden, V = m->cfg.vocab_size;
    if (n <= 0 || !m->mlm_targets) return;
    size_t nc = (size_t)n * C;
    /* d loss / d logits = (p - onehot(target)) / count, written over p (rows without a target: 0) */
    int count = 0;
    for (int i = 0; i < n; i++) count += m->mlm_targets[i] >= 0;
    float scale = count ? dloss / (float)count : 0.0f, *dlogits = m->mlm_probs;
    const int *tg = m->mlm_targets;
#pragma omp parallel for if ((size_t)n * V > 32768)
    for (int i = 0; i < n; i++) {
        float *d = dlogits + (size_t)i * V;
        float s = tg[i] >= 0 ? scale : 0.0f;
        for (int v = 0; v < V; v++) d[v] *= s;
        if (tg[i] >= 0) d[tg[i]] -= s;
    }
    zero(m->mlm_dt, nc);
    linear_backward(m->mlm_dt, m->g.word, m->g.mlm_bias, dlogits, m->mlm_t, m->w.word, n, C, V);
    zero(m->mlm_dg, nc);
    layernorm_backward(m->mlm_dg, m->g.mlm_ln.w, m->g.mlm_ln.b, m->mlm_dt, m->mlm_g, m->w.mlm_ln.w, m->mlm_mean,
                       m->mlm_rstd, n, C);
    zero(m->mlm_dh, nc);
    gelu_backward(m->mlm_dh, m->mlm_h, m->mlm_dg, nc);
    zero(m->mlm_din, nc);
    linear_backward(m->mlm_din, m->g.mlm_w, m->g.mlm_b, m->mlm_dh, m->mlm_in, m->w.mlm_w, n, C, C);
    for (int i = 0; i < n; i++) {
        float *d = dhidden + (size_t)m->mlm_pos[i] * C;
        const float *s = m->mlm_din + (size_t)i * C;
        for (int k = 0; k < C; k++) d[k] += s[k];
    }
}

/* ---- the next-sentence head ------------------------------------------------------------------- */

float bert_nsp_forward(Bert *m, const int *labels, double *acc) {
    int B = m->B, C = m->cfg.hidden;
    m->nsp_labels = labels;
    if (acc) *acc = 0;
    linear_forward(m->nsp_out, m->pooled, m->w.nsp_w, m->w.nsp_b, B, C, 2);
    if (!labels) {
        softmax_forward(m->nsp_probs, m->nsp_out, B, 2);
        return 0.0f;
    }
    float loss = crossentropy_forward(m->nsp_probs, m->nsp_out, labels, B, 2);
    if (acc) *acc = argmax_accuracy(m->nsp_out, labels, B, 2);
    return loss;
}

void bert_nsp_backward(Bert *m, float dloss, float *dpooled) {
    int B = m->B, C = m->cfg.hidden;
    if (!m->nsp_labels) return;
    float dlog[2 * 64];
    float *d = B <= 64 ? dlog : fbuf((size_t)B * 2);
    zero(d, (size_t)B * 2);
    crossentropy_backward(d, m->nsp_probs, m->nsp_labels, B, 2, dloss);
    linear_backward(dpooled, m->g.nsp_w, m->g.nsp_b, d, m->pooled, m->w.nsp_w, B, C, 2);
    if (d != dlog) free(d);
}

/* ---- one pretraining step --------------------------------------------------------------------- */

BertLosses bert_pretrain_grads(Bert *m, const int *ids, const int *segs, const unsigned char *pad, int B, int T,
                               const int *mlm_pos, const int *mlm_targets, int npos, const int *nsp_labels,
                               Rng *rng) {
    return bert_pretrain_grads_weighted(m, ids, segs, pad, B, T, mlm_pos, mlm_targets, npos, nsp_labels, rng, 1.0f,
                                        1.0f);
}

BertLosses bert_pretrain_grads_weighted(Bert *m, const int *ids, const int *segs, const unsigned char *pad, int B,
                                        int T, const int *mlm_pos, const int *mlm_targets, int npos,
                                        const int *nsp_labels, Rng *rng, float mlm_w, float nsp_w) {
    BertLosses r;
    memset(&r, 0, sizeof r);
    bert_forward(m, ids, segs, pad, B, T, rng);
    r.mlm_loss = bert_mlm_forward(m, mlm_pos, mlm_targets, npos, &r.mlm_acc);
    for (int i = 0; i < npos; i++) r.mlm_count += mlm_targets && mlm_targets[i] >= 0;
    if (nsp_labels) r.nsp_loss = bert_nsp_forward(m, nsp_labels, &r.nsp_acc);
    bert_zero_dheads(m);
    bert_mlm_backward(m, mlm_w, m->dhidden);
    if (nsp_labels) bert_nsp_backward(m, nsp_w, m->dpooled);
    bert_backward(m, m->dhidden, nsp_labels ? m->dpooled : NULL);
    return r;
}
