/* SPDX-License-Identifier: MIT */
/*
 * The poller's batch: the events are the poller's own array, unchanged
 * until the next wait whatever the caller does with its own memory,
 * and the poller never writes the caller's; a change made while
 * handling one event cancels a later event of the same batch in that
 * array; the batch's size; the two calls that take
 * a relative time (netkit_poller_wait_for(), netkit_poller_timer_
 * start_in()), never early; a timer's reserved space. Every test runs
 * on both backends: _i == 0 is epoll, _i == 1 poll(2).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "poller-common.h"
#include "timing.h"

#define N_PAIRS 3

/* TCP connections over loopback, the server sides registered with
 * &tag[j], each with a byte to read (there already: one wait takes
 * them all). */
struct conns {
	int cli[N_PAIRS], srv[N_PAIRS], tag[N_PAIRS];
};

static void
open_ready(netkit_poller *p, struct conns *c)
{
	int j;

	for (j = 0; j < N_PAIRS; j++) {
		nk_tcp_pair(AF_INET, &c->cli[j], &c->srv[j]);
		ck_assert_int_eq(netkit_poller_add(p, c->srv[j],
				 NETKIT_POLLER_READ, &c->tag[j]), 0);
		ck_assert_int_eq(netkit_send(c->cli[j], "x", 1), 1);
		ck_assert(nk_readable(c->srv[j], (int)nk_scaled_ms(5000)));
	}
}

static void
close_conns(netkit_poller *p, struct conns *c)
{
	int j;

	for (j = 0; j < N_PAIRS; j++) {
		(void)netkit_poller_remove(p, c->srv[j]);
		netkit_close(c->srv[j]);
		netkit_close(c->cli[j]);
	}
}

/* Waits (bounded) until one batch holds want events. */
static int
wait_batch(netkit_poller *p, const netkit_poller_event **ev, int want)
{
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(5000));
	int n;

	do
		n = netkit_poller_wait(p, ev, dl);
	while (n >= 0 && n < want && netkit_now() < dl.at);
	ck_assert_msg(n == want, "%d events, not %d", n, want);
	return n;
}

/* A helper that waits in a frame of its own, and returns: what it
 * hands back is the poller's, not its dead frame. */
static __attribute__((noinline)) const netkit_poller_event *
wait_in_a_helper(netkit_poller *p, int *n)
{
	const netkit_poller_event *ev = NULL;

	*n = wait_batch(p, &ev, N_PAIRS + 1);
	return ev;
}

/* The caller's stack and heap, written over. */
static __attribute__((noinline)) void
reuse_my_memory(void)
{
	volatile unsigned char frame[16384];
	unsigned char *heap;
	size_t j;

	for (j = 0; j < sizeof(frame); j++)
		frame[j] = 0x5a;
	heap = malloc(65536);
	ck_assert_ptr_nonnull(heap);
	memset(heap, 0xa5, 65536);
	free(heap);
}

/* Three readable connections and a due timer in one batch. The caller
 * reuses its own memory, and changes registrations and timers that are
 * not in the batch: every event stays as it was until the next wait. */
START_TEST(events_stay_unchanged_until_the_next_wait)
{
	netkit_poller *p = new_poller(_i);
	netkit_poller_timer due = { 0 }, other = { 0 };
	netkit_poller_event copy[N_PAIRS + 1];
	const netkit_poller_event *ev;
	struct conns c;
	int64_t when = netkit_now();
	int a, b, n;

	open_ready(p, &c);
	ck_assert_int_eq(netkit_poller_timer_start(p, &due,
				netkit_deadline_at(when), 0), 0);
	while (netkit_now() <= when)	/* due before the wait */
		;
	ev = wait_in_a_helper(p, &n);
	memcpy(copy, ev, sizeof(copy));
	reuse_my_memory();
	unix_pair(&a, &b);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ, &a), 0);
	ck_assert_int_eq(netkit_poller_modify(p, a, NETKIT_POLLER_WRITE, &b),
			 0);
	ck_assert_int_eq(netkit_poller_remove(p, a), 0);
	ck_assert_int_eq(netkit_poller_timer_start_in(p, &other, 10, 0), 0);
	ck_assert_int_eq(netkit_poller_timer_stop(p, &other), 0);
	ck_assert_int_eq(netkit_poller_wake(p), 0);
	reuse_my_memory();
	ck_assert_int_eq(memcmp(ev, copy, sizeof(copy)), 0);
	ck_assert_ptr_eq(ev[0].timer, &due);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_TIMER);
	for (n = 1; n <= N_PAIRS; n++)
		ck_assert_uint_eq(ev[n].events, NETKIT_POLLER_READ);
	close(a);
	close(b);
	close_conns(p, &c);
	netkit_poller_free(p);
}
END_TEST

