/* crossling.c - chapter 02, claim C28: two languages, one geometry.
 *
 * What it teaches: vectors trained separately on an English and a Chinese text (no sentence of one
 * is shown to the other) still arrange the same concepts alike, because the two texts use their
 * words in the same contexts: "three" and 三 both stand before counted things, between "two"/二 and
 * "four"/四. If the two spaces differ only by a change of axes, one linear map W learned from a
 * small dictionary of known pairs should carry every other English word close to its Chinese
 * translation (Mikolov, Le and Sutskever 2013, who fitted W by least squares on 5,000 pairs and
 * found the article's picture of English and Spanish number words).
 *
 * Two ways to fit W, on the seed pairs' vectors X (source) and Z (target):
 *   - least squares, min ||X W - Z||^2, as Mikolov et al.: W is free, so with about as many
 *     pairs as dimensions it can bend the space to fit the seeds and generalise poorly; a small
 *     ridge term keeps the problem solvable;
 *   - an orthogonal W (a rotation, maybe with a reflection), the solution of the Procrustes
 *     problem: W = U V^T from the SVD of X^T Z. It keeps all distances, so it can only turn one
 *     space onto the other, which is exactly the hypothesis being tested.
 * Both spaces are first normalised (unit rows, centred, unit again), which makes the rotation's
 * fit and the cosine search agree (Artetxe et al. 2016).
 *
 * Builds on: vectors.c (the word vectors), common/pca.h's Jacobi eigensolver (for the SVD).
 * Leaves out: learning without a seed dictionary (adversarial or self-learning methods) and the
 * hubness corrections (CSLS) that later work added to the nearest-neighbour search.
 */
#include "crossling.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca.h"
#include "plot.h"
#include "rng.h"
#include "stats.h"
#include "util.h"
#include "vec.h"

/* ==== the dictionary ============================================================================ */

int bidict_load(BiDict *d, const char *path, char *err) {
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "r");
    if (!f) return set_err(err, "%s: cannot open the dictionary", path);
    char line[1024];
    int section = -1, lineno = 0, cap = 0, seeds = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *w[3];
        int n = 0;
        for (char *p = strtok(line, " \t\r\n"); p && n < 3; p = strtok(NULL, " \t\r\n")) w[n++] = p;
        if (n == 0 || w[0][0] == '#') continue;
        if (w[0][0] == ':') {
            const char *name = w[0][1] ? w[0] + 1 : n > 1 ? w[1] : "";
            if (!strcmp(name, "seed")) section = 0;
            else if (!strcmp(name, "test")) section = 1;
            else {
                fclose(f), bidict_free(d);
                return set_err(err, "%s:%d: unknown section '%s' (': seed' or ': test')", path, lineno, name);
            }
            continue;
        }
        if (n != 2 || section < 0) {
            fclose(f), bidict_free(d);
            return set_err(err, "%s:%d: %s", path, lineno,
                           section < 0 ? "a pair before the first ': seed' or ': test' line" : "not two words 'source target'");
        }
        if (d->n == cap) {
            cap = cap ? 2 * cap : 64;
            d->src = xrealloc(d->src, sizeof(char *) * (size_t)cap);
            d->tgt = xrealloc(d->tgt, sizeof(char *) * (size_t)cap);
            d->test = xrealloc(d->test, sizeof(int) * (size_t)cap);
        }
        d->src[d->n] = xstrdup(w[0]), d->tgt[d->n] = xstrdup(w[1]), d->test[d->n] = section;
        seeds += section == 0;
        d->n++;
    }
    fclose(f);
    if (!seeds) {
        bidict_free(d);
        return set_err(err, "%s: no pair under ': seed'", path);
    }
    return 0;
}

void bidict_free(BiDict *d) {
    for (int i = 0; i < d->n; i++) free(d->src[i]), free(d->tgt[i]);
    free(d->src), free(d->tgt), free(d->test);
    memset(d, 0, sizeof *d);
}

/* ==== the two fits ============================================================================== */

