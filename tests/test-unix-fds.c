/* SPDX-License-Identifier: MIT */
/*
 * Descriptor passing (SCM_RIGHTS): what arrives is usable (read
 * through it), close-on-exec, in order; a message with more descriptors
 * than room, or a cut datagram, fails with every arrived descriptor
 * closed (counted here, and by the fd-leak fixture); deadlines; EINTR;
 * every bad input answered with its code and nothing changed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "fault.h"
#include "timing.h"

/* Fails unless a and b are descriptors of the same open file. */
static void
assert_same_file(int a, int b)
{
	struct stat x, y;

	ck_assert_int_eq(fstat(a, &x), 0);
	ck_assert_int_eq(fstat(b, &y), 0);
	ck_assert(x.st_dev == y.st_dev && x.st_ino == y.st_ino);
}

static int
fd_flags(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	ck_assert_int_ge(fl, 0);
	return fl;
}

START_TEST(passed_pipe_is_read_through_the_received_descriptor)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	int sv[2], p[2], got[4];
	size_t i, n;
	char buf[16];

	for (i = 0; i < N_ELEMS(types); i++) {
		ck_assert_int_eq(netkit_socketpair(types[i], sv), 0);
		ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
		ck_assert_int_eq(netkit_send_fds(sv[0], "F", 1, &p[0], 1, NETKIT_FOREVER), 1);
		/* Ours stays open: closing it leaves the peer's copy. */
		close(p[0]);
		ck_assert_int_eq(netkit_recv_fds(sv[1], buf, sizeof(buf),
			got, N_ELEMS(got), &n, netkit_deadline_in(5000)), 1);
		ck_assert_int_eq(buf[0], 'F');
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(write(p[1], "through", 7), 7);
		ck_assert_int_eq(read(got[0], buf, sizeof(buf)), 7);
		ck_assert_mem_eq(buf, "through", 7);
		close(got[0]);
		close(p[1]);
		netkit_close(sv[0]);
		netkit_close(sv[1]);
	}
}
END_TEST

START_TEST(several_descriptors_arrive_in_order)
{
	int sv[2], p[2], q[2], sent[4], got[8];
	size_t n, i;
	char buf[8];

	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(q, O_CLOEXEC), 0);
	sent[0] = q[1];
	sent[1] = p[0];
	sent[2] = q[0];
	sent[3] = p[1];
	ck_assert_int_eq(netkit_send_fds(sv[0], "four", 4, sent, 4, NETKIT_FOREVER), 4);
	/* Exactly enough room is enough. */
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, sizeof(buf), got, 4, &n, NETKIT_FOREVER),
			 4);
	ck_assert_mem_eq(buf, "four", 4);
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < 4; i++) {
		assert_same_file(got[i], sent[i]);
		ck_assert_int_ne(got[i], sent[i]);
		close(got[i]);
		close(sent[i]);
	}
	/* A message without descriptors: n is 0. */
	ck_assert_int_eq(netkit_send_fds(sv[0], "none", 4, NULL, 0, NETKIT_FOREVER), 4);
	n = 99;
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, sizeof(buf), got, 8, &n, NETKIT_FOREVER),
			 4);
	ck_assert_uint_eq(n, 0);
	netkit_close(sv[0]);
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, sizeof(buf), got, 8, &n, NETKIT_FOREVER),
			 0);
	netkit_close(sv[1]);
}
END_TEST

START_TEST(received_descriptors_are_close_on_exec)
{
	int sv[2], p[2], got;
	size_t n;
	char c;

	ck_assert_int_eq(netkit_socketpair(SOCK_DGRAM, sv), 0);
	/* The sender's copy is inheritable; what arrives is not. */
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fd_flags(p[0]) & FD_CLOEXEC, 0);
	ck_assert_int_eq(netkit_send_fds(sv[0], "x", 1, &p[0], 1, NETKIT_FOREVER), 1);
	ck_assert_int_eq(netkit_recv_fds(sv[1], &c, 1, &got, 1, &n, NETKIT_FOREVER), 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(fd_flags(got) & FD_CLOEXEC, FD_CLOEXEC);
	close(got);
	close(p[0]);
	close(p[1]);
	netkit_close(sv[0]);
	netkit_close(sv[1]);
}
END_TEST

/* Sends k descriptors (of one pipe) in one message on sv[0], then
 * receives with room for max on sv[1]: the call must fail with want,
 * leave got[] and n untouched, and leave no descriptor behind. */
static void
assert_refused_and_closed(int type, size_t k, size_t max, size_t len,
			  int want)
{
	int sv[2], p[2], fds[8], got[8];
	size_t i, n = 4242;
	char buf[16];
	int before;

	ck_assert_int_eq(netkit_socketpair(type, sv), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	for (i = 0; i < k; i++)
		fds[i] = i % 2 ? p[1] : p[0];
	ck_assert_int_eq(netkit_send_fds(sv[0], "0123456789", 10, fds, k, NETKIT_FOREVER),
			 10);
	memset(got, SENTINEL, sizeof(got));
	before = nk_count_fds();
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, len, got, max, &n, NETKIT_FOREVER), want);
	ck_assert_int_eq(nk_count_fds(), before);
	ck_assert_uint_eq(n, 4242);
	for (i = 0; i < N_ELEMS(got); i++)
		ck_assert_int_eq(got[i], (int)0xa5a5a5a5);
	/* The pipe's only ends are ours again: closing them frees it. */
	close(p[0]);
	close(p[1]);
	netkit_close(sv[0]);
	netkit_close(sv[1]);
}

