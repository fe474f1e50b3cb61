/*
 * The connection protocol (RFC 4254): the channel table, open/confirm/failure, windows and flow
 * control (5.2), data and stderr, EOF/CLOSE (5.3), channel requests (5.4, 6), global requests (4).
 */
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"

/* The largest data chunk we put in one packet, whatever the peer allows. */
#define CHAN_SEND_CHUNK_MAX (TRANSPORT_MAX_PACKET_LEN - 1024)
/* Type-specific data of a CHANNEL_OPEN we send: addresses and ports, never near a packet. */
#define CHAN_OPEN_EXTRA_MAX 4096

void channels_free(struct burrow_conn *c)
{
	free(c->chans);
	c->chans = NULL;
	c->chan_count = 0;
}

static struct channel *chan_alloc(struct burrow_conn *c)
{
	if (!c->chans) {
		c->chans = calloc(CHAN_MAX_COUNT, sizeof(*c->chans));
		if (!c->chans)
			return NULL;
		c->chan_count = CHAN_MAX_COUNT;
	}
	for (size_t i = 0; i < c->chan_count; i++) {
		if (c->chans[i].state == CHAN_FREE) {
			struct channel *ch = &c->chans[i];
			memset(ch, 0, sizeof(*ch));
			ch->local_id = (uint32_t)i;
			ch->local_window = CHAN_WINDOW_DEFAULT;
			return ch;
		}
	}
	return NULL;
}

static struct channel *chan_get(struct burrow_conn *c, uint32_t id)
{
	if (id >= c->chan_count || c->chans[id].state == CHAN_FREE)
		return NULL;
	return &c->chans[id];
}

static void chan_release(struct channel *ch)
{
	ch->state = CHAN_FREE;
}

/* ---- sending ---- */

static int chan_send_open_failure(struct burrow_conn *c, uint32_t remote_id, uint32_t reason, const char *message)
{
	struct buf *b = transport_msg_begin(c, SSH_MSG_CHANNEL_OPEN_FAILURE);
	buf_put_u32(b, remote_id);
	buf_put_u32(b, reason);
	buf_put_cstring(b, message ? message : "");
	buf_put_cstring(b, "");
	return transport_msg_end(c);
}

static int chan_send_simple(struct burrow_conn *c, uint8_t type, uint32_t remote_id)
{
	struct buf *b = transport_msg_begin(c, type);
	buf_put_u32(b, remote_id);
	return transport_msg_end(c);
}

/* A channel request from us; `b` comes back ready for the request-specific fields. */
static struct buf *chan_request_begin(struct burrow_conn *c, struct channel *ch, const char *name, bool want_reply)
{
	struct buf *b = transport_msg_begin(c, SSH_MSG_CHANNEL_REQUEST);
	buf_put_u32(b, ch->remote_id);
	buf_put_cstring(b, name);
	buf_put_bool(b, want_reply);
	if (want_reply)
		ch->replies_expected++;
	return b;
}

/* A channel we may still send on: open, and no CLOSE from us. */
static struct channel *chan_sendable(struct burrow_conn *c, uint32_t id)
{
	struct channel *ch = chan_get(c, id);
	if (!ch || ch->state != CHAN_OPEN || ch->sent_close || c->closed)
		return NULL;
	return ch;
}

int burrow_chan_open(struct burrow_conn *c, const char *type, const uint8_t *extra, size_t extra_len,
		     uint32_t *id)
{
	if (c->closed)
		return BURROW_E_CLOSED;
	if (!c->authenticated)
		return BURROW_E_STATE;
	if (!type || !id || (extra_len && !extra))
		return BURROW_E_INVALID;
	if (extra_len > CHAN_OPEN_EXTRA_MAX)
		return BURROW_E_TOOBIG;
	struct channel *ch = chan_alloc(c);
	if (!ch)
		return BURROW_E_TOOBIG;
	ch->state = CHAN_OPENING;
	struct buf *b = transport_msg_begin(c, SSH_MSG_CHANNEL_OPEN);
	buf_put_cstring(b, type);
	buf_put_u32(b, ch->local_id);
	buf_put_u32(b, CHAN_WINDOW_DEFAULT);
	buf_put_u32(b, CHAN_PACKET_DEFAULT);
	if (extra_len)
		buf_put(b, extra, extra_len);
	*id = ch->local_id;
	return transport_msg_end(c);
}

