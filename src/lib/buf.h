/*
 * Byte buffers and the bounded reader for SSH wire types (RFC 4251 section 5).
 *
 * struct buf is a growable byte buffer used to build messages; a failed allocation latches
 * `oom` so a message can be built with many puts and checked once with buf_ok().
 *
 * struct rd is a read cursor over a byte range that never reads past its end: a short or
 * malformed field latches `err`, after which every read returns zero or an empty view.
 * A handler reads all fields and checks rd_ok() (or rd_done()) once before acting.
 */
#ifndef BURROW_BUF_H
#define BURROW_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A (pointer, length) view into bytes owned by someone else; never NUL-terminated. */
struct bstr {
	const uint8_t *p;
	size_t len;
};

struct buf {
	uint8_t *data;
	size_t off; /* bytes consumed from the front; live bytes are data[off .. off+len) */
	size_t len;
	size_t cap;
	bool oom;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);   /* wipes the contents, then frees; safe on a zeroed buf */
void buf_reset(struct buf *b);  /* len = 0, keeps capacity; wipes old bytes */
bool buf_ok(const struct buf *b);
static inline uint8_t *buf_ptr(const struct buf *b) { return b->data ? b->data + b->off : NULL; }
static inline size_t buf_len(const struct buf *b) { return b->len; }

/* Make room for n more bytes; returns a pointer to them (len grows by n) or NULL (latches oom). */
uint8_t *buf_extend(struct buf *b, size_t n);
int buf_reserve(struct buf *b, size_t n);        /* capacity for n more bytes without growing len */
void buf_consume(struct buf *b, size_t n);       /* drop n bytes from the front */
void buf_truncate(struct buf *b, size_t len);    /* keep only the first len bytes */

void buf_put(struct buf *b, const void *p, size_t n);
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_bool(struct buf *b, bool v);
void buf_put_u32(struct buf *b, uint32_t v);
/* Writes v big-endian into 4 bytes already in a buffer (a length filled in after the body). */
void buf_store_u32(uint8_t *p, uint32_t v);
void buf_put_u64(struct buf *b, uint64_t v);
void buf_put_string(struct buf *b, const void *p, size_t n);  /* uint32 length + bytes */
void buf_put_cstring(struct buf *b, const char *s);           /* string from a C string */
void buf_put_bstr(struct buf *b, struct bstr s);
/* mpint from an unsigned big-endian magnitude: strips leading zeros, adds a 0x00 if the top bit is set. */
void buf_put_mpint(struct buf *b, const uint8_t *be, size_t n);

struct rd {
	const uint8_t *p;
	size_t len;
	size_t pos;
	bool err;
};

void rd_init(struct rd *r, const void *p, size_t len);
static inline bool rd_ok(const struct rd *r) { return !r->err; }
/* True when no error happened and every byte was read: a message with trailing bytes is malformed. */
static inline bool rd_done(const struct rd *r) { return !r->err && r->pos == r->len; }
static inline size_t rd_remaining(const struct rd *r) { return r->err ? 0 : r->len - r->pos; }

uint8_t rd_u8(struct rd *r);
bool rd_bool(struct rd *r);
uint32_t rd_u32(struct rd *r);
uint64_t rd_u64(struct rd *r);
struct bstr rd_bytes(struct rd *r, size_t n);
struct bstr rd_string(struct rd *r);
/* mpint as a view of its two's-complement bytes; negative values and non-minimal encodings are errors. */
struct bstr rd_mpint(struct rd *r);
struct bstr rd_rest(struct rd *r);
void rd_fail(struct rd *r);

/* Helpers over views. */
static inline struct bstr bstr_from(const void *p, size_t n) { struct bstr s = { (const uint8_t *)p, n }; return s; }
struct bstr bstr_cstr(const char *s);
bool bstr_eq(struct bstr a, const char *s);      /* exact match with a C string */
bool bstr_eq_bstr(struct bstr a, struct bstr b);
char *bstr_dup(struct bstr s);                  /* NUL-terminated heap copy; NULL on oom or embedded NUL */

/* Name-lists (RFC 4251 section 5): comma-separated, no empty names. */
bool namelist_contains(struct bstr list, struct bstr name);
/* Next name of a list: *pos advances past it; returns false at the end. */
bool namelist_next(struct bstr list, size_t *pos, struct bstr *name);

#endif
