/* known_hosts editing (known_hosts_edit.c): hashed host names as OpenSSH writes them, finding a
 * host's lines (plain, patterns, negation, hashed, markers) and ssh-keygen -H's line splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "burrow/keys.h"

static const char key_text[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF/ngsF4fIlGGA1Z52uwo8XGElJfFJ4QtNJDBxHy1l0I";

static int matches(const char *line, const char *host)
{
	return burrow_known_hosts_line_matches(line, strlen(line), host, NULL);
}

/* HMAC-SHA1 with salt 00 01 .. 13 over "example.com", as computed by Python's hmac module. */
static void test_hash_host_with_known_salt(void **state)
{
	(void)state;
	uint8_t salt[20];
	for (int i = 0; i < 20; i++)
		salt[i] = (uint8_t)i;
	char *h;
	assert_int_equal(burrow_known_hosts_hash_host("example.com", salt, &h), 0);
	assert_string_equal(h, "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|nnUK16ANsXd3hL31YfAkGOluSjU=");
	free(h);
}

static void test_hashed_line_matches_its_host_only(void **state)
{
	(void)state;
	struct burrow_key *key;
	assert_int_equal(burrow_key_parse_public_line(key_text, strlen(key_text), &key, NULL), 0);
	char *line, *again;
	assert_int_equal(burrow_known_hosts_line_hashed("[h.example]:2222", key, &line), 0);
	assert_int_equal(burrow_known_hosts_line_hashed("[h.example]:2222", key, &again), 0);
	assert_string_not_equal(line, again); /* a fresh salt each time */
	assert_memory_equal(line, "|1|", 3);
	assert_non_null(strstr(line, key_text));
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_int_equal(matches(line, "[h.example]:2222"), 1);
	assert_int_equal(matches(again, "[h.example]:2222"), 1);
	assert_int_equal(matches(line, "h.example"), 0);
	assert_int_equal(matches(line, "[h.example]:2223"), 0);
	enum burrow_known_hosts_marker m = BURROW_KH_MARKER_CA;
	assert_int_equal(burrow_known_hosts_line_matches(line, strlen(line), "[h.example]:2222", &m), 1);
	assert_int_equal(m, BURROW_KH_MARKER_NONE);
	free(line);
	free(again);
	burrow_key_free(key);
}

static void test_plain_patterns_negation_and_markers(void **state)
{
	(void)state;
	static const char list[] = "a.example,10.0.0.1 ssh-ed25519 AAAA";
	assert_int_equal(matches(list, "a.example"), 1);
	assert_int_equal(matches(list, "A.EXAMPLE"), 1); /* host names are case-insensitive */
	assert_int_equal(matches(list, "10.0.0.1"), 1);
	assert_int_equal(matches(list, "b.example"), 0);
	static const char wild[] = "*.example,!bad.example ssh-ed25519 AAAA";
	assert_int_equal(matches(wild, "x.example"), 1);
	assert_int_equal(matches(wild, "bad.example"), 0);
	enum burrow_known_hosts_marker m;
	static const char revoked[] = "@revoked a.example ssh-ed25519 AAAA";
	assert_int_equal(burrow_known_hosts_line_matches(revoked, strlen(revoked), "a.example", &m), 1);
	assert_int_equal(m, BURROW_KH_MARKER_REVOKED);
	static const char ca[] = "@cert-authority *.example ssh-ed25519 AAAA";
	assert_int_equal(burrow_known_hosts_line_matches(ca, strlen(ca), "a.example", &m), 1);
	assert_int_equal(m, BURROW_KH_MARKER_CA);
}

static void test_blank_comment_and_malformed_lines_are_not_entries(void **state)
{
	(void)state;
	static const char *const lines[] = { "", "   ", "# a.example ssh-ed25519 AAAA", "a.example",
					     "@bogus a.example ssh-ed25519 AAAA", "@revoked", "|1|junk|junk" };
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(matches(lines[i], "a.example"), BURROW_E_NOTFOUND);
	/* a malformed hashed entry matches nothing, and is no error */
	assert_int_equal(matches("|1|!!!|??? ssh-ed25519 AAAA", "a.example"), 0);
	assert_int_equal(matches("|1|AAAA ssh-ed25519 AAAA", "a.example"), 0);
}

static void test_hash_line_writes_one_line_per_name(void **state)
{
	(void)state;
	static const char line[] = "Alpha.example,10.0.0.1 ssh-ed25519 AAAA comment here";
	char *out;
	bool wild = true;
	assert_int_equal(burrow_known_hosts_hash_line(line, strlen(line), &out, &wild), 0);
	assert_false(wild);
	char *nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1] != 0, 1);
	assert_int_equal(out[strlen(out) - 1], '\n');
	*nl = 0;
	assert_int_equal(matches(out, "alpha.example"), 1); /* lowercased before hashing */
	assert_int_equal(matches(out, "10.0.0.1"), 0);
	assert_non_null(strstr(out, " ssh-ed25519 AAAA comment here"));
	assert_int_equal(matches(nl + 1, "10.0.0.1"), 1);
	free(out);
}

static void test_hash_line_keeps_what_it_must_not_hash(void **state)
{
	(void)state;
	static const char *const keep[] = {
		"# comment", "", "*.example ssh-ed25519 AAAA", "!a.example ssh-ed25519 AAAA",
		"@revoked a.example ssh-ed25519 AAAA", "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|nnUK16ANsXd3hL31YfAkGOluSjU= ssh-ed25519 AAAA",
	};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		char *out = (char *)1;
		bool wild = false;
		assert_int_equal(burrow_known_hosts_hash_line(keep[i], strlen(keep[i]), &out, &wild), 0);
		assert_null(out);
		assert_int_equal(wild, i == 2 || i == 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_host_with_known_salt),
		cmocka_unit_test(test_hashed_line_matches_its_host_only),
		cmocka_unit_test(test_plain_patterns_negation_and_markers),
		cmocka_unit_test(test_blank_comment_and_malformed_lines_are_not_entries),
		cmocka_unit_test(test_hash_line_writes_one_line_per_name),
		cmocka_unit_test(test_hash_line_keeps_what_it_must_not_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
