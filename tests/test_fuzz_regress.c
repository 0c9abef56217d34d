/* test_fuzz_regress.c - replays the fuzz harnesses' seed corpora and every input that once
 * crashed a reader (fuzz/seeds/NAME/ and fuzz/regress/NAME/, see fuzz/fuzz.h), so `make test`
 * (and `make asan`, where a memory error is a failure) keeps them fixed without a fuzzer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "testutil.h"
#include "util.h"

typedef int (*FuzzFn)(const uint8_t *, size_t);

/* Feed every file of dir to fn; returns how many (0 for a missing directory). */
static int replay_dir(const char *dir, FuzzFn fn) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char err[ERR_LEN];
        size_t len = 0;
        char *buf = read_file(path, &len, err);
        ck_assert_msg(buf != NULL, "%s", err);
        fn((const uint8_t *)buf, len);
        free(buf);
        count++;
    }
    closedir(d);
    return count;
}

#define FUZZ(name)                                                                                 \
    START_TEST(test_replay_##name) {                                                               \
        int seeds = replay_dir("fuzz/seeds/" #name, fuzz_##name);                                  \
        replay_dir("fuzz/regress/" #name, fuzz_##name);                                            \
        ck_assert_msg(seeds > 0, "no seed inputs in fuzz/seeds/" #name);                           \
        /* and the empty input, which every reader must refuse or accept cleanly */                \
        fuzz_##name((const uint8_t *)"", 0);                                                       \
    }                                                                                              \
    END_TEST
#include "fuzz/harnesses.inc"
#undef FUZZ

Suite *fuzz_regress_suite(void) {
    Suite *s = suite_create("fuzz_regress");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
#define FUZZ(name) tcase_add_test(tc, test_replay_##name);
#include "fuzz/harnesses.inc"
#undef FUZZ
    suite_add_tcase(s, tc);
    return s;
}
