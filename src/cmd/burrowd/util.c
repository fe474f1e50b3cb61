/* Small helpers of burrowd: clock, file descriptor flags, address formatting. */
#define _GNU_SOURCE
#include "burrowd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void sockaddr_format(const void *sa_any, char *addr, size_t addr_len, int *port)
{
	const struct sockaddr *sa = sa_any;
	snprintf(addr, addr_len, "UNKNOWN");
	*port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = sa_any;
		inet_ntop(AF_INET, &in->sin_addr, addr, (socklen_t)addr_len);
		*port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = sa_any;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], addr, (socklen_t)addr_len);
		else
			inet_ntop(AF_INET6, &in6->sin6_addr, addr, (socklen_t)addr_len);
		*port = ntohs(in6->sin6_port);
	}
}
