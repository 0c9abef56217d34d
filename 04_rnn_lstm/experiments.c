/* experiments.c - the measurements behind claims C10 (vanishing gradients), C11 (long-range
 * memory) and C12 (ELMo's context-dependent vectors); see experiments.h.
 *
 * Builds on: rnnlm.h (C10 trains the three language models), rnn_layer.h (C11 drives one layer
 * directly; C12 a bidirectional stack), common/ (embedding, linear layer, cross-entropy, Adam,
 * plots). Leaves out: averages over several seeds (one seeded run each; the demo says so). */
#include "experiments.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "embedding.h"
#include "matmul.h"
#include "optim.h"
#include "platform.h"
#include "plot.h"
#include "progress.h"
#include "rnn_layer.h"
#include "rnnlm.h"
#include "softmax.h"
#include "utf8.h"
#include "util.h"
#include "vec.h"

static const CellType CELLS[3] = {CELL_RNN, CELL_LSTM, CELL_GRU};
static const char *const CELL_LABEL[3] = {"vanilla RNN", "LSTM", "GRU"};

/* A corpus as ids, with its vocabulary. */
typedef struct {
    Vocab *vocab;
    int *ids;
    size_t n;
} CharText;

static void text_load(CharText *t, const char *path, LmUnit unit, int min_count) {
    char err[ERR_LEN];
    size_t len;
    char *text = corpus_read(path, &len, err);
    if (!text) die("%s", err);
    TokenList toks = {0};
    lm_tokenize(text, len, unit, &toks);
    free(text);
    t->vocab = lm_build_vocab(&toks, unit, min_count);
    t->ids = xmalloc(sizeof(int) * (toks.n ? toks.n : 1));
    lm_encode(t->vocab, &toks, t->ids);
    t->n = toks.n;
    token_list_free(&toks);
}

/* A copy of a vocabulary (each model owns its own). */
static Vocab *vocab_copy(const Vocab *v) {
    Vocab *c = vocab_new();
    for (int i = 0; i < v->n; i++) vocab_add(c, v->words[i], v->lens[i], v->counts[i]);
    return c;
}

/* ==== C10: the norm of dLoss/dh_t against distance ============================================= */

/* |dLoss/dh_t| for the loss at the last of T steps, averaged over B sequences that start at
 * random places of ids[0..n); norms[k] is for distance k = T-1-t. */
static void measure_gradnorms(RnnLm *m, const int *ids, size_t n, int T, int B, uint64_t seed, double *norms) {
    int H = m->cfg.hidden;
    int *x = xmalloc(sizeof(int) * (size_t)T * B), *y = xmalloc(sizeof(int) * (size_t)T * B);
    Rng rng;
    rng_seed(&rng, seed);
    for (int b = 0; b < B; b++) {
        size_t start = (size_t)rng_below(&rng, (uint64_t)(n - (size_t)T - 1));
        for (int t = 0; t < T; t++) {
            x[t * B + b] = ids[start + (size_t)t];
            /* only the last step has a target: the loss sits at distance 0 */
            y[t * B + b] = t == T - 1 ? ids[start + (size_t)t + 1] : -1;
        }
    }
    float *rec = xcalloc((size_t)T * B * H, sizeof(float));
    RnnLayer *layer = &m->stack.layer[0].dir[0];
    layer->dh_record = rec;
    rnn_stack_reset(&m->stack);
    rnnlm_forward(m, x, y, T, B, 0, NULL);
    params_zero_grad(&m->p);
    rnnlm_backward(m);
    layer->dh_record = NULL;
    for (int t = 0; t < T; t++) {
        double s = 0;
        /* the loss is the mean over the B sequences: times B gives each sequence's own gradient */
        for (int b = 0; b < B; b++) s += B * vec_norm(rec + ((size_t)t * B + b) * H, (size_t)H);
        norms[T - 1 - t] = s / B;
    }
    free(x), free(y), free(rec);
}

