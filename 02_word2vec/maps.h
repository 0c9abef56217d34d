/* maps.h - chapter 02: 2-D pictures of an embedding space (PCA with analogy arrows, t-SNE). */
#ifndef W2V_MAPS_H
#define W2V_MAPS_H

#include "vectors.h"

typedef enum { MAP_PCA, MAP_TSNE } MapMethod;

/* Plot the words at rows[0..n) of wv in 2-D, each labelled (on a t-SNE map, where the label fits). arrows: narrows pairs of rows
 * (from, to) drawn as arrows (the offsets of C3); their rows must be among rows[]. PCA is computed
 * on exactly these words; t-SNE on their unit vectors (cosine geometry). name/title as plot.h
 * takes them. Prints the share of variance the two PCA axes keep. Returns plot_scatter's code
 * (0 PNG, 1 terminal, -1 error) or -1 for bad input (fewer than 3 words for t-SNE, 2 for PCA). */
int map_words(const WordVectors *wv, const int *rows, int n, const int (*arrows)[2], int narrows,
              MapMethod method, const char *name, const char *title);

/* The same with groups: group[i] (an index into group_names, -1 for none) colours word i, and the
 * legend names the groups. group may be NULL. Writes <name>.png and the page <name>.html. */
int map_word_groups(const WordVectors *wv, const int *rows, int n, const int *group, const char *const *group_names,
                    int ngroups, const int (*arrows)[2], int narrows, MapMethod method, const char *name,
                    const char *title);

/* cos(b - a, d - c): how parallel two offsets are (C3: king - queen against man - woman). */
double offset_cosine(const WordVectors *wv, int a, int b, int c, int d);

#endif
