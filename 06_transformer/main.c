/* main.c - bin/transformer: the command line of chapter 06. The lessons are in attention.c,
 * layers.c, blocks.c, seq2seq.c, gpt.c and demos.c; this file only reads options and prints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demos.h"
#include "gpt.h"
#include "platform.h"
#include "plot.h"
#include "progress.h"
#include "seq2seq.h"
#include "tasks.h"
#include "translate.h"
#include "cli.h"
#include "util.h"

/* ---- options ------------------------------------------------------------------------------------ */



static int parse_choice(const char *opt, const char *v, const char *a, const char *b) {
    if (!strcmp(v, a)) return 0;
    if (!strcmp(v, b)) return 1;
    char msg[200];
    snprintf(msg, sizeof msg, "%s must be '%s' or '%s', not '%%s'", opt, a, b);
    cli_bad_usage(msg, v);
}

static void usage_main(FILE *f) {
    fprintf(f, "usage: transformer COMMAND [options]      (transformer COMMAND --help for its options)\n"
           "Chapter 06: self-attention, multi-head attention, the transformer and a GPT, in plain C.\n"
           "\n"
           "  example   C17: the article's self-attention worked example, step by step\n"
           "  heads     C18: multi-head attention, 8 heads of 3 dims on 4-dim inputs, every shape\n"
           "  order     C19: without positional encoding, 北京 gets the same vector in both word orders\n"
           "  translate C20: the encoder-decoder transformer beside chapter 05's RNN with attention, trained\n"
           "            for the same time on chapter 05's Tatoeba English->Chinese task (BLEU) or its\n"
           "            synthetic task (exact match against length); attention heatmaps per head\n"
           "  reverse   the encoder-decoder trained on a synthetic task (reverse a digit string):\n"
           "            accuracy against length, time per epoch, attention maps per head\n"
           "  gpt       C21: a decoder-only transformer language model on characters, with samples\n"
           "  sample    continue a prompt with a GPT checkpoint written by 'gpt --save'\n"
           "\n"
           "Threads: OMP_NUM_THREADS (set it to the number of physical cores).\n");
}

/* ---- C17, C18, C19 -------------------------------------------------------------------------------- */
static void usage_example(FILE *f) {
    fprintf(f, "usage: transformer example\nThe self-attention worked example of the article (C17). No options.\n");
}
static void usage_heads(FILE *f) {
    fprintf(f, "usage: transformer heads [--seed N]\n"
           "Multi-head attention with 8 heads of 3 dims on 4-dim inputs (C18), every shape printed.\n"
           "  --seed N   random projections   [1]\n");
}
static void usage_order(FILE *f) {
    fprintf(f, "usage: transformer order [--dim C] [--heads H] [--seed N]\n"
           "One self-attention layer on \"北京 到 上海 的机票\" and \"上海 到 北京 的机票\", without and\n"
           "with sinusoidal positional encoding (C19).\n"
           "  --dim C     width of the word vectors   [16]\n"
           "  --heads H   attention heads (C must be a multiple)   [2]\n"
           "  --seed N    random word vectors and weights   [1]\n");
}

static int cmd_example(int argc, char **argv) {
    cli_parse(argc, argv, 2, NULL, 0, usage_example);
    demo_worked_example();
    return 0;
}

static int cmd_heads(int argc, char **argv) {
    long seed = 1;
    const Opt opts[] = {{"--seed", OPT_LONG, &seed, 0, 1e15}};
    cli_parse(argc, argv, 2, opts, 1, usage_heads);
    demo_multihead((uint64_t)seed, 1);
    return 0;
}

static int cmd_order(int argc, char **argv) {
    long seed = 1, dim = 16, heads = 2;
    const Opt opts[] = {{"--seed", OPT_LONG, &seed, 0, 1e15}, {"--dim", OPT_LONG, &dim, 2, 4096},
                        {"--heads", OPT_LONG, &heads, 1, 64}};
    cli_parse(argc, argv, 2, opts, 3, usage_order);
    if (dim % heads) cli_bad_usage("--dim must be a multiple of --heads (%s)", "e.g. --dim 16 --heads 2");
    double with_pe;
    demo_order((uint64_t)seed, (int)dim, (int)heads, &with_pe, 1);
    return 0;
}

