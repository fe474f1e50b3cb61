/*
 * Authentication messages nobody asked for, out of order or out of bounds. Nothing may advance
 * on them: each ends in a clean DISCONNECT with a clear reason (or, where RFC 4252 says so, is
 * answered as a failure or ignored).
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

static const struct burrow_config no_config;

static struct burrow_config all_methods(void)
{
	struct burrow_config cfg = { .auth_methods = "publickey,password,keyboard-interactive" };
	return cfg;
}

/* Kex done and "none" answered: both engines wait for the next authentication request. */
static void start_with_none(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_KEX_DONE && t->client.count[BURROW_EV_KEX_DONE] == 1)
		assert_int_equal(burrow_auth_none(t->p.client.conn, AUTH_TEST_USER), 0);
}

static void init_ready(struct auth_pair *t, struct burrow_config server_cfg)
{
	auth_pair_init(t, server_cfg, no_config);
	t->on_client = start_with_none;
	auth_pair_run(t);
	assert_int_equal(t->client.count[BURROW_EV_AUTH_FAILURE], 1);
	t->on_client = NULL;
}

static struct buf *request_from_client(struct auth_pair *t, const char *user, const char *method)
{
	struct buf *b = auth_pair_begin(t, false, SSH_MSG_USERAUTH_REQUEST);
	buf_put_cstring(b, user);
	buf_put_cstring(b, "ssh-connection");
	buf_put_cstring(b, method);
	return b;
}

static void assert_server_refused(struct auth_pair *t, const char *why)
{
	assert_int_equal(t->server.count[BURROW_EV_DISCONNECTED], 1);
	assert_int_equal(t->server.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t->server.disconnect_message, why));
	assert_int_equal(t->server.count[BURROW_EV_AUTH_SUCCESS], 0);
	assert_false(t->p.server.conn->authenticated);
	assert_true(t->client.by_peer);
}

static void test_info_response_without_challenge_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	struct buf *b = auth_pair_begin(&t, false, SSH_MSG_USERAUTH_INFO_RESPONSE);
	buf_put_u32(b, 0);
	auth_pair_send(&t, false);
	auth_pair_run(&t);
	assert_server_refused(&t, "without a pending challenge");
	auth_pair_free(&t);
}

static void test_userauth_success_from_client_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	auth_pair_begin(&t, false, SSH_MSG_USERAUTH_SUCCESS);
	auth_pair_send(&t, false);
	auth_pair_run(&t);
	assert_server_refused(&t, "unexpected authentication message 52");
	auth_pair_free(&t);
}

static void server_key_is_only_partial(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type != BURROW_EV_AUTH_PUBKEY)
		return;
	if (ev->has_signature)
		assert_int_equal(burrow_auth_set_methods(t->p.server.conn, "password"), 0);
	assert_int_equal(burrow_auth_outcome(t->p.server.conn, BURROW_AUTH_PARTIAL), 0);
}

/* Partial success is not authentication: the connection protocol stays shut. */
static void test_channel_open_after_partial_success_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, no_config);
	t.on_server = server_key_is_only_partial;
	assert_int_equal(burrow_auth_publickey(t.p.client.conn, AUTH_TEST_USER, t.p.user_key), 0);
	auth_pair_run(&t);
	assert_true(t.client.partial);
	struct buf *b = auth_pair_begin(&t, false, SSH_MSG_CHANNEL_OPEN);
	buf_put_cstring(b, "session");
	buf_put_u32(b, 0);
	buf_put_u32(b, 65536);
	buf_put_u32(b, 32768);
	auth_pair_send(&t, false);
	auth_pair_run(&t);
	assert_server_refused(&t, "before authentication");
	auth_pair_free(&t);
}

static void test_overlong_user_name_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	char user[400];
	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = 0;
	request_from_client(&t, user, "none");
	auth_pair_send(&t, false);
	auth_pair_run(&t);
	assert_server_refused(&t, "malformed USERAUTH_REQUEST");
	auth_pair_free(&t);
}

static void test_change_of_user_name_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	request_from_client(&t, "root", "none");
	auth_pair_send(&t, false);
	auth_pair_run(&t);
	assert_server_refused(&t, "change of user name");
	auth_pair_free(&t);
}

static void test_overlong_password_is_a_failure_never_shown(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	char password[AUTH_MAX_FIELD_LEN + 2];
	memset(password, 'p', sizeof(password) - 1);
	password[sizeof(password) - 1] = 0;
	struct buf *b = request_from_client(&t, AUTH_TEST_USER, "password");
	buf_put_bool(b, false);
	buf_put_cstring(b, password);
	auth_pair_send(&t, false);
	t.p.client.conn->authc.state = AUTHC_PASSWORD_SENT;
	auth_pair_run(&t);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD], 0);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 2);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

