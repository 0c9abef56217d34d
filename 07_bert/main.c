/* main.c - bin/bert: the command line of chapter 07. The lessons are in tokenizer.c, model.c,
 * pretrain.c (with pretrain_data.c), finetune.c and demos.c; this file only reads options, opens
 * model directories and prints. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "07_bert/bertdir.h"
#include "07_bert/dist.h"
#include "07_bert/demos.h"
#include "07_bert/finetune.h"
#include "07_bert/hfdir.h"
#include "07_bert/pretrain.h"
#include "05_seq2seq_attention/tasks.h"
#include "cli.h"
#include "platform.h"
#include "plot.h"
#include "util.h"

static const char *self_path = "bert";

static void usage_main(FILE *f) {
    fprintf(f, "usage: bert [COMMAND [options]]      (bert COMMAND --help for its options)\n"
           "Chapter 07: BERT in plain C: WordPiece, pretraining with masked LM and next-sentence prediction,\n"
           "fine-tuning from [CLS], and model directories in the Hugging Face layout.\n"
           "\n"
           "  (no command)  the demo: a short pretraining on the embedded corpora, then every claim below\n"
           "  pretrain      pretrain on a corpus (WordPiece vocabulary trained first), save a model directory;\n"
           "                stop and --resume exactly\n"
           "  finetune      fine-tune a model directory on a TSV classification set\n"
           "  predict       classify text with a fine-tuned model directory\n"
           "  fill-mask     C23: top-k fillers of every [MASK] in a text\n"
           "  encode        the last layer's vectors of a text (or pair) into a float32 file\n"
           "  tokenize      the WordPiece pieces of a text\n"
           "  inputs        C22: token + segment + position embeddings of one pair, printed\n"
           "  eval          C24: MLM and NSP accuracy on held-out pairs of a corpus\n"
           "  senses        C26: one word's contextual vectors in two sentences and across a corpus (PCA map)\n"
           "  causal        C29: \"it\" under BERT's bidirectional attention and under a causal mask\n"
           "  timing        C27: step time against max_seq_len, peak memory against batch size (plots)\n"
           "  corpus        join text files into one pretraining corpus (sentences, documents)\n"
           "  export        copy a model directory without its trainer state, as F16 (what models/ ships)\n"
           "\n"
           "Threads: OMP_NUM_THREADS or --threads (set it to the number of physical cores).\n");
}

static int parse_choice(const char *opt, const char *v, const char *a, const char *b) {
    if (!strcmp(v, a)) return 0;
    if (!strcmp(v, b)) return 1;
    char msg[200];
    snprintf(msg, sizeof msg, "%s must be '%s' or '%s', not '%%s'", opt, a, b);
    cli_bad_usage(msg, v);
}

/* Open a model directory or exit 1 with the reason. */
/* --model DIR, or the shipped models/bert when it is absent */
static const char *model_dir(const char *dir) {
    return cli_model_or_shipped(dir, "--model DIR", "bert", "'make models-bert' makes it");
}

static void open_model(const char *dir, Bert *m, BertTokenizer *t, int maxB, int maxT) {
    char err[ERR_LEN];
    dir = model_dir(dir);
    if (bert_dir_open(dir, m, t, maxB, maxT, NULL, err)) die("%s", err);
}

/* ---- pretrain ------------------------------------------------------------------------------------ */
static void usage_pretrain(FILE *f) {
    PretrainOptions d = pretrain_defaults();
    fprintf(f, "usage: bert pretrain --corpus FILE --out DIR [options]\n"
           "       bert pretrain --resume DIR [--steps N] [--out DIR2]\n"
           "Pretrain BERT with masked LM + next-sentence prediction. The corpus is one sentence per line with a\n"
           "blank line between documents; a file without blank lines is cut into documents of --doc-lines\n"
           "lines. DIR gets config.json, model.safetensors, vocab.txt, tokenizer_config.json (the Hugging Face\n"
           "layout) and trainer_state.safetensors (AdamW moments, step, random state, data position).\n"
           "Ctrl-C stops after the current step and saves. Ends with 'median_step_ms=N peak_rss_mb=M' on stdout.\n"
           "data\n"
           "  --corpus FILE        text to pretrain on (on --resume: the saved path)\n"
           "  --doc-lines N        lines per document when the file has no blank lines   [%d]\n"
           "  --lower / --no-lower lower-case and strip accents (vocabulary trained here)   [--lower]\n"
           "  --holdout-every N    every N-th document is held out for the final evaluation (0: none)   [%d]\n"
           "model (ignored with --model / --resume)\n"
           "  --model DIR          start from this model directory and its vocabulary\n"
           "  --vocab FILE         use this vocab.txt instead of training one (a new model of the shape below)\n"
           "  --vocab-size N       WordPiece vocabulary trained on the corpus   [%d]\n"
           "  --min-count N        characters seen fewer times become [UNK] (keeps rare CJK out)   [1]\n"
           "  --min-pair-count N   WordPiece merges only pairs seen at least N times   [2]\n"
           "  --merge frequency|score  WordPiece training merges the most frequent pair (as Hugging Face's\n"
           "                       trainer: frequent words whole) or the best count(ab)/(count(a)count(b))   [frequency]\n"
           "  --layers N           [%d]\n  --hidden C           [%d]\n  --heads H            [%d]\n"
           "  --intermediate F     feed-forward width   [%d]\n"
           "  --max-seq-len T      longest input; also max_position_embeddings   [%d]\n"
           "  --position absolute|relative   learned absolute positions (BERT) or relative (Shaw et al.)   [absolute]\n"
           "training\n"
           "  --steps N            total steps of the schedule (on --resume: the saved total)   [1000]\n"
           "  --stop-at N          stop and save after step N (resume later with --resume)   [0: at --steps]\n"
           "  --batch B            [%d]\n  --lr X               peak learning rate   [%g]\n"
           "  --warmup N           warm-up steps, then linear decay to 0   [%ld]\n"
           "  --weight-decay X     AdamW's decoupled decay   [%g]\n  --dropout P          [%g]\n"
           "  --seed N             [%llu]\n  --threads N          (0: OMP_NUM_THREADS or all cores)   [0]\n"
           "  --save-every N       save every N steps too (0: only at the end)   [0]\n"
           "  --log-every N        progress line every N steps (0: 20 lines)   [0]\n"
           "  --eval-every N       held-out MLM and NSP accuracy every N steps (0: only at the end)   [0]\n"
           "  --eval-pairs N       held-out pairs scored each time (the same ones every time)   [1000]\n"
           "output\n"
           "  --out DIR            the model directory to write (on --resume: DIR itself)\n"
           "  --resume DIR         continue the run saved in DIR\n",
           d.doc_lines, d.holdout_every, d.vocab_size, d.layers, d.hidden, d.heads, d.intermediate, d.max_seq_len,
           d.batch, d.lr, d.warmup, d.weight_decay, d.dropout, (unsigned long long)d.seed);
}

