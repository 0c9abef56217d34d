/* fuzz_tsv.c - the classification TSV reader of chapter 07 (07_bert/finetune_data.h): any bytes
 * give labelled examples or a message naming the line. */
#include "07_bert/finetune_data.h"
#include "fuzz.h"
#include "util.h"

int fuzz_tsv(const uint8_t *data, size_t size) {
    char err[ERR_LEN] = "";
    TsvData d;
    int rc = tsv_read(fuzz_file(data, size), &d, err);
    fuzz_expect_message(rc != 0, err);
    if (rc == 0) tsv_free(&d);
    return 0;
}
FUZZ_ENTRY_POINT(tsv)
