/*
 * Base64 (RFC 4648 section 4, the standard alphabet) for the text key formats.
 *
 * Decoding is strict: no whitespace, no characters outside the alphabet, '=' only as final
 * padding, and the unused low bits of the last symbol must be zero (a non-canonical encoding
 * would let two texts stand for one key). Input may be padded or unpadded: key lines are
 * padded, fingerprints are not.
 */
#include <stdlib.h>
#include <string.h>

#include "burrow/keys.h"

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of one symbol, or -1 when it is not in the alphabet. */
static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int burrow_base64_encode(const uint8_t *in, size_t len, bool pad, char **out)
{
	if (!out || (!in && len))
		return BURROW_E_INVALID;
	*out = NULL;
	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return BURROW_E_TOOBIG;
	char *s = malloc((len + 2) / 3 * 4 + 1);
	if (!s)
		return BURROW_E_NOMEM;
	size_t o = 0, i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		s[o++] = base64_alphabet[v >> 18];
		s[o++] = base64_alphabet[(v >> 12) & 63];
		s[o++] = base64_alphabet[(v >> 6) & 63];
		s[o++] = base64_alphabet[v & 63];
	}
	size_t rest = len - i;
	if (rest) {
		uint32_t v = (uint32_t)in[i] << 16 | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0);
		s[o++] = base64_alphabet[v >> 18];
		s[o++] = base64_alphabet[(v >> 12) & 63];
		if (rest == 2)
			s[o++] = base64_alphabet[(v >> 6) & 63];
		else if (pad)
			s[o++] = '=';
		if (pad)
			s[o++] = '=';
	}
	s[o] = 0;
	*out = s;
	return 0;
}

int burrow_base64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len)
{
	if (!out || !out_len || (!in && len))
		return BURROW_E_INVALID;
	*out = NULL;
	*out_len = 0;

	/* Strip the padding: at most two '=', and only when they complete a 4-symbol group. */
	size_t body = len;
	while (body > 0 && in[body - 1] == '=')
		body--;
	size_t npad = len - body;
	if (npad > 2 || (npad && len % 4 != 0))
		return BURROW_E_PARSE;
	if (body % 4 == 1)
		return BURROW_E_PARSE; /* one symbol carries 6 bits: not a whole byte */

	uint8_t *o = malloc(body / 4 * 3 + 3);
	if (!o)
		return BURROW_E_NOMEM;
	size_t n = 0, i = 0;
	uint32_t acc = 0;
	for (; i < body; i++) {
		int v = base64_value((unsigned char)in[i]);
		if (v < 0)
			goto fail;
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			o[n++] = (uint8_t)(acc >> 16);
			o[n++] = (uint8_t)(acc >> 8);
			o[n++] = (uint8_t)acc;
			acc = 0;
		}
	}
	switch (body % 4) {
	case 2: /* 12 bits: one byte and 4 bits that must be zero */
		if (acc & 0xf)
			goto fail;
		o[n++] = (uint8_t)(acc >> 4);
		break;
	case 3: /* 18 bits: two bytes and 2 bits that must be zero */
		if (acc & 0x3)
			goto fail;
		o[n++] = (uint8_t)(acc >> 10);
		o[n++] = (uint8_t)(acc >> 2);
		break;
	}
	*out = o;
	*out_len = n;
	return 0;
fail:
	free(o);
	return BURROW_E_PARSE;
}
