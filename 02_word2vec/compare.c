/* compare.c - chapter 02: word vectors from different models judged by the same tools, one column
 * per model, so that GloVe and skip-gram trained on the same corpus can be read across a line. */
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

#define COL 27   /* a column per vector file */
#define HEAD 40  /* the row names */

/* A cell, padded, and always one space after it, so that a long cell never runs into the next. */
static void cell(const char *text) {
    utf8_print_padded(stdout, text, COL);
    putchar(' ');
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int wv_compare_print(const WordVectors *const *wv, const char *const *names, int nv, const char *const *pairs_files,
                     int npairs, const char *const *question_files, int nquestions, const char *const *probes,
                     int nprobes, char *err) {
    char buf[256];
    utf8_print_padded(stdout, "", HEAD);
    for (int k = 0; k < nv; k++) cell(names[k]);
    printf("\n");
    for (int f = 0; f < npairs; f++) {
        snprintf(buf, sizeof buf, "%s (Spearman)", base_name(pairs_files[f]));
        utf8_print_padded(stdout, buf, HEAD);
        for (int k = 0; k < nv; k++) {
            SimilarityReport r;
            if (wv_eval_similarity(wv[k], pairs_files[f], &r, err)) return -1;
            snprintf(buf, sizeof buf, "%.3f (%d/%d pairs)", r.spearman, r.covered, r.total);
            cell(buf);
        }
        printf("\n");
    }
    for (int f = 0; f < nquestions; f++) {
        snprintf(buf, sizeof buf, "%s (top-1)", base_name(question_files[f]));
        utf8_print_padded(stdout, buf, HEAD);
        for (int k = 0; k < nv; k++) {
            AnalogyReport r;
            if (wv_eval_analogies(wv[k], question_files[f], 0, &r, err)) return -1;
            snprintf(buf, sizeof buf, "%.1f%% (%d/%d)", r.covered ? 100.0 * r.correct / r.covered : 0, r.correct,
                     r.covered);
            cell(buf);
            analogy_report_free(&r);
        }
        printf("\n");
    }
    for (int p = 0; p < nprobes; p++) {
        snprintf(buf, sizeof buf, "neighbours of %s", probes[p]);
        utf8_print_padded(stdout, buf, HEAD);
        for (int k = 0; k < nv; k++) {
            int r = wv_find(wv[k], probes[p]), idx[5];
            float cos[5];
            size_t len = 0;
            buf[0] = 0;
            if (r < 0) snprintf(buf, sizeof buf, "(absent)");
            int found = r < 0 ? 0 : wv_nearest(wv[k], wv[k]->vec + (size_t)r * wv[k]->dim, 0, 3, &r, 1, idx, cos);
            for (int i = 0; i < found && len < sizeof buf - 64; i++)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "", wv[k]->words[idx[i]]);
            cell(buf);
        }
        printf("\n");
    }
    return 0;
}
