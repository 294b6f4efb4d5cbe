/* SPDX-License-Identifier: MIT */
/*
 * The poller against a caller's mistakes: a timer never zeroed, or
 * running in another poller. Each is answered with a code: nothing
 * crashes, and the poller goes on serving everything else. Every test
 * runs on both backends: _i == 0 is epoll, _i == 1 poll(2).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netkit-private.h"

#include "fault.h"
#include "helpers.h"
#include "timing.h"

#define BACKEND(i) ((i) ? NETKIT_POLLER_USE_POLL : 0u)
#define ADD_BOTH(s, t) suite_add_tcase((s), nk_tcase_with(#t, (t), 2))

static netkit_poller *
new_poller(int i)
{
	netkit_poller *p = NULL;

	ck_assert_int_eq(netkit_poller_new(BACKEND(i), &p), 0);
	return p;
}

/* The next event that is not cancelled, within 5 s. */
static netkit_poller_event
next_event(netkit_poller *p)
{
	netkit_poller_event ev[4];
	int64_t dl = netkit_deadline_in(nk_scaled_ms(5000));
	int n;

	do {
		n = netkit_poller_wait(p, ev, 1, dl);
		ck_assert_msg(n == 1, "no event within 5 s (%d)", n);
	} while (ev[0].events == 0);
	return ev[0];
}

/* ---- timers (finding 4) ---- */

/* A timer in malloc'd memory that was never zeroed: its fields claim a
 * place in a heap. Every call taking it answers -EINVAL, nothing
 * crashes, and the poller's own timers go on. */
START_TEST(timer_never_zeroed_is_refused)
{
	netkit_poller *p = new_poller(_i);
	netkit_poller_timer *bad = malloc(sizeof(*bad)), good = { 0 };
	netkit_poller_event ev;

	ck_assert_ptr_nonnull(bad);
	memset(bad, SENTINEL, sizeof(*bad));
	ck_assert_int_eq(netkit_poller_timer_start(p, bad, netkit_now(), 0),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_defer(p, bad, netkit_now()),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_stop(p, bad), -EINVAL);
	/* With one timer in the heap, and garbage pointing at it. */
	ck_assert_int_eq(netkit_poller_timer_start(p, &good,
				netkit_deadline_in(10), 0), 0);
	bad->index = 1;
	ck_assert_int_eq(netkit_poller_timer_start(p, bad, 0, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_stop(p, bad), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_defer(p, bad, 0), -EINVAL);
	ev = next_event(p);
	ck_assert_ptr_eq(ev.timer, &good);
	/* Zeroed, it is an ordinary timer. */
	memset(bad, 0, sizeof(*bad));
	ck_assert_int_eq(netkit_poller_timer_start(p, bad, 0, 0), 0);
	ev = next_event(p);
	ck_assert_ptr_eq(ev.timer, bad);
	netkit_poller_free(p);
	free(bad);
}
END_TEST

/* A timer running in poller q, handed to poller p: refused by p, and
 * still q's, where it fires. */
START_TEST(timer_running_in_another_poller_is_refused)
{
	netkit_poller *p = new_poller(_i), *q = new_poller(_i);
	netkit_poller_timer mine = { 0 }, theirs = { 0 };
	netkit_poller_event ev;
	int64_t when = netkit_deadline_in(30);

	ck_assert_int_eq(netkit_poller_timer_start(p, &mine,
				netkit_deadline_in(60), 0), 0);
	ck_assert_int_eq(netkit_poller_timer_start(q, &theirs, when, 0), 0);
	ck_assert_int_eq(netkit_poller_timer_start(p, &theirs, when, 0),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_defer(p, &theirs, when),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_stop(p, &theirs), -EINVAL);
	ev = next_event(q);
	ck_assert_ptr_eq(ev.timer, &theirs);
	ck_assert_int_gt(netkit_now(), when);
	ev = next_event(p);
	ck_assert_ptr_eq(ev.timer, &mine);
	/* Stopped in q (it fired), it may start in p. */
	ck_assert_int_eq(netkit_poller_timer_start(p, &theirs, 0, 0), 0);
	ev = next_event(p);
	ck_assert_ptr_eq(ev.timer, &theirs);
	netkit_poller_free(q);
	netkit_poller_free(p);
}
END_TEST

/* A stopped timer whose private fields are garbage (its batch that of
 * the last wait, its slot anywhere): stopping it cancels no event of
 * another, and writes nowhere else. */
START_TEST(stopped_timer_with_garbage_slot_cancels_nothing)
{
	netkit_poller *p = new_poller(_i);
	netkit_poller_timer t[2], bad;
	netkit_poller_event ev[4];
	int64_t when = netkit_now();
	int j;

	memset(t, 0, sizeof(t));
	for (j = 0; j < 2; j++)
		ck_assert_int_eq(netkit_poller_timer_start(p, &t[j], when, 0),
				 0);
	while (netkit_now() <= when)	/* both due before the wait */
		;
	ck_assert_int_eq(netkit_poller_wait(p, ev, 4, 0), 2);
	memset(&bad, SENTINEL, sizeof(bad));
	bad.index = 0;
	bad.batch = t[0].batch;
	for (j = 0; j < 2; j++) {
		bad.slot = j;
		ck_assert_int_eq(netkit_poller_timer_stop(p, &bad), 0);
		ck_assert_uint_eq(ev[j].events, NETKIT_POLLER_TIMER);
	}
	bad.slot = 1 << 24;
	ck_assert_int_eq(netkit_poller_timer_stop(p, &bad), 0);
	bad.slot = -1;
	ck_assert_int_eq(netkit_poller_timer_stop(p, &bad), 0);
	/* The real owner of an event still cancels it. */
	ck_assert_int_eq(netkit_poller_timer_stop(p, ev[1].timer), 0);
	ck_assert_uint_eq(ev[1].events, 0);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_TIMER);
	netkit_poller_free(p);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("poller-misuse");

	ADD_BOTH(s, timer_never_zeroed_is_refused);
	ADD_BOTH(s, timer_running_in_another_poller_is_refused);
	ADD_BOTH(s, stopped_timer_with_garbage_slot_cancels_nothing);
	return s;
}
