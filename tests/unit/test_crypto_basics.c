/* Tests for random.c and ct.c: the primitives every other crypto file leans on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/crypto.h"

static void test_random_fills_and_differs_between_calls(void **state)
{
	uint8_t a[64], b[64], zero[64] = { 0 };
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	assert_int_equal(crypto_random(b, sizeof(b)), 0);
	/* 2^-512 chance of a false failure. */
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
}

static void test_random_of_zero_bytes_succeeds(void **state)
{
	assert_int_equal(crypto_random(NULL, 0), 0);
}

static void test_ct_equal_reports_equality(void **state)
{
	uint8_t a[32], b[32];
	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_int_equal(crypto_ct_equal(a, b, sizeof(a)), 1);
	for (size_t i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x01;
		assert_int_equal(crypto_ct_equal(a, b, sizeof(a)), 0);
		b[i] ^= 0x01;
	}
	b[31] ^= 0x80;
	assert_int_equal(crypto_ct_equal(a, b, 31), 1); /* only the first n bytes count */
	assert_int_equal(crypto_ct_equal(a, b, 0), 1);
}

static void test_wipe_zeroes_memory(void **state)
{
	uint8_t secret[48], zero[48] = { 0 };
	memset(secret, 0xa5, sizeof(secret));
	crypto_wipe(secret, sizeof(secret));
	assert_memory_equal(secret, zero, sizeof(secret));
	crypto_wipe(NULL, 0);
	crypto_wipe(NULL, 16); /* tolerated: nothing to wipe */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_fills_and_differs_between_calls),
		cmocka_unit_test(test_random_of_zero_bytes_succeeds),
		cmocka_unit_test(test_ct_equal_reports_equality),
		cmocka_unit_test(test_wipe_zeroes_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
