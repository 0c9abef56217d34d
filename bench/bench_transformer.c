/* bench_transformer.c - chapter 06's throughput target and the quadratic term of attention.
 *
 *   bin/bench_transformer           (make bench-transformer)
 *   bin/bench_transformer --quick   fewer steps and lengths, for a first look
 *
 * 1. Training throughput (tokens/s) of one encoder stack - 4 post-norm layers, width 256, 4 heads,
 *    feed-forward 1024 (ReLU), sequences of 128, batch 32, dropout 0 - one step being forward,
 *    backward of sum(out * R) (input gradient included) and an Adam update: chapter 06's blocks
 *    (blocks.h) against PyTorch's nn.TransformerEncoder on the same configuration and thread count
 *    (bench/bench_transformer_torch.py, Debian's /usr/bin/python3 with python3-torch). Runs are
 *    interleaved and each side keeps its best of several, so that a busy machine slows both alike;
 *    the ratio is the number to read. Target: ours / PyTorch >= 1.
 * 2. The two attention kernels on that configuration (plain loops, blocked matmul on strided heads).
 * 3. Time per training step against the sequence length at a fixed batch of 4 sequences, with a
 *    least-squares fit a*T + b*T^2: the linear layers cost a fixed amount per token, attention's
 *    score matrices grow with T^2, and the plot (out/06_bench_seqlen.png) shows where the
 *    quadratic term takes over.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "06_transformer/blocks.h"
#include "optim.h"
#include "platform.h"
#include "plot.h"
#include "util.h"

typedef struct {
    int L, C, NH, F, T, B;
} Cfg;

typedef struct {
    Cfg c;
    Params p;
    EncoderBlockWeights *w, *g;
    EncoderBlock *blk;
    float *xs, *r, *dx[2];
    AdamState adam;
} Stack;

static void stack_init(Stack *s, Cfg c) {
    memset(s, 0, sizeof *s);
    s->c = c;
    BlockConfig bc = {c.C, c.NH, c.F, FFN_RELU, 0, 0.0f, 0.0f, 1e-5f};
    SpecList l = {0};
    char name[64];
    for (int i = 0; i < c.L; i++) snprintf(name, sizeof name, "layers.%d", i), encoder_block_specs(&l, name, &bc, INIT_XAVIER, 0);
    params_init(&s->p, l.specs, l.n);
    Rng rng;
    rng_seed(&rng, 1);
    specs_init_values(&l, &s->p, &rng);
    specs_free(&l);
    float **pw = xmalloc(sizeof(float *) * (size_t)s->p.n), **pg = xmalloc(sizeof(float *) * (size_t)s->p.n);
    params_carve(&s->p, s->p.data, pw), params_carve(&s->p, s->p.grad, pg);
    s->w = xmalloc(sizeof *s->w * (size_t)c.L), s->g = xmalloc(sizeof *s->g * (size_t)c.L);
    s->blk = xmalloc(sizeof *s->blk * (size_t)c.L);
    int nw = 0, ng = 0;
    for (int i = 0; i < c.L; i++) {
        carve_struct(&s->w[i], sizeof s->w[i], pw, &nw, s->p.n), carve_struct(&s->g[i], sizeof s->g[i], pg, &ng, s->p.n);
        encoder_block_init(&s->blk[i], &bc, c.B, c.T);
    }
    free(pw), free(pg);
    size_t n = (size_t)c.B * c.T * c.C;
    s->xs = xmalloc(sizeof(float) * n * (size_t)(c.L + 1)), s->r = xmalloc(sizeof(float) * n);
    s->dx[0] = xmalloc(sizeof(float) * n), s->dx[1] = xmalloc(sizeof(float) * n);
    rng_fill_normal(&rng, s->xs, n, 0, 1), rng_fill_normal(&rng, s->r, n, 0, 1);
    adam_init(&s->adam, s->p.total);
}

static void stack_free(Stack *s) {
    for (int i = 0; i < s->c.L; i++) encoder_block_free(&s->blk[i]);
    free(s->blk), free(s->w), free(s->g), free(s->xs), free(s->r), free(s->dx[0]), free(s->dx[1]);
    adam_free(&s->adam), params_free(&s->p);
}

/* One training step: forward through the stack, backward from dout = R, Adam. */
static void stack_step(Stack *s) {
    Cfg c = s->c;
    size_t n = (size_t)c.B * c.T * c.C;
    for (int l = 0; l < c.L; l++)
        encoder_block_forward(&s->blk[l], &s->w[l], s->xs + (l + 1) * n, s->xs + l * n, c.B, c.T, NULL, 0, NULL);
    params_zero_grad(&s->p);
    const float *dout = s->r;
    for (int l = c.L - 1; l >= 0; l--) {
        float *dx = s->dx[l % 2];
        memset(dx, 0, n * sizeof(float));
        encoder_block_backward(&s->blk[l], &s->w[l], &s->g[l], dx, dout, s->xs + l * n);
        dout = dx;
    }
    AdamConfig ac = adam_defaults();
    adam_step(&s->adam, &ac, 1e-4f, &s->p);
}

