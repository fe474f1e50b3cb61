/* burrow-agent: the program around the library's agent (burrow/agent.h). */
#ifndef BURROW_CMD_AGENTD_H
#define BURROW_CMD_AGENTD_H

#include <stdbool.h>
#include <sys/types.h>

#include "burrow/agent.h"

#define AGENTD_MAX_CLIENTS 128

struct agentd {
	struct burrow_agent *agent;
	int listen_fd;
	char *socket_dir;   /* the mkdtemp directory we made (removed at exit), or NULL with -a */
	char *socket_path;
	pid_t watch_pid;    /* command mode: exit when this process is gone; 0 = none */
	bool debug;         /* -d: requests logged to stderr */
};

/* socket.c: the listening socket, 0700 directory and 0600 socket; -1 after printing why. */
int agentd_listen(struct agentd *d, const char *bind_address);
void agentd_cleanup(struct agentd *d); /* unlinks the socket, removes our directory */

/* loop.c: serves clients until a terminating signal or the watched process ends. */
void agentd_run(struct agentd *d);

#endif
