/*
 * ML-KEM-768 internals (mlkem768_poly.c, mlkem768_encode.c, mlkem768_sample.c) against slow,
 * obviously correct versions written here from FIPS 203: the zeta tables, the field reductions,
 * NTT products against schoolbook multiplication in Z_q[X]/(X^256 + 1), Compress/Decompress
 * against exact rational rounding, ByteEncode/ByteDecode, SamplePolyCBD and SampleNTT.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/mlkem768_internal.h"

#define Q MLKEM768_Q
#define N MLKEM768_N

typedef struct mlkem768_poly poly;

static uint32_t random_u32(void)
{
	uint32_t x;
	assert_int_equal(crypto_random(&x, sizeof(x)), 0);
	return x;
}

static void random_poly(poly *f)
{
	for (int i = 0; i < N; i++)
		f->c[i] = (uint16_t)(random_u32() % Q);
}

static unsigned bitrev7(unsigned i)
{
	unsigned r = 0;
	for (int b = 0; b < 7; b++)
		r |= ((i >> b) & 1) << (6 - b);
	return r;
}

static unsigned pow_mod_q(unsigned base, unsigned e)
{
	unsigned r = 1;
	while (e--)
		r = r * base % Q;
	return r;
}

static void test_mlkem768_zeta_tables_are_powers_of_17_in_bit_reversed_order(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 128; i++) {
		assert_int_equal(mlkem768_zetas[i], pow_mod_q(17, bitrev7(i)));
		assert_int_equal(mlkem768_gammas[i], pow_mod_q(17, 2 * bitrev7(i) + 1));
	}
}

static void test_mlkem768_field_reductions_match_division(void **state)
{
	(void)state;
	uint32_t wrong = 0; /* every x below 2^24 (all products of two residues), counted, then asserted */
	for (uint32_t x = 0; x < (1u << 24); x++)
		wrong += (mlkem768_fq_reduce(x) != x % Q) + (mlkem768_divq(x) != x / Q);
	assert_int_equal(wrong, 0);
	for (int i = 0; i < 1000000; i++) {
		uint32_t x = random_u32();
		assert_int_equal(mlkem768_fq_reduce(x), x % Q);
		x >>= 1;
		assert_int_equal(mlkem768_divq(x), x / Q);
	}
	assert_int_equal(mlkem768_fq_reduce(UINT32_MAX), UINT32_MAX % Q);
	assert_int_equal(mlkem768_divq(0x7fffffffu), 0x7fffffffu / Q);
	for (uint32_t r = 0; r < 2 * Q; r++)
		assert_int_equal(mlkem768_fq_csub(r), r % Q);
}

static void test_mlkem768_invntt_undoes_ntt(void **state)
{
	(void)state;
	for (int t = 0; t < 20; t++) {
		poly f, g;
		random_poly(&f);
		g = f;
		mlkem768_poly_ntt(&g);
		mlkem768_poly_invntt(&g);
		assert_memory_equal(f.c, g.c, sizeof(f.c));
	}
}

/* f * g in Z_q[X]/(X^256 + 1), the slow way. */
static void schoolbook_mul(poly *h, const poly *f, const poly *g)
{
	int64_t acc[N] = { 0 };
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			int64_t p = (int64_t)f->c[i] * g->c[j];
			if (i + j < N)
				acc[i + j] += p;
			else
				acc[i + j - N] -= p; /* X^256 = -1 */
		}
	for (int i = 0; i < N; i++)
		h->c[i] = (uint16_t)(((acc[i] % Q) + Q) % Q);
}

static void test_mlkem768_ntt_product_equals_schoolbook_product(void **state)
{
	(void)state;
	for (int t = 0; t < 20; t++) {
		poly f, g, want, fh, gh, h;
		random_poly(&f);
		random_poly(&g);
		if (t == 0) { /* extremes: every coefficient q - 1 */
			for (int i = 0; i < N; i++)
				f.c[i] = g.c[i] = Q - 1;
		}
		schoolbook_mul(&want, &f, &g);
		fh = f;
		gh = g;
		mlkem768_poly_ntt(&fh);
		mlkem768_poly_ntt(&gh);
		mlkem768_poly_mul_ntt(&h, &fh, &gh);
		mlkem768_poly_invntt(&h);
		assert_memory_equal(h.c, want.c, sizeof(h.c));
	}
}

