/* fuzz_bert_dir.c - a model directory's model.safetensors (07_bert/hfdir.h, bert_parse_dir, what
 * bert_load_dir runs on the two files) beside a valid config.json of a tiny model: any bytes load
 * into a model or are refused with a message naming the tensor or the byte. */
#include <string.h>

#include "07_bert/hfdir.h"
#include "fuzz.h"
#include "util.h"

int fuzz_bert_dir(const uint8_t *data, size_t size) {
    static const char config[] =
        "{\"vocab_size\": 20, \"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2, "
        "\"intermediate_size\": 16, \"max_position_embeddings\": 16, \"type_vocab_size\": 2, "
        "\"hidden_act\": \"gelu\", \"layer_norm_eps\": 1e-12}";
    char err[ERR_LEN] = "";
    Bert m;
    int rc = bert_parse_dir(config, strlen(config), data, size, "input", &m, 1, 0, NULL, err);
    fuzz_expect_message(rc != 0, err);
    if (rc == 0) bert_free(&m);
    return 0;
}
FUZZ_ENTRY_POINT(bert_dir)
