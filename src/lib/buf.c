/* Growable buffers and the bounded SSH wire reader; see buf.h for the contract. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

/* No single buffer may exceed this: the largest thing we ever hold is a few packets. */
#define BUF_MAX_CAPACITY (256u * 1024 * 1024)

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void buf_free(struct buf *b)
{
	if (b->data) {
		crypto_wipe(b->data, b->cap);
		free(b->data);
	}
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	if (b->data)
		crypto_wipe(b->data, b->off + b->len);
	b->off = 0;
	b->len = 0;
	b->oom = false;
}

bool buf_ok(const struct buf *b)
{
	return !b->oom;
}

int buf_reserve(struct buf *b, size_t n)
{
	if (b->oom)
		return -1;
	if (n > BUF_MAX_CAPACITY - b->len) {
		b->oom = true;
		return -1;
	}
	if (b->off + b->len + n <= b->cap)
		return 0;
	/* Slide live bytes to the front before growing: consumed space is reusable. */
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		crypto_wipe(b->data + b->len, b->off);
		b->off = 0;
		if (b->len + n <= b->cap)
			return 0;
	}
	size_t want = b->cap ? b->cap : 256;
	while (want < b->len + n)
		want *= 2;
	if (want > BUF_MAX_CAPACITY)
		want = BUF_MAX_CAPACITY;
	/* Not realloc: the old block may hold secrets and must be wiped before it is released. */
	uint8_t *p = malloc(want);
	if (!p) {
		b->oom = true;
		return -1;
	}
	if (b->data) {
		memcpy(p, b->data, b->len);
		crypto_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = want;
	return 0;
}

uint8_t *buf_extend(struct buf *b, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return NULL;
	uint8_t *p = b->data + b->off + b->len;
	b->len += n;
	return p;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->off = 0;
		b->len = 0;
		return;
	}
	b->off += n;
	b->len -= n;
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	uint8_t *dst = buf_extend(b, n);
	if (dst && n)
		memcpy(dst, p, n);
}

void buf_put_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

void buf_put_bool(struct buf *b, bool v)
{
	buf_put_u8(b, v ? 1 : 0);
}

void buf_store_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t *p = buf_extend(b, 4);
	if (p)
		buf_store_u32(p, v);
}

void buf_put_u64(struct buf *b, uint64_t v)
{
	buf_put_u32(b, (uint32_t)(v >> 32));
	buf_put_u32(b, (uint32_t)v);
}

void buf_put_string(struct buf *b, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		b->oom = true;
		return;
	}
	buf_put_u32(b, (uint32_t)n);
	buf_put(b, p, n);
}

void buf_put_cstring(struct buf *b, const char *s)
{
	buf_put_string(b, s, strlen(s));
}

void buf_put_bstr(struct buf *b, struct bstr s)
{
	buf_put_string(b, s.p, s.len);
}

void buf_put_mpint(struct buf *b, const uint8_t *be, size_t n)
{
	while (n > 0 && be[0] == 0) {
		be++;
		n--;
	}
	bool pad = n > 0 && (be[0] & 0x80);
	buf_put_u32(b, (uint32_t)(n + pad));
	if (pad)
		buf_put_u8(b, 0);
	buf_put(b, be, n);
}

void rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->err = false;
}

void rd_fail(struct rd *r)
{
	r->err = true;
}

/* Claims n bytes, or latches the error and returns NULL. */
static const uint8_t *rd_take(struct rd *r, size_t n)
{
	if (r->err || n > r->len - r->pos) {
		r->err = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

uint8_t rd_u8(struct rd *r)
{
	const uint8_t *p = rd_take(r, 1);
	return p ? p[0] : 0;
}

bool rd_bool(struct rd *r)
{
	return rd_u8(r) != 0; /* RFC 4251 5: any non-zero value is TRUE */
}

uint32_t rd_u32(struct rd *r)
{
	const uint8_t *p = rd_take(r, 4);
	if (!p)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t rd_u64(struct rd *r)
{
	uint64_t hi = rd_u32(r);
	uint64_t lo = rd_u32(r);
	return r->err ? 0 : hi << 32 | lo;
}

struct bstr rd_bytes(struct rd *r, size_t n)
{
	struct bstr s = { NULL, 0 };
	const uint8_t *p = rd_take(r, n);
	if (p) {
		s.p = p;
		s.len = n;
	}
	return s;
}

struct bstr rd_string(struct rd *r)
{
	uint32_t n = rd_u32(r);
	return rd_bytes(r, n);
}

struct bstr rd_mpint(struct rd *r)
{
	struct bstr s = rd_string(r);
	if (r->err || s.len == 0)
		return s;
	/* RFC 4251 5: no unnecessary leading bytes; we never accept negative values. */
	if ((s.p[0] & 0x80) || (s.p[0] == 0 && (s.len == 1 || !(s.p[1] & 0x80)))) {
		r->err = true;
		s.p = NULL;
		s.len = 0;
	}
	return s;
}

struct bstr rd_rest(struct rd *r)
{
	return rd_bytes(r, rd_remaining(r));
}

struct bstr bstr_cstr(const char *s)
{
	return bstr_from(s, strlen(s));
}

bool bstr_eq(struct bstr a, const char *s)
{
	size_t n = strlen(s);
	return a.len == n && (n == 0 || memcmp(a.p, s, n) == 0);
}

bool bstr_eq_bstr(struct bstr a, struct bstr b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

char *bstr_dup(struct bstr s)
{
	if (s.len && memchr(s.p, 0, s.len))
		return NULL;
	char *out = malloc(s.len + 1);
	if (!out)
		return NULL;
	if (s.len)
		memcpy(out, s.p, s.len);
	out[s.len] = 0;
	return out;
}

bool namelist_next(struct bstr list, size_t *pos, struct bstr *name)
{
	if (*pos >= list.len)
		return false;
	const uint8_t *start = list.p + *pos;
	const uint8_t *comma = memchr(start, ',', list.len - *pos);
	size_t n = comma ? (size_t)(comma - start) : list.len - *pos;
	name->p = start;
	name->len = n;
	*pos += n + (comma ? 1 : 0);
	return true;
}

bool namelist_contains(struct bstr list, struct bstr name)
{
	size_t pos = 0;
	struct bstr item;
	while (namelist_next(list, &pos, &item))
		if (bstr_eq_bstr(item, name))
			return true;
	return false;
}
