/*
 * sshd_config for burrowd: the keywords we act on, every other keyword of OpenSSH's sshd_config(5)
 * (accepted, logged "Unsupported option", ignored), and anything else is an error, as in sshd.
 * As in sshd the first value of a keyword wins, except HostKey, ListenAddress and Port which
 * accumulate. Match blocks and their evaluation per connection are in servconf_match.c, reading
 * files, Include and the command line in servconf_include.c.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "algospec.h"
#include "cfgfile.h"
#include "log.h"
#include "servconf_internal.h"

enum keyword {
	KW_PORT,
	KW_LISTEN_ADDRESS,
	KW_HOST_KEY,
	KW_AUTHORIZED_KEYS_FILE,
	KW_PUBKEY_AUTHENTICATION,
	KW_PASSWORD_AUTHENTICATION,
	KW_LOG_LEVEL,
	KW_PID_FILE,
	KW_STRICT_MODES,
	KW_MATCH,
	KW_INCLUDE,
	KW_KEX_ALGORITHMS,
	KW_HOST_KEY_ALGORITHMS,
	KW_PUBKEY_ACCEPTED_ALGORITHMS,
	KW_CIPHERS,
	KW_MACS,
	KW_COMPRESSION,
	KW_REKEY_LIMIT,
	KW_MODULI_FILE,
	/* authentication policy (set_auth_option) */
	KW_KBDINT_AUTHENTICATION,
	KW_USE_PAM,
	KW_PERMIT_EMPTY_PASSWORDS,
	KW_PERMIT_ROOT_LOGIN,
	KW_ALLOW_USERS,
	KW_DENY_USERS,
	KW_ALLOW_GROUPS,
	KW_DENY_GROUPS,
	KW_AUTHENTICATION_METHODS,
	KW_MAX_AUTH_TRIES,
	KW_LOGIN_GRACE_TIME,
	KW_BANNER,
	KW_PERMIT_USER_ENVIRONMENT,
	KW_ALLOW_AGENT_FORWARDING,
	KW_CLIENT_ALIVE_INTERVAL,
	KW_CLIENT_ALIVE_COUNT_MAX,
	KW_TCP_KEEP_ALIVE,
	KW_UNSUPPORTED,
};

static const struct {
	const char *name;
	enum keyword kw;
} keywords[] = {
	{ "Port", KW_PORT },
	{ "ListenAddress", KW_LISTEN_ADDRESS },
	{ "HostKey", KW_HOST_KEY },
	{ "AuthorizedKeysFile", KW_AUTHORIZED_KEYS_FILE },
	{ "PubkeyAuthentication", KW_PUBKEY_AUTHENTICATION },
	{ "PasswordAuthentication", KW_PASSWORD_AUTHENTICATION },
	{ "LogLevel", KW_LOG_LEVEL },
	{ "PidFile", KW_PID_FILE },
	{ "StrictModes", KW_STRICT_MODES },
	{ "Match", KW_MATCH },
	{ "Include", KW_INCLUDE },
	{ "KexAlgorithms", KW_KEX_ALGORITHMS },
	{ "HostKeyAlgorithms", KW_HOST_KEY_ALGORITHMS },
	{ "PubkeyAcceptedAlgorithms", KW_PUBKEY_ACCEPTED_ALGORITHMS },
	{ "PubkeyAcceptedKeyTypes", KW_PUBKEY_ACCEPTED_ALGORITHMS }, /* the pre-8.5 name */
	{ "Ciphers", KW_CIPHERS },
	{ "MACs", KW_MACS },
	{ "Compression", KW_COMPRESSION },
	{ "RekeyLimit", KW_REKEY_LIMIT },
	{ "ModuliFile", KW_MODULI_FILE },
	{ "KbdInteractiveAuthentication", KW_KBDINT_AUTHENTICATION },
	{ "ChallengeResponseAuthentication", KW_KBDINT_AUTHENTICATION }, /* the pre-8.7 name */
	{ "UsePAM", KW_USE_PAM },
	{ "PermitEmptyPasswords", KW_PERMIT_EMPTY_PASSWORDS },
	{ "PermitRootLogin", KW_PERMIT_ROOT_LOGIN },
	{ "AllowUsers", KW_ALLOW_USERS },
	{ "DenyUsers", KW_DENY_USERS },
	{ "AllowGroups", KW_ALLOW_GROUPS },
	{ "DenyGroups", KW_DENY_GROUPS },
	{ "AuthenticationMethods", KW_AUTHENTICATION_METHODS },
	{ "MaxAuthTries", KW_MAX_AUTH_TRIES },
	{ "LoginGraceTime", KW_LOGIN_GRACE_TIME },
	{ "Banner", KW_BANNER },
	{ "PermitUserEnvironment", KW_PERMIT_USER_ENVIRONMENT },
	{ "AllowAgentForwarding", KW_ALLOW_AGENT_FORWARDING },
	{ "ClientAliveInterval", KW_CLIENT_ALIVE_INTERVAL },
	{ "ClientAliveCountMax", KW_CLIENT_ALIVE_COUNT_MAX },
	{ "TCPKeepAlive", KW_TCP_KEEP_ALIVE },
	{ "KeepAlive", KW_TCP_KEEP_ALIVE }, /* the old name */
};

