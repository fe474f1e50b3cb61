/* Tests for ttymodes.c: terminal modes of a pty-req (RFC 4254 8, RFC 4250 4.5.2, RFC 8160). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "burrow/error.h"
#include "burrow/ttymodes.h"
#include "helper_hex.h"

/* A terminal as a shell leaves it (stty sane, UTF-8), with a few unusual choices so that
 * every field has set and cleared bits to carry. */
static struct termios sample_termios(void)
{
	struct termios t;
	memset(&t, 0, sizeof(t));
	t.c_iflag = ICRNL | IXON | IXANY | IMAXBEL | IUTF8 | INPCK;
	t.c_oflag = OPOST | ONLCR | ONOCR;
	t.c_cflag = CS8 | CREAD | PARENB;
	t.c_lflag = ISIG | ICANON | IEXTEN | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | TOSTOP;
	t.c_cc[VINTR] = 3;
	t.c_cc[VQUIT] = 28;
	t.c_cc[VERASE] = 127;
	t.c_cc[VKILL] = 21;
	t.c_cc[VEOF] = 4;
	t.c_cc[VEOL] = _POSIX_VDISABLE;
	t.c_cc[VEOL2] = 'x';
	t.c_cc[VSTART] = 17;
	t.c_cc[VSTOP] = 19;
	t.c_cc[VSUSP] = 26;
	t.c_cc[VREPRINT] = 18;
	t.c_cc[VWERASE] = 23;
	t.c_cc[VLNEXT] = 22;
	t.c_cc[VDISCARD] = 15;
	/* Linux keeps one speed for both directions (glibc's cfgetispeed follows the output). */
	cfsetospeed(&t, B115200);
	cfsetispeed(&t, B115200);
	return t;
}

/* The flag bits the modes carry (RFC 4250 4.5.2); others (CREAD, BRKINT, the baud bits) are
 * the pty's own. */
#define CARRIED_IFLAG (IGNPAR | PARMRK | INPCK | ISTRIP | INLCR | IGNCR | ICRNL | IUCLC | IXON | IXANY | IXOFF | IMAXBEL | IUTF8)
#define CARRIED_LFLAG (ISIG | ICANON | XCASE | ECHO | ECHOE | ECHOK | ECHONL | NOFLSH | TOSTOP | IEXTEN | ECHOCTL | ECHOKE | PENDIN)
#define CARRIED_OFLAG (OPOST | OLCUC | ONLCR | OCRNL | ONOCR | ONLRET)
#define CARRIED_CFLAG (CSIZE | PARENB | PARODD)

/* Every carried flag the other way round, every character something else: what apply must undo. */
static struct termios opposite_termios(const struct termios *t)
{
	struct termios o;
	memset(&o, 0, sizeof(o));
	o.c_iflag = ~t->c_iflag & CARRIED_IFLAG;
	o.c_lflag = ~t->c_lflag & CARRIED_LFLAG;
	o.c_oflag = ~t->c_oflag & CARRIED_OFLAG;
	o.c_cflag = CS5 | CREAD | (~t->c_cflag & (PARENB | PARODD));
	memset(o.c_cc, 0xaa, sizeof(o.c_cc));
	cfsetispeed(&o, B300);
	cfsetospeed(&o, B300);
	return o;
}

static void assert_same_modes(const struct termios *a, const struct termios *b)
{
	assert_int_equal(a->c_iflag & CARRIED_IFLAG, b->c_iflag & CARRIED_IFLAG);
	assert_int_equal(a->c_oflag & CARRIED_OFLAG, b->c_oflag & CARRIED_OFLAG);
	assert_int_equal(a->c_lflag & CARRIED_LFLAG, b->c_lflag & CARRIED_LFLAG);
	assert_int_equal(a->c_cflag & CARRIED_CFLAG, b->c_cflag & CARRIED_CFLAG);
	int cc[] = { VINTR, VQUIT, VERASE, VKILL, VEOF, VEOL, VEOL2, VSTART, VSTOP, VSUSP, VREPRINT,
		     VWERASE, VLNEXT, VDISCARD };
	for (size_t i = 0; i < sizeof(cc) / sizeof(cc[0]); i++)
		assert_int_equal(a->c_cc[cc[i]], b->c_cc[cc[i]]);
	assert_int_equal(cfgetispeed(a), cfgetispeed(b));
	assert_int_equal(cfgetospeed(a), cfgetospeed(b));
}

