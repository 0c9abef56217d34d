/* main.c - bin/rnn: the command line of chapter 04 (the lesson is in cells.c, rnn_layer.c,
 * rnnlm.c and experiments.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "corpus.h"
#include "experiments.h"
#include "platform.h"
#include "plot.h"
#include "rnnlm.h"
#include "util.h"

/* ---- a small table-driven option parser: each command lists its options ---------------------- */



static CellType parse_cell(const char *s) {
    CellType t;
    if (cell_parse(s, &t)) cli_bad_usage("--cell must be rnn, lstm or gru, not '%s'", s);
    return t;
}

/* A comma-separated list of whole numbers in [lo, hi]; returns the count. */
static int parse_list(const char *s, int *out, int max, long lo, long hi, const char *what) {
    int n = 0;
    char buf[256], err[ERR_LEN];
    if (strlen(s) >= sizeof buf) cli_bad_usage("%s: list too long", what);
    strcpy(buf, s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        long v;
        if (n == max) cli_bad_usage("%s: too many values", what);
        if (parse_long(tok, lo, hi, &v, what, err)) cli_bad_usage("%s", err);
        out[n++] = (int)v;
    }
    if (n == 0) cli_bad_usage("%s: give at least one value", what);
    return n;
}

/* A comma-separated list of learning rates in (0, 10]; returns the count. */
static int parse_rates(const char *s, float *out, int max, const char *what) {
    int n = 0;
    char buf[256], err[ERR_LEN];
    if (strlen(s) >= sizeof buf) cli_bad_usage("%s: list too long", what);
    strcpy(buf, s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        double v;
        if (n == max) cli_bad_usage("%s: too many values", what);
        if (parse_double(tok, 1e-7, 10, &v, what, err)) cli_bad_usage("%s", err);
        out[n++] = (float)v;
    }
    if (n == 0) cli_bad_usage("%s: give at least one value", what);
    return n;
}

/* ==== rnn train =============================================================================== */
static void usage_train(FILE *f) {
    fprintf(f,
            "usage: rnn train [options]\n"
            "Train a character- (or word-) level language model with a recurrent network by truncated\n"
            "backpropagation through time, report the held-out loss in nats and bits per token, and\n"
            "sample from it (chapter 04, claim C9).\n"
            "\n"
            "data\n"
            "  --corpus FILE       UTF-8 text   [data/en/tinyshakespeare.txt]\n"
            "  --unit U            chars (every character a token, spaces and capitals included) or\n"
            "                      words (lower-cased words and punctuation, as in chapter 03)   [chars]\n"
            "  --min-count N       tokens seen fewer times become <unk>   [1 for chars, 2 for words]\n"
            "  --val-frac X        the last X of the text is held out for validation   [0.1]\n"
            "  --max-tokens N      use only the first N tokens of the text (0: all)   [0]\n"
            "model\n"
            "  --cell C            rnn, lstm or gru   [lstm]\n"
            "  --layers N          stacked recurrent layers   [1]\n"
            "  --hidden N          hidden units per layer   [256]\n"
            "  --embed N           token embedding width   [64]\n"
            "  --dropout X         dropout on each layer's output while training   [0]\n"
            "  --load FILE         start from this checkpoint (its model options win)\n"
            "training\n"
            "  --seq T             steps per chunk: how far back the gradient flows   [100]\n"
            "  --batch B           parallel streams of text   [32]\n"
            "  --lr X              Adam's learning rate   [0.003]\n"
            "  --anneal X          the learning rate falls to 0 along a cosine over the last X of the\n"
            "                      run (0: constant, 1: all of it; of --steps, or of --time)   [0]\n"
            "  --clip X            clip the global gradient norm at X (0: never)   [5]\n"
            "  --restart-every N   each stream restarts from a zero state every N chunks, the streams\n"
            "                      taking turns, so the model learns to start as sampling does   [16]\n"
            "  --steps N           optimiser steps (0: until --time)   [300]\n"
            "  --time SEC          stop after SEC seconds of training (0: no limit)   [0]\n"
            "  --eval-every N      steps between validation passes (0: only at the end)   [100]\n"
            "  --eval-tokens N     validate on the first N held-out tokens during training (0: all;\n"
            "                      the final validation always uses all)   [0]\n"
            "  --print-every N     steps between progress lines   [10]\n"
            "  --seed N            initial weights, dropout and sampling   [1]\n"
            "  --save FILE         checkpoint (safetensors) written at each best validation\n"
            "sampling\n"
            "  --sample-every N    steps between samples, besides those before and after training   [0]\n"
            "  --sample-len N      tokens per sample (0: no samples)   [200]\n"
            "  --prompt TEXT       what the samples start from (may be Chinese)   [a line break]\n"
            "  --temperature X     softmax temperature of the samples (0: most likely token)   [0.8]\n"
            "output\n"
            "  --name NAME         prefix of the plot files   [04_rnn]\n"
            "  --out DIR           directory for the plots   [out]\n"
            "  --ascii             draw the plots in the terminal instead of PNG files\n"
            "  -h, --help          this text\n"
            "Threads: OMP_NUM_THREADS (matrix products and the cells' element-wise loops).\n");
}

