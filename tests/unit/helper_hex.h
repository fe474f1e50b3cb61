/* Hex test vectors into bytes, for the known-answer tests. */
#ifndef BURROW_TEST_HELPER_HEX_H
#define BURROW_TEST_HELPER_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decodes an even-length hex string into out (at most max bytes); fails the test on bad input.
 * Returns the number of bytes. */
size_t test_unhex(const char *hex, uint8_t *out, size_t max);

#endif
