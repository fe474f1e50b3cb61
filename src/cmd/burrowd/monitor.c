/*
 * The monitor (monitor.h). Every message from a child is treated as possibly forged: a child is
 * only ever answered what its phase allows (pre-auth: signatures and verdicts; post-auth:
 * signatures and ptys), signatures are made only over exchange hashes and over hostkeys-prove
 * data for this connection's session id, and the connection moves to the user only if the
 * monitor itself accepted that user.
 */
#define _GNU_SOURCE
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"
#include "monitor_pty.h"
#include "monitor_wire.h"
#include "preauth.h"
#include "sandbox.h"
#include "server_auth.h"

#define MONITOR_MAX_NAME 1024
#define MONITOR_MAX_TEXT 4096
#define MONITOR_MAX_ANSWERS 32
/* Key exchanges before authentication: the first, and a few client rekeys. Each is a host-key
 * signature over a value the child chooses, so a compromised child gets no more than this. */
#define PREAUTH_MAX_SIGNATURES 8
/* Past LoginGraceTime the pre-auth child gives up itself; this is the monitor's own limit. */
#define MONITOR_GRACE_SLACK_MS 5000
/* Descriptors a pre-auth child may open (it needs none beyond what it inherits). */
#define PREAUTH_MAX_FDS 32

struct monitor {
	const struct server_options *opts;
	struct burrow_key *const *host_keys; /* with their private halves */
	size_t host_key_count;
	struct burrow_key **public_keys;     /* what the children get */
	const struct connection_info *ci;
	struct auth_state auth;
	uint8_t session_id[64];              /* the first exchange hash we signed */
	size_t session_id_len;
	uint8_t *first_host_key;             /* the key that signed it (publickey-hostbound-v00) */
	size_t first_host_key_len;
	unsigned rejections;                 /* verdicts REJECT: MaxAuthTries, counted here too */
	unsigned preauth_signatures;
	int fd;                              /* our end of the wire to the current child */
	pid_t child;
	bool protocol_violation;
};

/* ---- the children's host keys ---- */

static int public_keys_new(struct monitor *m)
{
	m->public_keys = calloc(m->host_key_count, sizeof(*m->public_keys));
	if (!m->public_keys)
		return -1;
	for (size_t i = 0; i < m->host_key_count; i++)
		if (burrow_key_dup_public(m->host_keys[i], &m->public_keys[i]) < 0)
			return -1;
	return 0;
}

static void public_keys_free(struct monitor *m)
{
	for (size_t i = 0; m->public_keys && i < m->host_key_count; i++)
		burrow_key_free(m->public_keys[i]);
	free(m->public_keys);
	m->public_keys = NULL;
}

/* In a child: the private halves go (our copy of them; the monitor keeps its own). */
static void forget_private_keys(struct monitor *m)
{
	for (size_t i = 0; i < m->host_key_count; i++)
		burrow_key_free(m->host_keys[i]);
	m->host_keys = NULL;
}

/* ---- host-key signatures ---- */

static const struct burrow_key *private_key_for(const struct monitor *m, const uint8_t *blob, size_t len)
{
	for (size_t i = 0; i < m->host_key_count; i++) {
		uint8_t *b = NULL;
		size_t n = 0;
		bool same = burrow_key_to_blob(m->host_keys[i], &b, &n) == 0 && n == len && memcmp(b, blob, n) == 0;
		free(b);
		if (same)
			return m->host_keys[i];
	}
	return NULL;
}

