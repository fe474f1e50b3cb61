/*
 * The pre-authentication child (privilege separation, as sshd's): it alone parses what an
 * unauthenticated client sends. It runs chrooted to an empty directory as an unprivileged user
 * under a seccomp filter (sandbox.h), holds only the public halves of the host keys, and asks
 * the root monitor (monitor.c) over the monitor wire for every host-key signature and every
 * authentication verdict. Once the client is in, it hands the live connection to the monitor
 * (burrow_conn_export) and exits.
 */
#ifndef BURROWD_PREAUTH_H
#define BURROWD_PREAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "burrowd.h"
#include "log.h"

struct preauth_params {
	const struct server_options *opts;
	struct burrow_key *const *host_keys; /* public halves only */
	size_t host_key_count;
	int sock;                /* the client, nonblocking */
	int monitor;             /* our end of the monitor wire */
	const char *peer_addr;
	int peer_port;
	uint64_t start_ms;       /* when the connection was accepted (LoginGraceTime) */
	const char *banner;      /* Banner text, or NULL */
};

/* A log sink (log_set_sink) for the sandboxed child, ctx pointing to the int descriptor of the
 * monitor's wire: the sandbox lets no file grow (RLIMIT_FSIZE 0) and keeps no log socket, so
 * its lines go to the monitor, which writes them. Set it before entering the sandbox. */
void preauth_log_to_monitor(void *ctx, enum log_level level, const char *line);

/* Runs the connection until it is authenticated (handed over) or over. Returns the exit status
 * for _exit: 0 handed over or ended normally, 1 on an internal failure. */
int preauth_run(const struct preauth_params *p);

#endif