int exp_gradnorm(const GradNormConfig *c) {
    CharText text;
    text_load(&text, c->corpus, UNIT_CHARS, 1);
    if (text.n < (size_t)(c->T + 2) * 20) die("%s: too short for sequences of %d", c->corpus, c->T);
    size_t ntrain = text.n - text.n / 10;
    const int *held = text.ids + ntrain;
    size_t nheld = text.n - ntrain;
    int T = c->T;
    double *norms[3], *norms0[3], *dist = xmalloc(sizeof(double) * (size_t)T);
    for (int k = 0; k < T; k++) dist[k] = k;
    printf("C10: three character models (%d hidden units) on %s, the loss at the last of %d steps, "
           "|dLoss/dh_t| averaged over %d held-out sequences\n",
           c->hidden, c->corpus, T, c->B);
    for (int ci = 0; ci < 3; ci++) {
        LmConfig cfg = {CELLS[ci], UNIT_CHARS, 1, c->hidden, c->embed, 0};
        RnnLm m;
        rnnlm_init(&m, &cfg, vocab_copy(text.vocab), T, c->B);
        Rng rng;
        rng_seed(&rng, c->seed);
        rnnlm_init_weights(&m, &rng);
        norms0[ci] = xmalloc(sizeof(double) * (size_t)T), norms[ci] = xmalloc(sizeof(double) * (size_t)T);
        measure_gradnorms(&m, held, nheld, T, c->B, c->seed + 7, norms0[ci]);
        if (c->steps > 0) {
            printf("\n-- %s: %ld training steps (chunks of %d, batch %d, Adam %g)\n", CELL_LABEL[ci], c->steps, T, c->B,
                   c->lr);
            TrainConfig tc = {.T = T, .B = c->B, .steps = c->steps, .lr = c->lr, .clip = 5, .print_every = c->steps,
                              .seed = c->seed};
            TrainLog log;
            rnnlm_train(&m, &tc, text.ids, ntrain, held, nheld > 20000 ? 20000 : nheld, &log);
            train_log_free(&log);
        }
        measure_gradnorms(&m, held, nheld, T, c->B, c->seed + 7, norms[ci]);
        rnnlm_free(&m);
    }
    static const int SHOW[] = {0, 1, 2, 5, 10, 20, 30, 50, 75, 99, 150, 199};
    printf("\n|dLoss/dh_t| against the distance of step t from the loss%s:\n", c->steps > 0 ? " (trained models)" : "");
    printf("  %-12s", "distance");
    for (size_t i = 0; i < sizeof SHOW / sizeof *SHOW; i++)
        if (SHOW[i] < T) printf(" %9d", SHOW[i]);
    printf("\n");
    for (int pass = 0; pass < (c->steps > 0 ? 2 : 1); pass++)
        for (int ci = 0; ci < 3; ci++) {
            const double *v = pass == 0 ? norms[ci] : norms0[ci];
            char label[64];
            snprintf(label, sizeof label, "%s%s", CELL_LABEL[ci], pass ? " init" : "");
            printf("  %-12s", label);
            for (size_t i = 0; i < sizeof SHOW / sizeof *SHOW; i++)
                if (SHOW[i] < T) printf(" %9.2e", v[SHOW[i]]);
            printf("\n");
        }
    int far = T - 1 < 50 ? T - 1 : 50;
    printf("\nFrom distance 0 to distance %d the gradient shrinks by a factor of:", far);
    for (int ci = 0; ci < 3; ci++) printf("  %s %.1e", CELL_LABEL[ci], norms[ci][0] / norms[ci][far]);
    printf("\nNotice: the vanilla RNN's gradient falls geometrically with the distance (every step multiplies it by\n"
           "Wh^T diag(1 - h^2)); the LSTM's cell state, a sum gated by f, and the GRU's interpolation carry it much\n"
           "further, so their far steps still receive a learning signal.\n");
    char title[160], pname[256];
    snprintf(title, sizeof title, "|dLoss/dh_t| against distance from the loss (%d units, %s)", c->hidden,
             c->steps > 0 ? "trained" : "untrained");
    snprintf(pname, sizeof pname, "%s", c->name);
    PlotOpts po = {title, "distance from the loss (steps)", "|dLoss/dh_t| (log scale)", 0, 1};
    PlotSeries s[6];
    char names[6][64];
    int ns = 0;
    for (int pass = 0; pass < (c->steps > 0 ? 2 : 1); pass++)
        for (int ci = 0; ci < 3; ci++) {
            snprintf(names[ns], sizeof names[ns], "%s%s", CELL_LABEL[ci],
                     c->steps > 0 ? (pass ? " (untrained)" : " (trained)") : "");
            s[ns] = (PlotSeries){names[ns], dist, pass ? norms0[ci] : norms[ci], T};
            ns++;
        }
    int rc = plot_lines(pname, &po, s, ns) < 0;
    for (int ci = 0; ci < 3; ci++) free(norms[ci]), free(norms0[ci]);
    free(dist), free(text.ids);
    vocab_free(text.vocab);
    return rc;
}

/* ==== C11: remember the first symbol =========================================================== */

