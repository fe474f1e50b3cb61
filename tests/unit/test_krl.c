/*
 * Revoked keys: KRLs made by `ssh-keygen -k` at test time (every section type it writes: explicit
 * keys, SHA1 and SHA256 fingerprints, certificate serials as list, range and bitmap, key ids, a
 * revoked CA) give the same answer as `ssh-keygen -Q` for each key; hand-made KRLs cover the
 * any-CA certificate section and malformed input (every truncation, unknown sections, a bad
 * version, an inverted range: refused, never a crash); plain key lists revoke a key or its CA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "burrow/keys.h"
#include "helper_files.h"

static char dir[] = "/tmp/burrow-krl-XXXXXX";

/* The keys, made by ssh-keygen: NAME.pub (and NAME-cert.pub when signed). */
static const char *const plain_keys[] = { "ca", "ca2", "explicit", "hashed", "sha1", "fine" };
struct signed_key {
	const char *name, *ca, *id;
	unsigned serial;
};
static const struct signed_key certs[] = {
	{ "s5", "ca", "alpha", 5 },        /* serial: 5 */
	{ "s6", "ca", "beta", 6 },         /* not revoked */
	{ "s95", "ca", "delta", 95 },      /* serial: 90-99 */
	{ "b1002", "ca", "b", 1002 },      /* a serial among scattered ones: ssh-keygen writes a bitmap */
	{ "b1003", "ca", "b", 1003 },      /* not among them */
	{ "gamma", "ca", "gamma", 77 },    /* id: gamma */
	{ "zero", "ca", "zero", 0 },       /* serial 0 is never revoked by serial */
	{ "other", "ca2", "alpha", 5 },    /* serial 5, but of another CA */
	{ "keyrev", "ca2", "kr", 9 },      /* its key is revoked explicitly: so is the certificate */
};

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	for (size_t i = 0; i < sizeof(plain_keys) / sizeof(plain_keys[0]); i++)
		if (test_run("ssh-keygen -q -t ed25519 -N '' -C %s -f %s/%s </dev/null", plain_keys[i], dir, plain_keys[i]))
			return -1;
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		const struct signed_key *c = &certs[i];
		if (strcmp(c->name, "keyrev") == 0) {
			if (test_run("cp %s/explicit %s/keyrev && cp %s/explicit.pub %s/keyrev.pub", dir, dir, dir, dir))
				return -1;
		} else if (test_run("ssh-keygen -q -t ed25519 -N '' -f %s/%s </dev/null", dir, c->name)) {
			return -1;
		}
		if (test_run("ssh-keygen -q -s %s/%s -I %s -n someone -z %u %s/%s.pub </dev/null", dir, c->ca, c->id,
			     c->serial, dir, c->name))
			return -1;
	}
	/* The specification of ssh-keygen(1) KEY REVOCATION LISTS, one line per section type. */
	return test_run("cd %s && { echo 'serial: 5'; echo 'serial: 90-99';"
			" for s in 1000 1002 1004 1006 1010 1011; do echo \"serial: $s\"; done;"
			" echo 'id: gamma'; printf 'key: '; cat explicit.pub;"
			" printf 'hash: '; ssh-keygen -l -E sha256 -f hashed.pub | cut -d' ' -f2;"
			" printf 'sha1: '; cat sha1.pub; } >spec && ssh-keygen -q -k -f krl -s ca.pub spec"
			" && { printf 'key: '; cat ca2.pub; } >spec2 && ssh-keygen -q -k -f krl2 spec2", dir);
}

static int teardown(void **state)
{
	test_run("rm -rf %s", dir);
	return 0;
}

static struct burrow_key *load_key(const char *file)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	size_t len;
	char *text = test_read_text(path, &len);
	struct burrow_key *key = NULL;
	assert_int_equal(burrow_key_parse_public_line(text, strcspn(text, "\n"), &key, NULL), 0);
	free(text);
	return key;
}

static uint8_t *load_file(const char *file, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return (uint8_t *)test_read_text(path, len);
}

/* Ours against `ssh-keygen -Q` (status 1: revoked) for one key file. */
static void assert_same_as_ssh_keygen(const char *krl_file, const uint8_t *krl, size_t len, const char *key_file)
{
	struct burrow_key *key = load_key(key_file);
	int theirs = test_run("ssh-keygen -Q -f %s/%s %s/%s >/dev/null 2>&1", dir, krl_file, dir, key_file);
	int ours = burrow_krl_check(krl, len, key);
	if (ours != (theirs != 0))
		fail_msg("%s in %s: ours %d, ssh-keygen -Q status %d", key_file, krl_file, ours, theirs);
	assert_int_equal(burrow_revoked_keys_check(krl, len, key), ours);
	burrow_key_free(key);
}

