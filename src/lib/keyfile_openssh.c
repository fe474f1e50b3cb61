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
 * Encrypted files (bcrypt kdf + aes256-ctr) are recognised but not decrypted yet.
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

/* A decoded file: views into `decoded`, which this struct owns. */
struct keyfile {
	uint8_t *decoded;
	size_t decoded_len;
	struct bstr cipher;
	struct bstr kdf;
	struct bstr kdf_options;
	struct bstr public_blob;
	struct bstr private_section;
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
	/* Authenticated ciphers append their tag after the section; unencrypted files end here. */
	bool plain = bstr_eq(kf->cipher, "none");
	if (!rd_ok(&r) || (plain && !rd_done(&r)) || memcmp(magic.p, KEYFILE_MAGIC, KEYFILE_MAGIC_LEN) != 0 ||
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

/* The unencrypted private section: checkints, key, comment, padding. */
static int keyfile_read_section(struct bstr section, struct burrow_key **key, struct bstr *comment)
{
	if (section.len == 0 || section.len % KEYFILE_BLOCK_NONE != 0)
		return BURROW_E_PARSE;
	struct rd r;
	rd_init(&r, section.p, section.len);
	uint32_t check1 = rd_u32(&r);
	uint32_t check2 = rd_u32(&r);
	/* For an encrypted file a mismatch means a wrong passphrase; unencrypted, a corrupt file. */
	if (!rd_ok(&r) || check1 != check2)
		return BURROW_E_PARSE;
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

int burrow_key_parse_private(const char *text, size_t len, const char *passphrase,
			     struct burrow_key **out, char **comment_out)
{
	if (!out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (comment_out)
		*comment_out = NULL;
	struct keyfile kf;
	int err = keyfile_open(text, len, &kf);
	if (err)
		return err;

	struct burrow_key *key = NULL, *pub = NULL;
	struct bstr comment;
	if (!bstr_eq(kf.cipher, "none")) {
		if (!bstr_eq(kf.kdf, "bcrypt"))
			err = BURROW_E_UNSUPPORTED;
		else if (!passphrase || !*passphrase)
			err = BURROW_E_PASSPHRASE;
		else
			err = BURROW_E_UNSUPPORTED; /* TODO: bcrypt-pbkdf + aes256-ctr decryption */
		goto out;
	}
	if (!bstr_eq(kf.kdf, "none") || kf.kdf_options.len != 0) {
		err = BURROW_E_PARSE;
		goto out;
	}
	if ((err = keyfile_read_section(kf.private_section, &key, &comment)) != 0)
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
	keyfile_clear(&kf);
	return err;
}

int burrow_key_parse_private_public(const char *text, size_t len, struct burrow_key **out)
{
	if (!out)
		return BURROW_E_INVALID;
	*out = NULL;
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

int burrow_key_format_private(const struct burrow_key *key, const char *comment, char **out)
{
	if (!key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (!key->has_private)
		return BURROW_E_INVALID;
	if (!comment)
		comment = "";

	uint32_t check;
	int err = crypto_random(&check, sizeof(check));
	if (err)
		return err;
	struct buf section, body;
	buf_init(&section);
	buf_init(&body);
	buf_put_u32(&section, check);
	buf_put_u32(&section, check);
	err = keys_private_write(key, &section);
	buf_put_cstring(&section, comment);
	for (uint8_t pad = 1; buf_len(&section) % KEYFILE_BLOCK_NONE != 0; pad++)
		buf_put_u8(&section, pad);

	uint8_t *blob = NULL;
	size_t blob_len = 0;
	if (err == 0)
		err = burrow_key_to_blob(key, &blob, &blob_len);
	if (err == 0) {
		buf_put(&body, KEYFILE_MAGIC, KEYFILE_MAGIC_LEN);
		buf_put_cstring(&body, "none"); /* cipher */
		buf_put_cstring(&body, "none"); /* kdf */
		buf_put_string(&body, "", 0);   /* kdf options */
		buf_put_u32(&body, 1);          /* number of keys */
		buf_put_string(&body, blob, blob_len);
		buf_put_string(&body, buf_ptr(&section), buf_len(&section));
		if (!buf_ok(&section) || !buf_ok(&body))
			err = BURROW_E_NOMEM;
	}
	if (err == 0)
		err = keyfile_armor(&body, out);
	free(blob);
	buf_free(&section);
	buf_free(&body);
	crypto_wipe(&check, sizeof(check));
	return err;
}
