/* SPDX-License-Identifier: MIT */
/*
 * The stall limit (netkit_deadline_stall()) over real TCP sockets, for
 * each call that moves a count of bytes: a peer that keeps moving
 * slowly (a byte, or a drain, every stall/4) is not given up on however
 * long the whole takes; a peer that stops is, with NETKIT_ESTALL, never
 * before the stall time after its last byte, and with the count moved;
 * the total deadline still ends the call with -ETIMEDOUT; other calls
 * refuse a stall deadline.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers.h"
#include "timing.h"

#define STALL_MS 400
#define TICK_MS (STALL_MS / 4)
/* A slow transfer lasts TICKS ticks: three stall times. */
#define TICKS 12
/* What a sending call sends: far more than its TICKS drains of the
 * buffers take (a MiB or so each); TCP over loopback opens a window
 * closed by tiny buffers only by its persist timer, so they are not
 * tiny. */
#define BIG (32 << 20)

enum call {
	SEND_ALL, RECV_EXACT, SENDFILE, RECV_TO_FILE, SEND_ALL_IOV,
	RECV_EXACT_IOV
};

static bool
call_receives(enum call c)
{
	return c == RECV_EXACT || c == RECV_TO_FILE || c == RECV_EXACT_IOV;
}

/* The peer: moves for ticks ticks, then either stops (keeps its socket
 * open, moves nothing) or moves the rest, up to want, at full speed. */
struct peer {
	int fd;
	bool sends;		/* the call receives: the peer sends */
	int ticks;
	bool finish;
	size_t want;
	double last;		/* when the last tick began */
	size_t moved;		/* bytes the peer moved */
};

static void
sleep_ms(int ms)
{
	(void)poll(NULL, 0, ms);
}

/* Reads fd until max bytes or its end, waiting (at most 20 s in all
 * and per read), or only what is queued when wait is false. */
static size_t
drain(int fd, size_t max, bool wait)
{
	static char buf[1 << 16];
	double t0 = nk_clock_ms();
	size_t total = 0;
	ssize_t n;

	while (total < max && nk_clock_ms() - t0 < nk_scaled_ms(20000)) {
		if (wait && !nk_readable(fd, (int)nk_scaled_ms(20000)))
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	return total;
}

static void *
peer_run(void *arg)
{
	static const char rest[1000];
	struct peer *p = arg;
	int i;

	for (i = 0; i < p->ticks; i++) {
		sleep_ms(TICK_MS);
		p->last = nk_clock_ms();
		if (p->sends) {
			ck_assert_int_eq(send(p->fd, "x", 1, MSG_NOSIGNAL), 1);
			p->moved++;
		} else {
			/* A bounded bite: on a slow machine (valgrind) the
			 * kernel refills the socket as fast as a drain
			 * reads, and a drain to empty took the whole file. */
			p->moved += drain(p->fd, 1 << 20, false);
		}
	}
	if (!p->finish)
		return NULL;
	if (p->sends) {
		ck_assert_uint_le(p->want - p->moved, sizeof(rest));
		ck_assert_int_eq(send(p->fd, rest, p->want - p->moved,
				      MSG_NOSIGNAL),
				 (ssize_t)(p->want - p->moved));
		p->moved = p->want;
	} else {
		p->moved += drain(p->fd, p->want - p->moved, true);
	}
	return NULL;
}

static void
small_buffers(int fd)
{
	int size = 256 << 10;

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size,
				    sizeof(size)), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
				    sizeof(size)), 0);
}

