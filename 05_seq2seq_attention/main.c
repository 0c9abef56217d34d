/* main.c - bin/seq2seq: the command line of chapter 05 (the lesson is in attention.c, encdec.c,
 * search.c, train.c, tasks.c, bleu.c and experiments.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments.h"
#include "plot.h"
#include "cli.h"
#include "util.h"

static void usage(FILE *f) {
    fprintf(f,
        "usage: seq2seq COMMAND [options]\n"
        "\n"
        "An RNN encoder-decoder with no attention, dot-product (Luong) or additive (Bahdanau) attention.\n"
        "\n"
        "commands:\n"
        "  translate   train on the Tatoeba English-Chinese pairs, report test BLEU, print example\n"
        "              translations and draw the attention heatmap of one sentence (C13, C14, C15)\n"
        "  lengths     the synthetic task: exact-match accuracy against input length, no attention\n"
        "              against attention, one plot (C14)\n"
        "  timing      time per sequence against its length (C16)\n"
        "\n"
        "model (translate, lengths):\n"
        "  --attention LIST   variants to train, each on the same budget: none,dot,additive\n"
        "                     (also luong = dot, bahdanau = additive)          [none,dot]\n"
        "  --cell gru|lstm    the encoder's and decoder's cell                 [gru]\n"
        "  --layers N         encoder layers (the decoder has one)             [1]\n"
        "  --bidir 0|1        bidirectional encoder (hidden/2 per direction)   [1]\n"
        "  --emb N            embedding size                                   [64]\n"
        "  --hidden N         hidden size                                      [translate 256, lengths 128]\n"
        "  --attn-dim N       additive attention's hidden width                [= hidden]\n"
        "  --dropout P        on the encoder's outputs, training only          [0]\n"
        "training:\n"
        "  --steps N          optimiser steps per model (0: until --seconds)   [translate 1500, lengths 1200]\n"
        "  --seconds S        training time per model, wall clock (0: no limit) [0]\n"
        "  --cpu-seconds S    training time per model in CPU time of the process, all threads\n"
        "                     (0: no limit); fair between models on a shared machine   [0]\n"
        "  --batch N          pairs per step                                   [32]\n"
        "  --lr X             Adam's learning rate                             [0.003]\n"
        "  --cosine           decay it along a cosine to 5%% over the budget\n"
        "  --clip X           clip the gradient norm (0: off)                  [5]\n"
        "  --seed N           initialisation, batch order, dropout             [1]\n"
        "  --print-every N    steps between progress lines (0: none)           [250]\n"
        "decoding:\n"
        "  --beam K           also decode with beam search of width K (1: greedy only)    [1]\n"
        "  --len-alpha A      beam length normalisation: score = log p / length^A          [1.0]\n"
        "  --beam-sentences N beam search on the first N test sentences (0: all)           [0]\n"
        "translate:\n"
        "  --data FILE        the TSV (english<TAB>chinese<TAB>attribution)     [data/parallel/tatoeba-cmn-eng.tsv]\n"
        "  --reverse          Chinese -> English instead of English -> Chinese\n"
        "  --max-len N        leave out pairs with a side longer than N tokens  [30]\n"
        "  --min-count N      rarer tokens (in train) become <unk>              [2]\n"
        "  --split-seed N     seed of the train/dev/test split (5%% dev, 5%% test) [1]\n"
        "  --examples N       example translations printed                      [8]\n"
        "  --heatmap TEXT     the sentence of the attention heatmap             [a test sentence]\n"
        "  --translate TEXT   translate this sentence too\n"
        "lengths:\n"
        "  --task reverse|copy|sort   what the output is                       [reverse]\n"
        "  --symbols N        letters in the alphabet (2-26)                   [20]\n"
        "  --min-len N, --max-len N   input lengths                            [2, 30]\n"
        "  --train-size N     training strings                                 [60000]\n"
        "  --test-per-len N   test strings of every length                     [100]\n"
        "  --examples N       example outputs at the longest length            [3]\n"
        "timing:\n"
        "  --lengths LIST     sequence lengths                                 [10,20,40,80,160]\n"
        "  --cell, --hidden N, --emb N     the model                           [gru, 256, 64]\n"
        "  --vocab N          vocabulary size                                  [4000]\n"
        "  --batch N          the batch of the third column                    [32]\n"
        "  --repeats N        runs per measurement (the fastest counts)        [5]\n"
        "output:\n"
        "  --name PREFIX      plot names: out/PREFIX_*.png      [05_translate, 05_lengths, 05_timing]\n"
        "  --out DIR          directory of the plots                           [out]\n"
        "  --ascii            draw the plots in the terminal\n"
        "\n"
        "Threads: OpenMP uses every core unless OMP_NUM_THREADS says otherwise.\n");
}


/* ---- a small table-driven parser: each command lists the options it takes ------------------- */


