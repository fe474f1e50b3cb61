/* openssh-key-v1 private key files (OpenSSH PROTOCOL.key), checked against ssh-keygen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "burrow/keys.h"
#include "helper_files.h"

#define SSH_KEYGEN "/usr/bin/ssh-keygen"
#define FIXTURE_FINGERPRINT "SHA256:fnaGF+fLWl0gSohaRK85yqzNKYnoNz2bx/TXkuEka+8"
#define FIXTURE_PUBLIC "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0gRBOklMF76hWBCPTlPKuZpHn3FJFW9DYzuUivnpf1 fixture@burrow"
#define ENCRYPTED_PUBLIC "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICiVIxDJZhTv4p9oS7TcisjuQICPpa7S4/XoLXGbknI/"

/* ---- helpers ---- */

/* tests/unit/data/<name>, found next to this source file. */
static char *fixture_text(const char *name, size_t *len)
{
	char path[4096];
	const char *src = __FILE__;
	const char *slash = strrchr(src, '/');
	int dirlen = slash ? (int)(slash - src) : 1;
	snprintf(path, sizeof(path), "%.*s/data/%s", dirlen, slash ? src : ".", name);
	char *text = test_read_text(path, len);
	assert_non_null(text);
	return text;
}

static void chomp(char *s)
{
	s[strcspn(s, "\r\n")] = 0;
}

static char *command_output(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *out = calloc(1, 4096);
	assert_non_null(out);
	size_t n = fread(out, 1, 4095, p);
	out[n] = 0;
	assert_int_equal(pclose(p), 0);
	chomp(out);
	return out;
}

struct tmpdir {
	char path[64];
};

static void tmpdir_make(struct tmpdir *t)
{
	strcpy(t->path, "/tmp/burrow-test-keyfile-XXXXXX");
	assert_non_null(mkdtemp(t->path));
}

static void tmpdir_remove(struct tmpdir *t)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
	assert_int_equal(system(cmd), 0);
}

static void skip_without_ssh_keygen(void)
{
	if (access(SSH_KEYGEN, X_OK) != 0) {
		print_message("ssh-keygen not found at " SSH_KEYGEN "\n");
		skip();
	}
}

/* Parses and checks the key's public line against `expect_line` ("type b64 comment"). */
static void check_public_line(const struct burrow_key *key, const char *comment, const char *expect_line)
{
	char *line;
	assert_int_equal(burrow_key_format_public_line(key, comment, &line), 0);
	assert_string_equal(line, expect_line);
	free(line);
}

/* ---- the committed fixture ---- */

static void test_parses_committed_ssh_keygen_fixture(void **state)
{
	size_t len;
	char *text = fixture_text("ed25519_fixture", &len);
	struct burrow_key *key;
	char *comment;
	assert_int_equal(burrow_key_parse_private(text, len, NULL, &key, &comment), 0);
	assert_true(burrow_key_has_private(key));
	assert_string_equal(comment, "fixture@burrow");
	check_public_line(key, comment, FIXTURE_PUBLIC);
	char *fp;
	assert_int_equal(burrow_key_fingerprint_sha256(key, &fp), 0);
	assert_string_equal(fp, FIXTURE_FINGERPRINT);
	free(fp);
	free(comment);
	burrow_key_free(key);
	free(text);
}

static void test_fixture_private_key_signs_for_its_public_line(void **state)
{
	size_t len;
	char *text = fixture_text("ed25519_fixture", &len);
	char *pub_text = fixture_text("ed25519_fixture.pub", NULL);
	struct burrow_key *key, *pub;
	assert_int_equal(burrow_key_parse_private(text, len, "", &key, NULL), 0);
	assert_int_equal(burrow_key_parse_public_line(pub_text, strlen(pub_text), &pub, NULL), 0);
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(key, NULL, (const uint8_t *)"data", 4, &sig, &sig_len), 0);
	assert_int_equal(burrow_key_verify(pub, sig, sig_len, (const uint8_t *)"data", 4), 0);
	free(sig);
	burrow_key_free(key);
	burrow_key_free(pub);
	free(text);
	free(pub_text);
}

