/*
 * The client's event loop: one poll() over the socket, stdin, stdout and stderr, driving the
 * sans-I/O engine. Flow control is end to end: stdin is read only while the channel window and
 * the engine's output have room; received data is acknowledged (burrow_chan_consumed) only once
 * it has been written to stdout/stderr, so a slow reader slows the remote command down instead
 * of growing our buffers.
 */
#define _GNU_SOURCE /* strcasestr */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent_forward.h"
#include "algospec.h"
#include "log.h"

#define IO_CHUNK (64 * 1024)
#define ENGINE_OUTPUT_HIGH_WATER (1024 * 1024) /* stop reading stdin above this much unsent output */
#define FINAL_FLUSH_MS 2000                    /* how long a last DISCONNECT may take to leave */
#define IDLE_WAKEUP_MS 1000                    /* timers are handed to the engine at least this often */

#define FATAL(...) log_msg(LOG_LVL_FATAL, __VA_ARGS__)

static volatile sig_atomic_t received_signal;

static void on_signal(int sig)
{
	received_signal = sig;
}

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

static void session_request(struct session *s)
{
	int r;
	agent_forward_request(s->agent_fwd, s->conn, s->chan);
	if (s->command && *s->command) {
		log_debug("Sending command: %s", s->command);
		r = burrow_chan_request_exec(s->conn, s->chan, s->command, true);
	} else {
		log_debug("Requesting shell.");
		r = burrow_chan_request_simple(s->conn, s->chan, "shell", true);
	}
	if (r < 0) {
		FATAL("%s: channel request failed: %s", CLIENT_NAME, burrow_strerror(r));
		fail(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
		return;
	}
	s->chan_state = CHAN_REQUESTED;
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

/* ---- the end ---- */

static void connection_ended(struct session *s, const struct burrow_event *ev)
{
	s->over = true;
	if (s->fatal) {
		s->result = CLIENT_EXIT_FAILURE;
		return;
	}
	if (s->killed_by) {
		log_verbose("Killed by signal %d.", s->killed_by);
		s->result = CLIENT_EXIT_FAILURE;
		return;
	}
	if (s->chan_state == CHAN_CLOSED) {
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
	case BURROW_EV_AUTH_KBDINT_PROMPT:
	case BURROW_EV_AUTH_SIGN:
		if (client_auth_event(s->auth, ev) < 0)
			fail(s, BURROW_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, "No more authentication methods available");
		break;
	case BURROW_EV_AUTH_SUCCESS:
		log_verbose("Authenticated to %s ([%s]:%d) using \"%s\".", s->o->hostname, s->peer_ip, s->o->port,
			    client_auth_method(s->auth));
		session_start(s);
		break;
	case BURROW_EV_HOSTKEYS:
	case BURROW_EV_HOSTKEYS_PROVEN:
		hostkeys_learn_event(s->learn, ev);
		break;
	case BURROW_EV_AUTH_PUBKEY:
	case BURROW_EV_AUTH_PASSWORD:
	case BURROW_EV_AUTH_KBDINT_START:
	case BURROW_EV_AUTH_KBDINT_RESPONSE:
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
		if (ev->ok) {
			log_msg(LOG_LVL_DEBUG2, "%s request accepted on channel %u", s->command && *s->command ? "exec" : "shell",
				s->chan);
			s->chan_state = CHAN_READY;
		} else {
			FATAL("%s request failed on channel %u", s->command && *s->command ? "exec" : "shell", s->chan);
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

static void stdin_read(struct session *s)
{
	size_t room = burrow_chan_send_room(s->conn, s->chan);
	size_t want = room < IO_CHUNK ? room : IO_CHUNK;
	if (want == 0)
		return;
	ssize_t n = read(s->in_fd, stdin_buf, want);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n < 0)
		log_debug("read from stdin: %s", strerror(errno));
	if (n <= 0) {
		s->in_eof = true;
	} else {
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

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR and the loop notices */
	sigemptyset(&sa.sa_mask);
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;
		/* An ignored SIGINT (e.g. a background job) stays ignored, as in ssh. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

static void loop_once(struct session *s)
{
	uint64_t now = monotonic_ms();
	burrow_conn_tick(s->conn, now);

	if (received_signal && !s->killed_by) {
		s->killed_by = received_signal;
		request_quit(s, BURROW_DISCONNECT_BY_APPLICATION, "disconnected by user");
	}
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
	sock_flush(s);

	int timeout = IDLE_WAKEUP_MS;
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
	int n = poll(pfd, P_COUNT + nfwd, timeout);
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
		.out = { { .fd = STDOUT_FILENO }, { .fd = STDERR_FILENO } },
	};
	snprintf(s.peer_id, sizeof(s.peer_id), "%s port %d", peer_ip, o->port);
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
	int fds[3] = { s.in_fd, STDOUT_FILENO, STDERR_FILENO }, saved_flags[3];
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
