/*
 * keyboard-interactive (RFC 4256) for burrowd.
 *
 * With PAM, the PAM conversation becomes the challenges: PAM calls its conversation function
 * and waits for answers, while our event loop must go on serving the socket. So, as sshd does,
 * PAM runs elsewhere: a child process runs pam_authenticate and pam_acct_mgmt and sends each
 * batch of prompts over a socketpair; the connection process turns it into an INFO_REQUEST and
 * sends the client's answers back. Messages without prompts (PAM_TEXT_INFO, PAM_ERROR_MSG) go
 * into the instruction of the next challenge.
 *
 * Without PAM there is one "Password: " prompt, checked like a password.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"

#ifdef HAVE_PAM
#include <security/pam_appl.h>
#endif

#define KBDINT_MAX_PROMPTS 32
#define KBDINT_MAX_TEXT 4096
/* PAM may be slow (pam_unix waits ~2 s after a wrong password), but never this slow. */
#define KBDINT_CHILD_TIMEOUT_MS (5 * 60 * 1000)

struct auth_kbdint {
	const struct server_options *opts;
	char *name;
	bool user_valid;
	struct user_info user; /* a copy when valid */
	char *peer_addr;
	pid_t child;  /* PAM: the process running the conversation; 0 without PAM */
	int fd;       /* our end of the socketpair, -1 without PAM */
};

const char *auth_kbdint_log_name(const struct server_options *opts)
{
#ifdef HAVE_PAM
	if (opts->use_pam)
		return "keyboard-interactive/pam";
#endif
	return "keyboard-interactive";
}

static void wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void auth_kbdint_free(struct auth_kbdint *k)
{
	if (!k)
		return;
	if (k->fd >= 0)
		close(k->fd);
	/* Still running (the client gave up mid-conversation): stop it. Already reaped by the
	 * connection's SIGCHLD handling: waitpid fails and nothing is signalled, so a reused pid
	 * is never hit. */
	if (k->child > 0 && waitpid(k->child, NULL, WNOHANG) == 0) {
		kill(k->child, SIGTERM);
		waitpid(k->child, NULL, 0);
	}
	free(k->name);
	free(k->peer_addr);
	user_info_free(&k->user);
	free(k);
}

/* ---- without PAM: one password prompt ---- */

static int ask_password(struct auth_reply *reply)
{
	static const char *const prompts[] = { "Password: " };
	static const bool echo[] = { false };
	return auth_reply_set_challenge(reply, "", 1, prompts, echo);
}

