/* rnnlm.c - the recurrent language model, its training by truncated BPTT, evaluation, sampling
 * and checkpoints (see rnnlm.h). Chapter 04, claim C9. */
#include "rnnlm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "embedding.h"
#include "fastexp.h"
#include "matmul.h"
#include "optim.h"
#include "platform.h"
#include "progress.h"
#include "softmax.h"
#include "tokenize.h"
#include "utf8.h"
#include "util.h"

#define M_LN2_F 0.69314718055994530942 /* ln 2: nats / ln 2 = bits */

/* ==== text <-> ids ============================================================================= */

void lm_tokenize(const char *text, size_t len, LmUnit unit, TokenList *out) {
    if (unit == UNIT_WORDS) {
        tokenize_list(text, len, TOK_WORDS, out);
        return;
    }
    /* characters: every code point is a token, white space and capitals included, because a
     * character model must learn to write them too */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int n = utf8_decode(text + i, len - i, &cp);
        if (n < 0) {
            i++;
            continue;
        }
        token_list_add(text + i, (size_t)n, out);
        i += (size_t)n;
    }
}

Vocab *lm_build_vocab(const TokenList *toks, LmUnit unit, int min_count) {
    (void)unit;
    Vocab *v = vocab_new();
    for (size_t i = 0; i < toks->n; i++) vocab_add(v, toks->tok[i], strlen(toks->tok[i]), 1);
    static const char *const specials[1] = {LM_UNK};
    vocab_finalize(v, min_count, specials, 1);
    return v;
}

size_t lm_encode(const Vocab *v, const TokenList *toks, int *ids) {
    size_t unk = 0;
    for (size_t i = 0; i < toks->n; i++) {
        int id = vocab_find(v, toks->tok[i], strlen(toks->tok[i]));
        if (id < 0) id = 0, unk++;
        ids[i] = id;
    }
    return unk;
}

/* Is the first code point of s Chinese (an ideograph or CJK punctuation)? */
static int starts_cjk(const char *s, size_t len) {
    uint32_t cp;
    return utf8_decode(s, len, &cp) > 0 && (utf8_is_cjk(cp) || utf8_is_cjk_punct(cp));
}

/* ... and the last code point of s? */
static int ends_cjk(const char *s, size_t len) {
    size_t i = len;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
    return i > 0 && starts_cjk(s + i - 1, len - (i - 1));
}

void lm_append_token(const Vocab *v, LmUnit unit, int id, char *buf, size_t cap) {
    size_t used = strlen(buf);
    const char *t = id == 0 ? (unit == UNIT_CHARS ? "\xEF\xBF\xBD" : LM_UNK) : v->words[id]; /* U+FFFD */
    size_t n = strlen(t);
    int space = 0;
    if (unit == UNIT_WORDS && used > 0) {
        /* English words are separated by spaces, punctuation sticks to the word before it, and
         * Chinese is written without spaces */
        int punct = n == 1 && strchr(".,;:!?')]}", t[0]) != NULL;
        space = !punct && !starts_cjk(t, n) && !ends_cjk(buf, used) && buf[used - 1] != '\n';
    }
    if (used + (size_t)space + n + 1 > cap) return;
    if (space) buf[used++] = ' ';
    memcpy(buf + used, t, n + 1);
}

float lm_crossentropy(float *probs, const float *logits, const int *targets, int N, int V) {
    softmax_forward_fast(probs, logits, N, V);
    double loss = 0;
    int count = 0;
    for (int i = 0; i < N; i++) {
        int t = targets[i];
        if (t < 0) continue;
        if (t >= V) die("cross-entropy: target id %d out of range (vocabulary of %d)", t, V);
        loss -= log(fmax((double)probs[(size_t)i * V + t], 1e-30)); /* floored as softmax.c does */
        count++;
    }
    return count ? (float)(loss / count) : 0.0f;
}

/* ==== the model ================================================================================ */

static float *tensor_at(const Params *p, float *base, const char *name) {
    int i = params_index(p, name);
    if (i < 0) die("rnnlm: no parameter '%s'", name);
    return base + p->offsets[i];
}

