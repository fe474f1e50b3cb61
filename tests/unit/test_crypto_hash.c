/* Known-answer tests for hash.c: FIPS 180-4 examples, RFC 4231 (HMAC-SHA2), RFC 2202 (HMAC-SHA1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "helper_hex.h"
#include "crypto/crypto.h"

static void assert_hex(const uint8_t *got, size_t n, const char *want_hex)
{
	uint8_t want[256];
	size_t wn = test_unhex(want_hex, want, sizeof(want));
	assert_int_equal(n, wn);
	assert_memory_equal(got, want, n);
}

static void check_hash(enum hash_alg alg, const char *msg, const char *want)
{
	uint8_t out[HASH_MAX_LEN];
	assert_int_equal(hash_oneshot(alg, msg, strlen(msg), out), 0);
	assert_hex(out, hash_len(alg), want);
}

static const char two_block_448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char two_block_896[] =
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void test_hash_len_matches_each_algorithm(void **state)
{
	assert_int_equal(hash_len(HASH_SHA1), 20);
	assert_int_equal(hash_len(HASH_SHA256), 32);
	assert_int_equal(hash_len(HASH_SHA384), 48);
	assert_int_equal(hash_len(HASH_SHA512), 64);
	assert_int_equal(hash_len((enum hash_alg)99), 0);
}

static void test_sha1_fips180_examples(void **state)
{
	check_hash(HASH_SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d");
	check_hash(HASH_SHA1, two_block_448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

static void test_sha256_fips180_examples(void **state)
{
	check_hash(HASH_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_hash(HASH_SHA256, two_block_448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_hash(HASH_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sha384_fips180_examples(void **state)
{
	check_hash(HASH_SHA384, "abc",
		   "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
	check_hash(HASH_SHA384, two_block_896,
		   "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039");
}

static void test_sha512_fips180_examples(void **state)
{
	check_hash(HASH_SHA512, "abc",
		   "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		   "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	check_hash(HASH_SHA512, two_block_896,
		   "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
		   "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

static void test_sha256_streaming_million_a(void **state)
{
	struct hash_ctx *ctx = NULL;
	uint8_t chunk[1000], out[32];
	memset(chunk, 'a', sizeof(chunk));
	assert_int_equal(hash_new(HASH_SHA256, &ctx), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(hash_update(ctx, chunk, sizeof(chunk)), 0);
	assert_int_equal(hash_final(ctx, out), 0);
	assert_hex(out, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	hash_free(ctx);
}

static void test_hash_dup_continues_from_the_copied_state(void **state)
{
	/* The exchange hash pattern: hash a prefix once, then finish two copies differently. */
	struct hash_ctx *ctx = NULL, *copy = NULL;
	uint8_t a[32], b[32];
	assert_int_equal(hash_new(HASH_SHA256, &ctx), 0);
	assert_int_equal(hash_update(ctx, "ab", 2), 0);
	assert_int_equal(hash_dup(ctx, &copy), 0);
	assert_int_equal(hash_update(ctx, "c", 1), 0);
	assert_int_equal(hash_update(copy, "cdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 54), 0);
	assert_int_equal(hash_final(ctx, a), 0);
	assert_int_equal(hash_final(copy, b), 0);
	assert_hex(a, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_hex(b, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	hash_free(ctx);
	hash_free(copy);
}

static void test_hash_update_after_final_is_a_state_error(void **state)
{
	struct hash_ctx *ctx = NULL, *copy = NULL;
	uint8_t out[64];
	assert_int_equal(hash_new(HASH_SHA512, &ctx), 0);
	assert_int_equal(hash_final(ctx, out), 0);
	assert_int_equal(hash_update(ctx, "x", 1), BURROW_E_STATE);
	assert_int_equal(hash_final(ctx, out), BURROW_E_STATE);
	assert_int_equal(hash_dup(ctx, &copy), BURROW_E_STATE);
	assert_null(copy);
	hash_free(ctx);
	hash_free(NULL);
}

static void test_hash_rejects_unknown_algorithm(void **state)
{
	struct hash_ctx *ctx = (struct hash_ctx *)1;
	uint8_t out[64];
	assert_int_equal(hash_new((enum hash_alg)42, &ctx), BURROW_E_INVALID);
	assert_null(ctx);
	assert_int_equal(hash_oneshot((enum hash_alg)42, "a", 1, out), BURROW_E_INVALID);
	assert_int_equal(hmac_oneshot((enum hash_alg)42, "k", 1, "a", 1, out), BURROW_E_INVALID);
}

/* RFC 4231 section 4: test cases 1-4, 6 and 7 (5 is a truncated output). */
struct hmac_case {
	const char *key_hex;
	const char *data;     /* text, or NULL when data_hex is used */
	const char *data_hex;
	const char *sha256, *sha384, *sha512;
};

static const char key_aa131[] =
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaa";
static const char data_dd50[] =
	"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
static const char data_cd50[] =
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";

static const struct hmac_case rfc4231[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", NULL,
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "4a656665", "what do ya want for nothing?", NULL,
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, data_dd50,
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819", NULL, data_cd50,
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	  "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
	  "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	  "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ key_aa131, "Test Using Larger Than Block-Size Key - Hash Key First", NULL,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ key_aa131,
	  "This is a test using a larger than block-size key and a larger than block-size data. "
	  "The key needs to be hashed before being used by the HMAC algorithm.", NULL,
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	  "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
	  "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	  "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

static void check_hmac(enum hash_alg alg, const char *key_hex, const char *data, const char *data_hex, const char *want)
{
	uint8_t key[200], buf[200], out[HASH_MAX_LEN];
	size_t klen = test_unhex(key_hex, key, sizeof(key));
	const void *d = data;
	size_t dlen = data ? strlen(data) : 0;
	if (!data) {
		dlen = test_unhex(data_hex, buf, sizeof(buf));
		d = buf;
	}
	assert_int_equal(hmac_oneshot(alg, key, klen, d, dlen, out), 0);
	assert_hex(out, hash_len(alg), want);
}

static void test_hmac_sha2_rfc4231_cases(void **state)
{
	for (size_t i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		const struct hmac_case *c = &rfc4231[i];
		check_hmac(HASH_SHA256, c->key_hex, c->data, c->data_hex, c->sha256);
		check_hmac(HASH_SHA384, c->key_hex, c->data, c->data_hex, c->sha384);
		check_hmac(HASH_SHA512, c->key_hex, c->data, c->data_hex, c->sha512);
	}
}

static void test_hmac_sha1_rfc2202_cases(void **state)
{
	static const char key_aa80[] =
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	check_hmac(HASH_SHA1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", NULL,
		   "b617318655057264e28bc0b6fb378c8ef146be00");
	check_hmac(HASH_SHA1, "4a656665", "what do ya want for nothing?", NULL,
		   "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	check_hmac(HASH_SHA1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, data_dd50,
		   "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
	check_hmac(HASH_SHA1, "0102030405060708090a0b0c0d0e0f10111213141516171819", NULL, data_cd50,
		   "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
	check_hmac(HASH_SHA1, "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "Test With Truncation", NULL,
		   "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
	check_hmac(HASH_SHA1, key_aa80, "Test Using Larger Than Block-Size Key - Hash Key First", NULL,
		   "aa4ae5e15272d00e95705637ce8a3b55ed402112");
	check_hmac(HASH_SHA1, key_aa80, "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data", NULL,
		   "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

static void test_hmac_accepts_empty_key_and_message(void **state)
{
	uint8_t out[32];
	assert_int_equal(hmac_oneshot(HASH_SHA256, NULL, 0, NULL, 0, out), 0);
	assert_hex(out, 32, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_len_matches_each_algorithm),
		cmocka_unit_test(test_sha1_fips180_examples),
		cmocka_unit_test(test_sha256_fips180_examples),
		cmocka_unit_test(test_sha384_fips180_examples),
		cmocka_unit_test(test_sha512_fips180_examples),
		cmocka_unit_test(test_sha256_streaming_million_a),
		cmocka_unit_test(test_hash_dup_continues_from_the_copied_state),
		cmocka_unit_test(test_hash_update_after_final_is_a_state_error),
		cmocka_unit_test(test_hash_rejects_unknown_algorithm),
		cmocka_unit_test(test_hmac_sha2_rfc4231_cases),
		cmocka_unit_test(test_hmac_sha1_rfc2202_cases),
		cmocka_unit_test(test_hmac_accepts_empty_key_and_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
