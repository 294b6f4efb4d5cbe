/* SPDX-License-Identifier: MIT */
/*
 * The poller's epoll backend. epoll holds each registration's tag
 * (generation << 32 | fd) as its data: one 64-bit comparison per event
 * checks number and generation. The wake-up's tag has the eventfd's
 * number with a generation no registration of it can have (the poller
 * never registers its own descriptor): the one test of the generation
 * per event also finds the wake-up, off the hot path.
 *
 * A descriptor closed while registered, whose file lives on (a dup, a
 * child): epoll keeps watching that file and nothing can name it any
 * more (epoll_ctl() names a file by a descriptor), so the first event
 * of it (one no registration owns) makes the poller build its epoll
 * set again without it (heal()), rather than drop its events forever.
 *
 * The registration's flags: REG_GONE, its descriptor was found closed
 * by a rebuild (it stays until removed, which answers -EBADF); REG_OUT,
 * a one-shot registration that fired, left out of the new set until
 * modified. Its slot: the batch it was last armed in.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "poller-private.h"

/* The generation of the wake-up's tag: its descriptor is never
 * registered, so its entry keeps generation 0. */
#define WAKE_GEN UINT32_MAX

#define REG_GONE 0x1u
#define REG_OUT 0x2u

struct epoll_state {
	uint64_t wake_tag;	/* WAKE_GEN << 32 | wake.rd */
	bool stale;		/* epoll reported no one's event */
	struct epoll_event eev[NETKIT__POLLER_BATCH];
};

/* Our event bits are epoll's: no translation either way. */
_Static_assert(NETKIT__SAME_BITS(EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP),
	       "epoll's event bits");

static uint32_t
epoll_mask(unsigned interest)
{
	return (interest & (NETKIT_POLLER_READ | NETKIT_POLLER_WRITE)) |
	       ((interest & NETKIT_POLLER_EDGE) ? EPOLLET : 0) |
	       ((interest & NETKIT_POLLER_ONESHOT) ? EPOLLONESHOT : 0);
}

static int
ctl_on(int epfd, int op, int fd, unsigned interest, uint64_t tag)
{
	struct epoll_event ee = { .events = epoll_mask(interest) };

	ee.data.u64 = tag;
	if (NK_SYS(epoll_ctl)(epfd, op, fd, &ee) < 0)
		return netkit__errno();
	return 0;
}

static int
ctl(netkit_poller *p, int op, int fd, unsigned interest, uint64_t tag)
{
	return ctl_on(p->backend_fd, op, fd, interest, tag);
}

static int
ep_open(netkit_poller *p)
{
	struct epoll_state *s = netkit__poller_state(p);

	p->backend_fd = NK_SYS(epoll_create1)(EPOLL_CLOEXEC);
	if (p->backend_fd < 0)
		return netkit__errno();
	s->wake_tag = (uint64_t)WAKE_GEN << 32 | (uint32_t)p->wake.rd;
	return ctl(p, EPOLL_CTL_ADD, p->wake.rd, NETKIT_POLLER_READ,
		   s->wake_tag);
}

static void
ep_close(netkit_poller *p)
{
	if (p->backend_fd >= 0)
		NK_SYS(close)(p->backend_fd);
}

/* EEXIST: the kernel still watches this very file at this number, as a
 * removal after a close left it, the same file being back: take it
 * over. */
static int
ep_add(netkit_poller *p, int fd, unsigned events, uint64_t tag)
{
	int rc;

	rc = ctl(p, EPOLL_CTL_ADD, fd, events, tag);
	if (rc == -EEXIST)
		rc = ctl(p, EPOLL_CTL_MOD, fd, events, tag);
	if (rc == 0 && (rc = netkit__poller_grow(p, fd)) < 0)
		(void)NK_SYS(epoll_ctl)(p->backend_fd, EPOLL_CTL_DEL, fd, NULL);
	if (rc < 0)
		return rc;
	p->regs[fd].flags = 0;
	p->regs[fd].slot = p->seq;
	return 0;
}

/* Armed again: ADD for a one-shot registration that a rebuild left
 * out; -EBADF for a descriptor closed while registered (ENOENT: its
 * number has another file now). */
static int
ep_modify(netkit_poller *p, int fd, struct netkit__reg *r, unsigned events)
{
	int rc;

	if (r->flags & REG_GONE)
		return -EBADF;
	rc = ctl(p, (r->flags & REG_OUT) ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd,
		 events, r->tag);
	if (rc < 0)
		return rc == -ENOENT ? -EBADF : rc;
	/* An event of this batch came before; an older one is no use to
	 * cancel and would read as "fired since" (oneshot_fired). */
	r->flags = 0;
	r->slot = p->seq;
	if ((uint32_t)(r->mark >> 32) != p->seq)
		r->mark = 0;
	return 0;
}

/* DEL tells by failing: EBADF (closed), ENOENT or EPERM (its number
 * has another file now, which is left alone). If the closed
 * descriptor's file lives on, epoll still watches it under the old
 * tag: its events are no one's, and the first of them makes the poller
 * rebuild its set without it (heal()). A registration a rebuild left
 * out of the set has nothing to delete: fcntl() tells whether its
 * descriptor is open. */
static int
ep_remove(netkit_poller *p, int fd, struct netkit__reg *r)
{
	int rc;

	if (r->flags & REG_GONE)
		return -EBADF;
	if (r->flags & REG_OUT)
		return NK_SYS(fcntl)(fd, F_GETFD) < 0 ? -EBADF : 0;
	if (NK_SYS(epoll_ctl)(p->backend_fd, EPOLL_CTL_DEL, fd, NULL) == 0)
		return 0;
	rc = netkit__errno();
	return rc == -ENOENT || rc == -EPERM ? -EBADF : rc;
}

