/* lookup.h - chapter 03, claim C8: a one-hot vector times the embedding matrix is a row lookup
 * (see lookup.c). */
#ifndef NNLM_LOOKUP_H
#define NNLM_LOOKUP_H

typedef struct {
    int n, V, dim;
    float max_abs_diff;        /* between the product and the lookup: 0 when they agree exactly */
    double sec_matmul;         /* one (n,V) @ (V,dim) product, common/matmul's blocked kernel */
    double sec_lookup;         /* embedding_forward of the same n ids */
    double onehot_bytes;       /* the (n,V) one-hot matrix the product needs */
    double flops_matmul;       /* 2 n V dim */
} LookupResult;

/* For n ids into a (V,dim) table: build the one-hot rows, multiply, look the rows up, compare;
 * time each as the best of `repeats` runs. */
void lookup_compare(const float *table, int V, int dim, const int *ids, int n, int repeats, LookupResult *r);

#endif
