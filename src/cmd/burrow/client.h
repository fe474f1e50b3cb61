/* The burrow client program: options, ssh_config, host keys, identities, the session loop. */
#ifndef BURROW_CMD_CLIENT_H
#define BURROW_CMD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow/burrow.h"

#define CLIENT_NAME "burrow"
#define CLIENT_EXIT_FAILURE 255 /* like ssh: any local or connection error */

enum strict_hostkey {
	STRICT_UNSET = -1,
	STRICT_NO = 0,     /* "no", "off", "false" */
	STRICT_YES,        /* "yes", "true" */
	STRICT_ASK,        /* the default */
	STRICT_ACCEPT_NEW,
};

enum update_hostkeys {
	UPDATE_HOSTKEYS_UNSET = -1,
	UPDATE_HOSTKEYS_NO = 0,
	UPDATE_HOSTKEYS_YES,
	UPDATE_HOSTKEYS_ASK,
};

/* PubkeyAuthentication: every value but NO enables publickey; ssh -G names each. */
enum pubkey_auth { PUBKEY_AUTH_NO = 0, PUBKEY_AUTH_YES, PUBKEY_AUTH_UNBOUND, PUBKEY_AUTH_HOST_BOUND };

/* A growable list of malloc'd strings. */
struct strlist {
	char **items;
	size_t count;
};
int strlist_add(struct strlist *list, const char *s);
bool strlist_contains(const struct strlist *list, const char *s);
void strlist_free(struct strlist *list);

/*
 * Everything ssh_config and the command line can say. OpenSSH semantics: the first value
 * obtained wins (the command line comes first, then ~/.ssh/config, then /etc/ssh/ssh_config);
 * IdentityFile accumulates. -1 / NULL / unset list mean "not set yet".
 */
struct client_options {
	char *host_arg;          /* the destination host as typed (lowercased): Host blocks match it */
	char *hostname;          /* HostName */
	char *host_key_alias;    /* HostKeyAlias */
	char *user;
	int port;
	int address_family;      /* AF_UNSPEC / AF_INET / AF_INET6; -1 unset */
	struct strlist identity_files;
	bool identity_files_set; /* any -i / IdentityFile seen: no default identities then */
	struct strlist user_known_hosts;
	bool user_known_hosts_set;
	struct strlist global_known_hosts;
	bool global_known_hosts_set;
	int strict_host_key_checking; /* enum strict_hostkey */
	int batch_mode;
	char *ciphers, *macs, *kex_algorithms, *hostkey_algorithms, *pubkey_algorithms;
	/* CASignatureAlgorithms, resolved by burrow_ca_signature_algorithms_resolve (options.c);
	 * NULL = OpenSSH's default (no SHA-1 ssh-rsa) */
	char *ca_signature_algorithms;
	int compression;         /* -1 unset, 0 no, 1 yes */
	long long rekey_bytes;   /* -1 unset; 0 the cipher's default */
	long rekey_seconds;      /* 0 no time limit */
	int log_level;           /* enum log_level, -1 unset */
	int connect_timeout;     /* seconds; -1 unset, 0 none */
	char *ignore_unknown;    /* IgnoreUnknown pattern list */
	bool stdin_null;         /* -n */
	/* Agent (agent_identity.c, agent_forward.c): IdentityAgent ("none", "SSH_AUTH_SOCK", a
	 * path; NULL unset) and ForwardAgent / -A / -a ("yes", "no" or a socket path; NULL unset). */
	char *identity_agent;
	char *forward_agent;
	int identities_only;     /* IdentitiesOnly; -1 unset */
	/* Authentication (auth.c) and UpdateHostKeys (hostkeys_learn.c); -1 / NULL unset. */
	char *preferred_authentications; /* PreferredAuthentications */
	int pubkey_authentication;       /* PubkeyAuthentication ("unbound", "host-bound" = yes) */
	int password_authentication;     /* PasswordAuthentication */
	int kbd_interactive_authentication; /* KbdInteractiveAuthentication, ChallengeResponse... */
	char *kbd_interactive_devices;   /* KbdInteractiveDevices: the submethods sent */
	int number_of_password_prompts;  /* NumberOfPasswordPrompts */
	int update_hostkeys;             /* UpdateHostKeys: enum update_hostkeys */
	/* Certificates (certfile.c) and hostkey.c's new known_hosts lines. */
	struct strlist certificate_files; /* CertificateFile, accumulating */
	int hash_known_hosts;             /* HashKnownHosts; -1 unset (no) */
	/* Interactive sessions (session.c, tty.c, escape.c); -1 / NULL / empty unset. The command
	 * line sets them first (-t/-tt/-T, -e, -N, -f, -E, -s), then ssh_config. */
	int request_tty;                  /* enum request_tty */
	int escape_char;                  /* EscapeChar: a byte 0-255, ESCAPE_CHAR_NONE; -1 unset ('~') */
	struct strlist send_env;          /* SendEnv patterns in order ("-pattern" removes earlier ones) */
	struct strlist set_env;           /* SetEnv "NAME=value"; the first value for a name wins */
	int server_alive_interval;        /* seconds, 0 off */
	int server_alive_count_max;       /* default 3 */
	int connection_attempts;          /* default 1 */
	int tcp_keep_alive;               /* default yes */
	char *log_file;                   /* -E file: log lines appended there instead of stderr */
	int fork_after_authentication;    /* -f / ForkAfterAuthentication */
	int session_type;                 /* enum session_type: -N is none, -s is subsystem */
	char *remote_command;             /* RemoteCommand (the command line's command wins) */
	int exit_on_forward_failure;      /* ExitOnForwardFailure */
	/* -G (config_dump.c): options_finish leaves IdentityFile and CertificateFile as written, as
	 * ssh -G shows them (ssh expands them only when it loads the keys). */
	bool config_test;
	/* StdinNull from ssh_config (-1 unset); options_finish folds "yes" into stdin_null, which -n
	 * sets whatever the files say, as ssh's -n does. */
	int stdin_null_config;
};

