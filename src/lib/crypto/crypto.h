/*
 * The crypto seam: the only interface through which libburrow reaches cryptography.
 * Everything here is implemented over OpenSSL libcrypto 3.x (EVP), except primitives that
 * libcrypto 3.0 lacks, which live in their own files with known-answer tests.
 *
 * All functions return 0 on success or a negative BURROW_E_* code.
 */
#ifndef BURROW_CRYPTO_H
#define BURROW_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow/error.h"

/* ---- basics (random.c, ct.c) ---- */
int crypto_random(void *out, size_t n);
/* 1 when equal, 0 otherwise; time depends only on n. Use for every MAC, tag, key or hash. */
int crypto_ct_equal(const void *a, const void *b, size_t n);
/* Zeroes memory in a way the compiler may not drop. */
void crypto_wipe(void *p, size_t n);

/* ---- hashes and HMAC (hash.c) ---- */
enum hash_alg { HASH_SHA1, HASH_SHA256, HASH_SHA384, HASH_SHA512 };
#define HASH_MAX_LEN 64
size_t hash_len(enum hash_alg alg);
int hash_oneshot(enum hash_alg alg, const void *data, size_t n, uint8_t *out);

struct hash_ctx;
int hash_new(enum hash_alg alg, struct hash_ctx **out);
int hash_update(struct hash_ctx *ctx, const void *data, size_t n);
int hash_final(struct hash_ctx *ctx, uint8_t *out);       /* ctx may not be updated afterwards */
int hash_dup(const struct hash_ctx *ctx, struct hash_ctx **out); /* copy of the running state */
void hash_free(struct hash_ctx *ctx);

int hmac_oneshot(enum hash_alg alg, const void *key, size_t klen, const void *data, size_t n, uint8_t *out);

/* ---- X25519 (x25519.c), RFC 7748 ---- */
int x25519_keygen(uint8_t priv[32], uint8_t pub[32]);
/* BURROW_E_CRYPTO when the shared secret is all zero (low-order peer point, RFC 7748 6.1). */
int x25519_shared(const uint8_t priv[32], const uint8_t peer_pub[32], uint8_t shared[32]);

/* ---- Ed25519 (ed25519.c), RFC 8032; a private key is its 32-byte seed ---- */
int ed25519_keygen(uint8_t seed[32], uint8_t pub[32]);
int ed25519_public_from_seed(const uint8_t seed[32], uint8_t pub[32]);
int ed25519_sign(const uint8_t seed[32], const void *msg, size_t n, uint8_t sig[64]);
/* 0 when valid, BURROW_E_SIGNATURE when not. */
int ed25519_verify(const uint8_t pub[32], const void *msg, size_t n, const uint8_t sig[64]);

/*
 * ---- packet protection (pkt_cipher.c + one file per mode) ----
 *
 * A packet as handed to seal/open is the whole binary packet of RFC 4253 section 6:
 * uint32 packet_length || byte padding_length || payload || padding, `len` bytes in all,
 * followed (outside `len`) by tag_len bytes of authentication tag.
 *
 * AEAD modes (chacha20-poly1305@openssh.com, aes*-gcm@openssh.com) encrypt and authenticate
 * in place. For aes-gcm the 4 length bytes stay in the clear and are authenticated as AAD;
 * for chacha20-poly1305 they are encrypted with the header key (PROTOCOL.chacha20poly1305).
 */
struct pkt_cipher_alg {
	const char *name;
	size_t key_len;     /* bytes of encryption key to derive */
	size_t iv_len;      /* bytes of IV to derive (0 for chacha20-poly1305) */
	size_t block_size;  /* padding multiple (8 for chacha20-poly1305, 16 for AES) */
	size_t tag_len;     /* 16 for the AEAD modes; 0 for a cipher that needs a MAC (aes*-ctr) */
	bool length_encrypted; /* true: the cipher itself encrypts the 4 length bytes (chacha20-poly1305);
				* for aes*-ctr it depends on the MAC: see pkt_cipher_length_is_aad() */
};

/* Looks up a cipher by its SSH name; NULL when unknown. */
const struct pkt_cipher_alg *pkt_cipher_find(const char *name, size_t name_len);

