/* SPDX-License-Identifier: MIT */
/*
 * What 0.3 added to the loop for a page-long server: the program's
 * storage in each connection (conn_size), the walk over the connections
 * (netkit_loop_next()), the slow-reader limit (slow_ms, NETKIT_ESLOW:
 * never early, lateness a retried measurement) and signals as events
 * (netkit_loop_catch(), NETKIT_LOOP_SIGNAL).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "loop-common.h"
#include "sys.h"
#include "timing.h"

/* ---- per-connection storage ---- */

/* True if every byte of p[0..n) is b. */
static bool
all_bytes(const void *p, size_t n, unsigned char b)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != b)
			return false;
	return true;
}

/* Runs the loop until c's CLOSED (fails after ms, scaled). */
static netkit_loop_event
until_closed(struct lt *t, netkit_conn *c, int64_t ms)
{
	return lt_until(t, NETKIT_LOOP_CLOSED, c, ms);
}

/* The client cl of c leaves: the loop runs until c's reader has the
 * end (input before it dropped), then the program closes c; returns
 * its CLOSED. */
static netkit_loop_event
peer_leaves(struct lt *t, netkit_conn *c, int cl)
{
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(5000));
	netkit_loop_event e;
	char buf[256];
	ssize_t n;

	close(cl);
	for (;;) {
		n = netkit_reader_read(netkit_conn_reader(c), buf, sizeof(buf),
				       NETKIT_NOW);
		if (n == 0)
			break;
		ck_assert_msg(n > 0 || n == -EAGAIN, "read: %s",
			      netkit_errname((int)n));
		if (n < 0)
			ck_assert(lt_poll(t, dl.at - netkit_now(), &e));
	}
	ck_assert_int_eq(netkit_conn_close(c, NETKIT_FOREVER), 0);
	return until_closed(t, c, 5000);
}

START_TEST(storage_is_null_without_conn_size_or_conn)
{
	netkit_conn *c;
	struct lt t;
	int cl;

	ck_assert_ptr_null(netkit_conn_storage(NULL));
	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_ptr_null(netkit_conn_storage(c));
	close(cl);
	lt_stop(&t);
}
END_TEST

START_TEST(conn_size_above_one_mib_or_negative_slow_ms_is_einval)
{
	netkit_loop_opts o = { .conn_size = 1024 * 1024 + 1 };
	netkit_loop *l = (netkit_loop *)&o;	/* must stay untouched */

	ck_assert_int_eq(netkit_loop_new(&l, &o), -EINVAL);
	ck_assert_ptr_eq(l, (netkit_loop *)&o);
	o.conn_size = SIZE_MAX;
	ck_assert_int_eq(netkit_loop_new(&l, &o), -EINVAL);
	o.conn_size = 0;
	o.slow_ms = -1;
	ck_assert_int_eq(netkit_loop_new(&l, &o), -EINVAL);
	o.slow_ms = INT64_MIN;
	ck_assert_int_eq(netkit_loop_new(&l, &o), -EINVAL);
	ck_assert_ptr_eq(l, (netkit_loop *)&o);
	/* The limits themselves are fine. */
	o.slow_ms = 1;
	o.conn_size = 1024 * 1024;
	ck_assert_int_eq(netkit_loop_new(&l, &o), 0);
	netkit_loop_free(l);
}
END_TEST

/* An odd input size and an odd storage size: the storage is aligned
 * for any type, zeroed even where malloc hands back memory the last
 * connection filled, apart from the input buffer (a full input leaves
 * it as the program wrote it), one per connection, and still readable
 * in the batch of its CLOSED event. */
START_TEST(storage_is_aligned_zeroed_private_and_lives_until_closed)
{
	netkit_loop_opts o = { .input_size = 1001, .conn_size = 13 };
	static char in[1001], got[1001];
	netkit_conn *c, *d;
	netkit_loop_event e;
	unsigned char *s, *s2;
	netkit_deadline dl;
	struct lt t;
	int cl, cl2, round;

	lt_start(&t, &o);
	memset(in, 'q', sizeof(in));
	for (round = 0; round < 3; round++) {
		cl = lt_accept(&t, &c);
		s = netkit_conn_storage(c);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq((uintptr_t)s % alignof(max_align_t), 0);
		ck_assert_msg(all_bytes(s, o.conn_size, 0),
			      "round %d: storage not zeroed", round);
		memset(s, 0xA5, o.conn_size);
		/* A second connection: storage of its own. */
		cl2 = lt_accept(&t, &d);
		s2 = netkit_conn_storage(d);
		ck_assert_ptr_nonnull(s2);
		ck_assert_ptr_ne(s2, s);
		ck_assert(all_bytes(s2, o.conn_size, 0));
		memset(s2, 0x5A, o.conn_size);
		/* The input buffer filled to the brim beside it. */
		ck_assert_int_eq(send(cl, in, sizeof(in), 0), (int)sizeof(in));
		dl = netkit_deadline_in(nk_scaled_ms(5000));
		while (netkit_reader_buffered(netkit_conn_reader(c), NULL) <
		       sizeof(in))
			ck_assert(lt_poll(&t, dl.at - netkit_now(), &e));
		ck_assert(all_bytes(s, o.conn_size, 0xA5));
		ck_assert(all_bytes(s2, o.conn_size, 0x5A));
		ck_assert_int_eq(netkit_reader_read(netkit_conn_reader(c), got,
						    sizeof(got), NETKIT_NOW),
				 (int)sizeof(got));
		ck_assert(memcmp(got, in, sizeof(in)) == 0);
		/* The peer leaves: storage readable with its CLOSED. */
		e = peer_leaves(&t, c, cl);
		ck_assert_ptr_eq(netkit_conn_storage(e.conn), s);
		ck_assert(all_bytes(s, o.conn_size, 0xA5));
		e = peer_leaves(&t, d, cl2);
		ck_assert(all_bytes(netkit_conn_storage(e.conn), o.conn_size,
				    0x5A));
		/* The next wait frees both: the next round's connections
		 * likely get the same memory back, still to be zeroed. */
		lt_wait(&t, 0);
	}
	lt_stop(&t);
}
END_TEST

