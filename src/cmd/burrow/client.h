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
	int compression;         /* -1 unset, 0 no, 1 yes */
	long long rekey_bytes;   /* -1 unset; 0 the cipher's default */
	long rekey_seconds;      /* 0 no time limit */
	int log_level;           /* enum log_level, -1 unset */
	int connect_timeout;     /* seconds; -1 unset, 0 none */
	char *ignore_unknown;    /* IgnoreUnknown pattern list */
	bool stdin_null;         /* -n */
};

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

/* ---- identities ---- */
struct identity {
	char *path;
	struct burrow_key *key; /* with the private half */
	char *fingerprint;
	bool explicit; /* from -i / IdentityFile, not ssh's default list */
};
/* Loads the usable identities in order; missing or unusable files are skipped with a message. */
int identities_load(const struct client_options *o, struct identity **out, size_t *count);
void identities_free(struct identity *ids, size_t count);

/* ---- host key verification ---- */
/* Decides whether to trust the server's host key; prints ssh's warnings. true = go on. */
bool hostkey_verify(const struct client_options *o, const char *peer_ip, const struct burrow_key *key);

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
