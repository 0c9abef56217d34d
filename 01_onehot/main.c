/* main.c - bin/onehot: the command line of chapter 01 (the lesson itself is in onehot.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "corpus.h"
#include "onehot.h"
#include "platform.h"
#include "plot.h"
#include "tokenize.h"
#include "utf8.h"
#include "util.h"
#include "vocab.h"

#define MAX_WORDS 12
#define MAX_WORDS_STR "12"

static void usage(FILE *f) {
    fprintf(f,
            "usage: onehot [options]\n"
            "Build a corpus's vocabulary and show its one-hot word vectors: their size, their\n"
            "sparsity, and that every pair of words is equally far apart (chapter 01, claim C1).\n"
            "\n"
            "  --corpus FILE       UTF-8 text to take the vocabulary from   [data/en/kjv.txt]\n"
            "  --tokenize MODE     words, or chars (every Chinese character a token)   [words]\n"
            "  --words W1,W2,...   2 to %d words to compare; one missing from the corpus is added\n"
            "                      to the vocabulary (a one-hot code needs no training)   [cat,dog,stone]\n"
            "  --min-count N       keep only words seen at least N times   [1]\n"
            "  --dim D             width of the dense embedding to compare memory with   [300]\n"
            "  --name NAME         prefix of the plot files   [onehot]\n"
            "  --out DIR           directory for the plots   [out]\n"
            "  --ascii             draw the plots in the terminal instead of PNG files\n"
            "  -h, --help          this text\n",
            MAX_WORDS);
}


typedef struct {
    const char *corpus, *words, *name, *out;
    TokMode mode;
    long min_count, dim;
    int ascii;
} Options;

static Options parse_args(int argc, char **argv) {
    Options o = {"data/en/kjv.txt", "cat,dog,stone", "onehot", "out", TOK_WORDS, 1, 300, 0};
    char err[ERR_LEN];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) usage(stdout), exit(0);
        if (!strcmp(a, "--ascii")) {
            o.ascii = 1;
            continue;
        }
        if (a[0] != '-' || a[1] != '-') cli_bad_usage("unexpected argument '%s'", a);
        static const char *const with_value[] = {"--corpus", "--words", "--name", "--out",
                                                  "--tokenize", "--min-count", "--dim"};
        int known = 0;
        for (size_t j = 0; j < sizeof with_value / sizeof *with_value; j++) known |= !strcmp(a, with_value[j]);
        if (!known) cli_bad_usage("unknown option '%s'", a);
        if (i + 1 >= argc) cli_bad_usage("option %s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--corpus")) o.corpus = v;
        else if (!strcmp(a, "--words")) o.words = v;
        else if (!strcmp(a, "--name")) o.name = v;
        else if (!strcmp(a, "--out")) o.out = v;
        else if (!strcmp(a, "--tokenize")) {
            if (!strcmp(v, "words")) o.mode = TOK_WORDS;
            else if (!strcmp(v, "chars")) o.mode = TOK_CHARS;
            else cli_bad_usage("--tokenize must be 'words' or 'chars', not '%s'", v);
        } else if (!strcmp(a, "--min-count")) {
            if (parse_long(v, 1, 1000000000L, &o.min_count, "--min-count", err)) cli_bad_usage("%s", err);
        } else if (!strcmp(a, "--dim")) {
            if (parse_long(v, 1, 100000, &o.dim, "--dim", err)) cli_bad_usage("%s", err);
        }
    }
    return o;
}

/* Counting callback: every token of the corpus goes into the vocabulary. */
static void count_token(const char *tok, size_t len, void *vocab) { vocab_add(vocab, tok, len, 1); }

/* Split "a,b,c" (also the full-width comma) and normalise each word with the corpus's tokenizer,
 * so "Cat" finds "cat". A word the tokenizer cuts in two cannot have a single one-hot code. */
