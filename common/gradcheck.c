/* gradcheck.c - see gradcheck.h. */
#include "gradcheck.h"

#include <math.h>

GradCheck gradcheck(LossFn f, void *ctx, float *x, const float *grad, size_t n, double h, double atol,
                    double rtol, size_t max_checks) {
    GradCheck r = {0};
    size_t stride = (max_checks == 0 || n <= max_checks) ? 1 : n / max_checks;
    for (size_t i = 0; i < n; i += stride) {
        float orig = x[i];
        /* Use the steps actually representable in float, not the nominal h. */
        float xp = (float)(orig + h), xm = (float)(orig - h);
        x[i] = xp;
        double lp = f(ctx);
        x[i] = xm;
        double lm = f(ctx);
        x[i] = orig;
        double numeric = (lp - lm) / ((double)xp - (double)xm);
        double analytic = grad[i];
        double err = fabs(analytic - numeric) / (atol + rtol * fmax(fabs(analytic), fabs(numeric)));
        if (!(err <= r.worst)) { /* NaN counts as worst */
            r.worst = isnan(err) ? INFINITY : err;
            r.worst_index = i;
            r.analytic = analytic;
            r.numeric = numeric;
        }
        r.checked++;
    }
    return r;
}

double dot_loss(const float *out, const float *r, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)out[i] * r[i];
    return s;
}
