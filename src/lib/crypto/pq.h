/*
 * Post-quantum KEMs that libcrypto 3.0 lacks, implemented here from their specifications:
 * ML-KEM-768 (FIPS 203, final) and Streamlined NTRU Prime sntrup761 (the round-3 NIST
 * submission as used by OpenSSH's sntrup761x25519-sha512). Constant time in secret data.
 * All return 0 or a negative BURROW_E_* code.
 */
#ifndef BURROW_CRYPTO_PQ_H
#define BURROW_CRYPTO_PQ_H

#include <stddef.h>
#include <stdint.h>

#include "burrow/error.h"

#define MLKEM768_PUBLIC_KEY_BYTES 1184
#define MLKEM768_SECRET_KEY_BYTES 2400
#define MLKEM768_CIPHERTEXT_BYTES 1088
#define MLKEM768_SHARED_SECRET_BYTES 32

/* FIPS 203 ML-KEM.KeyGen with fresh randomness, and its derandomized form (d, z of 32 bytes). */
int mlkem768_keygen(uint8_t pk[MLKEM768_PUBLIC_KEY_BYTES], uint8_t sk[MLKEM768_SECRET_KEY_BYTES]);
int mlkem768_keygen_derand(const uint8_t d[32], const uint8_t z[32], uint8_t pk[MLKEM768_PUBLIC_KEY_BYTES],
			   uint8_t sk[MLKEM768_SECRET_KEY_BYTES]);
/* ML-KEM.Encaps; BURROW_E_CRYPTO when pk fails the FIPS 203 7.2 modulus check. */
int mlkem768_encaps(uint8_t ct[MLKEM768_CIPHERTEXT_BYTES], uint8_t ss[MLKEM768_SHARED_SECRET_BYTES],
		    const uint8_t pk[MLKEM768_PUBLIC_KEY_BYTES]);
int mlkem768_encaps_derand(uint8_t ct[MLKEM768_CIPHERTEXT_BYTES], uint8_t ss[MLKEM768_SHARED_SECRET_BYTES],
			   const uint8_t pk[MLKEM768_PUBLIC_KEY_BYTES], const uint8_t m[32]);
/* ML-KEM.Decaps (implicit rejection: a bad ciphertext gives a pseudorandom ss, not an error). */
int mlkem768_decaps(uint8_t ss[MLKEM768_SHARED_SECRET_BYTES], const uint8_t ct[MLKEM768_CIPHERTEXT_BYTES],
		    const uint8_t sk[MLKEM768_SECRET_KEY_BYTES]);

#define SNTRUP761_PUBLIC_KEY_BYTES 1158
#define SNTRUP761_SECRET_KEY_BYTES 1763
#define SNTRUP761_CIPHERTEXT_BYTES 1039
#define SNTRUP761_SHARED_SECRET_BYTES 32

int sntrup761_keygen(uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES], uint8_t sk[SNTRUP761_SECRET_KEY_BYTES]);
int sntrup761_encaps(uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES], uint8_t ss[SNTRUP761_SHARED_SECRET_BYTES],
		     const uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES]);
int sntrup761_decaps(uint8_t ss[SNTRUP761_SHARED_SECRET_BYTES], const uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES],
		     const uint8_t sk[SNTRUP761_SECRET_KEY_BYTES]);
/* The same with randomness drawn from `rng` (for known-answer tests against the NIST DRBG). */
typedef void (*pq_random_fn)(void *ctx, uint8_t *out, size_t n);
int sntrup761_keygen_rng(uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES], uint8_t sk[SNTRUP761_SECRET_KEY_BYTES],
			 pq_random_fn rng, void *ctx);
int sntrup761_encaps_rng(uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES], uint8_t ss[SNTRUP761_SHARED_SECRET_BYTES],
			 const uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES], pq_random_fn rng, void *ctx);

#endif
