/* SPDX-License-Identifier: MIT */
/*
 * Fault injection through the seam (tests/fault.h): seeded random EINTR,
 * EAGAIN and 1-byte counts under the whole-message calls, with and
 * without deadlines, and the connect paths no kernel takes on demand
 * (EINTR then SO_ERROR; fcntl failing around connect_until). The
 * documented codes, one by one, are in test-fault-codes.c.
 *
 * NETKIT_FAULT_SEED=<n> runs the random tests with that seed only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault.h"

#define BIG (4u * 1024 * 1024)
#define SHORT_MS 100
/* Socket buffers of the transfers: 4 MiB take hundreds of calls. */
#define PAIR_BUF 32768

static const uint64_t seeds[] = { 0x1, 0xdecafbad, 0x5eed0f5eed };

static size_t
n_seeds(void)
{
	return nk_fault_seed_from_env() ? 1 : N_ELEMS(seeds);
}

static uint64_t
seed_at(size_t i)
{
	return nk_fault_seed_env(seeds[i]);
}

static unsigned char *
pattern(size_t len, uint64_t seed)
{
	unsigned char *p = malloc(len);
	uint64_t x = seed | 1;
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
	}
	return p;
}

static uint64_t
fnv1a(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static size_t
mismatches(const unsigned char *a, const unsigned char *b, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += a[i] != b[i];
	return n;
}

/* Adds rules: a call fails with e1 with probability p1, else with e2
 * with p2 (of the calls left), else moves 1 byte with p3 (p2, p3 0:
 * no such rule). */
static void
add_mix(enum nk_fault_call call, enum nk_fault_action a1, int e1,
	double p1, int e2, double p2, double p3)
{
	nk_fault_add(&(struct nk_fault_rule){ .call = call, .action = a1,
		.err = e1, .prob = p1 });
	if (p2 > 0)
		nk_fault_add(&(struct nk_fault_rule){ .call = call,
			.action = NK_FAULT_FAIL, .err = e2, .prob = p2 });
	if (p3 > 0)
		nk_fault_add(&(struct nk_fault_rule){ .call = call,
			.action = NK_FAULT_SHORT, .max = 1, .prob = p3 });
}

/* 30% of sends and recvs: 10% EINTR, 10% EAGAIN, 10% a 1-byte count;
 * 30% of polls, accepts and connects: 15% EINTR, 15% EAGAIN. A
 * connect's EINTR is the kernel's: the handshake goes on. */
static void
add_random_faults(void)
{
	add_mix(NK_FAULT_SEND, NK_FAULT_FAIL, EINTR, 0.1, EAGAIN, 0.1 / 0.9,
		0.1 / 0.8);
	add_mix(NK_FAULT_RECV, NK_FAULT_FAIL, EINTR, 0.1, EAGAIN, 0.1 / 0.9,
		0.1 / 0.8);
	add_mix(NK_FAULT_POLL, NK_FAULT_FAIL, EINTR, 0.15, EAGAIN,
		0.15 / 0.85, 0);
	add_mix(NK_FAULT_ACCEPT4, NK_FAULT_FAIL, EINTR, 0.15, EAGAIN,
		0.15 / 0.85, 0);
	add_mix(NK_FAULT_CONNECT, NK_FAULT_AFTER, EINTR, 0.15, EAGAIN,
		0.15 / 0.85, 0);
}

/* A loopback TCP pair made with the _until calls, under whatever
 * faults are installed; connect_until's -EAGAIN ("nothing started")
 * is answered by calling again, a bounded number of times. With sz >
 * 0, both buffers are sz bytes, set before the handshake so that the
 * window stays small: a writer then blocks soon, and 4 MiB take many
 * calls. */
static void
make_pair(int family, int sz, int *c, int *s)
{
	int l, rc = -EAGAIN, i;
	netkit_addr a;
	netkit_deadline dl;

	nk_loopback(family, 0, &a);
	l = netkit_socket(family, SOCK_STREAM, 0);
	*c = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert(l >= 0 && *c >= 0);
	if (sz > 0) {
		ck_assert_int_eq(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &sz,
					    sizeof(sz)), 0);
		ck_assert_int_eq(setsockopt(*c, SOL_SOCKET, SO_SNDBUF, &sz,
					    sizeof(sz)), 0);
	}
	ck_assert_int_eq(netkit_bind(l, &a), 0);
	ck_assert_int_eq(netkit_listen(l, 1), 0);
	ck_assert_int_eq(netkit_local_addr(l, &a), 0);
	dl = netkit_deadline_in(nk_scaled_ms(3000));
	for (i = 0; i < 100 && rc == -EAGAIN; i++)
		rc = netkit_connect_until(*c, &a, dl);
	ck_assert_msg(rc == 0, "connect_until: %s", netkit_errname(rc));
	*s = netkit_accept_until(l, NULL, dl);
	ck_assert_msg(*s >= 0, "accept_until: %s", netkit_errname(*s));
	netkit_close(l);
}

