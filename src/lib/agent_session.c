/*
 * What a client hands its agent in session-bind@openssh.com (OpenSSH PROTOCOL.agent 1): the
 * server's host key, the session identifier and the server's signature over it, all from the
 * first key exchange of this connection.
 */
#include "burrow/agent.h"
#include "conn_internal.h"

int burrow_conn_session_bind_info(const struct burrow_conn *c, const struct burrow_key **host_key,
				  const uint8_t **session_id, size_t *session_id_len, const uint8_t **signature,
				  size_t *signature_len)
{
	if (c->role != BURROW_CLIENT || !c->server_host_key || c->session_id_len == 0 || c->session_sig_len == 0)
		return BURROW_E_STATE;
	*host_key = c->server_host_key;
	*session_id = c->session_id;
	*session_id_len = c->session_id_len;
	*signature = c->session_sig;
	*signature_len = c->session_sig_len;
	return 0;
}