/* ---- C20: the transformer beside chapter 05's model, on chapter 05's tasks ----------------------- */
static void usage_translate(FILE *f) {
    fprintf(f, "usage: transformer translate [options]\n"
           "Train chapter 05's recurrent encoder-decoder with attention and this chapter's transformer, one after\n"
           "the other, for the same wall-clock time on chapter 05's task; score both with chapter 05's code\n"
           "(test BLEU, or exact match) and print the results side by side, by source length, with time per\n"
           "epoch, examples and the transformer's encoder-decoder attention of every head for one sentence.\n"
           "task (chapter 05's tasks.h)\n"
           "  --task T            tatoeba, or a synthetic task: reverse, copy, sort   [tatoeba]\n"
           "  --data FILE         Tatoeba TSV   [data/parallel/tatoeba-cmn-eng.tsv]\n"
           "  --symbols N         synthetic: letters   [20]\n"
           "  --min-len N         synthetic: shortest string   [2]\n"
           "  --max-len N         synthetic: longest string   [30]\n"
           "  --train-size N      synthetic: training strings   [60000]\n"
           "  --test-per-len N    synthetic: test strings of every length   [100]\n"
           "budget (the same for both models)\n"
           "  --seconds S         training time of each model, wall clock (0: none)   [20]\n"
           "  --cpu-seconds S     or CPU time of the process, all threads (0: none): the fair budget on a\n"
           "                      machine shared with other work   [0]\n"
           "  --steps N           or at most N steps each (0: no limit)   [0]\n"
           "transformer\n"
           "  --dim C             width   [128]\n"
           "  --heads H           [4]\n"
           "  --ffn F             feed-forward width (0: 4C)   [0]\n"
           "  --layers N          encoder blocks and decoder blocks (N each)   [2]\n"
           "  --norm pre|post     add & norm before each sub-layer (GPT-2) or after (the paper)   [pre]\n"
           "  --act relu|gelu     [relu]\n"
           "  --pos sin|learned   [sin]\n"
           "  --dropout P         [0.1]\n"
           "  --label-smoothing E [0.1]\n"
           "  --batch B           pairs per step   [32]\n"
           "  --warmup N          warm-up steps   [200]\n"
           "  --lr-factor X       peak rate = X / sqrt(C * warmup)   [0.64: 4e-3 at the defaults]\n"
           "  --buckets K         batches of similar length, sorted within chunks of K batches (0: random)   [50]\n"
           "chapter 05's model\n"
           "  --rnn-cell gru|lstm [gru]\n"
           "  --rnn-attention A   additive, dot or none; 'off' trains the transformer alone   [additive]\n"
           "  --rnn-hidden N      [tatoeba 256, synthetic 128: chapter 05's defaults]\n"
           "  --rnn-lr X          Adam's rate, decayed along a cosine over the budget   [0.003]\n"
           "both\n"
           "  --seed N            initialisation, batch order, dropout   [1]\n"
           "output\n"
           "  --examples N        example outputs   [6]\n"
           "  --heatmap TEXT      the sentence whose attention is drawn   [a test sentence of 7-9 tokens]\n"
           "  --name NAME         prefix of the plot files   [06_translate]\n"
           "  --out DIR           [out]\n"
           "  --ascii             draw the plots in the terminal\n");
}

