/*
 * Pseudo-terminals: allocation, ownership, release, and the local pty broker (session.h) that
 * ties them to the login records of utmp.c.
 */
#define _GNU_SOURCE
#include "pty_utmp.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int pty_allocate(int *master, int *slave, char *tty, size_t tty_len)
{
	char name[64];
	if (openpty(master, slave, name, NULL, NULL) < 0) {
		log_error("openpty: %s", strerror(errno));
		return -1;
	}
	if (strlen(name) >= tty_len) {
		log_error("openpty: tty name %s too long", name);
		close(*master);
		close(*slave);
		return -1;
	}
	snprintf(tty, tty_len, "%s", name);
	fcntl(*master, F_SETFD, FD_CLOEXEC);
	fcntl(*slave, F_SETFD, FD_CLOEXEC);
	return 0;
}

int pty_setowner(const struct user_info *user, const char *tty)
{
	if (geteuid() != 0)
		return 0; /* openpty made it ours already (devpts gives the opener's uid) */
	struct group *grp = getgrnam("tty");
	gid_t gid = grp ? grp->gr_gid : user->gid;
	mode_t mode = grp ? S_IRUSR | S_IWUSR | S_IWGRP : S_IRUSR | S_IWUSR;
	if (chown(tty, user->uid, gid) < 0) {
		log_error("chown(%.100s, %u, %u) failed: %.100s", tty, (unsigned)user->uid, (unsigned)gid,
			  strerror(errno));
		return -1;
	}
	if (chmod(tty, mode) < 0) {
		log_error("chmod(%.100s, 0%o) failed: %.100s", tty, (unsigned)mode, strerror(errno));
		return -1;
	}
	return 0;
}

void pty_release(const char *tty)
{
	if (geteuid() != 0)
		return;
	/* devpts removes the node once the master closes: ENOENT is the normal case. */
	if (chown(tty, 0, 0) < 0 && errno != ENOENT)
		log_debug("chown %.100s 0 0 failed: %.100s", tty, strerror(errno));
	if (chmod(tty, 0666) < 0 && errno != ENOENT)
		log_debug("chmod %.100s 0666 failed: %.100s", tty, strerror(errno));
}

/* ---- the local broker ---- */

static struct {
	char user[64];
	uid_t uid;
	char host[256];
	struct user_info owner; /* name/uid/gid only, for pty_setowner */
	bool known;
} local_login;

void pty_broker_local_set_login(const struct user_info *user, const char *host)
{
	snprintf(local_login.user, sizeof(local_login.user), "%s", user->name);
	local_login.uid = user->uid;
	snprintf(local_login.host, sizeof(local_login.host), "%s", host ? host : "");
	local_login.owner.name = local_login.user;
	local_login.owner.uid = user->uid;
	local_login.owner.gid = user->gid;
	local_login.known = true;
}

static int local_open(void *ctx, int *master, int *slave, char *tty, size_t tty_len)
{
	(void)ctx;
	if (pty_allocate(master, slave, tty, tty_len) < 0)
		return -1;
	if (local_login.known && pty_setowner(&local_login.owner, tty) < 0) {
		close(*master);
		close(*slave);
		return -1;
	}
	return 0;
}

static void local_login_record(void *ctx, const char *tty, pid_t pid)
{
	(void)ctx;
	if (local_login.known)
		utmp_record_login(local_login.user, local_login.uid, tty, pid, local_login.host);
}

static void local_close(void *ctx, const char *tty)
{
	(void)ctx;
	utmp_record_logout(tty, 0);
	pty_release(tty);
}

const struct pty_broker *pty_broker_local(void)
{
	static const struct pty_broker broker = {
		.open = local_open,
		.login = local_login_record,
		.close = local_close,
		.ctx = NULL,
	};
	return &broker;
}
