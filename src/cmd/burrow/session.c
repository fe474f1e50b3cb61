/*
 * The client's event loop: one poll() over the socket, stdin, stdout and stderr, driving the
 * sans-I/O engine. Flow control is end to end: stdin is read only while the channel window and
 * the engine's output have room; received data is acknowledged (burrow_chan_consumed) only once
 * it has been written to stdout/stderr, so a slow reader slows the remote command down instead
 * of growing our buffers. With a pty (an interactive login) the local terminal is in raw mode
 * (tty.c) and what is typed goes through the escape filter (escape.c) before it is sent.
 */
#define _GNU_SOURCE /* strcasestr */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent_forward.h"
#include "algospec.h"
#include "burrow/ttymodes.h"
#include "log.h"
#include "terminal.h"

#define IO_CHUNK (64 * 1024)
#define ENGINE_OUTPUT_HIGH_WATER (1024 * 1024) /* stop reading stdin above this much unsent output */
#define FINAL_FLUSH_MS 2000                    /* how long a last DISCONNECT may take to leave */
#define IDLE_WAKEUP_MS 1000                    /* timers are handed to the engine at least this often */

#define FATAL(...) log_msg(LOG_LVL_FATAL, __VA_ARGS__)

static volatile sig_atomic_t received_signal;
static volatile sig_atomic_t window_changed;

static void on_signal(int sig)
{
	received_signal = sig;
}

static void on_window_change(int sig)
{
	(void)sig;
	window_changed = 1;
}

int client_stderr_fd = STDERR_FILENO;

/* Bytes received on a channel stream that stdout/stderr did not take yet. */
struct outq {
	int fd;
	uint8_t *buf;
	size_t off, len, cap;
	bool dead; /* the write side failed (EPIPE): later data is dropped, still acknowledged */
};

enum chan_state { CHAN_NONE, CHAN_OPENING, CHAN_REQUESTED, CHAN_READY, CHAN_CLOSED };

struct session {
	const struct client_options *o;
	struct burrow_conn *conn;
	int sock;
	const char *peer_ip;
	char peer_id[320]; /* "IP port N", as ssh names the peer in its messages */
	const char *command;

	struct client_auth *auth;     /* auth.c */
	struct hostkeys_learn *learn; /* hostkeys_learn.c */
	struct agent_forward *agent_fwd; /* agent_forward.c: NULL unless ForwardAgent */
	bool kex_done, version_logged;
	unsigned kex_count, kex_logged; /* exchanges finished / logged (1 + rekeys) */

	enum chan_state chan_state;
	uint32_t chan;
	int exit_status; /* -1 until exit-status arrives */
	bool authenticated;

	/* The terminal (tty.c, escape.c): a pty asked for, its reply still to come, ~ handling. */
	bool want_pty, pty_reply_pending;
	bool escape_on;
	struct escape esc;
	bool user_quit; /* ~. */
	uint64_t alive_next_ms; /* ServerAliveInterval: when to check next */

	int in_fd;
	bool in_eof, in_eof_sent;
	size_t in_off, in_len;
	struct outq out[2]; /* stream 0 -> stdout, 1 -> stderr */

	bool sock_eof, sock_dead;
	int sock_errno;
	uint64_t bytes_in, bytes_out;

	bool disconnect_sent, eow_sent;
	int killed_by;
	bool fatal;     /* the reason was printed already; exit 255 */
	bool over;
	int result;
	uint64_t start_ms;
};

static uint8_t sock_buf[IO_CHUNK];
static uint8_t stdin_buf[IO_CHUNK];
static uint8_t typed_buf[IO_CHUNK - 1]; /* before the escape filter, which may add one byte */

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- engine creation ---- */

int session_conn_new(const struct client_options *o, struct burrow_conn **out)
{
	struct burrow_config cfg = {
		.role = BURROW_CLIENT,
		.ciphers = o->ciphers,
		.macs = o->macs,
		.kex_algorithms = o->kex_algorithms,
		.hostkey_algorithms = o->hostkey_algorithms,
		.pubkey_algorithms = o->pubkey_algorithms,
		.compression = o->compression >= 0 ? algospec_compression_list(o->compression == 1, false) : NULL,
		.rekey_bytes = (uint64_t)o->rekey_bytes,
		.rekey_seconds = (uint32_t)o->rekey_seconds,
	};
	int r = burrow_conn_new(&cfg, out);
	if (r == 0)
		return 0;
	/* The lists were checked when read; name the one the engine still refused, as ssh would. */
	static const struct {
		size_t offset;
		enum burrow_algo_kind kind;
	} lists[] = {
		{ offsetof(struct burrow_config, ciphers), BURROW_ALGO_CIPHER },
		{ offsetof(struct burrow_config, macs), BURROW_ALGO_MAC },
		{ offsetof(struct burrow_config, kex_algorithms), BURROW_ALGO_KEX },
		{ offsetof(struct burrow_config, hostkey_algorithms), BURROW_ALGO_HOSTKEY },
		{ offsetof(struct burrow_config, pubkey_algorithms), BURROW_ALGO_SIG },
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const char *value = *(const char *const *)((const char *)&cfg + lists[i].offset);
		if (!value)
			continue;
		struct burrow_config one = { .role = BURROW_CLIENT };
		*(const char **)((char *)&one + lists[i].offset) = value;
		struct burrow_conn *probe = NULL;
		if (burrow_conn_new(&one, &probe) < 0) {
			log_error("%s '%s'.", algospec_bad_spec_text(lists[i].kind, false), value);
			return -1;
		}
		burrow_conn_free(probe);
	}
	log_error("%s: cannot set up the connection: %s", CLIENT_NAME, burrow_strerror(r));
	return -1;
}

/* ---- output queues ---- */

