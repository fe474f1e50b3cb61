/*
 * Keys in libcrypto's PEM formats, as ssh-keygen reads and writes them with -m PEM / PKCS8:
 *   private: "BEGIN RSA PRIVATE KEY", "BEGIN EC PRIVATE KEY" (PKCS#1 / SEC1, optionally with
 *            Proc-Type encryption), "BEGIN PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY" (PKCS#8)
 *   public:  "BEGIN PUBLIC KEY" (SubjectPublicKeyInfo), "BEGIN RSA PUBLIC KEY" (PKCS#1)
 *
 * The bridge to our key objects goes through the SSH encodings: a libcrypto key's numbers are
 * written as an openssh-key-v1 private section (or a public blob) and read back by the key
 * type's own parser, so PEM keys get exactly the checks of every other key.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "crypto/crypto.h"
#include "keys_internal.h"

#define PEM_MAX_NUMBER 2048 /* bytes: above RSA_MAX_BYTES, room for any number we accept */

static const char *const pem_private_labels[] = {
	"-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----",
	"-----BEGIN ENCRYPTED PRIVATE KEY-----", "-----BEGIN DSA PRIVATE KEY-----",
};

static struct bstr pem_first_line(const char *text, size_t len)
{
	size_t pos = 0;
	struct bstr line = { NULL, 0 };
	while (keys_next_line(bstr_from(text, len), &pos, &line))
		if (keys_skip_blanks(line).len)
			return line;
	return bstr_from(NULL, 0);
}

bool keyfile_pem_recognised(const char *text, size_t len)
{
	struct bstr line = pem_first_line(text, len);
	for (size_t i = 0; i < sizeof(pem_private_labels) / sizeof(pem_private_labels[0]); i++)
		if (bstr_eq(line, pem_private_labels[i]))
			return true;
	return false;
}

/* Never let libcrypto prompt on the terminal: the passphrase is given or there is none. */
static int pem_passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	const char *pass = u;
	if (!pass || !*pass)
		return -1;
	size_t n = strlen(pass);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

static bool pem_is_encrypted(const char *text, size_t len)
{
	struct bstr t = bstr_from(text, len);
	static const char marks[][24] = { "ENCRYPTED PRIVATE KEY", "Proc-Type: 4,ENCRYPTED" };
	for (size_t m = 0; m < 2; m++) {
		size_t ml = strlen(marks[m]);
		for (size_t i = 0; i + ml <= t.len; i++)
			if (memcmp(t.p + i, marks[m], ml) == 0)
				return true;
	}
	return false;
}

/* ---- libcrypto key -> SSH encodings ---- */

/* A BIGNUM parameter as an SSH mpint. */
static int pem_put_bn(const EVP_PKEY *pkey, const char *name, struct buf *b)
{
	BIGNUM *bn = NULL;
	uint8_t be[PEM_MAX_NUMBER];
	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		return BURROW_E_PARSE;
	int n = BN_num_bytes(bn);
	int err = 0;
	if (n < 0 || (size_t)n > sizeof(be) || BN_bn2bin(bn, be) != n)
		err = BURROW_E_UNSUPPORTED;
	else
		buf_put_mpint(b, be, (size_t)n);
	BN_clear_free(bn);
	crypto_wipe(be, sizeof(be));
	return err;
}

static const struct {
	const char *group, *ssh_type, *curve;
} pem_curves[] = {
	{ "prime256v1", "ecdsa-sha2-nistp256", "nistp256" },
	{ "secp384r1", "ecdsa-sha2-nistp384", "nistp384" },
	{ "secp521r1", "ecdsa-sha2-nistp521", "nistp521" },
};

static int pem_ec_curve(const EVP_PKEY *pkey, size_t *which)
{
	char group[64];
	size_t glen = 0;
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) != 1)
		return BURROW_E_UNSUPPORTED;
	for (size_t i = 0; i < sizeof(pem_curves) / sizeof(pem_curves[0]); i++) {
		if (strcmp(group, pem_curves[i].group) == 0) {
			*which = i;
			return 0;
		}
	}
	return BURROW_E_UNSUPPORTED;
}

