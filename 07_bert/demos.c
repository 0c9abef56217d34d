/* demos.c - the demonstrations of chapter 07 (see demos.h): what the article says about BERT's
 * inputs, its two pretraining tasks, contextual vectors, its cost, and bidirectional attention,
 * each printed from a real model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "02_word2vec/vectors.h"
#include "07_bert/demos.h"
#include "corpus.h"
#include "optim.h"
#include "pca.h"
#include "platform.h"
#include "plot.h"
#include "util.h"
#include "vec.h"

/* ---- inputs ------------------------------------------------------------------------------------ */

int bert_encode_pair(const BertTokenizer *t, const char *a, const char *b, int max_len, int *ids, int *segs,
                     int *words) {
    BertIds A = {0}, Bi = {0};
    bert_tok_encode(t, a, strlen(a), &A);
    if (b) bert_tok_encode(t, b, strlen(b), &Bi);
    int room = max_len - (b ? 3 : 2), na = A.n, nb = b ? Bi.n : 0;
    if (room < 0) room = 0;
    if (na + nb > room) {
        static int noted; /* once per program: a corpus loop would repeat it for every long line */
        if (!noted)
            fprintf(stderr, "note: a text of %d tokens was cut to %d, the most this model reads "
                    "(max_position_embeddings; later cuts are not reported)\n", na + nb + (b ? 3 : 2), max_len);
        noted = 1;
    }
    while (na + nb > room) { /* longest first, from the end (Hugging Face's truncation) */
        if (na > nb) na--;
        else nb--;
    }
    int n = 0;
#define PUT(id, seg, w) (ids[n] = (id), segs[n] = (seg), words ? (void)(words[n] = (w)) : (void)0, n++)
    PUT(t->cls_id, 0, -1);
    for (int i = 0; i < na; i++) PUT(A.ids[i], 0, A.word[i]);
    PUT(t->sep_id, 0, -1);
    if (b) {
        for (int i = 0; i < nb; i++) PUT(Bi.ids[i], 1, A.nwords + Bi.word[i]);
        PUT(t->sep_id, 1, -1);
    }
#undef PUT
    bert_ids_free(&A), bert_ids_free(&Bi);
    return n;
}

/* Where the pieces of word start in ids[0..n) (the occurrence-th time, 0-based), and how many
 * pieces it has; -1 if absent. WordPiece splits a word the same way whatever surrounds it, so the
 * word's own pieces are searched for, as a whole word (not followed by a "##" piece). */
static int find_word(const BertTokenizer *t, const int *ids, int n, const char *word, int occurrence, int *npieces) {
    BertIds w = {0};
    bert_tok_encode(t, word, strlen(word), &w);
    int found = -1, seen = 0;
    for (int i = 0; w.n > 0 && i + w.n <= n && found < 0; i++) {
        if (memcmp(ids + i, w.ids, sizeof(int) * (size_t)w.n)) continue;
        const char *next = i + w.n < n ? bert_tok_token(t, ids[i + w.n]) : NULL;
        if (next && !strncmp(next, "##", 2)) continue;
        if (seen++ == occurrence) found = i;
    }
    *npieces = w.n;
    bert_ids_free(&w);
    return found;
}

static void print_tokens(const BertTokenizer *t, const int *ids, int n) {
    for (int i = 0; i < n; i++) printf("%s%s", i ? " " : "", bert_tok_token(t, ids[i]));
    printf("\n");
}

/* ---- C22 ------------------------------------------------------------------------------------------ */

