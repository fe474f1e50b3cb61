/*
 * A packet cipher's running state (pkt_cipher_export_state / pkt_cipher_new_from_state): a
 * cipher rebuilt from the state of one that has sealed some packets seals the next ones to the
 * same bytes, and a receiver rebuilt mid-stream opens them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"

#define PKT_MAX 80

struct cipher_case {
	const char *cipher, *mac;
};

static const struct cipher_case cases[] = {
	{ "chacha20-poly1305@openssh.com", NULL },
	{ "aes128-gcm@openssh.com", NULL },
	{ "aes256-gcm@openssh.com", NULL },
	{ "aes128-ctr", "hmac-sha2-256" },
	{ "aes192-ctr", "hmac-sha1" },
	{ "aes256-ctr", "hmac-sha2-512" },
	{ "aes128-ctr", "hmac-sha2-256-etm@openssh.com" },
	{ "aes256-ctr", "hmac-sha2-512-etm@openssh.com" },
};

static struct pkt_cipher *cipher_new(const struct cipher_case *cc, bool encrypt)
{
	static const uint8_t key[64] = { 1, 2, 3, 4 }, iv[16] = { 5, 6, 7, 8 }, mac_key[64] = { 9, 10 };
	const struct pkt_cipher_alg *alg = pkt_cipher_find(cc->cipher, strlen(cc->cipher));
	assert_non_null(alg);
	struct pkt_cipher *c = NULL;
	if (cc->mac) {
		const struct pkt_mac_alg *mac = pkt_mac_find(cc->mac, strlen(cc->mac));
		assert_non_null(mac);
		assert_int_equal(pkt_cipher_new_with_mac(alg, mac, encrypt, key, iv, mac_key, &c), 0);
	} else {
		assert_int_equal(pkt_cipher_new(alg, encrypt, key, alg->iv_len ? iv : NULL, &c), 0);
	}
	return c;
}

static struct pkt_cipher *cipher_clone(const struct pkt_cipher *c)
{
	struct pkt_cipher_state st;
	struct pkt_cipher *copy = NULL;
	assert_int_equal(pkt_cipher_export_state(c, &st), 0);
	assert_int_equal(pkt_cipher_new_from_state(&st, &copy), 0);
	crypto_wipe(&st, sizeof(st));
	return copy;
}

/* Whole cipher blocks as transport.c pads: with the length (encrypt-and-MAC) or without it. */
static size_t pkt_len = 64;

static void set_packet_len(const struct cipher_case *cc)
{
	pkt_len = cc->mac && !strstr(cc->mac, "etm") ? 64 : 68;
}

static void make_packet(uint8_t *pkt, uint32_t n)
{
	memset(pkt, (int)n, pkt_len);
	pkt[0] = 0, pkt[1] = 0, pkt[2] = 0, pkt[3] = (uint8_t)(pkt_len - 4);
	pkt[4] = 8; /* padding length */
}

static void open_packet(struct pkt_cipher *c, uint32_t seq, uint8_t *wire, const uint8_t *tag)
{
	uint32_t len = 0;
	assert_int_equal(pkt_cipher_peek_length(c, seq, wire, &len), 0);
	assert_int_equal(len, pkt_len - 4);
	assert_int_equal(pkt_cipher_open(c, seq, wire, pkt_len, tag), 0);
}

static void test_rebuilt_sender_continues_the_stream(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_packet_len(&cases[i]);
		struct pkt_cipher *sender = cipher_new(&cases[i], true), *receiver = cipher_new(&cases[i], false);
		uint8_t a[PKT_MAX], b[PKT_MAX], tag_a[64], tag_b[64];
		uint32_t seq = 0;
		for (; seq < 5; seq++) {
			make_packet(a, seq);
			assert_int_equal(pkt_cipher_seal(sender, seq, a, pkt_len, tag_a), 0);
			open_packet(receiver, seq, a, tag_a);
		}
		struct pkt_cipher *copy = cipher_clone(sender), *receiver_copy = cipher_clone(receiver);
		for (; seq < 10; seq++) {
			make_packet(a, seq);
			make_packet(b, seq);
			assert_int_equal(pkt_cipher_seal(sender, seq, a, pkt_len, tag_a), 0);
			assert_int_equal(pkt_cipher_seal(copy, seq, b, pkt_len, tag_b), 0);
			assert_memory_equal(a, b, pkt_len);
			assert_memory_equal(tag_a, tag_b, pkt_cipher_tag_len(sender));
			open_packet(receiver_copy, seq, b, tag_b);
			make_packet(a, seq);
			assert_memory_equal(a, b, pkt_len);
		}
		pkt_cipher_free(sender);
		pkt_cipher_free(copy);
		pkt_cipher_free(receiver);
		pkt_cipher_free(receiver_copy);
	}
}

/* Encrypt-and-MAC: the receiver has peeked (decrypted the first block); the copy opens the rest. */
static void test_rebuilt_receiver_continues_after_a_peek(void **state)
{
	(void)state;
	const struct cipher_case cc = { "aes128-ctr", "hmac-sha2-256" };
	set_packet_len(&cc);
	struct pkt_cipher *sender = cipher_new(&cc, true), *receiver = cipher_new(&cc, false);
	uint8_t pkt[PKT_MAX], tag[64];
	make_packet(pkt, 7);
	assert_int_equal(pkt_cipher_seal(sender, 0, pkt, pkt_len, tag), 0);
	uint32_t len = 0;
	assert_int_equal(pkt_cipher_peek_length(receiver, 0, pkt, &len), 0);
	struct pkt_cipher *copy = cipher_clone(receiver);
	assert_int_equal(pkt_cipher_open(copy, 0, pkt, pkt_len, tag), 0);
	uint8_t expect[PKT_MAX];
	make_packet(expect, 7);
	assert_memory_equal(pkt, expect, pkt_len);
	pkt_cipher_free(sender);
	pkt_cipher_free(receiver);
	pkt_cipher_free(copy);
}

static void test_state_refuses_what_does_not_fit(void **state)
{
	(void)state;
	const struct cipher_case cc = { "aes128-gcm@openssh.com", NULL };
	struct pkt_cipher *sender = cipher_new(&cc, true);
	struct pkt_cipher_state st;
	assert_int_equal(pkt_cipher_export_state(sender, &st), 0);
	struct pkt_cipher *copy = (struct pkt_cipher *)&st;
	st.head_decrypted = true; /* only an encrypt-and-MAC receiver can be half way */
	assert_int_equal(pkt_cipher_new_from_state(&st, &copy), BURROW_E_INVALID);
	assert_null(copy);
	st.head_decrypted = false;
	struct pkt_cipher_alg fake = *st.alg; /* not one of ours */
	st.alg = &fake;
	assert_int_equal(pkt_cipher_new_from_state(&st, &copy), BURROW_E_INVALID);
	crypto_wipe(&st, sizeof(st));
	pkt_cipher_free(sender);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rebuilt_sender_continues_the_stream),
		cmocka_unit_test(test_rebuilt_receiver_continues_after_a_peek),
		cmocka_unit_test(test_state_refuses_what_does_not_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
