/*
 * Session channels and agent forwarding for one authenticated connection: which channels and
 * requests are allowed, the processes they start, and their descriptors in the poll loop.
 */
#define _GNU_SOURCE
#include "server_channels.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pty_utmp.h"
#include "session.h"
#include "session_config.h"

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
	if (!ch)
		return NULL;
	ch->origin = *origin;
	/* For the local pty broker's login records (unused under another broker). */
	pty_broker_local_set_login(origin->user, origin->peer_addr);
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

/* MaxSessions, within what the table holds. */
static size_t max_sessions(const struct server_channels *c)
{
	int n = session_opt_max_sessions(&c->origin.opts->sessions);
	return n < SERVER_MAX_SESSIONS ? (size_t)n : SERVER_MAX_SESSIONS;
}

static void on_channel_open(struct server_channels *c, struct burrow_conn *conn, const struct burrow_event *ev)
{
	const char *type = ev->name ? ev->name : "";
	bool accept = false;
	uint32_t reason = BURROW_OPEN_UNKNOWN_CHANNEL_TYPE;
	const char *message = "unknown channel type";
	if (strcmp(type, "session") == 0) {
		if (c->session_count >= max_sessions(c)) {
			/* sshd's words: session_open's error, the channel refused with its defaults. */
			log_error("no more sessions");
			reason = BURROW_OPEN_CONNECT_FAILED;
			message = "open failed";
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

/* What a session channel's process is: a shell, an exec'd command, a subsystem's command. */
enum start_kind { START_SHELL, START_EXEC, START_SUBSYSTEM };

/*
 * Starts the process. A forced command (ForceCommand first, then the key's command=, as sshd's
 * do_exec) runs whatever was asked; what was asked goes to SSH_ORIGINAL_COMMAND.
 */
static bool start_process(struct server_channels *c, struct burrow_conn *conn, struct session *s,
			  enum start_kind kind, const char *command)
{
	if (s->pid != 0) {
		log_info("channel %u: a process already runs on this session", s->channel);
		return false;
	}
	struct session_origin origin = {
		.user = c->origin.user,
		.peer_addr = c->origin.peer_addr,
		.peer_port = c->origin.peer_port,
		.local_addr = c->origin.local_addr,
		.local_port = c->origin.local_port,
		.agent_socket = c->agent_fwd ? agent_forward_socket(c->agent_fwd) : NULL,
		.restrictions = c->origin.restrictions,
		.config = &c->origin.opts->sessions,
	};
	const char *config_forced = c->origin.opts->sessions.force_command;
	if (config_forced && strcmp(config_forced, "none") == 0)
		config_forced = NULL; /* a Match block's "ForceCommand none" cancels a global one */
	const char *key_forced = c->origin.restrictions->force_command;
	if (config_forced || key_forced) {
		log_debug("Forced command (%s) '%.900s'", config_forced ? "config" : "key-option",
			  config_forced ? config_forced : key_forced);
		origin.original_command = command;
		command = config_forced ? config_forced : key_forced;
		s->no_signals = true;
	}
	if (kind == START_SUBSYSTEM)
		s->no_signals = true;
	log_verbose("Starting session: %s%s%s for %s from %s port %d id %u",
		    kind == START_SUBSYSTEM ? "subsystem" : command ? "command" : "shell",
		    s->has_pty ? " on " : "", s->has_pty ? s->tty : "", c->origin.user->name,
		    c->origin.peer_addr, c->origin.peer_port, s->channel);
	return session_start(s, conn, &origin, command) == 0;
}

/* The single string argument of "exec" and "subsystem" as a C string; NULL (logged) when it
 * holds a NUL, which must never reach a shell. Free with free(). */
static char *request_string_new(const struct burrow_event *ev)
{
	if (memchr(ev->data, 0, ev->len)) {
		log_info("channel %u: %s request with a NUL byte refused", ev->channel, ev->name);
		return NULL;
	}
	return strndup((const char *)ev->data, ev->len);
}

/* sshd's session_pty_req: PermitTTY and the key's no-pty decide; one pty per session, and
 * before the process starts (afterwards the process could never get it). */
static bool pty_request(struct server_channels *c, struct session *s, const struct burrow_event *ev)
{
	if (!session_opt_permit_tty(&c->origin.opts->sessions) || !c->origin.restrictions->permit_pty) {
		log_debug("Allocating a pty not permitted for this authentication.");
		return false;
	}
	if (!c->origin.pty) {
		log_info("channel %u: pty-req refused: no pty broker", s->channel);
		return false;
	}
	if (s->has_pty || s->pid != 0) {
		log_info("channel %u: pty-req refused: %s", s->channel,
			 s->pid != 0 ? "the process already started" : "the session already has a pty");
		return false;
	}
	struct burrow_pty_req req;
	int r = burrow_pty_req_parse(ev->data, ev->len, &req);
	if (r < 0) {
		log_info("channel %u: malformed pty-req refused: %s", s->channel, burrow_strerror(r));
		return false;
	}
	return session_pty_request(s, c->origin.pty, &req) == 0;
}

static bool window_change(struct session *s, const struct burrow_event *ev)
{
	struct burrow_window_change w;
	int r = burrow_window_change_parse(ev->data, ev->len, &w);
	if (r < 0) {
		log_info("channel %u: malformed window-change ignored: %s", s->channel, burrow_strerror(r));
		return false;
	}
	return session_window_change(s, w.cols, w.rows, w.width_px, w.height_px) == 0;
}

/* A name a process environment can hold: not empty, no '=', no control characters. */
static bool env_name_valid(const char *name, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch == '=' || ch < 0x20 || ch == 0x7f)
			return false;
	}
	return true;
}

/* "env": AcceptEnv decides, as sshd's session_env_req; values may hold anything but NUL. */
static bool env_request(struct server_channels *c, struct session *s, const struct burrow_event *ev)
{
	struct burrow_env_req e;
	int r = burrow_env_req_parse(ev->data, ev->len, &e);
	if (r < 0) {
		log_info("channel %u: malformed env request refused: %s", s->channel, burrow_strerror(r));
		return false;
	}
	if (!env_name_valid(e.name, e.name_len) || memchr(e.value, 0, e.value_len)) {
		log_info("channel %u: env request with an invalid variable name or value refused", s->channel);
		return false;
	}
	char *name = strndup(e.name, e.name_len), *value = strndup(e.value, e.value_len);
	bool ok = false;
	if (!name || !value) {
		log_error("channel %u: out of memory", s->channel);
	} else if (s->pid != 0) {
		log_debug("channel %u: ignoring env request %s: the process already started", s->channel, name);
	} else if (!session_opt_accept_env(&c->origin.opts->sessions, name)) {
		log_debug("Ignoring env request %s: disallowed name", name);
	} else {
		log_debug("Setting env %zu: %s=%s", s->env.n, name, value);
		ok = session_env_add(s, name, value) == 0;
	}
	free(name);
	free(value);
	return ok;
}

/* "subsystem": the Subsystem's command runs like "exec" (no SSH_ORIGINAL_COMMAND unless a
 * forced command replaces it). */
static bool subsystem_request(struct server_channels *c, struct burrow_conn *conn, struct session *s,
			      const struct burrow_event *ev)
{
	char *name = request_string_new(ev);
	if (!name)
		return false;
	const char *command = session_opt_subsystem(&c->origin.opts->sessions, name);
	bool ok = false;
	if (!command) {
		log_info("subsystem request for %.100s by user %s failed, subsystem not found", name,
			 c->origin.user->name);
	} else if (strcmp(command, "internal-sftp") == 0) {
		log_info("subsystem request for %.100s by user %s failed: internal-sftp is not supported yet",
			 name, c->origin.user->name);
	} else {
		log_info("subsystem request for %.100s by user %s", name, c->origin.user->name);
		ok = start_process(c, conn, s, START_SUBSYSTEM, command);
	}
	free(name);
	return ok;
}

static bool signal_request(struct session *s, const struct burrow_event *ev)
{
	char name[32];
	int r = burrow_signal_req_parse(ev->data, ev->len, name);
	if (r < 0) {
		log_info("channel %u: malformed signal request ignored: %s", s->channel, burrow_strerror(r));
		return false;
	}
	return session_signal(s, name) == 0;
}

static bool break_request(struct session *s, const struct burrow_event *ev)
{
	uint32_t ms;
	if (burrow_break_req_parse(ev->data, ev->len, &ms) < 0) {
		log_info("channel %u: malformed break request refused", s->channel);
		return false;
	}
	/* RFC 4335 3: success only when a break could be sent (there is a pty). */
	return session_break(s) == 0;
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

static bool session_request(struct server_channels *c, struct burrow_conn *conn, struct session *s,
			    const struct burrow_event *ev)
{
	const char *name = ev->name ? ev->name : "";
	if (strcmp(name, "exec") == 0) {
		char *command = request_string_new(ev);
		bool ok = command && start_process(c, conn, s, START_EXEC, command);
		free(command);
		return ok;
	}
	if (strcmp(name, "shell") == 0)
		return start_process(c, conn, s, START_SHELL, NULL);
	if (strcmp(name, "pty-req") == 0)
		return pty_request(c, s, ev);
	if (strcmp(name, "window-change") == 0)
		return window_change(s, ev);
	if (strcmp(name, "env") == 0)
		return env_request(c, s, ev);
	if (strcmp(name, "subsystem") == 0)
		return subsystem_request(c, conn, s, ev);
	if (strcmp(name, "signal") == 0)
		return signal_request(s, ev);
	if (strcmp(name, "break") == 0)
		return break_request(s, ev);
	if (strcmp(name, "auth-agent-req@openssh.com") == 0)
		return agent_forwarding_start(c);
	if (strcmp(name, "x11-req") == 0) {
		/* sshd with X11Forwarding no says this; with yes we still have no X11 forwarding. */
		if (!session_opt_x11_forwarding(&c->origin.opts->sessions))
			log_info("channel %u: X11 forwarding disabled in server configuration file.", s->channel);
		else
			log_info("channel %u: x11-req refused: X11 forwarding is not supported", s->channel);
		return false;
	}
	log_info("channel %u: unsupported request %.100s refused", ev->channel, name);
	return false;
}

static void on_channel_request(struct server_channels *c, struct burrow_conn *conn, const struct burrow_event *ev)
{
	struct session *s = find_session(c, ev->channel);
	bool ok = s && !s->close_sent && session_request(c, conn, s, ev);
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
