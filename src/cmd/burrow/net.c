/* Resolving the destination and connecting a nonblocking TCP socket (ConnectTimeout). */
#include "client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* 0 connected; -1 with errno. timeout_s 0 = wait as long as the kernel does. */
static int connect_one(const struct addrinfo *ai, int timeout_s, int *fd_out)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		*fd_out = fd;
		return 0;
	}
	if (errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	uint64_t deadline = timeout_s > 0 ? monotonic_ms() + (uint64_t)timeout_s * 1000 : 0;
	for (;;) {
		int wait_ms = -1;
		if (deadline) {
			uint64_t now = monotonic_ms();
			if (now >= deadline) {
				close(fd);
				errno = ETIMEDOUT;
				return -1;
			}
			wait_ms = (int)(deadline - now);
		}
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int r = poll(&pfd, 1, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			continue; /* the deadline check above reports the timeout */
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			close(fd);
			errno = err;
			return -1;
		}
		*fd_out = fd;
		return 0;
	}
}

/* One pass over the resolved addresses; the connected socket or -1 (*last_errno says why). */
static int connect_addresses(const struct client_options *o, struct addrinfo *res, char **peer_ip, int *last_errno)
{
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		char ip[NI_MAXHOST];
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof(ip), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(ip, sizeof(ip), "?");
		log_debug("Connecting to %s [%s] port %d.", o->hostname, ip, o->port);
		if (connect_one(ai, o->connect_timeout, &fd) < 0) {
			*last_errno = errno;
			log_debug("connect to address %s port %d: %s", ip, o->port, strerror(errno));
			fd = -1;
			continue;
		}
		*peer_ip = strdup(ip);
		if (!*peer_ip) {
			close(fd);
			fd = -1;
			*last_errno = ENOMEM;
		}
	}
	return fd;
}

int net_connect(const struct client_options *o, char **peer_ip)
{
	struct addrinfo hints = { .ai_family = o->address_family, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char port[16];
	snprintf(port, sizeof(port), "%d", o->port);
	int gr = getaddrinfo(o->hostname, port, &hints, &res);
	if (gr != 0) {
		log_error("%s: Could not resolve hostname %s: %s", CLIENT_NAME, o->hostname,
			  gr == EAI_SYSTEM ? strerror(errno) : gai_strerror(gr));
		return -1;
	}
	int fd = -1, last_errno = 0;
	int attempts = o->connection_attempts > 0 ? o->connection_attempts : 1;
	/* ConnectionAttempts: every address again, once a second (sshconnect.c ssh_connect_direct). */
	for (int attempt = 0; attempt < attempts && fd < 0; attempt++) {
		if (attempt > 0) {
			sleep(1);
			log_debug("Trying again...");
		}
		fd = connect_addresses(o, res, peer_ip, &last_errno);
	}
	freeaddrinfo(res);
	if (fd < 0) {
		log_error("%s: connect to host %s port %d: %s", CLIENT_NAME, o->hostname, o->port,
			  last_errno ? strerror(last_errno) : "failure");
		return -1;
	}
	if (o->tcp_keep_alive != 0) { /* TCPKeepAlive, yes unless set to no */
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	}
	log_debug("Connection established.");
	return fd;
}
