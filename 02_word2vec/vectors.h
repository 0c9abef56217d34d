/* vectors.h - chapter 02: trained word vectors as a file and as a tool: the original word2vec
 * formats, nearest neighbours, analogies, and the two standard evaluations (see vectors.c).
 * Chapter 07 may link this to compare static vectors with contextual ones. */
#ifndef W2V_VECTORS_H
#define W2V_VECTORS_H

#include <stdio.h>

#include "vocab.h"

typedef enum { WV_BIN, WV_TXT } WvFormat;

typedef struct {
    int n, dim;
    char **words; /* words[i], NUL-terminated UTF-8, in file order (word2vec: most frequent first) */
    float *vec;   /* (n, dim) the vectors as stored */
    float *unit;  /* (n, dim) the same scaled to unit length (all-zero rows stay zero): cosine = dot */
    Vocab *index; /* word -> row */
} WordVectors;

/* An empty table of n x dim to fill: wv_set(wv, i, word, v) for every i, then wv_finish. */
WordVectors *wv_new(int n, int dim);
/* Row i: a copy of word and of v (dim floats). Returns -1 with err set if the word is empty,
 * holds white space (the formats separate fields with it), or is already in the table. */
int wv_set(WordVectors *wv, int i, const char *word, const float *v, char *err);
/* Compute the unit vectors once all rows are set. */
void wv_finish(WordVectors *wv);
void wv_free(WordVectors *wv);
/* A finished table from n words and rows of a weight matrix (row i at rows + i*stride, the first
 * dim floats used): how a trained model becomes WordVectors. Dies on a word wv_set refuses. */
WordVectors *wv_from_rows(char *const *words, const float *rows, int n, int dim, int stride);

/* The word2vec formats (word2vec.c's -binary 1 / -binary 0, what gensim's
 * KeyedVectors.load_word2vec_format reads):
 *   both start with the line "N DIM\n";
 *   bin: then per word: the word, one space, DIM float32 little-endian (4*DIM raw bytes), '\n';
 *   txt: then per word a line: the word and DIM numbers, separated by single spaces.
 * txt writes each float with 9 significant digits, enough to read back the same bits. Written to a
 * temporary file and renamed. Returns 0 or -1 with err set. */
int wv_save(const WordVectors *wv, const char *path, WvFormat fmt, char *err);
/* Read either format, detected from the first entry (what follows its word is printable text, or
 * raw bytes). Rejects, with the path and the entry or line: a missing, unreadable or empty
 * file; a bad header; a word that is empty, too long (over 1000 bytes) or not valid UTF-8; a
 * duplicate word; a text line without exactly DIM numbers; a number that does not parse or is not
 * finite; a truncated file; data after the last entry. Returns NULL then. fmt may be NULL. */
WordVectors *wv_load(const char *path, WvFormat *fmt, char *err);
/* The same for a file already in memory, buf[0..len), called name in the messages: wv_load is this
 * after reading the file. */
WordVectors *wv_parse(const char *buf, size_t len, const char *name, WvFormat *fmt, char *err);

/* Row of word, or -1. An exact match first; then the word lower-cased (ASCII and the tokenizer's
 * case folding), so "Athens" in an evaluation file finds "athens". */
int wv_find(const WordVectors *wv, const char *word);

/* The k rows among the first `limit` (limit <= 0: all) with the highest cosine to query (dim),
 * skipping the rows in exclude[0..nexclude). Writes rows into idx and cosines into cos, best
 * first; returns how many (<= k). */
int wv_nearest(const WordVectors *wv, const float *query, int limit, int k, const int *exclude,
               int nexclude, int *idx, float *cos);

/* a : b = c : ?  by 3CosAdd (Mikolov et al. 2013): the row maximising cos(x, b) - cos(x, a) +
 * cos(x, c), i.e. the nearest to unit(b) - unit(a) + unit(c), never one of a, b, c. Rows a, b, c
 * are row indices. Same return as wv_nearest. */
int wv_analogy(const WordVectors *wv, int a, int b, int c, int limit, int k, int *idx, float *score);

/* Evaluation on a questions-words file (": section" lines, then "a b c d" lines meaning
 * a : b = c : d). A question counts when its four words are among the first `limit` rows
 * (limit <= 0: all); it is right when 3CosAdd's top answer among those rows is d. */
typedef struct {
    char name[96];
    int correct, covered, total;
} AnalogySection;
typedef struct {
    AnalogySection *sections;
    int nsections;
    int correct, covered, total;
} AnalogyReport;
/* Returns 0, or -1 with err set for an unreadable file or a line that is neither a section nor
 * four words (path:line in the message). */
int wv_eval_analogies(const WordVectors *wv, const char *path, int limit, AnalogyReport *rep, char *err);
void analogy_report_free(AnalogyReport *rep);
/* One line per section, "NAME: accuracy=0.5000 correct=3 covered=6/12", then
 * "accuracy=X covered=N/M" (accuracy over the covered questions; 0 when none is covered). */
void analogy_report_print(FILE *f, const AnalogyReport *rep);

/* Word similarity: a file of "w1 w2 score" lines (tabs or spaces; '#' comment lines and blank
 * lines skipped). Spearman's rank correlation between the scores and the cosines, over the pairs
 * whose two words are in the table (NAN when fewer than 2 are). */
typedef struct {
    double spearman;
    int covered, total;
} SimilarityReport;
int wv_eval_similarity(const WordVectors *wv, const char *path, SimilarityReport *rep, char *err);

#endif
