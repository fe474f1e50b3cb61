/*
 * Match blocks of sshd_config in burrowd. As sshd (servconf.c parse_server_match_config), the
 * configuration is read twice: at startup every Match block is checked but only "Match All"
 * applies; for a connection, servconf_for_connection reads the kept text again, first applying
 * only the blocks whose criteria hold (the first value of a keyword wins among them), then the
 * global lines and command-line options for whatever those blocks left unset. Lists a matching
 * block sets (AllowUsers, AcceptEnv, ...) replace the global ones, as sshd's
 * copy_set_server_options does.
 */
#define _GNU_SOURCE
#include "servconf_internal.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfgfile.h"
#include "log.h"

/* sshd_config(5), "Match": the keywords that may follow a Match line. */
static const char *const match_keywords[] = {
	"AcceptEnv", "AllowAgentForwarding", "AllowGroups", "AllowStreamLocalForwarding",
	"AllowTcpForwarding", "AllowUsers", "AuthenticationMethods", "AuthorizedKeysCommand",
	"AuthorizedKeysCommandUser", "AuthorizedKeysFile", "AuthorizedPrincipalsCommand",
	"AuthorizedPrincipalsCommandUser", "AuthorizedPrincipalsFile", "Banner", "CASignatureAlgorithms",
	"ChannelTimeout", "ChrootDirectory", "ClientAliveCountMax", "ClientAliveInterval", "DenyGroups",
	"DenyUsers", "DisableForwarding", "ExposeAuthInfo", "ForceCommand", "GatewayPorts",
	"GSSAPIAuthentication", "HostbasedAcceptedAlgorithms", "HostbasedAcceptedKeyTypes",
	"HostbasedAuthentication", "HostbasedUsesNameFromPacketOnly", "IgnoreRhosts", "Include", "IPQoS",
	"KbdInteractiveAuthentication", "ChallengeResponseAuthentication", "KerberosAuthentication",
	"LogLevel", "LogVerbose", "Match", "MaxAuthTries", "MaxSessions", "PasswordAuthentication",
	"PermitEmptyPasswords", "PermitListen", "PermitOpen", "PermitRootLogin", "PermitTTY",
	"PermitTunnel", "PermitUserRC", "PubkeyAcceptedAlgorithms", "PubkeyAcceptedKeyTypes",
	"PubkeyAuthentication", "PubkeyAuthOptions", "RefuseConnection", "RekeyLimit", "RevokedKeys",
	"SetEnv", "StreamLocalBindMask", "StreamLocalBindUnlink", "TrustedUserCAKeys",
	"UnusedConnectionTimeout", "X11DisplayOffset", "X11Forwarding", "X11UseLocalhost",
};

bool servconf_match_allowed(const char *keyword)
{
	for (size_t i = 0; i < sizeof(match_keywords) / sizeof(match_keywords[0]); i++)
		if (strcasecmp(keyword, match_keywords[i]) == 0)
			return true;
	return false;
}

int servconf_match_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords)
{
	struct servconf_state *state = servconf_state_get(opts);
	char err[256];
	if (!state)
		return SERVCONF_FATAL;
	if (line_no == 0) {
		fprintf(stderr, "Match directive not supported as a command-line option\n");
		return SERVCONF_FATAL;
	}
	bool never = state->file_flags & SERVCONF_FILE_NEVER_MATCH;
	int r = match_criteria_eval(words + 1, nwords - 1, never ? NULL : state->conn, line_no, err, sizeof(err));
	if (r == -2) {
		fprintf(stderr, "%s\n", err);
		return SERVCONF_FATAL;
	}
	if (r < 0) {
		fprintf(stderr, "%s\n%s line %d: Bad Match condition\n", err, origin, line_no);
		return SERVCONF_FATAL;
	}
	if (state->conn && r == 1) {
		char criteria[256] = "";
		for (int i = 1; i < nwords; i++)
			snprintf(criteria + strlen(criteria), sizeof(criteria) - strlen(criteria), " %s", words[i]);
		log_debug("%s line %d: Match%s applies to this connection", origin, line_no, criteria);
	}
	opts->in_match_block = never || r == 0;
	state->file_flags &= ~SERVCONF_FILE_MATCH_ONLY; /* the global part of this file is over */
	return 0;
}

