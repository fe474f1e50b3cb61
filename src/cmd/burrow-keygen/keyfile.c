/* burrow-keygen -p, -e, -i and the choices -m / -a / -E make for every key written or shown
 * (ssh-keygen do_change_passphrase(), do_convert_to(), do_convert_from()). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keygen.h"

#define PROGNAME "burrow-keygen"
#define RFC4716_COMMENT_MAX 61 /* ssh-keygen: comment + quotes + "Comment: " fit in 72 columns */

int keygen_format_private(const struct keygen_opts *o, const struct burrow_key *key, const char *comment,
			  const char *passphrase, char **out)
{
	/* -m PEM / PKCS8 apply to RSA and ECDSA; Ed25519 keys are always openssh-key-v1 (sshkey.c). */
	if (o->format_set && (o->format == BURROW_KEY_FORMAT_PEM || o->format == BURROW_KEY_FORMAT_PKCS8) &&
	    burrow_key_type(key) != BURROW_KEY_ED25519)
		return burrow_key_format_pem_private(key, o->format, passphrase, out);
	return burrow_key_format_private_ex(key, comment, passphrase, o->rounds, out);
}

void keygen_fingerprint(const struct keygen_opts *o, const struct burrow_key *key, char **fp, char **art)
{
	int err = o->md5 ? burrow_key_fingerprint_md5(key, fp) : burrow_key_fingerprint_sha256(key, fp);
	if (err == 0)
		err = o->md5 ? burrow_key_fingerprint_randomart_md5(key, art) : burrow_key_fingerprint_randomart(key, art);
	if (err)
		keygen_fatal("sshkey_fingerprint failed");
}

static void need_file(struct keygen_opts *o)
{
	if (!o->file)
		o->file = keygen_ask_filename("Enter file in which the key is", o->type_name);
}

/* -e and -i: the file must exist, as ssh-keygen's do_convert_* check first. */
static void need_existing_file(struct keygen_opts *o)
{
	need_file(o);
	struct stat st;
	if (stat(o->file, &st) == -1)
		keygen_fatal("%s: %s: %s", PROGNAME, o->file, strerror(errno));
}

/* ---- -p ---- */

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);
	if (!d)
		keygen_fatal("out of memory");
	return d;
}

int keygen_change_passphrase(struct keygen_opts *o)
{
	need_file(o);
	struct stat st;
	if (stat(o->file, &st) == -1)
		keygen_fatal("%s: %s", o->file, strerror(errno));
	struct burrow_key *key = NULL;
	char *comment = NULL;
	int err = keygen_load_private(o->file, "", &key, &comment);
	if (err == BURROW_E_PASSPHRASE) {
		char *old = o->passphrase ? dup_or_die(o->passphrase) : keygen_read_passphrase("Enter old passphrase: ");
		err = keygen_load_private(o->file, old, &key, &comment);
		keygen_free_secret(old);
	}
	if (err)
		keygen_fatal("Failed to load key %s: %s", o->file, keygen_load_error_text(err));
	if (comment && *comment)
		printf("Key has comment '%s'\n", comment);

	char *pass1;
	if (o->new_passphrase) {
		pass1 = dup_or_die(o->new_passphrase);
	} else {
		pass1 = keygen_read_passphrase("Enter new passphrase (empty for no passphrase): ");
		char *pass2 = keygen_read_passphrase("Enter same passphrase again: ");
		bool same = strcmp(pass1, pass2) == 0;
		keygen_free_secret(pass2);
		if (!same) {
			keygen_free_secret(pass1);
			printf("Pass phrases do not match.  Try again.\n");
			exit(KEYGEN_EXIT_REFUSED);
		}
	}
	char *text = NULL;
	err = keygen_format_private(o, key, comment, pass1, &text);
	keygen_free_secret(pass1);
	if (err == 0 && (err = keygen_write_file(o->file, text, 0600, true)) != 0) {
		keygen_log("Saving key \"%s\" failed: %s", o->file, strerror(err));
		exit(KEYGEN_EXIT_REFUSED);
	}
	keygen_free_secret(text);
	if (err) {
		keygen_log("Saving key \"%s\" failed: %s", o->file, keygen_load_error(err));
		exit(KEYGEN_EXIT_REFUSED);
	}
	free(comment);
	burrow_key_free(key);
	printf("Your identification has been saved with the new passphrase.\n");
	return KEYGEN_EXIT_OK;
}

