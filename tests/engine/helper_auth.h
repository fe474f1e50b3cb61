/*
 * A client engine and a server engine back to back (helper_pair.h) whose programs are the
 * test's own callbacks: every event of each side is logged, then handed to the callback, which
 * answers the questions. For the authentication tests.
 */
#ifndef BURROW_TEST_HELPER_AUTH_H
#define BURROW_TEST_HELPER_AUTH_H

#include "helper_pair.h"

#define AUTH_TEST_USER "tester"
#define AUTH_LOG_MAX 64

struct auth_log {
	int count[BURROW_EV_DISCONNECTED + 1];     /* events seen, per type */
	enum burrow_event_type order[AUTH_LOG_MAX]; /* the first AUTH_LOG_MAX, in order */
	size_t norder;
	char method[64];       /* `name` of the last AUTH_SUCCESS / AUTH_FAILURE */
	char methods[256];     /* client: `methods` of the last AUTH_FAILURE */
	char message[256];     /* `message` of the last AUTH_FAILURE / HOSTKEYS_PROVEN */
	char banner[256];      /* the last AUTH_BANNER */
	bool partial;          /* of the last AUTH_FAILURE */
	bool by_peer;
	uint32_t reason;       /* DISCONNECTED */
	char disconnect_message[256];
};

struct auth_pair;
typedef void (*auth_callback)(struct auth_pair *t, const struct burrow_event *ev);

struct auth_pair {
	struct pair p;                        /* p.host_key is host_keys[0]; p.user_key the user's */
	struct burrow_key *host_keys[4];
	size_t host_key_count;
	auth_callback on_client, on_server;   /* NULL: log only */
	struct auth_log client, server;
	int step;                             /* free for the test's script */
	void *ctx;
};

/* Ed25519 host and user keys; the configs' role and host keys are filled in here. */
void auth_pair_init(struct auth_pair *t, struct burrow_config server_cfg, struct burrow_config client_cfg);
/* The same with the given host keys (the pair owns them from now on). */
void auth_pair_init_host_keys(struct auth_pair *t, struct burrow_config server_cfg, struct burrow_config client_cfg,
			      struct burrow_key **host_keys, size_t n);
void auth_pair_free(struct auth_pair *t);
/* Pumps both sides and moves bytes until nothing moves any more. */
void auth_pair_run(struct auth_pair *t);
/* The usual script of a test: auth_pair_init, then the callbacks (either may be NULL) and their
 * ctx, then auth_pair_run. */
void auth_pair_play(struct auth_pair *t, struct burrow_config server_cfg, struct burrow_config client_cfg,
		    auth_callback on_client, auth_callback on_server, void *ctx);
/* Only one side's events, without moving bytes. */
void auth_pair_pump(struct auth_pair *t, bool server);
/* A raw message from one engine to the other, through its transport (encrypted as usual);
 * `b` comes back for the payload after the type; finish with auth_pair_send(). */
struct buf *auth_pair_begin(struct auth_pair *t, bool from_server, uint8_t type);
void auth_pair_send(struct auth_pair *t, bool from_server);
/* True when the log holds an event of `type` before any event of `later`. */
bool auth_log_before(const struct auth_log *log, enum burrow_event_type type, enum burrow_event_type later);

#endif
