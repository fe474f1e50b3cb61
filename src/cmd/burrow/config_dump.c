/*
 * burrow -G: the effective configuration, printed as OpenSSH 9.2's `ssh -G` prints it
 * (readconf.c dump_client_config): lowercase keywords, one per line, defaults included, in ssh's
 * order and value spellings, for the keywords burrow implements.
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "algospec.h"
#include "log.h"

/* ssh's fmt_intarg() default: 0 "no", 1 "yes". */
static void dump_flag(const char *keyword, int value)
{
	printf("%s %s\n", keyword, value == 0 ? "no" : value == 1 ? "yes" : "UNKNOWN");
}

static void dump_string(const char *keyword, const char *value)
{
	if (value)
		printf("%s %s\n", keyword, value);
}

static void dump_list(const char *keyword, const struct strlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		printf("%s %s\n", keyword, list->items[i]);
}

/* Every value on one line, "none" for an empty list. */
static void dump_list_oneline(const char *keyword, const struct strlist *list)
{
	printf("%s", keyword);
	if (list->count == 0)
		printf(" none");
	for (size_t i = 0; i < list->count; i++)
		printf(" %s", list->items[i]);
	printf("\n");
}

/* The list the engine will use for this setting, as ssh prints its assembled lists. */
static void dump_algorithms(const char *keyword, enum burrow_algo_kind kind, const char *spec)
{
	char *list = algospec_resolve_new(kind, BURROW_CLIENT, spec);
	if (list)
		printf("%s %s\n", keyword, list);
	free(list);
}

static const char *strict_name(int value)
{
	switch (value) {
	case STRICT_YES: return "true";
	case STRICT_NO: return "false";
	case STRICT_ASK: return "ask";
	case STRICT_ACCEPT_NEW: return "accept-new";
	default: return "UNKNOWN";
	}
}

static const char *pubkey_auth_name(int value)
{
	switch (value) {
	case PUBKEY_AUTH_NO: return "false";
	case PUBKEY_AUTH_YES: return "true";
	case PUBKEY_AUTH_UNBOUND: return "unbound";
	case PUBKEY_AUTH_HOST_BOUND: return "host-bound";
	default: return "UNKNOWN";
	}
}

/* UpdateHostKeys unset: ssh's default is yes when the user's known hosts file is the standard
 * one (or unset), else no. */
static const char *update_hostkeys_name(const struct client_options *o)
{
	int v = o->update_hostkeys;
	if (v == UPDATE_HOSTKEYS_UNSET) {
		char *standard = options_expand_tilde("~/.ssh/known_hosts");
		bool only_standard = !o->user_known_hosts_set ||
				     (o->user_known_hosts.count == 1 && standard &&
				      strcmp(o->user_known_hosts.items[0], standard) == 0);
		free(standard);
		v = only_standard ? UPDATE_HOSTKEYS_YES : UPDATE_HOSTKEYS_NO;
	}
	return v == UPDATE_HOSTKEYS_YES ? "true" : v == UPDATE_HOSTKEYS_NO ? "false" : "ask";
}

static const char *log_level_name(int level)
{
	static const char *const names[] = { "QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG2",
					     "DEBUG3" };
	if (level < 0)
		level = LOG_LVL_INFO;
	return (size_t)level < sizeof(names) / sizeof(names[0]) ? names[level] : "UNKNOWN";
}

/* vis(3) with VIS_WHITE, as ssh -G shows EscapeChar: "\^A" for control characters, "\M-" for
 * the high bit, octal for a space. */
static void dump_escape_char(int c)
{
	if (c == ESCAPE_CHAR_NONE) {
		printf("escapechar none\n");
		return;
	}
	char buf[16], *p = buf;
	if ((c & 0177) == ' ') {
		snprintf(buf, sizeof(buf), "\\%03o", (unsigned)c);
		printf("escapechar %s\n", buf);
		return;
	}
	if (c == '\\' ) {
		printf("escapechar \\\\\n");
		return;
	}
	if (c < 0x21 || c >= 0x7f)
		*p++ = '\\';
	if (c & 0200) {
		c &= 0177;
		*p++ = 'M';
		*p++ = '-';
	}
	if (c < 0x20 || c == 0x7f) {
		*p++ = '^';
		*p++ = c == 0x7f ? '?' : (char)(c + '@');
	} else {
		*p++ = (char)c;
	}
	*p = 0;
	printf("escapechar %s\n", buf);
}

