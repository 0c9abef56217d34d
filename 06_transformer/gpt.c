/* gpt.c - see gpt.h: the character data, the decoder-only model, its training loop, sampling and
 * checkpoints. */
#include "gpt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "checkpoint.h"
#include "corpus.h"
#include "layernorm.h"
#include "matmul.h"
#include "platform.h"
#include "progress.h"
#include "softmax.h"
#include "utf8.h"
#include "util.h"

/* ---- characters <-> ids ----------------------------------------------------------------------- */

int chartext_load(CharText *t, const char *path, double valid_frac, int min_count, char *err) {
    memset(t, 0, sizeof *t);
    if (!(valid_frac >= 0 && valid_frac < 1)) return set_err(err, "held-out fraction %g not in [0, 1)", valid_frac);
    size_t len;
    char *text = corpus_read(path, &len, err);
    if (!text) return -1;
    /* 1. the code points, as offsets into the text */
    size_t n = utf8_count(text, len);
    size_t *start = xmalloc(sizeof(size_t) * (n + 1));
    size_t k = 0;
    for (size_t i = 0; i < len && k < n;) {
        uint32_t cp;
        int b = utf8_decode(text + i, len - i, &cp);
        if (b < 0) b = 1; /* cannot happen after corpus_read; skip a byte rather than loop */
        start[k++] = i;
        i += (size_t)b;
    }
    n = k;
    start[n] = len;
    size_t nvalid = (size_t)((double)n * valid_frac), ntrain = n - nvalid;
    if (ntrain < 2) {
        free(start), free(text);
        return set_err(err, "%s: %zu characters leave nothing to train on", path, n);
    }
    /* 2. the vocabulary, from the training part only (the held-out text stays unseen) */
    Vocab *v = vocab_new();
    for (size_t i = 0; i < ntrain; i++) vocab_add(v, text + start[i], start[i + 1] - start[i], 1);
    const char *specials[1] = {GPT_UNK};
    vocab_finalize(v, min_count, specials, 1);
    /* 3. the ids */
    t->ids = xmalloc(sizeof(int) * n);
    for (size_t i = 0; i < n; i++) {
        int id = vocab_find(v, text + start[i], start[i + 1] - start[i]);
        if (id < 0) id = 0;
        t->ids[i] = id;
        if (id == 0) *(i < ntrain ? &t->unk_train : &t->unk_valid) += 1;
    }
    t->vocab = v, t->n = n, t->ntrain = ntrain;
    free(start), free(text);
    return 0;
}

void chartext_free(CharText *t) {
    vocab_free(t->vocab), free(t->ids);
    memset(t, 0, sizeof *t);
}

int chars_encode(const Vocab *v, const char *s, int *ids, int max) {
    size_t len = strlen(s);
    int n = 0;
    for (size_t i = 0; i < len && n < max;) {
        uint32_t cp;
        int b = utf8_decode(s + i, len - i, &cp);
        if (b < 0) { /* an invalid byte: an unknown character */
            ids[n++] = 0, i++;
            continue;
        }
        int id = vocab_find(v, s + i, (size_t)b);
        ids[n++] = id < 0 ? 0 : id;
        i += (size_t)b;
    }
    return n;
}

void chars_print(FILE *f, const Vocab *v, const int *ids, int n) {
    for (int i = 0; i < n; i++) {
        if (ids[i] <= 0 || ids[i] >= v->n) fputs("\xEF\xBF\xBD", f); /* U+FFFD, the replacement character */
        else fwrite(v->words[ids[i]], 1, v->lens[ids[i]], f);
    }
}

/* ---- the model -------------------------------------------------------------------------------- */

GptConfig gpt_defaults(void) {
    GptConfig c = {0};
    c.C = 128, c.NH = 4, c.F = 512, c.L = 4, c.T = 128;
    c.act = FFN_GELU, c.prenorm = 1, c.learned_pos = 1, c.dropout = 0.0f;
    return c;
}

