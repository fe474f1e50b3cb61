/*
 * The client's side of user authentication, in ssh(1)'s order and words. The engine speaks the
 * protocol; this file decides what to try next and talks to the user:
 *   - the methods are taken from PreferredAuthentications in its order, skipping those the server
 *     does not list and those the options switch off (BatchMode never prompts, so it switches off
 *     keyboard-interactive and password); a method that has nothing left to try is never tried
 *     again, and a new list from the server (after partial success) starts the order over, as
 *     OpenSSH's authmethod_get() does;
 *   - publickey offers each identity once (agent keys first: identities_add_agent), again after a
 *     partial success;
 *   - keyboard-interactive and password get NumberOfPasswordPrompts attempts each;
 *   - a server that wants the password changed (RFC 4252 8) gets ssh's three prompts (old, new,
 *     retype); an empty new password (or end of input) gives up on passwords.
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prompt.h"

#define FATAL(...) log_msg(LOG_LVL_FATAL, __VA_ARGS__)

enum auth_method { METHOD_PUBKEY, METHOD_KBDINT, METHOD_PASSWORD, METHOD_COUNT };

static const char *const method_names[METHOD_COUNT] = {
	[METHOD_PUBKEY] = "publickey",
	[METHOD_KBDINT] = "keyboard-interactive",
	[METHOD_PASSWORD] = "password",
};

struct client_auth {
	const struct client_options *o;
	struct burrow_conn *conn;
	struct identity *ids;
	size_t id_count, id_next;
	struct identity *id_in_flight; /* whose signature AUTH_SIGN asks for */
	const char *method_in_flight;  /* "none" or one of method_names */

	char *server_methods; /* the list the last answer carried: the order restarts when it changes */
	size_t preferred_pos; /* where PreferredAuthentications is read on from */
	int current;          /* enum auth_method being tried, -1 none */
	bool exhausted[METHOD_COUNT]; /* it had nothing left to send: never again */
	bool host_untrusted;  /* the host key was accepted despite a mismatch: no secrets typed */

	int password_attempts, kbdint_attempts, change_attempts;
	bool kbdint_info_seen;

	struct burrow_key **retired; /* public keys the engine may still hold (see unlock_for_signing) */
	size_t nretired;
};

int client_auth_new(const struct client_options *o, struct burrow_conn *conn, struct client_auth **out)
{
	struct client_auth *a = calloc(1, sizeof(*a));
	if (!a)
		return -1;
	a->o = o;
	a->conn = conn;
	a->current = -1;
	if (identities_load(o, &a->ids, &a->id_count) < 0 ||
	    identities_add_agent(o, &a->ids, &a->id_count) < 0) {
		client_auth_free(a);
		return -1;
	}
	for (size_t i = 0; i < a->id_count; i++) {
		const struct identity *id = &a->ids[i];
		log_debug("Will attempt key: %s %s %s%s%s", id->path, burrow_key_type_short(id->key), id->fingerprint,
			  id->explicit ? " explicit" : "", id->from_agent ? " agent" : "");
	}
	*out = a;
	return 0;
}

void client_auth_free(struct client_auth *a)
{
	if (!a)
		return;
	identities_free(a->ids, a->id_count);
	for (size_t i = 0; i < a->nretired; i++)
		burrow_key_free(a->retired[i]);
	free(a->retired);
	free(a->server_methods);
	free(a);
}

void client_auth_distrust_host(struct client_auth *a)
{
	a->host_untrusted = true;
}

const char *client_auth_method(const struct client_auth *a)
{
	return a->method_in_flight ? a->method_in_flight : "none";
}

int client_auth_start(struct client_auth *a)
{
	a->method_in_flight = "none";
	int r = burrow_auth_none(a->conn, a->o->user);
	if (r < 0)
		FATAL("%s: cannot start authentication: %s", CLIENT_NAME, burrow_strerror(r));
	return r < 0 ? -1 : 0;
}

/* ---- which method next ---- */

