/*
 * Key exchange methods and the pieces they share (RFC 4253 7-8, RFC 5656 4, RFC 8731, RFC 4419,
 * RFC 8268, OpenSSH PROTOCOL for the post-quantum hybrids).
 *
 * Every method we implement has the "ECDH shape" (RFC 5656 4): the client sends an ephemeral
 * public value Q_C, the server answers with its host key K_S, its own value Q_S and a signature
 * over the exchange hash
 *     H = HASH(V_C || V_S || I_C || I_S || K_S || [extra] || Q_C || Q_S || K).
 * kex_exchange.c runs that exchange once for all; a method supplies the three steps that differ
 * (struct kex_shape). Group exchange (RFC 4419) adds a round trip before it and hashes the
 * negotiated group as the [extra] part.
 */
#ifndef BURROW_KEX_H
#define BURROW_KEX_H

#include "conn_internal.h"
#include "crypto/pq.h"

/* Message numbers 30-49 belong to the key exchange method (RFC 4250 4.1.2). */
#define SSH_MSG_KEXDH_INIT 30          /* RFC 4253 8 */
#define SSH_MSG_KEXDH_REPLY 31
#define SSH_MSG_KEX_DH_GEX_GROUP 31    /* RFC 4419 5 */
#define SSH_MSG_KEX_DH_GEX_INIT 32
#define SSH_MSG_KEX_DH_GEX_REPLY 33
#define SSH_MSG_KEX_DH_GEX_REQUEST 34

/* Group exchange bounds, as OpenSSH (dh.h DH_GRP_MIN / DH_GRP_MAX; RFC 8270 raised the minimum).
 * Our server serves nothing below 3072 bits (112-bit strength is the least ssh-audit accepts
 * without a warning); OpenSSH clients ask for at least that much with any modern cipher. */
#define KEX_GEX_MIN_BITS 2048
#define KEX_GEX_SERVER_MIN_BITS 3072
#define KEX_GEX_MAX_BITS 8192

struct kex_shape {
	uint8_t init_msg, reply_msg;
	bool values_are_mpints; /* DH: e and f are mpints (RFC 4253 8); ECDH and hybrids: strings */
	/* client: make the ephemeral key, append Q_C (for DH: e as an unsigned magnitude) */
	int (*client_keygen)(struct burrow_conn *c, struct buf *q_c);
	/* server: from Q_C, append Q_S and set k->shared_secret */
	int (*server_derive)(struct burrow_conn *c, struct bstr q_c, struct buf *q_s);
	/* client: from Q_S, set k->shared_secret */
	int (*client_derive)(struct burrow_conn *c, struct bstr q_s);
	/* optional: what is hashed between K_S and Q_C (group exchange: min n max p g) */
	void (*hash_extra)(struct burrow_conn *c, struct buf *h);
};
/* The shape callbacks report their own failures with conn_fail (KEY_EXCHANGE_FAILED for bad
 * values from the peer) and return < 0. */

struct kex_method {
	const char *name;
	enum hash_alg hash;
	const struct kex_shape *shape;
	const void *params;  /* per method: the curve, the DH group, the KEM */
	/* after negotiation, in both roles: the client sends its first message, the server waits */
	int (*start)(struct burrow_conn *c);
	/* the method's messages (30-49) */
	int (*handle)(struct burrow_conn *c, uint8_t type, struct rd *r);
};

/* Where one exchange stands; anything a step does not expect is a protocol error. */
enum kex_step {
	KEX_STEP_WAIT_GEX_REQUEST, /* server, group exchange */
	KEX_STEP_WAIT_GEX_GROUP,   /* client, group exchange */
	KEX_STEP_WAIT_INIT,        /* server */
	KEX_STEP_WAIT_REPLY,       /* client */
	KEX_STEP_DONE,             /* reply sent or verified; only NEWKEYS is left */
};

