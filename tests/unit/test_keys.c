/* Key objects, public key blobs, signature blobs, key lines and fingerprints (ssh-ed25519). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "burrow/keys.h"
#include "keys_internal.h"

/* RFC 8032 7.1, TEST 1 and TEST 2. */
static const uint8_t rfc_seed1[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
	0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
};
static const uint8_t rfc_pub1[32] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
	0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
};
static const uint8_t rfc_sig1[64] = {
	0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72, 0x90, 0x86, 0xe2, 0xcc, 0x80, 0x6e, 0x82, 0x8a,
	0x84, 0x87, 0x7f, 0x1e, 0xb8, 0xe5, 0xd9, 0x74, 0xd8, 0x73, 0xe0, 0x65, 0x22, 0x49, 0x01, 0x55,
	0x5f, 0xb8, 0x82, 0x15, 0x90, 0xa3, 0x3b, 0xac, 0xc6, 0x1e, 0x39, 0x70, 0x1c, 0xf9, 0xb4, 0x6b,
	0xd2, 0x5b, 0xf5, 0xf0, 0x59, 0x5b, 0xbe, 0x24, 0x65, 0x51, 0x41, 0x43, 0x8e, 0x7a, 0x10, 0x0b,
};
static const uint8_t rfc_seed2[32] = {
	0x4c, 0xcd, 0x08, 0x9b, 0x28, 0xff, 0x96, 0xda, 0x9d, 0xb6, 0xc3, 0x46, 0xec, 0x11, 0x4e, 0x0f,
	0x5b, 0x8a, 0x31, 0x9f, 0x35, 0xab, 0xa6, 0x24, 0xda, 0x8c, 0xf6, 0xed, 0x4f, 0xb8, 0xa6, 0xfb,
};
static const uint8_t rfc_pub2[32] = {
	0x3d, 0x40, 0x17, 0xc3, 0xe8, 0x43, 0x89, 0x5a, 0x92, 0xb7, 0x0a, 0xa7, 0x4d, 0x1b, 0x7e, 0xbc,
	0x9c, 0x98, 0x2c, 0xcf, 0x2e, 0xc4, 0x96, 0x8c, 0xc0, 0xcd, 0x55, 0xf1, 0x2a, 0xf4, 0x66, 0x0c,
};
static const uint8_t rfc_msg2[1] = { 0x72 };
static const uint8_t rfc_sig2[64] = {
	0x92, 0xa0, 0x09, 0xa9, 0xf0, 0xd4, 0xca, 0xb8, 0x72, 0x0e, 0x82, 0x0b, 0x5f, 0x64, 0x25, 0x40,
	0xa2, 0xb2, 0x7b, 0x54, 0x16, 0x50, 0x3f, 0x8f, 0xb3, 0x76, 0x22, 0x23, 0xeb, 0xdb, 0x69, 0xda,
	0x08, 0x5a, 0xc1, 0xe4, 0x3e, 0x15, 0x99, 0x6e, 0x45, 0x8f, 0x36, 0x13, 0xd0, 0xf1, 0x1d, 0x8c,
	0x38, 0x7b, 0x2e, 0xae, 0xb4, 0x30, 0x2a, 0xee, 0xb0, 0x0d, 0x29, 0x16, 0x12, 0xbb, 0x0c, 0x00,
};

/* The TEST 1 public key as OpenSSH writes it, and `ssh-keygen -l` of that line. */
#define RFC1_LINE "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea"
#define RFC1_FINGERPRINT "SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8"

/* A private key from an RFC 8032 seed, through the openssh-key-v1 private key reader. */
static struct burrow_key *key_from_seed(const uint8_t seed[32], const uint8_t pub[32])
{
	struct buf b;
	buf_init(&b);
	buf_put_cstring(&b, "ssh-ed25519");
	buf_put_string(&b, pub, 32);
	buf_put_u32(&b, 64);
	buf_put(&b, seed, 32);
	buf_put(&b, pub, 32);
	struct rd r;
	rd_init(&r, buf_ptr(&b), buf_len(&b));
	struct burrow_key *key;
	assert_int_equal(keys_private_read(&r, &key), 0);
	assert_true(rd_done(&r));
	buf_free(&b);
	return key;
}