/* Finds opcode op in an encoded string and returns its argument; fails if absent. */
static uint32_t arg_of(const uint8_t *modes, size_t len, uint8_t op)
{
	for (size_t i = 0; i + 5 <= len; i += 5) {
		if (modes[i] == op)
			return (uint32_t)modes[i + 1] << 24 | (uint32_t)modes[i + 2] << 16 |
			       (uint32_t)modes[i + 3] << 8 | modes[i + 4];
	}
	fail_msg("opcode %u not in the modes", op);
	return 0;
}

static bool has_op(const uint8_t *modes, size_t len, uint8_t op)
{
	for (size_t i = 0; i + 5 <= len; i += 5)
		if (modes[i] == op)
			return true;
	return false;
}

/* ---- encode ---- */

static void test_encode_then_apply_gives_back_the_same_modes(void **state)
{
	struct termios in = sample_termios();
	uint8_t *modes = NULL;
	size_t len = 0;
	assert_int_equal(burrow_ttymodes_encode(&in, &modes, &len), 0);
	/* The pty starts from the opposite: every carried bit must come across. */
	struct termios out = opposite_termios(&in);
	unsigned unknown = 99;
	assert_int_equal(burrow_ttymodes_apply(modes, len, &out, &unknown), 0);
	assert_int_equal(unknown, 0);
	assert_same_modes(&in, &out);
	free(modes);
}

static void test_encode_is_whole_opcodes_ending_with_tty_op_end(void **state)
{
	struct termios t = sample_termios();
	uint8_t *modes = NULL;
	size_t len = 0;
	assert_int_equal(burrow_ttymodes_encode(&t, &modes, &len), 0);
	assert_true(len > 1);
	assert_int_equal((len - 1) % 5, 0);
	assert_int_equal(modes[len - 1], 0);
	/* OpenSSH's order: OSPEED, ISPEED first, then VINTR. */
	assert_int_equal(modes[0], 129);
	assert_int_equal(modes[5], 128);
	assert_int_equal(modes[10], 1);
	free(modes);
}

static void test_encode_sends_speeds_as_baud_numbers(void **state)
{
	struct termios t = sample_termios();
	uint8_t *modes = NULL;
	size_t len = 0;
	assert_int_equal(burrow_ttymodes_encode(&t, &modes, &len), 0);
	assert_int_equal(arg_of(modes, len, 128), 115200);
	assert_int_equal(arg_of(modes, len, 129), 115200);
	free(modes);
}

static void test_encode_sends_a_disabled_character_as_255(void **state)
{
	struct termios t = sample_termios();
	uint8_t *modes = NULL;
	size_t len = 0;
	assert_int_equal(burrow_ttymodes_encode(&t, &modes, &len), 0);
	assert_int_equal(arg_of(modes, len, 6), 255); /* VEOL */
	assert_int_equal(arg_of(modes, len, 7), 'x'); /* VEOL2 */
	assert_int_equal(arg_of(modes, len, 3), 127); /* VERASE */
	free(modes);
}

static void test_encode_sends_iutf8_and_cs7_cs8_as_openssh(void **state)
{
	struct termios t = sample_termios();
	uint8_t *modes = NULL;
	size_t len = 0;
	assert_int_equal(burrow_ttymodes_encode(&t, &modes, &len), 0);
	assert_int_equal(arg_of(modes, len, 42), 1); /* IUTF8, RFC 8160 */
	assert_int_equal(arg_of(modes, len, 36), 1); /* ICRNL */
	assert_int_equal(arg_of(modes, len, 34), 0); /* INLCR */
	assert_int_equal(arg_of(modes, len, 91), 1); /* CS8 */
	assert_int_equal(arg_of(modes, len, 90), 1); /* CS7: (c_cflag & CS7) != 0 under CS8, as ssh */
	assert_int_equal(arg_of(modes, len, 92), 1); /* PARENB */
	assert_int_equal(arg_of(modes, len, 93), 0); /* PARODD */
	free(modes);
}

static void test_encode_leaves_out_what_linux_lacks(void **state)
{
	struct termios t = sample_termios();
	uint8_t *modes = NULL;
	size_t len = 0;
	assert_int_equal(burrow_ttymodes_encode(&t, &modes, &len), 0);
#ifndef VDSUSP
	assert_false(has_op(modes, len, 11));
#endif
#ifndef VSTATUS
	assert_false(has_op(modes, len, 17));
#endif
	assert_true(has_op(modes, len, 18)); /* VDISCARD */
	free(modes);
}

