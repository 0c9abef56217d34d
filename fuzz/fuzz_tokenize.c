/* fuzz_tokenize.c - the word/character tokenizer and the sentence splitter (common/tokenize.h) on
 * any bytes: every token it emits is non-empty valid UTF-8 without white space, and both modes and
 * both sentence rules run to the end. */
#include <stdlib.h>

#include "fuzz.h"
#include "tokenize.h"
#include "utf8.h"

static void check_token(const char *tok, size_t len, void *ctx) {
    (void)ctx;
    if (len == 0 || utf8_validate(tok, len, NULL, NULL) != 0) abort();
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int n = utf8_decode(tok + i, len - i, &cp);
        if (n < 1 || utf8_is_space(cp)) abort();
        i += (size_t)n;
    }
}

static void check_sentence(const char *s, size_t len, void *ctx) {
    (void)s;
    (void)ctx;
    if (len == 0) abort();
}

int fuzz_tokenize(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    tokenize(s, size, TOK_WORDS, check_token, NULL);
    tokenize(s, size, TOK_CHARS, check_token, NULL);
    split_sentences(s, size, check_sentence, NULL);
    return 0;
}
FUZZ_ENTRY_POINT(tokenize)
