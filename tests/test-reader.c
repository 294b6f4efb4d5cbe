/*
 * The buffered reader over real loopback TCP pairs (IPv4, IPv6) and
 * AF_UNIX socketpairs (loop tests: _i = 0, 1, 2). The system-call seam
 * (lib/sys.h) records every recv() the reader makes, to prove the
 * buffer policy, and can cap what recv() returns, to hand the reader a
 * stream one byte at a time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NETKIT_SEAM 1
#include "sys.h"
#include "helpers.h"

#define BIG (4u * 1024 * 1024)

/* Allocation counter: this executable's malloc, calloc and realloc win
 * over libc's for the whole process and forward to glibc's own entry
 * points (free stays libc's: same allocator). Not built under a
 * sanitizer, whose allocator must see every call itself. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NK_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define NK_COUNT_MALLOC 0
#endif
#endif
#ifndef NK_COUNT_MALLOC
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

/* What the reader asked recv() for. Only the reading thread calls
 * recv(); the table is rewritten before any helper thread starts. */
static struct {
	const unsigned char *buf;	/* the reader's (caller) buffer */
	size_t size;
	const netkit_reader *r;
	size_t cap;			/* > 0: recv() returns at most cap */
	int calls;
	int into_buf;			/* receives into the reader's buffer */
	int short_asks;			/* ...asking less than all its room */
	size_t direct_bytes;		/* received outside the buffer */
} rec;

static ssize_t
rec_recv(int fd, void *buf, size_t len, int flags)
{
	const unsigned char *p = buf;
	size_t held;
	ssize_t n;

	rec.calls++;
	if (rec.r && p >= rec.buf && p < rec.buf + rec.size) {
		/* The unread bytes must sit at the front, the receive
		 * right after them, asking for all the rest. */
		held = netkit_reader_buffered(rec.r, NULL);
		rec.into_buf++;
		if (p != rec.buf + held || len != rec.size - held)
			rec.short_asks++;
	}
	n = netkit__sys_default.recv(fd, buf,
				     rec.cap && len > rec.cap ? rec.cap : len,
				     flags);
	if (n > 0 && rec.r && !(p >= rec.buf && p < rec.buf + rec.size))
		rec.direct_bytes += (size_t)n;
	return n;
}

/* Records the receives of r (may be NULL) over buf[size]. */
static void
record_recv(const netkit_reader *r, const void *buf, size_t size,
	    size_t cap)
{
	memset(&rec, 0, sizeof(rec));
	rec.r = r;
	rec.buf = buf;
	rec.size = size;
	rec.cap = cap;
	netkit__sys.recv = rec_recv;
}

static void
restore_sys(void)
{
	netkit__sys = netkit__sys_default;
}

/* _i = 0: TCP over 127.0.0.1; 1: TCP over ::1; 2: a socketpair. False,
 * after a SKIP message, when ::1 is unavailable. */
