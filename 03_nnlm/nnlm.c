/* nnlm.c - chapter 03: the neural probabilistic language model of Bengio, Ducharme, Vincent and
 * Jauvin (2003, "A Neural Probabilistic Language Model", JMLR 3).
 *
 * What it teaches (claims C6-C8, the article's "neural network language model" section): the same
 * job as the n-gram model, P(w_t | the n-1 previous words), done by a function with shared
 * parameters instead of a table of counts:
 *
 *   x = [C(w_{t-n+1}), ..., C(w_{t-1})]        look up each word's feature vector (a row of C,
 *                                               V x m) and concatenate them: (n-1) m numbers
 *   h = tanh(H x + d)                           a hidden layer
 *   y = b + U h (+ W x)                         one score per vocabulary word; W x are the optional
 *                                               "direct connections" from the features to the output
 *   P(w_t = i | context) = softmax(y)_i
 *
 * Everything is trained together by gradient descent on the cross-entropy, C included. Words that
 * occur in similar contexts get similar rows of C, and then whatever the network learned about
 * one of them carries over to the others: the paper's answer to the curse of dimensionality, and
 * what the 北京/上海 experiment (C7, cities.c) shows. The first step, x = a row of C, is the one-hot
 * vector of the word times C; C8 (lookup.c) checks that and times it. The cost sits in the last
 * line: a V-way softmax for every word of the text, 3 V (h [+ (n-1) m]) multiply-adds per word
 * forward and backward, which is why V is kept moderate (min count) and the output layer is one
 * large matrix product per batch (common/matmul.h's blocked kernel).
 *
 * Layout: the *_forward / *_backward pairs of common/ (embedding, linear, tanh, softmax
 * cross-entropy, the softmax through fastexp.h's vectorised exp) chained for one batch of
 * contexts; the flat parameter buffer; Adam; then evaluation (perplexity), sampling with a
 * temperature, training with early stopping, checkpoints.
 *
 * Builds on: common/ (embedding.h, matmul.h, activations.h, softmax.h, fastexp.h, optim.h,
 * checkpoint.h), lmdata.h (the id streams).
 * One option beyond the paper: dropout on x and h in training, for long runs (the model overfits
 * the 750k-word KJV in its third epoch; the paper regularised with weight decay, also an option).
 * Leaves out: the paper's parallel (asynchronous, multi-machine) training and its energy-based
 * variant; a mixture richer than one fixed weight (interp.c); importance sampling or a
 * hierarchical softmax, the later fixes of the V-way cost.
 */
#include "nnlm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "checkpoint.h"
#include "embedding.h"
#include "fastexp.h"
#include "matmul.h"
#include "platform.h"
#include "progress.h"
#include "softmax.h"
#include "util.h"

/* ---- the parameters ------------------------------------------------------------------------- */
void nnlm_init(Nnlm *m, const NnlmConfig *cfg, int max_batch) {
    if (cfg->V < 2 || cfg->context < 1 || cfg->dim < 1 || cfg->hidden < 1 || max_batch < 1)
        die("nnlm_init: bad configuration V=%d context=%d dim=%d hidden=%d batch=%d", cfg->V, cfg->context, cfg->dim,
            cfg->hidden, max_batch);
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const int V = cfg->V, H = cfg->hidden;
    m->in = cfg->context * cfg->dim;
    m->feat = H + (cfg->direct ? m->in : 0);
    const ParamSpec specs[5] = {
        {"embedding", 2, {V, cfg->dim}, 0},
        {"hidden.weight", 2, {H, m->in}, 0},
        {"hidden.bias", 1, {H}, 1},
        {"output.weight", 2, {V, m->feat}, 0},
        {"output.bias", 1, {V}, 1},
    };
    params_init(&m->params, specs, 5);
    params_carve(&m->params, m->params.data, (float **)&m->w);
    params_carve(&m->params, m->params.grad, (float **)&m->g);

    size_t B = (size_t)max_batch;
    m->max_batch = max_batch;
    rng_seed(&m->rng, 1);
    float **bufs_in[6] = {&m->x, &m->xd, &m->mask_x, &m->dx, &m->dxd, NULL};
    for (int i = 0; bufs_in[i]; i++) *bufs_in[i] = xmalloc(xmul(B * (size_t)m->in, sizeof(float)));
    float **bufs_h[7] = {&m->h, &m->hd, &m->mask_h, &m->dh, &m->dhd, &m->dpre, NULL};
    for (int i = 0; bufs_h[i]; i++) *bufs_h[i] = xmalloc(xmul(B * (size_t)H, sizeof(float)));
    m->f = xmalloc(xmul(B * (size_t)m->feat, sizeof(float)));
    m->df = xmalloc(xmul(B * (size_t)m->feat, sizeof(float)));
    m->out = xmalloc(xmul(B * (size_t)V, sizeof(float)));
    m->dout = xmalloc(xmul(B * (size_t)V, sizeof(float)));
}

