/*
 * Key exchange methods between our client and server engines: every method completes a session
 * and a rekey; group exchange picks its group from moduli text as OpenSSH does; and hostile
 * values in each method's messages end in a clean DISCONNECT (KEY_EXCHANGE_FAILED for bad values,
 * PROTOCOL_ERROR for malformed or out-of-order messages), in both roles.
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
#include "kex.h"

/* ---- sessions between our engines ---- */

static void run_session(const char *kex, const char *ciphers, const char *moduli, uint64_t rekey_bytes,
			size_t payload_len)
{
	struct pair p;
	pair_init_kex(&p, kex, ciphers, moduli);
	p.client.conn->rekey_bytes = p.server.conn->rekey_bytes = rekey_bytes;
	for (size_t i = 0; i < payload_len; i++)
		buf_put_u8(&p.client.to_send, (uint8_t)(i * 7 + i / 251));
	p.client.eof_after_send = true;
	p.server.exit_code = 7;
	pair_run(&p, 20000);

	struct burrow_negotiated neg;
	assert_int_equal(burrow_conn_negotiated(p.client.conn, &neg), 0);
	assert_string_equal(neg.kex, kex);
	assert_int_equal(burrow_conn_negotiated(p.server.conn, &neg), 0);
	assert_string_equal(neg.kex, kex);
	assert_false(p.client.disconnected);
	assert_false(p.server.disconnected);
	assert_true(p.client.auth_ok);
	assert_true(p.client.got_exit);
	assert_int_equal(p.client.exit_status, 7);
	assert_int_equal(buf_len(&p.client.received[0]), payload_len);
	assert_memory_equal(buf_ptr(&p.client.received[0]), buf_ptr(&p.client.to_send), payload_len);
	if (rekey_bytes)
		assert_true(p.client.kex_done > 2 && p.server.kex_done > 2);
	pair_free(&p);
}

#define SESSION_TEST(fn, kex) \
	static void fn(void **state) { (void)state; run_session(kex, NULL, NULL, 0, 1000); }

SESSION_TEST(test_session_curve25519_sha256, "curve25519-sha256")
SESSION_TEST(test_session_curve25519_sha256_libssh, "curve25519-sha256@libssh.org")
SESSION_TEST(test_session_ecdh_sha2_nistp256, "ecdh-sha2-nistp256")
SESSION_TEST(test_session_ecdh_sha2_nistp384, "ecdh-sha2-nistp384")
SESSION_TEST(test_session_ecdh_sha2_nistp521, "ecdh-sha2-nistp521")
SESSION_TEST(test_session_dh_group1_sha1, "diffie-hellman-group1-sha1")
SESSION_TEST(test_session_dh_group14_sha1, "diffie-hellman-group14-sha1")
SESSION_TEST(test_session_dh_group14_sha256, "diffie-hellman-group14-sha256")
SESSION_TEST(test_session_dh_group16_sha512, "diffie-hellman-group16-sha512")
SESSION_TEST(test_session_dh_group18_sha512, "diffie-hellman-group18-sha512")
SESSION_TEST(test_session_dh_gex_sha256_without_moduli, "diffie-hellman-group-exchange-sha256")
SESSION_TEST(test_session_dh_gex_sha1_without_moduli, "diffie-hellman-group-exchange-sha1")
SESSION_TEST(test_session_mlkem768x25519_sha256, "mlkem768x25519-sha256")
SESSION_TEST(test_session_sntrup761x25519_sha512, "sntrup761x25519-sha512")
SESSION_TEST(test_session_sntrup761x25519_sha512_openssh, "sntrup761x25519-sha512@openssh.com")

static const char *const tested_methods[] = {
	"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
	"ecdh-sha2-nistp521", "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1",
	"diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
	"diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1", "sntrup761x25519-sha512",
	"sntrup761x25519-sha512@openssh.com",
	"mlkem768x25519-sha256",
};

static void test_every_supported_method_has_a_session_test(void **state)
{
	(void)state;
	struct bstr list = bstr_cstr(burrow_algorithms_supported(BURROW_ALGO_KEX));
	size_t pos = 0;
	struct bstr name;
	while (namelist_next(list, &pos, &name)) {
		bool found = false;
		for (size_t i = 0; i < sizeof(tested_methods) / sizeof(tested_methods[0]); i++)
			found |= bstr_eq(name, tested_methods[i]);
		if (!found)
			fail_msg("no session test for %.*s", (int)name.len, (const char *)name.p);
	}
}