/* The task: L tokens, each one of K symbols, all random; at the last step the network must name the
 * FIRST one. The later tokens come from the same alphabet, so the network must write the first
 * symbol into its state and then keep every later one out: what an input or update gate does, and
 * what a vanilla RNN, whose every input is added into its state, cannot do for long.
 * The model: embedding (K, E) -> one recurrent layer (H) -> a linear head (K) on the last state. */
typedef struct {
    Params p;
    float *emb, *demb, *hw, *dhw, *hb, *dhb;
    CellWeights w, g;
    RnnLayer layer;
    int K, E, H, L, B;
    int *ids, *y;
    float *x, *dx, *out, *hT, *probs, *dlogits, *dhT;
} RecallNet;

static void recall_init(RecallNet *n, CellType t, int K, int E, int H, int L, int B, float keep_bias, Rng *rng) {
    memset(n, 0, sizeof *n);
    n->K = K, n->E = E, n->H = H, n->L = L, n->B = B;
    SpecList s = {0};
    spec_add(&s, "emb", 2, K, E, 0);
    cell_add_specs(&s, t, "rnn", E, H);
    spec_add(&s, "head.w", 2, K, H, 0);
    spec_add(&s, "head.b", 1, K, 0, 1);
    params_init(&n->p, s.specs, s.n);
    float *ptr[8], *gptr[8];
    params_carve(&n->p, n->p.data, ptr);
    params_carve(&n->p, n->p.grad, gptr);
    n->emb = ptr[0], n->demb = gptr[0];
    n->hw = ptr[s.n - 2], n->dhw = gptr[s.n - 2], n->hb = ptr[s.n - 1], n->dhb = gptr[s.n - 1];
    n->w = cell_weights(&n->p, n->p.data, t, "rnn");
    n->g = cell_weights(&n->p, n->p.grad, t, "rnn");
    rng_fill_normal(rng, n->emb, (size_t)K * E, 0, 1);
    cell_init(t, &n->w, E, H, keep_bias, rng);
    float k = 1.0f / sqrtf((float)H);
    rng_fill_uniform(rng, n->hw, (size_t)K * H, -k, k);
    rng_fill_uniform(rng, n->hb, (size_t)K, -k, k);
    rnn_layer_init(&n->layer, t, E, H, 0, L, B);
    size_t N = (size_t)L * B;
    n->ids = xmalloc(sizeof(int) * N), n->y = xmalloc(sizeof(int) * (size_t)B);
    n->x = xmalloc(sizeof(float) * N * E), n->dx = xmalloc(sizeof(float) * N * E);
    n->out = xmalloc(sizeof(float) * N * H), n->hT = xmalloc(sizeof(float) * (size_t)B * H);
    n->dhT = xmalloc(sizeof(float) * (size_t)B * H);
    n->probs = xmalloc(sizeof(float) * (size_t)B * K), n->dlogits = xmalloc(sizeof(float) * (size_t)B * K);
}

static void recall_free(RecallNet *n) {
    params_free(&n->p);
    rnn_layer_free(&n->layer);
    free(n->ids), free(n->y), free(n->x), free(n->dx), free(n->out), free(n->hT), free(n->dhT), free(n->probs),
        free(n->dlogits);
}

/* B fresh sequences (L,B) time-major of random symbols in [0,K); the target is the first. */
static void recall_batch(RecallNet *n, Rng *rng) {
    for (int b = 0; b < n->B; b++) {
        n->y[b] = (int)rng_below(rng, (uint64_t)n->K);
        n->ids[b] = n->y[b];
        for (int t = 1; t < n->L; t++) n->ids[t * n->B + b] = (int)rng_below(rng, (uint64_t)n->K);
    }
}

/* Forward; returns the mean loss, and the number right in *correct. */
static float recall_forward(RecallNet *n, int *correct) {
    int N = n->L * n->B;
    embedding_forward(n->x, n->ids, n->emb, N, n->K, n->E);
    rnn_layer_forward(&n->layer, &n->w, n->out, n->x, NULL, NULL, n->L, n->B);
    rnn_layer_final_state(&n->layer, n->hT, NULL);
    linear_forward(n->probs, n->hT, n->hw, n->hb, n->B, n->H, n->K);
    float loss = lm_crossentropy(n->probs, n->probs, n->y, n->B, n->K);
    int right = 0;
    for (int b = 0; b < n->B; b++) {
        const float *p = n->probs + (size_t)b * n->K;
        int best = 0;
        for (int k = 1; k < n->K; k++)
            if (p[k] > p[best]) best = k;
        right += best == n->y[b];
    }
    if (correct) *correct = right;
    return loss;
}

