/*
 * The socket side of a connection process: bytes between the nonblocking client socket and the
 * engine, and the log lines every phase writes the same way. Shared by the pre-auth child
 * (preauth.c) and the post-auth loop (server_conn.c).
 */
#ifndef BURROWD_CONN_IO_H
#define BURROWD_CONN_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "burrow/burrow.h"

#define CONN_IO_FINAL_FLUSH_MS 2000

struct conn_io {
	struct burrow_conn *conn;
	int sock;
	bool sock_eof;           /* the peer closed its side (or the socket failed) */
	const char *peer_addr;
	int peer_port;
	bool preauth;            /* log lines get " [preauth]" */
	unsigned kex_count;      /* key exchanges done: 1 + rekeys */
};

size_t conn_io_pending(struct conn_io *io);
/* Writes what the socket takes now. -1 when the socket is dead. */
int conn_io_flush(struct conn_io *io);
/* Writes everything, waiting up to ms for the socket. -1 when it could not. */
int conn_io_flush_all(struct conn_io *io, int ms);
/* One read from the socket into the engine (EOF fed on end of stream). */
void conn_io_read(struct conn_io *io);
/* Hands every event the engine has to handle(ctx, ev), until *stop is set or the engine needs
 * input. 1: needs input (go on), 0: stopped, < 0: the connection is over (the engine's code). */
int conn_io_drain(struct conn_io *io, void (*handle)(void *ctx, const struct burrow_event *ev), void *ctx,
		  const bool *stop);
/* After each key exchange, in sshd's words (debug1), so logs of both programs read alike. */
void conn_io_log_negotiated(struct conn_io *io);

#endif
