/* SPDX-License-Identifier: MIT */
/*
 * The poller's timers and wake-up: order, never early, repeating,
 * stopped and deferred timers, an idle client dropped by its timer,
 * wake-ups from a thread and a signal handler (coalesced, never lost).
 * Every test runs on both backends: _i == 0 is epoll, _i == 1 poll(2).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netkit-private.h"

#include "fault.h"
#include "helpers.h"
#include "poller-common.h"
#include "timing.h"


/* Timing (timing.h): an early timer or wait fails at once; the tests
 * below run whole as one try each (NK_ON_TIME_TEST), and one that came
 * back late runs again. */

NK_ON_TIME_TEST(wait_times_out_never_early_and_rounds_up)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	netkit_deadline dl;
	double start;
	int j;

	for (j = 0; j < 3; j++) {
		start = nk_clock_ms();
		dl = netkit_deadline_in(j == 0 ? 1 : 40 * j);
		ck_assert_int_eq(netkit_poller_wait(p, &ev, dl), 0);
		nk_assert_on_time("poller_wait", start, dl, nk_clock_ms());
	}
	/* 0: try once, do not block. */
	start = nk_clock_ms();
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW), 0);
	nk_assert_within("poller_wait(0)", start, nk_clock_ms(), 5);
	netkit_poller_free(p);
}
END_TEST

#define N_TIMERS 16

NK_ON_TIME_TEST(timers_fire_in_order_never_early)
{
	/* Times in ms, given out of order; one of them stopped. */
	static const int at[N_TIMERS] = { 90, 10, 50, 30, 70, 20, 60, 40,
					  80, 15, 35, 55, 25, 45, 65, 5 };
	netkit_poller_timer t[N_TIMERS];
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *batch;
	netkit_poller_event ev;
	/* start before base: a pause between the two readings (a busy
	 * machine, valgrind) then lengthens what is measured instead of
	 * making a timer that fired on time look early (seen twice). */
	double start = nk_clock_ms();
	int64_t base = netkit_now(), last = -1;
	int j, fired = 0;

	memset(t, 0, sizeof(t));
	for (j = 0; j < N_TIMERS; j++) {
		t[j].data = &t[j];
		ck_assert_int_eq(netkit_poller_timer_start(p, &t[j],
			netkit_deadline_at(base + at[j]), 0), 0);
	}
	ck_assert_int_eq(netkit_poller_timer_stop(p, &t[2]), 0);
	ck_assert_int_eq(netkit_poller_timer_stop(p, &t[2]), 0);
	while (fired < N_TIMERS - 1) {
		ev = next_event(p, 5000);
		ck_assert_uint_eq(ev.events, NETKIT_POLLER_TIMER);
		ck_assert_ptr_eq(ev.data, ev.timer);
		j = (int)(ev.timer - t);
		ck_assert_int_ne(j, 2);
		ck_assert_int_ge(at[j], last);
		last = at[j];
		nk_assert_on_time("timer", start, netkit_deadline_at(base + at[j]), nk_clock_ms());
		/* netkit_now() truncates: base may be up to 1 ms before
		 * start, and still no timer fires less than at[j] ms after
		 * it was started (libuv #4773). */
		ck_assert_double_ge(nk_clock_ms() - start, at[j]);
		/* A one-shot timer is stopped once it fired. */
		ck_assert_uint_eq(ev.timer->index, 0);
		fired++;
	}
	ck_assert_int_eq(netkit_poller_wait(p, &batch, netkit_deadline_in(20)),
			 0);
	netkit_poller_free(p);
}
END_TEST

