/*
 * burrowd: the SSH server program. A listener process accepts connections and forks one child
 * per connection; the child runs the event loop that pumps bytes between the socket, libburrow
 * and the processes it runs for the user. Everything protocol-shaped lives in libburrow.
 */
#ifndef BURROWD_H
#define BURROWD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "burrow/burrow.h"

#define BURROWD_DEFAULT_CONFIG "/etc/burrow/burrowd_config"
#define BURROWD_DEFAULT_HOSTKEY "/etc/burrow/ssh_host_ed25519_key"
#define BURROWD_DEFAULT_PIDFILE "/run/burrowd.pid"
#define BURROWD_DEFAULT_AUTHORIZED_KEYS ".ssh/authorized_keys .ssh/authorized_keys2"
#define BURROWD_DEFAULT_PORT 22
#define BURROWD_DEFAULT_MODULI "/etc/ssh/moduli" /* shared with OpenSSH, as sshd's default */
#ifndef BURROWD_LOGIN_GRACE_MS
#define BURROWD_LOGIN_GRACE_MS (120 * 1000) /* sshd's LoginGraceTime default */
#endif
#define BURROWD_PATH "/usr/local/bin:/usr/bin:/bin:/usr/games"

/* ---- small string list ---- */
struct strlist {
	char **v;
	size_t n;
};
int strlist_add(struct strlist *list, const char *s);
void strlist_free(struct strlist *list);

/* ---- configuration (servconf.c) ---- */
struct listen_spec {
	char *host; /* NULL: every address */
	int port;   /* 0: every Port */
};

/* OpenSSH certificates (certauth.c): TrustedUserCAKeys, AuthorizedPrincipalsFile, HostCertificate. */
struct certauth_options {
	char *trusted_user_ca_keys;
	char *authorized_principals_file; /* %u %h %U; "none" = unset */
	struct strlist host_certificates;
	char *ca_signature_algorithms; /* CASignatureAlgorithms, resolved; NULL = OpenSSH's default */
	/* AuthorizedKeysCommand / AuthorizedPrincipalsCommand (authkeys_command.c): the command line
	 * as written (NULL or "none": unset) and the user it runs as */
	char *authorized_keys_command, *authorized_keys_command_user;
	char *authorized_principals_command, *authorized_principals_command_user;
	char *revoked_keys; /* RevokedKeys: a KRL or a key list (NULL or "none": unset) */
};

/* Sessions (session_config.c): AcceptEnv, Subsystem, PrintMotd, PrintLastLog, MaxSessions,
 * PermitTTY, ForceCommand, X11Forwarding, PermitUserRC. Zero is "unset": the session_opt_*
 * accessors of session_config.h give sshd's defaults. */
struct session_subsystem {
	char *name, *command;
};
struct session_options {
	struct strlist accept_env;       /* patterns, accumulated over lines */
	struct session_subsystem *subsystems;
	size_t subsystem_count;
	int print_motd, print_last_log, permit_tty, x11_forwarding, permit_user_rc; /* 0 unset, 1 no, 2 yes */
	int max_sessions;                /* meaningful when max_sessions_set; else 10 */
	bool max_sessions_set;
	char *force_command;             /* NULL: none */
};

/* The daemon (daemon_config.c): MaxStartups, PerSourcePenalties and friends, SyslogFacility.
 * Zero is "unset" (servconf_init clears the struct); daemon_config_fill_defaults gives sshd's. */
