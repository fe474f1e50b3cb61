/*
 * Diffie-Hellman over fixed groups: diffie-hellman-group1-sha1, group14-sha1 (RFC 4253 8),
 * group14-sha256, group16-sha512, group18-sha512 (RFC 8268). KEXDH_INIT carries mpint e,
 * KEXDH_REPLY mpint f; K = f^x mod p as an mpint. The same steps serve group exchange
 * (kex_dh_gex.c), whose group comes from the server instead of the method.
 */
#include "kex.h"

#include <stdlib.h>
#include <string.h>

/* OpenSSH (dh.c dh_gen_key): an exponent of twice the bits of key material the ciphers need, at
 * least 512 bits. 512 bits is already twice the strength of an 8192-bit group (about 200 bits,
 * RFC 3526 8), so the exponent never weakens the group. */
#define KEX_DH_MIN_EXPONENT_BITS 512

struct kex_dh_group_view {
	const uint8_t *p, *g;
	size_t p_len, g_len;
};

static struct kex_dh_group_view kex_dh_group(const struct burrow_conn *c)
{
	const struct dh_group *fixed = c->kex.method->params;
	const struct kex_method_state *ms = c->kex.ms;
	struct kex_dh_group_view v;
	if (fixed) {
		v.p = fixed->p;
		v.p_len = fixed->p_len;
		v.g = fixed->g;
		v.g_len = fixed->g_len;
	} else {
		v.p = buf_ptr(&ms->gex_p);
		v.p_len = buf_len(&ms->gex_p);
		v.g = buf_ptr(&ms->gex_g);
		v.g_len = buf_len(&ms->gex_g);
	}
	return v;
}

static unsigned kex_dh_exponent_bits(const struct burrow_conn *c, unsigned p_bits)
{
	size_t bits = 2 * 8 * kex_need_bytes(c);
	if (bits < KEX_DH_MIN_EXPONENT_BITS)
		bits = KEX_DH_MIN_EXPONENT_BITS;
	return bits < p_bits ? (unsigned)bits : p_bits - 1;
}

/* Both roles: a fresh exponent and our public value, appended as an unsigned magnitude. */
int kex_dh_keygen(struct burrow_conn *c, struct buf *q)
{
	struct kex_method_state *ms = c->kex.ms;
	struct kex_dh_group_view g = kex_dh_group(c);
	unsigned p_bits = dh_bits(g.p, g.p_len);
	dh_key_free(ms->dh);
	ms->dh = NULL;
	int err = dh_key_new(g.p, g.p_len, g.g, g.g_len, kex_dh_exponent_bits(c, p_bits), &ms->dh);
	if (err < 0)
		return conn_fail_code(c, err, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "DH key generation failed: %s",
				      burrow_strerror(err));
	size_t len = dh_key_p_len(ms->dh);
	uint8_t *out = buf_extend(q, len);
	if (!out)
		return BURROW_E_NOMEM;
	return dh_public(ms->dh, out, len);
}

int kex_dh_derive(struct burrow_conn *c, struct bstr peer)
{
	struct kex_state *k = &c->kex;
	size_t len = dh_key_p_len(k->ms->dh);
	uint8_t *shared = malloc(len);
	if (!shared)
		return BURROW_E_NOMEM;
	/* RFC 4253 8: e and f outside [1, p-1] must not be accepted; we refuse [0, 1] and [p-1, ...)
	 * and values with fewer than 4 bits set (OpenSSH's dh_pub_is_valid). */
	int err = dh_shared(k->ms->dh, peer.p, peer.len, shared, len);
	if (err < 0) {
		free(shared);
		return conn_fail_code(c, err, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED,
				      "invalid DH public value from peer (%u bits)", dh_bits(peer.p, peer.len));
	}
	buf_reset(&k->shared_secret);
	buf_put_mpint(&k->shared_secret, shared, len);
	crypto_wipe(shared, len);
	free(shared);
	dh_key_free(k->ms->dh);
	k->ms->dh = NULL;
	return buf_ok(&k->shared_secret) ? 0 : BURROW_E_NOMEM;
}

int kex_dh_server_derive(struct burrow_conn *c, struct bstr q_c, struct buf *q_s)
{
	struct kex_dh_group_view g = kex_dh_group(c);
	/* Check e before spending an exponentiation on our own key. */
	if (!dh_public_is_valid(g.p, g.p_len, q_c.p, q_c.len))
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "invalid DH public value from client (%u bits)",
				 dh_bits(q_c.p, q_c.len));
	int err = kex_dh_keygen(c, q_s);
	return err < 0 ? err : kex_dh_derive(c, q_c);
}

static const struct kex_shape kex_dh_shape = {
	.init_msg = SSH_MSG_KEXDH_INIT,
	.reply_msg = SSH_MSG_KEXDH_REPLY,
	.values_are_mpints = true,
	.client_keygen = kex_dh_keygen,
	.server_derive = kex_dh_server_derive,
	.client_derive = kex_dh_derive,
};

#define KEX_DH_METHOD(var, method_name, hash_alg, group) \
	const struct kex_method var = { \
		.name = method_name, \
		.hash = hash_alg, \
		.shape = &kex_dh_shape, \
		.params = &group, \
		.start = kex_exchange_start, \
		.handle = kex_exchange_handle, \
	}

KEX_DH_METHOD(kex_dh_group1_sha1, "diffie-hellman-group1-sha1", HASH_SHA1, dh_group1);
KEX_DH_METHOD(kex_dh_group14_sha1, "diffie-hellman-group14-sha1", HASH_SHA1, dh_group14);
KEX_DH_METHOD(kex_dh_group14_sha256, "diffie-hellman-group14-sha256", HASH_SHA256, dh_group14);
KEX_DH_METHOD(kex_dh_group16_sha512, "diffie-hellman-group16-sha512", HASH_SHA512, dh_group16);
KEX_DH_METHOD(kex_dh_group18_sha512, "diffie-hellman-group18-sha512", HASH_SHA512, dh_group18);