static struct burrow_key *public_key_from_raw(const uint8_t pub[32])
{
	struct buf b;
	buf_init(&b);
	buf_put_cstring(&b, "ssh-ed25519");
	buf_put_string(&b, pub, 32);
	struct burrow_key *key;
	assert_int_equal(burrow_key_from_blob(buf_ptr(&b), buf_len(&b), &key), 0);
	buf_free(&b);
	return key;
}

/* ---- key objects ---- */

static void test_key_generate_ed25519_has_names_bits_and_private_half(void **state)
{
	struct burrow_key *key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	assert_int_equal(burrow_key_type(key), BURROW_KEY_ED25519);
	assert_string_equal(burrow_key_type_name(key), "ssh-ed25519");
	assert_string_equal(burrow_key_type_short(key), "ED25519");
	assert_int_equal(burrow_key_bits(key), 256);
	assert_true(burrow_key_has_private(key));
	burrow_key_free(key);
	burrow_key_free(NULL);
}

static void test_key_generate_rejects_unknown_type_and_odd_bits(void **state)
{
	struct burrow_key *key = (struct burrow_key *)1;
	assert_int_equal(burrow_key_generate(BURROW_KEY_UNKNOWN, 0, &key), BURROW_E_UNSUPPORTED);
	assert_null(key);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 1024, &key), BURROW_E_INVALID);
	assert_null(key);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 256, &key), 0);
	burrow_key_free(key);
}

static void test_key_generate_gives_distinct_keys(void **state)
{
	struct burrow_key *a, *b;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &a), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &b), 0);
	assert_false(burrow_key_equal_public(a, b));
	assert_true(burrow_key_equal_public(a, a));
	assert_false(burrow_key_equal_public(a, NULL));
	burrow_key_free(a);
	burrow_key_free(b);
}

static void test_key_dup_public_drops_the_private_half(void **state)
{
	struct burrow_key *key, *pub;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	assert_int_equal(burrow_key_dup_public(key, &pub), 0);
	assert_false(burrow_key_has_private(pub));
	assert_true(burrow_key_equal_public(key, pub));
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(pub, NULL, (const uint8_t *)"x", 1, &sig, &sig_len), BURROW_E_INVALID);
	burrow_key_free(key);
	burrow_key_free(pub);
}

static void test_key_type_parse_takes_keygen_and_wire_names(void **state)
{
	enum burrow_key_type t;
	assert_int_equal(burrow_key_type_parse("ed25519", &t), 0);
	assert_int_equal(t, BURROW_KEY_ED25519);
	assert_int_equal(burrow_key_type_parse("ED25519", &t), 0);
	assert_int_equal(burrow_key_type_parse("ssh-ed25519", &t), 0);
	assert_int_equal(burrow_key_type_parse("dsa", &t), BURROW_E_UNSUPPORTED);
	assert_int_equal(burrow_key_type_parse("ed25519-sk", &t), BURROW_E_UNSUPPORTED);
	assert_int_equal(burrow_key_type_parse("ssh-dss", &t), BURROW_E_UNSUPPORTED);
	assert_int_equal(burrow_key_type_parse("foo", &t), BURROW_E_NOTFOUND);
	assert_int_equal(t, BURROW_KEY_UNKNOWN);
}

/* ---- public key blobs ---- */

static void test_blob_of_rfc8032_key_is_type_string_then_key_string(void **state)
{
	struct burrow_key *key = key_from_seed(rfc_seed1, rfc_pub1);
	uint8_t *blob;
	size_t len;
	assert_int_equal(burrow_key_to_blob(key, &blob, &len), 0);
	assert_int_equal(len, 4 + 11 + 4 + 32);
	assert_memory_equal(blob, "\0\0\0\x0bssh-ed25519\0\0\0\x20", 19);
	assert_memory_equal(blob + 19, rfc_pub1, 32);
	free(blob);
	burrow_key_free(key);
}

