/*
 * Whole-message I/O: the loops every socket program needs around send()
 * and recv(). Same safe defaults as socket.c.
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "netkit-private.h"

NETKIT_EXPORT ssize_t
netkit_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;

	if (!buf && len > 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	while (done < len) {
		NETKIT__RETRY(n, send(fd, p + done, len - done, MSG_NOSIGNAL));
		if (n < 0)
			return netkit__errno();
		done += (size_t)n;
	}
	return (ssize_t)len;
}

NETKIT_EXPORT ssize_t
netkit_recv_exact(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;
	ssize_t n;

	if (!buf || len == 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	while (done < len) {
		NETKIT__RETRY(n, recv(fd, p + done, len - done, MSG_WAITALL));
		if (n < 0)
			return netkit__errno();
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}