static void test_ssh_keygen_krl_agrees_with_ssh_keygen_q(void **state)
{
	size_t len;
	uint8_t *krl = load_file("krl", &len);
	assert_true(burrow_krl_is_krl(krl, len));
	static const char *const expected_revoked[] = { "explicit.pub", "hashed.pub", "sha1.pub", "s5-cert.pub",
							"s95-cert.pub", "b1002-cert.pub", "gamma-cert.pub",
							"keyrev-cert.pub" };
	static const char *const expected_fine[] = { "fine.pub", "ca.pub", "s6-cert.pub", "b1003-cert.pub",
						     "zero-cert.pub", "other-cert.pub" };
	for (size_t i = 0; i < sizeof(expected_revoked) / sizeof(expected_revoked[0]); i++) {
		assert_same_as_ssh_keygen("krl", krl, len, expected_revoked[i]);
		struct burrow_key *key = load_key(expected_revoked[i]);
		assert_int_equal(burrow_krl_check(krl, len, key), 1);
		burrow_key_free(key);
	}
	for (size_t i = 0; i < sizeof(expected_fine) / sizeof(expected_fine[0]); i++) {
		assert_same_as_ssh_keygen("krl", krl, len, expected_fine[i]);
		struct burrow_key *key = load_key(expected_fine[i]);
		assert_int_equal(burrow_krl_check(krl, len, key), 0);
		burrow_key_free(key);
	}
	free(krl);
}

/* ssh-keygen -k with many scattered serials writes a bitmap section (0x22): it must be there. */
static void test_ssh_keygen_wrote_a_bitmap(void **state)
{
	size_t len;
	uint8_t *krl = load_file("krl", &len);
	bool found = false;
	for (size_t i = 0; i + 12 < len && !found; i++)
		found = krl[i] == 0x22 && krl[i + 5] == 0 && krl[i + 11] == 0x03 && krl[i + 12] == 0xe8; /* offset 1000 */
	free(krl);
	assert_true(found);
}

static void test_a_revoked_ca_revokes_its_certificates(void **state)
{
	size_t len;
	uint8_t *krl = load_file("krl2", &len);
	assert_same_as_ssh_keygen("krl2", krl, len, "other-cert.pub");
	assert_same_as_ssh_keygen("krl2", krl, len, "ca2.pub");
	assert_same_as_ssh_keygen("krl2", krl, len, "s5-cert.pub");
	struct burrow_key *cert = load_key("other-cert.pub");
	assert_int_equal(burrow_krl_check(krl, len, cert), 1);
	burrow_key_free(cert);
	free(krl);
}

static void test_plain_list_revokes_a_key_and_the_certificates_of_a_listed_ca(void **state)
{
	char *fine = test_read_text(strcat(strcpy((char[256]){ 0 }, dir), "/fine.pub"), NULL);
	char *ca2 = test_read_text(strcat(strcpy((char[256]){ 0 }, dir), "/ca2.pub"), NULL);
	char list[4096];
	snprintf(list, sizeof(list), "# revoked\n\n%snot a key line\n%s", fine, ca2);
	const uint8_t *data = (const uint8_t *)list;
	struct burrow_key *k;
	assert_false(burrow_krl_is_krl(data, strlen(list)));
	assert_int_equal(burrow_revoked_keys_check(data, strlen(list), k = load_key("fine.pub")), 1);
	burrow_key_free(k);
	assert_int_equal(burrow_revoked_keys_check(data, strlen(list), k = load_key("other-cert.pub")), 1);
	burrow_key_free(k);
	assert_int_equal(burrow_revoked_keys_check(data, strlen(list), k = load_key("s5-cert.pub")), 0);
	burrow_key_free(k);
	assert_int_equal(burrow_revoked_keys_check(data, strlen(list), k = load_key("hashed.pub")), 0);
	burrow_key_free(k);
	free(fine);
	free(ca2);
}

/* ---- hand-made KRLs ---- */

static void put_header(struct buf *b, uint32_t version)
{
	buf_put_u64(b, 0x5353484b524c0a00ULL);
	buf_put_u32(b, version);
	buf_put_u64(b, 1);  /* krl_version */
	buf_put_u64(b, 0);  /* generated_date */
	buf_put_u64(b, 0);  /* flags */
	buf_put_cstring(b, "");
	buf_put_cstring(b, "hand-made");
}

