/*
 * sntrup761 arithmetic in R/q and R/3 (NTRU Prime round 3 spec), in constant time: no branch
 * and no memory index depends on a coefficient. Multiplication is schoolbook
 * (761^2 products, well under a millisecond); the reciprocals use Bernstein-Yang divsteps
 * ("Fast constant-time gcd computation and modular inversion", 2019), a fixed 2p-1 iterations.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/sntrup761_internal.h"

#define P SNTRUP761_P
#define Q SNTRUP761_Q
#define Q12 SNTRUP761_Q12

/* Both masks are all ones or zero, computed without branches. */
static int32_t negative_mask(int32_t x)
{
	return -(int32_t)((uint32_t)x >> 31);
}

static int32_t nonzero_mask(int32_t x)
{
	return negative_mask(x) | negative_mask(-x);
}

int16_t sntrup761_fq_freeze(int32_t x)
{
	/* Barrett: quot = round(x/q) up to one unit near a half, so one correction each way. */
	const int64_t m = ((INT64_C(1) << 32) + Q / 2) / Q;
	int32_t quot = (int32_t)(((int64_t)x * m + (INT64_C(1) << 31)) >> 32);
	int32_t r = x - quot * Q;
	r -= Q & negative_mask(Q12 - r);
	r += Q & negative_mask(r + Q12);
	return (int16_t)r;
}

int8_t sntrup761_f3_freeze(int32_t x)
{
	const int64_t m = ((INT64_C(1) << 32) + 1) / 3;
	int32_t quot = (int32_t)(((int64_t)x * m + (INT64_C(1) << 31)) >> 32);
	return (int8_t)(x - 3 * quot);
}

/*
 * Schoolbook product of f and g into acc (2p-1 coefficients, then zeros). g is copied into a
 * zero-padded array whose length is a multiple of 16, so the inner loop has no scalar tail and
 * compilers vectorize it. |acc| <= 761 * 2295 * 2 for the products here: far below 2^30.
 */
#define MULT_PADDED ((P + 15) / 16 * 16)
#define MULT_ACC (P - 1 + MULT_PADDED)

static void mult_unreduced(int32_t acc[MULT_ACC], const int16_t f[P], const int8_t g[P])
{
	int16_t g_padded[MULT_PADDED] = { 0 };
	for (int j = 0; j < P; j++)
		g_padded[j] = g[j];
	memset(acc, 0, MULT_ACC * sizeof(acc[0]));
	for (int i = 0; i < P; i++) {
		int32_t fi = f[i];
		for (int j = 0; j < MULT_PADDED; j++)
			acc[i + j] += fi * g_padded[j];
	}
	crypto_wipe(g_padded, sizeof(g_padded));
}

/* acc (2p-1 coefficients) mod x^p - x - 1: x^k = x^(k-p+1) + x^(k-p) for k >= p. */
static void reduce_mod_xp_x_1(int32_t acc[MULT_ACC])
{
	for (int k = 2 * P - 2; k >= P; k--) {
		acc[k - P] += acc[k];
		acc[k - P + 1] += acc[k];
	}
}

void sntrup761_rq_mult_small(int16_t h[P], const int16_t f[P], const int8_t g[P])
{
	int32_t acc[MULT_ACC];

	mult_unreduced(acc, f, g);
	reduce_mod_xp_x_1(acc); /* at most triples |acc| */
	for (int i = 0; i < P; i++)
		h[i] = sntrup761_fq_freeze(acc[i]);
	crypto_wipe(acc, sizeof(acc));
}

void sntrup761_rq_mult3(int16_t h[P], const int16_t f[P])
{
	for (int i = 0; i < P; i++)
		h[i] = sntrup761_fq_freeze(3 * (int32_t)f[i]);
}

void sntrup761_r3_mult(int8_t h[P], const int8_t f[P], const int8_t g[P])
{
	int32_t acc[MULT_ACC];
	int16_t f16[P];

	for (int i = 0; i < P; i++)
		f16[i] = f[i];
	mult_unreduced(acc, f16, g);
	reduce_mod_xp_x_1(acc);
	for (int i = 0; i < P; i++)
		h[i] = sntrup761_f3_freeze(acc[i]);
	crypto_wipe(acc, sizeof(acc));
	crypto_wipe(f16, sizeof(f16));
}

