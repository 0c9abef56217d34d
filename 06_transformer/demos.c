/* demos.c - see demos.h: the worked example (C17), the eight heads (C18) and the order experiment
 * (C19), printed step by step. */
#include "demos.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "layers.h"
#include "rng.h"
#include "utf8.h"
#include "util.h"
#include "vec.h"

/* ---- C17: the worked example ------------------------------------------------------------------
 * The illustrated example of the article: two words, 4-dim embeddings, 3-dim queries/keys/values.
 * Small integers, so every product can be checked by hand:
 *   q1 = x1 Wq = [2 4 6],  k1 = x1 Wk = [4 8 12],  k2 = x2 Wk = [6 6 10]
 *   q1.k1 = 8 + 32 + 72 = 112,   q1.k2 = 12 + 24 + 60 = 96. */
const float C17_X[2][4] = {{1, 0, 1, 0}, {0, 1, 0, 1}};
const float C17_WQ[4][3] = {{1, 2, 3}, {0, 1, 1}, {1, 2, 3}, {1, 0, 0}};
const float C17_WK[4][3] = {{2, 4, 6}, {3, 3, 5}, {2, 4, 6}, {3, 3, 5}};
const float C17_WV[4][3] = {{1, 0, 2}, {0, 3, 1}, {2, 1, 0}, {1, 1, 3}};

/* out (2,3) = x (2,4) @ W (4,3) */
static void times_w(const float x[2][4], const float W[4][3], float out[2][3]) {
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            float s = 0;
            for (int c = 0; c < 4; c++) s += x[i][c] * W[c][j];
            out[i][j] = s;
        }
}

void c17_compute(float divisor, float scores[2][2], float weights[2][2], float z[2][3]) {
    float q[2][3], k[2][3], v[2][3];
    times_w(C17_X, C17_WQ, q), times_w(C17_X, C17_WK, k), times_w(C17_X, C17_WV, v);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) scores[i][j] = q[i][0] * k[j][0] + q[i][1] * k[j][1] + q[i][2] * k[j][2];
    /* the library's attention: one sequence (B = 1) of T = 2 words, one head of 3 dims */
    attention_forward(&z[0][0], &weights[0][0], NULL, NULL, &q[0][0], &k[0][0], &v[0][0], NULL, 0, 1, 2, 2, 1, 3,
                      1.0f / divisor, 0.0f, 0);
}

static void print_row(const char *label, const float *x, int n) {
    printf("  %-22s [", label);
    for (int i = 0; i < n; i++) printf("%s%g", i ? " " : "", x[i]);
    printf("]\n");
}

