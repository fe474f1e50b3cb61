/* known_hosts lookup (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT). */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "burrow/keys.h"
#include "helper_key_fixture.h"

#define SSH_KEYGEN "/usr/bin/ssh-keygen"

static void expect_result(const char *text, const char *host, const struct burrow_key *key,
			  enum burrow_known_host result, int line)
{
	enum burrow_known_host r = (enum burrow_known_host)99;
	int n = -1;
	assert_int_equal(burrow_known_hosts_check(text, strlen(text), host, key, &r, &n), 0);
	assert_int_equal(r, result);
	assert_int_equal(n, line);
}

/* ---- host names and new lines ---- */

static void test_hostname_is_bare_for_port_22_and_bracketed_otherwise(void **state)
{
	char *h;
	assert_int_equal(burrow_known_hosts_hostname("Example.COM", 22, &h), 0);
	assert_string_equal(h, "example.com");
	free(h);
	assert_int_equal(burrow_known_hosts_hostname("example.com", 2222, &h), 0);
	assert_string_equal(h, "[example.com]:2222");
	free(h);
	assert_int_equal(burrow_known_hosts_hostname("::1", 65535, &h), 0);
	assert_string_equal(h, "[::1]:65535");
	free(h);
	assert_int_equal(burrow_known_hosts_hostname("example.com", 0, &h), BURROW_E_INVALID);
	assert_int_equal(burrow_known_hosts_hostname("example.com", 65536, &h), BURROW_E_INVALID);
	assert_int_equal(burrow_known_hosts_hostname("two words", 22, &h), BURROW_E_INVALID);
	assert_int_equal(burrow_known_hosts_hostname("a,b", 22, &h), BURROW_E_INVALID);
	assert_int_equal(burrow_known_hosts_hostname("", 22, &h), BURROW_E_INVALID);
}

static void test_new_line_reads_back_as_ok(void **state)
{
	struct key_fixture *f = *state;
	char *line;
	assert_int_equal(burrow_known_hosts_line("[example.com]:2222", f->a, &line), 0);
	char *expect = NULL;
	assert_true(asprintf(&expect, "[example.com]:2222 %s\n", f->a_line) > 0);
	assert_string_equal(line, expect);
	expect_result(line, "[example.com]:2222", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(line, "example.com", f->a, BURROW_KNOWN_HOST_NEW, 0);
	free(expect);
	free(line);
	assert_int_equal(burrow_known_hosts_line("bad host", f->a, &line), BURROW_E_INVALID);
	assert_int_equal(burrow_known_hosts_line("host\nx", f->a, &line), BURROW_E_INVALID);
}

/* ---- plain patterns ---- */

static void test_plain_host_ok_new_and_changed(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "# known hosts\n\nexample.com %1$s\n");
	expect_result(text, "example.com", f->a, BURROW_KNOWN_HOST_OK, 3);
	expect_result(text, "EXAMPLE.com", f->a, BURROW_KNOWN_HOST_OK, 3);
	expect_result(text, "example.com", f->b, BURROW_KNOWN_HOST_CHANGED, 3);
	expect_result(text, "other.com", f->a, BURROW_KNOWN_HOST_NEW, 0);
	expect_result(text, "example.co", f->a, BURROW_KNOWN_HOST_NEW, 0);
	expect_result(text, "xexample.com", f->a, BURROW_KNOWN_HOST_NEW, 0);
	free(text);
	expect_result("", "example.com", f->a, BURROW_KNOWN_HOST_NEW, 0);
}

