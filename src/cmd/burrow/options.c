/*
 * ssh_config for the client: the keyword table, Host blocks, Include, and the first-value-wins
 * rule of OpenSSH ssh_config(5). Messages follow OpenSSH's wording so scripts see the same text.
 */
#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algospec.h"
#include "cfgfile.h"
#include "log.h"

#define INCLUDE_MAX_DEPTH 16

/* ---- string lists ---- */

int strlist_add(struct strlist *list, const char *s)
{
	char *copy = strdup(s);
	char **grown = realloc(list->items, (list->count + 1) * sizeof(*list->items));
	if (!copy || !grown) {
		free(copy);
		if (grown)
			list->items = grown;
		return -1;
	}
	list->items = grown;
	list->items[list->count++] = copy;
	return 0;
}

bool strlist_contains(const struct strlist *list, const char *s)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i], s) == 0)
			return true;
	return false;
}

void strlist_free(struct strlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* ---- option object ---- */

static void auth_options_init(struct client_options *o); /* with auth_keyword() below */

void options_init(struct client_options *o)
{
	memset(o, 0, sizeof(*o));
	o->port = -1;
	o->address_family = -1;
	o->strict_host_key_checking = STRICT_UNSET;
	o->batch_mode = -1;
	o->rekey_bytes = -1;
	o->compression = -1;
	o->log_level = -1;
	o->connect_timeout = -1;
	o->identities_only = -1;
	o->hash_known_hosts = -1;
	o->request_tty = REQUEST_TTY_UNSET;
	o->escape_char = -1;
	o->server_alive_interval = -1;
	o->server_alive_count_max = -1;
	o->connection_attempts = -1;
	o->tcp_keep_alive = -1;
	o->fork_after_authentication = -1;
	o->session_type = SESSION_TYPE_UNSET;
	o->exit_on_forward_failure = -1;
	auth_options_init(o);
}

void options_free(struct client_options *o)
{
	free(o->host_arg);
	free(o->hostname);
	free(o->host_key_alias);
	free(o->user);
	strlist_free(&o->identity_files);
	strlist_free(&o->certificate_files);
	strlist_free(&o->user_known_hosts);
	strlist_free(&o->global_known_hosts);
	free(o->ciphers);
	free(o->macs);
	free(o->kex_algorithms);
	free(o->hostkey_algorithms);
	free(o->pubkey_algorithms);
	free(o->ignore_unknown);
	free(o->identity_agent);
	free(o->forward_agent);
	free(o->preferred_authentications);
	free(o->kbd_interactive_devices);
}

/* ---- patterns (OpenSSH match.c semantics) ---- */

bool pattern_match(const char *s, const char *p)
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
				if (pattern_match(s, p))
					return true;
			return false;
		}
		if (*s == 0)
			return false;
		if (*p != '?' && tolower((unsigned char)*p) != tolower((unsigned char)*s))
			return false;
		p++;
		s++;
	}
}

bool pattern_list_match(const char *s, const char *list)
{
	bool matched = false;
	char *copy = strdup(list);
	if (!copy)
		return false;
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool negated = *tok == '!';
		if (pattern_match(s, tok + negated)) {
			if (negated) {
				matched = false;
				break;
			}
			matched = true;
		}
	}
	free(copy);
	return matched;
}

/* ---- the keyword table ---- */

enum keyword {
	K_BAD = 0,
	K_IGNORED,    /* a real OpenSSH keyword that this step does not implement */
	K_DEPRECATED, /* OpenSSH itself ignores it */
	K_HOST, K_MATCH, K_INCLUDE, K_IGNORE_UNKNOWN,
	K_HOSTNAME, K_USER, K_PORT, K_IDENTITY_FILE, K_USER_KNOWN_HOSTS, K_GLOBAL_KNOWN_HOSTS,
	K_STRICT_HOST_KEY_CHECKING, K_BATCH_MODE, K_CIPHERS, K_MACS, K_KEX_ALGORITHMS,
	K_HOSTKEY_ALGORITHMS, K_REKEY_LIMIT, K_LOG_LEVEL, K_CONNECT_TIMEOUT, K_HOST_KEY_ALIAS,
	K_ADDRESS_FAMILY, K_PUBKEY_ALGORITHMS, K_COMPRESSION,
	K_IDENTITY_AGENT, K_FORWARD_AGENT, K_IDENTITIES_ONLY,
	K_CERTIFICATE_FILE, K_HASH_KNOWN_HOSTS, /* certificates (certfile.c), hashed known_hosts */
	/* authentication: auth_keyword() */
	K_PREFERRED_AUTH, K_PUBKEY_AUTH, K_PASSWORD_AUTH, K_KBDINT_AUTH, K_KBDINT_DEVICES,
	K_PASSWORD_PROMPTS, K_UPDATE_HOSTKEYS,
};

