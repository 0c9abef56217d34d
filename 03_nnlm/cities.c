/* cities.c - chapter 03, claim C7: n-grams cannot share what they learned between similar words;
 * the neural LM shares it through the word vectors.
 *
 * The controlled experiment. A small training text is drawn from a grammar written here, so that
 * every count is known:
 *   - two cities fill the same six sentence frames ("我 住在 _", "_ 是 一个 大 城市",
 *     "他 明天 去 _", ...): 北京 five times as often as 上海;
 *   - four foods fill six frames of their own ("我 喜欢 吃 _", "_ 很 好吃", ...); 苹果 is drawn
 *     as often as 上海, so the two are alike in frequency but not in use;
 *   - one more frame, "P 下个月 飞往 北京", is the only place 飞往 and 下个月 occur, and it is
 *     always 北京: the context "我们 下个月 飞往" is seen in training only before 北京.
 * Then both models are asked for the next word after "我们 下个月 飞往".
 *
 * The 4-gram Kneser-Ney model has seen the context, always followed by 北京, and backs off from it
 * through "下个月 飞往" and "飞往" (also only ever before 北京) to the unigram continuation counts,
 * where 上海 and 苹果 are just two words each seen after a handful of different words: it gives
 * them nearly the same small probability. The NNLM reads the context through word vectors; 飞往
 * after a time word looks like 去 after a time word, and 上海's output vector was trained in the
 * very frames 北京's was, so 上海 gets a real share and 苹果 almost none. The cosine of the city
 * vectors shows the similarity the network found.
 *
 * Builds on: lmdata.h, ngram.h, nnlm.h. Leaves out: anything beyond one context; a curious reader
 * changes the frames in cities_text and runs `bin/nnlm --cities` again.
 */
#include "cities.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmdata.h"
#include "ngram.h"
#include "nnlm.h"
#include "platform.h"
#include "rng.h"
#include "utf8.h"
#include "util.h"
#include "vec.h"

static const char *const PEOPLE[] = {"我", "他", "她", "我们", "他们"};
static const char *const TIMES[] = {"今天", "明天", "昨天", "下周"};
/* 北京 five times as often as 上海 */
static const char *const CITIES[] = {"北京", "北京", "北京", "北京", "北京", "上海"};
/* 苹果 one time in six, as 上海 is among the cities */
static const char *const FOODS[] = {"苹果", "米饭", "米饭", "面条", "面条", "饺子"};
#define PICK(rng, a) (a)[rng_below((rng), sizeof(a) / sizeof *(a))]

/* Frames: P is a person, T a time word, X the city or food. */
static const char *const CITY_FRAMES[] = {"P 住在 X", "P T 去 X", "X 是 一个 大 城市", "X 的 冬天 很 冷",
                                          "P 在 X 工作", "P 喜欢 X"};
static const char *const FOOD_FRAMES[] = {"P 喜欢 吃 X", "X 很 好吃", "P T 买了 X", "P 在 家 吃 X",
                                          "X 是 一种 食物", "P 不 喜欢 X"};
static const char *const FLIGHT_FRAME = "P 下个月 飞往 北京";

static void append(char **buf, size_t *len, size_t *cap, const char *s) {
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) *buf = xrealloc(*buf, *cap = 2 * (*len + n + 1));
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

char *cities_text(uint64_t seed, int nsent) {
    Rng rng;
    rng_seed(&rng, seed);
    size_t len = 0, cap = 4096;
    char *buf = xmalloc(cap);
    buf[0] = '\0';
    for (int s = 0; s < nsent; s++) {
        /* 47% city frames, 47% food frames, 6% the flight */
        float u = rng_uniform(&rng);
        const char *frame = u < 0.47f ? PICK(&rng, CITY_FRAMES) : u < 0.94f ? PICK(&rng, FOOD_FRAMES) : FLIGHT_FRAME;
        const char *x = u < 0.47f ? PICK(&rng, CITIES) : PICK(&rng, FOODS);
        for (const char *p = frame; *p; p++) {
            if (*p == 'P') append(&buf, &len, &cap, PICK(&rng, PEOPLE));
            else if (*p == 'T') append(&buf, &len, &cap, PICK(&rng, TIMES));
            else if (*p == 'X') append(&buf, &len, &cap, x);
            else {
                char c[2] = {*p, 0};
                append(&buf, &len, &cap, c);
            }
        }
        append(&buf, &len, &cap, "\n");
    }
    return buf;
}

static int word_id(const Vocab *v, const char *w) {
    int id = vocab_find_str(v, w);
    if (id < 0) die("cities: '%s' is missing from the toy vocabulary", w);
    return id;
}

