/*
 * known_hosts lines (OpenSSH sshd(8) SSH_KNOWN_HOSTS FILE FORMAT):
 *
 *   [@revoked|@cert-authority] patterns keytype base64 [comment]
 *
 * patterns: comma-separated, '*' and '?' wildcards, '!' negates (a negated match rules the
 * line out), compared case-insensitively; or one hashed entry |1|base64(salt)|base64(HMAC-SHA1
 * (salt, host)) (ssh-keygen -H). A host on a port other than 22 is written "[host]:port".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "keys_internal.h"
#include "match.h"

#define KNOWN_HOSTS_SHA1_LEN 20
#define SSH_DEFAULT_PORT 22

/* OpenSSH match_pattern_list: 1 on a positive match, -1 when a negated pattern matches, else 0. */
static int pattern_list_match(struct bstr host, struct bstr list)
{
	size_t pos = 0;
	struct bstr pat;
	int result = 0;
	while (namelist_next(list, &pos, &pat)) {
		bool negated = pat.len > 0 && pat.p[0] == '!';
		if (negated) {
			pat.p++;
			pat.len--;
		}
		if (match_pattern(host, pat, true)) {
			if (negated)
				return -1;
			result = 1;
		}
	}
	return result;
}

/* |1|salt|hash: true when HMAC-SHA1(salt, host) equals hash. Malformed entries match nothing. */
static int hashed_match(struct bstr host, struct bstr entry, bool *match)
{
	*match = false;
	struct bstr rest = bstr_from(entry.p + 3, entry.len - 3);
	const uint8_t *bar = memchr(rest.p, '|', rest.len);
	if (!bar)
		return 0;
	size_t salt_b64_len = (size_t)(bar - rest.p);
	uint8_t *salt = NULL, *hash = NULL;
	size_t salt_len, hash_len;
	int err = burrow_base64_decode((const char *)rest.p, salt_b64_len, &salt, &salt_len);
	if (err == 0)
		err = burrow_base64_decode((const char *)bar + 1, rest.len - salt_b64_len - 1, &hash, &hash_len);
	if (err == BURROW_E_NOMEM)
		goto out;
	err = 0;
	if (!salt || !hash || salt_len != KNOWN_HOSTS_SHA1_LEN || hash_len != KNOWN_HOSTS_SHA1_LEN)
		goto out;
	uint8_t mac[KNOWN_HOSTS_SHA1_LEN];
	err = hmac_oneshot(HASH_SHA1, salt, salt_len, host.p, host.len, mac);
	if (err == 0)
		*match = crypto_ct_equal(mac, hash, KNOWN_HOSTS_SHA1_LEN) == 1;
out:
	free(salt);
	free(hash);
	return err;
}

bool known_hosts_is_hashed(struct bstr field)
{
	size_t n = strlen(KNOWN_HOSTS_HASH_MAGIC);
	return field.len >= n && memcmp(field.p, KNOWN_HOSTS_HASH_MAGIC, n) == 0;
}

int known_hosts_host_match(struct bstr host, struct bstr field)
{
	if (known_hosts_is_hashed(field)) {
		bool match;
		int err = hashed_match(host, field, &match);
		return err ? err : match;
	}
	return pattern_list_match(host, field) == 1;
}

bool known_hosts_split(struct bstr line, enum burrow_known_hosts_marker *marker, struct bstr *hosts,
		       struct bstr *rest)
{
	struct bstr s = keys_skip_blanks(line);
	if (s.len == 0 || s.p[0] == '#')
		return false;
	struct bstr tok = keys_token(s);
	*marker = BURROW_KH_MARKER_NONE;
	if (tok.p[0] == '@') {
		if (bstr_eq(tok, "@revoked"))
			*marker = BURROW_KH_MARKER_REVOKED;
		else if (bstr_eq(tok, "@cert-authority"))
			*marker = BURROW_KH_MARKER_CA;
		else
			return false;
		s = keys_skip_blanks(bstr_from(s.p + tok.len, s.len - tok.len));
		tok = keys_token(s);
		if (tok.len == 0)
			return false;
	}
	*hosts = tok;
	*rest = bstr_from(s.p + tok.len, s.len - tok.len);
	return rest->len > 0; /* a blank must separate hosts and key */
}

/* The same key material, whatever the certificates: a CA or certified key against a line's key. */
static bool known_hosts_same_key(const struct burrow_key *a, const struct burrow_key *b)
{
	return a && b && a->ops == b->ops && a->ops->equal_public(a, b);
}

/*
 * A host certificate against one line for this host (ssh(1) check_host_key): an @cert-authority
 * line with its CA vouches for it; an @revoked line with its CA or its own key revokes it. Other
 * lines say nothing: only the caller's retry with the plain key reads them.
 */
