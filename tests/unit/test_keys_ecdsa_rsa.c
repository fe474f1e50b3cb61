/*
 * ecdsa-sha2-nistp256/384/521 (RFC 5656) and ssh-rsa with rsa-sha2-256/512 (RFC 8332) keys:
 * round trips through every format, signatures per algorithm, and hostile blobs.
 * (Cross-checks against ssh-keygen and an independent libcrypto are in test_keys_ssh_keygen.c.)
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
#include "crypto/crypto.h"
#include "keys_internal.h"

static const uint8_t msg[] = "the exchange hash, say";

/* Keys made once for the whole file (RSA generation is slow). */
static struct burrow_key *rsa2048, *rsa1024, *p256, *p384, *p521;

static int group_setup(void **state)
{
	if (burrow_key_generate(BURROW_KEY_RSA, 2048, &rsa2048) || burrow_key_generate(BURROW_KEY_RSA, 1024, &rsa1024) ||
	    burrow_key_generate(BURROW_KEY_ECDSA, 256, &p256) || burrow_key_generate(BURROW_KEY_ECDSA, 384, &p384) ||
	    burrow_key_generate(BURROW_KEY_ECDSA, 521, &p521))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	burrow_key_free(rsa2048);
	burrow_key_free(rsa1024);
	burrow_key_free(p256);
	burrow_key_free(p384);
	burrow_key_free(p521);
	return 0;
}

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static struct burrow_key *from_buf(struct buf *b, int want_err)
{
	struct burrow_key *key = NULL;
	assert_int_equal(burrow_key_from_blob(buf_ptr(b), buf_len(b), &key), want_err);
	buf_free(b);
	return key;
}

/* ---- generation, sizes, names ---- */

static void test_generate_gives_each_size_and_names(void **state)
{
	assert_int_equal(burrow_key_type(p256), BURROW_KEY_ECDSA);
	assert_string_equal(burrow_key_type_name(p256), "ecdsa-sha2-nistp256");
	assert_string_equal(burrow_key_type_name(p384), "ecdsa-sha2-nistp384");
	assert_string_equal(burrow_key_type_name(p521), "ecdsa-sha2-nistp521");
	assert_string_equal(burrow_key_type_short(p384), "ECDSA");
	assert_int_equal(burrow_key_bits(p256), 256);
	assert_int_equal(burrow_key_bits(p384), 384);
	assert_int_equal(burrow_key_bits(p521), 521);
	assert_int_equal(burrow_key_type(rsa2048), BURROW_KEY_RSA);
	assert_string_equal(burrow_key_type_name(rsa2048), "ssh-rsa");
	assert_string_equal(burrow_key_type_short(rsa2048), "RSA");
	assert_int_equal(burrow_key_bits(rsa2048), 2048);
	assert_int_equal(burrow_key_bits(rsa1024), 1024);
	assert_true(burrow_key_has_private(rsa2048));
}

static void test_generate_defaults_and_refuses_sizes_the_type_lacks(void **state)
{
	struct burrow_key *key = (struct burrow_key *)1;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 0, &key), 0);
	assert_int_equal(burrow_key_bits(key), 256);
	burrow_key_free(key);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 255, &key), BURROW_E_INVALID);
	assert_null(key);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 512, &key), BURROW_E_INVALID);
	assert_int_equal(burrow_key_generate(BURROW_KEY_RSA, 1023, &key), BURROW_E_INVALID);
	assert_int_equal(burrow_key_generate(BURROW_KEY_RSA, 16385, &key), BURROW_E_INVALID);
	assert_null(key);
}

static void test_type_parse_and_name_bits(void **state)
{
	enum burrow_key_type t;
	assert_int_equal(burrow_key_type_parse("ecdsa", &t), 0);
	assert_int_equal(t, BURROW_KEY_ECDSA);
	assert_int_equal(burrow_key_type_parse("ECDSA", &t), 0);
	assert_int_equal(burrow_key_type_parse("ecdsa-sha2-nistp521", &t), 0);
	assert_int_equal(t, BURROW_KEY_ECDSA);
	assert_int_equal(burrow_key_type_parse("rsa", &t), 0);
	assert_int_equal(t, BURROW_KEY_RSA);
	assert_int_equal(burrow_key_type_parse("ssh-rsa", &t), 0);
	assert_int_equal(burrow_key_type_parse("rsa-sha2-512", &t), 0);
	assert_int_equal(t, BURROW_KEY_RSA);
	assert_int_equal(burrow_key_type_name_bits("ecdsa-sha2-nistp384"), 384);
	assert_int_equal(burrow_key_type_name_bits("ecdsa-sha2-nistp521"), 521);
	assert_int_equal(burrow_key_type_name_bits("ecdsa"), 0);
	assert_int_equal(burrow_key_type_name_bits("rsa"), 0);
}