/* The old rule's hazard: a helper waited into an array in its own
 * frame and returned; the removal of a descriptor whose event was later
 * in that batch then wrote into the dead frame, a later call's by then
 * (on eed8afb, 4 bytes of this canary changed). Now the removal writes
 * only into the poller's array. */
static __attribute__((noinline)) int
first_fd(netkit_poller *p)
{
	const netkit_poller_event *ev;

	ck_assert_int_eq(wait_batch(p, &ev, 2), 2);
	return ev[0].fd;
}

static __attribute__((noinline)) int
changed_by_removal(netkit_poller *p, int fd)
{
	volatile unsigned char canary[4 * sizeof(netkit_poller_event)];
	size_t j;
	int changed = 0;

	for (j = 0; j < sizeof(canary); j++)
		canary[j] = 0x5a;
	ck_assert_int_eq(netkit_poller_remove(p, fd), 0);
	for (j = 0; j < sizeof(canary); j++)
		changed += canary[j] != 0x5a;
	return changed;
}

START_TEST(removal_never_writes_the_callers_memory)
{
	netkit_poller *p = new_poller(_i);
	int a, b, c, d, fd;

	unix_pair(&a, &b);
	unix_pair(&c, &d);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ, NULL), 0);
	ck_assert_int_eq(netkit_poller_add(p, c, NETKIT_POLLER_READ, NULL), 0);
	ck_assert_int_eq(write(b, "x", 1), 1);
	ck_assert_int_eq(write(d, "x", 1), 1);
	fd = first_fd(p);
	ck_assert_int_eq(changed_by_removal(p, fd == a ? c : a), 0);
	ck_assert_int_eq(netkit_poller_remove(p, fd), 0);
	close(a);
	close(b);
	close(c);
	close(d);
	netkit_poller_free(p);
}
END_TEST

struct loop {
	netkit_poller *p;
	netkit_poller_timer t[2];
	struct conns c;
	int handled[N_PAIRS + 2];	/* t[0], t[1], srv[0..] */
	int victim;			/* the connection t[0] closes */
	int reuse[2];			/* its number's next owner, a pair */
};

/* The handler of a loop: t[0] stops t[1] and closes a connection whose
 * event is later in the batch, giving its number to a new socket. */
static void
handle(struct loop *l, const netkit_poller_event *e)
{
	int j, num;

	if (e->timer) {
		l->handled[e->timer - l->t]++;
		if (e->timer != &l->t[0])
			return;
		ck_assert_int_eq(netkit_poller_timer_stop(l->p, &l->t[1]), 0);
		/* The pair first: neither end may get num. */
		unix_pair(&j, &l->reuse[1]);
		num = l->c.srv[l->victim];
		ck_assert_int_eq(netkit_poller_remove(l->p, num), 0);
		netkit_close(num);
		l->reuse[0] = dup3(j, num, O_CLOEXEC);
		ck_assert_int_eq(l->reuse[0], num);
		close(j);
		ck_assert_int_eq(netkit_poller_add(l->p, l->reuse[0],
				 NETKIT_POLLER_READ, NULL), 0);
		return;
	}
	for (j = 0; j < N_PAIRS; j++)
		if (e->data == &l->c.tag[j])
			l->handled[2 + j]++;
}

/* The caller's loop, as the docs write it: a timer stopped and a
 * descriptor removed while handling the batch have their later events
 * skipped (events 0), and only those. */
