/*
 * Session channel requests between a client engine and a server engine (RFC 4254 6.2-6.10,
 * RFC 4335, RFC 8160): every builder of the client is parsed back by the server's program from
 * BURROW_EV_CHANNEL_REQUEST; hostile requests sent raw are refused by the parsers, answered
 * CHANNEL_FAILURE when a reply is wanted, and the session goes on.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include <cmocka.h>

#include "burrow/ttymodes.h"
#include "conn_internal.h"
#include "helper_pair.h"

#define SEEN_MAX 16
#define SEEN_DATA_MAX 2048

/* The requests the server's program saw, copied out of the events. */
struct seen_request {
	char name[64];
	bool want_reply;
	uint8_t data[SEEN_DATA_MAX];
	size_t len;
	bool answered_ok;
};

struct script {
	struct seen_request req[SEEN_MAX];
	size_t nreq;
	int replies_ok, replies_failed; /* client: CHANNEL_REQUEST_REPLY */
	int window_events;
	size_t data_bytes;              /* CHANNEL_DATA received */
};

/* The server's program: parses what it knows and answers by the parse, refuses the rest,
 * as burrowd does. */
static bool server_accepts(const char *name, const uint8_t *data, size_t len)
{
	if (strcmp(name, "pty-req") == 0) {
		struct burrow_pty_req pty;
		return burrow_pty_req_parse(data, len, &pty) == 0;
	}
	if (strcmp(name, "env") == 0) {
		struct burrow_env_req env;
		return burrow_env_req_parse(data, len, &env) == 0;
	}
	if (strcmp(name, "signal") == 0) {
		char sig[32];
		return burrow_signal_req_parse(data, len, sig) == 0;
	}
	if (strcmp(name, "break") == 0) {
		uint32_t ms;
		return burrow_break_req_parse(data, len, &ms) == 0;
	}
	if (strcmp(name, "window-change") == 0) {
		struct burrow_window_change wc;
		return burrow_window_change_parse(data, len, &wc) == 0;
	}
	return strcmp(name, "subsystem") == 0 || strcmp(name, "exec") == 0;
}

static void drain(struct burrow_conn *conn, struct script *s, bool server)
{
	struct burrow_event ev;
	while (burrow_conn_next_event(conn, &ev) > 0) {
		switch (ev.type) {
		case BURROW_EV_CHANNEL_REQUEST: {
			assert_true(server);
			assert_true(s->nreq < SEEN_MAX);
			assert_true(ev.len <= SEEN_DATA_MAX);
			struct seen_request *r = &s->req[s->nreq++];
			snprintf(r->name, sizeof(r->name), "%s", ev.name);
			r->want_reply = ev.want_reply;
			if (ev.len)
				memcpy(r->data, ev.data, ev.len);
			r->len = ev.len;
			r->answered_ok = server_accepts(r->name, ev.data, ev.len);
			if (ev.want_reply)
				assert_int_equal(burrow_chan_request_verdict(conn, ev.channel, r->answered_ok), 0);
			break;
		}
		case BURROW_EV_CHANNEL_REQUEST_REPLY:
			if (ev.ok)
				s->replies_ok++;
			else
				s->replies_failed++;
			break;
		case BURROW_EV_CHANNEL_DATA:
			s->data_bytes += ev.len;
			burrow_chan_consumed(conn, ev.channel, ev.len);
			break;
		case BURROW_EV_CHANNEL_WINDOW:
			s->window_events++;
			break;
		case BURROW_EV_DISCONNECTED:
			fail_msg("unexpected disconnect: %s", ev.message ? ev.message : "");
			break;
		default:
			break;
		}
	}
}

static void step(struct pair *p, struct script *client, struct script *server)
{
	for (int i = 0; i < 50; i++) {
		size_t moved = pair_transfer(p, &p->client, &p->server);
		moved += pair_transfer(p, &p->server, &p->client);
		drain(p->client.conn, client, false);
		drain(p->server.conn, server, true);
		if (moved == 0)
			break;
	}
}

