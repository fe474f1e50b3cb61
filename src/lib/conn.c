/*
 * The public connection object: owns one SSH connection, pulls messages from the transport,
 * routes them by number range (RFC 4250 4.1) to the owning state machine, and hands the
 * resulting events to the program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"
#include "kex.h"

#define CONN_MAX_BUFFERED_INPUT (16u * 1024 * 1024)

/* ---- events and errors ---- */

struct burrow_event *conn_push_event(struct burrow_conn *c, enum burrow_event_type type)
{
	/* The last slot is kept for DISCONNECTED, so the end of a connection is always reported. */
	size_t limit = type == BURROW_EV_DISCONNECTED ? EVENT_QUEUE_LEN : EVENT_QUEUE_LEN - 1;
	if (c->queue_len >= limit)
		return NULL;
	struct burrow_event *ev = &c->queue[(c->queue_head + c->queue_len) % EVENT_QUEUE_LEN];
	c->queue_len++;
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	return ev;
}

const char *conn_event_string(struct burrow_conn *c, struct bstr s)
{
	if (c->ev_string_count >= EVENT_STRINGS_MAX)
		return "";
	char *copy = malloc(s.len + 1);
	if (!copy)
		return "";
	for (size_t i = 0; i < s.len; i++)
		copy[i] = s.p[i] ? (char)s.p[i] : '?';
	copy[s.len] = 0;
	c->ev_strings[c->ev_string_count++] = copy;
	return copy;
}

static void conn_free_event_strings(struct burrow_conn *c)
{
	for (size_t i = 0; i < c->ev_string_count; i++)
		free(c->ev_strings[i]);
	c->ev_string_count = 0;
}

void conn_set_error(struct burrow_conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	va_end(ap);
}

/* Sends DISCONNECT with last_error as its text and reports the end to the program. */
static void conn_end(struct burrow_conn *c, uint32_t reason)
{
	transport_send_disconnect(c, reason, c->last_error);
	c->closed = true;
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_DISCONNECTED);
	if (ev) {
		ev->reason = reason;
		ev->message = c->last_error;
	}
}

static int conn_fail_v(struct burrow_conn *c, int err, uint32_t reason, const char *fmt, va_list ap)
{
	if (c->closed)
		return err;
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	c->msg_target = NULL;
	conn_end(c, reason);
	return err;
}

int conn_fail(struct burrow_conn *c, uint32_t reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int err = conn_fail_v(c, BURROW_E_PROTOCOL, reason, fmt, ap);
	va_end(ap);
	return err;
}

int conn_fail_code(struct burrow_conn *c, int err, uint32_t reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err = conn_fail_v(c, err, reason, fmt, ap);
	va_end(ap);
	return err;
}

/* ---- creation ---- */

/* Publickey authentication algorithms: the same list syntax as the others, over their own defaults. */
static int conn_set_pubkey_algs(struct burrow_conn *c, const char *given)
{
	const char *defaults = algos_default_pubkey();
	char *resolved = NULL;
	int err = given ? algos_resolve(defaults, given, &resolved) : 0;
	if (err == 0)
		err = algos_filter_supported(KEX_CAT_HOSTKEY, resolved ? resolved : defaults, &c->pubkey_algs);
	free(resolved);
	if (err < 0)
		return err;
	if (c->pubkey_algs[0] == 0) {
		conn_set_error(c, "no supported algorithm in '%s'", given ? given : defaults);
		return BURROW_E_NOMATCH;
	}
	return 0;
}

