/* demo.c - chapter 02: what `word2vec` with no arguments shows, claim by claim.
 *
 * It trains skip-gram and CBOW on the King James Bible (790k words) and skip-gram on 红楼梦
 * (segmented into words), about a minute on 2 cores, and prints next to each claim the numbers
 * that show it: neighbours (C2), analogies and parallel offsets (C3), CBOW against skip-gram (C4),
 * and the one vector of "bank" (C5). Plots go to out/02_word2vec_*.png, and the vectors to
 * out/02_word2vec_*.bin for the command-line tools (demo.sh runs them).
 *
 * The settings are the ones that work on corpora this small (see the README): 15 epochs instead
 * of 5, alpha 0.05 for the English and word2vec.c's 0.025 for the Chinese; one thread and seed 1,
 * so that every run prints the same numbers.
 */
#include "demo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "maps.h"
#include "platform.h"
#include "plot.h"
#include "rng.h"
#include "tokenize.h"
#include "utf8.h"
#include "util.h"
#include "vectors.h"
#include "word2vec.h"

#define KJV "data/en/kjv.txt"
#define HLM "data/zh/hongloumeng.words.txt"
#define EN_ANALOGIES "data/eval/en/simple-analogies-en.txt"
#define EN_QUESTIONS "data/eval/en/word2vec-questions-words.txt"
#define EN_MEN "data/eval/en/EN-MEN-TR-3k.txt"
#define ZH_ANALOGIES "data/eval/zh/simple-analogies-zh.txt"

DemoOpts demo_defaults(void) {
    /* One thread: the lock-free threads interleave differently on every run, and the demo should
     * print the same numbers every time (the README quotes them). */
    DemoOpts d = {0, "out", 1};
    return d;
}

static void banner(const char *title) { printf("\n======== %s ========\n", title); }
static void say(const char *what) { printf(">> %s\n", what); }

/* Train and return the vectors; also saved to <outdir>/<name>.bin. */
static WordVectors *train(const DemoOpts *o, const char *path, const W2vConfig *cfg, const char *name,
                          W2vStats *st) {
    char err[ERR_LEN], out[512];
    W2vCorpus c;
    if (w2v_corpus_read(&c, path, TOK_WORDS, 0, 5, err)) die("%s (run the demo from the project root)", err);
    printf("%s: %s, %lld tokens, %lld words kept (min count 5), vocabulary %d; %s, %s, dim %d, window %d, %d epochs, "
           "alpha %g, %d thread%s\n",
           name, path, (long long)c.tokens, (long long)c.words, c.vocab->n, cfg->arch == W2V_CBOW ? "CBOW" : "skip-gram",
           cfg->hs ? "hierarchical softmax" : "negative sampling 5", cfg->dim, cfg->window, cfg->epochs, cfg->alpha,
           cfg->threads, cfg->threads == 1 ? "" : "s");
    fflush(stdout);
    W2vWeights w;
    w2v_train(&c, cfg, &w, st);
    WordVectors *wv = wv_from_rows(c.vocab->words, w.in, w.V, w.dim, w.stride);
    snprintf(out, sizeof out, "%s/%s.bin", o->outdir, name);
    if (make_dirs(o->outdir, err) || wv_save(wv, out, WV_BIN, err)) die("%s", err);
    printf("trained in %.1f s (%.0fk words/s over %lld words); vectors saved to %s\n", st->wall_s,
           st->words_per_s / 1e3, (long long)st->words, out);
    w2v_weights_free(&w);
    w2v_corpus_free(&c);
    return wv;
}

static W2vConfig demo_config(const DemoOpts *o, W2vArch arch, int epochs, double alpha) {
    W2vConfig cfg = w2v_config_default(arch);
    cfg.epochs = epochs;
    cfg.alpha = alpha;
    cfg.threads = o->threads > 0 ? o->threads : num_threads();
    return cfg;
}

