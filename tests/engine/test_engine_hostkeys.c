/*
 * Host key and user key types between our engines: every host key type signs the exchange with
 * the negotiated algorithm, every user key type authenticates, and an RSA user key signs as the
 * algorithm the server's server-sig-algs allows (RFC 8332, RFC 8308).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"
#include "helper_pair.h"
#include "helper_rsa_key.h"

#define ALL_ECDSA "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521"

static struct burrow_key *new_key(enum burrow_key_type type, int bits)
{
	if (type == BURROW_KEY_RSA)
		return rsa_key_copy();
	struct burrow_key *key;
	assert_int_equal(burrow_key_generate(type, bits, &key), 0);
	return key;
}

/* The whole script ran: authenticated, exec answered, echo came back, both channel ends closed. */
static void assert_session_ran(struct pair *p)
{
	assert_true(p->client.auth_ok);
	assert_true(p->server.auth_ok);
	assert_true(p->client.request_ok);
	assert_int_equal(buf_len(&p->client.received[0]), 5);
	assert_memory_equal(buf_ptr(&p->client.received[0]), "input", 5);
	assert_true(p->client.closed);
	assert_false(p->client.disconnected);
	assert_false(p->server.disconnected);
}

static void run_session(struct pair *p)
{
	buf_put(&p->client.to_send, "input", 5);
	p->client.eof_after_send = true;
	pair_run(p, 1000);
}

/* ---- host keys ---- */

static void run_host_key(enum burrow_key_type type, int bits, const char *server_hostkey_algs, const char *want_alg)
{
	struct pair p;
	struct burrow_config scfg = { .hostkey_algorithms = server_hostkey_algs };
	struct burrow_config ccfg = { 0 };
	pair_init_keys(&p, new_key(type, bits), new_key(BURROW_KEY_ED25519, 0), scfg, ccfg);
	run_session(&p);
	struct burrow_negotiated neg;
	assert_int_equal(burrow_conn_negotiated(p.client.conn, &neg), 0);
	assert_string_equal(neg.hostkey, want_alg);
	assert_int_equal(burrow_conn_negotiated(p.server.conn, &neg), 0);
	assert_string_equal(neg.hostkey, want_alg);
	assert_session_ran(&p);
	pair_free(&p);
}

static void test_ed25519_host_key_signs_the_exchange(void **state)
{
	run_host_key(BURROW_KEY_ED25519, 0, NULL, "ssh-ed25519");
}

static void test_ecdsa_p256_host_key_signs_the_exchange(void **state)
{
	run_host_key(BURROW_KEY_ECDSA, 256, "+" ALL_ECDSA, "ecdsa-sha2-nistp256");
}

static void test_ecdsa_p384_host_key_signs_the_exchange(void **state)
{
	run_host_key(BURROW_KEY_ECDSA, 384, "+" ALL_ECDSA, "ecdsa-sha2-nistp384");
}

static void test_ecdsa_p521_host_key_signs_the_exchange(void **state)
{
	run_host_key(BURROW_KEY_ECDSA, 521, "+" ALL_ECDSA, "ecdsa-sha2-nistp521");
}

static void test_rsa_host_key_signs_as_rsa_sha2_512_by_default(void **state)
{
	run_host_key(BURROW_KEY_RSA, 0, NULL, "rsa-sha2-512");
}

static void test_rsa_host_key_signs_as_rsa_sha2_256_when_that_is_agreed(void **state)
{
	run_host_key(BURROW_KEY_RSA, 0, "rsa-sha2-256", "rsa-sha2-256");
}

