/* SPDX-License-Identifier: MIT */
/*
 * Vectored whole-message I/O: send all the bytes of several buffers, or
 * fill several buffers exactly, with sendmsg()/recvmsg(), so that a
 * header and a body go in one system call, without a copy.
 *
 * The caller's iovec array is const and stays as it was. A cursor (an
 * entry and an offset into it) walks it, and each system call is given
 * a window of it, with no allocation:
 *  - at the start of an entry, the caller's array itself from that
 *    entry on, at most IOV_MAX entries (the kernel refuses more);
 *  - inside an entry (after a partial count), a copy of the next
 *    WINDOW entries on the stack, the first one cut where the last
 *    call stopped.
 * So any number of entries can be moved, IOV_MAX at a time at most.
 *
 * The count and deadline rules are netkit_send_all_until()'s and
 * netkit_recv_exact_until()'s, and the waits fd.c's: each chunk goes
 * through netkit__until_more(), so progress never extends the deadline.
 * With NETKIT__NEVER the attempt is not asked not to block: on a
 * blocking socket the kernel loops inside one sendmsg() (or one
 * recvmsg() with MSG_WAITALL) until everything moved, with no poll();
 * a non-blocking socket answers EAGAIN and fd.c polls, as for any
 * deadline.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "netkit-private.h"

#ifndef IOV_MAX
#define IOV_MAX 16	/* _XOPEN_IOV_MAX: the least POSIX allows */
#endif

/* The entries copied when a window starts inside an entry: enough to
 * keep a header and a body, or a run of small entries, in one call,
 * and small enough for any thread's stack (1 KiB). */
#define WINDOW 64

/* Where a transfer stands in the caller's array, and the window that
 * the next system call is given. */
struct cursor {
	const struct iovec *iov;
	int cnt;
	int at;			/* the entry the next byte belongs to */
	size_t off;		/* bytes of iov[at] already moved */
	int flags;		/* added to every attempt */
	bool block;		/* NETKIT__NEVER: the attempt may block */
	struct msghdr msg;
	struct iovec head[WINDOW];
};

/* The bytes that iov holds, or -EINVAL: a negative count, no array for
 * a positive one, an entry without a buffer but with a length, or a
 * sum that a result could not tell (past SSIZE_MAX). */
static ssize_t
iov_total(const struct iovec *iov, int iovcnt)
{
	size_t sum = 0;
	int i;

	if (iovcnt < 0 || (!iov && iovcnt > 0))
		return -EINVAL;
	for (i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_base && iov[i].iov_len > 0)
			return -EINVAL;
		if (iov[i].iov_len > (size_t)SSIZE_MAX - sum)
			return -EINVAL;
		sum += iov[i].iov_len;
	}
	return (ssize_t)sum;
}

/* Moves the cursor past n bytes, and past any empty entries after
 * them, so that a window never starts on an empty entry. */
static void
advance(struct cursor *c, size_t n)
{
	size_t left;

	while (c->at < c->cnt) {
		left = c->iov[c->at].iov_len - c->off;
		if (n < left) {
			c->off += n;
			return;
		}
		n -= left;
		c->at++;
		c->off = 0;
	}
}

static void
cursor_start(struct cursor *c, const struct iovec *iov, int iovcnt,
	     int flags, bool block)
{
	memset(&c->msg, 0, sizeof(c->msg));
	c->iov = iov;
	c->cnt = iovcnt;
	c->at = 0;
	c->off = 0;
	c->flags = flags;
	c->block = block;
	advance(c, 0);
}

/* Points the message at the rest of the array (at least one byte left:
 * the cursor is on a non-empty entry). */
static void
window(struct cursor *c)
{
	int n = c->cnt - c->at;

	if (c->off == 0) {
		/* The kernel only reads msg_iov: the caller's const array
		 * is passed as it is. */
		c->msg.msg_iov = (struct iovec *)(uintptr_t)(c->iov + c->at);
		c->msg.msg_iovlen = n > IOV_MAX ? IOV_MAX : n;
		return;
	}
	if (n > WINDOW)
		n = WINDOW;
	memcpy(c->head, c->iov + c->at, (size_t)n * sizeof(c->head[0]));
	c->head[0].iov_base = (char *)c->head[0].iov_base + c->off;
	c->head[0].iov_len -= c->off;
	c->msg.msg_iov = c->head;
	c->msg.msg_iovlen = n;
}

/* fd.c asks every attempt with MSG_DONTWAIT; without a deadline the
 * socket's own mode decides instead (see the top of the file). */
static int
attempt_flags(const struct cursor *c, int flags)
{
	return c->flags | (c->block ? 0 : flags);
}

static ssize_t
try_sendmsg(int fd, void *arg, int flags)
{
	struct cursor *c = arg;
	ssize_t n = NK_SYS(sendmsg)(fd, &c->msg, attempt_flags(c, flags));

	return n >= 0 ? n : netkit__errno();
}

static ssize_t
try_recvmsg(int fd, void *arg, int flags)
{
	struct cursor *c = arg;
	ssize_t n = NK_SYS(recvmsg)(fd, &c->msg, attempt_flags(c, flags));

	return n >= 0 ? n : netkit__errno();
}

/* Both calls: moves the whole array, or until the peer closes (a
 * receive that answers 0), an error or the deadline; *count, if given,
 * always gets the bytes moved. */
static ssize_t
iov_all(int fd, const struct iovec *iov, int iovcnt, size_t *count,
	netkit_deadline dl, bool receive)
{
	struct cursor c;
	struct netkit__op op = { receive ? try_recvmsg : try_sendmsg, &c,
				 receive ? POLLIN : POLLOUT, 0 };
	struct netkit__limits l;
	ssize_t total, n = 0;
	size_t done = 0;

	if (count)
		*count = 0;
	total = iov_total(iov, iovcnt);
	if (total < 0 || !netkit__limits_of(dl, &l))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	/* MSG_WAITALL: a blocking recvmsg() fills the whole window; with
	 * MSG_DONTWAIT it takes what is there, as without it. */
	cursor_start(&c, iov, iovcnt, receive ? MSG_WAITALL : MSG_NOSIGNAL,
		     netkit__limits_never(&l));
	while (done < (size_t)total) {
		window(&c);
		n = netkit__until_more(fd, &op, &l, done);
		if (n < 0 || (n == 0 && receive))
			break;
		done += (size_t)n;
		advance(&c, (size_t)n);
	}
	if (count)
		*count = done;
	return n < 0 ? n : (ssize_t)done;
}

NETKIT_EXPORT ssize_t
netkit_send_all_iov(int fd, const struct iovec *iov, int iovcnt,
		    size_t *sent, netkit_deadline deadline)
{
	return iov_all(fd, iov, iovcnt, sent, deadline, false);
}

NETKIT_EXPORT ssize_t
netkit_recv_exact_iov(int fd, const struct iovec *iov, int iovcnt,
		      size_t *got, netkit_deadline deadline)
{
	return iov_all(fd, iov, iovcnt, got, deadline, true);
}
