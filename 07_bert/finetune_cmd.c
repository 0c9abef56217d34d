/* finetune_cmd.c - `bert finetune` and `bert predict`: options, the runs of C25 (pretrained
 * against from-scratch) and C31 ([CLS] against mean against one token), and their print-out.
 * Progress goes to stderr; the scores to stdout, ending with "accuracy=X". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "07_bert/bertdir.h"
#include "07_bert/finetune.h"
#include "cli.h"
#include "corpus.h"
#include "platform.h"
#include "utf8.h"
#include "util.h"

/* ---- finetune ----------------------------------------------------------------------------------------- */

static void usage_finetune(FILE *f) {
    FtOptions d = ft_defaults();
    fprintf(f,
            "usage: bert finetune --train FILE [--test FILE] [--model DIR] [--out DIR] [options]\n"
            "Fine-tune BERT for classification: the pooled [CLS] vector, dropout, one linear layer; every weight\n"
            "trained (AdamW, warm-up then linear decay). Prints precision, recall and F1 per class on the test\n"
            "set, and ends with 'accuracy=X' on stdout. Files: label<TAB>text or label<TAB>text_a<TAB>text_b.\n"
            "data\n"
            "  --train FILE          training examples (required)\n"
            "  --test FILE           test examples; without it every N-th example of --train is held out\n"
            "  --test-every N        the held-out share when --test is absent: examples N, 2N, ... (awk 'NR%%N==0')   [5]\n"
            "  --train-limit N       train on the first N training examples only (pretraining matters most when\n"
            "                        labelled examples are few)   [0: all]\n"
            "  --test-limit N        score only the first N test examples (a quicker demo)   [0: all]\n"
            "  --max-seq-len N       tokens per example, [CLS] and [SEP] included (longer ones are cut)   [128]\n"
            "model\n"
            "  --model DIR           start from this model directory (Hugging Face layout: config.json,\n"
            "                        model.safetensors, vocab.txt)\n"
            "  --init WHICH          pretrained: DIR's weights; scratch: DIR's shape and vocabulary, random weights\n"
            "                        (without --model: the shape below and a vocabulary trained on --train);\n"
            "                        both: one run of each with the same budget (C25)   [pretrained with --model]\n"
            "  --from-scratch        the same as --init scratch\n"
            "  --pool WHICH          the vector the classifier reads: cls (the pooler over [CLS]), mean (of the\n"
            "                        token vectors), first-token (the text's first token); a comma-separated list\n"
            "                        or all: one run each with the same budget (C31)   [cls]\n"
            "  --layers N --hidden C --heads H --intermediate F --vocab-size V\n"
            "                        the shape without --model   [2 128 2 512 4000]\n"
            "  --cased               keep case in the vocabulary trained without --model (default lower-cases)\n"
            "training (the budget is the same for every run)\n"
            "  --epochs X            passes over the training set   [%g]\n"
            "  --steps N             steps instead of epochs   [0: use --epochs]\n"
            "  --seconds S           stop after S seconds of training; the schedule follows whichever budget ends\n"
            "                        first   [0: no limit]\n"
            "  --batch B             examples per step   [%d]\n"
            "  --lr X                peak learning rate from a pretrained model   [%g]\n"
            "  --scratch-lr X        peak learning rate from random weights   [3e-4]\n"
            "  --warmup F            fraction of the budget spent warming up   [%g]\n"
            "  --weight-decay X      AdamW's decay (not on biases and layer norms)   [%g]\n"
            "  --dropout P           dropout before the classifier   [0.1]\n"
            "  --clip X              gradient clipping by global norm   [%g]\n"
            "  --seed N              shuffling, dropout, random weights   [%llu]\n"
            "  --threads N           OpenMP threads   [OMP_NUM_THREADS, else all cores]\n"
            "  --quiet               no progress lines\n"
            "output\n"
            "  --out DIR             save the fine-tuned model there (several runs: DIR/INIT-POOL each); it loads\n"
            "                        in transformers as BertForSequenceClassification\n",
            d.epochs, d.batch, d.lr, d.warmup, d.weight_decay, d.clip, (unsigned long long)d.seed);
}

typedef struct {
    const char *init, *pool;
    double accuracy, macro_f1, train_s, eval_s;
    long steps;
} RunSummary;

