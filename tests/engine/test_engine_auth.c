/*
 * User authentication between our engines, method by method, both outcomes on both sides:
 * password (RFC 4252 8), keyboard-interactive (RFC 4256), publickey with and without the
 * host-bound extension (OpenSSH PROTOCOL 3.1), signatures made by the program (AUTH_SIGN),
 * partial success, MaxAuthTries and the banner.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"
#include "helper_auth.h"

#define ALL_METHODS "publickey,password,keyboard-interactive"
#define RIGHT_PASSWORD "correct horse"

static struct burrow_config server_methods(const char *methods)
{
	struct burrow_config cfg = { .auth_methods = methods };
	return cfg;
}

static const struct burrow_config no_config;

static bool first_kex_done(struct auth_pair *t, const struct burrow_event *ev)
{
	return ev->type == BURROW_EV_KEX_DONE && t->client.count[BURROW_EV_KEX_DONE] == 1;
}

/* ---- password ---- */

static void client_tries_password(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev))
		assert_int_equal(burrow_auth_password(t->p.client.conn, AUTH_TEST_USER, (const char *)t->ctx), 0);
}

static void server_checks_password(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type != BURROW_EV_AUTH_PASSWORD)
		return;
	assert_string_equal(ev->user, AUTH_TEST_USER);
	assert_string_equal(ev->name, "password");
	assert_int_equal(burrow_auth_verdict(t->p.server.conn, strcmp(ev->password, RIGHT_PASSWORD) == 0), 0);
	assert_null(t->p.server.conn->auths.password); /* wiped once answered */
}

static void test_password_right_succeeds_on_both_sides(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods(ALL_METHODS), no_config, client_tries_password,
		       server_checks_password, (void *)RIGHT_PASSWORD);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_string_equal(t.client.method, "password");
	assert_string_equal(t.server.method, "password");
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 0);
	assert_true(t.p.server.conn->authenticated);
	auth_pair_free(&t);
}

static void test_password_wrong_fails_on_both_sides(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods(ALL_METHODS), no_config, client_tries_password,
		       server_checks_password, (void *)"wrong");
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.client.method, "password");
	assert_string_equal(t.client.methods, ALL_METHODS);
	assert_false(t.client.partial);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.server.method, "password");
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 0);
	assert_false(t.p.server.conn->authenticated);
	assert_false(t.client.count[BURROW_EV_DISCONNECTED]);
	auth_pair_free(&t);
}

static void test_password_not_offered_never_reaches_the_program(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods("publickey"), no_config, client_tries_password,
		       server_checks_password, (void *)RIGHT_PASSWORD);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD], 0);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.client.methods, "publickey");
	auth_pair_free(&t);
}

/* A request the client builds by hand, the client engine told which answer to expect. */
static struct buf *client_request(struct auth_pair *t, const char *method, enum auth_client_state expect,
				  enum auth_method_pending pending)
{
	struct buf *b = auth_pair_begin(t, false, SSH_MSG_USERAUTH_REQUEST);
	buf_put_cstring(b, AUTH_TEST_USER);
	buf_put_cstring(b, "ssh-connection");
	buf_put_cstring(b, method);
	t->p.client.conn->authc.state = expect;
	t->p.client.conn->authc.pending_method = pending;
	return b;
}

static void client_asks_password_change(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev))
		assert_int_equal(burrow_auth_none(t->p.client.conn, AUTH_TEST_USER), 0);
	if (ev->type == BURROW_EV_AUTH_FAILURE && t->client.count[BURROW_EV_AUTH_FAILURE] == 1) {
		struct buf *b = client_request(t, "password", AUTHC_PASSWORD_SENT, AUTH_PENDING_PASSWORD);
		buf_put_bool(b, true);
		buf_put_cstring(b, RIGHT_PASSWORD);
		buf_put_cstring(b, "new password");
		auth_pair_send(t, false);
	}
}

static void test_password_change_request_is_a_failure(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods(ALL_METHODS), no_config, client_asks_password_change,
		       server_checks_password, NULL);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD], 0);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.server.method, "password");
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 2);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 0);
	auth_pair_free(&t);
}

/* ---- keyboard-interactive ---- */

static const char *const three_prompts[] = { "Password: ", "Token: ", "Pet's name: " };
static const bool three_echo[] = { false, true, false };
static const char *const three_answers[] = { "one", "two", "three" };

