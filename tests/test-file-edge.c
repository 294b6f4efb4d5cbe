/* SPDX-License-Identifier: MIT */
/*
 * Files and pipes at their edges (issue 13): a deadline kept on a pipe
 * that never becomes ready, a count that tells exactly what reached
 * the file or the pipe when a write fails midway, and transfers that
 * fit a small thread stack.
 *
 * A call that, broken, blocks for ever runs under nk_run_guarded():
 * after 3 s the test frees it (closes the pipe's other end, or reads
 * the pipe) and fails with a message instead of hanging.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"
#include "helpers.h"
#include "timing.h"

#define GUARD_MS 3000

static const char *
res(ssize_t rc, char *buf, size_t len)
{
	if (rc < 0)
		return netkit_errname((int)rc);
	snprintf(buf, len, "%zd", rc);
	return buf;
}

/* A temporary file, already unlinked. */
static int
temp_file(void)
{
	char path[] = "/tmp/nk-file-edge-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	return fd;
}

/* Sends n stream bytes (nk_stream_byte) from offset 0, all of them
 * fitting in the socket buffers. */
static void
send_stream(int fd, size_t n)
{
	unsigned char *buf = malloc(n);

	ck_assert_ptr_nonnull(buf);
	nk_stream_fill(buf, n, 0);
	ck_assert_int_eq(send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT),
			 (ssize_t)n);
	free(buf);
}

/* Fails unless the len bytes at buf are stream bytes from offset 0. */
static void
assert_stream(const char *what, const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != nk_stream_byte(i))
			ck_abort_msg("%s: byte %zu of %zu is not the peer's",
				     what, i, len);
}

/* Reads what a pipe (non-blocking read end) holds, at most max bytes;
 * returns the count. */