#define DAEMON_EXEMPT_LIST_MAX 1024
enum penalty_kind {
	PEN_CRASH, PEN_AUTHFAIL, PEN_NOAUTH, PEN_GRACE, PEN_REFUSE, /* durations per cause */
	PEN_MAX, PEN_MIN, PEN_MAX_SOURCES4, PEN_MAX_SOURCES6, PEN_OVERFLOW, PEN_OVERFLOW6,
	PEN_COUNT
};
struct daemon_options {
	bool max_startups_set;
	int max_startups_begin, max_startups_rate, max_startups_full; /* start:rate:full */
	bool per_source_max_startups_set;
	int per_source_max_startups;   /* PerSourceMaxStartups; 0: none */
	int penalties_enabled;         /* PerSourcePenalties: 0 unset, 1 no, 2 yes (any setting enables) */
	unsigned penalty_given;        /* bit (1 << PEN_x): that value was set (the first one wins) */
	int penalty[PEN_COUNT];        /* seconds; counts for MAX_SOURCES; 1 = deny-all for OVERFLOW */
	bool netblock_set;
	int netblock4, netblock6;      /* PerSourceNetBlockSize bits */
	bool exempt_set;
	char exempt_list[DAEMON_EXEMPT_LIST_MAX]; /* PerSourcePenaltyExemptList; "" none */
	bool syslog_facility_set;
	int syslog_facility;           /* LOG_AUTH, LOG_DAEMON, ... (syslog.h) */
};

struct server_options {
	int *ports;
	size_t port_count;
	bool ports_from_cmdline;    /* -p given: Port lines are ignored, as in sshd */
	struct listen_spec *listen;
	size_t listen_count;
	struct strlist host_keys;   /* -h first, then HostKey lines, in order */
	struct strlist authorized_keys_files;
	bool authorized_keys_set;
	int pubkey_authentication;  /* -1 unset, 0 no, 1 yes */
	int password_authentication;
	int strict_modes;
	int log_level;              /* enum log_level, -1 unset */
	char *pid_file;             /* NULL unset; "none" disables */
	/* Algorithm lists as given (OpenSSH +/-/^ forms included); NULL: the engine's defaults. */
	char *kex_algorithms, *hostkey_algorithms, *pubkey_algorithms, *ciphers, *macs;
	int compression;            /* -1 unset (the engine's default), 0 no, 1 yes/delayed */
	bool rekey_set;
	uint64_t rekey_bytes;       /* 0: the cipher's default */
	uint32_t rekey_seconds;     /* 0: no time limit */
	char *moduli_file;          /* ModuliFile, default /etc/ssh/moduli */
	char *moduli;               /* its contents (group exchange), NULL when unreadable */

	/* Authentication policy (auth_policy.c); -1 / NULL: unset until servconf_fill_defaults. */
	int kbdint_authentication;  /* KbdInteractiveAuthentication (ChallengeResponseAuthentication) */
	int use_pam;                /* UsePAM; only meaningful when built with PAM */
	int permit_empty_passwords;
	int permit_root_login;      /* enum permit_root_login */
	struct strlist allow_users, deny_users, allow_groups, deny_groups; /* accumulate */
	struct strlist authentication_methods; /* each a comma list; empty: any one method */
	bool authentication_methods_set;
	int max_auth_tries;         /* MaxAuthTries, default 6 */
	int login_grace_time;       /* LoginGraceTime in seconds, 0 none; default 120 */
	char *banner;               /* Banner file; NULL or "none": no banner */
	char *permit_user_environment; /* "no", "yes" or a pattern list of variable names */
	int allow_agent_forwarding; /* AllowAgentForwarding (agent_forward.c); -1 unset, default yes */
	int client_alive_interval;  /* ClientAliveInterval seconds, 0 off; -1 unset */
	int client_alive_count_max; /* ClientAliveCountMax, default 3 */
	int tcp_keep_alive;         /* TCPKeepAlive (SO_KEEPALIVE), default yes */

	/* parser state */
	bool in_match_block;        /* this line is inactive (a Match block that does not apply, or a
				     * global line while a connection's blocks are read): check, do not apply */
	struct servconf_state *state; /* the kept config text, Match and Include state (servconf_match.c) */
	int bad_options;            /* "Bad configuration option" count, reported together as sshd */
	struct certauth_options certs; /* certauth.c */
	struct daemon_options daemon;  /* daemon_config.c */
	struct session_options sessions; /* session_config.c */
};

