/* SPDX-License-Identifier: MIT */
/*
 * Files and sockets: netkit_sendfile_until() moves every byte exactly
 * once (100 MiB, with short counts injected), honours offset and count,
 * keeps its deadline and reports what went, falls back to read + send
 * for a pipe or when sendfile(2) refuses, never raises SIGPIPE; and
 * netkit_recv_to_file_until() writes what arrives. Bad inputs are
 * answered with their code and nothing changed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "fault.h"
#include "timing.h"

#define MIB ((uint64_t)1 << 20)
/* The big file: a stream block of PATCH bytes at every MiB, zeros in
 * between (a sparse file: quick to make, real bytes to check). */
#define PATCH 4096

/* The byte at offset i of the big file. */
static unsigned char
big_byte(uint64_t i)
{
	return i % MIB < PATCH ? nk_stream_byte(i) : 0;
}

/* A temporary file, already unlinked, holding size bytes: the stream
 * (nk_stream_byte) when dense, else the big file's pattern. */
static int
temp_file(uint64_t size, bool dense)
{
	const char *tmp = getenv("TMPDIR");
	unsigned char buf[PATCH];
	char name[4096];
	uint64_t off;
	int fd;

	snprintf(name, sizeof(name), "%s/nk-file-XXXXXX", tmp ? tmp : "/tmp");
	fd = mkostemp(name, O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(unlink(name), 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	for (off = 0; off < size; off += dense ? sizeof(buf) : MIB) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

		nk_stream_fill(buf, n, off);
		ck_assert_int_eq(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
	}
	return fd;
}

/* Receives until the end of the stream and checks every byte against
 * the big file's (arg: the descriptor; at most 60 s, scaled under
 * valgrind); returns the count. */
static void *
drain_big(void *arg)
{
	return (void *)(uintptr_t)nk_drain_checked(*(int *)arg, big_byte,
						   (double)nk_scaled_ms(60000));
}

static void *
drain_stream(void *arg)
{
	return (void *)(uintptr_t)nk_stream_drain(*(int *)arg);
}

START_TEST(sendfile_of_100_mib_with_short_counts_sends_every_byte_once)
{
	/* Under valgrind every byte checked costs ~50x: 8 MiB there. */
	uint64_t size = (nk_slow_runner() ? 8 : 100) * MIB;
	int c, s, fd = temp_file(size, false);
	nk_thread *t;
	size_t sent = 0;

	nk_tcp_pair(AF_INET, &c, &s);
	nk_fault_install(nk_fault_seed_env(0xf11e));
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_SENDFILE,
		.action = NK_FAULT_SHORT, .max = 1, .prob = 0.3 });
	t = nk_spawn(drain_big, &s);
	ck_assert_int_eq(netkit_sendfile(c, fd, 0, 0, &sent,
		netkit_deadline_in(nk_scaled_ms(60000))),
		(ssize_t)size);
	ck_assert_uint_eq(sent, size);
	ck_assert_uint_gt(nk_fault_failed(NK_FAULT_SENDFILE), 0);
	nk_fault_reset();
	ck_assert_int_eq(netkit_shutdown(c, SHUT_WR), 0);
	ck_assert_uint_eq((uintptr_t)nk_join(t), size);
	/* The file's own position did not move. */
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

/* Receives exactly len bytes from fd and checks them against the
 * stream from offset from. */
static void
expect_stream(int fd, size_t len, uint64_t from)
{
	unsigned char *got = malloc(len), *want = malloc(len);
	size_t n = 0;

	ck_assert(got && want);
	ck_assert_int_eq(netkit_recv_exact_until(fd, got, len, &n,
		netkit_deadline_in(nk_scaled_ms(5000))), (ssize_t)len);
	nk_stream_fill(want, len, from);
	ck_assert(memcmp(got, want, len) == 0);
	free(got);
	free(want);
}

START_TEST(sendfile_honours_offset_and_count)
{
	int c, s, fd = temp_file(200000, true);
	char extra;

	nk_tcp_pair(AF_INET, &c, &s);
	ck_assert_int_eq(netkit_sendfile(c, fd, 1000, 5000, NULL, NETKIT_FOREVER), 5000);
	expect_stream(s, 5000, 1000);
	/* count 0: from the offset to the end of the file. */
	ck_assert_int_eq(netkit_sendfile(c, fd, 150000, 0, NULL, NETKIT_FOREVER), 50000);
	expect_stream(s, 50000, 150000);
	/* A count past the end sends what there is. */
	ck_assert_int_eq(netkit_sendfile(c, fd, 199990, 100, NULL, NETKIT_FOREVER), 10);
	expect_stream(s, 10, 199990);
	ck_assert_int_eq(netkit_sendfile(c, fd, 200000, 0, NULL, NETKIT_FOREVER), 0);
	ck_assert_int_eq(netkit_shutdown(c, SHUT_WR), 0);
	ck_assert_int_eq(netkit_recv_until(s, &extra, 1,
		netkit_deadline_in(nk_scaled_ms(5000))), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

NK_ON_TIME_TEST(sendfile_until_times_out_on_a_reader_that_never_reads)
{
	int c, s, fd = temp_file(8 * MIB, true);
	size_t sent = 4242;
	netkit_deadline dl;
	double t0;
	int fl;

	nk_tcp_pair(AF_INET, &c, &s);
	nk_small_buffers(c, s);
	fl = nk_flags(c);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(200);
	ck_assert_int_eq(netkit_sendfile(c, fd, 0, 0, &sent, dl),
			 -ETIMEDOUT);
	nk_assert_on_time("sendfile_until", t0, dl, nk_clock_ms());
	ck_assert_uint_gt(sent, 0);
	ck_assert_uint_lt(sent, 8 * MIB);
	/* The socket is blocking again, as it was. */
	ck_assert_int_eq(nk_flags(c), fl);
	ck_assert_int_eq(netkit_shutdown(c, SHUT_WR), 0);
	ck_assert_uint_eq(nk_stream_drain(s), sent);
	close(fd);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

/* Writes the first 1 MiB of the stream into a pipe, then closes it. */
static void *
fill_pipe(void *arg)
{
	int fd = *(int *)arg;
	unsigned char buf[4096];
	uint64_t off;

	for (off = 0; off < MIB; off += sizeof(buf)) {
		nk_stream_fill(buf, sizeof(buf), off);
		ck_assert_int_eq(write(fd, buf, sizeof(buf)), sizeof(buf));
	}
	close(fd);
	return NULL;
}

START_TEST(sendfile_from_a_pipe_falls_back_to_read_and_send)
{
	nk_thread *w, *r;
	int c, s, p[2];
	size_t sent = 0;

	nk_tcp_pair(AF_INET, &c, &s);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	/* A pipe has no offset. */
	ck_assert_int_eq(netkit_sendfile(c, p[0], 1, 0, &sent, NETKIT_NOW),
			 -ESPIPE);
	ck_assert_uint_eq(sent, 0);
	nk_fault_install(nk_fault_seed_env(3));
	w = nk_spawn(fill_pipe, &p[1]);
	r = nk_spawn(drain_stream, &s);
	ck_assert_int_eq(netkit_sendfile(c, p[0], 0, 0, &sent,
		netkit_deadline_in(nk_scaled_ms(10000))),
		(ssize_t)MIB);
	ck_assert_uint_eq(sent, MIB);
	ck_assert_uint_gt(nk_fault_seen(NK_FAULT_READ), 0);
	nk_fault_reset();
	nk_join(w);
	ck_assert_int_eq(netkit_shutdown(c, SHUT_WR), 0);
	ck_assert_uint_eq((uintptr_t)nk_join(r), MIB);
	close(p[0]);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

START_TEST(sendfile_refused_by_the_kernel_falls_back_to_pread_at_the_offset)
{
	int c, s, fd = temp_file(300000, true);
	size_t sent = 0;

	nk_tcp_pair(AF_INET, &c, &s);
	nk_fault_install(nk_fault_seed_env(4));
	nk_fault_fail(NK_FAULT_SENDFILE, EINVAL, 1);
	nk_fault_short(NK_FAULT_PREAD, 1000, 5);
	/* More than the socket holds: the peer reads as it goes. */
	ck_assert_int_eq(netkit_sendfile(c, fd, 777, 100000, &sent,
		netkit_deadline_in(nk_scaled_ms(5000))), 100000);
	ck_assert_uint_eq(sent, 100000);
	ck_assert_uint_eq(nk_fault_failed(NK_FAULT_SENDFILE), 1);
	ck_assert_uint_gt(nk_fault_seen(NK_FAULT_PREAD), 5);
	nk_fault_reset();
	expect_stream(s, 100000, 777);
	close(fd);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

/* Is SIGPIPE pending (for the thread or the process)? */
static bool
sigpipe_pending(void)
{
	sigset_t set;

	ck_assert_int_eq(sigpending(&set), 0);
	return sigismember(&set, SIGPIPE) == 1;
}

START_TEST(sendfile_to_a_closed_socket_is_epipe_without_sigpipe)
{
	int c, s, fd = temp_file(100000, true);
	sigset_t before, after;
	size_t sent = 4242;
	ssize_t rc;
	int sig;

	/* Check's child would die of signal 13 if it were raised. */
	nk_tcp_pair(AF_INET, &c, &s);
	/* Emptied first: the kernel fills only its part of a sigset_t. */
	sigemptyset(&before);
	sigemptyset(&after);
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &before), 0);
	ck_assert_int_eq(netkit_shutdown(c, SHUT_WR), 0);
	ck_assert_int_eq(netkit_sendfile(c, fd, 0, 0, NULL, NETKIT_FOREVER), -EPIPE);
	ck_assert_int_eq(netkit_sendfile(c, fd, 0, 0, &sent,
		netkit_deadline_in(1000)), -EPIPE);
	ck_assert_uint_eq(sent, 0);
	netkit_close(c);
	netkit_close(s);
	/* A peer that closed: a reset, then EPIPE; never the signal. */
	nk_tcp_pair(AF_INET, &c, &s);
	netkit_close(s);
	do
		rc = netkit_sendfile(c, fd, 0, 0, NULL, NETKIT_FOREVER);
	while (rc > 0);
	ck_assert_msg(rc == -EPIPE || rc == -ECONNRESET, "got %zd", rc);
	ck_assert(!sigpipe_pending());
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &after), 0);
	for (sig = 1; sig < SIGRTMIN; sig++)
		ck_assert_msg(sigismember(&before, sig) ==
			      sigismember(&after, sig), "signal %d", sig);
	close(fd);
	netkit_close(c);
}
END_TEST

START_TEST(sigpipe_pending_before_sendfile_stays_pending)
{
	int c, s, fd = temp_file(1000, true);
	sigset_t set, old;

	/* The caller's own SIGPIPE, blocked and pending: not ours to eat. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
	ck_assert_int_eq(pthread_kill(pthread_self(), SIGPIPE), 0);
	nk_tcp_pair(AF_INET, &c, &s);
	ck_assert_int_eq(netkit_shutdown(c, SHUT_WR), 0);
	ck_assert_int_eq(netkit_sendfile(c, fd, 0, 0, NULL, NETKIT_FOREVER), -EPIPE);
	ck_assert(sigpipe_pending());
	ck_assert_int_eq(sigwaitinfo(&set, NULL), SIGPIPE);
	ck_assert(!sigpipe_pending());
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	close(fd);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

START_TEST(bad_file_arguments_are_refused_and_change_nothing)
{
	int c, s, fd = temp_file(1000, true), closed = nk_closed_fd();
	size_t n = 4242;

	nk_tcp_pair(AF_INET, &c, &s);
	ck_assert_int_eq(netkit_sendfile(c, fd, -1, 0, &n, NETKIT_NOW), -EINVAL);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(netkit_sendfile(c, fd, 0, 0, NULL, netkit_deadline_at(-2)),
			 -EINVAL);
	ck_assert_int_eq(netkit_sendfile(-1, fd, 0, 0, NULL, NETKIT_FOREVER), -EBADF);
	ck_assert_int_eq(netkit_sendfile(c, -1, 0, 0, NULL, NETKIT_FOREVER), -EBADF);
	ck_assert_int_eq(netkit_sendfile(c, closed, 0, 0, NULL, NETKIT_FOREVER), -EBADF);
	ck_assert_int_eq(netkit_sendfile(closed, fd, 0, 0, NULL, NETKIT_FOREVER), -EBADF);
	ck_assert_int_eq(netkit_sendfile(c, fd, -5, 10, NULL, NETKIT_FOREVER), -EINVAL);
	n = 4242;
	ck_assert_int_eq(netkit_recv_to_file(s, fd, 0, &n, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(netkit_recv_to_file(-1, fd, 0, NULL, NETKIT_FOREVER), -EBADF);
	ck_assert_int_eq(netkit_recv_to_file(s, -1, 0, NULL, NETKIT_FOREVER), -EBADF);
	/* Nothing went, nothing moved. */
	ck_assert(!nk_readable(s, 0));
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), 1000);
	close(fd);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

struct send_job {
	int sock, fd;
};

/* Sends the file from offset 1000 to its end, then half-closes. */
static void *
send_rest(void *arg)
{
	struct send_job *j = arg;
	ssize_t n = netkit_sendfile(j->sock, j->fd, 1000, 0, NULL, NETKIT_FOREVER);

	ck_assert_int_eq(netkit_shutdown(j->sock, SHUT_WR), 0);
	return (void *)(intptr_t)n;
}

START_TEST(recv_to_file_writes_every_byte_until_the_peer_closes)
{
	int c, s, src = temp_file(300000, true), dst = temp_file(0, true);
	unsigned char *got = malloc(300000), *want = malloc(300000);
	struct send_job job;
	nk_thread *t;
	size_t n = 0;

	ck_assert(got && want);
	nk_tcp_pair(AF_INET, &c, &s);
	nk_fault_install(nk_fault_seed_env(5));
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_WRITE,
		.action = NK_FAULT_SHORT, .max = 7, .prob = 0.3 });
	/* 1000 bytes first, exactly; then the rest until the close. */
	ck_assert_int_eq(netkit_sendfile(c, src, 0, 1000, NULL, NETKIT_FOREVER), 1000);
	ck_assert_int_eq(netkit_recv_to_file(s, dst, 1000, &n,
		netkit_deadline_in(nk_scaled_ms(5000))), 1000);
	ck_assert_uint_eq(n, 1000);
	job.sock = c;
	job.fd = src;
	t = nk_spawn(send_rest, &job);
	ck_assert_int_eq(netkit_recv_to_file(s, dst, 0, NULL, NETKIT_FOREVER), 299000);
	ck_assert_int_eq((intptr_t)nk_join(t), 299000);
	nk_fault_reset();
	ck_assert_int_eq(pread(dst, got, 300000, 0), 300000);
	nk_stream_fill(want, 300000, 0);
	ck_assert(memcmp(got, want, 300000) == 0);
	free(got);
	free(want);
	close(src);
	close(dst);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

