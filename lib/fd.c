/* SPDX-License-Identifier: MIT */
/*
 * One home for "do this to a descriptor before a deadline". Every _until
 * call, and every plain call's slow path after a signal, makes its
 * system call through netkit__until() or netkit__interrupted(); the
 * descriptor's mode and a non-blocking connect are set and read here
 * too.
 *
 * A call hands over one attempt (struct netkit__op): a function that
 * makes its system call once and answers >= 0 or a negative errno. The
 * rules, in one place:
 *  - the attempt comes first, asked not to block (MSG_DONTWAIT); only
 *    when it answers EAGAIN is there a poll() for the time left. A
 *    deadline already past (0, "try once") costs the attempt alone;
 *  - an attempt that cannot be asked not to block (accept4(), read() of
 *    a pipe) on a blocking descriptor is made only after poll() said
 *    ready (NETKIT__POLL_FIRST); there, a past deadline polls once;
 *  - the clock is read after every wake-up: a descriptor that polls
 *    ready while its call keeps answering EAGAIN (the full queue of an
 *    unconnected Unix datagram receiver, a reader that lost a race)
 *    cannot outlive the deadline, and instead of spinning it is polled
 *    at growing intervals (1, 2, 4 ... 64 ms);
 *  - EINTR is retried and never extends the deadline;
 *  - a transfer in chunks looks at the clock before every chunk but the
 *    first (netkit__until_more()), so a peer that keeps making progress
 *    cannot extend the deadline either.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "netkit-private.h"

/* The longest pause between two tries of a call that polls ready but
 * still cannot go on: what a wake-up the kernel cannot give may cost. */
#define BACKOFF_MAX_MS 64

bool
netkit__expired(int64_t deadline)
{
	return deadline != NETKIT__NEVER && netkit_now() >= deadline;
}

/* Polls fd for events until it is ready: its revents (> 0), -ETIMEDOUT
 * once the deadline has passed (never earlier), or a negative errno. A
 * deadline already past polls once without waiting when poll_past is
 * set, else answers -ETIMEDOUT at once. Signals and poll's EAGAIN
 * neither end the wait nor extend it. */
static int
wait_ready(int fd, short events, int64_t deadline, bool poll_past)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ms, rc;

	for (;;) {
		ms = netkit__poll_timeout(deadline);
		if (ms == 0 && !poll_past)
			return -ETIMEDOUT;
		rc = NK_SYS(poll)(&pfd, 1, ms);
		if (rc > 0)
			return (pfd.revents & POLLNVAL) ? -EBADF : pfd.revents;
		if (rc < 0 && errno != EINTR && errno != EAGAIN)
			return netkit__errno();
		if (rc == 0 && ms == 0)
			return -ETIMEDOUT;
		poll_past = false;
	}
}

int
netkit__wait(int fd, short events, int64_t deadline)
{
	return wait_ready(fd, events, deadline, true);
}

/* The n-th wake-up in a row after which the call still could not go on:
 * a pause of 1, 2, 4 ... BACKOFF_MAX_MS ms, cut short by the deadline
 * (then -ETIMEDOUT). */
static int
back_off(unsigned n, int64_t deadline)
{
	int ms = n > 6 ? BACKOFF_MAX_MS : 1 << (n - 1);
	int left = netkit__poll_timeout(deadline);

	if (left == 0)
		return -ETIMEDOUT;
	if (left > 0 && left < ms)
		ms = left;
	/* A signal only makes the pause shorter. */
	(void)NK_SYS(poll)(NULL, 0, ms);
	return 0;
}