NK_ON_TIME_TEST(repeating_timer_keeps_its_period)
{
	netkit_poller_timer t = { 0 };
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *batch;
	netkit_poller_event ev;
	int64_t base = netkit_now();
	double start = nk_clock_ms();
	int k;

	ck_assert_int_eq(netkit_poller_timer_start(p, &t, netkit_deadline_at(base + 20), 20), 0);
	for (k = 1; k <= 5; k++) {
		ev = next_event(p, 5000);
		ck_assert_ptr_eq(ev.timer, &t);
		/* Never before its k-th period; a late one may skip. */
		ck_assert_double_ge(nk_clock_ms(), (double)(base + 20 * k));
		nk_assert_on_time("repeat", start, netkit_deadline_at(base + 20 * k),
				  nk_clock_ms());
	}
	ck_assert_uint_ne(t.index, 0);
	ck_assert_int_eq(netkit_poller_timer_stop(p, &t), 0);
	ck_assert_int_eq(netkit_poller_wait(p, &batch, netkit_deadline_in(40)),
			 0);
	netkit_poller_free(p);
}
END_TEST

/* Stopping a timer whose event is later in the same batch cancels it. */
START_TEST(timer_stopped_in_batch_is_not_delivered)
{
	netkit_poller_timer t[2] = { { 0 }, { 0 } };
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	int64_t when = netkit_now() + 5;

	ck_assert_int_eq(netkit_poller_timer_start(p, &t[0], netkit_deadline_at(when), 0), 0);
	ck_assert_int_eq(netkit_poller_timer_start(p, &t[1], netkit_deadline_at(when), 50), 0);
	while (netkit_now() <= when)	/* both due before the wait */
		;
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW), 2);
	ck_assert_int_eq(netkit_poller_timer_stop(p, ev[0].timer), 0);
	ck_assert_int_eq(netkit_poller_timer_stop(p, ev[1].timer), 0);
	ck_assert_uint_eq(ev[1].events, 0);
	ck_assert_uint_eq(t[1].index, 0);
	ck_assert_int_eq(netkit_poller_wait(p, &ev, netkit_deadline_in(70)),
			 0);
	netkit_poller_free(p);
}
END_TEST

/* Two clients with a 150 ms idle timer each; one never sends, the other
 * sends at once (its timer deferred, no heap work). The silent one is
 * dropped on time, the other 150 ms after its message. */
NK_ON_TIME_TEST(silent_client_dropped_by_idle_timer)
{
	netkit_poller_timer idle[2] = { { 0 }, { 0 } };
	netkit_poller *p = new_poller(_i);
	netkit_poller_event ev;
	int cli[2], srv[2], j;
	int64_t talked;
	double start = nk_clock_ms();
	char buf[16];

	for (j = 0; j < 2; j++) {
		nk_tcp_pair(AF_INET, &cli[j], &srv[j]);
		idle[j].data = &srv[j];
		ck_assert_int_eq(netkit_poller_add(p, srv[j],
				 NETKIT_POLLER_READ, &srv[j]), 0);
		ck_assert_int_eq(netkit_poller_timer_start(p, &idle[j],
				 netkit_deadline_in(150), 0), 0);
	}
	ck_assert_int_eq(netkit_send(cli[1], "hi", 2), 2);
	ev = next_event(p, 5000);
	ck_assert_int_eq(ev.fd, srv[1]);
	ck_assert_int_eq(netkit_recv(srv[1], buf, sizeof(buf)), 2);
	talked = netkit_now();
	ck_assert_int_eq(netkit_poller_timer_defer(p, &idle[1],
						   netkit_deadline_at(talked + 150)), 0);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.timer, &idle[0]);
	nk_assert_on_time("idle drop", start, netkit_deadline_at((int64_t)start + 150),
			  nk_clock_ms());
	ck_assert_int_eq(netkit_poller_remove(p, srv[0]), 0);
	netkit_close(srv[0]);
	/* The dropped client sees its end. */
	ck_assert_int_eq(netkit_recv_until(cli[0], buf, sizeof(buf),
		netkit_deadline_in(nk_scaled_ms(5000))), 0);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.timer, &idle[1]);
	ck_assert_double_ge(nk_clock_ms(), (double)(talked + 150));
	ck_assert_int_eq(netkit_poller_remove(p, srv[1]), 0);
	netkit_close(srv[1]);
	netkit_close(cli[0]);
	netkit_close(cli[1]);
	netkit_poller_free(p);
}
END_TEST

