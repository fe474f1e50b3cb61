/*
 * The listener: binds the listening sockets, accepts, refuses what PerSourcePenalties and
 * MaxStartups say to refuse, and hands every other connection to a fresh process: fork, then
 * exec burrowd itself again ("-R" and the same arguments, as sshd's re-exec), so each
 * connection starts from a clean image with its own copy of nothing but the socket, a pipe back
 * to us and the config text we read. The pipe tells us when the connection has authenticated
 * (listener_notify_authenticated): until then it counts against MaxStartups, and its exit
 * status can earn its source a penalty.
 */
#define _GNU_SOURCE
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfgfile.h"
#include "log.h"

#define MAX_LISTENERS 64
/* Set across the exec of a SIGHUP restart: the process is already detached. */
#define RESTART_ENV "BURROWD_RESTARTED"

struct listen_socket {
	int fd;
	char addr[64];
	int port;
};

/* A connection process we started and have not reaped yet. */
struct conn_child {
	pid_t pid;
	int startup_fd;          /* read end of its pipe; -1 once it authenticated or went away */
	bool authenticated;
	struct sockaddr_storage peer;
};

static struct listen_socket listeners[MAX_LISTENERS];
static size_t listener_count;
static struct conn_child *children;
static size_t child_count, child_cap;
static int startups;             /* children not yet authenticated: MaxStartups counts these */
static unsigned dropped;         /* connections dropped since MaxStartups throttling began */
static uint64_t throttle_start_ms;
static struct penalties *penalties;
static int startup_notify_fd = -1; /* in a connection process: REEXEC_STARTUP_FD */

/* ---- in the connection process ---- */

int listener_rexec_take_fds(void)
{
	/* Nothing the connection runs (sessions exec shells) may inherit these. */
	fcntl(REEXEC_SOCK_FD, F_SETFD, FD_CLOEXEC);
	fcntl(REEXEC_STARTUP_FD, F_SETFD, FD_CLOEXEC);
	close(REEXEC_CONFIG_FD);
	startup_notify_fd = REEXEC_STARTUP_FD;
	return REEXEC_SOCK_FD;
}

void listener_notify_authenticated(void)
{
	if (startup_notify_fd < 0)
		return;
	/* The listener may be gone (SIGTERM, or restarted by SIGHUP): EPIPE, not a signal. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	ssize_t w = write(startup_notify_fd, "A", 1);
	(void)w;
	sigaction(SIGPIPE, &old, NULL);
	close(startup_notify_fd);
	startup_notify_fd = -1;
}

void listener_forget_notify(void)
{
	/* The pre-auth child must not be able to claim an authentication for itself. */
	if (startup_notify_fd >= 0)
		close(startup_notify_fd);
	startup_notify_fd = -1;
}

/* ---- listening ---- */

int listener_config_memfd(const char *path)
{
	int fd = memfd_create("burrowd_config", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	char *text = NULL;
	size_t len = 0;
	/* An absent default config is an empty one, as the listener saw it. */
	if (file_read_all(path, &text, &len) == 0) {
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(fd, text + off, len - off);
			if (w <= 0) {
				free(text);
				close(fd);
				return -1;
			}
			off += (size_t)w;
		}
		free(text);
	}
	return fd;
}

static void close_listeners(void)
{
	for (size_t i = 0; i < listener_count; i++)
		close(listeners[i].fd);
	listener_count = 0;
}

static void listen_on(const char *host, int port)
{
	struct addrinfo hints, *res = NULL;
	char port_text[16];
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port_text, sizeof(port_text), "%d", port);
	int gai = getaddrinfo(host, port_text, &hints, &res);
	if (gai != 0) {
		log_msg(LOG_LVL_FATAL, "bad addr or host: %s (%s)", host ? host : "<NULL>", gai_strerror(gai));
		exit(255);
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (listener_count >= MAX_LISTENERS) {
			log_error("Too many listen sockets. Enlarge MAX_LISTENERS");
			break;
		}
		struct listen_socket *l = &listeners[listener_count];
		int unused;
		sockaddr_format(ai->ai_addr, l->addr, sizeof(l->addr), &unused);
		l->port = port;
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			/* No IPv6 on this host, typically: not worth more than a debug line. */
			log_debug("socket: %s", strerror(errno));
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* One socket per family, as sshd: a v6 socket must not grab the v4 port too. */
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			log_error("Bind to port %d on %s failed: %s.", port, l->addr, strerror(errno));
			close(fd);
			continue;
		}
		if (listen(fd, SOMAXCONN) < 0) {
			log_error("listen on [%s]:%d: %s.", l->addr, port, strerror(errno));
			close(fd);
			continue;
		}
		l->fd = fd;
		listener_count++;
		log_info("Server listening on %s port %d.", l->addr, port);
	}
	freeaddrinfo(res);
}

