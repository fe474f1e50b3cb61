/*
 * The agent's event loop: poll over the listening socket and every client; bytes go through
 * the library's per-client burrow_agent_conn, which answers each complete request. Key
 * lifetimes are checked against the monotonic clock on every wake-up.
 */
#define _GNU_SOURCE /* SO_PEERCRED, accept4 */
#include "agentd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "prompt.h"

struct client {
	int fd;
	struct burrow_agent_conn *conn;
};

static volatile sig_atomic_t agentd_stop;

static void on_terminate(int sig)
{
	(void)sig;
	agentd_stop = 1;
}

static uint64_t now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts); /* counts suspend too: a lifetime is wall time */
	return (uint64_t)ts.tv_sec;
}

/* SSH_AGENT_CONSTRAIN_CONFIRM: ask through askpass, as ssh-agent does; an empty answer or
 * "yes" allows (OpenSSH readpass.c ask_permission). */
static bool agentd_confirm(void *ctx, const struct burrow_key *key, const char *comment)
{
	(void)ctx;
	char *fp = NULL;
	burrow_key_fingerprint_sha256(key, &fp);
	char prompt[1024];
	snprintf(prompt, sizeof(prompt), "Allow use of key %s?\nKey fingerprint %s.", comment ? comment : "",
		 fp ? fp : "");
	free(fp);
	char *answer = prompt_read(prompt, PROMPT_CONFIRM);
	bool yes = answer && (answer[0] == 0 || strcasecmp(answer, "yes") == 0);
	prompt_free(answer);
	log_debug("agent confirmation %s", yes ? "granted" : "refused");
	return yes;
}

/* Only our own user (or root) may talk to the agent (ssh-agent.c after_poll / SO_PEERCRED). */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_error("getpeereid %d failed: %s", fd, strerror(errno));
		return false;
	}
	if (cred.uid != 0 && cred.uid != getuid()) {
		log_error("uid mismatch: peer euid %u != uid %u", (unsigned)cred.uid, (unsigned)getuid());
		return false;
	}
	return true;
}

static void client_close(struct client *c)
{
	close(c->fd);
	burrow_agent_conn_free(c->conn);
	c->fd = -1;
	c->conn = NULL;
}

static void accept_client(struct agentd *d, struct client *clients, size_t *count)
{
	int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (!peer_allowed(fd) || *count >= AGENTD_MAX_CLIENTS) {
		close(fd);
		return;
	}
	struct client *c = &clients[(*count)++];
	c->fd = fd;
	if (burrow_agent_conn_new(d->agent, &c->conn) < 0) {
		close(fd);
		(*count)--;
	}
}

/* false: the client is gone or broke the framing. */
static bool client_read(struct client *c)
{
	uint8_t data[16384];
	ssize_t n = read(c->fd, data, sizeof(data));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	int r = burrow_agent_conn_feed(c->conn, data, (size_t)n, now_seconds());
	memset(data, 0, sizeof(data)); /* requests carry keys and passphrases */
	return r >= 0;
}

static bool client_write(struct client *c)
{
	const uint8_t *out;
	size_t len = burrow_agent_conn_output(c->conn, &out);
	if (len == 0)
		return true;
	ssize_t n = write(c->fd, out, len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	burrow_agent_conn_output_consume(c->conn, (size_t)n);
	return true;
}

static int poll_timeout_ms(const struct agentd *d)
{
	int64_t next = burrow_agent_next_expiry(d->agent, now_seconds());
	int timeout = -1;
	if (next >= 0)
		timeout = next > 3600 ? 3600 * 1000 : (int)next * 1000 + 50;
	/* Command mode: look for the command's end at least once a second. */
	if (d->watch_pid && (timeout < 0 || timeout > 1000))
		timeout = 1000;
	return timeout;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_terminate;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void agentd_run(struct agentd *d)
{
	static struct client clients[AGENTD_MAX_CLIENTS];
	static struct pollfd pfds[AGENTD_MAX_CLIENTS + 1];
	size_t count = 0;
	install_signals();
	burrow_agent_set_confirm(d->agent, agentd_confirm, NULL);
	while (!agentd_stop) {
		/* Command mode: we are the command's child; when it ends we are reparented. */
		if (d->watch_pid && getppid() != d->watch_pid)
			break;
		pfds[0] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		for (size_t i = 0; i < count; i++) {
			const uint8_t *out;
			short ev = POLLIN;
			if (burrow_agent_conn_output(clients[i].conn, &out))
				ev |= POLLOUT;
			pfds[i + 1] = (struct pollfd){ .fd = clients[i].fd, .events = ev };
		}
		int r = poll(pfds, count + 1, poll_timeout_ms(d));
		size_t expired = burrow_agent_expire(d->agent, now_seconds());
		if (expired)
			log_debug("expired %zu keys", expired);
		if (r < 0)
			continue;
		size_t polled = count;
		for (size_t i = 0; i < polled; i++) {
			struct client *c = &clients[i];
			bool ok = true;
			if (pfds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))
				ok = client_read(c);
			if (ok)
				ok = client_write(c);
			if (!ok)
				client_close(c);
		}
		/* Compact the table: closed clients leave holes. */
		size_t kept = 0;
		for (size_t i = 0; i < count; i++)
			if (clients[i].fd >= 0)
				clients[kept++] = clients[i];
		count = kept;
		if (pfds[0].revents & POLLIN)
			accept_client(d, clients, &count);
	}
	for (size_t i = 0; i < count; i++)
		client_close(&clients[i]);
}
