/*
 * The monitor's authentication decisions (server_auth.h): the policy of auth_policy.c,
 * authkeys.c, certauth.c, auth_password.c and auth_kbdint.c applied to the requests the
 * pre-auth child forwards, with sshd's log lines.
 */
#define _GNU_SOURCE
#include "server_auth.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"

int auth_reply_set_challenge(struct auth_reply *r, const char *instruction, size_t n, const char *const *prompts,
			     const bool *echo)
{
	if (n > AUTH_REPLY_MAX_PROMPTS)
		return -1;
	r->challenge = true;
	r->instruction = strdup(instruction ? instruction : "");
	if (!r->instruction)
		return -1;
	for (size_t i = 0; i < n; i++) {
		r->prompts[i] = strdup(prompts[i]);
		if (!r->prompts[i])
			return -1;
		r->echo[i] = echo[i];
		r->nprompts = i + 1;
	}
	return 0;
}

void auth_reply_free(struct auth_reply *r)
{
	free(r->methods);
	free(r->instruction);
	for (size_t i = 0; i < r->nprompts; i++)
		free(r->prompts[i]);
	memset(r, 0, sizeof(*r));
}

int auth_state_init(struct auth_state *a, const struct server_options *opts, const char *peer_addr, int peer_port,
		    const char *local_addr, int local_port)
{
	memset(a, 0, sizeof(*a));
	a->opts = a->base = opts;
	a->peer_addr = peer_addr;
	a->peer_port = peer_port;
	a->local_addr = local_addr;
	a->local_port = local_port;
	a->privileged = geteuid() == 0;
	auth_restrictions_init(&a->restrictions);
	if (!a->privileged && user_lookup_uid(getuid(), &a->self) < 0) {
		log_error("cannot find the user burrowd runs as (uid %lu)", (unsigned long)getuid());
		return -1;
	}
	if (auth_methods_init(&a->methods, opts->authentication_methods.v, opts->authentication_methods.n,
			      opts->pubkey_authentication, opts->password_authentication,
			      opts->kbdint_authentication) < 0)
		return -1;
	return 0;
}

void auth_state_free(struct auth_state *a)
{
	user_info_free(&a->self);
	user_info_free(&a->candidate);
	free(a->candidate_name);
	free(a->accepted_key);
	free(a->accepted_user);
	auth_kbdint_free(a->kbdint);
	auth_methods_free(&a->methods);
	auth_restrictions_free(&a->restrictions);
	strlist_free(&a->used_keys);
	if (a->first_user)
		servconf_free(&a->effective);
	free(a->first_user);
	memset(a, 0, sizeof(*a));
}

/* ---- users ---- */

/*
 * Every attempt names a user. The first one settles the connection's configuration: the Match
 * blocks are evaluated for it (sshd does it then too), and what the client is offered follows
 * (out->methods). Later attempts must name the same user (sshd disconnects on a change; we
 * refuse them). false: refuse this attempt.
 */
static bool settle_user(struct auth_state *c, const char *name, struct auth_reply *out)
{
	if (c->first_user) {
		if (strcmp(c->first_user, name) == 0)
			return true;
		log_info("Refusing a change of user from %s to %s for %s port %d", c->first_user, name, c->peer_addr,
			 c->peer_port);
		return false;
	}
	struct match_ctx ctx = {
		.user = name, .host = c->peer_addr, .addr = c->peer_addr, .laddr = c->local_addr, .lport = c->local_port,
	};
	if (servconf_for_connection(c->base, &ctx, &c->effective) < 0)
		return false;
	c->first_user = strdup(name);
	if (!c->first_user) {
		servconf_free(&c->effective);
		return false;
	}
	c->opts = &c->effective;
	struct auth_methods methods;
	if (auth_methods_init(&methods, c->opts->authentication_methods.v, c->opts->authentication_methods.n,
			      c->opts->pubkey_authentication, c->opts->password_authentication,
			      c->opts->kbdint_authentication) < 0)
		return false;
	auth_methods_free(&c->methods);
	c->methods = methods;
	out->methods = auth_methods_offer_new(&c->methods);
	return out->methods != NULL;
}

