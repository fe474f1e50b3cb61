/*
 * Talking to an agent over its Unix socket (SSH_AUTH_SOCK), one request at a time, blocking:
 * what ssh-add and ssh do. The messages themselves come from burrow/agent.h.
 */
#ifndef BURROW_CMD_AGENT_CLIENT_H
#define BURROW_CMD_AGENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow/agent.h"

/* Connects to the agent at `path` (NULL: $SSH_AUTH_SOCK). The socket, or -1 with errno set
 * (ENOENT when no path is known). */
int agent_client_connect(const char *path);
/* Sends a framed request (the library's burrow_agent_request_*) and reads the reply's body into
 * *reply (malloc'd). 0, or -1 when the agent hung up or answered garbage. */
int agent_client_roundtrip(int fd, const uint8_t *request, size_t request_len, uint8_t **reply,
			   size_t *reply_len);
/* A request answered by SUCCESS or FAILURE: 0 success, BURROW_E_NOTFOUND failure, -1 I/O. Frees
 * `request` (it may hold a private key) after wiping it. */
int agent_client_simple(int fd, uint8_t *request, size_t request_len);
int agent_client_list(int fd, struct burrow_agent_identity **ids, size_t *count);
/* A signature blob by the agent's `key` over data with sig_alg (RSA flags from it). */
int agent_client_sign(int fd, const struct burrow_key *key, const char *sig_alg, const uint8_t *data,
		      size_t len, uint8_t **sig, size_t *sig_len);

/* A time as ssh-agent -t and ssh-add -t take it (sshd_config(5) TIME FORMATS): "600", "10m",
 * "1h30m"; suffixes s m h d w. Seconds, or -1 when malformed or over UINT32_MAX. */
long long agent_parse_lifetime(const char *s);

#endif