/* An authenticated pair whose session stays open (the client sends no EOF). */
static void open_pair(struct pair *p)
{
	pair_init(p, NULL);
	pair_run(p, 1000);
	assert_true(p->client.open_confirmed);
	assert_true(p->server.request_ok);
}

/* A CHANNEL_REQUEST the client's engine would never build: name, want_reply, raw data. */
static void send_raw_request(struct pair *p, const char *name, bool want_reply, const uint8_t *data, size_t len)
{
	struct burrow_conn *c = p->client.conn;
	struct channel *ch = &c->chans[p->client.channel];
	struct buf *b = transport_msg_begin(c, SSH_MSG_CHANNEL_REQUEST);
	buf_put_u32(b, ch->remote_id);
	buf_put_cstring(b, name);
	buf_put_bool(b, want_reply);
	buf_put(b, data, len);
	if (want_reply)
		ch->replies_expected++;
	assert_int_equal(transport_msg_end(c), 0);
}

static struct seen_request *last(struct script *s)
{
	assert_true(s->nreq > 0);
	return &s->req[s->nreq - 1];
}

/* The session still carries data both ways after whatever the test did. */
static void assert_session_goes_on(struct pair *p, struct script *client, struct script *server)
{
	size_t before = server->data_bytes;
	size_t sent = 0;
	assert_int_equal(burrow_chan_send(p->client.conn, p->client.channel, 0, (const uint8_t *)"ping", 4, &sent), 0);
	assert_int_equal(sent, 4);
	step(p, client, server);
	assert_int_equal(server->data_bytes, before + 4);
	assert_int_equal(burrow_chan_request_window_change(p->client.conn, p->client.channel, 100, 30, 0, 0), 0);
	step(p, client, server);
	assert_string_equal(last(server)->name, "window-change");
	assert_true(last(server)->answered_ok);
}

/* ---- every builder, parsed back ---- */

static void test_pty_req_round_trips_with_encoded_modes(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	struct termios t;
	memset(&t, 0, sizeof(t));
	t.c_iflag = ICRNL | IXON | IUTF8;
	t.c_lflag = ISIG | ICANON | ECHO | ECHOE;
	t.c_oflag = OPOST | ONLCR;
	t.c_cflag = CS8;
	t.c_cc[VINTR] = 3;
	t.c_cc[VERASE] = 127;
	cfsetospeed(&t, B38400);
	cfsetispeed(&t, B38400);
	uint8_t *modes = NULL;
	size_t modes_len = 0;
	assert_int_equal(burrow_ttymodes_encode(&t, &modes, &modes_len), 0);
	assert_int_equal(burrow_chan_request_pty(p.client.conn, p.client.channel, "xterm-256color", 80, 24, 640, 480,
						 modes, modes_len, true), 0);
	step(&p, &client, &server);

	struct seen_request *r = last(&server);
	assert_string_equal(r->name, "pty-req");
	assert_true(r->want_reply);
	struct burrow_pty_req pty;
	assert_int_equal(burrow_pty_req_parse(r->data, r->len, &pty), 0);
	assert_string_equal(pty.term, "xterm-256color");
	assert_int_equal(pty.cols, 80);
	assert_int_equal(pty.rows, 24);
	assert_int_equal(pty.width_px, 640);
	assert_int_equal(pty.height_px, 480);
	assert_int_equal(pty.modes_len, modes_len);
	assert_memory_equal(pty.modes, modes, modes_len);
	struct termios applied;
	memset(&applied, 0, sizeof(applied));
	unsigned unknown = 9;
	assert_int_equal(burrow_ttymodes_apply(pty.modes, pty.modes_len, &applied, &unknown), 0);
	assert_int_equal(unknown, 0);
	assert_int_equal(applied.c_iflag, t.c_iflag);
	assert_int_equal(applied.c_lflag, t.c_lflag);
	assert_int_equal(applied.c_oflag, t.c_oflag);
	assert_int_equal(applied.c_cc[VERASE], 127);
	assert_int_equal(client.replies_ok, 1);
	free(modes);
	pair_free(&p);
}

