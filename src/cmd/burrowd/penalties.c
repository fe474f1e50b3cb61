/*
 * PerSourcePenalties, after OpenSSH's srclimits.c: a connection process that ends before
 * authentication in a way that looks like an attack (a crash, failed authentication, no
 * authentication attempted, LoginGraceTime exceeded, RefuseConnection) earns its source's net
 * block (PerSourceNetBlockSize) some seconds of refusal. Penalties add up to `max`, and are only
 * enforced once they exceed `min`, so one slip costs nothing. The table holds at most
 * max-sources4/6 blocks; past that, "permissive" forgets the entry closest to expiry and
 * "deny-all" refuses everyone not exempt until entries expire.
 */
#define _GNU_SOURCE
#include "listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"

struct penalty_entry {
	bool v6;
	uint8_t net[16];      /* the address with host bits cleared */
	uint64_t expiry_ms;
	bool active;          /* enforced: the accumulated time went past `min` */
	const char *reason;
};

struct penalties {
	struct daemon_options cfg;
	struct penalty_entry *v;
	size_t n, cap;
	size_t count[2];      /* entries per family (v4, v6) */
	bool overflowed[2];   /* deny-all: a penalty could not be recorded */
};

static const char *const reasons[PEN_COUNT] = {
	[PEN_CRASH] = "penalty: caused crash",
	[PEN_AUTHFAIL] = "penalty: failed authentication",
	[PEN_NOAUTH] = "penalty: connections without attempting authentication",
	[PEN_GRACE] = "penalty: exceeded LoginGraceTime",
	[PEN_REFUSE] = "penalty: connection prohibited by RefuseConnection",
};

struct penalties *penalties_new(const struct daemon_options *d)
{
	struct penalties *p = calloc(1, sizeof(*p));
	if (p)
		p->cfg = *d;
	return p;
}

void penalties_free(struct penalties *p)
{
	if (!p)
		return;
	free(p->v);
	free(p);
}

int penalties_kind_for_status(int status)
{
	if (WIFSIGNALED(status))
		return PEN_CRASH;
	if (!WIFEXITED(status))
		return -1;
	switch (WEXITSTATUS(status)) {
	case CONN_EXIT_OK: return -1;
	case CONN_EXIT_LOGIN_GRACE: return PEN_GRACE;
	case CONN_EXIT_CHILD_CRASH: return PEN_CRASH;
	case CONN_EXIT_AUTH_ATTEMPTED: return PEN_AUTHFAIL;
	case CONN_EXIT_CONFIG_REFUSED: return PEN_REFUSE;
	default: return PEN_NOAUTH;
	}
}

/* The peer's net block (PerSourceNetBlockSize of d); false for a family we do not track. A
 * v4-mapped v6 address is v4. */
static bool net_block(const struct daemon_options *d, const struct sockaddr *sa, bool *v6, uint8_t net[16],
		      char *text, size_t text_len)
{
	const uint8_t *addr;
	int bits;
	memset(net, 0, 16);
	if (sa->sa_family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		*v6 = false;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		*v6 = !IN6_IS_ADDR_V4MAPPED(a6);
		addr = *v6 ? a6->s6_addr : a6->s6_addr + 12;
	} else {
		return false;
	}
	bits = *v6 ? d->netblock6 : d->netblock4;
	int bytes = *v6 ? 16 : 4;
	for (int i = 0; i < bytes; i++) {
		int keep = bits - i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
		net[i] = addr[i] & mask;
	}
	char host[INET6_ADDRSTRLEN];
	inet_ntop(*v6 ? AF_INET6 : AF_INET, net, host, sizeof(host));
	snprintf(text, text_len, "%s/%d", host, bits);
	return true;
}

static bool exempt(const struct penalties *p, const struct sockaddr *sa)
{
	if (!p->cfg.exempt_list[0])
		return false;
	char addr[64];
	int port;
	sockaddr_format(sa, addr, sizeof(addr), &port);
	return burrow_match_host_and_ip(addr, addr, p->cfg.exempt_list) == BURROW_MATCH_YES;
}

static void remove_at(struct penalties *p, size_t i)
{
	p->count[p->v[i].v6]--;
	p->v[i] = p->v[--p->n];
}

