/* main.c - bin/bert: the command line of chapter 07 (being built; see issue 8). */
#include <stdio.h>

int main(int argc, char **argv) {
    (void)argv;
    fprintf(argc > 1 ? stderr : stdout, "usage: bert COMMAND ... (chapter 07 is being built)\n");
    return argc > 1 ? 2 : 0;
}
