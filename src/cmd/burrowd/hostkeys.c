/*
 * Host keys: openssh-key-v1 private key files, refused like sshd refuses them when group or
 * others may read them.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define HOSTKEY_MAX_SIZE (1024u * 1024)

static int read_key_text(int fd, char **text, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	if ((uint64_t)st.st_size > HOSTKEY_MAX_SIZE) {
		errno = EFBIG;
		return -1;
	}
	size_t cap = (size_t)st.st_size, n = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return -1;
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

/* 0 and *key, or -1 after logging why the file is skipped. */
static int load_one(const char *path, struct burrow_key **key)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		log_error("Unable to load host key \"%s\": %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("Unable to load host key \"%s\": not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
		log_error("@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @");
		log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
		log_error("Permissions 0%3.3o for '%s' are too open.", (unsigned)(st.st_mode & 07777), path);
		log_error("It is required that your private key files are NOT accessible by others.");
		log_error("This private key will be ignored.");
		log_error("Unable to load host key: %s", path);
		close(fd);
		return -1;
	}
	char *text = NULL;
	size_t len = 0;
	int r = read_key_text(fd, &text, &len);
	int saved_errno = errno;
	close(fd);
	if (r < 0) {
		log_error("Unable to load host key \"%s\": %s", path, strerror(saved_errno));
		return -1;
	}
	char *comment = NULL;
	r = burrow_key_parse_private(text, len, NULL, key, &comment);
	/* The text holds the private key: wipe before freeing. */
	explicit_bzero(text, len);
	free(text);
	free(comment);
	if (r < 0) {
		log_error("Unable to load host key \"%s\": %s", path,
			  r == BURROW_E_PASSPHRASE ? "encrypted host keys are not supported"
						   : burrow_strerror(r));
		return -1;
	}
	return 0;
}

int hostkeys_load(const struct strlist *files, struct burrow_key ***keys_out, size_t *count_out)
{
	struct burrow_key **keys = calloc(files->n + 1, sizeof(*keys));
	size_t count = 0;
	if (!keys)
		return -1;
	for (size_t i = 0; i < files->n; i++) {
		struct burrow_key *key = NULL;
		if (load_one(files->v[i], &key) < 0)
			continue;
		char *fp = NULL;
		if (burrow_key_fingerprint_sha256(key, &fp) == 0)
			log_debug("host key %s: %s %s", files->v[i], burrow_key_type_name(key), fp);
		free(fp);
		keys[count++] = key;
	}
	*keys_out = keys;
	*count_out = count;
	return 0;
}

void hostkeys_free(struct burrow_key **keys, size_t count)
{
	for (size_t i = 0; i < count; i++)
		burrow_key_free(keys[i]);
	free(keys);
}
