/*
 * Password change (RFC 4252 8) between our engines: the server program answers a password with
 * burrow_auth_password_changereq(); the client program hears BURROW_EV_AUTH_PASSWORD_CHANGE and
 * answers with burrow_auth_password_change(); the server program gets the old and the new
 * password in BURROW_EV_AUTH_PASSWORD_CHANGE. A server program that never asks for a change
 * (burrowd, like sshd) sees change requests fail as wrong passwords.
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

#define OLD_PASSWORD "old secret"
#define NEW_PASSWORD "new secret"
#define WEAK_PASSWORD "123"
#define CHANGE_PROMPT "Your password has expired."

static struct burrow_config password_server(int max_auth_tries)
{
	struct burrow_config cfg = { .auth_methods = "password,keyboard-interactive", .max_auth_tries = max_auth_tries };
	return cfg;
}

static const struct burrow_config no_config;

static bool first_kex_done(struct auth_pair *t, const struct burrow_event *ev)
{
	return ev->type == BURROW_EV_KEX_DONE && t->client.count[BURROW_EV_KEX_DONE] == 1;
}

/* What the client program's user types: the new passwords, one per change prompt, in t->ctx
 * (a NULL-terminated array); none left: it gives up on passwords and tries "none". */
static void client_changes_password(struct auth_pair *t, const struct burrow_event *ev)
{
	struct burrow_conn *conn = t->p.client.conn;
	if (first_kex_done(t, ev))
		assert_int_equal(burrow_auth_password(conn, AUTH_TEST_USER, OLD_PASSWORD), 0);
	if (ev->type != BURROW_EV_AUTH_PASSWORD_CHANGE)
		return;
	assert_string_equal(ev->name, "password");
	assert_non_null(strstr(ev->message, "expired"));
	assert_non_null(strstr(ev->methods, "password"));
	assert_null(conn->authc.password); /* the old one is not kept by the engine */
	const char **answers = t->ctx;
	const char *next = answers[t->client.count[BURROW_EV_AUTH_PASSWORD_CHANGE] - 1];
	if (next)
		assert_int_equal(burrow_auth_password_change(conn, AUTH_TEST_USER, OLD_PASSWORD, next), 0);
	else
		assert_int_equal(burrow_auth_none(conn, AUTH_TEST_USER), 0);
}

/* The server program: the old password must be changed; a new one shorter than 4 characters is
 * asked for again; the right change lets the user in. step counts the change events. */
static void server_demands_change(struct auth_pair *t, const struct burrow_event *ev)
{
	struct burrow_conn *conn = t->p.server.conn;
	if (ev->type == BURROW_EV_AUTH_PASSWORD) {
		assert_string_equal(ev->password, OLD_PASSWORD);
		assert_null(ev->new_password);
		assert_int_equal(burrow_auth_password_changereq(conn, CHANGE_PROMPT), 0);
		assert_null(conn->auths.password); /* wiped once answered */
	}
	if (ev->type != BURROW_EV_AUTH_PASSWORD_CHANGE)
		return;
	t->step++;
	assert_string_equal(ev->user, AUTH_TEST_USER);
	assert_string_equal(ev->name, "password");
	assert_string_equal(ev->password, OLD_PASSWORD);
	assert_non_null(ev->new_password);
	if (strlen(ev->new_password) < 4) {
		assert_int_equal(burrow_auth_password_changereq(conn, "Too short. " CHANGE_PROMPT), 0);
		return;
	}
	assert_int_equal(burrow_auth_verdict(conn, strcmp(ev->new_password, NEW_PASSWORD) == 0), 0);
	assert_null(conn->auths.new_password);
}

static void test_password_change_succeeds_on_both_sides(void **state)
{
	const char *answers[] = { NEW_PASSWORD, NULL };
	struct auth_pair t;
	auth_pair_play(&t, password_server(0), no_config, client_changes_password, server_demands_change, answers);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_string_equal(t.server.method, "password");
	assert_string_equal(t.client.method, "password");
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 0);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 0);
	auth_pair_free(&t);
}

/* RFC 4252 8: the server may answer a change request with another PASSWD_CHANGEREQ. */
static void test_a_refused_new_password_is_asked_for_again(void **state)
{
	const char *answers[] = { WEAK_PASSWORD, NEW_PASSWORD, NULL };
	struct auth_pair t;
	auth_pair_play(&t, password_server(0), no_config, client_changes_password, server_demands_change, answers);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 2);
	assert_int_equal(t.step, 2);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	auth_pair_free(&t);
}

static void test_a_rejected_change_fails_on_both_sides(void **state)
{
	const char *answers[] = { "not the one the server wants", NULL };
	struct auth_pair t;
	auth_pair_play(&t, password_server(0), no_config, client_changes_password, server_demands_change, answers);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 0);
	assert_false(t.p.server.conn->authenticated);
	auth_pair_free(&t);
}

/* The change demand is no failure: with MaxAuthTries 1 the change still gets its chance. */
static void test_a_change_demand_is_not_counted_against_max_auth_tries(void **state)
{
	const char *answers[] = { WEAK_PASSWORD, WEAK_PASSWORD, NEW_PASSWORD, NULL };
	struct auth_pair t;
	auth_pair_play(&t, password_server(1), no_config, client_changes_password, server_demands_change, answers);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 3);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 0);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	auth_pair_free(&t);
}

/* The client program may decline (BatchMode, EOF at the prompt) and go on with another method. */
static void test_the_client_may_decline_and_try_another_method(void **state)
{
	const char *answers[] = { NULL };
	struct auth_pair t;
	auth_pair_play(&t, password_server(0), no_config, client_changes_password, server_demands_change, answers);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 0);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1); /* the "none" that followed */
	assert_string_equal(t.client.method, "none");
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	assert_int_equal(t.p.client.conn->authc.state, AUTHC_READY);
	auth_pair_free(&t);
}

