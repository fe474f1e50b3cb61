/* Plaintext packets for the engine tests; see helper_wire.h. */
#include "helper_wire.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ssh_msg.h"

void wire_put_plain_packet(struct buf *out, const struct buf *payload)
{
	size_t padding = 8 - (5 + buf_len(payload)) % 8;
	if (padding < 4)
		padding += 8;
	buf_put_u32(out, (uint32_t)(1 + buf_len(payload) + padding));
	buf_put_u8(out, (uint8_t)padding);
	buf_put(out, buf_ptr(payload), buf_len(payload));
	for (size_t i = 0; i < padding; i++)
		buf_put_u8(out, 0);
}

void wire_put_kexinit(struct buf *out, const char *kex_list, bool first_kex_packet_follows)
{
	struct buf m;
	buf_init(&m);
	buf_put_u8(&m, SSH_MSG_KEXINIT);
	for (int i = 0; i < 16; i++)
		buf_put_u8(&m, (uint8_t)i);
	buf_put_cstring(&m, kex_list);
	buf_put_cstring(&m, "ssh-ed25519");
	buf_put_cstring(&m, "aes128-gcm@openssh.com");
	buf_put_cstring(&m, "aes128-gcm@openssh.com");
	buf_put_cstring(&m, "hmac-sha2-256");
	buf_put_cstring(&m, "hmac-sha2-256");
	buf_put_cstring(&m, "none");
	buf_put_cstring(&m, "none");
	buf_put_cstring(&m, "");
	buf_put_cstring(&m, "");
	buf_put_bool(&m, first_kex_packet_follows);
	buf_put_u32(&m, 0);
	wire_put_plain_packet(out, &m);
	buf_free(&m);
}

uint8_t wire_last_plain_type(struct burrow_conn *conn)
{
	const uint8_t *out;
	size_t n = burrow_conn_output(conn, &out);
	const uint8_t *nl = memchr(out, '\n', n);
	assert_non_null(nl);
	size_t pos = (size_t)(nl - out) + 1, last_type_pos = 0;
	while (pos + 5 < n) {
		uint32_t plen = (uint32_t)out[pos] << 24 | (uint32_t)out[pos + 1] << 16 | (uint32_t)out[pos + 2] << 8 | out[pos + 3];
		last_type_pos = pos + 5;
		pos += 4 + plen;
	}
	assert_int_equal(pos, n);
	assert_true(last_type_pos > 0);
	return out[last_type_pos];
}
