/* X25519 Diffie-Hellman (RFC 7748) over libcrypto EVP_PKEY raw keys. */
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"

int x25519_keygen(uint8_t priv[32], uint8_t pub[32])
{
	/* Any 32 random bytes are a private key: X25519 clamps the scalar itself (RFC 7748 5). */
	int rc = crypto_random(priv, 32);
	if (rc < 0)
		return rc;
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	size_t len = 32;
	rc = 0;
	if (!pkey || EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 || len != 32)
		rc = BURROW_E_CRYPTO;
	EVP_PKEY_free(pkey);
	if (rc < 0) {
		crypto_wipe(priv, 32);
		ERR_clear_error();
	}
	return rc;
}

int x25519_shared(const uint8_t priv[32], const uint8_t peer_pub[32], uint8_t shared[32])
{
	static const uint8_t zero[32];
	EVP_PKEY *mine = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer_pub, 32);
	EVP_PKEY_CTX *ctx = mine ? EVP_PKEY_CTX_new(mine, NULL) : NULL;
	size_t len = 32;
	int rc = BURROW_E_CRYPTO;

	if (ctx && peer && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	    EVP_PKEY_derive(ctx, shared, &len) == 1 && len == 32)
		rc = 0;
	/* A low-order peer point gives an all-zero secret that an attacker can predict; RFC 7748 6.1
	 * says to abort. libcrypto 3.0 already fails the derive for it; we check again regardless. */
	if (rc == 0 && crypto_ct_equal(shared, zero, 32))
		rc = BURROW_E_CRYPTO;
	if (rc < 0) {
		crypto_wipe(shared, 32);
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(mine);
	return rc;
}
