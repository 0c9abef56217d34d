/* progress.h - the one training print-out every chapter shares, so a reader compares chapters at a
 * glance:   step   200/1000 | loss 2.3456 | lr 1.0e-03 | 12.3 s | 45.6k tok/s
 * Also a plain counter for long loops without a loss ("counting words: 1.2M tokens, 3.4 s"). */
#ifndef COMMON_PROGRESS_H
#define COMMON_PROGRESS_H

typedef struct {
    double t0;         /* start time */
    long total_steps;  /* 0 when unknown */
    const char *unit;  /* what the throughput counts: "tok", "words", "seq" */
} Progress;

void progress_start(Progress *p, long total_steps, const char *unit);
/* Print one line; items = how many units were processed since the start (for the rate).
 * lr < 0 omits the learning rate. */
void progress_line(const Progress *p, long step, double loss, double lr, double items);
/* Seconds since progress_start. */
double progress_elapsed(const Progress *p);
/* "1.23M", "45.6k", "789" into buf. */
const char *format_count(double x, char *buf, int buflen);

#endif