static int cmd_train(int argc, char **argv) {
    const char *corpus = "data/en/tinyshakespeare.txt", *unit_s = "chars", *cell_s = "lstm", *load = NULL;
    const char *save = NULL, *prompt = "", *name = "04_rnn", *out = "out";
    long min_count = 0, max_tokens = 0, layers = 1, hidden = 256, embed = 64, seq = 100, batch = 32, steps = 300;
    long eval_every = 100, eval_tokens = 0, print_every = 10, seed = 1, sample_every = 0, sample_len = 200;
    long restart_every = 16;
    double val_frac = 0.1, dropout = 0, lr = 0.003, clip = 5, seconds = 0, temperature = 0.8, anneal = 0;
    int ascii = 0;
    const Opt opts[] = {
        {"--corpus", OPT_STR, &corpus, 0, 0},          {"--unit", OPT_STR, &unit_s, 0, 0},
        {"--min-count", OPT_LONG, &min_count, 1, 1e9}, {"--val-frac", OPT_DOUBLE, &val_frac, 0, 0.5},
        {"--max-tokens", OPT_LONG, &max_tokens, 0, 1e12}, {"--cell", OPT_STR, &cell_s, 0, 0},
        {"--layers", OPT_LONG, &layers, 1, 8},         {"--hidden", OPT_LONG, &hidden, 1, 4096},
        {"--embed", OPT_LONG, &embed, 1, 4096},        {"--dropout", OPT_DOUBLE, &dropout, 0, 0.9},
        {"--load", OPT_STR, &load, 0, 0},              {"--seq", OPT_LONG, &seq, 1, 10000},
        {"--batch", OPT_LONG, &batch, 1, 4096},        {"--lr", OPT_DOUBLE, &lr, 1e-7, 10},
        {"--anneal", OPT_DOUBLE, &anneal, 0, 1},       {"--clip", OPT_DOUBLE, &clip, 0, 1e6},
        {"--steps", OPT_LONG, &steps, 0, 1e9},         {"--time", OPT_DOUBLE, &seconds, 0, 1e7},
        {"--restart-every", OPT_LONG, &restart_every, 0, 1e9},
        {"--eval-every", OPT_LONG, &eval_every, 0, 1e9}, {"--eval-tokens", OPT_LONG, &eval_tokens, 0, 1e12},
        {"--print-every", OPT_LONG, &print_every, 1, 1e9}, {"--seed", OPT_LONG, &seed, 0, 1e15},
        {"--save", OPT_STR, &save, 0, 0},              {"--sample-every", OPT_LONG, &sample_every, 0, 1e9},
        {"--sample-len", OPT_LONG, &sample_len, 0, 100000}, {"--prompt", OPT_STR, &prompt, 0, 0},
        {"--temperature", OPT_DOUBLE, &temperature, 0, 100}, {"--name", OPT_STR, &name, 0, 0},
        {"--out", OPT_STR, &out, 0, 0},                {"--ascii", OPT_FLAG, &ascii, 0, 0},
    };
    cli_parse(argc, argv, 0, opts, (int)(sizeof opts / sizeof *opts), usage_train);
    LmUnit unit = UNIT_CHARS;
    if (!strcmp(unit_s, "words")) unit = UNIT_WORDS;
    else if (strcmp(unit_s, "chars")) cli_bad_usage("--unit must be chars or words, not '%s'", unit_s);
    CellType cell = parse_cell(cell_s);
    if (steps == 0 && seconds == 0) cli_bad_usage("%s", "give --steps or --time (or both): training needs an end");
    if (min_count == 0) min_count = unit == UNIT_WORDS ? 2 : 1;
    if (ascii) plot_set_ascii(1);
    plot_set_outdir(out);

    char err[ERR_LEN];
    double t0 = now_seconds();
    size_t len;
    char *text = corpus_read(corpus, &len, err);
    if (!text) die("%s", err);
    TokenList toks = {0};
    lm_tokenize(text, len, unit, &toks);
    free(text);
    if (max_tokens > 0 && toks.n > (size_t)max_tokens) {
        for (size_t i = (size_t)max_tokens; i < toks.n; i++) free(toks.tok[i]);
        toks.n = (size_t)max_tokens;
    }
    size_t nval = (size_t)((double)toks.n * val_frac), ntrain = toks.n - nval;
    if (ntrain < 2) die("%s: only %zu tokens to train on", corpus, ntrain);
    /* the vocabulary comes from the training part only: the held-out text is truly unseen */
    TokenList train_part = toks;
    train_part.n = ntrain;
    int *ids = xmalloc(sizeof(int) * toks.n);
    RnnLm m;
    if (load) {
        if (rnnlm_load(&m, load, (int)seq, (int)batch, err)) die("%s", err);
        if (m.cfg.unit != unit) die("%s was trained on %s; pass --unit %s", load, m.cfg.unit == UNIT_CHARS ? "chars" : "words",
                                    m.cfg.unit == UNIT_CHARS ? "chars" : "words");
        m.cfg.dropout = (float)dropout, m.stack.dropout = (float)dropout;
        if (dropout > 0 && !m.stack.mask[0]) die("--dropout with --load: not supported, train without it");
        printf("loaded %s: %s, %d layer(s) of %d, embedding %d, vocabulary %d\n", load, cell_name(m.cfg.cell),
               m.cfg.layers, m.cfg.hidden, m.cfg.embed, m.V);
    } else {
        Vocab *v = lm_build_vocab(&train_part, unit, (int)min_count);
        LmConfig cfg = {cell, unit, (int)layers, (int)hidden, (int)embed, (float)dropout};
        rnnlm_init(&m, &cfg, v, (int)seq, (int)batch);
        Rng rng;
        rng_seed(&rng, (uint64_t)seed);
        rnnlm_init_weights(&m, &rng);
    }
    if (m.V < 3)
        die("%s: a vocabulary of %d tokens (<unk> included) leaves nothing to learn; lower --min-count", corpus, m.V);
    size_t unk = lm_encode(m.vocab, &toks, ids);
    printf("corpus %s: %zu %s (%zu to train on, %zu held out), vocabulary %d (%zu <unk>), read in %.2f s\n", corpus,
           toks.n, unit == UNIT_CHARS ? "characters" : "words", ntrain, nval, m.V, unk, now_seconds() - t0);
    printf("model: embedding %d -> %d x %s(%d) -> softmax over %d; %zu parameters\n", m.cfg.embed, m.cfg.layers,
           cell_name(m.cfg.cell), m.cfg.hidden, m.V, m.p.total);
    token_list_free(&toks);

    TrainConfig tc = {.T = (int)seq, .B = (int)batch, .steps = steps, .time_limit = seconds, .lr = (float)lr,
                      .clip = (float)clip, .anneal = (float)anneal, .restart_every = (int)restart_every,
                      .eval_every = eval_every, .eval_tokens = (size_t)eval_tokens, .print_every = print_every,
                      .sample_every = sample_every, .sample_len = (int)sample_len, .temperature = (float)temperature,
                      .prompt = prompt, .save = save, .seed = (unsigned long long)seed};
    TrainLog log;
    rnnlm_train(&m, &tc, ids, ntrain, ids + ntrain, nval, &log);
    if (save && nval > 1) printf("best checkpoint: %s (validation %.4f nats)\n", save, log.best_val);
    else if (save) printf("checkpoint: %s\n", save);

    int plot_failed = 0;
    if (log.n > 0) {
        char title[256], pname[256];
        snprintf(title, sizeof title, "%s %s language model: loss per %s", cell_name(m.cfg.cell),
                 unit == UNIT_CHARS ? "character" : "word", unit == UNIT_CHARS ? "character" : "word");
        snprintf(pname, sizeof pname, "%s_loss", name);
        /* a run bounded by time is plotted against time, one bounded by steps against steps */
        const double *x = steps == 0 ? log.seconds : log.step;
        PlotOpts po = {title, steps == 0 ? "training time (s)" : "training step", "cross-entropy (nats)", 0, 0};
        PlotSeries s[2] = {{"training (mean of the last steps)", x, log.train_loss, log.n},
                           {"validation (held-out text)", x, log.val_loss, log.n}};
        plot_failed = plot_lines(pname, &po, s, 2) < 0;
    }
    train_log_free(&log);
    free(ids);
    rnnlm_free(&m);
    return plot_failed;
}

