/* corpus.c - see corpus.h. */
#include "corpus.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

/* Is the (valid UTF-8) text nothing but white space? */
static int all_space(const char *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int n = utf8_decode(s + i, len - i, &cp);
        if (n < 0 || !utf8_is_space(cp)) return 0;
        i += (size_t)n;
    }
    return 1;
}

/* Check and clean buf[0..n), malloc'd with room for a NUL at buf[n], called path in the messages.
 * Takes ownership: returns buf, cleaned in place, or frees it and returns NULL. */
static char *corpus_clean(char *buf, size_t n, const char *path, size_t *len, char *err) {
    if (n == 0) {
        set_err(err, "'%s' is empty; a corpus needs some text", path);
        free(buf);
        return NULL;
    }
    const unsigned char *u = (const unsigned char *)buf;
    const char *nul = memchr(buf, '\0', n);
    if (nul) {
        const char *hint = "";
        if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
            hint = "; it starts with a UTF-16 byte-order mark: convert it with "
                   "'iconv -f UTF-16 -t UTF-8'";
        set_err(err, "'%s' looks binary: NUL byte at offset %zu%s", path, (size_t)(nul - buf), hint);
        free(buf);
        return NULL;
    }
    size_t bad_off, bad_line;
    if (utf8_validate(buf, n, &bad_off, &bad_line) != 0) {
        char bytes[16] = "";
        size_t show = n - bad_off < 4 ? n - bad_off : 4;
        for (size_t i = 0; i < show; i++)
            snprintf(bytes + 3 * i, sizeof bytes - 3 * i, "%s%02x", i ? " " : "", u[bad_off + i]);
        set_err(err,
                "%s:%zu: invalid UTF-8 at byte offset %zu (bytes %s); hint: if the file is GBK, "
                "Big5 or Latin-1, convert it with 'iconv -f GBK -t UTF-8' (or the right source "
                "encoding)",
                path, bad_line, bad_off, bytes);
        free(buf);
        return NULL;
    }
    /* Strip the BOM, and turn CRLF and lone CR into LF, in one pass that only shrinks. */
    size_t r = (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) ? 3 : 0, w = 0;
    /* Most files have no CR: move the text up to the first one in one go. */
    const char *cr = memchr(buf + r, '\r', n - r);
    size_t plain = cr ? (size_t)(cr - buf) - r : n - r;
    memmove(buf, buf + r, plain);
    r += plain, w += plain;
    while (r < n) {
        char c = buf[r++];
        if (c == '\r') {
            if (r < n && buf[r] == '\n') r++;
            c = '\n';
        }
        buf[w++] = c;
    }
    buf[w] = '\0';
    if (all_space(buf, w)) {
        set_err(err, "'%s' holds only white space; a corpus needs some text", path);
        free(buf);
        return NULL;
    }
    *len = w;
    return buf;
}

char *corpus_read(const char *path, size_t *len, char *err) {
    size_t n;
    char *buf = read_file(path, &n, err);
    if (!buf) return NULL;
    return corpus_clean(buf, n, path, len, err);
}

char *corpus_parse(const char *data, size_t size, const char *name, size_t *len, char *err) {
    char *buf = xmalloc(size + 1);
    if (size) memcpy(buf, data, size);
    buf[size] = '\0';
    return corpus_clean(buf, size, name, len, err);
}
