/*
 * OpenSSH certificates (PROTOCOL.certkeys), read from their blobs:
 *
 *   string    "ssh-ed25519-cert-v01@openssh.com" (or ecdsa-sha2-nistpN-, ssh-rsa-)
 *   string    nonce
 *   ...       the certified key's public data, as after the type name of its plain blob
 *   uint64    serial
 *   uint32    type                  1 user, 2 host
 *   string    key id
 *   string    valid principals      a sequence of strings
 *   uint64    valid after
 *   uint64    valid before
 *   string    critical options      a sequence of (string name, string data)
 *   string    extensions            the same
 *   string    reserved
 *   string    signature key         a plain public key blob (never a certificate)
 *   string    signature             by the signature key over every byte before it
 *
 * The CA's signature is verified when the blob is read, so a certificate key object always holds
 * a genuine certificate; whether it may be used (type, time, principals) is burrow_cert_check's.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "keys_internal.h"

#define CERT_MAX_PRINCIPALS 256 /* OpenSSH SSHKEY_CERT_MAX_PRINCIPALS */

/* Critical options or extensions. value: the data read as one string (force-command's command,
 * source-address's list); "" for empty data (flags, extensions); NULL for other data. */
struct cert_option {
	char *name;
	char *value;
};
struct cert_options {
	struct cert_option *v;
	size_t n;
};

struct key_cert {
	uint8_t *blob; /* the whole certificate blob; the views below point into it */
	size_t blob_len;
	uint64_t serial;
	uint32_t type;
	char *key_id;
	char **principals;
	size_t principal_count;
	uint64_t valid_after, valid_before;
	struct cert_options critical, extensions;
	struct burrow_key *signature_key;
	char *signature_alg;
};

/* ---- the certificate types ---- */

static const char *const ed25519_cert_algs[] = { "ssh-ed25519-cert-v01@openssh.com", NULL };
static const char *const p256_cert_algs[] = { "ecdsa-sha2-nistp256-cert-v01@openssh.com", NULL };
static const char *const p384_cert_algs[] = { "ecdsa-sha2-nistp384-cert-v01@openssh.com", NULL };
static const char *const p521_cert_algs[] = { "ecdsa-sha2-nistp521-cert-v01@openssh.com", NULL };
/* RFC 8332 for certificates (OpenSSH 7.8): the same preference as the plain key's. */
static const char *const rsa_cert_algs[] = {
	"rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", NULL,
};

struct cert_kind {
	const struct key_ops *ops;
	const char *name;
	const char *short_name;
	const char *const *sig_algs;
};

static const struct cert_kind cert_kinds[] = {
	{ &keys_ed25519_ops, "ssh-ed25519-cert-v01@openssh.com", "ED25519-CERT", ed25519_cert_algs },
	{ &keys_ecdsa_nistp256_ops, "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ECDSA-CERT", p256_cert_algs },
	{ &keys_ecdsa_nistp384_ops, "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ECDSA-CERT", p384_cert_algs },
	{ &keys_ecdsa_nistp521_ops, "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ECDSA-CERT", p521_cert_algs },
	{ &keys_rsa_ops, "ssh-rsa-cert-v01@openssh.com", "RSA-CERT", rsa_cert_algs },
};
#define CERT_KIND_COUNT (sizeof(cert_kinds) / sizeof(cert_kinds[0]))

/* Certificate signature algorithm -> the algorithm inside its signature blobs. */
static const struct {
	const char *cert;
	const char *plain;
} cert_sig_alg_map[] = {
	{ "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519" },
	{ "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256" },
	{ "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384" },
	{ "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521" },
	{ "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-512" },
	{ "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-256" },
	{ "ssh-rsa-cert-v01@openssh.com", "ssh-rsa" },
};

static const struct cert_kind *cert_kind_by_name(struct bstr name)
{
	for (size_t i = 0; i < CERT_KIND_COUNT; i++)
		if (bstr_eq(name, cert_kinds[i].name))
			return &cert_kinds[i];
	return NULL;
}

