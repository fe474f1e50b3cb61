/* Ed25519 signatures (RFC 8032) over libcrypto EVP_PKEY raw keys; a private key is its seed. */
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"

int ed25519_public_from_seed(const uint8_t seed[32], uint8_t pub[32])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	size_t len = 32;
	int rc = 0;
	if (!pkey || EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 || len != 32) {
		ERR_clear_error();
		rc = BURROW_E_CRYPTO;
	}
	EVP_PKEY_free(pkey);
	return rc;
}

int ed25519_keygen(uint8_t seed[32], uint8_t pub[32])
{
	int rc = crypto_random(seed, 32); /* RFC 8032 5.1.5: the private key is 32 random bytes */
	if (rc == 0)
		rc = ed25519_public_from_seed(seed, pub);
	if (rc < 0)
		crypto_wipe(seed, 32);
	return rc;
}

int ed25519_sign(const uint8_t seed[32], const void *msg, size_t n, uint8_t sig[64])
{
	static const uint8_t empty[1];
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t siglen = 64;
	int rc = BURROW_E_CRYPTO;

	if (!msg && n)
		rc = BURROW_E_INVALID;
	/* PureEdDSA hashes internally, so the digest argument must be NULL (RFC 8032 5.1.6). */
	else if (pkey && md && EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) == 1 &&
		 EVP_DigestSign(md, sig, &siglen, msg ? msg : empty, n) == 1 && siglen == 64)
		rc = 0;
	if (rc < 0)
		ERR_clear_error();
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return rc;
}

int ed25519_verify(const uint8_t pub[32], const void *msg, size_t n, const uint8_t sig[64])
{
	static const uint8_t empty[1];
	if (!msg && n)
		return BURROW_E_INVALID;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md)
		return BURROW_E_NOMEM;
	/* Keys and signatures come from the peer: a key that does not decode is just a failed check. */
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	int rc = BURROW_E_SIGNATURE;
	if (pkey && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestVerify(md, sig, 64, msg ? msg : empty, n) == 1)
		rc = 0;
	if (rc < 0)
		ERR_clear_error();
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return rc;
}
