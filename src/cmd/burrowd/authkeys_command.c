/*
 * AuthorizedKeysCommand and AuthorizedPrincipalsCommand, as sshd runs them (auth2-pubkey.c
 * user_key_command_allowed2 / match_principals_command, misc.c subprocess and safe_path):
 * the program must sit on a path only root can change, runs as its *CommandUser with a clean
 * environment, and its standard output is read like authorized_keys (or a principals file). A
 * command that fails, is killed or outlasts AUTHKEYS_COMMAND_TIMEOUT_MS counts for nothing.
 */
#define _GNU_SOURCE
#include "authkeys_command.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfgfile.h"
#include "config_tokens.h"
#include "log.h"

#define AUTHKEYS_COMMAND_TIMEOUT_MS 10000        /* sshd has none but LoginGraceTime; we bound it */
#define AUTHKEYS_COMMAND_MAX_OUTPUT (16u * 1024 * 1024) /* as an authorized_keys file */
#define AUTHKEYS_COMMAND_PATH "/usr/bin:/bin:/usr/sbin:/sbin" /* sshd's _PATH_STDPATH */

/* ---- configuration ---- */

static const char *const kw_names[] = { "AuthorizedKeysCommand", "AuthorizedKeysCommandUser",
					"AuthorizedPrincipalsCommand", "AuthorizedPrincipalsCommandUser" };

static char **kw_slot(struct certauth_options *c, size_t i)
{
	char **slots[] = { &c->authorized_keys_command, &c->authorized_keys_command_user,
			   &c->authorized_principals_command, &c->authorized_principals_command_user };
	return slots[i];
}

/* The words again as one command line; a word with blanks or quotes is quoted so that
 * cfg_split_line gives it back whole. */
static char *join_words(char **words, int nwords)
{
	size_t len = 1;
	for (int i = 0; i < nwords; i++)
		len += strlen(words[i]) * 2 + 3;
	char *out = malloc(len);
	if (!out)
		return NULL;
	char *p = out;
	for (int i = 0; i < nwords; i++) {
		if (i)
			*p++ = ' ';
		bool quote = !*words[i] || strpbrk(words[i], " \t\"'\\");
		if (quote)
			*p++ = '"';
		for (const char *s = words[i]; *s; s++) {
			if (quote && (*s == '"' || *s == '\\'))
				*p++ = '\\';
			*p++ = *s;
		}
		if (quote)
			*p++ = '"';
	}
	*p = 0;
	return out;
}

int authkeys_command_config_line(struct server_options *opts, const char *origin, int line_no, char **words,
				 int nwords)
{
	size_t which = sizeof(kw_names) / sizeof(kw_names[0]);
	for (size_t i = 0; i < sizeof(kw_names) / sizeof(kw_names[0]); i++)
		if (strcasecmp(words[0], kw_names[i]) == 0)
			which = i;
	if (which == sizeof(kw_names) / sizeof(kw_names[0]))
		return CERTAUTH_NOT_MINE;
	bool is_user = which % 2 == 1;
	if (nwords < 2 || (is_user && nwords != 2)) {
		fprintf(stderr, "%s line %d: %s\n", origin, line_no,
			nwords < 2 ? "missing argument." : "garbage at end of line");
		return SERVCONF_FATAL;
	}
	if (!is_user && words[1][0] != '/' && strcasecmp(words[1], "none") != 0) {
		fprintf(stderr, "%s line %d: %s must be an absolute path\n", origin, line_no, kw_names[which]);
		return SERVCONF_FATAL;
	}
	char **slot = kw_slot(&opts->certs, which);
	if (opts->in_match_block || *slot)
		return 0; /* the first value wins, as in sshd */
	*slot = join_words(words + 1, nwords - 1);
	return *slot ? 0 : SERVCONF_FATAL;
}

static bool command_set(const char *command)
{
	return command && strcasecmp(command, "none") != 0;
}

