/*
 * Hostile and broken input to the engines. Every case must end in a clean DISCONNECT with the
 * right reason code, with no crash (the ASan build runs these too).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"
#include "helper_pair.h"
#include "helper_wire.h"
#include "kex.h"

/* A lone server engine fed raw bytes; returns the DISCONNECTED event's reason (0 if none). */
static uint32_t server_reason_after(const void *bytes, size_t len, bool then_eof)
{
	struct burrow_key *host_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host_key), 0);
	struct burrow_config cfg = { .role = BURROW_SERVER, .host_keys = &host_key, .host_key_count = 1 };
	struct burrow_conn *server;
	assert_int_equal(burrow_conn_new(&cfg, &server), 0);
	burrow_conn_feed(server, bytes, len);
	if (then_eof)
		burrow_conn_feed_eof(server);
	struct burrow_event ev;
	uint32_t reason = 0;
	int r;
	while ((r = burrow_conn_next_event(server, &ev)) > 0)
		if (ev.type == BURROW_EV_DISCONNECTED)
			reason = ev.reason;
	assert_true(r == 0 || r == BURROW_E_CLOSED);
	/* Whatever happened, a DISCONNECT (type 1) is the last packet we queued, in the clear. */
	if (reason && reason != BURROW_DISCONNECT_CONNECTION_LOST)
		assert_int_equal(wire_last_plain_type(server), SSH_MSG_DISCONNECT);
	burrow_conn_free(server);
	burrow_key_free(host_key);
	return reason;
}

