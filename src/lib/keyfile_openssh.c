/*
 * openssh-key-v1 private key files (OpenSSH PROTOCOL.key):
 *
 *   -----BEGIN OPENSSH PRIVATE KEY-----
 *   base64, 70 columns, of:
 *     "openssh-key-v1\0" || string ciphername || string kdfname || string kdfoptions ||
 *     uint32 number of keys (1) || string public blob || string private section
 *   -----END OPENSSH PRIVATE KEY-----
 *
 * private section = uint32 checkint || uint32 checkint || string type || key data ||
 *                   string comment || padding 1, 2, 3, ... up to the cipher block size.
 *
 * Encrypted files: kdfname "bcrypt", kdfoptions = string salt || uint32 rounds; bcrypt_pbkdf of the
 * passphrase gives the cipher's key || IV; the private section is encrypted and an AEAD cipher's
 * tag follows it. A wrong passphrase shows as unequal checkints (or a bad tag).
 *
 * Text in other armour ("BEGIN RSA PRIVATE KEY", PKCS#8, ...) goes to keyfile_pem.c.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "keys_internal.h"

#define KEYFILE_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define KEYFILE_END "-----END OPENSSH PRIVATE KEY-----"
#define KEYFILE_MAGIC "openssh-key-v1" /* written with its NUL */
#define KEYFILE_MAGIC_LEN sizeof(KEYFILE_MAGIC)
#define KEYFILE_WRAP 70          /* sshkey.c: base64 line width */
#define KEYFILE_BLOCK_NONE 8     /* sshkey.c: block size of cipher "none" */
#define KEYFILE_SALT_LEN 16      /* sshkey.c: BCRYPT_SALT_LEN */
#define KEYFILE_DEFAULT_ROUNDS 16 /* sshkey.c: DEFAULT_ROUNDS */
#define KEYFILE_DEFAULT_CIPHER "aes256-ctr" /* sshkey.c: DEFAULT_CIPHERNAME */
#define KEYFILE_MAX_KEY_IV 128   /* the largest cipher key + IV (chacha20-poly1305: 64) */

/* A decoded file: views into `decoded`, which this struct owns. */
struct keyfile {
	uint8_t *decoded;
	size_t decoded_len;
	struct bstr cipher;
	struct bstr kdf;
	struct bstr kdf_options;
	struct bstr public_blob;
	struct bstr private_section;
	struct bstr tag;             /* after the section: an AEAD cipher's tag, else empty */
};

static void keyfile_clear(struct keyfile *kf)
{
	if (kf->decoded) {
		crypto_wipe(kf->decoded, kf->decoded_len);
		free(kf->decoded);
	}
	memset(kf, 0, sizeof(*kf));
}

/* Strips the armour: the BEGIN line, base64 lines up to the END line. Text after END is ignored. */
static int keyfile_unarmor(struct bstr text, uint8_t **out, size_t *out_len)
{
	size_t pos = 0;
	struct bstr line;
	/* Blank lines before the armour are tolerated; anything else is not this format. */
	do {
		if (!keys_next_line(text, &pos, &line))
			return BURROW_E_PARSE;
	} while (keys_skip_blanks(line).len == 0);
	if (!bstr_eq(line, KEYFILE_BEGIN))
		return BURROW_E_PARSE;

	struct buf b64;
	buf_init(&b64);
	bool ended = false;
	while (keys_next_line(text, &pos, &line)) {
		if (bstr_eq(line, KEYFILE_END)) {
			ended = true;
			break;
		}
		buf_put(&b64, line.p, line.len);
	}
	int err = 0;
	if (!buf_ok(&b64))
		err = BURROW_E_NOMEM;
	else if (!ended)
		err = BURROW_E_PARSE;
	else
		err = burrow_base64_decode((const char *)buf_ptr(&b64), buf_len(&b64), out, out_len);
	buf_free(&b64); /* wipes: it is the private key in base64 */
	return err;
}

static int keyfile_open(const char *text, size_t len, struct keyfile *kf)
{
	memset(kf, 0, sizeof(*kf));
	if (!text && len)
		return BURROW_E_INVALID;
	int err = keyfile_unarmor(bstr_from(text, len), &kf->decoded, &kf->decoded_len);
	if (err)
		return err;
	struct rd r;
	rd_init(&r, kf->decoded, kf->decoded_len);
	struct bstr magic = rd_bytes(&r, KEYFILE_MAGIC_LEN);
	kf->cipher = rd_string(&r);
	kf->kdf = rd_string(&r);
	kf->kdf_options = rd_string(&r);
	uint32_t nkeys = rd_u32(&r);
	kf->public_blob = rd_string(&r);
	kf->private_section = rd_string(&r);
	/* Authenticated ciphers append their tag after the section; its length is checked with
	 * the cipher. */
	kf->tag = rd_rest(&r);
	if (!rd_ok(&r) || memcmp(magic.p, KEYFILE_MAGIC, KEYFILE_MAGIC_LEN) != 0 ||
	    nkeys != 1 /* PROTOCOL.key: only one key per file is supported */) {
		keyfile_clear(kf);
		return BURROW_E_PARSE;
	}
	return 0;
}

