/* test_bert_model.c - chapter 07's model (07_bert/model.h) and model directories (hfdir.h):
 * agreement with an independent PyTorch BERT (tests/make_fixtures_bert.py) on hidden states,
 * pooled output, MLM and NSP logits and every weight's gradient; finite-difference checks of the
 * heads and of the encoder with padding; the save/load round trip (bit-identical); every kind of
 * bad model directory; the name variants of published checkpoints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "07_bert/hfdir.h"
#include "07_bert/model.h"
#include "gradcheck.h"
#include "testutil.h"
#include "util.h"

#define FIX FIXTURE("bert.txt")
#define FIXDIR FIXTURE("bert_tiny")

/* ---- helpers ---------------------------------------------------------------------------------- */

static int *load_ints(const char *name, int *n) {
    int nd, sh[8];
    float *f = fixture_load(FIX, name, &nd, sh);
    size_t k = 1;
    for (int i = 0; i < nd; i++) k *= (size_t)sh[i];
    int *v = malloc(sizeof(int) * k);
    for (size_t i = 0; i < k; i++) v[i] = (int)f[i];
    free(f);
    if (n) *n = (int)k;
    return v;
}

/* max |a - b| / (atol + rtol |b|) with atol = rtol times the reference's largest magnitude (or
 * atol_min, if larger: a gradient that is 0 in exact arithmetic, such as the key bias's, comes out
 * ~1e-9 in float32) */
static double rel_err_floor(const float *a, const float *ref, size_t n, double rtol, double atol_min) {
    double mx = 0;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, fabs(ref[i]));
    double e = max_scaled_err(a, ref, n, fmax(rtol * mx, atol_min), rtol);
    if (getenv("BERT_TEST_VERBOSE")) fprintf(stderr, "  max |ref| %.3g, scaled error %.3g\n", mx, e);
    return e;
}
static double rel_err(const float *a, const float *ref, size_t n, double rtol) {
    return rel_err_floor(a, ref, n, rtol, 0);
}

/* Load the fixture model and its inputs (B, T from the fixture). */
typedef struct {
    Bert m;
    int *ids, *segs, B, T;
    unsigned char *pad;
} Fix;

static void fix_open(Fix *f) {
    int nd, sh[8];
    free(fixture_load(FIX, "ids", &nd, sh));
    f->B = sh[0], f->T = sh[1];
    f->ids = load_ints("ids", NULL), f->segs = load_ints("segs", NULL);
    int *p = load_ints("pad", NULL);
    f->pad = malloc((size_t)f->B * f->T);
    for (int i = 0; i < f->B * f->T; i++) f->pad[i] = (unsigned char)p[i];
    free(p);
    char err[ERR_LEN];
    int rc = bert_load_dir(FIXDIR, &f->m, f->B, f->T, NULL, err);
    ck_assert_msg(rc == 0, "%s", err);
}

static void fix_close(Fix *f) {
    bert_free(&f->m);
    free(f->ids), free(f->segs), free(f->pad);
}

static void remove_dir(char *d);

/* ---- agreement with PyTorch ------------------------------------------------------------------- */

START_TEST(fixture_forward) {
    Fix f;
    fix_open(&f);
    Bert *m = &f.m;
    ck_assert_int_eq(m->has, BERT_HAS_ALL);
    ck_assert_int_eq(m->cfg.hidden, 32);
    ck_assert_int_eq(m->cfg.layers, 2);
    ck_assert_int_eq(m->cfg.vocab_size, 100);
    bert_forward(m, f.ids, f.segs, f.pad, f.B, f.T, NULL);
    int C = m->cfg.hidden, V = m->cfg.vocab_size, N = f.B * f.T;
    float *ref = fixture_load(FIX, "hidden", NULL, NULL);
    double e = rel_err(m->hidden, ref, (size_t)N * C, 1e-5);
    ck_assert_msg(e <= 1, "hidden states: error %g", e);
    free(ref);
    ref = fixture_load(FIX, "pooled", NULL, NULL);
    e = rel_err(m->pooled, ref, (size_t)f.B * C, 1e-5);
    ck_assert_msg(e <= 1, "pooled: error %g", e);
    free(ref);
    int *all = malloc(sizeof(int) * N);
    for (int i = 0; i < N; i++) all[i] = i;
    bert_mlm_forward(m, all, NULL, N, NULL);
    ref = fixture_load(FIX, "mlm_logits", NULL, NULL);
    e = rel_err(m->mlm_logits, ref, (size_t)N * V, 1e-5);
    ck_assert_msg(e <= 1, "MLM logits: error %g", e);
    for (int i = 0; i < N; i++) { /* probabilities for fill-mask: a softmax of the logits */
        double s = 0;
        for (int v = 0; v < V; v++) s += m->mlm_probs[(size_t)i * V + v];
        ck_assert(fabs(s - 1) < 1e-5);
    }
    free(ref), free(all);
    bert_nsp_forward(m, NULL, NULL);
    ref = fixture_load(FIX, "nsp_logits", NULL, NULL);
    e = rel_err(m->nsp_out, ref, (size_t)f.B * 2, 1e-5);
    ck_assert_msg(e <= 1, "NSP logits: error %g", e);
    free(ref);
    fix_close(&f);
}
END_TEST