static int conn_set_prefs(struct burrow_conn *c, const struct burrow_config *cfg)
{
	const char *given[KEX_CAT_COUNT] = {
		cfg->kex_algorithms, cfg->hostkey_algorithms, cfg->ciphers, cfg->ciphers,
		cfg->macs, cfg->macs, cfg->compression, cfg->compression,
	};
	for (int cat = 0; cat < KEX_CAT_COUNT; cat++) {
		const char *list = algos_default(c->role, (enum kex_category)cat);
		char *resolved = NULL;
		int err = given[cat] ? algos_resolve(list, given[cat], &resolved) : 0;
		if (err == 0)
			err = algos_filter_supported((enum kex_category)cat, resolved ? resolved : list, &c->prefs[cat]);
		if (resolved)
			list = given[cat];
		free(resolved);
		if (err < 0)
			return err;
		bool may_be_empty = cat == KEX_CAT_MAC_C2S || cat == KEX_CAT_MAC_S2C;
		if (!may_be_empty && c->prefs[cat][0] == 0) {
			conn_set_error(c, "no supported algorithm in '%s'", list);
			return BURROW_E_NOMATCH;
		}
	}
	int err = conn_set_pubkey_algs(c, cfg->pubkey_algorithms);
	if (err < 0)
		return err;
	if (c->role == BURROW_SERVER) {
		/* Offer only the host key algorithms we hold keys for: an RSA key signs as
		 * rsa-sha2-512 and rsa-sha2-256 (and ssh-rsa when configured). */
		char *list = c->prefs[KEX_CAT_HOSTKEY];
		size_t used = 0, pos = 0;
		struct bstr name, whole = bstr_cstr(list);
		char *kept = malloc(whole.len + 1);
		if (!kept)
			return BURROW_E_NOMEM;
		while (namelist_next(whole, &pos, &name)) {
			char alg[65]; /* RFC 4251 6: names are at most 64 characters */
			bool have = false;
			if (name.len < sizeof(alg)) {
				memcpy(alg, name.p, name.len);
				alg[name.len] = 0;
				for (size_t i = 0; i < c->host_key_count; i++)
					have |= burrow_key_fits_sig_alg(c->host_keys[i], alg);
			}
			if (!have)
				continue;
			if (used)
				kept[used++] = ',';
			memcpy(kept + used, name.p, name.len);
			used += name.len;
		}
		kept[used] = 0;
		free(list);
		c->prefs[KEX_CAT_HOSTKEY] = kept;
		if (used == 0) {
			conn_set_error(c, "no host key for any offered host key algorithm");
			return BURROW_E_NOMATCH;
		}
	}
	return 0;
}

/* Every host-key signature goes through here: the program's signer under privilege separation
 * (the keys' private halves live in another process), else the key itself. */
int conn_host_key_sign(struct burrow_conn *c, const struct burrow_key *key, const char *alg, const uint8_t *data,
		       size_t len, uint8_t **sig, size_t *sig_len)
{
	*sig = NULL;
	*sig_len = 0;
	if (!c->host_key_sign)
		return burrow_key_sign(key, alg, data, len, sig, sig_len);
	int err = c->host_key_sign(c->host_key_sign_ctx, key, alg, data, len, sig, sig_len);
	if (err == 0 && (!*sig || *sig_len == 0))
		err = BURROW_E_CRYPTO;
	if (err < 0) {
		free(*sig);
		*sig = NULL;
		*sig_len = 0;
	}
	return err < 0 ? err : 0;
}

int conn_new_configured(const struct burrow_config *cfg, struct burrow_conn **out)
{
	*out = NULL;
	if (!cfg || (cfg->role != BURROW_CLIENT && cfg->role != BURROW_SERVER))
		return BURROW_E_INVALID;
	if (cfg->role == BURROW_SERVER && (!cfg->host_keys || cfg->host_key_count == 0))
		return BURROW_E_INVALID;
	struct burrow_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return BURROW_E_NOMEM;
	c->role = cfg->role;
	c->host_keys = (struct burrow_key **)cfg->host_keys;
	c->host_key_count = cfg->host_key_count;
	c->host_key_sign = cfg->host_key_sign;
	c->host_key_sign_ctx = cfg->host_key_sign_ctx;
	c->rekey_bytes = cfg->rekey_bytes;
	c->kex.dh_moduli = cfg->dh_moduli;
	c->rekey_seconds = cfg->rekey_seconds;
	c->server_auth_methods = bstr_dup(bstr_cstr(cfg->auth_methods ? cfg->auth_methods : "publickey"));
	int err = c->server_auth_methods ? conn_set_prefs(c, cfg) : BURROW_E_NOMEM;
	if (err == 0)
		err = auth_server_configure(c, cfg);
	if (err < 0) {
		burrow_conn_free(c);
		return err;
	}
	*out = c;
	return 0;
}