/* ---- one connection ---- */

struct group_names {
	char **v;
	size_t n;
};

/* The user's groups by name (getgrouplist: the primary group and the supplementary ones). */
static void group_names_load(const char *user, struct group_names *out)
{
	struct passwd *pw = user ? getpwnam(user) : NULL;
	out->v = NULL;
	out->n = 0;
	if (!pw)
		return;
	int count = 64;
	gid_t *gids = NULL;
	for (int tries = 0; tries < 4; tries++) {
		gid_t *grown = realloc(gids, (size_t)count * sizeof(*gids));
		if (!grown)
			break;
		gids = grown;
		int want = count;
		if (getgrouplist(user, pw->pw_gid, gids, &want) >= 0) {
			count = want;
			out->v = calloc((size_t)count, sizeof(*out->v));
			for (int i = 0; out->v && i < count; i++) {
				struct group *gr = getgrgid(gids[i]);
				if (gr && (out->v[out->n] = strdup(gr->gr_name)) != NULL)
					out->n++;
			}
			break;
		}
		count = want > count ? want : count * 2;
	}
	free(gids);
}

static void group_names_free(struct group_names *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i]);
	free(g->v);
}

/* A list a matching block set replaces the global one: drop what the global pass appended. */
static void strlist_truncate(struct strlist *list, size_t keep)
{
	if (keep == 0 || list->n <= keep)
		return;
	for (size_t i = keep; i < list->n; i++)
		free(list->v[i]);
	list->n = keep;
	list->v[keep] = NULL;
}

static void subsystems_truncate(struct session_options *s, size_t keep)
{
	if (keep == 0 || s->subsystem_count <= keep)
		return;
	for (size_t i = keep; i < s->subsystem_count; i++) {
		free(s->subsystems[i].name);
		free(s->subsystems[i].command);
	}
	s->subsystem_count = keep;
}

struct list_marks {
	size_t allow_users, deny_users, allow_groups, deny_groups, accept_env, subsystems;
};

static void list_marks_take(const struct server_options *o, struct list_marks *m)
{
	m->allow_users = o->allow_users.n;
	m->deny_users = o->deny_users.n;
	m->allow_groups = o->allow_groups.n;
	m->deny_groups = o->deny_groups.n;
	m->accept_env = o->sessions.accept_env.n;
	m->subsystems = o->sessions.subsystem_count;
}

static void list_marks_apply(struct server_options *o, const struct list_marks *m)
{
	strlist_truncate(&o->allow_users, m->allow_users);
	strlist_truncate(&o->deny_users, m->deny_users);
	strlist_truncate(&o->allow_groups, m->allow_groups);
	strlist_truncate(&o->deny_groups, m->deny_groups);
	strlist_truncate(&o->sessions.accept_env, m->accept_env);
	subsystems_truncate(&o->sessions, m->subsystems);
}

/* The global lines again: -o options, -p ports, then the file with only "Match All" applying. */
static int reread_global(struct server_options *out, const struct servconf_source *source)
{
	int r = 0;
	for (size_t i = 0; i < source->options.n && r == 0; i++)
		r = cfg_read_option(source->options.v[i], servconf_line, out) < 0 ? SERVCONF_FATAL : 0;
	for (size_t i = 0; i < source->ports.n && r == 0; i++)
		r = servconf_port_argument(out, source->ports.v[i]);
	if (r == 0 && source->text)
		r = servconf_parse_text(out, source->path, source->text, 0);
	return r;
}

/* Pass 1: only the Match blocks that hold for this connection apply; out shares the startup
 * text and include cache (reference-counted). */
