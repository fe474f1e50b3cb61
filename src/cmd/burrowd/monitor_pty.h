/*
 * Ptys under privilege separation, both ends (as sshd's mm_answer_pty / mm_session_pty_cleanup):
 * the session child, running as the user, asks; the root monitor allocates the pty, gives it to
 * the user, passes the descriptors over the wire and writes the utmp/wtmp/lastlog records, and
 * on close (or when the connection ends) writes the logout records and takes the tty back.
 */
#ifndef BURROWD_MONITOR_PTY_H
#define BURROWD_MONITOR_PTY_H

#include <stdbool.h>

#include "burrowd.h"
#include "monitor_wire.h"
#include "session.h"

/* The child's broker: requests over the monitor wire at *fd (which must outlive it). */
struct pty_broker *monitor_pty_broker_new(int *fd);
void monitor_pty_broker_free(struct pty_broker *b);

/* The monitor's side: the ttys it handed to one login. */
#define MONITOR_MAX_PTYS 64
struct monitor_ptys {
	const struct user_info *user;
	const char *host;
	int count;
	struct {
		char tty[64];
		pid_t pid; /* 0 until the login record */
	} open[MONITOR_MAX_PTYS];
};
/* MM_PTY_OPEN, MM_PTY_LOGIN, MM_PTY_CLOSE from the child at fd; false: a protocol violation. */
bool monitor_pty_answer(struct monitor_ptys *p, int fd, struct mm_in *in);
/* The connection is over: logout records and ownership back for every tty still open. */
void monitor_pty_cleanup(struct monitor_ptys *p);

#endif