/* ---- -e ---- */

/* The first key line of a public key file. */
static struct burrow_key *public_from_file(const char *path)
{
	char *text;
	size_t len;
	if (keygen_read_file(path, &text, &len) != 0)
		return NULL;
	struct burrow_key *key = NULL;
	for (char *line = text, *next; line < text + len && !key; line = next) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		next = nl ? nl + 1 : text + len;
		size_t n = (size_t)((nl ? nl : text + len) - line);
		if (strncmp(line, "-----BEGIN", 10) == 0) {
			burrow_key_parse_private_public(text, len, &key); /* NULL when encrypted PEM */
			break;
		}
		if (burrow_key_parse_public_line(line, n, &key, NULL) != 0)
			key = NULL;
	}
	keygen_free_text(text, len);
	return key;
}

/* sshkey_load_public(), then the private key itself (asking for its passphrase). */
static struct burrow_key *load_public(const char *path)
{
	struct burrow_key *key = public_from_file(path);
	if (!key) {
		char pub[PATH_MAX];
		snprintf(pub, sizeof(pub), "%s.pub", path);
		key = public_from_file(pub);
	}
	if (!key) {
		char *comment = NULL;
		key = keygen_load_identity(path, NULL, &comment);
		free(comment);
	}
	return key;
}

int keygen_export(struct keygen_opts *o)
{
	need_existing_file(o);
	struct burrow_key *key = load_public(o->file);
	enum burrow_key_format format = o->format_set ? o->format : BURROW_KEY_FORMAT_RFC4716;
	char comment[512], host[256];
	if (gethostname(host, sizeof(host)) == -1)
		keygen_fatal("gethostname: %s", strerror(errno));
	host[sizeof(host) - 1] = 0;
	snprintf(comment, sizeof(comment), "%d-bit %s, converted by %s@%s from OpenSSH", burrow_key_bits(key),
		 burrow_key_type_short(key), keygen_user(), host);
	comment[RFC4716_COMMENT_MAX - 1] = 0; /* ssh-keygen cuts it there */
	char *out = NULL;
	int err = burrow_key_export_public(key, format, comment, &out);
	const char *type = burrow_key_type_short(key); /* a static name */
	if (err)
		burrow_key_free(key); /* before exiting, so that leak checkers stay quiet */
	if (err == BURROW_E_UNSUPPORTED)
		keygen_fatal("%s: unsupported key type %s",
			     format == BURROW_KEY_FORMAT_PEM ? "do_convert_to_pem" : "do_convert_to_pkcs8", type);
	if (err)
		keygen_fatal("key export failed: %s", keygen_load_error(err));
	fputs(out, stdout);
	free(out);
	burrow_key_free(key);
	return KEYGEN_EXIT_OK;
}

/* ---- -i ---- */

int keygen_import(struct keygen_opts *o)
{
	need_existing_file(o);
	enum burrow_key_format format = o->format_set ? o->format : BURROW_KEY_FORMAT_RFC4716;
	char *text;
	size_t len;
	int err = keygen_read_file(o->file, &text, &len);
	if (err)
		keygen_fatal("%s: %s: %s", PROGNAME, o->file, strerror(err));
	struct burrow_key *key = NULL;
	err = burrow_key_import_public(text, len, format, &key);
	keygen_free_text(text, len);
	if (err == 0) {
		char *line;
		if (burrow_key_format_public_line(key, NULL, &line) != 0)
			keygen_fatal("key write failed");
		printf("%s\n", line);
		free(line);
		burrow_key_free(key);
		return KEYGEN_EXIT_OK;
	}
	if (format == BURROW_KEY_FORMAT_PKCS8)
		keygen_fatal("do_convert_from_pkcs8: %s is not a recognised public key format", o->file);
	if (format == BURROW_KEY_FORMAT_PEM)
		keygen_fatal("do_convert_from_pem: unrecognised raw private key format");
	keygen_fatal("do_convert_from_ssh2: decode blob failed: %s", keygen_load_error(err));
}
