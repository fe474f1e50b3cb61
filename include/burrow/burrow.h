/*
 * libburrow: one SSH-2 connection as a sans-I/O state machine.
 *
 * The program owns the socket. It hands received bytes in with burrow_conn_feed(), pulls
 * events with burrow_conn_next_event(), answers the events that ask a question, and writes
 * whatever burrow_conn_output() holds to the socket. Nothing in here blocks, sleeps or does I/O.
 *
 *   for (;;) {
 *       int r = burrow_conn_next_event(conn, &ev);
 *       if (r > 0) { handle(&ev); continue; }          // an event; answer it if it asks
 *       if (r < 0) break;                               // connection over (BURROW_E_CLOSED)
 *       flush burrow_conn_output() to the socket;       // r == 0: needs more input
 *       read from the socket -> burrow_conn_feed();     // read 0 bytes -> burrow_conn_feed_eof()
 *   }
 *
 * Pointers inside an event stay valid until the next call into the same connection.
 * Events that ask a question (HOSTKEY, AUTH_PUBKEY, CHANNEL_OPEN, CHANNEL_REQUEST with
 * want_reply) must be answered before the next burrow_conn_next_event() call.
 */
#ifndef BURROW_BURROW_H
#define BURROW_BURROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow/error.h"
#include "burrow/keys.h"

#define BURROW_VERSION "0.1"

enum burrow_role { BURROW_CLIENT, BURROW_SERVER };

/* SSH_MSG_DISCONNECT reason codes, RFC 4253 section 11.1 / RFC 4250 4.2.2. */
enum burrow_disconnect_reason {
	BURROW_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT = 1,
	BURROW_DISCONNECT_PROTOCOL_ERROR = 2,
	BURROW_DISCONNECT_KEY_EXCHANGE_FAILED = 3,
	BURROW_DISCONNECT_RESERVED = 4,
	BURROW_DISCONNECT_MAC_ERROR = 5,
	BURROW_DISCONNECT_COMPRESSION_ERROR = 6,
	BURROW_DISCONNECT_SERVICE_NOT_AVAILABLE = 7,
	BURROW_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED = 8,
	BURROW_DISCONNECT_HOST_KEY_NOT_VERIFIABLE = 9,
	BURROW_DISCONNECT_CONNECTION_LOST = 10,
	BURROW_DISCONNECT_BY_APPLICATION = 11,
	BURROW_DISCONNECT_TOO_MANY_CONNECTIONS = 12,
	BURROW_DISCONNECT_AUTH_CANCELLED_BY_USER = 13,
	BURROW_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14,
	BURROW_DISCONNECT_ILLEGAL_USER_NAME = 15,
};

/* SSH_MSG_CHANNEL_OPEN_FAILURE reason codes, RFC 4254 section 5.1. */
enum burrow_open_failure {
	BURROW_OPEN_ADMINISTRATIVELY_PROHIBITED = 1,
	BURROW_OPEN_CONNECT_FAILED = 2,
	BURROW_OPEN_UNKNOWN_CHANNEL_TYPE = 3,
	BURROW_OPEN_RESOURCE_SHORTAGE = 4,
};

