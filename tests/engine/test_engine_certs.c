/*
 * OpenSSH certificates between our two engines (PROTOCOL.certkeys): a user certificate
 * authenticates with publickey, an RSA one as rsa-sha2-512-cert-v01@openssh.com; a server whose
 * PubkeyAcceptedAlgorithms leaves certificates out refuses them; a host certificate is what the
 * client is asked to verify.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"
#include "helper_pair.h"

static struct burrow_key *cert_of(const struct burrow_key *key, const struct burrow_key *ca, enum burrow_cert_type type)
{
	const char *principals[] = { "tester" };
	struct burrow_cert_spec spec = { .type = type, .key_id = "engine", .principals = principals,
					 .principal_count = 1, .valid_before = BURROW_CERT_FOREVER };
	struct burrow_key *cert, *signer;
	assert_int_equal(burrow_cert_sign(key, ca, &spec, &cert), 0);
	assert_int_equal(burrow_key_cert_attach(key, cert, &signer), 0);
	burrow_key_free(cert);
	return signer;
}

struct keys {
	struct burrow_key *ca, *host, *ed25519, *rsa;
};

static int setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));
	if (!k || burrow_key_generate(BURROW_KEY_ED25519, 0, &k->ca) || burrow_key_generate(BURROW_KEY_ED25519, 0, &k->host) ||
	    burrow_key_generate(BURROW_KEY_ED25519, 0, &k->ed25519) || burrow_key_generate(BURROW_KEY_RSA, 2048, &k->rsa))
		return -1;
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct keys *k = *state;
	burrow_key_free(k->ca);
	burrow_key_free(k->host);
	burrow_key_free(k->ed25519);
	burrow_key_free(k->rsa);
	free(k);
	return 0;
}

/* Runs a pair whose client logs in with `user_key`; the server accepts only that very key. */
static void run_pair(struct pair *p, struct burrow_key *host_key, struct burrow_key *user_key,
		     struct burrow_config server_cfg)
{
	struct burrow_config client_cfg = { 0 };
	pair_init_borrowed_keys(p, host_key, user_key, server_cfg, client_cfg);
	buf_put(&p->client.to_send, "cert", 4);
	p->client.eof_after_send = true;
	pair_run(p, 1000);
}

static void test_user_certificate_authenticates(void **state)
{
	struct keys *k = *state;
	struct burrow_key *cert = cert_of(k->ed25519, k->ca, BURROW_CERT_USER);
	struct pair p;
	run_pair(&p, k->host, cert, (struct burrow_config){ 0 });
	assert_true(p.client.auth_ok);
	assert_memory_equal(buf_ptr(&p.client.received[0]), "cert", 4);
	pair_free(&p);
	burrow_key_free(cert);
}

static void test_rsa_user_certificate_signs_as_rsa_sha2_512_cert(void **state)
{
	struct keys *k = *state;
	struct burrow_key *cert = cert_of(k->rsa, k->ca, BURROW_CERT_USER);
	/* The server takes only the SHA-2 512 certificate algorithm: a SHA-1 or SHA-256 pick fails. */
	struct pair p;
	run_pair(&p, k->host, cert, (struct burrow_config){ .pubkey_algorithms = "rsa-sha2-512-cert-v01@openssh.com" });
	assert_true(p.client.auth_ok);
	pair_free(&p);
	burrow_key_free(cert);
}

static void test_certificates_refused_when_not_accepted_algorithms(void **state)
{
	struct keys *k = *state;
	struct burrow_key *cert = cert_of(k->ed25519, k->ca, BURROW_CERT_USER);
	struct pair p;
	run_pair(&p, k->host, cert, (struct burrow_config){ .pubkey_algorithms = "ssh-ed25519,rsa-sha2-512" });
	assert_false(p.client.auth_ok);
	pair_free(&p);
	burrow_key_free(cert);
}

static void test_host_certificate_is_negotiated_and_verified(void **state)
{
	struct keys *k = *state;
	struct burrow_key *host_cert = cert_of(k->host, k->ca, BURROW_CERT_HOST);
	struct pair p;
	/* The pair's client checks that the key it is shown equals host_cert (helper_pair.c). */
	run_pair(&p, host_cert, k->ed25519, (struct burrow_config){ 0 });
	assert_true(p.client.auth_ok);
	struct burrow_negotiated neg;
	assert_int_equal(burrow_conn_negotiated(p.client.conn, &neg), 0);
	assert_string_equal(neg.hostkey, "ssh-ed25519-cert-v01@openssh.com");
	assert_true(burrow_key_is_cert(p.client.conn->server_host_key));
	pair_free(&p);
	burrow_key_free(host_cert);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_certificate_authenticates),
		cmocka_unit_test(test_rsa_user_certificate_signs_as_rsa_sha2_512_cert),
		cmocka_unit_test(test_certificates_refused_when_not_accepted_algorithms),
		cmocka_unit_test(test_host_certificate_is_negotiated_and_verified),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
