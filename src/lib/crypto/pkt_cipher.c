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
	/* RFC 4344 4: the 16-byte IV is the initial counter. No tag: these need a MAC (pkt_mac.c). */
	{ { "aes128-ctr", 16, 16, 16, 0, false }, &aesctr_mode },
	{ { "aes192-ctr", 24, 16, 16, 0, false }, &aesctr_mode },
	{ { "aes256-ctr", 32, 16, 16, 0, false }, &aesctr_mode },
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

/* Only our own table entries: the mode is found from the entry, never trusted from outside. */
static const struct pkt_cipher_entry *pkt_cipher_entry_of(const struct pkt_cipher_alg *alg)
{
	for (size_t i = 0; i < PKT_CIPHER_COUNT; i++)
		if (alg == &pkt_cipher_table[i].alg)
			return &pkt_cipher_table[i];
	return NULL;
}

static int pkt_cipher_create(const struct pkt_cipher_entry *entry, const struct pkt_mac_alg *mac, bool encrypt,
			     const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, struct pkt_cipher **out)
{
	struct pkt_cipher *c = NULL;
	int rc = entry->mode->create(&entry->alg, mac, encrypt, key, iv, mac_key, &c);
	if (rc < 0)
		return rc;
	c->alg = &entry->alg;
	c->mac = mac;
	c->mode = entry->mode;
	c->encrypt = encrypt;
	*out = c;
	return 0;
}

int pkt_cipher_new(const struct pkt_cipher_alg *alg, bool encrypt, const uint8_t *key,
		   const uint8_t *iv, struct pkt_cipher **out)
{
	if (!out)
		return BURROW_E_INVALID;
	*out = NULL;
	const struct pkt_cipher_entry *entry = pkt_cipher_entry_of(alg);
	/* A cipher without a tag of its own would send packets nobody authenticates. */
	if (!entry || alg->tag_len == 0 || !key || (alg->iv_len && !iv))
		return BURROW_E_INVALID;
	return pkt_cipher_create(entry, NULL, encrypt, key, iv, NULL, out);
}

int pkt_cipher_new_with_mac(const struct pkt_cipher_alg *alg, const struct pkt_mac_alg *mac, bool encrypt,
			    const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, struct pkt_cipher **out)
{
	if (!out)
		return BURROW_E_INVALID;
	*out = NULL;
	const struct pkt_cipher_entry *entry = pkt_cipher_entry_of(alg);
	/* An AEAD cipher's tag is its MAC: there is no second one to add. */
	if (!entry || alg->tag_len != 0 || !pkt_mac_is_known(mac) || !key || !mac_key || (alg->iv_len && !iv))
		return BURROW_E_INVALID;
	return pkt_cipher_create(entry, mac, encrypt, key, iv, mac_key, out);
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

size_t pkt_cipher_tag_len(const struct pkt_cipher *c)
{
	if (!c)
		return 0;
	return c->mac ? c->mac->mac_len : c->alg->tag_len;
}

bool pkt_cipher_length_is_aad(const struct pkt_cipher *c)
{
	return c && (!c->mac || c->mac->etm);
}

size_t pkt_cipher_peek_size(const struct pkt_cipher *c)
{
	return c && c->mac && !c->mac->etm ? c->alg->block_size : 4;
}

int pkt_cipher_peek_length(struct pkt_cipher *c, uint32_t seqnr, uint8_t *in, uint32_t *len)
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

/* ---- running state, for moving a connection to another process ---- */

int pkt_cipher_export_state(const struct pkt_cipher *c, struct pkt_cipher_state *out)
{
	if (!c || !out)
		return BURROW_E_INVALID;
	memset(out, 0, sizeof(*out));
	out->alg = c->alg;
	out->mac = c->mac;
	out->encrypt = c->encrypt;
	int rc = c->mode->export_state(c, out);
	if (rc < 0)
		crypto_wipe(out, sizeof(*out));
	return rc;
}

int pkt_cipher_new_from_state(const struct pkt_cipher_state *st, struct pkt_cipher **out)
{
	if (!out || !st)
		return BURROW_E_INVALID;
	*out = NULL;
	if (!pkt_cipher_entry_of(st->alg) || st->alg->key_len > PKT_CIPHER_STATE_KEY_MAX ||
	    st->alg->iv_len > PKT_CIPHER_STATE_IV_MAX)
		return BURROW_E_INVALID;
	const uint8_t *iv = st->alg->iv_len ? st->iv : NULL;
	int rc = st->mac ? pkt_cipher_new_with_mac(st->alg, st->mac, st->encrypt, st->key, iv, st->mac_key, out)
			 : pkt_cipher_new(st->alg, st->encrypt, st->key, iv, out);
	if (rc < 0)
		return rc;
	/* Only a receiver can be half way through a packet. */
	if (st->head_decrypted && (st->encrypt || !(*out)->mode->resume_state)) {
		pkt_cipher_free(*out);
		*out = NULL;
		return BURROW_E_INVALID;
	}
	if ((*out)->mode->resume_state)
		(*out)->mode->resume_state(*out, st);
	return 0;
}
