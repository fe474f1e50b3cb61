/*
 * Host-key signatures made by the program (burrow_config.host_key_sign), as burrowd's monitor
 * makes them under privilege separation: the server engine holds public host keys only and
 * every exchange hash and hostkeys-prove-00 proof goes through the callback.
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

/* The "monitor": the private keys, and what it was asked. */
struct signer {
	struct burrow_key *private_keys[3];
	size_t count;
	unsigned calls;
	bool fail;
};

static int sign_for_engine(void *ctx, const struct burrow_key *key, const char *alg, const uint8_t *data,
			   size_t len, uint8_t **sig, size_t *sig_len)
{
	struct signer *s = ctx;
	s->calls++;
	if (s->fail)
		return BURROW_E_CRYPTO;
	assert_false(burrow_key_has_private(key)); /* the engine never had the private half */
	for (size_t i = 0; i < s->count; i++)
		if (burrow_key_equal_public(key, s->private_keys[i]))
			return burrow_key_sign(s->private_keys[i], alg, data, len, sig, sig_len);
	return BURROW_E_NOTFOUND;
}

static void client_logs_in(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_KEX_DONE && t->client.count[BURROW_EV_KEX_DONE] == 1)
		assert_int_equal(burrow_auth_publickey(t->p.client.conn, AUTH_TEST_USER, t->p.user_key), 0);
	if (ev->type == BURROW_EV_HOSTKEYS)
		assert_int_equal(burrow_hostkeys_prove(t->p.client.conn, ev->keys + 1, ev->nkeys - 1), 0);
}

static void server_accepts(struct auth_pair *t, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_AUTH_PUBKEY)
		assert_int_equal(burrow_auth_verdict(t->p.server.conn, true), 0);
}

/* ed25519, ECDSA and RSA host keys: the private ones to the signer, public copies to the engine. */
static void init_split_keys(struct auth_pair *t, struct signer *s, bool with_signer)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &s->private_keys[0]), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 256, &s->private_keys[1]), 0);
	s->private_keys[2] = rsa_key_copy();
	s->count = 3;
	struct burrow_key *pub[3];
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(burrow_key_dup_public(s->private_keys[i], &pub[i]), 0);
	struct burrow_config server_cfg = no_config;
	if (with_signer) {
		server_cfg.host_key_sign = sign_for_engine;
		server_cfg.host_key_sign_ctx = s;
	}
	auth_pair_init_host_keys(t, server_cfg, no_config, pub, 3);
	t->on_client = client_logs_in;
	t->on_server = server_accepts;
}

static void signer_free(struct signer *s)
{
	for (size_t i = 0; i < s->count; i++)
		burrow_key_free(s->private_keys[i]);
}

static void test_kex_and_proofs_are_signed_by_the_program(void **state)
{
	(void)state;
	struct auth_pair t;
	struct signer s;
	init_split_keys(&t, &s, true);
	auth_pair_run(&t);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 1);
	assert_int_equal(t.client.count[BURROW_EV_HOSTKEYS_PROVEN], 1);
	assert_int_equal(t.client.count[BURROW_EV_DISCONNECTED], 0);
	/* One exchange hash, then one proof for each of the two keys asked about. */
	assert_int_equal(s.calls, 3);
	auth_pair_free(&t);
	signer_free(&s);
}

static void test_signer_failure_fails_the_exchange(void **state)
{
	(void)state;
	struct auth_pair t;
	struct signer s;
	init_split_keys(&t, &s, true);
	s.fail = true;
	auth_pair_run(&t);
	assert_int_equal(s.calls, 1);
	assert_int_equal(t.client.count[BURROW_EV_KEX_DONE], 0);
	assert_int_equal(t.client.count[BURROW_EV_AUTH_SUCCESS], 0);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 1);
	auth_pair_free(&t);
	signer_free(&s);
}

static void test_public_keys_without_a_signer_cannot_sign(void **state)
{
	(void)state;
	struct auth_pair t;
	struct signer s;
	init_split_keys(&t, &s, false);
	auth_pair_run(&t);
	assert_int_equal(s.calls, 0);
	assert_int_equal(t.client.count[BURROW_EV_KEX_DONE], 0);
	assert_int_equal(t.server.count[BURROW_EV_DISCONNECTED], 1);
	auth_pair_free(&t);
	signer_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kex_and_proofs_are_signed_by_the_program),
		cmocka_unit_test(test_signer_failure_fails_the_exchange),
		cmocka_unit_test(test_public_keys_without_a_signer_cannot_sign),
	};
	return cmocka_run_group_tests(tests, rsa_key_group_setup, rsa_key_group_teardown);
}
