/*
 * Tests for chacha20-poly1305@openssh.com (chachapoly.c through the pkt_cipher interface).
 *
 * Known answers come from outside the implementation: the worked example of
 * draft-ietf-sshm-chacha20-poly1305 (Appendix A), and a reference written here from
 * PROTOCOL.chacha20poly1305 over our own ChaCha20 block function (checked against RFC 8439
 * 2.3.2) and one-shot Poly1305 (checked against RFC 8439 2.5.2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "helper_alloc_count.h"
#include "helper_hex.h"
#include "crypto/crypto.h"

/* ---- reference ChaCha20 block function, RFC 8439 2.3 ---- */

static uint32_t rotl32(uint32_t v, int n)
{
	return v << n | v >> (32 - n);
}

static void quarter_round(uint32_t *x, int a, int b, int c, int d)
{
	x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 16);
	x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 12);
	x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 8);
	x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 7);
}

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* words12_15: the 16 bytes of state words 12..15, little-endian, whatever layout the caller uses. */
static void ref_chacha20_block(const uint8_t key[32], const uint8_t words12_15[16], uint8_t out[64])
{
	uint32_t s[16], x[16];
	s[0] = 0x61707865; s[1] = 0x3320646e; s[2] = 0x79622d32; s[3] = 0x6b206574;
	for (int i = 0; i < 8; i++)
		s[4 + i] = load_le32(key + 4 * i);
	for (int i = 0; i < 4; i++)
		s[12 + i] = load_le32(words12_15 + 4 * i);
	memcpy(x, s, sizeof(x));
	for (int i = 0; i < 10; i++) {
		quarter_round(x, 0, 4, 8, 12); quarter_round(x, 1, 5, 9, 13);
		quarter_round(x, 2, 6, 10, 14); quarter_round(x, 3, 7, 11, 15);
		quarter_round(x, 0, 5, 10, 15); quarter_round(x, 1, 6, 11, 12);
		quarter_round(x, 2, 7, 8, 13); quarter_round(x, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t v = x[i] + s[i];
		out[4 * i] = (uint8_t)v; out[4 * i + 1] = (uint8_t)(v >> 8);
		out[4 * i + 2] = (uint8_t)(v >> 16); out[4 * i + 3] = (uint8_t)(v >> 24);
	}
}

/* Original ChaCha layout as OpenSSH uses it: 64-bit LE block counter, then seqnr as uint64 BE. */
static void ref_openssh_xor(const uint8_t key[32], uint32_t seqnr, uint64_t counter, uint8_t *buf, size_t n)
{
	uint8_t words[16] = { 0 }, block[64];
	for (size_t off = 0; off < n; off += 64, counter++) {
		for (int i = 0; i < 8; i++)
			words[i] = (uint8_t)(counter >> (8 * i));
		words[12] = (uint8_t)(seqnr >> 24); words[13] = (uint8_t)(seqnr >> 16);
		words[14] = (uint8_t)(seqnr >> 8); words[15] = (uint8_t)seqnr;
		ref_chacha20_block(key, words, block);
		for (size_t i = 0; i < 64 && off + i < n; i++)
			buf[off + i] ^= block[i];
	}
}

static void ref_poly1305(const uint8_t key[32], const uint8_t *msg, size_t n, uint8_t tag[16])
{
	size_t outlen = 0;
	assert_non_null(EVP_Q_mac(NULL, "POLY1305", NULL, NULL, NULL, key, 32, msg, n, tag, 16, &outlen));
	assert_int_equal(outlen, 16);
}

/* PROTOCOL.chacha20poly1305, step by step; key64 = K_2 (payload) || K_1 (length). */
static void ref_openssh_seal(const uint8_t key64[64], uint32_t seqnr, uint8_t *pkt, size_t len, uint8_t tag[16])
{
	uint8_t poly_key[32] = { 0 };
	ref_openssh_xor(key64 + 32, seqnr, 0, pkt, 4);
	ref_openssh_xor(key64, seqnr, 0, poly_key, 32);
	ref_openssh_xor(key64, seqnr, 1, pkt + 4, len - 4);
	ref_poly1305(poly_key, pkt, len, tag);
}

static void test_reference_chacha20_block_matches_rfc8439_2_3_2(void **state)
{
	uint8_t key[32], words[16], out[64], want[64];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	test_unhex("01000000000000090000004a00000000", words, sizeof(words)); /* counter 1, nonce */
	test_unhex("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
	      "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e", want, sizeof(want));
	ref_chacha20_block(key, words, out);
	assert_memory_equal(out, want, 64);
}

static void test_reference_poly1305_matches_rfc8439_2_5_2(void **state)
{
	static const char msg[] = "Cryptographic Forum Research Group";
	uint8_t key[32], want[16], tag[16];
	test_unhex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b", key, sizeof(key));
	test_unhex("a8061dc1305136c6c22b8baf0c0127a9", want, sizeof(want));
	ref_poly1305(key, (const uint8_t *)msg, strlen(msg), tag);
	assert_memory_equal(tag, want, 16);
}

/* ---- fixtures ---- */

static const char *const chacha_name = "chacha20-poly1305@openssh.com";

static struct pkt_cipher *new_cipher(const uint8_t key[64], bool encrypt)
{
	const struct pkt_cipher_alg *alg = pkt_cipher_find(chacha_name, strlen(chacha_name));
	struct pkt_cipher *c = NULL;
	assert_non_null(alg);
	assert_int_equal(pkt_cipher_new(alg, encrypt, key, NULL, &c), 0);
	assert_non_null(c);
	return c;
}

/* A plaintext binary packet of len bytes: uint32 packet_length = len - 4, then a pattern. */
static void make_packet(uint8_t *pkt, size_t len, uint8_t salt)
{
	uint32_t body = (uint32_t)(len - 4);
	pkt[0] = (uint8_t)(body >> 24); pkt[1] = (uint8_t)(body >> 16);
	pkt[2] = (uint8_t)(body >> 8); pkt[3] = (uint8_t)body;
	for (size_t i = 4; i < len; i++)
		pkt[i] = (uint8_t)(i * 7 + salt);
}

static void test_key(uint8_t key[64])
{
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)(0xa0 ^ (i * 13));
}

