/*
 * ECDH over NIST P-256, P-384 and P-521 (RFC 5656 4, SEC1 3.3.1) over libcrypto EVP.
 * A peer's point is imported with EVP_PKEY_fromdata (which refuses points off the curve) and then
 * given the full public key check (not infinity, on the curve, in the prime-order subgroup)
 * before any scalar touches it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "crypto/crypto.h"

#define SEC1_UNCOMPRESSED 0x04 /* SEC1 2.3.3: 0x04 || X || Y */

struct ecdh_key {
	enum ecdh_curve curve;
	EVP_PKEY *pkey;
};

static const char *ecdh_group_name(enum ecdh_curve curve)
{
	switch (curve) {
	case ECDH_P256: return "P-256";
	case ECDH_P384: return "P-384";
	case ECDH_P521: return "P-521";
	}
	return NULL;
}

static int ecdh_nid(enum ecdh_curve curve)
{
	switch (curve) {
	case ECDH_P256: return NID_X9_62_prime256v1;
	case ECDH_P384: return NID_secp384r1;
	case ECDH_P521: return NID_secp521r1;
	}
	return NID_undef;
}

size_t ecdh_secret_len(enum ecdh_curve curve)
{
	switch (curve) {
	case ECDH_P256: return 32;
	case ECDH_P384: return 48;
	case ECDH_P521: return 66;
	}
	return 0;
}

size_t ecdh_point_len(enum ecdh_curve curve)
{
	return 1 + 2 * ecdh_secret_len(curve);
}

static int ecdh_wrap(enum ecdh_curve curve, EVP_PKEY *pkey, struct ecdh_key **out)
{
	struct ecdh_key *key = calloc(1, sizeof(*key));
	if (!key) {
		EVP_PKEY_free(pkey);
		return BURROW_E_NOMEM;
	}
	key->curve = curve;
	key->pkey = pkey;
	*out = key;
	return 0;
}

int ecdh_key_new(enum ecdh_curve curve, struct ecdh_key **out)
{
	*out = NULL;
	const char *name = ecdh_group_name(curve);
	if (!name)
		return BURROW_E_INVALID;
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
	if (!pkey) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return ecdh_wrap(curve, pkey, out);
}

/* Builds an EVP key from parameters: a private scalar with its public point, or a point alone. */
static EVP_PKEY *ecdh_pkey_fromdata(enum ecdh_curve curve, const BIGNUM *priv, const uint8_t *pub, size_t pub_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ecdh_group_name(curve), 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len) &&
	    (!priv || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)))
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params); /* clears the private scalar's copy */
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

int ecdh_key_new_from_private(enum ecdh_curve curve, const uint8_t *priv, size_t len, struct ecdh_key **out)
{
	*out = NULL;
	size_t point_len = ecdh_point_len(curve);
	if (!ecdh_group_name(curve) || len == 0 || len > ecdh_secret_len(curve))
		return BURROW_E_INVALID;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(ecdh_nid(curve));
	EC_POINT *point = group ? EC_POINT_new(group) : NULL;
	BIGNUM *d = BN_secure_new();
	uint8_t pub[1 + 2 * 66];
	EVP_PKEY *pkey = NULL;
	/* The public point is d*G; the scalar must be in [1, n-1]. */
	if (point && d && BN_bin2bn(priv, (int)len, d) && !BN_is_zero(d) &&
	    BN_cmp(d, EC_GROUP_get0_order(group)) < 0 && EC_POINT_mul(group, point, d, NULL, NULL, NULL) == 1 &&
	    EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub, point_len, NULL) == point_len)
		pkey = ecdh_pkey_fromdata(curve, d, pub, point_len);
	BN_clear_free(d);
	EC_POINT_free(point);
	EC_GROUP_free(group);
	if (!pkey) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return ecdh_wrap(curve, pkey, out);
}

int ecdh_public(const struct ecdh_key *key, uint8_t *out, size_t out_len)
{
	size_t want = ecdh_point_len(key->curve), len = 0;
	if (out_len < want)
		return BURROW_E_INVALID;
	if (EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, out_len, &len) != 1 ||
	    len != want || out[0] != SEC1_UNCOMPRESSED) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return 0;
}

/* The peer's point, only if it passes the full public key check (SP 800-56A 5.6.2.3.3). */
static EVP_PKEY *ecdh_peer_key(enum ecdh_curve curve, const uint8_t *peer, size_t peer_len)
{
	/* Uncompressed points only, as OpenSSH (sshbuf_get_ec). */
	if (peer_len != ecdh_point_len(curve) || peer[0] != SEC1_UNCOMPRESSED)
		return NULL;
	EVP_PKEY *pkey = ecdh_pkey_fromdata(curve, NULL, peer, peer_len);
	EVP_PKEY_CTX *check = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
	bool valid = check && EVP_PKEY_public_check(check) == 1;
	EVP_PKEY_CTX_free(check);
	if (!valid) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

int ecdh_shared(const struct ecdh_key *key, const uint8_t *peer, size_t peer_len, uint8_t *x, size_t x_len)
{
	size_t want = ecdh_secret_len(key->curve), len = want;
	if (x_len != want)
		return BURROW_E_INVALID;
	EVP_PKEY *peer_key = ecdh_peer_key(key->curve, peer, peer_len);
	EVP_PKEY_CTX *ctx = peer_key ? EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL) : NULL;
	int rc = BURROW_E_CRYPTO;
	if (ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer_ex(ctx, peer_key, 1) == 1 &&
	    EVP_PKEY_derive(ctx, x, &len) == 1 && len == want)
		rc = 0;
	if (rc < 0) {
		crypto_wipe(x, x_len);
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer_key);
	return rc;
}

void ecdh_key_free(struct ecdh_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey); /* libcrypto clears the private scalar */
	free(key);
}
