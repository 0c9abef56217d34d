/* fuzz_tsv.c - the classification TSV reader of chapter 07 (07_bert/finetune_data.h): any bytes
 * give labelled examples or a message naming the line. tsv_read is corpus_read + tsv_parse; here
 * the same two steps run on the bytes in memory (corpus_parse + tsv_parse). */
#include <stdlib.h>

#include "07_bert/finetune_data.h"
#include "corpus.h"
#include "fuzz.h"
#include "util.h"

int fuzz_tsv(const uint8_t *data, size_t size) {
    char err[ERR_LEN] = "";
    TsvData d;
    size_t len = 0;
    char *text = corpus_parse((const char *)data, size, "input", &len, err);
    fuzz_expect_message(text == NULL, err);
    if (!text) return 0;
    int rc = tsv_parse(text, len, "input", &d, err);
    free(text);
    fuzz_expect_message(rc != 0, err);
    if (rc == 0) tsv_free(&d);
    return 0;
}
FUZZ_ENTRY_POINT(tsv)
