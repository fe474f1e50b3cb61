/*
 * The pre-auth child's loop (preauth.h): socket <-> engine, every authentication question
 * forwarded to the monitor and its answer applied, the connection exported once authenticated.
 */
#define _GNU_SOURCE
#include "preauth.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "conn_io.h"
#include "log.h"
#include "monitor_wire.h"
#include "session.h"

#define PREAUTH_MAX_USER 256
#define PREAUTH_MAX_TEXT 4096

struct preauth {
	const struct preauth_params *p;
	struct conn_io io;
	int monitor;
	bool we_disconnected;
	bool grace_expired;
	bool finished;
	bool handed_over;
	bool failed;             /* the monitor is gone or broke the protocol */
};

static void disconnect(struct preauth *c, const char *message)
{
	c->we_disconnected = true;
	if (burrow_conn_disconnect(c->io.conn, BURROW_DISCONNECT_BY_APPLICATION, message) < 0)
		c->finished = true;
}

/* Time left of LoginGraceTime (ms; -1: no limit). */
static int grace_left(const struct preauth *c)
{
	uint64_t grace = (uint64_t)c->p->opts->login_grace_time * 1000;
	if (!grace)
		return -1;
	uint64_t used = monotonic_ms() - c->p->start_ms;
	return used >= grace ? 0 : (int)(grace - used);
}

static void monitor_lost(struct preauth *c)
{
	if (!c->failed)
		log_error("lost the monitor [preauth]");
	c->failed = true;
	disconnect(c, "internal error");
}

/* Sends a request and waits for the answer, at most until the grace time ends. */
static int ask(struct preauth *c, struct mm_out *req, struct mm_in *answer)
{
	if (mm_send(c->monitor, req, NULL, 0) < 0) {
		monitor_lost(c);
		return -1;
	}
	int left = grace_left(c);
	/* PAM may take its time; the monitor enforces the grace time as well. */
	int r = mm_recv(c->monitor, answer, left < 0 ? -1 : left + 1000);
	if (r == 0) {
		c->grace_expired = true;
		disconnect(c, "Timeout before authentication");
		return -1;
	}
	if (r < 0) {
		monitor_lost(c);
		return -1;
	}
	return 0;
}

/* Applies MM_VERDICT or MM_CHALLENGE to the engine. */
static void apply_answer(struct preauth *c, struct mm_in *a, bool challenge_allowed)
{
	int r = BURROW_E_PARSE;
	if (a->type == MM_VERDICT) {
		uint8_t outcome = mm_get_u8(a);
		char *methods = mm_get_cstring(a, PREAUTH_MAX_TEXT);
		if (mm_done(a) && outcome <= BURROW_AUTH_PARTIAL) {
			r = 0;
			/* New methods: a partial success, or the user's Match blocks changed them. */
			if (*methods)
				r = burrow_auth_set_methods(c->io.conn, methods);
			if (r == 0)
				r = burrow_auth_outcome(c->io.conn, (enum burrow_auth_outcome)outcome);
		}
		free(methods);
	} else if (a->type == MM_CHALLENGE && challenge_allowed) {
		char *instruction = mm_get_cstring(a, PREAUTH_MAX_TEXT);
		uint32_t n = mm_get_u32(a);
		char *prompts[AUTH_REPLY_MAX_PROMPTS] = { 0 };
		bool echo[AUTH_REPLY_MAX_PROMPTS];
		if (n > AUTH_REPLY_MAX_PROMPTS)
			a->bad = true;
		for (uint32_t i = 0; i < n && !a->bad; i++) {
			prompts[i] = mm_get_cstring(a, PREAUTH_MAX_TEXT);
			echo[i] = mm_get_u8(a) != 0;
		}
		if (mm_done(a))
			r = burrow_auth_kbdint_challenge(c->io.conn, "", instruction, n, (const char *const *)prompts,
							 echo);
		for (uint32_t i = 0; i < AUTH_REPLY_MAX_PROMPTS; i++)
			free(prompts[i]);
		free(instruction);
	}
	if (r < 0) {
		log_error("bad answer from the monitor (%u): %s [preauth]", a->type, burrow_strerror(r));
		monitor_lost(c);
	}
}