void authkeys_command_dump(const struct certauth_options *c, FILE *out)
{
	for (size_t i = 0; i < sizeof(kw_names) / sizeof(kw_names[0]); i++) {
		char *value = *kw_slot((struct certauth_options *)c, i);
		char lower[64];
		size_t n = 0;
		for (const char *s = kw_names[i]; *s && n + 1 < sizeof(lower); s++)
			lower[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
		lower[n] = 0;
		fprintf(out, "%s %s\n", lower, value ? value : "none");
	}
}

int authkeys_command_config_check(const struct certauth_options *c)
{
	if (command_set(c->authorized_keys_command) && !c->authorized_keys_command_user) {
		fprintf(stderr, "AuthorizedKeysCommand set without AuthorizedKeysCommandUser\n");
		return -1;
	}
	if (command_set(c->authorized_principals_command) && !c->authorized_principals_command_user) {
		fprintf(stderr, "AuthorizedPrincipalsCommand set without AuthorizedPrincipalsCommandUser\n");
		return -1;
	}
	return 0;
}

/* ---- the program's path: sshd's safe_path with uid 0 ---- */

static int safe_command_path(const char *path, const struct stat *st, char *err, size_t err_len)
{
	char real[PATH_MAX], dir[PATH_MAX];
	if (!realpath(path, real)) {
		snprintf(err, err_len, "realpath %s failed: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, err_len, "%s is not a regular file", real);
		return -1;
	}
	if (st->st_uid != 0 || (st->st_mode & 022)) {
		snprintf(err, err_len, "bad ownership or modes for file %s", real);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", real);
	while (strcmp(dir, "/") != 0) {
		char *parent = dirname(dir);
		memmove(dir, parent, strlen(parent) + 1);
		struct stat dst;
		if (stat(dir, &dst) < 0 || dst.st_uid != 0 || (dst.st_mode & 022)) {
			snprintf(err, err_len, "bad ownership or modes for directory %s", dir);
			return -1;
		}
	}
	return 0;
}

/* ---- the arguments ---- */

struct key_texts {
	char uid[32], serial[32];
	char *fp, *b64, *ca_fp, *ca_b64;
};

static char *key_base64_new(const struct burrow_key *key)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	char *b64 = NULL;
	if (burrow_key_to_blob(key, &blob, &len) == 0 && burrow_base64_encode(blob, len, true, &b64) < 0)
		b64 = NULL;
	free(blob);
	return b64;
}

static void key_texts_free(struct key_texts *t)
{
	free(t->fp);
	free(t->b64);
	free(t->ca_fp);
	free(t->ca_b64);
}

static int key_texts_fill(struct key_texts *t, const struct user_info *user, const struct burrow_key *key)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->uid, sizeof(t->uid), "%lu", (unsigned long)user->uid);
	if (burrow_key_fingerprint_sha256(key, &t->fp) < 0 || !(t->b64 = key_base64_new(key)))
		return -1;
	if (burrow_key_is_cert(key)) {
		snprintf(t->serial, sizeof(t->serial), "%llu", (unsigned long long)burrow_cert_serial(key));
		const struct burrow_key *ca = burrow_cert_signature_key(key);
		if (burrow_key_fingerprint_sha256(ca, &t->ca_fp) < 0 || !(t->ca_b64 = key_base64_new(ca)))
			return -1;
	}
	return 0;
}

/* The argument vector: the command line split as sshd's argv_split, each word expanded; a lone
 * program gets the user name (sshd_config(5)). NULL (logged) on a bad token. */
