/*
 * burrow: the SSH client program. Command line as ssh(1):
 *   burrow [-46AaCfGNnqsTtVv] [-c cipher_spec] [-E log_file] [-e escape_char] [-F configfile]
 *          [-i identity_file] [-l login_name] [-m mac_spec] [-o option] [-p port] [-Q query_option]
 *          destination [command [argument ...]]
 */
#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algospec.h"
#include "log.h"
#include "terminal.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: burrow [-46AaCfGNnqsTtVv] [-c cipher_spec] [-E log_file] [-e escape_char]\n"
		"              [-F configfile] [-i identity_file] [-l login_name] [-m mac_spec]\n"
		"              [-o option] [-p port] [-Q query_option] destination [command [argument ...]]\n");
	exit(CLIENT_EXIT_FAILURE);
}

/* Comma list -> one name per line. */
static void print_list(const char *list)
{
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n)
			printf("%.*s\n", (int)n, p);
		p = comma ? comma + 1 : NULL;
	}
}

/* Prints map(name) for each name of `list` (skipping NULL), each result once. */
static void print_filtered(const char *list, const char *(*map)(const char *name, char *tmp, size_t tmp_len))
{
	char *seen = strdup(",");
	for (const char *p = list; seen && p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char name[256], tmp[256];
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		p = comma ? comma + 1 : NULL;
		const char *shown = map(name, tmp, sizeof(tmp));
		if (!shown || !*shown)
			continue;
		size_t want = strlen(shown) + 3;
		char *key = malloc(want);
		if (!key)
			break;
		snprintf(key, want, ",%s,", shown);
		if (!strstr(seen, key)) {
			printf("%s\n", shown);
			size_t len = strlen(seen) + strlen(shown) + 2;
			char *grown = realloc(seen, len);
			if (grown) {
				seen = grown;
				strcat(seen, shown);
				strcat(seen, ",");
			}
		}
		free(key);
	}
	free(seen);
}

/* Key types as `ssh -Q key` names them: RSA's signature algorithms all belong to "ssh-rsa". */
static const char *key_type_of(const char *alg, char *tmp, size_t tmp_len)
{
	(void)tmp;
	(void)tmp_len;
	if (strncmp(alg, "rsa-sha2-", 9) == 0)
		return strstr(alg, "-cert-v01@") ? "ssh-rsa-cert-v01@openssh.com" : "ssh-rsa";
	return alg;
}

/* `ssh -Q key-cert` and `key-plain`: the key types with and without certificates. */
static const char *key_type_cert_only(const char *alg, char *tmp, size_t tmp_len)
{
	return strstr(alg, "-cert-v01@") ? key_type_of(alg, tmp, tmp_len) : NULL;
}

/* Signature algorithms a CA signs with: certificates are not among them. */
static const char *sig_plain_only(const char *alg, char *tmp, size_t tmp_len)
{
	(void)tmp;
	(void)tmp_len;
	return strstr(alg, "-cert-v01@") ? NULL : alg;
}

static const char *key_type_plain_only(const char *alg, char *tmp, size_t tmp_len)
{
	return strstr(alg, "-cert-v01@") ? NULL : key_type_of(alg, tmp, tmp_len);
}

/* Ciphers with their own integrity (`ssh -Q cipher-auth`). */
static const char *aead_only(const char *alg, char *tmp, size_t tmp_len)
{
	(void)tmp;
	(void)tmp_len;
	return strstr(alg, "-gcm@") || strstr(alg, "poly1305") ? alg : NULL;
}

