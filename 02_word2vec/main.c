/* main.c - bin/word2vec: the command line of chapter 02 (the lesson is in word2vec.c, vectors.c,
 * maps.c and demo.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cooc.h"
#include "crossling.h"
#include "demo.h"
#include "glove.h"
#include "maps.h"
#include "platform.h"
#include "plot.h"
#include "tokenize.h"
#include "util.h"
#include "vectors.h"
#include "word2vec.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: word2vec                 run the demo (claims C2-C5 on the King James Bible and 红楼梦)\n"
            "       word2vec demo [--full] [--threads N] [--out DIR] [--ascii]\n"
            "       word2vec train --corpus FILE --out VECTORS [options]\n"
            "       word2vec neighbors --vectors V [--top K] [WORD ...]\n"
            "       word2vec analogy --vectors V [--top K] [A B C]\n"
            "       word2vec analogy --vectors V --questions FILE [--restrict N]\n"
            "       word2vec similarity --vectors V --pairs FILE\n"
            "       word2vec plot --vectors V (--words W1,W2,... | --top-words N) [--arrows A:B,C:D]\n"
            "                     [--method pca|tsne] --out FILE.png [--title T] [--ascii]\n"
            "       word2vec compare --vectors V1,V2,... [--names N1,N2,...] [--pairs F1,F2,...]\n"
            "                     [--questions F1,...] [--words W1,W2,...]\n"
            "       word2vec crosslingual --src V --tgt V --dict FILE [--ridge F] [--plot S1:T1,S2:T2,...]\n"
            "                     [--out PREFIX] [--ascii]\n"
            "\n"
            "Word vectors by skip-gram or CBOW (chapter 02). Every command that reads vectors takes the\n"
            "word2vec binary or text format (gensim, fastText .vec) and detects which.\n"
            "\n"
            "train options:\n"
            "  --corpus FILE        UTF-8 text; a window never crosses a line\n"
            "  --out VECTORS        where to save the vectors\n"
            "  --format bin|txt     word2vec binary or text format   [bin]\n"
            "  --model skipgram|cbow|glove   [skipgram]\n"
            "  --tokenize words|chars  words: the shared tokenizer's words (space-separated Chinese\n"
            "                       stays as its words); chars: every Chinese character a token   [words]\n"
            "  --keep-punct         keep punctuation tokens (dropped by default)\n"
            "  --dim N              vector size   [100]\n"
            "  --window N           largest context distance; each word draws 1..N   [5; glove: 10,\n"
            "                       every distance, weighted 1/distance]\n"
            "  --negative N         negative samples per word   [5]\n"
            "  --hs                 hierarchical softmax (Huffman tree) instead of negative sampling\n"
            "  --sample F           sub-sampling threshold, 0 = off   [1e-3]\n"
            "  --min-count N        drop words seen fewer times   [5]\n"
            "  --epochs N           passes over the corpus (glove: over the non-zero counts)   [5; glove: 15]\n"
            "  --alpha F            starting learning rate   [0.05; glove: AdaGrad's 0.05]\n"
            "  --threads N          training threads   [OpenMP's count: OMP_NUM_THREADS or the cores]\n"
            "  --seed N             random seed; one thread and the same seed repeat a run   [1]\n"
            "  --quiet              no progress lines on stderr\n"
            "glove only (GloVe, Pennington et al. 2014; --negative, --hs, --sample do not apply):\n"
            "  --x-max F            counts above this weigh 1 in the loss   [100]\n"
            "  --power F            the weight below x-max: (x/x-max)^power   [0.75]\n"
            "  --memory-mb N        bound on the co-occurrence counting table; beyond it sorted chunks go\n"
            "                       to $TMPDIR and are merged, as GloVe's cooccur   [0 = no bound]\n"
            "Progress goes to stderr; the last line on stdout is 'words=N wall_s=X words_per_s=Y'\n"
            "(glove: wall_s counts the counting and the training).\n"
            "\n"
            "demo: --full adds hierarchical softmax and the big analogy set (as FULL=1 does); --threads N\n"
            "  trains with N threads instead of 1 (faster, but the numbers then change from run to run).\n"
            "\n"
            "neighbors / analogy print K lines 'word cosine' per query (--top K, default 10); with no\n"
            "words they read queries from standard input, one a line. analogy answers A : B = C : ?\n"
            "by 3CosAdd; --questions evaluates a questions-words file and ends with\n"
            "'accuracy=X covered=N/M' (--restrict N: only the N most frequent words). similarity\n"
            "ends with 'spearman=X covered=N/M'. plot draws a PNG (or in the terminal with --ascii or\n"
            "without gnuplot); --arrows draws A -> B for each pair (the analogy offsets).\n"
            "\n"
            "compare prints one column per vector file: Spearman on each --pairs file, top-1 accuracy on\n"
            "each --questions file, the 3 nearest neighbours of each --words word (GloVe beside skip-gram).\n"
            "crosslingual (claim C28) learns a linear map from the --src space to the --tgt space on the\n"
            "': seed' pairs of --dict (lines 'source target'), by least squares (with --ridge F, default 0.1)\n"
            "and as an orthogonal map (by SVD), prints precision@1/@5 on its ': test' pairs, and plots the\n"
            "--plot pairs in each space and together after the map (--out PREFIX: out/PREFIX_src.png,\n"
            "_tgt.png, _mapped.png; default 02_word2vec_crossling).\n");
}

static NORETURN void bad_usage(const char *fmt, const char *arg) {
    fprintf(stderr, "error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run 'word2vec --help' for the options)\n");
    exit(2);
}

/* ---- a small option table shared by the subcommands ------------------------------------------ */

