/* search.h - turning a trained encoder-decoder into output: greedy search and beam search.
 *
 * What it teaches (C13, C16): at test time there is no true previous token to feed, so the
 * decoder must run one step at a time, each step reading the token the step before chose; that
 * chain is why generation cannot be spread over the positions (C16 times it).
 *  - Greedy search takes the single most likely token at every step. Cheap, but a choice that
 *    looked best early cannot be undone.
 *  - Beam search keeps the K most likely partial outputs ("hypotheses"). Each step extends every
 *    one of them by every token, keeps the K best of all those extensions (by total log
 *    probability), and puts aside the ones that ended with <eos>. It stops when K hypotheses have
 *    ended (or at the length limit), and returns the ended one with the best LENGTH-NORMALISED
 *    score, log p / len^len_alpha (len counts <eos>): without it, every extra token only adds a
 *    negative log probability, and the search would favour short outputs. len_alpha = 0 turns the
 *    normalisation off, 1 ranks by the mean log probability per token.
 *    The K hypotheses are K rows of one batch, so one decoder step serves them all; after the
 *    step the rows are re-ordered to follow the chosen parents (s2s_decoder_reorder).
 *  Width 1 is greedy search exactly (tests/test_seq2seq.c checks it token for token).
 */
#ifndef S2S_SEARCH_H
#define S2S_SEARCH_H

#include "encdec.h"

/* The longest output tried for a source of S tokens: 2S + 10, within the model's capacity. */
int s2s_max_output(const S2SModel *m, int S);

/* Greedy search for B sources of equal length S, src (S,B) time-major. out (B,max_len) receives
 * the ids (no <eos>), out_len (B) their lengths; a row that reaches max_len without <eos> stops
 * there. alpha (max_len + 1, S), when not NULL and the model attends, receives row 0's attention
 * weights at each step, <eos> step included; *alpha_rows (may be NULL) how many rows were
 * written. */
void s2s_greedy(S2SModel *m, const int *src, int S, int B, int max_len, int *out, int *out_len, float *alpha,
                int *alpha_rows);

/* Beam search of width K (1 <= K <= the model's batch capacity) for ONE source src (S). out
 * (max_len) receives the best hypothesis (no <eos>); returns its length. *score (may be NULL):
 * its total log probability (<eos> included). */
int s2s_beam(S2SModel *m, const int *src, int S, int K, int max_len, float len_alpha, int *out, double *score);

#endif
