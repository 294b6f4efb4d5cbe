/* SPDX-License-Identifier: MIT */
/*
 * The poller's insides, shared by its files. Not installed.
 *
 *   poller.c        the core: registrations, the wait loop, the batch
 *   poller-timers.c the caller's timers in a heap, deferred timers
 *   poller-wake.c   the wake-up (an eventfd or a pipe)
 *   poller-epoll.c  one backend per file, behind struct
 *   poller-poll.c   netkit__poller_backend, chosen at netkit_poller_new()
 *
 * Registrations live in a table indexed by descriptor number. Each
 * carries a generation, bumped whenever the number changes owner, in
 * its tag (generation << 32 | fd): a backend that hands the kernel a
 * 64-bit value (epoll) gives it the tag, so that an event of an older
 * registration (a closed descriptor whose file lives on in a dup) is
 * dropped by one comparison. Within one batch, a registration or timer
 * remembers where its event sits (its mark: batch << 32 | index), so
 * removing it cancels that event in O(1).
 */
#ifndef NETKIT_POLLER_PRIVATE_H
#define NETKIT_POLLER_PRIVATE_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netkit-private.h"

/* The most events a wait hands back: the poller's own array. */
#define NETKIT__POLLER_BATCH 256

/* Interest bits a caller may ask for; the bits an fd event carries. */
#define NETKIT__INTEREST (NETKIT_POLLER_READ | NETKIT_POLLER_WRITE | \
			  NETKIT_POLLER_EDGE | NETKIT_POLLER_ONESHOT)
#define NETKIT__FD_EVENTS (NETKIT_POLLER_READ | NETKIT_POLLER_WRITE | \
			   NETKIT_POLLER_HUP | NETKIT_POLLER_ERR)

/* True when a kernel's bits for readable, writable, error and hang-up
 * are ours: its backend passes them on untranslated, both ways. */
#define NETKIT__SAME_BITS(in, out, err, hup) \
	((in) == NETKIT_POLLER_READ && (out) == NETKIT_POLLER_WRITE && \
	 (err) == NETKIT_POLLER_ERR && (hup) == NETKIT_POLLER_HUP)

/* A registration (32 bytes). Generations start at 1; a retired entry
 * keeps its generation with NETKIT__TAG_RETIRED set, a value no live
 * tag has (fd < 2^31), and a fresh one is all zero (generation 0). */
struct netkit__reg {
	void *data;
	uint64_t mark;		/* batch << 32 | index of its latest event */
	uint64_t tag;
	uint16_t interest;	/* NETKIT__INTEREST bits */
	uint16_t flags;		/* the backend's */
	uint32_t slot;		/* the backend's */
};

/* The header's limits say 32 bytes per descriptor number. */
_Static_assert(sizeof(struct netkit__reg) <= 32, "a registration's size");

#define NETKIT__TAG_RETIRED (UINT64_C(1) << 31)

static inline uint32_t
netkit__reg_gen(const struct netkit__reg *r)
{
	return (uint32_t)(r->tag >> 32);
}

static inline bool
netkit__reg_active(const struct netkit__reg *r)
{
	return netkit__reg_gen(r) != 0 && !(r->tag & NETKIT__TAG_RETIRED);
}

/* The wake-up: an eventfd (rd == wr) or a pipe. */
struct netkit__wake {
	int rd, wr;
	atomic_int pending;	/* a wake was written and not yet read */
};

struct netkit__poller_backend;

struct netkit_poller {
	const struct netkit__poller_backend *be;
	int backend_fd;		/* the backend's own descriptor, or -1 */
	struct netkit__wake wake;
	struct netkit__reg *regs;
	int n_regs;
	netkit_poller_timer **heap;
	size_t n_heap, cap_heap;
	uint32_t n_batch;	/* events in the batch of the last wait */
	uint32_t seq;		/* the batch's number, from 1 */
	/* Told of each event of the batch cancelled (a loop on top,
	 * which copied it into its own batch), or NULL. */
	void (*on_cancel)(void *arg, uint32_t slot);
	void *cancel_arg;
	/* The batch: handed to the caller, valid until the next wait. */
	netkit_poller_event events[NETKIT__POLLER_BATCH];
	max_align_t state[];	/* the backend's, be->size bytes */
};

/*
 * A backend: the kernel's side of the registrations and of the wait.
 * A new backend is one file defining one of these, and a line in
 * netkit_poller_new() that chooses it. Every call gets a checked
 * argument (a descriptor the core found registered, or not, as said).
 */