struct burrow_config {
	enum burrow_role role;
	/* Algorithm preferences as comma-separated lists, most preferred first; NULL = defaults.
	 * OpenSSH's forms work too: "+name" appends to the defaults, "-pattern" removes from them,
	 * "^name" puts first. Names we do not implement are left out. */
	const char *kex_algorithms;
	const char *hostkey_algorithms;
	const char *ciphers;
	const char *macs;
	/* Server: host keys with their private halves. Kept by pointer: they must outlive the conn. */
	struct burrow_key *const *host_keys;
	size_t host_key_count;
	/* Server: the authentication methods offered (name-list); NULL = "publickey". */
	const char *auth_methods;
	/* Rekey after this many bytes in either direction; 0 = the default for the cipher. */
	uint64_t rekey_bytes;
	/* Rekey after this many seconds (counted with burrow_conn_tick); 0 = never by time. */
	uint32_t rekey_seconds;
	/* Signature algorithms accepted for publickey authentication (server) or offered (client);
	 * NULL = defaults. Same list syntax as above. */
	const char *pubkey_algorithms;
	/* Compression: "none", "zlib@openssh.com", "zlib", in preference order; NULL = "none". */
	const char *compression;
	/* Server: the text of a moduli(5) file (e.g. /etc/ssh/moduli, read by the program) for
	 * diffie-hellman-group-exchange-*; NULL = the RFC 3526 groups. Kept by pointer like host_keys:
	 * it must outlive the conn. */
	const char *dh_moduli;
	/* Server: text sent as SSH_MSG_USERAUTH_BANNER before authentication (sshd's Banner);
	 * borrowed; NULL = none. */
	const char *auth_banner;
	/* Server: failed authentication attempts allowed before the connection is closed
	 * (MaxAuthTries); 0 = 6, OpenSSH's default. */
	int max_auth_tries;
	/* Server: report the first "none" request as BURROW_EV_AUTH_USER (a question) instead of
	 * answering it with auth_methods. */
	bool auth_report_user;
	/* Server, privilege separation: host-key signatures (exchange hashes, hostkeys-prove-00
	 * proofs) are made by this callback instead of with host_keys' private halves, which may
	 * then be public keys (or certificates) only. Synchronous: 0 with *sig (malloc'd signature
	 * blob as burrow_key_sign makes) or a BURROW_E_* code, which fails the exchange. NULL: sign
	 * in-process. */
	int (*host_key_sign)(void *ctx, const struct burrow_key *key, const char *alg, const uint8_t *data,
			     size_t len, uint8_t **sig, size_t *sig_len);
	void *host_key_sign_ctx;
};

/* Algorithm categories for listing (burrow -Q) and defaults. */
enum burrow_algo_kind { BURROW_ALGO_KEX, BURROW_ALGO_HOSTKEY, BURROW_ALGO_CIPHER, BURROW_ALGO_MAC,
			BURROW_ALGO_COMPRESSION, BURROW_ALGO_SIG };
/* Every name we implement (comma-separated), including those off by default. */
const char *burrow_algorithms_supported(enum burrow_algo_kind kind);
/* What a client or server offers when the config does not say. */
const char *burrow_algorithms_default(enum burrow_role role, enum burrow_algo_kind kind);

struct burrow_conn;