void nnlm_free(Nnlm *m) {
    float *bufs[15] = {m->x, m->xd, m->mask_x, m->dx, m->dxd, m->h, m->hd, m->mask_h, m->dh, m->dhd, m->dpre,
                       m->f, m->df, m->out, m->dout};
    for (int i = 0; i < 15; i++) free(bufs[i]);
    params_free(&m->params);
    memset(m, 0, sizeof *m);
}

void nnlm_init_weights(Nnlm *m, Rng *rng, float emb_std, const int64_t *counts) {
    const NnlmConfig *c = &m->cfg;
    memset(m->params.data, 0, sizeof(float) * m->params.total);
    rng_fill_normal(rng, m->w.emb, (size_t)c->V * c->dim, 0.0f, emb_std);
    float a = 1.0f / sqrtf((float)m->in);
    rng_fill_uniform(rng, m->w.hid_w, (size_t)c->hidden * m->in, -a, a);
    a = 1.0f / sqrtf((float)m->feat);
    rng_fill_uniform(rng, m->w.out_w, (size_t)c->V * m->feat, -a, a);
    if (counts) {
        double total = 0;
        for (int i = 0; i < c->V; i++) total += (double)counts[i];
        for (int i = 0; i < c->V; i++) m->w.out_b[i] = (float)log(fmax((double)counts[i], 0.5) / total);
    }
}

/* ---- forward and backward ------------------------------------------------------------------ */
void nnlm_forward(Nnlm *m, const int *ctx, int B) {
    if (B < 1 || B > m->max_batch) die("nnlm_forward: batch %d outside 1..%d", B, m->max_batch);
    const NnlmConfig *c = &m->cfg;
    const int H = c->hidden;
    const float p = m->training ? m->dropout : 0.0f; /* dropout with p = 0 is a copy */
    m->ctx = ctx;
    /* The B*(n-1) ids are stored context by context, so their rows, one after another, ARE the
     * concatenation: x (B, (n-1) m) needs no copy. */
    embedding_forward(m->x, ctx, m->w.emb, B * c->context, c->V, c->dim);
    dropout_forward(m->xd, m->mask_x, m->x, (size_t)B * m->in, p, &m->rng);
    /* h (B,H) = tanh(xd H^T + d) */
    linear_forward(m->h, m->xd, m->w.hid_w, m->w.hid_b, B, m->in, H);
    tanh_forward(m->h, m->h, (size_t)B * H);
    dropout_forward(m->hd, m->mask_h, m->h, (size_t)B * H, p, &m->rng);
    /* f = [hd, xd]: with the direct connections, U and W are two blocks of one output matrix */
    for (int b = 0; b < B; b++) {
        memcpy(m->f + (size_t)b * m->feat, m->hd + (size_t)b * H, sizeof(float) * (size_t)H);
        if (c->direct) memcpy(m->f + (size_t)b * m->feat + H, m->xd + (size_t)b * m->in, sizeof(float) * (size_t)m->in);
    }
    /* out (B,V) = f [U W]^T + b: the expensive line */
    linear_forward(m->out, m->f, m->w.out_w, m->w.out_b, B, m->feat, c->V);
}

float nnlm_loss(Nnlm *m, const int *targets, int B) {
    /* The V-way softmax, in place: 3 million exponentials for a batch of 512 over 6,000 words, so
     * it goes through the vectorised exp of common/fastexp.h (8x softmax.h's expf loop). */
    const int V = m->cfg.V;
    softmax_forward_fast(m->out, m->out, B, V);
    double loss = 0;
    for (int b = 0; b < B; b++) {
        if (targets[b] < 0 || targets[b] >= V) die("nnlm_loss: target %d outside [0, %d)", targets[b], V);
        loss -= log(fmax((double)m->out[(size_t)b * V + targets[b]], 1e-30));
    }
    return (float)(loss / B);
}

