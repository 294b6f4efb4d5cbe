/* SPDX-License-Identifier: MIT */
/*
 * The monotonic clock and deadlines. Waiting until one is fd.c's.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "netkit-private.h"

NETKIT_EXPORT int64_t
netkit_now(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	NK_SYS(clock_gettime)(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

NETKIT_EXPORT netkit_deadline
netkit_deadline_in(int64_t ms)
{
	int64_t now;

	if (ms < 0)
		return NETKIT_FOREVER;
	now = netkit_now();
	return netkit_deadline_at(ms > INT64_MAX - now ? INT64_MAX : now + ms);
}

NETKIT_EXPORT netkit_deadline
netkit_deadline_at(int64_t when)
{
	netkit_deadline d = { when };

	return d;
}

NETKIT_EXPORT int64_t
netkit_deadline_left(netkit_deadline d)
{
	int64_t now;

	if (d.at == NETKIT__NEVER)
		return -1;
	/* Compared before subtracting: d.at - now overflows for a time
	 * near INT64_MIN (netkit_deadline_at() takes any). */
	now = netkit_now();
	return d.at > now ? d.at - now : 0;
}

int
netkit__poll_timeout(int64_t deadline)
{
	int64_t left;

	if (deadline == NETKIT__NEVER)
		return -1;
	left = deadline - netkit_now();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}
