/* bleu.h - corpus BLEU (Papineni et al. 2002), the score machine translation is reported in.
 *
 * The exact definition used here (the same as nltk's corpus_bleu with its default weights and no
 * smoothing, and sacrebleu's with tokenization already done; tests/make_fixtures_seq2seq.py checks
 * both against these functions):
 *   For n = 1..4, over the whole corpus:
 *     p_n = sum over sentences of the CLIPPED n-gram matches / sum of the hypothesis n-grams,
 *     where an n-gram of the hypothesis counts at most as many times as it occurs in the one
 *     reference that has it most often (so "the the the" is not rewarded for repeating "the").
 *   c = total hypothesis length; r = sum over sentences of the reference length closest to that
 *   hypothesis's length (the shorter one on a tie).
 *   BP = 1 if c > r, else exp(1 - r / c)   (the brevity penalty: short output cannot game p_n)
 *   BLEU = 100 * BP * exp((log p_1 + log p_2 + log p_3 + log p_4) / 4)
 *   and 0 if any p_n is 0 (no smoothing) or c is 0.
 * Tokens are whatever the caller passes: chapter 05 uses characters for Chinese (every CJK
 * character and punctuation mark one token) and lower-cased words and punctuation for English.
 * Note that corpus BLEU is not the mean of sentence BLEUs: the counts are summed first.
 */
#ifndef S2S_BLEU_H
#define S2S_BLEU_H

#define BLEU_N 4

typedef struct {
    double match[BLEU_N], total[BLEU_N]; /* clipped matches and hypothesis n-grams, per order */
    double hyp_len, ref_len;             /* c and r above */
    int sentences;
} BleuStats;

void bleu_init(BleuStats *s);
/* into += b: the counts of two sets of sentences (BLEU of a whole length bucket from its lengths). */
void bleu_merge(BleuStats *into, const BleuStats *b);
/* Add one sentence: hyp[0..nh) tokens, nrefs references refs[k][0..ref_lens[k]) (nrefs >= 1).
 * Tokens are compared as NUL-terminated strings. */
void bleu_add(BleuStats *s, const char *const *hyp, int nh, const char *const *const *refs, const int *ref_lens,
              int nrefs);
/* BLEU in [0, 100]. precisions (BLEU_N, may be NULL) receives p_1..p_4, bp (may be NULL) the
 * brevity penalty. */
double bleu_score(const BleuStats *s, double *precisions, double *bp);

#endif