static const struct {
	const char *name;
	enum keyword kw;
} keywords[] = {
	{ "host", K_HOST }, { "match", K_MATCH }, { "include", K_INCLUDE },
	{ "ignoreunknown", K_IGNORE_UNKNOWN }, { "hostname", K_HOSTNAME }, { "user", K_USER },
	{ "port", K_PORT }, { "identityfile", K_IDENTITY_FILE }, { "identityfile2", K_IDENTITY_FILE },
	{ "userknownhostsfile", K_USER_KNOWN_HOSTS }, { "globalknownhostsfile", K_GLOBAL_KNOWN_HOSTS },
	{ "stricthostkeychecking", K_STRICT_HOST_KEY_CHECKING }, { "batchmode", K_BATCH_MODE },
	{ "ciphers", K_CIPHERS }, { "macs", K_MACS }, { "kexalgorithms", K_KEX_ALGORITHMS },
	{ "hostkeyalgorithms", K_HOSTKEY_ALGORITHMS }, { "rekeylimit", K_REKEY_LIMIT },
	{ "loglevel", K_LOG_LEVEL }, { "connecttimeout", K_CONNECT_TIMEOUT },
	{ "hostkeyalias", K_HOST_KEY_ALIAS }, { "addressfamily", K_ADDRESS_FAMILY },
	{ "pubkeyacceptedalgorithms", K_PUBKEY_ALGORITHMS }, { "pubkeyacceptedkeytypes", K_PUBKEY_ALGORITHMS },
	{ "compression", K_COMPRESSION },
	{ "identityagent", K_IDENTITY_AGENT }, { "forwardagent", K_FORWARD_AGENT },
	{ "identitiesonly", K_IDENTITIES_ONLY },
	{ "preferredauthentications", K_PREFERRED_AUTH }, { "pubkeyauthentication", K_PUBKEY_AUTH },
	{ "passwordauthentication", K_PASSWORD_AUTH }, { "kbdinteractiveauthentication", K_KBDINT_AUTH },
	{ "challengeresponseauthentication", K_KBDINT_AUTH }, { "kbdinteractivedevices", K_KBDINT_DEVICES },
	{ "skeyauthentication", K_KBDINT_AUTH }, { "tisauthentication", K_KBDINT_AUTH }, /* old aliases */
	{ "numberofpasswordprompts", K_PASSWORD_PROMPTS }, { "updatehostkeys", K_UPDATE_HOSTKEYS },
	/* OpenSSH deprecated / unsupported keywords: accepted and ignored by ssh too. */
	{ "protocol", K_DEPRECATED }, { "cipher", K_DEPRECATED }, { "fallbacktorsh", K_DEPRECATED },
	{ "globalknownhostsfile2", K_DEPRECATED }, { "rhostsauthentication", K_DEPRECATED },
	{ "useblacklistedkeys", K_DEPRECATED }, { "userknownhostsfile2", K_DEPRECATED },
	{ "useroaming", K_DEPRECATED }, { "usersh", K_DEPRECATED }, { "useprivilegedport", K_DEPRECATED },
	{ "afstokenpassing", K_DEPRECATED }, { "kerberosauthentication", K_DEPRECATED },
	{ "kerberostgtpassing", K_DEPRECATED }, { "rsaauthentication", K_DEPRECATED },
	{ "rhostsrsaauthentication", K_DEPRECATED }, { "compressionlevel", K_DEPRECATED },
	/* Real OpenSSH keywords this client does not implement yet. */
	{ "gssapiauthentication", K_IGNORED }, { "gssapikeyexchange", K_IGNORED },
	{ "gssapidelegatecredentials", K_IGNORED }, { "gssapitrustdns", K_IGNORED },
	{ "gssapiclientidentity", K_IGNORED }, { "gssapiserveridentity", K_IGNORED },
	{ "gssapirenewalforcesrekey", K_IGNORED }, { "gssapikexalgorithms", K_IGNORED },
	{ "pkcs11provider", K_IGNORED }, { "smartcarddevice", K_IGNORED },
	{ "forwardx11", K_IGNORED }, { "forwardx11trusted", K_IGNORED },
	{ "forwardx11timeout", K_IGNORED }, { "exitonforwardfailure", K_IGNORED },
	{ "xauthlocation", K_IGNORED }, { "gatewayports", K_IGNORED },
	{ "dsaauthentication", K_IGNORED },
	{ "hostbasedauthentication", K_IGNORED }, 
	{ "certificatefile", K_CERTIFICATE_FILE }, { "addkeystoagent", K_IGNORED },
	{ "proxycommand", K_IGNORED },
	{ "remoteforward", K_IGNORED }, { "localforward", K_IGNORED },
	{ "permitremoteopen", K_IGNORED }, { "escapechar", K_IGNORED },
	{ "connectionattempts", K_IGNORED }, { "checkhostip", K_IGNORED },
	{ "tcpkeepalive", K_IGNORED }, { "keepalive", K_IGNORED },
	{ "syslogfacility", K_IGNORED },
	{ "logverbose", K_IGNORED }, { "dynamicforward", K_IGNORED },
	{ "casignaturealgorithms", K_IGNORED },
	{ "bindaddress", K_IGNORED }, { "bindinterface", K_IGNORED },
	{ "clearallforwardings", K_IGNORED }, { "enablesshkeysign", K_IGNORED },
	{ "verifyhostkeydns", K_IGNORED }, { "nohostauthenticationforlocalhost", K_IGNORED },
	{ "serveraliveinterval", K_IGNORED }, { "serveralivecountmax", K_IGNORED },
	{ "sendenv", K_IGNORED }, { "setenv", K_IGNORED }, { "controlpath", K_IGNORED },
	{ "controlmaster", K_IGNORED }, { "controlpersist", K_IGNORED },
	{ "hashknownhosts", K_HASH_KNOWN_HOSTS }, { "tunnel", K_IGNORED }, { "tunneldevice", K_IGNORED },
	{ "localcommand", K_IGNORED }, { "permitlocalcommand", K_IGNORED },
	{ "remotecommand", K_IGNORED }, { "visualhostkey", K_IGNORED }, { "ipqos", K_IGNORED },
	{ "requesttty", K_IGNORED }, { "sessiontype", K_IGNORED }, { "stdinnull", K_IGNORED },
	{ "forkafterauthentication", K_IGNORED }, { "proxyusefdpass", K_IGNORED },
	{ "canonicaldomains", K_IGNORED }, { "canonicalizefallbacklocal", K_IGNORED },
	{ "canonicalizehostname", K_IGNORED }, { "canonicalizemaxdots", K_IGNORED },
	{ "canonicalizepermittedcnames", K_IGNORED }, { "streamlocalbindmask", K_IGNORED },
	{ "streamlocalbindunlink", K_IGNORED }, { "revokedhostkeys", K_IGNORED },
	{ "fingerprinthash", K_IGNORED },
	{ "hostbasedacceptedalgorithms", K_IGNORED }, { "hostbasedkeytypes", K_IGNORED },
	{ "proxyjump", K_IGNORED }, { "securitykeyprovider", K_IGNORED },
	{ "knownhostscommand", K_IGNORED }, { "requiredrsasize", K_IGNORED },
	{ "enableescapecommandline", K_IGNORED }, { "protocolkeepalives", K_IGNORED },
	{ "setuptimeout", K_IGNORED }, { "obscurekeystroketiming", K_IGNORED },
	{ "channeltimeout", K_IGNORED }, { "tag", K_IGNORED }, { "refuseconnection", K_IGNORED },
	{ "warnweakcrypto", K_IGNORED }, { "versionaddendum", K_IGNORED },
};

