/*
 * The pre-auth sandbox (src/cmd/common/sandbox.h). Each behaviour is checked in a forked child,
 * since a sandbox cannot be left; the child reports through its exit status (and, for the engine
 * run, a byte on a socketpair). Children never use cmocka asserts (they would unwind into the
 * parent's runner): they print what failed and exit non-zero, and leave with _exit() so no
 * exit-time handler runs under the filter.
 * The privilege parts need root and are skipped otherwise; the filter parts are skipped where
 * the build has no filter (another architecture, or an AddressSanitizer build).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "burrow/burrow.h"
#include "burrow/keys.h"
#include "sandbox.h"

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "child: %s:%d: check failed: %s (errno %d)\n", __FILE__, __LINE__, \
				#cond, errno); \
			return 1; \
		} \
	} while (0)

struct fixture {
	char dir[64];        /* an empty root-owned 0755 directory to chroot into */
	const char *user;    /* the privsep user */
	uid_t uid;
	gid_t gid;
	int sock[2];         /* child end: sock[1] */
};

static struct burrow_key *host_key, *user_key;

static int group_setup(void **state)
{
	/* What a pre-auth child does before its sandbox: libcrypto initialised and seeded, keys
	 * loaded. The child's DRBG then reseeds after fork through getrandom alone. */
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
		return -1;
	unsigned char seed[16];
	if (RAND_bytes(seed, sizeof(seed)) != 1)
		return -1;
	if (burrow_key_generate(BURROW_KEY_ED25519, 0, &host_key) != 0)
		return -1;
	return burrow_key_generate(BURROW_KEY_ED25519, 0, &user_key);
}

static int group_teardown(void **state)
{
	burrow_key_free(host_key);
	burrow_key_free(user_key);
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/burrow-sandbox-XXXXXX");
	if (!mkdtemp(f->dir) || chmod(f->dir, 0755) != 0)
		return -1;
	f->user = sandbox_privsep_user();
	struct passwd *pw = f->user ? getpwnam(f->user) : NULL;
	if (pw) {
		f->uid = pw->pw_uid;
		f->gid = pw->pw_gid;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, f->sock) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	rmdir(f->dir);
	close(f->sock[0]);
	close(f->sock[1]);
	free(f);
	return 0;
}

static void skip_unless_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void skip_unless_filter(void)
{
	if (!sandbox_filter_supported())
		skip();
}

/* Runs body(f) in a child and returns its wait status. */
static int run_child(struct fixture *f, int (*body)(struct fixture *f))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(f->sock[0]);
		_exit(body(f));
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_child_succeeded(int status)
{
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Everything a pre-auth child gets, in the documented order. Not root: the filter alone. */
static int enter_sandbox(struct fixture *f)
{
	if (geteuid() == 0)
		return sandbox_enter_preauth(f->dir, f->user, 16);
	return sandbox_restrict_syscalls();
}

/* ---- the empty directory and the account ---- */

static void test_privsep_dir_is_created_root_owned_0755(void **state)
{
	struct fixture *f = *state;
	skip_unless_root();
	char path[96];
	snprintf(path, sizeof(path), "%s/run", f->dir);
	mode_t old = umask(077);
	int r = sandbox_privsep_dir(path);
	umask(old);
	assert_int_equal(r, 0);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* A second call accepts what the first made. */
	assert_int_equal(sandbox_privsep_dir(path), 0);
	assert_int_equal(rmdir(path), 0);
}

static void test_privsep_dir_rejects_a_directory_with_content(void **state)
{
	struct fixture *f = *state;
	skip_unless_root();
	char file[96];
	snprintf(file, sizeof(file), "%s/leftover", f->dir);
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sandbox_privsep_dir(f->dir), -1);
	assert_int_equal(errno, ENOTEMPTY);
	unlink(file);
	assert_int_equal(sandbox_privsep_dir(f->dir), 0);
}

static void test_privsep_dir_rejects_group_writable(void **state)
{
	struct fixture *f = *state;
	skip_unless_root();
	assert_int_equal(chmod(f->dir, 0775), 0);
	assert_int_equal(sandbox_privsep_dir(f->dir), -1);
	assert_int_equal(errno, EPERM);
}

