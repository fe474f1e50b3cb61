/*
 * burrow-keygen: key generation and inspection with OpenSSH ssh-keygen's flags, messages and
 * exit codes. The program does files, prompts and flags; every format lives in libburrow.
 */
#ifndef BURROW_KEYGEN_H
#define BURROW_KEYGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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
	/* keys at rest */
	unsigned rounds;            /* -a: bcrypt_pbkdf rounds, 0 = 16 */
	bool format_set;            /* -m given */
	enum burrow_key_format format; /* -m: RFC4716 (the default for -e/-i), PKCS8, PEM */
	bool md5;                   /* -E md5 */
	bool change_passphrase;     /* -p */
	bool export_key;            /* -e */
	bool import_key;            /* -i */
	/* known_hosts (-F, -R, -H) */
	const char *find_host;      /* -F */
	const char *remove_host;    /* -R */
	bool hash_hosts;            /* -H */
};

int keygen_generate(struct keygen_opts *o);
/* ---- keyfile.c: passphrases and formats ---- */
int keygen_change_passphrase(struct keygen_opts *o);  /* -p */
int keygen_export(struct keygen_opts *o);             /* -e */
int keygen_import(struct keygen_opts *o);             /* -i */
/* The private key file text for key as -m and -a ask (openssh-key-v1 unless -m PEM/PKCS8 for a
 * type that has those); 0 or a BURROW_E_* code. */
int keygen_format_private(const struct keygen_opts *o, const struct burrow_key *key, const char *comment,
			  const char *passphrase, char **out);
/* The fingerprint and randomart as -E asks; fatal on failure. */
void keygen_fingerprint(const struct keygen_opts *o, const struct burrow_key *key, char **fp, char **art);
/* ---- known_hosts.c: -F, -R, -H ---- */
int keygen_known_hosts(struct keygen_opts *o);
int keygen_print_public(struct keygen_opts *o);
int keygen_print_fingerprint(struct keygen_opts *o);

/* ---- show.c: loading keys ---- */
/* sshkey_load_private(): 0, an errno value (> 0), or a BURROW_E_* code; -1 for bad permissions. */
int keygen_load_private(const char *path, const char *passphrase, struct burrow_key **key, char **comment);
/* ssh-keygen load_identity(): no passphrase first, then `given` or asks once; fatal on failure. */
struct burrow_key *keygen_load_identity(const char *path, const char *given, char **comment);
const char *keygen_load_error_text(int err); /* for keygen_load_private's codes */
/* ---- generate.c ---- */
/* Writes all of text to path, created with `mode` (and forced to it when the file existed). */
int keygen_write_file(const char *path, const char *text, mode_t mode, bool force_mode);

/* ---- cert.c: certificates (-s, -L) ---- */
/* Takes a certificate flag (-h -I -L -n -O -s -V -z); false when c is not one. */
bool keygen_cert_flag(int c, const char *arg);
/* True when -s or -L was given: main() runs keygen_cert_main with the arguments after the flags
 * (-s takes the public key files to sign). */
bool keygen_cert_wanted(void);
int keygen_cert_main(struct keygen_opts *o, int argc, char **argv);

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