static void test_encode_refuses_null_arguments(void **state)
{
	uint8_t *modes = NULL;
	size_t len = 0;
	assert_int_equal(burrow_ttymodes_encode(NULL, &modes, &len), BURROW_E_INVALID);
}

/* ---- apply: hand-made strings ---- */

static struct termios blank_termios(void)
{
	struct termios t;
	memset(&t, 0, sizeof(t));
	t.c_cflag = CS8;
	return t;
}

static void test_apply_sets_and_clears_single_flags(void **state)
{
	uint8_t modes[64];
	/* ECHO 1, ICRNL 1, OPOST 1, ICANON 0, END */
	size_t n = test_unhex("3500000001" "2400000001" "4600000001" "3300000000" "00", modes, sizeof(modes));
	struct termios t = blank_termios();
	t.c_lflag = ICANON;
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, NULL), 0);
	assert_int_equal(t.c_lflag, ECHO);
	assert_int_equal(t.c_iflag, ICRNL);
	assert_int_equal(t.c_oflag, OPOST);
}

static void test_apply_skips_unknown_opcodes_with_their_argument(void **state)
{
	uint8_t modes[64];
	/* opcode 19 (unassigned), 99 (unassigned) with arguments that look like opcodes, then
	 * ECHO 1, VINTR 3, END */
	size_t n = test_unhex("1335000000" "6300000035" "3500000001" "0100000003" "00", modes, sizeof(modes));
	struct termios t = blank_termios();
	unsigned unknown = 0;
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, &unknown), 0);
	assert_int_equal(unknown, 2);
	assert_int_equal(t.c_lflag, ECHO);
	assert_int_equal(t.c_cc[VINTR], 3);
}

static void test_apply_stops_at_the_first_opcode_from_160(void **state)
{
	uint8_t modes[64];
	/* ECHO 1, opcode 160 (argument size unknown), then what would be ICANON 1 */
	size_t n = test_unhex("3500000001" "a0" "3300000001" "00", modes, sizeof(modes));
	struct termios t = blank_termios();
	unsigned unknown = 0;
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, &unknown), 0);
	assert_int_equal(unknown, 1);
	assert_int_equal(t.c_lflag, ECHO);
}

static void test_apply_stops_at_tty_op_end(void **state)
{
	uint8_t modes[64];
	size_t n = test_unhex("3500000001" "00" "3300000001", modes, sizeof(modes));
	struct termios t = blank_termios();
	unsigned unknown = 7;
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, &unknown), 0);
	assert_int_equal(unknown, 0);
	assert_int_equal(t.c_lflag, ECHO);
}

static void test_apply_accepts_a_string_without_tty_op_end(void **state)
{
	uint8_t modes[64];
	size_t n = test_unhex("3500000001", modes, sizeof(modes));
	struct termios t = blank_termios();
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, NULL), 0);
	assert_int_equal(t.c_lflag, ECHO);
}

static void test_apply_accepts_an_empty_string(void **state)
{
	struct termios t = blank_termios(), before = t;
	unsigned unknown = 5;
	assert_int_equal(burrow_ttymodes_apply(NULL, 0, &t, &unknown), 0);
	assert_int_equal(unknown, 0);
	assert_memory_equal(&t, &before, sizeof(t));
}

static void test_apply_refuses_a_truncated_argument_keeping_what_came_before(void **state)
{
	uint8_t modes[64];
	size_t n = test_unhex("3500000001" "33000000", modes, sizeof(modes));
	struct termios t = blank_termios();
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, NULL), BURROW_E_PARSE);
	assert_int_equal(t.c_lflag, ECHO);
}

static void test_apply_refuses_an_opcode_without_any_argument(void **state)
{
	uint8_t modes[] = { 0x35 };
	struct termios t = blank_termios();
	assert_int_equal(burrow_ttymodes_apply(modes, sizeof(modes), &t, NULL), BURROW_E_PARSE);
	assert_int_equal(t.c_lflag, 0);
}

static void test_apply_turns_255_into_a_disabled_character(void **state)
{
	uint8_t modes[64];
	size_t n = test_unhex("02000000ff" "0300000008" "00", modes, sizeof(modes));
	struct termios t = blank_termios();
	t.c_cc[VQUIT] = 28;
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, NULL), 0);
	assert_int_equal(t.c_cc[VQUIT], _POSIX_VDISABLE);
	assert_int_equal(t.c_cc[VERASE], 8);
}

