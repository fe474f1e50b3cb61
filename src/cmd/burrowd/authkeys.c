/*
 * authorized_keys for burrowd: expands AuthorizedKeysFile, reads each file as the user, applies
 * StrictModes (sshd's auth_secure_path: the file and every directory up to the home directory
 * must be owned by the user or root and not writable by group or others), and asks libburrow
 * whether the key is listed. Key options that would restrict the login in a way we cannot
 * enforce yet (command=, from=, ...) make that line refuse the key.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define AUTHKEYS_MAX_SIZE (16u * 1024 * 1024)

bool authkeys_pattern_valid(const char *pattern)
{
	for (const char *p = pattern; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p != 'h' && *p != 'u' && *p != 'U' && *p != '%')
			return false;
	}
	return true;
}

static int append(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t want = (*len + n + 1) * 2;
		char *grown = realloc(*out, want);
		if (!grown)
			return -1;
		*out = grown;
		*cap = want;
	}
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = 0;
	return 0;
}

char *authkeys_expand_path_new(const char *pattern, const struct user_info *user)
{
	char *out = NULL, uid_text[32];
	size_t len = 0, cap = 0;
	snprintf(uid_text, sizeof(uid_text), "%lu", (unsigned long)user->uid);
	if (append(&out, &len, &cap, "", 0) < 0)
		return NULL;
	for (const char *p = pattern; *p; p++) {
		const char *piece = p;
		size_t n = 1;
		if (*p == '%') {
			p++;
			switch (*p) {
			case 'h': piece = user->home; break;
			case 'u': piece = user->name; break;
			case 'U': piece = uid_text; break;
			case '%': piece = "%"; break;
			default: goto fail;
			}
			n = strlen(piece);
		}
		if (append(&out, &len, &cap, piece, n) < 0)
			goto fail;
	}
	if (out[0] == '/')
		return out;
	/* Relative paths are relative to the home directory (sshd's expand_authorized_keys). */
	char *joined = malloc(strlen(user->home) + len + 2);
	if (joined)
		sprintf(joined, "%s/%s", user->home, out);
	free(out);
	return joined;
fail:
	free(out);
	return NULL;
}

static bool owner_ok(const struct stat *st, uid_t uid)
{
	return st->st_uid == 0 || st->st_uid == uid;
}

/* sshd's auth_secure_path. 0, or -1 with a reason in err. */
static int secure_path(const char *path, const struct stat *st, const struct user_info *user,
		       char *err, size_t err_len)
{
	char real[PATH_MAX], home_real[PATH_MAX], dir[PATH_MAX];
	if (!realpath(path, real)) {
		snprintf(err, err_len, "realpath %s failed: %s", path, strerror(errno));
		return -1;
	}
	bool compare_home = realpath(user->home, home_real) != NULL;
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, err_len, "%s is not a regular file", real);
		return -1;
	}
	if (!owner_ok(st, user->uid) || (st->st_mode & 022)) {
		snprintf(err, err_len, "bad ownership or modes for file %s", real);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", real);
	for (;;) {
		char *parent = dirname(dir);
		memmove(dir, parent, strlen(parent) + 1);
		struct stat dst;
		if (stat(dir, &dst) < 0 || !owner_ok(&dst, user->uid) || (dst.st_mode & 022)) {
			snprintf(err, err_len, "bad ownership or modes for directory %s", dir);
			return -1;
		}
		if (compare_home && strcmp(dir, home_real) == 0)
			break;
		if (strcmp(dir, "/") == 0 || strcmp(dir, ".") == 0)
			break;
	}
	return 0;
}

