/* SPDX-License-Identifier: MIT */
/*
 * The poller: descriptors on epoll (or poll(2)), a heap of the caller's
 * timers, and a wake-up on an eventfd (or a pipe).
 *
 * Registrations live in a table indexed by descriptor number. Each
 * carries a generation, bumped whenever the number changes owner; epoll
 * gets (generation << 32 | fd) as its data, so an event of an older
 * registration (a closed descriptor whose file lives on in a dup) is
 * dropped. Within one batch, a registration or timer remembers where its
 * event sits in the caller's array, so removing it cancels that event
 * in O(1). The wake-up's tag has the eventfd's number with a generation
 * no registration of it can have (the poller never registers its own
 * descriptor): the one test of the generation per event also finds
 * the wake-up, off the hot path.
 *
 * The caller's mistakes cost a code, never a crash or a spin. A timer
 * is believed to be in the heap only if the heap holds it at the place
 * it claims. A descriptor closed before its removal: the removal
 * answers -EBADF; if its file lives on (a dup, a child), epoll keeps
 * watching it and nothing can name it any more, so the first event of
 * it (one no registration owns) makes the poller build its epoll set
 * again without it (heal()), rather than drop its events forever.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netkit-private.h"

/* epoll events taken per epoll_wait(); the rest wait for the next. */
#define EPOLL_BATCH 256
/* The generation of the wake-up's tag: its descriptor is never
 * registered, so its entry keeps generation 0. */
#define WAKE_GEN UINT32_MAX
/* The event bits a descriptor's event carries. */
#define FD_EVENTS (NETKIT_POLLER_READ | NETKIT_POLLER_WRITE | \
		   NETKIT_POLLER_HUP | NETKIT_POLLER_ERR)

#define INTEREST (NETKIT_POLLER_READ | NETKIT_POLLER_WRITE | \
		  NETKIT_POLLER_EDGE | NETKIT_POLLER_ONESHOT)

/* A registration. tag is what epoll holds for it, gen << 32 | fd, so
 * that one 64-bit comparison per event checks number and generation.
 * Generations start at 1; a retired entry keeps its generation with
 * TAG_RETIRED set, a value no epoll tag has (fd < 2^31), and a fresh
 * one is all zero (generation 0, never in epoll either). */
struct reg {
	void *data;
	uint64_t mark;		/* batch << 32 | index of its latest event */
	uint64_t tag;
	unsigned interest;	/* INTEREST bits, REG_GONE, REG_OUT */
	union {
		int pidx;	/* poll(2): index in pfds */
		uint32_t armed;	/* epoll: the batch it was last armed in */
	};
};

#define TAG_RETIRED (UINT64_C(1) << 31)

/* epoll, set by heal(): the registration's descriptor was found closed
 * (it stays until removed, which answers -EBADF), or it is a one-shot
 * one that fired, left out of the new set until modified. */
#define REG_GONE 0x40000000u
#define REG_OUT 0x80000000u

static inline uint32_t
reg_gen(const struct reg *r)
{
	return (uint32_t)(r->tag >> 32);
}

static inline bool
reg_active(const struct reg *r)
{
	return reg_gen(r) != 0 && !(r->tag & TAG_RETIRED);
}

struct netkit_poller {
	bool use_poll;
	int epfd;
	int wake_rd, wake_wr;	/* eventfd: the same descriptor */
	uint64_t wake_tag;	/* epoll: WAKE_GEN << 32 | wake_rd */
	atomic_int wake_pending;
	struct reg *regs;
	int n_regs;
	struct pollfd *pfds;	/* poll(2): [0] is the wake-up */
	int n_pfds, cap_pfds;
	netkit_poller_timer **heap;
	size_t n_heap, cap_heap;
	netkit_poller_event *batch;	/* the caller's array, last wait */
	uint32_t n_batch;		/* its events; 0: none to cancel */
	uint32_t seq;			/* the batch's number, from 1 */
	bool stale;			/* epoll reported no one's event */
	struct epoll_event eev[EPOLL_BATCH];
};

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

/* ---- the batch ---- */

