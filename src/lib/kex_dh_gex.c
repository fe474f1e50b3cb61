/*
 * diffie-hellman-group-exchange-sha256 (RFC 4419, RFC 8270). The client asks for a group size
 * (KEX_DH_GEX_REQUEST: min, n, max), the server picks a safe prime from its moduli text
 * (KEX_DH_GEX_GROUP: p, g), then the DH exchange runs as for fixed groups with messages 32/33
 * and H = HASH(V_C || V_S || I_C || I_S || K_S || min || n || max || p || g || e || f || K).
 */
#include "kex.h"

#include <string.h>

/* OpenSSH's dh_estimate(): a group at least as strong as the symmetric keys (NIST SP 800-57),
 * capped by RFC 4419 3's 8192 bits. */
static uint32_t gex_group_bits_for(size_t need_bytes)
{
	size_t bits = need_bytes * 8;
	if (bits <= 112)
		return 2048;
	if (bits <= 128)
		return 3072;
	if (bits <= 192)
		return 7680;
	return 8192;
}

static void gex_hash_extra(struct burrow_conn *c, struct buf *h)
{
	struct kex_method_state *ms = c->kex.ms;
	buf_put_u32(h, ms->gex_min);
	buf_put_u32(h, ms->gex_n);
	buf_put_u32(h, ms->gex_max);
	buf_put_mpint(h, buf_ptr(&ms->gex_p), buf_len(&ms->gex_p));
	buf_put_mpint(h, buf_ptr(&ms->gex_g), buf_len(&ms->gex_g));
}

static int gex_start(struct burrow_conn *c)
{
	struct kex_method_state *ms = c->kex.ms;
	if (c->role == BURROW_SERVER) {
		ms->step = KEX_STEP_WAIT_GEX_REQUEST;
		return 0;
	}
	ms->gex_min = KEX_GEX_MIN_BITS;
	ms->gex_n = gex_group_bits_for(kex_need_bytes(c));
	ms->gex_max = KEX_GEX_MAX_BITS;
	struct buf *b = transport_msg_begin(c, SSH_MSG_KEX_DH_GEX_REQUEST);
	buf_put_u32(b, ms->gex_min);
	buf_put_u32(b, ms->gex_n);
	buf_put_u32(b, ms->gex_max);
	ms->step = KEX_STEP_WAIT_GEX_GROUP;
	return transport_msg_end(c);
}

static uint32_t clamp_bits(uint32_t v)
{
	return v < KEX_GEX_SERVER_MIN_BITS ? KEX_GEX_SERVER_MIN_BITS : v > KEX_GEX_MAX_BITS ? KEX_GEX_MAX_BITS : v;
}

static int gex_server_request(struct burrow_conn *c, struct rd *r)
{
	struct kex_method_state *ms = c->kex.ms;
	ms->gex_min = rd_u32(r);
	ms->gex_n = rd_u32(r);
	ms->gex_max = rd_u32(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed KEX_DH_GEX_REQUEST");
	/* As OpenSSH (kexgexs.c): the request must be ordered and reach our minimum; we then serve
	 * only groups inside our own bounds. The hash keeps the values as sent. */
	if (ms->gex_max < ms->gex_min || ms->gex_n < ms->gex_min || ms->gex_max < ms->gex_n ||
	    ms->gex_max < KEX_GEX_SERVER_MIN_BITS)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "DH group exchange request out of range: %u/%u/%u",
				 ms->gex_min, ms->gex_n, ms->gex_max);
	int err = kex_moduli_choose(c->kex.dh_moduli, clamp_bits(ms->gex_min), clamp_bits(ms->gex_n),
				    clamp_bits(ms->gex_max), &ms->gex_p, &ms->gex_g);
	if (err < 0)
		return conn_fail_code(c, err, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "no DH group for %u/%u/%u bits",
				      ms->gex_min, ms->gex_n, ms->gex_max);
	struct buf *b = transport_msg_begin(c, SSH_MSG_KEX_DH_GEX_GROUP);
	buf_put_mpint(b, buf_ptr(&ms->gex_p), buf_len(&ms->gex_p));
	buf_put_mpint(b, buf_ptr(&ms->gex_g), buf_len(&ms->gex_g));
	ms->step = KEX_STEP_WAIT_INIT;
	return transport_msg_end(c);
}

static int gex_client_group(struct burrow_conn *c, struct rd *r)
{
	struct kex_method_state *ms = c->kex.ms;
	struct bstr p = rd_mpint(r);
	struct bstr g = rd_mpint(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed KEX_DH_GEX_GROUP");
	/* RFC 4419 3 / RFC 8270: a group outside what we asked for, or not even plausible, is refused. */
	unsigned bits = dh_bits(p.p, p.len);
	if (bits < ms->gex_min || bits > ms->gex_max)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "DH group of %u bits is outside %u..%u", bits,
				 ms->gex_min, ms->gex_max);
	if (dh_check_group(p.p, p.len, g.p, g.len, ms->gex_min, ms->gex_max) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "invalid DH group from server");
	buf_reset(&ms->gex_p);
	buf_reset(&ms->gex_g);
	buf_put(&ms->gex_p, p.p, p.len);
	buf_put(&ms->gex_g, g.p, g.len);
	if (!buf_ok(&ms->gex_p) || !buf_ok(&ms->gex_g))
		return BURROW_E_NOMEM;
	return kex_exchange_send_init(c);
}

static int gex_handle(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	enum kex_step step = c->kex.ms->step;
	if (c->role == BURROW_SERVER && step == KEX_STEP_WAIT_GEX_REQUEST && type == SSH_MSG_KEX_DH_GEX_REQUEST)
		return gex_server_request(c, r);
	if (c->role == BURROW_CLIENT && step == KEX_STEP_WAIT_GEX_GROUP && type == SSH_MSG_KEX_DH_GEX_GROUP)
		return gex_client_group(c, r);
	return kex_exchange_handle(c, type, r);
}

static const struct kex_shape gex_shape = {
	.init_msg = SSH_MSG_KEX_DH_GEX_INIT,
	.reply_msg = SSH_MSG_KEX_DH_GEX_REPLY,
	.values_are_mpints = true,
	.client_keygen = kex_dh_keygen,
	.server_derive = kex_dh_server_derive,
	.client_derive = kex_dh_derive,
	.hash_extra = gex_hash_extra,
};

const struct kex_method kex_dh_gex_sha256 = {
	.name = "diffie-hellman-group-exchange-sha256",
	.hash = HASH_SHA256,
	.shape = &gex_shape,
	.params = NULL, /* the group comes from the exchange */
	.start = gex_start,
	.handle = gex_handle,
};

/* RFC 4419's original SHA-1 form: available for old peers, never offered by default. */
const struct kex_method kex_dh_gex_sha1 = {
	.name = "diffie-hellman-group-exchange-sha1",
	.hash = HASH_SHA1,
	.shape = &gex_shape,
	.params = NULL,
	.start = gex_start,
	.handle = gex_handle,
};
