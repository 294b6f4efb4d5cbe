/* SPDX-License-Identifier: MIT */
/*
 * The buffered reader, exact counts and raw bytes: read_exact(), read(),
 * buffered() and consume(), over real loopback TCP pairs (IPv4, IPv6)
 * and AF_UNIX socketpairs (loop tests: _i = 0, 1, 2); timeouts,
 * non-blocking descriptors, resets, and allocation. Lines:
 * test-reader.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "reader-common.h"
#include "timing.h"

#define BIG (4u * 1024 * 1024)

/* Allocation counter: this executable's malloc, calloc and realloc win
 * over libc's for the whole process and forward to glibc's own entry
 * points (free stays libc's: same allocator). Not built under a
 * sanitizer, whose allocator must see every call itself, nor where libc
 * has no such entry points (musl). */
#if NK_SANITIZED
#define NK_COUNT_MALLOC 0
#define NK_NO_COUNT_WHY "no malloc counter under a sanitizer"
#elif !defined(HAVE___LIBC_MALLOC)
#define NK_COUNT_MALLOC 0
#define NK_NO_COUNT_WHY "no malloc counter: no __libc_malloc to forward " \
	"to (glibc has it, musl not)"
#else
#define NK_COUNT_MALLOC 1
#endif

#if NK_COUNT_MALLOC
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
static atomic_long nk_allocs;
static atomic_bool nk_fail_allocs;

void *
malloc(size_t n)
{
	atomic_fetch_add(&nk_allocs, 1);
	return atomic_load(&nk_fail_allocs) ? NULL : __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	atomic_fetch_add(&nk_allocs, 1);
	return atomic_load(&nk_fail_allocs) ? NULL : __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	atomic_fetch_add(&nk_allocs, 1);
	return atomic_load(&nk_fail_allocs) ? NULL : __libc_realloc(p, n);
}
#endif

