/* Known-answer tests for x25519.c: RFC 7748 sections 5.2 and 6.1, and low-order point rejection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/crypto.h"

static void unhex32(const char *hex, uint8_t out[32])
{
	assert_int_equal(strlen(hex), 64);
	for (size_t i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void check_x25519(const char *scalar_hex, const char *u_hex, const char *want_hex)
{
	uint8_t k[32], u[32], want[32], got[32];
	unhex32(scalar_hex, k);
	unhex32(u_hex, u);
	unhex32(want_hex, want);
	assert_int_equal(x25519_shared(k, u, got), 0);
	assert_memory_equal(got, want, 32);
}

static const uint8_t basepoint[32] = { 9 };

static void test_x25519_rfc7748_5_2_vectors(void **state)
{
	check_x25519("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		     "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	/* The top bit of this u-coordinate is set and must be ignored (RFC 7748 5). */
	check_x25519("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		     "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

static void test_x25519_rfc7748_5_2_iterated_1_and_1000(void **state)
{
	uint8_t k[32] = { 9 }, u[32] = { 9 }, next[32], want1[32], want1000[32];
	unhex32("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", want1);
	unhex32("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", want1000);
	for (int i = 1; i <= 1000; i++) {
		assert_int_equal(x25519_shared(k, u, next), 0);
		memcpy(u, k, 32);
		memcpy(k, next, 32);
		if (i == 1)
			assert_memory_equal(k, want1, 32);
	}
	assert_memory_equal(k, want1000, 32);
}

static void test_x25519_rfc7748_6_1_diffie_hellman(void **state)
{
	uint8_t a[32], b[32], apub_want[32], bpub_want[32], k_want[32];
	uint8_t apub[32], bpub[32], k1[32], k2[32];
	unhex32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a);
	unhex32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", apub_want);
	unhex32("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b);
	unhex32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bpub_want);
	unhex32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", k_want);
	/* A public key is X25519(private, 9). */
	assert_int_equal(x25519_shared(a, basepoint, apub), 0);
	assert_int_equal(x25519_shared(b, basepoint, bpub), 0);
	assert_memory_equal(apub, apub_want, 32);
	assert_memory_equal(bpub, bpub_want, 32);
	assert_int_equal(x25519_shared(a, bpub, k1), 0);
	assert_int_equal(x25519_shared(b, apub, k2), 0);
	assert_memory_equal(k1, k_want, 32);
	assert_memory_equal(k2, k_want, 32);
}

static void test_x25519_keygen_pairs_agree(void **state)
{
	uint8_t a[32], apub[32], b[32], bpub[32], k1[32], k2[32], check[32];
	assert_int_equal(x25519_keygen(a, apub), 0);
	assert_int_equal(x25519_keygen(b, bpub), 0);
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(x25519_shared(a, basepoint, check), 0);
	assert_memory_equal(check, apub, 32);
	assert_int_equal(x25519_shared(a, bpub, k1), 0);
	assert_int_equal(x25519_shared(b, apub, k2), 0);
	assert_memory_equal(k1, k2, 32);
}

static void test_x25519_rejects_low_order_points(void **state)
{
	/* Points of order 1, 2, 4 and 8, and non-canonical encodings of them (u = p-1, p, p+1,
	 * and with the ignored top bit set): each gives the all-zero shared secret. */
	static const char *low_order[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"0000000000000000000000000000000000000000000000000000000000000080",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
	};
	uint8_t priv[32], pub[32], u[32], out[32], zero[32] = { 0 };
	assert_int_equal(x25519_keygen(priv, pub), 0);
	for (size_t i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++) {
		unhex32(low_order[i], u);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(x25519_shared(priv, u, out), BURROW_E_CRYPTO);
		assert_memory_equal(out, zero, 32); /* nothing usable is left behind */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x25519_rfc7748_5_2_vectors),
		cmocka_unit_test(test_x25519_rfc7748_5_2_iterated_1_and_1000),
		cmocka_unit_test(test_x25519_rfc7748_6_1_diffie_hellman),
		cmocka_unit_test(test_x25519_keygen_pairs_agree),
		cmocka_unit_test(test_x25519_rejects_low_order_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