static void recall_backward(RecallNet *n) {
    int N = n->L * n->B;
    memset(n->dlogits, 0, sizeof(float) * (size_t)n->B * n->K);
    crossentropy_backward(n->dlogits, n->probs, n->y, n->B, n->K, 1.0f);
    memset(n->dhT, 0, sizeof(float) * (size_t)n->B * n->H);
    linear_backward(n->dhT, n->dhw, n->dhb, n->dlogits, n->hT, n->hw, n->B, n->H, n->K);
    /* the loss reaches the layer only through its final state: dhT, no per-step outputs */
    memset(n->dx, 0, sizeof(float) * (size_t)N * n->E);
    rnn_layer_backward(&n->layer, &n->w, &n->g, n->dx, NULL, NULL, NULL, n->dhT, NULL);
    embedding_backward(n->demb, n->ids, n->dx, N, n->E);
}

/* Train one cell at one length; returns the accuracy on fresh sequences, and the steps taken. */
static double recall_run(const LongRangeConfig *c, CellType t, int L, float lr, long *steps_taken) {
    Rng rng, data;
    rng_seed(&rng, c->seed);
    rng_seed(&data, c->seed * 1000003ULL + (uint64_t)L);
    RecallNet n;
    recall_init(&n, t, c->symbols, c->embed, c->hidden, L, c->B, c->keep_bias, &rng);
    AdamState adam;
    adam_init(&adam, n.p.total);
    AdamConfig acfg = adam_defaults();
    long step;
    int streak = 0;
    for (step = 0; step < c->steps; step++) {
        recall_batch(&n, &data);
        int right;
        params_zero_grad(&n.p);
        recall_forward(&n, &right);
        recall_backward(&n);
        clip_grad_norm(n.p.grad, n.p.total, 1.0f);
        adam_step(&adam, &acfg, lr, &n.p);
        /* solved: every sequence of 10 batches in a row right; stop early to save time */
        streak = right == n.B ? streak + 1 : 0;
        if (streak == 10) {
            step++;
            break;
        }
    }
    *steps_taken = step;
    Rng test;
    rng_seed(&test, c->seed + 99991ULL * (uint64_t)L);
    long right_total = 0, seen = 0;
    while (seen < c->test) {
        recall_batch(&n, &test);
        int right;
        recall_forward(&n, &right);
        right_total += right, seen += n.B;
    }
    adam_free(&adam);
    recall_free(&n);
    return (double)right_total / (double)seen;
}

int exp_longrange(const LongRangeConfig *c) {
    int nl = c->nlengths;
    double *acc[3], *xs = xmalloc(sizeof(double) * (size_t)nl), *chance = xmalloc(sizeof(double) * (size_t)nl);
    char lrs[96] = "";
    for (int k = 0; k < c->nlrs; k++)
        snprintf(lrs + strlen(lrs), sizeof lrs - strlen(lrs), "%s%g", k ? ", then " : "", c->lrs[k]);
    printf("C11: L random tokens, each one of %d symbols; at the last step the network must name the FIRST one\n"
           "and ignore the L-1 after it. %d hidden units, batch %d, at most %ld Adam steps per cell, length and\n"
           "learning rate (%s, until one solves it; a run stops once 10 batches in a row are all right;\n"
           "the steps shown are all the runs' together);\n"
           "accuracy on %d fresh sequences, chance is %.1f%%. LSTM forget and GRU update gate biases start at %g.\n\n",
           c->symbols, c->hidden, c->B, c->steps, lrs, c->test, 100.0 / c->symbols, c->keep_bias);
    printf("  %6s", "L");
    for (int ci = 0; ci < 3; ci++) printf(" %28s", CELL_LABEL[ci]);
    printf("\n");
    for (int ci = 0; ci < 3; ci++) acc[ci] = xmalloc(sizeof(double) * (size_t)nl);
    for (int i = 0; i < nl; i++) {
        xs[i] = c->lengths[i];
        chance[i] = 100.0 / c->symbols;
        printf("  %6d", c->lengths[i]);
        fflush(stdout);
        for (int ci = 0; ci < 3; ci++) {
            long steps = 0, st;
            double best = -1;
            float best_lr = c->lrs[0];
            for (int k = 0; k < c->nlrs && best < 99.0; k++) {
                double a = 100.0 * recall_run(c, CELLS[ci], c->lengths[i], c->lrs[k], &st);
                steps += st;
                if (a > best) best = a, best_lr = c->lrs[k];
            }
            acc[ci][i] = best;
            char cell[64];
            snprintf(cell, sizeof cell, "%5.1f%% (lr %g, %4ld steps)", best, best_lr, steps);
            printf(" %28s", cell);
            fflush(stdout);
        }
        printf("\n");
    }
    printf("\nNotice: all three cells solve the short distances; as L grows the vanilla RNN falls far behind, towards\n"
           "chance (its gradient from the answer back to the first token vanishes, C10), while the LSTM and GRU,\n"
           "whose gates can shut the later tokens out and keep the first, still learn it.\n");
    char title[160];
    snprintf(title, sizeof title, "remember the first of %d symbols across L steps (%d units)", c->symbols, c->hidden);
    PlotOpts po = {title, "L: steps between the symbol and the answer", "accuracy on fresh sequences (%)", 0, 0};
    PlotSeries s[4] = {{CELL_LABEL[0], xs, acc[0], nl},
                       {CELL_LABEL[1], xs, acc[1], nl},
                       {CELL_LABEL[2], xs, acc[2], nl},
                       {"chance", xs, chance, nl}};
    int rc = plot_lines(c->name, &po, s, 4) < 0;
    for (int ci = 0; ci < 3; ci++) free(acc[ci]);
    free(xs), free(chance);
    return rc;
}

