/* main.c - bin/nnlm: the command line of chapter 03 (the lesson is in ngram.c, nnlm.c, interp.c,
 * cities.c and lookup.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cities.h"
#include "interp.h"
#include "lmdata.h"
#include "lookup.h"
#include "ngram.h"
#include "nnlm.h"
#include "platform.h"
#include "plot.h"
#include "progress.h"
#include "safetensors.h"
#include "cli.h"
#include "util.h"

#define MAX_TEMPS 4

static void usage(FILE *f) {
    fprintf(f,
            "usage: nnlm [options]\n"
            "Smoothed n-gram language models against Bengio et al.'s neural language model (2003) on\n"
            "a seeded train/valid/test split of a corpus: perplexities, their interpolation, the one-hot\n"
            "product against the embedding lookup, and generated text (chapter 03, claims C6 and C8).\n"
            "With --cities: the controlled 北京/上海 experiment (claim C7) instead.\n"
            "\n"
            "data\n"
            "  --corpus FILE       UTF-8 text, one sentence per line   [data/en/kjv.txt]\n"
            "  --tokenize MODE     words, or chars (every Chinese character a token)   [words]\n"
            "  --min-count N       training words seen fewer times become <unk>   [3]\n"
            "  --split-seed N      seed of the sentence split   [1]\n"
            "  --valid F, --test F fractions of the sentences held out   [0.1, 0.1]\n"
            "n-grams\n"
            "  --max-order N       Kneser-Ney models of orders 2..N (at most %d)   [5]\n"
            "neural model\n"
            "  --context N         words the NNLM reads (n-1)   [8]\n"
            "  --dim N             word feature (embedding) width m   [128]\n"
            "  --hidden N          tanh units h   [256]\n"
            "  --direct            direct connections from the embeddings to the output\n"
            "  --epochs N          at most N passes over the training text (0: no training)   [20]\n"
            "  --minutes X         training time budget (0: none)   [1]\n"
            "  --batch N           contexts per step   [512]\n"
            "  --lr X              Adam's learning rate   [0.002]\n"
            "  --weight-decay X    AdamW's decay of the weight matrices   [0]\n"
            "  --dropout P         fraction of embeddings and hidden units dropped in training   [0]\n"
            "  --patience N        epochs without improvement before stopping   [2]\n"
            "  --seed N            initial weights and example order   [1]\n"
            "  --save FILE         save the best weights (safetensors) as training goes\n"
            "  --load FILE         start from these weights (same corpus and split options)\n"
            "output\n"
            "  --samples N         sentences to generate from the trained model   [5]\n"
            "  --temperature T,..  sampling temperatures, up to %d   [0.7,1.0]\n"
            "  --name NAME         prefix of the plot files   [03_nnlm]\n"
            "  --out DIR           directory for the plots   [out]\n"
            "  --ascii             draw the plots in the terminal instead of PNG files\n"
            "  --cities            run the 北京/上海 experiment (C7) and exit\n"
            "  -h, --help          this text\n"
            "Threads: OMP_NUM_THREADS (matrix products and evaluation).\n",
            KN_MAX_ORDER, MAX_TEMPS);
}


typedef struct {
    const char *corpus, *save, *load, *name, *out;
    LmSplitOptions split;
    long max_order, context, dim, hidden, epochs, batch, patience, seed, samples;
    int direct, ascii, cities;
    double minutes, lr, weight_decay, dropout;
    float temps[MAX_TEMPS];
    int ntemps;
} Options;

static void parse_temperatures(const char *v, Options *o) {
    char err[ERR_LEN], buf[64];
    o->ntemps = 0;
    for (const char *p = v; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || n >= sizeof buf) cli_bad_usage("--temperature: bad list '%s'", v);
        if (o->ntemps == MAX_TEMPS) cli_bad_usage("--temperature: at most 4 values, got '%s'", v);
        memcpy(buf, p, n), buf[n] = '\0';
        double t;
        if (parse_double(buf, 0, 100, &t, "--temperature", err)) cli_bad_usage("%s", err);
        o->temps[o->ntemps++] = (float)t;
        p = end ? end + 1 : p + n;
    }
    if (o->ntemps == 0) cli_bad_usage("--temperature: give at least one value, e.g. %s", "0.7,1.0");
}

static Options parse_args(int argc, char **argv) {
    Options o = {0};
    o.corpus = "data/en/kjv.txt", o.name = "03_nnlm", o.out = "out";
    o.split = lm_split_defaults();
    o.max_order = 5, o.context = 8, o.dim = 128, o.hidden = 256, o.epochs = 20, o.batch = 512, o.patience = 2;
    o.seed = 1, o.samples = 5, o.minutes = 1, o.lr = 2e-3, o.weight_decay = 0;
    o.temps[0] = 0.7f, o.temps[1] = 1.0f, o.ntemps = 2;
    char err[ERR_LEN];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) usage(stdout), exit(0);
        if (!strcmp(a, "--ascii")) { o.ascii = 1; continue; }
        if (!strcmp(a, "--direct")) { o.direct = 1; continue; }
        if (!strcmp(a, "--cities")) { o.cities = 1; continue; }
        if (a[0] != '-' || a[1] != '-') cli_bad_usage("unexpected argument '%s'", a);
        static const char *const with_value[] = {"--corpus", "--tokenize", "--min-count", "--split-seed", "--valid",
                                                  "--test", "--max-order", "--context", "--dim", "--hidden",
                                                  "--epochs", "--minutes", "--batch", "--lr", "--weight-decay",
                                                  "--patience", "--seed", "--save", "--load", "--samples", "--dropout",
                                                  "--temperature", "--name", "--out"};
        int known = 0;
        for (size_t j = 0; j < sizeof with_value / sizeof *with_value; j++) known |= !strcmp(a, with_value[j]);
        if (!known) cli_bad_usage("unknown option '%s'", a);
        if (i + 1 >= argc) cli_bad_usage("option %s needs a value", a);
        const char *v = argv[++i];
        long l;
        int bad = 0;
        if (!strcmp(a, "--corpus")) o.corpus = v;
        else if (!strcmp(a, "--save")) o.save = v;
        else if (!strcmp(a, "--load")) o.load = v;
        else if (!strcmp(a, "--name")) o.name = v;
        else if (!strcmp(a, "--out")) o.out = v;
        else if (!strcmp(a, "--temperature")) parse_temperatures(v, &o);
        else if (!strcmp(a, "--tokenize")) {
            if (!strcmp(v, "words")) o.split.mode = TOK_WORDS;
            else if (!strcmp(v, "chars")) o.split.mode = TOK_CHARS;
            else cli_bad_usage("--tokenize must be 'words' or 'chars', not '%s'", v);
        } else if (!strcmp(a, "--min-count")) bad = parse_long(v, 1, 1000000000L, &o.split.min_count, a, err);
        else if (!strcmp(a, "--split-seed")) {
            bad = parse_long(v, 0, 2147483647L, &l, a, err);
            o.split.seed = (uint64_t)l;
        } else if (!strcmp(a, "--valid")) bad = parse_double(v, 0.001, 0.5, &o.split.valid_frac, a, err);
        else if (!strcmp(a, "--test")) bad = parse_double(v, 0.001, 0.5, &o.split.test_frac, a, err);
        else if (!strcmp(a, "--max-order")) bad = parse_long(v, 2, KN_MAX_ORDER, &o.max_order, a, err);
        else if (!strcmp(a, "--context")) bad = parse_long(v, 1, 16, &o.context, a, err);
        else if (!strcmp(a, "--dim")) bad = parse_long(v, 1, 4096, &o.dim, a, err);
        else if (!strcmp(a, "--hidden")) bad = parse_long(v, 1, 16384, &o.hidden, a, err);
        else if (!strcmp(a, "--epochs")) bad = parse_long(v, 0, NNLM_MAX_EPOCHS, &o.epochs, a, err);
        else if (!strcmp(a, "--minutes")) bad = parse_double(v, 0, 10000, &o.minutes, a, err);
        else if (!strcmp(a, "--batch")) bad = parse_long(v, 1, 65536, &o.batch, a, err);
        else if (!strcmp(a, "--lr")) bad = parse_double(v, 1e-7, 1, &o.lr, a, err);
        else if (!strcmp(a, "--weight-decay")) bad = parse_double(v, 0, 1, &o.weight_decay, a, err);
        else if (!strcmp(a, "--dropout")) bad = parse_double(v, 0, 0.9, &o.dropout, a, err);
        else if (!strcmp(a, "--patience")) bad = parse_long(v, 1, 100, &o.patience, a, err);
        else if (!strcmp(a, "--seed")) bad = parse_long(v, 0, 2147483647L, &o.seed, a, err);
        else if (!strcmp(a, "--samples")) bad = parse_long(v, 0, 1000, &o.samples, a, err);
        if (bad) cli_bad_usage("%s", err);
    }
    if (o.split.valid_frac + o.split.test_frac >= 0.9)
        cli_bad_usage("--valid and --test leave too little training text (%s)", "their sum must stay below 0.9");
    return o;
}

/* FNV-1a over the vocabulary's words in id order: a checkpoint is refused on a vocabulary that
 * differs, since its rows would belong to other words. */
