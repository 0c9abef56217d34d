/* fuzz_tatoeba.c - the parallel-text TSV reader of chapter 05 (05_seq2seq_attention/tasks.h),
 * which chapter 06 shares: any bytes load or are refused with a message naming the line. */
#include "05_seq2seq_attention/tasks.h"
#include "fuzz.h"
#include "util.h"

int fuzz_tatoeba(const uint8_t *data, size_t size) {
    char err[ERR_LEN] = "";
    Task t;
    TatoebaOptions o = tatoeba_defaults();
    o.min_count = 1;
    int rc = task_parse_tatoeba(&t, (const char *)data, size, "input", &o, err);
    fuzz_expect_message(rc != 0, err);
    if (rc == 0) task_free(&t);
    return 0;
}
FUZZ_ENTRY_POINT(tatoeba)
