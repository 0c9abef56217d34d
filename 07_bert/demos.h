/* demos.h - chapter 07's demonstrations, each a subcommand of bin/bert and a step of its demo:
 * the input embeddings of one pair (C22), masked-word filling (C23), NSP on held-out pairs (C24),
 * contextual vectors against word2vec's one vector per word (C26), step time against sequence
 * length and memory against batch size (C27), and "it" under a causal and a bidirectional mask
 * (C29). main.c only parses options and calls these. */
#ifndef BERT_DEMOS_H
#define BERT_DEMOS_H

#include "07_bert/model.h"
#include "07_bert/tokenizer.h"

/* [CLS] a [SEP] (b [SEP]) as ids and segments, truncated longest-first to max_len. ids/segs must
 * hold max_len; words (may be NULL) receives each token's word index (-1 for [CLS]/[SEP]).
 * Returns the length. */
int bert_encode_pair(const BertTokenizer *t, const char *a, const char *b, int max_len, int *ids, int *segs,
                     int *words);

/* C22: print the tokens, segment ids, positions and the first dims of token + segment + position
 * = input (and after the layer norm), with the shapes. Returns 0. */
int demo_inputs(Bert *m, const BertTokenizer *t, const char *a, const char *b, int dims);

/* C23: top-k fillers of every [MASK] in text, with probabilities; the sentence with the best one.
 * Returns 0, or -1 with err set (no [MASK], no MLM head). */
int demo_fill_mask(Bert *m, const BertTokenizer *t, const char *text, int top_k, char *err);

/* The contextual vector of the occurrence of word (basic-tokenized, e.g. "bank") in text: the mean
 * of its pieces' last-layer vectors into v (C). occurrence: which one (0 = first). Returns 0, or -1
 * when the text does not hold the word. */
int bert_word_vector(Bert *m, const BertTokenizer *t, const char *text, const char *word, int occurrence,
                     float *v);

/* C26: cosine of word's vectors in sentences a and b (and word2vec's, from vectors_path when not
 * NULL); then, when corpus is given, the vectors of plot_word in up to max_sentences corpus lines,
 * labelled by sense (a line whose lower-cased text contains one of the '|'-separated patterns of
 * sense_a gets label_a, else label_b), their PCA map in out/<name>.png and how well the senses
 * separate. Returns 0, or -1 with err set. */
typedef struct {
    const char *word, *a, *b, *vectors_path;
    const char *corpus, *plot_word, *sense_a, *label_a, *label_b, *name;
    int max_sentences;
} SensesOpts;
int demo_senses(Bert *m, const BertTokenizer *t, const SensesOpts *o, char *err);

/* C29: word's vector in sentences a and b, with BERT's bidirectional attention and with the same
 * weights under a causal mask (each position sees only itself and the positions before it).
 * Returns 0, or -1 with err set. */
int demo_causal(Bert *m, const BertTokenizer *t, const char *word, const char *a, const char *b, char *err);

/* C30: the same phrase alone and after a prefix ("北京到上海的机票" / "你好，我要北京到上海的机票"),
 * each time with only the phrase and the closing [SEP] visible to attention ([CLS] and the prefix
 * masked out), so that the phrase's vectors can differ only through positions: with absolute
 * position embeddings every layer's vectors change with the shift; with relative positions
 * (attention sees only distances) they stay the same. Prints, per layer, the phrase tokens' mean
 * cosine and largest difference between the two placements. Returns 0, or -1 with err set. */
int demo_shift(Bert *m, const BertTokenizer *t, const char *phrase, const char *prefix, char *err);

/* C27: median time of a training step (forward, backward, AdamW) against max_seq_len at a fixed
 * batch, and peak memory against batch size at a fixed length; each configuration runs in a child
 * process of its own, so that its peak memory is its own. Plots out/<name>_time.png and
 * out/<name>_memory.png. Returns 0, or -1 with err set. */
typedef struct {
    int layers, hidden, heads, intermediate, vocab;
    int batch_for_lengths, len_for_batches;
    const int *lengths, *batches;
    int nlengths, nbatches;
    int steps, threads;
    const char *name;
    const char *self; /* this program (argv[0]), run as 'SELF timing-one ...' per configuration */
} TimingOpts;
/* One configuration, in this process: a random model and batch, one warm-up step, then the median
 * of steps steps into *ms. Returns 0 or -1 with err set. */
int bert_time_step(int layers, int hidden, int heads, int inter, int vocab, int B, int T, int steps, int threads,
                   double *ms, char *err);
int demo_timing(const TimingOpts *o, char *err);

#endif
