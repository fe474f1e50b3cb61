/*
 * Finite-field Diffie-Hellman (RFC 4253 8, RFC 4419, RFC 8268) on libcrypto's BIGNUM.
 * The secret exponent is used only through BN_mod_exp_mont_consttime. Public values from the
 * peer are checked as OpenSSH does (dh_pub_is_valid): 1 < y < p - 1 and more than 3 bits set.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>

#include "crypto/crypto.h"

#define DH_MIN_PUBLIC_BITS_SET 4 /* OpenSSH dh.c: if g == 2, a power of two gives log_g away */

struct dh_key {
	BIGNUM *p, *x, *y;
	size_t p_len;
};

unsigned dh_bits(const uint8_t *n, size_t len)
{
	while (len > 0 && n[0] == 0) {
		n++;
		len--;
	}
	if (len == 0)
		return 0;
	unsigned bits = (unsigned)(len - 1) * 8;
	for (uint8_t top = n[0]; top; top >>= 1)
		bits++;
	return bits;
}

/* Our inputs are bounded by DH_MAX_BYTES (plus a leading zero) before they reach libcrypto. */
static BIGNUM *dh_bn(const uint8_t *n, size_t len)
{
	if (len > DH_MAX_BYTES + 1)
		return NULL;
	return BN_bin2bn(n, (int)len, NULL);
}

/* 1 < y < p - 1, with at least DH_MIN_PUBLIC_BITS_SET bits set. */
static bool dh_value_in_range(const BIGNUM *p, const BIGNUM *y)
{
	BIGNUM *p_minus_1 = BN_dup(p);
	bool ok = p_minus_1 && BN_sub_word(p_minus_1, 1) && BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, p_minus_1) < 0;
	BN_free(p_minus_1);
	if (!ok)
		return false;
	int set = 0, n = BN_num_bits(y);
	for (int i = 0; i < n && set < DH_MIN_PUBLIC_BITS_SET; i++)
		set += BN_is_bit_set(y, i);
	return set >= DH_MIN_PUBLIC_BITS_SET;
}

bool dh_public_is_valid(const uint8_t *p, size_t p_len, const uint8_t *y, size_t y_len)
{
	BIGNUM *bp = dh_bn(p, p_len), *by = dh_bn(y, y_len);
	bool ok = bp && by && dh_value_in_range(bp, by);
	BN_free(bp);
	BN_free(by);
	ERR_clear_error();
	return ok;
}

int dh_check_group(const uint8_t *p, size_t p_len, const uint8_t *g, size_t g_len, unsigned min_bits,
		   unsigned max_bits)
{
	unsigned bits = dh_bits(p, p_len);
	if (bits < min_bits || bits > max_bits || p_len == 0 || !(p[p_len - 1] & 1))
		return BURROW_E_CRYPTO;
	BIGNUM *bp = dh_bn(p, p_len), *bg = dh_bn(g, g_len), *p_minus_1 = bp ? BN_dup(bp) : NULL;
	int rc = BURROW_E_CRYPTO;
	if (bg && p_minus_1 && BN_sub_word(p_minus_1, 1) && BN_cmp(bg, BN_value_one()) > 0 && BN_cmp(bg, p_minus_1) < 0)
		rc = 0;
	BN_free(bp);
	BN_free(bg);
	BN_free(p_minus_1);
	ERR_clear_error();
	return rc;
}

void dh_key_free(struct dh_key *key)
{
	if (!key)
		return;
	BN_free(key->p);
	BN_clear_free(key->x);
	BN_free(key->y);
	free(key);
}

size_t dh_key_p_len(const struct dh_key *key)
{
	return key->p_len;
}

int dh_key_new(const uint8_t *p, size_t p_len, const uint8_t *g, size_t g_len, unsigned exponent_bits,
	       struct dh_key **out)
{
	*out = NULL;
	unsigned p_bits = dh_bits(p, p_len);
	if (p_bits < 512 || exponent_bits < 2 || exponent_bits >= p_bits)
		return BURROW_E_INVALID;
	struct dh_key *key = calloc(1, sizeof(*key));
	if (!key)
		return BURROW_E_NOMEM;
	key->p_len = (p_bits + 7) / 8;
	BIGNUM *bg = dh_bn(g, g_len);
	BN_CTX *ctx = BN_CTX_new();
	key->p = dh_bn(p, p_len);
	key->x = BN_secure_new();
	key->y = BN_new();
	int rc = BURROW_E_CRYPTO;
	/* x has exactly exponent_bits bits (top bit set), so 2^(exponent_bits-1) <= x < p. */
	if (bg && ctx && key->p && key->x && key->y &&
	    BN_priv_rand_ex(key->x, (int)exponent_bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY, 0, NULL) == 1 &&
	    BN_mod_exp_mont_consttime(key->y, bg, key->x, key->p, ctx, NULL) == 1 && dh_value_in_range(key->p, key->y))
		rc = 0;
	BN_free(bg);
	BN_CTX_free(ctx);
	ERR_clear_error();
	if (rc < 0) {
		dh_key_free(key);
		return rc;
	}
	*out = key;
	return 0;
}

int dh_public(const struct dh_key *key, uint8_t *out, size_t p_len)
{
	if (p_len != key->p_len || BN_bn2binpad(key->y, out, (int)p_len) != (int)p_len)
		return BURROW_E_INVALID;
	return 0;
}

int dh_shared(const struct dh_key *key, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t p_len)
{
	if (p_len != key->p_len)
		return BURROW_E_INVALID;
	BIGNUM *y = dh_bn(peer, peer_len), *k = BN_secure_new();
	BN_CTX *ctx = BN_CTX_new();
	int rc = BURROW_E_CRYPTO;
	if (y && k && ctx && dh_value_in_range(key->p, y) &&
	    BN_mod_exp_mont_consttime(k, y, key->x, key->p, ctx, NULL) == 1 && !BN_is_zero(k) && !BN_is_one(k) &&
	    BN_bn2binpad(k, out, (int)p_len) == (int)p_len)
		rc = 0;
	if (rc < 0)
		crypto_wipe(out, p_len);
	BN_free(y);
	BN_clear_free(k);
	BN_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}
