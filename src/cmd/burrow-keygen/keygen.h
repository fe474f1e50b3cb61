/*
 * burrow-keygen: key generation and inspection with OpenSSH ssh-keygen's flags, messages and
 * exit codes. The program does files, prompts and flags; every format lives in libburrow.
 */
#ifndef BURROW_KEYGEN_H
#define BURROW_KEYGEN_H

#include <stdbool.h>
#include <stddef.h>

#include "burrow/keys.h"

/* ssh-keygen's exit statuses: fatal() exits 255; refusals (no file name, no overwrite) exit 1. */
#define KEYGEN_EXIT_OK 0
#define KEYGEN_EXIT_REFUSED 1
#define KEYGEN_EXIT_FATAL 255

#define KEYGEN_DEFAULT_TYPE "ed25519"

struct keygen_opts {
	const char *type_name;      /* -t */
	char *file;                 /* -f, or asked for; malloc'd */
	const char *passphrase;     /* -P: old passphrase, also the new one when generating */
	const char *new_passphrase; /* -N */
	const char *comment;        /* -C */
	long bits;                  /* -b: ecdsa 256/384/521, rsa 1024..16384; ignored for ed25519 */
	bool quiet;                 /* -q */
	int verbose;                /* -v, repeatable */
	bool print_public;          /* -y */
	bool print_fingerprint;     /* -l */
};

int keygen_generate(struct keygen_opts *o);
int keygen_print_public(struct keygen_opts *o);
int keygen_print_fingerprint(struct keygen_opts *o);

/* ---- io.c ---- */
/* A message on stderr ending "\r\n", as OpenSSH's log.c writes them. */
void keygen_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* keygen_log, then exit 255 like OpenSSH's fatal(). */
void keygen_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The whole file (NUL-terminated as well); 0 or an errno value. */
int keygen_read_file(const char *path, char **text, size_t *len);
/* Frees text after wiping it: it may be a private key. */
void keygen_free_text(char *text, size_t len);
/* One line from stdin without its newline, read byte by byte so later prompts see the rest.
 * NULL at end of input. */
char *keygen_read_line(void);
/* A passphrase: from the terminal without echo if there is one, else from stdin. Never NULL. */
char *keygen_read_passphrase(const char *prompt);
void keygen_free_secret(char *s);
/* Prints "prompt (~/.ssh/id_<type>): " and reads the answer; exits 1 at end of input. */
char *keygen_ask_filename(const char *prompt, const char *type_name);
/* Home directory and user name from the password database, as ssh-keygen uses (not $HOME). */
const char *keygen_home(void);
const char *keygen_user(void);
/* The text of an error from a key file load, with OpenSSH's words where they exist. */
const char *keygen_load_error(int err);

#endif
