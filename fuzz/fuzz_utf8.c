/* fuzz_utf8.c - the UTF-8 decoder and validator (common/utf8.h): on any bytes, validation and
 * decoding must agree: a valid buffer decodes to the end in steps of 1-4 bytes, each code point
 * re-encodes to the same bytes; an invalid one fails to decode exactly at the reported offset. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "utf8.h"

int fuzz_utf8(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    size_t bad = 0, line = 0;
    int valid = utf8_validate(s, size, &bad, &line) == 0;
    size_t end = valid ? size : bad, i = 0, count = 0;
    while (i < end) {
        uint32_t cp;
        int n = utf8_decode(s + i, size - i, &cp);
        if (n < 1 || n > 4) abort();
        char buf[4];
        if (utf8_encode(cp, buf) != n || memcmp(buf, s + i, (size_t)n)) abort();
        (void)utf8_width(cp);
        i += (size_t)n;
        count++;
    }
    if (i != end) abort();
    if (!valid) {
        uint32_t cp;
        if (utf8_decode(s + bad, size - bad, &cp) != -1) abort();
        if (line < 1) abort();
    } else if (utf8_count(s, size) != count) {
        abort();
    }
    return 0;
}
FUZZ_ENTRY_POINT(utf8)
