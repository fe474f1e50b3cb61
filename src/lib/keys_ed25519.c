/* ssh-ed25519 keys (RFC 8709, RFC 8032): 32-byte public key, 32-byte seed as the private key. */
#include <string.h>

#include "crypto/crypto.h"
#include "keys_internal.h"

static int ed25519_bits(const struct burrow_key *key)
{
	return 256;
}

static int ed25519_generate(struct burrow_key *key, int bits)
{
	if (bits != 0 && bits != 256)
		return BURROW_E_INVALID;
	return ed25519_keygen(key->u.ed25519.seed, key->u.ed25519.pub);
}

/* RFC 8709 4: string "ssh-ed25519" || string key (32 bytes). */
static int ed25519_public_read(struct burrow_key *key, struct rd *r)
{
	struct bstr pub = rd_string(r);
	if (!rd_ok(r) || pub.len != ED25519_PUBLIC_LEN)
		return BURROW_E_PARSE;
	memcpy(key->u.ed25519.pub, pub.p, ED25519_PUBLIC_LEN);
	return 0;
}

static int ed25519_public_write(const struct burrow_key *key, struct buf *b)
{
	buf_put_string(b, key->u.ed25519.pub, ED25519_PUBLIC_LEN);
	return 0;
}

/* PROTOCOL.key / sshkey.c: string pub (32) || string seed||pub (64). */
static int ed25519_private_read(struct burrow_key *key, struct rd *r)
{
	struct bstr pub = rd_string(r);
	struct bstr priv = rd_string(r);
	if (!rd_ok(r) || pub.len != ED25519_PUBLIC_LEN ||
	    priv.len != ED25519_SEED_LEN + ED25519_PUBLIC_LEN)
		return BURROW_E_PARSE;
	if (memcmp(priv.p + ED25519_SEED_LEN, pub.p, ED25519_PUBLIC_LEN) != 0)
		return BURROW_E_PARSE;
	/* The stored public half must be the one the seed gives, or we would sign as someone else. */
	uint8_t derived[ED25519_PUBLIC_LEN];
	int err = ed25519_public_from_seed(priv.p, derived);
	if (err == 0 && memcmp(derived, pub.p, ED25519_PUBLIC_LEN) != 0)
		err = BURROW_E_PARSE;
	if (err == 0) {
		memcpy(key->u.ed25519.seed, priv.p, ED25519_SEED_LEN);
		memcpy(key->u.ed25519.pub, pub.p, ED25519_PUBLIC_LEN);
	}
	crypto_wipe(derived, sizeof(derived));
	return err;
}

static int ed25519_private_write(const struct burrow_key *key, struct buf *b)
{
	buf_put_string(b, key->u.ed25519.pub, ED25519_PUBLIC_LEN);
	buf_put_u32(b, ED25519_SEED_LEN + ED25519_PUBLIC_LEN);
	buf_put(b, key->u.ed25519.seed, ED25519_SEED_LEN);
	buf_put(b, key->u.ed25519.pub, ED25519_PUBLIC_LEN);
	return 0;
}

static bool ed25519_equal_public(const struct burrow_key *a, const struct burrow_key *b)
{
	return memcmp(a->u.ed25519.pub, b->u.ed25519.pub, ED25519_PUBLIC_LEN) == 0;
}

static int ed25519_sign_raw(const struct burrow_key *key, const char *sig_alg, const uint8_t *data,
			    size_t len, struct buf *sig)
{
	uint8_t raw[ED25519_SIGNATURE_LEN];
	int err = ed25519_sign(key->u.ed25519.seed, data, len, raw);
	if (err == 0)
		buf_put(sig, raw, sizeof(raw));
	return err;
}

static int ed25519_verify_raw(const struct burrow_key *key, struct bstr sig_alg, struct bstr raw,
			      const uint8_t *data, size_t len)
{
	if (raw.len != ED25519_SIGNATURE_LEN) /* RFC 8709 6 */
		return BURROW_E_SIGNATURE;
	return ed25519_verify(key->u.ed25519.pub, data, len, raw.p);
}

static const char *const ed25519_sig_algs[] = { "ssh-ed25519", NULL };

const struct key_ops keys_ed25519_ops = {
	.type = BURROW_KEY_ED25519,
	.name = "ssh-ed25519",
	.short_name = "ED25519",
	.keygen_name = "ed25519",
	.sig_algs = ed25519_sig_algs,
	.fixed_bits = 256,
	.bits = ed25519_bits,
	.generate = ed25519_generate,
	.public_read = ed25519_public_read,
	.public_write = ed25519_public_write,
	.private_read = ed25519_private_read,
	.private_write = ed25519_private_write,
	.equal_public = ed25519_equal_public,
	.sign = ed25519_sign_raw,
	.verify = ed25519_verify_raw,
};
