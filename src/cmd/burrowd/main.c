/*
 * burrowd [-DdeqTt] [-f config_file] [-h host_key_file] [-o option] [-p port]
 *
 * The listener: reads the configuration, loads host keys, binds the listening sockets,
 * daemonizes unless told not to, and forks one child per connection (server_conn.c).
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algospec.h"
#include "cfgfile.h"
#include "log.h"

#define MAX_LISTENERS 64

struct listener {
	int fd;
	char addr[64];
	int port;
};

static struct listener listeners[MAX_LISTENERS];
static size_t listener_count;
static bool log_is_stderr = true;

/* Set across the exec of a SIGHUP restart: the process is already detached. */
#define RESTART_ENV "BURROWD_RESTARTED"

static void usage(void)
{
	fprintf(stderr, "usage: burrowd [-DdeqTt] [-f config_file] [-h host_key_file] [-o option] [-p port]\n");
	exit(1);
}

/* Daemons and their children need fds 0-2 open, or a pipe could land on them. */
static void sanitise_stdfd(void)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return;
	while (fd >= 0 && fd <= 2)
		fd = dup(fd);
	if (fd > 2)
		close(fd);
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
		struct listener *l = &listeners[listener_count];
		int d;
		sockaddr_format(ai->ai_addr, l->addr, sizeof(l->addr), &d);
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