static void test_apply_leaves_a_character_over_255_alone(void **state)
{
	uint8_t modes[64];
	size_t n = test_unhex("0100000103" "00", modes, sizeof(modes));
	struct termios t = blank_termios();
	t.c_cc[VINTR] = 3;
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, NULL), 0);
	assert_int_equal(t.c_cc[VINTR], 3);
}

static void test_apply_sets_known_speeds(void **state)
{
	uint8_t modes[64];
	/* OSPEED 9600, ISPEED 9600, as ssh sends them */
	size_t n = test_unhex("8100002580" "8000002580" "00", modes, sizeof(modes));
	struct termios t = blank_termios();
	cfsetospeed(&t, B300);
	cfsetispeed(&t, B300);
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, NULL), 0);
	assert_int_equal(cfgetispeed(&t), B9600);
	assert_int_equal(cfgetospeed(&t), B9600);
}

static void test_apply_ignores_a_speed_that_is_no_baud_rate(void **state)
{
	uint8_t modes[64];
	/* OSPEED 12345, ISPEED 12345: no such speed, the pty's stays */
	size_t n = test_unhex("8100003039" "8000003039" "00", modes, sizeof(modes));
	struct termios t = blank_termios();
	cfsetospeed(&t, B300);
	cfsetispeed(&t, B300);
	unsigned unknown = 9;
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, &unknown), 0);
	assert_int_equal(unknown, 0);
	assert_int_equal(cfgetispeed(&t), B300);
	assert_int_equal(cfgetospeed(&t), B300);
}

static void test_apply_cs7_alone_gives_seven_bits(void **state)
{
	uint8_t modes[64];
	/* CS7 1, CS8 0: a 7-bit terminal as PuTTY describes it; not CS5 */
	size_t n = test_unhex("5a00000001" "5b00000000" "00", modes, sizeof(modes));
	struct termios t = blank_termios();
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, NULL), 0);
	assert_int_equal(t.c_cflag & CSIZE, CS7);
}

static void test_apply_cs7_and_cs8_as_openssh_sends_gives_eight_bits(void **state)
{
	uint8_t modes[64];
	size_t n = test_unhex("5a00000001" "5b00000001" "00", modes, sizeof(modes));
	struct termios t = blank_termios();
	t.c_cflag = CS5;
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, NULL), 0);
	assert_int_equal(t.c_cflag & CSIZE, CS8);
}

static void test_apply_refuses_null_arguments(void **state)
{
	uint8_t modes[] = { 0 };
	struct termios t = blank_termios();
	assert_int_equal(burrow_ttymodes_apply(modes, 1, NULL, NULL), BURROW_E_INVALID);
	assert_int_equal(burrow_ttymodes_apply(NULL, 1, &t, NULL), BURROW_E_INVALID);
}

/* ---- what OpenSSH sends ---- */

/* The modes of `script -qc "ssh -tt ..."` (OpenSSH_9.2p1 Debian, a fresh pty from script(1)),
 * as a paramiko server's check_channel_pty_request saw them. */
static const char openssh_9_2_modes_hex[] =
	"810000960080000096000100000003020000001c030000007f0400000015050000000406000000ff07000000ff0800000011"
	"09000000130a0000001a0c000000120d000000170e00000016120000000f1e000000001f0000000020000000002100000000"
	"220000000023000000002400000001250000000026000000012700000000280000000029000000002a000000003200000001"
	"33000000013400000000350000000136000000013700000001380000000039000000003a000000003b000000013c00000001"
	"3d000000013e0000000046000000014700000000480000000149000000004a000000004b000000005a000000015b00000001"
	"5c000000005d0000000000";

static void test_apply_reads_what_openssh_sends(void **state)
{
	uint8_t modes[512];
	size_t n = test_unhex(openssh_9_2_modes_hex, modes, sizeof(modes));
	struct termios t;
	memset(&t, 0, sizeof(t));
	unsigned unknown = 9;
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, &unknown), 0);
	assert_int_equal(unknown, 0);
	assert_int_equal(cfgetospeed(&t), B38400);
	assert_int_equal(t.c_cc[VINTR], 3);
	assert_int_equal(t.c_cc[VERASE], 127);
	assert_int_equal(t.c_cc[VEOL], _POSIX_VDISABLE);
	assert_int_equal(t.c_iflag, ICRNL | IXON);
	assert_int_equal(t.c_lflag, ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE);
	assert_int_equal(t.c_oflag, OPOST | ONLCR);
	assert_int_equal(t.c_cflag & CSIZE, CS8);
}

