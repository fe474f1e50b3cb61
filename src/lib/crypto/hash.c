/* SHA-1/SHA-2 hashes and one-shot HMAC over libcrypto EVP (FIPS 180-4, RFC 2104). */
#include <limits.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/crypto.h"

struct hash_ctx {
	EVP_MD_CTX *md;
	enum hash_alg alg;
	bool finished; /* EVP forbids updates after final; we report it instead of crashing */
};

static const EVP_MD *hash_md(enum hash_alg alg)
{
	switch (alg) {
	case HASH_SHA1: return EVP_sha1();
	case HASH_SHA256: return EVP_sha256();
	case HASH_SHA384: return EVP_sha384();
	case HASH_SHA512: return EVP_sha512();
	}
	return NULL;
}

size_t hash_len(enum hash_alg alg)
{
	switch (alg) {
	case HASH_SHA1: return 20;
	case HASH_SHA256: return 32;
	case HASH_SHA384: return 48;
	case HASH_SHA512: return 64;
	}
	return 0;
}

int hash_oneshot(enum hash_alg alg, const void *data, size_t n, uint8_t *out)
{
	const EVP_MD *md = hash_md(alg);
	if (!md || (!data && n))
		return BURROW_E_INVALID;
	if (EVP_Digest(data, n, out, NULL, md, NULL) != 1) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return 0;
}

int hash_new(enum hash_alg alg, struct hash_ctx **out)
{
	const EVP_MD *md = hash_md(alg);
	*out = NULL;
	if (!md)
		return BURROW_E_INVALID;
	struct hash_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return BURROW_E_NOMEM;
	ctx->alg = alg;
	ctx->md = EVP_MD_CTX_new();
	if (!ctx->md) {
		free(ctx);
		return BURROW_E_NOMEM;
	}
	if (EVP_DigestInit_ex(ctx->md, md, NULL) != 1) {
		hash_free(ctx);
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	*out = ctx;
	return 0;
}

int hash_update(struct hash_ctx *ctx, const void *data, size_t n)
{
	if (ctx->finished)
		return BURROW_E_STATE;
	if (!data && n)
		return BURROW_E_INVALID;
	if (EVP_DigestUpdate(ctx->md, data, n) != 1)
		return BURROW_E_CRYPTO;
	return 0;
}

int hash_final(struct hash_ctx *ctx, uint8_t *out)
{
	if (ctx->finished)
		return BURROW_E_STATE;
	ctx->finished = true;
	if (EVP_DigestFinal_ex(ctx->md, out, NULL) != 1)
		return BURROW_E_CRYPTO;
	return 0;
}

int hash_dup(const struct hash_ctx *ctx, struct hash_ctx **out)
{
	*out = NULL;
	if (ctx->finished)
		return BURROW_E_STATE;
	struct hash_ctx *copy = calloc(1, sizeof(*copy));
	if (!copy)
		return BURROW_E_NOMEM;
	copy->alg = ctx->alg;
	copy->md = EVP_MD_CTX_new();
	if (!copy->md || EVP_MD_CTX_copy_ex(copy->md, ctx->md) != 1) {
		hash_free(copy);
		return BURROW_E_NOMEM;
	}
	*out = copy;
	return 0;
}

void hash_free(struct hash_ctx *ctx)
{
	if (!ctx)
		return;
	EVP_MD_CTX_free(ctx->md); /* EVP_MD_CTX_free cleanses the running state */
	free(ctx);
}

int hmac_oneshot(enum hash_alg alg, const void *key, size_t klen, const void *data, size_t n, uint8_t *out)
{
	static const uint8_t empty[1];
	const EVP_MD *md = hash_md(alg);
	unsigned int outlen = 0;

	if (!md || klen > INT_MAX || (!key && klen) || (!data && n))
		return BURROW_E_INVALID;
	/* A zero-length key is legal HMAC (RFC 2104) but libcrypto takes NULL to mean "no key". */
	if (!key)
		key = empty;
	if (!data)
		data = empty;
	if (!HMAC(md, key, (int)klen, data, n, out, &outlen) || outlen != hash_len(alg)) {
		ERR_clear_error();
		return BURROW_E_CRYPTO;
	}
	return 0;
}
