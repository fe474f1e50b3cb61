/* Inside the agent: the key store (agent_store.c) and the request handler (agent_serve.c). */
#ifndef BURROW_AGENT_INTERNAL_H
#define BURROW_AGENT_INTERNAL_H

#include "buf.h"
#include "burrow/agent.h"
#include "crypto/crypto.h"

#define AGENT_MAX_KEYS 1024          /* a bound on what one client can make us hold */
#define AGENT_MAX_SESSION_BINDS 16   /* OpenSSH's AGENT_MAX_SESSION_IDS */
#define AGENT_LOCK_SALT_LEN 16
#define AGENT_LOCK_HASH_LEN 64       /* SHA-512 */
#define AGENT_LOCK_ROUNDS 4096       /* makes guessing the lock passphrase from memory costly */
#define AGENT_MAX_PENDING_OUTPUT (4 * BURROW_AGENT_MAX_MESSAGE) /* unread replies per client */
/* After a failed UNLOCK, ssh-agent.c (process_lock_agent) sleeps 0.1 s per failure so far, at
 * most 10 s, so that the lock passphrase cannot be guessed quickly (through agent forwarding,
 * by anyone on a host the user logs in to). Sans-I/O we cannot sleep: we refuse instead. */
#define AGENT_UNLOCK_DELAY_MS 100
#define AGENT_UNLOCK_DELAY_MAX_MS 10000
#define AGENT_UNLOCK_MAX_FAILURES 100 /* ssh-agent's cap on its fail_count */

struct agent_entry {
	struct burrow_key *key;          /* with its private half */
	char *comment;
	uint64_t expires;                /* seconds on the handed-in clock; 0 = never */
	bool confirm;                    /* ask before each signature */
};

struct burrow_agent {
	struct agent_entry *entries;
	size_t count;
	uint32_t default_lifetime;
	bool locked;
	/* The lock passphrase is kept only as a salted, iterated HMAC-SHA-512 of itself. */
	uint8_t lock_salt[AGENT_LOCK_SALT_LEN];
	uint8_t lock_hash[AGENT_LOCK_HASH_LEN];
	uint32_t unlock_failures;        /* failed UNLOCKs since the last good one */
	uint64_t unlock_failed_at;       /* seconds on the handed-in clock of the last failure */
	uint64_t now;                    /* the handed-in clock, as burrow_agent_expire last saw it */
	burrow_agent_confirm_fn confirm;
	void *confirm_ctx;
};

struct agent_session_bind {
	struct burrow_key *host_key;
	uint8_t session_id[HASH_MAX_LEN];
	size_t session_id_len;
	bool forwarding;
};

struct burrow_agent_conn {
	struct burrow_agent *agent;
	struct buf in, out;
	struct agent_session_bind binds[AGENT_MAX_SESSION_BINDS];
	size_t bind_count;
};

/* agent_store.c */
struct agent_entry *agent_store_find(struct burrow_agent *a, const struct burrow_key *key);
/* Takes ownership of key and comment (also on failure). */
int agent_store_add(struct burrow_agent *a, struct burrow_key *key, char *comment, uint64_t expires,
		    bool confirm);
int agent_store_remove(struct burrow_agent *a, const struct burrow_key *key);
void agent_store_remove_all(struct burrow_agent *a);
int agent_store_lock(struct burrow_agent *a, struct bstr passphrase);
/* Unlocks with the passphrase of the lock. After a failure, further attempts are refused
 * unchecked (BURROW_E_AGAIN: SSH_AGENT_FAILURE) until the handed-in clock (a->now, set by
 * burrow_agent_expire() before every request) reaches the last failure plus 0.1 s per failure
 * so far, at most 10 s. The clock counts whole seconds, so the wait is rounded down to them:
 * the first nine failures cost nothing measurable (as ssh-agent's sleep of under a second),
 * from the tenth on each costs 1 s, growing to 10 s from the hundredth, which bounds a guesser
 * as ssh-agent does. A refused attempt neither counts nor restarts the wait. A good unlock
 * forgets the failures. */
int agent_store_unlock(struct burrow_agent *a, struct bstr passphrase);

/* agent_bind.c: session-bind@openssh.com and the checks it enables */
int agent_bind_handle(struct burrow_agent_conn *ac, struct rd *r);
/* 0 when a signature over `data` may be made on this connection: data that is a userauth
 * request must name the session (and host key) this socket was bound to for authentication. */
int agent_bind_check_sign(const struct burrow_agent_conn *ac, struct bstr data);
void agent_bind_clear(struct burrow_agent_conn *ac);

#endif
