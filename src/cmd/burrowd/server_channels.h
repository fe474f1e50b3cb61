/*
 * The channels of one authenticated connection: session channels and the processes they run,
 * agent forwarding, and what the session code needs of the poll loop. server_conn.c owns the
 * socket and the engine; everything channel-shaped is decided here.
 */
#ifndef BURROWD_SERVER_CHANNELS_H
#define BURROWD_SERVER_CHANNELS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent_forward.h"
#include "burrowd.h"

struct pty_broker;

#define SERVER_MAX_SESSIONS 64
/* Descriptors server_channels_pollfds() may fill. */
#define SERVER_CHANNELS_POLLFDS (3 * SERVER_MAX_SESSIONS + AGENT_FORWARD_POLLFDS)

/* What the channels know of the login; every pointer must outlive the channels. */
struct channels_origin {
	const struct server_options *opts;
	const struct user_info *user;
	const struct auth_restrictions *restrictions;
	const char *peer_addr, *local_addr;
	int peer_port, local_port;
	const struct pty_broker *pty; /* session.h; NULL: no ptys */
};

struct server_channels;

struct server_channels *server_channels_new(const struct channels_origin *origin);
/* Hangs up every process still running, removes the forwarded agent socket. NULL is a no-op. */
void server_channels_free(struct server_channels *ch);

/* Channel events (open, request, data, EOF, close, agent forwarding): true when handled. */
bool server_channels_event(struct server_channels *ch, struct burrow_conn *conn, const struct burrow_event *ev);
/* Once per loop round before poll(): hands buffered output to the engine, finishes sessions
 * whose process is done. */
void server_channels_pump(struct server_channels *ch, struct burrow_conn *conn);
/* The descriptors to poll (at most SERVER_CHANNELS_POLLFDS), and what came of them. */
size_t server_channels_pollfds(struct server_channels *ch, struct burrow_conn *conn, struct pollfd *fds);
void server_channels_after_poll(struct server_channels *ch, struct burrow_conn *conn, const struct pollfd *fds,
				size_t n);
/* A child process ended (from waitpid). */
void server_channels_child_exited(struct server_channels *ch, pid_t pid, int status);

#endif
