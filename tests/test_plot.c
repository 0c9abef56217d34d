/* test_plot.c - the plotting layer: exact terminal drawings (markers, ticks, shades, bars, wide
 * characters, map groups), the maps' label layout (no two labels overlap, none covers a dot unless
 * it must be named), PNGs through gnuplot (signature, size, no leftovers, Chinese and quoted
 * labels), a map's interactive page, and the failure paths (bad names, unwritable out dir, a
 * gnuplot that fails or writes garbage). */
#include <fcntl.h>
#include <math.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot.h"
#include "testutil.h"
#include "util.h"

#define M PLOT_ASCII_MARGIN
#define W PLOT_ASCII_W
#define H PLOT_ASCII_H

static const char SHADES_FOR_TEST[] = " .:-=+*#%@";

/* ---- capturing stdout / stderr into a file ---- */

typedef struct {
    int fd, saved;
    char *path;
} Capture;

static void capture_begin(Capture *c, int fd) {
    fflush(stdout), fflush(stderr);
    c->fd = fd;
    c->path = temp_path(".capture");
    int f = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(f, 0);
    c->saved = dup(fd);
    ck_assert_int_ge(c->saved, 0);
    ck_assert_int_ge(dup2(f, fd), 0);
    close(f);
}

/* Restore the descriptor; return what was written (caller frees). */
static char *capture_end(Capture *c) {
    fflush(stdout), fflush(stderr);
    dup2(c->saved, c->fd);
    close(c->saved);
    char err[ERR_LEN];
    size_t n;
    char *s = read_file(c->path, &n, err);
    ck_assert_msg(s != NULL, "%s", err);
    remove(c->path);
    free(c->path);
    return s;
}