static const struct cert_kind *cert_kind_of(const struct burrow_key *key)
{
	for (size_t i = 0; i < CERT_KIND_COUNT; i++)
		if (cert_kinds[i].ops == key->ops)
			return &cert_kinds[i];
	return NULL;
}

bool cert_type_name_known(struct bstr name)
{
	return cert_kind_by_name(name) != NULL;
}

const char *cert_type_name(const struct burrow_key *key)
{
	const struct cert_kind *kind = cert_kind_of(key);
	return kind ? kind->name : "unknown";
}

const char *cert_type_short(const struct burrow_key *key)
{
	const struct cert_kind *kind = cert_kind_of(key);
	return kind ? kind->short_name : "UNKNOWN";
}

const char *const *cert_sig_algs(const struct burrow_key *key)
{
	static const char *const none[] = { NULL };
	const struct cert_kind *kind = cert_kind_of(key);
	return kind ? kind->sig_algs : none;
}

const char *cert_sig_alg_plain(const char *cert_alg)
{
	for (size_t i = 0; cert_alg && i < sizeof(cert_sig_alg_map) / sizeof(cert_sig_alg_map[0]); i++)
		if (strcmp(cert_alg, cert_sig_alg_map[i].cert) == 0)
			return cert_sig_alg_map[i].plain;
	return NULL;
}

/* ---- the object ---- */

static void cert_options_free(struct cert_options *opts)
{
	for (size_t i = 0; i < opts->n; i++) {
		free(opts->v[i].name);
		free(opts->v[i].value);
	}
	free(opts->v);
}

void cert_free(struct key_cert *cert)
{
	if (!cert)
		return;
	free(cert->blob);
	free(cert->key_id);
	cert_options_free(&cert->critical);
	cert_options_free(&cert->extensions);
	for (size_t i = 0; i < cert->principal_count; i++)
		free(cert->principals[i]);
	free(cert->principals);
	burrow_key_free(cert->signature_key);
	free(cert->signature_alg);
	free(cert);
}

const uint8_t *cert_blob(const struct key_cert *cert, size_t *len)
{
	*len = cert->blob_len;
	return cert->blob;
}

bool cert_equal(const struct key_cert *a, const struct key_cert *b)
{
	if (!a || !b)
		return a == b;
	return a->blob_len == b->blob_len && memcmp(a->blob, b->blob, a->blob_len) == 0;
}

/* ---- reading ---- */

/* A text field: no NUL inside (OpenSSH reads them as C strings). */
static char *cert_text_dup(struct bstr s)
{
	if (memchr(s.p, 0, s.len))
		return NULL;
	return bstr_dup(s);
}

/* The principals string: a sequence of strings, each a name without NUL. */
static int cert_read_principals(struct key_cert *cert, struct bstr list)
{
	struct rd r;
	rd_init(&r, list.p, list.len);
	while (rd_remaining(&r) > 0) {
		struct bstr name = rd_string(&r);
		if (!rd_ok(&r) || cert->principal_count >= CERT_MAX_PRINCIPALS || memchr(name.p, 0, name.len))
			return BURROW_E_PARSE;
		char **grown = realloc(cert->principals, (cert->principal_count + 1) * sizeof(*grown));
		if (!grown)
			return BURROW_E_NOMEM;
		cert->principals = grown;
		if (!(cert->principals[cert->principal_count] = bstr_dup(name)))
			return BURROW_E_NOMEM;
		cert->principal_count++;
	}
	return rd_done(&r) ? 0 : BURROW_E_PARSE;
}

/* The data of an option as cert_option.value has it; *value NULL for data of another shape. */
static int cert_option_value(struct bstr data, char **value)
{
	*value = NULL;
	if (data.len == 0) {
		*value = strdup("");
		return *value ? 0 : BURROW_E_NOMEM;
	}
	struct rd r;
	rd_init(&r, data.p, data.len);
	struct bstr inner = rd_string(&r);
	if (!rd_done(&r) || memchr(inner.p, 0, inner.len))
		return 0;
	*value = bstr_dup(inner);
	return *value ? 0 : BURROW_E_NOMEM;
}

