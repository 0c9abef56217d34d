/* finetune_data.h - the labelled data of fine-tuning (claim C25): TSV files of examples, the label
 * set, the train/test split, and the scores (accuracy, per-class precision, recall and F1).
 *
 * What it teaches: a fine-tuning set is nothing more than (label, text) pairs, or (label, text_a,
 * text_b) for tasks on sentence pairs (BERT's input has two segments for that). The labels are
 * strings in the file; the model only sees ids, so the label set is fixed once, from the training
 * file, sorted by name (the same file always gives the same ids, whatever the order of its lines),
 * and saved with the model so `predict` prints names again. Accuracy alone hides a skewed set: on
 * SMS spam (87% ham) a model that always says "ham" scores 0.87, which is why every class gets its
 * precision, recall and F1.
 *
 * Format: UTF-8 text, one example per line, `label<TAB>text` or `label<TAB>text_a<TAB>text_b`
 * (every line of a file the same), no header line. Blank lines are skipped; CRLF line ends and a
 * byte-order mark are accepted (common/corpus.h reads the file). Everything else that is wrong
 * (too few or too many fields, an empty label or text, invalid UTF-8, an empty file) is refused
 * with the file name and the line number.
 *
 * Leaves out: regression targets (STS-B), multi-label examples, quoting (a TAB cannot appear
 * inside a field).
 */
#ifndef BERT_FINETUNE_DATA_H
#define BERT_FINETUNE_DATA_H

#include <stddef.h>
#include <stdio.h>

/* ---- the examples of one TSV file ---------------------------------------------------------------- */
typedef struct {
    int n;              /* examples */
    int pairs;          /* 1 when the file has three columns (text_b present) */
    char **label_name;  /* n: the label column as written */
    char **text_a;      /* n */
    char **text_b;      /* n when pairs, else NULL */
    int *line;          /* n: the 1-based line each example came from (for messages) */
    int *label;         /* n: ids into a LabelSet after tsv_assign_labels; -1 before */
} TsvData;

/* Parse buf[0..len) (valid UTF-8 with '\n' line ends, as corpus_read returns it); name is used in
 * messages ("train.tsv:12: ..."). Returns 0, or -1 with err set and d empty. */
int tsv_parse(const char *buf, size_t len, const char *name, TsvData *d, char *err);
/* Read and parse a file (missing, empty, binary, invalid UTF-8 are all refused with a message). */
int tsv_read(const char *path, TsvData *d, char *err);
void tsv_free(TsvData *d);

/* Split deterministically: example i (0-based) goes to test when i % every == every - 1, else to
 * train; every = 5 holds out the 5th, 10th, ... line (20%), what `awk 'NR % 5 == 0'` selects, so
 * another program (fastText) can be given exactly the same split. The copies own their strings. */
void tsv_split_every(const TsvData *all, int every, TsvData *train, TsvData *test);

/* Keep the first n examples (all of them when n >= d->n). */
void tsv_keep_first(TsvData *d, int n);

/* ---- labels ------------------------------------------------------------------------------------------ */
typedef struct {
    int n;
    char **names; /* sorted by their bytes (strcmp) */
} LabelSet;

/* The distinct labels of d, sorted. */
void labelset_from(LabelSet *ls, const TsvData *d);
/* Take ownership-free copies of names[0..n) (already in id order, e.g. read from a saved model). */
void labelset_from_names(LabelSet *ls, char *const *names, int n);
void labelset_free(LabelSet *ls);
/* Id of name, or -1. */
int labelset_find(const LabelSet *ls, const char *name);
/* Fill d->label from d->label_name. A label the set does not have is an error naming the file, the
 * line and the known labels ("test.tsv:7: label 'spma' is not one of the training labels: ham, spam").
 */
int tsv_assign_labels(TsvData *d, const LabelSet *ls, const char *name, char *err);

/* ---- scores -------------------------------------------------------------------------------------------- */
typedef struct {
    int k;             /* classes */
    long n;            /* examples scored */
    long *confusion;   /* (k,k): confusion[gold * k + pred] */
    double accuracy;
    double *precision; /* k: tp / (tp + fp); 0 when the class was never predicted */
    double *recall;    /* k: tp / (tp + fn); 0 when the class never occurs */
    double *f1;        /* k: 2 p r / (p + r); 0 when p + r = 0 */
    long *support;     /* k: how many gold examples of each class */
    double macro_f1;   /* the unweighted mean of f1 over the k classes */
} ClsMetrics;

/* Score predictions pred[0..n) against gold[0..n), both ids in [0, k). */
void cls_metrics(ClsMetrics *m, const int *gold, const int *pred, long n, int k);
void cls_metrics_free(ClsMetrics *m);
/* The table: one line per class (name, precision, recall, F1, support), then accuracy and macro F1. */
void cls_metrics_print(FILE *f, const ClsMetrics *m, const LabelSet *ls);

#endif