void rnnlm_init(RnnLm *m, const LmConfig *cfg, Vocab *v, int maxT, int maxB) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->vocab = v;
    m->V = v->n;
    m->maxT = maxT, m->maxB = maxB;
    int V = m->V, E = cfg->embed, H = cfg->hidden;
    SpecList s = {0};
    spec_add(&s, "emb", 2, V, E, 0);
    rnn_stack_add_specs(&s, "rnn", cfg->cell, cfg->layers, 1, E, H);
    spec_add(&s, "head.w", 2, V, H, 0);
    spec_add(&s, "head.b", 1, V, 0, 1);
    params_init(&m->p, s.specs, s.n);
    m->emb = tensor_at(&m->p, m->p.data, "emb"), m->demb = tensor_at(&m->p, m->p.grad, "emb");
    m->head_w = tensor_at(&m->p, m->p.data, "head.w"), m->dhead_w = tensor_at(&m->p, m->p.grad, "head.w");
    m->head_b = tensor_at(&m->p, m->p.data, "head.b"), m->dhead_b = tensor_at(&m->p, m->p.grad, "head.b");
    rnn_stack_init(&m->stack, cfg->cell, cfg->layers, 1, E, H, cfg->dropout, maxT, maxB);
    rnn_stack_bind(&m->stack, &m->p, "rnn");
    size_t N = (size_t)maxT * maxB;
    m->ids = xcalloc(N, sizeof(int)), m->targets = xcalloc(N, sizeof(int));
    m->x = xcalloc(xmul(N, (size_t)E), sizeof(float));
    m->dx = xcalloc(xmul(N, (size_t)E), sizeof(float));
    m->dhid = xcalloc(xmul(N, (size_t)H), sizeof(float));
    m->probs = xcalloc(xmul(N, (size_t)V), sizeof(float));
    m->dlogits = xcalloc(xmul(N, (size_t)V), sizeof(float));
}

void rnnlm_free(RnnLm *m) {
    rnn_stack_free(&m->stack);
    params_free(&m->p);
    vocab_free(m->vocab);
    free(m->ids), free(m->targets), free(m->x), free(m->dx), free(m->dhid), free(m->probs), free(m->dlogits);
    memset(m, 0, sizeof *m);
}

void rnnlm_init_weights(RnnLm *m, Rng *rng) {
    int H = m->cfg.hidden;
    rng_fill_normal(rng, m->emb, (size_t)m->V * m->cfg.embed, 0.0f, 1.0f);
    rnn_stack_init_weights(&m->stack, 1.0f, rng);
    float k = 1.0f / sqrtf((float)H);
    rng_fill_uniform(rng, m->head_w, (size_t)m->V * H, -k, k);
    rng_fill_uniform(rng, m->head_b, (size_t)m->V, -k, k);
}

float rnnlm_forward(RnnLm *m, const int *ids, const int *targets, int T, int B, int train, Rng *rng) {
    if (T > m->maxT || B > m->maxB) die("rnnlm_forward: chunk %dx%d exceeds the capacity %dx%d", T, B, m->maxT, m->maxB);
    int N = T * B, V = m->V, E = m->cfg.embed, H = m->cfg.hidden;
    m->T = T, m->B = B;
    memcpy(m->ids, ids, sizeof(int) * (size_t)N);
    memcpy(m->targets, targets, sizeof(int) * (size_t)N);
    /* x (T*B, E): each id's row of the embedding (a one-hot vector times the table, C8) */
    embedding_forward(m->x, m->ids, m->emb, N, V, E);
    /* (T*B, H): the recurrent layers carry the history from step to step */
    m->hid = rnn_stack_forward(&m->stack, m->x, T, B, train, rng);
    /* (T*B, V): logits, then in place the softmax, and the mean -log p(target) */
    linear_forward(m->probs, m->hid, m->head_w, m->head_b, N, H, V);
    return lm_crossentropy(m->probs, m->probs, m->targets, N, V);
}

void rnnlm_backward(RnnLm *m) {
    int N = m->T * m->B, V = m->V, E = m->cfg.embed, H = m->cfg.hidden;
    memset(m->dlogits, 0, sizeof(float) * (size_t)N * V);
    crossentropy_backward(m->dlogits, m->probs, m->targets, N, V, 1.0f);
    memset(m->dhid, 0, sizeof(float) * (size_t)N * H);
    linear_backward(m->dhid, m->dhead_w, m->dhead_b, m->dlogits, m->hid, m->head_w, N, H, V);
    memset(m->dx, 0, sizeof(float) * (size_t)N * E);
    rnn_stack_backward(&m->stack, m->dx, m->dhid);
    embedding_backward(m->demb, m->ids, m->dx, N, E);
}

