/* seq2seq.c - see seq2seq.h: the encoder-decoder transformer, its training loop and greedy
 * decoding. */
#include "seq2seq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activations.h"
#include "layernorm.h"
#include "matmul.h"
#include "platform.h"
#include "progress.h"
#include "util.h"

Seq2SeqConfig seq2seq_defaults(void) {
    Seq2SeqConfig c = {0};
    c.C = 64, c.NH = 4, c.F = 256, c.n_enc = 2, c.n_dec = 2;
    c.act = FFN_RELU, c.prenorm = 0, c.dropout = 0.1f, c.label_smoothing = 0.1f;
    c.shared_emb = 0, c.learned_pos = 0;
    c.pad_id = 0, c.bos_id = 1, c.eos_id = 2;
    return c;
}

/* ---- batches ---------------------------------------------------------------------------------- */

void seq2seq_batch_alloc(Seq2SeqBatch *b, int maxB, int maxS, int maxT) {
    memset(b, 0, sizeof *b);
    b->maxB = maxB, b->maxS = maxS, b->maxT = maxT;
    b->src = xcalloc((size_t)maxB * maxS, sizeof(int));
    b->src_pad = xcalloc((size_t)maxB * maxS, 1);
    b->tgt_in = xcalloc((size_t)maxB * maxT, sizeof(int));
    b->tgt_out = xcalloc((size_t)maxB * maxT, sizeof(int));
    b->tgt_pad = xcalloc((size_t)maxB * maxT, 1);
}

void seq2seq_batch_free(Seq2SeqBatch *b) {
    free(b->src), free(b->src_pad), free(b->tgt_in), free(b->tgt_out), free(b->tgt_pad);
    memset(b, 0, sizeof *b);
}

void seq2seq_batch_make(Seq2SeqBatch *b, const Seq2SeqConfig *c, const Pair *const *pairs, int B) {
    if (B <= 0 || B > b->maxB) die("seq2seq batch: %d pairs, room for %d", B, b->maxB);
    int S = 1, T = 1;
    for (int i = 0; i < B; i++) {
        const Pair *p = pairs[i];
        if (p->src_len < 1 || p->src_len > c->max_src || p->src_len > b->maxS)
            die("seq2seq batch: source of %d tokens (1 to %d allowed)", p->src_len, c->max_src);
        if (p->tgt_len < 0 || p->tgt_len + 1 > c->max_tgt || p->tgt_len + 1 > b->maxT)
            die("seq2seq batch: target of %d tokens (at most %d allowed)", p->tgt_len, c->max_tgt - 1);
        if (p->src_len > S) S = p->src_len;
        if (p->tgt_len + 1 > T) T = p->tgt_len + 1;
    }
    b->B = B, b->S = S, b->T = T, b->ntokens = 0;
    for (int i = 0; i < B; i++) {
        const Pair *p = pairs[i];
        for (int s = 0; s < S; s++) {
            int id = s < p->src_len ? p->src[s] : c->pad_id;
            if (id < 0 || id >= c->src_vocab) die("seq2seq batch: source id %d outside [0, %d)", id, c->src_vocab);
            b->src[i * S + s] = id;
            b->src_pad[i * S + s] = s >= p->src_len;
        }
        for (int t = 0; t < T; t++) {
            int n = p->tgt_len;
            int in = t == 0 ? c->bos_id : t <= n ? p->tgt[t - 1] : c->pad_id;
            int out = t < n ? p->tgt[t] : t == n ? c->eos_id : -1;
            if (in < 0 || in >= c->tgt_vocab || out >= c->tgt_vocab)
                die("seq2seq batch: target id outside [0, %d)", c->tgt_vocab);
            b->tgt_in[i * T + t] = in;
            b->tgt_out[i * T + t] = out;
            b->tgt_pad[i * T + t] = t > n;
            b->ntokens += out >= 0;
        }
    }
}

/* ---- the model ------------------------------------------------------------------------------ */