int demo_inputs(Bert *m, const BertTokenizer *t, const char *a, const char *b, int dims) {
    int P = m->maxT, C = m->cfg.hidden;
    int *ids = xmalloc(sizeof(int) * (size_t)P), *segs = xmalloc(sizeof(int) * (size_t)P);
    int T = bert_encode_pair(t, a, b, P, ids, segs, NULL);
    if (dims > C) dims = C;
    printf("sentence A: %s\nsentence B: %s\n", a, b);
    printf("input = [CLS] A [SEP] B [SEP], %d tokens:\n  ", T);
    print_tokens(t, ids, T);
    bert_forward(m, ids, segs, NULL, 1, T, NULL);
    printf("\nthree tables, one row each per position (shapes):\n");
    printf("  token embeddings    bert.embeddings.word_embeddings        (%d, %d) -> rows by token id   -> (%d, %d)\n",
           m->cfg.vocab_size, C, T, C);
    printf("  segment embeddings  bert.embeddings.token_type_embeddings  (%d, %d) -> rows by segment id -> (%d, %d)\n",
           m->cfg.type_vocab, C, T, C);
    if (m->w.pos)
        printf("  position embeddings bert.embeddings.position_embeddings    (%d, %d) -> rows 0..%d         -> (%d, %d)\n",
               m->cfg.max_pos, C, T - 1, T, C);
    printf("  input = LayerNorm(token + segment + position)                                   -> (%d, %d)\n\n", T, C);
    printf("the first %d of %d dimensions:\n", dims, C);
    printf("  %-3s %-12s %3s %3s  %-*s %-*s %-*s %-*s %s\n", "t", "token", "seg", "pos", dims * 7 + 1, "token emb",
           dims * 7 + 1, "+ segment emb", dims * 7 + 1, "+ position emb", dims * 7 + 1, "= sum", "LayerNorm(sum)");
    double worst = 0;
    for (int i = 0; i < T; i++) {
        const float *tok = m->w.word + (size_t)ids[i] * C, *seg = m->w.type + (size_t)segs[i] * C;
        const float *pos = m->w.pos ? m->w.pos + (size_t)i * C : NULL;
        printf("  %-3d %-12.12s %3d %3d  ", i, bert_tok_token(t, ids[i]), segs[i], i);
        for (int part = 0; part < 5; part++) {
            printf("[");
            for (int k = 0; k < dims; k++) {
                double v = part == 0 ? tok[k] : part == 1 ? seg[k] : part == 2 ? (pos ? pos[k] : 0)
                         : part == 3 ? m->emb[(size_t)i * C + k] : m->xs[(size_t)i * C + k];
                printf("%6.3f%s", v, k + 1 < dims ? " " : "");
            }
            printf("] ");
        }
        printf("\n");
        for (int k = 0; k < C; k++) {
            double s = (double)tok[k] + seg[k] + (pos ? pos[k] : 0);
            double d = fabs(s - m->emb[(size_t)i * C + k]);
            if (d > worst) worst = d;
        }
    }
    printf("check: max |token + segment + position - the model's summed input| over all %d x %d = %.2g\n", T, C, worst);
    free(ids), free(segs);
    return 0;
}

/* ---- C23 ------------------------------------------------------------------------------------------ */

static int skip_special(int i, void *ctx) {
    const BertTokenizer *t = ctx;
    return i == t->pad_id || i == t->cls_id || i == t->sep_id || i == t->mask_id || i == t->unk_id ||
           i >= t->n;
}

int demo_fill_mask(Bert *m, const BertTokenizer *t, const char *text, int k_best, char *err) {
    if (!(m->has & BERT_HAS_MLM)) return set_err(err, "this model has no masked-LM head (cls.predictions.*)");
    int P = m->maxT, V = m->cfg.vocab_size;
    int *ids = xmalloc(sizeof(int) * (size_t)P), *segs = xmalloc(sizeof(int) * (size_t)P);
    int *pos = xmalloc(sizeof(int) * (size_t)P), *best = xmalloc(sizeof(int) * (size_t)(k_best > 0 ? k_best : 1));
    int T = bert_encode_pair(t, text, NULL, P, ids, segs, NULL), n = 0;
    for (int i = 0; i < T; i++)
        if (ids[i] == t->mask_id) pos[n++] = i;
    if (!n) {
        free(ids), free(segs), free(pos), free(best);
        return set_err(err, "no [MASK] in the text (write [MASK] where a word should be filled in)");
    }
    bert_forward(m, ids, segs, NULL, 1, T, NULL);
    bert_mlm_forward(m, pos, NULL, n, NULL);
    printf("%s\n", text);
    for (int j = 0; j < n; j++) {
        const float *p = m->mlm_probs + (size_t)j * V;
        int k = top_k(p, V, k_best, best, skip_special, (void *)t);
        printf("  [MASK] %d:", j + 1);
        for (int i = 0; i < k; i++) printf("  %s %.3f", bert_tok_token(t, best[i]), p[best[i]]);
        printf("\n");
        ids[pos[j]] = best[0];
    }
    char *filled = bert_tok_decode(t, ids, T, 1);
    printf("  -> %s\n", filled);
    free(filled);
    free(ids), free(segs), free(pos), free(best);
    return 0;
}

/* ---- contextual vectors ------------------------------------------------------------------------- */

/* Run text alone and average the last-layer vectors (layer = L) or another layer's (0 = the input
 * after the embedding layer norm) of the word's pieces into v. */
