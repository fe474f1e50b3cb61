/*
 * Key exchange orchestration (RFC 4253 7-9): KEXINIT, negotiation, NEWKEYS, key derivation,
 * rekeying, and strict KEX (OpenSSH PROTOCOL, "kex-strict-*-v00@openssh.com", the Terrapin fix).
 * The methods themselves live in kex_<method>.c.
 */
#include "kex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRICT_KEX_CLIENT "kex-strict-c-v00@openssh.com"
#define STRICT_KEX_SERVER "kex-strict-s-v00@openssh.com"
#define EXT_INFO_CLIENT "ext-info-c"

/* OpenSSH's words, so a user sees the same "no matching cipher found" from either program. */
static const char *const category_names[KEX_CAT_COUNT] = {
	"key exchange method", "host key type", "cipher", "cipher", "MAC", "MAC",
	"compression method", "compression method",
};

static const struct kex_method *const kex_methods[] = {
	&kex_mlkem768x25519_sha256,
	&kex_sntrup761x25519_sha512,
	&kex_sntrup761x25519_sha512_openssh,
	&kex_curve25519_sha256,
	&kex_curve25519_sha256_libssh,
	&kex_ecdh_sha2_nistp256,
	&kex_ecdh_sha2_nistp384,
	&kex_ecdh_sha2_nistp521,
	&kex_dh_gex_sha256,
	&kex_dh_gex_sha1,
	&kex_dh_group16_sha512,
	&kex_dh_group18_sha512,
	&kex_dh_group14_sha256,
	&kex_dh_group14_sha1,
	&kex_dh_group1_sha1,
};

const struct kex_method *kex_method_find(struct bstr name)
{
	for (size_t i = 0; i < sizeof(kex_methods) / sizeof(kex_methods[0]); i++)
		if (bstr_eq(name, kex_methods[i]->name))
			return kex_methods[i];
	return NULL;
}

static void kex_method_state_free(struct kex_method_state *ms)
{
	if (!ms)
		return;
	buf_free(&ms->q_c);
	buf_free(&ms->gex_p);
	buf_free(&ms->gex_g);
	ecdh_key_free(ms->ecdh);
	dh_key_free(ms->dh);
	crypto_wipe(ms, sizeof(*ms));
	free(ms);
}

void kex_state_free(struct kex_state *k)
{
	kex_method_state_free(k->ms);
	k->ms = NULL;
	buf_free(&k->my_kexinit);
	buf_free(&k->peer_kexinit);
	buf_free(&k->shared_secret);
	for (int i = 0; i < KEX_CAT_COUNT; i++) {
		free(k->chosen[i]);
		k->chosen[i] = NULL;
	}
	pkt_cipher_free(k->next_send);
	pkt_cipher_free(k->next_recv);
	k->next_send = k->next_recv = NULL;
	burrow_key_free(k->peer_host_key);
	k->peer_host_key = NULL;
	crypto_wipe(k->hash, sizeof(k->hash));
}

int kex_send_kexinit(struct burrow_conn *c)
{
	struct kex_state *k = &c->kex;
	uint8_t cookie[16];
	if (crypto_random(cookie, sizeof(cookie)) < 0)
		return BURROW_E_CRYPTO;
	k->in_progress = true;
	k->sent_kexinit = true;
	struct buf *b = transport_msg_begin(c, SSH_MSG_KEXINIT);
	size_t payload_start = buf_len(b) - 1;
	buf_put(b, cookie, sizeof(cookie));
	for (int cat = 0; cat < KEX_CAT_COUNT; cat++) {
		if (cat == KEX_CAT_KEX && !k->done_once) {
			/* Pseudo-algorithms go in the first KEXINIT only (RFC 8308 2.1, OpenSSH PROTOCOL 1.10). */
			char list[KEXINIT_MAX_LIST_LEN];
			snprintf(list, sizeof(list), "%s,%s", c->prefs[cat],
				 c->role == BURROW_CLIENT ? EXT_INFO_CLIENT "," STRICT_KEX_CLIENT : STRICT_KEX_SERVER);
			buf_put_cstring(b, list);
		} else {
			buf_put_cstring(b, c->prefs[cat]);
		}
	}
	buf_put_cstring(b, ""); /* languages c2s */
	buf_put_cstring(b, ""); /* languages s2c */
	buf_put_bool(b, false); /* first_kex_packet_follows: we never guess */
	buf_put_u32(b, 0);
	/* Keep our payload for the exchange hash before the packet is sealed. */
	buf_reset(&k->my_kexinit);
	buf_put(&k->my_kexinit, buf_ptr(b) + payload_start, buf_len(b) - payload_start);
	if (!buf_ok(&k->my_kexinit))
		return BURROW_E_NOMEM;
	return transport_msg_end(c);
}