/* 1 MiB of storage, the most: all of it writable (AddressSanitizer and
 * valgrind see a byte past the allocation). Adopted connections get
 * storage too, zeroed. */
START_TEST(storage_of_one_mib_and_of_adopted_connections)
{
	netkit_loop_opts o = { .conn_size = 1024 * 1024 };
	netkit_conn *c, *a;
	unsigned char *s;
	struct lt t;
	int cl, sv[2];

	lt_start(&t, &o);
	cl = lt_accept(&t, &c);
	s = netkit_conn_storage(c);
	ck_assert_ptr_nonnull(s);
	ck_assert(all_bytes(s, o.conn_size, 0));
	memset(s, 0xEE, o.conn_size);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	ck_assert_int_eq(netkit_loop_adopt(t.loop, sv[0], NULL, &a), 0);
	s = netkit_conn_storage(a);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq((uintptr_t)s % alignof(max_align_t), 0);
	ck_assert(all_bytes(s, o.conn_size, 0));
	s[o.conn_size - 1] = 1;
	ck_assert(all_bytes(netkit_conn_storage(c), o.conn_size, 0xEE));
	close(sv[1]);
	close(cl);
	lt_stop(&t);	/* frees both, sv[0] with a */
}
END_TEST

/* ---- the walk ---- */

#define N_WALK 5

/* Accepts n clients one at a time, so that c[] is in accept order. */
static void
accept_n(struct lt *t, netkit_conn **c, int *cl, int n)
{
	int j;

	for (j = 0; j < n; j++)
		cl[j] = lt_accept(t, &c[j]);
}

/* The walk as an array; returns its length (at most max). */
static int
walk(netkit_loop *l, netkit_conn **out, int max)
{
	netkit_conn *c = NULL;
	int n = 0;

	while ((c = netkit_loop_next(l, c))) {
		ck_assert_int_lt(n, max);
		out[n++] = c;
	}
	return n;
}

START_TEST(walk_of_null_or_empty_loop_is_null)
{
	netkit_loop *l;

	ck_assert_ptr_null(netkit_loop_next(NULL, NULL));
	ck_assert_int_eq(netkit_loop_new(&l, NULL), 0);
	ck_assert_ptr_null(netkit_loop_next(l, NULL));
	netkit_loop_free(l);
}
END_TEST

/* Oldest first, accepted then adopted; a connection closed by its peer
 * is not walked in the batch of its CLOSED, nor after. */
START_TEST(walk_is_oldest_first_and_only_live)
{
	netkit_conn *c[N_WALK], *a, *w[N_WALK + 2];
	int cl[N_WALK], sv[2], j, n;
	struct lt t;

	lt_start(&t, NULL);
	accept_n(&t, c, cl, N_WALK);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	ck_assert_int_eq(netkit_loop_adopt(t.loop, sv[0], NULL, &a), 0);
	n = walk(t.loop, w, N_WALK + 2);
	ck_assert_int_eq(n, N_WALK + 1);
	for (j = 0; j < N_WALK; j++)
		ck_assert_ptr_eq(w[j], c[j]);
	ck_assert_ptr_eq(w[N_WALK], a);
	/* The middle one's peer leaves. */
	(void)peer_leaves(&t, c[2], cl[2]);
	n = walk(t.loop, w, N_WALK + 2);
	ck_assert_int_eq(n, N_WALK);
	ck_assert_ptr_eq(w[0], c[0]);
	ck_assert_ptr_eq(w[1], c[1]);
	ck_assert_ptr_eq(w[2], c[3]);
	ck_assert_ptr_eq(w[3], c[4]);
	ck_assert_ptr_eq(w[4], a);
	lt_wait(&t, 0);	/* c[2] freed */
	ck_assert_int_eq(walk(t.loop, w, N_WALK + 2), N_WALK);
	/* The oldest ends: the next one is first. */
	ck_assert_int_eq(netkit_conn_abort(c[0], false), 0);
	ck_assert_ptr_eq(netkit_loop_next(t.loop, NULL), c[1]);
	for (j = 0; j < N_WALK; j++)
		if (j != 2)
			close(cl[j]);
	close(sv[1]);
	lt_stop(&t);
}
END_TEST

/* The walk goes on while the program aborts the connection it holds,
 * aborts one ahead, detaches one and closes one gracefully (that one is
 * still walked: it is closing, not closed); everything it wrote during
 * the walk reaches the clients that stayed. */
