/*
 * Moving a server connection to another process (conn_export.c): a client and a server
 * authenticate, the server connection is exported, freed, imported into a new object, and the
 * connection goes on as if nothing happened: a session, 1 MiB each way, rekeys by bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"
#include "helper_pair.h"

#define MIB (1024u * 1024)
#define PAIR_USER "tester" /* helper_pair.c's TEST_USER */

/* What the monitor knows itself: the user it authenticated (and nothing pinned). */
static const struct burrow_import_expect expect_user = { .expected_user = PAIR_USER };

struct export_setup {
	const char *ciphers, *macs, *compression;
	uint64_t rekey_bytes;
};

static struct burrow_config server_config(struct pair *p, const struct export_setup *s)
{
	struct burrow_config cfg = { .role = BURROW_SERVER, .ciphers = s->ciphers, .macs = s->macs,
				     .compression = s->compression, .rekey_bytes = s->rekey_bytes,
				     .host_keys = &p->host_key, .host_key_count = 1 };
	return cfg;
}

static void pair_init_setup(struct pair *p, const struct export_setup *s)
{
	struct burrow_key *host_key, *user_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host_key), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &user_key), 0);
	struct burrow_config cfg = { .ciphers = s->ciphers, .macs = s->macs, .compression = s->compression,
				     .rekey_bytes = s->rekey_bytes };
	pair_init_keys(p, host_key, user_key, cfg, cfg);
}

/* The server's program before authentication: accepts the user's key, stops at AUTH_SUCCESS
 * (or at `stop`, unanswered) so that nothing after it is read. */
static bool server_pump_until(struct pair *p, enum burrow_event_type stop)
{
	struct burrow_event ev;
	while (!p->server.auth_ok && burrow_conn_next_event(p->server.conn, &ev) > 0) {
		if (ev.type == stop) {
			p->server.auth_ok = ev.type == BURROW_EV_AUTH_SUCCESS;
			return true;
		}
		switch (ev.type) {
		case BURROW_EV_KEX_DONE:
			p->server.kex_done++;
			break;
		case BURROW_EV_AUTH_PUBKEY:
			assert_int_equal(burrow_auth_verdict(p->server.conn, true), 0);
			break;
		case BURROW_EV_AUTH_SUCCESS:
			p->server.auth_ok = true;
			break;
		default:
			fail_msg("unexpected event %d before authentication", ev.type);
		}
	}
	return false;
}

static void transfer_all(struct pair *p, struct side *from, struct side *to)
{
	while (pair_transfer(p, from, to) > 0)
		;
}

/* Runs until the server program has `stop` in hand (AUTH_SUCCESS: authenticated). */
static void run_server_until(struct pair *p, enum burrow_event_type stop)
{
	for (int round = 0; round < 100; round++) {
		side_pump(p, &p->client);
		if (server_pump_until(p, stop))
			return;
		transfer_all(p, &p->client, &p->server);
		transfer_all(p, &p->server, &p->client);
	}
	fail_msg("the server never got event %d", stop);
}

/* Authenticated, and flushed: USERAUTH_SUCCESS reached the client, which opened its session at
 * once, and that CHANNEL_OPEN already sits unread in the server's input. */
static void run_until_authenticated(struct pair *p)
{
	run_server_until(p, BURROW_EV_AUTH_SUCCESS);
	assert_true(p->server.auth_ok);
	transfer_all(p, &p->server, &p->client);
	side_pump(p, &p->client);
	assert_true(p->client.auth_ok);
	transfer_all(p, &p->client, &p->server);
}

static int move_server(struct pair *p, const struct burrow_config *cfg)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int err = burrow_conn_export(p->server.conn, &blob, &len);
	if (err < 0)
		return err;
	/* The monitor pins the exchange hash it signed: here, the one the old conn holds. */
	uint8_t sid[sizeof(p->server.conn->session_id)];
	size_t sid_len = p->server.conn->session_id_len;
	memcpy(sid, p->server.conn->session_id, sid_len);
	struct burrow_import_expect expect = { PAIR_USER, sid, sid_len };
	burrow_conn_free(p->server.conn);
	p->server.conn = NULL;
	err = burrow_conn_import(cfg, &expect, blob, len, &p->server.conn);
	burrow_conn_export_free(blob, len);
	return err;
}