/* The user an attempt names, or NULL when nobody may log in under that name (logged once). */
static const struct user_info *login_user(struct auth_state *c, const char *name)
{
	if (c->candidate_name && strcmp(c->candidate_name, name) == 0)
		return c->candidate_ok;
	free(c->candidate_name);
	user_info_free(&c->candidate);
	c->candidate_ok = NULL;
	c->candidate_name = strdup(name);
	if (!c->candidate_name)
		return NULL;
	bool known;
	if (c->privileged) {
		known = user_lookup_name(name, &c->candidate) == 0;
		if (known && auth_policy_user_allowed(c->opts, &c->candidate, c->peer_addr))
			c->candidate_ok = &c->candidate;
	} else {
		/* An ordinary user's burrowd can only ever run things as that user. */
		known = strcmp(name, c->self.name) == 0;
		if (known && auth_policy_user_allowed(c->opts, &c->self, c->peer_addr))
			c->candidate_ok = &c->self;
	}
	if (!known)
		log_info("Invalid user %s from %s port %d", name, c->peer_addr, c->peer_port);
	return c->candidate_ok;
}

/* ---- authentication ---- */

/* Remembers who is about to be accepted, for on_auth_success's log line and check. */
static void note_accepted(struct auth_state *c, const char *user, const char *method, const char *key)
{
	free(c->accepted_key);
	free(c->accepted_user);
	c->accepted_key = key ? strdup(key) : NULL;
	c->accepted_user = strdup(user);
	c->accepted_method = method;
}

/*
 * `method` just succeeded for `u` (the credentials were right). Applies PermitRootLogin and
 * AuthenticationMethods: REJECT, PARTIAL (more methods needed; the offer is updated and
 * "Partial ..." logged) or ACCEPT.
 */
static enum burrow_auth_outcome method_succeeded(struct auth_state *c, const struct user_info *u,
						 const char *method, const char *log_method,
						 bool forced_command, const char *key_text, struct auth_reply *out)
{
	if (u->uid == 0 &&
	    !auth_policy_root_allowed(c->opts, method, forced_command, c->peer_addr, c->peer_port))
		return BURROW_AUTH_REJECT;
	if (auth_methods_success(&c->methods, method)) {
		/* Locks and expiry bind every method, keys and certificates included (sshd runs
		 * pam_acct_mgmt, or checks the shadow entry, whatever authenticated the user). */
		if (!auth_policy_account_ok(c->opts, u, c->peer_addr))
			return BURROW_AUTH_REJECT;
		note_accepted(c, u->name, log_method, key_text);
		return BURROW_AUTH_ACCEPT;
	}
	log_info("Partial %s for %s from %s port %d ssh2%s%s", log_method, u->name, c->peer_addr,
		 c->peer_port, key_text ? ": " : "", key_text ? key_text : "");
	free(out->methods);
	out->methods = auth_methods_offer_new(&c->methods);
	if (!out->methods) {
		log_error("cannot update the authentication methods: out of memory");
		return BURROW_AUTH_REJECT;
	}
	return BURROW_AUTH_PARTIAL;
}

static bool key_already_used(const struct auth_state *c, const char *fp)
{
	for (size_t i = 0; i < c->used_keys.n; i++)
		if (strcmp(c->used_keys.v[i], fp) == 0)
			return true;
	return false;
}

/* Two keys (AuthenticationMethods publickey,publickey) that force different commands cannot
 * both be obeyed: sshd refuses the second (sshauthopt_merge, "forced command options do not
 * match"); a certificate's force-command counts as a key's command=. */
static bool forced_commands_conflict(const struct auth_restrictions *have, const struct auth_restrictions *add)
{
	return have->force_command && add->force_command && strcmp(have->force_command, add->force_command) != 0;
}