static float *fbuf(size_t n) { return xcalloc(n ? n : 1, sizeof(float)); }

void seq2seq_init(Seq2Seq *m, const Seq2SeqConfig *c, int maxB, Rng *rng) {
    memset(m, 0, sizeof *m);
    if (c->C <= 0 || c->NH <= 0 || c->C % c->NH || c->F <= 0 || c->n_enc < 1 || c->n_dec < 1 || c->max_src < 1 ||
        c->max_tgt < 2 || maxB < 1)
        die("seq2seq: bad configuration (C %d, heads %d, F %d, layers %d+%d, lengths %d/%d)", c->C, c->NH, c->F,
            c->n_enc, c->n_dec, c->max_src, c->max_tgt);
    if (c->shared_emb && c->src_vocab != c->tgt_vocab)
        die("seq2seq: shared embeddings need one vocabulary (source %d, target %d words)", c->src_vocab, c->tgt_vocab);
    int ids[3] = {c->pad_id, c->bos_id, c->eos_id};
    for (int i = 0; i < 3; i++)
        if (ids[i] < 0 || ids[i] >= c->tgt_vocab || ids[i] >= c->src_vocab) die("seq2seq: special id %d out of range", ids[i]);
    m->cfg = *c, m->maxB = maxB;
    int C = c->C, L1 = c->n_enc, L2 = c->n_dec;
    m->emb_scale = sqrtf((float)C);
    BlockConfig bc = {C, c->NH, c->F, c->act, c->prenorm, c->dropout, 0.0f, 1e-5f};

    /* 1. the parameters, in the order they are carved below */
    SpecList l = {0};
    float emb_std = 1.0f / sqrtf((float)C); /* times sqrt(C): unit-variance token vectors */
    if (c->shared_emb) {
        specs_add(&l, INIT_NORMAL, emb_std, 0, 2, c->src_vocab, C, "embed.weight");
    } else {
        specs_add(&l, INIT_NORMAL, emb_std, 0, 2, c->src_vocab, C, "src_embed.weight");
        specs_add(&l, INIT_NORMAL, emb_std, 0, 2, c->tgt_vocab, C, "tgt_embed.weight");
    }
    if (c->learned_pos) {
        specs_add(&l, INIT_NORMAL, 0.5f, 0, 2, c->max_src, C, "src_pos.weight");
        specs_add(&l, INIT_NORMAL, 0.5f, 0, 2, c->max_tgt, C, "tgt_pos.weight");
    }
    char name[64];
    for (int i = 0; i < L1; i++) snprintf(name, sizeof name, "encoder.layers.%d", i), encoder_block_specs(&l, name, &bc, INIT_XAVIER, 0);
    if (c->prenorm) ln_specs(&l, "encoder.norm", C);
    for (int i = 0; i < L2; i++) snprintf(name, sizeof name, "decoder.layers.%d", i), decoder_block_specs(&l, name, &bc, INIT_XAVIER, 0);
    if (c->prenorm) ln_specs(&l, "decoder.norm", C);
    params_init(&m->p, l.specs, l.n);
    specs_init_values(&l, &m->p, rng);
    specs_free(&l);

    /* 2. carve the flat buffer into the structs of pointers, weights and gradients alike */
    m->ptrs = xmalloc(sizeof(float *) * (size_t)m->p.n), m->gptrs = xmalloc(sizeof(float *) * (size_t)m->p.n);
    params_carve(&m->p, m->p.data, m->ptrs), params_carve(&m->p, m->p.grad, m->gptrs);
    m->encw = xmalloc(sizeof *m->encw * (size_t)L1), m->encg = xmalloc(sizeof *m->encg * (size_t)L1);
    m->decw = xmalloc(sizeof *m->decw * (size_t)L2), m->decg = xmalloc(sizeof *m->decg * (size_t)L2);
    for (int pass = 0; pass < 2; pass++) {
        float **P = pass ? m->gptrs : m->ptrs;
        int next = 0;
        float *se = P[next++], *te = c->shared_emb ? se : P[next++];
        float *sp = c->learned_pos ? P[next++] : NULL, *tp = c->learned_pos ? P[next++] : NULL;
        EncoderBlockWeights *ew = pass ? m->encg : m->encw;
        DecoderBlockWeights *dw = pass ? m->decg : m->decw;
        LnWeights *en = pass ? &m->genc_norm : &m->enc_norm, *dn = pass ? &m->gdec_norm : &m->dec_norm;
        for (int i = 0; i < L1; i++) carve_struct(&ew[i], sizeof ew[i], P, &next, m->p.n);
        if (c->prenorm) carve_struct(en, sizeof *en, P, &next, m->p.n);
        for (int i = 0; i < L2; i++) carve_struct(&dw[i], sizeof dw[i], P, &next, m->p.n);
        if (c->prenorm) carve_struct(dn, sizeof *dn, P, &next, m->p.n);
        if (next != m->p.n) die("seq2seq: carved %d of %d tensors", next, m->p.n);
        if (pass) m->gsrc_emb = se, m->gtgt_emb = te, m->gsrc_pos = sp, m->gtgt_pos = tp;
        else m->src_emb = se, m->tgt_emb = te, m->src_pos = sp, m->tgt_pos = tp;
    }

    /* 3. the layers' own buffers, and the model's activations */
    int S = c->max_src, T = c->max_tgt, Tm = S > T ? S : T;
    m->pe = fbuf((size_t)Tm * C);
    sinusoidal_positions(m->pe, Tm, C);
    m->enc = xmalloc(sizeof *m->enc * (size_t)L1), m->dec = xmalloc(sizeof *m->dec * (size_t)L2);
    for (int i = 0; i < L1; i++) encoder_block_init(&m->enc[i], &bc, maxB, S);
    for (int i = 0; i < L2; i++) decoder_block_init(&m->dec[i], &bc, maxB, T, S);
    size_t ns = (size_t)maxB * S * C, nt = (size_t)maxB * T * C, nv = (size_t)maxB * T * c->tgt_vocab;
    m->xs = fbuf(ns * (size_t)(L1 + 1)), m->ys = fbuf(nt * (size_t)(L2 + 1));
    m->mem_buf = fbuf(ns), m->yout_buf = fbuf(nt);
    m->enc_mean = fbuf((size_t)maxB * S), m->enc_rstd = fbuf((size_t)maxB * S);
    m->dec_mean = fbuf((size_t)maxB * T), m->dec_rstd = fbuf((size_t)maxB * T);
    m->src_dmask = fbuf(ns), m->tgt_dmask = fbuf(nt);
    m->logits = fbuf(nv), m->probs = fbuf(nv), m->dlogits = fbuf(nv);
    m->dx[0] = fbuf(ns), m->dx[1] = fbuf(ns), m->dmem = fbuf(ns);
    m->dy[0] = fbuf(nt), m->dy[1] = fbuf(nt), m->dyout = fbuf(nt);
}