/* ==== C12: ELMo, a bidirectional LSTM language model ============================================= */

/* Embedding -> a bidirectional LSTM layer -> two softmax heads: the left-to-right half predicts
 * the next character, the right-to-left half the previous one. Two language models that share
 * only the input embedding, as in ELMo (which shares the softmax too). */
typedef struct {
    Params p;
    float *emb, *demb;
    float *hw[2], *hb[2], *dhw[2], *dhb[2];
    RnnStack stack;
    int V, E, H, maxT, maxB, T, B;
    int *ids, *tgt[2];
    float *x, *dx, *half[2], *dhalf[2], *probs[2], *dlog[2], *dout;
    const float *out;
} BiLm;

static void bilm_init(BiLm *m, int V, int E, int H, int maxT, int maxB, Rng *rng) {
    memset(m, 0, sizeof *m);
    m->V = V, m->E = E, m->H = H, m->maxT = maxT, m->maxB = maxB;
    SpecList s = {0};
    spec_add(&s, "emb", 2, V, E, 0);
    rnn_stack_add_specs(&s, "rnn", CELL_LSTM, 1, 2, E, H);
    spec_add(&s, "fwd.w", 2, V, H, 0);
    spec_add(&s, "fwd.b", 1, V, 0, 1);
    spec_add(&s, "bwd.w", 2, V, H, 0);
    spec_add(&s, "bwd.b", 1, V, 0, 1);
    params_init(&m->p, s.specs, s.n);
    const char *hn[2][2] = {{"fwd.w", "fwd.b"}, {"bwd.w", "bwd.b"}};
    m->emb = m->p.data + m->p.offsets[params_index(&m->p, "emb")];
    m->demb = m->p.grad + m->p.offsets[params_index(&m->p, "emb")];
    for (int d = 0; d < 2; d++) {
        size_t ow = m->p.offsets[params_index(&m->p, hn[d][0])], ob = m->p.offsets[params_index(&m->p, hn[d][1])];
        m->hw[d] = m->p.data + ow, m->dhw[d] = m->p.grad + ow, m->hb[d] = m->p.data + ob, m->dhb[d] = m->p.grad + ob;
    }
    rnn_stack_init(&m->stack, CELL_LSTM, 1, 2, E, H, 0.0f, maxT, maxB);
    rnn_stack_bind(&m->stack, &m->p, "rnn");
    rng_fill_normal(rng, m->emb, (size_t)V * E, 0, 1);
    rnn_stack_init_weights(&m->stack, 1.0f, rng);
    float k = 1.0f / sqrtf((float)H);
    for (int d = 0; d < 2; d++) {
        rng_fill_uniform(rng, m->hw[d], (size_t)V * H, -k, k);
        rng_fill_uniform(rng, m->hb[d], (size_t)V, -k, k);
    }
    size_t N = (size_t)maxT * maxB;
    m->ids = xmalloc(sizeof(int) * N);
    m->x = xmalloc(sizeof(float) * N * E), m->dx = xmalloc(sizeof(float) * N * E);
    m->dout = xmalloc(sizeof(float) * N * 2 * H);
    for (int d = 0; d < 2; d++) {
        m->tgt[d] = xmalloc(sizeof(int) * N);
        m->half[d] = xmalloc(sizeof(float) * N * H), m->dhalf[d] = xmalloc(sizeof(float) * N * H);
        m->probs[d] = xmalloc(sizeof(float) * N * V), m->dlog[d] = xmalloc(sizeof(float) * N * V);
    }
}