static void on_sigint(int sig) {
    (void)sig;
    bert_pretrain_request_stop();
}

static int cmd_pretrain(int argc, char **argv) {
    PretrainOptions o = pretrain_defaults();
    long layers = o.layers, hidden = o.hidden, heads = o.heads, inter = o.intermediate, vocab = o.vocab_size;
    long maxlen = o.max_seq_len, batch = o.batch, steps = 0, stop_at = 0, warmup = o.warmup, seed = (long)o.seed;
    long min_count = o.min_count, min_pair_count = o.min_pair_count;
    const char *merge = "frequency";
    long threads = 0, doc_lines = o.doc_lines, save_every = 0, log_every = 0, holdout = o.holdout_every;
    long eval_every = 0, eval_pairs = o.eval_pairs;
    double lr = o.lr, wd = o.weight_decay, dropout = o.dropout;
    const char *corpus = NULL, *out = NULL, *model = NULL, *resume = NULL, *position = "absolute", *vocab_txt = NULL;
    int lower = 0, nolower = 0;
    const Opt opts[] = {
        {"--vocab", OPT_STR, &vocab_txt, 0, 0},
        {"--eval-every", OPT_LONG, &eval_every, 0, 1e9}, {"--eval-pairs", OPT_LONG, &eval_pairs, 1, 1e7},
        {"--corpus", OPT_STR, &corpus, 0, 0},          {"--out", OPT_STR, &out, 0, 0},
        {"--model", OPT_STR, &model, 0, 0},            {"--resume", OPT_STR, &resume, 0, 0},
        {"--layers", OPT_LONG, &layers, 1, 48},        {"--hidden", OPT_LONG, &hidden, 2, 4096},
        {"--heads", OPT_LONG, &heads, 1, 64},          {"--intermediate", OPT_LONG, &inter, 1, 16384},
        {"--vocab-size", OPT_LONG, &vocab, 6, 1000000}, {"--max-seq-len", OPT_LONG, &maxlen, 8, 8192},
        {"--position", OPT_STR, &position, 0, 0},      {"--batch", OPT_LONG, &batch, 1, 4096},
        {"--steps", OPT_LONG, &steps, 1, 1e9},         {"--stop-at", OPT_LONG, &stop_at, 1, 1e9},
        {"--lr", OPT_DOUBLE, &lr, 1e-8, 1},            {"--warmup", OPT_LONG, &warmup, 0, 1e9},
        {"--weight-decay", OPT_DOUBLE, &wd, 0, 1},     {"--dropout", OPT_DOUBLE, &dropout, 0, 0.9},
        {"--seed", OPT_LONG, &seed, 0, 1e15},          {"--threads", OPT_LONG, &threads, 0, 1024},
        {"--doc-lines", OPT_LONG, &doc_lines, 1, 1e9}, {"--lower", OPT_FLAG, &lower, 0, 0},
        {"--no-lower", OPT_FLAG, &nolower, 0, 0},      {"--save-every", OPT_LONG, &save_every, 0, 1e9},
        {"--log-every", OPT_LONG, &log_every, 0, 1e9}, {"--holdout-every", OPT_LONG, &holdout, 0, 1e6},
        {"--min-count", OPT_LONG, &min_count, 1, 1e12},
        {"--min-pair-count", OPT_LONG, &min_pair_count, 1, 1e12},
        {"--merge", OPT_STR, &merge, 0, 0},
    };
    cli_parse(argc, argv, 2, opts, (int)(sizeof opts / sizeof *opts), usage_pretrain);
    if (!resume && !corpus) cli_bad_usage("%s is required", "--corpus FILE");
    if (!resume && !out) cli_bad_usage("%s is required", "--out DIR");
    if (lower && nolower) cli_bad_usage("%s: give one of them", "--lower and --no-lower");
    if (hidden % heads) cli_bad_usage("--hidden must be a multiple of --heads (%s)", "e.g. --hidden 256 --heads 4");
    if (model && resume) cli_bad_usage("%s: --resume already names the model", "--model with --resume");
    if (vocab_txt && (model || resume)) cli_bad_usage("%s: the model directory has its vocabulary", "--vocab with --model or --resume");
    o.corpus = corpus, o.out = out, o.model = model, o.resume = resume, o.vocab = vocab_txt;
    o.layers = (int)layers, o.hidden = (int)hidden, o.heads = (int)heads, o.intermediate = (int)inter;
    o.vocab_size = (int)vocab, o.max_seq_len = (int)maxlen, o.batch = (int)batch;
    o.relative = parse_choice("--position", position, "absolute", "relative");
    o.do_lower_case = !nolower, o.min_count = min_count, o.min_pair_count = min_pair_count;
    o.merge_by_frequency = !parse_choice("--merge", merge, "frequency", "score");
    o.steps = steps, o.stop_at = stop_at, o.warmup = warmup, o.seed = (uint64_t)seed, o.threads = (int)threads;
    o.doc_lines = (int)doc_lines, o.save_every = save_every, o.log_every = log_every, o.holdout_every = (int)holdout;
    o.eval_every = eval_every, o.eval_pairs = (int)eval_pairs;
    o.lr = lr, o.weight_decay = wd, o.dropout = dropout;
    if (!resume && steps == 0) o.steps = 1000;
    if (!resume && warmup >= o.steps) cli_bad_usage("--warmup must be below --steps (%s)", "e.g. 10% of the steps");
    signal(SIGINT, on_sigint);
    dist_init(&argc, &argv); /* under mpirun: one of several processes (dist.h); otherwise nothing */
    PretrainResult r;
    char err[ERR_LEN];
    if (bert_pretrain(&o, &r, err)) die("%s", err);
    if (dist_rank() == 0) printf("median_step_ms=%.1f peak_rss_mb=%.1f\n", r.median_step_ms, r.peak_rss / 1048576.0);
    dist_finalize();
    return 0;
}