struct netkit__poller_backend {
	/* Bytes of state it keeps in p->state. */
	size_t size;
	/* The interest bits it can watch; others are -EOPNOTSUPP. */
	unsigned interest;
	/* Its wake-up: a pipe (true) or an eventfd. */
	bool wake_pipe;
	/* Sets itself up, p->wake being open: watches p->wake.rd. */
	int (*open)(netkit_poller *p);
	/* Frees what open() made, also after a failed open(). */
	void (*close)(netkit_poller *p);
	/* Watches fd, not registered: the kernel's side first, then
	 * netkit__poller_grow(p, fd) (so that a refused add allocates
	 * nothing), then its own fields (flags, slot) of p->regs[fd]. A
	 * failure changes nothing. */
	int (*add)(netkit_poller *p, int fd, unsigned events, uint64_t tag);
	/* New interest for registration r of fd; a failure changes
	 * nothing. */
	int (*modify)(netkit_poller *p, int fd, struct netkit__reg *r,
		      unsigned events);
	/* Stops watching registration r of fd: 0, or -EBADF when the
	 * descriptor was closed while registered (forgotten all the
	 * same); another code changes nothing. */
	int (*remove)(netkit_poller *p, int fd, struct netkit__reg *r);
	/* One wait of at most ms (-1: no end): stores up to max events
	 * (1 to NETKIT__POLLER_BATCH) at ev, a place in p->events, with
	 * netkit__poller_put_fd() and netkit__wake_event(); returns how
	 * many, or a negative errno (EINTR too). */
	int (*wait)(netkit_poller *p, netkit_poller_event *ev, int max,
		    int ms);
};

/* Defines backend name from its functions prefix_open, prefix_close,
 * prefix_add, prefix_modify, prefix_remove and prefix_wait. */
#define NETKIT__POLLER_BACKEND(name, prefix, state, interest_, pipe) \
	const struct netkit__poller_backend name = { \
		.size = sizeof(state), .interest = (interest_), \
		.wake_pipe = (pipe), .open = prefix##_open, \
		.close = prefix##_close, .add = prefix##_add, \
		.modify = prefix##_modify, .remove = prefix##_remove, \
		.wait = prefix##_wait, \
	}

extern const struct netkit__poller_backend netkit__poller_epoll;
extern const struct netkit__poller_backend netkit__poller_poll;

/* ---- the tables: inline, as every file grows one ---- */

/* Grows the registration table to hold fd: the backends call it once
 * the kernel took a descriptor, so that a refused add grows nothing. */
static inline int
netkit__poller_grow(netkit_poller *p, int fd)
{
	int cap = p->n_regs ? p->n_regs : 64;
	struct netkit__reg *r;

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

/* The array arr of *cap elements of size bytes, with room for n + 1:
 * arr itself, a larger copy (*cap doubled, from 64), or NULL (arr
 * untouched, no memory). */
static inline void *
netkit__poller_room(void *arr, size_t n, size_t *cap, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *a;

	if (n < *cap)
		return arr;
	a = realloc(arr, c * size);
	if (a)
		*cap = c;
	return a;
}

/* The backend's state (be->size bytes). */
static inline void *
netkit__poller_state(netkit_poller *p)
{
	return p->state;
}

/* ---- the batch ---- */

/* The mark of the event at e in this batch. */
static inline uint64_t
netkit__poller_mark(const netkit_poller *p, const netkit_poller_event *e)
{
	return (uint64_t)p->seq << 32 | (uint32_t)(e - p->events);
}

/* Cancels the event at slot of batch, if that is the last batch's:
 * only its events, as the event being handled may be this one, and its
 * handler still reads its fd and data. p->seq is never 0, the mark of
 * no batch is. */
static inline void
netkit__poller_cancel(netkit_poller *p, uint64_t mark)
{
	uint32_t batch = (uint32_t)(mark >> 32), slot = (uint32_t)mark;

	if (batch == p->seq && slot < p->n_batch) {
		p->events[slot].events = 0;
		if (p->on_cancel)
			p->on_cancel(p->cancel_arg, slot);
	}
}

/* Stores an event of registration r (descriptor fd) at e, whose mark
 * is mark. what holds only NETKIT__FD_EVENTS bits: epoll and poll(2)
 * report what was asked for, and ERR/HUP, nothing else. */
static inline void
netkit__poller_put_fd(struct netkit__reg *r, netkit_poller_event *e, int fd,
		      unsigned what, uint64_t mark)
{
	/* Field by field: a compound literal costs a zeroing first. */
	e->data = r->data;
	e->timer = NULL;
	e->fd = fd;
	e->events = what;
	r->mark = mark;
}

/* ---- the timers (poller-timers.c) ---- */

/* Stores due timers (up to max) at ev; returns how many. now: ms. */
int netkit__timers_run(netkit_poller *p, netkit_poller_event *ev, int max,
		       int64_t now);
/* Marks every running timer stopped, as the poller goes. */
void netkit__timers_free(netkit_poller *p);

/* The time the first timer is due at, or NETKIT__NEVER: a timer is
 * due 1 ms after its key (see netkit__timers_run()). */
static inline int64_t
netkit__timers_next(const netkit_poller *p)
{
	int64_t key;

	if (p->n_heap == 0)
		return NETKIT__NEVER;
	key = p->heap[0]->key;
	return key == INT64_MAX ? key : key + 1;
}

/* ---- the wake-up (poller-wake.c) ---- */

int netkit__wake_open(struct netkit__wake *w, bool pipe);
void netkit__wake_close(struct netkit__wake *w);
/* Empties the wake-up and stores its event at e. */
void netkit__wake_event(netkit_poller *p, netkit_poller_event *e);

#endif
