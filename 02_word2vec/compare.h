/* compare.h - chapter 02: several sets of word vectors judged side by side by the same tools
 * (GloVe beside word2vec; see compare.c). */
#ifndef W2V_COMPARE_H
#define W2V_COMPARE_H

#include "vectors.h"

/* One column per vector set (names[k] heads column k): word similarity (Spearman) on each file of
 * pairs_files, analogy accuracy on each file of question_files, then the 5 nearest neighbours of
 * each probe word. Files are paths as the eval functions take them. Returns 0, or -1 with err set
 * (an unreadable evaluation file). */
int wv_compare_print(const WordVectors *const *wv, const char *const *names, int nv, const char *const *pairs_files,
                     int npairs, const char *const *question_files, int nquestions, const char *const *probes,
                     int nprobes, char *err);

#endif