int burrow_chan_open_session(struct burrow_conn *c, uint32_t *id)
{
	return burrow_chan_open(c, "session", NULL, 0, id);
}

int burrow_chan_open_verdict(struct burrow_conn *c, uint32_t id, bool accept, uint32_t reason, const char *message)
{
	struct channel *ch = chan_get(c, id);
	if (c->question != Q_CHAN_OPEN || c->question_channel != id || !ch || ch->state != CHAN_AWAIT_VERDICT)
		return BURROW_E_STATE;
	c->question = Q_NONE;
	if (!accept) {
		chan_release(ch);
		return chan_send_open_failure(c, ch->remote_id, reason, message);
	}
	ch->state = CHAN_OPEN;
	struct buf *b = transport_msg_begin(c, SSH_MSG_CHANNEL_OPEN_CONFIRMATION);
	buf_put_u32(b, ch->remote_id);
	buf_put_u32(b, ch->local_id);
	buf_put_u32(b, CHAN_WINDOW_DEFAULT);
	buf_put_u32(b, CHAN_PACKET_DEFAULT);
	return transport_msg_end(c);
}

int burrow_chan_request_exec(struct burrow_conn *c, uint32_t id, const char *command, bool want_reply)
{
	struct channel *ch = chan_sendable(c, id);
	if (!ch || !command)
		return BURROW_E_STATE;
	struct buf *b = chan_request_begin(c, ch, "exec", want_reply);
	buf_put_cstring(b, command);
	return transport_msg_end(c);
}

int burrow_chan_request_simple(struct burrow_conn *c, uint32_t id, const char *name, bool want_reply)
{
	struct channel *ch = chan_sendable(c, id);
	if (!ch || !name)
		return BURROW_E_STATE;
	chan_request_begin(c, ch, name, want_reply);
	int err = transport_msg_end(c);
	if (err == 0 && c->role == BURROW_CLIENT && strcmp(name, "auth-agent-req@openssh.com") == 0)
		c->agent_forwarding_requested = true;
	return err;
}

int burrow_chan_request_verdict(struct burrow_conn *c, uint32_t id, bool ok)
{
	struct channel *ch = chan_get(c, id);
	if (c->question != Q_CHAN_REQUEST || c->question_channel != id || !ch)
		return BURROW_E_STATE;
	c->question = Q_NONE;
	ch->replies_owed--;
	if (ch->sent_close)
		return 0;
	return chan_send_simple(c, ok ? SSH_MSG_CHANNEL_SUCCESS : SSH_MSG_CHANNEL_FAILURE, ch->remote_id);
}

size_t burrow_chan_send_room(const struct burrow_conn *c, uint32_t id)
{
	struct channel *ch = chan_sendable((struct burrow_conn *)c, id);
	/* A peer that allows packets of 0 bytes takes no data at all: no room, not a busy loop. */
	if (!ch || ch->sent_eof || ch->remote_max_packet == 0 || transport_sending_blocked(c))
		return 0;
	size_t queued = buf_len(&c->out);
	if (queued >= TRANSPORT_OUTPUT_HIGH_WATER)
		return 0;
	size_t room = TRANSPORT_OUTPUT_HIGH_WATER - queued;
	return ch->remote_window < room ? ch->remote_window : room;
}

int burrow_chan_send(struct burrow_conn *c, uint32_t id, int stream, const uint8_t *data, size_t len, size_t *sent)
{
	*sent = 0;
	struct channel *ch = chan_sendable(c, id);
	if (!ch || ch->sent_eof || (stream != 0 && stream != 1))
		return BURROW_E_STATE;
	size_t chunk_max = ch->remote_max_packet < CHAN_SEND_CHUNK_MAX ? ch->remote_max_packet : CHAN_SEND_CHUNK_MAX;
	while (*sent < len) {
		size_t room = burrow_chan_send_room(c, id);
		size_t n = len - *sent;
		if (n > room)
			n = room;
		if (n > chunk_max)
			n = chunk_max;
		if (n == 0)
			break;
		struct buf *b = transport_msg_begin(c, stream ? SSH_MSG_CHANNEL_EXTENDED_DATA : SSH_MSG_CHANNEL_DATA);
		buf_put_u32(b, ch->remote_id);
		if (stream)
			buf_put_u32(b, SSH_EXTENDED_DATA_STDERR);
		buf_put_string(b, data + *sent, n);
		int err = transport_msg_end(c);
		if (err < 0)
			return err;
		ch->remote_window -= (uint32_t)n;
		*sent += n;
	}
	return 0;
}

