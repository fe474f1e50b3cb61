/*
 * Client side of user authentication (RFC 4252): the ssh-userauth service request, "none"
 * to learn the methods, and "publickey" as query (7, PK_OK) then signature.
 * Every reply is checked against the request outstanding: nothing the server sends unasked
 * moves this state machine.
 */
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"

void auth_client_free(struct auth_client *a)
{
	free(a->user);
	free(a->methods);
	memset(a, 0, sizeof(*a));
}

static void authc_put_pubkey_head(struct burrow_conn *c, struct buf *b, bool with_signature, struct bstr blob)
{
	struct auth_client *a = &c->authc;
	buf_put_cstring(b, a->user);
	buf_put_cstring(b, "ssh-connection");
	buf_put_cstring(b, "publickey");
	buf_put_bool(b, with_signature);
	buf_put_cstring(b, a->sig_alg);
	buf_put_bstr(b, blob);
}

/*
 * The publickey algorithm for a key, as OpenSSH 9's key_sig_algorithm(): a key other than RSA
 * signs as its type if our list has that name. An RSA key takes the first RSA algorithm of our
 * list that the server's server-sig-algs (RFC 8308 3.1) names; without EXT_INFO it can only be
 * ssh-rsa (SHA-1), and only when our list allows it. NULL: no algorithm both sides take.
 */
static const char *authc_pick_sig_alg(const struct burrow_conn *c, const struct burrow_key *key)
{
	struct bstr ours = bstr_cstr(c->pubkey_algs);
	if (burrow_key_type(key) != BURROW_KEY_RSA || !c->peer_sig_algs_known) {
		const char *name = burrow_key_type_name(key);
		return namelist_contains(ours, bstr_cstr(name)) ? name : NULL;
	}
	struct bstr theirs = bstr_cstr(c->peer_sig_algs);
	size_t pos = 0;
	struct bstr name;
	while (namelist_next(ours, &pos, &name)) {
		if (!namelist_contains(theirs, name))
			continue;
		for (const char *const *alg = burrow_key_sig_algs(key); *alg; alg++)
			if (bstr_eq(name, *alg))
				return *alg;
	}
	return NULL;
}

/* No algorithm for this key: the attempt fails here, as OpenSSH skips such a key, and the
 * program may offer the next one. */
static int authc_fail_locally(struct burrow_conn *c)
{
	struct auth_client *a = &c->authc;
	conn_set_error(c, "no mutual signature algorithm for the %s key", burrow_key_type_name(a->key));
	a->state = AUTHC_READY;
	a->key = NULL;
	a->sig_alg = NULL;
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_AUTH_FAILURE);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->methods = conn_event_string(c, bstr_cstr(a->methods ? a->methods : "publickey"));
	return 0;
}

static int authc_send_attempt(struct burrow_conn *c)
{
	struct auth_client *a = &c->authc;
	if (a->pending_method == AUTH_PENDING_NONE_METHOD) {
		struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_REQUEST);
		buf_put_cstring(b, a->user);
		buf_put_cstring(b, "ssh-connection");
		buf_put_cstring(b, "none");
		a->state = AUTHC_NONE_SENT;
		return transport_msg_end(c);
	}
	a->sig_alg = authc_pick_sig_alg(c, a->key);
	if (!a->sig_alg)
		return authc_fail_locally(c);
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	int err = burrow_key_to_blob(a->key, &blob, &blob_len);
	if (err < 0)
		return err;
	struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_REQUEST);
	authc_put_pubkey_head(c, b, false, bstr_from(blob, blob_len));
	free(blob);
	a->state = AUTHC_PK_QUERY_SENT;
	return transport_msg_end(c);
}

/* RFC 4252 7: the signature covers session_id and the request as it will be sent. */
static int authc_send_signed(struct burrow_conn *c)
{
	struct auth_client *a = &c->authc;
	struct buf signed_data;
	buf_init(&signed_data);
	buf_put_string(&signed_data, c->session_id, c->session_id_len);
	buf_put_u8(&signed_data, SSH_MSG_USERAUTH_REQUEST);
	uint8_t *blob = NULL, *sig = NULL;
	size_t blob_len = 0, sig_len = 0;
	int err = burrow_key_to_blob(a->key, &blob, &blob_len);
	if (err == 0)
		authc_put_pubkey_head(c, &signed_data, true, bstr_from(blob, blob_len));
	if (err == 0 && !buf_ok(&signed_data))
		err = BURROW_E_NOMEM;
	if (err == 0)
		err = burrow_key_sign(a->key, a->sig_alg, buf_ptr(&signed_data), buf_len(&signed_data), &sig, &sig_len);
	if (err == 0) {
		/* The message is the signed data minus the session id, plus the signature. */
		struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_REQUEST);
		size_t skip = 4 + c->session_id_len + 1;
		buf_put(b, buf_ptr(&signed_data) + skip, buf_len(&signed_data) - skip);
		buf_put_string(b, sig, sig_len);
		err = transport_msg_end(c);
		a->state = AUTHC_PK_SIGN_SENT;
	}
	free(blob);
	free(sig);
	buf_free(&signed_data);
	if (err < 0)
		return conn_fail_code(c, err, BURROW_DISCONNECT_BY_APPLICATION, "signing the authentication request failed: %s",
				      burrow_strerror(err));
	return 0;
}

