/* dist.c - see dist.h. */
#include "07_bert/dist.h"

#include <stdio.h>

#include "util.h"

#ifdef USE_MPI
#include <mpi.h>

static int rank_, size_ = 1;

static void abort_all(void) {
    fprintf(stderr, "(rank %d of %d stopped: ending the whole MPI job)\n", rank_, size_);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

int dist_init(int *argc, char ***argv) {
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    if (size_ > 1) set_die_hook(abort_all);
    return size_;
}
void dist_finalize(void) {
    int inited = 0, done = 0;
    MPI_Initialized(&inited);
    MPI_Finalized(&done);
    if (inited && !done) MPI_Finalize();
}
int dist_rank(void) { return rank_; }
int dist_size(void) { return size_; }
int dist_compiled(void) { return 1; }
void dist_sum_floats(float *x, size_t n) {
    if (size_ == 1) return;
    /* in pieces: MPI counts are int */
    for (size_t off = 0; off < n; off += (size_t)1 << 30) {
        size_t m = n - off < ((size_t)1 << 30) ? n - off : (size_t)1 << 30;
        MPI_Allreduce(MPI_IN_PLACE, x + off, (int)m, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
}
void dist_sum_doubles(double *x, int n) {
    if (size_ > 1) MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
double dist_max(double v) {
    if (size_ > 1) MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return v;
}
#else
int dist_init(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 1;
}
void dist_finalize(void) {}
int dist_rank(void) { return 0; }
int dist_size(void) { return 1; }
int dist_compiled(void) { return 0; }
void dist_sum_floats(float *x, size_t n) {
    (void)x;
    (void)n;
}
void dist_sum_doubles(double *x, int n) {
    (void)x;
    (void)n;
}
double dist_max(double v) { return v; }
#endif

void dist_slice(int B, int *first, int *count) {
    int K = dist_size(), r = dist_rank(), base = B / K, extra = B % K;
    *count = base + (r < extra);
    *first = r * base + (r < extra ? r : extra);
}