static float *fbuf(size_t n) { return xcalloc(n ? n : 1, sizeof(float)); }

static BlockConfig block_config(const GptConfig *c) {
    BlockConfig b = {c->C, c->NH, c->F, c->act, c->prenorm, c->dropout, 0.0f, 1e-5f};
    return b;
}

static void gpt_specs(const GptConfig *c, SpecList *l) {
    BlockConfig bc = block_config(c);
    specs_add(l, INIT_NORMAL, 0.02f, 0, 2, c->V, c->C, "wte.weight");
    if (c->learned_pos) specs_add(l, INIT_NORMAL, 0.01f, 0, 2, c->T, c->C, "wpe.weight");
    char name[64];
    for (int i = 0; i < c->L; i++) snprintf(name, sizeof name, "h.%d", i), encoder_block_specs(l, name, &bc, INIT_NORMAL, 0.02f);
    if (c->prenorm) ln_specs(l, "ln_f", c->C);
}

void gpt_init(Gpt *m, const GptConfig *c, int maxB, Rng *rng) {
    memset(m, 0, sizeof *m);
    if (c->V < 2 || c->C < 1 || c->NH < 1 || c->C % c->NH || c->F < 1 || c->L < 1 || c->T < 1 || maxB < 1)
        die("gpt: bad configuration (V %d, C %d, heads %d, F %d, layers %d, context %d)", c->V, c->C, c->NH, c->F, c->L,
            c->T);
    m->cfg = *c, m->maxB = maxB;
    SpecList l = {0};
    gpt_specs(c, &l);
    params_init(&m->p, l.specs, l.n);
    if (rng) specs_init_values(&l, &m->p, rng);
    specs_free(&l);
    m->ptrs = xmalloc(sizeof(float *) * (size_t)m->p.n), m->gptrs = xmalloc(sizeof(float *) * (size_t)m->p.n);
    params_carve(&m->p, m->p.data, m->ptrs), params_carve(&m->p, m->p.grad, m->gptrs);
    m->w = xmalloc(sizeof *m->w * (size_t)c->L), m->g = xmalloc(sizeof *m->g * (size_t)c->L);
    for (int pass = 0; pass < 2; pass++) {
        float **P = pass ? m->gptrs : m->ptrs;
        int next = 0;
        float *te = P[next++], *pe = c->learned_pos ? P[next++] : NULL;
        EncoderBlockWeights *bw = pass ? m->g : m->w;
        for (int i = 0; i < c->L; i++) carve_struct(&bw[i], sizeof bw[i], P, &next, m->p.n);
        if (c->prenorm) carve_struct(pass ? &m->glnf : &m->lnf, sizeof m->lnf, P, &next, m->p.n);
        if (next != m->p.n) die("gpt: carved %d of %d tensors", next, m->p.n);
        if (pass) m->gwte = te, m->gwpe = pe;
        else m->wte = te, m->wpe = pe;
    }
    BlockConfig bc = block_config(c);
    m->blk = xmalloc(sizeof *m->blk * (size_t)c->L);
    for (int i = 0; i < c->L; i++) encoder_block_init(&m->blk[i], &bc, maxB, c->T);
    m->pe = fbuf((size_t)c->T * c->C);
    sinusoidal_positions(m->pe, c->T, c->C);
    size_t n = (size_t)maxB * c->T * c->C, nv = (size_t)maxB * c->T * c->V;
    m->xs = fbuf(n * (size_t)(c->L + 1)), m->xf_buf = fbuf(n), m->dmask = fbuf(n);
    m->lnf_mean = fbuf((size_t)maxB * c->T), m->lnf_rstd = fbuf((size_t)maxB * c->T);
    m->logits = fbuf(nv), m->probs = fbuf(nv), m->dlogits = fbuf(nv);
    m->dx[0] = fbuf(n), m->dx[1] = fbuf(n), m->dxf = fbuf(n);
}

