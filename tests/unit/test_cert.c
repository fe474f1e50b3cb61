/*
 * OpenSSH certificates (PROTOCOL.certkeys): certificates we sign and ones ssh-keygen signs are
 * read back with every field; malformed blobs (each field broken in turn, every truncation,
 * trailing bytes, a certificate as CA, a bad CA signature) are refused; burrow_cert_check gives
 * sshd's reasons; critical options and source-address lists are applied as sshd does.
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

#define NOW 1700000000ull

/* ---- a hand-made certificate, so that each field can be broken ---- */

struct raw_cert {
	const char *name;           /* type name; NULL: the key's -cert-v01 name */
	const struct burrow_key *key;
	uint64_t serial;
	uint32_t type;
	struct bstr key_id;
	struct buf principals;      /* raw contents of the principals string */
	uint64_t valid_after, valid_before;
	struct buf critical, extensions;
	const struct burrow_key *ca;
	const uint8_t *ca_blob;     /* NULL: the CA's own blob */
	size_t ca_blob_len;
	bool break_signature;
};

static void raw_init(struct raw_cert *c, const struct burrow_key *key, const struct burrow_key *ca)
{
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->ca = ca;
	c->serial = 7;
	c->type = BURROW_CERT_USER;
	c->key_id = bstr_cstr("alice@example");
	buf_init(&c->principals);
	buf_init(&c->critical);
	buf_init(&c->extensions);
	buf_put_cstring(&c->principals, "alice");
	c->valid_after = NOW - 3600;
	c->valid_before = NOW + 3600;
}

static void raw_free(struct raw_cert *c)
{
	buf_free(&c->principals);
	buf_free(&c->critical);
	buf_free(&c->extensions);
}

static void put_option(struct buf *b, const char *name, const char *value)
{
	struct buf data;
	buf_init(&data);
	if (value)
		buf_put_cstring(&data, value);
	buf_put_cstring(b, name);
	buf_put_string(b, buf_ptr(&data), buf_len(&data));
	buf_free(&data);
}

/* The plain key data: its blob minus the leading type name. */
static void put_key_data(struct buf *b, const struct burrow_key *key)
{
	uint8_t *blob;
	size_t len;
	assert_int_equal(burrow_key_to_blob(key, &blob, &len), 0);
	struct rd r;
	rd_init(&r, blob, len);
	rd_string(&r);
	struct bstr rest = rd_rest(&r);
	buf_put(b, rest.p, rest.len);
	free(blob);
}

static struct buf raw_build(const struct raw_cert *c)
{
	struct buf b;
	buf_init(&b);
	char name[80];
	snprintf(name, sizeof(name), "%s-cert-v01@openssh.com",
		 strcmp(burrow_key_type_name(c->key), "ssh-rsa") == 0 ? "ssh-rsa" : burrow_key_type_name(c->key));
	buf_put_cstring(&b, c->name ? c->name : name);
	buf_put_string(&b, "0123456789abcdef0123456789abcdef", 32);
	put_key_data(&b, c->key);
	buf_put_u64(&b, c->serial);
	buf_put_u32(&b, c->type);
	buf_put_bstr(&b, c->key_id);
	buf_put_string(&b, buf_ptr(&c->principals), buf_len(&c->principals));
	buf_put_u64(&b, c->valid_after);
	buf_put_u64(&b, c->valid_before);
	buf_put_string(&b, buf_ptr(&c->critical), buf_len(&c->critical));
	buf_put_string(&b, buf_ptr(&c->extensions), buf_len(&c->extensions));
	buf_put_string(&b, NULL, 0);
	uint8_t *ca_blob = NULL;
	size_t ca_len = 0;
	if (c->ca_blob)
		buf_put_string(&b, c->ca_blob, c->ca_blob_len);
	else {
		assert_int_equal(burrow_key_to_blob(c->ca, &ca_blob, &ca_len), 0);
		buf_put_string(&b, ca_blob, ca_len);
	}
	free(ca_blob);
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(c->ca, NULL, buf_ptr(&b), buf_len(&b), &sig, &sig_len), 0);
	if (c->break_signature)
		sig[sig_len - 1] ^= 1;
	buf_put_string(&b, sig, sig_len);
	free(sig);
	assert_true(buf_ok(&b));
	return b;
}