void seq2seq_free(Seq2Seq *m) {
    for (int i = 0; i < m->cfg.n_enc; i++) encoder_block_free(&m->enc[i]);
    for (int i = 0; i < m->cfg.n_dec; i++) decoder_block_free(&m->dec[i]);
    free(m->enc), free(m->dec), free(m->encw), free(m->encg), free(m->decw), free(m->decg);
    free(m->ptrs), free(m->gptrs);
    float *bufs[] = {m->pe, m->xs, m->ys, m->mem_buf, m->yout_buf, m->enc_mean, m->enc_rstd, m->dec_mean,
                     m->dec_rstd, m->src_dmask, m->tgt_dmask, m->logits, m->probs, m->dlogits, m->dx[0], m->dx[1],
                     m->dmem, m->dy[0], m->dy[1], m->dyout};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    params_free(&m->p);
    memset(m, 0, sizeof *m);
}

size_t seq2seq_num_params(const Seq2Seq *m) { return m->p.total; }

/* the stream buffers: layer l's input (B,S,C) / (B,T,C), laid out for the largest batch */
static float *xs_at(const Seq2Seq *m, int l) { return m->xs + (size_t)l * m->maxB * m->cfg.max_src * m->cfg.C; }
static float *ys_at(const Seq2Seq *m, int l) { return m->ys + (size_t)l * m->maxB * m->cfg.max_tgt * m->cfg.C; }

