/* test_tokenize.c - the tokenizer and the sentence splitter on exact expected outputs: English
 * (case, apostrophes, hyphens, numbers, punctuation), Chinese per character and per pre-segmented
 * word, mixed text, emoji sequences, full-width punctuation, the ideographic space, empty input;
 * sentences in 红楼梦's style (the full-width ．, quotes that close after the stop), English
 * (titles, initials, decimals, ellipses) and both line-break modes. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tokenize.h"

/* Tokens (or sentences) joined with '|', for one-line comparisons. */
typedef struct {
    char buf[4096];
    size_t n;
    int calls;
    int unterminated; /* a token without its NUL, which tokenize() promises */
} Joined;

static void join(const char *tok, size_t len, void *ctx) {
    Joined *j = ctx;
    ck_assert_msg(j->n + len + 2 < sizeof j->buf, "test buffer too small");
    if (j->calls++) j->buf[j->n++] = '|';
    memcpy(j->buf + j->n, tok, len);
    j->n += len;
    j->buf[j->n] = '\0';
}

static void join_checked(const char *tok, size_t len, void *ctx) {
    Joined *j = ctx;
    if (tok[len] != '\0') j->unterminated++;
    join(tok, len, ctx);
}

/* Tokenize s and compare the joined tokens with want; also check the returned count. */
static void check_tokens(const char *s, TokMode mode, const char *want) {
    Joined j = {.n = 0};
    j.buf[0] = '\0';
    size_t n = tokenize(s, strlen(s), mode, join_checked, &j);
    ck_assert_msg(strcmp(j.buf, want) == 0, "tokenize(\"%s\", %s):\n  got  %s\n  want %s", s,
                  mode == TOK_WORDS ? "WORDS" : "CHARS", j.buf, want);
    ck_assert_uint_eq(n, (size_t)j.calls);
    ck_assert_int_eq(j.unterminated, 0);
}

static void check_sentences(const char *s, SentBreak brk, const char *want) {
    Joined j = {.n = 0};
    j.buf[0] = '\0';
    size_t n = split_sentences_ex(s, strlen(s), brk, join, &j);
    ck_assert_msg(strcmp(j.buf, want) == 0, "split_sentences(\"%s\"):\n  got  %s\n  want %s", s,
                  j.buf, want);
    ck_assert_uint_eq(n, (size_t)j.calls);
}

START_TEST(english_words_case_and_punctuation) {
    check_tokens("The King's men, don't they? 'Tis GOD-ward.", TOK_WORDS,
                 "the|king's|men|,|don't|they|?|'|tis|god|-|ward|.");
    check_tokens("In the beginning God created the heaven and the earth.", TOK_WORDS,
                 "in|the|beginning|god|created|the|heaven|and|the|earth|.");
    /* the curly apostrophe inside a word becomes ', outside it is a token of its own */
    check_tokens("don\xE2\x80\x99t \xE2\x80\x99tis kings\xE2\x80\x99", TOK_WORDS,
                 "don't|\xE2\x80\x99|tis|kings|\xE2\x80\x99");
    check_tokens("(a) [b] {c} \"d\" e_f a/b #1 @x", TOK_WORDS,
                 "(|a|)|[|b|]|{|c|}|\"|d|\"|e|_|f|a|/|b|#|1|@|x");
    /* English is the same in both modes */
    check_tokens("Let there be light: and there was light.", TOK_CHARS,
                 "let|there|be|light|:|and|there|was|light|.");
}
END_TEST

START_TEST(numbers_keep_decimal_points) {
    check_tokens("Pi is 3.14, not 3,000.5 or 1.; v2.0 costs $5.", TOK_WORDS,
                 "pi|is|3.14|,|not|3,000.5|or|1|.|;|v2.0|costs|$|5|.");
    check_tokens("1.2.3 a.b 4,x", TOK_WORDS, "1.2.3|a|.|b|4|,|x");
}
END_TEST