static void open_listeners(const struct listener_runtime *rt)
{
	const struct server_options *opts = rt->opts;
	if (opts->listen_count == 0) {
		for (size_t i = 0; i < opts->port_count; i++)
			listen_on(NULL, opts->ports[i]);
	}
	for (size_t i = 0; i < opts->listen_count; i++) {
		const struct listen_spec *spec = &opts->listen[i];
		if (spec->port) {
			listen_on(spec->host, spec->port);
			continue;
		}
		for (size_t j = 0; j < opts->port_count; j++)
			listen_on(spec->host, opts->ports[j]);
	}
	if (listener_count == 0) {
		log_msg(LOG_LVL_FATAL, "Cannot bind any address.");
		if (!rt->log_stderr)
			fprintf(stderr, "burrowd: Cannot bind any address.\n");
		exit(1);
	}
}

static void daemonize(bool keep_stderr)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_msg(LOG_LVL_FATAL, "fork: %s", strerror(errno));
		exit(1);
	}
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") < 0)
		log_error("chdir /: %s", strerror(errno));
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (!keep_stderr)
			dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static bool pid_file_wanted(const struct listener_runtime *rt)
{
	const char *path = rt->opts->pid_file;
	return !rt->debug && path && strcmp(path, "none") != 0;
}

static void write_pid_file(const struct listener_runtime *rt)
{
	if (!pid_file_wanted(rt))
		return;
	FILE *f = fopen(rt->opts->pid_file, "w");
	if (!f) {
		log_error("Couldn't create pid file \"%s\": %s", rt->opts->pid_file, strerror(errno));
		return;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

/* ---- connection processes ---- */

static void child_forget_startup(struct conn_child *c)
{
	if (c->startup_fd < 0)
		return;
	char byte;
	if (read(c->startup_fd, &byte, 1) == 1)
		c->authenticated = true;
	close(c->startup_fd);
	c->startup_fd = -1;
	startups--;
}

static void reap_connections(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (WIFSIGNALED(status))
			log_error("connection child %ld killed by signal %d%s", (long)pid, WTERMSIG(status),
				  WCOREDUMP(status) ? " (core dumped)" : "");
		else
			log_debug("connection child %ld exited, status %d", (long)pid, WEXITSTATUS(status));
		for (size_t i = 0; i < child_count; i++) {
			struct conn_child *c = &children[i];
			if (c->pid != pid)
				continue;
			child_forget_startup(c);
			/* Only connections that never authenticated are judged (sshd's child_reap). */
			int kind = c->authenticated ? -1 : penalties_kind_for_status(status);
			if (kind >= 0 && penalties)
				penalties_record(penalties, (const struct sockaddr *)&c->peer, kind, monotonic_ms());
			children[i] = children[--child_count];
			break;
		}
	}
}

static int add_child(pid_t pid, int startup_fd, const struct sockaddr_storage *peer)
{
	if (child_count == child_cap) {
		size_t cap = child_cap ? child_cap * 2 : 32;
		struct conn_child *v = realloc(children, cap * sizeof(*v));
		if (!v)
			return -1;
		children = v;
		child_cap = cap;
	}
	children[child_count++] = (struct conn_child){ .pid = pid, .startup_fd = startup_fd, .peer = *peer };
	startups++;
	return 0;
}

/* argv for a connection process: argv[0], "-R", then the listener's own arguments. */
static char **rexec_argv_new(char **argv)
{
	size_t n = 0;
	while (argv[n])
		n++;
	char **v = calloc(n + 2, sizeof(*v));
	if (!v)
		return NULL;
	v[0] = argv[0];
	v[1] = (char *)REEXEC_FLAG;
	for (size_t i = 1; i < n; i++)
		v[i + 1] = argv[i];
	return v;
}

/* In the forked process (or, with -d, the listener itself): the fixed descriptors, then exec. */
static void exec_connection(const struct listener_runtime *rt, int sock, int startup_wr)
{
	/* Out of the way first: any of them may already sit on 3..5. */
	int fds[3] = { fcntl(sock, F_DUPFD_CLOEXEC, 10), fcntl(startup_wr, F_DUPFD_CLOEXEC, 10),
		       fcntl(rt->config_fd, F_DUPFD_CLOEXEC, 10) };
	char **argv = rexec_argv_new(rt->argv);
	if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0 || !argv ||
	    dup2(fds[0], REEXEC_SOCK_FD) < 0 || dup2(fds[1], REEXEC_STARTUP_FD) < 0 ||
	    dup2(fds[2], REEXEC_CONFIG_FD) < 0) {
		log_error("cannot set up the connection process: %s", strerror(errno));
		_exit(CONN_EXIT_ERROR);
	}
	signals_reset_for_exec();
	unsetenv("NOTIFY_SOCKET"); /* only the listener speaks to systemd */
	execv("/proc/self/exe", argv);
	log_error("re-exec /proc/self/exe: %s", strerror(errno));
	_exit(CONN_EXIT_ERROR);
}

