/* SPDX-License-Identifier: MIT */
/*
 * The deadline layer: netkit_now(), netkit_deadline_in() and every _until
 * call against peers that never answer, on blocking (_i = 0) and
 * non-blocking (_i = 1) descriptors. Times are measured with the
 * monotonic clock: never before the deadline, at most 10 % (+ slack)
 * after it, in one of NK_TRIES tries (timing.h). FOREVER, signals,
 * partial progress, bad input and whole transfers are in
 * test-deadline-edge.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "sys.h"
#include "timing.h"

#define NB (_i == 1)
/* A test run on a blocking (_i = 0) and a non-blocking (_i = 1) fd. */
#define NK_ADD_TEST_MODES(s, t) suite_add_tcase((s), nk_tcase_with(#t, (t), 2))
#define WAIT_MS 250

/* Runs call, which uses the deadline dl set WAIT_MS from now, and checks
 * that it fails with -ETIMEDOUT on time. */
#define EXPECT_TIMEOUT(call) \
	do { \
		double t0_ = nk_clock_ms(); \
		netkit_deadline dl = netkit_deadline_in(WAIT_MS); \
		ssize_t rc_ = (call); \
		double t1_ = nk_clock_ms(); \
		ck_assert_msg(rc_ == -ETIMEDOUT, "%s: %s, not ETIMEDOUT", \
			      #call, netkit_errname((int)rc_)); \
		nk_assert_on_time(#call, t0_, dl, t1_); \
	} while (0)

/* ---- the seam: which polls may block ---- */

static atomic_int blocking_polls;

static int
counting_poll(struct pollfd *p, nfds_t n, int ms)
{
	if (ms != 0)
		atomic_fetch_add(&blocking_polls, 1);
	return poll(p, n, ms);
}

static void
count_polls(void)
{
	atomic_store(&blocking_polls, 0);
	netkit__sys.poll = counting_poll;
}

static void
uncount_polls(void)
{
	netkit__sys = netkit__sys_default;
	ck_assert_msg(atomic_load(&blocking_polls) == 0,
		      "a deadline already past still waited (%d polls)",
		      atomic_load(&blocking_polls));
}

/* ---- the clock ---- */

START_TEST(now_is_monotonic_milliseconds)
{
	int64_t prev, n;
	double before, after;
	int i;

	before = nk_clock_ms();
	n = netkit_now();
	after = nk_clock_ms();
	ck_assert_int_ge(n, (int64_t)before);
	ck_assert_int_le(n, (int64_t)after);
	prev = n;
	for (i = 0; i < 100000; i++) {
		n = netkit_now();
		if (n < prev)
			ck_abort_msg("netkit_now() went back: %lld after %lld",
				     (long long)n, (long long)prev);
		prev = n;
	}
	/* Milliseconds, not seconds or microseconds: 30 ms of poll(). */
	before = nk_clock_ms();
	prev = netkit_now();
	poll(NULL, 0, 30);
	n = netkit_now() - prev;
	ck_assert_int_ge(n, 29);
	ck_assert_int_le(n, (int64_t)(nk_clock_ms() - before) + 1);
}
END_TEST

START_TEST(deadline_in_negative_is_forever_zero_is_now_overflow_clamps)
{
	int64_t before, d;

	ck_assert_int_eq(netkit_deadline_in(-1).at, -1);
	ck_assert_int_eq(netkit_deadline_in(-2).at, -1);
	ck_assert_int_eq(netkit_deadline_in(INT64_MIN).at, -1);
	before = netkit_now();
	d = netkit_deadline_in(0).at;
	ck_assert_int_ge(d, before);
	ck_assert_int_le(d, netkit_now());
	before = netkit_now();
	d = netkit_deadline_in(1500).at;
	ck_assert_int_ge(d, before + 1500);
	ck_assert_int_le(d, netkit_now() + 1500);
	ck_assert_int_eq(netkit_deadline_in(INT64_MAX).at, INT64_MAX);
	ck_assert_int_eq(netkit_deadline_in(INT64_MAX - 1).at, INT64_MAX);
	ck_assert_int_eq(netkit_deadline_in(INT64_MAX - netkit_now() / 2).at,
			 INT64_MAX);
}
END_TEST

static atomic_int clock_reads;

static int
counting_clock(clockid_t id, struct timespec *ts)
{
	atomic_fetch_add(&clock_reads, 1);
	return clock_gettime(id, ts);
}

START_TEST(deadline_at_is_the_time_given_and_reads_no_clock)
{
	static const int64_t times[] = { 0, 1, 5, 123456789, INT64_MAX - 1,
					 INT64_MAX, -1, -2, INT64_MIN };
	size_t i;

	atomic_store(&clock_reads, 0);
	netkit__sys.clock_gettime = counting_clock;
	for (i = 0; i < N_ELEMS(times); i++)
		ck_assert_int_eq(netkit_deadline_at(times[i]).at, times[i]);
	netkit__sys = netkit__sys_default;
	ck_assert_int_eq(atomic_load(&clock_reads), 0);
	/* The named deadlines are the times -1 and 0. */
	ck_assert_int_eq(NETKIT_FOREVER.at, -1);
	ck_assert_int_eq(netkit_deadline_at(-1).at, NETKIT_FOREVER.at);
	ck_assert_int_eq(NETKIT_NOW.at, 0);
	ck_assert_int_eq(netkit_deadline_at(0).at, NETKIT_NOW.at);
}
END_TEST

START_TEST(deadline_left_is_minus_one_for_forever_and_zero_once_past)
{
	int64_t now;
	netkit_deadline d;

	ck_assert_int_eq(netkit_deadline_left(NETKIT_FOREVER), -1);
	ck_assert_int_eq(netkit_deadline_left(netkit_deadline_in(-1)), -1);
	ck_assert_int_eq(netkit_deadline_left(netkit_deadline_at(-1)), -1);
	ck_assert_int_eq(netkit_deadline_left(NETKIT_NOW), 0);
	ck_assert_int_eq(netkit_deadline_left(netkit_deadline_in(0)), 0);
	ck_assert_int_eq(netkit_deadline_left(netkit_deadline_at(1)), 0);
	now = netkit_now();
	ck_assert_int_eq(netkit_deadline_left(netkit_deadline_at(now)), 0);
	ck_assert_int_eq(netkit_deadline_left(netkit_deadline_at(now - 1000)),
			 0);
	/* Times before -1 are long past too (every call refuses them):
	 * 0, not a negative count, nor an overflow from INT64_MIN. */
	ck_assert_int_eq(netkit_deadline_left(netkit_deadline_at(-2)), 0);
	ck_assert_int_eq(netkit_deadline_left(netkit_deadline_at(INT64_MIN)),
			 0);
	ck_assert_int_eq(netkit_deadline_left(netkit_deadline_at(INT64_MIN +
								   1)), 0);
	/* The latest deadline: no overflow either. */
	ck_assert_int_gt(netkit_deadline_left(netkit_deadline_at(INT64_MAX)),
			 INT64_MAX - netkit_now() - 1000);
	/* A deadline reached while we wait: 0 from then on. The wait is
	 * bounded (5 s), not timed. */
	d = netkit_deadline_in(20);
	while (netkit_now() < d.at && netkit_now() < d.at + 5000)
		poll(NULL, 0, 5);
	ck_assert_int_eq(netkit_deadline_left(d), 0);
}
END_TEST

START_TEST(deadline_left_right_after_deadline_in_is_about_ms_never_more)
{
	static const int64_t ms[] = { 1, 250, 3000, 86400000,
				      INT64_MAX / 4 };
	int64_t before, after, left;
	netkit_deadline d;
	size_t i;

	for (i = 0; i < N_ELEMS(ms); i++) {
		before = netkit_now();
		d = netkit_deadline_in(ms[i]);
		left = netkit_deadline_left(d);
		after = netkit_now();
		/* Never more than asked; less only by the time that went by
		 * between the two calls (exact: no bound on the machine). */
		ck_assert_int_le(left, ms[i]);
		ck_assert_int_ge(left, ms[i] - (after - before));
	}
	/* It counts down: after 30 ms of sleep, at least 29 fewer (whole
	 * milliseconds of a clock that truncates). */
	d = netkit_deadline_in(1000);
	poll(NULL, 0, 30);
	ck_assert_int_le(netkit_deadline_left(d), 1000 - 29);
}
END_TEST

START_TEST(now_is_a_deadline_already_reached_try_once)
{
	char buf[8];
	int c, s;

	nk_tcp_pair(AF_INET, &c, &s);
	/* Nothing there: the one attempt, no wait. */
	count_polls();
	ck_assert_int_eq(netkit_recv_until(c, buf, sizeof(buf), NETKIT_NOW),
			 -ETIMEDOUT);
	uncount_polls();
	/* Something there: taken, still without a wait. */
	ck_assert_int_eq(send(s, "ab", 2, 0), 2);
	ck_assert(nk_readable(c, 5000));
	count_polls();
	ck_assert_int_eq(netkit_recv_until(c, buf, sizeof(buf), NETKIT_NOW),
			 2);
	uncount_polls();
	ck_assert_mem_eq(buf, "ab", 2);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

/* A deadline before -1 (only netkit_deadline_at() or a hand-made value
 * gives one) is refused with -EINVAL by every call that takes one, and
 * the call does nothing: a sample of them, one per file. */
START_TEST(deadline_below_minus_one_is_refused_and_nothing_happens)
{
	static const int64_t bad[] = { -2, -1000, INT64_MIN };
	netkit_addrinfo *ai = (netkit_addrinfo *)&ai;
	netkit_connect_report rep = { .count = 99 };
	netkit_reader r;
	netkit_addr la;
	char rbuf[64], line[16];
	int c, s, l, fds;
	size_t k;

	nk_tcp_pair(AF_INET, &c, &s);
	l = nk_listen(AF_INET, &la);
	ck_assert_int_eq(send(s, "line\n", 5, 0), 5);
	ck_assert(nk_readable(c, 5000));
	ck_assert_int_eq(netkit_reader_init(&r, c, rbuf, sizeof(rbuf)), 0);
	memset(line, SENTINEL, sizeof(line));
	fds = nk_count_fds();
	for (k = 0; k < N_ELEMS(bad); k++) {
		netkit_deadline dl = netkit_deadline_at(bad[k]);
		char port[8];

		snprintf(port, sizeof(port), "%d", netkit_addr_port(&la));
		ck_assert_int_eq(netkit_recv_until(c, line, sizeof(line), dl),
				 -EINVAL);
		ck_assert_int_eq(netkit_reader_read_line(&r, line,
							 sizeof(line), dl),
				 -EINVAL);
		ck_assert_int_eq(netkit_getaddrinfo_until("127.0.0.1", "80",
							  NULL, &ai, dl),
				 -EINVAL);
		ck_assert_int_eq(netkit_create_connection("127.0.0.1", port,
							  NULL, &rep, dl),
				 -EINVAL);
		ck_assert_int_eq(netkit_create_server("127.0.0.1", "0", NULL,
						      dl), -EINVAL);
		ck_assert_int_eq(netkit_create_server(NULL, "0", NULL, dl),
				 -EINVAL);
	}
	/* Nothing read, resolved, connected or made. */
	ck_assert_ptr_eq(ai, (netkit_addrinfo *)&ai);
	ck_assert_uint_eq(rep.count, 99);
	ck_assert_int_eq(line[0], (char)SENTINEL);
	ck_assert_int_eq(nk_count_fds(), fds);
	ck_assert(!nk_readable(l, 0));
	ck_assert_int_eq(netkit_reader_read_line(&r, line, sizeof(line),
						 NETKIT_NOW), 5);
	ck_assert_str_eq(line, "line\n");
	netkit_close(l);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

/* ---- peers that never answer ---- */

NK_ON_TIME_TEST(recv_until_times_out_on_silent_peer)
{
	unsigned char buf[64];
	int c, s, fl;

	nk_tcp_pair(AF_INET, &c, &s);
	fl = nk_set_nonblocking(c, NB);
	memset(buf, SENTINEL, sizeof(buf));
	EXPECT_TIMEOUT(netkit_recv_until(c, buf, sizeof(buf), dl));
	ck_assert_int_eq(nk_flags(c), fl);
	ck_assert_int_eq(buf[0], SENTINEL);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

NK_ON_TIME_TEST(recv_exact_until_times_out_and_got_counts_partial_data)
{
	unsigned char buf[100], want[10];
	size_t got = 12345;
	int c, s, fl;

	nk_tcp_pair(AF_INET, &c, &s);
	fl = nk_set_nonblocking(c, NB);
	nk_stream_fill(want, sizeof(want), 0);
	ck_assert_int_eq(netkit_send(s, want, sizeof(want)), 10);
	memset(buf, SENTINEL, sizeof(buf));
	EXPECT_TIMEOUT(netkit_recv_exact_until(c, buf, sizeof(buf), &got, dl));
	ck_assert_uint_eq(got, 10);
	ck_assert_mem_eq(buf, want, 10);
	ck_assert_int_eq(buf[10], SENTINEL);
	ck_assert_int_eq(nk_flags(c), fl);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

NK_ON_TIME_TEST(recvfrom_until_times_out_on_silent_udp)
{
	netkit_addr bound, from, ref;
	unsigned char buf[64];
	int u, fl;

	u = nk_udp(AF_INET, &bound);
	fl = nk_set_nonblocking(u, NB);
	memset(&from, SENTINEL, sizeof(from));
	memset(&ref, SENTINEL, sizeof(ref));
	EXPECT_TIMEOUT(netkit_recvfrom_until(u, buf, sizeof(buf), &from, dl));
	ck_assert_mem_eq(&from, &ref, sizeof(from));
	ck_assert_int_eq(nk_flags(u), fl);
	netkit_close(u);
}
END_TEST

/* Stuffs c's send buffer and s's receive buffer (s never reads) until
 * no room is left; *off is the count of stream bytes that went. */
static void
stuff_pair(int c, int s, uint64_t *off)
{
	nk_small_buffers(c, s);
	*off = 0;
	nk_stream_stuff(c, off);
}

/* netkit_send_until() of the stream's next bytes to a stuffed peer, with
 * deadline dl (past) or WAIT_MS from now; made again while it succeeds:
 * TCP frees a little room now and then (it collapses the receive queue,
 * then reopens the window), which *off counts. Checks that the call
 * that fails fails with -ETIMEDOUT on time (at once if past). */
static void
send_until_times_out(int c, uint64_t *off, bool past, netkit_deadline dl)
{
	unsigned char chunk[4096];
	double t0 = 0, t1 = 0;
	ssize_t rc = 0;
	int i;

	for (i = 0; i < 50; i++) {
		nk_stream_fill(chunk, sizeof(chunk), *off);
		t0 = nk_clock_ms();
		if (!past)
			dl = netkit_deadline_in(WAIT_MS);
		rc = netkit_send_until(c, chunk, sizeof(chunk), dl);
		t1 = nk_clock_ms();
		if (rc <= 0)
			break;
		*off += (uint64_t)rc;
	}
	ck_assert_msg(rc == -ETIMEDOUT, "send_until: %s, not ETIMEDOUT",
		      netkit_errname((int)rc));
	if (past)
		nk_assert_within("send_until(past)", t0, t1, 5);
	else
		nk_assert_on_time("send_until", t0, dl, t1);
}

NK_ON_TIME_TEST(send_until_times_out_on_peer_that_never_reads)
{
	uint64_t off;
	int c, s, fl;

	nk_tcp_pair(AF_INET, &c, &s);
	stuff_pair(c, s, &off);
	fl = nk_set_nonblocking(c, NB);
	send_until_times_out(c, &off, false, NETKIT_NOW);
	ck_assert_int_eq(nk_flags(c), fl);
	/* What timed out went nowhere: the peer drains exactly off. */
	ck_assert_int_eq(shutdown(c, SHUT_WR), 0);
	ck_assert_uint_eq(nk_stream_drain(s), off);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

NK_ON_TIME_TEST(send_all_until_times_out_and_sent_is_what_peer_drains)
{
	const size_t len = 4u << 20;
	unsigned char *big = malloc(len);
	size_t sent = 12345, sent2 = 12345;
	int c, s, fl;

	ck_assert_ptr_nonnull(big);
	nk_tcp_pair(AF_INET, &c, &s);
	nk_small_buffers(c, s);
	fl = nk_set_nonblocking(c, NB);
	nk_stream_fill(big, len, 0);
	/* Progress, then full buffers: the rest times out. */
	EXPECT_TIMEOUT(netkit_send_all_until(c, big, len, &sent, dl));
	ck_assert_uint_gt(sent, 0);
	ck_assert_uint_lt(sent, len);
	/* Already full: nothing more goes, and the wait is as long. */
	EXPECT_TIMEOUT(netkit_send_all_until(c, big + sent, len - sent,
					     &sent2, dl));
	ck_assert_int_eq(nk_flags(c), fl);
	ck_assert_int_eq(shutdown(c, SHUT_WR), 0);
	ck_assert_uint_eq(nk_stream_drain(s), sent + sent2);
	free(big);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

NK_ON_TIME_TEST(accept_until_times_out_when_nobody_connects)
{
	netkit_addr a, peer, ref;
	int l, fl;

	l = nk_listen(AF_INET, &a);
	fl = nk_set_nonblocking(l, NB);
	memset(&peer, SENTINEL, sizeof(peer));
	memset(&ref, SENTINEL, sizeof(ref));
	EXPECT_TIMEOUT(netkit_accept_until(l, &peer, dl));
	ck_assert_mem_eq(&peer, &ref, sizeof(peer));
	ck_assert_int_eq(nk_flags(l), fl);
	netkit_close(l);
}
END_TEST

NK_ON_TIME_TEST(connect_until_times_out_on_blackholed_listener)
{
	netkit_addr a;
	int l, filler, c, fl;

	l = nk_blackhole(AF_INET, &a, &filler);
	c = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	fl = nk_set_nonblocking(c, NB);
	EXPECT_TIMEOUT(netkit_connect_until(c, &a, dl));
	/* On a blocking socket O_NONBLOCK was set around connect() only. */
	ck_assert_int_eq(nk_flags(c), fl);
	netkit_close(c);
	netkit_close(filler);
	netkit_close(l);
}
END_TEST

/* ---- flags after success ---- */

START_TEST(until_calls_keep_descriptor_flags_on_success)
{
	netkit_addr la, ua, ub;
	unsigned char buf[16];
	size_t n;
	int l, c, s, u, v, fl, cfl, ufl;
	netkit_deadline dl = netkit_deadline_in(5000);

	l = nk_listen(AF_INET, &la);
	fl = nk_set_nonblocking(l, NB);
	c = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	cfl = nk_set_nonblocking(c, NB);
	ck_assert_int_eq(netkit_connect_until(c, &la, dl), 0);
	ck_assert_int_eq(nk_flags(c), cfl);
	s = netkit_accept_until(l, NULL, dl);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(nk_flags(l), fl);
	nk_set_nonblocking(s, NB);
	ck_assert_int_eq(netkit_send_until(c, "abcd", 4, dl), 4);
	ck_assert_int_eq(netkit_send_all_until(c, "efgh", 4, &n, dl), 4);
	ck_assert_int_eq(netkit_recv_until(s, buf, 2, dl), 2);
	ck_assert_int_eq(netkit_recv_exact_until(s, buf + 2, 6, &n, dl), 6);
	ck_assert_mem_eq(buf, "abcdefgh", 8);
	ck_assert_int_eq(!!(nk_flags(c) & O_NONBLOCK), NB);
	ck_assert_int_eq(!!(nk_flags(s) & O_NONBLOCK), NB);
	u = nk_udp(AF_INET, &ua);
	v = nk_udp(AF_INET, &ub);
	ufl = nk_set_nonblocking(u, NB);
	nk_set_nonblocking(v, NB);
	ck_assert_int_eq(netkit_sendto_until(u, "dg", 2, &ub, dl), 2);
	ck_assert_int_eq(netkit_recvfrom_until(v, buf, sizeof(buf), NULL, dl),
			 2);
	ck_assert_int_eq(nk_flags(u), ufl);
	ck_assert_int_eq(!!(nk_flags(v) & O_NONBLOCK), NB);
	netkit_close(u);
	netkit_close(v);
	netkit_close(c);
	netkit_close(s);
	netkit_close(l);
}
END_TEST

/* ---- deadline 0 and deadlines past: try once ---- */

/* Waits (at most 5 s) until fd has n bytes queued to read. */
static void
wait_queued(int fd, int n)
{
	double end = nk_clock_ms() + 5000;
	int q = 0;

	while (nk_clock_ms() < end) {
		ck_assert_int_eq(ioctl(fd, FIONREAD, &q), 0);
		if (q >= n)
			return;
		nk_readable(fd, 10);
	}
	ck_abort_msg("only %d of %d bytes arrived", q, n);
}

START_TEST(past_deadline_takes_what_is_already_there)
{
	int64_t past[2] = { 0, netkit_now() - 1000 };
	netkit_addr la, ua, ub;
	unsigned char buf[16];
	size_t n;
	int k, l, c, s, a, u, v;

	l = nk_listen(AF_INET, &la);
	nk_set_nonblocking(l, NB);
	u = nk_udp(AF_INET, &ua);
	v = nk_udp(AF_INET, &ub);
	nk_set_nonblocking(v, NB);
	for (k = 0; k < 2; k++) {
		c = netkit_socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_eq(netkit_connect(c, &la), 0);
		ck_assert(nk_readable(l, 5000));
		count_polls();
		a = netkit_accept_until(l, NULL, netkit_deadline_at(past[k]));
		ck_assert_msg(a >= 0, "accept_until(%lld) with a connection "
			      "waiting: %s", (long long)past[k],
			      netkit_errname(a));
		s = a;
		nk_set_nonblocking(s, NB);
		ck_assert_int_eq(netkit_send_until(c, "abcd", 4, netkit_deadline_at(past[k])), 4);
		ck_assert_int_eq(netkit_send_all_until(c, "efgh", 4,
						       &n, netkit_deadline_at(past[k])), 4);
		ck_assert_int_eq(netkit_sendto_until(u, "dg", 2, &ub, netkit_deadline_at(past[k])),
				 2);
		uncount_polls();
		wait_queued(s, 8);
		ck_assert(nk_readable(v, 5000));
		count_polls();
		ck_assert_int_eq(netkit_recv_until(s, buf, 2, netkit_deadline_at(past[k])), 2);
		ck_assert_int_eq(netkit_recv_exact_until(s, buf + 2, 6, &n,
							 netkit_deadline_at(past[k])), 6);
		ck_assert_uint_eq(n, 6);
		ck_assert_mem_eq(buf, "abcdefgh", 8);
		ck_assert_int_eq(netkit_recvfrom_until(v, buf, 16, NULL,
						       netkit_deadline_at(past[k])), 2);
		uncount_polls();
		netkit_close(c);
		netkit_close(s);
	}
	netkit_close(u);
	netkit_close(v);
	netkit_close(l);
}
END_TEST

/* Checks rc is -ETIMEDOUT, returned at once. */
static void
expect_at_once(const char *what, ssize_t rc, double t0)
{
	double t1 = nk_clock_ms();

	ck_assert_msg(rc == -ETIMEDOUT, "%s: %s, not ETIMEDOUT", what,
		      netkit_errname((int)rc));
	nk_assert_within(what, t0, t1, 5);
}

#define AT_ONCE(call) \
	do { \
		double t0_ = nk_clock_ms(); \
		expect_at_once(#call, (call), t0_); \
	} while (0)

NK_ON_TIME_TEST(past_deadline_with_nothing_there_times_out_at_once)
{
	int64_t past[3] = { 0, 1, netkit_now() - 1000 };
	netkit_addr la, ua;
	unsigned char buf[64];
	uint64_t off;
	size_t n = 12345;
	int k, l, c, s, u;

	l = nk_listen(AF_INET, &la);
	nk_set_nonblocking(l, NB);
	u = nk_udp(AF_INET, &ua);
	nk_set_nonblocking(u, NB);
	nk_tcp_pair(AF_INET, &c, &s);
	nk_set_nonblocking(c, NB);
	nk_set_nonblocking(s, NB);
	for (k = 0; k < 3; k++) {
		count_polls();
		AT_ONCE(netkit_accept_until(l, NULL, netkit_deadline_at(past[k])));
		AT_ONCE(netkit_recv_until(s, buf, sizeof(buf), netkit_deadline_at(past[k])));
		AT_ONCE(netkit_recv_exact_until(s, buf, 8, &n, netkit_deadline_at(past[k])));
		ck_assert_uint_eq(n, 0);
		AT_ONCE(netkit_recvfrom_until(u, buf, sizeof(buf), NULL,
					      netkit_deadline_at(past[k])));
		uncount_polls();
	}
	stuff_pair(c, s, &off);
	for (k = 0; k < 3; k++) {
		count_polls();
		send_until_times_out(c, &off, true, netkit_deadline_at(past[k]));
		nk_stream_fill(buf, sizeof(buf), off);
		AT_ONCE(netkit_send_all_until(c, buf, sizeof(buf),
					      &n, netkit_deadline_at(past[k])));
		off += n;
		uncount_polls();
	}
	ck_assert_int_eq(shutdown(c, SHUT_WR), 0);
	ck_assert_uint_eq(nk_stream_drain(s), off);
	netkit_close(c);
	netkit_close(s);
	netkit_close(u);
	netkit_close(l);
}
END_TEST

NK_ON_TIME_TEST(connect_until_zero_deadline_to_listener_leaves_handshake_going)
{
	netkit_addr la, peer;
	struct pollfd p;
	double t0;
	int l, c, fl, rc, a;

	l = nk_listen(AF_INET, &la);
	c = netkit_socket(AF_INET, SOCK_STREAM, 0);
	fl = nk_set_nonblocking(c, NB);
	count_polls();
	t0 = nk_clock_ms();
	rc = netkit_connect_until(c, &la, NETKIT_NOW);
	nk_assert_within("connect_until(0)", t0, nk_clock_ms(), 5);
	uncount_polls();
	/* Which one is the kernel's business: loopback usually answers
	 * after connect() returned EINPROGRESS. */
	ck_assert_msg(rc == 0 || rc == -ETIMEDOUT, "connect_until(0): %s",
		      netkit_errname(rc));
	ck_assert_int_eq(nk_flags(c), fl);
	/* Either way the handshake completes. */
	a = netkit_accept_until(l, NULL, netkit_deadline_in(5000));
	ck_assert_int_ge(a, 0);
	p = (struct pollfd){ .fd = c, .events = POLLOUT };
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(netkit_peer_addr(c, &peer), 0);
	ck_assert(netkit_addr_equal(&peer, &la));
	netkit_close(a);
	netkit_close(c);
	netkit_close(l);
}
END_TEST

/* ---- a UDP send that blocks ---- */

/* What the namespace child saw, for the parent to check. */
struct udp_result {
	int skip;
	int fl_before, fl_after;
	ssize_t rc;
	double t0, t1;
	netkit_deadline dl;
};

/* A UDP send on loopback never blocks: delivery frees the sender's
 * buffer at once. Inside a network namespace of our own, datagrams to a
 * neighbour that never answers ARP wait in the neighbour queue, holding
 * the sender's buffer: the next send blocks. Runs in a forked child;
 * returns nothing, reports through *r. */
static void
udp_blocking_child(bool nb, struct udp_result *r)
{
	char chunk[1000] = { 0 };
	netkit_addr to;
	int fd, i, small = 4096;

	r->skip = 1;
	if (unshare(CLONE_NEWNET) < 0 ||
	    system("{ ip link set lo up && "
		   "ip link add nkva type veth peer name nkvb && "
		   "ip addr add 10.99.0.1/24 dev nkva && "
		   "ip link set nkva up && ip link set nkvb up; } "
		   ">/dev/null 2>&1") != 0)
		return;
	fd = netkit_socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || netkit_addr_from_ip(&to, "10.99.0.2", 9) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) < 0)
		return;
	for (i = 0; i < 1000; i++)
		if (netkit_sendto_until(fd, chunk, sizeof(chunk), &to, NETKIT_NOW) < 0)
			break;
	if (i == 1000)
		return;
	r->fl_before = fcntl(fd, F_GETFL);
	if (nb)
		fcntl(fd, F_SETFL, r->fl_before |= O_NONBLOCK);
	r->skip = 0;
	r->t0 = nk_clock_ms();
	r->dl = netkit_deadline_in(WAIT_MS);
	r->rc = netkit_sendto_until(fd, chunk, sizeof(chunk), &to, r->dl);
	r->t1 = nk_clock_ms();
	r->fl_after = fcntl(fd, F_GETFL);
	close(fd);
}

NK_ON_TIME_TEST(sendto_until_times_out_when_udp_send_buffer_is_held)
{
	struct udp_result r;
	int p[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		memset(&r, 0, sizeof(r));
		udp_blocking_child(NB, &r);
		_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	ck_assert_msg(nk_readable(p[0], 10000), "namespace child hangs");
	ck_assert_int_eq(read(p[0], &r, sizeof(r)), sizeof(r));
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (r.skip) {
		NK_SKIP("no network namespace with a veth pair here "
			"(needs CAP_NET_ADMIN and ip)");
	}
	ck_assert_msg(r.rc == -ETIMEDOUT, "sendto_until: %s",
		      netkit_errname((int)r.rc));
	nk_assert_on_time("sendto_until", r.t0, r.dl, r.t1);
	ck_assert_int_eq(r.fl_after, r.fl_before);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("deadline");

	NK_ADD_TEST(s, now_is_monotonic_milliseconds);
	NK_ADD_TEST(s,
		deadline_in_negative_is_forever_zero_is_now_overflow_clamps);
	NK_ADD_TEST(s, deadline_at_is_the_time_given_and_reads_no_clock);
	NK_ADD_TEST(s,
		deadline_left_is_minus_one_for_forever_and_zero_once_past);
	NK_ADD_TEST(s,
		deadline_left_right_after_deadline_in_is_about_ms_never_more);
	NK_ADD_TEST(s, now_is_a_deadline_already_reached_try_once);
	NK_ADD_TEST(s,
		deadline_below_minus_one_is_refused_and_nothing_happens);
	NK_ADD_TEST_MODES(s, recv_until_times_out_on_silent_peer);
	NK_ADD_TEST_MODES(s,
		recv_exact_until_times_out_and_got_counts_partial_data);
	NK_ADD_TEST_MODES(s, recvfrom_until_times_out_on_silent_udp);
	NK_ADD_TEST_MODES(s, send_until_times_out_on_peer_that_never_reads);
	NK_ADD_TEST_MODES(s,
		send_all_until_times_out_and_sent_is_what_peer_drains);
	NK_ADD_TEST_MODES(s,
		sendto_until_times_out_when_udp_send_buffer_is_held);
	NK_ADD_TEST_MODES(s, accept_until_times_out_when_nobody_connects);
	NK_ADD_TEST_MODES(s, connect_until_times_out_on_blackholed_listener);
	NK_ADD_TEST_MODES(s, until_calls_keep_descriptor_flags_on_success);
	NK_ADD_TEST_MODES(s, past_deadline_takes_what_is_already_there);
	NK_ADD_TEST_MODES(s,
		past_deadline_with_nothing_there_times_out_at_once);
	NK_ADD_TEST_MODES(s,
		connect_until_zero_deadline_to_listener_leaves_handshake_going);
	return s;
}
