/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's socket calls, except the data calls (io.c). Each is the
 * system call plus the safe defaults: CLOEXEC from birth, EINTR
 * retried, arguments checked before anything happens. The _until
 * variants bound accept and connect by a deadline.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netkit-private.h"

NETKIT_EXPORT int
netkit_socket(int family, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int fd;

	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
		return -EINVAL;
	if (base != SOCK_STREAM && base != SOCK_DGRAM && base != SOCK_RAW &&
	    base != SOCK_SEQPACKET)
		return -EINVAL;
	if (protocol < 0)
		return -EINVAL;

	fd = NK_SYS(socket)(family, type | SOCK_CLOEXEC, protocol);
	return fd < 0 ? netkit__errno() : fd;
}

NETKIT_EXPORT int
netkit_bind(int fd, const netkit_addr *addr)
{
	if (!netkit__addr_usable(addr))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (NK_SYS(bind)(fd, (const struct sockaddr *)&addr->ss,
			 addr->len) < 0)
		return netkit__errno();
	return 0;
}

NETKIT_EXPORT int
netkit_listen(int fd, int backlog)
{
	if (backlog < 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return NK_SYS(listen)(fd, backlog) < 0 ? netkit__errno() : 0;
}

/* One accept4(); the kernel writes the peer only when the caller wants
 * it. A Unix-domain peer is usually unnamed ("unix:"). */
static int
accept_once(int fd, netkit_addr *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int conn;

	if (!peer)
		return NK_SYS(accept4)(fd, NULL, NULL, SOCK_CLOEXEC);
	conn = NK_SYS(accept4)(fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (conn >= 0)
		(void)netkit__addr_set(peer, (struct sockaddr *)&ss, len);
	return conn;
}

/* The descriptor's O_NONBLOCK, or a negative errno. */
static int
is_nonblocking(int fd)
{
	int fl = NK_SYS(fcntl)(fd, F_GETFL);

	return fl < 0 ? netkit__errno() : (fl & O_NONBLOCK) != 0;
}

NETKIT_EXPORT int
netkit_accept_until(int fd, netkit_addr *peer, int64_t deadline)
{
	int conn, nb, rc;

	if (!netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	nb = is_nonblocking(fd);
	if (nb < 0)
		return nb;
	for (;;) {
		/* A blocking listener is polled first, so that accept4()
		 * only runs with a connection waiting. */
		if (!nb) {
			rc = netkit__wait(fd, POLLIN, deadline);
			if (rc < 0)
				return rc;
		}
		conn = accept_once(fd, peer);
		if (conn >= 0)
			return conn;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return netkit__errno();
		if (nb) {
			rc = netkit__wait(fd, POLLIN, deadline);
			if (rc < 0)
				return rc;
		}
	}
}

NETKIT_EXPORT int
netkit_accept(int fd, netkit_addr *peer)
{
	int64_t dl;
	int conn;

	if (fd < 0)
		return -EBADF;
	conn = accept_once(fd, peer);
	if (conn >= 0)
		return conn;
	if (errno != EINTR)
		return netkit__errno();
	/* Interrupted. Without a kernel timeout, accept4() is simply made
	 * again; with one, a retry would start SO_RCVTIMEO afresh, so the
	 * rest of the wait is bounded by it counted from now, and its
	 * expiry answers -EAGAIN as the kernel's does. */
	dl = netkit__kernel_deadline(fd, SO_RCVTIMEO);
	if (dl != NETKIT_FOREVER) {
		conn = netkit_accept_until(fd, peer, dl);
		return conn == -ETIMEDOUT ? -EAGAIN : conn;
	}
	NETKIT__RETRY(conn, accept_once(fd, peer));
	return conn < 0 ? netkit__errno() : conn;
}

/* After connect() returned EINPROGRESS or EINTR, the handshake goes on
 * in the kernel (calling connect() again would answer EALREADY): wait
 * for it until the deadline and collect its result from SO_ERROR. */
static int
finish_connect(int fd, int64_t deadline)
{
	socklen_t len = sizeof(int);
	int err = 0, rc;

	rc = netkit__wait(fd, POLLOUT, deadline);
	if (rc < 0)
		return rc;
	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return netkit__errno();
	return -err;
}

NETKIT_EXPORT int
netkit_connect(int fd, const netkit_addr *addr)
{
	int rc;

	if (!netkit__addr_usable(addr))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (NK_SYS(connect)(fd, (const struct sockaddr *)&addr->ss,
			    addr->len) == 0)
		return 0;
	if (errno != EINTR)
		return netkit__errno();
	/* SO_SNDTIMEO bounds a blocking connect; without a signal its
	 * expiry is -EINPROGRESS, so it is here too. */
	rc = finish_connect(fd, netkit__kernel_deadline(fd, SO_SNDTIMEO));
	return rc == -ETIMEDOUT ? -EINPROGRESS : rc;
}

/* connect() that never blocks: O_NONBLOCK is set around the call on a
 * blocking socket and put back at once (the handshake goes on in the
 * kernel whatever the flag). Returns 0, -EINPROGRESS or an error. */
static int
connect_nowait(int fd, const netkit_addr *addr)
{
	int fl, rc = 0;

	fl = NK_SYS(fcntl)(fd, F_GETFL);
	if (fl < 0)
		return netkit__errno();
	if (!(fl & O_NONBLOCK) &&
	    NK_SYS(fcntl)(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return netkit__errno();
	if (NK_SYS(connect)(fd, (const struct sockaddr *)&addr->ss,
			    addr->len) < 0)
		rc = errno == EINTR ? -EINPROGRESS : netkit__errno();
	/* Had the caller's mode not come back, the socket would stay
	 * non-blocking behind its back: that failure is the answer. */
	if (!(fl & O_NONBLOCK) && NK_SYS(fcntl)(fd, F_SETFL, fl) < 0)
		return netkit__errno();
	return rc;
}

NETKIT_EXPORT int
netkit_connect_until(int fd, const netkit_addr *addr, int64_t deadline)
{
	int rc;

	if (!netkit__addr_usable(addr) || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	rc = connect_nowait(fd, addr);
	/* -EAGAIN is no handshake under way: nothing started (a Unix
	 * listener's backlog is full). Waiting would find the unconnected
	 * socket writable at once and take SO_ERROR 0 for success. */
	if (rc != -EINPROGRESS)
		return rc;
	return finish_connect(fd, deadline);
}

NETKIT_EXPORT int
netkit_shutdown(int fd, int how)
{
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return NK_SYS(shutdown)(fd, how) < 0 ? netkit__errno() : 0;
}

NETKIT_EXPORT int
netkit_close(int fd)
{
	if (fd < 0)
		return -EBADF;
	/* Never retried: on Linux the descriptor is gone even on EINTR. */
	if (NK_SYS(close)(fd) < 0 && errno != EINTR)
		return netkit__errno();
	return 0;
}

/* getsockname()/getpeername() into a netkit_addr. */
static int
sock_name(int fd, netkit_addr *out,
	  int (*get)(int, struct sockaddr *, socklen_t *))
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (!out)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (get(fd, (struct sockaddr *)&ss, &len) < 0)
		return netkit__errno();
	return netkit__addr_set(out, (struct sockaddr *)&ss, len);
}

NETKIT_EXPORT int
netkit_local_addr(int fd, netkit_addr *out)
{
	return sock_name(fd, out, NK_SYS(getsockname));
}

NETKIT_EXPORT int
netkit_peer_addr(int fd, netkit_addr *out)
{
	return sock_name(fd, out, NK_SYS(getpeername));
}