START_TEST(walk_survives_aborts_detach_and_writes_on_the_way)
{
	netkit_conn *c[N_WALK], *p, *seen[N_WALK];
	int cl[N_WALK], j, n = 0, fd;
	netkit_loop_event e;
	struct lt t;
	char got[8];

	lt_start(&t, NULL);
	accept_n(&t, c, cl, N_WALK);
	/* c[4] closes gracefully first, with output still to go. */
	ck_assert_int_eq(netkit_conn_write(c[4], "bye!", 4), 0);
	ck_assert_int_eq(netkit_conn_close(c[4], NETKIT_FOREVER), 0);
	for (p = NULL; (p = netkit_loop_next(t.loop, p));) {
		ck_assert_int_lt(n, N_WALK);
		seen[n++] = p;
		if (p == c[0]) {
			ck_assert_int_eq(netkit_conn_write(p, "hi!\n", 4), 0);
		} else if (p == c[1]) {
			/* The one held, and one ahead. */
			ck_assert_int_eq(netkit_conn_abort(p, true), 0);
			ck_assert_int_eq(netkit_conn_abort(c[2], false), 0);
		} else if (p == c[3]) {
			fd = netkit_conn_detach(p, NULL, 0, NULL);
			ck_assert_int_ge(fd, 0);
			ck_assert_int_eq(send(fd, "det\n", 4, 0), 4);
			close(fd);
		}
	}
	ck_assert_int_eq(n, 4);
	ck_assert_ptr_eq(seen[0], c[0]);
	ck_assert_ptr_eq(seen[1], c[1]);
	ck_assert_ptr_eq(seen[2], c[3]);
	ck_assert_ptr_eq(seen[3], c[4]);
	/* Only c[0] and the closing c[4] are left to walk. */
	ck_assert_ptr_eq(netkit_loop_next(t.loop, NULL), c[0]);
	ck_assert_ptr_eq(netkit_loop_next(t.loop, c[0]), c[4]);
	ck_assert_ptr_null(netkit_loop_next(t.loop, c[4]));
	lt_client_read(&t, cl[0], got, 4, 5000);
	ck_assert(memcmp(got, "hi!\n", 4) == 0);
	ck_assert_int_eq(recv(cl[3], got, 4, MSG_WAITALL), 4);
	ck_assert(memcmp(got, "det\n", 4) == 0);
	lt_client_read(&t, cl[4], got, 4, 5000);
	ck_assert(memcmp(got, "bye!", 4) == 0);
	/* The closing one ends when its peer does. */
	close(cl[4]);
	e = until_closed(&t, c[4], 5000);
	ck_assert_int_eq(e.err, 0);
	ck_assert_ptr_eq(netkit_loop_next(t.loop, NULL), c[0]);
	ck_assert_ptr_null(netkit_loop_next(t.loop, c[0]));
	for (j = 0; j < N_WALK - 1; j++)
		close(cl[j]);
	lt_stop(&t);
}
END_TEST

/* A broadcast to every connection, each walk step writing and the last
 * step aborting the one it holds: each client gets every line. */
START_TEST(walk_broadcasts_to_every_connection)
{
	netkit_conn *c[N_WALK], *p;
	int cl[N_WALK], j, k, n;
	char got[3 * 4];
	struct lt t;

	lt_start(&t, NULL);
	accept_n(&t, c, cl, N_WALK);
	for (k = 0; k < 3; k++) {
		n = 0;
		for (p = NULL; (p = netkit_loop_next(t.loop, p)); n++)
			ck_assert_int_eq(netkit_conn_write(p, k == 0 ? "one\n" :
					 k == 1 ? "two\n" : "six\n", 4), 0);
		ck_assert_int_eq(n, N_WALK);
		lt_run(&t, 5);
	}
	for (j = 0; j < N_WALK; j++) {
		lt_client_read(&t, cl[j], got, sizeof(got), 5000);
		ck_assert_msg(memcmp(got, "one\ntwo\nsix\n", sizeof(got)) == 0,
			      "client %d got %.12s", j, got);
		close(cl[j]);
	}
	lt_stop(&t);
}
END_TEST

/* ---- slow readers ---- */

/* A client that never reads, slow_ms 200. A first write below the high
 * mark, then (run 0 at once, run 1 after 100 ms) the write that passes
 * it; later writes above the mark do not restart the time. CLOSED
 * NETKIT_ESLOW never before 200 ms after the write that passed the
 * mark, and on time after it (a timer restarted by later writes comes
 * late in every try). */
NK_ON_TIME_TEST(slow_reader_closes_with_eslow_never_early)
{
	netkit_loop_opts o = { .slow_ms = 200, .output_high = 64 * 1024,
			       .output_max = 8 << 20 };
	static char chunk[96 * 1024];
	netkit_loop_event e;
	netkit_deadline dl;
	double t0, end;
	netkit_conn *c;
	struct lt t;
	int cl, j;

	lt_start(&t, &o);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	ck_assert_int_eq(netkit_conn_write(c, chunk, 32 * 1024), 0);
	lt_run(&t, _i % 2 ? 100 : 5);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(o.slow_ms);
	ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(chunk)),
			 NETKIT_CONN_HIGH);
	/* More above the mark, every 40 ms, until the close. */
	e.kind = 0;
	for (j = 0; j < 100; j++) {
		if (lt_poll(&t, 40, &e) && e.kind == NETKIT_LOOP_CLOSED)
			break;
		ck_assert_int_eq(netkit_conn_write(c, chunk, 4096),
				 NETKIT_CONN_HIGH);
	}
	end = nk_clock_ms();
	ck_assert_msg(e.kind == NETKIT_LOOP_CLOSED, "no CLOSED for a slow "
		      "reader");
	ck_assert_ptr_eq(e.conn, c);
	ck_assert_int_eq(e.err, NETKIT_ESLOW);
	ck_assert_str_eq(netkit_errname(e.err), "NETKIT_ESLOW");
	nk_assert_on_time("slow close", t0, dl, end);
	close(cl);
	lt_stop(&t);
}

