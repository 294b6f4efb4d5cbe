/* SPDX-License-Identifier: MIT */
/*
 * Vectored I/O at its edges: netkit_send_all_iov() and
 * netkit_recv_exact_iov() against a deadline (never early, lateness
 * per timing.h), a peer gone (-EPIPE, never SIGPIPE), bad arguments
 * (-EINVAL, nothing moved, no system call), and seeded random EINTR,
 * EAGAIN and 1-byte counts on sendmsg(), recvmsg() and poll() through
 * the seam (fault.h).
 *
 * NETKIT_FAULT_SEED=<n> runs the random-fault test with that seed only.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iov-common.h"

#define WAIT_MS 250

/* ---- deadlines ---- */

NK_ON_TIME_TEST(send_all_iov_times_out_against_a_peer_that_never_reads)
{
	const size_t total = HDR + BIG;
	unsigned char *src = alloc_or_fail(total);
	struct iovec out[2], copy[2];
	size_t sent = 1;
	netkit_deadline dl;
	double t0, t1;
	int a, b, fl;
	ssize_t rc;

	nk_stream_fill(src, total, 0);
	out[0] = (struct iovec){ src, HDR };
	out[1] = (struct iovec){ src + HDR, BIG };
	memcpy(copy, out, sizeof(out));
	nk_tcp_pair(AF_INET, &a, &b);
	nk_small_buffers(a, b);
	fl = nk_set_nonblocking(a, _i == 1);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(WAIT_MS);
	rc = netkit_send_all_iov(a, out, 2, &sent, dl);
	t1 = nk_clock_ms();
	ck_assert_msg(rc == -ETIMEDOUT, "send_all_iov: %s, not ETIMEDOUT",
		      netkit_errname((int)rc));
	nk_assert_on_time("send_all_iov", t0, dl, t1);
	ck_assert_uint_gt(sent, HDR);
	ck_assert_uint_lt(sent, total);
	ck_assert_int_eq(nk_flags(a), fl);
	ck_assert_mem_eq(out, copy, sizeof(out));
	/* What *sent says went is exactly what the peer gets. */
	ck_assert_int_eq(shutdown(a, SHUT_WR), 0);
	ck_assert_uint_eq(nk_stream_drain(b), sent);
	free(src);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

NK_ON_TIME_TEST(recv_exact_iov_times_out_with_what_came_in_got)
{
	unsigned char h[HDR], body[1000], stream[100];
	const struct iovec in[2] = { { h, HDR }, { body, sizeof(body) } };
	size_t got = 0;
	netkit_deadline dl;
	double t0, t1;
	int a, b, fl;
	ssize_t rc;

	nk_tcp_pair(AF_INET, &a, &b);
	nk_stream_fill(stream, sizeof(stream), 0);
	ck_assert_int_eq(netkit_send_all(a, stream, sizeof(stream)), 100);
	fl = nk_set_nonblocking(b, _i == 1);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(WAIT_MS);
	rc = netkit_recv_exact_iov(b, in, 2, &got, dl);
	t1 = nk_clock_ms();
	ck_assert_msg(rc == -ETIMEDOUT, "recv_exact_iov: %s, not ETIMEDOUT",
		      netkit_errname((int)rc));
	nk_assert_on_time("recv_exact_iov", t0, dl, t1);
	ck_assert_uint_eq(got, 100);
	ck_assert_mem_eq(h, stream, HDR);
	ck_assert_mem_eq(body, stream + HDR, 100 - HDR);
	ck_assert_int_eq(nk_flags(b), fl);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

/* A deadline already past (NETKIT_NOW) is one attempt and no poll(),
 * on a blocking (_i = 0) or non-blocking (_i = 1) socket: against full
 * buffers, and with nothing to read. */
START_TEST(deadline_now_is_one_attempt_and_no_poll)
{
	const struct iovec io[2] = { { "head", 4 }, { "body", 4 } };
	char h[4], body[4];
	const struct iovec in[2] = { { h, 4 }, { body, 4 } };
	size_t count = 1;
	uint64_t off = 0;
	ssize_t r;
	int a, b, try;

	nk_tcp_pair(AF_INET, &a, &b);
	nk_set_nonblocking(a, _i == 1);
	nk_set_nonblocking(b, _i == 1);
	/* Every try makes exactly one attempt and never waits. Whether it
	 * moves nothing depends on the buffers staying full, which a busy
	 * machine can undo (late acknowledgements free send space): then
	 * stuff again and retry. */
	for (try = 0; try < 5; try++) {
		nk_stream_stuff(a, &off);
		nk_fault_install(0);
		count = 1;
		r = netkit_send_all_iov(a, io, 2, &count, NETKIT_NOW);
		ck_assert_uint_eq(nk_fault_seen(NK_FAULT_SENDMSG), 1);
		ck_assert_uint_eq(nk_fault_seen_waits(), 0);
		nk_fault_reset();
		if (r == -ETIMEDOUT && count == 0)
			break;
		ck_assert_msg(r == -ETIMEDOUT || r == 0, "send: %zd", r);
	}
	ck_assert_int_lt(try, 5);
	nk_fault_install(0);
	count = 1;
	ck_assert_int_eq(netkit_recv_exact_iov(a, in, 2, &count, NETKIT_NOW),
			 -ETIMEDOUT);
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_RECVMSG), 1);
	ck_assert_uint_eq(nk_fault_seen_waits(), 0);
	nk_fault_reset();
	netkit_close(a);
	netkit_close(b);
}
END_TEST