static void client_answers_kbdint(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev))
		assert_int_equal(burrow_auth_kbdint(t->p.client.conn, AUTH_TEST_USER, "pam"), 0);
	if (ev->type != BURROW_EV_AUTH_KBDINT_PROMPT)
		return;
	if (ev->nstrings == 0) {
		assert_string_equal(ev->message, "Read this first");
		assert_int_equal(burrow_auth_kbdint_respond(t->p.client.conn, 0, NULL), 0);
		return;
	}
	assert_string_equal(ev->name, "Login");
	assert_string_equal(ev->message, "Answer three");
	assert_int_equal(ev->nstrings, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(ev->strings[i], three_prompts[i]);
		assert_int_equal(ev->echo[i], three_echo[i]);
	}
	assert_int_equal(burrow_auth_kbdint_respond(t->p.client.conn, 2, three_answers), BURROW_E_INVALID);
	assert_int_equal(burrow_auth_kbdint_respond(t->p.client.conn, 3, three_answers), 0);
}

/* ctx "zero first": a message-only round (0 prompts), then three prompts. */
static void server_challenges_kbdint(struct auth_pair *t, const struct burrow_event *ev)
{
	struct burrow_conn *conn = t->p.server.conn;
	bool zero_first = t->ctx != NULL;
	if (ev->type == BURROW_EV_AUTH_KBDINT_START) {
		assert_string_equal(ev->message, "pam");
		assert_string_equal(ev->name, "keyboard-interactive");
		if (zero_first)
			assert_int_equal(burrow_auth_kbdint_challenge(conn, "", "Read this first", 0, NULL, NULL), 0);
		else
			assert_int_equal(burrow_auth_kbdint_challenge(conn, "Login", "Answer three", 3, three_prompts, three_echo), 0);
	}
	if (ev->type == BURROW_EV_AUTH_KBDINT_RESPONSE && ev->nstrings == 0) {
		assert_true(zero_first);
		assert_int_equal(burrow_auth_kbdint_challenge(conn, "Login", "Answer three", 3, three_prompts, three_echo), 0);
	} else if (ev->type == BURROW_EV_AUTH_KBDINT_RESPONSE) {
		assert_int_equal(ev->nstrings, 3);
		bool right = true;
		for (size_t i = 0; i < 3; i++)
			right &= strcmp(ev->strings[i], three_answers[i]) == 0;
		assert_true(right);
		assert_int_equal(burrow_auth_outcome(conn, t->step ? BURROW_AUTH_REJECT : BURROW_AUTH_ACCEPT), 0);
		assert_null(conn->auths.responses); /* wiped once answered */
	}
}

static void test_kbdint_three_prompts_succeeds(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods(ALL_METHODS), no_config, client_answers_kbdint,
		       server_challenges_kbdint, NULL);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_KBDINT_PROMPT], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_KBDINT_RESPONSE], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_string_equal(t.client.method, "keyboard-interactive");
	assert_string_equal(t.server.method, "keyboard-interactive");
	auth_pair_free(&t);
}

static void test_kbdint_zero_prompts_then_three_succeeds(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods(ALL_METHODS), no_config, client_answers_kbdint,
		       server_challenges_kbdint, (void *)"zero first");
	assert_int_equal(t.client.count[BURROW_EV_AUTH_KBDINT_PROMPT], 2);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_KBDINT_RESPONSE], 2);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	auth_pair_free(&t);
}

static void test_kbdint_wrong_answers_fail_on_both_sides(void **state)
{
	struct auth_pair t;
	auth_pair_init(&t, server_methods(ALL_METHODS), no_config);
	t.step = 1; /* the server rejects */
	t.on_client = client_answers_kbdint;
	t.on_server = server_challenges_kbdint;
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.client.method, "keyboard-interactive");
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.server.method, "keyboard-interactive");
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 0);
	auth_pair_free(&t);
}

static void server_refuses_kbdint(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_AUTH_KBDINT_START)
		assert_int_equal(burrow_auth_verdict(t->p.server.conn, false), 0);
}

static void test_kbdint_refused_at_start_fails(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods(ALL_METHODS), no_config, client_answers_kbdint,
		       server_refuses_kbdint, NULL);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_KBDINT_PROMPT], 0);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.client.method, "keyboard-interactive");
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	auth_pair_free(&t);
}

/* The client program sends two answers to three prompts (by hand: the API refuses to). */
static void client_answers_two_of_three(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev))
		assert_int_equal(burrow_auth_kbdint(t->p.client.conn, AUTH_TEST_USER, "pam"), 0);
	if (ev->type != BURROW_EV_AUTH_KBDINT_PROMPT)
		return;
	struct buf *b = auth_pair_begin(t, false, SSH_MSG_USERAUTH_INFO_RESPONSE);
	buf_put_u32(b, 2);
	buf_put_cstring(b, "one");
	buf_put_cstring(b, "two");
	auth_pair_send(t, false);
}

