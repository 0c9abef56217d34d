/* checkpoint.h - save and load a model's parameter buffer (tensor.h) as a safetensors file.
 *
 * The file carries its format name and version in the header's __metadata__ ("format":
 * "nlpc-word2vec", "format_version": "1", plus whatever the chapter adds: hyper-parameters, the
 * training step), so loading a file of another model, or of an older layout, fails with a message
 * instead of filling the weights with nonsense. Writing goes through a temporary file and a rename
 * (safetensors.c), so an interrupted save never destroys the previous checkpoint. */
#ifndef COMMON_CHECKPOINT_H
#define COMMON_CHECKPOINT_H

#include "safetensors.h"
#include "tensor.h"

/* Save every tensor of p under its spec name. meta holds nmeta extra key/value pairs (may be 0). */
int checkpoint_save(const Params *p, const char *path, const char *format, int version,
                    const char *const *meta, int nmeta, char *err);

/* The same with the tensors stored as dtype "F32" or "F16" (safetensors.h's st_save_as: half the
 * size, for the shipped models of models/). */
int checkpoint_save_as(const Params *p, const char *path, const char *format, int version,
                       const char *const *meta, int nmeta, const char *dtype, char *err);

/* Load path into p (already initialised with the expected specs): the format and version must
 * match, every tensor of p must be present with its exact shape, and the file must hold no tensor
 * p does not know; a NaN or infinite weight is refused with the tensor named. If st is not NULL the parsed file is left there (for its metadata; st_free it),
 * otherwise it is freed. On any error p's data may be partly overwritten: load into a fresh Params. */
int checkpoint_load(Params *p, const char *path, const char *format, int version, SafeTensors *st, char *err);
/* The same for a file already in memory, buf[0..len), called name in the messages: checkpoint_load
 * is this after reading the file. A SafeTensors left in st points into buf (which must outlive it). */
int checkpoint_parse(Params *p, const unsigned char *buf, size_t len, const char *name, const char *format, int version,
                     SafeTensors *st, char *err);

#endif
