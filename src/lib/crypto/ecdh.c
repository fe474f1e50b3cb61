/*
 * ECDH over NIST P-256, P-384 and P-521 (RFC 5656 4, SEC1 3.3.1) over libcrypto EVP.
 * A peer's point is imported with EVP_PKEY_fromdata (which refuses points off the curve) and then
 * given the full public key check (not infinity, on the curve, in the prime-order subgroup)
 * before any scalar touches it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/ec_key.h"

struct ecdh_key {
	struct ec_key ec; /* the only member: ec_key.c allocates and frees the whole */
};
_Static_assert(sizeof(struct ecdh_key) == sizeof(struct ec_key), "an ecdh_key is an ec_key");

static enum ec_curve ecdh_ec_curve(enum ecdh_curve curve)
{
	switch (curve) {
	case ECDH_P256: return EC_CURVE_P256;
	case ECDH_P384: return EC_CURVE_P384;
	case ECDH_P521: return EC_CURVE_P521;
	}
	return EC_CURVE_NONE;
}

/* Hands a key made by ec_key.c out as ours; rc passes through. */
static int ecdh_key_out(int rc, struct ec_key *ec, struct ecdh_key **out)
{
	*out = (struct ecdh_key *)ec;
	return rc;
}

size_t ecdh_secret_len(enum ecdh_curve curve)
{
	return ec_curve_scalar_len(ecdh_ec_curve(curve));
}

size_t ecdh_point_len(enum ecdh_curve curve)
{
	return 1 + 2 * ecdh_secret_len(curve);
}

int ecdh_key_new(enum ecdh_curve curve, struct ecdh_key **out)
{
	struct ec_key *ec = NULL;
	int rc = ec_key_new_generated(ecdh_ec_curve(curve), &ec);
	return ecdh_key_out(rc, ec, out);
}

int ecdh_key_new_from_private(enum ecdh_curve curve, const uint8_t *priv, size_t len, struct ecdh_key **out)
{
	*out = NULL;
	enum ec_curve ec_curve = ecdh_ec_curve(curve);
	size_t point_len = ecdh_point_len(curve);
	if (!ec_curve_group_name(ec_curve) || len == 0 || len > ecdh_secret_len(curve))
		return BURROW_E_INVALID;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(ec_curve_nid(ec_curve));
	EC_POINT *point = group ? EC_POINT_new(group) : NULL;
	BIGNUM *d = BN_secure_new();
	uint8_t pub[1 + 2 * 66];
	EVP_PKEY *pkey = NULL;
	/* The public point is d*G; the scalar must be in [1, n-1]. */
	if (point && d && BN_bin2bn(priv, (int)len, d) && !BN_is_zero(d) &&
	    BN_cmp(d, EC_GROUP_get0_order(group)) < 0 && EC_POINT_mul(group, point, d, NULL, NULL, NULL) == 1 &&
	    EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub, point_len, NULL) == point_len)
		pkey = ec_pkey_new_from_params(ec_curve, pub, point_len, d);
	BN_clear_free(d);
	EC_POINT_free(point);
	EC_GROUP_free(group);
	if (!pkey) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	struct ec_key *ec = NULL;
	int rc = ec_key_new_from_pkey(ec_curve, pkey, &ec);
	return ecdh_key_out(rc, ec, out);
}

int ecdh_public(const struct ecdh_key *key, uint8_t *out, size_t out_len)
{
	return ec_key_public(&key->ec, out, out_len);
}

/* The peer's point, only if it passes the full public key check (SP 800-56A 5.6.2.3.3). */
static EVP_PKEY *ecdh_peer_key(enum ec_curve curve, const uint8_t *peer, size_t peer_len)
{
	if (!ec_point_shape_ok(curve, peer, peer_len))
		return NULL;
	EVP_PKEY *pkey = ec_pkey_new_from_params(curve, peer, peer_len, NULL);
	if (!pkey || !ec_pkey_valid(pkey, false)) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

int ecdh_shared(const struct ecdh_key *key, const uint8_t *peer, size_t peer_len, uint8_t *x, size_t x_len)
{
	size_t want = ec_curve_scalar_len(key->ec.curve), len = want;
	if (x_len != want)
		return BURROW_E_INVALID;
	EVP_PKEY *peer_key = ecdh_peer_key(key->ec.curve, peer, peer_len);
	EVP_PKEY_CTX *ctx = peer_key ? EVP_PKEY_CTX_new_from_pkey(NULL, key->ec.pkey, NULL) : NULL;
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
	ec_key_free((struct ec_key *)key); /* libcrypto clears the private scalar */
}
