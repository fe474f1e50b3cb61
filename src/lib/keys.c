/*
 * Key objects, public key blobs (RFC 4253 6.6) and signature blobs, over a per-type table:
 * ssh-ed25519 (RFC 8709), ecdsa-sha2-nistp256/384/521 (RFC 5656) and ssh-rsa signing as
 * rsa-sha2-512, rsa-sha2-256 (RFC 8332) or ssh-rsa (SHA-1).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto.h"
#include "keys_internal.h"

/* ---- the table ---- */

/* Entries of one type in the order burrow_key_generate tries them: its default size first. */
static const struct key_ops *const key_types[] = {
	&keys_ed25519_ops,
	&keys_ecdsa_nistp256_ops,
	&keys_ecdsa_nistp384_ops,
	&keys_ecdsa_nistp521_ops,
	&keys_rsa_ops,
};
#define KEY_TYPE_COUNT (sizeof(key_types) / sizeof(key_types[0]))

/* Key type names OpenSSH knows (sshkey.c keyimpls), so that authorized_keys and known_hosts
 * lines with keys we do not implement are still read as keys, never as options or hosts. */
static const char *const known_type_names[] = {
	"ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com",
	"sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com",
	"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
	"ecdsa-sha2-nistp521-cert-v01@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
	"ssh-rsa", "ssh-rsa-cert-v01@openssh.com", "ssh-dss", "ssh-dss-cert-v01@openssh.com",
	"ssh-xmss@openssh.com", "ssh-xmss-cert-v01@openssh.com",
};

/* ssh-keygen -t names of types we do not implement. */
static const char *const known_keygen_names[] = {
	"dsa", "ecdsa-sk", "ed25519-sk", "xmss",
};

const struct key_ops *keys_ops_by_name(struct bstr name)
{
	for (size_t i = 0; i < KEY_TYPE_COUNT; i++)
		if (bstr_eq(name, key_types[i]->name))
			return key_types[i];
	return NULL;
}

const struct key_ops *keys_ops_by_type(enum burrow_key_type type)
{
	for (size_t i = 0; i < KEY_TYPE_COUNT; i++)
		if (key_types[i]->type == type)
			return key_types[i];
	return NULL;
}

bool keys_type_name_known(struct bstr name)
{
	for (size_t i = 0; i < sizeof(known_type_names) / sizeof(known_type_names[0]); i++)
		if (bstr_eq(name, known_type_names[i]))
			return true;
	return false;
}

int keys_check_type_name(struct bstr name)
{
	if (keys_ops_by_name(name))
		return 0;
	if (name.len == 0 || name.len > SSH_NAME_MAX)
		return BURROW_E_PARSE;
	for (size_t i = 0; i < name.len; i++)
		if (name.p[i] <= ' ' || name.p[i] >= 0x7f || name.p[i] == ',')
			return BURROW_E_PARSE;
	return BURROW_E_UNSUPPORTED;
}

static bool ops_has_sig_alg(const struct key_ops *ops, struct bstr alg)
{
	for (const char *const *a = ops->sig_algs; *a; a++)
		if (bstr_eq(alg, *a))
			return true;
	return false;
}

