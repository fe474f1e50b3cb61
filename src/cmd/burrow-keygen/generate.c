/* burrow-keygen -t: generate a key pair and save FILE and FILE.pub (ssh-keygen main()). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keygen.h"

#define KEYGEN_RSA_MIN_BITS 1024     /* ssh-keygen: SSH_RSA_MINIMUM_MODULUS_SIZE */
#define KEYGEN_RSA_MAX_BITS 16384    /* ssh-keygen: OPENSSL_RSA_MAX_MODULUS_BITS */
#define KEYGEN_RSA_DEFAULT_BITS 3072 /* ssh-keygen: DEFAULT_BITS */
#define KEYGEN_ECDSA_DEFAULT_BITS 256 /* ssh-keygen: DEFAULT_BITS_ECDSA */

/* ssh-keygen type_bits_valid(): the default size for the type, or fatal for a size it lacks.
 * -b means nothing for ed25519. */
static int keygen_bits(enum burrow_key_type type, const char *type_name, long bits)
{
	switch (type) {
	case BURROW_KEY_RSA:
		if (bits == 0)
			bits = KEYGEN_RSA_DEFAULT_BITS;
		if (bits < KEYGEN_RSA_MIN_BITS)
			keygen_fatal("Invalid RSA key length: minimum is %d bits", KEYGEN_RSA_MIN_BITS);
		if (bits > KEYGEN_RSA_MAX_BITS)
			keygen_fatal("Invalid RSA key length: maximum is %d bits", KEYGEN_RSA_MAX_BITS);
		return (int)bits;
	case BURROW_KEY_ECDSA:
		if (bits == 0)
			bits = burrow_key_type_name_bits(type_name); /* "ecdsa-sha2-nistp384" */
		if (bits == 0)
			bits = KEYGEN_ECDSA_DEFAULT_BITS;
		if (bits != 256 && bits != 384 && bits != 521)
			keygen_fatal("Invalid ECDSA key length: valid lengths are 256, 384 or 521 bits");
		return (int)bits;
	default:
		return 0;
	}
}

/* hostfile_create_user_ssh_dir(): makes ~/.ssh when FILE is directly inside it. */
static void create_user_ssh_dir(const char *file, bool notify)
{
	const char *slash = strrchr(file, '/');
	if (!slash)
		return;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/.ssh", keygen_home());
	size_t len = (size_t)(slash - file);
	if (strlen(dir) != len || strncmp(file, dir, len) != 0)
		return;
	struct stat st;
	if (stat(dir, &st) == 0)
		return;
	if (errno != ENOENT)
		keygen_log("Could not stat %s: %s", dir, strerror(errno));
	else if (mkdir(dir, 0700) == -1)
		keygen_log("Could not create directory '%s' (%s).", dir, strerror(errno));
	else if (notify)
		keygen_log("Created directory '%s'.", dir);
}

/* ssh-keygen confirm_overwrite(): asks on stdout, reads stdin; no answer means no. */
static bool confirm_overwrite(const char *file)
{
	struct stat st;
	if (stat(file, &st) != 0)
		return true;
	printf("%s already exists.\n", file);
	printf("Overwrite (y/n)? ");
	fflush(stdout);
	char *answer = keygen_read_line();
	bool yes = answer && (answer[0] == 'y' || answer[0] == 'Y');
	free(answer);
	return yes;
}

/* ssh-keygen private_key_passphrase(): -P, -N, or asked twice until both agree. */
static char *new_passphrase(const struct keygen_opts *o)
{
	const char *given = o->passphrase ? o->passphrase : o->new_passphrase;
	if (given) {
		char *s = strdup(given);
		if (!s)
			keygen_fatal("out of memory");
		return s;
	}
	for (;;) {
		char *p1 = keygen_read_passphrase("Enter passphrase (empty for no passphrase): ");
		char *p2 = keygen_read_passphrase("Enter same passphrase again: ");
		bool same = strcmp(p1, p2) == 0;
		keygen_free_secret(p2);
		if (same)
			return p1;
		keygen_free_secret(p1);
		printf("Passphrases do not match.  Try again.\n");
	}
}

