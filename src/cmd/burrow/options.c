/*
 * ssh_config for the client: the keyword table, Host and Match blocks, Include, and the
 * first-value-wins rule of OpenSSH ssh_config(5), read as OpenSSH 9.2's readconf.c reads it
 * (including its second pass for "Match final"). Messages follow OpenSSH's wording so scripts
 * see the same text.
 */
#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algospec.h"
#include "cfgfile.h"
#include "config_match.h"
#include "log.h"

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
	o->stdin_null_config = -1;
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
	free(o->ca_signature_algorithms);
	free(o->pubkey_algorithms);
	free(o->ignore_unknown);
	free(o->identity_agent);
	free(o->forward_agent);
	free(o->preferred_authentications);
	free(o->kbd_interactive_devices);
	strlist_free(&o->send_env);
	strlist_free(&o->set_env);
	free(o->log_file);
	free(o->remote_command);
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
	K_UNSUPPORTED, /* OpenSSH says "Unsupported option" and goes on */
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
	K_STDIN_NULL, K_CA_SIGNATURE_ALGORITHMS,
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
	{ "afstokenpassing", K_UNSUPPORTED }, { "kerberosauthentication", K_UNSUPPORTED },
	{ "kerberostgtpassing", K_UNSUPPORTED }, { "rsaauthentication", K_UNSUPPORTED },
	{ "rhostsrsaauthentication", K_UNSUPPORTED }, { "compressionlevel", K_UNSUPPORTED },
	/* Real OpenSSH keywords this client does not implement yet. */
	{ "gssapiauthentication", K_IGNORED }, { "gssapikeyexchange", K_IGNORED },
	{ "gssapidelegatecredentials", K_IGNORED }, { "gssapitrustdns", K_IGNORED },
	{ "gssapiclientidentity", K_IGNORED }, { "gssapiserveridentity", K_IGNORED },
	{ "gssapirenewalforcesrekey", K_IGNORED }, { "gssapikexalgorithms", K_IGNORED },
	{ "pkcs11provider", K_IGNORED }, { "smartcarddevice", K_IGNORED },
	{ "forwardx11", K_IGNORED }, { "forwardx11trusted", K_IGNORED },
	{ "forwardx11timeout", K_IGNORED },
	{ "xauthlocation", K_IGNORED }, { "gatewayports", K_IGNORED },
	{ "dsaauthentication", K_PUBKEY_AUTH }, /* alias */
	{ "hostbasedauthentication", K_IGNORED },
	{ "certificatefile", K_CERTIFICATE_FILE }, { "addkeystoagent", K_IGNORED },
	{ "proxycommand", K_IGNORED },
	{ "remoteforward", K_IGNORED }, { "localforward", K_IGNORED },
	{ "permitremoteopen", K_IGNORED }, 
	{ "checkhostip", K_IGNORED },
	
	{ "syslogfacility", K_IGNORED },
	{ "logverbose", K_IGNORED }, { "dynamicforward", K_IGNORED },
	{ "casignaturealgorithms", K_CA_SIGNATURE_ALGORITHMS },
	{ "bindaddress", K_IGNORED }, { "bindinterface", K_IGNORED },
	{ "clearallforwardings", K_IGNORED }, { "enablesshkeysign", K_IGNORED },
	{ "verifyhostkeydns", K_IGNORED }, { "nohostauthenticationforlocalhost", K_IGNORED },
	{ "controlpath", K_IGNORED },
	{ "controlmaster", K_IGNORED }, { "controlpersist", K_IGNORED },
	{ "hashknownhosts", K_HASH_KNOWN_HOSTS }, { "tunnel", K_IGNORED }, { "tunneldevice", K_IGNORED },
	{ "localcommand", K_IGNORED }, { "permitlocalcommand", K_IGNORED },
	{ "visualhostkey", K_IGNORED }, { "ipqos", K_IGNORED },
	{ "stdinnull", K_STDIN_NULL },
	{ "proxyusefdpass", K_IGNORED },
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

#define INCLUDE_MAX_DEPTH 16 /* readconf.c READCONF_MAX_DEPTH */

