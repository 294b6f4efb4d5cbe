/* SPDX-License-Identifier: MIT */
/*
 * The connection layer at its edges: idle and stall timeouts and the
 * graceful close's deadline (never early; lateness is a retried
 * measurement), a client that pipelines without reading beside clients
 * that must still be answered, and waits that must not end early.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "loop-common.h"
#include "timing.h"

/* Runs the loop until ms from now or c's CLOSED (then true, *e and
 * *end, nk_clock_ms(), filled). */
static bool
closed_within(struct lt *t, netkit_conn *c, int64_t ms, netkit_loop_event *e,
	      double *end)
{
	netkit_deadline dl = netkit_deadline_in(ms);

	while (netkit_now() < dl.at) {
		if (!lt_poll(t, dl.at - netkit_now(), e))
			continue;
		if (e->kind == NETKIT_LOOP_CLOSED && e->conn == c) {
			*end = nk_clock_ms();
			return true;
		}
	}
	return false;
}

/* Three lines 60 ms apart keep a connection with idle_ms 150 open;
 * then CLOSED NETKIT_EIDLE, not before 150 ms after the last one (or,
 * on a loaded machine, after the one before, which is a late try). */
NK_ON_TIME_TEST(idle_connection_closes_with_eidle_never_early)
{
	netkit_loop_opts o = { .idle_ms = 150 };
	netkit_deadline dl = netkit_deadline_in(o.idle_ms), before = dl;
	netkit_loop_event e;
	double t0 = nk_clock_ms(), end;
	netkit_conn *c;
	struct lt t;
	int cl, j;

	lt_start(&t, &o);
	cl = lt_accept(&t, &c);
	for (j = 0; j < 3; j++) {
		if (closed_within(&t, c, 60, &e, &end)) {
			/* Only a stalled machine gets here: early fails. */
			nk_assert_on_time("idle close", t0, dl, end);
			nk_late("idle close during the keep-alive lines");
			goto out;
		}
		before = dl;
		dl = netkit_deadline_in(o.idle_ms);
		t0 = nk_clock_ms();
		ck_assert_int_eq(send(cl, "x\n", 2, 0), 2);
	}
	ck_assert(closed_within(&t, c, nk_scaled_ms(5000), &e, &end));
	ck_assert_int_eq(e.err, NETKIT_EIDLE);
	if (end < (double)dl.at && end >= (double)before.at) {
		/* Closed at the idle time of the line before: on a loaded
		 * machine the loop, late itself, had not read the last
		 * line by then. A late try: a loop that ignored the last
		 * line would close so in every try, and fail. */
		nk_late("idle close %.2f ms before the last line's deadline, "
			"after the one before's", (double)dl.at - end);
		goto out;
	}
	nk_assert_on_time("idle close", t0, dl, end);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_CLOSED], 1);
out:
	close(cl);
	lt_stop(&t);
}

/* A client that never reads, stall_ms 200, and a queue of 1 MiB at
 * once (run 0: the stall time moves with the queue), or growing 4 KiB
 * per wait until the kernel holds no more (run 1: it starts with the
 * last movement). CLOSED NETKIT_ESTALL, never before 200 ms after the
 * queue last moved (seen as netkit_conn_queued() going down during a
 * wait). */
NK_ON_TIME_TEST(stalled_output_closes_with_estall_never_early)
{
	netkit_loop_opts o = { .stall_ms = 200, .output_max = 4 << 20 };
	static char chunk[4096], big[1 << 20];
	netkit_deadline dl, moved, cand;
	netkit_loop_event e;
	double t0, t_moved = 0, end = 0;
	bool closed = false, filling = true;
	netkit_conn *c;
	size_t before;
	struct lt t;
	int cl;

	lt_start(&t, &o);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	moved = netkit_deadline_in(o.stall_ms);
	dl = netkit_deadline_in(nk_scaled_ms(5000));
	if (_i == 0) {
		ck_assert_int_eq(netkit_conn_write(c, big, sizeof(big)),
				 NETKIT_CONN_HIGH);
		filling = false;
	}
	while (!closed && netkit_now() < dl.at) {
		if (filling)
			ck_assert_int_ge(netkit_conn_write(c, chunk,
							   sizeof(chunk)), 0);
		/* Taken before the wait: if the queue moves during it, it
		 * moved after this. */
		before = netkit_conn_queued(c);
		cand = netkit_deadline_in(o.stall_ms);
		t0 = nk_clock_ms();
		e.kind = 0;
		(void)lt_poll(&t, 10, &e);
		if (e.kind == NETKIT_LOOP_CLOSED && e.conn == c) {
			end = nk_clock_ms();
			closed = true;
		} else if (netkit_conn_queued(c) < before) {
			moved = cand;
			t_moved = t0;
		}
		if (netkit_conn_queued(c) > 0)
			filling = false;
	}
	ck_assert_msg(closed, "no CLOSED for a stalled connection");
	ck_assert_int_eq(e.err, NETKIT_ESTALL);
	nk_assert_on_time("stall close", t_moved, moved, end);
	close(cl);
	lt_stop(&t);
}

