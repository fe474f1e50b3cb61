/* System users and the privilege changes burrowd makes on their behalf when it runs as root. */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"

static int user_copy(const struct passwd *pw, struct user_info *out)
{
	memset(out, 0, sizeof(*out));
	out->name = strdup(pw->pw_name);
	out->home = strdup(pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
	/* An empty shell field means /bin/sh (passwd(5)). */
	out->shell = strdup(pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	if (!out->name || !out->home || !out->shell) {
		user_info_free(out);
		return -1;
	}
	return 0;
}

int user_lookup_name(const char *name, struct user_info *out)
{
	errno = 0;
	struct passwd *pw = getpwnam(name);
	return pw ? user_copy(pw, out) : -1;
}

int user_lookup_uid(uid_t uid, struct user_info *out)
{
	errno = 0;
	struct passwd *pw = getpwuid(uid);
	return pw ? user_copy(pw, out) : -1;
}

int user_info_dup(const struct user_info *in, struct user_info *out)
{
	struct passwd pw = { .pw_name = in->name, .pw_dir = in->home, .pw_shell = in->shell,
			     .pw_uid = in->uid, .pw_gid = in->gid };
	return user_copy(&pw, out);
}

void user_info_free(struct user_info *user)
{
	if (!user)
		return;
	free(user->name);
	free(user->home);
	free(user->shell);
	memset(user, 0, sizeof(*user));
}

int ids_use_user(const struct user_info *user, struct saved_ids *saved)
{
	memset(saved, 0, sizeof(*saved));
	if (geteuid() != 0 || user->uid == 0)
		return 0;
	saved->euid = geteuid();
	saved->egid = getegid();
	saved->group_count = getgroups(0, NULL);
	if (saved->group_count < 0)
		return -1;
	saved->groups = calloc((size_t)saved->group_count + 1, sizeof(gid_t));
	if (!saved->groups || getgroups(saved->group_count, saved->groups) < 0)
		goto fail;
	if (initgroups(user->name, user->gid) < 0 || setegid(user->gid) < 0)
		goto fail_restore;
	if (seteuid(user->uid) < 0)
		goto fail_restore;
	saved->changed = true;
	return 0;
fail_restore:
	log_error("cannot switch to user %s: %s", user->name, strerror(errno));
	saved->changed = true;
	ids_restore(saved);
	return -1;
fail:
	free(saved->groups);
	saved->groups = NULL;
	return -1;
}

void ids_restore(struct saved_ids *saved)
{
	if (!saved->changed)
		return;
	if (seteuid(saved->euid) < 0 || setegid(saved->egid) < 0 ||
	    setgroups((size_t)saved->group_count, saved->groups) < 0) {
		/* Carrying on half-switched would be worse than dropping this connection. */
		log_msg(LOG_LVL_FATAL, "cannot restore privileges: %s", strerror(errno));
		_exit(255);
	}
	free(saved->groups);
	memset(saved, 0, sizeof(*saved));
}

int ids_drop_to_user(const struct user_info *user)
{
	if (geteuid() != 0 || user->uid == 0)
		return 0;
	if (setgid(user->gid) < 0 || initgroups(user->name, user->gid) < 0 || setuid(user->uid) < 0) {
		log_error("cannot become user %s: %s", user->name, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		log_error("was able to restore root after becoming %s; refusing to go on", user->name);
		return -1;
	}
	/* The group must not come back either (sshd's permanently_set_uid). */
	if (user->gid != 0 && (setgid(0) == 0 || setegid(0) == 0)) {
		log_error("was able to restore group 0 after becoming %s; refusing to go on", user->name);
		return -1;
	}
	/* The process still holds the host key: keep other processes of the user out of it. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}
