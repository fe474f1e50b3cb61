/* Evaluating the criteria of an sshd_config Match line (see match_criteria.h). */
#include "match_criteria.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "burrow/burrow.h"

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -1;
}

int match_criteria_groups(const char *const *groups, size_t count, const char *patterns)
{
	bool found = false;
	for (size_t i = 0; i < count; i++) {
		int m = burrow_match_pattern_list(groups[i], patterns, false);
		if (m == BURROW_MATCH_NEGATED)
			return 0; /* a negated group excludes the user, whatever else matches */
		if (m == BURROW_MATCH_YES)
			found = true;
	}
	return found ? 1 : 0;
}

int match_criteria_address(const char *addr, const char *patterns)
{
	/* burrow_match_host_and_ip with the address as both name and address is sshd's
	 * addr_match_list: CIDR blocks, wildcards over the address text, negation. */
	int m = burrow_match_host_and_ip(addr ? addr : "", addr ? addr : "", patterns);
	if (m == BURROW_E_PARSE)
		return -1;
	return addr && m == BURROW_MATCH_YES ? 1 : 0;
}

/* sshd's a2port: a number 0..65535 or a service name; -1 otherwise. */
static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s && !*end)
		return v >= 0 && v <= 65535 ? (int)v : -1;
	struct servent *se = getservbyname(s, "tcp");
	return se ? ntohs((unsigned short)se->s_port) : -1;
}

/* sshd -T -C: the test specification lacks what a criterion needs. */
static int missing(const struct match_criteria_input *in, const char *criterion_name, const char *field,
		   bool absent, char *err, size_t err_len)
{
	if (!in || !in->strict || !absent)
		return 0;
	fail(err, err_len, "'Match %s' in configuration but '%s' not in connection test specification.",
	     criterion_name, field);
	return -2;
}

static const struct {
	const char *criterion, *shown, *field;
} spec_fields[] = {
	{ "user", "User", "user" }, { "group", "Group", "user" }, { "host", "Host", "host" },
	{ "address", "Address", "addr" }, { "localaddress", "LocalAddress", "laddr" },
	{ "localport", "LocalPort", "lport" }, { "rdomain", "RDomain", "rdomain" },
};

static bool field_absent(const struct match_criteria_input *in, const char *field)
{
	if (strcmp(field, "user") == 0)
		return !in->user;
	if (strcmp(field, "host") == 0)
		return !in->host;
	if (strcmp(field, "addr") == 0)
		return !in->addr;
	if (strcmp(field, "laddr") == 0)
		return !in->laddr;
	if (strcmp(field, "lport") == 0)
		return in->lport <= 0;
	return !in->rdomain;
}

/* One criterion: 1 holds, 0 does not, -1 malformed, -2 missing from a strict input (err set). */
static int criterion(const char *name, const char *arg, const struct match_criteria_input *in, int line_no,
		     char *err, size_t err_len)
{
	for (size_t i = 0; in && i < sizeof(spec_fields) / sizeof(spec_fields[0]); i++)
		if (strcasecmp(name, spec_fields[i].criterion) == 0 &&
		    missing(in, spec_fields[i].shown, spec_fields[i].field, field_absent(in, spec_fields[i].field),
			    err, err_len) < 0)
			return -2;
	if (strcasecmp(name, "user") == 0)
		return in && in->user && burrow_match_pattern_list(in->user, arg, false) == BURROW_MATCH_YES;
	if (strcasecmp(name, "group") == 0)
		return in && in->user && match_criteria_groups(in->groups, in->group_count, arg) == 1;
	if (strcasecmp(name, "host") == 0)
		return in && in->host && burrow_match_pattern_list(in->host, arg, true) == BURROW_MATCH_YES;
	if (strcasecmp(name, "address") == 0 || strcasecmp(name, "localaddress") == 0) {
		bool local = strcasecmp(name, "localaddress") == 0;
		const char *addr = !in ? NULL : local ? in->laddr : in->addr;
		int m = match_criteria_address(addr, arg);
		if (m < 0) {
			/* sshd stops here at once, without "Bad Match condition". */
			fail(err, err_len, "Invalid Match %s argument '%s' at line %d", local ? "localaddress" : "address",
			     arg, line_no);
			return -2;
		}
		return m;
	}
	if (strcasecmp(name, "localport") == 0) {
		int port = parse_port(arg);
		if (port < 0)
			return fail(err, err_len, "Invalid LocalPort '%s' on Match line", arg);
		return in && in->lport > 0 && in->lport == port;
	}
	if (strcasecmp(name, "rdomain") == 0)
		return in && in->rdomain && burrow_match_pattern_list(in->rdomain, arg, false) == BURROW_MATCH_YES;
	return fail(err, err_len, "Unsupported Match attribute %s", name);
}

int match_criteria_eval(char *const *words, int nwords, const struct match_criteria_input *in, int line_no,
			char *err, size_t err_len)
{
	if (nwords <= 0)
		return fail(err, err_len, "One or more attributes required for Match");
	if (strcasecmp(words[0], "all") == 0) {
		if (nwords > 1)
			return fail(err, err_len, "'all' cannot be combined with other Match attributes");
		return 1;
	}
	int result = 1;
	for (int i = 0; i < nwords; i += 2) {
		if (strcasecmp(words[i], "all") == 0)
			return fail(err, err_len, "'all' cannot be combined with other Match attributes");
		if (i + 1 >= nwords || !*words[i + 1])
			return fail(err, err_len, "Missing Match criteria for %s", words[i]);
		/* Every criterion is checked, even after one failed: a malformed one is an error. */
		int r = criterion(words[i], words[i + 1], in, line_no, err, err_len);
		if (r < 0)
			return r;
		if (r == 0)
			result = 0;
	}
	return result;
}
