/*
 * ML-KEM-768 hashing and sampling: the functions H, J, G, PRF and XOF of FIPS 203 4.1 over
 * libcrypto's SHA3-256, SHA3-512, SHAKE256 and SHAKE128, and the samplers of 4.2.2.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/mlkem768_internal.h"

#define Q MLKEM768_Q
#define N MLKEM768_N

#define SHAKE128_RATE 168
/* Five SHAKE128 blocks, 560 candidates for 256 coefficients: SampleNTT needs more with probability
 * below 2^-128 (C2SP CCTV's "unlucky" analysis puts that bound at 704 bytes). */
#define SAMPLE_NTT_FIRST_SQUEEZE (5 * SHAKE128_RATE)
/* Far beyond anything a SHAKE128 stream will need; stops a runaway loop. */
#define SAMPLE_NTT_MAX_SQUEEZE (1u << 20)

/* out = md(a || b), out_len bytes; for an XOF any length, else exactly the digest size. */
static int digest2(const EVP_MD *md, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
		   uint8_t *out, size_t out_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return BURROW_E_NOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, a, a_len) == 1 &&
	     (b_len == 0 || EVP_DigestUpdate(ctx, b, b_len) == 1);
	if (ok && (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF)) {
		ok = EVP_DigestFinalXOF(ctx, out, out_len) == 1;
	} else if (ok) {
		unsigned int n = 0;
		ok = (size_t)EVP_MD_get_size(md) == out_len && EVP_DigestFinal_ex(ctx, out, &n) == 1 &&
		     n == out_len;
	}
	EVP_MD_CTX_free(ctx); /* also cleanses the Keccak state */
	return ok ? 0 : BURROW_E_CRYPTO;
}

int mlkem768_hash_h(uint8_t out[32], const uint8_t *s, size_t n)
{
	return digest2(EVP_sha3_256(), s, n, NULL, 0, out, 32);
}

int mlkem768_hash_g(uint8_t out[64], const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	return digest2(EVP_sha3_512(), a, a_len, b, b_len, out, 64);
}

int mlkem768_hash_j(uint8_t out[32], const uint8_t z[32], const uint8_t *c, size_t c_len)
{
	return digest2(EVP_shake256(), z, 32, c, c_len, out, 32);
}

int mlkem768_prf(uint8_t out[MLKEM768_CBD_BYTES], const uint8_t s[32], uint8_t b)
{
	return digest2(EVP_shake256(), s, 32, &b, 1, out, MLKEM768_CBD_BYTES);
}

/* Algorithm 7's loop over buf[*pos..len): appends accepted values at a->c[*count]. Public data. */
static void sample_ntt_parse(struct mlkem768_poly *a, unsigned *count, const uint8_t *buf, size_t *pos, size_t len)
{
	while (*count < N && *pos + 3 <= len) {
		const uint8_t *c = buf + *pos;
		uint16_t d1 = (uint16_t)(c[0] | (c[1] & 0x0f) << 8);
		uint16_t d2 = (uint16_t)(c[1] >> 4 | c[2] << 4);
		*pos += 3;
		if (d1 < Q)
			a->c[(*count)++] = d1;
		if (d2 < Q && *count < N)
			a->c[(*count)++] = d2;
	}
}

int mlkem768_sample_ntt_squeezing(struct mlkem768_poly *a, const uint8_t rho[32], uint8_t j, uint8_t i,
				  size_t first_len)
{
	uint8_t stack_buf[SAMPLE_NTT_FIRST_SQUEEZE], *buf = stack_buf, *heap = NULL;
	const uint8_t ji[2] = { j, i };
	unsigned count = 0;
	size_t pos = 0;
	int err = 0;

	if (first_len == 0 || first_len % 3 != 0)
		return BURROW_E_INVALID;
	for (size_t len = first_len; !err && count < N; len *= 2) {
		if (len > SAMPLE_NTT_MAX_SQUEEZE) {
			err = BURROW_E_CRYPTO;
			break;
		}
		if (len > sizeof(stack_buf)) {
			uint8_t *bigger = realloc(heap, len);
			if (!bigger) {
				err = BURROW_E_NOMEM;
				break;
			}
			buf = heap = bigger;
		}
		/* The stream is recomputed from its start; the bytes up to pos were parsed already. */
		err = digest2(EVP_shake128(), rho, 32, ji, sizeof(ji), buf, len);
		if (!err)
			sample_ntt_parse(a, &count, buf, &pos, len);
	}
	free(heap);
	return err;
}

int mlkem768_sample_ntt(struct mlkem768_poly *a, const uint8_t rho[32], uint8_t j, uint8_t i)
{
	return mlkem768_sample_ntt_squeezing(a, rho, j, i, SAMPLE_NTT_FIRST_SQUEEZE);
}

/* Coefficient i takes bits 4i..4i+3 of the input: (b0 + b1) - (b2 + b3) mod q. */
void mlkem768_poly_cbd2(struct mlkem768_poly *f, const uint8_t in[MLKEM768_CBD_BYTES])
{
	for (unsigned i = 0; i < N; i++) {
		uint32_t nibble = (uint32_t)(in[i / 2] >> (4 * (i & 1))) & 0x0f;
		uint32_t x = (nibble & 1) + (nibble >> 1 & 1);
		uint32_t y = (nibble >> 2 & 1) + (nibble >> 3 & 1);
		f->c[i] = mlkem768_fq_csub(x + Q - y);
	}
}
