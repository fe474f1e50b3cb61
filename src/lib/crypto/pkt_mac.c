/*
 * The packet MACs by SSH name (RFC 4253 6.4, RFC 6668, OpenSSH PROTOCOL 1.5) and the keyed
 * HMAC (RFC 2104) behind all of them.
 *
 * Why libcrypto's low-level SHA functions (deprecated in 3.0) rather than EVP: HMAC restarts
 * every packet from the hash states after the key blocks K ^ ipad and K ^ opad. libcrypto 3.0
 * has no allocation-free way to restart an EVP digest: EVP_MAC_init without a key,
 * EVP_MD_CTX_copy_ex and even EVP_DigestInit_ex on a used context each free and reallocate the
 * provider's digest state (measured on 3.0.19: one to two allocations per packet). SHA*_CTX are
 * plain structs, so both starting states are computed once and copied by assignment; they run
 * the same assembly (SHA-NI, AVX2) as the EVP digests.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* this file only: see above */

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "crypto/pkt_cipher_mode.h"

#ifdef OPENSSL_NO_DEPRECATED_3_0
#error "pkt_mac.c needs the SHA1/SHA256/SHA512 functions of a libcrypto built with deprecated APIs"
#endif

#define HMAC_MAX_BLOCK_LEN 128 /* SHA-512; SHA-1 and SHA-256 use 64 */
#define HMAC_IPAD 0x36         /* RFC 2104 2 */
#define HMAC_OPAD 0x5c

static const struct pkt_mac_alg pkt_mac_table[] = {
	/* RFC 6668 2 and RFC 4253 6.4: key and MAC as long as the hash. */
	{ "hmac-sha2-256", HASH_SHA256, 32, 32, false },
	{ "hmac-sha2-512", HASH_SHA512, 64, 64, false },
	{ "hmac-sha1", HASH_SHA1, 20, 20, false },
	/* OpenSSH PROTOCOL 1.5: the same MACs, computed over the packet as sent (encrypt-then-MAC). */
	{ "hmac-sha2-256-etm@openssh.com", HASH_SHA256, 32, 32, true },
	{ "hmac-sha2-512-etm@openssh.com", HASH_SHA512, 64, 64, true },
	{ "hmac-sha1-etm@openssh.com", HASH_SHA1, 20, 20, true },
};

#define PKT_MAC_COUNT (sizeof(pkt_mac_table) / sizeof(pkt_mac_table[0]))

const struct pkt_mac_alg *pkt_mac_find(const char *name, size_t name_len)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < PKT_MAC_COUNT; i++) {
		const char *known = pkt_mac_table[i].name;
		if (strlen(known) == name_len && memcmp(known, name, name_len) == 0)
			return &pkt_mac_table[i];
	}
	return NULL;
}

bool pkt_mac_is_known(const struct pkt_mac_alg *mac)
{
	for (size_t i = 0; i < PKT_MAC_COUNT; i++)
		if (mac == &pkt_mac_table[i])
			return true;
	return false;
}

/* ---- the three hashes as values ---- */

union sha_state {
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512;
};

static size_t sha_block_len(enum hash_alg alg)
{
	return alg == HASH_SHA512 ? SHA512_CBLOCK : SHA_CBLOCK; /* SHA256_CBLOCK == SHA_CBLOCK */
}

static int sha_init(enum hash_alg alg, union sha_state *s)
{
	int ok = 0;
	switch (alg) {
	case HASH_SHA1: ok = SHA1_Init(&s->sha1); break;
	case HASH_SHA256: ok = SHA256_Init(&s->sha256); break;
	case HASH_SHA512: ok = SHA512_Init(&s->sha512); break;
	default: return BURROW_E_INVALID;
	}
	return ok == 1 ? 0 : BURROW_E_CRYPTO;
}

static int sha_update(enum hash_alg alg, union sha_state *s, const void *data, size_t n)
{
	int ok = 0;
	switch (alg) {
	case HASH_SHA1: ok = SHA1_Update(&s->sha1, data, n); break;
	case HASH_SHA256: ok = SHA256_Update(&s->sha256, data, n); break;
	case HASH_SHA512: ok = SHA512_Update(&s->sha512, data, n); break;
	default: return BURROW_E_INVALID;
	}
	return ok == 1 ? 0 : BURROW_E_CRYPTO;
}