static int outq_append(struct outq *q, const uint8_t *data, size_t len)
{
	if (q->off > 0) {
		memmove(q->buf, q->buf + q->off, q->len);
		q->off = 0;
	}
	if (q->len + len > q->cap) {
		size_t cap = q->cap ? q->cap : IO_CHUNK;
		while (cap < q->len + len)
			cap *= 2;
		uint8_t *grown = realloc(q->buf, cap);
		if (!grown)
			return -1;
		q->buf = grown;
		q->cap = cap;
	}
	memcpy(q->buf + q->len, data, len);
	q->len += len;
	return 0;
}

static bool outq_empty(const struct outq *q)
{
	return q->dead || q->len == 0;
}

/* Writes without blocking; returns how many bytes left the queue (written or dropped). */
static size_t outq_write(struct outq *q, const uint8_t *data, size_t len)
{
	size_t done = 0;
	while (done < len && !q->dead) {
		ssize_t n = write(q->fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			log_debug("write to fd %d failed: %s; discarding further output", q->fd,
				  n < 0 ? strerror(errno) : "no progress");
			q->dead = true;
			break;
		}
		done += (size_t)n;
	}
	return q->dead ? len : done;
}

static size_t outq_flush(struct outq *q)
{
	if (q->len == 0)
		return 0;
	size_t n = outq_write(q, q->buf + q->off, q->len);
	q->off += n;
	q->len -= n;
	if (q->len == 0)
		q->off = 0;
	return n;
}

/* ---- helpers ---- */

static void request_quit(struct session *s, uint32_t reason, const char *message)
{
	if (s->disconnect_sent)
		return;
	s->disconnect_sent = true;
	int r = burrow_conn_disconnect(s->conn, reason, message);
	if (r < 0)
		log_debug("disconnect: %s", burrow_strerror(r));
}

static void fail(struct session *s, uint32_t reason, const char *message)
{
	s->fatal = true;
	request_quit(s, reason, message);
}

static void acknowledge(struct session *s, size_t n)
{
	if (n == 0 || s->chan_state == CHAN_CLOSED || s->chan_state == CHAN_NONE)
		return;
	int r = burrow_chan_consumed(s->conn, s->chan, n);
	if (r < 0)
		log_debug("channel %u: consumed: %s", s->chan, burrow_strerror(r));
}

static void log_peer_version(struct session *s)
{
	const char *v = burrow_conn_peer_version(s->conn);
	if (s->version_logged || !v)
		return;
	s->version_logged = true;
	/* "SSH-protoversion-softwareversion SP comments" (RFC 4253 4.2) */
	const char *proto = strncmp(v, "SSH-", 4) == 0 ? v + 4 : v;
	const char *dash = strchr(proto, '-');
	log_debug("Remote protocol version %.*s, remote software version %s",
		  dash ? (int)(dash - proto) : (int)strlen(proto), proto, dash ? dash + 1 : "");
}

/* ssh -v's lines for each key exchange (the first one before the host key is checked). */
static void log_negotiated(struct session *s)
{
	struct burrow_negotiated n;
	if (s->kex_logged > s->kex_count || burrow_conn_negotiated(s->conn, &n) < 0 || !n.kex)
		return;
	s->kex_logged = s->kex_count + 1;
	log_debug("kex: algorithm: %s", n.kex);
	log_debug("kex: host key algorithm: %s", n.hostkey ? n.hostkey : "?");
	log_debug("kex: server->client cipher: %s MAC: %s compression: %s", n.cipher_s2c ? n.cipher_s2c : "?",
		  n.mac_s2c && *n.mac_s2c ? n.mac_s2c : "<implicit>", n.comp_s2c);
	log_debug("kex: client->server cipher: %s MAC: %s compression: %s", n.cipher_c2s ? n.cipher_c2s : "?",
		  n.mac_c2s && *n.mac_c2s ? n.mac_c2s : "<implicit>", n.comp_c2s);
	if (n.strict_kex && s->kex_count == 0)
		log_debug("kex: strict KEX mode enabled");
}

/* SSH_MSG_USERAUTH_BANNER: shown as ssh does, with control characters made harmless. */
static void show_banner(const char *text)
{
	if (!text || log_get_level() < LOG_LVL_INFO)
		return;
	size_t len = strlen(text);
	char *safe = malloc(len + 1);
	if (!safe)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		safe[i] = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	safe[len] = 0;
	fputs(safe, stderr);
	fflush(stderr);
	free(safe);
}

/* ---- channel ---- */

