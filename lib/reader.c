/* SPDX-License-Identifier: MIT */
/*
 * The buffered reader: lines, delimited records and exact counts over a
 * stream descriptor, through one buffer.
 *
 * The unread bytes are buf[start, end). Every receive goes to
 * buf[end, size) and asks for all of it. The unread bytes move to the
 * front only just before a receive, and only when they do not already
 * start there (an empty buffer just resets both offsets), so a byte is
 * moved at most once between its arrival and its consumption. A record
 * is scanned for its delimiter once: `scanned` remembers how many
 * unread bytes are known not to hold `scan_delim`, and each later scan
 * starts after them.
 *
 * All receiving goes through netkit_recv_until() and
 * netkit_recv_exact_until() (fd.c's waits): MSG_DONTWAIT plus poll(), so
 * the descriptor's mode is never touched, and one deadline bounds a
 * call: after its first receive, a call looks at the clock before each
 * next one, so a peer that keeps sending cannot keep it going.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>

#include "netkit-private.h"

/* A reader set up by netkit_reader_init() or _alloc(), not yet freed;
 * the offsets are checked too, so a garbled reader is refused rather
 * than read past its buffer. */
static bool
reader_ok(const netkit_reader *r)
{
	return r && r->buf && r->size > 0 && r->start <= r->end &&
	       r->end <= r->size;
}

static size_t
pending(const netkit_reader *r)
{
	return r->end - r->start;
}

/* Drops n <= pending() unread bytes. */
static void
drop(netkit_reader *r, size_t n)
{
	r->start += n;
	if (r->scanned)		/* only line and record reads scan */
		r->scanned = r->scanned > n ? r->scanned - n : 0;
	/* Empty: the next receive gets the whole buffer, no move needed. */
	if (r->start == r->end)
		r->start = r->end = 0;
}

/* Copies up to len unread bytes to out and drops them; returns how
 * many. */
static size_t
take(netkit_reader *r, void *out, size_t len)
{
	size_t n = pending(r);

	if (n > len)
		n = len;
	if (n > 0) {
		memcpy(out, r->buf + r->start, n);
		drop(r, n);
	}
	return n;
}

/* One receive into all the free space, after moving the unread bytes to
 * the front if they are not there. Returns the count received (0: the
 * peer closed, which is remembered) or a negative code. *fills counts
 * the receives of the caller's call: after the first, a deadline that
 * has passed ends it, so that a peer that keeps sending cannot extend
 * it. The caller makes sure the buffer is not full. */
static ssize_t
fill(netkit_reader *r, int64_t deadline, unsigned *fills)
{
	size_t n = pending(r);
	ssize_t got;

	if (r->fd < 0)
		return -EAGAIN;	/* fed by a loop: only it receives */
	if ((*fills)++ > 0 && netkit__expired(deadline))
		return -ETIMEDOUT;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, n);
		r->start = 0;
		r->end = n;
	}
	assert(r->end < r->size);
	got = netkit_recv_until(r->fd, r->buf + r->end, r->size - r->end,
				netkit__deadline(deadline));
	if (got > 0)
		r->end += (size_t)got;
	else if (got == 0)
		r->eof = true;
	return got;
}

static ssize_t
try_peek(int fd, void *arg, int flags)
{
	ssize_t n = NK_SYS(recv)(fd, arg, 1, flags | MSG_PEEK);

	return n >= 0 ? n : netkit__errno();
}

/* The buffer is full and holds no delimiter: the record is too long
 * unless the stream ends right here, and then it is the last record.
 * One byte is peeked at to tell: 0 once the end is known (r->eof),
 * NETKIT_ETOOLONG if more bytes follow, or a negative code. */
static ssize_t
full_at_end(netkit_reader *r, int64_t deadline, unsigned *fills)
{
	unsigned char byte;
	struct netkit__op op = { try_peek, &byte, POLLIN, 0 };
	ssize_t n;

	if (r->fd < 0)
		return NETKIT_ETOOLONG;	/* fed: the loop cannot add more */
	if ((*fills)++ > 0 && netkit__expired(deadline))
		return -ETIMEDOUT;
	n = netkit__until(r->fd, &op, deadline);
	if (n == 0)
		r->eof = true;
	return n > 0 ? NETKIT_ETOOLONG : n;
}

