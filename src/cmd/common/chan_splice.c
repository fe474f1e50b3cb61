/* Local socket <-> channel splicing; see chan_splice.h. */
#include "chan_splice.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SPLICE_READ 16384

void splice_set_init(struct splice_set *set)
{
	memset(set, 0, sizeof(*set));
	for (size_t i = 0; i < SPLICE_MAX; i++)
		set->s[i].fd = -1;
}

int splice_set_add(struct splice_set *set, int fd, uint32_t channel)
{
	for (size_t i = 0; i < SPLICE_MAX; i++) {
		struct splice *sp = &set->s[i];
		if (sp->fd >= 0)
			continue;
		memset(sp, 0, sizeof(*sp));
		sp->fd = fd;
		sp->channel = channel;
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		return 0;
	}
	close(fd);
	return -1;
}

static struct splice *splice_find(struct splice_set *set, uint32_t channel)
{
	for (size_t i = 0; i < SPLICE_MAX; i++)
		if (set->s[i].fd >= 0 && set->s[i].channel == channel)
			return &set->s[i];
	return NULL;
}

static void splice_release(struct splice *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->pending);
	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
}

/* The local side failed or both directions ended: close the channel (freed at CLOSED). */
static void splice_close(struct splice *sp, struct burrow_conn *conn)
{
	if (sp->close_sent)
		return;
	sp->close_sent = true;
	burrow_chan_close(conn, sp->channel);
}

/* Writes pending bytes; acknowledges what left. false when the fd failed. */
static bool splice_flush(struct splice *sp, struct burrow_conn *conn)
{
	size_t done = 0;
	while (done < sp->pending_len) {
		ssize_t n = write(sp->fd, sp->pending + done, sp->pending_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	memmove(sp->pending, sp->pending + done, sp->pending_len - done);
	sp->pending_len -= done;
	if (done)
		burrow_chan_consumed(conn, sp->channel, done);
	if (sp->pending_len == 0 && sp->chan_eof)
		shutdown(sp->fd, SHUT_WR);
	return true;
}

static bool splice_data(struct splice *sp, struct burrow_conn *conn, const uint8_t *data, size_t len)
{
	uint8_t *grown = realloc(sp->pending, sp->pending_len + len);
	if (!grown)
		return false;
	sp->pending = grown;
	memcpy(sp->pending + sp->pending_len, data, len);
	sp->pending_len += len;
	return splice_flush(sp, conn);
}

/* Reads what the channel's window takes now. false when the fd failed. */
static bool splice_read(struct splice *sp, struct burrow_conn *conn)
{
	uint8_t buf[SPLICE_READ];
	size_t room = burrow_chan_send_room(conn, sp->channel);
	if (room == 0 || sp->fd_eof)
		return true;
	ssize_t n = read(sp->fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return true;
	if (n < 0)
		return false;
	if (n == 0) {
		sp->fd_eof = true;
		burrow_chan_send_eof(conn, sp->channel);
		return true;
	}
	size_t sent = 0;
	burrow_chan_send(conn, sp->channel, 0, buf, (size_t)n, &sent);
	memset(buf, 0, sizeof(buf)); /* agent replies may carry signatures; keep nothing around */
	return sent == (size_t)n;
}

bool splice_set_event(struct splice_set *set, struct burrow_conn *conn, const struct burrow_event *ev)
{
	struct splice *sp = splice_find(set, ev->channel);
	if (!sp)
		return false;
	switch (ev->type) {
	case BURROW_EV_CHANNEL_DATA:
		if (ev->stream != 0)
			burrow_chan_consumed(conn, sp->channel, ev->len);
		else if (!splice_data(sp, conn, ev->data, ev->len))
			splice_close(sp, conn);
		return true;
	case BURROW_EV_CHANNEL_EOF:
		sp->chan_eof = true;
		if (sp->pending_len == 0)
			shutdown(sp->fd, SHUT_WR);
		if (sp->fd_eof)
			splice_close(sp, conn);
		return true;
	case BURROW_EV_CHANNEL_WINDOW:
		return true;
	case BURROW_EV_CHANNEL_CLOSED:
		splice_release(sp);
		return true;
	case BURROW_EV_CHANNEL_REQUEST:
		if (ev->want_reply)
			burrow_chan_request_verdict(conn, ev->channel, false);
		return true;
	default:
		return false;
	}
}

size_t splice_set_pollfds(struct splice_set *set, struct burrow_conn *conn, struct pollfd *pfd)
{
	size_t n = 0;
	for (size_t i = 0; i < SPLICE_MAX; i++) {
		struct splice *sp = &set->s[i];
		short events = 0;
		if (sp->fd < 0 || sp->close_sent) {
			pfd[n++] = (struct pollfd){ .fd = -1 };
			continue;
		}
		if (!sp->fd_eof && burrow_chan_send_room(conn, sp->channel) > 0)
			events |= POLLIN;
		if (sp->pending_len)
			events |= POLLOUT;
		pfd[n++] = (struct pollfd){ .fd = events ? sp->fd : -1, .events = events };
	}
	return n;
}

void splice_set_after_poll(struct splice_set *set, struct burrow_conn *conn, const struct pollfd *pfd, size_t n)
{
	for (size_t i = 0; i < n && i < SPLICE_MAX; i++) {
		struct splice *sp = &set->s[i];
		if (sp->fd < 0 || pfd[i].fd < 0 || !pfd[i].revents)
			continue;
		bool ok = true;
		if (pfd[i].revents & POLLOUT)
			ok = splice_flush(sp, conn);
		if (ok && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			ok = splice_read(sp, conn);
		if (!ok || (sp->fd_eof && sp->chan_eof && sp->pending_len == 0))
			splice_close(sp, conn);
	}
}

void splice_set_free(struct splice_set *set)
{
	for (size_t i = 0; i < SPLICE_MAX; i++)
		if (set->s[i].fd >= 0)
			splice_release(&set->s[i]);
}