/* A certificates section for any CA (empty CA key) with the given subsection. */
static void put_any_ca_section(struct buf *b, uint8_t sub_type, const struct buf *sub)
{
	struct buf section;
	buf_init(&section);
	buf_put_cstring(&section, ""); /* any CA */
	buf_put_cstring(&section, "");
	buf_put_u8(&section, sub_type);
	buf_put_string(&section, buf_ptr(sub), buf_len(sub));
	buf_put_u8(b, 1);
	buf_put_string(b, buf_ptr(&section), buf_len(&section));
	buf_free(&section);
}

static void test_any_ca_section_revokes_by_key_id_and_range(void **state)
{
	struct burrow_key *gamma = load_key("gamma-cert.pub"), *other = load_key("other-cert.pub"),
			  *s6 = load_key("s6-cert.pub");
	struct buf krl, sub;
	buf_init(&krl);
	buf_init(&sub);
	put_header(&krl, 1);
	buf_put_cstring(&sub, "gamma");
	put_any_ca_section(&krl, 0x23, &sub);
	buf_reset(&sub);
	buf_put_u64(&sub, 4);
	buf_put_u64(&sub, 5); /* serials 4-5: "other" (ca2, serial 5) */
	put_any_ca_section(&krl, 0x21, &sub);
	assert_int_equal(burrow_krl_check(buf_ptr(&krl), buf_len(&krl), gamma), 1);
	assert_int_equal(burrow_krl_check(buf_ptr(&krl), buf_len(&krl), other), 1);
	assert_int_equal(burrow_krl_check(buf_ptr(&krl), buf_len(&krl), s6), 0);
	buf_free(&krl);
	buf_free(&sub);
	burrow_key_free(gamma);
	burrow_key_free(other);
	burrow_key_free(s6);
}

static void test_malformed_krls_are_refused(void **state)
{
	struct burrow_key *key = load_key("fine.pub");
	struct buf krl, sub;
	buf_init(&krl);
	buf_init(&sub);
	put_header(&krl, 2); /* unknown format version */
	assert_int_equal(burrow_krl_check(buf_ptr(&krl), buf_len(&krl), key), BURROW_E_PARSE);
	buf_reset(&krl);
	put_header(&krl, 1);
	buf_put_u8(&krl, 9); /* unknown section */
	buf_put_cstring(&krl, "");
	assert_int_equal(burrow_krl_check(buf_ptr(&krl), buf_len(&krl), key), BURROW_E_PARSE);
	buf_reset(&krl);
	put_header(&krl, 1);
	buf_put_u64(&sub, 9);
	buf_put_u64(&sub, 3); /* an inverted range */
	put_any_ca_section(&krl, 0x21, &sub);
	assert_int_equal(burrow_krl_check(buf_ptr(&krl), buf_len(&krl), key), BURROW_E_PARSE);
	buf_reset(&krl);
	buf_reset(&sub);
	put_header(&krl, 1);
	buf_put_u8(&krl, 5); /* a SHA256 "fingerprint" of 31 bytes */
	buf_put_u32(&krl, 35);
	buf_put_string(&krl, (const uint8_t *)"0123456789012345678901234567890", 31);
	assert_int_equal(burrow_krl_check(buf_ptr(&krl), buf_len(&krl), key), BURROW_E_PARSE);
	buf_free(&krl);
	buf_free(&sub);
	burrow_key_free(key);
}

/* Every cut of the ssh-keygen KRL: a clean answer (a cut between sections is a shorter valid
 * KRL), never a read past the end. */
static void test_every_truncation_is_handled(void **state)
{
	size_t len;
	uint8_t *whole = load_file("krl", &len);
	struct burrow_key *cert = load_key("b1002-cert.pub");
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, whole, cut);
		int r = burrow_krl_check(copy, cut, cert);
		assert_true(r == BURROW_E_PARSE || r == 0 || r == 1);
		if (cut < 8 + 4 + 8 + 8 + 8 + 4)
			assert_int_equal(r, BURROW_E_PARSE); /* not even a header */
		free(copy);
	}
	burrow_key_free(cert);
	free(whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_keygen_krl_agrees_with_ssh_keygen_q),
		cmocka_unit_test(test_ssh_keygen_wrote_a_bitmap),
		cmocka_unit_test(test_a_revoked_ca_revokes_its_certificates),
		cmocka_unit_test(test_plain_list_revokes_a_key_and_the_certificates_of_a_listed_ca),
		cmocka_unit_test(test_any_ca_section_revokes_by_key_id_and_range),
		cmocka_unit_test(test_malformed_krls_are_refused),
		cmocka_unit_test(test_every_truncation_is_handled),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
