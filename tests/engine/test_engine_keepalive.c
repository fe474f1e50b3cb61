/*
 * Keepalives (OpenSSH's ServerAliveInterval / ClientAliveInterval): global requests
 * "keepalive@openssh.com" with want-reply whose answers are absorbed by the engine. Replies
 * to global requests carry no name and are matched to ours in order (RFC 4254 4), so
 * keepalives and hostkeys-prove-00@openssh.com mix; a reply nobody asked for still ends the
 * connection. Any packet from the peer resets the count of unanswered keepalives.
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

static void client_logs_in(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_KEX_DONE && t->client.count[BURROW_EV_KEX_DONE] == 1)
		assert_int_equal(burrow_auth_publickey(t->p.client.conn, AUTH_TEST_USER, t->p.user_key), 0);
}

static void server_accepts(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_AUTH_PUBKEY)
		assert_int_equal(burrow_auth_verdict(t->p.server.conn, true), 0);
}

/* An authenticated pair, quiet: the host key announcement has been taken by the client. */
static void logged_in(struct auth_pair *t)
{
	auth_pair_play(t, no_config, no_config, client_logs_in, server_accepts, NULL);
	assert_int_equal(t->client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t->client.count[BURROW_EV_HOSTKEYS], 1);
	assert_int_equal(t->client.count[BURROW_EV_DISCONNECTED], 0);
}

/* Events of both sides so far, to check that replies raise none. */
static int events(const struct auth_log *log)
{
	int n = 0;
	for (size_t i = 0; i <= BURROW_EV_DISCONNECTED; i++)
		n += log->count[i];
	return n;
}

static void test_keepalive_before_authentication_is_refused(void **state)
{
	struct auth_pair t;
	auth_pair_init(&t, no_config, no_config);
	assert_int_equal(burrow_conn_keepalive(t.p.client.conn), BURROW_E_STATE);
	assert_int_equal(burrow_conn_keepalive(t.p.server.conn), BURROW_E_STATE);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), 0);
	auth_pair_free(&t);
}

static void test_client_keepalive_is_answered_and_absorbed(void **state)
{
	struct auth_pair t;
	logged_in(&t);
	int client_events = events(&t.client), server_events = events(&t.server);
	assert_int_equal(burrow_conn_keepalive(t.p.client.conn), 0);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), 1);
	assert_int_equal(t.p.client.conn->global_replies_len, 1);
	auth_pair_run(&t);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), 0);
	assert_int_equal(t.p.client.conn->global_replies_len, 0);
	/* Neither program heard of it. */
	assert_int_equal(events(&t.client), client_events);
	assert_int_equal(events(&t.server), server_events);
	auth_pair_free(&t);
}

static void test_server_keepalive_is_answered_by_the_client_engine(void **state)
{
	struct auth_pair t;
	logged_in(&t);
	int client_events = events(&t.client);
	assert_int_equal(burrow_conn_keepalive(t.p.server.conn), 0);
	assert_int_equal(burrow_conn_keepalive(t.p.server.conn), 0);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.server.conn), 2);
	auth_pair_run(&t);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.server.conn), 0);
	assert_int_equal(t.p.server.conn->global_replies_len, 0);
	assert_int_equal(events(&t.client), client_events);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

static void test_unanswered_keepalives_are_counted(void **state)
{
	struct auth_pair t;
	logged_in(&t);
	for (unsigned i = 1; i <= 3; i++) {
		assert_int_equal(burrow_conn_keepalive(t.p.client.conn), 0);
		auth_pair_pump(&t, false); /* the server's answers never arrive */
		assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), i);
	}
	auth_pair_run(&t);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), 0);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

static void test_any_packet_from_the_peer_resets_the_count(void **state)
{
	struct auth_pair t;
	logged_in(&t);
	assert_int_equal(burrow_conn_keepalive(t.p.client.conn), 0);
	assert_int_equal(burrow_conn_keepalive(t.p.client.conn), 0);
	/* Before the server has seen them, it sends an IGNORE: the client knows it alive. */
	struct buf *b = auth_pair_begin(&t, true, SSH_MSG_IGNORE);
	buf_put_cstring(b, "");
	auth_pair_send(&t, true);
	pair_transfer(&t.p, &t.p.server, &t.p.client);
	auth_pair_pump(&t, false);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), 0);
	/* The two replies still come, and are matched to the two keepalives. */
	assert_int_equal(t.p.client.conn->global_replies_len, 2);
	auth_pair_run(&t);
	assert_int_equal(t.p.client.conn->global_replies_len, 0);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

