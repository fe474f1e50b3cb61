/* Blocking request/reply over the agent's Unix socket; see agent_client.h. */
#include "agent_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int agent_client_connect(const char *path)
{
	if (!path)
		path = getenv("SSH_AUTH_SOCK");
	if (!path || !*path) {
		errno = ENOENT;
		return -1;
	}
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int agent_client_roundtrip(int fd, const uint8_t *request, size_t request_len, uint8_t **reply,
			   size_t *reply_len)
{
	*reply = NULL;
	*reply_len = 0;
	if (write_all(fd, request, request_len) < 0)
		return -1;
	uint8_t head[4];
	size_t total;
	if (read_all(fd, head, sizeof(head)) < 0 || burrow_agent_frame(head, sizeof(head), &total) != 0)
		return -1;
	uint32_t n = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
	if (n == 0 || n > BURROW_AGENT_MAX_MESSAGE)
		return -1;
	uint8_t *body = malloc(n);
	if (!body || read_all(fd, body, n) < 0) {
		free(body);
		return -1;
	}
	*reply = body;
	*reply_len = n;
	return 0;
}

int agent_client_simple(int fd, uint8_t *request, size_t request_len)
{
	uint8_t *reply = NULL;
	size_t reply_len = 0;
	int r = agent_client_roundtrip(fd, request, request_len, &reply, &reply_len);
	memset(request, 0, request_len);
	free(request);
	if (r < 0)
		return -1;
	r = burrow_agent_parse_status(reply, reply_len);
	free(reply);
	return r == BURROW_E_PARSE ? -1 : r;
}

int agent_client_list(int fd, struct burrow_agent_identity **ids, size_t *count)
{
	uint8_t *req = NULL, *reply = NULL;
	size_t req_len = 0, reply_len = 0;
	if (burrow_agent_request_identities(&req, &req_len) < 0)
		return -1;
	int r = agent_client_roundtrip(fd, req, req_len, &reply, &reply_len);
	free(req);
	if (r < 0)
		return -1;
	r = burrow_agent_parse_identities(reply, reply_len, ids, count);
	free(reply);
	return r < 0 ? -1 : 0;
}

int agent_client_sign(int fd, const struct burrow_key *key, const char *sig_alg, const uint8_t *data,
		      size_t len, uint8_t **sig, size_t *sig_len)
{
	uint8_t *req = NULL, *reply = NULL;
	size_t req_len = 0, reply_len = 0;
	*sig = NULL;
	*sig_len = 0;
	if (burrow_agent_request_sign(key, data, len, burrow_agent_sign_flags(sig_alg), &req, &req_len) < 0)
		return -1;
	int r = agent_client_roundtrip(fd, req, req_len, &reply, &reply_len);
	free(req);
	if (r < 0)
		return -1;
	r = burrow_agent_parse_sign_response(reply, reply_len, sig, sig_len);
	free(reply);
	return r < 0 ? -1 : 0;
}

long long agent_parse_lifetime(const char *s)
{
	long long total = 0;
	if (!s || !*s)
		return -1;
	while (*s) {
		if (*s < '0' || *s > '9')
			return -1;
		long long n = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s++ - '0');
			if (n > 0xffffffffLL)
				return -1;
		}
		long long unit = 1;
		switch (*s) {
		case 0: break;
		case 's': case 'S': s++; break;
		case 'm': case 'M': unit = 60; s++; break;
		case 'h': case 'H': unit = 3600; s++; break;
		case 'd': case 'D': unit = 86400; s++; break;
		case 'w': case 'W': unit = 604800; s++; break;
		default: return -1;
		}
		total += n * unit;
		if (total > 0xffffffffLL)
			return -1;
	}
	return total;
}
