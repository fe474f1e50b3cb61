/*
 * ecdh-sha2-nistp256/384/521 (RFC 5656 4, 6.2): Q_C and Q_S are uncompressed SEC1 points, K is
 * the x-coordinate of the shared point as an mpint, the hash is SHA-256/384/512 by curve size.
 */
#include "kex.h"

#include <string.h>

#define ECDH_MAX_POINT 133 /* P-521: 1 + 2 * 66 */
#define ECDH_MAX_SECRET 66

static enum ecdh_curve nistp_curve(const struct burrow_conn *c)
{
	return *(const enum ecdh_curve *)c->kex.method->params;
}

static int nistp_keygen(struct burrow_conn *c, struct buf *q)
{
	struct kex_method_state *ms = c->kex.ms;
	enum ecdh_curve curve = nistp_curve(c);
	uint8_t point[ECDH_MAX_POINT];
	ecdh_key_free(ms->ecdh);
	ms->ecdh = NULL;
	if (ecdh_key_new(curve, &ms->ecdh) < 0 || ecdh_public(ms->ecdh, point, sizeof(point)) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "%s key generation failed", c->kex.method->name);
	buf_put(q, point, ecdh_point_len(curve));
	return 0;
}

static int nistp_shared(struct burrow_conn *c, struct bstr peer)
{
	struct kex_state *k = &c->kex;
	enum ecdh_curve curve = nistp_curve(c);
	uint8_t x[ECDH_MAX_SECRET];
	size_t x_len = ecdh_secret_len(curve);
	/* Not on the curve, at infinity, compressed or of the wrong length: RFC 5656 4 says to fail. */
	if (ecdh_shared(k->ms->ecdh, peer.p, peer.len, x, x_len) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "invalid %s public key from peer (%zu bytes)",
				 k->method->name, peer.len);
	ecdh_key_free(k->ms->ecdh);
	k->ms->ecdh = NULL;
	buf_reset(&k->shared_secret);
	buf_put_mpint(&k->shared_secret, x, x_len);
	crypto_wipe(x, sizeof(x));
	return buf_ok(&k->shared_secret) ? 0 : BURROW_E_NOMEM;
}

static int nistp_server_derive(struct burrow_conn *c, struct bstr q_c, struct buf *q_s)
{
	int err = nistp_keygen(c, q_s);
	return err < 0 ? err : nistp_shared(c, q_c);
}

static const struct kex_shape nistp_shape = {
	.init_msg = SSH_MSG_KEX_ECDH_INIT,
	.reply_msg = SSH_MSG_KEX_ECDH_REPLY,
	.client_keygen = nistp_keygen,
	.server_derive = nistp_server_derive,
	.client_derive = nistp_shared,
};

static const enum ecdh_curve curve_p256 = ECDH_P256, curve_p384 = ECDH_P384, curve_p521 = ECDH_P521;

const struct kex_method kex_ecdh_sha2_nistp256 = {
	.name = "ecdh-sha2-nistp256",
	.hash = HASH_SHA256,
	.shape = &nistp_shape,
	.params = &curve_p256,
	.start = kex_exchange_start,
	.handle = kex_exchange_handle,
};

const struct kex_method kex_ecdh_sha2_nistp384 = {
	.name = "ecdh-sha2-nistp384",
	.hash = HASH_SHA384,
	.shape = &nistp_shape,
	.params = &curve_p384,
	.start = kex_exchange_start,
	.handle = kex_exchange_handle,
};

const struct kex_method kex_ecdh_sha2_nistp521 = {
	.name = "ecdh-sha2-nistp521",
	.hash = HASH_SHA512,
	.shape = &nistp_shape,
	.params = &curve_p521,
	.start = kex_exchange_start,
	.handle = kex_exchange_handle,
};
