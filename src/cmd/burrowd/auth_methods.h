/* AuthenticationMethods bookkeeping for one connection (auth_methods.c). */
#ifndef BURROWD_AUTH_METHODS_H
#define BURROWD_AUTH_METHODS_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_METHODS_MAX_LISTS 32

struct auth_methods {
	char *lists[AUTH_METHODS_MAX_LISTS]; /* the methods still to do in each list */
	size_t n;
	bool configured;                     /* AuthenticationMethods was given (not "any") */
	bool enabled[3];                     /* publickey, password, keyboard-interactive */
};

/* lists: AuthenticationMethods' lists (n 0: "any"); the flags say which methods are on. Lists
 * naming a disabled method are dropped. 0 or -1 (out of memory). */
int auth_methods_init(struct auth_methods *m, char *const *lists, size_t n, bool pubkey, bool password,
		      bool kbdint);
void auth_methods_free(struct auth_methods *m);
/* False when no enabled method, or no list, can ever complete (sshd refuses to start). */
bool auth_methods_satisfiable(const struct auth_methods *m);
/* May `method` ("publickey", "password", "keyboard-interactive") be tried now? */
bool auth_methods_allowed(const struct auth_methods *m, const char *method);
/* The name-list USERAUTH_FAILURE offers now, in sshd's order; malloc'd, "" when nothing. */
char *auth_methods_offer_new(const struct auth_methods *m);
/* `method` succeeded: true when that completes authentication, false for a partial success. */
bool auth_methods_success(struct auth_methods *m, const char *method);

#endif