static void fill_random(struct buf *b, size_t n)
{
	uint8_t *p = buf_extend(b, n);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rand() >> 7);
}

/* The client sends `n` bytes, the server echoes them, exits 0; nobody notices anything. */
static void continue_with_session(struct pair *p, size_t n)
{
	fill_random(&p->client.to_send, n);
	p->client.eof_after_send = true;
	pair_run(p, 100000);
	if (p->client.disconnected)
		print_message("client: %s\n", p->client.disconnect_message);
	assert_false(p->client.disconnected);
	assert_false(p->server.disconnected);
	assert_true(p->client.open_confirmed);
	assert_true(p->client.request_ok);
	assert_int_equal(buf_len(&p->server.received[0]), n);
	assert_memory_equal(buf_ptr(&p->server.received[0]), buf_ptr(&p->client.to_send), n);
	assert_int_equal(buf_len(&p->client.received[0]), n);
	assert_memory_equal(buf_ptr(&p->client.received[0]), buf_ptr(&p->client.to_send), n);
	assert_true(p->client.got_exit);
	assert_int_equal(p->client.exit_status, 0);
}

static void negotiated_equal(struct burrow_conn *a, struct burrow_conn *b)
{
	struct burrow_negotiated na, nb;
	assert_int_equal(burrow_conn_negotiated(a, &na), 0);
	assert_int_equal(burrow_conn_negotiated(b, &nb), 0);
	assert_string_equal(na.kex, nb.kex);
	assert_string_equal(na.cipher_c2s, nb.cipher_c2s);
	assert_string_equal(na.cipher_s2c, nb.cipher_s2c);
	assert_string_equal(na.mac_c2s, nb.mac_c2s);
	assert_string_equal(na.mac_s2c, nb.mac_s2c);
	assert_string_equal(na.comp_c2s, nb.comp_c2s);
	assert_int_equal(na.strict_kex, nb.strict_kex);
}

/* The whole story for one algorithm setup: 1 MiB each way over a 256 KiB rekey limit is at
 * least three rekeys after the move (both directions count). */
static void export_and_continue(const char *ciphers, const char *macs, const char *compression)
{
	struct export_setup s = { ciphers, macs, compression, 256 * 1024 };
	struct pair p;
	pair_init_setup(&p, &s);
	run_until_authenticated(&p);
	struct burrow_config cfg = server_config(&p, &s);
	assert_int_equal(move_server(&p, &cfg), 0);
	negotiated_equal(p.client.conn, p.server.conn);
	int kex_before = p.client.kex_done;
	continue_with_session(&p, MIB);
	assert_true(p.client.kex_done >= kex_before + 3);
	pair_free(&p);
}

static void test_export_continues_chacha20_poly1305(void **state)
{
	(void)state;
	export_and_continue("chacha20-poly1305@openssh.com", NULL, NULL);
}

static void test_export_continues_aes128_gcm(void **state)
{
	(void)state;
	export_and_continue("aes128-gcm@openssh.com", NULL, NULL);
}

static void test_export_continues_aes256_gcm(void **state)
{
	(void)state;
	export_and_continue("aes256-gcm@openssh.com", NULL, NULL);
}

static const char *const every_mac[] = {
	"hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
	"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com",
};

static void export_ctr_with_every_mac(const char *cipher)
{
	for (size_t i = 0; i < sizeof(every_mac) / sizeof(every_mac[0]); i++)
		export_and_continue(cipher, every_mac[i], NULL);
}

static void test_export_continues_aes128_ctr_every_mac(void **state)
{
	(void)state;
	export_ctr_with_every_mac("aes128-ctr");
}