/* A reader that takes its bytes in time: queue above the mark, drained
 * to the low mark well within slow_ms, then the loop runs past slow_ms
 * after that first write: no close. The time starts again with the
 * next write that passes the mark: CLOSED NETKIT_ESLOW, never before
 * slow_ms after that write. */
NK_ON_TIME_TEST(reader_that_drains_in_time_stays_and_the_timer_rearms)
{
	netkit_loop_opts o = { .slow_ms = nk_slow_runner() ? 1000 : 250,
			       .output_high = 64 * 1024,
			       .output_max = 8 << 20 };
	static char chunk[1 << 20], got[100 * 1024];
	netkit_deadline dl, first_dl;
	double t0, end, first;
	netkit_loop_event e;
	size_t n_got = 0;
	netkit_conn *c;
	struct lt t;
	ssize_t n;
	int cl, j;

	/* Fixed small buffers both sides: the kernel cannot take the
	 * second write off the queue. */
	lt_start(&t, &o);
	cl = lt_accept_rcvbuf(&t, &c, 16384);
	lt_small_sndbuf(c);
	first = nk_clock_ms();
	first_dl = netkit_deadline_in(o.slow_ms);
	ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(got)),
			 NETKIT_CONN_HIGH);
	/* The client reads it all. A machine too slow to let it within
	 * slow_ms gets the close: a late try, never an early close. */
	dl = netkit_deadline_in(nk_scaled_ms(5000));
	while (n_got < sizeof(got) || t.count[NETKIT_LOOP_DRAINED] == 0) {
		n = recv(cl, got, sizeof(got) - n_got, MSG_DONTWAIT);
		if (n > 0) {
			n_got += (size_t)n;
			continue;
		}
		ck_assert_msg(n == 0 || errno == EAGAIN, "client recv: %s",
			      strerror(errno));
		ck_assert_msg(netkit_now() < dl.at, "client got %zu of %zu "
			      "bytes, DRAINED %u", n_got, sizeof(got),
			      t.count[NETKIT_LOOP_DRAINED]);
		if (lt_poll(&t, 5, &e) && e.kind == NETKIT_LOOP_CLOSED) {
			ck_assert_int_eq(e.err, NETKIT_ESLOW);
			nk_assert_on_time("slow close while draining", first,
					  first_dl, nk_clock_ms());
			nk_late("draining 100 KiB took over %lld ms",
				(long long)o.slow_ms);
			goto out;
		}
	}
	ck_assert_uint_eq(t.count[NETKIT_LOOP_CLOSED], 0);
	if (nk_clock_ms() - first > o.slow_ms / 2) {
		nk_late("draining 100 KiB took %.0f ms", nk_clock_ms() - first);
		goto out;
	}
	/* Past slow_ms after the first write, with margin. */
	lt_run(&t, o.slow_ms + 150);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_CLOSED], 0);
	ck_assert_ptr_eq(netkit_loop_next(t.loop, NULL), c);
	/* Above the mark again, and this time the client does not read. */
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(o.slow_ms);
	ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(chunk)),
			 NETKIT_CONN_HIGH);
	e.kind = 0;
	for (j = 0; j < 1000; j++)
		if (lt_poll(&t, 10, &e) && e.kind == NETKIT_LOOP_CLOSED)
			break;
	end = nk_clock_ms();
	ck_assert_msg(e.kind == NETKIT_LOOP_CLOSED, "no CLOSED after the "
		      "second pass over the mark");
	ck_assert_ptr_eq(e.conn, c);
	ck_assert_int_eq(e.err, NETKIT_ESLOW);
	nk_assert_on_time("slow close after a drain", t0, dl, end);
out:
	close(cl);
	lt_stop(&t);
}

/* slow_ms 0 (the default): a reader that never reads is never closed
 * for it, however long the queue stays above the mark. */
START_TEST(no_slow_ms_no_slow_close)
{
	netkit_loop_opts o = { .output_high = 64 * 1024 };
	static char chunk[128 * 1024];
	netkit_conn *c;
	struct lt t;
	int cl;

	lt_start(&t, &o);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(chunk)),
			 NETKIT_CONN_HIGH);
	lt_run(&t, 300);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_CLOSED], 0);
	ck_assert_ptr_eq(netkit_loop_next(t.loop, NULL), c);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* ---- signals ---- */

/* Events of one wait of at most ms: counts by kind, and the signals. */
struct sigbatch {
	int n, wake, sig, other;
	int signo[8];
};