static void test_kbdint_wrong_response_count_disconnects(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods(ALL_METHODS), no_config, client_answers_two_of_three,
		       server_challenges_kbdint, NULL);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_KBDINT_RESPONSE], 0);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 1);
	assert_int_equal(t.server.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t.server.disconnect_message, "wrong number of keyboard-interactive responses"));
	auth_pair_free(&t);
}

/* ---- publickey: host-bound, partial success, signatures by the program ---- */

static void client_tries_publickey(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev)) {
		const struct burrow_key *key = t->ctx ? (const struct burrow_key *)t->ctx : t->p.user_key;
		assert_int_equal(burrow_auth_publickey(t->p.client.conn, AUTH_TEST_USER, key), 0);
	}
}

/* Accepts the user key; records the method names the requests came with in t->step bits:
 * 1 plain publickey, 2 host-bound. */
static void server_accepts_user_key(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type != BURROW_EV_AUTH_PUBKEY)
		return;
	if (strcmp(ev->name, "publickey") == 0)
		t->step |= 1;
	else if (strcmp(ev->name, "publickey-hostbound-v00@openssh.com") == 0)
		t->step |= 2;
	else
		fail_msg("unexpected method %s", ev->name);
	assert_int_equal(burrow_auth_verdict(t->p.server.conn, burrow_key_equal_public(ev->key, t->p.user_key)), 0);
}

static void test_publickey_is_host_bound_when_the_server_offers_it(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, no_config, no_config, client_tries_publickey, server_accepts_user_key, NULL);
	assert_true(t.p.client.conn->peer_pubkey_hostbound);
	assert_int_equal(t.step, 2); /* query and signed request both host-bound */
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_string_equal(t.server.method, "publickey");
	assert_string_equal(t.client.method, "publickey");
	auth_pair_free(&t);
}

/* As with a server that sends no publickey-hostbound@openssh.com in EXT_INFO. */
static void client_tries_plain_publickey(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev))
		assert_int_equal(burrow_auth_none(t->p.client.conn, AUTH_TEST_USER), 0);
	if (ev->type == BURROW_EV_AUTH_FAILURE && t->client.count[BURROW_EV_AUTH_FAILURE] == 1) {
		t->p.client.conn->peer_pubkey_hostbound = false;
		assert_int_equal(burrow_auth_publickey(t->p.client.conn, AUTH_TEST_USER, t->p.user_key), 0);
	}
}

static void test_publickey_is_plain_when_the_server_does_not_offer_host_bound(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, no_config, no_config, client_tries_plain_publickey, server_accepts_user_key, NULL);
	assert_int_equal(t.step, 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	auth_pair_free(&t);
}

static void test_publickey_unknown_key_fails_on_both_sides(void **state)
{
	struct auth_pair t;
	auth_pair_init(&t, no_config, no_config);
	struct burrow_key *stranger;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &stranger), 0);
	t.ctx = stranger;
	t.on_client = client_tries_publickey;
	t.on_server = server_accepts_user_key;
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.client.method, "publickey");
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.server.method, "publickey");
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 0);
	auth_pair_free(&t);
	burrow_key_free(stranger);
}

/* publickey, then password (AuthenticationMethods publickey,password). */
static void client_key_then_password(struct auth_pair *t, const struct burrow_event *ev)
{
	client_tries_publickey(t, ev);
	if (ev->type == BURROW_EV_AUTH_FAILURE) {
		assert_true(ev->partial);
		assert_string_equal(ev->methods, "password");
		assert_int_equal(burrow_auth_password(t->p.client.conn, AUTH_TEST_USER, RIGHT_PASSWORD), 0);
	}
}

static void server_key_partial_then_password(struct auth_pair *t, const struct burrow_event *ev)
{
	struct burrow_conn *conn = t->p.server.conn;
	if (ev->type == BURROW_EV_AUTH_PUBKEY && !ev->has_signature)
		assert_int_equal(burrow_auth_verdict(conn, true), 0);
	if (ev->type == BURROW_EV_AUTH_PUBKEY && ev->has_signature) {
		assert_int_equal(burrow_auth_set_methods(conn, "password"), 0);
		assert_int_equal(burrow_auth_outcome(conn, BURROW_AUTH_PARTIAL), 0);
		assert_false(conn->authenticated);
	}
	server_checks_password(t, ev);
}

