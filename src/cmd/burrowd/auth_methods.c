/*
 * AuthenticationMethods as sshd applies it (sshd_config(5); auth2.c auth2_update_methods_lists):
 * each list is a comma-separated sequence of methods that must all succeed, in order; the user
 * is in when any one list is complete. Only a method that comes next in some list may be tried,
 * and a success removes it from the front of every list that starts with it. With no lists at
 * all, any one enabled method suffices.
 *
 * Pure bookkeeping with no logging or system calls, so the unit test compiles this file directly.
 */
#define _GNU_SOURCE
#include "auth_methods.h"

#include <stdlib.h>
#include <string.h>

/* The order sshd lists its methods in USERAUTH_FAILURE. */
static const char *const method_order[] = { "publickey", "password", "keyboard-interactive" };

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool method_enabled(const struct auth_methods *m, const char *name, size_t len)
{
	for (size_t i = 0; i < COUNT_OF(method_order); i++)
		if (strlen(method_order[i]) == len && strncmp(method_order[i], name, len) == 0)
			return m->enabled[i];
	return false;
}

/* The length of the first method of a list, without a ":submethod". */
static size_t head_len(const char *list)
{
	return strcspn(list, ",:");
}

static bool head_is(const char *list, const char *method)
{
	size_t n = head_len(list);
	return *list && strlen(method) == n && strncmp(list, method, n) == 0;
}

/* Every method of the list is enabled. */
static bool list_usable(const struct auth_methods *m, const char *list)
{
	for (const char *p = list; *p;) {
		size_t n = head_len(p);
		if (!method_enabled(m, p, n))
			return false;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return *list != 0;
}

int auth_methods_init(struct auth_methods *m, char *const *lists, size_t n, bool pubkey, bool password,
		      bool kbdint)
{
	memset(m, 0, sizeof(*m));
	m->enabled[0] = pubkey;
	m->enabled[1] = password;
	m->enabled[2] = kbdint;
	m->configured = n > 0;
	for (size_t i = 0; i < n; i++) {
		if (!list_usable(m, lists[i]))
			continue; /* sshd refuses to start; callers check auth_methods_satisfiable */
		if (m->n == AUTH_METHODS_MAX_LISTS)
			break;
		m->lists[m->n] = strdup(lists[i]);
		if (!m->lists[m->n]) {
			auth_methods_free(m);
			return -1;
		}
		m->n++;
	}
	return 0;
}

void auth_methods_free(struct auth_methods *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->lists[i]);
	memset(m, 0, sizeof(*m));
}

bool auth_methods_satisfiable(const struct auth_methods *m)
{
	if (m->configured)
		return m->n > 0;
	for (size_t i = 0; i < COUNT_OF(method_order); i++)
		if (m->enabled[i])
			return true;
	return false;
}

bool auth_methods_allowed(const struct auth_methods *m, const char *method)
{
	size_t len = strlen(method);
	if (!method_enabled(m, method, len))
		return false;
	if (!m->configured)
		return true;
	for (size_t i = 0; i < m->n; i++)
		if (head_is(m->lists[i], method))
			return true;
	return false;
}

char *auth_methods_offer_new(const struct auth_methods *m)
{
	size_t cap = 1;
	for (size_t i = 0; i < COUNT_OF(method_order); i++)
		cap += strlen(method_order[i]) + 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = 0;
	for (size_t i = 0; i < COUNT_OF(method_order); i++) {
		if (!auth_methods_allowed(m, method_order[i]))
			continue;
		if (out[0])
			strcat(out, ",");
		strcat(out, method_order[i]);
	}
	return out;
}

bool auth_methods_success(struct auth_methods *m, const char *method)
{
	if (!m->configured)
		return true;
	bool complete = false;
	for (size_t i = 0; i < m->n; i++) {
		char *list = m->lists[i];
		if (!head_is(list, method))
			continue;
		size_t skip = strcspn(list, ",");
		if (list[skip] == ',')
			skip++;
		memmove(list, list + skip, strlen(list + skip) + 1);
		if (!*list)
			complete = true;
	}
	return complete;
}
