/*
 * AuthorizedKeysCommand / AuthorizedKeysCommandUser and AuthorizedPrincipalsCommand /
 * AuthorizedPrincipalsCommandUser (sshd_config(5)): a program prints authorized_keys (or
 * principals) lines for a user and key; burrowd reads them as it reads the files.
 */
#ifndef BURROWD_AUTHKEYS_COMMAND_H
#define BURROWD_AUTHKEYS_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "burrowd.h"

/* The four keywords (called from certauth_config_line): 0 or SERVCONF_FATAL;
 * CERTAUTH_NOT_MINE for other keywords. */
int authkeys_command_config_line(struct server_options *opts, const char *origin, int line_no, char **words,
				 int nwords);
/* burrowd -T lines for them, as sshd -T prints them. */
void authkeys_command_dump(const struct certauth_options *c, FILE *out);
/* sshd refuses to start with a command but no user to run it as: 0, or -1 with the reason on
 * stderr ("AuthorizedKeysCommand set without AuthorizedKeysCommandUser"). */
int authkeys_command_config_check(const struct certauth_options *c);

enum authkeys_command_kind { AUTHKEYS_COMMAND_KEYS, AUTHKEYS_COMMAND_PRINCIPALS };
/* Runs the configured command of that kind for `user` offering `key` (a certificate for the
 * principals command), as sshd's subprocess(): the path must be absolute and safe (root-owned,
 * it and every directory above it not writable by group or others), it runs as the command user
 * with a clean environment (PATH, USER, LOGNAME, HOME, LANG), stdin and stderr on /dev/null,
 * tokens %u %U %h %f %k %t %% (and %F %i %K %s %T for principals) expanded in its arguments
 * (no arguments: the user name). 0 with its output in *text (malloc'd, NUL-terminated) when it
 * exited 0; -1 when it is not configured, could not run, timed out or failed (logged as sshd:
 * "AuthorizedKeysCommand /path root failed, status 1"). *label (malloc'd, the caller frees it
 * after a 0) is the expanded command line, for log lines. */
int authkeys_command_run(const struct server_options *opts, enum authkeys_command_kind kind,
			 const struct user_info *user, const struct burrow_key *key, char **text, size_t *len,
			 char **label);

#endif