static void test_encrypted_fixture_needs_its_passphrase(void **state)
{
	size_t len;
	char *text = fixture_text("ed25519_encrypted_fixture", &len);
	struct burrow_key *key = (struct burrow_key *)1;
	char *comment = (char *)1;
	assert_int_equal(burrow_key_parse_private(text, len, NULL, &key, &comment), BURROW_E_PASSPHRASE);
	assert_null(key);
	assert_null(comment);
	assert_int_equal(burrow_key_parse_private(text, len, "", &key, &comment), BURROW_E_PASSPHRASE);
	assert_int_equal(burrow_key_parse_private(text, len, "Burrow", &key, &comment), BURROW_E_PASSPHRASE);
	assert_null(key);
	/* bcrypt-pbkdf + aes256-ctr, as ssh-keygen wrote it */
	assert_int_equal(burrow_key_parse_private(text, len, "burrow", &key, &comment), 0);
	assert_true(burrow_key_has_private(key));
	check_public_line(key, NULL, ENCRYPTED_PUBLIC);
	assert_string_equal(comment, "encrypted@burrow");
	free(comment);
	burrow_key_free(key);
	/* the public key is stored in the clear */
	assert_int_equal(burrow_key_parse_private_public(text, len, &key), 0);
	assert_false(burrow_key_has_private(key));
	check_public_line(key, NULL, ENCRYPTED_PUBLIC);
	burrow_key_free(key);
	free(text);
}

/* ---- our own output ---- */

static void test_format_then_parse_round_trip(void **state)
{
	struct burrow_key *key, *back;
	char *text, *comment;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	assert_int_equal(burrow_key_format_private(key, "round trip", &text), 0);
	assert_int_equal(burrow_key_parse_private(text, strlen(text), NULL, &back, &comment), 0);
	assert_true(burrow_key_equal_public(key, back));
	assert_true(burrow_key_has_private(back));
	assert_string_equal(comment, "round trip");
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(back, NULL, (const uint8_t *)"m", 1, &sig, &sig_len), 0);
	assert_int_equal(burrow_key_verify(key, sig, sig_len, (const uint8_t *)"m", 1), 0);
	free(sig);
	free(comment);
	free(text);
	burrow_key_free(back);

	/* no comment gives an empty one */
	assert_int_equal(burrow_key_format_private(key, NULL, &text), 0);
	assert_int_equal(burrow_key_parse_private(text, strlen(text), NULL, &back, &comment), 0);
	assert_string_equal(comment, "");
	free(comment);
	free(text);
	burrow_key_free(back);
	burrow_key_free(key);
}

static void test_format_uses_openssh_armour_and_70_columns(void **state)
{
	struct burrow_key *key;
	char *text;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	assert_int_equal(burrow_key_format_private(key, "a somewhat longer comment to make more lines", &text), 0);
	const char *begin = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
	const char *end = "-----END OPENSSH PRIVATE KEY-----\n";
	assert_memory_equal(text, begin, strlen(begin));
	size_t n = strlen(text);
	assert_string_equal(text + n - strlen(end), end);
	const char *body = text + strlen(begin);
	const char *body_end = text + n - strlen(end);
	int lines = 0;
	while (body < body_end) {
		const char *nl = strchr(body, '\n');
		assert_non_null(nl);
		size_t w = (size_t)(nl - body);
		if (nl + 1 < body_end)
			assert_int_equal(w, 70);
		else
			assert_in_range(w, 1, 70);
		body = nl + 1;
		lines++;
	}
	assert_true(lines >= 5);
	/* "openssh-key-v1\0" + "none" "none" "" in base64 */
	assert_memory_equal(text + strlen(begin), "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB", 52);
	free(text);
	burrow_key_free(key);
}

static void test_format_refuses_a_public_only_key(void **state)
{
	struct burrow_key *key, *pub;
	char *text = (char *)1;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	assert_int_equal(burrow_key_dup_public(key, &pub), 0);
	assert_int_equal(burrow_key_format_private(pub, "x", &text), BURROW_E_INVALID);
	assert_null(text);
	burrow_key_free(key);
	burrow_key_free(pub);
}