static void known_hosts_cert_line(const struct burrow_key *cert, const struct burrow_key *found,
				  enum burrow_known_hosts_marker marker, int n, int *ok_line, int *revoked_line)
{
	bool is_ca = known_hosts_same_key(found, burrow_cert_signature_key(cert));
	if (marker == BURROW_KH_MARKER_REVOKED) {
		if ((is_ca || known_hosts_same_key(found, cert)) && !*revoked_line)
			*revoked_line = n;
	} else if (marker == BURROW_KH_MARKER_CA && is_ca && !*ok_line) {
		*ok_line = n;
	}
}

static char *lowercase_dup(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

int burrow_known_hosts_check(const char *text, size_t len, const char *host, const struct burrow_key *key,
			     enum burrow_known_host *result, int *line_no)
{
	if (!host || !*host || !key || !result || !line_no || (!text && len))
		return BURROW_E_INVALID;
	*result = BURROW_KNOWN_HOST_NEW;
	*line_no = 0;
	char *lower = lowercase_dup(host); /* ssh(1) lowercases host names before the lookup */
	if (!lower)
		return BURROW_E_NOMEM;
	struct bstr h = bstr_cstr(lower);

	int ok_line = 0, changed_line = 0, revoked_line = 0, n = 0, err = 0;
	struct bstr all = bstr_from(text, len), line, hosts, rest;
	size_t pos = 0;
	while (keys_next_line(all, &pos, &line)) {
		n++;
		enum burrow_known_hosts_marker marker;
		if (!known_hosts_split(line, &marker, &hosts, &rest))
			continue;
		if (marker == BURROW_KH_MARKER_CA && !key->cert)
			continue; /* a CA line vouches for certificates, not for plain keys */
		int m = known_hosts_host_match(h, hosts);
		if (m < 0) {
			err = m;
			break;
		}
		if (m == 0)
			continue;
		struct burrow_key *found;
		int kerr = keys_read_key_text(&rest, &found);
		if (kerr == BURROW_E_NOMEM) {
			err = kerr;
			break;
		}
		if (kerr)
			continue; /* malformed, or a key type we cannot read: cannot conflict with ours */
		if (key->cert) {
			known_hosts_cert_line(key, found, marker, n, &ok_line, &revoked_line);
			burrow_key_free(found);
			continue;
		}
		bool same_type = found->ops == key->ops;
		bool equal = burrow_key_equal_public(found, key);
		burrow_key_free(found);
		if (marker == BURROW_KH_MARKER_REVOKED) {
			if (equal && !revoked_line)
				revoked_line = n;
		} else if (equal) {
			if (!ok_line)
				ok_line = n;
		} else if (same_type && !changed_line) {
			changed_line = n;
		}
	}
	free(lower);
	if (err)
		return err;
	if (revoked_line) {
		*result = BURROW_KNOWN_HOST_REVOKED;
		*line_no = revoked_line;
	} else if (ok_line) {
		*result = BURROW_KNOWN_HOST_OK;
		*line_no = ok_line;
	} else if (changed_line) {
		*result = BURROW_KNOWN_HOST_CHANGED;
		*line_no = changed_line;
	}
	return 0;
}

/* A host name must not break the line format: no blanks, commas, control bytes or '#'. */
static bool host_name_ok(const char *name)
{
	if (!*name)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == ',' || *p == 0x7f)
			return false;
	return name[0] != '#' && name[0] != '@' && name[0] != '!';
}

int burrow_known_hosts_hostname(const char *name, int port, char **out)
{
	if (!name || !out || !host_name_ok(name) || port < 1 || port > 65535)
		return BURROW_E_INVALID;
	*out = NULL;
	char *lower = lowercase_dup(name);
	if (!lower)
		return BURROW_E_NOMEM;
	if (port == SSH_DEFAULT_PORT) {
		*out = lower;
		return 0;
	}
	size_t n = strlen(lower) + sizeof("[]:65535");
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "[%s]:%d", lower, port);
	free(lower);
	if (!s)
		return BURROW_E_NOMEM;
	*out = s;
	return 0;
}

int burrow_known_hosts_line(const char *host, const struct burrow_key *key, char **out)
{
	if (!host || !key || !out || !host_name_ok(host))
		return BURROW_E_INVALID;
	*out = NULL;
	char *keyline;
	int err = burrow_key_format_public_line(key, NULL, &keyline);
	if (err)
		return err;
	size_t n = strlen(host) + 1 + strlen(keyline) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s %s\n", host, keyline);
	free(keyline);
	if (!s)
		return BURROW_E_NOMEM;
	*out = s;
	return 0;
}
