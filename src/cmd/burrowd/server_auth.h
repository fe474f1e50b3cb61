/*
 * Authentication decisions for one connection, made in the root monitor (monitor.c) on behalf
 * of the unprivileged child that speaks to the client: who may log in, with which key,
 * password or PAM conversation, AuthenticationMethods progress, PermitRootLogin, and sshd's log
 * lines. Nothing here touches the engine: every answer is a struct auth_reply.
 */
#ifndef BURROWD_SERVER_AUTH_H
#define BURROWD_SERVER_AUTH_H

#include <stdbool.h>

#include "auth_methods.h"
#include "burrowd.h"

struct auth_state {
	const struct server_options *opts;  /* base until the user is named, then &effective */
	const struct server_options *base;
	struct server_options effective;    /* Match blocks evaluated for this connection and user */
	char *first_user;                   /* the user of the first attempt: later ones must match */
	const char *peer_addr, *local_addr;
	int peer_port, local_port;
	bool privileged;           /* running as root: serve any system user */
	struct user_info self;     /* unprivileged: the only user we serve */
	/* The user named in the latest attempt, looked up once per name. */
	char *candidate_name;
	struct user_info candidate;
	const struct user_info *candidate_ok; /* NULL: invalid or refused */
	char *accepted_key;        /* "ED25519 SHA256:..." of the key just accepted with signature */
	char *accepted_user;
	const char *accepted_method; /* for "Accepted METHOD for ..." */
	bool pubkey_refused_by_us; /* the next publickey AUTH_FAILURE is our own verdict */
	struct auth_methods methods;   /* AuthenticationMethods progress */
	struct auth_restrictions restrictions; /* the login's, from its keys */
	struct auth_kbdint *kbdint;
	struct strlist used_keys;  /* fingerprints of keys that already gave a partial success */
	unsigned auth_failures;
	bool attempted;            /* any method other than "none" was tried */
};

/* 0, or -1 (logged). */
int auth_state_init(struct auth_state *a, const struct server_options *opts, const char *peer_addr, int peer_port,
		    const char *local_addr, int local_port);
void auth_state_free(struct auth_state *a);

/* The first "none" request names the user: the methods to offer them (out->methods). */
void auth_on_user(struct auth_state *a, const char *user, struct auth_reply *out);
void auth_on_pubkey(struct auth_state *a, const char *user, const struct burrow_key *key, bool has_signature,
		    struct auth_reply *out);
void auth_on_password(struct auth_state *a, const char *user, const char *password, struct auth_reply *out);
void auth_on_kbdint_start(struct auth_state *a, const char *user, struct auth_reply *out);
void auth_on_kbdint_response(struct auth_state *a, const char *user, const char *const *answers, size_t n,
			     struct auth_reply *out);
/* The engine refused an attempt (for the log and the failure count). */
void auth_on_failure(struct auth_state *a, const char *user, const char *method, bool partial);
/* The child reports `user` authenticated: true only when the monitor accepted exactly that user
 * (then "Accepted ..." is logged and *user_out is a copy of the account). */
bool auth_on_success(struct auth_state *a, const char *user, struct user_info *user_out);

/* The connection ended before authentication: sshd's log lines. */
struct disconnect_info {
	uint32_t reason;
	bool by_peer, we_disconnected, grace;
	const char *message, *error;
};
void auth_log_disconnect(const struct auth_state *a, const struct disconnect_info *d);
/* The same lines for any phase: who is "user NAME " (or ""), preauth adds " [preauth]". */
void log_connection_end(const struct disconnect_info *d, const char *who, bool preauth, const char *peer_addr,
			int peer_port);

#endif