int burrow_key_type_parse(const char *name, enum burrow_key_type *out)
{
	if (!name || !out)
		return BURROW_E_INVALID;
	*out = BURROW_KEY_UNKNOWN;
	for (size_t i = 0; i < KEY_TYPE_COUNT; i++) {
		if (strcasecmp(name, key_types[i]->keygen_name) == 0 || strcmp(name, key_types[i]->name) == 0 ||
		    ops_has_sig_alg(key_types[i], bstr_cstr(name))) {
			*out = key_types[i]->type;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(known_keygen_names) / sizeof(known_keygen_names[0]); i++)
		if (strcasecmp(name, known_keygen_names[i]) == 0)
			return BURROW_E_UNSUPPORTED;
	return keys_type_name_known(bstr_cstr(name)) ? BURROW_E_UNSUPPORTED : BURROW_E_NOTFOUND;
}

int burrow_key_type_name_bits(const char *name)
{
	const struct key_ops *ops = name ? keys_ops_by_name(bstr_cstr(name)) : NULL;
	return ops && ops->type == BURROW_KEY_ECDSA ? ops->fixed_bits : 0;
}

/* ---- key objects ---- */

static struct burrow_key *key_new(const struct key_ops *ops)
{
	struct burrow_key *key = calloc(1, sizeof(*key));
	if (key)
		key->ops = ops;
	return key;
}

void burrow_key_free(struct burrow_key *key)
{
	if (!key)
		return;
	if (key->ops && key->ops->free_data)
		key->ops->free_data(key);
	cert_free(key->cert);
	crypto_wipe(key, sizeof(*key));
	free(key);
}

int burrow_key_generate(enum burrow_key_type type, int bits, struct burrow_key **out)
{
	if (!out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (!keys_ops_by_type(type))
		return BURROW_E_UNSUPPORTED;
	/* The entry of this type that has this size; bits 0 takes the first (the default). */
	const struct key_ops *ops = NULL;
	for (size_t i = 0; i < KEY_TYPE_COUNT && !ops; i++)
		if (key_types[i]->type == type &&
		    (bits == 0 || key_types[i]->fixed_bits == 0 || key_types[i]->fixed_bits == bits))
			ops = key_types[i];
	if (!ops)
		return BURROW_E_INVALID;
	struct burrow_key *key = key_new(ops);
	if (!key)
		return BURROW_E_NOMEM;
	int err = ops->generate(key, bits);
	if (err) {
		burrow_key_free(key);
		return err;
	}
	key->has_private = true;
	*out = key;
	return 0;
}

int burrow_key_dup_public(const struct burrow_key *key, struct burrow_key **out)
{
	if (!key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	/* Through the blob, so that no private field can be copied by mistake. */
	uint8_t *blob;
	size_t len;
	int err = burrow_key_to_blob(key, &blob, &len);
	if (err)
		return err;
	err = burrow_key_from_blob(blob, len, out);
	free(blob);
	return err;
}

enum burrow_key_type burrow_key_type(const struct burrow_key *key)
{
	return key ? key->ops->type : BURROW_KEY_UNKNOWN;
}

const char *burrow_key_type_name(const struct burrow_key *key)
{
	if (key && key->cert)
		return cert_type_name(key);
	return key ? key->ops->name : "unknown";
}

const char *burrow_key_type_short(const struct burrow_key *key)
{
	if (key && key->cert)
		return cert_type_short(key);
	return key ? key->ops->short_name : "UNKNOWN";
}

int burrow_key_bits(const struct burrow_key *key)
{
	return key ? key->ops->bits(key) : 0;
}

bool burrow_key_has_private(const struct burrow_key *key)
{
	return key && key->has_private;
}

bool burrow_key_equal_public(const struct burrow_key *a, const struct burrow_key *b)
{
	/* A certificate equals only the same certificate, never its plain key (as OpenSSH). */
	return a && b && a->ops == b->ops && a->ops->equal_public(a, b) && cert_equal(a->cert, b->cert);
}

struct bstr keys_mpint_magnitude(struct bstr mpint)
{
	if (mpint.len > 0 && mpint.p[0] == 0)
		return bstr_from(mpint.p + 1, mpint.len - 1);
	return mpint;
}

int keys_buf_detach(struct buf *b, uint8_t **out, size_t *len)
{
	if (!buf_ok(b)) {
		buf_free(b);
		return BURROW_E_NOMEM;
	}
	size_t n = buf_len(b);
	uint8_t *p = malloc(n ? n : 1);
	if (!p) {
		buf_free(b);
		return BURROW_E_NOMEM;
	}
	if (n)
		memcpy(p, buf_ptr(b), n);
	buf_free(b); /* wipes: the bytes may be private key material */
	*out = p;
	*len = n;
	return 0;
}

/* ---- public key blobs (RFC 4253 6.6) ---- */

int burrow_key_from_blob(const uint8_t *blob, size_t len, struct burrow_key **out)
{
	if (!out || (!blob && len))
		return BURROW_E_INVALID;
	*out = NULL;
	struct rd r;
	rd_init(&r, blob, len);
	struct bstr name = rd_string(&r);
	if (!rd_ok(&r))
		return BURROW_E_PARSE;
	if (cert_type_name_known(name))
		return cert_key_from_blob(blob, len, name, out);
	int err = keys_check_type_name(name);
	if (err)
		return err;
	struct burrow_key *key = key_new(keys_ops_by_name(name));
	if (!key)
		return BURROW_E_NOMEM;
	err = key->ops->public_read(key, &r);
	if (err == 0 && !rd_done(&r))
		err = BURROW_E_PARSE;
	if (err) {
		burrow_key_free(key);
		return err;
	}
	*out = key;
	return 0;
}

int burrow_key_to_blob(const struct burrow_key *key, uint8_t **blob, size_t *len)
{
	if (!key || !blob || !len)
		return BURROW_E_INVALID;
	*blob = NULL;
	*len = 0;
	if (key->cert) {
		size_t n;
		const uint8_t *p = cert_blob(key->cert, &n);
		struct buf b;
		buf_init(&b);
		buf_put(&b, p, n);
		return keys_buf_detach(&b, blob, len);
	}
	return keys_plain_blob(key, blob, len);
}

int keys_plain_blob(const struct burrow_key *key, uint8_t **blob, size_t *len)
{
	*blob = NULL;
	*len = 0;
	struct buf b;
	buf_init(&b);
	buf_put_cstring(&b, key->ops->name);
	int err = key->ops->public_write(key, &b);
	if (err) {
		buf_free(&b);
		return err;
	}
	return keys_buf_detach(&b, blob, len);
}

/* ---- private key data inside openssh-key-v1 ---- */

int keys_private_read(struct rd *r, struct burrow_key **out)
{
	*out = NULL;
	struct bstr name = rd_string(r);
	if (!rd_ok(r))
		return BURROW_E_PARSE;
	int err = keys_check_type_name(name);
	if (err)
		return err;
	struct burrow_key *key = key_new(keys_ops_by_name(name));
	if (!key)
		return BURROW_E_NOMEM;
	err = key->ops->private_read(key, r);
	if (err) {
		burrow_key_free(key);
		return err;
	}
	key->has_private = true;
	*out = key;
	return 0;
}

int keys_private_read_all(const struct buf *b, struct burrow_key **out)
{
	struct rd r;
	rd_init(&r, buf_ptr(b), buf_len(b));
	int err = keys_private_read(&r, out);
	if (err == 0 && !rd_done(&r)) {
		burrow_key_free(*out);
		*out = NULL;
		err = BURROW_E_PARSE;
	}
	return err;
}

int keys_private_write(const struct burrow_key *key, struct buf *b)
{
	if (!key->has_private)
		return BURROW_E_INVALID;
	buf_put_cstring(b, key->ops->name);
	int err = key->ops->private_write(key, b);
	if (err)
		return err;
	return buf_ok(b) ? 0 : BURROW_E_NOMEM;
}

/* ---- signature blobs (RFC 4253 6.6): string algorithm || string signature ---- */

/* The names a key is used under: a certificate's are the -cert-v01@openssh.com ones. */
static bool key_allows_sig_alg(const struct burrow_key *key, struct bstr alg)
{
	for (const char *const *a = burrow_key_sig_algs(key); *a; a++)
		if (bstr_eq(alg, *a))
			return true;
	return false;
}

const char *const *burrow_key_sig_algs(const struct burrow_key *key)
{
	static const char *const none[] = { NULL };
	if (key && key->cert)
		return cert_sig_algs(key);
	return key ? key->ops->sig_algs : none;
}

/* The algorithm named inside the signature blob: a certificate signs as its plain key
 * (PROTOCOL.certkeys: "rsa-sha2-512" for "rsa-sha2-512-cert-v01@openssh.com"). */
static const char *key_blob_sig_alg(const struct burrow_key *key, const char *sig_alg)
{
	return key->cert ? cert_sig_alg_plain(sig_alg) : sig_alg;
}

bool burrow_key_fits_sig_alg(const struct burrow_key *key, const char *sig_alg)
{
	return key && sig_alg && key_allows_sig_alg(key, bstr_cstr(sig_alg));
}

int burrow_key_sign(const struct burrow_key *key, const char *sig_alg, const uint8_t *data,
		    size_t len, uint8_t **sig, size_t *sig_len)
{
	if (!key || !sig || !sig_len || (!data && len))
		return BURROW_E_INVALID;
	*sig = NULL;
	*sig_len = 0;
	if (!key->has_private)
		return BURROW_E_INVALID;
	if (!sig_alg)
		sig_alg = burrow_key_sig_algs(key)[0];
	if (!key_allows_sig_alg(key, bstr_cstr(sig_alg)))
		return BURROW_E_UNSUPPORTED;
	sig_alg = key_blob_sig_alg(key, sig_alg);

	struct buf raw, b;
	buf_init(&raw);
	buf_init(&b);
	int err = key->ops->sign(key, sig_alg, data, len, &raw);
	if (err == 0 && !buf_ok(&raw))
		err = BURROW_E_NOMEM;
	if (err) {
		buf_free(&raw);
		return err;
	}
	buf_put_cstring(&b, sig_alg);
	buf_put_string(&b, buf_ptr(&raw), buf_len(&raw));
	buf_free(&raw);
	return keys_buf_detach(&b, sig, sig_len);
}

int burrow_key_verify(const struct burrow_key *key, const uint8_t *sig, size_t sig_len,
		      const uint8_t *data, size_t len)
{
	return burrow_key_verify_alg(key, NULL, sig, sig_len, data, len);
}

int burrow_key_verify_alg(const struct burrow_key *key, const char *sig_alg, const uint8_t *sig,
			  size_t sig_len, const uint8_t *data, size_t len)
{
	if (!key || (!sig && sig_len) || (!data && len))
		return BURROW_E_INVALID;
	struct rd r;
	rd_init(&r, sig, sig_len);
	struct bstr alg = rd_string(&r);
	struct bstr raw = rd_string(&r);
	if (!rd_done(&r))
		return BURROW_E_SIGNATURE;
	if (sig_alg && !key_allows_sig_alg(key, bstr_cstr(sig_alg)))
		return BURROW_E_SIGNATURE;
	const char *want = sig_alg ? key_blob_sig_alg(key, sig_alg) : NULL;
	if (!ops_has_sig_alg(key->ops, alg) || (want && !bstr_eq(alg, want)))
		return BURROW_E_SIGNATURE;
	int err = key->ops->verify(key, alg, raw, data, len);
	return err == 0 ? 0 : BURROW_E_SIGNATURE;
}