START_TEST(changes_in_the_loop_cancel_later_events)
{
	struct loop l = { .p = new_poller(_i), .victim = 1 };
	const netkit_poller_event *ev;
	int64_t when = netkit_now();
	int i, j, n;

	open_ready(l.p, &l.c);
	for (j = 0; j < 2; j++)
		ck_assert_int_eq(netkit_poller_timer_start(l.p, &l.t[j],
				 netkit_deadline_at(when + j), 0), 0);
	while (netkit_now() <= when + 1)	/* both due before the wait */
		;
	n = wait_batch(l.p, &ev, N_PAIRS + 2);
	ck_assert_ptr_eq(ev[0].timer, &l.t[0]);
	ck_assert_ptr_eq(ev[1].timer, &l.t[1]);
	for (i = 0; i < n; i++)
		if (ev[i].events)
			handle(&l, &ev[i]);
	ck_assert_int_eq(l.handled[0], 1);
	ck_assert_int_eq(l.handled[1], 0);
	ck_assert_uint_eq(ev[1].events, 0);
	for (j = 0; j < N_PAIRS; j++)
		ck_assert_int_eq(l.handled[2 + j], j != l.victim);
	for (i = 2; i < n; i++)
		ck_assert_uint_eq(ev[i].events, ev[i].data ==
				  &l.c.tag[l.victim] ? 0 : NETKIT_POLLER_READ);
	/* The number's new owner is reported with its own value later. */
	ck_assert_int_eq(netkit_send(l.reuse[1], "y", 1), 1);
	n = wait_batch(l.p, &ev, N_PAIRS);
	for (i = 0; i < n; i++)
		if (ev[i].fd == l.reuse[0])
			ck_assert_ptr_null(ev[i].data);
	ck_assert_int_eq(netkit_poller_remove(l.p, l.reuse[0]), 0);
	close(l.reuse[0]);
	close(l.reuse[1]);
	l.c.srv[l.victim] = -1;
	for (j = 0; j < N_PAIRS; j++) {
		if (l.c.srv[j] >= 0) {
			ck_assert_int_eq(netkit_poller_remove(l.p, l.c.srv[j]),
					 0);
			netkit_close(l.c.srv[j]);
		}
		netkit_close(l.c.cli[j]);
	}
	netkit_poller_free(l.p);
}
END_TEST

#define N_DUE 300
#define BATCH 256

/* 300 timers due at once: 256 in the first batch (the poller's array),
 * the other 44 in the next, each once. */
START_TEST(a_batch_holds_256_events_the_rest_come_next)
{
	netkit_poller *p = new_poller(_i);
	netkit_poller_timer *t = calloc(N_DUE, sizeof(*t));
	const netkit_poller_event *ev;
	int64_t when = netkit_now();
	int seen[N_DUE] = { 0 }, j, bad = 0;

	ck_assert_ptr_nonnull(t);
	for (j = 0; j < N_DUE; j++)
		bad += netkit_poller_timer_start(p, &t[j],
				netkit_deadline_at(when), 0) != 0;
	ck_assert_int_eq(bad, 0);
	while (netkit_now() <= when)
		;
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW), BATCH);
	for (j = 0; j < BATCH; j++)
		seen[ev[j].timer - t]++;
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW),
			 N_DUE - BATCH);
	for (j = 0; j < N_DUE - BATCH; j++)
		seen[ev[j].timer - t]++;
	for (j = 0; j < N_DUE; j++)
		bad += seen[j] != 1;
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW), 0);
	netkit_poller_free(p);
	free(t);
}
END_TEST

/* ---- relative times ---- */

/* netkit_poller_wait_for(ms) on an idle poller lasts ms, never less,
 * measured from before the call, also when signals keep interrupting
 * the system call (each retry waits for what is left, and netkit_now()'s
 * truncation must not shorten the whole); 0 returns at once. */
NK_ON_TIME_TEST(wait_for_waits_its_milliseconds_never_less)
{
	static const int64_t ms[] = { 1, 40, 1000, 40, 100 };
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	struct sigaction old;
	nk_signaller *sg = NULL;
	double start, took;
	size_t j;

	nk_sigusr1_no_restart(&old);
	for (j = 0; j < sizeof(ms) / sizeof(ms[0]); j++) {
		/* The last two under a signal every 3 ms. */
		if (j == 3)
			sg = nk_signaller_start(pthread_self(), 3, 1000);
		start = nk_clock_ms();
		ck_assert_int_eq(netkit_poller_wait_for(p, &ev, ms[j]), 0);
		took = nk_clock_ms() - start;
		ck_assert_msg(took >= (double)ms[j],
			      "wait_for(%lld) returned after %.3f ms",
			      (long long)ms[j], took);
		nk_assert_late("poller_wait_for", took - (double)ms[j],
			       (double)ms[j]);
	}
	nk_signaller_stop(sg);
	ck_assert_int_eq(sigaction(SIGUSR1, &old, NULL), 0);
	start = nk_clock_ms();
	ck_assert_int_eq(netkit_poller_wait_for(p, &ev, 0), 0);
	nk_assert_within("poller_wait_for(0)", start, nk_clock_ms(), 5);
	netkit_poller_free(p);
}
END_TEST

/* What is ready comes at once, whatever ms; a negative ms waits with
 * no end, as NETKIT_FOREVER: a wake ends it. */