static int raw_parse(const struct raw_cert *c, struct burrow_key **out)
{
	struct buf b = raw_build(c);
	int err = burrow_key_from_blob(buf_ptr(&b), buf_len(&b), out);
	buf_free(&b);
	return err;
}

/* ---- fixtures ---- */

struct fixture {
	struct burrow_key *ca, *user, *rsa, *p384;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || burrow_key_generate(BURROW_KEY_ED25519, 0, &f->ca) || burrow_key_generate(BURROW_KEY_ED25519, 0, &f->user) ||
	    burrow_key_generate(BURROW_KEY_RSA, 2048, &f->rsa) || burrow_key_generate(BURROW_KEY_ECDSA, 384, &f->p384))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	burrow_key_free(f->ca);
	burrow_key_free(f->user);
	burrow_key_free(f->rsa);
	burrow_key_free(f->p384);
	free(f);
	return 0;
}

static struct burrow_key *sign_simple(const struct burrow_key *key, const struct burrow_key *ca,
				      enum burrow_cert_type type, const char *principal)
{
	const char *principals[] = { principal };
	struct burrow_cert_spec spec = {
		.type = type, .serial = 42, .key_id = "id-1", .principals = principals,
		.principal_count = principal ? 1 : 0, .valid_after = NOW - 10, .valid_before = NOW + 10,
	};
	struct burrow_key *cert = NULL;
	assert_int_equal(burrow_cert_sign(key, ca, &spec, &cert), 0);
	return cert;
}

/* ---- what we sign reads back ---- */

static void test_cert_signed_reads_back_every_field(void **state)
{
	struct fixture *f = *state;
	const char *principals[] = { "alice", "bob" };
	struct burrow_cert_option_spec crit[] = { { "source-address", "127.0.0.1/32" }, { "force-command", "id" } };
	struct burrow_cert_option_spec ext[] = { { "permit-pty", NULL }, { "permit-X11-forwarding", NULL } };
	struct burrow_cert_spec spec = {
		.type = BURROW_CERT_USER, .serial = 1234567890123ull, .key_id = "alice's key", .principals = principals,
		.principal_count = 2, .valid_after = 100, .valid_before = BURROW_CERT_FOREVER, .critical = crit,
		.critical_count = 2, .extensions = ext, .extension_count = 2,
	};
	struct burrow_key *cert;
	assert_int_equal(burrow_cert_sign(f->user, f->ca, &spec, &cert), 0);
	assert_true(burrow_key_is_cert(cert));
	assert_false(burrow_key_is_cert(f->user));
	assert_string_equal(burrow_key_type_name(cert), "ssh-ed25519-cert-v01@openssh.com");
	assert_string_equal(burrow_key_type_short(cert), "ED25519-CERT");
	assert_int_equal(burrow_key_type(cert), BURROW_KEY_ED25519);
	assert_int_equal(burrow_cert_type(cert), BURROW_CERT_USER);
	assert_int_equal(burrow_cert_serial(cert), 1234567890123ull);
	assert_string_equal(burrow_cert_key_id(cert), "alice's key");
	assert_int_equal(burrow_cert_principal_count(cert), 2);
	assert_string_equal(burrow_cert_principal(cert, 1), "bob");
	assert_null(burrow_cert_principal(cert, 2));
	assert_int_equal(burrow_cert_valid_after(cert), 100);
	assert_true(burrow_cert_valid_before(cert) == BURROW_CERT_FOREVER);
	assert_true(burrow_key_equal_public(burrow_cert_signature_key(cert), f->ca));
	assert_string_equal(burrow_cert_signature_alg(cert), "ssh-ed25519");
	/* Options come back sorted by name, as PROTOCOL.certkeys requires. */
	const char *name, *value;
	assert_int_equal(burrow_cert_option_count(cert, true), 2);
	assert_int_equal(burrow_cert_option(cert, true, 0, &name, &value), 0);
	assert_string_equal(name, "force-command");
	assert_string_equal(value, "id");
	assert_int_equal(burrow_cert_option(cert, false, 0, &name, &value), 0);
	assert_string_equal(name, "permit-X11-forwarding");
	assert_string_equal(value, "");
	assert_int_equal(burrow_cert_option(cert, false, 2, &name, &value), BURROW_E_NOTFOUND);
	/* The fingerprint is the certified key's, as ssh-keygen -l shows it. */
	char *fp_cert, *fp_key;
	assert_int_equal(burrow_key_fingerprint_sha256(cert, &fp_cert), 0);
	assert_int_equal(burrow_key_fingerprint_sha256(f->user, &fp_key), 0);
	assert_string_equal(fp_cert, fp_key);
	free(fp_cert);
	free(fp_key);
	burrow_key_free(cert);
}

