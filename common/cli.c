/* cli.c - see cli.h. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static char g_program[64] = "this program";

void cli_set_program(const char *name) { snprintf(g_program, sizeof g_program, "%s", name); }

void cli_bad_usage(const char *fmt, const char *arg) {
    fflush(stdout);
    fprintf(stderr, "error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run '%s --help' for the options)\n", g_program);
    exit(2);
}

void cli_parse(int argc, char **argv, int first, const Opt *opts, int nopts, void (*usage)(FILE *)) {
    char err[ERR_LEN];
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) usage(stdout), exit(0);
        const Opt *o = NULL;
        for (int j = 0; j < nopts; j++)
            if (!strcmp(a, opts[j].name)) o = &opts[j];
        if (!o) cli_bad_usage(a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
        if (o->kind == OPT_FLAG) {
            *(int *)o->dst = 1;
            continue;
        }
        if (i + 1 >= argc) cli_bad_usage("option %s needs a value", a);
        const char *v = argv[++i];
        if (o->kind == OPT_STR) *(const char **)o->dst = v;
        else if (o->kind == OPT_LONG) {
            if (parse_long(v, (long)o->lo, (long)o->hi, (long *)o->dst, o->name, err)) cli_bad_usage("%s", err);
        } else if (parse_double(v, o->lo, o->hi, (double *)o->dst, o->name, err)) {
            cli_bad_usage("%s", err);
        }
    }
}
