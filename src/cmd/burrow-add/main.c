/*
 * burrow-add: adds private keys to an agent, lists, removes, locks, as ssh-add(1) does.
 *
 *   burrow-add [-cDdLlqXx] [-E fingerprint_hash] [-t life] [file ...]
 *
 * Messages, streams and exit codes follow ssh-add: 0 success, 1 an operation failed,
 * 2 no agent to talk to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_client.h"
#include "cfgfile.h"
#include "prompt.h"

/* ssh-add's default identities when no file is given, in its order. */
static const char *const default_files[] = { ".ssh/id_rsa", ".ssh/id_ecdsa", ".ssh/id_ed25519" };

struct add_opts {
	bool confirm, quiet, md5;
	long long lifetime;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: burrow-add [-cDdLlqvXx] [-E fingerprint_hash] [-t life] [file ...]\n"
		"       burrow-add -d [file ...]\n"
		"       burrow-add -D\n"
		"       burrow-add -x\n"
		"       burrow-add -X\n");
	exit(1);
}

static char *fingerprint(const struct burrow_key *key, bool md5)
{
	char *fp = NULL;
	if ((md5 ? burrow_key_fingerprint_md5(key, &fp) : burrow_key_fingerprint_sha256(key, &fp)) < 0)
		return strdup("?");
	return fp;
}

/* ---- listing ---- */

static int list_keys(int fd, bool public_lines, bool md5)
{
	struct burrow_agent_identity *ids = NULL;
	size_t n = 0;
	if (agent_client_list(fd, &ids, &n) < 0) {
		fprintf(stderr, "error fetching identities: communication with agent failed\n");
		return 1;
	}
	if (n == 0) {
		printf("The agent has no identities.\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (public_lines) {
			char *line = NULL;
			if (burrow_key_format_public_line(ids[i].key, ids[i].comment, &line) == 0)
				printf("%s\n", line);
			free(line);
			continue;
		}
		char *fp = fingerprint(ids[i].key, md5);
		printf("%d %s %s (%s)\n", burrow_key_bits(ids[i].key), fp,
		       *ids[i].comment ? ids[i].comment : "no comment", burrow_key_type_short(ids[i].key));
		free(fp);
	}
	burrow_agent_identities_free(ids, n);
	return 0;
}

/* ---- adding ---- */

/* The private key of `path`, asking for its passphrase as ssh-add does. NULL when not loaded
 * (the reason already printed). */
static struct burrow_key *load_private(const char *path, const char *text, size_t len, char **comment)
{
	struct burrow_key *key = NULL;
	int r = burrow_key_parse_private(text, len, "", &key, comment);
	if (r == 0)
		return key;
	if (r != BURROW_E_PASSPHRASE) {
		fprintf(stderr, "Error loading key \"%s\": %s\n", path,
			r == BURROW_E_UNSUPPORTED ? "unknown or unsupported key type" : "invalid format");
		return NULL;
	}
	char prompt[1100];
	snprintf(prompt, sizeof(prompt), "Enter passphrase for %s: ", path);
	for (;;) {
		char *pass = prompt_read(prompt, 0);
		if (!pass || !*pass) {
			prompt_free(pass);
			return NULL;
		}
		r = burrow_key_parse_private(text, len, pass, &key, comment);
		prompt_free(pass);
		if (r == 0)
			return key;
		if (r != BURROW_E_PASSPHRASE) {
			fprintf(stderr, "Error loading key \"%s\": invalid format\n", path);
			return NULL;
		}
		snprintf(prompt, sizeof(prompt), "Bad passphrase, try again for %s: ", path);
	}
}

/* 0 added, 1 failed. `explicit`: named on the command line (a missing file is an error). */
static int add_file(int fd, const char *path, const struct add_opts *o, bool explicit)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (explicit)
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	/* ssh-add refuses key files others may read, as ssh does. */
	if (st.st_uid == getuid() && (st.st_mode & 077)) {
		fprintf(stderr, "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
				"@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n"
				"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
				"Permissions 0%3.3o for '%s' are too open.\n"
				"It is required that your private key files are NOT accessible by others.\n"
				"This private key will be ignored.\n", (unsigned)(st.st_mode & 0777), path);
		return 1;
	}
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(path, &text, &len) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	char *comment = NULL;
	struct burrow_key *key = load_private(path, text, len, &comment);
	memset(text, 0, len);
	free(text);
	if (!key) {
		free(comment);
		return 1;
	}
	/* ssh-add names a key without comment by its file. */
	const char *shown = comment && *comment ? comment : path;
	uint8_t *req = NULL;
	size_t req_len = 0;
	int r = burrow_agent_request_add(key, shown, (uint32_t)o->lifetime, o->confirm, &req, &req_len);
	burrow_key_free(key);
	if (r == 0)
		r = agent_client_simple(fd, req, req_len);
	if (r != 0) {
		fprintf(stderr, "Could not add identity \"%s\": %s\n", path,
			r == BURROW_E_NOTFOUND ? "agent refused operation" : "communication with agent failed");
		free(comment);
		return 1;
	}
	if (!o->quiet) {
		fprintf(stderr, "Identity added: %s (%s)\n", path, shown);
		if (o->lifetime)
			fprintf(stderr, "Lifetime set to %lld seconds\n", o->lifetime);
		if (o->confirm)
			fprintf(stderr, "The user must confirm each use of the key\n");
	}
	free(comment);
	return 0;
}

/* ---- removing ---- */

