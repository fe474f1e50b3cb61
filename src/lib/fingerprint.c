/*
 * Key fingerprints as OpenSSH shows them (sshkey.c sshkey_fingerprint): "SHA256:" and the
 * unpadded base64 of SHA-256 over the public blob, and the "randomart" drawing of that digest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "keys_internal.h"

static int fingerprint_digest(const struct burrow_key *key, uint8_t digest[32])
{
	uint8_t *blob;
	size_t len;
	int err = keys_plain_blob(key, &blob, &len); /* a certificate's is its key's, as OpenSSH */
	if (err)
		return err;
	err = hash_oneshot(HASH_SHA256, blob, len, digest);
	free(blob);
	return err;
}

int burrow_key_fingerprint_sha256(const struct burrow_key *key, char **out)
{
	if (!key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	uint8_t digest[32];
	int err = fingerprint_digest(key, digest);
	if (err)
		return err;
	char *b64;
	err = burrow_base64_encode(digest, sizeof(digest), false, &b64);
	if (err)
		return err;
	static const char prefix[] = "SHA256:";
	char *s = malloc(sizeof(prefix) + strlen(b64));
	if (!s) {
		free(b64);
		return BURROW_E_NOMEM;
	}
	strcpy(s, prefix);
	strcat(s, b64);
	free(b64);
	*out = s;
	return 0;
}

/*
 * "The drunken bishop" (Loss, Limmer, von Gernler; OpenSSH sshkey.c fingerprint_randomart):
 * each digest byte, low bits first, gives four diagonal moves on a 17x9 field; a cell shows how
 * often it was visited, 'S' marks the start and 'E' the end.
 */
#define RANDOMART_BASE 8
#define RANDOMART_ROWS (RANDOMART_BASE + 1)
#define RANDOMART_COLS (RANDOMART_BASE * 2 + 1)

static void randomart_border(char **p, const char *label)
{
	size_t llen = strlen(label);
	size_t i;
	*(*p)++ = '+';
	for (i = 0; i < (RANDOMART_COLS - llen) / 2; i++)
		*(*p)++ = '-';
	memcpy(*p, label, llen);
	*p += llen;
	for (i += llen; i < RANDOMART_COLS; i++)
		*(*p)++ = '-';
	*(*p)++ = '+';
}

static int randomart_draw(const struct burrow_key *key, const uint8_t *digest, size_t digest_len,
			  const char *hash_label, char **out);

int burrow_key_fingerprint_randomart(const struct burrow_key *key, char **out)
{
	if (!key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	uint8_t digest[32];
	int err = fingerprint_digest(key, digest);
	if (err)
		return err;
	return randomart_draw(key, digest, sizeof(digest), "[SHA256]", out);
}

/* The picture of the MD5 digest, "[MD5]" at the bottom, as ssh-keygen -l -v -E md5. */
int burrow_key_fingerprint_randomart_md5(const struct burrow_key *key, char **out)
{
	if (!key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	uint8_t *blob, digest[16];
	size_t len;
	int err = keys_plain_blob(key, &blob, &len);
	if (err)
		return err;
	err = hash_md5(blob, len, digest);
	free(blob);
	if (err)
		return err;
	return randomart_draw(key, digest, sizeof(digest), "[MD5]", out);
}

static int randomart_draw(const struct burrow_key *key, const uint8_t *digest, size_t digest_len,
			  const char *hash_label, char **out)
{
	static const char symbols[] = " .o+=*BOX@%&#/^SE";
	const unsigned top = sizeof(symbols) - 2; /* index of 'E' */
	uint8_t field[RANDOMART_COLS][RANDOMART_ROWS];
	memset(field, 0, sizeof(field));
	int x = RANDOMART_COLS / 2, y = RANDOMART_ROWS / 2;
	for (size_t i = 0; i < digest_len; i++) {
		unsigned input = digest[i];
		for (int b = 0; b < 4; b++, input >>= 2) {
			x += (input & 1) ? 1 : -1;
			y += (input & 2) ? 1 : -1;
			x = x < 0 ? 0 : x > RANDOMART_COLS - 1 ? RANDOMART_COLS - 1 : x;
			y = y < 0 ? 0 : y > RANDOMART_ROWS - 1 ? RANDOMART_ROWS - 1 : y;
			if (field[x][y] < top - 2)
				field[x][y]++;
		}
	}
	field[RANDOMART_COLS / 2][RANDOMART_ROWS / 2] = (uint8_t)(top - 1);
	field[x][y] = (uint8_t)top;

	char title[RANDOMART_COLS + 1];
	int n = snprintf(title, sizeof(title), "[%s %d]", key->ops->short_name, key->ops->bits(key));
	if (n < 0 || (size_t)n >= sizeof(title))
		snprintf(title, sizeof(title), "[%s]", key->ops->short_name);

	char *s = malloc((RANDOMART_COLS + 3) * (RANDOMART_ROWS + 2));
	if (!s)
		return BURROW_E_NOMEM;
	char *p = s;
	randomart_border(&p, title);
	*p++ = '\n';
	for (y = 0; y < RANDOMART_ROWS; y++) {
		*p++ = '|';
		for (x = 0; x < RANDOMART_COLS; x++)
			*p++ = symbols[field[x][y] < top ? field[x][y] : top];
		*p++ = '|';
		*p++ = '\n';
	}
	randomart_border(&p, hash_label);
	*p = 0;
	*out = s;
	return 0;
}

/* ssh-keygen -E md5: "MD5:" and the 16 digest bytes as lowercase hex pairs joined by ':'. */
int burrow_key_fingerprint_md5(const struct burrow_key *key, char **out)
{
	if (!key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	uint8_t *blob;
	size_t len;
	int err = keys_plain_blob(key, &blob, &len);
	if (err)
		return err;
	uint8_t digest[16];
	err = hash_md5(blob, len, digest);
	free(blob);
	if (err)
		return err;
	char *s = malloc(4 + 16 * 3);
	if (!s)
		return BURROW_E_NOMEM;
	char *p = s + 4;
	memcpy(s, "MD5:", 4);
	for (size_t i = 0; i < sizeof(digest); i++)
		p += sprintf(p, i ? ":%02x" : "%02x", digest[i]);
	*out = s;
	return 0;
}
