/*
 * Server side of user authentication (RFC 4252): publickey (7) and its host-bound variant
 * (OpenSSH PROTOCOL 3.1), password (8, with a change the program may demand) and
 * keyboard-interactive (RFC 4256).
 * The engine checks the wire format and the signatures; whether a user may log in is the
 * program's verdict (an event). One request is handled completely before the next is read
 * (RFC 4252 5): while a verdict is pending the connection reads nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"

#define AUTH_MAX_USER_LEN 256
#define METHOD_PUBKEY "publickey"
#define METHOD_HOSTBOUND "publickey-hostbound-v00@openssh.com"
#define METHOD_PASSWORD "password"
#define METHOD_KBDINT "keyboard-interactive"

static void auths_wipe_string(char **s)
{
	if (*s) {
		crypto_wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* Passwords and kbdint answers live only until the program has answered. */
static void auths_wipe_secrets(struct auth_server *a)
{
	auths_wipe_string(&a->password);
	auths_wipe_string(&a->new_password);
	for (size_t i = 0; i < a->nresponses; i++)
		auths_wipe_string(&a->responses[i]);
	free(a->responses);
	a->responses = NULL;
	a->nresponses = 0;
}

void auth_server_free(struct auth_server *a)
{
	auths_wipe_secrets(a);
	free(a->user);
	free(a->key_alg);
	free(a->methods);
	free(a->banner);
	burrow_key_free(a->key);
	buf_free(&a->key_blob);
	buf_free(&a->sig);
	buf_free(&a->hostkey_blob);
	memset(a, 0, sizeof(*a));
}

int auth_server_configure(struct burrow_conn *c, const struct burrow_config *cfg)
{
	struct auth_server *a = &c->auths;
	a->max_tries = cfg->max_auth_tries > 0 ? cfg->max_auth_tries : AUTH_MAX_FAILURES;
	a->report_user = cfg->auth_report_user;
	if (c->role == BURROW_SERVER && cfg->auth_banner && cfg->auth_banner[0]) {
		a->banner = strdup(cfg->auth_banner);
		if (!a->banner)
			return BURROW_E_NOMEM;
	}
	return 0;
}

int burrow_auth_set_methods(struct burrow_conn *c, const char *methods)
{
	if (c->role != BURROW_SERVER)
		return BURROW_E_STATE;
	if (!methods)
		return BURROW_E_INVALID;
	char *copy = strdup(methods);
	if (!copy)
		return BURROW_E_NOMEM;
	free(c->server_auth_methods);
	c->server_auth_methods = copy;
	return 0;
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

/* ---- answers ---- */

/* RFC 4252 5.4: the banner goes out before authentication ends; sshd sends it at the first request. */
static int auths_send_banner_once(struct burrow_conn *c)
{
	struct auth_server *a = &c->auths;
	if (!a->banner || a->banner_sent)
		return 0;
	a->banner_sent = true;
	struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_BANNER);
	buf_put_cstring(b, a->banner);
	buf_put_cstring(b, "");
	return transport_msg_end(c);
}

static int auths_send_failure(struct burrow_conn *c, bool partial)
{
	struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_FAILURE);
	buf_put_cstring(b, c->server_auth_methods);
	buf_put_bool(b, partial);
	return transport_msg_end(c);
}

static struct burrow_event *auths_event(struct burrow_conn *c, enum burrow_event_type type, const char *method)
{
	struct burrow_event *ev = conn_push_event(c, type);
	if (ev) {
		ev->user = c->auths.user;
		ev->name = method;
		ev->key = c->auths.key;
	}
	return ev;
}

/* A failed attempt: tell the program (for its log), count it as sshd does, tell the peer. At
 * MaxAuthTries the connection ends instead of a FAILURE (sshd's auth_maxtries_exceeded). The
 * uncounted first "none" is no attempt to report. */
static int auths_fail(struct burrow_conn *c, const char *method, bool counted)
{
	struct auth_server *a = &c->auths;
	a->state = AUTHS_WAIT_REQUEST;
	auths_wipe_secrets(a);
	if (counted)
		auths_event(c, BURROW_EV_AUTH_FAILURE, method);
	if (counted && ++a->failures >= a->max_tries) {
		/* Not an error of the caller's: the verdict was taken, DISCONNECTED tells the rest. */
		conn_fail(c, BURROW_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, "Too many authentication failures");
		return 0;
	}
	return auths_send_failure(c, false);
}

