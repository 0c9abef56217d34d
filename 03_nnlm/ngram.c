/* ngram.c - chapter 03: the n-gram language model with interpolated modified Kneser-Ney smoothing.
 *
 * What it teaches (claim C6, the article's "neural network language model" section): a language
 * model scores a sentence as a product of conditional probabilities P(w_i | w_1..w_{i-1}), and the
 * count-based way cuts the history to the last n-1 words and reads the probability off counts. Raw
 * relative frequencies give zero to anything unseen, so every n-gram model needs smoothing; the
 * best-known recipe, and the baseline Bengio et al. (2003) compared against, is interpolated
 * modified Kneser-Ney:
 *
 *   P_k(w | h) = max(a(h w) - D_k(a), 0) / S(h)  +  gamma(h) P_{k-1}(w | h'),
 *   gamma(h)   = (D_k1 N1(h) + D_k2 N2(h) + D_k3 N3+(h)) / S(h),     S(h) = sum_w a(h w)
 *
 * where h' is h without its oldest word, and P_0 is uniform over the V ids. Three ideas:
 *  - absolute discounting: take a fixed amount D (one for counts 1, 2 and 3+: "modified") from
 *    every seen n-gram and give exactly that mass to the lower order, so each P_k sums to 1;
 *  - interpolation: the lower order always contributes, not only for unseen n-grams;
 *  - Kneser-Ney's lower-order counts: a lower-order distribution is only consulted when the longer
 *    history is rare, so it should say how many different contexts a word FOLLOWS (its
 *    continuation count), not how often it occurs. "Francisco" is frequent, but only after "San".
 *    The highest order, and an n-gram that starts at a sentence's start (nothing can precede it),
 *    keep their raw counts (as SRILM and KenLM do).
 * The discounts come from the counts of counts (Chen & Goodman 1998, eq. 26).
 *
 * What C7 shows with it: the model has no notion of which words are alike. A history seen only
 * before 北京 gives 上海 nothing beyond what the lower orders give any word of its frequency.
 *
 * Builds on: lmdata.h (the id streams and their sentence boundaries).
 * Leaves out: pruning, quantisation, the ARPA file format, and a tokens-to-trie layout (KenLM's);
 * the tables here are plain hash maps, which a corpus of a million words fits easily.
 */
#include "ngram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lmdata.h"
#include "util.h"

/* ---- the hash table ------------------------------------------------------------------------ */
static uint64_t hash_ids(const int32_t *ids, int k) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)k;
    for (int i = 0; i < k; i++) {
        h ^= (uint32_t)ids[i];
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 29;
    }
    return h ^ (h >> 32);
}

static void table_init(GramTable *t, int klen, int nval, size_t cap) {
    t->klen = klen, t->nval = nval, t->cap = cap, t->n = 0;
    t->keys = xmalloc(xmul(cap, sizeof(int32_t) * (size_t)(klen > 0 ? klen : 1)));
    t->vals = xcalloc(xmul(cap, (size_t)nval), sizeof(uint32_t));
    t->used = xcalloc(cap, 1);
}

static void table_free(GramTable *t) {
    free(t->keys), free(t->vals), free(t->used);
    memset(t, 0, sizeof *t);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t table_slot(const GramTable *t, const int32_t *key) {
    size_t mask = t->cap - 1, i = (size_t)hash_ids(key, t->klen) & mask;
    while (t->used[i] && memcmp(t->keys + i * (size_t)t->klen, key, sizeof(int32_t) * (size_t)t->klen) != 0)
        i = (i + 1) & mask;
    return i;
}

static void table_grow(GramTable *t) {
    GramTable old = *t;
    table_init(t, old.klen, old.nval, old.cap * 2);
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.used[i]) continue;
        size_t j = table_slot(t, old.keys + i * (size_t)old.klen);
        t->used[j] = 1;
        memcpy(t->keys + j * (size_t)t->klen, old.keys + i * (size_t)old.klen, sizeof(int32_t) * (size_t)t->klen);
        memcpy(t->vals + j * (size_t)t->nval, old.vals + i * (size_t)old.nval, sizeof(uint32_t) * (size_t)t->nval);
        t->n++;
    }
    table_free(&old);
}

/* The counters of key, inserted (zeroed) if absent; *is_new says which. */
static uint32_t *table_upsert(GramTable *t, const int32_t *key, int *is_new) {
    if ((t->n + 1) * 10 > t->cap * 7) table_grow(t);
    size_t i = table_slot(t, key);
    *is_new = !t->used[i];
    if (*is_new) {
        t->used[i] = 1;
        memcpy(t->keys + i * (size_t)t->klen, key, sizeof(int32_t) * (size_t)t->klen);
        t->n++;
    }
    return t->vals + i * (size_t)t->nval;
}

static const uint32_t *table_find(const GramTable *t, const int32_t *key) {
    size_t i = table_slot(t, key);
    return t->used[i] ? t->vals + i * (size_t)t->nval : NULL;
}

