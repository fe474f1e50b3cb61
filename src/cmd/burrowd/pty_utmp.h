/*
 * Pseudo-terminals and the login records that go with them, as plain functions: the local pty
 * broker (pty.c) calls them in this process; a root monitor (privilege separation) calls them
 * through its own broker, as sshd's monitor does (mm_answer_pty, record_login).
 */
#ifndef BURROWD_PTY_UTMP_H
#define BURROWD_PTY_UTMP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "burrowd.h"
#include "session.h"

/* openpty: master and slave, close-on-exec, the slave's path ("/dev/pts/3") in tty. 0 or -1 (logged). */
int pty_allocate(int *master, int *slave, char *tty, size_t tty_len);
/* The slave to the user, group tty, mode 0620 (0600 and the user's group without a tty group),
 * as sshd's pty_setowner. Only root may; 0 or -1 (logged). */
int pty_setowner(const struct user_info *user, const char *tty);
/* After the session: root:root 0666 as sshd's pty_release (errors logged, root only). */
void pty_release(const char *tty);

/* utmp/wtmp USER_PROCESS entry and the lastlog slot of uid (utmp.c). Files we may not write are
 * skipped with a debug line, as sshd skips them. */
void utmp_record_login(const char *user, uid_t uid, const char *tty, pid_t pid, const char *host);
/* utmp/wtmp DEAD_PROCESS entry for tty. */
void utmp_record_logout(const char *tty, pid_t pid);
/* The lastlog slot of uid: 0 with the time, line and host of the last login, -1 when there is
 * none (never logged in, no lastlog file). */
struct lastlog_entry {
	time_t when;
	char line[64];
	char host[256];
};
int lastlog_read(uid_t uid, struct lastlog_entry *out);
/* "Last login: Wed Nov 25 14:00:01 2026 from 10.0.0.1\r\n" as sshd's store_lastlog_message;
 * "" when there is no earlier login. */
void lastlog_message(const struct lastlog_entry *e, char *buf, size_t len);
/* ut_line and ut_id of a tty as sshd computes them ("/dev/pts/3": "pts/3" and "ts/3"). */
void utmp_line_names(const char *tty, char *line, size_t line_len, char id[4]);

/* The broker that does all of it in this process: records only when this process may write
 * the files (root, or the utmp group). The login records name `user` from `host`. */
const struct pty_broker *pty_broker_local(void);
void pty_broker_local_set_login(const struct user_info *user, const char *host);

#endif