/* ---- errors ---- */

/* In a child with SIGPIPE at its default disposition (which kills):
 * exits 0 if sending to a Unix peer gone (u) and on a TCP socket after
 * our own SHUT_WR (t) are -EPIPE with *sent 0, 1 otherwise; dies of
 * SIGPIPE if one is raised. */
static void
epipe_child(int u, int t)
{
	const struct iovec out[2] = { { "head", 4 }, { "body", 4 } };
	sigset_t set;
	size_t s1 = 1, s2 = 1;
	ssize_t r1, r2;

	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	r1 = netkit_send_all_iov(u, out, 2, &s1, NETKIT_FOREVER);
	r2 = netkit_send_all_iov(t, out, 2, &s2, NETKIT_NOW);
	_exit(r1 == -EPIPE && r2 == -EPIPE && s1 == 0 && s2 == 0 ? 0 : 1);
}

START_TEST(send_to_a_closed_peer_is_epipe_and_never_sigpipe)
{
	long long end;
	pid_t pid, w = 0;
	int status = 0, u, gone, t, tp;

	make_pair(0, &u, &gone);
	netkit_close(gone);
	nk_tcp_pair(AF_INET, &t, &tp);
	ck_assert_int_eq(shutdown(t, SHUT_WR), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		epipe_child(u, t);
	netkit_close(u);
	netkit_close(t);
	netkit_close(tp);
	end = nk_now_ms() + nk_scaled_ms(10000);
	while (nk_now_ms() < end &&
	       (w = waitpid(pid, &status, WNOHANG)) == 0)
		poll(NULL, 0, 5);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("the child did not finish in 10 s");
	}
	ck_assert_int_eq(w, pid);
	ck_assert_msg(!WIFSIGNALED(status), "the child died of signal %d",
		      WTERMSIG(status));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child's calls did not answer -EPIPE (exit %d)",
		      WEXITSTATUS(status));
}
END_TEST

/* Bad arguments: -EINVAL (or -EBADF), *count 0, no system call, and
 * nothing moved either way. */