/* netkit_conn_close() on a stalled queue: CLOSED -ETIMEDOUT, not
 * before the deadline. */
NK_ON_TIME_TEST(close_deadline_with_output_unsent_is_etimedout)
{
	static char chunk[1 << 20];
	netkit_loop_event e;
	netkit_deadline dl;
	netkit_conn *c;
	struct lt t;
	double t0, end;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(chunk)),
			 NETKIT_CONN_HIGH);
	lt_run(&t, 20);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(200);
	ck_assert_int_eq(netkit_conn_close(c, dl), 0);
	ck_assert(closed_within(&t, c, nk_scaled_ms(5000), &e, &end));
	ck_assert_int_eq(e.err, -ETIMEDOUT);
	nk_assert_on_time("close deadline", t0, dl, end);
	close(cl);
	lt_stop(&t);
}

/* Output all sent, but the peer never ends: CLOSED err 0 at the
 * deadline, not before (the close waits for the peer's end until it). */
NK_ON_TIME_TEST(close_waits_for_the_peer_until_the_deadline)
{
	netkit_loop_event e;
	netkit_deadline dl;
	netkit_conn *c;
	struct lt t;
	double t0, end;
	char got[8];
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_conn_write(c, "bye\n", 4), 0);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(200);
	ck_assert_int_eq(netkit_conn_close(c, dl), 0);
	ck_assert(closed_within(&t, c, nk_scaled_ms(5000), &e, &end));
	ck_assert_int_eq(e.err, 0);
	nk_assert_on_time("close without the peer's end", t0, dl, end);
	ck_assert_int_eq(recv(cl, got, sizeof(got), 0), 4);
	close(cl);
	lt_stop(&t);
}

/* ---- one client pipelines without reading ---- */

#define N_GOOD 3
#define ROUNDS 20

struct peer {
	int fd;			/* the client */
	netkit_conn *c;		/* its connection */
	bool paused;		/* its handler saw NETKIT_CONN_HIGH */
	unsigned highs;
	/* good clients: the round trip under way */
	int done;
	bool waiting;
	double sent_at, worst;
	char want[32], got[32];
	size_t have;
};

static int
local_port(int fd)
{
	netkit_addr a;

	ck_assert_int_eq(netkit_local_addr(fd, &a), 0);
	return netkit_addr_port(&a);
}

/* An echo handler that honours the marks: lines back until HIGH. */
static void
echo(struct peer *p, const netkit_loop_opts *o)
{
	char line[2048];
	ssize_t n;
	int r;

	while (!p->paused &&
	       (n = netkit_reader_read_line(netkit_conn_reader(p->c), line,
					    sizeof(line), NETKIT_NOW)) > 0) {
		r = netkit_conn_write(p->c, line, (size_t)n);
		ck_assert_int_ge(r, 0);
		ck_assert_uint_le(netkit_conn_queued(p->c), o->output_max);
		if (r == NETKIT_CONN_HIGH) {
			p->paused = true;
			p->highs++;
		}
	}
}

