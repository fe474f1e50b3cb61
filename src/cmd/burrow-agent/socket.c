/* The agent's listening socket: in a fresh mkdtemp directory (0700) unless -a names one. */
#include "agentd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int agentd_default_path(struct agentd *d)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/ssh-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: private socket dir: %s\n", strerror(errno));
		return -1;
	}
	char path[512];
	/* ssh-agent names the socket after its parent: agent.<ppid>. */
	snprintf(path, sizeof(path), "%s/agent.%ld", dir, (long)getppid());
	d->socket_dir = strdup(dir);
	d->socket_path = strdup(path);
	return d->socket_dir && d->socket_path ? 0 : -1;
}

int agentd_listen(struct agentd *d, const char *bind_address)
{
	if (bind_address) {
		d->socket_path = strdup(bind_address);
		if (!d->socket_path)
			return -1;
	} else if (agentd_default_path(d) < 0) {
		return -1;
	}
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(d->socket_path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: path too long\n", d->socket_path);
		return -1;
	}
	strcpy(sun.sun_path, d->socket_path);
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->listen_fd < 0) {
		fprintf(stderr, "socket: %s\n", strerror(errno));
		return -1;
	}
	/* The socket is created 0600: nobody else may even connect (the peer uid check is the
	 * second line of defence). */
	mode_t old = umask(0177);
	int r = bind(d->listen_fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0) {
		fprintf(stderr, "bind: %s\n", strerror(errno));
		close(d->listen_fd);
		d->listen_fd = -1;
		return -1;
	}
	if (listen(d->listen_fd, SOMAXCONN) < 0) {
		fprintf(stderr, "listen: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

void agentd_cleanup(struct agentd *d)
{
	if (d->socket_path)
		unlink(d->socket_path);
	if (d->socket_dir)
		rmdir(d->socket_dir);
}