/* Every other keyword OpenSSH 9.x/10.x sshd accepts (sshd_config(5) and servconf.c, including
 * aliases, deprecated names and Debian's additions). */
static const char *const unsupported_keywords[] = {
	"AcceptEnv", "AddressFamily", "AfsTokenPassing",
	"AllowStreamLocalForwarding", "AllowTcpForwarding",
	"AuthorizedKeysFile2",
	"ChannelTimeout",
	"CheckMail", "ChrootDirectory",
	"DebianBanner", "DisableForwarding",
	"DSAAuthentication", "ExposeAuthInfo", "FingerprintHash", "ForceCommand", "GatewayPorts",
	"GSSAPIAuthentication", "GSSAPICleanupCredentials", "GSSAPIKexAlgorithms",
	"GSSAPIKeyExchange", "GSSAPIStoreCredentialsOnRekey", "GSSAPIStrictAcceptorCheck",
	"HostbasedAcceptedAlgorithms", "HostbasedAcceptedKeyTypes", "HostbasedAuthentication",
	"HostbasedUsesNameFromPacketOnly", "HostCertificate" /* certauth.c takes it first */, "HostDSAKey",
	"HostKeyAgent",
	"IgnoreRhosts", "IgnoreUserKnownHosts", "IPQoS",
	"KerberosAuthentication",
	"KerberosGetAFSToken", "KerberosOrLocalPasswd", "KerberosTgtPassing",
	"KerberosTicketCleanup", "KeyRegenerationInterval",
	"LogVerbose", "MaxSessions", "MaxStartups",
	"PamAuthenticationViaKbdInt", "PermitBlacklistedKeys",
	"PermitListen", "PermitOpen", "PermitTTY", "PermitTunnel",
	"PermitUserRC", "PerSourceMaxStartups", "PerSourceNetBlockSize",
	"PerSourcePenalties", "PerSourcePenaltyExemptList", "PrintLastLog", "PrintMotd", "Protocol",
	"PubkeyAuthOptions", "RDomain",
	"RefuseConnection", "RequiredRSASize", "ReverseMappingCheck",
	"RhostsAuthentication", "RhostsRSAAuthentication", "RSAAuthentication",
	"SecurityKeyProvider", "ServerKeyBits", "SetEnv", "SKeyAuthentication", "SshdAuthPath",
	"SshdSessionPath", "StreamLocalBindMask", "StreamLocalBindUnlink", "Subsystem",
	"SyslogFacility", "UnusedConnectionTimeout",
	"UseDNS", "UseLogin", "UsePrivilegeSeparation", "VerifyReverseMapping",
	"VersionAddendum", "X11DisplayOffset", "X11Forwarding", "X11UseLocalhost", "XAuthLocation",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

int strlist_add(struct strlist *list, const char *s)
{
	char *copy = strdup(s);
	char **grown = realloc(list->v, (list->n + 2) * sizeof(*list->v));
	if (!copy || !grown) {
		free(copy);
		if (grown)
			list->v = grown;
		return SERVCONF_FATAL;
	}
	list->v = grown;
	list->v[list->n++] = copy;
	list->v[list->n] = NULL;
	return 0;
}

void strlist_free(struct strlist *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

void servconf_init(struct server_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->pubkey_authentication = -1;
	opts->password_authentication = -1;
	opts->strict_modes = -1;
	opts->allow_agent_forwarding = -1;
	opts->log_level = -1;
	opts->compression = -1;
	opts->kbdint_authentication = -1;
	opts->use_pam = -1;
	opts->permit_empty_passwords = -1;
	opts->permit_root_login = -1;
	opts->max_auth_tries = -1;
	opts->login_grace_time = -1;
	opts->client_alive_interval = -1;
	opts->client_alive_count_max = -1;
	opts->tcp_keep_alive = -1;
}

void servconf_free(struct server_options *opts)
{
	free(opts->ports);
	for (size_t i = 0; i < opts->listen_count; i++)
		free(opts->listen[i].host);
	free(opts->listen);
	strlist_free(&opts->host_keys);
	strlist_free(&opts->authorized_keys_files);
	free(opts->pid_file);
	free(opts->kex_algorithms);
	free(opts->hostkey_algorithms);
	free(opts->pubkey_algorithms);
	free(opts->ciphers);
	free(opts->macs);
	free(opts->moduli_file);
	free(opts->moduli);
	strlist_free(&opts->allow_users);
	strlist_free(&opts->deny_users);
	strlist_free(&opts->allow_groups);
	strlist_free(&opts->deny_groups);
	strlist_free(&opts->authentication_methods);
	free(opts->banner);
	free(opts->permit_user_environment);
	session_config_free(&opts->sessions); /* session_config.c */
	certauth_free(&opts->certs);          /* certauth.c */
	servconf_state_free(opts->state); /* servconf_include.c */
	servconf_init(opts);
}

/* 1..65535, or -1. */
static int parse_port(const char *s)
{
	char *end;
	if (!*s)
		return SERVCONF_FATAL;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return SERVCONF_FATAL;
	return (int)v;
}

static int add_port(struct server_options *opts, int port)
{
	int *grown = realloc(opts->ports, (opts->port_count + 1) * sizeof(*grown));
	if (!grown)
		return SERVCONF_FATAL;
	opts->ports = grown;
	opts->ports[opts->port_count++] = port;
	return 0;
}

int servconf_cmdline_port(struct server_options *opts, const char *arg)
{
	/* Kept for servconf_for_connection, which reads the command line again. */
	struct servconf_state *state = servconf_state_get(opts);
	if (!state || strlist_add(&state->source->ports, arg) < 0)
		return SERVCONF_FATAL;
	return servconf_port_argument(opts, arg);
}

int servconf_port_argument(struct server_options *opts, const char *arg)
{
	int port = parse_port(arg);
	if (port < 0) {
		fprintf(stderr, "Bad port number.\n");
		return SERVCONF_FATAL;
	}
	/* The first -p drops any Port lines already read; later ones are ignored (sshd). */
	if (!opts->ports_from_cmdline)
		opts->port_count = 0;
	opts->ports_from_cmdline = true;
	return add_port(opts, port);
}

/* "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 address (more than one colon). */
static int parse_listen_address(const char *arg, struct listen_spec *out)
{
	char *host = NULL;
	const char *port_text = NULL;
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');
		if (!close || close == arg + 1)
			return SERVCONF_FATAL;
		host = strndup(arg + 1, (size_t)(close - arg - 1));
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1] != 0) {
			free(host);
			return SERVCONF_FATAL;
		}
	} else {
		const char *colon = strchr(arg, ':');
		if (colon && !strchr(colon + 1, ':')) {
			host = strndup(arg, (size_t)(colon - arg));
			port_text = colon + 1;
		} else {
			host = strdup(arg);
		}
	}
	if (!host || !*host) {
		free(host);
		return SERVCONF_FATAL;
	}
	out->port = 0;
	if (port_text) {
		out->port = parse_port(port_text);
		if (out->port < 0) {
			free(host);
			return SERVCONF_FATAL;
		}
	}
	out->host = host;
	return 0;
}

