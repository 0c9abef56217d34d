/* fuzz_util.c - what the harnesses share: the message check. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void fuzz_expect_message(int failed, const char *err) {
    if (failed && (!err || !err[0])) {
        fprintf(stderr, "fuzz: a reader refused the input without a message\n");
        abort();
    }
}
