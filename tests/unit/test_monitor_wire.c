/*
 * The monitor wire of burrowd's privilege separation (src/cmd/common/monitor_wire.c): frames and
 * fields round-trip with descriptors attached; a forged or broken frame is refused, never
 * over-read; and the signing policy only lets a child have exchange hashes and this session's
 * hostkeys-prove data signed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor_wire.h"

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void test_fields_round_trip(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct mm_out out;
	mm_begin(&out, MM_AUTH_PUBKEY);
	mm_put_cstring(&out, "alice");
	mm_put_string(&out, "\x00\x01\x02", 3);
	mm_put_u8(&out, 1);
	mm_put_u32(&out, 0xdeadbeef);
	mm_put_cstring(&out, NULL);
	assert_int_equal(mm_send(sv[0], &out, NULL, 0), 0);
	struct mm_in in;
	assert_int_equal(mm_recv(sv[1], &in, 1000), 1);
	assert_int_equal(in.type, MM_AUTH_PUBKEY);
	char *user = mm_get_cstring(&in, 64);
	assert_string_equal(user, "alice");
	size_t n;
	const uint8_t *blob = mm_get_string(&in, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(blob, "\x00\x01\x02", 3);
	assert_int_equal(mm_get_u8(&in), 1);
	assert_int_equal(mm_get_u32(&in), 0xdeadbeef);
	char *empty = mm_get_cstring(&in, 64);
	assert_string_equal(empty, "");
	assert_true(mm_done(&in));
	free(user);
	free(empty);
	mm_in_free(&in);
	close(sv[0]);
	close(sv[1]);
}

static void test_descriptors_travel_with_the_message(void **state)
{
	(void)state;
	int sv[2], p[2];
	pair(sv);
	assert_int_equal(pipe(p), 0);
	struct mm_out out;
	mm_begin(&out, MM_PTY_REPLY);
	mm_put_u32(&out, 1);
	assert_int_equal(mm_send(sv[0], &out, p, 2), 0);
	close(p[0]);
	close(p[1]);
	struct mm_in in;
	assert_int_equal(mm_recv(sv[1], &in, 1000), 1);
	assert_int_equal(mm_get_u32(&in), 1);
	assert_true(mm_done(&in));
	assert_true(in.fds[0] >= 0 && in.fds[1] >= 0);
	assert_int_equal(write(in.fds[1], "x", 1), 1);
	char c = 0;
	assert_int_equal(read(in.fds[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	mm_in_free(&in); /* closes them */
	close(sv[0]);
	close(sv[1]);
}