struct xfer {
	int fd;
	const unsigned char *buf;
	size_t len;
	netkit_deadline deadline;	/* NETKIT_FOREVER: the plain call */
	ssize_t rc;
	size_t count;
};

static void *
writer_run(void *arg)
{
	struct xfer *x = arg;
	size_t count = 0;
	ssize_t rc;

	if (x->deadline.at == NETKIT_FOREVER.at)
		rc = netkit_send_all(x->fd, x->buf, x->len);
	else
		rc = netkit_send_all_until(x->fd, x->buf, x->len, &count,
					   x->deadline);
	x->rc = rc;
	x->count = count;
	return NULL;
}

/* Sends out (BIG bytes) from c in a thread, receives on s here, and
 * checks the bytes: every one exactly once, in order. */
static void
transfer_and_check(int c, int s, const unsigned char *out, bool until)
{
	struct xfer w = { c, out, BIG, NETKIT_FOREVER, 0, 0 };
	unsigned char *in = malloc(BIG);
	size_t got = 0, bad;
	nk_thread *t;
	ssize_t rc;

	ck_assert_ptr_nonnull(in);
	memset(in, 0, BIG);
	if (until)
		w.deadline = netkit_deadline_in(nk_scaled_ms(4000));
	t = nk_spawn(writer_run, &w);
	if (until)
		rc = netkit_recv_exact_until(s, in, BIG, &got, w.deadline);
	else
		got = (size_t)(rc = netkit_recv_exact(s, in, BIG));
	nk_join(t);
	bad = mismatches(in, out, BIG);
	fprintf(stderr, "fault: seed %#llx: %lu calls failed (send %lu, "
		"recv %lu, poll %lu), %zu bytes delivered, %zu mismatches\n",
		(unsigned long long)nk_fault_seed(), nk_fault_failed_total(),
		nk_fault_failed(NK_FAULT_SEND), nk_fault_failed(NK_FAULT_RECV),
		nk_fault_failed(NK_FAULT_POLL), got, bad);
	ck_assert_msg(w.rc == (ssize_t)BIG, "send: %zd (%s), seed %#llx",
		      w.rc, netkit_errname((int)w.rc),
		      (unsigned long long)nk_fault_seed());
	ck_assert_msg(rc == (ssize_t)BIG && got == BIG,
		      "recv: %zd, got %zu, seed %#llx", rc, got,
		      (unsigned long long)nk_fault_seed());
	ck_assert(!until || w.count == BIG);
	ck_assert_uint_eq(fnv1a(in, BIG), fnv1a(out, BIG));
	ck_assert_uint_eq(bad, 0);
	ck_assert_msg(nk_fault_failed(NK_FAULT_SEND) > 0 &&
		      nk_fault_failed(NK_FAULT_RECV) > 0,
		      "no fault was injected (seed %#llx)",
		      (unsigned long long)nk_fault_seed());
	free(in);
}

START_TEST(random_faults_until_calls_deliver_4_mib_once_in_order)
{
	unsigned char *out;
	int family, c, s;
	size_t i;

	FAMILY_OR_SKIP(family);
	for (i = 0; i < n_seeds(); i++) {
		out = pattern(BIG, seed_at(i));
		nk_fault_install(seed_at(i));
		add_random_faults();
		make_pair(family, PAIR_BUF, &c, &s);
		transfer_and_check(c, s, out, true);
		nk_fault_reset();
		netkit_close(c);
		netkit_close(s);
		free(out);
	}
}
END_TEST

START_TEST(eintr_and_short_counts_plain_send_all_recv_exact_deliver_all)
{
	unsigned char *out;
	int family, c, s;
	size_t i;

	FAMILY_OR_SKIP(family);
	for (i = 0; i < n_seeds(); i++) {
		out = pattern(BIG, seed_at(i));
		make_pair(family, PAIR_BUF, &c, &s);
		/* The plain calls are blocking: no EAGAIN to inject. The
		 * kernel loops inside one blocking call; calls that move
		 * at most 8 KiB make the library loop instead. */
		nk_fault_install(seed_at(i));
		add_mix(NK_FAULT_SEND, NK_FAULT_FAIL, EINTR, 0.15, EINTR, 0,
			0.15 / 0.85);
		add_mix(NK_FAULT_RECV, NK_FAULT_FAIL, EINTR, 0.15, EINTR, 0,
			0.15 / 0.85);
		nk_fault_short(NK_FAULT_SEND, 8192, 0);
		nk_fault_short(NK_FAULT_RECV, 8192, 0);
		transfer_and_check(c, s, out, false);
		nk_fault_reset();
		netkit_close(c);
		netkit_close(s);
		free(out);
	}
}
END_TEST

