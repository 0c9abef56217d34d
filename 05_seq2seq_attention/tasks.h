/* tasks.h - the two sequence-to-sequence tasks of chapter 05, as pairs of id sequences: real
 * translation (the embedded Tatoeba English-Chinese pairs) and a synthetic task whose input length
 * the program controls.
 *
 * What it teaches: a seq2seq model sees nothing but pairs (source ids, target ids) of different
 * lengths (C13), so the whole task fits in one small interface, and any model that trains on it can
 * be compared on the same numbers. Chapter 06 trains its transformer on these very tasks for C20
 * (it links this chapter's library; this file and bleu.h need nothing but common/):
 *
 *     Task t;  char err[ERR_LEN];
 *     TatoebaOptions o = tatoeba_defaults();
 *     if (task_load_tatoeba(&t, "data/parallel/tatoeba-cmn-eng.tsv", &o, err)) die("%s", err);
 *     for (int i = 0; i < t.train.n; i++) {                      // any model's pair type
 *         const TaskExample *e = &t.train.ex[i];                 // e->src[0..src_len), e->tgt[...]
 *         pairs[i] = (Pair){e->src, e->tgt, e->src_len, e->tgt_len};
 *     }
 *     ... train, decode ids, then score with task_bleu_add (multi-reference corpus BLEU) ...
 *     task_free(&t);
 *
 * The two tasks:
 *  1. Tatoeba (data/parallel/tatoeba-cmn-eng.tsv, lines "english<TAB>chinese<TAB>attribution",
 *     CC-BY 2.0 FR; the attribution is kept with every pair and printed with the examples).
 *     English is split into lower-cased words and punctuation (common/tokenize.h, TOK_WORDS),
 *     Chinese into characters (TOK_CHARS: every CJK character and punctuation mark a token, a run of
 *     Latin letters or digits one token). English -> Chinese by default, the reverse with a flag.
 *     The split is fixed and seeded, and made by SOURCE SENTENCE: Tatoeba often has several
 *     translations of one sentence (Hi. -> 嗨。 / 你好。), and they all go to the same split, so no
 *     test sentence was seen in training, and the test set has several references where Tatoeba
 *     does (used by BLEU). Whether a sentence is in the test split depends only on its text and
 *     the seed, not on the order of the file.
 *  2. Synthetic: strings of random letters and their reversal (or copy, or sorted order). Any
 *     length can be asked for, every answer is known exactly, and the test split has the same
 *     number of strings of every length, so exact-match accuracy can be plotted against input
 *     length (C14): the fixed-context bottleneck shows as a falling curve.
 *
 * Ids: both vocabularies start with the same four specials, so any model can hard-code them.
 */
#ifndef S2S_TASKS_H
#define S2S_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "bleu.h"
#include "tokenize.h"
#include "vocab.h"

#define TASK_PAD 0 /* padding (never inside a pair) */
#define TASK_BOS 1 /* what a decoder reads before the first target token */
#define TASK_EOS 2 /* what it must produce after the last */
#define TASK_UNK 3 /* a token the training split did not have often enough */
#define TASK_NSPECIAL 4
extern const char *const TASK_SPECIALS[TASK_NSPECIAL]; /* "<pad>" "<bos>" "<eos>" "<unk>" */

/* One pair. The ids belong to the Task. */
typedef struct {
    const int *src, *tgt;  /* no BOS or EOS inside */
    int src_len, tgt_len;
    int source_id;         /* pairs with the same source sentence share it (their targets are all
                              references of that sentence); within a split they are contiguous */
    int line;              /* Tatoeba: the line of the file (1-based); synthetic: 0 */
    const char *src_text, *tgt_text, *attribution; /* Tatoeba: the raw fields; synthetic: NULL */
} TaskExample;

typedef struct {
    TaskExample *ex;
    int n;
} TaskSplit;

typedef enum { TASK_TATOEBA, TASK_REVERSE, TASK_COPY, TASK_SORT } TaskKind;
/* How a side's tokens are joined back into text: English words with spaces (none before
 * punctuation); Chinese characters directly (a space only between two Latin words or numbers);
 * synthetic letters directly. */
typedef enum { JOIN_WORDS, JOIN_ZH, JOIN_NONE } TaskJoin;

