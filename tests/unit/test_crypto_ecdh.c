/*
 * Known-answer tests for ecdh.c: the RFC 5903 section 8 vectors (P-256, P-384, P-521: both
 * private keys, both public points, the shared x-coordinate), generated round trips, and the
 * public keys a peer must never get past ecdh_shared().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/crypto.h"

#define MAX_POINT 133

/* Hex (whitespace ignored) into out; returns the byte count. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = hex; *p;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		unsigned v;
		assert_int_equal(sscanf(p, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		p += 2;
	}
	return n;
}

struct rfc5903_vector {
	enum ecdh_curve curve;
	const char *i, *gix, *giy, *r, *grx, *gry, *girx;
};

/* RFC 5903 8.1, 8.2, 8.3: initiator i, responder r, g^i, g^r, and the x-coordinate of g^ir. */
static const struct rfc5903_vector vectors[] = {
	{ ECDH_P256,
	  "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	  "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
	  "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	  "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
	  "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	  "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE" },
	{ ECDH_P384,
	  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
	  "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA",
	  "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
	  "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC",
	  "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571",
	  "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
	  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746" },
	{ ECDH_P521,
	  "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A095AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D4A52",
	  "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBEE1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176CED3E",
	  "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10AD8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F9582",
	  "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB151685EB9",
	  "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A219B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9460F",
	  "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0FC56A",
	  "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3DDEA" },
};

/* 0x04 || x || y */
static size_t point_from_hex(const char *x, const char *y, uint8_t *out)
{
	out[0] = 0x04;
	size_t n = unhex(x, out + 1, MAX_POINT - 1);
	return 1 + n + unhex(y, out + 1 + n, MAX_POINT - 1 - n);
}

static void check_rfc5903(const struct rfc5903_vector *v)
{
	uint8_t priv_i[66], priv_r[66], gi[MAX_POINT], gr[MAX_POINT], want[66], got[MAX_POINT];
	size_t len_i = unhex(v->i, priv_i, sizeof(priv_i)), len_r = unhex(v->r, priv_r, sizeof(priv_r));
	size_t point_len = point_from_hex(v->gix, v->giy, gi);
	assert_int_equal(point_from_hex(v->grx, v->gry, gr), point_len);
	assert_int_equal(point_len, ecdh_point_len(v->curve));
	size_t secret_len = unhex(v->girx, want, sizeof(want));
	assert_int_equal(secret_len, ecdh_secret_len(v->curve));

	struct ecdh_key *ki, *kr;
	assert_int_equal(ecdh_key_new_from_private(v->curve, priv_i, len_i, &ki), 0);
	assert_int_equal(ecdh_key_new_from_private(v->curve, priv_r, len_r, &kr), 0);
	assert_int_equal(ecdh_public(ki, got, sizeof(got)), 0);
	assert_memory_equal(got, gi, point_len);
	assert_int_equal(ecdh_public(kr, got, sizeof(got)), 0);
	assert_memory_equal(got, gr, point_len);
	assert_int_equal(ecdh_shared(ki, gr, point_len, got, secret_len), 0);
	assert_memory_equal(got, want, secret_len);
	assert_int_equal(ecdh_shared(kr, gi, point_len, got, secret_len), 0);
	assert_memory_equal(got, want, secret_len);
	ecdh_key_free(ki);
	ecdh_key_free(kr);
}

static void test_ecdh_p256_rfc5903_8_1(void **state) { (void)state; check_rfc5903(&vectors[0]); }
static void test_ecdh_p384_rfc5903_8_2(void **state) { (void)state; check_rfc5903(&vectors[1]); }
static void test_ecdh_p521_rfc5903_8_3(void **state) { (void)state; check_rfc5903(&vectors[2]); }

static void test_ecdh_generated_keys_agree_on_every_curve(void **state)
{
	(void)state;
	for (enum ecdh_curve curve = ECDH_P256; curve <= ECDH_P521; curve++) {
		struct ecdh_key *a, *b;
		uint8_t pa[MAX_POINT], pb[MAX_POINT], sa[66], sb[66];
		size_t point_len = ecdh_point_len(curve), secret_len = ecdh_secret_len(curve);
		assert_int_equal(ecdh_key_new(curve, &a), 0);
		assert_int_equal(ecdh_key_new(curve, &b), 0);
		assert_int_equal(ecdh_public(a, pa, sizeof(pa)), 0);
		assert_int_equal(ecdh_public(b, pb, sizeof(pb)), 0);
		assert_int_equal(pa[0], 0x04);
		assert_int_equal(ecdh_shared(a, pb, point_len, sa, secret_len), 0);
		assert_int_equal(ecdh_shared(b, pa, point_len, sb, secret_len), 0);
		assert_memory_equal(sa, sb, secret_len);
		ecdh_key_free(a);
		ecdh_key_free(b);
	}
}

/* Shared secret with the RFC's initiator key and `peer` as the responder's point. */
static int shared_with(const struct rfc5903_vector *v, const uint8_t *peer, size_t len)
{
	uint8_t priv[66], out[66];
	size_t n = unhex(v->i, priv, sizeof(priv));
	struct ecdh_key *k;
	assert_int_equal(ecdh_key_new_from_private(v->curve, priv, n, &k), 0);
	int rc = ecdh_shared(k, peer, len, out, ecdh_secret_len(v->curve));
	ecdh_key_free(k);
	return rc;
}

static void test_ecdh_refuses_point_not_on_curve(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t gr[MAX_POINT];
		size_t n = point_from_hex(vectors[i].grx, vectors[i].gry, gr);
		gr[n - 1] ^= 1; /* y no longer matches x */
		assert_int_equal(shared_with(&vectors[i], gr, n), BURROW_E_CRYPTO);
	}
}

static void test_ecdh_refuses_point_at_infinity(void **state)
{
	(void)state;
	uint8_t infinity[1] = { 0x00 }, zeros[MAX_POINT] = { 0x04 };
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		assert_int_equal(shared_with(&vectors[i], infinity, 1), BURROW_E_CRYPTO);
		assert_int_equal(shared_with(&vectors[i], zeros, ecdh_point_len(vectors[i].curve)), BURROW_E_CRYPTO);
	}
}