void gpt_free(Gpt *m) {
    for (int i = 0; i < m->cfg.L; i++) encoder_block_free(&m->blk[i]);
    free(m->blk), free(m->w), free(m->g), free(m->ptrs), free(m->gptrs);
    float *bufs[] = {m->pe, m->xs, m->xf_buf, m->dmask, m->lnf_mean, m->lnf_rstd, m->logits, m->probs, m->dlogits,
                     m->dx[0], m->dx[1], m->dxf};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    params_free(&m->p);
    memset(m, 0, sizeof *m);
}

static float *xs_at(const Gpt *m, int l) { return m->xs + (size_t)l * m->maxB * m->cfg.T * m->cfg.C; }

/* The stack, up to the final layer norm; then the logits of every position, or of the last one of
 * each sequence only (generation needs no more), into m->logits (B,T,V) or (B,V). */
static void gpt_run(Gpt *m, const int *ids, int B, int T, Rng *rng, int last_only) {
    const GptConfig *c = &m->cfg;
    if (B < 1 || B > m->maxB || T < 1 || T > c->T) die("gpt: batch %d x %d, room for %d x %d", B, T, m->maxB, c->T);
    int C = c->C, V = c->V;
    size_t n = (size_t)B * T * C;
    m->B = B, m->T = T, m->ids = ids;
    float *x = xs_at(m, 0);
    embed_forward(x, ids, m->wte, c->learned_pos ? m->wpe : m->pe, B, T, V, C, 1.0f);
    m->dropped = rng && c->dropout > 0;
    if (m->dropped) dropout_forward(x, m->dmask, x, n, c->dropout, rng);
    /* the causal mask: position t sees positions <= t, so its output can predict token t+1 */
    for (int l = 0; l < c->L; l++) encoder_block_forward(&m->blk[l], &m->w[l], xs_at(m, l + 1), xs_at(m, l), B, T, NULL, 1, rng);
    if (c->prenorm) {
        layernorm_forward(m->xf_buf, m->lnf_mean, m->lnf_rstd, xs_at(m, c->L), m->lnf.w, m->lnf.b, B * T, C, 1e-5f);
        m->xf = m->xf_buf;
    } else {
        m->xf = xs_at(m, c->L);
    }
    if (last_only)
        for (int b = 0; b < B; b++)
            linear_forward(m->logits + (size_t)b * V, m->xf + ((size_t)b * T + T - 1) * C, m->wte, NULL, 1, C, V);
    else
        linear_forward(m->logits, m->xf, m->wte, NULL, B * T, C, V); /* tied: the embedding, transposed */
}

float gpt_forward(Gpt *m, const int *ids, const int *targets, int B, int T, Rng *rng) {
    gpt_run(m, ids, B, T, rng, 0);
    m->targets = targets;
    if (!targets) return 0.0f;
    return crossentropy_forward(m->probs, m->logits, targets, B * T, m->cfg.V);
}

void gpt_backward(Gpt *m) {
    const GptConfig *c = &m->cfg;
    int B = m->B, T = m->T, C = c->C, V = c->V;
    size_t n = (size_t)B * T * C, nv = (size_t)B * T * V;
    memset(m->dlogits, 0, nv * sizeof(float));
    crossentropy_backward(m->dlogits, m->probs, m->targets, B * T, V, 1.0f);
    memset(m->dxf, 0, n * sizeof(float));
    linear_backward(m->dxf, m->gwte, NULL, m->dlogits, m->xf, m->wte, B * T, C, V);
    float *dcur = m->dx[0], *dprev = m->dx[1];
    if (c->prenorm) {
        memset(dcur, 0, n * sizeof(float));
        layernorm_backward(dcur, m->glnf.w, m->glnf.b, m->dxf, xs_at(m, c->L), m->lnf.w, m->lnf_mean, m->lnf_rstd,
                           B * T, C);
    } else {
        memcpy(dcur, m->dxf, n * sizeof(float));
    }
    for (int l = c->L - 1; l >= 0; l--) {
        memset(dprev, 0, n * sizeof(float));
        encoder_block_backward(&m->blk[l], &m->w[l], &m->g[l], dprev, dcur, xs_at(m, l));
        float *t = dcur;
        dcur = dprev, dprev = t;
    }
    if (m->dropped)
        for (size_t i = 0; i < n; i++) dcur[i] *= m->dmask[i];
    embed_backward(m->gwte, c->learned_pos ? m->gwpe : NULL, dcur, m->ids, B, T, C, 1.0f);
}