static int sha_final(enum hash_alg alg, union sha_state *s, uint8_t *out)
{
	int ok = 0;
	switch (alg) {
	case HASH_SHA1: ok = SHA1_Final(out, &s->sha1); break;
	case HASH_SHA256: ok = SHA256_Final(out, &s->sha256); break;
	case HASH_SHA512: ok = SHA512_Final(out, &s->sha512); break;
	default: return BURROW_E_INVALID;
	}
	return ok == 1 ? 0 : BURROW_E_CRYPTO;
}

/* ---- keyed HMAC ---- */

struct pkt_hmac {
	const struct pkt_mac_alg *mac;
	union sha_state inner; /* after absorbing K ^ ipad */
	union sha_state outer; /* after absorbing K ^ opad */
};

void pkt_hmac_free(struct pkt_hmac *h)
{
	if (!h)
		return;
	crypto_wipe(h, sizeof(*h)); /* the two states are as good as the key */
	free(h);
}

int pkt_hmac_new(const struct pkt_mac_alg *mac, const uint8_t *key, struct pkt_hmac **out)
{
	*out = NULL;
	size_t block_len = sha_block_len(mac->hash);
	/* RFC 2104 2 hashes longer keys first; every SSH MAC key is as long as the hash, shorter. */
	if (mac->key_len > block_len)
		return BURROW_E_INVALID;
	struct pkt_hmac *h = calloc(1, sizeof(*h));
	if (!h)
		return BURROW_E_NOMEM;
	h->mac = mac;

	uint8_t pad[HMAC_MAX_BLOCK_LEN] = { 0 };
	memcpy(pad, key, mac->key_len);
	for (size_t i = 0; i < block_len; i++)
		pad[i] ^= HMAC_IPAD;
	int rc = sha_init(mac->hash, &h->inner);
	if (rc == 0)
		rc = sha_update(mac->hash, &h->inner, pad, block_len);
	for (size_t i = 0; i < block_len; i++)
		pad[i] ^= HMAC_IPAD ^ HMAC_OPAD;
	if (rc == 0)
		rc = sha_init(mac->hash, &h->outer);
	if (rc == 0)
		rc = sha_update(mac->hash, &h->outer, pad, block_len);
	crypto_wipe(pad, sizeof(pad));
	if (rc < 0) {
		pkt_hmac_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

int pkt_hmac_compute(struct pkt_hmac *h, uint32_t seqnr, const uint8_t *data, size_t n, uint8_t *out)
{
	const enum hash_alg alg = h->mac->hash;
	const uint8_t seq[4] = { (uint8_t)(seqnr >> 24), (uint8_t)(seqnr >> 16), (uint8_t)(seqnr >> 8), (uint8_t)seqnr };
	uint8_t digest[HASH_MAX_LEN];
	union sha_state work = h->inner;

	int rc = sha_update(alg, &work, seq, sizeof(seq));
	if (rc == 0)
		rc = sha_update(alg, &work, data, n);
	if (rc == 0)
		rc = sha_final(alg, &work, digest);
	if (rc == 0) {
		work = h->outer;
		rc = sha_update(alg, &work, digest, hash_len(alg));
	}
	if (rc == 0)
		rc = sha_final(alg, &work, digest);
	if (rc == 0)
		memcpy(out, digest, h->mac->mac_len); /* out holds mac_len bytes, which may be fewer */
	crypto_wipe(&work, sizeof(work));
	crypto_wipe(digest, sizeof(digest));
	return rc;
}

int pkt_hmac_verify(struct pkt_hmac *h, uint32_t seqnr, const uint8_t *data, size_t n, const uint8_t *tag)
{
	uint8_t expected[HASH_MAX_LEN];
	int rc = pkt_hmac_compute(h, seqnr, data, n, expected);
	if (rc == 0 && !crypto_ct_equal(expected, tag, h->mac->mac_len))
		rc = BURROW_E_MAC;
	crypto_wipe(expected, sizeof(expected));
	return rc;
}
