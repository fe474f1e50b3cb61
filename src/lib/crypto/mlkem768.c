/*
 * ML-KEM-768 (FIPS 203, August 2024): K-PKE (section 5) and the KEM built on it (sections 6
 * and 7), with the input checks of 7.2 and 7.3.
 *
 * ek = ByteEncode12(t^) || rho                               (1184 bytes)
 * dk = ByteEncode12(s^) || ek || H(ek) || z                  (2400 bytes)
 * c  = ByteEncode10(Compress10(u)) || ByteEncode4(Compress4(v)) (1088 bytes)
 *
 * Secret data never picks a branch or a table index: decaps compares the re-encryption with
 * CRYPTO_memcmp and chooses between K' and the implicit-rejection key J(z || c) with a mask.
 */
#include <assert.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/mlkem768_internal.h"
#include "crypto/pq.h"

#define K MLKEM768_K
#define POLYVEC_BYTES MLKEM768_POLYVEC_BYTES

/* Decapsulation key layout (algorithm 16, step 3). */
#define DK_PKE 0
#define DK_EK (DK_PKE + POLYVEC_BYTES)
#define DK_H (DK_EK + MLKEM768_PUBLIC_KEY_BYTES)
#define DK_Z (DK_H + 32)

static_assert(POLYVEC_BYTES + 32 == MLKEM768_PUBLIC_KEY_BYTES, "ek = t^ || rho");
static_assert(DK_Z + 32 == MLKEM768_SECRET_KEY_BYTES, "dk layout");
static_assert(MLKEM768_C1_BYTES + MLKEM768_C2_BYTES == MLKEM768_CIPHERTEXT_BYTES, "c = c1 || c2");

typedef struct mlkem768_poly poly;

/* A^[i][j] = SampleNTT(rho || j || i) (algorithm 13 step 6, algorithm 14 step 6). */
static int expand_matrix(poly a[K][K], const uint8_t rho[32])
{
	int err = 0;
	for (unsigned i = 0; i < K && !err; i++)
		for (unsigned j = 0; j < K && !err; j++)
			err = mlkem768_sample_ntt(&a[i][j], rho, (uint8_t)j, (uint8_t)i);
	return err;
}

/* f = SamplePolyCBD_2(PRF_2(seed, nonce)); both eta1 and eta2 are 2 for ML-KEM-768. */
static int sample_cbd(poly *f, const uint8_t seed[32], uint8_t nonce)
{
	uint8_t buf[MLKEM768_CBD_BYTES];
	int err = mlkem768_prf(buf, seed, nonce);
	if (!err)
		mlkem768_poly_cbd2(f, buf);
	crypto_wipe(buf, sizeof(buf));
	return err;
}

/* acc = sum over j of a[j] (x) b[j], in T_q. */
static void dot_ntt(poly *acc, const poly *const a[K], const poly b[K])
{
	poly t;
	mlkem768_poly_mul_ntt(acc, a[0], &b[0]);
	for (unsigned j = 1; j < K; j++) {
		mlkem768_poly_mul_ntt(&t, a[j], &b[j]);
		mlkem768_poly_add(acc, acc, &t);
	}
	crypto_wipe(&t, sizeof(t));
}

/* K-PKE.KeyGen (algorithm 13): ek_pke (1184 bytes) and dk_pke (1152 bytes) from the seed d. */
static int kpke_keygen(uint8_t ek[MLKEM768_PUBLIC_KEY_BYTES], uint8_t dk_pke[POLYVEC_BYTES], const uint8_t d[32])
{
	const uint8_t k_byte = K; /* FIPS 203 final: G(d || k) separates the parameter sets */
	uint8_t rho_sigma[64];
	const uint8_t *rho = rho_sigma, *sigma = rho_sigma + 32;
	poly a[K][K], s[K], e[K], t;
	uint8_t nonce = 0;
	int err = mlkem768_hash_g(rho_sigma, d, 32, &k_byte, 1);

	if (!err)
		err = expand_matrix(a, rho);
	for (unsigned i = 0; i < K && !err; i++)
		err = sample_cbd(&s[i], sigma, nonce++);
	for (unsigned i = 0; i < K && !err; i++)
		err = sample_cbd(&e[i], sigma, nonce++);
	if (!err) {
		for (unsigned i = 0; i < K; i++) {
			mlkem768_poly_ntt(&s[i]);
			mlkem768_poly_ntt(&e[i]);
		}
		for (unsigned i = 0; i < K; i++) {
			const poly *row[K] = { &a[i][0], &a[i][1], &a[i][2] };
			dot_ntt(&t, row, s);
			mlkem768_poly_add(&t, &t, &e[i]);
			mlkem768_poly_encode12(ek + i * MLKEM768_POLY_BYTES, &t);
			mlkem768_poly_encode12(dk_pke + i * MLKEM768_POLY_BYTES, &s[i]);
		}
		memcpy(ek + POLYVEC_BYTES, rho, 32);
	}
	crypto_wipe(rho_sigma, sizeof(rho_sigma));
	crypto_wipe(s, sizeof(s));
	crypto_wipe(e, sizeof(e));
	crypto_wipe(&t, sizeof(t));
	return err;
}

