/* plot.c - see plot.h. Sections: settings and probes, UTF-8 widths, the text canvas and axes, the
 * terminal drawings, gnuplot scripts, the public calls (each decides between the two). */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "utf8.h"
#include "util.h"

extern char **environ; /* POSIX: the application declares it; posix_spawnp passes it on */

/* ================================ settings and probes ======================================= */

static char *g_outdir;     /* NULL: "out" */
static int g_force_ascii;
static int g_gnuplot = -1; /* -1: not probed yet */
static int g_cjk_font = -1;

#define CJK_FONT "WenQuanYi Micro Hei"

void plot_set_outdir(const char *dir) {
    free(g_outdir);
    g_outdir = dir && *dir ? xstrdup(dir) : NULL;
}

static const char *outdir(void) { return g_outdir ? g_outdir : "out"; }

void plot_set_ascii(int force) { g_force_ascii = force != 0; }

int plot_have_gnuplot(void) {
    const char *no = getenv("NLPC_NO_GNUPLOT");
    if (no && *no && strcmp(no, "0") != 0) return 0;
    if (g_gnuplot < 0) {
        fflush(stdout); /* the shell is a fork of us: do not let it inherit half a line */
        g_gnuplot = system("command -v gnuplot >/dev/null 2>&1") == 0;
    }
    return g_gnuplot;
}

/* Chinese labels need a font that has the glyphs; without one cairo draws boxes. */
static int have_cjk_font(void) {
    if (g_cjk_font < 0) {
        g_cjk_font = 0;
        fflush(stdout);
        FILE *p = popen("fc-list ':family=" CJK_FONT "' family 2>/dev/null", "r");
        if (p) {
            char line[256];
            if (fgets(line, sizeof line, p) && strstr(line, CJK_FONT)) g_cjk_font = 1;
            while (fgets(line, sizeof line, p)) { /* drain, so fc-list never dies of SIGPIPE */
            }
            pclose(p);
        }
    }
    return g_cjk_font;
}

/* ==================================== UTF-8 widths ========================================== */

/* Decode one character at s (s[0] != 0) with utf8.h; return its length in bytes (>= 1). A
 * malformed sequence decodes as U+FFFD one byte at a time, so a broken label can never make us
 * read past its end. */
static int decode_lenient(const char *s, uint32_t *cp) {
    size_t avail = 0;
    while (avail < 4 && s[avail]) avail++;
    int n = utf8_decode(s, avail, cp);
    if (n <= 0) {
        *cp = 0xFFFD;
        return 1;
    }
    return n;
}

/* Characters we show in the terminal: controls become spaces (a label must not move the cursor),
 * undecodable bytes become '?'. */
static uint32_t printable(uint32_t c) {
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) return ' ';
    if (c == 0xFFFD) return '?';
    return c;
}

static int text_width(const char *s) {
    int w = 0;
    uint32_t c;
    while (s && *s) {
        s += decode_lenient(s, &c);
        w += utf8_width(printable(c));
    }
    return w;
}

/* Write s to stdout, at most maxw columns (a wide character that would not fit is left out);
 * pad with spaces to pad columns. Returns the columns written (without the padding). */
static int put_text(const char *s, int maxw, int pad) {
    int w = 0;
    uint32_t c;
    char buf[4];
    while (s && *s) {
        s += decode_lenient(s, &c);
        c = printable(c);
        int cw = utf8_width(c);
        if (w + cw > maxw) break;
        fwrite(buf, 1, (size_t)utf8_encode(c, buf), stdout);
        w += cw;
    }
    for (int i = w; i < pad; i++) putchar(' ');
    return w;
}

/* ================================ the text canvas and axes ================================== */

/* One terminal cell holds one UTF-8 character; an empty string marks the right half of the wide
 * character in the cell to its left. */
typedef struct {
    char s[5];
} Cell;
typedef struct {
    int w, h;
    Cell *cells;
} Canvas;

static void canvas_init(Canvas *cv, int w, int h) {
    cv->w = w, cv->h = h;
    cv->cells = xcalloc((size_t)w * (size_t)h, sizeof(Cell));
    for (int i = 0; i < w * h; i++) cv->cells[i].s[0] = ' ';
}

static Cell *cell(Canvas *cv, int r, int c) { return &cv->cells[(size_t)r * (size_t)cv->w + (size_t)c]; }

/* Put one character at (r, c); off-canvas and half-fitting characters are dropped. A wide
 * character partly overwritten is blanked whole, so a row never prints half a glyph. */
static void canvas_put(Canvas *cv, int r, int c, uint32_t ch) {
    ch = printable(ch);
    int width = utf8_width(ch);
    if (width == 0 || r < 0 || r >= cv->h || c < 0 || c + width > cv->w) return;
    for (int k = c; k < c + width; k++) {
        if (cell(cv, r, k)->s[0] == '\0') strcpy(cell(cv, r, k - 1)->s, " "); /* k > 0 here */
        else if (k + 1 < cv->w && cell(cv, r, k + 1)->s[0] == '\0') strcpy(cell(cv, r, k + 1)->s, " ");
    }
    Cell *x = cell(cv, r, c);
    x->s[utf8_encode(ch, x->s)] = '\0';
    if (width == 2) cell(cv, r, c + 1)->s[0] = '\0';
}

/* Write a label from (r, c) rightwards; returns the columns it takes. */
static int canvas_text(Canvas *cv, int r, int c, const char *s) {
    int w = 0;
    uint32_t ch;
    while (s && *s) {
        s += decode_lenient(s, &ch);
        canvas_put(cv, r, c + w, ch);
        w += utf8_width(printable(ch));
    }
    return w;
}