static void test_privsep_dir_rejects_a_file(void **state)
{
	struct fixture *f = *state;
	char file[96];
	snprintf(file, sizeof(file), "%s/plain", f->dir);
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sandbox_privsep_dir(file), -1);
	assert_int_equal(errno, ENOTDIR);
	unlink(file);
}

static void test_privsep_user_prefers_burrowd_then_sshd_then_nobody(void **state)
{
	const char *expect = getpwnam("burrowd") ? "burrowd" : getpwnam("sshd") ? "sshd"
			   : getpwnam("nobody") ? "nobody" : NULL;
	if (!expect)
		skip();
	assert_string_equal(sandbox_privsep_user(), expect);
}

/* ---- the uid/gid drop ---- */

static int child_drop(struct fixture *f)
{
	CHECK(sandbox_drop_to_unprivileged(f->dir, f->user) == 0);
	/* No filesystem: the chroot is empty. */
	errno = 0;
	CHECK(open("/etc/shadow", O_RDONLY) == -1 && (errno == ENOENT || errno == EACCES));
	CHECK(open("/etc/passwd", O_RDONLY) == -1);
	CHECK(mkdir("/x", 0700) == -1);
	/* No way back. */
	CHECK(setuid(0) == -1 && errno == EPERM);
	CHECK(setgid(0) == -1);
	CHECK(getuid() == f->uid && geteuid() == f->uid);
	CHECK(getgid() == f->gid && getegid() == f->gid);
	uid_t r, e, s;
	CHECK(getresuid(&r, &e, &s) == 0 && r == f->uid && e == f->uid && s == f->uid);
	CHECK(getgroups(0, NULL) == 0);
	return 0;
}

static void test_drop_leaves_no_files_and_no_way_back_to_root(void **state)
{
	struct fixture *f = *state;
	skip_unless_root();
	assert_non_null(f->user);
	assert_child_succeeded(run_child(f, child_drop));
}

static int child_drop_to_root(struct fixture *f)
{
	CHECK(sandbox_drop_to_unprivileged(f->dir, "root") == -1);
	CHECK(access("/etc/passwd", F_OK) == 0); /* refused before the chroot */
	return 0;
}

static void test_drop_refuses_an_account_with_uid_0(void **state)
{
	struct fixture *f = *state;
	skip_unless_root();
	assert_child_succeeded(run_child(f, child_drop_to_root));
}

static int child_drop_not_root(struct fixture *f)
{
	CHECK(setresuid(f->uid, f->uid, f->uid) == 0);
	CHECK(sandbox_drop_to_unprivileged(f->dir, f->user) == -1 && errno == EPERM);
	return 0;
}

static void test_drop_without_root_fails_with_eperm(void **state)
{
	struct fixture *f = *state;
	skip_unless_root();
	assert_child_succeeded(run_child(f, child_drop_not_root));
}

/* ---- resource limits ---- */

static int child_limits(struct fixture *f)
{
	/* A file opened before the sandbox (the test's own temp dir, outside the chroot). */
	char path[96];
	snprintf(path, sizeof(path), "%s/grow", f->dir);
	int file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(file >= 0);
	unlink(path);
	CHECK(sandbox_drop_to_unprivileged(f->dir, f->user) == 0);
	CHECK(sandbox_limit_resources(8) == 0);
	signal(SIGXFSZ, SIG_IGN);
	CHECK(write(file, "x", 1) == -1 && errno == EFBIG);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(pid == -1 && errno == EAGAIN);
	int fds = 0, last;
	while ((last = dup(0)) >= 0)
		fds++;
	CHECK(errno == EMFILE);
	CHECK(fds < 8);
	return 0;
}

static void test_limits_stop_file_growth_fork_and_descriptors(void **state)
{
	struct fixture *f = *state;
	skip_unless_root();
	assert_child_succeeded(run_child(f, child_limits));
}

/* ---- the syscall filter ---- */

static int child_filter_denies(struct fixture *f)
{
	CHECK(sandbox_restrict_syscalls() == 0);
	errno = 0;
	CHECK(open("/etc/passwd", O_RDONLY) == -1 && errno == EACCES);
	errno = 0;
	CHECK(openat(AT_FDCWD, "/etc/passwd", O_RDONLY) == -1 && errno == EACCES);
	errno = 0;
	CHECK(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EACCES);
	errno = 0;
	CHECK(socket(AF_UNIX, SOCK_STREAM, 0) == -1 && errno == EACCES);
	errno = 0;
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED
	      && errno == EACCES);
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	errno = 0;
	CHECK(mprotect(page, 4096, PROT_READ | PROT_EXEC) == -1 && errno == EACCES);
	errno = 0;
	CHECK(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) == -1 && errno == EACCES);
	return 0;
}