static int parse_yes_no(const char *origin, int line_no, const char *arg, int *out)
{
	if (strcasecmp(arg, "yes") == 0) {
		*out = 1;
		return 0;
	}
	if (strcasecmp(arg, "no") == 0) {
		*out = 0;
		return 0;
	}
	fprintf(stderr, "%s line %d: unsupported option \"%s\".\n", origin, line_no, arg);
	return SERVCONF_FATAL;
}

static int lookup_keyword(const char *word, enum keyword *kw, const char **canonical)
{
	for (size_t i = 0; i < COUNT_OF(keywords); i++) {
		if (strcasecmp(word, keywords[i].name) == 0) {
			*kw = keywords[i].kw;
			*canonical = keywords[i].name;
			return 0;
		}
	}
	for (size_t i = 0; i < COUNT_OF(unsupported_keywords); i++) {
		if (strcasecmp(word, unsupported_keywords[i]) == 0) {
			*kw = KW_UNSUPPORTED;
			*canonical = unsupported_keywords[i];
			return 0;
		}
	}
	return SERVCONF_FATAL;
}

/* Keywords that take exactly one argument. */
static bool single_argument(enum keyword kw)
{
	return kw != KW_AUTHORIZED_KEYS_FILE && kw != KW_MATCH && kw != KW_INCLUDE && kw != KW_UNSUPPORTED &&
	       kw != KW_REKEY_LIMIT && kw != KW_ALLOW_USERS && kw != KW_DENY_USERS &&
	       kw != KW_ALLOW_GROUPS && kw != KW_DENY_GROUPS && kw != KW_AUTHENTICATION_METHODS;
}

/* An algorithm list keyword: checked now (sshd's wording), kept as given for the engine. */
static int set_algorithm_list(struct server_options *opts, const char *origin, int line_no,
			      enum burrow_algo_kind kind, const char *arg, char **slot)
{
	if (!algospec_usable(kind, BURROW_SERVER, arg)) {
		fprintf(stderr, "%s line %d: %s '%s'.\n", origin, line_no, algospec_bad_spec_text(kind, true), arg);
		return SERVCONF_FATAL;
	}
	if (opts->in_match_block || *slot)
		return 0;
	*slot = strdup(arg);
	return *slot ? 0 : SERVCONF_FATAL;
}

/* ---- authentication policy keywords ---- */

static const struct {
	const char *name;
	enum permit_root_login value;
} permit_root_names[] = {
	{ "no", PERMIT_ROOT_NO },
	{ "forced-commands-only", PERMIT_ROOT_FORCED_COMMANDS_ONLY },
	{ "prohibit-password", PERMIT_ROOT_PROHIBIT_PASSWORD },
	{ "without-password", PERMIT_ROOT_PROHIBIT_PASSWORD },
	{ "yes", PERMIT_ROOT_YES },
};

