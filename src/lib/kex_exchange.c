/*
 * The exchange every method shares (RFC 5656 4, RFC 4253 8, RFC 4419 3): INIT with Q_C, REPLY
 * with K_S, Q_S and the server's signature over the exchange hash, then NEWKEYS. The method's
 * struct kex_shape makes and combines the ephemeral values; signing, verification, the HOSTKEY
 * question and key derivation happen here, once.
 */
#include "kex.h"

#include <stdlib.h>
#include <string.h>

static void put_value(struct buf *b, const struct kex_shape *shape, struct bstr v)
{
	if (shape->values_are_mpints)
		buf_put_mpint(b, v.p, v.len);
	else
		buf_put_bstr(b, v);
}

static struct bstr read_value(struct rd *r, const struct kex_shape *shape)
{
	return shape->values_are_mpints ? rd_mpint(r) : rd_string(r);
}

/* H = HASH(V_C || V_S || I_C || I_S || K_S || [extra] || Q_C || Q_S || K); K is already encoded. */
static int kex_exchange_hash(struct burrow_conn *c, struct bstr host_key_blob, struct bstr q_c, struct bstr q_s)
{
	struct kex_state *k = &c->kex;
	const struct kex_shape *shape = k->method->shape;
	bool client = c->role == BURROW_CLIENT;
	struct buf *i_c = client ? &k->my_kexinit : &k->peer_kexinit;
	struct buf *i_s = client ? &k->peer_kexinit : &k->my_kexinit;
	struct buf h;
	buf_init(&h);
	buf_put_cstring(&h, client ? c->my_version : c->peer_version);
	buf_put_cstring(&h, client ? c->peer_version : c->my_version);
	buf_put_string(&h, buf_ptr(i_c), buf_len(i_c));
	buf_put_string(&h, buf_ptr(i_s), buf_len(i_s));
	buf_put_bstr(&h, host_key_blob);
	if (shape->hash_extra)
		shape->hash_extra(c, &h);
	put_value(&h, shape, q_c);
	put_value(&h, shape, q_s);
	buf_put(&h, buf_ptr(&k->shared_secret), buf_len(&k->shared_secret));
	int err = buf_ok(&h) ? hash_oneshot(k->method->hash, buf_ptr(&h), buf_len(&h), k->hash) : BURROW_E_NOMEM;
	k->hash_len = hash_len(k->method->hash);
	buf_free(&h);
	return err;
}

/* A step that failed without saying why still ends the connection cleanly. */
static int kex_exchange_failed(struct burrow_conn *c, int err, const char *what)
{
	if (c->closed)
		return err;
	return conn_fail_code(c, err, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "%s failed: %s", what, burrow_strerror(err));
}

int kex_exchange_send_init(struct burrow_conn *c)
{
	struct kex_method_state *ms = c->kex.ms;
	const struct kex_shape *shape = c->kex.method->shape;
	buf_reset(&ms->q_c);
	int err = shape->client_keygen(c, &ms->q_c);
	if (err == 0 && !buf_ok(&ms->q_c))
		err = BURROW_E_NOMEM;
	if (err < 0)
		return kex_exchange_failed(c, err, "key exchange key generation");
	struct buf *b = transport_msg_begin(c, shape->init_msg);
	put_value(b, shape, bstr_from(buf_ptr(&ms->q_c), buf_len(&ms->q_c)));
	ms->step = KEX_STEP_WAIT_REPLY;
	return transport_msg_end(c);
}

int kex_exchange_start(struct burrow_conn *c)
{
	if (c->role == BURROW_SERVER) {
		c->kex.ms->step = KEX_STEP_WAIT_INIT;
		return 0;
	}
	return kex_exchange_send_init(c);
}

