/*
 * CASignatureAlgorithms: the list a configured value stands for (+/-/^ forms, patterns, bad
 * names) and the check of a certificate's CA signature algorithm against it, as OpenSSH's
 * sshkey_check_cert_sigtype: SHA-1 (ssh-rsa) is out by default and can be let back in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "burrow/keys.h"

#define NOW 1700000000ull

struct fixture {
	struct burrow_key *user, *ed_ca, *rsa_ca;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || burrow_key_generate(BURROW_KEY_ED25519, 0, &f->user) || burrow_key_generate(BURROW_KEY_ED25519, 0, &f->ed_ca) ||
	    burrow_key_generate(BURROW_KEY_RSA, 2048, &f->rsa_ca))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	burrow_key_free(f->user);
	burrow_key_free(f->ed_ca);
	burrow_key_free(f->rsa_ca);
	free(f);
	return 0;
}

/* A user certificate for "alice", valid now, signed by `ca` with `sig_alg` (NULL: its default). */
static struct burrow_key *cert_signed_with(struct fixture *f, const struct burrow_key *ca, const char *sig_alg)
{
	const char *principals[] = { "alice" };
	struct burrow_cert_spec spec = { .type = BURROW_CERT_USER, .principals = principals, .principal_count = 1,
					 .valid_before = BURROW_CERT_FOREVER, .sig_alg = sig_alg };
	struct burrow_key *cert = NULL;
	assert_int_equal(burrow_cert_sign(f->user, ca, &spec, &cert), 0);
	if (sig_alg)
		assert_string_equal(burrow_cert_signature_alg(cert), sig_alg);
	return cert;
}

static char *resolved(const char *spec)
{
	char *out = NULL;
	assert_int_equal(burrow_ca_signature_algorithms_resolve(spec, &out), 0);
	assert_non_null(out);
	return out;
}

static void test_default_refuses_sha1_and_takes_the_rest(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *sha1 = cert_signed_with(f, f->rsa_ca, "ssh-rsa");
	struct burrow_key *sha512 = cert_signed_with(f, f->rsa_ca, "rsa-sha2-512");
	struct burrow_key *sha256 = cert_signed_with(f, f->rsa_ca, "rsa-sha2-256");
	struct burrow_key *ed = cert_signed_with(f, f->ed_ca, NULL);
	assert_int_equal(burrow_cert_check_sig_alg(sha1, NULL), BURROW_E_NOMATCH);
	assert_int_equal(burrow_cert_check_sig_alg(sha512, NULL), 0);
	assert_int_equal(burrow_cert_check_sig_alg(sha256, NULL), 0);
	assert_int_equal(burrow_cert_check_sig_alg(ed, NULL), 0);
	/* A plain key has no CA. */
	assert_int_equal(burrow_cert_check_sig_alg(f->user, NULL), BURROW_E_INVALID);
	burrow_key_free(sha1);
	burrow_key_free(sha512);
	burrow_key_free(sha256);
	burrow_key_free(ed);
}

/* burrow_cert_check keeps the default; the authority check alone leaves the algorithm to the
 * program's own list. */
static void test_cert_check_authority_leaves_the_algorithm_to_the_caller(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *sha1 = cert_signed_with(f, f->rsa_ca, "ssh-rsa");
	const char *reason = NULL;
	assert_int_equal(burrow_cert_check(sha1, BURROW_CERT_USER, "alice", NOW, &reason), BURROW_E_NOMATCH);
	assert_string_equal(reason, "Certificate signature algorithm ssh-rsa: signature algorithm not supported");
	assert_int_equal(burrow_cert_check_authority(sha1, BURROW_CERT_USER, "alice", NOW, &reason), 0);
	assert_int_equal(burrow_cert_check_authority(sha1, BURROW_CERT_USER, "bob", NOW, &reason), BURROW_E_NOMATCH);
	assert_string_equal(reason, "Certificate invalid: name is not a listed principal");
	burrow_key_free(sha1);
}

