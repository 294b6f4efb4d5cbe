/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "helpers.h"
#include "timing.h"

/* Lateness allowed on top of 10 %: two cores shared with parallel
 * builds and test runs. */
#define SLACK_MS 25.0

double
nk_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

bool
nk_slow_runner(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

void
nk_assert_on_time(const char *what, double start, int64_t deadline,
		  double end)
{
	double late = end - (double)deadline;
	double allowed = ((double)deadline - start) * 0.1 + SLACK_MS;

	ck_assert_msg(late >= 0.0, "%s returned %.2f ms before its deadline",
		      what, -late);
	if (nk_slow_runner())
		return;
	ck_assert_msg(late <= allowed,
		      "%s returned %.2f ms after its deadline (allowed %.1f)",
		      what, late, allowed);
}

void
nk_assert_within(const char *what, double start, double end, double ms)
{
	if (nk_slow_runner())
		return;
	ck_assert_msg(end - start <= ms + SLACK_MS,
		      "%s took %.2f ms, expected under %.1f", what,
		      end - start, ms + SLACK_MS);
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
	int i;

	/* Bounded: 64 MiB at most, far more than any socket buffer. */
	for (i = 0; i < 4096; i++) {
		nk_stream_fill(chunk, sizeof(chunk), *off);
		n = send(fd, chunk, sizeof(chunk), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK,
				      "stuffing failed: %s", strerror(errno));
			return total;
		}
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
