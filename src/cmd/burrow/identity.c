/* Loading the user's private keys (IdentityFile, -i, or ssh's default list). */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgfile.h"
#include "log.h"

/* ssh(1)'s default identities, in its order; types the library lacks are skipped quietly. */
static const char *const default_identities[] = {
	"~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519",
	"~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa",
};

/* OpenSSH refuses private keys that others can read (sshkey_perm_ok). */
static bool key_permissions_ok(const char *path, const struct stat *st)
{
	if (st->st_uid != getuid() || (st->st_mode & 077) == 0)
		return true;
	log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	log_error("@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @");
	log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	log_error("Permissions 0%3.3o for '%s' are too open.", (unsigned)(st->st_mode & 0777), path);
	log_error("It is required that your private key files are NOT accessible by others.");
	log_error("This private key will be ignored.");
	log_error("Load key \"%s\": bad permissions", path);
	return false;
}

/* 1 loaded, 0 skipped. */
static int identity_load_one(const char *path, bool explicit, struct identity *id)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		log_debug("no such identity: %s: %s", path, strerror(errno));
		return 0;
	}
	if (!key_permissions_ok(path, &st))
		return 0;
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(path, &text, &len) < 0) {
		if (explicit)
			log_error("Load key \"%s\": %s", path, strerror(errno));
		else
			log_debug("Load key \"%s\": %s", path, strerror(errno));
		return 0;
	}
	struct burrow_key *key = NULL;
	int r = burrow_key_parse_private(text, len, NULL, &key, NULL);
	bool foreign_format = strstr(text, "-----BEGIN ") && !strstr(text, "-----BEGIN OPENSSH PRIVATE KEY-----");
	memset(text, 0, len);
	free(text);
	if (r == BURROW_E_PASSPHRASE) {
		log_debug("%s: encrypted private key; passphrase prompting is not supported yet, skipping", path);
		return 0;
	}
	if (r == BURROW_E_UNSUPPORTED || (r < 0 && foreign_format)) {
		log_debug("%s: key type or format not supported, skipping", path);
		return 0;
	}
	if (r < 0) {
		if (explicit)
			log_error("Load key \"%s\": invalid format", path);
		else
			log_debug("Load key \"%s\": invalid format", path);
		return 0;
	}
	char *fp = NULL;
	if (burrow_key_fingerprint_sha256(key, &fp) < 0 || !(id->path = strdup(path))) {
		free(fp);
		burrow_key_free(key);
		return -1;
	}
	id->key = key;
	id->fingerprint = fp;
	id->explicit = explicit;
	log_debug("identity file %s type %s", path, burrow_key_type_short(key));
	return 1;
}

int identities_load(const struct client_options *o, struct identity **out, size_t *count)
{
	const struct strlist *files = &o->identity_files;
	struct strlist defaults = { 0 };
	bool explicit = o->identity_files_set;
	if (!explicit) {
		for (size_t i = 0; i < sizeof(default_identities) / sizeof(default_identities[0]); i++) {
			char *path = options_expand_path(o, default_identities[i]);
			if (!path || strlist_add(&defaults, path) < 0) {
				free(path);
				strlist_free(&defaults);
				return -1;
			}
			free(path);
		}
		files = &defaults;
	}
	struct identity *ids = calloc(files->count + 1, sizeof(*ids));
	size_t n = 0;
	if (!ids) {
		strlist_free(&defaults);
		return -1;
	}
	for (size_t i = 0; i < files->count; i++) {
		int r = identity_load_one(files->items[i], explicit, &ids[n]);
		if (r < 0) {
			identities_free(ids, n);
			strlist_free(&defaults);
			return -1;
		}
		n += (size_t)r;
	}
	strlist_free(&defaults);
	*out = ids;
	*count = n;
	return 0;
}

void identities_free(struct identity *ids, size_t count)
{
	if (!ids)
		return;
	for (size_t i = 0; i < count; i++) {
		free(ids[i].path);
		free(ids[i].fingerprint);
		burrow_key_free(ids[i].key);
	}
	free(ids);
}
