/* pretrain.h - BERT's pretraining: documents of sentences, sentence-pair examples for next-sentence
 * prediction, 15% masking for the masked LM, batches, and the training loop with exact resume.
 *
 * What it teaches (the article's BERT section, claims C23 and C24; Devlin et al. 2019, section 3.1
 * and appendix A; Google's create_pretraining_data.py and run_pretraining.py):
 *   - The two pretraining tasks need no labels: the text labels itself. An example is
 *       [CLS] A [SEP] B [SEP]     segment ids 0 for [CLS] A [SEP], 1 for B [SEP]
 *     where B really follows A half of the time ("IsNext") and is taken from another document the
 *     other half ("NotNext"); the model predicts which from the [CLS] vector (NSP).
 *   - 15% of the non-special tokens are chosen for prediction; of those 80% become [MASK], 10% a
 *     random token, 10% stay as they are, so the model cannot learn that only [MASK] matters (the
 *     fine-tuning inputs have no [MASK]) and must keep a good vector for every token (MLM).
 *   - Training: AdamW with warm-up and linear decay to zero, gradient clipping at global norm 1,
 *     dropout 0.1, as run_pretraining.py.
 *   - Stop and resume exactly: the trainer state (AdamW moments, step, the random generators, the
 *     position in the data) is saved beside the model, so N steps in one run and N/2 + N/2 with a
 *     resume give bit-identical weights (one thread).
 *
 * Builds on: tokenizer.h (WordPiece ids), model.h / hfdir.h (the model and its directory),
 * common/optim.h (AdamW, clipping, schedules), common/corpus.h (reading text safely).
 *
 * Differences from Google's script, on purpose: examples are made on the fly from a seeded stream
 * (masking is therefore "dynamic" as in RoBERTa: a sentence gets a new mask each epoch) instead of
 * a file written beforehand; the IsNext/NotNext coin is tossed first, so the split is exactly 50/50
 * (Google's forces NotNext for a one-sentence chunk, which tilts it); a random B is cut to the
 * length the true B would have had (Google fills it to the full length, so in a corpus of short
 * documents the length alone tells NotNext from IsNext); random replacement tokens are
 * drawn from the ordinary vocabulary, never a special token. Leaves out: whole-word masking, the
 * duplication factor, TPU input pipelines. */
#ifndef BERT_PRETRAIN_H
#define BERT_PRETRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "07_bert/model.h"
#include "07_bert/tokenizer.h"
#include "rng.h"

/* ---- documents -------------------------------------------------------------------------------- */

/* A corpus as documents of sentences of token ids (no [CLS]/[SEP]). */
typedef struct {
    int *ids;          /* every sentence's ids, one after the other */
    size_t nids, cap_ids;
    size_t *sent_off;  /* sentence s is ids[sent_off[s] .. sent_off[s+1]) (nsent + 1 entries) */
    int nsent, cap_sent;
    int *doc_first;    /* document d holds sentences doc_first[d] .. doc_first[d+1]-1 (ndoc + 1) */
    int ndoc, cap_doc;
    int open_sents;    /* sentences added to the document being built */
} BertDocs;

void bert_docs_init(BertDocs *d);
void bert_docs_free(BertDocs *d);
/* Append a sentence to the current document; n == 0 is ignored (a line with no tokens). */
void bert_docs_add_sentence(BertDocs *d, const int *ids, int n);
/* Close the current document (ignored when it has no sentence yet). */
void bert_docs_end_document(BertDocs *d);
static inline int bert_docs_sent_len(const BertDocs *d, int s) { return (int)(d->sent_off[s + 1] - d->sent_off[s]); }

/* The tokenizer as a callback, so the document rules can be tested without one: write at most cap
 * ids of text[0..len) into out and return how many there are (may exceed cap: call again bigger). */
typedef int (*BertEncodeFn)(void *ctx, const char *text, size_t len, int *out, int cap);

/* The corpus rules: one sentence per line, a blank line (only white space) between documents. A text
 * without any blank line is cut into documents of doc_lines lines each (the King James Bible: one
 * verse a line). Lines whose encoding is empty are dropped. Returns the number of documents. */
int bert_docs_from_text(BertDocs *d, const char *text, size_t len, int doc_lines, BertEncodeFn enc, void *ctx);

/* Join text files into one corpus file in the format above, written atomically: a file with blank
 * lines keeps its documents, and each of its lines (a paragraph, as in 红楼梦) is split into
 * sentences, one a line (common/tokenize.h's rules, 。！？ and ．included); a file without blank lines
 * keeps its lines (verses) and gets a blank line after every doc_lines of them. Returns the number
 * of documents, or -1 with err set. With ex, every sentence that shares a run of characters with
 * an excluded text (bert_exclude_hits) is left out (st counts them; st may be NULL). */
