/* Blowfish (Eric Young's ECB vectors, published with Schneier's reference code) and bcrypt_pbkdf
 * (the vectors of OpenBSD's bcrypt_pbkdf regress test, also used by other implementations). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "helper_hex.h"

struct bf_vector {
	const char *key, *plain, *cipher;
};

static const struct bf_vector bf_vectors[] = {
	{ "0000000000000000", "0000000000000000", "4ef997456198dd78" },
	{ "ffffffffffffffff", "ffffffffffffffff", "51866fd5b85ecb8a" },
	{ "3000000000000000", "1000000000000001", "7d856f9a613063f2" },
	{ "1111111111111111", "1111111111111111", "2466dd878b963c9d" },
	{ "0123456789abcdef", "1111111111111111", "61f9c3802281b096" },
	{ "1111111111111111", "0123456789abcdef", "7d0cc630afda1ec7" },
	{ "fedcba9876543210", "0123456789abcdef", "0aceab0fc6a0a28d" },
	{ "7ca110454a1a6e57", "01a1d6d039776742", "59c68245eb05282b" },
	{ "0131d9619dc1376e", "5cd54ca83def57da", "b1b8cc0b250f09a0" },
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_blowfish_ecb_matches_eric_young_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bf_vectors) / sizeof(bf_vectors[0]); i++) {
		uint8_t key[8], plain[8], cipher[8];
		test_unhex(bf_vectors[i].key, key, sizeof(key));
		test_unhex(bf_vectors[i].plain, plain, sizeof(plain));
		test_unhex(bf_vectors[i].cipher, cipher, sizeof(cipher));
		struct blowfish bf;
		blowfish_init(&bf);
		blowfish_expand_key(&bf, key, sizeof(key));
		uint32_t l = be32(plain), r = be32(plain + 4);
		blowfish_encrypt_block(&bf, &l, &r);
		assert_int_equal(l, be32(cipher));
		assert_int_equal(r, be32(cipher + 4));
		blowfish_decrypt_block(&bf, &l, &r);
		assert_int_equal(l, be32(plain));
		assert_int_equal(r, be32(plain + 4));
	}
}

static void test_blowfish_initial_state_is_pi(void **state)
{
	(void)state;
	struct blowfish bf;
	blowfish_init(&bf);
	assert_int_equal(bf.p[0], 0x243f6a88); /* 3.243F6A8885A308D3... */
	assert_int_equal(bf.p[1], 0x85a308d3);
	assert_int_equal(bf.s[0][0], 0xd1310ba6);
	assert_int_equal(bf.s[3][255], 0x3ac372e6);
}

struct pbkdf_vector {
	const uint8_t *pass;
	size_t pass_len;
	const uint8_t *salt;
	size_t salt_len;
	unsigned rounds;
	const char *key;
};

static void check_pbkdf(const struct pbkdf_vector *v)
{
	uint8_t want[128], got[128];
	size_t n = test_unhex(v->key, want, sizeof(want));
	memset(got, 0xee, sizeof(got));
	assert_int_equal(bcrypt_pbkdf(v->pass, v->pass_len, v->salt, v->salt_len, got, n, v->rounds), 0);
	assert_memory_equal(got, want, n);
	assert_int_equal(got[n], 0xee); /* nothing written past the key */
}

static void test_bcrypt_pbkdf_matches_openbsd_vectors(void **state)
{
	(void)state;
	static const struct pbkdf_vector v[] = {
		{ (const uint8_t *)"password", 8, (const uint8_t *)"salt", 4, 4,
		  "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9" },
		{ (const uint8_t *)"password", 8, (const uint8_t *)"\0", 1, 4, "c12b566235eee04c212598970a579a67" },
		{ (const uint8_t *)"\0", 1, (const uint8_t *)"salt", 4, 4, "6051be18c2f4f82cbf0efee5471b4bb9" },
		{ (const uint8_t *)"password\0", 9, (const uint8_t *)"salt\0", 5, 4,
		  "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_pbkdf(&v[i]);
}

/* Keys longer than one 32-byte block interleave the blocks' bytes: the first 32 bytes of a
 * 48-byte key are not the 32-byte key, but every block's leading bytes. */
static void test_bcrypt_pbkdf_long_key_interleaves_blocks(void **state)
{
	(void)state;
	uint8_t k32[32], k48[48], k64[64];
	const uint8_t *pass = (const uint8_t *)"correct horse", *salt = (const uint8_t *)"0123456789abcdef";
	assert_int_equal(bcrypt_pbkdf(pass, 13, salt, 16, k32, sizeof(k32), 2), 0);
	assert_int_equal(bcrypt_pbkdf(pass, 13, salt, 16, k48, sizeof(k48), 2), 0);
	assert_int_equal(bcrypt_pbkdf(pass, 13, salt, 16, k64, sizeof(k64), 2), 0);
	/* stride 2: block 1 fills even positions; the first block is the same for 48 and 64 bytes */
	for (size_t i = 0; i < 24; i++)
		assert_int_equal(k48[2 * i], k64[2 * i]);
	assert_memory_not_equal(k32, k48, 32);
	/* block 1 of a 32-byte key is the whole key; its first 24 bytes are block 1's of stride 2 */
	for (size_t i = 0; i < 24; i++)
		assert_int_equal(k32[i], k48[2 * i]);
}

static void test_bcrypt_pbkdf_rejects_empty_and_oversized_arguments(void **state)
{
	(void)state;
	uint8_t key[1025];
	const uint8_t *p = (const uint8_t *)"pw", *s = (const uint8_t *)"salt";
	assert_int_equal(bcrypt_pbkdf(p, 0, s, 4, key, 32, 4), BURROW_E_INVALID);
	assert_int_equal(bcrypt_pbkdf(p, 2, s, 0, key, 32, 4), BURROW_E_INVALID);
	assert_int_equal(bcrypt_pbkdf(p, 2, s, 4, key, 0, 4), BURROW_E_INVALID);
	assert_int_equal(bcrypt_pbkdf(p, 2, s, 4, key, 32, 0), BURROW_E_INVALID);
	assert_int_equal(bcrypt_pbkdf(p, 2, s, 4, key, 1025, 1), BURROW_E_INVALID);
	assert_int_equal(bcrypt_pbkdf(p, 2, s, 4, key, 1024, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blowfish_ecb_matches_eric_young_vectors),
		cmocka_unit_test(test_blowfish_initial_state_is_pi),
		cmocka_unit_test(test_bcrypt_pbkdf_matches_openbsd_vectors),
		cmocka_unit_test(test_bcrypt_pbkdf_long_key_interleaves_blocks),
		cmocka_unit_test(test_bcrypt_pbkdf_rejects_empty_and_oversized_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