/* K-PKE.Encrypt (algorithm 14) of the 32-byte message m with randomness r. */
static int kpke_encrypt(uint8_t c[MLKEM768_CIPHERTEXT_BYTES], const uint8_t ek[MLKEM768_PUBLIC_KEY_BYTES],
			const uint8_t m[32], const uint8_t r[32])
{
	poly a[K][K], t[K], y[K], e1[K], e2, u, v, mu;
	uint8_t nonce = 0;
	int err;

	for (unsigned i = 0; i < K; i++)
		mlkem768_poly_decode12(&t[i], ek + i * MLKEM768_POLY_BYTES);
	err = expand_matrix(a, ek + POLYVEC_BYTES);
	for (unsigned i = 0; i < K && !err; i++)
		err = sample_cbd(&y[i], r, nonce++);
	for (unsigned i = 0; i < K && !err; i++)
		err = sample_cbd(&e1[i], r, nonce++);
	if (!err)
		err = sample_cbd(&e2, r, nonce++);
	if (!err) {
		for (unsigned i = 0; i < K; i++)
			mlkem768_poly_ntt(&y[i]);
		/* u = NTT^-1(A^T (x) y^) + e1: row i of A^T is column i of A. */
		for (unsigned i = 0; i < K; i++) {
			const poly *column[K] = { &a[0][i], &a[1][i], &a[2][i] };
			dot_ntt(&u, column, y);
			mlkem768_poly_invntt(&u);
			mlkem768_poly_add(&u, &u, &e1[i]);
			mlkem768_poly_compress(c + i * 32 * MLKEM768_DU, &u, MLKEM768_DU);
		}
		/* v = NTT^-1(t^T (x) y^) + e2 + Decompress_1(ByteDecode_1(m)). */
		const poly *tt[K] = { &t[0], &t[1], &t[2] };
		dot_ntt(&v, tt, y);
		mlkem768_poly_invntt(&v);
		mlkem768_poly_add(&v, &v, &e2);
		mlkem768_poly_decompress(&mu, m, 1);
		mlkem768_poly_add(&v, &v, &mu);
		mlkem768_poly_compress(c + MLKEM768_C1_BYTES, &v, MLKEM768_DV);
	}
	crypto_wipe(y, sizeof(y));
	crypto_wipe(e1, sizeof(e1));
	crypto_wipe(&e2, sizeof(e2));
	crypto_wipe(&u, sizeof(u));
	crypto_wipe(&v, sizeof(v));
	crypto_wipe(&mu, sizeof(mu));
	return err;
}

/* K-PKE.Decrypt (algorithm 15): m = ByteEncode_1(Compress_1(v' - NTT^-1(s^T (x) NTT(u')))). */
static void kpke_decrypt(uint8_t m[32], const uint8_t dk_pke[POLYVEC_BYTES], const uint8_t c[MLKEM768_CIPHERTEXT_BYTES])
{
	poly u[K], s[K], v, w;
	const poly *ss[K] = { &s[0], &s[1], &s[2] };

	for (unsigned i = 0; i < K; i++) {
		mlkem768_poly_decompress(&u[i], c + i * 32 * MLKEM768_DU, MLKEM768_DU);
		mlkem768_poly_ntt(&u[i]);
		mlkem768_poly_decode12(&s[i], dk_pke + i * MLKEM768_POLY_BYTES);
	}
	mlkem768_poly_decompress(&v, c + MLKEM768_C1_BYTES, MLKEM768_DV);
	dot_ntt(&w, ss, u);
	mlkem768_poly_invntt(&w);
	mlkem768_poly_sub(&w, &v, &w);
	mlkem768_poly_compress(m, &w, 1);
	crypto_wipe(s, sizeof(s));
	crypto_wipe(&w, sizeof(w));
}

/* out = a if take_a is 1, b if it is 0. The empty asm hides the mask's origin from the compiler,
 * which could otherwise turn the select back into a branch. */
static void select_bytes(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t n, int take_a)
{
	uint8_t mask = (uint8_t)(0u - (unsigned)take_a);
#if defined(__GNUC__) || defined(__clang__)
	__asm__ volatile("" : "+r"(mask));
#endif
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(b[i] ^ (mask & (a[i] ^ b[i])));
}

/* ML-KEM.KeyGen_internal (algorithm 16). */
int mlkem768_keygen_derand(const uint8_t d[32], const uint8_t z[32], uint8_t pk[MLKEM768_PUBLIC_KEY_BYTES],
			   uint8_t sk[MLKEM768_SECRET_KEY_BYTES])
{
	int err = kpke_keygen(pk, sk + DK_PKE, d);
	if (!err)
		err = mlkem768_hash_h(sk + DK_H, pk, MLKEM768_PUBLIC_KEY_BYTES);
	if (!err) {
		memcpy(sk + DK_EK, pk, MLKEM768_PUBLIC_KEY_BYTES);
		memcpy(sk + DK_Z, z, 32);
	} else {
		crypto_wipe(sk, MLKEM768_SECRET_KEY_BYTES);
	}
	return err;
}

