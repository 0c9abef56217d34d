/* fuzz_util.c - what the harnesses share: a private temporary file, and the message check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static char tmp_path[64];

static char tmp_dir[64];
static char dir_files[8][128];
static int ndir_files;

static void remove_tmp(void) {
    if (tmp_path[0]) unlink(tmp_path);
    for (int i = 0; i < ndir_files; i++) unlink(dir_files[i]);
    if (tmp_dir[0]) rmdir(tmp_dir);
}

static void write_bytes(const char *path, const uint8_t *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
        perror(path);
        abort();
    }
}

const char *fuzz_dir(void) {
    if (!tmp_dir[0]) {
        snprintf(tmp_dir, sizeof tmp_dir, "/tmp/nlpc-fuzz-dir-%ld", (long)getpid());
        if (mkdir(tmp_dir, 0700) && errno != EEXIST) {
            perror(tmp_dir);
            abort();
        }
        if (!tmp_path[0]) atexit(remove_tmp);
    }
    return tmp_dir;
}

const char *fuzz_file_in(const char *name, const uint8_t *data, size_t size) {
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    int known = 0;
    for (int i = 0; i < ndir_files; i++) known |= !strcmp(dir_files[i], path);
    if (!known && ndir_files < 8) snprintf(dir_files[ndir_files++], sizeof dir_files[0], "%s", path);
    write_bytes(path, data, size);
    return path;
}

const char *fuzz_file(const uint8_t *data, size_t size) {
    if (!tmp_path[0]) {
        if (!tmp_dir[0]) atexit(remove_tmp);
        snprintf(tmp_path, sizeof tmp_path, "/tmp/nlpc-fuzz-%ld.bin", (long)getpid());
    }
    write_bytes(tmp_path, data, size);
    return tmp_path;
}

void fuzz_expect_message(int failed, const char *err) {
    if (failed && (!err || !err[0])) {
        fprintf(stderr, "fuzz: a reader refused the input without a message\n");
        abort();
    }
}