/* A raw frame header: body length then type. */
static void send_raw(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

static void test_oversized_and_empty_frames_are_refused(void **state)
{
	(void)state;
	int sv[2];
	struct mm_in in;
	pair(sv);
	send_raw(sv[0], "\x01\x00\x00\x01\x01", 5); /* 16 MiB + 1 */
	assert_int_equal(mm_recv(sv[1], &in, 1000), -1);
	close(sv[0]);
	close(sv[1]);
	pair(sv);
	send_raw(sv[0], "\x00\x00\x00\x00\x01", 5); /* no type byte */
	assert_int_equal(mm_recv(sv[1], &in, 1000), -1);
	close(sv[0]);
	close(sv[1]);
}

static void test_truncated_frame_is_refused(void **state)
{
	(void)state;
	int sv[2];
	struct mm_in in;
	pair(sv);
	send_raw(sv[0], "\x00\x00\x00\x09\x01\x00\x00", 7); /* 8 body bytes promised, 2 sent */
	close(sv[0]);
	assert_int_equal(mm_recv(sv[1], &in, 1000), -1);
	close(sv[1]);
}

static void test_silence_times_out(void **state)
{
	(void)state;
	int sv[2];
	struct mm_in in;
	pair(sv);
	assert_int_equal(mm_recv(sv[1], &in, 50), 0);
	close(sv[0]);
	assert_int_equal(mm_recv(sv[1], &in, 1000), -1); /* and a closed peer is an end */
	close(sv[1]);
}

static void test_getters_never_read_past_the_end(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	/* A string whose length claims more than the message holds. */
	send_raw(sv[0], "\x00\x00\x00\x07\x02\x00\x00\x01\x00zz", 11);
	struct mm_in in;
	assert_int_equal(mm_recv(sv[1], &in, 1000), 1);
	size_t n = 99;
	mm_get_string(&in, &n);
	assert_int_equal(n, 0);
	assert_true(in.bad);
	assert_int_equal(mm_get_u32(&in), 0);
	assert_false(mm_done(&in));
	mm_in_free(&in);
	close(sv[0]);
	close(sv[1]);
}

static void test_cstrings_refuse_nul_and_overlength(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct mm_out out;
	mm_begin(&out, MM_AUTH_PASSWORD);
	mm_put_string(&out, "ro\0ot", 5);
	mm_put_cstring(&out, "0123456789");
	assert_int_equal(mm_send(sv[0], &out, NULL, 0), 0);
	struct mm_in in;
	assert_int_equal(mm_recv(sv[1], &in, 1000), 1);
	assert_null(mm_get_cstring(&in, 64));
	assert_false(mm_done(&in));
	mm_in_free(&in);

	mm_begin(&out, MM_AUTH_PASSWORD);
	mm_put_cstring(&out, "0123456789");
	assert_int_equal(mm_send(sv[0], &out, NULL, 0), 0);
	assert_int_equal(mm_recv(sv[1], &in, 1000), 1);
	assert_null(mm_get_cstring(&in, 9));
	assert_false(mm_done(&in));
	mm_in_free(&in);
	close(sv[0]);
	close(sv[1]);
}

static void test_trailing_bytes_are_not_done(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct mm_out out;
	mm_begin(&out, MM_LOG);
	mm_put_u8(&out, 3);
	mm_put_cstring(&out, "line");
	mm_put_u8(&out, 0);
	assert_int_equal(mm_send(sv[0], &out, NULL, 0), 0);
	struct mm_in in;
	assert_int_equal(mm_recv(sv[1], &in, 1000), 1);
	mm_get_u8(&in);
	free(mm_get_cstring(&in, 64));
	assert_false(mm_done(&in));
	mm_in_free(&in);
	close(sv[0]);
	close(sv[1]);
}

/* ---- the signing policy ---- */

static size_t put_string(uint8_t *p, const void *s, size_t n)
{
	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	memcpy(p + 4, s, n);
	return 4 + n;
}

static size_t proof(uint8_t *out, const uint8_t *sid, size_t sid_len, const uint8_t *blob, size_t blob_len)
{
	size_t n = put_string(out, "hostkeys-prove-00@openssh.com", 29);
	n += put_string(out + n, sid, sid_len);
	n += put_string(out + n, blob, blob_len);
	return n;
}

static void test_only_hashes_and_this_sessions_proofs_are_signed(void **state)
{
	(void)state;
	uint8_t sid[32], other[32], blob[51], data[256];
	memset(sid, 0x11, sizeof(sid));
	memset(other, 0x22, sizeof(other));
	memset(blob, 0x33, sizeof(blob));
	uint8_t hash[64] = { 0 };
	/* Exchange hashes of every size a kex makes, before and after the session id exists. */
	assert_true(mm_sign_allowed(NULL, 0, hash, 32, blob, sizeof(blob)));
	assert_true(mm_sign_allowed(sid, sizeof(sid), hash, 64, blob, sizeof(blob)));
	assert_true(mm_sign_allowed(sid, sizeof(sid), hash, 20, blob, sizeof(blob)));
	assert_false(mm_sign_allowed(sid, sizeof(sid), hash, 33, blob, sizeof(blob)));
	assert_false(mm_sign_allowed(NULL, 0, hash, 0, blob, sizeof(blob)));

	size_t n = proof(data, sid, sizeof(sid), blob, sizeof(blob));
	assert_true(mm_sign_allowed(sid, sizeof(sid), data, n, blob, sizeof(blob)));
	assert_false(mm_sign_allowed(NULL, 0, data, n, blob, sizeof(blob)));          /* no session yet */
	assert_false(mm_sign_allowed(other, sizeof(other), data, n, blob, sizeof(blob))); /* another session */
	uint8_t other_blob[51];
	memset(other_blob, 0x44, sizeof(other_blob));
	assert_false(mm_sign_allowed(sid, sizeof(sid), data, n, other_blob, sizeof(other_blob))); /* another key */
	data[n] = 0;
	assert_false(mm_sign_allowed(sid, sizeof(sid), data, n + 1, blob, sizeof(blob))); /* trailing byte */
	assert_false(mm_sign_allowed(sid, sizeof(sid), data, n - 1, blob, sizeof(blob))); /* truncated */
	data[10] ^= 1;
	assert_false(mm_sign_allowed(sid, sizeof(sid), data, n, blob, sizeof(blob)));   /* another name */
}

/* RFC 4252 7, rebuilt field by field: what a client signs for publickey and the host-bound form. */
static void test_userauth_signed_data_layout(void **state)
{
	(void)state;
	uint8_t sid[32], blob[8], host[5];
	memset(sid, 0xaa, sizeof(sid));
	memset(blob, 0xbb, sizeof(blob));
	memset(host, 0xcc, sizeof(host));
	uint8_t want[256];
	size_t n = put_string(want, sid, sizeof(sid));
	want[n++] = 50;
	n += put_string(want + n, "bob", 3);
	n += put_string(want + n, "ssh-connection", 14);
	n += put_string(want + n, "publickey", 9);
	want[n++] = 1;
	n += put_string(want + n, "ssh-ed25519", 11);
	n += put_string(want + n, blob, sizeof(blob));
	struct mm_out out;
	mm_userauth_signed_data(&out, sid, sizeof(sid), "bob", "publickey", "ssh-ed25519", blob, sizeof(blob), NULL, 0);
	assert_false(out.failed);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, want, n);
	mm_out_free(&out);

	mm_userauth_signed_data(&out, sid, sizeof(sid), "bob", "publickey", "ssh-ed25519", blob, sizeof(blob), host,
				sizeof(host));
	n += put_string(want + n, host, sizeof(host));
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, want, n);
	mm_out_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_round_trip),
		cmocka_unit_test(test_descriptors_travel_with_the_message),
		cmocka_unit_test(test_oversized_and_empty_frames_are_refused),
		cmocka_unit_test(test_truncated_frame_is_refused),
		cmocka_unit_test(test_silence_times_out),
		cmocka_unit_test(test_getters_never_read_past_the_end),
		cmocka_unit_test(test_cstrings_refuse_nul_and_overlength),
		cmocka_unit_test(test_trailing_bytes_are_not_done),
		cmocka_unit_test(test_only_hashes_and_this_sessions_proofs_are_signed),
		cmocka_unit_test(test_userauth_signed_data_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