/* Solve A X = B for symmetric positive definite A (m,m), B (m,k), by Cholesky A = L L^T; A is
 * overwritten by L, B by X. Returns -1 if A is not positive definite. */
static int cholesky_solve(double *A, double *B, int m, int k) {
    for (int j = 0; j < m; j++) {
        double s = A[j * m + j];
        for (int p = 0; p < j; p++) s -= A[j * m + p] * A[j * m + p];
        if (!(s > 1e-12)) return -1;
        A[j * m + j] = sqrt(s);
        for (int i = j + 1; i < m; i++) {
            double t = A[i * m + j];
            for (int p = 0; p < j; p++) t -= A[i * m + p] * A[j * m + p];
            A[i * m + j] = t / A[j * m + j];
        }
    }
    for (int c = 0; c < k; c++) {
        for (int i = 0; i < m; i++) { /* L y = b */
            double t = B[i * k + c];
            for (int p = 0; p < i; p++) t -= A[i * m + p] * B[p * k + c];
            B[i * k + c] = t / A[i * m + i];
        }
        for (int i = m - 1; i >= 0; i--) { /* L^T x = y */
            double t = B[i * k + c];
            for (int p = i + 1; p < m; p++) t -= A[p * m + i] * B[p * k + c];
            B[i * k + c] = t / A[i * m + i];
        }
    }
    return 0;
}

/* C (a,b) = X^T (n,a) Z (n,b) */
static void gram(const double *X, const double *Z, int n, int a, int b, double *C) {
    memset(C, 0, sizeof(double) * (size_t)a * b);
    for (int r = 0; r < n; r++)
        for (int i = 0; i < a; i++) {
            double x = X[(size_t)r * a + i];
            for (int j = 0; j < b; j++) C[i * b + j] += x * Z[(size_t)r * b + j];
        }
}

int xl_fit_lstsq(const double *X, const double *Z, int n, int ds, int dt, double ridge, double *W) {
    double *A = xmalloc(sizeof(double) * (size_t)ds * ds);
    gram(X, X, n, ds, ds, A);
    for (int i = 0; i < ds; i++) A[i * ds + i] += ridge;
    gram(X, Z, n, ds, dt, W);
    int rc = cholesky_solve(A, W, ds, dt);
    free(A);
    return rc;
}

void xl_fit_orthogonal(const double *X, const double *Z, int n, int d, double *W) {
    /* M = X^T Z = U S V^T. The eigenvectors of M^T M are V (eigenvalues S^2); then each
     * u_k = M v_k / s_k. Directions with s_k ~ 0 (fewer pairs than dimensions) leave u_k free: any
     * orthonormal completion gives the same fit, so Gram-Schmidt picks one. W = sum_k u_k v_k^T. */
    double *M = xmalloc(sizeof(double) * (size_t)d * d), *MtM = xmalloc(sizeof(double) * (size_t)d * d);
    double *s2 = xmalloc(sizeof(double) * (size_t)d), *V = xmalloc(sizeof(double) * (size_t)d * d);
    double *U = xcalloc((size_t)d * d, sizeof(double)); /* rows u_k */
    gram(X, Z, n, d, d, M);
    gram(M, M, d, d, d, MtM);
    symmetric_eigen(MtM, d, s2, V); /* rows of V: v_k, s2 descending */
    double tol = 1e-10 * (s2[0] > 0 ? s2[0] : 1);
    int k = 0;
    for (; k < d && s2[k] > tol; k++) {
        double s = sqrt(s2[k]);
        for (int i = 0; i < d; i++) {
            double t = 0;
            for (int j = 0; j < d; j++) t += M[i * d + j] * V[k * d + j];
            U[k * d + i] = t / s;
        }
    }
    for (int e = 0; k < d && e < d; e++) { /* complete U from the unit vectors e_0, e_1, ... */
        double *u = U + (size_t)k * d;
        memset(u, 0, sizeof(double) * (size_t)d);
        u[e] = 1;
        for (int pass = 0; pass < 2; pass++)
            for (int q = 0; q < k; q++) {
                double t = 0;
                for (int i = 0; i < d; i++) t += u[i] * U[q * d + i];
                for (int i = 0; i < d; i++) u[i] -= t * U[q * d + i];
            }
        double nrm = 0;
        for (int i = 0; i < d; i++) nrm += u[i] * u[i];
        if (nrm < 1e-6) continue; /* e was in the span already */
        for (int i = 0; i < d; i++) u[i] /= sqrt(nrm);
        k++;
    }
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double t = 0;
            for (int q = 0; q < d; q++) t += U[q * d + i] * V[q * d + j];
            W[i * d + j] = t;
        }
    free(M), free(MtM), free(s2), free(V), free(U);
}

