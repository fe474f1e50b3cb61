/*
 * The client side of the agent protocol (draft-miller-ssh-agent 3, 4): requests built framed and
 * ready to write, replies parsed from a message body.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "burrow/agent.h"
#include "keys_internal.h"

int burrow_agent_frame(const uint8_t *data, size_t len, size_t *total)
{
	if (len < 4)
		return 0;
	struct rd r;
	rd_init(&r, data, len);
	uint32_t n = rd_u32(&r);
	if (n == 0 || n > BURROW_AGENT_MAX_MESSAGE)
		return BURROW_E_TOOBIG;
	if (len - 4 < n)
		return 0;
	*total = (size_t)n + 4;
	return 1;
}

/* A request is built after a 4-byte hole that agent_request_finish fills with the length. */
static void agent_request_begin(struct buf *b, uint8_t type)
{
	buf_init(b);
	buf_put_u32(b, 0);
	buf_put_u8(b, type);
}

static int agent_request_finish(struct buf *b, uint8_t **msg, size_t *len)
{
	if (!buf_ok(b)) {
		buf_free(b);
		return BURROW_E_NOMEM;
	}
	size_t body = buf_len(b) - 4;
	if (body > BURROW_AGENT_MAX_MESSAGE) {
		buf_free(b);
		return BURROW_E_TOOBIG;
	}
	buf_store_u32(buf_ptr(b), (uint32_t)body);
	return keys_buf_detach(b, msg, len);
}

static int agent_put_key_blob(struct buf *b, const struct burrow_key *key)
{
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	int err = burrow_key_to_blob(key, &blob, &blob_len);
	if (err)
		return err;
	buf_put_string(b, blob, blob_len);
	free(blob);
	return 0;
}

int burrow_agent_request_identities(uint8_t **msg, size_t *len)
{
	struct buf b;
	agent_request_begin(&b, SSH_AGENTC_REQUEST_IDENTITIES);
	return agent_request_finish(&b, msg, len);
}

int burrow_agent_request_sign(const struct burrow_key *key, const uint8_t *data, size_t data_len,
			      uint32_t flags, uint8_t **msg, size_t *len)
{
	if (!key || (!data && data_len))
		return BURROW_E_INVALID;
	struct buf b;
	agent_request_begin(&b, SSH_AGENTC_SIGN_REQUEST);
	int err = agent_put_key_blob(&b, key);
	if (err) {
		buf_free(&b);
		return err;
	}
	buf_put_string(&b, data, data_len);
	buf_put_u32(&b, flags);
	return agent_request_finish(&b, msg, len);
}

int burrow_agent_request_add(const struct burrow_key *key, const char *comment, uint32_t lifetime,
			     bool confirm, uint8_t **msg, size_t *len)
{
	if (!key || !burrow_key_has_private(key))
		return BURROW_E_INVALID;
	bool constrained = lifetime || confirm;
	struct buf b;
	agent_request_begin(&b, constrained ? SSH_AGENTC_ADD_ID_CONSTRAINED : SSH_AGENTC_ADD_IDENTITY);
	/* The key as the private section of openssh-key-v1 holds it (draft-miller-ssh-agent 4.2). */
	int err = keys_private_write(key, &b);
	if (err) {
		buf_free(&b);
		return err;
	}
	buf_put_cstring(&b, comment ? comment : "");
	if (lifetime) {
		buf_put_u8(&b, SSH_AGENT_CONSTRAIN_LIFETIME);
		buf_put_u32(&b, lifetime);
	}
	if (confirm)
		buf_put_u8(&b, SSH_AGENT_CONSTRAIN_CONFIRM);
	return agent_request_finish(&b, msg, len);
}

int burrow_agent_request_remove(const struct burrow_key *key, uint8_t **msg, size_t *len)
{
	if (!key)
		return BURROW_E_INVALID;
	struct buf b;
	agent_request_begin(&b, SSH_AGENTC_REMOVE_IDENTITY);
	int err = agent_put_key_blob(&b, key);
	if (err) {
		buf_free(&b);
		return err;
	}
	return agent_request_finish(&b, msg, len);
}

int burrow_agent_request_remove_all(uint8_t **msg, size_t *len)
{
	struct buf b;
	agent_request_begin(&b, SSH_AGENTC_REMOVE_ALL_IDENTITIES);
	return agent_request_finish(&b, msg, len);
}

int burrow_agent_request_lock(bool lock, const char *passphrase, uint8_t **msg, size_t *len)
{
	if (!passphrase)
		return BURROW_E_INVALID;
	struct buf b;
	agent_request_begin(&b, lock ? SSH_AGENTC_LOCK : SSH_AGENTC_UNLOCK);
	buf_put_cstring(&b, passphrase);
	return agent_request_finish(&b, msg, len);
}

