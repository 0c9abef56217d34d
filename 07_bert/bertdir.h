/* bertdir.h - a whole model directory as Hugging Face lays it out: the model (config.json +
 * model.safetensors, hfdir.h) and its tokenizer (vocab.txt + tokenizer_config.json).
 *
 * Every command that reads a model (pretrain --model/--resume, fine-tuning, encode, fill-mask,
 * tokenize) opens the two together, so a vocabulary that does not fit the model (vocab.txt longer
 * than vocab_size: ids the embedding table has no row for) is refused at the door. */
#ifndef BERT_BERTDIR_H
#define BERT_BERTDIR_H

#include "07_bert/hfdir.h"
#include "07_bert/model.h"
#include "07_bert/tokenizer.h"

/* DIR/vocab.txt, lower-casing as DIR/tokenizer_config.json's "do_lower_case" says (true when the
 * file or the field is absent, as BertTokenizer's default). Returns 0 or -1 with err set. */
int bert_dir_load_tokenizer(const char *dir, BertTokenizer *t, char *err);
/* Write DIR/vocab.txt and DIR/tokenizer_config.json (do_lower_case, model_max_length = max_len,
 * tokenizer_class), atomically; DIR is created if needed. Returns 0 or -1 with err set. */
int bert_dir_save_tokenizer(const char *dir, const BertTokenizer *t, int max_len, char *err);
/* Tokenizer and model (bert_load_dir with maxB x maxT; maxT 0 = max_position_embeddings), checked
 * against each other. On failure both are freed. Returns 0 or -1 with err set. */
int bert_dir_open(const char *dir, Bert *m, BertTokenizer *t, int maxB, int maxT, SafeTensors *extra, char *err);
/* Model, then tokenizer, into DIR. Returns 0 or -1 with err set. */
int bert_dir_save(const char *dir, const Bert *m, const BertTokenizer *t, const StTensorRef *extra, int nextra,
                  char *err);

#endif
