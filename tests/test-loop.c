/* SPDX-License-Identifier: MIT */
/*
 * The connection layer (<netkit/loop.h>) over real loopback sockets:
 * one OPEN and one CLOSED per connection, input through the
 * connection's reader, queued output with its marks and hard limit,
 * graceful and abortive closes, the peer's reset, and events cancelled
 * inside a batch. Clients are plain sockets, driven from the test's
 * thread between the loop's waits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault.h"
#include "helpers.h"
#include "loop-common.h"
#include "timing.h"

#define N_LIFE 50

/* Per connection of the lifecycle test: its events. */
struct rec {
	netkit_conn *c;
	int opens, closes, lines, closed_err;
	bool closing, closed;
	char line[64];
};

static struct rec *
rec_of(struct rec *recs, int n, void *data)
{
	struct rec *r = data;

	ck_assert_msg(r >= recs && r < recs + n,
		      "event data %p is not a connection's record", data);
	return r;
}

/* Reads every whole line a connection holds; -EAGAIN, 0 or an error
 * as the last answer. Each line goes to r->line. */
static ssize_t
drain_lines(netkit_conn *c, struct rec *r)
{
	char line[256];
	ssize_t n;

	while ((n = netkit_reader_read_line(netkit_conn_reader(c), line,
					    sizeof(line), NETKIT_NOW)) > 0) {
		r->lines++;
		snprintf(r->line, sizeof(r->line), "%.60s", line);
	}
	return n;
}

/* 50 clients each send a line and end their side; the program closes
 * each connection on its reader's 0. Every connection has exactly one
 * OPEN (with the listener's value), then only events with its own
 * value, then exactly one CLOSED (err 0), then nothing. */
START_TEST(each_connection_opens_once_and_closes_once)
{
	struct rec recs[N_LIFE];
	int cl[N_LIFE], n_rec = 0, closed = 0, j, k;
	bool seen[N_LIFE] = { false };
	netkit_loop_event e;
	struct lt t;
	struct rec *r;
	char msg[32], b;
	ssize_t n;

	memset(recs, 0, sizeof(recs));
	lt_start(&t, NULL);
	for (j = 0; j < N_LIFE; j++) {
		cl[j] = lt_client(&t);
		n = snprintf(msg, sizeof(msg), "hello %d\n", j);
		ck_assert_int_eq(send(cl[j], msg, (size_t)n, 0), n);
		ck_assert_int_eq(shutdown(cl[j], SHUT_WR), 0);
	}
	while (closed < N_LIFE) {
		e = lt_next(&t, 5000);
		if (e.kind == NETKIT_LOOP_OPEN) {
			ck_assert_ptr_eq(e.data, &lt_listener_tag);
			ck_assert_int_lt(n_rec, N_LIFE);
			for (j = 0; j < n_rec; j++)
				ck_assert_msg(recs[j].closed || recs[j].c != e.conn,
					      "second OPEN for a live connection");
			r = &recs[n_rec++];
			r->c = e.conn;
			r->opens++;
			ck_assert_int_eq(e.fd, netkit_conn_fd(e.conn));
			ck_assert_int_eq(netkit_conn_set_data(e.conn, r), 0);
			n = drain_lines(e.conn, r);
		} else {
			ck_assert_ptr_nonnull(e.conn);
			r = rec_of(recs, n_rec, e.data);
			ck_assert_msg(!r->closed, "event %u after CLOSED", e.kind);
			ck_assert_ptr_eq(e.conn, r->c);
			if (e.kind == NETKIT_LOOP_CLOSED) {
				r->closed = true;
				r->closes++;
				r->closed_err = e.err;
				closed++;
				continue;
			}
			ck_assert_uint_eq(e.kind, NETKIT_LOOP_INPUT);
			ck_assert_msg(!r->closing,
				      "INPUT after netkit_conn_close()");
			n = drain_lines(e.conn, r);
		}
		if (n == 0) {
			ck_assert_int_eq(netkit_conn_close(r->c,
					netkit_deadline_in(nk_scaled_ms(5000))), 0);
			r->closing = true;
		} else
			ck_assert_int_eq(n, -EAGAIN);
	}
	ck_assert_int_eq(n_rec, N_LIFE);
	for (j = 0; j < N_LIFE; j++) {
		ck_assert_int_eq(recs[j].opens, 1);
		ck_assert_int_eq(recs[j].closes, 1);
		ck_assert_int_eq(recs[j].closed_err, 0);
		ck_assert_int_eq(recs[j].lines, 1);
		ck_assert_int_eq(sscanf(recs[j].line, "hello %d", &k), 1);
		ck_assert(k >= 0 && k < N_LIFE && !seen[k]);
		seen[k] = true;
	}
	/* Nothing more: no event for a freed connection. */
	lt_run(&t, 50);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_OPEN], N_LIFE);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_CLOSED], N_LIFE);
	for (j = 0; j < N_LIFE; j++) {
		ck_assert(nk_readable(cl[j], 5000));
		ck_assert_int_eq(recv(cl[j], &b, 1, 0), 0);	/* EOF */
		close(cl[j]);
	}
	lt_stop(&t);
}
END_TEST

