/*
 * systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram "READY=1" etc.
 * to the unix socket named by $NOTIFY_SOCKET ('@' first: the abstract namespace).
 */
#define _GNU_SOURCE
#include "listener.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int sd_notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path)) {
		log_error("NOTIFY_SOCKET %s: not a unix socket path", path);
		return -1;
	}
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	ssize_t w = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, addr_len);
	int saved = errno;
	close(fd);
	if (w < 0) {
		log_error("sd_notify %s: %s", path, strerror(saved));
		return -1;
	}
	log_debug("sd_notify: %s", state);
	return 0;
}

int sd_notify_reloading(void)
{
	struct timespec ts;
	char msg[96];
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	return sd_notify_send(msg);
}
