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

/*
 * A stall deadline packs a total deadline and a stall time in the 64
 * bits of a deadline (its ABI is fixed): the sign bit set and the next
 * clear (so the value is below -2^62: every call that does not know it
 * refuses it as a time below -1), then STALL_BITS of stall time in ms
 * (never 0: a 0 there marks an invalid deadline) and AT_BITS of total
 * deadline, all ones for NETKIT_FOREVER. AT_BITS of milliseconds since
 * boot are 34 years; a later time is taken as never.
 */
#define AT_BITS 40
#define STALL_BITS 22
#define AT_NEVER ((UINT64_C(1) << AT_BITS) - 1)
#define STALL_FIELD (((UINT64_C(1) << STALL_BITS) - 1) << AT_BITS)
#define STALL_MARK (UINT64_C(1) << 63)

static bool
is_stall(int64_t at)
{
	return ((uint64_t)at >> 62) == 2;
}

/* The limits of a stall deadline (false: invalid). */
static bool
unpack(int64_t at, struct netkit__limits *l)
{
	uint64_t u = (uint64_t)at;

	l->stall = (int64_t)((u & STALL_FIELD) >> AT_BITS);
	u &= AT_NEVER;
	l->deadline = u == AT_NEVER ? NETKIT__NEVER : (int64_t)u;
	return l->stall > 0;
}

bool
netkit__limits_of(netkit_deadline d, struct netkit__limits *l)
{
	if (is_stall(d.at))
		return unpack(d.at, l);
	l->deadline = d.at;
	l->stall = -1;
	return netkit__deadline_ok(d.at);
}

netkit_deadline
netkit__limits_deadline(const struct netkit__limits *l)
{
	return netkit_deadline_stall(l->stall, netkit__deadline(l->deadline));
}

int64_t
netkit__chunk_deadline(const struct netkit__limits *l)
{
	int64_t at = netkit_now() + l->stall;

	return l->deadline != NETKIT__NEVER && l->deadline <= at ?
	       l->deadline : at;
}

NETKIT_EXPORT netkit_deadline
netkit_deadline_stall(int64_t stall_ms, netkit_deadline total)
{
	struct netkit__limits l;
	uint64_t at;

	if (!netkit__limits_of(total, &l))
		return netkit_deadline_at(INT64_MIN);	/* invalid, kept so */
	if (stall_ms <= 0)
		return netkit__deadline(l.deadline);
	if (stall_ms > NETKIT_STALL_MAX)
		stall_ms = NETKIT_STALL_MAX;
	at = l.deadline == NETKIT__NEVER || (uint64_t)l.deadline >= AT_NEVER ?
	     AT_NEVER : (uint64_t)l.deadline;
	return netkit_deadline_at((int64_t)(STALL_MARK |
					    (uint64_t)stall_ms << AT_BITS | at));
}

NETKIT_EXPORT int64_t
netkit_deadline_left(netkit_deadline d)
{
	struct netkit__limits l;
	int64_t now;

	/* A stall deadline: its total's time. */
	if (is_stall(d.at) && unpack(d.at, &l))
		d.at = l.deadline;
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
