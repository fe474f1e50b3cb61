/*
 * Editing known_hosts as ssh-keygen -F / -R / -H and the client's HashKnownHosts do
 * (OpenSSH sshd(8) SSH_KNOWN_HOSTS FILE FORMAT, hostfile.c):
 *   [marker] hostpatterns keytype base64 [comment]
 * A hashed host field is "|1|" base64(salt) "|" base64(HMAC-SHA1(salt, hostname)), salt 20 bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "keys_internal.h"
#include "match.h"

#define KH_SALT_LEN 20 /* SHA-1's length, as hostfile.c */

int burrow_known_hosts_hash_host(const char *host, const uint8_t *salt, char **out)
{
	if (!host || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	uint8_t fresh[KH_SALT_LEN], mac[KH_SALT_LEN];
	if (!salt) {
		int err = crypto_random(fresh, sizeof(fresh));
		if (err)
			return err;
		salt = fresh;
	}
	char *salt64 = NULL, *mac64 = NULL;
	int err = hmac_oneshot(HASH_SHA1, salt, KH_SALT_LEN, host, strlen(host), mac);
	if (err == 0)
		err = burrow_base64_encode(salt, KH_SALT_LEN, true, &salt64);
	if (err == 0)
		err = burrow_base64_encode(mac, sizeof(mac), true, &mac64);
	if (err == 0) {
		size_t n = strlen(KNOWN_HOSTS_HASH_MAGIC) + strlen(salt64) + 1 + strlen(mac64) + 1;
		if ((*out = malloc(n)) != NULL)
			snprintf(*out, n, "%s%s|%s", KNOWN_HOSTS_HASH_MAGIC, salt64, mac64);
		else
			err = BURROW_E_NOMEM;
	}
	free(salt64);
	free(mac64);
	return err;
}

int burrow_known_hosts_line_hashed(const char *host, const struct burrow_key *key, char **out)
{
	if (!host || !key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	char *hashed = NULL, *keytext = NULL;
	int err = burrow_known_hosts_hash_host(host, NULL, &hashed);
	if (err == 0)
		err = burrow_key_format_public_line(key, NULL, &keytext);
	if (err == 0) {
		size_t n = strlen(hashed) + 1 + strlen(keytext) + 2;
		if ((*out = malloc(n)) != NULL)
			snprintf(*out, n, "%s %s\n", hashed, keytext);
		else
			err = BURROW_E_NOMEM;
	}
	free(hashed);
	free(keytext);
	return err;
}

int burrow_known_hosts_line_matches(const char *line, size_t len, const char *host,
				    enum burrow_known_hosts_marker *marker)
{
	if (!line || !host)
		return BURROW_E_INVALID;
	enum burrow_known_hosts_marker m;
	struct bstr hosts, rest;
	if (!known_hosts_split(bstr_from(line, len), &m, &hosts, &rest))
		return BURROW_E_NOTFOUND;
	if (marker)
		*marker = m;
	return known_hosts_host_match(bstr_cstr(host), hosts);
}

static char *kh_lower_dup(struct bstr s)
{
	char *d = bstr_dup(s);
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

int burrow_known_hosts_hash_line(const char *line, size_t len, char **out, bool *wildcard)
{
	if (!line || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (wildcard)
		*wildcard = false;
	enum burrow_known_hosts_marker m;
	struct bstr hosts, rest;
	if (!known_hosts_split(bstr_from(line, len), &m, &hosts, &rest))
		return 0; /* comments, blanks and malformed lines stay as they are */
	rest = keys_skip_blanks(rest);
	bool hashed = known_hosts_is_hashed(hosts);
	bool wild = !hashed && (memchr(hosts.p, '*', hosts.len) || memchr(hosts.p, '?', hosts.len) ||
				memchr(hosts.p, '!', hosts.len));
	if (wildcard)
		*wildcard = wild;
	if (hashed || wild || m != BURROW_KH_MARKER_NONE)
		return 0;
	/* One hashed line per name of the list (ssh-keygen known_hosts_hash). */
	struct buf b;
	buf_init(&b);
	size_t pos = 0;
	struct bstr name;
	int err = 0;
	while (err == 0 && namelist_next(hosts, &pos, &name)) {
		char *host = kh_lower_dup(name), *h = NULL;
		err = host ? burrow_known_hosts_hash_host(host, NULL, &h) : BURROW_E_NOMEM;
		if (err == 0) {
			buf_put(&b, h, strlen(h));
			buf_put_u8(&b, ' ');
			buf_put(&b, rest.p, rest.len);
			buf_put_u8(&b, '\n');
		}
		free(host);
		free(h);
	}
	buf_put_u8(&b, 0);
	uint8_t *s = NULL;
	size_t n = 0;
	if (err == 0)
		err = buf_ok(&b) ? keys_buf_detach(&b, &s, &n) : BURROW_E_NOMEM;
	buf_free(&b);
	if (err == 0)
		*out = (char *)s;
	return err;
}