double gpt_evaluate(Gpt *m, const int *ids, size_t n, int max_windows) {
    int T = m->cfg.T, Bm = m->maxB;
    if (n < 2) return NAN;
    size_t W = (n - 2) / (size_t)T + 1; /* window w covers ids[wT .. wT+T] */
    size_t use = max_windows > 0 && (size_t)max_windows < W ? (size_t)max_windows : W;
    int *in = xmalloc(sizeof(int) * (size_t)Bm * T), *tg = xmalloc(sizeof(int) * (size_t)Bm * T);
    double sum = 0, count = 0;
    for (size_t w0 = 0; w0 < use; w0 += (size_t)Bm) {
        int B = (int)(use - w0 < (size_t)Bm ? use - w0 : (size_t)Bm);
        for (int b = 0; b < B; b++) {
            size_t s = (w0 + b) * W / use * (size_t)T; /* evenly spread when not all are used */
            for (int t = 0; t < T; t++) {
                int ok = s + t + 1 < n;
                in[b * T + t] = ok ? ids[s + t] : 0;
                tg[b * T + t] = ok ? ids[s + t + 1] : -1;
            }
        }
        float loss = gpt_forward(m, in, tg, B, T, NULL);
        double c = 0;
        for (int i = 0; i < B * T; i++) c += tg[i] >= 0;
        sum += (double)loss * c, count += c;
    }
    free(in), free(tg);
    return count > 0 ? sum / count : NAN;
}

int gpt_sample(Gpt *m, const int *prompt, int np, int *out, int n, float temperature, Rng *rng) {
    int T = m->cfg.T, V = m->cfg.V;
    if (np < 1) die("gpt_sample: an empty prompt");
    int *ctx = xmalloc(sizeof(int) * (size_t)(np + n));
    memcpy(ctx, prompt, sizeof(int) * (size_t)np);
    float *w = xmalloc(sizeof(float) * (size_t)V);
    for (int k = 0; k < n; k++) {
        int len = np + k, from = len > T ? len - T : 0;
        gpt_run(m, ctx + from, 1, len - from, NULL, 1);
        const float *lg = m->logits;
        int best = 1;
        float maxv = -INFINITY;
        for (int v = 1; v < V; v++) /* id 0 is <unk>: never drawn */
            if (lg[v] > maxv) maxv = lg[v], best = v;
        int next = best;
        if (temperature > 0) {
            w[0] = 0;
            for (int v = 1; v < V; v++) w[v] = expf((lg[v] - maxv) / temperature);
            next = rng_sample(rng, w, V);
        }
        ctx[len] = out[k] = next;
    }
    free(ctx), free(w);
    return n;
}

/* ---- checkpoints ------------------------------------------------------------------------------ */