static int authc_start(struct burrow_conn *c, const char *user, enum auth_method_pending method,
		       const struct burrow_key *key)
{
	struct auth_client *a = &c->authc;
	if (c->role != BURROW_CLIENT || c->closed)
		return c->closed ? BURROW_E_CLOSED : BURROW_E_STATE;
	if (!c->kex.done_once || (a->state != AUTHC_IDLE && a->state != AUTHC_READY))
		return BURROW_E_STATE;
	if (!user || (a->user && strcmp(a->user, user) != 0 && a->state != AUTHC_IDLE))
		return BURROW_E_INVALID;
	if (!a->user) {
		a->user = strdup(user);
		if (!a->user)
			return BURROW_E_NOMEM;
	}
	a->pending_method = method;
	a->key = key;
	if (a->state == AUTHC_READY)
		return authc_send_attempt(c);
	struct buf *b = transport_msg_begin(c, SSH_MSG_SERVICE_REQUEST);
	buf_put_cstring(b, "ssh-userauth");
	a->state = AUTHC_SERVICE_REQUESTED;
	return transport_msg_end(c);
}

int burrow_auth_none(struct burrow_conn *c, const char *user)
{
	return authc_start(c, user, AUTH_PENDING_NONE_METHOD, NULL);
}

int burrow_auth_publickey(struct burrow_conn *c, const char *user, const struct burrow_key *key)
{
	if (!key || !burrow_key_has_private(key))
		return BURROW_E_INVALID;
	/* Once the service is accepted, EXT_INFO has come (RFC 8308 2.4): a key without a mutual
	 * algorithm is refused here. Before, the choice waits for SERVICE_ACCEPT. */
	if (c->role == BURROW_CLIENT && c->authc.state == AUTHC_READY && !authc_pick_sig_alg(c, key))
		return BURROW_E_NOMATCH;
	return authc_start(c, user, AUTH_PENDING_PUBKEY, key);
}

int auth_client_service_accepted(struct burrow_conn *c, struct rd *r)
{
	struct bstr service = rd_string(r);
	if (!rd_done(r) || c->authc.state != AUTHC_SERVICE_REQUESTED || !bstr_eq(service, "ssh-userauth"))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected SERVICE_ACCEPT");
	return authc_send_attempt(c);
}

static int authc_failure(struct burrow_conn *c, struct rd *r)
{
	struct auth_client *a = &c->authc;
	struct bstr methods = rd_string(r);
	bool partial = rd_bool(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_FAILURE");
	a->state = AUTHC_READY;
	a->key = NULL;
	a->sig_alg = NULL;
	free(a->methods);
	a->methods = bstr_dup(methods); /* for a later attempt that fails before it is sent */
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_AUTH_FAILURE);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->methods = conn_event_string(c, methods);
	ev->partial = partial;
	return 0;
}

static int authc_pk_ok(struct burrow_conn *c, struct rd *r)
{
	struct auth_client *a = &c->authc;
	struct bstr alg = rd_string(r);
	struct bstr blob = rd_string(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_PK_OK");
	uint8_t *mine = NULL;
	size_t mine_len = 0;
	if (burrow_key_to_blob(a->key, &mine, &mine_len) < 0)
		return BURROW_E_NOMEM;
	bool same = bstr_eq(alg, a->sig_alg) && bstr_eq_bstr(blob, bstr_from(mine, mine_len));
	free(mine);
	if (!same)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "USERAUTH_PK_OK for a key we did not offer");
	return authc_send_signed(c);
}

int auth_client_handle(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	struct auth_client *a = &c->authc;
	bool waiting = a->state == AUTHC_NONE_SENT || a->state == AUTHC_PK_QUERY_SENT || a->state == AUTHC_PK_SIGN_SENT;
	switch (type) {
	case SSH_MSG_USERAUTH_FAILURE:
		if (waiting)
			return authc_failure(c, r);
		break;
	case SSH_MSG_USERAUTH_SUCCESS:
		if ((a->state == AUTHC_NONE_SENT || a->state == AUTHC_PK_SIGN_SENT) && rd_done(r)) {
			a->state = AUTHC_DONE;
			a->key = NULL;
			a->sig_alg = NULL;
			c->authenticated = true;
			return conn_push_event(c, BURROW_EV_AUTH_SUCCESS) ? 0 : BURROW_E_NOMEM;
		}
		break;
	case SSH_MSG_USERAUTH_BANNER:
		if (a->state != AUTHC_DONE && a->state != AUTHC_IDLE) {
			struct bstr text = rd_string(r);
			rd_string(r);
			if (!rd_done(r))
				return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_BANNER");
			struct burrow_event *ev = conn_push_event(c, BURROW_EV_AUTH_BANNER);
			if (!ev)
				return BURROW_E_NOMEM;
			ev->message = conn_event_string(c, text);
			return 0;
		}
		break;
	case SSH_MSG_USERAUTH_PK_OK:
		if (a->state == AUTHC_PK_QUERY_SENT)
			return authc_pk_ok(c, r);
		break;
	default:
		break;
	}
	return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected authentication message %u from server", type);
}
