/*
 * Tests for aes128-gcm@openssh.com / aes256-gcm@openssh.com (aesgcm.c through pkt_cipher), RFC 5647.
 *
 * No published vector has SSH's 4-byte AAD, but GCM ciphertext does not depend on the AAD: with
 * the key and IV of McGrew-Viega test cases 3 and 15, the encrypted packet body must equal their
 * published ciphertext exactly. Tags are checked against a one-shot EVP reference, itself checked
 * against McGrew-Viega test cases 4 and 16 (which have AAD).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "helper_alloc_count.h"
#include "helper_hex.h"
#include "crypto/crypto.h"

/* McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 3/4 (AES-128), 15/16 (AES-256). */
static const char mv_key128[] = "feffe9928665731c6d6a8f9467308308";
static const char mv_key256[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
static const char mv_iv[] = "cafebabefacedbaddecaf888";
static const char mv_plain[] =
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
static const char mv_aad[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
static const char mv3_cipher[] =
	"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";
static const char mv4_tag[] = "5bc94fbc3221a5db94fae95ae7121a47"; /* TC4: AAD, first 60 bytes */
static const char mv15_cipher[] =
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
static const char mv16_tag[] = "76fc6ece0f4e1768cddf8853bb2d551b";

/* One-shot GCM encryption with libcrypto, independent of the packet framing under test. */
static void ref_gcm_seal(const uint8_t *key, size_t klen, const uint8_t iv[12], const uint8_t *aad, size_t aadlen,
			 const uint8_t *pt, size_t n, uint8_t *ct, uint8_t tag[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex(ctx, klen == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(), NULL, key, iv), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aadlen), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)n), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, ct + outl, &outl), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
	EVP_CIPHER_CTX_free(ctx);
}

static void check_reference(const char *key_hex, const char *cipher_hex, const char *tag_hex)
{
	uint8_t key[32], iv[12], pt[64], aad[20], ct[64], tag[16], want_ct[64], want_tag[16];
	size_t klen = test_unhex(key_hex, key, sizeof(key));
	test_unhex(mv_iv, iv, sizeof(iv));
	test_unhex(mv_plain, pt, sizeof(pt));
	test_unhex(mv_aad, aad, sizeof(aad));
	test_unhex(cipher_hex, want_ct, sizeof(want_ct));
	test_unhex(tag_hex, want_tag, sizeof(want_tag));
	ref_gcm_seal(key, klen, iv, aad, sizeof(aad), pt, 60, ct, tag);
	assert_memory_equal(ct, want_ct, 60);
	assert_memory_equal(tag, want_tag, 16);
}

static void test_reference_matches_mcgrew_viega_4_and_16(void **state)
{
	check_reference(mv_key128, mv3_cipher, mv4_tag);
	check_reference(mv_key256, mv15_cipher, mv16_tag);
}

/* ---- fixtures ---- */

static struct pkt_cipher *new_cipher(const char *name, const uint8_t *key, const uint8_t iv[12], bool encrypt)
{
	const struct pkt_cipher_alg *alg = pkt_cipher_find(name, strlen(name));
	struct pkt_cipher *c = NULL;
	assert_non_null(alg);
	assert_int_equal(pkt_cipher_new(alg, encrypt, key, iv, &c), 0);
	return c;
}

static void make_packet(uint8_t *pkt, size_t len, uint8_t salt)
{
	uint32_t body = (uint32_t)(len - 4);
	pkt[0] = (uint8_t)(body >> 24); pkt[1] = (uint8_t)(body >> 16);
	pkt[2] = (uint8_t)(body >> 8); pkt[3] = (uint8_t)body;
	for (size_t i = 4; i < len; i++)
		pkt[i] = (uint8_t)(i * 5 + salt);
}

/* What RFC 5647 says packet number k (from 0) must be: IV counter = initial + k, length as AAD. */
static void ref_packet(const uint8_t *key, size_t klen, const uint8_t iv0[12], uint64_t k, const uint8_t *plain,
		       size_t len, uint8_t *wire, uint8_t tag[16])
{
	uint8_t iv[12];
	uint64_t ctr = 0;
	for (int i = 4; i < 12; i++)
		ctr = ctr << 8 | iv0[i];
	ctr += k;
	memcpy(iv, iv0, 4);
	for (int i = 11; i >= 4; i--, ctr >>= 8)
		iv[i] = (uint8_t)ctr;
	memcpy(wire, plain, 4);
	ref_gcm_seal(key, klen, iv, plain, 4, plain + 4, len - 4, wire + 4, tag);
}

static void test_alg_table_entries(void **state)
{
	const struct pkt_cipher_alg *a128 = pkt_cipher_find("aes128-gcm@openssh.com", 22);
	const struct pkt_cipher_alg *a256 = pkt_cipher_find("aes256-gcm@openssh.com", 22);
	assert_non_null(a128);
	assert_non_null(a256);
	assert_int_equal(a128->key_len, 16);
	assert_int_equal(a256->key_len, 32);
	assert_int_equal(a128->iv_len, 12);
	assert_int_equal(a256->iv_len, 12);
	assert_int_equal(a128->block_size, 16);
	assert_int_equal(a128->tag_len, 16);
	assert_false(a128->length_encrypted);
	assert_false(a256->length_encrypted);
}