START_TEST(more_descriptors_than_room_fail_and_none_leak)
{
	/* MSG_CTRUNC: four sent, room for one. */
	assert_refused_and_closed(SOCK_STREAM, 4, 1, 16, -ENOBUFS);
	/* CMSG_SPACE(1 int) has room for two: the kernel delivers both
	 * without MSG_CTRUNC, and the second is still one too many. */
	assert_refused_and_closed(SOCK_STREAM, 2, 1, 16, -ENOBUFS);
	/* No room at all. */
	assert_refused_and_closed(SOCK_SEQPACKET, 1, 0, 16, -ENOBUFS);
	assert_refused_and_closed(SOCK_DGRAM, 8, 3, 16, -ENOBUFS);
}
END_TEST

START_TEST(cut_datagram_fails_and_its_descriptors_close)
{
	/* Ten bytes into four: -EMSGSIZE, even with room for the fds. */
	assert_refused_and_closed(SOCK_DGRAM, 2, 8, 4, -EMSGSIZE);
	assert_refused_and_closed(SOCK_SEQPACKET, 1, 8, 4, -EMSGSIZE);
}
END_TEST

START_TEST(stream_goes_on_after_a_refused_message)
{
	int sv[2], p[2], fds[4], got[4];
	size_t n;
	char buf[8];

	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fds[0] = fds[1] = fds[2] = p[0];
	ck_assert_int_eq(netkit_send_fds(sv[0], "A", 1, fds, 3, NETKIT_FOREVER), 1);
	ck_assert_int_eq(netkit_send_fds(sv[0], "B", 1, &p[1], 1, NETKIT_FOREVER), 1);
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, sizeof(buf), got, 1, &n, NETKIT_FOREVER),
			 -ENOBUFS);
	/* The kernel keeps messages with descriptors apart: B is next. */
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, sizeof(buf), got, 1, &n, NETKIT_FOREVER),
			 1);
	ck_assert_int_eq(buf[0], 'B');
	ck_assert_uint_eq(n, 1);
	assert_same_file(got[0], p[1]);
	close(got[0]);
	close(p[0]);
	close(p[1]);
	netkit_close(sv[0]);
	netkit_close(sv[1]);
}
END_TEST

START_TEST(bad_fd_arguments_are_refused_and_change_nothing)
{
	int sv[2], got[2] = { -7, -7 }, many[NETKIT_MAX_FDS + 1], c, s;
	size_t n = 4242;
	char buf[4];

	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	memset(many, 0, sizeof(many));
	ck_assert_int_eq(netkit_send_fds(sv[0], NULL, 1, &sv[0], 1, NETKIT_FOREVER), -EINVAL);
	ck_assert_int_eq(netkit_send_fds(sv[0], "x", 0, &sv[0], 1, NETKIT_FOREVER), -EINVAL);
	ck_assert_int_eq(netkit_send_fds(sv[0], "x", 1, NULL, 1, NETKIT_FOREVER), -EINVAL);
	ck_assert_int_eq(netkit_send_fds(sv[0], "x", 1, many,
					 NETKIT_MAX_FDS + 1, NETKIT_FOREVER), -EINVAL);
	ck_assert_int_eq(netkit_send_fds(sv[0], "x", 1, &sv[0], 1, netkit_deadline_at(-5)),
			 -EINVAL);
	ck_assert_int_eq(netkit_send_fds(-1, "x", 1, &sv[0], 1, NETKIT_FOREVER), -EBADF);
	/* A descriptor that is not open: the kernel's -EBADF, nothing sent. */
	got[0] = -3;
	ck_assert_int_eq(netkit_send_fds(sv[0], "x", 1, got, 1, NETKIT_FOREVER), -EBADF);
	got[0] = -7;
	ck_assert(!nk_readable(sv[1], 0));

	ck_assert_int_eq(netkit_recv_fds(sv[1], NULL, 1, got, 2, &n, NETKIT_FOREVER), -EINVAL);
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, 0, got, 2, &n, NETKIT_FOREVER), -EINVAL);
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, 1, NULL, 2, &n, NETKIT_FOREVER), -EINVAL);
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, 1, got, 2, NULL, NETKIT_FOREVER),
			 -EINVAL);
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, 1, many,
					 NETKIT_MAX_FDS + 1, &n, NETKIT_FOREVER), -EINVAL);
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, 1, got, 2, &n, netkit_deadline_at(-2)),
			 -EINVAL);
	ck_assert_int_eq(netkit_recv_fds(-1, buf, 1, got, 2, &n, NETKIT_FOREVER), -EBADF);
	ck_assert_int_eq(got[0], -7);
	ck_assert_uint_eq(n, 4242);
	/* Nothing waiting on a non-blocking try: -ETIMEDOUT at once. */
	ck_assert_int_eq(netkit_recv_fds(sv[1], buf, 1, got, 2, &n, NETKIT_NOW),
			 -ETIMEDOUT);
	netkit_close(sv[0]);
	netkit_close(sv[1]);
	/* Descriptors over TCP: Linux would take the message and drop
	 * them silently; netkit refuses before anything is sent. */
	nk_tcp_pair(AF_INET, &c, &s);
	ck_assert_int_eq(netkit_send_fds(c, "x", 1, &s, 1, NETKIT_FOREVER), -EOPNOTSUPP);
	ck_assert_int_eq(netkit_send_fds(c, "x", 1, &s, 1, NETKIT_NOW),
			 -EOPNOTSUPP);
	ck_assert(!nk_readable(s, 0));
	netkit_close(c);
	netkit_close(s);
}
END_TEST

