/* bleu.c - corpus BLEU (see bleu.h for the definition). Chapter 05, the metric behind C13/C14. */
#include "bleu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void bleu_init(BleuStats *s) { memset(s, 0, sizeof *s); }

void bleu_merge(BleuStats *into, const BleuStats *b) {
    for (int n = 0; n < BLEU_N; n++) into->match[n] += b->match[n], into->total[n] += b->total[n];
    into->hyp_len += b->hyp_len, into->ref_len += b->ref_len, into->sentences += b->sentences;
}

static int ngram_equal(const char *const *a, const char *const *b, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(a[i], b[i])) return 0;
    return 1;
}

/* Occurrences of the n-gram g in toks[0..len). Sentences are short (tens of tokens), so the plain
 * quadratic count is simpler than a table and fast enough. */
static int ngram_count(const char *const *g, int n, const char *const *toks, int len) {
    int c = 0;
    for (int i = 0; i + n <= len; i++) c += ngram_equal(g, toks + i, n);
    return c;
}

void bleu_add(BleuStats *s, const char *const *hyp, int nh, const char *const *const *refs, const int *ref_lens,
              int nrefs) {
    s->sentences++;
    s->hyp_len += nh;
    /* the closest reference length, the shorter on a tie */
    int best = ref_lens[0];
    for (int k = 1; k < nrefs; k++) {
        int d = abs(ref_lens[k] - nh), db = abs(best - nh);
        if (d < db || (d == db && ref_lens[k] < best)) best = ref_lens[k];
    }
    s->ref_len += best;
    for (int n = 1; n <= BLEU_N; n++) {
        if (nh < n) continue;
        s->total[n - 1] += nh - n + 1;
        for (int i = 0; i + n <= nh; i++) {
            /* count each distinct n-gram once, at its first occurrence */
            int seen_before = 0;
            for (int j = 0; j < i && !seen_before; j++) seen_before = ngram_equal(hyp + i, hyp + j, n);
            if (seen_before) continue;
            int in_hyp = ngram_count(hyp + i, n, hyp, nh), max_ref = 0;
            for (int k = 0; k < nrefs; k++) {
                int c = ngram_count(hyp + i, n, refs[k], ref_lens[k]);
                if (c > max_ref) max_ref = c;
            }
            s->match[n - 1] += in_hyp < max_ref ? in_hyp : max_ref; /* clipped */
        }
    }
}

double bleu_score(const BleuStats *s, double *precisions, double *bp) {
    double logsum = 0;
    int zero = s->hyp_len <= 0;
    for (int n = 0; n < BLEU_N; n++) {
        double p = s->total[n] > 0 ? s->match[n] / s->total[n] : 0;
        if (precisions) precisions[n] = p;
        if (p <= 0) zero = 1;
        else logsum += log(p);
    }
    double penalty = s->hyp_len <= 0 ? 0 : s->hyp_len > s->ref_len ? 1.0 : exp(1.0 - s->ref_len / s->hyp_len);
    if (bp) *bp = penalty;
    return zero ? 0.0 : 100.0 * penalty * exp(logsum / BLEU_N);
}
