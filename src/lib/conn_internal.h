/*
 * The inside of struct burrow_conn, shared by the modules of the engine: transport (packets),
 * kex (key exchange), auth_client / auth_server and channels. Only conn.c exposes it publicly.
 */
#ifndef BURROW_CONN_INTERNAL_H
#define BURROW_CONN_INTERNAL_H

#include <stdarg.h>

#include "buf.h"
#include "burrow/burrow.h"
#include "crypto/crypto.h"
#include "ssh_msg.h"

/* Limits. RFC 4253 6.1 asks for 35000-byte packets at least; OpenSSH accepts up to 256 KiB. */
#define TRANSPORT_MAX_PACKET_LEN (256u * 1024)
#define TRANSPORT_VERSION_MAX 255            /* RFC 4253 4.2, CR LF included */
#define TRANSPORT_MAX_PRE_VERSION_BYTES 8192 /* banner lines a server may send first */
#define TRANSPORT_OUTPUT_HIGH_WATER (1u << 20) /* channel sends stop while more is queued */
#define KEXINIT_MAX_LIST_LEN 4096            /* bound on one name-list of KEXINIT */
#define AUTH_MAX_FAILURES 6                  /* OpenSSH's MaxAuthTries default */
#define CHAN_MAX_COUNT 256
#define CHAN_WINDOW_DEFAULT (2u * 1024 * 1024) /* our receive window per channel */
#define CHAN_PACKET_DEFAULT 32768u           /* the largest data packet we accept */
#define EVENT_QUEUE_LEN 8
#define EVENT_STRINGS_MAX 8

enum kex_category {
	KEX_CAT_KEX, KEX_CAT_HOSTKEY, KEX_CAT_CIPHER_C2S, KEX_CAT_CIPHER_S2C,
	KEX_CAT_MAC_C2S, KEX_CAT_MAC_S2C, KEX_CAT_COMP_C2S, KEX_CAT_COMP_S2C, KEX_CAT_COUNT
};

struct kex_method;

struct compressor;

enum comp_mode {
	COMP_NONE,
	COMP_ZLIB,         /* "zlib": from NEWKEYS on */
	COMP_ZLIB_DELAYED, /* "zlib@openssh.com": from USERAUTH_SUCCESS on */
};

/* One direction of the packet stream. */
struct transport_dir {
	struct pkt_cipher *cipher; /* NULL: plaintext, before the first NEWKEYS */
	enum comp_mode comp;
	struct compressor *z;      /* created at first use; lives as long as the connection */
	uint32_t seq;              /* RFC 4253 6.4 */
	uint64_t bytes;            /* since the last key exchange, for rekeying */
	uint64_t packets;
};

struct kex_state {
	bool in_progress;          /* between the first KEXINIT (either side) and both NEWKEYS */
	bool sent_kexinit, got_kexinit, sent_newkeys, got_newkeys;
	bool done_once;            /* the initial key exchange has completed */
	bool strict;               /* kex-strict-*-v00@openssh.com negotiated (Terrapin defence) */
	bool peer_ext_info;        /* peer offered ext-info-c: the server sends EXT_INFO */
	bool skip_guessed_packet;  /* first_kex_packet_follows with a wrong guess (RFC 4253 7) */
	struct buf my_kexinit, peer_kexinit; /* payloads, for the exchange hash */
	const struct kex_method *method;
	char *chosen[KEX_CAT_COUNT];
	const struct pkt_cipher_alg *cipher_c2s, *cipher_s2c;
	const struct pkt_mac_alg *mac_c2s, *mac_s2c; /* NULL with AEAD ciphers */
	struct burrow_key *host_key_signer;  /* server: the key that signs this exchange */
	/* server: the key that signed the first exchange (the one that made the session id), set
	 * once; host-bound publickey requests must name it (OpenSSH's kex->initial_hostkey) */
	const struct burrow_key *initial_host_key;
	const char *dh_moduli;     /* server: moduli(5) text for group exchange (borrowed), or NULL */
	struct kex_method_state *ms; /* the running exchange's ephemeral state (kex.h) */
	struct buf shared_secret;  /* K exactly as the method hashes it: mpint, or string for the PQ hybrids */
	uint8_t hash[HASH_MAX_LEN];
	size_t hash_len;
	struct pkt_cipher *next_send, *next_recv;
	struct burrow_key *peer_host_key;    /* client: awaiting the program's verdict */
};