void options_dump(const struct client_options *o)
{
	/* Most interesting options first: host, user, hostname, port. */
	dump_string("host", o->host_arg);
	dump_string("user", o->user);
	dump_string("hostname", o->hostname);
	printf("port %d\n", o->port);

	/* Flag options */
	printf("addressfamily %s\n", o->address_family == AF_INET ? "inet" :
				     o->address_family == AF_INET6 ? "inet6" : "any");
	dump_flag("batchmode", o->batch_mode);
	dump_flag("compression", o->compression);
	dump_flag("exitonforwardfailure", o->exit_on_forward_failure);
	dump_flag("hashknownhosts", o->hash_known_hosts);
	dump_flag("identitiesonly", o->identities_only);
	dump_flag("kbdinteractiveauthentication", o->kbd_interactive_authentication);
	dump_flag("passwordauthentication", o->password_authentication);
	printf("pubkeyauthentication %s\n", pubkey_auth_name(o->pubkey_authentication));
	printf("requesttty %s\n", session_request_tty_name(o->request_tty));
	printf("sessiontype %s\n", session_type_name(o->session_type));
	dump_flag("stdinnull", o->stdin_null ? 1 : 0);
	dump_flag("forkafterauthentication", o->fork_after_authentication);
	printf("stricthostkeychecking %s\n", strict_name(o->strict_host_key_checking));
	dump_flag("tcpkeepalive", o->tcp_keep_alive);
	printf("updatehostkeys %s\n", update_hostkeys_name(o));

	/* Integer options */
	printf("connectionattempts %d\n", o->connection_attempts);
	printf("numberofpasswordprompts %d\n", o->number_of_password_prompts);
	printf("serveralivecountmax %d\n", o->server_alive_count_max);
	printf("serveraliveinterval %d\n", o->server_alive_interval);

	/* String options */
	dump_algorithms("ciphers", BURROW_ALGO_CIPHER, o->ciphers);
	dump_algorithms("hostkeyalgorithms", BURROW_ALGO_HOSTKEY, o->hostkey_algorithms);
	printf("casignaturealgorithms %s\n",
		o->ca_signature_algorithms ? o->ca_signature_algorithms : BURROW_CA_SIGNATURE_ALGORITHMS_DEFAULT);
	dump_string("hostkeyalias", o->host_key_alias);
	dump_string("identityagent", o->identity_agent);
	dump_string("ignoreunknown", o->ignore_unknown);
	dump_string("kbdinteractivedevices", o->kbd_interactive_devices);
	dump_algorithms("kexalgorithms", BURROW_ALGO_KEX, o->kex_algorithms);
	dump_string("remotecommand", o->remote_command);
	printf("loglevel %s\n", log_level_name(o->log_level));
	dump_algorithms("macs", BURROW_ALGO_MAC, o->macs);
	dump_string("preferredauthentications", o->preferred_authentications);
	dump_algorithms("pubkeyacceptedalgorithms", BURROW_ALGO_SIG, o->pubkey_algorithms);

	/* String array options; with no IdentityFile, ssh's default list. */
	if (o->identity_files.count == 0) {
		static const char *const defaults[] = { "~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk",
							"~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss",
							"~/.ssh/id_dsa" };
		for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			printf("identityfile %s\n", defaults[i]);
	}
	dump_list("identityfile", &o->identity_files);
	dump_list("certificatefile", &o->certificate_files);
	dump_list_oneline("globalknownhostsfile", &o->global_known_hosts);
	dump_list_oneline("userknownhostsfile", &o->user_known_hosts);
	dump_list("sendenv", &o->send_env);
	dump_list("setenv", &o->set_env);

	/* Special cases */
	printf("forwardagent %s\n", o->forward_agent ? o->forward_agent : "no");
	if (o->connect_timeout <= 0)
		printf("connecttimeout none\n");
	else
		printf("connecttimeout %d\n", o->connect_timeout);
	dump_escape_char(o->escape_char);
	printf("rekeylimit %llu %ld\n", (unsigned long long)o->rekey_bytes, o->rekey_seconds);
}
