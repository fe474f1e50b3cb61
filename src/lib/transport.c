/*
 * The transport layer (RFC 4253): version exchange (4.2), the binary packet protocol (6),
 * sequence numbers (6.4), and holding back our own messages while a key exchange runs (7.1).
 */
#include <stdio.h>
#include <string.h>

#include "compress.h"
#include "conn_internal.h"

static const char burrow_version_line[] = "SSH-2.0-burrow_" BURROW_VERSION;

int transport_start(struct burrow_conn *c)
{
	c->my_version = bstr_dup(bstr_cstr(burrow_version_line));
	if (!c->my_version)
		return BURROW_E_NOMEM;
	buf_put(&c->out, burrow_version_line, strlen(burrow_version_line));
	buf_put(&c->out, "\r\n", 2);
	return buf_ok(&c->out) ? 0 : BURROW_E_NOMEM;
}

static bool version_chars_ok(struct bstr line)
{
	for (size_t i = 0; i < line.len; i++)
		if (line.p[i] < 0x20 || line.p[i] > 0x7e)
			return false;
	return true;
}

static bool has_prefix(struct bstr s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.len >= n && memcmp(s.p, prefix, n) == 0;
}

/* One line (without CR LF) from the peer before packets start. 1: it was the version, 0: another line. */
static int transport_take_line(struct burrow_conn *c, struct bstr line)
{
	if (!has_prefix(line, "SSH-")) {
		/* RFC 4253 4.2: only a server may send other lines first. */
		if (c->role == BURROW_SERVER)
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "bad protocol version identification '%.*s'",
					 (int)(line.len > 64 ? 64 : line.len), (const char *)line.p);
		return 0;
	}
	if (!version_chars_ok(line))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "version line holds control characters");
	if (!has_prefix(line, "SSH-2.0-") && !has_prefix(line, "SSH-1.99-"))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED,
				 "protocol version not supported: '%.*s'", (int)(line.len > 64 ? 64 : line.len),
				 (const char *)line.p);
	c->peer_version = bstr_dup(line);
	if (!c->peer_version)
		return BURROW_E_NOMEM;
	return 1;
}

static int transport_read_version(struct burrow_conn *c)
{
	while (!c->version_done) {
		const uint8_t *p = buf_ptr(&c->in);
		size_t avail = buf_len(&c->in);
		const uint8_t *nl = avail ? memchr(p, '\n', avail) : NULL;
		if (!nl) {
			if (avail >= TRANSPORT_VERSION_MAX)
				return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "version line too long");
			return 0;
		}
		size_t line_len = (size_t)(nl - p) + 1;
		if (line_len > TRANSPORT_VERSION_MAX)
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "version line too long");
		c->pre_version_bytes += line_len;
		if (c->pre_version_bytes > TRANSPORT_MAX_PRE_VERSION_BYTES)
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "no version line from peer");
		struct bstr line = bstr_from(p, line_len - 1);
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		int r = transport_take_line(c, line);
		buf_consume(&c->in, line_len);
		if (r < 0)
			return r;
		if (r == 1)
			c->version_done = true;
	}
	return 1;
}


/* Padding alignment: whole packet, or everything after the length when the length is in clear. */
struct packet_shape {
	size_t block, tag;
	size_t peek;         /* bytes needed before the length can be known */
	bool length_aligned; /* the 4 length bytes count towards the block alignment */
};

static struct packet_shape packet_shape(const struct pkt_cipher *ci)
{
	struct packet_shape s = { 8, 0, 4, true };
	if (ci) {
		const struct pkt_cipher_alg *alg = pkt_cipher_alg(ci);
		s.block = alg->block_size < 8 ? 8 : alg->block_size;
		s.tag = pkt_cipher_tag_len(ci);
		s.peek = pkt_cipher_peek_size(ci);
		/* AEAD and -etm modes treat the length as additional data, outside the alignment, even
		 * chacha20-poly1305 which encrypts it (OpenSSH packet.c: aadlen = 4). */
		s.length_aligned = !pkt_cipher_length_is_aad(ci);
	}
	return s;
}

void transport_set_compression(struct burrow_conn *c, bool sending)
{
	const char *name = c->kex.chosen[sending == (c->role == BURROW_CLIENT) ? KEX_CAT_COMP_C2S : KEX_CAT_COMP_S2C];
	struct transport_dir *dir = sending ? &c->send : &c->recv;
	if (name && strcmp(name, "zlib@openssh.com") == 0)
		dir->comp = COMP_ZLIB_DELAYED;
	else if (name && strcmp(name, "zlib") == 0)
		dir->comp = COMP_ZLIB;
	else
		dir->comp = COMP_NONE;
}

