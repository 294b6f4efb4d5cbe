/* SPDX-License-Identifier: MIT */
/*
 * The data calls: send, recv, sendto, recvfrom, and the whole-message
 * loops around them, each plain and with a deadline (_until). Same safe
 * defaults as socket.c: MSG_NOSIGNAL on every send, EINTR retried.
 *
 * The plain calls are the system call alone. A signal sends them to a
 * slow path that keeps the socket's own kernel timeout (SO_RCVTIMEO,
 * SO_SNDTIMEO) from starting afresh on every retry; the path where no
 * signal arrives costs nothing more.
 *
 * The _until calls ask with MSG_DONTWAIT, which leaves the descriptor's
 * mode alone; each hands its attempt to netkit__until() (fd.c), which
 * waits for the time left when the call would block.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "netkit-private.h"

/* What one attempt of a data call takes. */
struct data {
	void *buf;
	size_t len;
	const netkit_addr *to;
	netkit_addr *from;
};

static ssize_t
try_recv(int fd, void *arg, int flags)
{
	const struct data *d = arg;
	ssize_t n = NK_SYS(recv)(fd, d->buf, d->len, flags);

	return n >= 0 ? n : netkit__errno();
}

static ssize_t
try_send(int fd, void *arg, int flags)
{
	const struct data *d = arg;
	ssize_t n = NK_SYS(send)(fd, d->buf, d->len, flags | MSG_NOSIGNAL);

	return n >= 0 ? n : netkit__errno();
}

static ssize_t
try_sendto(int fd, void *arg, int flags)
{
	const struct data *d = arg;
	ssize_t n;

	n = NK_SYS(sendto)(fd, d->buf, d->len, flags | MSG_NOSIGNAL,
			   (const struct sockaddr *)&d->to->ss, d->to->len);
	return n >= 0 ? n : netkit__errno();
}

/* One recvfrom(); the sender goes to d->from only when the caller wants
 * it and the kernel reported one (IP or AF_UNIX: an unbound Unix sender
 * reports none, and *from is left alone). */
static ssize_t
try_recvfrom(int fd, void *arg, int flags)
{
	const struct data *d = arg;
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	ssize_t n;

	if (!d->from)
		n = NK_SYS(recvfrom)(fd, d->buf, d->len, flags, NULL, NULL);
	else
		n = NK_SYS(recvfrom)(fd, d->buf, d->len, flags,
				     (struct sockaddr *)&ss, &slen);
	if (n < 0)
		return netkit__errno();
	if (d->from)
		(void)netkit__addr_set(d->from, (struct sockaddr *)&ss, slen);
	return n;
}