static void test_truncated_password_request_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	struct buf *b = request_from_client(&t, AUTH_TEST_USER, "password");
	buf_put_bool(b, false);
	buf_put_u32(b, 100); /* a string of 100 bytes, 3 of them present */
	buf_put(b, "abc", 3);
	auth_pair_send(&t, false);
	auth_pair_run(&t);
	assert_server_refused(&t, "malformed password request");
	auth_pair_free(&t);
}

static void server_challenges_once(struct auth_pair *t, const struct burrow_event *ev)
{
	static const char *const prompt[] = { "Code: " };
	static const bool echo[] = { true };
	if (ev->type == BURROW_EV_AUTH_KBDINT_START)
		assert_int_equal(burrow_auth_kbdint_challenge(t->p.server.conn, "", "", 1, prompt, echo), 0);
}

static void client_answers_too_long(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type != BURROW_EV_AUTH_KBDINT_PROMPT)
		return;
	char answer[AUTH_MAX_FIELD_LEN + 2];
	memset(answer, 'a', sizeof(answer) - 1);
	answer[sizeof(answer) - 1] = 0;
	const char *answers[] = { answer };
	assert_int_equal(burrow_auth_kbdint_respond(t->p.client.conn, 1, answers), 0);
}

static void test_overlong_kbdint_response_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	t.on_server = server_challenges_once;
	t.on_client = client_answers_too_long;
	assert_int_equal(burrow_auth_kbdint(t.p.client.conn, AUTH_TEST_USER, NULL), 0);
	auth_pair_run(&t);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_KBDINT_RESPONSE], 0);
	assert_server_refused(&t, "malformed keyboard-interactive response");
	auth_pair_free(&t);
}

/* RFC 4256 3.4: a new request abandons the challenge; the program hears the attempt ended. */
static void client_abandons_kbdint(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type != BURROW_EV_AUTH_KBDINT_PROMPT)
		return;
	struct buf *b = request_from_client(t, AUTH_TEST_USER, "password");
	buf_put_bool(b, false);
	buf_put_cstring(b, "pw");
	auth_pair_send(t, false);
}

static void test_new_request_abandons_a_challenge(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	t.on_server = server_challenges_once;
	t.on_client = client_abandons_kbdint;
	assert_int_equal(burrow_auth_kbdint(t.p.client.conn, AUTH_TEST_USER, NULL), 0);
	auth_pair_run(&t);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.server.method, "keyboard-interactive");
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD], 1);
	assert_int_equal(t.p.server.conn->auths.failures, 0); /* abandoning is not failing */
	auth_pair_free(&t);
}

/* RFC 4252 5: pipelined requests are handled one at a time; the second waits for the verdict. */
static void test_second_request_waits_for_the_verdict(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	for (int i = 0; i < 2; i++) {
		struct buf *b = request_from_client(&t, AUTH_TEST_USER, "password");
		buf_put_bool(b, false);
		buf_put_cstring(b, i == 0 ? "first" : "second");
		auth_pair_send(&t, false);
	}
	pair_transfer(&t.p, &t.p.client, &t.p.server);
	struct burrow_conn *server = t.p.server.conn;
	struct burrow_event ev;
	assert_int_equal(burrow_conn_next_event(server, &ev), 1);
	assert_int_equal(ev.type, BURROW_EV_AUTH_PASSWORD);
	assert_string_equal(ev.password, "first");
	assert_int_equal(burrow_conn_next_event(server, &ev), BURROW_E_STATE);
	assert_int_equal(burrow_auth_verdict(server, false), 0);
	assert_int_equal(burrow_conn_next_event(server, &ev), 1);
	assert_int_equal(ev.type, BURROW_EV_AUTH_FAILURE);
	assert_int_equal(burrow_conn_next_event(server, &ev), 1);
	assert_int_equal(ev.type, BURROW_EV_AUTH_PASSWORD);
	assert_string_equal(ev.password, "second");
	assert_int_equal(burrow_auth_verdict(server, false), 0);
	/* And a request arriving while a verdict is pending in the engine is refused outright. */
	server->auths.state = AUTHS_WAIT_VERDICT;
	request_from_client(&t, AUTH_TEST_USER, "none");
	auth_pair_send(&t, false);
	pair_transfer(&t.p, &t.p.client, &t.p.server);
	auth_pair_pump(&t, true);
	assert_int_equal(t.server.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t.server.disconnect_message, "awaits its verdict"));
	auth_pair_free(&t);
}