/* Whether this direction compresses now; makes the zlib stream on first use. */
static bool transport_compressing(struct burrow_conn *c, struct transport_dir *dir)
{
	bool on = dir->comp == COMP_ZLIB || (dir->comp == COMP_ZLIB_DELAYED && c->authenticated);
	if (on && !dir->z && compress_new(dir == &c->send, &dir->z) < 0)
		return false;
	return on && dir->z;
}

void transport_free(struct burrow_conn *c)
{
	compress_free(c->send.z);
	compress_free(c->recv.z);
	buf_free(&c->zbuf);
	buf_free(&c->zbuf_send);
}

static int transport_read_packet(struct burrow_conn *c, struct bstr *msg)
{
	struct packet_shape shape = packet_shape(c->recv.cipher);
	uint8_t *p = buf_ptr(&c->in);
	size_t avail = buf_len(&c->in);
	if (c->in_packet_len == 0) {
		if (avail < shape.peek)
			return 0;
		uint32_t len;
		if (c->recv.cipher) {
			int r = pkt_cipher_peek_length(c->recv.cipher, c->recv.seq, p, &len);
			if (r < 0)
				return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "cannot decrypt packet length");
		} else {
			struct rd r;
			rd_init(&r, p, avail);
			len = rd_u32(&r);
		}
		size_t aligned = len + (shape.length_aligned ? 4 : 0);
		if (len > TRANSPORT_MAX_PACKET_LEN)
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "packet length %u over the limit of %u",
					 len, TRANSPORT_MAX_PACKET_LEN);
		if (len < 1 + 4 + 1 || aligned % shape.block != 0)
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "bad packet length %u", len);
		c->in_packet_len = len;
	}
	size_t total = 4 + (size_t)c->in_packet_len + shape.tag;
	if (avail < total)
		return 0;
	if (c->recv.cipher) {
		int r = pkt_cipher_open(c->recv.cipher, c->recv.seq, p, 4 + c->in_packet_len, p + 4 + c->in_packet_len);
		if (r == BURROW_E_MAC)
			return conn_fail_code(c, BURROW_E_MAC, BURROW_DISCONNECT_MAC_ERROR, "corrupted MAC on input");
		if (r < 0)
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "packet decryption failed");
	}
	uint32_t len = c->in_packet_len;
	uint8_t padding = p[4];
	if (padding < 4 || (uint32_t)padding + 1 >= len)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "bad padding length %u", padding);
	*msg = bstr_from(p + 5, len - 1 - padding);
	c->in_packet_len = 0;
	c->in_hold = total;
	c->recv.seq++;
	c->recv.bytes += total;
	c->recv.packets++;
	if (transport_compressing(c, &c->recv)) {
		int err = compress_inflate(c->recv.z, msg->p, msg->len, &c->zbuf);
		if (err == BURROW_E_TOOBIG)
			return conn_fail(c, BURROW_DISCONNECT_COMPRESSION_ERROR, "packet inflates past %u bytes",
					 COMPRESS_MAX_INFLATED);
		if (err < 0)
			return conn_fail_code(c, err, BURROW_DISCONNECT_COMPRESSION_ERROR, "corrupt compressed packet");
		*msg = bstr_from(buf_ptr(&c->zbuf), buf_len(&c->zbuf));
	}
	if (msg->len == 0)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "empty packet");
	return 1;
}

int transport_read_message(struct burrow_conn *c, struct bstr *msg)
{
	if (c->closed)
		return BURROW_E_CLOSED;
	if (!c->version_done) {
		int r = transport_read_version(c);
		if (r <= 0)
			return r;
	}
	int r = transport_read_packet(c, msg);
	/* A limit reached by what we receive starts a rekey as well as one reached by sending. */
	if (r > 0 && !c->kex.in_progress && kex_rekey_due(c)) {
		int err = kex_send_kexinit(c);
		if (err < 0)
			return err;
	}
	return r;
}

void transport_release_input(struct burrow_conn *c)
{
	if (c->in_hold) {
		buf_consume(&c->in, c->in_hold);
		c->in_hold = 0;
	}
}

bool transport_sending_blocked(const struct burrow_conn *c)
{
	return c->kex.sent_kexinit && !c->kex.sent_newkeys;
}

/* RFC 4253 7.1: while our key exchange runs only these may go out. */
static bool allowed_during_kex(uint8_t type)
{
	return (type >= SSH_MSG_DISCONNECT && type <= SSH_MSG_DEBUG) || (type >= SSH_MSG_KEXINIT && type <= 49);
}

