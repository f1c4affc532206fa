/*
 * The core module of the limits component (world.wit beside this file): a
 * wasi-libc reactor whose exports are the world's functions, made into a
 * component with the WASI preview1 adapter (see scripts/build-guests.sh).
 * Every function takes and returns only integers, so no canonical ABI
 * allocation is needed.
 */
#include <stdint.h>
#include <time.h>

#include "../alloc-blocks.h"

__attribute__((export_name("allocate-all"))) uint32_t allocate_all(void) {
    return (uint32_t)allocate_blocks(-1);
}

static volatile uint64_t spin_counter;

__attribute__((export_name("spin"))) void spin(void) {
    for (;;) spin_counter++;
}

__attribute__((export_name("nap"))) void nap(uint32_t ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