static uint32_t
checksum(const unsigned char *p, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

START_TEST(read_exact_4_mib_body_across_buffer_and_socket)
{
	static const char head[] = "LEN 4194304\n", tail[] = "END\n";
	size_t total = sizeof(head) - 1 + BIG + sizeof(tail) - 1, got = 0, i;
	unsigned char buf[4096], *msg, *body;
	struct writer w = { 0 };
	netkit_reader r;
	nk_thread *t;
	int a, b;

	PAIR_OR_SKIP(a, b);
	msg = malloc(total);
	body = malloc(BIG);
	ck_assert(msg && body);
	memcpy(msg, head, sizeof(head) - 1);
	for (i = 0; i < BIG; i++)
		msg[sizeof(head) - 1 + i] =
			(unsigned char)((i * 2654435761u) >> 13);
	memcpy(msg + sizeof(head) - 1 + BIG, tail, sizeof(tail) - 1);
	w = (struct writer){ .fd = a, .data = msg, .len = total, .shut = true };
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	record_recv(&r, buf, sizeof(buf), 0);
	t = nk_spawn(writer_run, &w);
	expect_line(&r, head, sizeof(head) - 1);
	ck_assert_int_eq(netkit_reader_read_exact(&r, body, BIG, &got,
		netkit_deadline_in(20000)), (ssize_t)BIG);
	ck_assert_uint_eq(got, BIG);
	ck_assert_uint_eq(checksum(body, BIG),
			  checksum(msg + sizeof(head) - 1, BIG));
	ck_assert_mem_eq(body, msg + sizeof(head) - 1, BIG);
	/* Only what the first receive brought went through the buffer. */
	ck_assert_uint_ge(rec.direct_bytes, BIG - sizeof(buf));
	ck_assert_int_eq(rec.short_asks, 0);
	expect_line(&r, tail, sizeof(tail) - 1);
	expect_line(&r, "", 0);
	nk_join(t);
	ck_assert_int_eq(w.rc, (ssize_t)total);
	restore_sys();
	free(msg);
	free(body);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(buffered_and_consume_then_raw_recv_gets_the_rest)
{
	static const char rest[] = "raw-bytes-0123456789";
	unsigned char buf[64];
	char got[64];
	const void *data = NULL;
	size_t n, off;
	netkit_reader r;
	ssize_t m;
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "HDR\nraw-bytes-0123456789");
	ck_assert_int_eq(netkit_shutdown(a, SHUT_WR), 0);
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	expect_line(&r, "HDR\n", 4);
	n = netkit_reader_buffered(&r, &data);
	ck_assert_uint_le(n, sizeof(rest) - 1);
	if (n > 0)
		ck_assert_mem_eq(data, rest, n);
	ck_assert_int_eq(netkit_reader_consume(&r, n + 1), -EINVAL);
	ck_assert_uint_eq(netkit_reader_buffered(&r, NULL), n);
	ck_assert_int_eq(netkit_reader_consume(&r, n), 0);
	ck_assert_uint_eq(netkit_reader_buffered(&r, &data), 0);
	ck_assert_ptr_null(data);
	/* The reader took nothing more: raw receives get the rest. */
	memcpy(got, rest, n);
	off = n;
	while ((m = netkit_recv(b, got + off, sizeof(got) - off)) > 0)
		off += (size_t)m;
	ck_assert_int_eq(m, 0);
	ck_assert_uint_eq(off, sizeof(rest) - 1);
	ck_assert_mem_eq(got, rest, off);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

/* Never early (the upper bound of a timed call is test-reader.c's and
 * test-deadline.c's concern). */
START_TEST(read_exact_and_skip_line_time_out_then_resume)
{
	unsigned char buf[64];
	char out[16];
	netkit_reader r;
	size_t got = 99;
	netkit_deadline dl;
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "abc");
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	dl = netkit_deadline_in(50);
	ck_assert_int_eq(netkit_reader_read_exact(&r, out, 10, &got, dl),
			 -ETIMEDOUT);
	ck_assert_int_ge(netkit_now(), dl.at);
	ck_assert_uint_eq(got, 3);
	ck_assert_mem_eq(out, "abc", 3);
	send_text(a, "defghij");
	ck_assert_int_eq(netkit_reader_read_exact(&r, out + got, 10 - got, &got,
		netkit_deadline_in(5000)), 7);
	ck_assert_uint_eq(got, 7);
	ck_assert_mem_eq(out, "abcdefghij", 10);
	/* skip_line: what it discarded stays discarded, it goes on. */
	send_text(a, "junk");
	ck_assert_int_eq(netkit_reader_skip_line(&r,
		netkit_deadline_in(50)), -ETIMEDOUT);
	send_text(a, "more junk\nnext\n");
	ck_assert_int_gt(netkit_reader_skip_line(&r,
		netkit_deadline_in(5000)), 0);
	expect_line(&r, "next\n", 5);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(nonblocking_descriptor_works_and_keeps_its_flag)
{
	static const char text[] = "slow line\n";
	struct writer w = { .data = text, .len = sizeof(text) - 1,
			    .step = 1 };
	unsigned char buf[64];
	netkit_reader r;
	char out[32];
	nk_thread *t;
	int a, b, flags;

	PAIR_OR_SKIP(a, b);
	flags = fcntl(b, F_GETFL);
	ck_assert_int_ge(flags, 0);
	ck_assert_int_eq(fcntl(b, F_SETFL, flags | O_NONBLOCK), 0);
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	/* Nothing there: a timeout, never -EAGAIN. */
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), NETKIT_NOW),
			 -ETIMEDOUT);
	ck_assert_int_eq(netkit_reader_read(&r, out, sizeof(out),
		netkit_deadline_in(20)), -ETIMEDOUT);
	w.fd = a;
	t = nk_spawn(writer_run, &w);
	expect_line(&r, text, sizeof(text) - 1);
	nk_join(t);
	ck_assert_int_eq(fcntl(b, F_GETFL), flags | O_NONBLOCK);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(init_with_caller_buffer_allocates_nothing)
{
#if NK_COUNT_MALLOC
	unsigned char buf[32];
	netkit_reader r, r2;
	long before, after, allocs;
	ssize_t rc[6];
	char out[16];
	size_t got;
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "one\ntwo\nthree four\n");
	/* No Check assertion between the counts: Check allocates in
	 * every one (to report the location to its parent). */
	before = atomic_load(&nk_allocs);
	rc[0] = netkit_reader_init(&r, b, buf, sizeof(buf));
	rc[1] = netkit_reader_read_line(&r, out, sizeof(out),
					netkit_deadline_in(5000));
	rc[2] = netkit_reader_read_exact(&r, out, 4,
					 &got, netkit_deadline_in(5000));
	rc[3] = netkit_reader_read(&r, out, 3, NETKIT_NOW);
	rc[4] = netkit_reader_skip_line(&r, NETKIT_NOW);
	netkit_reader_free(&r);
	after = atomic_load(&nk_allocs);
	rc[5] = netkit_reader_alloc(&r2, b, 64);
	allocs = atomic_load(&nk_allocs) - after;
	netkit_reader_free(&r2);
	ck_assert_int_eq(rc[0], 0);
	ck_assert_int_eq(rc[1], 4);
	ck_assert_int_eq(rc[2], 4);
	ck_assert_int_eq(rc[3], 3);
	ck_assert_int_eq(rc[4], 8);
	ck_assert_int_eq(after, before);
	/* The counter is real: _alloc is seen allocating, once. */
	ck_assert_int_eq(rc[5], 0);
	ck_assert_int_eq(allocs, 1);
	/* And its failure is -ENOMEM with the reader untouched. */
	memset(&r2, SENTINEL, sizeof(r2));
	atomic_store(&nk_fail_allocs, true);
	rc[0] = netkit_reader_alloc(&r2, b, 64);
	atomic_store(&nk_fail_allocs, false);
	ck_assert_int_eq(rc[0], -ENOMEM);
	memset(&r, SENTINEL, sizeof(r));
	ck_assert_mem_eq(&r2, &r, sizeof(r));
	netkit_close(a);
	netkit_close(b);