/* Reads the file as the user; applies StrictModes. 0, or -1 (logged when it matters). */
static int read_keys_file(const struct server_options *opts, const struct user_info *user,
			  const char *path, char **text, size_t *len)
{
	struct saved_ids saved;
	if (ids_use_user(user, &saved) < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	int open_errno = errno;
	ids_restore(&saved);
	if (fd < 0) {
		if (open_errno == ENOENT)
			log_debug("Could not open user '%s' authorized keys '%s': %s", user->name, path,
				  strerror(open_errno));
		else
			log_info("Could not open user '%s' authorized keys '%s': %s", user->name, path,
				 strerror(open_errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		log_info("User %s authorized keys %s is not a regular file", user->name, path);
		close(fd);
		return -1;
	}
	char err[PATH_MAX + 64];
	if (opts->strict_modes && secure_path(path, &st, user, err, sizeof(err)) < 0) {
		log_info("Authentication refused: %s", err);
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > AUTHKEYS_MAX_SIZE) {
		log_info("User %s authorized keys %s is too large", user->name, path);
		close(fd);
		return -1;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap)
			break; /* grew while we read: the prefix will do */
	}
	close(fd);
	if (!buf)
		return -1;
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

/*
 * Key options that only switch off features burrowd does not offer yet can be honoured by doing
 * nothing; any other option would go unenforced, so its line refuses the key.
 */
static bool option_harmless(const char *name, size_t len)
{
	static const char *const harmless[] = {
		"restrict", "no-pty", "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding",
		"no-user-rc", "pty", "port-forwarding", "agent-forwarding", "x11-forwarding", "user-rc",
		"no-touch-required", "environment", "permitopen", "permitlisten",
	};
	for (size_t i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++)
		if (strlen(harmless[i]) == len && strncasecmp(harmless[i], name, len) == 0)
			return true;
	return false;
}

/* NULL when every option is harmless, else a malloc'd copy of the first other option's name. */
static char *unsupported_option_new(const char *opts)
{
	const char *p = opts;
	while (*p) {
		const char *name = p;
		while (*p && *p != '=' && *p != ',')
			p++;
		size_t name_len = (size_t)(p - name);
		if (*p == '=') {
			p++;
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++)
					if (*p == '\\' && p[1])
						p++;
				if (*p == '"')
					p++;
			}
			while (*p && *p != ',')
				p++;
		}
		if (name_len && !option_harmless(name, name_len))
			return strndup(name, name_len);
		if (*p == ',')
			p++;
	}
	return NULL;
}

/* Looks the key up in one file's text; lines with options we cannot enforce are skipped. */
static bool text_allows(const char *text, size_t len, const struct burrow_key *key, const char *path)
{
	int base_line = 0;
	const char *p = text;
	size_t left = len;
	for (;;) {
		int line_no = 0;
		char *options = NULL;
		int r = burrow_authorized_keys_find(p, left, key, &line_no, &options);
		if (r != 0) {
			if (r != BURROW_E_NOTFOUND)
				log_debug("%s: %s", path, burrow_strerror(r));
			return false;
		}
		char *bad = unsupported_option_new(options ? options : "");
		free(options);
		if (!bad) {
			log_debug("matching key found: file %s, line %d", path, base_line + line_no);
			return true;
		}
		log_info("%s line %d: key option \"%s\" is not supported yet; this line does not "
			 "grant access", path, base_line + line_no, bad);
		free(bad);
		/* Continue after that line, as sshd moves on to the next matching line. */
		for (int i = 0; i < line_no; i++) {
			const char *nl = memchr(p, '\n', left);
			if (!nl)
				return false;
			left -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
		base_line += line_no;
	}
}

bool authkeys_allows(const struct server_options *opts, const struct user_info *user,
		     const struct burrow_key *key)
{
	for (size_t i = 0; i < opts->authorized_keys_files.n; i++) {
		char *path = authkeys_expand_path_new(opts->authorized_keys_files.v[i], user);
		if (!path) {
			log_error("cannot expand AuthorizedKeysFile %s for %s",
				  opts->authorized_keys_files.v[i], user->name);
			continue;
		}
		char *text = NULL;
		size_t len = 0;
		bool ok = false;
		if (read_keys_file(opts, user, path, &text, &len) == 0) {
			ok = text_allows(text, len, key, path);
			free(text);
		}
		free(path);
		if (ok)
			return true;
	}
	return false;
}
