/* Known-answer tests for ed25519.c: RFC 8032 section 7.1 TEST 1, 2, 3 and TEST SHA(abc). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "helper_hex.h"
#include "crypto/crypto.h"

struct ed_vector {
	const char *seed, *pub, *msg, *sig;
};

static const struct ed_vector rfc8032[] = {
	{ /* TEST 1 */
	  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ /* TEST 2 */
	  "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ /* TEST 3 */
	  "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
	{ /* TEST SHA(abc): the message is SHA-512("abc") */
	  "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
	  "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
	  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	  "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704" },
};

#define N_VECTORS (sizeof(rfc8032) / sizeof(rfc8032[0]))

struct ed_loaded {
	uint8_t seed[32], pub[32], msg[64], sig[64];
	size_t msg_len;
};

static void load(const struct ed_vector *v, struct ed_loaded *l)
{
	assert_int_equal(test_unhex(v->seed, l->seed, 32), 32);
	assert_int_equal(test_unhex(v->pub, l->pub, 32), 32);
	assert_int_equal(test_unhex(v->sig, l->sig, 64), 64);
	l->msg_len = test_unhex(v->msg, l->msg, sizeof(l->msg));
}

static void test_ed25519_public_key_from_seed_matches_rfc8032(void **state)
{
	for (size_t i = 0; i < N_VECTORS; i++) {
		struct ed_loaded l;
		uint8_t pub[32];
		load(&rfc8032[i], &l);
		assert_int_equal(ed25519_public_from_seed(l.seed, pub), 0);
		assert_memory_equal(pub, l.pub, 32);
	}
}

static void test_ed25519_sign_gives_exact_rfc8032_signature(void **state)
{
	for (size_t i = 0; i < N_VECTORS; i++) {
		struct ed_loaded l;
		uint8_t sig[64];
		load(&rfc8032[i], &l);
		assert_int_equal(ed25519_sign(l.seed, l.msg_len ? l.msg : NULL, l.msg_len, sig), 0);
		assert_memory_equal(sig, l.sig, 64);
	}
}

static void test_ed25519_verify_accepts_rfc8032_signature(void **state)
{
	for (size_t i = 0; i < N_VECTORS; i++) {
		struct ed_loaded l;
		load(&rfc8032[i], &l);
		assert_int_equal(ed25519_verify(l.pub, l.msg, l.msg_len, l.sig), 0);
	}
}

static void test_ed25519_verify_rejects_any_flipped_signature_bit(void **state)
{
	struct ed_loaded l;
	load(&rfc8032[2], &l);
	for (size_t bit = 0; bit < 512; bit++) {
		l.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(ed25519_verify(l.pub, l.msg, l.msg_len, l.sig), BURROW_E_SIGNATURE);
		l.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void test_ed25519_verify_rejects_flipped_message_or_key(void **state)
{
	struct ed_loaded l;
	load(&rfc8032[3], &l);
	l.msg[17] ^= 0x04;
	assert_int_equal(ed25519_verify(l.pub, l.msg, l.msg_len, l.sig), BURROW_E_SIGNATURE);
	l.msg[17] ^= 0x04;
	assert_int_equal(ed25519_verify(l.pub, l.msg, l.msg_len - 1, l.sig), BURROW_E_SIGNATURE);
	l.pub[0] ^= 0x01;
	assert_int_equal(ed25519_verify(l.pub, l.msg, l.msg_len, l.sig), BURROW_E_SIGNATURE);
	l.pub[0] ^= 0x01;
	assert_int_equal(ed25519_verify(l.pub, l.msg, l.msg_len, l.sig), 0);
}

static void test_ed25519_verify_rejects_non_canonical_s(void **state)
{
	/* S + L verifies under a naive check; RFC 8032 5.1.7 requires S < L (no malleability). */
	static const uint8_t order_le[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	};
	struct ed_loaded l;
	load(&rfc8032[0], &l);
	unsigned carry = 0;
	for (size_t i = 0; i < 32; i++) {
		unsigned sum = l.sig[32 + i] + order_le[i] + carry;
		l.sig[32 + i] = (uint8_t)sum;
		carry = sum >> 8;
	}
	assert_int_equal(carry, 0);
	assert_int_equal(ed25519_verify(l.pub, l.msg, l.msg_len, l.sig), BURROW_E_SIGNATURE);
}

static void test_ed25519_keygen_sign_verify_round_trip(void **state)
{
	uint8_t seed[32], pub[32], again[32], sig[64];
	static const char msg[] = "exchange hash";
	assert_int_equal(ed25519_keygen(seed, pub), 0);
	assert_int_equal(ed25519_public_from_seed(seed, again), 0);
	assert_memory_equal(pub, again, 32);
	assert_int_equal(ed25519_sign(seed, msg, sizeof(msg), sig), 0);
	assert_int_equal(ed25519_verify(pub, msg, sizeof(msg), sig), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519_public_key_from_seed_matches_rfc8032),
		cmocka_unit_test(test_ed25519_sign_gives_exact_rfc8032_signature),
		cmocka_unit_test(test_ed25519_verify_accepts_rfc8032_signature),
		cmocka_unit_test(test_ed25519_verify_rejects_any_flipped_signature_bit),
		cmocka_unit_test(test_ed25519_verify_rejects_flipped_message_or_key),
		cmocka_unit_test(test_ed25519_verify_rejects_non_canonical_s),
		cmocka_unit_test(test_ed25519_keygen_sign_verify_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
