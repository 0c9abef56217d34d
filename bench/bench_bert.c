/* bench_bert.c - chapter 07's step-time and memory target: one BERT pretraining step against
 * PyTorch.
 *
 *   bin/bench_bert             (make bench-bert)
 *   bin/bench_bert --quick     one round of 2 steps, for a first look
 *
 * One training step of a 4-layer BERT (hidden 256, 4 heads, FFN 1024, vocabulary 8000, max 128
 * positions) on 32 sequences of 128 tokens, 2 threads: forward with dropout 0.1, the MLM head over
 * the 15% chosen positions (19 per sequence) plus NSP, backward, AdamW (weight decay 0.01, biases
 * and layer norms excluded). PyTorch runs the same step with tests/make_fixtures_bert.py's model
 * (bench/bench_bert_torch.py, Debian's /usr/bin/python3 with python3-torch) in its own process, so
 * each side's peak resident memory is its own (ours: this process, common/platform.h's
 * peak_rss_bytes; PyTorch's: resource.getrusage in its process, the interpreter and libtorch
 * included, as a user would see it). Rounds are interleaved (ours, then PyTorch's) and each side
 * keeps its fastest step, so that a busy machine slows both alike; the ratios are the numbers to
 * read. On a machine shared with other work the wall-clock times still swing by 2x or more with
 * the neighbours' load, so the CPU time each step used (all threads, both sides) is printed too:
 * it counts the work done, not the time spent waiting for a core. Both wait passively (OMP_WAIT_POLICY=passive unless set). Targets: time ours / PyTorch
 * <= 0.75, peak memory ours / PyTorch <= 0.5.
 * Also printed: where our step's time goes (encoder forward, heads, backward, AdamW).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "07_bert/model.h"
#include "optim.h"
#include "platform.h"
#include "util.h"

typedef struct {
    int B, T, npos;
    int *ids, *segs, *pos, *tg, *nsp;
} Batch;

static void batch_make(Batch *b, const BertConfig *c, int B, int T, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    b->B = B, b->T = T;
    int per = (int)lround(0.15 * T);
    if (per < 1) per = 1;
    b->npos = B * per;
    b->ids = xmalloc(sizeof(int) * (size_t)B * T), b->segs = xmalloc(sizeof(int) * (size_t)B * T);
    b->pos = xmalloc(sizeof(int) * (size_t)b->npos), b->tg = xmalloc(sizeof(int) * (size_t)b->npos);
    b->nsp = xmalloc(sizeof(int) * (size_t)B);
    int *perm = xmalloc(sizeof(int) * (size_t)T);
    for (int i = 0; i < B; i++) {
        for (int t = 0; t < T; t++) {
            b->ids[i * T + t] = 5 + (int)rng_below(&r, (uint64_t)(c->vocab_size - 5));
            b->segs[i * T + t] = t >= T / 2;
        }
        for (int t = 0; t < T - 1; t++) perm[t] = t + 1;
        rng_shuffle(&r, perm, (size_t)(T - 1));
        for (int k = 0; k < per; k++) {
            b->pos[i * per + k] = i * T + perm[k];
            b->tg[i * per + k] = 5 + (int)rng_below(&r, (uint64_t)(c->vocab_size - 5));
        }
        b->nsp[i] = (int)rng_below(&r, 2);
    }
    free(perm);
}

static void batch_free(Batch *b) { free(b->ids), free(b->segs), free(b->pos), free(b->tg), free(b->nsp); }

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds spent in each phase, summed over steps. */
typedef struct {
    double fwd, heads, bwd, opt;
} Phases;

static double step(Bert *m, AdamState *s, const AdamConfig *ac, const Batch *b, Rng *rng, Phases *ph, double *cpu) {
    double c0 = cpu_seconds(), t0 = now_seconds();
    params_zero_grad(&m->p);
    bert_forward(m, b->ids, b->segs, NULL, b->B, b->T, rng);
    double t1 = now_seconds();
    bert_mlm_forward(m, b->pos, b->tg, b->npos, NULL);
    bert_nsp_forward(m, b->nsp, NULL);
    bert_zero_dheads(m);
    bert_mlm_backward(m, 1.0f, m->dhidden);
    bert_nsp_backward(m, 1.0f, m->dpooled);
    double t2 = now_seconds();
    bert_backward(m, m->dhidden, m->dpooled);
    double t3 = now_seconds();
    adam_step(s, ac, 1e-4f, &m->p);
    double t4 = now_seconds();
    if (cpu) *cpu = cpu_seconds() - c0;
    if (ph) ph->fwd += t1 - t0, ph->heads += t2 - t1, ph->bwd += t3 - t2, ph->opt += t4 - t3;
    return t4 - t0;
}

