/*
 * Pattern lists as sshd uses them for from="..." key options and AllowUsers/DenyUsers entries
 * (OpenSSH match.c and addrmatch.c semantics): comma-separated shell patterns, '!' negates and a
 * negated match wins over any positive one; address patterns may be CIDR blocks ("10.0.0.0/8",
 * "2001:db8::/32") or wildcards ("192.168.1.*").
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "burrow/keys.h"
#include "match.h"

/* An address of either family, in network order. */
struct net_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

static size_t addr_len(const struct net_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static bool addr_parse(const char *text, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->bytes) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, out->bytes) == 1) {
		out->family = AF_INET6;
		return true;
	}
	return false;
}

enum cidr_parse { CIDR_OK, CIDR_NOT_AN_ADDRESS, CIDR_BAD };

/* "addr" or "addr/bits". CIDR_BAD when it is an address but the mask is wrong or host bits are
 * set beyond it ("inconsistent mask length" in sshd: 10.1.2.3/8 is a mistake, not a network). */
static enum cidr_parse cidr_parse(const char *text, struct net_addr *addr, unsigned *bits)
{
	char copy[64];
	size_t n = strlen(text);
	if (n >= sizeof(copy))
		return CIDR_NOT_AN_ADDRESS;
	memcpy(copy, text, n + 1);
	char *slash = strchr(copy, '/');
	if (slash)
		*slash = 0;
	if (!addr_parse(copy, addr))
		return CIDR_NOT_AN_ADDRESS;
	unsigned max = (unsigned)addr_len(addr) * 8;
	*bits = max;
	if (slash) {
		char *end;
		if (!slash[1] || slash[1] == '-' || slash[1] == '+')
			return CIDR_BAD;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (*end || v > max)
			return CIDR_BAD;
		*bits = (unsigned)v;
	}
	for (unsigned i = *bits; i < max; i++)
		if (addr->bytes[i / 8] & (0x80u >> (i % 8)))
			return CIDR_BAD;
	return CIDR_OK;
}

static bool addr_in_net(const struct net_addr *a, const struct net_addr *net, unsigned bits)
{
	if (a->family != net->family)
		return false;
	for (unsigned i = 0; i < bits; i++) {
		uint8_t mask = (uint8_t)(0x80u >> (i % 8));
		if ((a->bytes[i / 8] & mask) != (net->bytes[i / 8] & mask))
			return false;
	}
	return true;
}

/* Calls fn for each comma-separated entry (negation stripped) until it returns non-zero. */
typedef int (*entry_fn)(const char *entry, bool negated, void *ctx);

static int for_each_entry(const char *patterns, entry_fn fn, void *ctx)
{
	char *copy = strdup(patterns);
	if (!copy)
		return BURROW_E_NOMEM;
	int r = 0;
	char *save = NULL;
	for (char *p = strtok_r(copy, ",", &save); p && r == 0; p = strtok_r(NULL, ",", &save)) {
		bool negated = *p == '!';
		r = fn(negated ? p + 1 : p, negated, ctx);
	}
	free(copy);
	return r;
}

struct list_state {
	const char *s;
	bool fold_case;
	bool positive;
};

static int pattern_entry(const char *entry, bool negated, void *ctx)
{
	struct list_state *st = ctx;
	if (!match_pattern(bstr_cstr(st->s), bstr_cstr(entry), st->fold_case))
		return 0;
	if (negated)
		return 1; /* stop: a negated match decides */
	st->positive = true;
	return 0;
}

int burrow_match_pattern_list(const char *s, const char *patterns, bool fold_case)
{
	if (!s || !patterns)
		return BURROW_E_INVALID;
	struct list_state st = { s, fold_case, false };
	int r = for_each_entry(patterns, pattern_entry, &st);
	if (r < 0)
		return r;
	if (r == 1)
		return BURROW_MATCH_NEGATED;
	return st.positive ? BURROW_MATCH_YES : BURROW_MATCH_NO;
}

struct addr_state {
	struct net_addr addr;
	bool have_addr;
	const char *text;
	bool positive;
	bool bad;
};

static int addr_entry(const char *entry, bool negated, void *ctx)
{
	struct addr_state *st = ctx;
	struct net_addr net;
	unsigned bits;
	bool hit;
	if (!*entry) {
		st->bad = true;
		return 1;
	}
	switch (cidr_parse(entry, &net, &bits)) {
	case CIDR_BAD:
		st->bad = true;
		return 1;
	case CIDR_OK:
		hit = st->have_addr && addr_in_net(&st->addr, &net, bits);
		break;
	default:
		/* Not an address: a wildcard over the address text ("10.1.*"). */
		hit = match_pattern(bstr_cstr(st->text), bstr_cstr(entry), false);
		break;
	}
	if (!hit)
		return 0;
	if (negated)
		return 1;
	st->positive = true;
	return 0;
}

/* sshd's addr_match_list: YES, NO, NEGATED, or BURROW_E_PARSE for a malformed address entry. */
static int addr_match_list(const char *addr, const char *patterns)
{
	struct addr_state st;
	memset(&st, 0, sizeof(st));
	st.text = addr;
	st.have_addr = addr_parse(addr, &st.addr);
	int r = for_each_entry(patterns, addr_entry, &st);
	if (r < 0)
		return r;
	if (st.bad)
		return BURROW_E_PARSE;
	if (r == 1)
		return BURROW_MATCH_NEGATED;
	return st.positive ? BURROW_MATCH_YES : BURROW_MATCH_NO;
}

int burrow_match_host_and_ip(const char *host, const char *addr, const char *patterns)
{
	if (!host || !addr || !patterns)
		return BURROW_E_INVALID;
	int by_addr = addr_match_list(addr, patterns);
	if (by_addr < 0)
		return by_addr;
	if (by_addr == BURROW_MATCH_NEGATED)
		return BURROW_MATCH_NO;
	int by_name = burrow_match_pattern_list(host, patterns, true);
	if (by_name < 0)
		return by_name;
	if (by_name == BURROW_MATCH_NEGATED)
		return BURROW_MATCH_NO;
	return by_addr == BURROW_MATCH_YES || by_name == BURROW_MATCH_YES ? BURROW_MATCH_YES : BURROW_MATCH_NO;
}

int burrow_match_user(const char *user, const char *host, const char *addr, const char *pattern)
{
	if (!user || !host || !addr || !pattern)
		return BURROW_E_INVALID;
	const char *at = strchr(pattern, '@');
	if (!at)
		return match_pattern(bstr_cstr(user), bstr_cstr(pattern), false) ? BURROW_MATCH_YES
										: BURROW_MATCH_NO;
	if (!match_pattern(bstr_cstr(user), bstr_from(pattern, (size_t)(at - pattern)), false))
		return BURROW_MATCH_NO;
	return burrow_match_host_and_ip(host, addr, at + 1);
}
