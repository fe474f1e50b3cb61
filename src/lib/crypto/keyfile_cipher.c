/*
 * The ciphers that may protect an openssh-key-v1 private section (OpenSSH cipher.c names):
 * one call encrypts or decrypts the whole section in place, as OpenSSH's cipher_crypt() with
 * sequence number 0 and no additional data. AEAD tags follow the section in the file.
 */
#include <string.h>

#include <openssl/evp.h>

#include "crypto.h"

enum keyfile_mode { KEYFILE_MODE_EVP, KEYFILE_MODE_GCM, KEYFILE_MODE_CHACHAPOLY };

struct keyfile_cipher {
	const char *name;
	const char *evp_name;
	enum keyfile_mode mode;
	size_t key_len, iv_len, block_size, tag_len;
};

static const struct keyfile_cipher keyfile_ciphers[] = {
	{ "aes128-ctr", "AES-128-CTR", KEYFILE_MODE_EVP, 16, 16, 16, 0 },
	{ "aes192-ctr", "AES-192-CTR", KEYFILE_MODE_EVP, 24, 16, 16, 0 },
	{ "aes256-ctr", "AES-256-CTR", KEYFILE_MODE_EVP, 32, 16, 16, 0 },
	{ "aes128-cbc", "AES-128-CBC", KEYFILE_MODE_EVP, 16, 16, 16, 0 },
	{ "aes192-cbc", "AES-192-CBC", KEYFILE_MODE_EVP, 24, 16, 16, 0 },
	{ "aes256-cbc", "AES-256-CBC", KEYFILE_MODE_EVP, 32, 16, 16, 0 },
	{ "aes128-gcm@openssh.com", "AES-128-GCM", KEYFILE_MODE_GCM, 16, 12, 16, 16 },
	{ "aes256-gcm@openssh.com", "AES-256-GCM", KEYFILE_MODE_GCM, 32, 12, 16, 16 },
	/* PROTOCOL.chacha20poly1305: 64 bytes of key, of which only K_2 (the first 32) serves
	 * when there is no length to encrypt. */
	{ "chacha20-poly1305@openssh.com", "ChaCha20", KEYFILE_MODE_CHACHAPOLY, 64, 0, 8, 16 },
};

const struct keyfile_cipher *keyfile_cipher_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(keyfile_ciphers) / sizeof(keyfile_ciphers[0]); i++)
		if (strlen(keyfile_ciphers[i].name) == len && memcmp(keyfile_ciphers[i].name, name, len) == 0)
			return &keyfile_ciphers[i];
	return NULL;
}

const char *keyfile_cipher_name(const struct keyfile_cipher *c) { return c->name; }
size_t keyfile_cipher_key_len(const struct keyfile_cipher *c) { return c->key_len; }
size_t keyfile_cipher_iv_len(const struct keyfile_cipher *c) { return c->iv_len; }
size_t keyfile_cipher_block_size(const struct keyfile_cipher *c) { return c->block_size; }
size_t keyfile_cipher_tag_len(const struct keyfile_cipher *c) { return c->tag_len; }

static int keyfile_crypt_evp(const struct keyfile_cipher *c, bool encrypt, const uint8_t *key, const uint8_t *iv,
			     uint8_t *data, size_t len, uint8_t *tag)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, c->evp_name, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int err = BURROW_E_CRYPTO, outl = 0;
	uint8_t none[16];
	if (!cipher || !ctx || EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt ? 1 : 0, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
		goto out;
	if (c->mode == KEYFILE_MODE_GCM && !encrypt &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)c->tag_len, tag) != 1)
		goto out;
	if (EVP_CipherUpdate(ctx, data, &outl, data, (int)len) != 1 || (size_t)outl != len)
		goto out;
	if (EVP_CipherFinal_ex(ctx, none, &outl) != 1) {
		if (c->mode == KEYFILE_MODE_GCM) {
			crypto_wipe(data, len);
			err = BURROW_E_MAC;
		}
		goto out;
	}
	if (c->mode == KEYFILE_MODE_GCM && encrypt &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)c->tag_len, tag) != 1)
		goto out;
	err = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return err;
}

/* ChaCha20 with OpenSSH's 64-bit nonce (the sequence number, 0 here) and 64-bit block counter:
 * block 0 gives the Poly1305 key, the data is encrypted from block 1, the tag covers the
 * ciphertext. libcrypto's IV is a 32-bit little-endian counter and 96-bit nonce, which for a
 * counter below 2^32 and nonce 0 lays out the same 16 bytes. */
static int keyfile_crypt_chachapoly(const uint8_t *key, uint8_t *data, size_t len, bool encrypt, uint8_t *tag)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL);
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	EVP_MAC_CTX *poly = mac ? EVP_MAC_CTX_new(mac) : NULL;
	uint8_t iv[16] = { 0 }, block0[64] = { 0 }, expected[16];
	int err = BURROW_E_CRYPTO, outl = 0;
	size_t taglen = 0;
	if (!cipher || !poly || !ctx || EVP_EncryptInit_ex2(ctx, cipher, key, iv, NULL) != 1 ||
	    EVP_EncryptUpdate(ctx, block0, &outl, block0, sizeof(block0)) != 1)
		goto out;
	if (EVP_MAC_init(poly, block0, 32, NULL) != 1)
		goto out;
	if (encrypt) {
		if (EVP_EncryptUpdate(ctx, data, &outl, data, (int)len) != 1 || (size_t)outl != len)
			goto out;
	}
	if (EVP_MAC_update(poly, data, len) != 1 || EVP_MAC_final(poly, expected, &taglen, sizeof(expected)) != 1 ||
	    taglen != sizeof(expected))
		goto out;
	if (encrypt) {
		memcpy(tag, expected, sizeof(expected));
	} else {
		if (!crypto_ct_equal(expected, tag, sizeof(expected))) {
			err = BURROW_E_MAC;
			goto out;
		}
		if (EVP_EncryptUpdate(ctx, data, &outl, data, (int)len) != 1 || (size_t)outl != len)
			goto out;
	}
	err = 0;
out:
	crypto_wipe(block0, sizeof(block0));
	EVP_MAC_CTX_free(poly);
	EVP_MAC_free(mac);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return err;
}

int keyfile_cipher_crypt(const struct keyfile_cipher *c, bool encrypt, const uint8_t *key, const uint8_t *iv,
			 uint8_t *data, size_t len, uint8_t *tag)
{
	if (!c || !key || (len && !data) || len % c->block_size != 0 || len > 0x7fffffff || (c->tag_len && !tag))
		return BURROW_E_INVALID;
	if (c->mode == KEYFILE_MODE_CHACHAPOLY)
		return keyfile_crypt_chachapoly(key, data, len, encrypt, tag);
	return keyfile_crypt_evp(c, encrypt, key, iv, data, len, tag);
}