static void
cancel_slot(netkit_poller *p, uint32_t batch, uint32_t slot)
{
	/* Only events: the event being handled may be this one, and its
	 * handler still reads its fd and data. Only an event of the last
	 * batch, and only in an array of more than one (a single event
	 * has no later one to cancel, and a helper that waits for one
	 * often returns a copy of it from an array that is gone: n_batch
	 * is 0 then). p->seq is never 0, a mark of no batch is. */
	if (batch == p->seq && slot < p->n_batch)
		p->batch[slot].events = 0;
}

/* A timer's batch and slot are in the caller's memory, and may be
 * garbage: its event is cancelled only where the last batch holds it. */
static void
cancel_timer(netkit_poller *p, const netkit_poller_timer *t)
{
	uint32_t slot = (uint32_t)t->slot;

	if (t->batch == p->seq && slot < p->n_batch &&
	    p->batch[slot].timer == t)
		p->batch[slot].events = 0;
}

/* A registration's mark: batch 0 is none. */
static void
cancel_mark(netkit_poller *p, uint64_t mark)
{
	cancel_slot(p, (uint32_t)(mark >> 32), (uint32_t)mark);
}

/* ---- the timer heap (1-based positions in t->index) ---- */

static void
heap_set(netkit_poller *p, size_t i, netkit_poller_timer *t)
{
	p->heap[i] = t;
	t->index = i + 1;
}

static void
sift_up(netkit_poller *p, size_t i)
{
	netkit_poller_timer *t = p->heap[i];
	size_t up;

	while (i > 0) {
		up = (i - 1) / 2;
		if (p->heap[up]->key <= t->key)
			break;
		heap_set(p, i, p->heap[up]);
		i = up;
	}
	heap_set(p, i, t);
}

static void
sift_down(netkit_poller *p, size_t i)
{
	netkit_poller_timer *t = p->heap[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= p->n_heap)
			break;
		if (c + 1 < p->n_heap && p->heap[c + 1]->key < p->heap[c]->key)
			c++;
		if (t->key <= p->heap[c]->key)
			break;
		heap_set(p, i, p->heap[c]);
		i = c;
	}
	heap_set(p, i, t);
}

static void
heap_remove(netkit_poller *p, netkit_poller_timer *t)
{
	size_t i = t->index - 1;
	netkit_poller_timer *last = p->heap[--p->n_heap];

	t->index = 0;
	if (last == t)
		return;
	heap_set(p, i, last);
	sift_up(p, i);
	sift_down(p, last->index - 1);
}