static const char *vocab_fingerprint(const Vocab *v, char *buf, size_t len) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < v->n; i++)
        for (const unsigned char *p = (const unsigned char *)v->words[i];; p++) {
            h = (h ^ *p) * 0x100000001b3ull;
            if (!*p) break;
        }
    snprintf(buf, len, "%016llx", (unsigned long long)h);
    return buf;
}

static const char *with_commas(double x, char *buf, size_t len) {
    char raw[40];
    snprintf(raw, sizeof raw, "%.0f", x);
    size_t n = strlen(raw), j = 0;
    for (size_t i = 0; i < n && j + 2 < len; i++) {
        if (i > 0 && raw[i - 1] != '-' && (n - i) % 3 == 0) buf[j++] = ',';
        buf[j++] = raw[i];
    }
    buf[j] = '\0';
    return buf;
}

static void print_sentence(const Vocab *v, const int *ids, int n, TokMode mode) {
    printf("   ");
    for (int i = 0; i < n; i++) printf("%s%s", mode == TOK_CHARS || i == 0 ? "" : " ", v->words[ids[i]]);
    printf("\n");
}

int main(int argc, char **argv) {
    cli_set_program("nnlm");
    Options o = parse_args(argc, argv);
    char err[ERR_LEN], b1[48], b2[48], b3[48];
    if (o.ascii) plot_set_ascii(1);
    plot_set_outdir(o.out);
    if (o.cities) {
        CitiesResult r;
        cities_run((uint64_t)o.seed, CITIES_SENTENCES, 1, &r);
        return 0;
    }
    double t_start = now_seconds();

    /* 1. The split and the vocabulary. */
    LmData d;
    if (lmdata_load(&d, o.corpus, &o.split, err)) die("%s", err);
    printf("corpus %s: one sentence per line, split with seed %llu into\n", o.corpus, (unsigned long long)o.split.seed);
    for (int p = 0; p < LM_NSPLITS; p++)
        printf("  %-5s %8s sentences %10s tokens (</s> included), %5.2f%% <unk>\n", LM_SPLIT_NAMES[p],
               with_commas((double)d.nsent[p], b1, sizeof b1), with_commas((double)d.ntok[p], b2, sizeof b2),
               100.0 * d.nunk[p] / (double)d.ntok[p]);
    printf("vocabulary from the training part, min count %ld: V = %s (</s>, <unk> and %s words)\n",
           o.split.min_count, with_commas(d.V, b1, sizeof b1), with_commas(d.V - 2, b2, sizeof b2));
    if (d.ntok[LM_VALID] == 0 || d.ntok[LM_TEST] == 0)
        die("%s: the validation or test part is empty; give a longer corpus or larger --valid/--test", o.corpus);

    /* 2. The n-gram models. */
    printf("\n== C6: n-gram models, interpolated modified Kneser-Ney ==\n");
    printf("order   n-grams    D1     D2     D3+    valid ppl   test ppl   time\n");
    int best_order = 2;
    double kn_valid[KN_MAX_ORDER + 1] = {0}, kn_test[KN_MAX_ORDER + 1] = {0};
    double *lpv = xmalloc(sizeof(double) * (size_t)d.ntok[LM_VALID]), *lpt = xmalloc(sizeof(double) * (size_t)d.ntok[LM_TEST]);
    double *kn_best_v = xmalloc(sizeof(double) * (size_t)d.ntok[LM_VALID]);
    double *kn_best_t = xmalloc(sizeof(double) * (size_t)d.ntok[LM_TEST]);
    for (int k = 2; k <= (int)o.max_order; k++) {
        double t0 = now_seconds();
        KnModel *kn = kn_train(d.tok[LM_TRAIN], d.ntok[LM_TRAIN], d.V, k);
        kn_stream_logprobs(kn, d.tok[LM_VALID], d.ntok[LM_VALID], lpv);
        kn_stream_logprobs(kn, d.tok[LM_TEST], d.ntok[LM_TEST], lpt);
        kn_valid[k] = perplexity_from_logprobs(lpv, d.ntok[LM_VALID]);
        kn_test[k] = perplexity_from_logprobs(lpt, d.ntok[LM_TEST]);
        printf("%3d-gram %9s  %.3f  %.3f  %.3f  %9.2f  %9.2f   %.2f s\n", k,
               with_commas((double)kn_num_grams(kn, k), b1, sizeof b1), kn->D[k][1], kn->D[k][2], kn->D[k][3],
               kn_valid[k], kn_test[k], now_seconds() - t0);
        if (k == 2 || kn_valid[k] < kn_valid[best_order]) {
            best_order = k;
            memcpy(kn_best_v, lpv, sizeof(double) * (size_t)d.ntok[LM_VALID]);
            memcpy(kn_best_t, lpt, sizeof(double) * (size_t)d.ntok[LM_TEST]);
        }
        kn_free(kn);
    }
    printf("best on the validation part: the %d-gram model\n", best_order);
    fflush(stdout);
    if (o.epochs == 0 && !o.load) {
        printf("\n(--epochs 0 and no --load: no neural model)\n");
        free(lpv), free(lpt), free(kn_best_v), free(kn_best_t);
        lmdata_free(&d);
        return 0;
    }

    /* 3. The neural model: trained here, or loaded. */
    char fp[32];
    vocab_fingerprint(d.vocab, fp, sizeof fp);
    Nnlm m;
    int max_batch = (int)o.batch < 1024 ? 1024 : (int)o.batch;
    if (o.load) {
        if (nnlm_load(&m, o.load, max_batch, err)) die("%s", err);
        SafeTensors st;
        if (st_load(o.load, &st, err)) die("%s", err);
        const char *f = st_meta(&st, "vocab_fingerprint");
        if (!f || strcmp(f, fp) != 0 || m.cfg.V != d.V)
            die("%s was trained on another vocabulary (V = %d, fingerprint %s; this corpus and split give V = %d, %s): "
                "use the same --corpus, --tokenize, --min-count and --split-seed",
                o.load, m.cfg.V, f ? f : "none", d.V, fp);
        st_free(&st);
        printf("\nloaded %s: context %d, dim %d, hidden %d%s\n", o.load, m.cfg.context, m.cfg.dim, m.cfg.hidden,
               m.cfg.direct ? ", direct connections" : "");
    } else {
        NnlmConfig cfg = {d.V, (int)o.context, (int)o.dim, (int)o.hidden, o.direct};
        nnlm_init(&m, &cfg, max_batch);
        Rng rng;
        rng_seed(&rng, (uint64_t)o.seed);
        nnlm_init_weights(&m, &rng, 0.1f, d.vocab->counts);
    }
    const NnlmConfig *c = &m.cfg;
    printf("\n== the neural language model (Bengio et al. 2003) ==\n");
    printf("reads %d words; embedding %d x %d; hidden %d tanh units; softmax over V = %d%s; %s parameters\n",
           c->context, c->V, c->dim, c->hidden, c->V, c->direct ? "; direct connections" : "",
           with_commas((double)m.params.total, b1, sizeof b1));
    printf("cost per word: %s multiply-adds forward, %.0f%% of them in the output layer\n",
           with_commas((double)m.in * c->hidden + (double)m.feat * c->V, b2, sizeof b2),
           100.0 * m.feat * c->V / ((double)m.in * c->hidden + (double)m.feat * c->V));
    NnlmTrainResult tr = {0};
    double t_train = now_seconds();
    if (o.epochs > 0) {
        NnlmTrainOptions to = nnlm_train_defaults();
        to.max_epochs = (int)o.epochs, to.batch = (int)o.batch, to.lr = (float)o.lr;
        to.weight_decay = (float)o.weight_decay, to.dropout = (float)o.dropout, to.patience = (int)o.patience, to.seed = (uint64_t)o.seed;
        to.max_seconds = o.minutes * 60, to.checkpoint = o.save;
        char minc[24], sseed[24];
        snprintf(minc, sizeof minc, "%ld", o.split.min_count);
        snprintf(sseed, sizeof sseed, "%llu", (unsigned long long)o.split.seed);
        const char *meta[] = {"corpus", o.corpus, "tokenize", o.split.mode == TOK_CHARS ? "chars" : "words",
                              "min_count", minc, "split_seed", sseed, "vocab_fingerprint", fp};
        to.meta = meta, to.nmeta = 5;
        printf("training: Adam, lr %g, batch %ld, dropout %g, weight decay %g, at most %ld epochs, %d threads\n", o.lr,
               o.batch, o.dropout, o.weight_decay, o.epochs, num_threads());
        if (o.minutes > 0) printf("time budget: %.1f minutes\n", o.minutes);
        nnlm_train(&m, &d, &to, &tr);
        printf("trained %.2f epochs (%s tokens) in %.1f s: %s tokens/s; best validation perplexity %.2f\n",
               tr.epoch_fraction[tr.epochs - 1], with_commas((double)tr.tokens, b1, sizeof b1), tr.seconds,
               with_commas(tr.tokens_per_sec, b2, sizeof b2), tr.best_ppl);
        if (o.save) printf("best weights saved to %s\n", o.save);
    }
    double wall_train = now_seconds() - t_train;
    int plot_failed = 0;

    /* 4. The table: test perplexities, and the mixture tuned on validation. */
    double *nn_v = xmalloc(sizeof(double) * (size_t)d.ntok[LM_VALID]), *nn_t = xmalloc(sizeof(double) * (size_t)d.ntok[LM_TEST]);
    nnlm_stream_logprobs(&m, d.tok[LM_VALID], d.ntok[LM_VALID], nn_v);
    nnlm_stream_logprobs(&m, d.tok[LM_TEST], d.ntok[LM_TEST], nn_t);
    double nn_valid = perplexity_from_logprobs(nn_v, d.ntok[LM_VALID]), nn_test = perplexity_from_logprobs(nn_t, d.ntok[LM_TEST]);
    double lambda = interp_tune(nn_v, kn_best_v, d.ntok[LM_VALID]);
    interp_logprobs(nn_v, kn_best_v, d.ntok[LM_VALID], lambda, lpv);
    interp_logprobs(nn_t, kn_best_t, d.ntok[LM_TEST], lambda, lpt);
    double mix_valid = perplexity_from_logprobs(lpv, d.ntok[LM_VALID]), mix_test = perplexity_from_logprobs(lpt, d.ntok[LM_TEST]);
    double best_kn = kn_test[best_order];
    printf("\n== C6: perplexity on the test part (%s tokens, never seen in training or tuning) ==\n",
           with_commas((double)d.ntok[LM_TEST], b1, sizeof b1));
    printf("model                                    valid ppl   test ppl   vs best KN\n");
    for (int k = 2; k <= (int)o.max_order; k++)
        printf("Kneser-Ney %d-gram%s %9.2f  %9.2f   %+6.1f%%\n", k, k == best_order ? " (best)                " : "                       ",
               kn_valid[k], kn_test[k], 100 * (kn_test[k] / best_kn - 1));
    printf("NNLM (reads %d words)                   %9.2f  %9.2f   %+6.1f%%\n", c->context, nn_valid, nn_test,
           100 * (nn_test / best_kn - 1));
    snprintf(b3, sizeof b3, "NNLM + KN %d-gram (lambda %.3f)", best_order, lambda);
    printf("%-40s %9.2f  %9.2f   %+6.1f%%\n", b3, mix_valid, mix_test, 100 * (mix_test / best_kn - 1));
    printf("Notice: the mixture beats the best n-gram model by %.1f%%; its weight was set on the validation part "
           "only.\n",
           100 * (1 - mix_test / best_kn));
    if (o.epochs > 0)
        printf("training: %.1f s (%.1f s with the validations), %s tokens/s on %d threads\n", tr.seconds, wall_train,
               with_commas(tr.tokens_per_sec, b1, sizeof b1), num_threads());

    if (o.epochs > 0 && tr.epochs > 0) {
        /* validation perplexity per epoch against the n-gram models */
        double *xs = xmalloc(sizeof(double) * (size_t)tr.epochs), *ys = xmalloc(sizeof(double) * (size_t)tr.epochs);
        double kx[2], ky[2][2], mx[1], my[1];
        for (int e = 0; e < tr.epochs; e++) xs[e] = tr.epoch_fraction[e], ys[e] = tr.valid_ppl[e];
        kx[0] = 0, kx[1] = xs[tr.epochs - 1];
        ky[0][0] = ky[0][1] = kn_valid[best_order];
        ky[1][0] = ky[1][1] = kn_valid[2];
        mx[0] = tr.best >= 0 ? xs[tr.best] : 0, my[0] = mix_valid;
        char n0[48], n1[48], n2[64], title[128], pname[160];
        snprintf(n0, sizeof n0, "Kneser-Ney %d-gram", best_order);
        snprintf(n1, sizeof n1, "Kneser-Ney 2-gram");
        snprintf(n2, sizeof n2, "NNLM + KN %d-gram (best NNLM)", best_order);
        PlotSeries s[4] = {{"NNLM", xs, ys, tr.epochs}, {n0, kx, ky[0], 2}, {n1, kx, ky[1], 2}, {n2, mx, my, 1}};
        PlotOpts po = {0};
        snprintf(title, sizeof title, "validation perplexity, %s", o.corpus);
        po.title = title, po.xlabel = "epochs", po.ylabel = "perplexity";
        snprintf(pname, sizeof pname, "%s_valid", o.name);
        plot_failed = plot_lines(pname, &po, s, 4) < 0;
        free(xs), free(ys);
    }

    /* 5. C8: the one-hot product against the lookup, on this vocabulary and these embeddings. */
    printf("\n== C8: one-hot vector x embedding matrix == row lookup ==\n");
    int nlook = (int)(d.ntok[LM_TEST] < 1024 ? d.ntok[LM_TEST] : 1024);
    LookupResult lr;
    lookup_compare(m.w.emb, c->V, c->dim, d.tok[LM_TEST], nlook, 5, &lr);
    printf("%d test tokens, V = %d, dim %d: one-hot (%d x %d, %s) @ C (%d x %d) against embedding_forward\n", lr.n,
           lr.V, lr.dim, lr.n, lr.V, format_bytes(lr.onehot_bytes, b1, sizeof b1), lr.V, lr.dim);
    printf("largest difference: %g (%s)\n", lr.max_abs_diff, lr.max_abs_diff == 0 ? "identical, bit for bit" : "DIFFERENT");
    printf("time: product %.3f ms (%.1f GFLOP/s, blocked kernel), lookup %.4f ms: the lookup is %.0fx faster\n",
           lr.sec_matmul * 1e3, lr.flops_matmul / lr.sec_matmul / 1e9, lr.sec_lookup * 1e3,
           lr.sec_matmul / lr.sec_lookup);
    if (lr.max_abs_diff != 0) die("the one-hot product and the lookup differ");

    /* 6. Generated text. */
    if (o.samples > 0) {
        printf("\n== generated text (sampling the NNLM one word at a time) ==\n");
        int *ids = xmalloc(sizeof(int) * 60);
        for (int t = 0; t < o.ntemps; t++) {
            Rng rng;
            rng_seed(&rng, (uint64_t)o.seed + 1000);
            printf("temperature %.2f%s:\n", o.temps[t], o.temps[t] == 0 ? " (always the likeliest word)" : "");
            for (long s = 0; s < o.samples; s++) {
                int n = nnlm_sample(&m, o.temps[t], &rng, ids, 60);
                print_sentence(d.vocab, ids, n, o.split.mode);
            }
        }
        free(ids);
    }
    printf("\ntotal time %.1f s\n", now_seconds() - t_start);
    nnlm_free(&m);
    free(lpv), free(lpt), free(kn_best_v), free(kn_best_t), free(nn_v), free(nn_t);
    lmdata_free(&d);
    return plot_failed ? 1 : 0; /* the message is already on stderr */
}