static void test_export_continues_aes192_ctr_every_mac(void **state)
{
	(void)state;
	export_ctr_with_every_mac("aes192-ctr");
}

static void test_export_continues_aes256_ctr_every_mac(void **state)
{
	(void)state;
	export_ctr_with_every_mac("aes256-ctr");
}

/* zlib@openssh.com starts after authentication: both zlib streams start in the importer. */
static void test_export_continues_with_delayed_compression(void **state)
{
	(void)state;
	export_and_continue("chacha20-poly1305@openssh.com", NULL, "zlib@openssh.com");
	export_and_continue("aes128-ctr", "hmac-sha2-256", "zlib@openssh.com");
	export_and_continue("aes256-gcm@openssh.com", NULL, "zlib@openssh.com");
}

/* ---- refusals ---- */

/* Export must fail with `want` and hand out nothing. */
static void assert_export_refused(struct burrow_conn *conn, int want)
{
	uint8_t *blob = (uint8_t *)conn;
	size_t len = 1;
	assert_int_equal(burrow_conn_export(conn, &blob, &len), want);
	assert_null(blob);
	assert_int_equal(len, 0);
}

static void test_export_refuses_a_client(void **state)
{
	(void)state;
	struct export_setup s = { 0 };
	struct pair p;
	pair_init_setup(&p, &s);
	run_until_authenticated(&p);
	assert_export_refused(p.client.conn, BURROW_E_STATE);
	pair_free(&p);
}

static void test_export_refuses_before_authentication(void **state)
{
	(void)state;
	struct export_setup s = { 0 };
	struct pair p;
	pair_init_setup(&p, &s);
	assert_export_refused(p.server.conn, BURROW_E_STATE);
	/* A verdict pending: the question is out. */
	run_server_until(&p, BURROW_EV_AUTH_PUBKEY);
	transfer_all(&p, &p.server, &p.client);
	assert_int_equal(p.server.conn->question, Q_AUTH);
	assert_export_refused(p.server.conn, BURROW_E_STATE);
	pair_free(&p);
}

static void test_export_refuses_unflushed_output(void **state)
{
	(void)state;
	struct export_setup s = { 0 };
	struct pair p;
	pair_init_setup(&p, &s);
	run_server_until(&p, BURROW_EV_AUTH_SUCCESS);
	uint8_t *blob = NULL;
	size_t len = 0;
	const uint8_t *out;
	assert_true(burrow_conn_output(p.server.conn, &out) > 0); /* USERAUTH_SUCCESS */
	assert_int_equal(burrow_conn_export(p.server.conn, &blob, &len), BURROW_E_STATE);
	transfer_all(&p, &p.server, &p.client);
	assert_int_equal(burrow_conn_export(p.server.conn, &blob, &len), 0);
	burrow_conn_export_free(blob, len);
	pair_free(&p);
}

static void test_export_refuses_an_open_channel(void **state)
{
	(void)state;
	struct export_setup s = { 0 };
	struct pair p;
	pair_init_setup(&p, &s);
	run_until_authenticated(&p);
	struct burrow_event ev;
	assert_int_equal(burrow_conn_next_event(p.server.conn, &ev), 1);
	assert_int_equal(ev.type, BURROW_EV_CHANNEL_OPEN);
	transfer_all(&p, &p.server, &p.client); /* the host key announcement */
	assert_export_refused(p.server.conn, BURROW_E_STATE); /* question */
	assert_int_equal(burrow_chan_open_verdict(p.server.conn, ev.channel, true, 0, NULL), 0);
	transfer_all(&p, &p.server, &p.client);
	assert_export_refused(p.server.conn, BURROW_E_STATE); /* open channel */
	pair_free(&p);
}

static void test_export_refuses_during_key_exchange(void **state)
{
	(void)state;
	struct export_setup s = { 0 };
	struct pair p;
	pair_init_setup(&p, &s);
	run_until_authenticated(&p);
	assert_int_equal(kex_send_kexinit(p.server.conn), 0);
	transfer_all(&p, &p.server, &p.client);
	assert_export_refused(p.server.conn, BURROW_E_STATE);
	pair_free(&p);
}

