/*
 * The syscall half of the pre-auth sandbox: a seccomp-BPF allow-list written as raw BPF (no
 * libseccomp), fitted to what a pre-auth child does once its sandbox is up: run the engine over
 * a socket with poll(), talk to the monitor over a socketpair (passing descriptors), allocate
 * memory, draw random bytes and read the clock.
 *
 * The default answer is EACCES, as in sshd's sandbox: a call we forgot becomes an error the
 * engine reports, not a dead child with no log line. A few calls that only an attacker who
 * already runs code would make kill the process outright.
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "log.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

#if defined(__x86_64__) && !defined(__ILP32__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__) && defined(__AARCH64EL__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

/* No filter under AddressSanitizer: its runtime CHECK-fails when sigaltstack or gettid is
 * refused, reads /proc/self/maps to report, and LeakSanitizer's exit-time check clones a tracer
 * thread that ptraces us. Allowing all that would test a different filter from the one shipped,
 * so ASan builds test the chroot, uid drop and limits, and the filter only in normal builds. */
#if defined(SANDBOX_ARCH) && !defined(SANDBOX_ASAN)
#define SANDBOX_FILTER 1
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U /* Linux 4.14; older kernels kill the thread */
#endif

#ifdef SANDBOX_FILTER

/* Both supported architectures are little-endian: an argument's low 32 bits come first. */
#define ARG_LOW(i) (offsetof(struct seccomp_data, args) + (i) * sizeof(__u64))

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define RET(action) BPF_STMT(BPF_RET | BPF_K, (action))
#define ALLOW(name) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_##name, 0, 1), RET(SECCOMP_RET_ALLOW)
#define KILL(name) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_##name, 0, 1), RET(SECCOMP_RET_KILL_PROCESS)
/* Allowed unless argument `arg` has any bit of `bits` set (then EACCES). The accumulator still
 * holds the syscall number when the jump skips the block. */
#define ALLOW_UNLESS_BITS(name, arg, bits) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_##name, 0, 4), \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(arg)), \
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (bits), 1, 0), \
	RET(SECCOMP_RET_ALLOW), \
	RET(SECCOMP_RET_ERRNO | EACCES)

static const struct sock_filter preauth_filter[] = {
	/* A call through another ABI (i386 int 0x80 on x86_64, say) has other numbers: kill it. */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
	RET(SECCOMP_RET_KILL_PROCESS),
	LOAD_NR,
#ifdef __x86_64__
	/* x32 calls share the arch value and set bit 30 of the number: never ours. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 0, 1),
	RET(SECCOMP_RET_KILL_PROCESS),
#endif

	/* Kill: running a program or reaching into another process is never a bug of ours. */
	KILL(execve),
	KILL(execveat),
	KILL(ptrace),
	KILL(process_vm_readv),
	KILL(process_vm_writev),

	/* The engine loop: the client socket and the monitor socketpair. send()/recv() are
	 * sendto/recvfrom without an address; sendmsg/recvmsg carry SCM_RIGHTS to the monitor.
	 * shutdown half-closes the socket after the last DISCONNECT. */
	ALLOW(read),
	ALLOW(write),
	ALLOW(readv),
	ALLOW(writev),
	ALLOW(recvmsg),
	ALLOW(sendmsg),
	ALLOW(recvfrom),
	ALLOW(sendto),
	ALLOW(shutdown),
	ALLOW(close),
#ifdef __NR_poll
	ALLOW(poll), /* aarch64 has only ppoll */
#endif
	ALLOW(ppoll),
	/* A poll interrupted by a signal (LoginGraceTime's alarm) is resumed by the kernel. */
	ALLOW(restart_syscall),

	/* Leaving. */
	ALLOW(exit),
	ALLOW(exit_group),

	/* Randomness: OpenSSL's DRBG reseeds (after fork, and by interval) through getrandom. */
	ALLOW(getrandom),
	/* Time: normally the vDSO answers without a syscall; these are its fallbacks. */
	ALLOW(clock_gettime),
	ALLOW(gettimeofday),
#ifdef __NR_time
	ALLOW(time),
#endif

	/* malloc: brk for the main arena, mmap for large blocks, the rest when it trims or grows.
	 * No executable mappings: nothing here loads code, and W^X makes an exploit's life hard. */
	ALLOW(brk),
	ALLOW_UNLESS_BITS(mmap, 2, PROT_EXEC),
	ALLOW_UNLESS_BITS(mprotect, 2, PROT_EXEC),
	ALLOW(munmap),
	ALLOW(mremap),
	ALLOW(madvise),
	/* Locks inside glibc and OpenSSL (uncontended in one thread, but they may still call). */
	ALLOW(futex),

	/* Signals: blocking around critical sections, returning from a handler. OpenSSL and the
	 * DRBG check getpid() to notice a fork. */
	ALLOW(rt_sigprocmask),
	ALLOW(rt_sigreturn),
	ALLOW(getpid),

	/* Everything else, notably open/openat/openat2 (no files: the chroot is empty anyway),
	 * socket/connect (no new network endpoints), clone/fork (RLIMIT_NPROC 0 too), kill, ioctl,
	 * fstat (stdio copes): EACCES. */
	RET(SECCOMP_RET_ERRNO | EACCES),
};

static int install_filter(void)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(preauth_filter) / sizeof(preauth_filter[0])),
		.filter = (struct sock_filter *)preauth_filter,
	};
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0)
		return 0;
	if (errno == EINVAL) {
		/* A kernel built without CONFIG_SECCOMP_FILTER: sshd carries on the same way. */
		log_info("sandbox unavailable: prctl(PR_SET_SECCOMP): %s", strerror(errno));
		return 0;
	}
	log_error("%s: prctl(PR_SET_SECCOMP): %s", __func__, strerror(errno));
	return -1;
}

#endif /* SANDBOX_FILTER */

bool sandbox_filter_supported(void)
{
#ifdef SANDBOX_FILTER
	/* PR_GET_SECCOMP fails with EINVAL on a kernel without seccomp. */
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
#else
	return false;
#endif
}

int sandbox_restrict_syscalls(void)
{
	/* Required for an unprivileged process to install a filter, and it is what makes a
	 * setuid binary reached by some path harmless. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_error("%s: prctl(PR_SET_NO_NEW_PRIVS): %s", __func__, strerror(errno));
		return -1;
	}
#ifdef SANDBOX_FILTER
	return install_filter();
#else
#ifdef SANDBOX_ASAN
	log_verbose("sandbox unavailable: seccomp filter skipped in AddressSanitizer build");
#else
	log_verbose("sandbox unavailable: no seccomp filter for this architecture");
#endif
	return 0;
#endif
}