/* Writes all of text to path, created with `mode` (and forced to it when the file existed). */
int keygen_write_file(const char *path, const char *text, mode_t mode, bool force_mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return errno;
	int err = 0;
	if (force_mode && fchmod(fd, mode) != 0)
		err = errno;
	size_t len = strlen(text), off = 0;
	while (!err && off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			err = errno;
		else
			off += (size_t)w;
	}
	if (close(fd) != 0 && !err)
		err = errno;
	return err;
}

static void default_comment(char *out, size_t n)
{
	char host[256];
	if (gethostname(host, sizeof(host)) == -1)
		keygen_fatal("gethostname: %s", strerror(errno));
	host[sizeof(host) - 1] = 0;
	snprintf(out, n, "%s@%s", keygen_user(), host);
}

static void print_saved_fingerprint(const struct keygen_opts *o, const struct burrow_key *key, const char *pub_file,
				    const char *comment)
{
	char *fp, *art;
	keygen_fingerprint(o, key, &fp, &art);
	printf("Your public key has been saved in %s\n", pub_file);
	printf("The key fingerprint is:\n");
	printf("%s %s\n", fp, comment);
	printf("The key's randomart image is:\n");
	printf("%s\n", art);
	free(fp);
	free(art);
}

int keygen_generate(struct keygen_opts *o)
{
	const char *type_name = o->type_name ? o->type_name : KEYGEN_DEFAULT_TYPE;
	enum burrow_key_type type;
	int err = burrow_key_type_parse(type_name, &type);
	if (err == BURROW_E_UNSUPPORTED)
		keygen_fatal("unsupported key type %s: burrow-keygen makes ed25519, ecdsa and rsa keys", type_name);
	if (err)
		keygen_fatal("unknown key type %s", type_name);
	int bits = keygen_bits(type, type_name, o->bits);

	if (!o->quiet)
		printf("Generating public/private %s key pair.\n", type_name);
	struct burrow_key *key;
	if ((err = burrow_key_generate(type, bits, &key)) != 0)
		keygen_fatal("sshkey_generate failed");

	if (!o->file)
		o->file = keygen_ask_filename("Enter file in which to save the key", type_name);
	create_user_ssh_dir(o->file, !o->quiet);
	if (!confirm_overwrite(o->file))
		exit(KEYGEN_EXIT_REFUSED);

	char *passphrase = new_passphrase(o);
	char comment[2048];
	if (o->comment)
		snprintf(comment, sizeof(comment), "%s", o->comment);
	else
		default_comment(comment, sizeof(comment));

	char *priv_text, *pub_line;
	err = keygen_format_private(o, key, comment, passphrase, &priv_text);
	keygen_free_secret(passphrase);
	if (err) {
		keygen_log("Saving key \"%s\" failed: %s", o->file, keygen_load_error(err));
		exit(KEYGEN_EXIT_REFUSED);
	}
	err = keygen_write_file(o->file, priv_text, 0600, true);
	keygen_free_secret(priv_text);
	if (err) {
		keygen_log("Saving key \"%s\" failed: %s", o->file, strerror(err));
		exit(KEYGEN_EXIT_REFUSED);
	}
	if (!o->quiet)
		printf("Your identification has been saved in %s\n", o->file);

	/* sshkey_save_public(): the key, then " comment" even when the comment is empty. */
	char pub_file[PATH_MAX];
	snprintf(pub_file, sizeof(pub_file), "%s.pub", o->file);
	if ((err = burrow_key_format_public_line(key, NULL, &pub_line)) != 0)
		keygen_fatal("Unable to save public key to %s: %s", pub_file, keygen_load_error(err));
	size_t n = strlen(pub_line) + strlen(comment) + 3;
	char *pub_text = malloc(n);
	if (!pub_text)
		keygen_fatal("out of memory");
	snprintf(pub_text, n, "%s %s\n", pub_line, comment);
	free(pub_line);
	if ((err = keygen_write_file(pub_file, pub_text, 0644, false)) != 0)
		keygen_fatal("Unable to save public key to %s: %s", pub_file, strerror(err));
	free(pub_text);

	if (!o->quiet)
		print_saved_fingerprint(o, key, pub_file, comment);
	burrow_key_free(key);
	return KEYGEN_EXIT_OK;
}
