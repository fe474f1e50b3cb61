/*
 * The ssh_config keywords of interactive sessions (RequestTTY, EscapeChar, SendEnv, SetEnv,
 * keepalives, ConnectionAttempts, SessionType, RemoteCommand, ...): parsed with ssh's checks and
 * messages, the first value obtained winning, and their defaults (ssh's fill_default_options).
 */
#include "client.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "algospec.h"
#include "config_match.h"
#include "log.h"

static const struct {
	const char *name;
	enum session_keyword kw;
} session_keywords[] = {
	{ "requesttty", SK_REQUEST_TTY }, { "escapechar", SK_ESCAPE_CHAR }, { "sendenv", SK_SEND_ENV },
	{ "setenv", SK_SET_ENV }, { "serveraliveinterval", SK_SERVER_ALIVE_INTERVAL },
	{ "serveralivecountmax", SK_SERVER_ALIVE_COUNT_MAX }, { "connectionattempts", SK_CONNECTION_ATTEMPTS },
	{ "tcpkeepalive", SK_TCP_KEEP_ALIVE }, { "keepalive", SK_TCP_KEEP_ALIVE },
	{ "forkafterauthentication", SK_FORK_AFTER_AUTH }, { "sessiontype", SK_SESSION_TYPE },
	{ "remotecommand", SK_REMOTE_COMMAND }, { "exitonforwardfailure", SK_EXIT_ON_FORWARD_FAILURE },
};

enum session_keyword session_keyword_lookup(const char *lowercase_name)
{
	for (size_t i = 0; i < sizeof(session_keywords) / sizeof(session_keywords[0]); i++)
		if (strcmp(session_keywords[i].name, lowercase_name) == 0)
			return session_keywords[i].kw;
	return SK_NONE;
}

/* ssh's multistate tables: the first name of a value is the one ssh -G prints. */
static const struct session_state {
	const char *name;
	int value;
} request_tty_states[] = {
	{ "true", REQUEST_TTY_YES }, { "yes", REQUEST_TTY_YES }, { "false", REQUEST_TTY_NO },
	{ "no", REQUEST_TTY_NO }, { "force", REQUEST_TTY_FORCE }, { "auto", REQUEST_TTY_AUTO }, { NULL, 0 },
}, session_type_states[] = {
	{ "none", SESSION_TYPE_NONE }, { "subsystem", SESSION_TYPE_SUBSYSTEM },
	{ "default", SESSION_TYPE_DEFAULT }, { NULL, 0 },
}, flag_states[] = {
	{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 }, { NULL, 0 },
};

static int state_parse(const struct session_state *table, const char *arg)
{
	for (size_t i = 0; table[i].name; i++)
		if (strcasecmp(table[i].name, arg) == 0)
			return table[i].value;
	return -2;
}

const char *session_request_tty_name(int value)
{
	for (size_t i = 0; request_tty_states[i].name; i++)
		if (request_tty_states[i].value == value)
			return request_tty_states[i].name;
	return "UNKNOWN";
}

const char *session_type_name(int value)
{
	for (size_t i = 0; session_type_states[i].name; i++)
		if (session_type_states[i].value == value)
			return session_type_states[i].name;
	return "UNKNOWN";
}

/* EscapeChar: one character, "^X" for a control character, or "none". false when bad. */
static bool parse_escape_char(const char *arg, int *out)
{
	if (strcmp(arg, "none") == 0)
		*out = ESCAPE_CHAR_NONE;
	else if (arg[0] && !arg[1])
		*out = (unsigned char)arg[0];
	else if (arg[0] == '^' && arg[1] && !arg[2] && (unsigned char)arg[1] >= 64 && (unsigned char)arg[1] < 128)
		*out = (unsigned char)arg[1] & 31;
	else
		return false;
	return true;
}

/* atoi_err() of OpenSSH misc.c: a non-negative int. */
static const char *parse_int(const char *arg, int *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (end == arg || *end)
		return "invalid";
	if (errno == ERANGE || v > INT_MAX)
		return "too large";
	if (v < 0)
		return "too small";
	*out = (int)v;
	return NULL;
}

/* SendEnv: "-pattern" drops the names matching it from what earlier lines said. */
static int send_env_remove(struct strlist *list, const char *pattern)
{
	size_t kept = 0;
	for (size_t i = 0; i < list->count; i++) {
		if (config_pattern_match(list->items[i], pattern)) {
			free(list->items[i]);
			continue;
		}
		list->items[kept++] = list->items[i];
	}
	list->count = kept;
	return 0;
}

/* SetEnv: true when NAME= of entry is already in the list (the first value wins). */
static bool set_env_has_name(const struct strlist *list, const char *entry)
{
	size_t name_len = strcspn(entry, "=");
	for (size_t i = 0; i < list->count; i++)
		if (strncmp(list->items[i], entry, name_len) == 0 && list->items[i][name_len] == '=')
			return true;
	return false;
}

static int set_int(int *field, int value, bool active)
{
	if (active && *field == -1)
		*field = value;
	return 0;
}

