/*
 * RSA signatures, RSASSA-PKCS1-v1_5 (RFC 8017 8.2) over libcrypto EVP, as SSH uses them:
 * ssh-rsa with SHA-1 (RFC 4253 6.6), rsa-sha2-256 and rsa-sha2-512 (RFC 8332).
 * A key from the wire is refused unless its size is in OpenSSH's range, n is odd and e odd with
 * 1 < e < n; a private key must also be consistent (n = p*q, e*d = 1 mod p-1 and q-1).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "crypto/crypto.h"

struct rsa_key {
	EVP_PKEY *pkey;
};

static int rsa_wrap(EVP_PKEY *pkey, struct rsa_key **out)
{
	struct rsa_key *key = calloc(1, sizeof(*key));
	if (!key) {
		EVP_PKEY_free(pkey);
		return BURROW_E_NOMEM;
	}
	key->pkey = pkey;
	*out = key;
	return 0;
}

static const EVP_MD *rsa_md(enum hash_alg hash)
{
	switch (hash) {
	case HASH_SHA1: return EVP_sha1();
	case HASH_SHA256: return EVP_sha256();
	case HASH_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

int rsa_keygen(unsigned bits, struct rsa_key **out)
{
	*out = NULL;
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
		return BURROW_E_INVALID;
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (!pkey) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return rsa_wrap(pkey, out);
}

/* Bits of a big-endian magnitude (leading zeros allowed). */
static unsigned magnitude_bits(const uint8_t *p, size_t len)
{
	while (len > 0 && p[0] == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	unsigned bits = (unsigned)(len - 1) * 8;
	for (uint8_t top = p[0]; top; top >>= 1)
		bits++;
	return bits;
}

/* The parameters in `bn` (OSSL names) as a key of the given selection. */
static EVP_PKEY *rsa_pkey_fromdata(const char *const names[], BIGNUM *const bn[], size_t count, int selection)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	bool ok = bld != NULL;
	for (size_t i = 0; ok && i < count; i++)
		ok = OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i]) == 1;
	if (ok)
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params); /* clears the copies of private numbers */
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

/*
 * The cheap part of SP 800-56B 6.4.2.2: n odd, e odd with 1 < e < n. libcrypto's whole
 * EVP_PKEY_public_check adds a Miller-Rabin round on n, a full-size modular exponentiation
 * (tens of milliseconds for 4096 bits): too dear for every authorized_keys or known_hosts line,
 * and OpenSSH checks less than this.
 */
static bool rsa_public_valid(const BIGNUM *n, const BIGNUM *e)
{
	return BN_is_odd(n) && BN_is_odd(e) && !BN_is_one(e) && BN_cmp(e, n) < 0;
}

int rsa_key_from_public(const uint8_t *e, size_t e_len, const uint8_t *n, size_t n_len, struct rsa_key **out)
{
	*out = NULL;
	if ((!e && e_len) || (!n && n_len))
		return BURROW_E_INVALID;
	unsigned bits = magnitude_bits(n, n_len);
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
		return BURROW_E_UNSUPPORTED;
	static const char *const names[] = { OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E };
	BIGNUM *bn[2] = { BN_bin2bn(n, (int)n_len, NULL), BN_bin2bn(e, (int)e_len, NULL) };
	EVP_PKEY *pkey = NULL;
	if (bn[0] && bn[1] && rsa_public_valid(bn[0], bn[1]))
		pkey = rsa_pkey_fromdata(names, bn, 2, EVP_PKEY_PUBLIC_KEY);
	BN_free(bn[0]);
	BN_free(bn[1]);
	if (!pkey) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return rsa_wrap(pkey, out);
}

/* a*b mod m == 1 */
static bool mul_mod_is_one(const BIGNUM *a, const BIGNUM *b, const BIGNUM *m, BIGNUM *tmp, BN_CTX *ctx)
{
	return BN_mod_mul(tmp, a, b, m, ctx) == 1 && BN_is_one(tmp);
}

