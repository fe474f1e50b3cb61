/* sshd's pattern lists: from="...", AllowUsers/DenyUsers user@host (OpenSSH match.c, addrmatch.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "burrow/keys.h"

static void test_pattern_list_negation_wins(void **state)
{
	assert_int_equal(burrow_match_pattern_list("alice", "bob,al*", false), BURROW_MATCH_YES);
	assert_int_equal(burrow_match_pattern_list("alice", "*,!alice", false), BURROW_MATCH_NEGATED);
	assert_int_equal(burrow_match_pattern_list("alice", "bob,carol", false), BURROW_MATCH_NO);
	assert_int_equal(burrow_match_pattern_list("ALICE", "al?ce", true), BURROW_MATCH_YES);
	assert_int_equal(burrow_match_pattern_list("ALICE", "al?ce", false), BURROW_MATCH_NO);
}

static void test_host_and_ip_matches_cidr_blocks(void **state)
{
	assert_int_equal(burrow_match_host_and_ip("10.1.2.3", "10.1.2.3", "10.0.0.0/8"), BURROW_MATCH_YES);
	assert_int_equal(burrow_match_host_and_ip("11.1.2.3", "11.1.2.3", "10.0.0.0/8"), BURROW_MATCH_NO);
	assert_int_equal(burrow_match_host_and_ip("127.0.0.1", "127.0.0.1", "127.0.0.1"), BURROW_MATCH_YES);
	assert_int_equal(burrow_match_host_and_ip("::1", "::1", "::1/128"), BURROW_MATCH_YES);
	assert_int_equal(burrow_match_host_and_ip("2001:db8::5", "2001:db8::5", "2001:db8::/32"), BURROW_MATCH_YES);
	/* families never mix */
	assert_int_equal(burrow_match_host_and_ip("10.0.0.1", "10.0.0.1", "::/0"), BURROW_MATCH_NO);
	assert_int_equal(burrow_match_host_and_ip("10.0.0.1", "10.0.0.1", "0.0.0.0/0"), BURROW_MATCH_YES);
}

static void test_host_and_ip_wildcards_and_names(void **state)
{
	assert_int_equal(burrow_match_host_and_ip("192.168.1.7", "192.168.1.7", "192.168.1.*"), BURROW_MATCH_YES);
	assert_int_equal(burrow_match_host_and_ip("gw.example.org", "192.0.2.1", "*.EXAMPLE.org"), BURROW_MATCH_YES);
	assert_int_equal(burrow_match_host_and_ip("gw.example.org", "192.0.2.1", "*.example.com"), BURROW_MATCH_NO);
}

static void test_host_and_ip_negation_denies(void **state)
{
	assert_int_equal(burrow_match_host_and_ip("10.1.2.3", "10.1.2.3", "10.0.0.0/8,!10.1.0.0/16"), BURROW_MATCH_NO);
	assert_int_equal(burrow_match_host_and_ip("10.2.2.3", "10.2.2.3", "10.0.0.0/8,!10.1.0.0/16"), BURROW_MATCH_YES);
	/* only a negation: nothing positive matched */
	assert_int_equal(burrow_match_host_and_ip("10.2.2.3", "10.2.2.3", "!10.1.0.0/16"), BURROW_MATCH_NO);
}

static void test_host_and_ip_refuses_inconsistent_masks(void **state)
{
	assert_int_equal(burrow_match_host_and_ip("10.1.2.3", "10.1.2.3", "10.1.2.3/8"), BURROW_E_PARSE);
	assert_int_equal(burrow_match_host_and_ip("10.1.2.3", "10.1.2.3", "10.0.0.0/33"), BURROW_E_PARSE);
	assert_int_equal(burrow_match_host_and_ip("10.1.2.3", "10.1.2.3", "10.0.0.0/x"), BURROW_E_PARSE);
	assert_int_equal(burrow_match_host_and_ip("10.1.2.3", "10.1.2.3", "a,,b"), BURROW_MATCH_NO);
}

static void test_user_patterns_with_and_without_host(void **state)
{
	assert_int_equal(burrow_match_user("alice", "10.0.0.1", "10.0.0.1", "al*"), BURROW_MATCH_YES);
	assert_int_equal(burrow_match_user("alice", "10.0.0.1", "10.0.0.1", "bob"), BURROW_MATCH_NO);
	assert_int_equal(burrow_match_user("alice", "10.0.0.1", "10.0.0.1", "alice@10.0.0.0/24"), BURROW_MATCH_YES);
	assert_int_equal(burrow_match_user("alice", "10.0.1.1", "10.0.1.1", "alice@10.0.0.0/24"), BURROW_MATCH_NO);
	assert_int_equal(burrow_match_user("bob", "10.0.0.1", "10.0.0.1", "alice@10.0.0.0/24"), BURROW_MATCH_NO);
	assert_int_equal(burrow_match_user("alice", "10.0.0.1", "10.0.0.1", "alice@10.0.0.1/8"), BURROW_E_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_list_negation_wins),
		cmocka_unit_test(test_host_and_ip_matches_cidr_blocks),
		cmocka_unit_test(test_host_and_ip_wildcards_and_names),
		cmocka_unit_test(test_host_and_ip_negation_denies),
		cmocka_unit_test(test_host_and_ip_refuses_inconsistent_masks),
		cmocka_unit_test(test_user_patterns_with_and_without_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
