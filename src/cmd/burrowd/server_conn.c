/*
 * One connection, in its own process: the event loop of burrow.h over a nonblocking socket,
 * the self-pipe (SIGCHLD) and the pipes of the processes run for the user. Decisions that are
 * the program's (who may log in, which channels and requests to allow) are made here; the
 * protocol is libburrow's.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algospec.h"
#include "auth_methods.h"
#include "log.h"
#include "server_channels.h"
#include "session.h"

#define SOCKET_READ_SIZE (128u * 1024)
#define FINAL_FLUSH_MS 2000

struct server_conn {
	const struct server_options *opts;
	struct burrow_conn *conn;
	int sock;
	char peer_addr[64], local_addr[64];
	int peer_port, local_port;
	uint64_t start_ms;

	bool privileged;           /* running as root: serve any system user */
	struct user_info self;     /* unprivileged: the only user we serve */
	/* The user named in the latest attempt, looked up once per name. */
	char *candidate_name;
	struct user_info candidate;
	const struct user_info *candidate_ok; /* NULL: invalid or refused */
	char *accepted_key;        /* "ED25519 SHA256:..." of the key just accepted with signature */
	char *accepted_user;
	bool pubkey_refused_by_us; /* the next publickey AUTH_FAILURE is our own verdict */
	/* Authentication policy (auth_policy.c): AuthenticationMethods progress, the login's
	 * restrictions (read by sessions and forwarding), a keyboard-interactive exchange. */
	struct auth_methods methods;
	struct auth_restrictions restrictions;
	struct auth_kbdint *kbdint;
	const char *accepted_method; /* for "Accepted METHOD for ..." */
	struct strlist used_keys;    /* fingerprints of keys that already gave a partial success */
	unsigned auth_failures;
	char *banner;

	bool authenticated;
	struct user_info user;

	struct server_channels *channels; /* after authentication */

	bool sock_eof;             /* the peer closed its side (or the socket failed) */
	bool we_disconnected;      /* our own burrow_conn_disconnect(): already logged */
	bool finished;
	unsigned kex_count;        /* key exchanges done: 1 + rekeys */
};

static uint8_t socket_buffer[SOCKET_READ_SIZE];

static const char *preauth(const struct server_conn *c)
{
	return c->authenticated ? "" : " [preauth]";
}

static void disconnect(struct server_conn *c, uint32_t reason, const char *message)
{
	c->we_disconnected = true;
	int r = burrow_conn_disconnect(c->conn, reason, message);
	if (r < 0) {
		log_debug("disconnect: %s", burrow_strerror(r));
		c->finished = true;
	}
}

/* ---- users ---- */

/* The user an attempt names, or NULL when nobody may log in under that name (logged once). */
static const struct user_info *login_user(struct server_conn *c, const char *name)
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

static void answer(struct server_conn *c, enum burrow_auth_outcome outcome)
{
	int r = burrow_auth_outcome(c->conn, outcome);
	if (r < 0)
		log_error("auth verdict: %s", burrow_strerror(r));
}

/* Remembers who is about to be accepted, for on_auth_success's log line and check. */
static void note_accepted(struct server_conn *c, const char *user, const char *method, const char *key)
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
static enum burrow_auth_outcome method_succeeded(struct server_conn *c, const struct user_info *u,
						 const char *method, const char *log_method,
						 bool forced_command, const char *key_text)
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
	char *offer = auth_methods_offer_new(&c->methods);
	int r = offer ? burrow_auth_set_methods(c->conn, offer) : BURROW_E_NOMEM;
	free(offer);
	if (r < 0) {
		log_error("cannot update the authentication methods: %s", burrow_strerror(r));
		return BURROW_AUTH_REJECT;
	}
	return BURROW_AUTH_PARTIAL;
}

static bool key_already_used(const struct server_conn *c, const char *fp)
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