/* The padding after the comment must be 1, 2, 3, ... (sshkey.c private2_check_padding). */
static bool keyfile_padding_ok(struct bstr pad)
{
	for (size_t i = 0; i < pad.len; i++)
		if (pad.p[i] != (uint8_t)(i + 1))
			return false;
	return true;
}

/* The decrypted private section: checkints, key, comment, padding. */
static int keyfile_read_section(struct bstr section, bool encrypted, struct burrow_key **key, struct bstr *comment)
{
	struct rd r;
	rd_init(&r, section.p, section.len);
	uint32_t check1 = rd_u32(&r);
	uint32_t check2 = rd_u32(&r);
	/* For an encrypted file a mismatch means a wrong passphrase; unencrypted, a corrupt file. */
	if (!rd_ok(&r))
		return BURROW_E_PARSE;
	if (check1 != check2)
		return encrypted ? BURROW_E_PASSPHRASE : BURROW_E_PARSE;
	int err = keys_private_read(&r, key);
	if (err)
		return err;
	*comment = rd_string(&r);
	struct bstr pad = rd_rest(&r);
	if (!rd_done(&r) || !keyfile_padding_ok(pad)) {
		burrow_key_free(*key);
		*key = NULL;
		return BURROW_E_PARSE;
	}
	return 0;
}

/* kdfoptions of "bcrypt": string salt || uint32 rounds, nothing else. */
static int keyfile_bcrypt_options(struct bstr options, struct bstr *salt, uint32_t *rounds)
{
	struct rd r;
	rd_init(&r, options.p, options.len);
	*salt = rd_string(&r);
	*rounds = rd_u32(&r);
	if (!rd_done(&r) || salt->len == 0 || *rounds == 0)
		return BURROW_E_PARSE;
	return 0;
}

/* Checks the cipher and kdf fields and the section's shape; *cipher NULL for "none". */
static int keyfile_check_protection(const struct keyfile *kf, const struct keyfile_cipher **cipher)
{
	*cipher = NULL;
	if (bstr_eq(kf->cipher, "none")) {
		if (!bstr_eq(kf->kdf, "none") || kf->kdf_options.len != 0 || kf->tag.len != 0)
			return BURROW_E_PARSE;
		if (kf->private_section.len == 0 || kf->private_section.len % KEYFILE_BLOCK_NONE != 0)
			return BURROW_E_PARSE;
		return 0;
	}
	const struct keyfile_cipher *c = keyfile_cipher_find((const char *)kf->cipher.p, kf->cipher.len);
	if (!c)
		return BURROW_E_UNSUPPORTED; /* OpenSSH: "unknown cipher" */
	if (bstr_eq(kf->kdf, "none"))
		return BURROW_E_PARSE;       /* an encrypted section needs a key */
	if (!bstr_eq(kf->kdf, "bcrypt"))
		return BURROW_E_UNSUPPORTED;
	size_t block = keyfile_cipher_block_size(c);
	if (kf->tag.len != keyfile_cipher_tag_len(c) || kf->private_section.len < block ||
	    kf->private_section.len % block != 0)
		return BURROW_E_PARSE;
	struct bstr salt;
	uint32_t rounds;
	int err = keyfile_bcrypt_options(kf->kdf_options, &salt, &rounds);
	if (err)
		return err;
	*cipher = c;
	return 0;
}

