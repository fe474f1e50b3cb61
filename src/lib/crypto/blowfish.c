/*
 * Blowfish (Schneier, "Description of a New Variable-Length Key, 64-Bit Block Cipher", 1993),
 * with the "expensive key schedule" variants that bcrypt (Provos and Mazieres, 1999) adds:
 * keying with a salt mixed in, and keying without resetting to pi.
 * Only bcrypt_pbkdf uses it; libcrypto 3 hides its Blowfish in the legacy provider.
 */
#include <string.h>

#include "crypto.h"
#include "blowfish_pi.h"

static uint32_t blowfish_f(const struct blowfish *bf, uint32_t x)
{
	uint32_t h = bf->s[0][x >> 24] + bf->s[1][(x >> 16) & 0xff];
	return (h ^ bf->s[2][(x >> 8) & 0xff]) + bf->s[3][x & 0xff];
}

void blowfish_encrypt_block(const struct blowfish *bf, uint32_t *left, uint32_t *right)
{
	uint32_t l = *left, r = *right;
	l ^= bf->p[0];
	for (int i = 1; i <= BLOWFISH_ROUNDS; i += 2) {
		r ^= blowfish_f(bf, l) ^ bf->p[i];
		l ^= blowfish_f(bf, r) ^ bf->p[i + 1];
	}
	r ^= bf->p[BLOWFISH_ROUNDS + 1];
	*left = r; /* the last round's swap is undone */
	*right = l;
}

void blowfish_decrypt_block(const struct blowfish *bf, uint32_t *left, uint32_t *right)
{
	uint32_t l = *left, r = *right;
	l ^= bf->p[BLOWFISH_ROUNDS + 1];
	for (int i = BLOWFISH_ROUNDS; i >= 1; i -= 2) {
		r ^= blowfish_f(bf, l) ^ bf->p[i];
		l ^= blowfish_f(bf, r) ^ bf->p[i - 1];
	}
	r ^= bf->p[0];
	*left = r;
	*right = l;
}

void blowfish_init(struct blowfish *bf)
{
	memcpy(bf->p, blowfish_pi_p, sizeof(bf->p));
	memcpy(bf->s, blowfish_pi_s, sizeof(bf->s));
}

/* The next 32 bits of data, big-endian, wrapping around to its start (bcrypt's stream2word). */
static uint32_t blowfish_stream_word(const uint8_t *data, size_t len, size_t *pos)
{
	uint32_t w = 0;
	for (int i = 0; i < 4; i++) {
		if (*pos >= len)
			*pos = 0;
		w = (w << 8) | data[(*pos)++];
	}
	return w;
}

/* The chained encryption of a block that before each step takes in the next 64 bits of salt
 * (none when salt_len is 0) replaces `words`, two at a time. */
struct blowfish_chain {
	uint32_t l, r;
	size_t salt_pos;
};

static void blowfish_fill(struct blowfish *bf, struct blowfish_chain *c, uint32_t *words, size_t n,
			  const uint8_t *salt, size_t salt_len)
{
	for (size_t i = 0; i < n; i += 2) {
		if (salt_len) {
			c->l ^= blowfish_stream_word(salt, salt_len, &c->salt_pos);
			c->r ^= blowfish_stream_word(salt, salt_len, &c->salt_pos);
		}
		blowfish_encrypt_block(bf, &c->l, &c->r);
		words[i] = c->l;
		words[i + 1] = c->r;
	}
}

/* XORs the key into P, then refills P and the S-boxes by the chain. */
static void blowfish_schedule(struct blowfish *bf, const uint8_t *salt, size_t salt_len, const uint8_t *key,
			      size_t key_len)
{
	if (key_len == 0)
		return; /* a key must have bytes to cycle through; callers never pass none */
	size_t pos = 0;
	for (int i = 0; i < BLOWFISH_ROUNDS + 2; i++)
		bf->p[i] ^= blowfish_stream_word(key, key_len, &pos);

	struct blowfish_chain c = { 0, 0, 0 };
	blowfish_fill(bf, &c, bf->p, BLOWFISH_ROUNDS + 2, salt, salt_len);
	for (int box = 0; box < 4; box++)
		blowfish_fill(bf, &c, bf->s[box], 256, salt, salt_len);
	crypto_wipe(&c, sizeof(c));
}

void blowfish_expand_key(struct blowfish *bf, const uint8_t *key, size_t key_len)
{
	blowfish_schedule(bf, NULL, 0, key, key_len);
}

void blowfish_expand_key_salt(struct blowfish *bf, const uint8_t *salt, size_t salt_len, const uint8_t *key,
			      size_t key_len)
{
	blowfish_schedule(bf, salt, salt_len, key, key_len);
}