static void test_pty_req_without_modes_carries_tty_op_end(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_pty(p.client.conn, p.client.channel, "vt100", 132, 50, 0, 0, NULL, 0,
						 false), 0);
	step(&p, &client, &server);
	struct burrow_pty_req pty;
	assert_int_equal(burrow_pty_req_parse(last(&server)->data, last(&server)->len, &pty), 0);
	assert_string_equal(pty.term, "vt100");
	assert_int_equal(pty.modes_len, 1);
	assert_int_equal(pty.modes[0], 0);
	assert_int_equal(client.replies_ok + client.replies_failed, 0);
	pair_free(&p);
}

static void test_window_change_round_trips_even_at_the_largest_sizes(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_window_change(p.client.conn, p.client.channel, 0xFFFFFFFFu, 0xFFFFFFFFu,
							   0xFFFFFFFFu, 0xFFFFFFFFu), 0);
	step(&p, &client, &server);
	struct seen_request *r = last(&server);
	assert_string_equal(r->name, "window-change");
	assert_false(r->want_reply); /* RFC 4254 6.7 */
	struct burrow_window_change wc;
	assert_int_equal(burrow_window_change_parse(r->data, r->len, &wc), 0);
	/* Clamping to what a pty takes is the program's business. */
	assert_int_equal(wc.cols, 0xFFFFFFFFu);
	assert_int_equal(wc.rows, 0xFFFFFFFFu);
	assert_int_equal(wc.width_px, 0xFFFFFFFFu);
	assert_int_equal(wc.height_px, 0xFFFFFFFFu);
	pair_free(&p);
}

static void test_env_round_trips_as_views(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_env(p.client.conn, p.client.channel, "LANG", "en_US.UTF-8", false), 0);
	step(&p, &client, &server);
	struct seen_request *r = last(&server);
	assert_string_equal(r->name, "env");
	struct burrow_env_req env;
	assert_int_equal(burrow_env_req_parse(r->data, r->len, &env), 0);
	assert_int_equal(env.name_len, 4);
	assert_memory_equal(env.name, "LANG", 4);
	assert_int_equal(env.value_len, 11);
	assert_memory_equal(env.value, "en_US.UTF-8", 11);
	/* Views into the request's own bytes, nothing copied. */
	assert_true((const uint8_t *)env.name > r->data && (const uint8_t *)env.name < r->data + r->len);
	pair_free(&p);
}

static void test_env_names_with_equals_or_control_bytes_parse_for_the_program_to_refuse(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_env(p.client.conn, p.client.channel, "LD_PRELOAD=x", "y", true), 0);
	assert_int_equal(burrow_chan_request_env(p.client.conn, p.client.channel, "A\x01\x1b[B", "v\n", true), 0);
	step(&p, &client, &server);
	assert_int_equal(server.nreq, 2);
	struct burrow_env_req env;
	assert_int_equal(burrow_env_req_parse(server.req[0].data, server.req[0].len, &env), 0);
	assert_int_equal(env.name_len, 12);
	assert_memory_equal(env.name, "LD_PRELOAD=x", 12);
	assert_int_equal(burrow_env_req_parse(server.req[1].data, server.req[1].len, &env), 0);
	assert_int_equal(env.name_len, 5);
	assert_memory_equal(env.name, "A\x01\x1b[B", 5);
	assert_int_equal(env.value_len, 2);
	pair_free(&p);
}

static void test_env_value_may_be_empty(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_env(p.client.conn, p.client.channel, "EMPTY", "", false), 0);
	step(&p, &client, &server);
	struct burrow_env_req env;
	assert_int_equal(burrow_env_req_parse(last(&server)->data, last(&server)->len, &env), 0);
	assert_int_equal(env.value_len, 0);
	pair_free(&p);
}

static void test_subsystem_arrives_as_its_name(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_subsystem(p.client.conn, p.client.channel, "sftp", true), 0);
	step(&p, &client, &server);
	struct seen_request *r = last(&server);
	assert_string_equal(r->name, "subsystem");
	assert_int_equal(r->len, 4);
	assert_memory_equal(r->data, "sftp", 4);
	assert_int_equal(client.replies_ok, 1);
	pair_free(&p);
}

