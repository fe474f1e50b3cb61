/*
 * Tests for dh.c and dh_groups.c: every fixed group is the published prime (SHA-256 of the
 * RFC's hex digits, and libcrypto's own copy) with generator 2; a DH round trip; the range
 * checks on public values (RFC 4253 8, RFC 8268 4) and on groups from group exchange.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>

#include "crypto/crypto.h"

struct published_group {
	const struct dh_group *group;
	unsigned bits;
	/* SHA-256 of the prime as upper-case hex digits without spaces, as RFC 2409 6.2 / RFC 3526
	 * print it (the digits of p = 2^n - 2^(n-64) - 1 + 2^64 * ([2^(n-130) pi] + k)). */
	const char *hex_sha256;
	BIGNUM *(*libcrypto_copy)(BIGNUM *);
};

static const struct published_group published[] = {
	{ &dh_group1, 1024, "693daceaf10c4200894cbd5696b120faebc30f7c4a242a8cd915ca3e83e141db", BN_get_rfc2409_prime_1024 },
	{ &dh_group14, 2048, "dcd8538e629d7b8bc0dabdcda6744e0542bfb801d50305b2f6acf823b3d4e7ba", BN_get_rfc3526_prime_2048 },
	{ &dh_group15, 3072, "2b2c15e1523695d748a2f56b3b81d59d23467b300f1879585be61f0addacdc45", BN_get_rfc3526_prime_3072 },
	{ &dh_group16, 4096, "2349a6f8251156cbfade78ada6bd1e0c961a56847def4d288b6fdbd740016bff", BN_get_rfc3526_prime_4096 },
	{ &dh_group17, 6144, "eeff9f22efbb6af437e9bb4a5466ddc607a9d0c954e14a4a90461688896b9e2b", BN_get_rfc3526_prime_6144 },
	{ &dh_group18, 8192, "d0c08f76798cac51345c195a01a2bea21bc577cfa9d857bbc6627ee41cb0b2b6", BN_get_rfc3526_prime_8192 },
};
#define GROUP_COUNT (sizeof(published) / sizeof(published[0]))

static void test_dh_groups_are_the_published_primes(void **state)
{
	(void)state;
	for (size_t i = 0; i < GROUP_COUNT; i++) {
		const struct dh_group *g = published[i].group;
		assert_int_equal(g->bits, published[i].bits);
		assert_int_equal(g->p_len * 8, g->bits);
		assert_int_equal(dh_bits(g->p, g->p_len), g->bits);
		char *hex = malloc(2 * g->p_len + 1);
		assert_non_null(hex);
		for (size_t j = 0; j < g->p_len; j++)
			snprintf(hex + 2 * j, 3, "%02X", g->p[j]);
		uint8_t digest[32];
		char digest_hex[65];
		assert_int_equal(hash_oneshot(HASH_SHA256, hex, 2 * g->p_len, digest), 0);
		for (size_t j = 0; j < 32; j++)
			snprintf(digest_hex + 2 * j, 3, "%02x", digest[j]);
		assert_string_equal(digest_hex, published[i].hex_sha256);
		free(hex);
	}
}

static void test_dh_groups_match_libcrypto_copies(void **state)
{
	(void)state;
	for (size_t i = 0; i < GROUP_COUNT; i++) {
		const struct dh_group *g = published[i].group;
		BIGNUM *theirs = published[i].libcrypto_copy(NULL);
		assert_non_null(theirs);
		uint8_t *bytes = malloc(g->p_len);
		assert_non_null(bytes);
		assert_int_equal(BN_bn2binpad(theirs, bytes, (int)g->p_len), (int)g->p_len);
		assert_memory_equal(bytes, g->p, g->p_len);
		free(bytes);
		BN_free(theirs);
	}
}

static void test_dh_groups_use_generator_2(void **state)
{
	(void)state;
	for (size_t i = 0; i < GROUP_COUNT; i++) {
		assert_int_equal(published[i].group->g_len, 1);
		assert_int_equal(published[i].group->g[0], 2);
	}
}

static void test_dh_round_trip_agrees(void **state)
{
	(void)state;
	const struct dh_group *g = &dh_group14;
	struct dh_key *a, *b;
	assert_int_equal(dh_key_new(g->p, g->p_len, g->g, g->g_len, 512, &a), 0);
	assert_int_equal(dh_key_new(g->p, g->p_len, g->g, g->g_len, 512, &b), 0);
	uint8_t ya[256], yb[256], ka[256], kb[256];
	assert_int_equal(dh_public(a, ya, sizeof(ya)), 0);
	assert_int_equal(dh_public(b, yb, sizeof(yb)), 0);
	assert_true(dh_public_is_valid(g->p, g->p_len, ya, sizeof(ya)));
	assert_int_equal(dh_shared(a, yb, sizeof(yb), ka, sizeof(ka)), 0);
	assert_int_equal(dh_shared(b, ya, sizeof(ya), kb, sizeof(kb)), 0);
	assert_memory_equal(ka, kb, sizeof(ka));
	assert_memory_not_equal(ya, yb, sizeof(ya));
	dh_key_free(a);
	dh_key_free(b);
	dh_key_free(NULL);
}

static void test_dh_exponent_must_be_shorter_than_p(void **state)
{
	(void)state;
	const struct dh_group *g = &dh_group1;
	struct dh_key *k = NULL;
	assert_int_equal(dh_key_new(g->p, g->p_len, g->g, g->g_len, 1024, &k), BURROW_E_INVALID);
	assert_null(k);
	assert_int_equal(dh_key_new(g->p, g->p_len, g->g, g->g_len, 1023, &k), 0);
	dh_key_free(k);
}