static int pem_put_ec_point(EVP_PKEY *pkey, struct buf *b)
{
	uint8_t q[ECDSA_MAX_POINT_LEN];
	size_t qlen = 0;
	/* SSH wants the uncompressed point, whatever form the file used. */
	EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed");
	if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, q, sizeof(q), &qlen) != 1)
		return BURROW_E_PARSE;
	buf_put_string(b, q, qlen);
	return 0;
}

/* Writes string type || the key's data in openssh-key-v1's private order (with_private) or the
 * public blob's order. */
static int pem_encode_ssh(EVP_PKEY *pkey, bool with_private, struct buf *b)
{
	int err = 0;
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		buf_put_cstring(b, "ssh-rsa");
		if (with_private) {
			static const char *const order[] = {
				OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
				OSSL_PKEY_PARAM_RSA_COEFFICIENT1, OSSL_PKEY_PARAM_RSA_FACTOR1,
				OSSL_PKEY_PARAM_RSA_FACTOR2,
			};
			for (size_t i = 0; i < 6 && err == 0; i++)
				err = pem_put_bn(pkey, order[i], b);
		} else {
			if ((err = pem_put_bn(pkey, OSSL_PKEY_PARAM_RSA_E, b)) == 0)
				err = pem_put_bn(pkey, OSSL_PKEY_PARAM_RSA_N, b);
		}
	} else if (EVP_PKEY_is_a(pkey, "EC")) {
		size_t c = 0;
		if ((err = pem_ec_curve(pkey, &c)) != 0)
			return err;
		buf_put_cstring(b, pem_curves[c].ssh_type);
		buf_put_cstring(b, pem_curves[c].curve);
		err = pem_put_ec_point(pkey, b);
		if (err == 0 && with_private)
			err = pem_put_bn(pkey, OSSL_PKEY_PARAM_PRIV_KEY, b);
	} else if (EVP_PKEY_is_a(pkey, "ED25519")) {
		uint8_t pub[ED25519_PUBLIC_LEN], seed[ED25519_SEED_LEN];
		size_t pl = sizeof(pub), sl = sizeof(seed);
		if (EVP_PKEY_get_raw_public_key(pkey, pub, &pl) != 1 || pl != sizeof(pub))
			return BURROW_E_PARSE;
		buf_put_cstring(b, "ssh-ed25519");
		buf_put_string(b, pub, sizeof(pub));
		if (with_private) {
			if (EVP_PKEY_get_raw_private_key(pkey, seed, &sl) != 1 || sl != sizeof(seed))
				err = BURROW_E_PARSE;
			buf_put_u32(b, ED25519_SEED_LEN + ED25519_PUBLIC_LEN);
			buf_put(b, seed, sizeof(seed));
			buf_put(b, pub, sizeof(pub));
			crypto_wipe(seed, sizeof(seed));
		}
	} else {
		return BURROW_E_UNSUPPORTED; /* DSA, X25519, ... */
	}
	if (err == 0 && !buf_ok(b))
		err = BURROW_E_NOMEM;
	return err;
}

static int pem_key_from_pkey(EVP_PKEY *pkey, bool with_private, struct burrow_key **out)
{
	struct buf b;
	buf_init(&b);
	int err = pem_encode_ssh(pkey, with_private, &b);
	if (err == 0 && with_private)
		err = keys_private_read_all(&b, out);
	else if (err == 0)
		err = burrow_key_from_blob(buf_ptr(&b), buf_len(&b), out);
	buf_free(&b);
	return err;
}

static int pem_read_private_pkey(const char *text, size_t len, const char *passphrase, EVP_PKEY **out)
{
	if (len > 0x7fffffff)
		return BURROW_E_TOOBIG;
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	if (!bio)
		return BURROW_E_NOMEM;
	*out = PEM_read_bio_PrivateKey(bio, NULL, pem_passphrase_cb, (void *)passphrase);
	BIO_free(bio);
	ERR_clear_error();
	if (*out)
		return 0;
	return pem_is_encrypted(text, len) ? BURROW_E_PASSPHRASE : BURROW_E_PARSE;
}