int burrow_chan_consumed(struct burrow_conn *c, uint32_t id, size_t n)
{
	struct channel *ch = chan_get(c, id);
	if (!ch || ch->state != CHAN_OPEN)
		return BURROW_E_STATE;
	if (n > CHAN_WINDOW_DEFAULT - ch->local_window - ch->local_consumed)
		return BURROW_E_INVALID; /* more than was ever delivered */
	ch->local_consumed += (uint32_t)n;
	/* Give the window back in large steps, as OpenSSH does, rather than per packet. */
	if (ch->local_consumed < CHAN_WINDOW_DEFAULT / 2 || ch->got_eof || ch->sent_close || c->closed)
		return 0;
	struct buf *b = transport_msg_begin(c, SSH_MSG_CHANNEL_WINDOW_ADJUST);
	buf_put_u32(b, ch->remote_id);
	buf_put_u32(b, ch->local_consumed);
	ch->local_window += ch->local_consumed;
	ch->local_consumed = 0;
	return transport_msg_end(c);
}

int burrow_chan_send_eof(struct burrow_conn *c, uint32_t id)
{
	struct channel *ch = chan_sendable(c, id);
	if (!ch)
		return BURROW_E_STATE;
	if (ch->sent_eof)
		return 0;
	ch->sent_eof = true;
	return chan_send_simple(c, SSH_MSG_CHANNEL_EOF, ch->remote_id);
}

int burrow_chan_exit_status(struct burrow_conn *c, uint32_t id, uint32_t status)
{
	struct channel *ch = chan_sendable(c, id);
	if (!ch)
		return BURROW_E_STATE;
	struct buf *b = chan_request_begin(c, ch, "exit-status", false);
	buf_put_u32(b, status);
	return transport_msg_end(c);
}

int burrow_chan_exit_signal(struct burrow_conn *c, uint32_t id, const char *signal, bool core_dumped,
			    const char *message)
{
	struct channel *ch = chan_sendable(c, id);
	if (!ch || !signal)
		return BURROW_E_STATE;
	struct buf *b = chan_request_begin(c, ch, "exit-signal", false);
	buf_put_cstring(b, signal);
	buf_put_bool(b, core_dumped);
	buf_put_cstring(b, message ? message : "");
	buf_put_cstring(b, "");
	return transport_msg_end(c);
}

int burrow_chan_close(struct burrow_conn *c, uint32_t id)
{
	struct channel *ch = chan_get(c, id);
	if (!ch || ch->state != CHAN_OPEN)
		return BURROW_E_STATE;
	if (ch->sent_close || c->closed)
		return 0;
	ch->sent_close = true;
	return chan_send_simple(c, SSH_MSG_CHANNEL_CLOSE, ch->remote_id);
}

/* ---- receiving ---- */

static int chan_bad(struct burrow_conn *c, const char *what)
{
	return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "%s", what);
}

/* A server may open on a client only what the client asked for (RFC 4254 6.3.2, 7.2, 11):
 * an agent channel after auth-agent-req@openssh.com. Forwardings we never requested are refused
 * by the engine, so a program cannot accept them by mistake. */
static bool chan_client_accepts_type(const struct burrow_conn *c, struct bstr type)
{
	if (bstr_eq(type, "auth-agent@openssh.com"))
		return c->agent_forwarding_requested;
	return false;
}

