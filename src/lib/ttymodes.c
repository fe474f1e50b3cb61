/*
 * Encoded terminal modes (RFC 4254 8): a list of (opcode byte, uint32 argument) ending with
 * TTY_OP_END. Opcodes are RFC 4250 4.5.2's plus IUTF8 (RFC 8160). The encoder sends what
 * OpenSSH's ssh_tty_make_modes() sends, in its order; the decoder applies what OpenSSH's
 * tty_parse_modes() applies. Modes this platform lacks are neither sent nor applied.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "burrow/error.h"
#include "burrow/ttymodes.h"

#define TTY_OP_END 0       /* RFC 4254 8 */
#define TTY_OP_ISPEED 128  /* RFC 4254 8: baud rates as plain numbers */
#define TTY_OP_OSPEED 129
#define TTY_OP_FIRST_OPAQUE 160 /* RFC 4254 8: 160-255 "not yet defined", arguments unknown */
/* RFC 4250 4.5.2: a control character of 255 means "disabled". */
#define TTY_CHAR_DISABLED 255

/* Control characters, opcodes 1-18. */
struct ttychar {
	uint8_t op;
	int index; /* into c_cc */
};

static const struct ttychar ttychars[] = {
	{ 1, VINTR }, { 2, VQUIT }, { 3, VERASE }, { 4, VKILL }, { 5, VEOF },
#ifdef VEOL
	{ 6, VEOL },
#endif
#ifdef VEOL2
	{ 7, VEOL2 },
#endif
	{ 8, VSTART }, { 9, VSTOP }, { 10, VSUSP },
#ifdef VDSUSP
	{ 11, VDSUSP },
#endif
#ifdef VREPRINT
	{ 12, VREPRINT },
#endif
#ifdef VWERASE
	{ 13, VWERASE },
#endif
#ifdef VLNEXT
	{ 14, VLNEXT },
#endif
#ifdef VFLUSH
	{ 15, VFLUSH },
#endif
#ifdef VSWTCH
	{ 16, VSWTCH },
#endif
#ifdef VSTATUS
	{ 17, VSTATUS },
#endif
#ifdef VDISCARD
	{ 18, VDISCARD },
#endif
};

enum ttyfield { TTY_IFLAG, TTY_LFLAG, TTY_OFLAG, TTY_CFLAG };

/* Flags, opcodes 30-93: one bit (or bit group) of one termios field. */
struct ttyflag {
	uint8_t op;
	enum ttyfield field;
	tcflag_t mask;
};

#define TTY_OP_CS7 90
#define TTY_OP_CS8 91