static void test_export_refuses_plain_zlib(void **state)
{
	(void)state;
	struct export_setup s = { .compression = "zlib" };
	struct pair p;
	pair_init_setup(&p, &s);
	run_until_authenticated(&p);
	assert_export_refused(p.server.conn, BURROW_E_UNSUPPORTED);
	pair_free(&p);
}

/* Once a compressed packet has gone, the zlib stream has a history the importer cannot have. */
static void test_export_refuses_after_compressed_traffic(void **state)
{
	(void)state;
	struct export_setup s = { .compression = "zlib@openssh.com" };
	struct pair p;
	pair_init_setup(&p, &s);
	run_until_authenticated(&p);
	struct burrow_event ev;
	assert_int_equal(burrow_conn_next_event(p.server.conn, &ev), 1); /* sends hostkeys-00, reads on */
	assert_int_equal(burrow_chan_open_verdict(p.server.conn, ev.channel, false, BURROW_OPEN_ADMINISTRATIVELY_PROHIBITED, ""), 0);
	transfer_all(&p, &p.server, &p.client);
	assert_export_refused(p.server.conn, BURROW_E_STATE);
	pair_free(&p);
}

static void test_import_refuses_wrong_arguments(void **state)
{
	(void)state;
	struct burrow_conn *c = NULL;
	struct burrow_config client = { .role = BURROW_CLIENT };
	uint8_t byte = 0;
	assert_int_equal(burrow_conn_import(&client, &expect_user, &byte, 1, &c), BURROW_E_INVALID);
	assert_null(c);
	assert_int_equal(burrow_conn_import(NULL, &expect_user, &byte, 1, &c), BURROW_E_INVALID);
	struct burrow_config server = { .role = BURROW_SERVER };
	assert_int_equal(burrow_conn_import(&server, NULL, &byte, 1, &c), BURROW_E_INVALID);
	struct burrow_import_expect no_user = { 0 };
	assert_int_equal(burrow_conn_import(&server, &no_user, &byte, 1, &c), BURROW_E_INVALID);
	assert_null(c);
}

/* ---- the monitor does not believe the child ---- */

/* Exports an authenticated server connection; the caller frees the blob and the pair. */
static void export_authenticated(struct pair *p, const struct export_setup *s, uint8_t **blob, size_t *len)
{
	pair_init_setup(p, s);
	run_until_authenticated(p);
	assert_int_equal(burrow_conn_export(p->server.conn, blob, len), 0);
}

static void test_import_refuses_another_user(void **state)
{
	(void)state;
	struct export_setup s = { 0 };
	struct pair p;
	uint8_t *blob = NULL;
	size_t len = 0;
	export_authenticated(&p, &s, &blob, &len);
	struct burrow_config cfg = server_config(&p, &s);
	struct burrow_import_expect root = { .expected_user = "root" };
	struct burrow_conn *c = NULL;
	assert_int_equal(burrow_conn_import(&cfg, &root, blob, len, &c), BURROW_E_NOMATCH);
	assert_null(c);
	struct burrow_import_expect prefix = { .expected_user = "test" };
	assert_int_equal(burrow_conn_import(&cfg, &prefix, blob, len, &c), BURROW_E_NOMATCH);
	assert_int_equal(burrow_conn_import(&cfg, &expect_user, blob, len, &c), 0);
	burrow_conn_free(c);
	burrow_conn_export_free(blob, len);
	pair_free(&p);
}