/* The ephemeral state of one exchange; created at negotiation, wiped and freed when it ends. */
struct kex_method_state {
	enum kex_step step;
	struct buf q_c;                     /* client: the Q_C we sent, for the exchange hash */
	uint8_t x25519_priv[32], x25519_pub[32];
	struct ecdh_key *ecdh;
	struct dh_key *dh;
	uint8_t kem_secret[MLKEM768_SECRET_KEY_BYTES]; /* the larger of the two KEMs' secret keys */
	/* group exchange (RFC 4419): the request as sent/received, and the group */
	uint32_t gex_min, gex_n, gex_max;
	struct buf gex_p, gex_g;            /* unsigned big-endian magnitudes */
};

const struct kex_method *kex_method_find(struct bstr name);
extern const struct kex_method kex_curve25519_sha256, kex_curve25519_sha256_libssh;
extern const struct kex_method kex_ecdh_sha2_nistp256, kex_ecdh_sha2_nistp384, kex_ecdh_sha2_nistp521;
extern const struct kex_method kex_dh_group1_sha1, kex_dh_group14_sha1, kex_dh_group14_sha256,
	kex_dh_group16_sha512, kex_dh_group18_sha512;
extern const struct kex_method kex_dh_gex_sha256;
extern const struct kex_method kex_dh_gex_sha1;

/* kex_exchange.c: the ECDH-shaped exchange, for methods whose start/handle need nothing more. */
int kex_exchange_start(struct burrow_conn *c);
int kex_exchange_handle(struct burrow_conn *c, uint8_t type, struct rd *r);
/* Client: make our key and send the INIT message (group exchange calls it once it has the group). */
int kex_exchange_send_init(struct burrow_conn *c);

/* kex_dh.c: the DH steps shared by the fixed groups and group exchange (keygen and derive serve
 * both roles: keygen appends our public value, derive sets K from the peer's). */
int kex_dh_keygen(struct burrow_conn *c, struct buf *q_c);
int kex_dh_server_derive(struct burrow_conn *c, struct bstr q_c, struct buf *q_s);
int kex_dh_derive(struct burrow_conn *c, struct bstr q_s);

/* kex_hybrid.c: post-quantum KEM + X25519 hybrids (OpenSSH PROTOCOL, draft-ietf-sshm-mlkem-hybrid-kex):
 * Q_C = kem_public_key || x25519_public, Q_S = kem_ciphertext || x25519_public,
 * K = string(HASH(kem_shared_secret || x25519_shared_secret)). params of such a method: a kex_kem. */
struct kex_kem {
	const char *name;
	size_t public_key_len, secret_key_len, ciphertext_len, shared_len;
	int (*keygen)(uint8_t *pk, uint8_t *sk);
	int (*encaps)(uint8_t *ct, uint8_t *ss, const uint8_t *pk);
	int (*decaps)(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);
};
extern const struct kex_shape kex_hybrid_shape;
extern const struct kex_method kex_sntrup761x25519_sha512, kex_sntrup761x25519_sha512_openssh;
extern const struct kex_method kex_mlkem768x25519_sha256;

/* kex_moduli.c: picks a group from moduli(5) text as OpenSSH's choose_dh() does: among the safe
 * primes of min..max bits, those of the smallest size >= want (else the largest below it), one of
 * them at random. NULL text or no fit: the same choice among the RFC 3526 groups (2048..8192).
 * Appends p and g (magnitudes); returns 0, BURROW_E_NOMATCH if nothing fits, or another error. */
int kex_moduli_choose(const char *text, uint32_t min, uint32_t want, uint32_t max, struct buf *p, struct buf *g);

/* kex.c */
/* Bytes of key material the negotiated ciphers and MACs need (OpenSSH's kex->we_need). */
size_t kex_need_bytes(const struct burrow_conn *c);
/* Client: does the host key the server sent fit the negotiated host key algorithm? */
bool kex_client_host_key_fits(const struct burrow_conn *c, const struct burrow_key *key);
/* After K and H are known: session id (first time) and the next ciphers (RFC 4253 7.2). */
int kex_derive_keys(struct burrow_conn *c);
/* Client, once the server's signature verified: ask the program about the key (first exchange)
 * or insist it is the key already trusted (rekey). */
int kex_client_check_host_key(struct burrow_conn *c);
/* Sends NEWKEYS and switches our sending keys. */
int kex_send_newkeys(struct burrow_conn *c);

#endif
