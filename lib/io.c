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
 * mode alone, and wait with poll() for the time left when the call
 * would block.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "netkit-private.h"

/* The kernel answers the expiry of SO_RCVTIMEO/SO_SNDTIMEO with EAGAIN;
 * the slow paths after a signal answer the same. */
static ssize_t
kernel_timeout_code(ssize_t rc)
{
	return rc == -ETIMEDOUT ? -EAGAIN : rc;
}

NETKIT_EXPORT ssize_t
netkit_recv_until(int fd, void *buf, size_t len, int64_t deadline)
{
	ssize_t n;
	int rc;

	if (!buf || len == 0 || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	for (;;) {
		n = NK_SYS(recv)(fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		rc = netkit__wait_again(fd, POLLIN, deadline);
		if (rc < 0)
			return rc;
	}
}

/* netkit_recv()'s slow path, once recv() failed: anything but EINTR is
 * the answer. Interrupted, without a kernel timeout, the call is simply
 * made again; with one, a retry would restart it, so the rest of the
 * call is bounded by it counted from now. */
static NETKIT__COLD ssize_t
recv_failed(int fd, void *buf, size_t len)
{
	int64_t dl;
	ssize_t n;

	if (errno != EINTR)
		return netkit__errno();
	dl = netkit__kernel_deadline(fd, SO_RCVTIMEO);
	if (dl != NETKIT_FOREVER)
		return kernel_timeout_code(netkit_recv_until(fd, buf, len, dl));
	NETKIT__RETRY(n, NK_SYS(recv)(fd, buf, len, 0));
	return n < 0 ? netkit__errno() : n;
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
netkit_send_until(int fd, const void *buf, size_t len, int64_t deadline)
{
	ssize_t n;
	int rc;

	if ((!buf && len > 0) || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	for (;;) {
		n = NK_SYS(send)(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0)
			return n;
		rc = netkit__wait_again(fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
}

/* netkit_send()'s slow path: as recv_failed(), with SO_SNDTIMEO. */
static NETKIT__COLD ssize_t
send_failed(int fd, const void *buf, size_t len)
{
	int64_t dl;
	ssize_t n;

	if (errno != EINTR)
		return netkit__errno();
	dl = netkit__kernel_deadline(fd, SO_SNDTIMEO);
	if (dl != NETKIT_FOREVER)
		return kernel_timeout_code(netkit_send_until(fd, buf, len, dl));
	NETKIT__RETRY(n, NK_SYS(send)(fd, buf, len, MSG_NOSIGNAL));
	return n < 0 ? netkit__errno() : n;
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
		    const netkit_addr *to, int64_t deadline)
{
	ssize_t n;
	int rc;

	if ((!buf && len > 0) || !netkit__addr_usable(to) ||
	    !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	for (;;) {
		n = NK_SYS(sendto)(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT,
				   (const struct sockaddr *)&to->ss, to->len);
		if (n >= 0)
			return n;
		rc = netkit__wait_again(fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
}

NETKIT_EXPORT ssize_t
netkit_sendto(int fd, const void *buf, size_t len, const netkit_addr *to)
{
	const struct sockaddr *sa;
	int64_t dl;
	ssize_t n;

	if ((!buf && len > 0) || !netkit__addr_usable(to))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	sa = (const struct sockaddr *)&to->ss;
	n = NK_SYS(sendto)(fd, buf, len, MSG_NOSIGNAL, sa, to->len);
	if (n >= 0)
		return n;
	if (errno != EINTR)
		return netkit__errno();
	/* Interrupted: as netkit_send(), SO_SNDTIMEO keeps bounding it. */
	dl = netkit__kernel_deadline(fd, SO_SNDTIMEO);
	if (dl != NETKIT_FOREVER)
		return kernel_timeout_code(netkit_sendto_until(fd, buf, len,
							       to, dl));
	NETKIT__RETRY(n, NK_SYS(sendto)(fd, buf, len, MSG_NOSIGNAL, sa,
					to->len));
	return n < 0 ? netkit__errno() : n;
}

/* One recvfrom() with flags; the sender goes to *from only when the
 * caller wants it and the kernel reported one (IP or AF_UNIX: an
 * unbound Unix sender reports none, and *from is left alone). */
static ssize_t
recvfrom_once(int fd, void *buf, size_t len, int flags, netkit_addr *from)
{
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	ssize_t n;

	if (!from)
		return NK_SYS(recvfrom)(fd, buf, len, flags, NULL, NULL);
	n = NK_SYS(recvfrom)(fd, buf, len, flags, (struct sockaddr *)&ss,
			     &slen);
	if (n >= 0)
		(void)netkit__addr_set(from, (struct sockaddr *)&ss, slen);
	return n;
}

NETKIT_EXPORT ssize_t
netkit_recvfrom_until(int fd, void *buf, size_t len, netkit_addr *from,
		      int64_t deadline)
{
	ssize_t n;
	int rc;

	if (!buf || len == 0 || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	for (;;) {
		n = recvfrom_once(fd, buf, len, MSG_DONTWAIT, from);
		if (n >= 0)
			return n;
		rc = netkit__wait_again(fd, POLLIN, deadline);
		if (rc < 0)
			return rc;
	}
}

NETKIT_EXPORT ssize_t
netkit_recvfrom(int fd, void *buf, size_t len, netkit_addr *from)
{
	int64_t dl;
	ssize_t n;

	if (!buf || len == 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	n = recvfrom_once(fd, buf, len, 0, from);
	if (n >= 0)
		return n;
	if (errno != EINTR)
		return netkit__errno();
	/* Interrupted. Without a kernel timeout, the call is simply made
	 * again; with one, a retry would restart it, so the rest of the
	 * call is bounded by it counted from now. */
	dl = netkit__kernel_deadline(fd, SO_RCVTIMEO);
	if (dl != NETKIT_FOREVER)
		return kernel_timeout_code(netkit_recvfrom_until(fd, buf, len,
								 from, dl));
	NETKIT__RETRY(n, recvfrom_once(fd, buf, len, 0, from));
	return n < 0 ? netkit__errno() : n;
}

NETKIT_EXPORT ssize_t
netkit_send_all_until(int fd, const void *buf, size_t len, int64_t deadline,
		      size_t *sent)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n = 0;

	if (sent)
		*sent = 0;
	if ((!buf && len > 0) || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	while (done < len) {
		n = netkit_send_until(fd, p + done, len - done, deadline);
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
		if (dl != NETKIT_FOREVER) {
			n = netkit_send_all_until(fd, p + done, len - done, dl,
						  NULL);
			return n < 0 ? kernel_timeout_code(n) : (ssize_t)len;
		}
	}
	return (ssize_t)len;
}

NETKIT_EXPORT ssize_t
netkit_recv_exact_until(int fd, void *buf, size_t len, int64_t deadline,
			size_t *got)
{
	char *p = buf;
	size_t done = 0;
	ssize_t n = 0;

	if (got)
		*got = 0;
	if (!buf || len == 0 || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	while (done < len) {
		n = netkit_recv_until(fd, p + done, len - done, deadline);
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
		if (dl != NETKIT_FOREVER) {
			n = netkit_recv_exact_until(fd, p + done, len - done,
						    dl, NULL);
			return n < 0 ? kernel_timeout_code(n) :
			       (ssize_t)done + n;
		}
	}
	return (ssize_t)done;
}
