/* The algorithm list syntax of OpenSSH's config (ssh_config(5) Ciphers: "+", "-", "^"). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "conn_internal.h"

static void check(const char *defaults, const char *spec, const char *expected)
{
	char *out = NULL;
	assert_int_equal(algos_resolve(defaults, spec, &out), 0);
	assert_string_equal(out, expected);
	free(out);
}

static void test_plain_list_replaces_defaults(void **state)
{
	(void)state;
	check("a,b,c", "c,x", "c,x");
}

static void test_plus_appends_without_duplicates(void **state)
{
	(void)state;
	check("a,b", "+c,a", "a,b,c");
}

static void test_minus_removes_with_wildcards(void **state)
{
	(void)state;
	check("aes128-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-gcm@openssh.com", "-aes*-gcm@openssh.com",
	      "chacha20-poly1305@openssh.com");
	check("a,b,c", "-b,?x", "a,c");
	check("a,b,c", "-?", "");
}

static void test_caret_puts_first(void **state)
{
	(void)state;
	check("a,b,c", "^c", "c,a,b");
}

static void test_filter_keeps_only_what_we_implement(void **state)
{
	(void)state;
	char *out = NULL;
	assert_int_equal(algos_filter_supported(KEX_CAT_CIPHER_C2S, "3des-cbc,aes128-gcm@openssh.com,blowfish", &out), 0);
	assert_string_equal(out, "aes128-gcm@openssh.com");
	free(out);
	assert_int_equal(algos_filter_supported(KEX_CAT_KEX, "diffie-hellman-group1-sha1", &out), 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_conn_new_takes_openssh_syntax(void **state)
{
	(void)state;
	struct burrow_config cfg = { .role = BURROW_CLIENT, .ciphers = "-chacha20*" };
	struct burrow_conn *c = NULL;
	assert_int_equal(burrow_conn_new(&cfg, &c), 0);
	assert_string_equal(c->prefs[KEX_CAT_CIPHER_C2S],
			    "aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com");
	burrow_conn_free(c);
	cfg.ciphers = "3des-cbc";
	assert_int_equal(burrow_conn_new(&cfg, &c), BURROW_E_NOMATCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_list_replaces_defaults),
		cmocka_unit_test(test_plus_appends_without_duplicates),
		cmocka_unit_test(test_minus_removes_with_wildcards),
		cmocka_unit_test(test_caret_puts_first),
		cmocka_unit_test(test_filter_keeps_only_what_we_implement),
		cmocka_unit_test(test_conn_new_takes_openssh_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
