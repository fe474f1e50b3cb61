/*
 * Making certificates (ssh-keygen -s) and attaching one to its private key (ssh's
 * CertificateFile). The blob layout is cert.c's; options are written sorted by name, as
 * PROTOCOL.certkeys requires ("lexically ordered by name").
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "keys_internal.h"

#define CERT_NONCE_LEN 32 /* as ssh-keygen */

static int cert_option_cmp(const void *a, const void *b)
{
	const struct burrow_cert_option_spec *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* string (string name || string data)*, data being string(value) or empty for a flag. */
static int cert_put_options(struct buf *b, const struct burrow_cert_option_spec *opts, size_t n)
{
	struct burrow_cert_option_spec *sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (!sorted)
		return BURROW_E_NOMEM;
	if (n)
		memcpy(sorted, opts, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cert_option_cmp);
	struct buf list, data;
	buf_init(&list);
	buf_init(&data);
	int err = 0;
	for (size_t i = 0; i < n && err == 0; i++) {
		if (!sorted[i].name || !*sorted[i].name || (i > 0 && strcmp(sorted[i].name, sorted[i - 1].name) == 0))
			err = BURROW_E_INVALID; /* unnamed or twice */
		buf_reset(&data);
		if (sorted[i].value)
			buf_put_cstring(&data, sorted[i].value);
		buf_put_cstring(&list, sorted[i].name);
		buf_put_string(&list, buf_ptr(&data), buf_len(&data));
	}
	buf_put_string(b, buf_ptr(&list), buf_len(&list));
	buf_free(&list);
	buf_free(&data);
	free(sorted);
	return err;
}

static void cert_put_principals(struct buf *b, const char *const *principals, size_t n)
{
	struct buf list;
	buf_init(&list);
	for (size_t i = 0; i < n; i++)
		buf_put_cstring(&list, principals[i]);
	buf_put_string(b, buf_ptr(&list), buf_len(&list));
	buf_free(&list);
}

/* Everything the CA signs: the blob up to and including the signature key. */
static int cert_put_body(struct buf *b, const struct burrow_key *key, const struct burrow_key *ca,
			 const struct burrow_cert_spec *spec)
{
	uint8_t nonce[CERT_NONCE_LEN];
	int err = crypto_random(nonce, sizeof(nonce));
	if (err)
		return err;
	buf_put_cstring(b, cert_type_name(key));
	buf_put_string(b, nonce, sizeof(nonce));
	err = key->ops->public_write(key, b);
	if (err)
		return err;
	buf_put_u64(b, spec->serial);
	buf_put_u32(b, (uint32_t)spec->type);
	buf_put_cstring(b, spec->key_id ? spec->key_id : "");
	cert_put_principals(b, spec->principals, spec->principal_count);
	buf_put_u64(b, spec->valid_after);
	buf_put_u64(b, spec->valid_before);
	err = cert_put_options(b, spec->critical, spec->critical_count);
	if (err == 0)
		err = cert_put_options(b, spec->extensions, spec->extension_count);
	if (err)
		return err;
	buf_put_string(b, NULL, 0); /* reserved */
	uint8_t *ca_blob;
	size_t ca_len;
	err = keys_plain_blob(ca, &ca_blob, &ca_len);
	if (err)
		return err;
	buf_put_string(b, ca_blob, ca_len);
	free(ca_blob);
	return buf_ok(b) ? 0 : BURROW_E_NOMEM;
}

int burrow_cert_sign(const struct burrow_key *key, const struct burrow_key *ca, const struct burrow_cert_spec *spec,
		     struct burrow_key **out)
{
	if (!key || !ca || !spec || !out || (spec->principal_count && !spec->principals) ||
	    (spec->critical_count && !spec->critical) || (spec->extension_count && !spec->extensions))
		return BURROW_E_INVALID;
	*out = NULL;
	if (ca->cert || !burrow_key_has_private(ca) ||
	    (spec->type != BURROW_CERT_USER && spec->type != BURROW_CERT_HOST))
		return BURROW_E_INVALID;
	for (size_t i = 0; i < spec->principal_count; i++)
		if (!spec->principals[i])
			return BURROW_E_INVALID;
	struct buf b;
	buf_init(&b);
	int err = cert_put_body(&b, key, ca, spec);
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	if (err == 0)
		err = burrow_key_sign(ca, spec->sig_alg, buf_ptr(&b), buf_len(&b), &sig, &sig_len);
	if (err == 0) {
		buf_put_string(&b, sig, sig_len);
		err = buf_ok(&b) ? burrow_key_from_blob(buf_ptr(&b), buf_len(&b), out) : BURROW_E_NOMEM;
	}
	free(sig);
	buf_free(&b);
	return err;
}

/* A copy of a private key through its openssh-key-v1 encoding, which every type has. */
static int cert_private_dup(const struct burrow_key *key, struct burrow_key **out)
{
	struct buf b;
	buf_init(&b);
	int err = keys_private_write(key, &b);
	if (err == 0)
		err = keys_private_read_all(&b, out);
	buf_free(&b);
	return err;
}

int burrow_key_cert_attach(const struct burrow_key *private_key, const struct burrow_key *cert,
			   struct burrow_key **out)
{
	if (!private_key || !cert || !out || !cert->cert || private_key->cert || !private_key->has_private)
		return BURROW_E_INVALID;
	*out = NULL;
	if (private_key->ops != cert->ops || !cert->ops->equal_public(private_key, cert))
		return BURROW_E_NOMATCH;
	struct burrow_key *copy, *parsed;
	size_t len;
	const uint8_t *blob = cert_blob(cert->cert, &len);
	int err = cert_private_dup(private_key, &copy);
	if (err)
		return err;
	err = burrow_key_from_blob(blob, len, &parsed);
	if (err) {
		burrow_key_free(copy);
		return err;
	}
	copy->cert = parsed->cert; /* the certificate moves to the private copy */
	parsed->cert = NULL;
	burrow_key_free(parsed);
	*out = copy;
	return 0;
}