#else
	nk_skip(_i, NK_NO_COUNT_WHY);
#endif
}
END_TEST

START_TEST(read_returns_buffered_bytes_first_then_one_receive)
{
	unsigned char buf[16], big[64];
	netkit_reader r;
	char out[8];
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "ab\ncdef");
	ck_assert(nk_readable(b, 5000));
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	expect_line(&r, "ab\n", 3);
	send_text(a, "ghij");
	ck_assert(nk_readable(b, 5000));
	record_recv(&r, buf, sizeof(buf), 0);
	/* What is buffered comes out alone, with no receive. */
	ck_assert_int_eq(netkit_reader_read(&r, out, sizeof(out), NETKIT_NOW), 4);
	ck_assert_mem_eq(out, "cdef", 4);
	ck_assert_int_eq(rec.calls, 0);
	/* Then one receive, straight into a caller's buffer this large. */
	ck_assert_int_eq(netkit_reader_read(&r, big, sizeof(big),
		netkit_deadline_in(5000)), 4);
	ck_assert_mem_eq(big, "ghij", 4);
	ck_assert_int_eq(rec.calls, 1);
	ck_assert_int_eq(rec.into_buf, 0);
	restore_sys();
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(peer_reset_mid_line_gives_econnreset_and_keeps_bytes)
{
	unsigned char buf[64];
	const void *data;
	netkit_reader r;
	char out[32];
	int family, a, b;

	FAMILY_OR_SKIP(family);
	nk_tcp_pair(family, &a, &b);
	send_text(a, "half a li");
	ck_assert(nk_readable(b, 5000));
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), NETKIT_NOW),
			 -ETIMEDOUT);
	nk_set_linger_zero(a);
	ck_assert_int_eq(netkit_close(a), 0);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out),
		netkit_deadline_in(5000)), -ECONNRESET);
	ck_assert_uint_eq(netkit_reader_buffered(&r, &data), 9);
	ck_assert_mem_eq(data, "half a li", 9);
	ck_assert_int_eq(netkit_reader_read(&r, out, sizeof(out), NETKIT_NOW), 9);
	ck_assert_mem_eq(out, "half a li", 9);
	netkit_close(b);
}
END_TEST