/* Each exchange shape survives rekeys: its ephemeral state is made afresh every time. */
static void test_rekeys_with_each_shape_keep_data_intact(void **state)
{
	(void)state;
	const char *const kexes[] = { "ecdh-sha2-nistp384", "diffie-hellman-group14-sha256",
				      "diffie-hellman-group-exchange-sha256", "sntrup761x25519-sha512",
				      "mlkem768x25519-sha256" };
	for (size_t i = 0; i < sizeof(kexes) / sizeof(kexes[0]); i++)
		run_session(kexes[i], "aes128-gcm@openssh.com", NULL, 64 * 1024, 200 * 1024);
}

/* ---- group exchange and moduli text ---- */

static void append_moduli_line(struct buf *b, const char *fields, unsigned listed_size, const char *gen,
			       const struct dh_group *grp)
{
	char head[128];
	snprintf(head, sizeof(head), "20240101000000 %s %u %s ", fields, listed_size, gen);
	buf_put(b, head, strlen(head));
	for (size_t i = 0; i < grp->p_len; i++) {
		char hx[3];
		snprintf(hx, sizeof(hx), "%02X", grp->p[i]);
		buf_put(b, hx, 2);
	}
	buf_put_u8(b, '\n');
}

/* Usable: the 3072- and 4096-bit groups. Unusable: a 6144-bit "probable" prime (type 4), an
 * 8192-bit one whose listed size is wrong, one that failed its test, a comment and garbage. */
static char *moduli_text_new(void)
{
	struct buf b;
	buf_init(&b);
	const char comment[] = "#    $OpenBSD: moduli,v 1.33 $\n# Time Type Tests Tries Size Generator Modulus\n\n";
	buf_put(&b, comment, strlen(comment));
	append_moduli_line(&b, "2 6 100", 3071, "2", &dh_group15);
	append_moduli_line(&b, "4 6 100", 6143, "2", &dh_group17);
	append_moduli_line(&b, "2 6 100", 8190, "2", &dh_group18);
	append_moduli_line(&b, "2 7 100", 8191, "2", &dh_group18);
	const char garbage[] = "20240101000000 2 6 100 4095 2 NOTHEX\nthis is not a moduli line\n";
	buf_put(&b, garbage, strlen(garbage));
	append_moduli_line(&b, "2 6 100", 4095, "5", &dh_group16);
	buf_put_u8(&b, 0);
	assert_true(buf_ok(&b));
	return (char *)buf_ptr(&b); /* the buffer's data, freed with free() */
}

/* Records what the server sends, to find its KEX_DH_GEX_GROUP in the clear. */
static struct buf server_bytes;
static void record_server_bytes(struct pair *p, bool to_server, uint8_t *data, size_t len)
{
	(void)p;
	if (!to_server)
		buf_put(&server_bytes, data, len);
}

/* Walks plaintext packets after the version line; returns the payload of the first of `type`. */
static bool find_plain_message(const struct buf *stream, uint8_t type, struct bstr *payload)
{
	const uint8_t *d = buf_ptr(stream);
	size_t n = buf_len(stream);
	const uint8_t *nl = memchr(d, '\n', n);
	assert_non_null(nl);
	size_t pos = (size_t)(nl - d) + 1;
	while (pos + 6 <= n) {
		uint32_t plen = (uint32_t)d[pos] << 24 | (uint32_t)d[pos + 1] << 16 | (uint32_t)d[pos + 2] << 8 | d[pos + 3];
		uint8_t pad = d[pos + 4], msg = d[pos + 5];
		if (msg == type) {
			*payload = bstr_from(d + pos + 5, plen - 1 - pad);
			return true;
		}
		if (msg == SSH_MSG_NEWKEYS)
			return false;
		pos += 4 + plen;
	}
	return false;
}

static unsigned gex_group_bits_chosen(const char *ciphers, const char *moduli)
{
	struct pair p;
	buf_init(&server_bytes);
	pair_init_kex(&p, "diffie-hellman-group-exchange-sha256", ciphers, moduli);
	p.tamper = record_server_bytes;
	p.client.eof_after_send = true;
	pair_run(&p, 2000);
	assert_true(p.client.got_exit);
	struct bstr payload = { NULL, 0 };
	assert_true(find_plain_message(&server_bytes, SSH_MSG_KEX_DH_GEX_GROUP, &payload));
	struct rd r;
	rd_init(&r, payload.p, payload.len);
	rd_u8(&r);
	struct bstr prime = rd_mpint(&r);
	struct bstr gen = rd_mpint(&r);
	assert_true(rd_done(&r));
	assert_true(gen.len == 1 && (gen.p[0] == 2 || gen.p[0] == 5));
	unsigned bits = dh_bits(prime.p, prime.len);
	pair_free(&p);
	buf_free(&server_bytes);
	return bits;
}

