/* crossling.h - chapter 02, claim C28: two languages' vector spaces joined by one linear map
 * (Mikolov, Le and Sutskever 2013, "Exploiting similarities among languages for machine
 * translation"); see crossling.c. */
#ifndef W2V_CROSSLING_H
#define W2V_CROSSLING_H

#include "vectors.h"

/* A bilingual dictionary: pairs "source target" one a line; a line ": seed" starts the pairs the
 * map is learned from, ": test" the held-out pairs it is judged on ('#' lines and blank lines
 * skipped). A source word may appear in several pairs (several right answers). */
typedef struct {
    int n;
    char **src, **tgt;
    int *test; /* 1: held out */
} BiDict;
/* Returns 0, or -1 with err set (unreadable file, a pair before any section, a line that is not
 * two words, an unknown section, no seed pair). */
int bidict_load(BiDict *d, const char *path, char *err);
void bidict_free(BiDict *d);

/* Least squares (Mikolov et al.): W (ds,dt) minimising ||X W - Z||^2 + ridge ||W||^2 over the n
 * rows of X (n,ds) and Z (n,dt), through the normal equations (X^T X + ridge I) W = X^T Z solved by
 * Cholesky. Returns 0, or -1 if X^T X + ridge I is not positive definite (too few pairs for ds
 * dimensions and ridge 0). */
int xl_fit_lstsq(const double *X, const double *Z, int n, int ds, int dt, double ridge, double *W);
/* The orthogonal map (the Procrustes problem; Xing et al. 2015, Artetxe et al. 2016): W (d,d) with
 * W^T W = I minimising ||X W - Z||, which is W = U V^T for the SVD U S V^T = X^T Z. A rotation keeps
 * every distance of the source space, so it cannot overfit the way a free matrix can. */
void xl_fit_orthogonal(const double *X, const double *Z, int n, int d, double *W);

typedef enum { XL_LSTSQ, XL_ORTHOGONAL } XlMethod;

/* The two spaces prepared for mapping: every row scaled to unit length, centred, and scaled to unit
 * length again (Artetxe et al. 2016), in double. */
typedef struct {
    const WordVectors *wv;
    double *v; /* (n, dim) */
} XlSpace;
void xl_space_init(XlSpace *s, const WordVectors *wv);
void xl_space_free(XlSpace *s);

typedef struct {
    int seed_used, seed_missing;  /* seed pairs with both words in the vocabularies, and without */
    int tested, test_missing;     /* held-out source words judged (distinct), and pairs skipped */
    int at1, at5;                 /* a right translation first / among the first five */
    double *W;                    /* (ds, dt) the map, malloc'd */
} XlResult;
/* Learn the map from the seed pairs and judge it on the test pairs: each held-out source word is
 * mapped, and its nearest target words by cosine are compared with its translations.
 * Returns 0, or -1 with err set (no seed pair in the vocabularies, lstsq failing, orthogonal with
 * different dimensions). */
int xl_learn(const XlSpace *src, const XlSpace *tgt, const BiDict *d, XlMethod method, double ridge, XlResult *r,
             char *err);
void xl_result_free(XlResult *r);
/* Map source row i (dim ds) through W into y (dt), and find the k nearest target rows (cosines). */
void xl_map(const XlSpace *src, int row, const double *W, int dt, double *y);
int xl_nearest(const XlSpace *tgt, const double *y, int k, int *idx, double *cos);

#endif

/* ---- the demo piece: claim C28 printed and plotted --------------------------------------------- */

/* Print, for both fits, the seed and test counts and precision@1/@5 on the held-out pairs; the
 * held-out translations of plot pairs (top 3 after the orthogonal map); how alike the two
 * languages arrange the plotted words before any map (Spearman between their pairwise cosines);
 * and three plots: the source words alone (PCA), the target words alone, and both together after
 * the orthogonal map, an arrow from each mapped source word to its translation. plot_src/plot_tgt:
 * nplot words of each side, paired by position. prefix: the plots' base name ("..._en", "..._zh",
 * "..._mapped" are appended). Returns 0, or -1 with err set. */
int xl_show(const WordVectors *src, const WordVectors *tgt, const BiDict *d, double ridge, const char *const *plot_src,
            const char *const *plot_tgt, int nplot, const char *prefix, char *err);
