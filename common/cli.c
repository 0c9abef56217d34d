/* cli.c - see cli.h. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "platform.h"

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

const char *cli_shipped_model(const char *name) {
    static char path[4096];
    char exe[4096];
    if (program_path(exe, sizeof exe)) return NULL;
    /* <root>/bin/PROGRAM -> <root>/models/NAME (also <root>/build/x/bin/PROGRAM: the nearest
     * models/ above the program) */
    for (int up = 0; up < 4; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash || slash == exe) return NULL;
        *slash = '\0';
        int k = snprintf(path, sizeof path, "%s/models/%s", exe, name);
        struct stat st;
        if (k > 0 && (size_t)k < sizeof path && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return path;
    }
    return NULL;
}

const char *cli_model_or_shipped(const char *opt_value, const char *option, const char *name,
                                 const char *hint) {
    if (opt_value) return opt_value;
    const char *p = cli_shipped_model(name);
    if (p) return p;
    char what[512];
    snprintf(what, sizeof what, "no %s given, and the shipped model models/%s is not beside this program (%s)",
             option, name, hint);
    cli_bad_usage("%s", what);
}
