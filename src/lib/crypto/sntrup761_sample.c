/*
 * sntrup761 sampling from random 32-bit words (NTRU Prime round 3 spec, "Short_fromlist"
 * and the Small_random of the reference implementation). Short_fromlist hides where the w
 * nonzero coefficients go by sorting: its sort is a sorting network, whose sequence of
 * compare-exchanges depends only on n, with a branch-free compare-exchange.
 */
#include "crypto/crypto.h"
#include "crypto/sntrup761_internal.h"

#define P SNTRUP761_P
#define W SNTRUP761_W

static void compare_exchange_u32(uint32_t *a, uint32_t *b)
{
	uint32_t x = *a, y = *b;
	/* mask is all ones when y < x: the borrow of the 64-bit subtraction. */
	uint32_t mask = (uint32_t)0 - (uint32_t)(((uint64_t)y - x) >> 63);
	uint32_t t = (x ^ y) & mask;
	*a = x ^ t;
	*b = y ^ t;
}

void sntrup761_sort_u32(uint32_t *x, size_t n)
{
	/* Batcher's merge exchange (Knuth, TAOCP vol. 3, 5.2.2 Algorithm M): any n, fixed comparators. */
	if (n < 2)
		return;
	size_t top = 1;
	while (top < n - top)
		top <<= 1; /* 2^(t-1) with t = ceil(lg n) */
	for (size_t p = top; p > 0; p >>= 1) {
		size_t q = top, r = 0, d = p;
		for (;;) {
			for (size_t i = 0; i + d < n; i++)
				if ((i & p) == r)
					compare_exchange_u32(&x[i], &x[i + d]);
			if (q == p)
				break;
			d = q - p;
			q >>= 1;
			r = p;
		}
	}
}

void sntrup761_short_from_list(int8_t out[P], const uint32_t words[P])
{
	/*
	 * Tag the low two bits: 0 or 2 (becoming -1 or +1) on the first w words, 1 (becoming 0)
	 * on the rest; sorting by the random upper bits then scatters the tags uniformly.
	 */
	uint32_t list[P];
	for (int i = 0; i < W; i++)
		list[i] = words[i] & ~(uint32_t)1;
	for (int i = W; i < P; i++)
		list[i] = (words[i] & ~(uint32_t)3) | 1;
	sntrup761_sort_u32(list, P);
	for (int i = 0; i < P; i++)
		out[i] = (int8_t)((list[i] & 3) - 1);
	crypto_wipe(list, sizeof(list));
}

void sntrup761_small_from_list(int8_t out[P], const uint32_t words[P])
{
	/* floor(3 * (low 30 bits) / 2^30) - 1: each of -1, 0, 1 with probability about 1/3. */
	for (int i = 0; i < P; i++)
		out[i] = (int8_t)((((words[i] & 0x3fffffff) * 3) >> 30) - 1);
}
