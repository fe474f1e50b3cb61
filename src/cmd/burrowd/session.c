/*
 * Session channels: the process runs with three pipes, or on a pty (stdin, stdout and stderr
 * all the slave; we hold the master). Window discipline: peer data is
 * acknowledged (burrow_chan_consumed) only once written to the process, so what we buffer is
 * bounded by our window; process output is read only when the peer's window has room and the
 * engine's unsent output is below the high-water mark, so nothing grows without bound.
 */
#define _GNU_SOURCE
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "burrow/ttymodes.h"
#include "log.h"
#include "login_env.h"
#include "pty_utmp.h"
#include "session_config.h"

/* ---- byte buffers ---- */

static int bytes_reserve(struct bytes *b, size_t extra)
{
	if (b->off + b->len + extra <= b->cap)
		return 0;
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	if (b->len + extra <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64 * 1024;
	while (cap < b->len + extra)
		cap *= 2;
	uint8_t *grown = realloc(b->data, cap);
	if (!grown)
		return -1;
	b->data = grown;
	b->cap = cap;
	return 0;
}

static int bytes_append(struct bytes *b, const uint8_t *data, size_t len)
{
	if (bytes_reserve(b, len) < 0)
		return -1;
	memcpy(b->data + b->off + b->len, data, len);
	b->len += len;
	return 0;
}

static void bytes_consume(struct bytes *b, size_t n)
{
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
}

static void bytes_free(struct bytes *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* ---- lifetime ---- */

struct session *session_new(uint32_t channel)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->channel = channel;
	s->fd_in = s->fd_out = s->fd_err = -1;
	s->pty_master = s->pty_slave = -1;
	return s;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The pty's logout records and release, once (the process ended or the channel went away). */
static void pty_finish(struct session *s)
{
	if (!s->has_pty)
		return;
	close_fd(&s->pty_slave);
	close_fd(&s->pty_master);
	s->pty->close(s->pty->ctx, s->tty);
	s->has_pty = false;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	pty_finish(s);
	close_fd(&s->fd_in);
	close_fd(&s->fd_out);
	close_fd(&s->fd_err);
	strlist_free(&s->env);
	bytes_free(&s->in);
	bytes_free(&s->out[0]);
	bytes_free(&s->out[1]);
	free(s);
}

void session_hangup(struct session *s)
{
	if (s->pid > 0 && !s->exited) {
		log_debug("channel %u: sending SIGHUP to process group %ld", s->channel, (long)s->pid);
		killpg(s->pid, SIGHUP);
	}
}

/* ---- what the client asks before the process starts ---- */

int session_pty_request(struct session *s, const struct pty_broker *broker, const struct burrow_pty_req *req)
{
	int master = -1, slave = -1;
	char tty[sizeof(s->tty)];
	if (broker->open(broker->ctx, &master, &slave, tty, sizeof(tty)) < 0)
		return -1;
	struct termios t;
	unsigned unknown = 0;
	if (tcgetattr(slave, &t) < 0) {
		log_error("channel %u: tcgetattr %s: %s", s->channel, tty, strerror(errno));
		goto fail;
	}
	int r = burrow_ttymodes_apply(req->modes, req->modes_len, &t, &unknown);
	if (r < 0) {
		log_info("channel %u: pty-req with malformed terminal modes refused: %s", s->channel,
			 burrow_strerror(r));
		goto fail;
	}
	if (unknown > 0)
		log_verbose("channel %u: pty-req: %u terminal mode opcode(s) not known, ignored", s->channel, unknown);
	if (tcsetattr(slave, TCSANOW, &t) < 0)
		log_debug("channel %u: tcsetattr %s: %s", s->channel, tty, strerror(errno));
	s->pty = broker;
	s->has_pty = true;
	s->pty_master = master;
	s->pty_slave = slave;
	snprintf(s->tty, sizeof(s->tty), "%s", tty);
	snprintf(s->term, sizeof(s->term), "%s", req->term);
	session_window_change(s, req->cols, req->rows, req->width_px, req->height_px);
	log_debug("channel %u: allocated pty %s, TERM %s", s->channel, s->tty, s->term);
	return 0;
fail:
	close(master);
	close(slave);
	broker->close(broker->ctx, tty);
	return -1;
}

static unsigned short clamp_u16(uint32_t v)
{
	return v > USHRT_MAX ? USHRT_MAX : (unsigned short)v;
}

int session_window_change(struct session *s, uint32_t cols, uint32_t rows, uint32_t width_px, uint32_t height_px)
{
	if (!s->has_pty || s->pty_master < 0)
		return -1;
	struct winsize ws = {
		.ws_row = clamp_u16(rows),
		.ws_col = clamp_u16(cols),
		.ws_xpixel = clamp_u16(width_px),
		.ws_ypixel = clamp_u16(height_px),
	};
	/* The kernel sends SIGWINCH to the terminal's foreground process group. */
	if (ioctl(s->pty_master, TIOCSWINSZ, &ws) < 0) {
		log_debug("channel %u: TIOCSWINSZ: %s", s->channel, strerror(errno));
		return -1;
	}
	return 0;
}

/* The signal names of RFC 4254 6.10, both ways: "signal" requests and exit-signal. */
static const struct {
	const char *name;
	int sig;
} signal_names[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "FPE", SIGFPE },   { "HUP", SIGHUP },
	{ "ILL", SIGILL },   { "INT", SIGINT },   { "KILL", SIGKILL }, { "PIPE", SIGPIPE },
	{ "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 },
};

int session_signal_number(const char *name)
{
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (strcmp(signal_names[i].name, name) == 0)
			return signal_names[i].sig;
	return 0;
}

/* As sshd's session_signal_req: known names only, a running process, never into a forced
 * command or a subsystem. */
int session_signal(struct session *s, const char *name)
{
	int sig = session_signal_number(name);
	if (sig == 0) {
		log_info("channel %u: unsupported signal \"%s\"", s->channel, name);
		return -1;
	}
	if (s->pid <= 0 || s->exited) {
		log_info("channel %u: no process for signal %s", s->channel, name);
		return -1;
	}
	if (s->no_signals) {
		log_info("channel %u: refusing to send signal %s to a forced-command or subsystem session",
			 s->channel, name);
		return -1;
	}
	log_debug("channel %u: signal %s, killpg(%ld, %d)", s->channel, name, (long)s->pid, sig);
	if (killpg(s->pid, sig) < 0) {
		log_info("channel %u: killpg(%ld, %d): %s", s->channel, (long)s->pid, sig, strerror(errno));
		return -1;
	}
	return 0;
}

int session_break(struct session *s)
{
	if (!s->has_pty || s->pty_master < 0)
		return -1;
	return tcsendbreak(s->pty_master, 0) < 0 ? -1 : 0;
}

int session_env_add(struct session *s, const char *name, const char *value)
{
	if (s->env.n >= SESSION_MAX_ENV) {
		log_debug("channel %u: ignoring env request %s: too many env vars", s->channel, name);
		return -1;
	}
	size_t len = strlen(name) + strlen(value) + 2;
	char *entry = malloc(len);
	if (!entry)
		return -1;
	snprintf(entry, len, "%s=%s", name, value);
	int r = strlist_add(&s->env, entry);
	free(entry);
	return r < 0 ? -1 : 0;
}

/* ---- starting the process ---- */

static void free_vector(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* argv as sshd builds it: "-bash" for a login shell, "bash -c command" for a command. */
static char **argv_new(const char *shell, const char *command)
{
	const char *slash = strrchr(shell, '/');
	const char *base = slash ? slash + 1 : shell;
	char **argv = calloc(4, sizeof(*argv));
	if (!argv)
		return NULL;
	if (command) {
		argv[0] = strdup(base);
		argv[1] = strdup("-c");
		argv[2] = strdup(command);
		if (!argv[0] || !argv[1] || !argv[2]) {
			free_vector(argv);
			return NULL;
		}
	} else {
		argv[0] = malloc(strlen(base) + 2);
		if (!argv[0]) {
			free(argv);
			return NULL;
		}
		sprintf(argv[0], "-%s", base);
	}
	return argv;
}

static void child_write(const char *text, size_t len)
{
	while (len > 0) {
		ssize_t w = write(1, text, len);
		if (w <= 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		text += w;
		len -= (size_t)w;
	}
}

static void child_write_error(const char *what, const char *arg, int err)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s %s: %s\n", what, arg, strerror(err));
	if (n > 0) {
		ssize_t w = write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		(void)w;
	}
}

/* /etc/motd to the terminal, as sshd's do_motd. */
static void child_print_motd(void)
{
	int fd = open("/etc/motd", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		child_write(buf, (size_t)n);
	close(fd);
}

/* The greeting of a login shell on a pty (sshd's do_login after record_login): the last login
 * and the motd, unless ~/.hushlogin exists (check_quietlogin). Runs as the user. */
static void child_greet(const struct session_options *config, const char *last_login)
{
	struct stat st;
	if (stat(".hushlogin", &st) == 0)
		return;
	if (last_login[0] && (!config || session_opt_print_last_log(config)))
		child_write(last_login, strlen(last_login));
	if (!config || session_opt_print_motd(config))
		child_print_motd();
}

/* What the forked child needs, gathered in the parent. */
struct child_plan {
	int in_fd, out_fd, err_fd; /* or the pty slave in all three */
	bool pty;
	bool greet;                /* a login shell on a pty */
	const char *last_login;    /* "Last login: ...\r\n" or "" */
	const struct user_info *user;
	const struct session_options *config;
	char **argv, **env;
};

/* In the forked child: never returns. */
static void child_exec(const struct child_plan *p)
{
	signals_reset_for_exec();
	setsid();
	/* The slave becomes the controlling terminal of the new session (sshd's
	 * pty_make_controlling_tty). */
	if (p->pty && ioctl(p->in_fd, TIOCSCTTY, 0) < 0)
		child_write_error("TIOCSCTTY", "", errno);
	if (dup2(p->in_fd, 0) < 0 || dup2(p->out_fd, 1) < 0 || dup2(p->err_fd, 2) < 0)
		_exit(1);
	/* Everything else of ours (socket, other sessions' pipes) must not leak into the user's
	 * process; they are close-on-exec already, this is the belt to those braces. */
	if (close_range(3, ~0u, 0) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	}
	if (chdir(p->user->home) < 0) {
		child_write_error("Could not chdir to home directory", p->user->home, errno);
		if (chdir("/") < 0)
			_exit(1);
	}
	if (p->greet)
		child_greet(p->config, p->last_login);
	execve(p->user->shell, p->argv, p->env);
	child_write_error("exec", p->user->shell, errno);
	_exit(1);
}

/* The last login before this one, read before this one is recorded. */
static void last_login_text(const struct session_origin *origin, char *buf, size_t len)
{
	struct lastlog_entry e;
	buf[0] = 0;
	if (origin->config && !session_opt_print_last_log(origin->config))
		return;
	if (lastlog_read(origin->user->uid, &e) == 0)
		lastlog_message(&e, buf, len);
}

int session_start(struct session *s, struct burrow_conn *conn, const struct session_origin *origin,
		  const char *command)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char **argv = argv_new(origin->user->shell, command);
	char **env = login_env_new(origin, s->has_pty ? s->term : NULL, s->has_pty ? s->tty : NULL, &s->env);
	char last_login[512] = "";
	int result = -1;
	if (!argv || !env) {
		log_error("session: out of memory");
		goto done;
	}
	struct child_plan plan = {
		.pty = s->has_pty,
		.greet = s->has_pty && !command,
		.last_login = last_login,
		.user = origin->user,
		.config = origin->config,
		.argv = argv,
		.env = env,
	};
	if (s->has_pty) {
		if (s->pty_slave < 0) {
			log_error("channel %u: the pty is gone", s->channel);
			goto done;
		}
		plan.in_fd = plan.out_fd = plan.err_fd = s->pty_slave;
		if (plan.greet)
			last_login_text(origin, last_login, sizeof(last_login));
	} else {
		if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
			log_error("session: pipe: %s", strerror(errno));
			goto done;
		}
		plan.in_fd = in[0];
		plan.out_fd = out[1];
		plan.err_fd = err[1];
	}
	/* Room for one read per stream, allocated once per session, not per chunk. */
	if (bytes_reserve(&s->out[0], SESSION_READ_SIZE) < 0 ||
	    bytes_reserve(&s->out[1], SESSION_READ_SIZE) < 0) {
		log_error("session: out of memory");
		goto done;
	}
	/* On a pty both directions are dups of the master, which stays ours for window-change
	 * and break until the session ends. */
	if (s->has_pty && ((s->fd_in = fcntl(s->pty_master, F_DUPFD_CLOEXEC, 3)) < 0 ||
			   (s->fd_out = fcntl(s->pty_master, F_DUPFD_CLOEXEC, 3)) < 0)) {
		log_error("session: dup: %s", strerror(errno));
		close_fd(&s->fd_in);
		goto done;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_error("session: fork: %s", strerror(errno));
		close_fd(&s->fd_in);
		close_fd(&s->fd_out);
		goto done;
	}
	if (pid == 0)
		child_exec(&plan);
	s->pid = pid;
	if (s->has_pty) {
		/* Only the process holds the slave now: when it (and its children) are gone, reading
		 * the master ends with EIO, after the last output. */
		close_fd(&s->pty_slave);
		s->pty->login(s->pty->ctx, s->tty, pid);
	} else {
		s->fd_in = in[1];
		s->fd_out = out[0];
		s->fd_err = err[0];
		in[1] = out[0] = err[0] = -1;
	}
	set_nonblocking(s->fd_in);
	set_nonblocking(s->fd_out);
	if (s->fd_err >= 0)
		set_nonblocking(s->fd_err);
	log_debug("channel %u: started pid %ld%s%s: %s", s->channel, (long)pid, s->has_pty ? " on " : "",
		  s->has_pty ? s->tty : "", command ? command : "(shell)");
	result = 0;
	/* Data that arrived before the request goes to the process now. */
	session_write_stdin(s, conn);
done:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	free_vector(argv);
	login_env_free(env);
	return result;
}

/* ---- peer -> process ---- */

static void consumed(struct session *s, struct burrow_conn *conn, size_t n)
{
	if (n == 0)
		return;
	int r = burrow_chan_consumed(conn, s->channel, n);
	if (r < 0)
		log_debug("channel %u: consumed: %s", s->channel, burrow_strerror(r));
}

/* The process no longer reads its stdin: what is buffered and what comes is dropped, and the
 * window reopens for it so the peer is not stalled. */
static void stdin_failed(struct session *s, struct burrow_conn *conn)
{
	size_t dropped = s->in.len;
	bytes_consume(&s->in, s->in.len);
	close_fd(&s->fd_in);
	s->stdin_dead = true;
	consumed(s, conn, dropped);
}

/* Writes from data/len; returns how many bytes went out, or SIZE_MAX after a fatal error. */
static size_t write_some(struct session *s, const uint8_t *data, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(s->fd_in, data + done, len - done);
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (errno != EPIPE)
			log_debug("channel %u: write to stdin: %s", s->channel, strerror(errno));
		return SIZE_MAX;
	}
	return done;
}

static void close_stdin_if_done(struct session *s)
{
	if (s->peer_eof && s->in.len == 0 && s->fd_in >= 0)
		close_fd(&s->fd_in);
}

void session_write_stdin(struct session *s, struct burrow_conn *conn)
{
	if (s->fd_in < 0)
		return;
	if (s->in.len > 0) {
		size_t n = write_some(s, s->in.data + s->in.off, s->in.len);
		if (n == SIZE_MAX) {
			stdin_failed(s, conn);
			return;
		}
		bytes_consume(&s->in, n);
		consumed(s, conn, n);
	}
	close_stdin_if_done(s);
}

void session_input(struct session *s, struct burrow_conn *conn, int stream, const uint8_t *data,
		   size_t len)
{
	/* Extended data towards a server means nothing (RFC 4254 5.2 defines only stderr). */
	if (stream != 0 || s->stdin_dead || s->peer_eof) {
		consumed(s, conn, len);
		return;
	}
	size_t written = 0;
	if (s->in.len == 0 && s->fd_in >= 0) {
		written = write_some(s, data, len);
		if (written == SIZE_MAX) {
			stdin_failed(s, conn);
			consumed(s, conn, len);
			return;
		}
	}
	/* The event's data stays valid only until the next call into the engine: copy first. */
	if (written < len && bytes_append(&s->in, data + written, len - written) < 0) {
		log_error("channel %u: out of memory buffering input", s->channel);
		stdin_failed(s, conn);
		consumed(s, conn, len);
		return;
	}
	consumed(s, conn, written);
}

void session_input_eof(struct session *s, struct burrow_conn *conn)
{
	(void)conn;
	s->peer_eof = true;
	close_stdin_if_done(s);
}

/* ---- process -> peer ---- */

static size_t engine_pending(struct burrow_conn *conn)
{
	const uint8_t *p;
	return burrow_conn_output(conn, &p);
}

bool session_wants_output(const struct session *s, struct burrow_conn *conn, int stream)
{
	int fd = stream ? s->fd_err : s->fd_out;
	if (fd < 0 || s->out[stream].len > 0 || s->close_sent)
		return false;
	return burrow_chan_send_room(conn, s->channel) > 0 &&
	       engine_pending(conn) < SESSION_OUTPUT_HIGH_WATER;
}

static void send_leftover(struct session *s, struct burrow_conn *conn, int stream)
{
	struct bytes *b = &s->out[stream];
	while (b->len > 0) {
		size_t sent = 0;
		int r = burrow_chan_send(conn, s->channel, stream, b->data + b->off, b->len, &sent);
		if (r < 0 && r != BURROW_E_AGAIN) {
			/* The channel cannot take data any more (peer closed): drop it. */
			log_debug("channel %u: send: %s", s->channel, burrow_strerror(r));
			bytes_consume(b, b->len);
			return;
		}
		if (sent == 0)
			return;
		bytes_consume(b, sent);
	}
}

void session_send_pending(struct session *s, struct burrow_conn *conn)
{
	send_leftover(s, conn, 0);
	send_leftover(s, conn, 1);
}

void session_read_output(struct session *s, struct burrow_conn *conn, int stream)
{
	int *fd = stream ? &s->fd_err : &s->fd_out;
	struct bytes *b = &s->out[stream];
	/* A few reads per wake-up keep bulk transfers moving without starving other fds. */
	for (int round = 0; round < 8 && session_wants_output(s, conn, stream); round++) {
		size_t room = burrow_chan_send_room(conn, s->channel);
		size_t want = room < b->cap ? room : b->cap;
		ssize_t r = read(*fd, b->data, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			/* EIO is how a pty master says the last holder of the slave is gone. */
			if (r < 0 && errno != EIO)
				log_debug("channel %u: read stream %d: %s", s->channel, stream, strerror(errno));
			close_fd(fd);
			return;
		}
		b->off = 0;
		b->len = (size_t)r;
		send_leftover(s, conn, stream);
	}
}

/* ---- the end ---- */

const char *session_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (signal_names[i].sig == sig)
			return signal_names[i].name;
	return "SIG@openssh.com";
}

