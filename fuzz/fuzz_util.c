/* fuzz_util.c - what the harnesses share: a private temporary file, and the message check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static char tmp_path[64];

static void remove_tmp(void) {
    if (tmp_path[0]) unlink(tmp_path);
}

const char *fuzz_file(const uint8_t *data, size_t size) {
    if (!tmp_path[0]) {
        snprintf(tmp_path, sizeof tmp_path, "/tmp/nlpc-fuzz-%ld.bin", (long)getpid());
        atexit(remove_tmp);
    }
    FILE *f = fopen(tmp_path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
        perror(tmp_path);
        abort();
    }
    return tmp_path;
}

void fuzz_expect_message(int failed, const char *err) {
    if (failed && (!err || !err[0])) {
        fprintf(stderr, "fuzz: a reader refused the input without a message\n");
        abort();
    }
}