/* draft-ietf-sshm-chacha20-poly1305, Appendix A: 64 bytes of key material, seqnr 7. */
static const char draft_key[] =
	"8bbff6855fc102338c373e73aac0c914f076a905b2444a32eecaffeae22becc5"
	"e9b7a7a5825a8249346ec1c28301cf394543fc7569887d76e168f37562ac0740";
static const char draft_plain[] =
	"00000048065e00000000000000384c6f72656d20697073756d20646f6c6f7220"
	"73697420616d65742c20636f6e7365637465747572206164697069736963696e"
	"6720656c69744e43e804dc6c";
static const char draft_wire[] =
	"2c3ecce4a5bc05895bf07a7ba956b6c68829ac7c83b780b7000ecde745afc705"
	"bbc378ce03a280236b87b53bed5839662302b164b6286a48cd1e097138e3cb90"
	"9b8b2b829dd18d2a35ff82d995349e855bf02c298ef775f2d1a7e8b8";

/* ---- tests ---- */

static void test_find_knows_the_aead_names_exactly(void **state)
{
	const struct pkt_cipher_alg *a = pkt_cipher_find(chacha_name, strlen(chacha_name));
	assert_non_null(a);
	assert_string_equal(a->name, chacha_name);
	assert_int_equal(a->key_len, 64);
	assert_int_equal(a->iv_len, 0);
	assert_int_equal(a->block_size, 8);
	assert_int_equal(a->tag_len, 16);
	assert_true(a->length_encrypted);
	assert_non_null(pkt_cipher_find("aes128-gcm@openssh.com", 22));
	assert_non_null(pkt_cipher_find("aes256-gcm@openssh.com", 22));
	/* Names from the wire are views, not C strings: only name_len bytes count. */
	assert_ptr_equal(pkt_cipher_find("chacha20-poly1305@openssh.com,aes128-ctr", 29), a);
	assert_null(pkt_cipher_find(chacha_name, 28));
	assert_null(pkt_cipher_find("chacha20-poly1305@openssh.comX", 30));
	assert_null(pkt_cipher_find("aes128-cbc", 10));
	assert_null(pkt_cipher_find("", 0));
	assert_null(pkt_cipher_find(NULL, 0));
}

static void test_seal_matches_draft_appendix_a_packet(void **state)
{
	uint8_t key[64], pkt[128], wire[128];
	test_unhex(draft_key, key, sizeof(key));
	size_t len = test_unhex(draft_plain, pkt, sizeof(pkt));
	size_t wire_len = test_unhex(draft_wire, wire, sizeof(wire));
	assert_int_equal(wire_len, len + 16);
	struct pkt_cipher *c = new_cipher(key, true);
	assert_int_equal(pkt_cipher_seal(c, 7, pkt, len, pkt + len), 0);
	assert_memory_equal(pkt, wire, wire_len);
	pkt_cipher_free(c);
}

