/* Tests for buf.c: the growable buffer and the bounded reader of SSH wire types (RFC 4251 5). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helper_hex.h"
#include "buf.h"

static void assert_buf_hex(const struct buf *b, const char *want_hex)
{
	uint8_t want[256];
	size_t n = test_unhex(want_hex, want, sizeof(want));
	assert_true(buf_ok(b));
	assert_int_equal(buf_len(b), n);
	if (n)
		assert_memory_equal(buf_ptr(b), want, n);
}

/* ---- writing ---- */

static void test_put_fixed_width_integers_big_endian(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_put_u8(&b, 0xab);
	buf_put_bool(&b, true);
	buf_put_bool(&b, false);
	buf_put_u32(&b, 0x01020304);
	buf_put_u64(&b, 0x1122334455667788ull);
	assert_buf_hex(&b, "ab" "01" "00" "01020304" "1122334455667788");
	buf_free(&b);
}

static void test_put_string_forms_prefix_a_uint32_length(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_put_string(&b, "abc", 3);
	buf_put_cstring(&b, "testing"); /* RFC 4251 5: "testing" = 00 00 00 07 t e s t i n g */
	buf_put_bstr(&b, bstr_from("", 0));
	assert_buf_hex(&b, "0000000361626300000007" "74657374696e67" "00000000");
	buf_free(&b);
}

static void check_put_mpint(const char *magnitude_hex, const char *want_hex)
{
	uint8_t mag[64];
	size_t n = test_unhex(magnitude_hex, mag, sizeof(mag));
	struct buf b;
	buf_init(&b);
	buf_put_mpint(&b, mag, n);
	assert_buf_hex(&b, want_hex);
	buf_free(&b);
}

static void test_put_mpint_rfc4251_examples(void **state)
{
	check_put_mpint("", "00000000");                                      /* 0 */
	check_put_mpint("00", "00000000");                                    /* 0, given as a byte */
	check_put_mpint("09a378f9b2e332a7", "0000000809a378f9b2e332a7");      /* 9a378f9b2e332a7 */
	check_put_mpint("80", "000000020080");                                /* 80: sign byte added */
	check_put_mpint("00000080", "000000020080");                          /* leading zeros stripped */
	check_put_mpint("7f", "000000017f");
	check_put_mpint("0000ff01", "0000000300ff01");
}

/* ---- reading fixed-width fields ---- */

static void test_read_fixed_width_integers(void **state)
{
	uint8_t in[32];
	size_t n = test_unhex("ab" "00" "02" "01020304" "1122334455667788" "ffffffffffffffff", in, sizeof(in));
	struct rd r;
	rd_init(&r, in, n);
	assert_int_equal(rd_u8(&r), 0xab);
	assert_false(rd_bool(&r));
	assert_true(rd_bool(&r)); /* RFC 4251 5: any non-zero value is TRUE */
	assert_int_equal(rd_u32(&r), 0x01020304);
	assert_true(rd_u64(&r) == 0x1122334455667788ull);
	assert_true(rd_u64(&r) == UINT64_MAX);
	assert_true(rd_done(&r));
}

static void test_written_values_read_back(void **state)
{
	struct buf b;
	struct rd r;
	buf_init(&b);
	buf_put_u32(&b, UINT32_MAX);
	buf_put_u64(&b, 0);
	buf_put_u64(&b, 0x8000000000000001ull);
	buf_put_cstring(&b, "ssh-ed25519");
	buf_put_bool(&b, true);
	rd_init(&r, buf_ptr(&b), buf_len(&b));
	assert_int_equal(rd_u32(&r), UINT32_MAX);
	assert_true(rd_u64(&r) == 0);
	assert_true(rd_u64(&r) == 0x8000000000000001ull);
	assert_true(bstr_eq(rd_string(&r), "ssh-ed25519"));
	assert_true(rd_bool(&r));
	assert_true(rd_done(&r));
	buf_free(&b);
}

/* ---- strings ---- */

static void test_read_string_gives_view_into_input(void **state)
{
	uint8_t in[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0 };
	struct rd r;
	rd_init(&r, in, sizeof(in));
	struct bstr s = rd_string(&r);
	assert_ptr_equal(s.p, in + 4); /* a view, not a copy */
	assert_int_equal(s.len, 3);
	struct bstr empty = rd_string(&r);
	assert_int_equal(empty.len, 0);
	assert_true(rd_done(&r));
}

static void test_string_longer_than_remaining_fails(void **state)
{
	uint8_t in[] = { 0, 0, 0, 5, 'a', 'b', 'c', 'd' };
	struct rd r;
	rd_init(&r, in, sizeof(in));
	struct bstr s = rd_string(&r);
	assert_null(s.p);
	assert_int_equal(s.len, 0);
	assert_false(rd_ok(&r));
}

