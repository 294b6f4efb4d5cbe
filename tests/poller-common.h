/* SPDX-License-Identifier: MIT */
/*
 * What the poller suites share: each test runs on both backends
 * (run 0: epoll, run 1: poll(2)), a poller of run i's backend, a
 * connected Unix stream pair, and the events of a batch one at a time.
 */
#ifndef NETKIT_TEST_POLLER_COMMON_H
#define NETKIT_TEST_POLLER_COMMON_H

#include <sys/socket.h>
#include <time.h>

#include <check.h>
#include <netkit.h>

#include "helpers.h"
#include "timing.h"

#define BACKEND(i) ((i) ? NETKIT_POLLER_USE_POLL : 0u)
#define ADD_BOTH(s, t) suite_add_tcase((s), nk_tcase_with(#t, (t), 2))

/* next_event()'s place in the batch it took last (the poller's
 * array, valid until p's next wait). */
static struct {
	netkit_poller *p;
	const netkit_poller_event *ev;
	int n, i;
} nk_batch;

static inline netkit_poller *
new_poller(int i)
{
	netkit_poller *p = NULL;

	nk_batch.p = NULL;	/* a new poller may have an old one's address */

	ck_assert_int_eq(netkit_poller_new(&p, BACKEND(i)), 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* The next event of p that is not cancelled, within ms (scaled): the
 * events of a batch one at a time, then the next wait. A test that
 * waits on p itself in between does so when none is left; one that
 * turns to another poller has taken every event of this one's. */
static inline netkit_poller_event
next_event(netkit_poller *p, int64_t ms)
{
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(ms));
	const netkit_poller_event *e;
	int n;

	if (nk_batch.p != p) {
		while (nk_batch.p && nk_batch.i < nk_batch.n)
			ck_assert_msg(nk_batch.ev[nk_batch.i++].events == 0,
				      "another poller's event left unread");
		nk_batch.p = p;
		nk_batch.n = nk_batch.i = 0;
	}
	for (;;) {
		while (nk_batch.i < nk_batch.n) {
			e = &nk_batch.ev[nk_batch.i++];
			if (e->events != 0)
				return *e;
		}
		n = netkit_poller_wait(p, &nk_batch.ev, dl);
		ck_assert_msg(n > 0, "no event within %lld ms (%s)",
			      (long long)ms, n < 0 ? netkit_errname(n) : "0");
		nk_batch.n = n;
		nk_batch.i = 0;
	}
}

/* A thread's body: wakes poller arg 200 ms after it starts. */
static inline void *
wake_later(void *arg)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	ck_assert_int_eq(netkit_poller_wake(arg), 0);
	return NULL;
}

static inline void
unix_pair(int *a, int *b)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    sv), 0);
	*a = sv[0];
	*b = sv[1];
}

#endif