/* Print row r without its trailing spaces (the caller prints the margin before it). */
static void canvas_print_row(Canvas *cv, int r) {
    int end = cv->w;
    while (end > 0 && strcmp(cell(cv, r, end - 1)->s, " ") == 0) end--;
    for (int c = 0; c < end; c++) fputs(cell(cv, r, c)->s, stdout);
}

/* A data axis. lo and hi are in plotted units: log10 of the value on a log axis. */
typedef struct {
    double lo, hi;
    int log;
    int empty;    /* no usable value at all */
    int constant; /* all values equal: the range was widened around them */
} Axis;

static int axis_usable(const Axis *a, double v) { return isfinite(v) && (!a->log || v > 0); }
static double axis_t(const Axis *a, double v) { return a->log ? log10(v) : v; }
static double axis_value(const Axis *a, double t) { return a->log ? pow(10.0, t) : t; }

static void axis_begin(Axis *a, int log) {
    a->lo = INFINITY, a->hi = -INFINITY;
    a->log = log != 0;
    a->empty = 1, a->constant = 0;
}

static void axis_add(Axis *a, double v) {
    if (!axis_usable(a, v)) return;
    double t = axis_t(a, v);
    if (t < a->lo) a->lo = t;
    if (t > a->hi) a->hi = t;
    a->empty = 0;
}

/* Give the axis a non-empty range, so no later division is by zero: [0, 1] without data; around a
 * constant, half a decade on a log axis, 5% (or 0.5 around zero) on a linear one. */
static void axis_finish(Axis *a) {
    if (a->empty) {
        a->lo = 0, a->hi = 1;
        return;
    }
    if (a->hi > a->lo) return;
    double d = a->log ? 0.5 : (a->lo != 0 ? fabs(a->lo) * 0.05 : 0.5);
    a->lo -= d, a->hi += d;
    a->constant = 1;
}

/* Widen by a fraction of the range on each side (room for markers and labels). */
static void axis_pad(Axis *a, double lo_frac, double hi_frac) {
    double span = a->hi / 2 - a->lo / 2;
    a->lo -= 2 * span * lo_frac, a->hi += 2 * span * hi_frac;
}

/* Map a usable value to a cell index in [0, n-1]. Halving before subtracting keeps the span finite
 * even for values near +-DBL_MAX; the clamp also turns a NaN into 0 instead of an undefined cast. */
static int axis_cell(const Axis *a, double v, int n) {
    double f = (axis_t(a, v) / 2 - a->lo / 2) / (a->hi / 2 - a->lo / 2);
    if (!(f >= 0)) f = 0;
    if (f > 1) f = 1;
    return (int)(f * (n - 1) + 0.5);
}

/* ================================= the terminal drawings ==================================== */

static const char MARKERS[] = "*o+x#@%&";
static const char SHADES[] = " .:-=+*#%@"; /* low to high */
#define NSHADES 10

static void print_centered(const char *s, int width) {
    int pad = (width - text_width(s)) / 2;
    for (int i = 0; i < pad; i++) putchar(' ');
    put_text(s, width, 0);
    putchar('\n');
}

/* Title, y label, the rows with their y ticks, the x axis with its ticks and the x label. */
static void ascii_frame(Canvas *cv, const PlotOpts *o, const Axis *ax, const Axis *ay) {
    const int M = PLOT_ASCII_MARGIN;
    if (o->title && *o->title) print_centered(o->title, M + cv->w);
    if (o->ylabel && *o->ylabel) {
        put_text(o->ylabel, M + cv->w, 0);
        putchar('\n');
    }
    for (int r = 0; r < cv->h; r++) {
        double t = r == 0 ? ay->hi : r == cv->h - 1 ? ay->lo : r == cv->h / 2 ? (ay->lo + ay->hi) / 2 : NAN;
        if (isnan(t)) printf("%*s |", M - 2, "");
        else printf("%*.4g |", M - 2, axis_value(ay, t));
        canvas_print_row(cv, r);
        putchar('\n');
    }
    printf("%*s+", M - 1, "");
    for (int c = 0; c < cv->w; c++) putchar('-');
    putchar('\n');
    /* ticks under the first, middle and last column */
    char line[PLOT_ASCII_MARGIN + PLOT_ASCII_W + 64], num[3][32];
    int len = M + cv->w + 16;
    memset(line, ' ', (size_t)len);
    line[len] = '\0';
    snprintf(num[0], 32, "%.4g", axis_value(ax, ax->lo));
    snprintf(num[1], 32, "%.4g", axis_value(ax, (ax->lo + ax->hi) / 2));
    snprintf(num[2], 32, "%.4g", axis_value(ax, ax->hi));
    int pos[3] = {M, M + cv->w / 2 - (int)strlen(num[1]) / 2, M + cv->w - (int)strlen(num[2])};
    for (int i = 0; i < 3; i++) memcpy(line + pos[i], num[i], strlen(num[i]));
    while (len > 0 && line[len - 1] == ' ') line[--len] = '\0';
    puts(line);
    if (o->xlabel && *o->xlabel) {
        printf("%*s", M, "");
        print_centered(o->xlabel, cv->w);
    }
}

/* A straight run of ch from cell (r0, c0) to (r1, c1), both ends included. */
static void canvas_segment(Canvas *cv, int r0, int c0, int r1, int c1, uint32_t ch) {
    int steps = abs(r1 - r0) > abs(c1 - c0) ? abs(r1 - r0) : abs(c1 - c0);
    for (int k = 0; k <= steps; k++) {
        double f = steps ? (double)k / steps : 0;
        canvas_put(cv, (int)lround(r0 + f * (r1 - r0)), (int)lround(c0 + f * (c1 - c0)), ch);
    }
}

