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

/*
 * ---- a packet cipher's running state, to continue it in another process (conn_export.c) ----
 *
 * Everything a fresh object needs to go on byte-exactly: the keys, and where the stream stands
 * (iv: the next AES-CTR counter block, the next AES-GCM IV; chacha20-poly1305 keeps nothing
 * but keys, its nonce is the sequence number). The objects keep a copy of their keys for this,
 * so sealing and opening packets do no extra work. The state holds secrets: crypto_wipe it.
 */
#define PKT_CIPHER_STATE_KEY_MAX 64
#define PKT_CIPHER_STATE_IV_MAX 16
struct pkt_cipher_state {
	const struct pkt_cipher_alg *alg;
	const struct pkt_mac_alg *mac;      /* NULL for the AEAD ciphers */
	bool encrypt;
	uint8_t key[PKT_CIPHER_STATE_KEY_MAX];   /* alg->key_len bytes */
	uint8_t iv[PKT_CIPHER_STATE_IV_MAX];     /* alg->iv_len bytes, the position now */
	uint8_t mac_key[HASH_MAX_LEN];           /* mac->key_len bytes */
	bool head_decrypted;                     /* encrypt-and-MAC receiver between peek and open */
};
int pkt_cipher_export_state(const struct pkt_cipher *c, struct pkt_cipher_state *out);
/* st->alg and st->mac must come from pkt_cipher_find() / pkt_mac_find(). */
int pkt_cipher_new_from_state(const struct pkt_cipher_state *st, struct pkt_cipher **out);

/* ==== key exchange primitives: ECDH over the NIST curves, finite-field DH (kex engineer) ==== */

/*
 * ---- ECDH over P-256/384/521 (ecdh.c), RFC 5656 4 / SEC1 ----
 * Public keys are uncompressed SEC1 points (0x04 || X || Y); the shared secret is the
 * x-coordinate of the product, big-endian, exactly ecdh_secret_len() bytes.
 */
enum ecdh_curve { ECDH_P256, ECDH_P384, ECDH_P521 };
size_t ecdh_point_len(enum ecdh_curve curve);  /* 65, 97, 133 */
size_t ecdh_secret_len(enum ecdh_curve curve); /* 32, 48, 66 */
struct ecdh_key;
int ecdh_key_new(enum ecdh_curve curve, struct ecdh_key **out);
/* A key from a known private scalar (big-endian), for known-answer tests. */
int ecdh_key_new_from_private(enum ecdh_curve curve, const uint8_t *priv, size_t len, struct ecdh_key **out);
/* Writes our public point, ecdh_point_len() bytes, to out. */
int ecdh_public(const struct ecdh_key *key, uint8_t *out, size_t out_len);
/* BURROW_E_CRYPTO unless peer is an uncompressed point of the right length on the curve, not the
 * point at infinity, in the prime-order group (full public key check). x: ecdh_secret_len() bytes. */
int ecdh_shared(const struct ecdh_key *key, const uint8_t *peer, size_t peer_len, uint8_t *x, size_t x_len);
void ecdh_key_free(struct ecdh_key *key); /* NULL is a no-op; the private scalar is wiped */

/*
 * ---- finite-field Diffie-Hellman (dh.c, dh_groups.c), RFC 4253 8, RFC 3526, RFC 4419 ----
 * Numbers cross this interface as unsigned big-endian magnitudes (leading zeros allowed on input).
 */
struct dh_group {
	const char *name;
	const uint8_t *p;
	size_t p_len;
	const uint8_t *g;
	size_t g_len;
	unsigned bits;      /* of p */
	unsigned strength;  /* estimated symmetric strength in bits (RFC 3526 8, NIST SP 800-57) */
};
extern const struct dh_group dh_group1;  /* RFC 2409 Oakley group 2, 1024 bits: legacy only */
extern const struct dh_group dh_group14, dh_group15, dh_group16, dh_group17, dh_group18; /* RFC 3526 */