static enum keyword keyword_lookup(const char *lowercase_name)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(keywords[i].name, lowercase_name) == 0)
			return keywords[i].kw;
	return K_BAD;
}

/* ---- value parsers ---- */

static int parse_port(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 65535)
		return -1;
	return (int)v;
}

/* yes/no style multistate values: returns the value or -2 when unknown. */
static int parse_strict(const char *s)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true"))
		return STRICT_YES;
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcasecmp(s, "off"))
		return STRICT_NO;
	if (!strcasecmp(s, "ask"))
		return STRICT_ASK;
	if (!strcasecmp(s, "accept-new"))
		return STRICT_ACCEPT_NEW;
	return -2;
}

static int parse_flag(const char *s)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true"))
		return 1;
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false"))
		return 0;
	return -2;
}

static int set_string(char **field, const char *value, bool active)
{
	if (!active || *field)
		return 0;
	*field = strdup(value);
	return *field ? 0 : -1;
}

/* ---- reading ---- */

struct parse_ctx {
	struct client_options *o;
	bool active;       /* the current Host block applies */
	bool never_match;  /* inside an Include read from an inactive block */
	bool user_config;  /* relative Include paths are under ~/.ssh (else /etc/ssh) */
	bool cli;          /* "-o" on the command line */
	int depth;
	int bad;
};

static int read_config_file(struct parse_ctx *ctx, const char *path, bool must_exist);

/* An algorithm list: checked now, in ssh's words ("Bad SSH2 cipher spec 'x'."), kept as typed. */
static int set_algorithms(struct parse_ctx *ctx, const char *origin, int line_no, enum burrow_algo_kind kind,
			  const char *arg, char **field, bool active)
{
	if (!algospec_usable(kind, BURROW_CLIENT, arg)) {
		log_error("%s line %d: %s '%s'.", origin, line_no, algospec_bad_spec_text(kind, false), arg);
		ctx->bad++;
		return 0;
	}
	return set_string(field, arg, active);
}