/* Restrictions of several keys (AuthenticationMethods publickey,publickey): each permission
 * only if every key grants it; forced commands, when both have one, are equal
 * (forced_commands_conflict), else the one given stays. */
static void restrictions_merge(struct auth_restrictions *into, struct auth_restrictions *from)
{
	into->permit_pty &= from->permit_pty;
	into->permit_port_forwarding &= from->permit_port_forwarding;
	into->permit_agent_forwarding &= from->permit_agent_forwarding;
	into->permit_x11_forwarding &= from->permit_x11_forwarding;
	into->permit_user_rc &= from->permit_user_rc;
	if (!into->force_command) {
		into->force_command = from->force_command;
		from->force_command = NULL;
	}
	for (size_t i = 0; i < from->environment.n; i++)
		strlist_add(&into->environment, from->environment.v[i]);
	for (size_t i = 0; i < from->permitopen.n; i++)
		strlist_add(&into->permitopen, from->permitopen.v[i]);
	for (size_t i = 0; i < from->permitlisten.n; i++)
		strlist_add(&into->permitlisten, from->permitlisten.v[i]);
	auth_restrictions_free(from);
}

void auth_on_user(struct auth_state *c, const char *user, struct auth_reply *out)
{
	out->outcome = BURROW_AUTH_REJECT; /* "none" never logs anyone in */
	if (settle_user(c, user, out))
		login_user(c, user); /* "Invalid user" is logged now, as sshd does */
}

void auth_on_pubkey(struct auth_state *c, const char *user, const struct burrow_key *key, bool has_signature,
		    struct auth_reply *out)
{
	c->attempted = true;
	if (!settle_user(c, user, out)) {
		out->outcome = BURROW_AUTH_REJECT;
		return;
	}
	const struct user_info *u = login_user(c, user);
	char *fp = NULL;
	if (burrow_key_fingerprint_sha256(key, &fp) < 0)
		fp = NULL;
	const char *type = burrow_key_type_short(key);
	char key_text[512];
	snprintf(key_text, sizeof(key_text), "%s %s", type, fp ? fp : "?");
	if (burrow_key_is_cert(key))
		certauth_describe(key, key_text, sizeof(key_text));
	struct auth_restrictions r;
	auth_restrictions_init(&r);
	bool ok = false;
	if (!c->opts->pubkey_authentication)
		log_debug("PubkeyAuthentication no: refusing key");
	else if (u && burrow_key_is_cert(key))
		ok = certauth_check(c->opts, u, key, c->peer_addr, &r);
	else if (u)
		ok = authkeys_check(c->opts, u, key, c->peer_addr, &r);
	if (ok && fp && key_already_used(c, fp)) {
		log_verbose("refusing previously-used %s key", type);
		ok = false;
	}
	if (ok && forced_commands_conflict(&c->restrictions, &r)) {
		log_info("Refusing %s for %s: forced command options do not match", key_text, user);
		ok = false;
	}
	enum burrow_auth_outcome outcome = ok ? BURROW_AUTH_ACCEPT : BURROW_AUTH_REJECT;
	if (ok && has_signature) {
		outcome = method_succeeded(c, u, "publickey", "publickey", r.force_command != NULL, key_text, out);
		if (outcome != BURROW_AUTH_REJECT) {
			restrictions_merge(&c->restrictions, &r);
			if (fp)
				strlist_add(&c->used_keys, fp);
		}
	} else if (ok) {
		log_debug("Public key %s is acceptable for %s", key_text, user);
	}
	if (outcome == BURROW_AUTH_REJECT) {
		/* A query for a key that is simply not listed is routine; say it louder when an
		 * unknown user or a signed attempt fails, as sshd does. */
		log_msg(!u || has_signature ? LOG_LVL_INFO : LOG_LVL_VERBOSE,
			"Failed publickey for %s%s from %s port %d ssh2: %s", u ? "" : "invalid user ",
			user, c->peer_addr, c->peer_port, key_text);
	}
	auth_restrictions_free(&r);
	free(fp);
	c->pubkey_refused_by_us = outcome == BURROW_AUTH_REJECT;
	out->outcome = outcome;
}

