/*
 * bcrypt_pbkdf (OpenBSD libutil, Ted Unangst 2013), the KDF of encrypted openssh-key-v1 files
 * (OpenSSH PROTOCOL.key: kdfname "bcrypt", kdfoptions string salt || uint32 rounds).
 *
 * Like PBKDF2, but the PRF is a bcrypt-style hash of SHA-512(passphrase) and SHA-512(salt ||
 * counter), and the output bytes of the blocks are interleaved ("stride") so that producing any
 * part of the key costs all the blocks.
 */
#include <string.h>

#include "crypto.h"

#define BCRYPT_HASH_WORDS 8
#define BCRYPT_HASH_LEN (BCRYPT_HASH_WORDS * 4)  /* 32 */
#define BCRYPT_HASH_ROUNDS 64                    /* OpenBSD's fixed cost of one hash */
#define BCRYPT_PBKDF_MAX_KEY (BCRYPT_HASH_LEN * BCRYPT_HASH_LEN) /* 1024, OpenBSD's limit */
#define BCRYPT_PBKDF_MAX_SALT (1u << 20)

/* The 32-byte text the hash encrypts (OpenBSD's "OxychromaticBlowfishSwatDynamite"). */
static const char bcrypt_magic[BCRYPT_HASH_LEN + 1] = "OxychromaticBlowfishSwatDynamite";

static void bcrypt_hash(const uint8_t sha_pass[64], const uint8_t sha_salt[64], uint8_t out[BCRYPT_HASH_LEN])
{
	struct blowfish bf;
	blowfish_init(&bf);
	blowfish_expand_key_salt(&bf, sha_salt, 64, sha_pass, 64);
	for (int i = 0; i < BCRYPT_HASH_ROUNDS; i++) {
		blowfish_expand_key(&bf, sha_salt, 64);
		blowfish_expand_key(&bf, sha_pass, 64);
	}

	uint32_t text[BCRYPT_HASH_WORDS];
	for (int i = 0; i < BCRYPT_HASH_WORDS; i++) {
		const uint8_t *m = (const uint8_t *)bcrypt_magic + 4 * i;
		text[i] = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	}
	for (int round = 0; round < BCRYPT_HASH_ROUNDS; round++)
		for (int i = 0; i < BCRYPT_HASH_WORDS; i += 2)
			blowfish_encrypt_block(&bf, &text[i], &text[i + 1]);
	/* The words leave little-endian, unlike they came in: OpenBSD's choice, kept for compatibility. */
	for (int i = 0; i < BCRYPT_HASH_WORDS; i++) {
		out[4 * i + 0] = (uint8_t)text[i];
		out[4 * i + 1] = (uint8_t)(text[i] >> 8);
		out[4 * i + 2] = (uint8_t)(text[i] >> 16);
		out[4 * i + 3] = (uint8_t)(text[i] >> 24);
	}
	crypto_wipe(text, sizeof(text));
	crypto_wipe(&bf, sizeof(bf));
}

/* SHA-512(salt || uint32 count) */
static int bcrypt_salt_hash(const uint8_t *salt, size_t salt_len, uint32_t count, uint8_t out[64])
{
	struct hash_ctx *h;
	uint8_t be[4] = { (uint8_t)(count >> 24), (uint8_t)(count >> 16), (uint8_t)(count >> 8), (uint8_t)count };
	int err = hash_new(HASH_SHA512, &h);
	if (err)
		return err;
	if ((err = hash_update(h, salt, salt_len)) == 0 && (err = hash_update(h, be, sizeof(be))) == 0)
		err = hash_final(h, out);
	hash_free(h);
	return err;
}

int bcrypt_pbkdf(const uint8_t *pass, size_t pass_len, const uint8_t *salt, size_t salt_len, uint8_t *key,
		 size_t key_len, unsigned rounds)
{
	if (rounds < 1 || pass_len == 0 || salt_len == 0 || salt_len > BCRYPT_PBKDF_MAX_SALT || key_len == 0 ||
	    key_len > BCRYPT_PBKDF_MAX_KEY || !pass || !salt || !key)
		return BURROW_E_INVALID;

	size_t stride = (key_len + BCRYPT_HASH_LEN - 1) / BCRYPT_HASH_LEN;
	size_t per_block = (key_len + stride - 1) / stride;
	uint8_t sha_pass[64], sha_salt[64], block[BCRYPT_HASH_LEN], acc[BCRYPT_HASH_LEN];
	int err = hash_oneshot(HASH_SHA512, pass, pass_len, sha_pass);
	size_t left = key_len;
	for (uint32_t count = 1; err == 0 && left > 0; count++) {
		if ((err = bcrypt_salt_hash(salt, salt_len, count, sha_salt)) != 0)
			break;
		bcrypt_hash(sha_pass, sha_salt, block);
		memcpy(acc, block, sizeof(acc));
		for (unsigned i = 1; i < rounds && err == 0; i++) {
			if ((err = hash_oneshot(HASH_SHA512, block, sizeof(block), sha_salt)) != 0)
				break;
			bcrypt_hash(sha_pass, sha_salt, block);
			for (size_t j = 0; j < sizeof(acc); j++)
				acc[j] ^= block[j];
		}
		/* Byte i of block `count` goes to key[i * stride + count - 1]. */
		size_t i;
		for (i = 0; i < per_block && i < left; i++) {
			size_t dest = i * stride + (count - 1);
			if (dest >= key_len)
				break;
			key[dest] = acc[i];
		}
		left -= i;
	}
	crypto_wipe(sha_pass, sizeof(sha_pass));
	crypto_wipe(sha_salt, sizeof(sha_salt));
	crypto_wipe(block, sizeof(block));
	crypto_wipe(acc, sizeof(acc));
	if (err)
		crypto_wipe(key, key_len);
	return err;
}