/* PermitRootLogin values (sshd_config(5)). */
enum permit_root_login {
	PERMIT_ROOT_NO,
	PERMIT_ROOT_FORCED_COMMANDS_ONLY,
	PERMIT_ROOT_PROHIBIT_PASSWORD, /* also "without-password"; the default */
	PERMIT_ROOT_YES,
};

/* What servconf_line returns on a fatal error; distinct from cfg_read_file's -1 (cannot open)
 * and -2 (malformed line). */
#define SERVCONF_FATAL (-3)

void servconf_init(struct server_options *opts);
void servconf_free(struct server_options *opts);
/* A cfg_line_fn: SERVCONF_FATAL on a fatal error (already reported on stderr). */
int servconf_line(void *ctx, const char *origin, int line_no, char **words, int nwords);
/* -p PORT from the command line; 0 or -1 (message printed). */
int servconf_cmdline_port(struct server_options *opts, const char *arg);
/* -o "Keyword value": applied now and kept (for servconf_for_connection). 0 or SERVCONF_FATAL. */
int servconf_cmdline_option(struct server_options *opts, const char *option);
/* The main configuration file, kept with every file it includes: as cfg_read_file (-1 with errno
 * when it cannot be read, else 0 or the first error). `name` (NULL: path) is the file's own name
 * when path is a copy of it: relative Includes are taken from its directory. */
int servconf_read_file(struct server_options *opts, const char *path, const char *name);
/* -C "user=u,host=h,addr=a,laddr=l,lport=p,rdomain=r" (sshd -T -C) into ctx (strings allocated
 * for the run); -1 with sshd's message on stderr. */
struct match_ctx;
int servconf_test_spec_parse(const char *spec, struct match_ctx *ctx);
void servconf_fill_defaults(struct server_options *opts);
void servconf_dump(const struct server_options *opts, FILE *out);
const char *servconf_permit_root_name(int value); /* "prohibit-password", ... */

/* ---- host keys (hostkeys.c) ---- */
/* Loads every readable, private-enough host key; logs why others are skipped. */
int hostkeys_load(const struct strlist *files, struct burrow_key ***keys, size_t *count);
void hostkeys_free(struct burrow_key **keys, size_t count);

/* ---- users and privileges (users.c) ---- */
struct user_info {
	char *name;
	uid_t uid;
	gid_t gid;
	char *home;
	char *shell;
};
/* Copies the passwd entry; 0, or -1 when there is no such user. */
int user_lookup_name(const char *name, struct user_info *out);
int user_lookup_uid(uid_t uid, struct user_info *out);
int user_info_dup(const struct user_info *in, struct user_info *out);
void user_info_free(struct user_info *user);
/* Switch effective ids to the user while touching their files (root only); restore after. */
struct saved_ids {
	bool changed;
	uid_t euid;
	gid_t egid;
	gid_t *groups;
	int group_count;
};
int ids_use_user(const struct user_info *user, struct saved_ids *saved);
void ids_restore(struct saved_ids *saved);
/* Permanently become the user (root only; no-op otherwise). 0 or -1 (logged). */
int ids_drop_to_user(const struct user_info *user);

/* ---- authorized_keys (authkeys.c) ---- */
/* True when `key` is listed for `user` in one of the AuthorizedKeysFile files and passes the
 * StrictModes checks (reasons for refusals are logged). */
bool authkeys_allows(const struct server_options *opts, const struct user_info *user,
		     const struct burrow_key *key);
struct auth_restrictions; /* below, with the authentication policy */
/* The same, honouring the line's options for a client at peer_addr (from=, expiry-time=); on
 * success *restrictions (initialised by the caller) takes the line's restrictions. Malformed
 * option lists are skipped with "FILE:LINE: bad key options: WHY" logged. */
bool authkeys_check(const struct server_options *opts, const struct user_info *user,
		    const struct burrow_key *key, const char *peer_addr, struct auth_restrictions *restrictions);
