/* SPDX-License-Identifier: MIT */
/*
 * Vectored I/O: netkit_send_all_iov() and netkit_recv_exact_iov() moving
 * whole transfers over real sockets (a Unix socketpair, TCP over
 * 127.0.0.1 and ::1), with the bytes compared at the other end and the
 * caller's iovec array compared with a copy after every call. The
 * system calls are watched through the seam (fault.h): which window of
 * entries the kernel was given, how many calls and polls a transfer
 * took. Deadlines, errors and random faults: test-iov-edge.c.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "iov-common.h"
#include "sys.h"

/* ---- the seam: what each sendmsg()/recvmsg() was given ---- */

struct record {
	uintptr_t lo, hi;	/* the caller's array */
	unsigned long calls;	/* with a result >= 0 */
	unsigned long partial;	/* moved less than its window */
	unsigned long crossed;	/* moved past its window's first entry */
	unsigned long inside;	/* window not the caller's array: a copy */
	size_t moved, max_iovlen;
};

static struct record rec[2];	/* [0] sendmsg, [1] recvmsg */
static ssize_t (*next_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*next_recvmsg)(int, struct msghdr *, int);

static void
note(struct record *r, const struct msghdr *m, ssize_t n)
{
	size_t want = 0, i, len = (size_t)m->msg_iovlen;
	uintptr_t at = (uintptr_t)m->msg_iov;

	for (i = 0; i < len; i++)
		want += m->msg_iov[i].iov_len;
	if (len > r->max_iovlen)
		r->max_iovlen = len;
	if (n < 0)
		return;
	r->calls++;
	r->moved += (size_t)n;
	r->partial += (size_t)n < want;
	r->crossed += len > 0 && (size_t)n > m->msg_iov[0].iov_len;
	r->inside += at < r->lo || at >= r->hi;
}

static ssize_t
recording_sendmsg(int fd, const struct msghdr *m, int flags)
{
	ssize_t n = next_sendmsg(fd, m, flags);

	note(&rec[0], m, n);
	return n;
}

static ssize_t
recording_recvmsg(int fd, struct msghdr *m, int flags)
{
	ssize_t n = next_recvmsg(fd, m, flags);

	note(&rec[1], m, n);
	return n;
}

/* Records the calls on top of whatever the seam holds (fault rules). */
static void
record(const struct iovec *send_iov, int ns, const struct iovec *recv_iov,
       int nr)
{
	memset(rec, 0, sizeof(rec));
	rec[0].lo = (uintptr_t)send_iov;
	rec[0].hi = (uintptr_t)(send_iov + ns);
	rec[1].lo = (uintptr_t)recv_iov;
	rec[1].hi = (uintptr_t)(recv_iov + nr);
	next_sendmsg = netkit__sys.sendmsg;
	next_recvmsg = netkit__sys.recvmsg;
	netkit__sys.sendmsg = recording_sendmsg;
	netkit__sys.recvmsg = recording_recvmsg;
}

/* ---- whole transfers ---- */

