/* fuzz_bert_dir.c - a model directory's model.safetensors (07_bert/hfdir.h: bert_parse_weights,
 * what bert_load_dir runs on the file after bert_load_config) beside the config.json of a tiny
 * model: any bytes load into a model or are refused with a message naming the tensor or the byte.
 *
 * The model is as small as BERT gets (one layer of 4, vocabulary 6, 5 positions: 251 weights in
 * 30 tensors, as the seeds hold them), so an input is mostly its 3 KB of JSON header, which is
 * what the reader checks, rather than weights the mutations would be spent on. The config is
 * parsed once (fuzz_bert_config fuzzes that reader). */
#include <stdlib.h>
#include <string.h>

#include "07_bert/hfdir.h"
#include "fuzz.h"
#include "util.h"

int fuzz_bert_dir(const uint8_t *data, size_t size) {
    static const char config[] =
        "{\"vocab_size\": 6, \"hidden_size\": 4, \"num_hidden_layers\": 1, \"num_attention_heads\": 2, "
        "\"intermediate_size\": 3, \"max_position_embeddings\": 5, \"type_vocab_size\": 2, "
        "\"hidden_act\": \"gelu\", \"layer_norm_eps\": 1e-12}";
    static BertConfig c;
    static int have_config;
    char err[ERR_LEN] = "";
    if (!have_config) {
        if (bert_parse_config(config, strlen(config), "input/config.json", &c, err)) abort();
        have_config = 1;
    }
    Bert m;
    int rc = bert_parse_weights(&c, data, size, "input", &m, 1, 0, NULL, err);
    fuzz_expect_message(rc != 0, err);
    if (rc == 0) bert_free(&m);
    return 0;
}
FUZZ_ENTRY_POINT(bert_dir)