/* ==== the spaces and the evaluation ============================================================= */

static void normalise_rows(double *v, int n, int d) {
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < d; j++) s += v[(size_t)i * d + j] * v[(size_t)i * d + j];
        if (s > 0)
            for (int j = 0; j < d; j++) v[(size_t)i * d + j] /= sqrt(s);
    }
}

void xl_space_init(XlSpace *s, const WordVectors *wv) {
    int n = wv->n, d = wv->dim;
    s->wv = wv;
    s->v = xmalloc(sizeof(double) * (size_t)n * d);
    for (size_t k = 0; k < (size_t)n * d; k++) s->v[k] = wv->vec[k];
    normalise_rows(s->v, n, d);
    for (int j = 0; j < d; j++) {
        double m = 0;
        for (int i = 0; i < n; i++) m += s->v[(size_t)i * d + j];
        m /= n;
        for (int i = 0; i < n; i++) s->v[(size_t)i * d + j] -= m;
    }
    normalise_rows(s->v, n, d);
}

void xl_space_free(XlSpace *s) {
    free(s->v);
    memset(s, 0, sizeof *s);
}

void xl_map(const XlSpace *src, int row, const double *W, int dt, double *y) {
    int ds = src->wv->dim;
    const double *x = src->v + (size_t)row * ds;
    for (int j = 0; j < dt; j++) y[j] = 0;
    for (int i = 0; i < ds; i++)
        for (int j = 0; j < dt; j++) y[j] += x[i] * W[i * dt + j];
}

int xl_nearest(const XlSpace *tgt, const double *y, int k, int *idx, double *cos) {
    int n = tgt->wv->n, d = tgt->wv->dim, found = 0;
    double ny = 0;
    for (int j = 0; j < d; j++) ny += y[j] * y[j];
    ny = ny > 0 ? sqrt(ny) : 1;
    for (int i = 0; i < n; i++) {
        double c = 0;
        for (int j = 0; j < d; j++) c += y[j] * tgt->v[(size_t)i * d + j];
        c /= ny; /* target rows are unit already */
        if (found < k || c > cos[found - 1]) { /* insert into the sorted top k */
            int p = found < k ? found++ : k - 1;
            while (p > 0 && cos[p - 1] < c) cos[p] = cos[p - 1], idx[p] = idx[p - 1], p--;
            cos[p] = c, idx[p] = i;
        }
    }
    return found;
}

