/*
 * One connection: server_conn_serve() hands it to the monitor (monitor.c: privilege separation);
 * server_conn_run() is the loop of the post-auth child, running as the user: the event loop of
 * burrow.h over the nonblocking socket, the self-pipe (SIGCHLD) and the descriptors of the
 * channels (server_channels.c). The protocol is libburrow's.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algospec.h"
#include "auth_methods.h"
#include "conn_io.h"
#include "log.h"
#include "monitor.h"
#include "monitor_pty.h"
#include "server_auth.h"
#include "server_channels.h"
#include "session.h"

struct server_conn {
	const struct server_options *opts;
	struct conn_io io;
	const struct user_info *user;
	struct server_channels *channels;
	bool we_disconnected;      /* our own burrow_conn_disconnect(): already logged */
	bool finished;
	uint64_t last_input_ms;    /* when the client last sent anything (ClientAliveInterval) */
	uint64_t last_alive_ms;    /* when we last sent a keepalive */
};

static void on_disconnected(struct server_conn *c, const struct burrow_event *ev)
{
	struct disconnect_info d = {
		.reason = ev->reason,
		.by_peer = ev->by_peer,
		.we_disconnected = c->we_disconnected,
		.message = ev->message,
		.error = burrow_conn_last_error(c->io.conn),
	};
	char who[160];
	snprintf(who, sizeof(who), "user %s ", c->user->name);
	log_connection_end(&d, who, false, c->io.peer_addr, c->io.peer_port);
	c->finished = true;
}

static void handle_event(void *ctx, const struct burrow_event *ev)
{
	struct server_conn *c = ctx;
	if (server_channels_event(c->channels, c->io.conn, ev))
		return;
	switch (ev->type) {
	case BURROW_EV_KEX_DONE:
		conn_io_log_negotiated(&c->io);
		break;
	case BURROW_EV_DISCONNECTED:
		on_disconnected(c, ev);
		break;
	case BURROW_EV_CHANNEL_WINDOW: /* the next poll round reads process output again */
	default:
		break;
	}
}

/* Drains every event the engine has. false when the connection is over. */
static bool drain_events(struct server_conn *c)
{
	int r = conn_io_drain(&c->io, handle_event, c, &c->finished);
	if (r < 0 && !c->finished) {
		const char *e = burrow_conn_last_error(c->io.conn);
		log_info("Connection from %s port %d ended: %s", c->io.peer_addr, c->io.peer_port,
			 e && *e ? e : burrow_strerror(r));
	}
	return r > 0;
}

enum { POLL_SIGNALS, POLL_SOCKET, POLL_FIXED };

/* The descriptors of one poll() round: ours, then the channels'. */
struct poll_set {
	struct pollfd fds[POLL_FIXED + SERVER_CHANNELS_POLLFDS];
	size_t count;
	short sock_events;
};

static void poll_set_build(struct server_conn *c, struct poll_set *ps)
{
	size_t pending = conn_io_pending(&c->io);
	ps->sock_events = 0;
	/* Read from the peer only while our unsent output is small: a peer that does not read
	 * must not make us buffer without bound. */
	if (!c->io.sock_eof && pending < SESSION_OUTPUT_HIGH_WATER)
		ps->sock_events |= POLLIN;
	if (pending > 0)
		ps->sock_events |= POLLOUT;
	ps->fds[POLL_SIGNALS] = (struct pollfd){ .fd = signals_fd(), .events = POLLIN };
	ps->fds[POLL_SOCKET] = (struct pollfd){ .fd = ps->sock_events ? c->io.sock : -1, .events = ps->sock_events };
	ps->count = POLL_FIXED + server_channels_pollfds(c->channels, c->io.conn, ps->fds + POLL_FIXED);
}

static void poll_set_dispatch(struct server_conn *c, struct poll_set *ps)
{
	if (ps->fds[POLL_SIGNALS].revents)
		signals_drain();
	short sock = ps->fds[POLL_SOCKET].revents;
	if ((ps->sock_events & POLLIN) && (sock & (POLLIN | POLLHUP | POLLERR))) {
		c->last_input_ms = monotonic_ms();
		conn_io_read(&c->io);
	} else if (sock & (POLLHUP | POLLERR)) {
		/* Cannot write and we are not reading: the peer is gone. */
		c->io.sock_eof = true;
		burrow_conn_feed_eof(c->io.conn);
	}
	server_channels_after_poll(c->channels, c->io.conn, ps->fds + POLL_FIXED, ps->count - POLL_FIXED);
}

/*
 * ClientAliveInterval / ClientAliveCountMax, as sshd: after an interval without a word from the
 * client, a keepalive@openssh.com request; when ClientAliveCountMax of them went unanswered, the
 * client is gone and so is the connection. Any packet from the client answers (the engine
 * resets its count).
 */
static void client_alive_check(struct server_conn *c, uint64_t now)
{
	uint64_t interval = (uint64_t)c->opts->client_alive_interval * 1000;
	if (!interval || c->finished || now - c->last_input_ms < interval || now - c->last_alive_ms < interval)
		return;
	if (burrow_conn_keepalives_unanswered(c->io.conn) >= (unsigned)c->opts->client_alive_count_max) {
		log_info("Timeout, client not responding from user %s %s port %d", c->user->name, c->io.peer_addr,
			 c->io.peer_port);
		c->finished = true;
		return;
	}
	c->last_alive_ms = now;
	int r = burrow_conn_keepalive(c->io.conn);
	if (r < 0)
		log_debug("keepalive: %s", burrow_strerror(r));
}