static void test_cert_each_key_type_round_trips_as_a_line(void **state)
{
	struct fixture *f = *state;
	const struct burrow_key *keys[] = { f->user, f->rsa, f->p384 };
	const char *names[] = { "ssh-ed25519-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com",
				"ecdsa-sha2-nistp384-cert-v01@openssh.com" };
	for (size_t i = 0; i < 3; i++) {
		struct burrow_key *cert = sign_simple(keys[i], f->rsa, BURROW_CERT_HOST, "h");
		assert_string_equal(burrow_cert_signature_alg(cert), "rsa-sha2-512"); /* the RSA CA's default */
		char *line;
		assert_int_equal(burrow_key_format_public_line(cert, "c", &line), 0);
		assert_memory_equal(line, names[i], strlen(names[i]));
		struct burrow_key *back;
		char *comment;
		assert_int_equal(burrow_key_parse_public_line(line, strlen(line), &back, &comment), 0);
		assert_string_equal(comment, "c");
		assert_true(burrow_key_equal_public(back, cert));
		struct burrow_key *dup;
		assert_int_equal(burrow_key_dup_public(cert, &dup), 0);
		assert_true(burrow_key_equal_public(dup, cert));
		free(line);
		free(comment);
		burrow_key_free(back);
		burrow_key_free(dup);
		burrow_key_free(cert);
	}
}

static void test_cert_never_equals_its_plain_key(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *cert = sign_simple(f->user, f->ca, BURROW_CERT_USER, "alice");
	struct burrow_key *again = sign_simple(f->user, f->ca, BURROW_CERT_USER, "alice");
	struct burrow_key *plain;
	assert_false(burrow_key_equal_public(cert, f->user));
	assert_false(burrow_key_equal_public(f->user, cert));
	assert_false(burrow_key_equal_public(cert, again)); /* another nonce: another certificate */
	assert_int_equal(burrow_cert_key_dup_plain(cert, &plain), 0);
	assert_false(burrow_key_is_cert(plain));
	assert_true(burrow_key_equal_public(plain, f->user));
	burrow_key_free(plain);
	burrow_key_free(again);
	burrow_key_free(cert);
}

/* ---- signing as a certificate ---- */

static void test_cert_attached_signs_with_cert_names_and_plain_blob_alg(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *cert = sign_simple(f->rsa, f->ca, BURROW_CERT_USER, "alice");
	struct burrow_key *signer;
	assert_int_equal(burrow_key_cert_attach(f->rsa, cert, &signer), 0);
	assert_true(burrow_key_has_private(signer));
	assert_true(burrow_key_equal_public(signer, cert));
	const char *const *algs = burrow_key_sig_algs(signer);
	assert_string_equal(algs[0], "rsa-sha2-512-cert-v01@openssh.com");
	assert_true(burrow_key_fits_sig_alg(cert, "rsa-sha2-256-cert-v01@openssh.com"));
	assert_false(burrow_key_fits_sig_alg(cert, "rsa-sha2-256"));
	assert_false(burrow_key_fits_sig_alg(f->rsa, "rsa-sha2-256-cert-v01@openssh.com"));

	const uint8_t data[] = "session data";
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_sign(signer, "rsa-sha2-256-cert-v01@openssh.com", data, sizeof(data), &sig, &sig_len), 0);
	struct rd r;
	rd_init(&r, sig, sig_len);
	assert_true(bstr_eq(rd_string(&r), "rsa-sha2-256")); /* PROTOCOL.certkeys: the plain name inside */
	assert_int_equal(burrow_key_verify_alg(cert, "rsa-sha2-256-cert-v01@openssh.com", sig, sig_len, data, sizeof(data)), 0);
	assert_int_equal(burrow_key_verify_alg(cert, NULL, sig, sig_len, data, sizeof(data)), 0);
	assert_int_equal(burrow_key_verify_alg(cert, "rsa-sha2-512-cert-v01@openssh.com", sig, sig_len, data, sizeof(data)),
			 BURROW_E_SIGNATURE);
	assert_int_equal(burrow_key_verify_alg(cert, "rsa-sha2-256", sig, sig_len, data, sizeof(data)), BURROW_E_SIGNATURE);
	free(sig);
	assert_int_equal(burrow_key_sign(signer, "rsa-sha2-256", data, sizeof(data), &sig, &sig_len), BURROW_E_UNSUPPORTED);

	/* A certificate for another key does not attach. */
	struct burrow_key *other;
	assert_int_equal(burrow_key_cert_attach(f->user, cert, &other), BURROW_E_NOMATCH);
	burrow_key_free(signer);
	burrow_key_free(cert);
}

