/*
 * The session keywords of sshd_config: AcceptEnv, Subsystem, PrintMotd, PrintLastLog,
 * MaxSessions, PermitTTY, ForceCommand, X11Forwarding, PermitUserRC. Parsed as sshd parses them
 * (first value wins, AcceptEnv accumulates, a Subsystem defined twice is fatal), dumped as
 * `sshd -T` prints them.
 */
#define _GNU_SOURCE
#include "session_config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "servconf_internal.h"

enum session_keyword {
	SKW_ACCEPT_ENV,
	SKW_SUBSYSTEM,
	SKW_PRINT_MOTD,
	SKW_PRINT_LAST_LOG,
	SKW_MAX_SESSIONS,
	SKW_PERMIT_TTY,
	SKW_FORCE_COMMAND,
	SKW_X11_FORWARDING,
	SKW_PERMIT_USER_RC,
};

static const struct {
	const char *name;
	enum session_keyword kw;
} session_keywords[] = {
	{ "AcceptEnv", SKW_ACCEPT_ENV },       { "Subsystem", SKW_SUBSYSTEM },
	{ "PrintMotd", SKW_PRINT_MOTD },       { "PrintLastLog", SKW_PRINT_LAST_LOG },
	{ "MaxSessions", SKW_MAX_SESSIONS },   { "PermitTTY", SKW_PERMIT_TTY },
	{ "ForceCommand", SKW_FORCE_COMMAND }, { "X11Forwarding", SKW_X11_FORWARDING },
	{ "PermitUserRC", SKW_PERMIT_USER_RC },
};

static void config_error(const char *origin, int line_no, const char *what)
{
	fprintf(stderr, "%s line %d: %s\n", origin, line_no, what);
}

/* "yes"/"no" into a 0-unset/1-no/2-yes slot, the first value winning. */
static int set_flag(int *slot, const char *origin, int line_no, char **words, int nwords, bool in_match)
{
	if (nwords != 2) {
		config_error(origin, line_no, nwords < 2 ? "missing argument." : "garbage at end of line");
		return SERVCONF_FATAL;
	}
	int value;
	if (strcasecmp(words[1], "yes") == 0)
		value = 2;
	else if (strcasecmp(words[1], "no") == 0)
		value = 1;
	else {
		fprintf(stderr, "%s line %d: unsupported option \"%s\".\n", origin, line_no, words[1]);
		return SERVCONF_FATAL;
	}
	if (!in_match && *slot == 0)
		*slot = value;
	return 0;
}

/* AcceptEnv NAME...: names may hold '*' and '?', never '=' (sshd: "Invalid environment name"). */
static int parse_accept_env(struct session_options *s, const char *origin, int line_no, char **words, int nwords,
			    bool in_match)
{
	for (int i = 1; i < nwords; i++) {
		if (strchr(words[i], '=')) {
			config_error(origin, line_no, "Invalid environment name.");
			return SERVCONF_FATAL;
		}
		if (!in_match && strlist_add(&s->accept_env, words[i]) < 0)
			return SERVCONF_FATAL;
	}
	return 0;
}

/* The rest of a line as one command (words joined with single spaces); NULL on no memory. */
static char *join_words_new(char **words, int from, int nwords)
{
	size_t len = 1;
	for (int i = from; i < nwords; i++)
		len += strlen(words[i]) + 1;
	char *out = malloc(len);
	if (!out)
		return NULL;
	out[0] = 0;
	for (int i = from; i < nwords; i++) {
		if (i > from)
			strcat(out, " ");
		strcat(out, words[i]);
	}
	return out;
}

static int parse_subsystem(struct session_options *s, const char *origin, int line_no, char **words, int nwords,
			   bool in_match)
{
	if (nwords < 2) {
		config_error(origin, line_no, "Missing subsystem name.");
		return SERVCONF_FATAL;
	}
	if (nwords < 3) {
		config_error(origin, line_no, "Missing subsystem command.");
		return SERVCONF_FATAL;
	}
	if (in_match)
		return 0;
	if (session_opt_subsystem(s, words[1])) {
		fprintf(stderr, "%s line %d: Subsystem '%s' already defined.\n", origin, line_no, words[1]);
		return SERVCONF_FATAL;
	}
	struct session_subsystem *grown = realloc(s->subsystems, (s->subsystem_count + 1) * sizeof(*grown));
	if (!grown)
		return SERVCONF_FATAL;
	s->subsystems = grown;
	struct session_subsystem *sub = &grown[s->subsystem_count];
	sub->name = strdup(words[1]);
	sub->command = join_words_new(words, 2, nwords);
	if (!sub->name || !sub->command) {
		free(sub->name);
		free(sub->command);
		return SERVCONF_FATAL;
	}
	s->subsystem_count++;
	return 0;
}

static int parse_max_sessions(struct session_options *s, const char *origin, int line_no, char **words,
			      int nwords, bool in_match)
{
	if (nwords != 2) {
		config_error(origin, line_no, nwords < 2 ? "missing argument." : "garbage at end of line");
		return SERVCONF_FATAL;
	}
	char *end;
	long v = strtol(words[1], &end, 10);
	if (!*words[1] || *end || v < 0 || v > INT_MAX) {
		fprintf(stderr, "%s line %d: invalid integer value \"%s\".\n", origin, line_no, words[1]);
		return SERVCONF_FATAL;
	}
	if (!in_match && !s->max_sessions_set) {
		s->max_sessions = (int)v;
		s->max_sessions_set = true;
	}
	return 0;
}

