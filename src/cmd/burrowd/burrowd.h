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

	/* parser state */
	bool in_match_block;        /* after "Match" (unsupported): lines are checked, not applied */
	int bad_options;            /* "Bad configuration option" count, reported together as sshd */
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
void servconf_fill_defaults(struct server_options *opts);
void servconf_dump(const struct server_options *opts, FILE *out);

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
/* Expands %h %u %U %% and makes the result absolute under the home directory. */
char *authkeys_expand_path_new(const char *pattern, const struct user_info *user);
/* True when the pattern uses only the tokens we expand. */
bool authkeys_pattern_valid(const char *pattern);

/* ---- signals (signals.c): handlers only set flags and write a byte to the self-pipe ---- */
extern volatile sig_atomic_t got_sigchld, got_sigterm, got_sighup;
int signals_init(bool listener);  /* creates the self-pipe and installs handlers */
int signals_fd(void);             /* read end of the self-pipe, for poll() */
void signals_drain(void);
void signals_reset_for_exec(void);/* in a forked child before exec: default dispositions */
void signals_close(void);

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

#endif