void auth_on_password(struct auth_state *c, const char *user, const char *password, struct auth_reply *out)
{
	c->attempted = true;
	if (!settle_user(c, user, out)) {
		out->outcome = BURROW_AUTH_REJECT;
		return;
	}
	const struct user_info *u = login_user(c, user);
	bool ok = c->opts->password_authentication &&
		  auth_password_check(c->opts, user, u, password ? password : "", c->peer_addr);
	out->outcome = ok ? method_succeeded(c, u, "password", "password", false, NULL, out) : BURROW_AUTH_REJECT;
}

/* The keyboard-interactive exchange has an outcome. */
static void kbdint_finish(struct auth_state *c, const char *user, bool ok, struct auth_reply *out)
{
	auth_kbdint_free(c->kbdint);
	c->kbdint = NULL;
	const struct user_info *u = login_user(c, user);
	enum burrow_auth_outcome outcome = BURROW_AUTH_REJECT;
	if (!ok && c->opts->use_pam)
		log_error("PAM: Authentication failure for %s%s from %s", u ? "" : "illegal user ", user,
			  c->peer_addr);
	if (ok && u)
		outcome = method_succeeded(c, u, "keyboard-interactive", auth_kbdint_log_name(c->opts), false, NULL,
					   out);
	out->outcome = outcome;
}

void auth_on_kbdint_start(struct auth_state *c, const char *user, struct auth_reply *out)
{
	c->attempted = true;
	auth_kbdint_free(c->kbdint);
	c->kbdint = NULL;
	if (!settle_user(c, user, out)) {
		out->outcome = BURROW_AUTH_REJECT;
		return;
	}
	const struct user_info *u = login_user(c, user);
	bool done = false, ok = false;
	if (!c->opts->kbdint_authentication ||
	    auth_kbdint_start(&c->kbdint, c->opts, user, u, c->peer_addr, out, &done, &ok) < 0) {
		kbdint_finish(c, user, false, out);
		return;
	}
	if (done)
		kbdint_finish(c, user, ok, out);
}

void auth_on_kbdint_response(struct auth_state *c, const char *user, const char *const *answers, size_t n,
			     struct auth_reply *out)
{
	bool done = true, ok = false;
	/* The answers are for the user the conversation started with, and no other. */
	if (!c->kbdint || !c->first_user || strcmp(user, c->first_user) != 0) {
		auth_kbdint_free(c->kbdint);
		c->kbdint = NULL;
		out->outcome = BURROW_AUTH_REJECT;
		return;
	}
	auth_kbdint_respond(c->kbdint, out, answers, n, &done, &ok);
	if (done)
		kbdint_finish(c, c->first_user, ok, out);
}

void auth_on_failure(struct auth_state *c, const char *user, const char *method, bool partial)
{
	const struct user_info *u = *user ? login_user(c, user) : NULL;
	if (partial)
		return; /* logged as "Partial ..." when we decided it */
	if (strcmp(method, "keyboard-interactive") == 0) {
		/* Failed or abandoned (a new request): a PAM conversation still running ends. */
		auth_kbdint_free(c->kbdint);
		c->kbdint = NULL;
		method = auth_kbdint_log_name(c->opts);
	}
	c->auth_failures++;
	if (strncmp(method, "publickey", 9) == 0) {
		/* Our own refusals were logged with the key; the engine refuses bad signatures and
		 * key types it does not know without asking. */
		if (!c->pubkey_refused_by_us)
			log_verbose("Failed publickey for %s%s from %s port %d ssh2: signature or key type "
				    "not accepted", u ? "" : "invalid user ", user, c->peer_addr, c->peer_port);
		c->pubkey_refused_by_us = false;
		return;
	}
	/* sshd's auth_log: passwords, invalid users and the second half of MaxAuthTries at INFO. */
	bool loud = strcmp(method, "password") == 0 || !u ||
		    c->auth_failures >= (unsigned)c->opts->max_auth_tries / 2;
	log_msg(strcmp(method, "none") == 0 ? LOG_LVL_DEBUG1 : loud ? LOG_LVL_INFO : LOG_LVL_VERBOSE,
		"Failed %s for %s%s from %s port %d ssh2", method, u ? "" : "invalid user ", user,
		c->peer_addr, c->peer_port);
}