static double series_x(const PlotSeries *s, int i) { return s->x ? s->x[i] : (double)i; }

static int ascii_lines(const PlotOpts *o, const PlotSeries *s, int ns) {
    Axis ax, ay;
    axis_begin(&ax, o->logx), axis_begin(&ay, o->logy);
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < s[k].n; i++)
            if (axis_usable(&ax, series_x(&s[k], i)) && axis_usable(&ay, s[k].y[i]))
                axis_add(&ax, series_x(&s[k], i)), axis_add(&ay, s[k].y[i]);
    axis_finish(&ax), axis_finish(&ay);
    Canvas cv;
    canvas_init(&cv, PLOT_ASCII_W, PLOT_ASCII_H);
    for (int k = 0; k < ns; k++) {
        int have_prev = 0, pr = 0, pc = 0;
        for (int i = 0; i < s[k].n; i++) {
            double x = series_x(&s[k], i), y = s[k].y[i];
            if (!axis_usable(&ax, x) || !axis_usable(&ay, y)) continue; /* skipped: join across */
            int c = axis_cell(&ax, x, cv.w), r = cv.h - 1 - axis_cell(&ay, y, cv.h);
            canvas_segment(&cv, have_prev ? pr : r, have_prev ? pc : c, r, c, (uint32_t)MARKERS[k % 8]);
            have_prev = 1, pr = r, pc = c;
        }
    }
    ascii_frame(&cv, o, &ax, &ay);
    if (ax.empty) printf("%*s(no data)\n", PLOT_ASCII_MARGIN, "");
    printf("%*s", PLOT_ASCII_MARGIN, "");
    for (int k = 0; k < ns; k++) {
        printf("%s%c ", k ? "   " : "", MARKERS[k % 8]);
        if (s[k].name) put_text(s[k].name, 40, 0);
        else printf("series %d", k + 1);
    }
    putchar('\n');
    free(cv.cells);
    return 1;
}

static int ascii_scatter(const PlotOpts *o, const double *x, const double *y, const char *const *labels,
                         int n, const PlotArrow *arrows, int narrows) {
    Axis ax, ay;
    axis_begin(&ax, o->logx), axis_begin(&ay, o->logy);
    for (int i = 0; i < n; i++)
        if (axis_usable(&ax, x[i]) && axis_usable(&ay, y[i])) axis_add(&ax, x[i]), axis_add(&ay, y[i]);
    for (int i = 0; i < narrows; i++) {
        const PlotArrow *a = &arrows[i];
        if (axis_usable(&ax, a->x0) && axis_usable(&ax, a->x1) && axis_usable(&ay, a->y0) &&
            axis_usable(&ay, a->y1))
            axis_add(&ax, a->x0), axis_add(&ax, a->x1), axis_add(&ay, a->y0), axis_add(&ay, a->y1);
    }
    axis_finish(&ax), axis_finish(&ay);
    Canvas cv;
    canvas_init(&cv, PLOT_ASCII_W, PLOT_ASCII_H);
    /* arrows first, labels over them, points last so that no point is hidden */
    for (int i = 0; i < narrows; i++) {
        const PlotArrow *a = &arrows[i];
        if (!axis_usable(&ax, a->x0) || !axis_usable(&ax, a->x1) || !axis_usable(&ay, a->y0) ||
            !axis_usable(&ay, a->y1))
            continue;
        int c0 = axis_cell(&ax, a->x0, cv.w), c1 = axis_cell(&ax, a->x1, cv.w);
        int r0 = cv.h - 1 - axis_cell(&ay, a->y0, cv.h), r1 = cv.h - 1 - axis_cell(&ay, a->y1, cv.h);
        canvas_segment(&cv, r0, c0, r1, c1, '.');
        /* a cell is about twice as tall as it is wide */
        uint32_t head = abs(c1 - c0) >= 2 * abs(r1 - r0) ? (c1 >= c0 ? '>' : '<') : (r1 < r0 ? '^' : 'v');
        canvas_put(&cv, r1, c1, head);
    }
    for (int i = 0; labels && i < n; i++) {
        if (!labels[i] || !axis_usable(&ax, x[i]) || !axis_usable(&ay, y[i])) continue;
        int c = axis_cell(&ax, x[i], cv.w), r = cv.h - 1 - axis_cell(&ay, y[i], cv.h);
        int w = text_width(labels[i]);
        canvas_text(&cv, r, c + 1 + w <= cv.w ? c + 1 : c - w, labels[i]); /* left of the point at the edge */
    }
    for (int i = 0; i < n; i++) {
        if (!axis_usable(&ax, x[i]) || !axis_usable(&ay, y[i])) continue;
        canvas_put(&cv, cv.h - 1 - axis_cell(&ay, y[i], cv.h), axis_cell(&ax, x[i], cv.w), '*');
    }
    ascii_frame(&cv, o, &ax, &ay);
    if (ax.empty) printf("%*s(no data)\n", PLOT_ASCII_MARGIN, "");
    free(cv.cells);
    return 1;
}

static int shade_index(double v, double lo, double hi) {
    if (hi <= lo) return NSHADES / 2 - 1; /* constant matrix: a middle shade, not "all zero" */
    double f = (v / 2 - lo / 2) / (hi / 2 - lo / 2);
    if (!(f >= 0)) f = 0;
    int i = (int)(f * (NSHADES - 0.001));
    return i < NSHADES ? i : NSHADES - 1;
}

