/*
 * main.c — the guanlan command line: dispatches subcommands.
 */
#include <stdio.h>
int main(void) { puts("guanlan"); return 0; }