static void
good_turn(struct peer *g, int k)
{
	ssize_t n;

	if (!g->waiting) {
		snprintf(g->want, sizeof(g->want), "ping %d %d\n", k, g->done);
		ck_assert_int_eq(send(g->fd, g->want, strlen(g->want), 0),
				 (ssize_t)strlen(g->want));
		g->sent_at = nk_clock_ms();
		g->waiting = true;
		g->have = 0;
		return;
	}
	n = recv(g->fd, g->got + g->have, strlen(g->want) - g->have,
		 MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	ck_assert_int_gt(n, 0);
	g->have += (size_t)n;
	if (g->have < strlen(g->want))
		return;
	ck_assert_int_eq(memcmp(g->got, g->want, g->have), 0);
	if (nk_clock_ms() - g->sent_at > g->worst)
		g->worst = nk_clock_ms() - g->sent_at;
	g->waiting = false;
	g->done++;
}

static struct peer *
peer_of(struct peer *p, int n, netkit_conn *c)
{
	int port = 0, k;
	netkit_addr a;

	for (k = 0; k < n; k++)
		if (p[k].c == c)
			return &p[k];
	ck_assert_int_eq(netkit_peer_addr(netkit_conn_fd(c), &a), 0);
	port = netkit_addr_port(&a);
	for (k = 0; k < n; k++)
		if (local_port(p[k].fd) == port) {
			p[k].c = c;
			return &p[k];
		}
	ck_abort_msg("connection of no client");
	return NULL;
}

/* The bad client (peer[0]) sends up to 5 MiB of 1000-byte lines and
 * never reads; the echo handler stops at HIGH. Each good client still
 * gets all its answers; the worst round trip above 100 ms is a late
 * figure, retried. */
NK_ON_TIME_TEST(pipelining_client_that_never_reads_slows_only_itself)
{
	netkit_loop_opts o = { .output_high = 65536, .output_max = 1 << 20 };
	struct peer p[1 + N_GOOD];
	static char bad[65000];
	size_t bad_sent = 0, cap = nk_slow_runner() ? 1 << 20 : 5 << 20;
	netkit_deadline dl;
	netkit_loop_event e;
	struct peer *q;
	int k, all;
	double worst = 0;
	struct lt t;
	ssize_t n;

	memset(p, 0, sizeof(p));
	for (k = 0; k < (int)sizeof(bad); k++)
		bad[k] = k % 1000 == 999 ? '\n' : 'B';
	lt_start(&t, &o);
	p[0].fd = lt_client_rcvbuf(&t, 4096);
	for (k = 1; k <= N_GOOD; k++)
		p[k].fd = lt_client(&t);
	dl = netkit_deadline_in(nk_scaled_ms(15000));
	do {
		ck_assert_msg(netkit_now() < dl.at, "good clients starved");
		if (bad_sent < cap) {
			n = send(p[0].fd, bad, sizeof(bad), MSG_DONTWAIT);
			if (n > 0)
				bad_sent += (size_t)n;
		}
		/* The good clients start once the bad one is held. */
		for (k = 1; k <= N_GOOD; k++)
			if (p[k].c && p[k].done < ROUNDS && p[0].highs)
				good_turn(&p[k], k);
		if (lt_poll(&t, 1, &e) && e.conn) {
			q = peer_of(p, 1 + N_GOOD, e.conn);
			if (e.kind == NETKIT_LOOP_OPEN && q == &p[0])
				lt_small_sndbuf(e.conn);
			ck_assert_uint_ne(e.kind, NETKIT_LOOP_CLOSED);
			if (e.kind == NETKIT_LOOP_DRAINED)
				q->paused = false;
			echo(q, &o);
		}
		for (all = 1, k = 1; k <= N_GOOD; k++)
			all &= p[k].done == ROUNDS;
	} while (!all);
	ck_assert_msg(p[0].highs >= 1, "the bad client never filled its "
		      "queue (%zu bytes sent)", bad_sent);
	ck_assert_uint_le(netkit_conn_queued(p[0].c), o.output_max);
	for (k = 1; k <= N_GOOD; k++)
		if (p[k].worst > worst)
			worst = p[k].worst;
	if (worst > 100.0 * nk_time_scale())
		nk_late("worst round trip %.1f ms beside the pipelining client",
			worst);
	for (k = 0; k <= N_GOOD; k++)
		close(p[k].fd);
	lt_stop(&t);
}


/* One wait until dl: 0 only once dl has come (loop.h: "0: the
 * deadline passed"). */
static void
assert_zero_only_at_deadline(struct lt *t, const char *what)
{
	netkit_deadline dl = netkit_deadline_in(300);
	int n = lt_wait(t, 300);

	ck_assert_msg(n > 0 || netkit_now() >= dl.at,
		      "%s: netkit_loop_wait returned 0 %lld ms before its "
		      "deadline", what, (long long)(dl.at - netkit_now()));
}

/* Wake-ups that give the program nothing (input dropped while
 * closing, a queue moving below the marks) do not end a wait early. */
START_TEST(wait_returns_zero_only_at_its_deadline)
{
	netkit_loop_opts o = { .output_high = 4 << 20, .output_max = 8 << 20 };
	static char chunk[2 << 20], got[65536];
	netkit_conn *c, *d;
	struct lt t;
	int cl, cl2;

	lt_start(&t, &o);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_conn_close(c, netkit_deadline_in(
			 nk_scaled_ms(10000))), 0);
	lt_run(&t, 20);		/* its end sent: now it drops input */
	ck_assert_int_eq(send(cl, "x", 1, 0), 1);
	assert_zero_only_at_deadline(&t, "input dropped");
	cl2 = lt_accept_rcvbuf(&t, &d, 4096);
	lt_small_sndbuf(d);
	ck_assert_int_eq(netkit_conn_write(d, chunk, sizeof(chunk)), 0);
	lt_run(&t, 20);
	ck_assert_int_gt(recv(cl2, got, sizeof(got), 0), 0);
	assert_zero_only_at_deadline(&t, "queue moved");
	close(cl);
	close(cl2);
	lt_stop(&t);
}
END_TEST