static void test_mlkem768_poly_add_and_sub_are_mod_q(void **state)
{
	(void)state;
	poly f, g, h;
	random_poly(&f);
	random_poly(&g);
	f.c[0] = Q - 1;
	g.c[0] = Q - 1;
	f.c[1] = 0;
	g.c[1] = Q - 1;
	mlkem768_poly_add(&h, &f, &g);
	for (int i = 0; i < N; i++)
		assert_int_equal(h.c[i], (f.c[i] + g.c[i]) % Q);
	mlkem768_poly_sub(&h, &f, &g);
	for (int i = 0; i < N; i++)
		assert_int_equal(h.c[i], (f.c[i] + Q - g.c[i]) % Q);
}

/* Compress_d(x) = round(2^d x / q) mod 2^d and Decompress_d(y) = round(q y / 2^d), with exact
 * integer arithmetic: round(a / b) = floor((2a + b) / 2b). */
static void test_mlkem768_compress_and_decompress_round_exactly(void **state)
{
	(void)state;
	static const unsigned ds[] = { 1, 4, 5, 10, 11 };
	for (size_t k = 0; k < sizeof(ds) / sizeof(ds[0]); k++) {
		unsigned d = ds[k];
		for (uint32_t x = 0; x < Q; x++) {
			uint32_t want = ((2u * (x << d) + Q) / (2u * Q)) % (1u << d);
			assert_int_equal(mlkem768_compress((uint16_t)x, d), want);
		}
		for (uint32_t y = 0; y < (1u << d); y++) {
			uint32_t want = (2u * Q * y + (1u << d)) / (2u << d);
			assert_int_equal(mlkem768_decompress((uint16_t)y, d), want);
			assert_int_equal(mlkem768_compress(mlkem768_decompress((uint16_t)y, d), d), y);
		}
	}
	assert_int_equal(mlkem768_compress(1664, 1), 1); /* q/2 rounds to 1, q - 1 back to 0 */
	assert_int_equal(mlkem768_compress(Q - 1, 1), 0);
	assert_int_equal(mlkem768_decompress(1, 1), 1665);
}

static void test_mlkem768_byte_encode_packs_least_significant_bit_first(void **state)
{
	(void)state;
	uint16_t f[N] = { 0x123, 0xabc }, g[N];
	uint8_t out[32 * 12];
	mlkem768_byte_encode(out, f, 12);
	assert_int_equal(out[0], 0x23);
	assert_int_equal(out[1], 0xc1);
	assert_int_equal(out[2], 0xab);

	for (unsigned d = 1; d <= 12; d++) {
		for (int i = 0; i < N; i++)
			f[i] = (uint16_t)(random_u32() & ((1u << d) - 1));
		memset(out, 0xee, sizeof(out));
		mlkem768_byte_encode(out, f, d);
		for (size_t i = 32 * d; i < sizeof(out); i++)
			assert_int_equal(out[i], 0xee); /* exactly 32 d bytes written */
		for (int i = 0; i < N; i++) /* bit j of f[i] is bit i*d + j of the output */
			for (unsigned j = 0; j < d; j++)
				assert_int_equal((out[(i * d + j) / 8] >> ((i * d + j) % 8)) & 1, (f[i] >> j) & 1);
		mlkem768_byte_decode(g, out, d);
		assert_memory_equal(f, g, sizeof(f));
	}
}

static void test_mlkem768_decode12_reduces_mod_q(void **state)
{
	(void)state;
	uint8_t in[MLKEM768_POLY_BYTES];
	uint16_t raw[N];
	poly f;
	for (int i = 0; i < N; i++)
		raw[i] = (uint16_t)(i < 3 ? (unsigned[]){ 4095, 3329, 3328 }[i] : random_u32() & 0xfff);
	mlkem768_byte_encode(in, raw, 12);
	mlkem768_poly_decode12(&f, in);
	for (int i = 0; i < N; i++)
		assert_int_equal(f.c[i], raw[i] % Q);
	assert_int_equal(f.c[0], 766);
	assert_int_equal(f.c[1], 0);
}