/* Terminal heatmaps fit in about 64 x 40 cells: bigger matrices are averaged over blocks. */
#define HEAT_MAX_COLS 64
#define HEAT_MAX_ROWS 40
#define HEAT_LABEL_W 16
#define HEAT_HEADER_H 6

static int ascii_heatmap(const PlotOpts *o, const double *m, int rows, int cols,
                         const char *const *row_labels, const char *const *col_labels) {
    int rb = (rows + HEAT_MAX_ROWS - 1) / HEAT_MAX_ROWS, cb = (cols + HEAT_MAX_COLS - 1) / HEAT_MAX_COLS;
    int R = (rows + rb - 1) / rb, C = (cols + cb - 1) / cb;
    int cw = C <= 32 ? 2 : 1; /* two columns per cell when there is room: cells look square */
    double *g = xcalloc((size_t)R * (size_t)C, sizeof(double));
    double lo = INFINITY, hi = -INFINITY;
    int any_nan = 0;
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            double sum = 0;
            int cnt = 0;
            for (int a = i * rb; a < rows && a < (i + 1) * rb; a++)
                for (int b = j * cb; b < cols && b < (j + 1) * cb; b++) {
                    double x = m[(size_t)a * (size_t)cols + (size_t)b];
                    if (isfinite(x)) sum += x, cnt++;
                }
            double v = cnt ? sum / cnt : NAN;
            g[(size_t)i * (size_t)C + (size_t)j] = v;
            if (cnt) {
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            } else any_nan = 1;
        }
    if (o->title && *o->title) puts(o->title);
    if (o->ylabel || o->xlabel)
        printf("rows: %s, columns: %s\n", o->ylabel ? o->ylabel : "-", o->xlabel ? o->xlabel : "-");
    if (rb > 1 || cb > 1) printf("(%dx%d matrix averaged over %dx%d blocks)\n", rows, cols, rb, cb);
    /* row label column */
    int lw = 1;
    char idx[32];
    for (int i = 0; i < R; i++) {
        int w = row_labels && row_labels[i * rb] ? text_width(row_labels[i * rb])
                                                 : snprintf(idx, sizeof idx, "%d", i * rb);
        if (w > lw) lw = w;
    }
    if (lw > HEAT_LABEL_W) lw = HEAT_LABEL_W;
    /* column labels written downwards, one character a line, so each stays over its own cell;
     * without labels, one line of indices, every 5th or 10th where they would not fit */
    Canvas head;
    canvas_init(&head, C * cw + 8, HEAT_HEADER_H);
    int hh = 0;
    if (!col_labels) {
        int step = cw == 2 && C <= 10 ? 1 : cw == 2 ? 5 : 10;
        for (int j = 0; j < C; j += step) {
            snprintf(idx, sizeof idx, "%d", j * cb);
            canvas_text(&head, 0, j * cw, idx);
        }
        hh = 1;
    }
    for (int j = 0; col_labels && j < C; j++) {
        const char *s = col_labels[j * cb];
        if (!s) snprintf(idx, sizeof idx, "%d", j * cb), s = idx;
        int line = 0;
        uint32_t ch;
        while (*s && line < HEAT_HEADER_H) {
            s += decode_lenient(s, &ch);
            if (utf8_width(printable(ch)) == 0) continue;
            canvas_put(&head, line++, j * cw, ch);
        }
        if (line > hh) hh = line;
    }
    for (int r = 0; r < hh; r++) {
        printf("%*s  ", lw, "");
        canvas_print_row(&head, r);
        putchar('\n');
    }
    free(head.cells);
    for (int i = 0; i < R; i++) {
        if (row_labels && row_labels[i * rb]) put_text(row_labels[i * rb], lw, lw);
        else printf("%*d", lw, i * rb);
        printf(" |");
        for (int j = 0; j < C; j++) {
            double v = g[(size_t)i * (size_t)C + (size_t)j];
            char ch = isnan(v) ? '?' : SHADES[shade_index(v, lo, hi)];
            for (int k = 0; k < cw; k++) putchar(ch);
        }
        puts("|");
    }
    if (lo > hi) puts("(no data)");
    else printf("scale: %.4g [%s] %.4g%s\n", lo, SHADES, hi, any_nan ? "   ? = NaN" : "");
    free(g);
    return 1;
}

#define BAR_W 40
#define BAR_LABEL_W 20