static void test_gex_picks_largest_moduli_group_below_a_large_request(void **state)
{
	(void)state;
	char *moduli = moduli_text_new();
	/* chacha20-poly1305 needs 64 key bytes: the client asks for 8192 bits; 4096 is the best. */
	assert_int_equal(gex_group_bits_chosen("chacha20-poly1305@openssh.com", moduli), 4096);
	free(moduli);
}

static void test_gex_picks_moduli_group_matching_aes128(void **state)
{
	(void)state;
	char *moduli = moduli_text_new();
	/* aes128-gcm: 128-bit keys, the client asks for 3072 bits (OpenSSH's dh_estimate). */
	assert_int_equal(gex_group_bits_chosen("aes128-gcm@openssh.com", moduli), 3072);
	free(moduli);
}

static void test_gex_without_moduli_uses_rfc3526_groups(void **state)
{
	(void)state;
	assert_int_equal(gex_group_bits_chosen("aes128-gcm@openssh.com", NULL), 3072);
	assert_int_equal(gex_group_bits_chosen("aes256-gcm@openssh.com", NULL), 8192);
}

static void test_moduli_choice_follows_openssh_rules(void **state)
{
	(void)state;
	char *moduli = moduli_text_new();
	struct buf p, g;
	buf_init(&p);
	buf_init(&g);
	/* Smallest size at or above what is wanted. */
	assert_int_equal(kex_moduli_choose(moduli, 2048, 3500, 8192, &p, &g), 0);
	assert_int_equal(dh_bits(buf_ptr(&p), buf_len(&p)), 4096);
	assert_int_equal(buf_len(&g), 1);
	assert_int_equal(buf_ptr(&g)[0], 5);
	/* Nothing usable in range: the RFC 3526 groups by the same rule. */
	assert_int_equal(kex_moduli_choose(moduli, 6000, 7000, 8192, &p, &g), 0);
	assert_int_equal(buf_len(&p), dh_group18.p_len);
	assert_memory_equal(buf_ptr(&p), dh_group18.p, dh_group18.p_len);
	assert_int_equal(kex_moduli_choose(NULL, 2048, 2048, 2048, &p, &g), 0);
	assert_memory_equal(buf_ptr(&p), dh_group14.p, dh_group14.p_len);
	assert_int_equal(kex_moduli_choose(NULL, 4000, 4000, 4000, &p, &g), BURROW_E_NOMATCH);
	assert_int_equal(kex_moduli_choose("", 2048, 4096, 8192, &p, &g), 0);
	assert_memory_equal(buf_ptr(&p), dh_group16.p, dh_group16.p_len);
	buf_free(&p);
	buf_free(&g);
	free(moduli);
}

static void test_moduli_choice_is_random_among_equal_sizes(void **state)
{
	(void)state;
	struct buf text, p, g;
	buf_init(&text);
	buf_init(&p);
	buf_init(&g);
	append_moduli_line(&text, "2 6 100", 3071, "2", &dh_group15);
	append_moduli_line(&text, "2 6 100", 3071, "5", &dh_group15);
	buf_put_u8(&text, 0);
	bool seen2 = false, seen5 = false;
	for (int i = 0; i < 64 && !(seen2 && seen5); i++) {
		assert_int_equal(kex_moduli_choose((const char *)buf_ptr(&text), 2048, 3072, 8192, &p, &g), 0);
		seen2 |= buf_ptr(&g)[0] == 2;
		seen5 |= buf_ptr(&g)[0] == 5;
	}
	assert_true(seen2 && seen5);
	buf_free(&text);
	buf_free(&p);
	buf_free(&g);
}

static void test_moduli_overlong_and_truncated_lines_are_skipped(void **state)
{
	(void)state;
	struct buf text, p, g;
	buf_init(&text);
	buf_init(&p);
	buf_init(&g);
	const char head[] = "20240101000000 2 6 100 4095 2 ";
	buf_put(&text, head, strlen(head));
	for (int i = 0; i < 20000; i++)
		buf_put_u8(&text, 'F');
	const char rest[] = "\n20240101000000 2 6 100 3071 2\n20240101000000 2 6 100 3071\n";
	buf_put(&text, rest, strlen(rest));
	buf_put_u8(&text, 0);
	/* Nothing parses: the fallback's 4096-bit group, not a 20000-digit "prime". */
	assert_int_equal(kex_moduli_choose((const char *)buf_ptr(&text), 2048, 4096, 8192, &p, &g), 0);
	assert_memory_equal(buf_ptr(&p), dh_group16.p, dh_group16.p_len);
	buf_free(&text);
	buf_free(&p);
	buf_free(&g);
}

