/*
 * Moving a live server connection from one process to another: burrow_conn_export() in the
 * unprivileged pre-authentication child, burrow_conn_import() in the privileged monitor that
 * continues it as the user (the shape of OpenSSH's privilege separation, monitor.c / packet.c
 * ssh_packet_get_state).
 *
 * When: right after the program took BURROW_EV_AUTH_SUCCESS on a server connection, with no key
 * exchange running, nothing queued for the peer (the program flushed), no events or question
 * outstanding, no channel open and no global request awaiting a reply. At that point the whole
 * connection is a handful of values; anything else is BURROW_E_STATE.
 *
 * What the blob holds, and why:
 *   - both version lines and the session identifier: a later key exchange hashes them (RFC 4253 8)
 *     and hostkeys-prove-00 signs over the session identifier (OpenSSH PROTOCOL 2.5);
 *   - the eight negotiated names (burrow_conn_negotiated(), compression) and the public half of
 *     the host key the exchanges are signed with: the importer must hold that key, or the next
 *     exchange would be signed by one the client does not know;
 *   - strict KEX (sequence numbers reset at every NEWKEYS) and the peer's ext-info-c;
 *   - the authenticated user and the auth counters, the hostkeys-00 announcement flag;
 *   - per direction: sequence number, bytes and packets since the last exchange (rekey limits),
 *     and the cipher's running state (crypto.h struct pkt_cipher_state: keys, the AES-CTR counter,
 *     the AES-GCM invocation counter; chacha20-poly1305's nonce is the sequence number);
 *   - the input received but not yet read: a client may pipeline CHANNEL_OPEN after its
 *     request. For encrypt-and-MAC AES-CTR a peeked packet length has already consumed
 *     keystream, so its length and the "head decrypted" mark travel too;
 *   - the program's clock at the last exchange (time-based rekeying; a monotonic clock is
 *     system-wide, so both processes read the same one).
 * Not in it: host keys, algorithm preferences, moduli, limits and banner, which the importer's
 * config supplies (the monitor holds the host keys). Compression: zlib@openssh.com starts after
 * authentication, so at export no compressed packet has gone either way and the importer starts
 * both zlib streams fresh, as the peer does; "zlib" would have streams running since the first
 * NEWKEYS whose state zlib cannot hand over, so it is refused with BURROW_E_UNSUPPORTED.
 *
 * Trust: the blob comes from the unprivileged child, which may be compromised. The importer
 * checks the user against the one it authenticated, the session id against the exchange hash it
 * signed (when given), every negotiated name against its own cfg and the host key against those
 * it holds; it ignores the rekey counters and clocks (they restart at import). What it takes on
 * the child's word (keys, sequence numbers, input, flags) only concerns the child's own
 * connection: a lie breaks that connection, nothing more (see burrow.h).
 *
 * Format: SSH wire types (RFC 4251 5), read back only through the bounded reader; a magic string
 * and a version number first, every length checked against what its field can be, nothing left
 * over. The blob holds key material: burrow_conn_export_free() wipes it.
 */
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"

#define EXPORT_MAGIC "burrow-conn-export"
#define EXPORT_VERSION 1
#define EXPORT_MAX_NAME 64            /* RFC 4251 6: algorithm names */
#define EXPORT_MAX_USER 1024
#define EXPORT_MAX_SIG_ALGS 4096
#define EXPORT_MAX_INPUT (16u * 1024 * 1024) /* conn.c's bound on buffered input */

/* ---- export ---- */

static int export_check_state(const struct burrow_conn *c)
{
	const struct kex_state *k = &c->kex;
	if (c->role != BURROW_SERVER || c->closed || !c->authenticated || c->auths.state != AUTHS_DONE)
		return BURROW_E_STATE;
	if (!k->done_once || k->in_progress || k->sent_kexinit || k->got_kexinit || k->next_send || k->next_recv ||
	    !c->send.cipher || !c->recv.cipher)
		return BURROW_E_STATE;
	if (buf_len(&c->out) || buf_len(&c->deferred) || c->msg_target || c->question != Q_NONE || c->queue_len ||
	    c->global_replies_len)
		return BURROW_E_STATE;
	for (size_t i = 0; i < c->chan_count; i++)
		if (c->chans[i].state != CHAN_FREE)
			return BURROW_E_STATE;
	if (c->send.comp == COMP_ZLIB || c->recv.comp == COMP_ZLIB)
		return BURROW_E_UNSUPPORTED;
	if (c->send.z || c->recv.z) /* compressed packets went already: too late */
		return BURROW_E_STATE;
	return 0;
}

