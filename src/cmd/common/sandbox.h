/*
 * The pre-auth sandbox: primitives that take a freshly forked connection child down to the least
 * privilege Linux allows before it parses a single byte from an unauthenticated peer.
 *
 * The order matters; a pre-auth child does, after fork():
 *   1. everything that needs the filesystem or the network stack: libcrypto initialised
 *      (OPENSSL_init_crypto with config loading, one RAND_bytes so the DRBG is seeded), host keys
 *      loaded, syslog opened (openlog with LOG_NDELAY: /dev/log is gone after the chroot);
 *   2. sandbox_drop_to_unprivileged(): chroot into the empty directory, then to an unprivileged
 *      uid/gid with no supplementary groups, irreversibly;
 *   3. sandbox_limit_resources(): no new files written, no new processes, few descriptors;
 *   4. sandbox_restrict_syscalls(): no_new_privs and a seccomp-BPF allow-list fitted to the
 *      engine loop (poll, read/write, sendmsg/recvmsg, malloc, getrandom, clocks).
 * sandbox_enter_preauth() does 2-4 in that order. sandbox_privsep_dir() is called once by the
 * listener (as root) to create or check the empty directory.
 *
 * Every function returns 0 on success or -1 with errno set, after logging why as sshd would.
 */
#ifndef BURROW_CMD_SANDBOX_H
#define BURROW_CMD_SANDBOX_H

#include <stdbool.h>

/* The empty, root-owned directory pre-auth children chroot into (sshd uses /run/sshd). */
#define SANDBOX_PRIVSEP_DIR "/run/burrowd"

/* Creates `path` (root:root, 0755) if it is missing; otherwise checks that it is a directory
 * owned by root, not writable by group or others, and empty. */
int sandbox_privsep_dir(const char *path);

/* The account pre-auth children run as: "burrowd" if it exists, else "sshd", else "nobody";
 * NULL when none exists. */
const char *sandbox_privsep_user(void);

/* As root: chroot(empty_dir), chdir("/"), setgroups(0), setresgid and setresuid to `user`'s
 * uid/gid, then proves the drop sticks (setuid(0)/setgid(0) fail, real = effective = saved).
 * Refuses a user whose uid or gid is 0. Not root: -1 with EPERM (nothing changed). */
int sandbox_drop_to_unprivileged(const char *empty_dir, const char *user);

/* RLIMIT_FSIZE 0 (no file grows), RLIMIT_NPROC 0 (no fork: call after the uid drop, the limit
 * counts the real uid's processes), RLIMIT_NOFILE max_fds (>= 1: poll() rejects nfds above it,
 * and descriptors received over SCM_RIGHTS must fit below it). */
int sandbox_limit_resources(unsigned max_fds);

/* PR_SET_NO_NEW_PRIVS, then the seccomp filter (see sandbox_seccomp.c for the allow-list and
 * why each call is on it). Calls outside the list fail with EACCES, so a forgotten call is an
 * error the engine reports, not a crash; execve, execveat, ptrace and process_vm_* kill the
 * process, as does any call made with another architecture's calling convention.
 * Where the filter cannot be used (an architecture other than x86_64/aarch64, or an
 * AddressSanitizer build: the ASan runtime needs ptrace for its exit-time leak check and reads
 * /proc at will), or on a kernel without seccomp filters, only no_new_privs is set and a
 * "sandbox unavailable" line is logged. Descriptors the child must not use (listening sockets,
 * files outside the chroot) have to be closed before: the filter does not stop read/write. */
int sandbox_restrict_syscalls(void);

/* Whether sandbox_restrict_syscalls() installs the seccomp filter: this build has one and the
 * kernel supports seccomp. */
bool sandbox_filter_supported(void);

/* Steps 2-4 above for a pre-auth child. */
int sandbox_enter_preauth(const char *empty_dir, const char *user, unsigned max_fds);

#endif