static bool list_has(const char *list, const char *name, size_t len)
{
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

static int method_lookup(const char *name, size_t len)
{
	for (int m = 0; m < METHOD_COUNT; m++)
		if (strlen(method_names[m]) == len && strncmp(method_names[m], name, len) == 0)
			return m;
	return -1; /* gssapi-with-mic, hostbased, ...: not implemented, skipped */
}

static bool method_enabled(const struct client_auth *a, int m)
{
	const struct client_options *o = a->o;
	if (a->exhausted[m])
		return false;
	switch (m) {
	case METHOD_PUBKEY:
		return o->pubkey_authentication != 0;
	case METHOD_KBDINT:
		return o->kbd_interactive_authentication != 0 && o->batch_mode <= 0 && !a->host_untrusted;
	case METHOD_PASSWORD:
		return o->password_authentication != 0 && o->batch_mode <= 0 && !a->host_untrusted;
	default:
		return false;
	}
}

/* The next method of PreferredAuthentications that the server lists and we may use; -1 none. */
static int method_next(struct client_auth *a, const char *server_list)
{
	const char *preferred = a->o->preferred_authentications ? a->o->preferred_authentications : "";
	if (!a->server_methods || strcmp(server_list, a->server_methods) != 0) {
		log_msg(LOG_LVL_DEBUG3, "start over, passed a different list %s", server_list);
		char *copy = strdup(server_list);
		if (!copy)
			return -1;
		free(a->server_methods);
		a->server_methods = copy;
		a->preferred_pos = 0;
		a->current = -1;
	} else if (a->current >= 0 && method_enabled(a, a->current)) {
		return a->current;
	}
	while (preferred[a->preferred_pos]) {
		const char *name = preferred + a->preferred_pos;
		size_t len = strcspn(name, ",");
		a->preferred_pos += len + (name[len] == ',');
		if (len == 0 || !list_has(a->server_methods, name, len))
			continue;
		int m = method_lookup(name, len);
		if (m >= 0 && method_enabled(a, m)) {
			log_debug("Next authentication method: %s", method_names[m]);
			a->current = m;
			return m;
		}
	}
	log_debug("No more authentication methods to try.");
	a->current = -1;
	return -1;
}

/* ---- the methods: 1 sent a request, 0 nothing (left) to send, -1 fatal ---- */

static int try_publickey(struct client_auth *a)
{
	while (a->id_next < a->id_count) {
		struct identity *id = &a->ids[a->id_next++];
		log_debug("Offering public key: %s %s %s%s%s", id->path, burrow_key_type_short(id->key), id->fingerprint,
			  id->explicit ? " explicit" : "", id->from_agent ? " agent" : "");
		int r = burrow_auth_publickey(a->conn, a->o->user, id->key);
		if (r == 0) {
			a->id_in_flight = id;
			a->method_in_flight = method_names[METHOD_PUBKEY];
			return 1;
		}
		log_debug("%s: cannot try this key: %s", id->path, burrow_strerror(r));
	}
	return 0;
}

static int try_password(struct client_auth *a)
{
	const struct client_options *o = a->o;
	if (a->password_attempts++ >= o->number_of_password_prompts)
		return 0;
	if (a->password_attempts != 1)
		log_error("Permission denied, please try again.");
	char prompt[256];
	snprintf(prompt, sizeof(prompt), "%.30s@%.128s's password: ", o->user, o->hostname);
	/* No terminal and no askpass: ssh sends the empty password, and so do we. */
	char *password = prompt_read(prompt, 0);
	int r = burrow_auth_password(a->conn, o->user, password ? password : "");
	prompt_free(password);
	if (r < 0) {
		FATAL("%s: password authentication: %s", CLIENT_NAME, burrow_strerror(r));
		return -1;
	}
	a->method_in_flight = method_names[METHOD_PASSWORD];
	return 1;
}

static int try_kbdint(struct client_auth *a)
{
	const struct client_options *o = a->o;
	if (a->kbdint_attempts++ >= o->number_of_password_prompts)
		return 0;
	/* A server that never sent a prompt will not start to (ssh's info_req_seen). */
	if (a->kbdint_attempts > 1 && !a->kbdint_info_seen) {
		log_msg(LOG_LVL_DEBUG3, "userauth_kbdint: disable: no info_req_seen");
		return 0;
	}
	int r = burrow_auth_kbdint(a->conn, o->user, o->kbd_interactive_devices ? o->kbd_interactive_devices : "");
	if (r < 0) {
		FATAL("%s: keyboard-interactive authentication: %s", CLIENT_NAME, burrow_strerror(r));
		return -1;
	}
	a->method_in_flight = method_names[METHOD_KBDINT];
	return 1;
}

static int method_try(struct client_auth *a, int m)
{
	switch (m) {
	case METHOD_PUBKEY: return try_publickey(a);
	case METHOD_KBDINT: return try_kbdint(a);
	case METHOD_PASSWORD: return try_password(a);
	default: return 0;
	}
}

/* After a failure: the next attempt, or ssh's final "Permission denied (LIST)." */
static int auth_continue(struct client_auth *a, const char *server_list)
{
	/* An empty list is taken as "anything we would try", as ssh does. */
	const char *list = server_list && *server_list ? server_list : a->o->preferred_authentications;
	for (;;) {
		int m = method_next(a, list ? list : "");
		if (m < 0) {
			FATAL("%s@%s: Permission denied (%s).", a->o->user, a->o->hostname, server_list ? server_list : "");
			return -1;
		}
		int sent = method_try(a, m);
		if (sent != 0)
			return sent < 0 ? -1 : 0;
		log_msg(LOG_LVL_DEBUG2, "we did not send a packet, disable method");
		a->exhausted[m] = true;
	}
}

/* ---- events ---- */

/* Server text shown line by line (the log makes control characters harmless). */
static void show_lines(const char *text)
{
	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n");
		log_info("%.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static int kbdint_prompts(struct client_auth *a, const struct burrow_event *ev)
{
	const struct client_options *o = a->o;
	a->kbdint_info_seen = true;
	if (ev->name && *ev->name)
		show_lines(ev->name);
	if (ev->message && *ev->message)
		show_lines(ev->message);
	char **answers = calloc(ev->nstrings + 1, sizeof(*answers));
	if (!answers)
		return -1;
	int r = 0;
	for (size_t i = 0; i < ev->nstrings && r == 0; i++) {
		/* OpenSSH 8.4+ names the account in front of the server's prompt. */
		size_t len = strlen(ev->strings[i]) + strlen(o->user) + strlen(o->hostname) + 8;
		char *shown = malloc(len);
		if (!shown) {
			r = -1;
			break;
		}
		snprintf(shown, len, "(%s@%s) %s", o->user, o->host_key_alias ? o->host_key_alias : o->hostname,
			 ev->strings[i]);
		answers[i] = prompt_read(shown, ev->echo && ev->echo[i] ? PROMPT_ECHO : 0);
		free(shown);
		if (!answers[i] && !(answers[i] = strdup("")))
			r = -1;
	}
	if (r == 0 && burrow_auth_kbdint_respond(a->conn, ev->nstrings, (const char *const *)answers) < 0) {
		FATAL("%s: keyboard-interactive authentication failed to answer", CLIENT_NAME);
		r = -1;
	}
	for (size_t i = 0; i < ev->nstrings; i++)
		prompt_free(answers[i]);
	free(answers);
	return r;
}

/* The new password, asked twice as ssh's input_userauth_passwd_changereq does; NULL when the
 * user gives up (an empty answer or end of input) or nothing can be asked. */
static char *ask_new_password(const struct client_options *o)
{
	char prompt[256];
	for (;;) {
		snprintf(prompt, sizeof(prompt), "Enter %.30s@%.128s's new password: ", o->user, o->hostname);
		char *password = prompt_read(prompt, 0);
		if (!password || !*password) {
			prompt_free(password);
			return NULL;
		}
		snprintf(prompt, sizeof(prompt), "Retype %.30s@%.128s's new password: ", o->user, o->hostname);
		char *retype = prompt_read(prompt, 0);
		bool same = retype && strcmp(password, retype) == 0;
		prompt_free(retype);
		if (same)
			return password;
		prompt_free(password);
		log_info("Mismatch; try again, EOF to quit.");
	}
}

/* RFC 4252 8: the server takes the password only once it is changed. BatchMode never prompts;
 * declining ends password authentication (asking again would only bring the same demand). */
static int password_change(struct client_auth *a, const struct burrow_event *ev)
{
	const struct client_options *o = a->o;
	log_debug("userauth_passwd_changereq");
	if (ev->message && *ev->message)
		show_lines(ev->message);
	char *old_password = NULL, *new_password = NULL;
	if (o->batch_mode <= 0 && !a->host_untrusted && a->change_attempts++ < o->number_of_password_prompts) {
		char prompt[256];
		snprintf(prompt, sizeof(prompt), "Enter %.30s@%.128s's old password: ", o->user, o->hostname);
		old_password = prompt_read(prompt, 0);
		if (old_password)
			new_password = ask_new_password(o);
	}
	if (!old_password || !new_password) {
		prompt_free(old_password);
		prompt_free(new_password);
		log_debug("password change declined");
		a->exhausted[METHOD_PASSWORD] = true;
		return auth_continue(a, ev->methods);
	}
	int r = burrow_auth_password_change(a->conn, o->user, old_password, new_password);
	prompt_free(old_password);
	prompt_free(new_password);
	if (r < 0) {
		FATAL("%s: password change: %s", CLIENT_NAME, burrow_strerror(r));
		return -1;
	}
	a->method_in_flight = method_names[METHOD_PASSWORD];
	return 0;
}

/* An encrypted key file asks for its passphrase only now, when the server has said it would take
 * the key (as ssh). identity_unlock replaces id->key, but the engine still holds the public key it
 * offered: that one is kept until the end. */
static int unlock_for_signing(struct client_auth *a, struct identity *id)
{
	if (!id->locked)
		return 0;
	struct burrow_key *copy = NULL;
	struct burrow_key **grown = realloc(a->retired, (a->nretired + 1) * sizeof(*grown));
	if (grown)
		a->retired = grown;
	if (!grown || burrow_key_dup_public(id->key, &copy) < 0)
		return -1;
	a->retired[a->nretired++] = id->key;
	id->key = copy;
	return identity_unlock(id, a->o);
}

/* A key whose private half is not in hand (the agent's, or still encrypted): identity_sign finds
 * the signer. */
static int sign_for_engine(struct client_auth *a, const struct burrow_event *ev)
{
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	struct identity *id = a->id_in_flight;
	if (!id || unlock_for_signing(a, id) < 0 || identity_sign(id, ev->name, ev->data, ev->len, &sig, &sig_len) < 0) {
		log_debug("%s: signing failed", id ? id->path : "(no key)");
		sig = NULL;
		sig_len = 0;
	}
	int r = burrow_auth_signature(a->conn, sig, sig_len);
	free(sig);
	if (r < 0)
		log_debug("auth signature: %s", burrow_strerror(r));
	return 0;
}

int client_auth_event(struct client_auth *a, const struct burrow_event *ev)
{
	switch (ev->type) {
	case BURROW_EV_AUTH_FAILURE:
		if (ev->partial) {
			log_verbose("Authenticated using \"%s\" with partial success.", client_auth_method(a));
			a->id_next = 0; /* every key may be offered again for the next step */
		}
		log_debug("Authentications that can continue: %s", ev->methods ? ev->methods : "");
		return auth_continue(a, ev->methods);
	case BURROW_EV_AUTH_KBDINT_PROMPT:
		return kbdint_prompts(a, ev);
	case BURROW_EV_AUTH_PASSWORD_CHANGE:
		return password_change(a, ev);
	case BURROW_EV_AUTH_SIGN:
		return sign_for_engine(a, ev);
	default:
		return 0;
	}
}