/* The smallest of a comma-separated list of numbers at p, or -1. */
static double min_list(const char *p) {
    double best = -1;
    for (;;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p) break;
        if (v > 0 && (best < 0 || v < best)) best = v;
        if (*end != ',') break;
        p = end + 1;
    }
    return best;
}

/* PyTorch's fastest step (seconds), its least CPU time for a step (*cpu) and its peak RSS (bytes)
 * over `steps` steps, or -1. */
static double torch_step(const BertConfig *c, int B, int T, int threads, int steps, double *cpu, double *rss) {
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "OMP_NUM_THREADS=%d /usr/bin/python3 bench/bench_bert_torch.py --threads %d --steps %d --layers %d "
             "--hidden %d --heads %d --ffn %d --vocab %d --seq %d --batch %d 2>/dev/null",
             threads, threads, steps, c->layers, c->hidden, c->heads, c->intermediate, c->vocab_size, T, B);
    FILE *f = popen(cmd, "r");
    if (!f) return -1;
    char line[1024];
    double best = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "torch: step_ms=", 15) != 0) continue;
        best = min_list(line + 15);
        const char *r = strstr(line, "cpu_ms=");
        if (r) *cpu = min_list(r + 7) / 1000;
        r = strstr(line, "peak_rss_mb=");
        if (r) *rss = atof(r + 12) * 1048576.0;
    }
    return pclose(f) == 0 && best > 0 ? best / 1000 : -1;
}