static void test_rsa_host_key_signs_as_ssh_rsa_only_when_both_enable_it(void **state)
{
	struct pair p;
	struct burrow_config scfg = { .hostkey_algorithms = "ssh-rsa" };
	struct burrow_config ccfg = { .hostkey_algorithms = "+ssh-rsa" };
	pair_init_keys(&p, new_key(BURROW_KEY_RSA, 0), new_key(BURROW_KEY_ED25519, 0), scfg, ccfg);
	run_session(&p);
	struct burrow_negotiated neg;
	assert_int_equal(burrow_conn_negotiated(p.client.conn, &neg), 0);
	assert_string_equal(neg.hostkey, "ssh-rsa");
	assert_session_ran(&p);
	pair_free(&p);

	/* The client's default list leaves SHA-1 out: no host key algorithm in common. */
	struct burrow_config plain = { 0 };
	pair_init_keys(&p, new_key(BURROW_KEY_RSA, 0), new_key(BURROW_KEY_ED25519, 0), scfg, plain);
	pair_run(&p, 100);
	assert_true(p.client.disconnected);
	assert_false(p.client.auth_ok);
	assert_int_equal(p.client.disconnect_reason, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	pair_free(&p);
}

static void test_server_offers_the_algorithms_its_host_keys_make(void **state)
{
	struct burrow_key *keys[3] = { new_key(BURROW_KEY_RSA, 0), new_key(BURROW_KEY_ED25519, 0),
				       new_key(BURROW_KEY_ECDSA, 384) };
	struct burrow_conn *c;
	struct burrow_config cfg = { .role = BURROW_SERVER, .host_keys = keys, .host_key_count = 1 };
	assert_int_equal(burrow_conn_new(&cfg, &c), 0);
	assert_string_equal(c->prefs[KEX_CAT_HOSTKEY], "rsa-sha2-512,rsa-sha2-256");
	burrow_conn_free(c);

	cfg.host_key_count = 3;
	assert_int_equal(burrow_conn_new(&cfg, &c), 0);
	assert_string_equal(c->prefs[KEX_CAT_HOSTKEY], "ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
	burrow_conn_free(c);

	cfg.hostkey_algorithms = "+" ALL_ECDSA ",ssh-rsa";
	assert_int_equal(burrow_conn_new(&cfg, &c), 0);
	assert_string_equal(c->prefs[KEX_CAT_HOSTKEY], "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp384,ssh-rsa");
	burrow_conn_free(c);
	for (int i = 0; i < 3; i++)
		burrow_key_free(keys[i]);
}

static void test_server_with_only_an_ecdsa_key_needs_ecdsa_enabled(void **state)
{
	struct burrow_key *key = new_key(BURROW_KEY_ECDSA, 256);
	struct burrow_conn *c = NULL;
	struct burrow_config cfg = { .role = BURROW_SERVER, .host_keys = &key, .host_key_count = 1 };
	/* The hardened default leaves the NIST curves out. */
	assert_int_equal(burrow_conn_new(&cfg, &c), BURROW_E_NOMATCH);
	assert_null(c);
	cfg.hostkey_algorithms = "+ecdsa-sha2-nistp256";
	assert_int_equal(burrow_conn_new(&cfg, &c), 0);
	assert_string_equal(c->prefs[KEX_CAT_HOSTKEY], "ecdsa-sha2-nistp256");
	burrow_conn_free(c);
	burrow_key_free(key);
}

/* Runs the pair; once the server has negotiated, `lie` may change what it is about to do. */
static void run_with_lying_server(struct pair *p, void (*lie)(struct burrow_conn *server))
{
	bool lied = false;
	for (int round = 0; round < 200; round++) {
		side_pump(p, &p->client);
		side_pump(p, &p->server);
		if (!lied && p->server.conn->kex.chosen[KEX_CAT_HOSTKEY]) {
			lie(p->server.conn);
			lied = true;
		}
		if (pair_transfer(p, &p->client, &p->server) + pair_transfer(p, &p->server, &p->client) == 0 && round > 2)
			break;
	}
	side_pump(p, &p->client);
}

static void replace_chosen(struct burrow_conn *c, const char *alg)
{
	free(c->kex.chosen[KEX_CAT_HOSTKEY]);
	c->kex.chosen[KEX_CAT_HOSTKEY] = strdup(alg);
}

/* Signs with rsa-sha2-256 although rsa-sha2-512 was agreed. */
static void sign_with_sha256(struct burrow_conn *server)
{
	assert_string_equal(server->kex.chosen[KEX_CAT_HOSTKEY], "rsa-sha2-512");
	replace_chosen(server, "rsa-sha2-256");
}

static void test_client_refuses_a_signature_with_another_algorithm_than_agreed(void **state)
{
	struct pair p;
	struct burrow_config scfg = { 0 }, ccfg = { 0 };
	pair_init_keys(&p, new_key(BURROW_KEY_RSA, 0), new_key(BURROW_KEY_ED25519, 0), scfg, ccfg);
	run_with_lying_server(&p, sign_with_sha256);
	assert_true(p.client.disconnected);
	assert_false(p.client.auth_ok);
	assert_int_equal(p.client.kex_done, 0);
	assert_int_equal(p.client.disconnect_reason, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	assert_non_null(strstr(p.client.disconnect_message, "host key signature from server did not verify"));
	pair_free(&p);
}

/* Presents (and signs with) an ed25519 key although rsa-sha2-512 was agreed. */
static struct burrow_key *other_host_key;
static void present_other_key(struct burrow_conn *server)
{
	replace_chosen(server, "ssh-ed25519");
	server->kex.host_key_signer = other_host_key;
}

static void test_client_refuses_a_host_key_that_does_not_fit_the_agreed_algorithm(void **state)
{
	struct pair p;
	struct burrow_config scfg = { 0 }, ccfg = { 0 };
	other_host_key = new_key(BURROW_KEY_ED25519, 0);
	pair_init_keys(&p, new_key(BURROW_KEY_RSA, 0), new_key(BURROW_KEY_ED25519, 0), scfg, ccfg);
	run_with_lying_server(&p, present_other_key);
	assert_true(p.client.disconnected);
	assert_int_equal(p.client.kex_done, 0);
	assert_int_equal(p.client.disconnect_reason, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	assert_non_null(strstr(p.client.disconnect_message, "ssh-ed25519 host key, rsa-sha2-512 was agreed"));
	pair_free(&p);
	burrow_key_free(other_host_key);
}

/* ---- user keys ---- */

/* The algorithm the server accepted the key with (the last publickey request). */
static const char *server_auth_alg(const struct pair *p)
{
	return p->server.conn->auths.key_alg;
}

static void run_user_key(enum burrow_key_type type, int bits, const char *want_alg)
{
	struct pair p;
	struct burrow_config scfg = { 0 }, ccfg = { 0 };
	pair_init_keys(&p, new_key(BURROW_KEY_ED25519, 0), new_key(type, bits), scfg, ccfg);
	run_session(&p);
	assert_session_ran(&p);
	assert_string_equal(server_auth_alg(&p), want_alg);
	pair_free(&p);
}

static void test_ed25519_user_key_authenticates(void **state)
{
	run_user_key(BURROW_KEY_ED25519, 0, "ssh-ed25519");
}

static void test_ecdsa_user_keys_authenticate(void **state)
{
	run_user_key(BURROW_KEY_ECDSA, 256, "ecdsa-sha2-nistp256");
	run_user_key(BURROW_KEY_ECDSA, 384, "ecdsa-sha2-nistp384");
	run_user_key(BURROW_KEY_ECDSA, 521, "ecdsa-sha2-nistp521");
}

static void test_rsa_user_key_signs_as_rsa_sha2_512_when_the_server_lists_it(void **state)
{
	run_user_key(BURROW_KEY_RSA, 0, "rsa-sha2-512");
}

static void test_server_sig_algs_lists_what_the_server_accepts(void **state)
{
	struct pair p;
	struct burrow_config scfg = { .pubkey_algorithms = "rsa-sha2-256,ssh-ed25519" }, ccfg = { 0 };
	pair_init_keys(&p, new_key(BURROW_KEY_ED25519, 0), new_key(BURROW_KEY_RSA, 0), scfg, ccfg);
	run_session(&p);
	assert_true(p.client.conn->peer_sig_algs_known);
	assert_string_equal(p.client.conn->peer_sig_algs, "rsa-sha2-256,ssh-ed25519");
	/* The client's first RSA algorithm the server takes. */
	assert_session_ran(&p);
	assert_string_equal(server_auth_alg(&p), "rsa-sha2-256");
	pair_free(&p);
}

static void test_rsa_user_key_follows_the_clients_order(void **state)
{
	struct pair p;
	struct burrow_config scfg = { 0 }, ccfg = { .pubkey_algorithms = "rsa-sha2-256,rsa-sha2-512" };
	pair_init_keys(&p, new_key(BURROW_KEY_ED25519, 0), new_key(BURROW_KEY_RSA, 0), scfg, ccfg);
	run_session(&p);
	assert_session_ran(&p);
	assert_string_equal(server_auth_alg(&p), "rsa-sha2-256");
	pair_free(&p);
}

static void test_user_key_without_a_mutual_algorithm_fails_before_sending(void **state)
{
	struct pair p;
	struct burrow_config scfg = { .pubkey_algorithms = "ssh-ed25519,rsa-sha2-256" },
			     ccfg = { .pubkey_algorithms = "rsa-sha2-512,ecdsa-sha2-nistp256" };
	pair_init_keys(&p, new_key(BURROW_KEY_ED25519, 0), new_key(BURROW_KEY_RSA, 0), scfg, ccfg);
	pair_run(&p, 100);
	assert_false(p.client.auth_ok);
	assert_int_equal(p.client.auth_failures, 1);
	assert_int_equal(p.server.auth_failures, 0); /* nothing was sent */
	assert_non_null(strstr(burrow_conn_last_error(p.client.conn), "no mutual signature algorithm"));
	/* Once the service is accepted the client refuses such a key at once. */
	assert_int_equal(burrow_auth_publickey(p.client.conn, "tester", p.user_key), BURROW_E_NOMATCH);
	pair_free(&p);
}

static void test_server_refuses_an_algorithm_it_does_not_accept(void **state)
{
	/* The server takes no ECDSA; the client offers the key anyway (it only filters RSA). */
	struct pair p;
	struct burrow_config scfg = { .pubkey_algorithms = "-ecdsa-*" }, ccfg = { 0 };
	pair_init_keys(&p, new_key(BURROW_KEY_ED25519, 0), new_key(BURROW_KEY_ECDSA, 256), scfg, ccfg);
	pair_run(&p, 100);
	assert_false(p.client.auth_ok);
	assert_false(p.server.auth_ok);
	assert_int_equal(p.server.auth_failures, 1);
	pair_free(&p);
}

/* Runs the pair, hiding ext-info-c from the server so that it sends no EXT_INFO. */
static void run_without_ext_info(struct pair *p)
{
	for (int round = 0; round < 1000; round++) {
		side_pump(p, &p->client);
		side_pump(p, &p->server);
		p->server.conn->kex.peer_ext_info = false;
		size_t moved = pair_transfer(p, &p->client, &p->server) + pair_transfer(p, &p->server, &p->client);
		if (moved == 0 && round > 2) {
			side_pump(p, &p->client);
			side_pump(p, &p->server);
			break;
		}
	}
}

static void test_rsa_user_key_without_ext_info_needs_ssh_rsa(void **state)
{
	/* OpenSSH 9: without server-sig-algs an RSA key can only sign as ssh-rsa... */
	struct pair p;
	struct burrow_config scfg = { 0 }, ccfg = { 0 };
	pair_init_keys(&p, new_key(BURROW_KEY_ED25519, 0), new_key(BURROW_KEY_RSA, 0), scfg, ccfg);
	run_without_ext_info(&p);
	assert_false(p.client.conn->peer_sig_algs_known);
	assert_false(p.client.auth_ok);
	assert_int_equal(p.client.auth_failures, 1);
	assert_int_equal(p.server.auth_failures, 0);
	pair_free(&p);

	/* ...which both sides must enable. */
	struct burrow_config sconf = { .pubkey_algorithms = "+ssh-rsa" }, cconf = { .pubkey_algorithms = "+ssh-rsa" };
	pair_init_keys(&p, new_key(BURROW_KEY_ED25519, 0), new_key(BURROW_KEY_RSA, 0), sconf, cconf);
	buf_put(&p.client.to_send, "input", 5);
	p.client.eof_after_send = true;
	run_without_ext_info(&p);
	assert_session_ran(&p);
	assert_string_equal(server_auth_alg(&p), "ssh-rsa");
	pair_free(&p);
}

static void test_wrong_user_key_of_each_type_is_refused(void **state)
{
	/* The server's program accepts only p.user_key; a different key of the same type fails. */
	const enum burrow_key_type types[] = { BURROW_KEY_ECDSA, BURROW_KEY_RSA };
	for (size_t i = 0; i < 2; i++) {
		struct pair p;
		struct burrow_config scfg = { 0 }, ccfg = { 0 };
		pair_init_keys(&p, new_key(BURROW_KEY_ED25519, 0), new_key(types[i], 0), scfg, ccfg);
		p.server.accept = false;
		pair_run(&p, 100);
		assert_false(p.client.auth_ok);
		assert_int_equal(p.client.auth_failures, 1);
		pair_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519_host_key_signs_the_exchange),
		cmocka_unit_test(test_ecdsa_p256_host_key_signs_the_exchange),
		cmocka_unit_test(test_ecdsa_p384_host_key_signs_the_exchange),
		cmocka_unit_test(test_ecdsa_p521_host_key_signs_the_exchange),
		cmocka_unit_test(test_rsa_host_key_signs_as_rsa_sha2_512_by_default),
		cmocka_unit_test(test_rsa_host_key_signs_as_rsa_sha2_256_when_that_is_agreed),
		cmocka_unit_test(test_rsa_host_key_signs_as_ssh_rsa_only_when_both_enable_it),
		cmocka_unit_test(test_server_offers_the_algorithms_its_host_keys_make),
		cmocka_unit_test(test_server_with_only_an_ecdsa_key_needs_ecdsa_enabled),
		cmocka_unit_test(test_client_refuses_a_signature_with_another_algorithm_than_agreed),
		cmocka_unit_test(test_client_refuses_a_host_key_that_does_not_fit_the_agreed_algorithm),
		cmocka_unit_test(test_ed25519_user_key_authenticates),
		cmocka_unit_test(test_ecdsa_user_keys_authenticate),
		cmocka_unit_test(test_rsa_user_key_signs_as_rsa_sha2_512_when_the_server_lists_it),
		cmocka_unit_test(test_server_sig_algs_lists_what_the_server_accepts),
		cmocka_unit_test(test_rsa_user_key_follows_the_clients_order),
		cmocka_unit_test(test_user_key_without_a_mutual_algorithm_fails_before_sending),
		cmocka_unit_test(test_server_refuses_an_algorithm_it_does_not_accept),
		cmocka_unit_test(test_rsa_user_key_without_ext_info_needs_ssh_rsa),
		cmocka_unit_test(test_wrong_user_key_of_each_type_is_refused),
	};
	return cmocka_run_group_tests(tests, rsa_key_group_setup, rsa_key_group_teardown);
}