/* An option list: (string name, string data) pairs; names are non-empty text. */
static int cert_read_options(struct cert_options *opts, struct bstr list)
{
	struct rd r;
	rd_init(&r, list.p, list.len);
	while (rd_remaining(&r) > 0) {
		struct bstr name = rd_string(&r);
		struct bstr data = rd_string(&r);
		if (!rd_ok(&r) || name.len == 0 || memchr(name.p, 0, name.len))
			return BURROW_E_PARSE;
		struct cert_option *grown = realloc(opts->v, (opts->n + 1) * sizeof(*grown));
		if (!grown)
			return BURROW_E_NOMEM;
		opts->v = grown;
		struct cert_option *o = &opts->v[opts->n];
		o->value = NULL;
		if (!(o->name = bstr_dup(name)))
			return BURROW_E_NOMEM;
		opts->n++;
		int err = cert_option_value(data, &o->value);
		if (err)
			return err;
	}
	return rd_done(&r) ? 0 : BURROW_E_PARSE;
}

/* The CA: a plain key (PROTOCOL.certkeys: a certificate may not sign a certificate) whose
 * signature over the signed part must verify. */
static int cert_read_signature(struct key_cert *cert, struct bstr ca_blob, struct bstr sig, size_t signed_len)
{
	struct rd r;
	rd_init(&r, ca_blob.p, ca_blob.len);
	struct bstr ca_type = rd_string(&r);
	if (!rd_ok(&r) || cert_type_name_known(ca_type))
		return BURROW_E_PARSE;
	int err = burrow_key_from_blob(ca_blob.p, ca_blob.len, &cert->signature_key);
	if (err)
		return err == BURROW_E_NOMEM || err == BURROW_E_UNSUPPORTED ? err : BURROW_E_PARSE;
	rd_init(&r, sig.p, sig.len);
	struct bstr alg = rd_string(&r);
	if (!rd_ok(&r) || !(cert->signature_alg = cert_text_dup(alg)))
		return rd_ok(&r) ? BURROW_E_NOMEM : BURROW_E_SIGNATURE;
	err = burrow_key_verify(cert->signature_key, sig.p, sig.len, cert->blob, signed_len);
	return err ? BURROW_E_SIGNATURE : 0;
}

/* Every field after the certified key's data. */
static int cert_read_fields(struct burrow_key *key, struct rd *r)
{
	struct key_cert *cert = key->cert;
	cert->serial = rd_u64(r);
	cert->type = rd_u32(r);
	struct bstr key_id = rd_string(r);
	struct bstr principals = rd_string(r);
	cert->valid_after = rd_u64(r);
	cert->valid_before = rd_u64(r);
	struct bstr critical = rd_string(r);
	struct bstr extensions = rd_string(r);
	rd_string(r); /* reserved: ignored, as OpenSSH */
	struct bstr ca_blob = rd_string(r);
	size_t signed_len = r->pos;
	struct bstr sig = rd_string(r);
	if (!rd_done(r))
		return BURROW_E_PARSE;
	if (cert->type != BURROW_CERT_USER && cert->type != BURROW_CERT_HOST)
		return BURROW_E_PARSE;
	if (!(cert->key_id = cert_text_dup(key_id)))
		return memchr(key_id.p, 0, key_id.len) ? BURROW_E_PARSE : BURROW_E_NOMEM;
	int err = cert_read_options(&cert->critical, critical);
	if (err == 0)
		err = cert_read_options(&cert->extensions, extensions);
	if (err == 0)
		err = cert_read_principals(cert, principals);
	if (err)
		return err;
	return cert_read_signature(cert, ca_blob, sig, signed_len);
}

