/* SPDX-License-Identifier: MIT */
/*
 * Shared by the reader's test files: the recv() recorder on the
 * system-call seam, the three kinds of stream pair, and a writer thread.
 * Everything is static: each test executable has its own copy.
 */
#ifndef NETKIT_TEST_READER_COMMON_H
#define NETKIT_TEST_READER_COMMON_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "sys.h"
#include "helpers.h"

/* What the reader asked recv() for. Only the reading thread calls
 * recv(); the table is rewritten before any helper thread starts. */
static struct {
	const unsigned char *buf;	/* the reader's (caller) buffer */
	size_t size;
	const netkit_reader *r;
	size_t cap;			/* > 0: recv() returns at most cap */
	int calls;
	int into_buf;			/* receives into the buffer */
	int short_asks;			/* ...asking for less room */
	size_t direct_bytes;		/* received outside the buffer */
} rec;

static inline ssize_t
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
static inline void
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

static inline void
restore_sys(void)
{
	netkit__sys = netkit__sys_default;
}

/* _i = 0: TCP over 127.0.0.1; 1: TCP over ::1; 2: a socketpair. False,
 * after a SKIP message, when ::1 is unavailable. */
static inline bool
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
/* A test over the three kinds as three tests: <test>_v4, <test>_v6 and
 * <test>_unix (see NK_ADD_TEST_V4_V6). */
#define NK_ADD_TEST_ALL_KINDS(s, t) \
	do { \
		NK_ADD_TEST_V4_V6((s), t); \
		suite_add_tcase((s), nk_tcase_part((t), "_unix", 2, 3)); \
	} while (0)

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

static inline void *
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

static inline void
send_text(int fd, const char *text)
{
	size_t n = strlen(text);

	ck_assert_int_eq(netkit_send_all(fd, text, n), (ssize_t)n);
}

/* Reads a line (5 s at most) and expects exactly want. */
static inline void
expect_line(netkit_reader *r, const char *want, size_t want_len)
{
	char out[256];

	ck_assert_int_eq(netkit_reader_read_line(r, out, sizeof(out),
		netkit_deadline_in(5000)), (ssize_t)want_len);
	ck_assert_mem_eq(out, want, want_len);
	ck_assert_int_eq(out[want_len], '\0');
}

#endif
