/*
 * ssh-rsa keys (RFC 4253 6.6) and their three signature algorithms:
 *
 *   public blob      string "ssh-rsa" || mpint e || mpint n
 *   private section  string "ssh-rsa" || mpint n || mpint e || mpint d || mpint iqmp || mpint p ||
 *                    mpint q          (OpenSSH PROTOCOL.key, sshkey.c: n before e, unlike the blob)
 *   signature blob   string "rsa-sha2-512" || string s   (RFC 8332 3; s as long as n)
 *
 * The signature algorithm picks the hash: rsa-sha2-512 SHA-512, rsa-sha2-256 SHA-256, ssh-rsa
 * SHA-1 (RFC 4253; off by default in the algorithm lists). Keys under RSA_MIN_BITS are not read,
 * as OpenSSH (SSH_RSA_MINIMUM_MODULUS_SIZE; sshd's RequiredRSASize default).
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "keys_internal.h"

#define RSA_DEFAULT_BITS 3072 /* ssh-keygen's default */

static int rsa_key_bits(const struct burrow_key *key)
{
	return (int)rsa_bits(key->u.rsa);
}

static int rsa_generate(struct burrow_key *key, int bits)
{
	if (bits == 0)
		bits = RSA_DEFAULT_BITS;
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
		return BURROW_E_INVALID;
	return rsa_keygen((unsigned)bits, &key->u.rsa);
}

/* A failed import of numbers from outside: too small or too large stays UNSUPPORTED (OpenSSH's
 * "Invalid key length"), anything else is malformed. */
static int rsa_import_error(int err)
{
	return err == 0 || err == BURROW_E_NOMEM || err == BURROW_E_UNSUPPORTED ? err : BURROW_E_PARSE;
}

static int rsa_public_read(struct burrow_key *key, struct rd *r)
{
	struct bstr e = keys_mpint_magnitude(rd_mpint(r));
	struct bstr n = keys_mpint_magnitude(rd_mpint(r));
	if (!rd_ok(r))
		return BURROW_E_PARSE;
	return rsa_import_error(rsa_key_from_public(e.p, e.len, n.p, n.len, &key->u.rsa));
}

/* Appends the numbers of `parts`, in that order, as mpints. */
static int rsa_put_numbers(const struct burrow_key *key, const enum rsa_part *parts, size_t count, struct buf *b)
{
	uint8_t *tmp = malloc(RSA_MAX_BYTES);
	if (!tmp)
		return BURROW_E_NOMEM;
	int err = 0;
	for (size_t i = 0; i < count && err == 0; i++) {
		size_t len;
		err = rsa_get(key->u.rsa, parts[i], tmp, RSA_MAX_BYTES, &len);
		if (err == 0)
			buf_put_mpint(b, tmp, len);
	}
	crypto_wipe(tmp, RSA_MAX_BYTES);
	free(tmp);
	return err;
}

static int rsa_public_write(const struct burrow_key *key, struct buf *b)
{
	static const enum rsa_part order[] = { RSA_PART_E, RSA_PART_N }; /* RFC 4253 6.6 */
	return rsa_put_numbers(key, order, 2, b);
}

static int rsa_private_read(struct burrow_key *key, struct rd *r)
{
	static const enum rsa_part order[RSA_PART_COUNT] = {
		RSA_PART_N, RSA_PART_E, RSA_PART_D, RSA_PART_IQMP, RSA_PART_P, RSA_PART_Q,
	};
	struct rsa_number parts[RSA_PART_COUNT];
	for (int i = 0; i < RSA_PART_COUNT; i++) {
		struct bstr v = keys_mpint_magnitude(rd_mpint(r));
		parts[order[i]].p = v.p;
		parts[order[i]].len = v.len;
	}
	if (!rd_ok(r))
		return BURROW_E_PARSE;
	return rsa_import_error(rsa_key_from_private(parts, &key->u.rsa));
}

static int rsa_private_write(const struct burrow_key *key, struct buf *b)
{
	static const enum rsa_part order[] = {
		RSA_PART_N, RSA_PART_E, RSA_PART_D, RSA_PART_IQMP, RSA_PART_P, RSA_PART_Q,
	};
	return rsa_put_numbers(key, order, sizeof(order) / sizeof(order[0]), b);
}

static bool rsa_equal_public(const struct burrow_key *a, const struct burrow_key *b)
{
	return rsa_key_equal(a->u.rsa, b->u.rsa);
}

/* RFC 8332 3 and RFC 4253 6.6: the algorithm name chooses the hash. */
static int rsa_hash_of(struct bstr sig_alg, enum hash_alg *hash)
{
	if (bstr_eq(sig_alg, "rsa-sha2-512"))
		*hash = HASH_SHA512;
	else if (bstr_eq(sig_alg, "rsa-sha2-256"))
		*hash = HASH_SHA256;
	else if (bstr_eq(sig_alg, "ssh-rsa"))
		*hash = HASH_SHA1;
	else
		return BURROW_E_UNSUPPORTED;
	return 0;
}

static int rsa_sign_raw(const struct burrow_key *key, const char *sig_alg, const uint8_t *data, size_t len,
			struct buf *sig)
{
	enum hash_alg hash;
	int err = rsa_hash_of(bstr_cstr(sig_alg), &hash);
	if (err)
		return err;
	size_t cap = rsa_size(key->u.rsa), n = 0;
	uint8_t *out = buf_extend(sig, cap);
	if (!out)
		return BURROW_E_NOMEM;
	err = rsa_sign(key->u.rsa, hash, data, len, out, cap, &n);
	buf_truncate(sig, buf_len(sig) - cap + (err ? 0 : n));
	return err;
}

static int rsa_verify_raw(const struct burrow_key *key, struct bstr sig_alg, struct bstr raw, const uint8_t *data,
			  size_t len)
{
	enum hash_alg hash;
	if (rsa_hash_of(sig_alg, &hash) != 0)
		return BURROW_E_SIGNATURE;
	return rsa_verify(key->u.rsa, hash, data, len, raw.p, raw.len);
}

static void rsa_free_data(struct burrow_key *key)
{
	rsa_key_free(key->u.rsa);
	key->u.rsa = NULL;
}

/* Most preferred first: burrow_key_sign(key, NULL, ...) signs with rsa-sha2-512. */
static const char *const rsa_sig_algs[] = { "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", NULL };

const struct key_ops keys_rsa_ops = {
	.type = BURROW_KEY_RSA,
	.name = "ssh-rsa",
	.short_name = "RSA",
	.keygen_name = "rsa",
	.sig_algs = rsa_sig_algs,
	.fixed_bits = 0,
	.bits = rsa_key_bits,
	.generate = rsa_generate,
	.public_read = rsa_public_read,
	.public_write = rsa_public_write,
	.private_read = rsa_private_read,
	.private_write = rsa_private_write,
	.equal_public = rsa_equal_public,
	.sign = rsa_sign_raw,
	.verify = rsa_verify_raw,
	.free_data = rsa_free_data,
};
