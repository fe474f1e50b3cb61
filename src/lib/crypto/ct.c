/* Constant-time comparison and wiping, both delegated to libcrypto's audited versions. */
#include <openssl/crypto.h>

#include "crypto/crypto.h"

int crypto_ct_equal(const void *a, const void *b, size_t n)
{
	/* CRYPTO_memcmp's running time depends on n only, never on where the bytes differ. */
	return CRYPTO_memcmp(a, b, n) == 0;
}

void crypto_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n); /* a plain memset before free() may be optimised away */
}
