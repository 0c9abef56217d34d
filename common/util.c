/* util.c - see util.h. */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void (*die_hook)(void);

void set_die_hook(void (*hook)(void)) { die_hook = hook; }

void die(const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (die_hook) die_hook();
    exit(1);
}

int set_err(char *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, ERR_LEN, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void die_oom(size_t n, const char *file, int line) {
    char b[32];
    die("out of memory: could not allocate %s (%zu bytes) at %s:%d; hint: lower the model or batch "
        "size",
        format_bytes((double)n, b, sizeof b), n, file, line);
}

void *xmalloc_at(size_t n, const char *file, int line) {
    void *p = malloc(n ? n : 1);
    if (!p) die_oom(n, file, line);
    return p;
}

void *xcalloc_at(size_t n, size_t size, const char *file, int line) {
    if (size && n > SIZE_MAX / size) die_oom(SIZE_MAX, file, line);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) die_oom(n * size, file, line);
    return p;
}

void *xrealloc_at(void *p, size_t n, const char *file, int line) {
    void *q = realloc(p, n ? n : 1);
    if (!q) die_oom(n, file, line);
    return q;
}

char *xstrdup_at(const char *s, const char *file, int line) {
    size_t n = strlen(s) + 1;
    char *p = xmalloc_at(n, file, line);
    memcpy(p, s, n);
    return p;
}

size_t xmul(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) die("size overflow: %zu x %zu elements does not fit in memory", n, size);
    return n * size;
}

FILE *xfopen_at(const char *path, const char *mode, const char *file, int line) {
    FILE *f = fopen(path, mode);
    if (!f) {
        int e = errno;
        die("cannot open '%s' for %s: %s (at %s:%d); hint: check the path and its permissions", path,
            mode[0] == 'r' ? "reading" : "writing", strerror(e), file, line);
    }
    return f;
}

void xfwrite_at(const void *p, size_t size, size_t n, FILE *f, const char *path, const char *file,
                int line) {
    if (n && fwrite(p, size, n, f) != n)
        die("cannot write to '%s': %s (at %s:%d); hint: is the disk full?", path, strerror(errno), file,
            line);
}

void xfclose_at(FILE *f, const char *path, const char *file, int line) {
    if (fclose(f) != 0)
        die("cannot finish writing '%s': %s (at %s:%d); hint: is the disk full?", path, strerror(errno),
            file, line);
}

char *read_file(const char *path, size_t *len, char *err) {
    struct stat st;
    if (stat(path, &st) != 0) {
        set_err(err, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        set_err(err, "'%s' is a directory, not a file", path);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) buf = xrealloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        set_err(err, "cannot read '%s': %s", path, strerror(EIO));
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int atomic_open(AtomicFile *af, const char *path, char *err) {
    af->path = xstrdup(path);
    size_t n = strlen(path) + 32;
    af->tmp = xmalloc(n);
    snprintf(af->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    af->f = fopen(af->tmp, "wb");
    if (!af->f) {
        int e = errno;
        set_err(err, "cannot write '%s': %s", af->tmp, strerror(e));
        free(af->path);
        free(af->tmp);
        af->path = af->tmp = NULL;
        return -1;
    }
    return 0;
}

static void atomic_free(AtomicFile *af) {
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    af->f = NULL;
}

int atomic_commit(AtomicFile *af, char *err) {
    int bad = ferror(af->f) || fflush(af->f) != 0;
    int e = errno;
    if (!bad && fsync(fileno(af->f)) != 0 && errno != EINVAL && errno != EROFS) bad = 1, e = errno;
    if (fclose(af->f) != 0 && !bad) bad = 1, e = errno;
    af->f = NULL;
    if (!bad && rename(af->tmp, af->path) != 0) bad = 1, e = errno;
    if (bad) {
        set_err(err, "cannot write '%s': %s (the previous file, if any, is untouched)", af->path,
                strerror(e));
        remove(af->tmp);
        atomic_free(af);
        return -1;
    }
    atomic_free(af);
    return 0;
}

void atomic_abort(AtomicFile *af) {
    if (af->f) fclose(af->f);
    if (af->tmp) remove(af->tmp);
    atomic_free(af);
}

int make_dirs(const char *path, char *err) {
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return set_err(err, "bad directory name '%s'", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return set_err(err, "cannot create directory '%s': %s", buf, strerror(errno));
            buf[i] = c;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return set_err(err, "'%s' exists and is not a directory", path);
    return 0;
}

int parse_long(const char *s, long lo, long hi, long *out, const char *what, char *err) {
    if (!s || !*s) return set_err(err, "%s: missing value", what);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end != '\0') return set_err(err, "%s: '%s' is not an integer", what, s);
    if (errno == ERANGE || v < lo || v > hi)
        return set_err(err, "%s: %s is out of range [%ld, %ld]", what, s, lo, hi);
    *out = v;
    return 0;
}

int parse_double(const char *s, double lo, double hi, double *out, const char *what, char *err) {
    if (!s || !*s) return set_err(err, "%s: missing value", what);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0') return set_err(err, "%s: '%s' is not a number", what, s);
    if (errno == ERANGE || !isfinite(v) || v < lo || v > hi)
        return set_err(err, "%s: %s is out of range [%g, %g]", what, s, lo, hi);
    *out = v;
    return 0;
}

const char *format_bytes(double bytes, char *buf, size_t buflen) {
    const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 5) bytes /= 1024.0, u++;
    if (u == 0) snprintf(buf, buflen, "%.0f B", bytes);
    else snprintf(buf, buflen, "%.2f %s", bytes, unit[u]);
    return buf;
}