/* ---- the wire between the two processes: u32 lengths and bytes, blocking ---- */

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n, int timeout_ms)
{
	uint8_t *b = p;
	while (n > 0) {
		if (timeout_ms >= 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int r = poll(&pfd, 1, timeout_ms);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
		}
		ssize_t got = read(fd, b, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		b += got;
		n -= (size_t)got;
	}
	return 0;
}

static int send_string(int fd, const char *s)
{
	uint32_t len = (uint32_t)strlen(s);
	return write_all(fd, &len, sizeof(len)) < 0 || write_all(fd, s, len) < 0 ? -1 : 0;
}

/* A string of at most `max` bytes; NUL-terminated, malloc'd. */
static char *recv_string_new(int fd, size_t max, int timeout_ms)
{
	uint32_t len;
	if (read_all(fd, &len, sizeof(len), timeout_ms) < 0 || len > max)
		return NULL;
	char *s = malloc((size_t)len + 1);
	if (!s)
		return NULL;
	if (read_all(fd, s, len, timeout_ms) < 0 || memchr(s, 0, len)) {
		free(s);
		return NULL;
	}
	s[len] = 0;
	return s;
}

/*
 * Child -> parent: 'P' instruction count {echo prompt}... (prompts to show), or 'R' ok (the end).
 * Parent -> child: count {answer}...
 */

#ifdef HAVE_PAM

/* sshd's answer for users who may not log in (auth-pam.c badpw): never a real password. */
static const char kbdint_bad_password[] = "\b\n\r\177INCORRECT";

struct child_state {
	int fd;
	bool user_valid; /* false: every answer is replaced by kbdint_bad_password */
	char info[KBDINT_MAX_TEXT]; /* text messages waiting for the next prompts */
};

static void info_append(struct child_state *st, const char *text)
{
	size_t used = strlen(st->info);
	snprintf(st->info + used, sizeof(st->info) - used, "%s\n", text);
}

static int child_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
	struct child_state *st = appdata;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	uint32_t nprompts = 0;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;
		if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON)
			nprompts++;
		else if (style == PAM_TEXT_INFO || style == PAM_ERROR_MSG)
			info_append(st, msg[i]->msg ? msg[i]->msg : "");
		else
			return PAM_CONV_ERR;
	}
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	if (nprompts == 0) {
		*resp = r; /* only messages: shown with the next prompts */
		return PAM_SUCCESS;
	}
	uint8_t tag = 'P';
	if (write_all(st->fd, &tag, 1) < 0 || send_string(st->fd, st->info) < 0 ||
	    write_all(st->fd, &nprompts, sizeof(nprompts)) < 0)
		goto fail;
	st->info[0] = 0;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;
		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		uint8_t echo = style == PAM_PROMPT_ECHO_ON;
		if (write_all(st->fd, &echo, 1) < 0 || send_string(st->fd, msg[i]->msg ? msg[i]->msg : "") < 0)
			goto fail;
	}
	uint32_t nanswers;
	if (read_all(st->fd, &nanswers, sizeof(nanswers), -1) < 0 || nanswers != nprompts)
		goto fail;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;
		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		r[i].resp = recv_string_new(st->fd, 1024, -1);
		if (!r[i].resp)
			goto fail;
		if (!st->user_valid) {
			/* Invalid, refused by policy, or root without PermitRootLogin yes: PAM does
			 * the same work on a password that cannot be right, so neither the answer
			 * nor the time taken (pam_unix delays only failures) tells a right guess. */
			wipe_free(r[i].resp);
			if (!(r[i].resp = strdup(kbdint_bad_password)))
				goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (int i = 0; i < n; i++)
		wipe_free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

/* In the child: the whole PAM exchange; never returns. */
static void child_run(int fd, const struct server_options *opts, const char *name, bool user_valid,
		      const char *peer_addr)
{
	struct child_state st = { .fd = fd, .user_valid = user_valid };
	if (!user_valid)
		log_debug("PAM: %s is invalid, refused or root: answers replaced by a wrong password", name);
	struct pam_conv conv = { child_conversation, &st };
	pam_handle_t *pamh = NULL;
	int r = pam_start("sshd", name, &conv, &pamh);
	if (r == PAM_SUCCESS) {
		pam_set_item(pamh, PAM_RHOST, peer_addr);
		pam_set_item(pamh, PAM_TTY, "ssh");
		r = pam_authenticate(pamh, opts->permit_empty_passwords ? 0 : PAM_DISALLOW_NULL_AUTHTOK);
		if (r == PAM_SUCCESS)
			r = pam_acct_mgmt(pamh, 0);
		pam_end(pamh, r);
	}
	uint8_t result[2] = { 'R', r == PAM_SUCCESS && user_valid };
	write_all(fd, result, sizeof(result));
	_exit(0);
}

static int start_child(struct auth_kbdint *k)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_error("socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* Only the socketpair: the client's socket and the sessions are none of PAM's business. */
		signals_reset_for_exec();
		signal(SIGPIPE, SIG_IGN);
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		close_range(4, ~0u, 0);
		child_run(3, k->opts, k->name, k->user_valid, k->peer_addr);
	}
	close(sv[1]);
	k->child = pid;
	k->fd = sv[0];
	return 0;
}