static bool
stream_pair(int i, const char *test, int *a, int *b)
{
	int sv[2], family;

	if (i == 2) {
		ck_assert_int_eq(socketpair(AF_UNIX,
			SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		*a = sv[0];
		*b = sv[1];
		return true;
	}
	family = nk_test_family(i, test);
	if (family < 0)
		return false;
	nk_tcp_pair(family, a, b);
	return true;
}
#define PAIR_OR_SKIP(a, b) \
	do { \
		if (!stream_pair(_i, __func__, &(a), &(b))) \
			return; \
	} while (0)
#define NK_ADD_TEST_ALL_KINDS(s, t) \
	suite_add_tcase((s), nk_tcase_with(#t, (t), 3))

/* Sends data in steps of step bytes (0: all at once), then half-closes
 * if asked. */
struct writer {
	int fd;
	const void *data;
	size_t len;
	size_t step;
	bool shut;
	ssize_t rc;
};

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	const char *p = w->data;
	size_t off = 0, n;
	ssize_t rc = 0;
	int one = 1;

	/* Each byte its own segment, where the socket is TCP. */
	(void)setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (off < w->len && rc >= 0) {
		n = w->step && w->step < w->len - off ? w->step : w->len - off;
		rc = netkit_send_all(w->fd, p + off, n);
		off += rc >= 0 ? n : 0;
	}
	w->rc = rc < 0 ? rc : (ssize_t)off;
	if (w->shut)
		netkit_shutdown(w->fd, SHUT_WR);
	return NULL;
}

static void
send_text(int fd, const char *text)
{
	size_t n = strlen(text);

	ck_assert_int_eq(netkit_send_all(fd, text, n), (ssize_t)n);
}

/* Reads a line (5 s at most) and expects exactly want. */
static void
expect_line(netkit_reader *r, const char *want, size_t want_len)
{
	char out[256];

	ck_assert_int_eq(netkit_reader_read_line(r, out, sizeof(out),
		netkit_deadline_in(5000)), (ssize_t)want_len);
	ck_assert_mem_eq(out, want, want_len);
	ck_assert_int_eq(out[want_len], '\0');
}

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
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), 0), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), 0), 0);
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
	send_text(a, "a\nbb\nccc\n");
	ck_assert(nk_readable(b, 5000));
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	record_recv(&r, buf, sizeof(buf), 0);
	expect_line(&r, "a\n", 2);
	expect_line(&r, "bb\n", 3);
	expect_line(&r, "ccc\n", 4);
	ck_assert_int_eq(rec.calls, 1);
	/* Nothing more: deadline 0 tries once and says so. */
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), 0),
			 -ETIMEDOUT);
	ck_assert_int_eq(rec.calls, 2);
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
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), 0), 0);
	ck_assert_str_eq(out, "");
	/* And so on: the end is remembered, with no more receives. */
	record_recv(&r, buf, sizeof(buf), 0);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out),
						 NETKIT_FOREVER), 0);
	ck_assert_int_eq(netkit_reader_read(&r, out, sizeof(out), 0), 0);
	ck_assert_int_eq(netkit_reader_skip_line(&r, 0), 0);
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
				       17 - got : sizeof(piece), 0);
		ck_assert_int_gt(n, 0);
		ck_assert_uint_le(got + (size_t)n, sizeof(line));
		memcpy(line + got, piece, (size_t)n);
		got += (size_t)n;
	}
	ck_assert_uint_eq(got, 17);
	ck_assert_mem_eq(line, "0123456789abcdef\n", 17);
	/* 7 bytes fit in 8 with the NUL; the last line too, at the end. */
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 7, 0),
			 NETKIT_ETOOLONG);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 8, 0), 7);
	ck_assert_str_eq(out, "abcdef\n");
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 3, 0),
			 NETKIT_ETOOLONG);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 4, 0), 3);
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
						  0), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_delim(&r, 256, out, sizeof(out),
						  0), -EINVAL);
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
	ck_assert_int_eq(netkit_reader_read_exact(&r, body, BIG,
		netkit_deadline_in(20000), &got), (ssize_t)BIG);
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

/* Lateness allowed to a timed call: 10% plus 25 ms, scaled by
 * CK_TIMEOUT_MULTIPLIER; none checked under valgrind. */
static bool
late_ok(int64_t late, int64_t ms)
{
	const char *pre = getenv("LD_PRELOAD");
	const char *mul = getenv("CK_TIMEOUT_MULTIPLIER");
	int64_t allowed = ms / 10 + 25;

	if (pre && strstr(pre, "vgpreload"))
		return true;
	if (mul && atoi(mul) > 1)
		allowed *= atoi(mul);
	return late <= allowed;
}