/* Our encoder gives OpenSSH's bytes for the same terminal: same opcodes, order and values. */
static void test_encode_matches_openssh_byte_for_byte(void **state)
{
	uint8_t modes[512];
	size_t n = test_unhex(openssh_9_2_modes_hex, modes, sizeof(modes));
	struct termios t;
	memset(&t, 0, sizeof(t));
	assert_int_equal(burrow_ttymodes_apply(modes, n, &t, NULL), 0);
	uint8_t *ours = NULL;
	size_t len = 0;
	assert_int_equal(burrow_ttymodes_encode(&t, &ours, &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(ours, modes, n);
	free(ours);
}

/* ---- through real ptys ---- */

/* One pty set up as a user might (7-bit, odd keys), its modes encoded from what the kernel
 * reports, applied to a second pty's: the kernel then reports the same carried modes. */
static void test_modes_move_from_one_pty_to_another(void **state)
{
	int m1, s1, m2, s2;
	if (openpty(&m1, &s1, NULL, NULL, NULL) < 0 || openpty(&m2, &s2, NULL, NULL, NULL) < 0)
		skip(); /* no ptys in this sandbox */
	struct termios want;
	assert_int_equal(tcgetattr(s1, &want), 0);
	want.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
	want.c_iflag |= IUTF8 | IXANY;
	want.c_cc[VERASE] = 8;
	want.c_cc[VINTR] = _POSIX_VDISABLE;
	cfsetospeed(&want, B9600);
	cfsetispeed(&want, B9600);
	assert_int_equal(tcsetattr(s1, TCSANOW, &want), 0);
	assert_int_equal(tcgetattr(s1, &want), 0);
	uint8_t *modes = NULL;
	size_t len = 0;
	assert_int_equal(burrow_ttymodes_encode(&want, &modes, &len), 0);

	struct termios got;
	assert_int_equal(tcgetattr(s2, &got), 0);
	unsigned unknown = 9;
	assert_int_equal(burrow_ttymodes_apply(modes, len, &got, &unknown), 0);
	assert_int_equal(unknown, 0);
	assert_int_equal(tcsetattr(s2, TCSANOW, &got), 0);
	assert_int_equal(tcgetattr(s2, &got), 0);
	assert_same_modes(&want, &got);
	assert_int_equal(got.c_cc[VERASE], 8);
	assert_true((got.c_iflag & IUTF8) != 0);
	free(modes);
	close(m1);
	close(s1);
	close(m2);
	close(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_then_apply_gives_back_the_same_modes),
		cmocka_unit_test(test_encode_is_whole_opcodes_ending_with_tty_op_end),
		cmocka_unit_test(test_encode_sends_speeds_as_baud_numbers),
		cmocka_unit_test(test_encode_sends_a_disabled_character_as_255),
		cmocka_unit_test(test_encode_sends_iutf8_and_cs7_cs8_as_openssh),
		cmocka_unit_test(test_encode_leaves_out_what_linux_lacks),
		cmocka_unit_test(test_encode_refuses_null_arguments),
		cmocka_unit_test(test_apply_sets_and_clears_single_flags),
		cmocka_unit_test(test_apply_skips_unknown_opcodes_with_their_argument),
		cmocka_unit_test(test_apply_stops_at_the_first_opcode_from_160),
		cmocka_unit_test(test_apply_stops_at_tty_op_end),
		cmocka_unit_test(test_apply_accepts_a_string_without_tty_op_end),
		cmocka_unit_test(test_apply_accepts_an_empty_string),
		cmocka_unit_test(test_apply_refuses_a_truncated_argument_keeping_what_came_before),
		cmocka_unit_test(test_apply_refuses_an_opcode_without_any_argument),
		cmocka_unit_test(test_apply_turns_255_into_a_disabled_character),
		cmocka_unit_test(test_apply_leaves_a_character_over_255_alone),
		cmocka_unit_test(test_apply_sets_known_speeds),
		cmocka_unit_test(test_apply_ignores_a_speed_that_is_no_baud_rate),
		cmocka_unit_test(test_apply_cs7_alone_gives_seven_bits),
		cmocka_unit_test(test_apply_cs7_and_cs8_as_openssh_sends_gives_eight_bits),
		cmocka_unit_test(test_apply_refuses_null_arguments),
		cmocka_unit_test(test_apply_reads_what_openssh_sends),
		cmocka_unit_test(test_encode_matches_openssh_byte_for_byte),
		cmocka_unit_test(test_modes_move_from_one_pty_to_another),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