int xl_learn(const XlSpace *src, const XlSpace *tgt, const BiDict *d, XlMethod method, double ridge, XlResult *r,
             char *err) {
    memset(r, 0, sizeof *r);
    int ds = src->wv->dim, dt = tgt->wv->dim;
    if (method == XL_ORTHOGONAL && ds != dt)
        return set_err(err, "an orthogonal map needs the same dimension on both sides (%d and %d)", ds, dt);
    double *X = xmalloc(sizeof(double) * (size_t)(d->n ? d->n : 1) * ds);
    double *Z = xmalloc(sizeof(double) * (size_t)(d->n ? d->n : 1) * dt);
    int n = 0;
    for (int p = 0; p < d->n; p++) {
        if (d->test[p]) continue;
        int a = wv_find(src->wv, d->src[p]), b = wv_find(tgt->wv, d->tgt[p]);
        if (a < 0 || b < 0) {
            r->seed_missing++;
            continue;
        }
        memcpy(X + (size_t)n * ds, src->v + (size_t)a * ds, sizeof(double) * (size_t)ds);
        memcpy(Z + (size_t)n * dt, tgt->v + (size_t)b * dt, sizeof(double) * (size_t)dt);
        n++;
    }
    r->seed_used = n;
    r->W = xmalloc(sizeof(double) * (size_t)ds * dt);
    int rc = 0;
    if (n == 0) rc = set_err(err, "no seed pair has both its words in the two vocabularies");
    else if (method == XL_LSTSQ && xl_fit_lstsq(X, Z, n, ds, dt, ridge, r->W))
        rc = set_err(err, "least squares: X^T X + %g I is singular (%d seed pairs for %d dimensions); add --ridge", ridge,
                     n, ds);
    else if (method == XL_ORTHOGONAL) xl_fit_orthogonal(X, Z, n, ds, r->W);
    free(X), free(Z);
    if (rc) {
        xl_result_free(r);
        return -1;
    }
    /* Judge each held-out source word once, against all its listed translations. */
    double *y = xmalloc(sizeof(double) * (size_t)dt);
    for (int p = 0; p < d->n; p++) {
        if (!d->test[p]) continue;
        int a = wv_find(src->wv, d->src[p]), first = 1, any = 0;
        for (int q = 0; q < p; q++)
            if (d->test[q] && !strcmp(d->src[q], d->src[p])) first = 0;
        if (!first) continue;
        for (int q = p; q < d->n; q++)
            if (d->test[q] && !strcmp(d->src[q], d->src[p]) && wv_find(tgt->wv, d->tgt[q]) >= 0) any = 1;
        if (a < 0 || !any) {
            r->test_missing++;
            continue;
        }
        int idx[5];
        double cos[5];
        xl_map(src, a, r->W, dt, y);
        int found = xl_nearest(tgt, y, 5, idx, cos), rank = 0;
        for (int k = 0; k < found && !rank; k++)
            for (int q = p; q < d->n; q++)
                if (d->test[q] && !strcmp(d->src[q], d->src[p]) && !strcmp(tgt->wv->words[idx[k]], d->tgt[q])) rank = k + 1;
        r->tested++;
        r->at1 += rank == 1;
        r->at5 += rank >= 1;
    }
    free(y);
    return 0;
}

void xl_result_free(XlResult *r) {
    free(r->W);
    r->W = NULL;
}

/* ==== the demo piece ============================================================================ */

static void print_method(const char *name, const XlResult *r) {
    printf("  %-34s seed pairs %d (%d missing)   held-out words %d: precision@1 %.1f%% (%d), precision@5 %.1f%% (%d)\n",
           name, r->seed_used, r->seed_missing, r->tested, r->tested ? 100.0 * r->at1 / r->tested : 0, r->at1,
           r->tested ? 100.0 * r->at5 / r->tested : 0, r->at5);
}

/* PCA of n rows (each d doubles) to 2-D and a map of them, every word named, with its page. With
 * arrows, the first n/2 rows are the source words and the rest their translations: an arrow from
 * each source word to its translation, and the two languages in two colours. */
