/*
 * aes128-ctr, aes192-ctr and aes256-ctr (RFC 4344 4) with one of the HMACs of pkt_mac.c, in
 * either of the two ways SSH composes a cipher and a MAC:
 *
 *   encrypt-and-MAC (hmac-sha2-256, ...), RFC 4253 6 and 6.4:
 *     mac  = HMAC(mac_key, uint32 seqnr || the plaintext packet, length bytes included)
 *     wire = AES-CTR(the whole packet, length bytes included) || mac
 *   encrypt-then-MAC (hmac-sha2-256-etm@openssh.com, ...), OpenSSH PROTOCOL 1.5:
 *     wire = length bytes in the clear || AES-CTR(the rest of the packet) || mac
 *     mac  = HMAC(mac_key, uint32 seqnr || the wire packet before the mac)
 *
 * The counter is a single 128-bit big-endian integer that starts at the derived IV and is
 * incremented per block modulo 2^128 (RFC 4344 4). It runs on across packets for the life of
 * the keys, so one EVP context per direction holds both the key schedule and the position in
 * the stream; only bytes that are encrypted consume keystream (with -etm the length does not).
 *
 * Encrypt-and-MAC hides the length, so a receiver must decrypt the first block to learn it:
 * peek_length decrypts that block in place, and open continues the stream after it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/pkt_cipher_mode.h"

#define AESCTR_IV_LEN 16
#define AESCTR_BLOCK_LEN 16

struct aesctr {
	struct pkt_cipher base; /* first: see pkt_cipher_mode.h */
	EVP_CIPHER_CTX *ctx;    /* key schedule and counter, for the life of the keys */
	struct pkt_hmac *hmac;
	bool etm;
	bool head_decrypted;    /* encrypt-and-MAC receiver: peek has decrypted pkt[0..16), open continues */
	uint8_t key[32], mac_key[HASH_MAX_LEN]; /* kept only for pkt_cipher_export_state */
};

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* XORs buf[0..n) in place with the next n bytes of keystream; CTR is its own inverse. */
static int aesctr_xor(struct aesctr *ctr, uint8_t *buf, size_t n)
{
	int outl = 0;
	if (n == 0)
		return 0;
	if (EVP_EncryptUpdate(ctr->ctx, buf, &outl, buf, (int)n) != 1 || (size_t)outl != n) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return 0;
}

static int aesctr_seal(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, uint8_t *tag)
{
	struct aesctr *ctr = (struct aesctr *)c;
	if (ctr->etm) {
		int rc = aesctr_xor(ctr, pkt + 4, len - 4);
		return rc < 0 ? rc : pkt_hmac_compute(ctr->hmac, seqnr, pkt, len, tag);
	}
	int rc = pkt_hmac_compute(ctr->hmac, seqnr, pkt, len, tag);
	return rc < 0 ? rc : aesctr_xor(ctr, pkt, len);
}

/* Encrypt-then-MAC: authenticate the bytes as received, then decrypt all but the clear length. */
static int aesctr_open_etm(struct aesctr *ctr, uint32_t seqnr, uint8_t *pkt, size_t len, const uint8_t *tag)
{
	int rc = pkt_hmac_verify(ctr->hmac, seqnr, pkt, len, tag);
	if (rc < 0)
		return rc; /* nothing decrypted, and the counter has not moved */
	rc = aesctr_xor(ctr, pkt + 4, len - 4);
	if (rc < 0)
		crypto_wipe(pkt + 4, len - 4);
	return rc;
}

/*
 * Encrypt-and-MAC: the MAC is over the plaintext, so there is no checking before decrypting
 * (RFC 4253 6.4). A packet that fails leaves no plaintext behind; the counter has moved on,
 * which does not matter because a MAC error ends the connection.
 */
static int aesctr_open_eam(struct aesctr *ctr, uint32_t seqnr, uint8_t *pkt, size_t len, const uint8_t *tag)
{
	if (!ctr->head_decrypted)
		return BURROW_E_STATE; /* the first block must come through peek_length */
	ctr->head_decrypted = false;
	int rc = len < AESCTR_BLOCK_LEN ? BURROW_E_INVALID : aesctr_xor(ctr, pkt + AESCTR_BLOCK_LEN, len - AESCTR_BLOCK_LEN);
	if (rc == 0)
		rc = pkt_hmac_verify(ctr->hmac, seqnr, pkt, len, tag);
	if (rc < 0)
		crypto_wipe(pkt, len);
	return rc;
}