/* ---- malformed certificates ---- */

static void test_cert_hand_made_reference_parses(void **state)
{
	struct fixture *f = *state;
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	struct burrow_key *cert;
	assert_int_equal(raw_parse(&c, &cert), 0);
	assert_string_equal(burrow_cert_principal(cert, 0), "alice");
	burrow_key_free(cert);
	raw_free(&c);
}

static void test_cert_every_truncation_and_trailing_byte_refused(void **state)
{
	struct fixture *f = *state;
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	struct buf b = raw_build(&c);
	struct burrow_key *cert = NULL;
	for (size_t len = 0; len < buf_len(&b); len++)
		assert_true(burrow_key_from_blob(buf_ptr(&b), len, &cert) < 0);
	buf_put_u8(&b, 0);
	assert_int_equal(burrow_key_from_blob(buf_ptr(&b), buf_len(&b), &cert), BURROW_E_PARSE);
	assert_null(cert);
	buf_free(&b);
	raw_free(&c);
}

static void test_cert_bad_type_refused(void **state)
{
	struct fixture *f = *state;
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	struct burrow_key *cert = NULL;
	c.type = 3;
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_PARSE);
	c.type = 0;
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_PARSE);
	raw_free(&c);
}

static void test_cert_key_id_with_nul_refused(void **state)
{
	struct fixture *f = *state;
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	struct burrow_key *cert = NULL;
	c.key_id = bstr_from("al\0ice", 6);
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_PARSE);
	raw_free(&c);
}

static void test_cert_malformed_principals_refused(void **state)
{
	struct fixture *f = *state;
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	struct burrow_key *cert = NULL;
	buf_put_u32(&c.principals, 99); /* a string longer than what is left */
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_PARSE);
	buf_reset(&c.principals);
	buf_put_string(&c.principals, "a\0b", 3);
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_PARSE);
	buf_reset(&c.principals);
	for (int i = 0; i < 257; i++) /* over OpenSSH's 256 */
		buf_put_cstring(&c.principals, "p");
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_PARSE);
	raw_free(&c);
}

static void test_cert_malformed_options_refused(void **state)
{
	struct fixture *f = *state;
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	struct burrow_key *cert = NULL;
	buf_put_cstring(&c.critical, "force-command"); /* a name without its data */
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_PARSE);
	buf_reset(&c.critical);
	put_option(&c.extensions, "", NULL); /* an empty name */
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_PARSE);
	raw_free(&c);
}

static void test_cert_wrong_type_name_for_key_refused(void **state)
{
	struct fixture *f = *state;
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	struct burrow_key *cert = NULL;
	c.name = "ecdsa-sha2-nistp256-cert-v01@openssh.com"; /* ed25519 key data under an ECDSA name */
	assert_true(raw_parse(&c, &cert) < 0);
	assert_null(cert);
	raw_free(&c);
}

static void test_cert_bad_ca_signature_refused(void **state)
{
	struct fixture *f = *state;
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	struct burrow_key *cert = NULL;
	c.break_signature = true;
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_SIGNATURE);
	/* Signed by one CA, naming another. */
	c.break_signature = false;
	uint8_t *other_blob;
	size_t other_len;
	assert_int_equal(burrow_key_to_blob(f->p384, &other_blob, &other_len), 0);
	c.ca_blob = other_blob;
	c.ca_blob_len = other_len;
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_SIGNATURE);
	free(other_blob);
	raw_free(&c);
}