static void test_signal_round_trips(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_signal(p.client.conn, p.client.channel, "INT"), 0);
	assert_int_equal(burrow_chan_request_signal(p.client.conn, p.client.channel, "XFOO@example.com"), 0);
	step(&p, &client, &server);
	char sig[32];
	assert_string_equal(server.req[0].name, "signal");
	assert_false(server.req[0].want_reply); /* RFC 4254 6.9 */
	assert_int_equal(burrow_signal_req_parse(server.req[0].data, server.req[0].len, sig), 0);
	assert_string_equal(sig, "INT");
	assert_int_equal(burrow_signal_req_parse(server.req[1].data, server.req[1].len, sig), 0);
	assert_string_equal(sig, "XFOO@example.com");
	pair_free(&p);
}

static void test_break_round_trips(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_break(p.client.conn, p.client.channel, 500, true), 0);
	step(&p, &client, &server);
	struct seen_request *r = last(&server);
	assert_string_equal(r->name, "break");
	uint32_t ms = 0;
	assert_int_equal(burrow_break_req_parse(r->data, r->len, &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(client.replies_ok, 1);
	pair_free(&p);
}

/* ---- the builders refuse what they must not send ---- */

static void test_builders_refuse_bad_arguments(void **state)
{
	struct pair p;
	open_pair(&p);
	struct burrow_conn *c = p.client.conn;
	uint32_t ch = p.client.channel;
	char long_term[BURROW_TERM_MAX + 2];
	memset(long_term, 'x', sizeof(long_term) - 1);
	long_term[sizeof(long_term) - 1] = 0;
	assert_int_equal(burrow_chan_request_pty(c, ch, long_term, 80, 24, 0, 0, NULL, 0, true), BURROW_E_TOOBIG);
	assert_int_equal(burrow_chan_request_pty(c, ch, "xterm\x1b]0;x", 80, 24, 0, 0, NULL, 0, true), BURROW_E_INVALID);
	assert_int_equal(burrow_chan_request_pty(c, ch, NULL, 80, 24, 0, 0, NULL, 0, true), BURROW_E_INVALID);
	assert_int_equal(burrow_chan_request_signal(c, ch, "SIG INT"), BURROW_E_INVALID);
	assert_int_equal(burrow_chan_request_signal(c, ch, ""), BURROW_E_INVALID);
	assert_int_equal(burrow_chan_request_signal(c, ch, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"), BURROW_E_INVALID);
	assert_int_equal(burrow_chan_request_env(c, ch, "", "v", false), BURROW_E_INVALID);
	assert_int_equal(burrow_chan_request_subsystem(c, ch, "", false), BURROW_E_INVALID);
	/* Channels that are not open. */
	assert_int_equal(burrow_chan_request_window_change(c, ch + 1, 80, 24, 0, 0), BURROW_E_STATE);
	assert_int_equal(burrow_chan_request_break(c, 9999, 0, false), BURROW_E_STATE);
	/* Nothing was queued by the refusals: no reply is expected. */
	assert_int_equal(c->chans[ch].replies_expected, 0);
	pair_free(&p);
}

/* ---- hostile requests, sent raw ---- */

static void test_truncated_pty_req_is_refused_and_the_session_goes_on(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	struct buf b;
	buf_init(&b);
	buf_put_cstring(&b, "xterm");
	buf_put_u32(&b, 80);
	buf_put_u32(&b, 24);
	buf_put_u32(&b, 0); /* the pixel height and the modes are missing */
	send_raw_request(&p, "pty-req", true, buf_ptr(&b), buf_len(&b));
	step(&p, &client, &server);
	struct burrow_pty_req pty;
	assert_int_equal(burrow_pty_req_parse(last(&server)->data, last(&server)->len, &pty), BURROW_E_PARSE);
	assert_false(last(&server)->answered_ok);
	assert_int_equal(client.replies_failed, 1);
	assert_session_goes_on(&p, &client, &server);
	buf_free(&b);
	pair_free(&p);
}

/* A pty-req with the given TERM bytes and no modes. */
static void put_pty_req(struct buf *b, const void *term, size_t term_len, const uint8_t *modes, size_t modes_len)
{
	buf_put_string(b, term, term_len);
	buf_put_u32(b, 80);
	buf_put_u32(b, 24);
	buf_put_u32(b, 0);
	buf_put_u32(b, 0);
	buf_put_string(b, modes, modes_len);
}

static void test_term_with_control_bytes_or_nul_is_refused(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	static const uint8_t end = 0;
	const char *terms[] = { "xterm\x1b[31m", "xterm\nX=1", "vt\x7f", "xterm\0evil" };
	size_t lens[] = { 10, 9, 3, 10 };
	for (size_t i = 0; i < 4; i++) {
		struct buf b;
		buf_init(&b);
		put_pty_req(&b, terms[i], lens[i], &end, 1);
		send_raw_request(&p, "pty-req", true, buf_ptr(&b), buf_len(&b));
		buf_free(&b);
	}
	step(&p, &client, &server);
	assert_int_equal(server.nreq, 4);
	for (size_t i = 0; i < 4; i++) {
		struct burrow_pty_req pty;
		assert_int_equal(burrow_pty_req_parse(server.req[i].data, server.req[i].len, &pty), BURROW_E_PARSE);
		assert_string_equal(pty.term, "");
	}
	assert_int_equal(client.replies_failed, 4);
	assert_session_goes_on(&p, &client, &server);
	pair_free(&p);
}

static void test_term_longer_than_the_limit_is_refused(void **state)
{
	uint8_t term[BURROW_TERM_MAX + 1];
	memset(term, 'a', sizeof(term));
	static const uint8_t end = 0;
	struct buf b;
	buf_init(&b);
	put_pty_req(&b, term, sizeof(term), &end, 1);
	struct burrow_pty_req pty;
	assert_int_equal(burrow_pty_req_parse(buf_ptr(&b), buf_len(&b), &pty), BURROW_E_PARSE);
	buf_reset(&b);
	put_pty_req(&b, term, BURROW_TERM_MAX, &end, 1);
	assert_int_equal(burrow_pty_req_parse(buf_ptr(&b), buf_len(&b), &pty), 0);
	assert_int_equal(strlen(pty.term), BURROW_TERM_MAX);
	buf_free(&b);
}

static void test_unknown_terminal_mode_opcodes_are_skipped_or_stop(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	/* ECHO 1, opcode 19 (unassigned) skipped, ICANON 1, opcode 200 stops, then ISIG 1 unread */
	static const uint8_t modes[] = { 53, 0, 0, 0, 1, 19, 0, 0, 0, 7, 51, 0, 0, 0, 1, 200, 50, 0, 0, 0, 1, 0 };
	struct buf b;
	buf_init(&b);
	put_pty_req(&b, "xterm", 5, modes, sizeof(modes));
	send_raw_request(&p, "pty-req", true, buf_ptr(&b), buf_len(&b));
	buf_free(&b);
	step(&p, &client, &server);
	struct burrow_pty_req pty;
	assert_int_equal(burrow_pty_req_parse(last(&server)->data, last(&server)->len, &pty), 0);
	assert_int_equal(client.replies_ok, 1);
	struct termios t;
	memset(&t, 0, sizeof(t));
	unsigned unknown = 0;
	assert_int_equal(burrow_ttymodes_apply(pty.modes, pty.modes_len, &t, &unknown), 0);
	assert_int_equal(unknown, 2);
	assert_int_equal(t.c_lflag, ECHO | ICANON);
	pair_free(&p);
}

static void test_signal_names_with_bad_characters_are_refused(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	const char *names[] = { "KILL\n", "TERM;rm -rf", "../HUP", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" };
	for (size_t i = 0; i < 5; i++) {
		struct buf b;
		buf_init(&b);
		buf_put_cstring(&b, names[i]);
		send_raw_request(&p, "signal", true, buf_ptr(&b), buf_len(&b));
		buf_free(&b);
	}
	step(&p, &client, &server);
	assert_int_equal(server.nreq, 5);
	for (size_t i = 0; i < 5; i++) {
		char sig[32] = "unchanged";
		assert_int_equal(burrow_signal_req_parse(server.req[i].data, server.req[i].len, sig), BURROW_E_PARSE);
		assert_string_equal(sig, "");
	}
	assert_int_equal(client.replies_failed, 5);
	assert_session_goes_on(&p, &client, &server);
	pair_free(&p);
}

/* Each request as the client builds it, then with one byte more: the parsers take no trailing bytes. */
static void test_trailing_garbage_is_refused_by_every_parser(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_pty(p.client.conn, p.client.channel, "xterm", 80, 24, 0, 0, NULL, 0,
						 false), 0);
	assert_int_equal(burrow_chan_request_window_change(p.client.conn, p.client.channel, 80, 24, 0, 0), 0);
	assert_int_equal(burrow_chan_request_env(p.client.conn, p.client.channel, "A", "b", false), 0);
	assert_int_equal(burrow_chan_request_signal(p.client.conn, p.client.channel, "HUP"), 0);
	assert_int_equal(burrow_chan_request_break(p.client.conn, p.client.channel, 0, false), 0);
	step(&p, &client, &server);
	assert_int_equal(server.nreq, 5);
	for (size_t i = 0; i < 5; i++) {
		struct seen_request *r = &server.req[i];
		assert_true(r->len < SEEN_DATA_MAX);
		r->data[r->len] = 0;
		size_t n = r->len + 1;
		struct burrow_pty_req pty;
		struct burrow_window_change wc;
		struct burrow_env_req env;
		char sig[32];
		uint32_t ms;
		int ok, bad;
		if (strcmp(r->name, "pty-req") == 0) {
			ok = burrow_pty_req_parse(r->data, r->len, &pty);
			bad = burrow_pty_req_parse(r->data, n, &pty);
		} else if (strcmp(r->name, "window-change") == 0) {
			ok = burrow_window_change_parse(r->data, r->len, &wc);
			bad = burrow_window_change_parse(r->data, n, &wc);
		} else if (strcmp(r->name, "env") == 0) {
			ok = burrow_env_req_parse(r->data, r->len, &env);
			bad = burrow_env_req_parse(r->data, n, &env);
		} else if (strcmp(r->name, "signal") == 0) {
			ok = burrow_signal_req_parse(r->data, r->len, sig);
			bad = burrow_signal_req_parse(r->data, n, sig);
		} else {
			assert_string_equal(r->name, "break");
			ok = burrow_break_req_parse(r->data, r->len, &ms);
			bad = burrow_break_req_parse(r->data, n, &ms);
		}
		assert_int_equal(ok, 0);
		assert_int_equal(bad, BURROW_E_PARSE);
	}
	pair_free(&p);
}

static void test_every_parser_refuses_empty_and_truncated_data(void **state)
{
	struct burrow_pty_req pty;
	struct burrow_window_change wc;
	struct burrow_env_req env;
	char sig[32];
	uint32_t ms;
	assert_int_equal(burrow_pty_req_parse(NULL, 0, &pty), BURROW_E_PARSE);
	assert_int_equal(burrow_window_change_parse(NULL, 0, &wc), BURROW_E_PARSE);
	assert_int_equal(burrow_env_req_parse(NULL, 0, &env), BURROW_E_PARSE);
	assert_int_equal(burrow_signal_req_parse(NULL, 0, sig), BURROW_E_PARSE);
	assert_int_equal(burrow_break_req_parse(NULL, 0, &ms), BURROW_E_PARSE);
	/* A string whose length runs past the data. */
	static const uint8_t short_string[] = { 0, 0, 0, 9, 'x', 't' };
	assert_int_equal(burrow_pty_req_parse(short_string, sizeof(short_string), &pty), BURROW_E_PARSE);
	assert_int_equal(burrow_env_req_parse(short_string, sizeof(short_string), &env), BURROW_E_PARSE);
	assert_int_equal(burrow_signal_req_parse(short_string, sizeof(short_string), sig), BURROW_E_PARSE);
	/* A length of 0xffffffff. */
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	assert_int_equal(burrow_env_req_parse(huge, sizeof(huge), &env), BURROW_E_PARSE);
	static const uint8_t three[] = { 0, 0, 1 };
	assert_int_equal(burrow_break_req_parse(three, sizeof(three), &ms), BURROW_E_PARSE);
	/* env with a name and no value. */
	static const uint8_t name_only[] = { 0, 0, 0, 1, 'A' };
	assert_int_equal(burrow_env_req_parse(name_only, sizeof(name_only), &env), BURROW_E_PARSE);
}

/* ---- requests nobody knows ---- */

static void test_unknown_request_with_want_reply_gets_channel_failure(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	send_raw_request(&p, "keepalive@openssh.com", true, NULL, 0);
	send_raw_request(&p, "x11-req", true, NULL, 0);
	step(&p, &client, &server);
	assert_string_equal(server.req[0].name, "keepalive@openssh.com");
	assert_true(server.req[0].want_reply);
	assert_string_equal(server.req[1].name, "x11-req");
	assert_int_equal(client.replies_failed, 2);
	assert_int_equal(client.replies_ok, 0);
	assert_session_goes_on(&p, &client, &server);
	pair_free(&p);
}

static void test_unknown_request_without_want_reply_gets_nothing(void **state)
{
	struct pair p;
	struct script client = { 0 }, server = { 0 };
	open_pair(&p);
	const uint8_t *out;
	assert_int_equal(burrow_conn_output(p.server.conn, &out), 0);
	send_raw_request(&p, "no-such-request@example.com", false, (const uint8_t *)"xyz", 3);
	pair_transfer(&p, &p.client, &p.server);
	drain(p.server.conn, &server, true);
	assert_string_equal(last(&server)->name, "no-such-request@example.com");
	assert_false(last(&server)->want_reply);
	/* The server's engine queued no answer at all. */
	assert_int_equal(burrow_conn_output(p.server.conn, &out), 0);
	/* And answering a request that wanted no reply is refused. */
	assert_int_equal(burrow_chan_request_verdict(p.server.conn, p.server.channel, false), BURROW_E_STATE);
	step(&p, &client, &server);
	assert_int_equal(client.replies_failed + client.replies_ok, 0);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pty_req_round_trips_with_encoded_modes),
		cmocka_unit_test(test_pty_req_without_modes_carries_tty_op_end),
		cmocka_unit_test(test_window_change_round_trips_even_at_the_largest_sizes),
		cmocka_unit_test(test_env_round_trips_as_views),
		cmocka_unit_test(test_env_names_with_equals_or_control_bytes_parse_for_the_program_to_refuse),
		cmocka_unit_test(test_env_value_may_be_empty),
		cmocka_unit_test(test_subsystem_arrives_as_its_name),
		cmocka_unit_test(test_signal_round_trips),
		cmocka_unit_test(test_break_round_trips),
		cmocka_unit_test(test_builders_refuse_bad_arguments),
		cmocka_unit_test(test_truncated_pty_req_is_refused_and_the_session_goes_on),
		cmocka_unit_test(test_term_with_control_bytes_or_nul_is_refused),
		cmocka_unit_test(test_term_longer_than_the_limit_is_refused),
		cmocka_unit_test(test_unknown_terminal_mode_opcodes_are_skipped_or_stop),
		cmocka_unit_test(test_signal_names_with_bad_characters_are_refused),
		cmocka_unit_test(test_trailing_garbage_is_refused_by_every_parser),
		cmocka_unit_test(test_every_parser_refuses_empty_and_truncated_data),
		cmocka_unit_test(test_unknown_request_with_want_reply_gets_channel_failure),
		cmocka_unit_test(test_unknown_request_without_want_reply_gets_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
