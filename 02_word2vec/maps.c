/* maps.c - chapter 02: looking at an embedding space in two dimensions.
 *
 * What it teaches (C2, C3): a 100-dimensional space cannot be drawn, but two views of it can.
 * PCA keeps the two directions along which the chosen words vary most: a linear view, so an
 * offset that is the same in 100 dimensions (man -> woman, king -> queen) stays the same arrow on
 * the page, which is why the analogy figure is a PCA. t-SNE instead keeps each word's nearest
 * neighbours near: clusters show, but distances between clusters and arrows mean nothing there.
 *
 * The maps are drawn by common/plot's plot_map: each group in its colour with a legend, labels
 * placed so that none covers another, and beside each PNG an HTML page of the same figure where
 * every point shows its word on mouse-over and the map zooms.
 *
 * Builds on: common/pca, common/tsne, common/plot.
 */
#include "maps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca.h"
#include "plot.h"
#include "tsne.h"
#include "util.h"

int map_words(const WordVectors *wv, const int *rows, int n, const int (*arrows)[2], int narrows,
              MapMethod method, const char *name, const char *title) {
    return map_word_groups(wv, rows, n, NULL, NULL, 0, arrows, narrows, method, name, title);
}

int map_word_groups(const WordVectors *wv, const int *rows, int n, const int *group, const char *const *group_names,
                    int ngroups, const int (*arrows)[2], int narrows, MapMethod method, const char *name,
                    const char *title) {
    if (n < (method == MAP_TSNE ? 3 : 2)) {
        fprintf(stderr, "error: a %s map needs at least %d words, got %d\n", method == MAP_TSNE ? "t-SNE" : "PCA",
                method == MAP_TSNE ? 3 : 2, n);
        return -1;
    }
    int d = wv->dim;
    float *x = xmalloc(xmul(xmul((size_t)n, (size_t)d), sizeof(float)));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            x[(size_t)i * d + j] = (method == MAP_TSNE ? wv->unit : wv->vec)[(size_t)rows[i] * d + j];
    double *xy = xmalloc(sizeof(double) * 2 * (size_t)n);
    char subtitle[256];
    if (method == MAP_PCA) {
        double explained[2];
        if (pca(x, n, d, 2, xy, NULL, explained)) die("map_words: PCA of %d words of %d dims failed", n, d);
        printf("PCA of %d words: the two axes keep %.0f%% + %.0f%% of their variance\n", n, 100 * explained[0],
               100 * explained[1]);
        snprintf(subtitle, sizeof subtitle, "%s (PCA, %.0f%% of the variance)", title ? title : "",
                 100 * (explained[0] + explained[1]));
    } else {
        TsneOpts o = tsne_defaults(n);
        double kl = tsne_2d(x, n, d, &o, xy);
        printf("t-SNE of %d words: perplexity %.0f, %d iterations, KL divergence %.3f\n", n, o.perplexity,
               o.iterations, kl);
        snprintf(subtitle, sizeof subtitle, "%s (t-SNE, perplexity %.0f)", title ? title : "", o.perplexity);
    }
    double *px = xmalloc(sizeof(double) * (size_t)n), *py = xmalloc(sizeof(double) * (size_t)n);
    const char **labels = xmalloc(sizeof(char *) * (size_t)n);
    for (int i = 0; i < n; i++) px[i] = xy[2 * i], py[i] = xy[2 * i + 1], labels[i] = wv->words[rows[i]];
    PlotArrow *ar = xmalloc(sizeof(PlotArrow) * (size_t)(narrows > 0 ? narrows : 1));
    int na = 0;
    for (int a = 0; a < narrows; a++) {
        int from = -1, to = -1;
        for (int i = 0; i < n; i++) {
            if (rows[i] == arrows[a][0]) from = i;
            if (rows[i] == arrows[a][1]) to = i;
        }
        if (from < 0 || to < 0) continue;
        ar[na++] = (PlotArrow){px[from], py[from], px[to], py[to]};
    }
    /* A PCA map shows chosen words: every one is named. A t-SNE map shows hundreds: a word is named
     * where its label fits, the others stay dots (their names are in the page, on mouse-over). */
    unsigned char *named = xmalloc((size_t)n);
    memset(named, method == MAP_PCA, (size_t)n);
    PlotOpts po = {0};
    po.title = subtitle;
    PlotMap m = {0};
    m.x = px, m.y = py, m.n = n, m.labels = labels, m.named = named;
    m.group = group, m.group_names = group_names, m.ngroups = group ? ngroups : 0;
    m.arrows = ar, m.narrows = na, m.page = 1;
    int rc = plot_map(name, &po, &m);
    free(x), free(xy), free(px), free(py), free(labels), free(ar), free(named);
    return rc;
}

double offset_cosine(const WordVectors *wv, int a, int b, int c, int d) {
    double dot = 0, n1 = 0, n2 = 0;
    for (int j = 0; j < wv->dim; j++) {
        /* offsets of the unit vectors, as the analogy arithmetic uses them */
        double u = wv->unit[(size_t)b * wv->dim + j] - wv->unit[(size_t)a * wv->dim + j];
        double v = wv->unit[(size_t)d * wv->dim + j] - wv->unit[(size_t)c * wv->dim + j];
        dot += u * v, n1 += u * u, n2 += v * v;
    }
    return n1 > 0 && n2 > 0 ? dot / sqrt(n1 * n2) : 0;
}