void session_maybe_finish(struct session *s, struct burrow_conn *conn)
{
	if (s->close_sent || s->pid <= 0 || !s->exited)
		return;
	/* All output first: a quickly exiting program must lose nothing. */
	if (s->fd_out >= 0 || s->fd_err >= 0 || s->out[0].len > 0 || s->out[1].len > 0)
		return;
	if (s->fd_in >= 0 || s->in.len > 0)
		stdin_failed(s, conn);
	int r = 0, st = s->wait_status;
	if (WIFEXITED(st)) {
		r = burrow_chan_exit_status(conn, s->channel, (uint32_t)WEXITSTATUS(st));
	} else if (WIFSIGNALED(st)) {
		r = burrow_chan_exit_signal(conn, s->channel, session_signal_name(WTERMSIG(st)),
					    WCOREDUMP(st), "");
	}
	if (r < 0)
		log_debug("channel %u: exit status: %s", s->channel, burrow_strerror(r));
	r = burrow_chan_send_eof(conn, s->channel);
	if (r < 0)
		log_debug("channel %u: eof: %s", s->channel, burrow_strerror(r));
	r = burrow_chan_close(conn, s->channel);
	if (r < 0)
		log_debug("channel %u: close: %s", s->channel, burrow_strerror(r));
	s->close_sent = true;
	pty_finish(s);
}
