/*
 * Transport details between our engines and against hand-made packets: first_kex_packet_follows,
 * IGNORE/DEBUG/UNIMPLEMENTED, unknown messages, strict KEX and EXT_INFO.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"
#include "helper_pair.h"
#include "helper_wire.h"

struct raw_server {
	struct burrow_key *host_key;
	struct burrow_conn *conn;
};

static void raw_server_new(struct raw_server *s)
{
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &s->host_key), 0);
	/* curve25519-sha256 first, so a client preferring it guesses right (RFC 4253 7). */
	struct burrow_config cfg = { .role = BURROW_SERVER, .host_keys = &s->host_key, .host_key_count = 1,
				     .kex_algorithms = "^curve25519-sha256" };
	assert_int_equal(burrow_conn_new(&cfg, &s->conn), 0);
}

static void raw_server_free(struct raw_server *s)
{
	burrow_conn_free(s->conn);
	burrow_key_free(s->host_key);
}

static void put_kexinit(struct buf *out, const char *kex_list, bool guess, const char *extra)
{
	char kex[256];
	snprintf(kex, sizeof(kex), "%s%s", kex_list, extra ? extra : "");
	wire_put_kexinit(out, kex, guess);
}

static void put_ecdh_init(struct buf *out, size_t key_len)
{
	uint8_t priv[32], pub[32];
	assert_int_equal(x25519_keygen(priv, pub), 0);
	struct buf m;
	buf_init(&m);
	buf_put_u8(&m, SSH_MSG_KEX_ECDH_INIT);
	buf_put_string(&m, pub, key_len);
	wire_put_plain_packet(out, &m);
	buf_free(&m);
}

/* Feeds `in` to a fresh server; returns true if it answered with KEX_ECDH_REPLY and stayed up. */
static bool server_replies_to(const struct buf *in, uint32_t *reason)
{
	struct raw_server s;
	raw_server_new(&s);
	burrow_conn_feed(s.conn, buf_ptr(in), buf_len(in));
	struct burrow_event ev;
	*reason = 0;
	while (burrow_conn_next_event(s.conn, &ev) > 0)
		if (ev.type == BURROW_EV_DISCONNECTED)
			*reason = ev.reason;
	/* Walk the server's plaintext packets looking for the reply. */
	const uint8_t *out;
	size_t n = burrow_conn_output(s.conn, &out);
	const uint8_t *nl = memchr(out, '\n', n);
	size_t pos = (size_t)(nl - out) + 1;
	bool replied = false;
	while (pos + 6 <= n) {
		uint32_t plen = (uint32_t)out[pos] << 24 | (uint32_t)out[pos + 1] << 16 | (uint32_t)out[pos + 2] << 8 | out[pos + 3];
		replied |= out[pos + 5] == SSH_MSG_KEX_ECDH_REPLY;
		if (out[pos + 5] == SSH_MSG_NEWKEYS)
			break; /* encrypted from here on */
		pos += 4 + plen;
	}
	raw_server_free(&s);
	return replied && *reason == 0;
}

static void test_wrong_guess_packet_is_ignored(void **state)
{
	(void)state;
	struct buf in;
	buf_init(&in);
	buf_put(&in, "SSH-2.0-test\r\n", 14);
	/* Our first choice (ecdh-sha2-nistp256) is not the server's: the guessed packet is dropped. */
	put_kexinit(&in, "ecdh-sha2-nistp256,curve25519-sha256", true, NULL);
	put_ecdh_init(&in, 7); /* garbage that would fail if it were read */
	put_ecdh_init(&in, 32);
	uint32_t reason;
	assert_true(server_replies_to(&in, &reason));
	buf_free(&in);
}

static void test_right_guess_packet_is_used(void **state)
{
	(void)state;
	struct buf in;
	buf_init(&in);
	buf_put(&in, "SSH-2.0-test\r\n", 14);
	put_kexinit(&in, "curve25519-sha256", true, NULL);
	put_ecdh_init(&in, 32);
	uint32_t reason;
	assert_true(server_replies_to(&in, &reason));
	buf_free(&in);
}

static void put_ignore(struct buf *out)
{
	struct buf m;
	buf_init(&m);
	buf_put_u8(&m, SSH_MSG_IGNORE);
	buf_put_cstring(&m, "padding");
	wire_put_plain_packet(out, &m);
	buf_free(&m);
}

static void test_ignore_before_kexinit_is_fine_without_strict_kex(void **state)
{
	(void)state;
	struct buf in;
	buf_init(&in);
	buf_put(&in, "SSH-2.0-test\r\n", 14);
	put_ignore(&in);
	put_kexinit(&in, "curve25519-sha256", false, NULL);
	put_ecdh_init(&in, 32);
	uint32_t reason;
	assert_true(server_replies_to(&in, &reason));
	buf_free(&in);
}