size_t rnnlm_state_size(const RnnLm *m) { return (size_t)m->cfg.layers * 2 * m->maxB * m->cfg.hidden; }

void rnnlm_state_get(const RnnLm *m, float *buf) {
    size_t n = (size_t)m->maxB * m->cfg.hidden;
    for (int l = 0; l < m->cfg.layers; l++) {
        memcpy(buf + (2 * l) * n, m->stack.h0[l], n * sizeof(float));
        memcpy(buf + (2 * l + 1) * n, m->stack.c0[l], n * sizeof(float));
    }
}

void rnnlm_state_set(RnnLm *m, const float *buf) {
    size_t n = (size_t)m->maxB * m->cfg.hidden;
    for (int l = 0; l < m->cfg.layers; l++) {
        memcpy(m->stack.h0[l], buf + (2 * l) * n, n * sizeof(float));
        memcpy(m->stack.c0[l], buf + (2 * l + 1) * n, n * sizeof(float));
    }
}

/* Zero stream b's initial state in every layer (rnnlm_train says why). */
static void restart_stream(RnnLm *m, int b) {
    size_t H = (size_t)m->cfg.hidden;
    for (int l = 0; l < m->cfg.layers; l++) {
        memset(m->stack.h0[l] + (size_t)b * H, 0, H * sizeof(float));
        memset(m->stack.c0[l] + (size_t)b * H, 0, H * sizeof(float));
    }
}

/* Chunk k of B parallel streams of length S over data: ids (T,B) time-major, targets shifted by
 * one. Stream b is data[b*S .. b*S+S). */
static void make_chunk(const int *data, size_t S, size_t pos, int T, int B, int *ids, int *targets) {
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            size_t i = (size_t)b * S + pos + (size_t)t;
            ids[t * B + b] = data[i];
            targets[t * B + b] = data[i + 1];
        }
}

double rnnlm_evaluate(RnnLm *m, const int *ids, size_t n, int T, int B) {
    if (T > m->maxT) T = m->maxT;
    if (B > m->maxB) B = m->maxB;
    while (B > 1 && n / (size_t)B < 2) B--;
    size_t S = n / (size_t)B;
    if (S < 2) return NAN;
    int *ci = xmalloc(sizeof(int) * (size_t)T * B), *ct = xmalloc(sizeof(int) * (size_t)T * B);
    rnn_stack_reset(&m->stack);
    double total = 0;
    size_t count = 0;
    for (size_t pos = 0; pos + 1 < S; pos += (size_t)T) {
        int Tc = (int)(S - 1 - pos < (size_t)T ? S - 1 - pos : (size_t)T);
        make_chunk(ids, S, pos, Tc, B, ci, ct);
        total += (double)rnnlm_forward(m, ci, ct, Tc, B, 0, NULL) * Tc * B;
        count += (size_t)Tc * B;
        rnn_stack_carry(&m->stack);
    }
    rnn_stack_reset(&m->stack);
    free(ci), free(ct);
    return total / (double)count;
}

/* Feed one token (batch of 1) and leave its logits in m->probs (V). */
static void feed_one(RnnLm *m, int id) {
    int V = m->V, E = m->cfg.embed, H = m->cfg.hidden;
    embedding_forward(m->x, &id, m->emb, 1, V, E);
    m->hid = rnn_stack_forward(&m->stack, m->x, 1, 1, 0, NULL);
    rnn_stack_carry(&m->stack);
    linear_forward(m->probs, m->hid, m->head_w, m->head_b, 1, H, V);
}

/* The next token from the logits in m->probs: the arg max at temperature 0, else a draw from
 * softmax(logits / temperature). Never <unk> (id 0). */
static int pick(RnnLm *m, float temperature, Rng *rng) {
    float *l = m->probs;
    if (m->V < 2) return 0; /* nothing but <unk> to write */
    int best = 1;
    for (int j = 2; j < m->V; j++)
        if (l[j] > l[best]) best = j;
    if (temperature <= 0 || m->V < 3) return best;
    float maxv = l[best];
    l[0] = 0.0f;
    for (int j = 1; j < m->V; j++) l[j] = expf((l[j] - maxv) / temperature);
    return rng_sample(rng, l, m->V);
}