/* A timer brought forward is due at its new time. */
NK_ON_TIME_TEST(timer_deferred_earlier_fires_at_new_time)
{
	netkit_poller_timer t = { 0 };
	netkit_poller *p = new_poller(_i);
	netkit_poller_event ev;
	double start = nk_clock_ms();
	int64_t when = (int64_t)start + 30;

	ck_assert_int_eq(netkit_poller_timer_start(p, &t, netkit_deadline_at(when + 10000), 0), 0);
	ck_assert_int_eq(netkit_poller_timer_defer(p, &t, netkit_deadline_at(when)), 0);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.timer, &t);
	nk_assert_on_time("deferred earlier", start, netkit_deadline_at(when), nk_clock_ms());
	netkit_poller_free(p);
}
END_TEST

#define N_IDLE 10000

/* 10,000 idle timers, each deferred 10 times as messages would: no
 * deferral moves a timer in the heap (libev's "be smart about
 * timeouts"), and none fires before its deferred time. */
NK_ON_TIME_TEST(ten_thousand_idle_timers_deferred_without_heap_work)
{
	netkit_poller_timer *t = calloc(N_IDLE, sizeof(*t));
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	int64_t base = netkit_now();
	double start = nk_clock_ms();
	size_t *index = calloc(N_IDLE, sizeof(*index));
	int j, k, n, bad = 0, moved = 0;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(index);
	/* Check's assertions cost a write each: count, assert once. */
	for (j = 0; j < N_IDLE; j++)
		bad += netkit_poller_timer_start(p, &t[j],
						 netkit_deadline_at(base + 10 + j % 7), 0) != 0;
	for (j = 0; j < N_IDLE; j++)
		index[j] = t[j].index;
	for (k = 1; k <= 10; k++)
		for (j = 0; j < N_IDLE; j++)
			bad += netkit_poller_timer_defer(p, &t[j],
					netkit_deadline_at(base + 10 + j % 7 + 2 * k)) != 0;
	for (j = 0; j < N_IDLE; j++)
		moved += t[j].index != index[j] ||
			 t[j].key != base + 10 + j % 7;
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(moved, 0);
	n = netkit_poller_wait(p, &ev, netkit_deadline_in(nk_scaled_ms(5000)));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(ev[0].timer);
	nk_assert_on_time("first deferred timer", start, netkit_deadline_at(base + 30),
			  nk_clock_ms());
	for (j = 0; j < N_IDLE; j++)
		bad += netkit_poller_timer_stop(p, &t[j]) != 0 ||
		       t[j].index != 0;
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW), 0);
	netkit_poller_free(p);
	free(index);
	free(t);
}
END_TEST

/* ---- wake-up ---- */

static void *
wake_many(void *arg)
{
	int j;

	for (j = 0; j < 100; j++)
		ck_assert_int_eq(netkit_poller_wake(arg), 0);
	return NULL;
}

START_TEST(wakes_before_a_wait_coalesce_into_one)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;

	nk_join(nk_spawn(wake_many, p));
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW), 1);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_WAKE);
	ck_assert_int_eq(ev[0].fd, -1);
	ck_assert_int_eq(netkit_poller_wait(p, &ev, netkit_deadline_in(20)),
			 0);
	netkit_poller_free(p);
}
END_TEST

#define ROUNDS 200

struct pingpong {
	netkit_poller *p;
	int ack[2];		/* the loop acknowledges each wake here */
	atomic_int acked;
};

/* Wakes, then waits for the acknowledgement: a lost wake stalls the
 * round and fails the test by its bound. */