static void test_strict_kex_refuses_ignore_before_kexinit(void **state)
{
	(void)state;
	struct buf in;
	buf_init(&in);
	buf_put(&in, "SSH-2.0-test\r\n", 14);
	put_ignore(&in);
	put_kexinit(&in, "curve25519-sha256", false, ",kex-strict-c-v00@openssh.com");
	put_ecdh_init(&in, 32);
	uint32_t reason;
	assert_false(server_replies_to(&in, &reason));
	assert_int_equal(reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	buf_free(&in);
}

static void test_strict_kex_refuses_ignore_during_exchange(void **state)
{
	(void)state;
	struct buf in;
	buf_init(&in);
	buf_put(&in, "SSH-2.0-test\r\n", 14);
	put_kexinit(&in, "curve25519-sha256", false, ",kex-strict-c-v00@openssh.com");
	put_ignore(&in);
	put_ecdh_init(&in, 32);
	uint32_t reason;
	assert_false(server_replies_to(&in, &reason));
	assert_int_equal(reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	buf_free(&in);
}

static void test_invalid_curve25519_key_length_is_refused(void **state)
{
	(void)state;
	struct buf in;
	buf_init(&in);
	buf_put(&in, "SSH-2.0-test\r\n", 14);
	put_kexinit(&in, "curve25519-sha256", false, NULL);
	put_ecdh_init(&in, 31);
	uint32_t reason;
	assert_false(server_replies_to(&in, &reason));
	assert_int_equal(reason, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&in);
}

static void test_no_common_cipher_names_both_lists(void **state)
{
	(void)state;
	struct burrow_key *host_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host_key), 0);
	struct burrow_config scfg = { .role = BURROW_SERVER, .host_keys = &host_key, .host_key_count = 1,
				      .ciphers = "aes256-gcm@openssh.com" };
	struct burrow_config ccfg = { .role = BURROW_CLIENT, .ciphers = "chacha20-poly1305@openssh.com" };
	struct burrow_conn *server, *client;
	assert_int_equal(burrow_conn_new(&scfg, &server), 0);
	assert_int_equal(burrow_conn_new(&ccfg, &client), 0);
	const uint8_t *d;
	size_t n = burrow_conn_output(server, &d);
	burrow_conn_feed(client, d, n);
	struct burrow_event ev;
	uint32_t reason = 0;
	while (burrow_conn_next_event(client, &ev) > 0)
		if (ev.type == BURROW_EV_DISCONNECTED)
			reason = ev.reason;
	assert_int_equal(reason, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	const char *msg = burrow_conn_last_error(client);
	assert_non_null(strstr(msg, "no matching cipher found"));
	assert_non_null(strstr(msg, "aes256-gcm@openssh.com"));
	assert_non_null(strstr(msg, "chacha20-poly1305@openssh.com"));
	burrow_conn_free(server);
	burrow_conn_free(client);
	burrow_key_free(host_key);
}

static void test_ignore_debug_unimplemented_change_nothing(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	/* Let the first exchange finish, then slip chatter in before the session starts. */
	for (int i = 0; i < 20 && !(p.client.kex_done && p.server.kex_done); i++) {
		side_pump(&p, &p.server);
		if (!p.client.kex_done) {
			struct burrow_event ev;
			while (burrow_conn_next_event(p.client.conn, &ev) > 0) {
				if (ev.type == BURROW_EV_HOSTKEY)
					burrow_hostkey_verdict(p.client.conn, true);
				if (ev.type == BURROW_EV_KEX_DONE)
					p.client.kex_done++;
			}
		}
		pair_transfer(&p, &p.client, &p.server);
		pair_transfer(&p, &p.server, &p.client);
	}
	struct buf *b = transport_msg_begin(p.client.conn, SSH_MSG_IGNORE);
	buf_put_cstring(b, "x");
	transport_msg_end(p.client.conn);
	b = transport_msg_begin(p.client.conn, SSH_MSG_DEBUG);
	buf_put_bool(b, false);
	buf_put_cstring(b, "debug text");
	buf_put_cstring(b, "");
	transport_msg_end(p.client.conn);
	b = transport_msg_begin(p.client.conn, SSH_MSG_UNIMPLEMENTED);
	buf_put_u32(b, 3);
	transport_msg_end(p.client.conn);
	transport_msg_begin(p.client.conn, 200); /* a message number nobody defined */
	transport_msg_end(p.client.conn);
	pair_transfer(&p, &p.client, &p.server);
	side_pump(&p, &p.server);
	assert_false(p.server.disconnected);
	/* The server answers the unknown message (with UNIMPLEMENTED, which the client shrugs off). */
	const uint8_t *d;
	assert_true(burrow_conn_output(p.server.conn, &d) > 0);
	p.client.eof_after_send = true;
	assert_int_equal(burrow_auth_publickey(p.client.conn, "tester", p.user_key), 0);
	pair_run(&p, 1000);
	assert_true(p.client.auth_ok);
	assert_int_equal(p.client.exit_status, 0);
	assert_true(p.client.closed);
	assert_false(p.client.disconnected);
	assert_false(p.server.disconnected);
	/* EXT_INFO told the client which signature algorithms the server takes. */
	assert_true(p.client.conn->peer_sig_algs_known);
	assert_non_null(strstr(p.client.conn->peer_sig_algs, "ssh-ed25519"));
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_guess_packet_is_ignored),
		cmocka_unit_test(test_right_guess_packet_is_used),
		cmocka_unit_test(test_ignore_before_kexinit_is_fine_without_strict_kex),
		cmocka_unit_test(test_strict_kex_refuses_ignore_before_kexinit),
		cmocka_unit_test(test_strict_kex_refuses_ignore_during_exchange),
		cmocka_unit_test(test_invalid_curve25519_key_length_is_refused),
		cmocka_unit_test(test_no_common_cipher_names_both_lists),
		cmocka_unit_test(test_ignore_debug_unimplemented_change_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
