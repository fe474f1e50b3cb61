/* burrow-keygen -y and -l (ssh-keygen do_print_public() and do_fingerprint()). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keygen.h"

#define PROGNAME "burrow-keygen"

/* sshkey_perm_ok(): a private key others may read is refused, with OpenSSH's warning. */
static bool private_key_perm_ok(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return true; /* the read that follows reports the error */
	if (st.st_uid != getuid() || (st.st_mode & 077) == 0)
		return true;
	keygen_log("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	keygen_log("@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @");
	keygen_log("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	keygen_log("Permissions 0%3.3o for '%s' are too open.", (unsigned)(st.st_mode & 0777), path);
	keygen_log("It is required that your private key files are NOT accessible by others.");
	keygen_log("This private key will be ignored.");
	return false;
}

/* sshkey_load_private(): 0, an errno value (> 0), or a BURROW_E_* code; -1 for bad permissions. */
int keygen_load_private(const char *path, const char *passphrase, struct burrow_key **key, char **comment)
{
	*key = NULL;
	*comment = NULL;
	char *text;
	size_t len;
	int err = keygen_read_file(path, &text, &len);
	if (err)
		return err;
	if (!private_key_perm_ok(path)) {
		keygen_free_text(text, len);
		return -1;
	}
	err = burrow_key_parse_private(text, len, passphrase, key, comment);
	keygen_free_text(text, len);
	return err;
}

const char *keygen_load_error_text(int err)
{
	if (err > 0)
		return strerror(err);
	if (err == -1)
		return "bad permissions";
	return keygen_load_error(err);
}

/* ssh-keygen load_identity(): tries no passphrase first, then -P or asks once. */
struct burrow_key *keygen_load_identity(const char *path, const char *given, char **comment)
{
	struct burrow_key *key;
	int err = keygen_load_private(path, "", &key, comment);
	if (err == 0)
		return key;
	if (err != BURROW_E_PASSPHRASE)
		keygen_fatal("Load key \"%s\": %s", path, keygen_load_error_text(err));
	char *pass = given ? strdup(given) : keygen_read_passphrase("Enter passphrase: ");
	if (!pass)
		keygen_fatal("out of memory");
	err = keygen_load_private(path, pass, &key, comment);
	keygen_free_secret(pass);
	if (err)
		keygen_fatal("Load key \"%s\": %s", path, keygen_load_error_text(err));
	return key;
}

int keygen_print_public(struct keygen_opts *o)
{
	if (!o->file)
		o->file = keygen_ask_filename("Enter file in which the key is", o->type_name);
	struct stat st;
	if (stat(o->file, &st) == -1)
		keygen_fatal("%s: %s", o->file, strerror(errno));
	char *comment, *line;
	struct burrow_key *key = keygen_load_identity(o->file, o->passphrase, &comment);
	int err = burrow_key_format_public_line(key, comment, &line);
	if (err)
		keygen_fatal("sshkey_write failed: %s", keygen_load_error(err));
	printf("%s\n", line);
	free(line);
	free(comment);
	burrow_key_free(key);
	return KEYGEN_EXIT_OK;
}

static bool line_contains(const char *line, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(line + i, needle, k) == 0)
			return true;
	return false;
}

static void fingerprint_one_key(const struct keygen_opts *o, const struct burrow_key *key, const char *comment)
{
	char *fp, *art;
	keygen_fingerprint(o, key, &fp, &art);
	printf("%d %s %s (%s)\n", burrow_key_bits(key), fp, comment ? comment : "no comment",
	       burrow_key_type_short(key));
	if (o->verbose > 0)
		printf("%s\n", art);
	free(fp);
	free(art);
}

/*
 * sshkey_try_load_public(): the first key line of a public key file; the comment is the rest of
 * the line, or the file name when there is none.
 */
static int try_load_public(const char *path, struct burrow_key **key, char **comment)
{
	*key = NULL;
	*comment = NULL;
	char *text;
	size_t len;
	int err = keygen_read_file(path, &text, &len);
	if (err)
		return err;
	err = BURROW_E_NOTFOUND;
	for (char *line = text, *next; line < text + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		next = nl ? nl + 1 : text + len;
		size_t n = (size_t)((nl ? nl : text + len) - line);
		if (n == 0 || line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "-----BEGIN", 10) == 0)
			break; /* a private key: not for this reader */
		struct burrow_key *k;
		char *c;
		if (burrow_key_parse_public_line(line, n, &k, &c) != 0)
			continue;
		if (!*c) {
			free(c);
			c = strdup(path);
		}
		*key = k;
		*comment = c;
		err = 0;
		break;
	}
	keygen_free_text(text, len);
	return err;
}

/* ssh-keygen fingerprint_private(): the .pub's key and comment when there is one; else the key
 * stored in the clear in the private file and, when readable without passphrase, its comment. */
static void fingerprint_private(const struct keygen_opts *o, const char *path)
{
	struct stat st;
	if (stat(path, &st) == -1)
		keygen_fatal("%s: %s", path, strerror(errno));
	struct burrow_key *pub = NULL, *priv = NULL;
	char *comment = NULL;
	if (try_load_public(path, &pub, &comment) != 0) {
		char pub_path[4096];
		snprintf(pub_path, sizeof(pub_path), "%s.pub", path);
		if (try_load_public(pub_path, &pub, &comment) != 0) {
			char *text;
			size_t len;
			if (keygen_read_file(path, &text, &len) == 0) {
				burrow_key_parse_private_public(text, len, &pub);
				keygen_free_text(text, len);
			}
		}
	}
	if (!pub || !comment || !*comment) {
		free(comment);
		keygen_load_private(path, NULL, &priv, &comment);
	}
	if (!pub && !priv)
		keygen_fatal("%s is not a key file.", path);
	fingerprint_one_key(o, pub ? pub : priv, comment);
	free(comment);
	burrow_key_free(pub);
	burrow_key_free(priv);
}

int keygen_print_fingerprint(struct keygen_opts *o)
{
	if (!o->file)
		o->file = keygen_ask_filename("Enter file in which the key is", o->type_name);
	bool from_stdin = strcmp(o->file, "-") == 0;
	const char *path = from_stdin ? "(stdin)" : o->file;
	char *text;
	size_t len;
	int err = keygen_read_file(o->file, &text, &len);
	if (err)
		keygen_fatal("%s: %s: %s", PROGNAME, path, strerror(err));

	bool found = false;
	int lnum = 0;
	for (char *line = text, *next; line < text + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		next = nl ? nl + 1 : text + len;
		size_t n = (size_t)((nl ? nl : text + len) - line);
		lnum++;
		/* A private key is recognised by its first line; stdin is read as public keys only. */
		if (lnum == 1 && !from_stdin && line_contains(line, n, "PRIVATE KEY")) {
			keygen_free_text(text, len);
			fingerprint_private(o, path);
			return KEYGEN_EXIT_OK;
		}
		struct burrow_key *key;
		char *comment;
		err = burrow_key_parse_any_line(line, n, &key, &comment);
		if (err)
			continue; /* blank, comment, or not a key line */
		fingerprint_one_key(o, key, comment);
		free(comment);
		burrow_key_free(key);
		found = true; /* one good key in the file is enough */
	}
	keygen_free_text(text, len);
	if (!found)
		keygen_fatal("%s is not a public key file.", path);
	return KEYGEN_EXIT_OK;
}