static void test_import_refuses_another_session_id(void **state)
{
	(void)state;
	struct export_setup s = { 0 };
	struct pair p;
	uint8_t *blob = NULL;
	size_t len = 0;
	export_authenticated(&p, &s, &blob, &len);
	struct burrow_config cfg = server_config(&p, &s);
	uint8_t sid[sizeof(p.server.conn->session_id)];
	size_t sid_len = p.server.conn->session_id_len;
	memcpy(sid, p.server.conn->session_id, sid_len);
	sid[0] ^= 1;
	struct burrow_import_expect wrong = { PAIR_USER, sid, sid_len };
	struct burrow_conn *c = NULL;
	assert_int_equal(burrow_conn_import(&cfg, &wrong, blob, len, &c), BURROW_E_NOMATCH);
	assert_null(c);
	sid[0] ^= 1;
	struct burrow_import_expect shorter = { PAIR_USER, sid, sid_len - 1 };
	assert_int_equal(burrow_conn_import(&cfg, &shorter, blob, len, &c), BURROW_E_NOMATCH);
	assert_null(c);
	struct burrow_import_expect right = { PAIR_USER, sid, sid_len };
	assert_int_equal(burrow_conn_import(&cfg, &right, blob, len, &c), 0);
	burrow_conn_free(c);
	burrow_conn_export_free(blob, len);
	pair_free(&p);
}

/* The child negotiated what its (identical) cfg allowed; a monitor whose cfg no longer allows
 * it, as one whose child lied about it, refuses. One category at a time. */
static void test_import_refuses_an_algorithm_cfg_disallows(void **state)
{
	(void)state;
	struct export_setup s = { "aes128-ctr", "hmac-sha2-256", "zlib@openssh.com", 0 };
	struct pair p;
	uint8_t *blob = NULL;
	size_t len = 0;
	export_authenticated(&p, &s, &blob, &len);
	const struct kex_state *k = &p.server.conn->kex;
	char kex_off[80];
	snprintf(kex_off, sizeof(kex_off), "-%s", k->chosen[KEX_CAT_KEX]);
	assert_string_equal(k->chosen[KEX_CAT_HOSTKEY], "ssh-ed25519");
	/* The monitor also holds an ECDSA key, and its cfg offers only that one's algorithm. */
	struct burrow_key *both[2] = { p.host_key, NULL };
	assert_int_equal(burrow_key_generate(BURROW_KEY_ECDSA, 256, &both[1]), 0);
	struct burrow_conn *c = NULL;
	for (int i = 0; i < 5; i++) {
		struct burrow_config cfg = server_config(&p, &s);
		switch (i) {
		case 0: cfg.kex_algorithms = kex_off; break;
		case 1:
			cfg.host_keys = both;
			cfg.host_key_count = 2;
			cfg.hostkey_algorithms = "ecdsa-sha2-nistp256";
			break;
		case 2: cfg.ciphers = "aes256-ctr"; break;
		case 3: cfg.macs = "hmac-sha2-512"; break;
		case 4: cfg.compression = "none"; break;
		}
		int err = burrow_conn_import(&cfg, &expect_user, blob, len, &c);
		if (err != BURROW_E_NOMATCH)
			fail_msg("category %d: import gave %d", i, err);
		assert_null(c);
	}
	burrow_key_free(both[1]);
	struct burrow_config cfg = server_config(&p, &s);
	assert_int_equal(burrow_conn_import(&cfg, &expect_user, blob, len, &c), 0);
	burrow_conn_free(c);
	burrow_conn_export_free(blob, len);
	pair_free(&p);
}