/* A publickey-hostbound query for the user's key, naming `host_key` as the server's. */
static void send_host_bound_query(struct auth_pair *t, const struct burrow_key *host_key)
{
	uint8_t *user_blob, *host_blob;
	size_t user_len, host_len;
	assert_int_equal(burrow_key_to_blob(t->p.user_key, &user_blob, &user_len), 0);
	assert_int_equal(burrow_key_to_blob(host_key, &host_blob, &host_len), 0);
	struct buf *b = request_from_client(t, AUTH_TEST_USER, "publickey-hostbound-v00@openssh.com");
	buf_put_bool(b, false);
	buf_put_cstring(b, "ssh-ed25519");
	buf_put_string(b, user_blob, user_len);
	buf_put_string(b, host_blob, host_len);
	auth_pair_send(t, false);
	free(user_blob);
	free(host_blob);
}

static void test_host_bound_request_with_a_foreign_host_key_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, no_config);
	struct burrow_key *foreign;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &foreign), 0);
	send_host_bound_query(&t, foreign);
	auth_pair_run(&t);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PUBKEY], 0);
	assert_server_refused(&t, "wrong host key");
	burrow_key_free(foreign);
	auth_pair_free(&t);
}

/* OpenSSH auth2-pubkey.c: the request must name the host key of the key exchange, not just any
 * key the server holds; a signature bound to our other key was made for another exchange. */
static void test_host_bound_request_naming_our_other_host_key_disconnects(void **state)
{
	struct auth_pair t;
	struct burrow_key *keys[2];
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &keys[0]), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 256, &keys[1]), 0);
	auth_pair_init_host_keys(&t, no_config, no_config, keys, 2);
	t.on_client = start_with_none;
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	t.on_client = NULL;
	const struct burrow_key *signer = t.p.server.conn->kex.host_key_signer;
	assert_non_null(signer);
	const struct burrow_key *other = burrow_key_equal_public(signer, t.host_keys[0]) ? t.host_keys[1] : t.host_keys[0];
	send_host_bound_query(&t, other);
	auth_pair_run(&t);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PUBKEY], 0);
	assert_server_refused(&t, "wrong host key");
	auth_pair_free(&t);
}

/* Every cut of a keyboard-interactive request, and the whole one with a byte too many: each
 * is malformed, and the server says so rather than reading past the end or guessing. */
static void test_every_truncation_of_a_request_disconnects(void **state)
{
	struct buf whole;
	buf_init(&whole);
	buf_put_cstring(&whole, AUTH_TEST_USER);
	buf_put_cstring(&whole, "ssh-connection");
	buf_put_cstring(&whole, "keyboard-interactive");
	buf_put_cstring(&whole, "");
	buf_put_cstring(&whole, "pam");
	for (size_t len = 0; len <= buf_len(&whole); len++) {
		struct auth_pair t;
		init_ready(&t, all_methods());
		struct buf *b = auth_pair_begin(&t, false, SSH_MSG_USERAUTH_REQUEST);
		buf_put(b, buf_ptr(&whole), len);
		if (len == buf_len(&whole))
			buf_put_u8(b, 0); /* trailing garbage */
		auth_pair_send(&t, false);
		auth_pair_run(&t);
		assert_int_equal(t.server.count[BURROW_EV_AUTH_KBDINT_START], 0);
		assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 1);
		assert_int_equal(t.server.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
		assert_non_null(strstr(t.server.disconnect_message, "malformed"));
		auth_pair_free(&t);
	}
	buf_free(&whole);
}

/* ---- the client refuses what it did not ask for ---- */

static void assert_client_refused(struct auth_pair *t, const char *why)
{
	assert_int_equal(t->client.count[BURROW_EV_DISCONNECTED], 1);
	assert_int_equal(t->client.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t->client.disconnect_message, why));
	assert_int_equal(t->client.count[BURROW_EV_AUTH_SUCCESS], 0);
	assert_false(t->p.client.conn->authenticated);
}

static void server_answers_query_with_success(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_AUTH_PUBKEY) {
		auth_pair_begin(t, true, SSH_MSG_USERAUTH_SUCCESS);
		auth_pair_send(t, true);
	}
}

static void test_success_to_a_key_query_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, no_config);
	t.on_server = server_answers_query_with_success;
	assert_int_equal(burrow_auth_publickey(t.p.client.conn, AUTH_TEST_USER, t.p.user_key), 0);
	auth_pair_run(&t);
	assert_client_refused(&t, "unexpected authentication message 52");
	auth_pair_free(&t);
}