/* n = p*q, e*d = 1 mod (p-1) and mod (q-1), iqmp*q = 1 mod p; fills dmp1 = d mod (p-1) and
 * dmq1 = d mod (q-1), the CRT exponents openssh-key-v1 does not store. */
static bool rsa_private_consistent(BIGNUM *const v[RSA_PART_COUNT], BIGNUM *dmp1, BIGNUM *dmq1, BN_CTX *ctx)
{
	BN_CTX_start(ctx);
	BIGNUM *t = BN_CTX_get(ctx), *pm1 = BN_CTX_get(ctx), *qm1 = BN_CTX_get(ctx);
	bool ok = qm1 && BN_mul(t, v[RSA_PART_P], v[RSA_PART_Q], ctx) == 1 && BN_cmp(t, v[RSA_PART_N]) == 0 &&
		  BN_sub(pm1, v[RSA_PART_P], BN_value_one()) == 1 && BN_sub(qm1, v[RSA_PART_Q], BN_value_one()) == 1 &&
		  !BN_is_zero(pm1) && !BN_is_zero(qm1) &&
		  mul_mod_is_one(v[RSA_PART_E], v[RSA_PART_D], pm1, t, ctx) &&
		  mul_mod_is_one(v[RSA_PART_E], v[RSA_PART_D], qm1, t, ctx) &&
		  mul_mod_is_one(v[RSA_PART_IQMP], v[RSA_PART_Q], v[RSA_PART_P], t, ctx) &&
		  BN_mod(dmp1, v[RSA_PART_D], pm1, ctx) == 1 && BN_mod(dmq1, v[RSA_PART_D], qm1, ctx) == 1;
	BN_CTX_end(ctx);
	return ok;
}

int rsa_key_from_private(const struct rsa_number parts[RSA_PART_COUNT], struct rsa_key **out)
{
	*out = NULL;
	unsigned bits = magnitude_bits(parts[RSA_PART_N].p, parts[RSA_PART_N].len);
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
		return BURROW_E_UNSUPPORTED;
	BN_CTX *ctx = BN_CTX_secure_new();
	BIGNUM *v[RSA_PART_COUNT] = { 0 };
	BIGNUM *dmp1 = BN_secure_new(), *dmq1 = BN_secure_new();
	bool ok = ctx && dmp1 && dmq1;
	for (int i = 0; ok && i < RSA_PART_COUNT; i++) {
		if (!parts[i].p && parts[i].len)
			ok = false;
		else
			ok = (v[i] = BN_secure_new()) != NULL && BN_bin2bn(parts[i].p, (int)parts[i].len, v[i]) != NULL;
	}
	EVP_PKEY *pkey = NULL;
	if (ok && rsa_public_valid(v[RSA_PART_N], v[RSA_PART_E]) && rsa_private_consistent(v, dmp1, dmq1, ctx)) {
		static const char *const names[] = {
			OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
			OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
			OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
		};
		BIGNUM *const bn[] = { v[RSA_PART_N], v[RSA_PART_E], v[RSA_PART_D], v[RSA_PART_P], v[RSA_PART_Q],
				       dmp1, dmq1, v[RSA_PART_IQMP] };
		pkey = rsa_pkey_fromdata(names, bn, sizeof(bn) / sizeof(bn[0]), EVP_PKEY_KEYPAIR);
	}
	for (int i = 0; i < RSA_PART_COUNT; i++)
		BN_clear_free(v[i]);
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	BN_CTX_free(ctx);
	if (!pkey) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return rsa_wrap(pkey, out);
}