typedef struct {
    TaskKind kind;
    char name[64];              /* "tatoeba en->zh", "reverse 20 letters" ... */
    Vocab *src_vocab, *tgt_vocab;
    TokMode src_mode, tgt_mode; /* how text of each side becomes tokens (for typed input and BLEU) */
    TaskJoin src_join, tgt_join;
    TaskSplit train, dev, test;
    int max_src_len, max_tgt_len; /* over all three splits */
    int dropped_long;           /* Tatoeba: pairs left out for a side longer than max_len */
    int lines;                  /* Tatoeba: pairs read */
    int test_in_train;          /* synthetic: test strings that were also drawn for training */
    /* storage */
    int *ids;
    char *text;
    TaskExample *all;
} Task;

/* ---- task 1: Tatoeba ------------------------------------------------------------------------- */
typedef struct {
    int reverse;       /* 0: English -> Chinese; 1: Chinese -> English */
    int max_len;       /* pairs with either side longer than this many tokens are left out */
    double dev_frac, test_frac; /* shares of the source sentences in the dev and test splits */
    int min_count;     /* tokens seen fewer times in the training split become <unk> */
    uint64_t seed;     /* of the split */
} TatoebaOptions;
TatoebaOptions tatoeba_defaults(void); /* en->zh, max_len 30, dev 0.05, test 0.05, min_count 2, seed 1 */

/* Read the TSV at path. Returns 0, or -1 with err naming the file and line for: a missing,
 * empty, binary or non-UTF-8 file (common/corpus.h), a line without exactly three tab-separated
 * fields, an empty field, a sentence with no tokens, or no pairs left after the length filter. */
int task_load_tatoeba(Task *t, const char *path, const TatoebaOptions *o, char *err);
/* The same for a file already in memory, data[0..size) (copied: t does not point into it), called
 * name in the messages: task_load_tatoeba is this after reading the file. */
int task_parse_tatoeba(Task *t, const char *data, size_t size, const char *name, const TatoebaOptions *o, char *err);

/* ---- task 2: synthetic ----------------------------------------------------------------------- */
typedef struct {
    TaskKind kind;        /* TASK_REVERSE (default), TASK_COPY or TASK_SORT */
    int symbols;          /* letters a, b, c ... (2-26) */
    int min_len, max_len; /* source lengths: uniform over [min_len, max_len] in train and dev */
    int n_train, n_dev;
    int n_test_per_len;   /* the test split has this many strings of EVERY length in the range */
    uint64_t seed;
} SynthOptions;
SynthOptions synth_defaults(void); /* reverse, 20 letters, lengths 2-30, 60000/500/100, seed 1 */

/* Make the pairs. Returns 0, or -1 with err for options out of range. Strings are drawn
 * independently, so a test string may also be drawn for training; with 20 letters and lengths
 * above 4 that is rare (the program reports how many). */
int task_make_synthetic(Task *t, const SynthOptions *o, char *err);
/* "reverse", "copy", "sort" -> kind; 0 or -1. */
int synth_parse_kind(const char *s, TaskKind *k);
const char *task_kind_name(TaskKind k);

void task_free(Task *t);

/* ---- text <-> ids ---------------------------------------------------------------------------- */
/* The ids of text on the source side (unknown tokens -> TASK_UNK), at most cap of them. Returns the
 * count (which may exceed cap: then the text is too long). */
int task_encode_source(const Task *t, const char *text, int *ids, int cap);
/* ids (of the target side when target != 0, else the source side) as text: Chinese tokens joined
 * directly, other tokens with one space between them (none before punctuation), specials as
 * "<unk>"... Writes at most cap bytes (NUL included) and returns buf. */
const char *task_ids_text(const Task *t, int target, const int *ids, int n, char *buf, size_t cap);
/* The token string of one target id (or source id when target == 0). */
const char *task_token(const Task *t, int target, int id);

/* ---- scoring --------------------------------------------------------------------------------- */
/* Index one past the last example of the group (same source_id) that starts at i. */
int task_group_end(const TaskSplit *s, int i);
/* The reference tokens of one example: the raw target text tokenized (Tatoeba; so a reference
 * keeps the characters the vocabulary calls <unk>), or the target ids' strings (synthetic). */
void task_reference_tokens(const Task *t, const TaskExample *e, TokenList *out);
/* Add one hypothesis (target ids, no EOS) for the group of s that starts at example i to the BLEU
 * counts, with every target of the group as a reference. */
void task_bleu_add(BleuStats *b, const Task *t, const TaskSplit *s, int i, const int *hyp, int nh);

#endif