int main(int argc, char **argv) {
    /* OpenMP reads its environment when the program loads: to wait passively (spinning threads
     * crawl on a shared machine, and both sides should wait alike), start again with it set */
    if (!getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "passive", 1);
        execv("/proc/self/exe", argv);
    }
    int quick = 0, ours_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--ours-only")) ours_only = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: bench_bert [--quick] [--ours-only]\n"
                   "One BERT pretraining step (4 layers, hidden 256, 4 heads, FFN 1024, vocabulary 8000, 32 x 128\n"
                   "tokens, MLM on 15%% + NSP, AdamW, 2 threads) against PyTorch (bench/bench_bert_torch.py):\n"
                   "time and peak-memory ratios, and where our step's time goes.\n");
            return 0;
        } else {
            fprintf(stderr, "error: unknown argument '%s'\n(run 'bench_bert --help')\n", argv[i]);
            return 2;
        }
    }
    int threads = 2, B = 32, T = 128, steps = quick ? 2 : 3, rounds = quick ? 1 : 3;
    set_num_threads(threads);
    BertConfig c = bert_config_default(); /* 8000, 256, 4 layers, 4 heads, 1024, 128 positions, dropout 0.1 */
    Bert m;
    char err[ERR_LEN];
    if (bert_init(&m, &c, B, T, err)) die("%s", err);
    Rng rng;
    rng_seed(&rng, 1);
    bert_init_weights(&m, &rng);
    AdamState s;
    adam_init(&s, m.p.total);
    AdamConfig ac = adam_defaults();
    ac.decoupled = 1, ac.weight_decay = 0.01f;
    Batch b;
    batch_make(&b, &c, B, T, 7);
    int torch_ok = !ours_only && system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;

    printf("BERT pretraining step: %d layers, hidden %d, %d heads, FFN %d, vocabulary %d, %d x %d tokens,\n"
           "MLM on %d positions + NSP, dropout 0.1, AdamW; %d threads; fastest step of %d interleaved rounds of %d\n",
           c.layers, c.hidden, c.heads, c.intermediate, c.vocab_size, B, T, b.npos, threads, rounds, steps);
    if (!torch_ok && !ours_only) printf("(/usr/bin/python3 cannot import torch: apt-get install python3-torch; PyTorch column skipped)\n");
    fflush(stdout);
    step(&m, &s, &ac, &b, &rng, NULL, NULL); /* warm-up: first-touch allocations */
    double ours = 1e30, theirs = 1e30, trss = -1, ocpu = 1e30, tcpu = 1e30;
    Phases best_ph = {0, 0, 0, 0};
    for (int r = 0; r < rounds; r++) {
        double ours_r = 1e30, theirs_r = -1, ocpu_r = 1e30, tcpu_r = -1;
        for (int k = 0; k < steps; k++) {
            Phases p1 = {0, 0, 0, 0};
            double cpu, t = step(&m, &s, &ac, &b, &rng, &p1, &cpu);
            if (t < ours) ours = t, best_ph = p1;
            ours_r = fmin(ours_r, t), ocpu_r = fmin(ocpu_r, cpu);
        }
        ocpu = fmin(ocpu, ocpu_r);
        if (torch_ok) {
            double rss = -1;
            theirs_r = torch_step(&c, B, T, threads, steps, &tcpu_r, &rss);
            if (theirs_r > 0 && theirs_r < theirs) theirs = theirs_r;
            if (tcpu_r > 0 && tcpu_r < tcpu) tcpu = tcpu_r;
            if (rss > trss) trss = rss;
        }
        if (theirs_r > 0)
            printf("  round %d: fastest step ours %.0f ms (CPU %.0f ms), PyTorch %.0f ms (CPU %.0f ms)\n", r + 1,
                   ours_r * 1e3, ocpu_r * 1e3, theirs_r * 1e3, tcpu_r * 1e3);
        else printf("  round %d: fastest step ours %.0f ms (CPU %.0f ms)\n", r + 1, ours_r * 1e3, ocpu_r * 1e3);
        fflush(stdout);
    }
    double orss = (double)peak_rss_bytes();
    printf("\n| %-22s | %12s | %12s | %10s | %7s |\n", "", "ours", "PyTorch", "ratio", "target");
    printf("|------------------------|--------------|--------------|------------|---------|\n");
    if (theirs < 1e30) {
        printf("| %-22s | %12.0f | %12.0f | %10.2f | %7s |\n", "step time (ms)", ours * 1000, theirs * 1000,
               ours / theirs, "<= 0.75");
        if (tcpu < 1e30)
            printf("| %-22s | %12.0f | %12.0f | %10.2f | %7s |\n", "step CPU time (ms)", ocpu * 1000, tcpu * 1000,
                   ocpu / tcpu, "");
        printf("| %-22s | %12.0f | %12.0f | %10.2f | %7s |\n", "peak memory (MiB)", orss / 1048576, trss / 1048576,
               orss / trss, "<= 0.5");
    } else {
        printf("| %-22s | %12.0f | %12s | %10s | %7s |\n", "step time (ms)", ours * 1000, "-", "-", "<= 0.75");
        printf("| %-22s | %12.0f | %12s | %10s | %7s |\n", "peak memory (MiB)", orss / 1048576, "-", "-", "<= 0.5");
    }
    printf("ratio_time=%.3f ratio_cpu=%.3f ratio_memory=%.3f\n", theirs < 1e30 ? ours / theirs : NAN,
           tcpu < 1e30 ? ocpu / tcpu : NAN, trss > 0 ? orss / trss : NAN);
    double tot = best_ph.fwd + best_ph.heads + best_ph.bwd + best_ph.opt;
    printf("\nour fastest step, by phase: encoder forward %.0f ms (%.0f%%), MLM + NSP heads forward and backward "
           "%.0f ms (%.0f%%),\nencoder backward %.0f ms (%.0f%%), AdamW %.0f ms (%.0f%%)\n",
           best_ph.fwd * 1e3, 100 * best_ph.fwd / tot, best_ph.heads * 1e3, 100 * best_ph.heads / tot,
           best_ph.bwd * 1e3, 100 * best_ph.bwd / tot, best_ph.opt * 1e3, 100 * best_ph.opt / tot);
    printf("(%zu parameters; timings on a shared machine are noisy: compare the ratios)\n", m.p.total);
    batch_free(&b);
    adam_free(&s);
    bert_free(&m);
    return 0;
}