static void test_sig_algs_and_fits(void **state)
{
	const char *const *algs = burrow_key_sig_algs(rsa2048);
	assert_string_equal(algs[0], "rsa-sha2-512");
	assert_string_equal(algs[1], "rsa-sha2-256");
	assert_string_equal(algs[2], "ssh-rsa");
	assert_null(algs[3]);
	assert_string_equal(burrow_key_sig_algs(p384)[0], "ecdsa-sha2-nistp384");
	assert_null(burrow_key_sig_algs(p384)[1]);
	assert_null(burrow_key_sig_algs(NULL)[0]);

	assert_true(burrow_key_fits_sig_alg(rsa2048, "rsa-sha2-256"));
	assert_true(burrow_key_fits_sig_alg(rsa2048, "ssh-rsa"));
	assert_false(burrow_key_fits_sig_alg(rsa2048, "ssh-ed25519"));
	assert_false(burrow_key_fits_sig_alg(rsa2048, "rsa-sha2-25"));
	assert_true(burrow_key_fits_sig_alg(p256, "ecdsa-sha2-nistp256"));
	assert_false(burrow_key_fits_sig_alg(p256, "ecdsa-sha2-nistp384"));
	assert_false(burrow_key_fits_sig_alg(p521, "rsa-sha2-512"));
	assert_false(burrow_key_fits_sig_alg(NULL, "ssh-rsa"));
	assert_false(burrow_key_fits_sig_alg(p256, NULL));
}

/* ---- round trips through the formats ---- */

static void round_trip_formats(const struct burrow_key *key)
{
	uint8_t *blob;
	size_t len;
	struct burrow_key *pub, *priv;
	assert_int_equal(burrow_key_to_blob(key, &blob, &len), 0);
	assert_int_equal(burrow_key_from_blob(blob, len, &pub), 0);
	assert_true(burrow_key_equal_public(pub, key));
	assert_false(burrow_key_has_private(pub));
	assert_int_equal(burrow_key_bits(pub), burrow_key_bits(key));
	free(blob);

	char *line, *comment;
	struct burrow_key *from_line;
	assert_int_equal(burrow_key_format_public_line(key, "a comment", &line), 0);
	assert_int_equal(strncmp(line, burrow_key_type_name(key), strlen(burrow_key_type_name(key))), 0);
	assert_int_equal(burrow_key_parse_public_line(line, strlen(line), &from_line, &comment), 0);
	assert_true(burrow_key_equal_public(from_line, key));
	assert_string_equal(comment, "a comment");
	free(line);
	free(comment);
	burrow_key_free(from_line);

	char *text;
	assert_int_equal(burrow_key_format_private(key, "c", &text), 0);
	assert_int_equal(burrow_key_parse_private(text, strlen(text), NULL, &priv, &comment), 0);
	assert_true(burrow_key_equal_public(priv, key));
	assert_true(burrow_key_has_private(priv));
	assert_string_equal(comment, "c");
	free(comment);
	/* The private half came back too: it signs what the original key verifies. */
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(priv, NULL, msg, sizeof(msg), &sig, &sig_len), 0);
	assert_int_equal(burrow_key_verify(pub, sig, sig_len, msg, sizeof(msg)), 0);
	free(sig);
	free(text);
	burrow_key_free(priv);
	burrow_key_free(pub);
}

static void test_ecdsa_keys_round_trip_through_every_format(void **state)
{
	round_trip_formats(p256);
	round_trip_formats(p384);
	round_trip_formats(p521);
}

static void test_rsa_keys_round_trip_through_every_format(void **state)
{
	round_trip_formats(rsa2048);
	round_trip_formats(rsa1024);
}