static void bilm_free(BiLm *m) {
    params_free(&m->p);
    rnn_stack_free(&m->stack);
    free(m->ids), free(m->x), free(m->dx), free(m->dout);
    for (int d = 0; d < 2; d++) free(m->tgt[d]), free(m->half[d]), free(m->dhalf[d]), free(m->probs[d]), free(m->dlog[d]);
}

/* ids (T,B); tgt[0] the next, tgt[1] the previous token (or -1). Runs the stack (the output rows
 * are [forward | backward]) and fills half[d]; with targets, returns the two losses. */
static void bilm_forward(BiLm *m, int T, int B, float *loss) {
    int N = T * B, H = m->H;
    m->T = T, m->B = B;
    embedding_forward(m->x, m->ids, m->emb, N, m->V, m->E);
    rnn_stack_reset(&m->stack);
    m->out = rnn_stack_forward(&m->stack, m->x, T, B, 0, NULL);
    for (int r = 0; r < N; r++)
        for (int d = 0; d < 2; d++) memcpy(m->half[d] + (size_t)r * H, m->out + (size_t)r * 2 * H + d * H, sizeof(float) * H);
    if (!loss) return;
    for (int d = 0; d < 2; d++) {
        linear_forward(m->probs[d], m->half[d], m->hw[d], m->hb[d], N, H, m->V);
        loss[d] = lm_crossentropy(m->probs[d], m->probs[d], m->tgt[d], N, m->V);
    }
}

/* Gradient of the mean of the two losses. */
static void bilm_backward(BiLm *m) {
    int N = m->T * m->B, H = m->H;
    for (int d = 0; d < 2; d++) {
        memset(m->dlog[d], 0, sizeof(float) * (size_t)N * m->V);
        crossentropy_backward(m->dlog[d], m->probs[d], m->tgt[d], N, m->V, 0.5f);
        memset(m->dhalf[d], 0, sizeof(float) * (size_t)N * H);
        linear_backward(m->dhalf[d], m->dhw[d], m->dhb[d], m->dlog[d], m->half[d], m->hw[d], N, H, m->V);
    }
    for (int r = 0; r < N; r++)
        for (int d = 0; d < 2; d++) memcpy(m->dout + (size_t)r * 2 * H + d * H, m->dhalf[d] + (size_t)r * H, sizeof(float) * H);
    memset(m->dx, 0, sizeof(float) * (size_t)N * m->E);
    rnn_stack_backward(&m->stack, m->dx, m->dout);
    embedding_backward(m->demb, m->ids, m->dx, N, m->E);
}

/* Where word occurs as a whole word in s (bytes [a, b)), counting in characters; -1 if nowhere. */
static int find_word(const char *s, const char *word, int *a, int *b) {
    size_t wl = strlen(word);
    for (const char *p = strstr(s, word); p; p = strstr(p + 1, word)) {
        int left_ok = p == s || !(((unsigned char)p[-1] < 128) && isalnum((unsigned char)p[-1]));
        int right_ok = !(((unsigned char)p[wl] < 128) && isalnum((unsigned char)p[wl]));
        if (left_ok && right_ok) {
            *a = (int)utf8_count(s, (size_t)(p - s));
            *b = *a + (int)utf8_count(word, wl);
            return 0;
        }
    }
    return -1;
}

/* The ELMo vector of word in sentence (2H): [the forward state after the word | the backward state
 * that has read back to the word's start]. Words: the states at the word's position; characters:
 * the forward state at its last character, the backward one at its first. */
static void word_vector(BiLm *m, const Vocab *v, LmUnit unit, const char *sentence, const char *word, float *vec) {
    TokenList t = {0}, w = {0};
    lm_tokenize(sentence, strlen(sentence), unit, &t);
    if ((int)t.n > m->maxT) die("elmo: the sentence '%s' is longer than %d tokens", sentence, m->maxT);
    lm_encode(v, &t, m->ids);
    int a = -1, b = -1;
    if (unit == UNIT_CHARS) {
        if (find_word(sentence, word, &a, &b)) a = -1;
    } else {
        lm_tokenize(word, strlen(word), unit, &w); /* normalised as the corpus was: "It" finds "it" */
        for (size_t i = 0; i < t.n && a < 0 && w.n == 1; i++)
            if (!strcmp(t.tok[i], w.tok[0])) a = (int)i, b = (int)i + 1;
        if (a >= 0 && m->ids[a] == 0) die("elmo: '%s' is not in the model's vocabulary", word);
    }
    if (a < 0) die("elmo: '%s' does not occur as a word in '%s'", word, sentence);
    bilm_forward(m, (int)t.n, 1, NULL);
    memcpy(vec, m->half[0] + (size_t)(b - 1) * m->H, sizeof(float) * (size_t)m->H);
    memcpy(vec + m->H, m->half[1] + (size_t)a * m->H, sizeof(float) * (size_t)m->H);
    token_list_free(&t), token_list_free(&w);
}