static int auths_fail_attempt(struct burrow_conn *c, const char *method)
{
	return auths_fail(c, method, true);
}

static int auths_succeed(struct burrow_conn *c, const char *method)
{
	struct auth_server *a = &c->auths;
	transport_msg_begin(c, SSH_MSG_USERAUTH_SUCCESS);
	int err = transport_msg_end(c);
	a->state = AUTHS_DONE;
	c->authenticated = true;
	if (!auths_event(c, BURROW_EV_AUTH_SUCCESS, method))
		return BURROW_E_NOMEM;
	/* The hostkeys-00 announcement follows once the program has taken this event (conn.c). */
	return err;
}

/* RFC 4252 5.1: the method worked but more are needed; the list is burrow_auth_set_methods'. */
static int auths_partial(struct burrow_conn *c, const char *method)
{
	struct auth_server *a = &c->auths;
	a->state = AUTHS_WAIT_REQUEST;
	struct burrow_event *ev = auths_event(c, BURROW_EV_AUTH_FAILURE, method);
	if (ev)
		ev->partial = true;
	return auths_send_failure(c, true);
}

static int auths_ask(struct burrow_conn *c, enum auths_method method, const char *name,
		     enum burrow_event_type type, struct burrow_event **out)
{
	struct auth_server *a = &c->auths;
	a->state = AUTHS_WAIT_VERDICT;
	a->method = method;
	a->method_name = name;
	c->question = Q_AUTH;
	*out = auths_event(c, type, name);
	return *out ? 0 : BURROW_E_NOMEM;
}

static bool auths_offers(struct burrow_conn *c, const char *method)
{
	return namelist_contains(bstr_cstr(c->server_auth_methods), bstr_cstr(method));
}

/* ---- publickey ---- */

/* OpenSSH PROTOCOL 3.1: the host key named in a host-bound request must be the one that signed
 * the first key exchange, the one that made the session id the signature covers (OpenSSH's
 * auth2-pubkey.c compares with kex->initial_hostkey). Not merely one of ours, and not the key of
 * the latest exchange: a rekey with another host key algorithm is signed by another key. */
static bool auths_is_exchange_host_key(struct burrow_conn *c, struct bstr blob)
{
	struct burrow_key *key = NULL;
	if (!c->kex.initial_host_key || burrow_key_from_blob(blob.p, blob.len, &key) < 0)
		return false;
	bool same = burrow_key_equal_public(key, c->kex.initial_host_key);
	burrow_key_free(key);
	return same;
}