START_TEST(bad_arguments_are_refused_and_nothing_moves)
{
	char buf[8], keep[8];
	const struct iovec ok[2] = { { buf, 4 }, { buf + 4, 4 } };
	const struct iovec null_base[3] = { { buf, 2 }, { buf, 2 },
					    { NULL, 5 } };
	const struct iovec too_big[2] = { { buf, SSIZE_MAX }, { buf, 1 } };
	const struct iovec wraps[2] = { { buf, SIZE_MAX }, { buf, 2 } };
	const struct {
		const char *what;
		const struct iovec *iov;
		int cnt;
		netkit_deadline dl;
		int fd_shift;	/* 1: fd -1 */
		int want;
	} rows[] = {
		{ "iovcnt -1", ok, -1, NETKIT_FOREVER, 0, -EINVAL },
		{ "iovcnt INT_MIN", ok, INT_MIN, NETKIT_NOW, 0, -EINVAL },
		{ "iov NULL, iovcnt 1", NULL, 1, NETKIT_FOREVER, 0, -EINVAL },
		{ "a NULL base with a length", null_base, 3, NETKIT_FOREVER, 0,
		  -EINVAL },
		{ "total past SSIZE_MAX", too_big, 2, NETKIT_FOREVER, 0,
		  -EINVAL },
		{ "total wrapping size_t", wraps, 2, NETKIT_FOREVER, 0,
		  -EINVAL },
		{ "deadline -2", ok, 2, { -2 }, 0, -EINVAL },
		{ "fd -1", ok, 2, NETKIT_FOREVER, 1, -EBADF },
	};
	size_t i, count;
	ssize_t rc;
	int a, b;

	make_pair(0, &a, &b);
	ck_assert_int_eq(send(b, "keep", 4, 0), 4);
	ck_assert(nk_readable(a, 5000));
	memset(buf, SENTINEL, sizeof(buf));
	memset(keep, SENTINEL, sizeof(keep));
	nk_fault_install(0);
	for (i = 0; i < N_ELEMS(rows); i++) {
		count = 99;
		rc = netkit_send_all_iov(rows[i].fd_shift ? -1 : a, rows[i].iov,
					 rows[i].cnt, &count, rows[i].dl);
		ck_assert_msg(rc == rows[i].want && count == 0,
			      "send, %s: %zd (%s), *sent %zu", rows[i].what,
			      rc, netkit_errname((int)rc), count);
		count = 99;
		rc = netkit_recv_exact_iov(rows[i].fd_shift ? -1 : a,
					   rows[i].iov, rows[i].cnt, &count,
					   rows[i].dl);
		ck_assert_msg(rc == rows[i].want && count == 0,
			      "recv, %s: %zd (%s), *got %zu", rows[i].what,
			      rc, netkit_errname((int)rc), count);
	}
	ck_assert_uint_eq(nk_fault_seen_data() + nk_fault_seen_waits(), 0);
	nk_fault_reset();
	ck_assert_mem_eq(buf, keep, sizeof(buf));
	ck_assert(!nk_readable(b, 0));
	/* What was waiting is still there, whole. */
	ck_assert_int_eq(netkit_recv_exact_iov(a, ok, 1, NULL, NETKIT_NOW), 4);
	ck_assert_mem_eq(buf, "keep", 4);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

/* ---- random faults ---- */

static const uint64_t seeds[] = { 0x1, 0xdecafbad, 0x5eed0f5eed };

/* The first sendmsg() and recvmsg() fail with EINTR, the second with
 * EAGAIN, the third moves one byte (a blocking call without a deadline
 * may otherwise move everything at once); then 30% of them: 10% EINTR,
 * 10% EAGAIN, 10% one byte; 30% of polls: 15% EINTR, 15% EAGAIN. */
static void
add_random_faults(void)
{
	static const enum nk_fault_call data[2] = { NK_FAULT_SENDMSG,
						    NK_FAULT_RECVMSG };
	int k;

	for (k = 0; k < 2; k++) {
		nk_fault_fail(data[k], EINTR, 1);
		nk_fault_fail(data[k], EAGAIN, 1);
		nk_fault_short(data[k], 1, 1);
	}
	for (k = 0; k < 2; k++) {
		nk_fault_add(&(struct nk_fault_rule){ .call = data[k],
			.action = NK_FAULT_FAIL, .err = EINTR, .prob = 0.1 });
		nk_fault_add(&(struct nk_fault_rule){ .call = data[k],
			.action = NK_FAULT_FAIL, .err = EAGAIN,
			.prob = 0.1 / 0.9 });
		nk_fault_add(&(struct nk_fault_rule){ .call = data[k],
			.action = NK_FAULT_SHORT, .max = 1,
			.prob = 0.1 / 0.8 });
	}
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_POLL,
		.action = NK_FAULT_FAIL, .err = EINTR, .prob = 0.15 });
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_POLL,
		.action = NK_FAULT_FAIL, .err = EAGAIN, .prob = 0.15 / 0.85 });
}