const char *servconf_permit_root_name(int value)
{
	for (size_t i = 0; i < COUNT_OF(permit_root_names); i++)
		if ((int)permit_root_names[i].value == value)
			return permit_root_names[i].name;
	return "?";
}

/* One AuthenticationMethods list: comma-separated methods we know, each maybe with a
 * ":submethod" (keyboard-interactive:pam). */
static bool auth_method_list_valid(const char *list)
{
	static const char *const known[] = { "publickey", "password", "keyboard-interactive" };
	const char *p = list;
	if (!*p)
		return false;
	while (*p) {
		size_t n = strcspn(p, ",:");
		bool ok = false;
		for (size_t i = 0; i < COUNT_OF(known); i++)
			ok = ok || (strlen(known[i]) == n && strncmp(p, known[i], n) == 0);
		if (!ok)
			return false;
		p += n;
		if (*p == ':')
			p += strcspn(p, ",");
		if (*p == ',' && !*++p)
			return false;
	}
	return true;
}

static int set_first_int(struct server_options *opts, int *slot, int value)
{
	if (!opts->in_match_block && *slot == -1)
		*slot = value;
	return 0;
}

/* A count (MaxAuthTries, ClientAliveCountMax): 0..1000000; the first value wins. */
static int set_first_count(struct server_options *opts, const char *origin, int line_no, const char *arg, int *slot)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (!*arg || *end || v < 0 || v > 1000000) {
		fprintf(stderr, "%s line %d: invalid integer value \"%s\".\n", origin, line_no, arg);
		return SERVCONF_FATAL;
	}
	return set_first_int(opts, slot, (int)v);
}

/* A time in seconds, sshd's forms (90, 1m30s): LoginGraceTime, ClientAliveInterval. */
static int set_first_seconds(struct server_options *opts, const char *origin, int line_no, const char *arg, int *slot)
{
	long v = algospec_parse_time(arg);
	if (v < 0 || v > 0x7fffffff / 1000) {
		fprintf(stderr, "%s line %d: invalid time value.\n", origin, line_no);
		return SERVCONF_FATAL;
	}
	return set_first_int(opts, slot, (int)v);
}

static int set_auth_option(struct server_options *opts, const char *origin, int line_no, enum keyword kw,
			   char **words, int nwords)
{
	const char *arg = words[1];
	int flag;
	switch (kw) {
	case KW_KBDINT_AUTHENTICATION:
	case KW_USE_PAM:
	case KW_PERMIT_EMPTY_PASSWORDS:
		if (parse_yes_no(origin, line_no, arg, &flag) < 0)
			return SERVCONF_FATAL;
		return set_first_int(opts, kw == KW_KBDINT_AUTHENTICATION ? &opts->kbdint_authentication
					   : kw == KW_USE_PAM ? &opts->use_pam : &opts->permit_empty_passwords, flag);
	case KW_PERMIT_ROOT_LOGIN:
		for (size_t i = 0; i < COUNT_OF(permit_root_names); i++)
			if (strcasecmp(arg, permit_root_names[i].name) == 0)
				return set_first_int(opts, &opts->permit_root_login, (int)permit_root_names[i].value);
		fprintf(stderr, "%s line %d: unsupported option \"%s\".\n", origin, line_no, arg);
		return SERVCONF_FATAL;
	case KW_ALLOW_USERS:
	case KW_DENY_USERS:
	case KW_ALLOW_GROUPS:
	case KW_DENY_GROUPS: {
		/* These accumulate over lines, as in sshd. */
		struct strlist *list = kw == KW_ALLOW_USERS ? &opts->allow_users
				     : kw == KW_DENY_USERS ? &opts->deny_users
				     : kw == KW_ALLOW_GROUPS ? &opts->allow_groups : &opts->deny_groups;
		for (int i = 1; i < nwords; i++) {
			const char *at = strchr(words[i], '@');
			if ((kw == KW_ALLOW_USERS || kw == KW_DENY_USERS) && at && strchr(at + 1, '@')) {
				fprintf(stderr, "%s line %d: invalid %s pattern: \"%s\"\n", origin, line_no,
					words[0], words[i]);
				return SERVCONF_FATAL;
			}
			/* A malformed address part (a bad CIDR such as "bob@10.1.2.3/8") would never
			 * match at login time, silently emptying a Deny list: refuse it now, as sshd. */
			if ((kw == KW_ALLOW_USERS || kw == KW_DENY_USERS) && at &&
			    burrow_match_host_and_ip("", "", at + 1) == BURROW_E_PARSE) {
				fprintf(stderr, "%s line %d: invalid %s pattern: \"%s\"\n", origin, line_no,
					words[0], words[i]);
				return SERVCONF_FATAL;
			}
			if (!opts->in_match_block && strlist_add(list, words[i]) < 0)
				return SERVCONF_FATAL;
		}
		return 0;
	}
	case KW_AUTHENTICATION_METHODS: {
		bool any = nwords == 2 && strcmp(arg, "any") == 0;
		for (int i = 1; i < nwords && !any; i++) {
			if (!auth_method_list_valid(words[i])) {
				fprintf(stderr, "%s line %d: invalid authentication method list.\n", origin, line_no);
				return SERVCONF_FATAL;
			}
		}
		if (opts->in_match_block || opts->authentication_methods_set)
			return 0;
		opts->authentication_methods_set = true;
		for (int i = 1; i < nwords && !any; i++)
			if (strlist_add(&opts->authentication_methods, words[i]) < 0)
				return SERVCONF_FATAL;
		return 0;
	}
	case KW_MAX_AUTH_TRIES:
		return set_first_count(opts, origin, line_no, arg, &opts->max_auth_tries);
	case KW_LOGIN_GRACE_TIME:
		return set_first_seconds(opts, origin, line_no, arg, &opts->login_grace_time);
	case KW_BANNER:
	case KW_PERMIT_USER_ENVIRONMENT: {
		char **slot = kw == KW_BANNER ? &opts->banner : &opts->permit_user_environment;
		if (opts->in_match_block || *slot)
			return 0;
		*slot = strdup(arg);
		return *slot ? 0 : SERVCONF_FATAL;
	}
	default:
		return 0;
	}
}