enum request_tty { REQUEST_TTY_UNSET = -1, REQUEST_TTY_NO, REQUEST_TTY_YES, REQUEST_TTY_FORCE, REQUEST_TTY_AUTO };
enum session_type { SESSION_TYPE_UNSET = -1, SESSION_TYPE_DEFAULT, SESSION_TYPE_NONE, SESSION_TYPE_SUBSYSTEM };
#define ESCAPE_CHAR_NONE (-2)

void options_init(struct client_options *o);
void options_free(struct client_options *o);

/* Processes one "-o Keyword=value". Prints ssh's message and returns -1 on a bad option. */
int options_apply_cli(struct client_options *o, const char *option);
/* Reads -F file (or the default user and system files). Returns -1 after printing the error
 * ("FILE: terminating, N bad configuration options"). */
int options_read_config(struct client_options *o, const char *config_file);
/* Fills defaults and expands ~ and %-tokens. Returns -1 after printing an error. */
int options_finish(struct client_options *o);

/* Shell-style glob with * and ?, as OpenSSH's match_pattern. Case-insensitive. */
bool pattern_match(const char *s, const char *pattern);
/* "a,b,!c" lists: true when some positive pattern matches and no negated one does. */
bool pattern_list_match(const char *s, const char *list);

/* ~ and %-token expansion of a path (IdentityFile, UserKnownHostsFile). NULL + message on error. */
char *options_expand_path(const struct client_options *o, const char *path);
char *options_expand_tilde(const char *path); /* only a leading ~ or ~user */
const char *local_home_dir(void);
const char *local_user_name(void);
/* The %-tokens of ssh_config(5) TOKENS in s (and ${VAR} when dollar) for these options (the
 * final host, user and port after options_finish); NULL after printing ssh's message. */
