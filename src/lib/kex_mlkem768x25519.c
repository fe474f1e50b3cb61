/* mlkem768x25519-sha256: ML-KEM-768 (FIPS 203) + X25519, SHA-256 (draft-ietf-sshm-mlkem-hybrid-kex,
 * OpenSSH 9.9). */
#include "kex.h"

_Static_assert(MLKEM768_SECRET_KEY_BYTES <= sizeof(((struct kex_method_state *)0)->kem_secret),
	       "kem_secret holds an ML-KEM-768 decapsulation key");
_Static_assert(MLKEM768_SHARED_SECRET_BYTES == 32, "kex_hybrid.c expects 32-byte KEM secrets");

static const struct kex_kem kem_mlkem768 = {
	.name = "ML-KEM-768",
	.public_key_len = MLKEM768_PUBLIC_KEY_BYTES,
	.secret_key_len = MLKEM768_SECRET_KEY_BYTES,
	.ciphertext_len = MLKEM768_CIPHERTEXT_BYTES,
	.shared_len = MLKEM768_SHARED_SECRET_BYTES,
	.keygen = mlkem768_keygen,
	.encaps = mlkem768_encaps,
	.decaps = mlkem768_decaps,
};

const struct kex_method kex_mlkem768x25519_sha256 = {
	.name = "mlkem768x25519-sha256",
	.hash = HASH_SHA256,
	.shape = &kex_hybrid_shape,
	.params = &kem_mlkem768,
	.start = kex_exchange_start,
	.handle = kex_exchange_handle,
};
