/*
 * Host key rotation after authentication (OpenSSH PROTOCOL 2.5): the server announces all its
 * host keys once (hostkeys-00@openssh.com), the client asks for proof of some
 * (hostkeys-prove-00@openssh.com) and checks every signature; forged or missing proofs teach
 * the client nothing. Other global requests are still refused when a reply is wanted.
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
#include "helper_rsa_key.h"

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

/* Three host keys: ed25519 (used by the kex unless the config says otherwise), ECDSA, RSA. */
static void init_three_keys(struct auth_pair *t, struct burrow_config server_cfg)
{
	struct burrow_key *keys[3];
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &keys[0]), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 384, &keys[1]), 0);
	keys[2] = rsa_key_copy();
	auth_pair_init_host_keys(t, server_cfg, no_config, keys, 3);
	t->on_server = server_accepts;
}

/* The client's program: on HOSTKEYS, asks proof for all the announced keys but the first. */
static void client_proves_new_keys(struct auth_pair *t, const struct burrow_event *ev)
{
	client_logs_in(t, ev);
	if (ev->type == BURROW_EV_HOSTKEYS) {
		assert_int_equal(ev->nkeys, t->host_key_count);
		for (size_t i = 0; i < ev->nkeys; i++)
			assert_true(burrow_key_equal_public(ev->keys[i], t->host_keys[i]));
		assert_int_equal(burrow_hostkeys_prove(t->p.client.conn, ev->keys + 1, ev->nkeys - 1), 0);
	}
	if (ev->type == BURROW_EV_HOSTKEYS_PROVEN && ev->ok) {
		assert_int_equal(ev->nkeys, t->host_key_count - 1);
		for (size_t i = 0; i < ev->nkeys; i++)
			assert_true(burrow_key_equal_public(ev->keys[i], t->host_keys[i + 1]));
		t->step = 1;
	}
}

static void test_server_announces_its_keys_and_proves_them(void **state)
{
	struct auth_pair t;
	init_three_keys(&t, no_config);
	t.on_client = client_proves_new_keys;
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS], 1);
	assert_true(auth_log_before(&t.client, BURROW_EV_AUTH_SUCCESS, BURROW_EV_HOSTKEYS));
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS_PROVEN], 1);
	assert_int_equal(t.step, 1); /* ok, with the keys asked about */
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	assert_int_equal(t.p.client.conn->global_replies_len, 0);
	auth_pair_free(&t);
}

static void test_rsa_key_proves_with_the_rsa_algorithm_of_the_kex(void **state)
{
	struct auth_pair t;
	struct burrow_config cfg = { .hostkey_algorithms = "rsa-sha2-256" };
	init_three_keys(&t, cfg);
	t.on_client = client_proves_new_keys;
	auth_pair_run(&t);
	assert_string_equal(t.p.client.conn->kex.chosen[KEX_CAT_HOSTKEY], "rsa-sha2-256");
	assert_int_equal(t.step, 1);
	auth_pair_free(&t);
}

static void test_no_announcement_before_authentication(void **state)
{
	struct auth_pair t;
	init_three_keys(&t, no_config);
	t.on_server = NULL; /* nobody answers: authentication never completes */
	t.on_client = client_logs_in;
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS], 0);
	assert_false(t.p.server.conn->hostkeys.announced);
	assert_int_equal(burrow_hostkeys_prove(t.p.client.conn, (const struct burrow_key *const *)t.host_keys, 1),
			 BURROW_E_STATE);
	auth_pair_free(&t);
}

/* Asks proof for a key the server does not hold: it refuses, and the client learns nothing. */
static void client_asks_for_a_stranger(struct auth_pair *t, const struct burrow_event *ev)
{
	client_logs_in(t, ev);
	if (ev->type == BURROW_EV_HOSTKEYS) {
		const struct burrow_key *keys[] = { ev->keys[1], t->p.user_key };
		assert_int_equal(burrow_hostkeys_prove(t->p.client.conn, keys, 2), 0);
	}
	if (ev->type == BURROW_EV_HOSTKEYS_PROVEN) {
		assert_false(ev->ok);
		assert_int_equal(ev->nkeys, 0);
	}
}