/* A decrypted copy of the private section in *plain (wipe and free it). */
static int keyfile_decrypt(const struct keyfile *kf, const struct keyfile_cipher *c, const char *passphrase,
			   uint8_t **plain)
{
	*plain = NULL;
	if (!passphrase || !*passphrase)
		return BURROW_E_PASSPHRASE;
	struct bstr salt;
	uint32_t rounds;
	int err = keyfile_bcrypt_options(kf->kdf_options, &salt, &rounds);
	if (err)
		return err;
	size_t key_len = keyfile_cipher_key_len(c), iv_len = keyfile_cipher_iv_len(c);
	uint8_t key_iv[KEYFILE_MAX_KEY_IV];
	err = bcrypt_pbkdf((const uint8_t *)passphrase, strlen(passphrase), salt.p, salt.len, key_iv,
			   key_len + iv_len, rounds);
	if (err)
		return err == BURROW_E_INVALID ? BURROW_E_PARSE : err; /* a salt over bcrypt's limit */
	uint8_t *section = malloc(kf->private_section.len);
	if (!section) {
		crypto_wipe(key_iv, sizeof(key_iv));
		return BURROW_E_NOMEM;
	}
	memcpy(section, kf->private_section.p, kf->private_section.len);
	uint8_t tag[16];
	memcpy(tag, kf->tag.p, kf->tag.len < sizeof(tag) ? kf->tag.len : sizeof(tag));
	err = keyfile_cipher_crypt(c, false, key_iv, key_iv + key_len, section, kf->private_section.len,
				   kf->tag.len ? tag : NULL);
	crypto_wipe(key_iv, sizeof(key_iv));
	if (err) {
		crypto_wipe(section, kf->private_section.len);
		free(section);
		return err == BURROW_E_MAC ? BURROW_E_PASSPHRASE : err; /* as sshkey.c */
	}
	*plain = section;
	return 0;
}