/* ---- hand-made messages against one engine ---- */

static void put_kexinit(struct buf *out, const char *kex)
{
	wire_put_kexinit(out, kex, false);
}

/* A message of `type` carrying the given fields (already encoded) after the type byte. */
static void put_message(struct buf *out, uint8_t type, const struct buf *fields)
{
	struct buf m;
	buf_init(&m);
	buf_put_u8(&m, type);
	if (fields)
		buf_put(&m, buf_ptr(fields), buf_len(fields));
	wire_put_plain_packet(out, &m);
	buf_free(&m);
}

/* Feeds version + KEXINIT(kex) + one message to a fresh engine of `role` offering only kex;
 * returns the DISCONNECTED reason and checks that DISCONNECT was the last packet sent. */
static uint32_t reason_after(enum burrow_role role, const char *kex, uint8_t type, const struct buf *fields)
{
	struct burrow_key *host_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host_key), 0);
	struct burrow_config cfg = { .role = role, .kex_algorithms = kex };
	if (role == BURROW_SERVER) {
		cfg.host_keys = &host_key;
		cfg.host_key_count = 1;
	}
	struct burrow_conn *conn;
	assert_int_equal(burrow_conn_new(&cfg, &conn), 0);
	struct buf in;
	buf_init(&in);
	buf_put(&in, "SSH-2.0-hostile\r\n", 17);
	put_kexinit(&in, kex);
	put_message(&in, type, fields);
	burrow_conn_feed(conn, buf_ptr(&in), buf_len(&in));
	buf_free(&in);
	struct burrow_event ev;
	uint32_t reason = 0;
	while (burrow_conn_next_event(conn, &ev) > 0)
		if (ev.type == BURROW_EV_DISCONNECTED)
			reason = ev.reason;
	if (getenv("KEX_TEST_VERBOSE"))
		fprintf(stderr, "%s %s: %u %s\n", role == BURROW_CLIENT ? "client" : "server", kex, reason,
			burrow_conn_last_error(conn));
	if (reason)
		assert_int_equal(wire_last_plain_type(conn), SSH_MSG_DISCONNECT);
	burrow_conn_free(conn);
	burrow_key_free(host_key);
	return reason;
}

/* A valid P-256 point (RFC 5903 8.1 g^r) with its last byte changed: off the curve. */
static void put_p256_point_off_curve(struct buf *b)
{
	static const uint8_t point[65] = {
		0x04, 0xD1, 0x2D, 0xFB, 0x52, 0x89, 0xC8, 0xD4, 0xF8, 0x12, 0x08, 0xB7, 0x02, 0x70, 0x39, 0x8C, 0x34,
		0x22, 0x96, 0x97, 0x0A, 0x0B, 0xCC, 0xB7, 0x4C, 0x73, 0x6F, 0xC7, 0x55, 0x44, 0x94, 0xBF, 0x63,
		0x56, 0xFB, 0xF3, 0xCA, 0x36, 0x6C, 0xC2, 0x3E, 0x81, 0x57, 0x85, 0x4C, 0x13, 0xC5, 0x8D, 0x6A,
		0xAC, 0x23, 0xF0, 0x46, 0xAD, 0xA3, 0x0F, 0x83, 0x53, 0xE7, 0x4F, 0x33, 0x03, 0x98, 0x72, 0xAA,
	};
	buf_put_string(b, point, sizeof(point));
}

/* p + delta of a group, as an mpint. */
static void put_p_plus(struct buf *b, const struct dh_group *grp, int delta)
{
	uint8_t *v = malloc(grp->p_len);
	assert_non_null(v);
	memcpy(v, grp->p, grp->p_len);
	v[grp->p_len - 1] = (uint8_t)(v[grp->p_len - 1] + delta); /* p ends in 0xff: no carry for small deltas */
	buf_put_mpint(b, v, grp->p_len);
	free(v);
}

static void test_server_refuses_p256_point_off_curve(void **state)
{
	(void)state;
	struct buf f;
	buf_init(&f);
	put_p256_point_off_curve(&f);
	assert_int_equal(reason_after(BURROW_SERVER, "ecdh-sha2-nistp256", SSH_MSG_KEX_ECDH_INIT, &f),
			 BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&f);
}