/* -Q: what we implement, one name per line, as `ssh -Q`. Exits. */
static void query(const char *what)
{
	if (!strcmp(what, "cipher") || !strcasecmp(what, "Ciphers"))
		print_list(burrow_algorithms_supported(BURROW_ALGO_CIPHER));
	else if (!strcmp(what, "cipher-auth"))
		print_filtered(burrow_algorithms_supported(BURROW_ALGO_CIPHER), aead_only);
	else if (!strcmp(what, "mac") || !strcasecmp(what, "MACs"))
		print_list(burrow_algorithms_supported(BURROW_ALGO_MAC));
	else if (!strcmp(what, "kex") || !strcasecmp(what, "KexAlgorithms"))
		print_list(burrow_algorithms_supported(BURROW_ALGO_KEX));
	else if (!strcmp(what, "key"))
		print_filtered(burrow_algorithms_supported(BURROW_ALGO_HOSTKEY), key_type_of);
	else if (!strcmp(what, "key-plain") || !strcmp(what, "key-cert")) /* certificates: cert.c */
		print_filtered(burrow_algorithms_supported(BURROW_ALGO_HOSTKEY),
			       what[4] == 'c' ? key_type_cert_only : key_type_plain_only);
	else if (!strcmp(what, "key-sig") || !strcasecmp(what, "HostKeyAlgorithms") ||
		 !strcasecmp(what, "PubkeyAcceptedAlgorithms") || !strcasecmp(what, "PubkeyAcceptedKeyTypes"))
		print_list(burrow_algorithms_supported(BURROW_ALGO_HOSTKEY));
	else if (!strcmp(what, "sig") || !strcmp(what, "key-ca-sign") || !strcasecmp(what, "CASignatureAlgorithms"))
		print_filtered(burrow_algorithms_supported(BURROW_ALGO_SIG), sig_plain_only);
	else if (!strcmp(what, "compression"))
		print_list(burrow_algorithms_supported(BURROW_ALGO_COMPRESSION));
	else if (!strcmp(what, "protocol-version"))
		printf("2\n");
	else if (!strcmp(what, "kex-gss"))
		; /* no GSSAPI key exchange */
	else if (!strcmp(what, "help"))
		printf("cipher\ncipher-auth\ncompression\nkex\nkex-gss\nkey\nkey-cert\n"
		       "key-plain\nkey-sig\nmac\nprotocol-version\nsig\n");
	else {
		fprintf(stderr, "Unsupported query \"%s\"\n", what);
		exit(CLIENT_EXIT_FAILURE);
	}
	exit(0);
}

static int parse_port_arg(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 65535)
		return -1;
	return (int)v;
}

/* "[user@]host" or "ssh://[user[;params]@]host[:port][/]" (RFC 3986 / draft-ietf-secsh-scp-sftp-ssh-uri). */
static int parse_destination(const char *arg, char **user, char **host, int *port)
{
	*user = *host = NULL;
	*port = -1;
	if (strncasecmp(arg, "ssh://", 6) != 0) {
		const char *at = strrchr(arg, '@');
		if (at == arg)
			return -1;
		if (at && !(*user = strndup(arg, (size_t)(at - arg))))
			return -1;
		*host = strdup(at ? at + 1 : arg);
		return *host && **host ? 0 : -1;
	}
	char *rest = strdup(arg + 6), *hostpart;
	if (!rest)
		return -1;
	size_t len = strlen(rest);
	if (len > 0 && rest[len - 1] == '/')
		rest[--len] = 0;
	char *at = strrchr(rest, '@');
	if (at) {
		*at = 0;
		rest[strcspn(rest, ";")] = 0; /* connection parameters are not used */
		if (!*rest || !(*user = strdup(rest)))
			goto bad;
		hostpart = at + 1;
	} else {
		hostpart = rest;
	}
	if (strchr(hostpart, '/'))
		goto bad;
	char *portpart = NULL;
	if (*hostpart == '[') {
		char *close = strchr(hostpart, ']');
		if (!close)
			goto bad;
		*close = 0;
		hostpart++;
		if (close[1] == ':')
			portpart = close + 2;
		else if (close[1])
			goto bad;
	} else {
		char *colon = strchr(hostpart, ':');
		if (colon) {
			*colon = 0;
			portpart = colon + 1;
		}
	}
	if (portpart && (*port = parse_port_arg(portpart)) < 0)
		goto bad;
	if (!*hostpart || !(*host = strdup(hostpart)))
		goto bad;
	free(rest);
	return 0;
bad:
	free(*user);
	*user = NULL;
	free(rest);
	return -1;
}

/* -e: one character, "^X" for a control character, or "none" (ssh.c). */
static int parse_escape_char(const char *arg, int *out)
{
	if (strlen(arg) == 2 && arg[0] == '^' && (unsigned char)arg[1] >= 64 && (unsigned char)arg[1] < 128)
		*out = (unsigned char)arg[1] & 31;
	else if (strlen(arg) == 1)
		*out = (unsigned char)arg[0];
	else if (strcmp(arg, "none") == 0)
		*out = ESCAPE_CHAR_NONE;
	else
		return -1;
	return 0;
}

