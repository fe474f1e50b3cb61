/* Files and shell commands, for the tests that check our output against ssh-keygen's. */
#ifndef BURROW_TEST_HELPER_FILES_H
#define BURROW_TEST_HELPER_FILES_H

#include <stddef.h>

/* system() of a printf-formatted command line (at most 2 KiB); its status. */
int test_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A file's contents (under 64 KiB), NUL-terminated, its length in *len (may be NULL); fails the
 * test when it cannot be read. The caller frees it. */
char *test_read_text(const char *path, size_t *len);

#endif