struct buf *transport_msg_begin(struct burrow_conn *c, uint8_t type)
{
	struct buf *b = transport_sending_blocked(c) && !allowed_during_kex(type) ? &c->deferred : &c->out;
	c->msg_target = b;
	c->msg_start = buf_len(b);
	/* out: uint32 packet_length + byte padding_length, filled in at the end; deferred: uint32 length */
	buf_extend(b, b == &c->out ? 5 : 4);
	buf_put_u8(b, type);
	return b;
}

/* Random padding from a pool refilled in bulk: one libcrypto call per ~100 packets, not per packet. */
static int transport_random_padding(struct burrow_conn *c, uint8_t *out, size_t n)
{
	if (c->pad_pool_left < n) {
		int err = crypto_random(c->pad_pool, sizeof(c->pad_pool));
		if (err < 0)
			return err;
		c->pad_pool_left = sizeof(c->pad_pool);
	}
	memcpy(out, c->pad_pool + sizeof(c->pad_pool) - c->pad_pool_left, n);
	c->pad_pool_left -= n;
	return 0;
}

/* Pads, frames and seals the message that starts at `start` in c->out. */
static int transport_seal(struct burrow_conn *c, size_t start)
{
	struct packet_shape shape = packet_shape(c->send.cipher);
	struct buf *b = &c->out;
	if (transport_compressing(c, &c->send)) {
		/* The payload moves to scratch and comes back deflated in its place. */
		buf_reset(&c->zbuf_send);
		buf_put(&c->zbuf_send, buf_ptr(b) + start + 5, buf_len(b) - start - 5);
		buf_truncate(b, start + 5);
		int err = buf_ok(&c->zbuf_send) ? compress_deflate(c->send.z, buf_ptr(&c->zbuf_send), buf_len(&c->zbuf_send), b)
						: BURROW_E_NOMEM;
		if (err < 0)
			return err;
	}
	size_t payload_len = buf_len(b) - start - 5;
	size_t covered = (shape.length_aligned ? 4 : 0) + 1 + payload_len;
	size_t padding = shape.block - covered % shape.block;
	if (padding < 4)
		padding += shape.block;
	uint8_t *tail = buf_extend(b, padding + shape.tag);
	if (!tail)
		return BURROW_E_NOMEM;
	int err = transport_random_padding(c, tail, padding);
	if (err < 0)
		return err;
	uint8_t *p = buf_ptr(b) + start;
	uint32_t packet_len = (uint32_t)(1 + payload_len + padding);
	buf_store_u32(p, packet_len);
	p[4] = (uint8_t)padding;
	if (c->send.cipher) {
		err = pkt_cipher_seal(c->send.cipher, c->send.seq, p, 4 + packet_len, p + 4 + packet_len);
		if (err < 0)
			return err;
	}
	c->send.seq++;
	c->send.bytes += 4 + packet_len + shape.tag;
	c->send.packets++;
	return 0;
}

int transport_msg_end(struct burrow_conn *c)
{
	struct buf *b = c->msg_target;
	c->msg_target = NULL;
	if (!b || !buf_ok(b))
		return BURROW_E_NOMEM;
	if (b == &c->deferred) {
		buf_store_u32(buf_ptr(b) + c->msg_start, (uint32_t)(buf_len(b) - c->msg_start - 4));
		return 0;
	}
	int r = transport_seal(c, c->msg_start);
	if (r < 0)
		return r;
	if (!c->kex.in_progress && kex_rekey_due(c))
		return kex_send_kexinit(c);
	return 0;
}

int transport_flush_deferred(struct burrow_conn *c)
{
	struct rd r;
	rd_init(&r, buf_ptr(&c->deferred), buf_len(&c->deferred));
	while (rd_remaining(&r) > 0) {
		struct bstr payload = rd_string(&r);
		if (!rd_ok(&r) || payload.len == 0)
			return BURROW_E_INVALID;
		size_t start = buf_len(&c->out);
		buf_extend(&c->out, 5);
		buf_put(&c->out, payload.p, payload.len);
		if (!buf_ok(&c->out))
			return BURROW_E_NOMEM;
		int err = transport_seal(c, start);
		if (err < 0)
			return err;
	}
	buf_reset(&c->deferred);
	return 0;
}

int transport_send_disconnect(struct burrow_conn *c, uint32_t reason, const char *message)
{
	struct buf *b = transport_msg_begin(c, SSH_MSG_DISCONNECT);
	buf_put_u32(b, reason);
	buf_put_cstring(b, message);
	buf_put_cstring(b, "");
	return transport_msg_end(c);
}

int transport_send_unimplemented(struct burrow_conn *c, uint32_t seq)
{
	struct buf *b = transport_msg_begin(c, SSH_MSG_UNIMPLEMENTED);
	buf_put_u32(b, seq);
	return transport_msg_end(c);
}