/* Reads what s holds until the peer's end of stream; returns the count
 * and checks the bytes against want. */
static size_t
drain_and_check(int s, const unsigned char *want, size_t max)
{
	unsigned char *in = malloc(max);
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(5000));
	size_t got = 0;
	ssize_t n = 1;

	ck_assert_ptr_nonnull(in);
	while (n > 0 && got < max) {
		n = netkit_recv_until(s, in + got, max - got, dl);
		ck_assert_msg(n >= 0, "drain: %s", netkit_errname((int)n));
		got += (size_t)n;
	}
	ck_assert_uint_eq(mismatches(in, want, got), 0);
	free(in);
	return got;
}

NK_ON_TIME_TEST(short_deadline_send_all_times_out_with_sent_equal_to_received)
{
	netkit_deadline dl;
	int64_t end;
	unsigned char *out;
	int family, c, s;
	size_t i, sent;
	ssize_t rc;

	FAMILY_OR_SKIP(family);
	for (i = 0; i < n_seeds(); i++) {
		out = pattern(BIG, seed_at(i));
		nk_fault_install(seed_at(i));
		add_random_faults();
		make_pair(family, 16384, &c, &s);
		dl = netkit_deadline_in(SHORT_MS);
		rc = netkit_send_all_until(c, out, BIG, &sent, dl);
		end = netkit_now();
		ck_assert_msg(rc == -ETIMEDOUT, "send_all_until gave %zd", rc);
		nk_assert_on_time("short deadline", (double)(dl.at - SHORT_MS), dl,
				  (double)end);
		ck_assert(sent > 0 && sent < BIG);
		ck_assert_int_eq(netkit_shutdown(c, SHUT_WR), 0);
		ck_assert_uint_eq(drain_and_check(s, out, BIG), sent);
		fprintf(stderr, "fault: seed %#llx: %lu calls failed, %zu "
			"bytes sent and received before the deadline\n",
			(unsigned long long)seed_at(i),
			nk_fault_failed_total(), sent);
		nk_fault_reset();
		netkit_close(c);
		netkit_close(s);
		free(out);
	}
}
END_TEST

NK_ON_TIME_TEST(short_deadline_recv_exact_times_out_with_got_equal_to_sent)
{
	unsigned char *out, in[4096];
	int family, c, s;
	netkit_deadline dl;
	int64_t end;
	size_t i, got;
	ssize_t rc;

	FAMILY_OR_SKIP(family);
	for (i = 0; i < n_seeds(); i++) {
		out = pattern(1000, seed_at(i));
		nk_tcp_pair(family, &c, &s);
		ck_assert_int_eq(netkit_send_all(c, out, 1000), 1000);
		nk_fault_install(seed_at(i));
		add_random_faults();
		dl = netkit_deadline_in(SHORT_MS);
		rc = netkit_recv_exact_until(s, in, sizeof(in), &got, dl);
		end = netkit_now();
		ck_assert_msg(rc == -ETIMEDOUT, "recv_exact_until gave %zd",
			      rc);
		nk_assert_on_time("short deadline", (double)(dl.at - SHORT_MS), dl,
				  (double)end);
		ck_assert_uint_eq(got, 1000);
		ck_assert_uint_eq(mismatches(in, out, 1000), 0);
		nk_fault_reset();
		netkit_close(c);
		netkit_close(s);
		free(out);
	}
}
END_TEST

/* netkit_connect() interrupted after the kernel started the handshake:
 * one EINTR, then SO_ERROR (reported as so_error when >= 0). */
static int
interrupted_connect(int family, int so_error, int *srv, int *rule)
{
	netkit_addr a;
	int c, rc;

	*srv = nk_listen(family, &a);
	c = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	nk_fault_install(0);
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_CONNECT,
		.action = NK_FAULT_AFTER, .err = EINTR, .count = 1 });
	*rule = nk_fault_add(&(struct nk_fault_rule){
		.call = NK_FAULT_GETSOCKOPT, .action = NK_FAULT_VALUE,
		.op = SO_ERROR, .level = SOL_SOCKET, .value = so_error });
	rc = netkit_connect(c, &a);
	ck_assert_uint_eq(nk_fault_failed(NK_FAULT_CONNECT), 1);
	ck_assert_uint_ge(nk_fault_seen(NK_FAULT_POLL), 1);
	ck_assert_uint_eq(nk_fault_fired(*rule), 1);
	nk_fault_reset();
	return rc < 0 ? (netkit_close(c), rc) : c;
}

