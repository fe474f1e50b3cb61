/*
 * EC key plumbing shared by ECDH and ECDSA over the NIST curves (SEC1, RFC 5656) over libcrypto
 * EVP. Keys come in through EVP_PKEY_fromdata, which refuses points off the curve; callers then
 * give them the full public key check with ec_pkey_valid before use.
 */
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "crypto/crypto.h"
#include "crypto/ec_key.h"

const char *ec_curve_group_name(enum ec_curve curve)
{
	switch (curve) {
	case EC_CURVE_P256: return "P-256";
	case EC_CURVE_P384: return "P-384";
	case EC_CURVE_P521: return "P-521";
	case EC_CURVE_NONE: break;
	}
	return NULL;
}

int ec_curve_nid(enum ec_curve curve)
{
	switch (curve) {
	case EC_CURVE_P256: return NID_X9_62_prime256v1;
	case EC_CURVE_P384: return NID_secp384r1;
	case EC_CURVE_P521: return NID_secp521r1;
	case EC_CURVE_NONE: break;
	}
	return NID_undef;
}

size_t ec_curve_scalar_len(enum ec_curve curve)
{
	switch (curve) {
	case EC_CURVE_P256: return 32;
	case EC_CURVE_P384: return 48;
	case EC_CURVE_P521: return 66;
	case EC_CURVE_NONE: break;
	}
	return 0;
}

size_t ec_curve_point_len(enum ec_curve curve)
{
	size_t n = ec_curve_scalar_len(curve);
	return n ? 1 + 2 * n : 0;
}

unsigned ec_curve_bits(enum ec_curve curve)
{
	switch (curve) {
	case EC_CURVE_P256: return 256;
	case EC_CURVE_P384: return 384;
	case EC_CURVE_P521: return 521;
	case EC_CURVE_NONE: break;
	}
	return 0;
}

int ec_key_new_from_pkey(enum ec_curve curve, EVP_PKEY *pkey, struct ec_key **out)
{
	struct ec_key *key = calloc(1, sizeof(*key));
	if (!key) {
		EVP_PKEY_free(pkey);
		return BURROW_E_NOMEM;
	}
	key->curve = curve;
	key->pkey = pkey;
	*out = key;
	return 0;
}

int ec_key_new_generated(enum ec_curve curve, struct ec_key **out)
{
	*out = NULL;
	const char *name = ec_curve_group_name(curve);
	if (!name)
		return BURROW_E_INVALID;
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
	if (!pkey) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return ec_key_new_from_pkey(curve, pkey, out);
}

int ec_key_public(const struct ec_key *key, uint8_t *out, size_t out_len)
{
	size_t want = ec_curve_point_len(key->curve), len = 0;
	if (out_len < want)
		return BURROW_E_INVALID;
	if (EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, out_len, &len) != 1 ||
	    len != want || out[0] != SEC1_UNCOMPRESSED) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return 0;
}

void ec_key_free(struct ec_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

bool ec_point_shape_ok(enum ec_curve curve, const uint8_t *point, size_t point_len)
{
	return ec_curve_group_name(curve) && point && point_len == ec_curve_point_len(curve) &&
	       point[0] == SEC1_UNCOMPRESSED;
}

EVP_PKEY *ec_pkey_new_from_params(enum ec_curve curve, const uint8_t *point, size_t point_len, const BIGNUM *d)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ec_curve_group_name(curve), 0) &&
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

bool ec_pkey_valid(EVP_PKEY *pkey, bool with_private)
{
	EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	bool ok = check && EVP_PKEY_public_check(check) == 1;
	if (ok && with_private)
		ok = EVP_PKEY_private_check(check) == 1 && EVP_PKEY_pairwise_check(check) == 1;
	EVP_PKEY_CTX_free(check);
	return ok;
}
