/*
 * The agent answering one client connection (draft-miller-ssh-agent 3, 4): bytes in, framed
 * replies out. Every request gets exactly one reply; anything unknown or refused is
 * SSH_AGENT_FAILURE (4.1, 4.8). A locked agent lists no keys and refuses everything but UNLOCK.
 */
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "keys_internal.h"

int burrow_agent_conn_new(struct burrow_agent *agent, struct burrow_agent_conn **out)
{
	struct burrow_agent_conn *ac = calloc(1, sizeof(*ac));
	if (!ac)
		return BURROW_E_NOMEM;
	ac->agent = agent;
	buf_init(&ac->in);
	buf_init(&ac->out);
	*out = ac;
	return 0;
}

void burrow_agent_conn_free(struct burrow_agent_conn *ac)
{
	if (!ac)
		return;
	buf_free(&ac->in);  /* wipes: requests carry private keys and passphrases */
	buf_free(&ac->out);
	agent_bind_clear(ac);
	free(ac);
}

size_t burrow_agent_conn_output(const struct burrow_agent_conn *ac, const uint8_t **data)
{
	*data = buf_ptr(&ac->out);
	return buf_len(&ac->out);
}

void burrow_agent_conn_output_consume(struct burrow_agent_conn *ac, size_t n)
{
	buf_consume(&ac->out, n);
}

/* ---- the requests ---- */

static int agent_list(struct burrow_agent *a, struct buf *reply)
{
	buf_put_u8(reply, SSH_AGENT_IDENTITIES_ANSWER);
	if (a->locked) {
		buf_put_u32(reply, 0);
		return 0;
	}
	buf_put_u32(reply, (uint32_t)a->count);
	for (size_t i = 0; i < a->count; i++) {
		uint8_t *blob = NULL;
		size_t len = 0;
		int err = burrow_key_to_blob(a->entries[i].key, &blob, &len);
		if (err)
			return err;
		buf_put_string(reply, blob, len);
		free(blob);
		buf_put_cstring(reply, a->entries[i].comment ? a->entries[i].comment : "");
	}
	return 0;
}

/* The signature algorithm the flags ask for (6.3): for RSA, SHA-2 if asked, else SHA-1. */
static const char *agent_sign_alg(const struct burrow_key *key, uint32_t flags)
{
	if (burrow_key_type(key) != BURROW_KEY_RSA)
		return NULL;
	if (flags & SSH_AGENT_RSA_SHA2_512)
		return "rsa-sha2-512";
	if (flags & SSH_AGENT_RSA_SHA2_256)
		return "rsa-sha2-256";
	return "ssh-rsa";
}

static int agent_sign(struct burrow_agent_conn *ac, struct rd *r, struct buf *reply)
{
	struct burrow_agent *a = ac->agent;
	struct bstr blob = rd_string(r);
	struct bstr data = rd_string(r);
	uint32_t flags = rd_u32(r);
	if (!rd_done(r) || a->locked)
		return BURROW_E_PARSE;
	struct burrow_key *key = NULL;
	int err = burrow_key_from_blob(blob.p, blob.len, &key);
	if (err)
		return err;
	struct agent_entry *e = agent_store_find(a, key);
	burrow_key_free(key);
	if (!e)
		return BURROW_E_NOTFOUND;
	err = agent_bind_check_sign(ac, data);
	if (err)
		return err;
	if (e->confirm && (!a->confirm || !a->confirm(a->confirm_ctx, e->key, e->comment)))
		return BURROW_E_STATE;
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	err = burrow_key_sign(e->key, agent_sign_alg(e->key, flags), data.p, data.len, &sig, &sig_len);
	if (err)
		return err;
	buf_put_u8(reply, SSH_AGENT_SIGN_RESPONSE);
	buf_put_string(reply, sig, sig_len);
	free(sig);
	return 0;
}

/* Constraints after the comment of ADD_ID_CONSTRAINED (4.2.6); unknown ones fail the add. */
static int agent_read_constraints(struct burrow_agent *a, struct rd *r, uint64_t now, uint64_t *expires,
				  bool *confirm)
{
	*expires = a->default_lifetime ? now + a->default_lifetime : 0;
	*confirm = false;
	while (rd_remaining(r) > 0) {
		uint8_t type = rd_u8(r);
		if (type == SSH_AGENT_CONSTRAIN_LIFETIME) {
			uint32_t seconds = rd_u32(r);
			if (!rd_ok(r) || seconds == 0)
				return BURROW_E_PARSE;
			*expires = now + seconds;
		} else if (type == SSH_AGENT_CONSTRAIN_CONFIRM) {
			*confirm = true;
		} else {
			return BURROW_E_UNSUPPORTED;
		}
	}
	return rd_ok(r) ? 0 : BURROW_E_PARSE;
}

static int agent_add(struct burrow_agent_conn *ac, struct rd *r, bool constrained, uint64_t now)
{
	struct burrow_agent *a = ac->agent;
	if (a->locked)
		return BURROW_E_STATE;
	struct burrow_key *key = NULL;
	int err = keys_private_read(r, &key);
	if (err)
		return err;
	struct bstr comment = rd_string(r);
	uint64_t expires = 0;
	bool confirm = false;
	if (constrained)
		err = agent_read_constraints(a, r, now, &expires, &confirm);
	else if (!rd_done(r))
		err = BURROW_E_PARSE;
	else
		expires = a->default_lifetime ? now + a->default_lifetime : 0;
	if (!err && !rd_ok(r))
		err = BURROW_E_PARSE;
	char *text = err ? NULL : bstr_dup(comment);
	if (!err && !text)
		err = comment.len && memchr(comment.p, 0, comment.len) ? BURROW_E_PARSE : BURROW_E_NOMEM;
	if (err) {
		burrow_key_free(key);
		return err;
	}
	return agent_store_add(a, key, text, expires, confirm);
}

