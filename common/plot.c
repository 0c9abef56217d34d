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

/* The order labels are placed in: the named points first, then the others, each as given. */
static int *label_order(const PlotMap *m, int *count) {
    int *ord = xmalloc(sizeof(int) * (size_t)(m->n > 0 ? m->n : 1)), k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; m->labels && i < m->n; i++) {
            int named = m->named && m->named[i];
            if (m->labels[i] && named == (pass == 0)) ord[k++] = i;
        }
    *count = k;
    return ord;
}

static int point_group(const PlotMap *m, int i) {
    return m->group && m->group[i] >= 0 && m->group[i] < m->ngroups ? m->group[i] : -1;
}

static int ascii_map(const PlotOpts *o, const PlotMap *m) {
    const double *x = m->x, *y = m->y;
    int n = m->n;
    Axis ax, ay;
    axis_begin(&ax, o->logx), axis_begin(&ay, o->logy);
    for (int i = 0; i < n; i++)
        if (axis_usable(&ax, x[i]) && axis_usable(&ay, y[i])) axis_add(&ax, x[i]), axis_add(&ay, y[i]);
    for (int i = 0; i < m->narrows; i++) {
        const PlotArrow *a = &m->arrows[i];
        if (axis_usable(&ax, a->x0) && axis_usable(&ax, a->x1) && axis_usable(&ay, a->y0) &&
            axis_usable(&ay, a->y1))
            axis_add(&ax, a->x0), axis_add(&ax, a->x1), axis_add(&ay, a->y0), axis_add(&ay, a->y1);
    }
    axis_finish(&ax), axis_finish(&ay);
    Canvas cv;
    canvas_init(&cv, PLOT_ASCII_W, PLOT_ASCII_H);
    /* arrows first, labels over them, points last so that no point is hidden */
    for (int i = 0; i < m->narrows; i++) {
        const PlotArrow *a = &m->arrows[i];
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
    /* A label goes right of its point, or left of it at the right edge, and only where it runs
     * into no label written before it (one free cell between two labels on a row). */
    unsigned char *taken = xcalloc((size_t)cv.w * (size_t)cv.h, 1);
    int nord, left_out = 0, *ord = label_order(m, &nord);
    for (int k = 0; k < nord; k++) {
        int i = ord[k];
        if (!axis_usable(&ax, x[i]) || !axis_usable(&ay, y[i])) continue;
        int c = axis_cell(&ax, x[i], cv.w), r = cv.h - 1 - axis_cell(&ay, y[i], cv.h);
        int w = text_width(m->labels[i]);
        int start = c + 1 + w <= cv.w ? c + 1 : c - w;
        int free_run = 1;
        for (int j = start - 1; j <= start + w; j++)
            if (j >= 0 && j < cv.w && taken[(size_t)r * cv.w + j]) free_run = 0;
        if (!free_run) {
            left_out++;
            continue;
        }
        canvas_text(&cv, r, start, m->labels[i]);
        for (int j = start; j < start + w; j++)
            if (j >= 0 && j < cv.w) taken[(size_t)r * cv.w + j] = 1;
    }
    for (int i = 0; i < n; i++) {
        if (!axis_usable(&ax, x[i]) || !axis_usable(&ay, y[i])) continue;
        int g = point_group(m, i);
        canvas_put(&cv, cv.h - 1 - axis_cell(&ay, y[i], cv.h), axis_cell(&ax, x[i], cv.w),
                   g < 0 ? (m->group ? '.' : '*') : (uint32_t)MARKERS[g % 8]);
    }
    ascii_frame(&cv, o, &ax, &ay);
    if (ax.empty) printf("%*s(no data)\n", PLOT_ASCII_MARGIN, "");
    if (m->ngroups > 0 && m->group) {
        printf("%*s", PLOT_ASCII_MARGIN, "");
        for (int g = 0; g < m->ngroups; g++) {
            printf("%s%c ", g ? "   " : "", MARKERS[g % 8]);
            put_text(m->group_names && m->group_names[g] ? m->group_names[g] : "", 40, 0);
        }
        putchar('\n');
    }
    if (left_out) printf("%*s(%d labels left out where they would run into others)\n", PLOT_ASCII_MARGIN, "", left_out);
    free(taken), free(ord), free(cv.cells);
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
    char *svg;         /* NULL, or where the same script also draws an SVG (a map's page) */
} Gp;

/* Create the out dir, the script file and its preamble. 0 or -1 (message printed). */
static int gp_begin(Gp *g, const char *name, const PlotOpts *o, int width, int height) {
    char err[ERR_LEN];
    g->f = NULL, g->png = g->tmp = g->svg = NULL;
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
    if (g->svg) remove(g->svg);
    free(g->png), free(g->tmp), free(g->svg);
    g->f = NULL, g->png = g->tmp = g->svg = NULL;
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

/* Run gnuplot on the script; on success rename the PNG into place and print its path. Returns 0
 * or -1; gp_cleanup then removes the script and the temporaries. */
static int gp_render(Gp *g, const char *name) {
    int bad = ferror(g->f);
    if (fclose(g->f) != 0) bad = 1;
    g->f = NULL;
    if (bad) {
        fprintf(stderr, "plot %s: cannot write the gnuplot script %s: %s\n", name, g->script,
                strerror(errno));
        return -1;
    }
    fflush(stdout), fflush(stderr); /* keep our output in order with gnuplot's messages */
    pid_t pid;
    char *argv[] = {"gnuplot", g->script, NULL};
    int rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ), status = 0;
    if (rc != 0) {
        fprintf(stderr, "plot %s: cannot run gnuplot: %s\n", name, strerror(rc));
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
        return -1;
    }
    if (rename(g->tmp, g->png) != 0) {
        fprintf(stderr, "plot %s: cannot rename %s to %s: %s\n", name, g->tmp, g->png, strerror(errno));
        return -1;
    }
    printf("plot: %s\n", g->png);
    fflush(stdout);
    return 0;
}

static int gp_finish(Gp *g, const char *name) {
    int rc = gp_render(g, name);
    gp_cleanup(g);
    return rc;
}

static int gp_lines(const char *name, const PlotOpts *o, const PlotSeries *s, int ns) {
    Gp g;
    if (gp_begin(&g, name, o, 1000, 560) != 0) return -1; /* wider than the maps: the legend is beside */
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
        /* the legend right of the plotting area, never over a line ("below" would be narrower, but
         * gnuplot then draws it over the x label with cairo's fonts) */
        fputs("set grid\nset key outside right top vertical box\n", f);
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

/* ==================================== map label layout ====================================== */

/* The maps' PNG: its size, and the label sizes the layout reserves. The advance widths are those
 * of printable ASCII (32..126) in WenQuanYi Micro Hei at 11 points as pngcairo draws it (measured
 * once from a rendering, rounded up); wide characters (CJK, full-width) take 15 pixels, the rest 9.
 * Without that font cairo falls back to another, so the estimate then grows by 15%. A label is 17
 * pixels tall: gnuplot centres it on its anchor, from 8 above to 9 below (descenders). */
#define MAP_W 900
#define MAP_H 700
#define LABEL_H 17.0
#define LABEL_ABOVE 8.0
#define DOT_R 4.5 /* the dots (pt 7 ps 1.1), with a pixel of antialiasing */
static const unsigned char ASCII_PX[95] = {
    4, 4, 6, 9, 8, 12, 10, 4, 4, 4, 8, 8, 4, 5, 4, 5,  8, 8, 8, 8, 8,  8,  8,  8, 8,  8, 4, 4,
    8, 8, 8, 6, 13, 9, 9, 9, 10, 8, 7, 10, 10, 5, 4, 8, 7, 13, 11, 11, 8, 11, 9, 8, 8, 10, 8, 13,
    8, 8, 8, 4, 5, 4, 8, 6, 8, 8, 9, 7, 9, 8, 5, 8, 9, 4, 4, 7, 4, 13, 9, 8, 9, 9, 6, 7, 5, 9,
    7, 11, 7, 7, 6, 5, 8, 5, 8};

static double label_px(const char *s) {
    double w = 0;
    uint32_t c;
    while (s && *s) {
        s += decode_lenient(s, &c);
        c = printable(c);
        if (c >= 32 && c < 127) w += ASCII_PX[c - 32];
        else w += utf8_width(c) == 2 ? 15 : utf8_width(c) == 0 ? 0 : 9;
    }
    if (!have_cjk_font()) w *= 1.15;
    return w + 2; /* a pixel of side bearing each side */
}

int plot_boxes_overlap(const PlotBox *a, const PlotBox *b) {
    return a->x0 <= b->x1 && b->x0 <= a->x1 && a->y0 <= b->y1 && b->y0 <= a->y1;
}

static int box_empty(const PlotBox *b) { return !(b->x1 > b->x0); }

/* Does the box come within r of (u, v)? */
static int box_near(const PlotBox *b, double u, double v, double r) {
    double dx = u < b->x0 ? b->x0 - u : u > b->x1 ? u - b->x1 : 0;
    double dy = v < b->y0 ? b->y0 - v : v > b->y1 ? v - b->y1 : 0;
    return dx * dx + dy * dy <= r * r;
}

/* The candidate box for a label of width w beside (u, v), at distance gap, in direction d: right,
 * left, the four diagonals, above, below (the order they are tried in). */
static PlotBox candidate(double u, double v, double w, double gap, int d) {
    static const int DX[8] = {1, -1, 1, 1, -1, -1, 0, 0}, DY[8] = {0, 0, -1, 1, -1, 1, -1, 1};
    double off = DOT_R + gap, diag = 0.6 * off + 1;
    double x0 = DX[d] > 0 ? u + (DY[d] ? diag : off) : DX[d] < 0 ? u - (DY[d] ? diag : off) - w : u - w / 2;
    double y0 = DY[d] < 0 ? v - (DX[d] ? diag : off) - LABEL_H : DY[d] > 0 ? v + (DX[d] ? diag : off)
                                                                        : v - LABEL_H / 2;
    return (PlotBox){x0, y0, x0 + w, y0 + LABEL_H};
}

void plot_layout_free(PlotLayout *l) {
    if (!l) return;
    free(l->px), free(l->py), free(l->box), free(l->leader);
    l->px = l->py = NULL, l->box = NULL, l->leader = NULL;
}

static int map_args_ok(const char *who, const PlotMap *m) {
    if (!m || m->n < 0 || (m->n > 0 && (!m->x || !m->y)) || m->narrows < 0 || (m->narrows > 0 && !m->arrows) ||
        m->ngroups < 0 || (m->ngroups > 0 && !m->group_names)) {
        fprintf(stderr, "plot %s: missing points, arrows or group names\n", who);
        return 0;
    }
    return 1;
}

/* Where the figure's parts go, in pixels: room for the title, the axis labels and the legend. */
static void map_frame(const PlotOpts *o, const PlotMap *m, PlotLayout *L) {
    L->width = MAP_W, L->height = MAP_H;
    double legend = 0;
    for (int g = 0; m->group && g < m->ngroups; g++) {
        double w = label_px(m->group_names[g]) + 50; /* the sample dot and the gaps */
        if (w > legend) legend = w;
    }
    if (legend > MAP_W / 3.0) legend = MAP_W / 3.0;
    L->area_x0 = o->ylabel && *o->ylabel ? 85 : 65;
    L->area_x1 = MAP_W - (legend > 0 ? legend : 25);
    L->area_y0 = o->title && *o->title ? 40 : 20;
    L->area_y1 = MAP_H - (o->xlabel && *o->xlabel ? 60 : 40);
}

int plot_map_layout(const PlotOpts *o, const PlotMap *m, PlotLayout *L) {
    memset(L, 0, sizeof *L);
    if (!map_args_ok("layout", m)) return -1;
    static const PlotOpts none = {NULL, NULL, NULL, 0, 0};
    if (!o) o = &none;
    int n = m->n;
    L->n = n;
    map_frame(o, m, L);
    Axis ax, ay;
    axis_begin(&ax, o->logx), axis_begin(&ay, o->logy);
    for (int i = 0; i < n; i++)
        if (axis_usable(&ax, m->x[i]) && axis_usable(&ay, m->y[i])) axis_add(&ax, m->x[i]), axis_add(&ay, m->y[i]);
    for (int i = 0; i < m->narrows; i++) {
        const PlotArrow *a = &m->arrows[i];
        if (axis_usable(&ax, a->x0) && axis_usable(&ax, a->x1) && axis_usable(&ay, a->y0) && axis_usable(&ay, a->y1))
            axis_add(&ax, a->x0), axis_add(&ax, a->x1), axis_add(&ay, a->y0), axis_add(&ay, a->y1);
    }
    axis_finish(&ax), axis_finish(&ay);
    axis_pad(&ax, 0.07, 0.07), axis_pad(&ay, 0.06, 0.06); /* room for the labels of the outer points */
    L->xlo = ax.lo, L->xhi = ax.hi, L->ylo = ay.lo, L->yhi = ay.hi; /* log10 units on a log axis */
    size_t sz = (size_t)(n > 0 ? n : 1);
    L->px = xmalloc(sizeof(double) * sz), L->py = xmalloc(sizeof(double) * sz);
    L->box = xcalloc(sz, sizeof(PlotBox)), L->leader = xcalloc(sz, 1);
    double aw = L->area_x1 - L->area_x0, ah = L->area_y1 - L->area_y0;
    for (int i = 0; i < n; i++) {
        if (!axis_usable(&ax, m->x[i]) || !axis_usable(&ay, m->y[i])) {
            L->px[i] = L->py[i] = NAN;
            continue;
        }
        L->px[i] = L->area_x0 + (axis_t(&ax, m->x[i]) - ax.lo) / (ax.hi - ax.lo) * aw;
        L->py[i] = L->area_y1 - (axis_t(&ay, m->y[i]) - ay.lo) / (ay.hi - ay.lo) * ah;
    }
    /* Greedy placement, named labels first: the first candidate that stays in the plotting area,
     * keeps 2 pixels from every label placed before it and covers no dot and no arrow. A named label that
     * finds none tries rings further out (joined to its point by a line), then lets itself cover
     * dots and arrows; the others stay unlabelled. */
    /* the arrows, as points every 3 pixels along each: a label should not sit on one either */
    int nseg = 0;
    double *seg = NULL;
    for (int a = 0; a < m->narrows; a++) {
        const PlotArrow *r = &m->arrows[a];
        if (!axis_usable(&ax, r->x0) || !axis_usable(&ax, r->x1) || !axis_usable(&ay, r->y0) || !axis_usable(&ay, r->y1))
            continue;
        double u0 = L->area_x0 + (axis_t(&ax, r->x0) - ax.lo) / (ax.hi - ax.lo) * aw;
        double v0 = L->area_y1 - (axis_t(&ay, r->y0) - ay.lo) / (ay.hi - ay.lo) * ah;
        double u1 = L->area_x0 + (axis_t(&ax, r->x1) - ax.lo) / (ax.hi - ax.lo) * aw;
        double v1 = L->area_y1 - (axis_t(&ay, r->y1) - ay.lo) / (ay.hi - ay.lo) * ah;
        int steps = 1 + (int)(hypot(u1 - u0, v1 - v0) / 3);
        if (steps > 2000) steps = 2000;
        seg = xrealloc(seg, sizeof(double) * 2 * (size_t)(nseg + steps + 1));
        for (int k = 0; k <= steps; k++, nseg++)
            seg[2 * nseg] = u0 + (u1 - u0) * k / steps, seg[2 * nseg + 1] = v0 + (v1 - v0) * k / steps;
    }
    int nord, *ord = label_order(m, &nord);
    const double GAP = 2, RINGS[] = {2, 20, 38, 56, 74, 92, 110};
    const int NRINGS = (int)(sizeof RINGS / sizeof *RINGS);
    for (int k = 0; k < nord; k++) {
        int i = ord[k], named = m->named && m->named[i];
        if (isnan(L->px[i])) continue;
        double w = label_px(m->labels[i]);
        int found = 0;
        for (int pass = 0; pass < (named ? 2 : 1) && !found; pass++)
            for (int ring = 0; ring < (named ? NRINGS : 1) && !found; ring++)
                for (int d = 0; d < 8 && !found; d++) {
                    PlotBox b = candidate(L->px[i], L->py[i], w, RINGS[ring], d);
                    if (b.x0 < L->area_x0 + 1 || b.x1 > L->area_x1 - 1 || b.y0 < L->area_y0 + 1 ||
                        b.y1 > L->area_y1 - 1)
                        continue;
                    PlotBox grown = {b.x0 - GAP, b.y0 - GAP, b.x1 + GAP, b.y1 + GAP};
                    int ok = 1;
                    for (int q = 0; q < k && ok; q++)
                        if (!box_empty(&L->box[ord[q]]) && plot_boxes_overlap(&grown, &L->box[ord[q]])) ok = 0;
                    for (int j = 0; j < n && ok && pass == 0; j++)
                        if (!isnan(L->px[j]) && box_near(&b, L->px[j], L->py[j], DOT_R)) ok = 0;
                    for (int j = 0; j < nseg && ok && pass == 0; j++)
                        if (box_near(&b, seg[2 * j], seg[2 * j + 1], 2)) ok = 0;
                    if (!ok) continue;
                    L->box[i] = b, L->leader[i] = ring > 0, found = 1;
                }
        if (found) L->placed++;
        else if (named) L->named_missing++;
        else L->thinned++;
    }
    free(ord), free(seg);
    return 0;
}

/* Group colours (matplotlib's "tab10", which stays apart for readers with a red-green deficiency
 * better than a rainbow does); grey for points of no group. Labels take their group's colour,
 * darkened, so that a light colour still reads as text. */
static const char *const GROUP_COLOURS[10] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                              "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
#define NO_GROUP_COLOUR "#9a9a9a"
#define ONE_COLOUR "#1f77b4"
#define LABEL_COLOUR "#202020"

static const char *group_colour(int g) { return g < 0 ? NO_GROUP_COLOUR : GROUP_COLOURS[g % 10]; }

static void label_colour(int g, char out[8]) {
    if (g < 0) {
        snprintf(out, 8, "%s", LABEL_COLOUR);
        return;
    }
    unsigned rgb = (unsigned)strtoul(GROUP_COLOURS[g % 10] + 1, NULL, 16);
    unsigned r = (rgb >> 16 & 255) * 7 / 10, gr = (rgb >> 8 & 255) * 7 / 10, b = (rgb & 255) * 7 / 10;
    snprintf(out, 8, "#%02x%02x%02x", r, gr, b);
}

/* Pixel (u, v) of the layout back to data coordinates, for gnuplot. */
static double layout_x(const PlotLayout *L, const Axis *a, double u) {
    return axis_value(a, L->xlo + (u - L->area_x0) / (L->area_x1 - L->area_x0) * (L->xhi - L->xlo));
}
static double layout_y(const PlotLayout *L, const Axis *a, double v) {
    return axis_value(a, L->ylo + (L->area_y1 - v) / (L->area_y1 - L->area_y0) * (L->yhi - L->ylo));
}

/* ---- the interactive page ---- */

/* Text inside HTML or SVG: & < > " escaped, control characters as spaces. */
static void html_text(FILE *f, const char *s) {
    for (; s && *s; s++) {
        if (*s == '&') fputs("&amp;", f);
        else if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '"') fputs("&quot;", f);
        else if ((unsigned char)*s < 0x20 || *s == 0x7F) fputc(' ', f);
        else fputc(*s, f);
    }
}

/* A JavaScript string literal; '<' as \u003c, so that no label can end the script block. */
static void js_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f), fputc(*s, f);
        else if (*s == '<') fputs("\\u003c", f);
        else if ((unsigned char)*s < 0x20 || *s == 0x7F) fputc(' ', f);
        else fputc(*s, f);
    }
    fputc('"', f);
}

