/* SPDX-License-Identifier: MIT */
/*
 * The poller's wake-up: an eventfd, or a pipe (the backend says which),
 * written by netkit_poller_wake() from any thread or a signal handler
 * and watched by the backend like any descriptor. A flag keeps every
 * wake after the first from writing until the loop has read: any
 * number of wakes give one event, and none is lost.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "poller-private.h"

int
netkit__wake_open(struct netkit__wake *w, bool pipe)
{
	int fds[2];

	w->rd = w->wr = -1;
	atomic_init(&w->pending, 0);
	if (!pipe) {
		w->rd = NK_SYS(eventfd)(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (w->rd < 0)
			return netkit__errno();
		w->wr = w->rd;
		return 0;
	}
	if (NK_SYS(pipe2)(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return netkit__errno();
	w->rd = fds[0];
	w->wr = fds[1];
	return 0;
}

void
netkit__wake_close(struct netkit__wake *w)
{
	if (w->wr >= 0 && w->wr != w->rd)
		NK_SYS(close)(w->wr);
	if (w->rd >= 0)
		NK_SYS(close)(w->rd);
}

NETKIT_EXPORT int
netkit_poller_wake(netkit_poller *p)
{
	static const uint64_t one = 1;
	int saved = errno;
	ssize_t n;

	if (!p)
		return -EINVAL;
	if (atomic_exchange(&p->wake.pending, 1) == 0) {
		/* EAGAIN: the counter or pipe is full, hence readable. An
		 * eventfd takes 8 bytes, a pipe the one. */
		NETKIT__RETRY(n, NK_SYS(write)(p->wake.wr, &one,
			p->wake.wr == p->wake.rd ? sizeof(one) : 1));
		(void)n;
	}
	errno = saved;
	return 0;
}

/* Empties the wake-up, then lets the next wake write again. In that
 * order: a wake that comes in between (a signal handler in the middle
 * of this, or another thread) finds the flag still set and writes
 * nothing, and this batch's wake-up event answers it. Clearing the flag
 * first would let that wake write, this read swallow it, and the flag
 * stay set with nothing to read: every later wake would be lost. One
 * read empties it: an eventfd's read takes the whole counter, and the
 * pipe holds at most the one byte of the wake that set the flag. */
void
netkit__wake_event(netkit_poller *p, netkit_poller_event *e)
{
	uint64_t buf[8];
	ssize_t n;

	NETKIT__RETRY(n, NK_SYS(read)(p->wake.rd, buf, sizeof(buf)));
	(void)n;
	atomic_store(&p->wake.pending, 0);
	*e = (netkit_poller_event){ .fd = -1, .events = NETKIT_POLLER_WAKE };
}
