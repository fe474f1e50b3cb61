/* One RSA key per test file: RSA keys take a while to make, so a group makes one and each test
 * takes a copy. */
#ifndef BURROW_TEST_HELPER_RSA_KEY_H
#define BURROW_TEST_HELPER_RSA_KEY_H

#include "burrow/keys.h"

/* cmocka group setup/teardown: make and free the file's RSA key (2048 bits). */
int rsa_key_group_setup(void **state);
int rsa_key_group_teardown(void **state);
/* A copy of that key through the openssh-key-v1 format, which the copy also exercises; the
 * caller frees it. */
struct burrow_key *rsa_key_copy(void);

#endif
