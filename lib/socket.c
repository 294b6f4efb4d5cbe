/*
 * The tutorial's socket calls. Each is the system call plus the safe
 * defaults: CLOEXEC from birth, MSG_NOSIGNAL on every send, EINTR
 * retried, arguments checked before anything happens.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
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

	fd = socket(family, type | SOCK_CLOEXEC, protocol);
	return fd < 0 ? netkit__errno() : fd;
}

NETKIT_EXPORT int
netkit_bind(int fd, const netkit_addr *addr)
{
	if (!netkit__addr_valid(addr))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0)
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
	return listen(fd, backlog) < 0 ? netkit__errno() : 0;
}

NETKIT_EXPORT int
netkit_accept(int fd, netkit_addr *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int conn;

	if (fd < 0)
		return -EBADF;
	NETKIT__RETRY(conn, accept4(fd, (struct sockaddr *)&ss, &len,
				    SOCK_CLOEXEC));
	if (conn < 0)
		return netkit__errno();
	/* A Unix-domain peer has no IP address: leave *peer untouched. */
	if (peer)
		(void)netkit__addr_set(peer, &ss, len);
	return conn;
}

/* After connect() was interrupted, the handshake goes on in the kernel;
 * calling connect() again would answer EALREADY. Wait for it to finish
 * and collect its result instead. */
static int
finish_connect(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0, rc;

	NETKIT__RETRY(rc, poll(&pfd, 1, -1));
	if (rc < 0)
		return netkit__errno();
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return netkit__errno();
	return -err;
}

NETKIT_EXPORT int
netkit_connect(int fd, const netkit_addr *addr)
{
	if (!netkit__addr_valid(addr))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) == 0)
		return 0;
	if (errno == EINTR)
		return finish_connect(fd);
	return netkit__errno();
}

NETKIT_EXPORT ssize_t
netkit_recv(int fd, void *buf, size_t len)
{
	ssize_t n;

	if (!buf || len == 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	NETKIT__RETRY(n, recv(fd, buf, len, 0));
	return n < 0 ? netkit__errno() : n;
}

NETKIT_EXPORT ssize_t
netkit_send(int fd, const void *buf, size_t len)
{
	ssize_t n;

	if (!buf && len > 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	NETKIT__RETRY(n, send(fd, buf, len, MSG_NOSIGNAL));
	return n < 0 ? netkit__errno() : n;
}

NETKIT_EXPORT ssize_t
netkit_sendto(int fd, const void *buf, size_t len, const netkit_addr *to)
{
	ssize_t n;

	if ((!buf && len > 0) || !netkit__addr_valid(to))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	NETKIT__RETRY(n, sendto(fd, buf, len, MSG_NOSIGNAL,
			       (const struct sockaddr *)&to->ss, to->len));
	return n < 0 ? netkit__errno() : n;
}

NETKIT_EXPORT ssize_t
netkit_recvfrom(int fd, void *buf, size_t len, netkit_addr *from)
{
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	ssize_t n;

	if (!buf || len == 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	/* An unnamed sender (AF_UNIX socketpair) leaves ss unwritten and
	 * slen 0: netkit__addr_set() must not read uninitialised bytes. */
	memset(&ss, 0, sizeof(ss));
	NETKIT__RETRY(n, recvfrom(fd, buf, len, 0, (struct sockaddr *)&ss,
				  &slen));
	if (n < 0)
		return netkit__errno();
	if (from)
		(void)netkit__addr_set(from, &ss, slen);
	return n;
}

NETKIT_EXPORT int
netkit_shutdown(int fd, int how)
{
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return shutdown(fd, how) < 0 ? netkit__errno() : 0;
}

NETKIT_EXPORT int
netkit_close(int fd)
{
	if (fd < 0)
		return -EBADF;
	/* Never retried: on Linux the descriptor is gone even on EINTR. */
	if (close(fd) < 0 && errno != EINTR)
		return netkit__errno();
	return 0;
}
