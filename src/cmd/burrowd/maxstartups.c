/*
 * MaxStartups start:rate:full, sshd's random early drop: below `start` unauthenticated
 * connections nothing is dropped; from there a new one is refused with probability rate%,
 * rising linearly to 100% at `full`.
 */
#include "listener.h"

bool maxstartups_should_drop(const struct daemon_options *d, int startups, unsigned random100)
{
	if (startups < d->max_startups_begin)
		return false;
	if (startups >= d->max_startups_full || d->max_startups_rate >= 100)
		return true;
	int p = 100 - d->max_startups_rate;
	p *= startups - d->max_startups_begin;
	p /= d->max_startups_full - d->max_startups_begin;
	p += d->max_startups_rate;
	return (int)random100 < p;
}
