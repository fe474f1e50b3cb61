/* Agent forwarding on the client (ssh -A / ForwardAgent); see agent_forward.c. */
#ifndef BURROW_CMD_AGENT_FORWARD_H
#define BURROW_CMD_AGENT_FORWARD_H

#include "chan_splice.h"
#include "client.h"

#define AGENT_FORWARD_POLLFDS SPLICE_MAX

struct agent_forward;

/* *out NULL when ForwardAgent is off. 0, or -1 on allocation failure. */
int agent_forward_new(const struct client_options *o, struct agent_forward **out);
/* Sends auth-agent-req@openssh.com on the session channel (before exec/shell); f may be NULL. */
void agent_forward_request(struct agent_forward *f, struct burrow_conn *conn, uint32_t session_channel);
/* CHANNEL_OPEN of auth-agent@openssh.com (answered: connected or refused) and events of the
 * forwarded channels: true when handled. f may be NULL (agent opens are refused). */
bool agent_forward_event(struct agent_forward *f, struct burrow_conn *conn, const struct burrow_event *ev);
/* Writes up to AGENT_FORWARD_POLLFDS entries; returns the count. */
size_t agent_forward_pollfds(struct agent_forward *f, struct burrow_conn *conn, struct pollfd *pfd);
void agent_forward_after_poll(struct agent_forward *f, struct burrow_conn *conn, const struct pollfd *pfd, size_t n);
void agent_forward_free(struct agent_forward *f);

#endif