/* The concatenated texts of a TSV set, one per line, for training a vocabulary without a model. */
static char *tsv_all_text(const TsvData *d, size_t *len) {
    size_t n = 1;
    for (int i = 0; i < d->n; i++) n += strlen(d->text_a[i]) + 1 + (d->pairs ? strlen(d->text_b[i]) + 1 : 0);
    char *buf = xmalloc(n), *p = buf;
    for (int i = 0; i < d->n; i++) {
        p += sprintf(p, "%s\n", d->text_a[i]);
        if (d->pairs) p += sprintf(p, "%s\n", d->text_b[i]);
    }
    *len = (size_t)(p - buf);
    return buf;
}

int bert_cmd_finetune(int argc, char **argv) {
    cli_set_program("bert finetune");
    FtOptions o = ft_defaults();
    const char *train_path = NULL, *test_path = NULL, *model_dir = NULL, *out_dir = NULL, *init = NULL,
               *pool_s = "cls";
    long test_every = 5, test_limit = 0, train_limit = 0, max_len = 128, steps = 0, batch = o.batch, seed = (long)o.seed, threads = 0;
    long layers = 2, hidden = 128, heads = 2, inter = 512, vocab_size = 4000;
    double epochs = o.epochs, seconds = 0, lr = o.lr, scratch_lr = 3e-4, warmup = o.warmup, wd = o.weight_decay,
           dropout = 0.1, clip = o.clip;
    int from_scratch = 0, quiet = 0, cased = 0;
    const Opt opts[] = {
        {"--train", OPT_STR, &train_path, 0, 0},      {"--test", OPT_STR, &test_path, 0, 0},
        {"--test-every", OPT_LONG, &test_every, 2, 1000}, {"--test-limit", OPT_LONG, &test_limit, 0, 1e9},
        {"--train-limit", OPT_LONG, &train_limit, 0, 1e9}, {"--max-seq-len", OPT_LONG, &max_len, 4, 4096},
        {"--model", OPT_STR, &model_dir, 0, 0},       {"--init", OPT_STR, &init, 0, 0},
        {"--from-scratch", OPT_FLAG, &from_scratch, 0, 0}, {"--pool", OPT_STR, &pool_s, 0, 0},
        {"--layers", OPT_LONG, &layers, 1, 48},       {"--hidden", OPT_LONG, &hidden, 2, 4096},
        {"--heads", OPT_LONG, &heads, 1, 64},         {"--intermediate", OPT_LONG, &inter, 1, 16384},
        {"--vocab-size", OPT_LONG, &vocab_size, 10, 1000000}, {"--cased", OPT_FLAG, &cased, 0, 0},
        {"--epochs", OPT_DOUBLE, &epochs, 1e-3, 1000}, {"--steps", OPT_LONG, &steps, 0, 100000000},
        {"--seconds", OPT_DOUBLE, &seconds, 0, 1e7},  {"--batch", OPT_LONG, &batch, 1, 4096},
        {"--lr", OPT_DOUBLE, &lr, 1e-8, 1},           {"--scratch-lr", OPT_DOUBLE, &scratch_lr, 1e-8, 1},
        {"--warmup", OPT_DOUBLE, &warmup, 0, 0.99},   {"--weight-decay", OPT_DOUBLE, &wd, 0, 1},
        {"--dropout", OPT_DOUBLE, &dropout, 0, 0.9},  {"--clip", OPT_DOUBLE, &clip, 0, 1e6},
        {"--seed", OPT_LONG, &seed, 0, 1e15},         {"--threads", OPT_LONG, &threads, 0, 1024},
        {"--quiet", OPT_FLAG, &quiet, 0, 0},          {"--out", OPT_STR, &out_dir, 0, 0},
    };
    cli_parse(argc, argv, 1, opts, (int)(sizeof opts / sizeof *opts), usage_finetune);
    if (!train_path) cli_bad_usage("%s", "--train FILE is required");
    if (from_scratch && init && strcmp(init, "scratch")) cli_bad_usage("--from-scratch contradicts --init %s", init);
    if (from_scratch) init = "scratch";
    if (!init) init = model_dir || cli_shipped_model("bert") ? "pretrained" : "scratch";
    int do_pre = !strcmp(init, "pretrained") || !strcmp(init, "both");
    int do_scr = !strcmp(init, "scratch") || !strcmp(init, "both");
    if (!do_pre && !do_scr) cli_bad_usage("--init must be pretrained, scratch or both, not '%s'", init);
    if (do_pre) model_dir = cli_model_or_shipped(model_dir, "--model DIR", "bert", "needed by --init pretrained/both");
    int pools[3], npool = 0;
    if (!strcmp(pool_s, "all")) {
        pools[0] = POOL_CLS, pools[1] = POOL_MEAN, pools[2] = POOL_FIRST, npool = 3;
    } else { /* a comma-separated list, each at most once */
        char list[64];
        if (strlen(pool_s) >= sizeof list) cli_bad_usage("--pool '%s' is too long", pool_s);
        strcpy(list, pool_s);
        for (char *p = strtok(list, ","); p; p = strtok(NULL, ",")) {
            int k = bert_pool_parse(p);
            if (k < 0) cli_bad_usage("--pool must be cls, mean, first-token, a list of them or all, not '%s'", pool_s);
            for (int j = 0; j < npool; j++)
                if (pools[j] == k) cli_bad_usage("--pool names '%s' twice", p);
            pools[npool++] = k;
        }
        if (npool == 0) cli_bad_usage("--pool must be cls, mean, first-token, a list of them or all, not '%s'", pool_s);
    }
    if (!model_dir && hidden % heads) cli_bad_usage("%s", "--hidden must be a multiple of --heads");
    if (threads > 0) set_num_threads((int)threads);
    o.epochs = epochs, o.steps = steps, o.seconds = seconds, o.batch = (int)batch, o.warmup = warmup;
    o.weight_decay = wd, o.clip = clip, o.seed = (uint64_t)seed, o.verbose = !quiet;

    /* data */
    char err[ERR_LEN];
    TsvData train, test;
    if (tsv_read(train_path, &train, err)) die("%s", err);
    if (test_path) {
        if (tsv_read(test_path, &test, err)) die("%s", err);
        if (test.pairs != train.pairs)
            die("%s has %d columns but %s has %d", test_path, test.pairs ? 3 : 2, train_path, train.pairs ? 3 : 2);
    } else {
        TsvData all = train;
        tsv_split_every(&all, (int)test_every, &train, &test);
        tsv_free(&all);
        if (train.n == 0 || test.n == 0) die("%s: too few examples to hold out every %ld-th", train_path, test_every);
    }
    if (test_limit > 0) tsv_keep_first(&test, (int)test_limit);
    if (train_limit > 0) tsv_keep_first(&train, (int)train_limit);
    LabelSet labels;
    labelset_from(&labels, &train);
    if (labels.n < 2) die("%s: only one label ('%s'): nothing to classify", train_path, labels.names[0]);
    if (tsv_assign_labels(&train, &labels, train_path, err)) die("%s", err);
    if (tsv_assign_labels(&test, &labels, test_path ? test_path : train_path, err)) die("%s", err);

    /* the tokenizer and the shape the runs share */
    BertTokenizer tok;
    BertConfig cfg;
    if (model_dir) {
        /* extra tensors allowed: a fine-tuned directory has a classifier too (it is replaced) */
        Bert probe;
        SafeTensors st;
        if (bert_dir_open(model_dir, &probe, &tok, 1, 0, &st, err)) die("%s", err);
        st_free(&st);
        cfg = probe.cfg;
        bert_free(&probe);
    } else {
        size_t len;
        char *text = tsv_all_text(&train, &len);
        if (bert_tok_train(&tok, text, len, (int)vocab_size, !cased, err)) die("%s", err);
        free(text);
        cfg = bert_config_default();
        cfg.vocab_size = tok.n, cfg.hidden = (int)hidden, cfg.layers = (int)layers, cfg.heads = (int)heads;
        cfg.intermediate = (int)inter, cfg.max_pos = (int)max_len;
        if (bert_config_check(&cfg, err)) cli_bad_usage("%s", err);
    }
    int T = (int)max_len < cfg.max_pos ? (int)max_len : cfg.max_pos;
    BertExamples etrain, etest;
    bert_examples_encode(&etrain, &tok, &train, T);
    bert_examples_encode(&etest, &tok, &test, T);
    long ntok = 0;
    for (int i = 0; i < etrain.n; i++) ntok += etrain.len[i];
    fprintf(stderr, "data: %d training examples (%.1f tokens on average, %ld cut to %d), %d test examples, %d labels\n",
            etrain.n, (double)ntok / etrain.n, etrain.truncated, T, etest.n, labels.n);
    fprintf(stderr, "model: %d layers, hidden %d, %d heads, FFN %d, vocabulary %d, max length %d\n", cfg.layers,
            cfg.hidden, cfg.heads, cfg.intermediate, cfg.vocab_size, T);

    RunSummary runs[6] = {{0}};
    int nrun = 0;
    int *pred = xmalloc(sizeof(int) * (size_t)etest.n);
    for (int which = 0; which < 2; which++) {
        if ((which == 0 && !do_pre) || (which == 1 && !do_scr)) continue;
        for (int pi = 0; pi < npool; pi++) {
            Bert m;
            Rng rng;
            rng_seed(&rng, o.seed + 1000003u);
            if (which == 0) {
                BertTokenizer t2;
                SafeTensors st;
                if (bert_dir_open(model_dir, &m, &t2, (int)batch, T, &st, err)) die("%s", err);
                st_free(&st);
                bert_tok_free(&t2);
            } else {
                if (bert_init(&m, &cfg, (int)batch, T, err)) die("%s", err);
                bert_init_weights(&m, &rng);
            }
            BertClassifier c;
            bert_cls_init(&c, &m, labels.n, (BertPool)pools[pi], (float)dropout, &rng);
            o.lr = which == 0 ? lr : scratch_lr;
            const char *iname = which == 0 ? "pretrained" : "scratch";
            fprintf(stderr, "---- %s, pool %s: training\n", iname, bert_pool_name((BertPool)pools[pi]));
            FtReport r = bert_cls_train(&c, &etrain, &o);
            double eval_s = bert_cls_predict(&c, &etest, (int)batch, pred, NULL);
            ClsMetrics met;
            cls_metrics(&met, etest.label, pred, etest.n, labels.n);
            printf("%s, pool %s: %ld steps (%.2f epochs) in %.1f s, final training loss %.4f; test set in %.1f s\n", iname,
                   bert_pool_name((BertPool)pools[pi]), r.steps, (double)r.examples / etrain.n, r.seconds,
                   r.final_loss, eval_s);
            cls_metrics_print(stdout, &met, &labels);
            fflush(stdout);
            runs[nrun++] = (RunSummary){iname, bert_pool_name((BertPool)pools[pi]), met.accuracy, met.macro_f1, r.seconds,
                                        eval_s, r.steps};
            if (out_dir) {
                char path[4096];
                int several = (do_pre && do_scr) || npool > 1;
                if (several) snprintf(path, sizeof path, "%s/%s-%s", out_dir, iname, bert_pool_name((BertPool)pools[pi]));
                else snprintf(path, sizeof path, "%s", out_dir);
                if (bert_cls_save(&c, &labels, &tok, path, err)) die("%s", err);
                fprintf(stderr, "saved %s\n", path);
            }
            cls_metrics_free(&met);
            bert_cls_free(&c);
            bert_free(&m);
        }
    }
    if (nrun > 1) {
        printf("\n%-11s %-12s %9s %9s %7s %9s\n", "init", "pool", "accuracy", "macro-F1", "steps", "train s");
        for (int i = 0; i < nrun; i++)
            printf("%-11s %-12s %9.4f %9.4f %7ld %9.1f\n", runs[i].init, runs[i].pool, runs[i].accuracy, runs[i].macro_f1,
                   runs[i].steps, runs[i].train_s);
        for (int i = 0; i < nrun; i++)
            printf("%saccuracy_%s_%s=%.4f", i ? " " : "", runs[i].init, runs[i].pool, runs[i].accuracy);
        printf("\n");
    } else {
        printf("accuracy=%.4f\n", runs[0].accuracy);
    }
    free(pred);
    bert_examples_free(&etrain), bert_examples_free(&etest);
    bert_tok_free(&tok);
    labelset_free(&labels);
    tsv_free(&train), tsv_free(&test);
    return 0;
}