START_TEST(fixture_gradients) {
    Fix f;
    fix_open(&f);
    Bert *m = &f.m;
    int N = f.B * f.T;
    int *labels = load_ints("mlm_labels", NULL), *nsp = load_ints("nsp_labels", NULL);
    int *pos = malloc(sizeof(int) * N), *tg = malloc(sizeof(int) * N), np = 0;
    for (int i = 0; i < N; i++)
        if (labels[i] >= 0) pos[np] = i, tg[np++] = labels[i];
    params_zero_grad(&m->p);
    BertLosses L = bert_pretrain_grads(m, f.ids, f.segs, f.pad, f.B, f.T, pos, tg, np, nsp, NULL);
    float *lm = fixture_load(FIX, "loss_mlm", NULL, NULL), *ln = fixture_load(FIX, "loss_nsp", NULL, NULL);
    ck_assert_msg(fabs(L.mlm_loss - lm[0]) < 1e-5 * fabs(lm[0]), "MLM loss %g, PyTorch %g", L.mlm_loss, lm[0]);
    ck_assert_msg(fabs(L.nsp_loss - ln[0]) < 1e-5 * fabs(ln[0]) + 1e-6, "NSP loss %g, PyTorch %g", L.nsp_loss, ln[0]);
    ck_assert_int_eq(L.mlm_count, np);
    free(lm), free(ln);
    double worst = 0;
    for (int i = 0; i < m->p.n; i++) {
        char name[300];
        snprintf(name, sizeof name, "grad:%s", m->p.specs[i].name);
        int nd, sh[8];
        float *ref = fixture_load(FIX, name, &nd, sh);
        size_t n = shape_numel(m->p.specs[i].ndim, m->p.specs[i].shape);
        double e = rel_err_floor(m->p.grad + m->p.offsets[i], ref, n, 2e-5, 1e-6);
        ck_assert_msg(e <= 1, "gradient of %s: error %g", m->p.specs[i].name, e);
        worst = fmax(worst, e);
        free(ref);
    }
    free(labels), free(nsp), free(pos), free(tg);
    fix_close(&f);
}
END_TEST

/* Relative positions (C30) against the PyTorch model of the fixture script, loaded from its own
 * directory (this project's "relative_key" with max_relative_position). */
START_TEST(fixture_relative) {
    Fix f;
    fix_open(&f);
    bert_free(&f.m);
    char err[ERR_LEN];
    ck_assert_msg(bert_load_dir(FIXTURE("bert_tiny_rel"), &f.m, f.B, f.T, NULL, err) == 0, "%s", err);
    Bert *m = &f.m;
    ck_assert_int_eq(m->cfg.position, BERT_POS_RELATIVE);
    ck_assert_int_eq(m->cfg.max_rel, 3);
    ck_assert(m->w.pos == NULL);
    bert_forward(m, f.ids, f.segs, f.pad, f.B, f.T, NULL);
    int C = m->cfg.hidden, N = f.B * f.T;
    float *ref = fixture_load(FIX, "rel:hidden", NULL, NULL);
    double e = rel_err(m->hidden, ref, (size_t)N * C, 1e-5);
    ck_assert_msg(e <= 1, "hidden states: error %g", e);
    free(ref);
    ref = fixture_load(FIX, "rel:pooled", NULL, NULL);
    e = rel_err(m->pooled, ref, (size_t)f.B * C, 1e-5);
    ck_assert_msg(e <= 1, "pooled: error %g", e);
    free(ref);
    int *labels = load_ints("mlm_labels", NULL), *nsp = load_ints("nsp_labels", NULL);
    int *pos = malloc(sizeof(int) * N), *tg = malloc(sizeof(int) * N), np = 0;
    for (int i = 0; i < N; i++)
        if (labels[i] >= 0) pos[np] = i, tg[np++] = labels[i];
    params_zero_grad(&m->p);
    BertLosses L = bert_pretrain_grads(m, f.ids, f.segs, f.pad, f.B, f.T, pos, tg, np, nsp, NULL);
    float *lm = fixture_load(FIX, "rel:loss_mlm", NULL, NULL);
    ck_assert_msg(fabs(L.mlm_loss - lm[0]) < 1e-5 * fabs(lm[0]), "MLM loss %g, PyTorch %g", L.mlm_loss, lm[0]);
    free(lm);
    int checked = 0;
    for (int i = 0; i < m->p.n; i++) {
        const char *nm = m->p.specs[i].name;
        if (!strstr(nm, "distance_embedding") && !strstr(nm, "layer.0.attention") && !strstr(nm, "word_embeddings"))
            continue;
        char name[300];
        snprintf(name, sizeof name, "rel:grad:%s", nm);
        float *g = fixture_load(FIX, name, NULL, NULL);
        size_t n = shape_numel(m->p.specs[i].ndim, m->p.specs[i].shape);
        e = rel_err_floor(m->p.grad + m->p.offsets[i], g, n, 2e-5, 1e-6);
        ck_assert_msg(e <= 1, "gradient of %s: error %g", nm, e);
        free(g), checked++;
    }
    ck_assert_int_eq(checked, 1 + 2 + 10); /* word embeddings, 2 distance tables, layer 0's attention */
    /* saved and loaded again: the same configuration and bits */
    char *d = temp_path("_bertrel");
    ck_assert_msg(bert_save_dir(m, d, NULL, 0, err) == 0, "%s", err);
    Bert m2;
    ck_assert_msg(bert_load_dir(d, &m2, 1, 100, NULL, err) == 0, "%s", err); /* any length: no position table */
    ck_assert(memcmp(&m2.cfg, &m->cfg, sizeof m->cfg) == 0);
    ck_assert(memcmp(m2.p.data, m->p.data, m->p.total * sizeof(float)) == 0);
    bert_free(&m2);
    remove_dir(d);
    free(labels), free(nsp), free(pos), free(tg);
    fix_close(&f);
}
END_TEST

