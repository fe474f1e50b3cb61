/*
 * aes128-gcm@openssh.com and aes256-gcm@openssh.com: AES-GCM for SSH as RFC 5647 defines it
 * and OpenSSH implements it.
 *
 *   IV (12 bytes)  = fixed field (4 bytes) || invocation counter (8 bytes, big-endian),
 *                    both from key derivation; the counter is incremented after every packet
 *                    and wraps modulo 2^64 without touching the fixed field (RFC 5647 7.1)
 *   AAD            = the 4 packet_length bytes, which stay in the clear (RFC 5647 7.3)
 *   plaintext      = padding_length || payload || padding, a multiple of 16 bytes
 *   tag            = 16 bytes
 *
 * The sequence number plays no part: the IV counter is this object's own state.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/pkt_cipher_mode.h"

#define AESGCM_IV_LEN 12
#define AESGCM_TAG_LEN 16
#define AESGCM_BLOCK_LEN 16

struct aesgcm {
	struct pkt_cipher base; /* first: see pkt_cipher_mode.h */
	EVP_CIPHER_CTX *ctx;    /* holds the expanded key; only the IV changes per packet */
	uint8_t iv[AESGCM_IV_LEN];
	uint8_t key[32];        /* kept only for pkt_cipher_export_state */
};

static void aesgcm_next_iv(struct aesgcm *g)
{
	/* RFC 5647 7.1: invocation_counter += 1, big-endian, modulo 2^64. */
	for (int i = AESGCM_IV_LEN - 1; i >= 4; i--)
		if (++g->iv[i] != 0)
			break;
}

/* Starts a packet: sets the IV and feeds the clear length bytes as AAD. */
static int aesgcm_begin(struct aesgcm *g, const uint8_t *pkt, size_t len)
{
	int outl = 0;
	/* RFC 5647 7.2: everything after the clear length field is whole cipher blocks. */
	if ((len - 4) % AESGCM_BLOCK_LEN != 0)
		return BURROW_E_INVALID;
	if (EVP_CipherInit_ex2(g->ctx, NULL, NULL, g->iv, -1, NULL) != 1 ||
	    EVP_CipherUpdate(g->ctx, NULL, &outl, pkt, 4) != 1)
		return BURROW_E_CRYPTO;
	return 0;
}

static int aesgcm_seal(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, uint8_t *tag)
{
	struct aesgcm *g = (struct aesgcm *)c;
	uint8_t none[AESGCM_BLOCK_LEN];
	int outl = 0;

	int rc = aesgcm_begin(g, pkt, len);
	if (rc < 0)
		return rc;
	if (EVP_CipherUpdate(g->ctx, pkt + 4, &outl, pkt + 4, (int)(len - 4)) != 1 || (size_t)outl != len - 4 ||
	    EVP_CipherFinal_ex(g->ctx, none, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_AEAD_GET_TAG, AESGCM_TAG_LEN, tag) != 1)
		return BURROW_E_CRYPTO;
	aesgcm_next_iv(g);
	return 0;
}

static int aesgcm_open(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, const uint8_t *tag)
{
	struct aesgcm *g = (struct aesgcm *)c;
	uint8_t none[AESGCM_BLOCK_LEN];
	int outl = 0;

	int rc = aesgcm_begin(g, pkt, len);
	if (rc < 0)
		return rc;
	/*
	 * libcrypto's GCM decrypts and computes the tag in one pass and compares it (in constant
	 * time) in EVP_CipherFinal_ex; verifying first would take a second pass over the packet.
	 * Instead, decrypted bytes of a packet that fails never leave this function: we wipe them.
	 */
	if (EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_AEAD_SET_TAG, AESGCM_TAG_LEN, (void *)tag) != 1 ||
	    EVP_CipherUpdate(g->ctx, pkt + 4, &outl, pkt + 4, (int)(len - 4)) != 1 || (size_t)outl != len - 4)
		rc = BURROW_E_CRYPTO;
	else if (EVP_CipherFinal_ex(g->ctx, none, &outl) != 1)
		rc = BURROW_E_MAC;
	if (rc < 0) {
		crypto_wipe(pkt + 4, len - 4);
		ERR_clear_error();
		return rc;
	}
	aesgcm_next_iv(g);
	return 0;
}

static int aesgcm_peek_length(struct pkt_cipher *c, uint32_t seqnr, uint8_t *in, uint32_t *len)
{
	*len = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3]; /* in the clear */
	return 0;
}

static void aesgcm_destroy(struct pkt_cipher *c)
{
	struct aesgcm *g = (struct aesgcm *)c;
	EVP_CIPHER_CTX_free(g->ctx); /* cleanses the key schedule */
	crypto_wipe(g, sizeof(*g));
	free(g);
}

static int aesgcm_create(const struct pkt_cipher_alg *alg, const struct pkt_mac_alg *mac, bool encrypt,
			 const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, struct pkt_cipher **out)
{
	const char *name = alg->key_len == 32 ? "AES-256-GCM" : "AES-128-GCM";
	struct aesgcm *g = calloc(1, sizeof(*g));
	if (!g)
		return BURROW_E_NOMEM;
	memcpy(g->iv, iv, AESGCM_IV_LEN);
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	g->ctx = EVP_CIPHER_CTX_new();
	int rc = 0;
	if (!cipher || !g->ctx || EVP_CipherInit_ex2(g->ctx, cipher, key, NULL, encrypt ? 1 : 0, NULL) != 1 ||
	    (size_t)EVP_CIPHER_CTX_get_key_length(g->ctx) != alg->key_len ||
	    EVP_CIPHER_CTX_get_iv_length(g->ctx) != AESGCM_IV_LEN)
		rc = BURROW_E_CRYPTO;
	EVP_CIPHER_free(cipher);
	if (rc < 0) {
		aesgcm_destroy(&g->base);
		ERR_clear_error();
		return rc;
	}
	memcpy(g->key, key, alg->key_len);
	*out = &g->base;
	return 0;
}

/* The IV as it stands holds the invocation counter of the next packet. */
static int aesgcm_export_state(const struct pkt_cipher *c, struct pkt_cipher_state *st)
{
	const struct aesgcm *g = (const struct aesgcm *)c;
	memcpy(st->key, g->key, c->alg->key_len);
	memcpy(st->iv, g->iv, AESGCM_IV_LEN);
	return 0;
}

const struct pkt_cipher_mode aesgcm_mode = {
	.create = aesgcm_create,
	.destroy = aesgcm_destroy,
	.peek_length = aesgcm_peek_length,
	.seal = aesgcm_seal,
	.open = aesgcm_open,
	.export_state = aesgcm_export_state,
};
