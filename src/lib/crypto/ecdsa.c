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
#include <openssl/param_build.h>

#include "crypto/crypto.h"

#define SEC1_UNCOMPRESSED 0x04 /* SEC1 2.3.3: 0x04 || X || Y */

struct ecdsa_key {
	enum ecdsa_curve curve;
	EVP_PKEY *pkey;
};

static const char *ecdsa_group_name(enum ecdsa_curve curve)
{
	switch (curve) {
	case ECDSA_P256: return "P-256";
	case ECDSA_P384: return "P-384";
	case ECDSA_P521: return "P-521";
	}
	return NULL;
}

/* RFC 5656 6.2.1: the hash that goes with the curve size. */
static const EVP_MD *ecdsa_md(enum ecdsa_curve curve)
{
	switch (curve) {
	case ECDSA_P256: return EVP_sha256();
	case ECDSA_P384: return EVP_sha384();
	case ECDSA_P521: return EVP_sha512();
	}
	return NULL;
}

size_t ecdsa_scalar_len(enum ecdsa_curve curve)
{
	switch (curve) {
	case ECDSA_P256: return 32;
	case ECDSA_P384: return 48;
	case ECDSA_P521: return 66;
	}
	return 0;
}

size_t ecdsa_point_len(enum ecdsa_curve curve)
{
	size_t n = ecdsa_scalar_len(curve);
	return n ? 1 + 2 * n : 0;
}

unsigned ecdsa_bits(enum ecdsa_curve curve)
{
	switch (curve) {
	case ECDSA_P256: return 256;
	case ECDSA_P384: return 384;
	case ECDSA_P521: return 521;
	}
	return 0;
}

static int ecdsa_wrap(enum ecdsa_curve curve, EVP_PKEY *pkey, struct ecdsa_key **out)
{
	struct ecdsa_key *key = calloc(1, sizeof(*key));
	if (!key) {
		EVP_PKEY_free(pkey);
		return BURROW_E_NOMEM;
	}
	key->curve = curve;
	key->pkey = pkey;
	*out = key;
	return 0;
}

int ecdsa_keygen(enum ecdsa_curve curve, struct ecdsa_key **out)
{
	*out = NULL;
	const char *name = ecdsa_group_name(curve);
	if (!name)
		return BURROW_E_INVALID;
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
	if (!pkey) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return ecdsa_wrap(curve, pkey, out);
}

/* A key from parameters: the point alone, or the point with its private scalar. */
static EVP_PKEY *ecdsa_pkey_fromdata(enum ecdsa_curve curve, const uint8_t *point, size_t point_len, const BIGNUM *d)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ecdsa_group_name(curve), 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len) &&
	    (!d || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params); /* clears the scalar's copy */
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

/* SP 800-56A 5.6.2.3.3 full public key check; with a private half also 1 <= d < n and d*G == Q. */
static bool ecdsa_pkey_valid(EVP_PKEY *pkey, bool with_private)
{
	EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	bool ok = check && EVP_PKEY_public_check(check) == 1;
	if (ok && with_private)
		ok = EVP_PKEY_private_check(check) == 1 && EVP_PKEY_pairwise_check(check) == 1;
	EVP_PKEY_CTX_free(check);
	return ok;
}

static bool ecdsa_point_shape_ok(enum ecdsa_curve curve, const uint8_t *point, size_t point_len)
{
	/* Uncompressed points only, as OpenSSH (sshbuf_get_ec). */
	return ecdsa_group_name(curve) && point && point_len == ecdsa_point_len(curve) &&
	       point[0] == SEC1_UNCOMPRESSED;
}

int ecdsa_key_from_public(enum ecdsa_curve curve, const uint8_t *point, size_t point_len, struct ecdsa_key **out)
{
	*out = NULL;
	if (!ecdsa_point_shape_ok(curve, point, point_len))
		return BURROW_E_CRYPTO;
	EVP_PKEY *pkey = ecdsa_pkey_fromdata(curve, point, point_len, NULL);
	if (!pkey || !ecdsa_pkey_valid(pkey, false)) {
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return ecdsa_wrap(curve, pkey, out);
}

int ecdsa_key_from_private(enum ecdsa_curve curve, const uint8_t *point, size_t point_len, const uint8_t *d,
			   size_t d_len, struct ecdsa_key **out)
{
	*out = NULL;
	if (!ecdsa_point_shape_ok(curve, point, point_len) || !d || d_len == 0 || d_len > ecdsa_scalar_len(curve))
		return BURROW_E_CRYPTO;
	BIGNUM *bn = BN_secure_new();
	EVP_PKEY *pkey = NULL;
	if (bn && BN_bin2bn(d, (int)d_len, bn))
		pkey = ecdsa_pkey_fromdata(curve, point, point_len, bn);
	BN_clear_free(bn);
	if (!pkey || !ecdsa_pkey_valid(pkey, true)) {
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return ecdsa_wrap(curve, pkey, out);
}

int ecdsa_public(const struct ecdsa_key *key, uint8_t *out, size_t out_len)
{
	size_t want = ecdsa_point_len(key->curve), len = 0;
	if (out_len < want)
		return BURROW_E_INVALID;
	if (EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, out_len, &len) != 1 ||
	    len != want || out[0] != SEC1_UNCOMPRESSED) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return 0;
}

int ecdsa_private(const struct ecdsa_key *key, uint8_t *out, size_t out_len)
{
	size_t want = ecdsa_scalar_len(key->curve);
	if (out_len < want)
		return BURROW_E_INVALID;
	BIGNUM *d = NULL;
	int rc = BURROW_E_CRYPTO;
	if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
	    BN_bn2binpad(d, out, (int)want) == (int)want)
		rc = 0;
	BN_clear_free(d);
	if (rc < 0)
		ERR_clear_error();
	return rc;
}

bool ecdsa_key_equal(const struct ecdsa_key *a, const struct ecdsa_key *b)
{
	bool eq = a->curve == b->curve && EVP_PKEY_eq(a->pkey, b->pkey) == 1;
	ERR_clear_error();
	return eq;
}

int ecdsa_sign(const struct ecdsa_key *key, const void *msg, size_t n, uint8_t *r, uint8_t *s)
{
	static const uint8_t empty[1];
	size_t want = ecdsa_scalar_len(key->curve);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	size_t der_len = 0;
	ECDSA_SIG *sig = NULL;
	int rc = BURROW_E_CRYPTO;
	if (!msg && n)
		rc = BURROW_E_INVALID;
	else if (md && EVP_DigestSignInit(md, NULL, ecdsa_md(key->curve), NULL, key->pkey) == 1 &&
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
	size_t max = ecdsa_scalar_len(key->curve);
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
	if (der_len > 0 && md && EVP_DigestVerifyInit(md, NULL, ecdsa_md(key->curve), NULL, key->pkey) == 1 &&
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
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}
