/* fuzz_w2v_vectors.c - word2vec .bin / .txt vector files (02_word2vec/vectors.h): any bytes load
 * or are refused with a message naming the entry; loaded vectors are finite. */
#include <math.h>
#include <stdlib.h>

#include "02_word2vec/vectors.h"
#include "fuzz.h"
#include "util.h"

int fuzz_w2v_vectors(const uint8_t *data, size_t size) {
    char err[ERR_LEN] = "";
    WordVectors *wv = wv_parse((const char *)data, size, "input", NULL, err);
    fuzz_expect_message(wv == NULL, err);
    if (wv) {
        for (size_t i = 0; i < (size_t)wv->n * (size_t)wv->dim; i++)
            if (!isfinite(wv->vec[i])) abort();
        wv_free(wv);
    }
    return 0;
}
FUZZ_ENTRY_POINT(w2v_vectors)
