/* Compression between our engines: "zlib" from NEWKEYS, "zlib@openssh.com" from auth success. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"
#include "helper_pair.h"

/* The standard pair, with both engines remade to ask for `compression`. */
static void pair_init_compression(struct pair *p, const char *compression, uint64_t rekey_bytes)
{
	pair_init(p, NULL);
	burrow_conn_free(p->client.conn);
	burrow_conn_free(p->server.conn);
	struct burrow_config scfg = { .role = BURROW_SERVER, .host_keys = &p->host_key, .host_key_count = 1,
				      .compression = compression, .rekey_bytes = rekey_bytes };
	struct burrow_config ccfg = { .role = BURROW_CLIENT, .compression = compression, .rekey_bytes = rekey_bytes };
	assert_int_equal(burrow_conn_new(&scfg, &p->server.conn), 0);
	assert_int_equal(burrow_conn_new(&ccfg, &p->client.conn), 0);
}

static void run_compressed_echo(const char *compression, uint64_t rekey_bytes)
{
	struct pair p;
	pair_init_compression(&p, compression, rekey_bytes);
	size_t n = 3u << 20;
	uint8_t *data = buf_extend(&p.client.to_send, n);
	/* Compressible but not trivial: text-like runs with a changing counter. */
	for (size_t j = 0; j < n; j++)
		data[j] = (uint8_t)("the quick brown fox "[j % 20] + (j / 4096) % 3);
	p.client.eof_after_send = true;
	pair_run(&p, 100000);
	assert_false(p.client.disconnected);
	assert_int_equal(buf_len(&p.client.received[0]), n);
	assert_memory_equal(buf_ptr(&p.client.received[0]), data, n);
	assert_true(p.client.closed);
	assert_string_equal(p.client.conn->kex.chosen[KEX_CAT_COMP_C2S], compression);
	/* Compression really happened: far fewer bytes crossed than were echoed. */
	assert_true(p.bytes_to_server < n / 4);
	assert_true(p.bytes_to_client < n / 4);
	pair_free(&p);
}

static void test_zlib_openssh_com_compresses_after_auth(void **state)
{
	(void)state;
	run_compressed_echo("zlib@openssh.com", 0);
}

static void test_zlib_compresses_from_newkeys(void **state)
{
	(void)state;
	run_compressed_echo("zlib", 0);
}

static void test_compression_survives_rekeys(void **state)
{
	(void)state;
	run_compressed_echo("zlib@openssh.com", 32768);
}

/* An IGNORE of ~1 MiB of zeros: a few hundred bytes on the wire, far past the inflate limit. */
static void send_zlib_bomb(struct pair *p)
{
	static uint8_t zeros[1 << 20];
	struct burrow_conn *c = p->client.conn;
	struct buf *b = transport_msg_begin(c, SSH_MSG_IGNORE);
	buf_put_string(b, zeros, sizeof(zeros) - 64);
	assert_int_equal(transport_msg_end(c), 0);
}

static void test_inflating_past_the_limit_is_a_compression_error(void **state)
{
	(void)state;
	struct pair p;
	pair_init_compression(&p, "zlib", 0);
	/* Run to the point where both sides compress, then send an oversized payload. */
	for (int i = 0; i < 40 && !p.client.auth_ok; i++)
		pair_run(&p, 1);
	send_zlib_bomb(&p);
	pair_run(&p, 100);
	assert_true(p.server.disconnected);
	assert_int_equal(p.server.disconnect_reason, BURROW_DISCONNECT_COMPRESSION_ERROR);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zlib_openssh_com_compresses_after_auth),
		cmocka_unit_test(test_zlib_compresses_from_newkeys),
		cmocka_unit_test(test_compression_survives_rekeys),
		cmocka_unit_test(test_inflating_past_the_limit_is_a_compression_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