static int kex_exchange_server_init(struct burrow_conn *c, struct rd *r)
{
	struct kex_state *k = &c->kex;
	const struct kex_shape *shape = k->method->shape;
	struct bstr q_c = read_value(r, shape);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed key exchange message %u", shape->init_msg);
	struct buf q_s;
	buf_init(&q_s);
	uint8_t *blob = NULL, *sig = NULL;
	size_t blob_len = 0, sig_len = 0;
	int err = shape->server_derive(c, q_c, &q_s);
	if (err == 0 && !buf_ok(&q_s))
		err = BURROW_E_NOMEM;
	if (err == 0)
		err = burrow_key_to_blob(k->host_key_signer, &blob, &blob_len);
	if (err == 0)
		err = kex_exchange_hash(c, bstr_from(blob, blob_len), q_c, bstr_from(buf_ptr(&q_s), buf_len(&q_s)));
	if (err == 0)
		err = conn_host_key_sign(c, k->host_key_signer, k->chosen[KEX_CAT_HOSTKEY], k->hash, k->hash_len, &sig,
					  &sig_len);
	if (err == 0) {
		struct buf *b = transport_msg_begin(c, shape->reply_msg);
		buf_put_string(b, blob, blob_len);
		put_value(b, shape, bstr_from(buf_ptr(&q_s), buf_len(&q_s)));
		buf_put_string(b, sig, sig_len);
		err = transport_msg_end(c);
	}
	free(blob);
	free(sig);
	buf_free(&q_s);
	if (err < 0)
		return kex_exchange_failed(c, err, "key exchange reply");
	k->ms->step = KEX_STEP_DONE;
	err = kex_derive_keys(c);
	if (err < 0)
		return err;
	return kex_send_newkeys(c);
}

static int kex_exchange_client_reply(struct burrow_conn *c, struct rd *r)
{
	struct kex_state *k = &c->kex;
	const struct kex_shape *shape = k->method->shape;
	struct bstr host_blob = rd_string(r);
	struct bstr q_s = read_value(r, shape);
	struct bstr sig = rd_string(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed key exchange message %u", shape->reply_msg);
	k->ms->step = KEX_STEP_DONE;
	struct burrow_key *key = NULL;
	if (burrow_key_from_blob(host_blob.p, host_blob.len, &key) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "unreadable host key from server");
	k->peer_host_key = key;
	if (!kex_client_host_key_fits(c, key))
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "server sent a %s host key, %s was agreed",
				 burrow_key_type_name(key), k->chosen[KEX_CAT_HOSTKEY]);
	struct kex_method_state *ms = k->ms;
	int err = shape->client_derive(c, q_s);
	if (err == 0)
		err = kex_exchange_hash(c, host_blob, bstr_from(buf_ptr(&ms->q_c), buf_len(&ms->q_c)), q_s);
	if (err < 0)
		return kex_exchange_failed(c, err, "key exchange");
	/* The signature must be made with the agreed algorithm, not just any the key can make. */
	if (burrow_key_verify_alg(key, k->chosen[KEX_CAT_HOSTKEY], sig.p, sig.len, k->hash, k->hash_len) != 0)
		return conn_fail_code(c, BURROW_E_SIGNATURE, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED,
				      "host key signature from server did not verify");
	/* The first exchange's hash becomes the session identifier: keep its signature for
	 * the agent's session-bind (OpenSSH PROTOCOL.agent). */
	if (c->session_id_len == 0 && sig.len <= sizeof(c->session_sig)) {
		memcpy(c->session_sig, sig.p, sig.len);
		c->session_sig_len = sig.len;
	}
	err = kex_derive_keys(c);
	if (err < 0)
		return err;
	return kex_client_check_host_key(c);
}

int kex_exchange_handle(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	const struct kex_shape *shape = c->kex.method->shape;
	enum kex_step step = c->kex.ms->step;
	if (c->role == BURROW_SERVER && step == KEX_STEP_WAIT_INIT && type == shape->init_msg)
		return kex_exchange_server_init(c, r);
	if (c->role == BURROW_CLIENT && step == KEX_STEP_WAIT_REPLY && type == shape->reply_msg)
		return kex_exchange_client_reply(c, r);
	return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected key exchange message %u", type);
}