/* The rekey byte/packet counts and the last exchange time are the child's word: they restart. */
static void test_import_resets_rekey_counters(void **state)
{
	(void)state;
	struct export_setup s = { .rekey_bytes = 64 * 1024 };
	struct pair p;
	pair_init_setup(&p, &s);
	run_until_authenticated(&p);
	assert_int_equal(burrow_conn_tick(p.server.conn, 6000), 0);
	assert_true(p.server.conn->send.bytes > 0 && p.server.conn->recv.bytes > 0);
	assert_true(p.server.conn->send.packets > 0 && p.server.conn->recv.packets > 0);
	/* A lying child would claim zero; a truthful one is reset all the same. Make the exported
	 * values distinctive so that a copied value would show. */
	p.server.conn->send.bytes = p.server.conn->recv.bytes = 60 * 1024;
	p.server.conn->send.packets = p.server.conn->recv.packets = 12345;
	p.server.conn->last_kex_ms = 4000;
	struct burrow_config cfg = server_config(&p, &s);
	assert_int_equal(move_server(&p, &cfg), 0);
	assert_int_equal(p.server.conn->send.bytes, 0);
	assert_int_equal(p.server.conn->recv.bytes, 0);
	assert_int_equal(p.server.conn->send.packets, 0);
	assert_int_equal(p.server.conn->recv.packets, 0);
	assert_int_equal(p.server.conn->last_kex_ms, 0);
	assert_int_equal(p.server.conn->now_ms, 0);
	continue_with_session(&p, 256 * 1024);
	pair_free(&p);
}

/* ---- what travels ---- */

static void test_pipelined_channel_open_is_read_after_import(void **state)
{
	(void)state;
	struct export_setup s = { 0 };
	struct pair p;
	pair_init_setup(&p, &s);
	run_until_authenticated(&p);
	struct burrow_conn *old = p.server.conn;
	assert_true(buf_len(&old->in) > old->in_hold); /* CHANNEL_OPEN, unread */
	struct burrow_config cfg = server_config(&p, &s);
	assert_int_equal(move_server(&p, &cfg), 0);
	struct burrow_event ev;
	assert_int_equal(burrow_conn_next_event(p.server.conn, &ev), 1);
	assert_int_equal(ev.type, BURROW_EV_CHANNEL_OPEN);
	assert_string_equal(ev.name, "session");
	p.server.channel = ev.channel;
	assert_int_equal(burrow_chan_open_verdict(p.server.conn, ev.channel, true, 0, NULL), 0);
	continue_with_session(&p, 1000);
	pair_free(&p);
}

/* Encrypt-and-MAC AES-CTR: a peeked packet length has used keystream; the peek moves along. */
static void test_half_received_packet_moves_with_aes_ctr(void **state)
{
	(void)state;
	struct export_setup s = { "aes128-ctr", "hmac-sha2-256", NULL, 0 };
	struct pair p;
	pair_init_setup(&p, &s);
	run_server_until(&p, BURROW_EV_AUTH_SUCCESS);
	transfer_all(&p, &p.server, &p.client);
	side_pump(&p, &p.client); /* opens the session */
	const uint8_t *out;
	size_t n = burrow_conn_output(p.client.conn, &out);
	assert_true(n > 20);
	assert_int_equal(burrow_conn_feed(p.server.conn, out, 20), 0);
	burrow_conn_output_consume(p.client.conn, 20);
	struct burrow_event ev;
	assert_int_equal(burrow_conn_next_event(p.server.conn, &ev), 0); /* peeks, needs more */
	assert_true(p.server.conn->in_packet_len > 0);
	transfer_all(&p, &p.server, &p.client); /* hostkeys-00 */
	struct burrow_config cfg = server_config(&p, &s);
	assert_int_equal(move_server(&p, &cfg), 0);
	assert_true(p.server.conn->in_packet_len > 0);
	continue_with_session(&p, 5000);
	pair_free(&p);
}

static void test_strict_kex_sequence_numbers_survive(void **state)
{
	(void)state;
	struct export_setup s = { .rekey_bytes = 64 * 1024 };
	struct pair p;
	pair_init_setup(&p, &s);
	run_until_authenticated(&p);
	uint32_t send_seq = p.server.conn->send.seq, recv_seq = p.server.conn->recv.seq;
	assert_true(p.server.conn->kex.strict);
	struct burrow_config cfg = server_config(&p, &s);
	assert_int_equal(move_server(&p, &cfg), 0);
	assert_true(p.server.conn->kex.strict);
	assert_int_equal(p.server.conn->send.seq, send_seq);
	assert_int_equal(p.server.conn->recv.seq, recv_seq);
	assert_int_equal(p.client.conn->recv.seq, send_seq);
	continue_with_session(&p, 256 * 1024);
	/* Strict KEX restarted the numbers at each NEWKEYS on both sides alike. */
	assert_true(p.client.kex_done >= 3);
	assert_int_equal(p.client.conn->send.seq, p.server.conn->recv.seq);
	assert_int_equal(p.client.conn->recv.seq, p.server.conn->send.seq);
	pair_free(&p);
}