START_TEST(chinese_per_character_and_per_word) {
    /* 宝玉笑道：“好！” */
    check_tokens("\xE5\xAE\x9D\xE7\x8E\x89\xE7\xAC\x91\xE9\x81\x93\xEF\xBC\x9A\xE2\x80\x9C\xE5\xA5"
                 "\xBD\xEF\xBC\x81\xE2\x80\x9D",
                 TOK_CHARS,
                 "\xE5\xAE\x9D|\xE7\x8E\x89|\xE7\xAC\x91|\xE9\x81\x93|\xEF\xBC\x9A|\xE2\x80\x9C|"
                 "\xE5\xA5\xBD|\xEF\xBC\x81|\xE2\x80\x9D");
    /* the same in TOK_WORDS: the ideographs between punctuation stay together */
    check_tokens("\xE5\xAE\x9D\xE7\x8E\x89\xE7\xAC\x91\xE9\x81\x93\xEF\xBC\x9A\xE2\x80\x9C\xE5\xA5"
                 "\xBD\xEF\xBC\x81\xE2\x80\x9D",
                 TOK_WORDS,
                 "\xE5\xAE\x9D\xE7\x8E\x89\xE7\xAC\x91\xE9\x81\x93|\xEF\xBC\x9A|\xE2\x80\x9C|"
                 "\xE5\xA5\xBD|\xEF\xBC\x81|\xE2\x80\x9D");
    /* full-width punctuation, each a token: 你好，世界．再见；〇 */
    check_tokens("你好，世界．再见；二〇二四", TOK_CHARS, "你|好|，|世|界|．|再|见|；|二|〇|二|四");
}
END_TEST

START_TEST(mixed_chinese_and_latin) {
    check_tokens("我爱NLP和word2vec", TOK_CHARS, "我|爱|nlp|和|word2vec");
    check_tokens("我爱NLP和word2vec", TOK_WORDS, "我爱|nlp|和|word2vec");
    check_tokens("用Python3.11写代码", TOK_CHARS, "用|python3.11|写|代|码");
    /* full-width Latin letters are letters, lower-cased */
    check_tokens("ＡＢＣ是字母", TOK_WORDS, "ａｂｃ|是字母");
}
END_TEST

START_TEST(segmented_text_in_words_mode) {
    /* a line of data/zh/hongloumeng.words.txt */
    const char *line = "第一回 甄士隐 梦幻 识通灵 贾雨村 风尘 怀 闺秀\n"
                       "此 开卷 第一回 也 作者 自云";
    check_tokens(line, TOK_WORDS,
                 "第一回|甄士隐|梦幻|识通灵|贾雨村|风尘|怀|闺秀|此|开卷|第一回|也|作者|自云");
    ck_assert_uint_eq(tokenize(line, strlen(line), TOK_CHARS, NULL, NULL), 19 + 11);
}
END_TEST

START_TEST(emoji_and_symbols) {
    /* ❤️ (with variation selector), 👍🏽 (skin tone), 👨‍👩‍👧 (zero-width joiners), flags */
    check_tokens("I \xE2\x9D\xA4\xEF\xB8\x8F NLP \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD!"
                 "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7"
                 "\xF0\x9F\x87\xA8\xF0\x9F\x87\xB3\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8",
                 TOK_WORDS,
                 "i|\xE2\x9D\xA4\xEF\xB8\x8F|nlp|\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD|!|"
                 "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7|"
                 "\xF0\x9F\x87\xA8\xF0\x9F\x87\xB3|\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8");
    /* emoji next to words and ideographs, symbols: 好😀吃 ok😀 5€ 30℃ a→b ①… */
    check_tokens("好😀吃 ok😀 5€ 30℃ a→b ①…", TOK_CHARS,
                 "好|😀|吃|ok|😀|5|€|30|℃|a|→|b|①|…");
}
END_TEST