typedef struct BertExclude BertExclude;
typedef struct {
    long kept, dropped;
    size_t dropped_bytes;
} BertCorpusStats;
int bert_corpus_join(const char *const *inputs, int n, int doc_lines, const BertExclude *ex, const char *out,
                     BertCorpusStats *st, char *err);

/* The texts to keep out of a corpus (test sets): every column after the first of each line of a TSV
 * file (label<TAB>text[<TAB>text_b]), or the whole line when it has no tab. NULL with err set when a
 * file cannot be read (the rules of common/corpus.h). */
BertExclude *bert_exclude_load(const char *const *paths, int n, char *err);
void bert_exclude_free(BertExclude *x);
/* 1 when s[0..n) shares a run of characters (white space ignored) with an excluded text: 8 in a row
 * holding a CJK ideograph, else 32 in a row; a text shorter than that must match whole */
int bert_exclude_hits(const BertExclude *x, const char *s, size_t n);

/* ---- sentence pairs --------------------------------------------------------------------------- */

/* Special ids the examples need (the tokenizer's). Ids below first_normal are all special. */
typedef struct {
    int pad, cls, sep, mask, first_normal, vocab_size;
} BertSpecials;

/* One example before batching: [CLS] A [SEP] B [SEP]. */
typedef struct {
    int *tokens;     /* n ids, after masking */
    int *segs;       /* n segment ids */
    int n;
    int is_random;   /* NSP label: 0 IsNext, 1 NotNext (Hugging Face's convention) */
    int *mlm_pos;    /* npred positions chosen for prediction, ascending */
    int *mlm_target; /* the original ids there */
    int *mlm_kind;   /* 0 [MASK], 1 random token, 2 unchanged (for the statistics) */
    int npred;
    int max_len, max_pred; /* capacities */
} BertExample;

void bert_example_init(BertExample *e, int max_len);
void bert_example_free(BertExample *e);

/* The stream of examples: walks the documents in an order reshuffled every epoch. Consecutive pairs
 * come from the same document, so, as Google's script shuffles all its instances, examples are made
 * a pool at a time and handed out in a random order (a batch then mixes ~32 documents instead of a
 * few). Its whole state (the generator, the epoch, the position where the current pool began, the
 * place in the pool) is a few integers, saved for an exact resume: the pool is made again. */
typedef struct {
    const BertDocs *docs;
    int *doc_list;        /* the documents this stream uses (e.g. all but every 20th: training) */
    int ndocs;
    int *order;           /* doc_list shuffled for the current epoch */
    int max_len;          /* max_seq_length, specials included */
    float short_seq_prob; /* chance of a shorter target length (Google: 0.1) */
    float mask_prob;      /* 0.15 */
    BertSpecials sp;
    uint64_t seed;        /* the epoch permutations derive from it */
    Rng rng;              /* coins, lengths, random documents, masking */
    long epoch;
    int pos, sent;        /* order[pos] is the current document, sent its next sentence (0-based) */
    int pool_size;        /* examples per pool (BERT_POOL; 1: no shuffling) */
    BertExample *pool;
    int *pool_order;
    int pool_n, pool_next;
    char pool_state[128]; /* the stream's state when the pool was made */
} BertPairStream;
#define BERT_POOL 1024

/* Documents d with (d % holdout_every == holdout_every-1) go to the held-out stream when heldout is
 * 1, the others to the training stream (heldout 0); holdout_every 0 means every document trains.
 * Returns 0, or -1 with err set (fewer than 2 documents: NotNext needs another document; max_len <
 * 8). */
int bert_stream_init(BertPairStream *s, const BertDocs *docs, int holdout_every, int heldout, int max_len,
                     const BertSpecials *sp, uint64_t seed, char *err);
void bert_stream_free(BertPairStream *s);
/* The next example, masked, from the shuffled pool. */
void bert_stream_next(BertPairStream *s, BertExample *e);
/* The pair alone (no masking): for tests and the C22 print-out. */
void bert_stream_next_pair(BertPairStream *s, BertExample *e);
/* Google's truncate_seq_pair: while |a| + |b| > max_tokens, drop one token from the longer side
 * (b on ties), from its front or its back by a coin. */
