/* tokenizer.h - chapter 07: BERT's WordPiece tokenizer (see tokenizer.c for the lesson).
 *
 * Behaves as Hugging Face's BertTokenizer (BasicTokenizer + WordpieceTokenizer, Python version):
 *   1. the special tokens [PAD] [UNK] [CLS] [SEP] [MASK] written literally in the text are kept
 *      as they are (never lower-cased or split); if do_lower_case, the rest is lower-cased one
 *      character at a time (PreTrainedTokenizer.tokenize), so a capital sigma becomes σ;
 *   2. clean: drop U+0000, U+FFFD and control characters (Unicode category C*, except tab, CR,
 *      LF); white space (space, tab, CR, LF, category Zs) becomes a space;
 *   3. a space on each side of every CJK ideograph (BERT's ranges, see bert_is_chinese_char);
 *   4. Unicode NFC; split on white space;
 *   5. if do_lower_case: lower-case each word (Python's str.lower, with its word-final ς) and
 *      strip accents (NFD, then drop the nonspacing marks, category Mn);
 *   6. every punctuation character (ASCII 33-47, 58-64, 91-96, 123-126, category P*) becomes a
 *      word of its own;
 *   7. WordPiece: greedy longest-match-first over each word, continuation pieces prefixed "##";
 *      a word that cannot be split, or longer than 100 code points, becomes [UNK] as a whole.
 *
 * Vocabulary file (vocab.txt): UTF-8, one token per line, id = line number from 0. Lines end in
 * LF, CRLF or CR; the last line may lack its newline; an empty line is the empty token (it keeps
 * its id). A token listed twice keeps both ids, and looking it up gives the LATER id, as
 * Hugging Face's load_vocab does (a dict filled line by line).
 */
#ifndef BERT_TOKENIZER_H
#define BERT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#define BERT_MAX_WORD_CHARS 100 /* Hugging Face's max_input_chars_per_word */

typedef struct {
    int n;             /* vocabulary size (lines of vocab.txt) */
    char **tokens;     /* tokens[id]: NUL-terminated UTF-8 */
    uint32_t *lens;    /* byte length of tokens[id] */
    int32_t *table;    /* open-addressing hash table of ids, -1 = empty */
    size_t table_size; /* power of two, > 2n */
    int do_lower_case;
    /* ids of the special tokens, looked up by name; -1 when the vocabulary lacks one
     * (bert_tok_load refuses a vocabulary without [UNK]) */
    int pad_id, unk_id, cls_id, sep_id, mask_id;
} BertTokenizer;

/* Read vocab.txt. Returns 0, or -1 with err (ERR_LEN bytes) naming the file and, for invalid
 * UTF-8 or a NUL byte, the line. An empty file, or one without [UNK], is refused. */
int bert_tok_load(BertTokenizer *t, const char *vocab_txt, int do_lower_case, char *err);
/* The same for a vocab.txt already in memory, buf[0..len), called name in the messages:
 * bert_tok_load is this after reading the file. */
int bert_tok_parse(BertTokenizer *t, const char *buf, size_t len, const char *name, int do_lower_case,
                   char *err);

/* Write vocab.txt atomically (temporary file, then rename). Returns 0 or -1 with err set; a token
 * holding a line break cannot be written. */
int bert_tok_save(const BertTokenizer *t, const char *vocab_txt, char *err);

/* Build a tokenizer from a list of tokens (id = index), as if read from a file. For tests and for
 * building vocabularies in code. Returns 0 or -1 with err set (no [UNK], a token with a line
 * break or invalid UTF-8). */
int bert_tok_from_list(BertTokenizer *t, const char *const *tokens, int n, int do_lower_case,
                       char *err);

/* Training options; bert_train_defaults() fills the defaults. */
typedef struct {
    int vocab_size;    /* target size, specials included (default 8000) */
    int do_lower_case; /* default 1 */
    int64_t min_count; /* a character seen fewer times stays out of the alphabet (default 1) */
    /* a pair seen fewer times is never merged (default 1: every pair may be). The pure score
     * prefers pairs of RARE parts: on the King James Bible, 8,000 tokens, min 1 spends its merges
     * on whole rare names ("exorcists", "chrysolyte") and leaves "the" as "th ##e", 2.19 pieces a
     * word; min 10 gives "the" and 1.22 pieces a word (the threshold HF's trainers call
     * min_frequency). */
    int64_t min_pair_count;
    /* 1: merge the most frequent pair (count(ab)) as BPE does, which is what Hugging Face's
     * WordPieceTrainer really runs (a BPE trainer whose pieces get the ## prefix): frequent words
     * ("the", "said", "lord") become whole tokens first, which a masked LM trained for minutes
     * needs. 0 (default): the WordPiece likelihood score above. */
    int by_frequency;
    int verbose;       /* 1: a progress line and a summary on stderr (default 0) */
} BertTrainOpts;
BertTrainOpts bert_train_defaults(void);

