/* main.c - bin/transformer: the command line of chapter 06 (work in progress). */
#include <stdio.h>

int main(void) {
    printf("transformer: work in progress\n");
    return 0;
}
