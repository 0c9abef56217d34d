/* stats.c - see stats.h. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

typedef struct {
    double v;
    int i;
} Pair;

static int by_value(const void *a, const void *b) {
    const Pair *p = a, *q = b;
    if (p->v < q->v) return -1;
    if (p->v > q->v) return 1;
    return (p->i > q->i) - (p->i < q->i); /* stable, so the result never depends on qsort */
}

void ranks_average(const double *x, int n, double *rank) {
    Pair *p = xmalloc(xmul((size_t)(n > 0 ? n : 1), sizeof *p));
    for (int i = 0; i < n; i++) p[i].v = x[i], p[i].i = i;
    qsort(p, (size_t)n, sizeof *p, by_value);
    for (int a = 0; a < n;) {
        int b = a;
        while (b + 1 < n && p[b + 1].v == p[a].v) b++;
        double r = (a + b) / 2.0 + 1.0; /* mean of the 1-based ranks a+1 .. b+1 */
        for (int k = a; k <= b; k++) rank[p[k].i] = r;
        a = b + 1;
    }
    free(p);
}

double pearson(const double *x, const double *y, int n) {
    if (n < 2) return NAN;
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= n, my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy, sxx += dx * dx, syy += dy * dy;
    }
    if (sxx == 0 || syy == 0) return NAN;
    return sxy / sqrt(sxx * syy);
}

double spearman(const double *x, const double *y, int n) {
    if (n < 2) return NAN;
    double *rx = xmalloc(xmul((size_t)n, sizeof *rx)), *ry = xmalloc(xmul((size_t)n, sizeof *ry));
    ranks_average(x, n, rx);
    ranks_average(y, n, ry);
    double r = pearson(rx, ry, n);
    free(rx), free(ry);
    return r;
}