void demo_worked_example(void) {
    static const char *const words[2] = {"Thinking", "Machines"};
    float q[2][3], k[2][3], v[2][3];
    times_w(C17_X, C17_WQ, q), times_w(C17_X, C17_WK, k), times_w(C17_X, C17_WV, v);
    printf("Two words, each a 4-dim embedding, and three 4 x 3 weight matrices (toy integers):\n");
    for (int i = 0; i < 2; i++) {
        char l[64];
        snprintf(l, sizeof l, "x%d (%s)", i + 1, words[i]);
        print_row(l, C17_X[i], 4);
    }
    printf("  Wq rows: [1 2 3] [0 1 1] [1 2 3] [1 0 0]\n");
    printf("  Wk rows: [2 4 6] [3 3 5] [2 4 6] [3 3 5]\n");
    printf("  Wv rows: [1 0 2] [0 3 1] [2 1 0] [1 1 3]\n");
    printf("\nStep 1: query, key and value of each word (x times Wq, Wk, Wv):\n");
    for (int i = 0; i < 2; i++) {
        char l[64];
        snprintf(l, sizeof l, "q%d = x%d Wq", i + 1, i + 1), print_row(l, q[i], 3);
        snprintf(l, sizeof l, "k%d = x%d Wk", i + 1, i + 1), print_row(l, k[i], 3);
        snprintf(l, sizeof l, "v%d = x%d Wv", i + 1, i + 1), print_row(l, v[i], 3);
    }
    float s[2][2], w8[2][2], z8[2][3];
    c17_compute(8.0f, s, w8, z8);
    printf("\nStep 2: scores of \"Thinking\" against every word, q1 . k:\n");
    printf("  q1 . k1 = 2*4 + 4*8 + 6*12  = %g\n", s[0][0]);
    printf("  q1 . k2 = 2*6 + 4*6 + 6*10  = %g\n", s[0][1]);
    printf("\nStep 3: divide by 8, the square root of the key size the paper uses (d_k = 64), as the\n"
           "article's illustration does:\n");
    printf("  %g / 8 = %g,   %g / 8 = %g\n", s[0][0], s[0][0] / 8, s[0][1], s[0][1] / 8);
    printf("\nStep 4: softmax over the two scores:\n");
    printf("  exp(14) / (exp(14) + exp(12)) = %.4f  ->  %.2f\n", w8[0][0], w8[0][0]);
    printf("  exp(12) / (exp(14) + exp(12)) = %.4f  ->  %.2f\n", w8[0][1], w8[0][1]);
    printf("\nStep 5: z1 = %.2f * v1 + %.2f * v2 (the sum of the values, weighted):\n", w8[0][0], w8[0][1]);
    printf("  z1 = %.4f * [%g %g %g] + %.4f * [%g %g %g] = [%.4f %.4f %.4f]\n", w8[0][0], v[0][0], v[0][1], v[0][2],
           w8[0][1], v[1][0], v[1][1], v[1][2], z8[0][0], z8[0][1], z8[0][2]);
    printf("  (and for \"Machines\": scores %g %g, weights %.4f %.4f, z2 = [%.4f %.4f %.4f])\n", s[1][0], s[1][1],
           w8[1][0], w8[1][1], z8[1][0], z8[1][1], z8[1][2]);
    printf("\nThe same in matrix form, as attention_forward computes it: Z = softmax(Q K^T / 8) V\n");
    printf("  Q K^T = [[%g %g] [%g %g]]  ->  softmax rows [[%.4f %.4f] [%.4f %.4f]]\n", s[0][0], s[0][1], s[1][0],
           s[1][1], w8[0][0], w8[0][1], w8[1][0], w8[1][1]);

    float w3[2][2], z3[2][3], w1[2][2], z1[2][3];
    c17_compute(sqrtf(3.0f), s, w3, z3);
    c17_compute(1.0f, s, w1, z1);
    printf("\nThis toy's keys have 3 dimensions, not 64, so its own scaling divides by sqrt(3) = %.4f:\n", sqrtf(3.0f));
    printf("  %g / 1.7321 = %.2f,   %g / 1.7321 = %.2f  ->  softmax %.6f / %.6f\n", s[0][0], s[0][0] / sqrtf(3.0f),
           s[0][1], s[0][1] / sqrtf(3.0f), w3[0][0], w3[0][1]);
    printf("  z1 = [%.4f %.4f %.4f], almost exactly v1\n", z3[0][0], z3[0][1], z3[0][2]);
    printf("  (without any scaling: softmax(112, 96) = %.8f / %.2e)\n", w1[0][0], w1[0][1]);
    printf("What to notice: the softmax turns score differences into ratios of e^difference. Divided by 8,\n"
           "112 and 96 differ by 2 and the weights are 0.88 / 0.12; with this toy's large integer weights and\n"
           "only 3 dims, dividing by sqrt(3) leaves a gap of 9.2, and the weights are all-or-nothing. The\n"
           "scaling exists to keep that gap moderate for real (random, 64-dim) vectors, whose dot products\n"
           "grow like sqrt(d_k); a saturated softmax also passes almost no gradient back.\n");
}

/* ---- C18: eight heads of three ---------------------------------------------------------------- */

/* The two demos below also serve the tests, which want the numbers without the print-out. */
#define SAY(...) (verbose ? printf(__VA_ARGS__) : 0)

static void print_shape(const char *what, int r, int c, const char *note) {
    char s[32];
    snprintf(s, sizeof s, "%d x %d", r, c);
    printf("  %-46s %-8s %s\n", what, s, note);
}

