/*
 * The daemon's own sshd_config keywords: MaxStartups, PerSourceMaxStartups, PerSourcePenalties,
 * PerSourceNetBlockSize, PerSourcePenaltyExemptList and SyslogFacility, parsed as OpenSSH 10's
 * servconf.c does (same syntax, same fatal errors, first value wins; PerSourcePenalties values
 * are first-wins one by one, so several lines add up).
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "algospec.h"
#include "log.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* OpenSSH 10's defaults (sshd_config(5), servconf.c fill_default_server_options). */
static const int penalty_defaults[PEN_COUNT] = {
	[PEN_CRASH] = 90, [PEN_AUTHFAIL] = 5, [PEN_NOAUTH] = 1, [PEN_GRACE] = 10, [PEN_REFUSE] = 10,
	[PEN_MAX] = 600, [PEN_MIN] = 15, [PEN_MAX_SOURCES4] = 65536, [PEN_MAX_SOURCES6] = 65536,
	[PEN_OVERFLOW] = 0, [PEN_OVERFLOW6] = 0,
};

/* "name:" prefixes of PerSourcePenalties, in sshd -T order. */
static const struct {
	const char *prefix;
	enum penalty_kind kind;
} penalty_names[] = {
	{ "crash:", PEN_CRASH }, { "authfail:", PEN_AUTHFAIL }, { "noauth:", PEN_NOAUTH },
	{ "grace-exceeded:", PEN_GRACE }, { "refuseconnection:", PEN_REFUSE }, { "max:", PEN_MAX },
	{ "min:", PEN_MIN }, { "max-sources4:", PEN_MAX_SOURCES4 }, { "max-sources6:", PEN_MAX_SOURCES6 },
	{ "overflow:", PEN_OVERFLOW }, { "overflow6:", PEN_OVERFLOW6 },
};

static int parse_max_startups(struct daemon_options *d, const char *origin, int line_no, const char *arg)
{
	int begin = -1, rate = -1, full = -1;
	char tail;
	int n = sscanf(arg, "%d:%d:%d%c", &begin, &rate, &full, &tail);
	if (n == 3) {
		if (begin > full || rate > 100 || rate < 1)
			n = -1;
	} else if (n == 1 && sscanf(arg, "%d%c", &begin, &tail) == 1) {
		full = begin;
		rate = 30;
	} else {
		n = -1;
	}
	if (n < 0 || begin <= 0 || full <= 0) {
		fprintf(stderr, "%s line %d: Invalid MaxStartups spec.\n", origin, line_no);
		return SERVCONF_FATAL;
	}
	if (!d->max_startups_set) {
		d->max_startups_set = true;
		d->max_startups_begin = begin;
		d->max_startups_rate = rate;
		d->max_startups_full = full;
	}
	return 0;
}

static long parse_count(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= 1 && v <= 1000000000L ? v : -1;
}

static int parse_penalty_word(struct daemon_options *d, const char *origin, int line_no, const char *arg)
{
	for (size_t i = 0; i < COUNT_OF(penalty_names); i++) {
		size_t len = strlen(penalty_names[i].prefix);
		if (strncmp(arg, penalty_names[i].prefix, len) != 0)
			continue;
		enum penalty_kind kind = penalty_names[i].kind;
		const char *value = arg + len;
		long v;
		if (kind == PEN_OVERFLOW || kind == PEN_OVERFLOW6) {
			v = strcmp(value, "deny-all") == 0 ? 1 : strcmp(value, "permissive") == 0 ? 0 : -1;
			if (v < 0) {
				fprintf(stderr, "%s line %d: unsupported PerSourcePenalties %s \"%s\"\n", origin,
					line_no, kind == PEN_OVERFLOW ? "overflow" : "overflow6", value);
				return SERVCONF_FATAL;
			}
		} else if (kind == PEN_MAX_SOURCES4 || kind == PEN_MAX_SOURCES6) {
			if ((v = parse_count(value)) < 0) {
				fprintf(stderr, "%s line %d: invalid PerSourcePenalties %.*s value.\n", origin,
					line_no, (int)len - 1, arg);
				return SERVCONF_FATAL;
			}
		} else if ((v = algospec_parse_time(value)) < 0 || v > 100000000L) {
			fprintf(stderr, "%s line %d: invalid PerSourcePenalties time value.\n", origin, line_no);
			return SERVCONF_FATAL;
		}
		if (!(d->penalty_given & (1u << kind))) {
			d->penalty_given |= 1u << kind;
			d->penalty[kind] = (int)v;
			if (d->penalties_enabled == 0)
				d->penalties_enabled = 2; /* any setting enables them */
		}
		return 0;
	}
	fprintf(stderr, "%s line %d: unsupported PerSourcePenalties keyword %s\n", origin, line_no, arg);
	return SERVCONF_FATAL;
}