int servconf_line(void *ctx, const char *origin, int line_no, char **words, int nwords)
{
	struct server_options *opts = ctx;
	enum keyword kw;
	const char *name;
	/* Match blocks (servconf_match.c): only some keywords may appear in one. While a
	 * connection's Match blocks are evaluated, the global keywords wait for the global pass. */
	bool match_pass = opts->state && opts->state->conn;
	if ((opts->in_match_block || match_pass) && !servconf_match_allowed(words[0])) {
		enum keyword unused_kw;
		const char *unused_name;
		if (match_pass)
			return 0;
		if (lookup_keyword(words[0], &unused_kw, &unused_name) < 0) /* sshd says both */
			fprintf(stderr, "%s: line %d: Bad configuration option: %s\n", origin, line_no, words[0]);
		fprintf(stderr, "%s line %d: Directive '%s' is not allowed within a Match block\n", origin, line_no,
			words[0]);
		return SERVCONF_FATAL;
	}
	int cert_rc = certauth_config_line(opts, origin, line_no, words, nwords); /* certauth.c */
	if (cert_rc != CERTAUTH_NOT_MINE)
		return cert_rc;
	int daemon_rc = daemon_config_line(opts, origin, line_no, words, nwords); /* daemon_config.c */
	if (daemon_rc != DAEMON_CONFIG_NOT_MINE)
		return daemon_rc;
	int session_rc = session_config_line(opts, origin, line_no, words, nwords); /* session_config.c */
	if (session_rc != SESSION_CONFIG_NOT_MINE)
		return session_rc;
	if (lookup_keyword(words[0], &kw, &name) < 0) {
		fprintf(stderr, "%s: line %d: Bad configuration option: %s\n", origin, line_no, words[0]);
		opts->bad_options++;
		return 0;
	}
	if (kw == KW_UNSUPPORTED) {
		if (!(opts->state && opts->state->quiet)) /* said once, at startup */
			log_info("%s line %d: Unsupported option %s", origin, line_no, name);
		return 0;
	}
	if (nwords < 2) {
		fprintf(stderr, "%s line %d: no argument after keyword \"%s\"\n", origin, line_no, words[0]);
		return SERVCONF_FATAL;
	}
	if (kw == KW_MATCH)
		return servconf_match_line(opts, origin, line_no, words, nwords);
	if (kw == KW_INCLUDE)
		return servconf_include_line(opts, origin, line_no, words, nwords);
	if (single_argument(kw) && nwords > 2) {
		fprintf(stderr, "%s line %d: %s: garbage at end of line\n", origin, line_no, name);
		return SERVCONF_FATAL;
	}
	const char *arg = words[1];
	int flag;
	switch (kw) {
	case KW_PORT: {
		int port = parse_port(arg);
		if (port < 0) {
			fprintf(stderr, "%s line %d: Badly formatted port number.\n", origin, line_no);
			return SERVCONF_FATAL;
		}
		if (opts->in_match_block || opts->ports_from_cmdline)
			return 0;
		return add_port(opts, port);
	}
	case KW_LISTEN_ADDRESS: {
		struct listen_spec spec;
		if (parse_listen_address(arg, &spec) < 0) {
			fprintf(stderr, "%s line %d: bad address:port usage: %s\n", origin, line_no, arg);
			return SERVCONF_FATAL;
		}
		if (opts->in_match_block) {
			free(spec.host);
			return 0;
		}
		struct listen_spec *grown = realloc(opts->listen, (opts->listen_count + 1) * sizeof(*grown));
		if (!grown) {
			free(spec.host);
			return SERVCONF_FATAL;
		}
		opts->listen = grown;
		opts->listen[opts->listen_count++] = spec;
		return 0;
	}
	case KW_HOST_KEY:
		if (opts->in_match_block)
			return 0;
		return strlist_add(&opts->host_keys, arg);
	case KW_AUTHORIZED_KEYS_FILE:
		for (int i = 1; i < nwords; i++) {
			if (!authkeys_pattern_valid(words[i])) {
				fprintf(stderr, "%s line %d: %s: unknown %% token in \"%s\" (known: %%h %%u %%U %%%%)\n",
					origin, line_no, name, words[i]);
				return SERVCONF_FATAL;
			}
		}
		if (opts->in_match_block || opts->authorized_keys_set)
			return 0;
		opts->authorized_keys_set = true;
		/* "none" alone: no file at all. */
		if (nwords == 2 && strcasecmp(arg, "none") == 0)
			return 0;
		for (int i = 1; i < nwords; i++)
			if (strlist_add(&opts->authorized_keys_files, words[i]) < 0)
				return SERVCONF_FATAL;
		return 0;
	case KW_PUBKEY_AUTHENTICATION:
	case KW_PASSWORD_AUTHENTICATION:
	case KW_STRICT_MODES:
	case KW_TCP_KEEP_ALIVE:
	case KW_ALLOW_AGENT_FORWARDING: {
		if (parse_yes_no(origin, line_no, arg, &flag) < 0)
			return SERVCONF_FATAL;
		int *slot = kw == KW_PUBKEY_AUTHENTICATION ? &opts->pubkey_authentication
			  : kw == KW_PASSWORD_AUTHENTICATION ? &opts->password_authentication
			  : kw == KW_ALLOW_AGENT_FORWARDING ? &opts->allow_agent_forwarding
			  : kw == KW_TCP_KEEP_ALIVE ? &opts->tcp_keep_alive
			  : &opts->strict_modes;
		if (!opts->in_match_block && *slot == -1)
			*slot = flag;
		return 0;
	}
	case KW_LOG_LEVEL: {
		enum log_level level;
		if (log_level_from_name(arg, &level) < 0) {
			fprintf(stderr, "%s line %d: unsupported log level '%s'\n", origin, line_no, arg);
			return SERVCONF_FATAL;
		}
		if (!opts->in_match_block && opts->log_level == -1)
			opts->log_level = (int)level;
		return 0;
	}
	case KW_PID_FILE:
	case KW_MODULI_FILE: {
		char **slot = kw == KW_PID_FILE ? &opts->pid_file : &opts->moduli_file;
		if (!opts->in_match_block && !*slot) {
			*slot = strdup(arg);
			if (!*slot)
				return SERVCONF_FATAL;
		}
		return 0;
	}
	case KW_KEX_ALGORITHMS:
		return set_algorithm_list(opts, origin, line_no, BURROW_ALGO_KEX, arg, &opts->kex_algorithms);
	case KW_HOST_KEY_ALGORITHMS:
		return set_algorithm_list(opts, origin, line_no, BURROW_ALGO_HOSTKEY, arg, &opts->hostkey_algorithms);
	case KW_PUBKEY_ACCEPTED_ALGORITHMS:
		return set_algorithm_list(opts, origin, line_no, BURROW_ALGO_SIG, arg, &opts->pubkey_algorithms);
	case KW_CIPHERS:
		return set_algorithm_list(opts, origin, line_no, BURROW_ALGO_CIPHER, arg, &opts->ciphers);
	case KW_MACS:
		return set_algorithm_list(opts, origin, line_no, BURROW_ALGO_MAC, arg, &opts->macs);
	case KW_COMPRESSION: {
		int on = algospec_compression(arg, true);
		if (on < 0) {
			fprintf(stderr, "%s line %d: unsupported option \"%s\".\n", origin, line_no, arg);
			return SERVCONF_FATAL;
		}
		if (!opts->in_match_block && opts->compression == -1)
			opts->compression = on;
		return 0;
	}
	case KW_REKEY_LIMIT: {
		uint64_t bytes;
		uint32_t seconds;
		const char *why;
		if (algospec_rekey_limit(words + 1, nwords - 1, &bytes, &seconds, &why) < 0) {
			if (strcmp(why, "Bad number") == 0)
				fprintf(stderr, "%s line %d: Bad RekeyLimit number '%s': Invalid argument\n", origin,
					line_no, arg);
			else
				fprintf(stderr, "%s line %d: %s.\n", origin, line_no, why);
			return SERVCONF_FATAL;
		}
		if (!opts->in_match_block && !opts->rekey_set) {
			opts->rekey_set = true;
			opts->rekey_bytes = bytes;
			opts->rekey_seconds = seconds;
		}
		return 0;
	}
	case KW_KBDINT_AUTHENTICATION:
	case KW_USE_PAM:
	case KW_PERMIT_EMPTY_PASSWORDS:
	case KW_PERMIT_ROOT_LOGIN:
	case KW_ALLOW_USERS:
	case KW_DENY_USERS:
	case KW_ALLOW_GROUPS:
	case KW_DENY_GROUPS:
	case KW_AUTHENTICATION_METHODS:
	case KW_MAX_AUTH_TRIES:
	case KW_LOGIN_GRACE_TIME:
	case KW_BANNER:
	case KW_PERMIT_USER_ENVIRONMENT:
		return set_auth_option(opts, origin, line_no, kw, words, nwords);
	case KW_CLIENT_ALIVE_INTERVAL:
		return set_first_seconds(opts, origin, line_no, arg, &opts->client_alive_interval);
	case KW_CLIENT_ALIVE_COUNT_MAX:
		return set_first_count(opts, origin, line_no, arg, &opts->client_alive_count_max);
	case KW_MATCH:
	case KW_INCLUDE:
	case KW_UNSUPPORTED:
		break;
	}
	return 0;
}

