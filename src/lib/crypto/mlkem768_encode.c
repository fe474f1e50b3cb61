/*
 * ML-KEM-768 encodings (FIPS 203 4.2.1): ByteEncode_d / ByteDecode_d pack 256 d-bit values
 * little-endian, least significant bit first; Compress_d / Decompress_d map between Z_q and
 * Z_(2^d). Loops run a number of times fixed by d, and rounding uses the exact Barrett quotient
 * rather than a division, so the time does not depend on the (possibly secret) values.
 */
#include "crypto/crypto.h"
#include "crypto/mlkem768_internal.h"

#define Q MLKEM768_Q
#define N MLKEM768_N

void mlkem768_byte_encode(uint8_t *out, const uint16_t f[N], unsigned d)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	for (unsigned i = 0; i < N; i++) {
		acc |= (uint32_t)f[i] << bits;
		bits += d;
		while (bits >= 8) {
			out[o++] = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
}

void mlkem768_byte_decode(uint16_t f[N], const uint8_t *in, unsigned d)
{
	uint32_t acc = 0, mask = (1u << d) - 1;
	unsigned bits = 0;
	size_t o = 0;

	for (unsigned i = 0; i < N; i++) {
		while (bits < d) {
			acc |= (uint32_t)in[o++] << bits;
			bits += 8;
		}
		f[i] = (uint16_t)(acc & mask);
		acc >>= d;
		bits -= d;
	}
}

/* round(2^d x / q) mod 2^d. As q is odd, no value lies halfway, and
 * round(a / q) = floor((a + (q - 1) / 2) / q). */
uint16_t mlkem768_compress(uint16_t x, unsigned d)
{
	uint32_t a = ((uint32_t)x << d) + (Q - 1) / 2;
	return (uint16_t)(mlkem768_divq(a) & ((1u << d) - 1));
}

/* round(q y / 2^d), with halves rounded up as the spec's rounding does. */
uint16_t mlkem768_decompress(uint16_t y, unsigned d)
{
	return (uint16_t)(((uint32_t)y * Q + (1u << (d - 1))) >> d);
}

void mlkem768_poly_encode12(uint8_t out[MLKEM768_POLY_BYTES], const struct mlkem768_poly *f)
{
	mlkem768_byte_encode(out, f->c, 12);
}

void mlkem768_poly_decode12(struct mlkem768_poly *f, const uint8_t in[MLKEM768_POLY_BYTES])
{
	mlkem768_byte_decode(f->c, in, 12);
	for (unsigned i = 0; i < N; i++)
		f->c[i] = mlkem768_fq_csub(f->c[i]); /* 12-bit values are below 2q */
}

void mlkem768_poly_compress(uint8_t *out, const struct mlkem768_poly *f, unsigned d)
{
	uint16_t t[N];
	for (unsigned i = 0; i < N; i++)
		t[i] = mlkem768_compress(f->c[i], d);
	mlkem768_byte_encode(out, t, d);
	crypto_wipe(t, sizeof(t));
}

void mlkem768_poly_decompress(struct mlkem768_poly *f, const uint8_t *in, unsigned d)
{
	mlkem768_byte_decode(f->c, in, d);
	for (unsigned i = 0; i < N; i++)
		f->c[i] = mlkem768_decompress(f->c[i], d);
}