int burrow_conn_new(const struct burrow_config *cfg, struct burrow_conn **out)
{
	*out = NULL;
	struct burrow_conn *c = NULL;
	int err = conn_new_configured(cfg, &c);
	if (err == 0)
		err = transport_start(c);
	if (err == 0)
		err = kex_send_kexinit(c);
	if (err < 0) {
		burrow_conn_free(c);
		return err;
	}
	*out = c;
	return 0;
}

void burrow_conn_free(struct burrow_conn *c)
{
	if (!c)
		return;
	for (int cat = 0; cat < KEX_CAT_COUNT; cat++)
		free(c->prefs[cat]);
	free(c->server_auth_methods);
	free(c->pubkey_algs);
	free(c->my_version);
	free(c->peer_version);
	free(c->peer_sig_algs);
	burrow_key_free(c->server_host_key);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->deferred);
	transport_free(c);
	pkt_cipher_free(c->send.cipher);
	pkt_cipher_free(c->recv.cipher);
	kex_state_free(&c->kex);
	auth_client_free(&c->authc);
	auth_server_free(&c->auths);
	hostkeys_update_free(c);
	channels_free(c);
	conn_free_event_strings(c);
	crypto_wipe(c->session_id, sizeof(c->session_id));
	free(c);
}

/* ---- input, dispatch, output ---- */

int burrow_conn_feed(struct burrow_conn *c, const uint8_t *data, size_t len)
{
	if (c->closed)
		return BURROW_E_CLOSED;
	if (buf_len(&c->in) + len > CONN_MAX_BUFFERED_INPUT)
		return BURROW_E_TOOBIG;
	buf_put(&c->in, data, len);
	return buf_ok(&c->in) ? 0 : BURROW_E_NOMEM;
}

int burrow_conn_feed_eof(struct burrow_conn *c)
{
	c->peer_eof = true;
	return 0;
}

static int conn_handle_disconnect(struct burrow_conn *c, struct rd *r)
{
	uint32_t reason = rd_u32(r);
	struct bstr text = rd_string(r);
	rd_string(r); /* language tag */
	c->closed = true;
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_DISCONNECTED);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->reason = reason;
	ev->by_peer = true;
	ev->message = conn_event_string(c, rd_ok(r) ? text : bstr_cstr("(malformed DISCONNECT)"));
	snprintf(c->last_error, sizeof(c->last_error), "disconnected by peer: %s", ev->message);
	return 0;
}

/* RFC 8308 2.3: we read server-sig-algs and pass over extensions we do not know. */
static int conn_handle_ext_info(struct burrow_conn *c, struct rd *r)
{
	if (c->role != BURROW_CLIENT) /* we never offer ext-info-s */
		return 0;
	uint32_t n = rd_u32(r);
	for (uint32_t i = 0; i < n && rd_ok(r); i++) {
		struct bstr name = rd_string(r);
		struct bstr value = rd_string(r);
		if (rd_ok(r) && bstr_eq(name, "server-sig-algs")) {
			free(c->peer_sig_algs);
			c->peer_sig_algs = bstr_dup(value);
			c->peer_sig_algs_known = c->peer_sig_algs != NULL;
		}
		/* OpenSSH PROTOCOL 3.1: version "0" of host-bound publickey authentication. */
		if (rd_ok(r) && bstr_eq(name, "publickey-hostbound@openssh.com"))
			c->peer_pubkey_hostbound = bstr_eq(value, "0");
	}
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed EXT_INFO");
	return 0;
}

