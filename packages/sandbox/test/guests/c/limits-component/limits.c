/*
 * The core module of the limits component (world.wit beside this file): a
 * wasi-libc reactor whose exports are the world's functions, made into a
 * component with the WASI preview1 adapter (see scripts/build-guests.sh).
 * Every function takes and returns only integers, so no canonical ABI
 * allocation is needed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define BLOCK (1 << 20)

struct block {
    struct block *next;
    char data[BLOCK - sizeof(struct block *)];
};

/* Blocks are touched and listed, so the compiler cannot drop the malloc. */
__attribute__((export_name("allocate-all"))) uint32_t allocate_all(void) {
    struct block *head = NULL;
    uint32_t n = 0;
    for (;;) {
        struct block *b = malloc(sizeof *b);
        if (!b) break;
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

static volatile uint64_t spin_counter;

__attribute__((export_name("spin"))) void spin(void) {
    for (;;) spin_counter++;
}

__attribute__((export_name("nap"))) void nap(uint32_t ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
