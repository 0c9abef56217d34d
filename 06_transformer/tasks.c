/* tasks.c - see tasks.h: the digit-reversal task. */
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void toy_reverse_make(ToyPairs *t, int n, int min_len, int max_len, Rng *rng) {
    if (n < 1 || min_len < 1 || max_len < min_len) die("toy task: %d pairs of lengths %d-%d", n, min_len, max_len);
    memset(t, 0, sizeof *t);
    t->set.n = n;
    t->set.pairs = xmalloc(sizeof(Pair) * (size_t)n);
    t->ids = xmalloc(sizeof(int) * 2 * (size_t)n * (size_t)max_len);
    int *p = t->ids;
    for (int i = 0; i < n; i++) {
        int len = min_len + (int)rng_below(rng, (uint64_t)(max_len - min_len + 1));
        int *src = p, *tgt = p + len;
        for (int j = 0; j < len; j++) src[j] = TOY_FIRST_DIGIT + (int)rng_below(rng, 10);
        for (int j = 0; j < len; j++) tgt[j] = src[len - 1 - j];
        t->set.pairs[i] = (Pair){src, tgt, len, len};
        p += 2 * len;
    }
}

void toy_pairs_free(ToyPairs *t) {
    free(t->set.pairs), free(t->ids);
    memset(t, 0, sizeof *t);
}

const char *toy_ids_str(const int *ids, int n, char *buf, size_t buflen) {
    static const char *const special[3] = {"<pad>", "<bos>", "<eos>"};
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < n && used + 6 < buflen; i++) {
        if (ids[i] >= 0 && ids[i] < TOY_FIRST_DIGIT) used += (size_t)snprintf(buf + used, buflen - used, "%s", special[ids[i]]);
        else buf[used++] = (char)('0' + ids[i] - TOY_FIRST_DIGIT), buf[used] = 0;
    }
    return buf;
}

int toy_parse(const char *s, int *ids, int max) {
    int n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n == max) return -1;
        ids[n++] = TOY_FIRST_DIGIT + (*s - '0');
    }
    return n;
}
