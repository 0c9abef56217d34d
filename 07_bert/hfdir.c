/* hfdir.c - see hfdir.h: config.json + model.safetensors, read with every check before use and
 * written atomically. */
#include "hfdir.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "util.h"

/* ---- config.json ------------------------------------------------------------------------------ */

/* An integer field: 0 and *out, 1 if absent (and not required), -1 with err. */
static int get_int(const JsonValue *o, const char *path, const char *key, int required, int *out, char *err) {
    const JsonValue *v = json_get(o, key);
    if (!v) return required ? set_err(err, "%s: '%s' missing", path, key) : 1;
    if (v->type != JSON_NUMBER || !v->is_int)
        return set_err(err, "%s: '%s' must be an integer (found a %s)", path, key,
                       v->type == JSON_NUMBER ? "number with a fraction or exponent" : json_type_name(v->type));
    if (v->integer < -2147483647 || v->integer > 2147483647)
        return set_err(err, "%s: '%s' = %lld is out of range", path, key, (long long)v->integer);
    *out = (int)v->integer;
    return 0;
}

static int get_float(const JsonValue *o, const char *path, const char *key, float *out, char *err) {
    const JsonValue *v = json_get(o, key);
    if (!v) return 1;
    if (v->type != JSON_NUMBER) return set_err(err, "%s: '%s' must be a number (found a %s)", path, key, json_type_name(v->type));
    *out = (float)v->number;
    return 0;
}

static int get_str(const JsonValue *o, const char *path, const char *key, const char **out, char *err) {
    const JsonValue *v = json_get(o, key);
    if (!v) return 1;
    if (v->type != JSON_STRING || json_get_string(o, key, out))
        return set_err(err, "%s: '%s' must be a string (found a %s)", path, key, json_type_name(v->type));
    return 0;
}

static char *join(const char *dir, const char *file) {
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, file);
    return p;
}

static int check_dir(const char *dir, char *err) {
    struct stat s;
    if (stat(dir, &s) != 0) return set_err(err, "model directory %s: %s", dir, strerror(errno));
    if (!S_ISDIR(s.st_mode)) return set_err(err, "model directory %s: not a directory", dir);
    return 0;
}

int bert_parse_config(const char *text, size_t len, const char *path, BertConfig *c, char *err) {
    char e2[ERR_LEN];
    JsonValue *root = json_parse(text, len, e2);
    int rc = -1;
    if (!root) {
        set_err(err, "%s: not valid JSON: %s", path, e2);
        goto done;
    }
    if (root->type != JSON_OBJECT) {
        set_err(err, "%s: a JSON %s, not an object", path, json_type_name(root->type));
        goto done;
    }
    *c = bert_config_default();
    const char *s;
    int r;
    if ((r = get_str(root, path, "model_type", &s, err)) < 0) goto done;
    if (r == 0 && strcmp(s, "bert") != 0) {
        set_err(err, "%s: model_type '%.60s' is not 'bert' (only BERT checkpoints are read)", path, s);
        goto done;
    }
    static const char *const req[6] = {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                                       "intermediate_size", "max_position_embeddings"};
    int *dst[6] = {&c->vocab_size, &c->hidden, &c->layers, &c->heads, &c->intermediate, &c->max_pos};
    for (int i = 0; i < 6; i++)
        if (get_int(root, path, req[i], 1, dst[i], err) < 0) goto done;
    if (get_int(root, path, "type_vocab_size", 0, &c->type_vocab, err) < 0) goto done;
    if (get_float(root, path, "layer_norm_eps", &c->ln_eps, err) < 0) goto done;
    if (get_float(root, path, "hidden_dropout_prob", &c->hidden_dropout, err) < 0) goto done;
    if (get_float(root, path, "attention_probs_dropout_prob", &c->attn_dropout, err) < 0) goto done;
    if (get_float(root, path, "initializer_range", &c->init_range, err) < 0) goto done;
    if ((r = get_str(root, path, "hidden_act", &s, err)) < 0) goto done;
    if (r == 0 && strcmp(s, "gelu") != 0) {
        set_err(err, "%s: hidden_act '%.60s' is not supported (only \"gelu\", the erf form BERT uses)", path, s);
        goto done;
    }
    if ((r = get_str(root, path, "position_embedding_type", &s, err)) < 0) goto done;
    if (r == 0) {
        if (strcmp(s, "absolute") == 0) {
            c->position = BERT_POS_ABSOLUTE;
        } else if (strcmp(s, "relative_key") == 0) {
            c->position = BERT_POS_RELATIVE;
            if (get_int(root, path, "max_relative_position", 1, &c->max_rel, err) < 0) goto done;
        } else {
            set_err(err, "%s: position_embedding_type '%.60s' is not supported (\"absolute\", or \"relative_key\" "
                    "with max_relative_position as this program writes it)", path, s);
            goto done;
        }
    }
    if (bert_config_check(c, e2)) {
        set_err(err, "%s: %s", path, e2);
        goto done;
    }
    rc = 0;
done:
    json_free(root);
    return rc;
}

