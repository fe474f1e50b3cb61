/* Ptys through the monitor (monitor_pty.h). */
#define _GNU_SOURCE
#include "monitor_pty.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pty_utmp.h"

/* ---- the session child ---- */

static int child_open(void *ctx, int *master, int *slave, char *tty, size_t tty_len)
{
	int fd = *(int *)ctx;
	struct mm_out m;
	mm_begin(&m, MM_PTY_OPEN);
	if (mm_send(fd, &m, NULL, 0) < 0)
		return -1;
	struct mm_in in;
	if (mm_recv(fd, &in, 30000) <= 0)
		return -1;
	uint32_t ok = mm_get_u32(&in);
	char *name = mm_get_cstring(&in, 63);
	int r = -1;
	if (in.type == MM_PTY_REPLY && mm_done(&in) && ok && in.fds[0] >= 0 && in.fds[1] >= 0 &&
	    strlen(name) < tty_len) {
		*master = in.fds[0];
		*slave = in.fds[1];
		in.fds[0] = in.fds[1] = -1; /* ours now */
		strcpy(tty, name);
		r = 0;
	} else {
		log_error("the monitor could not allocate a pty");
	}
	free(name);
	mm_in_free(&in);
	return r;
}

static void child_login(void *ctx, const char *tty, pid_t pid)
{
	struct mm_out m;
	mm_begin(&m, MM_PTY_LOGIN);
	mm_put_cstring(&m, tty);
	mm_put_u32(&m, (uint32_t)pid);
	mm_send(*(int *)ctx, &m, NULL, 0);
}

static void child_close(void *ctx, const char *tty)
{
	struct mm_out m;
	mm_begin(&m, MM_PTY_CLOSE);
	mm_put_cstring(&m, tty);
	mm_send(*(int *)ctx, &m, NULL, 0);
}

struct pty_broker *monitor_pty_broker_new(int *fd)
{
	struct pty_broker *b = calloc(1, sizeof(*b));
	if (b)
		*b = (struct pty_broker){ .open = child_open, .login = child_login, .close = child_close, .ctx = fd };
	return b;
}

void monitor_pty_broker_free(struct pty_broker *b)
{
	free(b);
}

/* ---- the monitor ---- */

static int find(const struct monitor_ptys *p, const char *tty)
{
	for (int i = 0; i < p->count; i++)
		if (strcmp(p->open[i].tty, tty) == 0)
			return i;
	return -1;
}

static void answer_open(struct monitor_ptys *p, int fd)
{
	int master = -1, slave = -1;
	char tty[64] = "";
	bool ok = p->count < MONITOR_MAX_PTYS && pty_allocate(&master, &slave, tty, sizeof(tty)) == 0;
	if (ok && geteuid() == 0 && pty_setowner(p->user, tty) < 0)
		ok = false;
	struct mm_out m;
	mm_begin(&m, MM_PTY_REPLY);
	mm_put_u32(&m, ok);
	mm_put_cstring(&m, ok ? tty : "");
	int fds[2] = { master, slave };
	if (mm_send(fd, &m, fds, ok ? 2 : 0) == 0 && ok) {
		snprintf(p->open[p->count].tty, sizeof(p->open[p->count].tty), "%s", tty);
		p->open[p->count].pid = 0;
		p->count++;
	} else if (ok && geteuid() == 0) {
		pty_release(tty);
	}
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
}

static void release(struct monitor_ptys *p, int i)
{
	if (p->open[i].pid)
		utmp_record_logout(p->open[i].tty, p->open[i].pid);
	if (geteuid() == 0)
		pty_release(p->open[i].tty);
	p->open[i] = p->open[--p->count];
}

bool monitor_pty_answer(struct monitor_ptys *p, int fd, struct mm_in *in)
{
	if (in->type == MM_PTY_OPEN) {
		if (!mm_done(in))
			return false;
		answer_open(p, fd);
		return true;
	}
	char *tty = mm_get_cstring(in, 63);
	uint32_t pid = in->type == MM_PTY_LOGIN ? mm_get_u32(in) : 0;
	/* Only ttys this login was given: the child cannot have records written for others. */
	int i = mm_done(in) ? find(p, tty) : -1;
	bool ok = i >= 0 && (in->type != MM_PTY_LOGIN || (pid > 1 && pid <= INT32_MAX && p->open[i].pid == 0));
	if (ok && in->type == MM_PTY_LOGIN) {
		p->open[i].pid = (pid_t)pid;
		utmp_record_login(p->user->name, p->user->uid, tty, (pid_t)pid, p->host);
	} else if (ok) {
		release(p, i);
	}
	free(tty);
	return ok;
}

void monitor_pty_cleanup(struct monitor_ptys *p)
{
	while (p->count > 0)
		release(p, p->count - 1);
}