static void on_auth_pubkey(struct server_conn *c, const struct burrow_event *ev)
{
	const struct user_info *u = login_user(c, ev->user);
	char *fp = NULL;
	if (burrow_key_fingerprint_sha256(ev->key, &fp) < 0)
		fp = NULL;
	const char *type = burrow_key_type_short(ev->key);
	char key_text[512];
	snprintf(key_text, sizeof(key_text), "%s %s", type, fp ? fp : "?");
	if (burrow_key_is_cert(ev->key))
		certauth_describe(ev->key, key_text, sizeof(key_text));
	struct auth_restrictions r;
	auth_restrictions_init(&r);
	bool ok = false;
	if (!c->opts->pubkey_authentication)
		log_debug("PubkeyAuthentication no: refusing key");
	else if (u && burrow_key_is_cert(ev->key))
		ok = certauth_check(c->opts, u, ev->key, c->peer_addr, &r);
	else if (u)
		ok = authkeys_check(c->opts, u, ev->key, c->peer_addr, &r);
	if (ok && fp && key_already_used(c, fp)) {
		log_verbose("refusing previously-used %s key", type);
		ok = false;
	}
	if (ok && forced_commands_conflict(&c->restrictions, &r)) {
		log_info("Refusing %s for %s: forced command options do not match", key_text, ev->user);
		ok = false;
	}
	enum burrow_auth_outcome outcome = ok ? BURROW_AUTH_ACCEPT : BURROW_AUTH_REJECT;
	if (ok && ev->has_signature) {
		outcome = method_succeeded(c, u, "publickey", "publickey", r.force_command != NULL, key_text);
		if (outcome != BURROW_AUTH_REJECT) {
			restrictions_merge(&c->restrictions, &r);
			if (fp)
				strlist_add(&c->used_keys, fp);
		}
	} else if (ok) {
		log_debug("Public key %s is acceptable for %s", key_text, ev->user);
	}
	if (outcome == BURROW_AUTH_REJECT) {
		/* A query for a key that is simply not listed is routine; say it louder when an
		 * unknown user or a signed attempt fails, as sshd does. */
		log_msg(!u || ev->has_signature ? LOG_LVL_INFO : LOG_LVL_VERBOSE,
			"Failed publickey for %s%s from %s port %d ssh2: %s", u ? "" : "invalid user ",
			ev->user, c->peer_addr, c->peer_port, key_text);
	}
	auth_restrictions_free(&r);
	free(fp);
	c->pubkey_refused_by_us = outcome == BURROW_AUTH_REJECT;
	answer(c, outcome);
}

static void on_auth_password(struct server_conn *c, const struct burrow_event *ev)
{
	const struct user_info *u = login_user(c, ev->user);
	bool ok = c->opts->password_authentication &&
		  auth_password_check(c->opts, ev->user, u, ev->password ? ev->password : "", c->peer_addr);
	answer(c, ok ? method_succeeded(c, u, "password", "password", false, NULL) : BURROW_AUTH_REJECT);
}

/* The keyboard-interactive exchange has an outcome. */
static void kbdint_finish(struct server_conn *c, const char *user, bool ok)
{
	auth_kbdint_free(c->kbdint);
	c->kbdint = NULL;
	const struct user_info *u = login_user(c, user);
	enum burrow_auth_outcome outcome = BURROW_AUTH_REJECT;
	if (!ok && c->opts->use_pam)
		log_error("PAM: Authentication failure for %s%s from %s", u ? "" : "illegal user ", user,
			  c->peer_addr);
	if (ok && u)
		outcome = method_succeeded(c, u, "keyboard-interactive", auth_kbdint_log_name(c->opts), false, NULL);
	answer(c, outcome);
}

static void on_auth_kbdint_start(struct server_conn *c, const struct burrow_event *ev)
{
	const struct user_info *u = login_user(c, ev->user);
	auth_kbdint_free(c->kbdint);
	c->kbdint = NULL;
	bool done = false, ok = false;
	if (!c->opts->kbdint_authentication ||
	    auth_kbdint_start(&c->kbdint, c->opts, ev->user, u, c->peer_addr, c->conn, &done, &ok) < 0) {
		kbdint_finish(c, ev->user, false);
		return;
	}
	if (done)
		kbdint_finish(c, ev->user, ok);
}

static void on_auth_kbdint_response(struct server_conn *c, const struct burrow_event *ev)
{
	bool done = true, ok = false;
	if (c->kbdint)
		auth_kbdint_respond(c->kbdint, c->conn, ev->strings, ev->nstrings, &done, &ok);
	if (done)
		kbdint_finish(c, ev->user, ok);
}