static const char *role_name(enum burrow_role role)
{
	return role == BURROW_CLIENT ? "client" : "server";
}

static int conn_dispatch(struct burrow_conn *c, struct bstr msg)
{
	struct rd r;
	rd_init(&r, msg.p, msg.len);
	uint8_t type = msg.p[0];
	struct kex_state *k = &c->kex;
	bool peer_in_kex = k->got_kexinit && !k->got_newkeys;
	bool kex_msg = type >= SSH_MSG_KEXINIT && type <= 49;

	if (type == SSH_MSG_DISCONNECT) {
		rd_u8(&r);
		return conn_handle_disconnect(c, &r);
	}
	/* Strict KEX: during the first exchange nothing but the exchange itself (Terrapin). */
	if (!k->done_once && k->strict && !kex_msg)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR,
				 "strict KEX violation: unexpected message %u during the initial key exchange", type);
	if (kex_msg)
		return kex_handle(c, type, &r);
	if (type >= SSH_MSG_IGNORE && type <= SSH_MSG_DEBUG)
		return 0; /* IGNORE, UNIMPLEMENTED and DEBUG change no state */
	/* RFC 4253 7.1: between the peer's KEXINIT and its NEWKEYS only kex messages may arrive. */
	if (peer_in_kex || !k->done_once)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected message %u during key exchange", type);
	rd_u8(&r);
	switch (type) {
	case SSH_MSG_SERVICE_REQUEST:
		if (c->role == BURROW_SERVER)
			return auth_server_service_request(c, &r);
		break;
	case SSH_MSG_SERVICE_ACCEPT:
		if (c->role == BURROW_CLIENT)
			return auth_client_service_accepted(c, &r);
		break;
	case SSH_MSG_EXT_INFO:
		return conn_handle_ext_info(c, &r);
	default:
		if (type >= SSH_MSG_USERAUTH_REQUEST && type <= 79)
			return c->role == BURROW_CLIENT ? auth_client_handle(c, type, &r) : auth_server_handle(c, type, &r);
		if (type >= SSH_MSG_GLOBAL_REQUEST && type <= 127) {
			if (!c->authenticated)
				return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR,
						 "connection message %u before authentication", type);
			return channels_handle(c, type, &r);
		}
		return transport_send_unimplemented(c, c->recv.seq - 1);
	}
	return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "message %u is not for a %s", type, role_name(c->role));
}

/* Server, once AUTH_SUCCESS has been taken: our host keys (OpenSSH PROTOCOL 2.5). Not at the
 * verdict itself, so that a connection exported right after AUTH_SUCCESS (conn_export.c) has
 * sent nothing compressed and the importer announces, as sshd's monitor does. */
static void conn_announce_host_keys(struct burrow_conn *c)
{
	if (c->role != BURROW_SERVER || !c->authenticated || c->hostkeys.announced || c->closed)
		return;
	int err = hostkeys_update_announce(c);
	if (err < 0)
		conn_fail_code(c, err, BURROW_DISCONNECT_BY_APPLICATION, "internal error: %s", burrow_strerror(err));
}

