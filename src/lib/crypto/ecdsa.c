/*
 * ECDSA over NIST P-256, P-384 and P-521 (RFC 5656 3, SEC1, FIPS 186-4) over libcrypto EVP.
 * Keys come in through EVP_PKEY_fromdata and are checked before use: every public point gets the
 * full public key check, a private key also the range and pairwise checks. libcrypto speaks DER
 * signatures (ECDSA-Sig-Value); SSH wants r and s, so they are converted here.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/ec_key.h"

struct ecdsa_key {
	struct ec_key ec; /* the only member: ec_key.c allocates and frees the whole */
};
_Static_assert(sizeof(struct ecdsa_key) == sizeof(struct ec_key), "an ecdsa_key is an ec_key");

static enum ec_curve ecdsa_ec_curve(enum ecdsa_curve curve)
{
	switch (curve) {
	case ECDSA_P256: return EC_CURVE_P256;
	case ECDSA_P384: return EC_CURVE_P384;
	case ECDSA_P521: return EC_CURVE_P521;
	}
	return EC_CURVE_NONE;
}

/* Hands a key made by ec_key.c out as ours; rc passes through. */
static int ecdsa_key_out(int rc, struct ec_key *ec, struct ecdsa_key **out)
{
	*out = (struct ecdsa_key *)ec;
	return rc;
}

/* RFC 5656 6.2.1: the hash that goes with the curve size. */
static const EVP_MD *ecdsa_md(enum ec_curve curve)
{
	switch (curve) {
	case EC_CURVE_P256: return EVP_sha256();
	case EC_CURVE_P384: return EVP_sha384();
	case EC_CURVE_P521: return EVP_sha512();
	case EC_CURVE_NONE: break;
	}
	return NULL;
}

size_t ecdsa_scalar_len(enum ecdsa_curve curve)
{
	return ec_curve_scalar_len(ecdsa_ec_curve(curve));
}

size_t ecdsa_point_len(enum ecdsa_curve curve)
{
	return ec_curve_point_len(ecdsa_ec_curve(curve));
}

unsigned ecdsa_bits(enum ecdsa_curve curve)
{
	return ec_curve_bits(ecdsa_ec_curve(curve));
}

int ecdsa_keygen(enum ecdsa_curve curve, struct ecdsa_key **out)
{
	struct ec_key *ec = NULL;
	int rc = ec_key_new_generated(ecdsa_ec_curve(curve), &ec);
	return ecdsa_key_out(rc, ec, out);
}