static int aesctr_open(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, const uint8_t *tag)
{
	struct aesctr *ctr = (struct aesctr *)c;
	return ctr->etm ? aesctr_open_etm(ctr, seqnr, pkt, len, tag) : aesctr_open_eam(ctr, seqnr, pkt, len, tag);
}

static int aesctr_peek_length(struct pkt_cipher *c, uint32_t seqnr, uint8_t *in, uint32_t *len)
{
	struct aesctr *ctr = (struct aesctr *)c;
	*len = 0;
	if (!ctr->etm) {
		/* Decrypting the block twice would move the counter past it: one peek per packet. */
		if (ctr->head_decrypted)
			return BURROW_E_STATE;
		int rc = aesctr_xor(ctr, in, AESCTR_BLOCK_LEN);
		if (rc < 0)
			return rc;
		ctr->head_decrypted = true;
	}
	*len = load_be32(in);
	return 0;
}

static void aesctr_destroy(struct pkt_cipher *c)
{
	struct aesctr *ctr = (struct aesctr *)c;
	EVP_CIPHER_CTX_free(ctr->ctx); /* cleanses the key schedule */
	pkt_hmac_free(ctr->hmac);
	crypto_wipe(ctr, sizeof(*ctr));
	free(ctr);
}

static const char *aesctr_evp_name(size_t key_len)
{
	switch (key_len) {
	case 16: return "AES-128-CTR";
	case 24: return "AES-192-CTR";
	case 32: return "AES-256-CTR";
	}
	return NULL;
}

static int aesctr_create(const struct pkt_cipher_alg *alg, const struct pkt_mac_alg *mac, bool encrypt,
			 const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, struct pkt_cipher **out)
{
	const char *name = aesctr_evp_name(alg->key_len);
	if (!name || alg->iv_len != AESCTR_IV_LEN)
		return BURROW_E_INVALID;
	struct aesctr *ctr = calloc(1, sizeof(*ctr));
	if (!ctr)
		return BURROW_E_NOMEM;
	ctr->etm = mac->etm;
	int rc = pkt_hmac_new(mac, mac_key, &ctr->hmac);
	if (rc == 0) {
		EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
		ctr->ctx = EVP_CIPHER_CTX_new();
		/* The keystream is the same both ways, so both directions run the context as "encrypt". */
		if (!cipher || !ctr->ctx || EVP_EncryptInit_ex2(ctr->ctx, cipher, key, iv, NULL) != 1 ||
		    (size_t)EVP_CIPHER_CTX_get_key_length(ctr->ctx) != alg->key_len ||
		    EVP_CIPHER_CTX_get_iv_length(ctr->ctx) != AESCTR_IV_LEN)
			rc = BURROW_E_CRYPTO;
		EVP_CIPHER_free(cipher); /* the context keeps its own reference */
	}
	if (rc < 0) {
		aesctr_destroy(&ctr->base);
		ERR_clear_error();
		return rc;
	}
	memcpy(ctr->key, key, alg->key_len);
	memcpy(ctr->mac_key, mac_key, mac->key_len);
	*out = &ctr->base;
	return 0;
}

/*
 * Where the stream stands is the counter block libcrypto will encrypt next. Every packet is
 * whole blocks (RFC 4253 6: the padding aligns it), so no keystream of a block is left over;
 * if some were, a fresh context could not take up from the counter alone, so we refuse.
 */
static int aesctr_export_state(const struct pkt_cipher *c, struct pkt_cipher_state *st)
{
	const struct aesctr *ctr = (const struct aesctr *)c;
	if (EVP_CIPHER_CTX_get_num(ctr->ctx) != 0 ||
	    EVP_CIPHER_CTX_get_updated_iv(ctr->ctx, st->iv, AESCTR_IV_LEN) != 1) {
		ERR_clear_error();
		return BURROW_E_STATE;
	}
	memcpy(st->key, ctr->key, c->alg->key_len);
	memcpy(st->mac_key, ctr->mac_key, c->mac->key_len);
	st->head_decrypted = ctr->head_decrypted;
	return 0;
}

static void aesctr_resume_state(struct pkt_cipher *c, const struct pkt_cipher_state *st)
{
	((struct aesctr *)c)->head_decrypted = st->head_decrypted;
}

const struct pkt_cipher_mode aesctr_mode = {
	.create = aesctr_create,
	.destroy = aesctr_destroy,
	.peek_length = aesctr_peek_length,
	.seal = aesctr_seal,
	.open = aesctr_open,
	.export_state = aesctr_export_state,
	.resume_state = aesctr_resume_state,
};