static void test_string_length_0xffffffff_fails(void **state)
{
	uint8_t in[] = { 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd' };
	struct rd r;
	rd_init(&r, in, sizeof(in));
	struct bstr s = rd_string(&r);
	assert_null(s.p);
	assert_int_equal(s.len, 0);
	assert_false(rd_ok(&r));
	assert_int_equal(rd_remaining(&r), 0);
}

static void test_string_length_just_fits_and_one_more_fails(void **state)
{
	uint8_t in[] = { 0, 0, 0, 4, 'a', 'b', 'c', 'd' };
	struct rd r;
	rd_init(&r, in, sizeof(in));
	assert_true(bstr_eq(rd_string(&r), "abcd"));
	assert_true(rd_done(&r));
	in[3] = 5;
	rd_init(&r, in, sizeof(in));
	rd_string(&r);
	assert_false(rd_ok(&r));
}

/* ---- mpint (RFC 4251 5) ---- */

static struct bstr read_mpint_hex(const char *hex, uint8_t *storage, size_t max, struct rd *r)
{
	size_t n = test_unhex(hex, storage, max);
	rd_init(r, storage, n);
	return rd_mpint(r);
}

static void check_mpint_accepted(const char *wire_hex, const char *view_hex)
{
	uint8_t in[64], want[64];
	struct rd r;
	size_t wn = test_unhex(view_hex, want, sizeof(want));
	struct bstr v = read_mpint_hex(wire_hex, in, sizeof(in), &r);
	assert_true(rd_done(&r));
	assert_int_equal(v.len, wn);
	if (wn)
		assert_memory_equal(v.p, want, wn);
}

static void check_mpint_rejected(const char *wire_hex)
{
	uint8_t in[64];
	struct rd r;
	struct bstr v = read_mpint_hex(wire_hex, in, sizeof(in), &r);
	assert_false(rd_ok(&r));
	assert_null(v.p);
	assert_int_equal(v.len, 0);
}

static void test_mpint_rfc4251_examples_read(void **state)
{
	check_mpint_accepted("00000000", "");                                     /* 0 */
	check_mpint_accepted("0000000809a378f9b2e332a7", "09a378f9b2e332a7");     /* 9a378f9b2e332a7 */
	check_mpint_accepted("000000020080", "0080");                             /* 80 */
	check_mpint_accepted("000000017f", "7f");
}

static void test_mpint_negative_values_rejected(void **state)
{
	check_mpint_rejected("00000002edcc");       /* -1234 (RFC 4251 5) */
	check_mpint_rejected("00000005ff21524111"); /* -deadbeef (RFC 4251 5) */
	check_mpint_rejected("0000000180");         /* -128 */
}

static void test_mpint_non_minimal_encodings_rejected(void **state)
{
	check_mpint_rejected("0000000100");         /* zero must be the empty string */
	check_mpint_rejected("000000020001");       /* unnecessary leading zero */
	check_mpint_rejected("00000003000080");     /* two leading zeros before a high bit */
	check_mpint_rejected("0000000309a3");       /* length overruns the input */
}

/* ---- errors latch ---- */

static void test_truncated_read_latches_and_later_reads_give_zero(void **state)
{
	uint8_t in[] = { 1, 2, 3, 4, 5, 6 };
	struct rd r;
	rd_init(&r, in, 3);
	assert_int_equal(rd_u32(&r), 0); /* only 3 bytes */
	assert_false(rd_ok(&r));
	/* Bytes remain in the input, but after an error nothing more is read. */
	assert_int_equal(rd_u8(&r), 0);
	assert_false(rd_bool(&r));
	assert_int_equal(rd_u32(&r), 0);
	assert_true(rd_u64(&r) == 0);
	struct bstr s = rd_string(&r);
	assert_null(s.p);
	assert_int_equal(s.len, 0);
	s = rd_bytes(&r, 0);
	assert_null(s.p);
	s = rd_rest(&r);
	assert_int_equal(s.len, 0);
	s = rd_mpint(&r);
	assert_int_equal(s.len, 0);
	assert_int_equal(rd_remaining(&r), 0);
	assert_false(rd_done(&r));
}

static void test_truncated_u64_and_u8_fail(void **state)
{
	uint8_t in[8] = { 0 };
	struct rd r;
	rd_init(&r, in, 7);
	assert_true(rd_u64(&r) == 0);
	assert_false(rd_ok(&r));
	rd_init(&r, in, 0);
	assert_int_equal(rd_u8(&r), 0);
	assert_false(rd_ok(&r));
}

static void test_rd_fail_latches_a_semantic_error(void **state)
{
	uint8_t in[] = { 0, 0, 0, 7 };
	struct rd r;
	rd_init(&r, in, sizeof(in));
	rd_fail(&r); /* e.g. a value out of range, found by the handler */
	assert_int_equal(rd_u32(&r), 0);
	assert_false(rd_ok(&r));
}

static void test_rd_done_rejects_trailing_bytes(void **state)
{
	uint8_t in[] = { 0, 0, 0, 1, 0xee };
	struct rd r;
	rd_init(&r, in, sizeof(in));
	assert_int_equal(rd_u32(&r), 1);
	assert_true(rd_ok(&r));
	assert_false(rd_done(&r));
	assert_int_equal(rd_remaining(&r), 1);
	rd_u8(&r);
	assert_true(rd_done(&r));
}

static void test_rd_bytes_and_rest(void **state)
{
	uint8_t in[] = { 1, 2, 3, 4, 5 };
	struct rd r;
	rd_init(&r, in, sizeof(in));
	struct bstr two = rd_bytes(&r, 2);
	assert_ptr_equal(two.p, in);
	assert_int_equal(two.len, 2);
	struct bstr rest = rd_rest(&r);
	assert_ptr_equal(rest.p, in + 2);
	assert_int_equal(rest.len, 3);
	assert_true(rd_done(&r));
	assert_int_equal(rd_rest(&r).len, 0); /* nothing left is not an error */
	assert_true(rd_done(&r));
	rd_bytes(&r, 1);
	assert_false(rd_ok(&r));
}

static void test_empty_reader(void **state)
{
	struct rd r;
	rd_init(&r, NULL, 0);
	assert_true(rd_done(&r));
	assert_int_equal(rd_remaining(&r), 0);
	assert_int_equal(rd_u8(&r), 0);
	assert_false(rd_ok(&r));
}

/* ---- name-lists ---- */

static void test_namelist_next_walks_names_in_order(void **state)
{
	struct bstr list = bstr_cstr("curve25519-sha256,ecdh-sha2-nistp256,ext-info-c");
	const char *want[] = { "curve25519-sha256", "ecdh-sha2-nistp256", "ext-info-c" };
	size_t pos = 0, i = 0;
	struct bstr name;
	while (namelist_next(list, &pos, &name)) {
		assert_true(i < 3);
		assert_true(bstr_eq(name, want[i]));
		i++;
	}
	assert_int_equal(i, 3);
	assert_false(namelist_next(list, &pos, &name)); /* stays at the end */
}

static void test_namelist_single_and_empty(void **state)
{
	size_t pos = 0;
	struct bstr name;
	assert_true(namelist_next(bstr_cstr("none"), &pos, &name));
	assert_true(bstr_eq(name, "none"));
	assert_false(namelist_next(bstr_cstr("none"), &pos, &name));
	pos = 0;
	assert_false(namelist_next(bstr_cstr(""), &pos, &name)); /* RFC 4251 5: () is an empty list */
}

static void test_namelist_contains_matches_whole_names_only(void **state)
{
	struct bstr list = bstr_cstr("aes128-ctr,aes256-gcm@openssh.com,zlib");
	assert_true(namelist_contains(list, bstr_cstr("aes128-ctr")));
	assert_true(namelist_contains(list, bstr_cstr("aes256-gcm@openssh.com")));
	assert_true(namelist_contains(list, bstr_cstr("zlib")));
	assert_false(namelist_contains(list, bstr_cstr("aes128")));       /* prefix */
	assert_false(namelist_contains(list, bstr_cstr("ctr")));          /* suffix */
	assert_false(namelist_contains(list, bstr_cstr("zlib,")));
	assert_false(namelist_contains(list, bstr_cstr("AES128-CTR")));   /* names are case-sensitive */
	assert_false(namelist_contains(bstr_cstr(""), bstr_cstr("zlib")));
}

static void test_namelist_read_from_wire(void **state)
{
	/* RFC 4251 5 examples: ("zlib") = 00000004 7a6c6962, ("zlib,none") = 00000009 7a6c69622c6e6f6e65 */
	uint8_t in[32];
	size_t n = test_unhex("000000047a6c6962" "000000097a6c69622c6e6f6e65" "00000000", in, sizeof(in));
	struct rd r;
	rd_init(&r, in, n);
	struct bstr one = rd_string(&r), two = rd_string(&r), none = rd_string(&r);
	assert_true(rd_done(&r));
	assert_true(namelist_contains(one, bstr_cstr("zlib")));
	assert_true(namelist_contains(two, bstr_cstr("none")));
	assert_false(namelist_contains(none, bstr_cstr("zlib")));
}

/* ---- buffer growth, consume, reserve ---- */

static void test_buf_grows_across_many_puts(void **state)
{
	struct buf b;
	buf_init(&b);
	for (uint32_t i = 0; i < 50000; i++)
		buf_put_u32(&b, i);
	assert_true(buf_ok(&b));
	assert_int_equal(buf_len(&b), 200000);
	assert_true(b.cap >= 200000);
	struct rd r;
	rd_init(&r, buf_ptr(&b), buf_len(&b));
	for (uint32_t i = 0; i < 50000; i++)
		assert_int_equal(rd_u32(&r), i);
	assert_true(rd_done(&r));
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void test_buf_reserve_gives_room_without_moving_data(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_put(&b, "head", 4);
	assert_int_equal(buf_reserve(&b, 10000), 0);
	assert_int_equal(buf_len(&b), 4);
	uint8_t *before = buf_ptr(&b);
	size_t cap = b.cap;
	assert_true(cap >= 10004);
	uint8_t *p = buf_extend(&b, 10000); /* within the reservation: no reallocation */
	assert_non_null(p);
	assert_ptr_equal(buf_ptr(&b), before);
	assert_ptr_equal(p, before + 4);
	assert_int_equal(b.cap, cap);
	assert_memory_equal(buf_ptr(&b), "head", 4);
	buf_free(&b);
}

static void test_buf_consume_drops_bytes_from_front(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_put(&b, "0123456789", 10);
	buf_consume(&b, 3);
	assert_int_equal(buf_len(&b), 7);
	assert_memory_equal(buf_ptr(&b), "3456789", 7);
	buf_consume(&b, 0);
	assert_int_equal(buf_len(&b), 7);
	buf_consume(&b, 100); /* more than there is: empty, not an error */
	assert_int_equal(buf_len(&b), 0);
	assert_true(buf_ok(&b));
	buf_put(&b, "xy", 2);
	assert_memory_equal(buf_ptr(&b), "xy", 2);
	buf_free(&b);
}

static void test_buf_reuses_consumed_space_before_growing(void **state)
{
	struct buf b;
	buf_init(&b);
	uint8_t chunk[200];
	memset(chunk, 'a', sizeof(chunk));
	buf_put(&b, chunk, sizeof(chunk));
	size_t cap = b.cap;
	/* Stream pattern: consume most, then append; live bytes slide to the front instead of growing. */
	for (int i = 0; i < 100; i++) {
		buf_consume(&b, 150);
		memset(chunk, 'a' + i % 26, sizeof(chunk));
		buf_put(&b, chunk, 150);
		assert_true(buf_ok(&b));
		assert_int_equal(buf_len(&b), 200);
		assert_int_equal(buf_ptr(&b)[199], 'a' + i % 26);
	}
	assert_int_equal(b.cap, cap);
	buf_free(&b);
}

static void test_buf_slide_preserves_live_bytes(void **state)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 256; i++)
		buf_put_u8(&b, (uint8_t)i);
	buf_consume(&b, 100);
	buf_put_u8(&b, 0xaa); /* forces a slide or a grow */
	assert_int_equal(buf_len(&b), 157);
	for (int i = 0; i < 156; i++)
		assert_int_equal(buf_ptr(&b)[i], 100 + i);
	assert_int_equal(buf_ptr(&b)[156], 0xaa);
	buf_free(&b);
}