/* A partial line is -EAGAIN, answered from the buffer: no receive and
 * no wait (counted through the seam). The rest completes it. */
START_TEST(partial_line_is_eagain_without_a_receive)
{
	unsigned long data, waits;
	netkit_conn *c;
	netkit_reader *in;
	char line[64];
	struct lt t;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	in = netkit_conn_reader(c);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(netkit_reader_read_line(in, line, sizeof(line),
						 NETKIT_NOW), -EAGAIN);
	ck_assert_int_eq(send(cl, "abc", 3, 0), 3);
	(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
	nk_fault_install(1);	/* counting only */
	ck_assert_int_eq(netkit_reader_read_line(in, line, sizeof(line),
						 NETKIT_NOW), -EAGAIN);
	data = nk_fault_seen_data();
	waits = nk_fault_seen_waits();
	nk_fault_reset();
	ck_assert_msg(data == 0 && waits == 0,
		      "read_line on a partial line made %lu data calls and "
		      "%lu waits", data, waits);
	ck_assert_uint_eq(netkit_reader_buffered(in, NULL), 3);
	ck_assert_int_eq(send(cl, "def\nx", 5, 0), 5);
	ck_assert_int_eq(send(cl, "yz\n", 3, 0), 3);
	(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
	while (netkit_reader_buffered(in, NULL) < 11)
		(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
	ck_assert_int_eq(netkit_reader_read_line(in, line, sizeof(line),
						 NETKIT_NOW), 7);
	ck_assert_str_eq(line, "abcdef\n");
	ck_assert_int_eq(netkit_reader_read_line(in, line, sizeof(line),
						 NETKIT_NOW), 4);
	ck_assert_str_eq(line, "xyz\n");
	ck_assert_int_eq(netkit_reader_read_line(in, line, sizeof(line),
						 NETKIT_NOW), -EAGAIN);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* The peer's SHUT_WR: the lines before it first, then 0 (and 0 again),
 * and the connection still writes. */
START_TEST(peer_end_reads_earlier_lines_then_zero)
{
	netkit_conn *c;
	netkit_reader *in;
	char line[64];
	struct lt t;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	in = netkit_conn_reader(c);
	ck_assert_int_eq(send(cl, "one\ntwo\n", 8, 0), 8);
	ck_assert_int_eq(shutdown(cl, SHUT_WR), 0);
	(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
	ck_assert_int_eq(netkit_reader_read_line(in, line, sizeof(line),
						 NETKIT_NOW), 4);
	ck_assert_str_eq(line, "one\n");
	ck_assert_int_eq(netkit_reader_read_line(in, line, sizeof(line),
						 NETKIT_NOW), 4);
	ck_assert_str_eq(line, "two\n");
	/* The end may come in a later INPUT event. */
	while (netkit_reader_read_line(in, line, sizeof(line), NETKIT_NOW) ==
	       -EAGAIN)
		(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
	ck_assert_int_eq(netkit_reader_read_line(in, line, sizeof(line),
						 NETKIT_NOW), 0);
	/* Half-closed: the program can still answer. */
	ck_assert_int_eq(netkit_conn_write(c, "bye\n", 4), 0);
	lt_client_read(&t, cl, line, 4, 5000);
	ck_assert_int_eq(memcmp(line, "bye\n", 4), 0);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* A line longer than opts.input_size: NETKIT_ETOOLONG once the buffer
 * is full, and the loop does not spin on the full buffer. */
START_TEST(line_longer_than_input_size_is_etoolong)
{
	netkit_loop_opts o = { .input_size = 64 };
	char big[200], line[1024];
	unsigned long waits, data;
	netkit_reader *in;
	netkit_conn *c;
	unsigned inputs;
	struct lt t;
	ssize_t n;
	int cl;

	memset(big, 'L', sizeof(big));
	lt_start(&t, &o);
	cl = lt_accept(&t, &c);
	in = netkit_conn_reader(c);
	ck_assert_int_eq(send(cl, big, sizeof(big), 0), (ssize_t)sizeof(big));
	do {
		(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
		n = netkit_reader_read_line(in, line, sizeof(line), NETKIT_NOW);
	} while (n == -EAGAIN);
	ck_assert_int_eq(n, NETKIT_ETOOLONG);
	ck_assert_uint_eq(netkit_reader_buffered(in, NULL), 64);
	/* More is waiting in the kernel, and there is no room for it:
	 * the loop must not spin (wait after wait) on that. */
	inputs = t.count[NETKIT_LOOP_INPUT];
	nk_fault_install(1);
	lt_run(&t, 200);
	waits = nk_fault_seen_waits();
	data = nk_fault_seen_data();
	nk_fault_reset();
	ck_assert_msg(t.count[NETKIT_LOOP_INPUT] - inputs <= 2 && waits <= 10 &&
		      data <= 2, "full input buffer: %u INPUT events, %lu "
		      "waits, %lu data calls in 200 ms",
		      t.count[NETKIT_LOOP_INPUT] - inputs, waits, data);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* Writes leave at the next wait, all of them with one send (cork), and
 * the client receives exactly those bytes. */
START_TEST(writes_leave_together_at_the_next_wait)
{
	unsigned long sends;
	netkit_conn *c;
	char got[16];
	struct lt t;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_conn_write(c, "abc", 3), 0);
	ck_assert_int_eq(netkit_conn_write(c, "", 0), 0);
	ck_assert_int_eq(netkit_conn_write(c, NULL, 0), 0);
	ck_assert_int_eq(netkit_conn_write(c, "de\0f", 4), 0);
	ck_assert_int_eq(netkit_conn_write(c, "\n", 1), 0);
	ck_assert_uint_eq(netkit_conn_queued(c), 8);
	/* Nothing left before the wait. */
	ck_assert(!nk_readable(cl, 20));
	nk_fault_install(1);
	lt_wait(&t, 0);
	sends = nk_fault_seen(NK_FAULT_SEND) + nk_fault_seen(NK_FAULT_SENDMSG) +
		nk_fault_seen(NK_FAULT_SENDTO) + nk_fault_seen(NK_FAULT_WRITE);
	nk_fault_reset();
	ck_assert_msg(sends == 1, "%lu sends for three writes", sends);
	ck_assert_uint_eq(netkit_conn_queued(c), 0);
	ck_assert(nk_readable(cl, 5000));
	ck_assert_int_eq(recv(cl, got, sizeof(got), 0), 8);
	ck_assert_int_eq(memcmp(got, "abcde\0f\n", 8), 0);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* 4 MiB (1 MiB on a slow runner) written by a producer that obeys
 * NETKIT_CONN_HIGH / DRAINED (high mark 256 KiB), to a client reading
 * 16 KiB per turn: all of it, in order, and one DRAINED per HIGH. */
START_TEST(large_write_to_slow_reader_arrives_whole)
{
	netkit_loop_opts o = { .output_high = 256 << 10, .output_max = 8 << 20 };
	size_t total = nk_slow_runner() ? 1 << 20 : 4 << 20;
	static unsigned char chunk[65536], got[16384], want[16384];
	unsigned highs = 0, drains = 0;
	uint64_t off_w = 0, off_r = 0;
	netkit_deadline dl;
	netkit_loop_event e;
	bool high = false;
	netkit_conn *c;
	struct lt t;
	ssize_t n;
	int cl, r;

	lt_start(&t, &o);
	cl = lt_accept(&t, &c);
	dl = netkit_deadline_in(nk_scaled_ms(20000));
	while (off_r < total) {
		ck_assert_msg(netkit_now() < dl.at, "%llu of %zu bytes read",
			      (unsigned long long)off_r, total);
		while (!high && off_w < total) {
			nk_stream_fill(chunk, sizeof(chunk), off_w);
			r = netkit_conn_write(c, chunk, sizeof(chunk));
			ck_assert_int_ge(r, 0);
			off_w += sizeof(chunk);
			if (r == NETKIT_CONN_HIGH) {
				ck_assert_uint_gt(netkit_conn_queued(c),
						  o.output_high);
				high = true;
				highs++;
			}
		}
		if (lt_poll(&t, 1, &e) && e.kind == NETKIT_LOOP_DRAINED) {
			ck_assert_ptr_eq(e.conn, c);
			ck_assert_msg(high, "DRAINED without HIGH");
			ck_assert_uint_le(netkit_conn_queued(c),
					  o.output_high / 4);
			high = false;
			drains++;
		}
		n = recv(cl, got, sizeof(got), MSG_DONTWAIT);
		if (n <= 0) {
			ck_assert_msg(n < 0 && errno == EAGAIN, "client recv");
			continue;
		}
		nk_stream_fill(want, (size_t)n, off_r);
		if (memcmp(got, want, (size_t)n) != 0)
			ck_abort_msg("bytes from %llu differ",
				     (unsigned long long)off_r);
		off_r += (uint64_t)n;
	}
	lt_run(&t, 50);
	ck_assert_uint_eq(netkit_conn_queued(c), 0);
	ck_assert_uint_ge(highs, 1);
	ck_assert_uint_ge(drains, highs - 1);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_DRAINED], highs);
	ck_assert(!nk_readable(cl, 0));
	close(cl);
	lt_stop(&t);
}
END_TEST

/* The marks are exact: at output_high 0, one byte above it HIGH, up to
 * output_max HIGH, one byte past it -ENOBUFS with nothing queued. */
START_TEST(high_mark_and_hard_limit_are_exact)
{
	netkit_loop_opts o = { .output_high = 1000, .output_low = 100,
			       .output_max = 5000 };
	static char buf[5000], got[5000];
	netkit_loop_event e;
	netkit_conn *c;
	struct lt t;
	int cl;

	memset(buf, 'q', sizeof(buf));
	lt_start(&t, &o);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_conn_write(c, buf, 1000), 0);
	ck_assert_int_eq(netkit_conn_write(c, buf, 1), NETKIT_CONN_HIGH);
	ck_assert_int_eq(netkit_conn_write(c, buf, 3999), NETKIT_CONN_HIGH);
	ck_assert_uint_eq(netkit_conn_queued(c), 5000);
	ck_assert_int_eq(netkit_conn_write(c, buf, 1), -ENOBUFS);
	ck_assert_int_eq(netkit_conn_write(c, buf, 5000), -ENOBUFS);
	ck_assert_uint_eq(netkit_conn_queued(c), 5000);
	/* The kernel takes it all: DRAINED once, then the bytes. */
	e = lt_until(&t, NETKIT_LOOP_DRAINED, c, 5000);
	ck_assert_ptr_eq(e.data, &lt_listener_tag);
	ck_assert_uint_le(netkit_conn_queued(c), 100);
	lt_client_read(&t, cl, got, sizeof(got), 5000);
	ck_assert_int_eq(memcmp(got, buf, sizeof(got)), 0);
	lt_run(&t, 50);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_DRAINED], 1);
	ck_assert(!nk_readable(cl, 0));
	/* Below the mark again: writes answer 0. */
	ck_assert_int_eq(netkit_conn_write(c, buf, 10), 0);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* A queue held above the low mark by a client that does not read: no
 * DRAINED; the client reads, and DRAINED comes once the queue is at or
 * below output_low, never above it. */
START_TEST(drained_comes_when_the_client_reads_down_to_low)
{
	netkit_loop_opts o = { .output_high = 65536, .output_low = 16384,
			       .output_max = 4 << 20 };
	static unsigned char chunk[65536];
	unsigned char got[8192], want[8192];
	netkit_deadline dl;
	netkit_loop_event e;
	uint64_t off = 0;
	netkit_conn *c;
	struct lt t;
	bool drained = false;
	int cl, j;
	ssize_t n;

	lt_start(&t, &o);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	for (j = 0; j < 16; j++) {
		nk_stream_fill(chunk, sizeof(chunk), off);
		ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(chunk)),
				 j == 0 ? 0 : NETKIT_CONN_HIGH);
		off += sizeof(chunk);
	}
	lt_run(&t, 200);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_DRAINED], 0);
	ck_assert_uint_gt(netkit_conn_queued(c), o.output_low);
	dl = netkit_deadline_in(nk_scaled_ms(20000));
	off = 0;
	while (!drained || off < 16 * sizeof(chunk)) {
		ck_assert(netkit_now() < dl.at);
		if (lt_poll(&t, 1, &e) && e.kind == NETKIT_LOOP_DRAINED) {
			ck_assert_msg(!drained, "two DRAINED events");
			ck_assert_uint_le(netkit_conn_queued(c), o.output_low);
			drained = true;
		}
		n = recv(cl, got, sizeof(got), MSG_DONTWAIT);
		if (n > 0) {
			nk_stream_fill(want, (size_t)n, off);
			if (memcmp(got, want, (size_t)n) != 0)
				ck_abort_msg("bytes from %llu differ",
					     (unsigned long long)off);
			off += (uint64_t)n;
		}
	}
	close(cl);
	lt_stop(&t);
}
END_TEST

/* A producer that ignores HIGH, writing to a client that never reads:
 * the queue never passes output_max, and the write that would pass it
 * fails with -ENOBUFS and queues nothing. */
START_TEST(client_that_never_reads_costs_at_most_output_max)
{
	netkit_loop_opts o = { .output_high = 65536, .output_max = 262144 };
	static char chunk[16384];
	size_t before;
	int cl, j, r, refused = 0;
	netkit_conn *c;
	struct lt t;

	memset(chunk, 'n', sizeof(chunk));
	lt_start(&t, &o);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	for (j = 0; j < 300; j++) {
		before = netkit_conn_queued(c);
		r = netkit_conn_write(c, chunk, sizeof(chunk));
		if (r == -ENOBUFS) {
			refused++;
			ck_assert_uint_eq(netkit_conn_queued(c), before);
			ck_assert_uint_gt(before + sizeof(chunk), o.output_max);
		} else {
			ck_assert_int_eq(r, before + sizeof(chunk) >
					 o.output_high ? NETKIT_CONN_HIGH : 0);
		}
		ck_assert_uint_le(netkit_conn_queued(c), o.output_max);
		lt_wait(&t, 0);
	}
	ck_assert_int_gt(refused, 200);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* Graceful close: everything queued arrives, then the client's EOF;
 * input after the close is discarded; CLOSED err 0 when the client
 * ends too. Writes and a second close fail with -EPIPE. */
START_TEST(close_flushes_then_the_client_sees_eof)
{
	static unsigned char chunk[300000], got[300000];
	netkit_loop_event e;
	netkit_deadline dl;
	netkit_conn *c;
	struct lt t;
	char b;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	nk_stream_fill(chunk, sizeof(chunk), 0);
	ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(chunk)),
			 NETKIT_CONN_HIGH);
	ck_assert_int_eq(netkit_conn_close(c, netkit_deadline_in(
			 nk_scaled_ms(10000))), 0);
	ck_assert_int_eq(netkit_conn_write(c, "x", 1), -EPIPE);
	ck_assert_int_eq(netkit_conn_close(c, NETKIT_FOREVER), -EPIPE);
	ck_assert_int_eq(netkit_conn_detach(c, NULL, 0, NULL), -EPIPE);
	ck_assert_int_eq(send(cl, "late\n", 5, 0), 5);
	lt_client_read(&t, cl, got, sizeof(got), 10000);
	ck_assert_int_eq(memcmp(got, chunk, sizeof(got)), 0);
	dl = netkit_deadline_in(nk_scaled_ms(5000));
	while (!nk_readable(cl, 0)) {
		ck_assert_msg(netkit_now() < dl.at, "no EOF after the data");
		if (lt_poll(&t, 5, &e))
			ck_assert_uint_ne(e.kind, NETKIT_LOOP_CLOSED);
	}
	ck_assert_int_eq(recv(cl, &b, 1, 0), 0);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_INPUT], 0);
	close(cl);
	e = lt_until(&t, NETKIT_LOOP_CLOSED, c, 5000);
	ck_assert_int_eq(e.err, 0);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_INPUT], 0);
	ck_assert_int_eq(netkit_conn_fd(c), -1);
	ck_assert_int_eq(netkit_conn_write(c, "x", 1), -EPIPE);
	ck_assert_int_eq(netkit_conn_abort(c, false), -EPIPE);
	lt_stop(&t);
}
END_TEST

