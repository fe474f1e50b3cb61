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
	"aes128-ctr", "aes256-ctr",
};

static void run_exec_session_macs(const char *cipher, const char *mac)
{
	struct pair p;
	pair_init_algos(&p, cipher, mac, 0);
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
	assert_string_equal(neg.mac_s2c, mac ? mac : "<implicit>");
	/* The first method of the default lists (the server's is the client's, hardened). */
	const char *kex_default = burrow_algorithms_default(BURROW_SERVER, BURROW_ALGO_KEX);
	size_t kex_len = strlen(neg.kex);
	assert_int_equal(strncmp(neg.kex, kex_default, kex_len), 0);
	assert_true(kex_default[kex_len] == ',' || kex_default[kex_len] == 0);
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

static void run_exec_session(const char *cipher)
{
	run_exec_session_macs(cipher, NULL);
}

static const char *const macs[] = {
	"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com",
	"hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
};

/* Every CTR cipher with every MAC, encrypt-then-MAC and encrypt-and-MAC. */
static void test_exec_session_ctr_with_each_mac(void **state)
{
	(void)state;
	const char *ctr[] = { "aes128-ctr", "aes192-ctr", "aes256-ctr" };
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < sizeof(macs) / sizeof(macs[0]); j++)
			run_exec_session_macs(ctr[i], macs[j]);
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
		/* The CTR entries run with encrypt-and-MAC, the slower framing. */
		pair_init_algos(&p, ciphers[i], "hmac-sha2-256", 0);
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
		cmocka_unit_test(test_exec_session_ctr_with_each_mac),
		cmocka_unit_test(test_bulk_echo_respects_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