void seq2seq_encode(Seq2Seq *m, const int *src, const unsigned char *src_pad, int B, int S, Rng *rng) {
    const Seq2SeqConfig *c = &m->cfg;
    if (B > m->maxB || S > c->max_src || B < 1 || S < 1) die("seq2seq_encode: %d x %d source batch too large", B, S);
    int C = c->C, L = c->n_enc;
    size_t n = (size_t)B * S * C;
    m->B = B, m->S = S, m->src_ids = src, m->src_pad = src_pad;
    float *x = xs_at(m, 0);
    /* token vector * sqrt(C) + position vector, then dropout (paper section 5.4) */
    embed_forward(x, src, m->src_emb, c->learned_pos ? m->src_pos : m->pe, B, S, c->src_vocab, C, m->emb_scale);
    m->enc_dropped = rng && c->dropout > 0;
    if (m->enc_dropped) dropout_forward(x, m->src_dmask, x, n, c->dropout, rng);
    for (int l = 0; l < L; l++)
        encoder_block_forward(&m->enc[l], &m->encw[l], xs_at(m, l + 1), xs_at(m, l), B, S, src_pad, 0, rng);
    if (c->prenorm) {
        layernorm_forward(m->mem_buf, m->enc_mean, m->enc_rstd, xs_at(m, L), m->enc_norm.w, m->enc_norm.b, B * S, C,
                          1e-5f);
        m->mem = m->mem_buf;
    } else {
        m->mem = xs_at(m, L);
    }
}

/* The decoder stack over tgt_in (B,T), up to m->yout (B,T,C), without the output layer. */
static void decode_stack(Seq2Seq *m, const int *tgt_in, const unsigned char *tgt_pad, int T, Rng *rng) {
    const Seq2SeqConfig *c = &m->cfg;
    if (T > c->max_tgt || T < 1) die("seq2seq_decode: target of %d positions (at most %d)", T, c->max_tgt);
    int C = c->C, L = c->n_dec, B = m->B, S = m->S, V = c->tgt_vocab;
    size_t n = (size_t)B * T * C;
    m->T = T, m->tgt_in = tgt_in, m->tgt_pad = tgt_pad;
    float *y = ys_at(m, 0);
    embed_forward(y, tgt_in, m->tgt_emb, c->learned_pos ? m->tgt_pos : m->pe, B, T, V, C, m->emb_scale);
    m->dec_dropped = rng && c->dropout > 0;
    if (m->dec_dropped) dropout_forward(y, m->tgt_dmask, y, n, c->dropout, rng);
    for (int l = 0; l < L; l++)
        decoder_block_forward(&m->dec[l], &m->decw[l], ys_at(m, l + 1), ys_at(m, l), m->mem, B, T, S, tgt_pad,
                              m->src_pad, rng);
    if (c->prenorm) {
        layernorm_forward(m->yout_buf, m->dec_mean, m->dec_rstd, ys_at(m, L), m->dec_norm.w, m->dec_norm.b, B * T, C,
                          1e-5f);
        m->yout = m->yout_buf;
    } else {
        m->yout = ys_at(m, L);
    }
}

void seq2seq_decode(Seq2Seq *m, const int *tgt_in, const unsigned char *tgt_pad, int T, Rng *rng) {
    decode_stack(m, tgt_in, tgt_pad, T, rng);
    /* scores of every target word: the output layer is the target embedding, transposed */
    linear_forward(m->logits, m->yout, m->tgt_emb, NULL, m->B * T, m->cfg.C, m->cfg.tgt_vocab);
}