static void test_open_and_peek_match_draft_appendix_a_packet(void **state)
{
	uint8_t key[64], plain[128], pkt[128];
	uint32_t body_len = 0;
	test_unhex(draft_key, key, sizeof(key));
	size_t len = test_unhex(draft_plain, plain, sizeof(plain));
	test_unhex(draft_wire, pkt, sizeof(pkt));
	struct pkt_cipher *c = new_cipher(key, false);
	assert_int_equal(pkt_cipher_peek_length(c, 7, pkt, &body_len), 0);
	assert_int_equal(body_len, 0x48);
	assert_int_equal(pkt_cipher_open(c, 7, pkt, len, pkt + len), 0);
	assert_memory_equal(pkt, plain, len);
	pkt_cipher_free(c);
}

static void test_seal_matches_reference_built_from_the_protocol_text(void **state)
{
	/* Several blocks of payload and a sequence number with every byte non-zero, so a wrong
	 * counter/nonce layout or byte order would show. */
	static const uint32_t seqnrs[] = { 0, 1, 0x01020304, 0xfffffffe, 0xffffffff };
	static const size_t lens[] = { 8, 16, 64, 72, 200, 1024 + 8 };
	uint8_t key[64], pkt[1100], want[1100], tag[16], want_tag[16];
	test_key(key);
	struct pkt_cipher *c = new_cipher(key, true);
	for (size_t s = 0; s < sizeof(seqnrs) / sizeof(seqnrs[0]); s++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			make_packet(pkt, lens[l], (uint8_t)s);
			memcpy(want, pkt, lens[l]);
			ref_openssh_seal(key, seqnrs[s], want, lens[l], want_tag);
			assert_int_equal(pkt_cipher_seal(c, seqnrs[s], pkt, lens[l], tag), 0);
			assert_memory_equal(pkt, want, lens[l]);
			assert_memory_equal(tag, want_tag, 16);
		}
	}
	pkt_cipher_free(c);
}