static void test_comma_list_and_case_insensitive_patterns(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "alpha.example,Beta.Example,10.0.0.1 %1$s comment here\n");
	expect_result(text, "alpha.example", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(text, "beta.example", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(text, "10.0.0.1", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(text, "gamma.example", f->a, BURROW_KNOWN_HOST_NEW, 0);
	free(text);
}

static void test_wildcards_star_and_question_mark(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "*.example.com %1$s\nhost?.test %2$s\n");
	expect_result(text, "www.example.com", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(text, "a.b.example.com", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(text, "example.com", f->a, BURROW_KNOWN_HOST_NEW, 0);
	expect_result(text, "host1.test", f->b, BURROW_KNOWN_HOST_OK, 2);
	expect_result(text, "host12.test", f->b, BURROW_KNOWN_HOST_NEW, 0);
	expect_result(text, "host.test", f->b, BURROW_KNOWN_HOST_NEW, 0);
	free(text);
}

static void test_negated_pattern_rules_the_line_out(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "*.example.com,!bad.example.com %1$s\n!*.lan,*.lan %2$s\n");
	expect_result(text, "good.example.com", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(text, "bad.example.com", f->a, BURROW_KNOWN_HOST_NEW, 0);
	expect_result(text, "bad.example.com", f->b, BURROW_KNOWN_HOST_NEW, 0);
	expect_result(text, "pc.lan", f->b, BURROW_KNOWN_HOST_NEW, 0); /* negation wins over order */
	free(text);
}

static void test_pathological_pattern_finishes(void **state)
{
	struct key_fixture *f = *state;
	char host[4001];
	memset(host, 'a', 4000);
	host[4000] = 0;
	char *text = key_fixture_text(f, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b %1$s\n");
	expect_result(text, host, f->a, BURROW_KNOWN_HOST_NEW, 0);
	free(text);
}

/* ---- ports ---- */

static void test_bracketed_port_form(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "example.com %1$s\n[example.com]:2222 %2$s\n[*.example.com]:* %3$s\n");
	expect_result(text, "[example.com]:2222", f->b, BURROW_KNOWN_HOST_OK, 2);
	expect_result(text, "[example.com]:2222", f->a, BURROW_KNOWN_HOST_CHANGED, 2);
	expect_result(text, "example.com", f->b, BURROW_KNOWN_HOST_CHANGED, 1);
	expect_result(text, "[www.example.com]:8022", f->c, BURROW_KNOWN_HOST_OK, 3);
	free(text);
}

/* ---- hashed entries ---- */

/* |1|base64(salt)|base64(HMAC-SHA1(salt, host)), computed with OpenSSL directly. */
static char *hashed_entry(const char *host, uint8_t salt_byte)
{
	uint8_t salt[20], mac[20];
	unsigned int mac_len = sizeof(mac);
	memset(salt, salt_byte, sizeof(salt));
	salt[0] = 0x5a;
	assert_non_null(HMAC(EVP_sha1(), salt, sizeof(salt), (const unsigned char *)host, strlen(host), mac, &mac_len));
	assert_int_equal(mac_len, 20);
	char *s64, *m64, *out = NULL;
	assert_int_equal(burrow_base64_encode(salt, sizeof(salt), true, &s64), 0);
	assert_int_equal(burrow_base64_encode(mac, sizeof(mac), true, &m64), 0);
	assert_true(asprintf(&out, "|1|%s|%s", s64, m64) > 0);
	free(s64);
	free(m64);
	return out;
}

static void test_hashed_entries(void **state)
{
	struct key_fixture *f = *state;
	char *h1 = hashed_entry("example.com", 1), *h2 = hashed_entry("[example.com]:2222", 2);
	char *text = NULL;
	assert_true(asprintf(&text, "%s %s\n%s %s\n", h1, f->a_line, h2, f->b_line) > 0);
	expect_result(text, "example.com", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(text, "Example.Com", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(text, "example.com", f->c, BURROW_KNOWN_HOST_CHANGED, 1);
	expect_result(text, "example.org", f->a, BURROW_KNOWN_HOST_NEW, 0);
	expect_result(text, "[example.com]:2222", f->b, BURROW_KNOWN_HOST_OK, 2);
	free(text);
	free(h1);
	free(h2);
}

static void test_malformed_hashed_entries_match_nothing(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f,
		"|1|AAAA|BBBB %1$s\n"               /* wrong lengths */
		"|1|not base64!|x %1$s\n"
		"|1| %1$s\n"
		"|2|c2FsdHNhbHRzYWx0c2FsdHNhbHQ=|c2FsdHNhbHRzYWx0c2FsdHNhbHQ= %1$s\n");
	expect_result(text, "example.com", f->a, BURROW_KNOWN_HOST_NEW, 0);
	free(text);
}

static void test_hashed_line_made_by_ssh_keygen(void **state)
{
	struct key_fixture *f = *state;
	if (access(SSH_KEYGEN, X_OK) != 0) {
		print_message("ssh-keygen not found at " SSH_KEYGEN "\n");
		skip();
	}
	char dir[] = "/tmp/burrow-test-known-hosts-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], cmd[512];
	snprintf(path, sizeof(path), "%s/known_hosts", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "host.example,[host.example]:2200 %s\n", f->a_line);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), SSH_KEYGEN " -H -f '%s' >/dev/null 2>&1", path);
	assert_int_equal(system(cmd), 0);

	fp = fopen(path, "r");
	assert_non_null(fp);
	char text[4096];
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = 0;
	assert_non_null(strstr(text, "|1|"));
	assert_null(strstr(text, "host.example"));
	/* ssh-keygen -H writes one hashed line per name */
	expect_result(text, "host.example", f->a, BURROW_KNOWN_HOST_OK, 1);
	expect_result(text, "[host.example]:2200", f->a, BURROW_KNOWN_HOST_OK, 2);
	expect_result(text, "host.example", f->b, BURROW_KNOWN_HOST_CHANGED, 1);
	expect_result(text, "other.example", f->a, BURROW_KNOWN_HOST_NEW, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- markers ---- */

static void test_revoked_key_is_reported_even_with_an_ok_line(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "example.com %1$s\n# note\n@revoked * %1$s\n@revoked * %2$s\n");
	expect_result(text, "example.com", f->a, BURROW_KNOWN_HOST_REVOKED, 3);
	expect_result(text, "anything.org", f->b, BURROW_KNOWN_HOST_REVOKED, 4);
	expect_result(text, "example.com", f->c, BURROW_KNOWN_HOST_CHANGED, 1);
	free(text);
	/* a revoked line only applies to its hosts */
	text = key_fixture_text(f, "@revoked other.com %1$s\nexample.com %1$s\n");
	expect_result(text, "example.com", f->a, BURROW_KNOWN_HOST_OK, 2);
	free(text);
}

static void test_cert_authority_lines_are_skipped(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f, "@cert-authority *.example.com %2$s\n@cert-authority *.example.com %1$s\n");
	expect_result(text, "www.example.com", f->a, BURROW_KNOWN_HOST_NEW, 0);
	free(text);
}

/* ---- changed keys and line numbers ---- */

static void test_changed_reports_first_conflicting_line_and_ok_wins(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f,
		"# line 1\n"
		"other.com %2$s\n"
		"\n"
		"example.com %2$s\n"
		"example.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7\n"
		"*.com %3$s\n"
		"example.com %1$s\n");
	expect_result(text, "example.com", f->a, BURROW_KNOWN_HOST_OK, 7);
	expect_result(text, "example.com", f->c, BURROW_KNOWN_HOST_OK, 6);
	expect_result(text, "other.com", f->a, BURROW_KNOWN_HOST_CHANGED, 2);
	expect_result(text, "third.com", f->a, BURROW_KNOWN_HOST_CHANGED, 6);
	struct burrow_key *d;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &d), 0);
	expect_result(text, "example.com", d, BURROW_KNOWN_HOST_CHANGED, 4);
	burrow_key_free(d);
	free(text);
}

