/* checkpoint.c - see checkpoint.h. */
#include "checkpoint.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int checkpoint_save(const Params *p, const char *path, const char *format, int version,
                    const char *const *meta, int nmeta, char *err) {
    return checkpoint_save_as(p, path, format, version, meta, nmeta, "F32", err);
}

int checkpoint_save_as(const Params *p, const char *path, const char *format, int version,
                       const char *const *meta, int nmeta, const char *dtype, char *err) {
    StTensorRef *refs = xcalloc((size_t)p->n, sizeof *refs);
    int64_t *shapes = xcalloc((size_t)p->n * TENSOR_MAX_DIMS, sizeof(int64_t));
    for (int i = 0; i < p->n; i++) {
        for (int d = 0; d < p->specs[i].ndim; d++) shapes[i * TENSOR_MAX_DIMS + d] = p->specs[i].shape[d];
        refs[i] = (StTensorRef){p->specs[i].name, p->data + p->offsets[i], p->specs[i].ndim, shapes + i * TENSOR_MAX_DIMS};
    }
    const char **kv = xcalloc((size_t)(2 * nmeta + 4), sizeof(char *));
    char vbuf[32];
    snprintf(vbuf, sizeof vbuf, "%d", version);
    kv[0] = "format", kv[1] = format, kv[2] = "format_version", kv[3] = vbuf;
    for (int i = 0; i < 2 * nmeta; i++) kv[4 + i] = meta[i];
    int rc = st_save_as(path, refs, p->n, kv, nmeta + 2, dtype, err);
    free(refs), free(shapes), free(kv);
    return rc;
}

/* Check a parsed file *st (called path in the messages) against p and fill p; *st then goes to
 * out, or is freed. */
static int load_tensors(Params *p, SafeTensors *st, const char *path, const char *format, int version,
                        SafeTensors *out, char *err) {
    char sub[ERR_LEN];
    int rc = 0;
    const char *f = st_meta(st, "format"), *v = st_meta(st, "format_version");
    char want_v[32];
    snprintf(want_v, sizeof want_v, "%d", version);
    if (!f || strcmp(f, format) != 0) {
        rc = set_err(err, "%s: not a %s checkpoint (its format is '%s')", path, format, f ? f : "unnamed");
        goto done;
    }
    if (!v || strcmp(v, want_v) != 0) {
        rc = set_err(err, "%s: %s checkpoint of version %s, this program reads version %s", path, format,
                     v ? v : "unknown", want_v);
        goto done;
    }
    for (int i = 0; i < st->n; i++)
        if (params_index(p, st->entries[i].name) < 0) {
            rc = set_err(err, "%s: unexpected tensor '%s' (a checkpoint of a different model?)", path, st->entries[i].name);
            goto done;
        }
    for (int i = 0; i < p->n; i++) {
        int64_t shape[TENSOR_MAX_DIMS];
        for (int d = 0; d < p->specs[i].ndim; d++) shape[d] = p->specs[i].shape[d];
        if (!st_find(st, p->specs[i].name)) {
            rc = set_err(err, "%s: tensor '%s' is missing", path, p->specs[i].name);
            goto done;
        }
        if (st_read_f32(st, p->specs[i].name, p->data + p->offsets[i], p->specs[i].ndim, shape, sub) != 0) {
            rc = set_err(err, "%s: %s", path, sub);
            goto done;
        }
        /* a NaN or infinite weight would only show as NaN outputs later: refuse it here */
        const float *w = p->data + p->offsets[i];
        size_t nel = shape_numel(p->specs[i].ndim, p->specs[i].shape);
        for (size_t j = 0; j < nel; j++)
            if (!isfinite(w[j])) {
                rc = set_err(err, "%s: tensor '%s' holds %s at element %zu: a damaged or diverged checkpoint", path,
                             p->specs[i].name, isnan(w[j]) ? "NaN" : "an infinity", j);
                goto done;
            }
    }
done:
    if (out && rc == 0) *out = *st;
    else st_free(st);
    return rc;
}

int checkpoint_load(Params *p, const char *path, const char *format, int version, SafeTensors *out, char *err) {
    SafeTensors st;
    char sub[ERR_LEN];
    if (st_load(path, &st, sub) != 0) return set_err(err, "%s", sub);
    return load_tensors(p, &st, path, format, version, out, err);
}

int checkpoint_parse(Params *p, const unsigned char *buf, size_t len, const char *name, const char *format, int version,
                     SafeTensors *out, char *err) {
    SafeTensors st;
    char sub[ERR_LEN];
    if (st_parse_named(buf, len, name, &st, sub) != 0) return set_err(err, "%s", sub);
    return load_tensors(p, &st, name, format, version, out, err);
}