/* abort(c, true): the client's recv fails with ECONNRESET; CLOSED
 * -ECONNABORTED at the next wait; everything after answers -EPIPE. */
START_TEST(abort_with_reset_resets_the_client)
{
	netkit_loop_event e;
	netkit_conn *c;
	struct lt t;
	char b;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_conn_set_data(c, &t), 0);
	ck_assert_int_eq(netkit_conn_write(c, "dropped", 7), 0);
	ck_assert_int_eq(netkit_conn_abort(c, true), 0);
	ck_assert_int_eq(netkit_conn_write(c, "x", 1), -EPIPE);
	ck_assert_int_eq(netkit_conn_abort(c, true), -EPIPE);
	ck_assert_int_eq(netkit_conn_close(c, NETKIT_FOREVER), -EPIPE);
	ck_assert(nk_readable(cl, 5000));
	ck_assert_int_eq(recv(cl, &b, 1, 0), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	e = lt_next(&t, 5000);
	ck_assert_uint_eq(e.kind, NETKIT_LOOP_CLOSED);
	ck_assert_ptr_eq(e.conn, c);
	ck_assert_ptr_eq(e.data, &t);
	ck_assert_int_eq(e.err, -ECONNABORTED);
	ck_assert_int_eq(netkit_conn_fd(c), -1);
	lt_run(&t, 50);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_CLOSED], 1);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* abort(c, false): a normal end, and what was queued is dropped. */
