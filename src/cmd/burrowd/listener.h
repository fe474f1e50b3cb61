/*
 * The listener's parts (listener.c, penalties.c, maxstartups.c, sd_notify.c): what burrowd does
 * between accept() and handing a connection to a fresh process, and what it learns when that
 * process ends.
 */
#ifndef BURROWD_LISTENER_H
#define BURROWD_LISTENER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "burrowd.h"

/* Descriptors a re-executed connection process (-R) finds open, like sshd's rexec fds. */
#define REEXEC_SOCK_FD 3    /* the accepted connection */
#define REEXEC_STARTUP_FD 4 /* write end of the listener's pipe: one byte = authenticated */
#define REEXEC_CONFIG_FD 5  /* the config text the listener read (a memfd) */
#define REEXEC_FLAG "-R"    /* argv[1] of a connection process */
#define REEXEC_CONFIG_PATH "/proc/self/fd/5"

struct listener_runtime {
	struct server_options *opts;
	char **argv;            /* as started: re-executed for each connection and on SIGHUP */
	int config_fd;          /* memfd with the config text, or -1 */
	bool debug;             /* -d: one connection, in this process, then exit */
	bool log_stderr;        /* -e or -d */
	bool daemonize;         /* neither -D nor -d, and not restarted by SIGHUP */
};
/* Binds, writes the PidFile, tells systemd READY=1, and accepts until SIGTERM. Never returns. */
void listener_run(struct listener_runtime *rt) __attribute__((noreturn));
/* In a -R process: takes over the descriptors above; returns the connection's socket. */
int listener_rexec_take_fds(void);
/* The config text in a memfd the children read (REEXEC_CONFIG_FD); -1 if it cannot be made. */
int listener_config_memfd(const char *path);

/* ---- PerSourcePenalties (penalties.c), OpenSSH's srclimits.c ---- */
struct penalties;
struct penalties *penalties_new(const struct daemon_options *d);
void penalties_free(struct penalties *p);
/* What a pre-authentication connection process's wait status earns (sshd's child_reap):
 * PEN_CRASH, PEN_GRACE, PEN_AUTHFAIL, PEN_REFUSE, PEN_NOAUTH, or -1 for none (exit 0). */
int penalties_kind_for_status(int wait_status);
/* Adds the penalty for `kind` to peer's net block (logged). */
void penalties_record(struct penalties *p, const struct sockaddr *peer, int kind, uint64_t now_ms);
/* True when peer is to be refused now; *reason says why ("penalty: failed authentication"). */
bool penalties_refuse(struct penalties *p, const struct sockaddr *peer, uint64_t now_ms, const char **reason);

/* Both addresses in one PerSourceNetBlockSize block (PerSourceMaxStartups counts per block). */
bool srclimit_same_block(const struct daemon_options *d, const struct sockaddr *a, const struct sockaddr *b);

/* ---- MaxStartups (maxstartups.c) ---- */
/* sshd's should_drop_connection: `startups` unauthenticated connections now; random100 is a
 * uniformly random number in 0..99. */
bool maxstartups_should_drop(const struct daemon_options *d, int startups, unsigned random100);

/* ---- systemd (sd_notify.c) ---- */
/* Sends `state` ("READY=1", ...) to $NOTIFY_SOCKET; nothing when it is unset. 0 or -1. */
int sd_notify_send(const char *state);
/* "RELOADING=1" with the MONOTONIC_USEC systemd wants alongside it. */
int sd_notify_reloading(void);

#endif