/* Train a WordPiece vocabulary from text[0..len) (valid UTF-8 or not: invalid bytes are dropped
 * as U+FFFD would be). Ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then the alphabet (the
 * characters that start a word, sorted by code point, then the "##"-prefixed characters seen
 * inside words, sorted), then one token per merge, in merge order, chosen by the score
 * count(ab) / (count(a) count(b)) over the basic-tokenized words (ties: the more frequent pair,
 * then the lower ids), until vocab_size tokens exist or no pair is left (seen min_pair_count
 * times): then the vocabulary is smaller, as with Chinese text, whose ideographs are words of
 * one character. A merge whose piece already exists (ab+c and a+bc both give abc) adds nothing.
 * Words over 100 characters are left out. If the specials and the alphabet alone exceed
 * vocab_size, the most frequent characters are kept. Deterministic. t is overwritten (it must
 * not hold a vocabulary). Returns 0 or -1 with err set (vocab_size below 6, no words). */
int bert_tok_train_opts(BertTokenizer *t, const char *text, size_t len, const BertTrainOpts *opts,
                        char *err);
/* The same with the default options but these two. */
int bert_tok_train(BertTokenizer *t, const char *text, size_t len, int vocab_size,
                   int do_lower_case, char *err);

/* A growing list of token ids, with for each token the index of the word (basic-tokenizer word,
 * or special token) it came from, counted across calls. Start from {0}; free with
 * bert_ids_free. */
typedef struct {
    int *ids;
    int *word; /* word[i] = word index of ids[i] */
    int n, cap;
    int nwords; /* words seen so far */
} BertIds;
void bert_ids_free(BertIds *b);
void bert_ids_push(BertIds *b, int id, int word);

/* Tokenize text[0..len) and APPEND its ids to out (no [CLS]/[SEP] added). Invalid UTF-8 bytes
 * are dropped. Returns the number of ids appended. The tokenizer is only read: threads may
 * encode with one tokenizer at the same time, each into its own BertIds. */
int bert_tok_encode(const BertTokenizer *t, const char *text, size_t len, BertIds *out);

/* WordPiece alone on one word (already basic-tokenized): append its pieces, or [UNK], to out
 * with word index `word`. Returns the number appended. */
int bert_tok_wordpiece(const BertTokenizer *t, const char *word, size_t len, int word_index,
                       BertIds *out);

/* The basic tokenizer alone (Hugging Face's BasicTokenizer: steps 2-6 above, no special tokens,
 * no per-character lowering before, so "ΟΔΟΣ" gives "οδος" here and "οδοσ" in bert_tok_encode,
 * exactly as in Python): calls fn for each word
 * (NUL-terminated, len bytes) with ctx. Returns the number of words. */
typedef void (*BertWordFn)(const char *word, size_t len, void *ctx);
int bert_basic_tokenize(const char *text, size_t len, int do_lower_case, BertWordFn fn,
                        void *ctx);

/* Token string of id, or NULL when id is out of range. */
const char *bert_tok_token(const BertTokenizer *t, int id);
/* Id of a token (NUL-terminated), or -1 when absent. */
int bert_tok_id(const BertTokenizer *t, const char *token);
int bert_tok_id_len(const BertTokenizer *t, const char *token, size_t len);

/* Join pieces back into text, as Hugging Face's convert_tokens_to_string: tokens separated by
 * one space, then every " ##" removed ("un ##want ##ed" -> "unwanted"). skip_special drops
 * [PAD] [CLS] [SEP] (and keeps [MASK] and [UNK]). Returns a malloc'd NUL-terminated string. */
char *bert_tok_decode(const BertTokenizer *t, const int *ids, int n, int skip_special);

void bert_tok_free(BertTokenizer *t);

/* BERT's CJK ideograph ranges (_is_chinese_char): U+4E00-9FFF, 3400-4DBF, 20000-2A6DF,
 * 2A700-2B73F, 2B740-2B81F, 2B820-2CEAF, F900-FAFF, 2F800-2FA1F. */
int bert_is_chinese_char(uint32_t cp);

#endif