int rsa_get(const struct rsa_key *key, enum rsa_part part, uint8_t *out, size_t out_len, size_t *len)
{
	static const char *const names[RSA_PART_COUNT] = {
		[RSA_PART_N] = OSSL_PKEY_PARAM_RSA_N, [RSA_PART_E] = OSSL_PKEY_PARAM_RSA_E,
		[RSA_PART_D] = OSSL_PKEY_PARAM_RSA_D, [RSA_PART_IQMP] = OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
		[RSA_PART_P] = OSSL_PKEY_PARAM_RSA_FACTOR1, [RSA_PART_Q] = OSSL_PKEY_PARAM_RSA_FACTOR2,
	};
	*len = 0;
	if ((unsigned)part >= RSA_PART_COUNT)
		return BURROW_E_INVALID;
	BIGNUM *bn = NULL;
	int rc = BURROW_E_CRYPTO;
	if (EVP_PKEY_get_bn_param(key->pkey, names[part], &bn) == 1) {
		size_t n = (size_t)BN_num_bytes(bn);
		if (n > out_len)
			rc = BURROW_E_TOOBIG;
		else if (BN_bn2bin(bn, out) == (int)n) {
			*len = n;
			rc = 0;
		}
	}
	BN_clear_free(bn);
	ERR_clear_error();
	return rc;
}

unsigned rsa_bits(const struct rsa_key *key)
{
	int bits = EVP_PKEY_get_bits(key->pkey);
	return bits > 0 ? (unsigned)bits : 0;
}

size_t rsa_size(const struct rsa_key *key)
{
	int n = EVP_PKEY_get_size(key->pkey);
	return n > 0 ? (size_t)n : 0;
}

bool rsa_key_equal(const struct rsa_key *a, const struct rsa_key *b)
{
	bool eq = EVP_PKEY_eq(a->pkey, b->pkey) == 1;
	ERR_clear_error();
	return eq;
}

/* A digest sign or verify context with PKCS#1 v1.5 padding. */
static EVP_MD_CTX *rsa_md_ctx(const struct rsa_key *key, enum hash_alg hash, bool sign)
{
	const EVP_MD *md = rsa_md(hash);
	EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;
	if (ctx)
		ok = sign ? EVP_DigestSignInit(ctx, &pctx, md, NULL, key->pkey)
			  : EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key->pkey);
	if (ok == 1 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1)
		return ctx;
	EVP_MD_CTX_free(ctx);
	return NULL;
}

int rsa_sign(const struct rsa_key *key, enum hash_alg hash, const void *msg, size_t n, uint8_t *sig, size_t sig_cap,
	     size_t *sig_len)
{
	static const uint8_t empty[1];
	*sig_len = 0;
	if ((!msg && n) || !rsa_md(hash))
		return BURROW_E_INVALID;
	size_t want = rsa_size(key), len = sig_cap;
	if (sig_cap < want)
		return BURROW_E_INVALID;
	EVP_MD_CTX *ctx = rsa_md_ctx(key, hash, true);
	int rc = BURROW_E_CRYPTO;
	if (ctx && EVP_DigestSign(ctx, sig, &len, msg ? msg : empty, n) == 1 && len == want) {
		*sig_len = len;
		rc = 0;
	}
	if (rc < 0)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return rc;
}

int rsa_verify(const struct rsa_key *key, enum hash_alg hash, const void *msg, size_t n, const uint8_t *sig,
	       size_t sig_len)
{
	static const uint8_t empty[1];
	if ((!msg && n) || (!sig && sig_len) || !rsa_md(hash))
		return BURROW_E_INVALID;
	size_t want = rsa_size(key);
	if (sig_len == 0 || sig_len > want)
		return BURROW_E_SIGNATURE;
	uint8_t *padded = calloc(1, want);
	if (!padded)
		return BURROW_E_NOMEM;
	memcpy(padded + (want - sig_len), sig, sig_len);
	EVP_MD_CTX *ctx = rsa_md_ctx(key, hash, false);
	int rc = BURROW_E_SIGNATURE;
	if (ctx && EVP_DigestVerify(ctx, padded, want, msg ? msg : empty, n) == 1)
		rc = 0;
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	free(padded);
	return rc;
}

void rsa_key_free(struct rsa_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}