int bert_load_config(const char *dir, BertConfig *c, char *err) {
    if (check_dir(dir, err)) return -1;
    char *path = join(dir, "config.json");
    size_t len;
    char *text = read_file(path, &len, err);
    int rc = text ? bert_parse_config(text, len, path, c, err) : -1;
    free(text);
    free(path);
    return rc;
}

/* ---- model.safetensors ------------------------------------------------------------------------ */

/* The file's entry for parameter `name`, trying the variants of published checkpoints (without
 * "bert.", LayerNorm.gamma/beta). NULL if none is present, or (with *bad = 1 and err) if two are. */
static const StEntry *find_variant(const SafeTensors *st, const char *name, char *err, int *bad) {
    char v[4][300];
    int nv = 0;
    snprintf(v[nv++], sizeof v[0], "%s", name);
    if (strncmp(name, "bert.", 5) == 0) snprintf(v[nv++], sizeof v[0], "%s", name + 5);
    size_t len = strlen(name);
    int gamma = len >= 16 && strcmp(name + len - 16, "LayerNorm.weight") == 0;
    int beta = len >= 14 && strcmp(name + len - 14, "LayerNorm.bias") == 0;
    if (gamma || beta) {
        int n0 = nv;
        for (int i = 0; i < n0; i++) {
            size_t l = strlen(v[i]) - (gamma ? 6 : 4);
            char tmp[sizeof v[0]]; /* through a copy: gcc cannot see that v[nv] is not v[i] */
            snprintf(tmp, sizeof tmp, "%.*s%s", (int)l, v[i], gamma ? "gamma" : "beta");
            memcpy(v[nv++], tmp, sizeof tmp);
        }
    }
    const StEntry *found = NULL;
    for (int i = 0; i < nv; i++) {
        const StEntry *e = st_find(st, v[i]);
        if (!e) continue;
        if (found) {
            *bad = 1;
            set_err(err, "tensors '%s' and '%s' both present (two copies of %s)", found->name, e->name, name);
            return NULL;
        }
        found = e;
    }
    return found;
}

/* "[3,4]" */
static void shape_text(char *buf, size_t n, int ndim, const int64_t *shape) {
    size_t u = 0;
    u += (size_t)snprintf(buf + u, n - u, "[");
    for (int i = 0; i < ndim && u < n; i++) u += (size_t)snprintf(buf + u, n - u, i ? ",%lld" : "%lld", (long long)shape[i]);
    if (u < n) snprintf(buf + u, n - u, "]");
}

/* Which config fields a tensor's shape comes from, for the message when it disagrees. */
static const char *shape_fields(const char *name) {
    if (strstr(name, "word_embeddings")) return "vocab_size x hidden_size";
    if (strstr(name, "position_embeddings")) return "max_position_embeddings x hidden_size";
    if (strstr(name, "token_type_embeddings")) return "type_vocab_size x hidden_size";
    if (strstr(name, "intermediate.dense.weight")) return "intermediate_size x hidden_size";
    if (strstr(name, "intermediate.dense.bias")) return "intermediate_size";
    if (strstr(name, "distance_embedding")) return "2 max_relative_position + 1 x hidden_size / num_attention_heads";
    if (strstr(name, "layer.") && strstr(name, ".output.dense.weight") && !strstr(name, "attention"))
        return "hidden_size x intermediate_size";
    if (strstr(name, "cls.predictions.bias")) return "vocab_size";
    if (strstr(name, "seq_relationship.weight")) return "2 x hidden_size";
    return "hidden_size";
}

/* The highest K with a tensor "...encoder.layer.K." in the file, or -1. */
static int layers_in_file(const SafeTensors *st) {
    int maxk = -1;
    for (int i = 0; i < st->n; i++) {
        const char *p = strstr(st->entries[i].name, "encoder.layer.");
        if (!p) continue;
        char *end;
        long k = strtol(p + 14, &end, 10);
        if (end != p + 14 && *end == '.' && k >= 0 && k < 100000 && k > maxk) maxk = (int)k;
    }
    return maxk;
}