int keyfile_pem_parse_private(const char *text, size_t len, const char *passphrase, struct burrow_key **out,
			      char **comment_out)
{
	if (comment_out)
		*comment_out = NULL;
	EVP_PKEY *pkey = NULL;
	int err = pem_read_private_pkey(text, len, passphrase, &pkey);
	if (err == 0)
		err = pem_key_from_pkey(pkey, true, out);
	EVP_PKEY_free(pkey);
	return err;
}

int keyfile_pem_parse_public(const char *text, size_t len, struct burrow_key **out)
{
	if (pem_is_encrypted(text, len))
		return BURROW_E_PASSPHRASE; /* PEM keeps no public half outside the encryption */
	EVP_PKEY *pkey = NULL;
	int err = pem_read_private_pkey(text, len, NULL, &pkey);
	if (err == 0)
		err = pem_key_from_pkey(pkey, false, out);
	EVP_PKEY_free(pkey);
	return err;
}

int burrow_key_parse_pem_private(const char *text, size_t len, const char *passphrase, struct burrow_key **out)
{
	if (!text || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (!keyfile_pem_recognised(text, len))
		return BURROW_E_PARSE;
	return keyfile_pem_parse_private(text, len, passphrase, out, NULL);
}

/* ---- our key -> libcrypto key ---- */

static int pem_param_bn(OSSL_PARAM_BLD *bld, const char *name, struct bstr mpint, BIGNUM **keep)
{
	struct bstr mag = keys_mpint_magnitude(mpint);
	BIGNUM *bn = BN_secure_new();
	if (!bn || !BN_bin2bn(mag.p, (int)mag.len, bn) || OSSL_PARAM_BLD_push_BN(bld, name, bn) != 1) {
		BN_clear_free(bn);
		return BURROW_E_CRYPTO;
	}
	*keep = bn;
	return 0;
}

/* RSA from openssh-key-v1's n, e, d, iqmp, p, q; libcrypto also wants d mod (p-1) and (q-1). */
static int pem_rsa_params(struct rd *r, OSSL_PARAM_BLD *bld, BIGNUM *keep[8])
{
	static const char *const names[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1, OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	};
	struct bstr v[6];
	for (int i = 0; i < 6; i++)
		v[i] = rd_mpint(r);
	if (!rd_ok(r))
		return BURROW_E_PARSE;
	for (int i = 0; i < 6; i++)
		if (pem_param_bn(bld, names[i], v[i], &keep[i]) != 0)
			return BURROW_E_CRYPTO;
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *t = BN_new();
	keep[6] = BN_secure_new();
	keep[7] = BN_secure_new();
	int ok = ctx && t && keep[6] && keep[7] && BN_sub(t, keep[4], BN_value_one()) &&
		 BN_mod(keep[6], keep[2], t, ctx) && BN_sub(t, keep[5], BN_value_one()) &&
		 BN_mod(keep[7], keep[2], t, ctx) &&
		 OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, keep[6]) == 1 &&
		 OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, keep[7]) == 1;
	BN_free(t);
	BN_CTX_free(ctx);
	return ok ? 0 : BURROW_E_CRYPTO;
}

static int pem_ec_params(struct rd *r, bool with_private, OSSL_PARAM_BLD *bld, BIGNUM *keep[8])
{
	struct bstr curve = rd_string(r);
	struct bstr q = rd_string(r);
	struct bstr d = with_private ? rd_mpint(r) : bstr_from(NULL, 0);
	if (!rd_ok(r))
		return BURROW_E_PARSE;
	for (size_t i = 0; i < sizeof(pem_curves) / sizeof(pem_curves[0]); i++) {
		if (!bstr_eq(curve, pem_curves[i].curve))
			continue;
		if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, pem_curves[i].group, 0) != 1 ||
		    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q.p, q.len) != 1)
			return BURROW_E_CRYPTO;
		return with_private ? pem_param_bn(bld, OSSL_PKEY_PARAM_PRIV_KEY, d, &keep[0]) : 0;
	}
	return BURROW_E_UNSUPPORTED;
}

