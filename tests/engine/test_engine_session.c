/* Our client engine against our server engine over memory: a whole exec session per cipher. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "helper_pair.h"

static const char *const ciphers[] = {
	"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
};

static void run_exec_session(const char *cipher)
{
	struct pair p;
	pair_init(&p, cipher);
	p.server_stdout = (const uint8_t *)"hello\n";
	p.server_stdout_len = 6;
	p.server_stderr = (const uint8_t *)"oops\n";
	p.server_stderr_len = 5;
	p.server.exit_code = 42;
	buf_put(&p.client.to_send, "input", 5);
	p.client.eof_after_send = true;
	pair_run(&p, 1000);

	struct burrow_negotiated neg;
	assert_int_equal(burrow_conn_negotiated(p.client.conn, &neg), 0);
	assert_string_equal(neg.cipher_c2s, cipher);
	assert_string_equal(neg.kex, "curve25519-sha256");
	assert_true(neg.strict_kex);
	assert_true(p.client.auth_ok);
	assert_true(p.server.auth_ok);
	assert_true(p.client.request_ok);
	assert_int_equal(buf_len(&p.client.received[0]), 6 + 5);
	assert_memory_equal(buf_ptr(&p.client.received[0]), "hello\ninput", 11);
	assert_int_equal(buf_len(&p.client.received[1]), 5);
	assert_memory_equal(buf_ptr(&p.client.received[1]), "oops\n", 5);
	assert_true(p.client.got_exit);
	assert_int_equal(p.client.exit_status, 42);
	assert_true(p.client.got_eof);
	assert_true(p.client.closed);
	assert_true(p.server.closed);
	assert_false(p.client.disconnected);
	assert_false(p.server.disconnected);
	pair_free(&p);
}

static void test_exec_session_chacha20_poly1305(void **state) { (void)state; run_exec_session(ciphers[0]); }
static void test_exec_session_aes128_gcm(void **state) { (void)state; run_exec_session(ciphers[1]); }
static void test_exec_session_aes256_gcm(void **state) { (void)state; run_exec_session(ciphers[2]); }

/* 8 MiB each way through 2 MiB windows: flow control must hold data back, never drop it. */
static void test_bulk_echo_respects_windows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
		struct pair p;
		pair_init(&p, ciphers[i]);
		size_t n = 8u << 20;
		uint8_t *data = buf_extend(&p.client.to_send, n);
		assert_non_null(data);
		for (size_t j = 0; j < n; j++)
			data[j] = (uint8_t)(j * 2654435761u >> 13);
		p.client.eof_after_send = true;
		pair_run(&p, 100000);
		assert_int_equal(buf_len(&p.server.received[0]), n);
		assert_int_equal(buf_len(&p.client.received[0]), n);
		assert_memory_equal(buf_ptr(&p.client.received[0]), buf_ptr(&p.client.to_send), n);
		assert_true(p.client.got_exit);
		assert_int_equal(p.client.exit_status, 0);
		assert_true(p.client.closed);
		pair_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_session_chacha20_poly1305),
		cmocka_unit_test(test_exec_session_aes128_gcm),
		cmocka_unit_test(test_exec_session_aes256_gcm),
		cmocka_unit_test(test_bulk_echo_respects_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