static int cmd_translate(int argc, char **argv) {
    CompareOpts o = compare_defaults();
    const char *task = "tatoeba", *norm = "pre", *act = "relu", *pos = "sin", *out = "out";
    const char *rnn_cell = "gru", *rnn_attn = "additive";
    long symbols = o.synth.symbols, min_len = o.synth.min_len, max_len = o.synth.max_len;
    long train_size = o.synth.n_train, test_per_len = o.synth.n_test_per_len, steps = 0;
    long dim = o.tf.C, heads = o.tf.NH, ffn = 0, layers = o.tf.n_enc, batch = o.tf_train.batch;
    long warmup = o.tf_train.warmup, buckets = o.tf_train.buckets, rnn_hidden = 0, seed = 1, examples = o.examples;
    double seconds = o.seconds, dropout = o.tf.dropout, smoothing = o.tf.label_smoothing;
    double lr_factor = o.tf_train.lr_factor, rnn_lr = o.rnn_cfg.lr, cpu_seconds = 0;
    int ascii = 0;
    const Opt opts[] = {
        {"--task", OPT_STR, &task, 0, 0},                  {"--data", OPT_STR, &o.data, 0, 0},
        {"--symbols", OPT_LONG, &symbols, 2, 26},          {"--min-len", OPT_LONG, &min_len, 1, 1000},
        {"--max-len", OPT_LONG, &max_len, 1, 1000},        {"--train-size", OPT_LONG, &train_size, 1, 1e8},
        {"--test-per-len", OPT_LONG, &test_per_len, 1, 1e6}, {"--seconds", OPT_DOUBLE, &seconds, 0, 1e7},
        {"--steps", OPT_LONG, &steps, 0, 1e9},             {"--dim", OPT_LONG, &dim, 1, 4096},
        {"--cpu-seconds", OPT_DOUBLE, &cpu_seconds, 0, 1e7},
        {"--heads", OPT_LONG, &heads, 1, 256},             {"--ffn", OPT_LONG, &ffn, 0, 65536},
        {"--layers", OPT_LONG, &layers, 1, 48},            {"--norm", OPT_STR, &norm, 0, 0},
        {"--act", OPT_STR, &act, 0, 0},                    {"--pos", OPT_STR, &pos, 0, 0},
        {"--dropout", OPT_DOUBLE, &dropout, 0, 0.9},       {"--label-smoothing", OPT_DOUBLE, &smoothing, 0, 0.9},
        {"--batch", OPT_LONG, &batch, 1, 4096},            {"--warmup", OPT_LONG, &warmup, 1, 1e8},
        {"--lr-factor", OPT_DOUBLE, &lr_factor, 1e-6, 1e3}, {"--buckets", OPT_LONG, &buckets, 0, 1e6},
        {"--rnn-cell", OPT_STR, &rnn_cell, 0, 0},          {"--rnn-attention", OPT_STR, &rnn_attn, 0, 0},
        {"--rnn-hidden", OPT_LONG, &rnn_hidden, 2, 4096},  {"--rnn-lr", OPT_DOUBLE, &rnn_lr, 1e-7, 10},
        {"--seed", OPT_LONG, &seed, 0, 1e15},              {"--examples", OPT_LONG, &examples, 0, 1000},
        {"--heatmap", OPT_STR, &o.heatmap, 0, 0},          {"--name", OPT_STR, &o.name, 0, 0},
        {"--out", OPT_STR, &out, 0, 0},                    {"--ascii", OPT_FLAG, &ascii, 0, 0},
    };
    cli_parse(argc, argv, 2, opts, (int)(sizeof opts / sizeof *opts), usage_translate);
    if (seconds == 0 && steps == 0 && cpu_seconds == 0)
        cli_bad_usage("%s", "give --seconds, --cpu-seconds or --steps: training needs an end");
    if (dim % heads) cli_bad_usage("--dim must be a multiple of --heads (%s)", "e.g. --dim 128 --heads 4");
    if (min_len > max_len) cli_bad_usage("--min-len is larger than --max-len (%s)", "give min <= max");
    o.synthetic = strcmp(task, "tatoeba") != 0;
    if (o.synthetic && synth_parse_kind(task, &o.synth.kind))
        cli_bad_usage("--task must be tatoeba, reverse, copy or sort, not '%s'", task);
    o.synth.symbols = (int)symbols, o.synth.min_len = (int)min_len, o.synth.max_len = (int)max_len;
    o.synth.n_train = (int)train_size, o.synth.n_test_per_len = (int)test_per_len;
    o.seconds = seconds, o.cpu_seconds = cpu_seconds, o.steps = steps;
    o.tf.C = (int)dim, o.tf.NH = (int)heads, o.tf.F = ffn ? (int)ffn : 4 * (int)dim, o.tf.n_enc = o.tf.n_dec = (int)layers;
    o.tf.prenorm = !parse_choice("--norm", norm, "pre", "post");
    o.tf.act = parse_choice("--act", act, "relu", "gelu") ? FFN_GELU : FFN_RELU;
    o.tf.learned_pos = parse_choice("--pos", pos, "sin", "learned");
    o.tf.dropout = (float)dropout, o.tf.label_smoothing = (float)smoothing;
    o.tf_train.batch = (int)batch, o.tf_train.warmup = warmup, o.tf_train.lr_factor = (float)lr_factor;
    o.tf_train.buckets = (int)buckets, o.tf_train.seed = (uint64_t)seed;
    if (!strcmp(rnn_attn, "off")) o.rnn = 0;
    else if (strcmp(rnn_attn, "additive") && strcmp(rnn_attn, "dot") && strcmp(rnn_attn, "none"))
        cli_bad_usage("--rnn-attention must be additive, dot, none or off, not '%s'", rnn_attn);
    if (strcmp(rnn_cell, "gru") && strcmp(rnn_cell, "lstm")) cli_bad_usage("--rnn-cell must be gru or lstm, not '%s'", rnn_cell);
    o.rnn_cfg.cell = rnn_cell, o.rnn_cfg.attention = rnn_attn, o.rnn_cfg.lr = (float)rnn_lr, o.rnn_cfg.seed = (uint64_t)seed;
    o.rnn_cfg.hidden = (int)(rnn_hidden ? rnn_hidden : o.synthetic ? 128 : 256);
    o.rnn_cfg.batch = (int)batch;
    if (o.rnn_cfg.hidden % 2) cli_bad_usage("--rnn-hidden must be even (%s)", "the encoder is bidirectional");
    o.examples = (int)examples;
    if (ascii) plot_set_ascii(1);
    plot_set_outdir(out);
    int rc = compare_run(&o);
    return rc < 0 ? 1 : rc;
}

/* ---- the encoder-decoder on the reversal task -------------------------------------------------- */
static void usage_reverse(FILE *f) {
    fprintf(f, "usage: transformer reverse [options]\n"
           "Train the encoder-decoder transformer to reverse strings of digits (\"31415\" -> \"51413\"),\n"
           "then decode greedily: exact-match accuracy against the input length, time per epoch, and the\n"
           "encoder-decoder attention of every head for one example (plots in --out).\n"
           "task\n"
           "  --train N           training pairs   [20000]\n"
           "  --valid N           held-out pairs (accuracy by length)   [1000]\n"
           "  --min-len N         shortest input   [1]\n"
           "  --max-len N         longest input   [12]\n"
           "model\n"
           "  --dim C             model width d_model   [32]\n"
           "  --heads H           attention heads   [4]\n"
           "  --ffn F             feed-forward width (0: 4C)   [0]\n"
           "  --layers N          encoder blocks and decoder blocks (N each)   [1]\n"
           "  --norm post|pre     add & norm after each sub-layer (paper) or before   [post]\n"
           "  --act relu|gelu     feed-forward activation   [relu]\n"
           "  --pos sin|learned   sinusoidal (paper) or learned positions   [sin]\n"
           "  --embeddings shared|separate   one table for source and target, or two   [shared]\n"
           "  --dropout P         dropout on embeddings and sub-layers   [0.1]\n"
           "  --label-smoothing E [0.1]\n"
           "training (Adam, beta2 0.98, the paper's warm-up schedule)\n"
           "  --epochs N          [5]\n"
           "  --seconds S         stop after S seconds of training (0: no limit)   [0]\n"
           "  --batch B           pairs per step   [64]\n"
           "  --warmup N          warm-up steps   [200]\n"
           "  --lr-factor X       peak rate = X / sqrt(C * warmup)   [3]\n"
           "  --seed N            [1]\n"
           "output\n"
           "  --examples N        decoded examples to print   [6]\n"
           "  --name NAME         prefix of the plot files   [06_reverse]\n"
           "  --out DIR           directory for the plots   [out]\n"
           "  --ascii             draw the plots in the terminal instead of PNG files\n");
}

