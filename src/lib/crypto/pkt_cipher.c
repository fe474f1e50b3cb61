/* The table of packet ciphers by SSH name, and dispatch to the mode that implements each. */
#include <limits.h>
#include <string.h>

#include "crypto/pkt_cipher_mode.h"

/* libcrypto counts bytes in int; a packet anywhere near that is a caller bug, not traffic. */
#define PKT_CIPHER_MAX_LEN ((size_t)INT_MAX - 64)

static const struct pkt_cipher_entry {
	struct pkt_cipher_alg alg;
	const struct pkt_cipher_mode *mode;
} pkt_cipher_table[] = {
	/* PROTOCOL.chacha20poly1305: 64 bytes of key, no IV, 8-byte padding multiple. */
	{ { "chacha20-poly1305@openssh.com", 64, 0, 8, 16, true }, &chachapoly_mode },
	/* RFC 5647 7.1: 12-byte IV, 16-byte blocks and tag; OpenSSH's names for the same modes. */
	{ { "aes128-gcm@openssh.com", 16, 12, 16, 16, false }, &aesgcm_mode },
	{ { "aes256-gcm@openssh.com", 32, 12, 16, 16, false }, &aesgcm_mode },
};

#define PKT_CIPHER_COUNT (sizeof(pkt_cipher_table) / sizeof(pkt_cipher_table[0]))

const struct pkt_cipher_alg *pkt_cipher_find(const char *name, size_t name_len)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < PKT_CIPHER_COUNT; i++) {
		const char *known = pkt_cipher_table[i].alg.name;
		if (strlen(known) == name_len && memcmp(known, name, name_len) == 0)
			return &pkt_cipher_table[i].alg;
	}
	return NULL;
}

int pkt_cipher_new(const struct pkt_cipher_alg *alg, bool encrypt, const uint8_t *key,
		   const uint8_t *iv, struct pkt_cipher **out)
{
	if (!out)
		return BURROW_E_INVALID;
	*out = NULL;
	/* Only our own table entries: the mode is found from the entry, never trusted from outside. */
	const struct pkt_cipher_entry *entry = NULL;
	for (size_t i = 0; i < PKT_CIPHER_COUNT; i++)
		if (alg == &pkt_cipher_table[i].alg)
			entry = &pkt_cipher_table[i];
	if (!entry || !key || (alg->iv_len && !iv))
		return BURROW_E_INVALID;
	struct pkt_cipher *c = NULL;
	int rc = entry->mode->create(alg, encrypt, key, iv, &c);
	if (rc < 0)
		return rc;
	c->alg = alg;
	c->mode = entry->mode;
	c->encrypt = encrypt;
	*out = c;
	return 0;
}

void pkt_cipher_free(struct pkt_cipher *c)
{
	if (c)
		c->mode->destroy(c);
}

const struct pkt_cipher_alg *pkt_cipher_alg(const struct pkt_cipher *c)
{
	return c ? c->alg : NULL;
}

int pkt_cipher_peek_length(struct pkt_cipher *c, uint32_t seqnr, const uint8_t in[4], uint32_t *len)
{
	if (!c || !in || !len)
		return BURROW_E_INVALID;
	if (c->encrypt)
		return BURROW_E_STATE;
	return c->mode->peek_length(c, seqnr, in, len);
}

int pkt_cipher_seal(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, uint8_t *tag)
{
	if (!c || !pkt || !tag || len < 4)
		return BURROW_E_INVALID;
	if (len > PKT_CIPHER_MAX_LEN)
		return BURROW_E_TOOBIG;
	if (!c->encrypt)
		return BURROW_E_STATE;
	return c->mode->seal(c, seqnr, pkt, len, tag);
}

int pkt_cipher_open(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, const uint8_t *tag)
{
	if (!c || !pkt || !tag || len < 4)
		return BURROW_E_INVALID;
	if (len > PKT_CIPHER_MAX_LEN)
		return BURROW_E_TOOBIG;
	if (c->encrypt)
		return BURROW_E_STATE;
	return c->mode->open(c, seqnr, pkt, len, tag);
}
