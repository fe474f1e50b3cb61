/*
 * Client side of user authentication (RFC 4252): the ssh-userauth service request, "none"
 * to learn the methods, "publickey" as query (7, PK_OK) then signature (made here, or by the
 * program for a key without private half: AUTH_SIGN), its host-bound variant when the server
 * offers it (OpenSSH PROTOCOL 3.1), "password" (8, with the change the server may demand) and
 * "keyboard-interactive" (RFC 4256).
 * Every reply is checked against the request outstanding: nothing the server sends unasked
 * moves this state machine. Message 60 means what the method outstanding says it means.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"
#include "keys_internal.h" /* cert_sig_alg_plain */

#define METHOD_PUBKEY "publickey"
#define METHOD_HOSTBOUND "publickey-hostbound-v00@openssh.com"
#define METHOD_PASSWORD "password"
#define METHOD_KBDINT "keyboard-interactive"

static void authc_wipe_string(char **s)
{
	if (*s) {
		crypto_wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static void authc_clear_prompts(struct auth_client *a)
{
	for (size_t i = 0; i < a->nprompts; i++)
		free(a->prompts[i]);
	free(a->prompts);
	free(a->echo);
	free(a->kbd_name);
	free(a->kbd_instruction);
	a->prompts = NULL;
	a->echo = NULL;
	a->kbd_name = a->kbd_instruction = NULL;
	a->nprompts = 0;
}

void auth_client_free(struct auth_client *a)
{
	authc_wipe_string(&a->password);
	authc_wipe_string(&a->new_password);
	authc_clear_prompts(a);
	buf_free(&a->sign_data);
	free(a->submethods);
	free(a->user);
	free(a->methods);
	memset(a, 0, sizeof(*a));
}

static const char *authc_method_name(const struct auth_client *a)
{
	switch (a->pending_method) {
	case AUTH_PENDING_PUBKEY:
		return METHOD_PUBKEY;
	case AUTH_PENDING_PASSWORD:
		return METHOD_PASSWORD;
	case AUTH_PENDING_KBDINT:
		return METHOD_KBDINT;
	default:
		return "none";
	}
}

/* The attempt is over, whatever its outcome: nothing of it may linger. */
static void authc_attempt_over(struct auth_client *a, enum auth_client_state next)
{
	a->state = next;
	a->key = NULL;
	a->sig_alg = NULL;
	a->hostbound = false;
	authc_wipe_string(&a->password);
	authc_wipe_string(&a->new_password);
	authc_clear_prompts(a);
	buf_free(&a->sign_data);
}

static int authc_put_pubkey_head(struct burrow_conn *c, struct buf *b, bool with_signature, struct bstr blob)
{
	struct auth_client *a = &c->authc;
	buf_put_cstring(b, a->user);
	buf_put_cstring(b, "ssh-connection");
	buf_put_cstring(b, a->hostbound ? METHOD_HOSTBOUND : METHOD_PUBKEY);
	buf_put_bool(b, with_signature);
	buf_put_cstring(b, a->sig_alg);
	buf_put_bstr(b, blob);
	if (!a->hostbound)
		return 0;
	/* OpenSSH PROTOCOL 3.1: the server host key of the first exchange binds the request. */
	uint8_t *host_blob = NULL;
	size_t host_len = 0;
	int err = burrow_key_to_blob(c->server_host_key, &host_blob, &host_len);
	if (err < 0)
		return err;
	buf_put_string(b, host_blob, host_len);
	free(host_blob);
	return 0;
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
		for (const char *const *alg = burrow_key_sig_algs(key); *alg; alg++) {
			/* server-sig-algs names a certificate's algorithm by its plain one, as OpenSSH. */
			const char *plain = cert_sig_alg_plain(*alg);
			if (bstr_eq(name, *alg) && (namelist_contains(theirs, name) ||
						    (plain && namelist_contains(theirs, bstr_cstr(plain)))))
				return *alg;
		}
	}
	return NULL;
}

static struct burrow_event *authc_event(struct burrow_conn *c, enum burrow_event_type type)
{
	struct burrow_event *ev = conn_push_event(c, type);
	if (ev)
		ev->name = authc_method_name(&c->authc);
	return ev;
}

/* The attempt fails here, before or without the server's word (no mutual algorithm, the
 * program could not sign, the server wants a new password): the program may try another. */
static int authc_fail_locally(struct burrow_conn *c, const char *message)
{
	struct auth_client *a = &c->authc;
	conn_set_error(c, "%s", message);
	struct burrow_event *ev = authc_event(c, BURROW_EV_AUTH_FAILURE);
	authc_attempt_over(a, AUTHC_READY);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->methods = conn_event_string(c, bstr_cstr(a->methods ? a->methods : METHOD_PUBKEY));
	ev->message = c->last_error;
	return 0;
}

/* ---- sending the attempts ---- */

static void authc_put_head(struct auth_client *a, struct buf *b, const char *method)
{
	buf_put_cstring(b, a->user);
	buf_put_cstring(b, "ssh-connection");
	buf_put_cstring(b, method);
}

static int authc_send_pubkey_query(struct burrow_conn *c)
{
	struct auth_client *a = &c->authc;
	a->sig_alg = authc_pick_sig_alg(c, a->key);
	if (!a->sig_alg) {
		char message[128];
		snprintf(message, sizeof(message), "no mutual signature algorithm for the %s key", burrow_key_type_name(a->key));
		return authc_fail_locally(c, message);
	}
	/* As OpenSSH 8.9+: host-bound whenever the server offers it (EXT_INFO). */
	a->hostbound = c->peer_pubkey_hostbound && c->server_host_key;
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	int err = burrow_key_to_blob(a->key, &blob, &blob_len);
	if (err < 0)
		return err;
	struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_REQUEST);
	err = authc_put_pubkey_head(c, b, false, bstr_from(blob, blob_len));
	free(blob);
	if (err < 0) {
		buf_truncate(c->msg_target, c->msg_start); /* the half-built request never goes out */
		c->msg_target = NULL;
		return err;
	}
	a->state = AUTHC_PK_QUERY_SENT;
	return transport_msg_end(c);
}