static bool host_block_applies(struct parse_ctx *ctx, const char *origin, int line_no,
			       char **words, int n)
{
	const char *host = ctx->o->host_arg ? ctx->o->host_arg : "";
	const char *applied = NULL;
	if (ctx->never_match)
		return false;
	for (int i = 1; i < n; i++) {
		char *copy = strdup(words[i]);
		if (!copy)
			return false;
		/* OpenSSH takes one pattern per word; a comma list in one word is accepted too. */
		for (char *save = NULL, *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			bool negated = *p == '!';
			if (!pattern_match(host, p + negated))
				continue;
			if (negated) {
				log_debug("%s line %d: Skipping Host block because of negated match for %s",
					  origin, line_no, p + 1);
				free(copy);
				return false;
			}
			if (!applied)
				applied = words[i];
		}
		free(copy);
	}
	if (applied)
		log_debug("%s line %d: Applying options for %s", origin, line_no, applied);
	return applied != NULL;
}

static int include_files(struct parse_ctx *ctx, const char *origin, int line_no, char **words, int n)
{
	if (ctx->depth >= INCLUDE_MAX_DEPTH) {
		log_error("%s line %d: Include nested too deeply", origin, line_no);
		return -1;
	}
	for (int i = 1; i < n; i++) {
		char *path;
		if (words[i][0] == '~' || words[i][0] == '/') {
			path = options_expand_path(ctx->o, words[i]);
		} else {
			size_t len = strlen(words[i]) + 16;
			char *rel = malloc(len);
			if (!rel)
				return -1;
			snprintf(rel, len, "%s/%s", ctx->user_config ? "~/.ssh" : "/etc/ssh", words[i]);
			path = options_expand_path(ctx->o, rel);
			free(rel);
		}
		if (!path)
			return -1;
		glob_t g;
		int gr = glob(path, 0, NULL, &g);
		if (gr == GLOB_NOMATCH) {
			log_debug("%s line %d: include %s matched no files", origin, line_no, path);
		} else if (gr != 0) {
			log_error("%s line %d: include %s: glob failed", origin, line_no, path);
			free(path);
			return -1;
		} else {
			for (size_t j = 0; j < g.gl_pathc; j++) {
				struct parse_ctx sub = *ctx;
				sub.depth++;
				sub.bad = 0;
				sub.never_match = ctx->never_match || !ctx->active;
				int r = read_config_file(&sub, g.gl_pathv[j], false);
				/* The including block stays in force after the included file ends. */
				if (r < 0) {
					globfree(&g);
					free(path);
					return -1;
				}
			}
			globfree(&g);
		}
		free(path);
	}
	return 0;
}

/* ---- authentication keywords (ssh_config(5); used by auth.c and hostkeys_learn.c) ---- */

static void auth_options_init(struct client_options *o)
{
	o->pubkey_authentication = -1;
	o->password_authentication = -1;
	o->kbd_interactive_authentication = -1;
	o->number_of_password_prompts = -1;
	o->update_hostkeys = UPDATE_HOSTKEYS_UNSET;
}

/* OpenSSH's defaults. UpdateHostKeys stays unset here: its default depends on how the host key
 * was verified (hostkeys_learn.c). */
static int auth_options_finish(struct client_options *o)
{
	if (!o->preferred_authentications &&
	    !(o->preferred_authentications = strdup("publickey,keyboard-interactive,password")))
		return -1;
	if (o->pubkey_authentication < 0)
		o->pubkey_authentication = 1;
	if (o->password_authentication < 0)
		o->password_authentication = 1;
	if (o->kbd_interactive_authentication < 0)
		o->kbd_interactive_authentication = 1;
	if (o->number_of_password_prompts < 0)
		o->number_of_password_prompts = 3;
	return 0;
}

static int set_flag(struct parse_ctx *ctx, const char *origin, int line_no, const char *arg, int *field,
		    bool active, int value)
{
	if (value == -2) {
		log_error("%s line %d: unsupported option \"%s\".", origin, line_no, arg);
		ctx->bad++;
	} else if (active && *field < 0) {
		*field = value;
	}
	return 0;
}

