/* blocks.c - see blocks.h: the encoder and decoder blocks as sub-layers joined by residual
 * connections. Each backward runs the forward's steps in reverse. */
#include "blocks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static float *fbuf(size_t n) { return xcalloc(n ? n : 1, sizeof(float)); }
static void zero(float *x, size_t n) { memset(x, 0, n * sizeof(float)); }

/* ---- encoder block -------------------------------------------------------------------------- */

void encoder_block_specs(SpecList *l, const char *prefix, const BlockConfig *c, InitKind init, float std) {
    char p[200];
    snprintf(p, sizeof p, "%s.self_attn", prefix), mha_specs(l, p, c->C, c->C, init, std);
    snprintf(p, sizeof p, "%s.norm1", prefix), ln_specs(l, p, c->C);
    ffn_specs(l, prefix, c->C, c->F, init, std);
    snprintf(p, sizeof p, "%s.norm2", prefix), ln_specs(l, p, c->C);
}

void encoder_block_init(EncoderBlock *e, const BlockConfig *c, int maxB, int maxT) {
    memset(e, 0, sizeof *e);
    e->cfg = *c, e->maxB = maxB, e->maxT = maxT;
    int N = maxB * maxT;
    mha_init(&e->attn, c->C, c->C, c->NH, maxB, maxT, maxT, c->attn_dropout);
    ffn_init(&e->ffn, c->C, c->F, N, c->act);
    residual_init(&e->r1, c->C, N, c->prenorm, c->dropout, c->ln_eps);
    residual_init(&e->r2, c->C, N, c->prenorm, c->dropout, c->ln_eps);
    size_t n = (size_t)N * c->C;
    e->a = fbuf(n), e->x1 = fbuf(n), e->f = fbuf(n);
    e->dx1 = fbuf(n), e->da = fbuf(n), e->df = fbuf(n), e->dh = fbuf(n);
}

void encoder_block_free(EncoderBlock *e) {
    mha_free(&e->attn), ffn_free(&e->ffn), residual_free(&e->r1), residual_free(&e->r2);
    free(e->a), free(e->x1), free(e->f), free(e->dx1), free(e->da), free(e->df), free(e->dh);
    memset(e, 0, sizeof *e);
}

void encoder_block_forward(EncoderBlock *e, const EncoderBlockWeights *w, float *out, const float *x, int B, int T,
                           const unsigned char *key_pad, int causal, Rng *rng) {
    if (B > e->maxB || T > e->maxT) die("encoder block: batch %d x %d, buffers for %d x %d", B, T, e->maxB, e->maxT);
    int N = B * T;
    e->B = B, e->T = T;
    /* sub-layer 1: every position attends to every (visible) position of the same sequence */
    e->h1 = residual_in_forward(&e->r1, &w->norm1, x, N);
    mha_forward(&e->attn, &w->attn, e->a, e->h1, e->h1, B, T, T, key_pad, causal, rng);
    residual_out_forward(&e->r1, &w->norm1, e->x1, x, e->a, N, rng);
    /* sub-layer 2: the same two-layer network on each position separately */
    e->h2 = residual_in_forward(&e->r2, &w->norm2, e->x1, N);
    ffn_forward(&e->ffn, &w->ffn, e->f, e->h2, N);
    residual_out_forward(&e->r2, &w->norm2, out, e->x1, e->f, N, rng);
}

void encoder_block_backward(EncoderBlock *e, const EncoderBlockWeights *w, EncoderBlockWeights *g, float *dx,
                            const float *dout, const float *x) {
    size_t n = (size_t)e->B * e->T * e->cfg.C;
    /* sub-layer 2, reversed */
    zero(e->dx1, n), zero(e->df, n);
    residual_out_backward(&e->r2, &w->norm2, &g->norm2, e->dx1, e->df, dout);
    zero(e->dh, n);
    ffn_backward(&e->ffn, &w->ffn, &g->ffn, e->dh, e->df, e->h2);
    residual_in_backward(&e->r2, &w->norm2, &g->norm2, e->dx1, e->dh, e->x1);
    /* sub-layer 1, reversed: queries, keys and values all came from h1, so all three send their
     * gradient into the same dh */
    zero(e->da, n);
    residual_out_backward(&e->r1, &w->norm1, &g->norm1, dx, e->da, e->dx1);
    zero(e->dh, n);
    mha_backward(&e->attn, &w->attn, &g->attn, e->dh, e->dh, e->da, e->h1, e->h1);
    residual_in_backward(&e->r1, &w->norm1, &g->norm1, dx, e->dh, x);
}

/* ---- decoder block -------------------------------------------------------------------------- */

void decoder_block_specs(SpecList *l, const char *prefix, const BlockConfig *c, InitKind init, float std) {
    char p[200];
    snprintf(p, sizeof p, "%s.self_attn", prefix), mha_specs(l, p, c->C, c->C, init, std);
    snprintf(p, sizeof p, "%s.norm1", prefix), ln_specs(l, p, c->C);
    snprintf(p, sizeof p, "%s.cross_attn", prefix), mha_specs(l, p, c->C, c->C, init, std);
    snprintf(p, sizeof p, "%s.norm2", prefix), ln_specs(l, p, c->C);
    ffn_specs(l, prefix, c->C, c->F, init, std);
    snprintf(p, sizeof p, "%s.norm3", prefix), ln_specs(l, p, c->C);
}

