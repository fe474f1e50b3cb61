/*
 * Login records for pty sessions, as sshd's loginrec.c writes them on Linux: a USER_PROCESS
 * entry in utmp and wtmp at login, a DEAD_PROCESS one at logout, and the user's lastlog slot.
 * A file we may not write (not root, not in group utmp) or that does not exist is skipped with
 * a debug line, never an error: the session goes on.
 */
#define _GNU_SOURCE
#include "pty_utmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <lastlog.h>
#include <paths.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <utmp.h>
#include <utmpx.h>

#include "log.h"

#ifndef _PATH_LASTLOG
#define _PATH_LASTLOG "/var/log/lastlog"
#endif

void utmp_line_names(const char *tty, char *line, size_t line_len, char id[4])
{
	const char *name = strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;
	snprintf(line, line_len, "%s", name);
	/* sshd's line_abbrevname: the last four characters, not NUL-terminated. */
	size_t len = strlen(name);
	const char *tail = len > 4 ? name + len - 4 : name;
	memset(id, 0, 4);
	memcpy(id, tail, strlen(tail) < 4 ? strlen(tail) : 4);
}

static void utmp_fill(struct utmpx *ut, short type, const char *user, const char *tty, pid_t pid,
		      const char *host)
{
	char line[sizeof(ut->ut_line) + 1];
	memset(ut, 0, sizeof(*ut));
	ut->ut_type = type;
	ut->ut_pid = pid;
	utmp_line_names(tty, line, sizeof(line), ut->ut_id);
	strncpy(ut->ut_line, line, sizeof(ut->ut_line));
	if (user)
		strncpy(ut->ut_user, user, sizeof(ut->ut_user));
	if (host)
		strncpy(ut->ut_host, host, sizeof(ut->ut_host));
	struct timeval tv;
	gettimeofday(&tv, NULL);
	ut->ut_tv.tv_sec = tv.tv_sec;
	ut->ut_tv.tv_usec = tv.tv_usec;
	/* The address in binary too, as sshd's construct_utmpx (when host is an address). */
	if (host && inet_pton(AF_INET, host, &ut->ut_addr_v6[0]) != 1)
		inet_pton(AF_INET6, host, ut->ut_addr_v6);
}

static void utmp_write(struct utmpx *ut)
{
	setutxent();
	errno = 0;
	if (!pututxline(ut))
		log_debug("utmp: cannot write %s: %s", _PATH_UTMPX, strerror(errno));
	endutxent();
	/* updwtmpx reports nothing: check that we may write first, to say why it did not happen. */
	if (access(_PATH_WTMPX, W_OK) < 0)
		log_debug("wtmp: cannot write %s: %s", _PATH_WTMPX, strerror(errno));
	else
		updwtmpx(_PATH_WTMPX, ut);
}

static void lastlog_write(uid_t uid, const char *line, const char *host, time_t when)
{
	int fd = open(_PATH_LASTLOG, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_debug("lastlog: cannot open %s: %s", _PATH_LASTLOG, strerror(errno));
		return;
	}
	struct lastlog ll;
	memset(&ll, 0, sizeof(ll));
	ll.ll_time = (int32_t)when;
	/* Fixed-size fields, NUL-padded but not necessarily terminated, as login(1) writes them. */
	memcpy(ll.ll_line, line, strnlen(line, sizeof(ll.ll_line)));
	if (host)
		memcpy(ll.ll_host, host, strnlen(host, sizeof(ll.ll_host)));
	off_t off = (off_t)uid * (off_t)sizeof(ll);
	if (pwrite(fd, &ll, sizeof(ll), off) != (ssize_t)sizeof(ll))
		log_debug("lastlog: cannot write %s: %s", _PATH_LASTLOG, strerror(errno));
	close(fd);
}

void utmp_record_login(const char *user, uid_t uid, const char *tty, pid_t pid, const char *host)
{
	struct utmpx ut;
	utmp_fill(&ut, USER_PROCESS, user, tty, pid, host);
	utmp_write(&ut);
	char line[sizeof(ut.ut_line) + 1], id[4];
	utmp_line_names(tty, line, sizeof(line), id);
	lastlog_write(uid, line, host, (time_t)ut.ut_tv.tv_sec);
}

void utmp_record_logout(const char *tty, pid_t pid)
{
	struct utmpx ut;
	utmp_fill(&ut, DEAD_PROCESS, NULL, tty, pid, NULL);
	if (pid == 0) {
		/* The login entry of this line knows the pid. */
		struct utmpx key, *found;
		memset(&key, 0, sizeof(key));
		memcpy(key.ut_line, ut.ut_line, sizeof(key.ut_line));
		setutxent();
		found = getutxline(&key);
		if (found)
			ut.ut_pid = found->ut_pid;
		endutxent();
	}
	utmp_write(&ut);
}

int lastlog_read(uid_t uid, struct lastlog_entry *out)
{
	memset(out, 0, sizeof(*out));
	int fd = open(_PATH_LASTLOG, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct lastlog ll;
	ssize_t n = pread(fd, &ll, sizeof(ll), (off_t)uid * (off_t)sizeof(ll));
	close(fd);
	if (n != (ssize_t)sizeof(ll) || ll.ll_time == 0)
		return -1;
	out->when = (time_t)ll.ll_time;
	snprintf(out->line, sizeof(out->line), "%.*s", (int)sizeof(ll.ll_line), ll.ll_line);
	snprintf(out->host, sizeof(out->host), "%.*s", (int)sizeof(ll.ll_host), ll.ll_host);
	return 0;
}

void lastlog_message(const struct lastlog_entry *e, char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = 0;
	if (e->when == 0)
		return;
	char when[64];
	struct tm tm;
	/* ctime's format without its newline, as sshd prints it. */
	if (!localtime_r(&e->when, &tm) || strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		return;
	snprintf(buf, len, "Last login: %s%s%s\r\n", when, e->host[0] ? " from " : "", e->host);
}