static void *
wake_rounds(void *arg)
{
	struct pingpong *pp = arg;
	char c;
	int j;

	for (j = 0; j < ROUNDS; j++) {
		netkit_poller_wake(pp->p);
		if (!nk_readable(pp->ack[0], (int)nk_scaled_ms(5000)) ||
		    read(pp->ack[0], &c, 1) != 1)
			break;
		atomic_fetch_add(&pp->acked, 1);
	}
	return NULL;
}

START_TEST(wake_from_another_thread_is_never_lost)
{
	struct pingpong pp = { .p = new_poller(_i) };
	netkit_poller_event ev;
	nk_thread *t;
	int j;

	ck_assert_int_eq(pipe2(pp.ack, O_CLOEXEC), 0);
	t = nk_spawn(wake_rounds, &pp);
	for (j = 0; j < ROUNDS; j++) {
		ev = next_event(pp.p, 5000);
		ck_assert_uint_eq(ev.events, NETKIT_POLLER_WAKE);
		ck_assert_int_eq(write(pp.ack[1], "k", 1), 1);
	}
	nk_join(t);
	ck_assert_int_eq(atomic_load(&pp.acked), ROUNDS);
	close(pp.ack[0]);
	close(pp.ack[1]);
	netkit_poller_free(pp.p);
}
END_TEST

static netkit_poller *signal_poller;
static atomic_int signals_seen;

static void
on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&signals_seen, 1);
	netkit_poller_wake(signal_poller);
}

START_TEST(wake_from_signal_handler_ends_the_wait)
{
	struct sigaction sa = { .sa_handler = on_signal }, old;
	netkit_poller_event ev;
	nk_signaller *sg;
	int j;

	signal_poller = new_poller(_i);
	atomic_store(&signals_seen, 0);
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, &old), 0);
	sg = nk_signaller_start(pthread_self(), 5, (int)nk_scaled_ms(5000));
	for (j = 0; j < 5; j++) {
		ev = next_event(signal_poller, 5000);
		ck_assert_uint_eq(ev.events, NETKIT_POLLER_WAKE);
	}
	ck_assert_int_ge(nk_signaller_stop(sg), 5);
	ck_assert_int_ge(atomic_load(&signals_seen), 5);
	ck_assert_int_eq(sigaction(SIGUSR1, &old, NULL), 0);
	netkit_poller_free(signal_poller);
	signal_poller = NULL;
}
END_TEST

/* A wake that fails in write() (the fault seam) reports nothing and
 * leaves errno as it was: async-signal-safe callers rely on it. */
START_TEST(wake_preserves_errno)
{
	netkit_poller *p = new_poller(_i);

	nk_fault_install(1);
	nk_fault_fail(NK_FAULT_WRITE, EAGAIN, 1);
	errno = 1234;
	ck_assert_int_eq(netkit_poller_wake(p), 0);
	ck_assert_int_eq(errno, 1234);
	nk_fault_reset();
	netkit_poller_free(p);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("poller-timers");

	ADD_BOTH(s, wait_times_out_never_early_and_rounds_up);
	ADD_BOTH(s, timers_fire_in_order_never_early);
	ADD_BOTH(s, repeating_timer_keeps_its_period);
	ADD_BOTH(s, timer_stopped_in_batch_is_not_delivered);
	ADD_BOTH(s, silent_client_dropped_by_idle_timer);
	ADD_BOTH(s, timer_deferred_earlier_fires_at_new_time);
	ADD_BOTH(s, ten_thousand_idle_timers_deferred_without_heap_work);
	ADD_BOTH(s, wakes_before_a_wait_coalesce_into_one);
	ADD_BOTH(s, wake_from_another_thread_is_never_lost);
	ADD_BOTH(s, wake_from_signal_handler_ends_the_wait);
	suite_add_tcase(s, nk_fault_tcase("wake_preserves_errno",
					  wake_preserves_errno, 2));
	return s;
}