static const struct ttyflag ttyflags[] = {
	{ 30, TTY_IFLAG, IGNPAR }, { 31, TTY_IFLAG, PARMRK }, { 32, TTY_IFLAG, INPCK },
	{ 33, TTY_IFLAG, ISTRIP }, { 34, TTY_IFLAG, INLCR }, { 35, TTY_IFLAG, IGNCR },
	{ 36, TTY_IFLAG, ICRNL },
#ifdef IUCLC
	{ 37, TTY_IFLAG, IUCLC },
#endif
	{ 38, TTY_IFLAG, IXON }, { 39, TTY_IFLAG, IXANY }, { 40, TTY_IFLAG, IXOFF },
#ifdef IMAXBEL
	{ 41, TTY_IFLAG, IMAXBEL },
#endif
#ifdef IUTF8
	{ 42, TTY_IFLAG, IUTF8 }, /* RFC 8160 */
#endif
	{ 50, TTY_LFLAG, ISIG }, { 51, TTY_LFLAG, ICANON },
#ifdef XCASE
	{ 52, TTY_LFLAG, XCASE },
#endif
	{ 53, TTY_LFLAG, ECHO }, { 54, TTY_LFLAG, ECHOE }, { 55, TTY_LFLAG, ECHOK },
	{ 56, TTY_LFLAG, ECHONL }, { 57, TTY_LFLAG, NOFLSH }, { 58, TTY_LFLAG, TOSTOP },
	{ 59, TTY_LFLAG, IEXTEN },
#ifdef ECHOCTL
	{ 60, TTY_LFLAG, ECHOCTL },
#endif
#ifdef ECHOKE
	{ 61, TTY_LFLAG, ECHOKE },
#endif
#ifdef PENDIN
	{ 62, TTY_LFLAG, PENDIN },
#endif
	{ 70, TTY_OFLAG, OPOST },
#ifdef OLCUC
	{ 71, TTY_OFLAG, OLCUC },
#endif
	{ 72, TTY_OFLAG, ONLCR },
#ifdef OCRNL
	{ 73, TTY_OFLAG, OCRNL },
#endif
#ifdef ONOCR
	{ 74, TTY_OFLAG, ONOCR },
#endif
#ifdef ONLRET
	{ 75, TTY_OFLAG, ONLRET },
#endif
	{ TTY_OP_CS7, TTY_CFLAG, CS7 }, { TTY_OP_CS8, TTY_CFLAG, CS8 },
	{ 92, TTY_CFLAG, PARENB }, { 93, TTY_CFLAG, PARODD },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct ttyspeed {
	speed_t speed;
	uint32_t baud;
};

static const struct ttyspeed ttyspeeds[] = {
	{ B0, 0 }, { B50, 50 }, { B75, 75 }, { B110, 110 }, { B134, 134 }, { B150, 150 }, { B200, 200 },
	{ B300, 300 }, { B600, 600 }, { B1200, 1200 }, { B1800, 1800 }, { B2400, 2400 }, { B4800, 4800 },
	{ B9600, 9600 }, { B19200, 19200 }, { B38400, 38400 },
#ifdef B57600
	{ B57600, 57600 },
#endif
#ifdef B115200
	{ B115200, 115200 },
#endif
#ifdef B230400
	{ B230400, 230400 },
#endif
#ifdef B460800
	{ B460800, 460800 },
#endif
#ifdef B921600
	{ B921600, 921600 },
#endif
};

static tcflag_t *ttyfield_of(struct termios *t, enum ttyfield f)
{
	switch (f) {
	case TTY_IFLAG:
		return &t->c_iflag;
	case TTY_LFLAG:
		return &t->c_lflag;
	case TTY_OFLAG:
		return &t->c_oflag;
	default:
		return &t->c_cflag;
	}
}

/* OpenSSH's speed_to_baud: an unknown speed is sent as 9600. */
static uint32_t speed_to_baud(speed_t speed)
{
	for (size_t i = 0; i < COUNT(ttyspeeds); i++)
		if (ttyspeeds[i].speed == speed)
			return ttyspeeds[i].baud;
	return 9600;
}

static bool baud_to_speed(uint32_t baud, speed_t *speed)
{
	for (size_t i = 0; i < COUNT(ttyspeeds); i++) {
		if (ttyspeeds[i].baud == baud) {
			*speed = ttyspeeds[i].speed;
			return true;
		}
	}
	return false;
}

static void put_op(struct buf *b, uint8_t op, uint32_t arg)
{
	buf_put_u8(b, op);
	buf_put_u32(b, arg);
}

int burrow_ttymodes_encode(const struct termios *t, uint8_t **out, size_t *len)
{
	if (!t || !out || !len)
		return BURROW_E_INVALID;
	*out = NULL;
	*len = 0;
	struct buf b;
	buf_init(&b);
	/* OpenSSH's order: speeds, control characters, then flags. */
	put_op(&b, TTY_OP_OSPEED, speed_to_baud(cfgetospeed(t)));
	put_op(&b, TTY_OP_ISPEED, speed_to_baud(cfgetispeed(t)));
	for (size_t i = 0; i < COUNT(ttychars); i++) {
		cc_t ch = t->c_cc[ttychars[i].index];
		put_op(&b, ttychars[i].op, ch == _POSIX_VDISABLE ? TTY_CHAR_DISABLED : ch);
	}
	for (size_t i = 0; i < COUNT(ttyflags); i++) {
		const struct ttyflag *f = &ttyflags[i];
		/* (field & mask) != 0, as OpenSSH: CS8 sends CS7 1 as well. */
		tcflag_t field = *ttyfield_of((struct termios *)t, f->field);
		put_op(&b, f->op, (field & f->mask) != 0);
	}
	buf_put_u8(&b, TTY_OP_END);
	if (!buf_ok(&b)) {
		buf_free(&b);
		return BURROW_E_NOMEM;
	}
	size_t n = buf_len(&b);
	uint8_t *copy = malloc(n);
	if (!copy) {
		buf_free(&b);
		return BURROW_E_NOMEM;
	}
	memcpy(copy, buf_ptr(&b), n);
	buf_free(&b);
	*out = copy;
	*len = n;
	return 0;
}

/* The character size is a group of bits: CS7 and CS8 set it when 1, and a 0 leaves it alone
 * (a peer saying "not CS7" does not mean CS5). OpenSSH's bit arithmetic would turn
 * "CS7 1, CS8 0" into CS5; for what OpenSSH itself sends the result is the same. */
static void apply_csize(struct termios *t, tcflag_t size, uint32_t arg)
{
	if (arg)
		t->c_cflag = (t->c_cflag & ~(tcflag_t)CSIZE) | size;
}

/* 1 when op was one of ours and applied, 0 when we do not know it. */
static int apply_known(struct termios *t, uint8_t op, uint32_t arg)
{
	if (op == TTY_OP_ISPEED || op == TTY_OP_OSPEED) {
		speed_t speed;
		if (baud_to_speed(arg, &speed)) {
			if (op == TTY_OP_ISPEED)
				cfsetispeed(t, speed);
			else
				cfsetospeed(t, speed);
		}
		return 1;
	}
	for (size_t i = 0; i < COUNT(ttychars); i++) {
		if (ttychars[i].op != op)
			continue;
		/* A value that is not a byte is no character: left as it was. */
		if (arg == TTY_CHAR_DISABLED)
			t->c_cc[ttychars[i].index] = _POSIX_VDISABLE;
		else if (arg < TTY_CHAR_DISABLED)
			t->c_cc[ttychars[i].index] = (cc_t)arg;
		return 1;
	}
	for (size_t i = 0; i < COUNT(ttyflags); i++) {
		const struct ttyflag *f = &ttyflags[i];
		if (f->op != op)
			continue;
		if (op == TTY_OP_CS7 || op == TTY_OP_CS8) {
			apply_csize(t, f->mask, arg);
			return 1;
		}
		tcflag_t *field = ttyfield_of(t, f->field);
		if (arg)
			*field |= f->mask;
		else
			*field &= ~f->mask;
		return 1;
	}
	return 0;
}

int burrow_ttymodes_apply(const uint8_t *modes, size_t len, struct termios *t, unsigned *unknown)
{
	if (!t || (len && !modes))
		return BURROW_E_INVALID;
	unsigned skipped = 0;
	int err = 0;
	struct rd r;
	rd_init(&r, modes, len);
	/* The end of the string ends the list too, as OpenSSH's sshd accepts. */
	while (rd_remaining(&r) > 0) {
		uint8_t op = rd_u8(&r);
		if (op == TTY_OP_END)
			break;
		if (op >= TTY_OP_FIRST_OPAQUE) {
			skipped++; /* its argument's size is unknown: nothing after it can be read */
			break;
		}
		uint32_t arg = rd_u32(&r);
		if (!rd_ok(&r)) {
			err = BURROW_E_PARSE;
			break;
		}
		if (!apply_known(t, op, arg))
			skipped++;
	}
	if (unknown)
		*unknown = skipped;
	return err;
}
