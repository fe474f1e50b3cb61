/*
 * EC key plumbing shared by ECDH (ecdh.c) and ECDSA (ecdsa.c) over libcrypto EVP: the NIST
 * curves, key generation, keys built from SEC1 points and scalars, and the public key check.
 * Internal to src/lib/crypto; the public seam is crypto.h.
 */
#ifndef BURROW_CRYPTO_EC_KEY_H
#define BURROW_CRYPTO_EC_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#define SEC1_UNCOMPRESSED 0x04 /* SEC1 2.3.3: 0x04 || X || Y */

/* EC_CURVE_NONE stands for a public enum value that names no curve. */
enum ec_curve { EC_CURVE_NONE, EC_CURVE_P256, EC_CURVE_P384, EC_CURVE_P521 };

const char *ec_curve_group_name(enum ec_curve curve); /* "P-256", ...; NULL for none */
int ec_curve_nid(enum ec_curve curve);                 /* NID_undef for none */
size_t ec_curve_scalar_len(enum ec_curve curve);       /* 32, 48, 66; 0 for none */
size_t ec_curve_point_len(enum ec_curve curve);        /* 65, 97, 133; 0 for none */
unsigned ec_curve_bits(enum ec_curve curve);           /* 256, 384, 521; 0 for none */

/* The whole of struct ecdh_key and struct ecdsa_key: each holds one as its only member. */
struct ec_key {
	enum ec_curve curve;
	EVP_PKEY *pkey;
};

/* Takes pkey; frees it if the wrapper cannot be allocated. */
int ec_key_new_from_pkey(enum ec_curve curve, EVP_PKEY *pkey, struct ec_key **out);
int ec_key_new_generated(enum ec_curve curve, struct ec_key **out);
/* Our public point, uncompressed, exactly ec_curve_point_len() bytes. */
int ec_key_public(const struct ec_key *key, uint8_t *out, size_t out_len);
void ec_key_free(struct ec_key *key); /* NULL is a no-op; libcrypto clears the scalar */

/* Uncompressed points only, as OpenSSH (sshbuf_get_ec), of the curve's length. */
bool ec_point_shape_ok(enum ec_curve curve, const uint8_t *point, size_t point_len);
/* A key from parameters: the point alone (d NULL), or the point with its private scalar d. */
EVP_PKEY *ec_pkey_new_from_params(enum ec_curve curve, const uint8_t *point, size_t point_len, const BIGNUM *d);
/* SP 800-56A 5.6.2.3.3 full public key check; with a private half also 1 <= d < n and d*G == Q. */
bool ec_pkey_valid(EVP_PKEY *pkey, bool with_private);

#endif