/* Split text into lines in place; returns the count. */
static int split_lines(char *text, char **lines, int max) {
    int n = 0;
    for (char *p = text; *p && n < max;) {
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

/* The plot-area rows of a terminal drawing: the lines with the axis '|' just before the canvas. */
static int plot_rows(char **lines, int n, char **rows) {
    int k = 0;
    for (int i = 0; i < n; i++)
        if (strlen(lines[i]) >= M && lines[i][M - 1] == '|' && k < H) rows[k++] = lines[i];
    return k;
}

static char cell_at(const char *row, int col) { return strlen(row) > (size_t)(M + col) ? row[M + col] : ' '; }

/* ---- the terminal drawings ---- */

START_TEST(ascii_lines_markers_corners_and_legend) {
    plot_set_ascii(1);
    double x[2] = {0, 1}, up[2] = {0, 1}, down[2] = {1, 0};
    PlotSeries s[2] = {{"rising", x, up, 2}, {"falling", x, down, 2}};
    PlotOpts o = {"two lines", "step", "loss", 0, 0};
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    int rc = plot_lines("lines", &o, s, 2);
    char *out = capture_end(&c);
    ck_assert_int_eq(rc, 1);
    char *lines[64], *rows[H];
    int n = split_lines(out, lines, 64);
    ck_assert_int_eq(plot_rows(lines, n, rows), H);
    /* first series '*' from bottom-left to top-right, second 'o' from top-left to bottom-right */
    ck_assert_int_eq(cell_at(rows[0], W - 1), '*');
    ck_assert_int_eq(cell_at(rows[H - 1], 0), '*');
    ck_assert_int_eq(cell_at(rows[0], 0), 'o');
    ck_assert_int_eq(cell_at(rows[H - 1], W - 1), 'o');
    /* y ticks: max on the top row, min on the bottom one */
    ck_assert_int_eq(strncmp(rows[0], "         1 |", M), 0);
    ck_assert_int_eq(strncmp(rows[H - 1], "         0 |", M), 0);
    ck_assert_ptr_nonnull(strstr(out, "two lines"));
    int found_legend = 0, found_x = 0;
    for (int i = 0; i < n; i++) {
        if (strstr(lines[i], "* rising") && strstr(lines[i], "o falling")) found_legend = 1;
        size_t len = strlen(lines[i]);
        if (len > M && lines[i][M] == '0' && strstr(lines[i], "0.5") && lines[i][len - 1] == '1') found_x = 1;
    }
    ck_assert_msg(found_legend, "legend missing:\n%s", out);
    ck_assert_msg(found_x, "x ticks 0 / 0.5 / 1 missing");
    free(out);
}
END_TEST

START_TEST(ascii_log_axis_is_linear_in_decades) {
    plot_set_ascii(1);
    /* 1, 10, 100 at x = 0, 1, 2 is a straight line on a log axis; -5 and NaN are skipped */
    double x[5] = {0, 0.5, 1, 1.5, 2}, y[5] = {1, -5, 10, NAN, 100};
    PlotSeries s = {"decades", x, y, 5};
    PlotOpts o = {NULL, NULL, NULL, 0, 1};
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    int rc = plot_lines("log", &o, &s, 1);
    char *out = capture_end(&c);
    ck_assert_int_eq(rc, 1);
    char *lines[64], *rows[H];
    int n = split_lines(out, lines, 64);
    ck_assert_int_eq(plot_rows(lines, n, rows), H);
    ck_assert_int_eq(strncmp(rows[0], "       100 |", M), 0);
    ck_assert_int_eq(strncmp(rows[H / 2], "        10 |", M), 0);
    ck_assert_int_eq(strncmp(rows[H - 1], "         1 |", M), 0);
    ck_assert_int_eq(cell_at(rows[H - 1], 0), '*');
    ck_assert_int_eq(cell_at(rows[H / 2], W / 2), '*');
    ck_assert_int_eq(cell_at(rows[0], W - 1), '*');
    /* a straight line: on each row the marker sits where the diagonal crosses it */
    ck_assert_int_eq(cell_at(rows[H / 4], (W - 1) * 3 / 4), '*');
    free(out);
}
END_TEST

START_TEST(ascii_empty_constant_and_nonfinite_data) {
    plot_set_ascii(1);
    double x[10], flat[10], bad[3] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 10; i++) x[i] = i, flat[i] = 5;
    PlotSeries s = {"flat", x, flat, 10}, b = {"bad", NULL, bad, 3}, e = {"empty", NULL, NULL, 0};
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    ck_assert_int_eq(plot_lines("flat", NULL, &s, 1), 1);
    char *out = capture_end(&c);
    char *lines[64], *rows[H];
    int n = split_lines(out, lines, 64);
    ck_assert_int_eq(plot_rows(lines, n, rows), H);
    /* a constant is drawn across the middle row, with the value as its tick */
    ck_assert_int_eq(strncmp(rows[H / 2], "         5 |", M), 0);
    for (int col = 0; col < W; col++) ck_assert_int_eq(cell_at(rows[H / 2], col), '*');
    free(out);

    capture_begin(&c, STDOUT_FILENO);
    ck_assert_int_eq(plot_lines("bad", NULL, &b, 1), 1);
    ck_assert_int_eq(plot_lines("none", NULL, &e, 1), 1);
    ck_assert_int_eq(plot_lines("zero", NULL, NULL, 0), 1);
    ck_assert_int_eq(plot_scatter("sc", NULL, bad, bad, NULL, 3, NULL, 0), 1);
    ck_assert_int_eq(plot_heatmap("hm", NULL, bad, 1, 3, NULL, NULL), 1);
    ck_assert_int_eq(plot_heatmap("hm0", NULL, NULL, 0, 0, NULL, NULL), 1);
    ck_assert_int_eq(plot_bars("bars", NULL, NULL, bad, 3), 1);
    ck_assert_int_eq(plot_bars("bars0", NULL, NULL, NULL, 0), 1);
    out = capture_end(&c);
    ck_assert_ptr_nonnull(strstr(out, "(no data)"));
    ck_assert_ptr_nonnull(strstr(out, "(skipped)"));
    ck_assert_ptr_null(strstr(out, "nan |")); /* no NaN ever becomes a tick label */
    free(out);
}
END_TEST

START_TEST(ascii_heatmap_shades_order_by_value) {
    plot_set_ascii(1);
    double m[6] = {0, 1, 2, 3, NAN, 1.5};
    const char *rl[3] = {"r0", "r1", "注意"}, *cl[2] = {"a", "b"};
    PlotOpts o = {"attention", "key", "query", 0, 0};
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    int rc = plot_heatmap("heat", &o, m, 3, 2, rl, cl);
    char *out = capture_end(&c);
    ck_assert_int_eq(rc, 1);
    /* 0..3 over ten shades: 0 -> ' ', 1 -> '-', 1.5 -> '=', 2 -> '*', 3 -> '@'; two columns a cell;
     * the row labels are padded to the widest, "注意" (4 columns) */
    ck_assert_msg(strstr(out, "\nr0   |  --|\n") != NULL, "row 0 wrong:\n%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\nr1   |**@@|\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n注意 |?\?==|\n"));
    ck_assert_ptr_nonnull(strstr(out, "\n      a b\n")); /* column labels over their cells */
    ck_assert_ptr_nonnull(strstr(out, "scale: 0 [ .:-=+*#%@] 3   ? = NaN"));
    ck_assert_ptr_nonnull(strstr(out, "rows: query, columns: key"));
    free(out);

    /* a big matrix is averaged down: 80 columns of a ramp become 40 cells of one column each */
    double *big = xmalloc(2 * 80 * sizeof(double));
    for (int j = 0; j < 80; j++) big[j] = big[80 + j] = j;
    capture_begin(&c, STDOUT_FILENO);
    ck_assert_int_eq(plot_heatmap("big", NULL, big, 2, 80, NULL, NULL), 1);
    out = capture_end(&c);
    ck_assert_ptr_nonnull(strstr(out, "averaged over 1x2 blocks"));
    char *row = strstr(out, "0 |");
    ck_assert_ptr_nonnull(row);
    ck_assert_int_eq(row[3], ' ');
    ck_assert_int_eq(row[3 + 39], '@');
    ck_assert_int_eq(row[3 + 40], '|');
    for (int j = 1; j < 40; j++) /* a ramp: shades never go down */
        ck_assert(strchr(SHADES_FOR_TEST, row[3 + j]) >= strchr(SHADES_FOR_TEST, row[2 + j]));
    free(big);
    free(out);
}
END_TEST