static void test_server_refuses_p384_point_at_infinity(void **state)
{
	(void)state;
	struct buf f;
	buf_init(&f);
	buf_put_string(&f, "\0", 1);
	assert_int_equal(reason_after(BURROW_SERVER, "ecdh-sha2-nistp384", SSH_MSG_KEX_ECDH_INIT, &f),
			 BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&f);
}

static void check_server_refuses_dh_e(const char *kex, int delta_from_p, bool small, uint8_t small_value)
{
	struct buf f;
	buf_init(&f);
	if (small)
		buf_put_mpint(&f, &small_value, 1);
	else
		put_p_plus(&f, &dh_group14, delta_from_p);
	assert_int_equal(reason_after(BURROW_SERVER, kex, SSH_MSG_KEXDH_INIT, &f), BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&f);
}

static void test_server_refuses_dh_e_of_1(void **state)
{
	(void)state;
	check_server_refuses_dh_e("diffie-hellman-group14-sha256", 0, true, 1);
}

static void test_server_refuses_dh_e_of_0(void **state)
{
	(void)state;
	check_server_refuses_dh_e("diffie-hellman-group14-sha1", 0, true, 0);
}

static void test_server_refuses_dh_e_of_p_minus_1(void **state)
{
	(void)state;
	check_server_refuses_dh_e("diffie-hellman-group14-sha256", -1, false, 0);
}

static void test_server_refuses_dh_e_of_p(void **state)
{
	(void)state;
	check_server_refuses_dh_e("diffie-hellman-group14-sha256", 0, false, 0);
}

static void test_server_refuses_negative_dh_e_as_malformed(void **state)
{
	(void)state;
	struct buf f;
	buf_init(&f);
	buf_put_string(&f, "\x80\x01", 2); /* an mpint with the sign bit set */
	assert_int_equal(reason_after(BURROW_SERVER, "diffie-hellman-group16-sha512", SSH_MSG_KEXDH_INIT, &f),
			 BURROW_DISCONNECT_PROTOCOL_ERROR);
	buf_free(&f);
}

static void check_server_refuses_gex_request(uint32_t min, uint32_t n, uint32_t max)
{
	struct buf f;
	buf_init(&f);
	buf_put_u32(&f, min);
	buf_put_u32(&f, n);
	buf_put_u32(&f, max);
	assert_int_equal(reason_after(BURROW_SERVER, "diffie-hellman-group-exchange-sha256", SSH_MSG_KEX_DH_GEX_REQUEST, &f),
			 BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&f);
}

static void test_server_refuses_gex_request_out_of_order_or_too_small(void **state)
{
	(void)state;
	check_server_refuses_gex_request(4096, 3072, 8192);
	check_server_refuses_gex_request(2048, 8192, 4096);
	check_server_refuses_gex_request(1024, 1024, 1024);
	/* Below 3072 bits our server has nothing to offer (ssh-audit warns on 2048-bit moduli). */
	check_server_refuses_gex_request(2048, 2048, 2048);
}

/* The bits of p in the server's KEX_DH_GEX_GROUP answer to a hand-made request. */
static unsigned server_gex_group_bits(uint32_t min, uint32_t n, uint32_t max)
{
	struct burrow_key *host_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host_key), 0);
	struct burrow_config cfg = { .role = BURROW_SERVER, .kex_algorithms = "diffie-hellman-group-exchange-sha256",
				     .host_keys = &host_key, .host_key_count = 1 };
	struct burrow_conn *conn;
	assert_int_equal(burrow_conn_new(&cfg, &conn), 0);
	struct buf in, f, out;
	buf_init(&in);
	buf_init(&f);
	buf_init(&out);
	buf_put(&in, "SSH-2.0-test\r\n", 14);
	put_kexinit(&in, "diffie-hellman-group-exchange-sha256");
	buf_put_u32(&f, min);
	buf_put_u32(&f, n);
	buf_put_u32(&f, max);
	put_message(&in, SSH_MSG_KEX_DH_GEX_REQUEST, &f);
	burrow_conn_feed(conn, buf_ptr(&in), buf_len(&in));
	struct burrow_event ev;
	while (burrow_conn_next_event(conn, &ev) > 0)
		assert_int_not_equal(ev.type, BURROW_EV_DISCONNECTED);
	const uint8_t *d;
	size_t len = burrow_conn_output(conn, &d);
	buf_put(&out, d, len);
	struct bstr payload = { NULL, 0 };
	assert_true(find_plain_message(&out, SSH_MSG_KEX_DH_GEX_GROUP, &payload));
	struct rd r;
	rd_init(&r, payload.p, payload.len);
	rd_u8(&r);
	struct bstr prime = rd_mpint(&r);
	rd_mpint(&r);
	assert_true(rd_done(&r));
	unsigned bits = dh_bits(prime.p, prime.len);
	buf_free(&in);
	buf_free(&f);
	buf_free(&out);
	burrow_conn_free(conn);
	burrow_key_free(host_key);
	return bits;
}

