/* SPDX-License-Identifier: MIT */
/*
 * The monotonic clock, deadlines, and waiting on one descriptor until a
 * deadline: the base of every _until call.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "netkit-private.h"

NETKIT_EXPORT int64_t
netkit_now(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
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

int
netkit__wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ms, rc;

	for (;;) {
		/* A deadline already past still polls once, without
		 * waiting: "try once" takes what is already there. */
		ms = netkit__poll_timeout(deadline);
		rc = NK_SYS(poll)(&pfd, 1, ms);
		if (rc > 0) {
			if (pfd.revents & POLLNVAL)
				return -EBADF;
			return 0;
		}
		if (rc < 0 && errno != EINTR && errno != EAGAIN)
			return netkit__errno();
		if (rc == 0 && ms == 0)
			return -ETIMEDOUT;
		/* A timeout, a signal, or poll's EAGAIN ("try again"): poll
		 * again for the time left, so that none returns before the
		 * deadline nor extends it. */
	}
}

int
netkit__wait_again(int fd, short events, int64_t deadline)
{
	if (errno == EINTR)
		return 0;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return netkit__errno();
	return netkit__wait(fd, events, deadline);
}

int64_t
netkit__kernel_deadline_from(int fd, int optname, int64_t since)
{
	struct timeval tv = { 0, 0 };
	socklen_t len = sizeof(tv);
	int64_t ms;

	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, optname, &tv, &len) < 0 ||
	    (tv.tv_sec == 0 && tv.tv_usec == 0))
		return NETKIT_FOREVER;
	/* Round up: a kernel timeout of 0.3 ms still waits. */
	ms = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	return ms > INT64_MAX - since ? INT64_MAX : since + ms;
}

int64_t
netkit__kernel_deadline(int fd, int optname)
{
	return netkit__kernel_deadline_from(fd, optname, netkit_now());
}