static void test_cert_signed_by_a_certificate_refused(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *ca_cert = sign_simple(f->ca, f->p384, BURROW_CERT_USER, "ca");
	uint8_t *ca_blob;
	size_t ca_len;
	assert_int_equal(burrow_key_to_blob(ca_cert, &ca_blob, &ca_len), 0);
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	c.ca_blob = ca_blob;
	c.ca_blob_len = ca_len;
	struct burrow_key *cert = NULL;
	assert_int_equal(raw_parse(&c, &cert), BURROW_E_PARSE);
	/* Nor does our signer make one. */
	struct burrow_key *signer;
	assert_int_equal(burrow_key_cert_attach(f->ca, ca_cert, &signer), 0);
	struct burrow_cert_spec spec = { .type = BURROW_CERT_USER, .valid_before = BURROW_CERT_FOREVER };
	assert_int_equal(burrow_cert_sign(f->user, signer, &spec, &cert), BURROW_E_INVALID);
	burrow_key_free(signer);
	free(ca_blob);
	raw_free(&c);
	burrow_key_free(ca_cert);
}

/* ---- burrow_cert_check ---- */

static void test_cert_check_accepts_listed_principal_in_time(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *cert = sign_simple(f->user, f->ca, BURROW_CERT_USER, "alice");
	const char *reason = "x";
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, "alice", NOW, &reason), 0);
	assert_null(reason);
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, NULL, NOW, &reason), 0);
	burrow_key_free(cert);
}

static void test_cert_check_reasons_as_sshd_logs_them(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *cert = sign_simple(f->user, f->ca, BURROW_CERT_USER, "alice");
	const char *reason;
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, "alice", NOW + 10, &reason), BURROW_E_NOMATCH);
	assert_string_equal(reason, "Certificate invalid: expired");
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, "alice", NOW - 11, &reason), BURROW_E_NOMATCH);
	assert_string_equal(reason, "Certificate invalid: not yet valid");
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, "mallory", NOW, &reason), BURROW_E_NOMATCH);
	assert_string_equal(reason, "Certificate invalid: name is not a listed principal");
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_HOST, "alice", NOW, &reason), BURROW_E_NOMATCH);
	assert_string_equal(reason, "Certificate invalid: not a host certificate");
	burrow_key_free(cert);

	cert = sign_simple(f->user, f->ca, BURROW_CERT_HOST, "*.example.org");
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, "alice", NOW, &reason), BURROW_E_NOMATCH);
	assert_string_equal(reason, "Certificate invalid: not a user certificate");
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_HOST, "www.example.org", NOW, &reason), 0);
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_HOST, "example.com", NOW, &reason), BURROW_E_NOMATCH);
	burrow_key_free(cert);

	/* No principals: a user certificate is refused, a host certificate is good for every host. */
	cert = sign_simple(f->user, f->ca, BURROW_CERT_USER, NULL);
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, "alice", NOW, &reason), BURROW_E_NOMATCH);
	assert_string_equal(reason, "Certificate lacks principal list");
	burrow_key_free(cert);
	cert = sign_simple(f->user, f->ca, BURROW_CERT_HOST, NULL);
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_HOST, "any.host", NOW, &reason), 0);
	burrow_key_free(cert);
	/* A user principal is matched exactly: no wildcards. */
	cert = sign_simple(f->user, f->ca, BURROW_CERT_USER, "*");
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, "alice", NOW, &reason), BURROW_E_NOMATCH);
	burrow_key_free(cert);
	assert_int_equal(burrow_cert_check(f->user, BURROW_CERT_USER, "alice", NOW, &reason), BURROW_E_INVALID);
}

static void test_cert_check_refuses_sha1_ca_signature(void **state)
{
	struct fixture *f = *state;
	const char *principals[] = { "alice" };
	struct burrow_cert_spec spec = { .type = BURROW_CERT_USER, .principals = principals, .principal_count = 1,
					 .valid_before = BURROW_CERT_FOREVER, .sig_alg = "ssh-rsa" };
	struct burrow_key *cert;
	assert_int_equal(burrow_cert_sign(f->user, f->rsa, &spec, &cert), 0);
	assert_string_equal(burrow_cert_signature_alg(cert), "ssh-rsa");
	const char *reason;
	assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, "alice", NOW, &reason), BURROW_E_NOMATCH);
	assert_string_equal(reason, "Certificate signature algorithm ssh-rsa: signature algorithm not supported");
	burrow_key_free(cert);
}