static void test_message_60_when_nothing_is_pending_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, no_config);
	struct buf *b = auth_pair_begin(&t, true, SSH_MSG_USERAUTH_INFO_REQUEST);
	buf_put_cstring(b, "");
	buf_put_cstring(b, "");
	buf_put_cstring(b, "");
	buf_put_u32(b, 0);
	auth_pair_send(&t, true);
	auth_pair_run(&t);
	assert_client_refused(&t, "unexpected authentication message 60");
	assert_int_equal(t.client.count[BURROW_EV_AUTH_KBDINT_PROMPT], 0);
	auth_pair_free(&t);
}

static void server_sends_too_many_prompts(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type != BURROW_EV_AUTH_KBDINT_START)
		return;
	struct buf *b = auth_pair_begin(t, true, SSH_MSG_USERAUTH_INFO_REQUEST);
	buf_put_cstring(b, "");
	buf_put_cstring(b, "");
	buf_put_cstring(b, "");
	buf_put_u32(b, AUTH_KBDINT_MAX_PROMPTS + 1);
	for (int i = 0; i <= AUTH_KBDINT_MAX_PROMPTS; i++) {
		buf_put_cstring(b, "?");
		buf_put_bool(b, false);
	}
	auth_pair_send(t, true);
}

static void test_too_many_prompts_disconnect(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	t.on_server = server_sends_too_many_prompts;
	assert_int_equal(burrow_auth_kbdint(t.p.client.conn, AUTH_TEST_USER, NULL), 0);
	auth_pair_run(&t);
	assert_client_refused(&t, "malformed USERAUTH_INFO_REQUEST");
	assert_int_equal(t.client.count[BURROW_EV_AUTH_KBDINT_PROMPT], 0);
	auth_pair_free(&t);
}

static void test_info_response_from_server_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, all_methods());
	struct buf *b = auth_pair_begin(&t, true, SSH_MSG_USERAUTH_INFO_RESPONSE);
	buf_put_u32(b, 0);
	auth_pair_send(&t, true);
	auth_pair_run(&t);
	assert_client_refused(&t, "unexpected authentication message 61");
	auth_pair_free(&t);
}

static void test_pk_ok_for_another_key_disconnects(void **state)
{
	struct auth_pair t;
	init_ready(&t, no_config);
	struct burrow_key *other;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &other), 0);
	assert_int_equal(burrow_auth_publickey(t.p.client.conn, AUTH_TEST_USER, t.p.user_key), 0);
	uint8_t *blob;
	size_t len;
	assert_int_equal(burrow_key_to_blob(other, &blob, &len), 0);
	struct buf *b = auth_pair_begin(&t, true, SSH_MSG_USERAUTH_PK_OK);
	buf_put_cstring(b, "ssh-ed25519");
	buf_put_string(b, blob, len);
	auth_pair_send(&t, true);
	pair_transfer(&t.p, &t.p.server, &t.p.client);
	auth_pair_pump(&t, false);
	assert_client_refused(&t, "USERAUTH_PK_OK for a key we did not offer");
	free(blob);
	burrow_key_free(other);
	auth_pair_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_response_without_challenge_disconnects),
		cmocka_unit_test(test_userauth_success_from_client_disconnects),
		cmocka_unit_test(test_channel_open_after_partial_success_disconnects),
		cmocka_unit_test(test_overlong_user_name_disconnects),
		cmocka_unit_test(test_change_of_user_name_disconnects),
		cmocka_unit_test(test_overlong_password_is_a_failure_never_shown),
		cmocka_unit_test(test_truncated_password_request_disconnects),
		cmocka_unit_test(test_overlong_kbdint_response_disconnects),
		cmocka_unit_test(test_new_request_abandons_a_challenge),
		cmocka_unit_test(test_second_request_waits_for_the_verdict),
		cmocka_unit_test(test_host_bound_request_with_a_foreign_host_key_disconnects),
		cmocka_unit_test(test_host_bound_request_naming_our_other_host_key_disconnects),
		cmocka_unit_test(test_every_truncation_of_a_request_disconnects),
		cmocka_unit_test(test_success_to_a_key_query_disconnects),
		cmocka_unit_test(test_message_60_when_nothing_is_pending_disconnects),
		cmocka_unit_test(test_too_many_prompts_disconnect),
		cmocka_unit_test(test_info_response_from_server_disconnects),
		cmocka_unit_test(test_pk_ok_for_another_key_disconnects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