static void plot_rows(const double *rows, int n, int d, const char *const *labels, int arrows, const char *name,
                      const char *title) {
    float *x = xmalloc(sizeof(float) * (size_t)n * d);
    for (size_t k = 0; k < (size_t)n * d; k++) x[k] = (float)rows[k];
    double *proj = xmalloc(sizeof(double) * (size_t)n * 2), ex[2];
    if (pca(x, n, d, 2, proj, NULL, ex) == 0) {
        double *px = xmalloc(sizeof(double) * (size_t)n), *py = xmalloc(sizeof(double) * (size_t)n);
        for (int i = 0; i < n; i++) px[i] = proj[2 * i], py[i] = proj[2 * i + 1];
        PlotArrow *a = xmalloc(sizeof(PlotArrow) * (size_t)(n / 2 + 1));
        int na = 0, *group = xmalloc(sizeof(int) * (size_t)n);
        unsigned char *named = xmalloc((size_t)n);
        for (int i = 0; i < n; i++) group[i] = i < n / 2 ? 0 : 1, named[i] = 1;
        for (int i = 0; arrows && i < n / 2; i++) a[na++] = (PlotArrow){px[i], py[i], px[i + n / 2], py[i + n / 2]};
        static const char *const languages[2] = {"source (mapped)", "target"};
        PlotOpts o = {title, "PC1", "PC2", 0, 0};
        PlotMap m = {0};
        m.x = px, m.y = py, m.n = n, m.labels = labels, m.named = named, m.arrows = a, m.narrows = na, m.page = 1;
        if (arrows) m.group = group, m.group_names = languages, m.ngroups = 2;
        plot_map(name, &o, &m);
        printf("  (the two axes keep %.0f%% of the variance of these %d points)\n", 100 * (ex[0] + ex[1]), n);
        free(px), free(py), free(a), free(group), free(named);
    }
    free(x), free(proj);
}