/* ---- fill-mask, encode, tokenize, inputs --------------------------------------------------------- */
static void usage_fill(FILE *f) {
    fprintf(f, "usage: bert fill-mask [--model DIR] [--text \"... [MASK] ...\"] [--top-k K]\n"
           "The masked-LM head's best fillers of every [MASK], with their probabilities (C23). Without\n"
           "--text, one sentence a line from standard input (try your own: echo '我要去[MASK]京玩。' | bert fill-mask).\n"
           "  --model DIR   a model directory   [models/bert, the shipped model]\n"
           "  --top-k K     fillers per [MASK]   [5]\n");
}
static int cmd_fill_mask(int argc, char **argv) {
    const char *model = NULL, *text = NULL;
    long k = 5;
    const Opt opts[] = {{"--model", OPT_STR, &model, 0, 0}, {"--text", OPT_STR, &text, 0, 0},
                        {"--top-k", OPT_LONG, &k, 1, 100}};
    cli_parse(argc, argv, 2, opts, 3, usage_fill);
    Bert m;
    BertTokenizer t;
    open_model(model, &m, &t, 1, 0);
    char err[ERR_LEN];
    int rc = 0;
    if (text) {
        rc = demo_fill_mask(&m, &t, text, (int)k, err);
        if (rc) fprintf(stderr, "error: %s\n", err);
    } else { /* a sentence a line from standard input; a bad line is reported and skipped */
        if (isatty(0)) fprintf(stderr, "type a sentence with [MASK] in it, one a line (Ctrl-D ends):\n");
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) > 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
            if (n == 0) continue;
            if (demo_fill_mask(&m, &t, line, (int)k, err)) fprintf(stderr, "error: %s\n", err), rc = 1;
            fflush(stdout);
        }
        free(line);
    }
    bert_free(&m), bert_tok_free(&t);
    return rc ? 1 : 0;
}

static void usage_encode(FILE *f) {
    fprintf(f, "usage: bert encode [--model DIR] --text A [--text-b B] --out FILE\n"
           "Run [CLS] A [SEP] (B [SEP]) through the model. Prints the tokens used on one line (stdout) and\n"
           "writes the last layer's hidden states to FILE: little-endian float32, row-major [tokens x hidden].\n");
}
static int cmd_encode(int argc, char **argv) {
    const char *model = NULL, *a = NULL, *b = NULL, *out = NULL;
    const Opt opts[] = {{"--model", OPT_STR, &model, 0, 0}, {"--text", OPT_STR, &a, 0, 0},
                        {"--text-b", OPT_STR, &b, 0, 0},    {"--out", OPT_STR, &out, 0, 0}};
    cli_parse(argc, argv, 2, opts, 4, usage_encode);
    if (!a) cli_bad_usage("%s is required", "--text");
    if (!out) cli_bad_usage("%s is required", "--out FILE");
    Bert m;
    BertTokenizer t;
    open_model(model, &m, &t, 1, 0);
    int P = m.maxT, C = m.cfg.hidden;
    int *ids = xmalloc(sizeof(int) * (size_t)P), *segs = xmalloc(sizeof(int) * (size_t)P);
    int T = bert_encode_pair(&t, a, b, P, ids, segs, NULL);
    bert_forward(&m, ids, segs, NULL, 1, T, NULL);
    char err[ERR_LEN];
    AtomicFile af;
    if (atomic_open(&af, out, err)) die("%s", err);
    for (size_t i = 0; i < (size_t)T * C; i++) {
        uint32_t u;
        memcpy(&u, &m.hidden[i], 4);
        unsigned char le[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                               (unsigned char)(u >> 24)};
        xfwrite(le, 1, 4, af.f, out);
    }
    if (atomic_commit(&af, err)) die("%s", err);
    for (int i = 0; i < T; i++) printf("%s%s", i ? " " : "", bert_tok_token(&t, ids[i]));
    printf("\n");
    fprintf(stderr, "wrote %s: %d x %d float32\n", out, T, C);
    free(ids), free(segs);
    bert_free(&m), bert_tok_free(&t);
    return 0;
}