static void test_keys_of_different_curves_or_moduli_differ(void **state)
{
	assert_false(burrow_key_equal_public(p256, p384));
	assert_false(burrow_key_equal_public(rsa1024, rsa2048));
	struct burrow_key *other;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 256, &other), 0);
	assert_false(burrow_key_equal_public(p256, other));
	burrow_key_free(other);
}

/* ---- signatures ---- */

static void sign_verify(const struct burrow_key *key, const char *alg)
{
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(key, alg, msg, sizeof(msg), &sig, &sig_len), 0);
	struct rd r;
	rd_init(&r, sig, sig_len);
	assert_true(bstr_eq(rd_string(&r), alg ? alg : burrow_key_sig_algs(key)[0]));
	rd_string(&r);
	assert_true(rd_done(&r));
	assert_int_equal(burrow_key_verify(key, sig, sig_len, msg, sizeof(msg)), 0);
	assert_int_equal(burrow_key_verify_alg(key, alg, sig, sig_len, msg, sizeof(msg)), 0);
	assert_int_equal(burrow_key_verify(key, sig, sig_len, msg, sizeof(msg) - 1), BURROW_E_SIGNATURE);
	sig[sig_len - 1] ^= 1;
	assert_int_equal(burrow_key_verify(key, sig, sig_len, msg, sizeof(msg)), BURROW_E_SIGNATURE);
	free(sig);
}

static void test_ecdsa_sign_verify_per_curve(void **state)
{
	sign_verify(p256, "ecdsa-sha2-nistp256");
	sign_verify(p384, "ecdsa-sha2-nistp384");
	sign_verify(p521, "ecdsa-sha2-nistp521");
	sign_verify(p521, NULL);
}

static void test_rsa_sign_verify_per_algorithm(void **state)
{
	sign_verify(rsa2048, "rsa-sha2-512");
	sign_verify(rsa2048, "rsa-sha2-256");
	sign_verify(rsa2048, "ssh-rsa");
	sign_verify(rsa1024, NULL);
}

static void test_rsa_signature_length_is_the_modulus_length(void **state)
{
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(rsa2048, "rsa-sha2-256", msg, sizeof(msg), &sig, &sig_len), 0);
	/* string "rsa-sha2-256" || string s (256 bytes) */
	assert_int_equal(sig_len, 4 + 12 + 4 + 256);
	free(sig);
}

static void test_sign_refuses_an_algorithm_the_key_does_not_make(void **state)
{
	uint8_t *sig = (uint8_t *)1;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(p256, "ecdsa-sha2-nistp384", msg, sizeof(msg), &sig, &sig_len), BURROW_E_UNSUPPORTED);
	assert_null(sig);
	assert_int_equal(burrow_key_sign(rsa2048, "ssh-ed25519", msg, sizeof(msg), &sig, &sig_len), BURROW_E_UNSUPPORTED);
	assert_int_equal(burrow_key_sign(rsa2048, "rsa-sha2-384", msg, sizeof(msg), &sig, &sig_len), BURROW_E_UNSUPPORTED);
	struct burrow_key *pub;
	assert_int_equal(burrow_key_dup_public(rsa2048, &pub), 0);
	assert_int_equal(burrow_key_sign(pub, NULL, msg, sizeof(msg), &sig, &sig_len), BURROW_E_INVALID);
	burrow_key_free(pub);
}

/* A signature blob with its algorithm name replaced. */
static void relabel(const uint8_t *sig, size_t sig_len, const char *alg, struct buf *out)
{
	struct rd r;
	rd_init(&r, sig, sig_len);
	rd_string(&r);
	struct bstr raw = rd_string(&r);
	assert_true(rd_done(&r));
	buf_init(out);
	buf_put_cstring(out, alg);
	buf_put_bstr(out, raw);
}

static void test_rsa_algorithm_name_picks_the_hash(void **state)
{
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(rsa2048, "rsa-sha2-256", msg, sizeof(msg), &sig, &sig_len), 0);
	/* The same bytes under another name are checked with the other hash, and fail. */
	const char *others[] = { "rsa-sha2-512", "ssh-rsa" };
	for (int i = 0; i < 2; i++) {
		struct buf b;
		relabel(sig, sig_len, others[i], &b);
		assert_int_equal(burrow_key_verify(rsa2048, buf_ptr(&b), buf_len(&b), msg, sizeof(msg)), BURROW_E_SIGNATURE);
		buf_free(&b);
	}
	free(sig);
}

