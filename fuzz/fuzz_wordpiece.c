/* fuzz_wordpiece.c - BERT's tokenizer (07_bert/tokenizer.h) on any bytes: the first half of the
 * input is read as a vocab.txt (bert_tok_parse: accepted, or refused with a message naming the
 * line), the second half is encoded with it and with the fixed test vocabulary; every id is in
 * range, and decoding the ids gives valid UTF-8. Encoding costs far more per byte than reading a
 * vocabulary, so each byte is encoded at most twice, never the vocabulary half. */
#include <stdlib.h>
#include <string.h>

#include "07_bert/tokenizer.h"
#include "fuzz.h"
#include "utf8.h"
#include "util.h"

static void encode_check(const BertTokenizer *t, const char *text, size_t len) {
    BertIds ids = {0};
    int n = bert_tok_encode(t, text, len, &ids);
    if (n != ids.n) abort();
    for (int i = 0; i < ids.n; i++)
        if (ids.ids[i] < 0 || ids.ids[i] >= t->n) abort();
    char *s = bert_tok_decode(t, ids.ids, ids.n, 0);
    if (!s || utf8_validate(s, strlen(s), NULL, NULL) != 0) abort();
    free(s);
    bert_ids_free(&ids);
}

int fuzz_wordpiece(const uint8_t *data, size_t size) {
    static BertTokenizer fixed;
    static int have_fixed;
    char err[ERR_LEN] = "";
    if (!have_fixed) {
        static const char *const toks[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "un", "##aff",
                                           "##able", "a", "##b", "北", "京", "!", ",", "##s", "é", "x", "##x"};
        if (bert_tok_from_list(&fixed, toks, (int)(sizeof toks / sizeof *toks), 1, err)) abort();
        have_fixed = 1;
    }
    size_t half = size / 2;
    const char *text = (const char *)data + half;
    BertTokenizer t;
    int rc = bert_tok_parse(&t, (const char *)data, half, "input", 1, err);
    fuzz_expect_message(rc != 0, err);
    if (rc == 0) {
        encode_check(&t, text, size - half);
        bert_tok_free(&t);
    }
    encode_check(&fixed, text, size - half);
    return 0;
}
FUZZ_ENTRY_POINT(wordpiece)