/* p + delta (delta small, may be negative) as p_len bytes. */
static void p_plus(const struct dh_group *g, int delta, uint8_t *out)
{
	BIGNUM *n = BN_bin2bn(g->p, (int)g->p_len, NULL);
	assert_non_null(n);
	if (delta >= 0)
		assert_int_equal(BN_add_word(n, (BN_ULONG)delta), 1);
	else
		assert_int_equal(BN_sub_word(n, (BN_ULONG)-delta), 1);
	assert_int_equal(BN_bn2binpad(n, out, (int)g->p_len + 1), (int)g->p_len + 1);
	BN_free(n);
}

static void test_dh_public_values_outside_2_to_p_minus_2_are_refused(void **state)
{
	(void)state;
	const struct dh_group *g = &dh_group14;
	uint8_t v[257];
	const uint8_t zero[1] = { 0 }, one[1] = { 1 }, two[1] = { 2 };
	assert_false(dh_public_is_valid(g->p, g->p_len, zero, 0));
	assert_false(dh_public_is_valid(g->p, g->p_len, zero, 1));
	assert_false(dh_public_is_valid(g->p, g->p_len, one, 1));
	assert_false(dh_public_is_valid(g->p, g->p_len, two, 1)); /* in range, but log_2 is trivial */
	p_plus(g, -1, v);
	assert_false(dh_public_is_valid(g->p, g->p_len, v, sizeof(v)));
	p_plus(g, 0, v);
	assert_false(dh_public_is_valid(g->p, g->p_len, v, sizeof(v)));
	p_plus(g, 1, v);
	assert_false(dh_public_is_valid(g->p, g->p_len, v, sizeof(v)));
	p_plus(g, -2, v);
	assert_true(dh_public_is_valid(g->p, g->p_len, v, sizeof(v)));

	/* dh_shared applies the same check. */
	struct dh_key *k;
	uint8_t out[256];
	assert_int_equal(dh_key_new(g->p, g->p_len, g->g, g->g_len, 512, &k), 0);
	assert_int_equal(dh_shared(k, one, 1, out, sizeof(out)), BURROW_E_CRYPTO);
	p_plus(g, -1, v);
	assert_int_equal(dh_shared(k, v, sizeof(v), out, sizeof(out)), BURROW_E_CRYPTO);
	p_plus(g, -2, v);
	assert_int_equal(dh_shared(k, v, sizeof(v), out, sizeof(out)), 0);
	dh_key_free(k);
}

static void test_dh_public_values_with_few_bits_set_are_refused(void **state)
{
	(void)state;
	const struct dh_group *g = &dh_group14;
	uint8_t v[256] = { 0 };
	v[0] = 0x80; /* 2^2047: one bit */
	assert_false(dh_public_is_valid(g->p, g->p_len, v, sizeof(v)));
	v[255] = 0x03; /* three bits */
	assert_false(dh_public_is_valid(g->p, g->p_len, v, sizeof(v)));
	v[255] = 0x07; /* four */
	assert_true(dh_public_is_valid(g->p, g->p_len, v, sizeof(v)));
}

static void test_dh_check_group_bounds_and_shape(void **state)
{
	(void)state;
	const struct dh_group *g = &dh_group14;
	uint8_t v[257];
	const uint8_t one[1] = { 1 }, five[1] = { 5 };
	assert_int_equal(dh_check_group(g->p, g->p_len, g->g, g->g_len, 2048, 8192), 0);
	assert_int_equal(dh_check_group(g->p, g->p_len, five, 1, 2048, 8192), 0);
	/* too small, too large for the bounds asked */
	assert_int_equal(dh_check_group(dh_group1.p, dh_group1.p_len, g->g, g->g_len, 2048, 8192), BURROW_E_CRYPTO);
	assert_int_equal(dh_check_group(g->p, g->p_len, g->g, g->g_len, 3072, 8192), BURROW_E_CRYPTO);
	assert_int_equal(dh_check_group(g->p, g->p_len, g->g, g->g_len, 1024, 1024), BURROW_E_CRYPTO);
	/* g must be in (1, p - 1) */
	assert_int_equal(dh_check_group(g->p, g->p_len, one, 1, 2048, 8192), BURROW_E_CRYPTO);
	p_plus(g, -1, v);
	assert_int_equal(dh_check_group(g->p, g->p_len, v, sizeof(v), 2048, 8192), BURROW_E_CRYPTO);
	/* an even "prime" */
	p_plus(g, -1, v);
	assert_int_equal(dh_check_group(v, sizeof(v), g->g, g->g_len, 2048, 8192), BURROW_E_CRYPTO);
}

static void test_dh_bits_counts_magnitude(void **state)
{
	(void)state;
	const uint8_t a[] = { 0, 0, 1 }, b[] = { 0x80, 0 }, z[] = { 0, 0 };
	assert_int_equal(dh_bits(a, sizeof(a)), 1);
	assert_int_equal(dh_bits(b, sizeof(b)), 16);
	assert_int_equal(dh_bits(z, sizeof(z)), 0);
	assert_int_equal(dh_bits(z, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dh_groups_are_the_published_primes),
		cmocka_unit_test(test_dh_groups_match_libcrypto_copies),
		cmocka_unit_test(test_dh_groups_use_generator_2),
		cmocka_unit_test(test_dh_round_trip_agrees),
		cmocka_unit_test(test_dh_exponent_must_be_shorter_than_p),
		cmocka_unit_test(test_dh_public_values_outside_2_to_p_minus_2_are_refused),
		cmocka_unit_test(test_dh_public_values_with_few_bits_set_are_refused),
		cmocka_unit_test(test_dh_check_group_bounds_and_shape),
		cmocka_unit_test(test_dh_bits_counts_magnitude),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