static int auths_publickey(struct burrow_conn *c, struct rd *r, bool hostbound)
{
	struct auth_server *a = &c->auths;
	const char *method = hostbound ? METHOD_HOSTBOUND : METHOD_PUBKEY;
	bool has_signature = rd_bool(r);
	struct bstr alg = rd_string(r);
	struct bstr blob = rd_string(r);
	struct bstr host_blob = hostbound ? rd_string(r) : bstr_from(NULL, 0);
	size_t signed_end = r->pos; /* the signature covers the request up to here */
	struct bstr sig = has_signature ? rd_string(r) : bstr_from(NULL, 0);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed %s request", method);
	if (hostbound && !auths_is_exchange_host_key(c, host_blob))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "%s packet contained wrong host key", method);
	burrow_key_free(a->key);
	a->key = NULL;
	free(a->key_alg);
	a->key_alg = NULL;
	/* The algorithm must be one we accept (PubkeyAcceptedAlgorithms) and fit the key: rsa-sha2-512
	 * for an ssh-rsa blob, the key's own name otherwise. RSA keys under 1024 bits do not parse
	 * (OpenSSH's RequiredRSASize default). */
	if (!auths_offers(c, METHOD_PUBKEY) || !namelist_contains(bstr_cstr(c->pubkey_algs), alg) ||
	    !(a->key_alg = bstr_dup(alg)) || burrow_key_from_blob(blob.p, blob.len, &a->key) < 0 ||
	    !burrow_key_fits_sig_alg(a->key, a->key_alg))
		return auths_fail_attempt(c, METHOD_PUBKEY);
	if (has_signature) {
		/* RFC 4252 7: string session_id || the request from byte SSH_MSG_USERAUTH_REQUEST on
		 * (for host-bound requests, the host key included); the algorithm the request names. */
		struct buf data;
		buf_init(&data);
		buf_put_string(&data, c->session_id, c->session_id_len);
		buf_put(&data, r->p, signed_end);
		int ok = buf_ok(&data) &&
			 burrow_key_verify_alg(a->key, a->key_alg, sig.p, sig.len, buf_ptr(&data), buf_len(&data)) == 0;
		buf_free(&data);
		if (!ok)
			return auths_fail_attempt(c, METHOD_PUBKEY);
	}
	buf_reset(&a->key_blob);
	buf_put(&a->key_blob, blob.p, blob.len);
	buf_reset(&a->sig);
	buf_put(&a->sig, sig.p, sig.len);
	buf_reset(&a->hostkey_blob);
	buf_put(&a->hostkey_blob, host_blob.p, host_blob.len);
	if (!buf_ok(&a->key_blob) || !buf_ok(&a->sig) || !buf_ok(&a->hostkey_blob))
		return BURROW_E_NOMEM;
	a->has_signature = has_signature;
	struct burrow_event *ev;
	int err = auths_ask(c, AUTHS_METHOD_PUBKEY, method, BURROW_EV_AUTH_PUBKEY, &ev);
	if (err == 0) {
		ev->has_signature = has_signature;
		ev->sig_alg = a->key_alg;
		ev->key_blob = buf_ptr(&a->key_blob);
		ev->key_blob_len = buf_len(&a->key_blob);
		if (has_signature) {
			ev->sig = buf_ptr(&a->sig);
			ev->sig_len = buf_len(&a->sig);
		}
		if (hostbound) {
			ev->hostkey_blob = buf_ptr(&a->hostkey_blob);
			ev->hostkey_blob_len = buf_len(&a->hostkey_blob);
		}
	}
	return err;
}

/* ---- password (RFC 4252 8) ---- */

/* Over-long or NUL-bearing passwords cannot be right and are not shown to the program. */
static bool auths_password_plausible(struct bstr password)
{
	return password.len <= AUTH_MAX_FIELD_LEN && !memchr(password.p, 0, password.len);
}

static int auths_password(struct burrow_conn *c, struct rd *r)
{
	struct auth_server *a = &c->auths;
	bool change = rd_bool(r);
	struct bstr password = rd_string(r);
	struct bstr new_password = change ? rd_string(r) : bstr_from(NULL, 0);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed password request");
	/* A change request when the program never asked for one (PASSWD_CHANGEREQ) fails like a
	 * wrong password, as sshd, which never asks, does. */
	if (!auths_offers(c, METHOD_PASSWORD) || (change && !a->changereq_sent) || !auths_password_plausible(password) ||
	    (change && !auths_password_plausible(new_password)))
		return auths_fail_attempt(c, METHOD_PASSWORD);
	a->password = bstr_dup(password);
	if (!a->password)
		return BURROW_E_NOMEM;
	if (change && !(a->new_password = bstr_dup(new_password)))
		return BURROW_E_NOMEM;
	struct burrow_event *ev;
	int err = auths_ask(c, AUTHS_METHOD_PASSWORD, METHOD_PASSWORD,
			    change ? BURROW_EV_AUTH_PASSWORD_CHANGE : BURROW_EV_AUTH_PASSWORD, &ev);
	if (err == 0) {
		ev->password = a->password;
		ev->new_password = a->new_password;
	}
	return err;
}

/* RFC 4252 8: the answer to a password request that the password must be changed first. Not a
 * failure (sshd's count of failures is for refusals); the client's change request is next. */
int burrow_auth_password_changereq(struct burrow_conn *c, const char *prompt)
{
	struct auth_server *a = &c->auths;
	if (c->role != BURROW_SERVER || c->question != Q_AUTH || a->state != AUTHS_WAIT_VERDICT ||
	    a->method != AUTHS_METHOD_PASSWORD)
		return BURROW_E_STATE;
	if (!prompt || strlen(prompt) > AUTH_MAX_FIELD_LEN)
		return BURROW_E_INVALID;
	c->question = Q_NONE;
	auths_wipe_secrets(a);
	a->changereq_sent = true;
	a->state = AUTHS_WAIT_REQUEST;
	struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_PASSWD_CHANGEREQ);
	buf_put_cstring(b, prompt);
	buf_put_cstring(b, ""); /* language tag */
	return transport_msg_end(c);
}