static struct sigbatch
wait_batch(netkit_loop *l, netkit_deadline dl)
{
	const netkit_loop_event *ev;
	struct sigbatch b = { 0 };
	int i;

	b.n = netkit_loop_wait(l, &ev, dl);
	ck_assert_int_ge(b.n, 0);
	for (i = 0; i < b.n; i++) {
		if (ev[i].kind == NETKIT_LOOP_WAKE) {
			b.wake++;
		} else if (ev[i].kind == NETKIT_LOOP_SIGNAL) {
			ck_assert_int_lt(b.sig, 8);
			ck_assert_ptr_null(ev[i].conn);
			b.signo[b.sig++] = ev[i].signal;
		} else {
			b.other++;
		}
		if (ev[i].kind != NETKIT_LOOP_SIGNAL)
			ck_assert_int_eq(ev[i].signal, 0);
	}
	return b;
}

static const unsigned backends[] = { 0, NETKIT_POLLER_USE_POLL };

/* A raise() of a caught signal: one SIGNAL event with its number, no
 * WAKE; three raises before a wait: still one; the wait after has
 * none. Both backends (eventfd and epoll, pipe and poll). */
START_TEST(raised_signal_is_one_event_per_wait)
{
	netkit_loop_opts o = { .poller_flags = backends[_i] };
	struct sigbatch b;
	netkit_loop *l;

	ck_assert_int_eq(netkit_loop_new(&l, &o), 0);
	ck_assert_int_eq(netkit_loop_catch(l, SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	b = wait_batch(l, netkit_deadline_in(nk_scaled_ms(5000)));
	ck_assert_int_eq(b.n, 1);
	ck_assert_int_eq(b.sig, 1);
	ck_assert_int_eq(b.signo[0], SIGUSR1);
	ck_assert_int_eq(b.wake, 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	b = wait_batch(l, netkit_deadline_in(nk_scaled_ms(5000)));
	ck_assert_int_eq(b.n, 1);
	ck_assert_int_eq(b.signo[0], SIGUSR1);
	b = wait_batch(l, netkit_deadline_in(50));
	ck_assert_int_eq(b.n, 0);
	netkit_loop_free(l);
}
END_TEST

/* Two signals: two events, one each; a wake with them: one WAKE too;
 * a wake alone: WAKE and no SIGNAL. */
START_TEST(two_signals_and_a_wake_are_three_events)
{
	netkit_loop_opts o = { .poller_flags = backends[_i] };
	struct sigbatch b;
	netkit_loop *l;
	int rt;

	ck_assert_int_eq(netkit_loop_new(&l, &o), 0);
	ck_assert_int_eq(netkit_loop_catch(l, SIGUSR1), 0);
	ck_assert_int_eq(netkit_loop_catch(l, SIGUSR2), 0);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(netkit_loop_wake(l), 0);
	b = wait_batch(l, netkit_deadline_in(nk_scaled_ms(5000)));
	ck_assert_int_eq(b.n, 3);
	ck_assert_int_eq(b.wake, 1);
	ck_assert_int_eq(b.sig, 2);
	ck_assert((b.signo[0] == SIGUSR1 && b.signo[1] == SIGUSR2) ||
		  (b.signo[0] == SIGUSR2 && b.signo[1] == SIGUSR1));
	ck_assert_int_eq(netkit_loop_wake(l), 0);
	b = wait_batch(l, netkit_deadline_in(nk_scaled_ms(5000)));
	ck_assert_int_eq(b.n, 1);
	ck_assert_int_eq(b.wake, 1);
	ck_assert_int_eq(b.sig, 0);
	/* SIGRTMAX works as well (its bit is the last one); valgrind
	 * keeps it for itself (sigaction() says EINVAL), so there the
	 * one below. */
	rt = nk_under_valgrind() ? SIGRTMAX - 1 : SIGRTMAX;
	ck_assert_int_eq(netkit_loop_catch(l, rt), 0);
	ck_assert_int_eq(raise(rt), 0);
	b = wait_batch(l, netkit_deadline_in(nk_scaled_ms(5000)));
	ck_assert_int_eq(b.n, 1);
	ck_assert_int_eq(b.signo[0], rt);
	netkit_loop_free(l);
}
END_TEST

/* A signal sent while the loop waits forever, from another thread:
 * either handled on that thread (kill(): the thread does not block it)
 * or on the waiting one (pthread_kill(): its wait is interrupted and
 * must go on to the wake-up). */
struct sender {
	pthread_t target;
	int how;	/* 0: kill(getpid()), 1: pthread_kill(target) */
};

static void *
send_later(void *arg)
{
	struct sender *s = arg;

	usleep(50 * 1000);
	if (s->how == 0)
		(void)kill(getpid(), SIGUSR1);
	else
		(void)pthread_kill(s->target, SIGUSR1);
	return NULL;
}

START_TEST(signal_from_a_thread_ends_a_wait_forever)
{
	netkit_loop_opts o = { .poller_flags = backends[_i % 2] };
	struct sender s = { pthread_self(), _i / 2 };
	struct sigbatch b;
	netkit_loop *l;
	pthread_t th;
	double t0;

	ck_assert_int_eq(netkit_loop_new(&l, &o), 0);
	ck_assert_int_eq(netkit_loop_catch(l, SIGUSR1), 0);
	t0 = nk_clock_ms();
	ck_assert_int_eq(pthread_create(&th, NULL, send_later, &s), 0);
	b = wait_batch(l, NETKIT_FOREVER);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(b.n, 1);
	ck_assert_int_eq(b.sig, 1);
	ck_assert_int_eq(b.signo[0], SIGUSR1);
	/* Not before the signal was sent. */
	ck_assert_double_ge(nk_clock_ms() - t0, 50);
	netkit_loop_free(l);
}
END_TEST

/* alarm()'s SIGALRM, from the kernel, ends a wait forever. */
START_TEST(alarm_ends_a_wait_forever)
{
	struct sigbatch b;
	netkit_loop *l;

	ck_assert_int_eq(netkit_loop_new(&l, NULL), 0);
	ck_assert_int_eq(netkit_loop_catch(l, SIGALRM), 0);
	alarm(1);
	b = wait_batch(l, NETKIT_FOREVER);
	ck_assert_int_eq(b.n, 1);
	ck_assert_int_eq(b.signo[0], SIGALRM);
	netkit_loop_free(l);
}
END_TEST

START_TEST(catch_refuses_bad_signals_and_a_second_loop)
{
	static const int bad[] = { 0, -1, 65, SIGKILL, SIGSTOP, INT32_MIN };
	struct sigaction now;
	netkit_loop *l, *m;
	size_t j;

	ck_assert_int_eq(netkit_loop_new(&l, NULL), 0);
	ck_assert_int_eq(netkit_loop_new(&m, NULL), 0);
	ck_assert_int_eq(netkit_loop_catch(NULL, SIGUSR1), -EINVAL);
	for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++)
		ck_assert_msg(netkit_loop_catch(l, bad[j]) == -EINVAL,
			      "signal %d", bad[j]);
	/* Nothing changed by the refusals. */
	ck_assert_int_eq(sigaction(SIGUSR1, NULL, &now), 0);
	ck_assert(now.sa_handler == SIG_DFL);
	ck_assert_int_eq(netkit_loop_catch(l, SIGUSR1), 0);
	ck_assert_int_eq(netkit_loop_catch(l, SIGUSR1), 0);
	ck_assert_int_eq(netkit_loop_catch(m, SIGUSR1), -EBUSY);
	/* The refused loop gets nothing; the catching one its event. */
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(wait_batch(m, netkit_deadline_in(50)).n, 0);
	ck_assert_int_eq(wait_batch(l, netkit_deadline_in(
		nk_scaled_ms(5000))).signo[0], SIGUSR1);
	/* Freed, l lets m catch it. */
	netkit_loop_free(l);
	ck_assert_int_eq(netkit_loop_catch(m, SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(wait_batch(m, netkit_deadline_in(
		nk_scaled_ms(5000))).signo[0], SIGUSR1);
	netkit_loop_free(m);
	ck_assert_int_eq(sigaction(SIGUSR1, NULL, &now), 0);
	ck_assert(now.sa_handler == SIG_DFL);
}
END_TEST

static volatile sig_atomic_t mine;

static void
my_handler(int signo)
{
	mine = signo;
}

/* The program's own handler before the catch is back after the free,
 * and runs again; a default action comes back as the default. */
START_TEST(free_puts_back_the_previous_action)
{
	struct sigaction sa = { .sa_handler = my_handler }, now;
	netkit_loop *l;

	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR2, &sa, NULL), 0);
	ck_assert_int_eq(sigaction(SIGUSR1, NULL, &now), 0);
	ck_assert(now.sa_handler == SIG_DFL);
	ck_assert_int_eq(netkit_loop_new(&l, NULL), 0);
	ck_assert_int_eq(netkit_loop_catch(l, SIGUSR2), 0);
	ck_assert_int_eq(netkit_loop_catch(l, SIGUSR1), 0);
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &now), 0);
	ck_assert(now.sa_handler != my_handler);
	ck_assert_int_eq(now.sa_flags & SA_RESTART, SA_RESTART);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(mine, 0);	/* the loop's, not mine */
	ck_assert_int_eq(wait_batch(l, netkit_deadline_in(
		nk_scaled_ms(5000))).signo[0], SIGUSR2);
	netkit_loop_free(l);
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &now), 0);
	ck_assert(now.sa_handler == my_handler);
	ck_assert_int_eq(sigaction(SIGUSR1, NULL, &now), 0);
	ck_assert(now.sa_handler == SIG_DFL);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(mine, SIGUSR2);
	sa.sa_handler = SIG_DFL;
	ck_assert_int_eq(sigaction(SIGUSR2, &sa, NULL), 0);
}
END_TEST

