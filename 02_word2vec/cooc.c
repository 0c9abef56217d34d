/* cooc.c - chapter 02: counting which words occur near which, the input of GloVe (glove.c).
 *
 * What it teaches: the count-based view of the same window word2vec slides. Instead of
 * predicting neighbours one window at a time, count once how often each pair of words occurs
 * together, weighting a pair at distance d by 1/d (GloVe's choice, Pennington et al. 2014: near
 * words say more), and fit the vectors to those counts afterwards. The whole corpus becomes one
 * sparse V x V matrix; on the King James Bible (777k words kept, V = 5323) a window of 10 gives
 * 1.28 million non-zeros out of 28 million cells.
 *
 * How it counts, in bounded memory, as GloVe's `cooccur` tool does: the sums live in a hash table
 * keyed by the pair, each unordered pair once (the matrix is symmetric; the full matrix is written
 * out at the end). When the table reaches its memory bound, its entries are sorted by pair and
 * written out as one sorted chunk, and counting starts again with an empty table. At
 * the end the chunks are merged like the merge step of merge sort - always take the smallest
 * (i, j) at the head of any chunk, summing equal pairs - so a corpus far larger than memory can be
 * counted with a table of any size. A corpus that fits needs no chunk at all.
 *
 * Builds on: word2vec.c's corpus (the text as vocabulary ids, lines ended by W2V_EOL).
 * Leaves out: GloVe's dense array for the most frequent pairs (a speed-up), and streaming the
 * result to training from disk (the merged non-zeros are returned in memory: 12 bytes each).
 */
#include "cooc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* One slot of the counting table, and one record of a chunk file: the pair as i << 32 | j (so
 * sorting the keys sorts by i, then j) and its sum, in double so that the order in which the
 * pieces are added changes nothing a float can show. */
typedef struct {
    uint64_t key;
    double x;
} Slot;
#define EMPTY UINT64_MAX

typedef struct {
    Slot *slot;
    size_t cap, used; /* cap a power of two */
    size_t max_bytes; /* 0: unbounded */
    size_t peak;
    FILE *chunk[COOC_MAX_CHUNKS];
    int nchunks;
    const char *tmpdir;
} Counter;

