/*
 * One-line public keys, "ssh-ed25519 AAAAC3... comment" (OpenSSH sshd(8) AUTHORIZED_KEYS FILE
 * FORMAT without options), and the text helpers the line formats share.
 */
#include <stdlib.h>
#include <string.h>

#include "keys_internal.h"

bool keys_next_line(struct bstr text, size_t *pos, struct bstr *line)
{
	if (*pos >= text.len)
		return false;
	const uint8_t *start = text.p + *pos;
	size_t left = text.len - *pos;
	const uint8_t *nl = memchr(start, '\n', left);
	size_t n = nl ? (size_t)(nl - start) : left;
	*pos += n + (nl ? 1 : 0);
	if (n > 0 && start[n - 1] == '\r')
		n--;
	*line = bstr_from(start, n);
	return true;
}

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool bstr_has_byte(struct bstr s, uint8_t c)
{
	return s.len > 0 && memchr(s.p, c, s.len) != NULL;
}

struct bstr keys_skip_blanks(struct bstr s)
{
	while (s.len > 0 && is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	return s;
}

struct bstr keys_token(struct bstr s)
{
	size_t n = 0;
	while (n < s.len && !is_blank(s.p[n]))
		n++;
	return bstr_from(s.p, n);
}

static struct bstr bstr_after(struct bstr s, size_t n)
{
	return bstr_from(s.p + n, s.len - n);
}

/* Drops trailing end-of-line bytes so that a caller may pass a line with its newline. */
static struct bstr strip_eol(struct bstr s)
{
	while (s.len > 0 && (s.p[s.len - 1] == '\n' || s.p[s.len - 1] == '\r'))
		s.len--;
	return s;
}

int keys_read_key_text(struct bstr *s, struct burrow_key **out)
{
	*out = NULL;
	struct bstr cur = keys_skip_blanks(*s);
	struct bstr type = keys_token(cur);
	if (!keys_ops_by_name(type) && !cert_type_name_known(type))
		return keys_type_name_known(type) ? BURROW_E_UNSUPPORTED : BURROW_E_PARSE;
	cur = bstr_after(cur, type.len);
	if (cur.len == 0)
		return BURROW_E_PARSE; /* the type must be followed by blanks and the key */
	cur = keys_skip_blanks(cur);
	struct bstr b64 = keys_token(cur);

	uint8_t *blob;
	size_t blob_len;
	int err = burrow_base64_decode((const char *)b64.p, b64.len, &blob, &blob_len);
	if (err)
		return err;
	struct burrow_key *key;
	err = burrow_key_from_blob(blob, blob_len, &key);
	free(blob);
	if (err)
		return err == BURROW_E_NOMEM ? err : BURROW_E_PARSE;
	if (!bstr_eq(type, burrow_key_type_name(key))) { /* "ssh-rsa <an ed25519 blob>" is not a key */
		burrow_key_free(key);
		return BURROW_E_PARSE;
	}
	*s = keys_skip_blanks(bstr_after(cur, b64.len));
	*out = key;
	return 0;
}

int keys_skip_options(struct bstr *s)
{
	bool quoted = false;
	size_t i = 0;
	for (; i < s->len && (quoted || !is_blank(s->p[i])); i++) {
		if (s->p[i] == '\\' && i + 1 < s->len && s->p[i + 1] == '"')
			i++; /* an escaped quote stays inside the value */
		else if (s->p[i] == '"')
			quoted = !quoted;
	}
	if (quoted)
		return BURROW_E_PARSE;
	*s = bstr_after(*s, i);
	return 0;
}

/* A heap copy of a comment; comments with NUL bytes are malformed. */
static int comment_dup(struct bstr s, char **out)
{
	if (bstr_has_byte(s, 0))
		return BURROW_E_PARSE;
	*out = bstr_dup(s);
	return *out ? 0 : BURROW_E_NOMEM;
}

int burrow_key_parse_public_line(const char *line, size_t len, struct burrow_key **out, char **comment_out)
{
	if (!out || (!line && len))
		return BURROW_E_INVALID;
	*out = NULL;
	if (comment_out)
		*comment_out = NULL;
	struct bstr s = strip_eol(bstr_from(line, len));
	if (bstr_has_byte(s, '\n'))
		return BURROW_E_PARSE; /* one line only */
	struct burrow_key *key;
	int err = keys_read_key_text(&s, &key);
	if (err)
		return err;
	if (comment_out && (err = comment_dup(s, comment_out)) != 0) {
		burrow_key_free(key);
		return err;
	}
	*out = key;
	return 0;
}

int burrow_key_format_public_line(const struct burrow_key *key, const char *comment, char **out)
{
	if (!key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (comment && strpbrk(comment, "\r\n"))
		return BURROW_E_INVALID;
	uint8_t *blob;
	size_t blob_len;
	int err = burrow_key_to_blob(key, &blob, &blob_len);
	if (err)
		return err;
	char *b64;
	err = burrow_base64_encode(blob, blob_len, true, &b64);
	free(blob);
	if (err)
		return err;
	const char *name = burrow_key_type_name(key);
	size_t clen = comment && *comment ? strlen(comment) + 1 : 0;
	size_t n = strlen(name) + 1 + strlen(b64) + clen + 1;
	char *s = malloc(n);
	if (!s) {
		free(b64);
		return BURROW_E_NOMEM;
	}
	strcpy(s, name);
	strcat(s, " ");
	strcat(s, b64);
	if (clen) {
		strcat(s, " ");
		strcat(s, comment);
	}
	free(b64);
	*out = s;
	return 0;
}

/* ssh-keygen skips a leading token unless it is a non-zero number followed by a blank
 * (the bit count of an SSH-1 RSA key, which we do not read). */
static bool starts_with_bits(struct bstr s)
{
	size_t i = 0;
	if (i < s.len && (s.p[i] == '+' || s.p[i] == '-'))
		i++;
	bool nonzero = false;
	size_t digits = 0;
	for (; i < s.len && s.p[i] >= '0' && s.p[i] <= '9'; i++, digits++)
		nonzero |= s.p[i] != '0';
	return digits > 0 && nonzero && i < s.len && is_blank(s.p[i]);
}

int burrow_key_parse_any_line(const char *line, size_t len, struct burrow_key **out, char **comment_out)
{
	if (!out || !comment_out || (!line && len))
		return BURROW_E_INVALID;
	*out = NULL;
	*comment_out = NULL;
	struct bstr s = keys_skip_blanks(strip_eol(bstr_from(line, len)));
	if (s.len == 0 || s.p[0] == '#')
		return BURROW_E_NOTFOUND;
	if (bstr_has_byte(s, '\n'))
		return BURROW_E_PARSE;

	struct bstr lead = { NULL, 0 };
	struct burrow_key *key;
	int err = keys_read_key_text(&s, &key);
	if (err == BURROW_E_NOMEM)
		return err;
	if (err) {
		/* Not a bare key: skip host patterns or options (quotes honoured), then retry. */
		if (starts_with_bits(s))
			return BURROW_E_PARSE;
		lead = s;
		if (keys_skip_options(&s) != 0 || s.len == 0)
			return BURROW_E_PARSE;
		lead.len = (size_t)(s.p - lead.p);
		err = keys_read_key_text(&s, &key);
		if (err)
			return err == BURROW_E_NOMEM ? err : BURROW_E_PARSE;
	}
	struct bstr comment = s.len > 0 && s.p[0] != '#' ? s : lead;
	if (comment.p && (err = comment_dup(comment, comment_out)) != 0) {
		burrow_key_free(key);
		return err;
	}
	*out = key;
	return 0;
}