void nnlm_backward(Nnlm *m, const int *targets, int B) {
    const NnlmConfig *c = &m->cfg;
    const int H = c->hidden, V = c->V;
    const size_t nx = (size_t)B * m->in, nh = (size_t)B * H;
    memset(m->dout, 0, sizeof(float) * (size_t)B * V);
    crossentropy_backward(m->dout, m->out, targets, B, V, 1.0f);
    /* output layer: dU, db, and d[hd, xd] */
    memset(m->df, 0, sizeof(float) * (size_t)B * m->feat);
    linear_backward(m->df, m->g.out_w, m->g.out_b, m->dout, m->f, m->w.out_w, B, m->feat, V);
    for (int b = 0; b < B; b++) {
        memcpy(m->dhd + (size_t)b * H, m->df + (size_t)b * m->feat, sizeof(float) * (size_t)H);
        if (c->direct)
            memcpy(m->dxd + (size_t)b * m->in, m->df + (size_t)b * m->feat + H, sizeof(float) * (size_t)m->in);
        else
            memset(m->dxd + (size_t)b * m->in, 0, sizeof(float) * (size_t)m->in);
    }
    /* hidden layer, through its dropout mask */
    memset(m->dh, 0, sizeof(float) * nh);
    dropout_backward(m->dh, m->mask_h, m->dhd, nh);
    memset(m->dpre, 0, sizeof(float) * nh);
    tanh_backward(m->dpre, m->h, m->dh, nh);
    linear_backward(m->dxd, m->g.hid_w, m->g.hid_b, m->dpre, m->xd, m->w.hid_w, B, m->in, H);
    /* each context word's slice of dx goes back to its row of C */
    memset(m->dx, 0, sizeof(float) * nx);
    dropout_backward(m->dx, m->mask_x, m->dxd, nx);
    embedding_backward(m->g.emb, m->ctx, m->dx, B * c->context, c->dim);
}

/* ---- using the model ----------------------------------------------------------------------- */
void nnlm_stream_logprobs(Nnlm *m, const int *tok, long n, double *lp) {
    const int n1 = m->cfg.context, V = m->cfg.V;
    int *ctx = xmalloc(sizeof(int) * (size_t)m->max_batch * n1);
    for (long start = 0; start < n; start += m->max_batch) {
        int B = (int)(n - start < m->max_batch ? n - start : m->max_batch);
        for (int b = 0; b < B; b++) lm_history(tok, start + b, ctx + (size_t)b * n1, n1);
        nnlm_forward(m, ctx, B);
        softmax_forward_fast(m->out, m->out, B, V);
        for (int b = 0; b < B; b++) lp[start + b] = log(fmax((double)m->out[(size_t)b * V + tok[start + b]], 1e-30));
    }
    free(ctx);
}

void nnlm_next_distribution(Nnlm *m, const int *ctx, float temperature, float *probs) {
    const int V = m->cfg.V;
    nnlm_forward(m, ctx, 1);
    if (temperature <= 0) {
        int best = 0;
        for (int i = 1; i < V; i++)
            if (m->out[i] > m->out[best]) best = i;
        memset(probs, 0, sizeof(float) * (size_t)V);
        probs[best] = 1;
        return;
    }
    /* A temperature below 1 sharpens the distribution towards the likeliest words, above 1 flattens
     * it: softmax(y / T). */
    for (int i = 0; i < V; i++) probs[i] = m->out[i] / temperature;
    softmax_forward_fast(probs, probs, 1, V);
}

int nnlm_sample(Nnlm *m, float temperature, Rng *rng, int *out, int max_len) {
    const int n1 = m->cfg.context, V = m->cfg.V;
    int *ctx = xmalloc(sizeof(int) * (size_t)n1);
    float *p = xmalloc(sizeof(float) * (size_t)V);
    for (int k = 0; k < n1; k++) ctx[k] = LM_EOS;
    int len = 0;
    while (len < max_len) {
        nnlm_next_distribution(m, ctx, temperature, p);
        int w = rng_sample(rng, p, V);
        if (w == LM_EOS) break;
        out[len++] = w;
        memmove(ctx, ctx + 1, sizeof(int) * (size_t)(n1 - 1));
        ctx[n1 - 1] = w;
    }
    free(ctx), free(p);
    return len;
}

/* ---- training -------------------------------------------------------------------------------- */
NnlmTrainOptions nnlm_train_defaults(void) {
    NnlmTrainOptions o = {0};
    o.max_epochs = 20;
    o.batch = 512;
    o.lr = 2e-3f;
    o.weight_decay = 0;
    o.clip = 5.0f;
    o.patience = 2;
    o.max_seconds = 0;
    o.log_every = 200;
    o.seed = 1;
    o.verbose = 1;
    return o;
}