static int word_vector_at(Bert *m, const BertTokenizer *t, const char *text, const char *word, int occurrence,
                          int layer, float *v) {
    int P = m->maxT, C = m->cfg.hidden, np;
    int *ids = xmalloc(sizeof(int) * (size_t)P), *segs = xmalloc(sizeof(int) * (size_t)P);
    int T = bert_encode_pair(t, text, NULL, P, ids, segs, NULL);
    int at = find_word(t, ids, T, word, occurrence, &np);
    if (at >= 0) {
        bert_forward(m, ids, segs, NULL, 1, T, NULL);
        const float *h = m->xs + (size_t)layer * m->maxB * m->maxT * C;
        for (int k = 0; k < C; k++) v[k] = 0;
        for (int p = at; p < at + np; p++)
            for (int k = 0; k < C; k++) v[k] += h[(size_t)p * C + k] / np;
    }
    free(ids), free(segs);
    return at >= 0 ? 0 : -1;
}

int bert_word_vector(Bert *m, const BertTokenizer *t, const char *text, const char *word, int occurrence, float *v) {
    return word_vector_at(m, t, text, word, occurrence, m->cfg.layers, v);
}

/* Leave-one-out nearest centroid: the share of points closer (cosine) to their own group's mean
 * (computed without them) than to the other group's. */
static double loo_centroid_accuracy(const float *x, const int *g, int n, int d) {
    double *sum[2] = {xcalloc((size_t)d, sizeof(double)), xcalloc((size_t)d, sizeof(double))};
    int cnt[2] = {0, 0};
    for (int i = 0; i < n; i++) {
        cnt[g[i]]++;
        for (int k = 0; k < d; k++) sum[g[i]][k] += x[(size_t)i * d + k];
    }
    int right = 0;
    float *c0 = xmalloc(sizeof(float) * (size_t)d), *c1 = xmalloc(sizeof(float) * (size_t)d);
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * d;
        int own = g[i];
        for (int k = 0; k < d; k++) {
            double s0 = sum[0][k] - (own == 0 ? xi[k] : 0), s1 = sum[1][k] - (own == 1 ? xi[k] : 0);
            c0[k] = (float)(s0 / (cnt[0] - (own == 0) > 0 ? cnt[0] - (own == 0) : 1));
            c1[k] = (float)(s1 / (cnt[1] - (own == 1) > 0 ? cnt[1] - (own == 1) : 1));
        }
        int guess = vec_cosine(xi, c1, (size_t)d) > vec_cosine(xi, c0, (size_t)d);
        right += guess == own;
    }
    free(sum[0]), free(sum[1]), free(c0), free(c1);
    return n ? (double)right / n : 0;
}

/* Does the lower-cased line contain word as a whole word (ASCII letters around it stop a match;
 * CJK words match anywhere)? */
static int has_word(const char *line, const char *word) {
    size_t wl = strlen(word);
    int ascii = (unsigned char)word[0] < 0x80;
    for (const char *p = strstr(line, word); p; p = strstr(p + 1, word)) {
        if (!ascii) return 1;
        int before = p > line && ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z');
        char c = p[wl];
        int after = (c | 32) >= 'a' && (c | 32) <= 'z';
        if (!before && !after) return 1;
    }
    return 0;
}

/* The text around the first whole-word occurrence of word in line: at most `half` bytes on each
 * side, cut at a space (or, in CJK text, at a character boundary), so a long verse still fits
 * max_seq_len with the word inside. Caller frees. */
static char *word_window(const char *line, const char *word, size_t half) {
    const char *p = line;
    size_t wl = strlen(word), n = strlen(line);
    for (const char *q = strstr(line, word); q; q = strstr(q + 1, word)) {
        int before = q > line && (((q[-1] | 32) >= 'a' && (q[-1] | 32) <= 'z'));
        int after = ((q[wl] | 32) >= 'a' && (q[wl] | 32) <= 'z');
        if ((unsigned char)word[0] >= 0x80 || (!before && !after)) {
            p = q;
            break;
        }
    }
    size_t at = (size_t)(p - line), a = at > half ? at - half : 0, b = at + wl + half < n ? at + wl + half : n;
    if (a > 0) {
        while (a < at && ((unsigned char)line[a] & 0xC0) == 0x80) a++;
        const char *sp = memchr(line + a, ' ', at - a);
        if (sp) a = (size_t)(sp - line) + 1;
    }
    if (b < n) {
        while (b > at + wl && ((unsigned char)line[b] & 0xC0) == 0x80) b--;
        for (size_t k = b; k > at + wl; k--)
            if (line[k] == ' ') {
                b = k;
                break;
            }
    }
    char *w = xmalloc(b - a + 1);
    memcpy(w, line + a, b - a), w[b - a] = 0;
    return w;
}

