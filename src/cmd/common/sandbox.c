/* The privilege half of the pre-auth sandbox: the empty directory, the unprivileged account,
 * the irreversible uid/gid drop and the resource limits. The syscall filter is in
 * sandbox_seccomp.c. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* An existing directory must be empty: a file inside would be visible to the chrooted child. */
static int privsep_dir_is_empty(const char *path)
{
	DIR *dir = opendir(path);
	if (!dir) {
		log_error("opendir %s: %s", path, strerror(errno));
		return -1;
	}
	struct dirent *entry;
	int found = 0;
	while ((entry = readdir(dir)) != NULL) {
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
			found = 1;
			break;
		}
	}
	closedir(dir);
	if (found) {
		log_error("%s must be empty", path);
		errno = ENOTEMPTY;
		return -1;
	}
	return 0;
}

int sandbox_privsep_dir(const char *path)
{
	if (mkdir(path, 0755) == 0) {
		/* mkdir honours the umask and the parent's setgid bit: set both owner and mode. */
		if (chown(path, 0, 0) != 0 || chmod(path, 0755) != 0) {
			log_error("%s: %s", path, strerror(errno));
			return -1;
		}
	} else if (errno != EEXIST) {
		log_error("Missing privilege separation directory: %s", path);
		return -1;
	}
	struct stat st;
	if (lstat(path, &st) != 0) {
		log_error("Missing privilege separation directory: %s", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_error("%s is not a directory", path);
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		/* sshd's words for the same check on its chroot directory. */
		log_error("%s must be owned by root and not group or world-writable.", path);
		errno = EPERM;
		return -1;
	}
	return privsep_dir_is_empty(path);
}

const char *sandbox_privsep_user(void)
{
	static const char *const candidates[] = { "burrowd", "sshd", "nobody" };
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (getpwnam(candidates[i]) != NULL)
			return candidates[i];
	return NULL;
}

/* The drop is only worth something if it cannot be undone: try to undo it. */
static int drop_is_irreversible(uid_t uid, gid_t gid)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0)
		return -1;
	if (ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid)
		return -1;
	if (getgroups(0, NULL) != 0)
		return -1;
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 || setegid(0) != -1)
		return -1;
	return 0;
}

int sandbox_drop_to_unprivileged(const char *empty_dir, const char *user)
{
	if (geteuid() != 0) {
		errno = EPERM;
		return -1;
	}
	/* Look the account up while /etc/passwd is still in view. */
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		log_error("Privilege separation user %s does not exist", user);
		errno = errno ? errno : ENOENT;
		return -1;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (uid == 0 || gid == 0) {
		log_error("Privilege separation user %s has uid or gid 0", user);
		errno = EPERM;
		return -1;
	}
	if (chroot(empty_dir) != 0) {
		log_error("chroot(\"%s\"): %s", empty_dir, strerror(errno));
		return -1;
	}
	if (chdir("/") != 0) {
		log_error("chdir(\"/\"): %s", strerror(errno));
		return -1;
	}
	/* Groups first: once the uid is gone, so is the right to change them. */
	if (setgroups(0, NULL) != 0) {
		log_error("setgroups: %s", strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) != 0) {
		log_error("setresgid %u: %s", (unsigned)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) != 0) {
		log_error("setresuid %u: %s", (unsigned)uid, strerror(errno));
		return -1;
	}
	if (drop_is_irreversible(uid, gid) != 0) {
		log_error("permanently_set_uid: was able to restore old [e]uid");
		errno = EPERM;
		return -1;
	}
	return 0;
}

static int set_limit(int resource, rlim_t value, const char *name)
{
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value };
	if (setrlimit(resource, &rl) != 0) {
		log_error("setrlimit(%s, %lu): %s", name, (unsigned long)value, strerror(errno));
		return -1;
	}
	return 0;
}

int sandbox_limit_resources(unsigned max_fds)
{
	if (max_fds == 0) {
		errno = EINVAL;
		return -1;
	}
	if (set_limit(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE") != 0)
		return -1;
	if (set_limit(RLIMIT_NOFILE, max_fds, "RLIMIT_NOFILE") != 0)
		return -1;
	return set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC");
}

int sandbox_enter_preauth(const char *empty_dir, const char *user, unsigned max_fds)
{
	if (sandbox_drop_to_unprivileged(empty_dir, user) != 0)
		return -1;
	if (sandbox_limit_resources(max_fds) != 0)
		return -1;
	return sandbox_restrict_syscalls();
}