struct parse_ctx {
	struct client_options *o;
	const char *host;     /* Host blocks match it: the host as typed, the final name on the final pass */
	const char *host_arg; /* the host as typed (Match originalhost) */
	bool active;          /* the current Host or Match block applies */
	bool never_match;     /* inside an Include read from an inactive block: nothing applies */
	bool user_config;     /* relative Include paths are under ~/.ssh (else /etc/ssh) */
	bool cli;             /* "-o" on the command line */
	bool final_pass;      /* the second reading that "Match final" asks for */
	bool *want_final;     /* set when a "Match final" is seen (first pass only) */
	int depth;            /* Include nesting */
	int bad;              /* bad lines in the current file */
};

static int read_config_file(struct parse_ctx *ctx, const char *path, bool check_perm);
static int config_line(struct parse_ctx *ctx, const char *origin, int line_no, char **words, int n,
		       const char *rest_of_line);

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

/* Host: each word is one pattern, matched case-sensitively as ssh's match_pattern(); a matching
 * negated pattern ends the block whatever else matches. */
static bool host_block_applies(const struct parse_ctx *ctx, const char *origin, int line_no, char **words, int n)
{
	const char *applied = NULL;
	if (ctx->never_match)
		return false;
	for (int i = 1; i < n; i++) {
		bool negated = words[i][0] == '!';
		if (!config_pattern_match(ctx->host, words[i] + negated))
			continue;
		if (negated) {
			log_debug("%s line %d: Skipping Host block because of negated match for %s", origin, line_no,
				  words[i] + 1);
			return false;
		}
		if (!applied)
			applied = words[i];
	}
	if (applied)
		log_debug("%s line %d: Applying options for %s", origin, line_no, applied);
	return applied != NULL;
}

/* Match: 0 (ctx->active set), or -1 fatal; a bad condition is counted. */
static int match_block(struct parse_ctx *ctx, const char *origin, int line_no, char **words, int n)
{
	int r = options_match_line(ctx->o, ctx->host_arg, ctx->final_pass, words + 1, n - 1, origin, line_no,
				   ctx->want_final);
	if (r == -2)
		return -1;
	if (r < 0) {
		log_error("%s line %d: Bad Match condition", origin, line_no);
		ctx->bad++;
		return 0;
	}
	ctx->active = !ctx->never_match && r == 1;
	return 0;
}

/* Include: files in glob order, read with the including block's state (an inactive block reads
 * them for syntax only), which is restored afterwards. -1 fatal; a bad word is counted. */
static int include_files(struct parse_ctx *ctx, const char *origin, int line_no, char **words, int n)
{
	for (int i = 1; i < n; i++) {
		const char *arg = words[i];
		if (arg[0] == '~' && !ctx->user_config) {
			log_error("%s line %d: bad include path %s.", origin, line_no, arg);
			ctx->bad++;
			return 0;
		}
		char *anchored;
		if (arg[0] == '/' || arg[0] == '~') {
			anchored = options_expand_tilde(arg);
		} else {
			size_t len = strlen(arg) + 16;
			char *rel = malloc(len);
			if (!rel)
				return -1;
			snprintf(rel, len, "%s/%s", ctx->user_config ? "~/.ssh" : "/etc/ssh", arg);
			anchored = options_expand_tilde(rel);
			free(rel);
		}
		if (!anchored)
			return -1;
		glob_t g;
		int gr = glob(anchored, 0, NULL, &g);
		if (gr == GLOB_NOMATCH) {
			log_debug("%s line %d: include %s matched no files", origin, line_no, anchored);
			free(anchored);
			continue;
		}
		if (gr != 0) {
			log_error("%s line %d: glob failed for %s.", origin, line_no, anchored);
			free(anchored);
			ctx->bad++;
			return 0;
		}
		free(anchored);
		for (size_t j = 0; j < g.gl_pathc; j++) {
			struct parse_ctx sub = *ctx;
			sub.depth++;
			sub.never_match = ctx->never_match || !ctx->active;
			log_msg(LOG_LVL_DEBUG3, "%s line %d: Including file %s depth %d%s", origin, line_no, g.gl_pathv[j],
				ctx->depth, sub.never_match ? " (parse only)" : "");
			int r = read_config_file(&sub, g.gl_pathv[j], true);
			if (r == -2) {
				log_error("Can't open user config file %.100s: %.100s", g.gl_pathv[j], strerror(errno));
				ctx->bad++;
			} else if (r < 0) {
				globfree(&g);
				return -1;
			}
		}
		globfree(&g);
	}
	return 0;
}