static int pem_pkey_ed25519(struct rd *r, bool with_private, EVP_PKEY **out)
{
	struct bstr pub = rd_string(r);
	struct bstr priv = with_private ? rd_string(r) : bstr_from(NULL, 0);
	if (!rd_ok(r) || pub.len != ED25519_PUBLIC_LEN || (with_private && priv.len < ED25519_SEED_LEN))
		return BURROW_E_PARSE;
	*out = with_private ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv.p, ED25519_SEED_LEN)
			    : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub.p, pub.len);
	return *out ? 0 : BURROW_E_CRYPTO;
}

/* A libcrypto key with the same numbers as key (its private half too when with_private). */
static int pem_pkey_from_key(const struct burrow_key *key, bool with_private, EVP_PKEY **out)
{
	*out = NULL;
	if (with_private && !key->has_private)
		return BURROW_E_INVALID;
	struct buf b;
	buf_init(&b);
	int err;
	if (with_private) {
		err = keys_private_write(key, &b);
	} else {
		uint8_t *blob = NULL;
		size_t blob_len = 0;
		err = burrow_key_to_blob(key, &blob, &blob_len);
		if (err == 0)
			buf_put(&b, blob, blob_len);
		free(blob);
	}
	if (err == 0 && !buf_ok(&b))
		err = BURROW_E_NOMEM;
	if (err) {
		buf_free(&b);
		return err;
	}
	struct rd r;
	rd_init(&r, buf_ptr(&b), buf_len(&b));
	rd_string(&r); /* the type name: key->ops says it */
	enum burrow_key_type type = burrow_key_type(key);
	if (type == BURROW_KEY_ED25519) {
		err = pem_pkey_ed25519(&r, with_private, out);
		buf_free(&b);
		return err;
	}
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *keep[8] = { 0 };
	if (!bld)
		err = BURROW_E_NOMEM;
	else if (type == BURROW_KEY_RSA && with_private)
		err = pem_rsa_params(&r, bld, keep);
	else if (type == BURROW_KEY_RSA) {
		struct bstr e = rd_mpint(&r), n = rd_mpint(&r);
		err = rd_ok(&r) ? pem_param_bn(bld, OSSL_PKEY_PARAM_RSA_E, e, &keep[0]) : BURROW_E_PARSE;
		if (err == 0)
			err = pem_param_bn(bld, OSSL_PKEY_PARAM_RSA_N, n, &keep[1]);
	} else if (type == BURROW_KEY_ECDSA)
		err = pem_ec_params(&r, with_private, bld, keep);
	else
		err = BURROW_E_UNSUPPORTED;

	OSSL_PARAM *params = err == 0 ? OSSL_PARAM_BLD_to_param(bld) : NULL;
	EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, type == BURROW_KEY_RSA ? "RSA" : "EC", NULL)
				   : NULL;
	if (err == 0 && (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
			 EVP_PKEY_fromdata(ctx, out, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1))
		err = BURROW_E_CRYPTO;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params); /* OSSL_PARAM_clear_free would be nicer; 3.0 lacks it for built params */
	OSSL_PARAM_BLD_free(bld);
	for (int i = 0; i < 8; i++)
		BN_clear_free(keep[i]);
	buf_free(&b);
	ERR_clear_error();
	return err;
}

/* ---- writing ---- */

static int pem_bio_to_string(BIO *bio, char **out)
{
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	if (n <= 0)
		return BURROW_E_CRYPTO;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return BURROW_E_NOMEM;
	memcpy(s, data, (size_t)n);
	s[n] = 0;
	*out = s;
	return 0;
}

