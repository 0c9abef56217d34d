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
 * The harness list is fuzz/harnesses.inc: one FUZZ(NAME) line each. */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H
#include <stddef.h>
#include <stdint.h>

#define FUZZ(name) int fuzz_##name(const uint8_t *data, size_t size);
#include "harnesses.inc"
#undef FUZZ

/* For readers that take a path: the bytes written to a temporary file private to this process
 * (the same name on every call; removed at exit). Returns the path. */
const char *fuzz_file(const uint8_t *data, size_t size);

/* The same into a file called name inside a temporary directory private to this process (for
 * readers of model directories); the directory's path is returned by fuzz_dir. */
const char *fuzz_file_in(const char *name, const uint8_t *data, size_t size);
const char *fuzz_dir(void);

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
