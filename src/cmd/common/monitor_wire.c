/*
 * Framing and fields of the monitor wire (monitor_wire.h). Blocking I/O with a deadline: each
 * side waits for the other's answer, and the monitor never waits for ever on a child.
 */
#define _GNU_SOURCE
#include "monitor_wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "burrow/burrow.h"

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void grow(struct mm_out *m, size_t need)
{
	if (m->failed)
		return;
	if (need > MM_MAX_MESSAGE + 4) {
		m->failed = true;
		return;
	}
	if (need <= m->cap)
		return;
	size_t cap = m->cap ? m->cap : 256;
	while (cap < need)
		cap *= 2;
	uint8_t *p = malloc(cap);
	if (!p) {
		m->failed = true;
		return;
	}
	/* Not realloc: the old copy may hold a password, wipe it. */
	if (m->data) {
		memcpy(p, m->data, m->len);
		OPENSSL_cleanse(m->data, m->cap);
		free(m->data);
	}
	m->data = p;
	m->cap = cap;
}

static void put(struct mm_out *m, const void *p, size_t n)
{
	grow(m, m->len + n);
	if (m->failed)
		return;
	if (n)
		memcpy(m->data + m->len, p, n);
	m->len += n;
}

void mm_begin(struct mm_out *m, enum mm_type type)
{
	memset(m, 0, sizeof(*m));
	uint8_t header[5] = { 0, 0, 0, 0, (uint8_t)type };
	put(m, header, sizeof(header));
}

void mm_put_u8(struct mm_out *m, uint8_t v)
{
	put(m, &v, 1);
}

void mm_put_u32(struct mm_out *m, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(m, b, 4);
}

void mm_put_string(struct mm_out *m, const void *p, size_t n)
{
	if (n > MM_MAX_MESSAGE) {
		m->failed = true;
		return;
	}
	mm_put_u32(m, (uint32_t)n);
	put(m, p, n);
}

void mm_put_cstring(struct mm_out *m, const char *s)
{
	mm_put_string(m, s ? s : "", s ? strlen(s) : 0);
}

void mm_out_free(struct mm_out *m)
{
	if (m->data) {
		OPENSSL_cleanse(m->data, m->cap);
		free(m->data);
	}
	memset(m, 0, sizeof(*m));
}

int mm_send(int sock, struct mm_out *m, const int *fds, size_t nfds)
{
	if (m->failed || m->len < 5 || nfds > 2) {
		mm_out_free(m);
		return -1;
	}
	uint32_t body = (uint32_t)(m->len - 4);
	m->data[0] = (uint8_t)(body >> 24);
	m->data[1] = (uint8_t)(body >> 16);
	m->data[2] = (uint8_t)(body >> 8);
	m->data[3] = (uint8_t)body;
	size_t off = 0;
	int r = 0;
	while (off < m->len) {
		struct iovec iov = { .iov_base = m->data + off, .iov_len = m->len - off };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(2 * sizeof(int))];
		} control;
		if (off == 0 && nfds > 0) {
			/* The descriptors ride on the first byte of the frame. */
			memset(&control, 0, sizeof(control));
			msg.msg_control = control.buf;
			msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
		}
		ssize_t w = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = -1;
			break;
		}
		off += (size_t)w;
	}
	mm_out_free(m);
	return r;
}

/* ---- receiving ---- */

static int wait_readable(int sock, uint64_t deadline, bool forever)
{
	for (;;) {
		int timeout = -1;
		if (!forever) {
			uint64_t now = monotonic_ms();
			if (now >= deadline)
				return 0;
			timeout = (int)(deadline - now);
		}
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int r = poll(&pfd, 1, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r;
	}
}

/* Reads exactly n bytes; descriptors arriving on the way are kept in m->fds. */
static int read_exact(int sock, struct mm_in *m, uint8_t *p, size_t n, uint64_t deadline, bool forever)
{
	while (n > 0) {
		int w = wait_readable(sock, deadline, forever);
		if (w <= 0)
			return w == 0 ? 0 : -1;
		struct iovec iov = { .iov_base = p, .iov_len = n };
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(2 * sizeof(int))];
		} control;
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
				      .msg_controllen = sizeof(control.buf) };
		ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < count; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (i < 2 && m->fds[i] < 0)
					m->fds[i] = fd;
				else
					close(fd); /* more than any message carries */
			}
		}
		if (msg.msg_flags & MSG_CTRUNC)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

int mm_recv(int sock, struct mm_in *m, int timeout_ms)
{
	memset(m, 0, sizeof(*m));
	m->fds[0] = m->fds[1] = -1;
	bool forever = timeout_ms < 0;
	uint64_t deadline = monotonic_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
	uint8_t header[5];
	int r = read_exact(sock, m, header, sizeof(header), deadline, forever);
	if (r <= 0) {
		mm_in_free(m); /* descriptors may have come with a partial header */
		return r;
	}
	uint32_t body = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | (uint32_t)header[2] << 8 | header[3];
	if (body < 1 || body > MM_MAX_MESSAGE) {
		mm_in_free(m);
		return -1;
	}
	m->type = header[4];
	m->len = body - 1;
	m->data = malloc(m->len ? m->len : 1);
	/* Once the header is in, the rest is due now: a child that stalls mid-frame is broken. */
	if (!m->data || read_exact(sock, m, m->data, m->len, monotonic_ms() + 30000, false) <= 0) {
		mm_in_free(m);
		return -1;
	}
	return 1;
}