static int chan_handle_open(struct burrow_conn *c, struct rd *r)
{
	struct bstr type = rd_string(r);
	uint32_t remote_id = rd_u32(r);
	uint32_t window = rd_u32(r);
	uint32_t max_packet = rd_u32(r);
	struct bstr extra = rd_rest(r);
	if (!rd_ok(r))
		return chan_bad(c, "malformed CHANNEL_OPEN");
	if (!c->authenticated)
		return chan_bad(c, "CHANNEL_OPEN before authentication");
	if (c->role == BURROW_CLIENT && !chan_client_accepts_type(c, type))
		return chan_send_open_failure(c, remote_id, BURROW_OPEN_ADMINISTRATIVELY_PROHIBITED, "open failed");
	struct channel *ch = chan_alloc(c);
	if (!ch)
		return chan_send_open_failure(c, remote_id, BURROW_OPEN_RESOURCE_SHORTAGE, "too many channels");
	ch->state = CHAN_AWAIT_VERDICT;
	ch->remote_id = remote_id;
	ch->remote_window = window;
	ch->remote_max_packet = max_packet;
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_OPEN);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->channel = ch->local_id;
	ev->name = conn_event_string(c, type);
	ev->data = extra.p;
	ev->len = extra.len;
	c->question = Q_CHAN_OPEN;
	c->question_channel = ch->local_id;
	return 0;
}

static int chan_handle_open_reply(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	struct channel *ch = chan_get(c, rd_u32(r));
	if (type == SSH_MSG_CHANNEL_OPEN_CONFIRMATION) {
		uint32_t remote_id = rd_u32(r);
		uint32_t window = rd_u32(r);
		uint32_t max_packet = rd_u32(r);
		if (!rd_ok(r) || !ch || ch->state != CHAN_OPENING)
			return chan_bad(c, "unexpected CHANNEL_OPEN_CONFIRMATION");
		ch->state = CHAN_OPEN;
		ch->remote_id = remote_id;
		ch->remote_window = window;
		ch->remote_max_packet = max_packet;
		struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_OPEN_CONFIRMED);
		if (!ev)
			return BURROW_E_NOMEM;
		ev->channel = ch->local_id;
		return 0;
	}
	uint32_t reason = rd_u32(r);
	struct bstr text = rd_string(r);
	rd_string(r);
	if (!rd_done(r) || !ch || ch->state != CHAN_OPENING)
		return chan_bad(c, "unexpected CHANNEL_OPEN_FAILURE");
	chan_release(ch);
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_OPEN_FAILED);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->channel = ch->local_id;
	ev->reason = reason;
	ev->message = conn_event_string(c, text);
	return 0;
}

static int chan_handle_data(struct burrow_conn *c, uint8_t type, struct channel *ch, struct rd *r)
{
	uint32_t stream = type == SSH_MSG_CHANNEL_EXTENDED_DATA ? rd_u32(r) : 0;
	struct bstr data = rd_string(r);
	if (!rd_done(r))
		return chan_bad(c, "malformed channel data");
	if (ch->got_eof)
		return chan_bad(c, "channel data after EOF");
	if (data.len > ch->local_window || data.len > CHAN_PACKET_DEFAULT)
		return chan_bad(c, "channel data over the window or packet size");
	ch->local_window -= (uint32_t)data.len;
	if (data.len == 0)
		return 0;
	/* RFC 4254 5.2 defines only stderr; OpenSSH drops other type codes. The program never sees
	 * them (it may index its streams by the code), but their window is given back. */
	if (type == SSH_MSG_CHANNEL_EXTENDED_DATA && stream != SSH_EXTENDED_DATA_STDERR)
		return burrow_chan_consumed(c, ch->local_id, data.len);
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_DATA);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->channel = ch->local_id;
	ev->stream = (int)stream;
	ev->data = data.p;
	ev->len = data.len;
	return 0;
}

static int chan_handle_client_request(struct burrow_conn *c, struct channel *ch, struct bstr name,
				      bool want_reply, struct rd *r)
{
	if (bstr_eq(name, "exit-status")) {
		uint32_t status = rd_u32(r);
		if (!rd_done(r))
			return chan_bad(c, "malformed exit-status");
		struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_EXIT_STATUS);
		if (!ev)
			return BURROW_E_NOMEM;
		ev->channel = ch->local_id;
		ev->exit_status = status;
		return 0;
	}
	if (bstr_eq(name, "exit-signal")) {
		struct bstr signal = rd_string(r);
		bool core = rd_bool(r);
		struct bstr message = rd_string(r);
		rd_string(r);
		if (!rd_done(r))
			return chan_bad(c, "malformed exit-signal");
		struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_EXIT_SIGNAL);
		if (!ev)
			return BURROW_E_NOMEM;
		ev->channel = ch->local_id;
		ev->name = conn_event_string(c, signal);
		ev->core_dumped = core;
		ev->message = conn_event_string(c, message);
		return 0;
	}
	/* Anything else a server asks of a client (keepalive@openssh.com, ...) is declined. */
	if (want_reply && !ch->sent_close)
		return chan_send_simple(c, SSH_MSG_CHANNEL_FAILURE, ch->remote_id);
	return 0;
}