static int authc_send_attempt(struct burrow_conn *c)
{
	struct auth_client *a = &c->authc;
	struct buf *b;
	switch (a->pending_method) {
	case AUTH_PENDING_PUBKEY:
		return authc_send_pubkey_query(c);
	case AUTH_PENDING_PASSWORD:
		b = transport_msg_begin(c, SSH_MSG_USERAUTH_REQUEST);
		authc_put_head(a, b, METHOD_PASSWORD);
		/* RFC 4252 8: TRUE, old password, new password when answering PASSWD_CHANGEREQ. */
		buf_put_bool(b, a->new_password != NULL);
		buf_put_cstring(b, a->password);
		if (a->new_password)
			buf_put_cstring(b, a->new_password);
		authc_wipe_string(&a->password);
		authc_wipe_string(&a->new_password);
		a->state = AUTHC_PASSWORD_SENT;
		break;
	case AUTH_PENDING_KBDINT:
		b = transport_msg_begin(c, SSH_MSG_USERAUTH_REQUEST);
		authc_put_head(a, b, METHOD_KBDINT);
		buf_put_cstring(b, ""); /* language tag, deprecated (RFC 4256 3.1) */
		buf_put_cstring(b, a->submethods ? a->submethods : "");
		a->state = AUTHC_KBDINT_SENT;
		break;
	default:
		b = transport_msg_begin(c, SSH_MSG_USERAUTH_REQUEST);
		authc_put_head(a, b, "none");
		a->state = AUTHC_NONE_SENT;
		break;
	}
	return transport_msg_end(c);
}

/* The signed request goes out: the signed data minus the session id, plus the signature. */
static int authc_send_signature(struct burrow_conn *c, const uint8_t *sig, size_t sig_len)
{
	struct auth_client *a = &c->authc;
	struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_REQUEST);
	size_t skip = 4 + c->session_id_len + 1;
	buf_put(b, buf_ptr(&a->sign_data) + skip, buf_len(&a->sign_data) - skip);
	buf_put_string(b, sig, sig_len);
	buf_free(&a->sign_data);
	a->state = AUTHC_PK_SIGN_SENT;
	return transport_msg_end(c);
}

/* RFC 4252 7: the signature covers session_id and the request as it will be sent. A key
 * without private half is the program's to sign (an agent's): AUTH_SIGN asks for it. */
