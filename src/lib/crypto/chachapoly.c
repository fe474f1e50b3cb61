/*
 * chacha20-poly1305@openssh.com, exactly as OpenSSH's PROTOCOL.chacha20poly1305 defines it:
 *
 *   key (64 bytes) = K_2 (payload, first 32 bytes) || K_1 (length, last 32 bytes)
 *   nonce          = the packet sequence number as a 64-bit big-endian integer
 *   length         = the 4 length bytes XOR ChaCha20(K_1, nonce) at block counter 0
 *   poly1305 key   = the first 32 bytes of ChaCha20(K_2, nonce) block 0
 *   payload        = the rest of the packet XOR ChaCha20(K_2, nonce) from block counter 1
 *   tag            = Poly1305 over encrypted length || encrypted payload (no padding, no lengths)
 *
 * Both contexts and the MAC are created once; a packet only resets the IV and the MAC key.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/pkt_cipher_mode.h"

#define CHACHAPOLY_KEY_LEN 32   /* each of K_1 and K_2 */
#define CHACHA_BLOCK_LEN 64
#define POLY1305_KEY_LEN 32
#define POLY1305_TAG_LEN 16

struct chachapoly {
	struct pkt_cipher base;     /* first: see pkt_cipher_mode.h */
	EVP_CIPHER_CTX *main_ctx;   /* K_2: poly1305 key and payload */
	EVP_CIPHER_CTX *header_ctx; /* K_1: the 4 length bytes */
	EVP_MAC_CTX *poly;
	uint8_t key[2 * CHACHAPOLY_KEY_LEN]; /* K_2 || K_1, kept only for pkt_cipher_export_state */
};

/*
 * libcrypto's "ChaCha20" takes a 16-byte IV that fills state words 12..15 in little-endian
 * order; it documents them as a 32-bit block counter and a 96-bit nonce (RFC 8439 2.3). OpenSSH
 * uses the original ChaCha layout instead: a 64-bit little-endian block counter, then a 64-bit
 * nonce, which OpenSSH fills with the sequence number big-endian. The same 16 state bytes serve
 * both: counter as 8 LE bytes || seqnr as 8 BE bytes. We always start at block 0 (and reach
 * block 1 by consuming block 0), and a packet is far below 2^32 blocks, so the counter's high
 * word stays zero and libcrypto's 32-bit view of the counter agrees with OpenSSH's 64-bit one.
 */
static void chachapoly_iv(uint8_t iv[16], uint32_t seqnr)
{
	memset(iv, 0, 16); /* block counter 0 */
	iv[12] = (uint8_t)(seqnr >> 24);
	iv[13] = (uint8_t)(seqnr >> 16);
	iv[14] = (uint8_t)(seqnr >> 8);
	iv[15] = (uint8_t)seqnr;
}

/* XORs n bytes (in place is fine) with the context's keystream from where it stands. */
static int chachapoly_xor(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t n)
{
	int outl = 0;
	if (EVP_EncryptUpdate(ctx, out, &outl, in, (int)n) != 1 || (size_t)outl != n)
		return BURROW_E_CRYPTO;
	return 0;
}

/* XORs the 4 length bytes with ChaCha20(K_1, seqnr) block 0; its own inverse. */
static int chachapoly_length_xor(struct chachapoly *cp, uint32_t seqnr, uint8_t out[4], const uint8_t in[4])
{
	uint8_t iv[16];
	chachapoly_iv(iv, seqnr);
	if (EVP_EncryptInit_ex2(cp->header_ctx, NULL, NULL, iv, NULL) != 1)
		return BURROW_E_CRYPTO;
	return chachapoly_xor(cp->header_ctx, out, in, 4);
}

/*
 * Positions the K_2 stream for packet seqnr: takes keystream block 0, whose first 32 bytes are
 * the one-time Poly1305 key, and so leaves the stream at block 1, where the payload starts.
 */
static int chachapoly_begin(struct chachapoly *cp, uint32_t seqnr, uint8_t block0[CHACHA_BLOCK_LEN])
{
	static const uint8_t zeros[CHACHA_BLOCK_LEN];
	uint8_t iv[16];
	chachapoly_iv(iv, seqnr);
	if (EVP_EncryptInit_ex2(cp->main_ctx, NULL, NULL, iv, NULL) != 1)
		return BURROW_E_CRYPTO;
	return chachapoly_xor(cp->main_ctx, block0, zeros, CHACHA_BLOCK_LEN);
}

/* Poly1305 over the packet as it is on the wire: encrypted length || encrypted payload. */
static int chachapoly_mac(struct chachapoly *cp, const uint8_t block0[CHACHA_BLOCK_LEN], const uint8_t *wire,
			  size_t len, uint8_t tag[POLY1305_TAG_LEN])
{
	size_t taglen = 0;
	if (EVP_MAC_init(cp->poly, block0, POLY1305_KEY_LEN, NULL) != 1 || EVP_MAC_update(cp->poly, wire, len) != 1 ||
	    EVP_MAC_final(cp->poly, tag, &taglen, POLY1305_TAG_LEN) != 1 || taglen != POLY1305_TAG_LEN)
		return BURROW_E_CRYPTO;
	return 0;
}

