/* fuzz_vocab.c - vocabulary files (common/vocab.h, vocab_load): any bytes load or are refused
 * with a message; a loaded vocabulary finds each of its own words at its own id. */
#include <stdlib.h>

#include "fuzz.h"
#include "util.h"
#include "vocab.h"

int fuzz_vocab(const uint8_t *data, size_t size) {
    char err[ERR_LEN] = "";
    Vocab *v = vocab_parse((const char *)data, size, "input", err);
    fuzz_expect_message(v == NULL, err);
    if (v) {
        for (int i = 0; i < v->n; i++)
            if (vocab_find_str(v, v->words[i]) != i) abort();
        vocab_free(v);
    }
    return 0;
}
FUZZ_ENTRY_POINT(vocab)