enum burrow_event_type {
	BURROW_EV_NONE = 0,
	/* client: the server proved it holds host_key; answer burrow_hostkey_verdict(). */
	BURROW_EV_HOSTKEY,
	/* both: a key exchange finished (first one: ready to authenticate); see burrow_conn_negotiated(). */
	BURROW_EV_KEX_DONE,
	/* server: may `user` log in with `key`? has_signature: false for the query step (RFC 4252 7),
	 * true when the signature has already been verified. `name` is the method ("publickey" or
	 * "publickey-hostbound-v00@openssh.com"). Answer burrow_auth_verdict() / _outcome(). */
	BURROW_EV_AUTH_PUBKEY,
	/* both: authentication succeeded for `user` (server) / us (client). */
	BURROW_EV_AUTH_SUCCESS,
	/* client: the last attempt failed; `methods` can continue, `partial` per RFC 4252 5.1.
	 * server: an attempt by `user` with method `name` failed (for the log); `partial` when it
	 * was a partial success. AUTH_SUCCESS and AUTH_FAILURE carry the method in `name`
	 * ("publickey" for both publickey forms, as sshd logs it; "none", "password",
	 * "keyboard-interactive"). client: a failure decided without the server's word (no mutual
	 * algorithm, no signature) says why in `message`.
	 * server: the first "none" request is not reported (it only asks for the method list). */
	BURROW_EV_AUTH_FAILURE,
	/* client: SSH_MSG_USERAUTH_BANNER text in `message`. */
	BURROW_EV_AUTH_BANNER,
	/* both: the peer opens channel `channel` of type `name`, type-specific data in data/len;
	 * answer burrow_chan_open_verdict(). */
	BURROW_EV_CHANNEL_OPEN,
	/* client: our channel open was confirmed / refused (`reason`, `message`). */
	BURROW_EV_CHANNEL_OPEN_CONFIRMED,
	BURROW_EV_CHANNEL_OPEN_FAILED,
	/* server: channel request `name` ("exec", "shell", "env", ...); the request-specific data is
	 * in data/len, except for "exec" and "subsystem" whose single string argument it is
	 * (not NUL-terminated). If want_reply, answer burrow_chan_request_verdict(). */
	BURROW_EV_CHANNEL_REQUEST,
	/* client: the reply to our channel request with want_reply; `ok`. */
	BURROW_EV_CHANNEL_REQUEST_REPLY,
	/* both: data/len arrived on `channel`, stream 0 = data, 1 = stderr. Once the bytes have been
	 * delivered, call burrow_chan_consumed() so the peer may send more. */
	BURROW_EV_CHANNEL_DATA,
	/* both: the peer grew our send window; burrow_chan_send() may accept more. */
	BURROW_EV_CHANNEL_WINDOW,
	BURROW_EV_CHANNEL_EOF,
	/* client: the remote command exited with `exit_status`. */
	BURROW_EV_CHANNEL_EXIT_STATUS,
	/* client: the remote command was killed by signal `name` (without "SIG"); core_dumped, message. */
	BURROW_EV_CHANNEL_EXIT_SIGNAL,
	/* both: the channel is closed in both directions; its number is free after this event. */
	BURROW_EV_CHANNEL_CLOSED,
	/* server: `user` tries `password` (NUL-terminated; wiped after the next call into the conn).
	 * Answer burrow_auth_verdict() / burrow_auth_outcome(). */
	BURROW_EV_AUTH_PASSWORD,
	/* server: `user` starts keyboard-interactive (RFC 4256), submethods in `message`. Answer
	 * burrow_auth_kbdint_challenge(), or burrow_auth_verdict(false) to refuse. */
	BURROW_EV_AUTH_KBDINT_START,
	/* server: the answers to our last challenge, strings[0..nstrings) (wiped after the next call).
	 * Answer another burrow_auth_kbdint_challenge() or burrow_auth_verdict()/_outcome(). */
	BURROW_EV_AUTH_KBDINT_RESPONSE,
	/* client: keyboard-interactive prompts: `name`, instruction in `message`, the prompts in
	 * strings[0..nstrings) with echo[i]. Answer burrow_auth_kbdint_respond() (nstrings may be 0). */
	BURROW_EV_AUTH_KBDINT_PROMPT,
	/* client: a publickey attempt with a key that has no private half (an agent's): sign
	 * data/len with `key` using signature algorithm `name`. Answer burrow_auth_signature(). */
	BURROW_EV_AUTH_SIGN,
	/* client: after authentication the server listed all its host keys (hostkeys-00@openssh.com,
	 * OpenSSH PROTOCOL 2.5): keys[0..nkeys). May be answered with burrow_hostkeys_prove(). */
	BURROW_EV_HOSTKEYS,
	/* client: the answer to burrow_hostkeys_prove(): ok, and keys[0..nkeys) the keys whose
	 * possession the server proved (ok false: it did not, learn nothing; why in `message`). */
	BURROW_EV_HOSTKEYS_PROVEN,
	/* RFC 4252 8, password change.
	 * client: the server wants a new password before it lets us in (PASSWD_CHANGEREQ); its
	 * prompt in `message`, `methods` as the last AUTH_FAILURE listed them. The attempt is over:
	 * answer with burrow_auth_password_change(), or try another method (or give up).
	 * server: `user` changes the password after our burrow_auth_password_changereq(): the old
	 * one in `password`, the new one in `new_password` (both wiped after the next call into the
	 * conn). Answer burrow_auth_verdict()/_outcome() (accept: the password was changed and the
	 * user is in) or burrow_auth_password_changereq() again. Never raised on a connection where
	 * the program has not sent a change request: a change request there fails as in sshd. */
	BURROW_EV_AUTH_PASSWORD_CHANGE,
	/* server, with cfg->auth_report_user: the client's first request, "none", names `user`
	 * (it asks which methods it may use). The program may set them for this user
	 * (burrow_auth_set_methods, e.g. from sshd_config Match blocks), then answers
	 * burrow_auth_verdict(false): the client gets USERAUTH_FAILURE with the methods, and this
	 * request counts as no attempt. */
	BURROW_EV_AUTH_USER,
	/* both: the connection ended: `reason` (burrow_disconnect_reason), `message`, by_peer.
	 * The socket closing without a DISCONNECT is reason CONNECTION_LOST, by_peer false.
	 * The last event; flush burrow_conn_output() (it may hold our DISCONNECT) and close. */
	BURROW_EV_DISCONNECTED,
};