static const char PAGE_STYLE[] =
    "body{font-family:'" CJK_FONT "',sans-serif;margin:12px;color:#222;background:#fff}\n"
    "#bar{font-size:14px;margin:0 0 6px 0;line-height:1.5}\n"
    "#fig{position:relative;max-width:%dpx;border:1px solid #ccc}\n"
    "#fig svg{width:100%%;height:auto;display:block;cursor:grab;touch-action:none}\n"
    "#tip{position:absolute;display:none;pointer-events:none;background:#ffffe8;border:1px solid #888;"
    "padding:1px 5px;font-size:14px;white-space:nowrap}\n"
    ".hit{fill:#000;fill-opacity:0;stroke:none}\n.hit:hover{stroke:#000;stroke-width:1.5}\n";

/* The page's behaviour: zoom and move by rewriting the SVG's viewBox, names on mouse-over, every
 * name on request; then a check that tests read back (data-* attributes of <html>): how many points
 * can be pointed at, whether any two of the figure's labels overlap as this browser draws them, and
 * whether a mouse-over shows a name and the wheel zooms (one of each, then undone). */
static const char PAGE_SCRIPT[] =
    "(function () {\n"
    "  var svg = document.querySelector('#fig svg'), fig = document.getElementById('fig');\n"
    "  var tip = document.getElementById('tip'), all = document.getElementById('all');\n"
    "  var hits = document.getElementById('nlpc-hits'), names = document.getElementById('nlpc-names');\n"
    "  var W = SIZE[0], H = SIZE[1], vb = [0, 0, W, H], drag = null;\n"
    "  function show() {\n"
    "    svg.setAttribute('viewBox', vb.join(' '));\n"
    "    var k = vb[2] / W;\n"
    "    hits.querySelectorAll('circle').forEach(function (c) { c.setAttribute('r', 7 * k); });\n"
    "    names.setAttribute('font-size', 13 * k);\n"
    "    document.getElementById('zoom').textContent = k < 0.999 ? 'zoom ' + (1 / k).toFixed(1) + 'x' : '';\n"
    "  }\n"
    "  function at(e) {\n"
    "    var p = svg.createSVGPoint(); p.x = e.clientX; p.y = e.clientY;\n"
    "    return p.matrixTransform(svg.getScreenCTM().inverse());\n"
    "  }\n"
    "  svg.addEventListener('wheel', function (e) {\n"
    "    e.preventDefault();\n"
    "    var p = at(e), k = e.deltaY < 0 ? 0.8 : 1.25;\n"
    "    if (vb[2] * k > W) k = W / vb[2];\n"
    "    if (vb[2] * k < W / 50) return;\n"
    "    vb = [p.x - (p.x - vb[0]) * k, p.y - (p.y - vb[1]) * k, vb[2] * k, vb[3] * k];\n"
    "    show();\n"
    "  }, {passive: false});\n"
    "  svg.addEventListener('pointerdown', function (e) {\n"
    "    drag = {x: e.clientX, y: e.clientY, vb: vb.slice()};\n"
    "  });\n"
    "  window.addEventListener('pointermove', function (e) {\n"
    "    if (!drag) return;\n"
    "    var s = drag.vb[2] / svg.getBoundingClientRect().width;\n"
    "    vb = [drag.vb[0] - (e.clientX - drag.x) * s, drag.vb[1] - (e.clientY - drag.y) * s, vb[2], vb[3]];\n"
    "    show();\n"
    "  });\n"
    "  window.addEventListener('pointerup', function () { drag = null; });\n"
    "  svg.addEventListener('dblclick', function () { vb = [0, 0, W, H]; show(); });\n"
    "  hits.addEventListener('mouseover', function (e) {\n"
    "    var i = e.target.getAttribute('data-i');\n"
    "    if (i === null) return;\n"
    "    var p = P[i];\n"
    "    tip.textContent = p[2] + (p[3] >= 0 ? '  (' + G[p[3]] + ')' : '');\n"
    "    tip.style.display = 'block';\n"
    "  });\n"
    "  hits.addEventListener('mousemove', function (e) {\n"
    "    var r = fig.getBoundingClientRect();\n"
    "    tip.style.left = (e.clientX - r.left + 14) + 'px'; tip.style.top = (e.clientY - r.top + 10) + 'px';\n"
    "  });\n"
    "  hits.addEventListener('mouseout', function () { tip.style.display = 'none'; });\n"
    "  all.addEventListener('change', function () { names.style.display = all.checked ? '' : 'none'; });\n"
    "  show();\n"
    "  var placed = {}, boxes = [], over = 0, m = svg.getScreenCTM(), q = svg.createSVGPoint();\n"
    "  B.forEach(function (b) { placed[P[b[0]][2]] = 1; });\n"
    "  q.x = AREA[0]; q.y = AREA[1]; var a0 = q.matrixTransform(m);\n"
    "  q.x = AREA[2]; q.y = AREA[3]; var a1 = q.matrixTransform(m);\n"
    "  svg.querySelectorAll('text').forEach(function (t) {\n"
    "    if (names.contains(t) || !placed[t.textContent.trim()]) return;\n"
    "    var r = t.getBoundingClientRect(), cx = (r.left + r.right) / 2, cy = (r.top + r.bottom) / 2;\n"
    "    if (cx > a0.x && cx < a1.x && cy > a0.y && cy < a1.y) boxes.push(r);\n"
    "  });\n"
    "  for (var i = 0; i < boxes.length; i++)\n"
    "    for (var j = i + 1; j < boxes.length; j++) {\n"
    "      var a = boxes[i], b = boxes[j];\n"
    "      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) over++;\n"
    "    }\n"
    "  var d = document.documentElement.dataset;\n"
    "  d.points = hits.querySelectorAll('circle').length; d.labels = boxes.length; d.overlaps = over;\n"
    "  var c0 = hits.querySelector('circle');\n"
    "  if (c0) {\n"
    "    c0.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));\n"
    "    d.hover = tip.style.display === 'block' && tip.textContent.indexOf(P[c0.getAttribute('data-i')][2]) === 0 ? 1 : 0;\n"
    "    c0.dispatchEvent(new MouseEvent('mouseout', {bubbles: true}));\n"
    "  }\n"
    "  var sr = svg.getBoundingClientRect();\n"
    "  svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: sr.left + sr.width / 2,\n"
    "                                            clientY: sr.top + sr.height / 2, bubbles: true, cancelable: true}));\n"
    "  d.zoom = vb[2] < W ? 1 : 0;\n"
    "  svg.dispatchEvent(new MouseEvent('dblclick', {bubbles: true}));\n"
    "  if (vb[2] !== W) d.zoom = 0;\n"
    "  d.ready = '1';\n"
    "})();\n";