static int matches_any(const char *line, const char *patterns) {
    char buf[256];
    for (const char *p = patterns; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n && n < sizeof buf) {
            memcpy(buf, p, n), buf[n] = 0;
            if (strstr(line, buf)) return 1;
        }
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

int demo_senses(Bert *m, const BertTokenizer *t, const SensesOpts *o, char *err) {
    int C = m->cfg.hidden, L = m->cfg.layers;
    float *va = xmalloc(sizeof(float) * (size_t)C), *vb = xmalloc(sizeof(float) * (size_t)C);
    printf("\"%s\" in\n  a: %s\n  b: %s\n", o->word, o->a, o->b);
    printf("cosine of the two vectors of \"%s\", layer by layer:\n", o->word);
    double last = 0;
    for (int l = 0; l <= L; l++) {
        if (word_vector_at(m, t, o->a, o->word, 0, l, va) || word_vector_at(m, t, o->b, o->word, 0, l, vb)) {
            free(va), free(vb);
            return set_err(err, "\"%s\" is not a word of both sentences", o->word);
        }
        last = vec_cosine(va, vb, (size_t)C);
        char name[64];
        if (l == 0) snprintf(name, sizeof name, "input (token+segment+position)");
        else if (l == L) snprintf(name, sizeof name, "layer %d (BERT's output)", l);
        else snprintf(name, sizeof name, "layer %d", l);
        printf("  %-32s %.3f\n", name, last);
    }
    if (o->vectors_path) {
        WvFormat fmt;
        WordVectors *wv = wv_load(o->vectors_path, &fmt, err);
        if (!wv) {
            free(va), free(vb);
            return -1;
        }
        int row = wv_find(wv, o->word);
        if (row < 0)
            printf("word2vec (%s): no vector for \"%s\"\n", o->vectors_path, o->word);
        else
            printf("word2vec (%s, dim %d): one vector for \"%s\" whatever the sentence: cosine %.3f\n", o->vectors_path,
                   wv->dim, o->word, vec_cosine(wv->vec + (size_t)row * wv->dim, wv->vec + (size_t)row * wv->dim,
                                                (size_t)wv->dim));
        wv_free(wv);
    }
    printf("BERT's last layer: cosine %.3f (1 would mean one meaning)\n", last);
    free(va), free(vb);
    if (!o->corpus) return 0;

    /* the map: many corpus sentences holding plot_word, labelled by sense */
    size_t len;
    char *text = corpus_read(o->corpus, &len, err);
    if (!text) return -1;
    int cap = 1024, nl = 0;
    char **lines = xmalloc(sizeof(char *) * (size_t)cap);
    for (char *p = text; *p;) {
        char *e = strchr(p, '\n');
        if (e) *e = 0;
        char *low = xstrdup(p);
        for (char *q = low; *q; q++)
            if (*q >= 'A' && *q <= 'Z') *q += 32;
        if (has_word(low, o->plot_word)) {
            if (nl == cap) cap *= 2, lines = xrealloc(lines, sizeof(char *) * (size_t)cap);
            lines[nl++] = low;
        } else {
            free(low);
        }
        if (!e) break;
        p = e + 1;
    }
    int want = o->max_sentences < nl ? o->max_sentences : nl;
    float *x = xmalloc(sizeof(float) * (size_t)(want ? want : 1) * C), *x0 = xmalloc(sizeof(float) * (size_t)(want ? want : 1) * C);
    int *g = xmalloc(sizeof(int) * (size_t)(want ? want : 1)), n = 0, count[2] = {0, 0};
    const char **labels = xmalloc(sizeof(char *) * (size_t)(want ? want : 1));
    for (int i = 0; i < want; i++) {
        /* spread evenly over the corpus */
        const char *line = lines[(size_t)i * nl / want];
        char *win = word_window(line, o->plot_word, 120);
        int miss = word_vector_at(m, t, win, o->plot_word, 0, L, x + (size_t)n * C);
        if (!miss) word_vector_at(m, t, win, o->plot_word, 0, 0, x0 + (size_t)n * C);
        free(win);
        if (miss) continue; /* still too long for the model */
        g[n] = matches_any(line, o->sense_a) ? 0 : 1;
        labels[n] = g[n] ? o->label_b : o->label_a;
        count[g[n]]++, n++;
    }
    printf("\n\"%s\" in %d sentences of %s (of %d holding it): %d labelled \"%s\" (the line contains %s), %d \"%s\"\n",
           o->plot_word, n, o->corpus, nl, count[0], o->label_a, o->sense_a, count[1], o->label_b);
    if (n >= 4 && count[0] && count[1]) {
        double *proj = xmalloc(sizeof(double) * 2 * (size_t)n), expl[2];
        pca(x, n, C, 2, proj, NULL, expl);
        double *px = xmalloc(sizeof(double) * (size_t)n), *py = xmalloc(sizeof(double) * (size_t)n);
        for (int i = 0; i < n; i++) px[i] = proj[2 * i], py[i] = proj[2 * i + 1];
        float *p2 = xmalloc(sizeof(float) * 2 * (size_t)n);
        for (int i = 0; i < 2 * n; i++) p2[i] = (float)proj[i];
        printf("leave-one-out nearest sense centroid (cosine), how often a vector falls in its own sense:\n");
        printf("  input layer (token + position only, no context): %.1f%%\n", 100 * loo_centroid_accuracy(x0, g, n, C));
        printf("  BERT's last layer:                                %.1f%%\n", 100 * loo_centroid_accuracy(x, g, n, C));
        printf("  (word2vec: one vector for every occurrence, no separation at all)\n");
        char title[256];
        snprintf(title, sizeof title, "\"%s\" in %d sentences: BERT's last layer, PCA (%.0f%% + %.0f%% of the variance)",
                 o->plot_word, n, 100 * expl[0], 100 * expl[1]);
        PlotOpts po = {title, "PC1", "PC2", 0, 0};
        plot_scatter(o->name, &po, px, py, labels, n, NULL, 0);
        free(proj), free(px), free(py), free(p2);
    }
    for (int i = 0; i < nl; i++) free(lines[i]);
    free(lines), free(text), free(x), free(x0), free(g), free(labels);
    return 0;
}

/* ---- C29 ------------------------------------------------------------------------------------------ */

int demo_causal(Bert *m, const BertTokenizer *t, const char *word, const char *a, const char *b, char *err) {
    if (m->cfg.position != BERT_POS_ABSOLUTE) return set_err(err, "the causal comparison needs absolute positions");
    int P = m->maxT, C = m->cfg.hidden, L = m->cfg.layers;
    int *ia = xmalloc(sizeof(int) * (size_t)P), *ib = xmalloc(sizeof(int) * (size_t)P);
    int *sa = xmalloc(sizeof(int) * (size_t)P), *sb = xmalloc(sizeof(int) * (size_t)P);
    int na = bert_encode_pair(t, a, NULL, P, ia, sa, NULL), nb = bert_encode_pair(t, b, NULL, P, ib, sb, NULL);
    int pa, pb, np;
    pa = find_word(t, ia, na, word, 0, &np);
    pb = find_word(t, ib, nb, word, 0, &np);
    if (pa < 0 || pb < 0 || pa != pb) {
        free(ia), free(ib), free(sa), free(sb);
        return set_err(err, "\"%s\" must be in both sentences at the same position", word);
    }
    /* Both sentences padded to the same length, one at a time: the same shapes run the same
     * arithmetic, so any difference comes from the words, not from the kernels. */
    int T = na > nb ? na : nb;
    unsigned char *pad[2] = {xcalloc((size_t)T, 1), xcalloc((size_t)T, 1)};
    for (int i = na; i < T; i++) ia[i] = t->pad_id, sa[i] = 0, pad[0][i] = 1;
    for (int i = nb; i < T; i++) ib[i] = t->pad_id, sb[i] = 0, pad[1][i] = 1;
    size_t n = (size_t)T * C;
    float *bi[2] = {xmalloc(sizeof(float) * n), xmalloc(sizeof(float) * n)};
    float *ca[2] = {xmalloc(sizeof(float) * n), xmalloc(sizeof(float) * n)};
    float *buf[2] = {xmalloc(sizeof(float) * n), xmalloc(sizeof(float) * n)};
    for (int s = 0; s < 2; s++) {
        const int *ids = s ? ib : ia, *segs = s ? sb : sa;
        bert_forward(m, ids, segs, pad[s], 1, T, NULL);
        memcpy(bi[s], m->hidden, sizeof(float) * n);
        /* the same weights and blocks, the causal mask on: position t attends to 0..t only */
        const float *x = m->xs; /* the embedding layer's output (block 0's input) */
        for (int l = 0; l < L; l++) {
            float *out = buf[l % 2];
            encoder_block_forward(&m->blk[l], &m->w.layer[l], out, x, 1, T, pad[s], 1, NULL);
            x = out;
        }
        memcpy(ca[s], x, sizeof(float) * n);
    }
    printf("a: ");
    print_tokens(t, ia, na);
    printf("b: ");
    print_tokens(t, ib, nb);
    printf("\"%s\" is token %d. Largest |a - b| of each position's last-layer vector:\n", word, pa);
    printf("  %-3s %-14s %-14s %14s %14s\n", "t", "token in a", "token in b", "BERT", "causal mask");
    int Tmax = na > nb ? na : nb;
    for (int i = 0; i < Tmax; i++) {
        double db = 0, dc = 0;
        for (int k = 0; k < C; k++) {
            double x1 = fabs(bi[0][(size_t)i * C + k] - bi[1][(size_t)i * C + k]);
            double x2 = fabs(ca[0][(size_t)i * C + k] - ca[1][(size_t)i * C + k]);
            if (x1 > db) db = x1;
            if (x2 > dc) dc = x2;
        }
        printf("  %-3d %-14.14s %-14.14s %14.3g %14.3g%s%s\n", i, i < na ? bert_tok_token(t, ia[i]) : "",
               i < nb ? bert_tok_token(t, ib[i]) : "", db, dc, i == pa ? "   <- " : "", i == pa ? word : "");
    }
    const float *va = bi[0] + (size_t)pa * C, *vb = bi[1] + (size_t)pa * C;
    const float *wa = ca[0] + (size_t)pa * C, *wb = ca[1] + (size_t)pa * C;
    int same = !memcmp(wa, wb, sizeof(float) * (size_t)C);
    printf("\"%s\" under BERT (bidirectional): cosine %.4f, vectors %s\n", word, vec_cosine(va, vb, (size_t)C),
           memcmp(va, vb, sizeof(float) * (size_t)C) ? "different" : "identical");
    printf("\"%s\" under the causal mask:       cosine %.4f, vectors %s\n", word, vec_cosine(wa, wb, (size_t)C),
           same ? "bit-identical (memcmp == 0): the words after it cannot reach it" : "DIFFERENT");
    for (int s = 0; s < 2; s++) free(pad[s]), free(bi[s]), free(ca[s]), free(buf[s]);
    free(ia), free(ib), free(sa), free(sb);
    return same ? 0 : set_err(err, "the causal vectors differ: the mask leaks");
}

/* ---- C27 ------------------------------------------------------------------------------------------ */

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int bert_time_step(int layers, int hidden, int heads, int inter, int vocab, int B, int T, int steps, int threads,
                   double *ms, char *err) {
    if (threads > 0) set_num_threads(threads);
    BertConfig c = bert_config_default();
    c.layers = layers, c.hidden = hidden, c.heads = heads, c.intermediate = inter, c.vocab_size = vocab;
    c.max_pos = T;
    Bert m;
    if (bert_init(&m, &c, B, T, err)) return -1;
    Rng r;
    rng_seed(&r, 1);
    bert_init_weights(&m, &r);
    size_t N = (size_t)B * T;
    int npos = (int)(0.15 * N) > 0 ? (int)(0.15 * N) : 1;
    int *ids = xmalloc(sizeof(int) * N), *segs = xmalloc(sizeof(int) * N);
    int *pos = xmalloc(sizeof(int) * (size_t)npos), *tgt = xmalloc(sizeof(int) * (size_t)npos);
    int *nsp = xmalloc(sizeof(int) * (size_t)B);
    for (size_t i = 0; i < N; i++) ids[i] = 5 + (int)rng_below(&r, (uint64_t)(vocab - 5)), segs[i] = (i % T) >= (size_t)T / 2;
    for (int i = 0; i < npos; i++) pos[i] = (int)((size_t)i * N / (size_t)npos), tgt[i] = ids[pos[i]];
    for (int b = 0; b < B; b++) nsp[b] = b % 2;
    AdamState adam;
    adam_init(&adam, m.p.total);
    AdamConfig ac = adam_defaults();
    ac.decoupled = 1, ac.weight_decay = 0.01f, ac.eps = 1e-6f;
    double *t = xmalloc(sizeof(double) * (size_t)(steps + 1));
    for (int s = 0; s <= steps; s++) {
        /* processor time, not wall time: on a shared machine the wall clock also counts the other
         * programs' turns; with one thread, CPU time is what the step would take on an idle core */
        clock_t t0 = clock();
        params_zero_grad(&m.p);
        bert_pretrain_grads(&m, ids, segs, NULL, B, T, pos, tgt, npos, nsp, &r);
        clip_grad_norm(m.p.grad, m.p.total, 1.0f);
        adam_step(&adam, &ac, 1e-4f, &m.p);
        t[s] = 1000.0 * (double)(clock() - t0) / CLOCKS_PER_SEC;
    }
    qsort(t + 1, (size_t)steps, sizeof *t, cmp_dbl); /* step 0 warms the caches up and is left out */
    *ms = steps % 2 ? t[1 + steps / 2] : 0.5 * (t[steps / 2] + t[1 + steps / 2]);
    free(t), free(ids), free(segs), free(pos), free(tgt), free(nsp);
    adam_free(&adam);
    bert_free(&m);
    return 0;
}

/* Run 'self timing-one ...' and read "ms peak_rss_bytes" from it. */
static int time_in_child(const TimingOpts *o, int B, int T, double *ms, double *rss_mb, char *err) {
    if (strchr(o->self, '\'')) return set_err(err, "program path %s holds a quote", o->self);
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "'%s' timing-one --layers %d --hidden %d --heads %d --intermediate %d --vocab-size %d --batch %d "
             "--length %d --steps %d --threads %d",
             o->self, o->layers, o->hidden, o->heads, o->intermediate, o->vocab, B, T, o->steps, o->threads);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    if (!p) return set_err(err, "cannot run %s", cmd);
    double m = -1;
    size_t rss = 0;
    int got = fscanf(p, "%lf %zu", &m, &rss);
    int st = pclose(p);
    if (got != 2 || st != 0) return set_err(err, "'%s' failed (status %d)", cmd, st);
    *ms = m, *rss_mb = rss / 1048576.0;
    return 0;
}