float seq2seq_forward(Seq2Seq *m, const Seq2SeqBatch *b, Rng *rng, double *nll) {
    seq2seq_encode(m, b->src, b->src_pad, b->B, b->S, rng);
    seq2seq_decode(m, b->tgt_in, b->tgt_pad, b->T, rng);
    m->tgt_out = b->tgt_out;
    return ls_crossentropy_forward(m->probs, nll, m->logits, b->tgt_out, b->B * b->T, m->cfg.tgt_vocab,
                                   m->cfg.label_smoothing);
}

void seq2seq_backward(Seq2Seq *m) {
    const Seq2SeqConfig *c = &m->cfg;
    int C = c->C, B = m->B, S = m->S, T = m->T, V = c->tgt_vocab;
    size_t ns = (size_t)B * S * C, nt = (size_t)B * T * C, nv = (size_t)B * T * V;
    /* loss -> logits -> the decoder's output (and the tied embedding's first gradient) */
    memset(m->dlogits, 0, nv * sizeof(float));
    ls_crossentropy_backward(m->dlogits, m->probs, m->tgt_out, B * T, V, c->label_smoothing, 1.0f);
    memset(m->dyout, 0, nt * sizeof(float));
    linear_backward(m->dyout, m->gtgt_emb, NULL, m->dlogits, m->yout, m->tgt_emb, B * T, C, V);
    float *dcur = m->dy[0], *dprev = m->dy[1];
    if (c->prenorm) {
        memset(dcur, 0, nt * sizeof(float));
        layernorm_backward(dcur, m->gdec_norm.w, m->gdec_norm.b, m->dyout, ys_at(m, c->n_dec), m->dec_norm.w,
                           m->dec_mean, m->dec_rstd, B * T, C);
    } else {
        memcpy(dcur, m->dyout, nt * sizeof(float));
    }
    /* the decoder stack, top to bottom; every block adds its share into dmem */
    memset(m->dmem, 0, ns * sizeof(float));
    for (int l = c->n_dec - 1; l >= 0; l--) {
        memset(dprev, 0, nt * sizeof(float));
        decoder_block_backward(&m->dec[l], &m->decw[l], &m->decg[l], dprev, m->dmem, dcur, ys_at(m, l), m->mem);
        float *t = dcur;
        dcur = dprev, dprev = t;
    }
    if (m->dec_dropped) { /* dropout was applied in place: its backward is a multiply by the mask */
        for (size_t i = 0; i < nt; i++) dcur[i] *= m->tgt_dmask[i];
    }
    embed_backward(m->gtgt_emb, c->learned_pos ? m->gtgt_pos : NULL, dcur, m->tgt_in, B, T, C, m->emb_scale);
    /* the encoder stack, from the gradient of its output */
    float *ecur = m->dx[0], *eprev = m->dx[1];
    if (c->prenorm) {
        memset(ecur, 0, ns * sizeof(float));
        layernorm_backward(ecur, m->genc_norm.w, m->genc_norm.b, m->dmem, xs_at(m, c->n_enc), m->enc_norm.w,
                           m->enc_mean, m->enc_rstd, B * S, C);
    } else {
        memcpy(ecur, m->dmem, ns * sizeof(float));
    }
    for (int l = c->n_enc - 1; l >= 0; l--) {
        memset(eprev, 0, ns * sizeof(float));
        encoder_block_backward(&m->enc[l], &m->encw[l], &m->encg[l], eprev, ecur, xs_at(m, l));
        float *t = ecur;
        ecur = eprev, eprev = t;
    }
    if (m->enc_dropped)
        for (size_t i = 0; i < ns; i++) ecur[i] *= m->src_dmask[i];
    embed_backward(m->gsrc_emb, c->learned_pos ? m->gsrc_pos : NULL, ecur, m->src_ids, B, S, C, m->emb_scale);
}

