/*
 * Expanding config values as ssh does: a leading ~ or ~user, the %-tokens of ssh_config(5)
 * TOKENS and ${VAR}. The tokens describe the connection: before options_finish the host and
 * user known so far, after it the final ones.
 */
#include "client.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_match.h"
#include "config_tokens.h"
#include "log.h"

const char *local_home_dir(void)
{
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_dir)
		return pw->pw_dir;
	const char *home = getenv("HOME");
	return home ? home : "/";
}

const char *local_user_name(void)
{
	static char name[256];
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "%u", (unsigned)getuid());
	return name;
}

char *options_expand_tilde(const char *path)
{
	if (path[0] != '~')
		return strdup(path);
	const char *slash = strchr(path, '/');
	size_t ulen = slash ? (size_t)(slash - path - 1) : strlen(path + 1);
	const char *home;
	if (ulen == 0) {
		home = local_home_dir();
	} else {
		char uname[256];
		snprintf(uname, sizeof(uname), "%.*s", (int)ulen, path + 1);
		struct passwd *pw = getpwnam(uname);
		if (!pw) {
			log_error("tilde_expand: No such user %s", uname);
			return NULL;
		}
		home = pw->pw_dir;
	}
	const char *rest = path + 1 + ulen;
	/* "~/x" with a home of "/" must not become "//x". */
	if (strcmp(home, "/") == 0 && *rest == '/')
		home = "";
	size_t len = strlen(home) + strlen(rest) + 1;
	char *out = malloc(len);
	if (out)
		snprintf(out, len, "%s%s", home, rest);
	return out;
}

/* The values behind ssh's default_client_percent_expand() tokens. */
struct client_tokens {
	char thishost[HOST_NAME_MAX + 1], shorthost[HOST_NAME_MAX + 1], port[16], uid[32], hash[41];
	struct config_token list[13];
	size_t count;
};

static void client_tokens_fill(const struct client_options *o, struct client_tokens *t)
{
	const char *host = o->hostname ? o->hostname : (o->host_arg ? o->host_arg : "");
	const char *user = o->user ? o->user : local_user_name();
	if (gethostname(t->thishost, sizeof(t->thishost)) < 0)
		t->thishost[0] = 0;
	t->thishost[sizeof(t->thishost) - 1] = 0;
	snprintf(t->shorthost, sizeof(t->shorthost), "%s", t->thishost);
	t->shorthost[strcspn(t->shorthost, ".")] = 0;
	snprintf(t->port, sizeof(t->port), "%d", o->port > 0 ? o->port : 22);
	snprintf(t->uid, sizeof(t->uid), "%llu", (unsigned long long)getuid());
	if (config_connection_hash(t->thishost, host, t->port, user, NULL, t->hash) < 0)
		t->hash[0] = 0;
	const struct config_token list[] = {
		{ 'C', t->hash }, { 'L', t->shorthost }, { 'i', t->uid },
		{ 'k', o->host_key_alias ? o->host_key_alias : o->host_arg },
		{ 'l', t->thishost }, { 'n', o->host_arg }, { 'p', t->port }, { 'd', local_home_dir() },
		{ 'h', host }, { 'r', user }, { 'u', local_user_name() },
		{ 'j', "" }, /* ProxyJump: not supported, so never set */
	};
	memcpy(t->list, list, sizeof(list));
	t->count = sizeof(list) / sizeof(list[0]);
}

char *options_expand_tokens(const struct client_options *o, const char *s, bool dollar)
{
	struct client_tokens t;
	char why[256];
	client_tokens_fill(o, &t);
	char *out = config_expand(s, t.list, t.count, dollar, why, sizeof(why));
	if (!out && *why) {
		log_error("vdollar_percent_expand: %s", why);
		log_error("%s: failed", dollar ? "percent_dollar_expand" : "percent_expand");
	}
	return out;
}

char *options_expand_path(const struct client_options *o, const char *path)
{
	char *tilde = options_expand_tilde(path);
	if (!tilde)
		return NULL;
	char *out = options_expand_tokens(o, tilde, true);
	free(tilde);
	return out;
}

int options_match_line(const struct client_options *o, const char *host_arg, bool final_pass, char **words,
		       int n, const char *origin, int line_no, bool *want_final)
{
	/* The host being matched: the final name on the final pass, else HostName so far with %h,
	 * else the host as typed (readconf.c match_cfg_line). */
	char *host;
	if (final_pass || !o->hostname) {
		host = strdup(final_pass && o->hostname ? o->hostname : host_arg);
	} else {
		const struct config_token h = { 'h', host_arg };
		char why[128];
		host = config_expand(o->hostname, &h, 1, false, why, sizeof(why));
		if (!host && *why) {
			log_error("vdollar_percent_expand: %s", why);
			log_error("percent_expand: failed");
			return -2;
		}
	}
	if (!host)
		return -2;
	/* Match exec's tokens: the host being matched, and the key alias falls back to it. */
	struct client_options view = *o;
	view.hostname = host;
	view.host_arg = (char *)host_arg;
	if (!o->host_key_alias)
		view.host_key_alias = host;
	struct client_tokens t;
	client_tokens_fill(&view, &t);
	t.count--; /* no %j in Match exec */
	struct config_match_env env = {
		.host = host,
		.original_host = host_arg,
		.remote_user = o->user ? o->user : local_user_name(),
		.local_user = local_user_name(),
		.final_pass = final_pass,
		.exec_tokens = t.list,
		.exec_ntokens = t.count,
	};
	int r = config_match_eval(words, n, &env, origin, line_no, want_final);
	free(host);
	return r;
}
