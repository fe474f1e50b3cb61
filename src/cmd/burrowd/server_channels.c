/*
 * Session channels and agent forwarding for one authenticated connection: which channels and
 * requests are allowed, the processes they start, and their descriptors in the poll loop.
 */
#define _GNU_SOURCE
#include "server_channels.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "session.h"

struct server_channels {
	struct channels_origin origin;
	struct session *sessions[SERVER_MAX_SESSIONS];
	size_t session_count;
	struct agent_forward *agent_fwd; /* after auth-agent-req@openssh.com (agent_forward.c) */
	/* The owner of each session descriptor handed out by the last server_channels_pollfds(). */
	struct {
		struct session *s;
		int what; /* 0 stdout, 1 stderr, 2 stdin */
	} owners[3 * SERVER_MAX_SESSIONS];
	size_t owner_count;
};

struct server_channels *server_channels_new(const struct channels_origin *origin)
{
	struct server_channels *ch = calloc(1, sizeof(*ch));
	if (ch)
		ch->origin = *origin;
	return ch;
}

void server_channels_free(struct server_channels *ch)
{
	if (!ch)
		return;
	for (size_t i = 0; i < ch->session_count; i++) {
		session_hangup(ch->sessions[i]);
		session_free(ch->sessions[i]);
	}
	agent_forward_free(ch->agent_fwd); /* the forwarded socket goes with the connection */
	free(ch);
}

static struct session *find_session(struct server_channels *c, uint32_t channel)
{
	for (size_t i = 0; i < c->session_count; i++)
		if (c->sessions[i]->channel == channel)
			return c->sessions[i];
	return NULL;
}

static void remove_session(struct server_channels *c, struct session *s)
{
	for (size_t i = 0; i < c->session_count; i++) {
		if (c->sessions[i] == s) {
			c->sessions[i] = c->sessions[--c->session_count];
			break;
		}
	}
	session_free(s);
}

static void on_channel_open(struct server_channels *c, struct burrow_conn *conn, const struct burrow_event *ev)
{
	const char *type = ev->name ? ev->name : "";
	bool accept = false;
	uint32_t reason = BURROW_OPEN_UNKNOWN_CHANNEL_TYPE;
	const char *message = "unknown channel type";
	if (strcmp(type, "session") == 0) {
		if (c->session_count >= SERVER_MAX_SESSIONS) {
			reason = BURROW_OPEN_RESOURCE_SHORTAGE;
			message = "too many sessions";
		} else {
			struct session *s = session_new(ev->channel);
			if (s) {
				c->sessions[c->session_count++] = s;
				accept = true;
			} else {
				reason = BURROW_OPEN_RESOURCE_SHORTAGE;
				message = "out of memory";
			}
		}
	} else {
		log_debug("refusing channel of type %s", type);
	}
	int r = burrow_chan_open_verdict(conn, ev->channel, accept, accept ? 0 : reason,
					 accept ? NULL : message);
	if (r < 0)
		log_error("channel open verdict: %s", burrow_strerror(r));
}

/* Starts the process for "exec" (command) or "shell" (NULL). */
static bool start_process(struct server_channels *c, struct burrow_conn *conn, struct session *s, const char *command)
{
	if (s->pid != 0)
		return false; /* one process per session channel */
	struct session_origin origin = {
		.user = c->origin.user,
		.peer_addr = c->origin.peer_addr,
		.peer_port = c->origin.peer_port,
		.local_addr = c->origin.local_addr,
		.local_port = c->origin.local_port,
		.agent_socket = c->agent_fwd ? agent_forward_socket(c->agent_fwd) : NULL,
	};
	/* command="..." of the key: run it whatever was asked (sshd's do_exec); what was asked
	 * goes to SSH_ORIGINAL_COMMAND. */
	origin.restrictions = c->origin.restrictions;
	if (c->origin.restrictions->force_command) {
		log_debug("Forced command (key-option) '%s'", c->origin.restrictions->force_command);
		origin.original_command = command;
		command = c->origin.restrictions->force_command;
	}
	log_verbose("Starting session: %s for %s from %s port %d id %u", command ? "command" : "shell",
		    c->origin.user->name, c->origin.peer_addr, c->origin.peer_port, s->channel);
	return session_start(s, conn, &origin, command) == 0;
}

/* auth-agent-req@openssh.com: AllowAgentForwarding and the key's no-agent-forwarding decide;
 * one listener per connection serves every session (as sshd). */
static bool agent_forwarding_start(struct server_channels *c)
{
	if (!c->origin.opts->allow_agent_forwarding || !c->origin.restrictions->permit_agent_forwarding) {
		log_debug("agent forwarding disabled");
		return false;
	}
	if (!c->agent_fwd)
		c->agent_fwd = agent_forward_new();
	return c->agent_fwd != NULL;
}

