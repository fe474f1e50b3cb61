/*
 * Key files in libcrypto's and RFC 4716's formats (keyfile_pem.c, keyfile_rfc4716.c,
 * keyfile_convert.c) and MD5 fingerprints: round trips of every type and format, files other
 * tools wrote, and malformed or truncated input, which must be an error and never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "burrow/keys.h"

/* openssl genpkey -algorithm ed25519, and its public key in SSH form. */
static const char pkcs8_ed25519[] = "-----BEGIN PRIVATE KEY-----\n"
				    "MC4CAQAwBQYDK2VwBCIEIJX1kCJTeFA5dXruMc2VKwx20G+O1FNhQdEtcd6tlvzS\n"
				    "-----END PRIVATE KEY-----\n";
static const char pkcs8_ed25519_pub[] =
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlXpXk2ioBZMXINqpz66yHjb1qMSt6+cEZt0fJbyNck";

/* ssh-keygen -e -m RFC4716 of the key below, and ssh-keygen -l -E md5 of it. */
static const char ed25519_line[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF/ngsF4fIlGGA1Z52uwo8XGElJfFJ4QtNJDBxHy1l0I";
static const char ed25519_rfc4716[] = "---- BEGIN SSH2 PUBLIC KEY ----\n"
				      "Comment: \"256-bit ED25519, converted by root@vm from OpenSSH\"\n"
				      "AAAAC3NzaC1lZDI1NTE5AAAAIF/ngsF4fIlGGA1Z52uwo8XGElJfFJ4QtNJDBxHy1l0I\n"
				      "---- END SSH2 PUBLIC KEY ----\n";
static const char ed25519_md5[] = "MD5:05:13:7f:1d:06:8f:dd:d3:d4:38:46:69:65:ca:13:3a";

static struct burrow_key *public_key(const char *line)
{
	struct burrow_key *key;
	assert_int_equal(burrow_key_parse_public_line(line, strlen(line), &key, NULL), 0);
	return key;
}

static void expect_line(const struct burrow_key *key, const char *want)
{
	char *line;
	assert_int_equal(burrow_key_format_public_line(key, NULL, &line), 0);
	assert_string_equal(line, want);
	free(line);
}

static void test_md5_fingerprint_matches_ssh_keygen(void **state)
{
	(void)state;
	struct burrow_key *key = public_key(ed25519_line);
	char *fp;
	assert_int_equal(burrow_key_fingerprint_md5(key, &fp), 0);
	assert_string_equal(fp, ed25519_md5);
	free(fp);
	char *art;
	assert_int_equal(burrow_key_fingerprint_randomart_md5(key, &art), 0);
	assert_non_null(strstr(art, "+------[MD5]------+"));
	free(art);
	burrow_key_free(key);
}

static void test_rfc4716_export_is_ssh_keygen_byte_for_byte(void **state)
{
	(void)state;
	struct burrow_key *key = public_key(ed25519_line);
	char *out;
	assert_int_equal(burrow_key_export_public(key, BURROW_KEY_FORMAT_RFC4716,
						  "256-bit ED25519, converted by root@vm from OpenSSH", &out),
			 0);
	assert_string_equal(out, ed25519_rfc4716);
	free(out);
	burrow_key_free(key);
}

static void test_rfc4716_import_skips_headers_and_continuations(void **state)
{
	(void)state;
	static const char text[] = "\n---- BEGIN SSH2 PUBLIC KEY ----\n"
				   "Subject: someone\n"
				   "Comment: \"a long comment that goes on \\\n"
				   "and on\"\n"
				   "AAAAC3NzaC1lZDI1NTE5AAAAIF/ngsF4fIlGGA1Z52uwo8X\n"
				   "GElJfFJ4QtNJDBxHy1l0I\r\n"
				   "---- END SSH2 PUBLIC KEY ----\n";
	struct burrow_key *key;
	assert_int_equal(burrow_key_import_public(text, strlen(text), BURROW_KEY_FORMAT_RFC4716, &key), 0);
	expect_line(key, ed25519_line);
	burrow_key_free(key);
}

static void test_rfc4716_malformed_is_parse_error(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"---- BEGIN SSH2 PUBLIC KEY ----\nAAAAC3NzaC1lZDI1NTE5AAAAIF/ngsF4fIlGGA1Z52uwo8XGElJfFJ4QtNJDBxHy1l0I\n",
		"---- BEGIN SSH2 PUBLIC KEY ----\n---- END SSH2 PUBLIC KEY ----\n",
		"---- BEGIN SSH2 PUBLIC KEY ----\n!!!!\n---- END SSH2 PUBLIC KEY ----\n",
		"---- BEGIN SSH2 PUBLIC KEY ----\nAAAAC3NzaC1lZDI1NTE5AAAAIF\n---- END SSH2 PUBLIC KEY ----\n",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF/ngsF4fIlGGA1Z52uwo8XGElJfFJ4QtNJDBxHy1l0I\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct burrow_key *key = NULL;
		assert_int_not_equal(burrow_key_import_public(bad[i], strlen(bad[i]), BURROW_KEY_FORMAT_RFC4716, &key), 0);
		assert_null(key);
	}
	for (size_t n = 0; n < strlen(ed25519_rfc4716); n++) {
		struct burrow_key *key = NULL;
		if (burrow_key_import_public(ed25519_rfc4716, n, BURROW_KEY_FORMAT_RFC4716, &key) == 0) {
			expect_line(key, ed25519_line); /* only once the END line is whole */
			burrow_key_free(key);
		}
	}
}