int rnnlm_sample(RnnLm *m, const int *prompt, int np, int *out, int n, float temperature, Rng *rng) {
    rnn_stack_reset(&m->stack);
    for (int i = 0; i < np; i++) feed_one(m, prompt[i]);
    for (int k = 0; k < n; k++) {
        out[k] = pick(m, temperature, rng);
        if (k + 1 < n) feed_one(m, out[k]);
    }
    rnn_stack_reset(&m->stack);
    return n;
}

void rnnlm_hidden_states(RnnLm *m, const int *ids, int n, float *out) {
    int H = m->cfg.hidden;
    rnn_stack_reset(&m->stack);
    for (int i = 0; i < n; i++) {
        feed_one(m, ids[i]);
        memcpy(out + (size_t)i * H, m->hid, sizeof(float) * (size_t)H);
    }
    rnn_stack_reset(&m->stack);
}

/* ==== checkpoints ============================================================================== */

/* The vocabulary as one string: "<byte length>:<bytes>" per id, in id order. Length-prefixed,
 * because a character vocabulary holds the space, the line break and every other separator. */
static char *vocab_to_string(const Vocab *v) {
    size_t cap = 16;
    for (int i = 0; i < v->n; i++) cap += v->lens[i] + 12;
    char *s = xmalloc(cap);
    size_t used = 0;
    for (int i = 0; i < v->n; i++) {
        used += (size_t)snprintf(s + used, cap - used, "%u:", v->lens[i]);
        memcpy(s + used, v->words[i], v->lens[i]);
        used += v->lens[i];
    }
    s[used] = 0;
    return s;
}

static Vocab *vocab_from_string(const char *s, char *err) {
    Vocab *v = vocab_new();
    const char *p = s;
    while (*p) {
        char *end;
        long n = strtol(p, &end, 10);
        if (end == p || *end != ':' || n < 1 || n > 1000 || strnlen(end + 1, (size_t)n) < (size_t)n) {
            set_err(err, "the vocabulary in the checkpoint is damaged near entry %d", v->n);
            vocab_free(v);
            return NULL;
        }
        int before = v->n;
        vocab_add(v, end + 1, (size_t)n, 0);
        if (v->n == before) {
            set_err(err, "the vocabulary in the checkpoint lists '%.*s' twice", (int)n, end + 1);
            vocab_free(v);
            return NULL;
        }
        p = end + 1 + n;
    }
    if (v->n < 2 || strcmp(v->words[0], LM_UNK) != 0) {
        set_err(err, "the vocabulary in the checkpoint is empty or lacks %s at id 0", LM_UNK);
        vocab_free(v);
        return NULL;
    }
    return v;
}

int rnnlm_save(const RnnLm *m, const char *path, const char *const *extra, int nextra, char *err) {
    char layers[16], hidden[16], embed[16], dropout[32];
    snprintf(layers, sizeof layers, "%d", m->cfg.layers);
    snprintf(hidden, sizeof hidden, "%d", m->cfg.hidden);
    snprintf(embed, sizeof embed, "%d", m->cfg.embed);
    snprintf(dropout, sizeof dropout, "%g", m->cfg.dropout);
    char *vocab = vocab_to_string(m->vocab);
    const char **kv = xcalloc((size_t)(14 + 2 * nextra), sizeof(char *));
    const char *base[14] = {"cell",   cell_name(m->cfg.cell), "unit",    m->cfg.unit == UNIT_CHARS ? "chars" : "words",
                            "layers", layers,                 "hidden",  hidden,
                            "embed",  embed,                  "dropout", dropout,
                            "vocab",  vocab};
    memcpy(kv, base, sizeof base);
    for (int i = 0; i < 2 * nextra; i++) kv[14 + i] = extra[i];
    int rc = checkpoint_save(&m->p, path, LM_FORMAT, LM_FORMAT_VERSION, kv, 7 + nextra, err);
    free(kv), free(vocab);
    return rc;
}