static int parse_penalties(struct daemon_options *d, const char *origin, int line_no, char **words, int nwords)
{
	for (int i = 1; i < nwords; i++) {
		bool no = strcasecmp(words[i], "no") == 0, yes = strcasecmp(words[i], "yes") == 0;
		if (no || yes) {
			if (nwords > 2) {
				fprintf(stderr, "%s line %d: keyword PerSourcePenalties \"%s\" argument must appear "
					"alone.\n", origin, line_no, words[i]);
				return SERVCONF_FATAL;
			}
			if (d->penalties_enabled == 0)
				d->penalties_enabled = yes ? 2 : 1;
			continue;
		}
		int r = parse_penalty_word(d, origin, line_no, words[i]);
		if (r != 0)
			return r;
	}
	return 0;
}

static int parse_per_source_max_startups(struct daemon_options *d, const char *origin, int line_no, const char *arg)
{
	long v = strcmp(arg, "none") == 0 ? 0 : parse_count(arg);
	if (v < 0) {
		fprintf(stderr, "%s line %d: Invalid PerSourceMaxStartups spec.\n", origin, line_no);
		return SERVCONF_FATAL;
	}
	if (!d->per_source_max_startups_set) {
		d->per_source_max_startups_set = true;
		d->per_source_max_startups = (int)v;
	}
	return 0;
}

static int parse_netblock(struct daemon_options *d, const char *origin, int line_no, const char *arg)
{
	int v4 = -1, v6 = 128;
	char tail;
	int n = sscanf(arg, "%d:%d%c", &v4, &v6, &tail);
	if (n == 1 && sscanf(arg, "%d%c", &v4, &tail) != 1)
		n = -1;
	if ((n != 1 && n != 2) || v4 < 0 || v4 > 32 || v6 < 0 || v6 > 128) {
		fprintf(stderr, "%s line %d: Invalid PerSourceNetBlockSize spec.\n", origin, line_no);
		return SERVCONF_FATAL;
	}
	if (!d->netblock_set) {
		d->netblock_set = true;
		d->netblock4 = v4;
		d->netblock6 = v6;
	}
	return 0;
}

static int parse_exempt_list(struct daemon_options *d, const char *origin, int line_no, const char *arg)
{
	/* A malformed CIDR entry ("192.0.2.1/8") is caught as sshd's addr_match_list does. */
	if (strlen(arg) >= sizeof(d->exempt_list) ||
	    burrow_match_host_and_ip("192.0.2.1", "192.0.2.1", arg) < 0 ||
	    burrow_match_host_and_ip("2001:db8::1", "2001:db8::1", arg) < 0) {
		fprintf(stderr, "%s line %d: keyword PerSourcePenaltyExemptList invalid address argument.\n",
			origin, line_no);
		return SERVCONF_FATAL;
	}
	if (!d->exempt_set) {
		d->exempt_set = true;
		snprintf(d->exempt_list, sizeof(d->exempt_list), "%s", arg);
	}
	return 0;
}

static int parse_facility(struct daemon_options *d, const char *origin, int line_no, const char *arg)
{
	int facility;
	if (log_facility_from_name(arg, &facility) < 0) {
		fprintf(stderr, "%s line %d: unsupported log facility '%s'\n", origin, line_no, arg);
		return SERVCONF_FATAL;
	}
	if (!d->syslog_facility_set) {
		d->syslog_facility_set = true;
		d->syslog_facility = facility;
	}
	return 0;
}