static void usage_tokenize(FILE *f) {
    fprintf(f, "usage: bert tokenize [--model DIR] --text TEXT [--ids]\n"
           "The WordPiece pieces of TEXT with the model's vocabulary (vocab.txt, tokenizer_config.json).\n"
           "  --ids   print the ids instead of the pieces\n");
}
static int cmd_tokenize(int argc, char **argv) {
    const char *model = NULL, *text = NULL;
    int want_ids = 0;
    const Opt opts[] = {{"--model", OPT_STR, &model, 0, 0}, {"--text", OPT_STR, &text, 0, 0},
                        {"--ids", OPT_FLAG, &want_ids, 0, 0}};
    cli_parse(argc, argv, 2, opts, 3, usage_tokenize);
    model = model_dir(model);
    if (!text) cli_bad_usage("%s is required", "--text");
    BertTokenizer t;
    char err[ERR_LEN];
    if (bert_dir_load_tokenizer(model, &t, err)) die("%s", err);
    BertIds ids = {0};
    bert_tok_encode(&t, text, strlen(text), &ids);
    for (int i = 0; i < ids.n; i++) {
        if (want_ids) printf("%s%d", i ? " " : "", ids.ids[i]);
        else printf("%s%s", i ? " " : "", bert_tok_token(&t, ids.ids[i]));
    }
    printf("\n");
    bert_ids_free(&ids);
    bert_tok_free(&t);
    return 0;
}

static void usage_inputs(FILE *f) {
    fprintf(f, "usage: bert inputs [--model DIR] --text A --text-b B [--dims N]\n"
           "The input of BERT for one pair (C22): tokens, segment ids, positions, and token + segment +\n"
           "position embeddings = input, with the shapes.\n"
           "  --dims N   dimensions printed   [4]\n");
}
static int cmd_inputs(int argc, char **argv) {
    const char *model = NULL, *a = NULL, *b = NULL;
    long dims = 4;
    const Opt opts[] = {{"--model", OPT_STR, &model, 0, 0}, {"--text", OPT_STR, &a, 0, 0},
                        {"--text-b", OPT_STR, &b, 0, 0},    {"--dims", OPT_LONG, &dims, 1, 16}};
    cli_parse(argc, argv, 2, opts, 4, usage_inputs);
    if (!a || !b) cli_bad_usage("%s are required", "--text and --text-b");
    Bert m;
    BertTokenizer t;
    open_model(model, &m, &t, 1, 0);
    demo_inputs(&m, &t, a, b, (int)dims);
    bert_free(&m), bert_tok_free(&t);
    return 0;
}

/* ---- eval (C24) ------------------------------------------------------------------------------------ */
static void usage_eval(FILE *f) {
    fprintf(f, "usage: bert eval [--model DIR] --corpus FILE [options]\n"
           "Masked-LM and next-sentence accuracy on pairs from the held-out documents of FILE (every\n"
           "--holdout-every-th document, as 'pretrain' left them out), 50%% true next sentences (C24).\n"
           "  --pairs N            pairs to evaluate   [2000]\n"
           "  --doc-lines N        as given to pretrain   [20]\n"
           "  --holdout-every N    as given to pretrain   [20]\n"
           "  --max-seq-len T      (0: the model's)   [0]\n"
           "  --seed N             [1]\n");
}
static int cmd_eval(int argc, char **argv) {
    const char *model = NULL, *corpus = NULL;
    long pairs = 2000, doc_lines = 20, holdout = 20, maxlen = 0, seed = 1;
    const Opt opts[] = {{"--model", OPT_STR, &model, 0, 0},          {"--corpus", OPT_STR, &corpus, 0, 0},
                        {"--pairs", OPT_LONG, &pairs, 1, 1e7},        {"--doc-lines", OPT_LONG, &doc_lines, 1, 1e9},
                        {"--holdout-every", OPT_LONG, &holdout, 2, 1e6}, {"--max-seq-len", OPT_LONG, &maxlen, 0, 8192},
                        {"--seed", OPT_LONG, &seed, 0, 1e15}};
    cli_parse(argc, argv, 2, opts, 7, usage_eval);
    if (!corpus) cli_bad_usage("%s is required", "--corpus FILE");
    Bert m;
    BertTokenizer t;
    int B = 32;
    open_model(model, &m, &t, B, (int)maxlen);
    char err[ERR_LEN];
    if (!(m.has & BERT_HAS_MLM) || !(m.has & BERT_HAS_NSP)) die("%s: the model has no pretraining heads", model);
    int rc = bert_eval_corpus(&m, &t, corpus, (int)doc_lines, (int)holdout, (int)pairs, (uint64_t)seed, err);
    if (rc) fprintf(stderr, "error: %s\n", err);
    bert_free(&m), bert_tok_free(&t);
    return rc ? 1 : 0;
}