/* First name of the client's list that the server's list also has; real algorithms only. */
static bool negotiate_one(enum kex_category cat, struct bstr client, struct bstr server, struct bstr *out)
{
	size_t pos = 0;
	struct bstr name;
	while (namelist_next(client, &pos, &name)) {
		if (name.len == 0 || !namelist_contains(server, name))
			continue;
		if (cat == KEX_CAT_KEX && !kex_method_find(name))
			continue;
		*out = name;
		return true;
	}
	return false;
}

static bool first_names_match(struct bstr a, struct bstr b)
{
	size_t pos_a = 0, pos_b = 0;
	struct bstr first_a, first_b;
	return namelist_next(a, &pos_a, &first_a) && namelist_next(b, &pos_b, &first_b) && bstr_eq_bstr(first_a, first_b);
}

/* Server: the host key that signs for the negotiated host key algorithm. */
static struct burrow_key *host_key_for(struct burrow_conn *c, const char *alg)
{
	/* An algorithm names a signature, not a key type: rsa-sha2-512 is made by an ssh-rsa key. */
	for (size_t i = 0; i < c->host_key_count; i++)
		if (burrow_key_fits_sig_alg(c->host_keys[i], alg))
			return c->host_keys[i];
	return NULL;
}

static int kex_negotiate(struct burrow_conn *c, struct bstr peer_lists[KEX_CAT_COUNT], bool peer_guessed)
{
	struct kex_state *k = &c->kex;
	for (int cat = 0; cat < KEX_CAT_COUNT; cat++) {
		struct bstr mine = bstr_cstr(c->prefs[cat]);
		struct bstr client = c->role == BURROW_CLIENT ? mine : peer_lists[cat];
		struct bstr server = c->role == BURROW_CLIENT ? peer_lists[cat] : mine;
		bool is_mac = cat == KEX_CAT_MAC_C2S || cat == KEX_CAT_MAC_S2C;
		const struct pkt_cipher_alg *cipher = cat == KEX_CAT_MAC_C2S ? k->cipher_c2s : k->cipher_s2c;
		struct bstr chosen;
		if (is_mac && cipher->tag_len) {
			chosen = bstr_cstr("<implicit>"); /* AEAD ciphers authenticate themselves (RFC 5647 5.1) */
		} else if (!negotiate_one((enum kex_category)cat, client, server, &chosen)) {
			return conn_fail_code(c, BURROW_E_NOMATCH, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED,
					      "no matching %s found. Their offer: %.*s; our offer: %s",
					      category_names[cat], (int)peer_lists[cat].len, (const char *)peer_lists[cat].p,
					      c->prefs[cat]);
		}
		free(k->chosen[cat]);
		k->chosen[cat] = bstr_dup(chosen);
		if (!k->chosen[cat])
			return BURROW_E_NOMEM;
		if (cat == KEX_CAT_CIPHER_C2S)
			k->cipher_c2s = pkt_cipher_find((const char *)chosen.p, chosen.len);
		if (cat == KEX_CAT_CIPHER_S2C)
			k->cipher_s2c = pkt_cipher_find((const char *)chosen.p, chosen.len);
		if (cat == KEX_CAT_MAC_C2S)
			k->mac_c2s = pkt_mac_find((const char *)chosen.p, chosen.len);
		if (cat == KEX_CAT_MAC_S2C)
			k->mac_s2c = pkt_mac_find((const char *)chosen.p, chosen.len);
	}
	if (k->cipher_c2s->tag_len)
		k->mac_c2s = NULL;
	if (k->cipher_s2c->tag_len)
		k->mac_s2c = NULL;
	k->method = kex_method_find(bstr_cstr(k->chosen[KEX_CAT_KEX]));
	kex_method_state_free(k->ms);
	k->ms = calloc(1, sizeof(*k->ms));
	if (!k->ms)
		return BURROW_E_NOMEM;
	if (!k->done_once) {
		struct bstr peer_kex = peer_lists[KEX_CAT_KEX];
		k->strict = namelist_contains(peer_kex, bstr_cstr(c->role == BURROW_CLIENT ? STRICT_KEX_SERVER : STRICT_KEX_CLIENT));
		k->peer_ext_info = c->role == BURROW_SERVER && namelist_contains(peer_kex, bstr_cstr(EXT_INFO_CLIENT));
	}
	/* RFC 4253 7: the guess is right only if both sides prefer the same kex and host key
	 * algorithms (their first names, as OpenSSH's proposals_match); a wrong guess is thrown away.
	 * Comparing with the negotiated names instead would keep a packet the peer itself counts
	 * as wrong and sends again (Dropbear does). */
	k->skip_guessed_packet = peer_guessed &&
		!(first_names_match(peer_lists[KEX_CAT_KEX], bstr_cstr(c->prefs[KEX_CAT_KEX])) &&
		  first_names_match(peer_lists[KEX_CAT_HOSTKEY], bstr_cstr(c->prefs[KEX_CAT_HOSTKEY])));
	if (c->role == BURROW_SERVER) {
		k->host_key_signer = host_key_for(c, k->chosen[KEX_CAT_HOSTKEY]);
		if (!k->host_key_signer)
			return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "no host key for %s",
					 k->chosen[KEX_CAT_HOSTKEY]);
		if (!k->done_once)
			k->initial_host_key = k->host_key_signer; /* it signs the session id */
	}
	return 0;
}

