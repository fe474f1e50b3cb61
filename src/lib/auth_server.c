/*
 * Server side of user authentication (RFC 4252). The engine checks the wire format and the
 * signatures; whether a user may log in with a key is the program's verdict (an event).
 */
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"

#define AUTH_MAX_USER_LEN 256

void auth_server_free(struct auth_server *a)
{
	free(a->user);
	free(a->key_alg);
	burrow_key_free(a->key);
	buf_free(&a->key_blob);
	memset(a, 0, sizeof(*a));
}

int auth_server_service_request(struct burrow_conn *c, struct rd *r)
{
	struct bstr service = rd_string(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed SERVICE_REQUEST");
	if (!bstr_eq(service, "ssh-userauth") || c->auths.state != AUTHS_WAIT_SERVICE)
		return conn_fail(c, BURROW_DISCONNECT_SERVICE_NOT_AVAILABLE, "service not available");
	struct buf *b = transport_msg_begin(c, SSH_MSG_SERVICE_ACCEPT);
	buf_put_bstr(b, service);
	c->auths.state = AUTHS_WAIT_REQUEST;
	return transport_msg_end(c);
}

static int auths_send_failure(struct burrow_conn *c)
{
	struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_FAILURE);
	buf_put_cstring(b, c->server_auth_methods);
	buf_put_bool(b, false);
	return transport_msg_end(c);
}

/* A failed attempt: tell the peer, tell the program (for its log), and count it. */
static int auths_fail_attempt(struct burrow_conn *c, const char *method)
{
	struct auth_server *a = &c->auths;
	a->state = AUTHS_WAIT_REQUEST;
	a->failures++;
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_AUTH_FAILURE);
	if (ev) {
		ev->user = a->user;
		ev->name = method;
		ev->key = a->key;
	}
	if (a->failures >= AUTH_MAX_FAILURES)
		return conn_fail(c, BURROW_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, "Too many authentication failures");
	return auths_send_failure(c);
}

static bool auths_offers(struct burrow_conn *c, const char *method)
{
	return namelist_contains(bstr_cstr(c->server_auth_methods), bstr_cstr(method));
}

static int auths_publickey(struct burrow_conn *c, struct rd *r, struct bstr user, struct bstr service)
{
	struct auth_server *a = &c->auths;
	bool has_signature = rd_bool(r);
	struct bstr alg = rd_string(r);
	struct bstr blob = rd_string(r);
	size_t signed_end = r->pos; /* the signature covers the request up to here */
	struct bstr sig = has_signature ? rd_string(r) : bstr_from(NULL, 0);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed publickey request");
	burrow_key_free(a->key);
	a->key = NULL;
	free(a->key_alg);
	a->key_alg = NULL;
	/* The algorithm must be one we accept (PubkeyAcceptedAlgorithms) and fit the key: rsa-sha2-512
	 * for an ssh-rsa blob, the key's own name otherwise. RSA keys under 1024 bits do not parse
	 * (OpenSSH's RequiredRSASize default). */
	if (!auths_offers(c, "publickey") || !namelist_contains(bstr_cstr(c->pubkey_algs), alg) ||
	    !(a->key_alg = bstr_dup(alg)) || burrow_key_from_blob(blob.p, blob.len, &a->key) < 0 ||
	    !burrow_key_fits_sig_alg(a->key, a->key_alg))
		return auths_fail_attempt(c, "publickey");
	if (has_signature) {
		/* RFC 4252 7: string session_id || the request from byte SSH_MSG_USERAUTH_REQUEST on;
		 * the signature must be made with the algorithm the request names. */
		struct buf data;
		buf_init(&data);
		buf_put_string(&data, c->session_id, c->session_id_len);
		buf_put(&data, r->p, signed_end);
		int ok = buf_ok(&data) &&
			 burrow_key_verify_alg(a->key, a->key_alg, sig.p, sig.len, buf_ptr(&data), buf_len(&data)) == 0;
		buf_free(&data);
		if (!ok)
			return auths_fail_attempt(c, "publickey");
	}
	(void)user;
	(void)service;
	buf_reset(&a->key_blob);
	buf_put(&a->key_blob, blob.p, blob.len);
	if (!buf_ok(&a->key_blob))
		return BURROW_E_NOMEM;
	a->has_signature = has_signature;
	a->state = AUTHS_WAIT_VERDICT;
	c->question = Q_AUTH;
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_AUTH_PUBKEY);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->user = a->user;
	ev->key = a->key;
	ev->has_signature = has_signature;
	return 0;
}

int auth_server_verdict(struct burrow_conn *c, bool accept)
{
	struct auth_server *a = &c->auths;
	if (a->state != AUTHS_WAIT_VERDICT)
		return BURROW_E_STATE;
	if (!accept)
		return auths_fail_attempt(c, "publickey");
	if (!a->has_signature) {
		struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_PK_OK);
		buf_put_cstring(b, a->key_alg);
		buf_put_string(b, buf_ptr(&a->key_blob), buf_len(&a->key_blob));
		a->state = AUTHS_WAIT_REQUEST;
		return transport_msg_end(c);
	}
	transport_msg_begin(c, SSH_MSG_USERAUTH_SUCCESS);
	int err = transport_msg_end(c);
	a->state = AUTHS_DONE;
	c->authenticated = true;
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_AUTH_SUCCESS);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->user = a->user;
	ev->name = "publickey";
	ev->key = a->key;
	return err;
}

int auth_server_handle(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	struct auth_server *a = &c->auths;
	if (type != SSH_MSG_USERAUTH_REQUEST)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected authentication message %u from client", type);
	if (a->state == AUTHS_DONE)
		return 0; /* RFC 4252 5.1: requests after success are ignored */
	if (a->state != AUTHS_WAIT_REQUEST)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "USERAUTH_REQUEST before the ssh-userauth service");
	struct bstr user = rd_string(r);
	struct bstr service = rd_string(r);
	struct bstr method = rd_string(r);
	if (!rd_ok(r) || user.len == 0 || user.len > AUTH_MAX_USER_LEN || memchr(user.p, 0, user.len))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_REQUEST");
	if (!bstr_eq(service, "ssh-connection"))
		return conn_fail(c, BURROW_DISCONNECT_SERVICE_NOT_AVAILABLE, "service not available");
	if (!a->user) {
		a->user = bstr_dup(user);
		if (!a->user)
			return BURROW_E_NOMEM;
	} else if (!bstr_eq(user, a->user)) {
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "change of user name is not allowed");
	}
	if (bstr_eq(method, "none"))
		return auths_send_failure(c); /* "none" only learns the methods; it is not counted */
	if (bstr_eq(method, "publickey"))
		return auths_publickey(c, r, user, service);
	const char *name = conn_event_string(c, method);
	return auths_fail_attempt(c, name);
}
