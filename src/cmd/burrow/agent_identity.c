/* Keys held by an agent as client identities (IdentityAgent / SSH_AUTH_SOCK), and signing. */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_client.h"
#include "log.h"

/* The one agent connection of this process, shared by every agent identity. */
static int agent_fd = -1;

const char *identity_agent_path(const struct client_options *o)
{
	const char *spec = o->identity_agent;
	if (!spec || strcmp(spec, "SSH_AUTH_SOCK") == 0) {
		const char *env = getenv("SSH_AUTH_SOCK");
		return env && *env ? env : NULL;
	}
	if (strcmp(spec, "none") == 0)
		return NULL;
	/* "$VAR" names an environment variable, as ssh_config(5) allows. */
	if (spec[0] == '$') {
		const char *env = getenv(spec + 1);
		return env && *env ? env : NULL;
	}
	return spec;
}

static int agent_connection(const struct client_options *o)
{
	if (agent_fd >= 0)
		return agent_fd;
	const char *path = identity_agent_path(o);
	if (!path)
		return -1;
	char *expanded = options_expand_tilde(path);
	agent_fd = agent_client_connect(expanded ? expanded : path);
	if (agent_fd < 0)
		log_debug("Error connecting to agent: %s", strerror(errno));
	free(expanded);
	return agent_fd;
}

/* The index of the identity file whose key equals `key`, or -1. */
static ssize_t identity_find(const struct identity *ids, size_t count, const struct burrow_key *key)
{
	for (size_t i = 0; i < count; i++)
		if (!ids[i].from_agent && ids[i].key && burrow_key_equal_public(ids[i].key, key))
			return (ssize_t)i;
	return -1;
}

static int identity_from_agent(struct burrow_agent_identity *aid, int fd, struct identity *out)
{
	memset(out, 0, sizeof(*out));
	if (burrow_key_fingerprint_sha256(aid->key, &out->fingerprint) < 0)
		return -1;
	out->path = aid->comment; /* ssh names agent keys by their comment */
	aid->comment = NULL;
	out->key = aid->key;
	aid->key = NULL;
	out->from_agent = true;
	out->agent_fd = fd;
	return 0;
}

int identities_add_agent(const struct client_options *o, struct identity **ids, size_t *count)
{
	int fd = agent_connection(o);
	if (fd < 0)
		return 0;
	struct burrow_agent_identity *agent_ids = NULL;
	size_t agent_count = 0;
	if (agent_client_list(fd, &agent_ids, &agent_count) < 0) {
		log_debug("agent did not list its keys");
		return 0;
	}
	struct identity *merged = calloc(agent_count + *count + 1, sizeof(*merged));
	bool *taken = calloc(*count + 1, sizeof(*taken));
	if (!merged || !taken) {
		free(merged);
		free(taken);
		burrow_agent_identities_free(agent_ids, agent_count);
		return -1;
	}
	size_t n = 0;
	/* OpenSSH pubkey_prepare: agent keys in the agent's order; one that is also an identity
	 * file takes that file's place; others are dropped when IdentitiesOnly is set. */
	for (size_t i = 0; i < agent_count; i++) {
		ssize_t file = identity_find(*ids, *count, agent_ids[i].key);
		if (file < 0 && o->identities_only == 1)
			continue;
		if (identity_from_agent(&agent_ids[i], fd, &merged[n]) < 0) {
			identities_free(merged, n);
			free(taken);
			burrow_agent_identities_free(agent_ids, agent_count);
			return -1;
		}
		if (file >= 0) {
			taken[file] = true;
			merged[n].explicit = (*ids)[file].explicit;
			free(merged[n].path);
			merged[n].path = strdup((*ids)[file].path);
		}
		n++;
	}
	burrow_agent_identities_free(agent_ids, agent_count);
	for (size_t i = 0; i < *count; i++) {
		if (taken[i]) {
			/* the agent's entry stands in for this file */
			free((*ids)[i].path);
			free((*ids)[i].fingerprint);
			burrow_key_free((*ids)[i].key);
			continue;
		}
		merged[n++] = (*ids)[i];
	}
	free(taken);
	free(*ids);
	*ids = merged;
	*count = n;
	return 0;
}

int identity_sign(struct identity *id, const char *alg, const uint8_t *data, size_t len, uint8_t **sig,
		  size_t *sig_len)
{
	if (!id->from_agent)
		return burrow_key_sign(id->key, alg, data, len, sig, sig_len) < 0 ? -1 : 0;
	if (agent_client_sign(id->agent_fd, id->key, alg, data, len, sig, sig_len) < 0) {
		log_debug("agent refused operation");
		return -1;
	}
	/* An agent that ignores the rsa-sha2 flags answers ssh-rsa (SHA-1): not what was asked. */
	if (burrow_key_verify_alg(id->key, alg, *sig, *sig_len, data, len) < 0) {
		log_error("agent returned a signature of the wrong algorithm for %s", alg ? alg : "");
		free(*sig);
		*sig = NULL;
		*sig_len = 0;
		return -1;
	}
	return 0;
}

int agent_session_bind_fd(int fd, struct burrow_conn *conn, bool forwarding)
{
	const struct burrow_key *host_key;
	const uint8_t *sid, *sig;
	size_t sid_len, sig_len;
	if (burrow_conn_session_bind_info(conn, &host_key, &sid, &sid_len, &sig, &sig_len) < 0)
		return -1;
	uint8_t *req = NULL;
	size_t req_len = 0;
	if (burrow_agent_request_session_bind(host_key, sid, sid_len, sig, sig_len, forwarding, &req, &req_len) < 0)
		return -1;
	int r = agent_client_simple(fd, req, req_len);
	if (r != 0)
		log_debug("agent does not support session-bind@openssh.com or refused it");
	return r == 0 ? 0 : -1;
}

void identity_agent_session_bind(struct burrow_conn *conn)
{
	if (agent_fd >= 0 && agent_session_bind_fd(agent_fd, conn, false) == 0)
		log_debug("bound agent to hostkey");
}
