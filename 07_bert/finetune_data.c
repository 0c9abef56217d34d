/* finetune_data.c - TSV examples, labels, the split and the scores; see finetune_data.h. */
#include "finetune_data.h"

#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "utf8.h"
#include "util.h"

/* ---- reading ------------------------------------------------------------------------------------ */

static void tsv_push(TsvData *d, int *cap, char *label, char *a, char *b, int line) {
    if (d->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        d->label_name = xrealloc(d->label_name, xmul((size_t)*cap, sizeof(char *)));
        d->text_a = xrealloc(d->text_a, xmul((size_t)*cap, sizeof(char *)));
        if (d->pairs) d->text_b = xrealloc(d->text_b, xmul((size_t)*cap, sizeof(char *)));
        d->line = xrealloc(d->line, xmul((size_t)*cap, sizeof(int)));
    }
    d->label_name[d->n] = label;
    d->text_a[d->n] = a;
    if (d->pairs) d->text_b[d->n] = b;
    d->line[d->n] = line;
    d->n++;
}

static char *dup_range(const char *s, size_t n) {
    char *r = xmalloc(n + 1);
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

/* Only spaces and tabs? (A field of blanks is as empty as an empty one.) */
static int blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

int tsv_parse(const char *buf, size_t len, const char *name, TsvData *d, char *err) {
    memset(d, 0, sizeof *d);
    int cap = 0, ncols = 0, line = 0;
    size_t pos = 0;
    while (pos < len) {
        line++;
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        if (n > 0 && s[n - 1] == '\r') n--;
        if (blank(s, n)) continue;
        /* Split on TAB: at most 3 fields are kept, the 4th is an error. */
        const char *f[4];
        size_t fl[4];
        int nf = 0;
        size_t start = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i == n || s[i] == '\t') {
                if (nf < 4) f[nf] = s + start, fl[nf] = i - start;
                nf++;
                start = i + 1;
            }
        }
        if (nf < 2 || nf > 3) {
            tsv_free(d);
            return set_err(err, "%s:%d: %d field%s, expected label<TAB>text or label<TAB>text_a<TAB>text_b", name,
                           line, nf, nf == 1 ? " (no TAB)" : "s");
        }
        if (!ncols) {
            ncols = nf;
            d->pairs = nf == 3;
        } else if (nf != ncols) {
            int first = d->line[0];
            tsv_free(d);
            return set_err(err, "%s:%d: %d fields, but the first example (line %d) has %d; every line needs the same",
                           name, line, nf, first, ncols);
        }
        if (blank(f[0], fl[0])) {
            tsv_free(d);
            return set_err(err, "%s:%d: empty label", name, line);
        }
        for (int k = 1; k < nf; k++)
            if (blank(f[k], fl[k])) {
                tsv_free(d);
                return set_err(err, "%s:%d: empty %s", name, line, nf == 2 ? "text" : k == 1 ? "text_a" : "text_b");
            }
        if (line == 2000000000) {
            tsv_free(d);
            return set_err(err, "%s: more than 2e9 lines", name);
        }
        tsv_push(d, &cap, dup_range(f[0], fl[0]), dup_range(f[1], fl[1]), nf == 3 ? dup_range(f[2], fl[2]) : NULL,
                 line);
    }
    if (d->n == 0) return set_err(err, "%s: no examples (only blank lines)", name);
    d->label = xmalloc(xmul((size_t)d->n, sizeof(int)));
    for (int i = 0; i < d->n; i++) d->label[i] = -1;
    return 0;
}

int tsv_read(const char *path, TsvData *d, char *err) {
    memset(d, 0, sizeof *d);
    size_t len;
    char *buf = corpus_read(path, &len, err);
    if (!buf) return -1;
    int rc = tsv_parse(buf, len, path, d, err);
    free(buf);
    return rc;
}

void tsv_free(TsvData *d) {
    for (int i = 0; i < d->n; i++) {
        free(d->label_name[i]);
        free(d->text_a[i]);
        if (d->text_b) free(d->text_b[i]);
    }
    free(d->label_name), free(d->text_a), free(d->text_b), free(d->line), free(d->label);
    memset(d, 0, sizeof *d);
}

static void tsv_copy_from(TsvData *dst, const TsvData *src, const int *idx, int n) {
    memset(dst, 0, sizeof *dst);
    dst->n = n;
    dst->pairs = src->pairs;
    size_t sz = xmul((size_t)(n ? n : 1), sizeof(char *));
    dst->label_name = xmalloc(sz), dst->text_a = xmalloc(sz);
    if (src->pairs) dst->text_b = xmalloc(sz);
    dst->line = xmalloc(xmul((size_t)(n ? n : 1), sizeof(int)));
    dst->label = xmalloc(xmul((size_t)(n ? n : 1), sizeof(int)));
    for (int j = 0; j < n; j++) {
        int i = idx[j];
        dst->label_name[j] = xstrdup(src->label_name[i]);
        dst->text_a[j] = xstrdup(src->text_a[i]);
        if (src->pairs) dst->text_b[j] = xstrdup(src->text_b[i]);
        dst->line[j] = src->line[i];
        dst->label[j] = src->label ? src->label[i] : -1;
    }
}

void tsv_split_every(const TsvData *all, int every, TsvData *train, TsvData *test) {
    if (every < 2) die("tsv_split_every: every must be >= 2 (got %d)", every);
    int *tr = xmalloc(xmul((size_t)all->n + 1, sizeof(int))), *te = xmalloc(xmul((size_t)all->n + 1, sizeof(int)));
    int ntr = 0, nte = 0;
    for (int i = 0; i < all->n; i++) {
        if (i % every == every - 1) te[nte++] = i;
        else tr[ntr++] = i;
    }
    tsv_copy_from(train, all, tr, ntr);
    tsv_copy_from(test, all, te, nte);
    free(tr), free(te);
}