/* "gold      silver 0.848  brass 0.820 ..." */
static void neighbours_line(const WordVectors *wv, const char *word, int k) {
    utf8_print_padded(stdout, word, 10);
    int r = wv_find(wv, word);
    if (r < 0) {
        printf(" (not in the vocabulary)\n");
        return;
    }
    int idx[16];
    float cos[16];
    int found = wv_nearest(wv, wv->vec + (size_t)r * wv->dim, 0, k, &r, 1, idx, cos);
    for (int i = 0; i < found; i++) printf(" %s %.3f%s", wv->words[idx[i]], cos[i], i + 1 < found ? "," : "");
    printf("\n");
}

/* "man : king = woman : ?   queen 0.593, esther 0.515, vashti 0.501" */
static int analogy_line(const WordVectors *wv, const char *a, const char *b, const char *c, const char *expect) {
    int r[3] = {wv_find(wv, a), wv_find(wv, b), wv_find(wv, c)};
    printf("  %s : %s = %s : ?   ", a, b, c);
    for (int i = 0; i < 3; i++)
        if (r[i] < 0) return printf("('%s' is not in the vocabulary)\n", i == 0 ? a : i == 1 ? b : c), 0;
    int idx[5];
    float s[5];
    int found = wv_analogy(wv, r[0], r[1], r[2], 0, 5, idx, s);
    int rank = 0;
    for (int i = 0; i < found; i++) {
        printf("%s %.3f%s", wv->words[idx[i]], s[i], i + 1 < found ? ", " : "");
        if (expect && !strcmp(wv->words[idx[i]], expect) && !rank) rank = i + 1;
    }
    if (expect) printf("   [%s: %s]", expect, rank == 1 ? "top-1" : rank ? (rank == 2 ? "2nd" : rank == 3 ? "3rd" : "top-5") : "not in the top 5");
    printf("\n");
    return rank == 1;
}

/* Groups of words (C2): for each word, is its nearest neighbour among all the group words one of
 * its own group? And the mean cosine within groups against across groups. */
typedef struct {
    const char *name;
    const char *words[12];
} Group;

static void group_check(const WordVectors *wv, const Group *g, int ng, const char *plot_name, const char *title) {
    int rows[128], grp[128], n = 0;
    for (int i = 0; i < ng; i++)
        for (int k = 0; g[i].words[k]; k++) {
            int r = wv_find(wv, g[i].words[k]);
            if (r >= 0 && n < 128) rows[n] = r, grp[n++] = i;
        }
    int pure = 0;
    double within = 0, across = 0;
    long nw = 0, na = 0;
    for (int i = 0; i < n; i++) {
        int best = -1;
        double bestc = -2;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            double c = 0;
            for (int t = 0; t < wv->dim; t++)
                c += (double)wv->unit[(size_t)rows[i] * wv->dim + t] * wv->unit[(size_t)rows[j] * wv->dim + t];
            if (c > bestc) bestc = c, best = j;
            if (j > i) {
                if (grp[i] == grp[j]) within += c, nw++;
                else across += c, na++;
            }
        }
        pure += best >= 0 && grp[best] == grp[i];
    }
    printf("%d words in %d groups (", n, ng);
    for (int i = 0; i < ng; i++) printf("%s%s", g[i].name, i + 1 < ng ? ", " : "");
    printf("):\n  %d of %d have their nearest neighbour in their own group; mean cosine within a group %.3f, "
           "across groups %.3f\n",
           pure, n, nw ? within / nw : 0, na ? across / na : 0);
    const char *names[16];
    for (int i = 0; i < ng && i < 16; i++) names[i] = g[i].name;
    map_word_groups(wv, rows, n, grp, names, ng < 16 ? ng : 16, NULL, 0, MAP_PCA, plot_name, title);
}