/* Is e a tied copy (name, and equal to ref), allowed and skipped? -1 with err if it differs. */
static int tied_copy(const SafeTensors *st, const StEntry *e, const char *what, const float *ref, size_t n,
                     const char *refname, char *err) {
    if (st_numel(e) != (int64_t)n)
        return set_err(err, "tensor '%s' (%s) has %lld values, '%s' has %zu", e->name, what, (long long)st_numel(e),
                       refname, n);
    float *tmp = xmalloc(sizeof(float) * (n ? n : 1));
    int64_t eshape[ST_MAX_DIMS];
    memcpy(eshape, e->shape, sizeof eshape);
    int rc = st_read_f32(st, e->name, tmp, e->ndim, eshape, err);
    if (rc == 0 && memcmp(tmp, ref, n * sizeof(float)) != 0)
        rc = set_err(err, "tensor '%s' differs from '%s': this model ties the %s to it (an untied decoder is not "
                     "supported)", e->name, refname, what);
    free(tmp);
    return rc;
}

/* The model of config c from the parsed file st (DIR/model.safetensors, called path in the
 * messages): st goes to extra, or is freed. */
static int load_weights(const BertConfig *c, SafeTensors *st, const char *dir, const char *path, Bert *m, int maxB,
                        int maxT, SafeTensors *extra, char *err) {
    if (maxT == 0) maxT = c->max_pos;
    char e2[ERR_LEN];
    if (bert_init(m, c, maxB, maxT, e2)) {
        set_err(err, "%s: %s", dir, e2);
        goto fail;
    }
    m->has = BERT_HAS_ALL;
    unsigned char *used = xcalloc((size_t)st->n + 1, 1);
    const StEntry **src = xcalloc((size_t)m->p.n, sizeof *src);
    int nfile_layers = layers_in_file(st) + 1;
    for (int i = 0; i < m->p.n; i++) {
        const ParamSpec *ps = &m->p.specs[i];
        int bad = 0;
        const StEntry *e = find_variant(st, ps->name, e2, &bad);
        if (bad) {
            set_err(err, "%s: %s", path, e2);
            goto fail_used;
        }
        src[i] = e;
        if (!e) {
            int part = strncmp(ps->name, "bert.pooler.", 12) == 0        ? BERT_HAS_POOLER
                       : strncmp(ps->name, "cls.predictions.", 16) == 0   ? BERT_HAS_MLM
                       : strncmp(ps->name, "cls.seq_relationship.", 21) == 0 ? BERT_HAS_NSP
                                                                          : 0;
            if (part) {
                m->has &= ~part;
                continue;
            }
            if (strstr(ps->name, "encoder.layer.") && nfile_layers < c->layers)
                set_err(err, "%s: tensor '%s' missing: config.json's num_hidden_layers is %d, the file has %d layer%s",
                        path, ps->name, c->layers, nfile_layers, nfile_layers == 1 ? "" : "s");
            else
                set_err(err, "%s: tensor '%s' missing", path, ps->name);
            goto fail_used;
        }
        used[e - st->entries] = 1;
        int64_t want[TENSOR_MAX_DIMS];
        int ok = e->ndim == ps->ndim;
        for (int d = 0; d < ps->ndim; d++) {
            want[d] = ps->shape[d];
            ok = ok && e->shape[d] == want[d];
        }
        if (!ok) {
            char a[96], b[96];
            shape_text(a, sizeof a, e->ndim, e->shape), shape_text(b, sizeof b, ps->ndim, want);
            set_err(err, "%s: tensor '%s' has shape %s, config.json gives %s (%s)", path, e->name, a, b,
                    shape_fields(ps->name));
            goto fail_used;
        }
    }
    /* every shape agrees with the config, so the model is no larger than the file: fill it. The
     * parts a checkpoint may lack start as bert_init_weights makes them (a fixed seed). */
    Rng rng;
    rng_seed(&rng, 20181011);
    int has = m->has;
    bert_init_weights(m, &rng);
    m->has = has;
    for (int i = 0; i < m->p.n; i++) {
        if (!src[i]) continue;
        const ParamSpec *ps = &m->p.specs[i];
        int64_t want[TENSOR_MAX_DIMS];
        for (int d = 0; d < ps->ndim; d++) want[d] = ps->shape[d];
        if (st_read_f32(st, src[i]->name, m->p.data + m->p.offsets[i], ps->ndim, want, e2)) {
            set_err(err, "%s: %s", path, e2);
            goto fail_used;
        }
    }
    /* a NaN or an infinity in the weights would only show as NaN outputs, far from the file: refuse
     * it here, with the tensor named */
    for (int i = 0; i < m->p.n; i++) {
        if (!src[i]) continue;
        const float *w = m->p.data + m->p.offsets[i];
        size_t nel = shape_numel(m->p.specs[i].ndim, m->p.specs[i].shape);
        for (size_t j = 0; j < nel; j++)
            if (!isfinite(w[j])) {
                set_err(err, "%s: tensor '%s' holds %s at element %zu: a damaged or diverged checkpoint", path,
                        src[i]->name, isnan(w[j]) ? "NaN" : "an infinity", j);
                goto fail_used;
            }
    }
    /* a checkpoint missing a whole head is fine; half a head is not */
    for (int part = 1; part <= 4; part <<= 1) {
        if (m->has & part) continue;
        const char *prefix = part == BERT_HAS_POOLER ? "bert.pooler." : part == BERT_HAS_MLM ? "cls.predictions." : "cls.seq_relationship.";
        for (int i = 0; i < m->p.n; i++) {
            const char *nm = m->p.specs[i].name;
            if (strncmp(nm, prefix, strlen(prefix)) != 0) continue;
            int bad = 0;
            if (find_variant(st, nm, e2, &bad)) {
                for (int j = 0; j < m->p.n; j++) {
                    const char *nj = m->p.specs[j].name;
                    if (strncmp(nj, prefix, strlen(prefix)) == 0 && !find_variant(st, nj, e2, &bad)) {
                        set_err(err, "%s: tensor '%s' missing", path, nj);
                        goto fail_used;
                    }
                }
            }
        }
    }
    /* what is left: tied copies, position_ids, stray layers, and the caller's tensors */
    for (int i = 0; i < st->n; i++) {
        if (used[i]) continue;
        const StEntry *e = &st->entries[i];
        const char *nm = strncmp(e->name, "bert.", 5) == 0 ? e->name + 5 : e->name;
        if (strcmp(nm, "embeddings.position_ids") == 0) continue;
        size_t V = (size_t)c->vocab_size;
        if (strcmp(e->name, "cls.predictions.decoder.weight") == 0) {
            if (tied_copy(st, e, "MLM decoder", m->w.word, V * (size_t)c->hidden, "bert.embeddings.word_embeddings.weight", e2)) {
                set_err(err, "%s: %s", path, e2);
                goto fail_used;
            }
            continue;
        }
        if (strcmp(e->name, "cls.predictions.decoder.bias") == 0) {
            if (tied_copy(st, e, "MLM decoder bias", m->w.mlm_bias, V, "cls.predictions.bias", e2)) {
                set_err(err, "%s: %s", path, e2);
                goto fail_used;
            }
            continue;
        }
        int ours = strncmp(e->name, "bert.", 5) == 0 || strncmp(e->name, "cls.", 4) == 0 ||
                   strncmp(e->name, "embeddings.", 11) == 0 || strncmp(e->name, "encoder.", 8) == 0 ||
                   strncmp(e->name, "pooler.", 7) == 0;
        if (!ours) continue; /* the caller's (e.g. classifier.weight) or another head's: not ours to judge */
        if (strstr(e->name, "encoder.layer.") && nfile_layers > c->layers)
            set_err(err, "%s: tensor '%s' is beyond config.json's num_hidden_layers %d (the file has %d layers)", path,
                    e->name, c->layers, nfile_layers);
        else
            set_err(err, "%s: tensor '%s' is not part of this BERT (another architecture or position type?)", path,
                    e->name);
        goto fail_used;
    }
    free(used), free(src);
    if (extra) *extra = *st;
    else st_free(st);
    return 0;
fail_used:
    free(used), free(src);
fail:
    st_free(st);
    bert_free(m);
    return -1;
}