void sntrup761_r3_from_rq(int8_t out[P], const int16_t in[P])
{
	for (int i = 0; i < P; i++)
		out[i] = sntrup761_f3_freeze(in[i]);
}

int sntrup761_weight_w_mask(const int8_t r[P])
{
	int32_t weight = 0;
	for (int i = 0; i < P; i++)
		weight += r[i] & 1;
	return nonzero_mask(weight - SNTRUP761_W);
}

/*
 * Both reciprocals run Bernstein-Yang divsteps on reversed polynomials (the polynomial case of their
 * paper): f starts as x^p * (1/x^p - 1/x - 1) = 1 - x^(p-1) - x^p, g as x^(p-1) * in(1/x), and
 * v = 0, r = 1 track them. Each of 2p-1 steps (enough for two inputs of degree <= p) swaps
 * (f, v) with (g, r) when delta > 0 and g(0) != 0, then cancels g's constant term against f's,
 * g = f(0) g - g(0) f and r = f(0) r - g(0) v, and divides g by x (multiplies v by x instead).
 * Afterwards in is invertible exactly when delta == 0, and then 1/in = reverse(v) / f(0).
 * Scaling the pair (g, r) by a nonzero constant changes neither a zero test nor v / f(0).
 */
static int min_int(int a, int b)
{
	return a < b ? a : b;
}

/* delta > 0 and g0 != 0, as a mask; then delta becomes 1 - delta on a swap, 1 + delta if not. */
static int32_t divstep_swap_mask(int32_t *delta, int32_t g0)
{
	int32_t swap = negative_mask(-*delta) & nonzero_mask(g0);
	*delta ^= swap & (*delta ^ -*delta);
	*delta += 1;
	return swap;
}

static int16_t fq_recip(int16_t a)
{
	/* a^(q-2) = 1/a by Fermat; the exponent is public. */
	int16_t result = 1, base = a;
	for (int e = Q - 2; e > 0; e >>= 1) {
		if (e & 1)
			result = sntrup761_fq_freeze((int32_t)result * base);
		base = sntrup761_fq_freeze((int32_t)base * base);
	}
	return result;
}

/*
 * a * b * 2^-16 mod q (Montgomery), from 16-bit products only so that the loops vectorize:
 * b_qinv = b * q^-1 mod 2^16 makes the low halves of a*b and t*q equal, so the difference of
 * the high halves is exact. |result| <= |a*b| / 2^16 + q/2.
 */
#define QINV 15631 /* q^-1 mod 2^16 */

static inline int16_t fq_montgomery_mul(int16_t a, int16_t b, int16_t b_qinv)
{
	int16_t t = (int16_t)(a * b_qinv);
	return (int16_t)((((int32_t)a * b) >> 16) - (((int32_t)t * Q) >> 16));
}

/*
 * The R/q divstep arrays are padded to whole blocks of 16 entries and the loops run over whole
 * blocks, so compilers vectorize them without a scalar tail; the padding entries stay zero.
 */
#define RQ_BLOCK 16
#define RQ_PADDED (((P + 1) + RQ_BLOCK - 1) / RQ_BLOCK * RQ_BLOCK)

static int blocks_covering(int n)
{
	return (n + RQ_BLOCK - 1) / RQ_BLOCK;
}

/*
 * One divstep on a pair of arrays: conditionally swap a[j] and b[j], then
 * b[j] = (f0 * b[j] - g0 * a[j]) * 2^-16 (both after the swap), for the first n entries rounded
 * up to whole blocks.
 */
static void rq_divstep_pair(int16_t *restrict a, int16_t *restrict b, int n, int16_t swap, int16_t f0, int16_t g0)
{
	int16_t minus_g0 = (int16_t)-g0;
	int16_t f0_qinv = (int16_t)(f0 * QINV), minus_g0_qinv = (int16_t)(minus_g0 * QINV);
	for (int block = 0; block < blocks_covering(n); block++) {
		int16_t *restrict ab = a + block * RQ_BLOCK, *restrict bb = b + block * RQ_BLOCK;
		for (int k = 0; k < RQ_BLOCK; k++) {
			int16_t aj = ab[k], bj = bb[k], s = swap & (aj ^ bj);
			aj ^= s;
			bj ^= s;
			ab[k] = aj;
			bb[k] = (int16_t)(fq_montgomery_mul(bj, f0, f0_qinv) +
					  fq_montgomery_mul(aj, minus_g0, minus_g0_qinv));
		}
	}
}

