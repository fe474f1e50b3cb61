/*
 * The wire between burrowd's root monitor and its connection children (privilege separation):
 * framed messages over a SOCK_STREAM socketpair, u32 length (type + body), u8 type, body of
 * SSH-style fields (u8, u32, string). Descriptors travel beside a message (SCM_RIGHTS).
 * The monitor reads every message as possibly forged by a compromised child: lengths are
 * bounded, every field is read through the checked reader, a malformed message ends the child.
 */
#ifndef BURROWD_MONITOR_WIRE_H
#define BURROWD_MONITOR_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The export blob holds buffered input too; nothing else comes close. */
#define MM_MAX_MESSAGE (16u * 1024 * 1024)

enum mm_type {
	/* child -> monitor */
	MM_SIGN = 1,          /* string key blob, string alg ("": the key's own), string data -> MM_SIGN_REPLY */
	MM_AUTH_PUBKEY,       /* string user, string method, string key blob, u8 has_signature,
			       * string sig alg, string signature, u8 hostbound, string host key blob
			       * -> MM_VERDICT */
	MM_AUTH_PASSWORD,     /* string user, string password -> MM_VERDICT */
	MM_KBDINT_START,      /* string user, string submethods -> MM_VERDICT or MM_CHALLENGE */
	MM_KBDINT_RESPONSE,   /* string user, u32 n, n x string -> MM_VERDICT or MM_CHALLENGE */
	MM_AUTH_FAILURE,      /* string user, string method, u8 partial (no reply: the log) */
	MM_AUTH_USER,         /* string user: the first "none" request -> MM_VERDICT (methods to offer) */
	MM_DISCONNECTED,      /* u32 reason, u8 by_peer, u8 we_disconnected, u8 grace, string message,
			       * string error (no reply: the log) */
	MM_AUTHENTICATED,     /* string user, string export blob: the child is done */
	MM_PTY_OPEN,          /* (post-auth) -> MM_PTY_REPLY with two descriptors */
	MM_PTY_LOGIN,         /* string tty, u32 pid (no reply) */
	MM_PTY_CLOSE,         /* string tty (no reply) */
	MM_LOG,               /* u8 level, string line: the sandboxed child cannot write files */
	/* monitor -> child */
	MM_SIGN_REPLY = 64,   /* u32 ok, string signature */
	MM_VERDICT,           /* u8 outcome, string methods to offer from now on ("": unchanged) */
	MM_CHALLENGE,         /* string instruction, u32 n, n x (string prompt, u8 echo) */
	MM_PTY_REPLY,         /* u32 ok, string tty; master and slave descriptors attached */
};

/* A message being built: the frame header is filled in by mm_send. */
struct mm_out {
	uint8_t *data;
	size_t len, cap;
	bool failed; /* allocation failed: mm_send refuses */
};
void mm_begin(struct mm_out *m, enum mm_type type);
void mm_put_u8(struct mm_out *m, uint8_t v);
void mm_put_u32(struct mm_out *m, uint32_t v);
void mm_put_string(struct mm_out *m, const void *p, size_t n);
void mm_put_cstring(struct mm_out *m, const char *s); /* NULL sends "" */
/* Sends (blocking) with fds[0..nfds) attached, then wipes and frees the buffer. 0 or -1. */
int mm_send(int sock, struct mm_out *m, const int *fds, size_t nfds);

/* A message received: the body is read with the checked getters below. */
struct mm_in {
	uint8_t type;
	uint8_t *data;
	size_t len, off;
	bool bad;     /* a getter ran past the end or found a malformed field */
	int fds[2];   /* descriptors that came with it (-1: none) */
};
/* Waits at most timeout_ms (-1: forever) for one whole message. 1 received, 0 timed out,
 * -1 the peer closed or sent something malformed (too long, truncated). */
int mm_recv(int sock, struct mm_in *m, int timeout_ms);
/* Wipes (passwords, signatures and keys cross this wire) and frees; closes unclaimed fds. */
void mm_in_free(struct mm_in *m);
uint8_t mm_get_u8(struct mm_in *m);
uint32_t mm_get_u32(struct mm_in *m);
/* A view into the message, valid until mm_in_free. */
const uint8_t *mm_get_string(struct mm_in *m, size_t *len);
/* A NUL-terminated copy (malloc'd); a NUL byte inside or more than max bytes: bad, NULL. */
char *mm_get_cstring(struct mm_in *m, size_t max);
/* Everything read, nothing left over, nothing malformed. */
bool mm_done(const struct mm_in *m);

/* ---- what the monitor signs ----
 * A child may only have signed: an exchange hash (20, 32, 48 or 64 bytes: SHA-1 to SHA-512; the
 * first one becomes the session id), or, once there is a session id, hostkeys-prove-00 data for
 * exactly this session id and the key signing it. Anything else could be a signature over
 * attacker-chosen data in the host key's name. */
bool mm_sign_allowed(const uint8_t *session_id, size_t session_id_len, const uint8_t *data, size_t len,
		     const uint8_t *blob, size_t blob_len);

/* RFC 4252 7: the data a publickey signature covers, as the monitor rebuilds it from its own
 * session id (never from the child's bytes): string session_id, byte USERAUTH_REQUEST, string
 * user, string "ssh-connection", string method, TRUE, string alg, string key blob [, string host
 * key blob for publickey-hostbound-v00]. Into out (initialised here; free with mm_out_free). */
void mm_userauth_signed_data(struct mm_out *out, const uint8_t *session_id, size_t session_id_len, const char *user,
			     const char *method, const char *alg, const uint8_t *blob, size_t blob_len,
			     const uint8_t *hostkey, size_t hostkey_len);
void mm_out_free(struct mm_out *m);

/* ---- the children's side ---- */
struct burrow_key;
/* A burrow_config.host_key_sign callback: ctx points to the int descriptor of the monitor. */
int mm_host_key_sign(void *ctx, const struct burrow_key *key, const char *alg, const uint8_t *data, size_t len,
		     uint8_t **sig, size_t *sig_len);

#endif