START_TEST(abort_without_reset_drops_the_queue)
{
	netkit_loop_event e;
	netkit_conn *c;
	struct lt t;
	char b;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_conn_write(c, "dropped", 7), 0);
	ck_assert_int_eq(netkit_conn_abort(c, false), 0);
	ck_assert(nk_readable(cl, 5000));
	ck_assert_int_eq(recv(cl, &b, 1, 0), 0);
	e = lt_until(&t, NETKIT_LOOP_CLOSED, c, 5000);
	ck_assert_int_eq(e.err, -ECONNABORTED);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* The peer resets (SO_LINGER 0, then close): CLOSED with -ECONNRESET. */
START_TEST(peer_reset_closes_with_econnreset)
{
	netkit_loop_event e;
	netkit_conn *c;
	struct lt t;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	nk_set_linger_zero(cl);
	close(cl);
	e = lt_until(&t, NETKIT_LOOP_CLOSED, c, 5000);
	ck_assert_int_eq(e.err, -ECONNRESET);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_CLOSED], 1);
	lt_stop(&t);
}
END_TEST

/* Two connections' INPUT in one batch: aborting the second while
 * handling the first cancels its event (kind 0); its CLOSED comes at
 * the next wait. */
START_TEST(abort_in_a_batch_cancels_the_connections_later_events)
{
	netkit_conn *c[2], *other;
	int cl[2], j, k, n, tries = 0, in_batch;
	struct pollfd pf[2];
	netkit_loop_event e;
	struct lt t;

	lt_start(&t, NULL);
	for (j = 0; j < 2; j++)
		cl[j] = lt_accept(&t, &c[j]);
	lt_run(&t, 20);
	do {
		ck_assert_int_lt(tries++, 20);
		for (j = 0; j < 2; j++) {
			ck_assert_int_eq(send(cl[j], "x\n", 2, 0), 2);
			pf[j].fd = netkit_conn_fd(c[j]);
			pf[j].events = POLLIN;
		}
		/* Both server sockets readable before the wait. */
		while (poll(pf, 2, 5000) == 1 && !(pf[0].revents &&
						   pf[1].revents))
			;
		n = lt_wait(&t, 5000);
		in_batch = 0;
		for (k = 0; k < n; k++)
			in_batch += t.ev[k].kind == NETKIT_LOOP_INPUT;
	} while (in_batch < 2);
	for (k = 0; k < n && t.ev[k].kind != NETKIT_LOOP_INPUT; k++)
		;
	other = t.ev[k].conn == c[0] ? c[1] : c[0];
	ck_assert_int_eq(netkit_conn_abort(other, false), 0);
	for (k++; k < n; k++)
		ck_assert_msg(t.ev[k].conn != other || t.ev[k].kind == 0,
			      "event %u for the aborted connection in its batch",
			      t.ev[k].kind);
	t.i = n;
	e = lt_until(&t, NETKIT_LOOP_CLOSED, other, 5000);
	ck_assert_int_eq(e.err, -ECONNABORTED);
	close(cl[0]);
	close(cl[1]);
	lt_stop(&t);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("loop");

	NK_ADD_TEST(s, each_connection_opens_once_and_closes_once);
	NK_ADD_FAULT_TEST(s, partial_line_is_eagain_without_a_receive);
	NK_ADD_TEST(s, peer_end_reads_earlier_lines_then_zero);
	NK_ADD_FAULT_TEST(s, line_longer_than_input_size_is_etoolong);
	NK_ADD_FAULT_TEST(s, writes_leave_together_at_the_next_wait);
	NK_ADD_TEST(s, large_write_to_slow_reader_arrives_whole);
	NK_ADD_TEST(s, high_mark_and_hard_limit_are_exact);
	NK_ADD_TEST(s, drained_comes_when_the_client_reads_down_to_low);
	NK_ADD_TEST(s, client_that_never_reads_costs_at_most_output_max);
	NK_ADD_TEST(s, close_flushes_then_the_client_sees_eof);
	NK_ADD_TEST(s, abort_with_reset_resets_the_client);
	NK_ADD_TEST(s, abort_without_reset_drops_the_queue);
	NK_ADD_TEST(s, peer_reset_closes_with_econnreset);
	NK_ADD_TEST(s, abort_in_a_batch_cancels_the_connections_later_events);
	return s;
}