/* Write <outdir>/<name>.html around the SVG gnuplot drew from the same script: gnuplot's own
 * <title> removed (it would be every point's tooltip), one invisible circle per point carrying its
 * name, the names for the "every name" switch, the data and the script. 0 or -1 (message printed). */
static int write_page(const char *name, const PlotOpts *o, const PlotMap *m, const PlotLayout *L,
                      const char *svg_path) {
    char err[ERR_LEN];
    size_t len;
    char *svg = read_file(svg_path, &len, err);
    if (!svg) {
        fprintf(stderr, "plot %s: gnuplot wrote no SVG for the page: %s\n", name, err);
        return -1;
    }
    char *start = strstr(svg, "<svg"), *end = NULL;
    for (char *p = start ? strstr(start, "</svg>") : NULL; p; p = strstr(p + 1, "</svg>")) end = p;
    if (!start || !end) {
        fprintf(stderr, "plot %s: gnuplot's SVG has no <svg> element; no page written\n", name);
        free(svg);
        return -1;
    }
    char *gtitle = strstr(start, "<title>Gnuplot</title>");
    if (gtitle && gtitle < end) memset(gtitle, ' ', strlen("<title>Gnuplot</title>"));
    size_t n = strlen(outdir()) + strlen(name) + 64;
    char *path = xmalloc(n), *tmp = xmalloc(n);
    snprintf(path, n, "%s/%s.html", outdir(), name);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "plot %s: cannot write %s: %s\n", name, tmp, strerror(errno));
        free(svg), free(path), free(tmp);
        return -1;
    }
    const char *title = o->title && *o->title ? o->title : name;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    html_text(f, title);
    fputs("</title>\n<!-- written by common/plot.c beside the PNG of the same name -->\n<style>\n", f);
    fprintf(f, PAGE_STYLE, L->width);
    fputs("</style>\n</head>\n<body>\n<div id=\"bar\">", f);
    fprintf(f, "Point at a dot for its name (%d points, %d labelled in the figure). Wheel: zoom; drag: move; "
               "double-click: back. <label><input type=\"checkbox\" id=\"all\"> show every name</label> "
               "<span id=\"zoom\"></span></div>\n<div id=\"fig\">\n",
            m->n, L->placed);
    fwrite(start, 1, (size_t)(end - start), f);
    fputs("<g id=\"nlpc-names\" style=\"display:none\" fill=\"#000\" font-size=\"13\">\n", f);
    for (int i = 0; i < m->n; i++) {
        if (isnan(L->px[i]) || !m->labels || !m->labels[i]) continue;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", L->px[i] + 6, L->py[i] + 4);
        html_text(f, m->labels[i]);
        fputs("</text>\n", f);
    }
    fputs("</g>\n<g id=\"nlpc-hits\">\n", f);
    for (int i = 0; i < m->n; i++) {
        if (isnan(L->px[i])) continue;
        fprintf(f, "<circle class=\"hit\" data-i=\"%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"7\"><title>", i, L->px[i], L->py[i]);
        if (m->labels && m->labels[i]) html_text(f, m->labels[i]);
        else fprintf(f, "point %d", i + 1);
        int g = point_group(m, i);
        if (g >= 0) fputs(" (", f), html_text(f, m->group_names[g]), fputc(')', f);
        fputs("</title></circle>\n", f);
    }
    fputs("</g>\n</svg>\n<div id=\"tip\"></div>\n</div>\n<script>\n", f);
    fprintf(f, "var SIZE = [%d, %d], AREA = [%.1f, %.1f, %.1f, %.1f];\n", L->width, L->height, L->area_x0,
            L->area_y0, L->area_x1, L->area_y1);
    fputs("var G = [", f);
    for (int g = 0; m->group && g < m->ngroups; g++) fputs(g ? ", " : "", f), js_str(f, m->group_names[g]);
    fputs("];\n/* each point: its pixel position in the figure, its name, its group (-1: none) */\nvar P = [\n", f);
    for (int i = 0; i < m->n; i++) {
        fprintf(f, "[%.1f, %.1f, ", isnan(L->px[i]) ? -1.0 : L->px[i], isnan(L->py[i]) ? -1.0 : L->py[i]);
        js_str(f, m->labels && m->labels[i] ? m->labels[i] : "");
        fprintf(f, ", %d]%s\n", point_group(m, i), i + 1 < m->n ? "," : "");
    }
    fputs("];\n/* the labels of the figure: point, then the box common/plot.c reserved for it (pixels) */\nvar B = [\n", f);
    int first = 1;
    for (int i = 0; i < m->n; i++) {
        const PlotBox *b = &L->box[i];
        if (box_empty(b)) continue;
        fprintf(f, "%s[%d, %.1f, %.1f, %.1f, %.1f]", first ? "" : ",\n", i, b->x0, b->y0, b->x1, b->y1);
        first = 0;
    }
    fputs("\n];\n", f);
    fputs(PAGE_SCRIPT, f);
    fputs("</script>\n</body>\n</html>\n", f);
    free(svg);
    int bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "plot %s: cannot write %s: %s\n", name, path, strerror(errno));
        remove(tmp), free(path), free(tmp);
        return -1;
    }
    printf("page: %s\n", path);
    fflush(stdout);
    free(path), free(tmp);
    return 0;
}