/* ---- finite differences ------------------------------------------------------------------------ */
#define H 1e-3
#define ATOL 2e-3
#define RTOL 2e-2

static BertConfig tiny_config(BertPosKind pos) {
    BertConfig c = bert_config_default();
    c.vocab_size = 11, c.hidden = 8, c.layers = 2, c.heads = 2, c.intermediate = 12, c.max_pos = 6, c.type_vocab = 2;
    c.ln_eps = 1e-5f, c.hidden_dropout = 0, c.attn_dropout = 0, c.init_range = 0.4f;
    c.position = pos, c.max_rel = 2;
    return c;
}

static void randomise(Bert *m, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    bert_init_weights(m, &r);
    /* non-trivial layer norms and biases: zero biases and unit gains would test less */
    for (int i = 0; i < m->p.n; i++)
        if (m->p.specs[i].no_decay) {
            float *x = m->p.data + m->p.offsets[i];
            size_t n = shape_numel(m->p.specs[i].ndim, m->p.specs[i].shape);
            int gain = strstr(m->p.specs[i].name, "LayerNorm.weight") != NULL;
            for (size_t j = 0; j < n; j++) x[j] = (gain ? 1.0f : 0.0f) + 0.3f * (rng_uniform(&r) - 0.5f);
        }
}

enum { B_ = 2, T_ = 5 };
static const int IDS[B_ * T_] = {2, 5, 7, 3, 0, 2, 9, 4, 10, 3};
static const int SEGS[B_ * T_] = {0, 0, 1, 1, 0, 0, 0, 1, 1, 1};
static const unsigned char PAD[B_ * T_] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
static const int MPOS[3] = {1, 6, 8}, MTG[3] = {4, 10, 6}, NSPL[2] = {1, 0};

typedef struct {
    Bert *m;
    float *r, *r2; /* random weights of sum(hidden * r) + sum(pooled * r2) */
    int mode;      /* 0: the whole pretraining loss; 1: sum(hidden r) + sum(pooled r2); 2: MLM head alone
                    * on m->hidden; 3: NSP head alone on m->pooled */
    int dropout;   /* run with dropout, the same masks every time (a fixed seed) */
} GcCtx;

static Rng *gc_rng(GcCtx *c, Rng *r) {
    if (!c->dropout) return NULL;
    rng_seed(r, 99);
    return r;
}

static double gc_loss(void *ctx) {
    GcCtx *c = ctx;
    Bert *m = c->m;
    int C = m->cfg.hidden;
    if (c->mode == 2) return bert_mlm_forward(m, MPOS, MTG, 3, NULL);
    if (c->mode == 3) return bert_nsp_forward(m, NSPL, NULL);
    Rng r;
    bert_forward(m, IDS, SEGS, PAD, B_, T_, gc_rng(c, &r));
    if (c->mode == 1) return dot_loss(m->hidden, c->r, (size_t)B_ * T_ * C) + dot_loss(m->pooled, c->r2, (size_t)B_ * C);
    return (double)bert_mlm_forward(m, MPOS, MTG, 3, NULL) + bert_nsp_forward(m, NSPL, NULL);
}