static void test_proof_for_a_key_the_server_lacks_is_refused(void **state)
{
	struct auth_pair t;
	init_three_keys(&t, no_config);
	t.on_client = client_asks_for_a_stranger;
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS_PROVEN], 1);
	assert_non_null(strstr(t.client.message, "refused"));
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

/* A reply that did not come from the server's engine: forged before the real one arrives.
 * ctx: a struct forgery (NULL: a reply with no signatures at all). */
struct forgery {
	const struct burrow_key *key; /* signs the proof */
	const char *alg;              /* with this algorithm (NULL: the key's default) */
	size_t index;                 /* of the announced key asked about */
};

static void client_gets_forged_proof(struct auth_pair *t, const struct burrow_event *ev)
{
	const struct forgery *f = t->ctx;
	client_logs_in(t, ev);
	if (ev->type == BURROW_EV_HOSTKEYS) {
		size_t index = f ? f->index : 1;
		assert_int_equal(burrow_hostkeys_prove(t->p.client.conn, ev->keys + index, 1), 0);
		struct buf *b = auth_pair_begin(t, true, SSH_MSG_REQUEST_SUCCESS);
		if (f) {
			struct burrow_conn *c = t->p.client.conn;
			struct buf data;
			buf_init(&data);
			uint8_t *blob, *sig;
			size_t blob_len, sig_len;
			assert_int_equal(burrow_key_to_blob(ev->keys[index], &blob, &blob_len), 0);
			buf_put_cstring(&data, "hostkeys-prove-00@openssh.com");
			buf_put_string(&data, c->session_id, c->session_id_len);
			buf_put_string(&data, blob, blob_len);
			assert_int_equal(burrow_key_sign(f->key, f->alg, buf_ptr(&data), buf_len(&data), &sig, &sig_len), 0);
			buf_put_string(b, sig, sig_len);
			free(sig);
			free(blob);
			buf_free(&data);
		}
		auth_pair_send(t, true);
	}
	if (ev->type == BURROW_EV_HOSTKEYS_PROVEN)
		assert_false(ev->ok);
}

static void test_forged_proof_is_rejected(void **state)
{
	struct auth_pair t;
	init_three_keys(&t, no_config);
	struct burrow_key *forger;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 384, &forger), 0);
	struct forgery f = { .key = forger, .index = 1 };
	t.ctx = &f;
	t.on_client = client_gets_forged_proof;
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS_PROVEN], 1);
	assert_non_null(strstr(t.client.message, "bad signature"));
	/* The real reply then answers nothing we asked: the client ends the connection. */
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 1);
	assert_non_null(strstr(t.client.disconnect_message, "global request reply nobody asked for"));
	auth_pair_free(&t);
	burrow_key_free(forger);
}

static void test_proof_without_signatures_is_rejected(void **state)
{
	struct auth_pair t;
	init_three_keys(&t, no_config);
	t.on_client = client_gets_forged_proof;
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS_PROVEN], 1);
	assert_non_null(strstr(t.client.message, "bad signature"));
	auth_pair_free(&t);
}

/* The right key, but RSA with SHA-256 where OpenSSH signs and checks rsa-sha2-512 (the exchange
 * used Ed25519): refused, as OpenSSH's client refuses it. */
static void test_rsa_proof_with_another_hash_is_rejected(void **state)
{
	struct auth_pair t;
	init_three_keys(&t, no_config);
	struct forgery f = { .key = t.host_keys[2], .alg = "rsa-sha2-256", .index = 2 };
	t.ctx = &f;
	t.on_client = client_gets_forged_proof;
	auth_pair_run(&t);
	assert_string_equal(t.p.client.conn->kex.chosen[KEX_CAT_HOSTKEY], "ssh-ed25519");
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS_PROVEN], 1);
	assert_non_null(strstr(t.client.message, "bad signature"));
	auth_pair_free(&t);
}

