/*
 * The root side of one connection under privilege separation (as sshd's monitor): it forks the
 * sandboxed pre-auth child (preauth.h), answers its questions (server_auth.h: every verdict;
 * host-key signatures, the private keys never leave this process), and once the client is in,
 * forks the post-auth child that becomes the user, imports the connection and serves it
 * (server_conn.c). The monitor stays, as root, for what needs it afterwards: host-key
 * signatures for rekeys, ptys and the login records.
 */
#ifndef BURROWD_MONITOR_H
#define BURROWD_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "burrowd.h"

struct connection_info {
	int sock;
	char peer_addr[64], local_addr[64];
	int peer_port, local_port;
	uint64_t start_ms;
};

/* The post-auth loop (server_conn.c), in the child that became the user: serves `conn` (taken)
 * until it ends; sessions get their ptys through the monitor at monitor_fd. Returns the exit status. */
struct auth_restrictions;
int server_conn_run(const struct server_options *opts, struct burrow_conn *conn, const struct connection_info *ci,
		    const struct user_info *user, const struct auth_restrictions *restrictions, int monitor_fd);

/* Serves the connection to its end; returns a CONN_EXIT_* status. */
int monitor_serve(const struct server_options *opts, struct burrow_key *const *host_keys, size_t host_key_count,
		  const struct connection_info *ci);

#endif