static int auth_keyword(struct parse_ctx *ctx, enum keyword k, const char *origin, int line_no, const char *arg,
			bool active)
{
	struct client_options *o = ctx->o;
	int v;
	switch (k) {
	case K_PREFERRED_AUTH:
		return set_string(&o->preferred_authentications, arg, active);
	case K_KBDINT_DEVICES:
		return set_string(&o->kbd_interactive_devices, arg, active);
	case K_PUBKEY_AUTH:
		/* OpenSSH 9: "unbound" and "host-bound" say whether publickey-hostbound may be used. */
		v = parse_flag(arg);
		if (v == -2 && (!strcasecmp(arg, "unbound") || !strcasecmp(arg, "host-bound")))
			v = 1;
		return set_flag(ctx, origin, line_no, arg, &o->pubkey_authentication, active, v);
	case K_PASSWORD_AUTH:
		return set_flag(ctx, origin, line_no, arg, &o->password_authentication, active, parse_flag(arg));
	case K_KBDINT_AUTH:
		return set_flag(ctx, origin, line_no, arg, &o->kbd_interactive_authentication, active, parse_flag(arg));
	case K_UPDATE_HOSTKEYS:
		v = parse_flag(arg);
		if (v == -2 && !strcasecmp(arg, "ask"))
			v = UPDATE_HOSTKEYS_ASK;
		else if (v >= 0)
			v = v ? UPDATE_HOSTKEYS_YES : UPDATE_HOSTKEYS_NO;
		return set_flag(ctx, origin, line_no, arg, &o->update_hostkeys, active, v);
	case K_PASSWORD_PROMPTS: {
		char *end;
		errno = 0;
		long n = strtol(arg, &end, 10);
		if (errno || end == arg || *end || n < 0 || n > INT_MAX) {
			log_error("%s line %d: integer value %s.", origin, line_no,
				  errno == ERANGE || n > INT_MAX ? "too large" : "invalid");
			ctx->bad++;
		} else if (active && o->number_of_password_prompts < 0) {
			o->number_of_password_prompts = (int)n;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* One config line; counts bad lines in ctx->bad (OpenSSH reports them all, then stops). */
static int config_line(void *vctx, const char *origin, int line_no, char **words, int n)
{
	struct parse_ctx *ctx = vctx;
	struct client_options *o = ctx->o;
	char kw[64];
	snprintf(kw, sizeof(kw), "%s", words[0]);
	for (char *p = kw; *p; p++)
		*p = (char)tolower((unsigned char)*p);

	if (n < 2) {
		log_error("%s line %d: no argument after keyword \"%s\"", origin, line_no, kw);
		ctx->bad++;
		return 0;
	}
	enum keyword k = keyword_lookup(kw);
	if (k == K_BAD) {
		if (o->ignore_unknown && pattern_list_match(kw, o->ignore_unknown)) {
			log_debug("%s line %d: Ignored unknown option \"%s\"", origin, line_no, kw);
			return 0;
		}
		log_error("%s: line %d: Bad configuration option: %s", origin, line_no, kw);
		ctx->bad++;
		return 0;
	}
	bool active = ctx->active && !ctx->never_match;
	const char *arg = words[1];
	bool single = k != K_HOST && k != K_MATCH && k != K_INCLUDE && k != K_USER_KNOWN_HOSTS &&
		      k != K_GLOBAL_KNOWN_HOSTS && k != K_IGNORED && k != K_DEPRECATED &&
		      k != K_REKEY_LIMIT;
	if (single && n > 2) {
		log_error("%s line %d: garbage at end of line; \"%s\".", origin, line_no, words[2]);
		ctx->bad++;
		return 0;
	}

	switch (k) {
	case K_BAD:
		break;
	case K_DEPRECATED:
		log_debug("%s line %d: Deprecated option \"%s\"", origin, line_no, kw);
		break;
	case K_IGNORED:
		log_debug("%s line %d: ignoring option \"%s\" (not supported by burrow yet)", origin, line_no, kw);
		break;
	case K_HOST:
		if (ctx->cli) {
			log_error("Host directive not supported as a command-line option");
			return -1;
		}
		ctx->active = host_block_applies(ctx, origin, line_no, words, n);
		break;
	case K_MATCH:
		if (ctx->cli) {
			log_error("Match directive not supported as a command-line option");
			return -1;
		}
		if (n == 2 && strcasecmp(arg, "all") == 0 && !ctx->never_match) {
			ctx->active = true;
		} else {
			log_debug("%s line %d: Match blocks are not supported yet; skipping", origin, line_no);
			ctx->active = false;
		}
		break;
	case K_INCLUDE:
		if (ctx->cli) {
			log_error("Include directive not supported as a command-line option");
			return -1;
		}
		if (include_files(ctx, origin, line_no, words, n) < 0)
			return -1;
		break;
	case K_IGNORE_UNKNOWN:
		return set_string(&o->ignore_unknown, arg, active);
	case K_PREFERRED_AUTH:
	case K_PUBKEY_AUTH:
	case K_PASSWORD_AUTH:
	case K_KBDINT_AUTH:
	case K_KBDINT_DEVICES:
	case K_PASSWORD_PROMPTS:
	case K_UPDATE_HOSTKEYS:
		return auth_keyword(ctx, k, origin, line_no, arg, active);
	case K_IDENTITY_AGENT:
		return set_string(&o->identity_agent, arg, active);
	case K_FORWARD_AGENT:
		/* yes/no, or the path of the agent socket to forward (ssh_config(5)). */
		if (parse_flag(arg) >= 0)
			arg = parse_flag(arg) ? "yes" : "no";
		return set_string(&o->forward_agent, arg, active);
	case K_IDENTITIES_ONLY: {
		int v = parse_flag(arg);
		if (v == -2) {
			log_error("%s line %d: unsupported option \"%s\".", origin, line_no, arg);
			ctx->bad++;
		} else if (active && o->identities_only < 0) {
			o->identities_only = v;
		}
		break;
	}
	case K_HOSTNAME:
		return set_string(&o->hostname, arg, active);
	case K_HOST_KEY_ALIAS:
		return set_string(&o->host_key_alias, arg, active);
	case K_USER:
		return set_string(&o->user, arg, active);
	case K_PORT: {
		int port = parse_port(arg);
		if (port < 0) {
			log_error("%s line %d: Bad port '%s'.", origin, line_no, arg);
			ctx->bad++;
		} else if (active && o->port < 0) {
			o->port = port;
		}
		break;
	}
	case K_IDENTITY_FILE:
		if (active) {
			o->identity_files_set = true;
			if (!strlist_contains(&o->identity_files, arg) && strlist_add(&o->identity_files, arg) < 0)
				return -1;
		}
		break;
	case K_USER_KNOWN_HOSTS:
	case K_GLOBAL_KNOWN_HOSTS: {
		struct strlist *list = k == K_USER_KNOWN_HOSTS ? &o->user_known_hosts : &o->global_known_hosts;
		bool *set = k == K_USER_KNOWN_HOSTS ? &o->user_known_hosts_set : &o->global_known_hosts_set;
		if (!active || *set)
			break;
		*set = true;
		for (int i = 1; i < n; i++) {
			if (strcasecmp(words[i], "none") == 0)
				continue;
			if (strlist_add(list, words[i]) < 0)
				return -1;
		}
		break;
	}
	case K_STRICT_HOST_KEY_CHECKING: {
		int v = parse_strict(arg);
		if (v == -2) {
			log_error("%s line %d: unsupported option \"%s\".", origin, line_no, arg);
			ctx->bad++;
		} else if (active && o->strict_host_key_checking == STRICT_UNSET) {
			o->strict_host_key_checking = v;
		}
		break;
	}
	case K_CERTIFICATE_FILE: /* accumulates, as IdentityFile */
		if (active && !strlist_contains(&o->certificate_files, arg) && strlist_add(&o->certificate_files, arg) < 0)
			return -1;
		break;
	case K_HASH_KNOWN_HOSTS: {
		int v = parse_flag(arg);
		if (v == -2) {
			log_error("%s line %d: unsupported option \"%s\".", origin, line_no, arg);
			ctx->bad++;
		} else if (active && o->hash_known_hosts < 0) {
			o->hash_known_hosts = v;
		}
		break;
	}
	case K_BATCH_MODE: {
		int v = parse_flag(arg);
		if (v == -2) {
			log_error("%s line %d: unsupported option \"%s\".", origin, line_no, arg);
			ctx->bad++;
		} else if (active && o->batch_mode < 0) {
			o->batch_mode = v;
		}
		break;
	}
	case K_CIPHERS:
		return set_algorithms(ctx, origin, line_no, BURROW_ALGO_CIPHER, arg, &o->ciphers, active);
	case K_MACS:
		return set_algorithms(ctx, origin, line_no, BURROW_ALGO_MAC, arg, &o->macs, active);
	case K_KEX_ALGORITHMS:
		return set_algorithms(ctx, origin, line_no, BURROW_ALGO_KEX, arg, &o->kex_algorithms, active);
	case K_HOSTKEY_ALGORITHMS:
		return set_algorithms(ctx, origin, line_no, BURROW_ALGO_HOSTKEY, arg, &o->hostkey_algorithms, active);
	case K_PUBKEY_ALGORITHMS:
		return set_algorithms(ctx, origin, line_no, BURROW_ALGO_SIG, arg, &o->pubkey_algorithms, active);
	case K_COMPRESSION: {
		int v = algospec_compression(arg, false);
		if (v < 0) {
			log_error("%s line %d: unsupported option \"%s\".", origin, line_no, arg);
			ctx->bad++;
		} else if (active && o->compression < 0) {
			o->compression = v;
		}
		break;
	}
	case K_REKEY_LIMIT: {
		uint64_t bytes;
		uint32_t seconds;
		const char *why;
		if (algospec_rekey_limit(words + 1, n - 1, &bytes, &seconds, &why) < 0) {
			if (strcmp(why, "Bad number") == 0)
				log_error("%s line %d: Bad number '%s': Invalid argument", origin, line_no, arg);
			else
				log_error("%s line %d: %s.", origin, line_no, why);
			ctx->bad++;
		} else if (active && o->rekey_bytes < 0) {
			o->rekey_bytes = (long long)bytes;
			o->rekey_seconds = (long)seconds;
		}
		break;
	}
	case K_LOG_LEVEL: {
		enum log_level level;
		if (log_level_from_name(arg, &level) < 0) {
			log_error("%s line %d: unsupported log level '%s'", origin, line_no, arg);
			ctx->bad++;
		} else if (active && o->log_level < 0) {
			o->log_level = (int)level;
		}
		break;
	}
	case K_CONNECT_TIMEOUT: {
		long v = strcasecmp(arg, "none") == 0 ? 0 : algospec_parse_time(arg);
		if (v < 0) {
			log_error("%s line %d: invalid time value.", origin, line_no);
			ctx->bad++;
		} else if (active && o->connect_timeout < 0) {
			o->connect_timeout = (int)v;
		}
		break;
	}
	case K_ADDRESS_FAMILY: {
		int af;
		if (!strcasecmp(arg, "inet"))
			af = AF_INET;
		else if (!strcasecmp(arg, "inet6"))
			af = AF_INET6;
		else if (!strcasecmp(arg, "any"))
			af = AF_UNSPEC;
		else {
			log_error("%s line %d: unsupported option \"%s\".", origin, line_no, arg);
			ctx->bad++;
			break;
		}
		if (active && o->address_family < 0)
			o->address_family = af;
		break;
	}
	}
	return 0;
}

static int read_config_file(struct parse_ctx *ctx, const char *path, bool must_exist)
{
	ctx->active = true; /* options before the first Host line apply to every host */
	ctx->bad = 0;
	FILE *probe = fopen(path, "r");
	if (!probe) {
		if (must_exist) {
			log_error("Can't open user config file %s: %s", path, strerror(errno));
			return -1;
		}
		log_msg(LOG_LVL_DEBUG2, "%s: %s", path, strerror(errno));
		return 0;
	}
	fclose(probe);
	log_debug("Reading configuration data %s", path);
	int r = cfg_read_file(path, config_line, ctx);
	if (r == -2)
		ctx->bad++;
	else if (r < 0)
		return -1;
	if (ctx->bad > 0) {
		log_error("%s: terminating, %d bad configuration options", path, ctx->bad);
		return -1;
	}
	return 0;
}

int options_apply_cli(struct client_options *o, const char *option)
{
	struct parse_ctx ctx = { .o = o, .active = true, .cli = true, .user_config = true };
	char **words = NULL;
	int n = cfg_split_line(option, &words);
	if (n < 0) {
		log_error("command-line line 0: invalid quotes");
		return -1;
	}
	int r = n > 0 ? config_line(&ctx, "command-line", 0, words, n) : 0;
	cfg_free_words(words);
	return r < 0 || ctx.bad > 0 ? -1 : 0;
}

int options_read_config(struct client_options *o, const char *config_file)
{
	struct parse_ctx ctx = { .o = o, .user_config = true };
	if (config_file) {
		if (strcasecmp(config_file, "none") == 0)
			return 0;
		return read_config_file(&ctx, config_file, true);
	}
	char *user_path = options_expand_path(o, "~/.ssh/config");
	if (!user_path)
		return -1;
	int r = read_config_file(&ctx, user_path, false);
	free(user_path);
	if (r < 0)
		return -1;
	ctx.user_config = false;
	return read_config_file(&ctx, "/etc/ssh/ssh_config", false);
}

/* ---- local identity and expansion ---- */

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

struct growbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void gb_put(struct growbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *grown = realloc(b->p, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void gb_puts(struct growbuf *b, const char *s)
{
	gb_put(b, s, strlen(s));
}

/* "~" and "~user" at the start of path; *rest is where the rest begins. -1 for an unknown user. */
static int expand_tilde(struct growbuf *b, const char *path, const char **rest)
{
	const char *p = path;
	gb_put(b, "", 0);
	if (*p == '~') {
		const char *slash = strchr(p, '/');
		size_t ulen = slash ? (size_t)(slash - p - 1) : strlen(p + 1);
		if (ulen == 0) {
			gb_puts(b, local_home_dir());
		} else {
			char uname[256];
			snprintf(uname, sizeof(uname), "%.*s", (int)ulen, p + 1);
			struct passwd *pw = getpwnam(uname);
			if (!pw) {
				log_error("tilde_expand: No such user %s", uname);
				return -1;
			}
			gb_puts(b, pw->pw_dir);
		}
		p += 1 + ulen;
		/* "~/x" under "/" must not become "//x". */
		if (b->len == 1 && b->p[0] == '/' && *p == '/')
			b->len = 0;
	}
	*rest = p;
	return 0;
}

char *options_expand_tilde(const char *path)
{
	struct growbuf b = { 0 };
	const char *rest;
	if (expand_tilde(&b, path, &rest) < 0) {
		free(b.p);
		return NULL;
	}
	gb_puts(&b, rest);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

char *options_expand_path(const struct client_options *o, const char *path)
{
	struct growbuf b = { 0 };
	const char *p;
	if (expand_tilde(&b, path, &p) < 0) {
		free(b.p);
		return NULL;
	}
	for (; *p; p++) {
		if (*p == '$' && p[1] == '{') {
			const char *end = strchr(p, '}');
			if (!end) {
				log_error("%s: unterminated ${", path);
				free(b.p);
				return NULL;
			}
			char var[256];
			snprintf(var, sizeof(var), "%.*s", (int)(end - p - 2), p + 2);
			const char *val = getenv(var);
			if (!val) {
				log_error("env var ${%s} has no value", var);
				free(b.p);
				return NULL;
			}
			gb_puts(&b, val);
			p = end;
			continue;
		}
		if (*p != '%') {
			gb_put(&b, p, 1);
			continue;
		}
		char tmp[HOST_NAME_MAX + 32];
		const char *host = o->hostname ? o->hostname : (o->host_arg ? o->host_arg : "");
		p++;
		switch (*p) {
		case '%': gb_puts(&b, "%"); break;
		case 'd': gb_puts(&b, local_home_dir()); break;
		case 'u': gb_puts(&b, local_user_name()); break;
		case 'h': gb_puts(&b, host); break;
		case 'n': gb_puts(&b, o->host_arg ? o->host_arg : ""); break;
		case 'k': gb_puts(&b, o->host_key_alias ? o->host_key_alias : (o->host_arg ? o->host_arg : "")); break;
		case 'r': gb_puts(&b, o->user ? o->user : local_user_name()); break;
		case 'p':
			snprintf(tmp, sizeof(tmp), "%d", o->port > 0 ? o->port : 22);
			gb_puts(&b, tmp);
			break;
		case 'i':
			snprintf(tmp, sizeof(tmp), "%u", (unsigned)getuid());
			gb_puts(&b, tmp);
			break;
		case 'l':
		case 'L':
			if (gethostname(tmp, sizeof(tmp)) < 0)
				tmp[0] = 0;
			tmp[sizeof(tmp) - 1] = 0;
			if (*p == 'L')
				tmp[strcspn(tmp, ".")] = 0;
			gb_puts(&b, tmp);
			break;
		default:
			log_error("percent_expand: unknown key %%%c", *p ? *p : '?');
			free(b.p);
			return NULL;
		}
		if (*p == 0)
			break;
	}
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static int expand_list(const struct client_options *o, struct strlist *list)
{
	for (size_t i = 0; i < list->count; i++) {
		char *x = options_expand_path(o, list->items[i]);
		if (!x)
			return -1;
		free(list->items[i]);
		list->items[i] = x;
	}
	return 0;
}

int options_finish(struct client_options *o)
{
	if (!o->hostname) {
		o->hostname = strdup(o->host_arg);
	} else {
		/* HostName may say %h for the typed host (and %% for a percent sign). */
		struct growbuf b = { 0 };
		gb_put(&b, "", 0);
		for (const char *p = o->hostname; *p; p++) {
			if (p[0] == '%' && p[1] == 'h') {
				gb_puts(&b, o->host_arg);
				p++;
			} else if (p[0] == '%' && p[1] == '%') {
				gb_puts(&b, "%");
				p++;
			} else {
				gb_put(&b, p, 1);
			}
		}
		if (b.failed)
			return -1;
		free(o->hostname);
		o->hostname = b.p;
	}
	if (!o->hostname)
		return -1;
	for (char *p = o->hostname; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!o->user && !(o->user = strdup(local_user_name())))
		return -1;
	if (o->port < 0)
		o->port = 22;
	if (o->address_family < 0)
		o->address_family = AF_UNSPEC;
	if (o->strict_host_key_checking == STRICT_UNSET)
		o->strict_host_key_checking = STRICT_ASK;
	if (o->batch_mode < 0)
		o->batch_mode = 0;
	if (auth_options_finish(o) < 0)
		return -1;
	if (o->connect_timeout < 0)
		o->connect_timeout = 0;
	if (o->rekey_bytes < 0)
		o->rekey_bytes = 0;
	if (!o->user_known_hosts_set) {
		if (strlist_add(&o->user_known_hosts, "~/.ssh/known_hosts") < 0 ||
		    strlist_add(&o->user_known_hosts, "~/.ssh/known_hosts2") < 0)
			return -1;
	}
	if (!o->global_known_hosts_set) {
		if (strlist_add(&o->global_known_hosts, "/etc/ssh/ssh_known_hosts") < 0 ||
		    strlist_add(&o->global_known_hosts, "/etc/ssh/ssh_known_hosts2") < 0)
			return -1;
	}
	if (expand_list(o, &o->identity_files) < 0 || expand_list(o, &o->certificate_files) < 0 ||
	    expand_list(o, &o->user_known_hosts) < 0 ||
	    expand_list(o, &o->global_known_hosts) < 0)
		return -1;
	return 0;
}