int bert_load_dir(const char *dir, Bert *m, int maxB, int maxT, SafeTensors *extra, char *err) {
    memset(m, 0, sizeof *m);
    BertConfig c;
    if (bert_load_config(dir, &c, err)) return -1;
    char *path = join(dir, "model.safetensors");
    SafeTensors st;
    int rc = st_load(path, &st, err);
    if (rc == 0) rc = load_weights(&c, &st, dir, path, m, maxB, maxT, extra, err);
    free(path);
    return rc;
}

int bert_parse_weights(const BertConfig *c, const unsigned char *weights, size_t len, const char *dir, Bert *m,
                       int maxB, int maxT, SafeTensors *extra, char *err) {
    memset(m, 0, sizeof *m);
    char *path = join(dir, "model.safetensors");
    SafeTensors st;
    int rc = st_parse_named(weights, len, path, &st, err);
    if (rc == 0) rc = load_weights(c, &st, dir, path, m, maxB, maxT, extra, err);
    free(path);
    return rc;
}

/* ---- saving ----------------------------------------------------------------------------------- */

/* The shortest decimal that reads back as the same float: 1e-12, not 9.99999996e-13. */
static void put_float(FILE *f, float x) {
    char buf[40];
    for (int p = 1; p <= 9; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, (double)x);
        if (strtof(buf, NULL) == x) break;
    }
    fputs(buf, f);
}