static void test_reads_pkcs8_ed25519_from_openssl(void **state)
{
	(void)state;
	struct burrow_key *key;
	assert_int_equal(burrow_key_parse_private(pkcs8_ed25519, strlen(pkcs8_ed25519), NULL, &key, NULL), 0);
	assert_true(burrow_key_has_private(key));
	expect_line(key, pkcs8_ed25519_pub);
	burrow_key_free(key);
}

/* PEM and PKCS#8, plain and encrypted, RSA and ECDSA: written, read back, same key. */
static void test_pem_and_pkcs8_private_round_trip(void **state)
{
	(void)state;
	static const enum burrow_key_type types[] = { BURROW_KEY_RSA, BURROW_KEY_ECDSA, BURROW_KEY_ECDSA };
	static const int bits[] = { 1024, 256, 521 };
	static const char *const begin[2][2] = {
		{ "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----" },
		{ "-----BEGIN PRIVATE KEY-----", "-----BEGIN ENCRYPTED PRIVATE KEY-----" },
	};
	for (size_t t = 0; t < 3; t++) {
		struct burrow_key *key;
		assert_int_equal(burrow_key_generate(types[t], bits[t], &key), 0);
		for (int f = 0; f < 2; f++) {
			enum burrow_key_format format = f ? BURROW_KEY_FORMAT_PKCS8 : BURROW_KEY_FORMAT_PEM;
			for (int enc = 0; enc < 2; enc++) {
				char *text;
				struct burrow_key *back;
				const char *pass = enc ? "five+chars" : NULL;
				assert_int_equal(burrow_key_format_pem_private(key, format, pass, &text), 0);
				if (f == 1)
					assert_non_null(strstr(text, begin[1][enc]));
				else
					assert_non_null(strstr(text, begin[0][types[t] == BURROW_KEY_ECDSA]));
				if (enc) {
					assert_int_equal(burrow_key_parse_private(text, strlen(text), NULL, &back, NULL),
							 BURROW_E_PASSPHRASE);
					assert_int_equal(burrow_key_parse_private(text, strlen(text), "wrong", &back, NULL),
							 BURROW_E_PASSPHRASE);
				}
				assert_int_equal(burrow_key_parse_private(text, strlen(text), pass, &back, NULL), 0);
				assert_true(burrow_key_equal_public(key, back));
				assert_true(burrow_key_has_private(back));
				/* the private halves agree: a signature by one verifies under the other */
				uint8_t *sig;
				size_t sig_len;
				assert_int_equal(burrow_key_sign(back, NULL, (const uint8_t *)"m", 1, &sig, &sig_len), 0);
				assert_int_equal(burrow_key_verify(key, sig, sig_len, (const uint8_t *)"m", 1), 0);
				free(sig);
				burrow_key_free(back);
				free(text);
			}
		}
		burrow_key_free(key);
	}
}

static void test_ed25519_has_no_pem_private_form(void **state)
{
	(void)state;
	struct burrow_key *key;
	char *text = (char *)1;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	assert_int_equal(burrow_key_format_pem_private(key, BURROW_KEY_FORMAT_PEM, NULL, &text), BURROW_E_UNSUPPORTED);
	assert_null(text);
	assert_int_equal(burrow_key_export_public(key, BURROW_KEY_FORMAT_PKCS8, NULL, &text), BURROW_E_UNSUPPORTED);
	burrow_key_free(key);
}

