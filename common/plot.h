/* plot.h - the figures of every chapter: loss curves, word-vector maps, attention maps, bar charts.
 *
 * Each plot_* call writes <outdir>/<name>.png through gnuplot (pngcairo) and returns 0, or, when
 * gnuplot is missing or plot_set_ascii(1) was called, draws the same plot as text on stdout and
 * returns 1. On an error it prints one line on stderr and returns -1; it never exits, because a
 * failed figure should not throw away a finished training run.
 *
 * Why these choices:
 *  - gnuplot, not a plotting library: nothing to link, and a reader can open the generated script
 *    to see how a figure is made. The script and its data go to a temporary file (data as inline
 *    blocks) that is removed after the run.
 *  - The PNG is rendered to "<name>.png.tmp.<pid>", checked for the PNG signature and renamed, so a
 *    failed gnuplot run never leaves a broken file where a good one was.
 *  - Every label is passed to gnuplot as a single-quoted string (no escape processing, ' doubled,
 *    control characters turned into spaces) with enhanced text off, so quotes, backslashes, '_' and
 *    '^' in a label print as themselves and cannot break or inject into the script.
 *  - Labels are UTF-8; Chinese renders with the "WenQuanYi Micro Hei" font when fc-list has it. The
 *    terminal drawing counts CJK and full-width characters as two columns.
 *  - NaN and infinite values are skipped (and values <= 0 on a log axis); empty or constant data
 *    draws an empty or flat plot instead of failing.
 *
 * The settings (outdir, ascii) are process-wide: set them once from main(), not from threads.
 */
#ifndef COMMON_PLOT_H
#define COMMON_PLOT_H

/* Size of the terminal drawing's plotting area, in character cells (the y tick labels and the
 * axis take PLOT_ASCII_MARGIN more columns on the left). Odd sizes, so that the middle tick sits
 * exactly on a row and a column. */
#define PLOT_ASCII_W 61
#define PLOT_ASCII_H 21
#define PLOT_ASCII_MARGIN 12

/* Directory for the PNGs, "out" by default (NULL restores it); created on demand, with parents. */
void plot_set_outdir(const char *dir);
/* force != 0: draw in the terminal even when gnuplot exists (the programs' --ascii flag). */
void plot_set_ascii(int force);
/* 1 if `gnuplot` is on the PATH (probed once, then cached). The environment variable
 * NLPC_NO_GNUPLOT=1 makes it answer 0, to try the terminal drawing in demos and tests. */
int plot_have_gnuplot(void);

/* Any field may be NULL/0. logx/logy: logarithmic axis (plot_bars uses logy for its value axis;
 * plot_heatmap ignores both). */
typedef struct {
    const char *title, *xlabel, *ylabel;
    int logx, logy;
} PlotOpts;

/* One line: n points (x[i], y[i]); x may be NULL, meaning x[i] = i. name goes into the legend. */
typedef struct {
    const char *name;
    const double *x, *y;
    int n;
} PlotSeries;

/* An arrow from (x0, y0) to (x1, y1) in data coordinates, e.g. king - man + woman -> queen. */
typedef struct {
    double x0, y0, x1, y1;
} PlotArrow;

/* name: the file's base name (no '/', no leading '.'); "loss" writes <outdir>/loss.png.
 * All return 0 (PNG written, "plot: <path>" printed on stdout), 1 (drawn in the terminal), or -1. */

/* ns lines with a legend (markers * o + x # @ % & in the terminal). */
int plot_lines(const char *name, const PlotOpts *o, const PlotSeries *s, int ns);
/* n points, each with its label (labels or labels[i] may be NULL), and narrows arrows. */
int plot_scatter(const char *name, const PlotOpts *o, const double *x, const double *y,
                 const char *const *labels, int n, const PlotArrow *arrows, int narrows);
/* m is rows x cols, row-major; row 0 is drawn at the top (like an attention matrix, query rows
 * against key columns). Labels may be NULL (indices are shown). Matrices up to 12x12 get their
 * values printed in the cells of the PNG. In the terminal: shades " .:-=+*#%@" from low to high,
 * '?' for NaN, and a scale line; big matrices are averaged down to fit. */
int plot_heatmap(const char *name, const PlotOpts *o, const double *m, int rows, int cols,
                 const char *const *row_labels, const char *const *col_labels);
/* n horizontal bars, first on top, each with its value (labels or labels[i] may be NULL). As for a
 * vertical bar chart, o->ylabel names the values (the horizontal axis here) and o->xlabel the
 * categories; o->logy makes the value axis logarithmic (for sizes spanning orders of magnitude). */
int plot_bars(const char *name, const PlotOpts *o, const char *const *labels, const double *v, int n);

#endif