/* Seconds per step: the best of `repeats` runs of `steps` steps, after one warm-up step. */
static double time_steps(Stack *s, int steps, int repeats) {
    stack_step(s);
    double best = INFINITY;
    for (int r = 0; r < repeats; r++) {
        double t0 = now_seconds();
        for (int i = 0; i < steps; i++) stack_step(s);
        best = fmin(best, (now_seconds() - t0) / steps);
    }
    return best;
}

static void set_threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

static int max_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* PyTorch's tokens/s on c with `threads` threads, or -1 when it cannot run. */
static double torch_tokens_per_sec(Cfg c, int threads, int steps) {
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "OMP_NUM_THREADS=%d /usr/bin/python3 bench/bench_transformer_torch.py --threads %d --steps %d --layers %d "
             "--dim %d --heads %d --ffn %d --seq %d --batch %d 2>/dev/null",
             threads, threads, steps, c.L, c.C, c.NH, c.F, c.T, c.B);
    FILE *f = popen(cmd, "r");
    if (!f) return -1;
    char line[512];
    double rate = -1;
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "s: ");
        if (!strncmp(line, "torch:", 6) && p) rate = atof(p + 3);
    }
    return pclose(f) == 0 ? rate : -1;
}

int main(int argc, char **argv) {
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: bench_transformer [--quick]\n"
                   "Training tokens/s of a 4-layer encoder stack (width 256, 4 heads, FFN 1024, 128 x 32 tokens)\n"
                   "against PyTorch's nn.TransformerEncoder, both attention kernels, and time per step against\n"
                   "the sequence length (out/06_bench_seqlen.png). Threads: OMP_NUM_THREADS.\n");
            return 0;
        } else {
            fprintf(stderr, "error: unknown argument '%s'\n(run 'bench_transformer --help')\n", argv[i]);
            return 2;
        }
    }
    int steps = quick ? 1 : 3, repeats = quick ? 1 : 3, maxt = max_threads();
    Cfg c = {4, 256, 4, 1024, 128, 32};
    int torch_ok = system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
    printf("1. one encoder stack, training step (forward, backward, Adam): %d post-norm layers, width %d, %d heads,\n"
           "   FFN %d (ReLU), %d sequences of %d tokens; best of %d interleaved runs of %d steps\n",
           c.L, c.C, c.NH, c.F, c.B, c.T, repeats, steps);
    if (!torch_ok) printf("   (/usr/bin/python3 cannot import torch: apt-get install python3-torch; PyTorch column skipped)\n");
    printf("   %-8s | %16s | %16s | %14s\n", "threads", "ours tokens/s", "PyTorch tokens/s", "ours / PyTorch");
    Stack s;
    stack_init(&s, c);
    int threads[2] = {1, maxt};
    double tokens = (double)c.B * c.T;
    for (int k = 0; k < (maxt > 1 ? 2 : 1); k++) {
        set_threads(threads[k]);
        double ours = 0, theirs = -1;
        for (int r = 0; r < repeats; r++) {
            ours = fmax(ours, tokens / time_steps(&s, steps, 1));
            if (torch_ok) theirs = fmax(theirs, torch_tokens_per_sec(c, threads[k], steps));
        }
        if (theirs > 0) printf("   %-8d | %16.0f | %16.0f | %13.2fx\n", threads[k], ours, theirs, ours / theirs);
        else printf("   %-8d | %16.0f | %16s | %14s\n", threads[k], ours, "-", "-");
        fflush(stdout);
    }
    set_threads(maxt);

    printf("\n2. the attention kernels on that configuration (%d threads): seconds per training step\n", maxt);
    double tk[2];
    for (int mode = 0; mode < 2; mode++) {
        attention_set_kernel(mode);
        tk[mode] = time_steps(&s, steps, repeats);
    }
    attention_set_kernel(-1);
    printf("   plain loops %.3f s, blocked matmul on strided heads %.3f s (loops / matmul %.2fx); the default\n"
           "   picks the matmul from %d x %d x %d (query x key x head) products up\n",
           tk[0], tk[1], tk[0] / tk[1], 64, 64, 32);
    stack_free(&s);

    int lens[5] = {64, 128, 256, 512, 1024}, nl = quick ? 4 : 5;
    double x[5], y[5], fit[5];
    printf("\n3. time per training step against the sequence length T, batch of 4 sequences, %d threads\n", maxt);
    printf("   %6s | %12s | %14s | %s\n", "T", "ms per step", "us per token", "share of the T^2 term in the fit");
    for (int i = 0; i < nl; i++) {
        Cfg ci = c;
        ci.B = 4, ci.T = lens[i];
        Stack si;
        stack_init(&si, ci);
        x[i] = lens[i], y[i] = 1e3 * time_steps(&si, steps, repeats);
        stack_free(&si);
    }
    /* least squares for y = a T + b T^2 (no constant: an empty sequence costs nothing), on relative
     * errors (weights 1/y^2), so that the short sequences count as much as the long ones */
    double s22 = 0, s23 = 0, s44 = 0, s1y = 0, s2y = 0;
    for (int i = 0; i < nl; i++) {
        double t = x[i], t2 = t * t, w = 1.0 / (y[i] * y[i]);
        s22 += w * t * t, s23 += w * t * t2, s44 += w * t2 * t2, s1y += w * t * y[i], s2y += w * t2 * y[i];
    }
    double det = s22 * s44 - s23 * s23, a = (s1y * s44 - s2y * s23) / det, b = (s22 * s2y - s23 * s1y) / det;
    for (int i = 0; i < nl; i++) {
        fit[i] = a * x[i] + b * x[i] * x[i];
        printf("   %6d | %12.1f | %14.2f | %5.1f%%\n", lens[i], y[i], 1e3 * y[i] / (4.0 * lens[i]),
               100 * b * x[i] * x[i] / fit[i]);
    }
    printf("   fit: ms per step = %.4g T + %.4g T^2; the quadratic term equals the linear one at T = %.0f\n", a, b,
           b > 0 ? a / b : INFINITY);
    PlotSeries ps[2] = {{"measured", x, y, nl}, {"fit a T + b T^2", x, fit, nl}};
    PlotOpts po = {"encoder stack (4 x 256, batch 4): time per training step", "sequence length T", "ms per step", 1,
                   1};
    plot_lines("06_bench_seqlen", &po, ps, 2);
    printf("(timings on a shared machine are noisy: compare ratios measured in the same run)\n");
    return 0;
}