/* The mean cosine between the offsets of random word pairs: what "parallel" is measured against. */
static double random_offset_cosine(const WordVectors *wv, int limit, int trials) {
    Rng r;
    rng_seed(&r, 7);
    double s = 0;
    int n = limit < wv->n ? limit : wv->n;
    for (int t = 0; t < trials; t++) {
        int a = (int)rng_below(&r, (uint64_t)n), b = (int)rng_below(&r, (uint64_t)n);
        int c = (int)rng_below(&r, (uint64_t)n), d = (int)rng_below(&r, (uint64_t)n);
        s += fabs(offset_cosine(wv, a, b, c, d));
    }
    return s / trials;
}

static void evaluate(const WordVectors *wv, const char *questions, const char *pairs, double *acc, double *rho,
                     int print_sections) {
    char err[ERR_LEN];
    AnalogyReport rep;
    if (wv_eval_analogies(wv, questions, 0, &rep, err)) die("%s", err);
    if (print_sections) analogy_report_print(stdout, &rep);
    *acc = rep.covered ? (double)rep.correct / rep.covered : 0;
    analogy_report_free(&rep);
    if (pairs) {
        SimilarityReport s;
        if (wv_eval_similarity(wv, pairs, &s, err)) die("%s", err);
        *rho = s.spearman;
        if (print_sections) printf("%s: spearman=%.4f covered=%d/%d\n", pairs, s.spearman, s.covered, s.total);
    }
}

/* C5: the verses with "bank", sorted by the sense their other words suggest. */
static void bank_senses(int *river, int *money, int *other, char *money_line, size_t cap) {
    size_t len;
    char err[ERR_LEN];
    char *text = corpus_read(KJV, &len, err);
    if (!text) die("%s", err);
    *river = *money = *other = 0;
    money_line[0] = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        TokenList t = {0};
        tokenize_list(line, strlen(line), TOK_WORDS, &t);
        int bank = 0, is_money = 0, is_river = 0;
        for (size_t i = 0; i < t.n; i++) {
            const char *w = t.tok[i];
            bank |= !strcmp(w, "bank") || !strcmp(w, "banks");
            is_money |= !strcmp(w, "money") || !strcmp(w, "usury") || !strcmp(w, "exchangers");
            is_river |= !strcmp(w, "river") || !strcmp(w, "jordan") || !strcmp(w, "water") || !strcmp(w, "waters") ||
                        !strcmp(w, "sea") || !strcmp(w, "brink") || !strcmp(w, "shore") || !strcmp(w, "rivers");
        }
        if (bank) {
            if (is_money) {
                (*money)++;
                if (!money_line[0]) snprintf(money_line, cap, "%s", line);
            } else if (is_river) (*river)++;
            else (*other)++;
        }
        token_list_free(&t);
        line = nl ? nl + 1 : NULL;
    }
    free(text);
}

static double word_cos(const WordVectors *wv, const char *a, const char *b) {
    int ra = wv_find(wv, a), rb = wv_find(wv, b);
    if (ra < 0 || rb < 0) return NAN;
    double c = 0;
    for (int t = 0; t < wv->dim; t++) c += (double)wv->unit[(size_t)ra * wv->dim + t] * wv->unit[(size_t)rb * wv->dim + t];
    return c;
}