static void expire(struct penalties *p, uint64_t now_ms)
{
	for (size_t i = 0; i < p->n;) {
		if (p->v[i].expiry_ms <= now_ms)
			remove_at(p, i);
		else
			i++;
	}
	for (int f = 0; f < 2; f++)
		if (p->count[f] < (size_t)p->cfg.penalty[f ? PEN_MAX_SOURCES6 : PEN_MAX_SOURCES4])
			p->overflowed[f] = false;
}

static struct penalty_entry *find(struct penalties *p, bool v6, const uint8_t net[16])
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].v6 == v6 && memcmp(p->v[i].net, net, 16) == 0)
			return &p->v[i];
	return NULL;
}

/* Room for one more entry of this family: true, or false when deny-all refuses to make it. */
static bool make_room(struct penalties *p, bool v6, const char *block)
{
	size_t max = (size_t)p->cfg.penalty[v6 ? PEN_MAX_SOURCES6 : PEN_MAX_SOURCES4];
	if (p->count[v6] < max)
		return true;
	if (p->cfg.penalty[v6 ? PEN_OVERFLOW6 : PEN_OVERFLOW]) {
		if (!p->overflowed[v6])
			log_info("penalty table full for %s, cannot penalise %s: refusing all connections "
				 "(overflow deny-all)", v6 ? "ipv6" : "ipv4", block);
		p->overflowed[v6] = true;
		return false;
	}
	size_t victim = p->n;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].v6 == v6 && (victim == p->n || p->v[i].expiry_ms < p->v[victim].expiry_ms))
			victim = i;
	if (victim < p->n)
		remove_at(p, victim);
	return true;
}

void penalties_record(struct penalties *p, const struct sockaddr *peer, int kind, uint64_t now_ms)
{
	if (p->cfg.penalties_enabled != 2 || kind < 0 || kind > PEN_REFUSE || exempt(p, peer))
		return;
	uint64_t secs = (uint64_t)p->cfg.penalty[kind], min = (uint64_t)p->cfg.penalty[PEN_MIN] * 1000,
		 max = (uint64_t)p->cfg.penalty[PEN_MAX] * 1000;
	bool v6;
	uint8_t net[16];
	char block[80];
	if (secs == 0 || !net_block(&p->cfg, peer, &v6, net, block, sizeof(block)))
		return;
	expire(p, now_ms);
	struct penalty_entry *e = find(p, v6, net);
	if (e) {
		e->expiry_ms += secs * 1000;
		if (e->expiry_ms - now_ms > max)
			e->expiry_ms = now_ms + max;
		e->reason = reasons[kind];
		if (!e->active && e->expiry_ms - now_ms > min) {
			e->active = true;
			log_verbose("%s: activating penalty of %llu seconds for %s", block,
				    (unsigned long long)((e->expiry_ms - now_ms) / 1000), reasons[kind]);
		}
		return;
	}
	if (!make_room(p, v6, block))
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct penalty_entry *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return;
		p->v = v;
		p->cap = cap;
	}
	e = &p->v[p->n++];
	p->count[v6]++;
	uint64_t ms = secs * 1000 > max ? max : secs * 1000;
	*e = (struct penalty_entry){ .v6 = v6, .expiry_ms = now_ms + ms, .active = ms > min, .reason = reasons[kind] };
	memcpy(e->net, net, 16);
	log_verbose("%s: new %s penalty of %llu seconds for %s", block, e->active ? "active" : "deferred",
		    (unsigned long long)(ms / 1000), reasons[kind]);
}

bool penalties_refuse(struct penalties *p, const struct sockaddr *peer, uint64_t now_ms, const char **reason)
{
	if (p->cfg.penalties_enabled != 2 || exempt(p, peer))
		return false;
	bool v6;
	uint8_t net[16];
	char block[80];
	if (!net_block(&p->cfg, peer, &v6, net, block, sizeof(block)))
		return false;
	expire(p, now_ms);
	if (p->overflowed[v6]) {
		*reason = "penalty: too many penalised addresses (overflow deny-all)";
		return true;
	}
	const struct penalty_entry *e = find(p, v6, net);
	if (!e || !e->active)
		return false;
	*reason = e->reason;
	return true;
}

bool srclimit_same_block(const struct daemon_options *d, const struct sockaddr *a, const struct sockaddr *b)
{
	bool v6a, v6b;
	uint8_t net_a[16], net_b[16];
	char text[80];
	return net_block(d, a, &v6a, net_a, text, sizeof(text)) && net_block(d, b, &v6b, net_b, text, sizeof(text)) &&
	       v6a == v6b && memcmp(net_a, net_b, 16) == 0;
}