#define DH_MAX_BYTES 1024  /* 8192-bit numbers: the largest group we use or accept */
/* Bits of an unsigned big-endian number (0 for zero). */
unsigned dh_bits(const uint8_t *n, size_t len);
/* Plausibility of a group received in group exchange (RFC 4419 3): p odd and of min_bits..max_bits
 * bits, 1 < g < p - 1. BURROW_E_CRYPTO if not. (Primality is the server's responsibility.) */
int dh_check_group(const uint8_t *p, size_t p_len, const uint8_t *g, size_t g_len, unsigned min_bits,
		   unsigned max_bits);
/* A peer's public value is acceptable: 1 < y < p - 1 (RFC 4253 8, RFC 8268 4) and, as OpenSSH asks,
 * more than 3 bits set (a power of 2 gives its discrete log away). */
bool dh_public_is_valid(const uint8_t *p, size_t p_len, const uint8_t *y, size_t y_len);
struct dh_key;
/* A fresh secret exponent x of exponent_bits bits (at most bits(p) - 1) and y = g^x mod p. */
int dh_key_new(const uint8_t *p, size_t p_len, const uint8_t *g, size_t g_len, unsigned exponent_bits,
	       struct dh_key **out);
/* Our public value g^x mod p, left-padded with zeros to p_len bytes. */
int dh_public(const struct dh_key *key, uint8_t *out, size_t p_len);
/* peer^x mod p, left-padded to p_len bytes; BURROW_E_CRYPTO if !dh_public_is_valid(peer). */
int dh_shared(const struct dh_key *key, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t p_len);
size_t dh_key_p_len(const struct dh_key *key);
void dh_key_free(struct dh_key *key); /* NULL is a no-op; the exponent is wiped */

/* ==== end of key exchange primitives ==== */

/* ==== signature primitives: ECDSA over the NIST curves, RSA PKCS#1 v1.5 (host keys engineer) ==== */

/*
 * ---- ECDSA over P-256/384/521 (ecdsa.c), RFC 5656 3, SEC1, FIPS 186-4 ----
 * Public keys are uncompressed SEC1 points (0x04 || X || Y); the private scalar and the
 * signature's r and s cross as unsigned big-endian magnitudes. The curve picks the digest
 * (RFC 5656 6.2.1): SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521.
 */
enum ecdsa_curve { ECDSA_P256, ECDSA_P384, ECDSA_P521 };
#define ECDSA_MAX_SCALAR_LEN 66                         /* P-521 */
#define ECDSA_MAX_POINT_LEN (1 + 2 * ECDSA_MAX_SCALAR_LEN)
size_t ecdsa_scalar_len(enum ecdsa_curve curve); /* 32, 48, 66: bytes of the group order */
size_t ecdsa_point_len(enum ecdsa_curve curve);  /* 65, 97, 133 */
unsigned ecdsa_bits(enum ecdsa_curve curve);     /* 256, 384, 521 */
struct ecdsa_key;
int ecdsa_keygen(enum ecdsa_curve curve, struct ecdsa_key **out);
/* BURROW_E_CRYPTO unless point is uncompressed, of the curve's length, and passes the full public
 * key check (on the curve, not infinity, in the prime-order group). */
int ecdsa_key_from_public(enum ecdsa_curve curve, const uint8_t *point, size_t point_len, struct ecdsa_key **out);
/* A key pair; BURROW_E_CRYPTO unless the point passes the public check, 1 <= d < n and d*G is the point. */
int ecdsa_key_from_private(enum ecdsa_curve curve, const uint8_t *point, size_t point_len, const uint8_t *d,
			   size_t d_len, struct ecdsa_key **out);
