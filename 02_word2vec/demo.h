/* demo.h - chapter 02: the demo that `word2vec` runs with no arguments (see demo.c). */
#ifndef W2V_DEMO_H
#define W2V_DEMO_H

typedef struct {
    int full;           /* the longer trainings behind the README's quality figures */
    const char *outdir; /* plots and vector files ("out") */
    int threads;        /* 1 by default (the same output every run); 0: OpenMP's count */
} DemoOpts;

DemoOpts demo_defaults(void);
/* Train on the embedded English and Chinese corpora and show claims C2-C5. Returns 0, or 1 if a
 * data file is missing (run from the project root). */
int w2v_demo(const DemoOpts *o);

#endif