/* ---- senses (C26) ------------------------------------------------------------------------------------ */
static void usage_senses(FILE *f) {
    fprintf(f, "usage: bert senses [--model DIR] [options]\n"
           "One word's vectors in two sentences, layer by layer, against word2vec's single vector; then the\n"
           "vectors of one ambiguous word across many corpus sentences, labelled by sense, on a PCA map (C26).\n"
           "  --word W           [bank]\n"
           "  --a TEXT           [He deposited his money in this bank.]\n"
           "  --b TEXT           [His soldiers were arrayed along the river bank.]\n"
           "  --vectors FILE     word2vec vectors (.bin or .txt) to compare with\n"
           "  --corpus FILE      sentences for the map (none: no map)\n"
           "  --plot-word W      the ambiguous word of the map   [left]\n"
           "  --sense-a P|Q|..   a line containing one of these (lower-cased) gets --label-a   [left hand|the left]\n"
           "  --label-a L        [L=side]\n  --label-b L        [v=verb]\n"
           "  --sentences N      at most N sentences on the map   [150]\n"
           "  --name NAME        out/NAME.png   [07_senses]\n"
           "  --out DIR          directory for the plot   [out]\n"
           "  --ascii            draw the map in the terminal\n");
}
static int cmd_senses(int argc, char **argv) {
    SensesOpts s = {"bank", "He deposited his money in this bank.", "His soldiers were arrayed along the river bank.",
                    NULL, NULL, "left", "left hand|the left", "L=side", "v=verb", "07_senses", 150};
    const char *model = NULL, *outdir = "out";
    long n = s.max_sentences;
    int ascii = 0;
    const Opt opts[] = {{"--model", OPT_STR, &model, 0, 0},       {"--word", OPT_STR, &s.word, 0, 0},
                        {"--a", OPT_STR, &s.a, 0, 0},             {"--b", OPT_STR, &s.b, 0, 0},
                        {"--vectors", OPT_STR, &s.vectors_path, 0, 0}, {"--corpus", OPT_STR, &s.corpus, 0, 0},
                        {"--plot-word", OPT_STR, &s.plot_word, 0, 0}, {"--sense-a", OPT_STR, &s.sense_a, 0, 0},
                        {"--label-a", OPT_STR, &s.label_a, 0, 0}, {"--label-b", OPT_STR, &s.label_b, 0, 0},
                        {"--sentences", OPT_LONG, &n, 4, 4096},   {"--name", OPT_STR, &s.name, 0, 0},
                        {"--out", OPT_STR, &outdir, 0, 0},        {"--ascii", OPT_FLAG, &ascii, 0, 0}};
    cli_parse(argc, argv, 2, opts, (int)(sizeof opts / sizeof *opts), usage_senses);
    s.max_sentences = (int)n;
    if (ascii) plot_set_ascii(1);
    plot_set_outdir(outdir);
    Bert m;
    BertTokenizer t;
    open_model(model, &m, &t, 1, 0);
    char err[ERR_LEN];
    int rc = demo_senses(&m, &t, &s, err);
    if (rc) fprintf(stderr, "error: %s\n", err);
    bert_free(&m), bert_tok_free(&t);
    return rc ? 1 : 0;
}

/* ---- causal (C29) ------------------------------------------------------------------------------------ */
static void usage_causal(FILE *f) {
    fprintf(f, "usage: bert causal [--model DIR] [--word W --a TEXT --b TEXT]\n"
           "The vector of W in two sentences that differ only after it, with BERT's bidirectional attention\n"
           "and with the same weights under a causal (left-to-right) mask (C29).\n"
           "  --word W   [it]\n"
           "  --a TEXT   [The animal didn't cross the street because it was too tired.]\n"
           "  --b TEXT   [The animal didn't cross the street because it was too narrow.]\n");
}
static int cmd_causal(int argc, char **argv) {
    const char *model = NULL, *word = "it", *a = "The animal didn't cross the street because it was too tired.",
               *b = "The animal didn't cross the street because it was too narrow.";
    const Opt opts[] = {{"--model", OPT_STR, &model, 0, 0}, {"--word", OPT_STR, &word, 0, 0},
                        {"--a", OPT_STR, &a, 0, 0},         {"--b", OPT_STR, &b, 0, 0}};
    cli_parse(argc, argv, 2, opts, 4, usage_causal);
    Bert m;
    BertTokenizer t;
    open_model(model, &m, &t, 1, 0);
    char err[ERR_LEN];
    int rc = demo_causal(&m, &t, word, a, b, err);
    if (rc) fprintf(stderr, "error: %s\n", err);
    bert_free(&m), bert_tok_free(&t);
    return rc ? 1 : 0;
}

static void usage_shift(FILE *f) {
    fprintf(f, "usage: bert shift [--model DIR] [--phrase P] [--prefix X]\n"
           "C30: the phrase alone and after the prefix, with attention kept off [CLS] and the prefix:\n"
           "per layer, how far the phrase's vectors move (absolute positions) or not (relative).\n"
           "  --phrase P   [北京到上海的机票]\n  --prefix X   [你好，我要]\n");
}
static int cmd_shift(int argc, char **argv) {
    const char *model = NULL, *phrase = "北京到上海的机票", *prefix = "你好，我要";
    const Opt opts[] = {{"--model", OPT_STR, &model, 0, 0}, {"--phrase", OPT_STR, &phrase, 0, 0},
                        {"--prefix", OPT_STR, &prefix, 0, 0}};
    cli_parse(argc, argv, 2, opts, 3, usage_shift);
    Bert m;
    BertTokenizer t;
    open_model(model, &m, &t, 1, 0);
    char err[ERR_LEN];
    int rc = demo_shift(&m, &t, phrase, prefix, err);
    if (rc) fprintf(stderr, "error: %s\n", err);
    bert_free(&m), bert_tok_free(&t);
    return rc ? 1 : 0;
}