static void server_announces_twice(struct auth_pair *t, const struct burrow_event *ev)
{
	server_accepts(t, ev);
	if (ev->type == BURROW_EV_AUTH_SUCCESS) {
		/* The engine announces once this event is taken (conn.c): one now, and it sends another. */
		assert_int_equal(hostkeys_update_announce(t->p.server.conn), 0);
		t->p.server.conn->hostkeys.announced = false;
	}
}

static void test_second_announcement_disconnects(void **state)
{
	struct auth_pair t;
	init_three_keys(&t, no_config);
	t.on_client = client_logs_in;
	t.on_server = server_announces_twice;
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS], 1);
	assert_int_equal(t.client.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t.client.disconnect_message, "server already sent hostkeys"));
	auth_pair_free(&t);
}

static void run_logged_in(struct auth_pair *t)
{
	auth_pair_init(t, no_config, no_config);
	t->on_client = client_logs_in;
	t->on_server = server_accepts;
	auth_pair_run(t);
	assert_int_equal(t->client.count[BURROW_EV_AUTH_SUCCESS], 1);
}

static void test_reply_nobody_asked_for_disconnects(void **state)
{
	struct auth_pair t;
	run_logged_in(&t);
	auth_pair_begin(&t, true, SSH_MSG_REQUEST_FAILURE);
	auth_pair_send(&t, true);
	auth_pair_run(&t);
	assert_int_equal(t.client.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t.client.disconnect_message, "global request reply nobody asked for"));
	auth_pair_free(&t);
}

/* The answer to an unknown request reaches the client as a prove reply for no keys: FAILURE
 * reads as "refused", SUCCESS would have read as ok. */
static void test_unknown_global_request_is_answered_failure(void **state)
{
	struct auth_pair t;
	run_logged_in(&t);
	struct buf *b = auth_pair_begin(&t, false, SSH_MSG_GLOBAL_REQUEST);
	buf_put_cstring(b, "no-such-request@example.com");
	buf_put_bool(b, true);
	auth_pair_send(&t, false);
	assert_int_equal(global_reply_expect(t.p.client.conn, GLOBAL_REPLY_HOSTKEYS_PROVE), 0);
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS_PROVEN], 1);
	assert_non_null(strstr(t.client.message, "refused"));
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 0);
	auth_pair_free(&t);
}

static void test_prove_request_before_authentication_disconnects(void **state)
{
	struct auth_pair t;
	auth_pair_init(&t, no_config, no_config);
	auth_pair_run(&t);
	struct buf *b = auth_pair_begin(&t, false, SSH_MSG_GLOBAL_REQUEST);
	buf_put_cstring(b, "hostkeys-prove-00@openssh.com");
	buf_put_bool(b, true);
	auth_pair_send(&t, false);
	auth_pair_run(&t);
	assert_int_equal(t.server.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t.server.disconnect_message, "before authentication"));
	auth_pair_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_announces_its_keys_and_proves_them),
		cmocka_unit_test(test_rsa_key_proves_with_the_rsa_algorithm_of_the_kex),
		cmocka_unit_test(test_no_announcement_before_authentication),
		cmocka_unit_test(test_proof_for_a_key_the_server_lacks_is_refused),
		cmocka_unit_test(test_forged_proof_is_rejected),
		cmocka_unit_test(test_proof_without_signatures_is_rejected),
		cmocka_unit_test(test_rsa_proof_with_another_hash_is_rejected),
		cmocka_unit_test(test_second_announcement_disconnects),
		cmocka_unit_test(test_reply_nobody_asked_for_disconnects),
		cmocka_unit_test(test_unknown_global_request_is_answered_failure),
		cmocka_unit_test(test_prove_request_before_authentication_disconnects),
	};
	return cmocka_run_group_tests(tests, rsa_key_group_setup, rsa_key_group_teardown);
}