static void export_put_cipher(struct buf *b, const struct pkt_cipher_state *st)
{
	buf_put_cstring(b, st->alg->name);
	buf_put_cstring(b, st->mac ? st->mac->name : "");
	buf_put_string(b, st->key, st->alg->key_len);
	buf_put_string(b, st->iv, st->alg->iv_len);
	buf_put_string(b, st->mac_key, st->mac ? st->mac->key_len : 0);
	buf_put_bool(b, st->head_decrypted);
}

static int export_put_dir(struct buf *b, const struct transport_dir *dir)
{
	struct pkt_cipher_state st;
	int err = pkt_cipher_export_state(dir->cipher, &st);
	if (err < 0)
		return err;
	buf_put_u32(b, dir->seq);
	buf_put_u64(b, dir->bytes);
	buf_put_u64(b, dir->packets);
	export_put_cipher(b, &st);
	crypto_wipe(&st, sizeof(st));
	return 0;
}

static void export_put_opt_cstring(struct buf *b, const char *s)
{
	buf_put_cstring(b, s ? s : "");
}

/* The public half of the host key the exchanges sign with: the importer must hold that very key,
 * or the next exchange would be signed by a key the client does not know. */
static int export_put_host_key(struct buf *b, const struct burrow_key *key)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int err = key ? burrow_key_to_blob(key, &blob, &len) : BURROW_E_STATE;
	if (err < 0)
		return err;
	buf_put_string(b, blob, len);
	free(blob);
	return 0;
}

static int export_write(const struct burrow_conn *c, struct buf *b)
{
	const struct kex_state *k = &c->kex;
	buf_put_cstring(b, EXPORT_MAGIC);
	buf_put_u32(b, EXPORT_VERSION);
	buf_put_cstring(b, c->my_version);
	buf_put_cstring(b, c->peer_version);
	buf_put_string(b, c->session_id, c->session_id_len);
	for (int cat = 0; cat < KEX_CAT_COUNT; cat++)
		buf_put_cstring(b, k->chosen[cat]);
	int err = export_put_host_key(b, k->host_key_signer);
	if (err < 0)
		return err;
	buf_put_bool(b, k->strict);
	buf_put_bool(b, k->peer_ext_info);
	buf_put_bool(b, c->peer_sig_algs_known);
	export_put_opt_cstring(b, c->peer_sig_algs);
	buf_put_bool(b, c->peer_pubkey_hostbound);
	export_put_opt_cstring(b, c->auths.user);
	buf_put_u32(b, (uint32_t)c->auths.failures);
	buf_put_u32(b, (uint32_t)c->auths.attempts);
	buf_put_bool(b, c->auths.banner_sent);
	buf_put_bool(b, c->hostkeys.announced);
	buf_put_u64(b, c->now_ms);
	buf_put_u64(b, c->last_kex_ms);
	buf_put_bool(b, c->peer_eof);
	err = export_put_dir(b, &c->send);
	if (err == 0)
		err = export_put_dir(b, &c->recv);
	if (err < 0)
		return err;
	/* Input not yet read: what follows the packet the last event was about. Only an
	 * encrypt-and-MAC receiver's peek changed anything (keystream); the others peek again. */
	struct pkt_cipher_state recv_st;
	err = pkt_cipher_export_state(c->recv.cipher, &recv_st);
	bool keep_peek = err == 0 && recv_st.head_decrypted;
	crypto_wipe(&recv_st, sizeof(recv_st));
	if (err < 0)
		return err;
	buf_put_u32(b, keep_peek ? c->in_packet_len : 0);
	buf_put_string(b, buf_ptr(&c->in) + c->in_hold, buf_len(&c->in) - c->in_hold);
	return buf_ok(b) ? 0 : BURROW_E_NOMEM;
}