static int parse_words(const char *list, TokMode mode, char **words) {
    int k = 0;
    const char *p = list;
    while (*p) {
        /* the next separator: ',' or the full-width '，' (EF BC 8C) Chinese keyboards type */
        const char *end = p;
        while (*end && *end != ',' && strncmp(end, "\xEF\xBC\x8C", 3) != 0) end++;
        size_t n = (size_t)(end - p);
        if (n > 0) {
            if (k == MAX_WORDS) cli_bad_usage("--words: at most %s words", MAX_WORDS_STR);
            TokenList t = {0};
            tokenize_list(p, n, mode, &t);
            if (t.n != 1)
                die("--words: '%.*s' is %zu tokens for the %s tokenizer, so it has no one-hot code of its own",
                    (int)n, p, t.n, mode == TOK_WORDS ? "words" : "chars");
            words[k++] = xstrdup(t.tok[0]);
            token_list_free(&t);
        }
        p = *end == ',' ? end + 1 : *end ? end + 3 : end;
    }
    if (k < 2) cli_bad_usage("--words: give at least two words to compare, e.g. %s", "--words cat,dog,stone");
    return k;
}

int main(int argc, char **argv) {
    cli_set_program("onehot");
    Options o = parse_args(argc, argv);
    char err[ERR_LEN], b1[32], b2[32], b3[32];
    if (o.ascii) plot_set_ascii(1);
    plot_set_outdir(o.out);
    char *words[MAX_WORDS];
    int k = parse_words(o.words, o.mode, words);

    /* 1. The vocabulary: every distinct token of the corpus, most frequent first. */
    double t0 = now_seconds();
    size_t len;
    char *text = corpus_read(o.corpus, &len, err);
    if (!text) die("%s", err);
    Vocab *vocab = vocab_new();
    size_t ntok = tokenize(text, len, o.mode, count_token, vocab);
    free(text);
    vocab_finalize(vocab, o.min_count, NULL, 0);
    printf("corpus %s: %s, %zu tokens, vocabulary V = %d %s (min count %ld), built in %.2f s\n", o.corpus,
           format_bytes((double)len, b1, sizeof b1), ntok, vocab->n, o.mode == TOK_WORDS ? "words" : "characters",
           o.min_count, now_seconds() - t0);
    if (vocab->n == 0) die("%s: no word is seen %ld times or more; lower --min-count", o.corpus, o.min_count);
    printf("most frequent:");
    for (int i = 0; i < vocab->n && i < 10; i++) printf(" %s(%lld)", vocab->words[i], (long long)vocab->counts[i]);
    printf("\n");

    int ids[MAX_WORDS];
    for (int i = 0; i < k; i++) {
        ids[i] = vocab_find(vocab, words[i], strlen(words[i]));
        if (ids[i] < 0) {
            ids[i] = vocab_add(vocab, words[i], strlen(words[i]), 0);
            printf("\nnote: '%s' does not occur in %s; added to the vocabulary as id %d (a one-hot code needs no "
                   "training, only a free index)\n",
                   words[i], o.corpus, ids[i]);
        }
    }
    int V = vocab->n;

    /* 2. A toy vocabulary of just the chosen words, small enough to print whole. */
    printf("\nA toy vocabulary of just these %d words, to see whole vectors:\n", k);
    float *toy = xmalloc(sizeof(float) * (size_t)k);
    for (int i = 0; i < k; i++) {
        onehot_encode(toy, k, i);
        printf("  ");
        utf8_print_padded(stdout, words[i], 10);
        printf(" = ");
        onehot_print(stdout, toy, k);
        printf("\n");
    }
    free(toy);

    /* 3. The same words in the real vocabulary: V-dimensional, one non-zero. */
    printf("\nIn the real vocabulary every vector has V = %d dimensions and a single 1:\n", V);
    float *v = xmalloc(sizeof(float) * (size_t)V);
    for (int i = 0; i < k; i++) {
        onehot_encode(v, V, ids[i]);
        int nnz = 0;
        for (int j = 0; j < V; j++) nnz += v[j] != 0;
        printf("  ");
        utf8_print_padded(stdout, words[i], 10);
        printf(" id %6d, seen %6lld times, non-zeros %d of %d:  ", ids[i],
               (long long)vocab->counts[ids[i]], nnz, V);
        onehot_print(stdout, v, V);
        printf("\n");
    }
    free(v);

    /* 4. Every pair equally far apart: the tables, computed on the V-dim vectors. */
    double *eu = xmalloc(sizeof(double) * (size_t)(k * k)), *co = xmalloc(sizeof(double) * (size_t)(k * k));
    onehot_distances(ids, k, V, eu, co);
    const char *titles[2] = {"Euclidean distance", "cosine similarity"};
    for (int t = 0; t < 2; t++) {
        const double *m = t ? co : eu;
        printf("\n%s between the one-hot vectors:\n%12s", titles[t], "");
        for (int j = 0; j < k; j++) printf(" "), utf8_print_padded(stdout, words[j], -10);
        printf("\n");
        for (int i = 0; i < k; i++) {
            printf("  ");
            utf8_print_padded(stdout, words[i], 10);
            for (int j = 0; j < k; j++) printf(" %10.6f", m[i * k + j]);
            printf("\n");
        }
    }
    double emin = INFINITY, emax = -INFINITY, cmax = -INFINITY;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            if (i != j) {
                emin = fmin(emin, eu[i * k + j]), emax = fmax(emax, eu[i * k + j]);
                cmax = fmax(cmax, fabs(co[i * k + j]));
            }
    printf("\nEvery pair of distinct words: Euclidean distance from %.6f to %.6f (sqrt 2 = %.6f), |cosine| at most "
           "%.6f.\n",
           emin, emax, sqrt(2.0), cmax);
    printf("So '%s' is exactly as far from '%s' as from '%s': one-hot codes carry no similarity at all.\n",
           words[0], words[1], words[k - 1]);
    const char **labels = (const char **)words;
    PlotOpts po = {0};
    char title[256];
    snprintf(title, sizeof title, "cosine similarity of one-hot vectors (V = %d)", V);
    po.title = title;
    char pname[256];
    snprintf(pname, sizeof pname, "%s_cosine", o.name);
    int plot_failed = plot_heatmap(pname, &po, co, k, k, labels, labels) < 0;

    /* 5. Memory: a V x V table against a dense V x d embedding. */
    OneHotMemory mem = onehot_memory(V, (int)o.dim);
    printf("\nMemory to store a code for each of the V = %d words (float32):\n", V);
    char shape[64];
    snprintf(shape, sizeof shape, "%d x %d", V, V);
    printf("  one-hot table    V x V  %-16s %12s\n", shape, format_bytes(mem.table, b1, sizeof b1));
    snprintf(shape, sizeof shape, "%d x %ld", V, o.dim);
    printf("  dense embedding  V x d  %-16s %12s   (d = %ld, chapter 02)\n", shape,
           format_bytes(mem.dense, b3, sizeof b3), o.dim);
    snprintf(shape, sizeof shape, "%d int32", V);
    printf("  one-hot as index V x 1  %-16s %12s   (all the table really holds)\n", shape,
           format_bytes(mem.indices, b2, sizeof b2));
    printf("The one-hot table is V/d = %.1f times the dense embedding, and %.4f%% of it is non-zero.\n",
           mem.table / mem.dense, 100.0 / V);
    const char *bar_labels[3] = {"one-hot table V x V", "dense V x d", "index per word"};
    double bar_values[3] = {mem.table / 1048576.0, mem.dense / 1048576.0, mem.indices / 1048576.0};
    PlotOpts pb = {0};
    snprintf(title, sizeof title, "memory for V = %d words (MiB, log scale)", V);
    pb.title = title;
    pb.logy = 1;
    snprintf(pname, sizeof pname, "%s_memory", o.name);
    plot_failed |= plot_bars(pname, &pb, bar_labels, bar_values, 3) < 0;

    free(eu), free(co);
    for (int i = 0; i < k; i++) free(words[i]);
    vocab_free(vocab);
    return plot_failed ? 1 : 0; /* the message is already on stderr */
}