static void test_verify_alg_insists_on_the_agreed_algorithm(void **state)
{
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(rsa2048, "rsa-sha2-256", msg, sizeof(msg), &sig, &sig_len), 0);
	assert_int_equal(burrow_key_verify_alg(rsa2048, "rsa-sha2-256", sig, sig_len, msg, sizeof(msg)), 0);
	assert_int_equal(burrow_key_verify_alg(rsa2048, NULL, sig, sig_len, msg, sizeof(msg)), 0);
	assert_int_equal(burrow_key_verify_alg(rsa2048, "rsa-sha2-512", sig, sig_len, msg, sizeof(msg)), BURROW_E_SIGNATURE);
	assert_int_equal(burrow_key_verify_alg(rsa2048, "ssh-rsa", sig, sig_len, msg, sizeof(msg)), BURROW_E_SIGNATURE);
	free(sig);
	/* An ecdsa signature verifies only as its own curve's name. */
	assert_int_equal(burrow_key_sign(p256, NULL, msg, sizeof(msg), &sig, &sig_len), 0);
	struct buf b;
	relabel(sig, sig_len, "ecdsa-sha2-nistp384", &b);
	assert_int_equal(burrow_key_verify(p256, buf_ptr(&b), buf_len(&b), msg, sizeof(msg)), BURROW_E_SIGNATURE);
	buf_free(&b);
	free(sig);
}

static void test_signature_of_one_type_does_not_verify_with_another(void **state)
{
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(p256, NULL, msg, sizeof(msg), &sig, &sig_len), 0);
	assert_int_equal(burrow_key_verify(rsa2048, sig, sig_len, msg, sizeof(msg)), BURROW_E_SIGNATURE);
	assert_int_equal(burrow_key_verify(p384, sig, sig_len, msg, sizeof(msg)), BURROW_E_SIGNATURE);
	free(sig);
}

/* RFC 6979 A.2.5: P-256 key, SHA-256 signature of "sample". */
#define RFC6979_UX "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
#define RFC6979_UY "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"
#define RFC6979_R "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
#define RFC6979_S "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"

static void put_rfc6979_blob(struct buf *b, const char *type, const char *curve)
{
	uint8_t q[65];
	q[0] = 0x04;
	hex_to_bytes(RFC6979_UX, q + 1, 32);
	hex_to_bytes(RFC6979_UY, q + 33, 32);
	buf_init(b);
	buf_put_cstring(b, type);
	buf_put_cstring(b, curve);
	buf_put_string(b, q, sizeof(q));
}

/* The signature blob of (r, s) as given: r_mpint and s_mpint are raw mpint bodies. */
static void put_sig(struct buf *b, const char *alg, const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len)
{
	struct buf inner;
	buf_init(&inner);
	buf_put_string(&inner, r, r_len);
	buf_put_string(&inner, s, s_len);
	buf_init(b);
	buf_put_cstring(b, alg);
	buf_put_string(b, buf_ptr(&inner), buf_len(&inner));
	buf_free(&inner);
}