static void test_server_raises_small_gex_requests_to_3072_bits(void **state)
{
	(void)state;
	assert_int_equal(server_gex_group_bits(2048, 2048, 8192), 3072);
	assert_int_equal(server_gex_group_bits(1024, 2048, 3072), 3072);
	assert_int_equal(server_gex_group_bits(2048, 7680, 8192), 8192);
	assert_int_equal(server_gex_group_bits(2048, 4096, 4096), 4096);
}

static void test_server_refuses_gex_init_before_request(void **state)
{
	(void)state;
	struct buf f;
	buf_init(&f);
	uint8_t e[256];
	memset(e, 0x55, sizeof(e));
	buf_put_mpint(&f, e, sizeof(e));
	assert_int_equal(reason_after(BURROW_SERVER, "diffie-hellman-group-exchange-sha256", SSH_MSG_KEX_DH_GEX_INIT, &f),
			 BURROW_DISCONNECT_PROTOCOL_ERROR);
	buf_free(&f);
}

static void test_server_refuses_reply_message_from_client(void **state)
{
	(void)state;
	assert_int_equal(reason_after(BURROW_SERVER, "ecdh-sha2-nistp521", SSH_MSG_KEX_ECDH_REPLY, NULL),
			 BURROW_DISCONNECT_PROTOCOL_ERROR);
}

static void test_server_refuses_sntrup761_value_of_wrong_length(void **state)
{
	(void)state;
	struct buf f;
	buf_init(&f);
	uint8_t *v = calloc(1, SNTRUP761_PUBLIC_KEY_BYTES + 32);
	assert_non_null(v);
	buf_put_string(&f, v, SNTRUP761_PUBLIC_KEY_BYTES + 31);
	assert_int_equal(reason_after(BURROW_SERVER, "sntrup761x25519-sha512", SSH_MSG_KEX_ECDH_INIT, &f),
			 BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&f);
	free(v);
}

static void check_server_refuses_mlkem768_value(size_t len, uint8_t fill)
{
	struct buf f;
	buf_init(&f);
	uint8_t *v = malloc(MLKEM768_PUBLIC_KEY_BYTES + 64);
	assert_non_null(v);
	memset(v, fill, MLKEM768_PUBLIC_KEY_BYTES + 64);
	buf_put_string(&f, v, len);
	assert_int_equal(reason_after(BURROW_SERVER, "mlkem768x25519-sha256", SSH_MSG_KEX_ECDH_INIT, &f),
			 BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&f);
	free(v);
}

static void test_server_refuses_mlkem768_public_key_of_wrong_length(void **state)
{
	(void)state;
	check_server_refuses_mlkem768_value(MLKEM768_PUBLIC_KEY_BYTES + 31, 0);
	check_server_refuses_mlkem768_value(MLKEM768_PUBLIC_KEY_BYTES + 33, 0);
	check_server_refuses_mlkem768_value(32, 0);
}

static void test_server_refuses_mlkem768_public_key_failing_modulus_check(void **state)
{
	(void)state;
	/* All 0xff: every 12-bit coefficient is 4095 >= q = 3329 (FIPS 203 7.2). */
	check_server_refuses_mlkem768_value(MLKEM768_PUBLIC_KEY_BYTES + 32, 0xff);
}

/* RFC 4253 7: a guess is right only when both sides prefer the same method. A client whose first
 * choice we support but do not prefer (Dropbear: curve25519-sha256 vs our ML-KEM hybrid) knows its
 * guess was wrong and sends KEX_ECDH_INIT again; the guessed one must be dropped, not answered. */
