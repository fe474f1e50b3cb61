/*
 * ML-KEM-768 (mlkem768*.c), the KEM as a whole:
 *  - known answers: NIST ACVP (ML-KEM-keyGen-FIPS203 v1.1.0.40 tcId 26; ML-KEM-encapDecap-FIPS203
 *    v1.1.0.38 internalProjection tcId 26, whose dk is tests/unit/data/mlkem768_acvp_encap26_dk.hex)
 *    and the C2SP CCTV "accumulated" run of 10 000 SHAKE128-driven cases (final FIPS 203 value, as
 *    published by CCTV and used by BoringSSL/LibreSSL);
 *  - round trips, implicit rejection (equal to J(z || c), computed here), and the input checks of
 *    FIPS 203 7.2 (modulus) and 7.3 (hash).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/pq.h"

#define PK_BYTES MLKEM768_PUBLIC_KEY_BYTES
#define SK_BYTES MLKEM768_SECRET_KEY_BYTES
#define CT_BYTES MLKEM768_CIPHERTEXT_BYTES
#define SS_BYTES MLKEM768_SHARED_SECRET_BYTES
#define SK_EK 1152               /* dk = dk_pke || ek || H(ek) || z */
#define SK_H (SK_EK + PK_BYTES)
#define SK_Z (SK_H + 32)

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	assert_true(strlen(hex) >= 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void assert_hex_equal(const uint8_t *got, const char *want_hex, size_t n)
{
	uint8_t want[64];
	assert_true(n <= sizeof(want));
	unhex(want_hex, want, n);
	assert_memory_equal(got, want, n);
}

/* md(a || b) with out_len bytes of output (any length for the SHAKEs). */
static void digest(const EVP_MD *md, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len, uint8_t *out,
		   size_t out_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, md, NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, a, a_len), 1);
	if (b_len)
		assert_int_equal(EVP_DigestUpdate(ctx, b, b_len), 1);
	if (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) {
		assert_int_equal(EVP_DigestFinalXOF(ctx, out, out_len), 1);
	} else {
		unsigned int n = 0;
		assert_int_equal(EVP_DigestFinal_ex(ctx, out, &n), 1);
		assert_int_equal(n, out_len);
	}
	EVP_MD_CTX_free(ctx);
}

static void sha3_256(const uint8_t *in, size_t n, uint8_t out[32])
{
	digest(EVP_sha3_256(), in, n, NULL, 0, out, 32);
}

