/* burrow-keygen -F / -R / -H: find, remove and hash known_hosts entries (ssh-keygen
 * do_known_hosts(), known_hosts_find_delete(), known_hosts_hash()). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keygen.h"

struct kh_ctx {
	const struct keygen_opts *o;
	const char *path;
	FILE *out;            /* the new file (-R, -H) or stdout (-F) */
	bool found;
	bool has_unhashed;    /* -H wrote freshly hashed names: the .old file holds them in clear */
};

static void kh_print_fingerprint(const struct kh_ctx *c, const char *line, size_t n)
{
	struct burrow_key *key;
	char *comment = NULL, *fp, *art;
	if (burrow_key_parse_any_line(line, n, &key, &comment) != 0)
		return;
	keygen_fingerprint(c->o, key, &fp, &art);
	/* parse_any_line gives the host field as the comment when there is none after the key */
	printf("%s %s %s\n", c->o->find_host, burrow_key_type_short(key), fp);
	free(fp);
	free(art);
	free(comment);
	burrow_key_free(key);
}

/* -H on one line: writes its hashed form, or the line itself. */
static void kh_hash_one(struct kh_ctx *c, const char *line, size_t n, unsigned long line_no)
{
	char *hashed = NULL;
	bool wild = false;
	if (burrow_known_hosts_hash_line(line, n, &hashed, &wild) != 0)
		keygen_fatal("known_hosts_hash: hash_host failed");
	if (hashed) {
		fputs(hashed, c->out);
		c->has_unhashed = true;
		free(hashed);
		return;
	}
	fprintf(c->out, "%.*s\n", (int)n, line);
	if (wild && !c->o->find_host) {
		const char *sp = line + strspn(line, " \t");
		size_t hl = strcspn(sp, " \t");
		keygen_log("%s:%lu: ignoring host name with wildcard: %.*s", c->path, line_no, (int)(hl > 64 ? 64 : hl), sp);
	}
}

static const char *kh_marker_word(enum burrow_known_hosts_marker m)
{
	return m == BURROW_KH_MARKER_CA ? "CA" : m == BURROW_KH_MARKER_REVOKED ? "REVOKED" : "";
}

static void kh_one_line(struct kh_ctx *c, const char *line, size_t n, unsigned long line_no)
{
	const struct keygen_opts *o = c->o;
	const char *host = o->find_host ? o->find_host : o->remove_host;
	enum burrow_known_hosts_marker marker = BURROW_KH_MARKER_NONE;
	int m = host ? burrow_known_hosts_line_matches(line, n, host, &marker) : 0;
	if (o->find_host) {
		if (m != 1)
			return;
		c->found = true;
		if (!o->quiet)
			printf("# Host %s found: line %lu %s\n", host, line_no, kh_marker_word(marker));
		if (o->hash_hosts)
			kh_hash_one(c, line, n, line_no);
		else if (o->print_fingerprint)
			kh_print_fingerprint(c, line, n);
		else
			printf("%.*s\n", (int)n, line);
		return;
	}
	if (o->remove_host) {
		/* CA and revocation lines are not removed. */
		if (m == 1 && marker == BURROW_KH_MARKER_NONE) {
			c->found = true;
			if (!o->quiet)
				printf("# Host %s found: line %lu\n", host, line_no);
			return;
		}
		fprintf(c->out, "%.*s\n", (int)n, line);
		return;
	}
	kh_hash_one(c, line, n, line_no);
}

static void kh_default_file(struct keygen_opts *o)
{
	if (o->file)
		return;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/.ssh/known_hosts", keygen_home());
	if (!(o->file = strdup(path)))
		keygen_fatal("out of memory");
}

/* FILE.old keeps the original; the new text replaces FILE (ssh-keygen's order of steps). */
static void kh_replace(const char *path, const char *tmp)
{
	char old[PATH_MAX];
	snprintf(old, sizeof(old), "%s.old", path);
	if (unlink(old) == -1 && errno != ENOENT)
		keygen_fatal("unlink %.100s: %s", old, strerror(errno));
	if (link(path, old) == -1)
		keygen_fatal("link %.100s to %.100s: %s", path, old, strerror(errno));
	if (rename(tmp, path) == -1) {
		keygen_log("rename\"%s\" to \"%s\": %s", tmp, path, strerror(errno));
		unlink(tmp);
		exit(KEYGEN_EXIT_REFUSED);
	}
	printf("%s updated.\n", path);
	printf("Original contents retained as %s\n", old);
}

int keygen_known_hosts(struct keygen_opts *o)
{
	kh_default_file(o);
	struct stat st;
	if (stat(o->file, &st) == -1)
		keygen_fatal("Cannot stat %s: %s", o->file, strerror(errno));
	bool inplace = !o->find_host;
	char tmp[PATH_MAX];
	struct kh_ctx c = { .o = o, .path = o->file, .out = stdout };
	if (inplace) {
		snprintf(tmp, sizeof(tmp), "%s.XXXXXXXXXX", o->file);
		int fd = mkstemp(tmp);
		if (fd == -1 || !(c.out = fdopen(fd, "w")))
			keygen_fatal("mkstemp: %s", strerror(errno));
		fchmod(fd, st.st_mode & 0644);
	}
	char *text;
	size_t len;
	int err = keygen_read_file(o->file, &text, &len);
	if (err)
		keygen_fatal("%s: %s", o->file, strerror(err));
	unsigned long line_no = 0;
	for (char *line = text, *next; line < text + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		next = nl ? nl + 1 : text + len;
		size_t n = (size_t)((nl ? nl : text + len) - line);
		if (n && line[n - 1] == '\r')
			n--;
		kh_one_line(&c, line, n, ++line_no);
	}
	keygen_free_text(text, len);
	if (!inplace)
		return c.found ? KEYGEN_EXIT_OK : KEYGEN_EXIT_REFUSED;
	if (fclose(c.out) != 0)
		keygen_fatal("fclose: %s", strerror(errno));
	if (o->remove_host && !c.found) {
		keygen_log("Host %s not found in %s", o->remove_host, o->file);
		unlink(tmp);
		return KEYGEN_EXIT_OK;
	}
	kh_replace(o->file, tmp);
	if (c.has_unhashed) {
		keygen_log("WARNING: %s.old contains unhashed entries", o->file);
		keygen_log("Delete this file to ensure privacy of hostnames");
	}
	return KEYGEN_EXIT_OK;
}
