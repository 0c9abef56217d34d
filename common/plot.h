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

/* ns lines with a legend, right of the plotting area so that it never hides a line (markers
 * * o + x # @ % & in the terminal). */
int plot_lines(const char *name, const PlotOpts *o, const PlotSeries *s, int ns);
/* n points, each with its label (labels or labels[i] may be NULL), and narrows arrows: plot_map
 * with no groups, no page, and every label kept only where it fits beside its point. */
int plot_scatter(const char *name, const PlotOpts *o, const double *x, const double *y,
                 const char *const *labels, int n, const PlotArrow *arrows, int narrows);
/* A map of labelled points, the word-vector picture (chapter 02's PCA and t-SNE maps):
 *  - group (optional): each point's group, an index into group_names (-1: none, drawn grey); each
 *    group gets its own colour and a legend entry, outside the data, on the right.
 *  - labels are placed, never stacked: every label is a box of its estimated size in pixels, put
 *    beside its point (right, left, the diagonals, above, below) where it covers no other label,
 *    no dot and no arrow.
 *    A point with named[i] != 0 must be named: its label may also go further out, with a thin line
 *    to its point, and may cover other points' dots as a last resort. The other labels (all of
 *    them when named is NULL) are kept only where they fit right beside their point without
 *    covering another point: the rest stay dots. plot_map prints how many labels it left out.
 *  - page != 0: also write <name>.html beside the PNG: the same figure (gnuplot's svg terminal)
 *    with every point's name on mouse-over, wheel zoom, drag to move, double-click to reset, and
 *    a switch that shows every name. The page needs nothing but a browser (no network, no files).
 * In the terminal the groups get the markers * o + x # @ % &; a label that would run into another
 * is left out there too. */
typedef struct {
    const double *x, *y;
    int n;
    const char *const *labels;      /* NULL, or n labels (NULL entries: no label) */
    const unsigned char *named;     /* NULL, or n flags */
    const int *group;               /* NULL, or n group indices */
    const char *const *group_names; /* ngroups names */
    int ngroups;
    const PlotArrow *arrows;
    int narrows;
    int page;
} PlotMap;
int plot_map(const char *name, const PlotOpts *o, const PlotMap *m);

/* The label layout plot_map draws in its PNG, for tests and checks. Boxes are in the PNG's pixels
 * (y downwards); box i is empty (x1 <= x0) when point i carries no label. */
typedef struct {
    double x0, y0, x1, y1;
} PlotBox;
typedef struct {
    int width, height;                      /* the PNG */
    double area_x0, area_y0, area_x1, area_y1; /* the plotting area, pixels */
    double xlo, xhi, ylo, yhi;              /* its data ranges */
    int n, placed, named_missing, thinned;  /* labels placed; named ones that found no room; others left out */
    double *px, *py;                        /* each point's pixel position */
    PlotBox *box;                           /* n label boxes */
    unsigned char *leader;                  /* n flags: label away from its point, joined by a line */
} PlotLayout;
/* Compute the layout of plot_map(name, o, m) without drawing: 0, or -1 for bad arguments. */
int plot_map_layout(const PlotOpts *o, const PlotMap *m, PlotLayout *out);
void plot_layout_free(PlotLayout *l);
/* 1 if the two boxes share any point (touching edges count). */
int plot_boxes_overlap(const PlotBox *a, const PlotBox *b);

/* m is rows x cols, row-major; row 0 is drawn at the top (like an attention matrix, query rows
 * against key columns). Labels may be NULL (indices are shown). Matrices up to 12x12 get their
 * values printed in the cells of the PNG; the colour bar's ticks are round numbers printed with
 * no more digits than their step needs. In the terminal: shades " .:-=+*#%@" from low to high,
 * '?' for NaN, and a scale line; big matrices are averaged down to fit. */
int plot_heatmap(const char *name, const PlotOpts *o, const double *m, int rows, int cols,
                 const char *const *row_labels, const char *const *col_labels);
/* n horizontal bars, first on top, each with its value (labels or labels[i] may be NULL). As for a
 * vertical bar chart, o->ylabel names the values (the horizontal axis here) and o->xlabel the
 * categories; o->logy makes the value axis logarithmic (for sizes spanning orders of magnitude). */
int plot_bars(const char *name, const PlotOpts *o, const char *const *labels, const double *v, int n);

#endif
