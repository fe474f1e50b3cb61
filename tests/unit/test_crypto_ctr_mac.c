/*
 * Tests for aes128-ctr, aes192-ctr, aes256-ctr (RFC 4344) with the HMACs of RFC 4253 6.4,
 * RFC 6668 and OpenSSH PROTOCOL 1.5 (-etm), through the pkt_cipher interface.
 *
 * Known answers come from outside the implementation: NIST SP 800-38A F.5.1/F.5.3/F.5.5 for
 * the counter stream, a reference CTR built here from single AES-ECB blocks (checked against
 * those vectors) for counters that wrap, and hmac_oneshot() (checked against RFC 4231 in
 * test_crypto_hash.c) over uint32 seqnr || packet for the MACs.
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

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* ---- NIST SP 800-38A F.5: CTR-AES{128,192,256}.Encrypt, one counter block, four blocks ---- */

static const char nist_counter[] = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
static const char nist_plain[] =
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
static const struct nist_case {
	const char *cipher, *key, *ct;
} nist_cases[] = {
	{ "aes128-ctr", "2b7e151628aed2a6abf7158809cf4f3c", /* F.5.1 */
	  "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
	  "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee" },
	{ "aes192-ctr", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", /* F.5.3 */
	  "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94"
	  "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050" },
	{ "aes256-ctr", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", /* F.5.5 */
	  "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
	  "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6" },
};

/* ---- references ---- */

/*
 * RFC 4344 4 from first principles: keystream block k is AES-ECB(key, IV + k mod 2^128), the
 * IV read as a 128-bit big-endian integer. XORs buf with the stream from byte `offset` on.
 */
static void ref_ctr_xor(const uint8_t *key, size_t klen, const uint8_t iv[16], uint64_t offset, uint8_t *buf,
			size_t n)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *ecb = klen == 16 ? EVP_aes_128_ecb() : klen == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
	uint8_t counter[16], block[16];
	int outl = 0;
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex(ctx, ecb, NULL, key, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t pos = offset + i;
		if (i == 0 || pos % 16 == 0) {
			uint64_t add = pos / 16;
			unsigned carry = 0;
			for (int b = 15; b >= 0; b--) {
				unsigned sum = iv[b] + (unsigned)(add & 0xff) + carry;
				counter[b] = (uint8_t)sum;
				carry = sum >> 8;
				add >>= 8;
			}
			assert_int_equal(EVP_EncryptUpdate(ctx, block, &outl, counter, 16), 1);
			assert_int_equal(outl, 16);
		}
		buf[i] ^= block[pos % 16];
	}
	EVP_CIPHER_CTX_free(ctx);
}

/* RFC 4253 6.4: HMAC(key, uint32 seqnr || data), with the already-tested one-shot HMAC. */
static void ref_mac(const struct pkt_mac_alg *mac, const uint8_t *key, uint32_t seqnr, const uint8_t *data, size_t n,
		    uint8_t *out)
{
	uint8_t *msg = malloc(4 + n);
	assert_non_null(msg);
	store_be32(msg, seqnr);
	memcpy(msg + 4, data, n);
	assert_int_equal(hmac_oneshot(mac->hash, key, mac->key_len, msg, 4 + n, out), 0);
	free(msg);
}

/* ---- fixtures ---- */

static const char *const ctr_names[] = { "aes128-ctr", "aes192-ctr", "aes256-ctr" };
static const char *const mac_names[] = {
	"hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
	"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com",
};

static const struct pkt_cipher_alg *cipher_named(const char *name)
{
	const struct pkt_cipher_alg *alg = pkt_cipher_find(name, strlen(name));
	assert_non_null(alg);
	return alg;
}

static const struct pkt_mac_alg *mac_named(const char *name)
{
	const struct pkt_mac_alg *mac = pkt_mac_find(name, strlen(name));
	assert_non_null(mac);
	return mac;
}

static struct test_keys {
	uint8_t key[32], iv[16], mac_key[64];
} keys;

static int setup_keys(void **state)
{
	for (int i = 0; i < 32; i++)
		keys.key[i] = (uint8_t)(0x5a ^ (i * 29));
	for (int i = 0; i < 16; i++)
		keys.iv[i] = (uint8_t)(0xc3 + i * 17);
	for (int i = 0; i < 64; i++)
		keys.mac_key[i] = (uint8_t)(0x11 * i + 3);
	return 0;
}

