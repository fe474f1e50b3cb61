/* The server's end of agent forwarding; see agent_forward.h. */
#define _GNU_SOURCE
#include "agent_forward.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#define AGENT_PENDING_MAX 16 /* agent connections waiting for the client to confirm a channel */

struct agent_pending {
	int fd; /* -1: free */
	uint32_t channel;
};

struct agent_forward {
	int listen_fd;
	char dir[40];
	char path[100]; /* fits sockaddr_un's sun_path */
	struct agent_pending pending[AGENT_PENDING_MAX];
	struct splice_set set;
};

/* For the signal handlers: what to remove when a signal ends the process. */
static char cleanup_dir[40], cleanup_path[100];

static void agent_forward_remove_files(void)
{
	if (cleanup_path[0])
		unlink(cleanup_path);
	if (cleanup_dir[0])
		rmdir(cleanup_dir);
}

/* A terminating signal: remove the socket (unlink and rmdir are async-signal-safe), then die
 * of the same signal as before. */
static void on_fatal_signal(int sig)
{
	agent_forward_remove_files();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void agent_forward_guard(const struct agent_forward *f)
{
	snprintf(cleanup_dir, sizeof(cleanup_dir), "%s", f->dir);
	snprintf(cleanup_path, sizeof(cleanup_path), "%s", f->path);
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

struct agent_forward *agent_forward_new(void)
{
	struct agent_forward *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->listen_fd = -1;
	splice_set_init(&f->set);
	for (size_t i = 0; i < AGENT_PENDING_MAX; i++)
		f->pending[i].fd = -1;
	/* As sshd: /tmp/ssh-XXXXXX/agent.<pid>, the directory 0700 and ours (mkdtemp). */
	snprintf(f->dir, sizeof(f->dir), "/tmp/ssh-XXXXXX");
	if (!mkdtemp(f->dir)) {
		log_error("mkdtemp() failed: %s", strerror(errno));
		free(f);
		return NULL;
	}
	snprintf(f->path, sizeof(f->path), "%s/agent.%ld", f->dir, (long)getpid());
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	mode_t old = umask(0177);
	int r = f->listen_fd < 0 ? -1 : bind(f->listen_fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0 || listen(f->listen_fd, SOMAXCONN) < 0) {
		log_error("agent forwarding socket %s: %s", f->path, strerror(errno));
		f->path[0] = 0;
		agent_forward_free(f);
		return NULL;
	}
	agent_forward_guard(f);
	log_debug("agent forwarding socket %s", f->path);
	return f;
}

const char *agent_forward_socket(const struct agent_forward *f)
{
	return f->path;
}

/* A process connected to SSH_AUTH_SOCK: ask the client for a channel to its agent. */
static void agent_forward_accept(struct agent_forward *f, struct burrow_conn *conn)
{
	int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct agent_pending *slot = NULL;
	for (size_t i = 0; i < AGENT_PENDING_MAX && !slot; i++)
		if (f->pending[i].fd < 0)
			slot = &f->pending[i];
	uint32_t channel;
	int r = slot ? burrow_chan_open(conn, "auth-agent@openssh.com", NULL, 0, &channel) : BURROW_E_TOOBIG;
	if (r < 0) {
		log_debug("agent connection refused: %s", burrow_strerror(r));
		close(fd);
		return;
	}
	slot->fd = fd;
	slot->channel = channel;
}

static struct agent_pending *agent_pending_find(struct agent_forward *f, uint32_t channel)
{
	for (size_t i = 0; i < AGENT_PENDING_MAX; i++)
		if (f->pending[i].fd >= 0 && f->pending[i].channel == channel)
			return &f->pending[i];
	return NULL;
}

bool agent_forward_event(struct agent_forward *f, struct burrow_conn *conn, const struct burrow_event *ev)
{
	if (!f)
		return false;
	if (ev->type == BURROW_EV_CHANNEL_OPEN_CONFIRMED || ev->type == BURROW_EV_CHANNEL_OPEN_FAILED) {
		struct agent_pending *p = agent_pending_find(f, ev->channel);
		if (!p)
			return false;
		int fd = p->fd;
		p->fd = -1;
		if (ev->type == BURROW_EV_CHANNEL_OPEN_FAILED) {
			log_debug("agent channel refused by the client: %s", ev->message ? ev->message : "");
			close(fd);
		} else if (splice_set_add(&f->set, fd, ev->channel) < 0) {
			burrow_chan_close(conn, ev->channel);
		}
		return true;
	}
	return splice_set_event(&f->set, conn, ev);
}

size_t agent_forward_pollfds(struct agent_forward *f, struct burrow_conn *conn, struct pollfd *pfd)
{
	if (!f)
		return 0;
	pfd[0] = (struct pollfd){ .fd = f->listen_fd, .events = POLLIN };
	return 1 + splice_set_pollfds(&f->set, conn, pfd + 1);
}

void agent_forward_after_poll(struct agent_forward *f, struct burrow_conn *conn, const struct pollfd *pfd,
			      size_t n)
{
	if (!f || n == 0)
		return;
	if (pfd[0].revents & POLLIN)
		agent_forward_accept(f, conn);
	splice_set_after_poll(&f->set, conn, pfd + 1, n - 1);
}

void agent_forward_free(struct agent_forward *f)
{
	if (!f)
		return;
	splice_set_free(&f->set);
	for (size_t i = 0; i < AGENT_PENDING_MAX; i++)
		if (f->pending[i].fd >= 0)
			close(f->pending[i].fd);
	if (f->listen_fd >= 0)
		close(f->listen_fd);
	if (f->path[0])
		unlink(f->path);
	rmdir(f->dir);
	cleanup_dir[0] = cleanup_path[0] = 0;
	free(f);
}