void decoder_block_init(DecoderBlock *d, const BlockConfig *c, int maxB, int maxT, int maxS) {
    memset(d, 0, sizeof *d);
    d->cfg = *c, d->maxB = maxB, d->maxT = maxT, d->maxS = maxS;
    int N = maxB * maxT;
    mha_init(&d->self_attn, c->C, c->C, c->NH, maxB, maxT, maxT, c->attn_dropout);
    mha_init(&d->cross_attn, c->C, c->C, c->NH, maxB, maxT, maxS, c->attn_dropout);
    ffn_init(&d->ffn, c->C, c->F, N, c->act);
    residual_init(&d->r1, c->C, N, c->prenorm, c->dropout, c->ln_eps);
    residual_init(&d->r2, c->C, N, c->prenorm, c->dropout, c->ln_eps);
    residual_init(&d->r3, c->C, N, c->prenorm, c->dropout, c->ln_eps);
    size_t n = (size_t)N * c->C;
    d->a = fbuf(n), d->y1 = fbuf(n), d->c = fbuf(n), d->y2 = fbuf(n), d->f = fbuf(n);
    d->dy1 = fbuf(n), d->dy2 = fbuf(n), d->da = fbuf(n), d->dc = fbuf(n), d->df = fbuf(n), d->dh = fbuf(n);
}

void decoder_block_free(DecoderBlock *d) {
    mha_free(&d->self_attn), mha_free(&d->cross_attn), ffn_free(&d->ffn);
    residual_free(&d->r1), residual_free(&d->r2), residual_free(&d->r3);
    float *bufs[] = {d->a, d->y1, d->c, d->y2, d->f, d->dy1, d->dy2, d->da, d->dc, d->df, d->dh};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    memset(d, 0, sizeof *d);
}

void decoder_block_forward(DecoderBlock *d, const DecoderBlockWeights *w, float *out, const float *y,
                           const float *mem, int B, int T, int S, const unsigned char *tgt_pad,
                           const unsigned char *src_pad, Rng *rng) {
    if (B > d->maxB || T > d->maxT || S > d->maxS)
        die("decoder block: batch %d x %d (source %d), buffers for %d x %d (%d)", B, T, S, d->maxB, d->maxT, d->maxS);
    int N = B * T;
    d->B = B, d->T = T, d->S = S;
    /* 1. masked self-attention: position t sees the target prefix up to t only */
    d->h1 = residual_in_forward(&d->r1, &w->norm1, y, N);
    mha_forward(&d->self_attn, &w->self_attn, d->a, d->h1, d->h1, B, T, T, tgt_pad, 1, rng);
    residual_out_forward(&d->r1, &w->norm1, d->y1, y, d->a, N, rng);
    /* 2. encoder-decoder attention: each target position looks over the whole source sentence
     * (the attention of chapter 05, with queries from the decoder, keys and values from mem) */
    d->h2 = residual_in_forward(&d->r2, &w->norm2, d->y1, N);
    mha_forward(&d->cross_attn, &w->cross_attn, d->c, d->h2, mem, B, T, S, src_pad, 0, rng);
    residual_out_forward(&d->r2, &w->norm2, d->y2, d->y1, d->c, N, rng);
    /* 3. feed-forward */
    d->h3 = residual_in_forward(&d->r3, &w->norm3, d->y2, N);
    ffn_forward(&d->ffn, &w->ffn, d->f, d->h3, N);
    residual_out_forward(&d->r3, &w->norm3, out, d->y2, d->f, N, rng);
}

void decoder_block_backward(DecoderBlock *d, const DecoderBlockWeights *w, DecoderBlockWeights *g, float *dy,
                            float *dmem, const float *dout, const float *y, const float *mem) {
    size_t n = (size_t)d->B * d->T * d->cfg.C;
    /* 3. feed-forward */
    zero(d->dy2, n), zero(d->df, n);
    residual_out_backward(&d->r3, &w->norm3, &g->norm3, d->dy2, d->df, dout);
    zero(d->dh, n);
    ffn_backward(&d->ffn, &w->ffn, &g->ffn, d->dh, d->df, d->h3);
    residual_in_backward(&d->r3, &w->norm3, &g->norm3, d->dy2, d->dh, d->y2);
    /* 2. encoder-decoder attention: the keys' and values' gradient flows into the encoder */
    zero(d->dy1, n), zero(d->dc, n);
    residual_out_backward(&d->r2, &w->norm2, &g->norm2, d->dy1, d->dc, d->dy2);
    zero(d->dh, n);
    mha_backward(&d->cross_attn, &w->cross_attn, &g->cross_attn, d->dh, dmem, d->dc, d->h2, mem);
    residual_in_backward(&d->r2, &w->norm2, &g->norm2, d->dy1, d->dh, d->y1);
    /* 1. masked self-attention */
    zero(d->da, n);
    residual_out_backward(&d->r1, &w->norm1, &g->norm1, dy, d->da, d->dy1);
    zero(d->dh, n);
    mha_backward(&d->self_attn, &w->self_attn, &g->self_attn, d->dh, d->dh, d->da, d->h1, d->h1);
    residual_in_backward(&d->r1, &w->norm1, &g->norm1, dy, d->dh, y);
}