/* ---- keyboard-interactive (RFC 4256) ---- */

static int auths_kbdint(struct burrow_conn *c, struct rd *r)
{
	rd_string(r); /* language tag, deprecated (RFC 4256 3.1) */
	struct bstr submethods = rd_string(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed keyboard-interactive request");
	if (!auths_offers(c, METHOD_KBDINT))
		return auths_fail_attempt(c, METHOD_KBDINT);
	struct burrow_event *ev;
	int err = auths_ask(c, AUTHS_METHOD_KBDINT, METHOD_KBDINT, BURROW_EV_AUTH_KBDINT_START, &ev);
	if (err == 0)
		ev->message = conn_event_string(c, submethods);
	return err;
}

int burrow_auth_kbdint_challenge(struct burrow_conn *c, const char *name, const char *instruction,
				 size_t n, const char *const *prompts, const bool *echo)
{
	struct auth_server *a = &c->auths;
	if (c->role != BURROW_SERVER || c->question != Q_AUTH || a->state != AUTHS_WAIT_VERDICT ||
	    a->method != AUTHS_METHOD_KBDINT)
		return BURROW_E_STATE;
	if (n > AUTH_KBDINT_MAX_PROMPTS || (n && (!prompts || !echo)))
		return BURROW_E_INVALID;
	for (size_t i = 0; i < n; i++)
		if (!prompts[i])
			return BURROW_E_INVALID;
	c->question = Q_NONE;
	auths_wipe_secrets(a);
	struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_INFO_REQUEST);
	buf_put_cstring(b, name ? name : "");
	buf_put_cstring(b, instruction ? instruction : "");
	buf_put_cstring(b, "");
	buf_put_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		buf_put_cstring(b, prompts[i]);
		buf_put_bool(b, echo[i]);
	}
	a->nprompts = n;
	a->state = AUTHS_WAIT_INFO_RESPONSE;
	return transport_msg_end(c);
}

/* RFC 4256 3.4: exactly one response per prompt, as sshd insists. */
static int auths_info_response(struct burrow_conn *c, struct rd *r)
{
	struct auth_server *a = &c->auths;
	if (a->state != AUTHS_WAIT_INFO_RESPONSE)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "USERAUTH_INFO_RESPONSE without a pending challenge");
	uint32_t n = rd_u32(r);
	if (!rd_ok(r) || n != a->nprompts)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "wrong number of keyboard-interactive responses: %u for %zu prompts",
				 n, a->nprompts);
	a->responses = calloc(n ? n : 1, sizeof(*a->responses));
	if (!a->responses)
		return BURROW_E_NOMEM;
	for (uint32_t i = 0; i < n; i++) {
		struct bstr answer = rd_string(r);
		if (!rd_ok(r) || answer.len > AUTH_MAX_FIELD_LEN || memchr(answer.p, 0, answer.len))
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed keyboard-interactive response");
		a->responses[i] = bstr_dup(answer);
		if (!a->responses[i])
			return BURROW_E_NOMEM;
		a->nresponses = i + 1;
	}
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_INFO_RESPONSE");
	a->nprompts = 0;
	struct burrow_event *ev;
	int err = auths_ask(c, AUTHS_METHOD_KBDINT, METHOD_KBDINT, BURROW_EV_AUTH_KBDINT_RESPONSE, &ev);
	if (err == 0) {
		ev->strings = (const char *const *)a->responses;
		ev->nstrings = a->nresponses;
	}
	return err;
}

/* ---- the program's answer ---- */

/* The family name a method is logged and listed under (sshd logs host-bound as "publickey"). */
static const char *auths_method_family(const struct auth_server *a)
{
	switch (a->method) {
	case AUTHS_METHOD_PASSWORD:
		return METHOD_PASSWORD;
	case AUTHS_METHOD_KBDINT:
		return METHOD_KBDINT;
	case AUTHS_METHOD_NONE:
		return "none";
	default:
		return METHOD_PUBKEY;
	}
}