static size_t
read_pipe(int fd, unsigned char *buf, size_t max)
{
	size_t got = 0;
	ssize_t n;

	while (got < max) {
		n = read(fd, buf + got, max - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* ---- A deadline kept on a pipe ---- */

struct pipe_call {
	int sock, peer;
	int p[2];
	size_t prefill;		/* bytes the test put in the pipe */
	size_t sent;		/* what the peer had sent */
	netkit_deadline deadline;
	ssize_t rc;
	size_t moved;
	double end;
};

static void *
sendfile_call(void *arg)
{
	struct pipe_call *x = arg;

	x->rc = netkit_sendfile(x->sock, x->p[0], 0, 0,
				      &x->moved, x->deadline);
	x->end = nk_clock_ms();
	return NULL;
}

/* The writer's end closed: read(2) on the pipe answers 0 at once. */
static void
close_writer(void *arg)
{
	struct pipe_call *x = arg;

	close(x->p[1]);
	x->p[1] = -1;
}

static bool
scenario_sendfile_until_empty_blocking_pipe(int i)
{
	struct pipe_call x = { .rc = 0 };
	int fl_sock, fl_pipe;
	bool returned;
	double start;
	char b[24];

	(void)i;
	nk_tcp_pair(AF_INET, &x.sock, &x.peer);
	ck_assert_int_eq(pipe2(x.p, O_CLOEXEC), 0);
	fl_sock = nk_flags(x.sock);
	fl_pipe = nk_flags(x.p[0]);
	start = nk_clock_ms();
	x.deadline = netkit_deadline_in(200);
	returned = nk_run_guarded(sendfile_call, &x, GUARD_MS, close_writer);
	ck_assert_msg(returned, "sendfile_until from an empty blocking pipe "
		      "(deadline 200 ms) still blocked after %d ms; freed by "
		      "closing the pipe's writer, it answered %s with %zu "
		      "sent", GUARD_MS, res(x.rc, b, sizeof(b)), x.moved);
	ck_assert_msg(x.rc == -ETIMEDOUT, "sendfile_until from an empty pipe: "
		      "%s (want ETIMEDOUT)", res(x.rc, b, sizeof(b)));
	ck_assert_uint_eq(x.moved, 0);
	ck_assert_int_eq(recv(x.peer, b, sizeof(b), MSG_DONTWAIT), -1);
	ck_assert_msg(nk_flags(x.sock) == fl_sock && nk_flags(x.p[0]) ==
		      fl_pipe, "sendfile_until left the socket's flags %#x "
		      "(were %#x), the pipe's %#x (were %#x)",
		      nk_flags(x.sock), fl_sock, nk_flags(x.p[0]), fl_pipe);
	close(x.sock);
	close(x.peer);
	close(x.p[0]);
	close(x.p[1]);
	return nk_late_ok("sendfile_until from an empty pipe", start,
			  x.deadline, x.end);
}

START_TEST(sendfile_until_from_an_empty_blocking_pipe_keeps_the_deadline)
{
	nk_until_on_time("sendfile_until from an empty pipe",
			 scenario_sendfile_until_empty_blocking_pipe, _i);
}
END_TEST

/* Fills a blocking pipe through its writer fd until a write would
 * block; returns how many bytes went in ('P' bytes). */
static size_t
fill_pipe(int fd)
{
	char chunk[4096];
	size_t total = 0;
	ssize_t n;
	int k;

	memset(chunk, 'P', sizeof(chunk));
	nk_set_nonblocking(fd, true);
	/* Pages first, then single bytes into what is left of the last. */
	for (k = 0; k < 4096; k++) {
		n = write(fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	for (k = 0; k < 8192; k++) {
		n = write(fd, chunk, 1);
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	ck_assert_int_eq(errno, EAGAIN);
	nk_set_nonblocking(fd, false);
	return total;
}

static void *
recv_to_file_call(void *arg)
{
	struct pipe_call *x = arg;

	x->rc = netkit_recv_to_file(x->sock, x->p[1], 0,
					  &x->moved, x->deadline);
	x->end = nk_clock_ms();
	return NULL;
}

/* Reads the pipe (bounded: 5 s) until all it can ever hold came: the
 * test's bytes and the peer's. */
static void
drain_pipe(void *arg)
{
	struct pipe_call *x = arg;
	size_t want = x->prefill + x->sent, got = 0;
	double end = nk_clock_ms() + 5000;
	char *buf = malloc(65536);
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	while (got < want && nk_clock_ms() < end) {
		if (!nk_readable(x->p[0], 100))
			continue;
		n = read(x->p[0], buf, 65536);
		if (n > 0)
			got += (size_t)n;
	}
	free(buf);
}

static bool
scenario_recv_to_file_until_full_blocking_pipe(int i)
{
	struct pipe_call x = { .rc = 0, .sent = 20000 };
	int fl_sock, fl_pipe;
	unsigned char *buf;
	bool returned;
	double start;
	size_t got, k;
	char b[24];

	(void)i;
	nk_tcp_pair(AF_INET, &x.sock, &x.peer);
	send_stream(x.peer, x.sent);
	ck_assert(nk_wait_fd(x.sock, POLLIN, 5000) & POLLIN);
	ck_assert_int_eq(pipe2(x.p, O_CLOEXEC), 0);
	x.prefill = fill_pipe(x.p[1]);
	fl_sock = nk_flags(x.sock);
	fl_pipe = nk_flags(x.p[1]);
	start = nk_clock_ms();
	x.deadline = netkit_deadline_in(200);
	returned = nk_run_guarded(recv_to_file_call, &x, GUARD_MS, drain_pipe);
	ck_assert_msg(returned, "recv_to_file_until into a full blocking "
		      "pipe (deadline 200 ms) still blocked after %d ms; once "
		      "the pipe was read it answered %s with %zu written",
		      GUARD_MS, res(x.rc, b, sizeof(b)), x.moved);
	ck_assert_msg(x.rc == -ETIMEDOUT, "recv_to_file_until into a full "
		      "pipe: %s (want ETIMEDOUT)", res(x.rc, b, sizeof(b)));
	ck_assert_msg(nk_flags(x.sock) == fl_sock && nk_flags(x.p[1]) ==
		      fl_pipe, "recv_to_file_until left the socket's flags "
		      "%#x (were %#x), the pipe's %#x (were %#x)",
		      nk_flags(x.sock), fl_sock, nk_flags(x.p[1]), fl_pipe);
	/* What the pipe holds: the test's bytes, then exactly the count
	 * the call reported, the peer's bytes in order. */
	buf = malloc(x.prefill + x.sent + 1);
	ck_assert_ptr_nonnull(buf);
	nk_set_nonblocking(x.p[0], true);
	got = read_pipe(x.p[0], buf, x.prefill + x.sent + 1);
	ck_assert_msg(got == x.prefill + x.moved, "the pipe holds %zu bytes "
		      "beyond the test's, the call says it wrote %zu",
		      got - x.prefill, x.moved);
	for (k = 0; k < x.prefill; k++)
		ck_assert_int_eq(buf[k], 'P');
	assert_stream("recv_to_file_until into a pipe", buf + x.prefill,
		      x.moved);
	free(buf);
	close(x.sock);
	close(x.peer);
	close(x.p[0]);
	close(x.p[1]);
	return nk_late_ok("recv_to_file_until into a full pipe", start,
			  x.deadline, x.end);
}

START_TEST(recv_to_file_until_into_a_full_blocking_pipe_keeps_deadline)
{
	nk_until_on_time("recv_to_file_until into a full pipe",
			 scenario_recv_to_file_until_full_blocking_pipe, _i);
}
END_TEST

/* ---- A count that does not lie ---- */

#define FSIZE_LIMIT 100000
#define FLOOD_BYTES (1 << 20)

/* What the child of the RLIMIT_FSIZE test saw. */
struct fsize_result {
	ssize_t rc;
	size_t got;
	off_t size;
};

static void
fsize_child(int sock, int file, int out)
{
	struct rlimit rl = { FSIZE_LIMIT, FSIZE_LIMIT };
	struct fsize_result r = { 0, 0, -1 };
	struct stat st;

	/* SIGXFSZ ignored: a write past the limit fails with EFBIG. */
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		_exit(2);
	r.rc = netkit_recv_to_file(sock, file, 0, &r.got,
					 netkit_deadline_in(10000));
	if (fstat(file, &st) == 0)
		r.size = st.st_size;
	_exit(write(out, &r, sizeof(r)) == sizeof(r) ? 0 : 3);
}

/* Sends FLOOD_BYTES stream bytes, or until the child's end is gone
 * (bounded by a 5 s send timeout). */
static void
send_until_gone(int fd)
{
	struct timeval tv = { 5, 0 };
	unsigned char *buf = malloc(65536);
	size_t off = 0;
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				    sizeof(tv)), 0);
	while (off < FLOOD_BYTES) {
		nk_stream_fill(buf, 65536, off);
		n = send(fd, buf, 65536, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(buf);
}

START_TEST(recv_to_file_until_counts_bytes_written_before_efbig)
{
	struct fsize_result r = { 0, 0, -1 };
	int sock, peer, file, out[2], status = 0;
	unsigned char *buf;
	char b[24];
	ssize_t n;
	pid_t pid;

	file = temp_file();
	nk_tcp_pair(AF_INET, &sock, &peer);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(peer);
		close(out[0]);
		fsize_child(sock, file, out[1]);
	}
	close(sock);
	close(out[1]);
	send_until_gone(peer);
	close(peer);
	if (!nk_readable(out[0], 10000))
		kill(pid, SIGKILL);
	n = read(out[0], &r, sizeof(r));
	close(out[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(n == (ssize_t)sizeof(r), "the child never answered "
		      "(status %#x)", status);
	ck_assert_msg(r.rc == -EFBIG && r.got == (size_t)r.size &&
		      r.size == FSIZE_LIMIT, "recv_to_file_until past "
		      "RLIMIT_FSIZE %d: %s with got %zu, the file holds %lld "
		      "(want EFBIG, got = size = %d)", FSIZE_LIMIT,
		      res(r.rc, b, sizeof(b)), r.got, (long long)r.size,
		      FSIZE_LIMIT);
	buf = malloc(FSIZE_LIMIT);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(file, buf, FSIZE_LIMIT, 0), FSIZE_LIMIT);
	assert_stream("the file", buf, FSIZE_LIMIT);
	free(buf);
	close(file);
}
END_TEST

#define ONE_BYTE_WRITES 60

/* recv_to_file_until into fd while the seam lets ONE_BYTE_WRITES
 * writes of one byte through, then fails every write with err. */
static ssize_t
short_writes_then(int err, int fd, size_t *got)
{
	ssize_t rc;
	int sock, peer;

	nk_tcp_pair(AF_INET, &sock, &peer);
	send_stream(peer, 1000);
	ck_assert(nk_wait_fd(sock, POLLIN, 5000) & POLLIN);
	nk_fault_install(0);
	nk_fault_short(NK_FAULT_WRITE, 1, ONE_BYTE_WRITES);
	nk_fault_fail(NK_FAULT_WRITE, err, 0);
	rc = netkit_recv_to_file(sock, fd, 0,
				       got, netkit_deadline_in(5000));
	nk_fault_reset();
	close(sock);
	close(peer);
	return rc;
}

START_TEST(recv_to_file_until_counts_short_writes_before_enospc)
{
	unsigned char buf[2 * ONE_BYTE_WRITES];
	size_t got = 12345;
	struct stat st;
	ssize_t rc;
	char b[24];
	int file;

	file = temp_file();
	rc = short_writes_then(ENOSPC, file, &got);
	ck_assert_int_eq(fstat(file, &st), 0);
	ck_assert_msg(rc == -ENOSPC && got == ONE_BYTE_WRITES &&
		      st.st_size == ONE_BYTE_WRITES, "recv_to_file_until, %d "
		      "one-byte writes then ENOSPC: %s with got %zu, the file "
		      "holds %lld (want ENOSPC, got = size = %d)",
		      ONE_BYTE_WRITES, res(rc, b, sizeof(b)), got,
		      (long long)st.st_size, ONE_BYTE_WRITES);
	ck_assert_int_eq(pread(file, buf, sizeof(buf), 0), ONE_BYTE_WRITES);
	assert_stream("the file", buf, ONE_BYTE_WRITES);
	close(file);
}
END_TEST

START_TEST(recv_to_file_until_counts_short_writes_before_epipe)
{
	unsigned char buf[2 * ONE_BYTE_WRITES];
	size_t got = 12345, held;
	ssize_t rc;
	char b[24];
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	rc = short_writes_then(EPIPE, p[1], &got);
	held = read_pipe(p[0], buf, sizeof(buf));
	ck_assert_msg(rc == -EPIPE && got == ONE_BYTE_WRITES &&
		      held == ONE_BYTE_WRITES, "recv_to_file_until, %d "
		      "one-byte writes then EPIPE: %s with got %zu, the pipe "
		      "holds %zu (want EPIPE, got = held = %d)",
		      ONE_BYTE_WRITES, res(rc, b, sizeof(b)), got, held,
		      ONE_BYTE_WRITES);
	assert_stream("the pipe", buf, ONE_BYTE_WRITES);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* A real pipe whose reader reads some, waits until the writer can
 * write no more, and leaves. The peer's bytes outnumber what the pipe
 * and the reader take, so the call never waits on the socket: asleep,
 * it waits for room in the pipe, and none comes until the reader
 * leaves. */
struct leaving_reader {
	struct pipe_call x;
	atomic_int tid;
};

static void *
recv_to_pipe_call(void *arg)
{
	struct leaving_reader *l = arg;

	atomic_store(&l->tid, (int)gettid());
	return recv_to_file_call(&l->x);
}

/* The state letter of a thread of this process ('S': asleep), or 0. */
static char
thread_state(int tid)
{
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : 0;
}

static int
pipe_held(int fd)
{
	int n = -1;

	ck_assert_int_eq(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

/* Waits (at most 5 s) until the writer thread sleeps with the pipe's
 * content unchanged over three looks 20 ms apart; returns the count. */
static int
wait_writer_stuck(struct leaving_reader *l)
{
	double end = nk_clock_ms() + 5000;
	int held = -1, same = 0, now;

	while (same < 3) {
		ck_assert_msg(nk_clock_ms() < end, "the writer never got stuck "
			      "on the full pipe");
		poll(NULL, 0, 20);
		now = pipe_held(l->x.p[0]);
		if (atomic_load(&l->tid) && thread_state(atomic_load(&l->tid))
		    == 'S' && now == held)
			same++;
		else
			same = 0;
		held = now;
	}
	return held;
}

START_TEST(recv_to_file_until_counts_what_a_leaving_reader_was_given)
{
	struct leaving_reader l = { .x = { .sent = 48 * 1024 } };
	unsigned char *buf;
	size_t taken = 0;
	nk_thread *t;
	int held;
	char b[24];
	ssize_t n;

	nk_tcp_pair(AF_INET, &l.x.sock, &l.x.peer);
	send_stream(l.x.peer, l.x.sent);
	ck_assert_int_eq(pipe2(l.x.p, O_CLOEXEC), 0);
	/* One page: the reader then takes a few pages' worth. */
	(void)fcntl(l.x.p[1], F_SETPIPE_SZ, 4096);
	buf = malloc(l.x.sent);
	ck_assert_ptr_nonnull(buf);
	l.x.deadline = netkit_deadline_in(nk_scaled_ms(10000));
	t = nk_spawn(recv_to_pipe_call, &l);
	/* Three pages and a bit, so that the last read splits a page. */
	while (taken < 3 * 4096 + 100) {
		ck_assert(nk_readable(l.x.p[0], 5000));
		n = read(l.x.p[0], buf + taken, 3 * 4096 + 100 - taken);
		ck_assert_int_gt(n, 0);
		taken += (size_t)n;
	}
	held = wait_writer_stuck(&l);
	close(l.x.p[0]);
	nk_join(t);
	ck_assert_msg(l.x.rc == -EPIPE && l.x.moved == taken + (size_t)held,
		      "recv_to_file_until into a pipe whose reader took %zu "
		      "bytes and left %d in it: %s with got %zu (want EPIPE, "
		      "got %zu)", taken, held, res(l.x.rc, b, sizeof(b)),
		      l.x.moved, taken + (size_t)held);
	assert_stream("what the reader took", buf, taken);
	free(buf);
	close(l.x.sock);
	close(l.x.peer);
	close(l.x.p[1]);
}
END_TEST

/* ---- A small thread stack ---- */

/* 48 KiB: room for a transfer whose buffers are not on the stack, not
 * for a 64 KiB frame. AddressSanitizer adds red zones to every frame:
 * 48 KiB was enough there too with gcc 12 for such a version; 56 KiB
 * leaves a margin for other compilers and still cannot hold 64 KiB. */
#define SMALL_STACK ((NK_ASAN ? 56 : 48) * 1024)

#define STACK_BYTES 10000

static void *
sendfile_small_stack(void *arg)
{
	struct pipe_call *x = arg;

	x->rc = netkit_sendfile(x->sock, x->p[0], 0, 0, &x->moved,
				      netkit_deadline_in(5000));
	return NULL;
}

/* A platform whose smallest thread stack is larger (arm64 glibc) cannot
 * run the test. */
static bool
small_stack_allowed(void)
{
	long min = sysconf(_SC_THREAD_STACK_MIN);

	return min <= SMALL_STACK;
}

START_TEST(sendfile_until_fallback_fits_a_small_stack)
{
	struct pipe_call x = { .rc = 0 };
	unsigned char buf[STACK_BYTES];
	nk_thread *t;
	char b[24];

	if (!small_stack_allowed())
		NK_SKIP("threads need more than %d KiB of stack here",
			SMALL_STACK / 1024);

	nk_tcp_pair(AF_INET, &x.sock, &x.peer);
	ck_assert_int_eq(pipe2(x.p, O_CLOEXEC), 0);
	nk_stream_fill(buf, sizeof(buf), 0);
	ck_assert_int_eq(write(x.p[1], buf, sizeof(buf)), STACK_BYTES);
	close(x.p[1]);
	t = nk_spawn_stack(sendfile_small_stack, &x, SMALL_STACK);
	nk_join(t);
	ck_assert_msg(x.rc == STACK_BYTES && x.moved == STACK_BYTES,
		      "sendfile_until from a pipe on a %d KiB stack: %s, %zu "
		      "sent", SMALL_STACK / 1024, res(x.rc, b, sizeof(b)),
		      x.moved);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(netkit_recv_exact_until(x.peer, buf, sizeof(buf),
						 NULL,
						 netkit_deadline_in(5000)), STACK_BYTES);
	assert_stream("what arrived", buf, STACK_BYTES);
	close(x.sock);
	close(x.peer);
	close(x.p[0]);
}
END_TEST

static void *
recv_to_file_small_stack(void *arg)
{
	struct pipe_call *x = arg;

	x->rc = netkit_recv_to_file(x->sock, x->p[1], 0, &x->moved,
					  netkit_deadline_in(5000));
	return NULL;
}

START_TEST(recv_to_file_until_fits_a_small_stack)
{
	struct pipe_call x = { .rc = 0 };
	unsigned char buf[STACK_BYTES];
	nk_thread *t;
	char b[24];

	if (!small_stack_allowed())
		NK_SKIP("threads need more than %d KiB of stack here",
			SMALL_STACK / 1024);

	nk_tcp_pair(AF_INET, &x.sock, &x.peer);
	send_stream(x.peer, STACK_BYTES);
	ck_assert_int_eq(shutdown(x.peer, SHUT_WR), 0);
	x.p[1] = temp_file();
	t = nk_spawn_stack(recv_to_file_small_stack, &x, SMALL_STACK);
	nk_join(t);
	ck_assert_msg(x.rc == STACK_BYTES && x.moved == STACK_BYTES,
		      "recv_to_file_until on a %d KiB stack: %s, %zu written",
		      SMALL_STACK / 1024, res(x.rc, b, sizeof(b)), x.moved);
	ck_assert_int_eq(pread(x.p[1], buf, sizeof(buf), 0), STACK_BYTES);
	assert_stream("the file", buf, STACK_BYTES);
	close(x.sock);
	close(x.peer);
	close(x.p[1]);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("file-edge");

	NK_ADD_TEST(s,
		sendfile_until_from_an_empty_blocking_pipe_keeps_the_deadline);
	NK_ADD_TEST(s,
		recv_to_file_until_into_a_full_blocking_pipe_keeps_deadline);
	NK_ADD_TEST(s, recv_to_file_until_counts_bytes_written_before_efbig);
	NK_ADD_FAULT_TEST(s,
		recv_to_file_until_counts_short_writes_before_enospc);
	NK_ADD_FAULT_TEST(s,
		recv_to_file_until_counts_short_writes_before_epipe);
	NK_ADD_TEST(s,
		recv_to_file_until_counts_what_a_leaving_reader_was_given);
	NK_ADD_TEST(s, sendfile_until_fallback_fits_a_small_stack);
	NK_ADD_TEST(s, recv_to_file_until_fits_a_small_stack);
	return s;
}
