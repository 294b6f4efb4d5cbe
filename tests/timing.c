/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "helpers.h"
#include "timing.h"

/* Scheduling slack on top of 10 % of a wait, natively: two cores
 * shared with parallel builds and test runs. nk_time_scale() widens it. */
#define SLACK_MS 25.0
/* At most this many tries, each with one figure kept for the message. */
#define MAX_TRIES 10
#define FIGURE_LEN 160

double
nk_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- the slow runner ---- */

bool
nk_under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	/* valgrind preloads vgpreload_<tool>-<arch>.so into its client
	 * (and, with --trace-children, into every child). */
	return p && strstr(p, "vgpreload");
}

long
nk_timeout_multiplier(void)
{
	const char *e = getenv("CK_TIMEOUT_MULTIPLIER");
	long m = e ? strtol(e, NULL, 10) : 0;

	if (m >= 1)
		return m;
	return nk_under_valgrind() ? 10 : 1;
}

int64_t
nk_scaled_ms(int64_t ms)
{
	return ms * nk_timeout_multiplier();
}

double
nk_time_scale(void)
{
	double s = (double)nk_timeout_multiplier();

	if (NK_ASAN && s < 3)
		s = 3;
	if ((NK_TSAN || NK_MSAN) && s < 5)
		s = 5;
	return s;
}

const char *
nk_runner_name(void)
{
	if (nk_under_valgrind())
		return "valgrind";
	if (NK_TSAN)
		return "ThreadSanitizer";
	if (NK_MSAN)
		return "MemorySanitizer";
	if (NK_ASAN)
		return "AddressSanitizer";
	return nk_timeout_multiplier() > 1 ? "CK_TIMEOUT_MULTIPLIER" : "native";
}

bool
nk_slow_runner(void)
{
	return nk_time_scale() >= 5;
}

/* ---- NK_ON_TIME: early fails at once, late is retried ---- */

/* The running NK_ON_TIME of this test process. Tries run on the test's
 * thread, one at a time; Check forks each test (with CK_FORK=no the
 * fd-leak fixture resets it between tests). */
static struct {
	int tries;		/* 0: no NK_ON_TIME running */
	int k;			/* the running try, from 1 */
	int late[MAX_TRIES];	/* each try's count of late figures */
	char figure[MAX_TRIES][FIGURE_LEN];	/* and its first one */
} on_time;

void
nk_on_time_reset(void)
{
	memset(&on_time, 0, sizeof(on_time));
}

void
nk_on_time_begin(int tries)
{
	ck_assert_msg(on_time.tries == 0, "NK_ON_TIME inside NK_ON_TIME");
	ck_assert_msg(tries >= 1 && tries <= MAX_TRIES,
		      "NK_ON_TIME(%d): 1 to %d tries", tries, MAX_TRIES);
	nk_on_time_reset();
	on_time.tries = tries;
}

/* "try k: figure (and N more)" for try k (from 1) into buf. */
static void
try_figure(char *buf, size_t len, int k)
{
	int n = snprintf(buf, len, "try %d: %s", k, on_time.figure[k - 1]);

	if (on_time.late[k - 1] > 1 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (and %d more)",
			 on_time.late[k - 1] - 1);
}

/* Every try was late: the test fails with each try's figure. */
static void
fail_every_try(void)
{
	char msg[MAX_TRIES * (FIGURE_LEN + 32) + 128], one[FIGURE_LEN + 32];
	int k, n;

	n = snprintf(msg, sizeof(msg), "late in every try, %d of %d (%s, "
		     "slack x%.0f): ", on_time.tries, on_time.tries,
		     nk_runner_name(), nk_time_scale());
	for (k = 1; k <= on_time.tries && n >= 0 && (size_t)n < sizeof(msg);
	     k++) {
		try_figure(one, sizeof(one), k);
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%s%s",
			      k > 1 ? "; " : "", one);
	}
	nk_on_time_reset();
	ck_abort_msg("%s", msg);
}

bool
nk_on_time_again(void)
{
	char one[FIGURE_LEN + 32];

	if (on_time.k > 0 && on_time.late[on_time.k - 1] == 0) {
		if (on_time.k > 1)
			fprintf(stderr, "note: on time in try %d of %d\n",
				on_time.k, on_time.tries);
		nk_on_time_reset();
		return false;
	}
	if (on_time.k == on_time.tries)
		fail_every_try();
	if (on_time.k > 0) {
		try_figure(one, sizeof(one), on_time.k);
		fprintf(stderr, "note: late, %s; %d of %d tries left\n", one,
			on_time.tries - on_time.k, on_time.tries);
	}
	on_time.k++;
	return true;
}