enum auth_client_state {
	AUTHC_IDLE,              /* nothing asked yet */
	AUTHC_SERVICE_REQUESTED, /* SERVICE_REQUEST sent, an attempt waits for the ACCEPT */
	AUTHC_READY,             /* service accepted, no attempt outstanding */
	AUTHC_NONE_SENT,
	AUTHC_PK_QUERY_SENT,
	AUTHC_PK_SIGNING,        /* AUTH_SIGN raised: the program signs (an agent key) */
	AUTHC_PK_SIGN_SENT,
	AUTHC_PASSWORD_SENT,
	AUTHC_KBDINT_SENT,       /* request or responses sent: INFO_REQUEST, SUCCESS or FAILURE next */
	AUTHC_KBDINT_PROMPTED,   /* AUTH_KBDINT_PROMPT raised: the program answers */
	AUTHC_DONE,
};

enum auth_method_pending { AUTH_PENDING_NONE_METHOD, AUTH_PENDING_PUBKEY, AUTH_PENDING_PASSWORD, AUTH_PENDING_KBDINT };

#define AUTH_KBDINT_MAX_PROMPTS 100   /* as OpenSSH's bound on prompts and responses */
#define AUTH_MAX_FIELD_LEN 1024       /* one password, prompt or response; far above any real one */

struct auth_client {
	enum auth_client_state state;
	enum auth_method_pending pending_method;
	char *user;
	const struct burrow_key *key;
	const char *sig_alg; /* the publickey algorithm of this attempt (static name from the keys module) */
	char *methods;   /* last FAILURE's list, kept for the event */
	bool hostbound;  /* this publickey attempt is publickey-hostbound-v00@openssh.com */
	char *password;  /* until the request is built, then wiped */
	char *new_password; /* a password change request (RFC 4252 8): likewise */
	char *submethods;
	struct buf sign_data;   /* AUTHC_PK_SIGNING: what the program signs */
	char **prompts;         /* AUTHC_KBDINT_PROMPTED: the prompts of the INFO_REQUEST */
	bool *echo;
	size_t nprompts;
	char *kbd_name, *kbd_instruction;
};

enum auth_server_state {
	AUTHS_WAIT_SERVICE,
	AUTHS_WAIT_REQUEST,
	AUTHS_WAIT_VERDICT,       /* an AUTH_* event asks the program */
	AUTHS_WAIT_INFO_RESPONSE, /* INFO_REQUEST sent (RFC 4256 3.2) */
	AUTHS_DONE,
};

enum auths_method { AUTHS_METHOD_PUBKEY, AUTHS_METHOD_PASSWORD, AUTHS_METHOD_KBDINT,
		    AUTHS_METHOD_NONE /* the first "none", asked about with cfg->auth_report_user */ };

struct auth_server {
	enum auth_server_state state;
	char *user;              /* first user name asked for; it may not change (as OpenSSH) */
	struct burrow_key *key;  /* the key of the request awaiting a verdict */
	char *key_alg;
	struct buf key_blob;     /* echoed verbatim in USERAUTH_PK_OK */
	struct buf sig, hostkey_blob; /* of the signed request awaiting a verdict (AUTH_PUBKEY) */
	bool has_signature;
	int failures;
	char *methods;
	enum auths_method method;  /* of the request awaiting a verdict */
	const char *method_name;   /* as the request named it (static) */
	char *password;            /* AUTH_PASSWORD(_CHANGE): wiped once answered */
	char *new_password;        /* AUTH_PASSWORD_CHANGE: wiped once answered */
	bool changereq_sent;       /* the program asked for a password change: change requests count */
	char **responses;          /* AUTH_KBDINT_RESPONSE: wiped once answered */
	size_t nresponses;
	size_t nprompts;           /* of the INFO_REQUEST outstanding */
	char *banner;              /* cfg->auth_banner, sent once before the first answer */
	bool banner_sent;
	int max_tries;             /* MaxAuthTries */
	int attempts;              /* requests seen, for OpenSSH's "first none is free" */
	bool report_user;          /* cfg->auth_report_user */
};

/* hostkeys-00@openssh.com / hostkeys-prove-00@openssh.com (OpenSSH PROTOCOL 2.5). */
struct hostkeys_state {
	bool announced;                 /* server: sent; client: received (only once) */
	struct burrow_key **keys;       /* client: the keys of the announcement */
	size_t nkeys;
	struct burrow_key **proving;    /* client: the keys of the outstanding prove request */
	size_t nproving;
	struct burrow_key **proven;     /* client: for the HOSTKEYS_PROVEN event */
	size_t nproven;
};

/* Our global requests that want a reply, oldest first: replies come in order (RFC 4254 4). */
#define GLOBAL_REPLIES_MAX 16
enum global_reply_kind {
	GLOBAL_REPLY_DISCARD = 0,        /* nobody reads the answer */
	GLOBAL_REPLY_KEEPALIVE = 2,      /* keepalive@openssh.com: any answer will do */
	GLOBAL_REPLY_HOSTKEYS_PROVE = 1,
};