static int ascii_bars(const PlotOpts *o, const char *const *labels, const double *v, int n) {
    double lo = 0, hi = 0, minpos = INFINITY, maxpos = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
        if (v[i] > 0 && v[i] < minpos) minpos = v[i];
        if (v[i] > 0 && v[i] > maxpos) maxpos = v[i];
    }
    int logv = o->logy && maxpos > 0;
    double tlo = 0, thi = 1;
    if (logv) {
        /* start one power of ten below the smallest value, so the smallest bar still shows */
        tlo = floor(log10(minpos) - 1e-9), thi = log10(maxpos);
    } else if (hi <= lo) hi = 1; /* all zero */
    if (o->title && *o->title) puts(o->title);
    if (o->ylabel && *o->ylabel) printf("%s%s\n", o->ylabel, logv ? " (log scale)" : "");
    int lw = 1;
    char idx[32];
    for (int i = 0; i < n; i++) {
        int w = labels && labels[i] ? text_width(labels[i]) : snprintf(idx, sizeof idx, "%d", i);
        if (w > lw) lw = w;
    }
    if (lw > BAR_LABEL_W) lw = BAR_LABEL_W;
    /* linear: the zero column sits where 0 falls, so negative bars grow to the left */
    int zero = logv ? 0 : (int)lround(-lo / (hi - lo) * BAR_W);
    for (int i = 0; i < n; i++) {
        if (labels && labels[i]) put_text(labels[i], lw, lw);
        else printf("%*d", lw, i);
        printf(" |");
        char bar[BAR_W + 1];
        memset(bar, ' ', BAR_W);
        bar[BAR_W] = '\0';
        const char *note = "";
        if (!isfinite(v[i])) note = " (skipped)";
        else if (logv && v[i] <= 0) note = " (not on a log scale)";
        else if (logv) {
            int len = (int)lround((log10(v[i]) - tlo) / (thi - tlo) * BAR_W);
            memset(bar, '#', (size_t)(len < 1 ? 1 : len > BAR_W ? BAR_W : len));
        } else {
            int end = (int)lround((v[i] - lo) / (hi - lo) * BAR_W);
            int a = end < zero ? end : zero, b = end < zero ? zero : end;
            if (a == b && v[i] != 0) { /* too small to reach a cell: still show one */
                if (v[i] < 0 && a > 0) a--;
                else if (b < BAR_W) b++;
            }
            memset(bar + a, '#', (size_t)(b - a));
        }
        int end = BAR_W;
        while (end > 0 && bar[end - 1] == ' ') end--;
        printf("%.*s %.4g%s\n", end, bar, v[i], note);
    }
    if (n == 0) puts("(no data)");
    else if (logv) printf("%*s (bars start at %.4g)\n", lw, "", pow(10.0, tlo));
    if (o->xlabel && *o->xlabel) printf("%s\n", o->xlabel);
    return 1;
}

/* ==================================== gnuplot scripts ======================================= */

/* A label as a gnuplot single-quoted string: gnuplot does no escape processing inside '...', and
 * '' stands for one quote. Control characters (a newline would end the command) become spaces. */
static void gp_str(FILE *f, const char *s) {
    fputc('\'', f);
    for (; s && *s; s++) {
        if (*s == '\'') fputs("''", f);
        else if ((unsigned char)*s < 0x20 || *s == 0x7F) fputc(' ', f);
        else fputc(*s, f);
    }
    fputc('\'', f);
}

typedef struct {
    FILE *f;
    char script[4096]; /* the temporary script file */
    char *png, *tmp;   /* <outdir>/<name>.png and the name it is rendered to */
} Gp;

/* Create the out dir, the script file and its preamble. 0 or -1 (message printed). */
static int gp_begin(Gp *g, const char *name, const PlotOpts *o, int width, int height) {
    char err[ERR_LEN];
    g->f = NULL, g->png = g->tmp = NULL;
    if (make_dirs(outdir(), err) != 0) {
        fprintf(stderr, "plot %s: %s\n", name, err);
        return -1;
    }
    size_t n = strlen(outdir()) + strlen(name) + 64;
    g->png = xmalloc(n), g->tmp = xmalloc(n);
    snprintf(g->png, n, "%s/%s.png", outdir(), name);
    snprintf(g->tmp, n, "%s.tmp.%ld", g->png, (long)getpid());
    const char *td = getenv("TMPDIR");
    if (!td || !*td || strlen(td) > sizeof g->script - 32) td = "/tmp";
    snprintf(g->script, sizeof g->script, "%s/nlpc-plot-XXXXXX", td);
    int fd = mkstemp(g->script);
    if (fd < 0 || !(g->f = fdopen(fd, "w"))) {
        fprintf(stderr, "plot %s: cannot create a temporary script in %s: %s\n", name, td, strerror(errno));
        if (fd >= 0) close(fd), remove(g->script);
        free(g->png), free(g->tmp);
        return -1;
    }
    FILE *f = g->f;
    fputs("# written by common/plot.c\nset encoding utf8\n", f);
    /* noenhanced: '_', '^', '@', '{' in labels print as themselves */
    fprintf(f, "set terminal pngcairo noenhanced size %d,%d font '%s,11'\n", width, height,
            have_cjk_font() ? CJK_FONT : "");
    fputs("set output ", f), gp_str(f, g->tmp), fputc('\n', f);
    if (o->title) fputs("set title ", f), gp_str(f, o->title), fputc('\n', f);
    return 0;
}

static void gp_axis_labels(FILE *f, const char *xlabel, const char *ylabel) {
    if (xlabel) fputs("set xlabel ", f), gp_str(f, xlabel), fputc('\n', f);
    if (ylabel) fputs("set ylabel ", f), gp_str(f, ylabel), fputc('\n', f);
}

/* An explicit range where gnuplot's autoscale would fail or warn (constant data), or where we
 * need room it does not know about (labels, arrows). */
static void gp_range(FILE *f, const char *axis, const Axis *a) {
    fprintf(f, "set %srange [%.10g:%.10g]\n", axis, axis_value(a, a->lo), axis_value(a, a->hi));
}

/* Nothing to draw: an empty frame that says so, rather than a gnuplot error. */
static void gp_no_data(FILE *f) {
    fputs("set xrange [0:1]\nset yrange [0:1]\nunset key\nunset logscale\n"
          "set label 'no data' at graph 0.5,0.5 center\nplot NaN notitle\n",
          f);
}

static void gp_cleanup(Gp *g) {
    if (g->f) fclose(g->f);
    remove(g->script);
    remove(g->tmp);
    free(g->png), free(g->tmp);
    g->f = NULL, g->png = g->tmp = NULL;
}

/* gnuplot can exit 0 and still have written nothing useful (a wrong terminal, a full disk). */
static int is_png(const char *path) {
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    unsigned char buf[8];
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int ok = fread(buf, 1, 8, f) == 8 && memcmp(buf, sig, 8) == 0;
    fclose(f);
    return ok;
}