static int kex_handle_kexinit(struct burrow_conn *c, struct bstr payload, struct rd *r)
{
	struct kex_state *k = &c->kex;
	if (k->got_kexinit)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "second KEXINIT during a key exchange");
	rd_bytes(r, 16); /* cookie */
	struct bstr lists[KEX_CAT_COUNT];
	for (int cat = 0; cat < KEX_CAT_COUNT; cat++)
		lists[cat] = rd_string(r);
	rd_string(r); /* languages: ignored (RFC 4253 7.1 allows empty) */
	rd_string(r);
	bool guessed = rd_bool(r);
	rd_u32(r);
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed KEXINIT");
	for (int cat = 0; cat < KEX_CAT_COUNT; cat++)
		if (lists[cat].len > KEXINIT_MAX_LIST_LEN)
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "KEXINIT name-list too long");
	k->got_kexinit = true;
	buf_reset(&k->peer_kexinit);
	buf_put(&k->peer_kexinit, payload.p, payload.len);
	if (!buf_ok(&k->peer_kexinit))
		return BURROW_E_NOMEM;
	if (!k->sent_kexinit) {
		int err = kex_send_kexinit(c);
		if (err < 0)
			return err;
	}
	int err = kex_negotiate(c, lists, guessed);
	if (err < 0)
		return err;
	/* Strict KEX: the peer's KEXINIT must have been its very first packet. */
	if (k->strict && !k->done_once && c->recv.seq != 1)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "strict KEX violation: KEXINIT was not the first packet");
	return k->method->start(c);
}

static int kex_send_ext_info(struct burrow_conn *c)
{
	struct buf *b = transport_msg_begin(c, SSH_MSG_EXT_INFO);
	buf_put_u32(b, 2);
	buf_put_cstring(b, "server-sig-algs");
	buf_put_cstring(b, c->pubkey_algs); /* what we accept for publickey authentication */
	/* OpenSSH PROTOCOL 3.1: we take publickey-hostbound-v00@openssh.com requests. */
	buf_put_cstring(b, "publickey-hostbound@openssh.com");
	buf_put_cstring(b, "0");
	return transport_msg_end(c);
}

static void kex_finish_if_done(struct burrow_conn *c)
{
	struct kex_state *k = &c->kex;
	if (!k->sent_newkeys || !k->got_newkeys)
		return;
	k->in_progress = k->sent_kexinit = k->got_kexinit = false;
	k->sent_newkeys = k->got_newkeys = false;
	k->done_once = true;
	k->method = NULL;
	kex_method_state_free(k->ms);
	k->ms = NULL;
	buf_free(&k->shared_secret);
	buf_free(&k->my_kexinit);
	buf_free(&k->peer_kexinit);
	conn_push_event(c, BURROW_EV_KEX_DONE);
}

int kex_send_newkeys(struct burrow_conn *c)
{
	struct kex_state *k = &c->kex;
	transport_msg_begin(c, SSH_MSG_NEWKEYS);
	int err = transport_msg_end(c);
	if (err < 0)
		return err;
	pkt_cipher_free(c->send.cipher);
	c->send.cipher = k->next_send;
	c->send.bytes = c->send.packets = 0; /* each direction counts from its own new keys */
	transport_set_compression(c, true);
	k->next_send = NULL;
	if (k->strict)
		c->send.seq = 0;
	k->sent_newkeys = true;
	/* RFC 8308 2.4: EXT_INFO must be the packet right after the server's first NEWKEYS. */
	if (c->role == BURROW_SERVER && !k->done_once && k->peer_ext_info) {
		err = kex_send_ext_info(c);
		if (err < 0)
			return err;
	}
	err = transport_flush_deferred(c);
	if (err < 0)
		return err;
	kex_finish_if_done(c);
	return 0;
}