static size_t slot_index(uint64_t key, size_t cap) {
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static void table_alloc(Counter *t, size_t cap) {
    t->slot = xmalloc(xmul(cap, sizeof(Slot)));
    for (size_t k = 0; k < cap; k++) t->slot[k].key = EMPTY;
    t->cap = cap;
    t->used = 0;
    if (cap * sizeof(Slot) > t->peak) t->peak = cap * sizeof(Slot);
}

static void table_insert(Slot *slot, size_t cap, uint64_t key, double x) {
    size_t k = slot_index(key, cap);
    while (slot[k].key != EMPTY && slot[k].key != key) k = (k + 1) & (cap - 1);
    if (slot[k].key == EMPTY) slot[k].key = key, slot[k].x = 0;
    slot[k].x += x;
}

static int cmp_slot(const void *a, const void *b) {
    uint64_t x = ((const Slot *)a)->key, y = ((const Slot *)b)->key;
    return (x > y) - (x < y);
}

/* Move the used slots to the front and sort them by key; returns how many. The table is then no
 * longer a hash table (table_clear or free follows). */
static size_t table_sorted(Counter *t) {
    size_t n = 0;
    for (size_t k = 0; k < t->cap; k++)
        if (t->slot[k].key != EMPTY) t->slot[n++] = t->slot[k];
    qsort(t->slot, n, sizeof(Slot), cmp_slot);
    return n;
}

static int spill(Counter *t, char *err) {
    if (t->nchunks == COOC_MAX_CHUNKS)
        return set_err(err, "co-occurrence counting: more than %d chunks on disk; raise the memory bound",
                       COOC_MAX_CHUNKS);
    const char *dir = t->tmpdir ? t->tmpdir : getenv("TMPDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/nlpc-cooc-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (!f) {
        if (fd >= 0) close(fd), unlink(path);
        return set_err(err, "cannot create a temporary file %s for co-occurrence chunks", path);
    }
    unlink(path); /* gone from the directory now; the open stream keeps the data until closed */
    size_t n = table_sorted(t);
    if (fwrite(t->slot, sizeof(Slot), n, f) != n || fflush(f) || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return set_err(err, "cannot write a co-occurrence chunk of %zu entries to %s (disk full?)", n,
                       dir && *dir ? dir : "/tmp");
    }
    t->chunk[t->nchunks++] = f;
    for (size_t k = 0; k < t->cap; k++) t->slot[k].key = EMPTY;
    t->used = 0;
    return 0;
}

/* Add x to the pair (i, j): grow the table while it may, spill it once it may not. */
static int add(Counter *t, int32_t i, int32_t j, double x, char *err) {
    if (2 * (t->used + 1) > t->cap) { /* load above 1/2: grow, keeping old and new within the bound */
        size_t grown = 2 * t->cap;
        if (!t->max_bytes || (t->cap + grown) * sizeof(Slot) <= t->max_bytes) {
            Slot *old = t->slot;
            size_t oldcap = t->cap, used = t->used;
            table_alloc(t, grown);
            for (size_t k = 0; k < oldcap; k++)
                if (old[k].key != EMPTY) table_insert(t->slot, t->cap, old[k].key, old[k].x);
            t->used = used;
            free(old);
        } else if (4 * (t->used + 1) > 3 * t->cap) { /* load above 3/4 and no room to grow */
            if (spill(t, err)) return -1;
        }
    }
    uint64_t key = (uint64_t)(uint32_t)i << 32 | (uint32_t)j;
    size_t k = slot_index(key, t->cap);
    while (t->slot[k].key != EMPTY && t->slot[k].key != key) k = (k + 1) & (t->cap - 1);
    if (t->slot[k].key == EMPTY) t->slot[k].key = key, t->slot[k].x = 0, t->used++;
    t->slot[k].x += x;
    return 0;
}

static void push_entry(Cooc *m, size_t *cap, uint64_t key, double x) {
    if (m->n == *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        m->e = xrealloc(m->e, xmul(*cap, sizeof(CoocEntry)));
    }
    m->e[m->n].i = (int32_t)(key >> 32);
    m->e[m->n].j = (int32_t)(key & 0xFFFFFFFFu);
    m->e[m->n].x = (float)x;
    m->n++;
}

/* The k-way merge: a binary min-heap of the chunks' head records, ordered by key. */
typedef struct {
    Slot head;
    int chunk;
} Head;

static void sift_down(Head *h, int n, int k) {
    for (;;) {
        int l = 2 * k + 1, r = l + 1, s = k;
        if (l < n && h[l].head.key < h[s].head.key) s = l;
        if (r < n && h[r].head.key < h[s].head.key) s = r;
        if (s == k) return;
        Head tmp = h[k];
        h[k] = h[s], h[s] = tmp;
        k = s;
    }
}

static int merge_chunks(Counter *t, Cooc *m, char *err) {
    Head *h = xmalloc(sizeof(Head) * (size_t)t->nchunks);
    int n = 0;
    for (int c = 0; c < t->nchunks; c++)
        if (fread(&h[n].head, sizeof(Slot), 1, t->chunk[c]) == 1) h[n++].chunk = c;
    for (int k = n / 2 - 1; k >= 0; k--) sift_down(h, n, k);
    size_t cap = 0;
    uint64_t key = EMPTY;
    double sum = 0;
    while (n > 0) {
        if (h[0].head.key != key) {
            if (key != EMPTY) push_entry(m, &cap, key, sum);
            key = h[0].head.key, sum = 0;
        }
        sum += h[0].head.x;
        if (fread(&h[0].head, sizeof(Slot), 1, t->chunk[h[0].chunk]) != 1) {
            if (ferror(t->chunk[h[0].chunk])) {
                free(h);
                return set_err(err, "cannot read back a co-occurrence chunk");
            }
            h[0] = h[--n];
        }
        sift_down(h, n, 0);
    }
    if (key != EMPTY) push_entry(m, &cap, key, sum);
    free(h);
    return 0;
}

static int cmp_entry(const void *a, const void *b) {
    const CoocEntry *x = a, *y = b;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    return (x->j > y->j) - (x->j < y->j);
}

/* The upper triangle (i <= j, each unordered pair's sum) to the full symmetric matrix: (i, j) and
 * (j, i) both get the sum; the diagonal gets it twice (the pair counted both ways round). */
static void expand(const Cooc *half, Cooc *m) {
    size_t n = 0;
    for (size_t k = 0; k < half->n; k++) n += half->e[k].i == half->e[k].j ? 1 : 2;
    m->e = xmalloc(xmul(n ? n : 1, sizeof(CoocEntry)));
    m->n = 0;
    for (size_t k = 0; k < half->n; k++) {
        CoocEntry e = half->e[k];
        if (e.i == e.j) {
            e.x *= 2;
            m->e[m->n++] = e;
        } else {
            m->e[m->n++] = e;
            m->e[m->n++] = (CoocEntry){e.j, e.i, e.x};
        }
    }
    qsort(m->e, m->n, sizeof(CoocEntry), cmp_entry);
}

int cooc_count(Cooc *m, const W2vCorpus *c, int window, size_t max_bytes, const char *tmpdir, char *err) {
    memset(m, 0, sizeof *m);
    if (window < 1 || window > 64) return set_err(err, "co-occurrence window %d outside 1..64", window);
    Counter t;
    memset(&t, 0, sizeof t);
    t.max_bytes = max_bytes && max_bytes < COOC_MIN_BYTES ? COOC_MIN_BYTES : max_bytes;
    t.tmpdir = tmpdir;
    table_alloc(&t, COOC_MIN_BYTES / sizeof(Slot) / 2);
    int rc = 0;
    /* Each pair at distance d within a line adds 1/d to X[u][v] and to X[v][u]. The table holds
     * each unordered pair once, under (min, max), which halves the work; expand() writes both
     * halves of the symmetric matrix at the end. */
    size_t line = 0;
    for (size_t p = 0; p < c->n && !rc; p++) {
        int32_t w = c->ids[p];
        if (w == W2V_EOL) {
            line = p + 1;
            continue;
        }
        for (int d = 1; d <= window && p >= line + (size_t)d && !rc; d++) {
            int32_t v = c->ids[p - (size_t)d];
            rc = add(&t, w < v ? w : v, w < v ? v : w, 1.0 / d, err);
        }
    }
    Cooc half = {0};
    if (!rc && t.nchunks == 0) { /* all in memory: sort the table and we are done */
        size_t n = table_sorted(&t), cap = 0;
        for (size_t k = 0; k < n; k++) push_entry(&half, &cap, t.slot[k].key, t.slot[k].x);
    } else if (!rc) {
        if (t.used) rc = spill(&t, err);
        free(t.slot), t.slot = NULL;
        if (!rc) rc = merge_chunks(&t, &half, err);
    }
    free(t.slot);
    for (int k = 0; k < t.nchunks; k++) fclose(t.chunk[k]);
    if (!rc) expand(&half, m);
    cooc_free(&half);
    m->V = c->vocab->n;
    m->chunks = t.nchunks;
    m->table_peak = t.peak;
    if (rc) cooc_free(m);
    return rc ? -1 : 0;
}

void cooc_free(Cooc *m) {
    free(m->e);
    memset(m, 0, sizeof *m);
}

float cooc_get(const Cooc *m, int32_t i, int32_t j) {
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const CoocEntry *e = &m->e[mid];
        if (e->i < i || (e->i == i && e->j < j)) lo = mid + 1;
        else hi = mid;
    }
    return lo < m->n && m->e[lo].i == i && m->e[lo].j == j ? m->e[lo].x : 0.0f;
}
