/*
 * A bounded reader for moduli(5) text, the safe primes a server offers in group exchange:
 *     time type tests tries size generator modulus
 * e.g. "20230203010203 2 6 100 2047 2 FFFF...". As OpenSSH's parse_prime(): comments and blank
 * lines are skipped, only safe primes (type 2) that passed a primality test are used, size is the
 * modulus bits minus one and must match the modulus. Lines that do not parse are skipped.
 * The program reads the file; the engine only ever sees its text.
 */
#include "kex.h"

#include <string.h>

#define MODULI_TYPE_SAFE 2         /* moduli(5): p = 2q + 1 with q prime */
#define MODULI_TESTS_COMPOSITE 0x1 /* the candidate failed a test */
#define MODULI_MAX_FIELDS 7
#define MODULI_MAX_LINE 8192       /* an 8192-bit modulus is 2048 hex digits */
#define MODULI_MAX_GENERATOR 8     /* bytes */

struct moduli_entry {
	unsigned bits;           /* of the modulus */
	struct bstr g_hex, p_hex;
};

static bool is_space(uint8_t ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static int hex_value(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decimal field in [0, max]; false if not all digits or too big. */
static bool field_number(struct bstr f, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (f.len == 0 || f.len > 10)
		return false;
	for (size_t i = 0; i < f.len; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(f.p[i] - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Hex digits to a magnitude appended to out (leading zeros dropped); false on a bad digit. */
static bool hex_to_bytes(struct bstr hex, struct buf *out)
{
	size_t i = 0;
	while (i < hex.len && hex.p[i] == '0')
		i++;
	if ((hex.len - i) % 2) {
		int v = hex_value(hex.p[i]);
		if (v < 0)
			return false;
		buf_put_u8(out, (uint8_t)v);
		i++;
	}
	for (; i < hex.len; i += 2) {
		int hi = hex_value(hex.p[i]), lo = hex_value(hex.p[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		buf_put_u8(out, (uint8_t)(hi << 4 | lo));
	}
	return buf_ok(out);
}

/* Bits of a hex number without decoding it; 0 if a digit is bad. */
static unsigned hex_bits(struct bstr hex)
{
	size_t i = 0;
	while (i < hex.len && hex.p[i] == '0')
		i++;
	if (i == hex.len)
		return 0;
	int top = hex_value(hex.p[i]);
	for (size_t j = i; j < hex.len; j++)
		if (hex_value(hex.p[j]) < 0)
			return 0;
	unsigned bits = (unsigned)(hex.len - i - 1) * 4;
	for (; top; top >>= 1)
		bits++;
	return bits;
}

/* One line into an entry; false for comments, blank lines and anything malformed. */
static bool moduli_parse_line(struct bstr line, struct moduli_entry *e)
{
	struct bstr f[MODULI_MAX_FIELDS];
	size_t n = 0, i = 0;
	while (i < line.len) {
		while (i < line.len && is_space(line.p[i]))
			i++;
		if (i == line.len)
			break;
		if (n == 0 && line.p[i] == '#')
			return false;
		if (n == MODULI_MAX_FIELDS)
			return false; /* trailing fields */
		size_t start = i;
		while (i < line.len && !is_space(line.p[i]))
			i++;
		f[n++] = bstr_from(line.p + start, i - start);
	}
	uint32_t type, tests, tries, size;
	if (n != MODULI_MAX_FIELDS || !field_number(f[1], 5, &type) || type != MODULI_TYPE_SAFE ||
	    !field_number(f[2], 0x1f, &tests) || (tests & MODULI_TESTS_COMPOSITE) || !(tests & ~MODULI_TESTS_COMPOSITE) ||
	    !field_number(f[3], 1u << 30, &tries) || tries == 0 || !field_number(f[4], 64 * 1024, &size) || size == 0)
		return false;
	/* The listed size is one less than the modulus bits (moduli(5)). */
	e->bits = hex_bits(f[6]);
	e->g_hex = f[5];
	e->p_hex = f[6];
	unsigned g_bits = hex_bits(f[5]);
	return e->bits == size + 1 && e->bits <= KEX_GEX_MAX_BITS && g_bits > 1 && g_bits <= 8 * MODULI_MAX_GENERATOR;
}

/* Calls fn for every usable entry of the text; stops early when fn returns true. */
static bool moduli_each(const char *text, bool (*fn)(const struct moduli_entry *e, void *ctx), void *ctx)
{
	struct bstr all = bstr_cstr(text);
	size_t pos = 0;
	while (pos < all.len) {
		const uint8_t *nl = memchr(all.p + pos, '\n', all.len - pos);
		size_t end = nl ? (size_t)(nl - all.p) : all.len;
		struct bstr line = bstr_from(all.p + pos, end - pos);
		pos = end + 1;
		struct moduli_entry e;
		if (line.len <= MODULI_MAX_LINE && moduli_parse_line(line, &e) && fn(&e, ctx))
			return true;
	}
	return false;
}

/* OpenSSH's choose_dh(): the smallest size >= want, else the largest size below it. */
struct moduli_choice {
	uint32_t min, want, max;
	unsigned best, count, pick;
	const struct moduli_entry *chosen;
	struct moduli_entry chosen_copy;
};

static bool moduli_consider(const struct moduli_entry *e, void *ctx)
{
	struct moduli_choice *ch = ctx;
	if (e->bits < ch->min || e->bits > ch->max)
		return false;
	if ((e->bits > ch->want && e->bits < ch->best) || (e->bits > ch->best && ch->best < ch->want)) {
		ch->best = e->bits;
		ch->count = 0;
	}
	if (e->bits == ch->best)
		ch->count++;
	return false;
}

static bool moduli_take(const struct moduli_entry *e, void *ctx)
{
	struct moduli_choice *ch = ctx;
	if (e->bits < ch->min || e->bits > ch->max || e->bits != ch->best)
		return false;
	if (ch->pick-- > 0)
		return false;
	ch->chosen_copy = *e;
	ch->chosen = &ch->chosen_copy;
	return true;
}

/* Uniform in [0, n) by rejection (n > 0). */
static int random_below(unsigned n, unsigned *out)
{
	uint32_t limit = UINT32_MAX - UINT32_MAX % n, v;
	do {
		int err = crypto_random(&v, sizeof(v));
		if (err < 0)
			return err;
	} while (v >= limit);
	*out = v % n;
	return 0;
}

static bool fallback_consider(const struct dh_group *grp, struct moduli_choice *ch)
{
	struct moduli_entry e = { .bits = grp->bits };
	return moduli_consider(&e, ch);
}

static const struct dh_group *const fallback_groups[] = { &dh_group14, &dh_group15, &dh_group16, &dh_group17,
							  &dh_group18 };
#define FALLBACK_COUNT (sizeof(fallback_groups) / sizeof(fallback_groups[0]))

int kex_moduli_choose(const char *text, uint32_t min, uint32_t want, uint32_t max, struct buf *p, struct buf *g)
{
	struct moduli_choice ch = { .min = min, .want = want, .max = max };
	buf_reset(p);
	buf_reset(g);
	if (text) {
		moduli_each(text, moduli_consider, &ch);
		if (ch.count > 0) {
			int err = random_below(ch.count, &ch.pick);
			if (err < 0)
				return err;
			if (!moduli_each(text, moduli_take, &ch))
				return BURROW_E_STATE;
			if (!hex_to_bytes(ch.chosen->p_hex, p) || !hex_to_bytes(ch.chosen->g_hex, g))
				return buf_ok(p) && buf_ok(g) ? BURROW_E_INVALID : BURROW_E_NOMEM;
			return 0;
		}
	}
	/* No moduli, or none fits: the RFC 3526 groups, chosen by the same rule. */
	for (size_t i = 0; i < FALLBACK_COUNT; i++)
		fallback_consider(fallback_groups[i], &ch);
	for (size_t i = 0; i < FALLBACK_COUNT && ch.count > 0; i++) {
		const struct dh_group *grp = fallback_groups[i];
		if (grp->bits != ch.best)
			continue;
		buf_put(p, grp->p, grp->p_len);
		buf_put(g, grp->g, grp->g_len);
		return buf_ok(p) && buf_ok(g) ? 0 : BURROW_E_NOMEM;
	}
	return BURROW_E_NOMATCH;
}
