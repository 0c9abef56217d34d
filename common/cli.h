/* cli.h - the command-line conventions every program shares: a table-driven option parser, and
 * the one-line error for bad arguments.
 *
 * Bad arguments end with "error: <what>" and "(run 'PROGRAM --help' for the options)" on stderr
 * and exit status 2; numbers are parsed whole and checked against their range (util.h's
 * parse_long / parse_double), so "--dim 0", "--epochs 1e12" or "--lr abc" are refused. */
#ifndef COMMON_CLI_H
#define COMMON_CLI_H

#include <stdio.h>

#include "util.h"

/* The name used in "run 'NAME --help'", e.g. "rnn train" (copied; default "this program"). */
void cli_set_program(const char *name);
/* Print the error (fmt has one %s, filled with arg) and the --help hint; exit 2. */
NORETURN void cli_bad_usage(const char *fmt, const char *arg);

typedef enum { OPT_STR, OPT_LONG, OPT_DOUBLE, OPT_FLAG } OptKind;
typedef struct {
    const char *name; /* "--seq" */
    OptKind kind;
    void *dst;        /* const char **, long *, double *, or int * (a flag is set to 1) */
    double lo, hi;    /* the accepted range of a number */
} Opt;

/* Parse argv[first..argc) against opts: every argument must be a listed option (with its value
 * unless it is a flag). -h/--help prints usage(stdout) and exits 0; anything else wrong goes to
 * cli_bad_usage. */
void cli_parse(int argc, char **argv, int first, const Opt *opts, int nopts, void (*usage)(FILE *));

/* The project's shipped model NAME (models/NAME beside the program's bin/: found from where the
 * program is, so it works from any directory): its path (a static buffer), or NULL when the
 * program's place is unknown or models/NAME does not exist. */
const char *cli_shipped_model(const char *name);
/* opt itself when given, else the shipped model NAME; when neither exists: the error "no OPTION
 * given, and the shipped model models/NAME is missing (HINT)" and exit 2. */
const char *cli_model_or_shipped(const char *opt_value, const char *option, const char *name,
                                 const char *hint);

#endif
