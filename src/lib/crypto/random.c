/* crypto_random(): bytes from libcrypto's CSPRNG (seeded from the OS by OpenSSL). */
#include <limits.h>

#include <openssl/rand.h>

#include "crypto/crypto.h"

int crypto_random(void *out, size_t n)
{
	unsigned char *p = out;

	/* RAND_bytes takes an int count; split larger requests. */
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;
		if (RAND_bytes(p, chunk) != 1)
			return BURROW_E_CRYPTO;
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}