double demo_multihead(uint64_t seed, int verbose) {
    enum { T = 2, C = 4, NH = 8, HD = 3, D = NH * HD };
    Rng rng;
    rng_seed(&rng, seed);
    /* the embeddings of C17, and random projections in nn.Linear's layout: wq (D,C) holds the 8
     * heads' 3 x 4 matrices one under the other; head h's "Wq_h" (4 x 3) of the article is rows
     * 3h..3h+2, transposed */
    float x[T * C], wq[D * C], wk[D * C], wv[D * C], wo[C * D], bq[D] = {0}, bk[D] = {0}, bv[D] = {0}, bo[C] = {0};
    memcpy(x, C17_X, sizeof x);
    float a = sqrtf(6.0f / (C + D)); /* Xavier */
    rng_fill_uniform(&rng, wq, D * C, -a, a), rng_fill_uniform(&rng, wk, D * C, -a, a);
    rng_fill_uniform(&rng, wv, D * C, -a, a), rng_fill_uniform(&rng, wo, C * D, -a, a);

    SAY("Input: the two words of C17, X = %d x %d. Eight heads of %d dims each:\n", T, C, HD);
    float zcat[T * D];
    for (int h = 0; h < NH; h++) {
        /* one head written out: Q_h = X Wq_h etc., then scaled dot-product attention */
        float qh[T][HD], kh[T][HD], vh[T][HD], sc[T][T], zh[T][HD];
        for (int t = 0; t < T; t++)
            for (int d = 0; d < HD; d++) {
                float sq = 0, sk = 0, sv = 0;
                for (int c = 0; c < C; c++) {
                    sq += x[t * C + c] * wq[(h * HD + d) * C + c];
                    sk += x[t * C + c] * wk[(h * HD + d) * C + c];
                    sv += x[t * C + c] * wv[(h * HD + d) * C + c];
                }
                qh[t][d] = sq, kh[t][d] = sk, vh[t][d] = sv;
            }
        for (int i = 0; i < T; i++) {
            float m = -INFINITY, sum = 0;
            for (int j = 0; j < T; j++) {
                sc[i][j] = (qh[i][0] * kh[j][0] + qh[i][1] * kh[j][1] + qh[i][2] * kh[j][2]) / sqrtf((float)HD);
                if (sc[i][j] > m) m = sc[i][j];
            }
            for (int j = 0; j < T; j++) sum += sc[i][j] = expf(sc[i][j] - m);
            for (int j = 0; j < T; j++) sc[i][j] /= sum;
            for (int d = 0; d < HD; d++) {
                zh[i][d] = 0;
                for (int j = 0; j < T; j++) zh[i][d] += sc[i][j] * vh[j][d];
                zcat[i * D + h * HD + d] = zh[i][d]; /* concatenation: head h fills columns 3h..3h+2 */
            }
        }
        if (h == 0 && verbose) {
            print_shape("X", T, C, "(T x 4)");
            print_shape("Wq_0, Wk_0, Wv_0 (one per head)", C, HD, "(4 x 3)");
            print_shape("Q_0 = X Wq_0, K_0, V_0", T, HD, "(T x 3)");
            print_shape("Q_0 K_0^T / sqrt(3), softmax over each row", T, T, "(T x T)");
            print_shape("Z_0 = softmax(...) V_0", T, HD, "(T x 3)");
        }
        SAY("  head %d: weights of word 1 = [%.3f %.3f], Z_%d row 1 = [% .4f % .4f % .4f]\n", h, sc[0][0], sc[0][1], h,
               zh[0][0], zh[0][1], zh[0][2]);
    }
    if (verbose) {
        print_shape("8 heads: Z_0 ... Z_7", T, HD, "each; 8 x (T x 3)");
        print_shape("concatenated [Z_0 Z_1 ... Z_7]", T, D, "(T x 24)");
        print_shape("Wo", D, C, "(24 x 4)");
        print_shape("Z = concat Wo", T, C, "(T x 4): back to the model width");
    }
    float z[T * C];
    for (int t = 0; t < T; t++)
        for (int c = 0; c < C; c++) {
            float s = 0;
            for (int j = 0; j < D; j++) s += zcat[t * D + j] * wo[c * D + j];
            z[t * C + c] = s;
        }
    for (int t = 0; t < T; t++) SAY("  Z row %d = [% .5f % .5f % .5f % .5f]\n", t + 1, z[t * C], z[t * C + 1], z[t * C + 2], z[t * C + 3]);

    /* the library: one mha_forward call with D = 24 != C = 4 */
    Mha m;
    mha_init(&m, C, D, NH, 1, T, T, 0);
    MhaWeights w = {wq, bq, wk, bk, wv, bv, wo, bo};
    float out[T * C];
    mha_forward(&m, &w, out, x, x, 1, T, T, NULL, 0, NULL);
    double diff = 0;
    for (int i = 0; i < T * C; i++) diff = fmax(diff, fabs(out[i] - z[i]));
    SAY("mha_forward (attention.c) on the same weights: inner width D = %d = 8 x 3, model width C = %d;\n"
           "largest difference from the hand computation: %.2g (float rounding).\n", m.D, m.C, diff);
    SAY("What to notice: each head works in its own 3-dim space and attends with its own weights\n"
           "(the rows above differ); the 24 concatenated values are mixed back into 4 by one matrix, so a\n"
           "multi-head layer has the same input and output shape as a single head and can be stacked.\n");
    mha_free(&m);
    return diff;
}