static void test_parse_accepts_crlf_line_ends(void **state)
{
	size_t len;
	char *text = fixture_text("ed25519_fixture", &len);
	char *crlf = malloc(2 * len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			crlf[o++] = '\r';
		crlf[o++] = text[i];
	}
	struct burrow_key *key;
	assert_int_equal(burrow_key_parse_private(crlf, o, NULL, &key, NULL), 0);
	burrow_key_free(key);
	free(crlf);
	free(text);
}

/* ---- against ssh-keygen ---- */

static void test_parses_key_generated_by_ssh_keygen(void **state)
{
	skip_without_ssh_keygen();
	struct tmpdir t;
	tmpdir_make(&t);
	char cmd[512], path[128];
	snprintf(path, sizeof(path), "%s/k", t.path);
	snprintf(cmd, sizeof(cmd), SSH_KEYGEN " -q -t ed25519 -N '' -C 'made by ssh-keygen' -f '%s'", path);
	assert_int_equal(system(cmd), 0);

	size_t len;
	char *text = test_read_text(path, &len);
	assert_non_null(text);
	struct burrow_key *key;
	char *comment;
	assert_int_equal(burrow_key_parse_private(text, len, NULL, &key, &comment), 0);
	assert_string_equal(comment, "made by ssh-keygen");

	char pub_path[160];
	snprintf(pub_path, sizeof(pub_path), "%s.pub", path);
	char *pub_text = test_read_text(pub_path, NULL);
	chomp(pub_text);
	check_public_line(key, comment, pub_text);

	/* `ssh-keygen -l -f k` prints "256 SHA256:... comment (ED25519)" */
	snprintf(cmd, sizeof(cmd), SSH_KEYGEN " -l -f '%s'", path);
	char *listing = command_output(cmd);
	char *fp;
	assert_int_equal(burrow_key_fingerprint_sha256(key, &fp), 0);
	char expect[512];
	snprintf(expect, sizeof(expect), "%d %s %s (%s)", burrow_key_bits(key), fp, comment, burrow_key_type_short(key));
	assert_string_equal(listing, expect);

	free(fp);
	free(listing);
	free(pub_text);
	free(comment);
	free(text);
	burrow_key_free(key);
	tmpdir_remove(&t);
}

static void test_ssh_keygen_reads_our_private_key(void **state)
{
	skip_without_ssh_keygen();
	struct tmpdir t;
	tmpdir_make(&t);
	struct burrow_key *key;
	char *text, *line;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	assert_int_equal(burrow_key_format_private(key, "made by burrow", &text), 0);
	char path[128], cmd[512];
	snprintf(path, sizeof(path), "%s/ours", t.path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);

	snprintf(cmd, sizeof(cmd), SSH_KEYGEN " -y -f '%s'", path);
	char *out = command_output(cmd);
	assert_int_equal(burrow_key_format_public_line(key, "made by burrow", &line), 0);
	assert_string_equal(out, line);
	free(out);
	free(line);
	free(text);
	burrow_key_free(key);
	tmpdir_remove(&t);
}

/* ---- malformed files, built field by field ---- */

struct keyfile_spec {
	const char *cipher, *kdf, *kdf_options;
	uint32_t nkeys;
	uint32_t check2_xor;     /* makes the second checkint differ */
	const char *inner_type;
	bool wrong_outer_public; /* outer public blob of another key */
	bool wrong_pub_in_priv;  /* seed||pub where pub does not belong to the seed */
	uint8_t pad_first;       /* first padding byte (1 when correct) */
	size_t extra_pad;        /* padding bytes beyond the block boundary (block-sized) */
	bool trailing_byte;      /* a byte after the private section */
};

static const struct keyfile_spec good_spec = { "none", "none", "", 1, 0, "ssh-ed25519", false, false, 1, 0, false };

/* RFC 8032 TEST 1 key. */
static const uint8_t seed1[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
	0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
};
static const uint8_t pub1[32] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
	0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
};