/* Run gnuplot on the script; on success rename the PNG into place and print its path. Always
 * removes the script and the temporary PNG. Returns 0 or -1. */
static int gp_finish(Gp *g, const char *name) {
    int bad = ferror(g->f);
    if (fclose(g->f) != 0) bad = 1;
    g->f = NULL;
    if (bad) {
        fprintf(stderr, "plot %s: cannot write the gnuplot script %s: %s\n", name, g->script,
                strerror(errno));
        gp_cleanup(g);
        return -1;
    }
    fflush(stdout), fflush(stderr); /* keep our output in order with gnuplot's messages */
    pid_t pid;
    char *argv[] = {"gnuplot", g->script, NULL};
    int rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ), status = 0;
    if (rc != 0) {
        fprintf(stderr, "plot %s: cannot run gnuplot: %s\n", name, strerror(rc));
        gp_cleanup(g);
        return -1;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            status = -1;
            break;
        }
    if (status != 0 || !is_png(g->tmp)) {
        int exited = status != -1 && WIFEXITED(status);
        int code = exited ? WEXITSTATUS(status) : status != -1 && WIFSIGNALED(status) ? WTERMSIG(status) : -1;
        if (status != 0)
            fprintf(stderr, "plot %s: gnuplot failed (%s %d); %s is unchanged\n", name,
                    exited ? "exit status" : "signal", code, g->png);
        else fprintf(stderr, "plot %s: gnuplot wrote no PNG image; %s is unchanged\n", name, g->png);
        gp_cleanup(g);
        return -1;
    }
    if (rename(g->tmp, g->png) != 0) {
        fprintf(stderr, "plot %s: cannot rename %s to %s: %s\n", name, g->tmp, g->png, strerror(errno));
        gp_cleanup(g);
        return -1;
    }
    printf("plot: %s\n", g->png);
    fflush(stdout);
    gp_cleanup(g);
    return 0;
}

static int gp_lines(const char *name, const PlotOpts *o, const PlotSeries *s, int ns) {
    Gp g;
    if (gp_begin(&g, name, o, 900, 560) != 0) return -1;
    FILE *f = g.f;
    gp_axis_labels(f, o->xlabel, o->ylabel);
    Axis ax, ay;
    axis_begin(&ax, o->logx), axis_begin(&ay, o->logy);
    int *count = xcalloc((size_t)ns + 1, sizeof(int));
    for (int k = 0; k < ns; k++) {
        fprintf(f, "$S%d << EOD\n", k);
        for (int i = 0; i < s[k].n; i++) {
            double x = series_x(&s[k], i), y = s[k].y[i];
            if (!axis_usable(&ax, x) || !axis_usable(&ay, y)) continue;
            axis_add(&ax, x), axis_add(&ay, y);
            fprintf(f, "%.10g %.10g\n", x, y);
            count[k]++;
        }
        fputs("EOD\n", f);
    }
    axis_finish(&ax), axis_finish(&ay);
    if (ax.empty) gp_no_data(f);
    else {
        fputs("set grid\nset key top right opaque box\n", f);
        if (o->logx) fputs("set logscale x\n", f);
        if (o->logy) fputs("set logscale y\n", f);
        if (ax.constant) gp_range(f, "x", &ax);
        if (ay.constant) gp_range(f, "y", &ay);
        fputs("plot ", f);
        int first = 1;
        for (int k = 0; k < ns; k++) {
            if (!count[k]) continue; /* an empty data block is a gnuplot warning */
            fprintf(f, "%s$S%d with %s lw 2 title ", first ? "" : ", ", k,
                    count[k] <= 40 ? "linespoints pt 7 ps 0.6" : "lines");
            if (s[k].name) gp_str(f, s[k].name);
            else fprintf(f, "'series %d'", k + 1);
            first = 0;
        }
        fputc('\n', f);
    }
    free(count);
    return gp_finish(&g, name);
}

static int gp_scatter(const char *name, const PlotOpts *o, const double *x, const double *y,
                      const char *const *labels, int n, const PlotArrow *arrows, int narrows) {
    Gp g;
    if (gp_begin(&g, name, o, 900, 700) != 0) return -1;
    FILE *f = g.f;
    gp_axis_labels(f, o->xlabel, o->ylabel);
    Axis ax, ay;
    axis_begin(&ax, o->logx), axis_begin(&ay, o->logy);
    fputs("$P << EOD\n", f);
    int label_no = 0;
    for (int i = 0; i < n; i++) {
        if (!axis_usable(&ax, x[i]) || !axis_usable(&ay, y[i])) continue;
        axis_add(&ax, x[i]), axis_add(&ay, y[i]);
        fprintf(f, "%.10g %.10g\n", x[i], y[i]);
    }
    fputs("EOD\n", f);
    for (int i = 0; labels && i < n; i++) {
        if (!labels[i] || !axis_usable(&ax, x[i]) || !axis_usable(&ay, y[i])) continue;
        fprintf(f, "set label %d ", ++label_no), gp_str(f, labels[i]);
        fprintf(f, " at %.10g,%.10g offset char 0.7,0.5 front\n", x[i], y[i]);
    }
    for (int i = 0; i < narrows; i++) {
        const PlotArrow *a = &arrows[i];
        if (!axis_usable(&ax, a->x0) || !axis_usable(&ax, a->x1) || !axis_usable(&ay, a->y0) ||
            !axis_usable(&ay, a->y1))
            continue;
        axis_add(&ax, a->x0), axis_add(&ax, a->x1), axis_add(&ay, a->y0), axis_add(&ay, a->y1);
        fprintf(f, "set arrow from %.10g,%.10g to %.10g,%.10g head filled size char 1.2,20 lw 1.5 "
                   "lc rgb '#d62728' front\n",
                a->x0, a->y0, a->x1, a->y1);
    }
    axis_finish(&ax), axis_finish(&ay);
    if (ax.empty) gp_no_data(f);
    else {
        /* autoscale knows neither labels nor arrows: leave room for both, more on the right */
        axis_pad(&ax, 0.06, 0.18), axis_pad(&ay, 0.08, 0.08);
        fputs("set grid\nunset key\n", f);
        if (o->logx) fputs("set logscale x\n", f);
        if (o->logy) fputs("set logscale y\n", f);
        gp_range(f, "x", &ax), gp_range(f, "y", &ay);
        fputs("plot $P with points pt 7 ps 1.2 lc rgb '#1f77b4' notitle\n", f);
    }
    return gp_finish(&g, name);
}

