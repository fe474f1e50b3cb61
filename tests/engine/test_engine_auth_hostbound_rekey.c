/*
 * publickey-hostbound-v00@openssh.com after a rekey that changed the server's host key (OpenSSH
 * PROTOCOL 3.1): the request must name the key that signed the FIRST exchange, whose hash is the
 * session id the signature covers, not the key of the latest exchange. A rekey with another host
 * key algorithm makes the two differ; OpenSSH's sshd compares with kex->initial_hostkey.
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

static void start_with_none(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_KEX_DONE && t->client.count[BURROW_EV_KEX_DONE] == 1)
		assert_int_equal(burrow_auth_none(t->p.client.conn, AUTH_TEST_USER), 0);
}

static void server_accepts_user_key(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_AUTH_PUBKEY)
		assert_int_equal(burrow_auth_verdict(t->p.server.conn, burrow_key_equal_public(ev->key, t->p.user_key)), 0);
}

/* The server holds an Ed25519 and an RSA key; the client first takes only ssh-ed25519, then
 * rekeys (before authenticating) asking only for rsa-sha2-512 and trusts the new key as
 * if it were new (our client, like OpenSSH's, would refuse a changed key: this one is made not
 * to pin it). *first_key gets the key the client trusted at the first exchange. */
static void init_rekeyed_to_other_host_key(struct auth_pair *t, struct burrow_key **first_key)
{
	struct burrow_key *keys[2];
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &keys[0]), 0);
	keys[1] = rsa_key_copy();
	assert_non_null(keys[1]);
	struct burrow_config client_cfg = { .hostkey_algorithms = "ssh-ed25519" };
	auth_pair_init_host_keys(t, no_config, client_cfg, keys, 2);
	t->on_client = start_with_none;
	auth_pair_run(t);
	assert_int_equal(t->client.count[BURROW_EV_AUTH_FAILURE], 1);
	t->on_client = NULL;

	struct burrow_conn *client = t->p.client.conn, *server = t->p.server.conn;
	assert_true(burrow_key_equal_public(server->kex.host_key_signer, keys[0]));
	free(client->prefs[KEX_CAT_HOSTKEY]);
	client->prefs[KEX_CAT_HOSTKEY] = strdup("rsa-sha2-512");
	assert_non_null(client->prefs[KEX_CAT_HOSTKEY]);
	*first_key = client->server_host_key;
	client->server_host_key = NULL; /* not pinned: the HOSTKEY question comes again */
	assert_int_equal(kex_send_kexinit(client), 0);
	auth_pair_run(t);
	assert_int_equal(t->client.count[BURROW_EV_KEX_DONE], 2);
	assert_int_equal(t->server.count[BURROW_EV_KEX_DONE], 2);
	assert_int_equal(t->client.count[BURROW_EV_HOSTKEY], 2);
	assert_true(burrow_key_equal_public(server->kex.host_key_signer, keys[1]));
	assert_true(burrow_key_equal_public(server->kex.initial_host_key, keys[0]));
}

/* A host-bound query (no signature) for the user's key, naming `host_key` as the server's. */
static void send_host_bound_query(struct auth_pair *t, const struct burrow_key *host_key)
{
	uint8_t *user_blob, *host_blob;
	size_t user_len, host_len;
	assert_int_equal(burrow_key_to_blob(t->p.user_key, &user_blob, &user_len), 0);
	assert_int_equal(burrow_key_to_blob(host_key, &host_blob, &host_len), 0);
	struct buf *b = auth_pair_begin(t, false, SSH_MSG_USERAUTH_REQUEST);
	buf_put_cstring(b, AUTH_TEST_USER);
	buf_put_cstring(b, "ssh-connection");
	buf_put_cstring(b, "publickey-hostbound-v00@openssh.com");
	buf_put_bool(b, false);
	buf_put_cstring(b, "ssh-ed25519");
	buf_put_string(b, user_blob, user_len);
	buf_put_string(b, host_blob, host_len);
	auth_pair_send(t, false);
	free(user_blob);
	free(host_blob);
}

static void test_host_bound_request_naming_the_rekeyed_host_key_disconnects(void **state)
{
	struct auth_pair t;
	struct burrow_key *first_key;
	init_rekeyed_to_other_host_key(&t, &first_key);
	send_host_bound_query(&t, t.host_keys[1]);
	auth_pair_run(&t);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PUBKEY], 0);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 1);
	assert_int_equal(t.server.reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(t.server.disconnect_message, "wrong host key"));
	assert_false(t.p.server.conn->authenticated);
	burrow_key_free(first_key);
	auth_pair_free(&t);
}

static void test_host_bound_query_naming_the_first_host_key_is_asked_after_rekey(void **state)
{
	struct auth_pair t;
	struct burrow_key *first_key;
	init_rekeyed_to_other_host_key(&t, &first_key);
	send_host_bound_query(&t, first_key);
	auth_pair_run(&t);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PUBKEY], 1);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 0);
	burrow_key_free(first_key);
	auth_pair_free(&t);
}

/* The whole signed exchange: the client binds the first exchange's key and gets in. */
static void test_signed_host_bound_login_with_the_first_host_key_succeeds_after_rekey(void **state)
{
	struct auth_pair t;
	struct burrow_key *first_key;
	init_rekeyed_to_other_host_key(&t, &first_key);
	struct burrow_conn *client = t.p.client.conn;
	burrow_key_free(client->server_host_key);
	client->server_host_key = first_key; /* the conn owns it again */
	assert_true(client->peer_pubkey_hostbound);
	t.on_server = server_accepts_user_key;
	assert_int_equal(burrow_auth_publickey(client, AUTH_TEST_USER, t.p.user_key), 0);
	auth_pair_run(&t);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_PUBKEY], 2); /* query and signed request */
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.server.count[BURROW_EV_AUTH_SUCCESS], 1);
	auth_pair_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_bound_request_naming_the_rekeyed_host_key_disconnects),
		cmocka_unit_test(test_host_bound_query_naming_the_first_host_key_is_asked_after_rekey),
		cmocka_unit_test(test_signed_host_bound_login_with_the_first_host_key_succeeds_after_rekey),
	};
	return cmocka_run_group_tests(tests, rsa_key_group_setup, rsa_key_group_teardown);
}