/* ---- timing (C27) ------------------------------------------------------------------------------------ */
static int parse_list(const char *opt, const char *s, int *v, int max, long lo, long hi) {
    int n = 0;
    char buf[64], err[ERR_LEN];
    for (const char *p = s; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len >= sizeof buf || n == max) cli_bad_usage("bad list '%s'", s);
        memcpy(buf, p, len), buf[len] = 0;
        long x;
        if (parse_long(buf, lo, hi, &x, opt, err)) cli_bad_usage("%s", err);
        v[n++] = (int)x;
        p = c ? c + 1 : p + len;
    }
    if (!n) cli_bad_usage("empty list for %s", opt);
    return n;
}
static void usage_timing(FILE *f) {
    fprintf(f, "usage: bert timing [options]\n"
           "Median time of a pretraining step (forward, backward, AdamW) against max_seq_len, and peak memory\n"
           "against batch size, each configuration in a process of its own (C27). Plots out/NAME_time.png and\n"
           "out/NAME_memory.png.\n"
           "  --layers N --hidden C --heads H --intermediate F --vocab-size V   [2 128 2 512 6000]\n"
           "  --lengths T,T,...    max_seq_len values at --batch   [32,64,128,256]\n"
           "  --batch B            [8]\n"
           "  --batches B,B,...    batch sizes at --length   [4,8,16,32]\n"
           "  --length T           [128]\n"
           "  --steps N            timed steps per configuration (after one warm-up)   [3]\n"
           "  --threads N          threads per step; with 1, processor time = the time on an idle core   [1]\n"
           "  --name NAME          [07_cost]\n  --out DIR  [out]\n  --ascii\n");
}
static int cmd_timing(int argc, char **argv) {
    long layers = 2, hidden = 128, heads = 2, inter = 512, vocab = 6000, batch = 8, length = 128, steps = 3, threads = 1;
    const char *lengths = "32,64,128,256", *batches = "4,8,16,32", *name = "07_cost", *outdir = "out";
    int ascii = 0;
    const Opt opts[] = {
        {"--layers", OPT_LONG, &layers, 1, 48},         {"--hidden", OPT_LONG, &hidden, 2, 4096},
        {"--heads", OPT_LONG, &heads, 1, 64},           {"--intermediate", OPT_LONG, &inter, 1, 16384},
        {"--vocab-size", OPT_LONG, &vocab, 6, 1000000}, {"--lengths", OPT_STR, &lengths, 0, 0},
        {"--batch", OPT_LONG, &batch, 1, 4096},         {"--batches", OPT_STR, &batches, 0, 0},
        {"--length", OPT_LONG, &length, 8, 8192},       {"--steps", OPT_LONG, &steps, 1, 1000},
        {"--threads", OPT_LONG, &threads, 0, 1024},     {"--name", OPT_STR, &name, 0, 0},
        {"--out", OPT_STR, &outdir, 0, 0},              {"--ascii", OPT_FLAG, &ascii, 0, 0}};
    cli_parse(argc, argv, 2, opts, (int)(sizeof opts / sizeof *opts), usage_timing);
    if (hidden % heads) cli_bad_usage("--hidden must be a multiple of --heads (%s)", "e.g. --hidden 128 --heads 2");
    int L[32], Bs[32];
    TimingOpts o = {(int)layers, (int)hidden, (int)heads, (int)inter, (int)vocab, (int)batch, (int)length,
                    L, Bs, parse_list("--lengths", lengths, L, 32, 8, 8192), parse_list("--batches", batches, Bs, 32, 1, 4096),
                    (int)steps, (int)threads, name, self_path};
    if (ascii) plot_set_ascii(1);
    plot_set_outdir(outdir);
    char err[ERR_LEN];
    if (demo_timing(&o, err)) die("%s", err);
    return 0;
}

/* One configuration of `timing`, in its own process: prints "median_ms peak_rss_bytes". */
static int cmd_timing_one(int argc, char **argv) {
    long v[9] = {0};
    const char *names[9] = {"--layers", "--hidden", "--heads", "--intermediate", "--vocab-size", "--batch",
                            "--length", "--steps", "--threads"};
    Opt opts[9];
    for (int i = 0; i < 9; i++) opts[i] = (Opt){names[i], OPT_LONG, &v[i], 0, 1e7};
    cli_parse(argc, argv, 2, opts, 9, usage_timing);
    char err[ERR_LEN];
    double ms;
    if (bert_time_step((int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5], (int)v[6], (int)v[7],
                       (int)v[8], &ms, err))
        die("%s", err);
    printf("%.3f %zu\n", ms, peak_rss_bytes());
    return 0;
}

