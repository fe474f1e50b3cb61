/*
 * authorized_keys for burrowd: expands AuthorizedKeysFile, reads each file as the user, applies
 * StrictModes (sshd's auth_secure_path: the file and every directory up to the home directory
 * must be owned by the user or root and not writable by group or others), and asks libburrow
 * whether the key is listed. The matching line's options are parsed by libburrow; from= and
 * expiry-time= are checked here, the rest become the connection's auth_restrictions. After the
 * files, AuthorizedKeysCommand's output is read the same way (authkeys_command.c), as sshd does.
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
#include <time.h>
#include <unistd.h>

#include "authkeys_command.h"
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

int authkeys_secure_path(const char *path, const struct stat *st, const struct user_info *user,
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
	if (opts->strict_modes && authkeys_secure_path(path, &st, user, err, sizeof(err)) < 0) {
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

/* sshd's auth_authorise_keyopts for one matching line: expiry-time= and from=. */
static bool line_options_permit(const struct burrow_authorized_keys_options *o, const char *loc,
				const struct user_info *user, const char *peer_addr)
{
	if (o->expiry_time && (uint64_t)time(NULL) > o->expiry_time) {
		char when[64];
		time_t t = (time_t)o->expiry_time;
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", localtime_r(&t, &tm));
		log_info("%s: entry expired at %s", loc, when);
		return false;
	}
	if (o->from) {
		int m = peer_addr ? burrow_match_host_and_ip(peer_addr, peer_addr, o->from) : BURROW_MATCH_NO;
		if (m < 0) {
			log_error("%s: invalid from criteria", loc);
			return false;
		}
		if (m != BURROW_MATCH_YES) {
			log_info("%s: Authentication tried for %s with correct key but not from a permitted "
				 "host (host=%s, ip=%s, required=%s).", loc, user->name, peer_addr ? peer_addr : "?",
				 peer_addr ? peer_addr : "?", o->from);
			return false;
		}
	}
	return true;
}

/* Looks the key up in one file's text, as sshd's check_authkeys_file: the first matching line
 * whose options parse and permit this login wins; later lines are still tried after a refusal. */
static bool text_allows(const struct server_options *opts, const char *text, size_t len,
			const struct burrow_key *key, const char *path, const struct user_info *user,
			const char *peer_addr, struct auth_restrictions *restrictions)
{
	size_t pos = 0;
	int line_no = 0;
	for (;;) {
		struct burrow_key *found = NULL;
		char *options = NULL;
		int r = burrow_authorized_keys_next(text, len, &pos, &line_no, &found, &options);
		if (r != 0) {
			if (r != BURROW_E_NOTFOUND)
				log_debug("%s: %s", path, burrow_strerror(r));
			return false;
		}
		/* A certificate matches its CA's line (cert-authority, checked below). */
		bool is_cert = burrow_key_is_cert(key);
		bool match = burrow_key_equal_public(found, is_cert ? burrow_cert_signature_key(key) : key);
		burrow_key_free(found);
		if (!match) {
			free(options);
			continue;
		}
		char loc[PATH_MAX + 32];
		snprintf(loc, sizeof(loc), "%s:%d", path, line_no);
		struct burrow_authorized_keys_options o;
		const char *why = NULL;
		r = burrow_authorized_keys_options_parse(options, strlen(options), &o, &why);
		free(options);
		if (r < 0) {
			log_info("%s: bad key options: %s", loc, why ? why : burrow_strerror(r));
			continue;
		}
		/* A cert-authority line trusts the certificates the key signs, not the key itself. */
		bool ok = (is_cert ? o.cert_authority && certauth_authorized_keys_line(key, &o, loc, user) : !o.cert_authority) &&
			  line_options_permit(&o, loc, user, peer_addr);
		if (ok) {
			log_debug("%s: matching key found", loc);
			if (restrictions && auth_restrictions_from_key_options(restrictions, opts, &o) < 0)
				ok = false;
		}
		burrow_authorized_keys_options_free(&o);
		if (ok)
			return true;
	}
}

bool authkeys_allows(const struct server_options *opts, const struct user_info *user,
		     const struct burrow_key *key)
{
	return authkeys_check(opts, user, key, NULL, NULL);
}

bool authkeys_check(const struct server_options *opts, const struct user_info *user,
		    const struct burrow_key *key, const char *peer_addr, struct auth_restrictions *restrictions)
{
	if (!burrow_key_is_cert(key) && certauth_key_revoked(opts, key)) /* certauth_check did a certificate */
		return false;
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
			ok = text_allows(opts, text, len, key, path, user, peer_addr, restrictions);
			free(text);
		}
		free(path);
		if (ok)
			return true;
	}
	char *text = NULL;
	size_t len = 0;
	char *label = NULL;
	if (authkeys_command_run(opts, AUTHKEYS_COMMAND_KEYS, user, key, &text, &len, &label) < 0)
		return false;
	bool ok = text_allows(opts, text, len, key, label, user, peer_addr, restrictions);
	free(text);
	free(label);
	return ok;
}