typedef struct {
    const char *name; /* "--dim" */
    int has_value;
    const char *value; /* set when seen; "1" for flags */
} Opt;

/* Parse argv[from..) against opts; the words that are not options go into positional (if allowed). */
static int parse_opts(int argc, char **argv, int from, Opt *opts, int nopts, char **positional, int max_pos) {
    int npos = 0;
    for (int i = from; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) usage(stdout), exit(0);
        if (a[0] == '-' && a[1] == '-') {
            Opt *o = NULL;
            for (int k = 0; k < nopts; k++)
                if (!strcmp(a, opts[k].name)) o = &opts[k];
            if (!o) bad_usage("unknown option '%s' for this command", a);
            if (o->has_value) {
                if (i + 1 >= argc) bad_usage("option %s needs a value", a);
                o->value = argv[++i];
            } else {
                o->value = "1";
            }
        } else {
            if (npos >= max_pos) bad_usage(max_pos ? "too many words: '%s'" : "unexpected argument '%s'", a);
            positional[npos++] = argv[i];
        }
    }
    return npos;
}

static const char *opt(const Opt *opts, int n, const char *name) {
    for (int k = 0; k < n; k++)
        if (!strcmp(opts[k].name, name)) return opts[k].value;
    return NULL;
}

static long opt_long(const Opt *opts, int n, const char *name, long def, long lo, long hi) {
    const char *v = opt(opts, n, name);
    long x = def;
    char err[ERR_LEN];
    if (v && parse_long(v, lo, hi, &x, name, err)) bad_usage("%s", err);
    return x;
}

static double opt_double(const Opt *opts, int n, const char *name, double def, double lo, double hi) {
    const char *v = opt(opts, n, name);
    double x = def;
    char err[ERR_LEN];
    if (v && parse_double(v, lo, hi, &x, name, err)) bad_usage("%s", err);
    return x;
}

static WordVectors *load_vectors(const char *path) {
    if (!path) bad_usage("%s", "--vectors FILE is required");
    char err[ERR_LEN];
    WordVectors *wv = wv_load(path, NULL, err);
    if (!wv) die("%s", err);
    return wv;
}

/* ---- train ------------------------------------------------------------------------------------- */