ssize_t
netkit__until(int fd, const struct netkit__op *op, int64_t deadline)
{
	unsigned false_wakes = 0;
	bool woke = false;
	ssize_t n;
	int rc;

	if (op->flags & NETKIT__POLL_FIRST) {
		rc = wait_ready(fd, op->events, deadline, true);
		if (rc < 0)
			return rc;
		woke = true;
	}
	for (;;) {
		n = op->try(fd, op->arg, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (n == -EINTR) {
			if (netkit__expired(deadline))
				return -ETIMEDOUT;
			continue;
		}
		if (n != -EAGAIN && n != -EWOULDBLOCK)
			return n;
		if (woke) {
			rc = back_off(++false_wakes, deadline);
			if (rc < 0)
				return rc;
		}
		rc = wait_ready(fd, op->events, deadline, false);
		if (rc < 0)
			return rc;
		woke = true;
	}
}

ssize_t
netkit__until_more(int fd, const struct netkit__op *op,
		   const struct netkit__limits *l, size_t done)
{
	int64_t at;

	if (done > 0 && netkit__expired(l->deadline))
		return -ETIMEDOUT;
	if (l->stall < 0)
		return netkit__until(fd, op, l->deadline);
	/* Each chunk starts after the last byte moved (or at the call's
	 * start): its wait is the stall time's, unless the total's ends
	 * first. */
	at = netkit__chunk_deadline(l);
	return netkit__chunk_result(l, at, netkit__until(fd, op, at));
}

int64_t
netkit__kernel_deadline_from(int fd, int optname, int64_t since)
{
	struct timeval tv = { 0, 0 };
	socklen_t len = sizeof(tv);
	int64_t ms;

	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, optname, &tv, &len) < 0 ||
	    (tv.tv_sec == 0 && tv.tv_usec == 0))
		return NETKIT__NEVER;
	/* Round up: a kernel timeout of 0.3 ms still waits. */
	ms = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	return ms > INT64_MAX - since ? INT64_MAX : since + ms;
}

int64_t
netkit__kernel_deadline(int fd, int optname)
{
	return netkit__kernel_deadline_from(fd, optname, netkit_now());
}

ssize_t
netkit__interrupted(int fd, const struct netkit__op *op, int optname)
{
	int64_t dl = netkit__kernel_deadline(fd, optname);
	ssize_t n;

	/* The kernel answers the expiry of its own timeout with EAGAIN. */
	if (dl != NETKIT__NEVER) {
		n = netkit__until(fd, op, dl);
		return n == -ETIMEDOUT ? -EAGAIN : n;
	}
	return netkit__blocking(fd, op);
}

ssize_t
netkit__plain(int fd, const struct netkit__op *op, int optname)
{
	ssize_t n = op->try(fd, op->arg, 0);

	return n == -EINTR ? netkit__interrupted(fd, op, optname) : n;
}

ssize_t
netkit__blocking(int fd, const struct netkit__op *op)
{
	ssize_t n;

	do
		n = op->try(fd, op->arg, 0);
	while (n == -EINTR);
	return n;
}

int
netkit__nonblocking(int fd)
{
	int fl = NK_SYS(fcntl)(fd, F_GETFL);

	return fl < 0 ? netkit__errno() : (fl & O_NONBLOCK) != 0;
}

int
netkit__set_nonblock(int fd, int *saved)
{
	int fl;

	*saved = -1;
	fl = NK_SYS(fcntl)(fd, F_GETFL);
	if (fl < 0)
		return netkit__errno();
	if (fl & O_NONBLOCK)
		return 0;
	if (NK_SYS(fcntl)(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return netkit__errno();
	*saved = fl;
	return 0;
}

int
netkit__restore_mode(int fd, int saved)
{
	if (saved < 0)
		return 0;
	return NK_SYS(fcntl)(fd, F_SETFL, saved) < 0 ? netkit__errno() : 0;
}

int
netkit__set_blocking(int fd)
{
	int fl = NK_SYS(fcntl)(fd, F_GETFL);

	if (fl < 0)
		return netkit__errno();
	if (!(fl & O_NONBLOCK))
		return 0;
	return NK_SYS(fcntl)(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ?
	       netkit__errno() : 0;
}

int
netkit__connect_start(int fd, const netkit_addr *addr)
{
	int saved, rc;

	rc = netkit__set_nonblock(fd, &saved);
	if (rc < 0)
		return rc;
	/* EINTR: the handshake goes on in the kernel, as EINPROGRESS. */
	if (NK_SYS(connect)(fd, (const struct sockaddr *)&addr->ss,
			    addr->len) < 0)
		rc = errno == EINTR ? -EINPROGRESS : netkit__errno();
	/* Had the caller's mode not come back, the socket would stay
	 * non-blocking behind its back: that failure is the answer. */
	if (saved >= 0 && NK_SYS(fcntl)(fd, F_SETFL, saved) < 0)
		return netkit__errno();
	return rc;
}

int
netkit__connect_result(int fd, short revents)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (revents & POLLNVAL)
		return -EBADF;
	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return netkit__errno();
	if (err == 0 && !(revents & POLLOUT))
		return -ECONNRESET;	/* hung up with no error to tell */
	return -err;
}

int
netkit__connect_finish(int fd, int64_t deadline)
{
	int rc = netkit__wait(fd, POLLOUT, deadline);

	return rc < 0 ? rc : netkit__connect_result(fd, (short)rc);
}
