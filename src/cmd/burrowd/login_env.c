/* The login environment (login_env.h): sshd's do_setup_env, in the order it sets variables. */
#define _GNU_SOURCE
#include "login_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

void login_env_free(char **env)
{
	if (!env)
		return;
	for (char **p = env; *p; p++)
		free(*p);
	free(env);
}

int login_env_set(char ***env, const char *entry)
{
	size_t name_len = strcspn(entry, "=");
	size_t n = 0;
	for (; (*env)[n]; n++) {
		if (strncmp((*env)[n], entry, name_len) == 0 && (*env)[n][name_len] == '=') {
			char *copy = strdup(entry);
			if (!copy)
				return -1;
			free((*env)[n]);
			(*env)[n] = copy;
			return 0;
		}
	}
	char **grown = realloc(*env, (n + 2) * sizeof(**env));
	if (!grown)
		return -1;
	*env = grown;
	grown[n + 1] = NULL;
	if (!(grown[n] = strdup(entry)))
		return -1;
	return 0;
}

const char *login_env_get(char *const *env, const char *name)
{
	size_t len = strlen(name);
	for (; env && *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

static int set_pair(char ***env, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *entry = malloc(len);
	if (!entry)
		return -1;
	snprintf(entry, len, "%s=%s", name, value);
	int r = login_env_set(env, entry);
	free(entry);
	return r;
}

char **login_env_new(const struct session_origin *o, const char *term, const char *tty,
		     const struct strlist *client_env)
{
	char connection[256], client[192], mail[512];
	snprintf(connection, sizeof(connection), "%s %d %s %d", o->peer_addr, o->peer_port, o->local_addr,
		 o->local_port);
	snprintf(client, sizeof(client), "%s %d %d", o->peer_addr, o->peer_port, o->local_port);
	snprintf(mail, sizeof(mail), "%s/%s", LOGIN_ENV_MAILDIR, o->user->name);
	char **env = calloc(1, sizeof(*env));
	if (!env)
		return NULL;
	int r = 0;
	/* The client's first: nothing it sends may replace what the login sets below. */
	for (size_t i = 0; client_env && i < client_env->n && r == 0; i++)
		r = login_env_set(&env, client_env->v[i]);
	const char *pairs[][2] = {
		{ "USER", o->user->name }, { "LOGNAME", o->user->name }, { "HOME", o->user->home },
		{ "PATH", BURROWD_PATH },  { "MAIL", mail },             { "SHELL", o->user->shell },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]) && r == 0; i++)
		r = set_pair(&env, pairs[i][0], pairs[i][1]);
	if (r == 0 && term)
		r = set_pair(&env, "TERM", term);
	/* The key's environment= (already filtered by PermitUserEnvironment). */
	for (size_t i = 0; o->restrictions && i < o->restrictions->environment.n && r == 0; i++)
		r = login_env_set(&env, o->restrictions->environment.v[i]);
	if (r == 0)
		r = set_pair(&env, "SSH_CLIENT", client);
	if (r == 0)
		r = set_pair(&env, "SSH_CONNECTION", connection);
	if (r == 0 && tty)
		r = set_pair(&env, "SSH_TTY", tty);
	if (r == 0 && o->original_command)
		r = set_pair(&env, "SSH_ORIGINAL_COMMAND", o->original_command);
	/* Agent forwarding (agent_forward.c): where the session's ssh and ssh-add find the agent. */
	if (r == 0 && o->agent_socket)
		r = set_pair(&env, "SSH_AUTH_SOCK", o->agent_socket);
	if (r < 0) {
		login_env_free(env);
		return NULL;
	}
	return env;
}