static void test_guess_of_a_method_we_do_not_prefer_is_dropped(void **state)
{
	(void)state;
	struct burrow_key *host_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host_key), 0);
	struct burrow_config cfg = { .role = BURROW_SERVER, .host_keys = &host_key, .host_key_count = 1 };
	struct burrow_conn *conn;
	assert_int_equal(burrow_conn_new(&cfg, &conn), 0);
	struct buf in, f;
	buf_init(&in);
	buf_init(&f);
	buf_put(&in, "SSH-2.0-guesser\r\n", 17);
	wire_put_kexinit(&in, "curve25519-sha256,curve25519-sha256@libssh.org", true);
	uint8_t priv[32], pub[32];
	assert_int_equal(x25519_keygen(priv, pub), 0);
	buf_put_string(&f, pub, 32);
	put_message(&in, SSH_MSG_KEX_ECDH_INIT, &f); /* the guess */
	put_message(&in, SSH_MSG_KEX_ECDH_INIT, &f); /* sent again once our KEXINIT arrived */
	burrow_conn_feed(conn, buf_ptr(&in), buf_len(&in));
	struct burrow_event ev;
	while (burrow_conn_next_event(conn, &ev) > 0)
		assert_int_not_equal(ev.type, BURROW_EV_DISCONNECTED);
	struct buf out;
	buf_init(&out);
	const uint8_t *d;
	size_t len = burrow_conn_output(conn, &d);
	buf_put(&out, d, len);
	struct bstr payload = { NULL, 0 };
	assert_true(find_plain_message(&out, SSH_MSG_KEX_ECDH_REPLY, &payload));
	buf_free(&in);
	buf_free(&f);
	buf_free(&out);
	burrow_conn_free(conn);
	burrow_key_free(host_key);
}

static void test_client_refuses_1024_bit_gex_group(void **state)
{
	(void)state;
	struct buf f;
	buf_init(&f);
	buf_put_mpint(&f, dh_group1.p, dh_group1.p_len);
	buf_put_mpint(&f, dh_group1.g, dh_group1.g_len);
	assert_int_equal(reason_after(BURROW_CLIENT, "diffie-hellman-group-exchange-sha256", SSH_MSG_KEX_DH_GEX_GROUP, &f),
			 BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&f);
}

static void test_client_refuses_gex_group_with_even_prime_or_bad_generator(void **state)
{
	(void)state;
	struct buf f;
	buf_init(&f);
	put_p_plus(&f, &dh_group14, -1);
	buf_put_mpint(&f, dh_group14.g, 1);
	assert_int_equal(reason_after(BURROW_CLIENT, "diffie-hellman-group-exchange-sha256", SSH_MSG_KEX_DH_GEX_GROUP, &f),
			 BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_reset(&f);
	const uint8_t one = 1;
	buf_put_mpint(&f, dh_group14.p, dh_group14.p_len);
	buf_put_mpint(&f, &one, 1);
	assert_int_equal(reason_after(BURROW_CLIENT, "diffie-hellman-group-exchange-sha256", SSH_MSG_KEX_DH_GEX_GROUP, &f),
			 BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&f);
}

/* A reply from a "server": a real host key blob, the given value, a signature never checked. */
static void put_reply_fields(struct buf *f, void (*put_value)(struct buf *b, const void *ctx), const void *ctx)
{
	struct burrow_key *key;
	uint8_t *blob;
	size_t blob_len;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &key), 0);
	assert_int_equal(burrow_key_to_blob(key, &blob, &blob_len), 0);
	buf_put_string(f, blob, blob_len);
	put_value(f, ctx);
	buf_put_cstring(f, "not a signature");
	free(blob);
	burrow_key_free(key);
}

static void put_mpint_one(struct buf *b, const void *ctx)
{
	(void)ctx;
	const uint8_t one = 1;
	buf_put_mpint(b, &one, 1);
}

static void put_point_off_curve(struct buf *b, const void *ctx)
{
	(void)ctx;
	put_p256_point_off_curve(b);
}

static void put_short_sntrup_reply(struct buf *b, const void *ctx)
{
	(void)ctx;
	uint8_t *v = calloc(1, SNTRUP761_CIPHERTEXT_BYTES + 32);
	assert_non_null(v);
	buf_put_string(b, v, SNTRUP761_CIPHERTEXT_BYTES);
	free(v);
}

static void put_long_mlkem_reply(struct buf *b, const void *ctx)
{
	(void)ctx;
	uint8_t *v = calloc(1, MLKEM768_CIPHERTEXT_BYTES + 33);
	assert_non_null(v);
	buf_put_string(b, v, MLKEM768_CIPHERTEXT_BYTES + 33);
	free(v);
}

static void check_client_refuses_reply(const char *kex, uint8_t type, void (*put_value)(struct buf *, const void *))
{
	struct buf f;
	buf_init(&f);
	put_reply_fields(&f, put_value, NULL);
	assert_int_equal(reason_after(BURROW_CLIENT, kex, type, &f), BURROW_DISCONNECT_KEY_EXCHANGE_FAILED);
	buf_free(&f);
}