static void test_garbage_version_line_is_a_protocol_error(void **state)
{
	(void)state;
	const char garbage[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(server_reason_after(garbage, strlen(garbage), false), BURROW_DISCONNECT_PROTOCOL_ERROR);
}

static void test_ssh1_version_is_refused(void **state)
{
	(void)state;
	const char v1[] = "SSH-1.5-OldClient\r\n";
	assert_int_equal(server_reason_after(v1, strlen(v1), false), BURROW_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED);
}

static void test_overlong_version_line_is_refused(void **state)
{
	(void)state;
	char line[600];
	memset(line, 'A', sizeof(line));
	memcpy(line, "SSH-2.0-", 8);
	assert_int_equal(server_reason_after(line, sizeof(line), false), BURROW_DISCONNECT_PROTOCOL_ERROR);
}

static void test_packet_length_over_limit_is_refused(void **state)
{
	(void)state;
	const uint8_t bytes[] = "SSH-2.0-x\r\n\x7f\xff\xff\xf0\x04";
	assert_int_equal(server_reason_after(bytes, sizeof(bytes) - 1, false), BURROW_DISCONNECT_PROTOCOL_ERROR);
}

static void test_packet_with_bad_padding_is_refused(void **state)
{
	(void)state;
	/* packet_length 12, padding_length 200: the padding cannot fit. */
	const uint8_t bytes[] = "SSH-2.0-x\r\n\x00\x00\x00\x0c\xc8\x14xxxxxxxxxx";
	assert_int_equal(server_reason_after(bytes, sizeof(bytes) - 1, false), BURROW_DISCONNECT_PROTOCOL_ERROR);
}

static void test_truncated_packet_then_eof_ends_quietly(void **state)
{
	(void)state;
	const uint8_t bytes[] = "SSH-2.0-x\r\n\x00\x00\x00\xfc\x05\x14"; /* 252 bytes promised, 2 sent */
	assert_int_equal(server_reason_after(bytes, sizeof(bytes) - 1, true), BURROW_DISCONNECT_CONNECTION_LOST);
}

static bool pair_ready(struct pair *p)
{
	return p->client.kex_done > 0 && p->server.kex_done > 0;
}

/* Runs the pair until both engines finished the first key exchange, without authenticating. */
static void run_to_kex_done(struct pair *p)
{
	for (int i = 0; i < 100 && !pair_ready(p); i++) {
		side_pump(p, &p->server);
		struct burrow_event ev;
		while (burrow_conn_next_event(p->client.conn, &ev) > 0) {
			if (ev.type == BURROW_EV_HOSTKEY)
				burrow_hostkey_verdict(p->client.conn, true);
			if (ev.type == BURROW_EV_KEX_DONE)
				p->client.kex_done++;
		}
		pair_transfer(p, &p->client, &p->server);
		pair_transfer(p, &p->server, &p->client);
	}
	assert_true(pair_ready(p));
}

static void inject_from_client(struct pair *p, uint8_t type, const char *payload_string)
{
	struct buf *b = transport_msg_begin(p->client.conn, type);
	if (payload_string)
		buf_put_cstring(b, payload_string);
	assert_int_equal(transport_msg_end(p->client.conn), 0);
	pair_transfer(p, &p->client, &p->server);
	side_pump(p, &p->server);
}

static void test_userauth_success_from_client_is_refused(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	run_to_kex_done(&p);
	inject_from_client(&p, SSH_MSG_USERAUTH_SUCCESS, NULL);
	assert_true(p.server.disconnected);
	assert_int_equal(p.server.disconnect_reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_false(p.server.auth_ok);
	pair_free(&p);
}

static void test_channel_open_before_auth_is_refused(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	run_to_kex_done(&p);
	inject_from_client(&p, SSH_MSG_CHANNEL_OPEN, "session");
	assert_true(p.server.disconnected);
	assert_int_equal(p.server.disconnect_reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	pair_free(&p);
}

static void test_userauth_request_before_service_is_refused(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	run_to_kex_done(&p);
	inject_from_client(&p, SSH_MSG_USERAUTH_REQUEST, "tester");
	assert_true(p.server.disconnected);
	assert_int_equal(p.server.disconnect_reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	pair_free(&p);
}

static void test_second_kexinit_during_exchange_is_refused(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	/* The client engine queued its KEXINIT at creation; a second one follows before any reply. */
	p.client.conn->kex.sent_kexinit = false;
	assert_int_equal(kex_send_kexinit(p.client.conn), 0);
	pair_run(&p, 50);
	assert_true(p.server.disconnected);
	assert_int_equal(p.server.disconnect_reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_true(p.client.disconnected);
	assert_true(p.client.by_peer);
	pair_free(&p);
}

static bool tamper_armed;

static void flip_first_encrypted_byte(struct pair *p, bool to_server, uint8_t *data, size_t len)
{
	(void)p;
	if (tamper_armed && to_server && len > 10) {
		data[len - 1] ^= 0x01; /* last byte: inside the tag */
		tamper_armed = false;
	}
}

static void test_flipped_tag_byte_is_a_mac_error(void **state)
{
	(void)state;
	const char *ciphers[] = { "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com" };
	for (int i = 0; i < 3; i++) {
		struct pair p;
		pair_init(&p, ciphers[i]);
		run_to_kex_done(&p);
		p.tamper = flip_first_encrypted_byte;
		tamper_armed = true;
		assert_int_equal(burrow_auth_none(p.client.conn, "tester"), 0);
		pair_run(&p, 50);
		assert_true(p.server.disconnected);
		assert_int_equal(p.server.disconnect_reason, BURROW_DISCONNECT_MAC_ERROR);
		assert_true(p.client.disconnected);
		pair_free(&p);
	}
}

/* Flips the last byte of the Ed25519 signature in the server's KEX_ECDH_REPLY (sent in the clear). */
static void corrupt_host_signature(struct pair *p, bool to_server, uint8_t *data, size_t len)
{
	(void)p;
	if (to_server || len < 6 || data[5] != SSH_MSG_KEX_ECDH_REPLY)
		return;
	struct rd r;
	rd_init(&r, data + 6, len - 6);
	rd_string(&r);         /* K_S */
	rd_string(&r);         /* Q_S */
	struct bstr sig = rd_string(&r);
	assert_true(rd_ok(&r));
	((uint8_t *)sig.p)[sig.len - 1] ^= 0x80;
}

static void test_bad_host_key_signature_is_refused_by_client(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	p.tamper = corrupt_host_signature;
	pair_run(&p, 50);
	assert_true(p.client.disconnected);
	assert_false(p.client.by_peer);
	assert_int_equal(p.client.disconnect_reason, BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	assert_non_null(strstr(p.client.disconnect_message, "signature"));
	assert_false(p.client.auth_ok);
	pair_free(&p);
}

static void test_rejected_host_key_stops_before_auth(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	p.client.accept = false;
	pair_run(&p, 50);
	assert_true(p.client.disconnected);
	assert_int_equal(p.client.disconnect_reason, BURROW_DISCONNECT_HOST_KEY_NOT_VERIFIABLE);
	assert_true(p.server.disconnected);
	assert_true(p.server.by_peer);
	assert_false(p.server.auth_ok);
	pair_free(&p);
}

static void test_unauthorized_key_fails_auth(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	p.server.accept = false;
	pair_run(&p, 50);
	assert_false(p.client.auth_ok);
	assert_false(p.server.auth_ok);
	assert_int_equal(p.client.auth_failures, 1);
	assert_int_equal(p.server.auth_failures, 1);
	assert_false(p.client.disconnected);
	pair_free(&p);
}

static void test_rekey_every_64k_keeps_data_intact(void **state)
{
	(void)state;
	struct pair p;
	pair_init_rekey(&p, "aes256-gcm@openssh.com", 65536);
	size_t n = 32u << 20;
	uint8_t *data = buf_extend(&p.client.to_send, n);
	for (size_t j = 0; j < n; j++)
		data[j] = (uint8_t)(j * 7 + (j >> 11));
	p.client.eof_after_send = true;
	pair_run(&p, 200000);
	assert_int_equal(buf_len(&p.client.received[0]), n);
	assert_memory_equal(buf_ptr(&p.client.received[0]), buf_ptr(&p.client.to_send), n);
	assert_true(p.client.kex_done > 500);
	assert_true(p.client.closed);
	assert_false(p.client.disconnected);
	pair_free(&p);
}

static void test_host_key_change_during_rekey_is_refused(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	run_to_kex_done(&p);
	/* The server engine reads its host keys through this pointer: swap in another key. */
	struct burrow_key *original = p.host_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &p.host_key), 0);
	assert_int_equal(kex_send_kexinit(p.server.conn), 0);
	pair_run(&p, 50);
	assert_true(p.client.disconnected);
	assert_int_equal(p.client.disconnect_reason, BURROW_DISCONNECT_HOST_KEY_NOT_VERIFIABLE);
	assert_non_null(strstr(p.client.disconnect_message, "changed during rekey"));
	burrow_key_free(original);
	pair_free(&p);
}

static void test_server_started_rekey_with_same_key_goes_on(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	run_to_kex_done(&p);
	assert_int_equal(kex_send_kexinit(p.server.conn), 0);
	assert_int_equal(burrow_auth_publickey(p.client.conn, "tester", p.user_key), 0);
	p.client.eof_after_send = true;
	pair_run(&p, 200);
	assert_false(p.client.disconnected);
	assert_int_equal(p.client.kex_done, 2);
	assert_true(p.client.auth_ok);
	assert_true(p.client.closed);
	pair_free(&p);
}

static void test_rekey_by_time_from_tick(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL);
	burrow_conn_free(p.client.conn);
	struct burrow_config ccfg = { .role = BURROW_CLIENT, .rekey_seconds = 60 };
	assert_int_equal(burrow_conn_new(&ccfg, &p.client.conn), 0);
	run_to_kex_done(&p);
	assert_int_equal(burrow_conn_tick(p.client.conn, 1000), 0);
	assert_int_equal(burrow_conn_tick(p.client.conn, 60999), 0);
	assert_false(p.client.conn->kex.in_progress);
	assert_int_equal(burrow_conn_tick(p.client.conn, 61000), 0);
	assert_true(p.client.conn->kex.in_progress);
	assert_int_equal(burrow_auth_publickey(p.client.conn, "tester", p.user_key), 0);
	p.client.eof_after_send = true;
	pair_run(&p, 200);
	assert_int_equal(p.client.kex_done, 2);
	assert_true(p.client.closed);
	assert_false(p.client.disconnected);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garbage_version_line_is_a_protocol_error),
		cmocka_unit_test(test_ssh1_version_is_refused),
		cmocka_unit_test(test_overlong_version_line_is_refused),
		cmocka_unit_test(test_packet_length_over_limit_is_refused),
		cmocka_unit_test(test_packet_with_bad_padding_is_refused),
		cmocka_unit_test(test_truncated_packet_then_eof_ends_quietly),
		cmocka_unit_test(test_userauth_success_from_client_is_refused),
		cmocka_unit_test(test_channel_open_before_auth_is_refused),
		cmocka_unit_test(test_userauth_request_before_service_is_refused),
		cmocka_unit_test(test_second_kexinit_during_exchange_is_refused),
		cmocka_unit_test(test_flipped_tag_byte_is_a_mac_error),
		cmocka_unit_test(test_bad_host_key_signature_is_refused_by_client),
		cmocka_unit_test(test_rejected_host_key_stops_before_auth),
		cmocka_unit_test(test_unauthorized_key_fails_auth),
		cmocka_unit_test(test_rekey_every_64k_keeps_data_intact),
		cmocka_unit_test(test_host_key_change_during_rekey_is_refused),
		cmocka_unit_test(test_server_started_rekey_with_same_key_goes_on),
		cmocka_unit_test(test_rekey_by_time_from_tick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