static char **command_argv_new(const char *tag, const char *command, enum authkeys_command_kind kind,
			       const struct user_info *user, const struct burrow_key *key)
{
	struct key_texts t;
	char **words = NULL;
	int n = -1;
	if (key_texts_fill(&t, user, key) == 0)
		n = cfg_split_line(command, &words);
	if (n < 1) {
		log_error("%s: cannot prepare \"%s\"", tag, command);
		key_texts_free(&t);
		cfg_free_words(words);
		return NULL;
	}
	bool cert = burrow_key_is_cert(key);
	const struct burrow_key *ca = cert ? burrow_cert_signature_key(key) : NULL;
	const struct config_token tokens[] = {
		{ 'u', user->name }, { 'U', t.uid }, { 'h', user->home }, { 'f', t.fp }, { 'k', t.b64 },
		{ 't', burrow_key_type_name(key) },
		/* the principals command's: the certificate's CA, key id and serial */
		{ 'F', t.ca_fp }, { 'K', t.ca_b64 }, { 'T', ca ? burrow_key_type_name(ca) : NULL },
		{ 'i', cert ? burrow_cert_key_id(key) : NULL }, { 's', cert ? t.serial : NULL },
	};
	size_t ntokens = kind == AUTHKEYS_COMMAND_PRINCIPALS ? sizeof(tokens) / sizeof(tokens[0]) : 6;
	char **argv = calloc((size_t)n + 2, sizeof(*argv));
	bool ok = argv != NULL;
	for (int i = 0; ok && i < n; i++) {
		char err[128] = "";
		argv[i] = i == 0 ? strdup(words[0]) : config_expand(words[i], tokens, ntokens, false, err, sizeof(err));
		if (!argv[i]) {
			log_error("%s \"%s\": %s", tag, command, *err ? err : "out of memory");
			ok = false;
		}
	}
	if (ok && n == 1 && !(argv[1] = strdup(user->name)))
		ok = false;
	cfg_free_words(words);
	key_texts_free(&t);
	if (!ok && argv) {
		for (int i = 0; argv[i]; i++)
			free(argv[i]);
		free(argv);
		argv = NULL;
	}
	return argv;
}

static void argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* ---- running it ---- */

/* In the child: become the command user for good, clean everything, exec. Never returns. */
static void command_child(char **argv, const struct user_info *runas, int out_fd)
{
	char path[] = "PATH=" AUTHKEYS_COMMAND_PATH;
	char *env[6] = { path, NULL };
	size_t nenv = 1;
	char *user_env = NULL, *logname_env = NULL, *home_env = NULL, *lang_env = NULL;
	const char *lang = getenv("LANG");
	if (asprintf(&user_env, "USER=%s", runas->name) < 0 || asprintf(&logname_env, "LOGNAME=%s", runas->name) < 0 ||
	    asprintf(&home_env, "HOME=%s", runas->home) < 0 || (lang && asprintf(&lang_env, "LANG=%s", lang) < 0))
		_exit(127);
	env[nenv++] = user_env;
	env[nenv++] = logname_env;
	env[nenv++] = home_env;
	if (lang_env)
		env[nenv++] = lang_env;
	int devnull = open("/dev/null", O_RDWR);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(devnull, STDERR_FILENO) < 0)
		_exit(127);
	close_range(STDERR_FILENO + 1, ~0U, 0);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (geteuid() == 0) {
		if (initgroups(runas->name, runas->gid) < 0 || setresgid(runas->gid, runas->gid, runas->gid) < 0 ||
		    setresuid(runas->uid, runas->uid, runas->uid) < 0)
			_exit(127);
		if (runas->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
			_exit(127); /* the drop must not be undoable */
	}
	execve(argv[0], argv, env);
	_exit(127);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's output until EOF, the size bound or the deadline. 0, or -1 (timed out:
 * *timed_out, or too long / read error). */
static int read_output(int fd, char **text, size_t *len, bool *timed_out)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	long long deadline = now_ms() + AUTHKEYS_COMMAND_TIMEOUT_MS;
	*timed_out = false;
	while (buf) {
		long long left = deadline - now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			*timed_out = true;
			break;
		}
		if (r < 0)
			break;
		if (n == cap) {
			if (cap >= AUTHKEYS_COMMAND_MAX_OUTPUT)
				break;
			char *grown = realloc(buf, cap * 2 + 1);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		if (got == 0) {
			buf[n] = 0;
			*text = buf;
			*len = n;
			return 0;
		}
		n += (size_t)got;
	}
	free(buf);
	return -1;
}