int xl_show(const WordVectors *src, const WordVectors *tgt, const BiDict *d, double ridge, const char *const *plot_src,
            const char *const *plot_tgt, int nplot, const char *prefix, char *err) {
    XlSpace s, t;
    xl_space_init(&s, src);
    xl_space_init(&t, tgt);
    XlResult ls, orth;
    if (xl_learn(&s, &t, d, XL_LSTSQ, ridge, &ls, err)) {
        xl_space_free(&s), xl_space_free(&t);
        return -1;
    }
    if (xl_learn(&s, &t, d, XL_ORTHOGONAL, 0, &orth, err)) {
        xl_result_free(&ls), xl_space_free(&s), xl_space_free(&t);
        return -1;
    }
    printf("Translation of held-out words (the nearest of %d target words to the mapped source word):\n", tgt->n);
    char name[96];
    snprintf(name, sizeof name, "least squares (ridge %g)", ridge);
    print_method(name, &ls);
    print_method("orthogonal (Procrustes, by SVD)", &orth);
    printf("  chance: precision@1 %.2f%%, precision@5 %.2f%%\n", 100.0 / tgt->n, 500.0 / tgt->n);

    /* the plotted pairs found on both sides */
    int ds = src->dim, dt = tgt->dim, n = 0;
    int *rs = xmalloc(sizeof(int) * (size_t)(nplot ? nplot : 1)), *rt = xmalloc(sizeof(int) * (size_t)(nplot ? nplot : 1));
    for (int i = 0; i < nplot; i++) {
        int a = wv_find(src, plot_src[i]), b = wv_find(tgt, plot_tgt[i]);
        if (a < 0 || b < 0) {
            printf("  (%s / %s left out of the plots: not in the vocabularies)\n", plot_src[i], plot_tgt[i]);
            continue;
        }
        rs[n] = a, rt[n++] = b;
    }
    double *y = xmalloc(sizeof(double) * (size_t)dt);
    printf("The plotted words after the orthogonal map (top 3; whether each pair was a seed or held out):\n");
    int right1 = 0;
    for (int i = 0; i < n; i++) {
        int seed = 0;
        for (int p = 0; p < d->n; p++)
            seed |= !d->test[p] && !strcmp(d->src[p], src->words[rs[i]]) && !strcmp(d->tgt[p], tgt->words[rt[i]]);
        int idx[3];
        double cos[3];
        xl_map(&s, rs[i], orth.W, dt, y);
        int f = xl_nearest(&t, y, 3, idx, cos);
        printf("  %-10s -> ", src->words[rs[i]]);
        for (int k = 0; k < f; k++) printf("%s %.3f%s", tgt->words[idx[k]], cos[k], k + 1 < f ? ", " : "");
        printf("   [%s: %s%s]\n", tgt->words[rt[i]], f && idx[0] == rt[i] ? "top-1" : "not first", seed ? ", seed" : ", held out");
        right1 += f && idx[0] == rt[i];
    }
    printf("  %d of %d first\n", right1, n);

    /* Before any map: do the two languages arrange these words alike? The pairwise cosines of
     * the words within each language, compared by rank. */
    if (n >= 3) {
        int np = n * (n - 1) / 2, k = 0;
        double *cs = xmalloc(sizeof(double) * (size_t)np), *ct = xmalloc(sizeof(double) * (size_t)np);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++, k++) {
                cs[k] = ct[k] = 0;
                for (int q = 0; q < ds; q++) cs[k] += s.v[(size_t)rs[i] * ds + q] * s.v[(size_t)rs[j] * ds + q];
                for (int q = 0; q < dt; q++) ct[k] += t.v[(size_t)rt[i] * dt + q] * t.v[(size_t)rt[j] * dt + q];
            }
        double rho = spearman(cs, ct, np);
        printf("Before any map, the %d pairwise cosines of the plotted words in each language correlate: Spearman %.3f\n",
               np, rho);
        /* What chance gives: the same with the target words paired at random (a permutation test). */
        Rng rng;
        rng_seed(&rng, 28);
        int *perm = xmalloc(sizeof(int) * (size_t)n), trials = 1000, above = 0;
        double mean = 0;
        for (int tr = 0; tr < trials; tr++) {
            for (int i = 0; i < n; i++) perm[i] = i;
            rng_shuffle(&rng, perm, (size_t)n);
            k = 0;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++, k++) {
                    ct[k] = 0;
                    for (int q = 0; q < dt; q++)
                        ct[k] += t.v[(size_t)rt[perm[i]] * dt + q] * t.v[(size_t)rt[perm[j]] * dt + q];
                }
            double r = spearman(cs, ct, np);
            mean += r / trials;
            above += r >= rho;
        }
        printf("  with the target words paired at random instead (%d shuffles): mean %.3f, %d reach %.3f\n", trials, mean,
               above, rho);
        free(cs), free(ct), free(perm);
    }

    /* the plots: each language alone, then both after the map */
    if (n >= 2) {
        char pname[256], title[256];
        const char **labels = xmalloc(sizeof(char *) * (size_t)(2 * n));
        double *rows = xmalloc(sizeof(double) * (size_t)(2 * n) * (ds > dt ? ds : dt));
        for (int i = 0; i < n; i++) {
            labels[i] = src->words[rs[i]];
            memcpy(rows + (size_t)i * ds, s.v + (size_t)rs[i] * ds, sizeof(double) * (size_t)ds);
        }
        snprintf(pname, sizeof pname, "%s_src", prefix);
        plot_rows(rows, n, ds, labels, 0, pname, "source language alone (PCA)");
        for (int i = 0; i < n; i++) {
            labels[i] = tgt->words[rt[i]];
            memcpy(rows + (size_t)i * dt, t.v + (size_t)rt[i] * dt, sizeof(double) * (size_t)dt);
        }
        snprintf(pname, sizeof pname, "%s_tgt", prefix);
        plot_rows(rows, n, dt, labels, 0, pname, "target language alone (PCA)");
        for (int i = 0; i < n; i++) {
            labels[i] = src->words[rs[i]], labels[n + i] = tgt->words[rt[i]];
            xl_map(&s, rs[i], orth.W, dt, rows + (size_t)i * dt);
            memcpy(rows + (size_t)(n + i) * dt, t.v + (size_t)rt[i] * dt, sizeof(double) * (size_t)dt);
        }
        normalise_rows(rows, n, dt);
        snprintf(pname, sizeof pname, "%s_mapped", prefix);
        snprintf(title, sizeof title, "after the orthogonal map: an arrow from each source word to its translation");
        plot_rows(rows, 2 * n, dt, labels, 1, pname, title);
        free(labels), free(rows);
    }
    free(y), free(rs), free(rt);
    xl_result_free(&ls), xl_result_free(&orth);
    xl_space_free(&s), xl_space_free(&t);
    return 0;
}
