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

NETKIT_EXPORT int64_t
netkit_deadline_in(int64_t ms)
{
	int64_t now;

	if (ms < 0)
		return NETKIT_FOREVER;
	now = netkit_now();
	return ms > INT64_MAX - now ? INT64_MAX : now + ms;
}

int
netkit__poll_timeout(int64_t deadline)
{
	int64_t left;

	if (deadline == NETKIT_FOREVER)
		return -1;
	left = deadline - netkit_now();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}