static int cmd_reverse(int argc, char **argv) {
    long ntrain = 20000, nvalid = 1000, min_len = 1, max_len = 12, dim = 32, heads = 4, ffn = 0, layers = 1;
    long epochs = 5, batch = 64, warmup = 200, seed = 1, examples = 6;
    double dropout = 0.1, smoothing = 0.1, seconds = 0, lr_factor = 3;
    const char *norm = "post", *act = "relu", *pos = "sin", *emb = "shared", *name = "06_reverse", *out = "out";
    int ascii = 0;
    const Opt opts[] = {
        {"--train", OPT_LONG, &ntrain, 1, 1e8},          {"--valid", OPT_LONG, &nvalid, 1, 1e7},
        {"--min-len", OPT_LONG, &min_len, 1, 1000},      {"--max-len", OPT_LONG, &max_len, 1, 1000},
        {"--dim", OPT_LONG, &dim, 1, 4096},              {"--heads", OPT_LONG, &heads, 1, 256},
        {"--ffn", OPT_LONG, &ffn, 0, 65536},             {"--layers", OPT_LONG, &layers, 1, 48},
        {"--norm", OPT_STR, &norm, 0, 0},                {"--act", OPT_STR, &act, 0, 0},
        {"--pos", OPT_STR, &pos, 0, 0},                  {"--embeddings", OPT_STR, &emb, 0, 0},
        {"--dropout", OPT_DOUBLE, &dropout, 0, 0.9},     {"--label-smoothing", OPT_DOUBLE, &smoothing, 0, 0.9},
        {"--epochs", OPT_LONG, &epochs, 1, SEQ2SEQ_MAX_EPOCHS}, {"--seconds", OPT_DOUBLE, &seconds, 0, 1e7},
        {"--batch", OPT_LONG, &batch, 1, 4096},          {"--warmup", OPT_LONG, &warmup, 1, 1e8},
        {"--lr-factor", OPT_DOUBLE, &lr_factor, 1e-6, 1e3}, {"--seed", OPT_LONG, &seed, 0, 1e15},
        {"--examples", OPT_LONG, &examples, 0, 1000},    {"--name", OPT_STR, &name, 0, 0},
        {"--out", OPT_STR, &out, 0, 0},                  {"--ascii", OPT_FLAG, &ascii, 0, 0},
    };
    cli_parse(argc, argv, 2, opts, (int)(sizeof opts / sizeof *opts), usage_reverse);
    if (min_len > max_len) cli_bad_usage("--min-len is larger than --max-len (%s)", "give min <= max");
    if (dim % heads) cli_bad_usage("--dim must be a multiple of --heads (%s)", "e.g. --dim 64 --heads 4");
    Seq2SeqConfig c = seq2seq_defaults();
    c.src_vocab = c.tgt_vocab = TOY_VOCAB;
    c.C = (int)dim, c.NH = (int)heads, c.F = ffn ? (int)ffn : 4 * (int)dim, c.n_enc = c.n_dec = (int)layers;
    c.max_src = (int)max_len, c.max_tgt = (int)max_len + 1;
    c.prenorm = parse_choice("--norm", norm, "post", "pre");
    c.act = parse_choice("--act", act, "relu", "gelu") ? FFN_GELU : FFN_RELU;
    c.learned_pos = parse_choice("--pos", pos, "sin", "learned");
    c.shared_emb = !parse_choice("--embeddings", emb, "shared", "separate");
    c.dropout = (float)dropout, c.label_smoothing = (float)smoothing;
    if (ascii) plot_set_ascii(1);
    plot_set_outdir(out);

    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    ToyPairs tr, va;
    toy_reverse_make(&tr, (int)ntrain, (int)min_len, (int)max_len, &rng);
    toy_reverse_make(&va, (int)nvalid, (int)min_len, (int)max_len, &rng);
    Seq2Seq m;
    seq2seq_init(&m, &c, (int)batch, &rng);
    printf("task: reverse digit strings of %ld to %ld digits; %ld training pairs, %ld held out\n", min_len, max_len,
           ntrain, nvalid);
    printf("model: %d + %d blocks, width %d, %d heads, feed-forward %d (%s), %s-norm, %s positions, %s embeddings,\n"
           "       dropout %.2f, label smoothing %.2f: %zu parameters\n",
           c.n_enc, c.n_dec, c.C, c.NH, c.F, ffn_act_name(c.act), c.prenorm ? "pre" : "post",
           c.learned_pos ? "learned" : "sinusoidal", c.shared_emb ? "shared" : "separate", c.dropout, c.label_smoothing,
           seq2seq_num_params(&m));
    Seq2SeqTrainOptions o = seq2seq_train_defaults();
    o.epochs = (int)epochs, o.batch = (int)batch, o.warmup = warmup, o.lr_factor = (float)lr_factor;
    o.max_seconds = seconds, o.seed = (uint64_t)seed + 1, o.log_every = 0;
    printf("training: Adam (0.9, 0.98, 1e-9), lr = %.2g * %d^-0.5 * min(step^-0.5, step * %ld^-1.5), peak %.2e\n",
           lr_factor, c.C, warmup, lr_factor / sqrt((double)c.C * warmup));
    Seq2SeqTrainStats st;
    seq2seq_train(&m, &tr.set, &va.set, &o, &st);
    double per_epoch = 0;
    for (int e = 0; e < st.epochs; e++) per_epoch += st.epoch_seconds[e];
    per_epoch /= st.epochs ? st.epochs : 1;
    char rate[32];
    printf("trained %ld steps in %.1f s: %.1f s per epoch, %s target tokens/s\n", st.steps, st.seconds, per_epoch,
           format_count(st.tokens / (st.seconds > 0 ? st.seconds : 1), rate, sizeof rate));

    /* greedy decoding: exact match by length */
    int *correct = xcalloc((size_t)max_len + 1, sizeof(int)), *total = xcalloc((size_t)max_len + 1, sizeof(int));
    double t0 = now_seconds();
    double em = seq2seq_exact_match(&m, &va.set, (int)max_len, correct, total);
    printf("\ngreedy decoding of the %ld held-out strings (%.1f s): %.1f%% exactly right\n", nvalid, now_seconds() - t0,
           100 * em);
    printf("  length:  ");
    for (long L = min_len; L <= max_len; L++) printf(" %5ld", L);
    printf("\n  accuracy:");
    double *xs = xmalloc(sizeof(double) * (size_t)(max_len + 1)), *ys = xmalloc(sizeof(double) * (size_t)(max_len + 1));
    int np = 0;
    for (long L = min_len; L <= max_len; L++) {
        double a = total[L] ? (double)correct[L] / total[L] : NAN;
        printf(" %4.0f%%", 100 * a);
        if (total[L]) xs[np] = (double)L, ys[np++] = 100 * a;
    }
    printf("\n");
    PlotOpts po = {"transformer: exact-match accuracy against input length (digit reversal)", "input length (digits)",
                   "accuracy (%)", 0, 0};
    PlotSeries ps = {"transformer (greedy)", xs, ys, np};
    char pname[300];
    snprintf(pname, sizeof pname, "%s_accuracy", name);
    int plot_failed = plot_lines(pname, &po, &ps, 1) < 0;

    /* a few examples, and the encoder-decoder attention of one */
    int maxo = c.max_tgt - 1;
    int *outv = xmalloc(sizeof(int) * (size_t)maxo), outlen;
    unsigned char *pad = xcalloc((size_t)max_len, 1);
    char b1[256], b2[256], b3[256];
    if (examples > 0) printf("\nexamples (source -> greedy output; expected):\n");
    for (int i = 0; i < examples && i < va.set.n; i++) {
        const Pair *p = &va.set.pairs[va.set.n - 1 - i];
        seq2seq_greedy(&m, p->src, pad, 1, p->src_len, maxo, outv, &outlen);
        int ok = outlen == p->tgt_len && !memcmp(outv, p->tgt, sizeof(int) * (size_t)outlen);
        printf("  %-14s -> %-14s %s %s\n", toy_ids_str(p->src, p->src_len, b1, sizeof b1),
               toy_ids_str(outv, outlen, b2, sizeof b2), ok ? "right" : "WRONG, expected",
               ok ? "" : toy_ids_str(p->tgt, p->tgt_len, b3, sizeof b3));
    }
    /* the attention map: the longest held-out example, teacher-forced on its decoded output */
    const Pair *p = &va.set.pairs[0];
    for (int i = 0; i < va.set.n; i++)
        if (va.set.pairs[i].src_len > p->src_len) p = &va.set.pairs[i];
    seq2seq_greedy(&m, p->src, pad, 1, p->src_len, maxo, outv, &outlen);
    int T = outlen + 1, S = p->src_len;
    int *in = xmalloc(sizeof(int) * (size_t)T);
    in[0] = c.bos_id;
    memcpy(in + 1, outv, sizeof(int) * (size_t)outlen);
    seq2seq_encode(&m, p->src, pad, 1, S, NULL);
    seq2seq_decode(&m, in, NULL, T, NULL);
    const float *att = m.dec[c.n_dec - 1].cross_attn.att; /* (1, NH, T, S) */
    printf("\nencoder-decoder attention of the last decoder block for \"%s\" -> \"%s\":\n",
           toy_ids_str(p->src, S, b1, sizeof b1), toy_ids_str(outv, outlen, b2, sizeof b2));
    printf("(output position i should read input position %d - i, the anti-diagonal)\n", S - 1);
    char **rl = xmalloc(sizeof(char *) * (size_t)T), **cl = xmalloc(sizeof(char *) * (size_t)S);
    for (int i = 0; i < T; i++) {
        rl[i] = xmalloc(24);
        if (i < outlen) snprintf(rl[i], 24, "out%d=%c", i, '0' + outv[i] - TOY_FIRST_DIGIT);
        else snprintf(rl[i], 24, "<eos>");
    }
    for (int j = 0; j < S; j++) cl[j] = xmalloc(16), snprintf(cl[j], 16, "in%d=%c", j, '0' + p->src[j] - TOY_FIRST_DIGIT);
    double *hm = xmalloc(sizeof(double) * (size_t)T * S);
    for (int h = 0; h < c.NH; h++) {
        const float *a = att + (size_t)h * T * S;
        int on_diag = 0;
        for (int i = 0; i < outlen && i < S; i++) {
            int best = 0;
            for (int j = 1; j < S; j++)
                if (a[i * S + j] > a[i * S + best]) best = j;
            on_diag += best == S - 1 - i;
        }
        for (int i = 0; i < T * S; i++) hm[i] = a[i];
        printf("  head %d: the strongest input position is the mirrored one for %d of %d output digits\n", h, on_diag,
               outlen < S ? outlen : S);
        char title[200];
        snprintf(title, sizeof title, "encoder-decoder attention, last decoder block, head %d", h);
        PlotOpts ho = {title, "input position", "output position", 0, 0};
        snprintf(pname, sizeof pname, "%s_attention_head%d", name, h);
        plot_failed |= plot_heatmap(pname, &ho, hm, T, S, (const char *const *)rl, (const char *const *)cl) < 0;
    }
    printf("What to notice: the decoder was never told which input digit to copy; the attention learned\n"
           "to look at the mirrored position (in at least one head), and all positions of a batch were\n"
           "trained in parallel, with no recurrence.\n");
    for (int i = 0; i < T; i++) free(rl[i]);
    for (int j = 0; j < S; j++) free(cl[j]);
    free(rl), free(cl), free(hm), free(in), free(outv), free(pad), free(correct), free(total), free(xs), free(ys);
    seq2seq_free(&m), toy_pairs_free(&tr), toy_pairs_free(&va);
    return plot_failed ? 1 : 0;
}