/* Expands %h %u %U %% and makes the result absolute under the home directory. */
char *authkeys_expand_path_new(const char *pattern, const struct user_info *user);
/* True when the pattern uses only the tokens we expand. */
bool authkeys_pattern_valid(const char *pattern);
/* StrictModes, sshd's auth_secure_path: `path` (already opened, `st` its fstat) and every
 * directory up to the user's home (or /) owned by root or the user and not writable by group or
 * others. 0, or -1 with the reason in err. */
int authkeys_secure_path(const char *path, const struct stat *st, const struct user_info *user,
			 char *err, size_t err_len);

/* ---- authentication policy (auth_policy.c, auth_password.c, auth_kbdint.c) ---- */
/*
 * What a login may do, from its authorized_keys line (and, with certificates, the critical
 * options): kept per connection in server_conn's `restrictions`, set when the key is accepted,
 * all permitted for password and keyboard-interactive logins. Readers: the session code (forced
 * command with SSH_ORIGINAL_COMMAND, environment, pty), agent forwarding
 * (permit_agent_forwarding) and port forwarding (permit_port_forwarding, permitopen/listen).
 */
struct auth_restrictions {
	char *force_command;         /* command="...": run this instead of what the client asks */
	bool permit_pty, permit_port_forwarding, permit_agent_forwarding, permit_x11_forwarding,
	     permit_user_rc;
	struct strlist environment;  /* "NAME=value" to set (only what PermitUserEnvironment allows) */
	struct strlist permitopen;   /* "host:port" the client may open (-L); empty: any */
	struct strlist permitlisten; /* "host:port" the client may listen on (-R); empty: any */
};
void auth_restrictions_init(struct auth_restrictions *r);  /* everything permitted */
void auth_restrictions_free(struct auth_restrictions *r);
/* Takes over an authorized_keys line's options (environment= filtered by PermitUserEnvironment). */
int auth_restrictions_from_key_options(struct auth_restrictions *r, const struct server_options *opts,
				       const struct burrow_authorized_keys_options *key_opts);

/* sshd's allowed_user (auth.c): shell, (without PAM) a locked or expired shadow entry,
 * DenyUsers, AllowUsers, DenyGroups, AllowGroups, in that order; logs "User U from A not
 * allowed because ..." when not. A malformed Deny pattern refuses; a malformed Allow one does
 * not admit. */
bool auth_policy_user_allowed(const struct server_options *opts, const struct user_info *user,
			      const char *peer_addr);
/* The account may be used now, whatever the method (sshd: pam_acct_mgmt with UsePAM; else the
 * shadow entry's lock and expiry). Refusals are logged as sshd does. */
bool auth_policy_account_ok(const struct server_options *opts, const struct user_info *user,
			    const char *peer_addr);
/* shadow(5) sp_expire (days since 1970; -1 none) has passed on `today` (days since 1970). */
bool auth_policy_shadow_expired(long sp_expire, long today);
/* PermitRootLogin for a successful `method` by uid 0 ("ROOT LOGIN REFUSED FROM ..." logged). */
bool auth_policy_root_allowed(const struct server_options *opts, const char *method, bool forced_command,
			      const char *peer_addr, int peer_port);
/* A startup check: false (and a message on stderr) when AuthenticationMethods cannot be met. */
bool auth_policy_check_config(const struct server_options *opts);
/* The Banner file's text, NULL for none (read per connection, as sshd). */
char *auth_policy_banner_new(const struct server_options *opts);

/* Password check: PAM (UsePAM yes, when built with it) or crypt(3) against the shadow entry.
 * user NULL (invalid or refused user), or root without PermitRootLogin yes: the same work on
 * a password that cannot match (the real one never reaches PAM or crypt), then false. */
bool auth_password_check(const struct server_options *opts, const char *name, const struct user_info *user,
			 const char *password, const char *peer_addr);

/* What the monitor answers an authentication request (server_auth.c): an outcome, or for
 * keyboard-interactive a challenge (an INFO_REQUEST) to send first. */