/* More keepalives than replies can be waited for: the count still grows, requests stop. */
static void test_keepalives_past_the_reply_queue_still_count(void **state)
{
	struct auth_pair t;
	logged_in(&t);
	for (unsigned i = 0; i < GLOBAL_REPLIES_MAX + 4; i++)
		assert_int_equal(burrow_conn_keepalive(t.p.client.conn), 0);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), GLOBAL_REPLIES_MAX + 4);
	assert_int_equal(t.p.client.conn->global_replies_len, GLOBAL_REPLIES_MAX);
	auth_pair_run(&t);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), 0);
	assert_int_equal(t.p.client.conn->global_replies_len, 0);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

/* ---- mixed with hostkeys-prove-00@openssh.com ---- */

/* On HOSTKEYS: keepalive, prove, keepalive, as ServerAliveInterval could interleave them. */
static void client_proves_between_keepalives(struct auth_pair *t, const struct burrow_event *ev)
{
	client_logs_in(t, ev);
	if (ev->type == BURROW_EV_HOSTKEYS) {
		assert_int_equal(burrow_conn_keepalive(t->p.client.conn), 0);
		assert_int_equal(burrow_hostkeys_prove(t->p.client.conn, ev->keys, ev->nkeys), 0);
		assert_int_equal(burrow_conn_keepalive(t->p.client.conn), 0);
		assert_int_equal(t->p.client.conn->global_replies_len, 3);
	}
	if (ev->type == BURROW_EV_HOSTKEYS_PROVEN) {
		assert_true(ev->ok);
		assert_int_equal(ev->nkeys, 1);
		/* Its reply came second: the first keepalive's was taken before it. */
		assert_int_equal(t->p.client.conn->global_replies_len, 1);
		t->step = 1;
	}
}

static void test_keepalive_replies_mix_with_a_hostkeys_proof(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, no_config, no_config, client_proves_between_keepalives, server_accepts, NULL);
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS_PROVEN], 1);
	assert_int_equal(t.step, 1);
	assert_int_equal(t.p.client.conn->global_replies_len, 0);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

/* On HOSTKEYS: prove, then a keepalive; the proof's reply comes first. */
static void client_proves_then_keepalive(struct auth_pair *t, const struct burrow_event *ev)
{
	client_logs_in(t, ev);
	if (ev->type == BURROW_EV_HOSTKEYS) {
		assert_int_equal(burrow_hostkeys_prove(t->p.client.conn, ev->keys, ev->nkeys), 0);
		assert_int_equal(burrow_conn_keepalive(t->p.client.conn), 0);
	}
	if (ev->type == BURROW_EV_HOSTKEYS_PROVEN) {
		assert_true(ev->ok);
		assert_int_equal(t->p.client.conn->global_replies_len, 1);
		t->step = 1;
	}
}

static void test_a_hostkeys_proof_then_a_keepalive(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, no_config, no_config, client_proves_then_keepalive, server_accepts, NULL);
	assert_int_equal(t.step, 1);
	assert_int_equal(t.p.client.conn->global_replies_len, 0);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

/* A SUCCESS forged before the server's real FAILURE would be taken as the proof's reply; but
 * with a keepalive first it is the keepalive's, and the proof's real answer (SUCCESS with
 * signatures) still verifies. Then the keepalive's real FAILURE is one reply too many. */
static void client_keepalive_then_forged_reply(struct auth_pair *t, const struct burrow_event *ev)
{
	client_logs_in(t, ev);
	if (ev->type == BURROW_EV_HOSTKEYS) {
		assert_int_equal(burrow_conn_keepalive(t->p.client.conn), 0);
		assert_int_equal(burrow_hostkeys_prove(t->p.client.conn, ev->keys, ev->nkeys), 0);
		auth_pair_begin(t, true, SSH_MSG_REQUEST_FAILURE);
		auth_pair_send(t, true);
	}
	if (ev->type == BURROW_EV_HOSTKEYS_PROVEN) {
		/* The forged FAILURE answered the keepalive; the keepalive's real FAILURE
		 * then answered the proof. */
		assert_false(ev->ok);
		t->step = 1;
	}
}

static void test_replies_are_matched_strictly_in_order(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, no_config, no_config, client_keepalive_then_forged_reply, server_accepts, NULL);
	assert_int_equal(t.step, 1);
	/* The proof's own SUCCESS answers nothing any more. */
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 1);
	assert_non_null(strstr(t.client.disconnect_message, "global request reply nobody asked for"));
	auth_pair_free(&t);
}

/* ---- replies nobody asked for ---- */

static void test_request_success_nobody_asked_for_disconnects_the_client(void **state)
{
	struct auth_pair t;
	logged_in(&t);
	assert_int_equal(burrow_conn_keepalive(t.p.client.conn), 0);
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	/* The keepalive has had its answer: one more is a protocol error. */
	auth_pair_begin(&t, true, SSH_MSG_REQUEST_SUCCESS);
	auth_pair_send(&t, true);
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 1);
	assert_int_equal(t.client.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t.client.disconnect_message, "global request reply nobody asked for"));
	auth_pair_free(&t);
}