/* ---- GPT ---------------------------------------------------------------------------------------- */
static void usage_gpt(FILE *f) {
    fprintf(f, "usage: transformer gpt [options]\n"
           "Train a decoder-only transformer (GPT) on the characters of a text, report the held-out loss in\n"
           "nats and bits per character, and sample from a prompt (C21).\n"
           "data\n"
           "  --corpus FILE       UTF-8 text   [data/en/tinyshakespeare.txt]\n"
           "  --valid-frac X      the last X of the text is held out (as chapter 04 does)   [0.1]\n"
           "  --min-count N       rarer characters become <unk>   [1]\n"
           "model\n"
           "  --dim C             width   [64]\n"
           "  --heads H           attention heads   [4]\n"
           "  --ffn F             feed-forward width (0: 4C)   [0]\n"
           "  --layers N          blocks   [2]\n"
           "  --context T         context window in characters   [64]\n"
           "  --norm pre|post     pre-norm (GPT-2) or post-norm (GPT-1)   [pre]\n"
           "  --act gelu|relu     feed-forward activation   [gelu]\n"
           "  --pos learned|sin   position vectors   [learned]\n"
           "  --dropout P         [0]\n"
           "  --attn-kernel K     per-head products: auto (by size), loops or matmul   [auto]\n"
           "training (AdamW, warm-up then the paper's 1/sqrt(step) decay)\n"
           "  --steps N           optimiser steps (0: until --seconds)   [0]\n"
           "  --seconds S         training-time budget (0: until --steps)   [30]\n"
           "  --batch B           windows per step   [16]\n"
           "  --lr X              peak learning rate   [0.006]\n"
           "  --warmup N          [100]\n"
           "  --eval-every N      steps between validations (0: only at the end)   [200]\n"
           "  --eval-windows N    windows per validation during training (the last uses all)   [64]\n"
           "  --save FILE         write a checkpoint (safetensors) at the end\n"
           "  --load FILE         start from a checkpoint instead of random weights\n"
           "  --seed N            [1]\n"
           "sampling\n"
           "  --prompt TEXT       start of the sample (Chinese works)   [a line break]\n"
           "  --sample-len N      characters to sample (0: none)   [300]\n"
           "  --temperature X     [0.8]\n"
           "output\n"
           "  --name NAME         prefix of the plot files   [06_gpt]\n"
           "  --out DIR           [out]\n"
           "  --ascii             draw the plots in the terminal\n");
}