static void answer_sign(struct monitor *m, struct mm_in *in)
{
	size_t blob_len, data_len;
	const uint8_t *blob = mm_get_string(in, &blob_len);
	char *alg = mm_get_cstring(in, MONITOR_MAX_NAME);
	const uint8_t *data = mm_get_string(in, &data_len);
	const struct burrow_key *key = mm_done(in) ? private_key_for(m, blob, blob_len) : NULL;
	bool allowed = key && mm_sign_allowed(m->session_id, m->session_id_len, data, data_len, blob, blob_len);
	if (allowed && m->session_id_len == 0) {
		/* The first signature is the first exchange: its hash is the session id, its key the
		 * one host-bound requests must name. */
		memcpy(m->session_id, data, data_len);
		m->session_id_len = data_len;
		m->first_host_key = malloc(blob_len);
		if (m->first_host_key) {
			memcpy(m->first_host_key, blob, blob_len);
			m->first_host_key_len = blob_len;
		}
	}
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	/* "" stands for NULL: the key's own algorithm. */
	int r = allowed ? burrow_key_sign(key, alg && *alg ? alg : NULL, data, data_len, &sig, &sig_len)
			: BURROW_E_INVALID;
	if (!allowed)
		log_error("monitor: refused to sign %zu bytes with %s", data_len, key ? "a host key" : "an unknown key");
	struct mm_out out;
	mm_begin(&out, MM_SIGN_REPLY);
	mm_put_u32(&out, r == 0);
	mm_put_string(&out, sig, r == 0 ? sig_len : 0);
	mm_send(m->fd, &out, NULL, 0);
	free(sig);
	free(alg);
}

/* ---- authentication verdicts ---- */

static void send_reply(struct monitor *m, const struct auth_reply *r)
{
	struct mm_out out;
	if (r->challenge) {
		mm_begin(&out, MM_CHALLENGE);
		mm_put_cstring(&out, r->instruction);
		mm_put_u32(&out, (uint32_t)r->nprompts);
		for (size_t i = 0; i < r->nprompts; i++) {
			mm_put_cstring(&out, r->prompts[i]);
			mm_put_u8(&out, r->echo[i]);
		}
	} else {
		mm_begin(&out, MM_VERDICT);
		mm_put_u8(&out, (uint8_t)r->outcome);
		mm_put_cstring(&out, r->methods);
	}
	mm_send(m->fd, &out, NULL, 0);
}

/*
 * The child says the client signed: the monitor checks the signature itself, over data it
 * rebuilds from its own session id, as sshd's mm_answer_keyverify. A child that claims a
 * signature that does not verify has lied: that ends it.
 */
static bool signature_verifies(struct monitor *m, const struct burrow_key *key, const char *user, const char *method,
			       const char *alg, const uint8_t *sig, size_t sig_len, const uint8_t *blob, size_t blob_len,
			       bool hostbound, const uint8_t *hostkey, size_t hostkey_len)
{
	if (m->session_id_len == 0)
		return false;
	if (hostbound && (hostkey_len != m->first_host_key_len || !m->first_host_key ||
			  memcmp(hostkey, m->first_host_key, hostkey_len) != 0))
		return false;
	struct mm_out data;
	mm_userauth_signed_data(&data, m->session_id, m->session_id_len, user, method, alg, blob, blob_len,
				hostbound ? hostkey : NULL, hostkey_len);
	bool ok = !data.failed && burrow_key_verify_alg(key, alg, sig, sig_len, data.data, data.len) == 0;
	mm_out_free(&data);
	return ok;
}

static void answer_pubkey(struct monitor *m, struct mm_in *in, const char *user, struct auth_reply *reply)
{
	char *method = mm_get_cstring(in, MONITOR_MAX_NAME);
	size_t blob_len, sig_len, hostkey_len;
	const uint8_t *blob = mm_get_string(in, &blob_len);
	bool has_signature = mm_get_u8(in) != 0;
	char *alg = mm_get_cstring(in, MONITOR_MAX_NAME);
	const uint8_t *sig = mm_get_string(in, &sig_len);
	bool hostbound = mm_get_u8(in) != 0;
	const uint8_t *hostkey = mm_get_string(in, &hostkey_len);
	struct burrow_key *key = NULL;
	bool known_method = method && (strcmp(method, "publickey") == 0 ||
				       strcmp(method, "publickey-hostbound-v00@openssh.com") == 0);
	if (!mm_done(in) || !user || !known_method || hostbound != (strcmp(method, "publickey") != 0) ||
	    burrow_key_from_blob(blob, blob_len, &key) < 0 ||
	    (has_signature && !signature_verifies(m, key, user, method, alg, sig, sig_len, blob, blob_len, hostbound,
						  hostkey, hostkey_len)))
		m->protocol_violation = true;
	else
		auth_on_pubkey(&m->auth, user, key, has_signature, reply);
	burrow_key_free(key);
	free(method);
	free(alg);
}