struct burrow_event {
	enum burrow_event_type type;
	uint32_t channel;              /* channel events: our channel number */
	const char *name;              /* channel type, request name, signal name, auth method */
	const char *user;              /* AUTH_PUBKEY, AUTH_SUCCESS, AUTH_FAILURE (server) */
	const struct burrow_key *key;  /* HOSTKEY, AUTH_PUBKEY */
	bool has_signature;            /* AUTH_PUBKEY */
	const char *methods;           /* AUTH_FAILURE (client) */
	bool partial;                  /* AUTH_FAILURE (client) */
	bool want_reply;               /* CHANNEL_REQUEST */
	bool ok;                       /* CHANNEL_REQUEST_REPLY */
	const uint8_t *data;           /* CHANNEL_DATA, CHANNEL_REQUEST */
	size_t len;
	int stream;                    /* CHANNEL_DATA: 0 data, 1 stderr */
	uint32_t exit_status;          /* CHANNEL_EXIT_STATUS */
	bool core_dumped;              /* CHANNEL_EXIT_SIGNAL */
	uint32_t reason;               /* DISCONNECTED, CHANNEL_OPEN_FAILED */
	const char *message;           /* DISCONNECTED, CHANNEL_OPEN_FAILED, EXIT_SIGNAL, AUTH_BANNER */
	bool by_peer;                  /* DISCONNECTED: the peer sent SSH_MSG_DISCONNECT */
	const char *password;          /* AUTH_PASSWORD, AUTH_PASSWORD_CHANGE (server: the old one) */
	const char *new_password;      /* AUTH_PASSWORD_CHANGE (server) */
	const char *const *strings;    /* AUTH_KBDINT_PROMPT (prompts), AUTH_KBDINT_RESPONSE (answers) */
	const bool *echo;              /* AUTH_KBDINT_PROMPT: echo[i] for strings[i] */
	size_t nstrings;
	/* AUTH_PUBKEY with has_signature: what the engine verified, for a privileged monitor that
	 * verifies again (it trusts no unprivileged process): the signature algorithm, the
	 * signature, the key blob as the client sent it and, for publickey-hostbound-v00, the host
	 * key blob. Valid until the verdict. */
	const char *sig_alg;
	const uint8_t *sig, *key_blob, *hostkey_blob;
	size_t sig_len, key_blob_len, hostkey_blob_len;
	const struct burrow_key *const *keys; /* HOSTKEYS, HOSTKEYS_PROVEN */
	size_t nkeys;
};

/* ---- the connection ---- */
int burrow_conn_new(const struct burrow_config *cfg, struct burrow_conn **out);
void burrow_conn_free(struct burrow_conn *conn);
int burrow_conn_feed(struct burrow_conn *conn, const uint8_t *data, size_t len);
int burrow_conn_feed_eof(struct burrow_conn *conn);        /* the peer closed the socket */
/* > 0: *ev holds an event; 0: needs more input; < 0: the connection is over (BURROW_E_CLOSED). */
int burrow_conn_next_event(struct burrow_conn *conn, struct burrow_event *ev);
size_t burrow_conn_output(struct burrow_conn *conn, const uint8_t **data);
void burrow_conn_output_consume(struct burrow_conn *conn, size_t n);
/* Ends the connection: queues SSH_MSG_DISCONNECT; next_event then reports DISCONNECTED. */
int burrow_conn_disconnect(struct burrow_conn *conn, uint32_t reason, const char *message);
/* Timers are handed in: milliseconds on any monotonic clock (time-based rekeying, grace time). */
int burrow_conn_tick(struct burrow_conn *conn, uint64_t now_ms);
/* After an error: one line that says what went wrong, for logs and the client's message. */
const char *burrow_conn_last_error(const struct burrow_conn *conn);
const char *burrow_conn_peer_version(const struct burrow_conn *conn); /* "SSH-2.0-..." or NULL */

struct burrow_negotiated {
	const char *kex, *hostkey, *cipher_c2s, *cipher_s2c, *mac_c2s, *mac_s2c, *comp_c2s, *comp_s2c;
	bool strict_kex;
};
int burrow_conn_negotiated(const struct burrow_conn *conn, struct burrow_negotiated *out);

