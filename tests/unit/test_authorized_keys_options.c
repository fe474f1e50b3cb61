/* authorized_keys options (sshd(8) AUTHORIZED_KEYS FILE FORMAT) and the line iterator. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "burrow/keys.h"
#include "helper_key_fixture.h"

static int parse(const char *text, struct burrow_authorized_keys_options *o, const char **why)
{
	return burrow_authorized_keys_options_parse(text, strlen(text), o, why);
}

static void expect_bad(const char *text, const char *reason)
{
	struct burrow_authorized_keys_options o;
	const char *why = NULL;
	assert_int_equal(parse(text, &o, &why), BURROW_E_PARSE);
	assert_non_null(why);
	if (reason)
		assert_string_equal(why, reason);
	assert_null(o.force_command); /* nothing left behind */
	assert_int_equal(o.environment_count, 0);
}

static void test_no_options_permit_everything(void **state)
{
	struct burrow_authorized_keys_options o;
	assert_int_equal(parse("", &o, NULL), 0);
	assert_true(o.permit_pty && o.permit_port_forwarding && o.permit_agent_forwarding &&
		    o.permit_x11_forwarding && o.permit_user_rc);
	assert_false(o.restricted);
	assert_false(o.cert_authority);
	assert_null(o.force_command);
	assert_null(o.from);
	assert_int_equal(o.expiry_time, 0);
	assert_int_equal(o.tunnel, -1);
	burrow_authorized_keys_options_free(&o);
}

static void test_restrict_turns_all_off_and_flags_turn_single_ones_on(void **state)
{
	struct burrow_authorized_keys_options o;
	assert_int_equal(parse("restrict,pty,Agent-Forwarding", &o, NULL), 0);
	assert_true(o.restricted);
	assert_true(o.permit_pty);
	assert_true(o.permit_agent_forwarding);
	assert_false(o.permit_port_forwarding);
	assert_false(o.permit_x11_forwarding);
	assert_false(o.permit_user_rc);
	burrow_authorized_keys_options_free(&o);
}

static void test_no_flags_turn_single_permissions_off(void **state)
{
	struct burrow_authorized_keys_options o;
	assert_int_equal(parse("no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc", &o, NULL), 0);
	assert_false(o.permit_pty || o.permit_port_forwarding || o.permit_agent_forwarding ||
		     o.permit_x11_forwarding || o.permit_user_rc);
	assert_false(o.restricted);
	burrow_authorized_keys_options_free(&o);
}

static void test_command_value_is_unescaped(void **state)
{
	struct burrow_authorized_keys_options o;
	assert_int_equal(parse("command=\"echo \\\"hi, there\\\"\",no-pty", &o, NULL), 0);
	assert_string_equal(o.force_command, "echo \"hi, there\"");
	assert_false(o.permit_pty);
	burrow_authorized_keys_options_free(&o);
}

static void test_from_principals_and_cert_authority_are_kept(void **state)
{
	struct burrow_authorized_keys_options o;
	assert_int_equal(parse("cert-authority,principals=\"alice,bob\",from=\"10.0.0.0/8,!10.1.*\"", &o, NULL), 0);
	assert_true(o.cert_authority);
	assert_string_equal(o.principals, "alice,bob");
	assert_string_equal(o.from, "10.0.0.0/8,!10.1.*");
	burrow_authorized_keys_options_free(&o);
}

static void test_environment_first_value_of_a_name_wins(void **state)
{
	struct burrow_authorized_keys_options o;
	assert_int_equal(parse("environment=\"A=1\",environment=\"B_2=x y\",environment=\"A=2\"", &o, NULL), 0);
	assert_int_equal(o.environment_count, 2);
	assert_string_equal(o.environment[0], "A=1");
	assert_string_equal(o.environment[1], "B_2=x y");
	burrow_authorized_keys_options_free(&o);
}

static void test_permitopen_and_permitlisten(void **state)
{
	struct burrow_authorized_keys_options o;
	assert_int_equal(parse("permitopen=\"localhost:80\",permitopen=\"[::1]:*\",permitlisten=\"8080\","
			       "permitlisten=\"127.0.0.1:9000\"", &o, NULL), 0);
	assert_int_equal(o.permitopen_count, 2);
	assert_string_equal(o.permitopen[0], "localhost:80");
	assert_string_equal(o.permitopen[1], "[::1]:*");
	assert_int_equal(o.permitlisten_count, 2);
	assert_string_equal(o.permitlisten[0], "*:8080");
	assert_string_equal(o.permitlisten[1], "127.0.0.1:9000");
	burrow_authorized_keys_options_free(&o);
}