static int authc_sign(struct burrow_conn *c)
{
	struct auth_client *a = &c->authc;
	buf_free(&a->sign_data);
	buf_put_string(&a->sign_data, c->session_id, c->session_id_len);
	buf_put_u8(&a->sign_data, SSH_MSG_USERAUTH_REQUEST);
	uint8_t *blob = NULL, *sig = NULL;
	size_t blob_len = 0, sig_len = 0;
	int err = burrow_key_to_blob(a->key, &blob, &blob_len);
	if (err == 0)
		err = authc_put_pubkey_head(c, &a->sign_data, true, bstr_from(blob, blob_len));
	free(blob);
	if (err == 0 && !buf_ok(&a->sign_data))
		err = BURROW_E_NOMEM;
	if (err == 0 && !burrow_key_has_private(a->key)) {
		struct burrow_event *ev = conn_push_event(c, BURROW_EV_AUTH_SIGN);
		if (!ev)
			return BURROW_E_NOMEM;
		ev->key = a->key;
		ev->name = a->sig_alg;
		ev->data = buf_ptr(&a->sign_data);
		ev->len = buf_len(&a->sign_data);
		a->state = AUTHC_PK_SIGNING;
		c->question = Q_AUTH_SIGN;
		return 0;
	}
	if (err == 0)
		err = burrow_key_sign(a->key, a->sig_alg, buf_ptr(&a->sign_data), buf_len(&a->sign_data), &sig, &sig_len);
	if (err == 0)
		err = authc_send_signature(c, sig, sig_len);
	free(sig);
	if (err < 0)
		return conn_fail_code(c, err, BURROW_DISCONNECT_BY_APPLICATION, "signing the authentication request failed: %s",
				      burrow_strerror(err));
	return 0;
}

int burrow_auth_signature(struct burrow_conn *c, const uint8_t *sig, size_t sig_len)
{
	struct auth_client *a = &c->authc;
	if (c->role != BURROW_CLIENT || c->question != Q_AUTH_SIGN || a->state != AUTHC_PK_SIGNING)
		return BURROW_E_STATE;
	c->question = Q_NONE;
	if (!sig || sig_len == 0)
		return authc_fail_locally(c, "signing failed for the key: agent refused operation");
	/* As OpenSSH's sshkey_check_sigtype: the signature must be of the algorithm we asked for. */
	struct rd r;
	rd_init(&r, sig, sig_len);
	struct bstr alg = rd_string(&r);
	rd_string(&r);
	/* A certificate's signature names its plain algorithm (PROTOCOL.certkeys). */
	const char *want = cert_sig_alg_plain(a->sig_alg) ? cert_sig_alg_plain(a->sig_alg) : a->sig_alg;
	if (!rd_done(&r) || !bstr_eq(alg, want))
		return authc_fail_locally(c, "unexpected signature type from the signer");
	return authc_send_signature(c, sig, sig_len);
}

/* ---- starting an attempt ---- */

/* May an attempt start now, for this user? */
static int authc_check_start(struct burrow_conn *c, const char *user)
{
	struct auth_client *a = &c->authc;
	if (c->role != BURROW_CLIENT || c->closed)
		return c->closed ? BURROW_E_CLOSED : BURROW_E_STATE;
	if (!c->kex.done_once || (a->state != AUTHC_IDLE && a->state != AUTHC_READY))
		return BURROW_E_STATE;
	if (!user || (a->user && strcmp(a->user, user) != 0 && a->state != AUTHC_IDLE))
		return BURROW_E_INVALID;
	return 0;
}

/* The method's fields are set: send it, or ask for the service first. */
static int authc_go(struct burrow_conn *c, const char *user, enum auth_method_pending method)
{
	struct auth_client *a = &c->authc;
	if (!a->user || strcmp(a->user, user) != 0) {
		free(a->user);
		a->user = strdup(user);
		if (!a->user)
			return BURROW_E_NOMEM;
	}
	a->pending_method = method;
	if (a->state == AUTHC_READY)
		return authc_send_attempt(c);
	struct buf *b = transport_msg_begin(c, SSH_MSG_SERVICE_REQUEST);
	buf_put_cstring(b, "ssh-userauth");
	a->state = AUTHC_SERVICE_REQUESTED;
	return transport_msg_end(c);
}

int burrow_auth_none(struct burrow_conn *c, const char *user)
{
	int err = authc_check_start(c, user);
	if (err < 0)
		return err;
	return authc_go(c, user, AUTH_PENDING_NONE_METHOD);
}

