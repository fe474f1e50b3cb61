/*
 * Host key rotation, OpenSSH PROTOCOL 2.5: after authentication the server announces all its
 * host keys (global request "hostkeys-00@openssh.com", no reply wanted); the client may ask the
 * server to prove it holds some of them ("hostkeys-prove-00@openssh.com"), and the server
 * answers with one signature per key, in order, over
 *     string "hostkeys-prove-00@openssh.com" || string session_id || string key blob.
 * Which keys to learn is the program's decision (known_hosts is a file).
 */
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"

#define HOSTKEYS_ANNOUNCE "hostkeys-00@openssh.com"
#define HOSTKEYS_PROVE "hostkeys-prove-00@openssh.com"
#define HOSTKEYS_MAX 64 /* far above the handful of types a server has */

static void hostkeys_free_list(struct burrow_key ***keys, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		burrow_key_free((*keys)[i]);
	free(*keys);
	*keys = NULL;
	*n = 0;
}

void hostkeys_update_free(struct burrow_conn *c)
{
	struct hostkeys_state *h = &c->hostkeys;
	hostkeys_free_list(&h->keys, &h->nkeys);
	hostkeys_free_list(&h->proving, &h->nproving);
	hostkeys_free_list(&h->proven, &h->nproven);
}

/* Drops a message begun but not finished (out of memory half way). */
static int hostkeys_msg_abandon(struct burrow_conn *c, int err)
{
	buf_truncate(c->msg_target, c->msg_start);
	c->msg_target = NULL;
	return err;
}

/* The data a prove signature covers. */
static int hostkeys_prove_data(struct burrow_conn *c, const struct burrow_key *key, struct buf *out)
{
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	int err = burrow_key_to_blob(key, &blob, &blob_len);
	if (err < 0)
		return err;
	buf_put_cstring(out, HOSTKEYS_PROVE);
	buf_put_string(out, c->session_id, c->session_id_len);
	buf_put_string(out, blob, blob_len);
	free(blob);
	return buf_ok(out) ? 0 : BURROW_E_NOMEM;
}

/* The signature algorithm of a proof, as OpenSSH 9 signs and checks it: a key's own, except
 * that an RSA key proves with the RSA algorithm the key exchange used, or rsa-sha2-512 if the
 * exchange used another key type (SHA-1 only where the exchange itself settled for it). */
static const char *hostkeys_proof_alg(const struct burrow_conn *c, const struct burrow_key *key)
{
	const char *kex_alg = c->kex.chosen[KEX_CAT_HOSTKEY];
	if (burrow_key_type(key) != BURROW_KEY_RSA)
		return NULL;
	if (kex_alg && burrow_key_fits_sig_alg(key, kex_alg))
		return kex_alg;
	return "rsa-sha2-512";
}

/* ---- server ---- */

int hostkeys_update_announce(struct burrow_conn *c)
{
	struct hostkeys_state *h = &c->hostkeys;
	if (c->role != BURROW_SERVER || h->announced)
		return 0;
	h->announced = true;
	struct buf *b = transport_msg_begin(c, SSH_MSG_GLOBAL_REQUEST);
	buf_put_cstring(b, HOSTKEYS_ANNOUNCE);
	buf_put_bool(b, false);
	for (size_t i = 0; i < c->host_key_count; i++) {
		uint8_t *blob = NULL;
		size_t blob_len = 0;
		if (burrow_key_is_cert(c->host_keys[i]))
			continue; /* host certificates are not announced (sshd notify_hostkeys) */
		if (burrow_key_to_blob(c->host_keys[i], &blob, &blob_len) < 0)
			return hostkeys_msg_abandon(c, BURROW_E_NOMEM);
		buf_put_string(b, blob, blob_len);
		free(blob);
	}
	return transport_msg_end(c);
}

static const struct burrow_key *hostkeys_find_ours(struct burrow_conn *c, struct bstr blob)
{
	struct burrow_key *key = NULL;
	if (burrow_key_from_blob(blob.p, blob.len, &key) < 0)
		return NULL;
	const struct burrow_key *ours = NULL;
	for (size_t i = 0; i < c->host_key_count && !ours; i++)
		if (burrow_key_equal_public(key, c->host_keys[i]))
			ours = c->host_keys[i];
	burrow_key_free(key);
	return ours;
}

/* Signs for every requested key into `reply`; BURROW_E_NOTFOUND when one is not ours. */
static int hostkeys_sign_all(struct burrow_conn *c, struct rd *r, struct buf *reply)
{
	size_t count = 0;
	while (rd_remaining(r) > 0) {
		struct bstr blob = rd_string(r);
		if (!rd_ok(r) || ++count > c->host_key_count)
			return BURROW_E_PARSE;
		const struct burrow_key *key = hostkeys_find_ours(c, blob);
		if (!key)
			return BURROW_E_NOTFOUND;
		struct buf data;
		buf_init(&data);
		uint8_t *sig = NULL;
		size_t sig_len = 0;
		const char *alg = hostkeys_proof_alg(c, key);
		int err = hostkeys_prove_data(c, key, &data);
		if (err == 0)
			err = conn_host_key_sign(c, key, alg, buf_ptr(&data), buf_len(&data), &sig, &sig_len);
		buf_free(&data);
		if (err < 0)
			return err;
		buf_put_string(reply, sig, sig_len);
		free(sig);
	}
	if (!rd_ok(r) || count == 0)
		return BURROW_E_PARSE;
	return buf_ok(reply) ? 0 : BURROW_E_NOMEM;
}

