/*
 * The SSH agent protocol (draft-miller-ssh-agent, OpenSSH PROTOCOL.agent), sans-I/O.
 *
 * Both roles:
 *   - the agent: struct burrow_agent is the key store (add, remove, list, sign, lock, lifetime
 *     and confirm constraints); one struct burrow_agent_conn per client socket takes the bytes
 *     read from it and holds the reply bytes to write back;
 *   - the client (ssh-add, ssh, forwarding): burrow_agent_request_* build framed requests,
 *     burrow_agent_parse_* read the replies.
 *
 * Every message is a uint32 length and that many bytes, the first of them the message number.
 * Messages longer than BURROW_AGENT_MAX_MESSAGE are refused (OpenSSH's AGENT_MAX_LEN).
 * Time is handed in as seconds on any monotonic clock; nothing here reads a clock or a socket.
 */
#ifndef BURROW_AGENT_H
#define BURROW_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow/error.h"
#include "burrow/keys.h"

#define BURROW_AGENT_MAX_MESSAGE (256u * 1024)

/* Message numbers, draft-miller-ssh-agent 6.1. */
#define SSH_AGENT_FAILURE 5
#define SSH_AGENT_SUCCESS 6
#define SSH_AGENTC_REQUEST_IDENTITIES 11
#define SSH_AGENT_IDENTITIES_ANSWER 12
#define SSH_AGENTC_SIGN_REQUEST 13
#define SSH_AGENT_SIGN_RESPONSE 14
#define SSH_AGENTC_ADD_IDENTITY 17
#define SSH_AGENTC_REMOVE_IDENTITY 18
#define SSH_AGENTC_REMOVE_ALL_IDENTITIES 19
#define SSH_AGENTC_ADD_SMARTCARD_KEY 20
#define SSH_AGENTC_REMOVE_SMARTCARD_KEY 21
#define SSH_AGENTC_LOCK 22
#define SSH_AGENTC_UNLOCK 23
#define SSH_AGENTC_ADD_ID_CONSTRAINED 25
#define SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED 26
#define SSH_AGENTC_EXTENSION 27
#define SSH_AGENT_EXTENSION_FAILURE 28

/* Constraints, draft-miller-ssh-agent 6.2. */
#define SSH_AGENT_CONSTRAIN_LIFETIME 1
#define SSH_AGENT_CONSTRAIN_CONFIRM 2
#define SSH_AGENT_CONSTRAIN_EXTENSION 255

/* Signature flags, draft-miller-ssh-agent 6.3. */
#define SSH_AGENT_RSA_SHA2_256 0x02
#define SSH_AGENT_RSA_SHA2_512 0x04

/* ---- framing ---- */
/* Looks at buffered bytes: 1 and *total (length field included) when a whole message is there,
 * 0 when more bytes are needed, BURROW_E_TOOBIG for a length over the limit (or zero). */
int burrow_agent_frame(const uint8_t *data, size_t len, size_t *total);

/* ---- the agent ---- */
struct burrow_agent;
struct burrow_agent_conn;

/* Asked before a key with the confirm constraint signs (ssh-agent runs ssh-askpass): true = go on.
 * NULL: such keys never sign. */
typedef bool (*burrow_agent_confirm_fn)(void *ctx, const struct burrow_key *key, const char *comment);

int burrow_agent_new(struct burrow_agent **out);
void burrow_agent_free(struct burrow_agent *agent); /* wipes every key; NULL is a no-op */
void burrow_agent_set_confirm(struct burrow_agent *agent, burrow_agent_confirm_fn fn, void *ctx);
/* Lifetime (seconds) given to keys added without one (ssh-agent -t); 0 = forever. */
void burrow_agent_set_default_lifetime(struct burrow_agent *agent, uint32_t seconds);
/* Removes keys whose lifetime ended by `now`. Returns how many were removed. */
size_t burrow_agent_expire(struct burrow_agent *agent, uint64_t now);
/* Seconds from `now` until the next key expires; -1 when none will. */
int64_t burrow_agent_next_expiry(const struct burrow_agent *agent, uint64_t now);
size_t burrow_agent_key_count(const struct burrow_agent *agent);
bool burrow_agent_locked(const struct burrow_agent *agent);

