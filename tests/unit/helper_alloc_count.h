/* Counts libcrypto's allocations, so a test can show that a hot path allocates nothing. */
#ifndef BURROW_TEST_HELPER_ALLOC_COUNT_H
#define BURROW_TEST_HELPER_ALLOC_COUNT_H

#include <stdbool.h>
#include <stddef.h>

/* Routes libcrypto's allocator through the counter. Call first thing in main: libcrypto accepts
 * it only before its first allocation. Returns whether it took. */
bool alloc_count_install(void);
bool alloc_count_installed(void);
/* libcrypto allocations (malloc and realloc) since the start. */
size_t alloc_count(void);

#endif