static void test_public_export_import_round_trip(void **state)
{
	(void)state;
	struct {
		enum burrow_key_type type;
		int bits;
		enum burrow_key_format format;
		const char *begin;
	} cases[] = {
		{ BURROW_KEY_RSA, 1024, BURROW_KEY_FORMAT_PKCS8, "-----BEGIN PUBLIC KEY-----" },
		{ BURROW_KEY_RSA, 1024, BURROW_KEY_FORMAT_PEM, "-----BEGIN RSA PUBLIC KEY-----" },
		{ BURROW_KEY_ECDSA, 384, BURROW_KEY_FORMAT_PKCS8, "-----BEGIN PUBLIC KEY-----" },
		{ BURROW_KEY_ECDSA, 256, BURROW_KEY_FORMAT_RFC4716, "---- BEGIN SSH2 PUBLIC KEY ----" },
		{ BURROW_KEY_RSA, 1024, BURROW_KEY_FORMAT_RFC4716, "---- BEGIN SSH2 PUBLIC KEY ----" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct burrow_key *key, *back;
		char *text;
		assert_int_equal(burrow_key_generate(cases[i].type, cases[i].bits, &key), 0);
		assert_int_equal(burrow_key_export_public(key, cases[i].format, "c", &text), 0);
		assert_memory_equal(text, cases[i].begin, strlen(cases[i].begin));
		assert_int_equal(burrow_key_import_public(text, strlen(text), cases[i].format, &back), 0);
		assert_true(burrow_key_equal_public(key, back));
		assert_false(burrow_key_has_private(back));
		for (size_t n = 0; n + 1 < strlen(text); n += 7) { /* truncated: an error, never a crash */
			struct burrow_key *t = NULL;
			if (burrow_key_import_public(text, n, cases[i].format, &t) == 0)
				assert_true(burrow_key_equal_public(key, t));
			burrow_key_free(t);
		}
		burrow_key_free(back);
		burrow_key_free(key);
		free(text);
	}
}

static void test_malformed_pem_is_an_error_not_a_crash(void **state)
{
	(void)state;
	struct burrow_key *key;
	char *text;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 256, &key), 0);
	assert_int_equal(burrow_key_format_pem_private(key, BURROW_KEY_FORMAT_PKCS8, NULL, &text), 0);
	size_t len = strlen(text);
	/* Cut anywhere before the END line is complete (libcrypto accepts it without its newline). */
	size_t end_complete = len - 1;
	for (size_t n = 0; n < end_complete; n += 3) {
		struct burrow_key *k = NULL;
		int err = burrow_key_parse_private(text, n, NULL, &k, NULL);
		if (err == 0)
			fprintf(stderr, "accepted at %zu of %zu: [%.*s]\n", n, len, (int)(len - n), text + n);
		assert_int_not_equal(err, 0);
		assert_null(k);
	}
	for (size_t i = 28; i + 26 < len; i += 2) { /* inside the base64 */
		char saved = text[i];
		text[i] = text[i] == 'A' ? 'B' : 'A';
		struct burrow_key *k = NULL;
		if (burrow_key_parse_private(text, len, NULL, &k, NULL) == 0)
			assert_true(burrow_key_has_private(k)); /* a changed but still valid key */
		burrow_key_free(k);
		text[i] = saved;
	}
	static const char dsa[] = "-----BEGIN DSA PRIVATE KEY-----\nMAA=\n-----END DSA PRIVATE KEY-----\n";
	struct burrow_key *k = NULL;
	assert_int_not_equal(burrow_key_parse_private(dsa, strlen(dsa), NULL, &k, NULL), 0);
	free(text);
	burrow_key_free(key);
}

static void test_format_names_as_ssh_keygen_m(void **state)
{
	(void)state;
	enum burrow_key_format f;
	assert_int_equal(burrow_key_format_from_name("rfc4716", &f), 0);
	assert_int_equal(f, BURROW_KEY_FORMAT_RFC4716);
	assert_int_equal(burrow_key_format_from_name("PKCS8", &f), 0);
	assert_int_equal(f, BURROW_KEY_FORMAT_PKCS8);
	assert_int_equal(burrow_key_format_from_name("pem", &f), 0);
	assert_int_equal(f, BURROW_KEY_FORMAT_PEM);
	assert_int_equal(burrow_key_format_from_name("openssh-v2", &f), BURROW_E_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_fingerprint_matches_ssh_keygen),
		cmocka_unit_test(test_rfc4716_export_is_ssh_keygen_byte_for_byte),
		cmocka_unit_test(test_rfc4716_import_skips_headers_and_continuations),
		cmocka_unit_test(test_rfc4716_malformed_is_parse_error),
		cmocka_unit_test(test_reads_pkcs8_ed25519_from_openssl),
		cmocka_unit_test(test_pem_and_pkcs8_private_round_trip),
		cmocka_unit_test(test_ed25519_has_no_pem_private_form),
		cmocka_unit_test(test_public_export_import_round_trip),
		cmocka_unit_test(test_malformed_pem_is_an_error_not_a_crash),
		cmocka_unit_test(test_format_names_as_ssh_keygen_m),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