/* ---- moving a server connection to another process (privilege separation) ----
 * The unprivileged pre-authentication process exports the connection; the monitor imports it
 * and continues it byte-exactly as the user. Export is allowed only on a server connection right
 * after the program took BURROW_EV_AUTH_SUCCESS (before the next burrow_conn_next_event()), with
 * no key exchange in progress, burrow_conn_output() flushed, no channel open and no question
 * pending: otherwise BURROW_E_STATE. A connection compressing with plain "zlib" cannot move
 * (BURROW_E_UNSUPPORTED); zlib@openssh.com can. The exporter then frees its conn.
 * The blob holds the session keys: send it only over a private channel (socketpair) and release
 * it with burrow_conn_export_free(), which wipes it. The importer's cfg supplies host keys (it
 * must hold the one the connection was keyed with), algorithm preferences, moduli and limits.
 *
 * The importer (the privileged monitor) must treat the blob as written by a possibly compromised
 * child. burrow_conn_import() therefore checks it against what the monitor knows itself:
 *   - expect->expected_user (required): the user the monitor authenticated; a blob naming another
 *     user is refused (BURROW_E_NOMATCH);
 *   - expect->expected_session_id (NULL to skip): pass the exchange hash the monitor itself signed
 *     (it holds the host keys, so the first exchange's signature went through it); a blob with
 *     another session id is refused (BURROW_E_NOMATCH);
 *   - every negotiated name (kex, host key, ciphers, MACs, compression) must be one cfg would
 *     allow on a fresh connection (BURROW_E_NOMATCH otherwise), and the host key must be held;
 *   - the rekey counters (bytes and packets per direction) and the time of the last exchange
 *     are not taken from the blob: they start again at import, so RekeyLimit cannot be dodged.
 * Still child-controlled, and why that is acceptable: the cipher keys, IVs and counters, the
 * sequence numbers, the version lines, the unread input, strict-KEX / ext-info / hostbound flags,
 * the peer's signature algorithms and the auth counters. Each only describes the child's own
 * connection to its own peer: a lie breaks (or weakens) that connection alone, which the child
 * could do anyway by holding the keys; none grants the monitor's privileges or another user.
 * Import of a malformed blob fails (BURROW_E_PARSE) and leaves *out NULL. */
struct burrow_import_expect {
	const char *expected_user;          /* required: the user the monitor authenticated */
	const uint8_t *expected_session_id; /* the exchange hash the monitor signed, or NULL */
	size_t expected_session_id_len;
};
int burrow_conn_export(struct burrow_conn *conn, uint8_t **blob, size_t *len);
void burrow_conn_export_free(uint8_t *blob, size_t len);
int burrow_conn_import(const struct burrow_config *cfg, const struct burrow_import_expect *expect,
		       const uint8_t *blob, size_t len, struct burrow_conn **out);

/* ---- client: host key and authentication ---- */
int burrow_hostkey_verdict(struct burrow_conn *conn, bool accept);
/* Start or continue user authentication (after the first BURROW_EV_KEX_DONE). The outcome
 * arrives as BURROW_EV_AUTH_SUCCESS or BURROW_EV_AUTH_FAILURE. */
int burrow_auth_none(struct burrow_conn *conn, const char *user);
/* Query, then sign with `key` (must outlive the attempt). A key without its private half (an
 * agent's) is signed by the program: BURROW_EV_AUTH_SIGN. When the server offers it (EXT_INFO
 * publickey-hostbound@openssh.com), the request is publickey-hostbound-v00@openssh.com. */
int burrow_auth_publickey(struct burrow_conn *conn, const char *user, const struct burrow_key *key);

/* Password authentication (RFC 4252 8). */
int burrow_auth_password(struct burrow_conn *conn, const char *user, const char *password);
/* After BURROW_EV_AUTH_PASSWORD_CHANGE: the old password and the new one (RFC 4252 8). */
int burrow_auth_password_change(struct burrow_conn *conn, const char *user, const char *old_password,
				const char *new_password);
/* Keyboard-interactive (RFC 4256): prompts arrive as BURROW_EV_AUTH_KBDINT_PROMPT. */
int burrow_auth_kbdint(struct burrow_conn *conn, const char *user, const char *submethods);
int burrow_auth_kbdint_respond(struct burrow_conn *conn, size_t n, const char *const *responses);
/* The signature asked for by BURROW_EV_AUTH_SIGN (a signature blob as burrow_key_sign makes);
 * NULL/0 when the key cannot sign: the attempt then fails locally like an unusable key. */