/* Waits for the child's next message: prompts become a challenge; the end gives *ok. */
static int next_from_child(struct auth_kbdint *k, struct auth_reply *reply, bool *done, bool *ok)
{
	uint8_t tag;
	*done = false;
	if (read_all(k->fd, &tag, 1, KBDINT_CHILD_TIMEOUT_MS) < 0)
		goto ended;
	if (tag == 'R') {
		uint8_t v;
		if (read_all(k->fd, &v, 1, KBDINT_CHILD_TIMEOUT_MS) < 0)
			goto ended;
		*done = true;
		*ok = v == 1;
		return 0;
	}
	if (tag != 'P')
		goto ended;
	char *instruction = recv_string_new(k->fd, KBDINT_MAX_TEXT, KBDINT_CHILD_TIMEOUT_MS);
	uint32_t n = 0;
	if (!instruction || read_all(k->fd, &n, sizeof(n), KBDINT_CHILD_TIMEOUT_MS) < 0 || n == 0 ||
	    n > KBDINT_MAX_PROMPTS) {
		free(instruction);
		goto ended;
	}
	char *prompts[KBDINT_MAX_PROMPTS] = { 0 };
	bool echo[KBDINT_MAX_PROMPTS];
	int r = 0;
	for (uint32_t i = 0; i < n && r == 0; i++) {
		uint8_t e;
		if (read_all(k->fd, &e, 1, KBDINT_CHILD_TIMEOUT_MS) < 0 ||
		    !(prompts[i] = recv_string_new(k->fd, KBDINT_MAX_TEXT, KBDINT_CHILD_TIMEOUT_MS)))
			r = -1;
		echo[i] = e != 0;
	}
	if (r == 0)
		r = auth_reply_set_challenge(reply, instruction, n, (const char *const *)prompts, echo);
	for (uint32_t i = 0; i < n; i++)
		free(prompts[i]);
	free(instruction);
	if (r < 0)
		goto ended;
	return 0;
ended:
	/* The conversation broke off: a failure, like a wrong answer. */
	*done = true;
	*ok = false;
	return 0;
}
#endif

int auth_kbdint_start(struct auth_kbdint **out, const struct server_options *opts, const char *name,
		      const struct user_info *user, const char *peer_addr, struct auth_reply *reply,
		      bool *done, bool *ok)
{
	*out = NULL;
	*done = false;
	*ok = false;
	struct auth_kbdint *k = calloc(1, sizeof(*k));
	if (!k)
		return -1;
	k->opts = opts;
	k->fd = -1;
	/* Root without PermitRootLogin yes is treated as a refused user: its answers never reach
	 * PAM or crypt (sshd's sshpam_respond). */
	k->user_valid = user != NULL && (user->uid != 0 || opts->permit_root_login == PERMIT_ROOT_YES);
	k->name = strdup(name);
	k->peer_addr = strdup(peer_addr);
	if (!k->name || !k->peer_addr || (user && user_info_dup(user, &k->user) < 0)) {
		auth_kbdint_free(k);
		return -1;
	}
	*out = k;
#ifdef HAVE_PAM
	if (opts->use_pam) {
		if (start_child(k) < 0)
			return -1;
		return next_from_child(k, reply, done, ok);
	}
#endif
	return ask_password(reply) < 0 ? -1 : 0;
}

int auth_kbdint_respond(struct auth_kbdint *k, struct auth_reply *reply, const char *const *answers,
			size_t n, bool *done, bool *ok)
{
	*done = true;
	*ok = false;
#ifdef HAVE_PAM
	if (k->fd >= 0) {
		uint32_t count = (uint32_t)n;
		if (write_all(k->fd, &count, sizeof(count)) < 0)
			return 0;
		for (size_t i = 0; i < n; i++)
			if (send_string(k->fd, answers[i]) < 0)
				return 0;
		return next_from_child(k, reply, done, ok);
	}
#endif
	if (n != 1)
		return 0;
	/* One password prompt: the same check, fake work and all, as password authentication. */
	*ok = auth_password_check(k->opts, k->name, k->user_valid ? &k->user : NULL, answers[0], k->peer_addr);
	return 0;
}