enum chan_state { CHAN_FREE, CHAN_OPENING, CHAN_AWAIT_VERDICT, CHAN_OPEN };

struct channel {
	enum chan_state state;
	uint32_t local_id, remote_id;
	bool sent_eof, got_eof, sent_close, got_close;
	uint32_t local_window;    /* bytes the peer may still send */
	uint32_t local_consumed;  /* delivered by the program, not yet given back */
	uint32_t remote_window, remote_max_packet;
	uint32_t replies_owed;    /* peer requests with want_reply we have not answered */
	uint32_t replies_expected;/* our requests with want_reply not yet answered */
};

enum pending_question { Q_NONE, Q_HOSTKEY, Q_AUTH, Q_CHAN_OPEN, Q_CHAN_REQUEST,
			Q_AUTH_SIGN, Q_KBDINT_PROMPT /* client: AUTH_SIGN, AUTH_KBDINT_PROMPT */ };

struct burrow_conn {
	enum burrow_role role;
	char *prefs[KEX_CAT_COUNT];         /* our preference lists */
	struct burrow_key **host_keys;      /* server; borrowed */
	size_t host_key_count;
	/* server: cfg->host_key_sign (privilege separation), NULL: sign with host_keys' private halves */
	int (*host_key_sign)(void *ctx, const struct burrow_key *key, const char *alg, const uint8_t *data,
			     size_t len, uint8_t **sig, size_t *sig_len);
	void *host_key_sign_ctx;
	char *server_auth_methods;
	char *pubkey_algs;                  /* publickey algorithms we accept (server) / may use (client) */
	uint64_t rekey_bytes;
	uint32_t rekey_seconds;
	uint64_t now_ms;                    /* the program's clock, from burrow_conn_tick */
	uint64_t last_kex_ms;               /* when the last key exchange finished (0: no clock yet) */

	/* transport */
	bool version_done;
	bool closed;                        /* DISCONNECT sent or received: no more packets */
	bool peer_eof;                      /* the program saw the socket close */
	char *my_version, *peer_version;    /* without CR LF */
	size_t pre_version_bytes;
	struct buf in, out;
	size_t in_hold;                     /* bytes of `in` the current event still points into */
	uint32_t in_packet_len;             /* packet_length of a packet being received, 0 = unknown */
	struct transport_dir send, recv;
	size_t msg_start;                   /* offset in out (or deferred) of the message being built */
	struct buf *msg_target;             /* where the message being built goes */
	struct buf deferred;                /* messages held while our key exchange runs */
	struct buf zbuf;                    /* scratch for inflating one received payload */
	/* scratch for deflating one payload we send: not zbuf, which may still hold the message
	 * just received when reading it starts a rekey (transport_read_message) */
	struct buf zbuf_send;
	uint8_t pad_pool[1024];             /* random bytes for padding, refilled in bulk */
	size_t pad_pool_left;
	struct burrow_key *server_host_key; /* client: the host key trusted at the first exchange */
	uint8_t session_id[HASH_MAX_LEN];
	size_t session_id_len;
	struct kex_state kex;
	bool peer_sig_algs_known;
	char *peer_sig_algs;                /* server-sig-algs from EXT_INFO */

	struct auth_client authc;
	struct auth_server auths;
	bool authenticated;
	bool peer_pubkey_hostbound;         /* client: EXT_INFO publickey-hostbound@openssh.com "0" */
	struct hostkeys_state hostkeys;
	uint8_t global_replies[GLOBAL_REPLIES_MAX]; /* enum global_reply_kind, oldest first */
	size_t global_replies_len;
	unsigned keepalives_unanswered;     /* keepalives sent since the last packet from the peer */

	struct channel *chans;
	size_t chan_count;
	/* client: we sent auth-agent-req@openssh.com, so the server may open auth-agent@openssh.com
	 * channels to us (OpenSSH PROTOCOL.agent); any other channel type it opens is refused. */
	bool agent_forwarding_requested;
	/* client: the server's signature over the session identifier from the first key exchange,
	 * for the agent's session-bind@openssh.com (agent_session.c); 0 when too long to keep. */
	uint8_t session_sig[2304];
	size_t session_sig_len;

	/* events */
	struct burrow_event queue[EVENT_QUEUE_LEN];
	size_t queue_head, queue_len;
	char *ev_strings[EVENT_STRINGS_MAX]; /* owned by the events handed out last */
	size_t ev_string_count;
	enum pending_question question;
	uint32_t question_channel;
	bool disconnect_reported;
	char last_error[1024];
};

/* conn.c: a connection set up from cfg that has sent nothing yet (burrow_conn_new starts the
 * transport; conn_export.c's import fills in a connection moved from another process). */