/* ==== rnn sample ============================================================================== */
static void usage_sample(FILE *f) {
    fprintf(f,
            "usage: rnn sample --load FILE [options]\n"
            "Generate text from a trained checkpoint (rnn train --save FILE).\n"
            "\n"
            "  --load FILE         the checkpoint (required)\n"
            "  --prompt TEXT       what to start from (may be Chinese)   [a line break]\n"
            "  --length N          tokens to generate   [300]\n"
            "  --temperature X     softmax temperature (0: always the most likely token)   [0.8]\n"
            "  --seed N            sampling seed   [1]\n"
            "  -h, --help          this text\n");
}

static int cmd_sample(int argc, char **argv) {
    const char *load = NULL, *prompt = "";
    long length = 300, seed = 1;
    double temperature = 0.8;
    const Opt opts[] = {{"--load", OPT_STR, &load, 0, 0},
                        {"--prompt", OPT_STR, &prompt, 0, 0},
                        {"--length", OPT_LONG, &length, 1, 1000000},
                        {"--temperature", OPT_DOUBLE, &temperature, 0, 100},
                        {"--seed", OPT_LONG, &seed, 0, 1e15}};
    cli_parse(argc, argv, 0, opts, (int)(sizeof opts / sizeof *opts), usage_sample);
    if (!load) cli_bad_usage("%s", "--load FILE is required");
    char err[ERR_LEN];
    RnnLm m;
    if (rnnlm_load(&m, load, 1, 1, err)) die("%s", err);
    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    int np, *p = lm_encode_prompt(&m, prompt, &np);
    int *all = xmalloc(sizeof(int) * (size_t)(np + length));
    memcpy(all, p, sizeof(int) * (size_t)np);
    double t0 = now_seconds();
    rnnlm_sample(&m, p, np, all + np, (int)length, (float)temperature, &rng);
    double dt = now_seconds() - t0;
    lm_print_tokens(&m, "", all, np + (int)length);
    fprintf(stderr, "(%ld tokens in %.2f s, temperature %.2f, seed %ld)\n", length, dt, temperature, seed);
    free(p), free(all);
    rnnlm_free(&m);
    return 0;
}