/* Timers and children: what happens between packets. */
static void housekeeping(struct server_conn *c)
{
	uint64_t now = monotonic_ms();
	burrow_conn_tick(c->io.conn, now);
	client_alive_check(c, now);
	if (got_sigchld) {
		got_sigchld = 0;
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			server_channels_child_exited(c->channels, pid, status);
	}
}

static void event_loop(struct server_conn *c)
{
	static struct poll_set ps;
	for (;;) {
		housekeeping(c);
		if (c->finished || !drain_events(c) || c->finished)
			break;
		server_channels_pump(c->channels, c->io.conn);
		if (conn_io_flush(&c->io) < 0)
			break;
		poll_set_build(c, &ps);
		/* Wake up every second when keys expire by time (RekeyLimit) or keepalives are due,
		 * so that the timers above see their deadlines. */
		int timeout = c->opts->rekey_seconds || c->opts->client_alive_interval ? 1000 : 10000;
		int ready = poll(ps.fds, (nfds_t)ps.count, timeout);
		if (ready < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			break;
		}
		if (ready > 0)
			poll_set_dispatch(c, &ps);
	}
	conn_io_flush_all(&c->io, CONN_IO_FINAL_FLUSH_MS);
}

int server_conn_run(const struct server_options *opts, struct burrow_conn *conn, const struct connection_info *ci,
		    const struct user_info *user, const struct auth_restrictions *restrictions, int monitor_fd)
{
	struct server_conn c;
	memset(&c, 0, sizeof(c));
	c.opts = opts;
	c.user = user;
	c.io.conn = conn;
	c.io.sock = ci->sock;
	c.io.peer_addr = ci->peer_addr;
	c.io.peer_port = ci->peer_port;
	c.io.kex_count = 1;
	c.last_input_ms = c.last_alive_ms = monotonic_ms();
	struct channels_origin origin = {
		.opts = opts,
		.user = user,
		.restrictions = restrictions,
		.peer_addr = ci->peer_addr,
		.local_addr = ci->local_addr,
		.peer_port = ci->peer_port,
		.local_port = ci->local_port,
		.pty = monitor_pty_broker_new(&monitor_fd),
	};
	c.channels = origin.pty ? server_channels_new(&origin) : NULL;
	if (!c.channels) {
		monitor_pty_broker_free((struct pty_broker *)origin.pty);
		burrow_conn_free(conn);
		return CONN_EXIT_ERROR;
	}
	event_loop(&c);
	server_channels_free(c.channels);
	monitor_pty_broker_free((struct pty_broker *)origin.pty);
	burrow_conn_free(conn);
	return CONN_EXIT_OK;
}

/* ---- setup ---- */

static void describe_socket(struct connection_info *ci)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getpeername(ci->sock, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_format(&ss, ci->peer_addr, sizeof(ci->peer_addr), &ci->peer_port);
	else
		snprintf(ci->peer_addr, sizeof(ci->peer_addr), "UNKNOWN");
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(ci->sock, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_format(&ss, ci->local_addr, sizeof(ci->local_addr), &ci->local_port);
	else
		snprintf(ci->local_addr, sizeof(ci->local_addr), "UNKNOWN");
}

void server_engine_config(const struct server_options *opts, struct burrow_key *const *host_keys,
			  size_t host_key_count, struct burrow_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->role = BURROW_SERVER;
	cfg->host_keys = host_keys;
	cfg->host_key_count = host_key_count;
	/* What is offered first: the enabled methods that start an AuthenticationMethods list. */
	static char first_offer[64];
	struct auth_methods m;
	first_offer[0] = 0;
	if (auth_methods_init(&m, opts->authentication_methods.v, opts->authentication_methods.n,
			      opts->pubkey_authentication, opts->password_authentication,
			      opts->kbdint_authentication) == 0) {
		char *offer = auth_methods_offer_new(&m);
		snprintf(first_offer, sizeof(first_offer), "%s", offer ? offer : "");
		free(offer);
		auth_methods_free(&m);
	}
	cfg->auth_methods = first_offer;
	cfg->max_auth_tries = opts->max_auth_tries;
	cfg->kex_algorithms = opts->kex_algorithms;
	cfg->hostkey_algorithms = opts->hostkey_algorithms;
	cfg->pubkey_algorithms = opts->pubkey_algorithms;
	cfg->ciphers = opts->ciphers;
	cfg->macs = opts->macs;
	if (opts->compression >= 0)
		cfg->compression = algospec_compression_list(opts->compression == 1, true);
	cfg->rekey_bytes = opts->rekey_bytes;
	cfg->rekey_seconds = opts->rekey_seconds;
	cfg->dh_moduli = opts->moduli;
}

int server_conn_serve(const struct server_options *opts, struct burrow_key *const *host_keys,
		      size_t host_key_count, int sock)
{
	struct connection_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.sock = sock;
	ci.start_ms = monotonic_ms();
	describe_socket(&ci);
	log_info("Connection from %s port %d on %s port %d", ci.peer_addr, ci.peer_port, ci.local_addr,
		 ci.local_port);
	int one = 1;
	setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (opts->tcp_keep_alive)
		setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	set_nonblocking(sock);
	int status = monitor_serve(opts, host_keys, host_key_count, &ci);
	close(sock);
	return status;
}