/* Our public point, exactly ecdsa_point_len() bytes. */
int ecdsa_public(const struct ecdsa_key *key, uint8_t *out, size_t out_len);
/* The private scalar, left-padded to exactly ecdsa_scalar_len() bytes (wipe it after use). */
int ecdsa_private(const struct ecdsa_key *key, uint8_t *out, size_t out_len);
bool ecdsa_key_equal(const struct ecdsa_key *a, const struct ecdsa_key *b); /* public halves */
/* r and s: ecdsa_scalar_len() bytes each, left-padded. */
int ecdsa_sign(const struct ecdsa_key *key, const void *msg, size_t n, uint8_t *r, uint8_t *s);
/* 0 when (r, s), magnitudes of any length (leading zeros allowed), is a valid signature of msg;
 * BURROW_E_SIGNATURE otherwise, including r or s longer than the order. */
int ecdsa_verify(const struct ecdsa_key *key, const void *msg, size_t n, const uint8_t *r, size_t r_len,
		 const uint8_t *s, size_t s_len);
void ecdsa_key_free(struct ecdsa_key *key); /* NULL is a no-op; libcrypto clears the scalar */

/*
 * ---- RSA (rsa.c): RFC 8017 RSASSA-PKCS1-v1_5, as ssh-rsa / rsa-sha2-256 / rsa-sha2-512 use it
 * (RFC 4253 6.6, RFC 8332). Numbers cross as unsigned big-endian magnitudes.
 */
#define RSA_MIN_BITS 1024   /* OpenSSH SSH_RSA_MINIMUM_MODULUS_SIZE: smaller keys are not read */
#define RSA_MAX_BITS 16384  /* OpenSSH SSHBUF_MAX_BIGNUM * 8 (and OPENSSL_RSA_MAX_MODULUS_BITS) */
#define RSA_MAX_BYTES (RSA_MAX_BITS / 8)
/* The numbers of a private key, in openssh-key-v1's order (OpenSSH PROTOCOL.key, sshkey.c). */
enum rsa_part { RSA_PART_N, RSA_PART_E, RSA_PART_D, RSA_PART_IQMP, RSA_PART_P, RSA_PART_Q, RSA_PART_COUNT };
struct rsa_number {
	const uint8_t *p;
	size_t len;
};
struct rsa_key;
/* bits in RSA_MIN_BITS..RSA_MAX_BITS; e = 65537. */
int rsa_keygen(unsigned bits, struct rsa_key **out);
/* BURROW_E_UNSUPPORTED when n has fewer than RSA_MIN_BITS or more than RSA_MAX_BITS bits;
 * BURROW_E_CRYPTO unless n is odd and e odd with 1 < e < n (the cheap checks of SP 800-56B
 * 6.4.2.2; no primality test, which would cost a full modular exponentiation per key read). */
int rsa_key_from_public(const uint8_t *e, size_t e_len, const uint8_t *n, size_t n_len, struct rsa_key **out);
/* A key pair from all six numbers. Besides the public checks: n = p*q, e*d = 1 mod p-1 and mod q-1,
 * iqmp*q = 1 mod p (BURROW_E_CRYPTO if not). The CRT exponents are derived. */
int rsa_key_from_private(const struct rsa_number parts[RSA_PART_COUNT], struct rsa_key **out);
/* One number as a big-endian magnitude without leading zeros into out (out_len >= RSA_MAX_BYTES
 * always suffices); *len is its length. Private parts: wipe them after use. */
int rsa_get(const struct rsa_key *key, enum rsa_part part, uint8_t *out, size_t out_len, size_t *len);
unsigned rsa_bits(const struct rsa_key *key);
size_t rsa_size(const struct rsa_key *key); /* bytes of the modulus: the signature length */
bool rsa_key_equal(const struct rsa_key *a, const struct rsa_key *b); /* public halves */
/* hash: HASH_SHA1 (ssh-rsa), HASH_SHA256 or HASH_SHA512. Writes rsa_size() bytes. */
int rsa_sign(const struct rsa_key *key, enum hash_alg hash, const void *msg, size_t n, uint8_t *sig, size_t sig_cap,
	     size_t *sig_len);