static void test_ecdsa_verifies_the_rfc6979_p256_signature(void **state)
{
	struct buf b;
	put_rfc6979_blob(&b, "ecdsa-sha2-nistp256", "nistp256");
	struct burrow_key *key = from_buf(&b, 0);
	uint8_t r[33] = { 0 }, s[33] = { 0 }; /* both have the top bit set: mpints get a 0x00 */
	hex_to_bytes(RFC6979_R, r + 1, 32);
	hex_to_bytes(RFC6979_S, s + 1, 32);
	put_sig(&b, "ecdsa-sha2-nistp256", r, 33, s, 33);
	assert_int_equal(burrow_key_verify(key, buf_ptr(&b), buf_len(&b), (const uint8_t *)"sample", 6), 0);
	assert_int_equal(burrow_key_verify(key, buf_ptr(&b), buf_len(&b), (const uint8_t *)"samplf", 6), BURROW_E_SIGNATURE);
	buf_free(&b);

	/* Negative r (no 0x00 before a set top bit) is malformed. */
	put_sig(&b, "ecdsa-sha2-nistp256", r + 1, 32, s, 33);
	assert_int_equal(burrow_key_verify(key, buf_ptr(&b), buf_len(&b), (const uint8_t *)"sample", 6), BURROW_E_SIGNATURE);
	buf_free(&b);
	/* r longer than the order: a magnitude of 33 bytes. */
	uint8_t long_r[34] = { 0x00, 0x01 };
	memcpy(long_r + 2, r + 1, 32);
	put_sig(&b, "ecdsa-sha2-nistp256", long_r + 1, 33, s, 33);
	assert_int_equal(burrow_key_verify(key, buf_ptr(&b), buf_len(&b), (const uint8_t *)"sample", 6), BURROW_E_SIGNATURE);
	buf_free(&b);
	/* r = 0 (the empty mpint) and s = the group order are out of range. */
	static const char order[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
	uint8_t n[33] = { 0 };
	hex_to_bytes(order, n + 1, 32);
	put_sig(&b, "ecdsa-sha2-nistp256", r, 0, s, 33);
	assert_int_equal(burrow_key_verify(key, buf_ptr(&b), buf_len(&b), (const uint8_t *)"sample", 6), BURROW_E_SIGNATURE);
	buf_free(&b);
	put_sig(&b, "ecdsa-sha2-nistp256", r, 33, n, 33);
	assert_int_equal(burrow_key_verify(key, buf_ptr(&b), buf_len(&b), (const uint8_t *)"sample", 6), BURROW_E_SIGNATURE);
	buf_free(&b);
	/* Bytes after s inside the signature string. */
	struct buf inner;
	buf_init(&inner);
	buf_put_string(&inner, r, 33);
	buf_put_string(&inner, s, 33);
	buf_put_u8(&inner, 0);
	buf_init(&b);
	buf_put_cstring(&b, "ecdsa-sha2-nistp256");
	buf_put_string(&b, buf_ptr(&inner), buf_len(&inner));
	assert_int_equal(burrow_key_verify(key, buf_ptr(&b), buf_len(&b), (const uint8_t *)"sample", 6), BURROW_E_SIGNATURE);
	buf_free(&b);
	buf_free(&inner);
	burrow_key_free(key);
}

/* ---- hostile public blobs ---- */

static void test_ecdsa_blob_point_off_the_curve_is_refused(void **state)
{
	struct buf b;
	put_rfc6979_blob(&b, "ecdsa-sha2-nistp256", "nistp256");
	buf_ptr(&b)[buf_len(&b) - 1] ^= 1; /* last byte of Y */
	assert_null(from_buf(&b, BURROW_E_PARSE));
}

static void test_ecdsa_blob_curve_must_match_the_type_name(void **state)
{
	struct buf b;
	put_rfc6979_blob(&b, "ecdsa-sha2-nistp256", "nistp384");
	assert_null(from_buf(&b, BURROW_E_PARSE));
	put_rfc6979_blob(&b, "ecdsa-sha2-nistp384", "nistp384"); /* a P-256 point under P-384 */
	assert_null(from_buf(&b, BURROW_E_PARSE));
	put_rfc6979_blob(&b, "ecdsa-sha2-nistp384", "nistp256");
	assert_null(from_buf(&b, BURROW_E_PARSE));
}

static void test_ecdsa_blob_other_point_encodings_are_refused(void **state)
{
	uint8_t q[65];
	uint8_t *blob;
	size_t len;
	assert_int_equal(burrow_key_to_blob(p256, &blob, &len), 0);
	memcpy(q, blob + len - 65, 65);
	free(blob);
	struct buf b;
	/* compressed: 0x02/0x03 || X */
	buf_init(&b);
	buf_put_cstring(&b, "ecdsa-sha2-nistp256");
	buf_put_cstring(&b, "nistp256");
	uint8_t compressed[33];
	compressed[0] = 0x02 | (q[64] & 1);
	memcpy(compressed + 1, q + 1, 32);
	buf_put_string(&b, compressed, sizeof(compressed));
	assert_null(from_buf(&b, BURROW_E_PARSE));
	/* the point at infinity */
	buf_init(&b);
	buf_put_cstring(&b, "ecdsa-sha2-nistp256");
	buf_put_cstring(&b, "nistp256");
	buf_put_string(&b, "", 1);
	assert_null(from_buf(&b, BURROW_E_PARSE));
	/* a good point with a byte after it, and trailing bytes after the blob */
	buf_init(&b);
	buf_put_cstring(&b, "ecdsa-sha2-nistp256");
	buf_put_cstring(&b, "nistp256");
	buf_put_u32(&b, 66);
	buf_put(&b, q, 65);
	buf_put_u8(&b, 0);
	assert_null(from_buf(&b, BURROW_E_PARSE));
	buf_init(&b);
	buf_put_cstring(&b, "ecdsa-sha2-nistp256");
	buf_put_cstring(&b, "nistp256");
	buf_put_string(&b, q, 65);
	buf_put_u8(&b, 0);
	assert_null(from_buf(&b, BURROW_E_PARSE));
}

/* An ssh-rsa blob from e and n magnitudes. */
static void put_rsa_blob(struct buf *b, const uint8_t *e, size_t e_len, const uint8_t *n, size_t n_len)
{
	buf_init(b);
	buf_put_cstring(b, "ssh-rsa");
	buf_put_mpint(b, e, e_len);
	buf_put_mpint(b, n, n_len);
}

static void rsa_n_of(const struct burrow_key *key, uint8_t *n, size_t *n_len)
{
	uint8_t *blob;
	size_t len;
	assert_int_equal(burrow_key_to_blob(key, &blob, &len), 0);
	struct rd r;
	rd_init(&r, blob, len);
	rd_string(&r);
	rd_mpint(&r);
	struct bstr v = keys_mpint_magnitude(rd_mpint(&r));
	assert_true(rd_done(&r));
	memcpy(n, v.p, v.len);
	*n_len = v.len;
	free(blob);
}

static void test_rsa_blob_with_bad_exponent_is_refused(void **state)
{
	uint8_t n[512];
	size_t n_len;
	rsa_n_of(rsa2048, n, &n_len);
	static const uint8_t f4[] = { 0x01, 0x00, 0x01 }, even[] = { 0x01, 0x00, 0x02 }, one[] = { 0x01 };
	struct buf b;
	put_rsa_blob(&b, f4, sizeof(f4), n, n_len);
	burrow_key_free(from_buf(&b, 0));
	put_rsa_blob(&b, even, sizeof(even), n, n_len);
	assert_null(from_buf(&b, BURROW_E_PARSE));
	put_rsa_blob(&b, one, sizeof(one), n, n_len);
	assert_null(from_buf(&b, BURROW_E_PARSE));
	put_rsa_blob(&b, one, 0, n, n_len); /* e = 0 */
	assert_null(from_buf(&b, BURROW_E_PARSE));
}

static void test_rsa_blob_with_bad_modulus_is_refused(void **state)
{
	uint8_t n[512];
	size_t n_len;
	rsa_n_of(rsa2048, n, &n_len);
	static const uint8_t f4[] = { 0x01, 0x00, 0x01 };
	struct buf b;
	/* even n */
	n[n_len - 1] ^= 1;
	put_rsa_blob(&b, f4, sizeof(f4), n, n_len);
	assert_null(from_buf(&b, BURROW_E_PARSE));
	n[n_len - 1] ^= 1;
	/* 1016 bits: under the 1024-bit minimum, OpenSSH's "Invalid key length" */
	put_rsa_blob(&b, f4, sizeof(f4), n, 127);
	assert_null(from_buf(&b, BURROW_E_UNSUPPORTED));
	/* more than 16384 bits */
	uint8_t *huge = malloc(2049);
	memset(huge, 0xff, 2049);
	put_rsa_blob(&b, f4, sizeof(f4), huge, 2049);
	assert_null(from_buf(&b, BURROW_E_UNSUPPORTED));
	free(huge);
	/* a negative n */
	buf_init(&b);
	buf_put_cstring(&b, "ssh-rsa");
	buf_put_mpint(&b, f4, sizeof(f4));
	buf_put_string(&b, n, n_len); /* top bit set, no 0x00 */
	assert_null(from_buf(&b, BURROW_E_PARSE));
}

static void test_rsa_signature_longer_than_the_modulus_is_refused_shorter_is_padded(void **state)
{
	/* PKCS#1 v1.5 is deterministic: find a message whose signature starts with 0x00. */
	uint8_t m[8] = { 0 };
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	for (unsigned i = 0; i < 20000; i++) {
		memcpy(m, &i, sizeof(i));
		assert_int_equal(burrow_key_sign(rsa1024, "rsa-sha2-256", m, sizeof(m), &sig, &sig_len), 0);
		if (sig[4 + 12 + 4] == 0)
			break;
		free(sig);
		sig = NULL;
	}
	assert_non_null(sig);
	struct rd r;
	rd_init(&r, sig, sig_len);
	rd_string(&r);
	struct bstr raw = rd_string(&r);
	assert_int_equal(raw.len, 128);
	struct buf b;
	/* without the leading zero: OpenSSH pads it back */
	buf_init(&b);
	buf_put_cstring(&b, "rsa-sha2-256");
	buf_put_string(&b, raw.p + 1, raw.len - 1);
	assert_int_equal(burrow_key_verify(rsa1024, buf_ptr(&b), buf_len(&b), m, sizeof(m)), 0);
	buf_free(&b);
	/* one byte more than the modulus */
	buf_init(&b);
	buf_put_cstring(&b, "rsa-sha2-256");
	buf_put_u32(&b, (uint32_t)raw.len + 1);
	buf_put_u8(&b, 0);
	buf_put(&b, raw.p, raw.len);
	assert_int_equal(burrow_key_verify(rsa1024, buf_ptr(&b), buf_len(&b), m, sizeof(m)), BURROW_E_SIGNATURE);
	buf_free(&b);
	/* empty */
	buf_init(&b);
	buf_put_cstring(&b, "rsa-sha2-256");
	buf_put_string(&b, "", 0);
	assert_int_equal(burrow_key_verify(rsa1024, buf_ptr(&b), buf_len(&b), m, sizeof(m)), BURROW_E_SIGNATURE);
	buf_free(&b);
	free(sig);
}

/* ---- hostile private sections ---- */

/* The private section of a key (after the type name) as keys_private_write makes it. */
static void private_section(const struct burrow_key *key, struct buf *b)
{
	buf_init(b);
	assert_int_equal(keys_private_write(key, b), 0);
}

static int private_read(struct buf *b)
{
	struct rd r;
	rd_init(&r, buf_ptr(b), buf_len(b));
	struct burrow_key *key = NULL;
	int err = keys_private_read(&r, &key);
	if (err == 0) {
		assert_true(rd_done(&r));
		burrow_key_free(key);
	}
	buf_free(b);
	return err;
}

static void test_ecdsa_private_scalar_must_belong_to_the_point(void **state)
{
	struct buf b;
	private_section(p256, &b);
	assert_int_equal(private_read(&b), 0);
	/* the point of one P-256 key with the scalar of another */
	struct burrow_key *other;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 256, &other), 0);
	struct buf mine, theirs;
	private_section(p256, &mine);
	private_section(other, &theirs);
	/* layout: string type, string curve, string Q (65), mpint d: swap in the other d */
	size_t head = 4 + 19 + 4 + 8 + 4 + 65;
	buf_init(&b);
	buf_put(&b, buf_ptr(&mine), head);
	buf_put(&b, buf_ptr(&theirs) + head, buf_len(&theirs) - head);
	assert_int_equal(private_read(&b), BURROW_E_PARSE);
	/* d = 0 */
	buf_init(&b);
	buf_put(&b, buf_ptr(&mine), head);
	buf_put_u32(&b, 0);
	assert_int_equal(private_read(&b), BURROW_E_PARSE);
	buf_free(&mine);
	buf_free(&theirs);
	burrow_key_free(other);
}