int burrow_conn_next_event(struct burrow_conn *c, struct burrow_event *ev)
{
	if (c->queue_len == 0) {
		conn_free_event_strings(c);
		transport_release_input(c);
		conn_announce_host_keys(c);
	}
	for (;;) {
		if (c->queue_len > 0) {
			*ev = c->queue[c->queue_head];
			if (ev->type == BURROW_EV_KEX_DONE)
				c->last_kex_ms = c->now_ms;
			c->queue_head = (c->queue_head + 1) % EVENT_QUEUE_LEN;
			c->queue_len--;
			return 1;
		}
		if (c->closed)
			return BURROW_E_CLOSED;
		if (c->question != Q_NONE)
			return BURROW_E_STATE;
		struct bstr msg;
		int r = transport_read_message(c, &msg);
		if (r == 0 && c->peer_eof) {
			c->closed = true;
			snprintf(c->last_error, sizeof(c->last_error), "connection closed by peer");
			struct burrow_event *end = conn_push_event(c, BURROW_EV_DISCONNECTED);
			if (end) {
				end->reason = BURROW_DISCONNECT_CONNECTION_LOST;
				end->message = c->last_error;
			}
			continue;
		}
		if (r == 0)
			return 0;
		if (r > 0) {
			/* Any packet shows the peer alive, as OpenSSH's ssh and sshd count it. */
			c->keepalives_unanswered = 0;
			r = conn_dispatch(c, msg);
			if (c->queue_len == 0)
				transport_release_input(c);
		}
		if (r < 0 && !c->closed)
			conn_fail_code(c, r, BURROW_DISCONNECT_PROTOCOL_ERROR, "internal error: %s", burrow_strerror(r));
	}
}

size_t burrow_conn_output(struct burrow_conn *c, const uint8_t **data)
{
	*data = buf_ptr(&c->out);
	return buf_len(&c->out);
}

void burrow_conn_output_consume(struct burrow_conn *c, size_t n)
{
	buf_consume(&c->out, n);
}

int burrow_conn_disconnect(struct burrow_conn *c, uint32_t reason, const char *message)
{
	if (c->closed)
		return BURROW_E_CLOSED;
	snprintf(c->last_error, sizeof(c->last_error), "%s", message ? message : "");
	conn_end(c, reason);
	return 0;
}

int burrow_conn_tick(struct burrow_conn *c, uint64_t now_ms)
{
	if (c->closed)
		return BURROW_E_CLOSED;
	c->now_ms = now_ms;
	if (!c->rekey_seconds || !c->kex.done_once || c->kex.in_progress)
		return 0;
	if (c->last_kex_ms == 0 || now_ms < c->last_kex_ms) {
		c->last_kex_ms = now_ms; /* first tick after the exchange starts the count */
		return 0;
	}
	if (now_ms - c->last_kex_ms < (uint64_t)c->rekey_seconds * 1000)
		return 0;
	c->last_kex_ms = now_ms;
	return kex_send_kexinit(c);
}

const char *burrow_conn_last_error(const struct burrow_conn *c)
{
	return c->last_error;
}

const char *burrow_conn_peer_version(const struct burrow_conn *c)
{
	return c->peer_version;
}

int burrow_conn_negotiated(const struct burrow_conn *c, struct burrow_negotiated *out)
{
	const struct kex_state *k = &c->kex;
	if (!k->chosen[KEX_CAT_KEX])
		return BURROW_E_STATE;
	out->kex = k->chosen[KEX_CAT_KEX];
	out->hostkey = k->chosen[KEX_CAT_HOSTKEY];
	out->cipher_c2s = k->chosen[KEX_CAT_CIPHER_C2S];
	out->cipher_s2c = k->chosen[KEX_CAT_CIPHER_S2C];
	out->mac_c2s = k->chosen[KEX_CAT_MAC_C2S];
	out->mac_s2c = k->chosen[KEX_CAT_MAC_S2C];
	out->comp_c2s = k->chosen[KEX_CAT_COMP_C2S];
	out->comp_s2c = k->chosen[KEX_CAT_COMP_S2C];
	out->strict_kex = k->strict;
	return 0;
}

int burrow_hostkey_verdict(struct burrow_conn *c, bool accept)
{
	if (c->role != BURROW_CLIENT || c->question != Q_HOSTKEY)
		return BURROW_E_STATE;
	c->question = Q_NONE;
	return kex_hostkey_verdict(c, accept);
}

int burrow_auth_verdict(struct burrow_conn *c, bool accept)
{
	if (c->role != BURROW_SERVER || c->question != Q_AUTH)
		return BURROW_E_STATE;
	c->question = Q_NONE;
	return auth_server_verdict(c, accept);
}