static double validation_ppl(Nnlm *m, const LmData *d) {
    double *lp = xmalloc(sizeof(double) * (size_t)d->ntok[LM_VALID]);
    nnlm_stream_logprobs(m, d->tok[LM_VALID], d->ntok[LM_VALID], lp);
    double ppl = perplexity_from_logprobs(lp, d->ntok[LM_VALID]);
    free(lp);
    return ppl;
}

void nnlm_train(Nnlm *m, const LmData *d, const NnlmTrainOptions *o, NnlmTrainResult *r) {
    const int n1 = m->cfg.context;
    const long n = d->ntok[LM_TRAIN];
    const int *tok = d->tok[LM_TRAIN];
    if (o->batch < 1 || o->batch > m->max_batch) die("nnlm_train: batch %d outside 1..%d", o->batch, m->max_batch);
    if (n < 1) die("nnlm_train: no training tokens");
    memset(r, 0, sizeof *r);

    /* Every training position is one example: its (padded) context and its word. */
    int *contexts = xmalloc(xmul((size_t)n * n1, sizeof(int)));
    for (long i = 0; i < n; i++) lm_history(tok, i, contexts + (size_t)i * n1, n1);
    int *order = xmalloc(sizeof(int) * (size_t)n);
    for (long i = 0; i < n; i++) order[i] = (int)i;
    int *bctx = xmalloc(sizeof(int) * (size_t)o->batch * n1), *btgt = xmalloc(sizeof(int) * (size_t)o->batch);
    float *best = xmalloc(sizeof(float) * m->params.total);
    memcpy(best, m->params.data, sizeof(float) * m->params.total);

    Rng rng;
    rng_seed(&rng, o->seed);
    AdamState adam;
    adam_init(&adam, m->params.total);
    AdamConfig acfg = adam_defaults();
    acfg.weight_decay = o->weight_decay;
    acfg.decoupled = 1;
    float lr = o->lr;
    m->dropout = o->dropout;
    rng_seed(&m->rng, o->seed ^ 0x5DEECE66Dull);
    m->training = 0;
    r->best_ppl = validation_ppl(m, d);
    r->best = -1;
    if (o->verbose) printf("validation perplexity before training: %.2f\n", r->best_ppl);

    double train_time = 0;
    int bad = 0, out_of_time = 0;
    long steps_per_epoch = (n + o->batch - 1) / o->batch;
    for (int epoch = 0; epoch < o->max_epochs && epoch < NNLM_MAX_EPOCHS && !out_of_time; epoch++) {
        rng_shuffle(&rng, order, (size_t)n);
        double loss_sum = 0, t_epoch = now_seconds();
        long loss_n = 0, done = 0;
        m->training = 1;
        for (long s = 0; s < steps_per_epoch; s++) {
            long start = s * o->batch;
            int B = (int)(n - start < o->batch ? n - start : o->batch);
            for (int b = 0; b < B; b++) {
                long i = order[start + b];
                memcpy(bctx + (size_t)b * n1, contexts + (size_t)i * n1, sizeof(int) * (size_t)n1);
                btgt[b] = tok[i];
            }
            nnlm_forward(m, bctx, B);
            float loss = nnlm_loss(m, btgt, B);
            params_zero_grad(&m->params);
            nnlm_backward(m, btgt, B);
            float norm = o->clip > 0 ? clip_grad_norm(m->params.grad, m->params.total, o->clip) : 0;
            if (!isfinite(loss) || !isfinite(norm)) {
                const char *bad = params_nonfinite(&m->params, 1);
                die("training diverged at step %ld (loss %g; first non-finite gradient: %s): lower --lr", r->steps + 1,
                    loss, bad ? bad : "none");
            }
            adam_step(&adam, &acfg, lr, &m->params);
            loss_sum += loss * B, loss_n += B, done += B;
            r->steps++, r->tokens += B;
            double elapsed = train_time + (now_seconds() - t_epoch);
            if (o->verbose && o->log_every > 0 && r->steps % o->log_every == 0) {
                /* progress.h's line (step, loss, lr, time, throughput) with the epoch in front, and
                 * the time of the training steps alone, validations left out */
                char rate[32];
                printf("epoch %2d step %6ld | loss %.4f | lr %.1e | %6.1f s | %s tok/s\n", epoch + 1, r->steps,
                       loss_sum / loss_n, lr, elapsed, format_count(r->tokens / elapsed, rate, sizeof rate));
                fflush(stdout);
            }
            if (o->max_seconds > 0 && elapsed >= o->max_seconds) {
                out_of_time = 1;
                break;
            }
        }
        train_time += now_seconds() - t_epoch;
        m->training = 0;
        double ppl = validation_ppl(m, d);
        int e = r->epochs++;
        r->valid_ppl[e] = ppl;
        r->train_loss[e] = loss_sum / (double)loss_n;
        r->epoch_fraction[e] = (double)r->tokens / (double)n;
        int improved = ppl < r->best_ppl;
        if (o->verbose)
            printf("epoch %2d%s: train loss %.4f (ppl %.2f) | valid ppl %.2f%s | %.1f s training, %s tok/s\n", epoch + 1,
               done < n ? " (partial)" : "", r->train_loss[e], exp(r->train_loss[e]), ppl, improved ? " (best)" : "",
               train_time, format_count(r->tokens / train_time, (char[32]){0}, 32));
        fflush(stdout);
        if (improved) {
            r->best_ppl = ppl, r->best = e, bad = 0;
            memcpy(best, m->params.data, sizeof(float) * m->params.total);
            if (o->checkpoint) {
                char err[ERR_LEN], ep[16];
                const char *meta[2 * 16 + 2];
                int nm = 0;
                for (int k = 0; k < o->nmeta && k < 16; k++) meta[2 * nm] = o->meta[2 * k], meta[2 * nm + 1] = o->meta[2 * k + 1], nm++;
                snprintf(ep, sizeof ep, "%d", epoch + 1);
                meta[2 * nm] = "epoch", meta[2 * nm + 1] = ep, nm++;
                if (nnlm_save(m, o->checkpoint, meta, nm, err)) die("%s", err);
            }
        } else {
            /* Early stopping, gently: go back to the best weights and take smaller steps from
             * there; give up after `patience` epochs that did not help. */
            memcpy(m->params.data, best, sizeof(float) * m->params.total);
            lr *= 0.5f;
            if (++bad >= o->patience) break;
        }
    }
    memcpy(m->params.data, best, sizeof(float) * m->params.total);
    m->training = 0;
    r->seconds = train_time;
    r->tokens_per_sec = train_time > 0 ? r->tokens / train_time : 0;
    adam_free(&adam);
    free(contexts), free(order), free(bctx), free(btgt), free(best);
}

