/* The RSA key of a test group; see helper_rsa_key.h. */
#include "helper_rsa_key.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct burrow_key *rsa_key;

int rsa_key_group_setup(void **state)
{
	(void)state;
	return burrow_key_generate(BURROW_KEY_RSA, 2048, &rsa_key) == 0 ? 0 : -1;
}

int rsa_key_group_teardown(void **state)
{
	(void)state;
	burrow_key_free(rsa_key);
	rsa_key = NULL;
	return 0;
}

struct burrow_key *rsa_key_copy(void)
{
	char *text;
	struct burrow_key *copy;
	assert_non_null(rsa_key);
	assert_int_equal(burrow_key_format_private(rsa_key, "copy", &text), 0);
	assert_int_equal(burrow_key_parse_private(text, strlen(text), NULL, &copy, NULL), 0);
	free(text);
	assert_true(burrow_key_equal_public(copy, rsa_key));
	return copy;
}