int sntrup761_rq_recip3(int16_t out[P], const int8_t in[P])
{
	/*
	 * g and r become (f0*g - g0*f) * 2^-16 with f0, g0 frozen to [-(q-1)/2, (q-1)/2]. If every
	 * entry is at most 5000 in absolute value, each Montgomery product is at most
	 * 2295*5000/2^16 + q/2 < 2471, so the new entries stay below 5000: no overflow, and
	 * freezing g(0) makes its zero test exact.
	 */
	int16_t f[RQ_PADDED] = { 0 }, g[RQ_PADDED] = { 0 }, v[RQ_PADDED] = { 0 }, r[RQ_PADDED] = { 0 };
	int32_t delta = 1;

	f[0] = 1;
	f[P - 1] = -1;
	f[P] = -1;
	for (int i = 0; i < P; i++)
		g[P - 1 - i] = in[i];
	r[0] = 1;

	for (int n = 0; n < 2 * P - 1; n++) {
		/* Only the first 2p-1-n coefficients of f, g can still reach position 0, and v, r
		 * have at most n+1 nonzero ones: public bounds that shorten the loops. */
		int fg_len = min_int(P, 2 * P - 1 - n), vr_len = min_int(n, P);
		int16_t f0 = sntrup761_fq_freeze(f[0]), g0 = sntrup761_fq_freeze(g[0]);
		int16_t swap = (int16_t)divstep_swap_mask(&delta, g0), t = swap & (f0 ^ g0);
		f0 ^= t;
		g0 ^= t;

		rq_divstep_pair(f, g, fg_len + 1, swap, f0, g0);
		memmove(g, g + 1, (size_t)fg_len * sizeof(g[0])); /* g(0) is now 0: divide by x */
		g[fg_len] = 0;

		memmove(v + 1, v, (size_t)vr_len * sizeof(v[0])); /* multiply v by x */
		v[0] = 0;
		rq_divstep_pair(v, r, vr_len + 1, swap, f0, g0);
	}

	int16_t scale = fq_recip(sntrup761_fq_freeze(3 * (int32_t)f[0]));
	for (int i = 0; i < P; i++)
		out[i] = sntrup761_fq_freeze((int32_t)scale * v[P - 1 - i]);
	crypto_wipe(f, sizeof(f));
	crypto_wipe(g, sizeof(g));
	crypto_wipe(v, sizeof(v));
	crypto_wipe(r, sizeof(r));
	return nonzero_mask(delta);
}

/*
 * R/3 polynomials bitsliced for the reciprocal: coefficient j is bit j of plus (value 1) or
 * of minus (value -1), so a divstep is a few word operations per 64 coefficients.
 */
#define R3_WORDS ((P + 1 + 63) / 64)

struct r3_bits {
	uint64_t plus[R3_WORDS], minus[R3_WORDS];
};

/* Swaps a and b when mask is all ones. */
static void r3_bits_cswap(struct r3_bits *a, struct r3_bits *b, uint64_t mask)
{
	for (int w = 0; w < R3_WORDS; w++) {
		uint64_t t = mask & (a->plus[w] ^ b->plus[w]);
		a->plus[w] ^= t;
		b->plus[w] ^= t;
		t = mask & (a->minus[w] ^ b->minus[w]);
		a->minus[w] ^= t;
		b->minus[w] ^= t;
	}
}