/* Tick labels for the indices 0..n-1 of a heatmap or bar axis; at most about 40 shown. */
static void gp_index_tics(FILE *f, const char *axis, const char *const *labels, int n, const char *extra) {
    int step = (n + 39) / 40;
    fprintf(f, "set %stics (", axis);
    for (int i = 0; i < n; i += step) {
        if (i) fputs(", ", f);
        if (labels && labels[i]) gp_str(f, labels[i]);
        else fprintf(f, "'%d'", i);
        fprintf(f, " %d", i);
    }
    fprintf(f, ")%s\n", extra);
}

#define HEAT_BOXES_MAX 10000

static int gp_heatmap(const char *name, const PlotOpts *o, const double *m, int rows, int cols,
                      const char *const *row_labels, const char *const *col_labels) {
    int big = rows > cols ? rows : cols;
    int px = 700 / big;
    px = px < 4 ? 4 : px > 60 ? 60 : px;
    Gp g;
    if (gp_begin(&g, name, o, cols * px + 300, rows * px + 220) != 0) return -1;
    FILE *f = g.f;
    gp_axis_labels(f, o->xlabel, o->ylabel);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++)
        if (isfinite(m[i])) lo = m[i] < lo ? m[i] : lo, hi = m[i] > hi ? m[i] : hi;
    if (lo > hi) {
        gp_no_data(f);
        return gp_finish(&g, name);
    }
    double clo = lo, chi = hi;
    if (chi <= clo) clo -= clo != 0 ? fabs(clo) * 0.05 : 0.5, chi += chi != 0 ? fabs(chi) * 0.05 : 0.5;
    /* Small matrices go as (row, col, value) triples drawn as boxes: gnuplot's "image" style needs
     * at least 2x2 cells and warns about NaN, while triples simply leave a NaN cell out (white).
     * The boxes overlap a little, so that antialiasing leaves no seams between them. Big matrices
     * go as a matrix image, which renders fast. */
    int as_image = rows >= 2 && cols >= 2 && (size_t)rows * (size_t)cols > HEAT_BOXES_MAX;
    fputs("$M << EOD\n", f);
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            double v = m[(size_t)i * (size_t)cols + (size_t)j];
            if (as_image) fprintf(f, isfinite(v) ? "%s%.10g" : "%sNaN", j ? " " : "", v);
            else if (isfinite(v)) fprintf(f, "%d %d %.10g\n", i, j, v);
        }
        if (as_image) fputc('\n', f);
    }
    fputs("EOD\n", f);
    /* row 0 on top, like the matrix on paper */
    fprintf(f, "set xrange [-0.5:%g]\nset yrange [%g:-0.5]\nset cbrange [%.10g:%.10g]\n", cols - 0.5,
            rows - 0.5, clo, chi);
    fputs("set palette defined (0 '#f7fbff', 1 '#c6dbef', 2 '#6baed6', 3 '#2171b5', 4 '#08306b')\n"
          "set tics scale 0\nunset key\n",
          f);
    gp_index_tics(f, "x", col_labels, cols, cols > 6 ? " rotate by 45 right" : "");
    gp_index_tics(f, "y", row_labels, rows, "");
    if (rows <= 12 && cols <= 12) {
        /* the values themselves; white on the dark half of the palette */
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                double v = m[(size_t)i * (size_t)cols + (size_t)j];
                if (!isfinite(v)) continue;
                double frac = (v / 2 - clo / 2) / (chi / 2 - clo / 2);
                fprintf(f, "set label '%.3g' at %d,%d center front tc rgb '%s'\n", v, j, i,
                        frac > 0.55 ? "white" : "black");
            }
    }
    if (as_image) fputs("plot $M matrix with image notitle\n", f);
    else {
        double half = 0.5 + 0.75 / px; /* about a pixel of overlap */
        fprintf(f, "plot $M using 2:1:(%g):(%g):3 with boxxyerror fs solid 1.0 noborder fc palette notitle\n",
                half, half);
    }
    return gp_finish(&g, name);
}