int demo_timing(const TimingOpts *o, char *err) {
    printf("model: %d layers, hidden %d, %d heads, FFN %d, vocabulary %d; one step = forward + backward + AdamW,\n"
           "MLM on 15%% of the positions + NSP; median processor time of %d steps after a warm-up (with more than\n"
           "one thread it sums the threads' time), each configuration in a fresh process (%s timing-one ...)\n", o->layers, o->hidden, o->heads, o->intermediate, o->vocab, o->steps,
           o->self);
    double *x = xmalloc(sizeof(double) * 64), *y = xmalloc(sizeof(double) * 64), *y2 = xmalloc(sizeof(double) * 64);
    printf("\ntime against max_seq_len, batch %d:\n  %8s %12s %18s %14s\n", o->batch_for_lengths, "T", "CPU ms/step",
           "us/token", "peak MB");
    for (int i = 0; i < o->nlengths; i++) {
        double ms, mb;
        if (time_in_child(o, o->batch_for_lengths, o->lengths[i], &ms, &mb, err)) return -1;
        x[i] = o->lengths[i], y[i] = ms, y2[i] = 1000 * ms / ((double)o->batch_for_lengths * o->lengths[i]);
        printf("  %8d %12.1f %18.2f %14.1f\n", o->lengths[i], ms, y2[i], mb);
        fflush(stdout);
    }
    if (o->nlengths >= 2) {
        int a = 0, b = o->nlengths - 1;
        printf("  T x%.0f -> time x%.2f (linear would be x%.0f; the attention scores grow as T^2)\n", x[b] / x[a],
               y[b] / y[a], x[b] / x[a]);
    }
    char name[256], title[256];
    snprintf(name, sizeof name, "%s_time", o->name);
    snprintf(title, sizeof title, "BERT step time against max_seq_len (batch %d, %d layers, hidden %d)",
             o->batch_for_lengths, o->layers, o->hidden);
    PlotSeries s[2] = {{"CPU ms per step", x, y, o->nlengths}, {"CPU microseconds per token", x, y2, o->nlengths}};
    PlotOpts po = {title, "max_seq_len (tokens)", "time", 0, 0};
    plot_lines(name, &po, s, 2);

    double *bx = xmalloc(sizeof(double) * 64), *by = xmalloc(sizeof(double) * 64), *bt = xmalloc(sizeof(double) * 64);
    printf("\npeak memory against batch size, max_seq_len %d:\n  %8s %12s %14s\n", o->len_for_batches, "batch",
           "CPU ms/step", "peak MB");
    for (int i = 0; i < o->nbatches; i++) {
        double ms, mb;
        if (time_in_child(o, o->batches[i], o->len_for_batches, &ms, &mb, err)) return -1;
        bx[i] = o->batches[i], by[i] = mb, bt[i] = ms;
        printf("  %8d %12.1f %14.1f\n", o->batches[i], ms, mb);
        fflush(stdout);
    }
    if (o->nbatches >= 2) {
        int a = 0, b = o->nbatches - 1;
        printf("  batch x%.0f -> peak memory x%.2f (+%.1f MB per sequence: the activations kept for the backward)\n",
               bx[b] / bx[a], by[b] / by[a], (by[b] - by[a]) / (bx[b] - bx[a]));
    }
    snprintf(name, sizeof name, "%s_memory", o->name);
    snprintf(title, sizeof title, "BERT peak memory against batch size (max_seq_len %d)", o->len_for_batches);
    PlotSeries sm = {"peak resident memory (MB)", bx, by, o->nbatches};
    PlotOpts pm = {title, "batch size (sequences)", "MB", 0, 0};
    plot_lines(name, &pm, &sm, 1);
    free(x), free(y), free(y2), free(bx), free(by), free(bt);
    return 0;
}

