/* pca.c - see pca.h. */
#include "pca.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void symmetric_eigen(double *a, int m, double *w, double *v) {
    /* vt (m,m) collects the rotations; its COLUMNS are the eigenvectors. */
    double *vt = xcalloc(xmul((size_t)m, (size_t)m), sizeof *vt);
    for (int i = 0; i < m; i++) vt[i * m + i] = 1;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (int p = 0; p < m; p++)
            for (int q = 0; q < m; q++) {
                if (p == q) diag += a[p * m + q] * a[p * m + q];
                else off += a[p * m + q] * a[p * m + q];
            }
        if (off <= 1e-30 * (diag > 0 ? diag : 1) || off == 0) break;
        for (int p = 0; p < m - 1; p++)
            for (int q = p + 1; q < m; q++) {
                double apq = a[p * m + q];
                if (apq == 0) continue;
                /* the rotation that zeroes a[p][q] (Golub & Van Loan, the stable form) */
                double theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < m; k++) { /* columns p and q */
                    double akp = a[k * m + p], akq = a[k * m + q];
                    a[k * m + p] = c * akp - s * akq;
                    a[k * m + q] = s * akp + c * akq;
                }
                for (int k = 0; k < m; k++) { /* rows p and q */
                    double apk = a[p * m + k], aqk = a[q * m + k];
                    a[p * m + k] = c * apk - s * aqk;
                    a[q * m + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < m; k++) {
                    double vkp = vt[k * m + p], vkq = vt[k * m + q];
                    vt[k * m + p] = c * vkp - s * vkq;
                    vt[k * m + q] = s * vkp + c * vkq;
                }
            }
    }
    /* sort descending by eigenvalue (selection sort: m is small) */
    int *order = xmalloc(xmul((size_t)m, sizeof *order));
    for (int i = 0; i < m; i++) order[i] = i;
    for (int i = 0; i < m; i++) {
        int best = i;
        for (int j = i + 1; j < m; j++)
            if (a[order[j] * m + order[j]] > a[order[best] * m + order[best]]) best = j;
        int t = order[i];
        order[i] = order[best], order[best] = t;
    }
    for (int i = 0; i < m; i++) {
        w[i] = a[order[i] * m + order[i]];
        for (int k = 0; k < m; k++) v[i * m + k] = vt[k * m + order[i]];
    }
    free(order), free(vt);
}

int pca(const float *x, int n, int d, int k, double *proj, double *components, double *explained) {
    if (n < 1 || d < 1 || k < 1 || k > n || k > d || (n > 4096 && d > 4096)) return -1;
    double *xc = xmalloc(xmul(xmul((size_t)n, (size_t)d), sizeof *xc));
    for (int j = 0; j < d; j++) {
        double mean = 0;
        for (int i = 0; i < n; i++) mean += x[(size_t)i * d + j];
        mean /= n;
        for (int i = 0; i < n; i++) xc[(size_t)i * d + j] = x[(size_t)i * d + j] - mean;
    }
    int gram = n < d, m = gram ? n : d;
    double *a = xmalloc(xmul(xmul((size_t)m, (size_t)m), sizeof *a));
    double *w = xmalloc(xmul((size_t)m, sizeof *w)), *v = xmalloc(xmul(xmul((size_t)m, (size_t)m), sizeof *v));
    for (int p = 0; p < m; p++)
        for (int q = p; q < m; q++) {
            double s = 0;
            if (gram)
                for (int j = 0; j < d; j++) s += xc[(size_t)p * d + j] * xc[(size_t)q * d + j];
            else
                for (int i = 0; i < n; i++) s += xc[(size_t)i * d + p] * xc[(size_t)i * d + q];
            a[p * m + q] = a[q * m + p] = s;
        }
    symmetric_eigen(a, m, w, v);
    double total = 0;
    for (int i = 0; i < m; i++) total += w[i] > 0 ? w[i] : 0;
    double *dir = xmalloc(xmul((size_t)d, sizeof *dir));
    for (int c = 0; c < k; c++) {
        /* the direction in R^d: v itself (scatter), or X^T u normalised (Gram) */
        if (gram) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int i = 0; i < n; i++) s += xc[(size_t)i * d + j] * v[c * m + i];
                dir[j] = s, norm += s * s;
            }
            norm = sqrt(norm);
            for (int j = 0; j < d; j++) dir[j] = norm > 0 ? dir[j] / norm : 0;
        } else {
            for (int j = 0; j < d; j++) dir[j] = v[c * m + j];
        }
        int big = 0;
        for (int j = 1; j < d; j++)
            if (fabs(dir[j]) > fabs(dir[big]) + 1e-12) big = j;
        if (dir[big] < 0)
            for (int j = 0; j < d; j++) dir[j] = -dir[j];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += xc[(size_t)i * d + j] * dir[j];
            proj[(size_t)i * k + c] = s;
        }
        if (components) memcpy(components + (size_t)c * d, dir, sizeof *dir * (size_t)d);
        if (explained) explained[c] = total > 0 && w[c] > 0 ? w[c] / total : 0;
    }
    free(xc), free(a), free(w), free(v), free(dir);
    return 0;
}
