/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void fill_uniform(float *x, size_t n, float lo, float hi, uint64_t seed) {
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17; /* xorshift64 */
        x[i] = lo + (hi - lo) * (float)((s >> 40) / 16777216.0);
    }
}

double max_scaled_err(const float *a, const float *b, size_t n, double atol, double rtol) {
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) != isnan(b[i])) return INFINITY;
        double e = fabs((double)a[i] - (double)b[i]) / (atol + rtol * fabs((double)b[i]));
        if (!(e <= worst)) worst = e; /* also catches NaN */
    }
    return worst;
}

float *fixture_load(const char *path, const char *name, int *ndim, int *shape) {
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open fixture %s (run from the project root)", path);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char tname[256];
        int nd, used;
        if (sscanf(line, "tensor %255s %d%n", tname, &nd, &used) != 2 || strcmp(tname, name) != 0)
            continue;
        ck_assert(nd >= 0 && nd <= 8);
        int shp[8];
        size_t count = 1;
        char *p = line + used;
        for (int i = 0; i < nd; i++) {
            shp[i] = (int)strtol(p, &p, 10);
            count *= (size_t)shp[i];
        }
        float *data = xmalloc(count * sizeof(float) + 1);
        for (size_t i = 0; i < count; i++) ck_assert_msg(fscanf(f, "%f", &data[i]) == 1, "fixture %s/%s short", path, name);
        fclose(f);
        if (ndim) *ndim = nd;
        if (shape) memcpy(shape, shp, sizeof(int) * (size_t)nd);
        return data;
    }
    fclose(f);
    ck_abort_msg("tensor %s not found in fixture %s", name, path);
    return NULL;
}

char *temp_path(const char *suffix) {
    static int counter = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "/tmp/nlpc-test-%ld-%d%s", (long)getpid(), counter++, suffix);
    return xstrdup(buf);
}
