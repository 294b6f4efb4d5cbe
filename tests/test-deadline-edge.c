/* SPDX-License-Identifier: MIT */
/*
 * The deadline layer at its edges: NETKIT_FOREVER, signals, partial
 * progress, bad input, and whole transfers (test-deadline.c has the
 * clock and the silent peers). Signals come from a bounded signaller
 * thread every 5 ms, with a handler without SA_RESTART.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "helpers.h"
#include "timing.h"

#define SIGNAL_MS 5

/* A peer thread that sends len bytes of text after delay_ms, or one
 * stream byte every gap_ms (at most max bytes) until stop is set. */
struct talker {
	int fd;
	int delay_ms;
	const char *text;
	int gap_ms;
	int max;
	atomic_int stop;
	int sent;
};

static void
nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	/* The peer's pace, not a synchronisation. */
	nanosleep(&ts, NULL);
}

static void *
late_sender(void *arg)
{
	struct talker *t = arg;

	nap(t->delay_ms);
	t->sent = (int)send(t->fd, t->text, strlen(t->text), MSG_NOSIGNAL);
	return NULL;
}

static void *
trickler(void *arg)
{
	struct talker *t = arg;
	unsigned char b;

	while (t->sent < t->max && !atomic_load(&t->stop)) {
		b = nk_stream_byte((uint64_t)t->sent);
		if (send(t->fd, &b, 1, MSG_NOSIGNAL) != 1)
			break;
		t->sent++;
		nap(t->gap_ms);
	}
	return NULL;
}