static void
setup(netkit_reader *r, int fd, void *buf, size_t size, bool owned)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->buf = buf;
	r->size = size;
	r->owned = owned;
	r->scan_delim = -1;
}

NETKIT_EXPORT int
netkit_reader_init(netkit_reader *r, int fd, void *buf, size_t size)
{
	if (!r || !buf || size == 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	setup(r, fd, buf, size, false);
	return 0;
}

NETKIT_EXPORT int
netkit_reader_alloc(netkit_reader *r, int fd, size_t size)
{
	void *buf;

	if (!r || size == 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	setup(r, fd, buf, size, true);
	return 0;
}

NETKIT_EXPORT void
netkit_reader_free(netkit_reader *r)
{
	if (!r)
		return;
	if (r->owned)
		free(r->buf);
	/* Empty, so that a later call answers -EINVAL instead of reading
	 * freed memory, and a second free frees nothing. */
	setup(r, -1, NULL, 0, false);
}

/* Looks for a whole record in the buffer: returns its length (> 0), 0
 * when more bytes are needed (or, with the buffer full, word of whether
 * the stream ends there), or NETKIT_ETOOLONG when it cannot fit in
 * max - 1 bytes. At the end of the stream, what is left is the last
 * record (*ended is set; length 0 if nothing is). */
static ssize_t
find_record(netkit_reader *r, int delim, size_t max, bool *ended)
{
	const unsigned char *base = r->buf + r->start, *hit;
	size_t n = pending(r);

	if (r->scan_delim != delim) {
		r->scan_delim = delim;
		r->scanned = 0;
	}
	hit = memchr(base + r->scanned, delim, n - r->scanned);
	if (hit) {
		r->scanned = (size_t)(hit - base);
		n = r->scanned + 1;
		return n <= max - 1 ? (ssize_t)n : NETKIT_ETOOLONG;
	}
	r->scanned = n;
	/* n bytes without the delimiter: the record has at least n. */
	if (n >= max)
		return NETKIT_ETOOLONG;
	if (r->eof) {
		*ended = true;
		return (ssize_t)n;
	}
	return 0;
}

NETKIT_EXPORT ssize_t
netkit_reader_read_delim(netkit_reader *r, int delim, char *out, size_t max,
			 netkit_deadline dl)
{
	int64_t deadline = dl.at;
	unsigned fills = 0;
	bool ended = false;
	ssize_t len, n;

	if (!reader_ok(r) || !out || max == 0 || delim < 0 || delim > 255 ||
	    !netkit__deadline_ok(deadline))
		return -EINVAL;
	for (;;) {
		len = find_record(r, delim, max, &ended);
		if (len != 0 || ended)
			break;
		if (pending(r) == r->size)
			n = full_at_end(r, deadline, &fills);
		else
			n = fill(r, deadline, &fills);
		if (n < 0)
			return n;
	}
	if (len < 0)
		return len;
	memcpy(out, r->buf + r->start, (size_t)len);
	out[len] = '\0';
	drop(r, (size_t)len);
	return len;
}

NETKIT_EXPORT ssize_t
netkit_reader_read_line(netkit_reader *r, char *out, size_t max,
			netkit_deadline dl)
{
	return netkit_reader_read_delim(r, '\n', out, max, dl);
}

/* Receives len bytes straight into p, past the buffer; *done grows by
 * what arrived, whatever the result. */
static ssize_t
recv_direct(netkit_reader *r, unsigned char *p, size_t len,
	    int64_t deadline, size_t *done)
{
	size_t part = 0;
	ssize_t n;

	n = netkit_recv_exact_until(r->fd, p, len, &part,
				    netkit__deadline(deadline));
	*done += part;
	if (n >= 0 && part < len)
		r->eof = true;
	return n;
}

NETKIT_EXPORT ssize_t
netkit_reader_read_exact(netkit_reader *r, void *out, size_t len,
			 size_t *got, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	unsigned char *p = out;
	unsigned fills = 0;
	size_t done;
	ssize_t n = 0;

	if (got)
		*got = 0;
	if (!reader_ok(r) || !out || len == 0 ||
	    !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (r->fd < 0 && pending(r) < len && !r->eof)
		/* Fed by a loop: all or nothing, so that a count that has
		 * not arrived yet stays buffered for the next event. */
		return len > r->size ? NETKIT_ETOOLONG : -EAGAIN;
	done = take(r, p, len);
	while (done < len && !r->eof) {
		/* The buffer is empty now. A rest at least its size would
		 * only bounce through it: receive it in place. A shorter
		 * rest goes through it, so what follows is read ahead. */
		if (len - done >= r->size) {
			n = fills > 0 && netkit__expired(deadline) ?
			    -ETIMEDOUT : recv_direct(r, p + done, len - done,
						     deadline, &done);
			break;
		}
		n = fill(r, deadline, &fills);
		if (n < 0)
			break;
		done += take(r, p + done, len - done);
	}
	if (got)
		*got = done;
	return n < 0 ? n : (ssize_t)done;
}

NETKIT_EXPORT ssize_t
netkit_reader_read(netkit_reader *r, void *out, size_t len, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	unsigned fills = 0;
	ssize_t n;

	if (!reader_ok(r) || !out || len == 0 ||
	    !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (pending(r) > 0)
		return (ssize_t)take(r, out, len);
	if (r->eof)
		return 0;
	if (len >= r->size && r->fd >= 0) {
		/* As much as the buffer holds or more: no bounce. */
		n = netkit_recv_until(r->fd, out, len, dl);
		if (n == 0)
			r->eof = true;
		return n;
	}
	n = fill(r, deadline, &fills);
	return n <= 0 ? n : (ssize_t)take(r, out, len);
}

NETKIT_EXPORT ssize_t
netkit_reader_skip_line(netkit_reader *r, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	const unsigned char *hit;
	size_t total = 0, n, from;
	unsigned fills = 0;
	ssize_t got;

	if (!reader_ok(r) || !netkit__deadline_ok(deadline))
		return -EINVAL;
	for (;;) {
		n = pending(r);
		from = r->scan_delim == '\n' ? r->scanned : 0;
		hit = memchr(r->buf + r->start + from, '\n', n - from);
		if (hit) {
			n = (size_t)(hit - (r->buf + r->start)) + 1;
			drop(r, n);
			return (ssize_t)(total + n);
		}
		/* All of it belongs to the line: gone, to make room. */
		drop(r, n);
		total += n;
		if (r->eof)
			return (ssize_t)total;
		got = fill(r, deadline, &fills);
		if (got < 0)
			return got;
	}
}

NETKIT_EXPORT size_t
netkit_reader_buffered(const netkit_reader *r, const void **data)
{
	size_t n;

	/* Something buffered (start < end <= size: a sound reader),
	 * first: the loop's programs ask once per request. */
	if (NETKIT__LIKELY(r && r->buf && r->start < r->end &&
			   r->end <= r->size)) {
		if (data)
			*data = r->buf + r->start;
		return r->end - r->start;
	}
	if (!r)
		return 0;
	n = reader_ok(r) ? pending(r) : 0;
	if (data)
		*data = n > 0 ? r->buf + r->start : NULL;
	return n;
}

NETKIT_EXPORT int
netkit_reader_consume(netkit_reader *r, size_t n)
{
	/* Some of what is buffered: start < end <= size (a sound reader
	 * with something in it), n <= end - start. */
	if (NETKIT__LIKELY(r && r->buf && r->start < r->end &&
			   r->end <= r->size && n <= r->end - r->start)) {
		drop(r, n);
		return 0;
	}
	if (!reader_ok(r) || n > pending(r))
		return -EINVAL;
	drop(r, n);
	return 0;
}

/* ---- readers fed by a loop (loop.c) ---- */

void
netkit__reader_fed_init(netkit_reader *r, void *buf, size_t size)
{
	setup(r, -1, buf, size, false);
}