static void test_expiry_time_utc_and_the_earliest_wins(void **state)
{
	struct burrow_authorized_keys_options o;
	assert_int_equal(parse("expiry-time=\"20300101Z\",expiry-time=\"202001021200Z\"", &o, NULL), 0);
	assert_int_equal(o.expiry_time, 1577966400u); /* 2020-01-02 12:00:00 UTC */
	burrow_authorized_keys_options_free(&o);
	uint64_t t;
	assert_int_equal(burrow_parse_absolute_time("19700101000001Z", &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(burrow_parse_absolute_time("2020130", &t), BURROW_E_PARSE);
	assert_int_equal(burrow_parse_absolute_time("20201301", &t), BURROW_E_PARSE);
}

static void test_tunnel_number(void **state)
{
	struct burrow_authorized_keys_options o;
	assert_int_equal(parse("tunnel=\"3\"", &o, NULL), 0);
	assert_int_equal(o.tunnel, 3);
	burrow_authorized_keys_options_free(&o);
}

static void test_malformed_option_lists_are_refused_with_a_reason(void **state)
{
	expect_bad("frobnicate", "unsupported option");
	expect_bad("no-frobnicate", "unsupported option");
	expect_bad("ptyx", "unsupported option");
	expect_bad("pty=\"1\"", "unsupported option");
	expect_bad("command=echo", "missing start quote");
	expect_bad("command=\"echo", "missing end quote");
	expect_bad("command=\"a\",command=\"b\"", "multiple \"command\" clauses");
	expect_bad("from=\"a\",from=\"b\"", "multiple \"from\" clauses");
	expect_bad("environment=\"NOEQUALS\"", "invalid environment string");
	expect_bad("environment=\"BAD-NAME=1\"", "invalid environment string");
	expect_bad("permitopen=\"nohost\"", "invalid permission hostname");
	expect_bad("permitopen=\"host:99999\"", "invalid permission port");
	expect_bad("expiry-time=\"tomorrow\"", "invalid expires time");
	expect_bad("tunnel=\"x\"", "invalid tun device");
	expect_bad("no-pty,", "trailing comma");
	expect_bad("command=\"a\"x", "unexpected text after option");
	expect_bad(",no-pty", NULL);
	/* An early failure must free what was parsed before it. */
	expect_bad("command=\"ok\",environment=\"A=1\",bogus", "unsupported option");
}

static void test_parse_stops_at_the_given_length(void **state)
{
	struct burrow_authorized_keys_options o;
	const char *text = "no-pty,bogus";
	assert_int_equal(burrow_authorized_keys_options_parse(text, 6, &o, NULL), 0);
	assert_false(o.permit_pty);
	burrow_authorized_keys_options_free(&o);
}

static void test_next_walks_key_lines_with_their_options_and_line_numbers(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "# comment\n\ngarbage line\ncommand=\"ls -l\",no-pty %1$s one\n"
					 "frobnicate %2$s two\n%3$s three\n");
	size_t pos = 0;
	int line = 0;
	struct burrow_key *key;
	char *options;
	assert_int_equal(burrow_authorized_keys_next(text, strlen(text), &pos, &line, &key, &options), 0);
	assert_int_equal(line, 4);
	assert_true(burrow_key_equal_public(key, f->a));
	assert_string_equal(options, "command=\"ls -l\",no-pty");
	burrow_key_free(key);
	free(options);
	/* Unknown option names are returned too: the caller reports them with file:line. */
	assert_int_equal(burrow_authorized_keys_next(text, strlen(text), &pos, &line, &key, &options), 0);
	assert_int_equal(line, 5);
	assert_true(burrow_key_equal_public(key, f->b));
	assert_string_equal(options, "frobnicate");
	burrow_key_free(key);
	free(options);
	assert_int_equal(burrow_authorized_keys_next(text, strlen(text), &pos, &line, &key, &options), 0);
	assert_int_equal(line, 6);
	assert_string_equal(options, "");
	burrow_key_free(key);
	free(options);
	assert_int_equal(burrow_authorized_keys_next(text, strlen(text), &pos, &line, &key, &options),
			 BURROW_E_NOTFOUND);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_options_permit_everything),
		cmocka_unit_test(test_restrict_turns_all_off_and_flags_turn_single_ones_on),
		cmocka_unit_test(test_no_flags_turn_single_permissions_off),
		cmocka_unit_test(test_command_value_is_unescaped),
		cmocka_unit_test(test_from_principals_and_cert_authority_are_kept),
		cmocka_unit_test(test_environment_first_value_of_a_name_wins),
		cmocka_unit_test(test_permitopen_and_permitlisten),
		cmocka_unit_test(test_expiry_time_utc_and_the_earliest_wins),
		cmocka_unit_test(test_tunnel_number),
		cmocka_unit_test(test_malformed_option_lists_are_refused_with_a_reason),
		cmocka_unit_test(test_parse_stops_at_the_given_length),
		cmocka_unit_test(test_next_walks_key_lines_with_their_options_and_line_numbers),
	};
	return cmocka_run_group_tests(tests, key_fixture_setup, key_fixture_teardown);
}