int burrow_auth_publickey(struct burrow_conn *c, const char *user, const struct burrow_key *key)
{
	if (!key)
		return BURROW_E_INVALID;
	int err = authc_check_start(c, user);
	if (err < 0)
		return err;
	/* Once the service is accepted, EXT_INFO has come (RFC 8308 2.4): a key without a mutual
	 * algorithm is refused here. Before, the choice waits for SERVICE_ACCEPT. */
	if (c->authc.state == AUTHC_READY && !authc_pick_sig_alg(c, key))
		return BURROW_E_NOMATCH;
	c->authc.key = key;
	return authc_go(c, user, AUTH_PENDING_PUBKEY);
}

int burrow_auth_password(struct burrow_conn *c, const char *user, const char *password)
{
	if (!password)
		return BURROW_E_INVALID;
	int err = authc_check_start(c, user);
	if (err < 0)
		return err;
	authc_wipe_string(&c->authc.password);
	c->authc.password = strdup(password);
	if (!c->authc.password)
		return BURROW_E_NOMEM;
	return authc_go(c, user, AUTH_PENDING_PASSWORD);
}

int burrow_auth_password_change(struct burrow_conn *c, const char *user, const char *old_password,
				const char *new_password)
{
	if (!old_password || !new_password)
		return BURROW_E_INVALID;
	int err = authc_check_start(c, user);
	if (err < 0)
		return err;
	struct auth_client *a = &c->authc;
	authc_wipe_string(&a->password);
	authc_wipe_string(&a->new_password);
	a->password = strdup(old_password);
	a->new_password = strdup(new_password);
	if (!a->password || !a->new_password) {
		authc_wipe_string(&a->password);
		authc_wipe_string(&a->new_password);
		return BURROW_E_NOMEM;
	}
	return authc_go(c, user, AUTH_PENDING_PASSWORD);
}

int burrow_auth_kbdint(struct burrow_conn *c, const char *user, const char *submethods)
{
	int err = authc_check_start(c, user);
	if (err < 0)
		return err;
	free(c->authc.submethods);
	c->authc.submethods = strdup(submethods ? submethods : "");
	if (!c->authc.submethods)
		return BURROW_E_NOMEM;
	return authc_go(c, user, AUTH_PENDING_KBDINT);
}

int auth_client_service_accepted(struct burrow_conn *c, struct rd *r)
{
	struct bstr service = rd_string(r);
	if (!rd_done(r) || c->authc.state != AUTHC_SERVICE_REQUESTED || !bstr_eq(service, "ssh-userauth"))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected SERVICE_ACCEPT");
	return authc_send_attempt(c);
}

/* ---- the server's answers ---- */