START_TEST(white_space_of_all_kinds_separates) {
    /* ideographic space U+3000, no-break space, tab, CRLF, em space, zero-width space */
    check_tokens("中文\xE3\x80\x80空格 a\xC2\xA0" "b\tc\r\nd\xE2\x80\x83" "e\xE2\x80\x8B" "f",
                 TOK_WORDS, "中文|空格|a|b|c|d|e|f");
    check_tokens("", TOK_WORDS, "");
    check_tokens("  \xE3\x80\x80\n\t ", TOK_CHARS, "");
    ck_assert_uint_eq(tokenize("", 0, TOK_WORDS, join, NULL), 0); /* emit never called */
    ck_assert_uint_eq(tokenize("abc", 0, TOK_WORDS, join, NULL), 0);
}
END_TEST

START_TEST(lower_casing_beyond_ascii) {
    check_tokens("ÉCOLE Straße ΑΘΗΝΑ Άρης МОСКВА Ёж ŁÓDŹ", TOK_WORDS,
                 "école|straße|αθηνα|άρης|москва|ёж|łódź");
    /* a decomposed é (e + U+0301) stays one word */
    check_tokens("Cafe\xCC\x81 ok", TOK_WORDS, "cafe\xCC\x81|ok");
    /* kana and Hangul are letters: runs, not single characters */
    check_tokens("ひらがな 한국어", TOK_CHARS, "ひらがな|한국어");
}
END_TEST

START_TEST(invalid_bytes_are_dropped_and_long_words_fit) {
    check_tokens("ab\xFF" "cd \xE4\xB8 ef", TOK_WORDS, "ab|cd|ef");
    /* a word far longer than the scratch buffer's first size */
    char *s = malloc(5001), *want = malloc(5001);
    memset(s, 'A', 5000), memset(want, 'a', 5000);
    s[5000] = want[5000] = '\0';
    TokenList l = {0};
    ck_assert_uint_eq(tokenize_list(s, 5000, TOK_WORDS, &l), 1);
    ck_assert_str_eq(l.tok[0], want);
    token_list_free(&l);
    free(s), free(want);
}
END_TEST

START_TEST(token_list_collects_and_frees) {
    TokenList l = {0};
    const char *s = "Hello, 世界!";
    ck_assert_uint_eq(tokenize_list(s, strlen(s), TOK_CHARS, &l), 5);
    ck_assert_uint_eq(tokenize_list(s, 5, TOK_CHARS, &l), 1); /* appends */
    ck_assert_uint_eq(l.n, 6);
    const char *want[] = {"hello", ",", "世", "界", "!", "hello"};
    for (size_t i = 0; i < 6; i++) ck_assert_str_eq(l.tok[i], want[i]);
    token_list_free(&l);
    ck_assert_ptr_null(l.tok);
    ck_assert_uint_eq(l.n, 0);
    /* many tokens: the array grows */
    char big[3000];
    for (int i = 0; i < 1000; i++) memcpy(big + 3 * i, "ab ", 3);
    ck_assert_uint_eq(tokenize_list(big, sizeof big, TOK_WORDS, &l), 1000);
    ck_assert_str_eq(l.tok[999], "ab");
    token_list_free(&l);
}
END_TEST

/* ---- sentences ------------------------------------------------------------------------------ */

START_TEST(sentences_hongloumeng_style) {
    check_sentences("此开卷第一回也．作者自云：因曾历过一番梦幻之后．但书中所记何事何人？"
                    "自又云：“今风尘碌碌，一事无成！”他说．",
                    SENT_LINE_BREAKS,
                    "此开卷第一回也．|作者自云：因曾历过一番梦幻之后．|但书中所记何事何人？|"
                    "自又云：“今风尘碌碌，一事无成！”|他说．");
    /* an ASCII quote right after the stop closes the open one (here a curly “) and stays; the
     * next one opens a quote and starts the next sentence */
    check_sentences("自又云：“甲乙．丙丁？\"故曰\"贾雨村\"云云．\"宝玉笑道．\"", SENT_LINE_BREAKS,
                    "自又云：“甲乙．|丙丁？\"|故曰\"贾雨村\"云云．|\"宝玉笑道．\"");
    /* 「」 and 《》 closers, runs of marks, ； and ： do not split, indentation is trimmed */
    check_sentences("    他道：「好。」然后走了！！甲；乙：丙。……丁", SENT_LINE_BREAKS,
                    "他道：「好。」|然后走了！！|甲；乙：丙。……|丁");
    /* the ideographic space is trimmed too */
    check_sentences("\xE3\x80\x80\xE3\x80\x80第一回\xE3\x80\x80", SENT_LINE_BREAKS, "第一回");
}
END_TEST