/* ---- corpus ------------------------------------------------------------------------------------------- */
static void usage_corpus(FILE *f) {
    fprintf(f, "usage: bert corpus --inputs FILE,FILE,... --out FILE [--doc-lines N] [--exclude FILE,...]\n"
           "                   [--tatoeba FILE]\n"
           "Join text files into one pretraining corpus: one sentence per line, a blank line between documents.\n"
           "A file with blank lines keeps its documents and has its lines (paragraphs) split into sentences;\n"
           "a file without keeps its lines and is cut into documents of --doc-lines lines.\n"
           "  --doc-lines N        [20]\n"
           "  --exclude FILE,...   leave out every sentence that shares 8 characters in a row with a text of\n"
           "                       these files (TSV: the columns after the label; other files: each line),\n"
           "                       so that a test set never appears in the pretraining text\n"
           "  --tatoeba FILE       add the training split of chapter 05's Tatoeba pairs (its dev and test\n"
           "                       sentences left out), each English sentence and its translations a document\n");
}

/* The training split of chapter 05's Tatoeba pairs (tasks.h: the same seeded split chapters 05
 * and 06 score on) as a corpus file: an English sentence and its Chinese translations, a document
 * each. Returns 0, or -1 with err set. */
static int write_tatoeba_train(const char *tsv, const char *path, long *pairs, char *err) {
    Task t;
    TatoebaOptions o = tatoeba_defaults();
    if (task_load_tatoeba(&t, tsv, &o, err)) return -1;
    AtomicFile af;
    if (atomic_open(&af, path, err)) {
        task_free(&t);
        return -1;
    }
    *pairs = t.train.n;
    for (int i = 0; i < t.train.n; i++) {
        const TaskExample *e = &t.train.ex[i];
        int first = i == 0 || t.train.ex[i - 1].source_id != e->source_id;
        if (first) fprintf(af.f, "%s%s\n", i ? "\n" : "", e->src_text);
        fprintf(af.f, "%s\n", e->tgt_text);
    }
    task_free(&t);
    return atomic_commit(&af, err);
}

static int cmd_corpus(int argc, char **argv) {
    const char *inputs = NULL, *out = NULL, *exclude = NULL, *tatoeba = NULL;
    long doc_lines = 20;
    const Opt opts[] = {{"--inputs", OPT_STR, &inputs, 0, 0},
                        {"--out", OPT_STR, &out, 0, 0},
                        {"--doc-lines", OPT_LONG, &doc_lines, 1, 1e9},
                        {"--exclude", OPT_STR, &exclude, 0, 0},
                        {"--tatoeba", OPT_STR, &tatoeba, 0, 0}};
    cli_parse(argc, argv, 2, opts, 5, usage_corpus);
    if (!inputs || !out) cli_bad_usage("%s are required", "--inputs and --out");
    char *list = xstrdup(inputs), *files[64], *xlist = xstrdup(exclude ? exclude : ""), *xfiles[64];
    int n = 0, nx = 0;
    for (char *p = strtok(list, ","); p && n < 64; p = strtok(NULL, ",")) files[n++] = p;
    for (char *p = strtok(xlist, ","); p && nx < 64; p = strtok(NULL, ",")) xfiles[nx++] = p;
    char err[ERR_LEN], tpath[4096] = "";
    long tpairs = 0;
    if (tatoeba) {
        if (n == 64) cli_bad_usage("%s", "at most 63 --inputs with --tatoeba");
        snprintf(tpath, sizeof tpath, "%s.tatoeba-train.txt", out);
        if (write_tatoeba_train(tatoeba, tpath, &tpairs, err)) die("%s", err);
        files[n++] = tpath;
    }
    BertExclude *ex = NULL;
    if (nx && !(ex = bert_exclude_load((const char *const *)xfiles, nx, err))) die("%s", err);
    BertCorpusStats st;
    int docs = bert_corpus_join((const char *const *)files, n, (int)doc_lines, ex, out, &st, err);
    bert_exclude_free(ex);
    free(list), free(xlist);
    if (tpath[0]) remove(tpath);
    if (docs < 0) die("%s", err);
    printf("wrote %s: %d documents, %ld sentences from %d file%s\n", out, docs, st.kept, n, n == 1 ? "" : "s");
    if (tatoeba) printf("(with the %ld training pairs of %s: its dev and test sentences left out)\n", tpairs, tatoeba);
    if (nx)
        printf("left out %ld sentences (%.1f%% of them, %zu bytes) that share a run of characters with %s\n",
               st.dropped, 100.0 * (double)st.dropped / (double)(st.kept + st.dropped > 0 ? st.kept + st.dropped : 1),
               st.dropped_bytes, exclude);
    return 0;
}

/* ---- export ---------------------------------------------------------------------------------------- */
static void usage_export(FILE *f) {
    fprintf(f, "usage: bert export --model DIR --out DIR2 [--dtype f16|f32]\n"
           "Write DIR's model (config.json, model.safetensors, vocab.txt, tokenizer_config.json) to DIR2\n"
           "without the trainer state, its weights as F16 (half the size; what models/bert ships) or F32.\n"
           "Prints the largest difference F16 makes to a weight.\n"
           "  --dtype f16|f32   [f16]\n");
}
static int cmd_export(int argc, char **argv) {
    const char *model = NULL, *out = NULL, *dtype = "f16";
    const Opt opts[] = {{"--model", OPT_STR, &model, 0, 0}, {"--out", OPT_STR, &out, 0, 0},
                        {"--dtype", OPT_STR, &dtype, 0, 0}};
    cli_parse(argc, argv, 2, opts, 3, usage_export);
    if (!model || !out) cli_bad_usage("%s are required", "--model and --out");
    int half = parse_choice("--dtype", dtype, "f32", "f16");
    Bert m;
    BertTokenizer t;
    open_model(model, &m, &t, 1, 0);
    char err[ERR_LEN];
    if (make_dirs(out, err) || bert_save_dir_as(&m, out, NULL, 0, half ? "F16" : "F32", err) ||
        bert_dir_save_tokenizer(out, &t, m.cfg.max_pos, err))
        die("%s", err);
    /* read it back: what the users of DIR2 will get */
    Bert back;
    BertTokenizer t2;
    open_model(out, &back, &t2, 1, 0);
    double worst = 0, worst_rel = 0;
    for (size_t i = 0; i < m.p.total; i++) {
        double d = fabs((double)m.p.data[i] - (double)back.p.data[i]);
        if (d > worst) worst = d;
        if (fabs(m.p.data[i]) > 1e-3 && d / fabs(m.p.data[i]) > worst_rel) worst_rel = d / fabs(m.p.data[i]);
    }
    printf("wrote %s (%s, %zu parameters): largest change of a weight %.3g, relative %.3g (weights above 1e-3)\n", out,
           half ? "F16" : "F32", m.p.total, worst, worst_rel);
    bert_free(&m), bert_free(&back), bert_tok_free(&t), bert_tok_free(&t2);
    return 0;
}

