/* zlib streams for packet compression; see compress.h. */
#include "compress.h"

#include <stdlib.h>
#include <zlib.h>

#include "burrow/error.h"

struct compressor {
	z_stream zs;
	bool deflating;
};

int compress_new(bool deflating, struct compressor **out)
{
	struct compressor *z = calloc(1, sizeof(*z));
	if (!z)
		return BURROW_E_NOMEM;
	z->deflating = deflating;
	/* OpenSSH uses level 6 (Z_DEFAULT_COMPRESSION) and the default window. */
	int r = deflating ? deflateInit(&z->zs, Z_DEFAULT_COMPRESSION) : inflateInit(&z->zs);
	if (r != Z_OK) {
		free(z);
		return BURROW_E_NOMEM;
	}
	*out = z;
	return 0;
}

void compress_free(struct compressor *z)
{
	if (!z)
		return;
	if (z->deflating)
		deflateEnd(&z->zs);
	else
		inflateEnd(&z->zs);
	free(z);
}

int compress_deflate(struct compressor *z, const uint8_t *in, size_t n, struct buf *out)
{
	z->zs.next_in = (Bytef *)in;
	z->zs.avail_in = (uInt)n;
	do {
		size_t room = deflateBound(&z->zs, z->zs.avail_in) + 64;
		uint8_t *dst = buf_extend(out, room);
		if (!dst)
			return BURROW_E_NOMEM;
		z->zs.next_out = dst;
		z->zs.avail_out = (uInt)room;
		int r = deflate(&z->zs, Z_PARTIAL_FLUSH);
		buf_truncate(out, buf_len(out) - z->zs.avail_out);
		if (r != Z_OK && r != Z_BUF_ERROR)
			return BURROW_E_INVALID;
	} while (z->zs.avail_in > 0 || z->zs.avail_out == 0);
	return 0;
}

int compress_inflate(struct compressor *z, const uint8_t *in, size_t n, struct buf *out)
{
	buf_reset(out);
	z->zs.next_in = (Bytef *)in;
	z->zs.avail_in = (uInt)n;
	for (;;) {
		size_t have = buf_len(out);
		if (have >= COMPRESS_MAX_INFLATED + 1)
			return BURROW_E_TOOBIG;
		size_t room = COMPRESS_MAX_INFLATED + 1 - have;
		if (room > 64 * 1024)
			room = 64 * 1024;
		uint8_t *dst = buf_extend(out, room);
		if (!dst)
			return BURROW_E_NOMEM;
		z->zs.next_out = dst;
		z->zs.avail_out = (uInt)room;
		int r = inflate(&z->zs, Z_SYNC_FLUSH);
		buf_truncate(out, buf_len(out) - z->zs.avail_out);
		if (buf_len(out) > COMPRESS_MAX_INFLATED)
			return BURROW_E_TOOBIG;
		if (r == Z_BUF_ERROR && z->zs.avail_in == 0)
			return 0; /* all input consumed, nothing more to produce */
		if (r != Z_OK)
			return BURROW_E_PARSE;
		if (z->zs.avail_in == 0 && z->zs.avail_out > 0)
			return 0;
	}
}