static void check_published_body(const char *name, const char *key_hex, const char *cipher_hex)
{
	uint8_t key[32], iv[12], pkt[68], tag[16], want_body[64], want_wire[68], want_tag[16];
	size_t klen = test_unhex(key_hex, key, sizeof(key));
	test_unhex(mv_iv, iv, sizeof(iv));
	test_unhex(cipher_hex, want_body, sizeof(want_body));
	pkt[0] = 0; pkt[1] = 0; pkt[2] = 0; pkt[3] = 64;
	test_unhex(mv_plain, pkt + 4, 64);
	ref_packet(key, klen, iv, 0, pkt, sizeof(pkt), want_wire, want_tag);

	struct pkt_cipher *c = new_cipher(name, key, iv, true);
	assert_int_equal(pkt_cipher_seal(c, 1234, pkt, sizeof(pkt), tag), 0);
	assert_memory_equal(pkt + 4, want_body, 64);     /* the published ciphertext, byte for byte */
	assert_memory_equal(pkt, want_wire, sizeof(pkt)); /* length in the clear */
	assert_memory_equal(tag, want_tag, 16);          /* tag with the length as AAD */
	pkt_cipher_free(c);
}

static void test_packet_body_is_published_ciphertext_aes128(void **state)
{
	check_published_body("aes128-gcm@openssh.com", mv_key128, mv3_cipher);
}

static void test_packet_body_is_published_ciphertext_aes256(void **state)
{
	check_published_body("aes256-gcm@openssh.com", mv_key256, mv15_cipher);
}

static void check_counter_sequence(const char *iv_hex, int packets)
{
	uint8_t key[16], iv[12], plain[100], pkt[100], want[100], tag[16], want_tag[16];
	test_unhex(mv_key128, key, sizeof(key));
	test_unhex(iv_hex, iv, sizeof(iv));
	struct pkt_cipher *c = new_cipher("aes128-gcm@openssh.com", key, iv, true);
	for (int k = 0; k < packets; k++) {
		make_packet(plain, 100, (uint8_t)k);
		memcpy(pkt, plain, 100);
		ref_packet(key, 16, iv, (uint64_t)k, plain, 100, want, want_tag);
		/* The sequence number plays no part in GCM; pass one that never repeats the pattern. */
		assert_int_equal(pkt_cipher_seal(c, (uint32_t)(7 * k + 3), pkt, 100, tag), 0);
		assert_memory_equal(pkt, want, 100);
		assert_memory_equal(tag, want_tag, 16);
	}
	pkt_cipher_free(c);
}

static void test_invocation_counter_increments_after_each_packet(void **state)
{
	check_counter_sequence(mv_iv, 5);
	check_counter_sequence("00000000000000fffffffffe", 4); /* carries across bytes */
}

static void test_invocation_counter_wraps_without_touching_fixed_field(void **state)
{
	/* RFC 5647 7.1: the counter is 64 bits and wraps; the 4-byte fixed field never changes. */
	uint8_t key[16], iv[12], wrapped[12], pkt[36], want[36], tag[16], want_tag[16];
	test_unhex(mv_key128, key, sizeof(key));
	test_unhex("01020304fffffffffffffffe", iv, sizeof(iv));
	test_unhex("010203040000000000000000", wrapped, sizeof(wrapped));
	struct pkt_cipher *c = new_cipher("aes128-gcm@openssh.com", key, iv, true);
	for (int k = 0; k < 2; k++) {
		make_packet(pkt, 36, 9);
		assert_int_equal(pkt_cipher_seal(c, 0, pkt, 36, tag), 0);
	}
	make_packet(pkt, 36, 9);
	ref_packet(key, 16, wrapped, 0, pkt, 36, want, want_tag);
	assert_int_equal(pkt_cipher_seal(c, 0, pkt, 36, tag), 0);
	assert_memory_equal(pkt, want, 36);
	assert_memory_equal(tag, want_tag, 16);
	pkt_cipher_free(c);
}

static void test_round_trip_and_length_in_clear(void **state)
{
	uint8_t key[32], iv[12], orig[1044], pkt[1044 + 16];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 3 + 1);
	memset(iv, 0x77, sizeof(iv));
	struct pkt_cipher *enc = new_cipher("aes256-gcm@openssh.com", key, iv, true);
	struct pkt_cipher *dec = new_cipher("aes256-gcm@openssh.com", key, iv, false);
	for (uint32_t seqnr = 0; seqnr < 100; seqnr++) {
		size_t len = 4 + 16 * (1 + seqnr % 65);
		uint32_t body_len = 0;
		make_packet(orig, len, (uint8_t)seqnr);
		memcpy(pkt, orig, len);
		assert_int_equal(pkt_cipher_seal(enc, seqnr, pkt, len, pkt + len), 0);
		assert_memory_equal(pkt, orig, 4); /* RFC 5647 7.3: packet_length is not encrypted */
		assert_memory_not_equal(pkt + 4, orig + 4, len - 4);
		assert_int_equal(pkt_cipher_peek_length(dec, seqnr, pkt, &body_len), 0);
		assert_int_equal(body_len, len - 4);
		assert_int_equal(pkt_cipher_open(dec, seqnr, pkt, len, pkt + len), 0);
		assert_memory_equal(pkt, orig, len);
	}
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

