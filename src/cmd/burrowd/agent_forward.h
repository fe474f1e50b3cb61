/*
 * Agent forwarding on the server (auth-agent-req@openssh.com, OpenSSH PROTOCOL.agent): a
 * listening socket in a fresh 0700 directory owned by the user, named to the session as
 * SSH_AUTH_SOCK; each connection to it becomes an auth-agent@openssh.com channel to the client.
 * Socket and directory are removed when the connection ends, also when a signal ends it.
 */
#ifndef BURROWD_AGENT_FORWARD_H
#define BURROWD_AGENT_FORWARD_H

#include <poll.h>
#include <stdbool.h>

#include "burrow/burrow.h"
#include "chan_splice.h"

#define AGENT_FORWARD_POLLFDS (1 + SPLICE_MAX)

struct agent_forward;

/* Creates the listener (call as the user, after the privilege drop). NULL (logged) on failure. */
struct agent_forward *agent_forward_new(void);
const char *agent_forward_socket(const struct agent_forward *f);
/* Channel events of agent channels (OPEN_CONFIRMED/FAILED of ours, DATA, EOF, CLOSED): true
 * when handled. f may be NULL. */
bool agent_forward_event(struct agent_forward *f, struct burrow_conn *conn, const struct burrow_event *ev);
size_t agent_forward_pollfds(struct agent_forward *f, struct burrow_conn *conn, struct pollfd *pfd);
void agent_forward_after_poll(struct agent_forward *f, struct burrow_conn *conn, const struct pollfd *pfd,
			      size_t n);
/* Closes everything and removes the socket and its directory. NULL is a no-op. */
void agent_forward_free(struct agent_forward *f);

#endif