/* A whole-number metadata value within [lo, hi]. */
static int meta_long(const SafeTensors *st, const char *path, const char *key, long lo, long hi, long *out, char *err) {
    const char *s = st_meta(st, key);
    char sub[ERR_LEN];
    if (!s) return set_err(err, "%s: the checkpoint has no '%s' entry", path, key);
    if (parse_long(s, lo, hi, out, key, sub)) return set_err(err, "%s: %s", path, sub);
    return 0;
}

int rnnlm_load(RnnLm *m, const char *path, int maxT, int maxB, char *err) {
    SafeTensors st;
    char sub[ERR_LEN];
    if (st_load(path, &st, sub)) return set_err(err, "%s", sub);
    LmConfig cfg = {0};
    long layers, hidden, embed;
    const char *fmt = st_meta(&st, "format"), *cell = st_meta(&st, "cell"), *unit = st_meta(&st, "unit");
    const char *vs = st_meta(&st, "vocab");
    int rc = -1;
    if (!fmt || strcmp(fmt, LM_FORMAT) != 0) {
        set_err(err, "%s: not a %s checkpoint (its format is '%s')", path, LM_FORMAT, fmt ? fmt : "unnamed");
        goto done;
    }
    if (!cell || cell_parse(cell, &cfg.cell)) {
        set_err(err, "%s: unknown cell '%s'", path, cell ? cell : "(none)");
        goto done;
    }
    if (!unit || (strcmp(unit, "chars") && strcmp(unit, "words"))) {
        set_err(err, "%s: unknown unit '%s'", path, unit ? unit : "(none)");
        goto done;
    }
    cfg.unit = strcmp(unit, "chars") ? UNIT_WORDS : UNIT_CHARS;
    if (meta_long(&st, path, "layers", 1, 16, &layers, err) || meta_long(&st, path, "hidden", 1, 8192, &hidden, err) ||
        meta_long(&st, path, "embed", 1, 8192, &embed, err))
        goto done;
    cfg.layers = (int)layers, cfg.hidden = (int)hidden, cfg.embed = (int)embed;
    if (!vs) {
        set_err(err, "%s: the checkpoint has no vocabulary", path);
        goto done;
    }
    Vocab *v = vocab_from_string(vs, sub);
    if (!v) {
        set_err(err, "%s: %s", path, sub);
        goto done;
    }
    rnnlm_init(m, &cfg, v, maxT, maxB);
    if (checkpoint_load(&m->p, path, LM_FORMAT, LM_FORMAT_VERSION, NULL, err)) {
        rnnlm_free(m);
        goto done;
    }
    rc = 0;
done:
    st_free(&st);
    return rc;
}

/* ==== prompts and printing ===================================================================== */

int *lm_encode_prompt(const RnnLm *m, const char *prompt, int *n) {
    TokenList t = {0};
    if (prompt) lm_tokenize(prompt, strlen(prompt), m->cfg.unit, &t);
    int *ids = xmalloc(sizeof(int) * (t.n + 1));
    lm_encode(m->vocab, &t, ids);
    *n = (int)t.n;
    if (t.n == 0) { /* nothing to start from: a line break, where a text would begin (or, if the
                     * text has none, its most frequent token) */
        int nl = vocab_find_str(m->vocab, "\n");
        ids[0] = nl > 0 ? nl : m->V > 1 ? 1 : 0;
        *n = 1;
    }
    token_list_free(&t);
    return ids;
}

void lm_print_tokens(const RnnLm *m, const char *prefix, const int *ids, int n) {
    size_t cap = (size_t)n * 24 + 64;
    char *buf = xcalloc(cap, 1);
    for (int i = 0; i < n; i++) lm_append_token(m->vocab, m->cfg.unit, ids[i], buf, cap);
    printf("%s%s\n", prefix, buf);
    free(buf);
}

/* ==== training ================================================================================= */

void train_log_free(TrainLog *log) {
    free(log->step), free(log->seconds), free(log->train_loss), free(log->val_loss);
    memset(log, 0, sizeof *log);
}

static void log_point(TrainLog *log, double step, double sec, double train, double val) {
    if (log->n == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 32;
        log->step = xrealloc(log->step, sizeof(double) * (size_t)log->cap);
        log->seconds = xrealloc(log->seconds, sizeof(double) * (size_t)log->cap);
        log->train_loss = xrealloc(log->train_loss, sizeof(double) * (size_t)log->cap);
        log->val_loss = xrealloc(log->val_loss, sizeof(double) * (size_t)log->cap);
    }
    log->step[log->n] = step, log->seconds[log->n] = sec, log->train_loss[log->n] = train, log->val_loss[log->n] = val;
    log->n++;
}

