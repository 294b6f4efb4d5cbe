/* SPDX-License-Identifier: MIT */
/*
 * The poller's core: the registrations, the wait loop and its batch.
 * The kernel's side is a backend's (poller-private.h); the timers and
 * the wake-up have files of their own.
 *
 * The caller's mistakes cost a code, never a crash or a spin. A
 * descriptor closed before its removal: the removal answers -EBADF
 * and forgets it; what else that takes is the backend's (epoll builds
 * its set again, see poller-epoll.c).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "poller-private.h"

/* ---- the clock ---- */

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Milliseconds from now_ns until the ms time `when`, rounded up. */
static int
timeout_until(int64_t when, int64_t ns)
{
	int64_t left;

	if (when == NETKIT__NEVER)
		return -1;
	if (when > INT64_MAX / 1000000)
		return INT_MAX;
	left = when * 1000000 - ns;
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* ---- registrations ---- */

static int
check_interest(const netkit_poller *p, int fd, unsigned events)
{
	if (!p || fd < 0 || (events & ~NETKIT__INTEREST) ||
	    ((events & NETKIT_POLLER_EDGE) && (events & NETKIT_POLLER_ONESHOT)))
		return -EINVAL;
	if (events & ~p->be->interest)
		return -EOPNOTSUPP;
	/* The poller's own descriptors are not the caller's to watch. */
	if (fd == p->backend_fd || fd == p->wake.rd || fd == p->wake.wr)
		return -EINVAL;
	return 0;
}

/* The tag of fd's next registration: its generation one on. */
static uint64_t
next_tag(const netkit_poller *p, int fd)
{
	uint32_t gen = fd < p->n_regs ? netkit__reg_gen(&p->regs[fd]) + 1 : 1;

	gen += gen == 0;	/* 0 is no registration's */
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

/* The registration of fd, or NULL. */
static struct netkit__reg *
reg_of(netkit_poller *p, int fd)
{
	if (fd >= p->n_regs || !netkit__reg_active(&p->regs[fd]))
		return NULL;
	return &p->regs[fd];
}

NETKIT_EXPORT int
netkit_poller_add(netkit_poller *p, int fd, unsigned events, void *data)
{
	struct netkit__reg *r;
	uint64_t tag;
	int rc;

	if ((rc = check_interest(p, fd, events)) < 0)
		return rc;
	/* A number is registered until removed, also when its descriptor
	 * was closed: the removal tells the caller of that (-EBADF). */
	if (reg_of(p, fd))
		return -EEXIST;
	tag = next_tag(p, fd);
	if ((rc = p->be->add(p, fd, events, tag)) < 0)
		return rc;
	r = &p->regs[fd];
	r->data = data;
	r->mark = 0;
	r->tag = tag;
	r->interest = (uint16_t)events;
	return 0;
}

NETKIT_EXPORT int
netkit_poller_modify(netkit_poller *p, int fd, unsigned events, void *data)
{
	struct netkit__reg *r;
	int rc;

	if ((rc = check_interest(p, fd, events)) < 0)
		return rc;
	if (!(r = reg_of(p, fd)))
		return -ENOENT;
	if ((rc = p->be->modify(p, fd, r, events)) < 0)
		return rc;
	r->interest = (uint16_t)events;
	r->data = data;
	return 0;
}

NETKIT_EXPORT int
netkit_poller_remove(netkit_poller *p, int fd)
{
	struct netkit__reg *r;
	int rc;

	if (!p || fd < 0)
		return -EINVAL;
	if (!(r = reg_of(p, fd)))
		return -ENOENT;
	rc = p->be->remove(p, fd, r);
	if (rc < 0 && rc != -EBADF)
		return rc;
	/* Forgotten either way: a closed descriptor cannot be removed
	 * later, and its number may be registered again. A new owner of
	 * the number: older events are not its. */
	netkit__poller_cancel(p, r->mark);
	r->mark = 0;
	r->tag |= NETKIT__TAG_RETIRED;
	return rc;
}

/* ---- the wait ---- */

/* The wait's timeout: until the deadline or the first timer. */
static int
wait_ms(const netkit_poller *p, int64_t deadline, int64_t ns)
{
	int64_t until = deadline, next = netkit__timers_next(p);

	if (next != NETKIT__NEVER && (until == NETKIT__NEVER || next < until))
		until = next;
	return timeout_until(until, ns);
}

/* The wait until deadline (ms, or NETKIT__NEVER), checked. */
static int
wait_until(netkit_poller *p, const netkit_poller_event **events,
	   int64_t deadline)
{
	netkit_poller_event *ev = p->events;
	int64_t ns;
	int n, rc, ms;

	p->n_batch = 0;
	if (++p->seq == 0)
		p->seq = 1;
	for (;;) {
		if (p->n_heap == 0 && deadline == NETKIT__NEVER) {
			/* Nothing timed: no clock reading. */
			n = 0;
			ms = -1;
		} else {
			ns = now_ns();
			n = netkit__timers_run(p, ev, NETKIT__POLLER_BATCH,
					       ns / 1000000);
			ms = n > 0 ? 0 : wait_ms(p, deadline, ns);
		}
		rc = n == NETKIT__POLLER_BATCH ? 0 :
		     p->be->wait(p, ev + n, NETKIT__POLLER_BATCH - n, ms);
		if (rc > 0)
			n += rc;
		/* With timers due, a failure waits for the next wait: they
		 * have left the heap, their events are all there is. */
		else if (rc < 0 && rc != -EINTR && rc != -EAGAIN && n == 0)
			return rc;
		if (n > 0 || (deadline != NETKIT__NEVER &&
			      now_ns() / 1000000 >= deadline)) {
			p->n_batch = (uint32_t)n;
			*events = ev;
			return n;
		}
	}
}

NETKIT_EXPORT int
netkit_poller_wait(netkit_poller *p, const netkit_poller_event **events,
		   netkit_deadline deadline)
{
	if (!p || !events || !netkit__deadline_ok(deadline.at))
		return -EINVAL;
	return wait_until(p, events, deadline.at);
}

/* The deadline ms from now, rounded up to the millisecond: the wait
 * ends once netkit_now() (which truncates) reaches it, so at least ms
 * after this. 0 stays 0: do not block, not "until the next ms". */
static int64_t
deadline_for(int64_t ms)
{
	int64_t ns;

	if (ms <= 0)
		return ms == 0 ? 0 : NETKIT__NEVER;
	ns = now_ns();
	if (ms > (INT64_MAX - ns - 999999) / 1000000)
		return INT64_MAX;
	return (ns + ms * 1000000 + 999999) / 1000000;
}

NETKIT_EXPORT int
netkit_poller_wait_for(netkit_poller *p, const netkit_poller_event **events,
		       int64_t ms)
{
	if (!p || !events)
		return -EINVAL;
	return wait_until(p, events, deadline_for(ms));
}

/* ---- life ---- */

NETKIT_EXPORT int
netkit_poller_new(netkit_poller **out, unsigned flags)
{
	const struct netkit__poller_backend *be;
	netkit_poller *p;
	int rc;

	if (!out || (flags & ~NETKIT_POLLER_USE_POLL))
		return -EINVAL;
	be = (flags & NETKIT_POLLER_USE_POLL) ? &netkit__poller_poll :
						&netkit__poller_epoll;
	p = calloc(1, sizeof(*p) + be->size);
	if (!p)
		return -ENOMEM;
	p->be = be;
	p->backend_fd = -1;
	/* The wake-up's number gets an entry (never active) first. */
	if ((rc = netkit__wake_open(&p->wake, be->wake_pipe)) < 0 ||
	    (rc = netkit__poller_grow(p, p->wake.rd)) < 0 ||
	    (rc = be->open(p)) < 0) {
		netkit_poller_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

NETKIT_EXPORT void
netkit_poller_free(netkit_poller *p)
{
	if (!p)
		return;
	netkit__timers_free(p);
	p->be->close(p);
	netkit__wake_close(&p->wake);
	free(p->regs);
	free(p);
}