static char *armour(const struct buf *body)
{
	char *b64;
	assert_int_equal(burrow_base64_encode(buf_ptr(body), buf_len(body), true, &b64), 0);
	size_t n = strlen(b64);
	char *text = malloc(n + n / 70 + 128);
	strcpy(text, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	for (size_t i = 0; i < n; i += 70) {
		strncat(text, b64 + i, 70);
		strcat(text, "\n");
	}
	strcat(text, "-----END OPENSSH PRIVATE KEY-----\n");
	free(b64);
	return text;
}

static char *build_keyfile(const struct keyfile_spec *s)
{
	uint8_t other_pub[32];
	memcpy(other_pub, pub1, 32);
	other_pub[0] ^= 1;
	struct buf sec, body;
	buf_init(&sec);
	buf_init(&body);
	buf_put_u32(&sec, 0x12345678);
	buf_put_u32(&sec, 0x12345678 ^ s->check2_xor);
	buf_put_cstring(&sec, s->inner_type);
	const uint8_t *inner_pub = s->wrong_pub_in_priv ? other_pub : pub1;
	buf_put_string(&sec, inner_pub, 32);
	buf_put_u32(&sec, 64);
	buf_put(&sec, seed1, 32);
	buf_put(&sec, inner_pub, 32);
	buf_put_cstring(&sec, "comment");
	uint8_t pad = s->pad_first;
	while (buf_len(&sec) % 8 != 0)
		buf_put_u8(&sec, pad++);
	for (size_t i = 0; i < s->extra_pad; i++)
		buf_put_u8(&sec, pad++);

	buf_put(&body, "openssh-key-v1", 15);
	buf_put_cstring(&body, s->cipher);
	buf_put_cstring(&body, s->kdf);
	buf_put_cstring(&body, s->kdf_options);
	buf_put_u32(&body, s->nkeys);
	buf_put_u32(&body, 4 + 11 + 4 + 32);
	buf_put_cstring(&body, "ssh-ed25519");
	buf_put_string(&body, s->wrong_outer_public ? other_pub : pub1, 32);
	buf_put_string(&body, buf_ptr(&sec), buf_len(&sec));
	if (s->trailing_byte)
		buf_put_u8(&body, 0);
	char *text = armour(&body);
	buf_free(&sec);
	buf_free(&body);
	return text;
}

static int parse_spec(const struct keyfile_spec *s, const char *passphrase)
{
	char *text = build_keyfile(s);
	struct burrow_key *key = (struct burrow_key *)1;
	char *comment = (char *)1;
	int err = burrow_key_parse_private(text, strlen(text), passphrase, &key, &comment);
	if (err == 0) {
		assert_string_equal(comment, "comment");
		burrow_key_free(key);
		free(comment);
	} else {
		assert_null(key);
		assert_null(comment);
	}
	free(text);
	return err;
}

static void test_hand_built_file_parses(void **state)
{
	assert_int_equal(parse_spec(&good_spec, NULL), 0);
	struct keyfile_spec s = good_spec;
	s.extra_pad = 8; /* longer padding that still counts 1, 2, 3, ... */
	assert_int_equal(parse_spec(&s, NULL), 0);
}

static void test_rejects_checkint_mismatch(void **state)
{
	struct keyfile_spec s = good_spec;
	s.check2_xor = 1;
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
}

static void test_rejects_bad_padding(void **state)
{
	struct keyfile_spec s = good_spec;
	s.pad_first = 0;
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
	s.pad_first = 2;
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
	s = good_spec;
	s.extra_pad = 3; /* section no longer a multiple of the block size */
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
}

static void test_rejects_mismatched_public_keys(void **state)
{
	struct keyfile_spec s = good_spec;
	s.wrong_outer_public = true;
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
	s = good_spec;
	s.wrong_pub_in_priv = true;
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
}

static void test_rejects_header_errors(void **state)
{
	struct keyfile_spec s = good_spec;
	s.nkeys = 2;
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
	s.nkeys = 0;
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
	s = good_spec;
	s.kdf = "bcrypt";
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
	s = good_spec;
	s.kdf_options = "x";
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
	s = good_spec;
	s.trailing_byte = true;
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
	s = good_spec;
	s.inner_type = "ssh-dss";
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_UNSUPPORTED);
}