static int chachapoly_seal(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, uint8_t *tag)
{
	struct chachapoly *cp = (struct chachapoly *)c;
	uint8_t block0[CHACHA_BLOCK_LEN];

	/* Encrypt-then-MAC: the tag covers the ciphertext, so encrypt everything first. */
	int rc = chachapoly_length_xor(cp, seqnr, pkt, pkt);
	if (rc == 0)
		rc = chachapoly_begin(cp, seqnr, block0);
	if (rc == 0)
		rc = chachapoly_xor(cp->main_ctx, pkt + 4, pkt + 4, len - 4);
	if (rc == 0)
		rc = chachapoly_mac(cp, block0, pkt, len, tag);
	crypto_wipe(block0, sizeof(block0));
	return rc;
}

static int chachapoly_open(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, const uint8_t *tag)
{
	struct chachapoly *cp = (struct chachapoly *)c;
	uint8_t block0[CHACHA_BLOCK_LEN];
	uint8_t expected[POLY1305_TAG_LEN];

	/* Authenticate the bytes as received before decrypting any of them. */
	int rc = chachapoly_begin(cp, seqnr, block0);
	if (rc == 0)
		rc = chachapoly_mac(cp, block0, pkt, len, expected);
	if (rc == 0 && !crypto_ct_equal(expected, tag, POLY1305_TAG_LEN))
		rc = BURROW_E_MAC;
	if (rc == 0)
		rc = chachapoly_xor(cp->main_ctx, pkt + 4, pkt + 4, len - 4);
	if (rc == 0)
		rc = chachapoly_length_xor(cp, seqnr, pkt, pkt);
	crypto_wipe(block0, sizeof(block0));
	crypto_wipe(expected, sizeof(expected));
	return rc;
}

static int chachapoly_peek_length(struct pkt_cipher *c, uint32_t seqnr, uint8_t *in, uint32_t *len)
{
	uint8_t clear[4];
	int rc = chachapoly_length_xor((struct chachapoly *)c, seqnr, clear, in);
	*len = rc == 0 ? (uint32_t)clear[0] << 24 | (uint32_t)clear[1] << 16 | (uint32_t)clear[2] << 8 | clear[3] : 0;
	return rc;
}

static void chachapoly_destroy(struct pkt_cipher *c)
{
	struct chachapoly *cp = (struct chachapoly *)c;
	/* The _free calls cleanse the keys and MAC state held inside libcrypto. */
	EVP_CIPHER_CTX_free(cp->main_ctx);
	EVP_CIPHER_CTX_free(cp->header_ctx);
	EVP_MAC_CTX_free(cp->poly);
	crypto_wipe(cp, sizeof(*cp));
	free(cp);
}

static int chachapoly_create(const struct pkt_cipher_alg *alg, const struct pkt_mac_alg *mac, bool encrypt,
			     const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, struct pkt_cipher **out)
{
	struct chachapoly *cp = calloc(1, sizeof(*cp));
	if (!cp)
		return BURROW_E_NOMEM;
	EVP_CIPHER *chacha = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL);
	EVP_MAC *poly1305 = EVP_MAC_fetch(NULL, "POLY1305", NULL);
	cp->main_ctx = EVP_CIPHER_CTX_new();
	cp->header_ctx = EVP_CIPHER_CTX_new();
	cp->poly = poly1305 ? EVP_MAC_CTX_new(poly1305) : NULL;

	int rc = 0;
	if (!chacha || !poly1305 || !cp->main_ctx || !cp->header_ctx || !cp->poly)
		rc = BURROW_E_CRYPTO;
	/* ChaCha20 is its own inverse, so both directions run the contexts as "encrypt". */
	else if (EVP_EncryptInit_ex2(cp->main_ctx, chacha, key, NULL, NULL) != 1 ||
		 EVP_EncryptInit_ex2(cp->header_ctx, chacha, key + CHACHAPOLY_KEY_LEN, NULL, NULL) != 1)
		rc = BURROW_E_CRYPTO;
	EVP_CIPHER_free(chacha); /* the contexts keep their own references */
	EVP_MAC_free(poly1305);
	if (rc < 0) {
		chachapoly_destroy(&cp->base);
		ERR_clear_error();
		return rc;
	}
	memcpy(cp->key, key, sizeof(cp->key));
	*out = &cp->base;
	return 0;
}

/* The nonce is the sequence number, which the connection carries: the keys are all there is. */
static int chachapoly_export_state(const struct pkt_cipher *c, struct pkt_cipher_state *st)
{
	const struct chachapoly *cp = (const struct chachapoly *)c;
	memcpy(st->key, cp->key, sizeof(cp->key));
	return 0;
}

const struct pkt_cipher_mode chachapoly_mode = {
	.create = chachapoly_create,
	.destroy = chachapoly_destroy,
	.peek_length = chachapoly_peek_length,
	.seal = chachapoly_seal,
	.open = chachapoly_open,
	.export_state = chachapoly_export_state,
};
