/* SPDX-License-Identifier: MIT */
/*
 * netkit_create_connection(): Happy Eyeballs over real loopback sockets.
 * Address lists are fed to netkit__connect_addrs() directly, so that
 * every race is set up exactly; the public call is checked on top.
 *
 * A "blackhole" is a listener with backlog 0 whose accept queue is
 * already full (one client connected, never accepted): Linux drops any
 * further SYN, so a connect() to it hangs until the client's SYN is
 * retransmitted into a queue with room, or for ever.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "timing.h"
#include "netkit-private.h"

struct blackhole {
	int lfd, filler;
	netkit_addr addr;
};

static void
blackhole_open(int family, struct blackhole *b)
{
	netkit_addr a;

	nk_loopback(family, 0, &a);
	b->lfd = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(b->lfd, 0);
	ck_assert_int_eq(netkit_bind(b->lfd, &a), 0);
	ck_assert_int_eq(netkit_listen(b->lfd, 0), 0);
	ck_assert_int_eq(netkit_local_addr(b->lfd, &b->addr), 0);
	b->filler = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(b->filler, 0);
	ck_assert_int_eq(netkit_connect_until(b->filler, &b->addr,
					      netkit_deadline_in(5000)), 0);
	/* The filler sits in the accept queue: the queue is full. */
	ck_assert(nk_readable(b->lfd, 5000));
}

static void
blackhole_close(struct blackhole *b)
{
	netkit_close(b->filler);
	netkit_close(b->lfd);
}

NK_ON_TIME_TEST(blackhole_then_working_wins_after_the_default_delay)
{
	struct blackhole bh;
	netkit_attempt tries[4];
	netkit_addr addrs[2];
	netkit_connect_opts o = { 0 };
	netkit_connect_report rep = { .attempts = tries, .len = 4, .count = 99 };
	double t0, elapsed;
	int family, lfd, fd;

	FAMILY_OR_SKIP(family);
	blackhole_open(family, &bh);
	lfd = nk_listen(family, &addrs[1]);
	addrs[0] = bh.addr;
	/* Whole milliseconds, as the library counts its delay. */
	t0 = (double)nk_now_ms();
	fd = netkit__connect_addrs(addrs, 2, &o, &rep, netkit_deadline_in(5000));
	elapsed = (double)nk_now_ms() - t0;
	ck_assert_int_ge(fd, 0);
	/* Never before the delay; late by at most 10 % + 25 ms. */
	nk_assert_late("the working address",
		       elapsed - NETKIT_CONNECT_DELAY_DEFAULT,
		       NETKIT_CONNECT_DELAY_DEFAULT);
	ck_assert_uint_eq(rep.count, 2);
	nk_assert_addr_equal(&tries[0].addr, &bh.addr);
	ck_assert_int_eq(tries[0].result, -ECANCELED);
	nk_assert_addr_equal(&tries[1].addr, &addrs[1]);
	ck_assert_int_eq(tries[1].result, 0);
	ck_assert_int_ge(tries[1].start - tries[0].start,
			 NETKIT_CONNECT_DELAY_DEFAULT);
	ck_assert_int_le(tries[0].start, tries[0].end);
	nk_assert_connected_to(fd, lfd, &addrs[1]);
	netkit_close(fd);
	netkit_close(lfd);
	blackhole_close(&bh);
}
END_TEST

