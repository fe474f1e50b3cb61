/*
 * Session channel requests (RFC 4254 6): the client builds pty-req (6.2), window-change (6.7),
 * env (6.4), subsystem (6.5), signal (6.9) and break (RFC 4335); the server parses the
 * request-specific data of BURROW_EV_CHANNEL_REQUEST. The parsers allocate nothing: views point
 * into the event's data. Whether a value is acceptable (AcceptEnv, size clamps, which signals)
 * is the program's policy; here only the wire format and what can never be valid are checked.
 */
#include <string.h>

#include "conn_internal.h"

/* Signal names of "signal" requests; RFC 4254 6.10 lists the short ones, and OpenSSH PROTOCOL
 * allows "name@domain" extensions. 31 bytes leaves room for the NUL of the caller's name[32]. */
#define CHAN_SIGNAL_NAME_MAX 31
/* A terminal-modes string never comes near a packet; this bounds what we put in one. */
#define CHAN_TTYMODES_MAX (16u * 1024)
/* env names and values, subsystem names: generous, far below a packet. */
#define CHAN_REQUEST_STRING_MAX (64u * 1024)

/* A channel of ours that may still carry a request, as burrow_chan_request_exec requires. */
static struct channel *chan_requestable(struct burrow_conn *c, uint32_t id)
{
	if (c->closed || !c->chans || id >= c->chan_count)
		return NULL;
	struct channel *ch = &c->chans[id];
	if (ch->state != CHAN_OPEN || ch->sent_close)
		return NULL;
	return ch;
}

static struct buf *chan_request_start(struct burrow_conn *c, struct channel *ch, const char *name, bool want_reply)
{
	struct buf *b = transport_msg_begin(c, SSH_MSG_CHANNEL_REQUEST);
	buf_put_u32(b, ch->remote_id);
	buf_put_cstring(b, name);
	buf_put_bool(b, want_reply);
	return b;
}

/* Finishes the request; a reply is expected only once the message is really queued. */
static int chan_request_finish(struct burrow_conn *c, struct channel *ch, bool want_reply)
{
	int err = transport_msg_end(c);
	if (err == 0 && want_reply)
		ch->replies_expected++;
	return err;
}

static bool term_byte_ok(uint8_t b)
{
	return b >= 0x20 && b != 0x7f;
}

static bool signal_byte_ok(uint8_t b)
{
	return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '@' || b == '.' ||
	       b == '_' || b == '-';
}

static bool signal_name_ok(const uint8_t *p, size_t len)
{
	if (len == 0 || len > CHAN_SIGNAL_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!signal_byte_ok(p[i]))
			return false;
	return true;
}

/* ---- client: building ---- */

int burrow_chan_request_pty(struct burrow_conn *c, uint32_t id, const char *term, uint32_t cols, uint32_t rows,
			    uint32_t width_px, uint32_t height_px, const uint8_t *modes, size_t modes_len,
			    bool want_reply)
{
	if (!term || (modes_len && !modes))
		return BURROW_E_INVALID;
	size_t term_len = strlen(term);
	if (term_len > BURROW_TERM_MAX || modes_len > CHAN_TTYMODES_MAX)
		return BURROW_E_TOOBIG;
	for (size_t i = 0; i < term_len; i++)
		if (!term_byte_ok((uint8_t)term[i]))
			return BURROW_E_INVALID;
	struct channel *ch = chan_requestable(c, id);
	if (!ch)
		return c->closed ? BURROW_E_CLOSED : BURROW_E_STATE;
	struct buf *b = chan_request_start(c, ch, "pty-req", want_reply);
	buf_put_cstring(b, term);
	buf_put_u32(b, cols);
	buf_put_u32(b, rows);
	buf_put_u32(b, width_px);
	buf_put_u32(b, height_px);
	/* RFC 4254 6.2: an empty modes string still carries TTY_OP_END, as OpenSSH sends it. */
	static const uint8_t tty_op_end = 0;
	if (modes_len)
		buf_put_string(b, modes, modes_len);
	else
		buf_put_string(b, &tty_op_end, 1);
	return chan_request_finish(c, ch, want_reply);
}

int burrow_chan_request_window_change(struct burrow_conn *c, uint32_t id, uint32_t cols, uint32_t rows,
				      uint32_t width_px, uint32_t height_px)
{
	struct channel *ch = chan_requestable(c, id);
	if (!ch)
		return c->closed ? BURROW_E_CLOSED : BURROW_E_STATE;
	/* RFC 4254 6.7: want reply is always FALSE for window-change. */
	struct buf *b = chan_request_start(c, ch, "window-change", false);
	buf_put_u32(b, cols);
	buf_put_u32(b, rows);
	buf_put_u32(b, width_px);
	buf_put_u32(b, height_px);
	return chan_request_finish(c, ch, false);
}

int burrow_chan_request_env(struct burrow_conn *c, uint32_t id, const char *name, const char *value, bool want_reply)
{
	if (!name || !value || name[0] == 0)
		return BURROW_E_INVALID;
	if (strlen(name) > CHAN_REQUEST_STRING_MAX || strlen(value) > CHAN_REQUEST_STRING_MAX)
		return BURROW_E_TOOBIG;
	struct channel *ch = chan_requestable(c, id);
	if (!ch)
		return c->closed ? BURROW_E_CLOSED : BURROW_E_STATE;
	struct buf *b = chan_request_start(c, ch, "env", want_reply);
	buf_put_cstring(b, name);
	buf_put_cstring(b, value);
	return chan_request_finish(c, ch, want_reply);
}