/* ---- healing the set ---- */

/* A one-shot registration that reported an event since it was last
 * armed, so disarmed: its latest event is of another batch than the
 * one it was armed in (ep_modify() forgets an older one). Batch
 * numbers come back after 2^32 - 1 waits: an event exactly that many
 * waits after the arming would read as none. */
static bool
oneshot_fired(const struct netkit__reg *r)
{
	return (r->interest & NETKIT_POLLER_ONESHOT) && r->mark != 0 &&
	       (uint32_t)(r->mark >> 32) != r->slot;
}

/* Puts registration fd into the new set epfd. Asked first of the old
 * set: ADD of the file now at fd answers EEXIST only if it is the
 * registered one. Anything else means the descriptor was closed (its
 * number free, or another file's, which a bare ADD into the new set
 * would watch in its place): left out, REG_GONE. */
static int
heal_reg(netkit_poller *p, int epfd, int fd)
{
	struct netkit__reg *r = &p->regs[fd];
	int rc;

	if (!netkit__reg_active(r) || (r->flags & (REG_GONE | REG_OUT)))
		return 0;
	rc = ctl(p, EPOLL_CTL_ADD, fd, 0, 0);
	if (rc == 0)
		(void)NK_SYS(epoll_ctl)(p->backend_fd, EPOLL_CTL_DEL, fd, NULL);
	if (rc == 0 || rc == -EBADF || rc == -EPERM || rc == -ELOOP ||
	    rc == -EINVAL) {
		r->flags |= REG_GONE;
		return 0;
	}
	if (rc != -EEXIST)
		return rc;
	if (oneshot_fired(r))
		return 0;
	return ctl_on(epfd, EPOLL_CTL_ADD, fd, r->interest, r->tag);
}

/* Builds the epoll set again, and closes the old one: the only way to
 * make the kernel stop watching a file whose descriptor was closed
 * while registered. In the new set: the wake-up and every registration
 * whose descriptor is still its own (heal_reg()), but not a one-shot
 * one that fired (REG_OUT: it waits, disarmed, for modify()). An
 * edge-triggered one may report its state once more. O(registrations)
 * system calls, only when such a file reports. */
static NETKIT__NOINLINE int
heal(netkit_poller *p)
{
	struct epoll_state *s = netkit__poller_state(p);
	struct netkit__reg *r;
	int epfd, fd, rc;

	epfd = NK_SYS(epoll_create1)(EPOLL_CLOEXEC);
	if (epfd < 0)
		return netkit__errno();
	rc = ctl_on(epfd, EPOLL_CTL_ADD, p->wake.rd, NETKIT_POLLER_READ,
		    s->wake_tag);
	for (fd = 0; rc == 0 && fd < p->n_regs; fd++)
		rc = heal_reg(p, epfd, fd);
	if (rc < 0) {
		NK_SYS(close)(epfd);
		return rc;
	}
	NK_SYS(close)(p->backend_fd);
	p->backend_fd = epfd;
	for (fd = 0; fd < p->n_regs; fd++) {
		r = &p->regs[fd];
		if (netkit__reg_active(r) && !(r->flags & REG_GONE) &&
		    oneshot_fired(r))
			r->flags |= REG_OUT;
	}
	return 0;
}

/* A wait whose epoll events included one of no registration: waiting
 * again would get it again at once. Returns the n events collected, or
 * the rebuild's failure when there are none (the next wait tries it
 * again): a code, never a loop. */
static NETKIT__NOINLINE int
heal_after(netkit_poller *p, int n)
{
	struct epoll_state *s = netkit__poller_state(p);
	int rc;

	s->stale = false;
	rc = heal(p);
	return rc < 0 && n == 0 ? rc : n;
}

/* ---- the wait ---- */

/* Out of line: its loop gets registers of its own. */
static NETKIT__NOINLINE int
collect(netkit_poller *p, netkit_poller_event *ev, int got)
{
	struct epoll_state *s = netkit__poller_state(p);
	const struct epoll_event *ee = s->eev, *end = s->eev + got;
	struct netkit__reg *regs = p->regs, *r;
	netkit_poller_event *e = ev;
	uint64_t tag, mark = netkit__poller_mark(p, ev);

	for (; ee < end; ee++) {
		tag = ee->data.u64;
		r = &regs[(uint32_t)tag];
		/* No registration's: the wake-up, or a file the kernel
		 * watches for a registration removed (or replaced) after
		 * its descriptor was closed: a DEL that succeeded leaves
		 * no event behind. A retired entry matches no tag. Every
		 * tag's number has an entry: it was registered, or it is
		 * the wake-up's. */
		if (NETKIT__UNLIKELY(r->tag != tag)) {
			if (tag == s->wake_tag) {
				netkit__wake_event(p, e++);
				mark++;
			} else {
				s->stale = true;	/* see heal() */
			}
			continue;
		}
		netkit__poller_put_fd(r, e++, (int)(uint32_t)tag, ee->events,
				      mark++);
	}
	return (int)(e - ev);
}

static int
ep_wait(netkit_poller *p, netkit_poller_event *ev, int max, int ms)
{
	struct epoll_state *s = netkit__poller_state(p);
	int got;

	got = NK_SYS(epoll_wait)(p->backend_fd, s->eev, max, ms);
	if (got < 0)
		return netkit__errno();
	got = collect(p, ev, got);
	if (NETKIT__UNLIKELY(s->stale))
		return heal_after(p, got);
	return got;
}

NETKIT__POLLER_BACKEND(netkit__poller_epoll, ep, struct epoll_state,
		       NETKIT__INTEREST, false);