/* 1 MiB in 300 entries of odd sizes, some empty, received into 200
 * entries cut otherwise: with a deadline (_i = 0) or FOREVER on
 * blocking sockets (_i = 1), every byte arrives once, in order. */
START_TEST(random_faults_deliver_every_byte_once_in_order)
{
	enum { NOUT = 300, NIN = 200 };
	static const size_t osz[4] = { 0, 4099, 1, 2500 };
	static const size_t isz[3] = { 9000, 3, 0 };
	static struct iovec out[NOUT], in[NIN];
	const size_t total = (size_t)1 << 20;
	netkit_deadline dl;
	unsigned char *src = alloc_or_fail(total);
	unsigned char *dst = alloc_or_fail(total);
	size_t i, n = nk_fault_seed_from_env() ? 1 : N_ELEMS(seeds), got;
	struct job j;
	nk_thread *t;
	int a, b, no, ni;
	ssize_t rc;

	nk_stream_fill(src, total, 0);
	no = cut(out, NOUT, src, total, osz, 4);
	ni = cut(in, NIN, dst, total, isz, 3);
	for (i = 0; i < n; i++) {
		memset(dst, 0, total);
		nk_tcp_pair(AF_INET, &a, &b);
		nk_small_buffers(a, b);
		dl = _i == 0 ? netkit_deadline_in(nk_scaled_ms(20000)) :
			       NETKIT_FOREVER;
		nk_fault_install(nk_fault_seed_env(seeds[i]));
		add_random_faults();
		j = (struct job){ a, out, no, dl, false, 0, 0 };
		t = nk_spawn(job_run, &j);
		rc = netkit_recv_exact_iov(b, in, ni, &got, dl);
		nk_join(t);
		ck_assert_msg(j.rc == (ssize_t)total && j.count == total &&
			      rc == (ssize_t)total && got == total,
			      "seed %#llx: send %zd (%zu), recv %zd (%zu)",
			      (unsigned long long)nk_fault_seed(), j.rc,
			      j.count, rc, got);
		ck_assert_msg(nk_fault_failed(NK_FAULT_SENDMSG) > 0 &&
			      nk_fault_failed(NK_FAULT_RECVMSG) > 0,
			      "no fault was injected");
		nk_fault_reset();
		ck_assert_mem_eq(dst, src, total);
		netkit_close(a);
		netkit_close(b);
	}
	free(src);
	free(dst);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("iov-edge");

	ADD_RUNS(s, send_all_iov_times_out_against_a_peer_that_never_reads);
	ADD_RUNS(s, recv_exact_iov_times_out_with_what_came_in_got);
	ADD_RUNS(s, deadline_now_is_one_attempt_and_no_poll);
	NK_ADD_TEST(s, send_to_a_closed_peer_is_epipe_and_never_sigpipe);
	NK_ADD_FAULT_TEST(s, bad_arguments_are_refused_and_nothing_moves);
	ADD_RUNS(s, random_faults_deliver_every_byte_once_in_order);
	return s;
}
