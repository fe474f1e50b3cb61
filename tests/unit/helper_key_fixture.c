/* The three-key fixture of the authorized_keys and known_hosts tests; see helper_key_fixture.h. */
#define _GNU_SOURCE /* asprintf */
#include "helper_key_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

int key_fixture_setup(void **state)
{
	struct key_fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &f->a), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &f->b), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &f->c), 0);
	assert_int_equal(burrow_key_format_public_line(f->a, NULL, &f->a_line), 0);
	assert_int_equal(burrow_key_format_public_line(f->b, NULL, &f->b_line), 0);
	assert_int_equal(burrow_key_format_public_line(f->c, NULL, &f->c_line), 0);
	f->a_b64 = strchr(f->a_line, ' ') + 1;
	*state = f;
	return 0;
}

int key_fixture_teardown(void **state)
{
	struct key_fixture *f = *state;
	burrow_key_free(f->a);
	burrow_key_free(f->b);
	burrow_key_free(f->c);
	free(f->a_line);
	free(f->b_line);
	free(f->c_line);
	free(f);
	return 0;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* the formats are the tests' texts */
char *key_fixture_text(const struct key_fixture *f, const char *fmt)
{
	char *s = NULL;
	assert_true(asprintf(&s, fmt, f->a_line, f->b_line, f->c_line, f->a_b64) > 0);
	return s;
}
#pragma GCC diagnostic pop
