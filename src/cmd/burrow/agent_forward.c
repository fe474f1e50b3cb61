/*
 * Agent forwarding on the client (ssh -A, ForwardAgent): auth-agent-req@openssh.com on the
 * session channel, then every auth-agent@openssh.com channel the server opens is joined to a
 * fresh connection to the local agent (OpenSSH PROTOCOL.agent, ssh(1) -A).
 */
#include "agent_forward.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_client.h"
#include "log.h"

struct agent_forward {
	struct splice_set set;
	char *socket_path;
};

/* ForwardAgent yes: the agent IdentityAgent names (or $SSH_AUTH_SOCK); a path or $VAR: that. */
static char *forward_socket(const struct client_options *o)
{
	const char *spec = o->forward_agent;
	const char *path;
	if (strcmp(spec, "yes") == 0)
		path = identity_agent_path(o);
	else if (spec[0] == '$')
		path = getenv(spec + 1);
	else
		path = spec;
	if (!path || !*path)
		return NULL;
	return options_expand_tilde(path);
}

int agent_forward_new(const struct client_options *o, struct agent_forward **out)
{
	*out = NULL;
	if (!o->forward_agent || strcmp(o->forward_agent, "no") == 0)
		return 0;
	struct agent_forward *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	splice_set_init(&f->set);
	f->socket_path = forward_socket(o);
	if (!f->socket_path)
		log_debug("ForwardAgent: no agent socket known; not forwarding");
	*out = f;
	return 0;
}

void agent_forward_request(struct agent_forward *f, struct burrow_conn *conn, uint32_t session_channel)
{
	if (!f || !f->socket_path)
		return;
	log_debug("Requesting authentication agent forwarding.");
	int r = burrow_chan_request_simple(conn, session_channel, "auth-agent-req@openssh.com", false);
	if (r < 0)
		log_debug("auth-agent-req: %s", burrow_strerror(r));
}

static void agent_forward_open(struct agent_forward *f, struct burrow_conn *conn, const struct burrow_event *ev)
{
	int fd = f && f->socket_path ? agent_client_connect(f->socket_path) : -1;
	if (fd < 0) {
		log_debug("channel %u: agent connect failed: %s", ev->channel, f && f->socket_path ? strerror(errno)
													: "no agent");
		burrow_chan_open_verdict(conn, ev->channel, false, BURROW_OPEN_CONNECT_FAILED, "agent connect failed");
		return;
	}
	/* As ssh: the agent learns this connection is a forwarding through this server. */
	agent_session_bind_fd(fd, conn, true);
	if (burrow_chan_open_verdict(conn, ev->channel, true, 0, NULL) < 0) {
		close(fd);
		return;
	}
	if (splice_set_add(&f->set, fd, ev->channel) < 0) {
		log_debug("channel %u: too many agent connections", ev->channel);
		burrow_chan_close(conn, ev->channel);
		return;
	}
	log_debug("channel %u: new authentication agent connection", ev->channel);
}

bool agent_forward_event(struct agent_forward *f, struct burrow_conn *conn, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_CHANNEL_OPEN) {
		if (!ev->name || strcmp(ev->name, "auth-agent@openssh.com") != 0)
			return false;
		agent_forward_open(f, conn, ev);
		return true;
	}
	return f && splice_set_event(&f->set, conn, ev);
}

size_t agent_forward_pollfds(struct agent_forward *f, struct burrow_conn *conn, struct pollfd *pfd)
{
	return f ? splice_set_pollfds(&f->set, conn, pfd) : 0;
}

void agent_forward_after_poll(struct agent_forward *f, struct burrow_conn *conn, const struct pollfd *pfd, size_t n)
{
	if (f)
		splice_set_after_poll(&f->set, conn, pfd, n);
}

void agent_forward_free(struct agent_forward *f)
{
	if (!f)
		return;
	splice_set_free(&f->set);
	free(f->socket_path);
	free(f);
}