static void test_partial_success_then_password_succeeds(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods("publickey"), no_config, client_key_then_password,
		       server_key_partial_then_password, NULL);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_true(t.client.partial);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_true(t.server.partial);
	assert_int_equal(t.p.server.conn->auths.failures, 0); /* partial success is no failure */
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_string_equal(t.server.method, "password");
	auth_pair_free(&t);
}

/* The program signs in an agent's stead with `key` (NULL: the user key); mode 1: it refuses. */
struct signer {
	struct burrow_key *key;
	int mode;
	struct burrow_key *pub; /* the public half the client engine is given */
};

static void client_signs_externally(struct auth_pair *t, const struct burrow_event *ev)
{
	struct signer *s = t->ctx;
	if (first_kex_done(t, ev)) {
		assert_int_equal(burrow_key_dup_public(t->p.user_key, &s->pub), 0);
		assert_false(burrow_key_has_private(s->pub));
		assert_int_equal(burrow_auth_publickey(t->p.client.conn, AUTH_TEST_USER, s->pub), 0);
	}
	if (ev->type != BURROW_EV_AUTH_SIGN)
		return;
	assert_true(burrow_key_equal_public(ev->key, t->p.user_key));
	assert_string_equal(ev->name, "ssh-ed25519");
	assert_true(ev->len > 0);
	if (s->mode == 1) {
		assert_int_equal(burrow_auth_signature(t->p.client.conn, NULL, 0), 0);
		return;
	}
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(s->key ? s->key : t->p.user_key, NULL, ev->data, ev->len, &sig, &sig_len), 0);
	assert_int_equal(burrow_auth_signature(t->p.client.conn, sig, sig_len), 0);
	free(sig);
}

static void run_external_signer(struct auth_pair *t, struct signer *s)
{
	auth_pair_init(t, no_config, no_config);
	t->ctx = s;
	t->on_client = client_signs_externally;
	t->on_server = server_accepts_user_key;
	auth_pair_run(t);
	burrow_key_free(s->pub);
}

static void test_external_signature_succeeds(void **state)
{
	struct auth_pair t;
	struct signer s = { 0 };
	run_external_signer(&t, &s);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SIGN], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	auth_pair_free(&t);
}

static void test_external_wrong_signature_fails_at_the_server(void **state)
{
	struct auth_pair t;
	struct signer s = { 0 };
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &s.key), 0);
	run_external_signer(&t, &s);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SIGN], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 0);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.client.method, "publickey");
	auth_pair_free(&t);
	burrow_key_free(s.key);
}

static void test_external_signer_refusal_fails_locally(void **state)
{
	struct auth_pair t;
	struct signer s = { .mode = 1 };
	run_external_signer(&t, &s);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_non_null(strstr(t.client.message, "agent refused"));
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 0); /* the signed request never went */
	assert_int_equal(t.p.client.conn->authc.state, AUTHC_READY);
	auth_pair_free(&t);
}

static void test_external_signature_of_another_type_fails_locally(void **state)
{
	struct auth_pair t;
	struct signer s = { 0 };
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 256, &s.key), 0);
	run_external_signer(&t, &s);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_non_null(strstr(t.client.message, "unexpected signature type"));
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 0);
	auth_pair_free(&t);
	burrow_key_free(s.key);
}

/* ---- counting failures, the banner ---- */

static void client_keeps_guessing(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev) || ev->type == BURROW_EV_AUTH_FAILURE) {
		if (t->ctx)
			assert_int_equal(burrow_auth_none(t->p.client.conn, AUTH_TEST_USER), 0);
		else if (ev->type == BURROW_EV_KEX_DONE)
			assert_int_equal(burrow_auth_none(t->p.client.conn, AUTH_TEST_USER), 0);
		else
			assert_int_equal(burrow_auth_password(t->p.client.conn, AUTH_TEST_USER, "guess"), 0);
	}
}

static void test_max_auth_tries_disconnects_at_the_limit(void **state)
{
	struct auth_pair t;
	struct burrow_config cfg = { .auth_methods = "password", .max_auth_tries = 3 };
	auth_pair_play(&t, cfg, no_config, client_keeps_guessing, server_checks_password, NULL);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD], 3);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 3); /* the first "none" is not one */
	assert_int_equal(t.server.reason, BURROW_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE);
	assert_string_equal(t.server.disconnect_message, "Too many authentication failures");
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 3); /* none, 2 passwords; the 3rd: DISCONNECT */
	assert_true(t.client.by_peer);
	assert_string_equal(t.client.disconnect_message, "Too many authentication failures");
	auth_pair_free(&t);
}

