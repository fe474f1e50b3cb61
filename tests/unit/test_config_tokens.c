/* ssh_config %-tokens, ${VAR} and the %C hash (src/cmd/common/config_tokens.c), as OpenSSH's
 * percent_expand(), dollar_expand() and ssh_connection_hash(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config_tokens.h"

static const struct config_token tokens[] = {
	{ 'h', "server.example.net" }, { 'p', "2222" }, { 'r', "alice" }, { 'u', "bob" }, { 'd', "/home/bob" },
};
#define NTOKENS (sizeof(tokens) / sizeof(tokens[0]))

static void test_expand_replaces_each_token(void **state)
{
	char err[128];
	char *s = config_expand("~/.ssh/kh_%h_%p_%r_%u", tokens, NTOKENS, false, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, "~/.ssh/kh_server.example.net_2222_alice_bob");
	free(s);
}

static void test_expand_double_percent_is_one_percent(void **state)
{
	char err[128];
	char *s = config_expand("100%% %%h %h%%", tokens, NTOKENS, false, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, "100% %h server.example.net%");
	free(s);
}

static void test_expand_text_without_tokens_is_unchanged(void **state)
{
	char err[128];
	char *s = config_expand("", tokens, NTOKENS, false, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	s = config_expand("/etc/ssh/ssh_known_hosts", tokens, NTOKENS, true, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, "/etc/ssh/ssh_known_hosts");
	free(s);
}

static void test_expand_rejects_unknown_token_with_ssh_reason(void **state)
{
	char err[128];
	assert_null(config_expand("/x_%Z", tokens, NTOKENS, false, err, sizeof(err)));
	assert_string_equal(err, "unknown key %Z");
	/* a token outside the table given, even one ssh knows elsewhere */
	assert_null(config_expand("%C", tokens, NTOKENS, false, err, sizeof(err)));
	assert_string_equal(err, "unknown key %C");
}

static void test_expand_rejects_trailing_percent(void **state)
{
	char err[128];
	assert_null(config_expand("abc%", tokens, NTOKENS, false, err, sizeof(err)));
	assert_string_equal(err, "invalid format");
}

static void test_expand_dollar_variables_only_when_asked(void **state)
{
	char err[128];
	setenv("BURROW_TEST_VAR", "v%h", 1);
	char *s = config_expand("${BURROW_TEST_VAR}/%r", tokens, NTOKENS, true, err, sizeof(err));
	assert_non_null(s);
	/* a variable's value is not expanded again */
	assert_string_equal(s, "v%h/alice");
	free(s);
	s = config_expand("${BURROW_TEST_VAR}", tokens, NTOKENS, false, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, "${BURROW_TEST_VAR}");
	free(s);
}

static void test_expand_dollar_errors_name_the_problem(void **state)
{
	char err[128];
	unsetenv("BURROW_TEST_UNSET");
	assert_null(config_expand("${BURROW_TEST_UNSET}", tokens, NTOKENS, true, err, sizeof(err)));
	assert_string_equal(err, "env var ${BURROW_TEST_UNSET} has no value");
	assert_null(config_expand("${OPEN", tokens, NTOKENS, true, err, sizeof(err)));
	assert_string_equal(err, "environment variable 'OPEN' missing closing '}'");
	assert_null(config_expand("${}", tokens, NTOKENS, true, err, sizeof(err)));
	assert_string_equal(err, "zero-length environment variable");
}

static void test_connection_hash_is_sha1_of_the_four_fields(void **state)
{
	char out[41];
	/* python3: hashlib.sha1(b"laptop.example.orgserver.example.net2222alice").hexdigest() */
	assert_int_equal(config_connection_hash("laptop.example.org", "server.example.net", "2222", "alice", NULL, out),
			 0);
	assert_string_equal(out, "e70591ecc92ffc3e147b2726abdca0069fa02ea1");
	/* what OpenSSH 9.2 printed as %C for host "Foo.x%y", port 22, user root on host "vm" */
	assert_int_equal(config_connection_hash("vm", "Foo.x%y", "22", "root", "", out), 0);
	assert_string_equal(out, "6c36a1536e9047c7188f7345fb3acd3df05bdd9e");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_replaces_each_token),
		cmocka_unit_test(test_expand_double_percent_is_one_percent),
		cmocka_unit_test(test_expand_text_without_tokens_is_unchanged),
		cmocka_unit_test(test_expand_rejects_unknown_token_with_ssh_reason),
		cmocka_unit_test(test_expand_rejects_trailing_percent),
		cmocka_unit_test(test_expand_dollar_variables_only_when_asked),
		cmocka_unit_test(test_expand_dollar_errors_name_the_problem),
		cmocka_unit_test(test_connection_hash_is_sha1_of_the_four_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