char *options_expand_tokens(const struct client_options *o, const char *s, bool dollar);
/* One Match line: words are the criteria after "Match", host_arg the host as typed. 1 matches,
 * 0 not, -1 a bad line (reason logged), -2 fatal (a Match exec that could not run; logged). */
int options_match_line(const struct client_options *o, const char *host_arg, bool final_pass, char **words,
		       int n, const char *origin, int line_no, bool *want_final);
/* -G: the effective configuration on stdout, as `ssh -G` prints it (config_dump.c). */
void options_dump(const struct client_options *o);

/* ---- ssh_config keywords of interactive sessions (config_session.c) ---- */
enum session_keyword {
	SK_NONE, SK_REQUEST_TTY, SK_ESCAPE_CHAR, SK_SEND_ENV, SK_SET_ENV, SK_SERVER_ALIVE_INTERVAL,
	SK_SERVER_ALIVE_COUNT_MAX, SK_CONNECTION_ATTEMPTS, SK_TCP_KEEP_ALIVE, SK_FORK_AFTER_AUTH,
	SK_SESSION_TYPE, SK_REMOTE_COMMAND, SK_EXIT_ON_FORWARD_FAILURE,
};
enum session_keyword session_keyword_lookup(const char *lowercase_name);
/* One line of such a keyword (words[0] the keyword; rest_of_line the text after it, for
 * RemoteCommand). 0 done, 1 a bad value (ssh's message logged), -1 out of memory. */
int session_keyword_apply(struct client_options *o, enum session_keyword k, char **words, int n,
			  const char *rest_of_line, bool active, const char *origin, int line_no);
/* Their defaults, the ConnectionAttempts check and RemoteCommand's tokens. -1 after a message. */
int session_options_finish(struct client_options *o);
/* The names ssh -G prints for RequestTTY and SessionType values. */
const char *session_request_tty_name(int value);
const char *session_type_name(int value);

/* ---- identities ---- */
struct identity {
	char *path;
	struct burrow_key *key; /* with the private half */
	char *fingerprint;
	bool explicit; /* from -i / IdentityFile, not ssh's default list */
	/* An encrypted key file: `key` holds only the public half until identity_unlock asks for
	 * the passphrase (as ssh, only when the key is about to sign). */
	bool locked;
	/* The key lives in the agent (key is public only): identity_sign asks it. agent_fd is the
	 * agent connection shared by all such identities (agent_identity.c owns it). */
	bool from_agent;
	int agent_fd;
};
/* Loads the usable identities in order; missing or unusable files are skipped with a message. */
int identities_load(const struct client_options *o, struct identity **out, size_t *count);
void identities_free(struct identity *ids, size_t count);
/* Loads a locked identity's private half, asking "Enter passphrase for key '%s': " (terminal or
 * SSH_ASKPASS, NumberOfPasswordPrompts tries; never in BatchMode). 0 when id can sign (also for
 * agent and unencrypted identities), -1 when not: skip the key. Call it before signing. */
int identity_unlock(struct identity *id, const struct client_options *o);
/* Puts the agent's keys (IdentityAgent, else $SSH_AUTH_SOCK) in front of *ids, in OpenSSH's
 * order: agent keys first, except that with IdentitiesOnly only those matching an identity file
 * are kept; an identity file whose key the agent holds is then tried once, through the agent.
 * No agent is not an error. 0, or -1 on allocation failure. */
int identities_add_agent(const struct client_options *o, struct identity **ids, size_t *count);
/* A signature blob (as burrow_key_sign makes) by id's key with signature algorithm alg: through
 * the agent for from_agent identities, else with the private key. 0 or -1. */
int identity_sign(struct identity *id, const char *alg, const uint8_t *data, size_t len, uint8_t **sig,
		  size_t *sig_len);
/* After the first key exchange: tells the agent (when one is in use) which server and session
 * its signatures are for (session-bind@openssh.com). Agents that do not know it are fine. */