void seq2seq_greedy(Seq2Seq *m, const int *src, const unsigned char *src_pad, int B, int S, int max_out, int *out,
                    int *out_len) {
    const Seq2SeqConfig *c = &m->cfg;
    if (max_out >= c->max_tgt) max_out = c->max_tgt - 1;
    int V = c->tgt_vocab, C = c->C;
    seq2seq_encode(m, src, src_pad, B, S, NULL);
    int *in = xmalloc(sizeof(int) * (size_t)B * (max_out + 1));
    unsigned char *done = xcalloc((size_t)B, 1);
    for (int b = 0; b < B; b++) out_len[b] = 0;
    int remaining = B;
    for (int t = 1; t <= max_out && remaining > 0; t++) {
        /* the decoder input so far: BOS and the tokens chosen, (B,t); finished rows repeat EOS,
         * which no longer matters to them */
        for (int b = 0; b < B; b++) {
            in[b * t] = c->bos_id;
            for (int j = 1; j < t; j++) in[b * t + j] = j - 1 < out_len[b] ? out[b * max_out + j - 1] : c->eos_id;
        }
        /* only the last position's scores are needed: the output layer (V x C per position, the
         * largest product here) runs on B rows instead of B * t */
        decode_stack(m, in, NULL, t, NULL);
        float *last = m->dy[0]; /* scratch (B,C) */
        for (int b = 0; b < B; b++)
            memcpy(last + (size_t)b * C, m->yout + ((size_t)b * t + t - 1) * C, sizeof(float) * (size_t)C);
        linear_forward(m->logits, last, m->tgt_emb, NULL, B, C, V);
        for (int b = 0; b < B; b++) {
            if (done[b]) continue;
            const float *lg = m->logits + (size_t)b * V;
            int best = 0;
            for (int v = 1; v < V; v++)
                if (lg[v] > lg[best]) best = v;
            if (best == c->eos_id) {
                done[b] = 1, remaining--;
            } else {
                out[b * max_out + out_len[b]++] = best;
            }
        }
    }
    free(in), free(done);
}

/* ---- training --------------------------------------------------------------------------------- */

Seq2SeqTrainOptions seq2seq_train_defaults(void) {
    Seq2SeqTrainOptions o = {0};
    o.epochs = 10, o.batch = 32, o.lr_factor = 1.0f, o.warmup = 400, o.clip = 1.0f;
    o.max_seconds = 0, o.log_every = 100, o.seed = 1, o.quiet = 0;
    return o;
}

void seq2seq_evaluate(Seq2Seq *m, const PairSet *set, double *nll, double *acc) {
    Seq2SeqBatch b;
    seq2seq_batch_alloc(&b, m->maxB, m->cfg.max_src, m->cfg.max_tgt);
    const Pair **ps = xmalloc(sizeof *ps * (size_t)m->maxB);
    double sum = 0, tokens = 0, right = 0;
    for (int i = 0; i < set->n; i += m->maxB) {
        int B = set->n - i < m->maxB ? set->n - i : m->maxB;
        for (int j = 0; j < B; j++) ps[j] = &set->pairs[i + j];
        seq2seq_batch_make(&b, &m->cfg, ps, B);
        double batch_nll;
        seq2seq_forward(m, &b, NULL, &batch_nll);
        sum += batch_nll * b.ntokens, tokens += b.ntokens;
        int V = m->cfg.tgt_vocab;
        for (int r = 0; r < B * b.T; r++) {
            if (b.tgt_out[r] < 0) continue;
            const float *p = m->probs + (size_t)r * V;
            int best = 0;
            for (int v = 1; v < V; v++)
                if (p[v] > p[best]) best = v;
            right += best == b.tgt_out[r];
        }
    }
    *nll = tokens ? sum / tokens : 0, *acc = tokens ? right / tokens : 0;
    free(ps);
    seq2seq_batch_free(&b);
}

