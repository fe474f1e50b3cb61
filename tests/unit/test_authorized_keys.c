/* authorized_keys lookup (sshd(8) AUTHORIZED_KEYS FILE FORMAT). */
#define _GNU_SOURCE /* asprintf */
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

static void expect_found(const char *text, const struct burrow_key *key, int line, const char *options)
{
	int n = -1;
	char *opts = NULL;
	assert_int_equal(burrow_authorized_keys_find(text, strlen(text), key, &n, &opts), 0);
	assert_int_equal(n, line);
	assert_string_equal(opts, options);
	free(opts);
}

static void expect_not_found(const char *text, const struct burrow_key *key)
{
	int n = -1;
	char *opts = (char *)1;
	assert_int_equal(burrow_authorized_keys_find(text, strlen(text), key, &n, &opts), BURROW_E_NOTFOUND);
	assert_int_equal(n, 0);
	assert_null(opts);
}

static void test_finds_plain_key_after_comments_and_blank_lines(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "# my keys\n\n   \n\t# indented comment\n%2$s laptop\n%1$s desktop\n");
	expect_found(text, f->a, 6, "");
	expect_found(text, f->b, 5, "");
	expect_not_found(text, f->c);
	free(text);
}

static void test_returns_option_text_with_quotes_spaces_and_commas(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f,
		"command=\"echo \\\"hi, there\\\" && ls -l\",no-pty,from=\"10.0.0.0/8,192.168.1.1\" %1$s c\n");
	expect_found(text, f->a, 1,
		     "command=\"echo \\\"hi, there\\\" && ls -l\",no-pty,from=\"10.0.0.0/8,192.168.1.1\"");
	free(text);
}

static void test_key_text_inside_quoted_option_is_not_the_key(void **state)
{
	struct key_fixture *f = *state;
	/* Line 1 names key A only inside a quoted value; its real key is B. Line 2 hides A's
	 * base64 inside an environment value, with key C as its real key. */
	char *text = key_fixture_text(f, "command=\"/bin/check %1$s\" %2$s\n"
				  "environment=\"K=ssh-ed25519 %4$s\",no-agent-forwarding %3$s\n");
	char *expect = NULL;
	assert_true(asprintf(&expect, "command=\"/bin/check %s\"", f->a_line) > 0);
	expect_found(text, f->b, 1, expect);
	expect_not_found(text, f->a);
	char *expect2 = NULL;
	assert_true(asprintf(&expect2, "environment=\"K=ssh-ed25519 %s\",no-agent-forwarding", f->a_b64) > 0);
	expect_found(text, f->c, 2, expect2);
	free(expect2);
	free(expect);
	free(text);
}

static void test_skips_unknown_key_type_and_unsupported_type(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f,
		"ssh-foo AAAAB3NzaC1mb28= unknown type\n"
		"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 rsa key\n"
		"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= ecdsa\n"
		"%1$s found\n");
	expect_found(text, f->a, 4, "");
	free(text);
}

static void test_skips_malformed_lines(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f,
		"command=\"unterminated %1$s\n"          /* quote never closes */
		"command=\"x\"junk %1$s\n"               /* text glued after the quote */
		"unknown-option %1$s\n"                  /* sshd refuses unknown options */
		"no-pty=\"x\" %1$s\n"                    /* a flag with a value */
		"command %1$s\n"                         /* a valued option without value */
		",no-pty %1$s\n"                         /* empty option name */
		"no-pty, %1$s\n"                         /* trailing comma */
		"no-pty\n"                               /* options and nothing else */
		"ssh-ed25519 AAAA!!!! bad base64\n"
		"ssh-ed25519\n"
		"%1$s good\n");
	expect_found(text, f->a, 11, "");
	free(text);
}

static void test_cert_authority_line_does_not_authorize_the_key_itself(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "cert-authority,principals=\"alice\" %1$s ca\n");
	expect_not_found(text, f->a);
	free(text);
	text = key_fixture_text(f, "Cert-Authority %1$s ca\nno-pty %1$s user\n");
	expect_found(text, f->a, 2, "no-pty");
	free(text);
}

static void test_first_matching_line_wins_and_crlf_is_accepted(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "%2$s\r\nrestrict,pty %1$s one\r\n%1$s two\r\n");
	expect_found(text, f->a, 2, "restrict,pty");
	free(text);
}

static void test_option_names_are_case_insensitive(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "No-Pty,COMMAND=\"x\" %1$s\n");
	expect_found(text, f->a, 1, "No-Pty,COMMAND=\"x\"");
	free(text);
}

static void test_last_line_without_newline(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "\n%1$s");
	expect_found(text, f->a, 2, "");
	free(text);
	expect_not_found("", f->a);
}

static void test_rejects_null_arguments(void **state)
{
	struct key_fixture *f = *state;
	int n;
	char *opts;
	assert_int_equal(burrow_authorized_keys_find(NULL, 5, f->a, &n, &opts), BURROW_E_INVALID);
	assert_int_equal(burrow_authorized_keys_find("x", 1, NULL, &n, &opts), BURROW_E_INVALID);
	assert_int_equal(burrow_authorized_keys_find("x", 1, f->a, NULL, &opts), BURROW_E_INVALID);
	assert_int_equal(burrow_authorized_keys_find("x", 1, f->a, &n, NULL), BURROW_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_plain_key_after_comments_and_blank_lines),
		cmocka_unit_test(test_returns_option_text_with_quotes_spaces_and_commas),
		cmocka_unit_test(test_key_text_inside_quoted_option_is_not_the_key),
		cmocka_unit_test(test_skips_unknown_key_type_and_unsupported_type),
		cmocka_unit_test(test_skips_malformed_lines),
		cmocka_unit_test(test_cert_authority_line_does_not_authorize_the_key_itself),
		cmocka_unit_test(test_first_matching_line_wins_and_crlf_is_accepted),
		cmocka_unit_test(test_option_names_are_case_insensitive),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_rejects_null_arguments),
	};
	return cmocka_run_group_tests(tests, key_fixture_setup, key_fixture_teardown);
}