void bert_truncate_pair(int *a, int *na, int *b, int *nb, int max_tokens, Rng *rng);
/* Choose and replace the tokens for the masked LM in e (its tokens already [CLS] A [SEP] B [SEP]). */
void bert_mask_example(BertExample *e, const BertSpecials *sp, float mask_prob, Rng *rng);
/* The stream position as text / back ("seed epoch pos sent rngstate poolnext"); set returns 0 or -1. */
void bert_stream_get_state(const BertPairStream *s, char *buf, size_t n);
int bert_stream_set_state(BertPairStream *s, const char *buf, char *err);

/* ---- batches ------------------------------------------------------------------------------------ */

/* B examples padded to T = the longest of them. Flat (b, t) index = b*T + t. */
typedef struct {
    int B, T, maxB, maxT, max_pred;
    int *ids, *segs;            /* (B,T) */
    unsigned char *pad;         /* (B,T) 1 = padding */
    int *mlm_pos, *mlm_target;  /* n_mlm flat positions and their targets */
    int n_mlm;
    int *nsp;                   /* (B) 0 IsNext, 1 NotNext */
    int *len;                   /* (B) tokens of each example */
    long real_tokens;           /* non-padding tokens */
} BertBatch;

void bert_batch_init(BertBatch *b, int maxB, int maxT);
void bert_batch_free(BertBatch *b);
/* Fill b with B examples from the stream. */
void bert_batch_fill(BertBatch *b, BertPairStream *s, BertExample *scratch, int B);

/* ---- training ----------------------------------------------------------------------------------- */

typedef struct {
    const char *corpus;     /* text file */
    const char *out;        /* model directory to write */
    const char *model;      /* start from this model directory (its vocabulary), or NULL */
    const char *vocab;      /* a new model on this vocab.txt (do_lower_case as given), or NULL: train one */
    const char *resume;     /* resume from this directory, or NULL */
    int layers, hidden, heads, intermediate, vocab_size, max_seq_len;
    int relative;           /* 1: relative position representations (C30) */
    int do_lower_case;
    long min_count;         /* characters seen fewer times stay out of the trained vocabulary */
    long min_pair_count;    /* WordPiece merges only pairs seen this often (tokenizer.h) */
    int merge_by_frequency; /* 1: merge the most frequent pair, as Hugging Face's WordPieceTrainer
                               (frequent words whole: "the", "said"); 0: the likelihood score */
    int batch, doc_lines, threads;
    long steps;             /* total steps of the schedule (0: 1000, or the saved total on resume) */
    long stop_at;           /* stop (and save) after this step, 0 = at steps */
    long warmup;
    long save_every;        /* save every N steps (0: only at the end) */
    long log_every;
    long eval_every;        /* held-out MLM/NSP on the same eval_pairs pairs every N steps (0: at the end) */
    int eval_pairs;         /* pairs of the held-out documents scored each time (default 1000) */
    double lr, weight_decay, dropout;
    uint64_t seed;
    int holdout_every;      /* every n-th document is held out for the NSP/MLM evaluation */
    int quiet;              /* no progress lines (tests) */
} PretrainOptions;

PretrainOptions pretrain_defaults(void);

typedef struct {
    long steps_done;
    double median_step_ms, seconds;
    size_t peak_rss;
    double mlm_loss, mlm_acc, nsp_loss, nsp_acc; /* averages over the last log window */
    double eval_mlm_acc, eval_nsp_acc;            /* on held-out pairs, at the end (-1: none) */
    int stopped_nonfinite;
} PretrainResult;

/* MLM and NSP on npairs examples of a stream (a held-out one), without dropout, in batches of B
 * (b and e sized for B x the stream's max_len). */
typedef struct {
    double mlm_loss, mlm_acc, nsp_loss, nsp_acc;
    long pairs, predictions;
} BertEval;
void bert_evaluate(Bert *m, BertPairStream *s, BertBatch *b, BertExample *e, int npairs, int B, BertEval *out);

/* C24: read corpus, keep its held-out documents (as bert_pretrain with these doc_lines and
 * holdout_every), and print MLM and NSP accuracy on npairs of their pairs. Returns 0 or -1. */
int bert_eval_corpus(Bert *m, const BertTokenizer *t, const char *corpus, int doc_lines, int holdout_every,
                     int npairs, uint64_t seed, char *err);

/* Run (or resume) a pretraining; writes o->out. Returns 0, or -1 with err set (bad corpus, bad
 * model directory, a NaN loss: the message names the step). */
int bert_pretrain(const PretrainOptions *o, PretrainResult *r, char *err);

/* Ask a running bert_pretrain to stop after the current step and save (from a signal handler). */
void bert_pretrain_request_stop(void);

#endif
