/* search.c - greedy and beam search over the step-by-step decoder (see search.h). Chapter 05,
 * claims C13 and C16. */
#include "search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "softmax.h"
#include "util.h"

int s2s_max_output(const S2SModel *m, int S) {
    int n = 2 * S + 10;
    return n < m->maxDecode ? n : m->maxDecode;
}

/* Both searches rank tokens by log-softmax, so that width 1 and greedy compare identical numbers;
 * ties go to the lower id. */
static int argmax(const float *x, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

void s2s_greedy(S2SModel *m, const int *src, int S, int B, int max_len, int *out, int *out_len, float *alpha,
                int *alpha_rows) {
    int V = m->cfg.tgt_vocab;
    if (max_len < 1 || max_len > m->maxDecode) die("s2s_greedy: max_len %d outside [1, %d]", max_len, m->maxDecode);
    int *prev = xmalloc(xmul((size_t)B, sizeof *prev)), *done = xcalloc((size_t)B, sizeof *done);
    float *lp = xmalloc(xmul((size_t)V, sizeof *lp));
    int rows = 0, active = B;
    s2s_encode(m, src, S, B);
    for (int b = 0; b < B; b++) prev[b] = TASK_BOS, out_len[b] = 0;
    for (int step = 0; step < max_len && active > 0; step++) {
        const float *logits = s2s_decoder_step(m, prev);
        if (alpha && m->cfg.attn != ATTN_NONE && !done[0]) memcpy(alpha + (size_t)rows++ * S, m->alpha, (size_t)S * sizeof(float));
        for (int b = 0; b < B; b++) {
            if (done[b]) continue; /* a finished row keeps stepping with the others; ignored */
            log_softmax_forward(lp, logits + (size_t)b * V, 1, V);
            int id = argmax(lp, V);
            prev[b] = id;
            if (id == TASK_EOS) done[b] = 1, active--;
            else out[(size_t)b * max_len + out_len[b]++] = id;
        }
    }
    if (alpha_rows) *alpha_rows = rows;
    free(prev), free(done), free(lp);
}

/* ---- beam search ------------------------------------------------------------------------------ */

typedef struct {
    double score; /* total log probability so far */
    int parent;   /* the hypothesis (row) it extends */
    int token;
} Candidate;

/* Best first; ties by parent, then token, so the order never depends on qsort's whims. */
static int by_score(const void *a, const void *b) {
    const Candidate *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if (x->parent != y->parent) return x->parent - y->parent;
    return x->token - y->token;
}

/* The n best tokens of row lp (V), into top[0..n) in descending order (ties: lower id first). */
static void top_tokens(const float *lp, int V, int n, int *top) {
    int k = 0;
    for (int i = 0; i < V; i++) {
        if (k < n) k++;
        else if (lp[i] <= lp[top[n - 1]]) continue;
        int j = k - 1; /* insert i, shifting worse ones down */
        while (j > 0 && lp[top[j - 1]] < lp[i]) top[j] = top[j - 1], j--;
        top[j] = i;
    }
}

/* Index of the smallest of x[0..n). */
static int worst_of(const double *x, int n) {
    int w = 0;
    for (int i = 1; i < n; i++)
        if (x[i] < x[w]) w = i;
    return w;
}

int s2s_beam(S2SModel *m, const int *src, int S, int K, int max_len, float len_alpha, int *out, double *score) {
    int V = m->cfg.tgt_vocab, W = 2 * K < V ? 2 * K : V;
    if (K < 1 || K > m->maxB) die("s2s_beam: width %d outside [1, %d]", K, m->maxB);
    if (max_len < 1 || max_len > m->maxDecode) die("s2s_beam: max_len %d outside [1, %d]", max_len, m->maxDecode);
    /* K copies of the source: the rows of one batch, one per hypothesis */
    int *srcK = xmalloc(xmul((size_t)S * K, sizeof *srcK));
    for (int s = 0; s < S; s++)
        for (int k = 0; k < K; k++) srcK[s * K + k] = src[s];
    s2s_encode(m, srcK, S, K);
    int *toks = xcalloc((size_t)K * max_len, sizeof *toks), *ntoks = xmalloc((size_t)K * max_len * sizeof *ntoks);
    double *logp = xmalloc((size_t)K * sizeof *logp), *nlogp = xmalloc((size_t)K * sizeof *nlogp);
    int *prev = xmalloc((size_t)K * sizeof *prev), *parent = xmalloc((size_t)K * sizeof *parent);
    int *top = xmalloc((size_t)W * sizeof *top);
    float *lp = xmalloc(xmul((size_t)K * V, sizeof *lp));
    Candidate *cand = xmalloc(xmul((size_t)K * W, sizeof *cand));
    /* finished hypotheses: at most K are kept */
    int *fin_toks = xmalloc((size_t)K * max_len * sizeof *fin_toks), *fin_len = xmalloc((size_t)K * sizeof *fin_len);
    double *fin_logp = xmalloc((size_t)K * sizeof *fin_logp);
    int *fin_eos = xmalloc((size_t)K * sizeof *fin_eos); /* 1: ended with <eos>; 0: cut at max_len */
    double *fin_norm = xmalloc((size_t)K * sizeof *fin_norm); /* the length-normalised scores */
    int nfin = 0, len = 0;
    /* only row 0 is alive at the start: the others are copies that must not be chosen */
    for (int k = 0; k < K; k++) logp[k] = k == 0 ? 0 : -INFINITY, prev[k] = TASK_BOS;
    for (int step = 0; step < max_len; step++) {
        const float *logits = s2s_decoder_step(m, prev);
        log_softmax_forward(lp, logits, K, V);
        int nc = 0;
        for (int k = 0; k < K; k++) {
            if (logp[k] == -INFINITY) continue;
            top_tokens(lp + (size_t)k * V, V, W, top);
            for (int j = 0; j < W; j++) cand[nc++] = (Candidate){logp[k] + lp[(size_t)k * V + top[j]], k, top[j]};
        }
        qsort(cand, (size_t)nc, sizeof *cand, by_score);
        int nlive = 0;
        for (int c = 0; c < nc && nlive < K; c++) {
            const Candidate *x = &cand[c];
            if (x->token == TASK_EOS) {
                /* an ending among the K best: it joins the ended ones if it beats the worst of them */
                if (c >= K) continue;
                double norm = x->score / pow(step + 1, len_alpha);
                int slot = nfin;
                if (nfin < K) nfin++;
                else if (norm <= fin_norm[slot = worst_of(fin_norm, K)]) continue;
                memcpy(fin_toks + (size_t)slot * max_len, toks + (size_t)x->parent * max_len, (size_t)step * sizeof(int));
                fin_len[slot] = step, fin_logp[slot] = x->score, fin_norm[slot] = norm, fin_eos[slot] = 1;
                continue;
            }
            memcpy(ntoks + (size_t)nlive * max_len, toks + (size_t)x->parent * max_len, (size_t)step * sizeof(int));
            ntoks[(size_t)nlive * max_len + step] = x->token;
            nlogp[nlive] = x->score, parent[nlive] = x->parent, prev[nlive] = x->token;
            nlive++;
        }
        for (int k = nlive; k < K; k++) nlogp[k] = -INFINITY, parent[k] = 0, prev[k] = TASK_EOS; /* dead rows */
        int *ti = toks;
        toks = ntoks, ntoks = ti;
        double *tl = logp;
        logp = nlogp, nlogp = tl;
        len = step + 1;
        if (nlive == 0) break;
        /* Done when K have ended and even the best live one, scored as it stands, cannot beat the
         * worst of them (exact when len_alpha = 0: log probabilities only fall as outputs grow). */
        if (nfin == K && fin_norm[worst_of(fin_norm, K)] >= logp[0] / pow(len, len_alpha)) break;
        s2s_decoder_reorder(m, parent);
    }
    /* none ended within max_len: the live ones compete as they are */
    if (nfin == 0)
        for (int k = 0; k < K; k++)
            if (logp[k] != -INFINITY) {
                memcpy(fin_toks + (size_t)nfin * max_len, toks + (size_t)k * max_len, (size_t)len * sizeof(int));
                fin_len[nfin] = len, fin_logp[nfin] = logp[k], fin_eos[nfin] = 0, nfin++;
            }
    int best = 0;
    double best_norm = -INFINITY;
    for (int f = 0; f < nfin; f++) {
        if (!fin_eos[f]) fin_norm[f] = fin_logp[f] / pow(fin_len[f], len_alpha);
        if (fin_norm[f] > best_norm) best_norm = fin_norm[f], best = f;
    }
    int n = fin_len[best];
    memcpy(out, fin_toks + (size_t)best * max_len, (size_t)n * sizeof(int));
    if (score) *score = fin_logp[best];
    free(srcK), free(toks), free(ntoks), free(logp), free(nlogp), free(prev), free(parent), free(top), free(lp);
    free(cand), free(fin_toks), free(fin_len), free(fin_logp), free(fin_eos), free(fin_norm);
    return n;
}
