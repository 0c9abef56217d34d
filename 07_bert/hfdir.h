/* hfdir.h - BERT model directories in Hugging Face's layout: config.json + model.safetensors.
 *
 * What it teaches (the article's advice to start from a published checkpoint, e.g. the Chinese
 * BERT): a "model" is a plain directory. config.json gives the shape (hidden_size,
 * num_hidden_layers, ...), model.safetensors the tensors by name; vocab.txt and
 * tokenizer_config.json (written and read by the caller with the tokenizer, 07_bert/tokenizer.h)
 * the WordPiece vocabulary. Loading one made by the transformers library, and being loadable by it,
 * is what lets a user fine-tune a real BERT here.
 *
 * Reading (bert_load_dir):
 *  - config.json: the sizes must be integers, hidden_act must be "gelu" (the erf form; others are
 *    refused with their name), absurd values are refused (bert_config_check). Missing optional
 *    fields take BERT's defaults (layer_norm_eps 1e-12, dropouts 0.1, initializer_range 0.02,
 *    type_vocab_size 2). position_embedding_type, if present, must be "absolute", or "relative_key"
 *    for this project's own relative models (with "max_relative_position").
 *  - model.safetensors: names as model.h lists them; also accepted: without the "bert." prefix
 *    (BertModel checkpoints), and LayerNorm.gamma / LayerNorm.beta for .weight / .bias (TF
 *    conversions). bert.embeddings.position_ids is ignored. cls.predictions.decoder.weight, if
 *    present, must equal the word embeddings (it is tied; transformers omits it when it saves),
 *    and cls.predictions.decoder.bias must equal cls.predictions.bias.
 *  - The pooler, the MLM head and the NSP head may each be missing as a whole (an encoder-only
 *    checkpoint, e.g. a BertModel): the model then loads with those parts at their random initial
 *    values (bert_init_weights, fixed seed) and m->has without the corresponding BERT_HAS_* bit, so
 *    fill-mask and NSP can refuse to run. Half a head is an error; every encoder tensor is required.
 *  - Every problem is an error naming it: a missing directory or file, a tensor missing (its
 *    name), a NaN or infinite weight (the tensor and the element), a wrong shape (the name, the
 *    file's shape, the expected one and the config fields it comes from), a truncated or malformed safetensors file, a config that contradicts the weights
 *    (hidden_size or vocab_size against the embedding's shape, num_hidden_layers against the
 *    layers present: too few or too many), a BERT-looking tensor this model does not have (under
 *    bert./cls./embeddings./encoder./pooler.: a typo or another architecture), two spellings of
 *    one tensor. Tensors under other names (e.g. "classifier.weight") are left to the caller.
 * Writing (bert_save_dir): config.json (model_type "bert", architectures ["BertForPreTraining"],
 * every field above, floats in their shortest exact form) and model.safetensors (the parameters in
 * order, F32, the tied decoder omitted as transformers does; the MLM / NSP head omitted when its
 * BERT_HAS_* bit is clear, i.e. it was never trained; the pooler always written, since fine-tuning
 * trains it), each written atomically (a temporary file in the directory, renamed), so a failed
 * save leaves the previous model in place. The directory is created if needed. Saving and loading
 * again gives bit-identical weights. */
#ifndef BERT_HFDIR_H
#define BERT_HFDIR_H

#include "model.h"
#include "safetensors.h"

/* Read only DIR/config.json into *c. Returns 0 or -1 with err set. */
int bert_load_config(const char *dir, BertConfig *c, char *err);
/* Load DIR into a fresh model (bert_init for batches of maxB x maxT; maxT 0 = max_position_embeddings).
 * extra: if not NULL, receives the opened model.safetensors (caller st_free's it), so the caller
 * can read its own tensors (e.g. "classifier.weight") from the same file.
 * Returns 0, or -1 with err set and *m freed. */
int bert_load_dir(const char *dir, Bert *m, int maxB, int maxT, SafeTensors *extra, char *err);
/* The two files already in memory: bert_load_config is bert_parse_config after reading
 * DIR/config.json, and bert_load_dir is that, then bert_parse_weights on DIR/model.safetensors.
 * path and dir only name the files in the messages. A SafeTensors left in extra points into
 * weights, which must outlive it. */
int bert_parse_config(const char *text, size_t len, const char *path, BertConfig *c, char *err);
int bert_parse_weights(const BertConfig *c, const unsigned char *weights, size_t len, const char *dir, Bert *m,
                       int maxB, int maxT, SafeTensors *extra, char *err);
/* Save m into DIR (created if needed), with nextra more tensors (e.g. a classifier) after the
 * model's. Returns 0 or -1 with err set. */
int bert_save_dir(const Bert *m, const char *dir, const StTensorRef *extra, int nextra, char *err);
/* The same with the weights stored as "F32" or "F16" (half the size; config.json's torch_dtype
 * says float16). */
int bert_save_dir_as(const Bert *m, const char *dir, const StTensorRef *extra, int nextra, const char *dtype,
                     char *err);

#endif
