/*
 * authorized_keys lines (OpenSSH sshd(8) AUTHORIZED_KEYS FILE FORMAT):
 *
 *   [options] keytype base64 [comment]
 *
 * options = option *("," option); option = name | name="value" where the value may hold
 * blanks, commas and \" escapes. A line has options exactly when its first token is not a
 * key type name, so a key-like text inside a quoted value is never read as the line's key.
 * Like sshd, an unknown option name or a value on a flag makes the line unusable.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys_internal.h"

/* sshd auth-options.c: options that take no value ("no-" forms are accepted by the parser). */
static const char *const option_flags[] = {
	"agent-forwarding", "no-agent-forwarding", "port-forwarding", "no-port-forwarding",
	"pty", "no-pty", "user-rc", "no-user-rc", "X11-forwarding", "no-X11-forwarding",
	"touch-required", "no-touch-required", "verify-required", "cert-authority", "restrict",
};
/* Options that take a quoted value. */
static const char *const option_valued[] = {
	"command", "environment", "expiry-time", "from", "permitlisten", "permitopen",
	"principals", "tunnel",
};

static bool name_in(struct bstr name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == name.len && strncasecmp((const char *)name.p, list[i], name.len) == 0)
			return true;
	return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Checks the option list at the start of s (up to the first blank outside quotes).
 * Returns its length, or 0 when it is malformed. Sets *cert_authority when that flag is present.
 */
static size_t options_scan(struct bstr s, bool *cert_authority)
{
	size_t i = 0;
	*cert_authority = false;
	for (;;) {
		size_t start = i;
		while (i < s.len && s.p[i] != '=' && s.p[i] != ',' && s.p[i] != ' ' && s.p[i] != '\t' &&
		       s.p[i] != '"')
			i++;
		struct bstr name = bstr_from(s.p + start, i - start);
		if (i < s.len && s.p[i] == '=') {
			if (!name_in(name, option_valued, COUNT(option_valued)))
				return 0;
			if (++i >= s.len || s.p[i] != '"')
				return 0;
			/* Quoted value: ends at the first '"' not preceded by a backslash. */
			for (i++; i < s.len && s.p[i] != '"'; i++)
				if (s.p[i] == '\\' && i + 1 < s.len && s.p[i + 1] == '"')
					i++;
			if (i >= s.len)
				return 0; /* unterminated quote */
			i++;
		} else {
			if (!name_in(name, option_flags, COUNT(option_flags)))
				return 0;
			if (name.len == strlen("cert-authority") &&
			    strncasecmp((const char *)name.p, "cert-authority", name.len) == 0)
				*cert_authority = true;
		}
		if (i < s.len && s.p[i] == ',') {
			i++;
			continue;
		}
		if (i == s.len || s.p[i] == ' ' || s.p[i] == '\t')
			return i;
		return 0; /* e.g. text glued after a closing quote */
	}
}

/*
 * Reads one line: 0 with the key and its option text, BURROW_E_NOTFOUND for a blank or
 * comment line, another error for a line that is malformed or holds a key we cannot read.
 */
static int authorized_keys_line(struct bstr line, struct burrow_key **key, struct bstr *options,
				bool *cert_authority)
{
	struct bstr s = keys_skip_blanks(line);
	*options = bstr_from(s.p, 0);
	*cert_authority = false;
	if (s.len == 0 || s.p[0] == '#')
		return BURROW_E_NOTFOUND;
	if (!keys_type_name_known(keys_token(s))) {
		size_t n = options_scan(s, cert_authority);
		if (n == 0)
			return BURROW_E_PARSE;
		*options = bstr_from(s.p, n);
		s = keys_skip_blanks(bstr_from(s.p + n, s.len - n));
		if (!keys_type_name_known(keys_token(s)))
			return BURROW_E_PARSE;
	}
	return keys_read_key_text(&s, key);
}

int burrow_authorized_keys_find(const char *text, size_t len, const struct burrow_key *key,
				int *line_no, char **options)
{
	if (!key || !line_no || !options || (!text && len))
		return BURROW_E_INVALID;
	*line_no = 0;
	*options = NULL;
	struct bstr all = bstr_from(text, len);
	struct bstr line, opts;
	size_t pos = 0;
	int n = 0;
	while (keys_next_line(all, &pos, &line)) {
		n++;
		struct burrow_key *found = NULL;
		bool cert_authority;
		int err = authorized_keys_line(line, &found, &opts, &cert_authority);
		if (err == BURROW_E_NOMEM)
			return err;
		if (err)
			continue; /* blank, comment, malformed, or a key type we cannot read */
		bool match = burrow_key_equal_public(found, key);
		burrow_key_free(found);
		/* A cert-authority line trusts certificates signed by the key, not the key itself. */
		if (!match || cert_authority)
			continue;
		if (opts.len && memchr(opts.p, 0, opts.len))
			continue;
		*options = bstr_dup(opts);
		if (!*options)
			return BURROW_E_NOMEM;
		*line_no = n;
		return 0;
	}
	return BURROW_E_NOTFOUND;
}