static void test_ecdh_refuses_compressed_and_mis_sized_points(void **state)
{
	(void)state;
	const struct rfc5903_vector *v = &vectors[0];
	uint8_t gr[MAX_POINT];
	size_t n = point_from_hex(v->grx, v->gry, gr);
	assert_int_equal(shared_with(v, gr, n), 0);
	assert_int_equal(shared_with(v, gr, n - 1), BURROW_E_CRYPTO);
	/* The same x with the compressed prefix (y is odd: 0xAB): OpenSSH takes only uncompressed. */
	gr[0] = 0x03;
	assert_int_equal(shared_with(v, gr, 33), BURROW_E_CRYPTO);
	/* A P-384 point handed to a P-256 key. */
	uint8_t big[MAX_POINT];
	size_t big_n = point_from_hex(vectors[1].grx, vectors[1].gry, big);
	assert_int_equal(shared_with(v, big, big_n), BURROW_E_CRYPTO);
}

static void test_ecdh_private_key_out_of_range_is_refused(void **state)
{
	(void)state;
	uint8_t zero[32] = { 0 }, ones[32];
	memset(ones, 0xff, sizeof(ones)); /* above the group order n */
	struct ecdh_key *k = NULL;
	assert_int_equal(ecdh_key_new_from_private(ECDH_P256, zero, sizeof(zero), &k), BURROW_E_CRYPTO);
	assert_null(k);
	assert_int_equal(ecdh_key_new_from_private(ECDH_P256, ones, sizeof(ones), &k), BURROW_E_CRYPTO);
	assert_null(k);
	ecdh_key_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecdh_p256_rfc5903_8_1),
		cmocka_unit_test(test_ecdh_p384_rfc5903_8_2),
		cmocka_unit_test(test_ecdh_p521_rfc5903_8_3),
		cmocka_unit_test(test_ecdh_generated_keys_agree_on_every_curve),
		cmocka_unit_test(test_ecdh_refuses_point_not_on_curve),
		cmocka_unit_test(test_ecdh_refuses_point_at_infinity),
		cmocka_unit_test(test_ecdh_refuses_compressed_and_mis_sized_points),
		cmocka_unit_test(test_ecdh_private_key_out_of_range_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