void
nk_on_time_settle(void)
{
	char one[FIGURE_LEN + 32];

	if (on_time.tries == 0 || on_time.k == 0 ||
	    on_time.late[on_time.k - 1] == 0) {
		nk_on_time_reset();
		return;
	}
	try_figure(one, sizeof(one), on_time.k);
	nk_on_time_reset();
	ck_abort_msg("a late try left NK_ON_TIME before it could run again: "
		     "%s", one);
}

void
nk_late(const char *fmt, ...)
{
	char fig[FIGURE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fig, sizeof(fig), fmt, ap);
	va_end(ap);
	if (on_time.tries == 0)
		ck_abort_msg("%s (%s, slack x%.0f; one try: outside NK_ON_TIME,"
			     " not retried)", fig, nk_runner_name(),
			     nk_time_scale());
	if (on_time.late[on_time.k - 1]++ == 0)
		memcpy(on_time.figure[on_time.k - 1], fig, sizeof(fig));
}

/* ---- the bounds ---- */

/* A bound checked outside NK_ON_TIME is not retried: says so once per
 * test process, so that such a check is easy to find and convert. */
static void
note_outside(const char *what)
{
	static bool noted;

	if (on_time.tries || noted)
		return;
	noted = true;
	fprintf(stderr, "note: %s: a time bound outside NK_ON_TIME (not "
		"retried when late)\n", what);
}

double
nk_allowed_late(double wait_ms)
{
	return (wait_ms > 0 ? wait_ms * 0.1 : 0) + SLACK_MS * nk_time_scale();
}

void
nk_assert_late(const char *what, double late, double wait_ms)
{
	double allowed = nk_allowed_late(wait_ms);

	note_outside(what);
	ck_assert_msg(late >= 0.0, "%s returned %.2f ms before its deadline",
		      what, -late);
	if (late > allowed)
		nk_late("%s returned %.2f ms after its deadline (allowed %.1f)",
			what, late, allowed);
}

void
nk_assert_on_time(const char *what, double start, netkit_deadline deadline,
		  double end)
{
	nk_assert_late(what, end - (double)deadline.at,
		       (double)deadline.at - start);
}

/* ---- the scenario form (helpers.h), for the fd, file-edge and
 * reader-edge suites: the same policy, their bounds ---- */

#define SCENARIO_SHARE 0.3
#define SCENARIO_SLACK_MS 50.0

bool
nk_late_ok(const char *what, double start, netkit_deadline deadline, double end)
{
	double late = end - (double)deadline.at;
	double allowed = ((double)deadline.at - start) * SCENARIO_SHARE +
			 SCENARIO_SLACK_MS * nk_time_scale();

	note_outside(what);
	ck_assert_msg(late >= 0.0, "%s returned %.2f ms before its deadline",
		      what, -late);
	if (late <= allowed)
		return true;
	nk_late("%s returned %.2f ms after its deadline (allowed %.1f)", what,
		late, allowed);
	return false;
}

bool
nk_quick_ok(const char *what, double start, double end, double ms)
{
	double allowed = ms * nk_time_scale();

	note_outside(what);
	if (end - start <= allowed)
		return true;
	nk_late("%s took %.2f ms, expected under %.1f", what, end - start,
		allowed);
	return false;
}

void
nk_until_on_time(const char *what, bool (*scenario)(int), int i)
{
	NK_ON_TIME(NK_TRIES)
		if (!scenario(i) && on_time.late[on_time.k - 1] == 0)
			nk_late("%s: the run said it was late", what);
}

void
nk_assert_within(const char *what, double start, double end, double ms)
{
	double allowed = ms + SLACK_MS * nk_time_scale();

	note_outside(what);
	if (end - start > allowed)
		nk_late("%s took %.2f ms, expected under %.1f", what,
			end - start, allowed);
}

int
nk_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	ck_assert_int_ge(fl, 0);
	return fl;
}

int
nk_set_nonblocking(int fd, bool nb)
{
	int fl = nk_flags(fd);

	fl = nb ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl), 0);
	return nk_flags(fd);
}

struct nk_signaller {
	pthread_t thread;
	pthread_t target;
	int period_ms;
	int max_ms;
	atomic_int stop;
	int sent;
};

static void *
signaller_run(void *arg)
{
	nk_signaller *sg = arg;
	struct timespec gap = { 0, (long)sg->period_ms * 1000000L };
	double end = nk_clock_ms() + sg->max_ms;

	while (!atomic_load(&sg->stop) && nk_clock_ms() < end) {
		if (pthread_kill(sg->target, SIGUSR1) != 0)
			break;
		sg->sent++;
		/* The signal period, not a synchronisation. */
		nanosleep(&gap, NULL);
	}
	return NULL;
}

