/*
 * Internal to crypto/: what one packet protection mode (a file such as chachapoly.c) gives the
 * dispatcher in pkt_cipher.c, and the keyed packet MAC (pkt_mac.c) that the modes without a
 * tag of their own use. Nothing outside crypto/ includes this.
 */
#ifndef BURROW_PKT_CIPHER_MODE_H
#define BURROW_PKT_CIPHER_MODE_H

#include "crypto/crypto.h"

/* Every mode's state begins with this header, so a struct pkt_cipher * points at both. */
struct pkt_cipher {
	const struct pkt_cipher_alg *alg;
	const struct pkt_mac_alg *mac; /* NULL for the AEAD modes */
	const struct pkt_cipher_mode *mode;
	bool encrypt;
};

/*
 * pkt_cipher.c has already checked the arguments (direction, len >= 4, non-NULL buffers; for
 * create: alg and mac from our tables, mac and mac_key present exactly when alg->tag_len is 0).
 */
struct pkt_cipher_mode {
	int (*create)(const struct pkt_cipher_alg *alg, const struct pkt_mac_alg *mac, bool encrypt,
		      const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, struct pkt_cipher **out);
	void (*destroy)(struct pkt_cipher *c);
	int (*peek_length)(struct pkt_cipher *c, uint32_t seqnr, uint8_t *in, uint32_t *len);
	int (*seal)(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, uint8_t *tag);
	int (*open)(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, const uint8_t *tag);
	/* Fills st's key, iv, mac_key and head_decrypted (crypto.h, struct pkt_cipher_state). */
	int (*export_state)(const struct pkt_cipher *c, struct pkt_cipher_state *st);
	/* Optional: after create() from st's keys and iv, takes up what create() cannot. */
	void (*resume_state)(struct pkt_cipher *c, const struct pkt_cipher_state *st);
};

extern const struct pkt_cipher_mode chachapoly_mode;
extern const struct pkt_cipher_mode aesgcm_mode;
extern const struct pkt_cipher_mode aesctr_mode;

/*
 * ---- keyed HMAC over a packet (pkt_mac.c) ----
 *
 * The key is absorbed once, at creation; a packet then costs no allocation and no rehashing of
 * the key block.
 */
struct pkt_hmac;
/* True when mac is an entry of our own table (never trust a caller-made struct). */
bool pkt_mac_is_known(const struct pkt_mac_alg *mac);
int pkt_hmac_new(const struct pkt_mac_alg *mac, const uint8_t *key, struct pkt_hmac **out);
void pkt_hmac_free(struct pkt_hmac *h); /* wipes the keyed state; NULL is a no-op */
/* out (mac->mac_len bytes) = HMAC(key, uint32 seqnr || data[0..n)), RFC 4253 6.4. */
int pkt_hmac_compute(struct pkt_hmac *h, uint32_t seqnr, const uint8_t *data, size_t n, uint8_t *out);
/* 0 when tag is HMAC(key, uint32 seqnr || data[0..n)), compared in constant time; BURROW_E_MAC when not. */
int pkt_hmac_verify(struct pkt_hmac *h, uint32_t seqnr, const uint8_t *data, size_t n, const uint8_t *tag);

#endif