static int parse_force_command(struct session_options *s, const char *origin, int line_no, char **words,
			       int nwords, bool in_match)
{
	if (nwords < 2) {
		config_error(origin, line_no, "missing argument.");
		return SERVCONF_FATAL;
	}
	if (in_match || s->force_command)
		return 0;
	s->force_command = join_words_new(words, 1, nwords);
	return s->force_command ? 0 : SERVCONF_FATAL;
}

int session_config_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords)
{
	struct session_options *s = &opts->sessions;
	bool in_match = opts->in_match_block;
	size_t i = 0;
	while (i < sizeof(session_keywords) / sizeof(session_keywords[0]) &&
	       strcasecmp(words[0], session_keywords[i].name) != 0)
		i++;
	if (i == sizeof(session_keywords) / sizeof(session_keywords[0]))
		return SESSION_CONFIG_NOT_MINE;
	switch (session_keywords[i].kw) {
	case SKW_ACCEPT_ENV:
		return parse_accept_env(s, origin, line_no, words, nwords, in_match);
	case SKW_SUBSYSTEM:
		return parse_subsystem(s, origin, line_no, words, nwords, in_match);
	case SKW_MAX_SESSIONS:
		return parse_max_sessions(s, origin, line_no, words, nwords, in_match);
	case SKW_FORCE_COMMAND:
		return parse_force_command(s, origin, line_no, words, nwords, in_match);
	case SKW_PRINT_MOTD:
		return set_flag(&s->print_motd, origin, line_no, words, nwords, in_match);
	case SKW_PRINT_LAST_LOG:
		return set_flag(&s->print_last_log, origin, line_no, words, nwords, in_match);
	case SKW_PERMIT_TTY:
		return set_flag(&s->permit_tty, origin, line_no, words, nwords, in_match);
	case SKW_PERMIT_USER_RC:
		return set_flag(&s->permit_user_rc, origin, line_no, words, nwords, in_match);
	case SKW_X11_FORWARDING: {
		int r = set_flag(&s->x11_forwarding, origin, line_no, words, nwords, in_match);
		bool reread = opts->state && opts->state->quiet; /* said once, at startup */
		if (r == 0 && !in_match && !reread && strcasecmp(words[1], "yes") == 0)
			log_info("%s line %d: X11Forwarding yes: X11 forwarding is not supported, requests are "
				 "refused", origin, line_no);
		return r;
	}
	}
	return SESSION_CONFIG_NOT_MINE;
}

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

void session_config_dump(const struct session_options *s, FILE *out)
{
	fprintf(out, "maxsessions %d\n", session_opt_max_sessions(s));
	fprintf(out, "printmotd %s\n", yes_no(session_opt_print_motd(s)));
	fprintf(out, "printlastlog %s\n", yes_no(session_opt_print_last_log(s)));
	fprintf(out, "permittty %s\n", yes_no(session_opt_permit_tty(s)));
	fprintf(out, "x11forwarding %s\n", yes_no(session_opt_x11_forwarding(s)));
	fprintf(out, "permituserrc %s\n", yes_no(session_opt_permit_user_rc(s)));
	fprintf(out, "forcecommand %s\n", s->force_command ? s->force_command : "none");
	for (size_t i = 0; i < s->accept_env.n; i++)
		fprintf(out, "acceptenv %s\n", s->accept_env.v[i]);
	for (size_t i = 0; i < s->subsystem_count; i++)
		fprintf(out, "subsystem %s %s\n", s->subsystems[i].name, s->subsystems[i].command);
}

void session_config_free(struct session_options *s)
{
	strlist_free(&s->accept_env);
	for (size_t i = 0; i < s->subsystem_count; i++) {
		free(s->subsystems[i].name);
		free(s->subsystems[i].command);
	}
	free(s->subsystems);
	free(s->force_command);
	memset(s, 0, sizeof(*s));
}

/* ---- what the session code reads ---- */

static bool flag_or(int slot, bool dflt)
{
	return slot == 0 ? dflt : slot == 2;
}

bool session_opt_print_motd(const struct session_options *s) { return flag_or(s->print_motd, true); }
bool session_opt_print_last_log(const struct session_options *s) { return flag_or(s->print_last_log, true); }
bool session_opt_permit_tty(const struct session_options *s) { return flag_or(s->permit_tty, true); }
/* Only "no" has an effect: there is no X11 forwarding to turn on. */
bool session_opt_x11_forwarding(const struct session_options *s) { return flag_or(s->x11_forwarding, false); }
bool session_opt_permit_user_rc(const struct session_options *s) { return flag_or(s->permit_user_rc, true); }

int session_opt_max_sessions(const struct session_options *s)
{
	return s->max_sessions_set ? s->max_sessions : SESSION_DEFAULT_MAX_SESSIONS;
}

bool session_opt_accept_env(const struct session_options *s, const char *name)
{
	for (size_t i = 0; i < s->accept_env.n; i++)
		if (burrow_match_pattern_list(name, s->accept_env.v[i], false) == BURROW_MATCH_YES)
			return true;
	return false;
}

const char *session_opt_subsystem(const struct session_options *s, const char *name)
{
	for (size_t i = 0; i < s->subsystem_count; i++)
		if (strcmp(s->subsystems[i].name, name) == 0)
			return s->subsystems[i].command;
	return NULL;
}
