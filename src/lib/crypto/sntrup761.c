/*
 * sntrup761, the KEM of Streamlined NTRU Prime ("NTRU Prime: round 3", NIST PQC submission,
 * 2020, with the parameters p = 761, q = 4591, w = 286), as OpenSSH's
 * sntrup761x25519-sha512 uses it. Hash_prefix(b, x) is the first 32 bytes of SHA-512(b || x).
 *
 * Secret key: f (Small) || 1/g in R/3 (Small) || pk || rho (Small_bytes of implicit-rejection
 * randomness) || Hash_prefix(4, pk). Ciphertext: Rounded(h*r) || Hash_prefix(2,
 * Hash_prefix(3, r) || Hash_prefix(4, pk)). Session key: Hash_prefix(1, Hash_prefix(3, r) || ct),
 * or Hash_prefix(0, Hash_prefix(3, rho) || ct) when the ciphertext does not re-encrypt to itself.
 */
#include <assert.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/pq.h"
#include "crypto/sntrup761_internal.h"

#define P SNTRUP761_P
#define SMALL_BYTES SNTRUP761_SMALL_BYTES
#define HASH_BYTES SNTRUP761_HASH_BYTES

/* Secret key layout of the spec's KEM key generation (and of every implementation). */
#define SK_F 0
#define SK_GINV (SK_F + SMALL_BYTES)
#define SK_PK (SK_GINV + SMALL_BYTES)
#define SK_RHO (SK_PK + SNTRUP761_PUBLIC_KEY_BYTES)
#define SK_PK_HASH (SK_RHO + SMALL_BYTES)
#define CT_CONFIRM SNTRUP761_ROUNDED_BYTES

static_assert(SNTRUP761_PUBLIC_KEY_BYTES == SNTRUP761_RQ_BYTES, "pk is one R/q encoding");
static_assert(SK_PK_HASH + HASH_BYTES == SNTRUP761_SECRET_KEY_BYTES, "secret key layout");
static_assert(CT_CONFIRM + HASH_BYTES == SNTRUP761_CIPHERTEXT_BYTES, "ciphertext layout");
static_assert(SNTRUP761_SHARED_SECRET_BYTES == HASH_BYTES, "session key is one hash");

/* Hash_prefix(prefix, a || b): the first 32 bytes of SHA-512(prefix || a || b). */
static int hash_prefix(uint8_t out[HASH_BYTES], uint8_t prefix, const uint8_t *a, size_t a_len,
		       const uint8_t *b, size_t b_len)
{
	uint8_t input[1 + SNTRUP761_PUBLIC_KEY_BYTES], digest[64];
	int err;

	if (a_len + b_len > sizeof(input) - 1)
		return BURROW_E_INVALID;
	input[0] = prefix;
	if (a_len)
		memcpy(input + 1, a, a_len);
	if (b_len)
		memcpy(input + 1 + a_len, b, b_len);
	err = hash_oneshot(HASH_SHA512, input, 1 + a_len + b_len, digest);
	if (!err)
		memcpy(out, digest, HASH_BYTES);
	crypto_wipe(input, sizeof(input));
	crypto_wipe(digest, sizeof(digest));
	return err;
}

/* Hash_prefix(b, Hash_prefix(3, r_enc) || ct): the session key, b = 1 (valid) or 0 (rejected). */
static int hash_session(uint8_t out[HASH_BYTES], uint8_t b, const uint8_t r_enc[SMALL_BYTES],
			const uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES])
{
	uint8_t r_hash[HASH_BYTES];
	int err = hash_prefix(r_hash, 3, r_enc, SMALL_BYTES, NULL, 0);
	if (!err)
		err = hash_prefix(out, b, r_hash, sizeof(r_hash), ct, SNTRUP761_CIPHERTEXT_BYTES);
	crypto_wipe(r_hash, sizeof(r_hash));
	return err;
}

/*
 * Draws p random little-endian words with one rng call of 4p bytes, as the optimized reference
 * implementations (SUPERCOP's factored code, PQClean, liboqs) do and the published NIST KAT
 * digests require: a deterministic generator such as the KAT DRBG gives different bytes for
 * one 3044-byte request than for 761 requests of 4.
 */
static void random_words(uint32_t words[P], pq_random_fn rng, void *ctx)
{
	uint8_t bytes[4 * P];
	rng(ctx, bytes, sizeof(bytes));
	for (int i = 0; i < P; i++) {
		const uint8_t *b = bytes + 4 * i;
		words[i] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	}
	crypto_wipe(bytes, sizeof(bytes));
}