bool auth_on_success(struct auth_state *c, const char *user, struct user_info *user_out)
{
	const struct user_info *u = login_user(c, user);
	if (!u || !c->accepted_user || strcmp(c->accepted_user, user) != 0) {
		/* We never accepted this user: something is badly wrong; stop here. */
		log_error("authentication succeeded for %s, which burrowd did not accept", user);
		return false;
	}
	log_info("Accepted %s for %s from %s port %d ssh2%s%s", c->accepted_method ? c->accepted_method : "?",
		 user, c->peer_addr, c->peer_port, c->accepted_key ? ": " : "",
		 c->accepted_key ? c->accepted_key : "");
	return user_info_dup(u, user_out) == 0;
}

/* ---- the end ---- */

void log_connection_end(const struct disconnect_info *ev, const char *who, bool preauth, const char *peer_addr,
			int peer_port)
{
	const char *message = ev->message && *ev->message ? ev->message : NULL;
	const char *error = ev->error;
	const char *tag = preauth ? " [preauth]" : "";
	if (ev->grace) {
		log_info("Timeout before authentication for %s port %d", peer_addr, peer_port);
	} else if (ev->by_peer && ev->reason != BURROW_DISCONNECT_CONNECTION_LOST) {
		log_info("Received disconnect from %s port %d:%u: %s%s", peer_addr, peer_port, ev->reason,
			 message ? message : "", tag);
		log_info("Disconnected from %s%s port %d%s", who, peer_addr, peer_port, tag);
	} else if (ev->reason == BURROW_DISCONNECT_CONNECTION_LOST) {
		log_info("Connection closed by %s%s port %d%s", who, peer_addr, peer_port, tag);
	} else if (ev->reason == BURROW_DISCONNECT_KEY_EXCHANGE_FAILED && error && strstr(error, "no matching")) {
		/* sshd's words: the category and both offers are in the engine's text. */
		log_info("Unable to negotiate with %s port %d: %s%s", peer_addr, peer_port, error, tag);
	} else if (ev->we_disconnected) {
		log_info("Disconnected from %s%s port %d: %s%s", who, peer_addr, peer_port, message ? message : "closed",
			 tag);
	} else {
		/* The engine ended it: the peer broke the protocol (or worse). */
		log_info("Disconnected from %s%s port %d: %s%s", who, peer_addr, peer_port,
			 error && *error ? error : message ? message : "protocol error", tag);
	}
}

void auth_log_disconnect(const struct auth_state *c, const struct disconnect_info *ev)
{
	char who[160];
	if (c->candidate_ok)
		snprintf(who, sizeof(who), "authenticating user %s ", c->candidate_ok->name);
	else if (c->candidate_name)
		snprintf(who, sizeof(who), "invalid user %s ", c->candidate_name);
	else
		who[0] = 0;
	if (!ev->by_peer && ev->reason == BURROW_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE) {
		/* MaxAuthTries: sshd's two lines (auth_maxtries_exceeded). */
		log_error("maximum authentication attempts exceeded for %s%s from %s port %d ssh2 [preauth]",
			  c->candidate_ok ? "" : "invalid user ", c->candidate_name ? c->candidate_name : "?",
			  c->peer_addr, c->peer_port);
		log_info("Disconnecting %s%s port %d: Too many authentication failures [preauth]", who,
			 c->peer_addr, c->peer_port);
		return;
	}
	log_connection_end(ev, who, true, c->peer_addr, c->peer_port);
}