int burrow_key_parse_private(const char *text, size_t len, const char *passphrase,
			     struct burrow_key **out, char **comment_out)
{
	if (!out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (comment_out)
		*comment_out = NULL;
	if (text && keyfile_pem_recognised(text, len))
		return keyfile_pem_parse_private(text, len, passphrase, out, comment_out);
	struct keyfile kf;
	int err = keyfile_open(text, len, &kf);
	if (err)
		return err;

	struct burrow_key *key = NULL, *pub = NULL;
	struct bstr comment;
	const struct keyfile_cipher *cipher;
	uint8_t *plain = NULL;
	struct bstr section = kf.private_section;
	if ((err = keyfile_check_protection(&kf, &cipher)) != 0)
		goto out;
	if (cipher) {
		if ((err = keyfile_decrypt(&kf, cipher, passphrase, &plain)) != 0)
			goto out;
		section = bstr_from(plain, kf.private_section.len);
	}
	if ((err = keyfile_read_section(section, cipher != NULL, &key, &comment)) != 0)
		goto out;
	/* The outer public key must be the private key's own. */
	err = burrow_key_from_blob(kf.public_blob.p, kf.public_blob.len, &pub);
	if (err == 0 && !burrow_key_equal_public(key, pub))
		err = BURROW_E_PARSE;
	if (err)
		goto out;
	if (comment_out) {
		if (comment.len && memchr(comment.p, 0, comment.len)) {
			err = BURROW_E_PARSE;
			goto out;
		}
		if (!(*comment_out = bstr_dup(comment))) {
			err = BURROW_E_NOMEM;
			goto out;
		}
	}
	*out = key;
	key = NULL;
out:
	burrow_key_free(key);
	burrow_key_free(pub);
	if (plain) {
		crypto_wipe(plain, kf.private_section.len);
		free(plain);
	}
	keyfile_clear(&kf);
	return err;
}

int burrow_key_parse_private_public(const char *text, size_t len, struct burrow_key **out)
{
	if (!out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (text && keyfile_pem_recognised(text, len))
		return keyfile_pem_parse_public(text, len, out);
	struct keyfile kf;
	int err = keyfile_open(text, len, &kf);
	if (err)
		return err;
	err = burrow_key_from_blob(kf.public_blob.p, kf.public_blob.len, out);
	keyfile_clear(&kf);
	return err;
}

/* Base64 of the whole file body, wrapped at 70 columns between the armour lines. */
static int keyfile_armor(const struct buf *body, char **out)
{
	char *b64;
	int err = burrow_base64_encode(buf_ptr(body), buf_len(body), true, &b64);
	if (err)
		return err;
	size_t n = strlen(b64);
	size_t lines = (n + KEYFILE_WRAP - 1) / KEYFILE_WRAP;
	size_t total = sizeof(KEYFILE_BEGIN) + n + lines + sizeof(KEYFILE_END) + 1;
	char *s = malloc(total);
	if (!s) {
		crypto_wipe(b64, n);
		free(b64);
		return BURROW_E_NOMEM;
	}
	char *p = s;
	memcpy(p, KEYFILE_BEGIN "\n", sizeof(KEYFILE_BEGIN));
	p += sizeof(KEYFILE_BEGIN);
	for (size_t i = 0; i < n; i += KEYFILE_WRAP) {
		size_t chunk = n - i < KEYFILE_WRAP ? n - i : KEYFILE_WRAP;
		memcpy(p, b64 + i, chunk);
		p += chunk;
		*p++ = '\n';
	}
	memcpy(p, KEYFILE_END "\n", sizeof(KEYFILE_END) + 1); /* with the NUL */
	crypto_wipe(b64, n);
	free(b64);
	*out = s;
	return 0;
}

/* kdfoptions and the derived key || IV for a new encrypted file. */
static int keyfile_new_kdf(const struct keyfile_cipher *c, const char *passphrase, unsigned rounds,
			   struct buf *options, uint8_t key_iv[KEYFILE_MAX_KEY_IV])
{
	uint8_t salt[KEYFILE_SALT_LEN];
	int err = crypto_random(salt, sizeof(salt));
	if (err == 0)
		err = bcrypt_pbkdf((const uint8_t *)passphrase, strlen(passphrase), salt, sizeof(salt), key_iv,
				   keyfile_cipher_key_len(c) + keyfile_cipher_iv_len(c), rounds);
	buf_put_string(options, salt, sizeof(salt));
	buf_put_u32(options, rounds);
	return err;
}

/* The private section in clear: checkints, key, comment, padding 1, 2, 3 ... to the block. */
static int keyfile_build_section(const struct burrow_key *key, const char *comment, size_t block,
				 struct buf *section)
{
	uint32_t check;
	int err = crypto_random(&check, sizeof(check));
	if (err)
		return err;
	buf_put_u32(section, check);
	buf_put_u32(section, check);
	crypto_wipe(&check, sizeof(check));
	err = keys_private_write(key, section);
	buf_put_cstring(section, comment);
	for (uint8_t pad = 1; buf_len(section) % block != 0; pad++)
		buf_put_u8(section, pad);
	if (err == 0 && !buf_ok(section))
		err = BURROW_E_NOMEM;
	return err;
}

int keyfile_openssh_format(const struct burrow_key *key, const char *comment, const char *passphrase,
			   unsigned rounds, const char *cipher_name, char **out)
{
	if (!key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (!key->has_private)
		return BURROW_E_INVALID;
	if (!comment)
		comment = "";
	bool encrypted = passphrase && *passphrase;
	const struct keyfile_cipher *c = NULL;
	if (encrypted) {
		if (!cipher_name)
			cipher_name = KEYFILE_DEFAULT_CIPHER;
		if (!(c = keyfile_cipher_find(cipher_name, strlen(cipher_name))))
			return BURROW_E_UNSUPPORTED;
	}
	if (rounds == 0)
		rounds = KEYFILE_DEFAULT_ROUNDS;

	struct buf section, body, options;
	buf_init(&section);
	buf_init(&body);
	buf_init(&options);
	uint8_t key_iv[KEYFILE_MAX_KEY_IV], tag[16];
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	int err = keyfile_build_section(key, comment, c ? keyfile_cipher_block_size(c) : KEYFILE_BLOCK_NONE, &section);
	if (err == 0 && c)
		err = keyfile_new_kdf(c, passphrase, rounds, &options, key_iv);
	if (err == 0 && c)
		err = keyfile_cipher_crypt(c, true, key_iv, key_iv + keyfile_cipher_key_len(c), buf_ptr(&section),
					   buf_len(&section), tag);
	if (err == 0)
		err = burrow_key_to_blob(key, &blob, &blob_len);
	if (err == 0) {
		buf_put(&body, KEYFILE_MAGIC, KEYFILE_MAGIC_LEN);
		buf_put_cstring(&body, c ? keyfile_cipher_name(c) : "none");
		buf_put_cstring(&body, c ? "bcrypt" : "none");
		buf_put_string(&body, buf_ptr(&options), buf_len(&options));
		buf_put_u32(&body, 1); /* number of keys */
		buf_put_string(&body, blob, blob_len);
		buf_put_string(&body, buf_ptr(&section), buf_len(&section));
		if (c)
			buf_put(&body, tag, keyfile_cipher_tag_len(c));
		if (!buf_ok(&options) || !buf_ok(&body))
			err = BURROW_E_NOMEM;
	}
	if (err == 0)
		err = keyfile_armor(&body, out);
	free(blob);
	buf_free(&section);
	buf_free(&body);
	buf_free(&options);
	crypto_wipe(key_iv, sizeof(key_iv));
	return err;
}

int burrow_key_format_private_ex(const struct burrow_key *key, const char *comment, const char *passphrase,
				 unsigned rounds, char **out)
{
	return keyfile_openssh_format(key, comment, passphrase, rounds, NULL, out);
}

int burrow_key_format_private(const struct burrow_key *key, const char *comment, char **out)
{
	return keyfile_openssh_format(key, comment, NULL, 0, NULL, out);
}
