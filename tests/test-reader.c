/* SPDX-License-Identifier: MIT */
/*
 * The buffered reader, lines and delimited records, over real loopback
 * TCP pairs (IPv4, IPv6) and AF_UNIX socketpairs (loop tests: _i = 0,
 * 1, 2); bad arguments. The system-call seam (lib/sys.h) records every
 * recv() the reader makes, to prove the buffer policy, and can cap what
 * recv() returns, to hand the reader a stream one byte at a time.
 * Exact counts and raw bytes: test-reader-bytes.c.
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
#include <unistd.h>

#include "reader-common.h"
#include "timing.h"

START_TEST(read_line_joins_lines_sent_one_byte_at_a_time)
{
	static const char text[] = "first line\nsecond\r\ntail";
	struct writer w = { .data = text, .len = sizeof(text) - 1,
			    .step = 1, .shut = true };
	unsigned char buf[64];
	netkit_reader r;
	nk_thread *t;
	char out[8];
	int a, b;

	PAIR_OR_SKIP(a, b);
	w.fd = a;
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	record_recv(&r, buf, sizeof(buf), 0);
	t = nk_spawn(writer_run, &w);
	expect_line(&r, "first line\n", 11);
	expect_line(&r, "second\r\n", 8);
	expect_line(&r, "tail", 4);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), NETKIT_NOW), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), NETKIT_NOW), 0);
	nk_join(t);
	ck_assert_int_eq(w.rc, (ssize_t)w.len);
	/* However the bytes came, every receive asked for all the room. */
	ck_assert_int_gt(rec.into_buf, 0);
	ck_assert_int_eq(rec.short_asks, 0);
	restore_sys();
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(read_line_assembles_a_line_from_one_byte_receives)
{
	unsigned char buf[32];
	netkit_reader r;
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "abc\ndef\n");
	ck_assert(nk_readable(b, 5000));
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	record_recv(&r, buf, sizeof(buf), 1);
	expect_line(&r, "abc\n", 4);
	/* One receive per byte, and none past the line's end. */
	ck_assert_int_eq(rec.calls, 4);
	expect_line(&r, "def\n", 4);
	ck_assert_int_eq(rec.calls, 8);
	restore_sys();
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(several_lines_in_one_segment_cost_one_receive)
{
	unsigned char buf[64];
	netkit_reader r;
	char out[16];
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "a\nbb\nccc\npar");
	ck_assert(nk_readable(b, 5000));
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	record_recv(&r, buf, sizeof(buf), 0);
	expect_line(&r, "a\n", 2);
	expect_line(&r, "bb\n", 3);
	expect_line(&r, "ccc\n", 4);
	ck_assert_int_eq(rec.calls, 1);
	/* The rest of the line has not come: deadline 0 tries once and
	 * says so, "par" moved to the front for a receive of all the
	 * room behind it. */
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), NETKIT_NOW),
			 -ETIMEDOUT);
	ck_assert_int_eq(rec.calls, 2);
	ck_assert_int_eq(rec.short_asks, 0);
	send_text(a, "t\n");
	expect_line(&r, "part\n", 5);
	ck_assert_int_eq(rec.short_asks, 0);
	restore_sys();
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(crlf_and_nul_bytes_are_kept_as_bytes)
{
	unsigned char buf[64];
	netkit_reader r;
	int a, b;

	PAIR_OR_SKIP(a, b);
	ck_assert_int_eq(netkit_send_all(a, "GET /\r\na\0b\n\r\n", 14), 14);
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	expect_line(&r, "GET /\r\n", 7);
	expect_line(&r, "a\0b\n", 4);
	expect_line(&r, "\r\n", 2);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(final_line_without_newline_then_zero)
{
	unsigned char buf[64];
	netkit_reader r;
	char out[16];
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "one\nlast");
	ck_assert_int_eq(netkit_shutdown(a, SHUT_WR), 0);
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	expect_line(&r, "one\n", 4);
	expect_line(&r, "last", 4);
	memset(out, SENTINEL, sizeof(out));
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), NETKIT_NOW), 0);
	ck_assert_str_eq(out, "");
	/* And so on: the end is remembered, with no more receives. */
	record_recv(&r, buf, sizeof(buf), 0);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out),
						 NETKIT_FOREVER), 0);
	ck_assert_int_eq(netkit_reader_read(&r, out, sizeof(out), NETKIT_NOW), 0);
	ck_assert_int_eq(netkit_reader_skip_line(&r, NETKIT_NOW), 0);
	ck_assert_int_eq(rec.calls, 0);
	restore_sys();
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(line_too_long_for_out_gives_etoolong_then_read_takes_it)
{
	unsigned char buf[64];
	char out[8], piece[7], line[32];
	size_t got = 0;
	netkit_reader r;
	ssize_t n;
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "0123456789abcdef\nabcdef\nxyz");
	ck_assert_int_eq(netkit_shutdown(a, SHUT_WR), 0);
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	memset(out, SENTINEL, sizeof(out));
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out),
		netkit_deadline_in(5000)), NETKIT_ETOOLONG);
	ck_assert_int_eq((unsigned char)out[0], SENTINEL);
	ck_assert_uint_ge(netkit_reader_buffered(&r, NULL), 17);
	/* Nothing consumed: the long line comes out in pieces. */
	while (got < 17) {
		n = netkit_reader_read(&r, piece, 17 - got < sizeof(piece) ?
				       17 - got : sizeof(piece), NETKIT_NOW);
		ck_assert_int_gt(n, 0);
		ck_assert_uint_le(got + (size_t)n, sizeof(line));
		memcpy(line + got, piece, (size_t)n);
		got += (size_t)n;
	}
	ck_assert_uint_eq(got, 17);
	ck_assert_mem_eq(line, "0123456789abcdef\n", 17);
	/* 7 bytes fit in 8 with the NUL; the last line too, at the end. */
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 7, NETKIT_NOW),
			 NETKIT_ETOOLONG);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 8, NETKIT_NOW), 7);
	ck_assert_str_eq(out, "abcdef\n");
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 3, NETKIT_NOW),
			 NETKIT_ETOOLONG);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 4, NETKIT_NOW), 3);
	ck_assert_str_eq(out, "xyz");
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(line_longer_than_buffer_gives_etoolong_then_skip_line)
{
	char text[200], out[256];
	unsigned char buf[16];
	netkit_reader r;
	int a, b;

	PAIR_OR_SKIP(a, b);
	memset(text, 'x', 100);
	memcpy(text + 100, "\nok\n", 5);
	send_text(a, text);
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out),
		netkit_deadline_in(5000)), NETKIT_ETOOLONG);
	ck_assert_uint_eq(netkit_reader_buffered(&r, NULL), sizeof(buf));
	ck_assert_int_eq(netkit_reader_skip_line(&r,
		netkit_deadline_in(5000)), 101);
	expect_line(&r, "ok\n", 3);
	/* A line that fills the buffer exactly, newline last, fits. */
	memset(text, 'y', 15);
	memcpy(text + 15, "\n", 2);
	send_text(a, text);
	expect_line(&r, text, 16);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(read_delim_splits_on_any_byte_value)
{
	unsigned char buf[32];
	netkit_reader r;
	char out[16];
	int a, b;

	PAIR_OR_SKIP(a, b);
	ck_assert_int_eq(netkit_send_all(a, "a\0b\xff" "c;", 6), 6);
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	ck_assert_int_eq(netkit_reader_read_delim(&r, -1, out, sizeof(out),
						  NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_delim(&r, 256, out, sizeof(out),
						  NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_delim(&r, 0, out, sizeof(out),
		netkit_deadline_in(5000)), 2);
	ck_assert_mem_eq(out, "a\0", 3);
	ck_assert_int_eq(netkit_reader_read_delim(&r, 0xff, out, sizeof(out),
		netkit_deadline_in(5000)), 2);
	ck_assert_mem_eq(out, "b\xff", 3);
	ck_assert_int_eq(netkit_reader_read_delim(&r, ';', out, sizeof(out),
		netkit_deadline_in(5000)), 2);
	ck_assert_str_eq(out, "c;");
	netkit_close(a);
	netkit_close(b);
}
END_TEST

NK_ON_TIME_TEST(read_line_times_out_on_silent_peer_and_keeps_partial_line)
{
	unsigned char buf[64];
	const void *data;
	netkit_reader r;
	netkit_deadline dl;
	int64_t t0, t1;
	char out[32];
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "partial");
	ck_assert(nk_readable(b, 5000));
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	t0 = netkit_now();
	dl = netkit_deadline_at(t0 + 200);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), dl),
			 -ETIMEDOUT);
	t1 = netkit_now();
	nk_assert_late("read_line", (double)(t1 - dl.at), 200);
	ck_assert_uint_eq(netkit_reader_buffered(&r, &data), 7);
	ck_assert_mem_eq(data, "partial", 7);
	/* A deadline already past tries once, without waiting. */
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), NETKIT_NOW),
			 -ETIMEDOUT);
	send_text(a, " done\n");
	expect_line(&r, "partial done\n", 13);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

