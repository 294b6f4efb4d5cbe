/* SPDX-License-Identifier: MIT */
/*
 * The loop as the examples use it (chat-server.c): a connection's input
 * read from outside its own events (the room reads a held sender once
 * a slow reader drained) makes the loop receive from it again; and the
 * program's own timers and descriptors keep the poller's promise that
 * stopping or removing one cancels its event in the current batch.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "timing.h"

/* A loop with a 16-byte input buffer and one adopted connection; the
 * test's end of it is *cli. */
static netkit_conn *
small_loop(netkit_loop **loop, int *cli)
{
	netkit_loop_opts o = { .input_size = 16 };
	netkit_conn *conn = NULL;
	int srv;

	ck_assert_int_eq(netkit_loop_new(loop, &o), 0);
	nk_tcp_pair(AF_INET, cli, &srv);
	ck_assert_int_eq(netkit_loop_adopt(*loop, srv, NULL, &conn), 0);
	return conn;
}

/* The next batch's first event of this kind, waiting up to ms. */
static const netkit_loop_event *
next_of(netkit_loop *loop, unsigned kind, int ms)
{
	const netkit_loop_event *ev;
	netkit_deadline dl = netkit_deadline_in(ms);
	int n, i;

	while ((n = netkit_loop_wait(loop, &ev, dl)) > 0)
		for (i = 0; i < n; i++)
			if (ev[i].kind == kind)
				return &ev[i];
	ck_assert_int_ge(n, 0);
	return NULL;
}

START_TEST(reading_a_full_reader_between_waits_resumes_receiving)
{
	netkit_loop *loop;
	char buf[32];
	int cli;
	netkit_conn *conn = small_loop(&loop, &cli);
	netkit_reader *in = netkit_conn_reader(conn);

	/* 16 bytes fill the reader: the loop stops receiving. */
	ck_assert_int_eq(netkit_send_all(cli, "0123456789abcdef", 16), 16);
	ck_assert_ptr_nonnull(next_of(loop, NETKIT_LOOP_INPUT,
				      (int)nk_scaled_ms(5000)));
	ck_assert_int_eq(netkit_send_all(cli, "more", 4), 4);
	/* A wait with nothing to hand out: the loop settles (READ off). */
	ck_assert_ptr_null(next_of(loop, NETKIT_LOOP_INPUT, 50));
	/* The program takes the input now, outside any event of it... */
	ck_assert_int_eq(netkit_reader_read(in, buf, sizeof(buf),
					    NETKIT_NOW), 16);
	/* ...and the loop must receive the rest. */
	ck_assert_msg(next_of(loop, NETKIT_LOOP_INPUT,
			      (int)nk_scaled_ms(5000)) != NULL,
		      "the loop never received again after its reader "
		      "was read between waits");
	ck_assert_int_eq(netkit_reader_read(in, buf, sizeof(buf),
					    NETKIT_NOW), 4);
	ck_assert_int_eq(memcmp(buf, "more", 4), 0);
	netkit_loop_free(loop);
	netkit_close(cli);
}
END_TEST

START_TEST(stopping_a_timer_cancels_its_event_in_the_batch)
{
	netkit_deadline due = netkit_deadline_in(10);
	netkit_poller_timer t[2];
	const netkit_loop_event *ev;
	netkit_loop *loop;
	netkit_poller *p;
	int n = 0, i, seen = 0, tries;

	memset(t, 0, sizeof(t));
	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	p = netkit_loop_poller(loop);
	t[0].data = &t[0];
	t[1].data = &t[1];
	/* One deadline for both: they fire in the same batch. */
	ck_assert_int_eq(netkit_poller_timer_start(p, &t[0], due, 0), 0);
	ck_assert_int_eq(netkit_poller_timer_start(p, &t[1], due, 0), 0);
	for (tries = 0; tries < 100 && seen == 0; tries++) {
		n = netkit_loop_wait(loop, &ev,
				     netkit_deadline_in((int)nk_scaled_ms(5000)));
		ck_assert_int_ge(n, 0);
		for (i = 0; i < n; i++) {
			if (ev[i].kind != NETKIT_LOOP_TIMER)
				continue;
			/* The first one stops the other. */
			ck_assert_msg(seen++ == 0, "a timer stopped during "
				      "the batch still had its TIMER event");
			netkit_poller_timer_stop(p, ev[i].timer == &t[0] ?
						 &t[1] : &t[0]);
		}
	}
	ck_assert_int_eq(seen, 1);
	netkit_loop_free(loop);
}
END_TEST