/* A signal caught alongside connections: the SIGNAL event comes in the
 * batch with the connection's INPUT, and a wait with only a signal
 * gives nothing else. */
START_TEST(signal_and_connection_events_share_a_batch)
{
	netkit_loop_event e;
	netkit_conn *c;
	struct lt t;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_loop_catch(t.loop, SIGUSR2), 0);
	ck_assert_int_eq(send(cl, "x", 1, 0), 1);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	e = lt_until(&t, NETKIT_LOOP_SIGNAL, NULL, 5000);
	ck_assert_int_eq(e.signal, SIGUSR2);
	ck_assert_int_eq(e.fd, -1);
	ck_assert_ptr_null(e.conn);
	while (t.count[NETKIT_LOOP_INPUT] == 0)
		(void)lt_next(&t, 5000);
	lt_run(&t, 50);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_SIGNAL], 1);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_WAKE], 0);
	close(cl);
	lt_stop(&t);
}
END_TEST


/* ---- the peer ---- */

/* netkit_conn_peer() is the client's own address (its getsockname()),
 * from accept, with no call of the program's; still readable with the
 * CLOSED event; NULL for NULL. */
START_TEST(peer_is_the_clients_address_until_closed)
{
	netkit_addr client;
	const netkit_addr *p;
	netkit_loop_event e;
	netkit_conn *c;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct lt t;
	int cl;

	ck_assert_ptr_null(netkit_conn_peer(NULL));
	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(getsockname(cl, (struct sockaddr *)&ss, &len), 0);
	ck_assert_int_eq(netkit_addr_from_sockaddr(&client,
			 (const struct sockaddr *)&ss, len), 0);
	p = netkit_conn_peer(c);
	ck_assert_ptr_nonnull(p);
	ck_assert(netkit_addr_equal(p, &client));
	close(cl);
	(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);	/* its end */
	ck_assert_int_eq(netkit_conn_close(c, netkit_deadline_in(5000)), 0);
	e = lt_until(&t, NETKIT_LOOP_CLOSED, c, 5000);
	ck_assert_ptr_eq(e.conn, c);
	ck_assert(netkit_addr_equal(netkit_conn_peer(e.conn), &client));
	lt_stop(&t);
}
END_TEST