static void test_plus_lets_sha1_back_in(void **state)
{
	struct fixture *f = *state;
	char *list = resolved("+ssh-rsa");
	assert_string_equal(list, BURROW_CA_SIGNATURE_ALGORITHMS_DEFAULT ",ssh-rsa");
	struct burrow_key *sha1 = cert_signed_with(f, f->rsa_ca, "ssh-rsa");
	assert_int_equal(burrow_cert_check_sig_alg(sha1, list), 0);
	burrow_key_free(sha1);
	free(list);
}

static void test_minus_removes_by_pattern(void **state)
{
	struct fixture *f = *state;
	char *list = resolved("-rsa-sha2-*");
	assert_null(strstr(list, "rsa"));
	assert_non_null(strstr(list, "ssh-ed25519"));
	struct burrow_key *sha512 = cert_signed_with(f, f->rsa_ca, "rsa-sha2-512");
	struct burrow_key *ed = cert_signed_with(f, f->ed_ca, NULL);
	assert_int_equal(burrow_cert_check_sig_alg(sha512, list), BURROW_E_NOMATCH);
	assert_int_equal(burrow_cert_check_sig_alg(ed, list), 0);
	burrow_key_free(sha512);
	burrow_key_free(ed);
	free(list);
}

static void test_a_plain_list_replaces_the_default(void **state)
{
	struct fixture *f = *state;
	char *list = resolved("ssh-ed25519");
	assert_string_equal(list, "ssh-ed25519");
	struct burrow_key *sha512 = cert_signed_with(f, f->rsa_ca, "rsa-sha2-512");
	assert_int_equal(burrow_cert_check_sig_alg(sha512, list), BURROW_E_NOMATCH);
	burrow_key_free(sha512);
	free(list);
	/* Patterns match as in OpenSSH's match_pattern_list. */
	list = resolved("rsa-sha2-*");
	assert_string_equal(list, "rsa-sha2-*");
	sha512 = cert_signed_with(f, f->rsa_ca, "rsa-sha2-512");
	struct burrow_key *sha1 = cert_signed_with(f, f->rsa_ca, "ssh-rsa");
	assert_int_equal(burrow_cert_check_sig_alg(sha512, list), 0);
	assert_int_equal(burrow_cert_check_sig_alg(sha1, list), BURROW_E_NOMATCH);
	burrow_key_free(sha512);
	burrow_key_free(sha1);
	free(list);
}

static void test_caret_puts_first(void **state)
{
	char *list = resolved("^rsa-sha2-256");
	assert_int_equal(strncmp(list, "rsa-sha2-256,ssh-ed25519,", 25), 0);
	assert_int_equal(strstr(list + 1, "rsa-sha2-256"), NULL);
	free(list);
}

static void test_bad_lists_are_refused(void **state)
{
	const char *bad[] = { "", "ssh-foo", "+ssh-foo", "^ssh-ed25519,nonsense", "ssh-ed25519,,rsa-sha2-512", "-*" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = (char *)1;
		assert_int_equal(burrow_ca_signature_algorithms_resolve(bad[i], &out), BURROW_E_PARSE);
		assert_null(out);
	}
	/* Names we cannot verify are still names: OpenSSH takes them. */
	char *list = resolved("sk-ssh-ed25519@openssh.com,ssh-dss");
	free(list);
	char *out = NULL;
	assert_int_equal(burrow_ca_signature_algorithms_resolve(NULL, &out), BURROW_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_refuses_sha1_and_takes_the_rest),
		cmocka_unit_test(test_cert_check_authority_leaves_the_algorithm_to_the_caller),
		cmocka_unit_test(test_plus_lets_sha1_back_in),
		cmocka_unit_test(test_minus_removes_by_pattern),
		cmocka_unit_test(test_a_plain_list_replaces_the_default),
		cmocka_unit_test(test_caret_puts_first),
		cmocka_unit_test(test_bad_lists_are_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