/* The monitor verifies the signature again from its own session id: it gets what was signed. */
static void on_auth_pubkey(struct preauth *c, const struct burrow_event *ev)
{
	struct mm_out m;
	mm_begin(&m, MM_AUTH_PUBKEY);
	mm_put_cstring(&m, ev->user);
	mm_put_cstring(&m, ev->name);
	mm_put_string(&m, ev->key_blob, ev->key_blob_len);
	mm_put_u8(&m, ev->has_signature);
	mm_put_cstring(&m, ev->sig_alg);
	mm_put_string(&m, ev->sig, ev->sig_len);
	mm_put_u8(&m, ev->hostkey_blob != NULL);
	mm_put_string(&m, ev->hostkey_blob, ev->hostkey_blob_len);
	struct mm_in a;
	if (ask(c, &m, &a) == 0) {
		apply_answer(c, &a, false);
		mm_in_free(&a);
	}
}

static void on_auth_user(struct preauth *c, const struct burrow_event *ev)
{
	struct mm_out m;
	mm_begin(&m, MM_AUTH_USER);
	mm_put_cstring(&m, ev->user);
	struct mm_in a;
	if (ask(c, &m, &a) == 0) {
		apply_answer(c, &a, false);
		mm_in_free(&a);
	}
}

static void on_auth_password(struct preauth *c, const struct burrow_event *ev)
{
	struct mm_out m;
	mm_begin(&m, MM_AUTH_PASSWORD);
	mm_put_cstring(&m, ev->user);
	mm_put_cstring(&m, ev->password);
	struct mm_in a;
	if (ask(c, &m, &a) == 0) {
		apply_answer(c, &a, false);
		mm_in_free(&a);
	}
}

static void on_auth_kbdint(struct preauth *c, const struct burrow_event *ev)
{
	struct mm_out m;
	if (ev->type == BURROW_EV_AUTH_KBDINT_START) {
		mm_begin(&m, MM_KBDINT_START);
		mm_put_cstring(&m, ev->user);
		mm_put_cstring(&m, ev->message);
	} else {
		mm_begin(&m, MM_KBDINT_RESPONSE);
		mm_put_cstring(&m, ev->user);
		mm_put_u32(&m, (uint32_t)ev->nstrings);
		for (size_t i = 0; i < ev->nstrings; i++)
			mm_put_cstring(&m, ev->strings[i]);
	}
	struct mm_in a;
	if (ask(c, &m, &a) == 0) {
		apply_answer(c, &a, true);
		mm_in_free(&a);
	}
}

static void on_auth_failure(struct preauth *c, const struct burrow_event *ev)
{
	struct mm_out m;
	mm_begin(&m, MM_AUTH_FAILURE);
	mm_put_cstring(&m, ev->user);
	mm_put_cstring(&m, ev->name);
	mm_put_u8(&m, ev->partial);
	if (mm_send(c->monitor, &m, NULL, 0) < 0)
		monitor_lost(c);
}

/* The client is in: everything we said reaches it first, then the connection moves. */
static void on_auth_success(struct preauth *c, const struct burrow_event *ev)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int r = conn_io_flush_all(&c->io, 30000) < 0 ? BURROW_E_CLOSED : burrow_conn_export(c->io.conn, &blob, &len);
	if (r < 0) {
		log_error("cannot hand the connection over: %s [preauth]", burrow_strerror(r));
		disconnect(c, "internal error");
		return;
	}
	struct mm_out m;
	mm_begin(&m, MM_AUTHENTICATED);
	mm_put_cstring(&m, ev->user);
	mm_put_string(&m, blob, len);
	burrow_conn_export_free(blob, len);
	if (mm_send(c->monitor, &m, NULL, 0) < 0) {
		monitor_lost(c);
		return;
	}
	c->handed_over = true;
	c->finished = true;
}

static void on_disconnected(struct preauth *c, const struct burrow_event *ev)
{
	c->finished = true;
	if (c->failed)
		return; /* nobody to tell */
	struct mm_out m;
	mm_begin(&m, MM_DISCONNECTED);
	mm_put_u32(&m, ev->reason);
	mm_put_u8(&m, ev->by_peer);
	mm_put_u8(&m, c->we_disconnected);
	mm_put_u8(&m, c->grace_expired);
	mm_put_cstring(&m, ev->message);
	mm_put_cstring(&m, burrow_conn_last_error(c->io.conn));
	mm_send(c->monitor, &m, NULL, 0);
}