static int command_spawn(const char *tag, char **argv, const struct user_info *runas, pid_t *pid, int *out_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		log_error("%s: pipe: %s", tag, strerror(errno));
		return -1;
	}
	*pid = fork();
	if (*pid < 0) {
		log_error("%s: fork: %s", tag, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (*pid == 0) {
		close(p[0]);
		command_child(argv, runas, p[1]);
	}
	close(p[1]);
	*out_fd = p[0];
	return 0;
}

/* sshd's exited_cleanly: a signal or a non-zero status makes the output worthless. */
static bool command_exited_cleanly(const char *tag, const char *command, pid_t pid, bool kill_it)
{
	if (kill_it)
		kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			log_error("%s: waitpid: %s", tag, strerror(errno));
			return false;
		}
	}
	if (kill_it)
		return false;
	if (WIFSIGNALED(status)) {
		log_error("%s %s exited on signal %d", tag, command, WTERMSIG(status));
		return false;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_error("%s %s failed, status %d", tag, command, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return false;
	}
	return true;
}

/* sshd's argv_assemble: the expanded command as it is logged, words with blanks quoted. */
static char *argv_assemble_new(char **argv)
{
	int n = 0;
	while (argv[n])
		n++;
	return join_words(argv, n);
}

int authkeys_command_run(const struct server_options *opts, enum authkeys_command_kind kind,
			 const struct user_info *user, const struct burrow_key *key, char **text, size_t *len,
			 char **label)
{
	const struct certauth_options *c = &opts->certs;
	bool principals = kind == AUTHKEYS_COMMAND_PRINCIPALS;
	const char *tag = principals ? "AuthorizedPrincipalsCommand" : "AuthorizedKeysCommand";
	const char *command = principals ? c->authorized_principals_command : c->authorized_keys_command;
	const char *runas_name = principals ? c->authorized_principals_command_user : c->authorized_keys_command_user;
	*text = NULL;
	*len = 0;
	*label = NULL;
	if (!command_set(command))
		return -1;
	if (!runas_name) {
		log_error("%s set without %sUser", tag, tag);
		return -1;
	}
	struct user_info runas;
	if (user_lookup_name(runas_name, &runas) < 0) {
		log_error("%sUser \"%s\" not found", tag, runas_name);
		return -1;
	}
	int result = -1;
	char **argv = NULL;
	if (geteuid() != 0 && runas.uid != geteuid()) {
		log_error("%s: cannot run as %s: burrowd is not running as root", tag, runas.name);
		goto out;
	}
	argv = command_argv_new(tag, command, kind, user, key);
	if (!argv || !(*label = argv_assemble_new(argv)))
		goto out;
	command = *label;
	struct stat st;
	char err[PATH_MAX + 64];
	if (argv[0][0] != '/') {
		log_error("%s path is not absolute", tag);
		goto out;
	}
	if (stat(argv[0], &st) < 0) {
		log_error("Could not stat %s \"%s\": %s", tag, argv[0], strerror(errno));
		goto out;
	}
	if (safe_command_path(argv[0], &st, err, sizeof(err)) < 0) {
		log_error("Unsafe %s \"%s\": %s", tag, argv[0], err);
		goto out;
	}
	log_debug("%s command \"%s\" running as %s", tag, command, runas.name);
	pid_t pid;
	int fd;
	if (command_spawn(tag, argv, &runas, &pid, &fd) < 0)
		goto out;
	bool timed_out = false;
	int r = read_output(fd, text, len, &timed_out);
	close(fd);
	if (timed_out)
		log_error("%s %s timed out after %d ms", tag, command, AUTHKEYS_COMMAND_TIMEOUT_MS);
	else if (r < 0)
		log_error("%s %s: output unreadable or longer than %u bytes", tag, command, AUTHKEYS_COMMAND_MAX_OUTPUT);
	if (command_exited_cleanly(tag, command, pid, r < 0) && r == 0) {
		result = 0;
	} else {
		free(*text);
		*text = NULL;
		*len = 0;
	}
out:
	if (result < 0) {
		free(*label);
		*label = NULL;
	}
	argv_free(argv);
	user_info_free(&runas);
	return result;
}