START_TEST(connect_after_eintr_polls_then_reads_so_error_zero)
{
	int family, c, s, srv, rule;
	char b = 0;

	FAMILY_OR_SKIP(family);
	c = interrupted_connect(family, 0, &srv, &rule);
	ck_assert_int_ge(c, 0);
	s = netkit_accept_until(srv, NULL, netkit_deadline_in(2000));
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(netkit_send(c, "k", 1), 1);
	ck_assert_int_eq(netkit_recv_until(s, &b, 1, netkit_deadline_in(2000)),
			 1);
	ck_assert_int_eq(b, 'k');
	netkit_close(s);
	netkit_close(c);
	netkit_close(srv);
}
END_TEST

START_TEST(connect_after_eintr_returns_so_error_value)
{
	int family, srv, rule, c, rc;
	netkit_addr a;

	FAMILY_OR_SKIP(family);
	ck_assert_int_eq(interrupted_connect(family, ECONNREFUSED, &srv,
					     &rule), -ECONNREFUSED);
	netkit_close(srv);
	/* connect_until: its EINTR is "in progress", answered the same. */
	srv = nk_listen(family, &a);
	c = netkit_socket(family, SOCK_STREAM, 0);
	nk_fault_install(0);
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_CONNECT,
		.action = NK_FAULT_AFTER, .err = EINTR, .count = 1 });
	rule = nk_fault_add(&(struct nk_fault_rule){
		.call = NK_FAULT_GETSOCKOPT, .action = NK_FAULT_VALUE,
		.op = SO_ERROR, .level = SOL_SOCKET, .value = ECONNREFUSED });
	rc = netkit_connect_until(c, &a, netkit_deadline_in(2000));
	ck_assert_int_eq(rc, -ECONNREFUSED);
	ck_assert_uint_eq(nk_fault_fired(rule), 1);
	nk_fault_reset();
	netkit_close(c);
	netkit_close(srv);
}
END_TEST

START_TEST(connect_until_fcntl_setfl_failure_returns_it_flags_unchanged)
{
	int family, l, c, s, fl;
	netkit_addr a;

	FAMILY_OR_SKIP(family);
	l = nk_listen(family, &a);
	c = netkit_socket(family, SOCK_STREAM, 0);
	fl = fcntl(c, F_GETFL);
	nk_fault_install(0);
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_FCNTL,
		.action = NK_FAULT_FAIL, .err = ENOMEM, .op = F_SETFL,
		.count = 1 });
	ck_assert_int_eq(netkit_connect_until(c, &a, netkit_deadline_in(2000)),
			 -ENOMEM);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_CONNECT), 0);
	ck_assert_int_eq(fcntl(c, F_GETFL), fl);
	/* Nothing was started: the socket connects afterwards. */
	ck_assert_int_eq(netkit_connect_until(c, &a, netkit_deadline_in(2000)),
			 0);
	ck_assert_int_eq(fcntl(c, F_GETFL), fl);
	s = netkit_accept_until(l, NULL, netkit_deadline_in(2000));
	ck_assert_int_ge(s, 0);
	netkit_close(s);
	netkit_close(c);
	/* The restore fails: the caller is told, not left unaware with a
	 * non-blocking socket. */
	c = netkit_socket(family, SOCK_STREAM, 0);
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_FCNTL,
		.action = NK_FAULT_FAIL, .err = ENOMEM, .op = F_SETFL,
		.skip = 1, .count = 1 });
	ck_assert_int_eq(netkit_connect_until(c, &a, netkit_deadline_in(2000)),
			 -ENOMEM);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_CONNECT), 2);
	nk_fault_reset();
	netkit_close(c);
	netkit_close(l);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("fault");

	NK_ADD_FAULT_TEST_V4_V6(s,
		random_faults_until_calls_deliver_4_mib_once_in_order);
	NK_ADD_FAULT_TEST_V4_V6(s,
		eintr_and_short_counts_plain_send_all_recv_exact_deliver_all);
	NK_ADD_FAULT_TEST_V4_V6(s,
		short_deadline_send_all_times_out_with_sent_equal_to_received);
	NK_ADD_FAULT_TEST_V4_V6(s,
		short_deadline_recv_exact_times_out_with_got_equal_to_sent);
	NK_ADD_FAULT_TEST_V4_V6(s,
		connect_after_eintr_polls_then_reads_so_error_zero);
	NK_ADD_FAULT_TEST_V4_V6(s, connect_after_eintr_returns_so_error_value);
	NK_ADD_FAULT_TEST_V4_V6(s,
		connect_until_fcntl_setfl_failure_returns_it_flags_unchanged);
	return s;
}
