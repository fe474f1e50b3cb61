/* The criteria of sshd_config Match lines (src/cmd/common/match_criteria.c), as sshd's
 * match_cfg_line evaluates them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "match_criteria.h"

static const char *const bob_groups[] = { "bob", "wheel", "staff" };

static const struct match_criteria_input bob = {
	.user = "bob", .groups = bob_groups, .group_count = 3, .host = "gw.example.org",
	.addr = "10.1.2.3", .laddr = "192.0.2.10", .lport = 2222,
};

/* Evaluates a Match line given as one string ("User bob Address 10.0.0.0/8"). */
static int eval_line(const char *line, const struct match_criteria_input *in, char *err, size_t err_len)
{
	char copy[256], *words[16];
	int n = 0;
	strncpy(copy, line, sizeof(copy) - 1);
	copy[sizeof(copy) - 1] = 0;
	for (char *save = NULL, *w = strtok_r(copy, " ", &save); w && n < 16; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	err[0] = 0;
	return match_criteria_eval(words, n, in, 7, err, err_len);
}

static int eval(const char *line, const struct match_criteria_input *in)
{
	char err[200];
	return eval_line(line, in, err, sizeof(err));
}

static void test_user_patterns_with_negation(void **state)
{
	assert_int_equal(eval("User bob", &bob), 1);
	assert_int_equal(eval("User alice,b*", &bob), 1);
	assert_int_equal(eval("User *,!bob", &bob), 0);
	assert_int_equal(eval("User BOB", &bob), 0); /* user names are case-sensitive */
}

static void test_user_and_group_fail_without_a_user(void **state)
{
	struct match_criteria_input anon = bob;
	anon.user = NULL;
	assert_int_equal(eval("User *", &anon), 0);
	assert_int_equal(eval("Group *", &anon), 0);
	assert_int_equal(eval("Address 10.0.0.0/8", &anon), 1);
}

static void test_group_negation_excludes_the_user(void **state)
{
	assert_int_equal(eval("Group wheel", &bob), 1);
	assert_int_equal(eval("Group adm,st?ff", &bob), 1);
	assert_int_equal(eval("Group adm", &bob), 0);
	/* One of bob's groups is negated: no match, whatever else matches (ga_match_pattern_list). */
	assert_int_equal(eval("Group *,!staff", &bob), 0);
	assert_int_equal(match_criteria_groups(bob_groups, 3, "!adm,wheel"), 1);
	assert_int_equal(match_criteria_groups(NULL, 0, "*"), 0);
}

static void test_host_patterns_ignore_case(void **state)
{
	assert_int_equal(eval("Host *.EXAMPLE.org", &bob), 1);
	assert_int_equal(eval("Host *.example.com", &bob), 0);
	assert_int_equal(eval("Host *,!gw.*", &bob), 0);
}

static void test_address_cidr_and_negation(void **state)
{
	assert_int_equal(eval("Address 10.0.0.0/8", &bob), 1);
	assert_int_equal(eval("Address 10.0.0.0/8,!10.1.2.3", &bob), 0);
	assert_int_equal(eval("Address 192.168.0.0/16", &bob), 0);
	assert_int_equal(eval("Address 10.1.2.*", &bob), 1);
	assert_int_equal(eval("LocalAddress 192.0.2.0/24", &bob), 1);
	assert_int_equal(eval("LocalAddress 198.51.100.0/24", &bob), 0);
	struct match_criteria_input v6 = bob;
	v6.addr = "2001:db8::7";
	assert_int_equal(eval("Address 2001:db8::/32", &v6), 1);
	assert_int_equal(eval("Address 10.0.0.0/8", &v6), 0);
}

static void test_address_with_host_bits_is_an_error(void **state)
{
	char err[200];
	assert_int_equal(eval_line("Address 10.1.2.3/8", &bob, err, sizeof(err)), -2);
	assert_string_equal(err, "Invalid Match address argument '10.1.2.3/8' at line 7");
	/* A syntax check (no connection) finds it too. */
	assert_int_equal(eval_line("Address 10.1.2.3/8", NULL, err, sizeof(err)), -2);
	assert_int_equal(match_criteria_address(NULL, "10.0.0.0/33"), -1);
}

static void test_local_port(void **state)
{
	char err[200];
	assert_int_equal(eval("LocalPort 2222", &bob), 1);
	assert_int_equal(eval("LocalPort 22", &bob), 0);
	assert_int_equal(eval_line("LocalPort nope", &bob, err, sizeof(err)), -1);
	assert_string_equal(err, "Invalid LocalPort 'nope' on Match line");
}

static void test_rdomain_never_matches_without_one(void **state)
{
	assert_int_equal(eval("RDomain *", &bob), 0);
}

static void test_criteria_are_anded(void **state)
{
	assert_int_equal(eval("User bob Group wheel Address 10.0.0.0/8 LocalPort 2222", &bob), 1);
	assert_int_equal(eval("User bob Group wheel Address 10.0.0.0/8 LocalPort 22", &bob), 0);
	assert_int_equal(eval("user bob host gw.example.org", &bob), 1); /* criteria names ignore case */
}

static void test_all_stands_alone(void **state)
{
	char err[200];
	assert_int_equal(eval("All", &bob), 1);
	assert_int_equal(eval("all", NULL), 1);
	assert_int_equal(eval_line("All User bob", &bob, err, sizeof(err)), -1);
	assert_string_equal(err, "'all' cannot be combined with other Match attributes");
	assert_int_equal(eval_line("User bob All", &bob, err, sizeof(err)), -1);
}

static void test_syntax_check_matches_nothing_but_all(void **state)
{
	assert_int_equal(eval("User *", NULL), 0);
	assert_int_equal(eval("Address 0.0.0.0/0", NULL), 0);
}

static void test_malformed_lines(void **state)
{
	char err[200];
	assert_int_equal(eval_line("Colour blue", &bob, err, sizeof(err)), -1);
	assert_string_equal(err, "Unsupported Match attribute Colour");
	assert_int_equal(eval_line("User", &bob, err, sizeof(err)), -1);
	assert_string_equal(err, "Missing Match criteria for User");
	assert_int_equal(eval_line("", &bob, err, sizeof(err)), -1);
	assert_string_equal(err, "One or more attributes required for Match");
}

static void test_strict_input_names_missing_fields(void **state)
{
	char err[200];
	struct match_criteria_input spec = { .user = "bob", .strict = true };
	assert_int_equal(eval_line("User bob", &spec, err, sizeof(err)), 1);
	assert_int_equal(eval_line("Address 10.0.0.0/8", &spec, err, sizeof(err)), -2);
	assert_string_equal(err, "'Match Address' in configuration but 'addr' not in connection test specification.");
	assert_int_equal(eval_line("LocalPort 22", &spec, err, sizeof(err)), -2);
	assert_string_equal(err, "'Match LocalPort' in configuration but 'lport' not in connection test specification.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_patterns_with_negation),
		cmocka_unit_test(test_user_and_group_fail_without_a_user),
		cmocka_unit_test(test_group_negation_excludes_the_user),
		cmocka_unit_test(test_host_patterns_ignore_case),
		cmocka_unit_test(test_address_cidr_and_negation),
		cmocka_unit_test(test_address_with_host_bits_is_an_error),
		cmocka_unit_test(test_local_port),
		cmocka_unit_test(test_rdomain_never_matches_without_one),
		cmocka_unit_test(test_criteria_are_anded),
		cmocka_unit_test(test_all_stands_alone),
		cmocka_unit_test(test_syntax_check_matches_nothing_but_all),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_strict_input_names_missing_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
