/*
 * Encrypted openssh-key-v1 files (OpenSSH PROTOCOL.key): files ssh-keygen made (embedded known
 * answers for aes256-ctr, aes256-gcm and chacha20-poly1305, plus fresh ones when ssh-keygen is
 * installed), our own encrypted files in every cipher, wrong and missing passphrases, and
 * corrupted or truncated files, which must give an error and never crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "burrow/keys.h"
#include "keys_internal.h"

#define PASS "burrow test"

/* Made by: ssh-keygen -t ed25519 -N 'burrow test' -a 2 -Z <cipher> -C kat; -t ecdsa -m PEM. */
static const char kat_ctr[] =
	"-----BEGIN OPENSSH PRIVATE KEY-----\n"
	"b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABBEuRD7/R\n"
	"6EIl/9+SkYG4eVAAAAAgAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIDoEsG2cbjA0LrAy\n"
	"6Kp8oNRdBPCbZP2uM3EFkFurTRQ8AAAAkLvpIj2uKVkFmpXcmKeM9bcw4zp9TZ1WKS7b/B\n"
	"JJ0LpVl1nfGUpbaMOBBHIjU0Bc3p8aVeikikmLz8obXQi6iq603PhUBtj5nWsTmhfeT6+M\n"
	"6ehBpbcnXjCYG1rJaLUX+sWiMHghY8pmqH4hoU9cEqjqFbwFWXFpVCUwDXRS2Mbsvk+423\n"
	"67i7es+hX58P5KZg==\n"
	"-----END OPENSSH PRIVATE KEY-----\n";