/* Above the high mark the loop stops reading the connection: a line
 * sent then stays in the kernel (no INPUT, nothing buffered) until the
 * queue drains; then it comes. */
START_TEST(above_the_high_mark_the_loop_stops_reading)
{
	netkit_loop_opts o = { .output_high = 65536, .output_max = 4 << 20 };
	static char chunk[1 << 20], got[65536];
	netkit_loop_event e;
	netkit_deadline dl;
	netkit_conn *c;
	struct lt t;
	int cl;

	lt_start(&t, &o);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(chunk)),
			 NETKIT_CONN_HIGH);
	lt_run(&t, 20);
	ck_assert_int_eq(send(cl, "req\n", 4, 0), 4);
	lt_run(&t, 200);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_INPUT], 0);
	ck_assert_uint_eq(netkit_reader_buffered(netkit_conn_reader(c), NULL),
			  0);
	ck_assert_uint_gt(netkit_conn_queued(c), o.output_high / 4);
	/* The client reads: DRAINED, and the line is read after it. */
	dl = netkit_deadline_in(nk_scaled_ms(20000));
	while (t.count[NETKIT_LOOP_INPUT] == 0) {
		ck_assert(netkit_now() < dl.at);
		(void)recv(cl, got, sizeof(got), MSG_DONTWAIT);
		if (lt_poll(&t, 1, &e) && e.kind == NETKIT_LOOP_INPUT)
			ck_assert_uint_eq(t.count[NETKIT_LOOP_DRAINED], 1);
	}
	ck_assert_uint_eq(netkit_reader_buffered(netkit_conn_reader(c), NULL),
			  4);
	close(cl);
	lt_stop(&t);
}
END_TEST

#define N_DRAIN 600

/* More connections than a batch holds (accept_batch 1: 513 events)
 * cross the high mark together, and the kernel takes every queue in
 * the same wait: each one still gets its DRAINED (a producer that
 * obeys NETKIT_CONN_HIGH waits for it forever otherwise). */
START_TEST(every_connection_gets_its_drained_when_many_drain_at_once)
{
	netkit_loop_opts o = { .accept_batch = 1, .output_high = 1024,
			       .output_low = 256 };
	static netkit_conn *c[N_DRAIN];
	static int cl[N_DRAIN];
	static char got[4096];
	netkit_loop_event e;
	netkit_deadline dl;
	unsigned drained = 0;
	int j, n = nk_slow_runner() ? N_DRAIN / 2 + 100 : N_DRAIN;
	struct lt t;

	lt_start(&t, &o);
	for (j = 0; j < n; j++)
		cl[j] = lt_accept(&t, &c[j]);
	lt_run(&t, 20);
	for (j = 0; j < n; j++) {
		ck_assert_int_eq(netkit_conn_write(c[j], got, 2000),
				 NETKIT_CONN_HIGH);
		ck_assert_int_eq(netkit_conn_set_data(c[j], &c[j]), 0);
	}
	dl = netkit_deadline_in(nk_scaled_ms(5000));
	while (drained < (unsigned)n && lt_poll(&t, dl.at - netkit_now(), &e))
		if (e.kind == NETKIT_LOOP_DRAINED) {
			ck_assert_ptr_eq(*(netkit_conn **)e.data, e.conn);
			drained++;
		}
	ck_assert_msg(drained == (unsigned)n, "%u of %d connections got "
		      "their DRAINED", drained, n);
	for (j = 0; j < n; j++) {
		ck_assert_int_eq(recv(cl[j], got, 2000, MSG_WAITALL),
				 2000);
		close(cl[j]);
	}
	lt_stop(&t);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("loop-edge");

	NK_ADD_TEST(s, idle_connection_closes_with_eidle_never_early);
	suite_add_tcase(s, nk_tcase_with(
		"stalled_output_closes_with_estall_never_early",
		stalled_output_closes_with_estall_never_early, 2));
	NK_ADD_TEST(s, close_deadline_with_output_unsent_is_etimedout);
	NK_ADD_TEST(s, close_waits_for_the_peer_until_the_deadline);
	NK_ADD_TEST(s, pipelining_client_that_never_reads_slows_only_itself);
	NK_ADD_TEST(s, wait_returns_zero_only_at_its_deadline);
	NK_ADD_TEST(s, above_the_high_mark_the_loop_stops_reading);
	NK_ADD_TEST(s, every_connection_gets_its_drained_when_many_drain_at_once);
	return s;
}