START_TEST(ascii_scatter_labels_arrows_and_wide_characters) {
    plot_set_ascii(1);
    double x[3] = {0, 1, 0.5}, y[3] = {0, 1, 0.5};
    const char *labels[3] = {"国王", "女王", NULL};
    PlotArrow a = {0, 1, 1, 1};
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    int rc = plot_scatter("words", NULL, x, y, labels, 3, &a, 1);
    char *out = capture_end(&c);
    ck_assert_int_eq(rc, 1);
    char *lines[64], *rows[H];
    int n = split_lines(out, lines, 64);
    ck_assert_int_eq(plot_rows(lines, n, rows), H);
    /* bottom-left point with its label to the right */
    ck_assert_int_eq(strncmp(rows[H - 1] + M, "*国王", strlen("*国王")), 0);
    /* top-right point: its label does not fit to the right, so it goes left, over the arrow's
     * shaft; the label takes 4 columns (2 per character), so the row of M + W columns holds two
     * 3-byte characters in 4 of them: M + W + 2 bytes */
    ck_assert_int_eq(strncmp(rows[0] + M, "...", 3), 0);
    ck_assert_ptr_nonnull(strstr(rows[0], "女王*"));
    ck_assert_uint_eq(strlen(rows[0]), (size_t)(M + W + 2));
    ck_assert_int_eq(cell_at(rows[H / 2], W / 2), '*'); /* the unlabelled point */
    free(out);
}
END_TEST

START_TEST(ascii_map_groups_markers_and_crowded_labels) {
    plot_set_ascii(1);
    /* two groups; the two "b..." points sit on one row, so the second label would run into the
     * first: it is left out, and said so */
    double x[4] = {0, 1, 0.30, 0.32}, y[4] = {0, 1, 0.5, 0.5};
    const char *labels[4] = {"a0", "a1", "bbbbbb", "cccccc"};
    int group[4] = {0, 0, 1, 1};
    const char *names[2] = {"first", "second"};
    PlotMap m = {0};
    m.x = x, m.y = y, m.n = 4, m.labels = labels, m.group = group, m.group_names = names, m.ngroups = 2;
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    int rc = plot_map("groups", NULL, &m);
    char *out = capture_end(&c);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(out, "* first   o second") != NULL, "no legend in:\n%s", out);
    ck_assert_ptr_nonnull(strstr(out, "bbbbb")); /* the second dot is drawn over its first letter */
    ck_assert_ptr_null(strstr(out, "ccc"));
    ck_assert_ptr_nonnull(strstr(out, "(1 labels left out where they would run into others)"));
    char *lines[64], *rows[H];
    int n = split_lines(out, lines, 64);
    ck_assert_int_eq(plot_rows(lines, n, rows), H);
    ck_assert_int_eq(cell_at(rows[H - 1], 0), '*'); /* group 0's marker */
    ck_assert_ptr_nonnull(strstr(rows[H / 2], "o")); /* group 1's */
    free(out);
}
END_TEST

/* ---- the maps' label layout ---- */