static void gradcheck_model(BertPosKind pos, int dropout) {
    BertConfig cfg = tiny_config(pos);
    if (dropout) cfg.hidden_dropout = 0.1f, cfg.attn_dropout = 0.2f;
    Bert m;
    char err[ERR_LEN];
    ck_assert_msg(bert_init(&m, &cfg, B_, T_, err) == 0, "%s", err);
    randomise(&m, 11);
    int C = cfg.hidden;
    float r[B_ * T_ * 8], r2[B_ * 8];
    fill_uniform(r, sizeof r / sizeof *r, -1, 1, 5), fill_uniform(r2, sizeof r2 / sizeof *r2, -1, 1, 6);
    GcCtx c = {&m, r, r2, 0, dropout};
    Rng rr;
    /* the whole pretraining loss: both heads, two encoder layers with a padded sequence (the first
     * one's attention recomputed in the backward), embeddings */
    params_zero_grad(&m.p);
    bert_pretrain_grads(&m, IDS, SEGS, PAD, B_, T_, MPOS, MTG, 3, NSPL, gc_rng(&c, &rr));
    GradCheck g = gradcheck(gc_loss, &c, m.p.data, m.p.grad, m.p.total, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "pretraining loss: parameter %zu (%g vs %g), err %g", g.worst_index, g.analytic,
                  g.numeric, g.worst);
    /* the encoder alone, from arbitrary gradients of the hidden states and the pooled vector */
    c.mode = 1;
    params_zero_grad(&m.p);
    gc_loss(&c);
    bert_backward(&m, r, r2);
    g = gradcheck(gc_loss, &c, m.p.data, m.p.grad, m.p.total, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "encoder: parameter %zu (%g vs %g), err %g", g.worst_index, g.analytic, g.numeric,
                  g.worst);
    if (dropout) { /* the same after asking for a layer's attention weights in between */
        params_zero_grad(&m.p);
        gc_loss(&c);
        const float *att = bert_attention_weights(&m, 0);
        for (int j = 0; j < T_; j++) ck_assert_float_eq(att[(size_t)1 * T_ + j] > 0, j < 4); /* key 4 is padding */
        bert_backward(&m, r, r2);
        GradCheck g2 = gradcheck(gc_loss, &c, m.p.data, m.p.grad, m.p.total, H, ATOL, RTOL, 0);
        ck_assert_msg(g2.worst <= 1, "encoder after bert_attention_weights: err %g", g2.worst);
        bert_free(&m);
        return;
    }
    /* the heads' input gradients: perturb the hidden states / pooled vector themselves */
    bert_forward(&m, IDS, SEGS, PAD, B_, T_, NULL);
    bert_zero_dheads(&m);
    c.mode = 2;
    bert_mlm_forward(&m, MPOS, MTG, 3, NULL);
    bert_mlm_backward(&m, 1.0f, m.dhidden);
    g = gradcheck(gc_loss, &c, m.hidden, m.dhidden, (size_t)B_ * T_ * C, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "MLM head dhidden: %zu (%g vs %g)", g.worst_index, g.analytic, g.numeric);
    c.mode = 3;
    bert_nsp_forward(&m, NSPL, NULL);
    bert_nsp_backward(&m, 1.0f, m.dpooled);
    g = gradcheck(gc_loss, &c, m.pooled, m.dpooled, (size_t)B_ * C, H, ATOL, RTOL, 0);
    ck_assert_msg(g.worst <= 1, "NSP head dpooled: %zu (%g vs %g)", g.worst_index, g.analytic, g.numeric);
    bert_free(&m);
}

START_TEST(gradcheck_absolute) { gradcheck_model(BERT_POS_ABSOLUTE, 0); }
END_TEST

/* Dropout on: the backward regenerates the attention-dropout masks from the forward's seed. */
START_TEST(gradcheck_dropout) { gradcheck_model(BERT_POS_ABSOLUTE, 1); }
END_TEST

/* Relative positions (C30): distances clipped to 2 in sequences of 5, with and without dropout. */
START_TEST(gradcheck_relative) {
    gradcheck_model(BERT_POS_RELATIVE, 0);
    gradcheck_model(BERT_POS_RELATIVE, 1);
}
END_TEST

/* Padding hides positions: changing a padding token changes no real position's output. */
START_TEST(padding_is_invisible) {
    BertConfig cfg = tiny_config(BERT_POS_ABSOLUTE);
    Bert m;
    char err[ERR_LEN];
    ck_assert(bert_init(&m, &cfg, B_, T_, err) == 0);
    randomise(&m, 3);
    int ids[B_ * T_];
    memcpy(ids, IDS, sizeof ids);
    bert_forward(&m, ids, SEGS, PAD, B_, T_, NULL);
    float a[4 * 8];
    memcpy(a, m.hidden, sizeof a);
    ids[4] = 7;
    bert_forward(&m, ids, SEGS, PAD, B_, T_, NULL);
    ck_assert(memcmp(a, m.hidden, sizeof a) == 0);
    bert_free(&m);
}
END_TEST

/* ---- directories ------------------------------------------------------------------------------ */

/* The fixture's tensors, in memory, to write modified copies. */
typedef struct {
    int n;
    char *names[256];
    float *data[256];
    int ndim[256];
    int64_t shape[256][ST_MAX_DIMS];
} TSet;