static void session_start(struct session *s)
{
	int r = burrow_chan_open_session(s->conn, &s->chan);
	if (r < 0) {
		FATAL("%s: cannot open a session channel: %s", CLIENT_NAME, burrow_strerror(r));
		fail(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
		return;
	}
	s->chan_state = CHAN_OPENING;
	log_debug("channel %u: new session [client-session]", s->chan);
}

/* What the session runs, as ssh names it in its messages. */
static const char *session_request_name(const struct session *s)
{
	if (s->o->session_type == SESSION_TYPE_SUBSYSTEM)
		return "subsystem";
	return s->command && *s->command ? "exec" : "shell";
}

/* "pty-req" (RFC 4254 6.2): TERM, the window size and the modes the terminal had before raw
 * mode; only TTY_OP_END when there are none (-tt without a terminal), as ssh. */
static int request_pty(struct session *s)
{
	struct winsize ws;
	tty_window_size(STDIN_FILENO, &ws);
	static const uint8_t no_modes[1] = { 0 /* TTY_OP_END */ };
	uint8_t *modes = NULL;
	size_t modes_len = 0;
	const struct termios *tio = tty_saved_modes();
	if (tio && burrow_ttymodes_encode(tio, &modes, &modes_len) < 0) {
		modes = NULL;
		modes_len = 0;
	}
	int r = burrow_chan_request_pty(s->conn, s->chan, session_env_term(s->o), ws.ws_col, ws.ws_row, ws.ws_xpixel,
					ws.ws_ypixel, modes ? modes : no_modes, modes ? modes_len : sizeof(no_modes),
					true);
	free(modes);
	if (r == 0)
		s->pty_reply_pending = true;
	return r;
}

/* The last request: what the session runs (subsystem, command or shell), with a reply. */
static int request_program(struct session *s)
{
	if (s->o->session_type == SESSION_TYPE_SUBSYSTEM) {
		log_debug("Sending subsystem: %s", s->command);
		return burrow_chan_request_subsystem(s->conn, s->chan, s->command, true);
	}
	if (s->command && *s->command) {
		log_debug("Sending command: %s", s->command);
		return burrow_chan_request_exec(s->conn, s->chan, s->command, true);
	}
	log_debug("Requesting shell.");
	return burrow_chan_request_simple(s->conn, s->chan, "shell", true);
}

/* In ssh's order (client_session2_setup): agent, pty, environment, then the program. */
static void session_request(struct session *s)
{
	int r = 0;
	agent_forward_request(s->agent_fwd, s->conn, s->chan);
	if (s->want_pty)
		r = request_pty(s);
	if (r == 0) {
		session_env_send(s->conn, s->chan, s->o);
		r = request_program(s);
	}
	if (r < 0) {
		FATAL("%s: channel request failed: %s", CLIENT_NAME, burrow_strerror(r));
		fail(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
		return;
	}
	s->chan_state = CHAN_REQUESTED;
}

/* The pty-req's answer (replies come in request order, RFC 4254 5.4). Refused: fatal when the
 * user insisted (-t, RequestTTY yes/force), else the session goes on without one (ssh). */
static void pty_reply(struct session *s, bool ok)
{
	s->pty_reply_pending = false;
	if (ok) {
		log_msg(LOG_LVL_DEBUG2, "PTY allocation request accepted on channel %u", s->chan);
		return;
	}
	if (s->o->request_tty == REQUEST_TTY_YES || s->o->request_tty == REQUEST_TTY_FORCE) {
		FATAL("PTY allocation request failed on channel %u", s->chan);
		fail(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
		return;
	}
	log_error("PTY allocation request failed on channel %u", s->chan);
	tty_leave_raw(false);
}

static const char *open_failure_text(uint32_t reason)
{
	switch (reason) {
	case BURROW_OPEN_ADMINISTRATIVELY_PROHIBITED: return "administratively prohibited";
	case BURROW_OPEN_CONNECT_FAILED: return "connect failed";
	case BURROW_OPEN_UNKNOWN_CHANNEL_TYPE: return "unknown channel type";
	case BURROW_OPEN_RESOURCE_SHORTAGE: return "resource shortage";
	default: return "unknown reason";
	}
}

static void channel_data(struct session *s, const struct burrow_event *ev)
{
	if (ev->channel != s->chan || s->chan_state == CHAN_NONE)
		return;
	struct outq *q = &s->out[ev->stream == 1 ? 1 : 0];
	size_t done = 0;
	/* Straight through when nothing is queued: no copy on the fast path. */
	if (q->dead || q->len == 0)
		done = outq_write(q, ev->data, ev->len);
	if (done < ev->len && outq_append(q, ev->data + done, ev->len - done) < 0) {
		FATAL("%s: out of memory", CLIENT_NAME);
		fail(s, BURROW_DISCONNECT_BY_APPLICATION, "out of memory");
		return;
	}
	acknowledge(s, done); /* ev->data is not used after this call into the engine */
}

/* -f: ssh's fork_postauth. The parent leaves at once (status 0); the child goes on with stdin
 * and stdout on /dev/null, and stderr too unless debug output is wanted there. */
static int fork_to_background(void)
{
	log_debug("forking to background");
	if (daemon(1, 1) < 0) {
		FATAL("daemon() failed: %s", strerror(errno));
		return -1;
	}
	int null_fd = open("/dev/null", O_RDWR);
	if (null_fd < 0)
		return 0;
	dup2(null_fd, STDIN_FILENO);
	dup2(null_fd, STDOUT_FILENO);
	if (client_stderr_fd != STDERR_FILENO)
		dup2(null_fd, client_stderr_fd); /* -E: the log stays where it goes */
	else if (log_get_level() < LOG_LVL_DEBUG1)
		dup2(null_fd, STDERR_FILENO);
	if (null_fd > STDERR_FILENO && null_fd != client_stderr_fd)
		close(null_fd);
	return 0;
}

static void authenticated(struct session *s)
{
	s->authenticated = true;
	if (s->o->fork_after_authentication == 1 && fork_to_background() < 0) {
		fail(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
		return;
	}
	if (s->o->session_type == SESSION_TYPE_NONE) {
		/* -N: no session; the connection stays up until a signal ends it. */
		log_debug("Entering interactive session.");
		return;
	}
	if (s->want_pty)
		tty_enter_raw(s->o->request_tty == REQUEST_TTY_FORCE);
	session_start(s);
}

/* ---- the end ---- */

static void connection_ended(struct session *s, const struct burrow_event *ev)
{
	s->over = true;
	if (s->fatal) {
		s->result = CLIENT_EXIT_FAILURE;
		return;
	}
	if (s->killed_by) {
		/* -N stopped by SIGTERM is how such a session is meant to end (ssh: status 0). */
		if (s->o->session_type == SESSION_TYPE_NONE && s->killed_by == SIGTERM) {
			s->result = 0;
			return;
		}
		tty_leave_raw(true);
		log_verbose("Killed by signal %d.", s->killed_by);
		s->result = CLIENT_EXIT_FAILURE;
		return;
	}
	if (s->user_quit || s->chan_state == CHAN_CLOSED) {
		s->result = s->exit_status >= 0 ? s->exit_status : CLIENT_EXIT_FAILURE;
		return;
	}
	s->result = CLIENT_EXIT_FAILURE;
	const char *err = burrow_conn_last_error(s->conn);
	/* The engine reports the socket's end as CONNECTION_LOST (by_peer); a DISCONNECT message the
	 * peer sent is reported before we ever see the end of the stream. */
	bool stream_ended = s->sock_eof && (!ev || ev->reason == BURROW_DISCONNECT_CONNECTION_LOST);
	if (stream_ended && s->sock_errno == ECONNRESET) {
		FATAL("Connection reset by %s", s->peer_id);
	} else if (stream_ended && s->sock_errno) {
		FATAL("Connection to %s: %s", s->peer_id, strerror(s->sock_errno));
	} else if (stream_ended) {
		FATAL("Connection closed by %s", s->peer_id);
	} else if (ev && ev->by_peer) {
		log_error("Received disconnect from %s:%u: %s", s->peer_id, ev->reason, ev->message ? ev->message : "");
		FATAL("Disconnected from %s", s->peer_id);
	} else if (!s->kex_done && ev && ev->reason == BURROW_DISCONNECT_KEY_EXCHANGE_FAILED && err &&
		   strcasestr(err, "no match")) {
		FATAL("Unable to negotiate with %s: %s", s->peer_id, err);
	} else {
		const char *why = err && *err ? err : (ev && ev->message && *ev->message ? ev->message : "connection lost");
		FATAL("Connection to %s: %s", s->peer_id, why);
	}
}

/* ---- events ---- */

static void handle_event(struct session *s, const struct burrow_event *ev)
{
	int r;
	if (agent_forward_event(s->agent_fwd, s->conn, ev))
		return;
	switch (ev->type) {
	case BURROW_EV_NONE:
		break;
	case BURROW_EV_HOSTKEY: {
		log_negotiated(s);
		if (ev->key)
			hostkeys_learn_host_key(s->learn, ev->key);
		bool accept = ev->key && hostkey_verify(s->o, s->peer_ip, ev->key);
		if (accept && !hostkeys_learn_host_verified(s->learn))
			client_auth_distrust_host(s->auth);
		r = burrow_hostkey_verdict(s->conn, accept);
		if (!accept)
			fail(s, BURROW_DISCONNECT_HOST_KEY_NOT_VERIFIABLE, "Host key verification failed");
		else if (r < 0)
			log_debug("hostkey verdict: %s", burrow_strerror(r));
		break;
	}
	case BURROW_EV_KEX_DONE:
		log_negotiated(s);
		s->kex_count++;
		if (s->kex_done) {
			log_debug("rekey %u completed", s->kex_count - 1);
			break;
		}
		s->kex_done = true;
		identity_agent_session_bind(s->conn);
		if (client_auth_start(s->auth) < 0)
			fail(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
		break;
	case BURROW_EV_AUTH_BANNER:
		show_banner(ev->message);
		break;
	case BURROW_EV_AUTH_FAILURE:
	case BURROW_EV_AUTH_PASSWORD_CHANGE:
	case BURROW_EV_AUTH_KBDINT_PROMPT:
	case BURROW_EV_AUTH_SIGN:
		if (client_auth_event(s->auth, ev) < 0)
			fail(s, BURROW_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, "No more authentication methods available");
		break;
	case BURROW_EV_AUTH_SUCCESS:
		log_verbose("Authenticated to %s ([%s]:%d) using \"%s\".", s->o->hostname, s->peer_ip, s->o->port,
			    client_auth_method(s->auth));
		authenticated(s);
		break;
	case BURROW_EV_HOSTKEYS:
	case BURROW_EV_HOSTKEYS_PROVEN:
		hostkeys_learn_event(s->learn, ev);
		break;
	case BURROW_EV_AUTH_PUBKEY:
	case BURROW_EV_AUTH_PASSWORD:
	case BURROW_EV_AUTH_KBDINT_START:
	case BURROW_EV_AUTH_KBDINT_RESPONSE:
	case BURROW_EV_AUTH_USER:
		break; /* server side only */
	case BURROW_EV_CHANNEL_OPEN:
		/* Nothing is forwarded in this step: refuse what the server tries to open. */
		log_debug("refusing channel open '%s' from the server", ev->name ? ev->name : "");
		burrow_chan_open_verdict(s->conn, ev->channel, false, BURROW_OPEN_ADMINISTRATIVELY_PROHIBITED,
					 "open failed");
		break;
	case BURROW_EV_CHANNEL_OPEN_CONFIRMED:
		if (ev->channel == s->chan && s->chan_state == CHAN_OPENING)
			session_request(s);
		break;
	case BURROW_EV_CHANNEL_OPEN_FAILED:
		if (ev->channel != s->chan)
			break;
		FATAL("channel %u: open failed: %s%s%s", s->chan, open_failure_text(ev->reason),
		      ev->message && *ev->message ? ": " : "", ev->message ? ev->message : "");
		s->chan_state = CHAN_NONE;
		fail(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
		break;
	case BURROW_EV_CHANNEL_REQUEST:
		log_debug("client_input_channel_req: channel %u rtype %s reply %d", ev->channel,
			  ev->name ? ev->name : "", ev->want_reply);
		if (ev->want_reply)
			burrow_chan_request_verdict(s->conn, ev->channel, false);
		break;
	case BURROW_EV_CHANNEL_REQUEST_REPLY:
		if (ev->channel != s->chan || s->chan_state != CHAN_REQUESTED)
			break;
		if (s->pty_reply_pending) {
			pty_reply(s, ev->ok);
			break;
		}
		if (ev->ok) {
			log_msg(LOG_LVL_DEBUG2, "%s request accepted on channel %u", session_request_name(s), s->chan);
			s->chan_state = CHAN_READY;
		} else {
			FATAL("%s request failed on channel %u", session_request_name(s), s->chan);
			fail(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
		}
		break;
	case BURROW_EV_CHANNEL_DATA:
		channel_data(s, ev);
		break;
	case BURROW_EV_CHANNEL_WINDOW:
		break; /* the loop sends what stdin has buffered */
	case BURROW_EV_CHANNEL_EOF:
		log_msg(LOG_LVL_DEBUG2, "channel %u: rcvd eof", ev->channel);
		break;
	case BURROW_EV_CHANNEL_EXIT_STATUS:
		if (ev->channel == s->chan)
			s->exit_status = (int)(ev->exit_status & 0xff);
		log_debug("client_input_channel_req: channel %u rtype exit-status reply 0", ev->channel);
		log_debug("Exit status %u", ev->exit_status);
		break;
	case BURROW_EV_CHANNEL_EXIT_SIGNAL:
		log_debug("Remote command killed by signal %s%s%s%s", ev->name ? ev->name : "?",
			  ev->core_dumped ? " (core dumped)" : "", ev->message && *ev->message ? ": " : "",
			  ev->message ? ev->message : "");
		break;
	case BURROW_EV_CHANNEL_CLOSED:
		if (ev->channel == s->chan) {
			log_debug("channel %u: free: client-session", s->chan);
			s->chan_state = CHAN_CLOSED;
		}
		break;
	case BURROW_EV_DISCONNECTED:
		log_debug("disconnected: reason %u%s: %s", ev->reason, ev->by_peer ? " (by peer)" : "",
			  ev->message ? ev->message : "");
		connection_ended(s, ev);
		break;
	}
}

/* Pulls events until the engine needs input. -1 once the connection is over. */
static int pump_events(struct session *s)
{
	for (;;) {
		struct burrow_event ev;
		int r = burrow_conn_next_event(s->conn, &ev);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (!s->over)
				connection_ended(s, NULL);
			return -1;
		}
		handle_event(s, &ev);
		if (s->over)
			return -1;
	}
}

/* ---- stdin ---- */

static void stdin_pump(struct session *s)
{
	if (s->chan_state != CHAN_READY)
		return;
	while (s->in_len > 0) {
		size_t room = burrow_chan_send_room(s->conn, s->chan);
		if (room == 0)
			return;
		size_t n = s->in_len < room ? s->in_len : room, sent = 0;
		int r = burrow_chan_send(s->conn, s->chan, 0, stdin_buf + s->in_off, n, &sent);
		if (r == BURROW_E_AGAIN || (r == 0 && sent == 0))
			return;
		if (r < 0) {
			log_debug("channel %u: send: %s; dropping input", s->chan, burrow_strerror(r));
			s->in_len = 0;
			s->in_eof = true;
			break;
		}
		s->in_off += sent;
		s->in_len -= sent;
	}
	s->in_off = 0;
	if (s->in_eof && !s->in_eof_sent) {
		s->in_eof_sent = true;
		log_msg(LOG_LVL_DEBUG2, "channel %u: send eof", s->chan);
		int r = burrow_chan_send_eof(s->conn, s->chan);
		if (r < 0)
			log_debug("channel %u: send eof: %s", s->chan, burrow_strerror(r));
	}
}

static size_t engine_pending(struct session *s)
{
	const uint8_t *p;
	return burrow_conn_output(s->conn, &p);
}

static bool stdin_wanted(struct session *s)
{
	return s->chan_state == CHAN_READY && !s->in_eof && s->in_len == 0 && !s->disconnect_sent &&
	       engine_pending(s) < ENGINE_OUTPUT_HIGH_WATER && burrow_chan_send_room(s->conn, s->chan) > 0;
}

static const char *log_level_name(enum log_level level)
{
	static const char *const names[] = { "QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3" };
	return (size_t)level < sizeof(names) / sizeof(names[0]) ? names[level] : "?";
}

/* A line on the terminal, where the escape sequences talk (ssh writes them to stderr). */
static void term_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void term_say(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		tty_write_all(client_stderr_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* ~^Z: the terminal as it was, stop; when continued, raw again and the size may have changed. */
static void suspend_self(struct session *s)
{
	char c = (char)s->esc.escape_char;
	term_say("%c^Z [suspend %s]\r\n", c, CLIENT_NAME);
	for (int i = 0; i < 2; i++)
		outq_flush(&s->out[i]);
	tty_leave_raw(s->o->request_tty == REQUEST_TTY_FORCE);
	kill(getpid(), SIGTSTP);
	window_changed = 1;
	tty_enter_raw(s->o->request_tty == REQUEST_TTY_FORCE);
}

static void escape_act(struct session *s, enum escape_action action)
{
	char c = (char)s->esc.escape_char, text[2048];
	size_t n;
	switch (action) {
	case ESCAPE_NONE:
	case ESCAPE_COMMAND_CANCELLED:
		break;
	case ESCAPE_DISCONNECT:
		term_say("%c.\r\n", c);
		s->user_quit = true;
		request_quit(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
		break;
	case ESCAPE_HELP:
		n = escape_help_text(s->esc.escape_char, text, sizeof(text));
		tty_write_all(client_stderr_fd, text, n);
		break;
	case ESCAPE_LIST:
		/* channels.c channel_open_message's layout (type 4 = open; bytes waiting in, out and
		 * err) for the session channel; agent connections are not listed. */
		term_say("%c#\r\nThe following connections are open:\r\n  #%u client-session (t4 i0/%zu o0/%zu "
			 "e[write]/%zu fd %d/%d/%d)\r\n",
			 c, s->chan, s->in_len, s->out[0].len, s->out[1].len, s->in_fd, s->out[0].fd, s->out[1].fd);
		break;
	case ESCAPE_SUSPEND:
		suspend_self(s);
		break;
	case ESCAPE_BREAK:
		term_say("%cB\r\n", c);
		burrow_chan_request_break(s->conn, s->chan, 1000, false);
		break;
	case ESCAPE_LESS_VERBOSE:
	case ESCAPE_MORE_VERBOSE: {
		enum log_level level = log_get_level();
		if (action == ESCAPE_LESS_VERBOSE && level > LOG_LVL_QUIET)
			level--;
		else if (action == ESCAPE_MORE_VERBOSE && level < LOG_LVL_DEBUG3)
			level++;
		log_set_level(level);
		term_say("%c%c [LogLevel %s]\r\n", c, action == ESCAPE_LESS_VERBOSE ? 'V' : 'v', log_level_name(level));
		break;
	}
	case ESCAPE_COMMAND:
		n = escape_command_reply(escape_command_line(&s->esc), text, sizeof(text));
		tty_write_all(client_stderr_fd, text, n);
		break;
	}
}

/* Typed bytes through the escape filter into stdin_buf; the sequences act on the way. */
static void stdin_filter(struct session *s, const uint8_t *typed, size_t n)
{
	size_t used = 0;
	s->in_off = 0;
	s->in_len = 0;
	while (used < n && !s->user_quit) {
		size_t out_n = 0;
		enum escape_action action;
		used += escape_filter(&s->esc, typed + used, n - used, stdin_buf + s->in_len, &out_n, &action);
		s->in_len += out_n;
		if (s->esc.echo_len) {
			tty_write_all(client_stderr_fd, s->esc.echo, s->esc.echo_len);
			s->esc.echo_len = 0;
		}
		escape_act(s, action);
	}
	if (s->user_quit)
		s->in_len = 0;
}

static void stdin_read(struct session *s)
{
	size_t room = burrow_chan_send_room(s->conn, s->chan);
	size_t want = room < sizeof(typed_buf) ? room : sizeof(typed_buf);
	if (want == 0)
		return;
	ssize_t n = read(s->in_fd, typed_buf, want);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n < 0)
		log_debug("read from stdin: %s", strerror(errno));
	if (n <= 0)
		s->in_eof = true;
	else if (s->escape_on)
		stdin_filter(s, typed_buf, (size_t)n);
	else {
		memcpy(stdin_buf, typed_buf, (size_t)n);
		s->in_off = 0;
		s->in_len = (size_t)n;
	}
	stdin_pump(s);
}

/* ---- socket ---- */

static void sock_lost(struct session *s, int err)
{
	if (s->sock_eof)
		return;
	s->sock_eof = true;
	s->sock_errno = err;
	int r = burrow_conn_feed_eof(s->conn);
	if (r < 0)
		log_debug("feed eof: %s", burrow_strerror(r));
}

static void sock_read(struct session *s)
{
	ssize_t n = recv(s->sock, sock_buf, sizeof(sock_buf), 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		sock_lost(s, n < 0 ? errno : 0);
		return;
	}
	s->bytes_in += (uint64_t)n;
	if (s->o->server_alive_interval > 0) /* the server is alive: the next check is later */
		s->alive_next_ms = monotonic_ms() + (uint64_t)s->o->server_alive_interval * 1000;
	int r = burrow_conn_feed(s->conn, sock_buf, (size_t)n);
	if (r < 0 && r != BURROW_E_CLOSED) {
		/* The bytes were not taken: the stream cannot be resumed. */
		FATAL("Connection to %s: %s", s->peer_id, burrow_strerror(r));
		s->fatal = true;
		s->over = true;
		s->result = CLIENT_EXIT_FAILURE;
		return;
	}
	log_peer_version(s);
}

static void sock_flush(struct session *s)
{
	while (!s->sock_dead) {
		const uint8_t *data;
		size_t len = burrow_conn_output(s->conn, &data);
		if (len == 0)
			return;
		ssize_t n = send(s->sock, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			s->sock_dead = true;
			sock_lost(s, n < 0 ? errno : EPIPE);
			return;
		}
		burrow_conn_output_consume(s->conn, (size_t)n);
		s->bytes_out += (uint64_t)n;
	}
}

/* After the last event: let our DISCONNECT leave, but do not wait on a stuck peer. */
static void sock_flush_final(struct session *s)
{
	uint64_t deadline = monotonic_ms() + FINAL_FLUSH_MS;
	for (;;) {
		sock_flush(s);
		const uint8_t *data;
		if (s->sock_dead || burrow_conn_output(s->conn, &data) == 0)
			return;
		uint64_t now = monotonic_ms();
		if (now >= deadline)
			return;
		struct pollfd pfd = { .fd = s->sock, .events = POLLOUT };
		if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR)
			return;
	}
}

/* Whatever stdout/stderr still hold is written out, waiting for the reader as ssh does. */
static void outq_flush_final(struct session *s)
{
	for (int i = 0; i < 2; i++) {
		struct outq *q = &s->out[i];
		while (!outq_empty(q)) {
			outq_flush(q);
			if (outq_empty(q))
				break;
			struct pollfd pfd = { .fd = q->fd, .events = POLLOUT };
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				break;
		}
	}
}

/* ---- the loop ---- */

static const int loop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH };

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR and the loop notices */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(loop_signals) / sizeof(loop_signals[0]); i++) {
		struct sigaction old;
		if (loop_signals[i] == SIGWINCH) {
			/* A resize must not fail a passphrase prompt's read; ppoll is cut short anyway. */
			struct sigaction winch = sa;
			winch.sa_handler = on_window_change;
			winch.sa_flags = SA_RESTART;
			sigaction(SIGWINCH, &winch, NULL);
			continue;
		}
		/* An ignored SIGINT (e.g. a background job) stays ignored, as in ssh. */
		if (sigaction(loop_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(loop_signals[i], &sa, NULL);
	}
}

/* SIGWINCH: the new size as "window-change" (RFC 4254 6.7), when we have a pty. */
static void send_window_change(struct session *s)
{
	window_changed = 0;
	if (!s->want_pty || s->chan_state == CHAN_NONE || s->chan_state == CHAN_OPENING || s->chan_state == CHAN_CLOSED)
		return;
	struct winsize ws;
	tty_window_size(STDIN_FILENO, &ws);
	log_msg(LOG_LVL_DEBUG2, "client_check_window_change: changed");
	int r = burrow_chan_request_window_change(s->conn, s->chan, ws.ws_col, ws.ws_row, ws.ws_xpixel, ws.ws_ypixel);
	if (r < 0)
		log_debug("window-change: %s", burrow_strerror(r));
}

/* ServerAliveInterval: a keepalive when the server has been silent that long; more than
 * ServerAliveCountMax of them unanswered ends the connection (clientloop.c server_alive_check).
 * Returns the milliseconds until the next check, or -1 when off. */
static int server_alive_check(struct session *s, uint64_t now)
{
	int interval = s->o->server_alive_interval;
	if (interval <= 0 || !s->authenticated || s->disconnect_sent)
		return -1;
	if (s->alive_next_ms == 0)
		s->alive_next_ms = now + (uint64_t)interval * 1000;
	if (now >= s->alive_next_ms) {
		int count_max = s->o->server_alive_count_max >= 0 ? s->o->server_alive_count_max : 3;
		if (burrow_conn_keepalives_unanswered(s->conn) >= (unsigned)count_max) {
			log_info("Timeout, server %s not responding.", s->o->hostname);
			s->fatal = true;
			s->over = true;
			s->result = CLIENT_EXIT_FAILURE;
			return -1;
		}
		log_msg(LOG_LVL_DEBUG2, "server_alive_check: sending keepalive");
		int r = burrow_conn_keepalive(s->conn);
		if (r < 0)
			log_debug("keepalive: %s", burrow_strerror(r));
		s->alive_next_ms = now + (uint64_t)interval * 1000;
	}
	return (int)(s->alive_next_ms - now);
}

static void loop_once(struct session *s)
{
	uint64_t now = monotonic_ms();
	burrow_conn_tick(s->conn, now);

	if (received_signal && !s->killed_by) {
		s->killed_by = received_signal;
		request_quit(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
	}
	if (window_changed)
		send_window_change(s);
	/* Act on what the events changed until nothing moves, so poll() never sleeps on work. */
	for (;;) {
		bool acted = false;
		size_t in_before = s->in_len;
		bool eof_before = s->in_eof_sent;
		stdin_pump(s);
		acted |= s->in_len != in_before || s->in_eof_sent != eof_before;
		if (s->out[0].dead && !s->eow_sent && s->chan_state == CHAN_READY) {
			/* stdout is gone: OpenSSH's eow@openssh.com lets the server stop the command's
			 * output (SIGPIPE) instead of sending what nobody reads (PROTOCOL 2.1). */
			s->eow_sent = true;
			const char *v = burrow_conn_peer_version(s->conn);
			if (v && strstr(v, "OpenSSH")) {
				log_msg(LOG_LVL_DEBUG2, "channel %u: send eow", s->chan);
				burrow_chan_request_simple(s->conn, s->chan, "eow@openssh.com", false);
				acted = true;
			}
		}
		if (s->chan_state == CHAN_CLOSED && !s->disconnect_sent && outq_empty(&s->out[0]) &&
		    outq_empty(&s->out[1])) {
			request_quit(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
			acted = true;
		}
		enum chan_state before = s->chan_state;
		if (pump_events(s) < 0)
			return;
		/* An event that closed the channel: the checks above have work now (our DISCONNECT),
		 * instead of after the next poll() timeout. */
		acted |= s->chan_state != before;
		if (!acted)
			break;
	}
	int timeout = IDLE_WAKEUP_MS;
	int alive_wait = server_alive_check(s, now);
	if (s->over)
		return;
	if (alive_wait >= 0 && alive_wait < timeout)
		timeout = alive_wait;
	sock_flush(s);

	if (s->o->connect_timeout > 0 && !burrow_conn_peer_version(s->conn)) {
		uint64_t deadline = s->start_ms + (uint64_t)s->o->connect_timeout * 1000;
		if (now >= deadline) {
			log_error("Connection timed out during banner exchange");
			FATAL("Connection to %s timed out", s->peer_id);
			s->result = CLIENT_EXIT_FAILURE;
			s->fatal = true;
			s->over = true;
			return;
		}
		if (deadline - now < (uint64_t)timeout)
			timeout = (int)(deadline - now);
	}

	enum { P_SOCK, P_IN, P_OUT, P_ERR, P_COUNT };
	struct pollfd pfd[P_COUNT + AGENT_FORWARD_POLLFDS];
	for (int i = 0; i < P_COUNT; i++)
		pfd[i] = (struct pollfd){ .fd = -1 };
	size_t nfwd = agent_forward_pollfds(s->agent_fwd, s->conn, pfd + P_COUNT);
	const uint8_t *pending;
	if (!s->sock_dead) {
		pfd[P_SOCK].fd = s->sock;
		pfd[P_SOCK].events = (s->sock_eof ? 0 : POLLIN) |
				     (burrow_conn_output(s->conn, &pending) > 0 ? POLLOUT : 0);
		if (pfd[P_SOCK].events == 0)
			pfd[P_SOCK].fd = -1;
	}
	if (stdin_wanted(s)) {
		pfd[P_IN].fd = s->in_fd;
		pfd[P_IN].events = POLLIN;
	}
	for (int i = 0; i < 2; i++) {
		if (!outq_empty(&s->out[i])) {
			pfd[P_OUT + i].fd = s->out[i].fd;
			pfd[P_OUT + i].events = POLLOUT;
		}
	}
	if (s->sock_eof) {
		/* No more input can come and the engine has nothing left to say: the end. */
		connection_ended(s, NULL);
		return;
	}
	/* Signals are let in only while waiting (ppoll), so one that comes after the checks above
	 * still cuts the wait short instead of waiting for the timeout. */
	sigset_t block, old;
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(loop_signals) / sizeof(loop_signals[0]); i++)
		sigaddset(&block, loop_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	if ((received_signal && !s->killed_by) || window_changed)
		timeout = 0;
	struct timespec ts = { .tv_sec = timeout / 1000, .tv_nsec = (long)(timeout % 1000) * 1000000 };
	int n = ppoll(pfd, P_COUNT + nfwd, &ts, &old);
	int poll_errno = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = poll_errno;
	if (n < 0) {
		if (errno != EINTR) {
			FATAL("%s: poll: %s", CLIENT_NAME, strerror(errno));
			s->fatal = true;
			s->over = true;
			s->result = CLIENT_EXIT_FAILURE;
		}
		return;
	}
	if (pfd[P_SOCK].fd >= 0 && (pfd[P_SOCK].revents & (POLLIN | POLLHUP | POLLERR)))
		sock_read(s);
	if (pfd[P_SOCK].fd >= 0 && (pfd[P_SOCK].revents & POLLOUT))
		sock_flush(s);
	if (pfd[P_IN].fd >= 0 && pfd[P_IN].revents) {
		if (pfd[P_IN].revents & POLLNVAL) {
			s->in_eof = true;
			stdin_pump(s);
		} else {
			stdin_read(s);
		}
	}
	for (int i = 0; i < 2; i++) {
		if (pfd[P_OUT + i].fd >= 0 && pfd[P_OUT + i].revents)
			acknowledge(s, outq_flush(&s->out[i]));
	}
	agent_forward_after_poll(s->agent_fwd, s->conn, pfd + P_COUNT, nfwd);
}

int session_run(const struct client_options *o, struct burrow_conn *conn, int sock, const char *peer_ip,
		const char *command)
{
	struct session s = {
		.o = o, .conn = conn, .sock = sock, .peer_ip = peer_ip, .command = command,
		.exit_status = -1, .in_fd = STDIN_FILENO, .result = CLIENT_EXIT_FAILURE,
		.out = { { .fd = STDOUT_FILENO }, { .fd = client_stderr_fd } },
	};
	snprintf(s.peer_id, sizeof(s.peer_id), "%s port %d", peer_ip, o->port);
	bool warn_no_tty;
	s.want_pty = tty_pty_wanted(o->request_tty, o->session_type, command && *command, isatty(STDIN_FILENO),
				    o->stdin_null, &warn_no_tty);
	if (warn_no_tty)
		log_info("Pseudo-terminal will not be allocated because stdin is not a terminal.");
	/* The escape character only with a pty, as ssh (EscapeChar none turns it off). */
	s.escape_on = s.want_pty && o->escape_char != ESCAPE_CHAR_NONE;
	escape_init(&s.esc, o->escape_char >= 0 ? o->escape_char : '~');
	log_debug("Authenticating to %s:%d as '%s'", o->hostname, o->port, o->user);
	s.start_ms = monotonic_ms();

	if (client_auth_new(o, conn, &s.auth) < 0 || hostkeys_learn_new(o, conn, &s.learn) < 0 ||
	    agent_forward_new(o, &s.agent_fwd) < 0) {
		FATAL("%s: out of memory loading identities", CLIENT_NAME);
		client_auth_free(s.auth);
		close(sock);
		burrow_conn_free(conn);
		return CLIENT_EXIT_FAILURE;
	}
	if (o->stdin_null) {
		s.in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (s.in_fd < 0)
			s.in_eof = true;
	}
	/* Nonblocking stdio unless it is a terminal (as ssh); the original modes come back at exit. */
	int fds[3] = { s.in_fd, STDOUT_FILENO, client_stderr_fd }, saved_flags[3];
	for (int i = 0; i < 3; i++) {
		saved_flags[i] = fds[i] >= 0 ? fcntl(fds[i], F_GETFL) : -1;
		if (saved_flags[i] >= 0 && !isatty(fds[i]))
			fcntl(fds[i], F_SETFL, saved_flags[i] | O_NONBLOCK);
		else if (i == 0 && saved_flags[i] < 0)
			s.in_eof = true; /* no stdin at all */
	}
	install_signals();

	while (!s.over)
		loop_once(&s);

	sock_flush_final(&s);
	outq_flush_final(&s);
	tty_leave_raw(o->request_tty == REQUEST_TTY_FORCE);
	signal(SIGWINCH, SIG_DFL);
	/* With a pty, as ssh: after the session's last output, on the terminal (not the log); not
	 * after a signal or a fatal error, which end ssh before it gets there. */
	if (s.want_pty && s.authenticated && !s.killed_by && !s.fatal && log_get_level() >= LOG_LVL_INFO)
		term_say("Connection to %s closed.\r\n", o->hostname);
	for (int i = 0; i < 3; i++)
		if (saved_flags[i] >= 0)
			fcntl(fds[i], F_SETFL, saved_flags[i]);
	double secs = (double)(monotonic_ms() - s.start_ms) / 1000.0;
	log_verbose("Transferred: sent %llu, received %llu bytes, in %.1f seconds", (unsigned long long)s.bytes_out,
		    (unsigned long long)s.bytes_in, secs);
	if (secs > 0)
		log_verbose("Bytes per second: sent %.1f, received %.1f", (double)s.bytes_out / secs,
			    (double)s.bytes_in / secs);
	if (o->stdin_null && s.in_fd >= 0)
		close(s.in_fd);
	close(sock);
	burrow_conn_free(conn);
	client_auth_free(s.auth);
	hostkeys_learn_free(s.learn);
	agent_forward_free(s.agent_fwd);
	free(s.out[0].buf);
	free(s.out[1].buf);
	return s.result;
}