static unsigned long long lcg_state;
static double lcg_uniform(void) { /* a seeded generator of the test's own */
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

/* No two placed labels overlap, each lies in the plotting area, and each is counted once. */
static void check_layout(const PlotLayout *L, int n) {
    int placed = 0;
    for (int i = 0; i < n; i++) {
        const PlotBox *a = &L->box[i];
        if (!(a->x1 > a->x0)) continue;
        placed++;
        ck_assert_msg(a->x0 >= L->area_x0 && a->x1 <= L->area_x1 && a->y0 >= L->area_y0 && a->y1 <= L->area_y1,
                      "label %d outside the plotting area", i);
        for (int j = i + 1; j < n; j++) {
            const PlotBox *b = &L->box[j];
            if (b->x1 > b->x0)
                ck_assert_msg(!plot_boxes_overlap(a, b), "labels %d and %d overlap: [%.1f %.1f %.1f %.1f] [%.1f %.1f %.1f %.1f]",
                              i, j, a->x0, a->y0, a->x1, a->y1, b->x0, b->y0, b->x1, b->y1);
        }
    }
    ck_assert_int_eq(placed, L->placed);
}

START_TEST(map_layout_labels_never_overlap) {
    /* like chapter 02's group maps: 37 words in 5 tight clusters, every one named */
    enum { N = 37 };
    double x[N], y[N];
    const char *labels[N];
    char text[N][16];
    int group[N];
    unsigned char named[N];
    lcg_state = 2;
    for (int i = 0; i < N; i++) {
        int g = i % 5;
        x[i] = g * 2 + 0.3 * lcg_uniform(), y[i] = (g % 2) * 3 + 0.3 * lcg_uniform();
        snprintf(text[i], sizeof text[i], i % 3 ? "word%02d" : "宝玉%d", i);
        labels[i] = text[i], group[i] = g, named[i] = 1;
    }
    const char *names[5] = {"numbers", "family", "metals", "animals", "places"};
    PlotMap m = {0};
    m.x = x, m.y = y, m.n = N, m.labels = labels, m.named = named;
    m.group = group, m.group_names = names, m.ngroups = 5;
    PlotOpts o = {"groups", NULL, NULL, 0, 0};
    PlotLayout L;
    ck_assert_int_eq(plot_map_layout(&o, &m, &L), 0);
    check_layout(&L, N);
    ck_assert_int_eq(L.placed, N); /* room for all of them: every named word is named */
    ck_assert_int_eq(L.named_missing, 0);
    ck_assert(L.area_x1 < L.width - 100); /* the legend's margin, right of the data */
    plot_layout_free(&L);

    /* like the t-SNE map: 300 words spread over the page, none named: a dot keeps its label only
     * where the label fits beside it and covers no other dot */
    enum { T = 300 };
    double tx[T], ty[T];
    const char *tl[T];
    char tt[T][16];
    for (int i = 0; i < T; i++) {
        tx[i] = 60 * lcg_uniform(), ty[i] = 60 * lcg_uniform();
        snprintf(tt[i], sizeof tt[i], "w%d%s", i, i % 7 ? "" : "longer");
        tl[i] = tt[i];
    }
    PlotMap t = {0};
    t.x = tx, t.y = ty, t.n = T, t.labels = tl;
    ck_assert_int_eq(plot_map_layout(NULL, &t, &L), 0);
    check_layout(&L, T);
    ck_assert_int_eq(L.placed + L.thinned, T);
    ck_assert_int_gt(L.placed, 100);
    ck_assert_int_gt(L.thinned, 0);
    for (int i = 0; i < T; i++) /* no label covers a dot */
        for (int j = 0; j < T && L.box[i].x1 > L.box[i].x0; j++) {
            const PlotBox *b = &L.box[i];
            int inside = L.px[j] >= b->x0 - 4 && L.px[j] <= b->x1 + 4 && L.py[j] >= b->y0 - 4 && L.py[j] <= b->y1 + 4;
            int corner = (L.px[j] < b->x0 || L.px[j] > b->x1) && (L.py[j] < b->y0 || L.py[j] > b->y1);
            ck_assert_msg(!inside || corner, "label %d covers dot %d", i, j);
        }
    plot_layout_free(&L);

    /* ten named points on one spot: labels go further out, with a line to their point */
    double sx[10], sy[10];
    const char *sl[10];
    unsigned char sn[10];
    for (int i = 0; i < 10; i++) sx[i] = i == 0 ? 0 : 1, sy[i] = i == 0 ? 0 : 1, sl[i] = "same", sn[i] = 1;
    PlotMap sm = {0};
    sm.x = sx, sm.y = sy, sm.n = 10, sm.labels = sl, sm.named = sn;
    ck_assert_int_eq(plot_map_layout(NULL, &sm, &L), 0);
    check_layout(&L, 10);
    ck_assert_int_eq(L.placed, 10);
    int leaders = 0;
    for (int i = 0; i < 10; i++) leaders += L.leader[i];
    ck_assert_int_gt(leaders, 0);
    plot_layout_free(&L);

    /* a wide (CJK) label reserves two columns' worth per character */
    const char *one[1] = {"王夫人"}, *ascii1[1] = {"abc"};
    double zx[1] = {0}, zy[1] = {0};
    PlotMap z = {0};
    z.x = zx, z.y = zy, z.n = 1, z.labels = one;
    ck_assert_int_eq(plot_map_layout(NULL, &z, &L), 0);
    double wide = L.box[0].x1 - L.box[0].x0;
    plot_layout_free(&L);
    z.labels = ascii1;
    ck_assert_int_eq(plot_map_layout(NULL, &z, &L), 0);
    ck_assert(wide > 1.5 * (L.box[0].x1 - L.box[0].x0));
    plot_layout_free(&L);

    PlotMap bad = {0};
    bad.n = 3; /* points missing */
    Capture c;
    capture_begin(&c, STDERR_FILENO);
    ck_assert_int_eq(plot_map_layout(NULL, &bad, &L), -1);
    free(capture_end(&c));
}
END_TEST

START_TEST(ascii_bars_linear_and_log) {
    plot_set_ascii(1);
    const char *labels[3] = {"one-hot", "dense", "词"};
    double v[3] = {1000, 10, 0};
    PlotOpts o = {"memory", NULL, "bytes", 0, 1};
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    int rc = plot_bars("mem", &o, labels, v, 3);
    char *out = capture_end(&c);
    ck_assert_int_eq(rc, 1);
    char bar[128];
    /* log: bars from 1 (a power of ten below 10): 1000 is 3 decades = 40 cells, 10 is 1/3 = 13 */
    snprintf(bar, sizeof bar, "\none-hot |%.40s 1000\n", "########################################");
    ck_assert_msg(strstr(out, bar) != NULL, "%s", out);
    snprintf(bar, sizeof bar, "\ndense   |%.13s 10\n", "########################################");
    ck_assert_ptr_nonnull(strstr(out, bar));
    ck_assert_ptr_nonnull(strstr(out, "\n词      | 0 (not on a log scale)\n"));
    ck_assert_ptr_nonnull(strstr(out, "bytes (log scale)"));
    free(out);

    /* linear with a negative value: zero sits a third of the way in (range -1 .. 2) */
    double w[2] = {2, -1};
    capture_begin(&c, STDOUT_FILENO);
    ck_assert_int_eq(plot_bars("neg", NULL, NULL, w, 2), 1);
    out = capture_end(&c);
    snprintf(bar, sizeof bar, "0 |%13s%.27s 2\n", "", "########################################");
    ck_assert_msg(strncmp(out, bar, strlen(bar)) == 0, "%s", out); /* no title: the first line */
    snprintf(bar, sizeof bar, "\n1 |%.13s 1\n", "########################################");
    ck_assert_ptr_null(strstr(out, bar)); /* the value printed is -1, not 1 */
    snprintf(bar, sizeof bar, "\n1 |%.13s -1\n", "########################################");
    ck_assert_ptr_nonnull(strstr(out, bar));
    free(out);
}
END_TEST

START_TEST(rejects_bad_names_and_arguments) {
    plot_set_ascii(1);
    double y[2] = {1, 2};
    PlotSeries s = {"s", NULL, y, 2}, no_y = {"s", NULL, NULL, 2};
    Capture c;
    capture_begin(&c, STDERR_FILENO);
    ck_assert_int_eq(plot_lines("../escape", NULL, &s, 1), -1);
    ck_assert_int_eq(plot_lines("", NULL, &s, 1), -1);
    ck_assert_int_eq(plot_lines(".hidden", NULL, &s, 1), -1);
    ck_assert_int_eq(plot_lines("ok", NULL, &no_y, 1), -1);
    ck_assert_int_eq(plot_heatmap("ok", NULL, y, -1, 2, NULL, NULL), -1);
    ck_assert_int_eq(plot_scatter("ok", NULL, NULL, y, NULL, 2, NULL, 0), -1);
    char *err = capture_end(&c);
    ck_assert_ptr_nonnull(strstr(err, "bad plot name '../escape'"));
    ck_assert_ptr_nonnull(strstr(err, "series 1 has no y values"));
    ck_assert_ptr_nonnull(strstr(err, "bad matrix (-1 x 2)"));
    free(err);
}
END_TEST

START_TEST(env_switch_pretends_gnuplot_is_missing) {
    plot_set_ascii(0);
    setenv("NLPC_NO_GNUPLOT", "1", 1);
    ck_assert_int_eq(plot_have_gnuplot(), 0);
    double y[2] = {1, 2};
    PlotSeries s = {"s", NULL, y, 2};
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    int rc = plot_lines("env", NULL, &s, 1);
    char *out = capture_end(&c);
    unsetenv("NLPC_NO_GNUPLOT");
    ck_assert_int_eq(rc, 1);
    ck_assert_ptr_nonnull(strstr(out, "* s"));
    free(out);
}
END_TEST

/* ---- PNGs through gnuplot ---- */

/* Skip (pass with a note) where gnuplot is not installed: the terminal path is tested above. */
#define NEED_GNUPLOT()                                                                               \
    do {                                                                                             \
        plot_set_ascii(0);                                                                           \
        if (!plot_have_gnuplot()) {                                                                  \
            fprintf(stderr, "test_plot: gnuplot not installed, PNG test skipped\n");                 \
            return;                                                                                  \
        }                                                                                            \
    } while (0)

static long png_size(const char *dir, const char *name) {
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    char path[512];
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    char err[ERR_LEN];
    size_t n;
    char *s = read_file(path, &n, err);
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_msg(n >= 8 && memcmp(s, sig, 8) == 0, "%s is not a PNG", path);
    free(s);
    return (long)n;
}

/* Every file in dir must be one of the expected PNGs (no temporaries); returns how many. */
static int only_pngs(const char *dir, const char *const *names, int n) {
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        int ok = 0;
        for (int i = 0; i < n; i++) {
            char want[256];
            snprintf(want, sizeof want, "%s.png", names[i]);
            if (strcmp(e->d_name, want) == 0) ok = 1;
        }
        ck_assert_msg(ok, "unexpected file left in %s: %s", dir, e->d_name);
        count++;
    }
    closedir(d);
    return count;
}