NK_ON_TIME_TEST(both_blackholed_time_out_at_the_deadline)
{
	struct blackhole a, b;
	netkit_attempt tries[2];
	netkit_addr addrs[2];
	netkit_connect_opts o = { .attempt_delay = 100 };
	netkit_connect_report rep = { .attempts = tries, .len = 2, .count = 0 };
	double t0;
	netkit_deadline dl;
	int family;

	FAMILY_OR_SKIP(family);
	blackhole_open(family, &a);
	blackhole_open(family, &b);
	addrs[0] = a.addr;
	addrs[1] = b.addr;
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(500);
	ck_assert_int_eq(netkit__connect_addrs(addrs, 2, &o, &rep, dl), -ETIMEDOUT);
	nk_assert_on_time("the race", t0, dl, nk_clock_ms());
	ck_assert_int_ge(netkit_now(), dl.at);
	ck_assert_uint_eq(rep.count, 2);
	ck_assert_int_eq(tries[0].result, -ECANCELED);
	ck_assert_int_eq(tries[1].result, -ECANCELED);
	ck_assert_int_ge(tries[1].start - tries[0].start, 100);
	ck_assert_int_ge(tries[1].end, dl.at);
	blackhole_close(&a);
	blackhole_close(&b);
}
END_TEST

NK_ON_TIME_TEST(refused_then_working_connects_at_once)
{
	netkit_attempt tries[2];
	netkit_addr addrs[2];
	netkit_connect_opts o = { .attempt_delay = 1000 };
	netkit_connect_report rep = { .attempts = tries, .len = 2, .count = 0 };
	double t0;
	int family, lfd, fd;

	FAMILY_OR_SKIP(family);
	nk_refused_addr(family, &addrs[0]);
	lfd = nk_listen(family, &addrs[1]);
	t0 = nk_clock_ms();
	fd = netkit__connect_addrs(addrs, 2, &o, &rep, netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	/* 25 ms plus the slack: far under the 1000 ms delay. */
	nk_assert_within("refused then working", t0, nk_clock_ms(), 25);
	ck_assert_uint_eq(rep.count, 2);
	ck_assert_int_eq(tries[0].result, -ECONNREFUSED);
	ck_assert_int_eq(tries[1].result, 0);
	nk_assert_connected_to(fd, lfd, &addrs[1]);
	netkit_close(fd);
	netkit_close(lfd);
}
END_TEST

NK_ON_TIME_TEST(all_refused_returns_econnrefused)
{
	netkit_attempt tries[3];
	netkit_addr addrs[3];
	size_t i;
	netkit_connect_opts o = { 0 };
	netkit_connect_report rep = { .attempts = tries, .len = 3, .count = 0 };
	double t0;
	int family;

	FAMILY_OR_SKIP(family);
	for (i = 0; i < 3; i++)
		nk_refused_addr(family, &addrs[i]);
	t0 = nk_clock_ms();
	ck_assert_int_eq(netkit__connect_addrs(addrs, 3, &o, &rep, NETKIT_FOREVER),
			 -ECONNREFUSED);
	/* Each refusal starts the next at once: no delay is waited (two
	 * would be 500 ms). */
	nk_assert_within("three refusals", t0, nk_clock_ms(),
			 NETKIT_CONNECT_DELAY_DEFAULT - 25);
	ck_assert_uint_eq(rep.count, 3);
	for (i = 0; i < 3; i++) {
		nk_assert_addr_equal(&tries[i].addr, &addrs[i]);
		ck_assert_int_eq(tries[i].result, -ECONNREFUSED);
	}
}
END_TEST

/* For the test below: on the second connect() of the race, the first
 * blackhole's queue is drained, so that its attempt (the first) can
 * connect when its SYN is sent again. */
static int drain_lfd = -1, drained = -1, connects;

static int
connect_then_drain(int fd, const struct sockaddr *sa, socklen_t len)
{
	int rc = netkit__sys_default.connect(fd, sa, len), err = errno;

	if (++connects == 2)
		drained = accept4(drain_lfd, NULL, NULL, SOCK_CLOEXEC);
	errno = err;
	return rc;
}

START_TEST(attempt_in_flight_is_not_abandoned_for_a_later_one)
{
	struct blackhole a, b;
	netkit_attempt tries[2];
	netkit_addr addrs[2];
	netkit_connect_opts o = { .attempt_delay = 100 };
	netkit_connect_report rep = { .attempts = tries, .len = 2, .count = 0 };
	int family, fd;

	FAMILY_OR_SKIP(family);
	/* Fresh for each run: with CK_FORK=no the runs share this file's
	 * statics. */
	connects = 0;
	drained = -1;
	blackhole_open(family, &a);
	blackhole_open(family, &b);
	addrs[0] = a.addr;
	addrs[1] = b.addr;
	drain_lfd = a.lfd;
	netkit__sys.connect = connect_then_drain;
	fd = netkit__connect_addrs(addrs, 2, &o, &rep, netkit_deadline_in(10000));
	netkit__sys = netkit__sys_default;
	ck_assert_int_ge(drained, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(rep.count, 2);
	ck_assert_int_eq(tries[0].result, 0);
	ck_assert_int_eq(tries[1].result, -ECANCELED);
	/* It connected on a retransmitted SYN, long after the second
	 * attempt started. */
	ck_assert_int_gt(tries[0].end, tries[1].start);
	nk_assert_connected_to(fd, a.lfd, &a.addr);
	netkit_close(fd);
	netkit_close(drained);
	blackhole_close(&a);
	blackhole_close(&b);
}
END_TEST

/* Runs a race over refused addresses and checks the report's order. */
static void
check_order(const netkit_addr *addrs, size_t n, const size_t *want)
{
	netkit_attempt tries[8];
	size_t i;
	netkit_connect_opts o = { 0 };
	netkit_connect_report rep = { .attempts = tries, .len = 8, .count = 0 };

	ck_assert_int_eq(netkit__connect_addrs(addrs, n, &o, &rep, NETKIT_FOREVER),
			 -ECONNREFUSED);
	ck_assert_uint_eq(rep.count, n);
	for (i = 0; i < n; i++)
		nk_assert_addr_equal(&tries[i].addr, &addrs[want[i]]);
}

START_TEST(families_are_interleaved_first_family_first)
{
	static const size_t v6_first[] = { 0, 2, 1, 3, 4 };
	static const size_t v4_first[] = { 0, 2, 1, 3 };
	netkit_addr a[5];

	if (!nk_have_ipv6())
		NK_SKIP("::1 is unavailable");
	/* ::1 a, ::1 b, then three IPv4: v6, v4, v6, v4, v4. */
	nk_refused_addr(AF_INET6, &a[0]);
	nk_refused_addr(AF_INET6, &a[1]);
	nk_refused_addr(AF_INET, &a[2]);
	nk_refused_addr(AF_INET, &a[3]);
	nk_refused_addr(AF_INET, &a[4]);
	check_order(a, 5, v6_first);
	/* v4, v4, v6, v6: v4, v6, v4, v6. */
	nk_refused_addr(AF_INET, &a[0]);
	nk_refused_addr(AF_INET, &a[1]);
	nk_refused_addr(AF_INET6, &a[2]);
	nk_refused_addr(AF_INET6, &a[3]);
	check_order(a, 4, v4_first);
}
END_TEST

START_TEST(max_in_flight_bounds_the_attempts)
{
	struct blackhole a, b;
	netkit_attempt tries[3];
	netkit_addr addrs[3];
	netkit_connect_opts o = { .attempt_delay = 50, .max_in_flight = 2 };
	netkit_connect_report rep = { .attempts = tries, .len = 3, .count = 0 };
	int family, lfd;

	FAMILY_OR_SKIP(family);
	blackhole_open(family, &a);
	blackhole_open(family, &b);
	lfd = nk_listen(family, &addrs[2]);
	addrs[0] = a.addr;
	addrs[1] = b.addr;
	/* Two blackholes fill both slots: the working third never starts. */
	ck_assert_int_eq(netkit__connect_addrs(addrs, 3, &o, &rep, netkit_deadline_in(400)), -ETIMEDOUT);
	ck_assert_uint_eq(rep.count, 2);
	/* One slot: a refusal frees it at once, the blackhole then holds
	 * it past every delay. */
	nk_refused_addr(family, &addrs[0]);
	o.max_in_flight = 1;
	ck_assert_int_eq(netkit__connect_addrs(addrs, 3, &o, &rep, netkit_deadline_in(400)), -ETIMEDOUT);
	ck_assert_uint_eq(rep.count, 2);
	ck_assert_int_eq(tries[0].result, -ECONNREFUSED);
	ck_assert_int_eq(tries[1].result, -ECANCELED);
	netkit_close(lfd);
	blackhole_close(&a);
	blackhole_close(&b);
}
END_TEST

START_TEST(report_counts_attempts_beyond_its_array)
{
	netkit_attempt tries[2];
	netkit_addr addrs[3];
	size_t i;
	netkit_connect_opts o = { 0 };
	netkit_connect_report rep = { .attempts = tries, .len = 1, .count = 0 };
	unsigned char untouched[sizeof(tries[1])];

	for (i = 0; i < 3; i++)
		nk_refused_addr(AF_INET, &addrs[i]);
	memset(tries, SENTINEL, sizeof(tries));
	memset(untouched, SENTINEL, sizeof(untouched));
	ck_assert_int_eq(netkit__connect_addrs(addrs, 3, &o, &rep, NETKIT_FOREVER),
			 -ECONNREFUSED);
	ck_assert_uint_eq(rep.count, 3);
	nk_assert_addr_equal(&tries[0].addr, &addrs[0]);
	ck_assert_int_eq(memcmp(&tries[1], untouched, sizeof(untouched)), 0);
}
END_TEST

NK_ON_TIME_TEST(past_deadline_tries_once_without_waiting)
{
	struct blackhole bh;
	netkit_addr addrs[2];
	double t0;

	blackhole_open(AF_INET, &bh);
	nk_refused_addr(AF_INET, &addrs[0]);
	addrs[1] = bh.addr;
	t0 = nk_clock_ms();
	/* The refusal is seen at once, so the blackhole is tried too, and
	 * cannot connect at once. */
	ck_assert_int_eq(netkit__connect_addrs(addrs, 2, NULL, NULL, NETKIT_NOW), -ETIMEDOUT);
	ck_assert_int_eq(netkit__connect_addrs(addrs, 1, NULL, NULL, NETKIT_NOW),
			 -ECONNREFUSED);
	ck_assert_int_eq(netkit__connect_addrs(&addrs[1], 1, NULL, NULL, NETKIT_NOW),
			 -ETIMEDOUT);
	nk_assert_within("three tries", t0, nk_clock_ms(), 25);
	blackhole_close(&bh);
}
END_TEST

START_TEST(source_address_is_bound_and_other_family_skipped)
{
	netkit_attempt tries[2];
	netkit_addr src, local, addrs[2], want;
	netkit_connect_opts o = { .source = &src };
	netkit_connect_report rep = { .attempts = tries, .len = 2, .count = 0 };
	int lfd, fd;

	ck_assert_int_eq(netkit_addr_from_ip(&src, "127.0.0.2", 0), 0);
	ck_assert_int_eq(netkit_addr_from_ip(&addrs[0], "::1", 9), 0);
	lfd = nk_listen(AF_INET, &addrs[1]);
	fd = netkit__connect_addrs(addrs, 2, &o, &rep, netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(rep.count, 1);	/* ::1 was never tried */
	nk_assert_addr_equal(&tries[0].addr, &addrs[1]);
	ck_assert_int_eq(netkit_local_addr(fd, &local), 0);
	ck_assert_int_eq(netkit_addr_from_ip(&want, "127.0.0.2",
					     netkit_addr_port(&local)), 0);
	nk_assert_addr_equal(&local, &want);
	nk_assert_connected_to(fd, lfd, &addrs[1]);
	netkit_close(fd);
	/* Nothing of the source's family: nothing is tried. */
	rep.count = 99;
	ck_assert_int_eq(netkit__connect_addrs(addrs, 1, &o, &rep, NETKIT_FOREVER),
			 -EAFNOSUPPORT);
	ck_assert_uint_eq(rep.count, 0);
	netkit_close(lfd);
}
END_TEST

/* Seam faults: a call failing in the middle of a race leaves nothing
 * open (the fixture counts descriptors). */
static int socket_calls, fail_socket_at;

static int
socket_fails_once(int family, int type, int protocol)
{
	if (++socket_calls == fail_socket_at) {
		errno = EMFILE;
		return -1;
	}
	return netkit__sys_default.socket(family, type, protocol);
}

static int
setsockopt_fails(int fd, int level, int name, const void *v, socklen_t len)
{
	(void)fd; (void)level; (void)name; (void)v; (void)len;
	errno = ENOBUFS;
	return -1;
}

static int
poll_fails(struct pollfd *p, nfds_t n, int ms)
{
	(void)p; (void)n; (void)ms;
	errno = ENOMEM;
	return -1;
}

START_TEST(failures_mid_race_close_every_socket)
{
	struct blackhole bh;
	netkit_attempt tries[3];
	netkit_addr addrs[3];
	netkit_connect_opts o = { .attempt_delay = 20,
				  .flags = NETKIT_CONNECT_NODELAY };
	netkit_connect_report rep = { .attempts = tries, .len = 3, .count = 0 };
	int lfd;

	blackhole_open(AF_INET, &bh);
	lfd = nk_listen(AF_INET, &addrs[2]);
	addrs[0] = bh.addr;
	nk_refused_addr(AF_INET, &addrs[1]);
	/* The second socket() fails: reported, and the third still wins,
	 * but its TCP_NODELAY fails: the call fails, nothing stays open. */
	socket_calls = 0;
	fail_socket_at = 2;
	netkit__sys.socket = socket_fails_once;
	netkit__sys.setsockopt = setsockopt_fails;
	ck_assert_int_eq(netkit__connect_addrs(addrs, 3, &o, &rep, NETKIT_FOREVER),
			 -ENOBUFS);
	netkit__sys = netkit__sys_default;
	ck_assert_uint_eq(rep.count, 3);
	ck_assert_int_eq(tries[0].result, -ECANCELED);
	ck_assert_int_eq(tries[1].result, -EMFILE);
	ck_assert_int_eq(tries[2].result, -ENOBUFS);
	/* poll() failing ends the race with its error. */
	netkit__sys.poll = poll_fails;
	ck_assert_int_eq(netkit__connect_addrs(addrs, 3, &o, &rep, NETKIT_FOREVER),
			 -ENOMEM);
	netkit__sys = netkit__sys_default;
	ck_assert_uint_eq(rep.count, 1);
	ck_assert_int_eq(tries[0].result, -ECANCELED);
	netkit_close(lfd);
	blackhole_close(&bh);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("endpoint");

	NK_ADD_TEST_V4_V6(s,
		blackhole_then_working_wins_after_the_default_delay);
	NK_ADD_TEST_V4_V6(s, both_blackholed_time_out_at_the_deadline);
	NK_ADD_TEST_V4_V6(s, refused_then_working_connects_at_once);
	NK_ADD_TEST_V4_V6(s, all_refused_returns_econnrefused);
	NK_ADD_TEST_V4_V6(s,
		attempt_in_flight_is_not_abandoned_for_a_later_one);
	NK_ADD_TEST(s, families_are_interleaved_first_family_first);
	NK_ADD_TEST_V4_V6(s, max_in_flight_bounds_the_attempts);
	NK_ADD_TEST(s, report_counts_attempts_beyond_its_array);
	NK_ADD_TEST(s, past_deadline_tries_once_without_waiting);
	NK_ADD_TEST(s, source_address_is_bound_and_other_family_skipped);
	NK_ADD_TEST(s, failures_mid_race_close_every_socket);
	return s;
}