static void answer_auth(struct monitor *m, struct mm_in *in)
{
	struct auth_reply reply;
	memset(&reply, 0, sizeof(reply));
	reply.outcome = BURROW_AUTH_REJECT;
	char *user = mm_get_cstring(in, MONITOR_MAX_NAME);
	if (in->type == MM_AUTH_USER) {
		if (mm_done(in))
			auth_on_user(&m->auth, user, &reply);
	} else if (in->type == MM_AUTH_PUBKEY) {
		answer_pubkey(m, in, user, &reply);
	} else if (in->type == MM_AUTH_PASSWORD) {
		char *password = mm_get_cstring(in, MONITOR_MAX_TEXT);
		if (mm_done(in))
			auth_on_password(&m->auth, user, password, &reply);
		if (password) {
			OPENSSL_cleanse(password, strlen(password));
			free(password);
		}
	} else if (in->type == MM_KBDINT_START) {
		char *submethods = mm_get_cstring(in, MONITOR_MAX_TEXT);
		if (mm_done(in))
			auth_on_kbdint_start(&m->auth, user, &reply);
		free(submethods);
	} else {
		uint32_t n = mm_get_u32(in);
		char *answers[MONITOR_MAX_ANSWERS] = { 0 };
		if (n > MONITOR_MAX_ANSWERS)
			in->bad = true;
		for (uint32_t i = 0; i < n && !in->bad; i++)
			answers[i] = mm_get_cstring(in, MONITOR_MAX_TEXT);
		if (mm_done(in))
			auth_on_kbdint_response(&m->auth, user, (const char *const *)answers, n, &reply);
		for (uint32_t i = 0; i < MONITOR_MAX_ANSWERS; i++) {
			if (answers[i]) {
				OPENSSL_cleanse(answers[i], strlen(answers[i]));
				free(answers[i]);
			}
		}
	}
	if (!mm_done(in) || !user)
		m->protocol_violation = true;
	/* The child enforces MaxAuthTries; one that does not is not trusted with more guesses. */
	if (!reply.challenge && reply.outcome == BURROW_AUTH_REJECT && in->type != MM_AUTH_USER &&
	    ++m->rejections > 2 * (unsigned)m->opts->max_auth_tries + 2)
		m->protocol_violation = true;
	if (!m->protocol_violation)
		send_reply(m, &reply);
	auth_reply_free(&reply);
	free(user);
}

static void note_failure(struct monitor *m, struct mm_in *in)
{
	char *user = mm_get_cstring(in, MONITOR_MAX_NAME);
	char *method = mm_get_cstring(in, MONITOR_MAX_NAME);
	bool partial = mm_get_u8(in) != 0;
	if (mm_done(in))
		auth_on_failure(&m->auth, user, method, partial);
	else
		m->protocol_violation = true;
	free(user);
	free(method);
}

/* Whether LoginGraceTime has run out by the monitor's own clock. */
static bool grace_over(const struct monitor *m)
{
	uint64_t grace_ms = (uint64_t)m->opts->login_grace_time * 1000;
	return grace_ms && monotonic_ms() - m->ci->start_ms + 1000 >= grace_ms;
}

static bool note_disconnect(struct monitor *m, struct mm_in *in)
{
	struct disconnect_info d = { 0 };
	d.reason = mm_get_u32(in);
	d.by_peer = mm_get_u8(in) != 0;
	d.we_disconnected = mm_get_u8(in) != 0;
	d.grace = mm_get_u8(in) != 0 && grace_over(m); /* the child's word alone picks no penalty */
	char *message = mm_get_cstring(in, MONITOR_MAX_TEXT);
	char *error = mm_get_cstring(in, MONITOR_MAX_TEXT);
	d.message = message;
	d.error = error;
	if (mm_done(in))
		auth_log_disconnect(&m->auth, &d);
	else
		m->protocol_violation = true;
	free(message);
	free(error);
	return d.grace;
}

static void write_child_log(struct monitor *m, struct mm_in *in)
{
	uint8_t level = mm_get_u8(in);
	char *line = mm_get_cstring(in, MONITOR_MAX_TEXT);
	if (mm_done(in) && level <= LOG_LVL_DEBUG3)
		log_line((enum log_level)level, line);
	else
		m->protocol_violation = true;
	free(line);
}

/* ---- children ---- */