/* ---- the demo ----------------------------------------------------------------------------------------- */
static int run(int (*cmd)(int, char **), const char *const *args) {
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)self_path;
    for (; *args && argc < 63; args++) argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    printf("\n$ bert");
    for (int i = 1; i < argc; i++) printf(strchr(argv[i], ' ') ? " \"%s\"" : " %s", argv[i]);
    printf("\n");
    fflush(stdout);
    int rc = cmd(argc, argv);
    fflush(stdout);
    return rc;
}

static int run_demo(void) {
    printf("bin/bert demo: a small BERT pretrained for a few minutes on the King James Bible and 红楼梦, then\n"
           "the claims of chapter 07 on it (07_bert/demo.sh runs the same steps with more training and the\n"
           "fine-tuning; see 07_bert/README.md). Files go to out/.\n");
    const char *corpus = "out/07_corpus.txt", *m = "out/07_bert_model";
    const char *co[] = {"corpus", "--inputs", "data/en/kjv.txt,data/zh/hongloumeng.txt", "--out", corpus,
                        "--doc-lines", "20", NULL};
    const char *pre[] = {"pretrain", "--corpus", corpus, "--out", m, "--layers", "2", "--hidden", "128", "--heads", "2",
                         "--intermediate", "512", "--vocab-size", "6000", "--min-count", "5", "--max-seq-len", "64",
                         "--batch", "32", "--steps", "250", "--warmup", "25", "--lr", "1e-3", NULL};
    const char *in[] = {"inputs", "--model", m, "--text", "my dog is cute", "--text-b", "he likes playing", "--dims", "3",
                        NULL};
    const char *f1[] = {"fill-mask", "--model", m, "--text", "And God said, Let there be [MASK]: and there was light.", NULL};
    const char *f2[] = {"fill-mask", "--model", m, "--text", "贾[MASK]玉听了，忙笑道：", NULL};
    const char *ev[] = {"eval", "--model", m, "--corpus", corpus, "--pairs", "1000", NULL};
    const char *se[] = {"senses", "--model", m, "--corpus", "data/en/kjv.txt", "--plot-word", "left", "--sense-a",
                        "left hand|the left|on the left|to the left", "--label-a", "L", "--label-b", "v", "--sentences",
                        "150", "--name", "07_senses_left", NULL};
    const char *ca[] = {"causal", "--model", m, NULL};
    const char *ti[] = {"timing", "--lengths", "32,64,128,256,512", "--batches", "4,8,16,32", "--steps", "3", "--threads",
                        "1", NULL};
    if (run(cmd_corpus, co) || run(cmd_pretrain, pre)) return 1;
    int rc = run(cmd_inputs, in) | run(cmd_fill_mask, f1) | run(cmd_fill_mask, f2) | run(cmd_eval, ev) |
             run(cmd_senses, se) | run(cmd_causal, ca) | run(cmd_timing, ti);
    return rc ? 1 : 0;
}

/* finetune.c's commands take argv[0] = the subcommand's name */
static int cmd_finetune(int argc, char **argv) { return bert_cmd_finetune(argc - 1, argv + 1); }
static int cmd_predict(int argc, char **argv) { return bert_cmd_predict(argc - 1, argv + 1); }

/* ---- dispatch ------------------------------------------------------------------------------------------ */
int main(int argc, char **argv) {
    self_path = argv[0];
    if (argc < 2) return run_demo();
    const char *c = argv[1];
    cli_set_program("bert");
    if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
        usage_main(stdout);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"pretrain", cmd_pretrain}, {"fill-mask", cmd_fill_mask}, {"encode", cmd_encode},
                {"tokenize", cmd_tokenize}, {"inputs", cmd_inputs},       {"eval", cmd_eval},
                {"senses", cmd_senses},     {"causal", cmd_causal},       {"timing", cmd_timing},
                {"shift", cmd_shift},
                {"timing-one", cmd_timing_one}, {"corpus", cmd_corpus}, {"export", cmd_export},
                {"finetune", cmd_finetune}, {"predict", cmd_predict}};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(c, cmds[i].name)) {
            char prog[64];
            snprintf(prog, sizeof prog, "bert %s", c);
            cli_set_program(prog);
            return cmds[i].fn(argc, argv);
        }
    cli_set_program("bert");
    cli_bad_usage("unknown command '%s'", c);
}