void identity_agent_session_bind(struct burrow_conn *conn);
/* The same on another agent connection, e.g. a forwarded one (forwarding true). 0 bound. */
int agent_session_bind_fd(int fd, struct burrow_conn *conn, bool forwarding);
/* The agent socket IdentityAgent names, NULL for none ($SSH_AUTH_SOCK when unset). */
const char *identity_agent_path(const struct client_options *o);

/* ---- certificates (certfile.c) ---- */
/* After each identity file's key, the certificates for it: the identity's "-cert.pub" file and
 * every CertificateFile that certifies that key, as ssh tries them (the plain key first). A
 * certificate of an encrypted key is a locked identity too. 0, or -1 on allocation failure. */
int certfile_add_identities(const struct client_options *o, struct identity **ids, size_t *count);
/* identity_unlock of a certificate identity: *key (the unlocked private key) becomes that key
 * with `cert` attached. 0, or -1 (logged, *key freed) when the certificate is not for it. */
int certfile_attach_unlocked(const struct burrow_key *cert, struct burrow_key **key);

/* ---- host key verification ---- */
/* Decides whether to trust the server's host key; prints ssh's warnings. true = go on. */
bool hostkey_verify(const struct client_options *o, const char *peer_ip, const struct burrow_key *key);

/* ---- user authentication (auth.c) ---- */
struct client_auth;
/* Loads the identities (files, then the agent's in front: identities_add_agent). -1 on ENOMEM. */
int client_auth_new(const struct client_options *o, struct burrow_conn *conn, struct client_auth **out);
void client_auth_free(struct client_auth *a);
/* The host key was accepted although known_hosts disagrees: no password or keyboard-interactive
 * (ssh: "... disabled to avoid man-in-the-middle attacks"). */
void client_auth_distrust_host(struct client_auth *a);
/* After the first key exchange: the "none" request that asks the server for its methods. */
int client_auth_start(struct client_auth *a);
/* AUTH_FAILURE (the next attempt), AUTH_KBDINT_PROMPT, AUTH_SIGN; other events are ignored.
 * -1: authentication is over without success, ssh's message printed (exit 255). */
int client_auth_event(struct client_auth *a, const struct burrow_event *ev);
/* The method of the attempt in flight ("none", "publickey", ...): AUTH_SUCCESS names it. */
const char *client_auth_method(const struct client_auth *a);

/* ---- UpdateHostKeys: learning the server's other host keys (hostkeys_learn.c) ---- */
struct hostkeys_learn;
int hostkeys_learn_new(const struct client_options *o, struct burrow_conn *conn, struct hostkeys_learn **out);
void hostkeys_learn_free(struct hostkeys_learn *hl);
/* Before hostkey_verify: what known_hosts says about the server's key (it may be recorded next). */
void hostkeys_learn_host_key(struct hostkeys_learn *hl, const struct burrow_key *key);
/* After hostkey_verify accepted it: whether keys may be learned (UpdateHostKeys' rules: only from a
 * key the user's known_hosts or the user vouched for). false when it was accepted although
 * known_hosts disagrees (StrictHostKeyChecking=no on a changed or revoked key): see
 * client_auth_distrust_host. */
bool hostkeys_learn_host_verified(struct hostkeys_learn *hl);
/* BURROW_EV_HOSTKEYS (asks the server to prove the new keys) and BURROW_EV_HOSTKEYS_PROVEN
 * (rewrites the user's known_hosts). Problems are logged; they never end the connection. */
void hostkeys_learn_event(struct hostkeys_learn *hl, const struct burrow_event *ev);

/* ---- network ---- */
/* Resolves and connects (nonblocking socket returned). *peer_ip gets the numeric address. */
int net_connect(const struct client_options *o, char **peer_ip);

/* ---- the session ---- */
/* Creates the engine for these options; prints ssh's message for a bad algorithm list. */
int session_conn_new(const struct client_options *o, struct burrow_conn **out);
/* Runs the connection to the end (takes conn and sock); returns the process exit status. */
int session_run(const struct client_options *o, struct burrow_conn *conn, int sock, const char *peer_ip,
		const char *command);

#endif