static void remove_dir(const char *dir, const char *const *names, int n) {
    char path[1024];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s.png", dir, names[i]);
        remove(path);
    }
    rmdir(dir);
}

START_TEST(gnuplot_writes_pngs_for_every_kind) {
    NEED_GNUPLOT();
    char *dir = temp_path("-plots");
    char sub[512];
    snprintf(sub, sizeof sub, "%s/nested", dir); /* created with its parent on demand */
    plot_set_outdir(sub);
    /* quotes, backslashes, gnuplot's enhanced-text characters and a newline must not break it */
    const char *nasty = "it's \"quoted\" \\n x_1^2 @{} 'end\nnext";
    double x[50], y1[50], y2[50];
    for (int i = 0; i < 50; i++) x[i] = i + 1, y1[i] = 5.0 / (i + 1), y2[i] = 6.0 / sqrt(i + 1.0);
    y2[10] = NAN;
    PlotSeries s[2] = {{"训练损失", x, y1, 50}, {nasty, x, y2, 50}};
    PlotOpts ol = {"损失曲线 loss", "步数 step", nasty, 0, 1};
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    ck_assert_int_eq(plot_lines("lines", &ol, s, 2), 0);
    double px[4] = {0, 1, 0.2, 1.3}, py[4] = {0, 0.1, 1, 1.1};
    const char *words[4] = {"男人", "国王", "女人", "王后 'queen'"};
    PlotArrow arrows[2] = {{0, 0, 1, 0.1}, {0.2, 1, 1.3, 1.1}};
    PlotOpts os = {"词向量类比", "维度 1", "维度 2", 0, 0};
    ck_assert_int_eq(plot_scatter("scatter", &os, px, py, words, 4, arrows, 2), 0);
    double att[16];
    for (int i = 0; i < 16; i++) att[i] = (i / 4 >= i % 4) ? 1.0 / (i / 4 + 1) : 0;
    const char *toks[4] = {"我", "爱", "自然", "语言"};
    PlotOpts oh = {"注意力 attention", "键 key", "查询 query", 0, 0};
    ck_assert_int_eq(plot_heatmap("heatmap", &oh, att, 4, 4, toks, toks), 0);
    const char *kinds[3] = {"独热 one-hot", "稠密 dense", nasty};
    double mem[3] = {4e9, 2e6, 512};
    PlotOpts ob = {"内存 memory", NULL, "字节 bytes", 0, 1};
    ck_assert_int_eq(plot_bars("bars", &ob, kinds, mem, 3), 0);
    char *out = capture_end(&c);
    char note[600];
    snprintf(note, sizeof note, "plot: %s/lines.png\n", sub);
    ck_assert_msg(strstr(out, note) != NULL, "missing note '%s' in:\n%s", note, out);
    free(out);
    const char *names[4] = {"lines", "scatter", "heatmap", "bars"};
    for (int i = 0; i < 4; i++) ck_assert_int_gt(png_size(sub, names[i]), 10000);
    ck_assert_int_eq(only_pngs(sub, names, 4), 4);
    if (!getenv("NLPC_KEEP_PLOTS")) remove_dir(sub, names, 4), rmdir(dir);
    else fprintf(stderr, "test_plot: PNGs kept in %s\n", sub);
    plot_set_outdir(NULL);
    free(dir);
}
END_TEST