START_TEST(forever_waits_for_data_sent_later)
{
	struct talker t = { .delay_ms = 100, .text = "late" };
	char buf[16];
	nk_thread *th;
	double t0;
	int c, s;

	nk_tcp_pair(AF_INET, &c, &s);
	t.fd = s;
	t0 = nk_clock_ms();
	th = nk_spawn(late_sender, &t);
	ck_assert_int_eq(netkit_recv_until(c, buf, sizeof(buf),
					   NETKIT_FOREVER), 4);
	ck_assert_double_ge(nk_clock_ms() - t0, 100.0);
	ck_assert_mem_eq(buf, "late", 4);
	nk_join(th);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

NK_ON_TIME_TEST(signals_neither_extend_nor_cut_a_recv_until_deadline)
{
	struct sigaction old;
	nk_signaller *sg;
	char buf[16];
	double t0, t1;
	netkit_deadline dl;
	ssize_t rc;
	int c, s, sent;

	nk_sigusr1_no_restart(&old);
	nk_tcp_pair(AF_INET, &c, &s);
	sg = nk_signaller_start(pthread_self(), SIGNAL_MS, 3000);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(300);
	rc = netkit_recv_until(c, buf, sizeof(buf), dl);
	t1 = nk_clock_ms();
	sent = nk_signaller_stop(sg);
	sigaction(SIGUSR1, &old, NULL);
	ck_assert_msg(rc == -ETIMEDOUT, "recv_until: %s",
		      netkit_errname((int)rc));
	nk_assert_on_time("recv_until under signals", t0, dl, t1);
	/* Proof the storm happened: about 60 signals in 300 ms; fewer than
	 * 10 (2 on a slow runner) is a starved signaller, a late try. */
	if (sent < (nk_slow_runner() ? 2 : 10))
		nk_late("only %d signals in %.0f ms", sent, t1 - t0);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

START_TEST(recv_until_under_signals_returns_data_that_arrives)
{
	struct talker t = { .delay_ms = 100, .text = "through" };
	struct sigaction old;
	nk_signaller *sg;
	nk_thread *th;
	char buf[16];
	ssize_t rc;
	int c, s;

	nk_sigusr1_no_restart(&old);
	nk_tcp_pair(AF_INET, &c, &s);
	t.fd = s;
	sg = nk_signaller_start(pthread_self(), SIGNAL_MS, 3000);
	th = nk_spawn(late_sender, &t);
	rc = netkit_recv_until(c, buf, sizeof(buf), netkit_deadline_in(2500));
	nk_signaller_stop(sg);
	sigaction(SIGUSR1, &old, NULL);
	nk_join(th);
	ck_assert_int_eq(rc, 7);
	ck_assert_mem_eq(buf, "through", 7);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

NK_ON_TIME_TEST(trickling_peer_does_not_extend_recv_exact_until)
{
	struct talker t = { .gap_ms = 50, .max = 40 };
	unsigned char buf[100], want[100];
	nk_thread *th;
	size_t got = 12345;
	double t0, t1;
	netkit_deadline dl;
	ssize_t rc;
	int c, s;

	nk_tcp_pair(AF_INET, &c, &s);
	t.fd = s;
	memset(buf, SENTINEL, sizeof(buf));
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(300);
	th = nk_spawn(trickler, &t);
	rc = netkit_recv_exact_until(c, buf, sizeof(buf), &got, dl);
	t1 = nk_clock_ms();
	atomic_store(&t.stop, 1);
	nk_join(th);
	ck_assert_msg(rc == -ETIMEDOUT, "recv_exact_until: %s",
		      netkit_errname((int)rc));
	nk_assert_on_time("recv_exact_until of a trickle", t0, dl, t1);
	/* One byte at 0, 50, ..., 300 ms: about 6 by the deadline. Never
	 * more than one per 50 ms since t0 (the peer naps that long); fewer
	 * than 4 (1 on a slow runner) is a starved peer, a late try. */
	ck_assert_uint_le(got, 1 + (size_t)((t1 - t0) / t.gap_ms));
	if (got < (nk_slow_runner() ? 1 : 4))
		nk_late("only %zu trickled bytes in %.0f ms", got, t1 - t0);
	nk_stream_fill(want, got, 0);
	ck_assert_mem_eq(buf, want, got);
	ck_assert_int_eq(buf[got], SENTINEL);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

/* ---- bad input: refused before anything happens ---- */

/* Fails unless fd's first pending byte (within 5 s) is marker. */
static void
expect_first_byte(int fd, char marker)
{
	char b = 0;

	ck_assert(nk_readable(fd, 5000));
	ck_assert_int_eq(recv(fd, &b, 1, MSG_DONTWAIT), 1);
	ck_assert_int_eq(b, marker);
}

START_TEST(bad_input_to_receiving_calls_consumes_nothing)
{
	unsigned char buf[8], ref[8];
	netkit_addr ua, from, aref;
	size_t got;
	int c, s, u, v;

	nk_tcp_pair(AF_INET, &c, &s);
	u = nk_udp(AF_INET, &ua);
	v = nk_udp(AF_INET, &from);
	ck_assert_int_eq(send(s, "D", 1, 0), 1);
	ck_assert_int_eq(sendto(v, "U", 1, 0, netkit_addr_sockaddr(&ua, NULL),
				(socklen_t)sizeof(struct sockaddr_in)), 1);
	ck_assert(nk_readable(c, 5000) && nk_readable(u, 5000));
	memset(buf, SENTINEL, sizeof(buf));
	memset(ref, SENTINEL, sizeof(ref));
	memset(&from, SENTINEL, sizeof(from));
	memset(&aref, SENTINEL, sizeof(aref));
	ck_assert_int_eq(netkit_recv_until(c, buf, 8, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_int_eq(netkit_recv_until(c, buf, 8, netkit_deadline_at(INT64_MIN)), -EINVAL);
	ck_assert_int_eq(netkit_recv_until(c, NULL, 8, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_recv_until(c, buf, 0, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_recv_until(-1, buf, 8, NETKIT_NOW), -EBADF);
	got = 777;
	ck_assert_int_eq(netkit_recv_exact_until(c, buf, 8, &got, netkit_deadline_at(-2)),
			 -EINVAL);
	ck_assert_uint_eq(got, 0);
	got = 777;
	ck_assert_int_eq(netkit_recv_exact_until(c, NULL, 8, &got, NETKIT_NOW),
			 -EINVAL);
	ck_assert_uint_eq(got, 0);
	got = 777;
	ck_assert_int_eq(netkit_recv_exact_until(-1, buf, 8, &got, NETKIT_NOW), -EBADF);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(netkit_recvfrom_until(u, buf, 8, &from, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_int_eq(netkit_recvfrom_until(u, NULL, 8, &from, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_recvfrom_until(-1, buf, 8, &from, NETKIT_NOW), -EBADF);
	ck_assert_mem_eq(buf, ref, sizeof(buf));
	ck_assert_mem_eq(&from, &aref, sizeof(from));
	/* The byte and the datagram are still there. */
	expect_first_byte(c, 'D');
	expect_first_byte(u, 'U');
	netkit_close(c);
	netkit_close(s);
	netkit_close(u);
	netkit_close(v);
}
END_TEST

START_TEST(bad_input_to_sending_calls_sends_nothing)
{
	netkit_addr ua, none;
	size_t sent;
	int c, s, u, v;

	nk_tcp_pair(AF_INET, &c, &s);
	u = nk_udp(AF_INET, &ua);
	v = nk_udp(AF_INET, &none);
	memset(&none, 0, sizeof(none));
	ck_assert_int_eq(netkit_send_until(c, "x", 1, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_int_eq(netkit_send_until(c, NULL, 1, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_send_until(-1, "x", 1, NETKIT_NOW), -EBADF);
	sent = 777;
	ck_assert_int_eq(netkit_send_all_until(c, "x", 1, &sent, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_uint_eq(sent, 0);
	sent = 777;
	ck_assert_int_eq(netkit_send_all_until(c, NULL, 1, &sent, NETKIT_NOW), -EINVAL);
	ck_assert_uint_eq(sent, 0);
	sent = 777;
	ck_assert_int_eq(netkit_send_all_until(-1, "x", 1, &sent, NETKIT_NOW), -EBADF);
	ck_assert_uint_eq(sent, 0);
	ck_assert_int_eq(netkit_sendto_until(v, "x", 1, &ua, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_int_eq(netkit_sendto_until(v, NULL, 1, &ua, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_sendto_until(v, "x", 1, NULL, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_sendto_until(v, "x", 1, &none, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_sendto_until(-1, "x", 1, &ua, NETKIT_NOW), -EBADF);
	/* The first thing each peer gets is the marker sent after. */
	ck_assert_int_eq(send(c, "M", 1, 0), 1);
	expect_first_byte(s, 'M');
	ck_assert_int_eq(netkit_sendto_until(v, "M", 1, &ua, NETKIT_NOW), 1);
	expect_first_byte(u, 'M');
	netkit_close(c);
	netkit_close(s);
	netkit_close(u);
	netkit_close(v);
}
END_TEST

START_TEST(bad_input_to_accept_and_connect_until_changes_nothing)
{
	netkit_addr la, peer, ref, none;
	int l, c, a;

	l = nk_listen(AF_INET, &la);
	c = netkit_socket(AF_INET, SOCK_STREAM, 0);
	memset(&none, 0, sizeof(none));
	memset(&peer, SENTINEL, sizeof(peer));
	memset(&ref, SENTINEL, sizeof(ref));
	ck_assert_int_eq(netkit_connect_until(c, &la, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_int_eq(netkit_connect_until(c, NULL, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_connect_until(c, &none, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_connect_until(-1, &la, NETKIT_NOW), -EBADF);
	/* Not connected, and the listener has nobody waiting. */
	ck_assert_int_eq(netkit_peer_addr(c, &peer), -ENOTCONN);
	ck_assert(!nk_readable(l, 0));
	ck_assert_int_eq(netkit_connect(c, &la), 0);
	ck_assert(nk_readable(l, 5000));
	ck_assert_int_eq(netkit_accept_until(l, &peer, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_int_eq(netkit_accept_until(-1, &peer, NETKIT_NOW), -EBADF);
	ck_assert_mem_eq(&peer, &ref, sizeof(peer));
	/* The connection is still waiting. */
	a = netkit_accept_until(l, &peer, NETKIT_NOW);
	ck_assert_int_ge(a, 0);
	netkit_close(a);
	netkit_close(c);
	netkit_close(l);
}
END_TEST

/* ---- whole transfers ---- */

struct whole {
	int fd;
	unsigned char *buf;
	size_t len;
	netkit_deadline deadline;
	ssize_t rc;
	size_t count;
};

static void *
whole_sender(void *arg)
{
	struct whole *w = arg;

	w->rc = netkit_send_all_until(w->fd, w->buf, w->len,
				      &w->count, w->deadline);
	return NULL;
}

START_TEST(whole_8_mib_go_across_a_non_blocking_pair)
{
	const size_t len = 8u << 20;
	struct whole w = { .len = len };
	unsigned char *in = malloc(len);
	nk_thread *th;
	size_t got = 12345;
	int c, s;

	ck_assert_ptr_nonnull(in);
	w.buf = malloc(len);
	ck_assert_ptr_nonnull(w.buf);
	nk_stream_fill(w.buf, len, 0);
	memset(in, SENTINEL, len);
	nk_tcp_pair(AF_INET, &c, &s);
	nk_set_nonblocking(c, true);
	nk_set_nonblocking(s, true);
	w.fd = c;
	w.deadline = netkit_deadline_in(nk_slow_runner() ? 120000 : 20000);
	th = nk_spawn(whole_sender, &w);
	ck_assert_int_eq(netkit_recv_exact_until(s, in, len, &got, w.deadline),
			 (ssize_t)len);
	nk_join(th);
	ck_assert_int_eq(w.rc, (ssize_t)len);
	ck_assert_uint_eq(w.count, len);
	ck_assert_uint_eq(got, len);
	ck_assert_msg(memcmp(in, w.buf, len) == 0, "bytes differ");
	free(in);
	free(w.buf);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("deadline-edge");

	NK_ADD_TEST(s, forever_waits_for_data_sent_later);
	NK_ADD_TEST(s, signals_neither_extend_nor_cut_a_recv_until_deadline);
	NK_ADD_TEST(s, recv_until_under_signals_returns_data_that_arrives);
	NK_ADD_TEST(s, trickling_peer_does_not_extend_recv_exact_until);
	NK_ADD_TEST(s, bad_input_to_receiving_calls_consumes_nothing);
	NK_ADD_TEST(s, bad_input_to_sending_calls_sends_nothing);
	NK_ADD_TEST(s, bad_input_to_accept_and_connect_until_changes_nothing);
	NK_ADD_TEST(s, whole_8_mib_go_across_a_non_blocking_pair);
	return s;
}