static void test_blob_round_trip_gives_an_equal_public_key(void **state)
{
	struct burrow_key *key, *back;
	uint8_t *blob, *blob2;
	size_t len, len2;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	assert_int_equal(burrow_key_to_blob(key, &blob, &len), 0);
	assert_int_equal(burrow_key_from_blob(blob, len, &back), 0);
	assert_true(burrow_key_equal_public(key, back));
	assert_false(burrow_key_has_private(back));
	assert_int_equal(burrow_key_to_blob(back, &blob2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(blob, blob2, len);
	free(blob);
	free(blob2);
	burrow_key_free(key);
	burrow_key_free(back);
}

static void test_blob_rejects_every_truncation_and_a_trailing_byte(void **state)
{
	struct burrow_key *key = public_key_from_raw(rfc_pub1), *back;
	uint8_t *blob;
	size_t len;
	assert_int_equal(burrow_key_to_blob(key, &blob, &len), 0);
	for (size_t n = 0; n < len; n++) {
		back = (struct burrow_key *)1;
		assert_int_equal(burrow_key_from_blob(blob, n, &back), BURROW_E_PARSE);
		assert_null(back);
	}
	uint8_t longer[64];
	memcpy(longer, blob, len);
	longer[len] = 0;
	assert_int_equal(burrow_key_from_blob(longer, len + 1, &back), BURROW_E_PARSE);
	free(blob);
	burrow_key_free(key);
}

static void test_blob_rejects_wrong_key_lengths(void **state)
{
	uint8_t raw[33] = { 0 };
	for (size_t klen = 31; klen <= 33; klen += 2) {
		struct buf b;
		buf_init(&b);
		buf_put_cstring(&b, "ssh-ed25519");
		buf_put_string(&b, raw, klen);
		struct burrow_key *key;
		assert_int_equal(burrow_key_from_blob(buf_ptr(&b), buf_len(&b), &key), BURROW_E_PARSE);
		buf_free(&b);
	}
}

static void test_blob_with_other_type_name_is_unsupported_or_malformed(void **state)
{
	struct buf b;
	struct burrow_key *key;
	buf_init(&b);
	buf_put_cstring(&b, "ssh-dss");
	buf_put_string(&b, rfc_pub1, 32);
	assert_int_equal(burrow_key_from_blob(buf_ptr(&b), buf_len(&b), &key), BURROW_E_UNSUPPORTED);
	buf_reset(&b);
	buf_put_cstring(&b, "ssh-ed25519 ");  /* not a valid SSH name */
	buf_put_string(&b, rfc_pub1, 32);
	assert_int_equal(burrow_key_from_blob(buf_ptr(&b), buf_len(&b), &key), BURROW_E_PARSE);
	buf_reset(&b);
	buf_put_string(&b, "", 0);
	buf_put_string(&b, rfc_pub1, 32);
	assert_int_equal(burrow_key_from_blob(buf_ptr(&b), buf_len(&b), &key), BURROW_E_PARSE);
	buf_reset(&b);
	buf_put_u32(&b, 0xffffffffu); /* a length far past the end */
	assert_int_equal(burrow_key_from_blob(buf_ptr(&b), buf_len(&b), &key), BURROW_E_PARSE);
	buf_free(&b);
}

/* ---- signatures ---- */

static void test_sign_rfc8032_test1_gives_the_rfc_signature_in_a_blob(void **state)
{
	struct burrow_key *key = key_from_seed(rfc_seed1, rfc_pub1);
	uint8_t *sig;
	size_t len;
	assert_int_equal(burrow_key_sign(key, NULL, NULL, 0, &sig, &len), 0);
	assert_int_equal(len, 4 + 11 + 4 + 64);
	assert_memory_equal(sig, "\0\0\0\x0bssh-ed25519\0\0\0\x40", 19);
	assert_memory_equal(sig + 19, rfc_sig1, 64);
	assert_int_equal(burrow_key_verify(key, sig, len, NULL, 0), 0);
	free(sig);
	burrow_key_free(key);
}

static void test_sign_rfc8032_test2_with_explicit_algorithm(void **state)
{
	struct burrow_key *key = key_from_seed(rfc_seed2, rfc_pub2);
	struct burrow_key *pub = public_key_from_raw(rfc_pub2);
	uint8_t *sig;
	size_t len;
	assert_int_equal(burrow_key_sign(key, "ssh-ed25519", rfc_msg2, sizeof(rfc_msg2), &sig, &len), 0);
	assert_memory_equal(sig + 19, rfc_sig2, 64);
	assert_int_equal(burrow_key_verify(pub, sig, len, rfc_msg2, sizeof(rfc_msg2)), 0);
	free(sig);
	assert_int_equal(burrow_key_sign(key, "rsa-sha2-256", rfc_msg2, 1, &sig, &len), BURROW_E_UNSUPPORTED);
	burrow_key_free(key);
	burrow_key_free(pub);
}

/* A signature blob built by hand: string alg || string raw, then `extra` bytes. */
static void make_sig_blob(struct buf *b, const char *alg, const uint8_t *raw, size_t raw_len, size_t extra)
{
	buf_init(b);
	buf_put_cstring(b, alg);
	buf_put_string(b, raw, raw_len);
	for (size_t i = 0; i < extra; i++)
		buf_put_u8(b, 0);
}

static void test_verify_accepts_rfc_vector_from_public_key_only(void **state)
{
	struct burrow_key *pub = public_key_from_raw(rfc_pub1);
	struct buf b;
	make_sig_blob(&b, "ssh-ed25519", rfc_sig1, 64, 0);
	assert_int_equal(burrow_key_verify(pub, buf_ptr(&b), buf_len(&b), NULL, 0), 0);
	buf_free(&b);
	burrow_key_free(pub);
}

static void test_verify_rejects_algorithm_that_does_not_fit_the_key(void **state)
{
	struct burrow_key *pub = public_key_from_raw(rfc_pub1);
	const char *algs[] = { "ssh-rsa", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ssh-ed25519@x", "" };
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct buf b;
		make_sig_blob(&b, algs[i], rfc_sig1, 64, 0);
		assert_int_equal(burrow_key_verify(pub, buf_ptr(&b), buf_len(&b), NULL, 0), BURROW_E_SIGNATURE);
		buf_free(&b);
	}
	burrow_key_free(pub);
}

static void test_verify_rejects_trailing_bytes_and_wrong_lengths(void **state)
{
	struct burrow_key *pub = public_key_from_raw(rfc_pub1);
	struct buf b;
	make_sig_blob(&b, "ssh-ed25519", rfc_sig1, 64, 1);
	assert_int_equal(burrow_key_verify(pub, buf_ptr(&b), buf_len(&b), NULL, 0), BURROW_E_SIGNATURE);
	buf_free(&b);
	make_sig_blob(&b, "ssh-ed25519", rfc_sig1, 63, 0);
	assert_int_equal(burrow_key_verify(pub, buf_ptr(&b), buf_len(&b), NULL, 0), BURROW_E_SIGNATURE);
	buf_free(&b);
	uint8_t longer[65];
	memcpy(longer, rfc_sig1, 64);
	longer[64] = 0;
	make_sig_blob(&b, "ssh-ed25519", longer, 65, 0);
	assert_int_equal(burrow_key_verify(pub, buf_ptr(&b), buf_len(&b), NULL, 0), BURROW_E_SIGNATURE);
	buf_free(&b);
	/* every truncation of a good blob */
	make_sig_blob(&b, "ssh-ed25519", rfc_sig1, 64, 0);
	for (size_t n = 0; n < buf_len(&b); n++)
		assert_int_equal(burrow_key_verify(pub, buf_ptr(&b), n, NULL, 0), BURROW_E_SIGNATURE);
	buf_free(&b);
	burrow_key_free(pub);
}

static void test_verify_rejects_flipped_bits_other_message_and_other_key(void **state)
{
	struct burrow_key *pub1 = public_key_from_raw(rfc_pub1), *pub2 = public_key_from_raw(rfc_pub2);
	struct buf b;
	make_sig_blob(&b, "ssh-ed25519", rfc_sig1, 64, 0);
	assert_int_equal(burrow_key_verify(pub1, buf_ptr(&b), buf_len(&b), (const uint8_t *)"x", 1),
			 BURROW_E_SIGNATURE);
	assert_int_equal(burrow_key_verify(pub2, buf_ptr(&b), buf_len(&b), NULL, 0), BURROW_E_SIGNATURE);
	for (size_t i = 19; i < buf_len(&b); i += 7) {
		buf_ptr(&b)[i] ^= 0x01;
		assert_int_equal(burrow_key_verify(pub1, buf_ptr(&b), buf_len(&b), NULL, 0), BURROW_E_SIGNATURE);
		buf_ptr(&b)[i] ^= 0x01;
	}
	buf_free(&b);
	burrow_key_free(pub1);
	burrow_key_free(pub2);
}

static void test_sign_then_verify_with_generated_key(void **state)
{
	struct burrow_key *key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	const uint8_t msg[] = "session identifier and userauth request";
	uint8_t *sig;
	size_t len;
	assert_int_equal(burrow_key_sign(key, NULL, msg, sizeof(msg), &sig, &len), 0);
	assert_int_equal(burrow_key_verify(key, sig, len, msg, sizeof(msg)), 0);
	assert_int_equal(burrow_key_verify(key, sig, len, msg, sizeof(msg) - 1), BURROW_E_SIGNATURE);
	free(sig);
	burrow_key_free(key);
}

/* ---- one-line public keys and fingerprints ---- */

static void test_public_line_of_rfc_key_matches_openssh(void **state)
{
	struct burrow_key *key = public_key_from_raw(rfc_pub1);
	char *line;
	assert_int_equal(burrow_key_format_public_line(key, NULL, &line), 0);
	assert_string_equal(line, RFC1_LINE);
	free(line);
	assert_int_equal(burrow_key_format_public_line(key, "", &line), 0);
	assert_string_equal(line, RFC1_LINE);
	free(line);
	assert_int_equal(burrow_key_format_public_line(key, "me@host", &line), 0);
	assert_string_equal(line, RFC1_LINE " me@host");
	free(line);
	assert_int_equal(burrow_key_format_public_line(key, "two\nlines", &line), BURROW_E_INVALID);
	burrow_key_free(key);
}

static void test_public_line_parse_returns_key_and_comment(void **state)
{
	struct burrow_key *expect = public_key_from_raw(rfc_pub1), *key;
	char *comment;
	const char *text = "  " RFC1_LINE "\t a comment with  spaces\r\n";
	assert_int_equal(burrow_key_parse_public_line(text, strlen(text), &key, &comment), 0);
	assert_true(burrow_key_equal_public(expect, key));
	assert_string_equal(comment, "a comment with  spaces");
	free(comment);
	burrow_key_free(key);

	assert_int_equal(burrow_key_parse_public_line(RFC1_LINE, strlen(RFC1_LINE), &key, &comment), 0);
	assert_string_equal(comment, "");
	free(comment);
	burrow_key_free(key);
	assert_int_equal(burrow_key_parse_public_line(RFC1_LINE, strlen(RFC1_LINE), &key, NULL), 0);
	burrow_key_free(key);
	burrow_key_free(expect);
}

static void expect_line_error(const char *text, int err)
{
	struct burrow_key *key = (struct burrow_key *)1;
	char *comment = (char *)1;
	assert_int_equal(burrow_key_parse_public_line(text, strlen(text), &key, &comment), err);
	assert_null(key);
	assert_null(comment);
}

static void test_public_line_rejects_malformed_lines(void **state)
{
	expect_line_error("", BURROW_E_PARSE);
	expect_line_error("ssh-ed25519", BURROW_E_PARSE);
	expect_line_error("ssh-ed25519 ", BURROW_E_PARSE);
	expect_line_error("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1E", BURROW_E_PARSE);
	expect_line_error("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1E!", BURROW_E_PARSE);
	expect_line_error("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3", BURROW_E_PARSE);
	expect_line_error("ssh-dss AAAAB3NzaC1kc3MAAAA= x", BURROW_E_UNSUPPORTED);
	expect_line_error("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x", BURROW_E_PARSE);
	expect_line_error("command=\"x\" " RFC1_LINE, BURROW_E_PARSE);
	expect_line_error(RFC1_LINE " one\ntwo", BURROW_E_PARSE);
	/* the type in the text must be the blob's type: "ssh-ed25519" text over an "ssh-rsa" blob */
	expect_line_error("ssh-ed25519 AAAAB3NzaC1yc2EAAAAg11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", BURROW_E_PARSE);
}

static void test_fingerprint_sha256_matches_ssh_keygen(void **state)
{
	struct burrow_key *key = public_key_from_raw(rfc_pub1);
	char *fp;
	assert_int_equal(burrow_key_fingerprint_sha256(key, &fp), 0);
	assert_string_equal(fp, RFC1_FINGERPRINT);
	free(fp);
	burrow_key_free(key);
}

static void test_randomart_matches_ssh_keygen(void **state)
{
	/* ssh-keygen -lv of tests/unit/data/ed25519_fixture.pub */
	const char *line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0gRBOklMF76hWBCPTlPKuZpHn3FJFW9DYzuUivnpf1";
	const char *expect =
		"+--[ED25519 256]--+\n"
		"|     .o          |\n"
		"|     . o .       |\n"
		"|      o o . . .  |\n"
		"|     o o . . . . |\n"
		"|    . + S . . . .|\n"
		"|   o . + . + + ..|\n"
		"|.. .= o o O B o .|\n"
		"|o o* +.o * O + . |\n"
		"|..o.=o+ . +Eo.o  |\n"
		"+----[SHA256]-----+";
	struct burrow_key *key;
	char *art;
	assert_int_equal(burrow_key_parse_public_line(line, strlen(line), &key, NULL), 0);
	assert_int_equal(burrow_key_fingerprint_randomart(key, &art), 0);
	assert_string_equal(art, expect);
	free(art);
	burrow_key_free(key);
}

/* ---- lines as ssh-keygen -l reads them ---- */

static void expect_any_line(const char *text, const char *comment_expected)
{
	struct burrow_key *expect = public_key_from_raw(rfc_pub1), *key;
	char *comment;
	assert_int_equal(burrow_key_parse_any_line(text, strlen(text), &key, &comment), 0);
	assert_true(burrow_key_equal_public(expect, key));
	if (comment_expected)
		assert_string_equal(comment, comment_expected);
	else
		assert_null(comment);
	free(comment);
	burrow_key_free(key);
	burrow_key_free(expect);
}

static void test_any_line_reads_bare_keys_host_lines_and_option_lines(void **state)
{
	expect_any_line(RFC1_LINE, NULL);
	expect_any_line(RFC1_LINE " c1", "c1");
	expect_any_line(RFC1_LINE " #not a comment", NULL);
	expect_any_line("host1,host2 " RFC1_LINE, "host1,host2");
	expect_any_line("host1,host2 " RFC1_LINE " trailing", "trailing");
	expect_any_line("command=\"echo a b\",no-pty " RFC1_LINE " x y", "x y");
	expect_any_line("command=\"a \\\" b\" " RFC1_LINE, "command=\"a \\\" b\"");
}

static void test_any_line_reports_blank_comment_and_non_key_lines(void **state)
{
	struct burrow_key *key;
	char *comment;
	const char *notfound[] = { "", "   \t", "# comment", "  # " RFC1_LINE };
	for (size_t i = 0; i < sizeof(notfound) / sizeof(notfound[0]); i++)
		assert_int_equal(burrow_key_parse_any_line(notfound[i], strlen(notfound[i]), &key, &comment),
				 BURROW_E_NOTFOUND);
	const char *bad[] = { "garbage", "@revoked host " RFC1_LINE, "1 " RFC1_LINE,
			      "command=\"unterminated " RFC1_LINE, "host ssh-ed25519 AAAA" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(burrow_key_parse_any_line(bad[i], strlen(bad[i]), &key, &comment), BURROW_E_PARSE);
		assert_null(key);
		assert_null(comment);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_generate_ed25519_has_names_bits_and_private_half),
		cmocka_unit_test(test_key_generate_rejects_unknown_type_and_odd_bits),
		cmocka_unit_test(test_key_generate_gives_distinct_keys),
		cmocka_unit_test(test_key_dup_public_drops_the_private_half),
		cmocka_unit_test(test_key_type_parse_takes_keygen_and_wire_names),
		cmocka_unit_test(test_blob_of_rfc8032_key_is_type_string_then_key_string),
		cmocka_unit_test(test_blob_round_trip_gives_an_equal_public_key),
		cmocka_unit_test(test_blob_rejects_every_truncation_and_a_trailing_byte),
		cmocka_unit_test(test_blob_rejects_wrong_key_lengths),
		cmocka_unit_test(test_blob_with_other_type_name_is_unsupported_or_malformed),
		cmocka_unit_test(test_sign_rfc8032_test1_gives_the_rfc_signature_in_a_blob),
		cmocka_unit_test(test_sign_rfc8032_test2_with_explicit_algorithm),
		cmocka_unit_test(test_verify_accepts_rfc_vector_from_public_key_only),
		cmocka_unit_test(test_verify_rejects_algorithm_that_does_not_fit_the_key),
		cmocka_unit_test(test_verify_rejects_trailing_bytes_and_wrong_lengths),
		cmocka_unit_test(test_verify_rejects_flipped_bits_other_message_and_other_key),
		cmocka_unit_test(test_sign_then_verify_with_generated_key),
		cmocka_unit_test(test_public_line_of_rfc_key_matches_openssh),
		cmocka_unit_test(test_public_line_parse_returns_key_and_comment),
		cmocka_unit_test(test_public_line_rejects_malformed_lines),
		cmocka_unit_test(test_fingerprint_sha256_matches_ssh_keygen),
		cmocka_unit_test(test_randomart_matches_ssh_keygen),
		cmocka_unit_test(test_any_line_reads_bare_keys_host_lines_and_option_lines),
		cmocka_unit_test(test_any_line_reports_blank_comment_and_non_key_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