/* GloVe's settings from the shared and its own flags (checked before the corpus is read). */
static GloveConfig glove_options(const Opt *o, int no, int *window, long *memory_mb) {
    static const char *w2v_only[] = {"--negative", "--hs", "--sample"};
    for (int k = 0; k < 3; k++)
        if (opt(o, no, w2v_only[k])) bad_usage("%s does not apply to --model glove", w2v_only[k]);
    GloveConfig cfg = glove_config_default();
    cfg.dim = (int)opt_long(o, no, "--dim", cfg.dim, 1, 10000);
    *window = (int)opt_long(o, no, "--window", 10, 1, 64);
    cfg.epochs = (int)opt_long(o, no, "--epochs", cfg.epochs, 1, 10000);
    cfg.eta = opt_double(o, no, "--alpha", cfg.eta, 1e-6, 10);
    cfg.x_max = opt_double(o, no, "--x-max", cfg.x_max, 1e-3, 1e9);
    cfg.power = opt_double(o, no, "--power", cfg.power, 0, 10);
    *memory_mb = opt_long(o, no, "--memory-mb", 0, 0, 1L << 20);
    cfg.threads = (int)opt_long(o, no, "--threads", num_threads(), 1, 256);
    cfg.seed = (uint64_t)opt_long(o, no, "--seed", 1, 0, 2147483647L);
    cfg.verbose = opt(o, no, "--quiet") == NULL;
    return cfg;
}

/* GloVe through the same command: count, train, save w + c in the same formats. */
static void train_glove(const W2vCorpus *c, GloveConfig cfg, int window, long memory_mb, const char *out, WvFormat fmt,
                        double t0) {
    char err[ERR_LEN], b1[32], b2[32];
    double tc = now_seconds();
    Cooc x;
    if (cooc_count(&x, c, window, (size_t)memory_mb << 20, NULL, err)) die("%s", err);
    double count_s = now_seconds() - tc;
    printf("co-occurrences: window %d, 1/distance weights: %zu non-zeros (%s) of %d x %d, counted in %.2f s with a "
           "table of at most %s%s\n",
           window, x.n, format_bytes((double)x.n * sizeof(CoocEntry), b1, sizeof b1), x.V, x.V, count_s,
           format_bytes((double)x.table_peak, b2, sizeof b2), x.chunks ? "" : " (all in memory)");
    if (x.chunks) printf("  %d sorted chunks written to disk and merged (--memory-mb %ld)\n", x.chunks, memory_mb);
    printf("GloVe, dim %d, x_max %g, power %g, %d epochs, AdaGrad eta %g, %d threads\n", cfg.dim, cfg.x_max, cfg.power,
           cfg.epochs, cfg.eta, cfg.threads);
    fflush(stdout);
    GloveModel m;
    GloveStats st;
    glove_train(&x, &cfg, &m, &st);
    float *v = glove_vectors(&m);
    WordVectors *wv = wv_from_rows(c->vocab->words, v, m.V, m.dim, m.dim);
    if (wv_save(wv, out, fmt, err)) die("%s", err);
    printf("saved %d vectors (word + context) of %d dims to %s (%s format)\n", wv->n, wv->dim, out,
           fmt == WV_TXT ? "txt" : "bin");
    printf("time: counting %.2f s, training %.2f s (%.0fk non-zeros/s, loss %.4f -> %.4f); peak memory %s\n", count_s,
           st.wall_s, st.entries_per_s / 1e3, st.first_loss, st.loss, format_bytes((double)peak_rss_bytes(), b1, sizeof b1));
    double wall = now_seconds() - t0;
    printf("words=%lld wall_s=%.3f words_per_s=%.0f\n", (long long)c->words, wall, wall > 0 ? (double)c->words / wall : 0);
    free(v);
    wv_free(wv);
    glove_model_free(&m);
    cooc_free(&x);
}

