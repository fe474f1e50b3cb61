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
#include "prompt.h"

#define IDENTITY_DEFAULT_PROMPTS 3 /* ssh_config NumberOfPasswordPrompts */

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

static void text_free(char *text, size_t len)
{
	if (!text)
		return;
	explicit_bzero(text, len);
	free(text);
}

/* The public half of an encrypted key: stored in the clear in openssh-key-v1 files, else
 * (PEM) in the .pub next to it. NULL when neither says. */
static struct burrow_key *identity_public_half(const char *path, const char *text, size_t len)
{
	struct burrow_key *pub = NULL;
	if (burrow_key_parse_private_public(text, len, &pub) == 0)
		return pub;
	char pub_path[4096];
	char *pub_text = NULL;
	size_t pub_len = 0;
	snprintf(pub_path, sizeof(pub_path), "%s.pub", path);
	if (file_read_all(pub_path, &pub_text, &pub_len) == 0) {
		size_t line = strcspn(pub_text, "\r\n");
		if (burrow_key_parse_public_line(pub_text, line, &pub, NULL) != 0)
			pub = NULL;
		free(pub_text);
	}
	return pub;
}

static int identity_fill(struct identity *id, const char *path, bool explicit, struct burrow_key *key, bool locked)
{
	char *fp = NULL;
	if (burrow_key_fingerprint_sha256(key, &fp) < 0 || !(id->path = strdup(path))) {
		free(fp);
		burrow_key_free(key);
		return -1;
	}
	id->key = key;
	id->fingerprint = fp;
	id->explicit = explicit;
	id->locked = locked;
	log_debug("identity file %s type %s%s", path, burrow_key_type_short(key), locked ? " (encrypted)" : "");
	return 1;
}

/* 1 loaded, 0 skipped. */
static int identity_load_one(const struct client_options *o, const char *path, bool explicit, struct identity *id)
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
	struct burrow_key *pub = r == BURROW_E_PASSPHRASE ? identity_public_half(path, text, len) : NULL;
	text_free(text, len);
	if (r == BURROW_E_PASSPHRASE && pub)
		return identity_fill(id, path, explicit, pub, true);
	if (r == BURROW_E_PASSPHRASE) {
		/* Nothing tells the public key: unlock now, as ssh must too. */
		struct identity tmp = { .locked = true };
		if (!(tmp.path = strdup(path)))
			return -1;
		int u = identity_unlock(&tmp, o);
		key = tmp.key;
		free(tmp.path);
		if (u < 0)
			return 0;
		return identity_fill(id, path, explicit, key, false);
	}
	if (r == BURROW_E_UNSUPPORTED) {
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
	return identity_fill(id, path, explicit, key, false);
}

/* One try: 0 unlocked (*key set), 1 wrong passphrase, -1 give up. */
static int identity_try_passphrase(const char *path, const char *text, size_t len, const char *pass,
				   struct burrow_key **key)
{
	int r = burrow_key_parse_private(text, len, pass, key, NULL);
	if (r == 0)
		return 0;
	if (r == BURROW_E_PASSPHRASE)
		return 1;
	log_error("Load key \"%s\": %s", path, r == BURROW_E_UNSUPPORTED ? "unknown or unsupported key type" : "invalid format");
	return -1;
}

int identity_unlock(struct identity *id, const struct client_options *o)
{
	if (!id->locked || id->from_agent)
		return 0;
	if (o->batch_mode > 0) {
		log_debug("%s: encrypted key and BatchMode: not asking for a passphrase", id->path);
		return -1;
	}
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(id->path, &text, &len) < 0) {
		log_error("Load key \"%s\": %s", id->path, strerror(errno));
		return -1;
	}
	int tries = o->number_of_password_prompts >= 0 ? o->number_of_password_prompts : IDENTITY_DEFAULT_PROMPTS;
	char prompt[300];
	snprintf(prompt, sizeof(prompt), "Enter passphrase for key '%.100s': ", id->path);
	struct burrow_key *key = NULL;
	int r = 1;
	for (int i = 0; i < tries && r == 1; i++) {
		char *pass = prompt_read(prompt, 0);
		if (!pass || !*pass) {
			log_debug("no passphrase given, try next key");
			prompt_free(pass);
			break;
		}
		r = identity_try_passphrase(id->path, text, len, pass, &key);
		prompt_free(pass);
		if (r == 1)
			log_debug("bad passphrase given, try again...");
	}
	text_free(text, len);
	if (r != 0)
		return -1;
	if (id->key && burrow_key_is_cert(id->key) && certfile_attach_unlocked(id->key, &key) < 0) {
		return -1; /* certfile.c: a certificate identity signs with the unlocked key */
	} else if (id->key && !burrow_key_is_cert(id->key) && !burrow_key_equal_public(key, id->key)) {
		log_error("Load key \"%s\": the private key does not match its public key", id->path);
		burrow_key_free(key);
		return -1;
	}
	burrow_key_free(id->key);
	id->key = key;
	id->locked = false;
	return 0;
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
		int r = identity_load_one(o, files->items[i], explicit, &ids[n]);
		if (r < 0) {
			identities_free(ids, n);
			strlist_free(&defaults);
			return -1;
		}
		n += (size_t)r;
	}
	strlist_free(&defaults);
	if (certfile_add_identities(o, &ids, &n) < 0) { /* certfile.c: id-cert.pub, CertificateFile */
		identities_free(ids, n);
		return -1;
	}
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
