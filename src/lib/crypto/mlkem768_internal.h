/*
 * Internals of ML-KEM-768 (FIPS 203, August 2024), shared by mlkem768*.c and their unit tests.
 * Not part of the library interface.
 *
 * A polynomial of R_q = Z_q[X]/(X^256 + 1) is 256 coefficients, always fully reduced to [0, q).
 * Field arithmetic uses no division instruction (its time can depend on the operands) and no
 * branch: quotients by q come from a Barrett multiplication and one masked correction. Every
 * function here runs in time independent of the coefficient values; only SampleNTT, whose input
 * is the public seed rho, reads a data-dependent amount of XOF output.
 */
#ifndef BURROW_CRYPTO_MLKEM768_INTERNAL_H
#define BURROW_CRYPTO_MLKEM768_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Parameters (FIPS 203 section 8, table 2, ML-KEM-768). */
#define MLKEM768_N 256
#define MLKEM768_Q 3329
#define MLKEM768_K 3
#define MLKEM768_ETA1 2
#define MLKEM768_ETA2 2
#define MLKEM768_DU 10
#define MLKEM768_DV 4

/* Byte lengths (FIPS 203 section 8, table 3). */
#define MLKEM768_POLY_BYTES 384                               /* ByteEncode12 of one polynomial */
#define MLKEM768_POLYVEC_BYTES (MLKEM768_K * MLKEM768_POLY_BYTES) /* 1152 */
#define MLKEM768_C1_BYTES (MLKEM768_K * 32 * MLKEM768_DU)     /* 960 */
#define MLKEM768_C2_BYTES (32 * MLKEM768_DV)                  /* 128 */
#define MLKEM768_CBD_BYTES (64 * MLKEM768_ETA1)               /* PRF output for SamplePolyCBD_2 */

struct mlkem768_poly {
	uint16_t c[MLKEM768_N];
};

/* ---- field arithmetic (inline: the hot path of everything below) ---- */

/* floor(2^32 / q), for Barrett reduction. */
#define MLKEM768_BARRETT 1290167u

/* r mod q for r < 2q: subtracts q, then adds it back under a mask made from the borrow bit. */
static inline uint16_t mlkem768_fq_csub(uint32_t r)
{
	uint32_t d = r - MLKEM768_Q;
	d += MLKEM768_Q & (0u - (d >> 31));
	return (uint16_t)d;
}

/* x mod q for any 32-bit x: the Barrett quotient is floor(x/q) or one less, so r < 2q. */
static inline uint16_t mlkem768_fq_reduce(uint32_t x)
{
	uint32_t t = (uint32_t)(((uint64_t)x * MLKEM768_BARRETT) >> 32);
	return mlkem768_fq_csub(x - t * MLKEM768_Q);
}

/* floor(x / q) exactly, for x < 2^31. */
static inline uint32_t mlkem768_divq(uint32_t x)
{
	uint32_t t = (uint32_t)(((uint64_t)x * MLKEM768_BARRETT) >> 32);
	uint32_t r = x - t * MLKEM768_Q;
	return t + 1 - ((r - MLKEM768_Q) >> 31); /* one more when r >= q */
}

static inline uint16_t mlkem768_fq_mul(uint16_t a, uint16_t b)
{
	return mlkem768_fq_reduce((uint32_t)a * b);
}

/* ---- NTT and arithmetic in R_q and T_q (mlkem768_poly.c) ---- */

/* zeta^BitRev7(i) mod q, zeta = 17 (FIPS 203 appendix A, used by algorithms 9 and 10). */
extern const uint16_t mlkem768_zetas[128];
/* zeta^(2 BitRev7(i) + 1) mod q (appendix A, used by algorithm 11). */
extern const uint16_t mlkem768_gammas[128];

void mlkem768_poly_ntt(struct mlkem768_poly *f);     /* algorithm 9, in place */
void mlkem768_poly_invntt(struct mlkem768_poly *f);  /* algorithm 10, in place */
/* h = f (x) g in T_q (algorithm 11, MultiplyNTTs). h may alias f or g. */
void mlkem768_poly_mul_ntt(struct mlkem768_poly *h, const struct mlkem768_poly *f, const struct mlkem768_poly *g);
void mlkem768_poly_add(struct mlkem768_poly *h, const struct mlkem768_poly *f, const struct mlkem768_poly *g);
void mlkem768_poly_sub(struct mlkem768_poly *h, const struct mlkem768_poly *f, const struct mlkem768_poly *g);

/* ---- encodings and compression (mlkem768_encode.c), FIPS 203 4.2.1 ---- */

/* ByteEncode_d (algorithm 5) of 256 values below 2^d, into 32*d bytes; 1 <= d <= 12. */
void mlkem768_byte_encode(uint8_t *out, const uint16_t f[MLKEM768_N], unsigned d);
/* ByteDecode_d (algorithm 6) without the final reduction: 256 values below 2^d. */
void mlkem768_byte_decode(uint16_t f[MLKEM768_N], const uint8_t *in, unsigned d);
/* Compress_d and Decompress_d (4.2.1) of one value, 1 <= d <= 11. */
uint16_t mlkem768_compress(uint16_t x, unsigned d);
uint16_t mlkem768_decompress(uint16_t y, unsigned d);

/* ByteEncode12(f) and ByteDecode12 (which reduces each 12-bit value mod q). */
void mlkem768_poly_encode12(uint8_t out[MLKEM768_POLY_BYTES], const struct mlkem768_poly *f);
void mlkem768_poly_decode12(struct mlkem768_poly *f, const uint8_t in[MLKEM768_POLY_BYTES]);
/* ByteEncode_d(Compress_d(f)) into 32*d bytes, and Decompress_d(ByteDecode_d(in)). */
void mlkem768_poly_compress(uint8_t *out, const struct mlkem768_poly *f, unsigned d);
void mlkem768_poly_decompress(struct mlkem768_poly *f, const uint8_t *in, unsigned d);

/* ---- hashing and sampling (mlkem768_sample.c), FIPS 203 4.1 and 4.2.2 ---- */

/* H(s) = SHA3-256(s). */
int mlkem768_hash_h(uint8_t out[32], const uint8_t *s, size_t n);
/* G(a || b) = SHA3-512(a || b), 64 bytes (the spec splits it into two 32-byte halves). */
int mlkem768_hash_g(uint8_t out[64], const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);
/* J(z || c) = SHAKE256(z || c, 32 bytes). */
int mlkem768_hash_j(uint8_t out[32], const uint8_t z[32], const uint8_t *c, size_t c_len);
/* PRF_2(s, b) = SHAKE256(s || b, 128 bytes). */
int mlkem768_prf(uint8_t out[MLKEM768_CBD_BYTES], const uint8_t s[32], uint8_t b);

/* SampleNTT(rho || j || i) (algorithm 7): the matrix entry A[i, j], in T_q. */
int mlkem768_sample_ntt(struct mlkem768_poly *a, const uint8_t rho[32], uint8_t j, uint8_t i);
/* The same, first squeezing first_len bytes of SHAKE128 (a positive multiple of 3) and, while the
 * rejection sampling needs more, doubling it: OpenSSL 3.0 squeezes a context only once, so each
 * retry recomputes the stream from the start. For tests of the retry path. */
int mlkem768_sample_ntt_squeezing(struct mlkem768_poly *a, const uint8_t rho[32], uint8_t j, uint8_t i,
				  size_t first_len);
/* SamplePolyCBD_2 (algorithm 8) of 128 PRF bytes. */
void mlkem768_poly_cbd2(struct mlkem768_poly *f, const uint8_t in[MLKEM768_CBD_BYTES]);

#endif