int burrow_agent_request_session_bind(const struct burrow_key *host_key, const uint8_t *session_id,
				      size_t session_id_len, const uint8_t *signature, size_t signature_len,
				      bool forwarding, uint8_t **msg, size_t *len)
{
	if (!host_key || !session_id || !signature)
		return BURROW_E_INVALID;
	struct buf b;
	agent_request_begin(&b, SSH_AGENTC_EXTENSION);
	buf_put_cstring(&b, "session-bind@openssh.com");
	int err = agent_put_key_blob(&b, host_key);
	if (err) {
		buf_free(&b);
		return err;
	}
	buf_put_string(&b, session_id, session_id_len);
	buf_put_string(&b, signature, signature_len);
	buf_put_bool(&b, forwarding);
	return agent_request_finish(&b, msg, len);
}

uint32_t burrow_agent_sign_flags(const char *sig_alg)
{
	if (sig_alg && strcmp(sig_alg, "rsa-sha2-256") == 0)
		return SSH_AGENT_RSA_SHA2_256;
	if (sig_alg && strcmp(sig_alg, "rsa-sha2-512") == 0)
		return SSH_AGENT_RSA_SHA2_512;
	return 0;
}

/* ---- replies ---- */

void burrow_agent_identities_free(struct burrow_agent_identity *ids, size_t count)
{
	if (!ids)
		return;
	for (size_t i = 0; i < count; i++) {
		burrow_key_free(ids[i].key);
		free(ids[i].comment);
	}
	free(ids);
}

/* A comment is text for people: an embedded NUL ends it rather than failing the whole list. */
static char *agent_comment_dup(struct bstr s)
{
	const uint8_t *nul = s.len ? memchr(s.p, 0, s.len) : NULL;
	if (nul)
		s.len = (size_t)(nul - s.p);
	return bstr_dup(s);
}

int burrow_agent_parse_identities(const uint8_t *msg, size_t len, struct burrow_agent_identity **ids,
				  size_t *count)
{
	*ids = NULL;
	*count = 0;
	struct rd r;
	rd_init(&r, msg, len);
	uint8_t type = rd_u8(&r);
	uint32_t n = rd_u32(&r);
	if (!rd_ok(&r))
		return BURROW_E_PARSE;
	if (type == SSH_AGENT_FAILURE)
		return BURROW_E_NOTFOUND;
	/* Each entry needs at least two length fields: a count beyond that is a lie. */
	if (type != SSH_AGENT_IDENTITIES_ANSWER || n > rd_remaining(&r) / 8)
		return BURROW_E_PARSE;
	struct burrow_agent_identity *list = calloc(n ? n : 1, sizeof(*list));
	if (!list)
		return BURROW_E_NOMEM;
	size_t got = 0;
	int err = 0;
	for (uint32_t i = 0; i < n && !err; i++) {
		struct bstr blob = rd_string(&r);
		struct bstr comment = rd_string(&r);
		if (!rd_ok(&r)) {
			err = BURROW_E_PARSE;
			break;
		}
		struct burrow_key *key = NULL;
		/* Keys of types we do not implement (certificates, sk keys) are skipped, as ssh does. */
		if (burrow_key_from_blob(blob.p, blob.len, &key) < 0)
			continue;
		list[got].key = key;
		list[got].comment = agent_comment_dup(comment);
		if (!list[got].comment)
			err = BURROW_E_NOMEM;
		got++;
	}
	if (!err && !rd_done(&r))
		err = BURROW_E_PARSE;
	if (err) {
		burrow_agent_identities_free(list, got);
		return err;
	}
	*ids = list;
	*count = got;
	return 0;
}

int burrow_agent_parse_sign_response(const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len)
{
	*sig = NULL;
	*sig_len = 0;
	struct rd r;
	rd_init(&r, msg, len);
	uint8_t type = rd_u8(&r);
	if (rd_ok(&r) && (type == SSH_AGENT_FAILURE || type == SSH_AGENT_EXTENSION_FAILURE))
		return BURROW_E_NOTFOUND;
	struct bstr s = rd_string(&r);
	if (!rd_done(&r) || type != SSH_AGENT_SIGN_RESPONSE || s.len == 0)
		return BURROW_E_PARSE;
	uint8_t *copy = malloc(s.len);
	if (!copy)
		return BURROW_E_NOMEM;
	memcpy(copy, s.p, s.len);
	*sig = copy;
	*sig_len = s.len;
	return 0;
}

int burrow_agent_parse_status(const uint8_t *msg, size_t len)
{
	if (len != 1)
		return BURROW_E_PARSE;
	if (msg[0] == SSH_AGENT_SUCCESS)
		return 0;
	if (msg[0] == SSH_AGENT_FAILURE || msg[0] == SSH_AGENT_EXTENSION_FAILURE)
		return BURROW_E_NOTFOUND;
	return BURROW_E_PARSE;
}