/* ---- critical options ---- */

static struct burrow_key *sign_with_critical(struct fixture *f, const struct burrow_cert_option_spec *crit, size_t n)
{
	const char *principals[] = { "alice" };
	struct burrow_cert_spec spec = {
		.type = BURROW_CERT_USER, .principals = principals, .principal_count = 1,
		.valid_before = BURROW_CERT_FOREVER, .critical = crit, .critical_count = n,
	};
	struct burrow_key *cert = NULL;
	assert_int_equal(burrow_cert_sign(f->user, f->ca, &spec, &cert), 0);
	return cert;
}

static void test_cert_critical_options_force_command_and_source_address(void **state)
{
	struct fixture *f = *state;
	struct burrow_cert_option_spec crit[] = { { "force-command", "echo hi" }, { "source-address", "10.0.0.0/8,::1" } };
	struct burrow_key *cert = sign_with_critical(f, crit, 2);
	char *command, *sources, *unknown;
	assert_int_equal(burrow_cert_critical_options(cert, &command, &sources, &unknown), 0);
	assert_string_equal(command, "echo hi");
	assert_string_equal(sources, "10.0.0.0/8,::1");
	assert_null(unknown);
	free(command);
	free(sources);
	burrow_key_free(cert);

	cert = sign_with_critical(f, NULL, 0);
	assert_int_equal(burrow_cert_critical_options(cert, &command, &sources, &unknown), 0);
	assert_null(command);
	assert_null(sources);
	burrow_key_free(cert);
}

static void test_cert_unknown_critical_option_refuses(void **state)
{
	struct fixture *f = *state;
	struct burrow_cert_option_spec crit[] = { { "force-command", "id" }, { "verify-required-x", NULL } };
	struct burrow_key *cert = sign_with_critical(f, crit, 2);
	char *command, *sources, *unknown;
	assert_int_equal(burrow_cert_critical_options(cert, &command, &sources, &unknown), BURROW_E_UNSUPPORTED);
	assert_string_equal(unknown, "verify-required-x");
	assert_null(command);
	free(unknown);
	burrow_key_free(cert);
}

static void test_cert_duplicate_critical_option_refuses(void **state)
{
	struct fixture *f = *state;
	struct raw_cert c;
	raw_init(&c, f->user, f->ca);
	put_option(&c.critical, "force-command", "a");
	put_option(&c.critical, "force-command", "b");
	struct burrow_key *cert;
	assert_int_equal(raw_parse(&c, &cert), 0);
	char *command, *sources, *unknown;
	assert_int_equal(burrow_cert_critical_options(cert, &command, &sources, &unknown), BURROW_E_PARSE);
	free(unknown);
	burrow_key_free(cert);
	raw_free(&c);
}

static void test_cert_source_address_lists(void **state)
{
	bool m;
	assert_int_equal(burrow_cert_source_address_match("127.0.0.1", "127.0.0.1", &m), 0);
	assert_true(m);
	assert_int_equal(burrow_cert_source_address_match("10.0.0.0/8,192.168.1.0/24", "192.168.1.77", &m), 0);
	assert_true(m);
	assert_int_equal(burrow_cert_source_address_match("10.0.0.0/8", "11.0.0.1", &m), 0);
	assert_false(m);
	assert_int_equal(burrow_cert_source_address_match("::1,fe80::/10", "fe80::1", &m), 0);
	assert_true(m);
	assert_int_equal(burrow_cert_source_address_match("::/0", "127.0.0.1", &m), 0);
	assert_false(m); /* another family */
	assert_int_equal(burrow_cert_source_address_match("10.0.0.1/8", "10.0.0.1", &m), BURROW_E_PARSE);
	assert_int_equal(burrow_cert_source_address_match("10.0.0.0/33", "10.0.0.1", &m), BURROW_E_PARSE);
	assert_int_equal(burrow_cert_source_address_match("example.com", "10.0.0.1", &m), BURROW_E_PARSE);
	assert_int_equal(burrow_cert_source_address_match("10.0.0.0/8,,", "10.0.0.1", &m), BURROW_E_PARSE);
}