/* The mean forward and backward states over held-out text (windows of maxT, batch 1): the common
 * direction every state shares, which centring removes before comparing (see exp_elmo). */
static void mean_states(BiLm *m, const int *ids, size_t n, float *mean) {
    int H = m->H;
    memset(mean, 0, sizeof(float) * (size_t)2 * H);
    size_t count = 0;
    for (size_t pos = 0; pos + (size_t)m->maxT <= n; pos += (size_t)m->maxT) {
        memcpy(m->ids, ids + pos, sizeof(int) * (size_t)m->maxT);
        bilm_forward(m, m->maxT, 1, NULL);
        for (int t = 0; t < m->maxT; t++)
            for (int j = 0; j < H; j++) {
                mean[j] += m->half[0][(size_t)t * H + j];
                mean[H + j] += m->half[1][(size_t)t * H + j];
            }
        count += (size_t)m->maxT;
    }
    for (int j = 0; j < 2 * H; j++) mean[j] /= (float)(count ? count : 1);
}

/* cosine of (a - mean) and (b - mean) over n values */
static double centred_cosine(const float *a, const float *b, const float *mean, int n) {
    double ab = 0, aa = 0, bb = 0;
    for (int j = 0; j < n; j++) {
        double x = (double)a[j] - mean[j], y = (double)b[j] - mean[j];
        ab += x * y, aa += x * x, bb += y * y;
    }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
}