static volatile pid_t grace_victim;

/* The last resort when PAM or a child hangs past the grace time: async-signal-safe only. */
static void on_grace_alarm(int sig)
{
	(void)sig;
	if (grace_victim > 0)
		kill(grace_victim, SIGKILL);
	_exit(CONN_EXIT_LOGIN_GRACE);
}

static int reap(pid_t pid, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, 0);
		if (r >= 0 || errno != EINTR)
			return r < 0 ? -1 : 0;
	}
}

static void kill_child(struct monitor *m)
{
	if (m->child > 0) {
		kill(m->child, SIGKILL);
		reap(m->child, NULL);
		m->child = 0;
	}
}

/*
 * The sandbox keeps the client's socket and the monitor's wire, nothing else: no syslog socket
 * or journal stream to forge log lines into (its lines go through the monitor), no listener
 * pipe, no config. stdin/stdout/stderr become /dev/null.
 */
static void keep_only_descriptors(int sock, int wire)
{
	closelog();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		for (int fd = 0; fd <= 2; fd++)
			if (fd != sock && fd != wire)
				dup2(null, fd);
		if (null > 2 && null != sock && null != wire)
			close(null);
	}
	int lo = sock < wire ? sock : wire, hi = sock < wire ? wire : sock;
	if (lo > 3)
		close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0u, 0);
}

/* In the pre-auth child: down to the least privilege, then speak to the client. */
static void preauth_child(struct monitor *m, int fd)
{
	forget_private_keys(m);
	signals_close();
	listener_forget_notify();
	char *banner = auth_policy_banner_new(m->opts); /* files are out of reach in the sandbox */
	keep_only_descriptors(m->ci->sock, fd);
	log_set_sink(preauth_log_to_monitor, &fd); /* from here on, even the sandbox's own notes */
	const char *user = sandbox_privsep_user();
	int r;
	if (geteuid() == 0)
		r = user ? sandbox_enter_preauth(SANDBOX_PRIVSEP_DIR, user, PREAUTH_MAX_FDS) : -1;
	else /* no chroot or uid change without root; the limits and the filter still apply */
		r = sandbox_limit_resources(PREAUTH_MAX_FDS) < 0 ? -1 : sandbox_restrict_syscalls();
	if (r < 0) {
		log_error("cannot enter the pre-authentication sandbox%s", user ? "" : ": no unprivileged user");
		_exit(1);
	}
	struct preauth_params p = {
		.opts = m->opts,
		.host_keys = m->public_keys,
		.host_key_count = m->host_key_count,
		.sock = m->ci->sock,
		.monitor = fd,
		.peer_addr = m->ci->peer_addr,
		.peer_port = m->ci->peer_port,
		.start_ms = m->ci->start_ms,
		.banner = banner,
	};
	/* _exit: nothing of the parent's (atexit handlers, stdio buffers) runs in here. */
	_exit(preauth_run(&p));
}

static pid_t spawn(struct monitor *m, void (*child)(struct monitor *m, int fd))
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
		close(sv[0]);
		child(m, sv[1]);
		_exit(1);
	}
	close(sv[1]);
	m->fd = sv[0];
	m->child = pid;
	return pid;
}

/* A child whose wire is closed has nothing left to do: it must not keep the connection (and a
 * MaxStartups slot) alive by never exiting. Signalled by us: SIGKILL is no crash. */
static bool finish_child(struct monitor *m, int *status)
{
	*status = 0;
	if (m->child <= 0)
		return false;
	bool exited = false;
	for (int i = 0; i < 20 && !exited; i++) {
		pid_t r = waitpid(m->child, status, WNOHANG);
		exited = r == m->child || (r < 0 && errno != EINTR);
		if (!exited)
			usleep(10000);
	}
	if (!exited) {
		kill(m->child, SIGKILL);
		reap(m->child, status);
		*status = 0;
	}
	m->child = 0;
	return true;
}

