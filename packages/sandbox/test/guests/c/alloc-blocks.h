/*
 * Allocating until malloc fails, for the memory-limit guests (alloc.c and
 * limits-component/limits.c).
 *
 * Every block is written to and kept on a list: a loop that only compares
 * malloc's result with NULL lets the compiler drop the allocation (it may
 * assume malloc succeeds), leaving an endless empty loop.
 */
#include <stdlib.h>

#define BLOCK (1 << 20)

struct block {
    struct block *next;
    char data[BLOCK - sizeof(struct block *)];
};

/* Allocates 1 MiB blocks until malloc returns NULL or `limit` of them (no
 * limit if negative), frees them all, and returns how many it got. */
static long allocate_blocks(long limit) {
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
    while (head) {
        struct block *next = head->next;
        free(head);
        head = next;
    }
    return n;
}
