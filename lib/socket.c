/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's socket calls, except the data calls (io.c). Each is the
 * system call plus the safe defaults: CLOEXEC from birth, EINTR
 * retried, arguments checked before anything happens. The _until
 * variants bound accept and connect by a deadline, through fd.c.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
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
 * it. A Unix-domain peer is usually unnamed ("unix:"). accept4() has no
 * MSG_DONTWAIT: flags is ignored, and a blocking listener is polled
 * first (NETKIT__POLL_FIRST). */
static ssize_t
try_accept(int fd, void *arg, int flags)
{
	netkit_addr *peer = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int conn;

	(void)flags;
	if (!peer)
		conn = NK_SYS(accept4)(fd, NULL, NULL, SOCK_CLOEXEC);
	else
		conn = NK_SYS(accept4)(fd, (struct sockaddr *)&ss, &len,
				       SOCK_CLOEXEC);
	if (conn < 0)
		return netkit__errno();
	if (peer)
		(void)netkit__addr_set(peer, (struct sockaddr *)&ss, len);
	return conn;
}

/* 0 if fd is a listening socket; else what accept4() would answer
 * (-ENOTSOCK, -EINVAL), so that a blocking descriptor that can never
 * be ready is not waited on. */
static int
check_listening(int fd)
{
	socklen_t len = sizeof(int);
	int on = 0;

	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0)
		return netkit__errno();
	return on ? 0 : -EINVAL;
}

NETKIT_EXPORT int
netkit_accept_until(int fd, netkit_addr *peer, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	struct netkit__op op = { try_accept, peer, POLLIN, 0 };
	int nb, rc;

	if (!netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	nb = netkit__nonblocking(fd);
	if (nb < 0)
		return nb;
	if (!nb) {
		/* A blocking listener: with no deadline it simply blocks,
		 * as netkit_accept() (unless SO_RCVTIMEO ends that: then it
		 * goes on waiting). Else accept4() may only run once poll()
		 * has seen a connection waiting. */
		if (deadline == NETKIT__NEVER) {
			rc = (int)netkit__blocking(fd, &op);
			if (rc != -EAGAIN)
				return rc;
		}
		rc = check_listening(fd);
		if (rc < 0)
			return rc;
		op.flags = NETKIT__POLL_FIRST;
	}
	return (int)netkit__until(fd, &op, deadline);
}

NETKIT_EXPORT int
netkit_accept(int fd, netkit_addr *peer)
{
	/* Interrupted, the listener blocks: a retry bounded by its
	 * SO_RCVTIMEO polls first. */
	struct netkit__op op = { try_accept, peer, POLLIN, NETKIT__POLL_FIRST };

	if (fd < 0)
		return -EBADF;
	return (int)netkit__plain(fd, &op, SO_RCVTIMEO);
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
	/* After EINTR the handshake goes on in the kernel (connect() again
	 * would answer EALREADY). SO_SNDTIMEO bounds a blocking connect;
	 * without a signal its expiry is -EINPROGRESS, so it is here too. */
	rc = netkit__connect_finish(fd, netkit__kernel_deadline(fd,
								SO_SNDTIMEO));
	return rc == -ETIMEDOUT ? -EINPROGRESS : rc;
}

NETKIT_EXPORT int
netkit_connect_until(int fd, const netkit_addr *addr, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	int rc;

	if (!netkit__addr_usable(addr) || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	rc = netkit__connect_start(fd, addr);
	/* -EAGAIN is no handshake under way: nothing started (a Unix
	 * listener's backlog is full). Waiting would find the unconnected
	 * socket writable at once and take SO_ERROR 0 for success. */
	if (rc != -EINPROGRESS)
		return rc;
	return netkit__connect_finish(fd, deadline);
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

NETKIT_EXPORT int
netkit_socket_repr(int fd, char *buf, size_t len)
{
	char text[NETKIT_REPRSTRLEN], addr[NETKIT_TUPLESTRLEN];
	netkit_addr here, peer;
	int type, rc;
	socklen_t tlen = sizeof(type);
	size_t n;

	if (!buf)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0)
		return netkit__errno();
	rc = netkit_local_addr(fd, &here);
	if (rc == 0 && netkit_addr_tuple(&here, addr, sizeof(addr)) < 0)
		rc = -EAFNOSUPPORT;	/* a Unix socket */
	if (rc < 0)
		return rc;
	n = (size_t)snprintf(text, sizeof(text),
			     "<socket.socket fd=%d, family=%d, type=%d, "
			     "proto=0, laddr=%s", fd,
			     netkit_addr_family(&here), type, addr);
	if (netkit_peer_addr(fd, &peer) == 0 &&
	    netkit_addr_tuple(&peer, addr, sizeof(addr)) > 0)
		n += (size_t)snprintf(text + n, sizeof(text) - n, ", raddr=%s",
				      addr);
	snprintf(text + n, sizeof(text) - n, ">");
	return netkit__copy_text(buf, len, text);
}
