/* util.h - checked allocation, checked file I/O, error reporting, atomic writes.
 *
 * Two error styles, on purpose:
 *  - Programs call the x* wrappers and die(): on failure they print one line that names the
 *    problem, where in the source it was noticed and a hint, then exit(1). Never exit(0) on error.
 *  - Readers of outside data (files a user hands us) instead return -1 and write a message into a
 *    caller's buffer (char err[ERR_LEN]), so tests can check each rejection without exiting.
 */
#ifndef COMMON_UTIL_H
#define COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ERR_LEN 512

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(a, b)
#define NORETURN
#endif

/* Print "error: <message>" to stderr and exit(1). */
NORETURN void die(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* A function die() calls after printing and before exit(1) (NULL: none). A multi-process program
 * uses it to stop its other processes (07_bert/dist.h: MPI_Abort) instead of leaving them waiting. */
void set_die_hook(void (*hook)(void));
/* Write a message into err (ERR_LEN bytes, may be NULL) and return -1: `return set_err(err, ...)`. */
int set_err(char *err, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Checked allocation: dies with the size, file and line on failure. Sizes overflow-checked. */
#define xmalloc(n) xmalloc_at((n), __FILE__, __LINE__)
#define xcalloc(n, sz) xcalloc_at((n), (sz), __FILE__, __LINE__)
#define xrealloc(p, n) xrealloc_at((p), (n), __FILE__, __LINE__)
#define xstrdup(s) xstrdup_at((s), __FILE__, __LINE__)
void *xmalloc_at(size_t n, const char *file, int line);
void *xcalloc_at(size_t n, size_t size, const char *file, int line);
void *xrealloc_at(void *p, size_t n, const char *file, int line);
char *xstrdup_at(const char *s, const char *file, int line);
/* n * size, or die if it overflows size_t. */
size_t xmul(size_t n, size_t size);

/* Checked stdio: die with the path, the system's reason, file:line and a hint. */
#define xfopen(path, mode) xfopen_at((path), (mode), __FILE__, __LINE__)
#define xfwrite(p, sz, n, f, path) xfwrite_at((p), (sz), (n), (f), (path), __FILE__, __LINE__)
#define xfclose(f, path) xfclose_at((f), (path), __FILE__, __LINE__)
FILE *xfopen_at(const char *path, const char *mode, const char *file, int line);
void xfwrite_at(const void *p, size_t size, size_t n, FILE *f, const char *path, const char *file,
                int line);
void xfclose_at(FILE *f, const char *path, const char *file, int line);

/* Read a whole regular file into a NUL-terminated buffer (the NUL is not counted in *len).
 * Rejects missing files, directories and unreadable files with a message; returns NULL then. */
char *read_file(const char *path, size_t *len, char *err);

/* Atomic writes: write to "<path>.tmp.<pid>", then rename over <path> on commit, so a crash or
 * a kill mid-write never leaves a half file where a good one was. */
typedef struct {
    FILE *f;
    char *path;
    char *tmp;
} AtomicFile;
/* Returns 0 and af->f open for writing, or -1 with err set. */
int atomic_open(AtomicFile *af, const char *path, char *err);
/* fflush + fsync + fclose + rename. Returns 0, or -1 (temporary removed) with err set. */
int atomic_commit(AtomicFile *af, char *err);
/* Close and remove the temporary; the old file at path stays as it was. */
void atomic_abort(AtomicFile *af);

/* Create a directory and its parents (like mkdir -p). Returns 0 or -1 with err set. */
int make_dirs(const char *path, char *err);

/* Parse a whole string as a number within [lo, hi]; return 0, or -1 (with err naming the flag)
 * for garbage, trailing characters, or out-of-range values. */
int parse_long(const char *s, long lo, long hi, long *out, const char *what, char *err);
int parse_double(const char *s, double lo, double hi, double *out, const char *what, char *err);

/* Human readable byte count: "1.50 GiB". Writes into buf (at least 32 bytes) and returns it. */
const char *format_bytes(double bytes, char *buf, size_t buflen);

#endif
