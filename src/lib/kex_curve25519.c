/* curve25519-sha256 (RFC 8731), also known as curve25519-sha256@libssh.org. */
#include "kex.h"

#include <stdlib.h>
#include <string.h>

static int c25519_client_start(struct burrow_conn *c)
{
	struct kex_state *k = &c->kex;
	if (x25519_keygen(k->x25519_priv, k->x25519_pub) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "x25519 key generation failed");
	struct buf *b = transport_msg_begin(c, SSH_MSG_KEX_ECDH_INIT);
	buf_put_string(b, k->x25519_pub, 32);
	return transport_msg_end(c);
}

/* K: the X25519 output read as a big-endian unsigned integer, encoded as mpint (RFC 8731 3.1). */
static int c25519_shared(struct burrow_conn *c, struct bstr peer_pub)
{
	struct kex_state *k = &c->kex;
	uint8_t shared[32];
	if (peer_pub.len != 32)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "curve25519 public key of %zu bytes, not 32",
				 peer_pub.len);
	if (x25519_shared(k->x25519_priv, peer_pub.p, shared) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "invalid curve25519 public key from peer");
	buf_reset(&k->shared_secret);
	buf_put_mpint(&k->shared_secret, shared, 32);
	crypto_wipe(shared, sizeof(shared));
	crypto_wipe(k->x25519_priv, sizeof(k->x25519_priv));
	return buf_ok(&k->shared_secret) ? 0 : BURROW_E_NOMEM;
}

static int c25519_server_init(struct burrow_conn *c, struct rd *r)
{
	struct kex_state *k = &c->kex;
	struct bstr q_c = rd_string(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed KEX_ECDH_INIT");
	if (x25519_keygen(k->x25519_priv, k->x25519_pub) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "x25519 key generation failed");
	int err = c25519_shared(c, q_c);
	if (err < 0)
		return err;
	uint8_t *blob = NULL, *sig = NULL;
	size_t blob_len = 0, sig_len = 0;
	err = burrow_key_to_blob(k->host_key_signer, &blob, &blob_len);
	if (err == 0)
		err = kex_hash_ecdh(c, bstr_from(blob, blob_len), q_c, bstr_from(k->x25519_pub, 32));
	if (err == 0)
		err = burrow_key_sign(k->host_key_signer, k->chosen[KEX_CAT_HOSTKEY], k->hash, k->hash_len, &sig, &sig_len);
	if (err == 0) {
		struct buf *b = transport_msg_begin(c, SSH_MSG_KEX_ECDH_REPLY);
		buf_put_string(b, blob, blob_len);
		buf_put_string(b, k->x25519_pub, 32);
		buf_put_string(b, sig, sig_len);
		err = transport_msg_end(c);
	}
	free(blob);
	free(sig);
	if (err < 0)
		return conn_fail_code(c, err, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "key exchange reply failed: %s",
				      burrow_strerror(err));
	err = kex_derive_keys(c);
	if (err < 0)
		return err;
	return kex_send_newkeys(c);
}

static int c25519_client_reply(struct burrow_conn *c, struct rd *r)
{
	struct kex_state *k = &c->kex;
	struct bstr host_blob = rd_string(r);
	struct bstr q_s = rd_string(r);
	struct bstr sig = rd_string(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed KEX_ECDH_REPLY");
	struct burrow_key *key = NULL;
	if (burrow_key_from_blob(host_blob.p, host_blob.len, &key) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "unreadable host key from server");
	k->peer_host_key = key;
	if (strcmp(burrow_key_type_name(key), k->chosen[KEX_CAT_HOSTKEY]) != 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "server sent a %s host key, %s was agreed",
				 burrow_key_type_name(key), k->chosen[KEX_CAT_HOSTKEY]);
	int err = c25519_shared(c, q_s);
	if (err < 0)
		return err;
	err = kex_hash_ecdh(c, host_blob, bstr_from(k->x25519_pub, 32), q_s);
	if (err < 0)
		return conn_fail_code(c, err, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "exchange hash failed");
	if (burrow_key_verify(key, sig.p, sig.len, k->hash, k->hash_len) != 0)
		return conn_fail_code(c, BURROW_E_SIGNATURE, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED,
				      "host key signature from server did not verify");
	err = kex_derive_keys(c);
	if (err < 0)
		return err;
	return kex_client_check_host_key(c);
}

static int c25519_handle(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	if (c->role == BURROW_SERVER && type == SSH_MSG_KEX_ECDH_INIT && !c->kex.next_send)
		return c25519_server_init(c, r);
	if (c->role == BURROW_CLIENT && type == SSH_MSG_KEX_ECDH_REPLY && !c->kex.next_send)
		return c25519_client_reply(c, r);
	return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected key exchange message %u", type);
}

const struct kex_method kex_curve25519_sha256 = {
	.name = "curve25519-sha256",
	.hash = HASH_SHA256,
	.client_start = c25519_client_start,
	.handle = c25519_handle,
};

const struct kex_method kex_curve25519_sha256_libssh = {
	.name = "curve25519-sha256@libssh.org",
	.hash = HASH_SHA256,
	.client_start = c25519_client_start,
	.handle = c25519_handle,
};
