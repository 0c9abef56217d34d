/* main.c - bin/rnn: the command line of chapter 04 (work in progress). */
#include <stdio.h>

int main(void) {
    printf("rnn: work in progress\n");
    return 0;
}