struct pkt_cipher;
int pkt_cipher_new(const struct pkt_cipher_alg *alg, bool encrypt, const uint8_t *key,
		   const uint8_t *iv, struct pkt_cipher **out);
void pkt_cipher_free(struct pkt_cipher *c); /* wipes key material; NULL is a no-op */
const struct pkt_cipher_alg *pkt_cipher_alg(const struct pkt_cipher *c);

/*
 * Recovers packet_length from the first pkt_cipher_peek_size() bytes of a packet as received.
 * Call it exactly once per packet, before pkt_cipher_open() of that packet, on the same bytes.
 * Only encrypt-and-MAC modes (aes*-ctr with a non-etm MAC) write to in: they decrypt its first
 * cipher block in place, and open then continues after it (BURROW_E_STATE on a second peek,
 * or on an open without a peek). Every other mode leaves in unchanged.
 */
int pkt_cipher_peek_length(struct pkt_cipher *c, uint32_t seqnr, uint8_t *in, uint32_t *len);
/* Encrypts pkt[0..len) in place and writes pkt_cipher_tag_len() bytes to tag. */
int pkt_cipher_seal(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, uint8_t *tag);
/* Verifies tag (constant time); BURROW_E_MAC on mismatch, and then no plaintext is left in pkt
 * (chacha20-poly1305 and -etm MACs check before decrypting; aes-gcm checks in libcrypto's single
 * pass and wipes pkt[4..len) on failure; encrypt-and-MAC can only check the plaintext, and wipes
 * pkt[0..len) on failure). On success pkt[0..len) holds the plaintext packet, length bytes
 * included. aes-gcm needs (len - 4) to be a multiple of 16 (BURROW_E_INVALID if not); its IV
 * counter advances only on success. The aes*-ctr counter runs on across packets; after a
 * MAC error it is defined only for -etm (not advanced), so end the connection either way. */
int pkt_cipher_open(struct pkt_cipher *c, uint32_t seqnr, uint8_t *pkt, size_t len, const uint8_t *tag);

/*
 * ---- ciphers that need a MAC (aes*-ctr) and the MACs (RFC 4253 6.4, RFC 6668, OpenSSH -etm) ----
 *
 * A cipher whose alg->tag_len is 0 is created with pkt_cipher_new_with_mac() (pkt_cipher_new()
 * refuses it with BURROW_E_INVALID, and pkt_cipher_new_with_mac() refuses an AEAD cipher); its
 * "tag" is then the MAC. Encrypt-and-MAC (hmac-sha2-256): MAC = HMAC(key, uint32 seqnr ||
 * plaintext packet), the length is encrypted, the padding alignment covers the length. Encrypt-then-MAC
 * (hmac-sha2-256-etm@openssh.com): the length stays in clear, MAC = HMAC(key, uint32 seqnr ||
 * length || ciphertext), checked (constant time) before anything is decrypted.
 */
struct pkt_mac_alg {
	const char *name;
	enum hash_alg hash;
	size_t key_len;   /* bytes of MAC key to derive */
	size_t mac_len;   /* bytes on the wire */
	bool etm;
};
/* Looks up a MAC by its SSH name; NULL when unknown. */
const struct pkt_mac_alg *pkt_mac_find(const char *name, size_t name_len);
/* mac from pkt_mac_find(); mac_key is mac->key_len bytes, iv alg->iv_len bytes. */
int pkt_cipher_new_with_mac(const struct pkt_cipher_alg *alg, const struct pkt_mac_alg *mac, bool encrypt,
			    const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, struct pkt_cipher **out);
/* Bytes after the packet: the AEAD tag or the MAC. */
size_t pkt_cipher_tag_len(const struct pkt_cipher *c);
/* True for AEAD and -etm: the 4 length bytes are outside the padding alignment (OpenSSH's aadlen). */
bool pkt_cipher_length_is_aad(const struct pkt_cipher *c);
/* Bytes that must be present for pkt_cipher_peek_length(): 4, or one cipher block for
 * encrypt-and-MAC, whose peek decrypts that first block in place (open then skips it). */
size_t pkt_cipher_peek_size(const struct pkt_cipher *c);

#endif
