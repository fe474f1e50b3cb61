/*
 * Environment for the session channel (RFC 4254 6.4 "env"): SendEnv picks local variables by
 * name pattern, SetEnv gives fixed ones, as OpenSSH's client_session2_setup. The server decides
 * what it accepts (sshd AcceptEnv); the requests carry no reply.
 */
#include "terminal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

extern char **environ;

/* OpenSSH's match_pattern: '*' and '?', case-sensitive (environment names are). */
static bool glob_match(const char *s, const char *p)
{
	for (;;) {
		if (*p == 0)
			return *s == 0;
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == 0)
				return true;
			for (; *s; s++)
				if ((*p == '?' || *p == *s) && glob_match(s, p))
					return true;
			return false;
		}
		if (*s == 0 || (*p != '?' && *p != *s))
			return false;
		s++;
		p++;
	}
}

/* Whether pattern j still stands: no "-pattern" after it takes it back (readconf.c rm_env
 * removes the earlier patterns that the pattern after '-' matches). */
static bool pattern_stands(const struct strlist *send_env, size_t j)
{
	for (size_t k = j + 1; k < send_env->count; k++)
		if (send_env->items[k][0] == '-' && glob_match(send_env->items[j], send_env->items[k] + 1))
			return false;
	return true;
}

bool env_name_permitted(const struct strlist *send_env, const char *name)
{
	for (size_t j = 0; j < send_env->count; j++) {
		const char *pat = send_env->items[j];
		if (pat[0] != '-' && glob_match(name, pat) && pattern_stands(send_env, j))
			return true;
	}
	return false;
}

/* TERM for the pty-req: SetEnv's TERM when it names one, else ours ("" when unset). */
const char *session_env_term(const struct client_options *o)
{
	for (size_t i = 0; i < o->set_env.count; i++) {
		const char *item = o->set_env.items[i];
		if (strncmp(item, "TERM=", 5) == 0 && item[5])
			return item + 5;
	}
	const char *term = getenv("TERM");
	return term ? term : "";
}

void session_env_send(struct burrow_conn *conn, uint32_t channel, const struct client_options *o)
{
	if (o->send_env.count == 0 && o->set_env.count == 0)
		return;
	log_debug("Sending environment.");
	char name[1024];
	for (char **ep = environ; o->send_env.count && ep && *ep; ep++) {
		const char *eq = strchr(*ep, '=');
		if (!eq || eq == *ep)
			continue;
		size_t n = (size_t)(eq - *ep);
		if (n >= sizeof(name)) {
			log_error("env_permitted: name '%.100s...' too long", *ep);
			continue;
		}
		memcpy(name, *ep, n);
		name[n] = 0;
		if (!env_name_permitted(&o->send_env, name))
			continue;
		log_debug("Sending env %s = %s", name, eq + 1);
		int r = burrow_chan_request_env(conn, channel, name, eq + 1, false);
		if (r < 0)
			log_debug("env %s: %s", name, burrow_strerror(r));
	}
	for (size_t i = 0; i < o->set_env.count; i++) {
		const char *item = o->set_env.items[i], *eq = strchr(item, '=');
		size_t n = eq ? (size_t)(eq - item) : 0;
		if (!eq || n == 0 || n >= sizeof(name))
			continue;
		memcpy(name, item, n);
		name[n] = 0;
		log_debug("Setting env %s = %s", name, eq + 1);
		int r = burrow_chan_request_env(conn, channel, name, eq + 1, false);
		if (r < 0)
			log_debug("env %s: %s", name, burrow_strerror(r));
	}
}