static int cmd_train(int argc, char **argv) {
    Opt o[] = {{"--corpus", 1, 0},   {"--out", 1, 0},     {"--format", 1, 0},  {"--model", 1, 0},
               {"--tokenize", 1, 0}, {"--keep-punct", 0, 0}, {"--dim", 1, 0},  {"--window", 1, 0},
               {"--negative", 1, 0}, {"--hs", 0, 0},      {"--sample", 1, 0},  {"--min-count", 1, 0},
               {"--epochs", 1, 0},   {"--alpha", 1, 0},   {"--threads", 1, 0}, {"--seed", 1, 0},
               {"--quiet", 0, 0},    {"--x-max", 1, 0},   {"--power", 1, 0},   {"--memory-mb", 1, 0}};
    int no = (int)(sizeof o / sizeof *o);
    parse_opts(argc, argv, 2, o, no, NULL, 0);
    const char *corpus = opt(o, no, "--corpus"), *out = opt(o, no, "--out");
    if (!corpus) bad_usage("%s", "train needs --corpus FILE");
    if (!out) bad_usage("%s", "train needs --out VECTORS");
    const char *fmt = opt(o, no, "--format"), *model = opt(o, no, "--model"), *tok = opt(o, no, "--tokenize");
    if (fmt && strcmp(fmt, "bin") && strcmp(fmt, "txt")) bad_usage("--format must be 'bin' or 'txt', not '%s'", fmt);
    if (model && strcmp(model, "skipgram") && strcmp(model, "cbow") && strcmp(model, "glove"))
        bad_usage("--model must be 'skipgram', 'cbow' or 'glove', not '%s'", model);
    if (tok && strcmp(tok, "words") && strcmp(tok, "chars")) bad_usage("--tokenize must be 'words' or 'chars', not '%s'", tok);
    int glove = model && !strcmp(model, "glove"), glove_window = 0;
    long glove_memory_mb = 0;
    GloveConfig gcfg = glove_config_default();
    if (glove) gcfg = glove_options(o, no, &glove_window, &glove_memory_mb);
    if (!glove) {
        static const char *glove_only[] = {"--x-max", "--power", "--memory-mb"};
        for (int k = 0; k < 3; k++)
            if (opt(o, no, glove_only[k])) bad_usage("%s goes with --model glove", glove_only[k]);
    }
    W2vConfig cfg = w2v_config_default(model && !strcmp(model, "cbow") ? W2V_CBOW : W2V_SKIPGRAM);
    long min_count = opt_long(o, no, "--min-count", 5, 1, 1000000000L);
    if (!glove) {
        cfg.hs = opt(o, no, "--hs") != NULL;
        cfg.dim = (int)opt_long(o, no, "--dim", cfg.dim, 1, 10000);
        cfg.window = (int)opt_long(o, no, "--window", cfg.window, 1, 64);
        cfg.negative = (int)opt_long(o, no, "--negative", cfg.negative, cfg.hs ? 0 : 1, 100);
        cfg.sample = opt_double(o, no, "--sample", cfg.sample, 0, 1);
        cfg.epochs = (int)opt_long(o, no, "--epochs", cfg.epochs, 1, 10000);
        cfg.alpha = opt_double(o, no, "--alpha", cfg.alpha, 1e-6, 10);
        cfg.threads = (int)opt_long(o, no, "--threads", num_threads(), 1, 256);
        cfg.seed = (uint64_t)opt_long(o, no, "--seed", 1, 0, 2147483647L);
        cfg.verbose = opt(o, no, "--quiet") == NULL;
    }
    TokMode mode = tok && !strcmp(tok, "chars") ? TOK_CHARS : TOK_WORDS;
    WvFormat wfmt = fmt && !strcmp(fmt, "txt") ? WV_TXT : WV_BIN;

    char err[ERR_LEN];
    AtomicFile probe; /* an unwritable --out is found now, not after the training */
    if (atomic_open(&probe, out, err)) die("%s", err);
    atomic_abort(&probe);
    double t0 = now_seconds();
    W2vCorpus c;
    if (w2v_corpus_read(&c, corpus, mode, opt(o, no, "--keep-punct") != NULL, min_count, err)) die("%s", err);
    printf("corpus %s: %lld tokens, %lld kept in %d words seen %ld+ times (%.2f s)\n", corpus, (long long)c.tokens,
           (long long)c.words, c.vocab->n, min_count, now_seconds() - t0);
    if (glove) {
        train_glove(&c, gcfg, glove_window, glove_memory_mb, out, wfmt, t0);
        w2v_corpus_free(&c);
        return 0;
    }
    if (cfg.hs && c.vocab->n < 2) die("%s: hierarchical softmax needs at least 2 words in the vocabulary", corpus);
    printf("%s with %s, dim %d, window %d, %s%d, sample %g, %d epochs, alpha %g, %d threads\n",
           cfg.arch == W2V_CBOW ? "CBOW" : "skip-gram", cfg.hs ? "hierarchical softmax" : "negative sampling", cfg.dim,
           cfg.window, cfg.hs ? "" : "negative ", cfg.hs ? 0 : cfg.negative, cfg.sample, cfg.epochs, cfg.alpha,
           cfg.threads);
    fflush(stdout);
    W2vWeights w;
    W2vStats st;
    w2v_train(&c, &cfg, &w, &st);
    WordVectors *wv = wv_from_rows(c.vocab->words, w.in, w.V, w.dim, w.stride);
    if (wv_save(wv, out, wfmt, err)) die("%s", err);
    printf("saved %d vectors of %d dims to %s (%s format)\n", wv->n, wv->dim, out, fmt ? fmt : "bin");
    char b1[32];
    printf("time: training %.2f s; peak memory %s\n", st.wall_s, format_bytes((double)peak_rss_bytes(), b1, sizeof b1));
    printf("words=%lld wall_s=%.3f words_per_s=%.0f\n", (long long)st.words, st.wall_s, st.words_per_s);
    wv_free(wv);
    w2v_weights_free(&w);
    w2v_corpus_free(&c);
    return 0;
}

