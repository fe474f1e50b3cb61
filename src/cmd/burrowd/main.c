/*
 * burrowd [-DdeqTt] [-C connection_spec] [-E log_file] [-f config_file] [-h host_key_file] [-o option] [-p port]
 *
 * Reads the configuration and loads the host keys, then either becomes the listener
 * (listener.c) or, started by the listener as "burrowd -R ARGS..." with a connection on a fixed
 * descriptor, serves that one connection (server_conn.c) and exits with its status.
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algospec.h"
#include "authkeys_command.h"
#include "cfgfile.h"
#include "listener.h"
#include "log.h"

struct runtime {
	struct burrow_key **host_keys;
	size_t host_key_count;
};

static void usage(void)
{
	fprintf(stderr, "usage: burrowd [-DdeqTt] [-C connection_spec] [-E log_file] [-f config_file] [-h host_key_file] [-o option] [-p port]\n");
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

/* Reads -f FILE (or the default, which may be absent). Exits on errors. */
static void read_config(struct server_options *opts, const char *path, const char *name, bool explicit_path)
{
	/* Kept, with its Includes, for Match evaluation; `name` (the -f file) places relative
	 * Includes and names the file in messages when the text comes from the listener's memfd. */
	int r = servconf_read_file(opts, path, name);
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

/* The log as configured: syslog (SyslogFacility) unless -e or -d; -E FILE wins over both. */
static void setup_logging(const struct server_options *opts, bool log_stderr, const char *log_file)
{
	log_set_facility(opts->daemon.syslog_facility);
	log_init("burrowd", (enum log_level)opts->log_level, !log_stderr && !log_file);
	if (log_file && log_open_file(log_file) < 0) {
		fprintf(stderr, "Couldn't open logfile %s: %s\n", log_file, strerror(errno));
		exit(1);
	}
}

/* A connection process (-R): the listener checked this configuration already; parse it again
 * quietly (its notes were logged once, at startup), then serve the one connection. */
static void serve_connection(struct runtime *rt, struct server_options *opts, bool log_stderr,
			     const char *log_file)
{
	int sock = listener_rexec_take_fds();
	if (signals_init(false) < 0) {
		log_msg(LOG_LVL_FATAL, "pipe: %s", strerror(errno));
		exit(CONN_EXIT_ERROR);
	}
	setup_logging(opts, log_stderr, log_file);
	exit(server_conn_serve(opts, rt->host_keys, rt->host_key_count, sock));
}

int main(int argc, char **argv)
{
	struct server_options opts;
	struct runtime rt;
	const char *config_path = BURROWD_DEFAULT_CONFIG, *log_file = NULL;
	bool explicit_config = false, no_daemon = false, log_stderr = false, quiet = false;
	int debug_level = 0, test_mode = 0;
	struct strlist cmdline_keys = { 0 };

	memset(&rt, 0, sizeof(rt));
	/* Executed through /proc/self/exe (each connection, SIGHUP), the kernel would name us "exe":
	 * keep the name ps -C, pgrep and top show. */
	const char *slash = strrchr(argv[0], '/');
	prctl(PR_SET_NAME, slash ? slash + 1 : argv[0]);
	char **orig_argv = argv;
	/* A connection process: "burrowd -R ARGS...", its descriptors 3-5 set by the listener. */
	bool rexec = argc > 1 && strcmp(argv[1], REEXEC_FLAG) == 0;
	if (rexec) {
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	/* Descriptors inherited from whoever started us are none of our business (sshd does the
	 * same); then make sure 0-2 are open so no socket or pipe of ours lands there. */
	int first_stray = rexec ? REEXEC_CONFIG_FD + 1 : 3;
	if (close_range((unsigned)first_stray, ~0u, 0) < 0) {
		for (int fd = first_stray; fd < 1024; fd++)
			close(fd);
	}
	sanitise_stdfd();
	servconf_init(&opts);
	log_init("burrowd", LOG_LVL_INFO, false);

	int ch;
	struct match_ctx test_conn = { 0 }; /* -C: the connection -T evaluates Match blocks for */
	bool test_conn_given = false;
	while ((ch = getopt(argc, argv, "DdeqTtC:E:f:h:o:p:")) != -1) {
		switch (ch) {
		case 'C':
			if (servconf_test_spec_parse(optarg, &test_conn) < 0)
				exit(1);
			test_conn_given = true;
			break;
		case 'D':
			no_daemon = true;
			break;
		case 'd':
			debug_level++;
			break;
		case 'e':
			log_stderr = true;
			break;
		case 'E':
			log_file = optarg;
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
			if (servconf_cmdline_option(&opts, optarg) < 0)
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

	const char *config_name = config_path;
	if (rexec) {
		/* The text the listener read, not the file as it may be now: a changed file only
		 * takes effect with SIGHUP, as with sshd. */
		config_path = REEXEC_CONFIG_PATH;
		explicit_config = true;
		log_set_level(LOG_LVL_ERROR);
	} else {
		log_set_level((enum log_level)(opts.log_level >= 0 ? opts.log_level : LOG_LVL_INFO));
	}
	read_config(&opts, config_path, config_name, explicit_config);
	servconf_fill_defaults(&opts);
	daemon_config_fill_defaults(&opts.daemon);
	if (authkeys_command_config_check(&opts.certs) < 0)
		exit(255);
	if (!rexec)
		log_set_level((enum log_level)opts.log_level);

	if (test_conn_given && test_mode != 2) {
		fprintf(stderr, "Config test connection parameter (-C) provided without test mode (-T)\n");
		exit(255);
	}
	if (test_mode == 2) {
		/* As sshd -T: Match blocks evaluated for the -C connection (without -C, for one
		 * that no criterion matches, so only "Match All" applies). */
		struct server_options effective;
		if (servconf_for_connection(&opts, &test_conn, &effective) < 0)
			exit(255);
		servconf_dump(&effective, stdout);
		exit(0);
	}
	load_host_keys(&rt, &opts);
	load_moduli(&opts);
	if (rexec)
		serve_connection(&rt, &opts, log_stderr, log_file);
	check_engine_config(&rt, &opts);
	note_unoffered_host_keys(&rt, &opts);
	if (test_mode)
		exit(0);

	if (signals_init(true) < 0) {
		log_msg(LOG_LVL_FATAL, "pipe: %s", strerror(errno));
		exit(1);
	}
	/* From here on, without -e, the log goes to syslog like sshd's. */
	setup_logging(&opts, log_stderr, log_file);
	/* Connection processes load the host keys again, after the daemon has changed to "/". */
	for (size_t i = 0; !no_daemon && i < opts.host_keys.n; i++)
		if (opts.host_keys.v[i][0] != '/')
			log_error("HostKey %s is a relative path: connection processes start in / and will "
				  "not find it; give an absolute path", opts.host_keys.v[i]);
	struct listener_runtime lr = {
		.opts = &opts,
		.argv = orig_argv,
		.config_fd = listener_config_memfd(config_path),
		.debug = debug_level > 0,
		.log_stderr = log_stderr,
		.daemonize = !no_daemon,
	};
	listener_run(&lr);
}
