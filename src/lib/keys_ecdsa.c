/*
 * ecdsa-sha2-nistp256, -nistp384, -nistp521 keys (RFC 5656 3.1):
 *
 *   public blob      string "ecdsa-sha2-nistp256" || string "nistp256" || string Q
 *   private section  string "ecdsa-sha2-nistp256" || string "nistp256" || string Q || mpint d
 *                    (OpenSSH PROTOCOL.key, sshkey.c)
 *   signature blob   string "ecdsa-sha2-nistp256" || string (mpint r || mpint s)   (RFC 5656 3.1.2)
 *
 * Q is an uncompressed SEC1 point; it is checked on import (crypto/ecdsa.c), so a key from the
 * wire is never used off its curve.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "keys_internal.h"

static enum ecdsa_curve ecdsa_curve_of(const struct burrow_key *key)
{
	return (enum ecdsa_curve)key->ops->param;
}

/* RFC 5656 10.1: the curve identifier after the type name. */
static const char *ecdsa_curve_id(enum ecdsa_curve curve)
{
	switch (curve) {
	case ECDSA_P256: return "nistp256";
	case ECDSA_P384: return "nistp384";
	case ECDSA_P521: return "nistp521";
	}
	return "";
}

static int ecdsa_key_bits(const struct burrow_key *key)
{
	return (int)ecdsa_bits(ecdsa_curve_of(key));
}

static int ecdsa_generate(struct burrow_key *key, int bits)
{
	if (bits != 0 && bits != key->ops->fixed_bits)
		return BURROW_E_INVALID;
	return ecdsa_keygen(ecdsa_curve_of(key), &key->u.ecdsa);
}

/* The curve identifier must name this type's curve (RFC 5656 3.1; OpenSSH: EC_CURVE_MISMATCH). */
static struct bstr ecdsa_read_point(const struct burrow_key *key, struct rd *r, bool *ok)
{
	struct bstr curve = rd_string(r);
	struct bstr q = rd_string(r);
	*ok = rd_ok(r) && bstr_eq(curve, ecdsa_curve_id(ecdsa_curve_of(key)));
	return q;
}

static int ecdsa_public_read(struct burrow_key *key, struct rd *r)
{
	bool ok;
	struct bstr q = ecdsa_read_point(key, r, &ok);
	if (!ok)
		return BURROW_E_PARSE;
	int err = ecdsa_key_from_public(ecdsa_curve_of(key), q.p, q.len, &key->u.ecdsa);
	return err == BURROW_E_NOMEM ? err : err ? BURROW_E_PARSE : 0;
}

static int ecdsa_public_write(const struct burrow_key *key, struct buf *b)
{
	enum ecdsa_curve curve = ecdsa_curve_of(key);
	uint8_t q[ECDSA_MAX_POINT_LEN];
	size_t q_len = ecdsa_point_len(curve);
	int err = ecdsa_public(key->u.ecdsa, q, sizeof(q));
	if (err)
		return err;
	buf_put_cstring(b, ecdsa_curve_id(curve));
	buf_put_string(b, q, q_len);
	return 0;
}

static int ecdsa_private_read(struct burrow_key *key, struct rd *r)
{
	bool ok;
	struct bstr q = ecdsa_read_point(key, r, &ok);
	struct bstr d = keys_mpint_magnitude(rd_mpint(r));
	if (!ok || !rd_ok(r))
		return BURROW_E_PARSE;
	int err = ecdsa_key_from_private(ecdsa_curve_of(key), q.p, q.len, d.p, d.len, &key->u.ecdsa);
	return err == BURROW_E_NOMEM ? err : err ? BURROW_E_PARSE : 0;
}

static int ecdsa_private_write(const struct burrow_key *key, struct buf *b)
{
	uint8_t d[ECDSA_MAX_SCALAR_LEN];
	size_t d_len = ecdsa_scalar_len(ecdsa_curve_of(key));
	int err = ecdsa_public_write(key, b);
	if (err == 0)
		err = ecdsa_private(key->u.ecdsa, d, sizeof(d));
	if (err == 0)
		buf_put_mpint(b, d, d_len);
	crypto_wipe(d, sizeof(d));
	return err;
}

static bool ecdsa_equal_public(const struct burrow_key *a, const struct burrow_key *b)
{
	return ecdsa_key_equal(a->u.ecdsa, b->u.ecdsa);
}

/* RFC 5656 3.1.2: the signature is mpint r || mpint s, inside the blob's string. */
static int ecdsa_sign_raw(const struct burrow_key *key, const char *sig_alg, const uint8_t *data, size_t len,
			  struct buf *sig)
{
	uint8_t r[ECDSA_MAX_SCALAR_LEN], s[ECDSA_MAX_SCALAR_LEN];
	size_t n = ecdsa_scalar_len(ecdsa_curve_of(key));
	int err = ecdsa_sign(key->u.ecdsa, data, len, r, s);
	if (err == 0) {
		buf_put_mpint(sig, r, n);
		buf_put_mpint(sig, s, n);
	}
	return err;
}

static int ecdsa_verify_raw(const struct burrow_key *key, struct bstr sig_alg, struct bstr raw, const uint8_t *data,
			    size_t len)
{
	struct rd rd;
	rd_init(&rd, raw.p, raw.len);
	struct bstr r = keys_mpint_magnitude(rd_mpint(&rd)); /* negative values latch the reader */
	struct bstr s = keys_mpint_magnitude(rd_mpint(&rd));
	if (!rd_done(&rd))
		return BURROW_E_SIGNATURE;
	return ecdsa_verify(key->u.ecdsa, data, len, r.p, r.len, s.p, s.len);
}

static void ecdsa_free_data(struct burrow_key *key)
{
	ecdsa_key_free(key->u.ecdsa);
	key->u.ecdsa = NULL;
}

/* The signature algorithm of an ecdsa key is its key type name (RFC 5656 6.2). */
static const char *const nistp256_sig_algs[] = { "ecdsa-sha2-nistp256", NULL };
static const char *const nistp384_sig_algs[] = { "ecdsa-sha2-nistp384", NULL };
static const char *const nistp521_sig_algs[] = { "ecdsa-sha2-nistp521", NULL };

#define ECDSA_OPS(curve_enum, wire_name, algs, size)                                        \
	{                                                                                   \
		.type = BURROW_KEY_ECDSA, .name = wire_name, .short_name = "ECDSA",         \
		.keygen_name = "ecdsa", .sig_algs = algs, .fixed_bits = size,               \
		.param = curve_enum, .bits = ecdsa_key_bits, .generate = ecdsa_generate,    \
		.public_read = ecdsa_public_read, .public_write = ecdsa_public_write,       \
		.private_read = ecdsa_private_read, .private_write = ecdsa_private_write,   \
		.equal_public = ecdsa_equal_public, .sign = ecdsa_sign_raw,                 \
		.verify = ecdsa_verify_raw, .free_data = ecdsa_free_data,                   \
	}

const struct key_ops keys_ecdsa_nistp256_ops = ECDSA_OPS(ECDSA_P256, "ecdsa-sha2-nistp256", nistp256_sig_algs, 256);
const struct key_ops keys_ecdsa_nistp384_ops = ECDSA_OPS(ECDSA_P384, "ecdsa-sha2-nistp384", nistp384_sig_algs, 384);
const struct key_ops keys_ecdsa_nistp521_ops = ECDSA_OPS(ECDSA_P521, "ecdsa-sha2-nistp521", nistp521_sig_algs, 521);