/* ---- neighbors and analogy --------------------------------------------------------------------- */

static void print_hits(const WordVectors *wv, const int *idx, const float *cos, int found) {
    for (int i = 0; i < found; i++) printf("%s %.4f\n", wv->words[idx[i]], cos[i]);
}

/* One query of words; returns 0, or 1 if a word is missing (message on stderr). */
static int neighbors_query(const WordVectors *wv, char **words, int nwords, int k) {
    int rows[16];
    float *q = xcalloc((size_t)wv->dim, sizeof(float));
    for (int i = 0; i < nwords; i++) {
        rows[i] = wv_find(wv, words[i]);
        if (rows[i] < 0) {
            fprintf(stderr, "'%s' is not in the vocabulary\n", words[i]);
            free(q);
            return 1;
        }
        /* several words: the sum of their unit vectors, as word2vec's `distance` does */
        for (int j = 0; j < wv->dim; j++) q[j] += wv->unit[(size_t)rows[i] * wv->dim + j];
    }
    int *idx = xmalloc(sizeof(int) * (size_t)k);
    float *cos = xmalloc(sizeof(float) * (size_t)k);
    int found = wv_nearest(wv, q, 0, k, rows, nwords, idx, cos);
    print_hits(wv, idx, cos, found);
    free(q), free(idx), free(cos);
    return 0;
}

static int analogy_query(const WordVectors *wv, char **w, int k) {
    int r[3];
    for (int i = 0; i < 3; i++) {
        r[i] = wv_find(wv, w[i]);
        if (r[i] < 0) {
            fprintf(stderr, "'%s' is not in the vocabulary\n", w[i]);
            return 1;
        }
    }
    int *idx = xmalloc(sizeof(int) * (size_t)k);
    float *cos = xmalloc(sizeof(float) * (size_t)k);
    int found = wv_analogy(wv, r[0], r[1], r[2], 0, k, idx, cos);
    print_hits(wv, idx, cos, found);
    free(idx), free(cos);
    return 0;
}

/* Queries from standard input, one a line, like the original `distance` and `word-analogy`. */
static int read_queries(const WordVectors *wv, int k, int analogy) {
    char line[4096];
    int failed = 0;
    while (fgets(line, sizeof line, stdin)) {
        char *w[17];
        int n = 0;
        for (char *p = strtok(line, " \t\r\n"); p; p = strtok(NULL, " \t\r\n"))
            if (n < 17) w[n++] = p;
        if (n == 0) continue;
        if (analogy && n != 3) {
            fprintf(stderr, "an analogy query is three words 'A B C' (A : B = C : ?), got %d\n", n);
            failed = 1;
            continue;
        }
        if (!analogy && n > 16) {
            fprintf(stderr, "at most 16 words in one query\n");
            failed = 1;
            continue;
        }
        failed |= analogy ? analogy_query(wv, w, k) : neighbors_query(wv, w, n, k);
        fflush(stdout);
    }
    return failed;
}

static int cmd_neighbors(int argc, char **argv) {
    Opt o[] = {{"--vectors", 1, 0}, {"--top", 1, 0}};
    char *words[64];
    int nw = parse_opts(argc, argv, 2, o, 2, words, 64);
    int k = (int)opt_long(o, 2, "--top", 10, 1, 100000);
    WordVectors *wv = load_vectors(opt(o, 2, "--vectors"));
    int failed = 0;
    if (nw == 0) failed = read_queries(wv, k, 0);
    for (int i = 0; i < nw; i++) failed |= neighbors_query(wv, &words[i], 1, k);
    wv_free(wv);
    return failed;
}