nk_signaller *
nk_signaller_start(pthread_t target, int period_ms, int max_ms)
{
	nk_signaller *sg = calloc(1, sizeof(*sg));

	ck_assert_ptr_nonnull(sg);
	sg->target = target;
	sg->period_ms = period_ms;
	sg->max_ms = max_ms;
	ck_assert_int_eq(pthread_create(&sg->thread, NULL, signaller_run,
					sg), 0);
	return sg;
}

int
nk_signaller_stop(nk_signaller *sg)
{
	int sent;

	atomic_store(&sg->stop, 1);
	ck_assert_int_eq(pthread_join(sg->thread, NULL), 0);
	sent = sg->sent;
	free(sg);
	return sent;
}

unsigned char
nk_stream_byte(uint64_t i)
{
	/* Not periodic in any buffer size: a lost or doubled chunk shows. */
	return (unsigned char)((i * 2654435761u) >> 13 ^ (i >> 17));
}

void
nk_stream_fill(unsigned char *buf, size_t len, uint64_t from)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = nk_stream_byte(from + i);
}

size_t
nk_stream_stuff(int fd, uint64_t *off)
{
	unsigned char chunk[16384];
	size_t total = 0;
	ssize_t n;
	int i, quiet = 0;

	/* Bounded: 64 MiB at most, far more than any socket buffer. The
	 * first EAGAIN is not the end on a busy machine: loopback segments
	 * still in flight are acknowledged later and free send space. Full
	 * means EAGAIN twice in a row, 20 ms apart. */
	for (i = 0; i < 4096; i++) {
		nk_stream_fill(chunk, sizeof(chunk), *off);
		n = send(fd, chunk, sizeof(chunk), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK,
				      "stuffing failed: %s", strerror(errno));
			if (++quiet == 2)
				return total;
			poll(NULL, 0, 20);
			continue;
		}
		quiet = 0;
		*off += (uint64_t)n;
		total += (size_t)n;
	}
	ck_abort_msg("the socket buffers never filled");
	return total;
}

uint64_t
nk_drain_checked(int fd, unsigned char (*byte)(uint64_t), double max_ms)
{
	unsigned char *buf = malloc(65536);
	double end = nk_clock_ms() + max_ms;
	uint64_t count = 0;
	ssize_t n, i;

	ck_assert_ptr_nonnull(buf);
	for (;;) {
		ck_assert_msg(nk_clock_ms() < end, "drain took over %.0f ms",
			      max_ms);
		if (!nk_readable(fd, 1000))
			continue;
		n = recv(fd, buf, 65536, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		/* Check's asserts cost a message each: one per chunk. */
		for (i = 0; i < n; i++)
			if (buf[i] != byte(count + (uint64_t)i))
				ck_abort_msg("stream byte %llu is wrong",
					     (unsigned long long)(count + i));
		count += (uint64_t)n;
	}
	free(buf);
	return count;
}

uint64_t
nk_stream_drain(int fd)
{
	return nk_drain_checked(fd, nk_stream_byte, 10000);
}

void
nk_small_buffers(int fd, int peer)
{
	int sz = 65536;

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz,
				    sizeof(sz)), 0);
	ck_assert_int_eq(setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &sz,
				    sizeof(sz)), 0);
}

int
nk_blackhole(int family, netkit_addr *addr, int *filler)
{
	struct pollfd p;
	netkit_addr a;
	int lfd, rc;

	nk_loopback(family, 0, &a);
	lfd = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(netkit_bind(lfd, &a), 0);
	ck_assert_int_eq(netkit_listen(lfd, 0), 0);
	ck_assert_int_eq(netkit_local_addr(lfd, addr), 0);
	*filler = netkit_socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(*filler, 0);
	rc = netkit_connect(*filler, addr);
	ck_assert_msg(rc == 0 || rc == -EINPROGRESS, "filler: %s",
		      netkit_errname(rc));
	/* With SYN cookies (Linux's default) the filler gets in and fills
	 * the queue; without them backlog 0 drops every SYN, the filler's
	 * too, which blackholes the listener just as well. */
	p = (struct pollfd){ .fd = *filler, .events = POLLOUT };
	if (poll(&p, 1, 1000) == 1) {
		p = (struct pollfd){ .fd = lfd, .events = POLLIN };
		ck_assert_msg(poll(&p, 1, 1000) == 1,
			      "filler never reached the accept queue");
	}
	return lfd;
}