static void open_listeners(const struct server_options *opts)
{
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
		if (!log_is_stderr)
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

static void write_pid_file(const char *path)
{
	if (!path || strcmp(path, "none") == 0)
		return;
	FILE *f = fopen(path, "w");
	if (!f) {
		log_error("Couldn't create pid file \"%s\": %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
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
	}
}

struct runtime {
	const struct server_options *opts;
	struct burrow_key **host_keys;
	size_t host_key_count;
	bool debug;
	char **argv;
};

static void handle_connection(const struct runtime *rt, int fd)
{
	if (rt->debug) {
		/* -d: this one connection, in this process, then exit. */
		close_listeners();
		signals_init(false);
		int status = server_conn_serve(rt->opts, rt->host_keys, rt->host_key_count, fd);
		exit(status);
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		close(fd);
		return;
	}
	if (pid == 0) {
		close_listeners();
		signals_init(false);
		int status = server_conn_serve(rt->opts, rt->host_keys, rt->host_key_count, fd);
		exit(status);
	}
	log_debug("Forked child %ld.", (long)pid);
	close(fd);
}

static void restart(const struct runtime *rt)
{
	log_info("Received SIGHUP; restarting.");
	close_listeners();
	signals_reset_for_exec();
	setenv(RESTART_ENV, "1", 1);
	execv("/proc/self/exe", rt->argv);
	log_msg(LOG_LVL_FATAL, "RESTART FAILED: /proc/self/exe: %s", strerror(errno));
	exit(1);
}

static void accept_loop(const struct runtime *rt)
{
	struct pollfd pfds[MAX_LISTENERS + 1];
	for (;;) {
		if (got_sigterm) {
			log_info("Received signal %d; terminating.", (int)got_sigterm);
			if (rt->opts->pid_file && strcmp(rt->opts->pid_file, "none") != 0)
				unlink(rt->opts->pid_file);
			exit(0);
		}
		if (got_sighup && !rt->debug)
			restart(rt);
		if (got_sigchld) {
			got_sigchld = 0;
			reap_connections();
		}
		pfds[0] = (struct pollfd){ .fd = signals_fd(), .events = POLLIN };
		for (size_t i = 0; i < listener_count; i++)
			pfds[i + 1] = (struct pollfd){ .fd = listeners[i].fd, .events = POLLIN };
		int ready = poll(pfds, (nfds_t)listener_count + 1, -1);
		if (ready < 0) {
			if (errno != EINTR)
				log_error("poll: %s", strerror(errno));
			continue;
		}
		if (pfds[0].revents)
			signals_drain();
		for (size_t i = 0; i < listener_count; i++) {
			if (!(pfds[i + 1].revents & POLLIN))
				continue;
			int fd = accept4(listeners[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
					log_error("accept: %s", strerror(errno));
					usleep(100 * 1000); /* do not spin while out of descriptors */
				} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
					log_error("accept: %s", strerror(errno));
				}
				continue;
			}
			handle_connection(rt, fd);
		}
	}
}

/* Reads -f FILE (or the default, which may be absent). Exits on errors. */
static void read_config(struct server_options *opts, const char *path, bool explicit_path)
{
	int r = cfg_read_file(path, servconf_line, opts);
	if (r == -1) {
		if (!explicit_path && errno == ENOENT)
			return;
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (r < 0)
		exit(255);
	if (opts->bad_options > 0) {
		fprintf(stderr, "%s: terminating, %d bad configuration options\n", path, opts->bad_options);
		exit(255);
	}
}

static void load_host_keys(struct runtime *rt, struct server_options *opts)
{
	if (opts->host_keys.n == 0) {
		if (access(BURROWD_DEFAULT_HOSTKEY, F_OK) < 0) {
			log_msg(LOG_LVL_FATAL,
				"no HostKey configured and %s does not exist; create one with "
				"\"burrow-keygen -t ed25519 -N '' -f %s\" (or ssh-keygen), or name one with -h",
				BURROWD_DEFAULT_HOSTKEY, BURROWD_DEFAULT_HOSTKEY);
			exit(1);
		}
		strlist_add(&opts->host_keys, BURROWD_DEFAULT_HOSTKEY);
	}
	hostkeys_load(&opts->host_keys, &rt->host_keys, &rt->host_key_count);
	certauth_load_host_certificates(&opts->certs, &rt->host_keys, &rt->host_key_count);
	if (rt->host_key_count == 0) {
		log_msg(LOG_LVL_FATAL, "burrowd: no hostkeys available -- exiting.");
		exit(1);
	}
}

/* diffie-hellman-group-exchange picks its group from the moduli file (sshd's ModuliFile); read
 * it once here (children inherit it), only when such a method may be negotiated. A missing file
 * is not fatal: the engine then uses the RFC 3526 groups, as sshd falls back to fixed groups. */
static void load_moduli(struct server_options *opts)
{
	char *kex = algospec_resolve_new(BURROW_ALGO_KEX, BURROW_SERVER, opts->kex_algorithms);
	bool wanted = kex && strstr(kex, "diffie-hellman-group-exchange") != NULL;
	free(kex);
	if (!wanted)
		return;
	size_t len;
	if (file_read_all(opts->moduli_file, &opts->moduli, &len) < 0) {
		log_verbose("WARNING: could not open %s (%s); group exchange uses the fixed groups",
			    opts->moduli_file, strerror(errno));
		opts->moduli = NULL;
	}
}

/* One engine made with the final configuration, so a list that leaves nothing to offer (no
 * host key of any HostKeyAlgorithms type, say) stops us here instead of failing every
 * connection. */
static void check_engine_config(const struct runtime *rt, const struct server_options *opts)
{
	struct burrow_config cfg;
	struct burrow_conn *probe = NULL;
	server_engine_config(opts, rt->host_keys, rt->host_key_count, &cfg);
	int r = burrow_conn_new(&cfg, &probe);
	if (r == 0) {
		burrow_conn_free(probe);
		return;
	}
	if (r == BURROW_E_NOMATCH) {
		char *hk = algospec_resolve_new(BURROW_ALGO_HOSTKEY, BURROW_SERVER, opts->hostkey_algorithms);
		log_msg(LOG_LVL_FATAL, "no loaded host key can be used with HostKeyAlgorithms %s; loaded:",
			hk ? hk : "?");
		for (size_t i = 0; i < rt->host_key_count; i++)
			log_msg(LOG_LVL_FATAL, "  %s", burrow_key_type_name(rt->host_keys[i]));
		free(hk);
	} else {
		log_msg(LOG_LVL_FATAL, "cannot set up connections with this configuration: %s", burrow_strerror(r));
	}
	exit(255);
}

/* A loaded host key that no HostKeyAlgorithms name can use is never shown to a client; say so
 * (the server's defaults leave ECDSA out, for instance) rather than ignore it silently. */
static void note_unoffered_host_keys(const struct runtime *rt, const struct server_options *opts)
{
	char *offered = algospec_resolve_new(BURROW_ALGO_HOSTKEY, BURROW_SERVER, opts->hostkey_algorithms);
	if (!offered)
		return;
	for (size_t i = 0; i < rt->host_key_count; i++) {
		const char *type = burrow_key_type_name(rt->host_keys[i]);
		/* An RSA key signs with rsa-sha2-512/256 (RFC 8332) or the old ssh-rsa. */
		static const char *const rsa_algs[] = { "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa" };
		bool used = false;
		size_t n = strcmp(type, "ssh-rsa") == 0 ? 3 : 1;
		for (size_t j = 0; j < n && !used; j++) {
			const char *alg = n == 3 ? rsa_algs[j] : type;
			size_t len = strlen(alg);
			for (const char *p = offered; (p = strstr(p, alg)) != NULL; p += len)
				if ((p == offered || p[-1] == ',') && (p[len] == ',' || p[len] == 0))
					used = true;
		}
		if (!used)
			log_info("the %s host key is not offered: HostKeyAlgorithms is %s (add it with "
				 "\"HostKeyAlgorithms +%s\")", type, offered,
				 n == 3 ? "rsa-sha2-512,rsa-sha2-256" : type);
	}
	free(offered);
}

int main(int argc, char **argv)
{
	struct server_options opts;
	struct runtime rt;
	const char *config_path = BURROWD_DEFAULT_CONFIG;
	bool explicit_config = false, no_daemon = false, log_stderr = false, quiet = false;
	int debug_level = 0, test_mode = 0;
	struct strlist cmdline_keys = { 0 };

	memset(&rt, 0, sizeof(rt));
	rt.argv = argv;
	/* Descriptors inherited from whoever started us are none of our business (sshd does the
	 * same); then make sure 0-2 are open so no socket or pipe of ours lands there. */
	if (close_range(3, ~0u, 0) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	}
	sanitise_stdfd();
	bool restarted = getenv(RESTART_ENV) != NULL;
	unsetenv(RESTART_ENV);
	servconf_init(&opts);
	log_init("burrowd", LOG_LVL_INFO, false);

	int ch;
	while ((ch = getopt(argc, argv, "DdeqTtf:h:o:p:")) != -1) {
		switch (ch) {
		case 'D':
			no_daemon = true;
			break;
		case 'd':
			debug_level++;
			break;
		case 'e':
			log_stderr = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 't':
			test_mode = test_mode ? test_mode : 1;
			break;
		case 'T':
			test_mode = 2;
			break;
		case 'f':
			config_path = optarg;
			explicit_config = true;
			break;
		case 'h':
			strlist_add(&cmdline_keys, optarg);
			break;
		case 'o':
			/* As in sshd, -o lines come first, so they win over the file (first value wins). */
			if (cfg_read_option(optarg, servconf_line, &opts) < 0 || opts.bad_options > 0)
				exit(255);
			break;
		case 'p':
			if (servconf_cmdline_port(&opts, optarg) < 0)
				exit(1);
			break;
		default:
			usage();
		}
	}
	if (optind < argc) {
		fprintf(stderr, "Extra argument %s.\n", argv[optind]);
		exit(1);
	}
	/* -d, -q: the command line sets LogLevel before any config line can (first value wins). */
	if (debug_level > 0) {
		int level = LOG_LVL_DEBUG1 + debug_level - 1;
		opts.log_level = level > LOG_LVL_DEBUG3 ? LOG_LVL_DEBUG3 : level;
		no_daemon = log_stderr = true;
	} else if (quiet) {
		opts.log_level = LOG_LVL_QUIET;
	}
	/* -h keys come before the file's HostKey lines: with one key per type they are the ones used. */
	struct strlist file_keys = opts.host_keys;
	opts.host_keys = cmdline_keys;
	for (size_t i = 0; i < file_keys.n; i++)
		strlist_add(&opts.host_keys, file_keys.v[i]);
	strlist_free(&file_keys);

	log_set_level((enum log_level)(opts.log_level >= 0 ? opts.log_level : LOG_LVL_INFO));
	read_config(&opts, config_path, explicit_config);
	servconf_fill_defaults(&opts);
	log_set_level((enum log_level)opts.log_level);

	if (test_mode == 2) {
		servconf_dump(&opts, stdout);
		exit(0);
	}
	load_host_keys(&rt, &opts);
	load_moduli(&opts);
	check_engine_config(&rt, &opts);
	note_unoffered_host_keys(&rt, &opts);
	if (test_mode)
		exit(0);
	rt.opts = &opts;
	rt.debug = debug_level > 0;

	if (signals_init(true) < 0) {
		log_msg(LOG_LVL_FATAL, "pipe: %s", strerror(errno));
		exit(1);
	}
	/* From here on, without -e, the log goes to syslog like sshd's. */
	log_init("burrowd", (enum log_level)opts.log_level, !log_stderr);
	log_is_stderr = log_stderr;
	open_listeners(&opts);
	if (!no_daemon && !restarted)
		daemonize(log_stderr);
	write_pid_file(opts.pid_file);
	accept_loop(&rt);
	return 0;
}