static void start_connection(const struct listener_runtime *rt, int sock, const struct sockaddr_storage *peer)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_error("pipe: %s", strerror(errno));
		close(sock);
		return;
	}
	if (rt->debug) {
		/* -d: this one connection, in this process, as sshd -d. */
		close_listeners();
		close(pipefd[0]);
		exec_connection(rt, sock, pipefd[1]);
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		close(sock);
		close(pipefd[0]);
		close(pipefd[1]);
		return;
	}
	if (pid == 0) {
		close(pipefd[0]);
		exec_connection(rt, sock, pipefd[1]);
	}
	close(pipefd[1]);
	close(sock);
	if (add_child(pid, pipefd[0], peer) < 0) {
		close(pipefd[0]); /* it runs on, uncounted */
		log_error("out of memory tracking connection %ld", (long)pid);
	}
	log_debug("Forked child %ld.", (long)pid);
}

/* ---- refusing ---- */

static void drop_connection(int sock, const struct sockaddr_storage *peer, const char *why)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char raddr[64] = "?", laddr[64] = "?";
	int rport = 0, lport = 0;
	sockaddr_format(peer, raddr, sizeof(raddr), &rport);
	if (getsockname(sock, (struct sockaddr *)&local, &len) == 0)
		sockaddr_format(&local, laddr, sizeof(laddr), &lport);
	log_verbose("drop connection #%d from [%s]:%d on [%s]:%d %s", startups, raddr, rport, laddr, lport, why);
	close(sock);
}

/* PerSourceMaxStartups: this source's block has that many unauthenticated connections. */
static bool per_source_startups_reached(const struct daemon_options *d, const struct sockaddr_storage *peer)
{
	if (d->per_source_max_startups <= 0)
		return false;
	int n = 0;
	for (size_t i = 0; i < child_count; i++)
		if (children[i].startup_fd >= 0 &&
		    srclimit_same_block(d, (const struct sockaddr *)&children[i].peer, (const struct sockaddr *)peer))
			n++;
	return n >= d->per_source_max_startups;
}

/* PerSourcePenalties, PerSourceMaxStartups, then MaxStartups; true when the connection was
 * refused (and closed). */
static bool refuse_connection(const struct listener_runtime *rt, int sock, const struct sockaddr_storage *peer)
{
	const char *reason;
	if (penalties && penalties_refuse(penalties, (const struct sockaddr *)peer, monotonic_ms(), &reason)) {
		drop_connection(sock, peer, reason);
		return true;
	}
	if (per_source_startups_reached(&rt->opts->daemon, peer)) {
		drop_connection(sock, peer, "past PerSourceMaxStartups");
		return true;
	}
	if (!maxstartups_should_drop(&rt->opts->daemon, startups, arc4random_uniform(100)))
		return false;
	if (dropped++ == 0) {
		throttle_start_ms = monotonic_ms();
		log_info("beginning MaxStartups throttling");
	}
	drop_connection(sock, peer, "past MaxStartups");
	return true;
}