static void tset_load(TSet *s) {
    SafeTensors st;
    char err[ERR_LEN];
    ck_assert_msg(st_load(FIXDIR "/model.safetensors", &st, err) == 0, "%s", err);
    s->n = 0;
    for (int i = 0; i < st.n; i++) {
        const StEntry *e = &st.entries[i];
        if (strcmp(e->dtype, "F32") != 0) continue; /* position_ids */
        int k = s->n++;
        s->names[k] = strdup(e->name), s->ndim[k] = e->ndim;
        memcpy(s->shape[k], e->shape, sizeof s->shape[k]);
        s->data[k] = malloc(sizeof(float) * (size_t)st_numel(e));
        ck_assert(st_read_f32(&st, e->name, s->data[k], e->ndim, e->shape, err) == 0);
    }
    st_free(&st);
}

static void tset_free(TSet *s) {
    for (int i = 0; i < s->n; i++) free(s->names[i]), free(s->data[i]);
}

static int tset_find(const TSet *s, const char *name) {
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0) return i;
    return -1;
}

static void tset_drop(TSet *s, const char *name) {
    int i = tset_find(s, name);
    ck_assert_msg(i >= 0, "%s", name);
    free(s->names[i]), free(s->data[i]);
    s->n--;
    memmove(s->names + i, s->names + i + 1, sizeof(char *) * (size_t)(s->n - i));
    memmove(s->data + i, s->data + i + 1, sizeof(float *) * (size_t)(s->n - i));
    memmove(s->ndim + i, s->ndim + i + 1, sizeof(int) * (size_t)(s->n - i));
    memmove(s->shape + i, s->shape + i + 1, sizeof s->shape[0] * (size_t)(s->n - i));
}

static void tset_rename(TSet *s, const char *from, const char *to) {
    int i = tset_find(s, from);
    ck_assert_msg(i >= 0, "%s", from);
    free(s->names[i]);
    s->names[i] = strdup(to);
}

static void tset_save(const TSet *s, const char *path) {
    StTensorRef t[256];
    for (int i = 0; i < s->n; i++)
        t[i].name = s->names[i], t[i].data = s->data[i], t[i].ndim = s->ndim[i], t[i].shape = s->shape[i];
    char err[ERR_LEN];
    ck_assert_msg(st_save(path, t, s->n, NULL, 0, err) == 0, "%s", err);
}

static char *read_all(const char *path, size_t *len) {
    char err[ERR_LEN];
    char *t = read_file(path, len, err);
    ck_assert_msg(t != NULL, "%s", err);
    return t;
}

static void write_all(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    ck_assert(f != NULL);
    ck_assert(fwrite(data, 1, len, f) == len);
    fclose(f);
}

/* A fresh directory with the fixture's config.json (with `from` replaced by `to` if given) and
 * the safetensors of set (or the fixture's own file when set is NULL). Caller frees the path. */
static char *make_dir(const TSet *set, const char *from, const char *to) {
    char *d = temp_path("_bertdir");
    char err[ERR_LEN];
    ck_assert(make_dirs(d, err) == 0);
    char p[600];
    size_t len;
    char *cfg = read_all(FIXDIR "/config.json", &len);
    if (from) {
        char *at = strstr(cfg, from);
        ck_assert_msg(at != NULL, "%s", from);
        size_t nl = len - strlen(from) + strlen(to);
        char *n2 = malloc(nl + 1);
        size_t pre = (size_t)(at - cfg);
        memcpy(n2, cfg, pre), memcpy(n2 + pre, to, strlen(to));
        memcpy(n2 + pre + strlen(to), at + strlen(from), len - pre - strlen(from));
        free(cfg), cfg = n2, len = nl;
    }
    snprintf(p, sizeof p, "%s/config.json", d);
    write_all(p, cfg, len);
    free(cfg);
    snprintf(p, sizeof p, "%s/model.safetensors", d);
    if (set) {
        tset_save(set, p);
    } else {
        char *st = read_all(FIXDIR "/model.safetensors", &len);
        write_all(p, st, len);
        free(st);
    }
    return d;
}

static void remove_dir(char *d) {
    char p[600];
    const char *files[3] = {"config.json", "model.safetensors", "vocab.txt"};
    for (int i = 0; i < 3; i++) snprintf(p, sizeof p, "%s/%s", d, files[i]), unlink(p);
    rmdir(d);
    free(d);
}

/* Loading d must fail with a message containing each of the words. */
static void expect_fail(const char *d, const char *w1, const char *w2) {
    Bert m;
    char err[ERR_LEN] = "";
    int rc = bert_load_dir(d, &m, 2, 8, NULL, err);
    ck_assert_msg(rc == -1, "loaded a bad directory (expected an error about %s)", w1);
    ck_assert_msg(strstr(err, w1) != NULL, "message '%s' does not mention '%s'", err, w1);
    if (w2) ck_assert_msg(strstr(err, w2) != NULL, "message '%s' does not mention '%s'", err, w2);
}