/* Sends one byte, no newline, every 20 ms (pacing, not synchronising:
 * the test only needs bytes to keep coming), until told to stop or 100
 * bytes have gone. */
struct trickle {
	int fd;
	atomic_bool stop;
};

static void *
trickle_run(void *arg)
{
	struct trickle *t = arg;
	int i;

	for (i = 0; i < 100 && !atomic_load(&t->stop); i++) {
		if (netkit_send(t->fd, "x", 1) != 1)
			break;
		poll(NULL, 0, 20);
	}
	return NULL;
}

NK_ON_TIME_TEST(read_line_deadline_bounds_the_whole_call_while_bytes_trickle)
{
	struct trickle tr = { 0 };
	unsigned char buf[256];
	netkit_reader r;
	netkit_deadline dl;
	int64_t t1;
	char out[256];
	nk_thread *t;
	size_t n;
	int a, b;

	PAIR_OR_SKIP(a, b);
	tr.fd = a;
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	t = nk_spawn(trickle_run, &tr);
	dl = netkit_deadline_in(200);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), dl),
			 -ETIMEDOUT);
	t1 = netkit_now();
	atomic_store(&tr.stop, true);
	nk_join(t);
	nk_assert_late("read_line", (double)(t1 - dl.at), 200);
	/* Bytes came during the call, and none of them extended it (fewer
	 * than 2 in 200 ms is a starved peer, a late try). */
	n = netkit_reader_buffered(&r, NULL);
	if (n < 2)
		nk_late("only %zu trickled bytes in 200 ms", n);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(bad_inputs_give_their_codes_and_change_nothing)
{
	unsigned char buf[32], before[32];
	netkit_reader r, zero, copy;
	const void *data = &zero;
	char out[16];
	size_t got;
	int a, b;

	PAIR_OR_SKIP(a, b);
	memset(&r, SENTINEL, sizeof(r));
	memcpy(&copy, &r, sizeof(r));
	ck_assert_int_eq(netkit_reader_init(NULL, b, buf, 8), -EINVAL);
	ck_assert_int_eq(netkit_reader_init(&r, b, NULL, 8), -EINVAL);
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, 0), -EINVAL);
	ck_assert_int_eq(netkit_reader_init(&r, -1, buf, 8), -EBADF);
	ck_assert_int_eq(netkit_reader_alloc(NULL, b, 8), -EINVAL);
	ck_assert_int_eq(netkit_reader_alloc(&r, b, 0), -EINVAL);
	ck_assert_int_eq(netkit_reader_alloc(&r, -1, 8), -EBADF);
	ck_assert_mem_eq(&r, &copy, sizeof(r));

	/* NULL and zero-filled readers: -EINVAL everywhere. */
	memset(&zero, 0, sizeof(zero));
	ck_assert_int_eq(netkit_reader_read_line(NULL, out, 8, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_line(&zero, out, 8, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_exact(&zero, out, 8, &got, NETKIT_NOW),
			 -EINVAL);
	ck_assert_int_eq(netkit_reader_read(NULL, out, 8, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_skip_line(&zero, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_consume(NULL, 0), -EINVAL);
	ck_assert_uint_eq(netkit_reader_buffered(NULL, &data), 0);
	ck_assert_ptr_eq(data, &zero);
	ck_assert_uint_eq(netkit_reader_buffered(&zero, NULL), 0);
	netkit_reader_free(NULL);
	netkit_reader_free(&zero);

	/* A live reader with a line buffered keeps it through them all. */
	send_text(a, "abc\n");
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	ck_assert_int_eq(netkit_reader_read(&r, out, 1,
		netkit_deadline_in(5000)), 1);
	memcpy(before, buf, sizeof(buf));
	memset(out, SENTINEL, sizeof(out));
	ck_assert_int_eq(netkit_reader_read_line(&r, NULL, 8, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 0, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 8, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_delim(&r, 300, out, 8, NETKIT_NOW),
			 -EINVAL);
	got = 99;
	ck_assert_int_eq(netkit_reader_read_exact(&r, NULL, 2, &got, NETKIT_NOW),
			 -EINVAL);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(netkit_reader_read_exact(&r, out, 0, NULL, NETKIT_NOW),
			 -EINVAL);
	ck_assert_int_eq(netkit_reader_read_exact(&r, out, 2, NULL, netkit_deadline_at(-5)),
			 -EINVAL);
	ck_assert_int_eq(netkit_reader_read(&r, NULL, 2, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_read(&r, out, 0, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_reader_read(&r, out, 2, netkit_deadline_at(INT64_MIN)), -EINVAL);
	ck_assert_int_eq(netkit_reader_skip_line(&r, netkit_deadline_at(-3)), -EINVAL);
	ck_assert_int_eq(netkit_reader_consume(&r, 4), -EINVAL);
	ck_assert_int_eq((unsigned char)out[0], SENTINEL);
	ck_assert_mem_eq(buf, before, sizeof(buf));
	ck_assert_uint_eq(netkit_reader_buffered(&r, NULL), 3);
	expect_line(&r, "bc\n", 3);

	/* After free, a reader is empty: -EINVAL again, twice freed ok. */
	netkit_reader_free(&r);
	ck_assert_int_eq(netkit_reader_read(&r, out, 8, NETKIT_NOW), -EINVAL);
	netkit_reader_free(&r);
	ck_assert_int_eq(netkit_reader_alloc(&r, b, 16), 0);
	netkit_reader_free(&r);
	netkit_reader_free(&r);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("reader");

	NK_ADD_TEST_ALL_KINDS(s,
		read_line_joins_lines_sent_one_byte_at_a_time);
	NK_ADD_TEST_ALL_KINDS(s,
		read_line_assembles_a_line_from_one_byte_receives);
	NK_ADD_TEST_ALL_KINDS(s,
		several_lines_in_one_segment_cost_one_receive);
	NK_ADD_TEST_ALL_KINDS(s, crlf_and_nul_bytes_are_kept_as_bytes);
	NK_ADD_TEST_ALL_KINDS(s, final_line_without_newline_then_zero);
	NK_ADD_TEST_ALL_KINDS(s,
		line_too_long_for_out_gives_etoolong_then_read_takes_it);
	NK_ADD_TEST_ALL_KINDS(s,
		line_longer_than_buffer_gives_etoolong_then_skip_line);
	NK_ADD_TEST_ALL_KINDS(s, read_delim_splits_on_any_byte_value);
	NK_ADD_TEST_ALL_KINDS(s,
		read_line_times_out_on_silent_peer_and_keeps_partial_line);
	NK_ADD_TEST_ALL_KINDS(s,
		read_line_deadline_bounds_the_whole_call_while_bytes_trickle);
	NK_ADD_TEST(s, bad_inputs_give_their_codes_and_change_nothing);
	return s;
}