/* -E: log lines go to the file, appended; the session's stderr (the remote stderr stream,
 * the terminal's messages) keeps the stderr we were given. As ssh, a file that cannot be
 * opened ends the program. */
static void redirect_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "Couldn't open logfile %s: %s\n", path, strerror(errno));
		exit(1);
	}
	int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
		fprintf(stderr, "Couldn't redirect the log to %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
	client_stderr_fd = saved;
}

static char *join_command(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *cmd = malloc(len), *p = cmd;
	if (!cmd)
		return NULL;
	*p = 0;
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			*p++ = ' ';
		size_t n = strlen(argv[i]);
		memcpy(p, argv[i], n);
		p += n;
		*p = 0;
	}
	return cmd;
}

int main(int argc, char **argv)
{
	struct client_options o;
	const char *config_file = NULL, *destination = NULL;
	bool verbose_given = false;
	options_init(&o);
	signal(SIGPIPE, SIG_IGN);
	log_init(CLIENT_NAME, LOG_LVL_INFO, false);

	/* Options may also follow the destination (ssh re-scans after it); the command starts at
	 * the first word after the destination that is not an option, or after "--". */
	bool terminated = false;
	for (;;) {
		int c;
		while (!terminated && (c = getopt(argc, argv, "+46AaCc:E:e:F:fGi:l:m:Nno:p:Q:qsTtVv")) != -1) {
			switch (c) {
			case '4':
				o.address_family = AF_INET;
				break;
			case '6':
				o.address_family = AF_INET6;
				break;
			case 'A':
			case 'a':
				/* Agent forwarding on/off; the first word wins, as for ForwardAgent. */
				if (!o.forward_agent && !(o.forward_agent = strdup(c == 'A' ? "yes" : "no")))
					return CLIENT_EXIT_FAILURE;
				break;
			case 'C':
				o.compression = 1;
				break;
			case 'c':
				if (!algospec_usable(BURROW_ALGO_CIPHER, BURROW_CLIENT, optarg)) {
					fprintf(stderr, "Unknown cipher type '%s'\n", optarg);
					return CLIENT_EXIT_FAILURE;
				}
				free(o.ciphers);
				if (!(o.ciphers = strdup(optarg)))
					return CLIENT_EXIT_FAILURE;
				break;
			case 'm':
				if (!algospec_usable(BURROW_ALGO_MAC, BURROW_CLIENT, optarg)) {
					fprintf(stderr, "Unknown mac type '%s'\n", optarg);
					return CLIENT_EXIT_FAILURE;
				}
				free(o.macs);
				if (!(o.macs = strdup(optarg)))
					return CLIENT_EXIT_FAILURE;
				break;
			case 'Q':
				query(optarg);
				break;
			case 'F':
				config_file = optarg;
				break;
			case 'E': /* log lines to this file instead of stderr (the last -E wins, as ssh) */
				free(o.log_file);
				if (!(o.log_file = strdup(optarg)))
					return CLIENT_EXIT_FAILURE;
				break;
			case 'e':
				if (parse_escape_char(optarg, &o.escape_char) < 0) {
					fprintf(stderr, "Bad escape character '%s'.\n", optarg);
					return CLIENT_EXIT_FAILURE;
				}
				break;
			case 'f': /* fork after authentication; stdin from /dev/null */
				o.fork_after_authentication = 1;
				o.stdin_null = true;
				break;
			case 'N':
				if (o.session_type != SESSION_TYPE_UNSET && o.session_type != SESSION_TYPE_NONE) {
					fprintf(stderr, "Cannot specify -N with -s/SessionType\n");
					return CLIENT_EXIT_FAILURE;
				}
				o.session_type = SESSION_TYPE_NONE;
				o.request_tty = REQUEST_TTY_NO;
				break;
			case 's':
				if (o.session_type != SESSION_TYPE_UNSET && o.session_type != SESSION_TYPE_SUBSYSTEM) {
					fprintf(stderr, "Cannot specify -s with -N/SessionType\n");
					return CLIENT_EXIT_FAILURE;
				}
				o.session_type = SESSION_TYPE_SUBSYSTEM;
				break;
			case 'G': /* print the effective configuration (config_dump.c) and exit */
				o.config_test = true;
				break;
			case 'i': {
				/* %-tokens wait for options_finish (the host is not known yet). */
				char *path = options_expand_tilde(optarg);
				struct stat st;
				if (!path)
					return CLIENT_EXIT_FAILURE;
				if (stat(path, &st) < 0) {
					fprintf(stderr, "Warning: Identity file %s not accessible: %s.\n", path, strerror(errno));
				} else if (!strlist_contains(&o.identity_files, path)) {
					if (strlist_add(&o.identity_files, path) < 0)
						return CLIENT_EXIT_FAILURE;
					o.identity_files_set = true;
				}
				free(path);
				break;
			}
			case 'l':
				if (!o.user && !(o.user = strdup(optarg)))
					return CLIENT_EXIT_FAILURE;
				break;
			case 'n':
				o.stdin_null = true;
				break;
			case 'o':
				if (options_apply_cli(&o, optarg) < 0)
					return CLIENT_EXIT_FAILURE;
				break;
			case 'p': {
				int port = parse_port_arg(optarg);
				if (port < 0) {
					fprintf(stderr, "Bad port '%s'\n", optarg);
					return CLIENT_EXIT_FAILURE;
				}
				if (o.port < 0)
					o.port = port;
				break;
			}
			case 'q':
				o.log_level = LOG_LVL_QUIET;
				break;
			case 'T':
				o.request_tty = REQUEST_TTY_NO;
				break;
			case 't': /* -t asks for a pty, -tt insists even when stdin is not a terminal */
				o.request_tty = o.request_tty == REQUEST_TTY_YES ? REQUEST_TTY_FORCE : REQUEST_TTY_YES;
				break;
			case 'V':
				fprintf(stderr, "burrow %s\n", BURROW_VERSION);
				return 0;
			case 'v':
				if (!verbose_given) {
					verbose_given = true;
					o.log_level = LOG_LVL_DEBUG1;
				} else if (o.log_level < LOG_LVL_DEBUG3) {
					o.log_level++;
				}
				log_set_level((enum log_level)o.log_level);
				break;
			default:
				usage();
			}
		}
		if (optind > 0 && optind <= argc && strcmp(argv[optind - 1], "--") == 0)
			terminated = true;
		if (destination || optind >= argc)
			break;
		/* Taken in command-line order: "-l a b@h" logs in as a, "b@h -l a" as b (first wins). */
		destination = argv[optind++];
		char *dest_user = NULL;
		int dest_port = -1;
		if (parse_destination(destination, &dest_user, &o.host_arg, &dest_port) < 0)
			usage();
		if (!o.user)
			o.user = dest_user;
		else
			free(dest_user);
		if (o.port < 0)
			o.port = dest_port;
	}
	if (!destination)
		usage();
	if (o.log_level >= 0)
		log_set_level((enum log_level)o.log_level);
	/* host_arg stays as typed: Host patterns match it case-sensitively, as ssh's; the name
	 * connected to (o.hostname) is lowercased by options_read_config. */

	if (o.session_type == SESSION_TYPE_SUBSYSTEM && optind >= argc) {
		fprintf(stderr, "You must specify a subsystem to invoke.\n");
		usage();
	}
	if (o.log_file)
		redirect_log(o.log_file);
	char *command = join_command(argc - optind, argv + optind);
	if (!command)
		return CLIENT_EXIT_FAILURE;

	int status = CLIENT_EXIT_FAILURE;
	struct burrow_conn *conn = NULL;
	char *peer_ip = NULL;
	if (options_read_config(&o, config_file) < 0 || options_finish(&o) < 0)
		goto out;
	if (o.config_test) { /* -G */
		options_dump(&o);
		status = 0;
		goto out;
	}
	log_set_level(o.log_level >= 0 ? (enum log_level)o.log_level : LOG_LVL_INFO);
	if (!*command && o.remote_command && *o.remote_command) { /* the command line's command wins */
		free(command);
		if (!(command = strdup(o.remote_command)))
			goto out;
	}
	if (o.fork_after_authentication == 1 && !*command && o.session_type != SESSION_TYPE_NONE) {
		log_msg(LOG_LVL_FATAL, "Cannot fork into background without a command to execute.");
		goto out;
	}
	if (session_conn_new(&o, &conn) < 0)
		goto out;
	int sock = net_connect(&o, &peer_ip);
	if (sock < 0) {
		burrow_conn_free(conn);
		goto out;
	}
	status = session_run(&o, conn, sock, peer_ip, command);
out:
	free(peer_ip);
	free(command);
	options_free(&o);
	return status;
}