void tsv_keep_first(TsvData *d, int n) {
    if (n < 0 || n >= d->n) return;
    for (int i = n; i < d->n; i++) {
        free(d->label_name[i]), free(d->text_a[i]);
        if (d->text_b) free(d->text_b[i]);
    }
    d->n = n;
}

/* ---- labels --------------------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void labelset_from(LabelSet *ls, const TsvData *d) {
    char **all = xmalloc(xmul((size_t)(d->n ? d->n : 1), sizeof(char *)));
    for (int i = 0; i < d->n; i++) all[i] = d->label_name[i];
    qsort(all, (size_t)d->n, sizeof(char *), cmp_str);
    ls->n = 0;
    ls->names = xmalloc(xmul((size_t)(d->n ? d->n : 1), sizeof(char *)));
    for (int i = 0; i < d->n; i++)
        if (i == 0 || strcmp(all[i], all[i - 1])) ls->names[ls->n++] = xstrdup(all[i]);
    free(all);
}

void labelset_from_names(LabelSet *ls, char *const *names, int n) {
    ls->n = n;
    ls->names = xmalloc(xmul((size_t)(n ? n : 1), sizeof(char *)));
    for (int i = 0; i < n; i++) ls->names[i] = xstrdup(names[i]);
}

void labelset_free(LabelSet *ls) {
    for (int i = 0; i < ls->n; i++) free(ls->names[i]);
    free(ls->names);
    ls->names = NULL, ls->n = 0;
}

int labelset_find(const LabelSet *ls, const char *name) {
    for (int i = 0; i < ls->n; i++)
        if (!strcmp(ls->names[i], name)) return i;
    return -1;
}

int tsv_assign_labels(TsvData *d, const LabelSet *ls, const char *name, char *err) {
    for (int i = 0; i < d->n; i++) {
        d->label[i] = labelset_find(ls, d->label_name[i]);
        if (d->label[i] < 0) {
            char known[300] = "";
            size_t used = 0;
            for (int k = 0; k < ls->n && used + 8 < sizeof known; k++) {
                int w = snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", ls->names[k]);
                used += w > 0 ? (size_t)w : 0;
            }
            if (used >= sizeof known - 1) strcpy(known + sizeof known - 5, "...");
            return set_err(err, "%s:%d: label '%s' is not one of the training labels: %s", name, d->line[i],
                           d->label_name[i], known);
        }
    }
    return 0;
}

/* ---- scores ------------------------------------------------------------------------------------- */

void cls_metrics(ClsMetrics *m, const int *gold, const int *pred, long n, int k) {
    memset(m, 0, sizeof *m);
    m->k = k, m->n = n;
    m->confusion = xcalloc(xmul((size_t)k, (size_t)k), sizeof(long));
    m->precision = xcalloc((size_t)k, sizeof(double));
    m->recall = xcalloc((size_t)k, sizeof(double));
    m->f1 = xcalloc((size_t)k, sizeof(double));
    m->support = xcalloc((size_t)k, sizeof(long));
    long correct = 0;
    for (long i = 0; i < n; i++) {
        if (gold[i] < 0 || gold[i] >= k || pred[i] < 0 || pred[i] >= k)
            die("cls_metrics: label id out of range at %ld (gold %d, pred %d, %d classes)", i, gold[i], pred[i], k);
        m->confusion[(size_t)gold[i] * (size_t)k + (size_t)pred[i]]++;
        correct += gold[i] == pred[i];
    }
    m->accuracy = n ? (double)correct / (double)n : 0.0;
    for (int c = 0; c < k; c++) {
        long tp = m->confusion[(size_t)c * (size_t)k + (size_t)c], predicted = 0, actual = 0;
        for (int j = 0; j < k; j++) {
            predicted += m->confusion[(size_t)j * (size_t)k + (size_t)c];
            actual += m->confusion[(size_t)c * (size_t)k + (size_t)j];
        }
        m->support[c] = actual;
        m->precision[c] = predicted ? (double)tp / (double)predicted : 0.0;
        m->recall[c] = actual ? (double)tp / (double)actual : 0.0;
        double s = m->precision[c] + m->recall[c];
        m->f1[c] = s > 0 ? 2.0 * m->precision[c] * m->recall[c] / s : 0.0;
        m->macro_f1 += m->f1[c] / k;
    }
}

void cls_metrics_free(ClsMetrics *m) {
    free(m->confusion), free(m->precision), free(m->recall), free(m->f1), free(m->support);
    memset(m, 0, sizeof *m);
}

void cls_metrics_print(FILE *f, const ClsMetrics *m, const LabelSet *ls) {
    fprintf(f, "  %-14s %9s %9s %9s %8s\n", "class", "precision", "recall", "F1", "support");
    for (int c = 0; c < m->k; c++) {
        const char *name = ls ? ls->names[c] : "?";
        fputs("  ", f);
        utf8_print_padded(f, name, 14); /* labels may be Chinese: pad by columns, not bytes */
        fprintf(f, " %9.4f %9.4f %9.4f %8ld\n", m->precision[c], m->recall[c], m->f1[c], m->support[c]);
    }
    fprintf(f, "  accuracy %.4f (%ld examples)   macro F1 %.4f\n", m->accuracy, m->n, m->macro_f1);
}