int burrow_key_format_pem_private(const struct burrow_key *key, enum burrow_key_format format,
				  const char *passphrase, char **out)
{
	if (!key || !out || (format != BURROW_KEY_FORMAT_PEM && format != BURROW_KEY_FORMAT_PKCS8))
		return BURROW_E_INVALID;
	*out = NULL;
	if (burrow_key_type(key) == BURROW_KEY_ED25519)
		return BURROW_E_UNSUPPORTED;
	EVP_PKEY *pkey = NULL;
	int err = pem_pkey_from_key(key, true, &pkey);
	if (err)
		return err;
	bool encrypt = passphrase && *passphrase;
	const EVP_CIPHER *cipher = encrypt ? EVP_aes_128_cbc() : NULL; /* as ssh-keygen */
	unsigned char *kstr = encrypt ? (unsigned char *)passphrase : NULL;
	int klen = encrypt ? (int)strlen(passphrase) : 0;
	BIO *bio = BIO_new(BIO_s_secmem());
	int ok = bio != NULL;
	if (ok && format == BURROW_KEY_FORMAT_PKCS8)
		ok = PEM_write_bio_PrivateKey(bio, pkey, cipher, kstr, klen, NULL, NULL) == 1;
	else if (ok)
		ok = PEM_write_bio_PrivateKey_traditional(bio, pkey, cipher, kstr, klen, NULL, NULL) == 1;
	err = ok ? pem_bio_to_string(bio, out) : BURROW_E_CRYPTO;
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return err;
}

int keyfile_pem_export_public(const struct burrow_key *key, enum burrow_key_format format, char **out)
{
	*out = NULL;
	enum burrow_key_type type = burrow_key_type(key);
	/* ssh-keygen -e: RSA and ECDSA keys only; -m PEM is PKCS#1 for RSA, SubjectPublicKeyInfo
	 * (as PKCS8) for ECDSA. */
	if (type == BURROW_KEY_ED25519)
		return BURROW_E_UNSUPPORTED;
	if (type != BURROW_KEY_RSA)
		format = BURROW_KEY_FORMAT_PKCS8;
	EVP_PKEY *pkey = NULL;
	int err = pem_pkey_from_key(key, false, &pkey);
	if (err)
		return err;
	BIO *bio = BIO_new(BIO_s_mem());
	int ok = bio != NULL;
	if (ok && format == BURROW_KEY_FORMAT_PKCS8) {
		ok = PEM_write_bio_PUBKEY(bio, pkey) == 1;
	} else if (ok) {
		OSSL_ENCODER_CTX *ectx =
			OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", NULL);
		ok = ectx && OSSL_ENCODER_CTX_get_num_encoders(ectx) > 0 && OSSL_ENCODER_to_bio(ectx, bio) == 1;
		OSSL_ENCODER_CTX_free(ectx);
	}
	err = ok ? pem_bio_to_string(bio, out) : BURROW_E_CRYPTO;
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return err;
}

/* ssh-keygen -i: -m PKCS8 reads SubjectPublicKeyInfo, -m PEM only PKCS#1 RSA public keys. */
int keyfile_pem_import_public(const char *text, size_t len, enum burrow_key_format format, struct burrow_key **out)
{
	*out = NULL;
	if (len > 0x7fffffff)
		return BURROW_E_TOOBIG;
	EVP_PKEY *pkey = NULL;
	OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(
		&pkey, "PEM", format == BURROW_KEY_FORMAT_PKCS8 ? "SubjectPublicKeyInfo" : "type-specific",
		format == BURROW_KEY_FORMAT_PEM ? "RSA" : NULL, EVP_PKEY_PUBLIC_KEY, NULL, NULL);
	const unsigned char *p = (const unsigned char *)text;
	size_t left = len;
	int err = BURROW_E_PARSE;
	if (dctx && OSSL_DECODER_from_data(dctx, &p, &left) == 1 && pkey)
		err = pem_key_from_pkey(pkey, false, out);
	OSSL_DECODER_CTX_free(dctx);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return err;
}