int daemon_config_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords)
{
	static const char *const mine[] = { "MaxStartups", "PerSourcePenalties", "PerSourceNetBlockSize",
					    "PerSourcePenaltyExemptList", "SyslogFacility", "PerSourceMaxStartups" };
	size_t which = COUNT_OF(mine);
	for (size_t i = 0; i < COUNT_OF(mine); i++)
		if (strcasecmp(words[0], mine[i]) == 0)
			which = i;
	if (which == COUNT_OF(mine))
		return DAEMON_CONFIG_NOT_MINE;
	if (nwords < 2 || words[1][0] == 0) {
		fprintf(stderr, "%s line %d: no argument after keyword \"%s\"\n", origin, line_no, words[0]);
		return SERVCONF_FATAL;
	}
	if (which != 1 && nwords > 2) {
		fprintf(stderr, "%s line %d: %s: garbage at end of line\n", origin, line_no, mine[which]);
		return SERVCONF_FATAL;
	}
	struct daemon_options *d = &opts->daemon;
	switch (which) {
	case 0: return parse_max_startups(d, origin, line_no, words[1]);
	case 1: return parse_penalties(d, origin, line_no, words, nwords);
	case 2: return parse_netblock(d, origin, line_no, words[1]);
	case 3: return parse_exempt_list(d, origin, line_no, words[1]);
	case 4: return parse_facility(d, origin, line_no, words[1]);
	default: return parse_per_source_max_startups(d, origin, line_no, words[1]);
	}
}

void daemon_config_fill_defaults(struct daemon_options *d)
{
	if (!d->max_startups_set) {
		d->max_startups_set = true;
		d->max_startups_begin = 10;
		d->max_startups_rate = 30;
		d->max_startups_full = 100;
	}
	if (d->penalties_enabled == 0)
		d->penalties_enabled = 2;
	for (int k = 0; k < PEN_COUNT; k++) {
		if (d->penalty_given & (1u << k))
			continue;
		/* overflow6 follows overflow unless given. */
		d->penalty[k] = k == PEN_OVERFLOW6 ? d->penalty[PEN_OVERFLOW] : penalty_defaults[k];
		d->penalty_given |= 1u << k;
	}
	if (!d->netblock_set) {
		d->netblock_set = true;
		d->netblock4 = 32;
		d->netblock6 = 128;
	}
	if (!d->syslog_facility_set) {
		d->syslog_facility_set = true;
		d->syslog_facility = LOG_AUTH;
	}
}

void daemon_config_dump(const struct daemon_options *d, FILE *out)
{
	fprintf(out, "maxstartups %d:%d:%d\n", d->max_startups_begin, d->max_startups_rate, d->max_startups_full);
	if (d->penalties_enabled != 2) {
		fprintf(out, "persourcepenalties no\n");
	} else {
		fprintf(out, "persourcepenalties");
		for (size_t i = 0; i < COUNT_OF(penalty_names); i++) {
			enum penalty_kind k = penalty_names[i].kind;
			if (k == PEN_OVERFLOW || k == PEN_OVERFLOW6)
				fprintf(out, " %s%s", penalty_names[i].prefix, d->penalty[k] ? "deny-all" : "permissive");
			else
				fprintf(out, " %s%d", penalty_names[i].prefix, d->penalty[k]);
		}
		fprintf(out, "\n");
	}
	if (d->per_source_max_startups > 0)
		fprintf(out, "persourcemaxstartups %d\n", d->per_source_max_startups);
	else
		fprintf(out, "persourcemaxstartups none\n");
	fprintf(out, "persourcenetblocksize %d:%d\n", d->netblock4, d->netblock6);
	fprintf(out, "persourcepenaltyexemptlist %s\n", d->exempt_list[0] ? d->exempt_list : "none");
	fprintf(out, "syslogfacility %s\n", log_facility_name(d->syslog_facility));
}
