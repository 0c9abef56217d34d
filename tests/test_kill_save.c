/* test_kill_save.c - "training never loses work" (issue 9): a program killed (SIGKILL) at any
 * moment of writing a checkpoint leaves the previous checkpoint loadable and whole, because
 * checkpoint_save writes a temporary file and renames it into place (common/util.h atomic_open). */
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "testutil.h"
#include "util.h"

#define NW (1 << 20) /* 4 MB of weights: a save takes long enough to be caught in the middle */

static void fill(Params *p, float v) {
    for (size_t i = 0; i < p->total; i++) p->data[i] = v + (float)(i % 7);
}

START_TEST(sigkill_during_saves_keeps_a_whole_checkpoint) {
    static const ParamSpec specs[] = {{"w", 2, {1024, NW / 1024}, 0}, {"b", 1, {1024}, 1}};
    char err[ERR_LEN];
    char *path = temp_path(".safetensors");
    Params p;
    params_init(&p, specs, 2);
    fill(&p, 0);
    ck_assert_msg(checkpoint_save(&p, path, "nlpc-test", 1, NULL, 0, err) == 0, "%s", err);
    unsigned seed = 12345;
    for (int round = 0; round < 12; round++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) { /* a "trainer" saving new weights as fast as it can */
            for (int k = 1;; k++) {
                fill(&p, (float)k);
                if (checkpoint_save(&p, path, "nlpc-test", 1, NULL, 0, err)) _exit(3);
            }
        }
        seed = seed * 1103515245u + 12345u;
        struct timespec ts = {0, (long)(seed >> 8) % 40000000L}; /* 0-40 ms: anywhere in a save */
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        ck_assert_msg(WIFSIGNALED(status), "the saver stopped by itself (status %d)", status);
        /* the checkpoint on disk is one whole version: every weight from the same save */
        Params q;
        params_init(&q, specs, 2);
        ck_assert_msg(checkpoint_load(&q, path, "nlpc-test", 1, NULL, err) == 0, "round %d: %s", round, err);
        float k = q.data[0];
        for (size_t i = 0; i < q.total; i++)
            if (q.data[i] != k + (float)(i % 7)) ck_abort_msg("round %d: weight %zu from another save", round, i);
        params_free(&q);
    }
    /* a killed save leaves its temporary file (PATH.tmp.PID), never a half-written PATH */
    char pattern[1100];
    snprintf(pattern, sizeof pattern, "%s.tmp.*", path);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) unlink(g.gl_pathv[i]);
        globfree(&g);
    }
    params_free(&p);
    unlink(path);
    free(path);
}
END_TEST

Suite *kill_save_suite(void) {
    Suite *s = suite_create("kill_save");
    TCase *tc = tcase_create("atomic");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, sigkill_during_saves_keeps_a_whole_checkpoint);
    suite_add_tcase(s, tc);
    return s;
}
