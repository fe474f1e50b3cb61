/*
 * RFC 4716 "SSH Public Key File Format" (the ssh.com / SECSH form ssh-keygen -e writes):
 *
 *   ---- BEGIN SSH2 PUBLIC KEY ----
 *   Comment: "256-bit ED25519, converted by ..."
 *   AAAAC3NzaC1lZDI1NTE5AAAA...     (base64 of the public blob; ssh-keygen wraps at 70)
 *   ---- END SSH2 PUBLIC KEY ----
 *
 * Header lines are "Tag: value" (RFC 4716 3.3), continued onto the next line by a final '\'.
 */
#include <stdlib.h>
#include <string.h>

#include "keys_internal.h"

#define RFC4716_BEGIN "---- BEGIN SSH2 PUBLIC KEY ----"
#define RFC4716_END "---- END SSH2 PUBLIC KEY ----"
#define RFC4716_WRAP 70 /* ssh-keygen's dump_base64 */
#define RFC4716_MAX_LINE 72 /* RFC 4716 3.1: lines are at most 72 bytes */

int keyfile_rfc4716_export(const struct burrow_key *key, const char *comment, char **out)
{
	*out = NULL;
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	char *b64 = NULL;
	int err = burrow_key_to_blob(key, &blob, &blob_len);
	if (err == 0)
		err = burrow_base64_encode(blob, blob_len, true, &b64);
	free(blob);
	if (err)
		return err;
	struct buf b;
	buf_init(&b);
	buf_put(&b, RFC4716_BEGIN "\n", sizeof(RFC4716_BEGIN));
	if (comment) {
		buf_put(&b, "Comment: \"", 10);
		buf_put(&b, comment, strlen(comment));
		buf_put(&b, "\"\n", 2);
	}
	size_t n = strlen(b64);
	for (size_t i = 0; i < n; i += RFC4716_WRAP) {
		buf_put(&b, b64 + i, n - i < RFC4716_WRAP ? n - i : RFC4716_WRAP);
		buf_put_u8(&b, '\n');
	}
	buf_put(&b, RFC4716_END "\n", sizeof(RFC4716_END));
	buf_put_u8(&b, 0);
	free(b64);
	uint8_t *s = NULL;
	size_t len = 0;
	err = buf_ok(&b) ? keys_buf_detach(&b, &s, &len) : BURROW_E_NOMEM;
	buf_free(&b);
	if (err == 0)
		*out = (char *)s;
	return err;
}

static bool rfc4716_is_header(struct bstr line)
{
	for (size_t i = 0; i + 1 < line.len; i++)
		if (line.p[i] == ':' && line.p[i + 1] == ' ')
			return true;
	return false;
}

int keyfile_rfc4716_import(const char *text, size_t len, struct burrow_key **out)
{
	*out = NULL;
	struct bstr all = bstr_from(text, len), line;
	size_t pos = 0;
	do {
		if (!keys_next_line(all, &pos, &line))
			return BURROW_E_PARSE;
	} while (keys_skip_blanks(line).len == 0);
	if (!bstr_eq(line, RFC4716_BEGIN))
		return BURROW_E_PARSE;

	struct buf b64;
	buf_init(&b64);
	bool ended = false, continued = false, in_headers = true;
	int err = 0;
	while (keys_next_line(all, &pos, &line)) {
		if (bstr_eq(line, RFC4716_END)) {
			ended = true;
			break;
		}
		bool continues = line.len && line.p[line.len - 1] == '\\';
		if (continued || (in_headers && rfc4716_is_header(line))) {
			continued = continues;
			continue;
		}
		in_headers = false;
		buf_put(&b64, line.p, line.len);
	}
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	if (!buf_ok(&b64))
		err = BURROW_E_NOMEM;
	else if (!ended || buf_len(&b64) == 0)
		err = BURROW_E_PARSE;
	else
		err = burrow_base64_decode((const char *)buf_ptr(&b64), buf_len(&b64), &blob, &blob_len);
	buf_free(&b64);
	if (err == 0)
		err = burrow_key_from_blob(blob, blob_len, out);
	free(blob);
	return err;
}