void mm_in_free(struct mm_in *m)
{
	if (m->data) {
		OPENSSL_cleanse(m->data, m->len);
		free(m->data);
	}
	for (int i = 0; i < 2; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	memset(m, 0, sizeof(*m));
	m->fds[0] = m->fds[1] = -1;
}

static const uint8_t *take(struct mm_in *m, size_t n)
{
	if (m->bad || m->len - m->off < n) {
		m->bad = true;
		return NULL;
	}
	const uint8_t *p = m->data + m->off;
	m->off += n;
	return p;
}

uint8_t mm_get_u8(struct mm_in *m)
{
	const uint8_t *p = take(m, 1);
	return p ? p[0] : 0;
}

uint32_t mm_get_u32(struct mm_in *m)
{
	const uint8_t *p = take(m, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

const uint8_t *mm_get_string(struct mm_in *m, size_t *len)
{
	uint32_t n = mm_get_u32(m);
	const uint8_t *p = take(m, n);
	*len = p ? n : 0;
	return p ? p : (const uint8_t *)"";
}

char *mm_get_cstring(struct mm_in *m, size_t max)
{
	size_t n;
	const uint8_t *p = mm_get_string(m, &n);
	if (m->bad || n > max || memchr(p, 0, n)) {
		m->bad = true;
		return NULL;
	}
	char *s = malloc(n + 1);
	if (!s) {
		m->bad = true;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

bool mm_done(const struct mm_in *m)
{
	return !m->bad && m->off == m->len;
}

/* ---- what the monitor signs ---- */

static bool hash_sized(size_t len)
{
	return len == 20 || len == 32 || len == 48 || len == 64;
}

/* hostkeys-prove-00@openssh.com data: string name, string session id, string host key blob. */
static bool is_proof_for(const uint8_t *session_id, size_t session_id_len, const uint8_t *data, size_t len,
			 const uint8_t *blob, size_t blob_len)
{
	static const char name[] = "hostkeys-prove-00@openssh.com";
	const uint8_t *fields[3] = { (const uint8_t *)name, session_id, blob };
	const size_t lens[3] = { sizeof(name) - 1, session_id_len, blob_len };
	size_t off = 0;
	for (int i = 0; i < 3; i++) {
		if (len - off < 4)
			return false;
		uint32_t n = (uint32_t)data[off] << 24 | (uint32_t)data[off + 1] << 16 | (uint32_t)data[off + 2] << 8 |
			     data[off + 3];
		off += 4;
		if (n != lens[i] || len - off < n || CRYPTO_memcmp(data + off, fields[i], n) != 0)
			return false;
		off += n;
	}
	return off == len;
}

bool mm_sign_allowed(const uint8_t *session_id, size_t session_id_len, const uint8_t *data, size_t len,
		     const uint8_t *blob, size_t blob_len)
{
	if (hash_sized(len))
		return true;
	return session_id_len > 0 && is_proof_for(session_id, session_id_len, data, len, blob, blob_len);
}

void mm_userauth_signed_data(struct mm_out *out, const uint8_t *session_id, size_t session_id_len, const char *user,
			     const char *method, const char *alg, const uint8_t *blob, size_t blob_len,
			     const uint8_t *hostkey, size_t hostkey_len)
{
	memset(out, 0, sizeof(*out));
	mm_put_string(out, session_id, session_id_len);
	mm_put_u8(out, 50); /* SSH_MSG_USERAUTH_REQUEST */
	mm_put_cstring(out, user);
	mm_put_cstring(out, "ssh-connection");
	mm_put_cstring(out, method);
	mm_put_u8(out, 1);
	mm_put_cstring(out, alg);
	mm_put_string(out, blob, blob_len);
	if (hostkey)
		mm_put_string(out, hostkey, hostkey_len);
}

/* ---- the children's side ---- */

int mm_host_key_sign(void *ctx, const struct burrow_key *key, const char *alg, const uint8_t *data, size_t len,
		     uint8_t **sig, size_t *sig_len)
{
	int fd = *(const int *)ctx;
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	if (burrow_key_to_blob(key, &blob, &blob_len) < 0)
		return BURROW_E_NOMEM;
	struct mm_out m;
	mm_begin(&m, MM_SIGN);
	mm_put_string(&m, blob, blob_len);
	mm_put_cstring(&m, alg);
	mm_put_string(&m, data, len);
	free(blob);
	if (mm_send(fd, &m, NULL, 0) < 0)
		return BURROW_E_CRYPTO;
	struct mm_in in;
	/* Signing is quick; a monitor that does not answer in this long is gone. */
	if (mm_recv(fd, &in, 60000) <= 0)
		return BURROW_E_CRYPTO;
	int err = BURROW_E_CRYPTO;
	uint32_t ok = mm_get_u32(&in);
	size_t n;
	const uint8_t *s = mm_get_string(&in, &n);
	if (in.type == MM_SIGN_REPLY && mm_done(&in) && ok && n > 0 && (*sig = malloc(n))) {
		memcpy(*sig, s, n);
		*sig_len = n;
		err = 0;
	}
	mm_in_free(&in);
	return err;
}