/* The options every training command shares, as parsed (numbers as long/double). */
typedef struct {
    const char *attention, *cell, *name, *out;
    long layers, bidir, emb, hidden, attn_dim, steps, batch, seed, print_every, beam, beam_sentences;
    double dropout, seconds, cpu_seconds, lr, clip, len_alpha;
    int ascii, cosine;
} CommonArgs;

#define COMMON_OPTS(a)                                                                                                 \
    {"--attention", OPT_STR, &(a).attention, 0, 0}, {"--cell", OPT_STR, &(a).cell, 0, 0},                              \
    {"--layers", OPT_LONG, &(a).layers, 1, 8}, {"--bidir", OPT_LONG, &(a).bidir, 0, 1},                                \
    {"--emb", OPT_LONG, &(a).emb, 1, 4096}, {"--hidden", OPT_LONG, &(a).hidden, 2, 4096},                              \
    {"--attn-dim", OPT_LONG, &(a).attn_dim, 1, 4096}, {"--dropout", OPT_DOUBLE, &(a).dropout, 0, 0.9},                 \
    {"--steps", OPT_LONG, &(a).steps, 0, 100000000}, {"--seconds", OPT_DOUBLE, &(a).seconds, 0, 1e6},                  \
    {"--cpu-seconds", OPT_DOUBLE, &(a).cpu_seconds, 0, 1e6},                                                          \
    {"--batch", OPT_LONG, &(a).batch, 1, 4096}, {"--lr", OPT_DOUBLE, &(a).lr, 1e-7, 10},                               \
    {"--clip", OPT_DOUBLE, &(a).clip, 0, 1e6}, {"--seed", OPT_LONG, &(a).seed, 0, 2147483647L},                        \
    {"--print-every", OPT_LONG, &(a).print_every, 0, 100000000}, {"--beam", OPT_LONG, &(a).beam, 1, 64},               \
    {"--len-alpha", OPT_DOUBLE, &(a).len_alpha, 0, 5}, {"--beam-sentences", OPT_LONG, &(a).beam_sentences, 0, 1000000}, \
    {"--name", OPT_STR, &(a).name, 0, 0}, {"--out", OPT_STR, &(a).out, 0, 0}, {"--ascii", OPT_FLAG, &(a).ascii, 0, 0},                  \
    {"--cosine", OPT_FLAG, &(a).cosine, 0, 0}

static CommonArgs common_defaults(long hidden, long steps, const char *name) {
    return (CommonArgs){.attention = "none,dot", .cell = "gru", .name = name, .out = NULL, .layers = 1, .bidir = 1,
                        .emb = 64, .hidden = hidden, .attn_dim = 0, .steps = steps, .batch = 32, .seed = 1,
                        .print_every = 250, .beam = 1, .beam_sentences = 0, .dropout = 0, .seconds = 0, .lr = 3e-3,
                        .clip = 5, .len_alpha = 1.0, .ascii = 0, .cosine = 0};
}

static CellType parse_cell(const char *s) {
    CellType t;
    if (cell_parse(s, &t) || t == CELL_RNN) cli_bad_usage("--cell must be gru or lstm, not '%s'", s);
    return t;
}

/* A plot name must be a plain file name (plot.h). */
static void check_name(const char *s) {
    if (!*s || strchr(s, '/') || s[0] == '.') cli_bad_usage("--name must be a plain file name prefix, not '%s'", s);
}