int burrow_auth_signature(struct burrow_conn *conn, const uint8_t *sig, size_t sig_len);
/* After BURROW_EV_HOSTKEYS: ask the server to prove it holds these keys (hostkeys-prove-00);
 * the answer is BURROW_EV_HOSTKEYS_PROVEN. Keys are copied. */
int burrow_hostkeys_prove(struct burrow_conn *conn, const struct burrow_key *const *keys, size_t n);

/* ---- server: authentication ---- */
/* Answers AUTH_PUBKEY, AUTH_PASSWORD, AUTH_KBDINT_START/RESPONSE: accept = AUTH_ACCEPT. */
int burrow_auth_verdict(struct burrow_conn *conn, bool accept);
enum burrow_auth_outcome {
	BURROW_AUTH_REJECT,
	BURROW_AUTH_ACCEPT,
	/* The method succeeded but more are required (AuthenticationMethods): USERAUTH_FAILURE with
	 * partial success and the list set by burrow_auth_set_methods() (RFC 4252 5.1). */
	BURROW_AUTH_PARTIAL,
};
int burrow_auth_outcome(struct burrow_conn *conn, enum burrow_auth_outcome outcome);
/* Answers AUTH_PASSWORD (or AUTH_PASSWORD_CHANGE) with SSH_MSG_USERAUTH_PASSWD_CHANGEREQ: the
 * password must be changed first (RFC 4252 8); `prompt` is shown to the user. Not a failure: it
 * is not counted against MaxAuthTries. The client's change request comes back as
 * BURROW_EV_AUTH_PASSWORD_CHANGE. (burrowd never calls it: sshd sends no change requests.) */
int burrow_auth_password_changereq(struct burrow_conn *conn, const char *prompt);
/* The methods USERAUTH_FAILURE lists from now on (name-list); replaces cfg->auth_methods. */
int burrow_auth_set_methods(struct burrow_conn *conn, const char *methods);
/* An RFC 4256 INFO_REQUEST: n prompts with their echo flags. n 0 is allowed (PAM messages). */
int burrow_auth_kbdint_challenge(struct burrow_conn *conn, const char *name, const char *instruction,
				 size_t n, const char *const *prompts, const bool *echo);

/* ---- channels ---- */
int burrow_chan_open_session(struct burrow_conn *conn, uint32_t *channel);
/* Any channel type with its type-specific data (RFC 4254 5.1), e.g. "auth-agent@openssh.com"
 * (no data) from a server; session is burrow_chan_open(conn, "session", NULL, 0, &ch). */
int burrow_chan_open(struct burrow_conn *conn, const char *type, const uint8_t *extra, size_t extra_len,
		     uint32_t *channel);
int burrow_chan_open_verdict(struct burrow_conn *conn, uint32_t channel, bool accept,
			     uint32_t reason, const char *message);
int burrow_chan_request_exec(struct burrow_conn *conn, uint32_t channel, const char *command, bool want_reply);
/* A request with no payload, e.g. "shell"; want_reply asks for CHANNEL_REQUEST_REPLY. */
int burrow_chan_request_simple(struct burrow_conn *conn, uint32_t channel, const char *name, bool want_reply);
int burrow_chan_request_verdict(struct burrow_conn *conn, uint32_t channel, bool ok);
/* Bytes burrow_chan_send() would accept now (peer's window, our output bound). */
size_t burrow_chan_send_room(const struct burrow_conn *conn, uint32_t channel);
/* Sends up to len bytes on stream 0 (data) or 1 (stderr); *sent says how many were taken. */
int burrow_chan_send(struct burrow_conn *conn, uint32_t channel, int stream, const uint8_t *data,
		     size_t len, size_t *sent);
/* The program delivered n bytes of CHANNEL_DATA: the window may reopen. */
int burrow_chan_consumed(struct burrow_conn *conn, uint32_t channel, size_t n);
int burrow_chan_send_eof(struct burrow_conn *conn, uint32_t channel);
int burrow_chan_exit_status(struct burrow_conn *conn, uint32_t channel, uint32_t status);
/* signal without "SIG" ("TERM", "KILL", ...), RFC 4254 6.10. */
int burrow_chan_exit_signal(struct burrow_conn *conn, uint32_t channel, const char *signal,
			    bool core_dumped, const char *message);