static int
heap_grow(netkit_poller *p)
{
	size_t cap = p->cap_heap ? p->cap_heap * 2 : 64;
	netkit_poller_timer **h;

	if (p->n_heap < p->cap_heap)
		return 0;
	h = realloc(p->heap, cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	p->heap = h;
	p->cap_heap = cap;
	return 0;
}

/* Does p's heap hold t where t says? Reads nothing through t's fields,
 * only compares them with p's own array: a timer never zeroed, or
 * running in another poller, claims a place it does not hold. */
static bool
timer_in(const netkit_poller *p, const netkit_poller_timer *t)
{
	return t->index - 1 < p->n_heap && p->heap[t->index - 1] == t;
}

/* A stopped timer (index 0), or one in p's heap. */
static bool
timer_ok(const netkit_poller *p, const netkit_poller_timer *t)
{
	return t->index == 0 || timer_in(p, t);
}

NETKIT_EXPORT int
netkit_poller_timer_start(netkit_poller *p, netkit_poller_timer *t,
			  netkit_deadline due, int64_t period)
{
	int64_t when = due.at;
	int rc;

	if (!p || !t || when < 0 || period < 0 || !timer_ok(p, t))
		return -EINVAL;
	if (t->index == 0 && (rc = heap_grow(p)) < 0)
		return rc;
	t->due = t->key = when;
	t->period = period;
	if (t->index == 0) {
		heap_set(p, p->n_heap++, t);
		sift_up(p, p->n_heap - 1);
	} else {
		sift_up(p, t->index - 1);
		sift_down(p, t->index - 1);
	}
	return 0;
}

NETKIT_EXPORT int
netkit_poller_timer_stop(netkit_poller *p, netkit_poller_timer *t)
{
	if (!p || !t || !timer_ok(p, t))
		return -EINVAL;
	cancel_timer(p, t);
	t->batch = 0;
	if (t->index != 0)
		heap_remove(p, t);
	return 0;
}

NETKIT_EXPORT int
netkit_poller_timer_defer(netkit_poller *p, netkit_poller_timer *t,
			  netkit_deadline due)
{
	int64_t when = due.at;
	if (!p || !t || when < 0)
		return -EINVAL;
	if (t->index == 0)
		return -ENOENT;
	if (!timer_in(p, t))
		return -EINVAL;
	t->due = when;
	if (when < t->key) {
		t->key = when;
		sift_up(p, t->index - 1);
	}
	return 0;
}

/* Moves the top timer, due at t->due, to its next time or out. */
static void
timer_fired(netkit_poller *p, netkit_poller_timer *t, int64_t now)
{
	if (t->period == 0) {
		heap_remove(p, t);
		return;
	}
	t->due = t->due > INT64_MAX - t->period ? INT64_MAX :
		 t->due + t->period;
	if (t->due < now)
		t->due = now > INT64_MAX - t->period ? INT64_MAX :
			 now + t->period;
	t->key = t->due;
	sift_down(p, 0);
}

/* Stores due timers (up to max) in ev; returns how many. A timer is due
 * once the clock is past its millisecond (key < now): netkit_now()
 * truncates, so netkit_deadline_in(ms) may be up to 1 ms less than ms
 * away, and firing at key itself could be early by that much (libuv
 * #4773). */
static int
run_timers(netkit_poller *p, netkit_poller_event *ev, int max, int64_t now)
{
	netkit_poller_timer *t;
	int n = 0;

	while (n < max && p->n_heap > 0 && p->heap[0]->key < now) {
		t = p->heap[0];
		if (t->due > t->key) {	/* deferred: catch up */
			t->key = t->due;
			sift_down(p, 0);
			continue;
		}
		ev[n] = (netkit_poller_event){ .data = t->data, .timer = t,
					       .fd = -1,
					       .events = NETKIT_POLLER_TIMER };
		t->batch = p->seq;
		t->slot = (int)(ev + n++ - p->batch);
		timer_fired(p, t, now);
	}
	return n;
}

/* ---- registrations ---- */

static int
regs_grow(netkit_poller *p, int fd)
{
	int cap = p->n_regs ? p->n_regs : 64;
	struct reg *r;

	if (fd < p->n_regs)
		return 0;
	if (fd == INT_MAX)
		return -EINVAL;
	while (cap <= fd)
		cap = cap > INT_MAX / 2 ? INT_MAX : cap * 2;
	r = realloc(p->regs, (size_t)cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	memset(r + p->n_regs, 0, (size_t)(cap - p->n_regs) * sizeof(*r));
	p->regs = r;
	p->n_regs = cap;
	return 0;
}

static int
pfds_grow(netkit_poller *p)
{
	int cap = p->cap_pfds ? p->cap_pfds * 2 : 64;
	struct pollfd *f;

	if (p->n_pfds < p->cap_pfds)
		return 0;
	f = realloc(p->pfds, (size_t)cap * sizeof(*f));
	if (!f)
		return -ENOMEM;
	p->pfds = f;
	p->cap_pfds = cap;
	return 0;
}

static short
poll_mask(unsigned interest)
{
	return (short)(((interest & NETKIT_POLLER_READ) ? POLLIN : 0) |
		       ((interest & NETKIT_POLLER_WRITE) ? POLLOUT : 0));
}

static uint32_t
epoll_mask(unsigned interest)
{
	return ((interest & NETKIT_POLLER_READ) ? EPOLLIN : 0) |
	       ((interest & NETKIT_POLLER_WRITE) ? EPOLLOUT : 0) |
	       ((interest & NETKIT_POLLER_EDGE) ? EPOLLET : 0) |
	       ((interest & NETKIT_POLLER_ONESHOT) ? EPOLLONESHOT : 0);
}

static int
epoll_ctl_on(int epfd, int op, int fd, unsigned interest, uint64_t tag)
{
	struct epoll_event ee = { .events = epoll_mask(interest) };

	ee.data.u64 = tag;
	if (NK_SYS(epoll_ctl)(epfd, op, fd, &ee) < 0)
		return netkit__errno();
	return 0;
}

static int
epoll_set(netkit_poller *p, int op, int fd, unsigned interest, uint64_t tag)
{
	return epoll_ctl_on(p->epfd, op, fd, interest, tag);
}

static int
check_interest(const netkit_poller *p, int fd, unsigned events)
{
	if (!p || fd < 0 || (events & ~INTEREST) ||
	    ((events & NETKIT_POLLER_EDGE) && (events & NETKIT_POLLER_ONESHOT)))
		return -EINVAL;
	if (p->use_poll && (events & NETKIT_POLLER_EDGE))
		return -EOPNOTSUPP;
	/* The poller's own descriptors are not the caller's to watch. */
	if (fd == p->epfd || fd == p->wake_rd || fd == p->wake_wr)
		return -EINVAL;
	return 0;
}

/* A new owner of r's descriptor number: older events are not its. */
static void
reg_retire(netkit_poller *p, struct reg *r)
{
	cancel_mark(p, r->mark);
	r->mark = 0;
	r->tag |= TAG_RETIRED;
}

/* The tag of fd's next registration: its generation one on. */
static uint64_t
next_tag(const netkit_poller *p, int fd)
{
	uint32_t gen = fd < p->n_regs ? reg_gen(&p->regs[fd]) + 1 : 1;

	gen += gen == 0;	/* 0 is no registration's */
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

/* The kernel's side of an add, made before the table grows to fd, so
 * that a refused add allocates nothing. epoll: the registration itself
 * (EEXIST: the kernel still watches this very file at this number, as
 * a removal after a close left it, the same file being back: take it
 * over). poll(2) has nothing to register: a number beyond the table is
 * checked to be open (within it, a closed one comes back as POLLNVAL
 * and is never polled again). */
static int
add_kernel(netkit_poller *p, int fd, unsigned events, uint64_t tag)
{
	int rc;

	if (p->use_poll) {
		if (fd < p->n_regs || NK_SYS(fcntl)(fd, F_GETFD) >= 0)
			return 0;
		return netkit__errno();
	}
	rc = epoll_set(p, EPOLL_CTL_ADD, fd, events, tag);
	if (rc == -EEXIST)
		rc = epoll_set(p, EPOLL_CTL_MOD, fd, events, tag);
	return rc;
}

/* poll(2): a pollfd for fd; its index, or a negative code. */
static int
add_poll(netkit_poller *p, int fd, unsigned events)
{
	int rc;

	if ((rc = pfds_grow(p)) < 0)
		return rc;
	p->pfds[p->n_pfds] = (struct pollfd){ .fd = fd,
					      .events = poll_mask(events) };
	return p->n_pfds++;
}

NETKIT_EXPORT int
netkit_poller_add(netkit_poller *p, int fd, unsigned events, void *data)
{
	struct reg *r;
	uint64_t tag;
	int rc;

	if ((rc = check_interest(p, fd, events)) < 0)
		return rc;
	/* A number is registered until removed, also when its descriptor
	 * was closed: the removal tells the caller of that (-EBADF). */
	if (fd < p->n_regs && reg_active(&p->regs[fd]))
		return -EEXIST;
	tag = next_tag(p, fd);
	if ((rc = add_kernel(p, fd, events, tag)) < 0)
		return rc;
	/* rc: 0, or the pollfd's index. */
	if ((rc = regs_grow(p, fd)) < 0 ||
	    (p->use_poll && (rc = add_poll(p, fd, events)) < 0)) {
		if (!p->use_poll)
			(void)NK_SYS(epoll_ctl)(p->epfd, EPOLL_CTL_DEL, fd,
						NULL);
		return rc;
	}
	r = &p->regs[fd];
	*r = (struct reg){ .data = data, .tag = tag, .interest = events };
	if (p->use_poll)
		r->pidx = rc;
	else
		r->armed = p->seq;
	return 0;
}

/* epoll: a registration armed again. ADD for a one-shot one that a
 * rebuild left out; -EBADF for a descriptor closed while registered
 * (ENOENT: its number has another file now). */
static int
modify_epoll(netkit_poller *p, int fd, struct reg *r, unsigned events)
{
	int rc;

	if (r->interest & REG_GONE)
		return -EBADF;
	rc = epoll_set(p, (r->interest & REG_OUT) ? EPOLL_CTL_ADD :
			  EPOLL_CTL_MOD, fd, events, r->tag);
	if (rc < 0)
		return rc == -ENOENT ? -EBADF : rc;
	/* An event of this batch came before; an older one is no use to
	 * cancel_mark() and would read as "fired since" (oneshot_fired). */
	r->armed = p->seq;
	if ((uint32_t)(r->mark >> 32) != p->seq)
		r->mark = 0;
	return 0;
}

NETKIT_EXPORT int
netkit_poller_modify(netkit_poller *p, int fd, unsigned events, void *data)
{
	struct reg *r;
	int rc;

	if ((rc = check_interest(p, fd, events)) < 0)
		return rc;
	if (fd >= p->n_regs || !reg_active(&p->regs[fd]))
		return -ENOENT;
	r = &p->regs[fd];
	if (p->use_poll)
		p->pfds[r->pidx].events = poll_mask(events);
	else if ((rc = modify_epoll(p, fd, r, events)) < 0)
		return rc;
	r->interest = events;
	r->data = data;
	return 0;
}

/* poll(2) ignores a negative fd: a closed descriptor sits there as ~fd
 * until removed. */
static int
pfd_fd(const struct pollfd *f)
{
	return f->fd < 0 ? ~f->fd : f->fd;
}

static void
forget(netkit_poller *p, int fd)
{
	struct reg *r = &p->regs[fd];
	int last;

	if (p->use_poll) {
		last = --p->n_pfds;
		if (r->pidx != last) {
			p->pfds[r->pidx] = p->pfds[last];
			p->regs[pfd_fd(&p->pfds[last])].pidx = r->pidx;
		}
	}
	reg_retire(p, r);
}

/* The kernel's side of a removal: 0, -EBADF when the descriptor was
 * closed while registered, or another code (nothing changed). epoll's
 * DEL tells by failing: EBADF (closed), ENOENT or EPERM (its number has
 * another file now, which is left alone). If the closed descriptor's
 * file lives on, epoll still watches it under the old tag: its events
 * are no one's, and the first of them makes the poller rebuild its set
 * without it (heal()). poll(2), and a registration a rebuild left out
 * of the set, have nothing to delete: a closed descriptor is one poll()
 * found invalid, or one fcntl() finds not open (a number already
 * reused goes unnoticed there). */
static int
remove_kernel(netkit_poller *p, int fd, const struct reg *r)
{
	int rc;

	if (r->interest & REG_GONE)
		return -EBADF;
	if (p->use_poll || (r->interest & REG_OUT)) {
		if (p->use_poll && p->pfds[r->pidx].fd < 0)
			return -EBADF;
		return NK_SYS(fcntl)(fd, F_GETFD) < 0 ? -EBADF : 0;
	}
	if (NK_SYS(epoll_ctl)(p->epfd, EPOLL_CTL_DEL, fd, NULL) == 0)
		return 0;
	rc = netkit__errno();
	return rc == -ENOENT || rc == -EPERM ? -EBADF : rc;
}

NETKIT_EXPORT int
netkit_poller_remove(netkit_poller *p, int fd)
{
	int rc;

	if (!p || fd < 0)
		return -EINVAL;
	if (fd >= p->n_regs || !reg_active(&p->regs[fd]))
		return -ENOENT;
	rc = remove_kernel(p, fd, &p->regs[fd]);
	if (rc < 0 && rc != -EBADF)
		return rc;
	/* Forgotten either way: a closed descriptor cannot be removed
	 * later, and its number may be registered again. */
	forget(p, fd);
	return rc;
}

/* ---- healing the epoll set ---- */

/* A one-shot registration that reported an event since it was last
 * armed, so disarmed: its latest event is of another batch than the
 * one it was armed in (modify_epoll() forgets an older one). Batch
 * numbers come back after 2^32 - 1 waits: an event exactly that many
 * waits after the arming would read as none. */
static bool
oneshot_fired(const struct reg *r)
{
	return (r->interest & NETKIT_POLLER_ONESHOT) && r->mark != 0 &&
	       (uint32_t)(r->mark >> 32) != r->armed;
}

/* Puts registration fd into the new set epfd. Asked first of the old
 * set: ADD of the file now at fd answers EEXIST only if it is the
 * registered one. Anything else means the descriptor was closed (its
 * number free, or another file's, which a bare ADD into the new set
 * would watch in its place): left out, REG_GONE. */
static int
heal_reg(netkit_poller *p, int epfd, int fd)
{
	struct reg *r = &p->regs[fd];
	int rc;

	if (!reg_active(r) || (r->interest & (REG_GONE | REG_OUT)))
		return 0;
	rc = epoll_set(p, EPOLL_CTL_ADD, fd, 0, 0);
	if (rc == 0)
		(void)NK_SYS(epoll_ctl)(p->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (rc == 0 || rc == -EBADF || rc == -EPERM || rc == -ELOOP ||
	    rc == -EINVAL) {
		r->interest |= REG_GONE;
		return 0;
	}
	if (rc != -EEXIST)
		return rc;
	if (oneshot_fired(r))
		return 0;
	return epoll_ctl_on(epfd, EPOLL_CTL_ADD, fd, r->interest, r->tag);
}

/* Builds the epoll set again, and closes the old one: the only way to
 * make the kernel stop watching a file whose descriptor was closed
 * while registered (epoll_ctl() names a file by a descriptor, and none
 * is left). In the new set: the wake-up and every registration whose
 * descriptor is still its own (heal_reg()), but not a one-shot one
 * that fired (REG_OUT: it waits, disarmed, for modify()). An
 * edge-triggered one may report its state once more. O(registrations)
 * system calls, only when such a file reports. */
static NETKIT__NOINLINE int
heal(netkit_poller *p)
{
	int epfd, fd, rc;

	epfd = NK_SYS(epoll_create1)(EPOLL_CLOEXEC);
	if (epfd < 0)
		return netkit__errno();
	rc = epoll_ctl_on(epfd, EPOLL_CTL_ADD, p->wake_rd, NETKIT_POLLER_READ,
			  p->wake_tag);
	for (fd = 0; rc == 0 && fd < p->n_regs; fd++)
		rc = heal_reg(p, epfd, fd);
	if (rc < 0) {
		NK_SYS(close)(epfd);
		return rc;
	}
	NK_SYS(close)(p->epfd);
	p->epfd = epfd;
	for (fd = 0; fd < p->n_regs; fd++)
		if (reg_active(&p->regs[fd]) &&
		    !(p->regs[fd].interest & REG_GONE) &&
		    oneshot_fired(&p->regs[fd]))
			p->regs[fd].interest |= REG_OUT;
	return 0;
}

/* A wait whose epoll events included one of no registration: waiting
 * again would get it again at once. Returns the n events collected, or
 * the rebuild's failure when there are none (the next wait tries it
 * again): a code, never a loop. */
static NETKIT__NOINLINE int
heal_after(netkit_poller *p, int n)
{
	int rc;

	p->stale = false;
	rc = heal(p);
	return rc < 0 && n == 0 ? rc : n;
}

/* ---- the wake-up ---- */

NETKIT_EXPORT int
netkit_poller_wake(netkit_poller *p)
{
	static const uint64_t one = 1;
	int saved = errno;
	ssize_t n;

	if (!p)
		return -EINVAL;
	if (atomic_exchange(&p->wake_pending, 1) == 0) {
		/* EAGAIN: the counter or pipe is full, hence readable. */
		NETKIT__RETRY(n, NK_SYS(write)(p->wake_wr, &one,
					       p->use_poll ? 1 : sizeof(one)));
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
static void
wake_drain(netkit_poller *p)
{
	uint64_t buf[8];
	ssize_t n;

	NETKIT__RETRY(n, NK_SYS(read)(p->wake_rd, buf, sizeof(buf)));
	(void)n;
	atomic_store(&p->wake_pending, 0);
}

static void
put_wake(netkit_poller *p, netkit_poller_event *ev)
{
	wake_drain(p);
	*ev = (netkit_poller_event){ .fd = -1, .events = NETKIT_POLLER_WAKE };
}

/* ---- collecting events ---- */

/* Our event bits are the kernel's: no translation per event. */
_Static_assert(EPOLLIN == NETKIT_POLLER_READ &&
	       EPOLLOUT == NETKIT_POLLER_WRITE &&
	       EPOLLERR == NETKIT_POLLER_ERR &&
	       EPOLLHUP == NETKIT_POLLER_HUP, "epoll's event bits");
_Static_assert(POLLIN == NETKIT_POLLER_READ &&
	       POLLOUT == NETKIT_POLLER_WRITE &&
	       POLLERR == NETKIT_POLLER_ERR &&
	       POLLHUP == NETKIT_POLLER_HUP, "poll's event bits");

/* Stores an event of registration fd at e, the batch's event at slot
 * mark (batch << 32 | index in the caller's array). what holds only
 * FD_EVENTS bits: epoll and poll(2) report what was asked for, and
 * EPOLLERR/EPOLLHUP (POLLERR/POLLHUP), nothing else. */
static inline void
put_fd(struct reg *r, netkit_poller_event *e, int fd, unsigned what,
       uint64_t mark)
{
	/* Field by field: a compound literal costs a zeroing first. */
	e->data = r->data;
	e->timer = NULL;
	e->fd = fd;
	e->events = what;
	r->mark = mark;
}

/* The mark of the event at e in this batch. */
static inline uint64_t
mark_of(const netkit_poller *p, const netkit_poller_event *e)
{
	return (uint64_t)p->seq << 32 | (uint32_t)(e - p->batch);
}

/* Out of line: its loop gets registers of its own. */
static NETKIT__NOINLINE int
collect_epoll(netkit_poller *p, netkit_poller_event *ev, int got)
{
	const struct epoll_event *ee = p->eev, *end = p->eev + got;
	struct reg *regs = p->regs, *r;
	netkit_poller_event *e = ev;
	uint64_t tag, mark = mark_of(p, ev);

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
			if (tag == p->wake_tag) {
				put_wake(p, e++);
				mark++;
			} else {
				p->stale = true;	/* see heal() */
			}
			continue;
		}
		put_fd(r, e++, (int)(uint32_t)tag, ee->events, mark++);
	}
	return (int)(e - ev);
}

/* poll(2): ONESHOT is emulated by disarming; a closed descriptor
 * (POLLNVAL) is no longer polled, as epoll drops it, until removed. */
static int
collect_poll(netkit_poller *p, netkit_poller_event *ev, int max)
{
	struct pollfd *f;
	uint64_t mark;
	int i, n = 0;

	if (p->pfds[0].revents && n < max) {
		put_wake(p, &ev[n++]);
		p->pfds[0].revents = 0;
	}
	mark = mark_of(p, ev + n);
	for (i = p->n_pfds - 1; i >= 1 && n < max; i--) {
		f = &p->pfds[i];
		if (!f->revents)
			continue;
		if (f->revents & POLLNVAL) {
			f->fd = ~f->fd;
			f->revents = 0;
			continue;
		}
		put_fd(&p->regs[f->fd], &ev[n++], f->fd,
		       (unsigned)f->revents & FD_EVENTS, mark++);
		if (p->regs[f->fd].interest & NETKIT_POLLER_ONESHOT)
			f->events = 0;
		f->revents = 0;
	}
	return n;
}

/* One system call: returns events stored, or a negative errno (EINTR
 * included: the caller decides). */
static int
backend_wait(netkit_poller *p, netkit_poller_event *ev, int max, int ms)
{
	int got;

	if (p->use_poll) {
		got = NK_SYS(poll)(p->pfds, (nfds_t)p->n_pfds, ms);
		if (got < 0)
			return netkit__errno();
		return got == 0 ? 0 : collect_poll(p, ev, max);
	}
	got = NK_SYS(epoll_wait)(p->epfd, p->eev,
				 max < EPOLL_BATCH ? max : EPOLL_BATCH, ms);
	if (got < 0)
		return netkit__errno();
	got = collect_epoll(p, ev, got);
	if (NETKIT__UNLIKELY(p->stale))
		return heal_after(p, got);
	return got;
}

/* The wait's timeout: until the deadline or the first timer's key. */
static int
wait_ms(const netkit_poller *p, int64_t deadline, int64_t ns)
{
	int64_t until = deadline, key;

	/* A timer is due 1 ms after its key (see run_timers()). */
	if (p->n_heap > 0) {
		key = p->heap[0]->key;
		key = key == INT64_MAX ? key : key + 1;
		if (until == NETKIT__NEVER || key < until)
			until = key;
	}
	return timeout_until(until, ns);
}

NETKIT_EXPORT int
netkit_poller_wait(netkit_poller *p, netkit_poller_event *ev, int max,
		   netkit_deadline dl)
{
	int64_t deadline = dl.at;
	int64_t ns;
	int n, rc, ms;

	if (!p || !ev || max < 1 || !netkit__deadline_ok(deadline))
		return -EINVAL;
	p->batch = ev;
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
			n = run_timers(p, ev, max, ns / 1000000);
			ms = n > 0 ? 0 : wait_ms(p, deadline, ns);
		}
		rc = n == max ? 0 : backend_wait(p, ev + n, max - n, ms);
		if (rc > 0)
			n += rc;
		/* With timers due, a failure waits for the next wait: they
		 * have left the heap, their events are all there is. */
		else if (rc < 0 && rc != -EINTR && rc != -EAGAIN && n == 0)
			return rc;
		if (n > 0 || (deadline != NETKIT__NEVER &&
			      now_ns() / 1000000 >= deadline)) {
			/* One event: nothing later in it to cancel. */
			p->n_batch = max > 1 ? (uint32_t)n : 0;
			return n;
		}
	}
}

/* ---- life ---- */

static int
open_wake(netkit_poller *p)
{
	int fds[2];

	if (!p->use_poll) {
		p->wake_rd = NK_SYS(eventfd)(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->wake_rd < 0)
			return netkit__errno();
		p->wake_wr = p->wake_rd;
		return 0;
	}
	if (NK_SYS(pipe2)(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return netkit__errno();
	p->wake_rd = fds[0];
	p->wake_wr = fds[1];
	return 0;
}

static int
open_backend(netkit_poller *p)
{
	int rc;

	if ((rc = open_wake(p)) < 0)
		return rc;
	/* The wake-up's number gets an entry (never active) first. */
	if ((rc = regs_grow(p, p->wake_rd)) < 0)
		return rc;
	if (p->use_poll) {
		if ((rc = pfds_grow(p)) < 0)
			return rc;
		p->pfds[p->n_pfds++] = (struct pollfd){ .fd = p->wake_rd,
							.events = POLLIN };
		return 0;
	}
	p->epfd = NK_SYS(epoll_create1)(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		return netkit__errno();
	p->wake_tag = (uint64_t)WAKE_GEN << 32 | (uint32_t)p->wake_rd;
	return epoll_ctl_on(p->epfd, EPOLL_CTL_ADD, p->wake_rd,
			    NETKIT_POLLER_READ, p->wake_tag);
}

NETKIT_EXPORT int
netkit_poller_new(netkit_poller **out, unsigned flags)
{
	netkit_poller *p;
	int rc;

	if (!out || (flags & ~NETKIT_POLLER_USE_POLL))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->use_poll = flags & NETKIT_POLLER_USE_POLL;
	p->epfd = p->wake_rd = p->wake_wr = -1;
	atomic_init(&p->wake_pending, 0);
	if ((rc = open_backend(p)) < 0) {
		netkit_poller_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

NETKIT_EXPORT void
netkit_poller_free(netkit_poller *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_heap; i++)
		p->heap[i]->index = 0;
	if (p->epfd >= 0)
		NK_SYS(close)(p->epfd);
	if (p->wake_wr >= 0 && p->wake_wr != p->wake_rd)
		NK_SYS(close)(p->wake_wr);
	if (p->wake_rd >= 0)
		NK_SYS(close)(p->wake_rd);
	free(p->regs);
	free(p->pfds);
	free(p->heap);
	free(p);
}