static int cmd_analogy(int argc, char **argv) {
    Opt o[] = {{"--vectors", 1, 0}, {"--top", 1, 0}, {"--questions", 1, 0}, {"--restrict", 1, 0}};
    char *words[3];
    int nw = parse_opts(argc, argv, 2, o, 4, words, 3);
    int k = (int)opt_long(o, 4, "--top", 10, 1, 100000);
    const char *questions = opt(o, 4, "--questions");
    long restrict_n = opt_long(o, 4, "--restrict", 0, 1, 2000000000L);
    if (questions && nw) bad_usage("%s", "give either --questions FILE or the words A B C, not both");
    if (!questions && opt(o, 4, "--restrict")) bad_usage("%s", "--restrict goes with --questions");
    if (nw != 0 && nw != 3) bad_usage("%s", "an analogy is three words: A B C (A : B = C : ?)");
    WordVectors *wv = load_vectors(opt(o, 4, "--vectors"));
    int failed = 0;
    if (questions) {
        AnalogyReport rep;
        char err[ERR_LEN];
        if (wv_eval_analogies(wv, questions, (int)restrict_n, &rep, err)) die("%s", err);
        analogy_report_print(stdout, &rep);
        analogy_report_free(&rep);
    } else if (nw == 3) {
        failed = analogy_query(wv, words, k);
    } else {
        failed = read_queries(wv, k, 1);
    }
    wv_free(wv);
    return failed;
}

static int cmd_similarity(int argc, char **argv) {
    Opt o[] = {{"--vectors", 1, 0}, {"--pairs", 1, 0}};
    parse_opts(argc, argv, 2, o, 2, NULL, 0);
    const char *pairs = opt(o, 2, "--pairs");
    if (!pairs) bad_usage("%s", "similarity needs --pairs FILE");
    WordVectors *wv = load_vectors(opt(o, 2, "--vectors"));
    SimilarityReport rep;
    char err[ERR_LEN];
    if (wv_eval_similarity(wv, pairs, &rep, err)) die("%s", err);
    printf("spearman=%.4f covered=%d/%d\n", rep.spearman, rep.covered, rep.total);
    wv_free(wv);
    return 0;
}

/* ---- plot ------------------------------------------------------------------------------------- */

/* Split "a,b,c" (or the full-width '，') into words, in place. */
static int split_list(char *s, char **out, int max, const char *what) {
    int n = 0;
    for (char *p = s; *p;) {
        char *end = p;
        while (*end && *end != ',' && strncmp(end, "\xEF\xBC\x8C", 3) != 0) end++;
        char next = *end;
        size_t skip = next == ',' ? 1 : next ? 3 : 0;
        *end = 0;
        if (*p) {
            if (n == max) bad_usage(what, "");
            out[n++] = p;
        }
        p = end + skip;
    }
    return n;
}