/* The monitor must hold the host key the connection was keyed with. */
static void test_import_needs_the_host_key(void **state)
{
	(void)state;
	struct export_setup s = { 0 };
	struct pair p;
	uint8_t *blob = NULL;
	size_t len = 0;
	export_authenticated(&p, &s, &blob, &len);
	struct burrow_key *other = NULL;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &other), 0);
	struct burrow_config cfg = { .role = BURROW_SERVER, .host_keys = &other, .host_key_count = 1 };
	struct burrow_conn *c = NULL;
	assert_int_equal(burrow_conn_import(&cfg, &expect_user, blob, len, &c), BURROW_E_NOTFOUND);
	assert_null(c);
	burrow_key_free(other);
	burrow_conn_export_free(blob, len);
	pair_free(&p);
}

/* ---- hostile blobs ---- */

static void test_truncated_blob_fails_at_every_length(void **state)
{
	(void)state;
	struct export_setup s = { "aes256-ctr", "hmac-sha2-512", NULL, 0 };
	struct pair p;
	uint8_t *blob = NULL;
	size_t len = 0;
	export_authenticated(&p, &s, &blob, &len);
	struct burrow_config cfg = server_config(&p, &s);
	for (size_t cut = 0; cut < len; cut++) {
		struct burrow_conn *c = (struct burrow_conn *)&cut;
		uint8_t *copy = malloc(cut ? cut : 1); /* exactly `cut` bytes, so ASan sees any overread */
		assert_non_null(copy);
		memcpy(copy, blob, cut);
		assert_true(burrow_conn_import(&cfg, &expect_user, copy, cut, &c) < 0);
		assert_null(c);
		free(copy);
	}
	/* A byte too many is as wrong as one too few. */
	uint8_t *longer = malloc(len + 1);
	assert_non_null(longer);
	memcpy(longer, blob, len);
	longer[len] = 0;
	struct burrow_conn *c = NULL;
	assert_int_equal(burrow_conn_import(&cfg, &expect_user, longer, len + 1, &c), BURROW_E_PARSE);
	assert_null(c);
	free(longer);
	assert_int_equal(burrow_conn_import(&cfg, &expect_user, blob, len, &c), 0);
	burrow_conn_free(c);
	burrow_conn_export_free(blob, len);
	pair_free(&p);
}

struct flip_outcome {
	int refused, completed, ended, mac_errors, stalled;
};

/* One connection, exported, one bit flipped, imported (or not), continued. */
static void flip_one(const struct export_setup *s, size_t index, unsigned bit, struct flip_outcome *o)
{
	struct pair p;
	uint8_t *blob = NULL;
	size_t len = 0;
	export_authenticated(&p, s, &blob, &len);
	burrow_conn_free(p.server.conn);
	p.server.conn = NULL;
	blob[index % len] ^= (uint8_t)(1u << bit);
	struct burrow_config cfg = server_config(&p, s);
	int err = burrow_conn_import(&cfg, &expect_user, blob, len, &p.server.conn);
	burrow_conn_export_free(blob, len);
	if (err < 0) {
		assert_null(p.server.conn);
		o->refused++;
		pair_free(&p);
		return;
	}
	fill_random(&p.client.to_send, 3000);
	p.client.eof_after_send = true;
	pair_run(&p, 5000);
	bool done = p.client.got_exit && buf_len(&p.client.received[0]) == 3000 &&
		    memcmp(buf_ptr(&p.client.received[0]), buf_ptr(&p.client.to_send), 3000) == 0;
	if (p.client.disconnected || p.server.disconnected)
		o->ended++;
	else if (done)
		o->completed++;
	else
		o->stalled++; /* e.g. a flipped length of the pending input now asks for more bytes */
	if ((p.server.disconnected && p.server.disconnect_reason == BURROW_DISCONNECT_MAC_ERROR) ||
	    (p.client.disconnected && p.client.disconnect_reason == BURROW_DISCONNECT_MAC_ERROR))
		o->mac_errors++;
	pair_free(&p);
}