START_TEST(wait_for_returns_what_is_ready_and_negative_is_forever)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	double start;
	nk_thread *t;
	int a, b;

	unix_pair(&a, &b);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ, &a), 0);
	ck_assert_int_eq(write(b, "x", 1), 1);
	NK_ON_TIME(NK_TRIES) {
		start = nk_clock_ms();
		ck_assert_int_eq(netkit_poller_wait_for(p, &ev, 0), 1);
		ck_assert_ptr_eq(ev[0].data, &a);
		ck_assert_int_eq(netkit_poller_wait_for(p, &ev, 60000), 1);
		ck_assert_ptr_eq(ev[0].data, &a);
		nk_assert_within("poller_wait_for(ready)", start,
				 nk_clock_ms(), 5);
	}
	ck_assert_int_eq(netkit_poller_remove(p, a), 0);
	t = nk_spawn(wake_later, p);
	ck_assert_int_eq(netkit_poller_wait_for(p, &ev, -1), 1);
	nk_join(t);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_WAKE);
	close(a);
	close(b);
	netkit_poller_free(p);
}
END_TEST

#define N_IN 4

/* netkit_poller_timer_start_in(ms) fires ms after the call or later,
 * never earlier, measured from before the call; a repeating one keeps
 * its period from there. */
NK_ON_TIME_TEST(timer_start_in_fires_after_its_ms_never_early)
{
	static const int64_t ms[N_IN] = { 0, 1, 30, 60 };
	netkit_poller_timer t[N_IN + 1];
	netkit_poller *p = new_poller(_i);
	netkit_poller_event ev;
	double started[N_IN + 1], took, want;
	int j, k, fired = 0, ticks = 0;

	memset(t, 0, sizeof(t));
	for (j = 0; j < N_IN; j++) {
		started[j] = nk_clock_ms();
		ck_assert_int_eq(netkit_poller_timer_start_in(p, &t[j], ms[j],
							      0), 0);
	}
	started[N_IN] = nk_clock_ms();
	ck_assert_int_eq(netkit_poller_timer_start_in(p, &t[N_IN], 20, 20), 0);
	while (fired < N_IN || ticks < 4) {
		ev = next_event(p, 5000);
		j = (int)(ev.timer - t);
		ck_assert_int_ge(j, 0);
		ck_assert_int_le(j, N_IN);
		k = j == N_IN ? ++ticks : 1;
		want = j == N_IN ? 20.0 * k : (double)ms[j];
		took = nk_clock_ms() - started[j];
		ck_assert_msg(took >= want, "timer %d (#%d) fired after "
			      "%.3f ms, not %.0f", j, k, took, want);
		nk_assert_late("timer_start_in", took - want, want);
		fired += j < N_IN;
	}
	ck_assert_int_eq(netkit_poller_timer_stop(p, &t[N_IN]), 0);
	netkit_poller_free(p);
}
END_TEST

/* A timer's reserved space must be zero when it starts stopped (zeroed
 * before first use, as later versions will rely on): refused, and
 * nothing changes; zeroed, it runs. */
START_TEST(timer_with_reserved_space_not_zero_is_refused)
{
	netkit_poller *p = new_poller(_i);
	netkit_poller_timer t = { 0 };
	const netkit_poller_event *ev;
	size_t j;

	for (j = 0; j < sizeof(t.reserved_) / sizeof(t.reserved_[0]); j++) {
		memset(&t, 0, sizeof(t));
		t.reserved_[j] = 1;
		ck_assert_int_eq(netkit_poller_timer_start(p, &t, NETKIT_NOW,
							   0), -EINVAL);
		ck_assert_int_eq(netkit_poller_timer_start_in(p, &t, 0, 0),
				 -EINVAL);
		ck_assert_uint_eq(t.index, 0);
	}
	ck_assert_int_eq(netkit_poller_wait_for(p, &ev, 10), 0);
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(netkit_poller_timer_start_in(p, &t, 0, 0), 0);
	ck_assert_int_eq(netkit_poller_wait_for(p, &ev, nk_scaled_ms(5000)), 1);
	ck_assert_ptr_eq(ev[0].timer, &t);
	netkit_poller_free(p);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("poller-batch");

	ADD_BOTH(s, events_stay_unchanged_until_the_next_wait);
	ADD_BOTH(s, removal_never_writes_the_callers_memory);
	ADD_BOTH(s, changes_in_the_loop_cancel_later_events);
	ADD_BOTH(s, a_batch_holds_256_events_the_rest_come_next);
	ADD_BOTH(s, wait_for_waits_its_milliseconds_never_less);
	ADD_BOTH(s, wait_for_returns_what_is_ready_and_negative_is_forever);
	ADD_BOTH(s, timer_start_in_fires_after_its_ms_never_early);
	ADD_BOTH(s, timer_with_reserved_space_not_zero_is_refused);
	return s;
}