NETKIT_EXPORT ssize_t
netkit_recv_until(int fd, void *buf, size_t len, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	struct data d = { .buf = buf, .len = len };
	struct netkit__op op = { try_recv, &d, POLLIN, 0 };

	if (!buf || len == 0 || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return netkit__until(fd, &op, deadline);
}

/* netkit_recv()'s slow path, once recv() failed: anything but EINTR is
 * the answer; interrupted, see netkit__interrupted(). */
static NETKIT__COLD ssize_t
recv_failed(int fd, void *buf, size_t len)
{
	struct data d = { .buf = buf, .len = len };
	struct netkit__op op = { try_recv, &d, POLLIN, 0 };

	if (errno != EINTR)
		return netkit__errno();
	return netkit__interrupted(fd, &op, SO_RCVTIMEO);
}

NETKIT_EXPORT ssize_t
netkit_recv(int fd, void *buf, size_t len)
{
	ssize_t n;

	/* A negative fd is left to the kernel: -EBADF, and nothing done. */
	if (!buf || len == 0)
		return -EINVAL;
	n = NK_SYS(recv)(fd, buf, len, 0);
	if (NETKIT__LIKELY(n >= 0))
		return n;
	return recv_failed(fd, buf, len);
}

NETKIT_EXPORT ssize_t
netkit_send_until(int fd, const void *buf, size_t len, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	struct data d = { .buf = (void *)buf, .len = len };
	struct netkit__op op = { try_send, &d, POLLOUT, 0 };

	if ((!buf && len > 0) || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return netkit__until(fd, &op, deadline);
}

/* netkit_send()'s slow path: as recv_failed(), with SO_SNDTIMEO. */
static NETKIT__COLD ssize_t
send_failed(int fd, const void *buf, size_t len)
{
	struct data d = { .buf = (void *)buf, .len = len };
	struct netkit__op op = { try_send, &d, POLLOUT, 0 };

	if (errno != EINTR)
		return netkit__errno();
	return netkit__interrupted(fd, &op, SO_SNDTIMEO);
}

/* netkit_send() without a buffer: only an empty message (a datagram
 * of length 0) may have none. */
static NETKIT__COLD ssize_t
send_nothing(int fd, size_t len)
{
	ssize_t n;

	if (len > 0)
		return -EINVAL;
	n = NK_SYS(send)(fd, NULL, 0, MSG_NOSIGNAL);
	return n >= 0 ? n : send_failed(fd, NULL, 0);
}

NETKIT_EXPORT ssize_t
netkit_send(int fd, const void *buf, size_t len)
{
	ssize_t n;

	/* One test on the way: the NULL case is out of line. */
	if (NETKIT__UNLIKELY(!buf))
		return send_nothing(fd, len);
	n = NK_SYS(send)(fd, buf, len, MSG_NOSIGNAL);
	if (NETKIT__LIKELY(n >= 0))
		return n;
	return send_failed(fd, buf, len);
}

NETKIT_EXPORT ssize_t
netkit_sendto_until(int fd, const void *buf, size_t len,
		    const netkit_addr *to, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	struct data d = { .buf = (void *)buf, .len = len, .to = to };
	struct netkit__op op = { try_sendto, &d, POLLOUT, 0 };

	if ((!buf && len > 0) || !netkit__addr_usable(to) ||
	    !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return netkit__until(fd, &op, deadline);
}

NETKIT_EXPORT ssize_t
netkit_sendto(int fd, const void *buf, size_t len, const netkit_addr *to)
{
	struct data d = { .buf = (void *)buf, .len = len, .to = to };
	struct netkit__op op = { try_sendto, &d, POLLOUT, 0 };

	if ((!buf && len > 0) || !netkit__addr_usable(to))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return netkit__plain(fd, &op, SO_SNDTIMEO);
}

NETKIT_EXPORT ssize_t
netkit_recvfrom_until(int fd, void *buf, size_t len, netkit_addr *from,
		      netkit_deadline dl)
{
	int64_t deadline = dl.at;
	struct data d = { .buf = buf, .len = len, .from = from };
	struct netkit__op op = { try_recvfrom, &d, POLLIN, 0 };

	if (!buf || len == 0 || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return netkit__until(fd, &op, deadline);
}

NETKIT_EXPORT ssize_t
netkit_recvfrom(int fd, void *buf, size_t len, netkit_addr *from)
{
	struct data d = { .buf = buf, .len = len, .from = from };
	struct netkit__op op = { try_recvfrom, &d, POLLIN, 0 };

	if (!buf || len == 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return netkit__plain(fd, &op, SO_RCVTIMEO);
}

NETKIT_EXPORT ssize_t
netkit_send_all_until(int fd, const void *buf, size_t len, size_t *sent,
		      netkit_deadline dl)
{
	struct netkit__limits l;
	struct data d = { 0 };
	struct netkit__op op = { try_send, &d, POLLOUT, 0 };
	const char *p = buf;
	size_t done = 0;
	ssize_t n = 0;

	if (sent)
		*sent = 0;
	if ((!buf && len > 0) || !netkit__limits_of(dl, &l))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	while (done < len) {
		d.buf = (void *)(p + done);
		d.len = len - done;
		n = netkit__until_more(fd, &op, &l, done);
		if (n < 0)
			break;
		done += (size_t)n;
	}
	if (sent)
		*sent = done;
	return n < 0 ? n : (ssize_t)len;
}

NETKIT_EXPORT ssize_t
netkit_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	int64_t start, dl;
	ssize_t n;

	if (!buf && len > 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	/* When SO_SNDTIMEO started (a clock read, no system call). */
	start = netkit_now();
	while (done < len) {
		n = NK_SYS(send)(fd, p + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR)
			return netkit__errno();
		if (n >= 0 && (done += (size_t)n) == len)
			break;
		/* Interrupted: finish within SO_SNDTIMEO counted from now,
		 * so that signals cannot keep restarting it. A short count
		 * may be the kernel's timeout itself: counted from the
		 * start, it does not run twice. */
		dl = netkit__kernel_deadline_from(fd, SO_SNDTIMEO,
						  n < 0 ? netkit_now() : start);
		if (dl != NETKIT__NEVER) {
			n = netkit_send_all_until(fd, p + done, len - done,
						  NULL, netkit__deadline(dl));
			return n == -ETIMEDOUT ? -EAGAIN : n < 0 ? n : (ssize_t)len;
		}
	}
	return (ssize_t)len;
}

NETKIT_EXPORT ssize_t
netkit_recv_exact_until(int fd, void *buf, size_t len, size_t *got,
			netkit_deadline dl)
{
	struct netkit__limits l;
	struct data d = { 0 };
	struct netkit__op op = { try_recv, &d, POLLIN, 0 };
	char *p = buf;
	size_t done = 0;
	ssize_t n = 0;

	if (got)
		*got = 0;
	if (!buf || len == 0 || !netkit__limits_of(dl, &l))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	while (done < len) {
		d.buf = p + done;
		d.len = len - done;
		n = netkit__until_more(fd, &op, &l, done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (got)
		*got = done;
	return n < 0 ? n : (ssize_t)done;
}

NETKIT_EXPORT ssize_t
netkit_recv_exact(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;
	int64_t start, dl;
	ssize_t n;

	if (!buf || len == 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	/* When SO_RCVTIMEO started (a clock read, no system call). */
	start = netkit_now();
	while (done < len) {
		n = NK_SYS(recv)(fd, p + done, len - done, MSG_WAITALL);
		if (n == 0)
			break;
		if (n < 0 && errno != EINTR)
			return netkit__errno();
		if (n > 0 && (done += (size_t)n) == len)
			break;
		/* Interrupted: finish within SO_RCVTIMEO counted from now.
		 * A short count is a signal or the kernel's timeout itself,
		 * which counted from the start does not run twice. */
		dl = netkit__kernel_deadline_from(fd, SO_RCVTIMEO,
						  n < 0 ? netkit_now() : start);
		if (dl != NETKIT__NEVER) {
			n = netkit_recv_exact_until(fd, p + done, len - done,
						    NULL, netkit__deadline(dl));
			if (n == -ETIMEDOUT)
				return -EAGAIN;
			return n < 0 ? n : (ssize_t)done + n;
		}
	}
	return (ssize_t)done;
}