static void test_request_failure_nobody_asked_for_disconnects_the_server(void **state)
{
	struct auth_pair t;
	logged_in(&t);
	auth_pair_begin(&t, false, SSH_MSG_REQUEST_FAILURE);
	auth_pair_send(&t, false);
	auth_pair_run(&t);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 1);
	assert_int_equal(t.server.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 1);
	assert_true(t.client.by_peer);
	auth_pair_free(&t);
}

static void test_keepalive_on_a_closed_connection_is_refused(void **state)
{
	struct auth_pair t;
	logged_in(&t);
	assert_int_equal(burrow_conn_disconnect(t.p.client.conn, BURROW_DISCONNECT_BY_APPLICATION, "bye"), 0);
	assert_int_equal(burrow_conn_keepalive(t.p.client.conn), BURROW_E_CLOSED);
	auth_pair_free(&t);
}

/* A keepalive while our key exchange runs waits with the other messages until NEWKEYS. */
static void test_keepalive_during_a_rekey_is_held_then_answered(void **state)
{
	struct auth_pair t;
	logged_in(&t);
	int kex_before = t.client.count[BURROW_EV_KEX_DONE];
	assert_int_equal(kex_send_kexinit(t.p.client.conn), 0);
	assert_true(transport_sending_blocked(t.p.client.conn));
	assert_int_equal(burrow_conn_keepalive(t.p.client.conn), 0);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), 1);
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_KEX_DONE], kex_before + 1);
	assert_int_equal(burrow_conn_keepalives_unanswered(t.p.client.conn), 0);
	assert_int_equal(t.p.client.conn->global_replies_len, 0);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED] + t.server.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

/* ---- sshd's other form: a channel request on an open session ---- */

/* sshd's client_alive_check asks on an open channel ("keepalive@openssh.com", want-reply); the
 * client's engine declines it (CHANNEL_FAILURE), which is all the server needs to hear. */
static void client_opens_a_session(struct auth_pair *t, const struct burrow_event *ev)
{
	uint32_t ch;
	client_logs_in(t, ev);
	if (ev->type == BURROW_EV_AUTH_SUCCESS)
		assert_int_equal(burrow_chan_open_session(t->p.client.conn, &ch), 0);
}

static void server_accepts_the_session(struct auth_pair *t, const struct burrow_event *ev)
{
	server_accepts(t, ev);
	if (ev->type == BURROW_EV_CHANNEL_OPEN) {
		t->p.server.channel = ev->channel;
		assert_int_equal(burrow_chan_open_verdict(t->p.server.conn, ev->channel, true, 0, NULL), 0);
	}
	if (ev->type == BURROW_EV_CHANNEL_REQUEST_REPLY) {
		assert_false(ev->ok);
		t->step++;
	}
}

static void test_channel_keepalive_from_the_server_is_declined_by_the_client_engine(void **state)
{
	struct auth_pair t;
	auth_pair_play(&t, no_config, no_config, client_opens_a_session, server_accepts_the_session, NULL);
	assert_int_equal(t.client.count[BURROW_EV_CHANNEL_OPEN_CONFIRMED], 1);
	int client_events = events(&t.client);
	assert_int_equal(burrow_chan_request_simple(t.p.server.conn, t.p.server.channel, "keepalive@openssh.com", true), 0);
	assert_int_equal(burrow_chan_request_simple(t.p.server.conn, t.p.server.channel, "keepalive@openssh.com", true), 0);
	auth_pair_run(&t);
	assert_int_equal(t.step, 2);
	assert_int_equal(t.server.count[BURROW_EV_CHANNEL_REQUEST_REPLY], 2);
	assert_int_equal(events(&t.client), client_events); /* the client's program never saw them */
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED] + t.server.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalive_before_authentication_is_refused),
		cmocka_unit_test(test_client_keepalive_is_answered_and_absorbed),
		cmocka_unit_test(test_server_keepalive_is_answered_by_the_client_engine),
		cmocka_unit_test(test_unanswered_keepalives_are_counted),
		cmocka_unit_test(test_any_packet_from_the_peer_resets_the_count),
		cmocka_unit_test(test_keepalives_past_the_reply_queue_still_count),
		cmocka_unit_test(test_keepalive_replies_mix_with_a_hostkeys_proof),
		cmocka_unit_test(test_a_hostkeys_proof_then_a_keepalive),
		cmocka_unit_test(test_replies_are_matched_strictly_in_order),
		cmocka_unit_test(test_request_success_nobody_asked_for_disconnects_the_client),
		cmocka_unit_test(test_request_failure_nobody_asked_for_disconnects_the_server),
		cmocka_unit_test(test_keepalive_on_a_closed_connection_is_refused),
		cmocka_unit_test(test_keepalive_during_a_rekey_is_held_then_answered),
		cmocka_unit_test(test_channel_keepalive_from_the_server_is_declined_by_the_client_engine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