static int
failing_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	(void)fd;
	(void)sa;
	(void)len;
	errno = ENOTCONN;
	return -1;
}

/* An adopted socket whose peer the system does not give: adopted all
 * the same, with an empty peer address (which formats as -EINVAL). */
START_TEST(adopted_without_a_known_peer_has_an_empty_one)
{
	char text[NETKIT_ADDRSTRLEN];
	netkit_conn *c = NULL;
	struct lt t;
	int sv[2];

	lt_start(&t, NULL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	netkit__sys.getpeername = failing_getpeername;
	ck_assert_int_eq(netkit_loop_adopt(t.loop, sv[0], NULL, &c), 0);
	netkit__sys = netkit__sys_default;
	ck_assert_ptr_nonnull(netkit_conn_peer(c));
	ck_assert_int_eq(netkit_addr_format(netkit_conn_peer(c), text,
					    sizeof(text)), -EINVAL);
	close(sv[1]);
	lt_stop(&t);	/* closes sv[0], the loop's */
}
END_TEST

static int
failing_sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
	(void)sig;
	(void)sa;
	(void)old;
	errno = EINVAL;
	return -1;
}

/* sigaction() refusing: its error, nothing kept (the signal can be
 * caught once it works, and its action is still the default). */
START_TEST(catch_that_sigaction_refuses_changes_nothing)
{
	struct sigaction now;
	netkit_loop *loop;

	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	netkit__sys.sigaction = failing_sigaction;
	ck_assert_int_eq(netkit_loop_catch(loop, SIGUSR2), -EINVAL);
	netkit__sys = netkit__sys_default;
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &now), 0);
	ck_assert(now.sa_handler == SIG_DFL);
	ck_assert_int_eq(netkit_loop_catch(loop, SIGUSR2), 0);
	netkit_loop_free(loop);
	ck_assert_int_eq(sigaction(SIGUSR2, NULL, &now), 0);
	ck_assert(now.sa_handler == SIG_DFL);
}
END_TEST


static int
failing_fcntl(int fd, int cmd, ...)
{
	(void)fd;
	(void)cmd;
	errno = EIO;
	return -1;
}

/* A descriptor whose flags cannot be read or set: listen and adopt
 * answer the error, the descriptor stays the caller's and unchanged. */
START_TEST(listen_and_adopt_fail_cleanly_when_fcntl_fails)
{
	netkit_loop *loop;
	netkit_conn *c = NULL;
	int lfd, sv[2];

	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	lfd = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	netkit__sys.fcntl = failing_fcntl;
	ck_assert_int_eq(netkit_loop_listen(loop, lfd, NULL), -EIO);
	ck_assert_int_eq(netkit_loop_adopt(loop, sv[0], NULL, &c), -EIO);
	netkit__sys = netkit__sys_default;
	ck_assert_ptr_null(c);
	ck_assert_ptr_null(netkit_loop_next(loop, NULL));
	ck_assert_int_eq(fcntl(lfd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
	/* still the caller's: the loop takes them when the calls work */
	ck_assert_int_eq(netkit_loop_listen(loop, lfd, NULL), 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, sv[0], NULL, &c), 0);
	close(sv[1]);
	netkit_loop_free(loop);
}
END_TEST

/* A client that resets its connection, on a loop with idle_ms (the
 * receive that is not the common case): CLOSED -ECONNRESET. */
START_TEST(reset_with_idle_ms_is_closed_econnreset)
{
	netkit_loop_opts o = { .idle_ms = 60000 };
	struct linger lg = { 1, 0 };
	netkit_loop_event e;
	netkit_conn *c;
	struct lt t;
	int cl;

	lt_start(&t, &o);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(send(cl, "x", 1, 0), 1);
	(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
	ck_assert_int_eq(setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg,
				    sizeof(lg)), 0);
	close(cl);
	e = lt_until(&t, NETKIT_LOOP_CLOSED, c, 5000);
	ck_assert_int_eq(e.err, -ECONNRESET);
	lt_stop(&t);
}
END_TEST

/* Bytes in the queue keep their order however the queue's memory
 * changes under them: a short answer queued in the connection's own
 * memory, a longer one after it that moves the queue to the heap (the
 * client reading nothing yet, the kernel's buffers small), a queue
 * grown past twice the high mark and given back once empty, and short
 * answers again after that. */
static void
pattern(unsigned char *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed + i * 7 + i / 251);
}