/* A map with groups and its page: the PNG, the HTML beside it (gnuplot's SVG inside, one hover
 * target per point, the names escaped), and nothing else left in the directory. */
START_TEST(gnuplot_map_png_and_page) {
    NEED_GNUPLOT();
    char *dir = temp_path("-plots");
    plot_set_outdir(dir);
    double x[6] = {0, 0.1, 1, 1.1, 0.5, 0.55}, y[6] = {0, 0.1, 1, 1.0, 0.5, 0.52};
    const char *labels[6] = {"gold", "silver", "王夫人", "宝玉", "</script><b>x", "a & \"b\""};
    int group[6] = {0, 0, 1, 1, -1, 2};
    const char *names[3] = {"metals", "人物", "other"};
    PlotMap m = {0};
    m.x = x, m.y = y, m.n = 6, m.labels = labels, m.group = group, m.group_names = names, m.ngroups = 3, m.page = 1;
    PlotArrow a = {0, 0, 1, 1};
    m.arrows = &a, m.narrows = 1;
    PlotOpts o = {"map 地图", NULL, NULL, 0, 0};
    Capture c, ce;
    capture_begin(&c, STDOUT_FILENO);
    capture_begin(&ce, STDERR_FILENO);
    ck_assert_int_eq(plot_map("map", &o, &m), 0);
    char *err = capture_end(&ce);
    char *out = capture_end(&c);
    ck_assert_msg(strcmp(err, "") == 0, "gnuplot complained:\n%s", err);
    ck_assert_ptr_nonnull(strstr(out, "page: "));
    free(err), free(out);
    ck_assert_int_gt(png_size(dir, "map"), 10000);
    char path[512], e[ERR_LEN];
    snprintf(path, sizeof path, "%s/map.html", dir);
    size_t len;
    char *html = read_file(path, &len, e);
    ck_assert_msg(html != NULL, "%s", e);
    ck_assert_ptr_nonnull(strstr(html, "<svg"));
    ck_assert_ptr_null(strstr(html, "<title>Gnuplot</title>"));
    ck_assert_ptr_nonnull(strstr(html, "data-i=\"5\""));
    ck_assert_ptr_null(strstr(html, "data-i=\"6\""));
    ck_assert_ptr_nonnull(strstr(html, "var G = [\"metals\", \"人物\", \"other\"];"));
    ck_assert_ptr_nonnull(strstr(html, "\"\\u003c/script>\\u003cb>x\""));     /* in the script */
    ck_assert_ptr_nonnull(strstr(html, "<title>&lt;/script&gt;&lt;b&gt;x</title>")); /* no group */
    ck_assert_ptr_nonnull(strstr(html, "a &amp; &quot;b&quot; (other)"));  /* in the SVG */
    ck_assert_int_eq((int)(strstr(html, "</script>") != NULL), 1);
    /* exactly one closing script tag: the label could not close it early */
    ck_assert_ptr_null(strstr(strstr(html, "</script>") + 1, "</script>"));
    free(html);
    remove(path);
    const char *pngs[1] = {"map"};
    ck_assert_int_eq(only_pngs(dir, pngs, 1), 1);
    remove_dir(dir, pngs, 1);
    plot_set_outdir(NULL);
    free(dir);
}
END_TEST