static void note_throttling_end(const struct listener_runtime *rt)
{
	if (dropped == 0 || startups >= rt->opts->daemon.max_startups_begin)
		return;
	log_info("exited MaxStartups throttling after %llus, %u connections dropped",
		 (unsigned long long)((monotonic_ms() - throttle_start_ms) / 1000), dropped);
	dropped = 0;
}

static void accept_one(const struct listener_runtime *rt, const struct listen_socket *l)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int fd = accept4(l->fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			log_error("accept: %s", strerror(errno));
			usleep(100 * 1000); /* do not spin while out of descriptors */
		} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			log_error("accept: %s", strerror(errno));
		}
		return;
	}
	if (!refuse_connection(rt, fd, &peer))
		start_connection(rt, fd, &peer);
}

/* ---- signals ---- */

static void terminate(const struct listener_runtime *rt)
{
	log_info("Received signal %d; terminating.", (int)got_sigterm);
	sd_notify_send("STOPPING=1");
	close_listeners();
	if (pid_file_wanted(rt))
		unlink(rt->opts->pid_file);
	/* Connection processes are on their own: their sessions finish as they would. */
	exit(0);
}

static void restart(const struct listener_runtime *rt)
{
	log_info("Received SIGHUP; restarting.");
	sd_notify_reloading();
	close_listeners();
	signals_reset_for_exec();
	setenv(RESTART_ENV, "1", 1);
	execv("/proc/self/exe", rt->argv);
	log_msg(LOG_LVL_FATAL, "RESTART FAILED: /proc/self/exe: %s", strerror(errno));
	exit(1);
}

/* ---- the loop ---- */

static void poll_once(const struct listener_runtime *rt)
{
	static struct pollfd *pfds;
	static size_t pfds_cap;
	size_t nfds = 1 + listener_count + child_count;
	if (nfds > pfds_cap) {
		struct pollfd *v = realloc(pfds, nfds * sizeof(*v));
		if (!v) {
			usleep(100 * 1000);
			return;
		}
		pfds = v;
		pfds_cap = nfds;
	}
	pfds[0] = (struct pollfd){ .fd = signals_fd(), .events = POLLIN };
	for (size_t i = 0; i < listener_count; i++)
		pfds[1 + i] = (struct pollfd){ .fd = listeners[i].fd, .events = POLLIN };
	size_t watched = child_count;
	for (size_t i = 0; i < watched; i++)
		pfds[1 + listener_count + i] = (struct pollfd){ .fd = children[i].startup_fd, .events = POLLIN };
	if (poll(pfds, (nfds_t)nfds, -1) < 0) {
		if (errno != EINTR)
			log_error("poll: %s", strerror(errno));
		return;
	}
	if (pfds[0].revents)
		signals_drain();
	/* The children's table is only changed by reaping, which happens outside this function. */
	for (size_t i = 0; i < watched; i++)
		if (pfds[1 + listener_count + i].revents)
			child_forget_startup(&children[i]);
	note_throttling_end(rt);
	for (size_t i = 0; i < listener_count; i++)
		if (pfds[1 + i].revents & POLLIN)
			accept_one(rt, &listeners[i]);
}

void listener_run(struct listener_runtime *rt)
{
	bool restarted = getenv(RESTART_ENV) != NULL;
	unsetenv(RESTART_ENV);
	if (rt->config_fd < 0) {
		log_msg(LOG_LVL_FATAL, "cannot keep the configuration for connection processes: %s",
			strerror(errno));
		exit(1);
	}
	penalties = penalties_new(&rt->opts->daemon);
	if (!penalties) {
		log_msg(LOG_LVL_FATAL, "out of memory");
		exit(1);
	}
	open_listeners(rt);
	if (rt->daemonize && !restarted)
		daemonize(rt->log_stderr);
	write_pid_file(rt);
	sd_notify_send("READY=1");
	for (;;) {
		if (got_sigterm)
			terminate(rt);
		if (got_sighup && !rt->debug)
			restart(rt);
		if (got_sigchld) {
			got_sigchld = 0;
			reap_connections();
			note_throttling_end(rt);
		}
		poll_once(rt);
	}
}
