/* Three fresh Ed25519 keys and their public lines, for tests of files that list keys. */
#ifndef BURROW_TEST_HELPER_KEY_FIXTURE_H
#define BURROW_TEST_HELPER_KEY_FIXTURE_H

#include "burrow/keys.h"

struct key_fixture {
	struct burrow_key *a, *b, *c;
	char *a_line, *b_line, *c_line; /* "ssh-ed25519 <base64>" */
	char *a_b64;                    /* base64 only */
};

/* cmocka group setup/teardown: *state becomes a struct key_fixture. */
int key_fixture_setup(void **state);
int key_fixture_teardown(void **state);
/* A file from a format where %1$s, %2$s, %3$s are the lines of keys A, B, C and %4$s is A's base64. */
char *key_fixture_text(const struct key_fixture *f, const char *fmt);

#endif