/* ==== rnn gradnorm (C10) ====================================================================== */
static void usage_gradnorm(FILE *f) {
    fprintf(f,
            "usage: rnn gradnorm [options]\n"
            "C10: train a vanilla RNN, an LSTM and a GRU character model briefly on the same text, then\n"
            "measure |dLoss/dh_t| for a loss at the last step of a sequence against the distance of t\n"
            "from it; one plot with a logarithmic y axis.\n"
            "\n"
            "  --corpus FILE       [data/en/tinyshakespeare.txt]\n"
            "  --seq T             sequence length = the largest distance   [100]\n"
            "  --batch B           sequences averaged over   [32]\n"
            "  --hidden N          [128]\n"
            "  --embed N           [32]\n"
            "  --steps N           training steps per model before measuring (0: untrained)   [150]\n"
            "  --lr X              [0.002]\n"
            "  --seed N            [1]\n"
            "  --name NAME         plot prefix   [04_gradnorm]\n"
            "  --out DIR           [out]\n"
            "  --ascii             draw the plot in the terminal\n"
            "  -h, --help          this text\n");
}

static int cmd_gradnorm(int argc, char **argv) {
    const char *corpus = "data/en/tinyshakespeare.txt", *name = "04_gradnorm", *out = "out";
    long T = 100, B = 32, hidden = 128, embed = 32, steps = 150, seed = 1;
    double lr = 0.002;
    int ascii = 0;
    const Opt opts[] = {{"--corpus", OPT_STR, &corpus, 0, 0}, {"--seq", OPT_LONG, &T, 2, 2000},
                        {"--batch", OPT_LONG, &B, 1, 1024},   {"--hidden", OPT_LONG, &hidden, 1, 2048},
                        {"--embed", OPT_LONG, &embed, 1, 2048}, {"--steps", OPT_LONG, &steps, 0, 1e7},
                        {"--lr", OPT_DOUBLE, &lr, 1e-7, 10},  {"--seed", OPT_LONG, &seed, 0, 1e15},
                        {"--name", OPT_STR, &name, 0, 0},     {"--out", OPT_STR, &out, 0, 0},
                        {"--ascii", OPT_FLAG, &ascii, 0, 0}};
    cli_parse(argc, argv, 0, opts, (int)(sizeof opts / sizeof *opts), usage_gradnorm);
    if (ascii) plot_set_ascii(1);
    plot_set_outdir(out);
    GradNormConfig c = {corpus, (int)T, (int)B, (int)hidden, (int)embed, steps, (float)lr, (unsigned long long)seed,
                        name};
    return exp_gradnorm(&c);
}