int burrow_chan_close(struct burrow_conn *conn, uint32_t channel);

/* ---- session channel requests (RFC 4254 6.2-6.10, 6.7; OpenSSH PROTOCOL) ----
 * Clients build them; servers parse the data/len of BURROW_EV_CHANNEL_REQUEST with the parsers
 * below (BURROW_E_PARSE for malformed or trailing bytes; nothing is allocated, views point into
 * the event's data and live as long as it does). */
/* "pty-req": modes/modes_len is an encoded terminal-modes string (burrow/ttymodes.h); NULL/0
 * sends TTY_OP_END alone, as ssh does without a local terminal. A TERM over BURROW_TERM_MAX is
 * BURROW_E_TOOBIG, one with a control byte BURROW_E_INVALID (the server would refuse it). */
int burrow_chan_request_pty(struct burrow_conn *conn, uint32_t channel, const char *term, uint32_t cols,
			    uint32_t rows, uint32_t width_px, uint32_t height_px, const uint8_t *modes,
			    size_t modes_len, bool want_reply);
int burrow_chan_request_window_change(struct burrow_conn *conn, uint32_t channel, uint32_t cols, uint32_t rows,
				      uint32_t width_px, uint32_t height_px);
int burrow_chan_request_env(struct burrow_conn *conn, uint32_t channel, const char *name, const char *value,
			    bool want_reply);
int burrow_chan_request_subsystem(struct burrow_conn *conn, uint32_t channel, const char *name, bool want_reply);
/* "signal": the name without "SIG" ("INT", "TERM", ...); a name the parser below would refuse
 * is BURROW_E_INVALID. */
int burrow_chan_request_signal(struct burrow_conn *conn, uint32_t channel, const char *signal);
/* "break" (RFC 4335): break length in milliseconds. */
int burrow_chan_request_break(struct burrow_conn *conn, uint32_t channel, uint32_t ms, bool want_reply);

#define BURROW_TERM_MAX 256 /* longest TERM value a pty-req may carry (bytes, NUL excluded) */
struct burrow_pty_req {
	char term[BURROW_TERM_MAX + 1]; /* NUL-terminated; a NUL or control byte inside is refused */
	uint32_t cols, rows, width_px, height_px;
	const uint8_t *modes;            /* encoded terminal modes (view) */
	size_t modes_len;
};
int burrow_pty_req_parse(const uint8_t *data, size_t len, struct burrow_pty_req *out);
struct burrow_window_change {
	uint32_t cols, rows, width_px, height_px;
};
int burrow_window_change_parse(const uint8_t *data, size_t len, struct burrow_window_change *out);
/* "env": name and value as (pointer, length) views; no other check (AcceptEnv is the program's). */
struct burrow_env_req {
	const char *name, *value;
	size_t name_len, value_len;
};
int burrow_env_req_parse(const uint8_t *data, size_t len, struct burrow_env_req *out);
/* "signal": the name, NUL-terminated, at most 31 bytes, letters/digits/@._- only. */
int burrow_signal_req_parse(const uint8_t *data, size_t len, char name[32]);
int burrow_break_req_parse(const uint8_t *data, size_t len, uint32_t *ms);

/* ---- keepalives (ServerAliveInterval / ClientAliveInterval) ----
 * Sends a global request "keepalive@openssh.com" with want-reply, as OpenSSH's ssh and sshd do;
 * whatever the peer answers (REQUEST_SUCCESS or _FAILURE) is taken silently. Any packet from the
 * peer resets the count of unanswered keepalives, which the program compares with its
 * *AliveCountMax to give up ("Timeout, server not responding"). Global-request replies are
 * matched to requests in order (RFC 4254 4), so keepalives and hostkeys-prove-00 can mix.
 * Only after authentication (BURROW_E_STATE before). The count grows on every call; the 17th
 * and later unanswered ones are counted without being sent (the peer owes 16 replies already). */
int burrow_conn_keepalive(struct burrow_conn *conn);
unsigned burrow_conn_keepalives_unanswered(const struct burrow_conn *conn);

#endif