static int authc_failure(struct burrow_conn *c, struct rd *r)
{
	struct auth_client *a = &c->authc;
	struct bstr methods = rd_string(r);
	bool partial = rd_bool(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_FAILURE");
	free(a->methods);
	a->methods = bstr_dup(methods); /* for a later attempt that fails before it is sent */
	struct burrow_event *ev = authc_event(c, BURROW_EV_AUTH_FAILURE);
	authc_attempt_over(a, AUTHC_READY);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->methods = conn_event_string(c, methods);
	ev->partial = partial;
	return 0;
}

static int authc_success(struct burrow_conn *c, struct rd *r)
{
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_SUCCESS");
	struct burrow_event *ev = authc_event(c, BURROW_EV_AUTH_SUCCESS);
	authc_attempt_over(&c->authc, AUTHC_DONE);
	c->authenticated = true;
	return ev ? 0 : BURROW_E_NOMEM;
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
	return authc_sign(c);
}

/* RFC 4252 8: the password was right but must be changed first. The attempt is over; the
 * program asks the user and answers with burrow_auth_password_change(), or moves on. */
static int authc_passwd_changereq(struct burrow_conn *c, struct rd *r)
{
	struct auth_client *a = &c->authc;
	struct bstr prompt = rd_string(r);
	rd_string(r); /* language tag */
	if (!rd_done(r) || prompt.len > AUTH_MAX_FIELD_LEN)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_PASSWD_CHANGEREQ");
	struct burrow_event *ev = authc_event(c, BURROW_EV_AUTH_PASSWORD_CHANGE);
	authc_attempt_over(a, AUTHC_READY);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->message = conn_event_string(c, prompt);
	ev->methods = conn_event_string(c, bstr_cstr(a->methods ? a->methods : METHOD_PASSWORD));
	return 0;
}

/* A copy for the program: the wire's NULs become '?', as conn_event_string does. */
static char *authc_text_dup(struct bstr s)
{
	char *copy = malloc(s.len + 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < s.len; i++)
		copy[i] = s.p[i] ? (char)s.p[i] : '?';
	copy[s.len] = 0;
	return copy;
}

/* RFC 4256 3.2: prompts for the program, which answers with burrow_auth_kbdint_respond(). */
static int authc_info_request(struct burrow_conn *c, struct rd *r)
{
	struct auth_client *a = &c->authc;
	struct bstr name = rd_string(r);
	struct bstr instruction = rd_string(r);
	rd_string(r); /* language tag */
	uint32_t n = rd_u32(r);
	if (!rd_ok(r) || n > AUTH_KBDINT_MAX_PROMPTS)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_INFO_REQUEST");
	authc_clear_prompts(a);
	a->prompts = calloc(n ? n : 1, sizeof(*a->prompts));
	a->echo = calloc(n ? n : 1, sizeof(*a->echo));
	a->kbd_name = authc_text_dup(name);
	a->kbd_instruction = authc_text_dup(instruction);
	if (!a->prompts || !a->echo || !a->kbd_name || !a->kbd_instruction)
		return BURROW_E_NOMEM;
	for (uint32_t i = 0; i < n; i++) {
		struct bstr prompt = rd_string(r);
		a->echo[i] = rd_bool(r);
		if (!rd_ok(r))
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_INFO_REQUEST");
		a->prompts[i] = authc_text_dup(prompt);
		if (!a->prompts[i])
			return BURROW_E_NOMEM;
		a->nprompts = i + 1;
	}
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed USERAUTH_INFO_REQUEST");
	struct burrow_event *ev = authc_event(c, BURROW_EV_AUTH_KBDINT_PROMPT);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->name = a->kbd_name;
	ev->message = a->kbd_instruction;
	ev->strings = (const char *const *)a->prompts;
	ev->echo = a->echo;
	ev->nstrings = a->nprompts;
	a->state = AUTHC_KBDINT_PROMPTED;
	c->question = Q_KBDINT_PROMPT;
	return 0;
}

int burrow_auth_kbdint_respond(struct burrow_conn *c, size_t n, const char *const *responses)
{
	struct auth_client *a = &c->authc;
	if (c->role != BURROW_CLIENT || c->question != Q_KBDINT_PROMPT || a->state != AUTHC_KBDINT_PROMPTED)
		return BURROW_E_STATE;
	if (n != a->nprompts || (n && !responses))
		return BURROW_E_INVALID;
	for (size_t i = 0; i < n; i++)
		if (!responses[i])
			return BURROW_E_INVALID;
	c->question = Q_NONE;
	struct buf *b = transport_msg_begin(c, SSH_MSG_USERAUTH_INFO_RESPONSE);
	buf_put_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		buf_put_cstring(b, responses[i]);
	authc_clear_prompts(a);
	a->state = AUTHC_KBDINT_SENT;
	return transport_msg_end(c);
}

static int authc_banner(struct burrow_conn *c, struct rd *r)
{
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

/* Message 60 answers the request outstanding: PK_OK, PASSWD_CHANGEREQ or INFO_REQUEST. */
static int authc_message_60(struct burrow_conn *c, struct rd *r)
{
	switch (c->authc.state) {
	case AUTHC_PK_QUERY_SENT:
		return authc_pk_ok(c, r);
	case AUTHC_PASSWORD_SENT:
		return authc_passwd_changereq(c, r);
	case AUTHC_KBDINT_SENT:
		return authc_info_request(c, r);
	default:
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected authentication message 60 from server");
	}
}

int auth_client_handle(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	enum auth_client_state s = c->authc.state;
	bool waiting = s == AUTHC_NONE_SENT || s == AUTHC_PK_QUERY_SENT || s == AUTHC_PK_SIGN_SENT ||
		       s == AUTHC_PASSWORD_SENT || s == AUTHC_KBDINT_SENT;
	switch (type) {
	case SSH_MSG_USERAUTH_FAILURE:
		if (waiting)
			return authc_failure(c, r);
		break;
	case SSH_MSG_USERAUTH_SUCCESS:
		if (waiting && s != AUTHC_PK_QUERY_SENT)
			return authc_success(c, r);
		break;
	case SSH_MSG_USERAUTH_BANNER:
		if (s != AUTHC_DONE && s != AUTHC_IDLE)
			return authc_banner(c, r);
		break;
	case 60:
		return authc_message_60(c, r);
	default:
		break;
	}
	return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected authentication message %u from server", type);
}