NK_ON_TIME_TEST(recv_to_file_until_times_out_and_reports_what_was_written)
{
	int c, s, dst = temp_file(0, true);
	size_t n = 4242;
	netkit_deadline dl;
	double t0;

	nk_tcp_pair(AF_INET, &c, &s);
	ck_assert_int_eq(netkit_send(c, "abcde", 5), 5);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(150);
	ck_assert_int_eq(netkit_recv_to_file(s, dst, 10, &n, dl),
			 -ETIMEDOUT);
	nk_assert_on_time("recv_to_file_until", t0, dl, nk_clock_ms());
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(lseek(dst, 0, SEEK_END), 5);
	close(dst);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("file");

	NK_ADD_FAULT_TEST(s,
		sendfile_of_100_mib_with_short_counts_sends_every_byte_once);
	NK_ADD_TEST(s, sendfile_honours_offset_and_count);
	NK_ADD_TEST(s, sendfile_until_times_out_on_a_reader_that_never_reads);
	NK_ADD_FAULT_TEST(s, sendfile_from_a_pipe_falls_back_to_read_and_send);
	NK_ADD_FAULT_TEST(s,
		sendfile_refused_by_the_kernel_falls_back_to_pread_at_the_offset);
	NK_ADD_TEST(s, sendfile_to_a_closed_socket_is_epipe_without_sigpipe);
	NK_ADD_TEST(s, sigpipe_pending_before_sendfile_stays_pending);
	NK_ADD_TEST(s, bad_file_arguments_are_refused_and_change_nothing);
	NK_ADD_FAULT_TEST(s,
		recv_to_file_writes_every_byte_until_the_peer_closes);
	NK_ADD_TEST(s, recv_to_file_until_times_out_and_reports_what_was_written);
	return s;
}