/* SamplePolyCBD_2 as written in algorithm 8, via BytesToBits. */
static void test_mlkem768_cbd2_follows_algorithm_8(void **state)
{
	(void)state;
	uint8_t in[MLKEM768_CBD_BYTES], bits[8 * MLKEM768_CBD_BYTES];
	poly f;
	for (int t = 0; t < 50; t++) {
		assert_int_equal(crypto_random(in, sizeof(in)), 0);
		if (t == 0)
			memset(in, 0x33, sizeof(in)); /* every coefficient +2 */
		if (t == 1)
			memset(in, 0xcc, sizeof(in)); /* every coefficient -2 */
		for (size_t i = 0; i < sizeof(bits); i++)
			bits[i] = (in[i / 8] >> (i % 8)) & 1;
		mlkem768_poly_cbd2(&f, in);
		for (int i = 0; i < N; i++) {
			int x = bits[4 * i] + bits[4 * i + 1], y = bits[4 * i + 2] + bits[4 * i + 3];
			assert_int_equal(f.c[i], (x - y + Q) % Q);
		}
	}
	memset(in, 0x33, sizeof(in));
	mlkem768_poly_cbd2(&f, in);
	assert_int_equal(f.c[0], 2);
	memset(in, 0xcc, sizeof(in));
	mlkem768_poly_cbd2(&f, in);
	assert_int_equal(f.c[N - 1], Q - 2);
}

/* Algorithm 7 run directly over a long SHAKE128 output. */
static void sample_ntt_reference(poly *a, const uint8_t rho[32], uint8_t j, uint8_t i)
{
	uint8_t seed[34], stream[3 * 1024];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	memcpy(seed, rho, 32);
	seed[32] = j;
	seed[33] = i;
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_shake128(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, seed, sizeof(seed)), 1);
	assert_int_equal(EVP_DigestFinalXOF(ctx, stream, sizeof(stream)), 1);
	EVP_MD_CTX_free(ctx);
	int n = 0;
	for (size_t k = 0; n < N; k += 3) {
		assert_true(k + 3 <= sizeof(stream));
		unsigned d1 = stream[k] + 256u * (stream[k + 1] % 16);
		unsigned d2 = stream[k + 1] / 16u + 16u * stream[k + 2];
		if (d1 < Q)
			a->c[n++] = (uint16_t)d1;
		if (d2 < Q && n < N)
			a->c[n++] = (uint16_t)d2;
	}
}

static void test_mlkem768_sample_ntt_follows_algorithm_7_whatever_the_first_squeeze(void **state)
{
	(void)state;
	uint8_t rho[32];
	poly want, got;
	for (int t = 0; t < 10; t++) {
		assert_int_equal(crypto_random(rho, sizeof(rho)), 0);
		sample_ntt_reference(&want, rho, (uint8_t)(t % 3), (uint8_t)(t / 3));
		assert_int_equal(mlkem768_sample_ntt(&got, rho, (uint8_t)(t % 3), (uint8_t)(t / 3)), 0);
		assert_memory_equal(got.c, want.c, sizeof(got.c));
		/* Tiny first squeezes take the retry path (re-run with a doubled output) many times. */
		static const size_t firsts[] = { 3, 6, 168, 501 };
		for (size_t k = 0; k < sizeof(firsts) / sizeof(firsts[0]); k++) {
			memset(&got, 0, sizeof(got));
			assert_int_equal(mlkem768_sample_ntt_squeezing(&got, rho, (uint8_t)(t % 3), (uint8_t)(t / 3), firsts[k]), 0);
			assert_memory_equal(got.c, want.c, sizeof(got.c));
		}
	}
	assert_int_equal(mlkem768_sample_ntt_squeezing(&got, rho, 0, 0, 0), BURROW_E_INVALID);
	assert_int_equal(mlkem768_sample_ntt_squeezing(&got, rho, 0, 0, 100), BURROW_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mlkem768_zeta_tables_are_powers_of_17_in_bit_reversed_order),
		cmocka_unit_test(test_mlkem768_field_reductions_match_division),
		cmocka_unit_test(test_mlkem768_invntt_undoes_ntt),
		cmocka_unit_test(test_mlkem768_ntt_product_equals_schoolbook_product),
		cmocka_unit_test(test_mlkem768_poly_add_and_sub_are_mod_q),
		cmocka_unit_test(test_mlkem768_compress_and_decompress_round_exactly),
		cmocka_unit_test(test_mlkem768_byte_encode_packs_least_significant_bit_first),
		cmocka_unit_test(test_mlkem768_decode12_reduces_mod_q),
		cmocka_unit_test(test_mlkem768_cbd2_follows_algorithm_8),
		cmocka_unit_test(test_mlkem768_sample_ntt_follows_algorithm_7_whatever_the_first_squeeze),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
