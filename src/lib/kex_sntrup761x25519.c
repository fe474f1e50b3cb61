/* sntrup761x25519-sha512 (and its older name @openssh.com): Streamlined NTRU Prime 761 + X25519,
 * SHA-512 (OpenSSH PROTOCOL 1.9, draft-ietf-sshm-ntruprime-ssh). */
#include "kex.h"

_Static_assert(SNTRUP761_SECRET_KEY_BYTES <= sizeof(((struct kex_method_state *)0)->kem_secret),
	       "kem_secret holds an sntrup761 secret key");
_Static_assert(SNTRUP761_SHARED_SECRET_BYTES == 32, "kex_hybrid.c expects 32-byte KEM secrets");

static const struct kex_kem kem_sntrup761 = {
	.name = "sntrup761",
	.public_key_len = SNTRUP761_PUBLIC_KEY_BYTES,
	.secret_key_len = SNTRUP761_SECRET_KEY_BYTES,
	.ciphertext_len = SNTRUP761_CIPHERTEXT_BYTES,
	.shared_len = SNTRUP761_SHARED_SECRET_BYTES,
	.keygen = sntrup761_keygen,
	.encaps = sntrup761_encaps,
	.decaps = sntrup761_decaps,
};

const struct kex_method kex_sntrup761x25519_sha512 = {
	.name = "sntrup761x25519-sha512",
	.hash = HASH_SHA512,
	.shape = &kex_hybrid_shape,
	.params = &kem_sntrup761,
	.start = kex_exchange_start,
	.handle = kex_exchange_handle,
};

const struct kex_method kex_sntrup761x25519_sha512_openssh = {
	.name = "sntrup761x25519-sha512@openssh.com",
	.hash = HASH_SHA512,
	.shape = &kex_hybrid_shape,
	.params = &kem_sntrup761,
	.start = kex_exchange_start,
	.handle = kex_exchange_handle,
};