static int gp_map(const char *name, const PlotOpts *o, const PlotMap *m) {
    PlotLayout L;
    if (plot_map_layout(o, m, &L) != 0) return -1;
    Gp g;
    if (gp_begin(&g, name, o, L.width, L.height) != 0) {
        plot_layout_free(&L);
        return -1;
    }
    FILE *f = g.f;
    gp_axis_labels(f, o->xlabel, o->ylabel);
    Axis ax = {L.xlo, L.xhi, o->logx != 0, 0, 0}, ay = {L.ylo, L.yhi, o->logy != 0, 0, 0};
    int usable = 0, ng = m->group ? m->ngroups : 0;
    for (int i = 0; i < m->n; i++) usable += !isnan(L.px[i]);
    /* the plotting area at fixed pixels, so that the layout's boxes are where gnuplot draws */
    fprintf(f, "set lmargin at screen %.6f\nset rmargin at screen %.6f\nset tmargin at screen %.6f\n"
               "set bmargin at screen %.6f\n",
            L.area_x0 / L.width, L.area_x1 / L.width, 1 - L.area_y0 / L.height, 1 - L.area_y1 / L.height);
    if (!usable) gp_no_data(f);
    else {
        for (int k = -1; k < ng; k++) { /* one data block per group; $G_ for the points of none */
            if (k < 0) fputs("$G_ << EOD\n", f);
            else fprintf(f, "$G%d << EOD\n", k);
            for (int i = 0; i < m->n; i++)
                if (!isnan(L.px[i]) && point_group(m, i) == k) fprintf(f, "%.10g %.10g\n", m->x[i], m->y[i]);
            fputs("EOD\n", f);
        }
        int label_no = 0;
        for (int i = 0; i < m->n; i++) {
            const PlotBox *b = &L.box[i];
            if (box_empty(b)) continue;
            char colour[8];
            label_colour(ng ? point_group(m, i) : -1, colour);
            fprintf(f, "set label %d ", ++label_no), gp_str(f, m->labels[i]);
            fprintf(f, " at %.10g,%.10g left front tc rgb '%s'\n", layout_x(&L, &ax, b->x0 + 1),
                    layout_y(&L, &ay, b->y0 + LABEL_ABOVE), colour);
            if (L.leader[i]) { /* from the dot to the nearest point of the label's box */
                double u = L.px[i], v = L.py[i];
                double bu = u < b->x0 ? b->x0 : u > b->x1 ? b->x1 : u, bv = v < b->y0 ? b->y0 : v > b->y1 ? b->y1 : v;
                fprintf(f, "set arrow from %.10g,%.10g to %.10g,%.10g nohead lw 0.8 lc rgb '#a0a0a0' back\n",
                        m->x[i], m->y[i], layout_x(&L, &ax, bu), layout_y(&L, &ay, bv));
            }
        }
        for (int i = 0; i < m->narrows; i++) {
            const PlotArrow *a = &m->arrows[i];
            if (!axis_usable(&ax, a->x0) || !axis_usable(&ax, a->x1) || !axis_usable(&ay, a->y0) ||
                !axis_usable(&ay, a->y1))
                continue;
            /* red, or dark grey where red is a group's colour */
            fprintf(f, "set arrow from %.10g,%.10g to %.10g,%.10g head filled size char 1.2,20 lw 1.5 "
                       "lc rgb '%s' front\n",
                    a->x0, a->y0, a->x1, a->y1, ng > 1 ? "#505050" : "#d62728");
        }
        /* the svg terminal sizes points from its font: DOT keeps the page's dots as big as the PNG's */
        fputs("DOT = 1.1\nset grid lc rgb '#dddddd'\n", f);
        if (o->logx) fputs("set logscale x\n", f);
        if (o->logy) fputs("set logscale y\n", f);
        gp_range(f, "x", &ax), gp_range(f, "y", &ay);
        if (ng) /* the legend in the right margin, level with the top of the plotting area */
            fprintf(f, "set key at screen %.6f,%.6f top left Left reverse samplen 0.5 spacing 1.4\n",
                    (L.area_x1 + 12) / L.width, 1 - L.area_y0 / L.height);
        else fputs("unset key\n", f);
        fputs("plot ", f);
        int first = 1;
        for (int k = -1; k < ng; k++) {
            int count = 0;
            for (int i = 0; i < m->n; i++) count += !isnan(L.px[i]) && point_group(m, i) == k;
            if (!count) continue; /* an empty data block is a gnuplot warning */
            if (!first) fputs(", ", f);
            if (k < 0) fputs("$G_", f);
            else fprintf(f, "$G%d", k);
            fprintf(f, " with points pt 7 ps DOT lc rgb '%s' ", ng ? group_colour(k) : ONE_COLOUR);
            if (k >= 0) fputs("title ", f), gp_str(f, m->group_names[k] ? m->group_names[k] : "");
            else fputs("notitle", f);
            first = 0;
        }
        fputc('\n', f);
    }
    if (m->page) { /* the same figure again, as SVG for the page */
        size_t n = strlen(g.png) + 32;
        g.svg = xmalloc(n);
        snprintf(g.svg, n, "%s.svg.%ld", g.png, (long)getpid());
        fprintf(f, "set terminal svg size %d,%d fixed noenhanced font '%s,14.67' background rgb 'white'\n", L.width,
                L.height, have_cjk_font() ? CJK_FONT : "");
        fputs("set output ", f), gp_str(f, g.svg), fputs("\nDOT = 0.72\nreplot\nunset output\n", f);
    }
    int rc = gp_render(&g, name);
    if (rc == 0 && m->page) rc = write_page(name, o, m, &L, g.svg);
    if (L.named_missing || L.thinned)
        printf("plot %s: %d of %d labels drawn%s%d left out where they would cover other labels or points%s\n", name,
               L.placed, L.placed + L.named_missing + L.thinned, m->page ? " (every name is in the page); " : "; ",
               L.named_missing + L.thinned, L.named_missing ? ", named ones among them" : "");
    gp_cleanup(&g);
    plot_layout_free(&L);
    return rc;
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

/* The colour bar's ticks: about five round values (1, 2 or 5 times a power of ten apart), each
 * printed with the digits its step needs and no more (gnuplot's own choice can print 0.9000000). */
static void gp_colour_bar_tics(FILE *f, double lo, double hi) {
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span)) return;
    double raw = span / 5, mag = pow(10.0, floor(log10(raw))), step = mag;
    if (raw > 5 * mag) step = 10 * mag;
    else if (raw > 2 * mag) step = 5 * mag;
    else if (raw > mag) step = 2 * mag;
    double big = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    double first = ceil(lo / step - 1e-9) * step;
    if (big >= 1e6 || step < 1e-4) fprintf(f, "set cbtics %.10g,%.10g,%.10g format '%%.1e'\n", first, step, hi);
    else fprintf(f, "set cbtics %.10g,%.10g,%.10g format '%%.%df'\n", first, step, hi + step * 1e-6, decimals);
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
    gp_colour_bar_tics(f, clo, chi);
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

int plot_map(const char *name, const PlotOpts *o, const PlotMap *m) {
    if (check_name(name) != 0) return -1;
    if (!map_args_ok(name, m)) return -1;
    if (!o) o = &NO_OPTS;
    if (use_ascii()) {
        int rc = ascii_map(o, m);
        fflush(stdout);
        return rc;
    }
    return gp_map(name, o, m);
}

int plot_scatter(const char *name, const PlotOpts *o, const double *x, const double *y,
                 const char *const *labels, int n, const PlotArrow *arrows, int narrows) {
    if (check_name(name) != 0) return -1;
    if (n < 0 || (n > 0 && (!x || !y)) || narrows < 0 || (narrows > 0 && !arrows))
        return fprintf(stderr, "plot %s: missing points or arrows\n", name), -1;
    PlotMap m = {0};
    m.x = x, m.y = y, m.n = n, m.labels = labels, m.arrows = arrows, m.narrows = narrows;
    return plot_map(name, o, &m);
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
