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
	assert_int_equal(algos_filter_supported(KEX_CAT_KEX, "diffie-hellman-group-exchange-sha1-unknown", &out), 0);
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

/* The public lists must name only what the engine really implements, and every default. */
static void test_supported_lists_match_the_engine(void **state)
{
	(void)state;
	const enum kex_category cats[] = { KEX_CAT_KEX, KEX_CAT_HOSTKEY, KEX_CAT_CIPHER_C2S, KEX_CAT_MAC_C2S,
					   KEX_CAT_COMP_C2S, KEX_CAT_HOSTKEY };
	for (int kind = BURROW_ALGO_KEX; kind <= BURROW_ALGO_SIG; kind++) {
		struct bstr list = bstr_cstr(burrow_algorithms_supported((enum burrow_algo_kind)kind));
		assert_true(list.len > 0);
		size_t pos = 0;
		struct bstr name;
		while (namelist_next(list, &pos, &name))
			assert_true(algos_supported(cats[kind], name));
		for (int role = BURROW_CLIENT; role <= BURROW_SERVER; role++) {
			struct bstr defaults = bstr_cstr(burrow_algorithms_default((enum burrow_role)role,
										   (enum burrow_algo_kind)kind));
			pos = 0;
			while (namelist_next(defaults, &pos, &name))
				assert_true(namelist_contains(list, name));
		}
	}
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
		cmocka_unit_test(test_supported_lists_match_the_engine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
