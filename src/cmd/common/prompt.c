/*
 * Passphrase and confirmation prompts: /dev/tty with echo off, or the SSH_ASKPASS program,
 * chosen as OpenSSH's readpass.c chooses (see prompt.h).
 */
#include "prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define PROMPT_TTY "/dev/tty"

void prompt_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v;
}

/* ---- the terminal ---- */

/* Signals that must not leave the terminal without echo (OpenBSD readpassphrase's list). */
static const int prompt_signals[] = { SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT,
				      SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU };
#define PROMPT_NSIGNALS (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

static volatile sig_atomic_t prompt_caught[NSIG];

static void prompt_on_signal(int signo)
{
	prompt_caught[signo] = 1;
}

static void prompt_catch_signals(struct sigaction saved[PROMPT_NSIGNALS])
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a signal must interrupt the read */
	sa.sa_handler = prompt_on_signal;
	for (size_t i = 0; i < PROMPT_NSIGNALS; i++) {
		prompt_caught[prompt_signals[i]] = 0;
		sigaction(prompt_signals[i], &sa, &saved[i]);
	}
}

static void prompt_restore_signals(const struct sigaction saved[PROMPT_NSIGNALS])
{
	for (size_t i = 0; i < PROMPT_NSIGNALS; i++)
		sigaction(prompt_signals[i], &saved[i], NULL);
}

/* Delivers the signals caught during the read, now that the terminal is restored. Returns true
 * when one of them was a stop signal, after which the prompt starts over (as readpassphrase). */
static bool prompt_resend_signals(bool *interrupted)
{
	bool stopped = false;
	for (size_t i = 0; i < PROMPT_NSIGNALS; i++) {
		int s = prompt_signals[i];
		if (!prompt_caught[s])
			continue;
		prompt_caught[s] = 0;
		kill(getpid(), s);
		if (s == SIGTSTP || s == SIGTTIN || s == SIGTTOU)
			stopped = true;
		else
			*interrupted = true;
	}
	return stopped;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Reads one line from fd into buf (NUL-terminated, at most PROMPT_MAX - 1 bytes kept; the rest
 * of a longer line is read and dropped). 0 at a line end or EOF, -1 on error or a signal. */
static int prompt_read_line(int fd, char *buf)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0) {
			buf[n] = 0;
			return -1;
		}
		if (r == 0 || c == '\n' || c == '\r')
			break;
		if (n < PROMPT_MAX - 1)
			buf[n++] = c;
	}
	buf[n] = 0;
	return 0;
}

static char *prompt_tty_once(int fd, const char *prompt, bool echo, bool *again, bool *interrupted)
{
	struct termios saved_term, term;
	bool have_term = tcgetattr(fd, &saved_term) == 0;
	struct sigaction saved_sigs[PROMPT_NSIGNALS];
	prompt_catch_signals(saved_sigs);
	if (have_term && !echo) {
		term = saved_term;
		term.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(fd, TCSAFLUSH, &term);
	}
	write_all(fd, prompt, strlen(prompt));

	char buf[PROMPT_MAX];
	int r = prompt_read_line(fd, buf);

	if (have_term && !echo) {
		write_all(fd, "\n", 1); /* the newline the user typed was not echoed */
		tcsetattr(fd, TCSAFLUSH, &saved_term);
	}
	prompt_restore_signals(saved_sigs);
	*again = prompt_resend_signals(interrupted);

	char *answer = NULL;
	if (r == 0 && !*again && !*interrupted)
		answer = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return answer;
}

static char *prompt_tty(int fd, const char *prompt, int flags)
{
	for (;;) {
		bool again = false, interrupted = false;
		char *answer = prompt_tty_once(fd, prompt, (flags & PROMPT_ECHO) != 0, &again, &interrupted);
		if (answer || !again || interrupted)
			return answer;
	}
}

/* ---- the askpass program ---- */

static char *prompt_askpass(const char *program, const char *prompt, int flags)
{
	int fds[2];
	if (pipe(fds) < 0)
		return NULL;
	/* Our caller may reap children in a SIGCHLD handler; this one is ours to wait for. */
	struct sigaction dfl, saved;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &saved);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		sigaction(SIGCHLD, &saved, NULL);
		return NULL;
	}
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(1);
		if (fds[1] != STDOUT_FILENO)
			close(fds[1]);
		if (flags & PROMPT_CONFIRM)
			setenv("SSH_ASKPASS_PROMPT", "confirm", 1);
		execlp(program, program, prompt, (char *)NULL);
		_exit(1);
	}
	close(fds[1]);

	char buf[PROMPT_MAX];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fds[0], buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf) - 1)
			break;
	}
	buf[n] = 0;
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGCHLD, &saved, NULL);

	char *answer = NULL;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		buf[strcspn(buf, "\r\n")] = 0;
		answer = strdup(buf);
	}
	explicit_bzero(buf, sizeof(buf));
	return answer;
}

/* ---- the choice ---- */

char *prompt_read(const char *prompt, int flags)
{
	bool allow_askpass = env_set("DISPLAY") || env_set("WAYLAND_DISPLAY");
	bool use_askpass = false;
	const char *require = getenv("SSH_ASKPASS_REQUIRE");
	if (require && strcasecmp(require, "force") == 0) {
		use_askpass = true;
		allow_askpass = true;
	} else if (require && strcasecmp(require, "prefer") == 0) {
		use_askpass = allow_askpass;
	} else if (require && strcasecmp(require, "never") == 0) {
		allow_askpass = false;
	}

	int fd = -1;
	if (!use_askpass) {
		fd = open(PROMPT_TTY, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			use_askpass = true;
	}
	if (use_askpass) {
		if (fd >= 0)
			close(fd);
		if (!allow_askpass)
			return NULL;
		const char *program = getenv("SSH_ASKPASS");
		return prompt_askpass(program && *program ? program : PROMPT_ASKPASS_DEFAULT, prompt, flags);
	}
	char *answer = prompt_tty(fd, prompt, flags);
	close(fd);
	return answer;
}
