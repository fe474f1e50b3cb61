/*
 * Internal to crypto/: what one packet protection mode (a file such as chachapoly.c) gives the
 * dispatcher in pkt_cipher.c. Nothing outside crypto/ includes this.
 */
#ifndef BURROW_PKT_CIPHER_MODE_H
#define BURROW_PKT_CIPHER_MODE_H

#include "crypto/crypto.h"

/* Every mode's state begins with this header, so a struct pkt_cipher * points at both. */
struct pkt_cipher {
	const struct pkt_cipher_alg *alg;
	const struct pkt_cipher_mode *mode;
	bool encrypt;
};

/* pkt_cipher.c has already checked the arguments (direction, len >= 4, non-NULL buffers). */
struct pkt_cipher_mode {
	int (*create)(const struct pkt_cipher_alg *alg, bool encrypt, const uint8_t *key,
		      const uint8_t *iv, struct pkt_cipher **out);
	void (*destroy)(struct pkt_cipher *c);
	int (*peek_length)(struct pkt_cipher *c, uint32_t seqnr, const uint8_t in[4], uint32_t *len);
	int (*seal)(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, uint8_t *tag);
	int (*open)(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, const uint8_t *tag);
};

extern const struct pkt_cipher_mode chachapoly_mode;
extern const struct pkt_cipher_mode aesgcm_mode;

#endif
