/* fuzz.h - fuzz harnesses for every reader of outside data (issue 9).
 *
 * Each fuzz/fuzz_NAME.c defines `int fuzz_NAME(const uint8_t *data, size_t size)`, which feeds the
 * bytes to one reader and checks what it promises (no crash, no leak, an error message whenever
 * it refuses). Two programs use them:
 *  - `make fuzz` builds each file with -DFUZZ_ENTRY (which adds libFuzzer's entry point) under
 *    clang's -fsanitize=fuzzer,address,undefined and runs it for FUZZ_SECONDS from fuzz/seeds/NAME;
 *    a crash is saved in fuzz/regress/NAME/;
 *  - `make test` (tests/test_fuzz_regress.c) replays every file of fuzz/seeds/NAME and
 *    fuzz/regress/NAME through the same function, so a crash found once stays fixed.
 * The harness list is fuzz/harnesses.inc: one FUZZ(NAME) line each.
 *
 * Every harness runs in memory: each reader of files has an entry point that takes the bytes
 * (corpus_parse, vocab_parse, checkpoint_parse, wv_parse, task_parse_tatoeba, bert_parse_config,
 * bert_parse_weights, bert_tok_parse, beside st_parse and json_parse), and the function that
 * takes a path is that entry point after read_file. So the fuzzer runs the parsing code the
 * programs run, without writing a file per input (which took far longer than the parsing). */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H
#include <stddef.h>
#include <stdint.h>

#define FUZZ(name) int fuzz_##name(const uint8_t *data, size_t size);
#include "harnesses.inc"
#undef FUZZ

/* Abort (a crash the fuzzer reports) when a reader refused input without saying why. */
void fuzz_expect_message(int failed, const char *err);

#ifdef FUZZ_ENTRY
#define FUZZ_ENTRY_POINT(name)                                                                     \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_##name(data, size); }
#else
#define FUZZ_ENTRY_POINT(name)
#endif

#endif