static int gp_bars(const char *name, const PlotOpts *o, const char *const *labels, const double *v, int n) {
    int h = 140 + 30 * n;
    Gp g;
    if (gp_begin(&g, name, o, 900, h < 360 ? 360 : h > 2000 ? 2000 : h) != 0) return -1;
    FILE *f = g.f;
    /* horizontal bars: the values run along x, so ylabel (the value's name) goes there */
    gp_axis_labels(f, o->ylabel, o->xlabel);
    double lo = 0, hi = 0, minpos = INFINITY, maxpos = -INFINITY;
    int usable = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(v[i]) || (o->logy && v[i] <= 0)) continue;
        usable++;
        lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
        if (v[i] > 0) minpos = v[i] < minpos ? v[i] : minpos, maxpos = v[i] > maxpos ? v[i] : maxpos;
    }
    if (!usable) {
        gp_no_data(f);
        return gp_finish(&g, name);
    }
    Axis av = {0, 0, o->logy != 0, 0, 0};
    if (av.log) av.lo = floor(log10(minpos) - 1e-9), av.hi = log10(maxpos); /* see ascii_bars */
    else av.lo = lo, av.hi = hi > lo ? hi : lo + 1;
    double base = axis_value(&av, av.lo); /* where the bars start: 0, or a power of ten */
    if (!av.log) base = 0;
    axis_pad(&av, av.log || lo < 0 ? 0.02 : 0, 0.15); /* room for the value labels */
    fputs("$B << EOD\n", f);
    for (int i = 0; i < n; i++) {
        if (!isfinite(v[i]) || (av.log && v[i] <= 0)) continue;
        fprintf(f, "%.10g %.10g %d\n", v[i] < base ? v[i] : base, v[i] < base ? base : v[i], i);
    }
    fputs("EOD\n", f);
    for (int i = 0; i < n; i++) { /* each value printed at the end of its bar */
        if (!isfinite(v[i]) || (av.log && v[i] <= 0)) continue;
        fprintf(f, "set label '%.4g' at %.10g,%d offset char %s front\n", v[i], v[i], i,
                v[i] < base ? "-0.5,0 right" : "0.5,0 left");
    }
    fputs("set style fill solid 0.85 noborder\nunset key\nset grid xtics\nset tics scale 0\n", f);
    if (av.log) fputs("set logscale x\n", f);
    gp_range(f, "x", &av);
    fprintf(f, "set yrange [%g:-0.6]\n", n - 0.4);
    gp_index_tics(f, "y", labels, n, "");
    fputs("plot $B using (($1+$2)/2):3:1:2:($3-0.35):($3+0.35) with boxxyerror lc rgb '#4c72b0' "
          "notitle\n",
          f);
    return gp_finish(&g, name);
}

/* ===================================== public calls ========================================= */

/* A file name, not a path: a name with '/' could write outside the out dir. */
static int check_name(const char *name) {
    if (!name || !*name || name[0] == '.' || strchr(name, '/') || strlen(name) > 200) {
        fprintf(stderr, "plot: bad plot name '%s' (a file name without '/', not starting with '.')\n",
                name ? name : "(null)");
        return -1;
    }
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20) {
            fprintf(stderr, "plot: bad plot name (control character in it)\n");
            return -1;
        }
    return 0;
}

static int use_ascii(void) { return g_force_ascii || !plot_have_gnuplot(); }

static const PlotOpts NO_OPTS = {NULL, NULL, NULL, 0, 0};

int plot_lines(const char *name, const PlotOpts *o, const PlotSeries *s, int ns) {
    if (check_name(name) != 0) return -1;
    if (ns < 0 || (ns > 0 && !s)) return fprintf(stderr, "plot %s: no series given\n", name), -1;
    for (int k = 0; k < ns; k++)
        if (s[k].n < 0 || (s[k].n > 0 && !s[k].y))
            return fprintf(stderr, "plot %s: series %d has no y values\n", name, k + 1), -1;
    if (!o) o = &NO_OPTS;
    if (use_ascii()) {
        int rc = ascii_lines(o, s, ns);
        fflush(stdout);
        return rc;
    }
    return gp_lines(name, o, s, ns);
}

int plot_scatter(const char *name, const PlotOpts *o, const double *x, const double *y,
                 const char *const *labels, int n, const PlotArrow *arrows, int narrows) {
    if (check_name(name) != 0) return -1;
    if (n < 0 || (n > 0 && (!x || !y)) || narrows < 0 || (narrows > 0 && !arrows))
        return fprintf(stderr, "plot %s: missing points or arrows\n", name), -1;
    if (!o) o = &NO_OPTS;
    if (use_ascii()) {
        int rc = ascii_scatter(o, x, y, labels, n, arrows, narrows);
        fflush(stdout);
        return rc;
    }
    return gp_scatter(name, o, x, y, labels, n, arrows, narrows);
}

int plot_heatmap(const char *name, const PlotOpts *o, const double *m, int rows, int cols,
                 const char *const *row_labels, const char *const *col_labels) {
    if (check_name(name) != 0) return -1;
    if (rows < 0 || cols < 0 || (rows > 0 && cols > 0 && !m))
        return fprintf(stderr, "plot %s: bad matrix (%d x %d)\n", name, rows, cols), -1;
    if (!o) o = &NO_OPTS;
    if (rows == 0 || cols == 0) { /* still a figure, so a demo's list of outputs stays the same */
        static const double nan1 = NAN;
        m = &nan1, rows = cols = 1, row_labels = col_labels = NULL;
    }
    if (use_ascii()) {
        int rc = ascii_heatmap(o, m, rows, cols, row_labels, col_labels);
        fflush(stdout);
        return rc;
    }
    return gp_heatmap(name, o, m, rows, cols, row_labels, col_labels);
}

int plot_bars(const char *name, const PlotOpts *o, const char *const *labels, const double *v, int n) {
    if (check_name(name) != 0) return -1;
    if (n < 0 || (n > 0 && !v)) return fprintf(stderr, "plot %s: no values given\n", name), -1;
    if (!o) o = &NO_OPTS;
    if (use_ascii()) {
        int rc = ascii_bars(o, labels, v, n);
        fflush(stdout);
        return rc;
    }
    return gp_bars(name, o, labels, v, n);
}
