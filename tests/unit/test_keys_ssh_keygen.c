/*
 * ECDSA and RSA keys against OpenSSH's ssh-keygen and an independent libcrypto:
 * keys ssh-keygen makes are read, their .pub lines and fingerprints reproduced exactly; keys we
 * write are read by ssh-keygen -y; our signatures verify in libcrypto under the PEM key ssh-keygen
 * exports, and libcrypto's signatures under a key ssh-keygen converted verify with ours.
 * Every test skips when ssh-keygen is not installed.
 */
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
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buf.h"
#include "burrow/keys.h"
#include "helper_files.h"

struct key_case {
	const char *type;   /* ssh-keygen -t */
	int bits;           /* -b */
	const char *sig_alg;
	const EVP_MD *(*md)(void);
};

static const struct key_case cases[] = {
	{ "ecdsa", 256, "ecdsa-sha2-nistp256", EVP_sha256 },
	{ "ecdsa", 384, "ecdsa-sha2-nistp384", EVP_sha384 },
	{ "ecdsa", 521, "ecdsa-sha2-nistp521", EVP_sha512 },
	{ "rsa", 2048, "rsa-sha2-512", EVP_sha512 },
	{ "rsa", 2048, "rsa-sha2-256", EVP_sha256 },
	{ "rsa", 2048, "ssh-rsa", EVP_sha1 },
	{ "ed25519", 256, "ssh-ed25519", NULL },
};
#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

static char dir[] = "/tmp/burrow-keys-XXXXXX";
static bool have_keygen;

static int group_setup(void **state)
{
	have_keygen = system("command -v ssh-keygen >/dev/null 2>&1") == 0;
	return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void need_keygen(void)
{
	if (!have_keygen) {
		print_message("ssh-keygen not installed (openssh-client): skipped\n");
		skip();
	}
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	fclose(f);
	chmod(path, mode);
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = 0;
}

/* A key pair made by ssh-keygen at dir/name (one per type and size, made once). */
static const char *keygen_key(const struct key_case *c, char *path, size_t n)
{
	snprintf(path, n, "%s/theirs_%s_%d", dir, c->type, c->bits);
	if (access(path, R_OK) != 0)
		assert_int_equal(test_run("ssh-keygen -q -t %s -b %d -N '' -C 'made by ssh-keygen' -f '%s' </dev/null >/dev/null",
				     c->type, c->bits, path), 0);
	return path;
}

static struct burrow_key *load_private(const char *path, char **comment)
{
	char *text = test_read_text(path, NULL);
	struct burrow_key *key;
	assert_int_equal(burrow_key_parse_private(text, strlen(text), NULL, &key, comment), 0);
	free(text);
	return key;
}

static void test_keys_from_ssh_keygen_give_its_pub_line_and_fingerprint(void **state)
{
	need_keygen();
	for (size_t i = 0; i < CASE_COUNT; i++) {
		char path[512], pub_path[600], out_path[600];
		keygen_key(&cases[i], path, sizeof(path));
		char *comment;
		struct burrow_key *key = load_private(path, &comment);
		assert_string_equal(comment, "made by ssh-keygen");
		assert_int_equal(burrow_key_bits(key), cases[i].bits);

		/* the .pub line, byte for byte */
		snprintf(pub_path, sizeof(pub_path), "%s.pub", path);
		char *want = test_read_text(pub_path, NULL), *line;
		chomp(want);
		assert_int_equal(burrow_key_format_public_line(key, comment, &line), 0);
		assert_string_equal(line, want);
		free(want);

		/* ssh-keygen -lv: "bits SHA256:... comment (TYPE)" and the randomart */
		snprintf(out_path, sizeof(out_path), "%s.lv", path);
		assert_int_equal(test_run("ssh-keygen -lv -f '%s' >'%s'", pub_path, out_path), 0);
		want = test_read_text(out_path, NULL);
		char *fp, *art, mine[4096];
		assert_int_equal(burrow_key_fingerprint_sha256(key, &fp), 0);
		assert_int_equal(burrow_key_fingerprint_randomart(key, &art), 0);
		snprintf(mine, sizeof(mine), "%d %s %s (%s)\n%s\n", burrow_key_bits(key), fp, comment,
			 burrow_key_type_short(key), art);
		assert_string_equal(mine, want);
		free(want);
		free(fp);
		free(art);
		free(line);
		free(comment);

		/* the public key inside the private file, too */
		char *text = test_read_text(path, NULL);
		struct burrow_key *outer;
		assert_int_equal(burrow_key_parse_private_public(text, strlen(text), &outer), 0);
		assert_true(burrow_key_equal_public(outer, key));
		burrow_key_free(outer);
		free(text);
		burrow_key_free(key);
	}
}

static void test_keys_we_write_are_read_by_ssh_keygen(void **state)
{
	need_keygen();
	const enum burrow_key_type types[] = { BURROW_KEY_ECDSA, BURROW_KEY_ECDSA, BURROW_KEY_ECDSA, BURROW_KEY_RSA,
					       BURROW_KEY_RSA };
	const int bits[] = { 256, 384, 521, 2048, 3072 };
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		struct burrow_key *key;
		assert_int_equal(burrow_key_generate(types[i], bits[i], &key), 0);
		char path[512], out_path[600], *text, *line;
		snprintf(path, sizeof(path), "%s/ours_%zu", dir, i);
		snprintf(out_path, sizeof(out_path), "%s.y", path);
		assert_int_equal(burrow_key_format_private(key, "made by burrow", &text), 0);
		write_text(path, text, 0600);
		free(text);
		assert_int_equal(test_run("ssh-keygen -y -f '%s' >'%s' 2>/dev/null", path, out_path), 0);
		char *got = test_read_text(out_path, NULL);
		chomp(got);
		assert_int_equal(burrow_key_format_public_line(key, "made by burrow", &line), 0);
		assert_string_equal(got, line);
		free(got);
		free(line);
		burrow_key_free(key);
	}
}