void servconf_fill_defaults(struct server_options *opts)
{
	/* sshd refuses to start rather than lock everyone out. */
	if (servconf_fill_defaults_checked(opts) < 0)
		exit(255);
}

int servconf_fill_defaults_checked(struct server_options *opts)
{
	if (opts->port_count == 0)
		add_port(opts, BURROWD_DEFAULT_PORT);
	if (!opts->authorized_keys_set) {
		opts->authorized_keys_set = true;
		strlist_add(&opts->authorized_keys_files, ".ssh/authorized_keys");
		strlist_add(&opts->authorized_keys_files, ".ssh/authorized_keys2");
	}
	if (opts->pubkey_authentication == -1)
		opts->pubkey_authentication = 1;
	if (opts->password_authentication == -1)
		opts->password_authentication = 1;
	if (opts->strict_modes == -1)
		opts->strict_modes = 1;
	if (opts->allow_agent_forwarding == -1)
		opts->allow_agent_forwarding = 1;
	if (opts->log_level == -1)
		opts->log_level = LOG_LVL_INFO;
	if (!opts->moduli_file)
		opts->moduli_file = strdup(BURROWD_DEFAULT_MODULI);
	if (opts->kbdint_authentication == -1)
		opts->kbdint_authentication = 1;
	if (opts->use_pam == -1)
		opts->use_pam = 0; /* sshd's compiled-in default; Debian's sshd_config says yes */
#ifndef HAVE_PAM
	if (opts->use_pam == 1 && !(opts->state && opts->state->quiet))
		log_info("UsePAM yes: burrowd was built without PAM; passwords are checked with crypt(3)");
	opts->use_pam = 0;
#endif
	if (opts->permit_empty_passwords == -1)
		opts->permit_empty_passwords = 0;
	if (opts->permit_root_login == -1)
		opts->permit_root_login = PERMIT_ROOT_PROHIBIT_PASSWORD;
	if (opts->max_auth_tries == -1)
		opts->max_auth_tries = 6;
	if (opts->login_grace_time == -1)
		opts->login_grace_time = 120;
	if (opts->client_alive_interval == -1)
		opts->client_alive_interval = 0;
	if (opts->client_alive_count_max == -1)
		opts->client_alive_count_max = 3;
	if (opts->tcp_keep_alive == -1)
		opts->tcp_keep_alive = 1;
	if (!opts->permit_user_environment)
		opts->permit_user_environment = strdup("no");
	if (!auth_policy_check_config(opts))
		return -1;
	/* Unset: whatever the engine's server default is (sshd's "yes", delayed zlib). */
	if (opts->compression == -1)
		opts->compression = strstr(burrow_algorithms_default(BURROW_SERVER, BURROW_ALGO_COMPRESSION),
					   "zlib") != NULL;
	/* Only root can write /run; an unprivileged burrowd writes no pid file unless asked. */
	if (!opts->pid_file)
		opts->pid_file = strdup(geteuid() == 0 ? BURROWD_DEFAULT_PIDFILE : "none");
	return 0;
}