static void on_auth_failure(struct server_conn *c, const struct burrow_event *ev)
{
	const char *method = ev->name ? ev->name : "?";
	const char *user = ev->user ? ev->user : "?";
	const struct user_info *u = ev->user ? login_user(c, ev->user) : NULL;
	if (ev->partial)
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

static void on_auth_success(struct server_conn *c, const struct burrow_event *ev)
{
	const struct user_info *u = ev->user ? login_user(c, ev->user) : NULL;
	if (!u || !c->accepted_user || strcmp(c->accepted_user, ev->user) != 0) {
		/* We never accepted this user: something is badly wrong; stop here. */
		log_error("authentication succeeded for %s, which burrowd did not accept", ev->user ? ev->user : "?");
		disconnect(c, BURROW_DISCONNECT_BY_APPLICATION, "internal error");
		return;
	}
	log_info("Accepted %s for %s from %s port %d ssh2%s%s", c->accepted_method ? c->accepted_method : "?",
		 ev->user, c->peer_addr, c->peer_port, c->accepted_key ? ": " : "",
		 c->accepted_key ? c->accepted_key : "");
	struct user_info copy;
	if (user_info_dup(u, &copy) < 0) {
		disconnect(c, BURROW_DISCONNECT_BY_APPLICATION, "internal error");
		return;
	}
	c->user = copy;
	c->authenticated = true;
	/* Root: become the user now, before anything runs on their behalf. */
	if (c->privileged && ids_drop_to_user(&c->user) < 0) {
		disconnect(c, BURROW_DISCONNECT_BY_APPLICATION, "internal error");
		return;
	}
	struct channels_origin origin = {
		.opts = c->opts,
		.user = &c->user,
		.restrictions = &c->restrictions,
		.peer_addr = c->peer_addr,
		.local_addr = c->local_addr,
		.peer_port = c->peer_port,
		.local_port = c->local_port,
	};
	c->channels = server_channels_new(&origin);
	if (!c->channels)
		disconnect(c, BURROW_DISCONNECT_BY_APPLICATION, "out of memory");
}

/* ---- the end of the connection ---- */

static void on_disconnected(struct server_conn *c, const struct burrow_event *ev)
{
	const char *message = ev->message && *ev->message ? ev->message : NULL;
	const char *error = burrow_conn_last_error(c->conn);
	char who[160];
	if (c->authenticated)
		snprintf(who, sizeof(who), "user %s ", c->user.name);
	else if (c->candidate_ok)
		snprintf(who, sizeof(who), "authenticating user %s ", c->candidate_ok->name);
	else if (c->candidate_name)
		snprintf(who, sizeof(who), "invalid user %s ", c->candidate_name);
	else
		who[0] = 0;
	if (!ev->by_peer && ev->reason == BURROW_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE && !c->authenticated) {
		/* MaxAuthTries: sshd's two lines (auth_maxtries_exceeded). */
		log_error("maximum authentication attempts exceeded for %s%s from %s port %d ssh2 [preauth]",
			  c->candidate_ok ? "" : "invalid user ", c->candidate_name ? c->candidate_name : "?",
			  c->peer_addr, c->peer_port);
		log_info("Disconnecting %s%s port %d: Too many authentication failures [preauth]", who,
			 c->peer_addr, c->peer_port);
	} else if (ev->by_peer && ev->reason != BURROW_DISCONNECT_CONNECTION_LOST) {
		log_info("Received disconnect from %s port %d:%u: %s%s", c->peer_addr, c->peer_port,
			 ev->reason, message ? message : "", preauth(c));
		log_info("Disconnected from %s%s port %d%s", who, c->peer_addr, c->peer_port, preauth(c));
	} else if (ev->reason == BURROW_DISCONNECT_CONNECTION_LOST) {
		log_info("Connection closed by %s%s port %d%s", who, c->peer_addr, c->peer_port, preauth(c));
	} else if (ev->reason == BURROW_DISCONNECT_KEY_EXCHANGE_FAILED && error && strstr(error, "no matching")) {
		/* sshd's words: the category and both offers are in the engine's text. */
		log_info("Unable to negotiate with %s port %d: %s%s", c->peer_addr, c->peer_port, error, preauth(c));
	} else if (c->we_disconnected) {
		log_info("Disconnected from %s%s port %d: %s%s", who, c->peer_addr, c->peer_port,
			 message ? message : "closed", preauth(c));
	} else {
		/* The engine ended it: the peer broke the protocol (or worse). */
		log_info("Disconnected from %s%s port %d: %s%s", who, c->peer_addr, c->peer_port,
			 error && *error ? error : message ? message : "protocol error", preauth(c));
	}
	c->finished = true;
}

/* After each key exchange, in sshd's words (debug1), so logs of both programs read alike. */
static void log_negotiated(struct server_conn *c)
{
	struct burrow_negotiated n;
	if (burrow_conn_negotiated(c->conn, &n) < 0 || !n.kex)
		return;
	c->kex_count++;
	if (c->kex_count > 1)
		log_verbose("rekey %u done with %s port %d", c->kex_count - 1, c->peer_addr, c->peer_port);
	log_debug("kex: algorithm: %s%s", n.kex, preauth(c));
	log_debug("kex: host key algorithm: %s%s", n.hostkey ? n.hostkey : "?", preauth(c));
	log_debug("kex: client->server cipher: %s MAC: %s compression: %s%s", n.cipher_c2s ? n.cipher_c2s : "?",
		  n.mac_c2s && *n.mac_c2s ? n.mac_c2s : "<implicit>", n.comp_c2s,
		  preauth(c));
	log_debug("kex: server->client cipher: %s MAC: %s compression: %s%s", n.cipher_s2c ? n.cipher_s2c : "?",
		  n.mac_s2c && *n.mac_s2c ? n.mac_s2c : "<implicit>", n.comp_s2c,
		  preauth(c));
	if (n.strict_kex && c->kex_count == 1)
		log_debug("kex: strict KEX mode enabled%s", preauth(c));
}

static void handle_event(struct server_conn *c, const struct burrow_event *ev)
{
	if (c->channels && server_channels_event(c->channels, c->conn, ev))
		return;
	switch (ev->type) {
	case BURROW_EV_KEX_DONE:
		log_negotiated(c);
		break;
	case BURROW_EV_AUTH_PUBKEY:
		on_auth_pubkey(c, ev);
		break;
	case BURROW_EV_AUTH_SUCCESS:
		on_auth_success(c, ev);
		break;
	case BURROW_EV_AUTH_FAILURE:
		on_auth_failure(c, ev);
		break;
	case BURROW_EV_AUTH_PASSWORD:
		on_auth_password(c, ev);
		break;
	case BURROW_EV_AUTH_KBDINT_START:
		on_auth_kbdint_start(c, ev);
		break;
	case BURROW_EV_AUTH_KBDINT_RESPONSE:
		on_auth_kbdint_response(c, ev);
		break;
	case BURROW_EV_CHANNEL_OPEN:
		/* Before authentication (the engine refuses these itself; belt and braces). */
		burrow_chan_open_verdict(c->conn, ev->channel, false, BURROW_OPEN_ADMINISTRATIVELY_PROHIBITED,
					 "not authenticated");
		break;
	case BURROW_EV_CHANNEL_REQUEST:
		if (ev->want_reply)
			burrow_chan_request_verdict(c->conn, ev->channel, false);
		break;
	case BURROW_EV_DISCONNECTED:
		on_disconnected(c, ev);
		break;
	default:
		break;
	}
}

/* ---- I/O ---- */

static size_t pending_output(struct server_conn *c)
{
	const uint8_t *p;
	return burrow_conn_output(c->conn, &p);
}

/* Writes what the socket takes now. -1 when the socket is dead. */
static int flush_socket(struct server_conn *c)
{
	for (;;) {
		const uint8_t *p;
		size_t n = burrow_conn_output(c->conn, &p);
		if (n == 0)
			return 0;
		ssize_t w = send(c->sock, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			burrow_conn_output_consume(c->conn, (size_t)w);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		log_verbose("write to %s port %d: %s", c->peer_addr, c->peer_port,
			    w < 0 ? strerror(errno) : "short write");
		return -1;
	}
}

/* Last words (our DISCONNECT) get a short while to leave. */
static void final_flush(struct server_conn *c)
{
	uint64_t deadline = monotonic_ms() + FINAL_FLUSH_MS;
	while (pending_output(c) > 0) {
		if (flush_socket(c) < 0)
			return;
		if (pending_output(c) == 0)
			return;
		uint64_t now = monotonic_ms();
		if (now >= deadline)
			return;
		struct pollfd pfd = { .fd = c->sock, .events = POLLOUT };
		poll(&pfd, 1, (int)(deadline - now));
	}
}

static void read_socket(struct server_conn *c)
{
	ssize_t n = recv(c->sock, socket_buffer, sizeof(socket_buffer), 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	int r;
	if (n <= 0) {
		c->sock_eof = true;
		if (n < 0)
			log_verbose("read from %s port %d: %s", c->peer_addr, c->peer_port, strerror(errno));
		r = burrow_conn_feed_eof(c->conn);
	} else {
		r = burrow_conn_feed(c->conn, socket_buffer, (size_t)n);
	}
	/* An error ends the connection; next_event reports how. */
	if (r < 0)
		log_debug("feed: %s", burrow_strerror(r));
}

static void reap_children(struct server_conn *c)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (c->channels)
			server_channels_child_exited(c->channels, pid, status);
}

/* Drains every event the engine has. false when the connection is over. */
static bool drain_events(struct server_conn *c)
{
	for (;;) {
		struct burrow_event ev;
		memset(&ev, 0, sizeof(ev));
		int r = burrow_conn_next_event(c->conn, &ev);
		if (r > 0) {
			handle_event(c, &ev);
			if (c->finished)
				return false;
			continue;
		}
		if (r < 0) {
			if (!c->finished) {
				const char *e = burrow_conn_last_error(c->conn);
				log_info("Connection from %s port %d ended: %s%s", c->peer_addr, c->peer_port,
					 e && *e ? e : burrow_strerror(r), preauth(c));
			}
			return false;
		}
		return true;
	}
}

enum { POLL_SIGNALS, POLL_SOCKET, POLL_FIXED };

/* The descriptors of one poll() round: ours, then the channels'. */
struct poll_set {
	struct pollfd fds[POLL_FIXED + SERVER_CHANNELS_POLLFDS];
	size_t count;
	short sock_events;
};

static void poll_set_build(struct server_conn *c, struct poll_set *ps)
{
	size_t pending = pending_output(c);
	ps->sock_events = 0;
	/* Read from the peer only while our unsent output is small: a peer that does not read
	 * must not make us buffer without bound. */
	if (!c->sock_eof && pending < SESSION_OUTPUT_HIGH_WATER)
		ps->sock_events |= POLLIN;
	if (pending > 0)
		ps->sock_events |= POLLOUT;
	ps->fds[POLL_SIGNALS] = (struct pollfd){ .fd = signals_fd(), .events = POLLIN };
	ps->fds[POLL_SOCKET] = (struct pollfd){ .fd = ps->sock_events ? c->sock : -1, .events = ps->sock_events };
	ps->count = POLL_FIXED;
	if (c->channels)
		ps->count += server_channels_pollfds(c->channels, c->conn, ps->fds + POLL_FIXED);
}

static void poll_set_dispatch(struct server_conn *c, struct poll_set *ps)
{
	if (ps->fds[POLL_SIGNALS].revents)
		signals_drain();
	short sock = ps->fds[POLL_SOCKET].revents;
	if ((ps->sock_events & POLLIN) && (sock & (POLLIN | POLLHUP | POLLERR))) {
		read_socket(c);
	} else if (sock & (POLLHUP | POLLERR)) {
		/* Cannot write and we are not reading: the peer is gone. */
		c->sock_eof = true;
		burrow_conn_feed_eof(c->conn);
	}
	if (c->channels)
		server_channels_after_poll(c->channels, c->conn, ps->fds + POLL_FIXED, ps->count - POLL_FIXED);
}

/* Timers and children: what happens between packets. */
static void housekeeping(struct server_conn *c)
{
	uint64_t now = monotonic_ms();
	burrow_conn_tick(c->conn, now);
	uint64_t grace_ms = (uint64_t)c->opts->login_grace_time * 1000;
	if (!c->authenticated && !c->we_disconnected && grace_ms && now - c->start_ms > grace_ms) {
		log_info("Timeout before authentication for %s port %d", c->peer_addr, c->peer_port);
		disconnect(c, BURROW_DISCONNECT_BY_APPLICATION, "Timeout before authentication");
	}
	if (got_sigchld) {
		got_sigchld = 0;
		reap_children(c);
	}
}

static void event_loop(struct server_conn *c)
{
	static struct poll_set ps;
	for (;;) {
		housekeeping(c);
		if (!drain_events(c) || c->finished)
			break;
		if (c->channels)
			server_channels_pump(c->channels, c->conn);
		if (flush_socket(c) < 0)
			break;
		poll_set_build(c, &ps);
		/* Wake up now and then: before authentication for the grace time, and every second
		 * when keys expire by time (RekeyLimit), so burrow_conn_tick() sees the deadline. */
		int timeout = c->authenticated && !c->opts->rekey_seconds ? 10000 : 1000;
		int ready = poll(ps.fds, (nfds_t)ps.count, timeout);
		if (ready < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			break;
		}
		if (ready > 0)
			poll_set_dispatch(c, &ps);
	}
	final_flush(c);
}

/* ---- setup ---- */

static void describe_socket(struct server_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getpeername(c->sock, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_format(&ss, c->peer_addr, sizeof(c->peer_addr), &c->peer_port);
	else
		snprintf(c->peer_addr, sizeof(c->peer_addr), "UNKNOWN");
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(c->sock, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_format(&ss, c->local_addr, sizeof(c->local_addr), &c->local_port);
	else
		snprintf(c->local_addr, sizeof(c->local_addr), "UNKNOWN");
}

void server_engine_config(const struct server_options *opts, struct burrow_key *const *host_keys,
			  size_t host_key_count, struct burrow_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->role = BURROW_SERVER;
	cfg->host_keys = host_keys;
	cfg->host_key_count = host_key_count;
	/* What is offered first: the enabled methods that start an AuthenticationMethods list. */
	static char first_offer[64];
	struct auth_methods m;
	first_offer[0] = 0;
	if (auth_methods_init(&m, opts->authentication_methods.v, opts->authentication_methods.n,
			      opts->pubkey_authentication, opts->password_authentication,
			      opts->kbdint_authentication) == 0) {
		char *offer = auth_methods_offer_new(&m);
		snprintf(first_offer, sizeof(first_offer), "%s", offer ? offer : "");
		free(offer);
		auth_methods_free(&m);
	}
	cfg->auth_methods = first_offer;
	cfg->max_auth_tries = opts->max_auth_tries;
	cfg->kex_algorithms = opts->kex_algorithms;
	cfg->hostkey_algorithms = opts->hostkey_algorithms;
	cfg->pubkey_algorithms = opts->pubkey_algorithms;
	cfg->ciphers = opts->ciphers;
	cfg->macs = opts->macs;
	if (opts->compression >= 0)
		cfg->compression = algospec_compression_list(opts->compression == 1, true);
	cfg->rekey_bytes = opts->rekey_bytes;
	cfg->rekey_seconds = opts->rekey_seconds;
	cfg->dh_moduli = opts->moduli;
}

int server_conn_serve(const struct server_options *opts, struct burrow_key *const *host_keys,
		      size_t host_key_count, int sock)
{
	struct server_conn c;
	memset(&c, 0, sizeof(c));
	c.opts = opts;
	c.sock = sock;
	c.start_ms = monotonic_ms();
	c.privileged = geteuid() == 0;
	describe_socket(&c);
	log_info("Connection from %s port %d on %s port %d", c.peer_addr, c.peer_port, c.local_addr,
		 c.local_port);
	if (!c.privileged && user_lookup_uid(getuid(), &c.self) < 0) {
		log_error("cannot find the user burrowd runs as (uid %lu)", (unsigned long)getuid());
		close(sock);
		return 255;
	}
	int one = 1;
	setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	set_nonblocking(sock);

	auth_restrictions_init(&c.restrictions);
	if (auth_methods_init(&c.methods, opts->authentication_methods.v, opts->authentication_methods.n,
			      opts->pubkey_authentication, opts->password_authentication,
			      opts->kbdint_authentication) < 0) {
		close(sock);
		return 255;
	}
	struct burrow_config cfg;
	server_engine_config(opts, host_keys, host_key_count, &cfg);
	c.banner = auth_policy_banner_new(opts);
	cfg.auth_banner = c.banner;
	int r = burrow_conn_new(&cfg, &c.conn);
	if (r < 0) {
		log_error("cannot set up the connection: %s", burrow_strerror(r));
		close(sock);
		return 255;
	}
	event_loop(&c);

	server_channels_free(c.channels);
	burrow_conn_free(c.conn);
	close(sock);
	user_info_free(&c.self);
	user_info_free(&c.candidate);
	user_info_free(&c.user);
	free(c.candidate_name);
	free(c.accepted_key);
	free(c.accepted_user);
	auth_kbdint_free(c.kbdint);
	auth_methods_free(&c.methods);
	auth_restrictions_free(&c.restrictions);
	strlist_free(&c.used_keys);
	free(c.banner);
	return 0;
}