int exp_elmo(const ElmoConfig *c) {
    CharText text;
    text_load(&text, c->corpus, c->unit, c->min_count);
    size_t ntrain = text.n - text.n / 10;
    int T = c->T, B = c->B, H = c->hidden, V = text.vocab->n;
    const char *unit = c->unit == UNIT_WORDS ? "word" : "character";
    if (ntrain < (size_t)(T + 2) * 4) die("%s: too short for windows of %d", c->corpus, T);
    Rng rng;
    rng_seed(&rng, c->seed);
    BiLm m;
    bilm_init(&m, V, c->embed, H, T > 256 ? T : 256, B, &rng);
    AdamState adam;
    adam_init(&adam, m.p.total);
    AdamConfig acfg = adam_defaults();
    printf("C12: a bidirectional %s-level LSTM language model (ELMo's idea): a left-to-right LSTM predicts each\n"
           "next %s, a right-to-left LSTM each previous one; %d units per direction, windows of %d, batch %d,\n"
           "trained on %s (vocabulary %d).\n",
           unit, unit, H, T, B, c->corpus, V);
    Progress pr;
    progress_start(&pr, c->steps, c->unit == UNIT_WORDS ? "tok" : "char");
    long step;
    double loss_f = 0, loss_b = 0;
    int nl = 0;
    for (step = 0; (c->steps == 0 || step < c->steps) && (c->seconds == 0 || progress_elapsed(&pr) < c->seconds);
         step++) {
        /* B random windows of T+2 characters: inputs 1..T, next-character and previous-character targets */
        for (int b = 0; b < B; b++) {
            size_t s = (size_t)rng_below(&rng, (uint64_t)(ntrain - (size_t)T - 2));
            for (int t = 0; t < T; t++) {
                m.ids[t * B + b] = text.ids[s + 1 + (size_t)t];
                m.tgt[0][t * B + b] = text.ids[s + 2 + (size_t)t];
                m.tgt[1][t * B + b] = text.ids[s + (size_t)t];
            }
        }
        float loss[2];
        params_zero_grad(&m.p);
        bilm_forward(&m, T, B, loss);
        bilm_backward(&m);
        clip_grad_norm(m.p.grad, m.p.total, 5.0f);
        adam_step(&adam, &acfg, c->lr, &m.p);
        loss_f += loss[0], loss_b += loss[1], nl++;
        if ((step + 1) % 50 == 0 || step + 1 == c->steps) {
            progress_line(&pr, step + 1, 0.5 * (loss_f + loss_b) / nl, c->lr, (double)(step + 1) * T * B);
            printf("      left-to-right %.3f nats/%s, right-to-left %.3f\n", loss_f / nl, c->unit == UNIT_WORDS ? "word" : "char",
                   loss_b / nl);
            loss_f = loss_b = 0, nl = 0;
        }
    }
    printf("trained %ld steps in %.1f s\n", step, progress_elapsed(&pr));
    adam_free(&adam);

    /* LSTM states share a large common component (all of them point roughly the same way), so raw
     * cosines between any two states are high; the cosine after subtracting the mean state over
     * held-out text shows how different two contexts really are. Both are printed. */
    float *mean = xmalloc(sizeof(float) * (size_t)2 * H);
    size_t nheld = text.n - ntrain < 20000 ? text.n - ntrain : 20000;
    mean_states(&m, text.ids + ntrain, nheld, mean);
    float *va = xmalloc(sizeof(float) * (size_t)2 * H), *vb = xmalloc(sizeof(float) * (size_t)2 * H);
    double raw[2][3], cen[2][3];
    int npairs = 0;
    for (int pair = 0; pair < 2; pair++) {
        if (!c->sent[2 * pair] || !c->sent[2 * pair + 1] || !c->word[pair]) continue;
        const char *w = c->word[pair];
        word_vector(&m, text.vocab, c->unit, c->sent[2 * pair], w, va);
        word_vector(&m, text.vocab, c->unit, c->sent[2 * pair + 1], w, vb);
        /* [0] the whole vector, [1] the left-to-right half, [2] the right-to-left half */
        const float *pa[3] = {va, va, va + H}, *pb[3] = {vb, vb, vb + H}, *pm[3] = {mean, mean, mean + H};
        int len[3] = {2 * H, H, H};
        for (int k = 0; k < 3; k++) {
            raw[pair][k] = vec_cosine(pa[k], pb[k], (size_t)len[k]);
            cen[pair][k] = centred_cosine(pa[k], pb[k], pm[k], len[k]);
        }
        int same_f = memcmp(va, vb, sizeof(float) * (size_t)H) == 0;
        int same_b = memcmp(va + H, vb + H, sizeof(float) * (size_t)H) == 0;
        printf("\n\"%s\" in\n  A: %s\n  B: %s\n", w, c->sent[2 * pair], c->sent[2 * pair + 1]);
        printf("  %-36s %9s %12s\n", "cosine of the vectors of A and B", "raw", "centred");
        printf("  %-36s %9.6f %12.6f\n", "ELMo vector [forward | backward]", raw[pair][0], cen[pair][0]);
        printf("  %-36s %9.6f %12.6f%s\n", "left-to-right half (the words before)", raw[pair][1], cen[pair][1],
               same_f ? "   bit-identical" : "");
        printf("  %-36s %9.6f %12.6f%s\n", "right-to-left half (the words after)", raw[pair][2], cen[pair][2],
               same_b ? "   bit-identical" : "");
        npairs = pair + 1;
    }
    printf("\nNotice: one word, two vectors. A static embedding (chapters 02-03) gives a word one vector (cosine\n"
           "1) wherever it stands; the biLM's vector depends on the sentence around it. The left-to-right half sees\n"
           "only what comes before the word, so when only the words after it differ, that half is bit-identical\n"
           "(chapter 07's C29 for a left-to-right model); the right-to-left half tells the sentences apart.\n"
           "'centred': cosine after subtracting the mean state over %zu held-out %ss.\n",
           nheld, unit);
    const char *labels[6];
    double vals[6];
    char lab[6][80];
    int nb = 0;
    static const char *const part[3] = {"[fwd|bwd]", "fwd half", "bwd half"};
    for (int pair = 0; pair < npairs; pair++)
        for (int k = 0; k < 3; k++) {
            snprintf(lab[nb], sizeof lab[nb], "'%s' pair %d: %s", c->word[pair], pair + 1, part[k]);
            vals[nb] = cen[pair][k], labels[nb] = lab[nb], nb++;
        }
    char title[160];
    snprintf(title, sizeof title, "centred cosine of a word's biLSTM vectors in two sentences");
    PlotOpts po = {title, "", "cosine (after subtracting the mean state)", 0, 0};
    int rc = plot_bars(c->name, &po, labels, vals, nb) < 0;
    free(va), free(vb), free(mean);
    bilm_free(&m);
    free(text.ids);
    vocab_free(text.vocab);
    return rc;
}
