/* curve25519-sha256 (RFC 8731), also known as curve25519-sha256@libssh.org. */
#include "kex.h"

#include <string.h>

#define X25519_LEN 32

static int c25519_keygen(struct burrow_conn *c, struct buf *q_c)
{
	struct kex_method_state *ms = c->kex.ms;
	if (x25519_keygen(ms->x25519_priv, ms->x25519_pub) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "x25519 key generation failed");
	buf_put(q_c, ms->x25519_pub, X25519_LEN);
	return 0;
}

/* K: the X25519 output read as a big-endian unsigned integer, encoded as mpint (RFC 8731 3.1). */
static int c25519_shared(struct burrow_conn *c, struct bstr peer_pub)
{
	struct kex_state *k = &c->kex;
	uint8_t shared[X25519_LEN];
	if (peer_pub.len != X25519_LEN)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "curve25519 public key of %zu bytes, not 32",
				 peer_pub.len);
	if (x25519_shared(k->ms->x25519_priv, peer_pub.p, shared) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "invalid curve25519 public key from peer");
	buf_reset(&k->shared_secret);
	buf_put_mpint(&k->shared_secret, shared, X25519_LEN);
	crypto_wipe(shared, sizeof(shared));
	crypto_wipe(k->ms->x25519_priv, sizeof(k->ms->x25519_priv));
	return buf_ok(&k->shared_secret) ? 0 : BURROW_E_NOMEM;
}

static int c25519_server_derive(struct burrow_conn *c, struct bstr q_c, struct buf *q_s)
{
	int err = c25519_keygen(c, q_s); /* the server's ephemeral key is made the same way */
	return err < 0 ? err : c25519_shared(c, q_c);
}

static const struct kex_shape c25519_shape = {
	.init_msg = SSH_MSG_KEX_ECDH_INIT,
	.reply_msg = SSH_MSG_KEX_ECDH_REPLY,
	.client_keygen = c25519_keygen,
	.server_derive = c25519_server_derive,
	.client_derive = c25519_shared,
};

const struct kex_method kex_curve25519_sha256 = {
	.name = "curve25519-sha256",
	.hash = HASH_SHA256,
	.shape = &c25519_shape,
	.start = kex_exchange_start,
	.handle = kex_exchange_handle,
};

const struct kex_method kex_curve25519_sha256_libssh = {
	.name = "curve25519-sha256@libssh.org",
	.hash = HASH_SHA256,
	.shape = &c25519_shape,
	.start = kex_exchange_start,
	.handle = kex_exchange_handle,
};
