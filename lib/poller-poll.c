/* SPDX-License-Identifier: MIT */
/*
 * The poller's poll(2) backend: an array of pollfds, [0] the wake-up
 * (a pipe), scanned whole by each wait. A registration's slot is its
 * index in the array. poll(2) has no edge-triggered mode; one-shot is
 * emulated by disarming. A closed descriptor comes back as POLLNVAL
 * and is then no longer polled (as epoll drops it) until removed: its
 * pollfd holds ~fd, which poll(2) ignores.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "poller-private.h"

struct poll_state {
	struct pollfd *pfds;
	size_t n, cap;
};

/* Our event bits are poll(2)'s: no translation either way. */
_Static_assert(NETKIT__SAME_BITS(POLLIN, POLLOUT, POLLERR, POLLHUP),
	       "poll's event bits");

static short
poll_mask(unsigned interest)
{
	return (short)(interest & (NETKIT_POLLER_READ | NETKIT_POLLER_WRITE));
}

/* Room for one more pollfd. */
static int
pfds_grow(struct poll_state *s)
{
	struct pollfd *f = netkit__poller_room(s->pfds, s->n, &s->cap,
					       sizeof(*f));

	if (!f)
		return -ENOMEM;
	s->pfds = f;
	return 0;
}

/* The pollfd of a closed descriptor holds ~fd. */
static int
pfd_fd(const struct pollfd *f)
{
	return f->fd < 0 ? ~f->fd : f->fd;
}

static int
pl_open(netkit_poller *p)
{
	struct poll_state *s = netkit__poller_state(p);
	int rc;

	if ((rc = pfds_grow(s)) < 0)
		return rc;
	s->pfds[s->n++] = (struct pollfd){ .fd = p->wake.rd, .events = POLLIN };
	return 0;
}

static void
pl_close(netkit_poller *p)
{
	struct poll_state *s = netkit__poller_state(p);

	free(s->pfds);
}

/* Nothing to register with the kernel: a number beyond the table is
 * checked to be open (within it, a closed one comes back as POLLNVAL
 * and is never polled again). */
static int
pl_add(netkit_poller *p, int fd, unsigned events, uint64_t tag)
{
	struct poll_state *s = netkit__poller_state(p);
	int rc;

	(void)tag;
	if (fd >= p->n_regs && NK_SYS(fcntl)(fd, F_GETFD) < 0)
		return netkit__errno();
	if ((rc = netkit__poller_grow(p, fd)) < 0 || (rc = pfds_grow(s)) < 0)
		return rc;
	s->pfds[s->n] = (struct pollfd){ .fd = fd,
					 .events = poll_mask(events) };
	p->regs[fd].flags = 0;
	p->regs[fd].slot = (uint32_t)s->n++;
	return 0;
}

static int
pl_modify(netkit_poller *p, int fd, struct netkit__reg *r, unsigned events)
{
	struct poll_state *s = netkit__poller_state(p);

	(void)fd;
	s->pfds[r->slot].events = poll_mask(events);
	return 0;
}

/* A closed descriptor is one poll() found invalid, or one fcntl() finds
 * not open (a number already reused goes unnoticed). Its pollfd goes
 * either way: the last one takes its place. */
static int
pl_remove(netkit_poller *p, int fd, struct netkit__reg *r)
{
	struct poll_state *s = netkit__poller_state(p);
	size_t last;
	int rc = 0;

	if (s->pfds[r->slot].fd < 0 || NK_SYS(fcntl)(fd, F_GETFD) < 0)
		rc = -EBADF;
	last = --s->n;
	if (r->slot != last) {
		s->pfds[r->slot] = s->pfds[last];
		p->regs[pfd_fd(&s->pfds[r->slot])].slot = r->slot;
	}
	return rc;
}

/* What poll() found, up to max events; what does not fit stays for the
 * next wait (level-triggered: still ready; one-shot: still armed). */
static int
collect(netkit_poller *p, netkit_poller_event *ev, int max)
{
	struct poll_state *s = netkit__poller_state(p);
	struct netkit__reg *r;
	struct pollfd *f;
	uint64_t mark;
	size_t i;
	int n = 0;

	if (s->pfds[0].revents && n < max) {
		netkit__wake_event(p, &ev[n++]);
		s->pfds[0].revents = 0;
	}
	mark = netkit__poller_mark(p, ev + n);
	for (i = s->n - 1; i >= 1 && n < max; i--) {
		f = &s->pfds[i];
		if (!f->revents)
			continue;
		if (f->revents & POLLNVAL) {
			f->fd = ~f->fd;
			f->revents = 0;
			continue;
		}
		r = &p->regs[f->fd];
		netkit__poller_put_fd(r, &ev[n++], f->fd,
				      (unsigned)f->revents & NETKIT__FD_EVENTS,
				      mark++);
		if (r->interest & NETKIT_POLLER_ONESHOT)
			f->events = 0;
		f->revents = 0;
	}
	return n;
}

static int
pl_wait(netkit_poller *p, netkit_poller_event *ev, int max, int ms)
{
	struct poll_state *s = netkit__poller_state(p);
	int got;

	got = NK_SYS(poll)(s->pfds, (nfds_t)s->n, ms);
	if (got < 0)
		return netkit__errno();
	return got == 0 ? 0 : collect(p, ev, max);
}

/* No edge-triggered mode in poll(2). */
NETKIT__POLLER_BACKEND(netkit__poller_poll, pl, struct poll_state,
		       NETKIT__INTEREST & ~NETKIT_POLLER_EDGE, true);