/* string "ssh-rsa" || mpint n, e, d, iqmp, p, q from the views in v. */
static void put_rsa_private(struct buf *b, const struct bstr v[6])
{
	buf_init(b);
	buf_put_cstring(b, "ssh-rsa");
	for (int i = 0; i < 6; i++)
		buf_put_bstr(b, v[i]);
}

static void test_rsa_private_numbers_must_be_consistent(void **state)
{
	struct buf b, sec;
	private_section(rsa1024, &sec);
	struct rd r;
	rd_init(&r, buf_ptr(&sec), buf_len(&sec));
	rd_string(&r);
	struct bstr v[6]; /* n, e, d, iqmp, p, q */
	for (int i = 0; i < 6; i++)
		v[i] = rd_mpint(&r);
	assert_true(rd_done(&r));
	put_rsa_private(&b, v);
	assert_int_equal(private_read(&b), 0);

	/* n, d or iqmp off by one bit: n != p*q, e*d != 1 mod p-1, iqmp*q != 1 mod p */
	const int changed[] = { 0, 2, 3 };
	for (int i = 0; i < 3; i++) {
		struct bstr orig = v[changed[i]];
		uint8_t *copy = malloc(orig.len);
		memcpy(copy, orig.p, orig.len);
		copy[orig.len - 1] ^= 2;
		v[changed[i]] = bstr_from(copy, orig.len);
		put_rsa_private(&b, v);
		assert_int_equal(private_read(&b), BURROW_E_PARSE);
		v[changed[i]] = orig;
		free(copy);
	}
	/* p and q swapped: iqmp is q's inverse, not p's */
	struct bstr swapped[6] = { v[0], v[1], v[2], v[3], v[5], v[4] };
	put_rsa_private(&b, swapped);
	assert_int_equal(private_read(&b), BURROW_E_PARSE);
	/* e = 3 instead of 65537 */
	struct bstr e3[6] = { v[0], bstr_from("\x03", 1), v[2], v[3], v[4], v[5] };
	put_rsa_private(&b, e3);
	assert_int_equal(private_read(&b), BURROW_E_PARSE);
	buf_free(&sec);
}

