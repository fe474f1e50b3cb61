/*
 * sntrup761 encodings (NTRU Prime round 3 spec, "Encoding"). Encode packs a list of R[i]
 * in [0, M[i]) by merging neighbours into one number modulo M[i]*M[i+1] and emitting its low
 * bytes while the product is >= 2^14, recursively until one number is left. Both loops' shapes
 * depend on M alone, so Encode runs in time independent of R (it encodes secret-derived
 * ciphertexts during decapsulation). Decode divides by M[i], and is only given public bytes
 * (public keys, ciphertexts).
 */
#include "crypto/crypto.h"
#include "crypto/sntrup761_internal.h"

#define P SNTRUP761_P
#define Q SNTRUP761_Q
#define Q12 SNTRUP761_Q12
#define ROUNDED_M ((Q + 2) / 3) /* 1531 multiples of 3 in [-(q-1)/2, (q-1)/2] */
#define MERGE_LIMIT 16384         /* 2^14: merged moduli are shrunk below this */
#define MAX_LEVELS 16             /* ceil(lg 761) + 1 = 11 levels of merging */

/* Bytes Encode emits for a merged modulus m, and the modulus left after them. */
static uint32_t shrink_modulus(uint32_t m, uint32_t limit, size_t *bytes)
{
	while (m >= limit) {
		m = (m + 255) >> 8;
		(*bytes)++;
	}
	return m;
}

size_t sntrup761_encoded_len(const uint16_t *m_in, size_t n)
{
	uint32_t m[P];
	size_t bytes = 0;

	if (n > P)
		return 0;
	for (size_t i = 0; i < n; i++)
		m[i] = m_in[i];
	while (n > 1) {
		size_t i;
		for (i = 0; i + 1 < n; i += 2)
			m[i / 2] = shrink_modulus(m[i] * m[i + 1], MERGE_LIMIT, &bytes);
		if (i < n)
			m[i / 2] = m[i];
		n = (n + 1) / 2;
	}
	if (n == 1)
		shrink_modulus(m[0], 2, &bytes); /* the last number: bytes until its modulus is 1 */
	return bytes;
}

void sntrup761_encode(uint8_t *out, const uint16_t *r_in, const uint16_t *m_in, size_t n)
{
	uint32_t r[P], m[P];

	if (n > P)
		return;
	for (size_t i = 0; i < n; i++) {
		r[i] = r_in[i];
		m[i] = m_in[i];
	}
	/* Merged pairs go to index i/2 <= i, after both of theirs were read: in place. */
	while (n > 1) {
		size_t i;
		for (i = 0; i + 1 < n; i += 2) {
			uint32_t value = r[i] + r[i + 1] * m[i], modulus = m[i] * m[i + 1];
			while (modulus >= MERGE_LIMIT) {
				*out++ = (uint8_t)value;
				value >>= 8;
				modulus = (modulus + 255) >> 8;
			}
			r[i / 2] = value;
			m[i / 2] = modulus;
		}
		if (i < n) {
			r[i / 2] = r[i];
			m[i / 2] = m[i];
		}
		n = (n + 1) / 2;
	}
	if (n == 1) {
		uint32_t value = r[0], modulus = m[0];
		while (modulus > 1) {
			*out++ = (uint8_t)value;
			value >>= 8;
			modulus = (modulus + 255) >> 8;
		}
	}
	crypto_wipe(r, sizeof(r));
}

static uint32_t load_le(const uint8_t *in, size_t bytes)
{
	uint32_t x = 0;
	for (size_t i = bytes; i > 0; i--)
		x = (x << 8) | in[i - 1];
	return x;
}