static void test_tamper_is_a_mac_error_wipes_plaintext_and_keeps_counter(void **state)
{
	enum { LEN = 52 };
	uint8_t key[16], iv[12], orig[LEN], sealed[LEN + 16], pkt[LEN + 16], zero[LEN] = { 0 };
	test_unhex(mv_key128, key, sizeof(key));
	test_unhex(mv_iv, iv, sizeof(iv));
	struct pkt_cipher *enc = new_cipher("aes128-gcm@openssh.com", key, iv, true);
	struct pkt_cipher *dec = new_cipher("aes128-gcm@openssh.com", key, iv, false);
	make_packet(orig, LEN, 1);
	memcpy(sealed, orig, LEN);
	assert_int_equal(pkt_cipher_seal(enc, 0, sealed, LEN, sealed + LEN), 0);
	for (size_t i = 0; i < LEN + 16; i++) { /* the AAD length bytes, the body, the tag */
		memcpy(pkt, sealed, sizeof(pkt));
		pkt[i] ^= 0x01;
		assert_int_equal(pkt_cipher_open(dec, 0, pkt, LEN, pkt + LEN), BURROW_E_MAC);
		assert_memory_equal(pkt + 4, zero, LEN - 4); /* no unauthenticated plaintext remains */
	}
	/* Failures did not advance the counter: the genuine packet still opens. */
	memcpy(pkt, sealed, sizeof(pkt));
	assert_int_equal(pkt_cipher_open(dec, 0, pkt, LEN, pkt + LEN), 0);
	assert_memory_equal(pkt, orig, LEN);
	/* Replaying it now fails: the counter moved on. */
	memcpy(pkt, sealed, sizeof(pkt));
	assert_int_equal(pkt_cipher_open(dec, 0, pkt, LEN, pkt + LEN), BURROW_E_MAC);
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

static void test_body_must_be_whole_blocks(void **state)
{
	uint8_t key[16] = { 0 }, iv[12] = { 0 }, pkt[64], tag[16] = { 0 };
	struct pkt_cipher *enc = new_cipher("aes128-gcm@openssh.com", key, iv, true);
	struct pkt_cipher *dec = new_cipher("aes128-gcm@openssh.com", key, iv, false);
	make_packet(pkt, 28, 0);
	assert_int_equal(pkt_cipher_seal(enc, 0, pkt, 28, tag), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_open(dec, 0, pkt, 28, tag), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_seal(enc, 0, pkt, 4, tag), 0); /* empty body: tag over AAD only */
	assert_int_equal(pkt_cipher_open(dec, 0, pkt, 4, tag), 0);
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

static void test_new_requires_an_iv(void **state)
{
	uint8_t key[16] = { 0 };
	struct pkt_cipher *c = NULL;
	assert_int_equal(pkt_cipher_new(pkt_cipher_find("aes128-gcm@openssh.com", 22), true, key, NULL, &c),
			 BURROW_E_INVALID);
	assert_null(c);
}

static void test_seal_and_open_do_not_allocate(void **state)
{
	uint8_t key[32] = { 1 }, iv[12] = { 2 };
	static uint8_t pkt[32772 + 16];
	assert_true(alloc_count_installed());
	struct pkt_cipher *enc = new_cipher("aes256-gcm@openssh.com", key, iv, true);
	struct pkt_cipher *dec = new_cipher("aes256-gcm@openssh.com", key, iv, false);
	size_t before = alloc_count();
	assert_true(before > 0);
	for (uint32_t seqnr = 0; seqnr < 50; seqnr++) {
		make_packet(pkt, 32772, 0);
		assert_int_equal(pkt_cipher_seal(enc, seqnr, pkt, 32772, pkt + 32772), 0);
		assert_int_equal(pkt_cipher_open(dec, seqnr, pkt, 32772, pkt + 32772), 0);
	}
	assert_int_equal(alloc_count(), before);
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

int main(void)
{
	alloc_count_install(); /* before libcrypto allocates anything */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_matches_mcgrew_viega_4_and_16),
		cmocka_unit_test(test_alg_table_entries),
		cmocka_unit_test(test_packet_body_is_published_ciphertext_aes128),
		cmocka_unit_test(test_packet_body_is_published_ciphertext_aes256),
		cmocka_unit_test(test_invocation_counter_increments_after_each_packet),
		cmocka_unit_test(test_invocation_counter_wraps_without_touching_fixed_field),
		cmocka_unit_test(test_round_trip_and_length_in_clear),
		cmocka_unit_test(test_tamper_is_a_mac_error_wipes_plaintext_and_keeps_counter),
		cmocka_unit_test(test_body_must_be_whole_blocks),
		cmocka_unit_test(test_new_requires_an_iv),
		cmocka_unit_test(test_seal_and_open_do_not_allocate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