#define AUTH_REPLY_MAX_PROMPTS 32
struct auth_reply {
	enum burrow_auth_outcome outcome;
	char *methods;       /* PARTIAL: the methods that can continue; NULL otherwise */
	bool challenge;      /* keyboard-interactive: send this challenge, no outcome yet */
	char *instruction;
	size_t nprompts;
	char *prompts[AUTH_REPLY_MAX_PROMPTS];
	bool echo[AUTH_REPLY_MAX_PROMPTS];
};
/* Copies the challenge into r. 0, or -1 (allocation, too many prompts). */
int auth_reply_set_challenge(struct auth_reply *r, const char *instruction, size_t n, const char *const *prompts,
			     const bool *echo);
void auth_reply_free(struct auth_reply *r);

/* keyboard-interactive (RFC 4256): a PAM conversation (UsePAM yes), else one "Password: "
 * prompt checked like a password. A challenge to send goes into *reply; *done is set with *ok
 * when the exchange has an outcome for the caller to give. */
struct auth_kbdint;
int auth_kbdint_start(struct auth_kbdint **out, const struct server_options *opts, const char *name,
		      const struct user_info *user, const char *peer_addr, struct auth_reply *reply,
		      bool *done, bool *ok);
int auth_kbdint_respond(struct auth_kbdint *k, struct auth_reply *reply, const char *const *answers,
			size_t n, bool *done, bool *ok);
void auth_kbdint_free(struct auth_kbdint *k); /* ends a PAM conversation still running; NULL ok */
/* "keyboard-interactive/pam" or "keyboard-interactive", as sshd logs the method. */
const char *auth_kbdint_log_name(const struct server_options *opts);

/* ---- signals (signals.c): handlers only set flags and write a byte to the self-pipe ---- */
extern volatile sig_atomic_t got_sigchld, got_sigterm, got_sighup;
int signals_init(bool listener);  /* creates the self-pipe and installs handlers */
int signals_fd(void);             /* read end of the self-pipe, for poll() */
void signals_drain(void);
void signals_reset_for_exec(void);/* in a forked child before exec: default dispositions */
void signals_close(void);

/* ---- how a connection process ended: its exit status (sshd's values), which the listener
 * turns into PerSourcePenalties ---- */
#define CONN_EXIT_OK 0
#define CONN_EXIT_LOGIN_GRACE 3     /* LoginGraceTime ran out before authentication */
#define CONN_EXIT_CHILD_CRASH 4     /* the pre-auth child died of a signal or broke the monitor protocol */
#define CONN_EXIT_AUTH_ATTEMPTED 5  /* authentication was attempted and never succeeded */
#define CONN_EXIT_CONFIG_REFUSED 6  /* refused by configuration before authentication (e.g. Match ... RefuseConnection) */
#define CONN_EXIT_ERROR 255

/* ---- Match blocks (servconf_match.c): the options in force for one connection ---- */
struct match_ctx {
	const char *user;       /* NULL until the client names one: User/Group criteria then fail */
	const char *host;       /* the peer's name (UseDNS no: its address) */
	const char *addr;       /* the peer's address */
	const char *laddr;      /* the local address */
	int lport;              /* the local port */
	const char *rdomain;    /* NULL */
	bool test_spec;         /* burrowd -T -C: a Match criterion naming a field not given is an error */
};
/* The configuration burrowd was started with (file text and -o/-p arguments are kept in base)
 * evaluated again with every Match block tested against ctx, as sshd's parse_server_match_config:
 * *out is a complete, independent options object (free with servconf_free); the values of
 * matching blocks override the global ones, the first obtained value wins within them. 0, or -1
 * (logged). */
int servconf_for_connection(const struct server_options *base, const struct match_ctx *ctx,
			    struct server_options *out);