static int
temp_file(size_t size)
{
	char name[] = "/tmp/nk-stall-XXXXXX";
	int fd = mkostemp(name, O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(unlink(name), 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	return fd;
}

/* Makes call c on sock for want bytes with deadline dl; *moved gets
 * the count the call reports. */
static ssize_t
make_call(enum call c, int sock, size_t want, size_t *moved,
	  netkit_deadline dl)
{
	static char buf[BIG];
	struct iovec iov[2] = { { buf, want / 2 },
				{ buf + want / 2, want - want / 2 } };
	ssize_t n = -1;
	int file;

	switch (c) {
	case SEND_ALL_IOV:
		return netkit_send_all_iov(sock, iov, 2, moved, dl);
	case RECV_EXACT_IOV:
		return netkit_recv_exact_iov(sock, iov, 2, moved, dl);
	case SEND_ALL:
		return netkit_send_all_until(sock, buf, want, moved, dl);
	case RECV_EXACT:
		return netkit_recv_exact_until(sock, buf, want, moved, dl);
	case SENDFILE:
		file = temp_file(want);
		n = netkit_sendfile(sock, file, 0, want, moved, dl);
		close(file);
		return n;
	case RECV_TO_FILE:
		file = temp_file(0);
		n = netkit_recv_to_file(sock, file, want, moved, dl);
		ck_assert_int_eq(lseek(file, 0, SEEK_END), (off_t)*moved);
		close(file);
		return n;
	}
	return n;
}

static const char *const names[] = {
	"send_all_until", "recv_exact_until", "sendfile", "recv_to_file",
	"send_all_iov", "recv_exact_iov"
};

/* A peer that keeps moving, a byte (or a drain) every stall/4 for three
 * stall times, then the rest at full speed: the call completes. */
static void
slow_peer_completes(enum call c)
{
	struct peer p = { .sends = call_receives(c), .ticks = TICKS,
			  .finish = true };
	size_t moved = 0;
	nk_thread *t;
	double t0;
	ssize_t n;
	int sock;

	p.want = p.sends ? TICKS + 1000 : BIG;
	nk_tcp_pair(AF_INET, &sock, &p.fd);
	small_buffers(sock);
	small_buffers(p.fd);
	t = nk_spawn(peer_run, &p);
	t0 = nk_clock_ms();
	n = make_call(c, sock, p.want, &moved,
		      netkit_deadline_stall(STALL_MS, NETKIT_FOREVER));
	nk_join(t);
	ck_assert_msg(n == (ssize_t)p.want && moved == p.want &&
		      p.moved == p.want,
		      "%s: %zd (%s), %zu of %zu moved, the peer %zu", names[c],
		      n, n < 0 ? netkit_errname((int)n) : "", moved, p.want,
		      p.moved);
	/* The whole took longer than the stall time: three of them. */
	ck_assert_msg(nk_clock_ms() - t0 >= TICKS * TICK_MS - 1,
		      "%s took %.0f ms", names[c], nk_clock_ms() - t0);
	close(sock);
	close(p.fd);
}

/* A peer that moves two ticks' worth then stops: the call gives up
 * with NETKIT_ESTALL, never before the stall time after the peer's last
 * move, and reports exactly what moved. */
static bool
stopped_peer_is_given_up(enum call c)
{
	struct peer p = { .sends = call_receives(c), .ticks = 2 };
	size_t moved = 0;
	double end, late;
	nk_thread *t;
	ssize_t n;
	int sock;

	nk_tcp_pair(AF_INET, &sock, &p.fd);
	small_buffers(sock);
	small_buffers(p.fd);
	t = nk_spawn(peer_run, &p);
	n = make_call(c, sock, p.sends ? 100 : BIG, &moved,
		      netkit_deadline_stall(STALL_MS,
					    netkit_deadline_in(60000)));
	end = nk_clock_ms();
	nk_join(t);
	ck_assert_msg(n == NETKIT_ESTALL, "%s: %zd (%s), %zu moved", names[c],
		      n, netkit_errname((int)n), moved);
	late = end - (p.last + STALL_MS);
	ck_assert_msg(late >= 0, "%s gave up %.1f ms before the stall time",
		      names[c], -late);
	if (p.sends) {
		ck_assert_uint_eq(moved, 2);
	} else {
		/* What the call handed over = what the peer gets. */
		close(sock);
		p.moved += drain(p.fd, SIZE_MAX, true);
		ck_assert_uint_eq(moved, p.moved);
	}
	if (p.sends)
		close(sock);
	close(p.fd);
	return late <= nk_allowed_late(STALL_MS);
}

#define SLOW_AND_STOPPED(call, slow, stopped) \
	START_TEST(slow) \
	{ \
		slow_peer_completes(call); \
	} \
	END_TEST \
	static bool stopped##_once(int i) \
	{ \
		(void)i; \
		return stopped_peer_is_given_up(call); \
	} \
	START_TEST(stopped) \
	{ \
		nk_until_on_time(#stopped, stopped##_once, 0); \
	} \
	END_TEST

SLOW_AND_STOPPED(SEND_ALL, send_all_goes_on_with_a_slow_reader,
		 send_all_gives_up_on_a_reader_that_stops)
SLOW_AND_STOPPED(RECV_EXACT, recv_exact_goes_on_with_a_slow_sender,
		 recv_exact_gives_up_on_a_sender_that_stops)
SLOW_AND_STOPPED(SENDFILE, sendfile_goes_on_with_a_slow_reader,
		 sendfile_gives_up_on_a_reader_that_stops)
SLOW_AND_STOPPED(RECV_TO_FILE, recv_to_file_goes_on_with_a_slow_sender,
		 recv_to_file_gives_up_on_a_sender_that_stops)

/* The _iov forms take the same deadline. */
static bool
send_all_iov_stopped_once(int i)
{
	(void)i;
	return stopped_peer_is_given_up(SEND_ALL_IOV);
}

static bool
recv_exact_iov_stopped_once(int i)
{
	(void)i;
	return stopped_peer_is_given_up(RECV_EXACT_IOV);
}

START_TEST(the_iov_forms_give_up_on_a_peer_that_stops)
{
	nk_until_on_time("send_all_iov", send_all_iov_stopped_once, 0);
	nk_until_on_time("recv_exact_iov", recv_exact_iov_stopped_once, 0);
}
END_TEST

/* A peer that keeps moving, with a total deadline before the end: the
 * total ends it, with -ETIMEDOUT, not NETKIT_ESTALL. */
NK_ON_TIME_TEST(the_total_deadline_still_ends_a_slow_transfer)
{
	struct peer p = { .sends = true, .ticks = 6 };
	char buf[64];
	netkit_deadline total;
	size_t got = 0;
	nk_thread *t;
	double t0;
	ssize_t n;
	int sock;

	nk_tcp_pair(AF_INET, &sock, &p.fd);
	t = nk_spawn(peer_run, &p);
	t0 = nk_clock_ms();
	total = netkit_deadline_in(3 * TICK_MS + TICK_MS / 2);
	n = netkit_recv_exact_until(sock, buf, sizeof(buf), &got,
				    netkit_deadline_stall(STALL_MS, total));
	nk_assert_on_time("recv_exact_until", t0, total, nk_clock_ms());
	nk_join(t);
	ck_assert_int_eq(n, -ETIMEDOUT);
	ck_assert_uint_ge(got, 1);
	ck_assert_uint_le(got, 4);
	close(sock);
	close(p.fd);
}

START_TEST(a_stall_deadline_packs_and_unpacks)
{
	netkit_deadline d = netkit_deadline_in(5000);
	netkit_deadline s = netkit_deadline_stall(1000, d);
	int64_t left = netkit_deadline_left(s);

	ck_assert(left > 4000 && left <= 5000);
	ck_assert_int_eq(netkit_deadline_left(
		netkit_deadline_stall(1000, NETKIT_FOREVER)), -1);
	/* No stall time: the total itself. */
	ck_assert_int_eq(netkit_deadline_stall(0, d).at, d.at);
	ck_assert_int_eq(netkit_deadline_stall(-5, NETKIT_FOREVER).at, -1);
	/* Stall of a stall: the new time, the same total. */
	ck_assert_int_eq(netkit_deadline_stall(1000,
		netkit_deadline_stall(7, d)).at, s.at);
}
END_TEST

START_TEST(other_calls_and_bad_totals_refuse_a_stall_deadline)
{
	netkit_deadline s = netkit_deadline_stall(1000, NETKIT_FOREVER);
	netkit_deadline bad = netkit_deadline_stall(1000,
						    netkit_deadline_at(-7));
	size_t got = 99;
	char c;
	int a, b;

	nk_tcp_pair(AF_INET, &a, &b);
	ck_assert_int_eq(netkit_recv_until(a, &c, 1, s), -EINVAL);
	ck_assert_int_eq(netkit_recv_exact_until(a, &c, 1, &got, bad),
			 -EINVAL);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(netkit_send_all_until(a, "x", 1, NULL, bad), -EINVAL);
	/* A NOW total with a stall time: one try, as NETKIT_NOW. */
	ck_assert_int_eq(netkit_recv_exact_until(a, &c, 1, &got,
		netkit_deadline_stall(1000, NETKIT_NOW)), -ETIMEDOUT);
	close(a);
	close(b);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("stall");

	NK_ADD_TEST(s, a_stall_deadline_packs_and_unpacks);
	NK_ADD_TEST(s, other_calls_and_bad_totals_refuse_a_stall_deadline);
	NK_ADD_TEST(s, the_total_deadline_still_ends_a_slow_transfer);
	NK_ADD_TEST(s, send_all_goes_on_with_a_slow_reader);
	NK_ADD_TEST(s, send_all_gives_up_on_a_reader_that_stops);
	NK_ADD_TEST(s, recv_exact_goes_on_with_a_slow_sender);
	NK_ADD_TEST(s, recv_exact_gives_up_on_a_sender_that_stops);
	NK_ADD_TEST(s, sendfile_goes_on_with_a_slow_reader);
	NK_ADD_TEST(s, sendfile_gives_up_on_a_reader_that_stops);
	NK_ADD_TEST(s, recv_to_file_goes_on_with_a_slow_sender);
	NK_ADD_TEST(s, recv_to_file_gives_up_on_a_sender_that_stops);
	NK_ADD_TEST(s, the_iov_forms_give_up_on_a_peer_that_stops);
	return s;
}
