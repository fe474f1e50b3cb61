/*
 * A "session" channel and the process it runs: three pipes between the process and the
 * channel (or a pty after "pty-req"), with the buffering that keeps both sides honest about
 * flow control.
 */
#ifndef BURROWD_SESSION_H
#define BURROWD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "burrowd.h"

/* Stop reading process output while libburrow holds this much unsent output. */
#define SESSION_OUTPUT_HIGH_WATER (1024u * 1024)
/* One read() from a process pipe. */
#define SESSION_READ_SIZE (64u * 1024)

struct bytes {
	uint8_t *data;
	size_t off, len, cap;
};

struct session {
	uint32_t channel;
	pid_t pid;              /* 0: nothing started yet */
	bool exited;
	int wait_status;
	int fd_in, fd_out, fd_err; /* our ends of the pipes; -1 once closed */
	struct bytes in;        /* CHANNEL_DATA not yet written to the process' stdin */
	bool stdin_dead;        /* the process stopped reading stdin: discard what comes */
	bool peer_eof;
	struct bytes out[2];    /* read from stdout (0) / stderr (1), not yet taken by the engine */
	bool close_sent;

	/* After "pty-req": the pty is allocated at once (as sshd), the process gets the slave as
	 * its controlling terminal; fd_in and fd_out are then dups of the master, fd_err -1. */
	const struct pty_broker *pty; /* who allocated it, and owes the logout records */
	bool has_pty;
	int pty_master, pty_slave; /* -1 when closed; the slave only until the process starts */
	char tty[64];
	char term[BURROW_TERM_MAX + 1];
	struct strlist env;     /* "NAME=value" the client sent and AcceptEnv admitted */
	bool no_signals;        /* forced command or subsystem: "signal" refused, as sshd */
};

/* What the process gets to know about the connection. */
struct session_origin {
	const struct user_info *user;
	const char *peer_addr;
	int peer_port;
	const char *local_addr;
	int local_port;
	const char *agent_socket; /* agent forwarding: SSH_AUTH_SOCK for the process, or NULL */
	/* The login's restrictions (auth_policy.c): environment= of the key, and the command the
	 * client asked for when a forced command replaced it (SSH_ORIGINAL_COMMAND). NULL: none. */
	const struct auth_restrictions *restrictions;
	const char *original_command;
	/* PrintMotd, PrintLastLog for login shells on a pty; NULL: sshd's defaults. */
	const struct session_options *config;
};

/*
 * How a session gets its pty. Local (pty.c: pty_broker_local): openpty in this process, utmp/wtmp/
 * lastlog written when this process may. Under privilege separation (monitor.c) the root monitor
 * allocates it, hands the descriptors over, and writes the records, as sshd's monitor does.
 */
struct pty_broker {
	/* A new pty for the user: master and slave descriptors, the slave's path ("/dev/pts/3")
	 * in tty; owner the user, group tty, mode 0620. 0, or -1 (logged). */
	int (*open)(void *ctx, int *master, int *slave, char *tty, size_t tty_len);
	/* The process `pid` (session leader) runs on tty: the login records (utmp, wtmp, lastlog). */
	void (*login)(void *ctx, const char *tty, pid_t pid);
	/* The session on tty is over: logout records, the tty back to root:root 0666-free. */
	void (*close)(void *ctx, const char *tty);
	void *ctx;
};

struct session *session_new(uint32_t channel);
/* Kills nothing itself; closes our pipe ends and frees. NULL is a no-op. */
void session_free(struct session *s);

/* Starts `$SHELL -c command` (command NULL: the login shell) for the user. 0 or -1 (logged). */
int session_start(struct session *s, struct burrow_conn *conn, const struct session_origin *origin,
		  const char *command);
/* SIGHUP to the process group when the process still runs (peer closed, connection gone). */
void session_hangup(struct session *s);

/* "pty-req" (already parsed): a pty from the broker with the modes applied (unknown opcodes
 * skipped and logged) and the size set. 0 or -1 (logged). */
struct burrow_pty_req;
int session_pty_request(struct session *s, const struct pty_broker *broker, const struct burrow_pty_req *req);
/* "window-change": the new size on the pty (the process gets SIGWINCH). Sizes beyond what a
 * struct winsize holds are clamped. 0, or -1 without a pty. */
int session_window_change(struct session *s, uint32_t cols, uint32_t rows, uint32_t width_px, uint32_t height_px);
/* "signal": RFC 4254 6.10 name ("INT") to the process group. 0 or -1 (logged). */
int session_signal(struct session *s, const char *name);
/* "break" (RFC 4335): a break on the pty. 0, or -1 without a pty. */
int session_break(struct session *s);
/* "env" admitted by AcceptEnv: remembered for the process. 0 or -1 (too many, no memory). */
#define SESSION_MAX_ENV 128 /* sshd ignores env requests beyond this many */
int session_env_add(struct session *s, const char *name, const char *value);
/* The RFC 4254 6.10 name to a signal number, 0 when not one we deliver. */
int session_signal_number(const char *name);

/* Channel data from the peer: written through to the process, the rest buffered. */
void session_input(struct session *s, struct burrow_conn *conn, int stream, const uint8_t *data,
		   size_t len);
void session_input_eof(struct session *s, struct burrow_conn *conn);
/* The process' stdin became writable: write what is buffered. */
void session_write_stdin(struct session *s, struct burrow_conn *conn);

/* True when the session wants to read stream `stream` now (room in the window and below the
 * output high-water mark, nothing left over from the last read). */
bool session_wants_output(const struct session *s, struct burrow_conn *conn, int stream);
/* The pipe of stream `stream` is readable (or hung up): read and send. */
void session_read_output(struct session *s, struct burrow_conn *conn, int stream);
/* Hands leftovers to the engine once the window allows. */
void session_send_pending(struct session *s, struct burrow_conn *conn);
/* After the process exited and all its output was sent: exit-status or exit-signal, EOF,
 * CLOSE, in the order OpenSSH clients expect. */
void session_maybe_finish(struct session *s, struct burrow_conn *conn);

/* "TERM" for SIGTERM as RFC 4254 6.10 names signals; "SIG@openssh.com" for others, as sshd. */
const char *session_signal_name(int sig);

#endif