/* ---- one connection (server_conn.c) ---- */
/* The engine configuration for these options (pointers into opts and host_keys). */
void server_engine_config(const struct server_options *opts, struct burrow_key *const *host_keys,
			  size_t host_key_count, struct burrow_config *cfg);
/* Runs one connection to the end on `sock`; returns the process exit status. */
int server_conn_serve(const struct server_options *opts, struct burrow_key *const *host_keys,
		      size_t host_key_count, int sock);

/* ---- helpers (util.c) ---- */
uint64_t monotonic_ms(void);
int set_nonblocking(int fd);
/* "ADDR" and port of a socket address; v4-mapped v6 shown as v4. */
void sockaddr_format(const void *sa, char *addr, size_t addr_len, int *port);

/* ---- OpenSSH certificates (certauth.c) ---- */
/* A certificate keyword of sshd_config: 0 or SERVCONF_FATAL; CERTAUTH_NOT_MINE for other keywords. */
#define CERTAUTH_NOT_MINE 1
int certauth_config_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords);
/* The keywords' values as sshd -T prints them ("none" when unset). */
void certauth_dump(const struct certauth_options *c, FILE *out);
void certauth_free(struct certauth_options *c);
/* HostCertificate: each certificate joins the host keys, attached to the private key it certifies. */
void certauth_load_host_certificates(const struct certauth_options *c, struct burrow_key ***keys, size_t *count);
/* A user certificate may log in as `user` from peer_addr (TrustedUserCAKeys, or an authorized_keys
 * cert-authority line); on success r takes the restrictions (force-command, extensions). Refusals
 * are logged with sshd's reasons. */
bool certauth_check(const struct server_options *opts, const struct user_info *user, const struct burrow_key *cert,
		    const char *peer_addr, struct auth_restrictions *r);
/* RevokedKeys lists `key` (a KRL or a key list; a certificate also by its CA, serial or key id):
 * logged as sshd ("Authentication key ED25519 SHA256:... revoked by file F"); an unreadable or
 * malformed file revokes every key, as in sshd. */
bool certauth_key_revoked(const struct server_options *opts, const struct burrow_key *key);
/* For authkeys.c: an authorized_keys cert-authority line `o` (at loc) for the certificate's CA
 * admits it: valid now, and principals= (or the user name) listed. */
struct burrow_authorized_keys_options;
bool certauth_authorized_keys_line(const struct burrow_key *cert, const struct burrow_authorized_keys_options *o,
				   const char *loc, const struct user_info *user);
/* Appends " ID id (serial n) CA TYPE SHA256:..." to buf, as sshd's log lines show a certificate. */
void certauth_describe(const struct burrow_key *cert, char *buf, size_t len);

/* ---- session keywords (session_config.c) ---- */
/* A session keyword of sshd_config: 0 or SERVCONF_FATAL; SESSION_CONFIG_NOT_MINE for others. */
#define SESSION_CONFIG_NOT_MINE 1
int session_config_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords);
void session_config_dump(const struct session_options *s, FILE *out);
void session_config_free(struct session_options *s);

/* ---- daemon keywords (daemon_config.c) ---- */
/* MaxStartups, PerSourceMaxStartups, PerSourcePenalties, PerSourceNetBlockSize,
 * PerSourcePenaltyExemptList, SyslogFacility: 0 or SERVCONF_FATAL; DAEMON_CONFIG_NOT_MINE for
 * other keywords. */
#define DAEMON_CONFIG_NOT_MINE 1
int daemon_config_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords);
void daemon_config_fill_defaults(struct daemon_options *d);
void daemon_config_dump(const struct daemon_options *d, FILE *out); /* as sshd -T */

/* ---- the listener (listener.c) ---- */
/* In a connection process: tells the listener this connection has authenticated, so it no
 * longer counts against MaxStartups and its end brings no penalty. Call once, right after
 * authentication succeeds (later calls do nothing). */
void listener_notify_authenticated(void);
/* In a child of the connection process that must not notify (the pre-auth sandbox): closes it. */
void listener_forget_notify(void);

#endif