int burrow_chan_request_subsystem(struct burrow_conn *c, uint32_t id, const char *name, bool want_reply)
{
	if (!name || name[0] == 0)
		return BURROW_E_INVALID;
	if (strlen(name) > CHAN_REQUEST_STRING_MAX)
		return BURROW_E_TOOBIG;
	struct channel *ch = chan_requestable(c, id);
	if (!ch)
		return c->closed ? BURROW_E_CLOSED : BURROW_E_STATE;
	struct buf *b = chan_request_start(c, ch, "subsystem", want_reply);
	buf_put_cstring(b, name);
	return chan_request_finish(c, ch, want_reply);
}

int burrow_chan_request_signal(struct burrow_conn *c, uint32_t id, const char *signal)
{
	if (!signal || !signal_name_ok((const uint8_t *)signal, strlen(signal)))
		return BURROW_E_INVALID;
	struct channel *ch = chan_requestable(c, id);
	if (!ch)
		return c->closed ? BURROW_E_CLOSED : BURROW_E_STATE;
	/* RFC 4254 6.9: no reply for "signal". */
	struct buf *b = chan_request_start(c, ch, "signal", false);
	buf_put_cstring(b, signal);
	return chan_request_finish(c, ch, false);
}

int burrow_chan_request_break(struct burrow_conn *c, uint32_t id, uint32_t ms, bool want_reply)
{
	struct channel *ch = chan_requestable(c, id);
	if (!ch)
		return c->closed ? BURROW_E_CLOSED : BURROW_E_STATE;
	struct buf *b = chan_request_start(c, ch, "break", want_reply);
	buf_put_u32(b, ms);
	return chan_request_finish(c, ch, want_reply);
}

/* ---- server: parsing ---- */

int burrow_pty_req_parse(const uint8_t *data, size_t len, struct burrow_pty_req *out)
{
	if (!out || (len && !data))
		return BURROW_E_INVALID;
	memset(out, 0, sizeof(*out));
	struct rd r;
	rd_init(&r, data, len);
	struct bstr term = rd_string(&r);
	uint32_t cols = rd_u32(&r);
	uint32_t rows = rd_u32(&r);
	uint32_t width_px = rd_u32(&r);
	uint32_t height_px = rd_u32(&r);
	struct bstr modes = rd_string(&r);
	if (!rd_done(&r) || term.len > BURROW_TERM_MAX)
		return BURROW_E_PARSE;
	/* TERM ends up in the environment and in terminfo lookups: no NUL, no control bytes. */
	for (size_t i = 0; i < term.len; i++)
		if (!term_byte_ok(term.p[i]))
			return BURROW_E_PARSE;
	memcpy(out->term, term.p, term.len);
	out->term[term.len] = 0;
	out->cols = cols;
	out->rows = rows;
	out->width_px = width_px;
	out->height_px = height_px;
	out->modes = modes.p;
	out->modes_len = modes.len;
	return 0;
}

int burrow_window_change_parse(const uint8_t *data, size_t len, struct burrow_window_change *out)
{
	if (!out || (len && !data))
		return BURROW_E_INVALID;
	memset(out, 0, sizeof(*out));
	struct rd r;
	rd_init(&r, data, len);
	uint32_t cols = rd_u32(&r);
	uint32_t rows = rd_u32(&r);
	uint32_t width_px = rd_u32(&r);
	uint32_t height_px = rd_u32(&r);
	if (!rd_done(&r))
		return BURROW_E_PARSE;
	out->cols = cols;
	out->rows = rows;
	out->width_px = width_px;
	out->height_px = height_px;
	return 0;
}

int burrow_env_req_parse(const uint8_t *data, size_t len, struct burrow_env_req *out)
{
	if (!out || (len && !data))
		return BURROW_E_INVALID;
	memset(out, 0, sizeof(*out));
	struct rd r;
	rd_init(&r, data, len);
	struct bstr name = rd_string(&r);
	struct bstr value = rd_string(&r);
	if (!rd_done(&r))
		return BURROW_E_PARSE;
	out->name = (const char *)name.p;
	out->name_len = name.len;
	out->value = (const char *)value.p;
	out->value_len = value.len;
	return 0;
}

int burrow_signal_req_parse(const uint8_t *data, size_t len, char name[32])
{
	if (!name || (len && !data))
		return BURROW_E_INVALID;
	name[0] = 0;
	struct rd r;
	rd_init(&r, data, len);
	struct bstr sig = rd_string(&r);
	if (!rd_done(&r) || !signal_name_ok(sig.p, sig.len))
		return BURROW_E_PARSE;
	memcpy(name, sig.p, sig.len);
	name[sig.len] = 0;
	return 0;
}

int burrow_break_req_parse(const uint8_t *data, size_t len, uint32_t *ms)
{
	if (!ms || (len && !data))
		return BURROW_E_INVALID;
	*ms = 0;
	struct rd r;
	rd_init(&r, data, len);
	uint32_t value = rd_u32(&r);
	if (!rd_done(&r))
		return BURROW_E_PARSE;
	*ms = value;
	return 0;
}