int w2v_demo(const DemoOpts *o) {
    double t_start = now_seconds();
    plot_set_outdir(o->outdir);
    const int en_epochs = 15, zh_epochs = 10;
    printf("word2vec demo (chapter 02): claims C2-C5 on the King James Bible and 红楼梦%s.\n",
           o->full ? " (FULL: with hierarchical softmax and the big analogy set)" : "");
    printf("Training progress goes to stderr; `word2vec --help` lists the tools used below.\n");

    banner("training skip-gram on the King James Bible");
    W2vStats st_sg, st_cbow;
    W2vConfig cfg_sg = demo_config(o, W2V_SKIPGRAM, en_epochs, 0.05);
    WordVectors *sg = train(o, KJV, &cfg_sg, "02_word2vec_kjv_sg", &st_sg);

    /* ---- C2 ---- */
    banner("C2: related words get close vectors");
    const char *probe[] = {"gold", "water", "sheep", "king", "seven", "jerusalem", "sword", "wine"};
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) neighbours_line(sg, probe[i], 5);
    say("Nobody told the model what gold or sheep are: words used in the same contexts (silver, brass;");
    say("oxen, flocks) simply end up with the largest cosines. A one-hot code (chapter 01) gives 0 for all.");
    static const Group en_groups[] = {
        {"numbers", {"two", "three", "four", "five", "six", "seven", "eight", "ten", "twelve", NULL}},
        {"family", {"father", "mother", "son", "daughter", "brother", "sister", "wife", "husband", NULL}},
        {"metals", {"gold", "silver", "brass", "iron", "copper", "tin", NULL}},
        {"animals", {"sheep", "oxen", "goats", "camels", "asses", "horses", "lambs", "rams", NULL}},
        {"places", {"egypt", "babylon", "assyria", "damascus", "nineveh", "moab", "edom", NULL}},
    };
    group_check(sg, en_groups, 5, "02_word2vec_kjv_groups", "King James Bible: five groups of words");
    say("The groups come out as clusters: see the PCA plot above (out/02_word2vec_kjv_groups.png).");
    int top[300];
    for (int i = 0; i < 300; i++) top[i] = i;
    map_words(sg, top, sg->n < 300 ? sg->n : 300, NULL, 0, MAP_TSNE, "02_word2vec_kjv_tsne",
              "King James Bible: the 300 most frequent words");
    say("The t-SNE map of the 300 most frequent words (out/02_word2vec_kjv_tsne.png) groups pronouns,");
    say("numbers, verbs of saying... t-SNE keeps neighbours together; its distances between groups mean nothing.");

    /* ---- C3 ---- */
    banner("C3: relations become offsets");
    int wins = 0, asked = 0;
    asked++, wins += analogy_line(sg, "man", "king", "woman", "queen");
    asked++, wins += analogy_line(sg, "man", "woman", "king", "queen");
    asked++, wins += analogy_line(sg, "he", "she", "him", "her");
    asked++, wins += analogy_line(sg, "son", "sons", "daughter", "daughters");
    asked++, wins += analogy_line(sg, "go", "went", "come", "came");
    printf("  %d of %d answered top-1, by 3CosAdd (the nearest word to b - a + c, the three question words excluded)\n",
           wins, asked);
    const char *pairs[][2] = {{"man", "woman"}, {"king", "queen"}, {"father", "mother"}, {"son", "daughter"}, {"brother", "sister"}, {"he", "she"}};
    int nps = (int)(sizeof pairs / sizeof *pairs);
    int rows[12], arrows[6][2], n = 0;
    for (int i = 0; i < nps; i++) {
        int a = wv_find(sg, pairs[i][0]), b = wv_find(sg, pairs[i][1]);
        if (a < 0 || b < 0) continue;
        rows[n++] = a, rows[n++] = b;
        arrows[n / 2 - 1][0] = a, arrows[n / 2 - 1][1] = b;
    }
    printf("How parallel are the offsets? cosine between woman - man and the other pairs' offsets:\n ");
    int man = wv_find(sg, "man"), woman = wv_find(sg, "woman");
    for (int i = 1; i < n / 2; i++)
        printf(" %s-%s %.3f%s", sg->words[arrows[i][1]], sg->words[arrows[i][0]],
               offset_cosine(sg, man, woman, arrows[i][0], arrows[i][1]), i + 1 < n / 2 ? "," : "\n");
    printf("  against %.3f on average (absolute value) for the offsets of random word pairs.\n",
           random_offset_cosine(sg, 2000, 2000));
    int was_ascii = !plot_have_gnuplot();
    map_words(sg, rows, n, (const int(*)[2])arrows, n / 2, MAP_PCA, "02_word2vec_kjv_offsets",
              "male -> female offsets");
    if (!was_ascii) { /* and the same in the terminal */
        plot_set_ascii(1);
        map_words(sg, rows, n, (const int(*)[2])arrows, n / 2, MAP_PCA, "02_word2vec_kjv_offsets",
                  "male -> female offsets");
        plot_set_ascii(0);
    }
    say("The male -> female arrows point the same way: the relation is (roughly) one direction in the space.");
    printf("On the small analogy set %s:\n", EN_ANALOGIES);
    double acc_sg, rho_sg;
    evaluate(sg, EN_ANALOGIES, NULL, &acc_sg, &rho_sg, 1);
    printf("Paris - France ~ Berlin - Germany cannot be asked here:");
    const char *modern[] = {"paris", "france", "berlin", "germany"};
    for (int i = 0; i < 4; i++) printf(" %s%s", modern[i], wv_find(sg, modern[i]) < 0 ? " (absent)" : " (present)");
    printf(".\n");
    printf("Its own capital-and-country kind of pair, country : king:\n");
    analogy_line(sg, "babylon", "nebuchadnezzar", "persia", "cyrus");
    say("An embedding knows only what its corpus says: the King James text has kings of Babylon and Persia,");
    say("no Berlin; ask it about its own world.");

    /* ---- C4 ---- */
    banner("C4: CBOW against skip-gram, same corpus, same settings");
    W2vConfig cfg_cbow = demo_config(o, W2V_CBOW, en_epochs, 0.05);
    WordVectors *cbow = train(o, KJV, &cfg_cbow, "02_word2vec_kjv_cbow", &st_cbow);
    WordVectors *hs[2] = {NULL, NULL};
    W2vStats st_hs[2];
    if (o->full) {
        for (int k = 0; k < 2; k++) {
            W2vConfig c = demo_config(o, k ? W2V_CBOW : W2V_SKIPGRAM, en_epochs, 0.05);
            c.hs = 1;
            hs[k] = train(o, KJV, &c, k ? "02_word2vec_kjv_cbow_hs" : "02_word2vec_kjv_sg_hs", &st_hs[k]);
        }
    }
    printf("\n%-28s %8s %12s %18s %16s   %s\n", "model", "train s", "words/s", "simple analogies", "MEN Spearman",
           "neighbours of 'gold'");
    struct {
        const char *name;
        WordVectors *wv;
        W2vStats *st;
    } models[4] = {{"skip-gram, neg. sampling", sg, &st_sg}, {"CBOW, neg. sampling", cbow, &st_cbow},
                   {"skip-gram, hier. softmax", hs[0], &st_hs[0]}, {"CBOW, hier. softmax", hs[1], &st_hs[1]}};
    for (int m = 0; m < 4; m++) {
        if (!models[m].wv) continue;
        double acc, rho;
        evaluate(models[m].wv, EN_ANALOGIES, EN_MEN, &acc, &rho, 0);
        int g = wv_find(models[m].wv, "gold"), idx[3];
        float cs[3];
        int f = wv_nearest(models[m].wv, models[m].wv->vec + (size_t)g * models[m].wv->dim, 0, 3, &g, 1, idx, cs);
        printf("%-28s %8.1f %11.0fk %17.1f%% %16.3f  ", models[m].name, models[m].st->wall_s,
               models[m].st->words_per_s / 1e3, 100 * acc, rho);
        for (int i = 0; i < f; i++) printf(" %s", models[m].wv->words[idx[i]]);
        printf("\n");
    }
    if (o->full) {
        printf("\nThe big analogy set (%s), on the questions this corpus covers:\n", EN_QUESTIONS);
        for (int m = 0; m < 4; m++) {
            if (!models[m].wv) continue;
            char err[ERR_LEN];
            AnalogyReport rep;
            if (wv_eval_analogies(models[m].wv, EN_QUESTIONS, 0, &rep, err)) die("%s", err);
            printf("  %-28s accuracy=%.4f covered=%d/%d\n", models[m].name,
                   rep.covered ? (double)rep.correct / rep.covered : 0, rep.covered, rep.total);
            analogy_report_free(&rep);
        }
    }
    printf("CBOW trained %.1fx faster than skip-gram.\n", st_sg.wall_s / st_cbow.wall_s);
    say("CBOW makes one prediction per word (from the averaged context), skip-gram one per context word:");
    say("CBOW is several times faster; skip-gram, with more updates per word, usually gives the better vectors");
    say("on a small corpus (compare the two score columns).");

    /* ---- C5 ---- */
    banner("C5: one vector per word, whatever its sense: 'bank'");
    int river, money, other;
    char money_line[512];
    bank_senses(&river, &money, &other, money_line, sizeof money_line);
    printf("Verses with bank/banks in %s: %d by a river or the sea, %d about money, %d other (siege mounds)\n", KJV,
           river, money, other);
    printf("  the money one: \"%s\"\n", money_line);
    neighbours_line(sg, "bank", 8);
    printf("  cos(bank, river) = %.3f   cos(bank, money) = %.3f   cos(bank, usury) = %.3f\n", word_cos(sg, "bank", "river"),
           word_cos(sg, "bank", "money"), word_cos(sg, "bank", "usury"));
    say("'bank' has ONE vector, trained on all its verses alike, so it sits with the river words (the");
    say("dominant sense here) and far from money. Chapter 07 gives each occurrence its own, contextual vector.");

    /* ---- Chinese ---- */
    banner("C2, C3 in Chinese: 红楼梦, segmented into words");
    W2vStats st_zh;
    W2vConfig cfg_zh = demo_config(o, W2V_SKIPGRAM, zh_epochs, 0.025);
    WordVectors *zh = train(o, HLM, &cfg_zh, "02_word2vec_hlm_sg", &st_zh);
    const char *zprobe[] = {"银子", "丫头", "宝玉", "哭", "酒"};
    for (size_t i = 0; i < sizeof zprobe / sizeof *zprobe; i++) neighbours_line(zh, zprobe[i], 5);
    analogy_line(zh, "宝玉", "黛玉", "贾琏", "凤姐");
    analogy_line(zh, "宝玉", "袭人", "黛玉", "紫鹃");
    say("银子 (silver, money) sits with amounts of it (几两, 二两...). 宝玉 : 黛玉 = 贾琏 : ? finds the women of");
    say("贾琏's story: 凤姐, his wife, and 秋桐, his concubine, take the first two places (which one leads");
    say("changes with the seed); 宝玉 : 袭人 = 黛玉 : 紫鹃 pairs each one with her or his maid.");
    static const Group zh_groups[] = {
        {"主子", {"宝玉", "黛玉", "宝钗", "凤姐", "贾琏", "贾母", "王夫人", "探春", NULL}},
        {"丫鬟", {"袭人", "晴雯", "紫鹃", "平儿", "鸳鸯", "麝月", NULL}},
        {"银钱", {"银子", "钱", "几两", "二两", "一两", NULL}},
        {"吃喝", {"酒", "茶", "饭", "点心", "粥", NULL}},
    };
    group_check(zh, zh_groups, 4, "02_word2vec_hlm_groups", "红楼梦: four groups of words");
    printf("On the small Chinese analogy set %s:\n", ZH_ANALOGIES);
    double acc_zh, rho_zh;
    evaluate(zh, ZH_ANALOGIES, NULL, &acc_zh, &rho_zh, 1);
    say("The textbook relations (父亲 : 母亲 = 儿子 : 女儿) do not line up in 400k words of an 18th-century");
    say("novel, though the words occur (父亲 131 times, 母亲 173); its own pairs of characters above do.");

    printf("\n[02_word2vec] demo trainings: skip-gram %.1f s, CBOW %.1f s, 红楼梦 %.1f s; all in %.0f s\n", st_sg.wall_s,
           st_cbow.wall_s, st_zh.wall_s, now_seconds() - t_start);
    wv_free(sg), wv_free(cbow), wv_free(zh), wv_free(hs[0]), wv_free(hs[1]);
    return 0;
}