/* ==== rnn longrange (C11) ===================================================================== */
static void usage_longrange(FILE *f) {
    fprintf(f,
            "usage: rnn longrange [options]\n"
            "C11: a sequence of L random symbols (K of them); at its last step the network must name the\n"
            "first one and ignore the L-1 after it. Accuracy against L for the vanilla RNN, the LSTM and\n"
            "the GRU, each trained at most the same number of steps; one plot.\n"
            "\n"
            "  --lengths L1,L2,..  the distances to test   [5,10,20,40,80]\n"
            "  --symbols K         [16]\n"
            "  --hidden N          [64]\n"
            "  --embed N           [16]\n"
            "  --batch B           [32]\n"
            "  --steps N           training steps per cell, length and learning rate   [600]\n"
            "  --lr X1,X2,..       Adam learning rates, tried in turn until one solves the task, so that\n"
            "                      each cell gets its best of them   [0.003,0.01]\n"
            "  --keep-bias X       initial bias of the LSTM's forget gate and the GRU's update gate:\n"
            "                      5 starts them remembering (sig(5) = 0.993 per step)   [5]\n"
            "  --test N            fresh sequences the accuracy is measured on   [1000]\n"
            "  --seed N            [1]\n"
            "  --name NAME         plot prefix   [04_longrange]\n"
            "  --out DIR           [out]\n"
            "  --ascii             draw the plot in the terminal\n"
            "  -h, --help          this text\n");
}