static void test_only_other_key_types_means_new(void **state)
{
	struct key_fixture *f = *state;
	const char *text =
		"example.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7\n"
		"example.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=\n";
	expect_result(text, "example.com", f->a, BURROW_KNOWN_HOST_NEW, 0);
}

static void test_malformed_lines_are_skipped(void **state)
{
	struct key_fixture *f = *state;
	char *text = key_fixture_text(f,
		"example.com\n"
		"example.com ssh-ed25519\n"
		"example.com ssh-ed25519 AAAA!!\n"
		"@unknown example.com %2$s\n"
		"@revoked\n"
		"   \t\n"
		"  example.com %1$s\r\n");
	expect_result(text, "example.com", f->a, BURROW_KNOWN_HOST_OK, 7);
	expect_result(text, "example.com", f->b, BURROW_KNOWN_HOST_CHANGED, 7);
	free(text);
}

static void test_rejects_null_arguments(void **state)
{
	struct key_fixture *f = *state;
	enum burrow_known_host r;
	int n;
	assert_int_equal(burrow_known_hosts_check(NULL, 1, "h", f->a, &r, &n), BURROW_E_INVALID);
	assert_int_equal(burrow_known_hosts_check("", 0, NULL, f->a, &r, &n), BURROW_E_INVALID);
	assert_int_equal(burrow_known_hosts_check("", 0, "h", NULL, &r, &n), BURROW_E_INVALID);
	assert_int_equal(burrow_known_hosts_check("", 0, "h", f->a, NULL, &n), BURROW_E_INVALID);
	assert_int_equal(burrow_known_hosts_check("", 0, "h", f->a, &r, NULL), BURROW_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostname_is_bare_for_port_22_and_bracketed_otherwise),
		cmocka_unit_test(test_new_line_reads_back_as_ok),
		cmocka_unit_test(test_plain_host_ok_new_and_changed),
		cmocka_unit_test(test_comma_list_and_case_insensitive_patterns),
		cmocka_unit_test(test_wildcards_star_and_question_mark),
		cmocka_unit_test(test_negated_pattern_rules_the_line_out),
		cmocka_unit_test(test_pathological_pattern_finishes),
		cmocka_unit_test(test_bracketed_port_form),
		cmocka_unit_test(test_hashed_entries),
		cmocka_unit_test(test_malformed_hashed_entries_match_nothing),
		cmocka_unit_test(test_hashed_line_made_by_ssh_keygen),
		cmocka_unit_test(test_revoked_key_is_reported_even_with_an_ok_line),
		cmocka_unit_test(test_cert_authority_lines_are_skipped),
		cmocka_unit_test(test_changed_reports_first_conflicting_line_and_ok_wins),
		cmocka_unit_test(test_only_other_key_types_means_new),
		cmocka_unit_test(test_malformed_lines_are_skipped),
		cmocka_unit_test(test_rejects_null_arguments),
	};
	return cmocka_run_group_tests(tests, key_fixture_setup, key_fixture_teardown);
}