/* tests/unit/data/<name> (found next to this source file): hex, decoded into out[n]. */
static void read_hex_fixture(const char *name, uint8_t *out, size_t n)
{
	char path[4096];
	const char *slash = strrchr(__FILE__, '/');
	int dirlen = slash ? (int)(slash - __FILE__) : 1;
	snprintf(path, sizeof(path), "%.*s/data/%s", dirlen, slash ? __FILE__ : ".", name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(fscanf(f, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	fclose(f);
}

/* ---- known answers ---- */

/* ACVP ML-KEM-keyGen-FIPS203 (v1.1.0.40, as vendored by pq-code-package/mlkem-native), tcId 26:
 * the expected ek and dk are compared through their SHA3-256 (dk's own H(ek) field is the first). */
static void test_mlkem768_keygen_matches_acvp_tc26(void **state)
{
	(void)state;
	uint8_t d[32], z[32], pk[PK_BYTES], sk[SK_BYTES], h[32];
	unhex("A2B4BCA315A6EA4600B4A316E09A2578AA1E8BCE919C8DF3A96C71C843F5B38B", d, 32);
	unhex("D6BF055CB7B375E3271ED131F1BA31F83FEF533A239878A71074578B891265D1", z, 32);

	assert_int_equal(mlkem768_keygen_derand(d, z, pk, sk), 0);
	sha3_256(pk, PK_BYTES, h);
	assert_hex_equal(h, "7CA0C2CBBF4FBF28DE8C479D4473C339D96B89C34A4E5FCBCF7728BDFB43B945", 32);
	sha3_256(sk, SK_BYTES, h);
	assert_hex_equal(h, "AECCD54112DBDA9B5DABECA6051A06068F09EC719F36CDC59A46E1960F7D3758", 32);
	assert_memory_equal(sk + SK_Z, z, 32);
}

/* ACVP ML-KEM-encapDecap-FIPS203 (v1.1.0.38 internalProjection, mlkem-native), ML-KEM-768 encapsulation
 * tcId 26: ek is the middle of the case's dk; c is compared through its SHA3-256. The same c then
 * decapsulates under dk to the same key. */
static void test_mlkem768_encaps_and_decaps_match_acvp_tc26(void **state)
{
	(void)state;
	uint8_t sk[SK_BYTES], m[32], ct[CT_BYTES], ss[SS_BYTES], ss2[SS_BYTES], h[32];
	read_hex_fixture("mlkem768_acvp_encap26_dk.hex", sk, sizeof(sk));
	sha3_256(sk, sizeof(sk), h); /* the fixture is the published dk, byte for byte */
	assert_hex_equal(h, "CF09C9130083235FF2A9D9E8D8C5193AE45A23CA7898C6B2CC7940CF6EAB5F5F", 32);
	unhex("4A6DE42B3129B293C3D2E7BEB7DF22F230E7C783054B024C59EDAC71FA4B96B2", m, 32);

	assert_int_equal(mlkem768_encaps_derand(ct, ss, sk + SK_EK, m), 0);
	sha3_256(ct, CT_BYTES, h);
	assert_hex_equal(h, "3DE7553F86F0744519A000167571E04E08B18F4C14FE2DBD9056E3263D01FF64", 32);
	assert_hex_equal(ss, "4CCBCF319DA7BE4491D3BBD32EA000FA0B0BC0BE3E1D87087DE6BCD14D577D3F", 32);

	assert_int_equal(mlkem768_decaps(ss2, ct, sk), 0);
	assert_memory_equal(ss2, ss, SS_BYTES);
}

/*
 * C2SP CCTV ML-KEM "accumulated" vectors (https://c2sp.org/CCTV/ML-KEM): d, z, m and a random ct are
 * drawn in turn from one SHAKE128 stream of empty input; ek, dk, ct, K and the implicit-rejection key
 * of the random ct are absorbed by a second SHAKE128, whose first 32 bytes after 10 000 cases are the
 * published final-FIPS-203 value. Reaches rare coefficient and rejection edge cases without large files.
 */
static void test_mlkem768_cctv_accumulated_10000_cases(void **state)
{
	(void)state;
	enum { CASES = 10000, DRAW = 32 + 32 + 32 + CT_BYTES };
	uint8_t *stream = malloc((size_t)CASES * DRAW), *p;
	uint8_t pk[PK_BYTES], sk[SK_BYTES], ct[CT_BYTES], ss[SS_BYTES], ss2[SS_BYTES], out[32];
	EVP_MD_CTX *acc = EVP_MD_CTX_new();

	assert_non_null(stream);
	assert_non_null(acc);
	digest(EVP_shake128(), (const uint8_t *)"", 0, NULL, 0, stream, (size_t)CASES * DRAW);
	assert_hex_equal(stream, "7F9C2BA4E88F827D616045507605853E", 16);
	assert_int_equal(EVP_DigestInit_ex(acc, EVP_shake128(), NULL), 1);

	p = stream;
	for (int i = 0; i < CASES; i++, p += DRAW) {
		const uint8_t *d = p, *z = p + 32, *m = p + 64, *random_ct = p + 96;
		assert_int_equal(mlkem768_keygen_derand(d, z, pk, sk), 0);
		assert_int_equal(mlkem768_encaps_derand(ct, ss, pk, m), 0);
		assert_int_equal(mlkem768_decaps(ss2, ct, sk), 0);
		assert_memory_equal(ss2, ss, SS_BYTES);
		EVP_DigestUpdate(acc, pk, sizeof(pk));
		EVP_DigestUpdate(acc, sk, sizeof(sk));
		EVP_DigestUpdate(acc, ct, sizeof(ct));
		EVP_DigestUpdate(acc, ss, sizeof(ss));
		assert_int_equal(mlkem768_decaps(ss2, random_ct, sk), 0);
		EVP_DigestUpdate(acc, ss2, sizeof(ss2));
	}
	assert_int_equal(EVP_DigestFinalXOF(acc, out, sizeof(out)), 1);
	assert_hex_equal(out, "F959D18D3D1180121433BF0E05F11E7908CF9D03EDC150B2B07CB90BEF5BC1C1", 32);
	EVP_MD_CTX_free(acc);
	free(stream);
}

/* ---- behaviour ---- */

static void test_mlkem768_round_trip_agrees_for_many_random_keys(void **state)
{
	(void)state;
	uint8_t pk[PK_BYTES], sk[SK_BYTES], ct[CT_BYTES], ss[SS_BYTES], ss2[SS_BYTES], prev[SS_BYTES] = { 0 };
	for (int i = 0; i < 200; i++) {
		assert_int_equal(mlkem768_keygen(pk, sk), 0);
		assert_int_equal(mlkem768_encaps(ct, ss, pk), 0);
		assert_int_equal(mlkem768_decaps(ss2, ct, sk), 0);
		assert_memory_equal(ss, ss2, SS_BYTES);
		assert_memory_not_equal(ss, prev, SS_BYTES);
		memcpy(prev, ss, SS_BYTES);
	}
}

static void test_mlkem768_keygen_derand_is_deterministic_and_z_only_sets_the_tail(void **state)
{
	(void)state;
	uint8_t d[32], z[32], z2[32], pk[PK_BYTES], sk[SK_BYTES], pk2[PK_BYTES], sk2[SK_BYTES];
	memset(d, 0x11, 32);
	memset(z, 0x22, 32);
	memset(z2, 0x33, 32);
	assert_int_equal(mlkem768_keygen_derand(d, z, pk, sk), 0);
	assert_int_equal(mlkem768_keygen_derand(d, z2, pk2, sk2), 0);
	assert_memory_equal(pk, pk2, PK_BYTES);
	assert_memory_equal(sk, sk2, SK_Z);
	assert_memory_equal(sk + SK_EK, pk, PK_BYTES);
	assert_memory_equal(sk2 + SK_Z, z2, 32);
}

/* FIPS 203 6.3: a ciphertext that does not re-encrypt to itself yields K-bar = J(z || c). */
static void test_mlkem768_tampered_ciphertext_gives_implicit_rejection_key(void **state)
{
	(void)state;
	static const size_t positions[] = { 0, 500, 959, 960, 1087 };
	uint8_t pk[PK_BYTES], sk[SK_BYTES], ct[CT_BYTES], ss[SS_BYTES], ss2[SS_BYTES], want[SS_BYTES];
	assert_int_equal(mlkem768_keygen(pk, sk), 0);
	assert_int_equal(mlkem768_encaps(ct, ss, pk), 0);

	for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
		uint8_t bad[CT_BYTES];
		memcpy(bad, ct, CT_BYTES);
		bad[positions[i]] ^= 0x01;
		assert_int_equal(mlkem768_decaps(ss2, bad, sk), 0);
		assert_memory_not_equal(ss2, ss, SS_BYTES);
		digest(EVP_shake256(), sk + SK_Z, 32, bad, CT_BYTES, want, sizeof(want));
		assert_memory_equal(ss2, want, SS_BYTES);
	}
}

/* Sets 12-bit coefficient `index` (0..767) of ek's encoded t^ to value. */
static void set_ek_coefficient(uint8_t *ek, unsigned index, unsigned value)
{
	uint8_t *b = ek + 3 * (index / 2);
	if (index % 2 == 0) {
		b[0] = (uint8_t)value;
		b[1] = (uint8_t)((b[1] & 0xf0) | (value >> 8));
	} else {
		b[1] = (uint8_t)((b[1] & 0x0f) | (value & 0x0f) << 4);
		b[2] = (uint8_t)(value >> 4);
	}
}

/* FIPS 203 7.2 modulus check: a coefficient of q or more makes ek invalid; q - 1 is fine. */
static void test_mlkem768_encaps_rejects_unreduced_ek_coefficient(void **state)
{
	(void)state;
	static const unsigned indexes[] = { 0, 1, 255, 256, 767 };
	static const unsigned bad_values[] = { 3329, 3330, 4095 };
	uint8_t pk[PK_BYTES], sk[SK_BYTES], ct[CT_BYTES], ss[SS_BYTES], m[32] = { 0 };
	assert_int_equal(mlkem768_keygen(pk, sk), 0);

	for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
		uint8_t bad[PK_BYTES];
		for (size_t v = 0; v < sizeof(bad_values) / sizeof(bad_values[0]); v++) {
			memcpy(bad, pk, PK_BYTES);
			set_ek_coefficient(bad, indexes[i], bad_values[v]);
			assert_int_equal(mlkem768_encaps(ct, ss, bad), BURROW_E_CRYPTO);
			assert_int_equal(mlkem768_encaps_derand(ct, ss, bad, m), BURROW_E_CRYPTO);
		}
		memcpy(bad, pk, PK_BYTES);
		set_ek_coefficient(bad, indexes[i], 3328);
		assert_int_equal(mlkem768_encaps(ct, ss, bad), 0);
	}
}

/* FIPS 203 7.3 hash check: H(ek) stored in dk must match the ek stored next to it. */
static void test_mlkem768_decaps_rejects_dk_whose_ek_hash_does_not_match(void **state)
{
	(void)state;
	uint8_t pk[PK_BYTES], sk[SK_BYTES], bad[SK_BYTES], ct[CT_BYTES], ss[SS_BYTES], ss2[SS_BYTES];
	assert_int_equal(mlkem768_keygen(pk, sk), 0);
	assert_int_equal(mlkem768_encaps(ct, ss, pk), 0);

	memcpy(bad, sk, SK_BYTES);
	bad[SK_H + 31] ^= 0x80;
	assert_int_equal(mlkem768_decaps(ss2, ct, bad), BURROW_E_CRYPTO);
	memcpy(bad, sk, SK_BYTES);
	bad[SK_EK + 7] ^= 0x01;
	assert_int_equal(mlkem768_decaps(ss2, ct, bad), BURROW_E_CRYPTO);
	assert_int_equal(mlkem768_decaps(ss2, ct, sk), 0);
	assert_memory_equal(ss2, ss, SS_BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mlkem768_keygen_matches_acvp_tc26),
		cmocka_unit_test(test_mlkem768_encaps_and_decaps_match_acvp_tc26),
		cmocka_unit_test(test_mlkem768_cctv_accumulated_10000_cases),
		cmocka_unit_test(test_mlkem768_round_trip_agrees_for_many_random_keys),
		cmocka_unit_test(test_mlkem768_keygen_derand_is_deterministic_and_z_only_sets_the_tail),
		cmocka_unit_test(test_mlkem768_tampered_ciphertext_gives_implicit_rejection_key),
		cmocka_unit_test(test_mlkem768_encaps_rejects_unreduced_ek_coefficient),
		cmocka_unit_test(test_mlkem768_decaps_rejects_dk_whose_ek_hash_does_not_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
