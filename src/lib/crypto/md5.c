/* MD5 for the legacy fingerprint format only (ssh-keygen -E md5); nothing secure depends on it. */
#include <openssl/evp.h>

#include "crypto.h"

int hash_md5(const void *data, size_t n, uint8_t out[16])
{
	unsigned int len = 0;
	EVP_MD *md = EVP_MD_fetch(NULL, "MD5", NULL);
	int ok = md && EVP_Digest(data, n, out, &len, md, NULL) == 1 && len == 16;
	EVP_MD_free(md);
	return ok ? 0 : BURROW_E_CRYPTO;
}
