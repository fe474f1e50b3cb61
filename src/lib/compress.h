/*
 * Packet compression (RFC 4253 6.2 "zlib", OpenSSH PROTOCOL "zlib@openssh.com"): one zlib
 * stream per direction for the life of the connection, each payload flushed with
 * Z_PARTIAL_FLUSH so it can be decompressed on its own arrival.
 */
#ifndef BURROW_COMPRESS_H
#define BURROW_COMPRESS_H

#include "buf.h"

/* The largest payload one packet may inflate to (OpenSSH's PACKET_MAX_SIZE). */
#define COMPRESS_MAX_INFLATED (256u * 1024)

struct compressor;

int compress_new(bool deflating, struct compressor **out);
void compress_free(struct compressor *z);
/* Appends the compressed form of in[0..n) to out. */
int compress_deflate(struct compressor *z, const uint8_t *in, size_t n, struct buf *out);
/* Replaces out's contents with in[0..n) inflated; BURROW_E_TOOBIG past COMPRESS_MAX_INFLATED,
 * BURROW_E_PARSE on a corrupt stream. */
int compress_inflate(struct compressor *z, const uint8_t *in, size_t n, struct buf *out);

#endif
