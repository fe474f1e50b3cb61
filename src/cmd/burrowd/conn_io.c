/* The client socket and the engine (conn_io.h). */
#define _GNU_SOURCE
#include "conn_io.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "burrowd.h"
#include "log.h"

#define SOCKET_READ_SIZE (128u * 1024)

static uint8_t socket_buffer[SOCKET_READ_SIZE];

static const char *tag(const struct conn_io *io)
{
	return io->preauth ? " [preauth]" : "";
}

size_t conn_io_pending(struct conn_io *io)
{
	const uint8_t *p;
	return burrow_conn_output(io->conn, &p);
}

int conn_io_flush(struct conn_io *io)
{
	for (;;) {
		const uint8_t *p;
		size_t n = burrow_conn_output(io->conn, &p);
		if (n == 0)
			return 0;
		ssize_t w = send(io->sock, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			burrow_conn_output_consume(io->conn, (size_t)w);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		log_verbose("write to %s port %d: %s%s", io->peer_addr, io->peer_port,
			    w < 0 ? strerror(errno) : "short write", tag(io));
		return -1;
	}
}

int conn_io_flush_all(struct conn_io *io, int ms)
{
	uint64_t deadline = monotonic_ms() + (uint64_t)ms;
	for (;;) {
		if (conn_io_flush(io) < 0)
			return -1;
		if (conn_io_pending(io) == 0)
			return 0;
		uint64_t now = monotonic_ms();
		if (now >= deadline)
			return -1;
		struct pollfd pfd = { .fd = io->sock, .events = POLLOUT };
		poll(&pfd, 1, (int)(deadline - now));
	}
}

void conn_io_read(struct conn_io *io)
{
	ssize_t n = recv(io->sock, socket_buffer, sizeof(socket_buffer), 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	int r;
	if (n <= 0) {
		io->sock_eof = true;
		if (n < 0)
			log_verbose("read from %s port %d: %s%s", io->peer_addr, io->peer_port, strerror(errno),
				    tag(io));
		r = burrow_conn_feed_eof(io->conn);
	} else {
		r = burrow_conn_feed(io->conn, socket_buffer, (size_t)n);
	}
	/* An error ends the connection; next_event reports how. */
	if (r < 0)
		log_debug("feed: %s", burrow_strerror(r));
}

int conn_io_drain(struct conn_io *io, void (*handle)(void *ctx, const struct burrow_event *ev), void *ctx,
		  const bool *stop)
{
	for (;;) {
		struct burrow_event ev;
		memset(&ev, 0, sizeof(ev));
		int r = burrow_conn_next_event(io->conn, &ev);
		if (r <= 0)
			return r == 0 ? 1 : r;
		handle(ctx, &ev);
		if (*stop)
			return 0;
	}
}

void conn_io_log_negotiated(struct conn_io *io)
{
	struct burrow_negotiated n;
	if (burrow_conn_negotiated(io->conn, &n) < 0 || !n.kex)
		return;
	io->kex_count++;
	if (io->kex_count > 1)
		log_verbose("rekey %u done with %s port %d", io->kex_count - 1, io->peer_addr, io->peer_port);
	log_debug("kex: algorithm: %s%s", n.kex, tag(io));
	log_debug("kex: host key algorithm: %s%s", n.hostkey ? n.hostkey : "?", tag(io));
	log_debug("kex: client->server cipher: %s MAC: %s compression: %s%s", n.cipher_c2s ? n.cipher_c2s : "?",
		  n.mac_c2s && *n.mac_c2s ? n.mac_c2s : "<implicit>", n.comp_c2s, tag(io));
	log_debug("kex: server->client cipher: %s MAC: %s compression: %s%s", n.cipher_s2c ? n.cipher_s2c : "?",
		  n.mac_s2c && *n.mac_s2c ? n.mac_s2c : "<implicit>", n.comp_s2c, tag(io));
	if (n.strict_kex && io->kex_count == 1)
		log_debug("kex: strict KEX mode enabled%s", tag(io));
}