static void test_client_refuses_dh_f_of_1(void **state)
{
	(void)state;
	check_client_refuses_reply("diffie-hellman-group14-sha256", SSH_MSG_KEXDH_REPLY, put_mpint_one);
}

static void test_client_refuses_p256_point_off_curve(void **state)
{
	(void)state;
	check_client_refuses_reply("ecdh-sha2-nistp256", SSH_MSG_KEX_ECDH_REPLY, put_point_off_curve);
}

static void test_client_refuses_sntrup761_ciphertext_of_wrong_length(void **state)
{
	(void)state;
	check_client_refuses_reply("sntrup761x25519-sha512@openssh.com", SSH_MSG_KEX_ECDH_REPLY, put_short_sntrup_reply);
}

static void test_client_refuses_mlkem768_ciphertext_of_wrong_length(void **state)
{
	(void)state;
	check_client_refuses_reply("mlkem768x25519-sha256", SSH_MSG_KEX_ECDH_REPLY, put_long_mlkem_reply);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_curve25519_sha256),
		cmocka_unit_test(test_session_curve25519_sha256_libssh),
		cmocka_unit_test(test_session_ecdh_sha2_nistp256),
		cmocka_unit_test(test_session_ecdh_sha2_nistp384),
		cmocka_unit_test(test_session_ecdh_sha2_nistp521),
		cmocka_unit_test(test_session_dh_group1_sha1),
		cmocka_unit_test(test_session_dh_group14_sha1),
		cmocka_unit_test(test_session_dh_group14_sha256),
		cmocka_unit_test(test_session_dh_group16_sha512),
		cmocka_unit_test(test_session_dh_group18_sha512),
		cmocka_unit_test(test_session_dh_gex_sha256_without_moduli),
		cmocka_unit_test(test_session_dh_gex_sha1_without_moduli),
		cmocka_unit_test(test_session_mlkem768x25519_sha256),
		cmocka_unit_test(test_session_sntrup761x25519_sha512),
		cmocka_unit_test(test_session_sntrup761x25519_sha512_openssh),
		cmocka_unit_test(test_every_supported_method_has_a_session_test),
		cmocka_unit_test(test_rekeys_with_each_shape_keep_data_intact),
		cmocka_unit_test(test_gex_picks_largest_moduli_group_below_a_large_request),
		cmocka_unit_test(test_gex_picks_moduli_group_matching_aes128),
		cmocka_unit_test(test_gex_without_moduli_uses_rfc3526_groups),
		cmocka_unit_test(test_moduli_choice_follows_openssh_rules),
		cmocka_unit_test(test_moduli_choice_is_random_among_equal_sizes),
		cmocka_unit_test(test_moduli_overlong_and_truncated_lines_are_skipped),
		cmocka_unit_test(test_server_refuses_p256_point_off_curve),
		cmocka_unit_test(test_server_refuses_p384_point_at_infinity),
		cmocka_unit_test(test_server_refuses_dh_e_of_1),
		cmocka_unit_test(test_server_refuses_dh_e_of_0),
		cmocka_unit_test(test_server_refuses_dh_e_of_p_minus_1),
		cmocka_unit_test(test_server_refuses_dh_e_of_p),
		cmocka_unit_test(test_server_refuses_negative_dh_e_as_malformed),
		cmocka_unit_test(test_server_refuses_gex_request_out_of_order_or_too_small),
		cmocka_unit_test(test_server_raises_small_gex_requests_to_3072_bits),
		cmocka_unit_test(test_server_refuses_gex_init_before_request),
		cmocka_unit_test(test_server_refuses_reply_message_from_client),
		cmocka_unit_test(test_server_refuses_sntrup761_value_of_wrong_length),
		cmocka_unit_test(test_server_refuses_mlkem768_public_key_of_wrong_length),
		cmocka_unit_test(test_server_refuses_mlkem768_public_key_failing_modulus_check),
		cmocka_unit_test(test_guess_of_a_method_we_do_not_prefer_is_dropped),
		cmocka_unit_test(test_client_refuses_1024_bit_gex_group),
		cmocka_unit_test(test_client_refuses_gex_group_with_even_prime_or_bad_generator),
		cmocka_unit_test(test_client_refuses_dh_f_of_1),
		cmocka_unit_test(test_client_refuses_p256_point_off_curve),
		cmocka_unit_test(test_client_refuses_sntrup761_ciphertext_of_wrong_length),
		cmocka_unit_test(test_client_refuses_mlkem768_ciphertext_of_wrong_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
