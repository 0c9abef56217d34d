/* fuzz_corpus.c - the training-text reader (common/corpus.h): it returns valid UTF-8 or refuses
 * (binary, invalid UTF-8, empty) with a message. */
#include <stdlib.h>

#include "corpus.h"
#include "fuzz.h"
#include "utf8.h"
#include "util.h"

int fuzz_corpus(const uint8_t *data, size_t size) {
    char err[ERR_LEN] = "";
    size_t len = 0;
    char *text = corpus_parse((const char *)data, size, "input", &len, err);
    fuzz_expect_message(text == NULL, err);
    if (text && utf8_validate(text, len, NULL, NULL) != 0) abort();
    free(text);
    return 0;
}
FUZZ_ENTRY_POINT(corpus)
