/* fuzz_bert_config.c - a model directory's config.json (07_bert/hfdir.h, bert_parse_config, what
 * bert_load_config runs on the file): any bytes give a configuration that passes
 * bert_config_check, or a message. */
#include <stdlib.h>

#include "07_bert/hfdir.h"
#include "fuzz.h"
#include "util.h"

int fuzz_bert_config(const uint8_t *data, size_t size) {
    char err[ERR_LEN] = "";
    BertConfig c;
    int rc = bert_parse_config((const char *)data, size, "input/config.json", &c, err);
    fuzz_expect_message(rc != 0, err);
    if (rc == 0 && bert_config_check(&c, err) != 0) abort();
    return 0;
}
FUZZ_ENTRY_POINT(bert_config)
