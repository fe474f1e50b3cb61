/*
 * Every key exchange method with every host key algorithm between our two engines, with the
 * ciphers and MACs rotating through the combinations so each of them is used too.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper_pair.h"

#define MAX_NAMES 32

struct name_list {
	char *names[MAX_NAMES];
	size_t count;
};

static void split(const char *list, struct name_list *out)
{
	out->count = 0;
	char *copy = strdup(list);
	assert_non_null(copy);
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		assert_true(out->count < MAX_NAMES);
		out->names[out->count++] = strdup(tok);
	}
	free(copy);
}

static void free_names(struct name_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->names[i]);
}

struct host_alg {
	const char *alg;
	struct burrow_key *key;
};

static void run_one(const char *kex, const struct host_alg *host, struct burrow_key *user_key, const char *cipher,
		    const char *mac)
{
	/* ssh-rsa is off by default on both sides: name it explicitly, as a user would. */
	struct burrow_config cfg = { .kex_algorithms = kex, .hostkey_algorithms = host->alg, .ciphers = cipher,
				     .macs = mac };
	struct pair p;
	pair_init_borrowed_keys(&p, host->key, user_key, cfg, cfg);
	buf_put(&p.client.to_send, "matrix", 6);
	p.client.eof_after_send = true;
	pair_run(&p, 1000);
	struct burrow_negotiated neg;
	assert_int_equal(burrow_conn_negotiated(p.client.conn, &neg), 0);
	if (strcmp(neg.kex, kex) != 0 || strcmp(neg.hostkey, host->alg) != 0 || strcmp(neg.cipher_c2s, cipher) != 0 ||
	    !p.client.closed || p.client.disconnected || buf_len(&p.client.received[0]) != 6)
		fail_msg("kex %s host key %s cipher %s mac %s: negotiated %s/%s/%s, closed %d, disconnected %d (%s)", kex,
			 host->alg, cipher, mac, neg.kex, neg.hostkey, neg.cipher_c2s, p.client.closed,
			 p.client.disconnected, p.client.disconnect_message);
	assert_memory_equal(buf_ptr(&p.client.received[0]), "matrix", 6);
	assert_int_equal(p.client.exit_status, 0);
	pair_free(&p);
}

/* A host certificate of `key` (OpenSSH PROTOCOL.certkeys), attached to its private key. */
static struct burrow_key *host_cert_of(const struct burrow_key *key, const struct burrow_key *ca)
{
	struct burrow_cert_spec spec = { .type = BURROW_CERT_HOST, .valid_before = BURROW_CERT_FOREVER };
	struct burrow_key *cert, *signer;
	assert_int_equal(burrow_cert_sign(key, ca, &spec, &cert), 0);
	assert_int_equal(burrow_key_cert_attach(key, cert, &signer), 0);
	burrow_key_free(cert);
	return signer;
}

static void test_every_kex_with_every_host_key_algorithm(void **state)
{
	(void)state;
	struct burrow_key *ed25519, *p256, *p384, *p521, *rsa, *user_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &ed25519), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 256, &p256), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 384, &p384), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 521, &p521), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_RSA, 2048, &rsa), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &user_key), 0);
	struct burrow_key *ed25519_cert = host_cert_of(ed25519, p256), *p256_cert = host_cert_of(p256, ed25519);
	struct burrow_key *p384_cert = host_cert_of(p384, ed25519), *p521_cert = host_cert_of(p521, ed25519);
	struct burrow_key *rsa_cert = host_cert_of(rsa, ed25519);
	const struct host_alg hosts[] = {
		{ "ssh-ed25519", ed25519 }, { "ecdsa-sha2-nistp256", p256 }, { "ecdsa-sha2-nistp384", p384 },
		{ "ecdsa-sha2-nistp521", p521 }, { "rsa-sha2-512", rsa }, { "rsa-sha2-256", rsa }, { "ssh-rsa", rsa },
		{ "ssh-ed25519-cert-v01@openssh.com", ed25519_cert },
		{ "ecdsa-sha2-nistp256-cert-v01@openssh.com", p256_cert },
		{ "ecdsa-sha2-nistp384-cert-v01@openssh.com", p384_cert },
		{ "ecdsa-sha2-nistp521-cert-v01@openssh.com", p521_cert },
		{ "rsa-sha2-512-cert-v01@openssh.com", rsa_cert },
		{ "rsa-sha2-256-cert-v01@openssh.com", rsa_cert },
		{ "ssh-rsa-cert-v01@openssh.com", rsa_cert },
	};
	struct name_list kex, ciphers, macs, host_names;
	split(burrow_algorithms_supported(BURROW_ALGO_KEX), &kex);
	split(burrow_algorithms_supported(BURROW_ALGO_CIPHER), &ciphers);
	split(burrow_algorithms_supported(BURROW_ALGO_MAC), &macs);
	split(burrow_algorithms_supported(BURROW_ALGO_HOSTKEY), &host_names);
	/* The table above must cover every host key algorithm the library lists. */
	assert_int_equal(host_names.count, sizeof(hosts) / sizeof(hosts[0]));
	size_t n = 0;
	for (size_t i = 0; i < kex.count; i++) {
		for (size_t j = 0; j < sizeof(hosts) / sizeof(hosts[0]); j++, n++)
			run_one(kex.names[i], &hosts[j], user_key, ciphers.names[n % ciphers.count],
				macs.names[n % macs.count]);
	}
	assert_true(n >= ciphers.count * macs.count / 2);
	free_names(&kex);
	free_names(&ciphers);
	free_names(&macs);
	free_names(&host_names);
	burrow_key_free(ed25519);
	burrow_key_free(p256);
	burrow_key_free(p384);
	burrow_key_free(p521);
	burrow_key_free(rsa);
	burrow_key_free(user_key);
	burrow_key_free(ed25519_cert);
	burrow_key_free(p256_cert);
	burrow_key_free(p384_cert);
	burrow_key_free(p521_cert);
	burrow_key_free(rsa_cert);
}

/* A client that speaks only methods the server's defaults leave out is refused, with both lists. */
static void test_weak_only_peer_is_refused_with_both_lists(void **state)
{
	(void)state;
	struct burrow_key *host_key, *user_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host_key), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &user_key), 0);
	struct burrow_config server_cfg = { 0 };
	struct burrow_config client_cfg = { .kex_algorithms = "diffie-hellman-group1-sha1,diffie-hellman-group14-sha1" };
	struct pair p;
	pair_init_keys(&p, host_key, user_key, server_cfg, client_cfg);
	pair_run(&p, 50);
	assert_true(p.server.disconnected);
	assert_int_equal(p.server.disconnect_reason, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	assert_non_null(strstr(p.server.disconnect_message, "no matching key exchange method found"));
	assert_non_null(strstr(p.server.disconnect_message, "diffie-hellman-group1-sha1"));
	assert_non_null(strstr(p.server.disconnect_message, "curve25519-sha256"));
	assert_true(p.client.disconnected);
	assert_false(p.client.auth_ok);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kex_with_every_host_key_algorithm),
		cmocka_unit_test(test_weak_only_peer_is_refused_with_both_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