static int cmd_plot(int argc, char **argv) {
    Opt o[] = {{"--vectors", 1, 0}, {"--words", 1, 0}, {"--top-words", 1, 0}, {"--arrows", 1, 0},
               {"--method", 1, 0},  {"--out", 1, 0},   {"--title", 1, 0},     {"--ascii", 0, 0}};
    int no = (int)(sizeof o / sizeof *o);
    parse_opts(argc, argv, 2, o, no, NULL, 0);
    const char *out = opt(o, no, "--out"), *method = opt(o, no, "--method");
    if (!out) bad_usage("%s", "plot needs --out FILE.png");
    if (method && strcmp(method, "pca") && strcmp(method, "tsne")) bad_usage("--method must be 'pca' or 'tsne', not '%s'", method);
    if (!opt(o, no, "--words") == !opt(o, no, "--top-words"))
        bad_usage("%s", "plot needs either --words W1,W2,... or --top-words N");
    /* --out dir/name.png -> the plot module's out directory and base name */
    char *path = xstrdup(out), *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
    size_t nl = strlen(name);
    if (nl > 4 && !strcmp(name + nl - 4, ".png")) name[nl - 4] = 0;
    if (!*name || name[0] == '.') bad_usage("--out '%s' needs a file name such as map.png", out);
    if (slash) *slash = 0, plot_set_outdir(*path ? path : "/");
    if (opt(o, no, "--ascii")) plot_set_ascii(1);
    WordVectors *wv = load_vectors(opt(o, no, "--vectors"));
    enum { MAXW = 2000 };
    int *rows = xmalloc(sizeof(int) * MAXW), n = 0;
    int (*arrows)[2] = xmalloc(sizeof(int[2]) * MAXW), na = 0;
    char *items[MAXW];
    if (opt(o, no, "--words")) {
        char *list = xstrdup(opt(o, no, "--words"));
        int k = split_list(list, items, MAXW, "--words: at most 2000 words%s");
        for (int i = 0; i < k; i++) {
            int r = wv_find(wv, items[i]);
            if (r < 0) die("--words: '%s' is not in the vocabulary of %s", items[i], opt(o, no, "--vectors"));
            int dup = 0;
            for (int j = 0; j < n; j++) dup |= rows[j] == r;
            if (!dup) rows[n++] = r;
        }
        free(list);
    } else {
        long top = opt_long(o, no, "--top-words", 300, 2, MAXW);
        n = (int)(top < wv->n ? top : wv->n);
        for (int i = 0; i < n; i++) rows[i] = i;
    }
    if (opt(o, no, "--arrows")) {
        char *list = xstrdup(opt(o, no, "--arrows"));
        int k = split_list(list, items, MAXW, "--arrows: at most 2000 pairs%s");
        for (int i = 0; i < k; i++) {
            char *colon = strchr(items[i], ':');
            if (!colon || colon == items[i] || !colon[1]) bad_usage("--arrows: '%s' is not FROM:TO", items[i]);
            *colon = 0;
            const char *ends[2] = {items[i], colon + 1};
            for (int e = 0; e < 2; e++) {
                int r = wv_find(wv, ends[e]);
                if (r < 0) die("--arrows: '%s' is not in the vocabulary of %s", ends[e], opt(o, no, "--vectors"));
                arrows[na][e] = r;
                int dup = 0;
                for (int j = 0; j < n; j++) dup |= rows[j] == r;
                if (!dup && n < MAXW) rows[n++] = r;
            }
            na++;
        }
        free(list);
    }
    const char *title = opt(o, no, "--title");
    int rc = map_words(wv, rows, n, (const int(*)[2])arrows, na, method && !strcmp(method, "tsne") ? MAP_TSNE : MAP_PCA,
                       name, title ? title : "word vectors");
    free(rows), free(arrows), free(path);
    wv_free(wv);
    return rc < 0 ? 1 : 0;
}

/* ---- compare and crosslingual ------------------------------------------------------------------- */

static int cmd_compare(int argc, char **argv) {
    Opt o[] = {{"--vectors", 1, 0}, {"--names", 1, 0}, {"--pairs", 1, 0}, {"--questions", 1, 0}, {"--words", 1, 0}};
    int no = (int)(sizeof o / sizeof *o);
    parse_opts(argc, argv, 2, o, no, NULL, 0);
    if (!opt(o, no, "--vectors")) bad_usage("%s", "compare needs --vectors V1,V2,...");
    enum { MAXL = 64 };
    char *lists[5], *items[5][MAXL];
    int counts[5] = {0};
    for (int k = 0; k < no; k++) {
        lists[k] = opt(o, no, o[k].name) ? xstrdup(opt(o, no, o[k].name)) : NULL;
        if (lists[k]) counts[k] = split_list(lists[k], items[k], MAXL, "compare: at most 64 items in a list%s");
    }
    if (counts[1] && counts[1] != counts[0]) bad_usage("%s", "--names needs one name per --vectors file");
    WordVectors *wv[MAXL];
    for (int k = 0; k < counts[0]; k++) wv[k] = load_vectors(items[0][k]);
    char err[ERR_LEN];
    int rc = wv_compare_print((const WordVectors *const *)wv, (const char *const *)(counts[1] ? items[1] : items[0]),
                              counts[0], (const char *const *)items[2], counts[2], (const char *const *)items[3],
                              counts[3], (const char *const *)items[4], counts[4], err);
    if (rc) die("%s", err);
    for (int k = 0; k < counts[0]; k++) wv_free(wv[k]);
    for (int k = 0; k < no; k++) free(lists[k]);
    return 0;
}