START_TEST(save_load_roundtrip) {
    Bert a, b;
    char err[ERR_LEN];
    ck_assert_msg(bert_load_dir(FIXDIR, &a, 2, 8, NULL, err) == 0, "%s", err);
    char *d = temp_path("_bertsave");
    ck_assert_msg(bert_save_dir(&a, d, NULL, 0, err) == 0, "%s", err);
    ck_assert_msg(bert_load_dir(d, &b, 2, 8, NULL, err) == 0, "%s", err);
    ck_assert(memcmp(&a.cfg, &b.cfg, sizeof a.cfg) == 0);
    ck_assert_int_eq(a.p.n, b.p.n);
    ck_assert(memcmp(a.p.data, b.p.data, a.p.total * sizeof(float)) == 0);
    /* saving again writes the very same bytes */
    char *d2 = temp_path("_bertsave2");
    ck_assert(bert_save_dir(&b, d2, NULL, 0, err) == 0);
    const char *files[2] = {"config.json", "model.safetensors"};
    for (int i = 0; i < 2; i++) {
        char p1[600], p2[600];
        snprintf(p1, sizeof p1, "%s/%s", d, files[i]), snprintf(p2, sizeof p2, "%s/%s", d2, files[i]);
        size_t l1, l2;
        char *x1 = read_all(p1, &l1), *x2 = read_all(p2, &l2);
        ck_assert(l1 == l2 && memcmp(x1, x2, l1) == 0);
        free(x1), free(x2);
    }
    /* a classifier saved beside the model comes back through extra */
    float cw[2 * 32], cb[2] = {0.5f, -0.25f};
    fill_uniform(cw, 64, -1, 1, 9);
    int64_t sw[2] = {2, 32}, sb[1] = {2};
    StTensorRef ex[2] = {{"classifier.weight", cw, 2, sw}, {"classifier.bias", cb, 1, sb}};
    ck_assert(bert_save_dir(&b, d2, ex, 2, err) == 0);
    Bert c;
    SafeTensors st;
    ck_assert_msg(bert_load_dir(d2, &c, 1, 4, &st, err) == 0, "%s", err);
    float got[64];
    int64_t want[2] = {2, 32};
    ck_assert(st_read_f32(&st, "classifier.weight", got, 2, want, err) == 0);
    ck_assert(memcmp(got, cw, sizeof cw) == 0);
    st_free(&st);
    bert_free(&c);
    /* without extra, the classifier is simply not ours: loading still works */
    ck_assert_msg(bert_load_dir(d2, &c, 1, 4, NULL, err) == 0, "%s", err);
    bert_free(&c);
    bert_free(&a), bert_free(&b);
    remove_dir(d), remove_dir(d2);
}
END_TEST

START_TEST(name_variants) {
    Bert ref;
    char err[ERR_LEN];
    ck_assert(bert_load_dir(FIXDIR, &ref, 1, 4, NULL, err) == 0);
    TSet s;
    tset_load(&s);
    /* BertModel-style names (no "bert." prefix), TF-style LayerNorm.gamma / beta, and the tied
     * decoder written out as older checkpoints do */
    for (int i = 0; i < s.n; i++) {
        char n[300];
        snprintf(n, sizeof n, "%s", strncmp(s.names[i], "bert.", 5) == 0 ? s.names[i] + 5 : s.names[i]);
        size_t l = strlen(n);
        if (l >= 16 && strcmp(n + l - 16, "LayerNorm.weight") == 0) strcpy(n + l - 6, "gamma");
        else if (l >= 14 && strcmp(n + l - 14, "LayerNorm.bias") == 0) strcpy(n + l - 4, "beta");
        free(s.names[i]), s.names[i] = strdup(n);
    }
    int w = tset_find(&s, "embeddings.word_embeddings.weight"), bi = tset_find(&s, "cls.predictions.bias");
    ck_assert(w >= 0 && bi >= 0);
    int k = s.n++;
    s.names[k] = strdup("cls.predictions.decoder.weight"), s.ndim[k] = 2;
    memcpy(s.shape[k], s.shape[w], sizeof s.shape[k]);
    s.data[k] = malloc(sizeof(float) * 100 * 32), memcpy(s.data[k], s.data[w], sizeof(float) * 100 * 32);
    k = s.n++;
    s.names[k] = strdup("cls.predictions.decoder.bias"), s.ndim[k] = 1, s.shape[k][0] = 100;
    s.data[k] = malloc(sizeof(float) * 100), memcpy(s.data[k], s.data[bi], sizeof(float) * 100);
    char *d = make_dir(&s, NULL, NULL);
    Bert m;
    ck_assert_msg(bert_load_dir(d, &m, 1, 4, NULL, err) == 0, "%s", err);
    ck_assert(memcmp(m.p.data, ref.p.data, ref.p.total * sizeof(float)) == 0);
    ck_assert_int_eq(m.has, BERT_HAS_ALL);
    bert_free(&m);
    remove_dir(d);
    /* an untied decoder is refused by name */
    s.data[k - 1][5] += 1.0f;
    d = make_dir(&s, NULL, NULL);
    expect_fail(d, "cls.predictions.decoder.weight", "tie");
    remove_dir(d);
    /* two spellings of one tensor at once is ambiguous */
    tset_drop(&s, "cls.predictions.decoder.weight");
    k = s.n++;
    s.names[k] = strdup("embeddings.LayerNorm.weight"), s.ndim[k] = 1, s.shape[k][0] = 32;
    s.data[k] = calloc(32, sizeof(float));
    d = make_dir(&s, NULL, NULL);
    expect_fail(d, "embeddings.LayerNorm.gamma", "both");
    remove_dir(d);
    tset_free(&s);
    bert_free(&ref);
}
END_TEST

