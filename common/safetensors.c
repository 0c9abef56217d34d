/* safetensors.c - see safetensors.h. The reader validates in the order the bytes come: the length
 * field, the header's JSON, each entry on its own (dtype, shape, offsets, sizes), then all entries
 * together (they must tile the data region). Only then may anyone touch the data.
 *
 * Bytes are assembled with shifts (b[0] | b[1] << 8 | ...) rather than memcpy into a float, so the
 * code is right on any host, and so unaligned tensors (an odd-length F16 before an F32) are fine;
 * compilers turn the pattern into one load on little-endian machines.
 */
#include "safetensors.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

/* ---- dtypes and byte order ------------------------------------------------------------------ */

static const struct {
    const char *name;
    size_t size;
} DTYPES[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1},
    {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},     {"U32", 4},
    {"F32", 4},  {"F64", 8}, {"I64", 8}, {"U64", 8},
};

size_t st_dtype_size(const char *dtype) {
    for (size_t i = 0; i < sizeof DTYPES / sizeof DTYPES[0]; i++)
        if (strcmp(dtype, DTYPES[i].name) == 0) return DTYPES[i].size;
    return 0;
}

static uint64_t load_u64(const unsigned char *b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}
static uint32_t load_u32(const unsigned char *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static uint16_t load_u16(const unsigned char *b) { return (uint16_t)(b[0] | b[1] << 8); }
static void store_u64(unsigned char *b, uint64_t v) {
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static float f32_from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* IEEE half: 1 sign, 5 exponent (bias 15), 10 mantissa bits. Exact: every half is a float. */
static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    if (exp == 0x1F) return f32_from_bits(sign | 0x7F800000u | mant << 13); /* inf, NaN + payload */
    if (exp != 0) return f32_from_bits(sign | (exp + 127 - 15) << 23 | mant << 13);
    /* zero or subnormal: mant * 2^-24, a product that float holds exactly */
    float v = (float)mant * (1.0f / 16777216.0f);
    return sign ? -v : v;
}

/* bfloat16 is the top half of a float32: same exponent range, 7 mantissa bits. */
static float bf16_to_f32(uint16_t h) { return f32_from_bits((uint32_t)h << 16); }

static float f64_to_f32(uint64_t u) {
    double d;
    memcpy(&d, &u, sizeof d);
    return (float)d; /* round to nearest; beyond float's range gives +-inf (IEEE 754, C11 F.6) */
}

/* "[3,4]": the style of the messages, which name shapes the way Python prints them, compactly. */
static const char *format_shape(const int64_t *shape, int ndim, char *buf, size_t n) {
    size_t k = 0;
    k += (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%" PRId64, i ? "," : "", shape[i]);
    if (k < n) snprintf(buf + k, n - k, "]");
    return buf;
}

/* ---- reading -------------------------------------------------------------------------------- */

void st_free(SafeTensors *st) {
    for (int i = 0; i < st->n; i++) free(st->entries[i].name);
    free(st->entries);
    for (int i = 0; i < st->nmeta; i++) free(st->meta_keys[i]), free(st->meta_vals[i]);
    free(st->meta_keys);
    free(st->meta_vals);
    free(st->buf);
    memset(st, 0, sizeof *st);
}

static int parse_metadata(const JsonValue *v, SafeTensors *st, char *err) {
    if (v->type != JSON_OBJECT)
        return set_err(err, "\"__metadata__\" is a JSON %s; safetensors wants an object of strings",
                       json_type_name(v->type));
    st->meta_keys = xcalloc(v->count ? v->count : 1, sizeof *st->meta_keys);
    st->meta_vals = xcalloc(v->count ? v->count : 1, sizeof *st->meta_vals);
    for (size_t i = 0; i < v->count; i++) {
        const JsonValue *val = &v->items[i];
        if (val->type != JSON_STRING)
            return set_err(err,
                           "\"__metadata__\" value of '%.100s' is a JSON %s; safetensors allows "
                           "only strings there",
                           v->keys[i], json_type_name(val->type));
        if (strlen(val->string) != val->len)
            return set_err(err, "\"__metadata__\" value of '%.100s' contains \\u0000", v->keys[i]);
        st->meta_keys[st->nmeta] = xstrdup(v->keys[i]);
        st->meta_vals[st->nmeta] = xstrdup(val->string);
        st->nmeta++;
    }
    return 0;
}

/* A non-negative JSON integer, or -1. */
static int64_t get_count(const JsonValue *v) {
    return v->type == JSON_NUMBER && v->is_int && v->integer >= 0 ? v->integer : -1;
}

/* Check one tensor's entry on its own and fill e (e->name is set by the caller on success). */
static int parse_entry(const char *name, const JsonValue *v, size_t data_len, StEntry *e,
                       char *err) {
    if (v->type != JSON_OBJECT)
        return set_err(err, "tensor '%.100s': entry is a JSON %s, not an object", name,
                       json_type_name(v->type));
    const JsonValue *dtype = NULL, *shape = NULL, *offsets = NULL;
    for (size_t i = 0; i < v->count; i++) {
        const char *k = v->keys[i];
        if (strcmp(k, "dtype") == 0) dtype = &v->items[i];
        else if (strcmp(k, "shape") == 0) shape = &v->items[i];
        else if (strcmp(k, "data_offsets") == 0) offsets = &v->items[i];
        else
            return set_err(err,
                           "tensor '%.100s': unexpected field '%.40s' (an entry has dtype, shape "
                           "and data_offsets)",
                           name, k);
    }
    if (!dtype || !shape || !offsets)
        return set_err(err, "tensor '%.100s': entry lacks \"%s\"", name,
                       !dtype   ? "dtype"
                       : !shape ? "shape"
                                : "data_offsets");

    /* dtype */
    if (dtype->type != JSON_STRING)
        return set_err(err, "tensor '%.100s': dtype is a JSON %s, not a string", name,
                       json_type_name(dtype->type));
    size_t esize = strlen(dtype->string) == dtype->len ? st_dtype_size(dtype->string) : 0;
    if (esize == 0)
        return set_err(err,
                       "tensor '%.100s': unknown dtype '%.20s' (known: BOOL U8 I8 F8_E5M2 F8_E4M3 "
                       "F8_E8M0 I16 U16 F16 BF16 I32 U32 F32 F64 I64 U64)",
                       name, dtype->string);
    snprintf(e->dtype, sizeof e->dtype, "%s", dtype->string);

    /* shape: the element count is multiplied out with overflow checks, as the reference does */
    if (shape->type != JSON_ARRAY)
        return set_err(err, "tensor '%.100s': shape is a JSON %s, not an array", name,
                       json_type_name(shape->type));
    if (shape->count > ST_MAX_DIMS)
        return set_err(err, "tensor '%.100s': shape has %zu dimensions, more than the %d supported",
                       name, shape->count, ST_MAX_DIMS);
    e->ndim = (int)shape->count;
    uint64_t numel = 1;
    for (int i = 0; i < e->ndim; i++) {
        int64_t d = get_count(&shape->items[i]);
        if (d < 0)
            return set_err(err, "tensor '%.100s': shape entry %d is not a non-negative integer",
                           name, i);
        e->shape[i] = d;
        if (d != 0 && numel > UINT64_MAX / (uint64_t)d)
            return set_err(err, "tensor '%.100s': shape overflows: the element count is too large",
                           name);
        numel *= (uint64_t)d;
    }
    if (numel > UINT64_MAX / esize || numel * esize > SIZE_MAX)
        return set_err(err, "tensor '%.100s': shape overflows: the byte size is too large", name);
    uint64_t nbytes = numel * esize;

    /* data_offsets */
    if (offsets->type != JSON_ARRAY || offsets->count != 2)
        return set_err(err, "tensor '%.100s': data_offsets must be an array [begin, end]", name);
    int64_t begin = get_count(&offsets->items[0]), end = get_count(&offsets->items[1]);
    if (begin < 0 || end < 0)
        return set_err(err, "tensor '%.100s': data_offsets must be non-negative integers", name);
    if (begin > end)
        return set_err(
            err, "tensor '%.100s': data_offsets [%" PRId64 ", %" PRId64 "] begin after they end",
            name, begin, end);
    if ((uint64_t)end > data_len)
        return set_err(err,
                       "tensor '%.100s': data_offsets [%" PRId64 ", %" PRId64
                       "] run past the end of the data region (%zu bytes); truncated file?",
                       name, begin, end, data_len);
    if ((uint64_t)(end - begin) != nbytes) {
        char s[160];
        return set_err(err,
                       "tensor '%.100s': shape %s of %s needs %" PRIu64
                       " bytes, but data_offsets [%" PRId64 ", %" PRId64 "] hold %" PRId64,
                       name, format_shape(e->shape, e->ndim, s, sizeof s), e->dtype, nbytes, begin,
                       end, end - begin);
    }
    e->begin = (size_t)begin;
    e->end = (size_t)end;
    return 0;
}

static int compare_ranges(const void *a, const void *b) {
    const StEntry *x = *(const StEntry *const *)a, *y = *(const StEntry *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

/* The tensors, sorted by offset, must tile [0, data_len) exactly: an overlap lets two tensors
 * alias, and uncovered bytes are room to hide anything. Zero-size tensors may sit anywhere on a
 * boundary. */
static int check_coverage(const SafeTensors *st, char *err) {
    const StEntry **sorted = xmalloc(xmul((size_t)st->n + 1, sizeof *sorted));
    for (int i = 0; i < st->n; i++) sorted[i] = &st->entries[i];
    qsort(sorted, (size_t)st->n, sizeof *sorted, compare_ranges);
    size_t covered = 0;
    int rc = 0;
    for (int i = 0; i < st->n && rc == 0; i++) {
        const StEntry *e = sorted[i];
        if (e->begin < covered)
            rc = set_err(err,
                         "tensors '%.100s' and '%.100s' overlap: bytes [%zu, %zu) and [%zu, %zu)",
                         sorted[i - 1]->name, e->name, sorted[i - 1]->begin, sorted[i - 1]->end,
                         e->begin, e->end);
        else if (e->begin > covered)
            rc =
                set_err(err,
                        "gap in the data region: bytes [%zu, %zu) before tensor '%.100s' belong to "
                        "no tensor (safetensors requires the data to be covered exactly)",
                        covered, e->begin, e->name);
        covered = e->end;
    }
    if (rc == 0 && covered != st->data_len)
        rc = set_err(err,
                     "the data region has %zu bytes but the tensors cover only the first %zu "
                     "(trailing bytes are not allowed)",
                     st->data_len, covered);
    free(sorted);
    return rc;
}

int st_parse(const unsigned char *buf, size_t len, SafeTensors *st, char *err) {
    memset(st, 0, sizeof *st);
    if (len < 8)
        return set_err(err, "file is %zu bytes long, too short for the 8-byte header length field",
                       len);
    uint64_t n = load_u64(buf);
    if (n > ST_MAX_HEADER)
        return set_err(err,
                       "header length %" PRIu64 " is absurd (over %u bytes): not a safetensors "
                       "file, or a corrupt one",
                       n, ST_MAX_HEADER);
    if (n > len - 8)
        return set_err(err,
                       "header length %" PRIu64 " runs past the end of the file (%zu bytes follow "
                       "the length field): truncated, or not a safetensors file",
                       n, len - 8);

    /* The reference reader refuses headers that do not start with '{' (InvalidHeaderStart). A
     * header that starts with '{' and parses is a JSON object, so no other check is needed. */
    if (n == 0 || buf[8] != '{')
        return set_err(err, "header does not start with '{': not a safetensors file");
    char jerr[ERR_LEN];
    JsonValue *root = json_parse((const char *)buf + 8, (size_t)n, jerr);
    if (!root) return set_err(err, "header (at file offset 8) is not valid JSON: %s", jerr);

    int rc = 0;
    st->data = buf + 8 + n;
    st->data_len = len - 8 - (size_t)n;
    st->entries = xcalloc(root->count ? root->count : 1, sizeof *st->entries);
    for (size_t i = 0; i < root->count && rc == 0; i++) {
        const char *key = root->keys[i];
        if (strcmp(key, "__metadata__") == 0) {
            rc = parse_metadata(&root->items[i], st, err);
        } else {
            StEntry *e = &st->entries[st->n];
            rc = parse_entry(key, &root->items[i], st->data_len, e, err);
            if (rc == 0) e->name = xstrdup(key), st->n++;
        }
    }
    /* names are unique already: json_parse rejects duplicate keys */
    if (rc == 0) rc = check_coverage(st, err);
    json_free(root);
    if (rc != 0) st_free(st);
    return rc;
}

int st_parse_named(const unsigned char *buf, size_t len, const char *name, SafeTensors *st, char *err) {
    char perr[ERR_LEN];
    if (st_parse(buf, len, st, perr) != 0) return set_err(err, "'%s': %s", name, perr);
    return 0;
}

int st_load(const char *path, SafeTensors *st, char *err) {
    memset(st, 0, sizeof *st);
    size_t len;
    char *buf = read_file(path, &len, err);
    if (!buf) return -1;
    if (st_parse_named((const unsigned char *)buf, len, path, st, err) != 0) {
        free(buf);
        return -1;
    }
    st->buf = (unsigned char *)buf;
    st->buf_len = len;
    return 0;
}

const StEntry *st_find(const SafeTensors *st, const char *name) {
    for (int i = 0; i < st->n; i++)
        if (strcmp(st->entries[i].name, name) == 0) return &st->entries[i];
    return NULL;
}

const char *st_meta(const SafeTensors *st, const char *key) {
    for (int i = 0; i < st->nmeta; i++)
        if (strcmp(st->meta_keys[i], key) == 0) return st->meta_vals[i];
    return NULL;
}

int64_t st_numel(const StEntry *e) {
    int64_t n = 1;
    for (int i = 0; i < e->ndim; i++) n *= e->shape[i]; /* cannot overflow: st_parse checked it */
    return n;
}

int st_read_f32(const SafeTensors *st, const char *name, float *dst, int ndim, const int64_t *shape,
                char *err) {
    const StEntry *e = st_find(st, name);
    if (!e)
        return set_err(err, "tensor '%s' not found in the file (it has %d tensors)", name, st->n);
    if (ndim < 0 || ndim > ST_MAX_DIMS)
        return set_err(err, "tensor '%s': %d dimensions expected, at most %d are possible", name,
                       ndim, ST_MAX_DIMS);
    int same = e->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = e->shape[i] == shape[i];
    if (!same) {
        char have[160], want[160];
        return set_err(err, "tensor '%s': shape %s in file, %s expected", name,
                       format_shape(e->shape, e->ndim, have, sizeof have),
                       format_shape(shape, ndim, want, sizeof want));
    }
    size_t numel = (size_t)st_numel(e);
    const unsigned char *src = st->data + e->begin;
    if (strcmp(e->dtype, "F32") == 0) {
        for (size_t i = 0; i < numel; i++) dst[i] = f32_from_bits(load_u32(src + 4 * i));
    } else if (strcmp(e->dtype, "F16") == 0) {
        for (size_t i = 0; i < numel; i++) dst[i] = f16_to_f32(load_u16(src + 2 * i));
    } else if (strcmp(e->dtype, "BF16") == 0) {
        for (size_t i = 0; i < numel; i++) dst[i] = bf16_to_f32(load_u16(src + 2 * i));
    } else if (strcmp(e->dtype, "F64") == 0) {
        for (size_t i = 0; i < numel; i++) dst[i] = f64_to_f32(load_u64(src + 8 * i));
    } else {
        return set_err(err,
                       "tensor '%s' has dtype %s, which is not read as float32 (F32, F16, BF16 "
                       "and F64 are)",
                       name, e->dtype);
    }
    return 0;
}

/* ---- writing -------------------------------------------------------------------------------- */

/* Check the caller's tensors and metadata; sizes[i] gets tensor i's data size in bytes. */
static int check_save_args(const StTensorRef *t, int n, const char *const *meta, int nmeta,
                           int esize, uint64_t *sizes, char *err) {
    if (n < 0 || nmeta < 0) return set_err(err, "negative tensor or metadata count");
    for (int i = 0; i < n; i++) {
        const char *name = t[i].name;
        if (!name) return set_err(err, "tensor %d has no name", i);
        if (strcmp(name, "__metadata__") == 0)
            return set_err(err,
                           "a tensor may not be called \"__metadata__\" (the format reserves it)");
        for (int j = 0; j < i; j++)
            if (strcmp(t[j].name, name) == 0)
                return set_err(err, "two tensors are called '%.100s'", name);
        if (t[i].ndim < 0 || t[i].ndim > ST_MAX_DIMS || (t[i].ndim > 0 && !t[i].shape))
            return set_err(err, "tensor '%.100s': ndim %d is not in [0, %d]", name, t[i].ndim,
                           ST_MAX_DIMS);
        uint64_t numel = 1;
        for (int d = 0; d < t[i].ndim; d++) {
            int64_t s = t[i].shape[d];
            if (s < 0) return set_err(err, "tensor '%.100s': negative dimension %" PRId64, name, s);
            if (s != 0 && numel > UINT64_MAX / 4 / (uint64_t)s)
                return set_err(err, "tensor '%.100s': shape too large", name);
            numel *= (uint64_t)s;
        }
        if (numel > 0 && !t[i].data) return set_err(err, "tensor '%.100s' has no data", name);
        sizes[i] = numel * (uint64_t)esize;
    }
    for (int i = 0; i < nmeta; i++) {
        const char *key = meta[2 * i], *val = meta[2 * i + 1];
        if (!key || !val) return set_err(err, "metadata pair %d has a NULL key or value", i);
        for (int j = 0; j < i; j++)
            if (strcmp(meta[2 * j], key) == 0)
                return set_err(err, "metadata key '%.100s' appears twice", key);
    }
    return 0;
}

/* The header JSON, compact, exactly as the reference writer lays it out; malloc'd, *len set. */
static char *build_header(const StTensorRef *t, int n, const char *const *meta, int nmeta,
                          const char *dtype, const uint64_t *sizes, size_t *len, char *err) {
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f) {
        set_err(err, "cannot build the header: %s", strerror(errno));
        return NULL;
    }
    fputc('{', f);
    if (nmeta > 0) {
        fputs("\"__metadata__\":{", f);
        for (int i = 0; i < nmeta; i++) {
            if (i) fputc(',', f);
            json_write_string(f, meta[2 * i]);
            fputc(':', f);
            json_write_string(f, meta[2 * i + 1]);
        }
        fputc('}', f);
    }
    uint64_t offset = 0;
    for (int i = 0; i < n; i++) {
        if (i || nmeta > 0) fputc(',', f);
        json_write_string(f, t[i].name);
        fprintf(f, ":{\"dtype\":\"%s\",\"shape\":[", dtype);
        for (int d = 0; d < t[i].ndim; d++) fprintf(f, "%s%" PRId64, d ? "," : "", t[i].shape[d]);
        fprintf(f, "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}", offset, offset + sizes[i]);
        offset += sizes[i];
    }
    fputc('}', f);
    if (fclose(f) != 0) {
        free(text);
        set_err(err, "cannot build the header: %s", strerror(errno));
        return NULL;
    }
    return text;
}

/* float32 -> IEEE half, rounded to nearest even; 1 if the value does not fit (|x| above the
 * largest half, 65504, after rounding; NaN), when *h is left undefined. Values below the smallest
 * half (6e-8) become 0, those below 6.1e-5 subnormal halves: fewer digits, as F16 files have. */
static int f32_to_f16(float x, uint16_t *h) {
    uint32_t u = f32_bits(x);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t ax = u & 0x7fffffffu;
    if (ax >= 0x7f800000u) return 1; /* inf or NaN */
    if (ax >= 0x477ff000u) return 1; /* rounds to 65520 or more: beyond the largest half */
    if (ax < 0x38800000u) {          /* below 2^-14: a subnormal half (or zero) */
        if (ax < 0x33000000u) { /* below half the smallest subnormal, 2^-25: zero */
            *h = sign;
            return 0;
        }
        uint32_t mant = (ax & 0x7fffffu) | 0x800000u;
        int shift = 126 - (int)(ax >> 23); /* 14..24: value = mant * 2^(e-150), unit 2^-24 */
        uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (q & 1))) q++;
        *h = (uint16_t)(sign | q);
        return 0;
    }
    uint32_t q = ((ax >> 13) - (112u << 10)), rem = ax & 0x1fffu; /* rebias 127 -> 15 */
    if (rem > 0x1000u || (rem == 0x1000u && (q & 1))) q++;
    *h = (uint16_t)(sign | q);
    return 0;
}

int st_save(const char *path, const StTensorRef *t, int n, const char *const *meta, int nmeta,
            char *err) {
    return st_save_as(path, t, n, meta, nmeta, "F32", err);
}

int st_save_as(const char *path, const StTensorRef *t, int n, const char *const *meta, int nmeta,
               const char *dtype, char *err) {
    int half = dtype && strcmp(dtype, "F16") == 0;
    if (!dtype || (!half && strcmp(dtype, "F32") != 0))
        return set_err(err, "cannot save '%s': dtype %s (F32 or F16 only)", path, dtype ? dtype : "NULL");
    int esize = half ? 2 : 4;
    uint64_t *sizes = xcalloc(n > 0 ? (size_t)n : 1, sizeof *sizes);
    char *header = NULL;
    int rc = -1;
    char why[ERR_LEN];
    if (check_save_args(t, n, meta, nmeta, esize, sizes, why) != 0) {
        set_err(err, "cannot save '%s': %s", path, why);
        goto out;
    }
    if (half) /* every value must survive as a half before anything is written */
        for (int i = 0; i < n; i++)
            for (size_t j = 0; j < (size_t)(sizes[i] / 2); j++) {
                uint16_t h;
                if (f32_to_f16(t[i].data[j], &h)) {
                    set_err(err, "cannot save '%s' as F16: tensor '%.100s' element %zu is %g (F16 holds "
                            "finite values up to 65504)", path, t[i].name, j, (double)t[i].data[j]);
                    goto out;
                }
            }
    size_t hlen;
    header = build_header(t, n, meta, nmeta, dtype, sizes, &hlen, why);
    if (!header) {
        set_err(err, "cannot save '%s': %s", path, why);
        goto out;
    }
    /* what we write must read back: this catches names or metadata that are not valid UTF-8 */
    JsonValue *check = json_parse(header, hlen, why);
    if (!check) {
        set_err(err, "cannot save '%s': names and metadata must be valid UTF-8 (%s)", path, why);
        goto out;
    }
    json_free(check);

    /* pad with spaces so the data region starts 8-byte aligned, as the reference writer does */
    size_t padded = (hlen + 7) / 8 * 8;
    unsigned char lenfield[8];
    store_u64(lenfield, padded);

    AtomicFile af;
    if (atomic_open(&af, path, err) != 0) goto out;
    int ok = fwrite(lenfield, 1, 8, af.f) == 8 && fwrite(header, 1, hlen, af.f) == hlen &&
             fwrite("       ", 1, padded - hlen, af.f) == padded - hlen;
    unsigned char chunk[4096];
    for (int i = 0; i < n && ok; i++) {
        size_t numel = (size_t)(sizes[i] / (uint64_t)esize), k = 0;
        for (size_t j = 0; j < numel && ok; j++) {
            uint32_t u;
            if (half) {
                uint16_t h = 0;
                f32_to_f16(t[i].data[j], &h); /* checked above */
                u = h;
            } else {
                memcpy(&u, &t[i].data[j], 4);
            }
            for (int b = 0; b < esize; b++) chunk[k++] = (unsigned char)(u >> (8 * b));
            if (k == sizeof chunk || j + 1 == numel) {
                ok = fwrite(chunk, 1, k, af.f) == k;
                k = 0;
            }
        }
    }
    if (!ok) {
        set_err(err, "cannot write '%s': %s; hint: is the disk full?", af.tmp, strerror(errno));
        atomic_abort(&af);
        goto out;
    }
    rc = atomic_commit(&af, err);
out:
    free(header);
    free(sizes);
    return rc;
}