static void on_channel_request(struct server_channels *c, struct burrow_conn *conn, const struct burrow_event *ev)
{
	struct session *s = find_session(c, ev->channel);
	const char *name = ev->name ? ev->name : "";
	bool ok = false;
	if (!s || s->close_sent) {
		ok = false;
	} else if (strcmp(name, "exec") == 0) {
		/* The command is a (pointer, length) view; a NUL inside cannot reach a shell. */
		if (memchr(ev->data, 0, ev->len)) {
			log_info("exec request with a NUL byte in the command refused");
		} else {
			char *command = strndup((const char *)ev->data, ev->len);
			if (command)
				ok = start_process(c, conn, s, command);
			free(command);
		}
	} else if (strcmp(name, "shell") == 0) {
		ok = start_process(c, conn, s, NULL);
	} else if (strcmp(name, "auth-agent-req@openssh.com") == 0) {
		ok = agent_forwarding_start(c);
	} else {
		/* "env" without AcceptEnv, "pty-req" (no PTYs yet), "subsystem", and the rest. */
		log_debug("channel %u: refusing request %s", ev->channel, name);
	}
	if (ev->want_reply) {
		int r = burrow_chan_request_verdict(conn, ev->channel, ok);
		if (r < 0)
			log_error("channel request verdict: %s", burrow_strerror(r));
	}
}

static void on_channel_data(struct server_channels *c, struct burrow_conn *conn, const struct burrow_event *ev)
{
	struct session *s = find_session(c, ev->channel);
	if (!s) {
		burrow_chan_consumed(conn, ev->channel, ev->len);
		return;
	}
	session_input(s, conn, ev->stream, ev->data, ev->len);
}

static void on_channel_closed(struct server_channels *c, struct burrow_conn *conn, const struct burrow_event *ev)
{
	struct session *s = find_session(c, ev->channel);
	if (!s)
		return;
	/* The peer is gone from this channel: hang up on the process, as sshd does. */
	session_hangup(s);
	remove_session(c, s);
}


bool server_channels_event(struct server_channels *c, struct burrow_conn *conn, const struct burrow_event *ev)
{
	if (agent_forward_event(c->agent_fwd, conn, ev))
		return true;
	switch (ev->type) {
	case BURROW_EV_CHANNEL_OPEN:
		on_channel_open(c, conn, ev);
		return true;
	case BURROW_EV_CHANNEL_REQUEST:
		on_channel_request(c, conn, ev);
		return true;
	case BURROW_EV_CHANNEL_DATA:
		on_channel_data(c, conn, ev);
		return true;
	case BURROW_EV_CHANNEL_EOF: {
		struct session *s = find_session(c, ev->channel);
		if (s)
			session_input_eof(s, conn);
		return true;
	}
	case BURROW_EV_CHANNEL_CLOSED:
		on_channel_closed(c, conn, ev);
		return true;
	default:
		return false;
	}
}

void server_channels_pump(struct server_channels *c, struct burrow_conn *conn)
{
	for (size_t i = 0; i < c->session_count; i++) {
		session_send_pending(c->sessions[i], conn);
		session_maybe_finish(c->sessions[i], conn);
	}
}

static void add_fd(struct server_channels *c, struct pollfd *fds, size_t *n, int fd, short events,
		   struct session *s, int what)
{
	c->owners[c->owner_count].s = s;
	c->owners[c->owner_count].what = what;
	c->owner_count++;
	fds[(*n)++] = (struct pollfd){ .fd = fd, .events = events };
}

size_t server_channels_pollfds(struct server_channels *c, struct burrow_conn *conn, struct pollfd *fds)
{
	size_t n = 0;
	c->owner_count = 0;
	for (size_t i = 0; i < c->session_count; i++) {
		struct session *s = c->sessions[i];
		if (session_wants_output(s, conn, 0))
			add_fd(c, fds, &n, s->fd_out, POLLIN, s, 0);
		if (session_wants_output(s, conn, 1))
			add_fd(c, fds, &n, s->fd_err, POLLIN, s, 1);
		if (s->fd_in >= 0 && s->in.len > 0)
			add_fd(c, fds, &n, s->fd_in, POLLOUT, s, 2);
	}
	n += agent_forward_pollfds(c->agent_fwd, conn, fds + n);
	return n;
}

void server_channels_after_poll(struct server_channels *c, struct burrow_conn *conn, const struct pollfd *fds,
				size_t n)
{
	/* Sessions are only added or removed by events, never in here: owners stay valid. */
	for (size_t i = 0; i < c->owner_count && i < n; i++) {
		if (!fds[i].revents)
			continue;
		struct session *s = c->owners[i].s;
		if (c->owners[i].what == 2)
			session_write_stdin(s, conn);
		else
			session_read_output(s, conn, c->owners[i].what);
	}
	if (n > c->owner_count)
		agent_forward_after_poll(c->agent_fwd, conn, fds + c->owner_count, n - c->owner_count);
}

void server_channels_child_exited(struct server_channels *c, pid_t pid, int status)
{
	for (size_t i = 0; i < c->session_count; i++) {
		struct session *s = c->sessions[i];
		if (s->pid == pid && !s->exited) {
			s->exited = true;
			s->wait_status = status;
			log_debug("channel %u: process %ld exited, status 0x%x", s->channel, (long)pid,
				  (unsigned)status);
		}
	}
}