static int chan_handle_request(struct burrow_conn *c, struct channel *ch, struct rd *r)
{
	struct bstr name = rd_string(r);
	bool want_reply = rd_bool(r);
	if (!rd_ok(r))
		return chan_bad(c, "malformed CHANNEL_REQUEST");
	if (c->role == BURROW_CLIENT)
		return chan_handle_client_request(c, ch, name, want_reply, r);
	struct bstr data = rd_rest(r);
	if (bstr_eq(name, "exec") || bstr_eq(name, "subsystem")) {
		struct rd arg;
		rd_init(&arg, data.p, data.len);
		data = rd_string(&arg);
		if (!rd_done(&arg))
			return chan_bad(c, "malformed exec or subsystem request");
	}
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_REQUEST);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->channel = ch->local_id;
	ev->name = conn_event_string(c, name);
	ev->want_reply = want_reply;
	ev->data = data.p;
	ev->len = data.len;
	if (want_reply) {
		ch->replies_owed++;
		c->question = Q_CHAN_REQUEST;
		c->question_channel = ch->local_id;
	}
	return 0;
}

static int chan_handle_close(struct burrow_conn *c, struct channel *ch)
{
	ch->got_close = true;
	if (!ch->sent_close) {
		ch->sent_close = true;
		int err = chan_send_simple(c, SSH_MSG_CHANNEL_CLOSE, ch->remote_id);
		if (err < 0)
			return err;
	}
	chan_release(ch);
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_CLOSED);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->channel = ch->local_id;
	return 0;
}

/* ---- global requests (RFC 4254 4) ---- */

static int chan_handle_global_request(struct burrow_conn *c, struct rd *r)
{
	struct bstr name = rd_string(r);
	bool want_reply = rd_bool(r);
	if (!rd_ok(r))
		return chan_bad(c, "malformed GLOBAL_REQUEST");
	/* Host key rotation, OpenSSH PROTOCOL 2.5 (hostkeys_update.c). */
	if (c->role == BURROW_SERVER && bstr_eq(name, "hostkeys-prove-00@openssh.com"))
		return hostkeys_update_handle_prove(c, r, want_reply);
	bool ok = false;
	if (c->role == BURROW_CLIENT && bstr_eq(name, "hostkeys-00@openssh.com")) {
		int err = hostkeys_update_handle_announce(c, r);
		if (err < 0 || c->closed)
			return err;
		ok = true;
	}
	/* Anything else is not supported: RFC 4254 4 says answer FAILURE when asked. */
	if (!want_reply)
		return 0;
	transport_msg_begin(c, ok ? SSH_MSG_REQUEST_SUCCESS : SSH_MSG_REQUEST_FAILURE);
	return transport_msg_end(c);
}

int global_reply_expect(struct burrow_conn *c, enum global_reply_kind kind)
{
	if (c->global_replies_len >= GLOBAL_REPLIES_MAX)
		return BURROW_E_TOOBIG;
	c->global_replies[c->global_replies_len++] = (uint8_t)kind;
	return 0;
}

/* Replies carry no request name: they answer our requests in the order we sent them. */
static int chan_handle_global_reply(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	if (c->global_replies_len == 0)
		return chan_bad(c, "global request reply nobody asked for");
	enum global_reply_kind kind = (enum global_reply_kind)c->global_replies[0];
	c->global_replies_len--;
	memmove(c->global_replies, c->global_replies + 1, c->global_replies_len);
	switch (kind) {
	case GLOBAL_REPLY_HOSTKEYS_PROVE:
		return hostkeys_update_handle_prove_reply(c, type == SSH_MSG_REQUEST_SUCCESS, r);
	case GLOBAL_REPLY_KEEPALIVE:
		/* SUCCESS or FAILURE alike prove the peer alive; the packet itself reset the count. */
		return 0;
	default:
		return 0;
	}
}

/* ---- keepalives (OpenSSH's ServerAliveInterval / ClientAliveInterval) ---- */