static int cmd_longrange(int argc, char **argv) {
    const char *lengths = "5,10,20,40,80", *name = "04_longrange", *out = "out";
    const char *lr_list = "0.003,0.01";
    long K = 16, hidden = 64, embed = 16, B = 32, steps = 600, test = 1000, seed = 1;
    double keep_bias = 5;
    int ascii = 0;
    const Opt opts[] = {{"--lengths", OPT_STR, &lengths, 0, 0}, {"--symbols", OPT_LONG, &K, 2, 1000},
                        {"--hidden", OPT_LONG, &hidden, 1, 2048}, {"--embed", OPT_LONG, &embed, 1, 2048},
                        {"--batch", OPT_LONG, &B, 1, 4096},      {"--steps", OPT_LONG, &steps, 1, 1e7},
                        {"--lr", OPT_STR, &lr_list, 0, 0},       {"--test", OPT_LONG, &test, 1, 1e7},
                        {"--keep-bias", OPT_DOUBLE, &keep_bias, -10, 10},
                        {"--seed", OPT_LONG, &seed, 0, 1e15},    {"--name", OPT_STR, &name, 0, 0},
                        {"--out", OPT_STR, &out, 0, 0},          {"--ascii", OPT_FLAG, &ascii, 0, 0}};
    cli_parse(argc, argv, 0, opts, (int)(sizeof opts / sizeof *opts), usage_longrange);
    if (ascii) plot_set_ascii(1);
    plot_set_outdir(out);
    LongRangeConfig c = {.symbols = (int)K, .hidden = (int)hidden, .embed = (int)embed, .B = (int)B, .keep_bias = (float)keep_bias,
                         .steps = steps, .test = (int)test, .seed = (unsigned long long)seed, .name = name};
    c.nlengths = parse_list(lengths, c.lengths, LONGRANGE_MAX_LENGTHS, 2, 2000, "--lengths");
    c.nlrs = parse_rates(lr_list, c.lrs, 4, "--lr");
    return exp_longrange(&c);
}

/* ==== rnn elmo (C12) ========================================================================== */
static void usage_elmo(FILE *f) {
    fprintf(f,
            "usage: rnn elmo [options]\n"
            "C12: train a bidirectional LSTM language model (a left-to-right and a right-to-left\n"
            "LM, as ELMo), then compare the vectors it gives one word in two sentences, for two pairs.\n"
            "\n"
            "  --corpus FILE       [data/en/tinyshakespeare.txt]\n"
            "  --unit U            words or chars   [words]\n"
            "  --min-count N       tokens seen fewer times become <unk>   [8]\n"
            "  --hidden N          units per direction   [128]\n"
            "  --embed N           [64]\n"
            "  --seq T             window length   [32]\n"
            "  --batch B           [32]\n"
            "  --steps N           training steps (0: until --time)   [120]\n"
            "  --time SEC          training time limit (0: none)   [0]\n"
            "  --lr X              [0.003]\n"
            "  --seed N            [1]\n"
            "  --word1 W           the word of the first pair   [it]\n"
            "  --s1, --s2 TEXT     the first pair of sentences: only the words after it differ\n"
            "                      [I know it well.] [I know it not.]\n"
            "  --word2 W           the word of the second pair   [rose]\n"
            "  --s3, --s4 TEXT     the second pair: a noun and a verb\n"
            "                      [The red rose is sweet.] [Then he rose and went.]\n"
            "  --name NAME         plot prefix   [04_elmo]\n"
            "  --out DIR           [out]\n"
            "  --ascii             draw the plot in the terminal\n"
            "  -h, --help          this text\n");
}