/* Hands out a key built from parameters only if it passes ec_pkey_valid; takes pkey (NULL fails). */
static int ecdsa_key_new_checked(enum ec_curve curve, EVP_PKEY *pkey, bool with_private, struct ecdsa_key **out)
{
	if (!pkey || !ec_pkey_valid(pkey, with_private)) {
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	struct ec_key *ec = NULL;
	int rc = ec_key_new_from_pkey(curve, pkey, &ec);
	return ecdsa_key_out(rc, ec, out);
}

int ecdsa_key_from_public(enum ecdsa_curve curve, const uint8_t *point, size_t point_len, struct ecdsa_key **out)
{
	*out = NULL;
	enum ec_curve ec_curve = ecdsa_ec_curve(curve);
	if (!ec_point_shape_ok(ec_curve, point, point_len))
		return BURROW_E_CRYPTO;
	EVP_PKEY *pkey = ec_pkey_new_from_params(ec_curve, point, point_len, NULL);
	return ecdsa_key_new_checked(ec_curve, pkey, false, out);
}

int ecdsa_key_from_private(enum ecdsa_curve curve, const uint8_t *point, size_t point_len, const uint8_t *d,
			   size_t d_len, struct ecdsa_key **out)
{
	*out = NULL;
	enum ec_curve ec_curve = ecdsa_ec_curve(curve);
	if (!ec_point_shape_ok(ec_curve, point, point_len) || !d || d_len == 0 || d_len > ec_curve_scalar_len(ec_curve))
		return BURROW_E_CRYPTO;
	BIGNUM *bn = BN_secure_new();
	EVP_PKEY *pkey = NULL;
	if (bn && BN_bin2bn(d, (int)d_len, bn))
		pkey = ec_pkey_new_from_params(ec_curve, point, point_len, bn);
	BN_clear_free(bn);
	return ecdsa_key_new_checked(ec_curve, pkey, true, out);
}

int ecdsa_public(const struct ecdsa_key *key, uint8_t *out, size_t out_len)
{
	return ec_key_public(&key->ec, out, out_len);
}

int ecdsa_private(const struct ecdsa_key *key, uint8_t *out, size_t out_len)
{
	size_t want = ec_curve_scalar_len(key->ec.curve);
	if (out_len < want)
		return BURROW_E_INVALID;
	BIGNUM *d = NULL;
	int rc = BURROW_E_CRYPTO;
	if (EVP_PKEY_get_bn_param(key->ec.pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
	    BN_bn2binpad(d, out, (int)want) == (int)want)
		rc = 0;
	BN_clear_free(d);
	if (rc < 0)
		ERR_clear_error();
	return rc;
}

bool ecdsa_key_equal(const struct ecdsa_key *a, const struct ecdsa_key *b)
{
	bool eq = a->ec.curve == b->ec.curve && EVP_PKEY_eq(a->ec.pkey, b->ec.pkey) == 1;
	ERR_clear_error();
	return eq;
}

int ecdsa_sign(const struct ecdsa_key *key, const void *msg, size_t n, uint8_t *r, uint8_t *s)
{
	static const uint8_t empty[1];
	size_t want = ec_curve_scalar_len(key->ec.curve);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	size_t der_len = 0;
	ECDSA_SIG *sig = NULL;
	int rc = BURROW_E_CRYPTO;
	if (!msg && n)
		rc = BURROW_E_INVALID;
	else if (md && EVP_DigestSignInit(md, NULL, ecdsa_md(key->ec.curve), NULL, key->ec.pkey) == 1 &&
		 EVP_DigestSign(md, NULL, &der_len, msg ? msg : empty, n) == 1 && (der = malloc(der_len)) != NULL &&
		 EVP_DigestSign(md, der, &der_len, msg ? msg : empty, n) == 1) {
		const unsigned char *p = der;
		sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
		const BIGNUM *br = NULL, *bs = NULL;
		if (sig)
			ECDSA_SIG_get0(sig, &br, &bs);
		if (br && bs && BN_bn2binpad(br, r, (int)want) == (int)want && BN_bn2binpad(bs, s, (int)want) == (int)want)
			rc = 0;
	}
	if (rc < 0)
		ERR_clear_error();
	ECDSA_SIG_free(sig);
	free(der);
	EVP_MD_CTX_free(md);
	return rc;
}

/* Drops leading zero bytes of a magnitude. */
static void strip_zeros(const uint8_t **p, size_t *len)
{
	while (*len > 0 && (*p)[0] == 0) {
		(*p)++;
		(*len)--;
	}
}

int ecdsa_verify(const struct ecdsa_key *key, const void *msg, size_t n, const uint8_t *r, size_t r_len,
		 const uint8_t *s, size_t s_len)
{
	static const uint8_t empty[1];
	if ((!msg && n) || (!r && r_len) || (!s && s_len))
		return BURROW_E_INVALID;
	strip_zeros(&r, &r_len);
	strip_zeros(&s, &s_len);
	size_t max = ec_curve_scalar_len(key->ec.curve);
	if (r_len == 0 || s_len == 0 || r_len > max || s_len > max)
		return BURROW_E_SIGNATURE;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, (int)r_len, NULL);
	BIGNUM *bs = BN_bin2bn(s, (int)s_len, NULL);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int der_len = -1;
	int rc = BURROW_E_SIGNATURE;
	if (sig && br && bs && ECDSA_SIG_set0(sig, br, bs) == 1) {
		br = bs = NULL; /* owned by sig now */
		der_len = i2d_ECDSA_SIG(sig, &der);
	}
	/* libcrypto checks 0 < r, s < n itself. */
	if (der_len > 0 && md && EVP_DigestVerifyInit(md, NULL, ecdsa_md(key->ec.curve), NULL, key->ec.pkey) == 1 &&
	    EVP_DigestVerify(md, der, (size_t)der_len, msg ? msg : empty, n) == 1)
		rc = 0;
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);
	return rc;
}

void ecdsa_key_free(struct ecdsa_key *key)
{
	ec_key_free((struct ec_key *)key);
}