/* ---- signatures across implementations ---- */

/* The PEM public key ssh-keygen exports for a .pub line. */
static EVP_PKEY *pem_public_of(const struct burrow_key *key, const char *name)
{
	char path[512], pem_path[600], *line;
	snprintf(path, sizeof(path), "%s/%s.pub", dir, name);
	snprintf(pem_path, sizeof(pem_path), "%s/%s.pem", dir, name);
	assert_int_equal(burrow_key_format_public_line(key, NULL, &line), 0);
	write_text(path, line, 0644);
	free(line);
	assert_int_equal(test_run("ssh-keygen -e -m PKCS8 -f '%s' >'%s'", path, pem_path), 0);
	FILE *f = fopen(pem_path, "r");
	assert_non_null(f);
	EVP_PKEY *pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(pkey);
	return pkey;
}

/* SSH signature blob -> what libcrypto verifies: DER ECDSA-Sig-Value or the raw RSA signature. */
static unsigned char *libcrypto_signature(const uint8_t *sig, size_t sig_len, const char *alg, bool ecdsa, size_t *out_len)
{
	struct rd r;
	rd_init(&r, sig, sig_len);
	assert_true(bstr_eq(rd_string(&r), alg));
	struct bstr raw = rd_string(&r);
	assert_true(rd_done(&r));
	if (!ecdsa) {
		unsigned char *copy = malloc(raw.len);
		memcpy(copy, raw.p, raw.len);
		*out_len = raw.len;
		return copy;
	}
	struct rd in;
	rd_init(&in, raw.p, raw.len);
	struct bstr rr = rd_mpint(&in), ss = rd_mpint(&in);
	assert_true(rd_done(&in));
	ECDSA_SIG *es = ECDSA_SIG_new();
	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(rr.p, (int)rr.len, NULL), BN_bin2bn(ss.p, (int)ss.len, NULL)), 1);
	unsigned char *der = NULL;
	int n = i2d_ECDSA_SIG(es, &der);
	assert_true(n > 0);
	ECDSA_SIG_free(es);
	*out_len = (size_t)n;
	return der;
}