static void common_finish(const CommonArgs *a, ExpCommon *c) {
    memset(c, 0, sizeof *c);
    if (a->steps == 0 && a->seconds == 0 && a->cpu_seconds == 0)
        cli_bad_usage("%s", "give a training budget: --steps N, --seconds S or --cpu-seconds S");
    if (a->bidir && a->hidden % 2) cli_bad_usage("%s", "a bidirectional encoder needs an even --hidden");
    check_name(a->name);
    c->model = s2s_defaults();
    c->model.cell = parse_cell(a->cell);
    c->model.layers = (int)a->layers, c->model.bidir = (int)a->bidir, c->model.emb = (int)a->emb;
    c->model.hidden = (int)a->hidden, c->model.attn_dim = (int)(a->attn_dim ? a->attn_dim : a->hidden);
    c->model.dropout = (float)a->dropout;
    /* the variants: a comma-separated list */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", a->attention);
    for (char *p = strtok(buf, ","); p; p = strtok(NULL, ",")) {
        AttnKind k;
        if (attn_parse(p, &k)) cli_bad_usage("--attention takes none, dot or additive, not '%s'", p);
        for (int i = 0; i < c->nvariants; i++)
            if (c->variants[i] == k) cli_bad_usage("--attention lists '%s' twice", p);
        if (c->nvariants == EXP_MAX_VARIANTS) cli_bad_usage("%s", "--attention lists more than 3 variants");
        c->variants[c->nvariants++] = k;
    }
    if (c->nvariants == 0) cli_bad_usage("%s", "--attention lists no variant");
    c->train = s2s_train_defaults();
    c->train.batch = (int)a->batch, c->train.steps = a->steps, c->train.seconds = a->seconds;
    c->train.cpu_seconds = a->cpu_seconds;
    c->train.lr = (float)a->lr, c->train.clip = (float)a->clip, c->train.seed = (uint64_t)a->seed;
    c->train.cosine = a->cosine;
    c->train.print_every = a->print_every;
    c->beam = (int)a->beam, c->len_alpha = (float)a->len_alpha, c->beam_sentences = (int)a->beam_sentences;
    c->name = a->name;
    if (a->out) plot_set_outdir(a->out);
    if (a->ascii) plot_set_ascii(1);
}

static int cmd_translate(int argc, char **argv) {
    CommonArgs a = common_defaults(256, 1500, "05_translate");
    TranslateOpts o;
    memset(&o, 0, sizeof o);
    o.data = "data/parallel/tatoeba-cmn-eng.tsv";
    long max_len = 30, min_count = 2, split_seed = 1, examples = 8;
    int reverse = 0;
    Opt opts[] = {COMMON_OPTS(a),
                  {"--data", OPT_STR, &o.data, 0, 0},
                  {"--reverse", OPT_FLAG, &reverse, 0, 0},
                  {"--max-len", OPT_LONG, &max_len, 1, 1000},
                  {"--min-count", OPT_LONG, &min_count, 1, 1000000},
                  {"--split-seed", OPT_LONG, &split_seed, 0, 2147483647L},
                  {"--examples", OPT_LONG, &examples, 0, 1000},
                  {"--heatmap", OPT_STR, &o.heatmap_sentence, 0, 0},
                  {"--translate", OPT_STR, &o.translate, 0, 0}};
    cli_parse(argc, argv, 0, opts, (int)(sizeof opts / sizeof *opts), usage);
    common_finish(&a, &o.c);
    o.tatoeba = tatoeba_defaults();
    o.tatoeba.reverse = reverse, o.tatoeba.max_len = (int)max_len, o.tatoeba.min_count = (int)min_count;
    o.tatoeba.seed = (uint64_t)split_seed;
    o.examples = (int)examples;
    return exp_translate(&o) ? 1 : 0;
}