/* The public key of a key file: path.pub, else the private file's public part. */
static struct burrow_key *load_public(const char *path, char **comment)
{
	char pub[4096];
	snprintf(pub, sizeof(pub), "%s.pub", path);
	char *text = NULL;
	size_t len = 0;
	struct burrow_key *key = NULL;
	if (file_read_all(pub, &text, &len) == 0) {
		if (burrow_key_parse_public_line(text, len, &key, comment) < 0)
			key = NULL;
		free(text);
		if (key)
			return key;
	}
	if (file_read_all(path, &text, &len) == 0) {
		if (burrow_key_parse_private_public(text, len, &key) < 0 &&
		    burrow_key_parse_public_line(text, len, &key, comment) < 0)
			key = NULL;
		memset(text, 0, len);
		free(text);
	}
	return key;
}

static int delete_file(int fd, const char *path, bool quiet, bool explicit)
{
	char *comment = NULL;
	struct burrow_key *key = load_public(path, &comment);
	if (!key) {
		if (explicit)
			fprintf(stderr, "Bad key file %s: %s\n", path, errno ? strerror(errno) : "invalid format");
		free(comment);
		return 1;
	}
	uint8_t *req = NULL;
	size_t req_len = 0;
	int r = burrow_agent_request_remove(key, &req, &req_len);
	if (r == 0)
		r = agent_client_simple(fd, req, req_len);
	if (r == 0 && !quiet)
		fprintf(stderr, "Identity removed: %s %s (%s)\n", path, burrow_key_type_short(key),
			comment && *comment ? comment : "no comment");
	else if (r != 0)
		fprintf(stderr, "Could not remove identity \"%s\": %s\n", path,
			r == BURROW_E_NOTFOUND ? "agent refused operation" : "communication with agent failed");
	burrow_key_free(key);
	free(comment);
	return r == 0 ? 0 : 1;
}

static int delete_all(int fd, bool quiet)
{
	uint8_t *req = NULL;
	size_t req_len = 0;
	int r = burrow_agent_request_remove_all(&req, &req_len);
	if (r == 0)
		r = agent_client_simple(fd, req, req_len);
	if (r != 0) {
		fprintf(stderr, "Failed to remove all identities.\n");
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "All identities removed.\n");
	return 0;
}

/* ---- locking ---- */

static int lock_agent(int fd, bool lock)
{
	char *pass = prompt_read("Enter lock password: ", 0);
	if (!pass)
		return 1;
	if (lock) {
		char *again = prompt_read("Again: ", 0);
		bool same = again && strcmp(pass, again) == 0;
		prompt_free(again);
		if (!same) {
			fprintf(stderr, "Passwords do not match.\n");
			prompt_free(pass);
			return 1;
		}
	}
	uint8_t *req = NULL;
	size_t req_len = 0;
	int r = burrow_agent_request_lock(lock, pass, &req, &req_len);
	prompt_free(pass);
	if (r == 0)
		r = agent_client_simple(fd, req, req_len);
	if (r != 0) {
		fprintf(stderr, "Failed to %slock agent.\n", lock ? "" : "un");
		return 1;
	}
	fprintf(stderr, "Agent %slocked.\n", lock ? "" : "un");
	return 0;
}

static int connect_agent(void)
{
	const char *path = getenv("SSH_AUTH_SOCK");
	if (!path || !*path) {
		fprintf(stderr, "Could not open a connection to your authentication agent.\n");
		exit(2);
	}
	int fd = agent_client_connect(path);
	if (fd < 0) {
		fprintf(stderr, "Error connecting to agent: %s\n", strerror(errno));
		exit(2);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct add_opts o = { 0 };
	bool list = false, list_public = false, delete = false, delete_everything = false;
	int lock = -1;
	int c;
	while ((c = getopt(argc, argv, "cDdE:LlqvXxt:")) != -1) {
		switch (c) {
		case 'c': o.confirm = true; break;
		case 'D': delete_everything = true; break;
		case 'd': delete = true; break;
		case 'E':
			if (strcasecmp(optarg, "md5") == 0) {
				o.md5 = true;
			} else if (strcasecmp(optarg, "sha256") != 0) {
				fprintf(stderr, "Invalid hash algorithm \"%s\"\n", optarg);
				exit(1);
			}
			break;
		case 'L': list_public = true; break;
		case 'l': list = true; break;
		case 'q': o.quiet = true; break;
		case 'v': break;
		case 'X': lock = 0; break;
		case 'x': lock = 1; break;
		case 't':
			o.lifetime = agent_parse_lifetime(optarg);
			if (o.lifetime <= 0) {
				fprintf(stderr, "Invalid lifetime\n");
				exit(1);
			}
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	int fd = connect_agent();
	int ret = 0;
	if (lock >= 0) {
		ret = lock_agent(fd, lock == 1);
	} else if (list || list_public) {
		ret = list_keys(fd, list_public, o.md5);
	} else if (delete_everything) {
		ret = delete_all(fd, o.quiet);
	} else if (argc == 0) {
		const char *home = getenv("HOME");
		int added = 0;
		for (size_t i = 0; i < sizeof(default_files) / sizeof(default_files[0]); i++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", home ? home : "", default_files[i]);
			if (access(path, F_OK) < 0)
				continue;
			int r = delete ? delete_file(fd, path, o.quiet, false) : add_file(fd, path, &o, false);
			added += r == 0;
			ret |= r;
		}
		if (added == 0)
			ret = 1;
	} else {
		for (int i = 0; i < argc; i++) {
			const char *path = strcmp(argv[i], "-") == 0 ? "/dev/stdin" : argv[i];
			ret |= delete ? delete_file(fd, path, o.quiet, true) : add_file(fd, path, &o, true);
		}
	}
	close(fd);
	return ret;
}