int burrow_conn_export(struct burrow_conn *c, uint8_t **blob, size_t *len)
{
	if (!c || !blob || !len)
		return BURROW_E_INVALID;
	*blob = NULL;
	*len = 0;
	int err = export_check_state(c);
	if (err < 0)
		return err;
	struct buf b;
	buf_init(&b);
	err = export_write(c, &b);
	uint8_t *copy = err == 0 ? malloc(buf_len(&b)) : NULL;
	if (err == 0 && !copy)
		err = BURROW_E_NOMEM;
	if (err == 0) {
		memcpy(copy, buf_ptr(&b), buf_len(&b));
		*blob = copy;
		*len = buf_len(&b);
	}
	buf_free(&b); /* wipes */
	return err;
}

void burrow_conn_export_free(uint8_t *blob, size_t len)
{
	if (!blob)
		return;
	crypto_wipe(blob, len);
	free(blob);
}

/* ---- import ---- */

/* A NUL-free string of at most max bytes, copied; NULL (and the reader failed) otherwise. */
static char *import_string(struct rd *r, size_t max)
{
	struct bstr s = rd_string(r);
	if (!rd_ok(r) || s.len > max) {
		rd_fail(r);
		return NULL;
	}
	char *copy = bstr_dup(s);
	if (!copy)
		rd_fail(r);
	return copy;
}

static bool import_bytes(struct rd *r, uint8_t *out, size_t want)
{
	struct bstr s = rd_string(r);
	if (!rd_ok(r) || s.len != want)
		return false;
	memcpy(out, s.p, want);
	return true;
}

/* The cipher of one direction, which must be what the key exchange negotiated for it. */
static int import_cipher(struct rd *r, bool encrypt, const char *cipher_name, const char *mac_name,
			 struct pkt_cipher **out)
{
	struct pkt_cipher_state st;
	memset(&st, 0, sizeof(st));
	st.encrypt = encrypt;
	struct bstr alg = rd_string(r);
	struct bstr mac = rd_string(r);
	int err = BURROW_E_PARSE;
	if (!rd_ok(r) || !bstr_eq(alg, cipher_name))
		goto out;
	st.alg = pkt_cipher_find((const char *)alg.p, alg.len);
	if (!st.alg)
		goto out;
	if (st.alg->tag_len == 0) {
		st.mac = pkt_mac_find((const char *)mac.p, mac.len);
		if (!st.mac || !bstr_eq(mac, mac_name))
			goto out;
	} else if (mac.len != 0) {
		goto out;
	}
	if (!import_bytes(r, st.key, st.alg->key_len) || !import_bytes(r, st.iv, st.alg->iv_len) ||
	    !import_bytes(r, st.mac_key, st.mac ? st.mac->key_len : 0))
		goto out;
	st.head_decrypted = rd_bool(r);
	if (!rd_ok(r))
		goto out;
	err = pkt_cipher_new_from_state(&st, out);
out:
	crypto_wipe(&st, sizeof(st));
	return err;
}

static int import_dir(struct burrow_conn *c, struct rd *r, bool sending)
{
	struct transport_dir *dir = sending ? &c->send : &c->recv;
	/* The server sends server-to-client. */
	enum kex_category cipher_cat = sending ? KEX_CAT_CIPHER_S2C : KEX_CAT_CIPHER_C2S;
	enum kex_category mac_cat = sending ? KEX_CAT_MAC_S2C : KEX_CAT_MAC_C2S;
	dir->seq = rd_u32(r);
	(void)rd_u64(r); /* bytes and packets since the last exchange: the child's word, so the */
	(void)rd_u64(r); /* RekeyLimit counts start again from zero rather than from a claim */
	dir->bytes = 0;
	dir->packets = 0;
	if (!rd_ok(r))
		return BURROW_E_PARSE;
	int err = import_cipher(r, sending, c->kex.chosen[cipher_cat], c->kex.chosen[mac_cat], &dir->cipher);
	if (err < 0)
		return err;
	transport_set_compression(c, sending);
	/* Only zlib@openssh.com can be taken up (see the top of this file). */
	return dir->comp == COMP_ZLIB ? BURROW_E_UNSUPPORTED : 0;
}