START_TEST(gnuplot_handles_empty_and_constant_data) {
    NEED_GNUPLOT();
    char *dir = temp_path("-plots");
    plot_set_outdir(dir);
    double flat[3] = {2, 2, 2}, nan3[3] = {NAN, NAN, NAN};
    PlotSeries s = {"flat", NULL, flat, 3}, e = {"nan", NULL, nan3, 3};
    Capture c, ce;
    capture_begin(&c, STDOUT_FILENO);
    capture_begin(&ce, STDERR_FILENO);
    ck_assert_int_eq(plot_lines("flat", NULL, &s, 1), 0);
    ck_assert_int_eq(plot_lines("nan", NULL, &e, 1), 0);
    ck_assert_int_eq(plot_heatmap("const", NULL, flat, 1, 3, NULL, NULL), 0);
    ck_assert_int_eq(plot_bars("bars", NULL, NULL, nan3, 3), 0);
    char *err = capture_end(&ce);
    free(capture_end(&c));
    /* our ranges are set so that gnuplot has nothing to warn about */
    ck_assert_msg(strcmp(err, "") == 0, "gnuplot complained:\n%s", err);
    free(err);
    const char *names[4] = {"flat", "nan", "const", "bars"};
    for (int i = 0; i < 4; i++) ck_assert_int_gt(png_size(dir, names[i]), 1000);
    ck_assert_int_eq(only_pngs(dir, names, 4), 4);
    remove_dir(dir, names, 4);
    plot_set_outdir(NULL);
    free(dir);
}
END_TEST