/* ---- predict ------------------------------------------------------------------------------------------ */

static void usage_predict(FILE *f) {
    fprintf(f, "usage: bert predict --model DIR (--text TEXT [--text-b TEXT] | --file FILE) [options]\n"
               "Classify text with a model written by 'bert finetune' (or transformers'\n"
               "BertForSequenceClassification): prints the label and its probability.\n"
               "  --model DIR         the fine-tuned model directory (required)\n"
               "  --text TEXT         one text; prints 'LABEL PROBABILITY'\n"
               "  --text-b TEXT       the second sentence of a sentence-pair task\n"
               "  --file FILE         one text per line (or text_a<TAB>text_b); prints LABEL<TAB>PROBABILITY<TAB>line\n"
               "  --all               print every label's probability (--text only)\n"
               "  --max-seq-len N     tokens per text, [CLS] and [SEP] included   [128]\n"
               "  --batch B           texts per forward pass (--file)   [32]\n"
               "  --threads N         OpenMP threads   [OMP_NUM_THREADS, else all cores]\n");
}

int bert_cmd_predict(int argc, char **argv) {
    cli_set_program("bert predict");
    const char *model_dir = NULL, *text = NULL, *text_b = NULL, *file = NULL;
    long max_len = 128, batch = 32, threads = 0;
    int all = 0;
    const Opt opts[] = {
        {"--model", OPT_STR, &model_dir, 0, 0},   {"--text", OPT_STR, &text, 0, 0},
        {"--text-b", OPT_STR, &text_b, 0, 0},     {"--file", OPT_STR, &file, 0, 0},
        {"--all", OPT_FLAG, &all, 0, 0},          {"--max-seq-len", OPT_LONG, &max_len, 4, 4096},
        {"--batch", OPT_LONG, &batch, 1, 4096},   {"--threads", OPT_LONG, &threads, 0, 1024},
    };
    cli_parse(argc, argv, 1, opts, (int)(sizeof opts / sizeof *opts), usage_predict);
    if (!model_dir) cli_bad_usage("%s", "--model DIR is required");
    if (!text == !file) cli_bad_usage("%s", "give exactly one of --text and --file");
    if (text_b && !text) cli_bad_usage("%s", "--text-b goes with --text");
    if (threads > 0) set_num_threads((int)threads);
    char err[ERR_LEN];
    /* the texts, as an unlabelled TsvData */
    TsvData d = {0};
    char *buf = NULL;
    if (text) {
        size_t bad;
        if (utf8_validate(text, strlen(text), &bad, NULL) || (text_b && utf8_validate(text_b, strlen(text_b), &bad, NULL)))
            die("the text is not valid UTF-8");
        d.n = 1, d.pairs = text_b != NULL;
        d.text_a = xmalloc(sizeof(char *)), d.text_a[0] = xstrdup(text);
        if (d.pairs) d.text_b = xmalloc(sizeof(char *)), d.text_b[0] = xstrdup(text_b);
    } else {
        size_t len;
        buf = corpus_read(file, &len, err);
        if (!buf) die("%s", err);
        int cap = 0;
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
            if (!*line) continue;
            char *tab = strchr(line, '\t');
            if (d.n == 0) d.pairs = tab != NULL;
            if (d.n == cap) {
                cap = cap ? 2 * cap : 256;
                d.text_a = xrealloc(d.text_a, sizeof(char *) * (size_t)cap);
                d.text_b = xrealloc(d.text_b, sizeof(char *) * (size_t)cap);
            }
            if (tab && d.pairs) *tab = 0, d.text_b[d.n] = xstrdup(tab + 1);
            else d.text_b[d.n] = xstrdup("");
            d.text_a[d.n++] = xstrdup(line);
        }
        if (!d.pairs) {
            for (int i = 0; i < d.n; i++) free(d.text_b[i]);
            free(d.text_b), d.text_b = NULL;
        }
        if (d.n == 0) die("%s: no texts", file);
    }
    Bert m;
    BertClassifier c;
    LabelSet labels;
    BertTokenizer tok;
    if (bert_cls_load(model_dir, &m, &c, &labels, &tok, (int)batch, (int)max_len, err)) die("%s", err);
    BertExamples e;
    int T = (int)max_len < m.cfg.max_pos ? (int)max_len : m.cfg.max_pos;
    bert_examples_encode(&e, &tok, &d, T);
    int *pred = xmalloc(sizeof(int) * (size_t)d.n);
    float *prob = xmalloc(sizeof(float) * (size_t)d.n);
    bert_cls_predict(&c, &e, (int)batch, pred, prob);
    if (text) {
        printf("%s %.4f\n", labels.names[pred[0]], prob[0]);
        if (all)
            for (int k = 0; k < c.k; k++) printf("  %s %.4f\n", labels.names[k], c.probs[k]);
    } else {
        for (int i = 0; i < d.n; i++) {
            printf("%s\t%.4f\t%s", labels.names[pred[i]], prob[i], d.text_a[i]);
            if (d.pairs) printf("\t%s", d.text_b[i]);
            printf("\n");
        }
    }
    free(pred), free(prob), free(buf);
    bert_examples_free(&e);
    for (int i = 0; i < d.n; i++) free(d.text_a[i]), free(d.text_b ? d.text_b[i] : NULL);
    free(d.text_a), free(d.text_b);
    bert_cls_free(&c), bert_free(&m), bert_tok_free(&tok), labelset_free(&labels);
    return 0;
}
