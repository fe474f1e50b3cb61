/*
 * The post-quantum hybrids: a KEM (sntrup761, ML-KEM-768) run side by side with X25519, both
 * secrets hashed together (OpenSSH PROTOCOL "sntrup761x25519-sha512", draft-ietf-sshm-mlkem-
 * hybrid-kex 2.1-2.3):
 *     Q_C = kem_public_key || x25519_public_C      (client, in KEX_ECDH_INIT)
 *     Q_S = kem_ciphertext || x25519_public_S      (server, in KEX_ECDH_REPLY)
 *     K   = HASH(kem_shared_secret || x25519(x_S, x25519_public_C)), hashed and derived from as
 *           a string, not an mpint.
 * Each KEM's own file (kex_<kem>x25519.c) holds its struct kex_kem and its method names.
 */
#include "kex.h"

#include <stdlib.h>
#include <string.h>

#define X25519_LEN 32
#define HYBRID_MAX_SHARED 32

static const struct kex_kem *hybrid_kem(const struct burrow_conn *c)
{
	return c->kex.method->params;
}

/* K = string(HASH(kem_ss || ecdh_ss)). */
static int hybrid_combine(struct burrow_conn *c, const uint8_t *kem_ss, size_t kem_ss_len, const uint8_t ecdh_ss[X25519_LEN])
{
	struct kex_state *k = &c->kex;
	uint8_t joined[HYBRID_MAX_SHARED + X25519_LEN], hash[HASH_MAX_LEN];
	memcpy(joined, kem_ss, kem_ss_len);
	memcpy(joined + kem_ss_len, ecdh_ss, X25519_LEN);
	int err = hash_oneshot(k->method->hash, joined, kem_ss_len + X25519_LEN, hash);
	if (err == 0) {
		buf_reset(&k->shared_secret);
		buf_put_string(&k->shared_secret, hash, hash_len(k->method->hash));
		err = buf_ok(&k->shared_secret) ? 0 : BURROW_E_NOMEM;
	}
	crypto_wipe(joined, sizeof(joined));
	crypto_wipe(hash, sizeof(hash));
	return err;
}

static int hybrid_client_keygen(struct burrow_conn *c, struct buf *q_c)
{
	struct kex_method_state *ms = c->kex.ms;
	const struct kex_kem *kem = hybrid_kem(c);
	uint8_t *pk = buf_extend(q_c, kem->public_key_len + X25519_LEN);
	if (!pk)
		return BURROW_E_NOMEM;
	if (kem->keygen(pk, ms->kem_secret) < 0 || x25519_keygen(ms->x25519_priv, ms->x25519_pub) < 0)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "%s key generation failed", c->kex.method->name);
	memcpy(pk + kem->public_key_len, ms->x25519_pub, X25519_LEN);
	return 0;
}

static int hybrid_server_derive(struct burrow_conn *c, struct bstr q_c, struct buf *q_s)
{
	struct kex_method_state *ms = c->kex.ms;
	const struct kex_kem *kem = hybrid_kem(c);
	if (q_c.len != kem->public_key_len + X25519_LEN)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "%s client value of %zu bytes, not %zu",
				 c->kex.method->name, q_c.len, kem->public_key_len + X25519_LEN);
	uint8_t *ct = buf_extend(q_s, kem->ciphertext_len + X25519_LEN);
	if (!ct)
		return BURROW_E_NOMEM;
	uint8_t kem_ss[HYBRID_MAX_SHARED], ecdh_ss[X25519_LEN];
	int err = 0;
	if (kem->encaps(ct, kem_ss, q_c.p) < 0)
		err = conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "invalid %s public key from client", kem->name);
	else if (x25519_keygen(ms->x25519_priv, ms->x25519_pub) < 0)
		err = conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "x25519 key generation failed");
	else if (x25519_shared(ms->x25519_priv, q_c.p + kem->public_key_len, ecdh_ss) < 0)
		err = conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "invalid curve25519 public key from client");
	if (err == 0) {
		memcpy(ct + kem->ciphertext_len, ms->x25519_pub, X25519_LEN);
		err = hybrid_combine(c, kem_ss, kem->shared_len, ecdh_ss);
	}
	crypto_wipe(kem_ss, sizeof(kem_ss));
	crypto_wipe(ecdh_ss, sizeof(ecdh_ss));
	crypto_wipe(ms->x25519_priv, sizeof(ms->x25519_priv));
	return err;
}

static int hybrid_client_derive(struct burrow_conn *c, struct bstr q_s)
{
	struct kex_method_state *ms = c->kex.ms;
	const struct kex_kem *kem = hybrid_kem(c);
	if (q_s.len != kem->ciphertext_len + X25519_LEN)
		return conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "%s server value of %zu bytes, not %zu",
				 c->kex.method->name, q_s.len, kem->ciphertext_len + X25519_LEN);
	uint8_t kem_ss[HYBRID_MAX_SHARED], ecdh_ss[X25519_LEN];
	int err = 0;
	if (kem->decaps(kem_ss, q_s.p, ms->kem_secret) < 0)
		err = conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "%s decapsulation failed", kem->name);
	else if (x25519_shared(ms->x25519_priv, q_s.p + kem->ciphertext_len, ecdh_ss) < 0)
		err = conn_fail(c, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED, "invalid curve25519 public key from server");
	if (err == 0)
		err = hybrid_combine(c, kem_ss, kem->shared_len, ecdh_ss);
	crypto_wipe(kem_ss, sizeof(kem_ss));
	crypto_wipe(ecdh_ss, sizeof(ecdh_ss));
	crypto_wipe(ms->kem_secret, sizeof(ms->kem_secret));
	crypto_wipe(ms->x25519_priv, sizeof(ms->x25519_priv));
	return err;
}

const struct kex_shape kex_hybrid_shape = {
	.init_msg = SSH_MSG_KEX_ECDH_INIT,
	.reply_msg = SSH_MSG_KEX_ECDH_REPLY,
	.client_keygen = hybrid_client_keygen,
	.server_derive = hybrid_server_derive,
	.client_derive = hybrid_client_derive,
};
