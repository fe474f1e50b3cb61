/* Checking the values of the algorithm keywords before a program starts (see algospec.h). */
#include "algospec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Shell-style glob with * and ?, case-sensitive as OpenSSH matches algorithm names. */
static bool glob_match(const char *s, size_t slen, const char *p, size_t plen)
{
	while (plen > 0) {
		if (*p == '*') {
			while (plen > 0 && *p == '*') {
				p++;
				plen--;
			}
			if (plen == 0)
				return true;
			for (size_t i = 0; i <= slen; i++)
				if (glob_match(s + i, slen - i, p, plen))
					return true;
			return false;
		}
		if (slen == 0 || (*p != '?' && *p != *s))
			return false;
		p++;
		plen--;
		s++;
		slen--;
	}
	return slen == 0;
}

/* The next non-empty element of a comma list at *pos; false at the end. */
static bool next_name(const char *list, size_t *pos, const char **name, size_t *len)
{
	while (list && list[*pos]) {
		const char *p = list + *pos;
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		*pos += n + (comma ? 1 : 0);
		if (n > 0) {
			*name = p;
			*len = n;
			return true;
		}
	}
	return false;
}

static bool list_contains(const char *list, const char *name, size_t len)
{
	size_t pos = 0;
	const char *n;
	size_t nl;
	while (next_name(list, &pos, &n, &nl))
		if (nl == len && memcmp(n, name, len) == 0)
			return true;
	return false;
}

/* Any pattern of `patterns` (a comma list; '!' patterns never select) matches the name. */
static bool matches_any(const char *patterns, const char *name, size_t len)
{
	size_t pos = 0;
	const char *p;
	size_t pl;
	while (next_name(patterns, &pos, &p, &pl))
		if (p[0] != '!' && glob_match(name, len, p, pl))
			return true;
	return false;
}

struct strbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void strbuf_add_name(struct strbuf *b, const char *name, size_t len)
{
	if (b->failed || (b->p && list_contains(b->p, name, len)))
		return;
	if (b->len + len + 2 > b->cap) {
		size_t cap = (b->len + len + 2) * 2;
		char *grown = realloc(b->p, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	if (b->len)
		b->p[b->len++] = ',';
	memcpy(b->p + b->len, name, len);
	b->len += len;
	b->p[b->len] = 0;
}

/* Appends every implemented name that an element of `list` selects, in the list's order (an
 * element may be a pattern: it brings in the matching names in our order), as OpenSSH's
 * kex_assemble_names() filters a list through match_filter_allowlist(). */
static void add_selected(struct strbuf *b, enum burrow_algo_kind kind, const char *list)
{
	const char *supported = burrow_algorithms_supported(kind);
	size_t pos = 0;
	const char *pat;
	size_t pl;
	while (next_name(list, &pos, &pat, &pl)) {
		size_t spos = 0;
		const char *name;
		size_t nl;
		while (pat[0] != '!' && next_name(supported, &spos, &name, &nl))
			if (glob_match(name, nl, pat, pl))
				strbuf_add_name(b, name, nl);
	}
}

char *algospec_resolve_new(enum burrow_algo_kind kind, enum burrow_role role, const char *spec)
{
	const char *defaults = burrow_algorithms_default(role, kind);
	struct strbuf b = { 0 };
	if (!spec)
		spec = defaults;
	switch (spec[0]) {
	case '+':
		add_selected(&b, kind, defaults);
		add_selected(&b, kind, spec + 1);
		break;
	case '^':
		add_selected(&b, kind, spec + 1);
		add_selected(&b, kind, defaults);
		break;
	case '-': {
		size_t pos = 0;
		const char *name;
		size_t nl;
		while (next_name(defaults, &pos, &name, &nl))
			if (!matches_any(spec + 1, name, nl))
				strbuf_add_name(&b, name, nl);
		break;
	}
	default:
		add_selected(&b, kind, spec);
	}
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p ? b.p : strdup("");
}

bool algospec_usable(enum burrow_algo_kind kind, enum burrow_role role, const char *spec)
{
	if (!spec)
		return true;
	/* "+x" and "^x" must name something we have, as a plain list must. */
	const char *named = spec[0] == '+' || spec[0] == '^' ? spec + 1 : spec;
	char *resolved = algospec_resolve_new(kind, role, named);
	bool ok = resolved && resolved[0];
	free(resolved);
	return ok;
}

long algospec_parse_time(const char *s)
{
	long total = 0;
	if (*s == 0)
		return -1;
	while (*s) {
		char *end;
		errno = 0;
		long v = strtol(s, &end, 10);
		if (errno || end == s || v < 0)
			return -1;
		long mult = 1;
		switch (tolower((unsigned char)*end)) {
		case 0: end--; break;
		case 's': break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		case 'w': mult = 604800; break;
		default: return -1;
		}
		if (v > (INT_MAX - total) / mult)
			return -1;
		total += v * mult;
		s = end + 1;
	}
	return total;
}

/* Bytes with an optional K/M/G/T suffix (powers of 1024, as OpenSSH's scan_scaled). */
static int parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	default: return -1;
	}
	if (toupper((unsigned char)*end) == 'B' && shift) /* "1MB" as scan_scaled */
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int algospec_rekey_limit(char **args, int nargs, uint64_t *bytes, uint32_t *seconds, const char **why)
{
	uint64_t b = 0;
	long secs = 0;
	if (nargs < 1 || nargs > 2) {
		*why = "garbage at end of line";
		return -1;
	}
	if (strcasecmp(args[0], "default") != 0) {
		if (parse_bytes(args[0], &b) < 0) {
			*why = "Bad number";
			return -1;
		}
		if (b != 0 && b < 16) {
			*why = "RekeyLimit too small";
			return -1;
		}
	}
	if (nargs == 2 && strcasecmp(args[1], "none") != 0 && strcasecmp(args[1], "default") != 0) {
		secs = algospec_parse_time(args[1]);
		if (secs < 0) {
			*why = "invalid time value";
			return -1;
		}
	}
	*bytes = b;
	*seconds = (uint32_t)secs;
	return 0;
}

int algospec_compression(const char *value, bool server)
{
	if (!strcasecmp(value, "yes") || (server && !strcasecmp(value, "delayed")))
		return 1;
	if (!strcasecmp(value, "no"))
		return 0;
	return -1;
}

const char *algospec_compression_list(bool enabled, bool server)
{
	if (!enabled)
		return "none";
	/* The client's order decides (RFC 4253 7.1). The server offers what sshd offers for "yes":
	 * the delayed form only, so nothing is inflated before authentication; the client asks
	 * for what ssh -C asks for. */
	return server ? "none,zlib@openssh.com" : "zlib@openssh.com,zlib,none";
}

const char *algospec_bad_spec_text(enum burrow_algo_kind kind, bool server)
{
	switch (kind) {
	case BURROW_ALGO_CIPHER: return "Bad SSH2 cipher spec";
	case BURROW_ALGO_MAC: return server ? "Bad SSH2 mac spec" : "Bad SSH2 MAC spec";
	case BURROW_ALGO_KEX: return "Bad SSH2 KexAlgorithms";
	case BURROW_ALGO_HOSTKEY:
	case BURROW_ALGO_SIG: return "Bad key types";
	case BURROW_ALGO_COMPRESSION: return "Bad compression spec";
	}
	return "Bad algorithm list";
}