double seq2seq_exact_match(Seq2Seq *m, const PairSet *set, int max_len, int *correct, int *total) {
    if (correct)
        for (int i = 0; i <= max_len; i++) correct[i] = total[i] = 0;
    int B = m->maxB, S = m->cfg.max_src, maxo = m->cfg.max_tgt - 1;
    int *src = xmalloc(sizeof(int) * (size_t)B * S), *out = xmalloc(sizeof(int) * (size_t)B * maxo);
    int *len = xmalloc(sizeof(int) * (size_t)B);
    unsigned char *pad = xmalloc((size_t)B * S);
    long right = 0;
    for (int i = 0; i < set->n; i += B) {
        int nb = set->n - i < B ? set->n - i : B, Sb = 1;
        for (int j = 0; j < nb; j++)
            if (set->pairs[i + j].src_len > Sb) Sb = set->pairs[i + j].src_len;
        for (int j = 0; j < nb; j++) {
            const Pair *p = &set->pairs[i + j];
            for (int s = 0; s < Sb; s++) {
                src[j * Sb + s] = s < p->src_len ? p->src[s] : m->cfg.pad_id;
                pad[j * Sb + s] = s >= p->src_len;
            }
        }
        seq2seq_greedy(m, src, pad, nb, Sb, maxo, out, len);
        for (int j = 0; j < nb; j++) {
            const Pair *p = &set->pairs[i + j];
            int ok = len[j] == p->tgt_len && memcmp(out + (size_t)j * maxo, p->tgt, sizeof(int) * (size_t)p->tgt_len) == 0;
            right += ok;
            if (correct && p->src_len <= max_len) correct[p->src_len] += ok, total[p->src_len]++;
        }
    }
    free(src), free(out), free(len), free(pad);
    return set->n ? (double)right / set->n : 0;
}

/* Length bucketing: sort each chunk of the shuffled order by (source length, target length), so
 * that consecutive pairs, hence the pairs of one batch, have similar lengths. */
typedef struct {
    int key, idx;
} LenKey;

static int cmp_lenkey(const void *a, const void *b) {
    const LenKey *x = a, *y = b;
    return x->key != y->key ? (x->key < y->key ? -1 : 1) : (x->idx > y->idx) - (x->idx < y->idx);
}

static void sort_chunks_by_length(int *order, const PairSet *set, int chunk, LenKey *keys) {
    for (int a = 0; a < set->n; a += chunk) {
        int n = set->n - a < chunk ? set->n - a : chunk;
        for (int j = 0; j < n; j++) {
            const Pair *p = &set->pairs[order[a + j]];
            keys[j] = (LenKey){p->src_len * 65536 + p->tgt_len, order[a + j]};
        }
        qsort(keys, (size_t)n, sizeof *keys, cmp_lenkey);
        for (int j = 0; j < n; j++) order[a + j] = keys[j].idx;
    }
}

/* CPU seconds of the process (all threads) since c0. */
static double cpu_since(clock_t c0) { return (double)(clock() - c0) / CLOCKS_PER_SEC; }