static void print_sample(Gpt *m, const Vocab *v, const char *prompt, long len, double temperature, Rng *rng) {
    if (len <= 0) return;
    int n = (int)strlen(prompt) + 1;
    int *p = xmalloc(sizeof(int) * (size_t)n), *out = xmalloc(sizeof(int) * (size_t)len);
    int np = chars_encode(v, prompt[0] ? prompt : "\n", p, n);
    int unk = 0;
    for (int i = 0; i < np; i++) unk += p[i] == 0;
    if (unk) printf("(note: %d character(s) of the prompt are not in the vocabulary and read as <unk>)\n", unk);
    double t0 = now_seconds();
    gpt_sample(m, p, np, out, (int)len, (float)temperature, rng);
    double dt = now_seconds() - t0;
    printf("---- sample (temperature %.2f, %ld characters in %.1f s) ----\n", temperature, len, dt);
    chars_print(stdout, v, p, np);
    chars_print(stdout, v, out, (int)len);
    printf("\n----\n");
    free(p), free(out);
}

static int cmd_gpt(int argc, char **argv) {
    const char *corpus = "data/en/tinyshakespeare.txt", *norm = "pre", *pos = "learned", *save = NULL, *load = NULL;
    const char *prompt = "", *name = "06_gpt", *out = "out", *act = "gelu", *kernel = "auto";
    long min_count = 1, dim = 64, heads = 4, ffn = 0, layers = 2, context = 64, steps = 0, batch = 16, warmup = 100;
    long eval_every = 200, eval_windows = 64, seed = 1, sample_len = 300;
    double valid_frac = 0.1, dropout = 0, seconds = 30, lr = 6e-3, temperature = 0.8;
    int ascii = 0;
    const Opt opts[] = {
        {"--corpus", OPT_STR, &corpus, 0, 0},             {"--valid-frac", OPT_DOUBLE, &valid_frac, 0, 0.5},
        {"--min-count", OPT_LONG, &min_count, 1, 1e9},    {"--dim", OPT_LONG, &dim, 1, 4096},
        {"--heads", OPT_LONG, &heads, 1, 256},            {"--ffn", OPT_LONG, &ffn, 0, 65536},
        {"--layers", OPT_LONG, &layers, 1, 48},           {"--context", OPT_LONG, &context, 1, 4096},
        {"--norm", OPT_STR, &norm, 0, 0},                 {"--pos", OPT_STR, &pos, 0, 0},
        {"--dropout", OPT_DOUBLE, &dropout, 0, 0.9},      {"--steps", OPT_LONG, &steps, 0, 1e9},
        {"--seconds", OPT_DOUBLE, &seconds, 0, 1e7},      {"--batch", OPT_LONG, &batch, 1, 4096},
        {"--lr", OPT_DOUBLE, &lr, 1e-7, 10},              {"--warmup", OPT_LONG, &warmup, 0, 1e8},
        {"--eval-every", OPT_LONG, &eval_every, 0, 1e9},  {"--eval-windows", OPT_LONG, &eval_windows, 0, 1e9},
        {"--save", OPT_STR, &save, 0, 0},                 {"--load", OPT_STR, &load, 0, 0},
        {"--seed", OPT_LONG, &seed, 0, 1e15},             {"--prompt", OPT_STR, &prompt, 0, 0},
        {"--sample-len", OPT_LONG, &sample_len, 0, 1e6},  {"--temperature", OPT_DOUBLE, &temperature, 0, 100},
        {"--name", OPT_STR, &name, 0, 0},                 {"--out", OPT_STR, &out, 0, 0},
        {"--ascii", OPT_FLAG, &ascii, 0, 0},             {"--act", OPT_STR, &act, 0, 0},
        {"--attn-kernel", OPT_STR, &kernel, 0, 0},
    };
    cli_parse(argc, argv, 2, opts, (int)(sizeof opts / sizeof *opts), usage_gpt);
    FfnAct fact = parse_choice("--act", act, "gelu", "relu") ? FFN_RELU : FFN_GELU;
    if (!strcmp(kernel, "loops")) attention_set_kernel(0);
    else if (!strcmp(kernel, "matmul")) attention_set_kernel(1);
    else if (strcmp(kernel, "auto")) cli_bad_usage("--attn-kernel must be auto, loops or matmul, not '%s'", kernel);
    if (steps == 0 && seconds == 0) cli_bad_usage("%s", "give --steps or --seconds (or both): training needs an end");
    if (dim % heads) cli_bad_usage("--dim must be a multiple of --heads (%s)", "e.g. --dim 64 --heads 4");
    int prenorm = !parse_choice("--norm", norm, "pre", "post"), learned = !parse_choice("--pos", pos, "learned", "sin");
    if (ascii) plot_set_ascii(1);
    plot_set_outdir(out);
    char err[ERR_LEN];
    double t0 = now_seconds();
    CharText text;
    if (chartext_load(&text, corpus, valid_frac, (int)min_count, err)) die("%s", err);
    printf("corpus %s: %zu characters (%zu to train on, %zu held out), vocabulary %d (<unk>: %zu in training, %zu "
           "held out), read in %.2f s\n",
           corpus, text.n, text.ntrain, text.n - text.ntrain, text.vocab->n, text.unk_train, text.unk_valid,
           now_seconds() - t0);
    Gpt m;
    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    if (load) {
        Vocab *lv;
        if (gpt_load(&m, &lv, load, (int)batch, err)) die("%s", err);
        int same = lv->n == text.vocab->n;
        for (int i = 1; same && i < lv->n; i++) same = !strcmp(lv->words[i], text.vocab->words[i]);
        vocab_free(lv);
        if (!same) die("%s was trained with another vocabulary than %s's; train from scratch", load, corpus);
        m.cfg.dropout = (float)dropout;
        printf("loaded %s\n", load);
    } else {
        GptConfig c = gpt_defaults();
        c.V = text.vocab->n, c.C = (int)dim, c.NH = (int)heads, c.F = ffn ? (int)ffn : 4 * (int)dim;
        c.L = (int)layers, c.T = (int)context, c.prenorm = prenorm, c.learned_pos = learned, c.dropout = (float)dropout;
        c.act = fact;
        gpt_init(&m, &c, (int)batch, &rng);
    }
    const GptConfig *c = &m.cfg;
    printf("model: %d blocks, width %d, %d heads, feed-forward %d (%s), %s-norm, %s positions, context %d: %zu "
           "parameters\n",
           c->L, c->C, c->NH, c->F, ffn_act_name(c->act), c->prenorm ? "pre" : "post",
           c->learned_pos ? "learned" : "sinusoidal", c->T, m.p.total);
    GptTrainOptions o = gpt_train_defaults();
    o.B = (int)batch, o.T = c->T, o.steps = steps, o.max_seconds = seconds, o.lr = (float)lr, o.warmup = warmup;
    o.eval_every = eval_every, o.eval_windows = (int)eval_windows, o.seed = (uint64_t)seed + 1;
    o.log_every = 100;
    GptTrainStats st;
    gpt_train(&m, text.ids, text.ntrain, text.ids + text.ntrain, text.n - text.ntrain, &o, &st);
    char rate[32];
    printf("trained %ld steps in %.1f s (%s characters/s); held-out loss %.4f nats = %.3f bits per character\n",
           st.steps, st.seconds, format_count(st.tokens / (st.seconds > 0 ? st.seconds : 1), rate, sizeof rate),
           st.final_valid, st.final_valid / log(2.0));
    int plot_failed = 0;
    if (st.n > 1) {
        double *vx = xmalloc(sizeof(double) * (size_t)st.n), *vy = xmalloc(sizeof(double) * (size_t)st.n);
        double *tx = xmalloc(sizeof(double) * (size_t)st.n), *ty = xmalloc(sizeof(double) * (size_t)st.n);
        int nt = 0;
        for (int i = 0; i < st.n; i++) {
            vx[i] = st.step[i], vy[i] = st.valid[i];
            if (isfinite(st.train[i])) tx[nt] = st.step[i], ty[nt++] = st.train[i];
        }
        PlotSeries s[2] = {{"held out", vx, vy, st.n}, {"training (mean since last point)", tx, ty, nt}};
        char title[300], pname[300];
        snprintf(title, sizeof title, "GPT on %s: loss (nats per character)", corpus);
        PlotOpts po = {title, "step", "cross-entropy (nats)", 0, 0};
        snprintf(pname, sizeof pname, "%s_loss", name);
        plot_failed = plot_lines(pname, &po, s, 2) < 0;
        free(vx), free(vy), free(tx), free(ty);
    }
    if (save) {
        const char *slash = strrchr(save, '/');
        if (slash && slash != save) { /* the checkpoint's directory, like the plots' */
            char dir[1024];
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - save), save);
            if (make_dirs(dir, err)) die("%s", err);
        }
        char v1[32], v2[32];
        snprintf(v1, sizeof v1, "%ld", st.steps), snprintf(v2, sizeof v2, "%.6f", st.final_valid);
        const char *extra[6] = {"steps", v1, "valid_loss", v2, "corpus", corpus};
        if (gpt_save(&m, text.vocab, save, extra, 3, err)) die("%s", err);
        printf("checkpoint: %s\n", save);
    }
    print_sample(&m, text.vocab, prompt, sample_len, temperature, &rng);
    printf("What to notice: these are the encoder's blocks with the causal mask and nothing else; from\n"
           "characters alone the model picks up spelling, names and the layout of the text. The held-out\n"
           "loss is on the same last %.0f%% of the text as chapter 04's character LSTM, in the same units.\n",
           100 * valid_frac);
    gpt_free(&m), chartext_free(&text);
    return plot_failed ? 1 : 0;
}