static struct pkt_cipher *new_ctr(const char *cipher, const char *mac, bool encrypt, const uint8_t *key,
				  const uint8_t *iv, const uint8_t *mac_key)
{
	struct pkt_cipher *c = NULL;
	assert_int_equal(pkt_cipher_new_with_mac(cipher_named(cipher), mac_named(mac), encrypt, key, iv, mac_key, &c), 0);
	assert_non_null(c);
	return c;
}

static struct pkt_cipher *new_test_ctr(const char *cipher, const char *mac, bool encrypt)
{
	return new_ctr(cipher, mac, encrypt, keys.key, keys.iv, keys.mac_key);
}

/* A plaintext binary packet of len bytes: uint32 packet_length = len - 4, then a pattern. */
static void make_packet(uint8_t *pkt, size_t len, uint8_t salt)
{
	store_be32(pkt, (uint32_t)(len - 4));
	for (size_t i = 4; i < len; i++)
		pkt[i] = (uint8_t)(i * 7 + salt);
}

/* What the transport does with a received packet: peek at the length, then open. */
static int receive(struct pkt_cipher *dec, uint32_t seqnr, uint8_t *pkt, size_t len)
{
	uint32_t body_len = 0;
	int rc = pkt_cipher_peek_length(dec, seqnr, pkt, &body_len);
	return rc < 0 ? rc : pkt_cipher_open(dec, seqnr, pkt, len, pkt + len);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- the reference ---- */

static void test_reference_ctr_matches_sp800_38a(void **state)
{
	for (size_t k = 0; k < COUNT(nist_cases); k++) {
		uint8_t key[32], iv[16], buf[64], want[64];
		size_t klen = test_unhex(nist_cases[k].key, key, sizeof(key));
		test_unhex(nist_counter, iv, sizeof(iv));
		test_unhex(nist_plain, buf, sizeof(buf));
		test_unhex(nist_cases[k].ct, want, sizeof(want));
		ref_ctr_xor(key, klen, iv, 0, buf, 20);       /* two calls, split inside a block */
		ref_ctr_xor(key, klen, iv, 20, buf + 20, 44);
		assert_memory_equal(buf, want, 64);
	}
}

/* ---- tables ---- */

static void test_find_knows_the_ctr_ciphers(void **state)
{
	static const size_t key_lens[] = { 16, 24, 32 };
	for (size_t i = 0; i < COUNT(ctr_names); i++) {
		const struct pkt_cipher_alg *a = cipher_named(ctr_names[i]);
		assert_string_equal(a->name, ctr_names[i]);
		assert_int_equal(a->key_len, key_lens[i]);
		assert_int_equal(a->iv_len, 16);
		assert_int_equal(a->block_size, 16);
		assert_int_equal(a->tag_len, 0); /* needs a MAC */
		assert_false(a->length_encrypted);
	}
	assert_ptr_equal(pkt_cipher_find("aes128-ctr,aes256-ctr", 10), cipher_named("aes128-ctr"));
	assert_null(pkt_cipher_find("aes128-ctr", 9));
	assert_null(pkt_cipher_find("aes128-cbc", 10));
}

static void test_find_knows_the_six_macs(void **state)
{
	static const struct {
		enum hash_alg hash;
		size_t len;
		bool etm;
	} want[] = {
		{ HASH_SHA256, 32, false }, { HASH_SHA512, 64, false }, { HASH_SHA1, 20, false },
		{ HASH_SHA256, 32, true }, { HASH_SHA512, 64, true }, { HASH_SHA1, 20, true },
	};
	for (size_t i = 0; i < COUNT(mac_names); i++) {
		const struct pkt_mac_alg *m = mac_named(mac_names[i]);
		assert_string_equal(m->name, mac_names[i]);
		assert_int_equal(m->hash, want[i].hash);
		assert_int_equal(m->key_len, want[i].len);
		assert_int_equal(m->mac_len, want[i].len);
		assert_int_equal(m->etm, want[i].etm);
	}
	/* Names from the wire are views: only name_len bytes count. */
	assert_ptr_equal(pkt_mac_find("hmac-sha2-256-etm@openssh.com", 13), mac_named("hmac-sha2-256"));
	assert_ptr_equal(pkt_mac_find("hmac-sha1,hmac-md5", 9), mac_named("hmac-sha1"));
	assert_null(pkt_mac_find("hmac-sha2-256", 12));
	assert_null(pkt_mac_find("hmac-sha1-96", 12));
	assert_null(pkt_mac_find("hmac-md5", 8));
	assert_null(pkt_mac_find("umac-64@openssh.com", 19));
	assert_null(pkt_mac_find("", 0));
	assert_null(pkt_mac_find(NULL, 0));
}

static void test_shape_of_aead_encrypt_and_mac_and_etm(void **state)
{
	uint8_t key[64] = { 0 }, iv[16] = { 0 };
	struct pkt_cipher *chacha = NULL, *gcm = NULL;
	assert_int_equal(pkt_cipher_new(cipher_named("chacha20-poly1305@openssh.com"), true, key, NULL, &chacha), 0);
	assert_int_equal(pkt_cipher_new(cipher_named("aes128-gcm@openssh.com"), false, key, iv, &gcm), 0);
	struct pkt_cipher *eam = new_test_ctr("aes256-ctr", "hmac-sha2-512", false);
	struct pkt_cipher *etm = new_test_ctr("aes128-ctr", "hmac-sha1-etm@openssh.com", true);

	assert_int_equal(pkt_cipher_tag_len(chacha), 16);
	assert_int_equal(pkt_cipher_tag_len(gcm), 16);
	assert_int_equal(pkt_cipher_tag_len(eam), 64);
	assert_int_equal(pkt_cipher_tag_len(etm), 20);
	assert_true(pkt_cipher_length_is_aad(chacha));
	assert_true(pkt_cipher_length_is_aad(gcm));
	assert_false(pkt_cipher_length_is_aad(eam));
	assert_true(pkt_cipher_length_is_aad(etm));
	assert_int_equal(pkt_cipher_peek_size(chacha), 4);
	assert_int_equal(pkt_cipher_peek_size(gcm), 4);
	assert_int_equal(pkt_cipher_peek_size(eam), 16);
	assert_int_equal(pkt_cipher_peek_size(etm), 4);
	assert_ptr_equal(pkt_cipher_alg(eam), cipher_named("aes256-ctr"));
	assert_int_equal(pkt_cipher_tag_len(NULL), 0);

	pkt_cipher_free(chacha);
	pkt_cipher_free(gcm);
	pkt_cipher_free(eam);
	pkt_cipher_free(etm);
}

/* ---- the counter stream ---- */

static void test_encrypt_and_mac_packets_continue_the_sp800_38a_counter(void **state)
{
	for (size_t k = 0; k < COUNT(nist_cases); k++) {
		uint8_t key[32], iv[16], plain[64], pkt[64 + 32], want[64], mac[32];
		test_unhex(nist_cases[k].key, key, sizeof(key));
		test_unhex(nist_counter, iv, sizeof(iv));
		test_unhex(nist_plain, plain, sizeof(plain));
		test_unhex(nist_cases[k].ct, want, sizeof(want));
		struct pkt_cipher *enc = new_ctr(nist_cases[k].cipher, "hmac-sha2-256", true, key, iv, keys.mac_key);
		for (uint32_t p = 0; p < 2; p++) { /* blocks 1-2, then 3-4: the counter runs on */
			memcpy(pkt, plain + 32 * p, 32);
			assert_int_equal(pkt_cipher_seal(enc, 7 + p, pkt, 32, pkt + 32), 0);
			assert_memory_equal(pkt, want + 32 * p, 32); /* length bytes encrypted too */
			ref_mac(mac_named("hmac-sha2-256"), keys.mac_key, 7 + p, plain + 32 * p, 32, mac);
			assert_memory_equal(pkt + 32, mac, 32);
		}
		pkt_cipher_free(enc);
	}
}

static void test_encrypt_and_mac_open_recovers_sp800_38a_plaintext(void **state)
{
	for (size_t k = 0; k < COUNT(nist_cases); k++) {
		uint8_t key[32], iv[16], plain[64], ct[64], pkt[64 + 32];
		uint32_t body_len = 0;
		test_unhex(nist_cases[k].key, key, sizeof(key));
		test_unhex(nist_counter, iv, sizeof(iv));
		test_unhex(nist_plain, plain, sizeof(plain));
		test_unhex(nist_cases[k].ct, ct, sizeof(ct));
		struct pkt_cipher *dec = new_ctr(nist_cases[k].cipher, "hmac-sha2-256", false, key, iv, keys.mac_key);
		for (uint32_t p = 0; p < 2; p++) {
			memcpy(pkt, ct + 32 * p, 32);
			ref_mac(mac_named("hmac-sha2-256"), keys.mac_key, p, plain + 32 * p, 32, pkt + 32);
			assert_int_equal(pkt_cipher_peek_length(dec, p, pkt, &body_len), 0);
			assert_memory_equal(pkt, plain + 32 * p, 16); /* peek decrypted the first block in place */
			assert_memory_equal(pkt + 16, ct + 32 * p + 16, 16);
			assert_int_equal(body_len, (uint32_t)plain[32 * p] << 24 | (uint32_t)plain[32 * p + 1] << 16 |
							   (uint32_t)plain[32 * p + 2] << 8 | plain[32 * p + 3]);
			assert_int_equal(pkt_cipher_open(dec, p, pkt, 32, pkt + 32), 0);
			assert_memory_equal(pkt, plain + 32 * p, 32);
		}
		pkt_cipher_free(dec);
	}
}

static void test_etm_leaves_the_length_clear_and_its_bytes_take_no_keystream(void **state)
{
	for (size_t k = 0; k < COUNT(nist_cases); k++) {
		uint8_t key[32], iv[16], plain[64], pkt[4 + 32 + 32], want[64], mac[32], header[4];
		test_unhex(nist_cases[k].key, key, sizeof(key));
		test_unhex(nist_counter, iv, sizeof(iv));
		test_unhex(nist_plain, plain, sizeof(plain));
		test_unhex(nist_cases[k].ct, want, sizeof(want));
		store_be32(header, 32);
		struct pkt_cipher *enc = new_ctr(nist_cases[k].cipher, "hmac-sha2-256-etm@openssh.com", true, key, iv,
						 keys.mac_key);
		struct pkt_cipher *dec = new_ctr(nist_cases[k].cipher, "hmac-sha2-256-etm@openssh.com", false, key, iv,
						 keys.mac_key);
		for (uint32_t p = 0; p < 2; p++) {
			memcpy(pkt, header, 4);
			memcpy(pkt + 4, plain + 32 * p, 32);
			assert_int_equal(pkt_cipher_seal(enc, p, pkt, 36, pkt + 36), 0);
			assert_memory_equal(pkt, header, 4);
			assert_memory_equal(pkt + 4, want + 32 * p, 32);
			ref_mac(mac_named("hmac-sha2-256-etm@openssh.com"), keys.mac_key, p, pkt, 36, mac);
			assert_memory_equal(pkt + 36, mac, 32); /* over the packet as sent */
			assert_int_equal(receive(dec, p, pkt, 36), 0);
			assert_memory_equal(pkt, header, 4);
			assert_memory_equal(pkt + 4, plain + 32 * p, 32);
		}
		pkt_cipher_free(enc);
		pkt_cipher_free(dec);
	}
}

static void test_counter_is_one_128_bit_integer_that_wraps(void **state)
{
	/* Carries out of the low 32 and 64 bits, and the wrap of all 128 (RFC 4344 4). */
	static const char *const ivs[] = {
		"000102030405060708090a0bfffffffe",
		"0001020304050607fffffffffffffffd",
		"fffffffffffffffffffffffffffffffe",
	};
	for (size_t v = 0; v < COUNT(ivs); v++) {
		for (size_t m = 0; m < COUNT(mac_names); m++) {
			uint8_t iv[16], pkt[100 + 64], want[100];
			uint64_t offset = 0;
			test_unhex(ivs[v], iv, sizeof(iv));
			const struct pkt_mac_alg *mac = mac_named(mac_names[m]);
			struct pkt_cipher *enc = new_ctr("aes192-ctr", mac_names[m], true, keys.key, iv, keys.mac_key);
			for (uint32_t p = 0; p < 3; p++) {
				make_packet(pkt, 100, (uint8_t)p);
				memcpy(want, pkt, 100);
				size_t skip = mac->etm ? 4 : 0;
				ref_ctr_xor(keys.key, 24, iv, offset, want + skip, 100 - skip);
				offset += 100 - skip;
				assert_int_equal(pkt_cipher_seal(enc, p, pkt, 100, pkt + 100), 0);
				assert_memory_equal(pkt, want, 100);
			}
			pkt_cipher_free(enc);
		}
	}
}

/* ---- the MACs ---- */

static void test_mac_covers_seqnr_and_the_plaintext_or_the_wire_packet(void **state)
{
	static const uint32_t seqnrs[] = { 0, 1, 0x01020304, 0xfffffffe, 0xffffffff };
	static const size_t lens[] = { 16, 32, 48, 64 + 4, 1024, 1024 + 4, 4096 + 16 };
	for (size_t c = 0; c < COUNT(ctr_names); c++) {
		const struct pkt_cipher_alg *alg = cipher_named(ctr_names[c]);
		for (size_t m = 0; m < COUNT(mac_names); m++) {
			const struct pkt_mac_alg *mac = mac_named(mac_names[m]);
			struct pkt_cipher *enc = new_test_ctr(ctr_names[c], mac_names[m], true);
			uint64_t offset = 0;
			for (size_t s = 0; s < COUNT(seqnrs); s++) {
				for (size_t l = 0; l < COUNT(lens); l++) {
					uint8_t pkt[4096 + 16 + 64], want[4096 + 16], mac_want[64];
					size_t len = lens[l], skip = mac->etm ? 4 : 0;
					make_packet(pkt, len, (uint8_t)(s + l));
					memcpy(want, pkt, len);
					if (!mac->etm) /* encrypt-and-MAC: over the plaintext */
						ref_mac(mac, keys.mac_key, seqnrs[s], want, len, mac_want);
					ref_ctr_xor(keys.key, alg->key_len, keys.iv, offset, want + skip, len - skip);
					offset += len - skip;
					if (mac->etm) /* encrypt-then-MAC: over what is sent */
						ref_mac(mac, keys.mac_key, seqnrs[s], want, len, mac_want);
					assert_int_equal(pkt_cipher_seal(enc, seqnrs[s], pkt, len, pkt + len), 0);
					assert_memory_equal(pkt, want, len);
					assert_memory_equal(pkt + len, mac_want, mac->mac_len);
				}
			}
			pkt_cipher_free(enc);
		}
	}
}

/* ---- round trips ---- */

static void test_round_trip_every_cipher_with_every_mac(void **state)
{
	enum { MAX = 2048 + 16 };
	uint8_t *pkt = malloc(MAX + 64), *orig = malloc(MAX);
	assert_non_null(pkt);
	assert_non_null(orig);
	for (size_t c = 0; c < COUNT(ctr_names); c++) {
		for (size_t m = 0; m < COUNT(mac_names); m++) {
			const struct pkt_mac_alg *mac = mac_named(mac_names[m]);
			struct pkt_cipher *enc = new_test_ctr(ctr_names[c], mac_names[m], true);
			struct pkt_cipher *dec = new_test_ctr(ctr_names[c], mac_names[m], false);
			uint32_t seqnr = 0xfffffff0; /* runs through the 2^32 wrap */
			for (int i = 0; i < 40; i++, seqnr++) {
				/* Aligned as the transport aligns: whole packet, or all after the clear length. */
				size_t len = 16 * (size_t)(1 + (i * 37) % 128) + (mac->etm ? 4 : 0);
				uint32_t body_len = 0;
				make_packet(orig, len, (uint8_t)i);
				memcpy(pkt, orig, len);
				assert_int_equal(pkt_cipher_seal(enc, seqnr, pkt, len, pkt + len), 0);
				if (mac->etm)
					assert_memory_equal(pkt, orig, 4);
				else
					assert_memory_not_equal(pkt, orig, 4);
				assert_int_equal(pkt_cipher_peek_length(dec, seqnr, pkt, &body_len), 0);
				assert_int_equal(body_len, len - 4);
				assert_int_equal(pkt_cipher_open(dec, seqnr, pkt, len, pkt + len), 0);
				assert_memory_equal(pkt, orig, len);
			}
			pkt_cipher_free(enc);
			pkt_cipher_free(dec);
		}
	}
	free(pkt);
	free(orig);
}

/* ---- tampering ---- */

static void test_encrypt_and_mac_tamper_of_any_byte_is_a_mac_error_and_leaves_no_plaintext(void **state)
{
	enum { LEN = 48 };
	for (size_t m = 0; m < 3; m++) { /* the encrypt-and-MAC names */
		const struct pkt_mac_alg *mac = mac_named(mac_names[m]);
		assert_false(mac->etm);
		uint8_t sealed[LEN + 64], pkt[LEN + 64], other_key[64];
		struct pkt_cipher *enc = new_test_ctr("aes128-ctr", mac_names[m], true);
		make_packet(sealed, LEN, 3);
		assert_int_equal(pkt_cipher_seal(enc, 42, sealed, LEN, sealed + LEN), 0);
		for (size_t i = 0; i < LEN + mac->mac_len; i++) { /* length bytes, body, MAC */
			struct pkt_cipher *dec = new_test_ctr("aes128-ctr", mac_names[m], false);
			memcpy(pkt, sealed, sizeof(pkt));
			pkt[i] ^= 0x01;
			assert_int_equal(receive(dec, 42, pkt, LEN), BURROW_E_MAC);
			assert_true(all_zero(pkt, LEN));
			pkt_cipher_free(dec);
		}
		struct pkt_cipher *dec = new_test_ctr("aes128-ctr", mac_names[m], false);
		memcpy(pkt, sealed, sizeof(pkt));
		assert_int_equal(receive(dec, 43, pkt, LEN), BURROW_E_MAC); /* wrong seqnr */
		pkt_cipher_free(dec);
		memcpy(other_key, keys.mac_key, sizeof(other_key));
		other_key[0] ^= 1;
		dec = new_ctr("aes128-ctr", mac_names[m], false, keys.key, keys.iv, other_key);
		memcpy(pkt, sealed, sizeof(pkt));
		assert_int_equal(receive(dec, 42, pkt, LEN), BURROW_E_MAC); /* wrong MAC key */
		pkt_cipher_free(dec);
		dec = new_test_ctr("aes128-ctr", mac_names[m], false);
		memcpy(pkt, sealed, sizeof(pkt));
		assert_int_equal(receive(dec, 42, pkt, LEN), 0);
		pkt_cipher_free(dec);
		pkt_cipher_free(enc);
	}
}

static void test_etm_tamper_of_any_byte_is_a_mac_error_before_anything_is_decrypted(void **state)
{
	enum { LEN = 52 };
	for (size_t m = 3; m < COUNT(mac_names); m++) { /* the -etm names */
		const struct pkt_mac_alg *mac = mac_named(mac_names[m]);
		assert_true(mac->etm);
		uint8_t sealed[LEN + 64], pkt[LEN + 64];
		struct pkt_cipher *enc = new_test_ctr("aes256-ctr", mac_names[m], true);
		struct pkt_cipher *dec = new_test_ctr("aes256-ctr", mac_names[m], false);
		make_packet(sealed, LEN, 9);
		assert_int_equal(pkt_cipher_seal(enc, 42, sealed, LEN, sealed + LEN), 0);
		for (size_t i = 0; i < LEN + mac->mac_len; i++) { /* length bytes, body, MAC */
			memcpy(pkt, sealed, sizeof(pkt));
			pkt[i] ^= 0x80;
			assert_int_equal(receive(dec, 42, pkt, LEN), BURROW_E_MAC);
			sealed[i] ^= 0x80;
			assert_memory_equal(pkt, sealed, sizeof(pkt)); /* untouched: verified first */
			sealed[i] ^= 0x80;
		}
		memcpy(pkt, sealed, sizeof(pkt));
		assert_int_equal(receive(dec, 41, pkt, LEN), BURROW_E_MAC);     /* wrong seqnr */
		assert_int_equal(receive(dec, 42, pkt, LEN - 16), BURROW_E_MAC); /* truncated */
		assert_memory_equal(pkt, sealed, sizeof(pkt));
		/* No failure moved the counter: the genuine packet still opens on the same context. */
		assert_int_equal(receive(dec, 42, pkt, LEN), 0);
		make_packet(sealed, LEN, 9);
		assert_memory_equal(pkt, sealed, LEN);
		pkt_cipher_free(enc);
		pkt_cipher_free(dec);
	}
}

/* ---- contract checks ---- */

static void test_encrypt_and_mac_open_needs_exactly_one_peek(void **state)
{
	uint8_t sealed[64 + 32], pkt[64 + 32];
	uint32_t body_len = 0;
	struct pkt_cipher *enc = new_test_ctr("aes128-ctr", "hmac-sha2-256", true);
	struct pkt_cipher *dec = new_test_ctr("aes128-ctr", "hmac-sha2-256", false);
	make_packet(sealed, 64, 1);
	assert_int_equal(pkt_cipher_seal(enc, 0, sealed, 64, sealed + 64), 0);
	memcpy(pkt, sealed, sizeof(pkt));
	assert_int_equal(pkt_cipher_open(dec, 0, pkt, 64, pkt + 64), BURROW_E_STATE);
	assert_memory_equal(pkt, sealed, sizeof(pkt));
	assert_int_equal(pkt_cipher_peek_length(dec, 0, pkt, &body_len), 0);
	assert_int_equal(body_len, 60);
	uint8_t head[16];
	memcpy(head, pkt, 16);
	assert_int_equal(pkt_cipher_peek_length(dec, 0, pkt, &body_len), BURROW_E_STATE);
	assert_memory_equal(pkt, head, 16); /* the refused peek decrypted nothing */
	assert_int_equal(pkt_cipher_open(dec, 0, pkt, 64, pkt + 64), 0);
	make_packet(sealed, 64, 1);
	assert_memory_equal(pkt, sealed, 64);
	assert_int_equal(pkt_cipher_open(dec, 1, pkt, 64, pkt + 64), BURROW_E_STATE); /* peek is per packet */
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

static void test_encrypt_and_mac_open_refuses_less_than_a_block(void **state)
{
	uint8_t pkt[32 + 32] = { 0 };
	uint32_t body_len = 0;
	struct pkt_cipher *dec = new_test_ctr("aes128-ctr", "hmac-sha2-256", false);
	assert_int_equal(pkt_cipher_peek_length(dec, 0, pkt, &body_len), 0);
	assert_int_equal(pkt_cipher_open(dec, 0, pkt, 8, pkt + 8), BURROW_E_INVALID);
	pkt_cipher_free(dec);
}

static void test_each_constructor_refuses_the_other_kind_of_cipher(void **state)
{
	uint8_t key[64] = { 0 }, iv[16] = { 0 }, mac_key[64] = { 0 };
	const struct pkt_cipher_alg *ctr = cipher_named("aes128-ctr");
	const struct pkt_cipher_alg *chacha = cipher_named("chacha20-poly1305@openssh.com");
	const struct pkt_cipher_alg *gcm = cipher_named("aes256-gcm@openssh.com");
	const struct pkt_mac_alg *mac = mac_named("hmac-sha2-256");
	struct pkt_cipher *c = (struct pkt_cipher *)1;

	assert_int_equal(pkt_cipher_new(ctr, true, key, iv, &c), BURROW_E_INVALID); /* unauthenticated */
	assert_null(c);
	c = (struct pkt_cipher *)1;
	assert_int_equal(pkt_cipher_new_with_mac(chacha, mac, true, key, NULL, mac_key, &c), BURROW_E_INVALID);
	assert_null(c);
	assert_int_equal(pkt_cipher_new_with_mac(gcm, mac, true, key, iv, mac_key, &c), BURROW_E_INVALID);
	assert_null(c);
}

static void test_new_with_mac_checks_its_arguments(void **state)
{
	uint8_t key[32] = { 0 }, iv[16] = { 0 }, mac_key[64] = { 0 };
	const struct pkt_cipher_alg *ctr = cipher_named("aes256-ctr");
	const struct pkt_mac_alg *mac = mac_named("hmac-sha2-512-etm@openssh.com");
	struct pkt_mac_alg fake_mac = *mac;
	struct pkt_cipher_alg fake_ctr = *ctr;
	struct pkt_cipher *c = NULL;

	assert_int_equal(pkt_cipher_new_with_mac(ctr, &fake_mac, true, key, iv, mac_key, &c), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_new_with_mac(&fake_ctr, mac, true, key, iv, mac_key, &c), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_new_with_mac(ctr, NULL, true, key, iv, mac_key, &c), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_new_with_mac(ctr, mac, true, NULL, iv, mac_key, &c), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_new_with_mac(ctr, mac, true, key, NULL, mac_key, &c), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_new_with_mac(ctr, mac, true, key, iv, NULL, &c), BURROW_E_INVALID);
	assert_int_equal(pkt_cipher_new_with_mac(ctr, mac, true, key, iv, mac_key, NULL), BURROW_E_INVALID);
	assert_null(c);
	assert_int_equal(pkt_cipher_new_with_mac(ctr, mac, true, key, iv, mac_key, &c), 0);
	pkt_cipher_free(c);
}

static void test_direction_is_checked(void **state)
{
	uint8_t pkt[32 + 32] = { 0 };
	uint32_t n;
	struct pkt_cipher *enc = new_test_ctr("aes128-ctr", "hmac-sha2-256", true);
	struct pkt_cipher *dec = new_test_ctr("aes128-ctr", "hmac-sha2-256-etm@openssh.com", false);
	assert_int_equal(pkt_cipher_peek_length(enc, 0, pkt, &n), BURROW_E_STATE);
	assert_int_equal(pkt_cipher_open(enc, 0, pkt, 32, pkt + 32), BURROW_E_STATE);
	assert_int_equal(pkt_cipher_seal(dec, 0, pkt, 32, pkt + 32), BURROW_E_STATE);
	assert_int_equal(pkt_cipher_seal(enc, 0, pkt, 3, pkt + 32), BURROW_E_INVALID);
	pkt_cipher_free(enc);
	pkt_cipher_free(dec);
}

/* ---- no allocation per packet ---- */

static void test_seal_and_open_do_not_allocate(void **state)
{
	enum { LEN = 32768 };
	uint8_t *pkt = malloc(LEN + 64);
	assert_non_null(pkt);
	assert_true(alloc_count_installed());
	for (size_t c = 0; c < COUNT(ctr_names); c++) {
		for (size_t m = 0; m < COUNT(mac_names); m++) {
			struct pkt_cipher *enc = new_test_ctr(ctr_names[c], mac_names[m], true);
			struct pkt_cipher *dec = new_test_ctr(ctr_names[c], mac_names[m], false);
			size_t before = alloc_count();
			assert_true(before > 0); /* the hook sees libcrypto's allocations (creation made some) */
			for (uint32_t seqnr = 0; seqnr < 10; seqnr++) {
				make_packet(pkt, LEN, (uint8_t)seqnr);
				assert_int_equal(pkt_cipher_seal(enc, seqnr, pkt, LEN, pkt + LEN), 0);
				assert_int_equal(receive(dec, seqnr, pkt, LEN), 0);
			}
			assert_int_equal(alloc_count(), before);
			pkt_cipher_free(enc);
			pkt_cipher_free(dec);
		}
	}
	free(pkt);
}

int main(void)
{
	alloc_count_install(); /* before libcrypto allocates anything */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_ctr_matches_sp800_38a),
		cmocka_unit_test(test_find_knows_the_ctr_ciphers),
		cmocka_unit_test(test_find_knows_the_six_macs),
		cmocka_unit_test(test_shape_of_aead_encrypt_and_mac_and_etm),
		cmocka_unit_test(test_encrypt_and_mac_packets_continue_the_sp800_38a_counter),
		cmocka_unit_test(test_encrypt_and_mac_open_recovers_sp800_38a_plaintext),
		cmocka_unit_test(test_etm_leaves_the_length_clear_and_its_bytes_take_no_keystream),
		cmocka_unit_test(test_counter_is_one_128_bit_integer_that_wraps),
		cmocka_unit_test(test_mac_covers_seqnr_and_the_plaintext_or_the_wire_packet),
		cmocka_unit_test(test_round_trip_every_cipher_with_every_mac),
		cmocka_unit_test(test_encrypt_and_mac_tamper_of_any_byte_is_a_mac_error_and_leaves_no_plaintext),
		cmocka_unit_test(test_etm_tamper_of_any_byte_is_a_mac_error_before_anything_is_decrypted),
		cmocka_unit_test(test_encrypt_and_mac_open_needs_exactly_one_peek),
		cmocka_unit_test(test_encrypt_and_mac_open_refuses_less_than_a_block),
		cmocka_unit_test(test_each_constructor_refuses_the_other_kind_of_cipher),
		cmocka_unit_test(test_new_with_mac_checks_its_arguments),
		cmocka_unit_test(test_direction_is_checked),
		cmocka_unit_test(test_seal_and_open_do_not_allocate),
	};
	return cmocka_run_group_tests(tests, setup_keys, NULL);
}