static int agent_remove(struct burrow_agent *a, struct rd *r)
{
	struct bstr blob = rd_string(r);
	if (!rd_done(r) || a->locked)
		return BURROW_E_PARSE;
	struct burrow_key *key = NULL;
	int err = burrow_key_from_blob(blob.p, blob.len, &key);
	if (err)
		return err;
	err = agent_store_remove(a, key);
	burrow_key_free(key);
	return err;
}

static int agent_lock(struct burrow_agent *a, struct rd *r, bool lock)
{
	struct bstr passphrase = rd_string(r);
	if (!rd_done(r))
		return BURROW_E_PARSE;
	return lock ? agent_store_lock(a, passphrase) : agent_store_unlock(a, passphrase);
}

static int agent_extension(struct burrow_agent_conn *ac, struct rd *r)
{
	struct bstr name = rd_string(r);
	if (!rd_ok(r))
		return BURROW_E_PARSE;
	if (bstr_eq(name, "session-bind@openssh.com"))
		return agent_bind_handle(ac, r);
	return BURROW_E_UNSUPPORTED;
}

/* Answers one request into `reply` (the body, without the length). */
static void agent_dispatch(struct burrow_agent_conn *ac, struct rd *r, uint64_t now, struct buf *reply)
{
	struct burrow_agent *a = ac->agent;
	burrow_agent_expire(a, now);
	uint8_t type = rd_u8(r);
	int err = BURROW_E_UNSUPPORTED;
	/* Locked, the agent only lists (nothing) and unlocks (ssh-agent.c process_message). */
	if (a->locked && type != SSH_AGENTC_UNLOCK && type != SSH_AGENTC_REQUEST_IDENTITIES)
		type = 0;
	switch (type) {
	case SSH_AGENTC_REQUEST_IDENTITIES:
		err = rd_done(r) ? agent_list(a, reply) : BURROW_E_PARSE;
		break;
	case SSH_AGENTC_SIGN_REQUEST:
		err = agent_sign(ac, r, reply);
		break;
	case SSH_AGENTC_ADD_IDENTITY:
	case SSH_AGENTC_ADD_ID_CONSTRAINED:
		err = agent_add(ac, r, type == SSH_AGENTC_ADD_ID_CONSTRAINED, now);
		break;
	case SSH_AGENTC_REMOVE_IDENTITY:
		err = agent_remove(a, r);
		break;
	case SSH_AGENTC_REMOVE_ALL_IDENTITIES:
		err = rd_done(r) && !a->locked ? 0 : BURROW_E_PARSE;
		if (!err)
			agent_store_remove_all(a);
		break;
	case SSH_AGENTC_LOCK:
	case SSH_AGENTC_UNLOCK:
		err = agent_lock(a, r, type == SSH_AGENTC_LOCK);
		break;
	case SSH_AGENTC_EXTENSION:
		err = agent_extension(ac, r);
		break;
	default:
		break;
	}
	if (err || !buf_ok(reply)) {
		buf_reset(reply);
		buf_put_u8(reply, SSH_AGENT_FAILURE);
	} else if (buf_len(reply) == 0) {
		buf_put_u8(reply, SSH_AGENT_SUCCESS);
	}
}

int burrow_agent_handle(struct burrow_agent_conn *ac, const uint8_t *msg, size_t len, uint64_t now,
			uint8_t **out, size_t *out_len)
{
	struct rd r;
	rd_init(&r, msg, len);
	struct buf body;
	buf_init(&body);
	agent_dispatch(ac, &r, now, &body);
	struct buf reply;
	buf_init(&reply);
	buf_put_u32(&reply, (uint32_t)buf_len(&body));
	buf_put(&reply, buf_ptr(&body), buf_len(&body));
	buf_free(&body);
	return keys_buf_detach(&reply, out, out_len);
}

int burrow_agent_conn_feed(struct burrow_agent_conn *ac, const uint8_t *data, size_t len, uint64_t now)
{
	buf_put(&ac->in, data, len);
	if (!buf_ok(&ac->in))
		return BURROW_E_NOMEM;
	for (;;) {
		size_t total = 0;
		int r = burrow_agent_frame(buf_ptr(&ac->in), buf_len(&ac->in), &total);
		if (r <= 0)
			return r;
		uint8_t *reply = NULL;
		size_t reply_len = 0;
		int err = burrow_agent_handle(ac, buf_ptr(&ac->in) + 4, total - 4, now, &reply, &reply_len);
		crypto_wipe(buf_ptr(&ac->in), total);
		buf_consume(&ac->in, total);
		if (err)
			return err;
		/* A client that sends without reading must not make us buffer without bound. */
		if (buf_len(&ac->out) > AGENT_MAX_PENDING_OUTPUT) {
			crypto_wipe(reply, reply_len);
			free(reply);
			return BURROW_E_TOOBIG;
		}
		buf_put(&ac->out, reply, reply_len);
		crypto_wipe(reply, reply_len);
		free(reply);
		if (!buf_ok(&ac->out))
			return BURROW_E_NOMEM;
	}
}