static void test_round_trip_over_many_packets(void **state)
{
	uint8_t key[64], pkt[2048 + 16], orig[2048];
	test_key(key);
	struct pkt_cipher *enc = new_cipher(key, true), *dec = new_cipher(key, false);
	for (uint32_t seqnr = 0; seqnr < 200; seqnr++) {
		size_t len = 8 + 8 * (seqnr % 256);
		uint32_t body_len = 0;
		make_packet(orig, len, (uint8_t)seqnr);
		memcpy(pkt, orig, len);
		assert_int_equal(pkt_cipher_seal(enc, seqnr, pkt, len, pkt + len), 0);
		assert_memory_not_equal(pkt, orig, 4); /* the length is not in the clear */
		assert_int_equal(pkt_cipher_peek_length(dec, seqnr, pkt, &body_len), 0);
		assert_int_equal(body_len, len - 4);
		assert_int_equal(pkt_cipher_open(dec, seqnr, pkt, len, pkt + len), 0);
		assert_memory_equal(pkt, orig, len);
	}
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

static void test_tamper_of_any_byte_is_a_mac_error_and_nothing_is_decrypted(void **state)
{
	enum { LEN = 48 };
	uint8_t key[64], sealed[LEN + 16], pkt[LEN + 16];
	test_key(key);
	struct pkt_cipher *enc = new_cipher(key, true), *dec = new_cipher(key, false);
	make_packet(sealed, LEN, 3);
	assert_int_equal(pkt_cipher_seal(enc, 42, sealed, LEN, sealed + LEN), 0);
	for (size_t i = 0; i < LEN + 16; i++) { /* length bytes, payload, tag */
		memcpy(pkt, sealed, sizeof(pkt));
		pkt[i] ^= 0x20;
		assert_int_equal(pkt_cipher_open(dec, 42, pkt, LEN, pkt + LEN), BURROW_E_MAC);
		sealed[i] ^= 0x20;
		assert_memory_equal(pkt, sealed, sizeof(pkt)); /* verified before decrypting */
		sealed[i] ^= 0x20;
	}
	memcpy(pkt, sealed, sizeof(pkt));
	assert_int_equal(pkt_cipher_open(dec, 43, pkt, LEN, pkt + LEN), BURROW_E_MAC); /* wrong seqnr */
	assert_int_equal(pkt_cipher_open(dec, 42, pkt, LEN - 8, pkt + LEN), BURROW_E_MAC); /* truncated */
	assert_int_equal(pkt_cipher_open(dec, 42, pkt, LEN, pkt + LEN), 0);
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

static void test_keys_are_used_in_the_protocol_order(void **state)
{
	/* Swapping K_1 and K_2 must break interop: guards against the draft/PROTOCOL naming swap. */
	uint8_t key[64], swapped[64], pkt[64 + 16];
	test_key(key);
	memcpy(swapped, key + 32, 32);
	memcpy(swapped + 32, key, 32);
	struct pkt_cipher *enc = new_cipher(key, true), *dec = new_cipher(swapped, false);
	make_packet(pkt, 64, 1);
	assert_int_equal(pkt_cipher_seal(enc, 5, pkt, 64, pkt + 64), 0);
	assert_int_equal(pkt_cipher_open(dec, 5, pkt, 64, pkt + 64), BURROW_E_MAC);
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

static void test_direction_and_arguments_are_checked(void **state)
{
	uint8_t key[64], pkt[32 + 16];
	uint32_t n;
	test_key(key);
	struct pkt_cipher *enc = new_cipher(key, true), *dec = new_cipher(key, false);
	struct pkt_cipher *c = (struct pkt_cipher *)1;
	struct pkt_cipher_alg fake = *pkt_cipher_find(chacha_name, strlen(chacha_name));
	make_packet(pkt, 32, 0);
	assert_int_equal(pkt_cipher_seal(dec, 0, pkt, 32, pkt + 32), BURROW_E_STATE);
	assert_int_equal(pkt_cipher_open(enc, 0, pkt, 32, pkt + 32), BURROW_E_STATE);
	assert_int_equal(pkt_cipher_peek_length(enc, 0, pkt, &n), BURROW_E_STATE);
	assert_int_equal(pkt_cipher_seal(enc, 0, pkt, 3, pkt + 32), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_open(dec, 0, pkt, 3, pkt + 32), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_new(&fake, true, key, NULL, &c), BURROW_E_INVALID); /* not from the table */
	assert_null(c);
	assert_int_equal(pkt_cipher_new(pkt_cipher_find(chacha_name, strlen(chacha_name)), true, NULL, NULL, &c),
			 BURROW_E_INVALID);
	assert_ptr_equal(pkt_cipher_alg(enc), pkt_cipher_find(chacha_name, strlen(chacha_name)));
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
	pkt_cipher_free(NULL);
}

static void test_seal_and_open_do_not_allocate(void **state)
{
	uint8_t key[64], pkt[32768 + 16];
	assert_true(alloc_count_installed());
	test_key(key);
	struct pkt_cipher *enc = new_cipher(key, true), *dec = new_cipher(key, false);
	size_t before = alloc_count();
	assert_true(before > 0); /* the hook sees libcrypto's allocations (pkt_cipher_new made some) */
	for (uint32_t seqnr = 0; seqnr < 50; seqnr++) {
		uint32_t n;
		make_packet(pkt, 32768, 0);
		assert_int_equal(pkt_cipher_seal(enc, seqnr, pkt, 32768, pkt + 32768), 0);
		assert_int_equal(pkt_cipher_peek_length(dec, seqnr, pkt, &n), 0);
		assert_int_equal(pkt_cipher_open(dec, seqnr, pkt, 32768, pkt + 32768), 0);
	}
	assert_int_equal(alloc_count(), before);
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

int main(void)
{
	alloc_count_install(); /* before libcrypto allocates anything */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_chacha20_block_matches_rfc8439_2_3_2),
		cmocka_unit_test(test_reference_poly1305_matches_rfc8439_2_5_2),
		cmocka_unit_test(test_find_knows_the_aead_names_exactly),
		cmocka_unit_test(test_seal_matches_draft_appendix_a_packet),
		cmocka_unit_test(test_open_and_peek_match_draft_appendix_a_packet),
		cmocka_unit_test(test_seal_matches_reference_built_from_the_protocol_text),
		cmocka_unit_test(test_round_trip_over_many_packets),
		cmocka_unit_test(test_tamper_of_any_byte_is_a_mac_error_and_nothing_is_decrypted),
		cmocka_unit_test(test_keys_are_used_in_the_protocol_order),
		cmocka_unit_test(test_direction_and_arguments_are_checked),
		cmocka_unit_test(test_seal_and_open_do_not_allocate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