/* bcrypt's options are string salt || uint32 rounds; anything else is malformed. Another kdf or
 * cipher is valid but not ours. */
static void test_encrypted_header_checks_kdf_and_cipher(void **state)
{
	struct keyfile_spec s = good_spec;
	s.cipher = "aes256-ctr";
	s.kdf = "bcrypt";
	s.kdf_options = "0123456789abcdef0123";
	assert_int_equal(parse_spec(&s, NULL), BURROW_E_PARSE);
	assert_int_equal(parse_spec(&s, "pw"), BURROW_E_PARSE);
	s.kdf = "scrypt";
	assert_int_equal(parse_spec(&s, "pw"), BURROW_E_UNSUPPORTED);
	s.kdf = "bcrypt";
	s.cipher = "twofish256-cbc";
	assert_int_equal(parse_spec(&s, "pw"), BURROW_E_UNSUPPORTED);
}

static void test_rejects_bad_armour_and_base64(void **state)
{
	const char *cases[] = {
		"",
		"-----BEGIN OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n",
		"-----BEGIN RSA PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END RSA PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNz!C1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn NzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjIA\n-----END OPENSSH PRIVATE KEY-----\n",
		"garbage\n-----BEGIN OPENSSH PRIVATE KEY-----\n",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct burrow_key *key = (struct burrow_key *)1;
		assert_int_equal(burrow_key_parse_private(cases[i], strlen(cases[i]), NULL, &key, NULL), BURROW_E_PARSE);
		assert_null(key);
		assert_int_equal(burrow_key_parse_private_public(cases[i], strlen(cases[i]), &key), BURROW_E_PARSE);
	}
}

static void test_every_truncation_fails_cleanly(void **state)
{
	size_t len;
	char *text = fixture_text("ed25519_fixture", &len);
	const char *end = "-----END OPENSSH PRIVATE KEY-----";
	size_t complete = (size_t)(strstr(text, end) - text) + strlen(end);
	for (size_t n = 0; n < len; n++) {
		char *copy = malloc(n + 1); /* exact size: ASan sees any overread */
		memcpy(copy, text, n);
		struct burrow_key *key;
		int err = burrow_key_parse_private(copy, n, NULL, &key, NULL);
		if (n >= complete)
			assert_int_equal(err, 0);
		else
			assert_int_not_equal(err, 0);
		if (!err)
			burrow_key_free(key);
		free(copy);
	}
	free(text);
}

static void test_rejects_null_arguments(void **state)
{
	struct burrow_key *key;
	char *text;
	assert_int_equal(burrow_key_parse_private(NULL, 10, NULL, &key, NULL), BURROW_E_INVALID);
	assert_int_equal(burrow_key_parse_private("x", 1, NULL, NULL, NULL), BURROW_E_INVALID);
	assert_int_equal(burrow_key_format_private(NULL, "x", &text), BURROW_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_committed_ssh_keygen_fixture),
		cmocka_unit_test(test_fixture_private_key_signs_for_its_public_line),
		cmocka_unit_test(test_encrypted_fixture_needs_its_passphrase),
		cmocka_unit_test(test_format_then_parse_round_trip),
		cmocka_unit_test(test_format_uses_openssh_armour_and_70_columns),
		cmocka_unit_test(test_format_refuses_a_public_only_key),
		cmocka_unit_test(test_parse_accepts_crlf_line_ends),
		cmocka_unit_test(test_parses_key_generated_by_ssh_keygen),
		cmocka_unit_test(test_ssh_keygen_reads_our_private_key),
		cmocka_unit_test(test_hand_built_file_parses),
		cmocka_unit_test(test_rejects_checkint_mismatch),
		cmocka_unit_test(test_rejects_bad_padding),
		cmocka_unit_test(test_rejects_mismatched_public_keys),
		cmocka_unit_test(test_rejects_header_errors),
		cmocka_unit_test(test_encrypted_header_checks_kdf_and_cipher),
		cmocka_unit_test(test_rejects_bad_armour_and_base64),
		cmocka_unit_test(test_every_truncation_fails_cleanly),
		cmocka_unit_test(test_rejects_null_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