/* ---- C30: a shifted phrase under absolute and relative positions ------------------------------- */
int demo_shift(Bert *m, const BertTokenizer *t, const char *phrase, const char *prefix, char *err) {
    int P = m->maxT, C = m->cfg.hidden, L = m->cfg.layers;
    size_t plen = strlen(phrase), xlen = strlen(prefix);
    char *joined = xmalloc(plen + xlen + 1);
    memcpy(joined, prefix, xlen), memcpy(joined + xlen, phrase, plen + 1);
    int *ia = xmalloc(sizeof(int) * (size_t)P), *ib = xmalloc(sizeof(int) * (size_t)P);
    int *sa = xmalloc(sizeof(int) * (size_t)P), *sb = xmalloc(sizeof(int) * (size_t)P);
    int na = bert_encode_pair(t, phrase, NULL, P, ia, sa, NULL), nb = bert_encode_pair(t, joined, NULL, P, ib, sb, NULL);
    int shift = nb - na; /* the prefix's tokens */
    int ok = na >= 3 && shift > 0 && !memcmp(ia + 1, ib + 1 + shift, sizeof(int) * (size_t)(na - 1));
    if (!ok) {
        free(joined), free(ia), free(ib), free(sa), free(sb);
        return set_err(err, "the phrase must tokenize the same alone and after the prefix (and fit in %d tokens)", P);
    }
    /* keys hidden from attention: [CLS], and the prefix in b */
    unsigned char *pa = xcalloc((size_t)na, 1), *pb = xcalloc((size_t)nb, 1);
    pa[0] = 1;
    for (int i = 0; i <= shift; i++) pb[i] = 1;
    size_t layer_a = (size_t)na * C, layer_b = (size_t)nb * C;
    float *xa = xmalloc(sizeof(float) * layer_a * (size_t)(L + 1)), *xb = xmalloc(sizeof(float) * layer_b * (size_t)(L + 1));
    size_t stride = (size_t)m->maxB * m->maxT * C; /* m->xs holds layer l at l * stride */
    bert_forward(m, ia, sa, pa, 1, na, NULL);
    for (int l = 0; l <= L; l++) memcpy(xa + l * layer_a, m->xs + l * stride, sizeof(float) * layer_a);
    bert_forward(m, ib, sb, pb, 1, nb, NULL);
    for (int l = 0; l <= L; l++) memcpy(xb + l * layer_b, m->xs + l * stride, sizeof(float) * layer_b);
    printf("phrase alone:        ");
    print_tokens(t, ia, na);
    printf("after the prefix:    ");
    print_tokens(t, ib, nb);
    printf("%s positions; the phrase and its [SEP] (%d tokens) shifted by %d; [CLS] and the prefix hidden\n"
           "from attention, so only positions can tell the two placements apart.\n",
           m->cfg.position == BERT_POS_RELATIVE ? "relative" : "absolute", na - 1, shift);
    printf("  %-12s %14s %18s %s\n", "layer", "mean cosine", "largest |a - b|", "");
    int all_same = 1;
    for (int l = 0; l <= L; l++) {
        double cs = 0, worst = 0;
        int same = 1;
        for (int i = 1; i < na; i++) {
            const float *va = xa + (size_t)l * layer_a + (size_t)i * C, *vb = xb + (size_t)l * layer_b + (size_t)(i + shift) * C;
            cs += vec_cosine(va, vb, (size_t)C);
            for (int k = 0; k < C; k++) {
                double d = fabs(va[k] - vb[k]);
                if (d > worst) worst = d;
            }
            same &= !memcmp(va, vb, sizeof(float) * (size_t)C);
        }
        all_same &= same;
        char name[32];
        if (l == 0) snprintf(name, sizeof name, "embeddings");
        else snprintf(name, sizeof name, "layer %d", l);
        printf("  %-12s %14.6f %18.3g %s\n", name, cs / (na - 1), worst, same ? "bit-identical" : "");
    }
    printf("%s\n", all_same ? "=> the shifted phrase is encoded exactly as before: attention saw only distances"
                            : "=> the shift changed the phrase's vectors: the positions are absolute");
    m->att_layer = m->ffn_layer = -1;
    free(joined), free(ia), free(ib), free(sa), free(sb), free(pa), free(pb), free(xa), free(xb);
    return 0;
}