int gpt_save(const Gpt *m, const Vocab *v, const char *path, const char *const *extra, int nextra, char *err) {
    const GptConfig *c = &m->cfg;
    if (v->n != c->V) return set_err(err, "gpt_save: vocabulary of %d, model of %d", v->n, c->V);
    size_t len = 1;
    for (int i = 1; i < v->n; i++) len += v->lens[i];
    char *chars = xmalloc(len);
    size_t used = 0;
    for (int i = 1; i < v->n; i++) memcpy(chars + used, v->words[i], v->lens[i]), used += v->lens[i];
    chars[used] = 0;
    char num[9][32];
    int vals[9] = {c->V, c->C, c->NH, c->F, c->L, c->T, c->act, c->prenorm, c->learned_pos};
    static const char *const keys[9] = {"vocab_size", "n_embd", "n_head", "n_inner", "n_layer",
                                        "n_ctx", "gelu", "prenorm", "learned_pos"};
    int nmeta = 10 + nextra;
    const char **meta = xmalloc(sizeof(char *) * 2 * (size_t)nmeta);
    for (int i = 0; i < 9; i++) {
        snprintf(num[i], sizeof num[i], "%d", vals[i]);
        meta[2 * i] = keys[i], meta[2 * i + 1] = num[i];
    }
    meta[18] = "chars", meta[19] = chars;
    for (int i = 0; i < 2 * nextra; i++) meta[20 + i] = extra[i];
    int rc = checkpoint_save(&m->p, path, GPT_FORMAT, GPT_FORMAT_VERSION, meta, nmeta, err);
    free(meta), free(chars);
    return rc;
}

int gpt_load(Gpt *m, Vocab **vout, const char *path, int maxB, char *err) {
    SafeTensors st;
    if (st_load(path, &st, err)) return -1;
    static const char *const keys[9] = {"vocab_size", "n_embd", "n_head", "n_inner", "n_layer",
                                        "n_ctx", "gelu", "prenorm", "learned_pos"};
    static const long hi[9] = {10000000, 65536, 1024, 1 << 20, 1024, 1 << 20, 1, 1, 1};
    long vals[9];
    const char *fmt = st_meta(&st, "format");
    if (!fmt || strcmp(fmt, GPT_FORMAT) != 0) {
        /* the message first: fmt points into st */
        set_err(err, "%s: not a chapter 06 GPT checkpoint (format '%s', expected '%s')", path, fmt ? fmt : "none",
                GPT_FORMAT);
        st_free(&st);
        return -1;
    }
    for (int i = 0; i < 9; i++) {
        const char *s = st_meta(&st, keys[i]);
        char e2[ERR_LEN];
        if (!s || parse_long(s, i >= 6 ? 0 : 1, hi[i], &vals[i], keys[i], e2)) {
            st_free(&st);
            return set_err(err, "%s: metadata '%s' missing or invalid", path, keys[i]);
        }
    }
    const char *chars = st_meta(&st, "chars");
    if (!chars) {
        st_free(&st);
        return set_err(err, "%s: metadata 'chars' (the vocabulary) missing", path);
    }
    Vocab *v = vocab_new();
    vocab_add(v, GPT_UNK, strlen(GPT_UNK), 0);
    size_t len = strlen(chars);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int b = utf8_decode(chars + i, len - i, &cp);
        if (b < 0 || vocab_find(v, chars + i, (size_t)b) >= 0) {
            vocab_free(v), st_free(&st);
            return set_err(err, "%s: the vocabulary in the metadata is corrupt (byte %zu)", path, i);
        }
        vocab_add(v, chars + i, (size_t)b, 0);
        i += (size_t)b;
    }
    st_free(&st);
    if (v->n != vals[0]) {
        int n = v->n;
        vocab_free(v);
        return set_err(err, "%s: %d characters in the vocabulary, vocab_size says %ld", path, n, vals[0]);
    }
    GptConfig c = {(int)vals[0], (int)vals[1], (int)vals[2], (int)vals[3], (int)vals[4], (int)vals[5],
                   vals[6] ? FFN_GELU : FFN_RELU, (int)vals[7], (int)vals[8], 0.0f};
    if (c.C % c.NH) {
        vocab_free(v);
        return set_err(err, "%s: width %d is not a multiple of %d heads", path, c.C, c.NH);
    }
    gpt_init(m, &c, maxB, NULL);
    if (checkpoint_load(&m->p, path, GPT_FORMAT, GPT_FORMAT_VERSION, NULL, err)) {
        gpt_free(m), vocab_free(v);
        return -1;
    }
    *vout = v;
    return 0;
}

