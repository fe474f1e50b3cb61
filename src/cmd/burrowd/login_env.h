/*
 * The environment of a user's process, as sshd's do_setup_env builds it: what the client sent
 * (AcceptEnv) first, so the login's own variables win over it, then USER LOGNAME HOME PATH MAIL
 * SHELL, TERM with a pty, the key's environment=, SSH_CLIENT SSH_CONNECTION SSH_TTY,
 * SSH_ORIGINAL_COMMAND, SSH_AUTH_SOCK.
 */
#ifndef BURROWD_LOGIN_ENV_H
#define BURROWD_LOGIN_ENV_H

#include "burrowd.h"

struct session_origin;

#define LOGIN_ENV_MAILDIR "/var/mail" /* sshd's _PATH_MAILDIR on Linux */

/* The NULL-terminated "NAME=value" vector; term and tty NULL without a pty; client_env holds
 * "NAME=value" entries already admitted by AcceptEnv. NULL when out of memory. */
char **login_env_new(const struct session_origin *o, const char *term, const char *tty,
		     const struct strlist *client_env);
void login_env_free(char **env);
/* Sets NAME=value (entry "NAME=value") in *env, replacing an earlier NAME; 0 or -1. */
int login_env_set(char ***env, const char *entry);
/* Looks NAME up in env: the value, or NULL. */
const char *login_env_get(char *const *env, const char *name);

#endif