static int cmd_elmo(int argc, char **argv) {
    const char *corpus = "data/en/tinyshakespeare.txt", *name = "04_elmo", *out = "out", *unit_s = "words";
    const char *w[2] = {"it", "rose"};
    const char *s[4] = {"I know it well.", "I know it not.", "The red rose is sweet.", "Then he rose and went."};
    long hidden = 128, embed = 64, T = 32, B = 32, steps = 120, seed = 1, min_count = 8;
    double seconds = 0, lr = 0.003;
    int ascii = 0;
    const Opt opts[] = {{"--corpus", OPT_STR, &corpus, 0, 0},  {"--hidden", OPT_LONG, &hidden, 1, 2048},
                        {"--embed", OPT_LONG, &embed, 1, 2048}, {"--seq", OPT_LONG, &T, 4, 10000},
                        {"--batch", OPT_LONG, &B, 1, 4096},     {"--steps", OPT_LONG, &steps, 0, 1e9},
                        {"--time", OPT_DOUBLE, &seconds, 0, 1e7}, {"--lr", OPT_DOUBLE, &lr, 1e-7, 10},
                        {"--unit", OPT_STR, &unit_s, 0, 0},     {"--min-count", OPT_LONG, &min_count, 1, 1e9},
                        {"--seed", OPT_LONG, &seed, 0, 1e15},   {"--word1", OPT_STR, &w[0], 0, 0},
                        {"--word2", OPT_STR, &w[1], 0, 0},      {"--s1", OPT_STR, &s[0], 0, 0},
                        {"--s2", OPT_STR, &s[1], 0, 0},         {"--s3", OPT_STR, &s[2], 0, 0},
                        {"--s4", OPT_STR, &s[3], 0, 0},         {"--name", OPT_STR, &name, 0, 0},
                        {"--out", OPT_STR, &out, 0, 0},         {"--ascii", OPT_FLAG, &ascii, 0, 0}};
    cli_parse(argc, argv, 0, opts, (int)(sizeof opts / sizeof *opts), usage_elmo);
    if (steps == 0 && seconds == 0) cli_bad_usage("%s", "give --steps or --time (or both)");
    if (ascii) plot_set_ascii(1);
    plot_set_outdir(out);
    int unit = UNIT_WORDS;
    if (!strcmp(unit_s, "chars")) unit = UNIT_CHARS;
    else if (strcmp(unit_s, "words")) cli_bad_usage("--unit must be words or chars, not '%s'", unit_s);
    ElmoConfig c = {corpus, unit, (int)min_count, (int)hidden, (int)embed, (int)T, (int)B, steps, seconds, (float)lr,
                    (unsigned long long)seed, {w[0], w[1]}, {s[0], s[1], s[2], s[3]}, name};
    return exp_elmo(&c);
}

/* ==== dispatch ================================================================================ */
static void usage(FILE *f) {
    fprintf(f,
            "usage: rnn COMMAND [options]\n"
            "Recurrent networks (vanilla RNN, LSTM, GRU) trained by backpropagation through time\n"
            "(chapter 04, claims C9-C12).\n"
            "\n"
            "commands\n"
            "  train       train a character- or word-level language model, validate, sample (C9)\n"
            "  sample      generate text from a checkpoint, with a temperature and a prompt\n"
            "  gradnorm    |dLoss/dh_t| against distance for RNN, LSTM, GRU (C10)\n"
            "  longrange   accuracy on a dependency L steps back for the three cells (C11)\n"
            "  elmo        a bidirectional LSTM LM's context-dependent word vectors (C12)\n"
            "\n"
            "'rnn COMMAND --help' lists a command's options and their defaults.\n");
}

int main(int argc, char **argv) {
    cli_set_program("rnn");
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        usage(stdout);
        return 0;
    }
    static char label[64];
    snprintf(label, sizeof label, "rnn %.40s", cmd);
    cli_set_program(label);
    if (!strcmp(cmd, "train")) return cmd_train(argc - 2, argv + 2);
    if (!strcmp(cmd, "sample")) return cmd_sample(argc - 2, argv + 2);
    if (!strcmp(cmd, "gradnorm")) return cmd_gradnorm(argc - 2, argv + 2);
    if (!strcmp(cmd, "longrange")) return cmd_longrange(argc - 2, argv + 2);
    if (!strcmp(cmd, "elmo")) return cmd_elmo(argc - 2, argv + 2);
    cli_set_program("rnn");
    cli_bad_usage("unknown command '%s'", cmd);
}