/* ---- counting -------------------------------------------------------------------------------- */
void kn_discounts_from_counts(const long n[5], double D[4]) {
    D[0] = 0;
    double Y = (n[1] + 2.0 * n[2]) > 0 ? n[1] / (n[1] + 2.0 * n[2]) : 0;
    for (int c = 1; c <= 3; c++) {
        /* D_c = c - (c+1) Y n_{c+1} / n_c */
        double d = n[c] > 0 && Y > 0 ? c - (c + 1) * Y * (double)n[c + 1] / (double)n[c] : NAN;
        if (!(d > 0 && d < c)) d = 0.5 * c; /* too few counts for the estimate */
        D[c] = d;
    }
}

void kn_set_discounts(KnModel *m, int k, double D1, double D2, double D3) {
    if (k < 1 || k > m->order) die("kn_set_discounts: order %d outside 1..%d", k, m->order);
    if (!(D1 >= 0 && D1 <= 1 && D2 >= 0 && D2 <= 2 && D3 >= 0 && D3 <= 3))
        die("kn_set_discounts: discounts must satisfy 0 <= D_c <= c");
    m->D[k][0] = 0, m->D[k][1] = D1, m->D[k][2] = D2, m->D[k][3] = D3;
}

KnModel *kn_train(const int *tok, long n, int V, int order) {
    if (order < 1 || order > KN_MAX_ORDER) die("kn_train: order %d outside 1..%d", order, KN_MAX_ORDER);
    KnModel *m = xcalloc(1, sizeof *m);
    m->order = order, m->V = V;
    for (int k = 1; k <= order; k++) {
        table_init(&m->grams[k], k, 1, 1024);
        table_init(&m->ctxs[k], k - 1, 4, 1024);
    }
    /* full = the order-1 history then the word; the k-gram ending at w is its last k ids. */
    int32_t full[KN_MAX_ORDER];
    for (long i = 0; i < n; i++) {
        if (tok[i] < 0 || tok[i] >= V) die("kn_train: id %d at position %ld outside [0, %d)", tok[i], i, V);
        int avail = lm_history(tok, i, full, order - 1);
        full[order - 1] = tok[i];
        int ktop = avail + 1 < order ? avail + 1 : order;
        /* The longest n-gram gets its raw count. Each shorter one gains 1 only when the one above
         * it is new: one more distinct word precedes it (its continuation count). Once a k-gram
         * was already there, nothing below it changes. */
        for (int k = ktop; k >= 1; k--) {
            int is_new;
            uint32_t *a = table_upsert(&m->grams[k], full + order - k, &is_new);
            a[0]++;
            if (!is_new) break;
        }
    }
    /* Per history: the total and how many words have adjusted count 1, 2, 3+. */
    for (int k = 1; k <= order; k++) {
        const GramTable *g = &m->grams[k];
        for (size_t s = 0; s < g->cap; s++) {
            if (!g->used[s]) continue;
            uint32_t a = g->vals[s];
            int is_new;
            uint32_t *c = table_upsert(&m->ctxs[k], g->keys + s * (size_t)k, &is_new);
            c[0] += a;
            c[a >= 3 ? 3 : a]++;
            if (a <= 4) m->coc[k][a]++;
        }
        kn_discounts_from_counts(m->coc[k], m->D[k]);
    }
    return m;
}

void kn_free(KnModel *m) {
    if (!m) return;
    for (int k = 1; k <= m->order; k++) table_free(&m->grams[k]), table_free(&m->ctxs[k]);
    free(m);
}

/* ---- probabilities --------------------------------------------------------------------------- */
double kn_prob(const KnModel *m, const int *hist, int hlen, int w) {
    if (w < 0 || w >= m->V) die("kn_prob: id %d outside [0, %d)", w, m->V);
    int32_t key[KN_MAX_ORDER];
    double p = 1.0 / m->V; /* P_0: uniform */
    int kmax = hlen + 1 < m->order ? hlen + 1 : m->order;
    for (int k = 1; k <= kmax; k++) {
        if (k > 1) memcpy(key, hist + hlen - (k - 1), sizeof(int32_t) * (size_t)(k - 1));
        key[k - 1] = w;
        const uint32_t *c = table_find(&m->ctxs[k], key);
        /* An unseen history has nothing to say at this order or above: keep the lower order. */
        if (!c) break;
        const uint32_t *g = table_find(&m->grams[k], key);
        uint32_t a = g ? g[0] : 0;
        const double *D = m->D[k];
        double discounted = a > 0 ? fmax(a - D[a >= 3 ? 3 : a], 0.0) : 0.0;
        double backoff_mass = D[1] * c[1] + D[2] * c[2] + D[3] * c[3];
        p = (discounted + backoff_mass * p) / c[0];
    }
    return p;
}

void kn_stream_logprobs(const KnModel *m, const int *tok, long n, double *lp) {
#pragma omp parallel for schedule(static) if (n > 20000)
    for (long i = 0; i < n; i++) {
        int hist[KN_MAX_ORDER];
        int avail = lm_history(tok, i, hist, m->order - 1);
        lp[i] = log(kn_prob(m, hist + (m->order - 1 - avail), avail, tok[i]));
    }
}

uint32_t kn_adjusted_count(const KnModel *m, const int *ids, int k) {
    if (k < 1 || k > m->order) return 0;
    const uint32_t *g = table_find(&m->grams[k], ids);
    return g ? g[0] : 0;
}

size_t kn_num_grams(const KnModel *m, int k) { return k >= 1 && k <= m->order ? m->grams[k].n : 0; }