static int read_matching_blocks(struct server_options *out, struct servconf_source *source,
				const struct match_criteria_input *in)
{
	struct servconf_state *state = servconf_state_get(out);
	if (!state)
		return -1;
	if (!source)
		return 0;
	servconf_source_release(state->source);
	state->source = source;
	source->refs++;
	state->quiet = true;
	state->conn = in;
	out->in_match_block = true; /* the global lines wait for pass 2 */
	int r = source->text ? servconf_parse_text(out, source->path, source->text, SERVCONF_FILE_MATCH_ONLY) : 0;
	state->conn = NULL;
	out->in_match_block = false;
	return r;
}

/* What main.c set on the startup options besides the file: -h host keys, -d/-q log level, the
 * moduli text. */
static int copy_program_settings(const struct server_options *base, struct server_options *out,
				 int match_log_level)
{
	strlist_free(&out->host_keys);
	for (size_t i = 0; i < base->host_keys.n; i++)
		if (strlist_add(&out->host_keys, base->host_keys.v[i]) < 0)
			return -1;
	if (match_log_level == -1)
		out->log_level = base->log_level;
	free(out->moduli);
	out->moduli = base->moduli ? strdup(base->moduli) : NULL;
	return base->moduli && !out->moduli ? -1 : 0;
}

int servconf_for_connection(const struct server_options *base, const struct match_ctx *ctx,
			    struct server_options *out)
{
	struct group_names groups;
	struct list_marks marks;
	struct servconf_source *source = base->state ? base->state->source : NULL;
	group_names_load(ctx->user, &groups);
	struct match_criteria_input in = {
		.user = ctx->user, .groups = (const char *const *)groups.v, .group_count = groups.n,
		.host = ctx->host, .addr = ctx->addr, .laddr = ctx->laddr, .lport = ctx->lport,
		.rdomain = ctx->rdomain, .strict = ctx->test_spec,
	};
	servconf_init(out);
	int r = read_matching_blocks(out, source, &in);
	int match_log_level = out->log_level;
	list_marks_take(out, &marks);
	/* Pass 2: the global part fills in what no matching block set. */
	if (r == 0 && source)
		r = reread_global(out, source);
	group_names_free(&groups);
	if (r == 0) {
		list_marks_apply(out, &marks);
		r = copy_program_settings(base, out, match_log_level);
	}
	if (r == 0)
		r = servconf_fill_defaults_checked(out);
	if (r == 0)
		daemon_config_fill_defaults(&out->daemon); /* as main.c does for the startup options */
	if (r < 0 || out->bad_options > 0) {
		log_error("cannot evaluate the configuration for user %s from %s", ctx->user ? ctx->user : "(none)",
			  ctx->addr ? ctx->addr : "(unknown)");
		servconf_free(out);
		return -1;
	}
	return 0;
}

/* ---- -C user=,host=,addr=,laddr=,lport=,rdomain= (sshd -T -C) ---- */

int servconf_test_spec_parse(const char *spec, struct match_ctx *ctx)
{
	char *copy = strdup(spec), *rest = copy, *p;
	int r = copy ? 0 : -1;
	ctx->test_spec = true;
	while (r == 0 && (p = strsep(&rest, ",")) != NULL && *p) {
		static const char *const keys[] = { "addr=", "host=", "user=", "laddr=", "rdomain=" };
		const char **slots[] = { &ctx->addr, &ctx->host, &ctx->user, &ctx->laddr, &ctx->rdomain };
		size_t i = 0;
		while (i < 5 && strncmp(p, keys[i], strlen(keys[i])) != 0)
			i++;
		if (i < 5) {
			*slots[i] = strdup(p + strlen(keys[i])); /* lives as long as the -T run */
			continue;
		}
		if (strncmp(p, "lport=", 6) == 0) {
			char *end;
			long v = strtol(p + 6, &end, 10);
			if (!p[6] || *end || v < 0 || v > 65535) {
				fprintf(stderr, "Invalid port '%s' in test mode specification %s\n", p + 6, p);
				r = -1;
			}
			ctx->lport = (int)v;
			continue;
		}
		fprintf(stderr, "Invalid test mode specification %s\n", p);
		r = -1;
	}
	free(copy);
	return r;
}