START_TEST(read_line_times_out_on_silent_peer_and_keeps_partial_line)
{
	unsigned char buf[64];
	const void *data;
	netkit_reader r;
	int64_t t0, dl, t1;
	char out[32];
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "partial");
	ck_assert(nk_readable(b, 5000));
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	t0 = netkit_now();
	dl = t0 + 200;
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), dl),
			 -ETIMEDOUT);
	t1 = netkit_now();
	ck_assert_msg(t1 >= dl, "returned %lld ms early", (long long)(dl - t1));
	ck_assert_msg(late_ok(t1 - dl, 200), "returned %lld ms late",
		      (long long)(t1 - dl));
	ck_assert_uint_eq(netkit_reader_buffered(&r, &data), 7);
	ck_assert_mem_eq(data, "partial", 7);
	/* A deadline already past tries once, without waiting. */
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), 0),
			 -ETIMEDOUT);
	send_text(a, " done\n");
	expect_line(&r, "partial done\n", 13);
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(read_exact_and_skip_line_time_out_then_resume)
{
	unsigned char buf[64];
	char out[16];
	netkit_reader r;
	size_t got = 99;
	int64_t dl;
	int a, b;

	PAIR_OR_SKIP(a, b);
	send_text(a, "abc");
	ck_assert_int_eq(netkit_reader_init(&r, b, buf, sizeof(buf)), 0);
	dl = netkit_deadline_in(50);
	ck_assert_int_eq(netkit_reader_read_exact(&r, out, 10, dl, &got),
			 -ETIMEDOUT);
	ck_assert_int_ge(netkit_now(), dl);
	ck_assert_uint_eq(got, 3);
	ck_assert_mem_eq(out, "abc", 3);
	send_text(a, "defghij");
	ck_assert_int_eq(netkit_reader_read_exact(&r, out + got, 10 - got,
		netkit_deadline_in(5000), &got), 7);
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
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), 0),
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
	rc[2] = netkit_reader_read_exact(&r, out, 4, netkit_deadline_in(5000),
					 &got);
	rc[3] = netkit_reader_read(&r, out, 3, 0);
	rc[4] = netkit_reader_skip_line(&r, 0);
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
	fprintf(stderr, "SKIP init_with_caller_buffer_allocates_nothing: "
		"no malloc counter under a sanitizer\n");
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
	ck_assert_int_eq(netkit_reader_read(&r, out, sizeof(out), 0), 4);
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
	ck_assert_int_eq(netkit_reader_read_line(NULL, out, 8, 0), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_line(&zero, out, 8, 0), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_exact(&zero, out, 8, 0, &got),
			 -EINVAL);
	ck_assert_int_eq(netkit_reader_read(NULL, out, 8, 0), -EINVAL);
	ck_assert_int_eq(netkit_reader_skip_line(&zero, 0), -EINVAL);
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
	ck_assert_int_eq(netkit_reader_read_line(&r, NULL, 8, 0), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 0, 0), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, 8, -2), -EINVAL);
	ck_assert_int_eq(netkit_reader_read_delim(&r, 300, out, 8, 0),
			 -EINVAL);
	got = 99;
	ck_assert_int_eq(netkit_reader_read_exact(&r, NULL, 2, 0, &got),
			 -EINVAL);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(netkit_reader_read_exact(&r, out, 0, 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(netkit_reader_read_exact(&r, out, 2, -5, NULL),
			 -EINVAL);
	ck_assert_int_eq(netkit_reader_read(&r, NULL, 2, 0), -EINVAL);
	ck_assert_int_eq(netkit_reader_read(&r, out, 0, 0), -EINVAL);
	ck_assert_int_eq(netkit_reader_read(&r, out, 2, INT64_MIN), -EINVAL);
	ck_assert_int_eq(netkit_reader_skip_line(&r, -3), -EINVAL);
	ck_assert_int_eq(netkit_reader_consume(&r, 4), -EINVAL);
	ck_assert_int_eq((unsigned char)out[0], SENTINEL);
	ck_assert_mem_eq(buf, before, sizeof(buf));
	ck_assert_uint_eq(netkit_reader_buffered(&r, NULL), 3);
	expect_line(&r, "bc\n", 3);

	/* After free, a reader is empty: -EINVAL again, twice freed ok. */
	netkit_reader_free(&r);
	ck_assert_int_eq(netkit_reader_read(&r, out, 8, 0), -EINVAL);
	netkit_reader_free(&r);
	ck_assert_int_eq(netkit_reader_alloc(&r, b, 16), 0);
	netkit_reader_free(&r);
	netkit_reader_free(&r);
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
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out), 0),
			 -ETIMEDOUT);
	nk_set_linger_zero(a);
	ck_assert_int_eq(netkit_close(a), 0);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out),
		netkit_deadline_in(5000)), -ECONNRESET);
	ck_assert_uint_eq(netkit_reader_buffered(&r, &data), 9);
	ck_assert_mem_eq(data, "half a li", 9);
	ck_assert_int_eq(netkit_reader_read(&r, out, sizeof(out), 0), 9);
	ck_assert_mem_eq(out, "half a li", 9);
	netkit_close(b);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("reader");

	NK_ADD_TEST_ALL_KINDS(s, read_line_joins_lines_sent_one_byte_at_a_time);
	NK_ADD_TEST_ALL_KINDS(s,
		read_line_assembles_a_line_from_one_byte_receives);
	NK_ADD_TEST_ALL_KINDS(s, several_lines_in_one_segment_cost_one_receive);
	NK_ADD_TEST_ALL_KINDS(s, crlf_and_nul_bytes_are_kept_as_bytes);
	NK_ADD_TEST_ALL_KINDS(s, final_line_without_newline_then_zero);
	NK_ADD_TEST_ALL_KINDS(s,
		line_too_long_for_out_gives_etoolong_then_read_takes_it);
	NK_ADD_TEST_ALL_KINDS(s,
		line_longer_than_buffer_gives_etoolong_then_skip_line);
	NK_ADD_TEST_ALL_KINDS(s, read_delim_splits_on_any_byte_value);
	NK_ADD_TEST_ALL_KINDS(s,
		read_exact_4_mib_body_across_buffer_and_socket);
	NK_ADD_TEST_ALL_KINDS(s,
		buffered_and_consume_then_raw_recv_gets_the_rest);
	NK_ADD_TEST_ALL_KINDS(s,
		read_line_times_out_on_silent_peer_and_keeps_partial_line);
	NK_ADD_TEST_ALL_KINDS(s, read_exact_and_skip_line_time_out_then_resume);
	NK_ADD_TEST_ALL_KINDS(s, nonblocking_descriptor_works_and_keeps_its_flag);
	NK_ADD_TEST_ALL_KINDS(s,
		read_returns_buffered_bytes_first_then_one_receive);
	NK_ADD_TEST(s, init_with_caller_buffer_allocates_nothing);
	NK_ADD_TEST(s, bad_inputs_give_their_codes_and_change_nothing);
	NK_ADD_TEST_V4_V6(s, peer_reset_mid_line_gives_econnreset_and_keeps_bytes);
	return s;
}