static void test_max_auth_tries_defaults_to_six(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods("password"), no_config, client_keeps_guessing,
		       server_checks_password, NULL);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD], 6);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 1);
	auth_pair_free(&t);
}

static void test_repeated_none_counts_after_the_first(void **state)
{
	struct auth_pair t;
	struct burrow_config cfg = { .auth_methods = "password", .max_auth_tries = 3 };
	auth_pair_play(&t, cfg, no_config, client_keeps_guessing, NULL, (void *)"none only");
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 3); /* free one + 2 counted; 3rd counted ends it */
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 3);
	assert_string_equal(t.server.method, "none");
	assert_int_equal(t.server.reason, BURROW_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE);
	auth_pair_free(&t);
}

static void client_none_then_right_password(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev))
		assert_int_equal(burrow_auth_none(t->p.client.conn, AUTH_TEST_USER), 0);
	if (ev->type == BURROW_EV_AUTH_FAILURE) {
		const char *pw = t->client.count[BURROW_EV_AUTH_FAILURE] == 1 ? "guess" : RIGHT_PASSWORD;
		assert_int_equal(burrow_auth_password(t->p.client.conn, AUTH_TEST_USER, pw), 0);
	}
}

static void test_banner_is_sent_once_before_the_first_answer(void **state)
{
	struct auth_pair t;
	struct burrow_config cfg = { .auth_methods = "password", .auth_banner = "Authorized use only.\n" };
	auth_pair_play(&t, cfg, no_config, client_none_then_right_password, server_checks_password, NULL);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_BANNER], 1);
	assert_string_equal(t.client.banner, "Authorized use only.\n");
	assert_true(auth_log_before(&t.client, BURROW_EV_AUTH_BANNER, BURROW_EV_AUTH_FAILURE));
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 2);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	auth_pair_free(&t);
}

static void test_no_banner_without_one_configured(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, server_methods("password"), no_config, client_none_then_right_password,
		       server_checks_password, NULL);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_BANNER], 0);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	auth_pair_free(&t);
}

static void test_outcome_without_a_question_is_refused(void **state)
{
	struct auth_pair t;
	auth_pair_init(&t, no_config, no_config);
	assert_int_equal(burrow_auth_outcome(t.p.server.conn, BURROW_AUTH_ACCEPT), BURROW_E_STATE);
	assert_int_equal(burrow_auth_kbdint_challenge(t.p.server.conn, "", "", 0, NULL, NULL), BURROW_E_STATE);
	assert_int_equal(burrow_auth_signature(t.p.client.conn, (const uint8_t *)"x", 1), BURROW_E_STATE);
	assert_int_equal(burrow_auth_kbdint_respond(t.p.client.conn, 0, NULL), BURROW_E_STATE);
	assert_int_equal(burrow_auth_password(t.p.client.conn, AUTH_TEST_USER, "x"), BURROW_E_STATE); /* before kex */
	auth_pair_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_right_succeeds_on_both_sides),
		cmocka_unit_test(test_password_wrong_fails_on_both_sides),
		cmocka_unit_test(test_password_not_offered_never_reaches_the_program),
		cmocka_unit_test(test_password_change_request_is_a_failure),
		cmocka_unit_test(test_kbdint_three_prompts_succeeds),
		cmocka_unit_test(test_kbdint_zero_prompts_then_three_succeeds),
		cmocka_unit_test(test_kbdint_wrong_answers_fail_on_both_sides),
		cmocka_unit_test(test_kbdint_refused_at_start_fails),
		cmocka_unit_test(test_kbdint_wrong_response_count_disconnects),
		cmocka_unit_test(test_publickey_is_host_bound_when_the_server_offers_it),
		cmocka_unit_test(test_publickey_is_plain_when_the_server_does_not_offer_host_bound),
		cmocka_unit_test(test_publickey_unknown_key_fails_on_both_sides),
		cmocka_unit_test(test_partial_success_then_password_succeeds),
		cmocka_unit_test(test_external_signature_succeeds),
		cmocka_unit_test(test_external_wrong_signature_fails_at_the_server),
		cmocka_unit_test(test_external_signer_refusal_fails_locally),
		cmocka_unit_test(test_external_signature_of_another_type_fails_locally),
		cmocka_unit_test(test_max_auth_tries_disconnects_at_the_limit),
		cmocka_unit_test(test_max_auth_tries_defaults_to_six),
		cmocka_unit_test(test_repeated_none_counts_after_the_first),
		cmocka_unit_test(test_banner_is_sent_once_before_the_first_answer),
		cmocka_unit_test(test_no_banner_without_one_configured),
		cmocka_unit_test(test_outcome_without_a_question_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