/* Every byte of the blob once (a different bit each time): refused at import, or the
 * connection ends (a flipped key: MAC error) or carries on; never a crash, never a leak. */
static void flip_every_byte(const struct export_setup *s)
{
	struct pair p;
	pair_init_setup(&p, s);
	run_until_authenticated(&p);
	uint8_t *blob = NULL;
	size_t len = 0;
	assert_int_equal(burrow_conn_export(p.server.conn, &blob, &len), 0);
	burrow_conn_export_free(blob, len);
	pair_free(&p);

	struct flip_outcome o = { 0 };
	for (size_t i = 0; i < len; i++)
		flip_one(s, i, (unsigned)(i % 8), &o);
	print_message("%zu flips: %d refused, %d ended (%d MAC errors), %d carried on, %d stalled\n", len,
		      o.refused, o.ended, o.mac_errors, o.completed, o.stalled);
	assert_int_equal(o.refused + o.ended + o.completed + o.stalled, (int)len);
	assert_true(o.refused > 0);
	assert_true(o.mac_errors > 0);
}

static void test_bit_flips_fail_cleanly_chacha20_poly1305(void **state)
{
	(void)state;
	struct export_setup s = { "chacha20-poly1305@openssh.com", NULL, NULL, 0 };
	flip_every_byte(&s);
}

static void test_bit_flips_fail_cleanly_aes_ctr(void **state)
{
	(void)state;
	struct export_setup s = { "aes128-ctr", "hmac-sha2-256-etm@openssh.com", NULL, 0 };
	flip_every_byte(&s);
}

int main(void)
{
	srand(20261125);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_continues_chacha20_poly1305),
		cmocka_unit_test(test_export_continues_aes128_gcm),
		cmocka_unit_test(test_export_continues_aes256_gcm),
		cmocka_unit_test(test_export_continues_aes128_ctr_every_mac),
		cmocka_unit_test(test_export_continues_aes192_ctr_every_mac),
		cmocka_unit_test(test_export_continues_aes256_ctr_every_mac),
		cmocka_unit_test(test_export_continues_with_delayed_compression),
		cmocka_unit_test(test_export_refuses_a_client),
		cmocka_unit_test(test_export_refuses_before_authentication),
		cmocka_unit_test(test_export_refuses_unflushed_output),
		cmocka_unit_test(test_export_refuses_an_open_channel),
		cmocka_unit_test(test_export_refuses_during_key_exchange),
		cmocka_unit_test(test_export_refuses_plain_zlib),
		cmocka_unit_test(test_export_refuses_after_compressed_traffic),
		cmocka_unit_test(test_import_refuses_wrong_arguments),
		cmocka_unit_test(test_import_refuses_another_user),
		cmocka_unit_test(test_import_refuses_another_session_id),
		cmocka_unit_test(test_import_refuses_an_algorithm_cfg_disallows),
		cmocka_unit_test(test_import_resets_rekey_counters),
		cmocka_unit_test(test_pipelined_channel_open_is_read_after_import),
		cmocka_unit_test(test_half_received_packet_moves_with_aes_ctr),
		cmocka_unit_test(test_strict_kex_sequence_numbers_survive),
		cmocka_unit_test(test_import_needs_the_host_key),
		cmocka_unit_test(test_truncated_blob_fails_at_every_length),
		cmocka_unit_test(test_bit_flips_fail_cleanly_chacha20_poly1305),
		cmocka_unit_test(test_bit_flips_fail_cleanly_aes_ctr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