#define KEEPALIVE_REQUEST "keepalive@openssh.com"

int burrow_conn_keepalive(struct burrow_conn *c)
{
	if (c->closed)
		return BURROW_E_CLOSED;
	/* Before authentication a connection-protocol message is a protocol error (RFC 4254 1). */
	if (!c->authenticated)
		return BURROW_E_STATE;
	c->keepalives_unanswered++;
	/* With GLOBAL_REPLIES_MAX requests unanswered the peer already has plenty to answer: the
	 * count still grows, so the program's *AliveCountMax gives up as it would have. */
	if (c->global_replies_len >= GLOBAL_REPLIES_MAX)
		return 0;
	struct buf *b = transport_msg_begin(c, SSH_MSG_GLOBAL_REQUEST);
	buf_put_cstring(b, KEEPALIVE_REQUEST);
	buf_put_bool(b, true);
	int err = transport_msg_end(c);
	/* Expected only once really queued, so that replies stay matched to requests. */
	return err < 0 ? err : global_reply_expect(c, GLOBAL_REPLY_KEEPALIVE);
}

unsigned burrow_conn_keepalives_unanswered(const struct burrow_conn *c)
{
	return c->keepalives_unanswered;
}

int channels_handle(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	switch (type) {
	case SSH_MSG_GLOBAL_REQUEST:
		return chan_handle_global_request(c, r);
	case SSH_MSG_REQUEST_SUCCESS:
	case SSH_MSG_REQUEST_FAILURE:
		return chan_handle_global_reply(c, type, r);
	case SSH_MSG_CHANNEL_OPEN:
		return chan_handle_open(c, r);
	case SSH_MSG_CHANNEL_OPEN_CONFIRMATION:
	case SSH_MSG_CHANNEL_OPEN_FAILURE:
		return chan_handle_open_reply(c, type, r);
	default:
		break;
	}
	if (type < SSH_MSG_CHANNEL_WINDOW_ADJUST || type > SSH_MSG_CHANNEL_FAILURE)
		return transport_send_unimplemented(c, c->recv.seq - 1);
	struct channel *ch = chan_get(c, rd_u32(r));
	if (!rd_ok(r) || !ch || ch->state != CHAN_OPEN || ch->got_close)
		return chan_bad(c, "message for a channel that is not open");
	switch (type) {
	case SSH_MSG_CHANNEL_WINDOW_ADJUST: {
		uint32_t add = rd_u32(r);
		if (!rd_done(r) || add > UINT32_MAX - ch->remote_window)
			return chan_bad(c, "bad CHANNEL_WINDOW_ADJUST");
		ch->remote_window += add;
		struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_WINDOW);
		if (ev)
			ev->channel = ch->local_id;
		return 0;
	}
	case SSH_MSG_CHANNEL_DATA:
	case SSH_MSG_CHANNEL_EXTENDED_DATA:
		return chan_handle_data(c, type, ch, r);
	case SSH_MSG_CHANNEL_EOF: {
		if (!rd_done(r))
			return chan_bad(c, "malformed CHANNEL_EOF");
		ch->got_eof = true;
		struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_EOF);
		if (!ev)
			return BURROW_E_NOMEM;
		ev->channel = ch->local_id;
		return 0;
	}
	case SSH_MSG_CHANNEL_CLOSE:
		if (!rd_done(r))
			return chan_bad(c, "malformed CHANNEL_CLOSE");
		return chan_handle_close(c, ch);
	case SSH_MSG_CHANNEL_REQUEST:
		return chan_handle_request(c, ch, r);
	case SSH_MSG_CHANNEL_SUCCESS:
	case SSH_MSG_CHANNEL_FAILURE: {
		if (!rd_done(r) || ch->replies_expected == 0)
			return chan_bad(c, "channel request reply nobody asked for");
		ch->replies_expected--;
		struct burrow_event *ev = conn_push_event(c, BURROW_EV_CHANNEL_REQUEST_REPLY);
		if (!ev)
			return BURROW_E_NOMEM;
		ev->channel = ch->local_id;
		ev->ok = type == SSH_MSG_CHANNEL_SUCCESS;
		return 0;
	}
	default:
		return transport_send_unimplemented(c, c->recv.seq - 1);
	}
}
