/* pca.h - principal component analysis: the best k-dimensional view of a cloud of points, for
 * plotting embeddings in 2-D (chapter 02's word maps, later chapters' hidden states).
 *
 * The points are centred; the principal directions are the eigenvectors of the scatter matrix
 * X^T X with the largest eigenvalues. When there are fewer points than dimensions (20 words of
 * 100-dim vectors) the same directions come from the smaller n x n Gram matrix X X^T. Both are
 * symmetric and small, so a cyclic Jacobi eigensolver does it exactly, with no library. Signs are
 * fixed (each direction's largest coordinate positive), so the same input always gives the same
 * picture. */
#ifndef COMMON_PCA_H
#define COMMON_PCA_H

/* x (n,d) float rows. Writes proj (n,k) = the centred points' coordinates on the top k principal
 * directions; components (k,d) (may be NULL) = the unit directions; explained (k) (may be NULL) =
 * each direction's share of the total variance. 1 <= k <= min(n, d), n <= 4096 or d <= 4096.
 * Returns 0, or -1 for bad sizes. */
int pca(const float *x, int n, int d, int k, double *proj, double *components, double *explained);

/* Eigen-decomposition of the symmetric m x m matrix a (destroyed) by cyclic Jacobi rotations:
 * eigenvalues in w (m), descending; eigenvectors as the ROWS of v (m,m), in the same order. */
void symmetric_eigen(double *a, int m, double *w, double *v);

#endif