START_TEST(encoder_only_checkpoint) {
    TSet s;
    tset_load(&s);
    const char *heads[] = {"cls.predictions.bias", "cls.predictions.transform.dense.weight",
                           "cls.predictions.transform.dense.bias", "cls.predictions.transform.LayerNorm.weight",
                           "cls.predictions.transform.LayerNorm.bias", "cls.seq_relationship.weight",
                           "cls.seq_relationship.bias"};
    for (int i = 0; i < 7; i++) tset_drop(&s, heads[i]);
    char *d = make_dir(&s, NULL, NULL);
    Bert m;
    char err[ERR_LEN];
    ck_assert_msg(bert_load_dir(d, &m, 1, 4, NULL, err) == 0, "%s", err);
    ck_assert_int_eq(m.has, BERT_HAS_POOLER);
    /* saved again, the untrained heads stay out */
    char *d2 = temp_path("_bertenc");
    ck_assert(bert_save_dir(&m, d2, NULL, 0, err) == 0);
    Bert m2;
    ck_assert(bert_load_dir(d2, &m2, 1, 4, NULL, err) == 0);
    ck_assert_int_eq(m2.has, BERT_HAS_POOLER);
    bert_free(&m), bert_free(&m2);
    remove_dir(d), remove_dir(d2);
    /* half a head is an error */
    tset_drop(&s, "bert.pooler.dense.bias");
    d = make_dir(&s, NULL, NULL);
    expect_fail(d, "bert.pooler.dense.bias", "missing");
    remove_dir(d);
    tset_free(&s);
}
END_TEST