static int kex_handle_newkeys(struct burrow_conn *c, struct rd *r)
{
	struct kex_state *k = &c->kex;
	if (!rd_done(r))
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed NEWKEYS");
	if (!k->next_recv || k->got_newkeys)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "unexpected NEWKEYS");
	pkt_cipher_free(c->recv.cipher);
	c->recv.cipher = k->next_recv;
	c->recv.bytes = c->recv.packets = 0;
	transport_set_compression(c, false);
	k->next_recv = NULL;
	if (k->strict)
		c->recv.seq = 0;
	k->got_newkeys = true;
	kex_finish_if_done(c);
	return 0;
}

int kex_handle(struct burrow_conn *c, uint8_t type, struct rd *r)
{
	struct kex_state *k = &c->kex;
	if (type == SSH_MSG_KEXINIT) {
		struct bstr payload = bstr_from(r->p, r->len);
		rd_u8(r);
		return kex_handle_kexinit(c, payload, r);
	}
	rd_u8(r);
	if (type == SSH_MSG_NEWKEYS)
		return kex_handle_newkeys(c, r);
	if (!k->got_kexinit || !k->method)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "key exchange message %u outside a key exchange", type);
	if (k->skip_guessed_packet) {
		k->skip_guessed_packet = false;
		return 0;
	}
	return k->method->handle(c, type, r);
}

bool kex_client_host_key_fits(const struct burrow_conn *c, const struct burrow_key *key)
{
	return burrow_key_fits_sig_alg(key, c->kex.chosen[KEX_CAT_HOSTKEY]);
}

/* OpenSSH's kex->we_need: the most bytes any key, IV, block or MAC key of this exchange needs.
 * DH exponents are twice this many bits (RFC 4419 6.2), group exchange asks for a group of the
 * matching strength. */
size_t kex_need_bytes(const struct burrow_conn *c)
{
	const struct kex_state *k = &c->kex;
	const struct pkt_cipher_alg *ciphers[2] = { k->cipher_c2s, k->cipher_s2c };
	const struct pkt_mac_alg *macs[2] = { k->mac_c2s, k->mac_s2c };
	size_t need = 0;
	for (int i = 0; i < 2; i++) {
		if (ciphers[i]) {
			need = ciphers[i]->key_len > need ? ciphers[i]->key_len : need;
			need = ciphers[i]->iv_len > need ? ciphers[i]->iv_len : need;
			need = ciphers[i]->block_size > need ? ciphers[i]->block_size : need;
		}
		if (macs[i])
			need = macs[i]->key_len > need ? macs[i]->key_len : need;
	}
	return need;
}

int kex_client_check_host_key(struct burrow_conn *c)
{
	struct kex_state *k = &c->kex;
	/* A rekey must be signed by the key the program already trusted for this connection. */
	if (c->server_host_key) {
		if (!burrow_key_equal_public(k->peer_host_key, c->server_host_key))
			return conn_fail(c, BURROW_DISCONNECT_HOST_KEY_NOT_VERIFIABLE, "server host key changed during rekey");
		burrow_key_free(k->peer_host_key);
		k->peer_host_key = NULL;
		return kex_send_newkeys(c);
	}
	/* First exchange: the program decides whether it trusts this key; NEWKEYS waits for it. */
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_HOSTKEY);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->key = k->peer_host_key;
	c->question = Q_HOSTKEY;
	return 0;
}

int kex_hostkey_verdict(struct burrow_conn *c, bool accept)
{
	if (!accept)
		return conn_fail(c, BURROW_DISCONNECT_HOST_KEY_NOT_VERIFIABLE, "Host key verification failed.");
	c->server_host_key = c->kex.peer_host_key;
	c->kex.peer_host_key = NULL;
	return kex_send_newkeys(c);
}