int session_keyword_apply(struct client_options *o, enum session_keyword k, char **words, int n,
			  const char *rest_of_line, bool active, const char *origin, int line_no)
{
	const char *arg = words[1];
	int v;
	const char *why;
	switch (k) {
	case SK_NONE:
		return 1;
	case SK_REQUEST_TTY:
	case SK_SESSION_TYPE:
	case SK_TCP_KEEP_ALIVE:
	case SK_FORK_AFTER_AUTH:
	case SK_EXIT_ON_FORWARD_FAILURE: {
		const struct session_state *table = k == SK_REQUEST_TTY ? request_tty_states :
						    k == SK_SESSION_TYPE ? session_type_states : flag_states;
		int *field = k == SK_REQUEST_TTY ? &o->request_tty : k == SK_SESSION_TYPE ? &o->session_type :
			     k == SK_TCP_KEEP_ALIVE ? &o->tcp_keep_alive : k == SK_FORK_AFTER_AUTH ?
			     &o->fork_after_authentication : &o->exit_on_forward_failure;
		if ((v = state_parse(table, arg)) == -2) {
			log_error("%s line %d: unsupported option \"%s\".", origin, line_no, arg);
			return 1;
		}
		return set_int(field, v, active);
	}
	case SK_ESCAPE_CHAR:
		if (!parse_escape_char(arg, &v)) {
			log_error("%s line %d: Bad escape character.", origin, line_no);
			return 1;
		}
		return set_int(&o->escape_char, v, active);
	case SK_SERVER_ALIVE_INTERVAL: {
		long t = strcmp(arg, "none") == 0 ? -1 : algospec_parse_time(arg);
		if (t < 0 && strcmp(arg, "none") != 0) {
			log_error("%s line %d: invalid time value.", origin, line_no);
			return 1;
		}
		/* "none" is ssh's -1, which leaves the option unset: the default (0) follows. */
		return t < 0 || t > INT_MAX ? 0 : set_int(&o->server_alive_interval, (int)t, active);
	}
	case SK_SERVER_ALIVE_COUNT_MAX:
	case SK_CONNECTION_ATTEMPTS:
		if ((why = parse_int(arg, &v)) != NULL) {
			log_error("%s line %d: integer value %s.", origin, line_no, why);
			return 1;
		}
		return set_int(k == SK_CONNECTION_ATTEMPTS ? &o->connection_attempts : &o->server_alive_count_max, v,
			       active);
	case SK_SEND_ENV:
		for (int i = 1; i < n; i++) {
			if (!*words[i] || strchr(words[i], '=')) {
				log_error("%s line %d: Invalid environment name.", origin, line_no);
				return 1;
			}
		}
		for (int i = 1; active && i < n; i++) {
			if (words[i][0] == '-')
				send_env_remove(&o->send_env, words[i] + 1);
			else if (strlist_add(&o->send_env, words[i]) < 0)
				return -1;
		}
		return 0;
	case SK_SET_ENV: {
		/* Only the first SetEnv line that applies counts, like ssh's other lists. */
		bool first_line = o->set_env.count == 0;
		for (int i = 1; i < n; i++) {
			if (!strchr(words[i], '=')) {
				log_error("%s line %d: Invalid SetEnv.", origin, line_no);
				return 1;
			}
		}
		for (int i = 1; active && first_line && i < n; i++)
			if (!set_env_has_name(&o->set_env, words[i]) && strlist_add(&o->set_env, words[i]) < 0)
				return -1;
		return 0;
	}
	case SK_REMOTE_COMMAND:
		/* The rest of the line as written (quotes and spacing kept), as ssh's parse_command. */
		if (active && !o->remote_command && !(o->remote_command = strdup(rest_of_line)))
			return -1;
		return 0;
	}
	return 1;
}

int session_options_finish(struct client_options *o)
{
	if (o->request_tty == REQUEST_TTY_UNSET)
		o->request_tty = REQUEST_TTY_AUTO;
	if (o->escape_char == -1)
		o->escape_char = '~';
	/* Debian's ssh (the one these outputs are compared with) keeps batch connections alive:
	 * 300 seconds in BatchMode unless set. */
	if (o->server_alive_interval == -1)
		o->server_alive_interval = o->batch_mode == 1 ? 300 : 0;
	if (o->server_alive_count_max == -1)
		o->server_alive_count_max = 3;
	if (o->connection_attempts == -1)
		o->connection_attempts = 1;
	if (o->tcp_keep_alive == -1)
		o->tcp_keep_alive = 1;
	if (o->fork_after_authentication == -1)
		o->fork_after_authentication = 0;
	if (o->session_type == SESSION_TYPE_UNSET)
		o->session_type = SESSION_TYPE_DEFAULT;
	if (o->exit_on_forward_failure == -1)
		o->exit_on_forward_failure = 0;
	if (o->connection_attempts <= 0) {
		log_error("Invalid number of ConnectionAttempts");
		return -1;
	}
	/* RemoteCommand "none" is no command; otherwise its %-tokens are expanded now (ssh.c). */
	if (o->remote_command && strcasecmp(o->remote_command, "none") == 0) {
		free(o->remote_command);
		o->remote_command = NULL;
	}
	if (o->remote_command) {
		char *expanded = options_expand_tokens(o, o->remote_command, false);
		if (!expanded)
			return -1;
		free(o->remote_command);
		o->remote_command = expanded;
	}
	return 0;
}