static void test_buf_truncate_and_reset(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_put(&b, "abcdef", 6);
	buf_truncate(&b, 10); /* longer than len: no change */
	assert_int_equal(buf_len(&b), 6);
	buf_truncate(&b, 2);
	assert_int_equal(buf_len(&b), 2);
	assert_memory_equal(buf_ptr(&b), "ab", 2);
	size_t cap = b.cap;
	uint8_t *data = b.data;
	buf_reset(&b);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(b.cap, cap); /* keeps its capacity */
	assert_ptr_equal(b.data, data);
	assert_int_equal(data[0], 0); /* and wiped the old bytes */
	buf_free(&b);
}

static void test_buf_oom_latches_until_reset(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_put(&b, "ok", 2);
	assert_int_equal(buf_reserve(&b, SIZE_MAX / 2), -1);
	assert_false(buf_ok(&b));
	buf_put_u32(&b, 7); /* ignored once the buffer has failed */
	assert_null(buf_extend(&b, 1));
	assert_int_equal(buf_len(&b), 2);
	buf_reset(&b);
	assert_true(buf_ok(&b));
	buf_put_u8(&b, 1);
	assert_int_equal(buf_len(&b), 1);
	buf_free(&b);
}

static void test_buf_put_string_over_uint32_fails(void **state)
{
	struct buf b;
	buf_init(&b);
	if (sizeof(size_t) > 4) {
		buf_put_string(&b, "x", (size_t)UINT32_MAX + 1); /* checked before the bytes are touched */
		assert_false(buf_ok(&b));
		assert_int_equal(buf_len(&b), 0);
	}
	buf_free(&b);
}

