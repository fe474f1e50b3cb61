/*
 * session-bind@openssh.com (OpenSSH PROTOCOL.agent 1): a client tells the agent which server
 * (host key) and which connection (session identifier, signed by that host key during the key
 * exchange) it is speaking for. The agent verifies the signature, remembers the binding on this
 * socket, and refuses to sign userauth requests for another session over a socket bound for
 * authentication (a binding with is_forwarding false).
 */
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"

void agent_bind_clear(struct burrow_agent_conn *ac)
{
	for (size_t i = 0; i < ac->bind_count; i++)
		burrow_key_free(ac->binds[i].host_key);
	memset(ac->binds, 0, sizeof(ac->binds));
	ac->bind_count = 0;
}

int agent_bind_handle(struct burrow_agent_conn *ac, struct rd *r)
{
	struct bstr host_blob = rd_string(r);
	struct bstr sid = rd_string(r);
	struct bstr sig = rd_string(r);
	bool forwarding = rd_bool(r);
	if (!rd_done(r) || sid.len == 0 || sid.len > HASH_MAX_LEN)
		return BURROW_E_PARSE;
	struct burrow_key *host_key = NULL;
	int err = burrow_key_from_blob(host_blob.p, host_blob.len, &host_key);
	if (err)
		return err;
	err = burrow_key_verify(host_key, sig.p, sig.len, sid.p, sid.len);
	if (err) {
		burrow_key_free(host_key);
		return err;
	}
	/* The same binding again is harmless (ssh re-sends it); a new one after an authentication
	 * binding is not: that socket belongs to one session (OpenSSH process_ext_session_bind). */
	for (size_t i = 0; i < ac->bind_count; i++) {
		struct agent_session_bind *b = &ac->binds[i];
		if (b->session_id_len == sid.len && crypto_ct_equal(b->session_id, sid.p, sid.len) == 1) {
			bool same = burrow_key_equal_public(b->host_key, host_key) && b->forwarding == forwarding;
			burrow_key_free(host_key);
			return same ? 0 : BURROW_E_STATE;
		}
	}
	if (ac->bind_count > 0 && !ac->binds[ac->bind_count - 1].forwarding) {
		burrow_key_free(host_key);
		return BURROW_E_STATE;
	}
	if (ac->bind_count >= AGENT_MAX_SESSION_BINDS) {
		burrow_key_free(host_key);
		return BURROW_E_TOOBIG;
	}
	struct agent_session_bind *b = &ac->binds[ac->bind_count++];
	b->host_key = host_key;
	memcpy(b->session_id, sid.p, sid.len);
	b->session_id_len = sid.len;
	b->forwarding = forwarding;
	return 0;
}

/* A publickey userauth request as signed (RFC 4252 7; hostbound: PROTOCOL 2.5):
 * string session id, byte 50, string user, string service, string method, bool TRUE,
 * string algorithm, string key [, string host key]. Anything else is not one. */
static bool agent_parse_userauth(struct bstr data, struct bstr *sid, struct bstr *host_blob)
{
	struct rd r;
	rd_init(&r, data.p, data.len);
	*sid = rd_string(&r);
	uint8_t type = rd_u8(&r);
	rd_string(&r);
	rd_string(&r);
	struct bstr method = rd_string(&r);
	bool has_sig = rd_bool(&r);
	rd_string(&r);
	rd_string(&r);
	host_blob->p = NULL;
	host_blob->len = 0;
	if (!rd_ok(&r) || type != 50 || !has_sig)
		return false;
	if (bstr_eq(method, "publickey-hostbound-v00@openssh.com"))
		*host_blob = rd_string(&r);
	else if (!bstr_eq(method, "publickey"))
		return false;
	return rd_done(&r);
}

int agent_bind_check_sign(const struct burrow_agent_conn *ac, struct bstr data)
{
	if (ac->bind_count == 0)
		return 0;
	const struct agent_session_bind *last = &ac->binds[ac->bind_count - 1];
	struct bstr sid, host_blob;
	if (last->forwarding || !agent_parse_userauth(data, &sid, &host_blob))
		return 0;
	if (sid.len != last->session_id_len || !crypto_ct_equal(sid.p, last->session_id, sid.len))
		return BURROW_E_STATE;
	if (host_blob.len) {
		struct burrow_key *named = NULL;
		if (burrow_key_from_blob(host_blob.p, host_blob.len, &named) < 0)
			return BURROW_E_STATE;
		bool same = burrow_key_equal_public(named, last->host_key);
		burrow_key_free(named);
		if (!same)
			return BURROW_E_STATE;
	}
	return 0;
}