static void test_filter_denies_files_sockets_exec_mappings_and_fork(void **state)
{
	struct fixture *f = *state;
	skip_unless_filter();
	assert_child_succeeded(run_child(f, child_filter_denies));
}

static int child_execve(struct fixture *f)
{
	if (sandbox_restrict_syscalls() != 0)
		return 2;
	char *argv[] = { "/bin/true", NULL };
	execve("/bin/true", argv, environ);
	return 3; /* failed instead of being killed */
}

static void test_filter_kills_execve(void **state)
{
	struct fixture *f = *state;
	skip_unless_filter();
	int status = run_child(f, child_execve);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static int child_ptrace(struct fixture *f)
{
	if (sandbox_restrict_syscalls() != 0)
		return 2;
	syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
	return 3;
}

static void test_filter_kills_ptrace(void **state)
{
	struct fixture *f = *state;
	skip_unless_filter();
	int status = run_child(f, child_ptrace);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static int child_x32_call(struct fixture *f)
{
	if (sandbox_restrict_syscalls() != 0)
		return 2;
	syscall(0x40000000 | SYS_getpid); /* getpid through the x32 ABI */
	return 3;
}

static void test_filter_kills_calls_through_another_abi(void **state)
{
	struct fixture *f = *state;
	skip_unless_filter();
#ifndef __x86_64__
	skip(); /* only x86_64 has a second ABI sharing the arch value */
#endif
	int status = run_child(f, child_x32_call);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

/* Sends one descriptor with SCM_RIGHTS, as the child will to and from its monitor. */
static int send_fd(int sock, int fd)
{
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int receive_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static int child_filter_allows(struct fixture *f)
{
	int pair[2], passed[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, passed) == 0);
	CHECK(enter_sandbox(f) == 0);

	/* malloc: 64 MiB goes through mmap, small blocks through brk. */
	size_t big = 64u << 20;
	unsigned char *p = malloc(big);
	CHECK(p != NULL);
	memset(p, 0xa5, big);
	p = realloc(p, big * 2); /* mremap */
	CHECK(p != NULL && p[big - 1] == 0xa5);
	free(p);
	for (int i = 0; i < 1000; i++)
		free(malloc(100 + i));

	/* Randomness from the DRBG seeded before fork: it reseeds with getrandom. */
	unsigned char rnd[64], zero[64] = { 0 };
	CHECK(RAND_bytes(rnd, sizeof(rnd)) == 1);
	CHECK(memcmp(rnd, zero, sizeof(rnd)) != 0);
	CHECK(RAND_priv_bytes(rnd, sizeof(rnd)) == 1);

	/* Clocks, through the vDSO and through the syscall it falls back to. */
	struct timespec ts;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	CHECK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) == 0);

	/* The engine loop: poll, write, read, send/recv. */
	CHECK(write(pair[0], "ping", 4) == 4);
	struct pollfd pfd = { .fd = pair[1], .events = POLLIN };
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN));
	char buf[8];
	CHECK(read(pair[1], buf, sizeof(buf)) == 4 && memcmp(buf, "ping", 4) == 0);
	CHECK(send(pair[1], "pong", 4, 0) == 4);
	CHECK(recv(pair[0], buf, sizeof(buf), 0) == 4 && memcmp(buf, "pong", 4) == 0);

	/* Descriptor passing: what arrives works. */
	CHECK(send_fd(pair[0], passed[0]) == 0);
	int got = receive_fd(pair[1]);
	CHECK(got >= 0);
	CHECK(write(got, "fd", 2) == 2);
	CHECK(read(passed[1], buf, sizeof(buf)) == 2 && memcmp(buf, "fd", 2) == 0);
	CHECK(close(got) == 0);

	CHECK(getpid() > 0);
	CHECK(shutdown(pair[0], SHUT_WR) == 0);
	CHECK(read(pair[1], buf, sizeof(buf)) == 0);
	/* Report on the socket the parent holds, as a pre-auth child reports to its monitor. */
	CHECK(write(f->sock[1], "K", 1) == 1);
	return 0;
}

