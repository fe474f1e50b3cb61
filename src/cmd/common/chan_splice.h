/*
 * Splicing byte streams between local sockets and SSH channels, for forwarded agent
 * connections (both programs): each entry joins one fd to one channel of a connection, with
 * end-to-end flow control (channel data is acknowledged only once written to the fd; the fd is
 * read only while the channel's window has room) and half-closes in both directions.
 */
#ifndef BURROW_CMD_CHAN_SPLICE_H
#define BURROW_CMD_CHAN_SPLICE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow/burrow.h"

#define SPLICE_MAX 32

struct splice {
	int fd;               /* -1: free slot */
	uint32_t channel;
	uint8_t *pending;     /* channel data not yet written to fd */
	size_t pending_len;
	bool fd_eof;          /* read side ended: channel EOF sent */
	bool chan_eof;        /* the peer sent EOF: fd half-closed once pending is written */
	bool close_sent;
};

struct splice_set {
	struct splice s[SPLICE_MAX];
};

void splice_set_init(struct splice_set *set);
/* Joins fd (made nonblocking; owned from now on) to an open channel. -1 when full (fd closed). */
int splice_set_add(struct splice_set *set, int fd, uint32_t channel);
/* Channel events of spliced channels (DATA, EOF, WINDOW, CLOSED): true when handled. */
bool splice_set_event(struct splice_set *set, struct burrow_conn *conn, const struct burrow_event *ev);
/* Adds pollfds for every entry (at most SPLICE_MAX); returns how many were written. */
size_t splice_set_pollfds(struct splice_set *set, struct burrow_conn *conn, struct pollfd *pfd);
/* After poll: the same pfd array and count. */
void splice_set_after_poll(struct splice_set *set, struct burrow_conn *conn, const struct pollfd *pfd, size_t n);
/* Closes every fd (the connection is going away). */
void splice_set_free(struct splice_set *set);

#endif
