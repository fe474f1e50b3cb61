/*
 * Encoded terminal modes (RFC 4254 section 8, opcodes of RFC 4250 4.5.2 and RFC 8160's IUTF8):
 * the byte string of a "pty-req", to and from a struct termios. Conversion only, no I/O.
 */
#ifndef BURROW_TTYMODES_H
#define BURROW_TTYMODES_H

#include <stddef.h>
#include <stdint.h>
#include <termios.h>

/* The client side: every mode of t OpenSSH sends (control characters, input/local/output flags,
 * CS7/CS8/PARENB/PARODD, the speeds as TTY_OP_ISPEED/OSPEED), then TTY_OP_END. *out is malloc'd. */
int burrow_ttymodes_encode(const struct termios *t, uint8_t **out, size_t *len);

/* The server side: applies the modes we know to *t. Opcodes 1-159 we do not know are skipped
 * with their uint32 argument; the first opcode 160-255 stops parsing (RFC 4254 8), as does
 * TTY_OP_END; both count in *unknown (may be NULL). A truncated argument: BURROW_E_PARSE with *t
 * holding what was applied before it. Speeds go through cfsetispeed/cfsetospeed when valid. */
int burrow_ttymodes_apply(const uint8_t *modes, size_t len, struct termios *t, unsigned *unknown);

#endif