/* The importer's host keys must hold the one this connection was keyed with. */
static int import_host_key(struct burrow_conn *c, struct rd *r)
{
	struct kex_state *k = &c->kex;
	struct bstr blob = rd_string(r);
	struct burrow_key *key = NULL;
	if (!rd_ok(r) || burrow_key_from_blob(blob.p, blob.len, &key) < 0)
		return BURROW_E_PARSE;
	for (size_t i = 0; i < c->host_key_count && !k->host_key_signer; i++)
		if (burrow_key_equal_public(key, c->host_keys[i]) &&
		    burrow_key_fits_sig_alg(c->host_keys[i], k->chosen[KEX_CAT_HOSTKEY]))
			k->host_key_signer = c->host_keys[i];
	burrow_key_free(key);
	return k->host_key_signer ? 0 : BURROW_E_NOTFOUND;
}

/* A MAC name is "<implicit>" exactly when the cipher of its direction is an AEAD one. */
static bool import_mac_fits(const struct pkt_cipher_alg *cipher, const char *mac_name)
{
	bool implicit = strcmp(mac_name, "<implicit>") == 0;
	return cipher && (cipher->tag_len != 0) == implicit;
}

/* The negotiated names come from the unprivileged child: each must be one the importer's own
 * config would have allowed (c->prefs, resolved from cfg as for a fresh connection), so a
 * compromised child cannot smuggle in an algorithm the administrator turned off. */
static int import_chosen(struct burrow_conn *c, struct rd *r)
{
	struct kex_state *k = &c->kex;
	for (int cat = 0; cat < KEX_CAT_COUNT; cat++) {
		k->chosen[cat] = import_string(r, EXPORT_MAX_NAME);
		if (!k->chosen[cat])
			return BURROW_E_PARSE;
	}
	if (!rd_ok(r))
		return BURROW_E_PARSE;
	k->cipher_c2s = pkt_cipher_find(k->chosen[KEX_CAT_CIPHER_C2S], strlen(k->chosen[KEX_CAT_CIPHER_C2S]));
	k->cipher_s2c = pkt_cipher_find(k->chosen[KEX_CAT_CIPHER_S2C], strlen(k->chosen[KEX_CAT_CIPHER_S2C]));
	k->mac_c2s = pkt_mac_find(k->chosen[KEX_CAT_MAC_C2S], strlen(k->chosen[KEX_CAT_MAC_C2S]));
	k->mac_s2c = pkt_mac_find(k->chosen[KEX_CAT_MAC_S2C], strlen(k->chosen[KEX_CAT_MAC_S2C]));
	if (!k->cipher_c2s || !k->cipher_s2c || !import_mac_fits(k->cipher_c2s, k->chosen[KEX_CAT_MAC_C2S]) ||
	    !import_mac_fits(k->cipher_s2c, k->chosen[KEX_CAT_MAC_S2C]))
		return BURROW_E_PARSE;
	for (int cat = 0; cat < KEX_CAT_COUNT; cat++) {
		struct bstr name = bstr_cstr(k->chosen[cat]);
		bool is_mac = cat == KEX_CAT_MAC_C2S || cat == KEX_CAT_MAC_S2C;
		if (is_mac && bstr_eq(name, "<implicit>"))
			continue; /* checked with its cipher above */
		if (!algos_supported((enum kex_category)cat, name) ||
		    !namelist_contains(bstr_cstr(c->prefs[cat]), name))
			return BURROW_E_NOMATCH;
	}
	return import_host_key(c, r);
}

static int import_session(struct burrow_conn *c, const struct burrow_import_expect *opts, struct rd *r)
{
	struct bstr magic = rd_string(r);
	uint32_t version = rd_u32(r);
	if (!rd_ok(r) || !bstr_eq(magic, EXPORT_MAGIC) || version != EXPORT_VERSION)
		return BURROW_E_PARSE;
	c->my_version = import_string(r, TRANSPORT_VERSION_MAX);
	c->peer_version = import_string(r, TRANSPORT_VERSION_MAX);
	struct bstr sid = rd_string(r);
	if (!rd_ok(r) || sid.len == 0 || sid.len > sizeof(c->session_id))
		return BURROW_E_PARSE;
	if (opts->expected_session_id &&
	    (sid.len != opts->expected_session_id_len ||
	     crypto_ct_equal(sid.p, opts->expected_session_id, sid.len) != 1))
		return BURROW_E_NOMATCH;
	memcpy(c->session_id, sid.p, sid.len);
	c->session_id_len = sid.len;
	return import_chosen(c, r);
}