/* ---- certificates ssh-keygen makes ---- */

static void test_cert_made_by_ssh_keygen_reads_with_every_field(void **state)
{
	if (system("command -v ssh-keygen >/dev/null 2>&1") != 0) {
		print_message("ssh-keygen not installed: skipped\n");
		skip();
	}
	const char *types[] = { "ed25519", "ecdsa -b 521", "rsa -b 2048" };
	const char *names[] = { "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
				"ssh-rsa-cert-v01@openssh.com" };
	char dir[] = "/tmp/burrow-cert-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(test_run("ssh-keygen -q -t rsa -b 2048 -N '' -f %s/ca >/dev/null", dir), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(test_run("rm -f %s/u %s/u.pub %s/u-cert.pub && ssh-keygen -q -t %s -N '' -f %s/u >/dev/null", dir,
				     dir, dir, types[i], dir), 0);
		assert_int_equal(test_run("ssh-keygen -q -s %s/ca -I 'key id %zu' -n alice,bob -z 99 -V 20200101:20991231 "
				     "-O force-command=/bin/true -O source-address=127.0.0.1 -O no-pty %s/u.pub 2>/dev/null",
				     dir, i, dir), 0);
		char path[256];
		snprintf(path, sizeof(path), "%s/u-cert.pub", dir);
		char *text = test_read_text(path, NULL);
		assert_non_null(text);
		struct burrow_key *cert;
		assert_int_equal(burrow_key_parse_public_line(text, strcspn(text, "\n"), &cert, NULL), 0);
		assert_string_equal(burrow_key_type_name(cert), names[i]);
		char id[32];
		snprintf(id, sizeof(id), "key id %zu", i);
		assert_string_equal(burrow_cert_key_id(cert), id);
		assert_int_equal(burrow_cert_serial(cert), 99);
		assert_int_equal(burrow_cert_principal_count(cert), 2);
		assert_string_equal(burrow_cert_signature_alg(cert), "rsa-sha2-512");
		char *command, *sources, *unknown;
		assert_int_equal(burrow_cert_critical_options(cert, &command, &sources, &unknown), 0);
		assert_string_equal(command, "/bin/true");
		assert_string_equal(sources, "127.0.0.1");
		/* -O no-pty leaves permit-pty out of ssh-keygen's default extensions. */
		const char *name, *value;
		bool pty = false;
		for (size_t e = 0; burrow_cert_option(cert, false, e, &name, &value) == 0; e++)
			pty |= strcmp(name, "permit-pty") == 0;
		assert_false(pty);
		assert_int_equal(burrow_cert_check(cert, BURROW_CERT_USER, "bob", NOW, NULL), 0);
		free(command);
		free(sources);
		free(text);
		burrow_key_free(cert);
	}
	test_run("rm -rf %s", dir);
}

/* ---- known_hosts: @cert-authority and @revoked ---- */

static char *line_of(const struct burrow_key *key)
{
	char *line;
	assert_int_equal(burrow_key_format_public_line(key, NULL, &line), 0);
	return line;
}

static enum burrow_known_host known_hosts_result(const char *text, const char *host, const struct burrow_key *key,
						 int *line_no)
{
	enum burrow_known_host result;
	int n;
	assert_int_equal(burrow_known_hosts_check(text, strlen(text), host, key, &result, line_no ? line_no : &n), 0);
	return result;
}

static void test_known_hosts_cert_authority_vouches_for_host_certs(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *cert = sign_simple(f->user, f->ca, BURROW_CERT_HOST, "www.example.org");
	char *ca = line_of(f->ca), *other_ca = line_of(f->p384), text[4096];
	snprintf(text, sizeof(text), "# comment\n@cert-authority *.example.com %s\n@cert-authority *.example.org,!bad.example.org %s\n",
		 other_ca, ca);
	int line_no;
	assert_int_equal(known_hosts_result(text, "www.example.org", cert, &line_no), BURROW_KNOWN_HOST_OK);
	assert_int_equal(line_no, 3);
	assert_int_equal(known_hosts_result(text, "bad.example.org", cert, NULL), BURROW_KNOWN_HOST_NEW);
	assert_int_equal(known_hosts_result(text, "www.example.com", cert, NULL), BURROW_KNOWN_HOST_NEW);
	/* A CA line never vouches for the CA's own key or other plain keys. */
	assert_int_equal(known_hosts_result(text, "www.example.org", f->ca, NULL), BURROW_KNOWN_HOST_NEW);
	assert_int_equal(known_hosts_result(text, "www.example.org", f->user, NULL), BURROW_KNOWN_HOST_NEW);
	free(ca);
	free(other_ca);
	burrow_key_free(cert);
}