/* ML-KEM.KeyGen (algorithm 19). */
int mlkem768_keygen(uint8_t pk[MLKEM768_PUBLIC_KEY_BYTES], uint8_t sk[MLKEM768_SECRET_KEY_BYTES])
{
	uint8_t dz[64];
	int err = crypto_random(dz, sizeof(dz));
	if (!err)
		err = mlkem768_keygen_derand(dz, dz + 32, pk, sk);
	crypto_wipe(dz, sizeof(dz));
	return err;
}

/* Modulus check of 7.2: every 12-bit coefficient of ek is already below q, that is
 * ByteEncode12(ByteDecode12(ek)) = ek. The key is public, so a plain comparison does. */
static int ek_is_reduced(const uint8_t ek[MLKEM768_PUBLIC_KEY_BYTES])
{
	uint8_t again[MLKEM768_POLY_BYTES];
	poly f;
	for (unsigned i = 0; i < K; i++) {
		mlkem768_poly_decode12(&f, ek + i * MLKEM768_POLY_BYTES);
		mlkem768_poly_encode12(again, &f);
		if (memcmp(again, ek + i * MLKEM768_POLY_BYTES, sizeof(again)) != 0)
			return 0;
	}
	return 1;
}

/* ML-KEM.Encaps_internal (algorithm 17), after the input check of 7.2. */
int mlkem768_encaps_derand(uint8_t ct[MLKEM768_CIPHERTEXT_BYTES], uint8_t ss[MLKEM768_SHARED_SECRET_BYTES],
			   const uint8_t pk[MLKEM768_PUBLIC_KEY_BYTES], const uint8_t m[32])
{
	uint8_t h[32], kr[64];
	int err;

	if (!ek_is_reduced(pk)) {
		crypto_wipe(ss, MLKEM768_SHARED_SECRET_BYTES);
		return BURROW_E_CRYPTO;
	}
	err = mlkem768_hash_h(h, pk, MLKEM768_PUBLIC_KEY_BYTES);
	if (!err)
		err = mlkem768_hash_g(kr, m, 32, h, sizeof(h)); /* (K, r) = G(m || H(ek)) */
	if (!err)
		err = kpke_encrypt(ct, pk, m, kr + 32);
	if (!err)
		memcpy(ss, kr, MLKEM768_SHARED_SECRET_BYTES);
	else
		crypto_wipe(ss, MLKEM768_SHARED_SECRET_BYTES);
	crypto_wipe(kr, sizeof(kr));
	return err;
}

/* ML-KEM.Encaps (algorithm 20). */
int mlkem768_encaps(uint8_t ct[MLKEM768_CIPHERTEXT_BYTES], uint8_t ss[MLKEM768_SHARED_SECRET_BYTES],
		    const uint8_t pk[MLKEM768_PUBLIC_KEY_BYTES])
{
	uint8_t m[32];
	int err = crypto_random(m, sizeof(m));
	if (!err)
		err = mlkem768_encaps_derand(ct, ss, pk, m);
	crypto_wipe(m, sizeof(m));
	return err;
}

/* ML-KEM.Decaps (algorithms 21 and 18), after the hash check of 7.3. */
int mlkem768_decaps(uint8_t ss[MLKEM768_SHARED_SECRET_BYTES], const uint8_t ct[MLKEM768_CIPHERTEXT_BYTES],
		    const uint8_t sk[MLKEM768_SECRET_KEY_BYTES])
{
	const uint8_t *ek = sk + DK_EK, *h = sk + DK_H, *z = sk + DK_Z;
	uint8_t h_ek[32], m[32], kr[64], k_bar[32], ct_again[MLKEM768_CIPHERTEXT_BYTES];
	int err = mlkem768_hash_h(h_ek, ek, MLKEM768_PUBLIC_KEY_BYTES);

	if (!err && !crypto_ct_equal(h_ek, h, sizeof(h_ek)))
		err = BURROW_E_CRYPTO;
	if (!err) {
		kpke_decrypt(m, sk + DK_PKE, ct);
		err = mlkem768_hash_g(kr, m, sizeof(m), h, 32); /* (K', r') = G(m' || h) */
	}
	if (!err)
		err = mlkem768_hash_j(k_bar, z, ct, MLKEM768_CIPHERTEXT_BYTES);
	if (!err)
		err = kpke_encrypt(ct_again, ek, m, kr + 32);
	if (!err)
		select_bytes(ss, kr, k_bar, MLKEM768_SHARED_SECRET_BYTES,
			     crypto_ct_equal(ct, ct_again, MLKEM768_CIPHERTEXT_BYTES));
	else
		crypto_wipe(ss, MLKEM768_SHARED_SECRET_BYTES);
	crypto_wipe(m, sizeof(m));
	crypto_wipe(kr, sizeof(kr));
	crypto_wipe(k_bar, sizeof(k_bar));
	crypto_wipe(ct_again, sizeof(ct_again));
	return err;
}
