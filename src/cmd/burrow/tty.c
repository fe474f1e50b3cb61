/*
 * The local terminal of an interactive session: whether to ask for a pty, raw mode in and out
 * (OpenSSH's sshtty.c), the window size.
 */
#include "terminal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct termios saved_tio;
static volatile sig_atomic_t in_raw_mode;
static bool restore_registered;

bool tty_pty_wanted(int request_tty, int session_type, bool has_command, bool stdin_is_tty, bool stdin_null,
		    bool *warn)
{
	bool want = request_tty == REQUEST_TTY_YES || request_tty == REQUEST_TTY_FORCE;
	*warn = false;
	/* Without a command: a pty unless RequestTTY says no (ssh.c main). */
	if (!has_command)
		want = request_tty != REQUEST_TTY_NO;
	if (request_tty == REQUEST_TTY_NO || session_type == SESSION_TYPE_NONE)
		want = false;
	if ((!stdin_is_tty || stdin_null) && request_tty != REQUEST_TTY_FORCE) {
		*warn = want;
		want = false;
	}
	return want;
}

static void restore_at_exit(void)
{
	tty_leave_raw(true);
}

void tty_enter_raw(bool quiet)
{
	struct termios tio;
	if (tcgetattr(STDIN_FILENO, &tio) < 0) {
		if (!quiet)
			perror("tcgetattr");
		return;
	}
	saved_tio = tio;
	/* The same bits as ssh's enter_raw_mode: every key goes to the far side unchanged. */
	tio.c_iflag |= IGNPAR;
	tio.c_iflag &= ~(tcflag_t)(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY | IXOFF);
#ifdef IUCLC
	tio.c_iflag &= ~(tcflag_t)IUCLC;
#endif
	tio.c_lflag &= ~(tcflag_t)(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN);
	tio.c_oflag &= ~(tcflag_t)OPOST;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (!restore_registered) {
		restore_registered = true;
		atexit(restore_at_exit);
	}
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &tio) < 0) {
		if (!quiet)
			perror("tcsetattr");
		return;
	}
	in_raw_mode = 1;
}

void tty_leave_raw(bool quiet)
{
	if (!in_raw_mode)
		return;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio) < 0) {
		if (!quiet)
			perror("tcsetattr");
		return;
	}
	in_raw_mode = 0;
}

bool tty_in_raw_mode(void)
{
	return in_raw_mode != 0;
}

const struct termios *tty_saved_modes(void)
{
	return in_raw_mode ? &saved_tio : NULL;
}

void tty_window_size(int fd, struct winsize *ws)
{
	if (ioctl(fd, TIOCGWINSZ, ws) < 0)
		memset(ws, 0, sizeof(*ws));
}

void tty_write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			if (poll(&pfd, 1, 1000) <= 0)
				return;
			continue;
		}
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}
