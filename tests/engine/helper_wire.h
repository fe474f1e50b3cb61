/* Hand-made plaintext packets for feeding an engine, and reading back what it sent in the clear. */
#ifndef BURROW_TEST_HELPER_WIRE_H
#define BURROW_TEST_HELPER_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "burrow/burrow.h"

/* Appends one plaintext binary packet (RFC 4253 6) holding `payload`. */
void wire_put_plain_packet(struct buf *out, const struct buf *payload);
/* Appends a plaintext KEXINIT offering `kex_list` (ssh-ed25519, aes128-gcm, no compression). */
void wire_put_kexinit(struct buf *out, const char *kex_list, bool first_kex_packet_follows);
/* The message type of the last packet an engine queued, checking that its output (after the
 * version line) is a whole number of plaintext packets. */
uint8_t wire_last_plain_type(struct burrow_conn *conn);

#endif