START_TEST(bad_directories) {
    Bert m;
    char err[ERR_LEN];
    /* no directory, not a directory */
    expect_fail("/nonexistent/bert_model", "/nonexistent/bert_model", NULL);
    expect_fail(FIXDIR "/config.json", "not a directory", NULL);
    /* a missing file */
    char *d = make_dir(NULL, NULL, NULL);
    char p[600];
    snprintf(p, sizeof p, "%s/model.safetensors", d), unlink(p);
    expect_fail(d, "model.safetensors", NULL);
    snprintf(p, sizeof p, "%s/config.json", d), unlink(p);
    expect_fail(d, "config.json", NULL);
    remove_dir(d);
    /* a truncated safetensors file */
    d = make_dir(NULL, NULL, NULL);
    size_t len;
    char *st = read_all(FIXDIR "/model.safetensors", &len);
    snprintf(p, sizeof p, "%s/model.safetensors", d);
    write_all(p, st, len - 100);
    expect_fail(d, "model.safetensors", NULL);
    write_all(p, st, 5);
    expect_fail(d, "model.safetensors", NULL);
    free(st);
    remove_dir(d);
    /* a tensor missing, a wrong shape */
    TSet s;
    tset_load(&s);
    int i = tset_find(&s, "bert.encoder.layer.1.intermediate.dense.weight");
    tset_rename(&s, s.names[i], "bert.encoder.layer.1.intermediate.dense.weigth");
    d = make_dir(&s, NULL, NULL);
    expect_fail(d, "'bert.encoder.layer.1.intermediate.dense.weight' missing", NULL);
    remove_dir(d);
    tset_rename(&s, "bert.encoder.layer.1.intermediate.dense.weigth", "bert.encoder.layer.1.intermediate.dense.weight");
    i = tset_find(&s, "bert.encoder.layer.0.attention.self.key.weight");
    s.shape[i][0] = 16, s.shape[i][1] = 64; /* same size, other shape */
    d = make_dir(&s, NULL, NULL);
    expect_fail(d, "'bert.encoder.layer.0.attention.self.key.weight' has shape [16,64]", "[32,32]");
    remove_dir(d);
    s.shape[i][0] = 32, s.shape[i][1] = 32;
    /* config.json contradicting the weights */
    d = make_dir(&s, "\"hidden_size\": 32", "\"hidden_size\": 48");
    expect_fail(d, "bert.embeddings.word_embeddings.weight", "hidden_size");
    remove_dir(d);
    d = make_dir(&s, "\"vocab_size\": 100", "\"vocab_size\": 120");
    expect_fail(d, "[100,32]", "vocab_size");
    remove_dir(d);
    d = make_dir(&s, "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
    expect_fail(d, "num_hidden_layers is 3", "the file has 2 layers");
    remove_dir(d);
    d = make_dir(&s, "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1");
    expect_fail(d, "bert.encoder.layer.1.", "num_hidden_layers 1");
    remove_dir(d);
    d = make_dir(&s, "\"intermediate_size\": 64", "\"intermediate_size\": 65");
    expect_fail(d, "intermediate_size", "[65,32]");
    remove_dir(d);
    /* absurd or unsupported configs */
    struct {
        const char *from, *to, *word;
    } bad[] = {
        {"\"hidden_size\": 32", "\"hidden_size\": 0", "hidden_size 0"},
        {"\"num_attention_heads\": 4", "\"num_attention_heads\": 5", "multiple"},
        {"\"vocab_size\": 100", "\"vocab_size\": 1000000000000", "vocab_size"},
        {"\"hidden_size\": 32", "\"hidden_size\": 32.5", "integer"},
        {"\"hidden_size\": 32", "\"hidden_size\": \"32\"", "integer"},
        {"\"num_hidden_layers\": 2,", "", "num_hidden_layers' missing"},
        {"\"hidden_act\": \"gelu\"", "\"hidden_act\": \"gelu_new\"", "gelu_new"},
        {"\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": -1", "layer_norm_eps"},
        {"\"hidden_dropout_prob\": 0.1", "\"hidden_dropout_prob\": 1.5", "hidden_dropout_prob"},
        {"\"model_type\": \"bert\"", "\"model_type\": \"roberta\"", "roberta"},
        {"\"position_embedding_type\": \"absolute\"", "\"position_embedding_type\": \"rotary\"", "rotary"},
        {"{", "[", "JSON"},
        {"\"vocab_size\": 100", "\"vocab_size\": 100,", "JSON"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        d = make_dir(&s, bad[k].from, bad[k].to);
        expect_fail(d, bad[k].word, "config.json");
        remove_dir(d);
    }
    /* a failed save leaves the previous model in place */
    d = make_dir(NULL, NULL, NULL);
    ck_assert(bert_load_dir(d, &m, 1, 4, NULL, err) == 0);
    float big[4] = {1, 2, 3, 4};
    int64_t sh[1] = {4};
    StTensorRef dup = {"bert.pooler.dense.bias", big, 1, sh}; /* a duplicate name: st_save refuses */
    ck_assert(bert_save_dir(&m, d, &dup, 1, err) == -1);
    bert_free(&m);
    Bert m2;
    ck_assert_msg(bert_load_dir(d, &m2, 1, 4, NULL, err) == 0, "%s", err);
    bert_free(&m2);
    remove_dir(d);
    tset_free(&s);
    /* batch longer than max_position_embeddings */
    ck_assert(bert_load_dir(FIXDIR, &m, 1, 65, NULL, err) == -1);
    ck_assert_msg(strstr(err, "max_position_embeddings") != NULL, "%s", err);
}
END_TEST

START_TEST(config_checks) {
    BertConfig c = bert_config_default();
    char err[ERR_LEN];
    ck_assert(bert_config_check(&c, err) == 0);
    c.heads = 3;
    ck_assert(bert_config_check(&c, err) == -1 && strstr(err, "multiple"));
    c = bert_config_default(), c.layers = 0;
    ck_assert(bert_config_check(&c, err) == -1 && strstr(err, "num_hidden_layers"));
    c = bert_config_default(), c.hidden = 16384, c.intermediate = 65536, c.layers = 256;
    ck_assert(bert_config_check(&c, err) == -1 && strstr(err, "parameters"));
    /* the parameter count formula agrees with the buffer */
    c = bert_config_default(), c.vocab_size = 50, c.hidden = 16, c.layers = 2, c.heads = 2, c.intermediate = 20;
    Bert m;
    ck_assert(bert_init(&m, &c, 1, 8, err) == 0);
    ck_assert_uint_eq(m.p.total, bert_num_params(&c));
    /* no_decay: biases and layer norms, never matrices or embeddings */
    for (int i = 0; i < m.p.n; i++) {
        const char *n = m.p.specs[i].name;
        int nd = strstr(n, "bias") || strstr(n, "LayerNorm");
        ck_assert_msg(m.p.specs[i].no_decay == nd, "%s", n);
    }
    bert_free(&m);
}
END_TEST

Suite *bert_model_suite(void) {
    Suite *s = suite_create("bert_model");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fixture_forward);
    tcase_add_test(tc, fixture_gradients);
    tcase_add_test(tc, fixture_relative);
    tcase_add_test(tc, gradcheck_absolute);
    tcase_add_test(tc, gradcheck_dropout);
    tcase_add_test(tc, gradcheck_relative);
    tcase_add_test(tc, padding_is_invisible);
    tcase_add_test(tc, save_load_roundtrip);
    tcase_add_test(tc, name_variants);
    tcase_add_test(tc, encoder_only_checkpoint);
    tcase_add_test(tc, bad_directories);
    tcase_add_test(tc, config_checks);
    suite_add_tcase(s, tc);
    return s;
}