START_TEST(read_exact_returns_short_count_at_end_of_stream)
{
	unsigned char buf[8], out[64];
	netkit_reader r;
	size_t got = 99;
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "0123456789abcdefghij");
	ck_assert_int_eq(netkit_shutdown(a, SHUT_WR), 0);
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	/* Through the buffer (3 < 8 bytes), then straight (40 >= 8). */
	ck_assert_int_eq(netkit_reader_read_exact(&r, out, 3, &got,
		netkit_deadline_in(5000)), 3);
	ck_assert_uint_eq(got, 3);
	ck_assert_int_eq(netkit_reader_read_exact(&r, out + 3, 40, &got,
		netkit_deadline_in(5000)), 17);
	ck_assert_uint_eq(got, 17);
	ck_assert_mem_eq(out, "0123456789abcdefghij", 20);
	ck_assert_int_eq(netkit_reader_read_exact(&r, out, 4, &got, NETKIT_NOW), 0);
	ck_assert_uint_eq(got, 0);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(read_exact_read_and_skip_line_report_peer_reset)
{
	unsigned char buf[16], out[64];
	int family, a, b, i;
	netkit_reader r;
	size_t got = 99;
	ssize_t rc[3];

	FAMILY_OR_SKIP(family);
	for (i = 0; i < 3; i++) {
		nk_tcp_pair(family, &a, &b);
		send_text(a, "abcd");
		ck_assert(nk_readable(b, 5000));
		ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)),
				 0);
		/* "abcd" buffered; for read(), which would return it,
		 * discarded. */
		if (i == 1)
			rc[i] = netkit_reader_skip_line(&r, NETKIT_NOW);
		else
			rc[i] = netkit_reader_read_line(&r, (char *)out,
							sizeof(out), NETKIT_NOW);
		ck_assert_int_eq(rc[i], -ETIMEDOUT);
		nk_set_linger_zero(a);
		ck_assert_int_eq(netkit_close(a), 0);
		ck_assert(nk_readable(b, 5000));
		if (i == 0)
			rc[i] = netkit_reader_read_exact(&r, out, 32, &got,
				netkit_deadline_in(5000));
		else if (i == 1)
			rc[i] = netkit_reader_read(&r, out, 32,
				netkit_deadline_in(5000));
		else
			rc[i] = netkit_reader_skip_line(&r,
				netkit_deadline_in(5000));
		ck_assert_int_eq(rc[i], -ECONNRESET);
		netkit_close(b);
	}
	/* read_exact() took the 4 bytes buffered before the reset. */
	ck_assert_uint_eq(got, 4);
	ck_assert_mem_eq(out, "abcd", 4);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("reader-bytes");

	NK_ADD_TEST_ALL_KINDS(s,
		read_exact_4_mib_body_across_buffer_and_socket);
	NK_ADD_TEST_ALL_KINDS(s,
		buffered_and_consume_then_raw_recv_gets_the_rest);
	NK_ADD_TEST_ALL_KINDS(s, read_exact_and_skip_line_time_out_then_resume);
	NK_ADD_TEST_ALL_KINDS(s,
		nonblocking_descriptor_works_and_keeps_its_flag);
	NK_ADD_TEST_ALL_KINDS(s,
		read_returns_buffered_bytes_first_then_one_receive);
	NK_ADD_TEST(s, init_with_caller_buffer_allocates_nothing);
	NK_ADD_TEST_V4_V6(s,
		peer_reset_mid_line_gives_econnreset_and_keeps_bytes);
	NK_ADD_TEST_ALL_KINDS(s,
		read_exact_returns_short_count_at_end_of_stream);
	NK_ADD_TEST_V4_V6(s, read_exact_read_and_skip_line_report_peer_reset);
	return s;
}
