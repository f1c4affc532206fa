/*
 * alloc: allocates 1 MiB blocks until malloc returns NULL, then shows that
 * it goes on working. Under a memory limit, the host must make memory.grow
 * fail inside the guest (wasi-libc's sbrk then fails and malloc returns
 * NULL), not trap or hang.
 *
 *   alloc            prints "got <n> MiB", frees everything, allocates one
 *                    block again and prints "after free: ok"; exits 0
 *   alloc <limit>    stops at <limit> MiB as well
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-blocks.h"

int main(int argc, char **argv) {
    long n = allocate_blocks(argc > 1 ? strtol(argv[1], NULL, 10) : -1);
    printf("got %ld MiB\n", n);
    char *again = malloc(BLOCK);
    if (!again) {
        printf("after free: malloc failed\n");
        return 1;
    }
    memset(again, 1, BLOCK);
    printf("after free: ok\n");
    free(again);
    return 0;
}
