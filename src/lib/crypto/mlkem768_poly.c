/*
 * ML-KEM-768 arithmetic: the number-theoretic transform of FIPS 203 section 4.3 and products in
 * T_q. Coefficients stay in [0, q); every step is a fixed sequence of multiplications and masked
 * corrections, whatever the (secret) values.
 */
#include "crypto/mlkem768_internal.h"

#define Q MLKEM768_Q
#define N MLKEM768_N

/* 128^-1 mod q: the scaling at the end of NTT^-1 (algorithm 10, step 14). */
#define INV128 3303

const uint16_t mlkem768_zetas[128] = {
	1,    1729, 2580, 3289, 2642, 630,  1897, 848,  1062, 1919, 193,  797,  2786, 3260, 569,  1746,
	296,  2447, 1339, 1476, 3046, 56,   2240, 1333, 1426, 2094, 535,  2882, 2393, 2879, 1974, 821,
	289,  331,  3253, 1756, 1197, 2304, 2277, 2055, 650,  1977, 2513, 632,  2865, 33,   1320, 1915,
	2319, 1435, 807,  452,  1438, 2868, 1534, 2402, 2647, 2617, 1481, 648,  2474, 3110, 1227, 910,
	17,   2761, 583,  2649, 1637, 723,  2288, 1100, 1409, 2662, 3281, 233,  756,  2156, 3015, 3050,
	1703, 1651, 2789, 1789, 1847, 952,  1461, 2687, 939,  2308, 2437, 2388, 733,  2337, 268,  641,
	1584, 2298, 2037, 3220, 375,  2549, 2090, 1645, 1063, 319,  2773, 757,  2099, 561,  2466, 2594,
	2804, 1092, 403,  1026, 1143, 2150, 2775, 886,  1722, 1212, 1874, 1029, 2110, 2935, 885,  2154,
};

const uint16_t mlkem768_gammas[128] = {
	17,   3312, 2761, 568,  583,  2746, 2649, 680,  1637, 1692, 723,  2606, 2288, 1041, 1100, 2229,
	1409, 1920, 2662, 667,  3281, 48,   233,  3096, 756,  2573, 2156, 1173, 3015, 314,  3050, 279,
	1703, 1626, 1651, 1678, 2789, 540,  1789, 1540, 1847, 1482, 952,  2377, 1461, 1868, 2687, 642,
	939,  2390, 2308, 1021, 2437, 892,  2388, 941,  733,  2596, 2337, 992,  268,  3061, 641,  2688,
	1584, 1745, 2298, 1031, 2037, 1292, 3220, 109,  375,  2954, 2549, 780,  2090, 1239, 1645, 1684,
	1063, 2266, 319,  3010, 2773, 556,  757,  2572, 2099, 1230, 561,  2768, 2466, 863,  2594, 735,
	2804, 525,  1092, 2237, 403,  2926, 1026, 2303, 1143, 2186, 2150, 1179, 2775, 554,  886,  2443,
	1722, 1607, 1212, 2117, 1874, 1455, 1029, 2300, 2110, 1219, 2935, 394,  885,  2444, 2154, 1175,
};

void mlkem768_poly_ntt(struct mlkem768_poly *f)
{
	unsigned i = 1;
	for (unsigned len = 128; len >= 2; len /= 2) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			uint16_t zeta = mlkem768_zetas[i++];
			for (unsigned j = start; j < start + len; j++) {
				uint16_t t = mlkem768_fq_mul(zeta, f->c[j + len]);
				f->c[j + len] = mlkem768_fq_csub((uint32_t)f->c[j] + Q - t);
				f->c[j] = mlkem768_fq_csub((uint32_t)f->c[j] + t);
			}
		}
	}
}

void mlkem768_poly_invntt(struct mlkem768_poly *f)
{
	unsigned i = 127;
	for (unsigned len = 2; len <= 128; len *= 2) {
		for (unsigned start = 0; start < N; start += 2 * len) {
			uint16_t zeta = mlkem768_zetas[i--];
			for (unsigned j = start; j < start + len; j++) {
				uint16_t t = f->c[j];
				f->c[j] = mlkem768_fq_csub((uint32_t)t + f->c[j + len]);
				f->c[j + len] = mlkem768_fq_mul(zeta, mlkem768_fq_csub((uint32_t)f->c[j + len] + Q - t));
			}
		}
	}
	for (unsigned j = 0; j < N; j++)
		f->c[j] = mlkem768_fq_mul(f->c[j], INV128);
}

/*
 * BaseCaseMultiply (algorithm 12) on each of the 128 degree-one pieces:
 * (a0 + a1 X)(b0 + b1 X) mod (X^2 - gamma) = (a0 b0 + a1 b1 gamma) + (a0 b1 + a1 b0) X.
 * Sums of two products of values below q stay below 2^25, so one reduction per output suffices.
 */
void mlkem768_poly_mul_ntt(struct mlkem768_poly *h, const struct mlkem768_poly *f, const struct mlkem768_poly *g)
{
	for (unsigned i = 0; i < N / 2; i++) {
		uint32_t a0 = f->c[2 * i], a1 = f->c[2 * i + 1];
		uint32_t b0 = g->c[2 * i], b1 = g->c[2 * i + 1];
		uint32_t a1b1 = mlkem768_fq_reduce(a1 * b1);
		h->c[2 * i] = mlkem768_fq_reduce(a0 * b0 + a1b1 * mlkem768_gammas[i]);
		h->c[2 * i + 1] = mlkem768_fq_reduce(a0 * b1 + a1 * b0);
	}
}

void mlkem768_poly_add(struct mlkem768_poly *h, const struct mlkem768_poly *f, const struct mlkem768_poly *g)
{
	for (unsigned j = 0; j < N; j++)
		h->c[j] = mlkem768_fq_csub((uint32_t)f->c[j] + g->c[j]);
}

void mlkem768_poly_sub(struct mlkem768_poly *h, const struct mlkem768_poly *f, const struct mlkem768_poly *g)
{
	for (unsigned j = 0; j < N; j++)
		h->c[j] = mlkem768_fq_csub((uint32_t)f->c[j] + Q - g->c[j]);
}