/* The text after the keyword as written: RemoteCommand keeps its quotes and spacing. */
static const char *rest_after_keyword(const char *line)
{
	const char *p = line + strspn(line, " \t");
	p += strcspn(p, " \t=");
	return p + strspn(p, " \t=");
}

/* One file: 0 read (or absent), -1 fatal (reported), -2 cannot be opened (errno set). Bad lines
 * are all reported, then "terminating" as ssh. */
static int read_config_file(struct parse_ctx *ctx, const char *path, bool check_perm)
{
	if (ctx->depth > INCLUDE_MAX_DEPTH) {
		log_error("Too many recursive configuration includes");
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT) {
			log_msg(LOG_LVL_DEBUG2, "%s: %s", path, strerror(errno));
			return 0;
		}
		return -2;
	}
	if (check_perm) {
		struct stat st;
		if (fstat(fileno(f), &st) < 0 || (st.st_uid != 0 && st.st_uid != getuid()) || (st.st_mode & 022)) {
			log_error("Bad owner or permissions on %s", path);
			fclose(f);
			return -1;
		}
	}
	log_debug("Reading configuration data %s", path);
	ctx->bad = 0;
	char *line = NULL;
	size_t cap = 0;
	int line_no = 0, r = 0;
	while (r >= 0 && getline(&line, &cap, f) != -1) {
		line_no++;
		size_t len = strlen(line);
		while (len > 0 && strchr(" \t\r\n\f", line[len - 1]))
			line[--len] = 0;
		char **words = NULL;
		int n = cfg_split_line(line, &words);
		if (n < 0) {
			log_error("%s line %d: invalid quotes", path, line_no);
			ctx->bad++;
			continue;
		}
		if (n > 0)
			r = config_line(ctx, path, line_no, words, n, rest_after_keyword(line));
		cfg_free_words(words);
	}
	free(line);
	fclose(f);
	if (r < 0)
		return -1;
	if (ctx->bad > 0) {
		log_error("%s: terminating, %d bad configuration options", path, ctx->bad);
		return -1;
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
	/* ssh fills PreferredAuthentications only when it authenticates: ssh -G shows it unset. */
	if (!o->preferred_authentications && !o->config_test &&
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
		/* OpenSSH 9: "unbound" and "host-bound" say whether publickey-hostbound may be used;
		 * both enable publickey (non-zero), and ssh -G names them. */
		v = parse_flag(arg);
		if (v == -2 && !strcasecmp(arg, "unbound"))
			v = PUBKEY_AUTH_UNBOUND;
		else if (v == -2 && !strcasecmp(arg, "host-bound"))
			v = PUBKEY_AUTH_HOST_BOUND;
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

/* An agent socket path (IdentityAgent, ForwardAgent): its ${VAR}s must be set now, and the
 * legacy "$NAME" form must name a valid variable, as ssh checks while parsing. */
static bool agent_path_valid(struct parse_ctx *ctx, const char *origin, int line_no, const char *arg)
{
	char why[128];
	char *expanded = config_expand(arg, NULL, 0, true, why, sizeof(why));
	free(expanded);
	if (!expanded) {
		if (*why)
			log_error("vdollar_percent_expand: %s", why);
		log_error("%s line %d: Invalid environment expansion %s.", origin, line_no, arg);
		ctx->bad++;
		return false;
	}
	bool valid_name = arg[0] != '$' || arg[1] == '{' || arg[1];
	for (const char *p = arg + 1; arg[0] == '$' && arg[1] != '{' && *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			valid_name = false;
	if (!valid_name) {
		log_error("%s line %d: Invalid environment name %s.", origin, line_no, arg);
		ctx->bad++;
		return false;
	}
	return true;
}

/* One config line: 0 (a bad one counted in ctx->bad: ssh reports them all, then stops) or -1
 * fatal. */
static int config_line(struct parse_ctx *ctx, const char *origin, int line_no, char **words, int n,
		       const char *rest_of_line)
{
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
	bool active = ctx->active && !ctx->never_match;
	enum session_keyword sk = session_keyword_lookup(kw);
	if (sk != SK_NONE) {
		bool multi = sk == SK_SEND_ENV || sk == SK_SET_ENV || sk == SK_REMOTE_COMMAND;
		if (!multi && n > 2) {
			log_error("%s line %d: keyword %s extra arguments at end of line", origin, line_no, kw);
			ctx->bad++;
			return 0;
		}
		int r = session_keyword_apply(o, sk, words, n, rest_of_line, active, origin, line_no);
		if (r > 0)
			ctx->bad++;
		return r < 0 ? -1 : 0;
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
	const char *arg = words[1];
	bool single = k != K_HOST && k != K_MATCH && k != K_INCLUDE && k != K_USER_KNOWN_HOSTS &&
		      k != K_GLOBAL_KNOWN_HOSTS && k != K_IGNORED && k != K_DEPRECATED && k != K_UNSUPPORTED &&
		      k != K_REKEY_LIMIT;
	if (single && n > 2) {
		log_error("%s line %d: keyword %s extra arguments at end of line", origin, line_no, kw);
		ctx->bad++;
		return 0;
	}
	if (ctx->cli && (k == K_HOST || k == K_MATCH || k == K_INCLUDE)) {
		/* ssh's words, "Host" for Match too. */
		log_error("%s directive not supported as a command-line option", k == K_INCLUDE ? "Include" : "Host");
		return -1;
	}

	switch (k) {
	case K_BAD:
		break;
	case K_DEPRECATED:
		log_debug("%s line %d: Deprecated option \"%s\"", origin, line_no, kw);
		break;
	case K_UNSUPPORTED:
		log_error("%s line %d: Unsupported option \"%s\"", origin, line_no, kw);
		break;
	case K_IGNORED:
		log_debug("%s line %d: ignoring option \"%s\" (not supported by burrow yet)", origin, line_no, kw);
		break;
	case K_HOST:
		ctx->active = host_block_applies(ctx, origin, line_no, words, n);
		break;
	case K_MATCH:
		return match_block(ctx, origin, line_no, words, n);
	case K_INCLUDE:
		return include_files(ctx, origin, line_no, words, n);
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
		if (!agent_path_valid(ctx, origin, line_no, arg))
			return 0;
		return set_string(&o->identity_agent, arg, active);
	case K_FORWARD_AGENT:
		/* yes/no, or the path of the agent socket to forward (ssh_config(5)). */
		if (parse_flag(arg) >= 0)
			arg = parse_flag(arg) ? "yes" : "no";
		else if (!agent_path_valid(ctx, origin, line_no, arg))
			return 0;
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
		for (int i = 1; i < n; i++) {
			if (strcasecmp(words[i], "none") == 0 && n > 2) {
				log_error("%s line %d: keyword %s \"none\" argument must appear alone.", origin, line_no,
					  kw);
				ctx->bad++;
				return 0;
			}
		}
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
	case K_STDIN_NULL:
		return set_flag(ctx, origin, line_no, arg, &o->stdin_null_config, active, parse_flag(arg));
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
	case K_CA_SIGNATURE_ALGORITHMS: {
		char *list = NULL;
		if (burrow_ca_signature_algorithms_resolve(arg, &list) < 0) {
			log_error("%s line %d: Bad key types '%s'.", origin, line_no, arg);
			ctx->bad++;
			return 0;
		}
		if (active && !o->ca_signature_algorithms)
			o->ca_signature_algorithms = list;
		else
			free(list);
		break;
	}
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


int options_apply_cli(struct client_options *o, const char *option)
{
	const char *host = o->host_arg ? o->host_arg : "";
	struct parse_ctx ctx = { .o = o, .host = host, .host_arg = host, .active = true, .cli = true,
				 .user_config = true };
	char **words = NULL;
	int n = cfg_split_line(option, &words);
	if (n < 0) {
		log_error("command-line line 0: invalid quotes");
		return -1;
	}
	int r = n > 0 ? config_line(&ctx, "command-line", 0, words, n, rest_after_keyword(option)) : 0;
	cfg_free_words(words);
	return r < 0 || ctx.bad > 0 ? -1 : 0;
}

/* -F file, or ~/.ssh/config then /etc/ssh/ssh_config, for the Host blocks of `host`. */
static int read_config_files(struct client_options *o, const char *config_file, const char *host, bool final_pass,
			     bool *want_final)
{
	struct parse_ctx ctx = { .o = o, .host = host, .host_arg = o->host_arg, .active = true,
				 .user_config = true, .final_pass = final_pass, .want_final = want_final };
	int r;
	if (config_file) {
		if (strcasecmp(config_file, "none") == 0)
			return 0;
		r = read_config_file(&ctx, config_file, false);
		if (r == -2 || (r == 0 && access(config_file, F_OK) < 0)) {
			log_error("Can't open user config file %s: %s", config_file, strerror(errno));
			return -1;
		}
		return r;
	}
	char *user_path = options_expand_tilde("~/.ssh/config");
	if (!user_path)
		return -1;
	r = read_config_file(&ctx, user_path, true);
	free(user_path);
	if (r == -1)
		return -1;
	ctx = (struct parse_ctx){ .o = o, .host = host, .host_arg = o->host_arg, .active = true,
				  .final_pass = final_pass, .want_final = want_final };
	return read_config_file(&ctx, "/etc/ssh/ssh_config", false) == -1 ? -1 : 0;
}

/* The name to connect to: HostName with %h (the host as typed), else the host as typed; in
 * lowercase, as ssh.c takes it into use right after reading the configuration. */
static char *resolved_hostname(const struct client_options *o)
{
	char *host;
	if (o->hostname) {
		const struct config_token h = { 'h', o->host_arg };
		char why[128];
		host = config_expand(o->hostname, &h, 1, false, why, sizeof(why));
		if (!host && *why) {
			log_error("vdollar_percent_expand: %s", why);
			log_error("percent_expand: failed");
		}
	} else {
		host = strdup(o->host_arg);
	}
	for (char *p = host; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return host;
}

int options_read_config(struct client_options *o, const char *config_file)
{
	bool want_final = false;
	if (read_config_files(o, config_file, o->host_arg, false, &want_final) < 0)
		return -1;
	char *host = resolved_hostname(o);
	if (!host)
		return -1;
	free(o->hostname);
	o->hostname = host;
	if (!want_final)
		return 0;
	/* "Match final": everything again, Host blocks now matching the final name (ssh.c). */
	log_debug("re-parsing configuration");
	return read_config_files(o, config_file, o->hostname, true, NULL);
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

/* ssh.c expands these before it would print them with -G: IdentityAgent, a ForwardAgent socket
 * path (warning when it does not exist) and the user's known hosts files (~, %-tokens, ${VAR});
 * IdentityFile and CertificateFile only when it loads them. */
static int expand_paths(struct client_options *o)
{
	if (o->identity_agent) {
		char *agent = options_expand_path(o, o->identity_agent);
		if (!agent)
			return -1;
		free(o->identity_agent);
		o->identity_agent = agent;
	}
	if (o->forward_agent && strcmp(o->forward_agent, "yes") != 0 && strcmp(o->forward_agent, "no") != 0) {
		char *path = options_expand_path(o, o->forward_agent);
		if (!path)
			return -1;
		free(o->forward_agent);
		o->forward_agent = path;
		struct stat st;
		if (stat(path, &st) != 0) {
			log_error("Cannot forward agent socket path \"%s\": %s", path, strerror(errno));
			if (o->exit_on_forward_failure == 1)
				return -1;
		}
	}
	if (expand_list(o, &o->user_known_hosts) < 0 || expand_list(o, &o->global_known_hosts) < 0)
		return -1;
	if (o->config_test)
		return 0;
	return expand_list(o, &o->identity_files) < 0 || expand_list(o, &o->certificate_files) < 0 ? -1 : 0;
}

int options_finish(struct client_options *o)
{
	if (!o->hostname && !(o->hostname = resolved_hostname(o)))
		return -1;
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
	if (o->compression < 0)
		o->compression = 0;
	if (o->identities_only < 0)
		o->identities_only = 0;
	if (o->hash_known_hosts < 0)
		o->hash_known_hosts = 0;
	if (o->stdin_null_config == 1)
		o->stdin_null = true;
	if (auth_options_finish(o) < 0 || session_options_finish(o) < 0)
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
	return expand_paths(o);
}