/* What a pre-auth child that ended without handing over means for the listener. */
static int preauth_outcome(struct monitor *m, bool grace)
{
	int status = 0;
	pid_t pid = m->child;
	if (finish_child(m, &status) && WIFSIGNALED(status)) {
		log_error("pre-authentication child %ld for %s port %d died of signal %d", (long)pid,
			  m->ci->peer_addr, m->ci->peer_port, WTERMSIG(status));
		return CONN_EXIT_CHILD_CRASH;
	}
	if (grace)
		return CONN_EXIT_LOGIN_GRACE;
	return m->auth.attempted ? CONN_EXIT_AUTH_ATTEMPTED : CONN_EXIT_OK;
}

/*
 * Serves the pre-auth child until it hands over (true: *user and *blob set) or the connection
 * ends (false: *status set).
 */
static bool run_preauth(struct monitor *m, struct user_info *user, uint8_t **blob, size_t *blob_len, int *status)
{
	if (spawn(m, preauth_child) < 0) {
		*status = CONN_EXIT_ERROR;
		return false;
	}
	uint64_t grace_ms = (uint64_t)m->opts->login_grace_time * 1000;
	grace_victim = m->child;
	if (grace_ms) {
		signal(SIGALRM, on_grace_alarm);
		alarm((unsigned)((grace_ms + 2 * MONITOR_GRACE_SLACK_MS) / 1000));
	}
	bool handed_over = false, grace = false;
	for (;;) {
		int timeout = -1;
		if (grace_ms) {
			uint64_t used = monotonic_ms() - m->ci->start_ms;
			uint64_t limit = grace_ms + MONITOR_GRACE_SLACK_MS;
			timeout = used >= limit ? 0 : (int)(limit - used);
		}
		struct mm_in in;
		int r = mm_recv(m->fd, &in, timeout);
		if (r == 0) {
			log_info("Timeout before authentication for %s port %d", m->ci->peer_addr, m->ci->peer_port);
			kill_child(m);
			grace = true;
			break;
		}
		if (r < 0)
			break; /* the child is gone */
		switch (in.type) {
		case MM_SIGN:
			if (++m->preauth_signatures > PREAUTH_MAX_SIGNATURES)
				m->protocol_violation = true;
			else
				answer_sign(m, &in);
			break;
		case MM_AUTH_USER:
		case MM_AUTH_PUBKEY:
		case MM_AUTH_PASSWORD:
		case MM_KBDINT_START:
		case MM_KBDINT_RESPONSE:
			answer_auth(m, &in);
			break;
		case MM_AUTH_FAILURE:
			note_failure(m, &in);
			break;
		case MM_LOG:
			write_child_log(m, &in);
			break;
		case MM_DISCONNECTED:
			grace = note_disconnect(m, &in);
			break;
		case MM_AUTHENTICATED: {
			char *name = mm_get_cstring(&in, MONITOR_MAX_NAME);
			size_t n;
			const uint8_t *b = mm_get_string(&in, &n);
			if (mm_done(&in) && name && auth_on_success(&m->auth, name, user) && (*blob = malloc(n ? n : 1))) {
				memcpy(*blob, b, n);
				*blob_len = n;
				handed_over = true;
			} else {
				m->protocol_violation = true;
			}
			free(name);
			break;
		}
		default:
			m->protocol_violation = true;
			break;
		}
		mm_in_free(&in);
		if (m->protocol_violation) {
			log_error("monitor: protocol violation by the pre-authentication child for %s port %d",
				  m->ci->peer_addr, m->ci->peer_port);
			kill_child(m);
			*status = CONN_EXIT_CHILD_CRASH;
			break;
		}
		if (handed_over)
			break;
	}
	close(m->fd);
	m->fd = -1;
	/* The alarm stays armed until the child is gone: reaping must not hang either. */
	bool handed = !m->protocol_violation && handed_over;
	if (!m->protocol_violation && !handed_over)
		*status = preauth_outcome(m, grace);
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	grace_victim = 0;
	if (!handed)
		return false;
	/* It exits right after handing over. */
	int child_status;
	finish_child(m, &child_status);
	listener_notify_authenticated(); /* MaxStartups stops counting us */
	return true;
}

/* ---- after authentication ---- */

struct postauth {
	struct user_info user;
	uint8_t *blob;
	size_t blob_len;
};
static struct postauth handover; /* for the post-auth child, set before it is forked */