/* a += c * b over F_3, c in {-1, 0, 1} given as masks: nonzero (c != 0), negate (c == -1). */
static void r3_bits_add_scaled(struct r3_bits *a, const struct r3_bits *b, uint64_t nonzero, uint64_t negate)
{
	for (int w = 0; w < R3_WORDS; w++) {
		uint64_t bp = ((b->plus[w] & ~negate) | (b->minus[w] & negate)) & nonzero;
		uint64_t bn = ((b->minus[w] & ~negate) | (b->plus[w] & negate)) & nonzero;
		uint64_t ap = a->plus[w], an = a->minus[w];
		uint64_t a_zero = ~(ap | an), b_zero = ~(bp | bn);
		/* 1+0, 0+1 and (-1)+(-1) give 1; -1+0, 0+(-1) and 1+1 give -1; 1+(-1) gives 0. */
		a->plus[w] = (ap & b_zero) | (bp & a_zero) | (an & bn);
		a->minus[w] = (an & b_zero) | (bn & a_zero) | (ap & bp);
	}
}

static void r3_bits_shift_down(struct r3_bits *a)
{
	for (int w = 0; w < R3_WORDS - 1; w++) {
		a->plus[w] = (a->plus[w] >> 1) | (a->plus[w + 1] << 63);
		a->minus[w] = (a->minus[w] >> 1) | (a->minus[w + 1] << 63);
	}
	a->plus[R3_WORDS - 1] >>= 1;
	a->minus[R3_WORDS - 1] >>= 1;
}

/* Bits pushed past the top word fall off: v only ever needs its low p+1 coefficients. */
static void r3_bits_shift_up(struct r3_bits *a)
{
	for (int w = R3_WORDS - 1; w > 0; w--) {
		a->plus[w] = (a->plus[w] << 1) | (a->plus[w - 1] >> 63);
		a->minus[w] = (a->minus[w] << 1) | (a->minus[w - 1] >> 63);
	}
	a->plus[0] <<= 1;
	a->minus[0] <<= 1;
}

static void r3_bits_set(struct r3_bits *a, int j, int8_t value)
{
	uint64_t minus = (uint64_t)((uint8_t)value >> 7);
	uint64_t plus = (uint64_t)(value & 1) & ~minus;
	a->plus[j / 64] |= plus << (j % 64);
	a->minus[j / 64] |= minus << (j % 64);
}

static int32_t r3_bits_get(const struct r3_bits *a, int j)
{
	return (int32_t)((a->plus[j / 64] >> (j % 64)) & 1) - (int32_t)((a->minus[j / 64] >> (j % 64)) & 1);
}

int sntrup761_r3_recip(int8_t out[P], const int8_t in[P])
{
	/* Over F_3, f(0) is always +-1: g += c*f with c = -g(0)*f(0) cancels g(0). */
	struct r3_bits f, g, v, r;

	memset(&f, 0, sizeof(f));
	memset(&g, 0, sizeof(g));
	memset(&v, 0, sizeof(v));
	memset(&r, 0, sizeof(r));
	int32_t delta = 1;

	r3_bits_set(&f, 0, 1);
	r3_bits_set(&f, P - 1, -1);
	r3_bits_set(&f, P, -1);
	for (int i = 0; i < P; i++)
		r3_bits_set(&g, P - 1 - i, sntrup761_f3_freeze(in[i]));
	r3_bits_set(&r, 0, 1);

	for (int n = 0; n < 2 * P - 1; n++) {
		r3_bits_shift_up(&v);
		uint64_t swap = (uint64_t)(int64_t)divstep_swap_mask(&delta, r3_bits_get(&g, 0));
		r3_bits_cswap(&f, &g, swap);
		r3_bits_cswap(&v, &r, swap);
		int32_t c = -r3_bits_get(&f, 0) * r3_bits_get(&g, 0);
		uint64_t nonzero = (uint64_t)(int64_t)nonzero_mask(c), negate = (uint64_t)(int64_t)negative_mask(c);
		r3_bits_add_scaled(&g, &f, nonzero, negate);
		r3_bits_add_scaled(&r, &v, nonzero, negate);
		r3_bits_shift_down(&g);
	}

	int32_t f0 = r3_bits_get(&f, 0);
	for (int i = 0; i < P; i++)
		out[i] = (int8_t)(f0 * r3_bits_get(&v, P - 1 - i));
	crypto_wipe(&f, sizeof(f));
	crypto_wipe(&g, sizeof(g));
	crypto_wipe(&v, sizeof(v));
	crypto_wipe(&r, sizeof(r));
	return nonzero_mask(delta);
}