static void test_our_signatures_verify_in_libcrypto(void **state)
{
	need_keygen();
	static const uint8_t data[] = "signed by burrow";
	for (size_t i = 0; i < CASE_COUNT; i++) {
		const struct key_case *c = &cases[i];
		if (!c->md)
			continue; /* ed25519 has its own known-answer tests */
		bool ecdsa = strcmp(c->type, "ecdsa") == 0;
		struct burrow_key *key;
		assert_int_equal(burrow_key_generate(ecdsa ? BURROW_KEY_ECDSA : BURROW_KEY_RSA, c->bits, &key), 0);
		char name[64];
		snprintf(name, sizeof(name), "sig_%zu", i);
		EVP_PKEY *pkey = pem_public_of(key, name);
		uint8_t *sig;
		size_t sig_len, lc_len;
		assert_int_equal(burrow_key_sign(key, c->sig_alg, data, sizeof(data), &sig, &sig_len), 0);
		unsigned char *lc = libcrypto_signature(sig, sig_len, c->sig_alg, ecdsa, &lc_len);
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		assert_int_equal(EVP_DigestVerifyInit(md, NULL, c->md(), NULL, pkey), 1);
		assert_int_equal(EVP_DigestVerify(md, lc, lc_len, data, sizeof(data)), 1);
		EVP_MD_CTX_free(md);
		OPENSSL_free(lc);
		free(sig);
		EVP_PKEY_free(pkey);
		burrow_key_free(key);
	}
}

/* libcrypto's signature -> an SSH signature blob. */
static void ssh_signature(const unsigned char *lc, size_t lc_len, const char *alg, bool ecdsa, struct buf *out)
{
	buf_init(out);
	buf_put_cstring(out, alg);
	if (!ecdsa) {
		buf_put_string(out, lc, lc_len);
		return;
	}
	const unsigned char *p = lc;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)lc_len);
	assert_non_null(es);
	const BIGNUM *r, *s;
	ECDSA_SIG_get0(es, &r, &s);
	uint8_t rb[80], sb[80];
	int rl = BN_bn2bin(r, rb), sl = BN_bn2bin(s, sb);
	struct buf inner;
	buf_init(&inner);
	buf_put_mpint(&inner, rb, (size_t)rl);
	buf_put_mpint(&inner, sb, (size_t)sl);
	buf_put_string(out, buf_ptr(&inner), buf_len(&inner));
	buf_free(&inner);
	ECDSA_SIG_free(es);
}

static void test_libcrypto_signatures_verify_with_ours(void **state)
{
	need_keygen();
	static const uint8_t data[] = "signed by libcrypto";
	for (size_t i = 0; i < CASE_COUNT; i++) {
		const struct key_case *c = &cases[i];
		if (!c->md)
			continue;
		bool ecdsa = strcmp(c->type, "ecdsa") == 0;
		char path[512], pem_path[600];
		keygen_key(c, path, sizeof(path));
		struct burrow_key *key = load_private(path, NULL);
		/* ssh-keygen rewrites a copy of its key as PEM, which libcrypto reads */
		snprintf(pem_path, sizeof(pem_path), "%s.pem-private", path);
		assert_int_equal(test_run("cp '%s' '%s' && ssh-keygen -q -p -N '' -P '' -m PEM -f '%s' >/dev/null", path,
				     pem_path, pem_path), 0);
		FILE *f = fopen(pem_path, "r");
		assert_non_null(f);
		EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		assert_non_null(pkey);
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		size_t lc_len = 0;
		assert_int_equal(EVP_DigestSignInit(md, NULL, c->md(), NULL, pkey), 1);
		assert_int_equal(EVP_DigestSign(md, NULL, &lc_len, data, sizeof(data)), 1);
		unsigned char *lc = malloc(lc_len);
		assert_int_equal(EVP_DigestSign(md, lc, &lc_len, data, sizeof(data)), 1);
		struct buf sig;
		ssh_signature(lc, lc_len, c->sig_alg, ecdsa, &sig);
		assert_int_equal(burrow_key_verify_alg(key, c->sig_alg, buf_ptr(&sig), buf_len(&sig), data, sizeof(data)), 0);
		assert_int_equal(burrow_key_verify(key, buf_ptr(&sig), buf_len(&sig), data, sizeof(data) - 1), BURROW_E_SIGNATURE);
		buf_free(&sig);
		free(lc);
		EVP_MD_CTX_free(md);
		EVP_PKEY_free(pkey);
		burrow_key_free(key);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_from_ssh_keygen_give_its_pub_line_and_fingerprint),
		cmocka_unit_test(test_keys_we_write_are_read_by_ssh_keygen),
		cmocka_unit_test(test_our_signatures_verify_in_libcrypto),
		cmocka_unit_test(test_libcrypto_signatures_verify_with_ours),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