static void test_buf_free_of_zeroed_buf_is_safe(void **state)
{
	struct buf b;
	memset(&b, 0, sizeof(b));
	buf_free(&b);
	buf_free(&b);
	assert_null(b.data);
}

static void test_buf_empty_puts(void **state)
{
	struct buf b;
	buf_init(&b);
	buf_put(&b, NULL, 0);
	assert_true(buf_ok(&b));
	assert_int_equal(buf_len(&b), 0);
	buf_put_string(&b, NULL, 0);
	assert_buf_hex(&b, "00000000");
	buf_free(&b);
}

/* ---- views ---- */

static void test_bstr_helpers(void **state)
{
	uint8_t with_nul[] = { 'a', 0, 'b' };
	assert_true(bstr_eq(bstr_cstr("abc"), "abc"));
	assert_false(bstr_eq(bstr_cstr("abc"), "ab"));
	assert_false(bstr_eq(bstr_cstr("ab"), "abc"));
	assert_true(bstr_eq(bstr_from(NULL, 0), ""));
	assert_true(bstr_eq_bstr(bstr_from("xyz", 3), bstr_cstr("xyz")));
	assert_false(bstr_eq_bstr(bstr_from("xyz", 3), bstr_from("xyw", 3)));
	assert_true(bstr_eq_bstr(bstr_from(NULL, 0), bstr_from("", 0)));
	char *dup = bstr_dup(bstr_from("hello world", 5));
	assert_non_null(dup);
	assert_string_equal(dup, "hello");
	free(dup);
	dup = bstr_dup(bstr_from(NULL, 0));
	assert_non_null(dup);
	assert_string_equal(dup, "");
	free(dup);
	assert_null(bstr_dup(bstr_from(with_nul, sizeof(with_nul)))); /* would silently truncate */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_fixed_width_integers_big_endian),
		cmocka_unit_test(test_put_string_forms_prefix_a_uint32_length),
		cmocka_unit_test(test_put_mpint_rfc4251_examples),
		cmocka_unit_test(test_read_fixed_width_integers),
		cmocka_unit_test(test_written_values_read_back),
		cmocka_unit_test(test_read_string_gives_view_into_input),
		cmocka_unit_test(test_string_longer_than_remaining_fails),
		cmocka_unit_test(test_string_length_0xffffffff_fails),
		cmocka_unit_test(test_string_length_just_fits_and_one_more_fails),
		cmocka_unit_test(test_mpint_rfc4251_examples_read),
		cmocka_unit_test(test_mpint_negative_values_rejected),
		cmocka_unit_test(test_mpint_non_minimal_encodings_rejected),
		cmocka_unit_test(test_truncated_read_latches_and_later_reads_give_zero),
		cmocka_unit_test(test_truncated_u64_and_u8_fail),
		cmocka_unit_test(test_rd_fail_latches_a_semantic_error),
		cmocka_unit_test(test_rd_done_rejects_trailing_bytes),
		cmocka_unit_test(test_rd_bytes_and_rest),
		cmocka_unit_test(test_empty_reader),
		cmocka_unit_test(test_namelist_next_walks_names_in_order),
		cmocka_unit_test(test_namelist_single_and_empty),
		cmocka_unit_test(test_namelist_contains_matches_whole_names_only),
		cmocka_unit_test(test_namelist_read_from_wire),
		cmocka_unit_test(test_buf_grows_across_many_puts),
		cmocka_unit_test(test_buf_reserve_gives_room_without_moving_data),
		cmocka_unit_test(test_buf_consume_drops_bytes_from_front),
		cmocka_unit_test(test_buf_reuses_consumed_space_before_growing),
		cmocka_unit_test(test_buf_slide_preserves_live_bytes),
		cmocka_unit_test(test_buf_truncate_and_reset),
		cmocka_unit_test(test_buf_oom_latches_until_reset),
		cmocka_unit_test(test_buf_put_string_over_uint32_fails),
		cmocka_unit_test(test_buf_free_of_zeroed_buf_is_safe),
		cmocka_unit_test(test_buf_empty_puts),
		cmocka_unit_test(test_bstr_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