static int cmd_crosslingual(int argc, char **argv) {
    Opt o[] = {{"--src", 1, 0}, {"--tgt", 1, 0}, {"--dict", 1, 0}, {"--ridge", 1, 0},
               {"--plot", 1, 0}, {"--out", 1, 0}, {"--ascii", 0, 0}};
    int no = (int)(sizeof o / sizeof *o);
    parse_opts(argc, argv, 2, o, no, NULL, 0);
    if (!opt(o, no, "--src") || !opt(o, no, "--tgt")) bad_usage("%s", "crosslingual needs --src V and --tgt V");
    if (!opt(o, no, "--dict")) bad_usage("%s", "crosslingual needs --dict FILE");
    double ridge = opt_double(o, no, "--ridge", 0.1, 0, 1e6);
    const char *prefix = opt(o, no, "--out") ? opt(o, no, "--out") : "02_word2vec_crossling";
    if (!*prefix || strchr(prefix, '/') || prefix[0] == '.') bad_usage("--out '%s' must be a plain name (plots go to out/)", prefix);
    if (opt(o, no, "--ascii")) plot_set_ascii(1);
    enum { MAXP = 64 };
    char *items[MAXP], *list = opt(o, no, "--plot") ? xstrdup(opt(o, no, "--plot")) : NULL;
    const char *ps[MAXP], *pt[MAXP];
    int np = list ? split_list(list, items, MAXP, "--plot: at most 64 pairs%s") : 0;
    for (int i = 0; i < np; i++) {
        char *colon = strchr(items[i], ':');
        if (!colon || colon == items[i] || !colon[1]) bad_usage("--plot: '%s' is not SOURCE:TARGET", items[i]);
        *colon = 0;
        ps[i] = items[i], pt[i] = colon + 1;
    }
    char err[ERR_LEN];
    BiDict d;
    if (bidict_load(&d, opt(o, no, "--dict"), err)) die("%s", err);
    WordVectors *src = load_vectors(opt(o, no, "--src")), *tgt = load_vectors(opt(o, no, "--tgt"));
    printf("source %s: %d words, dim %d; target %s: %d words, dim %d; dictionary %s: %d pairs\n", opt(o, no, "--src"),
           src->n, src->dim, opt(o, no, "--tgt"), tgt->n, tgt->dim, opt(o, no, "--dict"), d.n);
    if (xl_show(src, tgt, &d, ridge, ps, pt, np, prefix, err)) die("%s", err);
    bidict_free(&d);
    wv_free(src), wv_free(tgt);
    free(list);
    return 0;
}

/* ---- demo ------------------------------------------------------------------------------------- */

static int cmd_demo(int argc, char **argv, int from) {
    Opt o[] = {{"--full", 0, 0}, {"--out", 1, 0}, {"--ascii", 0, 0}, {"--threads", 1, 0}};
    parse_opts(argc, argv, from, o, 4, NULL, 0);
    DemoOpts d = demo_defaults();
    d.threads = (int)opt_long(o, 4, "--threads", d.threads, 1, 256);
    const char *full = getenv("FULL");
    d.full = opt(o, 3, "--full") != NULL || (full && *full && strcmp(full, "0"));
    if (opt(o, 3, "--out")) d.outdir = opt(o, 3, "--out");
    if (opt(o, 3, "--ascii")) plot_set_ascii(1);
    return w2v_demo(&d);
}

int main(int argc, char **argv) {
    if (argc < 2) return cmd_demo(argc, argv, 1);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) return usage(stdout), 0;
    if (!strcmp(cmd, "train")) return cmd_train(argc, argv);
    if (!strcmp(cmd, "neighbors") || !strcmp(cmd, "neighbours")) return cmd_neighbors(argc, argv);
    if (!strcmp(cmd, "analogy")) return cmd_analogy(argc, argv);
    if (!strcmp(cmd, "similarity")) return cmd_similarity(argc, argv);
    if (!strcmp(cmd, "plot")) return cmd_plot(argc, argv);
    if (!strcmp(cmd, "demo")) return cmd_demo(argc, argv, 2);
    if (!strcmp(cmd, "compare")) return cmd_compare(argc, argv);
    if (!strcmp(cmd, "crosslingual")) return cmd_crosslingual(argc, argv);
    if (cmd[0] == '-') return cmd_demo(argc, argv, 1); /* `word2vec --full` */
    bad_usage("unknown command '%s' (train, neighbors, analogy, similarity, plot, compare, crosslingual, demo)", cmd);
}
