/*
 * alloc: allocates 1 MiB blocks until malloc returns NULL, then shows that
 * it goes on working. Under a memory limit, the host must make memory.grow
 * fail inside the guest (wasi-libc's sbrk then fails and malloc returns
 * NULL), not trap or hang.
 *
 *   alloc            prints "got <n> MiB", frees everything, allocates one
 *                    block again and prints "after free: ok"; exits 0
 *   alloc <limit>    stops at <limit> MiB as well
 *
 * Every block is written to and kept on a list: a loop that only compares
 * malloc's result with NULL lets the compiler drop the allocation (it may
 * assume malloc succeeds), leaving an endless empty loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (1 << 20)

struct block {
    struct block *next;
    char data[BLOCK - sizeof(struct block *)];
};

int main(int argc, char **argv) {
    long limit = argc > 1 ? strtol(argv[1], NULL, 10) : -1;
    struct block *head = NULL;
    long n = 0;
    while (limit < 0 || n < limit) {
        struct block *b = malloc(sizeof *b);
        if (!b) break;
        /* Touch every page so the memory is really in use. */
        for (size_t i = 0; i < sizeof b->data; i += 4096) b->data[i] = (char)n;
        b->next = head;
        head = b;
        n++;
    }
    printf("got %ld MiB\n", n);
    while (head) {
        struct block *next = head->next;
        free(head);
        head = next;
    }
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
