/*
 * Session channels: the process runs with three pipes. Window discipline: peer data is
 * acknowledged (burrow_chan_consumed) only once written to the process, so what we buffer is
 * bounded by our window; process output is read only when the peer's window has room and the
 * engine's unsent output is below the high-water mark, so nothing grows without bound.
 */
#define _GNU_SOURCE
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

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
	return s;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	close_fd(&s->fd_in);
	close_fd(&s->fd_out);
	close_fd(&s->fd_err);
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

/* ---- starting the process ---- */

static char *env_entry_new(const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *e = malloc(len);
	if (e)
		snprintf(e, len, "%s=%s", name, value);
	return e;
}

static void free_vector(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* Sets NAME=value in env (replacing an earlier NAME), growing it; 0 or -1. */
static int environment_set(char ***env, const char *entry)
{
	size_t name_len = strcspn(entry, "=");
	size_t n = 0;
	for (; (*env)[n]; n++) {
		if (strncmp((*env)[n], entry, name_len + 1) == 0) {
			char *copy = strdup(entry);
			if (!copy)
				return -1;
			free((*env)[n]);
			(*env)[n] = copy;
			return 0;
		}
	}
	char **grown = realloc(*env, (n + 2) * sizeof(**env));
	if (!grown)
		return -1;
	*env = grown;
	if (!(grown[n] = strdup(entry)))
		return -1;
	grown[n + 1] = NULL;
	return 0;
}

/* The login's additions, after the standard variables as in sshd's do_setup_env: the key's
 * environment= (already filtered by PermitUserEnvironment) and SSH_ORIGINAL_COMMAND. */
static int environment_add_login(char ***env, const struct session_origin *o)
{
	for (size_t i = 0; o->restrictions && i < o->restrictions->environment.n; i++)
		if (environment_set(env, o->restrictions->environment.v[i]) < 0)
			return -1;
	if (o->original_command) {
		char *entry = env_entry_new("SSH_ORIGINAL_COMMAND", o->original_command);
		int r = entry ? environment_set(env, entry) : -1;
		free(entry);
		return r;
	}
	return 0;
}

static char **environment_new(const struct session_origin *o)
{
	char connection[256], client[192];
	snprintf(connection, sizeof(connection), "%s %d %s %d", o->peer_addr, o->peer_port,
		 o->local_addr, o->local_port);
	snprintf(client, sizeof(client), "%s %d %d", o->peer_addr, o->peer_port, o->local_port);
	const char *pairs[][2] = {
		{ "HOME", o->user->home },   { "USER", o->user->name },
		{ "LOGNAME", o->user->name }, { "SHELL", o->user->shell },
		{ "PATH", BURROWD_PATH },     { "SSH_CONNECTION", connection },
		{ "SSH_CLIENT", client },
	};
	size_t n = sizeof(pairs) / sizeof(pairs[0]);
	char **env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		env[i] = env_entry_new(pairs[i][0], pairs[i][1]);
		if (!env[i]) {
			free_vector(env);
			return NULL;
		}
	}
	/* Agent forwarding (agent_forward.c): where the session's ssh and ssh-add find the agent. */
	if (o->agent_socket && !(env[n] = env_entry_new("SSH_AUTH_SOCK", o->agent_socket))) {
		free_vector(env);
		return NULL;
	}
	if (environment_add_login(&env, o) < 0) {
		free_vector(env);
		return NULL;
	}
	return env;
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

static void child_write_error(const char *what, const char *arg, int err)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s %s: %s\n", what, arg, strerror(err));
	if (n > 0) {
		ssize_t w = write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		(void)w;
	}
}

/* In the forked child: never returns. */
static void child_exec(int in_fd, int out_fd, int err_fd, const struct user_info *user,
		       char **argv, char **env)
{
	signals_reset_for_exec();
	setsid();
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(1);
	/* Everything else of ours (socket, other sessions' pipes) must not leak into the user's
	 * process; they are close-on-exec already, this is the belt to those braces. */
	if (close_range(3, ~0u, 0) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	}
	if (chdir(user->home) < 0) {
		child_write_error("Could not chdir to home directory", user->home, errno);
		if (chdir("/") < 0)
			_exit(1);
	}
	execve(user->shell, argv, env);
	child_write_error("exec", user->shell, errno);
	_exit(1);
}

int session_start(struct session *s, struct burrow_conn *conn, const struct session_origin *origin,
		  const char *command)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char **argv = argv_new(origin->user->shell, command);
	char **env = environment_new(origin);
	int result = -1;
	if (!argv || !env) {
		log_error("session: out of memory");
		goto done;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		log_error("session: pipe: %s", strerror(errno));
		goto done;
	}
	/* Room for one read per stream, allocated once per session, not per chunk. */
	if (bytes_reserve(&s->out[0], SESSION_READ_SIZE) < 0 ||
	    bytes_reserve(&s->out[1], SESSION_READ_SIZE) < 0) {
		log_error("session: out of memory");
		goto done;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_error("session: fork: %s", strerror(errno));
		goto done;
	}
	if (pid == 0)
		child_exec(in[0], out[1], err[1], origin->user, argv, env);
	s->pid = pid;
	s->fd_in = in[1];
	s->fd_out = out[0];
	s->fd_err = err[0];
	in[1] = out[0] = err[0] = -1;
	set_nonblocking(s->fd_in);
	set_nonblocking(s->fd_out);
	set_nonblocking(s->fd_err);
	log_debug("channel %u: started pid %ld: %s", s->channel, (long)pid, command ? command : "(shell)");
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
	free_vector(env);
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
			if (r < 0)
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
	switch (sig) {
	case SIGABRT: return "ABRT";
	case SIGALRM: return "ALRM";
	case SIGFPE: return "FPE";
	case SIGHUP: return "HUP";
	case SIGILL: return "ILL";
	case SIGINT: return "INT";
	case SIGKILL: return "KILL";
	case SIGPIPE: return "PIPE";
	case SIGQUIT: return "QUIT";
	case SIGSEGV: return "SEGV";
	case SIGTERM: return "TERM";
	case SIGUSR1: return "USR1";
	case SIGUSR2: return "USR2";
	default: return "SIG@openssh.com";
	}
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
}