/* ---- C19: order ---------------------------------------------------------------------------------- */

double demo_order(uint64_t seed, int C, int NH, double *with_pe, int verbose) {
    static const char *const vocab[5] = {"北京", "到", "上海", "的", "机票"};
    static const int sent[2][5] = {{0, 1, 2, 3, 4}, {2, 1, 0, 3, 4}}; /* 北京 到 上海 的 机票 / 上海 到 北京 的 机票 */
    enum { T = 5 };
    Rng rng;
    rng_seed(&rng, seed);
    float *emb = xmalloc(sizeof(float) * 5 * (size_t)C);
    rng_fill_normal(&rng, emb, 5 * (size_t)C, 0, 1);
    /* one multi-head self-attention layer with random weights (training would not change the point) */
    SpecList l = {0};
    mha_specs(&l, "attn", C, C, INIT_XAVIER, 0);
    Params p;
    params_init(&p, l.specs, l.n);
    specs_init_values(&l, &p, &rng);
    rng_fill_uniform(&rng, p.data + p.offsets[1], (size_t)C, -0.1f, 0.1f); /* some bias too */
    MhaWeights w;
    params_carve(&p, p.data, (float **)&w);
    Mha m;
    mha_init(&m, C, C, NH, 2, T, T, 0);
    float *pe = xmalloc(sizeof(float) * T * (size_t)C), *x = xmalloc(sizeof(float) * 2 * T * (size_t)C);
    float *out = xmalloc(sizeof(float) * 2 * T * (size_t)C);
    sinusoidal_positions(pe, T, C);
    SAY("Sentence A: 北京 到 上海 的 机票     Sentence B: 上海 到 北京 的 机票\n");
    SAY("One self-attention layer (%d heads, width %d, random weights), the same word vectors in both.\n", NH, C);
    double result[2] = {0, 0};
    for (int use_pe = 0; use_pe <= 1; use_pe++) {
        int ids[2 * T];
        for (int s = 0; s < 2; s++)
            for (int t = 0; t < T; t++) ids[s * T + t] = sent[s][t];
        embed_forward(x, ids, emb, use_pe ? pe : NULL, 2, T, 5, C, 1.0f);
        mha_forward(&m, &w, out, x, x, 2, T, T, NULL, 0, NULL);
        SAY("\n%s:\n", use_pe ? "WITH sinusoidal positional encoding added to the word vectors"
                                 : "WITHOUT positional encoding");
        SAY("  word   position A  position B   max |output A - output B|   cosine\n");
        for (int word = 0; word < 5; word++) {
            int pa = 0, pb = 0;
            for (int t = 0; t < T; t++) {
                if (sent[0][t] == word) pa = t;
                if (sent[1][t] == word) pb = t;
            }
            const float *a = out + (size_t)pa * C, *b = out + ((size_t)T + pb) * C;
            double d = 0;
            for (int c = 0; c < C; c++) d = fmax(d, fabs((double)a[c] - b[c]));
            if (verbose) SAY("  "), utf8_print_padded(stdout, vocab[word], 6);
            SAY(" %10d %11d   %24.3g   %.6f\n", pa, pb, d, vec_cosine(a, b, (size_t)C));
            if (word == 0) result[use_pe] = d;
        }
    }
    SAY("\nWhat to notice: without positions, 北京's output is the same in both sentences (max difference %g):\n"
           "attention is a weighted sum over a SET of words, and both sentences are the same set. Adding a\n"
           "position vector to each word makes 北京-at-0 and 北京-at-2 different inputs, and the outputs\n"
           "differ (by %.3g): only then can the model tell who is going where.\n",
           result[0], result[1]);
    *with_pe = result[1];
    mha_free(&m), params_free(&p), specs_free(&l);
    free(emb), free(pe), free(x), free(out);
    return result[0];
}