START_TEST(removing_an_own_descriptor_cancels_its_event_in_the_batch)
{
	const netkit_loop_event *ev;
	netkit_loop *loop;
	netkit_poller *p;
	int a[2], b[2], n, i, seen = 0;

	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	p = netkit_loop_poller(loop);
	ck_assert_int_eq(pipe(a), 0);
	ck_assert_int_eq(pipe(b), 0);
	ck_assert_int_eq(netkit_poller_add(p, a[0], NETKIT_POLLER_READ, a), 0);
	ck_assert_int_eq(netkit_poller_add(p, b[0], NETKIT_POLLER_READ, b), 0);
	ck_assert_int_eq(write(a[1], "x", 1), 1);
	ck_assert_int_eq(write(b[1], "x", 1), 1);
	ck_assert(nk_readable(a[0], (int)nk_scaled_ms(5000)));
	ck_assert(nk_readable(b[0], (int)nk_scaled_ms(5000)));
	n = netkit_loop_wait(loop, &ev,
			     netkit_deadline_in((int)nk_scaled_ms(5000)));
	ck_assert_int_eq(n, 2);
	for (i = 0; i < n; i++) {
		if (ev[i].kind != NETKIT_LOOP_FD)
			continue;
		/* The first one removes the other. */
		ck_assert_msg(seen++ == 0, "a descriptor removed during the "
			      "batch still had its FD event");
		ck_assert_int_eq(netkit_poller_remove(p, ev[i].fd == a[0] ?
						      b[0] : a[0]), 0);
	}
	ck_assert_int_eq(seen, 1);
	netkit_loop_free(loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}
END_TEST

/* Every event not the program's own nor a signal: no timer, events 0,
 * signal 0, reserved 0. */
static void
check_own_fields_clear(const netkit_loop_event *ev, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (ev[i].kind == NETKIT_LOOP_FD ||
		    ev[i].kind == NETKIT_LOOP_TIMER ||
		    ev[i].kind == NETKIT_LOOP_SIGNAL || ev[i].kind == 0)
			continue;
		ck_assert_msg(ev[i].timer == NULL && ev[i].events == 0 &&
			      ev[i].signal == 0,
			      "event %d (kind %u) after the program's own "
			      "carries timer %p, events %u, signal %d", i,
			      ev[i].kind, (void *)ev[i].timer, ev[i].events,
			      ev[i].signal);
		ck_assert(ev[i].reserved_[0] == 0 && ev[i].reserved_[1] == 0);
	}
}

START_TEST(the_loops_events_after_the_programs_own_carry_none_of_theirs)
{
	netkit_poller_timer t;
	const netkit_loop_event *ev;
	netkit_conn *conn[4];
	netkit_loop *loop;
	netkit_poller *p;
	int a[2], cli[4], srv, n, i, k, fds = 0, timers = 0, sigs = 0;
	int inputs = 0;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	p = netkit_loop_poller(loop);
	for (k = 0; k < 4; k++) {
		nk_tcp_pair(AF_INET, &cli[k], &srv);
		ck_assert_int_eq(netkit_loop_adopt(loop, srv, NULL, &conn[k]),
				 0);
	}
	/* The program's own descriptor and timer take the first slots. */
	t.data = &t;
	ck_assert_int_eq(netkit_poller_timer_start(p, &t,
						   netkit_deadline_in(1), 0), 0);
	ck_assert_int_eq(pipe(a), 0);
	ck_assert_int_eq(netkit_poller_add(p, a[0], NETKIT_POLLER_READ, a), 0);
	ck_assert_int_eq(netkit_loop_catch(loop, SIGUSR1), 0);
	/* All due by the first wait: the timer's millisecond gone. */
	usleep(5000);
	ck_assert_int_eq(write(a[1], "x", 1), 1);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	for (k = 0; k < 100 && (fds == 0 || timers == 0 || sigs == 0); k++) {
		n = netkit_loop_wait(loop, &ev,
				     netkit_deadline_in((int)nk_scaled_ms(5000)));
		ck_assert_int_gt(n, 0);
		for (i = 0; i < n; i++) {
			fds += ev[i].kind == NETKIT_LOOP_FD;
			timers += ev[i].kind == NETKIT_LOOP_TIMER;
			sigs += ev[i].kind == NETKIT_LOOP_SIGNAL;
		}
		check_own_fields_clear(ev, n);
	}
	ck_assert(fds > 0 && timers > 0 && sigs > 0);
	ck_assert_int_eq(netkit_poller_remove(p, a[0]), 0);
	/* Then the connections' events take the same slots (four: more
	 * than the three the first batch can have had). */
	for (k = 0; k < 4; k++)
		ck_assert_int_eq(netkit_send_all(cli[k], "x", 1), 1);
	for (k = 0; k < 100 && inputs < 4; k++) {
		n = netkit_loop_wait(loop, &ev,
				     netkit_deadline_in((int)nk_scaled_ms(5000)));
		ck_assert_int_gt(n, 0);
		for (i = 0; i < n; i++)
			inputs += ev[i].kind == NETKIT_LOOP_INPUT;
		check_own_fields_clear(ev, n);
	}
	ck_assert_int_eq(inputs, 4);
	netkit_loop_free(loop);
	close(a[0]);
	close(a[1]);
	for (k = 0; k < 4; k++)
		netkit_close(cli[k]);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("loop-program");

	NK_ADD_TEST(s, reading_a_full_reader_between_waits_resumes_receiving);
	NK_ADD_TEST(s, stopping_a_timer_cancels_its_event_in_the_batch);
	NK_ADD_TEST(s, removing_an_own_descriptor_cancels_its_event_in_the_batch);
	NK_ADD_TEST(s, the_loops_events_after_the_programs_own_carry_none_of_theirs);
	return s;
}