void seq2seq_train(Seq2Seq *m, const PairSet *train, const PairSet *valid, const Seq2SeqTrainOptions *o,
                   Seq2SeqTrainStats *st) {
    memset(st, 0, sizeof *st);
    if (train->n < 1) die("seq2seq_train: no training pairs");
    int Bmax = o->batch < m->maxB ? o->batch : m->maxB;
    int steps_per_epoch = (train->n + Bmax - 1) / Bmax;
    int epochs = o->epochs < SEQ2SEQ_MAX_EPOCHS ? o->epochs : SEQ2SEQ_MAX_EPOCHS;
    /* the paper's optimiser and schedule */
    AdamConfig ac = adam_defaults();
    ac.beta2 = 0.98f, ac.eps = 1e-9f;
    AdamState as;
    adam_init(&as, m->p.total);
    LrSchedule sched = {o->lr_factor / sqrtf((float)m->cfg.C * (float)o->warmup), o->warmup,
                        (long)epochs * steps_per_epoch, LR_INV_SQRT};
    Rng rng;
    rng_seed(&rng, o->seed);
    int *order = xmalloc(sizeof(int) * (size_t)train->n);
    for (int i = 0; i < train->n; i++) order[i] = i;
    Seq2SeqBatch b;
    seq2seq_batch_alloc(&b, Bmax, m->cfg.max_src, m->cfg.max_tgt);
    const Pair **ps = xmalloc(sizeof *ps * (size_t)Bmax);
    Progress pr;
    progress_start(&pr, sched.total_steps, "tok");
    double train_time = 0, cpu_time = 0;
    int stop = 0;
    int *batch_order = xmalloc(sizeof(int) * (size_t)steps_per_epoch);
    LenKey *keys = o->buckets > 0 ? xmalloc(sizeof *keys * (size_t)o->buckets * Bmax) : NULL;
    for (int ep = 0; ep < epochs && !stop; ep++) {
        rng_shuffle(&rng, order, (size_t)train->n);
        for (int k = 0; k < steps_per_epoch; k++) batch_order[k] = k;
        if (o->buckets > 0) {
            sort_chunks_by_length(order, train, o->buckets * Bmax, keys);
            rng_shuffle(&rng, batch_order, (size_t)steps_per_epoch);
        }
        double t0 = now_seconds(), loss_sum = 0;
        clock_t c0 = clock();
        int nsteps = 0;
        for (int k = 0; k < steps_per_epoch && !stop; k++) {
            int i = batch_order[k] * Bmax, B = train->n - i < Bmax ? train->n - i : Bmax;
            for (int j = 0; j < B; j++) ps[j] = &train->pairs[order[i + j]];
            seq2seq_batch_make(&b, &m->cfg, ps, B);
            float loss = seq2seq_forward(m, &b, &rng, NULL);
            if (!isfinite(loss)) die("seq2seq_train: the loss is %g at step %ld; lower --lr-factor", loss, st->steps);
            params_zero_grad(&m->p);
            seq2seq_backward(m);
            if (o->clip > 0) clip_grad_norm(m->p.grad, m->p.total, o->clip);
            float lr = lr_at(&sched, st->steps);
            adam_step(&as, &ac, lr, &m->p);
            st->steps++, nsteps++, loss_sum += loss, st->tokens += b.ntokens;
            if (o->log_every > 0 && st->steps % o->log_every == 0) progress_line(&pr, st->steps, loss, lr, st->tokens);
            if (o->max_seconds > 0 && train_time + (now_seconds() - t0) >= o->max_seconds) stop = 1;
            if (o->max_steps > 0 && st->steps >= o->max_steps) stop = 1;
            if (o->max_cpu_seconds > 0 && cpu_time + cpu_since(c0) >= o->max_cpu_seconds) stop = 1;
        }
        double dt = now_seconds() - t0;
        train_time += dt, cpu_time += cpu_since(c0);
        int e = st->epochs++;
        st->epoch_seconds[e] = dt, st->train_loss[e] = loss_sum / (nsteps ? nsteps : 1);
        if (valid && valid->n > 0) seq2seq_evaluate(m, valid, &st->valid_nll[e], &st->valid_acc[e]);
        if (!o->quiet)
            printf("epoch %3d | %5.1f s | train loss %.4f (label-smoothed) | valid cross-entropy %.4f nats, "
                   "next-token accuracy %.1f%%%s\n",
                   e + 1, dt, st->train_loss[e], st->valid_nll[e], 100 * st->valid_acc[e],
                   stop ? " (budget reached)" : "");
        fflush(stdout);
    }
    st->seconds = train_time, st->cpu_seconds = cpu_time;
    adam_free(&as);
    free(order), free(ps), free(batch_order), free(keys);
    seq2seq_batch_free(&b);
}