static const char *level_name(int level)
{
	static const char *const names[] = { "QUIET", "FATAL", "ERROR", "INFO", "VERBOSE",
					     "DEBUG1", "DEBUG2", "DEBUG3" };
	return level >= 0 && level < (int)COUNT_OF(names) ? names[level] : "INFO";
}

static void dump_list(FILE *out, const char *name, const struct strlist *list)
{
	for (size_t i = 0; i < list->n; i++)
		fprintf(out, "%s %s\n", name, list->v[i]);
}

static void servconf_dump_auth(const struct server_options *opts, FILE *out)
{
	fprintf(out, "kbdinteractiveauthentication %s\n", opts->kbdint_authentication ? "yes" : "no");
	fprintf(out, "usepam %s\n", opts->use_pam ? "yes" : "no");
	fprintf(out, "permitemptypasswords %s\n", opts->permit_empty_passwords ? "yes" : "no");
	/* sshd -T names prohibit-password by its first spelling in sshd's table. */
	fprintf(out, "permitrootlogin %s\n", opts->permit_root_login == PERMIT_ROOT_PROHIBIT_PASSWORD
					       ? "without-password" : servconf_permit_root_name(opts->permit_root_login));
	dump_list(out, "allowusers", &opts->allow_users);
	dump_list(out, "denyusers", &opts->deny_users);
	dump_list(out, "allowgroups", &opts->allow_groups);
	dump_list(out, "denygroups", &opts->deny_groups);
	fprintf(out, "authenticationmethods");
	if (opts->authentication_methods.n == 0)
		fprintf(out, " any");
	for (size_t i = 0; i < opts->authentication_methods.n; i++)
		fprintf(out, " %s", opts->authentication_methods.v[i]);
	fprintf(out, "\n");
	fprintf(out, "maxauthtries %d\n", opts->max_auth_tries);
	fprintf(out, "logingracetime %d\n", opts->login_grace_time);
	fprintf(out, "clientaliveinterval %d\n", opts->client_alive_interval);
	fprintf(out, "clientalivecountmax %d\n", opts->client_alive_count_max);
	fprintf(out, "tcpkeepalive %s\n", opts->tcp_keep_alive ? "yes" : "no");
	fprintf(out, "banner %s\n", opts->banner ? opts->banner : "none");
	fprintf(out, "permituserenvironment %s\n", opts->permit_user_environment ? opts->permit_user_environment : "no");
}