/* ---- a server program that never asks (burrowd, as sshd) ---- */

static void client_sends_change_unasked(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev))
		assert_int_equal(burrow_auth_password_change(t->p.client.conn, AUTH_TEST_USER, OLD_PASSWORD, NEW_PASSWORD), 0);
}

static void server_accepts_any_password(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_AUTH_PASSWORD || ev->type == BURROW_EV_AUTH_PASSWORD_CHANGE)
		assert_int_equal(burrow_auth_verdict(t->p.server.conn, true), 0);
}

static void test_an_unasked_change_request_fails_like_a_wrong_password(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, password_server(0), no_config, client_sends_change_unasked, server_accepts_any_password, NULL);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD], 0);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 0);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_string_equal(t.server.method, "password");
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 0);
	auth_pair_free(&t);
}

/* ---- misuse and hostile input ---- */

static void server_tries_changereq_on_kbdint(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_AUTH_KBDINT_START) {
		assert_int_equal(burrow_auth_password_changereq(t->p.server.conn, CHANGE_PROMPT), BURROW_E_STATE);
		assert_int_equal(burrow_auth_verdict(t->p.server.conn, false), 0);
	}
}

static void client_tries_kbdint(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev)) {
		assert_int_equal(burrow_auth_password_changereq(t->p.client.conn, CHANGE_PROMPT), BURROW_E_STATE);
		assert_int_equal(burrow_auth_kbdint(t->p.client.conn, AUTH_TEST_USER, ""), 0);
	}
}

static void test_changereq_only_answers_a_password_request(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, password_server(0), no_config, client_tries_kbdint, server_tries_changereq_on_kbdint, NULL);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_KBDINT_START], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 0);
	auth_pair_free(&t);
}

/* A PASSWD_CHANGEREQ with a byte too many: malformed, the client disconnects. */
static void server_sends_bad_changereq(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type != BURROW_EV_AUTH_PASSWORD)
		return;
	struct buf *b = auth_pair_begin(t, true, SSH_MSG_USERAUTH_PASSWD_CHANGEREQ);
	buf_put_cstring(b, CHANGE_PROMPT);
	buf_put_cstring(b, "");
	buf_put_u8(b, 0);
	auth_pair_send(t, true);
}

static void test_a_malformed_changereq_disconnects(void **state)
{
	const char *answers[] = { NEW_PASSWORD, NULL };
	struct auth_pair t;
	auth_pair_play(&t, password_server(0), no_config, client_changes_password, server_sends_bad_changereq, answers);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 0);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 1);
	assert_int_equal(t.client.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t.client.disconnect_message, "PASSWD_CHANGEREQ"));
	auth_pair_free(&t);
}

/* A new password with a NUL inside cannot be typed: it fails without reaching the program. */
static void client_sends_nul_new_password(struct auth_pair *t, const struct burrow_event *ev)
{
	if (first_kex_done(t, ev))
		assert_int_equal(burrow_auth_password(t->p.client.conn, AUTH_TEST_USER, OLD_PASSWORD), 0);
	if (ev->type != BURROW_EV_AUTH_PASSWORD_CHANGE)
		return;
	struct buf *b = auth_pair_begin(t, false, SSH_MSG_USERAUTH_REQUEST);
	buf_put_cstring(b, AUTH_TEST_USER);
	buf_put_cstring(b, "ssh-connection");
	buf_put_cstring(b, "password");
	buf_put_bool(b, true);
	buf_put_cstring(b, OLD_PASSWORD);
	buf_put_string(b, (const uint8_t *)"new\0secret", 10);
	auth_pair_send(t, false);
	t->p.client.conn->authc.state = AUTHC_PASSWORD_SENT;
	t->p.client.conn->authc.pending_method = AUTH_PENDING_PASSWORD;
}

static void test_a_new_password_with_nul_fails_unseen(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, password_server(0), no_config, client_sends_nul_new_password, server_demands_change, NULL);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PASSWORD_CHANGE], 0);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_FAILURE], 1);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_FAILURE], 1);
	auth_pair_free(&t);
}

static void test_password_change_needs_both_passwords(void **state)
{
	struct auth_pair t;
	auth_pair_init(&t, password_server(0), no_config);
	assert_int_equal(burrow_auth_password_change(t.p.client.conn, AUTH_TEST_USER, NULL, NEW_PASSWORD), BURROW_E_INVALID);
	assert_int_equal(burrow_auth_password_change(t.p.client.conn, AUTH_TEST_USER, OLD_PASSWORD, NULL), BURROW_E_INVALID);
	/* Before the key exchange nothing may be sent. */
	assert_int_equal(burrow_auth_password_change(t.p.client.conn, AUTH_TEST_USER, OLD_PASSWORD, NEW_PASSWORD), BURROW_E_STATE);
	auth_pair_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_change_succeeds_on_both_sides),
		cmocka_unit_test(test_a_refused_new_password_is_asked_for_again),
		cmocka_unit_test(test_a_rejected_change_fails_on_both_sides),
		cmocka_unit_test(test_a_change_demand_is_not_counted_against_max_auth_tries),
		cmocka_unit_test(test_the_client_may_decline_and_try_another_method),
		cmocka_unit_test(test_an_unasked_change_request_fails_like_a_wrong_password),
		cmocka_unit_test(test_changereq_only_answers_a_password_request),
		cmocka_unit_test(test_a_malformed_changereq_disconnects),
		cmocka_unit_test(test_a_new_password_with_nul_fails_unseen),
		cmocka_unit_test(test_password_change_needs_both_passwords),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
