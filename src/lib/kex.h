/* Key exchange methods and the pieces they share (RFC 4253 7-8, RFC 5656 4, RFC 8731). */
#ifndef BURROW_KEX_H
#define BURROW_KEX_H

#include "conn_internal.h"

struct kex_method {
	const char *name;
	enum hash_alg hash;
	int (*client_start)(struct burrow_conn *c);                         /* send the first message */
	int (*handle)(struct burrow_conn *c, uint8_t type, struct rd *r);  /* kex-specific messages */
};

const struct kex_method *kex_method_find(struct bstr name);
extern const struct kex_method kex_curve25519_sha256;
extern const struct kex_method kex_curve25519_sha256_libssh;

/* Exchange hash of the ECDH-shaped methods: V_C V_S I_C I_S K_S Q_C Q_S K (RFC 5656 4). */
int kex_hash_ecdh(struct burrow_conn *c, struct bstr host_key_blob, struct bstr q_c, struct bstr q_s);
/* After K and H are known: session id (first time) and the next ciphers (RFC 4253 7.2). */
int kex_derive_keys(struct burrow_conn *c);
/* Client, once the server's signature verified: ask the program about the key (first exchange)
 * or insist it is the key already trusted (rekey). */
int kex_client_check_host_key(struct burrow_conn *c);
/* Sends NEWKEYS and switches our sending keys. */
int kex_send_newkeys(struct burrow_conn *c);

#endif
