/* SPDX-License-Identifier: MIT */
/*
 * The poller's timers: the caller's structs in a binary heap ordered by
 * key (1-based positions in t->index, 0: stopped). A deferred timer
 * keeps its key and stores its later time in due: the heap catches up
 * only when the old key comes (libev's "be smart about timeouts").
 *
 * A timer's fields are in the caller's memory and may be garbage: a
 * timer is believed to be in the heap only if the heap holds it at the
 * place it claims, and nothing is read through its fields.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "poller-private.h"

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
	netkit_poller_timer **h = netkit__poller_room(p->heap, p->n_heap,
						      &p->cap_heap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	p->heap = h;
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

/* A timer's batch and slot may be garbage: its event is cancelled only
 * where the last batch holds it. */
static void
cancel_timer(netkit_poller *p, const netkit_poller_timer *t)
{
	uint32_t slot = (uint32_t)t->slot;

	if (t->batch == p->seq && slot < p->n_batch &&
	    p->events[slot].timer == t)
		netkit__poller_cancel(p, (uint64_t)p->seq << 32 | slot);
}

NETKIT_EXPORT int
netkit_poller_timer_start(netkit_poller *p, netkit_poller_timer *t,
			  netkit_deadline due, int64_t period)
{
	int64_t when = due.at;
	int rc;

	if (!p || !t || when < 0 || period < 0 || !timer_ok(p, t))
		return -EINVAL;
	/* Zeroed before its first use, as later versions will expect;
	 * a running timer's is the poller's. */
	if (t->index == 0 && !NETKIT__RESERVED_ZERO(t))
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
netkit_poller_timer_start_in(netkit_poller *p, netkit_poller_timer *t,
			     int64_t ms, int64_t period)
{
	/* Never early though netkit_now() truncates: a timer is due only
	 * once the clock is past its millisecond (netkit__timers_run()). */
	if (ms < 0)
		return -EINVAL;
	return netkit_poller_timer_start(p, t, netkit_deadline_in(ms), period);
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

/* A timer is due once the clock is past its millisecond (key < now):
 * netkit_now() truncates, so netkit_deadline_in(ms) may be up to 1 ms
 * less than ms away, and firing at key itself could be early by that
 * much (libuv #4773). */
int
netkit__timers_run(netkit_poller *p, netkit_poller_event *ev, int max,
		   int64_t now)
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
		t->slot = (int)(ev + n++ - p->events);
		timer_fired(p, t, now);
	}
	return n;
}

void
netkit__timers_free(netkit_poller *p)
{
	size_t i;

	for (i = 0; i < p->n_heap; i++)
		p->heap[i]->index = 0;
	free(p->heap);
}