START_TEST(gnuplot_unwritable_outdir_returns_error) {
    NEED_GNUPLOT();
    /* a directory below a regular file cannot be created, even by root */
    char *file = temp_path(".file");
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/out", file);
    plot_set_outdir(dir);
    double y[2] = {1, 2};
    PlotSeries s = {"s", NULL, y, 2};
    Capture c;
    capture_begin(&c, STDERR_FILENO);
    int rc = plot_lines("lines", NULL, &s, 1);
    char *err = capture_end(&c);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err, "cannot create directory") && strstr(err, file), "message: %s", err);
    free(err);
    plot_set_outdir(NULL);
    remove(file);
    free(file);
}
END_TEST

/* A gnuplot that fails after writing garbage where it was told to put the PNG, or that "succeeds"
 * with garbage: either way the good PNG from before stays and no temporary is left. */
START_TEST(gnuplot_failure_keeps_previous_png) {
    NEED_GNUPLOT();
    char *dir = temp_path("-plots"), *bin = temp_path("-fakebin");
    plot_set_outdir(dir);
    double y[3] = {1, 3, 2};
    PlotSeries s = {"s", NULL, y, 3};
    Capture c;
    capture_begin(&c, STDOUT_FILENO);
    ck_assert_int_eq(plot_lines("keep", NULL, &s, 1), 0);
    free(capture_end(&c));
    long good = png_size(dir, "keep");

    ck_assert_int_eq(mkdir(bin, 0755), 0);
    char fake[512];
    snprintf(fake, sizeof fake, "%s/gnuplot", bin);
    FILE *f = fopen(fake, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#!/bin/sh\nout=$(sed -n \"s/^set output '\\(.*\\)'$/\\1/p\" \"$1\")\n"
          "printf 'garbage' > \"$out\"\nexit ${FAKE_GNUPLOT_RC:-1}\n",
          f);
    fclose(f);
    chmod(fake, 0755);
    const char *old = getenv("PATH");
    char *saved = xstrdup(old ? old : "/usr/bin:/bin");
    char path[4096];
    snprintf(path, sizeof path, "%s:%s", bin, saved);
    setenv("PATH", path, 1);
    const char *rcs[2] = {"1", "0"};
    for (int k = 0; k < 2; k++) {
        setenv("FAKE_GNUPLOT_RC", rcs[k], 1);
        capture_begin(&c, STDERR_FILENO);
        int rc = plot_lines("keep", NULL, &s, 1);
        char *err = capture_end(&c);
        ck_assert_int_eq(rc, -1);
        ck_assert_msg(strstr(err, k == 0 ? "gnuplot failed (exit status 1)" : "gnuplot wrote no PNG"),
                      "message: %s", err);
        ck_assert_ptr_nonnull(strstr(err, "is unchanged"));
        free(err);
        ck_assert_int_eq(png_size(dir, "keep"), good);
        const char *names[1] = {"keep"};
        ck_assert_int_eq(only_pngs(dir, names, 1), 1);
    }
    setenv("PATH", saved, 1);
    unsetenv("FAKE_GNUPLOT_RC");
    remove(fake), rmdir(bin);
    const char *names[1] = {"keep"};
    remove_dir(dir, names, 1);
    plot_set_outdir(NULL);
    free(saved), free(dir), free(bin);
}
END_TEST

Suite *plot_suite(void) {
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("ascii");
    tcase_add_test(tc, ascii_lines_markers_corners_and_legend);
    tcase_add_test(tc, ascii_log_axis_is_linear_in_decades);
    tcase_add_test(tc, ascii_empty_constant_and_nonfinite_data);
    tcase_add_test(tc, ascii_heatmap_shades_order_by_value);
    tcase_add_test(tc, ascii_scatter_labels_arrows_and_wide_characters);
    tcase_add_test(tc, ascii_map_groups_markers_and_crowded_labels);
    tcase_add_test(tc, map_layout_labels_never_overlap);
    tcase_add_test(tc, ascii_bars_linear_and_log);
    tcase_add_test(tc, rejects_bad_names_and_arguments);
    tcase_add_test(tc, env_switch_pretends_gnuplot_is_missing);
    suite_add_tcase(s, tc);
    TCase *tg = tcase_create("gnuplot");
    tcase_set_timeout(tg, 30);
    tcase_add_test(tg, gnuplot_writes_pngs_for_every_kind);
    tcase_add_test(tg, gnuplot_map_png_and_page);
    tcase_add_test(tg, gnuplot_handles_empty_and_constant_data);
    tcase_add_test(tg, gnuplot_unwritable_outdir_returns_error);
    tcase_add_test(tg, gnuplot_failure_keeps_previous_png);
    suite_add_tcase(s, tg);
    return s;
}