START_TEST(send_fds_to_a_closed_peer_is_epipe_without_sigpipe)
{
	int sv[2];

	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	netkit_close(sv[1]);
	ck_assert_int_eq(netkit_send_fds(sv[0], "x", 1, &sv[0], 1, NETKIT_FOREVER), -EPIPE);
	ck_assert_int_eq(netkit_send_fds(sv[0], "x", 1, &sv[0], 1,
					       netkit_deadline_in(1000)),
			 -EPIPE);
	netkit_close(sv[0]);
}
END_TEST

NK_ON_TIME_TEST(recv_fds_until_times_out_on_silent_peer)
{
	int sv[2], got;
	netkit_deadline dl;
	double t0;
	size_t n = 4242;
	char c;

	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(150);
	ck_assert_int_eq(netkit_recv_fds(sv[1], &c, 1, &got, 1, &n, dl),
			 -ETIMEDOUT);
	nk_assert_on_time("recv_fds_until", t0, dl, nk_clock_ms());
	ck_assert_uint_eq(n, 4242);
	netkit_close(sv[0]);
	netkit_close(sv[1]);
}
END_TEST

NK_ON_TIME_TEST(send_fds_until_times_out_on_a_full_socket)
{
	int sv[2];
	uint64_t off = 0;
	netkit_deadline dl;
	double t0;

	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	nk_stream_stuff(sv[0], &off);
	ck_assert_uint_gt(off, 0);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(150);
	ck_assert_int_eq(netkit_send_fds(sv[0], "x", 1, &sv[1], 1, dl),
			 -ETIMEDOUT);
	nk_assert_on_time("send_fds_until", t0, dl, nk_clock_ms());
	netkit_close(sv[0]);
	netkit_close(sv[1]);
}
END_TEST

START_TEST(interrupted_fd_calls_are_retried)
{
	int sv[2], p[2], got;
	size_t n;
	char c;

	ck_assert_int_eq(netkit_socketpair(SOCK_SEQPACKET, sv), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	nk_fault_install(nk_fault_seed_env(9));
	nk_fault_fail(NK_FAULT_SENDMSG, EINTR, 2);
	nk_fault_fail(NK_FAULT_RECVMSG, EINTR, 2);
	ck_assert_int_eq(netkit_send_fds(sv[0], "i", 1, &p[1], 1, NETKIT_FOREVER), 1);
	ck_assert_int_eq(netkit_recv_fds(sv[1], &c, 1, &got, 1, &n, NETKIT_FOREVER), 1);
	ck_assert_uint_eq(nk_fault_failed(NK_FAULT_SENDMSG), 2);
	ck_assert_uint_eq(nk_fault_failed(NK_FAULT_RECVMSG), 2);
	nk_fault_reset();
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(write(got, "w", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'w');
	close(got);
	close(p[0]);
	close(p[1]);
	netkit_close(sv[0]);
	netkit_close(sv[1]);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("unix-fds");

	NK_ADD_TEST(s, passed_pipe_is_read_through_the_received_descriptor);
	NK_ADD_TEST(s, several_descriptors_arrive_in_order);
	NK_ADD_TEST(s, received_descriptors_are_close_on_exec);
	NK_ADD_TEST(s, more_descriptors_than_room_fail_and_none_leak);
	NK_ADD_TEST(s, cut_datagram_fails_and_its_descriptors_close);
	NK_ADD_TEST(s, stream_goes_on_after_a_refused_message);
	NK_ADD_TEST(s, bad_fd_arguments_are_refused_and_change_nothing);
	NK_ADD_TEST(s, send_fds_to_a_closed_peer_is_epipe_without_sigpipe);
	NK_ADD_TEST(s, recv_fds_until_times_out_on_silent_peer);
	NK_ADD_TEST(s, send_fds_until_times_out_on_a_full_socket);
	NK_ADD_TEST(s, interrupted_fd_calls_are_retried);
	return s;
}