START_TEST(header_and_body_of_4_mib_arrive_in_three_odd_buffers)
{
	const size_t total = HDR + BIG, sz[3] = { 7, 1000003, 0 };
	struct iovec out[2], in[3], out_copy[2], in_copy[3];
	struct job j;
	unsigned char *src;
	nk_thread *t;
	size_t got = 1;
	int a, b, k;

	if (_i == 2 && !nk_have_ipv6())
		NK_SKIP("IPv6 run: ::1 is unavailable here");
	make_pair(_i, &a, &b);
	src = alloc_or_fail(total);
	nk_stream_fill(src, total, 0);
	out[0] = (struct iovec){ src, HDR };
	out[1] = (struct iovec){ src + HDR, BIG };
	for (k = 0; k < 3; k++) {
		in[k].iov_len = k < 2 ? sz[k] : total - sz[0] - sz[1];
		in[k].iov_base = alloc_or_fail(in[k].iov_len);
		memset(in[k].iov_base, 0, in[k].iov_len);
	}
	memcpy(out_copy, out, sizeof(out));
	memcpy(in_copy, in, sizeof(in));

	j = (struct job){ a, out, 2, NETKIT_FOREVER, false, 0, 1 };
	t = nk_spawn(job_run, &j);
	ck_assert_int_eq(netkit_recv_exact_iov(b, in, 3, &got,
		netkit_deadline_in(nk_scaled_ms(20000))), (ssize_t)total);
	nk_join(t);
	ck_assert_int_eq(j.rc, (ssize_t)total);
	ck_assert_uint_eq(j.count, total);
	ck_assert_uint_eq(got, total);
	ck_assert_mem_eq(out, out_copy, sizeof(out));
	ck_assert_mem_eq(in, in_copy, sizeof(in));
	assert_entries_hold_stream(in, 3, 0);

	/* Then the end of the stream: 0 bytes, and *got says so. */
	ck_assert_int_eq(shutdown(a, SHUT_WR), 0);
	ck_assert_int_eq(netkit_recv_exact_iov(b, in, 3, &got, NETKIT_FOREVER),
			 0);
	ck_assert_uint_eq(got, 0);
	for (k = 0; k < 3; k++)
		free(in[k].iov_base);
	free(src);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

/* The point of the calls: a header and a body that fit the socket
 * buffer take one sendmsg(); FOREVER on a blocking socket waits in the
 * kernel, never in poll(), for 4 MiB too. */
START_TEST(forever_on_blocking_socket_is_one_call_each_way_and_no_poll)
{
	static const size_t lens[2] = { 1000, BIG };
	unsigned char *src, *dst;
	struct iovec out[2], in[2];
	struct job j;
	nk_thread *t;
	size_t len;
	int a, b, k;

	for (k = 0; k < 2; k++) {
		len = lens[k];
		make_pair(0, &a, &b);
		src = alloc_or_fail(len);
		dst = alloc_or_fail(len);
		nk_stream_fill(src, len, 0);
		out[0] = (struct iovec){ src, HDR };
		out[1] = (struct iovec){ src + HDR, len - HDR };
		in[0] = (struct iovec){ dst, 100 };
		in[1] = (struct iovec){ dst + 100, len - 100 };
		nk_fault_install(0);	/* no rule: only counts */
		j = (struct job){ a, out, 2, NETKIT_FOREVER, false, 0, 0 };
		t = nk_spawn(job_run, &j);
		ck_assert_int_eq(netkit_recv_exact_iov(b, in, 2, NULL,
			NETKIT_FOREVER), (ssize_t)len);
		nk_join(t);
		ck_assert_int_eq(j.rc, (ssize_t)len);
		ck_assert_msg(nk_fault_seen(NK_FAULT_SENDMSG) == 1 &&
			      nk_fault_seen(NK_FAULT_RECVMSG) == 1 &&
			      nk_fault_seen_waits() == 0,
			      "%zu bytes: %lu sendmsg, %lu recvmsg, %lu polls "
			      "(want 1, 1, 0)", len,
			      nk_fault_seen(NK_FAULT_SENDMSG),
			      nk_fault_seen(NK_FAULT_RECVMSG),
			      nk_fault_seen_waits());
		nk_fault_reset();
		assert_entries_hold_stream(in, 2, 0);
		free(src);
		free(dst);
		netkit_close(a);
		netkit_close(b);
	}
}
END_TEST

/* The peer reads one byte at a time: each sendmsg() moves what room
 * there is, ending anywhere, so the next one starts inside an entry. */
struct slow_reader {
	int fd;
	size_t count, bad;
};

static void *
slow_reader_run(void *arg)
{
	struct slow_reader *r = arg;
	struct timeval tv = { 5, 0 };	/* a stuck sender ends the test */
	unsigned char c;

	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (recv(r->fd, &c, 1, 0) == 1)
		r->bad += c != nk_stream_byte(r->count++);
	return NULL;
}

START_TEST(one_byte_reader_makes_partial_sends_resume_inside_entries)
{
	struct iovec iov[80], copy[80];
	struct slow_reader r = { 0 };
	int a, b, n, e, fl, sz = 4096;
	size_t total = 0, sent = 1;
	unsigned char *src;
	nk_thread *t;
	ssize_t rc;

	/* 80 entries of 1 to 2500 bytes (100 KB), every seventh empty:
	 * many times what the buffers hold. */
	n = (int)N_ELEMS(iov);
	for (e = 0; e < n; e++) {
		iov[e].iov_len = e % 7 == 3 ? 0 :
				 1 + (e * 2654435761u >> 9) % 2500;
		total += iov[e].iov_len;
	}
	src = alloc_or_fail(total);
	nk_stream_fill(src, total, 0);
	for (e = 0, total = 0; e < n; total += iov[e].iov_len, e++)
		iov[e].iov_base = src + total;
	memcpy(copy, iov, sizeof(iov));
	nk_tcp_pair(AF_INET, &a, &b);
	ck_assert_int_eq(setsockopt(a, SOL_SOCKET, SO_SNDBUF, &sz,
				    sizeof(sz)), 0);
	ck_assert_int_eq(setsockopt(b, SOL_SOCKET, SO_RCVBUF, &sz,
				    sizeof(sz)), 0);
	/* _i = 0: blocking, with a deadline; 1: non-blocking, forever.
	 * Both make attempts that do not block, and so partial counts. */
	fl = nk_set_nonblocking(a, _i == 1);
	r.fd = b;
	t = nk_spawn(slow_reader_run, &r);
	record(iov, n, NULL, 0);
	rc = netkit_send_all_iov(a, iov, n, &sent, _i == 1 ? NETKIT_FOREVER :
				 netkit_deadline_in(nk_scaled_ms(20000)));
	netkit__sys = netkit__sys_default;
	ck_assert_int_eq(shutdown(a, SHUT_WR), 0);
	nk_join(t);
	ck_assert_int_eq(rc, (ssize_t)total);
	ck_assert_uint_eq(sent, total);
	ck_assert_uint_eq(rec[0].moved, total);
	ck_assert_uint_eq(r.count, total);
	ck_assert_uint_eq(r.bad, 0);
	ck_assert_mem_eq(iov, copy, sizeof(iov));
	ck_assert_int_eq(nk_flags(a), fl);
	ck_assert_msg(rec[0].partial > 0 && rec[0].crossed > 0 &&
		      rec[0].inside > 0, "%lu sendmsg: %lu partial, %lu past "
		      "an entry, %lu from inside one (want > 0 each)",
		      rec[0].calls, rec[0].partial, rec[0].crossed,
		      rec[0].inside);
	free(src);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(more_than_iov_max_entries_go_in_windows_of_at_most_iov_max)
{
	enum { N = IOV_MAX + 10 };
	static const size_t three[1] = { 3 }, cycle[5] = { 1, 2, 3, 4, 5 };
	static struct iovec out[N], in[N], out_copy[N], in_copy[N];
	const size_t total = 3 * N;
	unsigned char *src = alloc_or_fail(total), *dst = alloc_or_fail(total);
	size_t sent = 0, got = 0;
	int a, b, nin;

	nk_stream_fill(src, total, 0);
	ck_assert_int_eq(cut(out, N, src, total, three, 1), N);
	nin = cut(in, N, dst, total, cycle, 5);
	ck_assert_int_gt(nin, IOV_MAX);
	memcpy(out_copy, out, sizeof(out));
	memcpy(in_copy, in, sizeof(in));
	make_pair(0, &a, &b);
	record(out, N, in, nin);
	/* Fits the socket buffer: one thread does both ends. */
	ck_assert_int_eq(netkit_send_all_iov(a, out, N, &sent, NETKIT_FOREVER),
			 (ssize_t)total);
	ck_assert_int_eq(netkit_recv_exact_iov(b, in, nin, &got,
		netkit_deadline_in(nk_scaled_ms(5000))), (ssize_t)total);
	netkit__sys = netkit__sys_default;
	ck_assert_uint_eq(sent, total);
	ck_assert_uint_eq(got, total);
	ck_assert_msg(rec[0].max_iovlen <= IOV_MAX &&
		      rec[1].max_iovlen <= IOV_MAX, "windows of %zu and %zu "
		      "entries (IOV_MAX %d)", rec[0].max_iovlen,
		      rec[1].max_iovlen, IOV_MAX);
	ck_assert_uint_ge(rec[0].calls, 2);
	ck_assert_uint_ge(rec[1].calls, 2);
	ck_assert_mem_eq(out, out_copy, sizeof(out));
	ck_assert_mem_eq(in, in_copy, sizeof(in));
	assert_entries_hold_stream(in, nin, 0);
	free(src);
	free(dst);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

/* Entries with empty ones between, before and after: _i = 0, over a
 * Unix socketpair, one call each way; _i = 1, over TCP, every
 * sendmsg()/recvmsg() moving one byte (the seam cuts them), so one
 * call per byte and none for an empty entry. */
START_TEST(empty_entries_are_skipped_and_cost_no_call)
{
	char x = 'x', r1[3], r2[5];
	const struct iovec out[] = {
		{ NULL, 0 }, { "ab", 2 }, { &x, 0 }, { NULL, 0 },
		{ "cdefg", 5 }, { NULL, 0 }, { "h", 1 }, { NULL, 0 },
	};
	const struct iovec in[] = {
		{ NULL, 0 }, { r1, 3 }, { NULL, 0 }, { NULL, 0 }, { r2, 5 },
		{ NULL, 0 },
	};
	const struct iovec none[] = { { NULL, 0 }, { &x, 0 } };
	size_t sent = 7, got = 7;
	netkit_deadline dl;
	int a, b;

	make_pair(_i, &a, &b);
	nk_fault_install(0);
	if (_i == 1) {
		nk_fault_short(NK_FAULT_SENDMSG, 1, 0);
		nk_fault_short(NK_FAULT_RECVMSG, 1, 0);
	}
	/* A deadline of 0 would allow one call: 8 are needed here. */
	dl = netkit_deadline_in(nk_scaled_ms(5000));
	ck_assert_int_eq(netkit_send_all_iov(a, out, 8, &sent, dl), 8);
	ck_assert_int_eq(netkit_recv_exact_iov(b, in, 6, &got, dl), 8);
	ck_assert_uint_eq(sent, 8);
	ck_assert_uint_eq(got, 8);
	ck_assert_mem_eq(r1, "abc", 3);
	ck_assert_mem_eq(r2, "defgh", 5);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_SENDMSG), _i == 1 ? 8 : 1);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_RECVMSG), _i == 1 ? 8 : 1);
	ck_assert_uint_eq(nk_fault_seen_waits(), 0);

	/* Nothing to move: 0 at once, with no system call. */
	nk_fault_install(0);
	ck_assert_int_eq(netkit_send_all_iov(a, none, 2, &sent, dl), 0);
	ck_assert_uint_eq(sent, 0);
	ck_assert_int_eq(netkit_recv_exact_iov(b, none, 2, &got, dl), 0);
	ck_assert_uint_eq(got, 0);
	sent = got = 7;
	ck_assert_int_eq(netkit_send_all_iov(a, NULL, 0, &sent, dl), 0);
	ck_assert_uint_eq(sent, 0);
	ck_assert_int_eq(netkit_recv_exact_iov(b, NULL, 0, &got, dl), 0);
	ck_assert_uint_eq(got, 0);
	ck_assert_uint_eq(nk_fault_seen_data() + nk_fault_seen_waits(), 0);
	nk_fault_reset();
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(recv_exact_iov_returns_the_short_count_when_peer_closes_first)
{
	char h[4], body[100];
	const struct iovec in[2] = { { h, sizeof(h) }, { body, sizeof(body) } };
	size_t got = 0;
	int a, b;

	if (_i == 2 && !nk_have_ipv6())
		NK_SKIP("IPv6 run: ::1 is unavailable here");
	make_pair(_i, &a, &b);
	ck_assert_int_eq(netkit_send_all(a, "0123456789", 10), 10);
	ck_assert_int_eq(netkit_close(a), 0);
	ck_assert_int_eq(netkit_recv_exact_iov(b, in, 2, &got, NETKIT_FOREVER),
			 10);
	ck_assert_uint_eq(got, 10);
	ck_assert_mem_eq(h, "0123", 4);
	ck_assert_mem_eq(body, "456789", 6);
	ck_assert_int_eq(netkit_recv_exact_iov(b, in, 2, &got,
		netkit_deadline_in(nk_scaled_ms(5000))), 0);
	ck_assert_uint_eq(got, 0);
	netkit_close(b);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("iov");

	ADD_PAIRS(s, header_and_body_of_4_mib_arrive_in_three_odd_buffers);
	NK_ADD_FAULT_TEST(s,
		forever_on_blocking_socket_is_one_call_each_way_and_no_poll);
	ADD_RUNS(s, one_byte_reader_makes_partial_sends_resume_inside_entries);
	NK_ADD_FAULT_TEST(s,
		more_than_iov_max_entries_go_in_windows_of_at_most_iov_max);
	ADD_RUNS(s, empty_entries_are_skipped_and_cost_no_call);
	ADD_PAIRS(s,
		recv_exact_iov_returns_the_short_count_when_peer_closes_first);
	return s;
}