static int cmd_lengths(int argc, char **argv) {
    CommonArgs a = common_defaults(128, 1200, "05_lengths");
    LengthsOpts o;
    memset(&o, 0, sizeof o);
    o.synth = synth_defaults();
    const char *task = "reverse";
    long symbols = o.synth.symbols, min_len = o.synth.min_len, max_len = o.synth.max_len;
    long train_size = o.synth.n_train, test_per_len = o.synth.n_test_per_len, examples = 3;
    Opt opts[] = {COMMON_OPTS(a),
                  {"--task", OPT_STR, &task, 0, 0},
                  {"--symbols", OPT_LONG, &symbols, 2, 26},
                  {"--min-len", OPT_LONG, &min_len, 1, 1000},
                  {"--max-len", OPT_LONG, &max_len, 1, 1000},
                  {"--train-size", OPT_LONG, &train_size, 1, 10000000},
                  {"--test-per-len", OPT_LONG, &test_per_len, 1, 100000},
                  {"--examples", OPT_LONG, &examples, 0, 1000}};
    cli_parse(argc, argv, 0, opts, (int)(sizeof opts / sizeof *opts), usage);
    if (synth_parse_kind(task, &o.synth.kind)) cli_bad_usage("--task must be reverse, copy or sort, not '%s'", task);
    if (min_len > max_len) cli_bad_usage("%s", "--min-len is larger than --max-len");
    common_finish(&a, &o.c);
    o.synth.symbols = (int)symbols, o.synth.min_len = (int)min_len, o.synth.max_len = (int)max_len;
    o.synth.n_train = (int)train_size, o.synth.n_test_per_len = (int)test_per_len, o.synth.n_dev = 0;
    o.synth.seed = (uint64_t)a.seed;
    o.examples = (int)examples;
    return exp_lengths(&o) ? 1 : 0;
}

static int cmd_timing(int argc, char **argv) {
    TimingOpts o = {.cell = CELL_GRU, .hidden = 256, .emb = 64, .vocab = 4000, .batch = 32, .repeats = 5,
                    .name = "05_timing"};
    const char *lengths = "10,20,40,80,160", *cell = "gru", *out = NULL;
    long hidden = o.hidden, emb = o.emb, vocab = o.vocab, batch = o.batch, repeats = o.repeats;
    int ascii = 0;
    Opt opts[] = {{"--lengths", OPT_STR, &lengths, 0, 0}, {"--cell", OPT_STR, &cell, 0, 0},
                  {"--hidden", OPT_LONG, &hidden, 2, 4096},   {"--emb", OPT_LONG, &emb, 1, 4096},
                  {"--vocab", OPT_LONG, &vocab, 8, 1000000},  {"--batch", OPT_LONG, &batch, 1, 4096},
                  {"--repeats", OPT_LONG, &repeats, 1, 1000}, {"--name", OPT_STR, &o.name, 0, 0},
                  {"--out", OPT_STR, &out, 0, 0},             {"--ascii", OPT_FLAG, &ascii, 0, 0}};
    cli_parse(argc, argv, 0, opts, (int)(sizeof opts / sizeof *opts), usage);
    if (hidden % 2) cli_bad_usage("%s", "--hidden must be even (the encoder is bidirectional)");
    check_name(o.name);
    o.cell = parse_cell(cell);
    o.hidden = (int)hidden, o.emb = (int)emb, o.vocab = (int)vocab, o.batch = (int)batch, o.repeats = (int)repeats;
    char buf[256], err[ERR_LEN];
    snprintf(buf, sizeof buf, "%s", lengths);
    for (char *p = strtok(buf, ","); p; p = strtok(NULL, ",")) {
        long L;
        if (o.nlengths == 16) cli_bad_usage("%s", "--lengths lists more than 16 lengths");
        if (parse_long(p, 2, 10000, &L, "--lengths", err)) cli_bad_usage("%s", err);
        o.lengths[o.nlengths++] = (int)L;
    }
    if (o.nlengths == 0) cli_bad_usage("%s", "--lengths lists no length");
    if (out) plot_set_outdir(out);
    if (ascii) plot_set_ascii(1);
    return exp_timing(&o) ? 1 : 0;
}

int main(int argc, char **argv) {
    cli_set_program("seq2seq");
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "translate")) return cmd_translate(argc - 2, argv + 2);
    if (!strcmp(cmd, "lengths")) return cmd_lengths(argc - 2, argv + 2);
    if (!strcmp(cmd, "timing")) return cmd_timing(argc - 2, argv + 2);
    cli_bad_usage("unknown command '%s' (translate, lengths or timing)", cmd);
}