static void test_known_hosts_plain_line_does_not_vouch_for_a_cert(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *cert = sign_simple(f->user, f->ca, BURROW_CERT_HOST, "h");
	char *key = line_of(f->user), text[4096];
	snprintf(text, sizeof(text), "h %s\n", key);
	/* NEW: the caller looks the plain key up next, as ssh does. */
	assert_int_equal(known_hosts_result(text, "h", cert, NULL), BURROW_KNOWN_HOST_NEW);
	assert_int_equal(known_hosts_result(text, "h", f->user, NULL), BURROW_KNOWN_HOST_OK);
	free(key);
	burrow_key_free(cert);
}

static void test_known_hosts_revoked_ca_or_key_revokes_the_cert(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *cert = sign_simple(f->user, f->ca, BURROW_CERT_HOST, "h");
	char *ca = line_of(f->ca), *key = line_of(f->user), text[4096];
	int line_no;
	snprintf(text, sizeof(text), "@cert-authority * %s\n@revoked * %s\n", ca, ca);
	assert_int_equal(known_hosts_result(text, "h", cert, &line_no), BURROW_KNOWN_HOST_REVOKED);
	assert_int_equal(line_no, 2);
	snprintf(text, sizeof(text), "@cert-authority * %s\n@revoked * %s\n", ca, key);
	assert_int_equal(known_hosts_result(text, "h", cert, &line_no), BURROW_KNOWN_HOST_REVOKED);
	snprintf(text, sizeof(text), "@cert-authority * %s\n@revoked other %s\n", ca, key);
	assert_int_equal(known_hosts_result(text, "h", cert, &line_no), BURROW_KNOWN_HOST_OK);
	free(ca);
	free(key);
	burrow_key_free(cert);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_signed_reads_back_every_field),
		cmocka_unit_test(test_cert_each_key_type_round_trips_as_a_line),
		cmocka_unit_test(test_cert_never_equals_its_plain_key),
		cmocka_unit_test(test_cert_attached_signs_with_cert_names_and_plain_blob_alg),
		cmocka_unit_test(test_cert_hand_made_reference_parses),
		cmocka_unit_test(test_cert_every_truncation_and_trailing_byte_refused),
		cmocka_unit_test(test_cert_bad_type_refused),
		cmocka_unit_test(test_cert_key_id_with_nul_refused),
		cmocka_unit_test(test_cert_malformed_principals_refused),
		cmocka_unit_test(test_cert_malformed_options_refused),
		cmocka_unit_test(test_cert_wrong_type_name_for_key_refused),
		cmocka_unit_test(test_cert_bad_ca_signature_refused),
		cmocka_unit_test(test_cert_signed_by_a_certificate_refused),
		cmocka_unit_test(test_cert_check_accepts_listed_principal_in_time),
		cmocka_unit_test(test_cert_check_reasons_as_sshd_logs_them),
		cmocka_unit_test(test_cert_check_refuses_sha1_ca_signature),
		cmocka_unit_test(test_cert_critical_options_force_command_and_source_address),
		cmocka_unit_test(test_cert_unknown_critical_option_refuses),
		cmocka_unit_test(test_cert_duplicate_critical_option_refuses),
		cmocka_unit_test(test_cert_source_address_lists),
		cmocka_unit_test(test_cert_made_by_ssh_keygen_reads_with_every_field),
		cmocka_unit_test(test_known_hosts_cert_authority_vouches_for_host_certs),
		cmocka_unit_test(test_known_hosts_plain_line_does_not_vouch_for_a_cert),
		cmocka_unit_test(test_known_hosts_revoked_ca_or_key_revokes_the_cert),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