/* 0 or BURROW_E_SIGNATURE. A signature shorter than the modulus is left-padded with zeros first,
 * as OpenSSH does (ssh_rsa_verify); a longer one is invalid. */
int rsa_verify(const struct rsa_key *key, enum hash_alg hash, const void *msg, size_t n, const uint8_t *sig,
	       size_t sig_len);
void rsa_key_free(struct rsa_key *key); /* NULL is a no-op; libcrypto clears the private numbers */

/* ==== end of signature primitives ==== */

/* ==== keys at rest: Blowfish and bcrypt_pbkdf for openssh-key-v1 (keyfiles engineer) ==== */

/*
 * ---- Blowfish (blowfish.c), Schneier 1993, with bcrypt's key schedule variants ----
 * Blocks are two 32-bit big-endian halves. Plain ECB keying: blowfish_init, then
 * blowfish_expand_key. bcrypt's "EksBlowfishSetup" adds blowfish_expand_key_salt.
 */
#define BLOWFISH_ROUNDS 16
struct blowfish {
	uint32_t p[BLOWFISH_ROUNDS + 2];
	uint32_t s[4][256];
};
void blowfish_init(struct blowfish *bf); /* the initial state from the digits of pi */
/* key_len 1..72 for standard Blowfish (bcrypt passes 64); the key is read cyclically. A key of
 * length 0 leaves the state unchanged. */
void blowfish_expand_key(struct blowfish *bf, const uint8_t *key, size_t key_len);
void blowfish_expand_key_salt(struct blowfish *bf, const uint8_t *salt, size_t salt_len, const uint8_t *key,
			      size_t key_len);
void blowfish_encrypt_block(const struct blowfish *bf, uint32_t *left, uint32_t *right);
void blowfish_decrypt_block(const struct blowfish *bf, uint32_t *left, uint32_t *right);

/*
 * ---- bcrypt_pbkdf (bcrypt_pbkdf.c), OpenBSD's, as openssh-key-v1 uses it ----
 * BURROW_E_INVALID unless pass, salt and key are non-empty, rounds >= 1, key_len <= 1024 and
 * salt_len <= 1 MiB (OpenBSD's limits).
 */
int bcrypt_pbkdf(const uint8_t *pass, size_t pass_len, const uint8_t *salt, size_t salt_len, uint8_t *key,
		 size_t key_len, unsigned rounds);

/*
 * ---- ciphers of openssh-key-v1 private sections (keyfile_cipher.c) ----
 * aes128/192/256-ctr, aes128/192/256-cbc, aes128/256-gcm@openssh.com, chacha20-poly1305@openssh.com.
 * keyfile_cipher_crypt en/decrypts data (a multiple of the block size) in place with key
 * (key_len bytes) and iv (iv_len bytes), as OpenSSH with sequence number 0 and no AAD. For AEAD
 * ciphers tag (tag_len bytes) is written on encryption and checked on decryption: BURROW_E_MAC
 * when it does not match.
 */
struct keyfile_cipher;
const struct keyfile_cipher *keyfile_cipher_find(const char *name, size_t len); /* NULL when unknown */
const char *keyfile_cipher_name(const struct keyfile_cipher *c);
size_t keyfile_cipher_key_len(const struct keyfile_cipher *c);
size_t keyfile_cipher_iv_len(const struct keyfile_cipher *c);
size_t keyfile_cipher_block_size(const struct keyfile_cipher *c);
size_t keyfile_cipher_tag_len(const struct keyfile_cipher *c);
int keyfile_cipher_crypt(const struct keyfile_cipher *c, bool encrypt, const uint8_t *key, const uint8_t *iv,
			 uint8_t *data, size_t len, uint8_t *tag);

/* MD5 (md5.c), only for legacy fingerprints (ssh-keygen -E md5), never for security. */
int hash_md5(const void *data, size_t n, uint8_t out[16]);

/* ==== end of keys at rest ==== */

#endif