START_TEST(queue_keeps_order_as_its_memory_moves)
{
	static unsigned char want[200 * 1024 + 300], got[sizeof(want)];
	const size_t parts[] = { 100, 150, 2000, 200 * 1024 - 2250, 300 };
	netkit_loop_opts o = { .output_high = 64 * 1024,
			       .output_max = 1024 * 1024 };
	size_t i, at = 0;
	netkit_conn *c;
	struct lt t;
	int cl, round;

	pattern(want, sizeof(want), 3);
	lt_start(&t, &o);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	for (round = 0; round < 2; round++) {
		/* all of it queued before the loop may send any */
		for (i = 0, at = 0; i < 5; at += parts[i], i++)
			ck_assert_int_ge(netkit_conn_write(c, want + at,
							   parts[i]), 0);
		ck_assert_uint_eq(netkit_conn_queued(c), sizeof(want));
		memset(got, 0, sizeof(got));
		lt_client_read(&t, cl, got, sizeof(got), 10000);
		ck_assert_mem_eq(got, want, sizeof(want));
		lt_run(&t, 20);
		ck_assert_uint_eq(netkit_conn_queued(c), 0);
		/* a short answer alone, after the large queue was given
		 * back (round 0) or kept (round 1 ends the same way) */
		ck_assert_int_eq(netkit_conn_write(c, "short", 5), 0);
		memset(got, 0, 5);
		lt_client_read(&t, cl, got, 5, 5000);
		ck_assert_mem_eq(got, "short", 5);
	}
	close(cl);
	lt_stop(&t);
}
END_TEST

/* A high mark below half the queue's inline room (output_high 1, the
 * least it can be): a queue that empties must not give back the
 * connection's own memory as if it were the heap's (it did: free() of
 * the inline buffer). Several answers in and out, each whole. */
START_TEST(tiny_high_mark_keeps_the_inline_queue)
{
	netkit_loop_opts o = { .output_high = 1, .output_max = 100000 };
	static unsigned char want[3000], got[sizeof(want)];
	const size_t lens[] = { 1, 2, 300, 3000, 1 };
	netkit_conn *c;
	struct lt t;
	size_t i;
	int cl;

	pattern(want, sizeof(want), 11);
	lt_start(&t, &o);
	cl = lt_accept(&t, &c);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		ck_assert_int_ge(netkit_conn_write(c, want, lens[i]), 0);
		memset(got, 0, lens[i]);
		lt_client_read(&t, cl, got, lens[i], 5000);
		ck_assert_mem_eq(got, want, lens[i]);
		lt_run(&t, 10);
		ck_assert_uint_eq(netkit_conn_queued(c), 0);
	}
	close(cl);
	lt_stop(&t);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("loop-more");

	NK_ADD_TEST(s, storage_is_null_without_conn_size_or_conn);
	NK_ADD_TEST(s, conn_size_above_one_mib_or_negative_slow_ms_is_einval);
	NK_ADD_TEST(s, storage_is_aligned_zeroed_private_and_lives_until_closed);
	NK_ADD_TEST(s, storage_of_one_mib_and_of_adopted_connections);
	NK_ADD_TEST(s, walk_of_null_or_empty_loop_is_null);
	NK_ADD_TEST(s, walk_is_oldest_first_and_only_live);
	NK_ADD_TEST(s, walk_survives_aborts_detach_and_writes_on_the_way);
	NK_ADD_TEST(s, walk_broadcasts_to_every_connection);
	suite_add_tcase(s, nk_tcase_with(
		"slow_reader_closes_with_eslow_never_early",
		slow_reader_closes_with_eslow_never_early, 2));
	NK_ADD_TEST(s, reader_that_drains_in_time_stays_and_the_timer_rearms);
	NK_ADD_TEST(s, no_slow_ms_no_slow_close);
	suite_add_tcase(s, nk_tcase_with("raised_signal_is_one_event_per_wait",
		raised_signal_is_one_event_per_wait, 2));
	suite_add_tcase(s, nk_tcase_with(
		"two_signals_and_a_wake_are_three_events",
		two_signals_and_a_wake_are_three_events, 2));
	suite_add_tcase(s, nk_tcase_with(
		"signal_from_a_thread_ends_a_wait_forever",
		signal_from_a_thread_ends_a_wait_forever, 4));
	NK_ADD_TEST(s, alarm_ends_a_wait_forever);
	NK_ADD_TEST(s, catch_refuses_bad_signals_and_a_second_loop);
	NK_ADD_TEST(s, free_puts_back_the_previous_action);
	NK_ADD_TEST(s, signal_and_connection_events_share_a_batch);
	NK_ADD_TEST(s, peer_is_the_clients_address_until_closed);
	NK_ADD_TEST(s, adopted_without_a_known_peer_has_an_empty_one);
	NK_ADD_TEST(s, catch_that_sigaction_refuses_changes_nothing);
	NK_ADD_TEST(s, listen_and_adopt_fail_cleanly_when_fcntl_fails);
	NK_ADD_TEST(s, reset_with_idle_ms_is_closed_econnreset);
	NK_ADD_TEST(s, queue_keeps_order_as_its_memory_moves);
	NK_ADD_TEST(s, tiny_high_mark_keeps_the_inline_queue);
	return s;
}