static int write_config(const BertConfig *c, const char *path, const char *dtype, char *err) {
    AtomicFile af;
    if (atomic_open(&af, path, err)) return -1;
    FILE *f = af.f;
    fprintf(f, "{\n  \"architectures\": [\"BertForPreTraining\"],\n");
    fprintf(f, "  \"attention_probs_dropout_prob\": "), put_float(f, c->attn_dropout);
    fprintf(f, ",\n  \"hidden_act\": \"gelu\",\n  \"hidden_dropout_prob\": "), put_float(f, c->hidden_dropout);
    fprintf(f, ",\n  \"hidden_size\": %d,\n  \"initializer_range\": ", c->hidden), put_float(f, c->init_range);
    fprintf(f, ",\n  \"intermediate_size\": %d,\n  \"layer_norm_eps\": ", c->intermediate), put_float(f, c->ln_eps);
    fprintf(f, ",\n  \"max_position_embeddings\": %d,\n", c->max_pos);
    if (c->position == BERT_POS_RELATIVE) fprintf(f, "  \"max_relative_position\": %d,\n", c->max_rel);
    fprintf(f, "  \"model_type\": \"bert\",\n  \"num_attention_heads\": %d,\n  \"num_hidden_layers\": %d,\n", c->heads,
            c->layers);
    fprintf(f, "  \"pad_token_id\": 0,\n  \"position_embedding_type\": \"%s\",\n",
            c->position == BERT_POS_RELATIVE ? "relative_key" : "absolute");
    fprintf(f, "  \"torch_dtype\": \"%s\",\n  \"type_vocab_size\": %d,\n  \"vocab_size\": %d\n}\n",
            strcmp(dtype, "F16") == 0 ? "float16" : "float32", c->type_vocab, c->vocab_size);
    return atomic_commit(&af, err);
}

int bert_save_dir(const Bert *m, const char *dir, const StTensorRef *extra, int nextra, char *err) {
    return bert_save_dir_as(m, dir, extra, nextra, "F32", err);
}

int bert_save_dir_as(const Bert *m, const char *dir, const StTensorRef *extra, int nextra, const char *dtype,
                     char *err) {
    if (make_dirs(dir, err)) return -1;
    int n = m->p.n;
    StTensorRef *t = xmalloc(sizeof *t * (size_t)(n + nextra + 1));
    int64_t *shapes = xmalloc(sizeof(int64_t) * TENSOR_MAX_DIMS * (size_t)(n + 1));
    int k = 0;
    for (int i = 0; i < n; i++) {
        const ParamSpec *ps = &m->p.specs[i];
        /* heads that were never trained (an encoder-only checkpoint) are not written */
        if (!(m->has & BERT_HAS_MLM) && strncmp(ps->name, "cls.predictions.", 16) == 0) continue;
        if (!(m->has & BERT_HAS_NSP) && strncmp(ps->name, "cls.seq_relationship.", 21) == 0) continue;
        int64_t *sh = shapes + (size_t)i * TENSOR_MAX_DIMS;
        for (int d = 0; d < ps->ndim; d++) sh[d] = ps->shape[d];
        t[k].name = ps->name, t[k].data = m->p.data + m->p.offsets[i], t[k].ndim = ps->ndim, t[k].shape = sh;
        k++;
    }
    for (int i = 0; i < nextra; i++) t[k++] = extra[i];
    static const char *const meta[2] = {"format", "pt"};
    char *path = join(dir, "model.safetensors");
    int rc = st_save_as(path, t, k, meta, 1, dtype, err);
    free(path), free(t), free(shapes);
    if (rc) return -1;
    path = join(dir, "config.json");
    rc = write_config(&m->cfg, path, dtype, err);
    free(path);
    return rc;
}