static void assert_child_reported_ok(struct fixture *f, int status)
{
	assert_child_succeeded(status);
	char byte = 0;
	assert_int_equal(read(f->sock[0], &byte, 1), 1);
	assert_int_equal(byte, 'K');
}

static void test_sandbox_allows_what_the_engine_loop_needs(void **state)
{
	struct fixture *f = *state;
	skip_unless_filter();
	assert_child_reported_ok(f, run_child(f, child_filter_allows));
}

/* ---- a whole handshake inside the sandbox ---- */

struct engine_side {
	struct burrow_conn *conn;
	bool server, auth_ok, failed;
};

static void engine_pump(struct engine_side *s)
{
	struct burrow_event ev;
	while (burrow_conn_next_event(s->conn, &ev) > 0) {
		switch (ev.type) {
		case BURROW_EV_HOSTKEY:
			burrow_hostkey_verdict(s->conn, burrow_key_equal_public(ev.key, host_key));
			break;
		case BURROW_EV_KEX_DONE:
			if (!s->server && burrow_auth_publickey(s->conn, "tester", user_key) != 0)
				s->failed = true;
			break;
		case BURROW_EV_AUTH_PUBKEY:
			burrow_auth_verdict(s->conn, burrow_key_equal_public(ev.key, user_key));
			break;
		case BURROW_EV_AUTH_SUCCESS:
			s->auth_ok = true;
			break;
		case BURROW_EV_AUTH_FAILURE:
		case BURROW_EV_DISCONNECTED:
			s->failed = true;
			break;
		default:
			break;
		}
	}
}

static size_t engine_transfer(struct engine_side *from, struct engine_side *to)
{
	const uint8_t *data;
	size_t n = burrow_conn_output(from->conn, &data);
	if (n) {
		burrow_conn_feed(to->conn, data, n);
		burrow_conn_output_consume(from->conn, n);
	}
	return n;
}

/* The client and the server engines, back to back in memory, through key exchange and
 * public key authentication. */
static int run_handshake(void)
{
	struct burrow_key *keys[1] = { host_key };
	struct burrow_config scfg = { .role = BURROW_SERVER, .host_keys = keys, .host_key_count = 1 };
	struct burrow_config ccfg = { .role = BURROW_CLIENT };
	struct engine_side server = { .server = true }, client = { 0 };
	CHECK(burrow_conn_new(&scfg, &server.conn) == 0);
	CHECK(burrow_conn_new(&ccfg, &client.conn) == 0);
	for (int round = 0; round < 200 && !(client.auth_ok && server.auth_ok); round++) {
		engine_pump(&client);
		engine_pump(&server);
		CHECK(!client.failed && !server.failed);
		size_t moved = engine_transfer(&client, &server) + engine_transfer(&server, &client);
		if (!moved) {
			engine_pump(&client);
			engine_pump(&server);
		}
	}
	CHECK(client.auth_ok && server.auth_ok);
	burrow_conn_free(client.conn);
	burrow_conn_free(server.conn);
	return 0;
}

static int child_engine(struct fixture *f)
{
	CHECK(enter_sandbox(f) == 0);
	CHECK(run_handshake() == 0);
	CHECK(write(f->sock[1], "K", 1) == 1);
	return 0;
}

static void test_engine_handshake_completes_inside_the_sandbox(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip_unless_filter();
	assert_child_reported_ok(f, run_child(f, child_engine));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_privsep_dir_is_created_root_owned_0755),
		T(test_privsep_dir_rejects_a_directory_with_content),
		T(test_privsep_dir_rejects_group_writable),
		T(test_privsep_dir_rejects_a_file),
		T(test_privsep_user_prefers_burrowd_then_sshd_then_nobody),
		T(test_drop_leaves_no_files_and_no_way_back_to_root),
		T(test_drop_refuses_an_account_with_uid_0),
		T(test_drop_without_root_fails_with_eperm),
		T(test_limits_stop_file_growth_fork_and_descriptors),
		T(test_filter_denies_files_sockets_exec_mappings_and_fork),
		T(test_filter_kills_execve),
		T(test_filter_kills_ptrace),
		T(test_filter_kills_calls_through_another_abi),
		T(test_sandbox_allows_what_the_engine_loop_needs),
		T(test_engine_handshake_completes_inside_the_sandbox),
	};
#undef T
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