int hostkeys_update_handle_prove(struct burrow_conn *c, struct rd *r, bool want_reply)
{
	if (!want_reply)
		return 0; /* proofs nobody will read are not worth the signatures */
	struct buf reply;
	buf_init(&reply);
	int err = hostkeys_sign_all(c, r, &reply);
	if (err == BURROW_E_NOMEM) {
		buf_free(&reply);
		return err;
	}
	/* A key that is not ours, or a malformed list: REQUEST_FAILURE, as sshd answers. */
	struct buf *b = transport_msg_begin(c, err == 0 ? SSH_MSG_REQUEST_SUCCESS : SSH_MSG_REQUEST_FAILURE);
	if (err == 0)
		buf_put(b, buf_ptr(&reply), buf_len(&reply));
	err = transport_msg_end(c);
	buf_free(&reply);
	return err;
}

/* ---- client ---- */

static bool hostkeys_contains(struct burrow_key *const *keys, size_t n, const struct burrow_key *key)
{
	for (size_t i = 0; i < n; i++)
		if (burrow_key_equal_public(keys[i], key))
			return true;
	return false;
}

int hostkeys_update_handle_announce(struct burrow_conn *c, struct rd *r)
{
	struct hostkeys_state *h = &c->hostkeys;
	if (h->announced)
		return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "server already sent hostkeys");
	h->announced = true;
	h->keys = calloc(HOSTKEYS_MAX, sizeof(*h->keys));
	if (!h->keys)
		return BURROW_E_NOMEM;
	while (rd_remaining(r) > 0) {
		struct bstr blob = rd_string(r);
		if (!rd_ok(r))
			return conn_fail(c, BURROW_DISCONNECT_PROTOCOL_ERROR, "malformed hostkeys-00@openssh.com");
		struct burrow_key *key = NULL;
		/* Types we do not know are passed over, as ssh does; duplicates count once. */
		if (burrow_key_from_blob(blob.p, blob.len, &key) < 0)
			continue;
		if (hostkeys_contains(h->keys, h->nkeys, key) || h->nkeys == HOSTKEYS_MAX) {
			burrow_key_free(key);
			continue;
		}
		h->keys[h->nkeys++] = key;
	}
	if (h->nkeys == 0)
		return 0;
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_HOSTKEYS);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->keys = (const struct burrow_key *const *)h->keys;
	ev->nkeys = h->nkeys;
	return 0;
}

int burrow_hostkeys_prove(struct burrow_conn *c, const struct burrow_key *const *keys, size_t n)
{
	struct hostkeys_state *h = &c->hostkeys;
	if (c->role != BURROW_CLIENT || !c->authenticated || c->closed || h->nproving)
		return c->closed ? BURROW_E_CLOSED : BURROW_E_STATE;
	if (!keys || n == 0 || n > HOSTKEYS_MAX)
		return BURROW_E_INVALID;
	h->proving = calloc(n, sizeof(*h->proving));
	if (!h->proving)
		return BURROW_E_NOMEM;
	int err = 0;
	for (size_t i = 0; i < n && err == 0; i++) {
		err = keys[i] ? burrow_key_dup_public(keys[i], &h->proving[i]) : BURROW_E_INVALID;
		if (err == 0)
			h->nproving = i + 1;
	}
	if (err == 0)
		err = global_reply_expect(c, GLOBAL_REPLY_HOSTKEYS_PROVE);
	if (err < 0) {
		hostkeys_free_list(&h->proving, &h->nproving);
		return err;
	}
	struct buf *b = transport_msg_begin(c, SSH_MSG_GLOBAL_REQUEST);
	buf_put_cstring(b, HOSTKEYS_PROVE);
	buf_put_bool(b, true);
	for (size_t i = 0; i < n && err == 0; i++) {
		uint8_t *blob = NULL;
		size_t blob_len = 0;
		err = burrow_key_to_blob(h->proving[i], &blob, &blob_len);
		buf_put_string(b, blob, blob_len);
		free(blob);
	}
	if (err < 0)
		return hostkeys_msg_abandon(c, err);
	return transport_msg_end(c);
}

/* Every signature must verify, and there must be exactly one per key asked about. */
static bool hostkeys_verify_all(struct burrow_conn *c, struct rd *r)
{
	struct hostkeys_state *h = &c->hostkeys;
	for (size_t i = 0; i < h->nproving; i++) {
		struct bstr sig = rd_string(r);
		if (!rd_ok(r))
			return false;
		struct buf data;
		buf_init(&data);
		bool ok = hostkeys_prove_data(c, h->proving[i], &data) == 0 &&
			  burrow_key_verify_alg(h->proving[i], hostkeys_proof_alg(c, h->proving[i]), sig.p, sig.len,
						buf_ptr(&data), buf_len(&data)) == 0;
		buf_free(&data);
		if (!ok)
			return false;
	}
	return rd_done(r);
}

int hostkeys_update_handle_prove_reply(struct burrow_conn *c, bool success, struct rd *r)
{
	struct hostkeys_state *h = &c->hostkeys;
	hostkeys_free_list(&h->proven, &h->nproven);
	bool ok = success && hostkeys_verify_all(c, r);
	if (ok) {
		h->proven = h->proving;
		h->nproven = h->nproving;
		h->proving = NULL;
		h->nproving = 0;
	} else {
		conn_set_error(c, success ? "server gave bad signature for a host key" : "server refused to prove its host keys");
		hostkeys_free_list(&h->proving, &h->nproving);
	}
	struct burrow_event *ev = conn_push_event(c, BURROW_EV_HOSTKEYS_PROVEN);
	if (!ev)
		return BURROW_E_NOMEM;
	ev->ok = ok;
	ev->keys = (const struct burrow_key *const *)h->proven;
	ev->nkeys = h->nproven;
	if (!ok)
		ev->message = c->last_error;
	return 0;
}