/* One client connection to the agent (its session-bind state lives here). */
int burrow_agent_conn_new(struct burrow_agent *agent, struct burrow_agent_conn **out);
void burrow_agent_conn_free(struct burrow_agent_conn *ac);
/* Bytes read from the client; every complete request is answered into the output.
 * BURROW_E_TOOBIG / BURROW_E_NOMEM: close this connection. */
int burrow_agent_conn_feed(struct burrow_agent_conn *ac, const uint8_t *data, size_t len, uint64_t now);
size_t burrow_agent_conn_output(const struct burrow_agent_conn *ac, const uint8_t **data);
void burrow_agent_conn_output_consume(struct burrow_agent_conn *ac, size_t n);
/* One request body (after the length field) straight to the agent: the framed reply is malloc'd. */
int burrow_agent_handle(struct burrow_agent_conn *ac, const uint8_t *msg, size_t len, uint64_t now,
			uint8_t **reply, size_t *reply_len);

/* ---- the client side ---- */
/* Framed requests (length field included), malloc'd. */
int burrow_agent_request_identities(uint8_t **msg, size_t *len);
int burrow_agent_request_sign(const struct burrow_key *key, const uint8_t *data, size_t data_len,
			      uint32_t flags, uint8_t **msg, size_t *len);
/* lifetime 0 = none; confirm: SSH_AGENT_CONSTRAIN_CONFIRM. `key` must hold its private half. */
int burrow_agent_request_add(const struct burrow_key *key, const char *comment, uint32_t lifetime,
			     bool confirm, uint8_t **msg, size_t *len);
int burrow_agent_request_remove(const struct burrow_key *key, uint8_t **msg, size_t *len);
int burrow_agent_request_remove_all(uint8_t **msg, size_t *len);
int burrow_agent_request_lock(bool lock, const char *passphrase, uint8_t **msg, size_t *len);
/* session-bind@openssh.com (PROTOCOL.agent 1): the server's host key, the session identifier,
 * the server's signature over it from the key exchange, and whether this is a forwarding. */
int burrow_agent_request_session_bind(const struct burrow_key *host_key, const uint8_t *session_id,
				      size_t session_id_len, const uint8_t *signature, size_t signature_len,
				      bool forwarding, uint8_t **msg, size_t *len);

/* Client: the arguments of burrow_agent_request_session_bind for this connection (pointers into
 * the conn, valid while it lives). BURROW_E_STATE before the first key exchange has finished. */
struct burrow_conn;
int burrow_conn_session_bind_info(const struct burrow_conn *conn, const struct burrow_key **host_key,
				  const uint8_t **session_id, size_t *session_id_len, const uint8_t **signature,
				  size_t *signature_len);

/* The flags that ask for sig_alg ("rsa-sha2-512" -> SSH_AGENT_RSA_SHA2_512; others 0). */
uint32_t burrow_agent_sign_flags(const char *sig_alg);

struct burrow_agent_identity {
	struct burrow_key *key; /* public only */
	char *comment;
};
/* Replies are message bodies (after the length field). */
int burrow_agent_parse_identities(const uint8_t *msg, size_t len, struct burrow_agent_identity **ids,
				  size_t *count);
void burrow_agent_identities_free(struct burrow_agent_identity *ids, size_t count);
int burrow_agent_parse_sign_response(const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len);
/* 0 for SSH_AGENT_SUCCESS, BURROW_E_NOTFOUND for a FAILURE, BURROW_E_PARSE otherwise. */
int burrow_agent_parse_status(const uint8_t *msg, size_t len);

#endif