int cert_key_from_blob(const uint8_t *blob, size_t len, struct bstr name, struct burrow_key **out)
{
	const struct cert_kind *kind = cert_kind_by_name(name);
	if (!kind)
		return BURROW_E_UNSUPPORTED;
	struct burrow_key *key = calloc(1, sizeof(*key));
	struct key_cert *cert = calloc(1, sizeof(*cert));
	uint8_t *copy = malloc(len ? len : 1);
	if (!key || !cert || !copy) {
		free(key);
		free(cert);
		free(copy);
		return BURROW_E_NOMEM;
	}
	memcpy(copy, blob, len);
	key->ops = kind->ops;
	key->cert = cert;
	cert->blob = copy;
	cert->blob_len = len;

	struct rd r;
	rd_init(&r, copy, len);
	rd_string(&r); /* the type name */
	rd_string(&r); /* nonce: any length, as OpenSSH */
	int err = rd_ok(&r) ? key->ops->public_read(key, &r) : BURROW_E_PARSE;
	if (err == 0)
		err = cert_read_fields(key, &r);
	if (err) {
		burrow_key_free(key);
		return err;
	}
	*out = key;
	return 0;
}

/* ---- the public getters ---- */

bool burrow_key_is_cert(const struct burrow_key *key)
{
	return key && key->cert;
}

enum burrow_cert_type burrow_cert_type(const struct burrow_key *cert)
{
	return burrow_key_is_cert(cert) ? (enum burrow_cert_type)cert->cert->type : 0;
}

uint64_t burrow_cert_serial(const struct burrow_key *cert)
{
	return burrow_key_is_cert(cert) ? cert->cert->serial : 0;
}

const char *burrow_cert_key_id(const struct burrow_key *cert)
{
	return burrow_key_is_cert(cert) ? cert->cert->key_id : NULL;
}

size_t burrow_cert_principal_count(const struct burrow_key *cert)
{
	return burrow_key_is_cert(cert) ? cert->cert->principal_count : 0;
}

const char *burrow_cert_principal(const struct burrow_key *cert, size_t i)
{
	return i < burrow_cert_principal_count(cert) ? cert->cert->principals[i] : NULL;
}

uint64_t burrow_cert_valid_after(const struct burrow_key *cert)
{
	return burrow_key_is_cert(cert) ? cert->cert->valid_after : 0;
}

uint64_t burrow_cert_valid_before(const struct burrow_key *cert)
{
	return burrow_key_is_cert(cert) ? cert->cert->valid_before : 0;
}

const struct burrow_key *burrow_cert_signature_key(const struct burrow_key *cert)
{
	return burrow_key_is_cert(cert) ? cert->cert->signature_key : NULL;
}

const char *burrow_cert_signature_alg(const struct burrow_key *cert)
{
	return burrow_key_is_cert(cert) ? cert->cert->signature_alg : NULL;
}

int burrow_cert_key_dup_plain(const struct burrow_key *cert, struct burrow_key **out)
{
	if (!burrow_key_is_cert(cert) || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	uint8_t *blob;
	size_t len;
	int err = keys_plain_blob(cert, &blob, &len);
	if (err)
		return err;
	err = burrow_key_from_blob(blob, len, out);
	free(blob);
	return err;
}

size_t burrow_cert_option_count(const struct burrow_key *cert, bool critical)
{
	if (!burrow_key_is_cert(cert))
		return 0;
	return critical ? cert->cert->critical.n : cert->cert->extensions.n;
}

int burrow_cert_option(const struct burrow_key *cert, bool critical, size_t i, const char **name,
		       const char **value)
{
	if (!name || !value)
		return BURROW_E_INVALID;
	*name = *value = NULL;
	if (i >= burrow_cert_option_count(cert, critical))
		return BURROW_E_NOTFOUND;
	const struct cert_option *o = critical ? &cert->cert->critical.v[i] : &cert->cert->extensions.v[i];
	*name = o->name;
	*value = o->value;
	return 0;
}