/* RFC 4253 7.2: K1 = HASH(K || H || letter || session_id), Kn = HASH(K || H || K1 || ... || Kn-1). */
static int kex_derive_one(struct burrow_conn *c, char letter, uint8_t *out, size_t need)
{
	struct kex_state *k = &c->kex;
	enum hash_alg alg = k->method->hash;
	size_t hl = hash_len(alg);
	struct buf seed;
	buf_init(&seed);
	buf_put(&seed, buf_ptr(&k->shared_secret), buf_len(&k->shared_secret));
	buf_put(&seed, k->hash, k->hash_len);
	size_t prefix_len = buf_len(&seed);
	buf_put_u8(&seed, (uint8_t)letter);
	buf_put(&seed, c->session_id, c->session_id_len);
	int err = buf_ok(&seed) ? 0 : BURROW_E_NOMEM;
	uint8_t block[HASH_MAX_LEN];
	size_t have = 0;
	while (err == 0 && have < need) {
		err = hash_oneshot(alg, buf_ptr(&seed), buf_len(&seed), block);
		size_t n = need - have < hl ? need - have : hl;
		memcpy(out + have, block, n);
		have += n;
		/* The next block hashes K || H || everything derived so far. */
		buf_truncate(&seed, prefix_len);
		buf_put(&seed, out, have);
		if (!buf_ok(&seed))
			err = BURROW_E_NOMEM;
	}
	crypto_wipe(block, sizeof(block));
	buf_free(&seed);
	return err;
}

/* One direction's keys: IV, cipher key and MAC key are the letters iv_letter, +2 and +4. */
static int kex_make_cipher(struct burrow_conn *c, const struct pkt_cipher_alg *alg, const struct pkt_mac_alg *mac,
			   bool encrypt, char iv_letter, struct pkt_cipher **out)
{
	uint8_t iv[64], key[128], mac_key[HASH_MAX_LEN];
	int err = 0;
	if (alg->iv_len > sizeof(iv) || alg->key_len > sizeof(key) || (mac && mac->key_len > sizeof(mac_key)))
		return BURROW_E_INVALID;
	if (alg->iv_len)
		err = kex_derive_one(c, iv_letter, iv, alg->iv_len);
	if (err == 0)
		err = kex_derive_one(c, (char)(iv_letter + 2), key, alg->key_len);
	if (err == 0 && mac)
		err = kex_derive_one(c, (char)(iv_letter + 4), mac_key, mac->key_len);
	if (err == 0 && mac)
		err = pkt_cipher_new_with_mac(alg, mac, encrypt, key, alg->iv_len ? iv : NULL, mac_key, out);
	else if (err == 0)
		err = pkt_cipher_new(alg, encrypt, key, alg->iv_len ? iv : NULL, out);
	crypto_wipe(iv, sizeof(iv));
	crypto_wipe(key, sizeof(key));
	crypto_wipe(mac_key, sizeof(mac_key));
	return err;
}

int kex_derive_keys(struct burrow_conn *c)
{
	struct kex_state *k = &c->kex;
	if (c->session_id_len == 0) {
		memcpy(c->session_id, k->hash, k->hash_len);
		c->session_id_len = k->hash_len;
	}
	bool client = c->role == BURROW_CLIENT;
	/* Letters: IV c2s 'A', s2c 'B'; key c2s 'C', s2c 'D'; MAC key c2s 'E', s2c 'F'. */
	int err = kex_make_cipher(c, k->cipher_c2s, k->mac_c2s, client, 'A', client ? &k->next_send : &k->next_recv);
	if (err == 0)
		err = kex_make_cipher(c, k->cipher_s2c, k->mac_s2c, !client, 'B', client ? &k->next_recv : &k->next_send);
	if (err < 0)
		return conn_fail_code(c, err, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "key derivation failed: %s",
				      burrow_strerror(err));
	return 0;
}

bool kex_rekey_due(const struct burrow_conn *c)
{
	if (!c->kex.done_once || c->kex.in_progress || c->closed || !c->send.cipher)
		return false;
	const struct pkt_cipher_alg *alg = pkt_cipher_alg(c->send.cipher);
	/* OpenSSH's defaults: 2^(2*block bits/8) blocks for 16-byte ciphers, 1 GiB otherwise. */
	uint64_t limit = alg->block_size >= 16 ? ((uint64_t)1 << 32) * alg->block_size : (uint64_t)1 << 30;
	if (c->rekey_bytes && c->rekey_bytes < limit)
		limit = c->rekey_bytes;
	/* Sequence numbers must never wrap under the same keys (RFC 4344 3.1). */
	return c->send.bytes >= limit || c->recv.bytes >= limit || c->send.packets >= (1u << 31) ||
	       c->recv.packets >= (1u << 31);
}