/* The effective configuration, one "keyword value" per line, as sshd -T prints it. */
void servconf_dump(const struct server_options *opts, FILE *out)
{
	for (size_t i = 0; i < opts->port_count; i++)
		fprintf(out, "port %d\n", opts->ports[i]);
	for (size_t i = 0; i < opts->listen_count; i++) {
		const struct listen_spec *l = &opts->listen[i];
		bool v6 = strchr(l->host, ':') != NULL;
		if (l->port)
			fprintf(out, v6 ? "listenaddress [%s]:%d\n" : "listenaddress %s:%d\n", l->host, l->port);
		else
			fprintf(out, "listenaddress %s\n", l->host);
	}
	if (opts->listen_count == 0) {
		for (size_t i = 0; i < opts->port_count; i++)
			fprintf(out, "listenaddress [::]:%d\nlistenaddress 0.0.0.0:%d\n", opts->ports[i],
				opts->ports[i]);
	}
	for (size_t i = 0; i < opts->host_keys.n; i++)
		fprintf(out, "hostkey %s\n", opts->host_keys.v[i]);
	fprintf(out, "authorizedkeysfile");
	if (opts->authorized_keys_files.n == 0)
		fprintf(out, " none");
	for (size_t i = 0; i < opts->authorized_keys_files.n; i++)
		fprintf(out, " %s", opts->authorized_keys_files.v[i]);
	fprintf(out, "\n");
	fprintf(out, "pubkeyauthentication %s\n", opts->pubkey_authentication ? "yes" : "no");
	fprintf(out, "passwordauthentication %s\n", opts->password_authentication ? "yes" : "no");
	fprintf(out, "strictmodes %s\n", opts->strict_modes ? "yes" : "no");
	fprintf(out, "allowagentforwarding %s\n", opts->allow_agent_forwarding ? "yes" : "no");
	servconf_dump_auth(opts, out);
	certauth_dump(&opts->certs, out);
	daemon_config_dump(&opts->daemon, out); /* daemon_config.c */
	session_config_dump(&opts->sessions, out);
	fprintf(out, "loglevel %s\n", level_name(opts->log_level));
	fprintf(out, "pidfile %s\n", opts->pid_file ? opts->pid_file : "none");
	/* Lists as sshd -T shows them: resolved (what the engine will offer, before the host key
	 * filter), not as typed. */
	static const struct {
		const char *name;
		enum burrow_algo_kind kind;
		size_t offset;
	} lists[] = {
		{ "ciphers", BURROW_ALGO_CIPHER, offsetof(struct server_options, ciphers) },
		{ "macs", BURROW_ALGO_MAC, offsetof(struct server_options, macs) },
		{ "kexalgorithms", BURROW_ALGO_KEX, offsetof(struct server_options, kex_algorithms) },
		{ "hostkeyalgorithms", BURROW_ALGO_HOSTKEY, offsetof(struct server_options, hostkey_algorithms) },
		{ "pubkeyacceptedalgorithms", BURROW_ALGO_SIG, offsetof(struct server_options, pubkey_algorithms) },
	};
	for (size_t i = 0; i < COUNT_OF(lists); i++) {
		const char *given = *(char *const *)((const char *)opts + lists[i].offset);
		char *resolved = algospec_resolve_new(lists[i].kind, BURROW_SERVER, given);
		fprintf(out, "%s %s\n", lists[i].name, resolved ? resolved : given ? given : "");
		free(resolved);
	}
	fprintf(out, "modulifile %s\n", opts->moduli_file ? opts->moduli_file : BURROWD_DEFAULT_MODULI);
	fprintf(out, "compression %s\n", opts->compression == 1 ? "yes" : "no");
	fprintf(out, "rekeylimit %llu %u\n", (unsigned long long)opts->rekey_bytes, opts->rekey_seconds);
}