static void handle_event(void *ctx, const struct burrow_event *ev)
{
	struct preauth *c = ctx;
	switch (ev->type) {
	case BURROW_EV_KEX_DONE:
		conn_io_log_negotiated(&c->io);
		break;
	case BURROW_EV_AUTH_USER:
		on_auth_user(c, ev);
		break;
	case BURROW_EV_AUTH_PUBKEY:
		on_auth_pubkey(c, ev);
		break;
	case BURROW_EV_AUTH_PASSWORD:
		on_auth_password(c, ev);
		break;
	case BURROW_EV_AUTH_KBDINT_START:
	case BURROW_EV_AUTH_KBDINT_RESPONSE:
		on_auth_kbdint(c, ev);
		break;
	case BURROW_EV_AUTH_FAILURE:
		on_auth_failure(c, ev);
		break;
	case BURROW_EV_AUTH_SUCCESS:
		on_auth_success(c, ev);
		break;
	case BURROW_EV_CHANNEL_OPEN: /* the engine refuses these before authentication itself */
		burrow_chan_open_verdict(c->io.conn, ev->channel, false, BURROW_OPEN_ADMINISTRATIVELY_PROHIBITED,
					 "not authenticated");
		break;
	case BURROW_EV_CHANNEL_REQUEST:
		if (ev->want_reply)
			burrow_chan_request_verdict(c->io.conn, ev->channel, false);
		break;
	case BURROW_EV_DISCONNECTED:
		on_disconnected(c, ev);
		break;
	default:
		break;
	}
}

static void event_loop(struct preauth *c)
{
	for (;;) {
		burrow_conn_tick(c->io.conn, monotonic_ms());
		if (!c->we_disconnected && grace_left(c) == 0) {
			c->grace_expired = true;
			disconnect(c, "Timeout before authentication");
		}
		if (conn_io_drain(&c->io, handle_event, c, &c->finished) <= 0 || c->finished)
			break;
		if (conn_io_flush(&c->io) < 0)
			break;
		size_t pending = conn_io_pending(&c->io);
		short events = 0;
		if (!c->io.sock_eof && pending < SESSION_OUTPUT_HIGH_WATER)
			events |= POLLIN;
		if (pending > 0)
			events |= POLLOUT;
		/* The monitor never speaks first: its descriptor becoming readable means it is gone. */
		struct pollfd fds[2] = { { .fd = events ? c->io.sock : -1, .events = events },
					 { .fd = c->monitor, .events = POLLIN } };
		int ready = poll(fds, 2, 1000);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready <= 0)
			continue;
		if (fds[1].revents) {
			monitor_lost(c);
			continue;
		}
		if ((events & POLLIN) && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			conn_io_read(&c->io);
		} else if (fds[0].revents & (POLLHUP | POLLERR)) {
			c->io.sock_eof = true;
			burrow_conn_feed_eof(c->io.conn);
		}
	}
	if (!c->handed_over)
		conn_io_flush_all(&c->io, CONN_IO_FINAL_FLUSH_MS);
}

void preauth_log_to_monitor(void *ctx, enum log_level level, const char *line)
{
	struct mm_out m;
	mm_begin(&m, MM_LOG);
	mm_put_u8(&m, (uint8_t)level);
	mm_put_cstring(&m, line);
	mm_send(*(const int *)ctx, &m, NULL, 0);
}

int preauth_run(const struct preauth_params *p)
{
	struct preauth c;
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.monitor = p->monitor;
	c.io.sock = p->sock;
	c.io.peer_addr = p->peer_addr;
	c.io.peer_port = p->peer_port;
	c.io.preauth = true;
	struct burrow_config cfg;
	server_engine_config(p->opts, p->host_keys, p->host_key_count, &cfg);
	cfg.auth_banner = p->banner;
	cfg.auth_report_user = true; /* Match blocks decide the user's methods before the offer */
	cfg.host_key_sign = mm_host_key_sign;
	cfg.host_key_sign_ctx = &c.monitor;
	int r = burrow_conn_new(&cfg, &c.io.conn);
	if (r < 0) {
		log_error("cannot set up the connection: %s [preauth]", burrow_strerror(r));
		return 1;
	}
	event_loop(&c);
	burrow_conn_free(c.io.conn);
	return c.failed ? 1 : 0;
}