/* ---- training --------------------------------------------------------------------------------- */

GptTrainOptions gpt_train_defaults(void) {
    GptTrainOptions o = {0};
    o.B = 16, o.T = 128, o.steps = 2000, o.max_seconds = 0, o.lr = 2e-3f, o.warmup = 100;
    o.weight_decay = 0.01f, o.clip = 1.0f, o.eval_every = 200, o.eval_windows = 64, o.log_every = 50, o.seed = 1;
    return o;
}

void gpt_train(Gpt *m, const int *train, size_t ntrain, const int *valid, size_t nvalid, const GptTrainOptions *o,
               GptTrainStats *st) {
    memset(st, 0, sizeof *st);
    int B = o->B < m->maxB ? o->B : m->maxB, T = o->T < m->cfg.T ? o->T : m->cfg.T;
    if (ntrain < (size_t)T + 2) die("gpt_train: %zu training tokens, fewer than a window of %d", ntrain, T + 1);
    AdamConfig ac = adam_defaults();
    ac.beta2 = 0.98f, ac.weight_decay = o->weight_decay, ac.decoupled = 1;
    AdamState as;
    adam_init(&as, m->p.total);
    LrSchedule sched = {o->lr, o->warmup, o->steps, LR_INV_SQRT};
    Rng rng;
    rng_seed(&rng, o->seed);
    int *in = xmalloc(sizeof(int) * (size_t)B * T), *tg = xmalloc(sizeof(int) * (size_t)B * T);
    Progress pr;
    progress_start(&pr, o->steps, "tok");
    double train_time = 0, t_last = now_seconds(), recent = 0;
    int nrecent = 0;
    for (long step = 0;; step++) {
        int last = (o->steps > 0 && step >= o->steps) || (o->max_seconds > 0 && train_time >= o->max_seconds);
        if ((o->eval_every > 0 && step % o->eval_every == 0) || last) {
            train_time += now_seconds() - t_last;
            if (nvalid > 1 && st->n < 256) {
                double v = gpt_evaluate(m, valid, nvalid, last ? 0 : o->eval_windows);
                st->step[st->n] = (double)step, st->valid[st->n] = v;
                st->train[st->n] = nrecent ? recent / nrecent : NAN;
                st->n++;
                if (!o->quiet) {
                    printf("step %6ld | valid loss %.4f nats = %.3f bits/char%s | %.1f s\n", step, v, v / log(2.0),
                           last ? " (all of the held-out text)" : "", train_time);
                    fflush(stdout);
                }
                if (last) st->final_valid = v;
                recent = 0, nrecent = 0;
            }
            t_last = now_seconds();
        }
        if (last) break;
        for (int b = 0; b < B; b++) {
            size_t s = (size_t)rng_below(&rng, (uint64_t)(ntrain - (size_t)T - 1));
            for (int t = 0; t < T; t++) in[b * T + t] = train[s + t], tg[b * T + t] = train[s + t + 1];
        }
        float loss = gpt_forward(m, in, tg, B, T, &rng);
        if (!isfinite(loss)) die("gpt_train: the loss is %g at step %ld; lower --lr", loss, step);
        params_zero_grad(&m->p);
        gpt_backward(m);
        if (o->clip > 0) clip_grad_norm(m->p.grad, m->p.total, o->clip);
        float lr = lr_at(&sched, step);
        adam_step(&as, &ac, lr, &m->p);
        st->steps = step + 1, st->tokens += (double)B * T;
        recent += loss, nrecent++;
        if (o->log_every > 0 && (step + 1) % o->log_every == 0) {
            /* the progress line's clock includes validation; ours (train_time) does not */
            progress_line(&pr, step + 1, loss, lr, st->tokens);
        }
        double now = now_seconds();
        train_time += now - t_last, t_last = now;
    }
    if (nvalid <= 1) st->final_valid = NAN;
    st->seconds = train_time;
    adam_free(&as);
    free(in), free(tg);
}
