/*
 * Signals: the handlers set a flag and write one byte to a self-pipe, nothing else. The event
 * loops poll the pipe's read end and act on the flags from ordinary code.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t got_sigchld, got_sigterm, got_sighup;
static int self_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved_errno = errno;
	if (sig == SIGCHLD)
		got_sigchld = 1;
	else if (sig == SIGHUP)
		got_sighup = 1;
	else
		got_sigterm = sig;
	if (self_pipe[1] >= 0) {
		ssize_t w = write(self_pipe[1], "", 1); /* a full pipe already wakes poll() */
		(void)w;
	}
	errno = saved_errno;
}

static void set_handler(int sig, void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

void signals_close(void)
{
	for (int i = 0; i < 2; i++) {
		if (self_pipe[i] >= 0)
			close(self_pipe[i]);
		self_pipe[i] = -1;
	}
}

int signals_init(bool listener)
{
	signals_close();
	got_sigchld = got_sigterm = got_sighup = 0;
	if (pipe2(self_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	set_handler(SIGPIPE, SIG_IGN);
	set_handler(SIGCHLD, on_signal);
	if (listener) {
		set_handler(SIGTERM, on_signal);
		set_handler(SIGINT, on_signal);
		set_handler(SIGQUIT, on_signal);
		set_handler(SIGHUP, on_signal);
	} else {
		/* A connection child just ends on these, as sshd's do. */
		set_handler(SIGTERM, SIG_DFL);
		set_handler(SIGINT, SIG_DFL);
		set_handler(SIGQUIT, SIG_DFL);
		set_handler(SIGHUP, SIG_DFL);
	}
	return 0;
}

int signals_fd(void)
{
	return self_pipe[0];
}

void signals_drain(void)
{
	char buf[64];
	while (read(self_pipe[0], buf, sizeof(buf)) > 0)
		;
}

void signals_reset_for_exec(void)
{
	static const int sigs[] = { SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		set_handler(sigs[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