int conn_new_configured(const struct burrow_config *cfg, struct burrow_conn **out);
/* A host-key signature: cfg->host_key_sign when the program gave one, else the key itself. */
int conn_host_key_sign(struct burrow_conn *c, const struct burrow_key *key, const char *alg, const uint8_t *data,
		       size_t len, uint8_t **sig, size_t *sig_len);

/* conn.c: events and errors */
struct burrow_event *conn_push_event(struct burrow_conn *c, enum burrow_event_type type);
/* Keeps a heap copy alive until the event is consumed; returns it (or "" on oom). */
const char *conn_event_string(struct burrow_conn *c, struct bstr s);
/* Fatal: records the reason, sends DISCONNECT, reports DISCONNECTED. Returns BURROW_E_PROTOCOL
 * (or `err` via conn_fail_code) so handlers can `return conn_fail(...)`. */
int conn_fail(struct burrow_conn *c, uint32_t reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int conn_fail_code(struct burrow_conn *c, int err, uint32_t reason, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void conn_set_error(struct burrow_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* transport.c */
int transport_start(struct burrow_conn *c);              /* queue our version line */
/* Next complete message from the input: 1 with *msg set, 0 if more bytes are needed, < 0 fatal. */
int transport_read_message(struct burrow_conn *c, struct bstr *msg);
void transport_release_input(struct burrow_conn *c);     /* the last message is no longer needed */
struct buf *transport_msg_begin(struct burrow_conn *c, uint8_t type);
int transport_msg_end(struct burrow_conn *c);
int transport_send_disconnect(struct burrow_conn *c, uint32_t reason, const char *message);
int transport_send_unimplemented(struct burrow_conn *c, uint32_t seq);
int transport_flush_deferred(struct burrow_conn *c);
/* True while our KEXINIT is out and our NEWKEYS is not: only kex messages may be sent. */
bool transport_sending_blocked(const struct burrow_conn *c);
/* At NEWKEYS: take the negotiated compression for our sending or receiving direction. */
void transport_set_compression(struct burrow_conn *c, bool sending);
void transport_free(struct burrow_conn *c);

/* kex.c */
int kex_send_kexinit(struct burrow_conn *c);
int kex_handle(struct burrow_conn *c, uint8_t type, struct rd *r);
int kex_hostkey_verdict(struct burrow_conn *c, bool accept);
bool kex_rekey_due(const struct burrow_conn *c);
void kex_state_free(struct kex_state *k);

/* auth_client.c / auth_server.c */
int auth_client_handle(struct burrow_conn *c, uint8_t type, struct rd *r);
int auth_client_service_accepted(struct burrow_conn *c, struct rd *r);
void auth_client_free(struct auth_client *a);
int auth_server_handle(struct burrow_conn *c, uint8_t type, struct rd *r);
int auth_server_service_request(struct burrow_conn *c, struct rd *r);
void auth_server_free(struct auth_server *a);
int auth_server_verdict(struct burrow_conn *c, bool accept);
/* conn creation: the Banner and MaxAuthTries of the config. */
int auth_server_configure(struct burrow_conn *c, const struct burrow_config *cfg);

/* hostkeys_update.c (OpenSSH PROTOCOL 2.5) */
int hostkeys_update_announce(struct burrow_conn *c);                       /* server, after auth */
int hostkeys_update_handle_announce(struct burrow_conn *c, struct rd *r);         /* client */
int hostkeys_update_handle_prove(struct burrow_conn *c, struct rd *r, bool want_reply); /* server */
int hostkeys_update_handle_prove_reply(struct burrow_conn *c, bool success, struct rd *r); /* client */
void hostkeys_update_free(struct burrow_conn *c);

/* channels.c: a global request of ours that wants a reply (its kind routes the reply) */
int global_reply_expect(struct burrow_conn *c, enum global_reply_kind kind);

/* channels.c */
int channels_handle(struct burrow_conn *c, uint8_t type, struct rd *r);
void channels_free(struct burrow_conn *c);

/* algos.c */
const char *algos_default(enum burrow_role role, enum kex_category cat);
/* Default publickey authentication algorithms (both roles). */
const char *algos_default_pubkey(void);
/* Keeps only names we implement, in the given order; NULL if none remain (caller reports). */
int algos_filter_supported(enum kex_category cat, const char *list, char **out);
bool algos_supported(enum kex_category cat, struct bstr name);
/* OpenSSH's list syntax against a default list: "+a,b" appends, "-a*,b" removes (wildcards
 * allowed), "^a,b" puts first, anything else replaces. Output is malloc'd. */
int algos_resolve(const char *default_list, const char *spec, char **out);

#endif
