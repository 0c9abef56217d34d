/* safetensors.h - checkpoints in Hugging Face's safetensors format: write float32 tensors, read
 * them back (converting F16, BF16 and F64 to float32), and validate every file before use.
 *
 * The format (https://github.com/huggingface/safetensors), all integers little-endian:
 *   bytes 0..8        N, the header length (unsigned 64-bit)
 *   bytes 8..8+N      the header: a UTF-8 JSON object, possibly padded with trailing spaces,
 *                       {"__metadata__": {"format": "pt", ...},       optional, strings only
 *                        "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
 *   bytes 8+N..end    the data region: each tensor's elements row-major, at [begin, end) counted
 *                     from the region's first byte. A shape of [] is a scalar (one element).
 * The region must be covered exactly: no gaps, no overlaps, no trailing bytes. The reader of the
 * reference implementation (the Rust crate behind Python's `safetensors`) insists on this, and so
 * do we, so a file we accept is one Python accepts too.
 *
 * st_save writes files byte for byte as that crate does (compact JSON, "__metadata__" first, header
 * padded with spaces to a multiple of 8 so the data starts 8-byte aligned), in the tensor order
 * given.
 *
 * Safety: a checkpoint is outside data. st_parse checks every length, offset and shape before any
 * use, with overflow-checked arithmetic, and allocates only in proportion to the header it was
 * given (which is at most ST_MAX_HEADER bytes); on any problem it returns -1 and a message that
 * names it, never crashes. This makes it a fit target for a fuzz harness.
 *
 * Leaves out: writing dtypes other than F32 and F16, memory-mapping (st_load reads the whole file).
 */
#ifndef COMMON_SAFETENSORS_H
#define COMMON_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8
/* Larger headers are refused, as the reference reader does: no real model needs one. */
#define ST_MAX_HEADER 100000000u

/* ---- writing -------------------------------------------------------------------------------- */

/* A float32 tensor to save: shape[0..ndim) (ndim 0..ST_MAX_DIMS, 0 for a scalar), row-major data.
 */
typedef struct {
    const char *name;
    const float *data;
    int ndim;
    const int64_t *shape;
} StTensorRef;

/* Write n tensors, their data in the order given, and nmeta metadata pairs (meta[2i] the key,
 * meta[2i+1] its value; no "__metadata__" entry when nmeta is 0) to path, atomically: a temporary
 * file renamed into place, so a crash never leaves half a checkpoint. Names must be unique, valid
 * UTF-8 and not "__metadata__". Returns 0, or -1 with err set (the old file, if any, untouched). */
int st_save(const char *path, const StTensorRef *t, int n, const char *const *meta, int nmeta,
            char *err);
/* The same with the tensors stored as dtype "F32" or "F16" (IEEE half, rounded to nearest even:
 * half the size, 11 significant bits). A value F16 cannot hold (beyond 65504, NaN) is refused
 * with the tensor named, before anything is written. */
int st_save_as(const char *path, const StTensorRef *t, int n, const char *const *meta, int nmeta,
               const char *dtype, char *err);

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct {
    char *name;
    char dtype[8]; /* "F32", "BF16", "F8_E4M3", ... */
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    size_t begin, end; /* byte range in the data region; end - begin = numel * dtype size */
} StEntry;

typedef struct {
    StEntry *entries; /* n tensors, in header order */
    int n;
    char **meta_keys, **meta_vals; /* nmeta "__metadata__" pairs, in header order */
    int nmeta;
    unsigned char *buf; /* the whole file, owned, when st_load read it; NULL after st_parse */
    size_t buf_len;
    const unsigned char *data; /* the data region (inside buf, or inside the caller's buffer) */
    size_t data_len;
} SafeTensors;

/* Parse and validate a whole file held in buf[0..len). Does NOT take ownership: st->data points
 * into buf, which must outlive st; st_free frees only what st_parse allocated. Returns 0, or -1
 * with err set and st emptied (st_free on it is harmless either way). */
int st_parse(const unsigned char *buf, size_t len, SafeTensors *st, char *err);
/* st_parse with the messages st_load gives, which start with the file's name ("'NAME': ..."): for a
 * file already in memory. Like st_parse, it does not take ownership of buf. */
int st_parse_named(const unsigned char *buf, size_t len, const char *name, SafeTensors *st, char *err);
/* Read path whole and st_parse_named it; st then owns the buffer. Messages start with the path. */
int st_load(const char *path, SafeTensors *st, char *err);
void st_free(SafeTensors *st);

/* The entry called name, or NULL. A linear search: checkpoints hold hundreds of tensors, not
 * millions, and each is looked up once. */
const StEntry *st_find(const SafeTensors *st, const char *name);
/* The metadata value for key, or NULL. */
const char *st_meta(const SafeTensors *st, const char *key);
/* Element count of an entry (the product of its shape; 1 for a scalar). */
int64_t st_numel(const StEntry *e);
/* Bytes per element of a dtype name, or 0 for a dtype this reader does not know. */
size_t st_dtype_size(const char *dtype);

/* Copy tensor name into dst (numel floats) as float32, after checking it exists and that its shape
 * is shape[0..ndim), e.g. "tensor 'w': shape [3,4] in file, [4,3] expected". F32 is copied bit for
 * bit; F16, BF16 and F64 are converted (F64 rounds to nearest). Returns 0 or -1 with err set. */
int st_read_f32(const SafeTensors *st, const char *name, float *dst, int ndim, const int64_t *shape,
                char *err);

#endif
