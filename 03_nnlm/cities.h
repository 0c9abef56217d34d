/* cities.h - chapter 03, claim C7: the controlled 北京/上海 experiment (see cities.c). */
#ifndef NNLM_CITIES_H
#define NNLM_CITIES_H

#include <stdint.h>

/* The words the experiment asks about, and the context it asks in. */
#define CITIES_FREQUENT "北京"
#define CITIES_RARE "上海"
#define CITIES_CONTROL "苹果" /* a food: about as frequent as 上海, never a destination */
#define CITIES_CONTEXT "我们 下个月 飞往" /* seen in training only before 北京 */

/* The training text, one sentence per line, drawn from a small grammar with the given seed
 * (nsent sentences). Caller frees. */
char *cities_text(uint64_t seed, int nsent);

typedef struct {
    double kn[3], nnlm[3];   /* P(北京 | context), P(上海 | context), P(苹果 | context) */
    double cos_rare, cos_control;  /* cosine of the 北京 embedding with 上海's and with 苹果's */
    long seen_frequent, seen_rare; /* how often each city follows the context in training */
    long count_frequent, count_rare, count_control; /* their counts in the whole training text */
} CitiesResult;

/* Build the text (nsent sentences; the demo uses CITIES_SENTENCES), train a 4-gram KN model and an
 * NNLM reading 3 words on it, and ask both. verbose: print the report (the demo); 0 for the tests. */
#define CITIES_SENTENCES 4000
void cities_run(uint64_t seed, int nsent, int verbose, CitiesResult *r);

#endif
