/* dist.h - data-parallel training over several processes with MPI (issue 10), and its single-process
 * stand-in: the same calls compile to nothing without MPI, so the training loop reads the same.
 *
 * What it teaches: data parallelism is "the same model on every process, a different part of the
 * batch on each, gradients averaged before the step". Every process holds all the weights and the
 * optimiser state; after its backward, one MPI_Allreduce sums the gradients of all processes, so
 * every process takes the very same AdamW step and the weights never drift apart. The only
 * communication is that one sum: 4 bytes per parameter per step (see the chapter README for what
 * that costs BERT-base on a real network).
 *
 * Built with MPI by `make MPI=1` (the compiler becomes mpicc and USE_MPI is defined); run with
 * `mpirun -np K bin/bert pretrain ...` (as root Open MPI also wants --allow-run-as-root). Without
 * MPI, dist_size() is 1 and every call below is a no-op.
 *
 * Failure: die() anywhere (common/util.h) on any rank prints its message and then, through the
 * hook dist_init installs, calls MPI_Abort, which stops every rank: a job never hangs waiting in
 * an allreduce for a rank that is gone. */
#ifndef BERT_DIST_H
#define BERT_DIST_H

#include <stddef.h>

/* Start MPI (when built with it) and install the abort hook. Returns the number of processes. */
int dist_init(int *argc, char ***argv);
/* Shut MPI down (call once, at the end of main). */
void dist_finalize(void);
int dist_rank(void); /* 0 .. dist_size()-1; 0 without MPI */
int dist_size(void); /* 1 without MPI */
/* 1 when this binary was built with MPI. */
int dist_compiled(void);
/* x[0..n) = the sum over all processes of their x (in place). */
void dist_sum_floats(float *x, size_t n);
void dist_sum_doubles(double *x, int n);
/* The largest of every process's v (e.g. a flag that one of them saw a NaN). */
double dist_max(double v);
/* The examples [*first, *first + *count) of a global batch of B that this rank computes: the
 * batch cut into dist_size() contiguous slices, the first B % K slices one longer. */
void dist_slice(int B, int *first, int *count);

#endif