static void postauth_child(struct monitor *m, int fd)
{
	forget_private_keys(m);
	signals_init(false); /* a pipe of its own: its SIGCHLDs are its sessions' */
	if (geteuid() == 0 && ids_drop_to_user(&handover.user) < 0)
		_exit(CONN_EXIT_ERROR);
	/* From now on the options are the user's, Match blocks applied. */
	const struct server_options *opts = m->auth.opts;
	struct burrow_config cfg;
	server_engine_config(opts, m->public_keys, m->host_key_count, &cfg);
	cfg.host_key_sign = mm_host_key_sign;
	cfg.host_key_sign_ctx = &fd;
	struct burrow_import_expect expect = {
		.expected_user = handover.user.name,
		.expected_session_id = m->session_id,
		.expected_session_id_len = m->session_id_len,
	};
	struct burrow_conn *conn = NULL;
	int r = burrow_conn_import(&cfg, &expect, handover.blob, handover.blob_len, &conn);
	burrow_conn_export_free(handover.blob, handover.blob_len);
	handover.blob = NULL;
	if (r < 0) {
		log_error("cannot take over the authenticated connection: %s", burrow_strerror(r));
		_exit(CONN_EXIT_ERROR);
	}
	/* fd stays the monitor's wire: signatures for rekeys and ptys go there. */
	int status = server_conn_run(opts, conn, m->ci, &handover.user, &m->auth.restrictions, fd);
	exit(status);
}

static void answer_postauth(struct monitor *m, struct monitor_ptys *ptys, struct mm_in *in)
{
	switch (in->type) {
	case MM_SIGN:
		answer_sign(m, in);
		return;
	case MM_PTY_OPEN:
	case MM_PTY_LOGIN:
	case MM_PTY_CLOSE:
		if (!monitor_pty_answer(ptys, m->fd, in))
			m->protocol_violation = true;
		return;
	default:
		m->protocol_violation = true;
		return;
	}
}

static int run_postauth(struct monitor *m)
{
	/* A PAM conversation still open (another method won) ends: its socket must not reach
	 * the child that becomes the user. */
	auth_kbdint_free(m->auth.kbdint);
	m->auth.kbdint = NULL;
	if (spawn(m, postauth_child) < 0)
		return CONN_EXIT_ERROR;
	burrow_conn_export_free(handover.blob, handover.blob_len);
	handover.blob = NULL;
	struct monitor_ptys ptys = { .user = &handover.user, .host = m->ci->peer_addr };
	for (;;) {
		struct mm_in in;
		if (mm_recv(m->fd, &in, -1) <= 0)
			break;
		answer_postauth(m, &ptys, &in);
		mm_in_free(&in);
		if (m->protocol_violation) {
			log_error("monitor: protocol violation by the session child of %s", handover.user.name);
			kill_child(m);
			break;
		}
	}
	close(m->fd);
	m->fd = -1;
	monitor_pty_cleanup(&ptys);
	int status = 0;
	if (m->child > 0 && reap(m->child, &status) < 0)
		status = 0;
	m->child = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : CONN_EXIT_ERROR;
}

int monitor_serve(const struct server_options *opts, struct burrow_key *const *host_keys, size_t host_key_count,
		  const struct connection_info *ci)
{
	struct monitor m;
	memset(&m, 0, sizeof(m));
	m.opts = opts;
	m.host_keys = host_keys;
	m.host_key_count = host_key_count;
	m.ci = ci;
	m.fd = -1;
	if (geteuid() == 0 && sandbox_privsep_dir(SANDBOX_PRIVSEP_DIR) < 0)
		return CONN_EXIT_ERROR;
	if (public_keys_new(&m) < 0 || auth_state_init(&m.auth, opts, ci->peer_addr, ci->peer_port, ci->local_addr,
								     ci->local_port) < 0) {
		public_keys_free(&m);
		return CONN_EXIT_ERROR;
	}
	int status = CONN_EXIT_ERROR;
	if (run_preauth(&m, &handover.user, &handover.blob, &handover.blob_len, &status))
		status = run_postauth(&m);
	burrow_conn_export_free(handover.blob, handover.blob_len);
	handover.blob = NULL;
	user_info_free(&handover.user);
	auth_state_free(&m.auth);
	public_keys_free(&m);
	OPENSSL_cleanse(m.session_id, sizeof(m.session_id));
	free(m.first_host_key);
	return status;
}