START_TEST(sentences_english) {
    check_sentences("He said \"go.\" Then he left. Mr. Darcy paid 3.14 dollars. J. Smith agreed! "
                    "Really?! yes... Wait... what? E.g. this. So did I. (He left.) Then.",
                    SENT_LINE_BREAKS,
                    "He said \"go.\"|Then he left.|Mr. Darcy paid 3.14 dollars.|J. Smith agreed!|"
                    "Really?! yes...|Wait... what?|E.g. this.|So did I.|(He left.)|Then.");
    /* a mark followed by a CJK character ends the sentence even without a space */
    check_sentences("I use Python.然后呢?好的", SENT_LINE_BREAKS, "I use Python.|然后呢?|好的");
    /* opening quotes before a capital: split; before a lower-case letter: not */
    check_sentences("Stop. \"Why?\" she asked. \"because.\"", SENT_LINE_BREAKS,
                    "Stop.|\"Why?\" she asked. \"because.\"");
}
END_TEST

START_TEST(sentences_line_breaks_and_empty_input) {
    check_sentences("line one\nline two\r\n\n  \nline three", SENT_LINE_BREAKS,
                    "line one|line two|line three");
    check_sentences("", SENT_LINE_BREAKS, "");
    check_sentences(" \n\t\r\n ", SENT_LINE_BREAKS, "");
    check_sentences("no stop at the end", SENT_LINE_BREAKS, "no stop at the end");
    /* hard-wrapped text: one break is a space, a blank line ends the paragraph */
    const char *wrapped = "The cat\nsat. It\nran.\n\nNew para\nhere\n";
    check_sentences(wrapped, SENT_BLANK_LINES, "The cat\nsat.|It\nran.|New para\nhere");
    check_sentences(wrapped, SENT_LINE_BREAKS, "The cat|sat.|It|ran.|New para|here");
    /* into a TokenList, through the public callback */
    TokenList l = {0};
    ck_assert_uint_eq(split_sentences("Go. Be! C", 9, token_list_add, &l), 3);
    ck_assert_str_eq(l.tok[1], "Be!");
    token_list_free(&l);
}
END_TEST

Suite *tokenize_suite(void) {
    Suite *s = suite_create("tokenize");
    TCase *tc = tcase_create("tokens");
    tcase_add_test(tc, english_words_case_and_punctuation);
    tcase_add_test(tc, numbers_keep_decimal_points);
    tcase_add_test(tc, chinese_per_character_and_per_word);
    tcase_add_test(tc, mixed_chinese_and_latin);
    tcase_add_test(tc, segmented_text_in_words_mode);
    tcase_add_test(tc, emoji_and_symbols);
    tcase_add_test(tc, white_space_of_all_kinds_separates);
    tcase_add_test(tc, lower_casing_beyond_ascii);
    tcase_add_test(tc, invalid_bytes_are_dropped_and_long_words_fit);
    tcase_add_test(tc, token_list_collects_and_frees);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("sentences");
    tcase_add_test(ts, sentences_hongloumeng_style);
    tcase_add_test(ts, sentences_english);
    tcase_add_test(ts, sentences_line_breaks_and_empty_input);
    suite_add_tcase(s, ts);
    return s;
}