static void print_sample(RnnLm *m, const TrainConfig *tc, long step, Rng *rng) {
    int np;
    int *prompt = lm_encode_prompt(m, tc->prompt, &np);
    int *out = xmalloc(sizeof(int) * (size_t)tc->sample_len);
    rnnlm_sample(m, prompt, np, out, tc->sample_len, tc->temperature, rng);
    printf("---- sample after %ld steps (temperature %.2f):\n", step, tc->temperature);
    int *all = xmalloc(sizeof(int) * (size_t)(np + tc->sample_len));
    memcpy(all, prompt, sizeof(int) * (size_t)np);
    memcpy(all + np, out, sizeof(int) * (size_t)tc->sample_len);
    lm_print_tokens(m, "", all, np + tc->sample_len);
    printf("----\n");
    free(prompt), free(out), free(all);
}

void rnnlm_train(RnnLm *m, const TrainConfig *tc, const int *train, size_t ntrain, const int *val, size_t nval,
                 TrainLog *log) {
    int T = tc->T, B = tc->B;
    size_t S = ntrain / (size_t)B;
    if (S < (size_t)T + 1)
        die("the training text (%zu tokens) is too short for %d streams of chunks of %d; lower --batch or --seq", ntrain,
            B, T);
    size_t nchunks = (S - 1) / (size_t)T;
    const char *unit = m->cfg.unit == UNIT_CHARS ? "char" : "tok";
    memset(log, 0, sizeof *log);
    log->best_val = INFINITY;
    Rng rng, sample_rng;
    rng_seed(&rng, tc->seed), rng_seed(&sample_rng, tc->seed + 1);
    AdamState adam;
    adam_init(&adam, m->p.total);
    AdamConfig acfg = adam_defaults();
    int *ci = xmalloc(sizeof(int) * (size_t)T * B), *ct = xmalloc(sizeof(int) * (size_t)T * B);
    float *saved = xmalloc(sizeof(float) * rnnlm_state_size(m));
    size_t eval_n = tc->eval_tokens && tc->eval_tokens < nval ? tc->eval_tokens : nval;
    if (!tc->quiet)
        printf("training: %zu tokens in %d streams of %zu, chunks of %d steps (%zu chunks per epoch), %zu validation "
               "tokens\n",
               ntrain, B, S, T, nchunks, nval);
    Progress pr;
    progress_start(&pr, tc->steps, unit);
    if (tc->sample_len > 0 && !tc->quiet) print_sample(m, tc, 0, &sample_rng);
    rnn_stack_reset(&m->stack);
    size_t chunk = 0;
    double tokens = 0, loss_sum = 0, last_train = NAN;
    long loss_n = 0, step = 0;
    for (;; step++) {
        if (tc->steps > 0 && step >= tc->steps) break;
        if (tc->time_limit > 0 && progress_elapsed(&pr) >= tc->time_limit) break;
        if (chunk == nchunks) chunk = 0, rnn_stack_reset(&m->stack); /* a new epoch starts from zero */
        if (tc->restart_every > 0)
            for (int b = 0; b < B; b++)
                if ((chunk + (size_t)b) % (size_t)tc->restart_every == 0) restart_stream(m, b);
        make_chunk(train, S, chunk * (size_t)T, T, B, ci, ct);
        chunk++;
        params_zero_grad(&m->p);
        float loss = rnnlm_forward(m, ci, ct, T, B, 1, &rng);
        rnnlm_backward(m);
        float norm = clip_grad_norm(m->p.grad, m->p.total, tc->clip);
        if (!isfinite(loss) || !isfinite(norm)) {
            const char *bad = params_nonfinite(&m->p, 1);
            die("training diverged at step %ld (loss %g, gradient norm %g, first non-finite gradient: %s); lower --lr "
                "or --clip", step + 1, loss, norm, bad ? bad : "none");
        }
        float lr = tc->lr;
        if (tc->anneal > 0) {
            /* how far through the run, by steps or else by the time budget */
            double f = tc->steps > 0 ? (double)step / (double)tc->steps : progress_elapsed(&pr) / tc->time_limit;
            double start = 1.0 - tc->anneal;
            if (f > start) lr = tc->lr * 0.5f * (1.0f + cosf(3.14159265f * (float)fmin(1.0, (f - start) / tc->anneal)));
        }
        adam_step(&adam, &acfg, lr, &m->p);
        rnn_stack_carry(&m->stack); /* truncated BPTT: the state flows on, the gradient stopped here */
        tokens += (double)T * B;
        loss_sum += loss, loss_n++;
        int last = (tc->steps > 0 && step + 1 == tc->steps);
        if ((tc->print_every > 0 && (step + 1) % tc->print_every == 0) || last) {
            last_train = loss_sum / (double)loss_n;
            if (!tc->quiet) progress_line(&pr, step + 1, last_train, lr, tokens);
            loss_sum = 0, loss_n = 0;
        }
        int do_eval = tc->eval_every > 0 && (step + 1) % tc->eval_every == 0 && !last && eval_n > 1;
        int do_sample = !tc->quiet && tc->sample_len > 0 && tc->sample_every > 0 && (step + 1) % tc->sample_every == 0 && !last;
        if (do_eval || do_sample) {
            /* time spent validating and sampling does not count as training time */
            double t0 = now_seconds();
            rnnlm_state_get(m, saved);
            if (do_eval) {
                double v = rnnlm_evaluate(m, val, eval_n, T, B);
                if (!tc->quiet)
                    printf("  validation (%zu tokens): %.4f nats/%s = %.4f bits/%s\n", eval_n, v, unit, v / M_LN2_F, unit);
                log_point(log, (double)(step + 1), progress_elapsed(&pr) - (now_seconds() - t0),
                          loss_n ? loss_sum / (double)loss_n : last_train, v);
                if (v < log->best_val) {
                    log->best_val = v;
                    if (tc->save) {
                        char err[ERR_LEN], sv[32], vv[32];
                        snprintf(sv, sizeof sv, "%ld", step + 1), snprintf(vv, sizeof vv, "%.6f", v);
                        const char *extra[4] = {"step", sv, "val_loss", vv};
                        if (rnnlm_save(m, tc->save, extra, 2, err)) fprintf(stderr, "warning: %s\n", err);
                    }
                }
            }
            if (do_sample) print_sample(m, tc, step + 1, &sample_rng);
            rnnlm_state_set(m, saved);
            pr.t0 += now_seconds() - t0;
        }
    }
    log->steps_done = step;
    log->seconds_total = progress_elapsed(&pr);
    log->tokens_per_sec = log->seconds_total > 0 ? tokens / log->seconds_total : 0;
    if (loss_n) last_train = loss_sum / (double)loss_n;
    if (!tc->quiet)
        printf("trained %ld steps, %.0f %ss in %.1f s: %.0f %ss/s\n", step, tokens, unit, log->seconds_total,
               log->tokens_per_sec, unit);
    if (nval > 1) {
        double v = rnnlm_evaluate(m, val, nval, T, B);
        log->final_val = v;
        log_point(log, (double)step, log->seconds_total, last_train, v);
        if (!tc->quiet)
            printf("validation (all %zu held-out tokens): %.4f nats/%s = %.4f bits/%s (perplexity %.2f)\n", nval, v,
                   unit, v / M_LN2_F, unit, exp(v));
        if (v < log->best_val) {
            log->best_val = v;
            if (tc->save) {
                char err[ERR_LEN], sv[32], vv[32];
                snprintf(sv, sizeof sv, "%ld", step), snprintf(vv, sizeof vv, "%.6f", v);
                const char *extra[4] = {"step", sv, "val_loss", vv};
                if (rnnlm_save(m, tc->save, extra, 2, err)) fprintf(stderr, "warning: %s\n", err);
            }
        }
    }
    if (tc->save && nval <= 1) { /* nothing to choose the best by: keep the last */
        char err[ERR_LEN], sv[32];
        snprintf(sv, sizeof sv, "%ld", step);
        const char *extra[2] = {"step", sv};
        if (rnnlm_save(m, tc->save, extra, 1, err)) fprintf(stderr, "warning: %s\n", err);
    }
    if (tc->sample_len > 0 && !tc->quiet) print_sample(m, tc, step, &sample_rng);
    free(ci), free(ct), free(saved);
    adam_free(&adam);
}