static const char kat_ctr_pub[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDoEsG2cbjA0LrAy6Kp8oNRdBPCbZP2uM3EFkFurTRQ8";

static const char kat_gcm[] =
	"-----BEGIN OPENSSH PRIVATE KEY-----\n"
	"b3BlbnNzaC1rZXktdjEAAAAAFmFlczI1Ni1nY21Ab3BlbnNzaC5jb20AAAAGYmNyeXB0AA\n"
	"AAGAAAABBqW6nl7l4sNOx/Qzedk0SoAAAAAgAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAA\n"
	"IPUTRDmPtT1Asqv5vN2J3KdL+CsLlyrLyv+HIX/yZQffAAAAkDGGLKodlfnYmECeTyrzkQ\n"
	"FP0dHHal+bBki6tAF2J9Ou55lTOTkyvP634cuMX3+kuWQ9zHKtGbMe5/qRF4mVEblfJbIf\n"
	"6B0VdHqsfVWT8qaMuHyXVboP6joxyJiKiRNByR7ak5JjgrRVTisQWgkaKVDlajuqMpEwhh\n"
	"3qhHQMm8japHGvo6j9JeXZm9Oflsb6MKjVNeB0H1+MJDYu+lict1M=\n"
	"-----END OPENSSH PRIVATE KEY-----\n";
static const char kat_gcm_pub[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPUTRDmPtT1Asqv5vN2J3KdL+CsLlyrLyv+HIX/yZQff";

static const char kat_chacha[] =
	"-----BEGIN OPENSSH PRIVATE KEY-----\n"
	"b3BlbnNzaC1rZXktdjEAAAAAHWNoYWNoYTIwLXBvbHkxMzA1QG9wZW5zc2guY29tAAAABm\n"
	"JjcnlwdAAAABgAAAAQ9R7PGHdB44gjRoA8nFJqwgAAAAIAAAABAAAAMwAAAAtzc2gtZWQy\n"
	"NTUxOQAAACCUr/OIJns+EkgxxYGPO+gLxkuKZw2sB6lic8yWCHKrOQAAAIg1pO+ZfbG9zP\n"
	"YRtfP9GdNTbUAxIaBfwZoh16m7toFMYwRprwjmbiE3jVIMD8f8emcnpFMFAN1uamvrGCc/\n"
	"eam2nKFaNoF2pcTHFVph/VUFxcou2LbG40ilB7+C/uFQ9WvjzIxh8kHcIl9whfRQ/kn4HX\n"
	"ZdjXn/ju5voe+lrvYk3q3yOwQDDETLZKs9i6GVyfgJwmo3b9yyqQ==\n"
	"-----END OPENSSH PRIVATE KEY-----\n";
static const char kat_chacha_pub[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJSv84gmez4SSDHFgY876AvGS4pnDawHqWJzzJYIcqs5";

static const char kat_pem[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"Proc-Type: 4,ENCRYPTED\n"
	"DEK-Info: AES-128-CBC,E45C00F1DBC41BF62B7683EECF5966A9\n"
	"\n"
	"OoBZ8zSsBaMkMQG5xEUBhzgq0H7FI2RjlsAM2lLCdarzUuJhnioRlMB/+9bzdnjX\n"
	"PmpBW7z2CnXrNqnAo8icEE+vhMTnb1IUCtI1fFwpT6XJP6P1qvDw5mNgoCIZ7DF8\n"
	"RruImP8sWsQeKOw0FjopqsVJvhguvkLM5/75YIIvBHs=\n"
	"-----END EC PRIVATE KEY-----\n";
static const char kat_pem_pub[] = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMtrWeffATzIFBFUWTVufdhNNGMUAvTicVRhgTiwSwpm/BEV67+ppgAIiNDNdX0hHhTrVg8Muqu1Bolxy+oCJl8=";

static void expect_public(const struct burrow_key *key, const char *want)
{
	char *line;
	assert_int_equal(burrow_key_format_public_line(key, NULL, &line), 0);
	assert_string_equal(line, want);
	free(line);
}

static void check_kat(const char *file, const char *pub)
{
	struct burrow_key *key = NULL;
	char *comment = NULL;
	assert_int_equal(burrow_key_parse_private(file, strlen(file), PASS, &key, &comment), 0);
	assert_true(burrow_key_has_private(key));
	expect_public(key, pub);
	assert_string_equal(comment, "kat");
	free(comment);
	burrow_key_free(key);
}

static void test_reads_ssh_keygen_aes256_ctr_file(void **state)
{
	(void)state;
	check_kat(kat_ctr, kat_ctr_pub);
}

static void test_reads_ssh_keygen_aes256_gcm_file(void **state)
{
	(void)state;
	check_kat(kat_gcm, kat_gcm_pub);
}

static void test_reads_ssh_keygen_chacha20_poly1305_file(void **state)
{
	(void)state;
	check_kat(kat_chacha, kat_chacha_pub);
}

static void test_wrong_or_missing_passphrase_is_passphrase_error(void **state)
{
	(void)state;
	const char *files[] = { kat_ctr, kat_gcm, kat_chacha, kat_pem };
	for (size_t i = 0; i < 4; i++) {
		struct burrow_key *key = (struct burrow_key *)1;
		size_t n = strlen(files[i]);
		assert_int_equal(burrow_key_parse_private(files[i], n, "burrow tesT", &key, NULL), BURROW_E_PASSPHRASE);
		assert_null(key);
		assert_int_equal(burrow_key_parse_private(files[i], n, NULL, &key, NULL), BURROW_E_PASSPHRASE);
		assert_int_equal(burrow_key_parse_private(files[i], n, "", &key, NULL), BURROW_E_PASSPHRASE);
	}
}

static void test_public_half_needs_no_passphrase(void **state)
{
	(void)state;
	struct burrow_key *key;
	assert_int_equal(burrow_key_parse_private_public(kat_ctr, strlen(kat_ctr), &key), 0);
	assert_false(burrow_key_has_private(key));
	expect_public(key, kat_ctr_pub);
	burrow_key_free(key);
	/* PEM keeps no public half outside the encryption */
	assert_int_equal(burrow_key_parse_private_public(kat_pem, strlen(kat_pem), &key), BURROW_E_PASSPHRASE);
}

static void test_reads_encrypted_pem_from_ssh_keygen(void **state)
{
	(void)state;
	struct burrow_key *key;
	char *comment = (char *)1;
	assert_int_equal(burrow_key_parse_private(kat_pem, strlen(kat_pem), PASS, &key, &comment), 0);
	assert_null(comment); /* PEM has none */
	expect_public(key, kat_pem_pub);
	burrow_key_free(key);
}

/* Our files in each cipher read back, with the comment, and not with another passphrase. */
static void test_round_trip_in_every_cipher(void **state)
{
	(void)state;
	static const char *const ciphers[] = {
		"aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-cbc", "aes192-cbc", "aes256-cbc",
		"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com",
	};
	struct burrow_key *key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
		char *text, *comment;
		struct burrow_key *back;
		assert_int_equal(keyfile_openssh_format(key, "round trip", "pw", 1, ciphers[i], &text), 0);
		assert_non_null(strstr(text, "-----BEGIN OPENSSH PRIVATE KEY-----\n"));
		assert_int_equal(burrow_key_parse_private(text, strlen(text), "pw", &back, &comment), 0);
		assert_true(burrow_key_equal_public(key, back));
		assert_true(burrow_key_has_private(back));
		assert_string_equal(comment, "round trip");
		free(comment);
		burrow_key_free(back);
		assert_int_equal(burrow_key_parse_private(text, strlen(text), "pW", &back, NULL), BURROW_E_PASSPHRASE);
		assert_null(back);
		free(text);
	}
	char *text;
	assert_int_equal(keyfile_openssh_format(key, "", "pw", 1, "3des-cbc", &text), BURROW_E_UNSUPPORTED);
	burrow_key_free(key);
}

/* burrow_key_format_private_ex: every type, aes256-ctr by default; "" means unencrypted. */
static void test_format_private_ex_encrypts_every_type(void **state)
{
	(void)state;
	static const enum burrow_key_type types[] = { BURROW_KEY_ED25519, BURROW_KEY_ECDSA, BURROW_KEY_RSA };
	for (size_t i = 0; i < 3; i++) {
		struct burrow_key *key, *back;
		char *text;
		assert_int_equal(burrow_key_generate(types[i], types[i] == BURROW_KEY_RSA ? 1024 : 0, &key), 0);
		assert_int_equal(burrow_key_format_private_ex(key, "c", "secret", 2, &text), 0);
		assert_int_equal(burrow_key_parse_private(text, strlen(text), NULL, &back, NULL), BURROW_E_PASSPHRASE);
		assert_int_equal(burrow_key_parse_private(text, strlen(text), "secret", &back, NULL), 0);
		assert_true(burrow_key_equal_public(key, back));
		burrow_key_free(back);
		free(text);
		assert_int_equal(burrow_key_format_private_ex(key, "c", "", 0, &text), 0);
		assert_int_equal(burrow_key_parse_private(text, strlen(text), NULL, &back, NULL), 0);
		burrow_key_free(back);
		free(text);
		burrow_key_free(key);
	}
}

/* The body of an armoured file, and the file for a (changed) body. */
static uint8_t *body_of(const char *text, size_t *len)
{
	const char *begin = strchr(text, '\n') + 1;
	const char *end = strstr(text, "-----END");
	char *b64 = malloc((size_t)(end - begin) + 1);
	size_t n = 0;
	for (const char *p = begin; p < end; p++)
		if (*p != '\n')
			b64[n++] = *p;
	uint8_t *body;
	assert_int_equal(burrow_base64_decode(b64, n, &body, len), 0);
	free(b64);
	return body;
}

static char *armor(const uint8_t *body, size_t len)
{
	char *b64, *text;
	assert_int_equal(burrow_base64_encode(body, len, true, &b64), 0);
	size_t n = strlen(b64) + 80;
	text = malloc(n);
	snprintf(text, n, "-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----\n", b64);
	free(b64);
	return text;
}

/* Offset of the rounds in kat_ctr's body: magic, "aes256-ctr", "bcrypt", kdfoptions' length and
 * salt. Flipping it would ask for billions of rounds: a slow file, not a malformed one. */
#define KAT_CTR_ROUNDS_AT (15 + 4 + 10 + 4 + 6 + 4 + 4 + 16)

static void test_corrupted_encrypted_file_is_an_error_or_the_same_key(void **state)
{
	(void)state;
	size_t len;
	uint8_t *body = body_of(kat_ctr, &len);
	for (size_t i = 0; i < len; i += 2) {
		if (i >= KAT_CTR_ROUNDS_AT && i < KAT_CTR_ROUNDS_AT + 4)
			continue;
		body[i] ^= 0x01;
		char *text = armor(body, len);
		struct burrow_key *key = NULL;
		int err = burrow_key_parse_private(text, strlen(text), PASS, &key, NULL);
		/* aes256-ctr is not authenticated: a flipped comment byte still loads, but never
		 * as another key than the file's public key */
		if (err == 0)
			expect_public(key, kat_ctr_pub);
		else
			assert_null(key);
		burrow_key_free(key);
		free(text);
		body[i] ^= 0x01;
	}
	free(body);
}

static void test_truncated_encrypted_file_is_an_error(void **state)
{
	(void)state;
	size_t len;
	uint8_t *body = body_of(kat_gcm, &len);
	for (size_t n = 0; n < len; n++) {
		char *text = armor(body, n);
		struct burrow_key *key = NULL;
		assert_int_not_equal(burrow_key_parse_private(text, strlen(text), PASS, &key, NULL), 0);
		assert_null(key);
		free(text);
	}
	/* and truncated text, armour and all */
	for (size_t n = 0; n < strlen(kat_ctr); n += 3) {
		struct burrow_key *key = NULL;
		assert_int_not_equal(burrow_key_parse_private(kat_ctr, n, PASS, &key, NULL), 0);
	}
	free(body);
}

static void test_unknown_cipher_or_kdf_is_unsupported(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_put(&b, "openssh-key-v1", 15);
	buf_put_cstring(&b, "twofish-cbc");
	buf_put_cstring(&b, "bcrypt");
	buf_put_string(&b, "", 0);
	buf_put_u32(&b, 1);
	buf_put_string(&b, "x", 1);
	buf_put_string(&b, "0123456789abcdef", 16);
	char *text = armor(buf_ptr(&b), buf_len(&b));
	struct burrow_key *key = NULL;
	assert_int_equal(burrow_key_parse_private(text, strlen(text), PASS, &key, NULL), BURROW_E_UNSUPPORTED);
	free(text);
	buf_free(&b);
}

/* Files ssh-keygen makes now, when it is installed: every type, the default cipher. */
static void test_reads_fresh_ssh_keygen_files(void **state)
{
	(void)state;
	if (system("command -v ssh-keygen >/dev/null 2>&1") != 0)
		skip();
	char dir[] = "/tmp/burrow-keyfile-XXXXXX";
	assert_non_null(mkdtemp(dir));
	static const char *const types[] = { "ed25519", "ecdsa", "rsa -b 1024" };
	for (size_t i = 0; i < 3; i++) {
		char cmd[512], path[300];
		snprintf(path, sizeof(path), "%s/k%zu", dir, i);
		snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t %s -a 3 -N '%s' -C fresh -f %s </dev/null >/dev/null 2>&1",
			 types[i], PASS, path);
		assert_int_equal(system(cmd), 0);
		FILE *f = fopen(path, "r");
		char text[8192];
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = 0;
		struct burrow_key *key, *pub;
		char *comment;
		assert_int_equal(burrow_key_parse_private(text, n, PASS, &key, &comment), 0);
		assert_string_equal(comment, "fresh");
		assert_int_equal(burrow_key_parse_private_public(text, n, &pub), 0);
		assert_true(burrow_key_equal_public(key, pub));
		free(comment);
		burrow_key_free(key);
		burrow_key_free(pub);
	}
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_ssh_keygen_aes256_ctr_file),
		cmocka_unit_test(test_reads_ssh_keygen_aes256_gcm_file),
		cmocka_unit_test(test_reads_ssh_keygen_chacha20_poly1305_file),
		cmocka_unit_test(test_wrong_or_missing_passphrase_is_passphrase_error),
		cmocka_unit_test(test_public_half_needs_no_passphrase),
		cmocka_unit_test(test_reads_encrypted_pem_from_ssh_keygen),
		cmocka_unit_test(test_round_trip_in_every_cipher),
		cmocka_unit_test(test_format_private_ex_encrypts_every_type),
		cmocka_unit_test(test_corrupted_encrypted_file_is_an_error_or_the_same_key),
		cmocka_unit_test(test_truncated_encrypted_file_is_an_error),
		cmocka_unit_test(test_unknown_cipher_or_kdf_is_unsupported),
		cmocka_unit_test(test_reads_fresh_ssh_keygen_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
