/* vec.c - see vec.h. Sums in double: a 300-dim dot product in float loses ~4 digits. */
#include "vec.h"

#include <math.h>

double vec_dot(const float *a, const float *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

double vec_norm(const float *a, size_t n) { return sqrt(vec_dot(a, a, n)); }

double vec_cosine(const float *a, const float *b, size_t n) {
    double na = vec_norm(a, n), nb = vec_norm(b, n);
    if (na == 0 || nb == 0) return 0;
    return vec_dot(a, b, n) / (na * nb);
}

double vec_euclidean(const float *a, const float *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        s += d * d;
    }
    return sqrt(s);
}

void vec_normalize(float *a, size_t n) {
    double len = vec_norm(a, n);
    if (len == 0) return;
    for (size_t i = 0; i < n; i++) a[i] = (float)(a[i] / len);
}

int top_k(const float *scores, int n, int k, int *idx, int (*skip)(int i, void *ctx), void *ctx) {
    /* Insertion into a sorted list of k: O(n k), fine for the k <= 100 that queries use. */
    int found = 0;
    for (int i = 0; i < n; i++) {
        if (skip && skip(i, ctx)) continue;
        if (found == k && !(scores[i] > scores[idx[k - 1]])) continue;
        int pos = found < k ? found++ : k - 1;
        while (pos > 0 && scores[i] > scores[idx[pos - 1]]) {
            idx[pos] = idx[pos - 1];
            pos--;
        }
        idx[pos] = i;
    }
    return found;
}