void sntrup761_decode(uint16_t *out, const uint8_t *in, const uint16_t *m_in, size_t n)
{
	/* Level k holds the moduli after k rounds of merging, all levels side by side in moduli. */
	uint32_t moduli[2 * P + MAX_LEVELS] = { 0 }, r[P]; /* levels' lengths: n, ceil(n/2), ... */
	size_t level_start[MAX_LEVELS], level_len[MAX_LEVELS], level_byte[MAX_LEVELS + 1];
	size_t levels = 0, pos = 0;

	if (n == 0 || n > P)
		return;
	for (size_t i = 0; i < n; i++)
		moduli[i] = m_in[i];
	level_start[0] = 0;
	level_len[0] = n;
	/* Walk the merges forwards to learn each level's moduli and where its bytes start. */
	while (level_len[levels] > 1) {
		const uint32_t *m = &moduli[level_start[levels]];
		uint32_t *m2 = &moduli[level_start[levels] + level_len[levels]];
		size_t len = level_len[levels], i;
		level_byte[levels] = pos;
		for (i = 0; i + 1 < len; i += 2)
			m2[i / 2] = shrink_modulus(m[i] * m[i + 1], MERGE_LIMIT, &pos);
		if (i < len)
			m2[i / 2] = m[i];
		level_start[levels + 1] = level_start[levels] + len;
		level_len[levels + 1] = (len + 1) / 2;
		levels++;
	}
	level_byte[levels] = pos;

	/* The last number is all remaining bytes, reduced: out-of-range input still decodes. */
	size_t top_bytes = 0;
	uint32_t top_modulus = moduli[level_start[levels]];
	shrink_modulus(top_modulus, 2, &top_bytes);
	r[0] = load_le(in + pos, top_bytes) % top_modulus;

	/* Unmerge level by level; pair i reads r[i/2] before anything at or below it is written. */
	while (levels-- > 0) {
		const uint32_t *m = &moduli[level_start[levels]];
		size_t len = level_len[levels], end = level_byte[levels + 1];
		size_t i = len & ~(size_t)1;
		if (len & 1)
			r[len - 1] = r[(len - 1) / 2];
		while (i >= 2) {
			i -= 2;
			size_t bytes = 0;
			shrink_modulus(m[i] * m[i + 1], MERGE_LIMIT, &bytes);
			end -= bytes;
			uint32_t value = load_le(in + end, bytes) + (r[i / 2] << (8 * bytes));
			r[i] = value % m[i];
			r[i + 1] = (value / m[i]) % m[i + 1];
		}
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (uint16_t)r[i];
}

void sntrup761_small_encode(uint8_t out[SNTRUP761_SMALL_BYTES], const int8_t f[P])
{
	/* Coefficient + 1 in two bits, four to a byte, lowest first; the last byte holds one. */
	for (int i = 0; i < P / 4; i++) {
		out[i] = (uint8_t)((f[4 * i] + 1) | ((f[4 * i + 1] + 1) << 2) | ((f[4 * i + 2] + 1) << 4) |
				   ((f[4 * i + 3] + 1) << 6));
	}
	out[P / 4] = (uint8_t)(f[P - 1] + 1);
}

void sntrup761_small_decode(int8_t f[P], const uint8_t in[SNTRUP761_SMALL_BYTES])
{
	for (int i = 0; i < P / 4; i++) {
		for (int k = 0; k < 4; k++)
			f[4 * i + k] = (int8_t)(((in[i] >> (2 * k)) & 3) - 1);
	}
	f[P - 1] = (int8_t)((in[P / 4] & 3) - 1);
}

void sntrup761_rq_encode(uint8_t out[SNTRUP761_RQ_BYTES], const int16_t h[P])
{
	uint16_t r[P], m[P];
	for (int i = 0; i < P; i++) {
		r[i] = (uint16_t)(h[i] + Q12);
		m[i] = Q;
	}
	sntrup761_encode(out, r, m, P);
}

void sntrup761_rq_decode(int16_t h[P], const uint8_t in[SNTRUP761_RQ_BYTES])
{
	uint16_t r[P], m[P];
	for (int i = 0; i < P; i++)
		m[i] = Q;
	sntrup761_decode(r, in, m, P);
	for (int i = 0; i < P; i++)
		h[i] = (int16_t)(r[i] - Q12);
}

void sntrup761_rounded_encode(uint8_t out[SNTRUP761_ROUNDED_BYTES], const int16_t h[P])
{
	uint16_t r[P], m[P];
	for (int i = 0; i < P; i++) {
		/* Round to the nearest multiple of 3, then index it: (c + 2295) / 3 via * 10923 >> 15,
		 * exact for multiples of 3 up to 4590 and free of a data-dependent division. */
		int32_t c = h[i] - sntrup761_f3_freeze(h[i]);
		r[i] = (uint16_t)(((c + Q12) * 10923) >> 15);
		m[i] = ROUNDED_M;
	}
	sntrup761_encode(out, r, m, P);
	crypto_wipe(r, sizeof(r));
}

void sntrup761_rounded_decode(int16_t c[P], const uint8_t in[SNTRUP761_ROUNDED_BYTES])
{
	uint16_t r[P], m[P];
	for (int i = 0; i < P; i++)
		m[i] = ROUNDED_M;
	sntrup761_decode(r, in, m, P);
	for (int i = 0; i < P; i++)
		c[i] = (int16_t)(3 * r[i] - Q12);
}