/* The spec's Hide: ct = Rounded(h*r) || confirmation hash, and r_enc = Small encoding of r. */
static int hide(uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES], uint8_t r_enc[SMALL_BYTES], const int8_t r[P],
		const uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES], const uint8_t pk_hash[HASH_BYTES])
{
	int16_t h[P], hr[P];
	uint8_t confirm_input[2 * HASH_BYTES];
	int err;

	sntrup761_small_encode(r_enc, r);
	sntrup761_rq_decode(h, pk);
	sntrup761_rq_mult_small(hr, h, r);
	sntrup761_rounded_encode(ct, hr);
	err = hash_prefix(confirm_input, 3, r_enc, SMALL_BYTES, NULL, 0);
	memcpy(confirm_input + HASH_BYTES, pk_hash, HASH_BYTES);
	if (!err)
		err = hash_prefix(ct + CT_CONFIRM, 2, confirm_input, sizeof(confirm_input), NULL, 0);
	crypto_wipe(hr, sizeof(hr));
	crypto_wipe(confirm_input, sizeof(confirm_input));
	return err;
}

/* rng_error, when not NULL, reports a failed generator; checked wherever keygen might loop. */
static int keygen_from(uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES], uint8_t sk[SNTRUP761_SECRET_KEY_BYTES],
		       pq_random_fn rng, void *ctx, const int *rng_error)
{
	uint32_t words[P];
	int8_t g[P], g_inv[P], f[P];
	int16_t f3_inv[P], h[P];
	int err = 0;

	/* g must be invertible in R/3. A rejected g is discarded, so the retry count leaks nothing. */
	for (;;) {
		random_words(words, rng, ctx);
		if (rng_error && *rng_error) {
			err = *rng_error;
			goto out;
		}
		sntrup761_small_from_list(g, words);
		if (sntrup761_r3_recip(g_inv, g) == 0)
			break;
	}
	random_words(words, rng, ctx);
	sntrup761_short_from_list(f, words);
	sntrup761_rq_recip3(f3_inv, f); /* x^p - x - 1 is irreducible mod q: a nonzero f is invertible */
	sntrup761_rq_mult_small(h, f3_inv, g); /* h = g / (3f) */

	sntrup761_rq_encode(pk, h);
	sntrup761_small_encode(sk + SK_F, f);
	sntrup761_small_encode(sk + SK_GINV, g_inv);
	memcpy(sk + SK_PK, pk, SNTRUP761_PUBLIC_KEY_BYTES);
	rng(ctx, sk + SK_RHO, SMALL_BYTES);
	err = hash_prefix(sk + SK_PK_HASH, 4, pk, SNTRUP761_PUBLIC_KEY_BYTES, NULL, 0);
	if (!err && rng_error)
		err = *rng_error;
out:
	if (err) {
		crypto_wipe(pk, SNTRUP761_PUBLIC_KEY_BYTES);
		crypto_wipe(sk, SNTRUP761_SECRET_KEY_BYTES);
	}
	crypto_wipe(words, sizeof(words));
	crypto_wipe(g, sizeof(g));
	crypto_wipe(g_inv, sizeof(g_inv));
	crypto_wipe(f, sizeof(f));
	crypto_wipe(f3_inv, sizeof(f3_inv));
	return err;
}

static int encaps_from(uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES], uint8_t ss[SNTRUP761_SHARED_SECRET_BYTES],
		       const uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES], pq_random_fn rng, void *ctx,
		       const int *rng_error)
{
	uint32_t words[P];
	int8_t r[P];
	uint8_t r_enc[SMALL_BYTES], pk_hash[HASH_BYTES];
	int err;

	random_words(words, rng, ctx);
	sntrup761_short_from_list(r, words);
	err = rng_error ? *rng_error : 0;
	if (!err)
		err = hash_prefix(pk_hash, 4, pk, SNTRUP761_PUBLIC_KEY_BYTES, NULL, 0);
	if (!err)
		err = hide(ct, r_enc, r, pk, pk_hash);
	if (!err)
		err = hash_session(ss, 1, r_enc, ct);
	if (err) {
		crypto_wipe(ct, SNTRUP761_CIPHERTEXT_BYTES);
		crypto_wipe(ss, SNTRUP761_SHARED_SECRET_BYTES);
	}
	crypto_wipe(words, sizeof(words));
	crypto_wipe(r, sizeof(r));
	crypto_wipe(r_enc, sizeof(r_enc));
	return err;
}