/* The question was already taken back (c->question cleared) by the caller. */
static int auths_outcome(struct burrow_conn *c, enum burrow_auth_outcome outcome)
{
	struct auth_server *a = &c->auths;
	if (a->state != AUTHS_WAIT_VERDICT)
		return BURROW_E_STATE;
	const char *method = auths_method_family(a);
	auths_wipe_secrets(a);
	if (a->method == AUTHS_METHOD_NONE)
		return auths_fail(c, method, false); /* "none" never logs anyone in; the first is free */
	if (outcome == BURROW_AUTH_REJECT)
		return auths_fail_attempt(c, method);
	if (a->method == AUTHS_METHOD_PUBKEY && !a->has_signature) {
		/* RFC 4252 7: the key would do; the client now signs. */
		struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_PK_OK);
		buf_put_cstring(b, a->key_alg);
		buf_put_string(b, buf_ptr(&a->key_blob), buf_len(&a->key_blob));
		a->state = AUTHS_WAIT_REQUEST;
		return transport_msg_end(c);
	}
	if (outcome == BURROW_AUTH_PARTIAL)
		return auths_partial(c, method);
	return auths_succeed(c, method);
}

int auth_server_verdict(struct burrow_conn *c, bool accept)
{
	return auths_outcome(c, accept ? BURROW_AUTH_ACCEPT : BURROW_AUTH_REJECT);
}

int burrow_auth_outcome(struct burrow_conn *c, enum burrow_auth_outcome outcome)
{
	if (c->role != BURROW_SERVER || c->question != Q_AUTH)
		return BURROW_E_STATE;
	if (outcome != BURROW_AUTH_REJECT && outcome != BURROW_AUTH_ACCEPT && outcome != BURROW_AUTH_PARTIAL)
		return BURROW_E_INVALID;
	c->question = Q_NONE;
	return auths_outcome(c, outcome);
}

/* ---- dispatch ---- */

static int auths_request(struct burrow_conn *c, struct rd *r)
{
	struct auth_server *a = &c->auths;
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
	/* RFC 4256 3.4: a new request abandons a challenge; the program hears the attempt ended. */
	if (a->state == AUTHS_WAIT_INFO_RESPONSE) {
		a->nprompts = 0;
		auths_event(c, BURROW_EV_AUTH_FAILURE, METHOD_KBDINT);
	}
	a->state = AUTHS_WAIT_REQUEST;
	a->attempts++;
	burrow_key_free(a->key); /* events name a key only for the publickey request that made them */
	a->key = NULL;
	int err = auths_send_banner_once(c);
	if (err < 0)
		return err;
	if (bstr_eq(method, "none") && a->attempts == 1 && a->report_user) {
		/* The program may settle the user's methods before the client learns them. */
		struct burrow_event *ev;
		return auths_ask(c, AUTHS_METHOD_NONE, "none", BURROW_EV_AUTH_USER, &ev);
	}
	if (bstr_eq(method, "none"))
		/* "none" only learns the methods: as sshd, the first is not counted, later ones are. */
		return auths_fail(c, "none", a->attempts > 1);
	if (bstr_eq(method, METHOD_PUBKEY))
		return auths_publickey(c, r, false);
	if (bstr_eq(method, METHOD_HOSTBOUND))
		return auths_publickey(c, r, true);
	if (bstr_eq(method, METHOD_PASSWORD))
		return auths_password(c, r);
	if (bstr_eq(method, METHOD_KBDINT))
		return auths_kbdint(c, r);
	return auths_fail_attempt(c, conn_event_string(c, method));
}

int auth_server_handle(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	struct auth_server *a = &c->auths;
	if (type == SSH_MSG_USERAUTH_INFO_RESPONSE && a->state != AUTHS_DONE)
		return auths_info_response(c, r);
	if (type != SSH_MSG_USERAUTH_REQUEST)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected authentication message %u from client", type);
	if (a->state == AUTHS_DONE)
		return 0; /* RFC 4252 5.1: requests after success are ignored */
	if (a->state == AUTHS_WAIT_SERVICE)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "USERAUTH_REQUEST before the ssh-userauth service");
	if (a->state == AUTHS_WAIT_VERDICT)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "USERAUTH_REQUEST while the previous one awaits its verdict");
	return auths_request(c, r);
}
