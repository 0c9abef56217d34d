/* vocab.h - a vocabulary: words <-> integer ids, with counts, built from tokenized text.
 *
 * What it teaches: every model in this project works on ids, not strings. The vocabulary counts
 * the tokens of a corpus, drops the rare ones (min_count: a word seen twice cannot get a useful
 * vector), orders the rest by frequency (so id 0 is the most frequent word: the negative-sampling
 * table, the softmax tree and a quick look at the file all rely on it) and puts the special tokens
 * ([PAD], [UNK], [CLS]...) first at fixed ids. Lookup is an open-addressing hash table with linear
 * probing and the FNV-1a hash, grown to twice its size before it passes 70% full, so a lookup
 * costs one hash and, on average, one or two probes.
 *
 * What it leaves out: sub-word units (chapter 7), deletion of single words (vocab_finalize
 * rebuilds instead), thread safety (build it in one thread; finding is read-only and may be shared).
 *
 * File format (vocab_save / vocab_load): UTF-8 text, one "word count" line per id in id order,
 * after a header line "#nlpc-vocab v1 N" (N = number of words, so a truncated file is caught).
 * The loader also takes headerless files (word2vec's -save-vocab output).
 */
#ifndef COMMON_VOCAB_H
#define COMMON_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"

typedef struct {
    char **words;     /* words[id]: NUL-terminated UTF-8 */
    int64_t *counts;  /* counts[id] */
    uint32_t *lens;   /* byte length of words[id] */
    uint64_t *hashes; /* FNV-1a of words[id], kept so growing never re-hashes the strings */
    int n, cap;       /* words in use, allocated */
    int32_t *table;   /* table_size slots, each an id or -1 (empty) */
    size_t table_size; /* a power of two; n <= 0.7 * table_size */
} Vocab;

Vocab *vocab_new(void);
void vocab_free(Vocab *v);

/* Insert w[0..len) with the given count (>= 0), or add count to it if present. Returns its id.
 * w need not be NUL-terminated. Dies on a negative count (a programming error). */
int vocab_add(Vocab *v, const char *w, size_t len, int64_t count);
/* Id of w[0..len), or -1. */
int vocab_find(const Vocab *v, const char *w, size_t len);
/* Same for a NUL-terminated word. */
int vocab_find_str(const Vocab *v, const char *w);

/* Reorder for training: specials[0..nspecial) take ids 0..nspecial-1 (with their counts if they
 * were counted, else 0; kept whatever their count), then every other word with count >= min_count
 * by count descending, ties broken by the bytes of the word (shorter first on a common prefix),
 * so the result never depends on insertion order. Dropped words are freed. Returns the new size.
 * Dies if a special token is listed twice. */
int vocab_finalize(Vocab *v, int64_t min_count, const char *const *specials, int nspecial);

/* Sum of all counts. */
int64_t vocab_total(const Vocab *v);

/* Count the tokens of text[0..len) (see tokenize.h) into a new vocabulary, in order of first
 * appearance; call vocab_finalize next. */
Vocab *vocab_from_text(const char *text, size_t len, TokMode mode);

/* Write the vocabulary atomically (temporary file, then rename). Returns 0, or -1 with err set:
 * a word that is empty or holds a space, tab, CR or LF cannot be written as "word count". */
int vocab_save(const Vocab *v, const char *path, char *err);
/* Read a file written by vocab_save (ids in file order). Returns NULL with err naming the file and
 * line for: a missing or unreadable file, a bad header, invalid UTF-8 or a NUL byte, a line that
 * is not exactly "word count", a count that is not a non-negative integer, a duplicate word (and
 * the line it first appeared on), or fewer/more words than the header says. */
Vocab *vocab_load(const char *path, char *err);
/* The same for a file already in memory, buf[0..len), called name in the messages: vocab_load is
 * this after reading the file. */
Vocab *vocab_parse(const char *buf, size_t len, const char *name, char *err);

#endif
