/* tokenize.h - turn English, Chinese or mixed UTF-8 text into tokens, and text into sentences.
 *
 * What it teaches: every model in this project sees text as a sequence of tokens, and the choice
 * of token (word or character) is a modelling decision, not a detail. English has spaces between
 * words; Chinese does not, so Chinese is either split into single characters (what BERT's Chinese
 * models do) or segmented into words by a separate tool beforehand (jieba made
 * data/zh/hongloumeng.words.txt) and then split on the spaces, exactly like English.
 *
 * The rules, applied left to right over code points (input is valid UTF-8; see corpus_read):
 *  - White space separates tokens and is dropped: ASCII space/tab/CR/LF, no-break space, the
 *    ideographic space U+3000 and the other Unicode spaces (utf8_is_space). Control characters
 *    and the invisible bidi/format marks are dropped too. Invalid bytes, should any reach here,
 *    are dropped, never emitted.
 *  - A word is a run of letters and digits: ASCII letters and digits, and any other letter of an
 *    alphabetic script (accented Latin, Greek, Cyrillic, kana, Hangul...), with its combining
 *    marks. Inside a word two things are kept:
 *      an apostrophe (' or the curly ’, written as ') between two letters or digits:
 *        "don't" -> don't, "king's" -> king's, but "'tis" -> ' tis and "kings'" -> kings ';
 *      a '.' or ',' between two ASCII digits: "3.14" and "1,000" stay one token.
 *    Hyphens split: "God-ward" -> god - ward (word2vec wants "ward" to share its vector).
 *  - Words are lower-cased: ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic and the full-width
 *    Latin letters. Nothing else changes (no Unicode normalisation).
 *  - A CJK ideograph (utf8_is_cjk) is a token of its own in TOK_CHARS; in TOK_WORDS a run of
 *    ideographs is one token, which is right for pre-segmented text ("贾雨村 风尘 怀 闺秀") and
 *    leaves unsegmented Chinese as whole phrases. Ideographs and letters never share a token:
 *    "我爱NLP和word2vec" is 我 爱 nlp 和 word2vec (TOK_CHARS), 我爱 nlp 和 word2vec (TOK_WORDS).
 *  - Every punctuation mark or symbol is a token of its own: ASCII punctuation, full-width and
 *    CJK punctuation (，。．：“”《》), other Unicode punctuation, and emoji. A following variation
 *    selector or skin-tone modifier stays with its emoji, a zero-width joiner glues the next
 *    character on (👨‍👩‍👧 is one token), and two regional indicators make one flag (🇨🇳).
 *
 * What it leaves out: sub-word pieces (chapter 7 builds WordPiece/BPE on top of these tokens),
 * Unicode normalisation, and any attempt to segment Chinese into words.
 */
#ifndef COMMON_TOKENIZE_H
#define COMMON_TOKENIZE_H

#include <stddef.h>

typedef enum { TOK_WORDS, TOK_CHARS } TokMode;

/* Called once per token (or sentence). tok is valid only during the call. Tokens from tokenize()
 * are NUL-terminated (in a scratch buffer); sentences from split_sentences() point into the
 * caller's text and are NOT NUL-terminated. Always use len. */
typedef void (*TokenFn)(const char *tok, size_t len, void *ctx);

/* Tokenize text[0..len) with the rules above, calling emit(tok, len, ctx) for each token in order.
 * Returns the number of tokens. emit may be NULL (just count). */
size_t tokenize(const char *text, size_t len, TokMode mode, TokenFn emit, void *ctx);

/* Tokens (or sentences) collected into an array of NUL-terminated, separately allocated strings. */
typedef struct {
    char **tok;
    size_t n, cap;
} TokenList;

/* A TokenFn that appends a copy of tok to the TokenList passed as ctx:
 * split_sentences(text, len, token_list_add, &list). */
void token_list_add(const char *tok, size_t len, void *list);
/* Append the tokens of text to *out (which starts zeroed: TokenList l = {0}). Returns the number
 * added. */
size_t tokenize_list(const char *text, size_t len, TokMode mode, TokenList *out);
/* Free the strings and the array; leaves *l zeroed, ready for reuse. */
void token_list_free(TokenList *l);

/* Split text[0..len) into sentences and emit each one, trimmed of white space, skipping empty
 * ones. Returns the number emitted. The rules:
 *  - A newline (or U+2028/2029) always ends a sentence: a line is at most a paragraph.
 *  - The Chinese full stops and marks 。！？ , the full-width ． (红楼梦 uses it as a full stop)
 *    and ｡ end a sentence wherever they stand. ；and ： do not (they join clauses).
 *  - The ASCII marks . ! ? end a sentence when followed by the end of the text, by a CJK
 *    character or CJK punctuation, or by white space and then anything but a lower-case letter
 *    (opening quotes skipped). So "3.14", "e.g. this" and "Wait... what" never split. A single
 *    '.' after a title (Mr Mrs Ms Dr St Jr Sr Prof Rev Gen Col Capt Lt Sgt Hon Mt Messrs) or after
 *    an initial (one capital letter other than I) does not split: "Mr. Darcy", "J. Smith".
 *  - Runs of marks stay together ("?!", "！！", "。……"), and the closing quotes and brackets
 *    right after them (” ’ 」 』 ） 》 】 ) ] } and a closing ASCII " ) stay with the sentence
 *    they end. An ASCII " counts as closing when a double quote (“ or ") is open on the line:
 *    红楼梦 closes “ with " at times, as in 不亦宜乎？"故曰....
 * Simple rules with known misses (a quote that spans sentences is cut; "I." after a name) that
 * are good enough for building training pairs; the tests show each case. */
size_t split_sentences(const char *text, size_t len, TokenFn emit, void *ctx);

/* The same with a choice of what a line break means. SENT_LINE_BREAKS: every line break ends a
 * sentence (what split_sentences does; right for one verse or paragraph per line, as in kjv.txt
 * and hongloumeng.txt). SENT_BLANK_LINES: a single line break is only a space and a blank line
 * ends a paragraph; right for hard-wrapped text such as the Austen novels. Sentences are slices
 * of the input, so in that mode they keep their inner line breaks. */
typedef enum { SENT_LINE_BREAKS, SENT_BLANK_LINES } SentBreak;
size_t split_sentences_ex(const char *text, size_t len, SentBreak brk, TokenFn emit, void *ctx);

#endif
