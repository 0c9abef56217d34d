/* progress.c - see progress.h. */
#include "progress.h"

#include <stdio.h>

#include "platform.h"

void progress_start(Progress *p, long total_steps, const char *unit) {
    p->t0 = now_seconds();
    p->total_steps = total_steps;
    p->unit = unit ? unit : "items";
}

double progress_elapsed(const Progress *p) { return now_seconds() - p->t0; }

const char *format_count(double x, char *buf, int buflen) {
    if (x >= 1e9) snprintf(buf, (size_t)buflen, "%.2fG", x / 1e9);
    else if (x >= 1e6) snprintf(buf, (size_t)buflen, "%.2fM", x / 1e6);
    else if (x >= 1e4) snprintf(buf, (size_t)buflen, "%.1fk", x / 1e3);
    else snprintf(buf, (size_t)buflen, "%.0f", x);
    return buf;
}

void progress_line(const Progress *p, long step, double loss, double lr, double items) {
    double t = progress_elapsed(p);
    char rate[32], lrs[32] = "";
    format_count(t > 0 ? items / t : 0, rate, sizeof rate);
    if (lr >= 0) snprintf(lrs, sizeof lrs, " | lr %.1e", lr);
    if (p->total_steps > 0)
        printf("step %6ld/%ld | loss %.4f%s | %6.1f s | %s %s/s\n", step, p->total_steps, loss, lrs, t, rate, p->unit);
    else
        printf("step %6ld | loss %.4f%s | %6.1f s | %s %s/s\n", step, loss, lrs, t, rate, p->unit);
    fflush(stdout);
}
