/* Base64 (RFC 4648) as used by key lines, key files and fingerprints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "burrow/keys.h"

struct vector {
	const char *plain;
	const char *padded;
	const char *unpadded;
};

/* RFC 4648 section 10. */
static const struct vector rfc4648_vectors[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

static void test_base64_encodes_rfc4648_vectors_padded_and_unpadded(void **state)
{
	for (size_t i = 0; i < sizeof(rfc4648_vectors) / sizeof(rfc4648_vectors[0]); i++) {
		const struct vector *v = &rfc4648_vectors[i];
		char *out;
		assert_int_equal(burrow_base64_encode((const uint8_t *)v->plain, strlen(v->plain), true, &out), 0);
		assert_string_equal(out, v->padded);
		free(out);
		assert_int_equal(burrow_base64_encode((const uint8_t *)v->plain, strlen(v->plain), false, &out), 0);
		assert_string_equal(out, v->unpadded);
		free(out);
	}
}

static void test_base64_decodes_rfc4648_vectors_padded_and_unpadded(void **state)
{
	for (size_t i = 0; i < sizeof(rfc4648_vectors) / sizeof(rfc4648_vectors[0]); i++) {
		const struct vector *v = &rfc4648_vectors[i];
		const char *forms[2] = { v->padded, v->unpadded };
		for (int f = 0; f < 2; f++) {
			uint8_t *out;
			size_t len;
			assert_int_equal(burrow_base64_decode(forms[f], strlen(forms[f]), &out, &len), 0);
			assert_int_equal(len, strlen(v->plain));
			assert_memory_equal(out, v->plain, len);
			free(out);
		}
	}
}

static void test_base64_round_trips_every_byte_value(void **state)
{
	uint8_t all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	for (size_t n = 0; n <= sizeof(all); n += 1) {
		char *text;
		uint8_t *back;
		size_t len;
		assert_int_equal(burrow_base64_encode(all + (256 - n), n, true, &text), 0);
		assert_int_equal(burrow_base64_decode(text, strlen(text), &back, &len), 0);
		assert_int_equal(len, n);
		if (n)
			assert_memory_equal(back, all + (256 - n), n);
		free(text);
		free(back);
	}
}

static void expect_rejected(const char *text)
{
	uint8_t *out = (uint8_t *)"untouched";
	size_t len = 99;
	assert_int_equal(burrow_base64_decode(text, strlen(text), &out, &len), BURROW_E_PARSE);
	assert_null(out);
	assert_int_equal(len, 0);
}

static void test_base64_rejects_characters_outside_the_alphabet(void **state)
{
	expect_rejected("Zm9v!");
	expect_rejected("Zm9-");  /* base64url is a different alphabet */
	expect_rejected("Zm9_");
	expect_rejected("Zm\x80v");
}

static void test_base64_rejects_whitespace(void **state)
{
	expect_rejected("Zm9 v");
	expect_rejected("Zm9v\n");
	expect_rejected(" Zm9v");
	expect_rejected("Zm9v\r\nYmFy");
}

static void test_base64_rejects_misplaced_or_excess_padding(void **state)
{
	expect_rejected("Zm=v");
	expect_rejected("Zg===");
	expect_rejected("Zg=");     /* padding must complete a group of four */
	expect_rejected("Zm9v=");
	expect_rejected("====");
	expect_rejected("=");
	expect_rejected("Zg==Zg==");
}

static void test_base64_rejects_a_lone_symbol_and_nonzero_spare_bits(void **state)
{
	expect_rejected("Z");
	expect_rejected("Zm9vY");
	expect_rejected("Zh==");  /* 'h' leaves non-zero bits after the byte */
	expect_rejected("Zm9=");  /* '9' leaves non-zero bits after two bytes */
	expect_rejected("Zh");
}

static void test_base64_rejects_null_arguments(void **state)
{
	uint8_t *out;
	size_t len;
	char *text;
	assert_int_equal(burrow_base64_decode(NULL, 4, &out, &len), BURROW_E_INVALID);
	assert_int_equal(burrow_base64_decode("Zm9v", 4, NULL, &len), BURROW_E_INVALID);
	assert_int_equal(burrow_base64_encode(NULL, 3, true, &text), BURROW_E_INVALID);
	assert_int_equal(burrow_base64_encode((const uint8_t *)"a", 1, true, NULL), BURROW_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_encodes_rfc4648_vectors_padded_and_unpadded),
		cmocka_unit_test(test_base64_decodes_rfc4648_vectors_padded_and_unpadded),
		cmocka_unit_test(test_base64_round_trips_every_byte_value),
		cmocka_unit_test(test_base64_rejects_characters_outside_the_alphabet),
		cmocka_unit_test(test_base64_rejects_whitespace),
		cmocka_unit_test(test_base64_rejects_misplaced_or_excess_padding),
		cmocka_unit_test(test_base64_rejects_a_lone_symbol_and_nonzero_spare_bits),
		cmocka_unit_test(test_base64_rejects_null_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