static void test_rsa_private_key_under_1024_bits_is_not_read(void **state)
{
	/* A 1016-bit "modulus" is refused before any arithmetic. */
	uint8_t n[127];
	memset(n, 0x5b, sizeof(n));
	struct bstr v[6] = { bstr_from(n, sizeof(n)), bstr_from("\x01\x00\x01", 3), bstr_from(n, 64),
			     bstr_from(n, 32), bstr_from(n, 64), bstr_from(n, 63) };
	struct buf b;
	put_rsa_private(&b, v);
	assert_int_equal(private_read(&b), BURROW_E_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_gives_each_size_and_names),
		cmocka_unit_test(test_generate_defaults_and_refuses_sizes_the_type_lacks),
		cmocka_unit_test(test_type_parse_and_name_bits),
		cmocka_unit_test(test_sig_algs_and_fits),
		cmocka_unit_test(test_ecdsa_keys_round_trip_through_every_format),
		cmocka_unit_test(test_rsa_keys_round_trip_through_every_format),
		cmocka_unit_test(test_keys_of_different_curves_or_moduli_differ),
		cmocka_unit_test(test_ecdsa_sign_verify_per_curve),
		cmocka_unit_test(test_rsa_sign_verify_per_algorithm),
		cmocka_unit_test(test_rsa_signature_length_is_the_modulus_length),
		cmocka_unit_test(test_sign_refuses_an_algorithm_the_key_does_not_make),
		cmocka_unit_test(test_rsa_algorithm_name_picks_the_hash),
		cmocka_unit_test(test_verify_alg_insists_on_the_agreed_algorithm),
		cmocka_unit_test(test_signature_of_one_type_does_not_verify_with_another),
		cmocka_unit_test(test_ecdsa_verifies_the_rfc6979_p256_signature),
		cmocka_unit_test(test_ecdsa_blob_point_off_the_curve_is_refused),
		cmocka_unit_test(test_ecdsa_blob_curve_must_match_the_type_name),
		cmocka_unit_test(test_ecdsa_blob_other_point_encodings_are_refused),
		cmocka_unit_test(test_rsa_blob_with_bad_exponent_is_refused),
		cmocka_unit_test(test_rsa_blob_with_bad_modulus_is_refused),
		cmocka_unit_test(test_rsa_signature_longer_than_the_modulus_is_refused_shorter_is_padded),
		cmocka_unit_test(test_ecdsa_private_scalar_must_belong_to_the_point),
		cmocka_unit_test(test_rsa_private_numbers_must_be_consistent),
		cmocka_unit_test(test_rsa_private_key_under_1024_bits_is_not_read),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