int sntrup761_keygen_rng(uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES], uint8_t sk[SNTRUP761_SECRET_KEY_BYTES],
			 pq_random_fn rng, void *ctx)
{
	return keygen_from(pk, sk, rng, ctx, NULL);
}

int sntrup761_encaps_rng(uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES], uint8_t ss[SNTRUP761_SHARED_SECRET_BYTES],
			 const uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES], pq_random_fn rng, void *ctx)
{
	return encaps_from(ct, ss, pk, rng, ctx, NULL);
}

/* crypto_random() behind the rng callback, whose failure the callback cannot return. */
struct system_random {
	int error; /* first failure of crypto_random, latched; the output is then zeros */
};

static void system_random_read(void *ctx, uint8_t *out, size_t n)
{
	struct system_random *s = ctx;
	int err = s->error ? s->error : crypto_random(out, n);
	if (err) {
		s->error = err;
		memset(out, 0, n);
	}
}

int sntrup761_keygen(uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES], uint8_t sk[SNTRUP761_SECRET_KEY_BYTES])
{
	struct system_random s = { 0 };
	return keygen_from(pk, sk, system_random_read, &s, &s.error);
}

int sntrup761_encaps(uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES], uint8_t ss[SNTRUP761_SHARED_SECRET_BYTES],
		     const uint8_t pk[SNTRUP761_PUBLIC_KEY_BYTES])
{
	struct system_random s = { 0 };
	return encaps_from(ct, ss, pk, system_random_read, &s, &s.error);
}

/* The spec's Decrypt: r = (3*f*c mod q, lifted, mod 3) / g, or a fixed weight-w word if that
 * has the wrong weight (only a malformed ciphertext can do that). */
static void decrypt(int8_t r[P], const uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES],
		    const uint8_t sk[SNTRUP761_SECRET_KEY_BYTES])
{
	int16_t c[P], cf[P];
	int8_t f[P], g_inv[P], e[P];

	sntrup761_small_decode(f, sk + SK_F);
	sntrup761_small_decode(g_inv, sk + SK_GINV);
	sntrup761_rounded_decode(c, ct);
	sntrup761_rq_mult_small(cf, c, f);
	sntrup761_rq_mult3(cf, cf);
	sntrup761_r3_from_rq(e, cf);
	sntrup761_r3_mult(r, e, g_inv);

	int8_t wrong_weight = (int8_t)sntrup761_weight_w_mask(r);
	for (int i = 0; i < SNTRUP761_W; i++)
		r[i] = (int8_t)(((r[i] ^ 1) & ~wrong_weight) ^ 1);
	for (int i = SNTRUP761_W; i < P; i++)
		r[i] = (int8_t)(r[i] & ~wrong_weight);

	crypto_wipe(cf, sizeof(cf));
	crypto_wipe(f, sizeof(f));
	crypto_wipe(g_inv, sizeof(g_inv));
	crypto_wipe(e, sizeof(e));
}

int sntrup761_decaps(uint8_t ss[SNTRUP761_SHARED_SECRET_BYTES], const uint8_t ct[SNTRUP761_CIPHERTEXT_BYTES],
		     const uint8_t sk[SNTRUP761_SECRET_KEY_BYTES])
{
	const uint8_t *pk = sk + SK_PK, *rho = sk + SK_RHO, *pk_hash = sk + SK_PK_HASH;
	uint8_t ct_again[SNTRUP761_CIPHERTEXT_BYTES], r_enc[SMALL_BYTES];
	int8_t r[P];
	int err;

	decrypt(r, ct, sk);
	err = hide(ct_again, r_enc, r, pk, pk_hash);
	if (!err) {
		/* Implicit rejection: a ciphertext that does not re-encrypt to itself gets
		 * Hash_prefix(0, rho...) instead of an error, chosen without a branch. */
		uint8_t differs = (uint8_t)(crypto_ct_equal(ct, ct_again, sizeof(ct_again)) - 1);
		for (int i = 0; i < SMALL_BYTES; i++)
			r_enc[i] ^= differs & (r_enc[i] ^ rho[i]);
		err = hash_session(ss, (uint8_t)(differs + 1), r_enc, ct); /* 1, or 0 */
	}
	if (err)
		crypto_wipe(ss, SNTRUP761_SHARED_SECRET_BYTES);
	crypto_wipe(ct_again, sizeof(ct_again));
	crypto_wipe(r_enc, sizeof(r_enc));
	crypto_wipe(r, sizeof(r));
	return err;
}