static void usage_sample(FILE *f) {
    fprintf(f, "usage: transformer sample --load FILE [--prompt TEXT] [--sample-len N] [--temperature X] [--seed N]\n"
           "Continue a prompt with a checkpoint written by 'transformer gpt --save FILE'.\n"
           "  --load FILE         the checkpoint (required)\n"
           "  --prompt TEXT       [a line break]\n"
           "  --sample-len N      [300]\n"
           "  --temperature X     0 takes the most likely character each time   [0.8]\n"
           "  --seed N            [1]\n");
}

static int cmd_sample(int argc, char **argv) {
    const char *load = NULL, *prompt = "";
    long sample_len = 300, seed = 1;
    double temperature = 0.8;
    const Opt opts[] = {{"--load", OPT_STR, &load, 0, 0},
                        {"--prompt", OPT_STR, &prompt, 0, 0},
                        {"--sample-len", OPT_LONG, &sample_len, 1, 1e6},
                        {"--temperature", OPT_DOUBLE, &temperature, 0, 100},
                        {"--seed", OPT_LONG, &seed, 0, 1e15}};
    cli_parse(argc, argv, 2, opts, 5, usage_sample);
    if (!load) cli_bad_usage("%s", "sample needs --load FILE");
    char err[ERR_LEN];
    Gpt m;
    Vocab *v;
    if (gpt_load(&m, &v, load, 1, err)) die("%s", err);
    printf("loaded %s: %d blocks, width %d, context %d, %d characters, %zu parameters\n", load, m.cfg.L, m.cfg.C,
           m.cfg.T, m.cfg.V, m.p.total);
    Rng rng;
    rng_seed(&rng, (uint64_t)seed);
    print_sample(&m, v, prompt, sample_len, temperature, &rng);
    gpt_free(&m), vocab_free(v);
    return 0;
}

int main(int argc, char **argv) {
    cli_set_program("transformer");
    if (argc < 2) {
        usage_main(stdout);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        usage_main(stdout);
        return 0;
    }
    static char cmdname[64];
    snprintf(cmdname, sizeof cmdname, "transformer %s", cmd);
    cli_set_program(cmdname);
    if (!strcmp(cmd, "example")) return cmd_example(argc, argv);
    if (!strcmp(cmd, "heads")) return cmd_heads(argc, argv);
    if (!strcmp(cmd, "order")) return cmd_order(argc, argv);
    if (!strcmp(cmd, "translate")) return cmd_translate(argc, argv);
    if (!strcmp(cmd, "reverse")) return cmd_reverse(argc, argv);
    if (!strcmp(cmd, "gpt")) return cmd_gpt(argc, argv);
    if (!strcmp(cmd, "sample")) return cmd_sample(argc, argv);
    cli_set_program("transformer");
    cli_bad_usage("unknown command '%s'", cmd);
}