void cities_run(uint64_t seed, int nsent, int verbose, CitiesResult *r) {
    memset(r, 0, sizeof *r);
    /* A model this small (a few thousand weights) is faster on one thread: splitting its tiny
     * matrix products costs more in synchronisation than it saves. */
    int threads = num_threads();
    set_num_threads(1);
    char *text = cities_text(seed, nsent);
    LmSplitOptions so = lm_split_defaults();
    so.min_count = 1, so.seed = seed, so.valid_frac = 0.1, so.test_frac = 0;
    LmData d;
    char err[ERR_LEN];
    if (lmdata_from_text(&d, text, strlen(text), &so, err)) die("cities: %s", err);
    free(text);

    const char *words[3] = {CITIES_FREQUENT, CITIES_RARE, CITIES_CONTROL};
    int ids[3], ctx[3];
    for (int i = 0; i < 3; i++) ids[i] = word_id(d.vocab, words[i]);
    TokenList t = {0};
    tokenize_list(CITIES_CONTEXT, strlen(CITIES_CONTEXT), TOK_WORDS, &t);
    if (t.n != 3) die("cities: the context must be 3 words");
    for (int i = 0; i < 3; i++) ctx[i] = word_id(d.vocab, t.tok[i]);
    token_list_free(&t);

    /* What the training text holds: the counts, and what followed the context. */
    const int *tok = d.tok[LM_TRAIN];
    for (long i = 0; i < d.ntok[LM_TRAIN]; i++) {
        r->count_frequent += tok[i] == ids[0], r->count_rare += tok[i] == ids[1], r->count_control += tok[i] == ids[2];
        if (i >= 3 && tok[i - 3] == ctx[0] && tok[i - 2] == ctx[1] && tok[i - 1] == ctx[2])
            r->seen_frequent += tok[i] == ids[0], r->seen_rare += tok[i] == ids[1];
    }

    /* The 4-gram model: it has seen the context. */
    KnModel *kn = kn_train(tok, d.ntok[LM_TRAIN], d.V, 4);
    for (int i = 0; i < 3; i++) r->kn[i] = kn_prob(kn, ctx, 3, ids[i]);
    kn_free(kn);

    /* The NNLM reading the same 3 words, small enough to train in a second. */
    NnlmConfig cfg = {d.V, 3, 16, 32, 0};
    Nnlm m;
    nnlm_init(&m, &cfg, 256);
    Rng rng;
    rng_seed(&rng, seed);
    nnlm_init_weights(&m, &rng, 0.1f, d.vocab->counts);
    NnlmTrainOptions o = nnlm_train_defaults();
    o.batch = 256, o.lr = 1e-2f, o.max_epochs = 10, o.patience = 2, o.log_every = 0, o.seed = seed;
    o.verbose = verbose;
    NnlmTrainResult tr;
    if (verbose) printf("training the NNLM (context 3, dim 16, hidden 32) on the toy text:\n");
    nnlm_train(&m, &d, &o, &tr);
    float *p = xmalloc(sizeof(float) * (size_t)d.V);
    nnlm_next_distribution(&m, ctx, 1.0f, p);
    for (int i = 0; i < 3; i++) r->nnlm[i] = p[ids[i]];
    free(p);
    const float *e0 = m.w.emb + (size_t)ids[0] * cfg.dim;
    r->cos_rare = vec_cosine(e0, m.w.emb + (size_t)ids[1] * cfg.dim, (size_t)cfg.dim);
    r->cos_control = vec_cosine(e0, m.w.emb + (size_t)ids[2] * cfg.dim, (size_t)cfg.dim);

    if (verbose) {
        printf("\nThe toy text: %ld training sentences, V = %d (the frames are in 03_nnlm/cities.c).\n",
               d.nsent[LM_TRAIN], d.V);
        printf("Training counts: %s %ld, %s %ld, %s %ld.\n", words[0], r->count_frequent, words[1], r->count_rare,
               words[2], r->count_control);
        printf("The context \"%s\" is followed in training by %s %ld times and by %s %ld times.\n\n", CITIES_CONTEXT,
               words[0], r->seen_frequent, words[1], r->seen_rare);
        /* CJK characters take two terminal columns: pad by width, not by bytes */
        char head[96];
        snprintf(head, sizeof head, "P(w | %s)", CITIES_CONTEXT);
        utf8_print_padded(stdout, head, 30);
        for (int i = 0; i < 3; i++) utf8_print_padded(stdout, words[i], 12);
        printf("%s/%s\n", words[1], words[2]);
        printf("%-30s%-12.6f%-12.6f%-12.6f%.2f\n", "  Kneser-Ney 4-gram", r->kn[0], r->kn[1], r->kn[2], r->kn[1] / r->kn[2]);
        printf("%-30s%-12.6f%-12.6f%-12.6f%.2f\n", "  NNLM (reads 3 words)", r->nnlm[0], r->nnlm[1], r->nnlm[2],
               r->nnlm[1] / r->nnlm[2]);
        printf("\ncosine of the NNLM's word vectors: %s-%s %.3f, %s-%s %.3f\n", words[0], words[1], r->cos_rare,
               words[0], words[2], r->cos_control);
        printf("Notice: the n-gram model gives %s no more than %s (%.2fx): for it both are just words seen in "
               "other places.\nThe NNLM gives %s %.0fx the probability of %s, and %.1f%% of the mass, though it never "
               "saw %s after this context:\nthe shared frames made the two cities' vectors alike, and what it "
               "learned about %s carried over.\n",
               words[1], words[2], r->kn[1] / r->kn[2], words[1], r->nnlm[1] / r->nnlm[2], words[2],
               100 * r->nnlm[1], words[1], words[0]);
    }
    nnlm_free(&m);
    lmdata_free(&d);
    set_num_threads(threads);
}