static int import_auth(struct burrow_conn *c, const struct burrow_import_expect *opts, struct rd *r)
{
	c->kex.strict = rd_bool(r);
	c->kex.peer_ext_info = rd_bool(r);
	c->peer_sig_algs_known = rd_bool(r);
	c->peer_sig_algs = import_string(r, EXPORT_MAX_SIG_ALGS);
	c->peer_pubkey_hostbound = rd_bool(r);
	c->auths.user = import_string(r, EXPORT_MAX_USER);
	uint32_t failures = rd_u32(r), attempts = rd_u32(r);
	c->auths.banner_sent = rd_bool(r);
	c->hostkeys.announced = rd_bool(r);
	(void)rd_u64(r); /* the child's clock and last exchange time: not trusted, see below */
	(void)rd_u64(r);
	c->peer_eof = rd_bool(r);
	if (!rd_ok(r) || failures > INT32_MAX || attempts > INT32_MAX)
		return BURROW_E_PARSE;
	/* The monitor authenticated this user itself; a child naming another is lying. */
	if (!c->auths.user || strcmp(c->auths.user, opts->expected_user) != 0)
		return BURROW_E_NOMATCH;
	/* Time-based rekeying counts afresh from the importer's first tick (conn.c: 0 = no clock yet). */
	c->now_ms = 0;
	c->last_kex_ms = 0;
	c->auths.failures = (int)failures;
	c->auths.attempts = (int)attempts;
	c->auths.state = AUTHS_DONE;
	c->authenticated = true;
	return 0;
}

/* The unread input, and a packet length an encrypt-and-MAC peek had already decrypted. */
static int import_input(struct burrow_conn *c, struct rd *r)
{
	uint32_t packet_len = rd_u32(r);
	struct bstr pending = rd_string(r);
	if (!rd_done(r) || pending.len > EXPORT_MAX_INPUT)
		return BURROW_E_PARSE;
	struct pkt_cipher_state st;
	int err = pkt_cipher_export_state(c->recv.cipher, &st);
	bool peeked = st.head_decrypted;
	size_t block = st.alg ? st.alg->block_size : 0;
	crypto_wipe(&st, sizeof(st));
	if (err < 0)
		return err;
	/* As transport.c checks a length it peeks: bounded, whole blocks, the peeked block present. */
	if (peeked != (packet_len != 0) ||
	    (peeked && (packet_len > TRANSPORT_MAX_PACKET_LEN || packet_len < 1 + 4 + 1 ||
			(packet_len + 4) % block != 0 || pending.len < block)))
		return BURROW_E_PARSE;
	c->in_packet_len = packet_len;
	buf_put(&c->in, pending.p, pending.len);
	return buf_ok(&c->in) ? 0 : BURROW_E_NOMEM;
}

int burrow_conn_import(const struct burrow_config *cfg, const struct burrow_import_expect *expect,
		       const uint8_t *blob, size_t len, struct burrow_conn **out)
{
	if (!out)
		return BURROW_E_INVALID;
	*out = NULL;
	if (!cfg || cfg->role != BURROW_SERVER || (!blob && len) || !expect || !expect->expected_user ||
	    (expect->expected_session_id && expect->expected_session_id_len == 0))
		return BURROW_E_INVALID;
	struct burrow_conn *c = NULL;
	int err = conn_new_configured(cfg, &c);
	if (err < 0)
		return err;
	struct rd r;
	rd_init(&r, blob, len);
	err = import_session(c, expect, &r);
	if (err == 0)
		err = import_auth(c, expect, &r);
	if (err == 0)
		err = import_dir(c, &r, true);
	if (err == 0)
		err = import_dir(c, &r, false);
	if (err == 0)
		err = import_input(c, &r);
	if (err < 0) {
		burrow_conn_free(c); /* wipes the ciphers and the session id */
		return err;
	}
	c->version_done = true;
	c->kex.done_once = true;
	*out = c;
	return 0;
}