/* ---- checkpoints ----------------------------------------------------------------------------- */
int nnlm_save(const Nnlm *m, const char *path, const char *const *meta, int nmeta, char *err) {
    char v[5][24];
    const NnlmConfig *c = &m->cfg;
    snprintf(v[0], 24, "%d", c->V), snprintf(v[1], 24, "%d", c->context), snprintf(v[2], 24, "%d", c->dim);
    snprintf(v[3], 24, "%d", c->hidden), snprintf(v[4], 24, "%d", c->direct);
    const char *keys[5] = {"V", "context", "dim", "hidden", "direct"};
    const char **all = xmalloc(sizeof(char *) * (size_t)(2 * (nmeta + 5)));
    for (int i = 0; i < 5; i++) all[2 * i] = keys[i], all[2 * i + 1] = v[i];
    for (int i = 0; i < nmeta; i++) all[2 * (5 + i)] = meta[2 * i], all[2 * (5 + i) + 1] = meta[2 * i + 1];
    int rc = checkpoint_save(&m->params, path, NNLM_FORMAT, NNLM_FORMAT_VERSION, all, nmeta + 5, err);
    free(all);
    return rc;
}

int nnlm_load(Nnlm *m, const char *path, int max_batch, char *err) {
    SafeTensors st;
    if (st_load(path, &st, err)) return -1;
    static const char *const keys[5] = {"V", "context", "dim", "hidden", "direct"};
    static const long hi[5] = {10000000, 64, 100000, 100000, 1};
    long val[5];
    for (int i = 0; i < 5; i++) {
        const char *s = st_meta(&st, keys[i]);
        char perr[ERR_LEN];
        if (!s || parse_long(s, i == 4 ? 0 : 1, hi[i], &val[i], keys[i], perr)) {
            st_free(&st);
            return set_err(err, "%s: not an NNLM checkpoint: metadata '%s' %s", path, keys[i], s ? "is invalid" : "is missing");
        }
    }
    st_free(&st);
    NnlmConfig cfg = {(int)val[0], (int)val[1], (int)val[2], (int)val[3], (int)val[4]};
    nnlm_init(m, &cfg, max_batch);
    if (checkpoint_load(&m->params, path, NNLM_FORMAT, NNLM_FORMAT_VERSION, NULL, err)) {
        nnlm_free(m);
        return -1;
    }
    return 0;
}
